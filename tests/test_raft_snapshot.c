/* test_raft_snapshot.c: log compaction and InstallSnapshot (§7), and restart
 * from a snapshot plus a log suffix.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 47

static void assert_same_state_machine(struct rh *h, uint64_t a, uint64_t b)
{
    cr_assert_eq(h->nodes[a].n_applied, h->nodes[b].n_applied,
                 "node %llu applied %zu, node %llu %zu", (unsigned long long)a,
                 h->nodes[a].n_applied, (unsigned long long)b,
                 h->nodes[b].n_applied);
    cr_assert_eq(memcmp(h->nodes[a].applied, h->nodes[b].applied,
                        h->nodes[a].n_applied * sizeof(struct rh_applied)),
                 0);
}

static struct rh *leader_compacted_past_node_3(void)
{
    struct raft_config c = rh_config(CORE_SEED);
    return rh_compacted_past_node_3(&c);
}

Test(raft_snapshot,
     follower_behind_the_compacted_log_catches_up_through_install_snapshot)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_heal(h);
    rh_run_until(h, 900);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 1);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_snapshot_term(f), 1);
    cr_assert_eq(h->nodes[3].disk.snapshot.last_index, 11);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert(rh_logs_equal(h, 1, 3));
    assert_same_state_machine(h, 1, 3);
    cr_assert_eq(h->nodes[3].applied[12].value, 12);
    cr_assert_eq(raft_match_index(rh_core(h, 1), 3), 13);
    cr_assert_eq(raft_next_index(rh_core(h, 1), 3), 14);
    rh_free(h);
}

Test(raft_snapshot, duplicated_install_snapshot_rolls_nothing_back)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_heal(h);
    /* Deliver one at a time until the InstallSnapshot is on the wire. */
    struct rh_msg *copy = NULL;
    for (int steps = 0; copy == NULL; steps++) {
        cr_assert_lt(steps, 1000);
        int i = rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT, 1, 3);
        if (i >= 0) {
            copy = rh_copy(h, (size_t)i);
        } else if (rh_pending(h) > 0) {
            cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
        } else {
            rh_advance_to(h, h->now + 100);
        }
    }
    rh_run_until(h, h->now + 200);
    cr_assert_eq(raft_commit_index(rh_core(h, 3)), 13);
    cr_assert_eq(rh_propose(h, 1, 13, NULL), RAFT_OK);
    rh_run_until(h, h->now + 200);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_last_index(f), 14);
    cr_assert_eq(raft_commit_index(f), 14);
    size_t applied = h->nodes[3].n_applied;
    cr_assert_eq(applied, 14);

    cr_assert_eq(rh_receive(h, &copy->m), RAFT_OK);
    rh_msg_free(copy);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_last_index(f), 14);
    cr_assert_eq(raft_term_at(f, 14), 1);
    cr_assert_eq(raft_commit_index(f), 14);
    cr_assert_eq(h->nodes[3].n_applied, 14);
    cr_assert_not(h->nodes[3].commit_decreased);
    rh_deliver_all(h);
    cr_assert_eq(raft_match_index(rh_core(h, 1), 3), 14);
    assert_same_state_machine(h, 1, 3);
    rh_free(h);
}

Test(raft_snapshot, install_snapshot_older_than_the_commit_index_is_ignored)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 1, 1, 1, 1, 1};
    rh_load_log(h, 1, 1, 0, terms, 6);
    rh_start(h);
    struct raft *r = rh_core(h, 1);
    struct raft_message ae = {
        .type = RAFT_MSG_APPEND_ENTRIES,
        .from = 2,
        .to = 1,
        .term = 1,
        .append_entries = {
            .prev_log_index = 6, .prev_log_term = 1, .leader_commit = 6}};
    cr_assert_eq(rh_receive(h, &ae), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 6);
    cr_assert_eq(h->nodes[1].n_applied, 6);

    struct rh_applied sm[3];
    memcpy(sm, h->nodes[1].applied, sizeof sm);
    struct raft_message is = {
        .type = RAFT_MSG_INSTALL_SNAPSHOT,
        .from = 2,
        .to = 1,
        .term = 1,
        .install_snapshot = {.snapshot = {.last_index = 3,
                                          .last_term = 1,
                                          .data = sm,
                                          .len = sizeof sm}}};
    cr_assert_eq(rh_receive(h, &is), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(r), 0);
    cr_assert_eq(raft_last_index(r), 6);
    cr_assert_eq(raft_commit_index(r), 6);
    cr_assert_eq(h->nodes[1].n_applied, 6);
    cr_assert_eq(h->nodes[1].disk.snapshot.last_index, 0);
    cr_assert_eq(h->nodes[1].disk.n_entries, 6);
    rh_free(h);
}

Test(raft_snapshot,
     follower_restarted_from_snapshot_and_suffix_resumes_and_commits)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    for (uint64_t v = 1; v <= 5; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
    }
    rh_run_until(h, 200);
    cr_assert_eq(h->nodes[2].n_applied, 6);
    cr_assert_eq(rh_compact(h, 2, 4), RAFT_OK);
    for (uint64_t v = 6; v <= 7; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
    }
    rh_deliver_all(h);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), 8);

    rh_crash(h, 2);
    cr_assert_eq(h->nodes[2].disk.snapshot.last_index, 4);
    cr_assert_eq(h->nodes[2].disk.n_entries, 4);
    rh_restart(h, 2);
    struct raft *f = rh_core(h, 2);
    cr_assert_eq(raft_snapshot_index(f), 4);
    cr_assert_eq(raft_last_index(f), 8);
    cr_assert_eq(raft_term_at(f, 8), 1);
    cr_assert_eq(raft_commit_index(f), 4);
    cr_assert_eq(h->nodes[2].n_applied, 4);

    rh_run_until(h, 400);
    cr_assert_eq(raft_commit_index(f), 8);
    cr_assert_eq(rh_propose(h, 1, 8, NULL), RAFT_OK);
    rh_run_until(h, 600);
    cr_assert_eq(raft_commit_index(f), 9);
    assert_same_state_machine(h, 1, 2);
    cr_assert_eq(h->nodes[2].applied[8].value, 8);
    rh_free(h);
}

Test(raft_snapshot,
     cluster_restarted_from_snapshots_elects_a_leader_and_commits)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    for (uint64_t v = 1; v <= 6; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
    }
    rh_run_until(h, 200);
    for (uint64_t id = 1; id <= 3; id++) {
        cr_assert_eq(h->nodes[id].n_applied, 7);
        cr_assert_eq(rh_compact(h, id, 3 + id), RAFT_OK);
    }
    for (uint64_t id = 1; id <= 3; id++) {
        rh_crash(h, id);
    }
    rh_drop_all(h);
    for (uint64_t id = 1; id <= 3; id++) {
        rh_restart(h, id);
        cr_assert_eq(raft_snapshot_index(rh_core(h, id)), 3 + id);
        cr_assert_eq(raft_last_index(rh_core(h, id)), 7);
        cr_assert_eq(h->nodes[id].n_applied, 3 + id);
    }
    rh_run_until(h, 10000);
    uint64_t leader = rh_leader(h);
    cr_assert_neq(leader, 0);
    cr_assert_eq(raft_term(rh_core(h, leader)), 2);
    cr_assert_eq(rh_propose(h, leader, 99, NULL), RAFT_OK);
    rh_run_until(h, h->now + 300);
    for (uint64_t id = 1; id <= 3; id++) {
        cr_assert_eq(raft_commit_index(rh_core(h, id)), 9);
        cr_assert_eq(h->nodes[id].applied[8].value, 99);
        assert_same_state_machine(h, leader, id);
    }
    rh_free(h);
}

/* Runs the cluster to time `until` with an instant network, in heartbeat
 * steps, dropping every message of type `lost` from `from` to `to`. */
static void run_losing(struct rh *h,
                       uint64_t until,
                       enum raft_message_type lost,
                       uint64_t from,
                       uint64_t to)
{
    while (h->now < until) {
        uint64_t next = h->now + 50 < until ? h->now + 50 : until;
        rh_advance_to(h, next);
        for (int steps = 0; rh_pending(h) > 0; steps++) {
            cr_assert_lt(steps, 10000);
            int i = rh_find(h, lost, from, to);
            if (i >= 0) {
                rh_drop(h, (size_t)i);
            } else {
                rh_deliver(h, 0);
            }
        }
    }
}

/* etcd-io/raft heartbeats every peer whatever its progress state: a follower
 * waiting for a snapshot that is lost must still hear its leader, or it
 * campaigns and deposes a healthy leader (§5.2). */
Test(raft_snapshot, a_follower_waiting_for_a_lost_snapshot_still_gets_heartbeats)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_heal(h);
    size_t appends = h->sent[RAFT_MSG_APPEND_ENTRIES];
    run_losing(h, 5000, RAFT_MSG_INSTALL_SNAPSHOT, 1, 3);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_term(f), 1, "node 3 campaigned");
    cr_assert_eq(raft_role(f), RAFT_FOLLOWER);
    cr_assert_eq(raft_leader(f), 1);
    cr_assert_eq(rh_leader(h), 1);
    /* A heartbeat every 100 to each of nodes 2 and 3. */
    cr_assert_geq(h->sent[RAFT_MSG_APPEND_ENTRIES], appends + 2 * 49);
    /* Node 3 answers the heartbeats, so the lost snapshot is resent once
     * per election timeout (1000 here), not once per heartbeat. */
    cr_assert_geq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 4);
    cr_assert_leq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 5);
    rh_free(h);
}

/* A lost InstallSnapshot reply: the next heartbeat, at the leader's snapshot
 * point, succeeds at the follower and tells the leader what the reply would
 * have, so the snapshot is not sent again. */
Test(raft_snapshot, a_lost_snapshot_reply_is_recovered_by_a_heartbeat)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_heal(h);
    run_losing(h, 3000, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, 3, 1);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 1);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_term(f), 1);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert_eq(raft_match_index(rh_core(h, 1), 3), 13);
    assert_same_state_machine(h, 1, 3);
    rh_free(h);
}

/* §7 with loss recovery: a leader does not resend a whole snapshot to a peer
 * that answers nothing (it is most likely down; heartbeats still go out,
 * and they are cheap). Once the peer is back and answers a heartbeat, the
 * snapshot goes again, at most one election timeout (1000 here) after the
 * previous one, and catches it up. */
Test(raft_snapshot, a_snapshot_is_not_resent_to_a_peer_that_answers_nothing)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_crash(h, 3);
    rh_heal(h);
    /* The first heartbeat (t = 100) finds node 3 behind the snapshot. */
    rh_run_until(h, 2950);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 1);
    cr_assert_eq(rh_leader(h), 1);

    rh_restart(h, 3);
    rh_run_until(h, 3150);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 2);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert(rh_logs_equal(h, 1, 3));
    assert_same_state_machine(h, 1, 3);
    rh_free(h);
}
