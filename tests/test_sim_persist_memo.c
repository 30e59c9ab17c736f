/* test_sim_persist_memo.c: the persistence contract's memo (sim_durable.h,
 * sim_persist.h). A message alike, in everything the contract reads, to
 * one that passed against the same durable image is settled without
 * reading the image again; the memo must therefore hold only messages
 * whose verdict reads nothing else, settle only an exact match, and be
 * emptied by every write the image takes. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "sim/check/sim_persist.h"
#include "sim/check/sim_rules.h"
#include "sim/check/sim_safety.h"
#include "sim/sim_disk.h"
#include "tests/support/safety_asserts.h"

static struct raft_message append_result(uint64_t term,
                                         bool success,
                                         uint64_t index)
{
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                             .from = 2,
                             .to = 1,
                             .term = term};
    m.append_entries_result.success = success;
    m.append_entries_result.index = index;
    return m;
}

/* Settles m (as the engine does after sim_persist_check() passed it). */
static void settle(struct sim_persist_memo *memo,
                   const struct raft_message *m,
                   uint64_t acked_term)
{
    sim_persist_settle(memo, m, sim_persist_promised_index(m), acked_term);
}

static bool settled(const struct sim_persist_memo *memo,
                    const struct raft_message *m,
                    uint64_t acked_term)
{
    return sim_persist_settled(memo, m, sim_persist_promised_index(m),
                               acked_term);
}

Test(persistence_memo, settles_only_a_message_alike_in_all_the_contract_reads)
{
    struct sim_persist_memo memo = {0};
    struct raft_message ack = append_result(3, true, 5);
    cr_assert_not(settled(&memo, &ack, 2), "an empty memo settles nothing");
    settle(&memo, &ack, 2);
    cr_assert(settled(&memo, &ack, 2));
    struct raft_message other = ack;
    other.to = 3; /* the rules record an acknowledgement per receiver */
    cr_assert_not(settled(&memo, &other, 2), "another receiver");
    cr_assert_not(settled(&memo, &ack, 1), "another acknowledged term");
    other = append_result(4, true, 5);
    cr_assert_not(settled(&memo, &other, 2), "another term");
    other = append_result(3, true, 6);
    cr_assert_not(settled(&memo, &other, 2), "another index");
    other = append_result(3, false, 5);
    cr_assert_not(settled(&memo, &other, 0), "a refusal promises no index");
    other.type = RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
    other.install_snapshot_result.done = true;
    other.install_snapshot_result.last_index = 5;
    cr_assert_not(settled(&memo, &other, 2), "another type");
}

/* A vote's request or answer, and a PreVote's answer, read more than the
 * four (the last log term, the grant and its receiver): never kept. */
Test(persistence_memo, keeps_no_message_whose_verdict_reads_more)
{
    static const enum raft_message_type judged_each_time[] = {
        RAFT_MSG_REQUEST_VOTE, RAFT_MSG_REQUEST_VOTE_RESULT,
        RAFT_MSG_PRE_VOTE, RAFT_MSG_PRE_VOTE_RESULT};
    for (size_t i = 0; i < G_N_ELEMENTS(judged_each_time); i++) {
        struct sim_persist_memo memo = {0};
        struct raft_message m = {.type = judged_each_time[i],
                                 .from = 2,
                                 .to = 1,
                                 .term = 3};
        m.request_vote_result.granted = true;
        settle(&memo, &m, 0);
        cr_assert_not(settled(&memo, &m, 0), "type %d", (int)m.type);
    }
    static const enum raft_message_type kept[] = {
        RAFT_MSG_APPEND_ENTRIES,    RAFT_MSG_APPEND_ENTRIES_RESULT,
        RAFT_MSG_INSTALL_SNAPSHOT,  RAFT_MSG_INSTALL_SNAPSHOT_RESULT,
        RAFT_MSG_TIMEOUT_NOW,       RAFT_MSG_READ_INDEX,
        RAFT_MSG_READ_INDEX_RESULT};
    for (size_t i = 0; i < G_N_ELEMENTS(kept); i++) {
        struct sim_persist_memo memo = {0};
        struct raft_message m = {
            .type = kept[i], .from = 2, .to = 1, .term = 3};
        settle(&memo, &m, 0);
        cr_assert(settled(&memo, &m, 0), "type %d", (int)m.type);
    }
}

static void submit(struct sim_disk *d,
                   bool hard,
                   uint64_t index,
                   uint64_t term,
                   size_t n)
{
    struct raft_entry e[4];
    for (size_t i = 0; i < n; i++)
        e[i] = (struct raft_entry){
            .term = term, .type = RAFT_ENTRY_COMMAND, .data = "x", .len = 2};
    struct sim_disk_batch *b = sim_disk_batch_new();
    if (hard)
        sim_disk_batch_set_hard(b, term, 1);
    if (n > 0)
        sim_disk_batch_set_entries(b, index, e, n);
    sim_disk_submit(d, b, 0, 1);
}

static void fill_memo(struct sim_disk *d)
{
    struct raft_message ack = append_result(3, true, 1);
    settle(&d->settled, &ack, 3);
    cr_assert(settled(&d->settled, &ack, 3));
}

Test(persistence_memo, a_disk_empties_it_at_every_write_its_image_takes)
{
    struct sim_disk d;
    sim_disk_init(&d, 2);
    cr_assert_eq(d.settled.type, 0, "a new disk's memo is empty");
    /* A pending write changes no image. */
    fill_memo(&d);
    submit(&d, true, 0, 3, 0);
    cr_assert_neq(d.settled.type, 0);
    /* Its completion does: a term record's write alone ... */
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.settled.type, 0, "after the term record's write");
    /* ... a log's write alone ... */
    fill_memo(&d);
    submit(&d, false, 1, 3, 2);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.settled.type, 0, "after the log's write");
    /* ... a local snapshot ... */
    fill_memo(&d);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, false, 1, 3, "s", 1);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.settled.type, 0, "after a compaction");
    /* ... and a write a crash keeps; a crash that keeps none changes no
     * image. */
    fill_memo(&d);
    submit(&d, true, 3, 4, 1);
    sim_disk_crash_keeping(&d, 0, 0, NULL, NULL);
    cr_assert_neq(d.settled.type, 0, "a crash that keeps nothing");
    submit(&d, true, 3, 4, 1);
    sim_disk_crash_keeping(&d, 1, 0, NULL, NULL);
    cr_assert_eq(d.settled.type, 0, "after a log write a crash kept");
    fill_memo(&d);
    submit(&d, true, 0, 5, 0);
    sim_disk_crash_keeping(&d, 0, 1, NULL, NULL);
    cr_assert_eq(d.settled.type, 0, "after a term write a crash kept");
    sim_disk_destroy(&d);
}

/* A message that acknowledges no index is settled towards any receiver (a
 * leader's heartbeats to each follower); one that acknowledges an index
 * only towards the receiver the memo's passed: the rules record
 * acknowledgements per receiver, and a settled message skips that record
 * (sim_safety_on_send_settled()). Judged in full towards another, its
 * acknowledgement is recorded, and a leader there may count it. */
Test(persistence_memo, settles_an_acknowledgement_only_towards_its_receiver)
{
    struct sim_persist_memo memo = {0};
    struct raft_message beat = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 1, .to = 2, .term = 3};
    settle(&memo, &beat, 0);
    beat.to = 3;
    cr_assert(settled(&memo, &beat, 0), "a heartbeat to another follower");

    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    submit(&d, true, 1, 3, 4);
    sim_disk_batch_free(sim_disk_complete(&d));
    struct raft_message to1 = append_result(3, true, 4);
    cr_assert(sim_safety_on_send(s, 2, &to1, 3, sim_disk_durable(&d, 4)));
    settle(&d.settled, &to1, 3);
    cr_assert(settled(&d.settled, &to1, 3));
    cr_assert(sim_safety_on_send_settled(s, 2, &to1));
    struct raft_message to3 = to1;
    to3.to = 3;
    cr_assert_not(settled(&d.settled, &to3, 3), "another receiver");
    cr_assert(sim_safety_on_send(s, 2, &to3, 3, sim_disk_durable(&d, 4)));
    /* Leader n3 of term 3 counts n2 as holding index 4: n2 said so. */
    struct sim_rules_receipt rc = {.role = RAFT_LEADER, .term = 3, .match = 4};
    cr_assert(sim_safety_on_receive(s, 3, &to3, &rc));
    safety_assert_no_violation(s);
    sim_safety_free(s);
    sim_disk_destroy(&d);
}
