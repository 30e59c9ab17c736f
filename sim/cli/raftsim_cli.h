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
#include <string.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_run.h"
#include "sim/sim_assert.h"

/* Exit statuses (docs/json-output.md, Exit status). */
enum raftsim_exit {
    RAFTSIM_EXIT_OK = 0,      /* every scenario passed */
    RAFTSIM_EXIT_FAILED = 1,  /* a check or a safety property failed */
    RAFTSIM_EXIT_INVALID = 2, /* the input or the command line is invalid,
                                 or an output could not be written */
    RAFTSIM_EXIT_BUDGET = 3,  /* a run exceeded its event, memory or wall
                                 budget and was stopped */
};

/* The default wall-time budget of one run (--max-wall). */
#define RAFTSIM_MAX_WALL_US_DEFAULT (INT64_C(600) * 1000000)

/* One entry of the subcommand table. */
struct raftsim_command
{
    const char *name;    /* as typed: "run" */
    const char *summary; /* one line for `raftsim --help` */
    int (*main)(int argc, char **argv);
};

int raftsim_run_main(int argc, char **argv);

/* The JSONL trace's first and last records (raftsim_trace.c,
 * docs/trace-format.md); outside the trace hash. The format number grows
 * when a record changes incompatibly. */
#define RAFTSIM_TRACE_FORMAT 1
void raftsim_trace_header(FILE *out,
                          const char *path,
                          const struct scn_scenario *sc,
                          uint64_t seed,
                          bool seed_given,
                          const struct scn_budget *budget,
                          int64_t wall_us);
void raftsim_trace_footer(FILE *out, const struct scn_run_result *res);
int raftsim_check_main(int argc, char **argv);
int raftsim_fuzz_main(int argc, char **argv);
int raftsim_shrink_main(int argc, char **argv);
int raftsim_validate_main(int argc, char **argv);

struct scn_shrink_options;
/* Shrinks the scenario file at `path` (borrowed) under `options` (borrowed),
 * with the seed *seed when not NULL, writes the result to out_path (NULL:
 * next to it, x.scn -> x.min.scn) and prints a summary line (and, unless
 * quiet, the failure before and after). Returns the exit status of
 * `raftsim shrink`: 0 written, 1 the file does not fail, 2 otherwise. */
int raftsim_shrink_file(const char *path,
                        const struct scn_shrink_options *options,
                        const uint64_t *seed,
                        const char *out_path,
                        bool quiet);

/* The text attributes raftsim_color() knows. */
enum raftsim_color {
    RAFTSIM_COLOR_RESET = 0,
    RAFTSIM_COLOR_GREEN,
    RAFTSIM_COLOR_RED,
    RAFTSIM_COLOR_YELLOW,
    RAFTSIM_COLOR_BOLD,
    RAFTSIM_COLOR_DIM,
};

/* --color=WHEN. */
enum raftsim_color_mode {
    RAFTSIM_COLOR_MODE_AUTO = 0, /* colour on a terminal only */
    RAFTSIM_COLOR_MODE_ALWAYS,
    RAFTSIM_COLOR_MODE_NEVER,
};


/* Adds --color=WHEN to `ctx`'s main group; parsing it sets the mode that
 * raftsim_use_color() answers from (a bad WHEN fails the parse). */
void raftsim_color_add_option(GOptionContext *ctx);

/* Whether to colour what goes to `out` (borrowed): as --color said when it
 * said always or never; otherwise (auto) when `out` is a terminal, NO_COLOR
 * is unset or empty, and TERM is not "dumb". */
bool raftsim_use_color(FILE *out);

/* Wall-clock microseconds on GLib's monotonic clock (the base of
 * g_cond_wait_until()), for the wall time in reports and the pacing of the
 * fuzz progress line only. It is the command's one reading of a real clock
 * and never reaches a simulation, its trace or its hash. */
int64_t raftsim_wall_us(void);

/* "" when n is 1, else "s": "%" PRIu64 " seed%s", n, raftsim_plural(n). */
const char *raftsim_plural(uint64_t n);

/* The escape sequence for `color` when `enabled`, else "". Static. */
const char *raftsim_color(bool enabled, enum raftsim_color color);

/* Parses a command-line duration with the language's own parser,
 * scn_parse_duration() ("150ms", "1.5s", "250us"; a bare number is refused)
 * into *out_us. `text` is borrowed (NULL: false). False, and *out_us
 * unchanged, when it is malformed or too large. */
bool raftsim_parse_duration(const char *text, uint64_t *out_us);

/* Parses an unsigned 64-bit decimal integer (the whole of `text`). */
bool raftsim_parse_u64(const char *text, uint64_t *out);

/* Keeps a subcommand's option table: copies the array `src` into the
 * array `dst` of its arguments' struct, which holds it and a zeroed
 * terminator (its size is checked when compiled). The table is then the
 * one place the subcommand's options are named and described. */
#define RAFTSIM_OPTIONS_KEEP(dst, src)                               \
    do {                                                             \
        G_STATIC_ASSERT(G_N_ELEMENTS(src) + 1 == G_N_ELEMENTS(dst)); \
        memcpy((dst), (src), sizeof(src));                           \
        memset(&(dst)[G_N_ELEMENTS(src)], 0, sizeof((dst)[0]));      \
    } while (0)

/* The long name of the entry of `entries` (ended by a NULL long_name) whose
 * arg_data is `field`. A subcommand's option table is the one place its
 * options are named and described; complaints quote a name from it
 * ("--%s"). Asserts that the entry exists. */
const char *raftsim_option_name(const GOptionEntry *entries, const void *field);

/* How diagnostics and reports name a scenario read from standard input. */
#define RAFTSIM_STDIN_NAME "<stdin>"

/* Reads and parses the scenario at `path` (borrowed; "-": standard input,
 * named RAFTSIM_STDIN_NAME). On success returns
 * the scenario (the caller frees it with scn_scenario_free). On failure
 * returns NULL and appends the diagnostics to `diags` (borrowed, from
 * scn_diags_new). */
struct scn_scenario *raftsim_load(const char *path, GPtrArray *diags);

/* True when "-" is among argv[1..argc-1] at most once (standard input can
 * be read once); otherwise false, after a complaint under `command`. */
bool raftsim_stdin_at_most_once(const char *command, int argc, char **argv);

/* The budget options of a subcommand that runs scenarios: --max-events,
 * --max-memory and --max-wall, as GOption fills them (owned strings,
 * NULL when not given). */
struct raftsim_budget_args
{
    gchar *max_events;
    gchar *max_memory;
    gchar *max_wall;
};

/* Adds the three options to `ctx`'s main group, worded for a whole run or,
 * with per_seed, for each fuzz seed; `a` (zeroed) is borrowed until the
 * context has parsed. */
void raftsim_budget_add_options(GOptionContext *ctx,
                                struct raftsim_budget_args *a,
                                bool per_seed);

/* Reads the parsed options into *out (initialised with scn_budget_init's
 * defaults first) and *wall_us (RAFTSIM_MAX_WALL_US_DEFAULT when not
 * given); `0` means no limit. False, with a complaint under `command`, when
 * one is malformed. */
bool raftsim_budget_parse(const char *command,
                          const struct raftsim_budget_args *a,
                          struct scn_budget *out,
                          int64_t *wall_us);

void raftsim_budget_args_clear(struct raftsim_budget_args *a);

/* Sets ctx's summary, adds `entries` (borrowed until parsed), --color and,
 * when `budget` is not NULL, the budget options (per_seed: worded for each
 * fuzz seed), then parses argc/argv, leaving the operands in them. A short
 * option's value may be attached ("-j2", "-sfound/") as well as separate
 * ("-j 2"), which GOption alone does not accept. False, after a complaint
 * under `command`, when the command line is malformed. */
bool raftsim_options_parse(const char *command,
                           GOptionContext *ctx,
                           const char *summary,
                           const GOptionEntry *entries,
                           struct raftsim_budget_args *budget,
                           bool per_seed,
                           int *argc,
                           char ***argv);

/* A wall-clock deadline for one run, polled through the budget's
 * interrupt: it asks to stop once the deadline has passed, or as soon as
 * `watch` (borrowed; NULL: none) has a write error, since the rest of the
 * run could not be written. */
struct raftsim_deadline
{
    int64_t until_us; /* on raftsim_wall_us(); INT64_MAX: none */
    FILE *watch;
    bool passed; /* set when the deadline stopped the run */
};

/* Starts `d` now for `wall_us` (0: no deadline) and points b's interrupt at
 * it; `d` is borrowed by `b` until the run ends. */
void raftsim_deadline_start(struct raftsim_deadline *d,
                            int64_t wall_us,
                            struct scn_budget *b);

/* Complains under `command` that the run of `file` stopped at `res`'s
 * budget, naming the limit and the option that raises it. */
void raftsim_budget_complain(const char *command,
                             const char *file,
                             const struct scn_run_result *res,
                             const struct scn_budget *b,
                             const struct raftsim_deadline *d,
                             int64_t wall_us);

/* This build's name: "raftsim VERSION git COMMIT", or "raftsim VERSION"
 * when built without git (raftsim_build.c). Static. */
const char *raftsim_build(void);

/* Appends `text` (borrowed) to `out` as a JSON string with quotes; bytes
 * that are not UTF-8 become U+FFFD. */
void raftsim_json_string(GString *out, const char *text);

/* Prints "raftsim NAME: " and the formatted message and a newline to
 * stderr. */
void raftsim_complain(const char *command, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif /* RAFTSIM_CLI_H */
