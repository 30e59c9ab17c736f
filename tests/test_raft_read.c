/* test_raft_read.c: reads without the log (thesis §6.4 ReadIndex, §6.4.1
 * lease reads, and the voters' side of the lease across restarts and
 * transfers) on real cores through tests/support/raft_harness.h.
 */
#include <criterion/criterion.h>

#include "tests/support/raft_harness.h"

/* rh_config() with CheckQuorum and a lease drift bound, which leases need. */
static struct raft_config read_config(void)
{
    struct raft_config c = rh_config(31);
    c.check_quorum = true;
    c.lease_drift_bound = 200;
    return c;
}

static struct rh *cluster(void)
{
    struct raft_config c = read_config();
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    return h;
}

Test(raft_read, a_read_index_is_served_once_a_majority_confirms_leadership)
{
    struct rh *h = cluster();
    uint64_t cmd;
    cr_assert_eq(rh_propose(h, 1, 5, &cmd), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(rh_read_index(h, 1, 77), RAFT_OK);
    cr_assert_eq(h->nodes[1].n_reads, 0, "not before a heartbeat round");
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 0), 2);
    rh_cut(h, 1, 3);
    rh_deliver_all(h);
    cr_assert_eq(h->nodes[1].n_reads, 1, "node 2 and the leader: a majority");
    cr_assert_eq(h->nodes[1].reads[0].id, 77);
    cr_assert_eq(h->nodes[1].reads[0].index, cmd);
    rh_free(h);
}

Test(raft_read, a_read_index_is_never_served_without_a_majority)
{
    struct rh *h = cluster();
    rh_isolate(h, 1);
    cr_assert_eq(rh_read_index(h, 1, 1), RAFT_OK);
    rh_run_until(h, h->now + 900);
    cr_assert_eq(h->nodes[1].n_reads, 0);
    rh_free(h);
}

Test(raft_read, heartbeats_sent_before_the_read_do_not_confirm_it)
{
    struct rh *h = cluster();
    rh_advance_to(h, h->now + 100); /* a heartbeat round leaves */
    size_t old = rh_pending(h);
    cr_assert_eq(old, 2);
    cr_assert_eq(rh_read_index(h, 1, 9), RAFT_OK);
    /* Answers to the earlier round come back first. */
    rh_deliver(h, 0);
    rh_deliver(h, 0);
    while (rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, 1) >= 0) {
        rh_deliver(h, (size_t)rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, 1));
    }
    cr_assert_eq(h->nodes[1].n_reads, 0);
    rh_deliver_all(h);
    cr_assert_eq(h->nodes[1].n_reads, 1);
    rh_free(h);
}

Test(raft_read, a_new_leader_serves_reads_only_after_committing_its_noop)
{
    struct raft_config c = read_config();
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    while (rh_find(h, RAFT_MSG_APPEND_ENTRIES, 0, 0) < 0 && rh_pending(h) > 0) {
        rh_deliver(h, 0);
    }
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    uint64_t index;
    cr_assert_eq(rh_read_index(h, 1, 1), RAFT_EBUSY);
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EBUSY);
    rh_deliver_all(h);
    cr_assert_eq(rh_read_index(h, 1, 1), RAFT_OK);
    cr_assert_eq(rh_read_index(h, 2, 1), RAFT_OK, "a follower forwards");
    rh_free(h);
}

Test(raft_read, a_deposed_leader_fails_its_pending_reads)
{
    struct rh *h = cluster();
    rh_isolate(h, 1);
    cr_assert_eq(rh_read_index(h, 1, 4), RAFT_OK);
    rh_drop_all(h);
    rh_heal(h);
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_neq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    /* Reported failed once, so the host can retry it elsewhere. Leading
     * again later, it must not answer the old read: its index predates
     * whatever node 2 committed meanwhile. */
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(h->nodes[1].n_reads, 1);
    cr_assert_eq(h->nodes[1].reads[0].id, 4);
    cr_assert_eq(h->nodes[1].reads[0].status, RAFT_ENOTLEADER);
    rh_free(h);
}

Test(raft_read, a_lease_read_is_served_until_the_timeout_minus_the_drift_bound)
{
    struct raft_config c = read_config();
    struct rh *h = cluster();
    rh_advance_to(h, h->now + 100);
    cr_assert_eq(rh_pending(h), 2);
    uint64_t sent = rh_msg_at(h, 0)->sent_at; /* the heartbeat round */
    cr_assert_eq(rh_msg_at(h, 1)->sent_at, sent);
    rh_deliver_all(h);
    rh_isolate(h, 1); /* no later acknowledgement */
    uint64_t index;
    uint64_t end = sent + c.election_timeout_min - c.lease_drift_bound;
    cr_assert_eq(raft_read_lease(rh_core(h, 1), end - 1, &index), RAFT_OK);
    cr_assert_eq(index, raft_commit_index(rh_core(h, 1)));
    cr_assert_eq(raft_read_lease(rh_core(h, 1), end, &index), RAFT_EBUSY);
    rh_free(h);
}

Test(raft_read, a_lease_read_needs_the_followers_side_of_the_lease)
{
    struct raft_config c = read_config();
    c.check_quorum = false;
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    uint64_t index;
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EINVAL);
    cr_assert_eq(raft_read_lease(rh_core(h, 2), h->now, &index), RAFT_EINVAL);
    rh_free(h);
}

Test(raft_read, no_read_is_served_during_a_leadership_transfer)
{
    struct rh *h = cluster();
    rh_cut(h, 1, 2);
    cr_assert_eq(rh_transfer(h, 1, 2), RAFT_OK);
    uint64_t index;
    cr_assert_eq(rh_read_index(h, 1, 1), RAFT_EBUSY);
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EBUSY);
    rh_free(h);
}

/* ---- both sides of the lease where one of them used to lapse: a voter
 * that restarts forgets the leader it acknowledged, and a leader that sent
 * TimeoutNow asked its target to campaign past the voters' side (thesis
 * §3.10, §4.2.3, §6.4.1) ------------------------------------------------ */

/* Node 1 leads three nodes of config c, and a heartbeat round it sent at
 * *sent has been acknowledged by both followers: its lease holds. */
static struct rh *leased_cluster(struct raft_config c, uint64_t *sent)
{
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    rh_advance_to(h, h->now + c.heartbeat_interval);
    *sent = rh_msg_at(h, 0)->sent_at;
    rh_deliver_all(h);
    uint64_t index;
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_OK);
    return h;
}

/* Hands node `to` a vote request of `type` from node 3 for `term`, with
 * node 3's log; returns whether a grant came back. */
static bool ask(struct rh *h,
                enum raft_message_type type,
                uint64_t to,
                uint64_t term)
{
    struct raft_message m = {.type = type, .from = 3, .to = to, .term = term};
    m.request_vote.last_log_index = raft_last_index(rh_core(h, 3));
    m.request_vote.last_log_term = raft_last_term(rh_core(h, 3));
    rh_drop_all(h);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    enum raft_message_type answer = type == RAFT_MSG_PRE_VOTE
                                        ? RAFT_MSG_PRE_VOTE_RESULT
                                        : RAFT_MSG_REQUEST_VOTE_RESULT;
    int i = rh_find(h, answer, to, 3);
    bool granted = i >= 0 && rh_msg_at(h, (size_t)i)->m.request_vote_result.granted;
    rh_drop_all(h);
    return granted;
}

/* Node 2 acknowledged the lease, then restarts at once: it no longer knows
 * the leader, while the leader still counts on its acknowledgement. Returns
 * its term. */
static uint64_t restart_node_2(struct rh *h)
{
    rh_crash(h, 2);
    rh_restart(h, 2);
    return raft_term(rh_core(h, 2));
}

Test(raft_read,
     a_restarted_voter_grants_no_vote_within_the_election_timeout)
{
    struct raft_config c = read_config();
    uint64_t sent;
    struct rh *h = leased_cluster(c, &sent);
    uint64_t restarted = h->now;
    uint64_t term = restart_node_2(h);
    cr_assert_not(ask(h, RAFT_MSG_REQUEST_VOTE, 2, term + 1));
    cr_assert_eq(raft_term(rh_core(h, 2)), term, "the term stays too");
    uint64_t index;
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_OK,
                 "the lease the refusal protects");
    rh_isolate(h, 1);
    rh_advance_to(h, restarted + c.election_timeout_min - 1);
    cr_assert_not(ask(h, RAFT_MSG_REQUEST_VOTE, 2, term + 1));
    rh_advance_to(h, restarted + c.election_timeout_min);
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EBUSY,
                 "the lease ended first");
    cr_assert(ask(h, RAFT_MSG_REQUEST_VOTE, 2, term + 1));
    cr_assert_eq(raft_term(rh_core(h, 2)), term + 1);
    rh_free(h);
}

Test(raft_read,
     a_restarted_voter_grants_no_prevote_within_the_election_timeout)
{
    struct raft_config c = read_config();
    c.check_quorum = false;
    c.pre_vote = true;
    uint64_t sent;
    struct rh *h = leased_cluster(c, &sent);
    uint64_t restarted = h->now;
    uint64_t term = restart_node_2(h);
    cr_assert_not(ask(h, RAFT_MSG_PRE_VOTE, 2, term + 1));
    rh_isolate(h, 1);
    rh_advance_to(h, restarted + c.election_timeout_min);
    cr_assert(ask(h, RAFT_MSG_PRE_VOTE, 2, term + 1));
    rh_free(h);
}

Test(raft_read, a_node_that_never_had_a_term_grants_votes_at_once)
{
    /* A fresh node has acknowledged no leader: no lease to protect, and
     * a cluster's first election need not wait. */
    struct raft_config c = read_config();
    struct rh *h = rh_create(3, &c);
    cr_assert(ask(h, RAFT_MSG_REQUEST_VOTE, 2, 1));
    cr_assert_eq(raft_vote(rh_core(h, 2)), 3);
    rh_free(h);
}

Test(raft_read, a_leader_that_sent_timeout_now_serves_no_lease_read)
{
    struct raft_config c = read_config();
    uint64_t sent;
    struct rh *h = leased_cluster(c, &sent);
    cr_assert_eq(rh_transfer(h, 1, 2), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_TIMEOUT_NOW, 1, 2);
    cr_assert_geq(i, 0, "node 2 is up to date: TimeoutNow at once");
    struct rh_msg *late = rh_take(h, (size_t)i); /* held up in the network */
    /* The transfer is abandoned after an election timeout; the leader
     * serves again and its followers acknowledge its heartbeats. */
    rh_run_until(h, h->now + c.election_timeout_min + 2 * c.heartbeat_interval);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_transfer_target(rh_core(h, 1)), 0);
    cr_assert_eq(rh_read_index(h, 1, 7), RAFT_OK, "ReadIndex still serves");
    uint64_t index;
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EBUSY);
    /* Why: the TimeoutNow arrives now, and its target wins with votes the
     * lease would have refused, while node 1 has not heard of it. */
    rh_isolate(h, 1);
    cr_assert_eq(rh_receive(h, &late->m), RAFT_OK);
    rh_msg_free(late);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_LEADER);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_read_lease(rh_core(h, 1), h->now, &index), RAFT_EBUSY);
    rh_free(h);
}

/* ---- reads forwarded from followers (thesis §6.4) ----------------------- */

/* The one read node `id` reported, checked to be read `read_id`. */
static const struct raft_read *only_read(struct rh *h,
                                         uint64_t id,
                                         uint64_t read_id)
{
    cr_assert_eq(h->nodes[id].n_reads, 1, "node %llu reported %zu reads",
                 (unsigned long long)id, h->nodes[id].n_reads);
    cr_assert_eq(h->nodes[id].reads[0].id, read_id);
    return &h->nodes[id].reads[0];
}

Test(raft_read, a_follower_forwards_a_read_and_reports_the_leaders_read_index)
{
    struct rh *h = cluster();
    uint64_t cmd;
    cr_assert_eq(rh_propose(h, 1, 5, &cmd), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(rh_read_index(h, 2, 55), RAFT_OK);
    cr_assert_eq(rh_count(h, RAFT_MSG_READ_INDEX, 2, 1), 1);
    rh_deliver_all(h);
    const struct raft_read *r = only_read(h, 2, 55);
    cr_assert_eq(r->status, RAFT_OK);
    /* The leader's commit index when the read reached it: the command
     * proposed before the read, committed by then. */
    cr_assert_eq(r->index, cmd);
    cr_assert_eq(h->nodes[1].n_reads, 0, "the leader reports nothing");
    rh_free(h);
}

Test(raft_read, a_forwarded_read_is_answered_only_after_a_majority_confirms)
{
    struct rh *h = cluster();
    cr_assert_eq(rh_read_index(h, 3, 8), RAFT_OK);
    cr_assert_eq(rh_deliver(h, (size_t)rh_find(h, RAFT_MSG_READ_INDEX, 3, 1)),
                 RAFT_OK);
    /* The leader sent its confirmation round, nothing else yet. */
    cr_assert_eq(rh_count(h, RAFT_MSG_READ_INDEX_RESULT, 1, 3), 0);
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 0), 2);
    rh_drop_all(h);
    /* The next heartbeat round, sent after the read, confirms it. */
    rh_advance_to(h, h->now + 100);
    cr_assert_eq(rh_count(h, RAFT_MSG_READ_INDEX_RESULT, 1, 3), 0);
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 0), 2);
    rh_deliver_all(h);
    cr_assert_eq(only_read(h, 3, 8)->status, RAFT_OK);
    rh_free(h);
}

Test(raft_read, a_node_that_knows_no_leader_refuses_a_read_index_read)
{
    struct raft_config c = read_config();
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_read_index(h, 2, 1), RAFT_ENOTLEADER);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_CANDIDATE);
    cr_assert_eq(rh_read_index(h, 1, 1), RAFT_ENOTLEADER);
    cr_assert_eq(rh_pending(h), 2, "only the vote requests");
    rh_free(h);
}

Test(raft_read, a_forwarded_read_fails_when_the_followers_leader_changes)
{
    struct rh *h = cluster();
    cr_assert_eq(rh_read_index(h, 3, 6), RAFT_OK);
    rh_drop(h, (size_t)rh_find(h, RAFT_MSG_READ_INDEX, 3, 1));
    rh_isolate(h, 1);
    rh_run_until(h, h->now + 900);
    cr_assert_eq(h->nodes[3].n_reads, 0, "still waiting for node 1");
    rh_run_until(h, h->now + 3000);
    cr_assert_neq(raft_leader(rh_core(h, 3)), 1);
    const struct raft_read *r = only_read(h, 3, 6);
    cr_assert_eq(r->status, RAFT_ENOTLEADER);
    rh_free(h);
}

/* Node 3 forwards read 6 now, the message is lost, and the leader stays:
 * the read is still waiting just before node 3's deadline for it and has
 * failed with RAFT_EBUSY a heartbeat after. Frees h. */
static void lose_forwarded_read_to_its_deadline(struct rh *h)
{
    struct raft_config c = read_config();
    uint64_t sent = h->now;
    cr_assert_eq(rh_read_index(h, 3, 6), RAFT_OK);
    rh_drop(h, (size_t)rh_find(h, RAFT_MSG_READ_INDEX, 3, 1));
    rh_run_until(h, sent + c.election_timeout_max - 1);
    cr_assert_eq(h->nodes[3].n_reads, 0, "still waiting");
    rh_run_until(h, sent + c.election_timeout_max + c.heartbeat_interval);
    cr_assert_eq(only_read(h, 3, 6)->status, RAFT_EBUSY);
    cr_assert_eq(raft_leader(rh_core(h, 3)), 1, "the leader never changed");
    rh_free(h);
}

Test(raft_read, a_lost_forwarded_read_fails_after_the_election_timeout)
{
    lose_forwarded_read_to_its_deadline(cluster());
}

/* The same on a follower with nothing else to do: it already knows the
 * commit index, so the leader's heartbeats change nothing in it and its
 * calls take the core's short path (raft_finish()); the forwarded read
 * alone must keep the follower settling its reads at the end of a call. */
Test(raft_read, a_lost_forwarded_read_fails_at_its_deadline_on_an_idle_follower)
{
    struct raft_config c = read_config();
    struct rh *h = cluster();
    /* Heartbeats until node 3 knows everything the leader committed. */
    rh_run_until(h, h->now + 3 * c.heartbeat_interval);
    cr_assert_eq(raft_commit_index(rh_core(h, 3)),
                 raft_commit_index(rh_core(h, 1)));
    lose_forwarded_read_to_its_deadline(h);
}

Test(raft_read, a_new_leader_refuses_forwarded_reads_before_its_noop_commits)
{
    struct raft_config c = read_config();
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    while (rh_find(h, RAFT_MSG_APPEND_ENTRIES, 1, 2) < 0) {
        rh_deliver(h, 0);
    }
    /* Node 2 learns of its leader from the no-op, which is not committed
     * until node 2's acknowledgement arrives. */
    rh_deliver(h, (size_t)rh_find(h, RAFT_MSG_APPEND_ENTRIES, 1, 2));
    cr_assert_eq(raft_leader(rh_core(h, 2)), 1);
    cr_assert_eq(rh_read_index(h, 2, 3), RAFT_OK);
    rh_deliver(h, (size_t)rh_find(h, RAFT_MSG_READ_INDEX, 2, 1));
    cr_assert_eq(rh_count(h, RAFT_MSG_READ_INDEX_RESULT, 1, 2), 1);
    rh_deliver_all(h);
    cr_assert_eq(only_read(h, 2, 3)->status, RAFT_EBUSY);
    rh_free(h);
}

Test(raft_read, a_follower_refuses_a_read_forwarded_to_it_at_once)
{
    struct rh *h = cluster();
    struct raft_message m;
    memset(&m, 0, sizeof m);
    m.type = RAFT_MSG_READ_INDEX;
    m.from = 3;
    m.to = 2;
    m.term = raft_term(rh_core(h, 2));
    m.read_forward.id = 12;
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_READ_INDEX_RESULT, 2, 3);
    cr_assert_geq(i, 0);
    cr_assert_eq(rh_msg_at(h, (size_t)i)->m.read_forward.id, 12);
    cr_assert_eq(rh_msg_at(h, (size_t)i)->m.read_forward.status,
                 RAFT_ENOTLEADER);
    rh_free(h);
}

Test(raft_read, a_forwarded_read_is_reported_once_however_often_answered)
{
    struct rh *h = cluster();
    cr_assert_eq(rh_read_index(h, 2, 21), RAFT_OK);
    rh_deliver(h, (size_t)rh_find(h, RAFT_MSG_READ_INDEX, 2, 1));
    while (rh_find(h, RAFT_MSG_READ_INDEX_RESULT, 1, 2) < 0) {
        rh_deliver(h, 0);
    }
    int i = rh_find(h, RAFT_MSG_READ_INDEX_RESULT, 1, 2);
    rh_duplicate(h, (size_t)i);
    rh_deliver_all(h);
    cr_assert_eq(only_read(h, 2, 21)->status, RAFT_OK);
    rh_free(h);
}

Test(raft_read, an_answer_from_another_node_is_not_taken_for_the_leaders)
{
    struct rh *h = cluster();
    cr_assert_eq(rh_read_index(h, 2, 5), RAFT_OK);
    struct raft_message m;
    memset(&m, 0, sizeof m);
    m.type = RAFT_MSG_READ_INDEX_RESULT;
    m.from = 3;
    m.to = 2;
    m.term = raft_term(rh_core(h, 2));
    m.read_forward.id = 5;
    m.read_forward.index = 1;
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(h->nodes[2].n_reads, 0);
    rh_free(h);
}
