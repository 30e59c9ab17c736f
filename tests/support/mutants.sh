#!/bin/bash
# mutants.sh: the mutation benchmark (docs/fuzzing.md, "Mutation benchmark").
#
# usage: mutants.sh [--quick] BUILD SEEDS JOBS NAME...
#        mutants.sh --check-patches PATCH...
#
# For each mutant NAME (tests/mutants/NAME.patch, built by the Makefile into
# BUILD/mutants/NAME/raftsim), fuzzes seeds 1..SEEDS with the default swarm
# until the third failing seed (--quick: the first), as a user would run
# `raftsim fuzz --max-failures 3`, and records one row: whether it was
# caught, the seeds run up to and including the first failure, the property
# that failed first, the size in statements of the smallest shrunk
# reproducer `fuzz` names for that property (it shrinks up to three per
# property; with one, that seed's; `raftsim shrink` writes it when `fuzz`
# did not), and the wall time.
# JOBS mutants run at once. Prints the table, writes it to
# BUILD/mutants/table.md and table.json (quick-table.* with --quick) and
# exits 1 when any mutant escaped its budget.
#
# --check-patches exits 1 unless every patch applies to raft/ exactly (no
# fuzz), so that `make test` notices when the core moved under a mutant.
set -eu

usage() {
    echo "usage: $0 [--quick] BUILD SEEDS JOBS NAME... | --check-patches PATCH..." >&2
    exit 2
}

check_patches() {
    local bad=0 p
    for p in "$@"; do
        if ! patch --dry-run -s -p1 -F0 <"$p" >/dev/null 2>&1; then
            echo "mutants: $p no longer applies to raft/; update it" >&2
            bad=1
        fi
    done
    [ "$bad" -eq 0 ] && echo "mutants: all $# patches apply to raft/"
    return "$bad"
}

# The first "FAIL seed N: PROPERTY ..." line of a fuzz output, as "N PROPERTY".
first_failure() {
    sed -n 's/^FAIL seed \([0-9][0-9]*\): \([a-z][a-z-]*\).*/\1 \2/p' | head -n 1
}

# Fuzzes seeds FROM..FROM+COUNT-1 of BIN into OUT (its output saved in
# OUT.log); prints "N PROPERTY" for the first failing seed, nothing when all
# passed. A process that dies (a broken
# core's assertion) is narrowed down seed by seed and reported as `crash`.
fuzz_range() {
    local bin=$1 from=$2 count=$3 out=$4 extra=${5:-} shrinks=${6:-1} rc=0 text found
    # A seed costs milliseconds; a livelocked one would run forever, so each
    # range has a generous wall-time limit and a hit counts as a failure;
    # each of the SHRINKS shrinks that may follow (1,000 candidate runs at
    # most) gets ten minutes more.
    # shellcheck disable=SC2086
    text=$(timeout $((60 + count / 2 + 600 * shrinks)) "$bin" fuzz --seed-from "$from" \
        --seeds "$count" --quiet --out "$out" $extra 2>&1) || rc=$?
    printf '%s\n' "$text" >>"$out.log"
    case $rc in
    0) return 0 ;;
    1)
        found=$(printf '%s\n' "$text" | first_failure)
        if [ -z "$found" ]; then
            echo "mutants: $bin fuzz failed without a FAIL line:" >&2
            printf '%s\n' "$text" | tail -n 3 >&2
            found="$from unknown"
        fi
        echo "$found"
        ;;
    *)
        if [ "$count" -eq 1 ]; then
            if [ "$rc" -eq 124 ]; then echo "$from budget"; else echo "$from crash"; fi
            return 0
        fi
        local s=$from
        while [ "$s" -lt $((from + count)) ]; do
            found=$(fuzz_range "$bin" "$s" 1 "$out" "$extra")
            if [ -n "$found" ]; then
                echo "$found"
                return 0
            fi
            s=$((s + 1))
        done
        echo "$from crash" # the whole range passed one by one
        ;;
    esac
}

# Statements in a scenario file: lines that are neither blank nor comments.
statements() {
    grep -cv '^[[:space:]]*\(#.*\)\{0,1\}$' "$1" || true
}

# The statement count of the smallest shrunk reproducer of PROPERTY that
# `raftsim fuzz` named in OUT.log, else of seed N's OUT/fuzz-N.min.scn, or
# "-". `raftsim fuzz` may have written it already; otherwise `raftsim shrink`
# writes it, when the command has that subcommand.
shrink_size() {
    local bin=$1 out=$2 seed=$3 property=$4
    local repro="$out/fuzz-$seed.scn" shrunk="$out/fuzz-$seed.min.scn"
    local smallest
    smallest=$(sed -n "s/^shrink: smallest $property reproducer: \(.*\), [0-9][0-9]* statements\{0,1\} (also .*/\1/p" \
        "$out.log" 2>/dev/null | head -n 1)
    [ -n "$smallest" ] && [ -f "$smallest" ] && shrunk=$smallest
    if [ ! -f "$shrunk" ] && [ -f "$repro" ] &&
        "$bin" shrink --help >/dev/null 2>&1; then
        "$bin" shrink "$repro" >"$out/shrink.log" 2>&1 || true
    fi
    if [ -f "$shrunk" ]; then statements "$shrunk"; else echo "-"; fi
}

# One mutant: writes BUILD/mutants/NAME/result, a tab-separated row.
run_one() {
    local build=$1 seeds=$2 name=$3 failures=$4
    local dir="$build/mutants/$name" bin="$build/mutants/$name/raftsim"
    local out="$dir/fuzz" start=$EPOCHREALTIME found="" from=1 stop
    rm -rf "$out" "$out.log"
    # A broken core may also grow without bound: 4 GiB of address space.
    ulimit -v 4194304
    if "$bin" fuzz --help 2>&1 | grep -q -- '--max-failures'; then
        found=$(fuzz_range "$bin" 1 "$seeds" "$out" "--max-failures $failures" "$failures")
    else
        # Growing ranges: a mutant caught early costs few seeds.
        for stop in 25 100 400 "$seeds"; do
            [ "$stop" -gt "$seeds" ] && stop=$seeds
            [ "$stop" -lt "$from" ] && continue
            found=$(fuzz_range "$bin" "$from" $((stop - from + 1)) "$out")
            [ -n "$found" ] && break
            from=$((stop + 1))
        done
    fi
    local caught=no seed=- property=- shrunk=-
    if [ -n "$found" ]; then
        caught=yes
        seed=${found%% *}
        property=${found#* }
        shrunk=$(shrink_size "$bin" "$out" "$seed" "$property")
    fi
    local secs
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$caught" "$seed" "$property" \
        "$shrunk" "$secs" >"$dir/result"
}

# The median of the numbers on stdin, "-" when there are none.
median() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (NR == 0) print "-";
        else if (NR % 2) print v[(NR + 1) / 2];
        else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

write_tables() {
    local rows=$1 md=$2 json=$3 seeds=$4
    {
        echo "| mutant | caught | seeds to first failure | property | shrunk size (statements) | time (s) |"
        echo "|---|---|---|---|---|---|"
        awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$rows"
        echo
        local total caught shrunk largest all
        total=$(wc -l <"$rows")
        caught=$(awk -F '\t' '$2 == "yes"' "$rows" | wc -l)
        shrunk=$(awk -F '\t' '$5 != "-" { print $5 }' "$rows" | median)
        largest=$(awk -F '\t' '$5 != "-" { print $5 }' "$rows" | sort -n | tail -n 1)
        # Over all mutants an escape counts as one seed past the budget.
        all=$(awk -F '\t' -v s="$seeds" '{ print ($2 == "yes" ? $3 : s + 1) }' "$rows" | median)
        awk -v m="$all" -v s="$seeds" 'BEGIN { exit !(m > s) }' && all="more than $seeds"
        echo "Caught $caught of $total within $seeds seeds;" \
            "median seeds to first failure $all over all mutants" \
            "(an escape counting as more than $seeds)," \
            "$(awk -F '\t' '$2 == "yes" { print $3 }' "$rows" | median) over the caught ones;" \
            "$([ "$shrunk" = - ] && echo "nothing shrunk" || echo "median shrunk size $shrunk statements, largest $largest")."
    } >"$md"
    awk -F '\t' -v seeds="$seeds" '
        function num(s) { return s == "-" ? "null" : s }
        function str(s) { return s == "-" ? "null" : "\"" s "\"" }
        BEGIN { printf "{\"seed_budget\": %d, \"mutants\": [\n", seeds }
        {
            printf "%s  {\"mutant\": \"%s\", \"caught\": %s, \"seeds_to_first_failure\": %s, " \
                "\"property\": %s, \"shrunk_statements\": %s, \"time_s\": %s}", \
                (NR > 1 ? ",\n" : ""), $1, ($2 == "yes" ? "true" : "false"), \
                num($3), str($4), num($5), $6
        }
        END { printf "\n]}\n" }' "$rows" >"$json"
}

main() {
    local prefix=table
    if [ "${1:-}" = "--check-patches" ]; then
        shift
        check_patches "$@"
        return
    fi
    if [ "${1:-}" = "--one" ]; then
        run_one "$2" "$3" "$5" "$4"
        return
    fi
    # The quick subset of `make test` stops at the first failure: one shrink.
    local failures=3
    if [ "${1:-}" = "--quick" ]; then
        prefix=quick-table
        failures=1
        shift
    fi
    [ $# -ge 4 ] || usage
    local build=$1 seeds=$2 jobs=$3 name
    shift 3
    for name in "$@"; do
        [ -x "$build/mutants/$name/raftsim" ] || {
            echo "mutants: $build/mutants/$name/raftsim is missing (make mutants builds it)" >&2
            exit 2
        }
        rm -f "$build/mutants/$name/result"
    done
    echo "mutants: $# mutants, up to $seeds seeds each, $jobs at a time"
    printf '%s\n' "$@" | xargs -P "$jobs" -I NAME "$0" --one "$build" "$seeds" "$failures" NAME
    local rows="$build/mutants/$prefix.tsv"
    for name in "$@"; do
        cat "$build/mutants/$name/result"
    done >"$rows"
    write_tables "$rows" "$build/mutants/$prefix.md" "$build/mutants/$prefix.json" "$seeds"
    cat "$build/mutants/$prefix.md"
    echo "(written to $build/mutants/$prefix.md and $prefix.json)"
    if awk -F '\t' '$2 != "yes" { bad = 1 } END { exit !bad }' "$rows"; then
        echo "mutants: FAIL: some mutants escaped $seeds seeds" >&2
        return 1
    fi
}

main "$@"
