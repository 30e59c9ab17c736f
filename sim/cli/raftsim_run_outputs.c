/* raftsim_run_outputs.c: what `raftsim run` records while a run goes (every
 * node's log at --at, the frames of --every) and writes after it: the
 * trace's footer, the timeline, the log diagram, the plots, the replay page
 * and the frames (raftsim_run.h).
 *
 * Invariant: the captures only read the simulation (pause and tick
 * callbacks), so they never change the run; every output is written beside
 * its target and renamed onto it only when complete (viz_output), and a
 * failure is complained about and reported, never ignored.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_run.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/raftsim_junit.h"
#include "sim/sim_time_text.h"
#include "viz/viz_series.h"

/* The width of sliding-window frames when --width is not given: one width
 * for every frame, whatever the messages in its window. */
#define VIZ_FRAME_WINDOW_WIDTH_PX 1200

static void log_capture_clear(struct raftsim_log_capture *c)
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
static void log_capture_take(struct raftsim_log_capture *c, struct sim *s)
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

static void log_view_of(const struct raftsim_log_capture *c,
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

void raftsim_run_on_log_pause(struct sim *s, uint64_t time_us, void *ctx)
{
    struct raftsim_run_ctx *rc = ctx;
    (void)time_us;
    log_capture_take(&rc->log, s);
}

/* Keeps the next frame at time_us, if it falls in the --from/--to window
 * (when given). */
void raftsim_run_on_frame(struct sim *s, uint64_t time_us, void *ctx)
{
    struct raftsim_run_ctx *rc = ctx;
    if (time_us < rc->viz.from_us ||
        (rc->viz.to_us != 0 && time_us > rc->viz.to_us))
        return;
    struct raftsim_frame_capture cap = {.at_us = time_us,
                                        .n_events = sim_trace_len(s)};
    log_capture_take(&cap.log, s);
    g_array_append_val(rc->frames, cap);
}

/* With --window D, the timeline of a frame at at_us covers the last D of
 * virtual time before it (the first D while at_us < D), else opts' window. */
static struct viz_options frame_options(const struct raftsim_run_ctx *rc,
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

/* Draws every kept frame of the finished run r; stops at the first error
 * (kept in rc->frames_error). */
static void write_frames(struct raftsim_run_ctx *rc,
                         const struct scn_run_result *r)
{
    for (guint i = 0; i < rc->frames->len && rc->frames_error == VIZ_OK; i++) {
        struct raftsim_frame_capture *f =
            &g_array_index(rc->frames, struct raftsim_frame_capture, i);
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
        log_capture_clear(
            &g_array_index(frames, struct raftsim_frame_capture, i).log);
    if (frames)
        g_array_free(frames, TRUE);
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

/* The stream the trace is written to; NULL: none. */
FILE *raftsim_run_trace_stream(const struct raftsim_run_files *f)
{
    return f->trace_stdout ? f->trace_stdout : f->trace.fp;
}

/* --trace -: keeps the original stdout for the trace and sends what the
 * command prints there (the report, PASS or FAIL) to stderr instead, so
 * that stdout holds JSON lines only. False, with errno, on failure. */
bool raftsim_run_trace_to_stdout(struct raftsim_run_files *f)
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
static bool finish_trace(struct raftsim_run_files *f,
                         const struct scn_run_result *res)
{
    FILE *out = raftsim_run_trace_stream(f);
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
            raftsim_complain("run",
                             "standard output: cannot write the "
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
    uint64_t to =
        view->to_index > 0 && view->to_index < last ? view->to_index : last;
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
static bool write_log_picture(struct raftsim_run_ctx *rc,
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
bool raftsim_run_write_outputs(struct raftsim_run_files *f,
                               struct raftsim_run_ctx *rc,
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
            ok &=
                write_timeline(res, &rc->viz, formats[i], timelines[i], lines);
    if (f->log_png)
        ok &= write_log_picture(rc, res, f->log_png, lines);
    if (f->html)
        ok &= write_html(res, f->html, lines);
    if (f->plots_dir)
        ok &= write_plots(res, f->plots_dir, f->plots_format, lines);
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
    if (f->png || f->svg || f->pdf || f->log_png || f->html || f->frames_dir ||
        f->plots_dir)
        viz_release_caches();
    return ok;
}

/* How many frames --every writes: one at every multiple of every_us inside
 * [from_us, to_us or the end], and one at the end when that is not such a
 * multiple (raftsim_run_on_frame's rules). */
uint64_t raftsim_run_frame_count(uint64_t end_us,
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
bool raftsim_run_outputs_writable(const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (paths[i] &&
            !raftsim_output_writable("run", paths[i], "pictures and traces"))
            return false;
    return true;
}

/* The command line of `raftsim run` as GOption fills it (owned strings, NULL
 * when not given). entries is the one table of the options' names and
 * descriptions: complaints name an option through raftsim_run_opt(). */

void raftsim_run_ctx_clear(struct raftsim_run_ctx *rc)
{
    log_capture_clear(&rc->log);
    frames_clear(rc->frames);
    rc->frames = NULL;
}
