/* test_sim_disk_records.c: the simulated disk and the network share the
 * cores' entry records (raft.h) instead of copying bytes, and that changes
 * nothing a node can observe: after a crash the disk returns exactly the
 * entries it returns when given plain bytes, and every reference a lost
 * write, a dropped message or a destroyed disk held is released. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "sim/sim_disk.h"
#include "sim/sim_net.h"

static struct raft_entry plain(uint64_t term, const char *text)
{
    return (struct raft_entry){.term = term,
                               .type = RAFT_ENTRY_COMMAND,
                               .data = text,
                               .len = strlen(text) + 1};
}

/* A record of e, as a core hands it out; e then points into it. */
static struct raft_record *share(struct raft_entry *e)
{
    struct raft_record *rec =
        raft_record_new(e->term, e->type, e->data, e->len);
    cr_assert_not_null(rec);
    e->data = rec->data;
    e->record = rec;
    return rec;
}

/* The same writes as a_crash_loses_exactly_the_unsynced_writes, then a
 * crash that keeps the first of the two pending log writes. */
static void write_and_crash(struct sim_disk *d, struct raft_entry *e)
{
    sim_disk_init(d, 1);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 1, &e[0], 3); /* a b c at 1..3 */
    sim_disk_submit(d, b, 0, 10);
    sim_disk_batch_free(sim_disk_complete(d));
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 2, &e[3], 1); /* x replaces 2 and 3 */
    sim_disk_submit(d, b, 0, 10);
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 3, &e[4], 1); /* y at 3: lost */
    sim_disk_submit(d, b, 0, 10);
    uint64_t kept_log = 0;
    sim_disk_crash_keeping(d, 1, 0, &kept_log, NULL);
    cr_assert_eq(kept_log, 1);
}

Test(sim_disk_records, a_crash_returns_the_same_entries_with_shared_records)
{
    static const char *text[5] = {"a", "b", "c", "x", "y"};
    static const uint64_t term[5] = {1, 1, 1, 2, 3};
    struct raft_entry copied[5], shared[5];
    struct raft_record *recs[5];
    for (int i = 0; i < 5; i++) {
        copied[i] = plain(term[i], text[i]);
        shared[i] = plain(term[i], text[i]);
        recs[i] = share(&shared[i]);
    }
    struct sim_disk dc, ds;
    write_and_crash(&dc, copied);
    write_and_crash(&ds, shared);
    struct raft_durable_state sc, ss;
    struct raft_entry *bc, *bs;
    sim_disk_durable_state(&dc, &sc, &bc);
    sim_disk_durable_state(&ds, &ss, &bs);
    cr_assert_eq(sc.n_entries, 2, "a, then x; y was lost");
    cr_assert_eq(ss.n_entries, sc.n_entries);
    for (size_t i = 0; i < sc.n_entries; i++) {
        cr_assert_eq(ss.entries[i].term, sc.entries[i].term);
        cr_assert_eq(ss.entries[i].type, sc.entries[i].type);
        cr_assert_eq(ss.entries[i].len, sc.entries[i].len);
        cr_assert_eq(
            memcmp(ss.entries[i].data, sc.entries[i].data, sc.entries[i].len),
            0);
    }
    cr_assert_str_eq(ss.entries[1].data, "x");
    cr_assert_eq(ss.entries[0].record, recs[0], "the disk holds the record");
    cr_assert_eq(ss.entries[1].data, (const void *)recs[3]->data);
    g_free(bc);
    g_free(bs);
    sim_disk_destroy(&dc);
    sim_disk_destroy(&ds);
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(recs[i]->refs, 1, "entry %d still held", i);
        raft_record_release(recs[i]);
    }
}

Test(sim_disk_records, lost_and_overwritten_writes_release_their_records)
{
    struct raft_entry e[3] = {plain(1, "a"), plain(1, "b"), plain(2, "c")};
    struct raft_record *recs[3];
    for (int i = 0; i < 3; i++) {
        recs[i] = share(&e[i]);
    }
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 1, e, 2);
    sim_disk_submit(&d, b, 0, 10);
    cr_assert_eq(recs[0]->refs, 2, "a pending write holds its records");
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(recs[1]->refs, 2, "and the log once it is durable");
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 2, &e[2], 1);
    sim_disk_submit(&d, b, 0, 10);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(recs[1]->refs, 1, "an overwritten entry is released");
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 3, &e[2], 1);
    sim_disk_submit(&d, b, 0, 10);
    cr_assert_eq(recs[2]->refs, 3);
    sim_disk_crash(&d);
    cr_assert_eq(recs[2]->refs, 2, "a lost write is released");
    sim_disk_destroy(&d);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(recs[i]->refs, 1);
        raft_record_release(recs[i]);
    }
}

Test(sim_disk_records, a_message_holds_its_entries_records_until_it_is_freed)
{
    struct raft_entry e[2] = {plain(1, "shared"), plain(1, "copied")};
    struct raft_record *rec = share(&e[0]);
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES, .from = 1, .to = 2, .term = 1};
    m.append_entries.entries = e;
    m.append_entries.n_entries = 2;
    struct sim_msg *msg = sim_msg_copy(&m);
    struct sim_msg *dup = sim_msg_clone(msg);
    cr_assert_eq(rec->refs, 3, "the message and its duplicate hold it");
    const struct raft_entry *in = msg->m.append_entries.entries;
    cr_assert_eq(in[0].data, (const void *)rec->data, "no copy");
    cr_assert_neq(in[1].data, e[1].data, "an entry without a record is copied");
    cr_assert_str_eq(in[1].data, "copied");
    cr_assert_eq(msg->bytes, 48 + 2 * 16 + 7 + 7, "wire size unchanged");
    sim_msg_free(msg);
    sim_msg_free(dup);
    cr_assert_eq(rec->refs, 1);
    raft_record_release(rec);
}
