/* raftsim_run_report.c: the report `raftsim run` prints after a run
 * (raftsim_run_report.h).
 *
 * Owns the report's layout, one function a section, in the order printed.
 * Instants of virtual time and measured spans (latencies, wall time) are
 * written for reading by sim_time_text_human ("2.704s", "0.027134s").
 * Colour goes through raftsim_color() only, so a report without colour is
 * plain text.
 */
#include "sim/cli/raftsim_run_report.h"

#include <inttypes.h>
#include <stdio.h>

#include "sim/cli/raftsim_cli.h"
#include "sim/sim_time_text.h"

/* The escape sequences of one report (all "" without colour). */
struct style
{
    bool color;
    const char *bold, *dim, *reset, *red, *yellow;
};

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

static void print_leaders(const struct scn_run_result *r,
                          const struct style *st,
                          GString *t)
{
    printf("%s%s%s\n", st->bold, r->title, st->reset);
    printf("%s: seed %" PRIu64 ", %" PRIu32 " node%s\n", r->file_name, r->seed,
           r->n_nodes, raftsim_plural(r->n_nodes));
    printf("\n%sLeaders%s\n", st->bold, st->reset);
    if (r->leaders->len == 0)
        printf("  none elected\n");
    for (guint i = 0; i < r->leaders->len; i++) {
        const struct scn_leader_term *l =
            &g_array_index(r->leaders, struct scn_leader_term, i);
        g_string_truncate(t, 0);
        sim_time_text_human(t, l->since_us);
        printf("  term %-4" PRIu64 " n%-3" PRIu32 " from %s\n", l->term,
               l->node, t->str);
    }
}

static void print_log(const struct scn_run_result *r, const struct style *st)
{
    struct sim *s = r->sim;
    uint64_t commit_max = 0, applied_max = 0;
    for (uint32_t id = 1; id <= r->n_nodes; id++) {
        if (sim_commit_index(s, id) > commit_max)
            commit_max = sim_commit_index(s, id);
        if (sim_applied(s, id) > applied_max)
            applied_max = sim_applied(s, id);
    }
    struct sim_counters cnt;
    sim_get_counters(s, &cnt);
    printf("\n%sLog%s\n", st->bold, st->reset);
    uint64_t committed =
        cnt.commit_index_max > commit_max ? cnt.commit_index_max : commit_max;
    printf("  %" PRIu64 " %s committed, %" PRIu64
           " client command%s applied; crashes %" PRIu64 ", restarts %" PRIu64
           "\n",
           committed, committed == 1 ? "entry" : "entries", applied_max,
           raftsim_plural(applied_max), cnt.crashes, cnt.restarts);
}

static void print_messages(const struct scn_run_result *r,
                           const struct style *st)
{
    struct sim_msg_counters mc[RAFT_MSG_TYPE_COUNT];
    sim_get_msg_counters(r->sim, mc);
    printf("\n%sMessages%s\n  %-29s %10s %10s %10s %10s\n", st->bold, st->reset,
           "", "sent", "delivered", "dropped", "duplicated");
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
}

static void print_clients(const struct scn_run_result *r,
                          const struct style *st,
                          GString *t)
{
    printf("\n%sClients%s\n", st->bold, st->reset);
    printf("  %" PRIu64 " request%s, %" PRIu64 " completed",
           r->requests_invoked, raftsim_plural(r->requests_invoked),
           r->requests_completed);
    if (r->requests_completed) {
        g_string_truncate(t, 0);
        g_string_append(t, "; latency p50 ");
        sim_time_text_human(t, r->latency_us_p50);
        g_string_append(t, ", p90 ");
        sim_time_text_human(t, r->latency_us_p90);
        g_string_append(t, ", p99 ");
        sim_time_text_human(t, r->latency_us_p99);
        g_string_append(t, ", max ");
        sim_time_text_human(t, r->latency_us_max);
        printf("%s", t->str);
    }
    printf("\n");
}

static void print_checks(const struct scn_run_result *r,
                         bool verbose,
                         const struct style *st,
                         GString *t)
{
    printf("\n%sChecks%s\n", st->bold, st->reset);
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
        sim_time_text_human(t, n->time_us);
        const char *tag = !n->is_check ? "note" : n->ok ? "ok  " : "FAIL";
        printf("  %s%-10s%s %s %s\n", st->dim, t->str, st->reset, tag, n->text);
    }
    for (guint i = 0; i < r->failures->len; i++) {
        char *line = scn_failure_format(r, g_ptr_array_index(r->failures, i));
        printf("  %sFAIL%s %s\n", st->red, st->reset, line);
        g_free(line);
    }
    for (guint i = 0; i < r->warnings->len; i++)
        printf("  %swarning%s %s\n", st->yellow, st->reset,
               (const char *)g_ptr_array_index(r->warnings, i));
    if (r->violation) {
        printf("\n");
        sim_failure_print(sim_get_failure(r->sim), stdout);
    }
}

static void print_outcome(const struct scn_run_result *r,
                          int64_t wall_us,
                          const struct style *st,
                          GString *t)
{
    printf("\n%sLinearizability%s ", st->bold, st->reset);
    const struct sim_history *h = sim_get_history(r->sim);
    if (!r->lin_checked)
        printf("not checked (a safety property failed first)\n");
    else if (r->lin_verdict == SIM_LIN_OK) {
        size_t ops = h ? sim_history_len(h) : 0;
        printf("ok (%zu operation%s)\n", ops, raftsim_plural(ops));
    } else if (r->lin_verdict == SIM_LIN_UNKNOWN)
        printf("unknown (search bound reached; not a failure)\n");
    else
        printf("VIOLATED: %s\n", r->lin_explanation);
    printf("%sTrace hash%s      %016" PRIx64 "\n", st->bold, st->reset,
           r->trace_hash);
    g_string_truncate(t, 0);
    sim_time_text_human(t, r->end_us);
    printf("%sTime%s            %s simulated, %" PRIu64 " event%s, ", st->bold,
           st->reset, t->str, r->events, raftsim_plural(r->events));
    g_string_truncate(t, 0);
    sim_time_text_human(t, wall_us < 0 ? 0 : (uint64_t)wall_us);
    printf("%s of wall time\n\n", t->str);
}

/* --quiet: the failures, then the verdict unless the run failed cleanly. */
static void print_quiet(const struct scn_run_result *r,
                        bool outputs_ok,
                        const struct style *st)
{
    for (guint i = 0; i < r->failures->len; i++) {
        char *line = scn_failure_format(r, g_ptr_array_index(r->failures, i));
        printf("%sFAIL%s %s\n", st->red, st->reset, line);
        g_free(line);
    }
    if (r->passed || !outputs_ok)
        print_verdict(r, outputs_ok, st->color);
}

int raftsim_run_report(const struct scn_run_result *r,
                       enum raftsim_run_detail detail,
                       int64_t wall_us,
                       bool outputs_ok,
                       const GString *lines)
{
    bool color = raftsim_use_color(stdout);
    struct style st = {
        .color = color,
        .bold = raftsim_color(color, RAFTSIM_COLOR_BOLD),
        .dim = raftsim_color(color, RAFTSIM_COLOR_DIM),
        .reset = raftsim_color(color, RAFTSIM_COLOR_RESET),
        .red = raftsim_color(color, RAFTSIM_COLOR_RED),
        .yellow = raftsim_color(color, RAFTSIM_COLOR_YELLOW),
    };
    if (detail == RAFTSIM_RUN_QUIET) {
        print_quiet(r, outputs_ok, &st);
    } else {
        GString *t = g_string_new(NULL);
        print_leaders(r, &st, t);
        print_log(r, &st);
        print_messages(r, &st);
        print_clients(r, &st, t);
        print_checks(r, detail == RAFTSIM_RUN_VERBOSE, &st, t);
        print_outcome(r, wall_us, &st, t);
        print_verdict(r, outputs_ok, color);
        g_string_free(t, TRUE);
        fputs(lines->str, stdout);
    }
    if (!outputs_ok)
        return RAFTSIM_EXIT_INVALID;
    if (r->budget_exceeded)
        return RAFTSIM_EXIT_BUDGET;
    return r->passed ? RAFTSIM_EXIT_OK : RAFTSIM_EXIT_FAILED;
}
