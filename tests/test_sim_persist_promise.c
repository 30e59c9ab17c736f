/* test_sim_persist_promise.c: what a message promises is read once, as
 * its node's core builds it (sim_persist_promise(), sim_persist.h), and
 * carried with the message until it leaves, held or not (sim_msg): the
 * index it promises its sender holds durably, and the term the sender's log
 * held at the index it acknowledges. The contract judges the message on
 * these. */
#include <criterion/criterion.h>

#include "sim/check/sim_persist.h"
#include "tests/support/raft_harness.h"

/* A core of node 2 whose durable log holds terms 1, 1 and 3. */
static struct raft *core_with_log(void)
{
    static const uint64_t voters[] = {1, 2, 3};
    struct raft_config c = rh_config(5);
    c.id = 2;
    c.voters = voters;
    c.n_voters = 3;
    struct raft_entry entries[3] = {{.term = 1, .type = RAFT_ENTRY_NOOP},
                                    {.term = 1, .type = RAFT_ENTRY_NOOP},
                                    {.term = 3, .type = RAFT_ENTRY_NOOP}};
    struct raft_durable_state st = {
        .term = 3, .vote = 1, .entries = entries, .n_entries = 3};
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&c, &st, 0, &r), RAFT_OK);
    return r;
}

static struct raft_message of_type(enum raft_message_type type)
{
    return (struct raft_message){.type = type, .from = 1, .to = 2, .term = 1};
}

/* Asserts what sim_persist_promise() reads of m at core, and that its
 * index is the one sim_persist_promised_index() gives, which the
 * persistence check and the memo read when the memo misses: the two
 * switches must not drift apart. */
static void expect_promise(const struct raft *core,
                           const struct raft_message *m,
                           uint64_t index,
                           uint64_t acked_term,
                           const char *why)
{
    uint64_t acked = 99;
    cr_assert_eq(sim_persist_promise(core, m, &acked), index, "%s", why);
    cr_assert_eq(acked, acked_term, "%s", why);
    cr_assert_eq(sim_persist_promised_index(m), index,
                 "%s: the promise and the check's index differ", why);
}

Test(persistence_promise, reads_the_index_and_the_term_each_message_promises)
{
    struct raft *core = core_with_log();
    struct raft_message m = of_type(RAFT_MSG_APPEND_ENTRIES_RESULT);
    m.append_entries_result.success = true;
    m.append_entries_result.index = 3;
    expect_promise(core, &m, 3, 3, "an acknowledgement's term is read");
    m.append_entries_result.index = 2;
    expect_promise(core, &m, 2, 1, "at the index acknowledged, not the last");
    m.append_entries_result.success = false;
    expect_promise(core, &m, 0, 0, "a refusal acknowledges nothing");

    m = of_type(RAFT_MSG_INSTALL_SNAPSHOT_RESULT);
    m.install_snapshot_result.last_index = 3;
    m.install_snapshot_result.done = true;
    expect_promise(core, &m, 3, 3, "a completed snapshot");
    m.install_snapshot_result.done = false;
    expect_promise(core, &m, 0, 0, "a chunk's answer promises nothing");

    m = of_type(RAFT_MSG_REQUEST_VOTE);
    m.request_vote.last_log_index = 3;
    m.request_vote.last_log_term = 3;
    expect_promise(core, &m, 3, 0,
                   "a candidate promises the log it describes; its term is "
                   "carried, not read");

    static const enum raft_message_type others[] = {
        RAFT_MSG_APPEND_ENTRIES,  RAFT_MSG_REQUEST_VOTE_RESULT,
        RAFT_MSG_PRE_VOTE,        RAFT_MSG_PRE_VOTE_RESULT,
        RAFT_MSG_INSTALL_SNAPSHOT, RAFT_MSG_TIMEOUT_NOW,
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        m = of_type(others[i]);
        expect_promise(core, &m, 0, 0, raft_message_type_name(others[i]));
    }
    raft_destroy(core);
}
