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

/* The last line of a report: PASS or FAIL and the file, or ERROR when an
 * output could not be written (then nothing may read as a success). */
static void print_verdict(const struct scn_run_result *r,
                          bool outputs_ok,
                          bool color)
{
    enum raftsim_color c =
        outputs_ok && r->passed ? RAFTSIM_COLOR_GREEN : RAFTSIM_COLOR_RED;
    const char *word = !outputs_ok ? "ERROR" : r->passed ? "PASS" : "FAIL";
    /* A reproducer that runs differently is not the run it recorded. */
    const char *differs = r->trace_hash_differs
                              ? " (trace hash differs from the reproducer's: "
                                "another build, or the bug is fixed)"
                              : "";
    printf("%s%s%s %s%s\n", raftsim_color(color, c), word,
           raftsim_color(color, RAFTSIM_COLOR_RESET), r->file_name, differs);
}

static void print_summary(const struct scn_run_result *r,
                          int64_t wall_us,
                          bool verbose,
                          bool outputs_ok,
                          bool color)
{
    struct sim *s = r->sim;
    const char *bold = raftsim_color(color, RAFTSIM_COLOR_BOLD);
    const char *dim = raftsim_color(color, RAFTSIM_COLOR_DIM);
    const char *reset = raftsim_color(color, RAFTSIM_COLOR_RESET);
    GString *t = g_string_new(NULL);

    printf("%s%s%s\n", bold, r->title, reset);
    printf("%s: seed %" PRIu64 ", %" PRIu32 " node%s\n", r->file_name, r->seed,
           r->n_nodes, raftsim_plural(r->n_nodes));
    printf("\n%sLeaders%s\n", bold, reset);
    if (r->leaders->len == 0)
        printf("  none elected\n");
    for (guint i = 0; i < r->leaders->len; i++) {
        const struct scn_leader_term *l =
            &g_array_index(r->leaders, struct scn_leader_term, i);
        g_string_truncate(t, 0);
        scn_format_time(t, l->since_us);
        printf("  term %-4" PRIu64 " n%-3" PRIu32 " from %s\n", l->term,
               l->node, t->str);
    }

    uint64_t commit_max = 0, applied_max = 0;
    for (uint32_t id = 1; id <= r->n_nodes; id++) {
        if (sim_commit_index(s, id) > commit_max)
            commit_max = sim_commit_index(s, id);
        if (sim_applied(s, id) > applied_max)
            applied_max = sim_applied(s, id);
    }
    struct sim_counters cnt;
    sim_counters(s, &cnt);
    printf("\n%sLog%s\n", bold, reset);
    uint64_t committed =
        cnt.commit_index_max > commit_max ? cnt.commit_index_max : commit_max;
    printf("  %" PRIu64 " %s committed, %" PRIu64
           " client command%s applied; crashes %" PRIu64 ", restarts %" PRIu64
           "\n",
           committed, committed == 1 ? "entry" : "entries", applied_max,
           raftsim_plural(applied_max), cnt.crashes, cnt.restarts);

    struct sim_msg_counters mc[RAFT_MSG_TYPE_COUNT];
    sim_msg_counters(s, mc);
    printf("\n%sMessages%s\n  %-29s %10s %10s %10s %10s\n", bold, reset, "",
           "sent", "delivered", "dropped", "duplicated");
    for (int ty = 1; ty < RAFT_MSG_TYPE_COUNT; ty++) {
        if (mc[ty].sent == 0)
            continue;
        printf("  %-29s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
               "\n",
               raft_message_type_name((enum raft_message_type)ty), mc[ty].sent,
               mc[ty].delivered, mc[ty].dropped, mc[ty].duplicated);
    }
    printf("  %-29s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
           "total", mc[0].sent, mc[0].delivered, mc[0].dropped,
           mc[0].duplicated);

    printf("\n%sClients%s\n", bold, reset);
    printf("  %" PRIu64 " request%s, %" PRIu64 " completed",
           r->requests_invoked, raftsim_plural(r->requests_invoked),
           r->requests_completed);
    if (r->requests_completed) {
        g_string_truncate(t, 0);
        g_string_append(t, "; latency p50 ");
        raftsim_append_duration(t, r->latency_us_p50);
        g_string_append(t, ", p90 ");
        raftsim_append_duration(t, r->latency_us_p90);
        g_string_append(t, ", p99 ");
        raftsim_append_duration(t, r->latency_us_p99);
        g_string_append(t, ", max ");
        raftsim_append_duration(t, r->latency_us_max);
        printf("%s", t->str);
    }
    printf("\n");

    printf("\n%sChecks%s\n", bold, reset);
    printf("  %" PRIu64 " passed, %" PRIu64 " failed", r->checks_passed,
           r->checks_failed);
    if (r->checks_skipped)
        printf(", %" PRIu64 " skipped", r->checks_skipped);
    if (r->actions_skipped)
        printf("; %" PRIu64 " action%s skipped", r->actions_skipped,
               raftsim_plural(r->actions_skipped));
    printf("\n");
    for (guint i = 0; verbose && i < r->notes->len; i++) {
        const struct scn_run_note *n = g_ptr_array_index(r->notes, i);
        g_string_truncate(t, 0);
        scn_format_time(t, n->time_us);
        const char *tag = !n->is_check ? "note" : n->ok ? "ok  " : "FAIL";
        printf("  %s%-10s%s %s %s\n", dim, t->str, reset, tag, n->text);
    }
    const char *red = raftsim_color(color, RAFTSIM_COLOR_RED);
    for (guint i = 0; i < r->failures->len; i++) {
        char *line = scn_failure_format(r, g_ptr_array_index(r->failures, i));
        printf("  %sFAIL%s %s\n", red, reset, line);
        g_free(line);
    }
    const char *yellow = raftsim_color(color, RAFTSIM_COLOR_YELLOW);
    for (guint i = 0; i < r->warnings->len; i++)
        printf("  %swarning%s %s\n", yellow, reset,
               (const char *)g_ptr_array_index(r->warnings, i));
    if (r->violation) {
        printf("\n");
        sim_failure_print(sim_failure(s), stdout);
    }

    printf("\n%sLinearizability%s ", bold, reset);
    if (!r->lin_checked)
        printf("not checked (a safety property failed first)\n");
    else if (r->lin_verdict == SIM_LIN_OK) {
        size_t ops =
            sim_get_history(s) ? sim_history_len(sim_get_history(s)) : 0;
        printf("ok (%zu operation%s)\n", ops, raftsim_plural(ops));
    } else if (r->lin_verdict == SIM_LIN_UNKNOWN)
        printf("unknown (search bound reached; not a failure)\n");
    else
        printf("VIOLATED: %s\n", r->lin_explanation);
    printf("%sTrace hash%s      %016" PRIx64 "\n", bold, reset, r->trace_hash);
    g_string_truncate(t, 0);
    scn_format_time(t, r->end_us);
    printf("%sTime%s            %s simulated, %" PRIu64 " event%s, ", bold,
           reset, t->str, r->events, raftsim_plural(r->events));
    g_string_truncate(t, 0);
    raftsim_append_duration(t, wall_us < 0 ? 0 : (uint64_t)wall_us);
    printf("%s of wall time\n\n", t->str);
    print_verdict(r, outputs_ok, color);
    g_string_free(t, TRUE);
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

/* Parses --log-from I and --log-to J (each optional, only with --log-png)
 * into *from and *to; complains and returns false on a bad window. */
static bool log_window_parse(bool log_png,
                             const char *from_text,
                             const char *to_text,
                             uint64_t *from,
                             uint64_t *to)
{
    if ((from_text || to_text) && !log_png) {
        raftsim_complain("run", "--log-from and --log-to need --log-png");
        return false;
    }
    if (from_text && (!raftsim_parse_u64(from_text, from) || *from == 0)) {
        raftsim_complain("run", "--log-from: not a log index from 1: %s",
                         from_text);
        return false;
    }
    if (to_text && (!raftsim_parse_u64(to_text, to) || *to == 0)) {
        raftsim_complain("run", "--log-to: not a log index from 1: %s",
                         to_text);
        return false;
    }
    if (from_text && to_text && *from > *to) {
        raftsim_complain("run",
                         "--log-from %s is after --log-to %s: the window "
                         "would be empty",
                         from_text, to_text);
        return false;
    }
    if (from_text && to_text && *to - *from >= VIZ_LOG_MAX_COLUMNS) {
        raftsim_complain("run",
                         "--log-from %s --log-to %s: %" G_GUINT64_FORMAT
                         " indices, more than the %d a log diagram draws",
                         from_text, to_text, *to - *from + 1,
                         VIZ_LOG_MAX_COLUMNS);
        return false;
    }
    return true;
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
    scn_format_time(lines, rc->log.at_us);
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

/* --at, --from and --to name instants of the run: none may lie after its end
 * (run_us). Complains about the first that does. */
static bool times_within_run(uint64_t run_us,
                             const char *at_text,
                             uint64_t at_us,
                             const char *from_text,
                             uint64_t from_us,
                             const char *to_text,
                             uint64_t to_us)
{
    const char *option = NULL, *text = NULL;
    if (at_text && at_us > run_us) {
        option = "--at";
        text = at_text;
    } else if (from_text && from_us >= run_us) {
        option = "--from";
        text = from_text;
    } else if (to_text && to_us > run_us) {
        option = "--to";
        text = to_text;
    }
    if (option == NULL)
        return true;
    GString *end = g_string_new(NULL);
    scn_format_time(end, run_us);
    raftsim_complain("run", "%s %s is after the end of the run (%s)", option,
                     text, end->str);
    g_string_free(end, TRUE);
    return false;
}

int raftsim_run_main(int argc, char **argv)
{
    gchar *seed_text = NULL, *trace_path = NULL, *png = NULL, *svg = NULL,
          *pdf = NULL, *messages = NULL, *from_text = NULL, *to_text = NULL,
          *log_png = NULL, *at_text = NULL, *frames_dir = NULL,
          *every_text = NULL, *width_text = NULL, *html = NULL,
          *window_text = NULL, *log_from_text = NULL, *log_to_text = NULL,
          *plots_dir = NULL, *plots_format_text = NULL;
    gboolean quiet = FALSE, verbose = FALSE;
    GOptionEntry entries[] = {
        {"seed", 's', 0, G_OPTION_ARG_STRING, &seed_text,
         "Use seed N instead of the file's", "N"},
        {"trace", 't', 0, G_OPTION_ARG_FILENAME, &trace_path,
         "Write every event as JSON lines to FILE (-: to stdout, and the "
         "report to stderr)",
         "FILE.jsonl"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         "Print only PASS or the failures", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
         "Also print every check and every skipped step", NULL},
        {"png", 0, 0, G_OPTION_ARG_FILENAME, &png,
         "Draw the timeline as PNG into OUT", "OUT.png"},
        {"svg", 0, 0, G_OPTION_ARG_FILENAME, &svg,
         "Draw the timeline as SVG into OUT", "OUT.svg"},
        {"pdf", 0, 0, G_OPTION_ARG_FILENAME, &pdf,
         "Draw the timeline as PDF into OUT", "OUT.pdf"},
        {"messages", 'm', 0, G_OPTION_ARG_STRING, &messages,
         "Messages drawn: all, no-heartbeats or none (default: by density)",
         "WHICH"},
        {"from", 0, 0, G_OPTION_ARG_STRING, &from_text,
         "Timeline and frames window start, e.g. 1.5s", "T"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &to_text,
         "Timeline and frames window end, e.g. 3s", "T"},
        {"width", 'w', 0, G_OPTION_ARG_STRING, &width_text,
         "Timeline width in pixels, 640 to 16000 (default: from the content)",
         "PX"},
        {"log-png", 0, 0, G_OPTION_ARG_FILENAME, &log_png,
         "Draw every node's log as PNG into OUT", "OUT.png"},
        {"at", 0, 0, G_OPTION_ARG_STRING, &at_text,
         "Virtual time of the log diagram (default: the end)", "T"},
        {"plots", 0, 0, G_OPTION_ARG_FILENAME, &plots_dir,
         "Write latency and throughput over time into DIR", "DIR"},
        {"plots-format", 0, 0, G_OPTION_ARG_STRING, &plots_format_text,
         "Format of the --plots pictures: png (default), svg or pdf", "F"},
        {"log-from", 0, 0, G_OPTION_ARG_STRING, &log_from_text,
         "First log index the log diagram draws (default: as far back as "
         "800 columns reach from --log-to)",
         "I"},
        {"log-to", 0, 0, G_OPTION_ARG_STRING, &log_to_text,
         "Last log index the log diagram draws (default: the last)", "J"},
        {"frames", 0, 0, G_OPTION_ARG_FILENAME, &frames_dir,
         "Write timeline and log frames into DIR (with --every)", "DIR"},
        {"every", 0, 0, G_OPTION_ARG_STRING, &every_text,
         "Virtual time between frames, e.g. 100ms", "D"},
        {"window", 0, 0, G_OPTION_ARG_STRING, &window_text,
         "With --frames: each timeline frame shows the last D of virtual time",
         "D"},
        {"html", 0, 0, G_OPTION_ARG_FILENAME, &html,
         "Write the run's replay page (one self-contained HTML file) into OUT",
         "OUT.html"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    struct raftsim_budget_args budget_args = {0};
    GOptionContext *ctx = g_option_context_new("FILE - run one scenario");
    g_option_context_set_summary(
        ctx,
        "Runs the scenario FILE (- reads standard input) and prints what\n"
        "happened: leaders, log, messages, clients, checks,\n"
        "linearizability and the trace hash.\n"
        "Exit status: 0 passed, 1 a check or safety property failed,\n"
        "2 invalid input or command line, or an output not written,\n"
        "3 the run exceeded a budget (--max-events, --max-memory,\n"
        "--max-wall) and was stopped.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    raftsim_color_add_option(ctx);
    raftsim_budget_add_options(ctx, &budget_args, false);

    int status = RAFTSIM_EXIT_INVALID;
    GError *err = NULL;
    struct scn_scenario *sc = NULL;
    struct scn_run_result *res = NULL;
    GPtrArray *diags = scn_diags_new();
    struct run_ctx rc = {0};
    struct run_files files = {0};
    uint64_t seed = 0, at_us = 0, every_us = 0;
    struct scn_budget budget;
    struct raftsim_deadline deadline = {0};
    int64_t wall_budget_us = 0;
    viz_options_init(&rc.viz);

    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        raftsim_complain("run", "%s", err->message);
        g_error_free(err);
        goto out;
    }
    if (argc != 2) {
        raftsim_complain("run", argc < 2
                                    ? "no scenario file given (see --help)"
                                    : "exactly one scenario file expected");
        goto out;
    }
    if (!raftsim_budget_parse("run", &budget_args, &budget, &wall_budget_us))
        goto out;
    if (quiet && verbose) {
        raftsim_complain("run", "--quiet and --verbose exclude each other");
        goto out;
    }
    if (seed_text && !raftsim_parse_u64(seed_text, &seed)) {
        raftsim_complain("run", "--seed: not an unsigned integer: %s",
                         seed_text);
        goto out;
    }
    if (messages && !viz_messages_parse(messages, &rc.viz.messages)) {
        raftsim_complain("run",
                         "--messages: expected all, no-heartbeats or none, "
                         "not %s",
                         messages);
        goto out;
    }
    if (from_text && !raftsim_parse_duration(from_text, &rc.viz.from_us)) {
        raftsim_complain("run", "--from: not a duration like 1.5s: %s",
                         from_text);
        goto out;
    }
    if (to_text && !raftsim_parse_duration(to_text, &rc.viz.to_us)) {
        raftsim_complain("run", "--to: not a duration like 3s: %s", to_text);
        goto out;
    }
    if (to_text && rc.viz.to_us <= rc.viz.from_us) {
        raftsim_complain("run", "--to must be after --from");
        goto out;
    }
    if (width_text) {
        uint64_t width = 0;
        if (!raftsim_parse_u64(width_text, &width) ||
            width < VIZ_WIDTH_MIN_PX || width > VIZ_WIDTH_MAX_PX) {
            raftsim_complain("run", "--width: not a width from %d to %d: %s",
                             VIZ_WIDTH_MIN_PX, VIZ_WIDTH_MAX_PX, width_text);
            goto out;
        }
        rc.viz.width_px = (int)width;
    }
    if (at_text && !raftsim_parse_duration(at_text, &at_us)) {
        raftsim_complain("run", "--at: not a duration like 2s: %s", at_text);
        goto out;
    }
    if (at_text && !log_png)
        raftsim_complain("run", "note: --at only matters with --log-png");
    if (!log_window_parse(log_png != NULL, log_from_text, log_to_text,
                          &rc.log_from, &rc.log_to))
        goto out;
    if ((frames_dir != NULL) != (every_text != NULL)) {
        raftsim_complain("run", "--frames and --every go together");
        goto out;
    }
    if (window_text &&
        (!frames_dir || !raftsim_parse_duration(window_text, &rc.window_us) ||
         rc.window_us == 0)) {
        raftsim_complain("run", "--window: %s",
                         frames_dir ? "not a positive duration"
                                    : "only with --frames");
        goto out;
    }
    if (every_text &&
        (!raftsim_parse_duration(every_text, &every_us) || every_us == 0)) {
        raftsim_complain("run", "--every: not a positive duration: %s",
                         every_text);
        goto out;
    }

    enum viz_format plots_format = VIZ_FORMAT_PNG;
    if (plots_format_text &&
        (!plots_dir || !viz_format_parse(plots_format_text, &plots_format))) {
        raftsim_complain("run", "--plots-format: %s%s",
                         plots_dir ? "expected png, svg or pdf, not "
                                   : "only with --plots",
                         plots_dir ? plots_format_text : "");
        goto out;
    }

    const char *path = argv[1];
    files = (struct run_files){.plots_dir = plots_dir,
                               .plots_format = plots_format,.png = png,
                               .svg = svg,
                               .pdf = pdf,
                               .log_png = log_png,
                               .html = html,
                               .frames_dir = frames_dir,
                               .trace_path = trace_path};
    sc = raftsim_load(path, diags);
    if (!sc) {
        scn_diags_print(diags, stderr);
        goto out;
    }
    if (!times_within_run(sc->run_us, at_text, at_us, from_text, rc.viz.from_us,
                          to_text, rc.viz.to_us))
        goto out;
    if (frames_dir) {
        uint64_t frames =
            frame_count(sc->run_us, every_us, rc.viz.from_us, rc.viz.to_us);
        if (frames > RAFTSIM_FRAMES_MAX) {
            raftsim_complain("run",
                             "--every %s: %" PRIu64
                             " frames; the limit is "
                             "%u (choose a longer --every, or a --from/--to "
                             "window)",
                             every_text, frames, RAFTSIM_FRAMES_MAX);
            goto out;
        }
    }
    /* The directories first: a picture may go into the --plots or --frames
     * directory this run creates. */
    if (frames_dir && (g_mkdir_with_parents(frames_dir, 0755) != 0 ||
                       access(frames_dir, W_OK) != 0)) {
        raftsim_complain("run", "%s: %s", frames_dir, g_strerror(errno));
        goto out;
    }
    if (plots_dir && (g_mkdir_with_parents(plots_dir, 0755) != 0 ||
                      access(plots_dir, W_OK) != 0)) {
        raftsim_complain("run", "%s: %s", plots_dir, g_strerror(errno));
        goto out;
    }
    bool trace_stdout = trace_path && strcmp(trace_path, "-") == 0;
    const char *outputs[] = {trace_stdout ? NULL : trace_path, png, svg, pdf,
                             log_png, html};
    if (!outputs_writable(outputs, G_N_ELEMENTS(outputs)))
        goto out;
    if (trace_stdout && !trace_to_stdout(&files)) {
        raftsim_complain("run", "standard output: %s", g_strerror(errno));
        goto out;
    }
    if (trace_path && !trace_stdout &&
        viz_output_open(&files.trace, trace_path) != VIZ_OK) {
        raftsim_complain("run", "%s: %s", trace_path, g_strerror(errno));
        goto out;
    }

    struct scn_run_options o;
    scn_run_options_init(&o);
    o.has_seed = seed_text != NULL;
    o.seed = seed;
    o.trace_jsonl = trace_stream(&files);
    /* Only the timeline and its frames read the whole trace; the log
     * diagram and the report do not, so without them the run's memory
     * stays flat however long it runs. */
    o.record_events = png || svg || pdf || frames_dir || html || plots_dir;
    rc.title = sc->title;
    rc.seed = o.has_seed ? seed : sc->seed;
    rc.end_us = sc->run_us;
    if (log_png) {
        o.on_pause = on_log_pause;
        o.pause_at_us = at_text ? at_us : sc->run_us;
        o.pause_ctx = &rc;
    }
    if (frames_dir) {
        rc.frames_dir = frames_dir;
        rc.frames = g_array_new(FALSE, TRUE, sizeof(struct frame_capture));
        o.on_tick = on_frame;
        o.tick_every_us = every_us;
        o.tick_ctx = &rc;
    }

    o.budget = budget;
    deadline.watch = trace_stream(&files);
    raftsim_deadline_start(&deadline, wall_budget_us, &o.budget);
    if (o.trace_jsonl)
        raftsim_trace_header(o.trace_jsonl, path, sc, rc.seed, o.has_seed,
                             &o.budget, wall_budget_us);
    int64_t wall_start = raftsim_wall_us();
    if (scn_run(sc, &o, &res) != SCN_OK) {
        fprintf(stderr, "%s: error: the engine refused this configuration\n",
                path);
        goto out;
    }
    int64_t wall_us = raftsim_wall_us() - wall_start;
    /* The ticks stop at the last multiple of --every: draw the end too. */
    if (frames_dir && !res->budget_exceeded && res->end_us % every_us != 0)
        on_frame(res->sim, res->end_us, &rc);
    GString *lines = g_string_new(NULL);
    bool outputs_ok = write_outputs(&files, &rc, res, lines);
    bool color = raftsim_use_color(stdout);
    if (quiet) {
        for (guint i = 0; i < res->failures->len; i++) {
            char *line =
                scn_failure_format(res, g_ptr_array_index(res->failures, i));
            printf("%sFAIL%s %s\n", raftsim_color(color, RAFTSIM_COLOR_RED),
                   raftsim_color(color, RAFTSIM_COLOR_RESET), line);
            g_free(line);
        }
        if (res->passed || !outputs_ok)
            print_verdict(res, outputs_ok, color);
    } else {
        print_summary(res, wall_us, verbose, outputs_ok, color);
        fputs(lines->str, stdout);
    }
    g_string_free(lines, TRUE);
    if (!outputs_ok)
        status = RAFTSIM_EXIT_INVALID;
    else if (res->budget_exceeded)
        status = RAFTSIM_EXIT_BUDGET;
    else
        status = res->passed ? RAFTSIM_EXIT_OK : RAFTSIM_EXIT_FAILED;
    if (res->budget_exceeded)
        raftsim_budget_complain("run", path, res, &o.budget, &deadline,
                                wall_budget_us);

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
    g_free(seed_text);
    g_free(trace_path);
    g_free(png);
    g_free(svg);
    g_free(pdf);
    g_free(messages);
    g_free(from_text);
    g_free(to_text);
    g_free(log_png);
    g_free(log_from_text);
    g_free(plots_dir);
    g_free(plots_format_text);
    g_free(log_to_text);
    g_free(at_text);
    g_free(frames_dir);
    g_free(every_text);
    g_free(width_text);
    raftsim_budget_args_clear(&budget_args);
    g_free(html);
    g_free(window_text);
    return status;
}
