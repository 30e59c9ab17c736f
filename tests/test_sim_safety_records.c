/* test_sim_safety_records.c: the safety checker remembers an entry's digest
 * by the shared record it was taken from (sim_chain.h, struct
 * sim_digest_memo); these tests show that a remembered digest never hides
 * other bytes: another record at a remembered index, an entry that does not
 * describe its record, and indices that share a memo slot are all compared
 * by their own bytes, and a remembered record is held so that its address
 * cannot be taken by another record while it is remembered; a chain
 * remembered beside the digest is given only for the same chain before it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "raft/raft.h"
#include "sim/check/sim_safety.h"
#include "tests/support/safety_asserts.h"

/* A record of term 3 holding text, and an entry that describes it. */
static struct raft_record *record_of(const char *text)
{
    struct raft_record *r =
        raft_record_new(3, RAFT_ENTRY_COMMAND, text, strlen(text));
    cr_assert_not_null(r);
    return r;
}

static struct raft_entry entry_of(const struct raft_record *r)
{
    return (struct raft_entry){.term = r->term,
                               .type = (enum raft_entry_type)r->type,
                               .data = r->data,
                               .len = r->len,
                               .record = r};
}

/* Nodes 1 and 2 write r at index and both commit it. */
static void write_and_commit(struct sim_safety *s,
                             uint64_t index,
                             const struct raft_record *r)
{
    struct raft_entry e = entry_of(r);
    cr_assert(sim_safety_on_log_write(s, 1, index, &e, 1));
    cr_assert(sim_safety_on_log_write(s, 2, index, &e, 1));
    cr_assert(sim_safety_on_commit(s, 1, index));
    cr_assert(sim_safety_on_commit(s, 2, index));
}

static void assert_other_apply_at(const struct sim_safety *s, uint64_t index)
{
    char detail[160];
    snprintf(detail, sizeof detail,
             "n2 applied an entry of term 3 at index %llu other than the "
             "one of term 3 n1 committed there.",
             (unsigned long long)index);
    safety_assert_violation(s, SIM_PROP_STATE_MACHINE_SAFETY, 2, 1, 3, index,
                            detail);
}

Test(safety_records,
     state_machine_safety_compares_the_bytes_of_another_record_at_a_remembered_index)
{
    struct sim_safety *s = sim_safety_new(2);
    struct raft_record *a = record_of("c:1");
    struct raft_record *b = record_of("x:1");
    write_and_commit(s, 1, a);
    struct raft_entry ea = entry_of(a);
    struct raft_entry eb = entry_of(b);
    cr_assert(sim_safety_on_apply(s, 1, 1, &ea));
    cr_assert_not(sim_safety_on_apply(s, 2, 1, &eb));
    assert_other_apply_at(s, 1);
    sim_safety_free(s);
    raft_record_release(a);
    raft_record_release(b);
}

Test(safety_records,
     log_matching_compares_the_bytes_of_another_record_at_a_remembered_index)
{
    struct sim_safety *s = sim_safety_new(2);
    struct raft_record *a = record_of("c:1");
    struct raft_record *b = record_of("x:1");
    struct raft_entry ea = entry_of(a);
    struct raft_entry eb = entry_of(b);
    cr_assert(sim_safety_on_log_write(s, 1, 1, &ea, 1));
    cr_assert_not(sim_safety_on_log_write(s, 2, 1, &eb, 1));
    cr_assert_eq(sim_safety_violation(s)->property, SIM_PROP_LOG_MATCHING);
    sim_safety_free(s);
    raft_record_release(a);
    raft_record_release(b);
}

Test(safety_records,
     an_entry_that_does_not_describe_its_record_is_judged_by_its_own_bytes)
{
    /* Each entry names the remembered record but shows other bytes of the
     * same length, or the record's bytes as another type or length: the
     * bytes it shows are what the entry is. */
    static const char other[] = "x:1";
    for (int variant = 0; variant < 3; variant++) {
        struct sim_safety *s = sim_safety_new(2);
        struct raft_record *a = record_of("c:1");
        write_and_commit(s, 1, a);
        struct raft_entry e = entry_of(a);
        if (variant == 0) {
            e.data = other;
        } else if (variant == 1) {
            e.type = RAFT_ENTRY_NOOP;
        } else {
            e.len = 2;
        }
        cr_assert_not(sim_safety_on_apply(s, 2, 1, &e), "variant %d",
                      variant);
        assert_other_apply_at(s, 1);
        sim_safety_free(s);
        raft_record_release(a);
    }
}

Test(safety_records, indices_that_share_a_memo_slot_keep_their_own_digests)
{
    /* 600 indices, so every memo slot is taken by two or three of them:
     * a later index's record replaces an earlier one's, and the earlier
     * index is still compared with its own committed bytes. */
    enum { N = 600 };
    struct sim_safety *s = sim_safety_new(2);
    struct raft_record *recs[N + 1];
    for (uint64_t i = 1; i <= N; i++) {
        char text[16];
        snprintf(text, sizeof text, "c:%llu", (unsigned long long)i);
        recs[i] = record_of(text);
        write_and_commit(s, i, recs[i]);
    }
    for (uint64_t i = 1; i <= N; i++) {
        struct raft_entry e = entry_of(recs[i]);
        cr_assert(sim_safety_on_apply(s, 1, i, &e), "index %llu",
                  (unsigned long long)i);
    }
    /* Index 5's slot now remembers index 517's record; 517's bytes at 5
     * are another entry than the one committed there. */
    struct raft_entry wrong = entry_of(recs[517]);
    cr_assert_not(sim_safety_on_apply(s, 2, 5, &wrong));
    assert_other_apply_at(s, 5);
    sim_safety_free(s);
    for (uint64_t i = 1; i <= N; i++) {
        raft_record_release(recs[i]);
    }
}

Test(safety_records, a_remembered_record_is_held_until_it_is_forgotten)
{
    /* While the memo names a record it holds a reference, so the record
     * cannot be freed and its address given to another record whose bytes
     * would then be taken for the remembered ones. */
    struct sim_safety *s = sim_safety_new(2);
    struct raft_record *a = record_of("c:1");
    struct raft_entry ea = entry_of(a);
    cr_assert(sim_safety_on_log_write(s, 1, 1, &ea, 1));
    cr_assert_eq(a->refs, 2, "the memo holds the record it remembers");
    sim_safety_free(s);
    cr_assert_eq(a->refs, 1, "and releases it with the checker");
    raft_record_release(a);
}

Test(safety_records,
     log_matching_sees_one_shared_entry_after_two_different_prefixes)
{
    /* Both nodes write the same record at index 2 (term 3), after entries
     * of different terms at index 1: the chain through index 2 is
     * remembered from n1's write (sim_digest_memo_chain), and n2's, from
     * another chain before it, must not be taken for it. */
    struct sim_safety *s = sim_safety_new(2);
    struct raft_record *a1 = raft_record_new(1, RAFT_ENTRY_COMMAND, "a", 1);
    struct raft_record *a2 = raft_record_new(3, RAFT_ENTRY_COMMAND, "a", 1);
    struct raft_record *b = record_of("b");
    struct raft_entry e1[2] = {entry_of(a1), entry_of(b)};
    struct raft_entry e2[2] = {entry_of(a2), entry_of(b)};
    cr_assert(sim_safety_on_log_write(s, 1, 1, e1, 2));
    cr_assert_not(sim_safety_on_log_write(s, 2, 1, e2, 2));
    cr_assert_eq(sim_safety_violation(s)->property, SIM_PROP_LOG_MATCHING);
    cr_assert_eq(sim_safety_violation(s)->index, 2);
    sim_safety_free(s);
    raft_record_release(a1);
    raft_record_release(a2);
    raft_record_release(b);
}
