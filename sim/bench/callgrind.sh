#!/bin/sh
# callgrind.sh BENCH OUTDIR CASE...: each case of raftsim-bench shortened,
# under callgrind, counting only sim_bench_timed_part; prints the collected
# instructions per committed entry, per event and per fuzz seed, then each
# case's profile by subsystem (sim/bench/subsystems.sh): per fuzz seed for
# a case of seeds, per committed entry for a case that commits many, else
# per event.
set -eu
bench=$1
out=$2
shift 2
here=$(dirname "$0")
cases="$*"
for c in "$@"; do
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind-$c.out" \
        --toggle-collect=sim_bench_timed_part "$bench" --callgrind --case "$c" \
        >"$out/callgrind-$c.txt" 2>"$out/callgrind-$c.err" || {
        cat "$out/callgrind-$c.txt" "$out/callgrind-$c.err" >&2
        exit 1
    }
    line=$(grep '^callgrind case' "$out/callgrind-$c.txt")
    total=$(callgrind_annotate "$out/callgrind-$c.out" |
        sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
    set -- $line
    events=$4 entries=$6 seeds=$9
    printf '(%s) %s Ir, %s events: %s per event' "$c" "$total" "$events" \
        "$((total / (events > 0 ? events : 1)))"
    [ "$entries" -gt 0 ] && printf ', %s per committed entry (%s entries)' \
        "$((total / entries))" "$entries"
    [ "$seeds" -gt 0 ] && printf ', %s per seed (%s seeds)' \
        "$((total / seeds))" "$seeds"
    printf '\n'
done
for c in $cases; do
    set -- $(grep '^callgrind case' "$out/callgrind-$c.txt")
    events=$4 entries=$6 seeds=$9
    if [ "$seeds" -gt 0 ]; then
        units=$seeds unit=seed
    elif [ "$entries" -gt 1 ]; then
        units=$entries unit=entry
    else
        units=$events unit=event
    fi
    printf '\n(%s) by subsystem:\n' "$c"
    sh "$here/subsystems.sh" "$out/callgrind-$c.out" "$units" "$unit"
done
