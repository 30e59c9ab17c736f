/* raftsim_cli.h: the `raftsim` command's subcommands and shared helpers.
 *
 * Each subcommand is one function `int raftsim_NAME_main(int argc, char
 * **argv)` in its own file sim/cli/raftsim_NAME.c, listed once in the table
 * of raftsim_main.c. It receives its own name as argv[0] and the arguments
 * after it, parses them with a GOptionContext, and returns the process exit
 * status: RAFTSIM_EXIT_OK, RAFTSIM_EXIT_FAILED or RAFTSIM_EXIT_INVALID.
 * Subcommands write results to stdout and complaints to stderr, never ask
 * anything, and colour text only through raftsim_color().
 */
#ifndef RAFTSIM_CLI_H
#define RAFTSIM_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang/scn_ast.h"
#include "sim/sim_assert.h"

/* Exit statuses (SCENARIO.md, Results). */
enum raftsim_exit {
    RAFTSIM_EXIT_OK = 0,      /* every scenario passed */
    RAFTSIM_EXIT_FAILED = 1,  /* a check or a safety property failed */
    RAFTSIM_EXIT_INVALID = 2, /* the input or the command line is invalid */
};

/* One entry of the subcommand table. */
struct raftsim_command
{
    const char *name;    /* as typed: "run" */
    const char *summary; /* one line for `raftsim --help` */
    int (*main)(int argc, char **argv);
};

int raftsim_run_main(int argc, char **argv);
int raftsim_check_main(int argc, char **argv);
/* Provided by sim/cli/raftsim_fuzz.c when that file exists; the table entry
 * is skipped otherwise (see raftsim_main.c). */
int raftsim_fuzz_main(int argc, char **argv);

/* The text attributes raftsim_color() knows. */
enum raftsim_color {
    RAFTSIM_COLOR_RESET = 0,
    RAFTSIM_COLOR_GREEN,
    RAFTSIM_COLOR_RED,
    RAFTSIM_COLOR_YELLOW,
    RAFTSIM_COLOR_BOLD,
    RAFTSIM_COLOR_DIM,
};

/* True when `out` (borrowed) is a terminal and NO_COLOR is not set (to any
 * value) and TERM is not "dumb". */
bool raftsim_use_color(FILE *out);

/* Wall-clock microseconds on GLib's monotonic clock (the base of
 * g_cond_wait_until()), for the wall time in reports and the pacing of the
 * fuzz progress line only. It is the command's one reading of a real clock
 * and never reaches a simulation, its trace or its hash. */
int64_t raftsim_wall_us(void);

/* The escape sequence for `color` when `enabled`, else "". Static. */
const char *raftsim_color(bool enabled, enum raftsim_color color);

/* Parses a command-line duration in the scenario syntax ("150ms", "1.5s",
 * "250us"; a bare number is refused) into *out_us. `text` is borrowed.
 * False, and *out_us unchanged, when it is malformed or too large. */
bool raftsim_parse_duration(const char *text, uint64_t *out_us);

/* Parses an unsigned 64-bit decimal integer (the whole of `text`). */
bool raftsim_parse_u64(const char *text, uint64_t *out);

/* Reads and parses the scenario at `path` (borrowed). On success returns
 * the scenario (the caller frees it with scn_scenario_free). On failure
 * returns NULL and appends the diagnostics to `diags` (borrowed, from
 * scn_diags_new). */
struct scn_scenario *raftsim_load(const char *path, GPtrArray *diags);

/* Appends `text` (borrowed) to `out` as a JSON string with quotes. */
void raftsim_json_string(GString *out, const char *text);

/* Prints "raftsim NAME: " and the formatted message and a newline to
 * stderr. */
void raftsim_complain(const char *command, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif /* RAFTSIM_CLI_H */
