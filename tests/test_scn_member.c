/* test_scn_member.c: scenarios change the cluster's membership and
 * hand leadership over through the operator, end to end: spare nodes stay
 * outside the configuration until added, a removed leader steps down once
 * its removal commits (thesis §4.2.2), learners are promoted, transfers
 * complete under load (thesis §3.10), requests refused for now are retried
 * every heartbeat and traced, requests refused as invalid are traced once
 * and given up, and a node restarted from a snapshot keeps the
 * configuration the snapshot covers (thesis §5.1).
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "tests/support/scn_harness.h"

/* The operator's trace events, in order. */
static GPtrArray *operator_events(const struct scn_run_result *r)
{
    GPtrArray *out = g_ptr_array_new();
    size_t n = sim_trace_len(r->sim);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == SIM_TRACE_OPERATOR)
            g_ptr_array_add(out, (gpointer)&ev[i]);
    return out;
}

/* Whether ids[0..n) holds exactly the nodes 1..count. */
static bool is_first_nodes(const uint64_t *ids, size_t n, size_t count)
{
    if (n != count)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ids[i] < 1 || ids[i] > count)
            return false;
    return true;
}

Test(membership_run, spares_stay_outside_until_added_and_grow_3_to_5)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 2\n"
        "run 5s\n"
        "at 1s expect config voters n1 n2 n3\n"
        "at 1s load 100/s for 3s\n"
        "at 1s client set x 1\n"
        "at 1.5s expect value x = 1 on all\n"
        "at 1.5s expect absent x on n4 n5\n"
        "at 1.5s expect applied == 0 on n4 n5\n"
        "at 2s add n4\n"
        "at 2s add n5\n"
        "at 2s..3s expect config voters n1 n2 n3 n4 n5\n"
        "at 4.5s expect value x = 1 on n4 n5\n"
        "at 4.5s expect converged\n"
        "at 4.5s expect not-joint\n", NULL);
    sh_assert_passed(r);
    GPtrArray *ops = operator_events(r);
    cr_assert_geq(ops->len, 3, "n5 is refused while n4's change is open");
    const struct sim_trace_event *first = g_ptr_array_index(ops, 0);
    const struct sim_trace_event *second = g_ptr_array_index(ops, 1);
    cr_assert(first->ok);
    cr_assert(g_str_has_prefix(first->text, "add n4: accepted by n"), "%s",
              first->text);
    cr_assert_gt(first->index, 0);
    cr_assert_not(second->ok, "%s", second->text);
    g_ptr_array_free(ops, TRUE);
    scn_run_result_free(r);
}

Test(membership_run, a_removed_leader_steps_down_once_its_removal_commits)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 2\n"
        "run 5s\n"
        "at 1s add n4\n"
        "at 1s add n5\n"
        "at 2s expect config voters n1 n2 n3 n4 n5\n"
        "at 2s load 50/s for 2s\n"
        "at 2.5s remove leader as old\n"
        "at 2.5s..4s expect no-leader among old\n"
        "at 4s expect leader\n"
        "at 4s expect role old follower\n"
        "at 4.9s expect applied >= 60 on all\n"
        "at 4.9s expect converged\n", NULL);
    sh_assert_passed(r);
    /* The removed leader is alive, out of the configuration, and never
     * campaigns again: the new leader's configuration has 4 voters. */
    uint32_t leader = sim_current_leader(r->sim);
    struct raft_configuration c;
    uint64_t index;
    cr_assert(sim_node_config(r->sim, leader, &c, &index));
    cr_assert_eq(c.n_voters, 4);
    scn_run_result_free(r);
}

Test(membership_run, a_learner_is_promoted_to_voter)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 1\n"
        "run 4s\n"
        "at 1s client set x 1\n"
        "at 1s add n4 as learner\n"
        "at 1.5s expect learners n4\n"
        "at 1.5s expect config voters n1 n2 n3 learners n4\n"
        "at 1.5s expect value x = 1 on n4\n"
        "at 2s promote n4\n"
        "at 2.5s expect learners none\n"
        "at 2.5s expect config voters n1 n2 n3 n4\n"
        "at 3s demote n4\n"
        "at 3.5s expect config voters n1 n2 n3 learners n4\n", NULL);
    sh_assert_passed(r);
    scn_run_result_free(r);
}

Test(membership_run, joint_explicit_stays_joint_until_leave_joint)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 2\n"
        "run 4s\n"
        "at 1s change joint-explicit add n4, add n5, remove n1\n"
        "at 1.5s expect joint\n"
        "at 1.5s expect config voters n2 n3 n4 n5\n"
        "at 2s leave-joint\n"
        "at 2.5s expect not-joint\n"
        "at 2.5s expect config voters n2 n3 n4 n5\n", NULL);
    sh_assert_passed(r);
    scn_run_result_free(r);
}

Test(membership_run, leadership_moves_to_the_target_under_load)
{
    struct scn_run_result *r = sh_run(
        "cluster 5\n"
        "run 4s\n"
        "at 1s expect leader in n1 n2 n3 n4\n"
        "at 1s load 200/s for 2s\n"
        "at 1.5s transfer-leadership to n5\n"
        "at 1.5s..2s expect leader in n5\n"
        "at 3.9s expect converged\n"
        "at 3.9s expect linearizable\n", NULL);
    sh_assert_passed(r);
    GPtrArray *ops = operator_events(r);
    const struct sim_trace_event *e = g_ptr_array_index(ops, 0);
    cr_assert(e->ok, "%s", e->text);
    cr_assert_eq(e->peer, 5);
    g_ptr_array_free(ops, TRUE);
    scn_run_result_free(r);
}

/* Thesis §3.10: a leader refuses proposals while it hands leadership over
 * (RAFT_EBUSY). Its refusal names the target, and the client asks the
 * target one heartbeat later, by when the target leads: the write completes
 * well before the client timeout (500ms) would have let it try again. */
Test(membership_run, a_client_refused_during_a_transfer_retries_at_the_target)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\n"
        "run 2s\n"
        "at 0s timeout n1\n"
        "at 0.5s set delay 30ms 40ms\n"
        "at 1s transfer-leadership to n3\n"
        "at 1s client set x 1 via n1\n"
        "at 1.4s expect completed == 1\n"
        "at 1.4s expect leader in n3\n", NULL);
    sh_assert_passed(r);
    scn_run_result_free(r);
}

/* Without a leader (before the first election) and while the previous
 * change is uncommitted (RAFT_EBUSY), the operator retries every
 * heartbeat and traces each attempt. */
Test(membership_run, a_refused_request_is_retried_every_heartbeat)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 2\n"
        "run 2s\n"
        "at 0s add n4\n"
        "at 1.5s expect config voters n1 n2 n3 n4\n", NULL);
    sh_assert_passed(r);
    GPtrArray *ops = operator_events(r);
    cr_assert_geq(ops->len, 2);
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_trace_event *e = g_ptr_array_index(ops, i);
        bool last = i + 1 == ops->len;
        cr_assert_eq(e->ok, last, "%s", e->text);
        cr_assert_eq(e->count, i + 1);
        cr_assert_eq(e->time_us, i * 50000, "attempt %u", i + 1);
        if (!last)
            cr_assert(strstr(e->text, "retried") != NULL, "%s", e->text);
    }
    g_ptr_array_free(ops, TRUE);
    scn_run_result_free(r);
}

/* A request the core refuses for good (RAFT_EINVAL: `promote` of a node
 * that is no learner, here a spare and a voter) is traced once, as refused
 * and not retried, and changes nothing; the engine hands `promote` to the
 * core as a promotion, not as an addition. */
Test(membership_run, a_request_refused_as_invalid_is_given_up_at_once)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 1\n"
        "run 3s\n"
        "at 1s promote n4\n"
        "at 1s promote n2\n"
        "at 2.5s expect config voters n1 n2 n3\n", NULL);
    sh_assert_passed(r);
    GPtrArray *ops = operator_events(r);
    cr_assert_eq(ops->len, 2);
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_trace_event *e = g_ptr_array_index(ops, i);
        cr_assert_not(e->ok, "%s", e->text);
        cr_assert_eq(e->count, 1);
        cr_assert(strstr(e->text, "refused by n") != NULL, "%s", e->text);
        cr_assert(strstr(e->text, "invalid") != NULL, "%s", e->text);
        cr_assert(strstr(e->text, "retried") == NULL, "%s", e->text);
    }
    g_ptr_array_free(ops, TRUE);
    scn_run_result_free(r);
}

/* Thesis §5.1: a snapshot replaces the configuration entries it covers, so
 * it carries the configuration; a node restarted from it must know it.
 * Every node restarts at once here, after snapshots covered both adds: a
 * node that fell back to the bootstrap configuration would count n1..n3
 * only. */
Test(membership_run, a_node_restarted_from_a_snapshot_keeps_its_configuration)
{
    static const char text[] =
        "cluster 3 spare 2\n"
        "snapshot-every 5\n"
        "run 3s\n"
        "at 1s add n4\n"
        "at 1s add n5\n"
        "at 1.5s load 40 writes for 0.5s\n"
        "at 2.5s expect applied == 40 on all\n"
        "at 2.9s crash n1\nat 2.9s crash n2\nat 2.9s crash n3\n"
        "at 2.9s crash n4\nat 2.9s crash n5\n"
        "at 3s restart n1\nat 3s restart n2\nat 3s restart n3\n"
        "at 3s restart n4\nat 3s restart n5\n";
    struct scn_run_result *r = sh_run(text, NULL);
    sh_assert_passed(r);
    for (uint32_t id = 1; id <= 5; id++) {
        struct raft_configuration c;
        uint64_t index;
        cr_assert_gt(sim_snapshot_index(r->sim, id), 5, "n%u", id);
        cr_assert(sim_node_config(r->sim, id, &c, &index));
        cr_assert_eq(index, 0, "n%u: the configuration is the snapshot's", id);
        cr_assert(is_first_nodes(c.voters, c.n_voters, 5),
                  "n%u knows %zu voters", id, c.n_voters);
    }
    scn_run_result_free(r);
}

/* Spares are not members: `follower` and `any` never pick one, `all` and
 * `majority` count the configuration's members and voters only, and
 * clients never send to one. */
Test(membership_run, references_scopes_and_clients_ignore_spares)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        char *text = g_strdup_printf(
            "cluster 2 spare 3\n"
            "seed %" PRIu64
            "\n"
            "run 2s\n"
            "at 1s pause follower for 5s\n"
            "at 1s pause any? for 5s\n"
            "at 1s isolate n1\n"
            "at 1s isolate n2\n",
            seed);
        struct scn_run_result *r = sh_run(text, NULL);
        g_free(text);
        for (uint32_t id = 3; id <= 5; id++)
            cr_assert_not(sim_paused(r->sim, id), "seed %" PRIu64 ": n%u", seed,
                          id);
        cr_assert(sim_paused(r->sim, 1) || sim_paused(r->sim, 2));
        scn_run_result_free(r);
    }
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 2\n"
        "run 3s\n"
        "at 1s load 100/s for 1s\n"
        "at 1s client set x 1\n"
        "at 1.5s crash n3\n"
        "at 2.5s expect value x = 1 on all\n"
        "at 2.5s expect value x = 1 on majority\n"
        "at 2.5s expect converged\n", NULL);
    sh_assert_passed(r);
    size_t n = sim_trace_len(r->sim);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == SIM_TRACE_CLIENT_SEND)
            cr_assert_leq(ev[i].node, 3, "a client wrote to spare n%u",
                          ev[i].node);
    scn_run_result_free(r);
}

/* settle restarts the crashed members of the configuration only: a removed
 * node stays down (thesis §4.2.3: restarted with a stale configuration it
 * would campaign and disrupt the cluster). */
Test(membership_run, settle_restarts_members_and_leaves_a_removed_node_down)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 1\n"
        "run 8s\n"
        "at 1s add n4\n"
        "at 2s remove n1\n"
        "at 2.5s expect config voters n2 n3 n4\n"
        "at 2.5s crash n1\n"
        "at 2.5s crash n2\n"
        "at 3s settle\n", NULL);
    sh_assert_passed(r);
    cr_assert_not(sim_alive(r->sim, 1), "the removed n1 was restarted");
    cr_assert(sim_alive(r->sim, 2), "the member n2 was not restarted");
    scn_run_result_free(r);
}

/* During the liveness phase no fault outlives its start: a member found
 * down after any event restarts, here a node that a pending request adds
 * back after settle started, while it was down. */
Test(membership_run, settle_restarts_a_node_added_back_while_down)
{
    struct scn_run_result *r = sh_run(
        "cluster 3 spare 1\n"
        "run 8s\n"
        "prevote on\n"
        "at 1s add n4\n"
        "at 2s remove n4\n"
        "at 2.5s expect config voters n1 n2 n3\n"
        "at 2.6s crash n4\n"
        "at 3s settle\n"
        "at 3.1s add n4\n", NULL);
    sh_assert_passed(r);
    cr_assert(sim_alive(r->sim, 4), "the member n4 was left down");
    scn_run_result_free(r);
}

/* No fault outlives the start of the phase: a trigger armed before it is
 * disarmed. n2 restarts at 2s and acknowledges appends, but the crash its
 * trigger waited for never comes; the trigger is reported as never fired. */
Test(membership_run, settle_disarms_a_trigger_armed_before_it)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\n"
        "run 6s\n"
        "at 1s crash n2\n"
        "at 1.5s when n2 acks-append crash n2\n"
        "at 2s settle\n", NULL);
    sh_assert_passed(r);
    cr_assert(sim_alive(r->sim, 2), "n2 was left down");
    size_t crashes = 0;
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = 0; i < sim_trace_len(r->sim); i++)
        crashes += ev[i].kind == SIM_TRACE_CRASH;
    cr_assert_eq(crashes, 1, "the disarmed trigger crashed n2");
    cr_assert_eq(r->warnings->len, 1);
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 0),
                     "line 4: 'when' never fired: no acks-append seen before "
                     "the settle of line 5 disarmed it");
    scn_run_result_free(r);
}

/* The members settle restarts include the voters that a live voter of the
 * configuration needs to be elected (thesis §4.2.2). n1 leads, leaves the
 * joint configuration {n2} + {n1 n2} for {n2} (n3 a learner throughout),
 * and crashes before n2 received that entry: n3, the most up-to-date live
 * node, holds {n2}, where n1 is no member, but n2 still counts the joint
 * configuration and cannot win without n1's vote. Left down, n1 would keep
 * the cluster leaderless for good; restarted, it campaigns (it may: the
 * entry that removes it is not committed), commits the entry through n2,
 * steps down, and n2 leads alone. */
Test(membership_run, settle_restarts_a_removed_voter_a_member_still_needs)
{
    struct scn_run_result *r = sh_run(
        "cluster 3\n"
        "run 8s\n"
        "prevote on\n"
        "checkquorum on\n"
        "at 0s timeout n1\n"
        "at 200ms demote n3\n"
        "at 500ms change joint-explicit remove n1\n"
        "at 1s leave-joint\n"
        "at 1000500us cut n1 -> n2\n"
        "at 1100ms crash n1\n"
        "at 2s settle\n"
        "at 7s expect config voters n2 learners n3\n"
        "at 7s expect leader in n2\n", NULL);
    sh_assert_passed(r);
    scn_run_result_free(r);
}
