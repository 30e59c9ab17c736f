/* test_scn_run.c: the scenario runner resolves node references, binds and
 * skips names, judges windows after every event and reports each check's
 * failure with what it found.
 *
 * Invariant kept by these tests: leadership is scripted (`timeout n1` at
 * 10ms, long before any randomized election timeout can fire), so every
 * expected node, term and message is exact; where a choice is random, the
 * rule is asserted over many seeds against the engine's own view.
 *
 * The `settle` tests at the end: settle ends every fault at its time and
 * then fails the run, as the property `liveness`, unless one leader stays
 * in step with every node and every earlier request completes within its
 * bound.
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_run.h"
#include "sim/sim_time_text.h"
#include "tests/support/scn_harness.h"

static const struct scn_failure *failure_at(const struct scn_run_result *r,
                                            guint i)
{
    cr_assert_gt(r->failures->len, i, "only %u failures", r->failures->len);
    return g_ptr_array_index(r->failures, i);
}

/* The text of the first recorded trace event of `kind`, or NULL. */
static const char *first_text(const struct scn_run_result *r,
                              enum sim_trace_kind kind)
{
    size_t n = sim_trace_len(r->sim);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == kind)
            return ev[i].text;
    return NULL;
}

static uint32_t count_crashed(const struct scn_run_result *r, uint32_t *which)
{
    uint32_t count = 0;
    for (uint32_t id = 1; id <= r->n_nodes; id++) {
        if (!sim_alive(r->sim, id)) {
            count++;
            *which = id;
        }
    }
    return count;
}

/* ---- node references -------------------------------------------------- */

Test(scn_run, leader_names_the_current_leader)
{
    for (uint64_t seed = 1; seed <= 10; seed++) {
        struct scn_run_result *plain =
            sh_run_seed("cluster 5\nrun 1s\nat 1s expect leader\n", seed);
        uint32_t leader = sim_current_leader(plain->sim);
        cr_assert_neq(leader, 0u);
        struct scn_run_result *r =
            sh_run_seed("cluster 5\nrun 1s\nat 1s crash leader\n", seed);
        uint32_t crashed = 0;
        cr_assert_eq(count_crashed(r, &crashed), 1u);
        cr_assert_eq(crashed, leader, "seed %" PRIu64, seed);
        cr_assert(r->passed);
        scn_run_result_free(r);
        scn_run_result_free(plain);
    }
}

Test(scn_run, follower_is_a_live_node_other_than_the_leader)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct scn_run_result *r = sh_run_seed(
            "cluster 5\nrun 1s\nat 1s crash n5\nat 1s pause follower for 5s\n",
            seed);
        uint32_t paused = 0, count = 0;
        for (uint32_t id = 1; id <= 5; id++) {
            if (sim_alive(r->sim, id) && sim_paused(r->sim, id)) {
                paused = id;
                count++;
            }
        }
        cr_assert_eq(count, 1u, "seed %" PRIu64, seed);
        cr_assert_neq(paused, sim_current_leader(r->sim));
        cr_assert_neq(paused, 5u, "a crashed node is not live");
        scn_run_result_free(r);
    }
}

/* Parses "n1 n2 | n3 n4 n5" into group numbers per node (1-based). */
static void groups_of(const char *text, uint32_t group_of[6])
{
    memset(group_of, 0, 6 * sizeof(uint32_t));
    uint32_t g = 1;
    for (const char *p = text; *p; p++) {
        if (*p == '|')
            g++;
        else if (*p == 'n')
            group_of[p[1] - '0'] = g;
    }
}

Test(scn_run, several_followers_in_one_statement_are_distinct)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct scn_run_result *r = sh_run_seed(
            "cluster 5\nrun 1s\nat 1s partition follower follower follower "
            "| rest\n",
            seed);
        const char *text = first_text(r, SIM_TRACE_PARTITION);
        cr_assert_not_null(text);
        uint32_t g[6];
        groups_of(text, g);
        uint32_t in_first = 0;
        for (uint32_t id = 1; id <= 5; id++)
            in_first += g[id] == 1;
        cr_assert_eq(in_first, 3u, "seed %" PRIu64 ": %s", seed, text);
        /* The leader, cut off from the majority, still has its role. */
        uint32_t leader = 0;
        for (uint32_t id = 1; id <= 5; id++)
            if (sim_role(r->sim, id) == RAFT_LEADER)
                leader = id;
        cr_assert_neq(leader, 0u);
        cr_assert_eq(g[leader], 2u, "%s", text);
        scn_run_result_free(r);
    }
}

Test(scn_run, any_picks_only_live_nodes_and_distinct_ones)
{
    for (uint64_t seed = 1; seed <= 30; seed++) {
        struct scn_run_result *r = sh_run_seed(
            "cluster 5\nrun 1s\nat 1s crash n1\nat 1s crash n2\n"
            "at 1s partition any any | any\n",
            seed);
        const char *text = first_text(r, SIM_TRACE_PARTITION);
        cr_assert_not_null(text);
        uint32_t g[6];
        groups_of(text, g);
        cr_assert_eq(g[1], 0u, "%s", text);
        cr_assert_eq(g[2], 0u, "%s", text);
        cr_assert_eq((g[3] == 1) + (g[4] == 1) + (g[5] == 1), 2, "%s", text);
        cr_assert_eq((g[3] == 2) + (g[4] == 2) + (g[5] == 2), 1, "%s", text);
        scn_run_result_free(r);
    }
}

Test(scn_run, rest_is_every_node_not_named_before_in_the_statement)
{
    struct scn_run_result *r =
        sh_run("cluster 5\nrun 1s\nat 1s partition n4 n2 | rest\n", NULL);
    cr_assert_str_eq(first_text(r, SIM_TRACE_PARTITION), "n4 n2 | n1 n3 n5");
    scn_run_result_free(r);
}

/* The nodes named in a statement are kept as bits, 64 to a word: a node of
 * the second or third word is named apart from the one of the first word
 * with the same remainder (n65 is not n1, n130 not n2). */
Test(scn_run, rest_leaves_out_exactly_the_named_nodes_of_a_large_cluster)
{
    struct scn_run_result *r = sh_run(
        "cluster 130\nrun 100ms\nat 10ms partition n65 n130 | rest\n", NULL);
    GString *want = g_string_new("n65 n130 |");
    for (uint32_t id = 1; id <= 130; id++)
        if (id != 65 && id != 130)
            g_string_append_printf(want, " n%" PRIu32, id);
    cr_assert_str_eq(first_text(r, SIM_TRACE_PARTITION), want->str);
    g_string_free(want, TRUE);
    scn_run_result_free(r);
}

Test(scn_run, a_bound_name_means_the_same_node_later)
{
    for (uint64_t seed = 1; seed <= 10; seed++) {
        struct scn_run_result *r = sh_run_seed(
            "cluster 5\nrun 3s\n"
            "at 1s crash follower as x\n"
            "at 1.5s restart x\n"
            "at 2s expect role x follower\n"
            "at 2.5s pause x for 10s\n",
            seed);
        /* Restarting any other node fails: it is not crashed. */
        cr_assert(r->passed, "seed %" PRIu64, seed);
        cr_assert_eq(r->checks_passed, 1u);
        uint32_t paused = 0, count = 0;
        for (uint32_t id = 1; id <= 5; id++)
            if (sim_paused(r->sim, id)) {
                paused = id;
                count++;
            }
        cr_assert_eq(count, 1u);
        /* The first recorded crash is of the same node. */
        size_t n = sim_trace_len(r->sim);
        const struct sim_trace_event *ev = sim_trace_events(r->sim);
        uint32_t crashed = 0;
        for (size_t i = 0; i < n && !crashed; i++)
            if (ev[i].kind == SIM_TRACE_CRASH)
                crashed = ev[i].node;
        cr_assert_eq(crashed, paused);
        scn_run_result_free(r);
    }
}

Test(scn_run, optional_reference_without_a_node_skips_with_a_note)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 1s\nat 10ms crash leader?\n", NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->actions_skipped, 1u);
    uint32_t crashed = 0;
    cr_assert_eq(count_crashed(r, &crashed), 0u);
    cr_assert_str_eq(first_text(r, SIM_TRACE_NOTE),
                     "line 3 skipped: expected a leader, found none "
                     "(highest term 0)");
    scn_run_result_free(r);
}

Test(scn_run, plain_reference_without_a_node_fails_the_scenario)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 1s\nat 10ms crash leader\n", NULL);
    cr_assert_not(r->passed);
    const struct scn_failure *f = failure_at(r, 0);
    cr_assert_eq(f->kind, SCN_FAILURE_ACTION);
    cr_assert_eq(f->line, 3u);
    cr_assert_eq(f->time_us, 10000u);
    cr_assert_str_eq(f->message,
                     "expected a leader, found none (highest term 0)");
    char *line = scn_failure_format(r, f);
    cr_assert_str_eq(line,
                     "t.scn:3: at 0.010s crash leader: expected a "
                     "leader, found none (highest term 0)");
    g_free(line);
    scn_run_result_free(r);
}

Test(scn_run, follower_optional_skips_when_only_the_leader_lives)
{
    struct scn_run_result *r =
        sh_run("cluster 1\nrun 1s\nat 1s crash follower?\n", NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->actions_skipped, 1u);
    cr_assert(sim_alive(r->sim, 1));
    scn_run_result_free(r);
}

Test(scn_run, name_bound_by_a_skipped_reference_skips_later_statements)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 2s\n"
        "at 10ms crash leader? as x\n"
        "at 1s restart x\n"
        "at 1s expect role x leader\n"
        "at 1.5s crash x\n",
        NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->actions_skipped, 3u);
    cr_assert_eq(r->checks_skipped, 1u);
    cr_assert_eq(r->checks_passed, 0u);
    uint32_t crashed = 0;
    cr_assert_eq(count_crashed(r, &crashed), 0u);
    scn_run_result_free(r);
}

/* ---- ordering at one instant ------------------------------------------ */

/* docs/scenario-language.md: statements at equal times run in file order,
 * checks included: a check written before an action does not see it, one
 * written after it does. */
Test(scn_run, statements_at_one_time_run_in_file_order_checks_included)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\n"
        "at 10ms timeout n1\n"
        "at 500ms expect leader in n1\n"
        "at 500ms isolate n1\n"
        "at 500ms expect leader\n"
        "at 500ms client set x 1 via n1\n"
        "at 600ms expect completed == 0\n"
        "at 600ms expect role n1 leader\n"
        "at 600ms crash n1\n"
        "at 600ms expect role n1 leader\n",
        NULL);
    cr_assert_eq(r->checks_passed, 3u, "passed %" PRIu64, r->checks_passed);
    cr_assert_eq(r->checks_failed, 2u, "failed %" PRIu64, r->checks_failed);
    /* Failures come in file order too: line 6, then line 11. */
    cr_assert_eq(failure_at(r, 0)->line, 6u);
    cr_assert_str_eq(failure_at(r, 0)->message,
                     "expected a leader, found none (highest term 1)");
    cr_assert_eq(failure_at(r, 1)->line, 11u);
    cr_assert_str_eq(failure_at(r, 1)->message,
                     "expected n1 to be leader, found n1 crashed");
    scn_run_result_free(r);
}

/* ---- windows ----------------------------------------------------------- */

/* n1 leads from about 30ms; every node is crashed at 500ms. */
#define LEADER_THEN_NOTHING                   \
    "cluster 3\nrun 1s\nat 10ms timeout n1\n" \
    "at 500ms crash n1\nat 500ms crash n2\nat 500ms crash n3\n"

Test(scn_run, eventually_passes_when_true_only_between_scripted_times)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\n"
        "at 5ms..1s expect leader\n"
        "at 10ms timeout n1\n"
        "at 500ms crash n1\n"
        "at 500ms crash n2\n"
        "at 500ms crash n3\n",
        NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->checks_passed, 1u);
    cr_assert_eq(r->leaders->len, 1u);
    const struct scn_leader_term *l =
        &g_array_index(r->leaders, struct scn_leader_term, 0);
    cr_assert_eq(l->node, 1u);
    /* The verdict was given at the first event where it held: the one
     * that made n1 leader. */
    size_t n = sim_trace_len(r->sim);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == SIM_TRACE_CHECK) {
            cr_assert(ev[i].ok);
            cr_assert_eq(ev[i].time_us, l->since_us);
            seen = true;
        }
    }
    cr_assert(seen);
    scn_run_result_free(r);
}

Test(scn_run, eventually_fails_at_the_window_end_with_what_it_found)
{
    struct scn_run_result *r =
        sh_run(LEADER_THEN_NOTHING "at 600ms..900ms expect leader\n", NULL);
    cr_assert_not(r->passed);
    cr_assert_eq(r->checks_failed, 1u);
    const struct scn_failure *f = failure_at(r, 0);
    cr_assert_eq(f->kind, SCN_FAILURE_CHECK);
    cr_assert_eq(f->line, 7u);
    cr_assert_eq(f->time_us, 900000u);
    cr_assert_str_eq(f->message,
                     "expected a leader at some point in 0.600s..0.900s, "
                     "found none (highest term 0)");
    scn_run_result_free(r);
}

Test(scn_run, during_fails_at_the_one_event_that_breaks_it)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\n"
        "during 5ms..1s expect no-leader\n"
        "at 10ms timeout n1\n"
        "at 500ms crash n1\nat 500ms crash n2\nat 500ms crash n3\n",
        NULL);
    cr_assert_not(r->passed);
    cr_assert_eq(r->checks_failed, 1u);
    cr_assert_eq(r->leaders->len, 1u);
    const struct scn_leader_term *l =
        &g_array_index(r->leaders, struct scn_leader_term, 0);
    const struct scn_failure *f = failure_at(r, 0);
    cr_assert_eq(f->line, 3u);
    cr_assert_eq(f->time_us, l->since_us);
    cr_assert_str_eq(f->message,
                     "expected no leader throughout 0.005s..1.000s, found n1 "
                     "leading term 1");
    scn_run_result_free(r);
}

Test(scn_run, during_passes_when_it_holds_after_every_event)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 2s\n"
        "at 10ms timeout n1\n"
        "during 100ms..2s expect same-leader\n"
        "during 100ms..2s expect term == 1\n",
        NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->checks_passed, 2u);
    scn_run_result_free(r);
}

Test(scn_run, same_leader_fails_when_the_leader_goes)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 2s\n"
        "at 10ms timeout n1\n"
        "during 100ms..2s expect same-leader\n"
        "at 1s crash n1\n",
        NULL);
    const struct scn_failure *f = failure_at(r, 0);
    cr_assert_eq(f->time_us, 1000000u);
    cr_assert_str_eq(f->message,
                     "expected n1 (term 1) to stay leader throughout "
                     "0.100s..2.000s, found no leader (highest term 1)");
    scn_run_result_free(r);
}

/* ---- every check, pass and fail --------------------------------------- */

/* n1 leads term 1 from about 30ms; x = 1 is written through n1 at 100ms
 * and applied everywhere well before 1s. */
#define SETTLED                                                           \
    "cluster 3\nrun 1s\nat 10ms timeout n1\nat 100ms client set x 1 via " \
    "n1\n"

Test(scn_run, every_check_passes_when_it_holds)
{
    struct scn_run_result *r =
        sh_run(SETTLED
                 "at 1s expect leader\n"
                 "at 1s expect leader in n1 n3\n"
                 "at 1s expect no-leader among n2 n3\n"
                 "at 1s expect role n1 leader\n"
                 "at 1s expect role n2 follower\n"
                 "at 1s expect term == 1\n"
                 "at 1s expect term < 2\n"
                 "at 1s expect applied == 1 on all\n"
                 "at 1s expect applied >= 1 on majority\n"
                 "at 1s expect applied == 1 on n2 n3\n"
                 "at 1s expect value x = 1 on all\n"
                 "at 1s expect absent y on majority\n"
                 "at 1s expect converged\n"
                 "at 1s expect completed == 1\n"
                 "at 1s expect linearizable\n"
                 "at 1s expect no-violation\n",
                 NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->checks_passed, 16u);
    cr_assert_eq(r->checks_failed, 0u);
    cr_assert_eq(r->failures->len, 0u);
    scn_run_result_free(r);
}

struct fail_case
{
    const char *check;
    const char *message;
};

Test(scn_run, every_check_fails_with_what_it_found)
{
    static const struct fail_case cases[] = {
        {"leader in n2 n3", "expected a leader in {n2,n3}, found n1 (term 1)"},
        {"no-leader", "expected no leader, found n1 leading term 1"},
        {"no-leader among n1 n2",
         "expected no leader among {n1,n2}, found n1 leading term 1"},
        {"role n2 leader",
         "expected n2 to be leader, found n2 follower in "
         "term 1"},
        {"role n1 candidate",
         "expected n1 to be candidate, found n1 leader in term 1"},
        {"term >= 2", "expected term >= 2, found term 1"},
        {"term != 1", "expected term != 1, found term 1"},
        {"applied == 2 on all",
         "expected applied == 2 on every live node, found applied n1=1, "
         "n2=1, n3=1"},
        {"applied > 1 on majority",
         "expected applied > 1 on a majority, found 0 of 3 nodes (need 2): "
         "n1=1, n2=1, n3=1"},
        {"applied < 1 on n3",
         "expected applied < 1 on {n3}, found applied n3=1"},
        {"value x = 2 on n2 n3",
         "expected x = \"2\" on {n2,n3}, found n2 has "
         "x = \"1\""},
        {"value y = 1 on all",
         "expected y = \"1\" on every live node, found n1 has no y"},
        {"absent x on majority",
         "expected x absent on a majority, found 0 of 3 nodes (need 2): n1 "
         "has x = \"1\", n2 has x = \"1\", n3 has x = \"1\""},
        {"completed >= 2", "expected completed requests >= 2, found 1"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text =
            g_strdup_printf(SETTLED "at 1s expect %s\n", cases[i].check);
        struct scn_run_result *r = sh_run(text, NULL);
        cr_assert_not(r->passed, "%s", cases[i].check);
        cr_assert_eq(r->checks_failed, 1u);
        const struct scn_failure *f = failure_at(r, 0);
        cr_assert_eq(f->kind, SCN_FAILURE_CHECK);
        cr_assert_eq(f->line, 5u);
        cr_assert_eq(f->time_us, 1000000u);
        cr_assert_str_eq(f->message, cases[i].message);
        scn_run_result_free(r);
        g_free(text);
    }
}

/* A value is shown in double quotes, escaped as the language writes it, so
 * that an empty value, spaces and quotes can be told apart. */
Test(scn_run, values_in_check_failures_are_quoted)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\nat 10ms timeout n1\n"
        "at 100ms client set x \"a \\\"b\\\"\" via n1\n"
        "at 100ms client set y \"\" via n1\n"
        "at 1s expect value x = \"a b\" on n1\n"
        "at 1s expect value y = \" \" on n1\n",
        NULL);
    cr_assert_eq(r->checks_failed, 2u);
    cr_assert_str_eq(failure_at(r, 0)->message,
                     "expected x = \"a b\" on {n1}, found n1 has x = "
                     "\"a \\\"b\\\"\"");
    cr_assert_str_eq(failure_at(r, 1)->message,
                     "expected y = \" \" on {n1}, found n1 has y = \"\"");
    scn_run_result_free(r);
}

Test(scn_run, checks_on_a_crashed_node_fail_naming_it)
{
    struct scn_run_result *r = sh_run(SETTLED
                                        "at 1s crash n3\n"
                                        "at 1s expect role n3 follower\n"
                                        "at 1s expect value x = 1 on n3\n"
                                        "at 1s expect applied == 1 on all\n",
                                        NULL);
    cr_assert_eq(r->checks_failed, 2u);
    cr_assert_eq(r->checks_passed, 1u);
    cr_assert_str_eq(failure_at(r, 0)->message,
                     "expected n3 to be follower, found n3 crashed");
    cr_assert_str_eq(failure_at(r, 1)->message,
                     "expected x = \"1\" on {n3}, found n3 crashed");
    scn_run_result_free(r);
}

Test(scn_run, converged_fails_while_a_node_lags)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\n"
        "at 10ms timeout n1\n"
        "at 100ms isolate n3\n"
        "at 200ms client set x 1 via n1\n"
        "at 1s expect converged\n",
        NULL);
    cr_assert_eq(r->checks_failed, 1u);
    char *want = g_strdup_printf(
        "expected every live node at the same commit index and state, found "
        "commit index n1=%" PRIu64 " (state %04" PRIx64 ") n2=%" PRIu64
        " (state %04" PRIx64 ") n3=%" PRIu64 " (state %04" PRIx64 ")",
        sim_commit_index(r->sim, 1), sim_kv_digest_of(r->sim, 1) & 0xffffu,
        sim_commit_index(r->sim, 2), sim_kv_digest_of(r->sim, 2) & 0xffffu,
        sim_commit_index(r->sim, 3), sim_kv_digest_of(r->sim, 3) & 0xffffu);
    cr_assert_str_eq(failure_at(r, 0)->message, want);
    cr_assert_eq(sim_commit_index(r->sim, 1), 2u);
    cr_assert_eq(sim_commit_index(r->sim, 3), 1u);
    g_free(want);
    scn_run_result_free(r);
}

Test(scn_run, leader_check_reports_none_with_the_highest_term)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 1s\nat 5ms expect leader\n", NULL);
    cr_assert_str_eq(failure_at(r, 0)->message,
                     "expected a leader, found none (highest term 0)");
    char *line = scn_failure_format(r, failure_at(r, 0));
    cr_assert_str_eq(line,
                     "t.scn:3: at 0.005s expected a leader, found none "
                     "(highest term 0)");
    g_free(line);
    scn_run_result_free(r);
}

/* ---- the run as a whole ------------------------------------------------ */

Test(scn_run, the_run_continues_after_a_failure_unless_told_to_stop)
{
    const char *text =
        "cluster 3\nrun 2s\nat 10ms timeout n1\n"
        "at 500ms expect term == 5\n"
        "at 1s expect term == 6\n";
    struct scn_run_result *r = sh_run(text, NULL);
    cr_assert_eq(r->checks_failed, 2u);
    cr_assert_eq(r->end_us, 2000000u);
    scn_run_result_free(r);

    struct scn_run_options o;
    scn_run_options_init(&o);
    o.stop_at_first_failure = true;
    r = sh_run(text, &o);
    cr_assert_eq(r->checks_failed, 1u);
    cr_assert_eq(r->end_us, 500000u);
    scn_run_result_free(r);
}

Test(scn_run, statements_after_the_end_are_reported_and_never_run)
{
    /* The parser refuses such files; a generator may build one. */
    struct scn_scenario *s = sh_parse("cluster 3\nrun 3s\nat 2s crash n1\n");
    s->run_us = 1000000;
    struct scn_run_options o;
    scn_run_options_init(&o);
    struct scn_run_result *r = NULL;
    cr_assert_eq(scn_run(s, &o, &r), SCN_OK);
    scn_scenario_free(s);
    cr_assert(r->passed);
    cr_assert_eq(r->end_us, 1000000u);
    cr_assert_eq(r->warnings->len, 1u);
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 0),
                     "line 3 never ran: it comes after the run's end");
    cr_assert(sim_alive(r->sim, 1));
    scn_run_result_free(r);
}

Test(scn_run, action_errors_fail_or_warn_when_lenient)
{
    const char *text = "cluster 3\nrun 1s\nat 100ms restart n2\n";
    struct scn_run_result *r = sh_run(text, NULL);
    cr_assert_not(r->passed);
    cr_assert_eq(failure_at(r, 0)->kind, SCN_FAILURE_ACTION);
    char *want = g_strdup_printf("restart: %s", sim_strerror(SIM_EALIVE));
    cr_assert_str_eq(failure_at(r, 0)->message, want);
    g_free(want);
    scn_run_result_free(r);

    struct scn_run_options o;
    scn_run_options_init(&o);
    o.lenient_actions = true;
    r = sh_run(text, &o);
    cr_assert(r->passed);
    cr_assert_eq(r->warnings->len, 1u);
    want = g_strdup_printf("line 3 not done: restart: %s",
                           sim_strerror(SIM_EALIVE));
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 0), want);
    g_free(want);
    scn_run_result_free(r);
}

static void count_tick(struct sim *s, uint64_t time_us, void *ctx)
{
    GArray *times = ctx;
    cr_assert_eq(sim_now(s), time_us);
    g_array_append_val(times, time_us);
}

Test(scn_run, ticks_and_pause_points_do_not_change_the_run)
{
    const char *text =
        "cluster 5\nrun 2s\nat 500ms load 100/s for 1s\n"
        "at 1s crash leader\nat 1.2s..2s expect leader\n";
    struct scn_run_result *plain = sh_run(text, NULL);

    GArray *ticks = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    GArray *pauses = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.on_tick = count_tick;
    o.tick_every_us = 300000;
    o.tick_ctx = ticks;
    o.on_pause = count_tick;
    o.pause_at_us = 1234567;
    o.pause_ctx = pauses;
    FILE *trace = tmpfile();
    cr_assert_not_null(trace);
    o.trace_jsonl = trace;
    struct scn_run_result *r = sh_run(text, &o);
    fclose(trace);

    cr_assert(plain->passed);
    cr_assert_eq(r->trace_hash, plain->trace_hash);
    cr_assert_eq(r->events, plain->events);
    static const uint64_t want[] = {0,       300000,  600000, 900000,
                                    1200000, 1500000, 1800000};
    cr_assert_eq(ticks->len, G_N_ELEMENTS(want));
    for (guint i = 0; i < ticks->len; i++)
        cr_assert_eq(g_array_index(ticks, uint64_t, i), want[i]);
    cr_assert_eq(pauses->len, 1u);
    cr_assert_eq(g_array_index(pauses, uint64_t, 0), 1234567u);
    g_array_free(ticks, TRUE);
    g_array_free(pauses, TRUE);
    scn_run_result_free(r);
    scn_run_result_free(plain);
}

Test(scn_run, the_seed_option_replaces_the_files_seed)
{
    const char *text = "cluster 5\nseed 7\nrun 1s\n";
    struct scn_run_result *a = sh_run(text, NULL);
    struct scn_run_result *b = sh_run_seed(text, 7);
    struct scn_run_result *c = sh_run_seed(text, 8);
    cr_assert_eq(a->seed, 7u);
    cr_assert_eq(c->seed, 8u);
    cr_assert_eq(a->trace_hash, b->trace_hash);
    cr_assert_neq(a->trace_hash, c->trace_hash);
    scn_run_result_free(a);
    scn_run_result_free(b);
    scn_run_result_free(c);
}

static void count_invoked(struct sim *s, uint64_t time_us, void *ctx)
{
    (void)time_us;
    *(uint64_t *)ctx = sim_requests_invoked(s);
}

/* `load N writes for D` issues N sets, the k-th at k * D / N. */
Test(scn_run, a_load_of_n_writes_issues_n_sets_spread_over_its_span)
{
    const char *text = "cluster 3\nrun 2s\n"
                       "at 500ms load 10 writes for 100ms via n1\n"
                       "at 1500ms expect completed == 10\n"
                       "at 1500ms expect applied == 10 on all\n";
    uint64_t invoked_by_545ms = 0;
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.on_pause = count_invoked;
    o.pause_at_us = 545000;
    o.pause_ctx = &invoked_by_545ms;
    struct scn_run_result *r = sh_run(text, &o);
    cr_assert(r->passed);
    /* Arrivals at 500, 510, ..., 590ms: five of them by 545ms. */
    cr_assert_eq(invoked_by_545ms, 5);
    cr_assert_eq(sim_requests_invoked(r->sim), 10);
    cr_assert_eq(sim_requests_completed_op(r->sim, SIM_KV_SET), 10);
    scn_run_result_free(r);
}

Test(scn_run, latency_percentiles_come_from_the_history)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 3s\ndelay 10ms 10ms\nat 10ms timeout n1\n"
        "at 1s client set a 1 via n1\nat 2s client set b 2 via n1\n",
        NULL);
    cr_assert_eq(r->requests_invoked, 2u);
    cr_assert_eq(r->requests_completed, 2u);
    const struct sim_history *h = sim_get_history(r->sim);
    const struct sim_op *op0 = sim_history_op(h, 0);
    const struct sim_op *op1 = sim_history_op(h, 1);
    uint64_t d0 = op0->complete_us - op0->invoke_us;
    uint64_t d1 = op1->complete_us - op1->invoke_us;
    uint64_t lo = d0 < d1 ? d0 : d1, hi = d0 < d1 ? d1 : d0;
    cr_assert_eq(r->latency_us_p50, lo);
    cr_assert_eq(r->latency_us_p90, hi);
    cr_assert_eq(r->latency_us_max, hi);
    cr_assert(r->lin_checked);
    cr_assert_eq(r->lin_verdict, SIM_LIN_OK);
    scn_run_result_free(r);
}

/* ---- memory ------------------------------------------------------------ */

static struct scn_run_result *run_unrecorded(const char *text)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    return sh_run(text, &o);
}

Test(scn_run, an_idle_run_without_recording_holds_flat_memory_and_its_report)
{
    struct scn_run_result *short_run = run_unrecorded(
        "cluster 5\nrun 300s\nat 10ms timeout n1\nat 1s expect leader\n");
    struct scn_run_result *long_run = run_unrecorded(
        "cluster 5\nrun 3000s\nat 10ms timeout n1\nat 1s expect leader\n");
    cr_assert_gt(long_run->events, 9 * short_run->events);
    cr_assert_eq(sim_trace_len(long_run->sim), 0u);
    cr_assert_leq(long_run->memory_bytes, short_run->memory_bytes + 1024,
                  "%" PRIu64 " bytes after 3000s, %" PRIu64 " after 300s",
                  long_run->memory_bytes, short_run->memory_bytes);
    /* The report does not need the recorded trace. */
    cr_assert_eq(long_run->leaders->len, 1u);
    const struct scn_leader_term *l =
        &g_array_index(long_run->leaders, struct scn_leader_term, 0);
    cr_assert_eq(l->node, 1u);
    cr_assert_eq(l->term, 1u);
    cr_assert_eq(long_run->notes->len, 1u);
    const struct scn_run_note *n = g_ptr_array_index(long_run->notes, 0);
    cr_assert(n->is_check && n->ok);
    cr_assert_eq(n->time_us, 1000000u);
    cr_assert_str_eq(n->text, "line 4: expected a leader");
    scn_run_result_free(short_run);
    scn_run_result_free(long_run);
}

/* ---- budgets ----------------------------------------------------------- */

#define LOADED_FOR_AN_HOUR \
    "cluster 5\nrun 3600s\nat 10ms timeout n1\nat 1s load 500/s for 3599s\n"

static struct scn_run_result *run_with_budget(const char *text,
                                              const struct scn_budget *b)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.budget = *b;
    return sh_run(text, &o);
}

Test(scn_run, a_run_over_its_event_budget_stops_after_one_event_more)
{
    struct scn_budget b;
    scn_budget_init(&b);
    b.max_events = 5000;
    struct scn_run_result *r = run_with_budget(LOADED_FOR_AN_HOUR, &b);
    cr_assert_eq(r->budget_exceeded, SCN_BUDGET_EVENTS);
    cr_assert_eq(r->events, 5001u);
    cr_assert_not(r->passed);
    cr_assert_not(r->lin_checked, "a cut-short history is not judged");
    const struct scn_failure *f = failure_at(r, 0);
    cr_assert_eq(f->kind, SCN_FAILURE_BUDGET);
    cr_assert_str_eq(f->message, "the run exceeded its budget of 5000 events");
    cr_assert_eq(f->time_us, r->end_us);
    cr_assert_lt(r->end_us, UINT64_C(3600000000));
    /* The same budget stops the same run at the same event. */
    struct scn_run_result *again = run_with_budget(LOADED_FOR_AN_HOUR, &b);
    cr_assert_eq(again->end_us, r->end_us);
    cr_assert_eq(again->trace_hash, r->trace_hash);
    scn_run_result_free(again);
    scn_run_result_free(r);
}

Test(scn_run, a_run_over_its_memory_budget_stops_at_the_next_poll)
{
    struct scn_budget b;
    scn_budget_init(&b);
    b.max_memory_bytes = 4u << 20;
    struct scn_run_result *r = run_with_budget(LOADED_FOR_AN_HOUR, &b);
    cr_assert_eq(r->budget_exceeded, SCN_BUDGET_MEMORY);
    cr_assert_gt(r->memory_bytes, b.max_memory_bytes);
    cr_assert_eq(r->events % SCN_BUDGET_POLL_EVENTS, 0u);
    cr_assert_eq(failure_at(r, 0)->kind, SCN_FAILURE_BUDGET);
    cr_assert_not(r->passed);
    scn_run_result_free(r);
}

static bool interrupt_on_third_call(void *ctx)
{
    unsigned *calls = ctx;
    return ++*calls == 3;
}

Test(scn_run, the_hosts_interrupt_is_polled_and_stops_the_run)
{
    unsigned calls = 0;
    struct scn_budget b;
    scn_budget_init(&b);
    b.interrupt = interrupt_on_third_call;
    b.interrupt_ctx = &calls;
    struct scn_run_result *r = run_with_budget(LOADED_FOR_AN_HOUR, &b);
    cr_assert_eq(calls, 3u);
    cr_assert_eq(r->budget_exceeded, SCN_BUDGET_INTERRUPTED);
    cr_assert_leq(r->events, 2u * SCN_BUDGET_POLL_EVENTS);
    cr_assert_str_eq(failure_at(r, 0)->message,
                     "the run was interrupted by its host");
    scn_run_result_free(r);
}

Test(scn_run, a_run_within_its_budget_is_not_stopped)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\nrun 1s\nat 10ms timeout n1\nat 1s expect leader\n", NULL);
    cr_assert_eq(r->budget_exceeded, SCN_BUDGET_NONE);
    cr_assert(r->passed);
    cr_assert_gt(r->memory_bytes, 0u);
    scn_run_result_free(r);
}

Test(scn_run, format_time_uses_milliseconds_or_microseconds)
{
    GString *t = g_string_new(NULL);
    sim_time_text_human(t, 2000000);
    cr_assert_str_eq(t->str, "2.000s");
    g_string_truncate(t, 0);
    sim_time_text_human(t, 2000150);
    cr_assert_str_eq(t->str, "2.000150s");
    g_string_truncate(t, 0);
    sim_time_text_human(t, 0);
    cr_assert_str_eq(t->str, "0.000s");
    g_string_free(t, TRUE);
}

/* ---- settle --------------------------------------------------------------- */

Test(settle, undoes_every_fault_and_passes_on_a_healthy_core)
{
    /* n1 crashed, n2 paused far past the end, n3 cut off and drifting, a
     * lossy network: settle at 2s must bring all of it back. */
    struct scn_run_result *r = sh_run("cluster 5\n"
                                        "run 6s\n"
                                        "drop 20%\n"
                                        "at 500ms crash n1\n"
                                        "at 600ms pause n2 for 100s\n"
                                        "at 700ms isolate n3\n"
                                        "at 700ms drift n3 1.5\n"
                                        "at 1s client set x 1 via n4\n"
                                        "at 2s settle\n", NULL);
    cr_assert(r->passed, "%s",
              r->failures->len
                  ? ((struct scn_failure *)g_ptr_array_index(r->failures, 0))
                        ->message
                  : "");
    cr_assert_eq(r->checks_passed, 1);
    for (uint32_t id = 1; id <= 5; id++) {
        cr_assert(sim_alive(r->sim, id), "n%u down", id);
        cr_assert_not(sim_paused(r->sim, id), "n%u paused", id);
    }
    cr_assert(sim_connected(r->sim, 3, 1));
    cr_assert_eq(sim_requests_completed(r->sim), 1);
    scn_run_result_free(r);
}

Test(settle, fails_as_liveness_when_no_leader_is_stable_by_its_bound)
{
    /* A leader must stay in step for two election timeouts (600ms here):
     * a 100ms bound can never be met. */
    struct scn_run_result *r = sh_run("cluster 3\n"
                                        "run 3s\n"
                                        "at 1s settle within 100ms\n", NULL);
    cr_assert_not(r->passed);
    cr_assert_eq(r->failures->len, 1);
    const struct scn_failure *f = g_ptr_array_index(r->failures, 0);
    cr_assert_eq(f->kind, SCN_FAILURE_LIVENESS);
    cr_assert_eq(f->line, 3);
    cr_assert_eq(f->time_us, 1100000);
    cr_assert(strstr(f->message, "no stable leader within 100ms of settling "
                                 "at 1.000s") != NULL,
              "%s", f->message);
    scn_run_result_free(r);
}

Test(settle, waits_for_requests_issued_before_it)
{
    /* The only request goes to n1, paused until long after the bound: the
     * client gives up on it only after its 5s timeout, so the request is
     * still pending at the deadline unless settle resumes n1. With the
     * resume, it completes and settle passes. */
    const char *text = "cluster 3\n"
                       "run 4s\n"
                       "client-timeout 5s\n"
                       "at 500ms pause n1 for 30s\n"
                       "at 600ms client set x 1 via n1\n"
                       "at 1s settle within 2s\n";
    struct scn_run_result *r = sh_run(text, NULL);
    cr_assert(r->passed);
    cr_assert_eq(sim_requests_completed(r->sim), 1);
    scn_run_result_free(r);

    /* Without the pause ending, the same request stays pending. */
    r = sh_run("cluster 3\n"
                 "run 4s\n"
                 "client-timeout 5s\n"
                 "at 500ms crash n1\n"
                 "at 600ms client set x 1 via n1\n"
                 "at 1s settle within 2s\n", NULL);
    /* A crashed n1 drops the request; the client only retries after 5s,
     * beyond the bound: liveness fails and says why. */
    cr_assert_not(r->passed);
    const struct scn_failure *f = g_ptr_array_index(r->failures, 0);
    cr_assert_eq(f->kind, SCN_FAILURE_LIVENESS);
    cr_assert(strstr(f->message, "1 request issued by 1.000s still pending"),
              "%s", f->message);
    scn_run_result_free(r);
}

Test(settle, default_bound_is_ten_election_timeouts_and_two_client_timeouts)
{
    struct scn_scenario *s = sh_parse("cluster 3\n"
                                        "election-timeout 100ms 200ms\n"
                                        "client-timeout 300ms\n"
                                        "at 1s settle\n");
    cr_assert_eq(scn_settle_bound_us(s), 10 * 200000 + 2 * 300000);
    cr_assert_eq(scn_settle_stable_us(s), 2 * 200000);
    scn_scenario_free(s);
}

Test(settle, prints_back_to_the_same_statement)
{
    struct scn_scenario *s = sh_parse("cluster 3\n"
                                        "at 1s settle\n"
                                        "at 2s settle within 1.5s\n");
    GString *out = g_string_new(NULL);
    scn_print(s, out);
    cr_assert(strstr(out->str, "at 1s settle\n") != NULL, "%s", out->str);
    cr_assert(strstr(out->str, "at 2s settle within 1500ms\n") != NULL, "%s",
              out->str);
    struct scn_scenario *back = sh_parse(out->str);
    cr_assert(scn_scenario_equal(s, back));
    scn_scenario_free(back);
    scn_scenario_free(s);
    g_string_free(out, TRUE);
}

Test(settle, is_refused_in_a_window_and_with_a_bad_bound)
{
    const char *bad[] = {
        "cluster 3\nat 1s..2s settle\n",
        "cluster 3\nat 1s settle within\n",
        "cluster 3\nat 1s settle within 0s\n",
        "cluster 3\nat 1s settle for 2s\n",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        GPtrArray *diags = scn_diags_new();
        struct scn_scenario *s = NULL;
        int rc = scn_parse_buffer("t.scn", bad[i], strlen(bad[i]), &s, diags);
        cr_assert_neq(rc, SCN_OK, "accepted: %s", bad[i]);
        cr_assert_gt(diags->len, 0);
        g_ptr_array_free(diags, TRUE);
    }
}
