/* test_sim_rules.c: the direct checks of Figure 2's bookkeeping rules
 * (sim_rules.h) fail on the step that breaks each rule and accept the
 * steps the rules allow. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/check/sim_persist.h"
#include "sim/check/sim_rules.h"
#include "sim/check/sim_safety.h"
#include "sim/sim_disk.h"
#include "tests/support/safety_asserts.h"

Test(rules, property_names_are_stable)
{
    cr_assert_str_eq(sim_property_name(SIM_PROP_SINGLE_VOTE), "single-vote");
    cr_assert_str_eq(sim_property_name(SIM_PROP_COMMIT_RULE), "commit-rule");
    cr_assert_str_eq(sim_property_name(SIM_PROP_MATCH_INDEX), "match-index");
}

/* ---- single-vote ---- */

Test(rules, a_vote_is_cleared_only_by_a_new_term)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_vote(s, 1, 3, 0));
    cr_assert(sim_safety_on_vote(s, 1, 3, 2)); /* none -> n2 */
    cr_assert(sim_safety_on_vote(s, 1, 3, 2)); /* repeated to n2 */
    cr_assert(sim_safety_on_vote(s, 1, 4, 0)); /* a new term clears it */
    cr_assert(sim_safety_on_vote(s, 1, 4, 3));
    safety_assert_no_violation(s);
    cr_assert_not(sim_safety_on_vote(s, 1, 4, 0));
    safety_assert_violation(
        s, SIM_PROP_SINGLE_VOTE, 1, 3, 4, 0,
        "n1's vote in term 4 changed from n3 to none without a "
        "new term: it may vote twice in one term.");
    sim_safety_free(s);
}

Test(rules, a_vote_is_never_moved_to_another_candidate_in_its_term)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_vote(s, 2, 5, 2));
    cr_assert_not(sim_safety_on_vote(s, 2, 5, 3));
    safety_assert_violation(
        s, SIM_PROP_SINGLE_VOTE, 2, 2, 5, 0,
        "n2's vote in term 5 changed from n2 to n3 without a "
        "new term: it may vote twice in one term.");
    sim_safety_free(s);
}

Test(rules, a_restarted_node_resumes_with_its_durable_vote)
{
    /* An undurable vote may be lost in a crash (the persistence contract
     * judges whether it had been promised); the restart is read afresh. */
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_vote(s, 2, 5, 1));
    sim_safety_on_crash(s, 2);
    cr_assert(sim_safety_on_vote(s, 2, 5, 0));
    cr_assert(sim_safety_on_vote(s, 2, 5, 3));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(rules, a_vote_held_again_after_a_restart_binds_as_before)
{
    /* The step after a restart that reads the same term and vote as
     * before the crash is judged afresh, so a later move of that vote in
     * its term is still caught. */
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_vote(s, 2, 5, 1));
    sim_safety_on_crash(s, 2);
    cr_assert(sim_safety_on_vote(s, 2, 5, 1));
    cr_assert(sim_safety_on_vote(s, 2, 5, 1));
    cr_assert_not(sim_safety_on_vote(s, 2, 5, 3));
    safety_assert_violation(
        s, SIM_PROP_SINGLE_VOTE, 2, 1, 5, 0,
        "n2's vote in term 5 changed from n1 to n3 without a "
        "new term: it may vote twice in one term.");
    sim_safety_free(s);
}

/* ---- commit-rule ---- */

static struct raft_message append(uint64_t from,
                                  uint64_t to,
                                  uint64_t term,
                                  uint64_t prev,
                                  size_t n,
                                  uint64_t leader_commit)
{
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = from, .to = to, .term = term};
    m.append_entries.prev_log_index = prev;
    m.append_entries.prev_log_term = prev ? term : 0;
    m.append_entries.n_entries = n;
    m.append_entries.leader_commit = leader_commit;
    return m;
}

static struct sim_rules_receipt receipt(uint64_t before,
                                        uint64_t after,
                                        enum raft_role role,
                                        uint64_t term,
                                        uint64_t match)
{
    return (struct sim_rules_receipt){.before = before,
                                      .after = after,
                                      .role = role,
                                      .term = term,
                                      .match = match};
}

Test(rules, a_follower_commits_at_most_what_the_append_verified)
{
    struct sim_safety *s = sim_safety_new(3);
    /* A heartbeat at index 4 with leaderCommit 7: commit up to 4. */
    struct raft_message hb = append(1, 2, 3, 4, 0, 7);
    struct sim_rules_receipt ok = receipt(2, 4, RAFT_FOLLOWER, 3, 0);
    cr_assert(sim_safety_on_receive(s, 2, &hb, &ok));
    /* Entries 5..8 with leaderCommit 7: commit up to 7. */
    struct raft_message more = append(1, 2, 3, 4, 4, 7);
    ok = receipt(4, 7, RAFT_FOLLOWER, 3, 0);
    cr_assert(sim_safety_on_receive(s, 2, &more, &ok));
    safety_assert_no_violation(s);
    /* The same heartbeat may not commit the follower's own entries past 4
     * (AppendEntries receiver rule 5). */
    struct raft_message hb9 = append(1, 2, 3, 4, 0, 9);
    struct sim_rules_receipt bad = receipt(2, 6, RAFT_FOLLOWER, 3, 0);
    cr_assert_not(sim_safety_on_receive(s, 2, &hb9, &bad));
    safety_assert_violation(
        s, SIM_PROP_COMMIT_RULE, 2, 1, 3, 6,
        "n2 raised its commit index from 2 to 6 on AppendEntries "
        "from n1 that verifies and commits only up to index 4.");
    sim_safety_free(s);
}

Test(rules, a_snapshot_commits_through_its_last_index_and_a_leader_counts)
{
    struct sim_safety *s = sim_safety_new(3);
    struct raft_message snap = {
        .type = RAFT_MSG_INSTALL_SNAPSHOT, .from = 1, .to = 2, .term = 3};
    snap.install_snapshot.snapshot.last_index = 9;
    snap.install_snapshot.snapshot.last_term = 3;
    struct sim_rules_receipt rc = receipt(2, 9, RAFT_FOLLOWER, 3, 0);
    cr_assert(sim_safety_on_receive(s, 2, &snap, &rc));
    /* A leader's commit rises by counting acknowledgements, not by rule 5. */
    struct raft_message vote = {
        .type = RAFT_MSG_REQUEST_VOTE_RESULT, .from = 3, .to = 1, .term = 3};
    rc = receipt(2, 5, RAFT_LEADER, 3, 0);
    cr_assert(sim_safety_on_receive(s, 1, &vote, &rc));
    safety_assert_no_violation(s);
    /* Any other message leaves a follower's commit index where it was. */
    rc = receipt(2, 3, RAFT_FOLLOWER, 3, 0);
    cr_assert_not(sim_safety_on_receive(s, 2, &vote, &rc));
    safety_assert_violation(
        s, SIM_PROP_COMMIT_RULE, 2, 3, 3, 3,
        "n2 raised its commit index from 2 to 3 on "
        "RequestVoteResult from n3 that verifies and commits only "
        "up to index 0.");
    sim_safety_free(s);
}

/* ---- match-index ---- */

/* A disk for node whose durable term record holds hard_term and whose
 * durable log holds n entries of term from index 1. */
static void durable_log(struct sim_disk *d,
                        uint32_t node,
                        uint64_t hard_term,
                        uint64_t term,
                        size_t n)
{
    static struct raft_entry e[16];
    cr_assert_leq(n, 16u);
    sim_disk_init(d, node);
    for (size_t k = 0; k < n; k++)
        e[k] = (struct raft_entry){.term = term, .type = RAFT_ENTRY_NOOP};
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, hard_term, 0);
    sim_disk_batch_set_entries(b, 1, e, n);
    sim_disk_submit(d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(d));
}

static struct raft_message ack(uint64_t from,
                               uint64_t to,
                               uint64_t term,
                               uint64_t index)
{
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                             .from = from,
                             .to = to,
                             .term = term};
    m.append_entries_result.success = true;
    m.append_entries_result.index = index;
    return m;
}

Test(rules, a_leader_counts_only_acknowledgements_of_its_own_term)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    durable_log(&d, 2, 3, 2, 8);
    /* n2 acknowledged index 8 to n1 in term 2, then 5 in term 3. */
    struct raft_message old = ack(2, 1, 2, 8);
    cr_assert(sim_safety_on_send(
        s, 2, &old, 2, sim_disk_durable(&d, sim_persist_acked_index(&old))));
    struct raft_message now = ack(2, 1, 3, 5);
    cr_assert(sim_safety_on_send(
        s, 2, &now, 2, sim_disk_durable(&d, sim_persist_acked_index(&now))));
    struct sim_rules_receipt rc = receipt(0, 0, RAFT_LEADER, 3, 5);
    cr_assert(sim_safety_on_receive(s, 1, &now, &rc));
    safety_assert_no_violation(s);
    /* Leader n1, re-elected in term 3, acts on the term-2 reply. */
    rc = receipt(0, 0, RAFT_LEADER, 3, 8);
    cr_assert_not(sim_safety_on_receive(s, 1, &old, &rc));
    safety_assert_violation(
        s, SIM_PROP_MATCH_INDEX, 1, 2, 3, 8,
        "Leader n1 of term 3 counts n2 as holding index 8 after "
        "a reply of term 2, but n2 acknowledged only up to index "
        "5 in term 3.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(rules, a_leader_of_a_new_term_starts_from_no_acknowledgement)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    durable_log(&d, 3, 2, 2, 4);
    struct raft_message old = ack(3, 1, 2, 4);
    cr_assert(sim_safety_on_send(
        s, 3, &old, 2, sim_disk_durable(&d, sim_persist_acked_index(&old))));
    struct sim_rules_receipt rc = receipt(0, 0, RAFT_LEADER, 4, 4);
    cr_assert_not(sim_safety_on_receive(s, 1, &old, &rc));
    safety_assert_violation(
        s, SIM_PROP_MATCH_INDEX, 1, 3, 4, 4,
        "Leader n1 of term 4 counts n3 as holding index 4 after "
        "a reply of term 2, but n3 acknowledged only up to index "
        "0 in term 4.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

/* ---- persistence: a leader's commit ---- */

Test(rules, a_leader_commits_only_what_a_majority_holds_durably)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d[4];
    durable_log(&d[1], 1, 2, 2, 5);
    durable_log(&d[2], 2, 2, 2, 5);
    durable_log(&d[3], 3, 2, 2, 3);
    const struct sim_disk *disks[4] = {NULL, &d[1], &d[2], &d[3]};
    struct sim_durable dv[4];
    cr_assert(sim_safety_on_leader_commit(s, 1, 2, 5, 2,
                                          sim_disks_durable(disks, 3, 5, dv)));
    safety_assert_no_violation(s);
    /* n1's own index 6 is still pending; n2 acknowledged it. */
    struct raft_entry e6 = {.term = 2, .type = RAFT_ENTRY_NOOP};
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 6, &e6, 1);
    sim_disk_submit(&d[1], b, 0, 1);
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 6, &e6, 1);
    sim_disk_submit(&d[2], b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d[2]));
    cr_assert_not(sim_safety_on_leader_commit(
        s, 1, 2, 6, 2, sim_disks_durable(disks, 3, 6, dv)));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 1, 0, 2, 6,
        "Leader n1 of term 2 committed index 6 (term 2) while "
        "only 1 of 3 nodes hold it durably.");
    sim_safety_free(s);
    for (int i = 1; i <= 3; i++)
        sim_disk_destroy(&d[i]);
}
