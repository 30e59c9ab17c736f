#!/bin/sh
# subsystems.sh OUT UNITS [UNIT-NAME]: a callgrind profile's self cost grouped
# by the subsystem its source file belongs to, per unit (an idle event, a
# committed entry, a fuzz seed): the by-subsystem tables of
# docs/performance.md. Self cost, so the rows add up to the total; with
# link-time optimisation a small function's code counts where it is written,
# wherever it was inlined. `make bench-callgrind` prints one per case.
set -eu
out=$1
units=$2
name=${3:-unit}
[ "$units" -gt 0 ] || units=1
callgrind_annotate --inclusive=no --threshold=100 --auto=no "$out" |
    awk -v units="$units" -v name="$name" '
function group(file, object)
{
    # The first pattern that matches names the row; the order matters
    # (sim_lin before the other checkers, sim_kv before sim_).
    if (file ~ /(^|\/)sim\/sim_kv/) return "key-value machine"
    if (file ~ /(^|\/)sim\/check\/sim_lin/) return "linearizability checker"
    if (file ~ /(^|\/)sim\/check\/sim_(safety|chain)/) return "safety checker"
    if (file ~ /(^|\/)raft\//) return "the core (raft/)"
    if (file ~ /(^|\/)sim\/sim_(client|history)/) return "clients and history"
    if (file ~ /(^|\/)sim\/sim_queue/) return "event queue"
    if (file ~ /(^|\/)sim\/(sim_node|sim\.c|sim_propose|sim_observe|sim_progress|sim_read|sim_faults|sim_member|bench\/)/)
        return "node glue, fault and membership hosts, bench driver"
    if (file ~ /(^|\/)sim\/sim_hash/) return "trace hash and entry digests"
    if (file ~ /(^|\/)sim\/sim_(tracer|trace|internal)/) return "trace emitter"
    if (file ~ /(^|\/)sim\/sim_(net|rng|pool)/) return "network and streams"
    if (file ~ /(^|\/)sim\/check\//) return "other checkers"
    if (file ~ /(^|\/)sim\/sim_disk/) return "simulated disk"
    if (file ~ /(^|\/)scenarios\//) return "scenario generator and runner"
    if (file ~ /malloc/) return "libc malloc and free"
    if (object ~ /libglib/) return "GLib"
    if (file ~ /(string|stdlib|sysdeps)\//) return "libc memcpy, memset, strlen, qsort"
    return "the rest (printing, time texts, queries)"
}
/PROGRAM TOTALS/ { next }
/^ *[0-9][0-9,]* +(\([ 0-9.%]+\) +)?[^ ]+:/ {
    n = $1
    gsub(",", "", n)
    line = $0
    sub(/^ *[0-9,]+ +(\([ 0-9.%]+\) +)?/, "", line)
    file = line
    sub(/:.*/, "", file)
    object = ""
    if (match(line, /\[[^]]*\]$/))
        object = substr(line, RSTART)
    g = group(file, object)
    if (!(g in cost))
        order[++rows] = g
    cost[g] += n
    total += n
}
END {
    # Largest first; ties keep the order first seen.
    for (i = 1; i <= rows; i++)
        for (j = i + 1; j <= rows; j++)
            if (cost[order[j]] > cost[order[i]]) {
                t = order[i]; order[i] = order[j]; order[j] = t
            }
    printf "  %-55s %14s\n", "subsystem (self cost)", "per " name
    for (i = 1; i <= rows; i++)
        if (cost[order[i]] / units >= 0.5) # rows that round to 0 left out
            printf "  %-55s %14.0f\n", order[i], cost[order[i]] / units
    printf "  %-55s %14.0f\n", "total", total / units
}'
