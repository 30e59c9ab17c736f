/* test_sim_disk_spares.c: a disk keeps completed batches for its next
 * writes (sim_disk_batch_take(), sim_disk_batch_done()); a reused batch
 * starts as empty as a new one, releases what it held, and a disk written
 * through reused batches ends with the image new batches give. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "sim/sim_disk.h"

static struct raft_entry entry(uint64_t term, const char *text)
{
    return (struct raft_entry){.term = term,
                               .type = RAFT_ENTRY_COMMAND,
                               .data = text,
                               .len = strlen(text) + 1};
}

Test(sim_disk_spares, a_reused_batch_is_as_empty_as_a_new_one)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct raft_entry e[3] = {entry(1, "a"), entry(1, "b"), entry(2, "c")};
    struct sim_disk_batch *b = sim_disk_batch_take(&d);
    sim_disk_batch_set_hard(b, 2, 1);
    sim_disk_batch_set_snapshot(b, true, 4, 1, "state", 5);
    sim_disk_batch_set_entries(b, 5, e, 3);
    sim_disk_submit(&d, b, 0, 10);
    sim_disk_batch_done(&d, sim_disk_complete(&d));
    struct sim_disk_batch *r = sim_disk_batch_take(&d);
    cr_assert_eq(r, b, "the completed batch is reused");
    cr_assert_not(r->hard || r->install || r->compact);
    cr_assert_eq(r->term + r->vote + r->snap_index + r->snap_term, 0);
    cr_assert_null(r->snap_data);
    cr_assert_null(r->snap_config);
    cr_assert_eq(r->snap_len + r->snap_config_len + r->truncate_from, 0);
    cr_assert_eq(r->entries_index + r->n_entries + r->last_term, 0);
    cr_assert_eq(r->id + r->done_us + r->n_held, 0);
    cr_assert_not_null(r->entries, "its array is kept for the next entries");
    sim_disk_batch_free(r);
    sim_disk_destroy(&d);
}

/* The writes of one run of the test below, through new batches or reused
 * ones: entries of shrinking and growing counts, a snapshot, a
 * truncation. */
static void write_sequence(struct sim_disk *d, bool reuse)
{
    static const char *text[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    struct raft_entry e[8];
    for (int i = 0; i < 8; i++)
        e[i] = entry(1 + (uint64_t)i / 3, text[i]);
    static const struct
    {
        uint64_t index;
        size_t first, n;
    } writes[] = {{1, 0, 5}, {6, 5, 1}, {4, 2, 3}, {7, 0, 8}, {12, 6, 2}};
    for (size_t w = 0; w < sizeof writes / sizeof writes[0]; w++) {
        struct sim_disk_batch *b =
            reuse ? sim_disk_batch_take(d) : sim_disk_batch_new();
        sim_disk_batch_set_hard(b, 3 + w, w % 2);
        if (w == 3) {
            sim_disk_batch_set_snapshot(b, false, 2, 1, "snap", 4);
        }
        sim_disk_batch_set_entries(b, writes[w].index, &e[writes[w].first],
                                   writes[w].n);
        sim_disk_submit(d, b, 0, 10);
        if (reuse)
            sim_disk_batch_done(d, sim_disk_complete(d));
        else
            sim_disk_batch_free(sim_disk_complete(d));
    }
}

Test(sim_disk_spares, reused_batches_leave_the_image_new_batches_leave)
{
    struct sim_disk fresh, reused;
    sim_disk_init(&fresh, 1);
    sim_disk_init(&reused, 1);
    write_sequence(&fresh, false);
    write_sequence(&reused, true);
    struct raft_durable_state a, b;
    struct raft_entry *ea = NULL, *eb = NULL;
    sim_disk_durable_state(&fresh, &a, &ea);
    sim_disk_durable_state(&reused, &b, &eb);
    cr_assert_eq(a.term, b.term);
    cr_assert_eq(a.vote, b.vote);
    cr_assert_eq(a.snapshot.last_index, b.snapshot.last_index);
    cr_assert_eq(a.snapshot.last_term, b.snapshot.last_term);
    cr_assert_eq(a.snapshot.len, b.snapshot.len);
    cr_assert_eq(memcmp(a.snapshot.data, b.snapshot.data, a.snapshot.len), 0);
    cr_assert_eq(a.n_entries, b.n_entries);
    cr_assert_gt(a.n_entries, 3);
    for (size_t i = 0; i < a.n_entries; i++) {
        cr_assert_eq(ea[i].term, eb[i].term, "entry %zu", i);
        cr_assert_eq(ea[i].len, eb[i].len, "entry %zu", i);
        cr_assert_eq(memcmp(ea[i].data, eb[i].data, ea[i].len), 0);
    }
    g_free(ea);
    g_free(eb);
    sim_disk_destroy(&fresh);
    sim_disk_destroy(&reused);
}

Test(sim_disk_spares, a_batch_kept_for_reuse_releases_its_records)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct raft_entry e = entry(1, "a");
    struct raft_record *rec = raft_record_new(1, e.type, e.data, e.len);
    e.data = rec->data;
    e.record = rec;
    struct sim_disk_batch *b = sim_disk_batch_take(&d);
    sim_disk_batch_set_entries(b, 1, &e, 1);
    cr_assert_eq(rec->refs, 2);
    sim_disk_batch_done(&d, b);
    cr_assert_eq(rec->refs, 1, "the kept batch holds no record");
    sim_disk_destroy(&d);
    raft_record_release(rec);
}

Test(sim_disk_spares, a_snapshot_configuration_equal_to_the_last_is_encoded_as_it_is)
{
    /* One disk is given configurations that equal the one before, or
     * differ from it only in the order of the ids, in auto_leave, or in
     * which list an id is in; each batch must hold the encoding of its
     * own configuration, whether or not the disk kept an equal one. */
    static const uint64_t v123[] = {1, 2, 3}, v132[] = {1, 3, 2};
    static const uint64_t v12[] = {1, 2}, v3[] = {3}, v1234[] = {1, 2, 3, 4};
    static const uint64_t l4[] = {4};
    const struct raft_configuration confs[] = {
        {.voters = v123, .n_voters = 3},
        {.voters = v123, .n_voters = 3},
        {.voters = v132, .n_voters = 3},
        {.voters = v123, .n_voters = 3, .learners = l4, .n_learners = 1},
        {.voters = v1234, .n_voters = 4, .outgoing = v123, .n_outgoing = 3,
         .auto_leave = true},
        {.voters = v1234, .n_voters = 4, .outgoing = v123, .n_outgoing = 3},
        {.voters = v12, .n_voters = 2, .outgoing = v3, .n_outgoing = 1},
        {.voters = v12, .n_voters = 2, .learners = v3, .n_learners = 1},
        {.voters = v123, .n_voters = 3},
    };
    struct sim_disk d;
    sim_disk_init(&d, 1);
    for (size_t i = 0; i < G_N_ELEMENTS(confs); i++) {
        cr_assert(raft_configuration_valid(&confs[i]));
        size_t len = raft_configuration_encoded_len(&confs[i]);
        void *want = g_malloc(len);
        raft_configuration_encode(&confs[i], want);
        struct sim_disk_batch *b = sim_disk_batch_take(&d);
        sim_disk_batch_set_snapshot(b, false, i + 1, 1, "s", 1);
        sim_disk_batch_set_snapshot_config(&d, b, &confs[i]);
        cr_assert_eq(b->snap_config_len, len, "configuration %zu", i);
        cr_assert_eq(memcmp(b->snap_config, want, len), 0,
                     "configuration %zu encoded as another", i);
        sim_disk_batch_done(&d, b);
        g_free(want);
    }
    sim_disk_destroy(&d);
}
