/* raftsim_build.c: the name of this build, which reproducers record next
 * to the trace hash they expect (`trace-hash HASH by "BUILD"`).
 *
 * Invariant: the text depends only on the version and, when the program
 * was built from a git checkout, the commit (RAFTSIM_COMMIT, which the
 * Makefile passes to this file alone, so that a new commit recompiles
 * nothing else); without git it is the version alone.
 */
#include "sim/cli/raftsim_cli.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "unknown"
#endif
#ifndef RAFTSIM_COMMIT
#define RAFTSIM_COMMIT ""
#endif

const char *raftsim_build(void)
{
    return RAFTSIM_COMMIT[0] ? "raftsim " RAFTSIM_VERSION " git " RAFTSIM_COMMIT
                             : "raftsim " RAFTSIM_VERSION;
}
