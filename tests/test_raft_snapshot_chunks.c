/* test_raft_snapshot_chunks.c: InstallSnapshot in chunks with flow control
 * (§7, Figure 13): assembly despite reordering, refusals, restarts mid-transfer, the
 * in-flight window, loss recovery, and the cost of a peer that is down.
 *
 * The leader's snapshot here covers indexes 1..11 of the harness's state
 * machine: 11 records of 32 bytes, 352 bytes; with 64-byte chunks that is
 * 6 chunks (5 of 64 bytes and one of 32).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/raft_harness.h"

#define CHUNK 64
#define SNAPSHOT_BYTES 352
#define N_CHUNKS 6

static struct raft_config config(size_t chunk, size_t window)
{
    struct raft_config c = rh_config(47);
    c.snapshot_chunk_bytes = chunk;
    c.max_inflight = window;
    return c;
}

/* rh_compacted_past_node_3() with the network healed. */
static struct rh *leader_compacted_past_node_3(size_t chunk, size_t window)
{
    struct raft_config c = config(chunk, window);
    struct rh *h = rh_compacted_past_node_3(&c);
    cr_assert_eq(h->nodes[1].disk.snapshot.len, SNAPSHOT_BYTES);
    rh_heal(h);
    return h;
}

static void assert_same_state_machine(struct rh *h, uint64_t a, uint64_t b)
{
    cr_assert_eq(h->nodes[a].n_applied, h->nodes[b].n_applied);
    cr_assert_eq(memcmp(h->nodes[a].applied, h->nodes[b].applied,
                        h->nodes[a].n_applied * sizeof(struct rh_applied)),
                 0);
}

/* The follower's durable snapshot is byte for byte the leader's. */
static void assert_same_snapshot(struct rh *h, uint64_t a, uint64_t b)
{
    const struct raft_snapshot *x = &h->nodes[a].disk.snapshot;
    const struct raft_snapshot *y = &h->nodes[b].disk.snapshot;
    cr_assert_eq(x->last_index, y->last_index);
    cr_assert_eq(x->last_term, y->last_term);
    cr_assert_eq(x->len, y->len);
    cr_assert_eq(memcmp(x->data, y->data, x->len), 0);
}

/* Advances to the first heartbeat that sends node 3 a chunk; leaves every
 * message in flight. */
static void until_first_chunk(struct rh *h)
{
    for (int i = 0; rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT, 1, 3) < 0; i++) {
        cr_assert_lt(i, 100);
        rh_deliver_all(h);
        rh_advance_to(h, h->now + 50);
    }
}

/* Index of the InstallSnapshot to node 3 in flight at `offset`, or -1. */
static int find_chunk(struct rh *h, uint64_t offset)
{
    for (size_t i = 0; i < rh_pending(h); i++) {
        const struct raft_message *m = &rh_msg_at(h, i)->m;
        if (m->type == RAFT_MSG_INSTALL_SNAPSHOT && m->to == 3 &&
            m->install_snapshot.offset == offset) {
            return (int)i;
        }
    }
    return -1;
}

/* Delivers the chunk at offset, then the follower's answer; returns the
 * answer's offset and sets *done. */
static uint64_t deliver_chunk(struct rh *h, uint64_t offset, bool *done)
{
    int i = find_chunk(h, offset);
    cr_assert_geq(i, 0, "no chunk at offset %llu in flight",
                  (unsigned long long)offset);
    cr_assert_eq(rh_deliver(h, (size_t)i), RAFT_OK);
    int j = rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, 3, 1);
    cr_assert_geq(j, 0);
    const struct raft_install_snapshot_result res =
        rh_msg_at(h, (size_t)j)->m.install_snapshot_result;
    cr_assert_eq(rh_deliver(h, (size_t)j), RAFT_OK);
    *done = res.done;
    return res.offset;
}

Test(raft_snapshot_chunks,
     chunks_are_assembled_in_order_and_persisted_only_when_complete)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    struct raft *f = rh_core(h, 3);
    for (uint64_t off = 0; off < SNAPSHOT_BYTES; off += CHUNK) {
        bool done;
        uint64_t held = deliver_chunk(h, off, &done);
        uint64_t end = off + CHUNK < SNAPSHOT_BYTES ? off + CHUNK
                                                    : SNAPSHOT_BYTES;
        cr_assert_eq(held, end);
        cr_assert_eq(done, end == SNAPSHOT_BYTES);
        if (!done) {
            /* Held in memory only: nothing durable, nothing applied. */
            cr_assert_eq(raft_snapshot_partial_len(f), end);
            cr_assert_eq(h->nodes[3].disk.snapshot.last_index, 0);
            cr_assert_eq(raft_snapshot_index(f), 0);
            cr_assert_leq(raft_commit_index(f), 1);
        }
    }
    cr_assert_eq(raft_snapshot_partial_len(f), 0);
    cr_assert_eq(raft_snapshot_index(f), 11);
    assert_same_snapshot(h, 1, 3);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], N_CHUNKS);
    rh_free(h);
}

Test(raft_snapshot_chunks,
     a_snapshot_of_n_chunks_installs_and_the_follower_equals_the_leader)
{
    /* A window of 2: the transfer needs the acknowledgements to finish. */
    struct rh *h = leader_compacted_past_node_3(CHUNK, 2);
    rh_run_until(h, 900);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], N_CHUNKS);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert(rh_logs_equal(h, 1, 3));
    assert_same_snapshot(h, 1, 3);
    assert_same_state_machine(h, 1, 3);
    cr_assert_eq(raft_match_index(rh_core(h, 1), 3), 13);
    rh_free(h);
}

/* §5.3: the network may reorder messages. A chunk that overtook a missing
 * one is kept at its offset, answered with the bytes held without a gap;
 * the missing chunk then acknowledges both. */
Test(raft_snapshot_chunks,
     a_chunk_that_overtook_a_missing_one_is_kept_until_the_gap_fills)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    struct raft *f = rh_core(h, 3);
    struct rh_msg *again = rh_copy(h, (size_t)find_chunk(h, 2 * CHUNK));
    bool done;
    cr_assert_eq(deliver_chunk(h, 0, &done), CHUNK);
    /* The chunk at 128 before the one at 64: kept, 64 bytes held in order. */
    cr_assert_eq(deliver_chunk(h, 2 * CHUNK, &done), CHUNK);
    cr_assert_not(done);
    cr_assert_eq(raft_snapshot_partial_len(f), CHUNK);
    /* The chunk at 64 fills the gap: 192 bytes held. */
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 3 * CHUNK);
    /* A duplicate of a chunk already held changes nothing. */
    cr_assert_eq(rh_receive(h, &again->m), RAFT_OK);
    rh_msg_free(again);
    cr_assert_eq(raft_snapshot_partial_len(f), 3 * CHUNK);
    rh_run_until(h, 900);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], N_CHUNKS);
    assert_same_snapshot(h, 1, 3);
    assert_same_state_machine(h, 1, 3);
    rh_free(h);
}

/* The last chunk may arrive first: the snapshot is installed once every
 * byte before it is held. */
Test(raft_snapshot_chunks, a_last_chunk_that_arrives_first_installs_when_complete)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    struct raft *f = rh_core(h, 3);
    bool done;
    cr_assert_eq(deliver_chunk(h, (N_CHUNKS - 1) * CHUNK, &done), 0);
    cr_assert_not(done);
    for (uint64_t k = 0; k + 1 < N_CHUNKS; k++) {
        uint64_t held = deliver_chunk(h, k * CHUNK, &done);
        cr_assert_eq(done, k + 2 == N_CHUNKS);
        cr_assert_eq(held, done ? SNAPSHOT_BYTES : (k + 1) * CHUNK);
    }
    cr_assert_eq(raft_snapshot_index(f), 11);
    assert_same_snapshot(h, 1, 3);
    rh_free(h);
}

/* A chunk built by hand from leader 2 in `term` of snapshot (index, 1). */
static struct raft_message chunk_msg(uint64_t term,
                                     uint64_t index,
                                     uint64_t offset,
                                     const void *data,
                                     size_t len)
{
    struct raft_message m = {.type = RAFT_MSG_INSTALL_SNAPSHOT,
                             .from = 2,
                             .to = 1,
                             .term = term};
    m.install_snapshot.snapshot.last_index = index;
    m.install_snapshot.snapshot.last_term = 1;
    m.install_snapshot.snapshot.data = data;
    m.install_snapshot.snapshot.len = len;
    m.install_snapshot.offset = offset;
    return m;
}

/* The answer node 1 just sent. */
static struct raft_install_snapshot_result last_answer(struct rh *h)
{
    int j = -1;
    for (size_t i = 0; i < rh_pending(h); i++) {
        if (rh_msg_at(h, i)->m.type == RAFT_MSG_INSTALL_SNAPSHOT_RESULT) {
            j = (int)i;
        }
    }
    cr_assert_geq(j, 0);
    return rh_msg_at(h, (size_t)j)->m.install_snapshot_result;
}

/* What a follower keeps past its first gap is bounded by its own window of
 * chunks (config.max_inflight): a chunk that ends beyond it is refused. */
Test(raft_snapshot_chunks, a_chunk_beyond_the_window_past_the_gap_is_refused)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 2);
    until_first_chunk(h);
    struct raft *f = rh_core(h, 3);
    bool done;
    cr_assert_eq(deliver_chunk(h, 0, &done), CHUNK);
    unsigned char bytes[CHUNK] = {0};
    /* Ends 4 chunks past the gap: out of reach. */
    struct raft_message m = chunk_msg(raft_term(rh_core(h, 1)), 11, 3 * CHUNK,
                                      bytes, CHUNK);
    m.from = 1;
    m.to = 3;
    m.install_snapshot.snapshot.last_term = raft_term_at(rh_core(h, 1), 11);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_snapshot_partial_len(f), CHUNK);
    /* Within reach (ends 2 chunks on): kept, so the gap's chunk acks both. */
    m.install_snapshot.offset = 2 * CHUNK;
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    for (int j; (j = rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, 3, 1)) >= 0;) {
        rh_drop(h, (size_t)j); /* the answers to the two chunks above */
    }
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 3 * CHUNK);
    rh_free(h);
}

/* Thesis §5.1: the snapshot's configuration comes with its last chunk;
 * when that chunk arrives first, its configuration is the one installed
 * with the chunk that completes the snapshot later. */
Test(raft_snapshot_chunks,
     a_last_chunk_that_arrives_first_brings_the_configuration_installed)
{
    struct raft_config c = config(CHUNK, 8);
    struct rh *h = rh_create(3, &c);
    struct raft *r = rh_core(h, 1);
    unsigned char bytes[CHUNK];
    memset(bytes, 7, sizeof bytes);
    uint64_t voters[] = {1, 2};
    uint64_t learners[] = {3};
    /* Index 3: the harness's state machine takes 32 bytes per entry. */
    struct raft_message m = chunk_msg(1, 3, CHUNK, bytes, CHUNK / 2);
    m.install_snapshot.done = true;
    m.install_snapshot.snapshot.configuration = (struct raft_configuration){
        .voters = voters, .n_voters = 2, .learners = learners, .n_learners = 1};
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(last_answer(h).offset, 0);
    cr_assert_eq(raft_snapshot_index(r), 0);
    m = chunk_msg(1, 3, 0, bytes, CHUNK);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(last_answer(h).done);
    cr_assert_eq(raft_snapshot_index(r), 3);
    struct raft_configuration got;
    raft_snapshot_configuration(r, &got);
    cr_assert_eq(got.n_voters, 2);
    cr_assert_eq(got.n_learners, 1);
    cr_assert_eq(got.learners[0], 3);
    rh_free(h);
}

Test(raft_snapshot_chunks, a_chunk_of_another_snapshot_or_term_is_refused)
{
    struct raft_config c = config(CHUNK, 8);
    struct rh *h = rh_create(3, &c);
    struct raft *r = rh_core(h, 1);
    unsigned char bytes[CHUNK];
    memset(bytes, 7, sizeof bytes);
    struct raft_message m = chunk_msg(1, 20, 0, bytes, CHUNK);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_snapshot_partial_len(r), CHUNK);
    /* The next offset, but of another snapshot (index 21). */
    m = chunk_msg(1, 21, CHUNK, bytes, CHUNK);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_install_snapshot_result res = last_answer(h);
    cr_assert_eq(res.last_index, 21);
    cr_assert_eq(res.offset, 0);
    cr_assert_not(res.done);
    cr_assert_eq(raft_snapshot_partial_len(r), CHUNK);
    /* The next offset of the same snapshot, but from a leader of term 2. */
    m = chunk_msg(2, 20, CHUNK, bytes, CHUNK);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    res = last_answer(h);
    cr_assert_eq(res.offset, 0);
    cr_assert_not(res.done);
    /* Offset 0 of another snapshot starts that one afresh. */
    m = chunk_msg(2, 21, 0, bytes, CHUNK / 2);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    res = last_answer(h);
    cr_assert_eq(res.last_index, 21);
    cr_assert_eq(res.offset, CHUNK / 2);
    cr_assert_eq(raft_snapshot_partial_len(r), CHUNK / 2);
    cr_assert_eq(raft_snapshot_index(r), 0);
    cr_assert_eq(h->nodes[1].disk.snapshot.last_index, 0);
    rh_free(h);
}

Test(raft_snapshot_chunks, a_restart_mid_transfer_starts_the_snapshot_over)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    bool done;
    cr_assert_eq(deliver_chunk(h, 0, &done), CHUNK);
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 2 * CHUNK);
    rh_crash(h, 3);
    cr_assert_eq(h->nodes[3].disk.snapshot.last_index, 0,
                 "a partial snapshot reached the disk");
    rh_drop_all(h);
    rh_restart(h, 3);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_snapshot_partial_len(f), 0);
    size_t before = h->sent[RAFT_MSG_INSTALL_SNAPSHOT];
    rh_run_until(h, h->now + 900);
    cr_assert_eq(raft_snapshot_index(f), 11);
    assert_same_snapshot(h, 1, 3);
    assert_same_state_machine(h, 1, 3);
    /* Resent from the first chunk the restarted node refused: the 4 lost
     * with the crash, at most one probe chunk refused, then all 6. */
    size_t resent = h->sent[RAFT_MSG_INSTALL_SNAPSHOT] - before;
    cr_assert_geq(resent, N_CHUNKS);
    cr_assert_leq(resent, N_CHUNKS + 1);
    rh_free(h);
}

/* Chunks from 1 to 3 in flight. */
static size_t chunks_in_flight(const struct rh *h)
{
    return rh_count(h, RAFT_MSG_INSTALL_SNAPSHOT, 1, 3);
}

Test(raft_snapshot_chunks, chunks_in_flight_never_exceed_the_window)
{
    struct rh *h = leader_compacted_past_node_3(32, 2);
    until_first_chunk(h);
    /* 352 bytes in 32-byte chunks: 11 chunks, at most 2 unacknowledged. */
    cr_assert_eq(chunks_in_flight(h), 2);
    rh_advance_to(h, h->now + 500); /* heartbeats send no more chunks */
    cr_assert_eq(chunks_in_flight(h), 2);
    for (int steps = 0; rh_pending(h) > 0; steps++) {
        cr_assert_lt(steps, 1000);
        cr_assert_leq(chunks_in_flight(h), 2);
        cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
    }
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 11);
    cr_assert_eq(raft_snapshot_index(rh_core(h, 3)), 11);
    rh_free(h);
}

Test(raft_snapshot_chunks,
     a_lost_chunk_alone_is_resent_after_the_retransmission_interval)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    uint64_t lost_at = h->now;
    rh_drop(h, (size_t)find_chunk(h, CHUNK));
    rh_deliver_all(h); /* the rest overtake it: kept past the gap at 64 */
    cr_assert_eq(raft_snapshot_partial_len(rh_core(h, 3)), CHUNK);
    size_t sent = h->sent[RAFT_MSG_INSTALL_SNAPSHOT];
    /* Not re-sent within the interval (one heartbeat, 100)... */
    rh_run_until(h, lost_at + 99);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], sent);
    /* ... then the lost chunk alone, which completes the snapshot: never
     * offset 0 again, nor the chunks the follower kept. */
    rh_run_until(h, lost_at + 300);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], sent + 1);
    cr_assert_eq(raft_snapshot_index(rh_core(h, 3)), 11);
    assert_same_snapshot(h, 1, 3);
    rh_free(h);
}

/* Runs to `until` with an instant network, counting (and dropping) the
 * messages to node 3, which is down. */
static void count_to_down_peer(struct rh *h, uint64_t until, size_t *by_type)
{
    while (h->now < until) {
        rh_advance_to(h, h->now + 50);
        for (int steps = 0; rh_pending(h) > 0; steps++) {
            cr_assert_lt(steps, 10000);
            const struct raft_message *m = &rh_msg_at(h, 0)->m;
            if (m->to == 3) {
                by_type[m->type]++;
                rh_drop(h, 0);
            } else {
                rh_deliver(h, 0);
            }
        }
    }
}

/* A peer that is down costs the leader its heartbeats, one per interval,
 * and the first window of chunks: never a chunk, let alone the snapshot,
 * per election timeout, even though the leader compacts its log anew in
 * each one. Measured over ten election timeouts. */
static void assert_silent_peer_cost(size_t chunk, size_t first_burst)
{
    struct rh *h = leader_compacted_past_node_3(chunk, 4);
    rh_crash(h, 3);
    size_t sent[RAFT_MSG_TYPE_COUNT] = {0};
    count_to_down_peer(h, 1000, sent);
    cr_assert_eq(sent[RAFT_MSG_INSTALL_SNAPSHOT], first_burst);
    memset(sent, 0, sizeof sent);
    for (uint64_t t = 2000; t <= 11000; t += 1000) {
        uint64_t index;
        cr_assert_eq(rh_propose(h, 1, t, &index), RAFT_OK);
        count_to_down_peer(h, t, sent);
        cr_assert_eq(rh_compact(h, 1, index), RAFT_OK);
    }
    cr_assert_eq(sent[RAFT_MSG_INSTALL_SNAPSHOT], 0);
    cr_assert_eq(sent[RAFT_MSG_APPEND_ENTRIES], 100, "heartbeats: %zu",
                 sent[RAFT_MSG_APPEND_ENTRIES]);
    size_t total = 0;
    for (size_t t = 0; t < RAFT_MSG_TYPE_COUNT; t++) {
        total += sent[t];
    }
    cr_assert_eq(total, 100);
    cr_assert_eq(rh_leader(h), 1);
    rh_free(h);
}

Test(raft_snapshot_chunks, a_silent_peer_costs_heartbeats_only_not_chunks)
{
    assert_silent_peer_cost(CHUNK, 4); /* the first window of 4 */
    assert_silent_peer_cost(0, 1);     /* the whole snapshot, once */
}

/* An answer to a chunk names its snapshot, and such an answer leaves only
 * after the writes pending when it was made (raft_durable.c), even in the
 * middle of a transfer and with the follower's term and log durable (its
 * wait is not decided by those: msgs_promise_more). */
Test(raft_snapshot_chunks, an_answer_to_a_chunk_waits_for_the_pending_writes)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    cr_assert_eq(rh_deliver(h, (size_t)find_chunk(h, 0)), RAFT_OK);
    int j = rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, 3, 1);
    cr_assert_geq(j, 0);
    const struct rh_msg *ans = rh_msg_at(h, (size_t)j);
    cr_assert_eq(ans->m.install_snapshot_result.offset, CHUNK);
    cr_assert_not(ans->m.install_snapshot_result.done);
    cr_assert(ans->sync_before_send);
    rh_free(h);
}

/* A chunk of a snapshot the follower has committed past (a duplicate that
 * arrives late) adds nothing: it is answered as done at once, so the leader
 * sends no more of it, and nothing is rolled back. */
Test(raft_snapshot_chunks, a_chunk_of_a_committed_snapshot_is_answered_done)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    struct rh_msg *late = rh_copy(h, (size_t)find_chunk(h, CHUNK));
    rh_run_until(h, h->now + 900);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert_eq(rh_receive(h, &late->m), RAFT_OK);
    rh_msg_free(late);
    struct raft_install_snapshot_result res = last_answer(h);
    cr_assert(res.done);
    cr_assert_eq(res.last_index, 11);
    cr_assert_eq(raft_snapshot_partial_len(f), 0);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_last_index(f), 13);
    cr_assert_eq(raft_commit_index(f), 13);
    rh_free(h);
}

/* Answers reordered on the way back: one below what the leader already
 * counts as acknowledged is stale (what a follower holds of a transfer only
 * grows until it restarts) and sends nothing again; believing it would
 * re-send the window, and every re-sent chunk's answer could do the same. */
Test(raft_snapshot_chunks, a_stale_answer_below_the_acknowledged_offset_is_ignored)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 2);
    until_first_chunk(h);
    cr_assert_eq(rh_deliver(h, (size_t)find_chunk(h, 0)), RAFT_OK);
    struct rh_msg *stale = rh_take(
        h, (size_t)rh_find(h, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, 3, 1));
    cr_assert_eq(stale->m.install_snapshot_result.offset, CHUNK);
    bool done;
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 2 * CHUNK);
    cr_assert_eq(deliver_chunk(h, 2 * CHUNK, &done), 3 * CHUNK);
    size_t sent = h->sent[RAFT_MSG_INSTALL_SNAPSHOT];
    cr_assert_eq(rh_receive(h, &stale->m), RAFT_OK);
    rh_msg_free(stale);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], sent);
    rh_run_until(h, h->now + 900);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], N_CHUNKS);
    assert_same_snapshot(h, 1, 3);
    rh_free(h);
}

/* A duplicate of the first chunk is not a new start: the follower keeps
 * what it holds of the transfer and answers with it. */
Test(raft_snapshot_chunks, a_repeated_first_chunk_does_not_restart_the_transfer)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 8);
    until_first_chunk(h);
    struct rh_msg *again = rh_copy(h, (size_t)find_chunk(h, 0));
    bool done;
    cr_assert_eq(deliver_chunk(h, 0, &done), CHUNK);
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 2 * CHUNK);
    cr_assert_eq(rh_receive(h, &again->m), RAFT_OK);
    rh_msg_free(again);
    cr_assert_eq(raft_snapshot_partial_len(rh_core(h, 3)), 2 * CHUNK);
    cr_assert_eq(last_answer(h).offset, 2 * CHUNK);
    rh_free(h);
}

/* A leader that compacts again while a peer receives its snapshot keeps
 * the snapshot being sent, and the log after it, until the peer holds
 * everything up to the new compaction: the transfer is never restarted
 * from its first byte, and the peer catches up through the log after it.
 * Then the held-back compaction takes effect. */
Test(raft_snapshot_chunks,
     a_compaction_during_a_transfer_keeps_the_snapshot_being_sent)
{
    struct rh *h = leader_compacted_past_node_3(CHUNK, 2);
    until_first_chunk(h);
    struct raft *leader = rh_core(h, 1);
    bool done;
    cr_assert_eq(deliver_chunk(h, 0, &done), CHUNK);
    cr_assert_eq(deliver_chunk(h, CHUNK, &done), 2 * CHUNK);
    cr_assert_eq(rh_compact(h, 1, 13), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(leader), 11);
    rh_run_until(h, h->now + 900);
    struct raft *f = rh_core(h, 3);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], N_CHUNKS);
    cr_assert_eq(raft_snapshot_index(f), 11);
    cr_assert_eq(raft_commit_index(f), 13);
    cr_assert(rh_logs_equal(h, 1, 3));
    assert_same_state_machine(h, 1, 3);
    cr_assert_eq(raft_snapshot_index(leader), 13);
    rh_free(h);
}
