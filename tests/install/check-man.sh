#!/bin/sh
# check-man.sh: the hand-written manual page docs/raftsim.1 against the tool.
#
# Guards that the page renders without a warning (with man, groff or nroff,
# whichever is installed; without any, a structural check of the roff) and
# that every subcommand `raftsim --help` lists has an entry under COMMANDS,
# so a new subcommand cannot ship undocumented.
# Usage: check-man.sh RAFTSIM PAGE
set -eu
raftsim=$1
page=$2
fail() { echo "check-man: FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/raftsim-man.XXXXXX")
trap 'rm -rf "$work"' EXIT

if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man --warnings=w -l "$page" >"$work/text" 2>"$work/warn" \
        || fail "man -l $page failed: $(cat "$work/warn")"
    renderer="man -l"
elif command -v nroff >/dev/null 2>&1; then
    nroff -man -ww "$page" >"$work/text" 2>"$work/warn" || fail "nroff failed"
    renderer=nroff
else
    # No renderer: every line is text or a known request, and the page has
    # the sections a manual page needs.
    bad=$(grep -n '^\.' "$page" | grep -Ev '^[0-9]+:\.(\\"|TH|SH|SS|TP|PP|B|I|BR|BI|IB|IR|RB|RI|br|nf|fi)( |$)' || true)
    [ -z "$bad" ] || fail "unknown roff requests: $bad"
    cp "$page" "$work/text"
    : >"$work/warn"
    renderer="structure"
fi
[ ! -s "$work/warn" ] || fail "$renderer warns: $(cat "$work/warn")"
for section in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" FILES; do
    grep -q "^\\.SH \"*$section\"*\$" "$page" || fail "no $section section"
done

commands=$("$raftsim" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
[ -n "$commands" ] || fail "raftsim --help lists no commands"
# The COMMANDS section: from its .SH to the next .SH.
sed -n '/^\.SH COMMANDS/,/^\.SH OPTIONS/p' "$page" >"$work/commands"
for c in $commands; do
    grep -Eq "^\\.(B|BI) \"?$c( |\"|\$)" "$work/commands" \
        || fail "subcommand '$c' (raftsim --help) has no entry in $page"
done
echo "check-man: $page renders without warnings ($renderer) and lists:" $commands
