#!/bin/sh
# Same file + seed + build gives the same trace hash whatever the compiler or
# optimisation level: compares the trace hash of every library scenario and of
# a fuzz seed range between the reference binary and each other build given.
# usage: check-determinism.sh SEEDS REFERENCE_RAFTSIM OTHER_RAFTSIM...
set -eu
seeds=$1
shift
reference=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

signature() {
    "$1" fuzz --seeds "$seeds" --time 5s --jobs 2 --verbose --out "$tmp/fuzz" |
        grep '^seed '
    for f in scenarios/*.scn; do
        printf '%s ' "$f"
        "$1" run "$f" | grep '^Trace hash'
    done
}

signature "$reference" >"$tmp/reference"
lines=$(wc -l <"$tmp/reference")
shift
for other in "$@"; do
    signature "$other" >"$tmp/other"
    if ! cmp -s "$tmp/reference" "$tmp/other"; then
        echo "determinism: $other differs from $reference:" >&2
        diff "$tmp/reference" "$tmp/other" | head -20 >&2
        exit 1
    fi
    echo "determinism: $other gives the same $lines trace hashes as $reference"
done
