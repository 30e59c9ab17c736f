/* test_sim_safety.c: the safety checkers catch each property's violation and
 * accept correct histories, including after compaction and restarts; the
 * persistence checker judges a message against a durable disk image. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/check/sim_persist.h"
#include "sim/check/sim_safety.h"
#include "sim/sim_disk.h"
#include "tests/support/safety_asserts.h"

/* Entry texts live here for the duration of one hook call. */
static char texts[64][32];

/* Builds n command entries with these terms; entry k's bytes are
 * "<tag>:<first_index + k>", so equal tags give equal commands. */
static const struct raft_entry *entries(const char *tag,
                                        uint64_t first_index,
                                        const uint64_t *terms,
                                        size_t n)
{
    static struct raft_entry e[64];
    cr_assert_leq(n, 64u);
    for (size_t k = 0; k < n; k++) {
        snprintf(texts[k], sizeof texts[k], "%s:%llu", tag,
                 (unsigned long long)(first_index + k));
        e[k] = (struct raft_entry){.term = terms[k],
                                   .type = RAFT_ENTRY_COMMAND,
                                   .data = texts[k],
                                   .len = strlen(texts[k])};
    }
    return e;
}

/* Writes entries of these terms at index on node, with the common tag "c". */
static bool write_terms(struct sim_safety *s,
                        uint32_t node,
                        uint64_t index,
                        const uint64_t *terms,
                        size_t n)
{
    return sim_safety_on_log_write(s, node, index,
                                   entries("c", index, terms, n), n);
}

static bool write_one(struct sim_safety *s,
                      uint32_t node,
                      uint64_t index,
                      uint64_t term,
                      const char *tag)
{
    return sim_safety_on_log_write(s, node, index,
                                   entries(tag, index, &term, 1), 1);
}

static bool apply_one(struct sim_safety *s,
                      uint32_t node,
                      uint64_t index,
                      uint64_t term,
                      const char *tag)
{
    return sim_safety_on_apply(s, node, index, entries(tag, index, &term, 1));
}

Test(safety, property_names_are_stable)
{
    cr_assert_str_eq(sim_property_name(SIM_PROP_ELECTION_SAFETY),
                     "election-safety");
    cr_assert_str_eq(sim_property_name(SIM_PROP_LEADER_APPEND_ONLY),
                     "leader-append-only");
    cr_assert_str_eq(sim_property_name(SIM_PROP_LOG_MATCHING), "log-matching");
    cr_assert_str_eq(sim_property_name(SIM_PROP_LEADER_COMPLETENESS),
                     "leader-completeness");
    cr_assert_str_eq(sim_property_name(SIM_PROP_STATE_MACHINE_SAFETY),
                     "state-machine-safety");
    cr_assert_str_eq(sim_property_name(SIM_PROP_COMMIT_MONOTONIC),
                     "commit-monotonic");
    cr_assert_str_eq(sim_property_name(SIM_PROP_STATE_DIGEST), "state-digest");
    cr_assert_str_eq(sim_property_name(SIM_PROP_LINEARIZABILITY),
                     "linearizability");
    cr_assert_str_eq(sim_property_name(SIM_PROP_PERSISTENCE), "persistence");
}

Test(safety, election_safety_allows_one_leader_per_term)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_role(s, 1, RAFT_CANDIDATE, 4));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 4));
    cr_assert(sim_safety_on_role(s, 2, RAFT_CANDIDATE, 4));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 4));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 4));
    safety_assert_violation(s, SIM_PROP_ELECTION_SAFETY, 1, 2, 4, 0,
                            "n1 and n2 were both leader in term 4.");
    sim_safety_free(s);
}

Test(safety, election_safety_remembers_leaders_across_crashes)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_role(s, 3, RAFT_LEADER, 2));
    sim_safety_on_crash(s, 3);
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 3));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    safety_assert_violation(s, SIM_PROP_ELECTION_SAFETY, 3, 2, 2, 0,
                            "n3 and n2 were both leader in term 2.");
    sim_safety_free(s);
}

Test(safety, leader_append_only_forbids_overwriting_own_entry)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    cr_assert(write_one(s, 1, 1, 2, "a"));
    cr_assert(write_one(s, 1, 2, 2, "a"));
    cr_assert(write_one(s, 1, 3, 2, "a"));
    cr_assert_not(write_one(s, 1, 2, 2, "b"));
    safety_assert_violation(
        s, SIM_PROP_LEADER_APPEND_ONLY, 1, 0, 2, 2,
        "Leader n1 of term 2 had its log replaced from index 2, "
        "at or below its last index 3.");
    sim_safety_free(s);
}

Test(safety, leader_append_only_forbids_truncating_own_log)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1};
    cr_assert(write_terms(s, 2, 1, t, 3));
    cr_assert(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    cr_assert_not(sim_safety_on_log_write(s, 2, 3, NULL, 0));
    safety_assert_violation(
        s, SIM_PROP_LEADER_APPEND_ONLY, 2, 0, 2, 3,
        "Leader n2 of term 2 had its log replaced from index 3, "
        "at or below its last index 3.");
    sim_safety_free(s);
}

Test(safety, leader_append_only_allows_truncation_after_stepping_down)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    cr_assert(write_one(s, 1, 1, 2, "a"));
    cr_assert(write_one(s, 1, 2, 2, "a"));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 3));
    cr_assert(write_one(s, 1, 2, 3, "b"));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(safety, log_matching_requires_equal_prefix_at_equal_index_and_term)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t1[] = {1, 3};
    uint64_t t2[] = {2, 3};
    cr_assert(write_terms(s, 1, 1, t1, 2));
    cr_assert_not(write_terms(s, 2, 1, t2, 2));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 3, 2,
        "n2 and n1 both hold an entry at index 2 with term 3, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

Test(safety, log_matching_requires_one_command_per_index_and_term)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(write_one(s, 3, 1, 1, "x"));
    cr_assert(write_one(s, 1, 1, 2, "y"));
    cr_assert(write_one(s, 2, 1, 1, "x"));
    cr_assert_not(write_one(s, 2, 1, 2, "z"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 2, 1,
        "n2 and n1 both hold an entry at index 1 with term 2, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

/* A batch is judged entry by entry, each after the chain of the one before
 * it in the same batch (sim_safety.c carries that chain through the batch
 * and passes over the entries registered already, exactly so). */
Test(safety, log_matching_judges_every_entry_of_a_batch)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 5));
    /* The same log in two batches: no violation. */
    cr_assert(write_terms(s, 2, 1, t, 2));
    cr_assert(write_terms(s, 2, 3, t, 3));
    const struct raft_entry *e = entries("c", 1, t, 5);
    texts[3][0] = 'd'; /* index 4 holds "d:4" */
    cr_assert_not(sim_safety_on_log_write(s, 3, 1, e, 5));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 3, 1, 1, 4,
        "n3 and n1 both hold an entry at index 4 with term 1, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

/* A commit that covers many indices judges each against the entry
 * committed there (sim_safety.c passes over the ones whose chain is the
 * committed one, committed in this term or earlier). */
Test(safety, a_commit_judges_every_index_it_covers)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t a[] = {1, 1, 1, 1};
    uint64_t b[] = {1, 1, 2, 2};
    cr_assert(write_terms(s, 1, 1, a, 4));
    cr_assert(write_terms(s, 2, 1, b, 4));
    cr_assert(sim_safety_on_commit(s, 1, 4));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert_not(sim_safety_on_commit(s, 2, 4));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 1, 2, 3,
        "n2 committed term 2 at index 3 where n1 committed term "
        "1, or their logs differ before it.");
    sim_safety_free(s);
}

Test(safety, log_matching_checks_entries_after_a_snapshot_reset)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 4));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    /* n2 installs a snapshot through 2 and holds a different index 3. */
    cr_assert(sim_safety_on_log_reset(s, 2, 2, 1, NULL, 0));
    cr_assert_not(write_one(s, 2, 3, 1, "other"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 1, 3,
        "n2 and n1 both hold an entry at index 3 with term 1, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

Test(safety, log_write_overlapping_the_snapshot_extends_it)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 12));
    cr_assert(sim_safety_on_commit(s, 1, 10));
    cr_assert(sim_safety_on_log_reset(s, 3, 10, 1, NULL, 0));
    /* An AppendEntries from index 9 on: 9 and 10 are inside the snapshot. */
    cr_assert(write_terms(s, 3, 9, t + 8, 4));
    cr_assert(sim_safety_on_commit(s, 3, 12));
    cr_assert(write_one(s, 1, 13, 1, "x"));
    cr_assert_not(write_one(s, 3, 13, 1, "y"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 3, 1, 1, 13,
        "n3 and n1 both hold an entry at index 13 with term 1, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

Test(safety, state_machine_safety_checks_a_snapshot_against_commits)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 3));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert_not(sim_safety_on_log_reset(s, 2, 2, 2, NULL, 0));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 1, 2, 2,
        "n2 holds a snapshot through index 2 of term 2 where n1 "
        "committed term 1.");
    sim_safety_free(s);
}

Test(safety, leader_completeness_requires_new_leader_to_hold_commits)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1};
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    cr_assert(write_terms(s, 1, 1, t, 3));
    cr_assert(write_terms(s, 2, 1, t, 3));
    cr_assert(sim_safety_on_commit(s, 1, 3));
    cr_assert(write_terms(s, 3, 1, t, 2));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert_not(sim_safety_on_role(s, 3, RAFT_LEADER, 2));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 3, 1, 2, 3,
        "Leader n3 of term 2 lacks the entry of term 1 that n1 "
        "committed at index 3 in term 1: its log ends at index "
        "2.");
    sim_safety_free(s);
}

Test(safety, leader_completeness_requires_the_committed_entry_itself)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1};
    uint64_t other[] = {1, 2, 2};
    cr_assert(write_terms(s, 1, 1, t, 2));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(write_terms(s, 2, 1, other, 3));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 3));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 2, 1, 3, 2,
        "Leader n2 of term 3 holds term 2 at index 2 where n1 "
        "committed the entry of term 1 in term 2, or a different "
        "log before it.");
    sim_safety_free(s);
}

/* Indices 1..4096 (two pages of sim_chain.h's chains): n1 and n2 hold
 * them in term 1 and n1 counts them committed in term 2 (its checker then
 * keeps only their terms: their chains are the committed ones); n1's log
 * is then rewritten from index `from` with an entry of term 2, as a core
 * that drops committed entries would. */
static struct sim_safety *committed_entries_rewritten(uint64_t from)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[64];
    for (size_t k = 0; k < 64; k++)
        t[k] = 1;
    for (uint64_t i = 1; i <= 4096; i += 64) {
        cr_assert(write_terms(s, 1, i, t, 64));
        cr_assert(write_terms(s, 2, i, t, 64));
    }
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert(sim_safety_on_commit(s, 1, 4096));
    cr_assert(write_one(s, 1, from, 2, "x"));
    return s;
}

Test(safety, leader_completeness_sees_a_committed_entry_rewritten_later)
{
    struct sim_safety *s = committed_entries_rewritten(4096);
    cr_assert_not(sim_safety_on_role(s, 1, RAFT_LEADER, 3));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 1, 1, 3, 4096,
        "Leader n1 of term 3 holds term 2 at index 4096 where n1 "
        "committed the entry of term 1 in term 2, or a different "
        "log before it.");
    sim_safety_free(s);
}

Test(safety, state_machine_safety_sees_a_committed_entry_rewritten_later)
{
    struct sim_safety *s = committed_entries_rewritten(2000);
    /* n1 compacts through the rewritten index 2000: its snapshot holds an
     * entry other than the one committed there. */
    sim_safety_on_compact(s, 1, 2000);
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 1, 1, 2, 2000,
        "n1 committed term 2 at index 2000 where n1 committed term 1, or "
        "their logs differ before it.");
    sim_safety_free(s);
}

Test(safety, entries_kept_after_their_commit_still_anchor_appends_and_snapshots)
{
    struct sim_safety *s = committed_entries_rewritten(4097); /* none cut */
    cr_assert(write_one(s, 2, 4097, 2, "x")); /* the same entry after */
    sim_safety_on_compact(s, 1, 3000);
    cr_assert(sim_safety_on_commit(s, 2, 4097));
    cr_assert(sim_safety_on_role(s, 2, RAFT_LEADER, 3));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 3));
    cr_assert(sim_safety_on_commit(s, 1, 4097));
    cr_assert_null(sim_safety_violation(s));
    sim_safety_free(s);
}

Test(safety, an_entry_committed_after_another_was_seen_at_its_index_counts)
{
    /* n1 holds an entry of term 1 at index 1 that is never committed; n2's
     * entry of term 2 there is the one committed, and it, not the first
     * seen, is what every later leader and apply is judged against. */
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(write_one(s, 1, 1, 1, "a"));
    cr_assert(write_one(s, 2, 1, 2, "b"));
    cr_assert(write_one(s, 3, 1, 2, "b"));
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 3));
    cr_assert(sim_safety_on_commit(s, 2, 1));
    cr_assert(sim_safety_on_role(s, 3, RAFT_FOLLOWER, 3));
    cr_assert(sim_safety_on_commit(s, 3, 1));
    cr_assert(apply_one(s, 3, 1, 2, "b"));
    cr_assert_not(sim_safety_on_role(s, 1, RAFT_LEADER, 4));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 1, 2, 4, 1,
        "Leader n1 of term 4 holds term 1 at index 1 where n2 "
        "committed the entry of term 2 in term 3, or a different "
        "log before it.");
    sim_safety_free(s);
}

Test(safety, leader_completeness_is_checked_when_a_commit_advances)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1};
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    cr_assert(write_terms(s, 1, 1, t, 3));
    cr_assert(write_terms(s, 2, 1, t, 3));
    /* Nothing committed yet: n3 may win term 2 with an empty log. */
    cr_assert(sim_safety_on_role(s, 3, RAFT_LEADER, 2));
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 2));
    /* n2 now counts index 3 committed while n3 leads term 2 without it. */
    cr_assert_not(sim_safety_on_commit(s, 2, 3));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 3, 2, 2, 3,
        "Leader n3 of term 2 lacks the entry of term 1 that n2 "
        "committed at index 3 in term 2: its log ends at index "
        "0.");
    sim_safety_free(s);
}

/* n1 leads term 1 and holds indices 1..2 of term 1, as does n2; n3 holds
 * only index 1. Nothing is committed yet. */
static struct sim_safety *leader_of_term_one_with_a_short_follower(void)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1};
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    cr_assert(write_terms(s, 1, 1, t, 2));
    cr_assert(write_terms(s, 2, 1, t, 2));
    cr_assert(write_terms(s, 3, 1, t, 1));
    return s;
}

Test(safety, leader_completeness_counts_from_the_term_an_entry_was_committed)
{
    /* n2, already in term 4, is the first to report index 2 committed; n1,
     * the leader of term 1 that committed it, reports it afterwards. The
     * entry was committed in term 1, so the leader of term 3 must hold it,
     * although no node had seen it committed by term 3 when it was first
     * reported. */
    struct sim_safety *s = leader_of_term_one_with_a_short_follower();
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 4));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 3));
    cr_assert_not(sim_safety_on_role(s, 3, RAFT_LEADER, 3));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 3, 1, 3, 2,
        "Leader n3 of term 3 lacks the entry of term 1 that n1 "
        "committed at index 2 in term 1: its log ends at index "
        "1.");
    sim_safety_free(s);
}

Test(safety, leader_completeness_is_checked_when_an_earlier_commit_term_shows)
{
    /* n3 leads term 3 without index 2. Index 2 is first reported committed
     * by n2 in term 4, which n3 need not hold; then n1 reports it from
     * term 1, which makes it an entry n3 should have had. */
    struct sim_safety *s = leader_of_term_one_with_a_short_follower();
    cr_assert(sim_safety_on_role(s, 3, RAFT_LEADER, 3));
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 4));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert_not(sim_safety_on_commit(s, 1, 2));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 3, 1, 3, 2,
        "Leader n3 of term 3 lacks the entry of term 1 that n1 "
        "committed at index 2 in term 1: its log ends at index "
        "1.");
    sim_safety_free(s);
}

Test(safety, leader_completeness_spares_a_stale_leader_of_an_earlier_term)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t1[] = {1};
    cr_assert(write_terms(s, 1, 1, t1, 1));
    cr_assert(write_terms(s, 2, 1, t1, 1));
    cr_assert(write_terms(s, 3, 1, t1, 1));
    cr_assert(sim_safety_on_role(s, 1, RAFT_CANDIDATE, 2));
    /* n2 leads term 3 and commits index 2, which n1 lacks. */
    cr_assert(sim_safety_on_role(s, 2, RAFT_LEADER, 3));
    cr_assert(write_one(s, 2, 2, 3, "c"));
    cr_assert(sim_safety_on_role(s, 3, RAFT_FOLLOWER, 3));
    cr_assert(write_one(s, 3, 2, 3, "c"));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert(sim_safety_on_commit(s, 3, 2));
    /* Votes of term 2, granted before the voters moved to term 3, arrive
     * late: n1 leads term 2 without index 2, which Raft allows (it can no
     * longer commit anything). */
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(safety, state_machine_safety_checks_every_apply_against_the_commit)
{
    /* The first and only apply at index 2 is of another term than the entry
     * committed there: no second apply is needed to see it. */
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 3));
    cr_assert(sim_safety_on_commit(s, 1, 3));
    cr_assert(apply_one(s, 1, 1, 1, "c"));
    cr_assert_not(apply_one(s, 1, 2, 2, "c"));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 1, 1, 2, 2,
        "n1 applied an entry of term 2 at index 2 other than the "
        "one of term 1 n1 committed there.");
    sim_safety_free(s);
}

Test(safety, state_machine_safety_compares_command_bytes)
{
    struct sim_safety *s = sim_safety_new(2);
    uint64_t t[] = {3, 3};
    cr_assert(write_terms(s, 1, 1, t, 2));
    cr_assert(write_terms(s, 2, 1, t, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert(apply_one(s, 1, 1, 3, "c"));
    cr_assert_not(apply_one(s, 2, 1, 3, "other"));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 1, 3, 1,
        "n2 applied an entry of term 3 at index 1 other than the "
        "one of term 3 n1 committed there.");
    sim_safety_free(s);
}

Test(safety, state_machine_safety_forbids_applying_beyond_the_commit_index)
{
    /* n2 applies index 3 that n1 committed, but n2's own commit index is 2:
     * it applied an entry it did not know to be committed. */
    struct sim_safety *s = sim_safety_new(2);
    uint64_t t[] = {1, 1, 1};
    cr_assert(write_terms(s, 1, 1, t, 3));
    cr_assert(write_terms(s, 2, 1, t, 3));
    cr_assert(sim_safety_on_commit(s, 1, 3));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert(apply_one(s, 2, 2, 1, "c"));
    cr_assert_not(apply_one(s, 2, 3, 1, "c"));
    safety_assert_violation(s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 0, 1, 3,
                            "n2 applied index 3 beyond its commit index 2.");
    sim_safety_free(s);
}

Test(safety, state_machine_safety_forbids_two_entries_committed_at_one_index)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t a[] = {1, 1};
    uint64_t b[] = {1, 2};
    cr_assert(write_terms(s, 1, 1, a, 2));
    cr_assert(write_terms(s, 2, 1, b, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert_not(sim_safety_on_commit(s, 2, 2));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 1, 2, 2,
        "n2 committed term 2 at index 2 where n1 committed term "
        "1, or their logs differ before it.");
    sim_safety_free(s);
}

Test(safety, commit_index_never_decreases_within_a_lifetime)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1, 1, 1};
    cr_assert(write_terms(s, 2, 1, t, 5));
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 1));
    cr_assert(sim_safety_on_commit(s, 2, 3));
    cr_assert(sim_safety_on_commit(s, 2, 5));
    cr_assert_not(sim_safety_on_commit(s, 2, 4));
    safety_assert_violation(s, SIM_PROP_COMMIT_MONOTONIC, 2, 0, 1, 4,
                            "n2's commit index went back from 5 to 4 in term 1 "
                            "without a crash.");
    sim_safety_free(s);
}

Test(safety, commit_index_starts_over_after_a_crash)
{
    struct sim_safety *s = sim_safety_new(3);
    uint64_t t[] = {1, 1, 1, 1, 1};
    cr_assert(write_terms(s, 2, 1, t, 5));
    cr_assert(sim_safety_on_commit(s, 2, 5));
    sim_safety_on_crash(s, 2);
    cr_assert(sim_safety_on_log_reset(s, 2, 0, 0, entries("c", 1, t, 5), 5));
    cr_assert(sim_safety_on_commit(s, 2, 2));
    cr_assert(sim_safety_on_commit(s, 2, 5));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(safety, equal_applied_index_implies_equal_state_digest)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_state(s, 1, 0, 0x1111));
    cr_assert(sim_safety_on_state(s, 2, 0, 0x1111));
    cr_assert(sim_safety_on_state(s, 1, 4, 0xabcdef));
    cr_assert(sim_safety_on_state(s, 3, 4, 0xabcdef));
    cr_assert_not(sim_safety_on_state(s, 2, 4, 0xabcdee));
    safety_assert_violation(
        s, SIM_PROP_STATE_DIGEST, 2, 1, 0, 4,
        "n2 and n1 both applied through index 4 but their state "
        "digests differ (0000000000abcdee and "
        "0000000000abcdef).");
    sim_safety_free(s);
}

Test(safety, first_violation_is_kept_and_later_hooks_fail)
{
    struct sim_safety *s = sim_safety_new(3);
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 1));
    cr_assert_not(sim_safety_on_commit(s, 3, 0));
    cr_assert_not(sim_safety_on_state(s, 1, 3, 1));
    cr_assert_not(apply_one(s, 1, 1, 1, "a"));
    cr_assert_not(write_one(s, 3, 1, 1, "a"));
    safety_assert_violation(s, SIM_PROP_ELECTION_SAFETY, 1, 2, 1, 0,
                            "n1 and n2 were both leader in term 1.");
    sim_safety_free(s);
}

/* Replicates one entry of the leader's term at index to the given nodes. */
static void replicate(struct sim_safety *s,
                      uint64_t index,
                      uint64_t term,
                      const uint32_t *nodes,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cr_assert(
            write_one(s, nodes[i], index, term, "c"),
            "replicating %llu to n%u: %s", (unsigned long long)index, nodes[i],
            sim_safety_violation(s) ? sim_safety_violation(s)->detail : "");
    }
}

static void commit_apply(struct sim_safety *s,
                         uint32_t node,
                         uint64_t from,
                         uint64_t to,
                         const uint64_t *terms)
{
    cr_assert(sim_safety_on_commit(s, node, to));
    for (uint64_t i = from; i <= to; i++) {
        cr_assert(apply_one(s, node, i, terms[i], "c"));
        cr_assert(sim_safety_on_state(s, node, i, 1000 + i));
    }
}

Test(safety, correct_cluster_history_raises_no_violation)
{
    struct sim_safety *s = sim_safety_new(3);
    uint32_t all[] = {1, 2, 3};
    uint32_t n12[] = {1, 2};
    uint32_t n23[] = {2, 3};
    /* terms[i]: the term of the committed entry at index i. */
    uint64_t terms[] = {0, 1, 1, 1, 2, 2, 2};

    /* Term 1: n1 leads, indices 1..3 reach everyone, 4 only n1. */
    cr_assert(sim_safety_on_role(s, 1, RAFT_CANDIDATE, 1));
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 1));
    cr_assert(sim_safety_on_role(s, 3, RAFT_FOLLOWER, 1));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    for (uint64_t i = 1; i <= 3; i++) {
        replicate(s, i, 1, all, 3);
    }
    replicate(s, 4, 1, all, 1);
    commit_apply(s, 1, 1, 3, terms);
    commit_apply(s, 2, 1, 2, terms);

    /* n1 crashes; its write of index 4 was durable. */
    sim_safety_on_crash(s, 1);
    cr_assert(sim_safety_on_role(s, 2, RAFT_CANDIDATE, 2));
    cr_assert(sim_safety_on_role(s, 3, RAFT_FOLLOWER, 2));
    cr_assert(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    for (uint64_t i = 4; i <= 5; i++) {
        replicate(s, i, 2, n23, 2);
    }
    commit_apply(s, 2, 3, 5, terms);
    commit_apply(s, 3, 1, 4, terms);

    /* n1 restarts from its durable log and loses its uncommitted index 4. */
    uint64_t old[] = {1, 1, 1, 1};
    cr_assert(sim_safety_on_log_reset(s, 1, 0, 0, entries("c", 1, old, 4), 4));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    uint64_t fix[] = {2, 2};
    cr_assert(write_terms(s, 1, 4, fix, 2));
    commit_apply(s, 1, 1, 5, terms);

    /* n2 compacts through 4; n3 crashes and restarts from such a snapshot. */
    sim_safety_on_compact(s, 2, 4);
    sim_safety_on_compact(s, 3, 4);
    sim_safety_on_crash(s, 3);
    uint64_t tail[] = {2};
    cr_assert(sim_safety_on_log_reset(s, 3, 4, 2, entries("c", 5, tail, 1), 1));
    cr_assert(sim_safety_on_role(s, 3, RAFT_FOLLOWER, 2));
    cr_assert(sim_safety_on_commit(s, 3, 4));
    cr_assert(sim_safety_on_state(s, 3, 4, 1004));
    replicate(s, 6, 2, all + 1, 2);
    replicate(s, 6, 2, n12, 1);
    commit_apply(s, 2, 6, 6, terms);
    commit_apply(s, 3, 5, 6, terms);

    /* Term 3: n3 wins holding everything committed. */
    cr_assert(sim_safety_on_role(s, 2, RAFT_FOLLOWER, 3));
    cr_assert(sim_safety_on_role(s, 3, RAFT_LEADER, 3));
    cr_assert(write_one(s, 3, 7, 3, "noop"));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

/* Every node holds indices 1..to of term 1, committed, applied and
 * compacted through compact_to. */
static void build_compacted(struct sim_safety *s,
                            uint32_t n_nodes,
                            uint64_t to,
                            uint64_t compact_to)
{
    uint64_t t = 1;
    for (uint64_t i = 1; i <= to; i++) {
        for (uint32_t node = 1; node <= n_nodes; node++) {
            cr_assert(write_one(s, node, i, t, "c"));
        }
    }
    for (uint32_t node = 1; node <= n_nodes; node++) {
        cr_assert(sim_safety_on_commit(s, node, to));
        for (uint64_t i = 1; i <= to; i++) {
            cr_assert(apply_one(s, node, i, t, "c"));
            cr_assert(sim_safety_on_state(s, node, i, 500 + i));
        }
        sim_safety_on_compact(s, node, compact_to);
    }
}

Test(safety, trimming_forgets_indices_below_every_snapshot)
{
    struct sim_safety *s = sim_safety_new(3);
    build_compacted(s, 3, 20, 10);
    cr_assert_eq(sim_safety_tracked_indices(s), 11u);
    sim_safety_on_compact(s, 1, 14);
    sim_safety_on_compact(s, 2, 14);
    cr_assert_eq(sim_safety_tracked_indices(s), 11u);
    sim_safety_on_compact(s, 3, 12);
    cr_assert_eq(sim_safety_tracked_indices(s), 9u);
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(safety, trimming_keeps_leader_completeness_after_compaction)
{
    struct sim_safety *s = sim_safety_new(3);
    build_compacted(s, 3, 20, 15);
    cr_assert_eq(sim_safety_tracked_indices(s), 6u);
    /* A new leader missing committed index 20 is still caught. */
    cr_assert(sim_safety_on_log_write(s, 2, 20, NULL, 0));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 2, 1, 2, 20,
        "Leader n2 of term 2 lacks the entry of term 1 that n1 "
        "committed at index 20 in term 0: its log ends at index "
        "19.");
    sim_safety_free(s);
}

Test(safety, restart_from_a_snapshot_below_the_trim_point_is_rechecked_above)
{
    struct sim_safety *s = sim_safety_new(3);
    build_compacted(s, 3, 20, 11);
    for (uint64_t c = 12; c <= 15; c++) {
        for (uint32_t node = 1; node <= 3; node++) {
            sim_safety_on_compact(s, node, c);
        }
    }
    cr_assert_eq(sim_safety_tracked_indices(s), 6u);
    /* n3's snapshots after 11 were lost: it restarts from 11, below the
     * trim point, and replays its log. */
    sim_safety_on_crash(s, 3);
    uint64_t t[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    cr_assert(sim_safety_on_log_reset(s, 3, 11, 1, entries("c", 12, t, 9), 9));
    cr_assert(sim_safety_on_commit(s, 3, 20));
    cr_assert(sim_safety_on_state(s, 3, 11, 511));
    cr_assert(sim_safety_on_state(s, 3, 20, 520));
    /* Its re-anchored chain agrees with the others' above the trim point. */
    cr_assert(write_one(s, 1, 21, 2, "x"));
    cr_assert(write_one(s, 3, 21, 2, "x"));
    safety_assert_no_violation(s);
    cr_assert_not(write_one(s, 2, 21, 2, "y"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 2, 21,
        "n2 and n1 both hold an entry at index 21 with term 2, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

/* n3 restarts from snapshot 5, older than any snapshot point still
 * remembered (the trim point is 20), with a log 6..30 whose entry `bad`
 * (0: none) has other bytes and whose entries stale_from..30 (0: none) have
 * term 9. */
static struct sim_safety *restart_from_forgotten_snapshot(uint64_t bad,
                                                          uint64_t stale_from)
{
    struct sim_safety *s = sim_safety_new(3);
    build_compacted(s, 3, 30, 5);
    for (uint64_t c = 6; c <= 20; c++) {
        for (uint32_t node = 1; node <= 3; node++) {
            sim_safety_on_compact(s, node, c);
        }
    }
    cr_assert_eq(sim_safety_tracked_indices(s), 11u);
    sim_safety_on_crash(s, 3);
    uint64_t t[25];
    for (size_t k = 0; k < 25; k++) {
        t[k] = stale_from > 0 && 6 + k >= stale_from ? 9 : 1;
    }
    struct raft_entry e[25];
    memcpy(e, entries("c", 6, t, 25), sizeof e);
    if (bad > 0) {
        e[bad - 6].data = "other";
        e[bad - 6].len = 5;
    }
    sim_safety_on_log_reset(s, 3, 5, 1, e, 25);
    return s;
}

Test(safety, restart_from_a_forgotten_snapshot_is_checked_from_the_trim_point)
{
    struct sim_safety *s = restart_from_forgotten_snapshot(0, 0);
    safety_assert_no_violation(s);
    cr_assert(sim_safety_on_commit(s, 3, 30));
    cr_assert(write_one(s, 1, 31, 2, "x"));
    cr_assert(write_one(s, 3, 31, 2, "x"));
    /* Compacting inside the unknown prefix and restarting there again. */
    sim_safety_on_compact(s, 3, 10);
    sim_safety_on_crash(s, 3);
    uint64_t t[21];
    for (size_t k = 0; k < 21; k++) {
        t[k] = k < 20 ? 1 : 2;
    }
    struct raft_entry e[21];
    memcpy(e, entries("c", 11, t, 21), sizeof e);
    e[20].data = "x:31";
    e[20].len = 4;
    cr_assert(sim_safety_on_log_reset(s, 3, 10, 1, e, 21));
    cr_assert(sim_safety_on_commit(s, 3, 30));
    safety_assert_no_violation(s);
    cr_assert_not(write_one(s, 2, 31, 2, "y"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 2, 31,
        "n2 and n1 both hold an entry at index 31 with term 2, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

/* A bad entry in the log of a node restarted from a forgotten snapshot: at
 * 25, above the trim point, or at 20, the entry it adopts there. */
ParameterizedTestParameters(
    safety,
    restart_from_a_forgotten_snapshot_catches_a_bad_entry)
{
    static uint64_t bad_index[] = {25, 20};
    return cr_make_param_array(uint64_t, bad_index,
                               sizeof bad_index / sizeof bad_index[0]);
}

ParameterizedTest(uint64_t *bad,
                  safety,
                  restart_from_a_forgotten_snapshot_catches_a_bad_entry)
{
    struct sim_safety *s = restart_from_forgotten_snapshot(*bad, 0);
    char detail[160];
    snprintf(detail, sizeof detail,
             "n3 and n1 both hold an entry at index %" PRIu64
             " with term 1, but their logs differ at or before it.",
             *bad);
    safety_assert_violation(s, SIM_PROP_LOG_MATCHING, 3, 1, 1, *bad, detail);
    sim_safety_free(s);
}

Test(safety, unknown_chains_are_still_compared_by_term_at_commit)
{
    /* Index 20 cannot be adopted (term 9 is unknown there), so n3's chains
     * stay unknown; their terms still count. */
    struct sim_safety *s = restart_from_forgotten_snapshot(0, 20);
    safety_assert_no_violation(s);
    cr_assert_not(sim_safety_on_commit(s, 3, 30));
    safety_assert_violation(
        s, SIM_PROP_STATE_MACHINE_SAFETY, 3, 1, 9, 20,
        "n3 committed term 9 at index 20 where n1 committed term "
        "1, or their logs differ before it.");
    sim_safety_free(s);
}

Test(safety, unknown_chains_are_still_compared_by_term_for_a_leader)
{
    struct sim_safety *s = restart_from_forgotten_snapshot(0, 20);
    cr_assert_not(sim_safety_on_role(s, 3, RAFT_LEADER, 5));
    safety_assert_violation(
        s, SIM_PROP_LEADER_COMPLETENESS, 3, 1, 5, 30,
        "Leader n3 of term 5 holds term 9 at index 30 where n1 "
        "committed the entry of term 1 in term 0, or a different "
        "log before it.");
    sim_safety_free(s);
}

Test(safety, trimming_keeps_log_matching_above_the_trim_point)
{
    struct sim_safety *s = sim_safety_new(2);
    build_compacted(s, 2, 20, 19);
    cr_assert(write_one(s, 1, 21, 2, "x"));
    cr_assert_not(write_one(s, 2, 21, 2, "y"));
    safety_assert_violation(
        s, SIM_PROP_LOG_MATCHING, 2, 1, 2, 21,
        "n2 and n1 both hold an entry at index 21 with term 2, "
        "but their logs differ at or before it.");
    sim_safety_free(s);
}

Test(safety, trimming_keeps_state_machine_safety_above_the_trim_point)
{
    struct sim_safety *s = sim_safety_new(2);
    build_compacted(s, 2, 20, 19);
    cr_assert(write_one(s, 1, 21, 2, "x"));
    cr_assert(write_one(s, 2, 21, 2, "x"));
    cr_assert(sim_safety_on_commit(s, 1, 21));
    cr_assert(sim_safety_on_commit(s, 2, 21));
    cr_assert(apply_one(s, 1, 21, 2, "x"));
    cr_assert_not(apply_one(s, 2, 21, 2, "y"));
    cr_assert_eq(sim_safety_violation(s)->property,
                 SIM_PROP_STATE_MACHINE_SAFETY);
    cr_assert_eq(sim_safety_violation(s)->index, 21u);
    sim_safety_free(s);
}

/* Entries kept aside from their index's slot (an entry of a further term,
 * a committed entry other than the first seen) share one array whose places
 * are freed at the trim point and taken again: at every index n2 or n3
 * writes an entry of a term of that index alone before taking the common
 * one, on odd indices before the common entry is seen (which is then
 * committed aside). Above the trim point each is still found: another
 * entry of that index and term breaks Log Matching against its first
 * holder, and every apply is judged against the committed entry. The run
 * spans three pages of slots, the first released before the third is
 * allocated: a slot is zeroed when created, not when its page is. */
Test(safety, entries_kept_aside_are_found_until_their_index_is_trimmed)
{
    enum { LAST = 2100, KEEP = 5 };
    struct sim_safety *s = sim_safety_new(3);
    for (uint64_t i = 1; i <= LAST; i++) {
        uint32_t odd = (uint32_t)(2 + i % 2); /* n3 on odd indices */
        if (i % 2) {
            cr_assert(write_one(s, odd, i, 100 + i, "z"));
        }
        cr_assert(write_one(s, 1, i, 1, "c"));
        if (!(i % 2)) {
            cr_assert(write_one(s, odd, i, 100 + i, "z"));
        }
        cr_assert(write_one(s, 2, i, 1, "c"));
        cr_assert(write_one(s, 3, i, 1, "c"));
        for (uint32_t node = 1; node <= 3; node++) {
            cr_assert(sim_safety_on_commit(s, node, i));
            cr_assert(apply_one(s, node, i, 1, "c"));
            if (i > KEEP) {
                sim_safety_on_compact(s, node, i - KEEP);
            }
        }
    }
    safety_assert_no_violation(s);
    cr_assert_eq(sim_safety_tracked_indices(s), (size_t)KEEP + 1);
    for (uint64_t i = LAST - KEEP + 1; i <= LAST; i++) {
        cr_assert(apply_one(s, 2, i, 1, "c"), "index %" PRIu64, i);
    }
    uint64_t i = LAST - KEEP + 1; /* even: kept aside, n2 held it first */
    cr_assert_not(write_one(s, 3, i, 100 + i, "w"));
    char want[128];
    snprintf(want, sizeof want,
             "n3 and n2 both hold an entry at index %" PRIu64
             " with term %" PRIu64 ", but their logs differ at or before it.",
             i, 100 + i);
    safety_assert_violation(s, SIM_PROP_LOG_MATCHING, 3, 2, 100 + i, i, want);
    sim_safety_free(s);
}

Test(safety, tracked_indices_stay_bounded_over_a_long_run_with_snapshots)
{
    enum { NODES = 3, ENTRIES = 50000, EVERY = 1000 };
    struct sim_safety *s = sim_safety_new(NODES);
    for (uint32_t node = 1; node <= NODES; node++) {
        cr_assert(sim_safety_on_role(
            s, node, node == 1 ? RAFT_LEADER : RAFT_FOLLOWER, 1));
    }
    size_t peak = 0;
    for (uint64_t i = 1; i <= ENTRIES; i++) {
        for (uint32_t node = 1; node <= NODES; node++) {
            cr_assert(write_one(s, node, i, 1, "c"));
            cr_assert(sim_safety_on_commit(s, node, i));
            cr_assert(apply_one(s, node, i, 1, "c"));
            cr_assert(sim_safety_on_state(s, node, i, i));
            if (i % EVERY == 0) {
                sim_safety_on_compact(s, node, i);
            }
        }
        if (sim_safety_tracked_indices(s) > peak) {
            peak = sim_safety_tracked_indices(s);
        }
    }
    safety_assert_no_violation(s);
    /* Indices from the last common snapshot point to the newest entry. */
    cr_assert_eq(peak, (size_t)EVERY);
    sim_safety_free(s);
}

/* ---- the persistence contract ---- */

/* Submits one write to d (term/vote when hard, entries of these terms from
 * index) and, when durable, completes it at once. */
static void disk_write(struct sim_disk *d,
                       bool durable,
                       bool hard,
                       uint64_t term,
                       uint64_t vote,
                       uint64_t index,
                       const uint64_t *terms,
                       size_t n)
{
    struct sim_disk_batch *b = sim_disk_batch_new();
    if (hard) {
        sim_disk_batch_set_hard(b, term, vote);
    }
    if (n > 0) {
        sim_disk_batch_set_entries(b, index, entries("c", index, terms, n), n);
    }
    sim_disk_submit(d, b, 0, 1);
    if (durable) {
        sim_disk_batch_free(sim_disk_complete(d));
    }
}

static void disk_complete_all(struct sim_disk *d)
{
    while (sim_disk_pending(d) > 0) {
        sim_disk_batch_free(sim_disk_complete(d));
    }
}

static struct raft_message vote_result(uint64_t from,
                                       uint64_t to,
                                       uint64_t term,
                                       bool granted)
{
    struct raft_message m = {
        .type = RAFT_MSG_REQUEST_VOTE_RESULT,
        .from = from,
        .to = to,
        .term = term,
    };
    m.request_vote_result.granted = granted;
    return m;
}

static struct raft_message append_result(uint64_t from,
                                         uint64_t to,
                                         uint64_t term,
                                         uint64_t index)
{
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES_RESULT,
        .from = from,
        .to = to,
        .term = term,
    };
    m.append_entries_result.success = true;
    m.append_entries_result.index = index;
    return m;
}

/* A message that promises a term or a vote its sender has not made durable
 * yet: durable (term, vote), then a pending write of (term, vote 1), then
 * the message from `from` to `to` in `term`. */
struct unpersisted_send
{
    uint64_t durable_term;
    enum raft_message_type type;
    uint64_t from, to, term;
    char detail[160];
};

ParameterizedTestParameters(persistence,
                            a_message_promising_what_is_not_durable_is_caught)
{
    static struct unpersisted_send cases[] = {
        /* A granted vote needs its term durable. */
        {2, RAFT_MSG_REQUEST_VOTE_RESULT, 2, 1, 3,
         "n2 sent RequestVoteResult of term 3 to n1 while its durable term "
         "is 2."},
        /* ... and the vote itself: the term reached the disk in an earlier
         * write, the vote is pending. */
        {3, RAFT_MSG_REQUEST_VOTE_RESULT, 2, 1, 3,
         "n2 sent RequestVoteResult of term 3 to n1, promising its vote to "
         "n1, while its durable vote in that term is none."},
        /* A leader took office counting its own vote: a restart must keep
         * it. */
        {4, RAFT_MSG_APPEND_ENTRIES, 1, 3, 4,
         "n1 sent AppendEntries of term 4 to n3, promising its vote to n1, "
         "while its durable vote in that term is none."},
    };
    return cr_make_param_array(struct unpersisted_send, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct unpersisted_send *c,
                  persistence,
                  a_message_promising_what_is_not_durable_is_caught)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, c->durable_term, 0, 0, NULL, 0);
    disk_write(&d, false, true, c->term, 1, 0, NULL, 0);
    struct raft_message m = {
        .type = c->type, .from = c->from, .to = c->to, .term = c->term};
    if (c->type == RAFT_MSG_REQUEST_VOTE_RESULT)
        m.request_vote_result.granted = true;
    cr_assert_not(
        sim_safety_on_send(s, (uint32_t)c->from, &m, 0,
                           sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(s, SIM_PROP_PERSISTENCE, (uint32_t)c->from,
                            (uint32_t)c->to, c->term, 0, c->detail);
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_vote_leaves_once_durable_and_a_refusal_promises_no_vote)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, false, true, 3, 1, 0, NULL, 0);
    disk_complete_all(&d);
    struct raft_message grant = vote_result(2, 1, 3, true);
    cr_assert(sim_safety_on_send(
        s, 2, &grant, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&grant))));
    /* Refusing n3 in term 3 after voting for n1 promises only the term. */
    struct raft_message refusal = vote_result(2, 3, 3, false);
    cr_assert(sim_safety_on_send(
        s, 2, &refusal, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&refusal))));
    /* A grant from an earlier term is covered by the later durable term. */
    struct raft_message old = vote_result(2, 3, 2, true);
    cr_assert(sim_safety_on_send(
        s, 2, &old, 0, sim_disk_durable(&d, sim_persist_acked_index(&old))));
    safety_assert_no_violation(s);
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_request_vote_promises_no_durable_term)
{
    /* Thesis §10.2.1 applied to the vote: the candidate writes its term and
     * vote while the requests travel. */
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, 3, 2, 0, NULL, 0);
    disk_write(&d, false, true, 4, 1, 0, NULL, 0);
    struct raft_message m = {
        .type = RAFT_MSG_REQUEST_VOTE, .from = 1, .to = 3, .term = 4};
    cr_assert(sim_safety_on_send(
        s, 1, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_no_violation(s);
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_request_vote_describes_only_a_durable_log)
{
    /* A candidate that crashes before its term is durable campaigns again
     * in the same term, and the grants its first requests earned (§5.4.1,
     * judged on the log they described) count for the second: that log must
     * survive the crash. Entries 1..2 are durable, 3..4 still pending. */
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    uint64_t t[] = {1, 1, 2, 2};
    disk_write(&d, true, true, 2, 0, 1, t, 2);
    disk_write(&d, false, false, 0, 0, 3, t + 2, 2);
    struct raft_message ok = {
        .type = RAFT_MSG_REQUEST_VOTE, .from = 1, .to = 3, .term = 3};
    ok.request_vote.last_log_index = 2;
    ok.request_vote.last_log_term = 1;
    cr_assert(sim_safety_on_send(
        s, 1, &ok, 0, sim_disk_durable(&d, sim_persist_promised_index(&ok))));
    safety_assert_no_violation(s);
    struct raft_message m = ok;
    m.request_vote.last_log_index = 4;
    m.request_vote.last_log_term = 2;
    cr_assert_not(sim_safety_on_send(
        s, 1, &m, 0, sim_disk_durable(&d, sim_persist_promised_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 1, 3, 3, 4,
        "n1 sent RequestVote to n3 describing its log up to "
        "index 4 while its durable log ends at index 2.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, prevote_and_its_grant_carry_a_term_nobody_persists)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, 4, 0, 0, NULL, 0);
    struct raft_message pre = {
        .type = RAFT_MSG_PRE_VOTE, .from = 1, .to = 2, .term = 5};
    cr_assert(sim_safety_on_send(
        s, 1, &pre, 0, sim_disk_durable(&d, sim_persist_acked_index(&pre))));
    struct raft_message grant = vote_result(1, 2, 5, true);
    grant.type = RAFT_MSG_PRE_VOTE_RESULT;
    cr_assert(sim_safety_on_send(
        s, 1, &grant, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&grant))));
    safety_assert_no_violation(s);
    /* A refusal carries the voter's own term, which must be durable. */
    struct raft_message refusal = vote_result(1, 2, 5, false);
    refusal.type = RAFT_MSG_PRE_VOTE_RESULT;
    cr_assert_not(sim_safety_on_send(
        s, 1, &refusal, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&refusal))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 1, 2, 5, 0,
        "n1 sent PreVoteResult of term 5 to n2 while its durable "
        "term is 4.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_leader_may_send_entries_before_they_are_durable)
{
    /* Thesis §10.2.1: AppendEntries promises the leader's term only. */
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, 2, 1, 0, NULL, 0);
    uint64_t t[] = {2, 2};
    disk_write(&d, false, false, 0, 0, 1, t, 2);
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 1, .to = 2, .term = 2};
    m.append_entries.entries = entries("c", 1, t, 2);
    m.append_entries.n_entries = 2;
    cr_assert(sim_safety_on_send(
        s, 1, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    m.term = 3;
    cr_assert_not(sim_safety_on_send(
        s, 1, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 1, 2, 3, 0,
        "n1 sent AppendEntries of term 3 to n2 while its durable "
        "term is 2.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, an_acknowledged_entry_must_be_durable)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    uint64_t t[] = {1, 1, 2, 2};
    disk_write(&d, true, true, 2, 1, 1, t, 2);
    disk_write(&d, false, false, 0, 0, 3, t + 2, 2);
    struct raft_message ok = append_result(2, 1, 2, 2);
    cr_assert(sim_safety_on_send(
        s, 2, &ok, 1, sim_disk_durable(&d, sim_persist_acked_index(&ok))));
    struct raft_message m = append_result(2, 1, 2, 4);
    cr_assert_not(sim_safety_on_send(
        s, 2, &m, 2, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 2, 4,
        "n2 sent AppendEntriesResult to n1 acknowledging index 4 "
        "while its durable log ends at index 2.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, an_acknowledged_entry_must_be_durable_with_its_term)
{
    /* Index 3 is durable, but of the term the write still pending replaces
     * it with: the acknowledgement is about the new entry. */
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    uint64_t old[] = {1, 1, 1};
    disk_write(&d, true, true, 2, 0, 1, old, 3);
    uint64_t fresh[] = {2};
    disk_write(&d, false, false, 0, 0, 3, fresh, 1);
    struct raft_message m = append_result(2, 1, 2, 3);
    cr_assert_not(sim_safety_on_send(
        s, 2, &m, 2, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 2, 3,
        "n2 sent AppendEntriesResult to n1 acknowledging index 3 "
        "of term 2 while its durable log holds term 1 there.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_failed_append_result_promises_only_the_term)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, 2, 0, 0, NULL, 0);
    struct raft_message m = append_result(2, 1, 2, 9);
    m.append_entries_result.success = false;
    cr_assert(sim_safety_on_send(
        s, 2, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    m.term = 3;
    cr_assert_not(sim_safety_on_send(
        s, 2, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 3, 0,
        "n2 sent AppendEntriesResult of term 3 to n1 while its "
        "durable term is 2.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_durable_snapshot_covers_acknowledged_indices)
{
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    disk_write(&d, true, true, 3, 0, 0, NULL, 0);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, true, 10, 2, "state", 5);
    sim_disk_submit(&d, b, 0, 1);
    struct raft_message m = {.type = RAFT_MSG_INSTALL_SNAPSHOT_RESULT,
                             .from = 2,
                             .to = 1,
                             .term = 3};
    m.install_snapshot_result.last_index = 10;
    /* The answer to a chunk promises nothing: the snapshot is incomplete. */
    cr_assert(sim_safety_on_send(
        s, 2, &m, 0, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    m.install_snapshot_result.offset = 5;
    m.install_snapshot_result.done = true;
    cr_assert_not(sim_safety_on_send(
        s, 2, &m, 2, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 3, 10,
        "n2 sent InstallSnapshotResult to n1 acknowledging index "
        "10 while its durable log ends at index 0.");
    sim_safety_free(s);

    s = sim_safety_new(3);
    disk_complete_all(&d);
    cr_assert(sim_safety_on_send(
        s, 2, &m, 2, sim_disk_durable(&d, sim_persist_acked_index(&m))));
    /* Below the snapshot point, and with a term the sender compacted away. */
    struct raft_message below = append_result(2, 1, 3, 7);
    cr_assert(sim_safety_on_send(
        s, 2, &below, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&below))));
    safety_assert_no_violation(s);
    sim_safety_free(s);
    sim_disk_destroy(&d);
}

Test(persistence, a_log_that_outran_the_term_record_makes_its_term_durable)
{
    /* The term record (term 1) lost its later write but the log kept an
     * entry of term 4: a restart resumes in term 4 with no vote, so the
     * node may speak in term 4 but not vote in it. */
    struct sim_safety *s = sim_safety_new(3);
    struct sim_disk d;
    sim_disk_init(&d, 2);
    uint64_t t[] = {1, 4};
    disk_write(&d, true, true, 1, 3, 1, t, 2);
    struct raft_message ack = append_result(2, 1, 4, 2);
    cr_assert(sim_safety_on_send(
        s, 2, &ack, 4, sim_disk_durable(&d, sim_persist_acked_index(&ack))));
    struct raft_message grant = vote_result(2, 1, 4, true);
    cr_assert_not(sim_safety_on_send(
        s, 2, &grant, 0,
        sim_disk_durable(&d, sim_persist_acked_index(&grant))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 4, 0,
        "n2 sent RequestVoteResult of term 4 to n1, promising its "
        "vote to n1, while its durable vote in that term is "
        "none.");
    sim_safety_free(s);
    s = sim_safety_new(3);
    ack.term = 5;
    cr_assert_not(sim_safety_on_send(
        s, 2, &ack, 4, sim_disk_durable(&d, sim_persist_acked_index(&ack))));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 2, 1, 5, 0,
        "n2 sent AppendEntriesResult of term 5 to n1 while its "
        "durable term is 4.");
    sim_safety_free(s);
    sim_disk_destroy(&d);
}
