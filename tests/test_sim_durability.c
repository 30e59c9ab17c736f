/* test_sim_durability.c: a crash loses exactly the writes not yet synced;
 * a synced vote or entry is never lost; a node restarted from its disk never
 * votes twice in one term. */
#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/sim.h"
#include "sim/sim_disk.h"
#include "tests/support/random_faults.h"

static struct raft_entry entry(uint64_t term, const char *text)
{
    struct raft_entry e = {
        .term = term,
        .type = RAFT_ENTRY_COMMAND,
        .data = text,
        .len = strlen(text) + 1,
    };
    return e;
}

Test(sim_disk, batches_complete_in_fifo_order_at_their_latency)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct sim_disk_batch *a = sim_disk_batch_new();
    sim_disk_batch_set_hard(a, 1, 2);
    sim_disk_submit(&d, a, 100, 1000);
    cr_assert_eq(a->done_us, 1100);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, 2, 0);
    /* Submitted later with a shorter latency: still completes after a. */
    sim_disk_submit(&d, b, 150, 10);
    cr_assert_eq(b->done_us, 1100);
    cr_assert_eq(sim_disk_pending(&d), 2);
    cr_assert_eq(sim_disk_complete(&d), a);
    cr_assert_eq(d.term, 1);
    cr_assert_eq(d.vote, 2);
    sim_disk_batch_free(a);
    cr_assert_eq(sim_disk_complete(&d), b);
    cr_assert_eq(d.term, 2);
    cr_assert_eq(d.vote, 0);
    sim_disk_batch_free(b);
    sim_disk_destroy(&d);
}

Test(sim_disk, a_crash_loses_exactly_the_unsynced_writes)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct raft_entry e1[2] = {entry(1, "a"), entry(1, "b")};
    struct raft_entry e2[1] = {entry(2, "c")};
    struct raft_entry e3[1] = {entry(3, "d")};
    struct sim_disk_batch *b1 = sim_disk_batch_new();
    sim_disk_batch_set_hard(b1, 1, 1);
    sim_disk_batch_set_entries(b1, 1, e1, 2);
    sim_disk_submit(&d, b1, 0, 10);
    struct sim_disk_batch *b2 = sim_disk_batch_new();
    sim_disk_batch_set_hard(b2, 2, 3);
    sim_disk_batch_set_entries(b2, 2, e2, 1); /* replaces index 2 */
    sim_disk_submit(&d, b2, 0, 10);
    struct sim_disk_batch *b3 = sim_disk_batch_new();
    sim_disk_batch_set_entries(b3, 3, e3, 1);
    sim_disk_submit(&d, b3, 0, 10);
    sim_disk_batch_free(sim_disk_complete(&d));
    sim_disk_batch_free(sim_disk_complete(&d));
    sim_disk_crash(&d);
    cr_assert_eq(d.writes_lost, 1);
    cr_assert_eq(sim_disk_pending(&d), 0);
    cr_assert_eq(d.term, 2);
    cr_assert_eq(d.vote, 3);
    cr_assert_eq(sim_disk_last_index(&d), 2);
    cr_assert_eq(sim_disk_term_at(&d, 1), 1);
    cr_assert_eq(sim_disk_term_at(&d, 2), 2);
    struct raft_durable_state st;
    struct raft_entry *buf;
    sim_disk_durable_state(&d, &st, &buf);
    cr_assert_eq(st.n_entries, 2);
    cr_assert_str_eq(st.entries[0].data, "a");
    cr_assert_str_eq(st.entries[1].data, "c");
    g_free(buf);
    sim_disk_destroy(&d);
}

Test(sim_disk, compaction_drops_the_prefix_and_keeps_the_rest)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct raft_entry es[4] = {entry(1, "a"), entry(1, "b"), entry(2, "c"),
                               entry(2, "d")};
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 1, es, 4);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, false, 3, 2, "snap", 5);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.snap_index, 3);
    cr_assert_eq(d.first_index, 4);
    cr_assert_eq(d.len, 1);
    cr_assert_eq(sim_disk_term_at(&d, 3), 2);
    cr_assert_eq(sim_disk_term_at(&d, 2), 0);
    cr_assert_str_eq(d.snap_data, "snap");
    /* An installed snapshot that does not match the log discards it. */
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, true, 9, 5, "other", 6);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.len, 0);
    cr_assert_eq(d.first_index, 10);
    cr_assert_eq(sim_disk_last_index(&d), 9);
    sim_disk_destroy(&d);
}

Test(sim_disk, an_installed_snapshot_keeps_a_matching_suffix_unless_told)
{
    struct sim_disk d;
    sim_disk_init(&d, 1);
    struct raft_entry es[4] = {entry(1, "a"), entry(1, "b"), entry(2, "c"),
                               entry(2, "d")};
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 1, es, 4);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    /* Figure 13, rule 6: the log holds (2, 1), so 3 and 4 stay. */
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, true, 2, 1, "s2", 3);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.first_index, 3);
    cr_assert_eq(sim_disk_last_index(&d), 4);
    cr_assert_eq(sim_disk_term_at(&d, 4), 2);
    /* The core may drop the suffix anyway: truncate_from says so. */
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, true, 3, 2, "s3", 3);
    sim_disk_batch_set_truncate(b, 4);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    cr_assert_eq(d.snap_index, 3);
    cr_assert_eq(sim_disk_last_index(&d), 3);
    cr_assert_eq(d.len, 0);
    sim_disk_destroy(&d);
}

/* Node 7 writes entries 1..2, then a batch at 4..5: the durable log would
 * skip entry 3. */
static void write_past_the_end(void)
{
    struct sim_disk d;
    sim_disk_init(&d, 7);
    struct raft_entry es[2] = {entry(1, "a"), entry(1, "b")};
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 1, es, 2);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 4, es, 2);
    sim_disk_submit(&d, b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&d));
    sim_disk_destroy(&d);
}

Test(sim_disk, a_write_that_leaves_a_gap_fails_loudly_naming_node_and_indices)
{
    int out[2];
    cr_assert_eq(pipe(out), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(out[1], STDERR_FILENO);
        close(out[0]);
        write_past_the_end();
        _exit(0);
    }
    close(out[1]);
    char text[512] = {0};
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(text) - 1 &&
           (k = read(out[0], text + n, sizeof(text) - 1 - n)) > 0)
        n += (size_t)k;
    close(out[0]);
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT,
              "the gap was accepted (status %d)", status);
    cr_assert(strstr(text, "engine assertion failed") &&
                  strstr(text, "node 7: a write of entries 4..5 would leave "
                               "a gap after the durable log's last entry 2"),
              "message: %s", text);
}

/* ---- through the engine ------------------------------------------------- */

Test(sim_durability, a_crashed_node_keeps_exactly_its_synced_log)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 12;
    c.record_events = true;
    c.disk_sync_us = 30000; /* long enough for writes to be pending */
    struct sim *s = sim_new(&c);
    sim_load_closed(s, 4, 3000000, 0);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint32_t victim = leader == 1 ? 2 : 1;
    /* Step until the victim has a write pending, then crash it. */
    for (;;) {
        size_t before = sim_trace_len(s);
        cr_assert_eq(sim_step(s), SIM_OK);
        const struct sim_trace_event *ev = sim_trace_events(s);
        bool wrote = false;
        for (size_t i = before; i < sim_trace_len(s); i++)
            wrote |= ev[i].kind == SIM_TRACE_PERSIST && ev[i].node == victim &&
                     ev[i].count > 0;
        if (wrote)
            break;
    }
    uint64_t last_before = sim_last_index(s, victim);
    cr_assert_eq(sim_crash(s, victim), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t synced = 0, synced_term = 0;
    uint64_t pending = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].node != victim)
            continue;
        if (ev[i].kind == SIM_TRACE_SYNC) {
            synced = ev[i].index;
            synced_term = ev[i].term;
        }
        if (ev[i].kind == SIM_TRACE_CRASH)
            pending = ev[i].aux;
    }
    cr_assert_gt(pending, 0);
    cr_assert_lt(synced, last_before);
    cr_assert_eq(sim_last_index(s, victim), synced);
    cr_assert_eq(sim_term(s, victim), synced_term);
    cr_assert_eq(sim_restart(s, victim), SIM_OK);
    cr_assert_eq(sim_last_index(s, victim), synced);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    cr_assert_geq(sim_commit_index(s, victim), last_before);
    cr_assert_null(sim_get_failure(s));
    sim_free(s);
}

struct vote_log
{
    GHashTable *granted; /* "node:term" -> candidate */
    size_t grants;
    bool twice;
};

/* Scans new trace events for granted votes. */
static void check_votes(struct sim *s, struct vote_log *v, size_t *seen)
{
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    for (; *seen < n; (*seen)++) {
        const struct sim_trace_event *e = &ev[*seen];
        if (e->kind != SIM_TRACE_SEND ||
            e->msg_type != RAFT_MSG_REQUEST_VOTE_RESULT || !e->ok)
            continue;
        char *key =
            g_strdup_printf("%u:%llu", e->node, (unsigned long long)e->term);
        gpointer old = g_hash_table_lookup(v->granted, key);
        if (old && GPOINTER_TO_UINT(old) != e->peer)
            v->twice = true;
        g_hash_table_insert(v->granted, key, GUINT_TO_POINTER(e->peer));
        v->grants++;
    }
}

Test(sim_durability, a_restarted_node_never_votes_twice_in_one_term)
{
    struct vote_log v = {
        .granted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
    };
    uint64_t crashes = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct sim_config c;
        sim_config_init(&c);
        c.n_nodes = 5;
        c.seed = seed;
        c.record_events = true;
        c.disk_sync_us = 5000;
        c.drop_ppm = 50000;
        struct sim *s = sim_new(&c);
        struct rf_config ch;
        rf_config_init(&ch);
        ch.partitions = ch.cuts = ch.drift = ch.pauses = false;
        ch.interval_us = 100000;
        ch.downtime_us_max = 300000;
        struct rf_schedule *faults = rf_start(s, &ch, 5000000);
        g_hash_table_remove_all(v.granted);
        size_t seen = 0;
        for (uint64_t t = 100000; t <= 5000000; t += 100000) {
            cr_assert_eq(sim_run_until(s, t), SIM_OK);
            check_votes(s, &v, &seen);
        }
        struct sim_counters k;
        sim_get_counters(s, &k);
        crashes += k.crashes;
        sim_free(s);
        rf_free(faults);
        cr_assert_not(v.twice, "seed %llu: a node voted twice in a term",
                      (unsigned long long)seed);
    }
    cr_assert_gt(crashes, 50);
    cr_assert_gt(v.grants, 0);
    g_hash_table_destroy(v.granted);
}

static void campaign_n3(struct sim *s, void *ctx)
{
    (void)ctx;
    cr_assert_eq(sim_campaign(s, 3), SIM_OK);
}

static void restart_n2(struct sim *s, void *ctx)
{
    (void)ctx;
    cr_assert_eq(sim_restart(s, 2), SIM_OK);
}

struct vote_watch
{
    size_t seen;
    uint64_t voted_us; /* when n2 wrote its vote for n1; 0: not yet */
};

/* Crashes n2 in the same instant it writes its vote for n1 in term 1. */
static void crash_n2_after_its_vote(struct sim *s, void *ctx)
{
    struct vote_watch *w = ctx;
    for (; w->seen < sim_trace_len(s); w->seen++) {
        /* Fetched anew each time: the crash below appends to the trace,
         * which may move it. */
        const struct sim_trace_event *e = &sim_trace_events(s)[w->seen];
        if (w->voted_us == 0 && e->kind == SIM_TRACE_PERSIST && e->node == 2 &&
            e->term == 1 && e->peer == 1) {
            w->voted_us = e->time_us;
            cr_assert_eq(sim_crash(s, 2), SIM_OK);
            sim_at(s, w->voted_us + 1000, restart_n2, NULL);
            sim_at(s, w->voted_us + 2000, campaign_n3, NULL);
        }
    }
}

/* n2 votes for n1 in term 1 and crashes before the vote is durable. Had the
 * grant left before the sync, n2 would come back in term 0 and grant term 1
 * to n3 as well: two leaders in one term. */
Test(sim_durability, a_vote_leaves_only_once_it_is_durable)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 3;
    c.record_events = true;
    c.delay_us_min = c.delay_us_max = 1000;
    c.disk_write_us = 0;
    c.disk_sync_us = 50000;
    struct sim *s = sim_new(&c);
    sim_cut(s, 1, 3);
    sim_cut(s, 3, 1);
    struct vote_watch w = {0};
    sim_set_observer(s, crash_n2_after_its_vote, &w);
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 200000), SIM_OK);
    cr_assert_neq(w.voted_us, 0);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint32_t granted_to[4] = {0};
    size_t grants = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_SEND && ev[i].node == 2 &&
            ev[i].msg_type == RAFT_MSG_REQUEST_VOTE_RESULT && ev[i].ok &&
            ev[i].term == 1) {
            grants++;
            granted_to[ev[i].peer]++;
        }
    }
    cr_assert_eq(grants, 1);
    cr_assert_eq(granted_to[3], 1);
    cr_assert_null(sim_get_failure(s));
    sim_free(s);
}
