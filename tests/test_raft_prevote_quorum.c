/* test_raft_prevote_quorum.c: the two liveness guards of thesis §9.6
 * (PreVote) and §6.2 (CheckQuorum), each shown with and without the option so
 * that every test can fail.
 */
#include <criterion/criterion.h>

#include "tests/support/raft_harness.h"


static struct raft_config config(bool pre_vote, bool check_quorum)
{
    struct raft_config c = rh_config(31);
    c.pre_vote = pre_vote;
    c.check_quorum = check_quorum;
    return c;
}

/* Three nodes, node 1 elected leader of term 1 at time 0 and heard by all
 * until `until`. */
static struct rh *cluster_led_by_1(bool pre_vote,
                                   bool check_quorum,
                                   uint64_t until)
{
    struct raft_config c = config(pre_vote, check_quorum);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, until);
    cr_assert_eq(rh_leader(h), 1);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    cr_assert_eq(h->n_elections, 1);
    return h;
}

/* Node 3 is cut off for ten maximal election timeouts, then rejoins. */
static struct rh *isolate_3_then_rejoin(bool pre_vote,
                                        uint64_t *term_while_away)
{
    struct rh *h = cluster_led_by_1(pre_vote, false, 1000);
    rh_isolate(h, 3);
    rh_run_until(h, 1000 + 10 * RH_ELECTION_MAX);
    *term_while_away = raft_term(rh_core(h, 3));
    rh_heal(h);
    rh_run_until(h, h->now + 3 * RH_ELECTION_MAX);
    return h;
}

Test(raft_prevote, isolated_node_rejoins_without_raising_any_term_with_pre_vote)
{
    uint64_t away = 0;
    struct rh *h = isolate_3_then_rejoin(true, &away);
    cr_assert_eq(away, 1);
    for (uint64_t id = 1; id <= 3; id++) {
        cr_assert_eq(raft_term(rh_core(h, id)), 1, "node %llu",
                     (unsigned long long)id);
        cr_assert_eq(raft_leader(rh_core(h, id)), 1);
    }
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(h->n_elections, 1);
    cr_assert(rh_logs_equal(h, 1, 3));
    rh_free(h);
}

Test(raft_prevote,
     isolated_node_raises_the_term_and_deposes_the_leader_without_pre_vote)
{
    uint64_t away = 0;
    struct rh *h = isolate_3_then_rejoin(false, &away);
    /* At least one election per maximal timeout while away. */
    cr_assert_geq(away, 1 + 10);
    cr_assert_geq(raft_term(rh_core(h, 1)), away);
    cr_assert_geq(h->n_elections, 2);
    cr_assert(rh_election_safety_holds(h));
    rh_free(h);
}

Test(raft_prevote, pre_vote_is_refused_by_a_follower_that_hears_its_leader)
{
    /* Node 3 loses only its link to the leader. Node 2 still hears the
     * leader, so it refuses node 3's pre-votes though node 3's log is as
     * up to date as its own (thesis §9.6, disruptive servers §4.2.3). */
    struct rh *h = cluster_led_by_1(true, false, 1000);
    cr_assert(rh_logs_equal(h, 2, 3));
    rh_cut(h, 1, 3);
    rh_run_until(h, 1000 + 10 * RH_ELECTION_MAX);
    cr_assert_gt(h->sent[RAFT_MSG_PRE_VOTE], 0);
    cr_assert_eq(h->sent[RAFT_MSG_REQUEST_VOTE], 2);
    for (uint64_t id = 1; id <= 3; id++) {
        cr_assert_eq(raft_term(rh_core(h, id)), 1, "node %llu",
                     (unsigned long long)id);
    }
    cr_assert_eq(rh_leader(h), 1);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 1);
    cr_assert_eq(h->n_elections, 1);
    rh_free(h);
}

Test(raft_prevote, pre_vote_is_granted_once_the_leader_is_gone)
{
    /* The same pre-votes succeed when the leader has really crashed, and
     * only then does a real election raise the term. */
    struct rh *h = cluster_led_by_1(true, false, 1000);
    rh_crash(h, 1);
    rh_run_until(h, 1000 + 3 * RH_ELECTION_MAX);
    uint64_t leader = rh_leader(h);
    cr_assert(leader == 2 || leader == 3);
    cr_assert_eq(raft_term(rh_core(h, leader)), 2);
    cr_assert_eq(h->n_elections, 2);
    rh_free(h);
}

#define CUT_AT 5000

/* The leader checks at every heartbeat whether a majority answered within the
 * last minimal election timeout. Its last answers arrived at most one
 * heartbeat before the cut, so it steps down within one minimal election
 * timeout plus one heartbeat of the cut, and not before a full timeout of
 * silence. */
Test(raft_check_quorum,
     leader_cut_off_from_a_majority_steps_down_within_one_election_timeout)
{
    struct rh *h = cluster_led_by_1(false, true, CUT_AT);
    rh_isolate(h, 1);
    rh_run_until(h, CUT_AT + 3 * RH_ELECTION_MAX);
    cr_assert_neq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    uint64_t stepped_down_at = h->nodes[1].stepped_down_at;
    cr_assert_geq(stepped_down_at, CUT_AT + RH_ELECTION_MIN - RH_HEARTBEAT,
                  "stepped down %lld after the cut",
                  (long long)stepped_down_at - CUT_AT);
    cr_assert_leq(stepped_down_at, CUT_AT + RH_ELECTION_MIN + RH_HEARTBEAT,
                  "stepped down %lld after the cut",
                  (long long)stepped_down_at - CUT_AT);
    rh_free(h);
}

Test(raft_check_quorum, leader_cut_off_stays_leader_without_check_quorum)
{
    struct rh *h = cluster_led_by_1(false, false, CUT_AT);
    rh_isolate(h, 1);
    rh_run_until(h, CUT_AT + 3 * RH_ELECTION_MAX);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    cr_assert_eq(h->nodes[1].stepped_down_at, 0);
    rh_free(h);
}

Test(raft_check_quorum, leader_heard_by_a_majority_keeps_leading)
{
    struct rh *h = cluster_led_by_1(false, true, CUT_AT);
    /* One follower lost is still a majority with the leader. */
    rh_isolate(h, 3);
    rh_run_until(h, CUT_AT + 10 * RH_ELECTION_MAX);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    cr_assert_eq(h->nodes[1].stepped_down_at, 0);
    rh_free(h);
}

/* Any message of a peer in the leader's term shows the peer up, a request
 * as much as a reply: here forwarded ReadIndex requests of node 2, handed
 * to the cut-off leader directly, are all it hears, and keep a majority. */
Test(raft_check_quorum,
     a_request_from_a_peer_in_the_leaders_term_counts_as_heard)
{
    struct rh *h = cluster_led_by_1(false, true, CUT_AT);
    rh_isolate(h, 1);
    struct raft_message m = {
        .type = RAFT_MSG_READ_INDEX, .from = 2, .to = 1, .term = 1};
    for (uint64_t t = CUT_AT; t < CUT_AT + 3 * RH_ELECTION_MAX;
         t += RH_HEARTBEAT) {
        rh_run_until(h, t);
        m.read_forward.id = t;
        cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    }
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(h->nodes[1].stepped_down_at, 0);
    rh_free(h);
}
