#!/bin/sh
# The layers of the source tree, checked: every #include "..." of every .c and
# .h file must point down the graph, never up or sideways, and only the
# program reads the wall clock or the environment. docs/design.md draws the
# graph; this is its executable form (`make check-layers`).
#
#   raft/             the core: its own headers only, named bare ("raft_log.h")
#   sim/check/        the checkers: raft.h, the trace and history types
#                     (sim_trace.h, sim_history.h), each other
#   sim/              the engine: raft.h, sim/check/, each other
#   scenarios/lang/   the language: raft.h, the engine's public headers,
#                     sim/check/, each other
#   viz/              the pictures: raft.h, sim_trace.h, each other
#   sim/cli/          the raftsim program: everything above but sim/bench/
#   sim/bench/        the benchmark: everything above but sim/cli/
#   tests/            everything but the bench and the private headers
#
# sim/sim_assert.h (the assertion and NDEBUG guard), sim/sim_hash.h (the
# hash functions) and sim/sim_time_text.h (how times and durations are
# written) include nothing of the project and may be included from every
# layer above raft/. The engine's private headers (sim_internal.h,
# sim_observe.h, sim_tracer.h) are the engine's alone; raft/'s headers other
# than raft.h are raft/'s alone, with one exception: the tests named in
# engine_step_tests below hand a crafted update to the engine's step
# (sim_internal.h), to see the engine do what no correct core provokes.
#
# Below the program (raft/, sim/, sim/check/, scenarios/lang/, viz/) no code
# calls a wall-clock or environment function.
#
# usage: check-layers.sh [ROOT]   (ROOT: the repository, default .)
# Prints FILE:LINE: error: ... for each violation; exit 1 if any, else 0.
set -eu
root=${1:-.}
cd "$root"

files=$(find raft sim scenarios/lang viz tests -type f \( -name '*.c' -o -name '*.h' \) \
    2>/dev/null | LC_ALL=C sort)
[ -n "$files" ] || { echo "check-layers: no sources under $root" >&2; exit 2; }
# The headers that exist, so that an include of a missing file is named.
headers=$(echo "$files" | grep '\.h$' | tr '\n' ' ')

# The tests that may include the engine's private headers.
engine_step_tests="tests/test_sim_conduct_engine.c"

# shellcheck disable=SC2086
awk -v headers="$headers" -v engine_step_tests="$engine_step_tests" '
# The layer of a file of the tree, from its path ("" for none).
function layer_of(p) {
    if (p ~ /^raft\/[^\/]+$/) return "raft"
    if (p ~ /^sim\/check\/[^\/]+$/) return "check"
    if (p ~ /^sim\/cli\/[^\/]+$/) return "cli"
    if (p ~ /^sim\/bench\/[^\/]+$/) return "bench"
    if (p ~ /^sim\/[^\/]+$/) return "engine"
    if (p ~ /^scenarios\/lang\/[^\/]+$/) return "lang"
    if (p ~ /^viz\/[^\/]+$/) return "viz"
    if (p ~ /^tests\//) return "tests"
    return ""
}
# The kind of an included header, from the path inside the quotes.
function kind_of(p) {
    if (p == "raft/raft.h") return "raft-api"
    if (p ~ /^raft\//) return "raft-private"
    if (p == "sim/sim_assert.h" || p == "sim/sim_hash.h" ||
        p == "sim/sim_time_text.h") return "leaf"
    if (p == "sim/sim_trace.h") return "trace"
    if (p == "sim/sim_history.h") return "history"
    if (p == "sim/sim_internal.h" || p == "sim/sim_observe.h" || p == "sim/sim_tracer.h")
        return "engine-private"
    k = layer_of(p)
    if (k == "raft" || k == "" || (k == "tests" && p !~ /^tests\/support\//)) return "unknown"
    return k
}
BEGIN {
    n = split(headers, h, " ")
    for (i = 1; i <= n; i++) exists[h[i]] = 1
    n = split(engine_step_tests, h, " ")
    for (i = 1; i <= n; i++) engine_step_test[h[i]] = 1
    # The allowed matrix: for each layer, the kinds of header it may include.
    allow["check"] = "raft-api leaf trace history check"
    allow["engine"] = "raft-api leaf trace history engine-private engine check"
    allow["lang"] = "raft-api leaf trace history engine check lang"
    allow["viz"] = "raft-api leaf trace viz"
    allow["cli"] = "raft-api leaf trace history engine check lang viz cli"
    allow["bench"] = "raft-api leaf trace history engine check lang viz bench"
    allow["tests"] = "raft-api leaf trace history engine check lang viz cli tests"
    for (l in allow) {
        m = split(allow[l], a, " ")
        for (i = 1; i <= m; i++) ok[l, a[i]] = 1
    }
    clock = "(^|[^A-Za-z0-9_])(g_get_monotonic_time|g_get_real_time|clock_gettime|gettimeofday|g_date_time_new_now[a-z_]*|g_timer_new|getenv|g_getenv|secure_getenv|time|clock)[ \t]*\\("
    q = sprintf("%c", 39)
    charlit = q "(\\\\.|[^\\\\" q "])" q
    errors = 0
    files = 0
}
FNR == 1 { layer = layer_of(FILENAME); if (layer != "") files++ }
layer == "" { next }
/^[ \t]*#[ \t]*include[ \t]*"/ {
    inc = $0
    sub(/^[^"]*"/, "", inc)
    sub(/".*/, "", inc)
    where = FILENAME ":" FNR ": error: "
    if (layer == "raft") {
        if (inc ~ /\// || !(("raft/" inc) in exists)) {
            print where "raft/ includes \"" inc "\": the core includes only its own headers, by bare name"
            errors++
        }
        next
    }
    kind = kind_of(inc)
    if (kind == "unknown" || !(inc in exists)) {
        print where "\"" inc "\" is not a header of a layer (write includes from the repository root)"
        errors++
    } else if (!((layer, kind) in ok) &&
               !(kind == "engine-private" && FILENAME in engine_step_test)) {
        print where FILENAME " (" layer ") may not include \"" inc "\" (" kind "); " layer " may include: " allow[layer]
        errors++
    }
    next
}
# Below the program no code reads the wall clock or the environment: the
# code of each line, without strings and comments, is searched.
FNR == 1 { in_comment = 0 }
{
    code = $0
    gsub(charlit, "0", code)
    gsub(/"([^"\\]|\\.)*"/, "\"\"", code)
    if (in_comment) {
        if (code !~ /\*\//) next
        sub(/^.*\*\//, "", code)
        in_comment = 0
    }
    gsub(/\/\*([^*]|\*+[^*\/])*\*+\//, " ", code)
    if (code ~ /\/\*/) { sub(/\/\*.*/, "", code); in_comment = 1 }
    sub(/\/\/.*/, "", code)
}
(layer == "raft" || layer == "engine" || layer == "check" || layer == "lang" || layer == "viz") && code ~ clock {
    print FILENAME ":" FNR ": error: reads the wall clock or the environment, which only sim/cli/ and sim/bench/ may"
    errors++
}
END {
    if (errors > 0) {
        printf "check-layers: %d violation%s of the layers (docs/design.md, Layers)\n", errors, errors == 1 ? "" : "s" > "/dev/stderr"
        exit 1
    }
    printf "check-layers: %d files, every include points down the graph\n", files
}' $files
