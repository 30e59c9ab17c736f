/* raftsim_run.h: the pieces of `raftsim run` shared by its three files.
 *
 * raftsim_run.c drives one run (the main, the outputs prepared before it,
 * the run and its report); raftsim_run_args.c owns the options, their table
 * and their checks; raftsim_run_outputs.c captures logs and frames while the
 * run goes and writes the trace and the pictures after it. Private to
 * sim/cli/.
 *
 * Invariant: nothing here changes the run or its trace hash; the options
 * decide only what is recorded and drawn.
 */
#ifndef RAFTSIM_RUN_H
#define RAFTSIM_RUN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang/scn_run.h"
#include "sim/cli/raftsim_cli.h"
#include "viz/viz.h"

/* Every node's log at one instant, owning the term arrays. */
struct raftsim_log_capture
{
    bool taken;
    uint64_t at_us;
    uint32_t n_nodes;
    struct viz_log_node *nodes; /* n_nodes, owned */
    uint64_t **terms;           /* n_nodes arrays, owned (g_free) */
    bool **config;              /* n_nodes arrays, owned (g_free) */
};

/* The picture options and state shared with the pause callbacks. */
struct raftsim_run_ctx
{
    const char *title;
    uint64_t seed;
    uint64_t end_us;
    struct viz_options viz;
    /* --log-png at --at */
    struct raftsim_log_capture log;
    /* --frames DIR --every D */
    const char *frames_dir;
    GArray *frames; /* struct raftsim_frame_capture, owned; NULL: no frames */
    uint64_t window_us; /* --window: each frame's last D; 0: none */
    /* --log-from, --log-to: the log diagram's index window; 0: default */
    uint64_t log_from;
    uint64_t log_to;
    uint32_t frames_written;
    int frames_error; /* the first viz error, VIZ_OK if none */
    int frames_errno; /* errno of that error */
};

/* One frame as the run passed its instant; drawn once the run is over, so
 * that every frame's header shows the whole run's trace hash. */
struct raftsim_frame_capture
{
    uint64_t at_us;
    size_t n_events; /* the trace's length at at_us */
    struct raftsim_log_capture log;
};

/* The files a run writes, as named on the command line (borrowed), and
 * the trace while it is written. */
struct raftsim_run_files
{
    const char *png, *svg, *pdf, *log_png, *html, *frames_dir, *trace_path;
    const char *plots_dir;
    enum viz_format plots_format;
    struct viz_output trace; /* open (fp) from before the run to the end */
    /* --trace -: the trace goes to the original stdout (this stream), and
     * the report to stderr (stdout now writes there). */
    FILE *trace_stdout;
};

/* At most this many frames (each a timeline and a log picture) per run. */
#define RAFTSIM_FRAMES_MAX 10000u

struct raftsim_run_args
{
    gchar *seed, *trace, *png, *svg, *pdf, *messages, *from, *to, *width;
    gchar *log_png, *at, *log_from, *log_to, *plots, *plots_format;
    gchar *frames, *every, *window, *html;
    gboolean quiet, verbose;
    struct raftsim_budget_args budget;
    GOptionEntry entries[22]; /* the options and the terminator */
};

/* What the options mean once checked: the run's seed and the instants and
 * periods of its pictures. */
struct raftsim_run_plan
{
    bool has_seed;
    uint64_t seed;
    uint64_t at_us;
    uint64_t every_us;
    enum viz_format plots_format;
    struct scn_budget budget;
};

/* ---- the options (raftsim_run_args.c) ---------------------------------- */

/* Zeroes a and fills its option table (a->entries), the one place the
 * options of `raftsim run` are named and described. */
void raftsim_run_args_init(struct raftsim_run_args *a);

/* Frees the option values GOption stored in a. */
void raftsim_run_args_clear(struct raftsim_run_args *a);

/* The long name of the option that fills `field` (a member of a), for
 * complaints ("--%s"): "seed". */
const char *raftsim_run_opt(const struct raftsim_run_args *a,
                            const void *field);

/* Parses argv into a (the options and the shared colour and budget
 * options) and checks there is one file; complains and returns false
 * otherwise. */
bool raftsim_run_args_parse(struct raftsim_run_args *a,
                            GOptionContext *ctx,
                            int *argc,
                            char ***argv);

/* The seed and the timeline's view: --seed, --messages, --from, --to,
 * --width, into p and v; complains and returns false when one is bad. */
bool raftsim_run_check_view(const struct raftsim_run_args *a,
                            struct raftsim_run_plan *p,
                            struct viz_options *v);

/* The pictures' instants and periods: --at, --log-from and --log-to,
 * --frames with --every and --window, --plots-format, into p and rc;
 * complains and returns false when one is bad. */
bool raftsim_run_check_pictures(const struct raftsim_run_args *a,
                                struct raftsim_run_plan *p,
                                struct raftsim_run_ctx *rc);

/* --at, --from and --to name instants of the run: none may lie after its
 * end (run_us). Complains about the first that does. */
bool raftsim_run_times_within(const struct raftsim_run_args *a,
                              uint64_t run_us,
                              uint64_t at_us,
                              const struct viz_options *v);

/* ---- captures and outputs (raftsim_run_outputs.c) ---------------------- */

/* The run's pause callback for --log-png: takes every node's log now
 * (ctx: the struct raftsim_run_ctx). */
void raftsim_run_on_log_pause(struct sim *s, uint64_t time_us, void *ctx);

/* The run's tick callback for --frames: keeps a frame at time_us when it
 * falls in the --from/--to window (ctx: the struct raftsim_run_ctx). */
void raftsim_run_on_frame(struct sim *s, uint64_t time_us, void *ctx);

/* The stream the trace is written to; NULL: none. */
FILE *raftsim_run_trace_stream(const struct raftsim_run_files *f);

/* --trace -: keeps the original stdout for the trace and sends what the
 * command prints (the report, PASS or FAIL) to stderr instead. False, with
 * errno, on failure. */
bool raftsim_run_trace_to_stdout(struct raftsim_run_files *f);

/* After the run, before any verdict is printed: the trace, then the
 * pictures; a line per picture appended to `lines`. False when any output
 * failed (each failure complained). */
bool raftsim_run_write_outputs(struct raftsim_run_files *f,
                               struct raftsim_run_ctx *rc,
                               const struct scn_run_result *res,
                               GString *lines);

/* How many frames --every every_us writes over a run ending at end_us,
 * inside [from_us, to_us or the end]. */
uint64_t raftsim_run_frame_count(uint64_t end_us,
                                 uint64_t every_us,
                                 uint64_t from_us,
                                 uint64_t to_us);

/* Whether every named path (NULL entries skipped) can take a picture or
 * a trace; complains about the first that cannot. */
bool raftsim_run_outputs_writable(const char *const *paths, size_t n);

/* Frees what rc owns: the captured logs and frames. */
void raftsim_run_ctx_clear(struct raftsim_run_ctx *rc);

#endif /* RAFTSIM_RUN_H */
