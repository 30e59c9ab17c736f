/* test_raft_snapshot.c: log compaction and InstallSnapshot (§7), and restart
 * from a snapshot plus a log suffix.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/raft_harness.h"

static struct raft_config config(void)
{
    struct raft_config c;
    raft_config_init(&c);
    c.election_timeout_min = 1000;
    c.election_timeout_max = 2000;
    c.heartbeat_interval = 100;
    c.random_seed = 47;
    return c;
}

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

/* Leader 1 of term 1 commits values 1..10 (indexes 2..11) with node 3 cut
 * off since the no-op, then compacts its log up to 11 and appends 11 and 12
 * (indexes 12, 13). All before any election timer can fire. */
static struct rh *leader_compacted_past_node_3(void)
{
    struct raft_config c = config();
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    rh_isolate(h, 3);
    for (uint64_t v = 1; v <= 10; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    struct raft *leader = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(leader), 11);
    cr_assert_eq(h->nodes[1].n_applied, 11);
    cr_assert_eq(rh_compact(h, 1, 11), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(leader), 11);
    cr_assert_eq(raft_snapshot_term(leader), 1);
    struct raft_entry e;
    cr_assert_not(raft_entry_at(leader, 5, &e));
    cr_assert_eq(raft_term_at(leader, 5), 0);
    for (uint64_t v = 11; v <= 12; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    cr_assert_eq(raft_commit_index(leader), 13);
    cr_assert_eq(raft_last_index(rh_core(h, 3)), 1);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 0);
    return h;
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
    struct raft_config c = config();
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
    struct raft_config c = config();
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
    struct raft_config c = config();
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

/* §7 with loss recovery: a leader resends a snapshot nobody answered only
 * after election_timeout_min (1000 here), not at every heartbeat (100), so a
 * crashed follower does not cost a whole snapshot per heartbeat; once it is
 * back, the next resend catches it up. */
Test(raft_snapshot,
     an_unanswered_snapshot_is_resent_only_after_an_election_timeout)
{
    struct rh *h = leader_compacted_past_node_3();
    rh_crash(h, 3);
    rh_heal(h);
    /* The first heartbeat (t = 100) finds node 3 behind the snapshot. */
    rh_run_until(h, 1050);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 1);
    cr_assert_eq(rh_leader(h), 1);
    rh_run_until(h, 1150);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 2);
    rh_run_until(h, 2950);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 3);
    cr_assert_eq(rh_leader(h), 1);

    rh_restart(h, 3);
    rh_run_until(h, 3150);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 4);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert(rh_logs_equal(h, 1, 3));
    assert_same_state_machine(h, 1, 3);
    rh_free(h);
}
