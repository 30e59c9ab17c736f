/* raftsim_run.c: `raftsim run FILE`: one scenario, a readable report and,
 * on request, pictures.
 *
 * Invariant: the simulation is driven only by the scenario, the seed and the
 * options that change what is recorded (trace file, recorded events, pause
 * points for the log diagram and frames), none of which changes the run or
 * its trace hash. Wall time is measured around the run for the report only.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_run.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/cli/raftsim_junit.h"
#include "sim/cli/raftsim_run_report.h"
#include "sim/sim_time_text.h"
#include "viz/viz.h"
#include "viz/viz_series.h"

/* The width of sliding-window frames when --width is not given: one width
 * for every frame, whatever the messages in its window. */
#define VIZ_FRAME_WINDOW_WIDTH_PX 1200

/* Every node's log at one instant, owning the term arrays. */
struct log_capture
{
    bool taken;
    uint64_t at_us;
    uint32_t n_nodes;
    struct viz_log_node *nodes; /* n_nodes, owned */
    uint64_t **terms;           /* n_nodes arrays, owned (g_free) */
    bool **config;              /* n_nodes arrays, owned (g_free) */
};

static void log_capture_clear(struct log_capture *c)
{
    for (uint32_t i = 0; c->terms && i < c->n_nodes; i++) {
        g_free(c->terms[i]);
        g_free(c->config[i]);
    }
    g_free(c->terms);
    g_free(c->config);
    g_free(c->nodes);
    memset(c, 0, sizeof(*c));
}

/* Replaces *c with the logs of every node of `s` (borrowed) now. */
static void log_capture_take(struct log_capture *c, struct sim *s)
{
    log_capture_clear(c);
    uint32_t n = sim_n_nodes(s);
    c->taken = true;
    c->at_us = sim_now(s);
    c->n_nodes = n;
    c->nodes = g_new0(struct viz_log_node, n);
    c->terms = g_new0(uint64_t *, n);
    c->config = g_new0(bool *, n);
    struct raft_configuration conf;
    sim_cluster_config(s, &conf);
    for (uint32_t id = 1; id <= n; id++) {
        struct viz_log_node *v = &c->nodes[id - 1];
        uint64_t first = 0;
        v->n_entries = sim_log_terms(s, id, &first, &c->terms[id - 1]);
        v->terms = c->terms[id - 1];
        c->config[id - 1] = g_new(bool, v->n_entries ? v->n_entries : 1);
        for (size_t k = 0; k < v->n_entries; k++)
            c->config[id - 1][k] = sim_log_is_config(s, id, first + k);
        v->config = c->config[id - 1];
        v->member = viz_member_in(&conf, id);
        v->first_index = first;
        v->alive = sim_alive(s, id);
        v->role = v->alive ? sim_role(s, id) : RAFT_FOLLOWER;
        v->term = sim_term(s, id);
        v->commit_index = v->alive ? sim_commit_index(s, id) : 0;
        v->snapshot_index = sim_snapshot_index(s, id);
        v->snapshot_term = sim_snapshot_term(s, id);
    }
}

static void log_view_of(const struct log_capture *c,
                        const char *title,
                        struct viz_log_view *view)
{
    *view = (struct viz_log_view){
        .title = title,
        .at_us = c->at_us,
        .n_nodes = c->n_nodes,
        .nodes = c->nodes,
        .members = true,
    };
}

/* The picture options and state shared with the pause callbacks. */
struct run_ctx
{
    const char *title;
    uint64_t seed;
    uint64_t end_us;
    struct viz_options viz;
    /* --log-png at --at */
    struct log_capture log;
    /* --frames DIR --every D */
    const char *frames_dir;
    GArray *frames;     /* struct frame_capture, owned; NULL: no frames */
    uint64_t window_us; /* --window: each frame's last D; 0: none */
    /* --log-from, --log-to: the log diagram's index window; 0: default */
    uint64_t log_from;
    uint64_t log_to;
    uint32_t frames_written;
    int frames_error; /* the first viz error, VIZ_OK if none */
    int frames_errno; /* errno of that error */
};

static void on_log_pause(struct sim *s, uint64_t time_us, void *ctx)
{
    struct run_ctx *rc = ctx;
    (void)time_us;
    log_capture_take(&rc->log, s);
}

static struct viz_run viz_run_of(const struct scn_run_result *r);

/* One frame as the run passed its instant; drawn once the run is over, so
 * that every frame's header shows the whole run's trace hash. */
struct frame_capture
{
    uint64_t at_us;
    size_t n_events; /* the trace's length at at_us */
    struct log_capture log;
};

/* Keeps the next frame at time_us, if it falls in the --from/--to window
 * (when given). */
static void on_frame(struct sim *s, uint64_t time_us, void *ctx)
{
    struct run_ctx *rc = ctx;
    if (time_us < rc->viz.from_us ||
        (rc->viz.to_us != 0 && time_us > rc->viz.to_us))
        return;
    struct frame_capture cap = {.at_us = time_us, .n_events = sim_trace_len(s)};
    log_capture_take(&cap.log, s);
    g_array_append_val(rc->frames, cap);
}

/* With --window D, the timeline of a frame at at_us covers the last D of
 * virtual time before it (the first D while at_us < D), else opts' window. */
static struct viz_options frame_options(const struct run_ctx *rc,
                                        uint64_t at_us)
{
    struct viz_options o = rc->viz;
    if (rc->window_us == 0)
        return o;
    o.from_us = at_us > rc->window_us ? at_us - rc->window_us : 0;
    o.to_us = o.from_us + rc->window_us;
    if (o.width_px == 0)
        o.width_px = VIZ_FRAME_WINDOW_WIDTH_PX;
    return o;
}

/* Draws every kept frame of the finished run r; stops at the first error
 * (kept in rc->frames_error). */
static void write_frames(struct run_ctx *rc, const struct scn_run_result *r)
{
    for (guint i = 0; i < rc->frames->len && rc->frames_error == VIZ_OK; i++) {
        struct frame_capture *f =
            &g_array_index(rc->frames, struct frame_capture, i);
        struct viz_log_view view;
        log_view_of(&f->log, rc->title, &view);
        struct viz_run run = viz_run_of(r);
        run.n_events = f->n_events;
        struct viz_options o = frame_options(rc, f->at_us);
        rc->frames_error = viz_frame_write(rc->frames_dir, rc->frames_written,
                                           f->at_us, &run, &o, &view);
        if (rc->frames_error == VIZ_OK)
            rc->frames_written++;
        else
            rc->frames_errno = errno;
    }
}

static void frames_clear(GArray *frames)
{
    for (guint i = 0; frames && i < frames->len; i++)
        log_capture_clear(&g_array_index(frames, struct frame_capture, i).log);
    if (frames)
        g_array_free(frames, TRUE);
}

/* The finished run r as the pictures read it; everything borrowed from
 * r. */
static struct viz_run viz_run_of(const struct scn_run_result *r)
{
    struct viz_run run = {
        .title = r->title,
        .seed = r->seed,
        .trace_hash = r->trace_hash,
        .n_nodes = r->n_nodes,
        .end_us = r->end_us,
        .events = sim_trace_events(r->sim),
        .n_events = sim_trace_len(r->sim),
        .file_name = r->file_name,
    };
    return run;
}

/* Complains that `path` could not be written, with the OS reason when
 * `code` is VIZ_EIO (errno, as viz left it). */
static void complain_output(const char *path, int code)
{
    if (code == VIZ_EIO)
        raftsim_complain("run", "%s: cannot write: %s", path,
                         g_strerror(errno));
    else
        raftsim_complain("run", "%s: %s", path, viz_strerror(code));
}

/* Writes the timeline into `path` in `format` and appends what it did to
 * `lines`; false (and a complaint) on failure. */
static bool write_timeline(const struct scn_run_result *r,
                           const struct viz_options *base,
                           enum viz_format format,
                           const char *path,
                           GString *lines)
{
    struct viz_options o = *base;
    o.format = format;
    struct viz_run run = viz_run_of(r);
    int rc = viz_timeline_write(&run, &o, path);
    if (rc != VIZ_OK) {
        complain_output(path, rc);
        return false;
    }
    g_string_append_printf(lines, "timeline: %s\n", path);
    return true;
}

/* Writes the replay page into `path`; false (and a complaint) on failure. */
static bool write_html(const struct scn_run_result *r,
                       const char *path,
                       GString *lines)
{
    struct viz_run run = viz_run_of(r);
    int rc = viz_html_write(&run, path);
    if (rc != VIZ_OK) {
        complain_output(path, rc);
        return false;
    }
    g_string_append_printf(lines, "replay page: %s\n", path);
    return true;
}

/* --plots DIR: latency and throughput over time. */
static bool write_plots(const struct scn_run_result *r,
                        const char *dir,
                        enum viz_format format,
                        GString *lines)
{
    struct viz_run run = viz_run_of(r);
    int rc = viz_plots_write(&run, dir, format);
    if (rc != VIZ_OK) {
        complain_output(dir, rc);
        return false;
    }
    g_string_append_printf(lines,
                           "plots: latency.%s, throughput.%s, series.json "
                           "in %s\n",
                           viz_format_extension(format),
                           viz_format_extension(format), dir);
    return true;
}

/* The files a run writes, as named on the command line (borrowed), and
 * the trace while it is written. */
struct run_files
{
    const char *png, *svg, *pdf, *log_png, *html, *frames_dir, *trace_path;
    const char *plots_dir;
    enum viz_format plots_format;
    struct viz_output trace; /* open (fp) from before the run to the end */
    /* --trace -: the trace goes to the original stdout (this stream), and
     * the report to stderr (stdout now writes there). */
    FILE *trace_stdout;
};

/* The stream the trace is written to; NULL: none. */
static FILE *trace_stream(const struct run_files *f)
{
    return f->trace_stdout ? f->trace_stdout : f->trace.fp;
}

/* --trace -: keeps the original stdout for the trace and sends what the
 * command prints there (the report, PASS or FAIL) to stderr instead, so
 * that stdout holds JSON lines only. False, with errno, on failure. */
static bool trace_to_stdout(struct run_files *f)
{
    fflush(stdout);
    int fd = dup(STDOUT_FILENO);
    if (fd < 0)
        return false;
    f->trace_stdout = fdopen(fd, "w");
    if (!f->trace_stdout) {
        close(fd);
        return false;
    }
    return dup2(STDERR_FILENO, STDOUT_FILENO) >= 0;
}

/* The trace: complete, or removed with the reason (a full disk, a write
 * that failed and stopped the run). */
static bool finish_trace(struct run_files *f, const struct scn_run_result *res)
{
    FILE *out = trace_stream(f);
    if (!out)
        return true;
    /* A trace that already failed gets no footer; a write of the footer
     * that fails keeps its reason for the complaint (the flush below may
     * find nothing left to write). */
    int footer_errno = 0;
    if (!ferror(out)) {
        errno = 0;
        raftsim_trace_footer(out, res);
        footer_errno = ferror(out) ? errno : 0;
    }
    if (f->trace_stdout) {
        bool ok = fflush(out) == 0 && !ferror(out);
        int saved = errno;
        ok &= fclose(out) == 0;
        f->trace_stdout = NULL;
        if (!ok)
            raftsim_complain("run", "standard output: cannot write the "
                             "trace: %s",
                             g_strerror(footer_errno ? footer_errno
                                        : saved      ? saved
                                                     : EIO));
        return ok;
    }
    if (viz_output_commit(&f->trace) == VIZ_OK)
        return true;
    if (errno == EIO && footer_errno)
        errno = footer_errno;
    raftsim_complain("run",
                     "%s: cannot write the trace: %s; nothing was "
                     "written there",
                     f->trace_path, g_strerror(errno));
    return false;
}

/* Whether view's index window fits the logs it shows (known only after the
 * run); complains when it does not. */
static bool log_window_fits(const struct viz_log_view *view)
{
    uint64_t last = viz_log_last_index(view);
    uint64_t from = view->from_index;
    if (from > last) {
        raftsim_complain("run",
                         "--log-from %" G_GUINT64_FORMAT
                         " is after the last log index (%" G_GUINT64_FORMAT ")",
                         from, last);
        return false;
    }
    uint64_t to = view->to_index > 0 && view->to_index < last ? view->to_index
                                                              : last;
    if (from > 0 && to - from >= VIZ_LOG_MAX_COLUMNS) {
        raftsim_complain("run",
                         "--log-from %" G_GUINT64_FORMAT
                         ": the window up to index %" G_GUINT64_FORMAT
                         " has more than the %d indices a log diagram draws; "
                         "give --log-to",
                         from, to, VIZ_LOG_MAX_COLUMNS);
        return false;
    }
    return true;
}

/* Draws the log diagram at --at (or where the run stopped). */
static bool write_log_picture(struct run_ctx *rc,
                              const struct scn_run_result *res,
                              const char *path,
                              GString *lines)
{
    /* A run stopped early (a violation) never reached --at. */
    if (!rc->log.taken)
        log_capture_take(&rc->log, res->sim);
    struct viz_log_view view;
    log_view_of(&rc->log, res->title, &view);
    view.from_index = rc->log_from;
    view.to_index = rc->log_to;
    if (!log_window_fits(&view))
        return false;
    int code = viz_log_write(&view, VIZ_FORMAT_PNG, path);
    if (code != VIZ_OK) {
        complain_output(path, code);
        return false;
    }
    g_string_append(lines, "log diagram at ");
    sim_time_text_human(lines, rc->log.at_us);
    g_string_append_printf(lines, ": %s\n", path);
    return true;
}

/* After the run, before any verdict is printed: the trace, then the
 * pictures. Appends a line per picture to `lines`; false when any output
 * failed (each failure complained). A run a budget stopped is not drawn:
 * its picture could cost as much again, and would show an unfinished
 * run. */
static bool write_outputs(struct run_files *f,
                          struct run_ctx *rc,
                          const struct scn_run_result *res,
                          GString *lines)
{
    bool ok = finish_trace(f, res);
    if (res->budget_exceeded)
        return ok;
    const char *timelines[] = {f->png, f->svg, f->pdf};
    const enum viz_format formats[] = {VIZ_FORMAT_PNG, VIZ_FORMAT_SVG,
                                       VIZ_FORMAT_PDF};
    for (size_t i = 0; i < G_N_ELEMENTS(timelines); i++)
        if (timelines[i])
            ok &= write_timeline(res, &rc->viz, formats[i], timelines[i],
                                 lines);
    if (f->log_png)
        ok &= write_log_picture(rc, res, f->log_png, lines);
    if (f->html)
        ok &= write_html(res, f->html, lines);
    if (f->plots_dir)
        ok &= write_plots(res, f->plots_dir, f->plots_format,
                          lines);
    if (f->frames_dir)
        write_frames(rc, res);
    if (f->frames_dir && rc->frames_error != VIZ_OK) {
        errno = rc->frames_errno;
        complain_output(f->frames_dir, rc->frames_error);
        ok = false;
    } else if (f->frames_dir) {
        g_string_append_printf(lines, "frames: %" PRIu32 " in %s\n",
                               rc->frames_written, f->frames_dir);
    }
    /* Every picture is drawn: free cairo's font caches once, so that a leak
     * checker at exit sees only what fontconfig keeps. */
    if (f->png || f->svg || f->pdf || f->log_png || f->html ||
        f->frames_dir || f->plots_dir)
        viz_release_caches();
    return ok;
}

/* At most this many frames (each a timeline and a log picture) per run. */
#define RAFTSIM_FRAMES_MAX 10000u

/* How many frames --every writes: one at every multiple of every_us inside
 * [from_us, to_us or the end], and one at the end when that is not such a
 * multiple (on_frame's rules). */
static uint64_t frame_count(uint64_t end_us,
                            uint64_t every_us,
                            uint64_t from_us,
                            uint64_t to_us)
{
    uint64_t hi = to_us ? to_us : end_us;
    uint64_t first = from_us / every_us + (from_us % every_us != 0);
    uint64_t last = hi / every_us;
    uint64_t n = last >= first ? last - first + 1 : 0;
    if (end_us % every_us != 0 && end_us >= from_us && end_us <= hi)
        n++;
    return n;
}

/* Before the run: every named picture and trace must land at a regular
 * file or a new path in a directory it can write (symbolic links are
 * followed); false, with a complaint, for the first that cannot. */
static bool outputs_writable(const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (paths[i] &&
            !raftsim_output_writable("run", paths[i], "pictures and traces"))
            return false;
    return true;
}

/* The command line of `raftsim run` as GOption fills it (owned strings, NULL
 * when not given). entries is the one table of the options' names and
 * descriptions: complaints name an option through run_opt(). */
struct run_args
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
struct run_plan
{
    bool has_seed;
    uint64_t seed;
    uint64_t at_us;
    uint64_t every_us;
    enum viz_format plots_format;
    struct scn_budget budget;
};

static void run_args_init(struct run_args *a)
{
    *a = (struct run_args){0};
    const GOptionEntry entries[] = {
        {"seed", 's', 0, G_OPTION_ARG_STRING, &a->seed,
         "Use seed N instead of the file's", "N"},
        {"trace", 't', 0, G_OPTION_ARG_FILENAME, &a->trace,
         "Write every event as JSON lines to FILE (-: to stdout, and the "
         "report to stderr)",
         "FILE.jsonl"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
         "Print only PASS or the failures", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose,
         "Also print every check and every skipped step", NULL},
        {"png", 0, 0, G_OPTION_ARG_FILENAME, &a->png,
         "Draw the timeline as PNG into OUT", "OUT.png"},
        {"svg", 0, 0, G_OPTION_ARG_FILENAME, &a->svg,
         "Draw the timeline as SVG into OUT", "OUT.svg"},
        {"pdf", 0, 0, G_OPTION_ARG_FILENAME, &a->pdf,
         "Draw the timeline as PDF into OUT", "OUT.pdf"},
        {"messages", 'm', 0, G_OPTION_ARG_STRING, &a->messages,
         "Messages drawn: all, no-heartbeats or none (default: by density)",
         "WHICH"},
        {"from", 0, 0, G_OPTION_ARG_STRING, &a->from,
         "Timeline and frames window start, e.g. 1.5s", "T"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &a->to,
         "Timeline and frames window end, e.g. 3s", "T"},
        {"width", 'w', 0, G_OPTION_ARG_STRING, &a->width,
         "Timeline width in pixels, 640 to 16000 (default: from the content)",
         "PX"},
        {"log-png", 0, 0, G_OPTION_ARG_FILENAME, &a->log_png,
         "Draw every node's log as PNG into OUT", "OUT.png"},
        {"at", 0, 0, G_OPTION_ARG_STRING, &a->at,
         "Virtual time of the log diagram (default: the end)", "T"},
        {"plots", 0, 0, G_OPTION_ARG_FILENAME, &a->plots,
         "Write latency and throughput over time into DIR", "DIR"},
        {"plots-format", 0, 0, G_OPTION_ARG_STRING, &a->plots_format,
         "Format of the --plots pictures: png (default), svg or pdf", "F"},
        {"log-from", 0, 0, G_OPTION_ARG_STRING, &a->log_from,
         "First log index the log diagram draws (default: as far back as "
         "800 columns reach from --log-to)",
         "I"},
        {"log-to", 0, 0, G_OPTION_ARG_STRING, &a->log_to,
         "Last log index the log diagram draws (default: the last)", "J"},
        {"frames", 0, 0, G_OPTION_ARG_FILENAME, &a->frames,
         "Write timeline and log frames into DIR (with --every)", "DIR"},
        {"every", 0, 0, G_OPTION_ARG_STRING, &a->every,
         "Virtual time between frames, e.g. 100ms", "D"},
        {"window", 0, 0, G_OPTION_ARG_STRING, &a->window,
         "With --frames: each timeline frame shows the last D of virtual time",
         "D"},
        {"html", 0, 0, G_OPTION_ARG_FILENAME, &a->html,
         "Write the run's replay page (one self-contained HTML file) into OUT",
         "OUT.html"},
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(entries) + 1 ==
                    G_N_ELEMENTS(((struct run_args *)0)->entries));
    memcpy(a->entries, entries, sizeof(entries));
}

/* The long name of the option that fills `field` (a member of a), for
 * complaints ("--%s"): "seed". */
static const char *run_opt(const struct run_args *a, const void *field)
{
    return raftsim_option_name(a->entries, field);
}

static void run_args_clear(struct run_args *a)
{
    gchar **owned[] = {&a->seed,   &a->trace,    &a->png,          &a->svg,
                       &a->pdf,    &a->messages, &a->from,         &a->to,
                       &a->width,  &a->log_png,  &a->at,           &a->log_from,
                       &a->log_to, &a->plots,    &a->plots_format, &a->frames,
                       &a->every,  &a->window,   &a->html};
    for (size_t i = 0; i < G_N_ELEMENTS(owned); i++)
        g_clear_pointer(owned[i], g_free);
    raftsim_budget_args_clear(&a->budget);
}

/* Parses --log-from I and --log-to J (each optional, only with --log-png)
 * into *from and *to; complains and returns false on a bad window. */
static bool log_window_parse(const struct run_args *a,
                             uint64_t *from,
                             uint64_t *to)
{
    const char *lf = run_opt(a, &a->log_from), *lt = run_opt(a, &a->log_to);
    if ((a->log_from || a->log_to) && !a->log_png) {
        raftsim_complain("run", "--%s and --%s need --%s", lf, lt,
                         run_opt(a, &a->log_png));
        return false;
    }
    if (a->log_from && (!raftsim_parse_u64(a->log_from, from) || *from == 0)) {
        raftsim_complain("run", "--%s: not a log index from 1: %s", lf,
                         a->log_from);
        return false;
    }
    if (a->log_to && (!raftsim_parse_u64(a->log_to, to) || *to == 0)) {
        raftsim_complain("run", "--%s: not a log index from 1: %s", lt,
                         a->log_to);
        return false;
    }
    if (a->log_from && a->log_to && *from > *to) {
        raftsim_complain("run",
                         "--%s %s is after --%s %s: the window would be empty",
                         lf, a->log_from, lt, a->log_to);
        return false;
    }
    if (a->log_from && a->log_to && *to - *from >= VIZ_LOG_MAX_COLUMNS) {
        raftsim_complain("run",
                         "--%s %s --%s %s: %" G_GUINT64_FORMAT
                         " indices, more than the %d a log diagram draws",
                         lf, a->log_from, lt, a->log_to, *to - *from + 1,
                         VIZ_LOG_MAX_COLUMNS);
        return false;
    }
    return true;
}

/* --at, --from and --to name instants of the run: none may lie after its end
 * (run_us). Complains about the first that does. */
static bool times_within_run(const struct run_args *a,
                             uint64_t run_us,
                             uint64_t at_us,
                             const struct viz_options *v)
{
    gchar *const *option = NULL;
    if (a->at && at_us > run_us)
        option = &a->at;
    else if (a->from && v->from_us >= run_us)
        option = &a->from;
    else if (a->to && v->to_us > run_us)
        option = &a->to;
    if (option == NULL)
        return true;
    GString *end = g_string_new(NULL);
    sim_time_text_human(end, run_us);
    raftsim_complain("run", "--%s %s is after the end of the run (%s)",
                     run_opt(a, option), *option, end->str);
    g_string_free(end, TRUE);
    return false;
}

/* Parses argv into a (entries and the shared colour and budget options)
 * and checks there is one file; complains and returns false otherwise. */
static bool run_args_parse(struct run_args *a,
                           GOptionContext *ctx,
                           int *argc,
                           char ***argv)
{
    const char *summary =
        "Runs the scenario FILE (- reads standard input) and prints what\n"
        "happened: leaders, log, messages, clients, checks,\n"
        "linearizability and the trace hash.\n"
        "Exit status: 0 passed, 1 a check or safety property failed,\n"
        "2 invalid input or command line, or an output not written,\n"
        "3 the run exceeded a budget (--max-events, --max-memory,\n"
        "--max-wall) and was stopped.";
    if (!raftsim_options_parse("run", ctx, summary, a->entries, &a->budget,
                               false, argc, argv))
        return false;
    if (*argc != 2) {
        raftsim_complain("run", *argc < 2
                                    ? "no scenario file given (see --help)"
                                    : "exactly one scenario file expected");
        return false;
    }
    return true;
}

/* Parses the duration option `field` of a into *out_us, if given;
 * complains (`like`: an example) and returns false when malformed. */
static bool run_duration(const struct run_args *a,
                         gchar *const *field,
                         const char *like,
                         uint64_t *out_us)
{
    if (*field && !raftsim_parse_duration(*field, out_us)) {
        raftsim_complain("run", "--%s: not a duration like %s: %s",
                         run_opt(a, field), like, *field);
        return false;
    }
    return true;
}

/* The seed and the timeline's view: --seed, --messages, --from, --to,
 * --width. */
static bool run_check_view(const struct run_args *a,
                           struct run_plan *p,
                           struct viz_options *v)
{
    if (a->quiet && a->verbose) {
        raftsim_complain("run", "--%s and --%s exclude each other",
                         run_opt(a, &a->quiet), run_opt(a, &a->verbose));
        return false;
    }
    p->has_seed = a->seed != NULL;
    if (a->seed && !raftsim_parse_u64(a->seed, &p->seed)) {
        raftsim_complain("run", "--%s: not an unsigned integer: %s",
                         run_opt(a, &a->seed), a->seed);
        return false;
    }
    if (a->messages && !viz_messages_parse(a->messages, &v->messages)) {
        raftsim_complain("run",
                         "--%s: expected all, no-heartbeats or none, not %s",
                         run_opt(a, &a->messages), a->messages);
        return false;
    }
    if (!run_duration(a, &a->from, "1.5s", &v->from_us) ||
        !run_duration(a, &a->to, "3s", &v->to_us))
        return false;
    if (a->to && v->to_us <= v->from_us) {
        raftsim_complain("run", "--%s must be after --%s", run_opt(a, &a->to),
                         run_opt(a, &a->from));
        return false;
    }
    uint64_t width = 0;
    if (a->width && (!raftsim_parse_u64(a->width, &width) ||
                     width < VIZ_WIDTH_MIN_PX || width > VIZ_WIDTH_MAX_PX)) {
        raftsim_complain("run", "--%s: not a width from %d to %d: %s",
                         run_opt(a, &a->width), VIZ_WIDTH_MIN_PX,
                         VIZ_WIDTH_MAX_PX, a->width);
        return false;
    }
    if (a->width)
        v->width_px = (int)width;
    return true;
}

/* The pictures' instants and periods: --at, --log-from and --log-to, --frames
 * with --every and --window, --plots-format. */
static bool run_check_pictures(const struct run_args *a,
                               struct run_plan *p,
                               struct run_ctx *rc)
{
    if (!run_duration(a, &a->at, "2s", &p->at_us))
        return false;
    if (a->at && !a->log_png)
        raftsim_complain("run", "note: --%s only matters with --%s",
                         run_opt(a, &a->at), run_opt(a, &a->log_png));
    if (!log_window_parse(a, &rc->log_from, &rc->log_to))
        return false;
    if ((a->frames != NULL) != (a->every != NULL)) {
        raftsim_complain("run", "--%s and --%s go together",
                         run_opt(a, &a->frames), run_opt(a, &a->every));
        return false;
    }
    if (a->window && !a->frames) {
        raftsim_complain("run", "--%s: only with --%s", run_opt(a, &a->window),
                         run_opt(a, &a->frames));
        return false;
    }
    if (a->window && (!raftsim_parse_duration(a->window, &rc->window_us) ||
                      rc->window_us == 0)) {
        raftsim_complain("run", "--%s: not a positive duration",
                         run_opt(a, &a->window));
        return false;
    }
    if (a->every &&
        (!raftsim_parse_duration(a->every, &p->every_us) || p->every_us == 0)) {
        raftsim_complain("run", "--%s: not a positive duration: %s",
                         run_opt(a, &a->every), a->every);
        return false;
    }
    p->plots_format = VIZ_FORMAT_PNG;
    if (a->plots_format && !a->plots) {
        raftsim_complain("run", "--%s: only with --%s",
                         run_opt(a, &a->plots_format), run_opt(a, &a->plots));
        return false;
    }
    if (a->plots_format &&
        !viz_format_parse(a->plots_format, &p->plots_format)) {
        raftsim_complain("run", "--%s: expected png, svg or pdf, not %s",
                         run_opt(a, &a->plots_format), a->plots_format);
        return false;
    }
    return true;
}

/* Creates `dir` (an output directory) if needed; complains when it cannot
 * be written. */
static bool run_mkdir(const char *dir)
{
    if (dir &&
        (g_mkdir_with_parents(dir, 0755) != 0 || access(dir, W_OK) != 0)) {
        raftsim_complain("run", "%s: %s", dir, g_strerror(errno));
        return false;
    }
    return true;
}

/* Before the run, once the scenario is known: the instants fall inside it,
 * the frames stay under RAFTSIM_FRAMES_MAX, the directories exist and every
 * output can be written; opens the trace. */
static bool run_prepare_outputs(const struct run_args *a,
                                const struct run_plan *p,
                                const struct scn_scenario *sc,
                                const struct run_ctx *rc,
                                struct run_files *files)
{
    if (!times_within_run(a, sc->run_us, p->at_us, &rc->viz))
        return false;
    uint64_t frames = a->frames ? frame_count(sc->run_us, p->every_us,
                                              rc->viz.from_us, rc->viz.to_us)
                                : 0;
    if (frames > RAFTSIM_FRAMES_MAX) {
        raftsim_complain("run",
                         "--%s %s: %" PRIu64
                         " frames; the limit is %u (choose a longer --%s, "
                         "or a --%s/--%s window)",
                         run_opt(a, &a->every), a->every, frames,
                         RAFTSIM_FRAMES_MAX, run_opt(a, &a->every),
                         run_opt(a, &a->from), run_opt(a, &a->to));
        return false;
    }
    /* The directories first: a picture may go into the --plots or --frames
     * directory this run creates. */
    if (!run_mkdir(a->frames) || !run_mkdir(a->plots))
        return false;
    bool trace_stdout = a->trace && strcmp(a->trace, "-") == 0;
    const char *outputs[] = {trace_stdout ? NULL : a->trace,
                             a->png,
                             a->svg,
                             a->pdf,
                             a->log_png,
                             a->html};
    if (!outputs_writable(outputs, G_N_ELEMENTS(outputs)))
        return false;
    if (trace_stdout && !trace_to_stdout(files)) {
        raftsim_complain("run", "standard output: %s", g_strerror(errno));
        return false;
    }
    if (a->trace && !trace_stdout &&
        viz_output_open(&files->trace, a->trace) != VIZ_OK) {
        raftsim_complain("run", "%s: %s", a->trace, g_strerror(errno));
        return false;
    }
    return true;
}

/* The run's options: the seed, the trace, what is recorded, and the pauses
 * for the log diagram and the frames (none of which changes the run). */
static void run_configure(const struct run_args *a,
                          const struct run_plan *p,
                          const struct scn_scenario *sc,
                          struct run_ctx *rc,
                          struct run_files *files,
                          struct scn_run_options *o)
{
    scn_run_options_init(o);
    o->budget = p->budget;
    o->has_seed = p->has_seed;
    o->seed = p->seed;
    o->trace_jsonl = trace_stream(files);
    /* Only the timeline and its frames read the whole trace; the log
     * diagram and the report do not, so without them the run's memory
     * stays flat however long it runs. */
    o->record_events =
        a->png || a->svg || a->pdf || a->frames || a->html || a->plots;
    rc->title = sc->title;
    rc->seed = o->has_seed ? p->seed : sc->seed;
    rc->end_us = sc->run_us;
    if (a->log_png) {
        o->on_pause = on_log_pause;
        o->pause_at_us = a->at ? p->at_us : sc->run_us;
        o->pause_ctx = rc;
    }
    if (a->frames) {
        rc->frames_dir = a->frames;
        rc->frames = g_array_new(FALSE, TRUE, sizeof(struct frame_capture));
        o->on_tick = on_frame;
        o->tick_every_us = p->every_us;
        o->tick_ctx = rc;
    }
}

/* Runs sc under o with the wall-clock budget, then writes the outputs and
 * the report; returns the exit status. */
static int run_and_report(const struct run_args *a,
                          const char *path,
                          struct scn_scenario *sc,
                          struct scn_run_options *o,
                          int64_t wall_budget_us,
                          struct run_ctx *rc,
                          struct run_files *files,
                          struct scn_run_result **res)
{
    struct raftsim_deadline deadline = {0};
    deadline.watch = trace_stream(files);
    raftsim_deadline_start(&deadline, wall_budget_us, &o->budget);
    if (o->trace_jsonl)
        raftsim_trace_header(o->trace_jsonl, path, sc, rc->seed, o->has_seed,
                             &o->budget, wall_budget_us);
    int64_t wall_start = raftsim_wall_us();
    if (scn_run(sc, o, res) != SCN_OK) {
        fprintf(stderr, "%s: error: the engine refused this configuration\n",
                path);
        return RAFTSIM_EXIT_INVALID;
    }
    int64_t wall_us = raftsim_wall_us() - wall_start;
    struct scn_run_result *r = *res;
    /* The ticks stop at the last multiple of --every: draw the end too. */
    if (a->frames && !r->budget_exceeded && r->end_us % o->tick_every_us != 0)
        on_frame(r->sim, r->end_us, rc);
    GString *lines = g_string_new(NULL);
    bool outputs_ok = write_outputs(files, rc, r, lines);
    enum raftsim_run_detail detail = a->quiet     ? RAFTSIM_RUN_QUIET
                                     : a->verbose ? RAFTSIM_RUN_VERBOSE
                                                  : RAFTSIM_RUN_REPORT;
    int status = raftsim_run_report(r, detail, wall_us, outputs_ok, lines);
    g_string_free(lines, TRUE);
    if (r->budget_exceeded)
        raftsim_budget_complain("run", path, r, &o->budget, &deadline,
                                wall_budget_us);
    return status;
}

int raftsim_run_main(int argc, char **argv)
{
    struct run_args a;
    run_args_init(&a);
    GOptionContext *ctx = g_option_context_new("FILE - run one scenario");
    int status = RAFTSIM_EXIT_INVALID;
    struct scn_scenario *sc = NULL;
    struct scn_run_result *res = NULL;
    GPtrArray *diags = scn_diags_new();
    struct run_ctx rc = {0};
    struct run_files files = {0};
    struct run_plan plan = {0};
    struct scn_run_options o;
    int64_t wall_budget_us = 0;
    viz_options_init(&rc.viz);

    if (!run_args_parse(&a, ctx, &argc, &argv) ||
        !raftsim_budget_parse("run", &a.budget, &plan.budget,
                              &wall_budget_us) ||
        !run_check_view(&a, &plan, &rc.viz) ||
        !run_check_pictures(&a, &plan, &rc))
        goto out;
    const char *path = argv[1];
    files = (struct run_files){.plots_dir = a.plots,
                               .plots_format = plan.plots_format,
                               .png = a.png,
                               .svg = a.svg,
                               .pdf = a.pdf,
                               .log_png = a.log_png,
                               .html = a.html,
                               .frames_dir = a.frames,
                               .trace_path = a.trace};
    sc = raftsim_load(path, diags);
    if (!sc) {
        scn_diags_print(diags, stderr);
        goto out;
    }
    if (!run_prepare_outputs(&a, &plan, sc, &rc, &files))
        goto out;
    run_configure(&a, &plan, sc, &rc, &files, &o);
    status =
        run_and_report(&a, path, sc, &o, wall_budget_us, &rc, &files, &res);

out:
    viz_output_discard(&files.trace);
    if (files.trace_stdout)
        fclose(files.trace_stdout);
    log_capture_clear(&rc.log);
    frames_clear(rc.frames);
    scn_run_result_free(res);
    scn_scenario_free(sc);
    g_ptr_array_free(diags, TRUE);
    g_option_context_free(ctx);
    run_args_clear(&a);
    return status;
}
