#!/bin/sh
# check-install.sh: `make install` and `make uninstall` into a scratch DESTDIR.
#
# Guards three promises of the Makefile's install rules:
#   - installed names never collide with Debian's libraft-dev (no include/raft.h,
#     no libraft.*, no raft.pc);
#   - a program builds against the installed core through
#     `pkg-config --cflags --libs raftsim-raft` and runs;
#   - the manual page, the bash completion, the scenario library and the
#     language reference land under share/, the completion completes
#     subcommands and .scn files, and `raftsim --help` names the data dir;
#   - uninstall removes every file install wrote, and nothing else.
# Run from the repository root (make check-install sets BUILD, MAKE, CC and
# PREFIX; the Makefile's own PREFIX, so that install rebuilds nothing).
set -eu

MAKE=${MAKE:-make}
CC=${CC:-cc}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
BUILD=${BUILD:-build}
prefix=${PREFIX:-/usr/local}
work=$(mktemp -d "${TMPDIR:-/tmp}/raftsim-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
dest=$work/dest

fail() { echo "check-install: FAIL: $*" >&2; exit 1; }

$MAKE --no-print-directory -s install DESTDIR="$dest" PREFIX=$prefix BUILD="$BUILD" >/dev/null

# A file the caller already had under the prefix must survive uninstall.
mkdir -p "$dest$prefix/include"
echo keep > "$dest$prefix/include/other.h"

for f in bin/raftsim lib/libraftsim-raft.a include/raftsim/raft.h \
         lib/pkgconfig/raftsim-raft.pc share/man/man1/raftsim.1 \
         share/bash-completion/completions/raftsim \
         share/raftsim/scenario-language.md share/raftsim/scenarios/figure8.scn; do
    [ -f "$dest$prefix/$f" ] || fail "install did not write $prefix/$f"
done
for f in include/raft.h lib/libraft.a lib/libraft.so lib/pkgconfig/raft.pc; do
    [ ! -e "$dest$prefix/$f" ] || fail "install wrote $prefix/$f (Debian's libraft-dev owns it)"
done

n_scn=$(ls scenarios/*.scn | wc -l)
[ "$(ls "$dest$prefix/share/raftsim/scenarios/"*.scn | wc -l)" -eq "$n_scn" ] \
    || fail "install did not copy every scenarios/*.scn"
"$dest$prefix/bin/raftsim" --help | grep -qF "$prefix/share/raftsim/scenarios/" \
    || fail "raftsim --help does not say where the scenario library is"
grep -qF "$prefix/share/raftsim/scenarios" "$dest$prefix/share/man/man1/raftsim.1" \
    || fail "the installed manual page does not name the installed scenario library"

# The completion, sourced as bash-completion would, with the installed raftsim.
if command -v bash >/dev/null 2>&1; then
    complete_words() {
        PATH="$dest$prefix/bin:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@")
            COMP_CWORD=$(($# - 1)); _raftsim; printf "%s\n" "${COMPREPLY[@]}" | sort' \
            sh "$dest$prefix/share/bash-completion/completions/raftsim" "$@"
    }
    [ "$(complete_words raftsim ch)" = check ] || fail "completion of 'raftsim ch': $(complete_words raftsim ch)"
    [ "$(complete_words raftsim help f)" = fuzz ] || fail "completion of 'raftsim help f'"
    lib=$dest$prefix/share/raftsim/scenarios
    [ "$(complete_words raftsim check "$lib/figure")" = "$(printf '%s\n' "$lib"/figure*.scn)" ] \
        || fail "completion of scenario files: $(complete_words raftsim check "$lib/figure")"
    complete_words raftsim run --tr | grep -qx -- --trace || fail "completion of run's options"
fi

# The .pc file names the real PREFIX; pkg-config's sysroot support maps it
# into DESTDIR for this build.
cat > "$work/use_core.c" <<'C'
#include <raft.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    struct raft_config c;
    raft_config_init(&c);
    const uint64_t voters[] = {1};
    c.id = 1;
    c.voters = voters;
    c.n_voters = 1;
    struct raft *r = NULL;
    if (raft_create(&c, NULL, 0, &r) != RAFT_OK || r == NULL)
        return 1;
    raft_destroy(r);
    printf("%s\n", raft_strerror(RAFT_OK) != NULL ? "core ok" : "no name");
    return 0;
}
C
export PKG_CONFIG_PATH="$dest$prefix/lib/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$($PKG_CONFIG --cflags --libs raftsim-raft) || fail "pkg-config does not find raftsim-raft"
case $flags in
    *"-I$dest$prefix/include/raftsim"*) ;;
    *) fail "pkg-config cflags do not point at include/raftsim: $flags" ;;
esac
# shellcheck disable=SC2086
$CC -std=c17 -Wall -Werror -o "$work/use_core" "$work/use_core.c" $flags \
    || fail "a program does not build against the installed core"
[ "$("$work/use_core")" = "core ok" ] || fail "the program built against the core did not run"
# The archive holds machine code, not only link-time IR: a server built
# without link-time optimisation links it too.
# shellcheck disable=SC2086
$CC -std=c17 -Wall -Werror -fno-lto -o "$work/use_core_no_lto" "$work/use_core.c" $flags \
    || fail "a program built without LTO does not link the installed core"
[ "$("$work/use_core_no_lto")" = "core ok" ] || fail "the program built without LTO did not run"

$MAKE --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=$prefix BUILD="$BUILD" >/dev/null

left=$(cd "$dest" && find . -type f ! -path ".$prefix/include/other.h" | sort)
[ -z "$left" ] || fail "uninstall left: $left"
[ ! -e "$dest$prefix/include/raftsim" ] || fail "uninstall left include/raftsim/"
[ -f "$dest$prefix/include/other.h" ] || fail "uninstall removed a file it did not install"
echo "check-install: install, pkg-config build and uninstall OK"
