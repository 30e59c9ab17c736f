#!/bin/sh
# doc-commands.sh: runs every command the documentation shows and compares
# the output it shows, so that the docs cannot drift from the tool.
#
# Usage: doc-commands.sh BUILD FILE.md...
#
# What counts as a command, in the indented (4-space) code blocks of FILE:
# - `$ COMMAND` (any shell command): run; the lines after it, up to the
#   next `$ ` line or the end of the block, are its shown output, compared
#   with what it writes (stdout, then stderr). A shown line `...` stands
#   for any number of lines, and trailing blank lines do not count.
# - `raftsim ...` without `$ `: run; its output is not shown, so only its
#   exit status is checked. A `raftsim fuzz` command of this kind runs at
#   most 5 of its seeds (the rest of its options as shown), so that a
#   campaign of a million seeds stays an example.
# - A line ending in `\` continues on the next line. A comment after a
#   command that says `exit N` gives its exit status (otherwise it must be
#   0).
# - `<!-- doc-commands: mutant NAME -->` before a block makes `raftsim`
#   in that block the core with the bug tests/mutants/NAME.patch
#   (BUILD/mutants/NAME/raftsim), for examples of what the tool finds.
# Lines in job files (Slurm, Kubernetes, CI) are not commands of this kind
# and are not run. Every relative link must name a file of the repository.
#
# Each file's commands run in order in one scratch directory of its own,
# holding a link to scenarios/, with `raftsim` on PATH being BUILD/raftsim,
# so an example may read what an earlier one wrote.
#
# Normalised, on both sides, because they measure the machine and not the
# tool: wall times ("420us of wall time", "in 0.3s wall time (1100.0
# seeds/s)", "(385 candidate runs, 6.5s)"), and the fuzz progress lines
# written every 10 seconds of wall time ("fuzz: 12000/100000 seeds, ...")
# are dropped.
set -u
build=$1
shift
fail() { echo "doc-commands: $*" >&2; exit 1; }
[ -x "$build/raftsim" ] || fail "$build/raftsim is missing: build it first"
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/raftsim-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"
ln -s "$root/$build/raftsim" "$work/bin/raftsim"

# Extracts FILE's commands into $work/cmds/NNNNN.{where,cmd,exp,bin}.
extract() {
    awk -v dir="$work/cmds" -v doc="$1" -v start="$2" '
    function flush() {
        if (cmd == "") return
        n++
        base = sprintf("%s/%05d", dir, start + n)
        printf "%s:%d\n", doc, cmdline > (base ".where")
        printf "%s\n", cmd > (base ".cmd")
        printf "%s\n", mutant > (base ".bin")
        if (shown) {
            while (nout > 0 && out[nout] == "") nout--
            printf "" > (base ".exp")
            for (i = 1; i <= nout; i++) printf "%s\n", out[i] > (base ".exp")
            close(base ".exp")
        }
        close(base ".where"); close(base ".cmd"); close(base ".bin")
        cmd = ""; shown = 0; nout = 0
    }
    BEGIN { n = 0; inblock = 0; prevblank = 1; cmd = ""; mutant = "" }
    {
        line = $0
        if (match(line, /^<!-- doc-commands: mutant [a-z0-9-]+ -->$/)) {
            pending = line
            sub(/^<!-- doc-commands: mutant /, "", pending)
            sub(/ -->$/, "", pending)
            next
        }
        code = (line ~ /^    /) && (inblock || prevblank)
        if (!code && line != "") {
            if (inblock) { flush(); inblock = 0; mutant = ""; skip = 0; cont = 0 }
            prevblank = 0
            next
        }
        if (line == "") {
            prevblank = 1
            if (inblock && shown && !cont) out[++nout] = ""
            next
        }
        if (!inblock) { inblock = 1; mutant = pending; pending = "" }
        prevblank = 0
        text = substr(line, 5)
        if (skip) {
            skip = (text ~ /\\$/)
            next
        }
        if (cont) {
            sub(/^ +/, "", text)
            cmd = cmd " " text
            cont = sub(/ *\\$/, "", cmd)
            next
        }
        bare = text
        sub(/^ +/, "", bare)
        if (bare ~ /^\$ /) {
            flush()
            cmd = substr(bare, 3); shown = 1; cmdline = NR
            cont = sub(/ *\\$/, "", cmd)
        } else if (shown) {
            out[++nout] = text
        } else if (bare ~ /^raftsim /) {
            flush()
            cmd = bare; shown = 0; cmdline = NR
            cont = sub(/ *\\$/, "", cmd)
        } else {
            # Not a command (a job file, another program): neither are
            # the lines it continues on.
            skip = (text ~ /\\$/)
        }
    }
    END { flush(); print n > (dir "/count." doc_id) }
    ' doc_id="$3" "$1"
}

# Normalises what measures the machine (see the header) in a text on stdin.
normalise() {
    sed -E \
        -e '/^fuzz: [0-9]+\/[0-9]+ seeds, /d' \
        -e 's/[0-9.]+(us|ms|s) of wall time/TIME of wall time/' \
        -e 's/in [0-9.]+(us|ms|s) wall time \([0-9.]+ seeds\/s\)/in TIME wall time (RATE seeds\/s)/' \
        -e 's/(candidate runs?), [0-9.]+(us|ms|s)/\1, TIME/'
}

# Compares actual ($1) with shown ($2), where a shown `...` line matches any
# run of lines. Exit 0 when they match.
matches() {
    awk '
    function m(i, j,    k) {
        if (j > ne) return i > na
        if (shown[j] == "...") {
            for (k = i; k <= na + 1; k++) if (m(k, j + 1)) return 1
            return 0
        }
        return i <= na && act[i] == shown[j] && m(i + 1, j + 1)
    }
    FNR == NR { act[++na] = $0; next }
    { shown[++ne] = $0 }
    END {
        while (na > 0 && act[na] == "") na--
        exit m(1, 1) ? 0 : 1
    }' "$1" "$2"
}

# Every relative link of a doc names a file of the repository that exists.
links=0
for doc in "$@"; do
    d=$(dirname "$doc")
    for target in $(grep -o '](\([^)#]*\)[)#]' "$doc" | sed -E 's/^\]\(//; s/[)#]$//' |
        grep -v -E '^[a-z]+:'); do
        links=$((links + 1))
        path=$(cd "$d" 2>/dev/null && realpath -m "$target")
        case $path in
        "$root"/*) [ -e "$path" ] ||
            fail "$doc: the link to $target names no file" ;;
        *) fail "$doc: the link to $target points outside the repository" ;;
        esac
    done
done

mkdir -p "$work/cmds"
total=0
docs=0
for doc in "$@"; do
    docs=$((docs + 1))
    extract "$doc" $((docs * 10000)) "$docs"
done
failed=0
compared=0
for doc in "$@"; do
    scratch="$work/run/$(echo "$doc" | tr / _)"
    mkdir -p "$scratch"
    ln -s "$root/scenarios" "$scratch/scenarios"
    for where in "$work"/cmds/*.where; do
        [ -e "$where" ] || continue
        case $(cat "$where") in "$doc":*) ;; *) continue ;; esac
        base=${where%.where}
        cmd=$(cat "$base.cmd")
        bin="$work/bin"
        mutant=$(cat "$base.bin")
        if [ -n "$mutant" ]; then
            bin="$work/bin-$mutant"
            m="$root/$build/mutants/$mutant/raftsim"
            [ -x "$m" ] || fail "$(cat "$where"): $m is missing: build it first"
            mkdir -p "$bin" && ln -sf "$m" "$bin/raftsim"
        fi
        want=0
        case $cmd in *"#"*"exit "[0-9]*) want=$(printf '%s\n' "$cmd" | sed -E 's/.*#.*exit ([0-9]+).*/\1/') ;; esac
        case $want in
        '' | *[!0-9]*) fail "$(cat "$where"): cannot read the exit status of '$cmd'" ;;
        esac
        run=$cmd
        if [ ! -e "$base.exp" ]; then
            case $cmd in
            "raftsim fuzz"*)
                seeds=$(printf '%s\n' "$cmd" | sed -nE 's/.*--seeds[ =]([0-9]+).*/\1/p')
                if [ -z "$seeds" ] || [ "$seeds" -gt 5 ]; then
                    run=$(printf '%s\n' "$cmd" | sed -E 's/ *#.*//')" --seeds 5"
                fi
                ;;
            esac
        fi
        total=$((total + 1))
        (cd "$scratch" && PATH="$bin:$PATH" sh -c "$run") \
            >"$base.out" 2>"$base.err" </dev/null
        status=$?
        if [ "$status" -ne "$want" ]; then
            echo "doc-commands: $(cat "$where"): '$cmd' exited $status, the doc says $want" >&2
            sed 's/^/    /' "$base.err" | head -20 >&2
            failed=$((failed + 1))
            continue
        fi
        [ -e "$base.exp" ] || continue
        compared=$((compared + 1))
        cat "$base.out" "$base.err" | normalise >"$base.act"
        normalise <"$base.exp" >"$base.expn"
        if ! matches "$base.act" "$base.expn"; then
            echo "doc-commands: $(cat "$where"): the output of '$cmd' differs from the doc (- doc, + actual):" >&2
            diff -u "$base.expn" "$base.act" | tail -n +3 >&2
            failed=$((failed + 1))
        fi
    done
done
if [ "$failed" -gt 0 ]; then
    echo "doc-commands: FAIL: $failed of $total commands" >&2
    exit 1
fi
echo "doc-commands: $total commands of $docs files run, $compared outputs as shown; $links links lead to files of the repository"
