/* test_raft_load.c: what a server needs under load: batched proposals, the
 * bound on a leader's uncommitted log (struct raft_config
 * max_uncommitted_bytes), and replies that promise nothing new leaving at
 * once while writes are pending (raft.h, n_sync_messages).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 83

/* Proposes n 8-byte commands (values from 100 on) as one batch on node 1;
 * when accepted, checks that one send round carried the whole batch: one
 * AppendEntries per follower with all n entries. */
static int propose_batch(struct rh *h, size_t n, uint64_t *first)
{
    uint64_t values[16];
    cr_assert_leq(n, 16);
    for (size_t i = 0; i < n; i++) {
        values[i] = 100 + i;
    }
    size_t before = rh_pending(h);
    int rc = rh_propose_batch(h, 1, values, n, first);
    if (rc == RAFT_OK) {
        cr_assert_eq(rh_pending(h) - before, (size_t)2,
                     "one send round: one AppendEntries per follower");
        for (size_t i = before; i < rh_pending(h); i++) {
            cr_assert_eq(rh_msg_at(h, i)->m.append_entries.n_entries, n);
        }
    }
    return rc;
}

Test(raft_load, a_proposal_batch_is_appended_together_with_one_send_round)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    uint64_t first = 0;
    cr_assert_eq(propose_batch(h, 5, &first), RAFT_OK);
    cr_assert_eq(first, 2);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_last_index(r), 6);
    for (uint64_t i = 0; i < 5; i++) {
        struct raft_entry e;
        cr_assert(raft_entry_at(r, first + i, &e));
        cr_assert_eq(e.type, RAFT_ENTRY_COMMAND);
        cr_assert_eq(e.len, 8);
        uint64_t v;
        memcpy(&v, e.data, 8);
        cr_assert_eq(v, 100 + i, "command %llu in order",
                     (unsigned long long)i);
    }
    rh_free(h);
}

Test(raft_load, a_proposal_batch_is_all_or_nothing)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_command_len = 8;
    struct rh *h = rh_elected(3, &c);
    struct raft *r = rh_core(h, 1);
    uint64_t small = 1;
    char big[9] = {0};
    struct raft_command cmds[3] = {
        {&small, 8}, {big, sizeof big}, {&small, 8}};
    struct raft_update u;
    uint64_t last = raft_last_index(r);
    cr_assert_eq(raft_propose_batch(r, h->now, cmds, 3, NULL, &u),
                 RAFT_ETOOBIG);
    cr_assert_eq(raft_last_index(r), last, "nothing appended");
    cr_assert_eq(u.n_messages, 0);
    cr_assert_eq(raft_propose_batch(r, h->now, cmds, 0, NULL, &u),
                 RAFT_EINVAL);
    cmds[1] = (struct raft_command){NULL, 4};
    cr_assert_eq(raft_propose_batch(r, h->now, cmds, 3, NULL, &u),
                 RAFT_EINVAL);
    cr_assert_eq(raft_propose_batch(rh_core(h, 2), h->now, cmds, 1, NULL, &u),
                 RAFT_ENOTLEADER);
    cr_assert_eq(raft_last_index(r), last);
    rh_free(h);
}

Test(raft_load, a_leader_refuses_proposals_beyond_max_uncommitted_bytes)
{
    /* A leader cut off from its majority, without CheckQuorum, keeps
     * leading: the bound is all that keeps its log from growing. */
    struct raft_config c = rh_config(CORE_SEED);
    c.max_uncommitted_bytes = 20;
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 1);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_OK);
    cr_assert_eq(rh_propose(h, 1, 2, NULL), RAFT_OK);
    cr_assert_eq(raft_uncommitted_bytes(r), 16);
    uint64_t last = raft_last_index(r);
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(rh_propose(h, 1, 3, NULL), RAFT_ENOSPC);
    }
    cr_assert_eq(raft_last_index(r), last, "the log stops growing");
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    rh_free(h);
}

Test(raft_load, committing_frees_the_uncommitted_budget)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_uncommitted_bytes = 20;
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 1);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_OK);
    cr_assert_eq(rh_propose(h, 1, 2, NULL), RAFT_OK);
    cr_assert_eq(rh_propose(h, 1, 3, NULL), RAFT_ENOSPC);
    rh_heal(h);
    rh_run_until(h, h->now + 200);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(r), 3);
    cr_assert_eq(raft_uncommitted_bytes(r), 0);
    cr_assert_eq(rh_propose(h, 1, 3, NULL), RAFT_OK);
    cr_assert_eq(raft_uncommitted_bytes(r), 8);
    rh_free(h);
}

Test(raft_load, a_leader_with_nothing_uncommitted_accepts_a_batch_over_the_bound)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_uncommitted_bytes = 20;
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 1);
    cr_assert_eq(propose_batch(h, 4, NULL), RAFT_OK, "32 bytes, none before");
    cr_assert_eq(raft_uncommitted_bytes(rh_core(h, 1)), 32);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_ENOSPC);
    rh_free(h);
}

Test(raft_load, max_uncommitted_bytes_zero_means_no_limit)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 1);
    for (uint64_t i = 0; i < 200; i++) {
        cr_assert_eq(rh_propose(h, 1, i, NULL), RAFT_OK);
    }
    cr_assert_eq(raft_uncommitted_bytes(rh_core(h, 1)), 200 * 8);
    rh_free(h);
}

/* The first message in flight of type from `from` whose predicate holds,
 * or -1. */
static int find_ack(struct rh *h, uint64_t from, uint64_t index)
{
    for (size_t i = 0; i < rh_pending(h); i++) {
        const struct raft_message *m = &rh_msg_at(h, i)->m;
        if (m->type == RAFT_MSG_APPEND_ENTRIES_RESULT && m->from == from &&
            m->append_entries_result.success &&
            m->append_entries_result.index == index) {
            return (int)i;
        }
    }
    return -1;
}

Test(raft_load, heartbeat_ack_does_not_wait_behind_pending_writes)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    h->nodes[2].persist_deferred = true;
    cr_assert_eq(rh_propose(h, 1, 7, NULL), RAFT_OK);
    rh_deliver_all(h); /* n2 writes index 2; its ack waits for the disk */
    int ack2 = find_ack(h, 2, 2);
    cr_assert_geq(ack2, 0);
    cr_assert(rh_msg_at(h, (size_t)ack2)->held);
    /* A heartbeat at the match point (index 1, durable) arrives while the
     * write of index 2 is pending: its acknowledgement promises nothing
     * new and leaves at once. */
    rh_advance_to(h, h->now + 100);
    int hb = rh_find(h, RAFT_MSG_APPEND_ENTRIES, 1, 2);
    cr_assert_geq(hb, 0);
    cr_assert_eq(rh_msg_at(h, (size_t)hb)->m.append_entries.prev_log_index,
                 1);
    cr_assert_eq(rh_deliver(h, (size_t)hb), RAFT_OK);
    int ack1 = find_ack(h, 2, 1);
    cr_assert_geq(ack1, 0);
    cr_assert_not(rh_msg_at(h, (size_t)ack1)->sync_before_send);
    cr_assert_not(rh_msg_at(h, (size_t)ack1)->held);
    rh_free(h);
}

static struct raft_message request_vote(uint64_t from,
                                        uint64_t to,
                                        uint64_t term)
{
    struct raft_message m = {
        .type = RAFT_MSG_REQUEST_VOTE, .from = from, .to = to, .term = term};
    return m; /* an empty log: never up to date here */
}

Test(raft_load, vote_denial_does_not_wait_behind_pending_writes)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    h->nodes[3].persist_deferred = true;
    cr_assert_eq(rh_propose(h, 1, 7, NULL), RAFT_OK);
    rh_deliver_all(h); /* n3 writes index 2, pending */
    rh_drop_all(h);
    /* Denied in term 1, which is durable: leaves at once. */
    struct raft_message rv = request_vote(2, 3, 1);
    cr_assert_eq(rh_receive(h, &rv), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, 3, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    cr_assert_not(rh_msg_at(h, (size_t)i)->sync_before_send);
    rh_drop_all(h);
    /* Denied in term 5, which n3 adopts now: the term must be durable. */
    rv = request_vote(2, 3, 5);
    cr_assert_eq(rh_receive(h, &rv), RAFT_OK);
    i = rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, 3, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    cr_assert(rh_msg_at(h, (size_t)i)->sync_before_send);
    rh_free(h);
}
