/* test_raft_records.c: the ownership rule of shared entry records (raft.h,
 * struct raft_entry): the core holds a reference to the record of every
 * entry in its log, shares a record it is handed instead of copying it, and
 * releases the reference when the entry leaves its log; and the paged log
 * keeps every entry in order across pages. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "raft/raft.h"
#include "tests/support/raft_harness.h"

static const uint64_t voters[3] = {1, 2, 3};

/* A record made by the host, as a disk that stores records would. */
static struct raft_record *host_record(uint64_t term, const char *text)
{
    struct raft_record *rec =
        raft_record_new(term, RAFT_ENTRY_COMMAND, text, strlen(text) + 1);
    cr_assert_not_null(rec);
    return rec;
}

static struct raft_entry view(const struct raft_record *rec)
{
    return (struct raft_entry){.term = rec->term,
                               .type = (enum raft_entry_type)rec->type,
                               .data = rec->data,
                               .len = rec->len,
                               .record = rec};
}

/* Follower `id` restarted from a durable log of the n records. */
static struct raft *core_from(uint64_t id, struct raft_record **recs, size_t n)
{
    struct raft_config c = rh_config(7);
    c.id = id;
    c.voters = voters;
    c.n_voters = 3;
    struct raft_entry entries[8];
    cr_assert_leq(n, 8);
    for (size_t i = 0; i < n; i++) {
        entries[i] = view(recs[i]);
    }
    struct raft_durable_state st = {
        .term = recs[n - 1]->term, .entries = entries, .n_entries = n};
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&c, &st, 0, &r), RAFT_OK);
    return r;
}

/* An AppendEntries of leader 2 in term 5 carrying e after prev. */
static int append(struct raft *r,
                  uint64_t prev,
                  uint64_t prev_term,
                  const struct raft_entry *e,
                  size_t n,
                  uint64_t commit)
{
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES,
                             .from = 2,
                             .to = raft_id(r),
                             .term = 5};
    m.append_entries = (struct raft_append_entries){.prev_log_index = prev,
                                                    .prev_log_term = prev_term,
                                                    .leader_commit = commit,
                                                    .entries = e,
                                                    .n_entries = n};
    struct raft_update u;
    return raft_receive(r, 10, &m, &u);
}

Test(raft_records, an_entry_handed_in_with_its_record_is_shared_not_copied)
{
    struct raft_record *a = host_record(1, "a");
    struct raft *r = core_from(1, &a, 1);
    cr_assert_eq(a->refs, 2, "the host's reference and the core's");
    struct raft_entry e;
    cr_assert(raft_entry_at(r, 1, &e));
    cr_assert_eq(e.record, a);
    cr_assert_eq(e.data, (const void *)a->data, "no copy of the bytes");

    struct raft_record *b = host_record(5, "b");
    struct raft_entry vb = view(b);
    cr_assert_eq(append(r, 1, 1, &vb, 1, 0), RAFT_OK);
    cr_assert_eq(b->refs, 2);
    raft_destroy(r);
    cr_assert_eq(a->refs, 1, "raft_destroy() releases every record");
    cr_assert_eq(b->refs, 1);
    raft_record_release(a);
    raft_record_release(b);
}

Test(raft_records, an_entry_without_a_record_is_copied_into_a_new_one)
{
    struct raft_record *a = host_record(1, "a");
    struct raft *r = core_from(1, &a, 1);
    char text[] = "plain";
    struct raft_entry plain = {.term = 5,
                               .type = RAFT_ENTRY_COMMAND,
                               .data = text,
                               .len = sizeof text};
    cr_assert_eq(append(r, 1, 1, &plain, 1, 0), RAFT_OK);
    memset(text, 'x', sizeof text - 1);
    struct raft_entry e;
    cr_assert(raft_entry_at(r, 2, &e));
    cr_assert_not_null(e.record);
    cr_assert_eq(e.record->refs, 1, "only the core holds the copy");
    cr_assert_eq(e.data, (const void *)e.record->data);
    cr_assert_str_eq(e.data, "plain");
    raft_destroy(r);
    raft_record_release(a);
}

Test(raft_records, an_entry_that_does_not_describe_its_record_is_refused)
{
    struct raft_record *a = host_record(1, "a");
    struct raft *r = core_from(1, &a, 1);
    struct raft_record *b = host_record(5, "b");
    struct raft_entry wrong_term = view(b);
    wrong_term.term = 4;
    cr_assert_eq(append(r, 1, 1, &wrong_term, 1, 0), RAFT_EINVAL);
    struct raft_entry other_bytes = view(b);
    other_bytes.data = "b";
    cr_assert_eq(append(r, 1, 1, &other_bytes, 1, 0), RAFT_EINVAL);
    cr_assert_eq(raft_last_index(r), 1);
    cr_assert_eq(b->refs, 1, "a refused entry is not held");
    raft_destroy(r);
    raft_record_release(a);
    raft_record_release(b);
}

/* Figure 2, AppendEntries receiver rule 1: an AppendEntries of an older
 * term is refused, and the records raft_receive() took for its entries
 * ahead of any change (raft_replication_prepare_append()) go back. */
Test(raft_records, an_append_of_an_older_term_holds_no_record)
{
    struct raft_record *a = host_record(6, "a");
    struct raft *r = core_from(1, &a, 1);
    struct raft_record *b = host_record(5, "b");
    struct raft_entry vb = view(b);
    /* In term 6, leader 2's AppendEntries of term 5 conflicts at index 1. */
    cr_assert_eq(append(r, 0, 0, &vb, 1, 0), RAFT_OK);
    cr_assert_eq(raft_term(r), 6);
    struct raft_entry e;
    cr_assert(raft_entry_at(r, 1, &e));
    cr_assert_eq(e.record, a, "the stale AppendEntries truncated nothing");
    cr_assert_eq(b->refs, 1, "the refused entry is not held");
    raft_destroy(r);
    raft_record_release(a);
    raft_record_release(b);
}

Test(raft_records, a_truncated_entry_releases_its_record)
{
    struct raft_record *recs[3] = {host_record(1, "a"), host_record(1, "b"),
                                   host_record(1, "c")};
    struct raft *r = core_from(1, recs, 3);
    struct raft_record *d = host_record(5, "d");
    struct raft_entry vd = view(d);
    /* Figure 2, AppendEntries rule 3: index 2 conflicts, 2 and 3 go. */
    cr_assert_eq(append(r, 1, 1, &vd, 1, 0), RAFT_OK);
    cr_assert_eq(raft_last_index(r), 2);
    cr_assert_eq(raft_term_at(r, 2), 5);
    cr_assert_eq(recs[0]->refs, 2, "the entry kept is still held");
    cr_assert_eq(recs[1]->refs, 1, "the truncated entries are released");
    cr_assert_eq(recs[2]->refs, 1);
    cr_assert_eq(d->refs, 2);
    raft_destroy(r);
    for (int i = 0; i < 3; i++) {
        raft_record_release(recs[i]);
    }
    raft_record_release(d);
}

Test(raft_records, a_record_shared_by_two_cores_survives_one_cores_truncation)
{
    struct raft_record *recs[2] = {host_record(1, "a"), host_record(1, "b")};
    struct raft *r1 = core_from(1, recs, 2);
    struct raft *r3 = core_from(3, recs, 2);
    cr_assert_eq(recs[1]->refs, 3);
    raft_record_release(recs[1]); /* the host lets go: the cores share it */
    struct raft_record *x = host_record(5, "x");
    struct raft_entry vx = view(x);
    cr_assert_eq(append(r1, 1, 1, &vx, 1, 0), RAFT_OK);
    struct raft_entry e;
    cr_assert(raft_entry_at(r3, 2, &e));
    cr_assert_eq(e.record->refs, 1, "n3 holds the last reference");
    cr_assert_str_eq(e.data, "b", "and the bytes are intact");
    raft_destroy(r1);
    raft_destroy(r3);
    raft_record_release(recs[0]);
    raft_record_release(x);
}

Test(raft_records, a_compacted_entry_releases_its_record)
{
    struct raft_record *recs[3] = {host_record(1, "a"), host_record(1, "b"),
                                   host_record(1, "c")};
    struct raft *r = core_from(1, recs, 3);
    cr_assert_eq(append(r, 3, 1, NULL, 0, 3), RAFT_OK); /* commits 1..3 */
    struct raft_update u;
    cr_assert_eq(raft_compact(r, 20, 2, "s", 1, &u), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(r), 2);
    cr_assert_eq(recs[0]->refs, 1);
    cr_assert_eq(recs[1]->refs, 1);
    cr_assert_eq(recs[2]->refs, 2, "the entry after the snapshot stays");
    raft_destroy(r);
    for (int i = 0; i < 3; i++) {
        raft_record_release(recs[i]);
    }
}

Test(raft_records, entries_handed_out_carry_their_records)
{
    struct raft_record *a = host_record(1, "a");
    struct raft *r = core_from(1, &a, 1);
    struct raft_record *b = host_record(5, "b");
    struct raft_entry vb = view(b);
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 2, .to = 1, .term = 5};
    m.append_entries = (struct raft_append_entries){.prev_log_index = 1,
                                                    .prev_log_term = 1,
                                                    .leader_commit = 2,
                                                    .entries = &vb,
                                                    .n_entries = 1};
    struct raft_update u;
    cr_assert_eq(raft_receive(r, 10, &m, &u), RAFT_OK);
    cr_assert_eq(u.n_entries, 1);
    cr_assert_eq(u.entries[0].record, b, "the write names the shared record");
    cr_assert_eq(u.n_committed, 2);
    cr_assert_eq(u.committed[0].record, a);
    cr_assert_eq(u.committed[1].record, b);
    cr_assert_eq(u.committed[1].data, (const void *)b->data);
    /* A host that keeps an entry past the borrow holds its record. */
    raft_record_hold(u.committed[1].record);
    const struct raft_record *kept = u.committed[1].record;
    raft_destroy(r);
    cr_assert_eq(kept->refs, 2);
    raft_record_release(kept);
    raft_record_release(a);
    raft_record_release(b);
}

/* Terms 1, 1, 2, 2, 3, 3, ...: the entry at index i has term (i + 1) / 2. */
static uint64_t term_of(uint64_t i)
{
    return (i + 1) / 2;
}

Test(raft_records, a_log_across_many_pages_keeps_every_entry_in_order)
{
    struct raft_config c = rh_config(7);
    c.id = 1;
    c.voters = voters;
    c.n_voters = 3;
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&c, NULL, 0, &r), RAFT_OK);
    /* 2,000 entries in batches of 50: four pages of 512 and a part. */
    struct raft_entry batch[50];
    char text[50][16];
    for (uint64_t first = 1; first <= 2000; first += 50) {
        for (size_t k = 0; k < 50; k++) {
            uint64_t i = first + k;
            snprintf(text[k], sizeof text[k], "e%llu", (unsigned long long)i);
            batch[k] = (struct raft_entry){.term = term_of(i),
                                           .type = RAFT_ENTRY_COMMAND,
                                           .data = text[k],
                                           .len = strlen(text[k]) + 1};
        }
        struct raft_message m = {
            .type = RAFT_MSG_APPEND_ENTRIES, .from = 2, .to = 1, .term = 1000};
        m.append_entries = (struct raft_append_entries){
            .prev_log_index = first - 1,
            .prev_log_term = term_of(first - 1),
            .leader_commit = first - 1 < 1200 ? first - 1 : 1200,
            .entries = batch,
            .n_entries = 50};
        struct raft_update u;
        cr_assert_eq(raft_receive(r, 10, &m, &u), RAFT_OK);
    }
    struct raft_update u;
    /* Compact into the third page, then truncate inside the fourth (above
     * the commit index, 1200). */
    cr_assert_eq(raft_compact(r, 20, 1100, "s", 1, &u), RAFT_OK);
    struct raft_entry x = {.term = 1000, .type = RAFT_ENTRY_NOOP};
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 2, .to = 1, .term = 1000};
    m.append_entries =
        (struct raft_append_entries){.prev_log_index = 1600,
                                     .prev_log_term = term_of(1600),
                                     .leader_commit = 1200,
                                     .entries = &x,
                                     .n_entries = 1};
    cr_assert_eq(raft_receive(r, 30, &m, &u), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(r), 1100);
    cr_assert_eq(raft_last_index(r), 1601);
    for (uint64_t i = 1101; i <= 1600; i++) {
        struct raft_entry e;
        cr_assert(raft_entry_at(r, i, &e), "index %llu", (unsigned long long)i);
        char want[16];
        snprintf(want, sizeof want, "e%llu", (unsigned long long)i);
        cr_assert_str_eq(e.data, want);
        cr_assert_eq(e.term, term_of(i));
    }
    cr_assert_eq(raft_term_at(r, 1601), 1000);
    cr_assert_not(raft_entry_at(r, 1100, &(struct raft_entry){0}));
    raft_destroy(r);
}

/* The pool of small records (raft.h, struct raft_record_pool): a block goes
 * back to the pool only when its record's last reference is released, and
 * is handed out again only then; a record too long for a block is an
 * allocation of its own. 600 records span three chunks. */
Test(raft_records, a_pooled_record_is_handed_out_again_only_after_its_last_release)
{
    enum { N = 600 };
    struct raft_record_pool *pool = raft_record_pool_new();
    cr_assert_not_null(pool);
    struct raft_record *recs[N];
    char text[RAFT_RECORD_POOL_DATA];
    for (int i = 0; i < N; i++) {
        int n = snprintf(text, sizeof text, "r%d", i) + 1;
        recs[i] = raft_record_new_in(pool, (uint64_t)i, RAFT_ENTRY_COMMAND,
                                     text, (size_t)n);
        cr_assert_not_null(recs[i]);
        if (i % 3 == 0) {
            raft_record_hold(recs[i]); /* a second holder */
        }
    }
    for (int i = 0; i < N; i++) {
        raft_record_release(recs[i]);
    }
    /* The last block given back is the first one taken again. */
    struct raft_record *again[N];
    for (int i = 0; i < N; i++) {
        int n = snprintf(text, sizeof text, "again %d", i) + 1;
        again[i] = raft_record_new_in(pool, 7, RAFT_ENTRY_COMMAND, text,
                                      (size_t)n);
        cr_assert_not_null(again[i]);
    }
    cr_assert_eq(again[0], recs[N - 1], "a released block is reused");
    for (int i = 0; i < N; i++) {
        char want[24]; /* room for any int: no truncation to reason about */
        snprintf(want, sizeof want, "again %d", i);
        cr_assert_str_eq((const char *)again[i]->data, want);
        if (i % 3 == 0) {
            snprintf(want, sizeof want, "r%d", i);
            cr_assert_str_eq((const char *)recs[i]->data, want,
                             "a record still held keeps its bytes");
            cr_assert_eq(recs[i]->term, (uint64_t)i);
            cr_assert_eq(recs[i]->refs, 1);
        }
    }
    /* A record longer than a block is an allocation of its own. */
    char big[RAFT_RECORD_POOL_DATA + 1];
    memset(big, 'b', sizeof big);
    struct raft_record *alone =
        raft_record_new_in(pool, 9, RAFT_ENTRY_COMMAND, big, sizeof big);
    cr_assert_null(alone->pool);
    cr_assert_eq(memcmp(alone->data, big, sizeof big), 0);
    raft_record_release(alone);
    for (int i = 0; i < N; i++) {
        raft_record_release(again[i]);
        if (i % 3 == 0) {
            raft_record_release(recs[i]);
        }
    }
    raft_record_pool_free(pool);
}

/* A core given a pool (raft_set_record_pool()) makes its proposed
 * commands' records in it. */
Test(raft_records, a_cores_proposals_are_made_in_its_record_pool)
{
    struct raft_record_pool *pool = raft_record_pool_new();
    cr_assert_not_null(pool);
    struct raft_config c = rh_config(7);
    struct rh *h = rh_elected(3, &c);
    raft_set_record_pool(rh_core(h, 1), pool);
    uint64_t index;
    cr_assert_eq(rh_propose(h, 1, 42, &index), RAFT_OK);
    rh_deliver_all(h);
    struct raft_entry e;
    cr_assert(raft_entry_at(rh_core(h, 1), index, &e));
    cr_assert_eq(e.record->pool, pool);
    cr_assert_eq(*(const uint64_t *)e.data, 42);
    rh_free(h);
    raft_record_pool_free(pool);
}
