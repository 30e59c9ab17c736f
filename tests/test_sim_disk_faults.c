/* test_sim_disk_faults.c: the disk fault model. Latency differs per node and
 * per batch, drawn from the node's own disk stream, and completions keep
 * submission order; a crash can keep any prefix of each file's unsynced
 * writes (the term record and the log are separate files), so the durable
 * image may hold a log entry of a term the term record never reached, and a
 * node restarts safely from it. */
#include <criterion/criterion.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_disk.h"

/* Three pending batches: {term 2 vote 3, entry 1 of term 2}, {entry 2},
 * {term 3 vote 0}. */
static void three_pending(struct sim_disk *d)
{
    static const char a[] = "a", b_[] = "b";
    struct raft_entry e1[1] = {
        {.term = 2, .type = RAFT_ENTRY_COMMAND, .data = a, .len = 2}};
    struct raft_entry e2[1] = {
        {.term = 2, .type = RAFT_ENTRY_COMMAND, .data = b_, .len = 2}};
    sim_disk_init(d, 1);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, 2, 3);
    sim_disk_batch_set_entries(b, 1, e1, 1);
    sim_disk_submit(d, b, 0, 10);
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 2, e2, 1);
    sim_disk_submit(d, b, 0, 10);
    b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, 3, 0);
    sim_disk_submit(d, b, 0, 10);
}

Test(sim_disk, a_crash_keeps_a_prefix_of_each_file_and_loses_the_rest)
{
    struct sim_disk d;
    uint64_t log, term, kept_log, kept_term;

    three_pending(&d);
    sim_disk_pending_writes(&d, &log, &term);
    cr_assert_eq(log, 2);
    cr_assert_eq(term, 2);
    /* The log keeps both entries, the term record only its first write. */
    sim_disk_crash_keeping(&d, 5, 1, &kept_log, &kept_term);
    cr_assert_eq(kept_log, 2, "more than pending keeps all");
    cr_assert_eq(kept_term, 1);
    cr_assert_eq(sim_disk_pending(&d), 0);
    cr_assert_eq(sim_disk_last_index(&d), 2);
    cr_assert_eq(d.term, 2);
    cr_assert_eq(d.vote, 3);
    sim_disk_destroy(&d);

    /* The term record survives while the log write of the same update is
     * lost. */
    three_pending(&d);
    sim_disk_crash_keeping(&d, 0, 2, &kept_log, &kept_term);
    cr_assert_eq(kept_log, 0);
    cr_assert_eq(kept_term, 2);
    cr_assert_eq(sim_disk_last_index(&d), 0);
    cr_assert_eq(d.term, 3);
    cr_assert_eq(d.vote, 0);
    sim_disk_destroy(&d);

    /* The log survives while the term record of the same update is lost. */
    three_pending(&d);
    sim_disk_crash_keeping(&d, 1, 0, NULL, NULL);
    cr_assert_eq(sim_disk_last_index(&d), 1);
    cr_assert_eq(sim_disk_term_at(&d, 1), 2);
    cr_assert_eq(d.term, 0, "a log entry of term 2 above the durable term");
    sim_disk_destroy(&d);
}

/* Steps s until node has, among its pending batches (queued after its last
 * completed one), a term-record write followed by a log write. */
static void step_until_both_pending(struct sim *s, uint32_t node)
{
    uint64_t synced = 0, term_write = 0;
    size_t seen = sim_trace_len(s);
    for (int i = 0; i < 100000; i++) {
        cr_assert_eq(sim_step(s), SIM_OK);
        const struct sim_trace_event *ev = sim_trace_events(s);
        for (; seen < sim_trace_len(s); seen++) {
            const struct sim_trace_event *e = &ev[seen];
            if (e->node != node)
                continue;
            if (e->kind == SIM_TRACE_SYNC)
                synced = e->aux;
            if (e->kind == SIM_TRACE_PERSIST && e->term > 0)
                term_write = e->aux;
            if (e->kind == SIM_TRACE_PERSIST && e->count > 0 &&
                term_write > synced)
                return;
        }
    }
    cr_assert_fail("no term-record write and log write pending together");
}

Test(sim_durability,
     a_node_restarts_from_a_log_that_outran_its_term_record_in_the_log_term)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.pre_vote = true; /* the isolated node keeps its term */
    c.seed = 3;
    c.record_events = true;
    c.disk_sync_us = 15000; /* long enough for writes to be pending */
    struct sim *s = sim_new(&c);
    sim_load_closed(s, 2, 900000, 0);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint32_t victim = leader == 1 ? 2 : 1;
    /* A new term the victim hears of first from the new leader's
     * AppendEntries: one update writes its term record and entries. */
    cr_assert_eq(sim_isolate(s, victim), SIM_OK);
    cr_assert_eq(sim_crash(s, leader), SIM_OK);
    while (sim_current_leader(s) == 0 && sim_now(s) < 8000000)
        cr_assert_eq(sim_run_until(s, sim_now(s) + 100000), SIM_OK);
    cr_assert_neq(sim_current_leader(s), 0);
    sim_heal(s);
    step_until_both_pending(s, victim);
    uint64_t term_before = sim_term(s, victim);
    /* Every pending log write survives, every term-record write is lost. */
    cr_assert_eq(sim_crash_keeping(s, victim, SIM_KEEP_DRAWN - 1, 0), SIM_OK);
    uint64_t first;
    uint64_t *terms;
    size_t n = sim_log_terms(s, victim, &first, &terms);
    cr_assert_gt(n, 0);
    uint64_t log_term = terms[n - 1];
    g_free(terms);
    cr_assert_gt(log_term, sim_term(s, victim),
                 "the log outran the durable term record");
    cr_assert_eq(log_term, term_before);
    cr_assert_eq(sim_restart(s, victim), SIM_OK);
    cr_assert_eq(sim_term(s, victim), log_term);
    cr_assert_eq(sim_restart(s, leader), SIM_OK);
    cr_assert_eq(sim_run_until(s, sim_now(s) + 3000000), SIM_OK);
    cr_assert_null(sim_get_failure(s));
    sim_free(s);
}

/* The victim's persist-to-sync latencies, in batch order. */
static GArray *latencies(struct sim *s, uint32_t node)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    GHashTable *at = g_hash_table_new(g_int64_hash, g_int64_equal);
    const struct sim_trace_event *ev = sim_trace_events(s);
    static uint64_t keys[4096];
    size_t nk = 0;
    uint64_t last_done = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].node != node)
            continue;
        if (ev[i].kind == SIM_TRACE_PERSIST && nk < G_N_ELEMENTS(keys)) {
            keys[nk] = ev[i].aux;
            g_hash_table_insert(at, &keys[nk],
                                GSIZE_TO_POINTER(ev[i].time_us + 1));
            nk++;
        } else if (ev[i].kind == SIM_TRACE_SYNC) {
            uint64_t id = ev[i].aux;
            gpointer t = g_hash_table_lookup(at, &id);
            if (!t)
                continue;
            cr_assert_geq(ev[i].time_us, last_done, "submission order kept");
            last_done = ev[i].time_us;
            uint64_t d = ev[i].time_us - (GPOINTER_TO_SIZE(t) - 1);
            g_array_append_val(out, d);
        }
    }
    g_hash_table_destroy(at);
    return out;
}

Test(sim_durability, disk_latency_is_drawn_per_batch_within_each_node_range)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 5;
    c.record_events = true;
    struct sim_disk_latency disk[3] = {
        {.write_us_min = 100,
         .write_us_max = 100,
         .sync_us_min = 900,
         .sync_us_max = 900},
        {.write_us_min = 1000,
         .write_us_max = 2000,
         .sync_us_min = 5000,
         .sync_us_max = 20000},
        {.write_us_min = 100,
         .write_us_max = 100,
         .sync_us_min = 900,
         .sync_us_max = 900},
    };
    c.disk = disk;
    struct sim *s = sim_new(&c);
    sim_load_closed(s, 2, 3000000, 0);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    GArray *slow = latencies(s, 2);
    GArray *fast = latencies(s, 1);
    cr_assert_gt(slow->len, 20);
    cr_assert_gt(fast->len, 20);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (guint i = 0; i < slow->len; i++) {
        uint64_t d = g_array_index(slow, uint64_t, i);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    /* Queued behind a slower batch, one may wait longer than its draw. */
    cr_assert_geq(lo, 6000);
    cr_assert_neq(lo, hi, "the latency varies per batch");
    for (guint i = 0; i < fast->len; i++)
        cr_assert_eq(g_array_index(fast, uint64_t, i), 1000);
    g_array_free(slow, TRUE);
    g_array_free(fast, TRUE);

    /* At run time: n1's disk becomes slow from now on. */
    struct sim_disk_latency slow1 = {.write_us_min = 0,
                                     .write_us_max = 0,
                                     .sync_us_min = 30000,
                                     .sync_us_max = 30000};
    cr_assert_eq(sim_set_disk_latency(s, 1, &slow1), SIM_OK);
    size_t before = sim_trace_len(s);
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    cr_assert_eq(ev[before - 1].kind, SIM_TRACE_DISK);
    GArray *later = latencies(s, 1);
    cr_assert_eq(g_array_index(later, uint64_t, later->len - 1), 30000);
    g_array_free(later, TRUE);
    struct sim_disk_latency bad = {.write_us_min = 2, .write_us_max = 1};
    cr_assert_eq(sim_set_disk_latency(s, 1, &bad), SIM_EINVAL);
    sim_free(s);
}

/* The disk's trace text is written digit by digit: every bound reads as
 * "%" PRIu64 writes it, 0 and 2^64 - 1 and each power of ten included. */
Test(sim_durability, a_disk_latency_is_traced_with_its_bounds_in_decimal)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    uint64_t values[64];
    size_t n = 0;
    values[n++] = 0;
    for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
        values[n++] = p;
        values[n++] = p * 10 - 1;
    }
    values[n++] = UINT64_MAX;
    for (size_t i = 0; i + 1 < n; i++) {
        struct sim_disk_latency lat = {.write_us_min = values[i],
                                       .write_us_max = values[i + 1],
                                       .sync_us_min = values[n - 2 - i],
                                       .sync_us_max = values[n - 1 - i]};
        if (lat.sync_us_min > lat.sync_us_max)
            lat.sync_us_max = lat.sync_us_min;
        size_t before = sim_trace_len(s);
        cr_assert_eq(sim_set_disk_latency(s, 2, &lat), SIM_OK);
        cr_assert_eq(sim_trace_len(s), before + 1);
        const struct sim_trace_event *ev = &sim_trace_events(s)[before];
        cr_assert_eq(ev->kind, SIM_TRACE_DISK);
        char *want = g_strdup_printf(
            "write %" PRIu64 "us..%" PRIu64 "us sync %" PRIu64 "us..%" PRIu64
            "us",
            lat.write_us_min, lat.write_us_max, lat.sync_us_min,
            lat.sync_us_max);
        cr_assert_str_eq(ev->text, want);
        g_free(want);
    }
    sim_free(s);
}

Test(sim_durability, a_drawn_crash_draws_from_the_node_disk_stream_only)
{
    /* The shared faults stream (sim_random_below) gives the same next value
     * whether n3's crash drew its losses or not. */
    uint64_t next[2];
    uint64_t kept[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        struct sim_config c;
        sim_config_init(&c);
        c.seed = 8;
        c.record_events = true;
        c.disk_sync_us = 40000;
        struct sim *s = sim_new(&c);
        sim_load_closed(s, 2, 1000000, 0);
        cr_assert_eq(sim_run_until(s, 600000), SIM_OK);
        uint64_t keep = k == 0 ? 0 : SIM_KEEP_DRAWN;
        cr_assert_eq(sim_crash_keeping(s, 3, keep, keep), SIM_OK);
        const struct sim_trace_event *e =
            &sim_trace_events(s)[sim_trace_len(s) - 1];
        cr_assert_eq(e->kind, SIM_TRACE_CRASH);
        cr_assert_gt(e->aux, 0, "writes were pending");
        kept[k] = e->index + e->count;
        next[k] = sim_random_below(s, UINT64_C(1) << 40);
        sim_free(s);
    }
    cr_assert_eq(kept[0], 0);
    cr_assert_eq(next[0], next[1]);
}
