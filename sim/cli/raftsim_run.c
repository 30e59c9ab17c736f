/* raftsim_run.c: `raftsim run FILE`: one scenario, a readable report and,
 * on request, pictures.
 *
 * The options are raftsim_run_args.c's, the captures and outputs
 * raftsim_run_outputs.c's (raftsim_run.h); this file prepares the outputs,
 * configures the run, runs it and reports.
 *
 * Invariant: the simulation is driven only by the scenario, the seed and the
 * options that change what is recorded (trace file, recorded events, pause
 * points for the log diagram and frames), none of which changes the run or
 * its trace hash. Wall time is measured around the run for the report only.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_run.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_error.h"
#include "sim/cli/raftsim_run_report.h"

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
static bool run_prepare_outputs(const struct raftsim_run_args *a,
                                const struct raftsim_run_plan *p,
                                const struct scn_scenario *sc,
                                const struct raftsim_run_ctx *rc,
                                struct raftsim_run_files *files)
{
    if (!raftsim_run_times_within(a, sc->run_us, p->at_us, &rc->viz))
        return false;
    uint64_t frames =
        a->frames ? raftsim_run_frame_count(sc->run_us, p->every_us,
                                            rc->viz.from_us, rc->viz.to_us)
                  : 0;
    if (frames > RAFTSIM_FRAMES_MAX) {
        raftsim_complain("run",
                         "--%s %s: %" PRIu64
                         " frames; the limit is %u (choose a longer --%s, "
                         "or a --%s/--%s window)",
                         raftsim_run_opt(a, &a->every), a->every, frames,
                         RAFTSIM_FRAMES_MAX, raftsim_run_opt(a, &a->every),
                         raftsim_run_opt(a, &a->from),
                         raftsim_run_opt(a, &a->to));
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
    if (!raftsim_run_outputs_writable(outputs, G_N_ELEMENTS(outputs)))
        return false;
    if (trace_stdout && !raftsim_run_trace_to_stdout(files)) {
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
static void run_configure(const struct raftsim_run_args *a,
                          const struct raftsim_run_plan *p,
                          const struct scn_scenario *sc,
                          struct raftsim_run_ctx *rc,
                          struct raftsim_run_files *files,
                          struct scn_run_options *o)
{
    scn_run_options_init(o);
    o->budget = p->budget;
    o->has_seed = p->has_seed;
    o->seed = p->seed;
    o->trace_jsonl = raftsim_run_trace_stream(files);
    /* Only the timeline and its frames read the whole trace; the log
     * diagram and the report do not, so without them the run's memory
     * stays flat however long it runs. */
    o->record_events =
        a->png || a->svg || a->pdf || a->frames || a->html || a->plots;
    rc->title = sc->title;
    rc->seed = o->has_seed ? p->seed : sc->seed;
    rc->end_us = sc->run_us;
    if (a->log_png) {
        o->on_pause = raftsim_run_on_log_pause;
        o->pause_at_us = a->at ? p->at_us : sc->run_us;
        o->pause_ctx = rc;
    }
    if (a->frames) {
        rc->frames_dir = a->frames;
        rc->frames =
            g_array_new(FALSE, TRUE, sizeof(struct raftsim_frame_capture));
        o->on_tick = raftsim_run_on_frame;
        o->tick_every_us = p->every_us;
        o->tick_ctx = rc;
    }
}

/* Runs sc under o with the wall-clock budget, then writes the outputs and
 * the report; returns the exit status. */
static int run_and_report(const struct raftsim_run_args *a,
                          const char *path,
                          struct scn_scenario *sc,
                          struct scn_run_options *o,
                          int64_t wall_budget_us,
                          struct raftsim_run_ctx *rc,
                          struct raftsim_run_files *files,
                          struct scn_run_result **res)
{
    struct raftsim_deadline deadline = {0};
    deadline.watch = raftsim_run_trace_stream(files);
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
        raftsim_run_on_frame(r->sim, r->end_us, rc);
    GString *lines = g_string_new(NULL);
    bool outputs_ok = raftsim_run_write_outputs(files, rc, r, lines);
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
    struct raftsim_run_args a;
    raftsim_run_args_init(&a);
    GOptionContext *ctx = g_option_context_new("FILE - run one scenario");
    int status = RAFTSIM_EXIT_INVALID;
    struct scn_scenario *sc = NULL;
    struct scn_run_result *res = NULL;
    GPtrArray *diags = scn_diags_new();
    struct raftsim_run_ctx rc = {0};
    struct raftsim_run_files files = {0};
    struct raftsim_run_plan plan = {0};
    struct scn_run_options o;
    int64_t wall_budget_us = 0;
    viz_options_init(&rc.viz);

    if (!raftsim_run_args_parse(&a, ctx, &argc, &argv) ||
        !raftsim_budget_parse("run", &a.budget, &plan.budget,
                              &wall_budget_us) ||
        !raftsim_run_check_view(&a, &plan, &rc.viz) ||
        !raftsim_run_check_pictures(&a, &plan, &rc))
        goto out;
    const char *path = argv[1];
    files = (struct raftsim_run_files){.plots_dir = a.plots,
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
    raftsim_run_ctx_clear(&rc);
    scn_run_result_free(res);
    scn_scenario_free(sc);
    g_ptr_array_free(diags, TRUE);
    g_option_context_free(ctx);
    raftsim_run_args_clear(&a);
    return status;
}
