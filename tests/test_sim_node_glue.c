/* test_sim_node_glue.c: what the engine does around each step of a core,
 * where it takes shortcuts: a disk write of constant latency draws nothing
 * but still takes its rank among the node's disk draws of the instant
 * (sim_internal.h, SIM_STREAM_DISK_BASE), the totals of the message
 * counters are the sums of the per-type ones, and the durable image a sent
 * message is judged on (sim_disk_durable(), which looks up its last term
 * once) is the disk's, and the match index a leader's rules are given
 * (sim_progress_match(), the traced one while the core's progress version
 * holds) is the core's. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_disk.h"
#include "sim/sim_progress.h"
#include "sim/sim_rng.h"
#include "tests/support/raft_harness.h"

/* The keep count a crash's drawn log losses take when they are the node's
 * draw of rank `rank` at now_us: uniform in [0, pending] from the node's
 * disk stream keyed by the instant and the rank, written out here from the
 * documented key. */
static uint64_t model_keep(uint64_t seed,
                           uint32_t node,
                           uint64_t now_us,
                           uint64_t rank,
                           uint64_t pending)
{
    /* The disk streams are numbered from 1024 (sim_internal.h,
     * SIM_STREAM_DISK_BASE) by node id. */
    uint64_t key = sim_rng_key(seed, 1024 + node);
    struct sim_rng r;
    sim_rng_seed_key(&r, sim_rng_key(sim_rng_key(key, now_us), rank));
    return sim_rng_below(&r, pending + 1);
}

/* What the trace tells of one node's disk: its writes' batch ids that
 * write the log and are not yet durable. */
struct pending_log
{
    uint64_t ids[256];
    size_t n;
};

static void pending_remove(struct pending_log *p, uint64_t id)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->ids[i] == id) {
            p->ids[i] = p->ids[--p->n];
            return;
        }
    }
}

/* Steps seed's run until a node writes log entries at some instant after
 * 1 s, crashes that node at the same instant with its log losses drawn,
 * and compares the count kept with the model's draw of the rank that
 * follows every write of that node at that instant. false: no such write
 * (the run is not usable). */
static bool crash_after_a_write_keeps_the_modelled_count(uint64_t seed,
                                                         uint64_t *pending)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.seed = seed;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load(s, 400.0, 3000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);

    struct pending_log logs[4] = {{.n = 0}};
    size_t seen = 0;
    bool found = false;
    while (!found && sim_now(s) < 3000000 && sim_step(s) == SIM_OK) {
        const struct sim_trace_event *ev = sim_trace_events(s);
        size_t len = sim_trace_len(s);
        for (; seen < len; seen++) {
            const struct sim_trace_event *e = &ev[seen];
            if (e->node < 1 || e->node > 3)
                continue;
            struct pending_log *p = &logs[e->node];
            if (e->kind == SIM_TRACE_SYNC) {
                pending_remove(p, e->aux);
            } else if (e->kind == SIM_TRACE_PERSIST && (e->count || e->ok)) {
                cr_assert_lt(p->n, 256);
                p->ids[p->n++] = e->aux;
                if (e->time_us >= 1000000)
                    found = true;
            }
        }
    }
    if (!found) {
        sim_free(s);
        return false;
    }
    /* The write that ended the loop is the last PERSIST recorded; every
     * write of its node at this instant took one rank before the crash. */
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t len = sim_trace_len(s);
    uint32_t node = 0;
    uint64_t now = sim_now(s), rank = 0;
    for (size_t i = len; i-- > 0 && ev[i].time_us == now;) {
        if (ev[i].kind != SIM_TRACE_PERSIST)
            continue;
        if (node == 0)
            node = ev[i].node;
        if (ev[i].node == node)
            rank++;
    }
    cr_assert_neq(node, 0);
    cr_assert_geq(rank, 1);
    *pending = logs[node].n;
    cr_assert_eq(sim_crash_keeping(s, node, SIM_KEEP_DRAWN, 0), SIM_OK);
    ev = sim_trace_events(s);
    const struct sim_trace_event *crash = &ev[sim_trace_len(s) - 1];
    cr_assert_eq(crash->kind, SIM_TRACE_CRASH);
    cr_assert_eq(crash->index, model_keep(seed, node, now, rank, *pending),
                 "seed %llu: n%u kept %llu of %llu log writes at rank %llu",
                 (unsigned long long)seed, node,
                 (unsigned long long)crash->index,
                 (unsigned long long)*pending, (unsigned long long)rank);
    sim_free(s);
    return true;
}

Test(sim_node_glue,
     a_disk_write_of_constant_latency_takes_its_rank_among_the_instants_draws)
{
    size_t runs = 0, drawn = 0;
    for (uint64_t seed = 1; seed <= 24; seed++) {
        uint64_t pending = 0;
        if (!crash_after_a_write_keeps_the_modelled_count(seed, &pending))
            continue;
        runs++;
        if (pending >= 1)
            drawn++;
    }
    /* Enough crashes with something to lose that a draw of the wrong
     * rank cannot pass by chance. */
    cr_assert_geq(runs, 20);
    cr_assert_geq(drawn, 20);
}

Test(sim_node_glue, the_message_totals_are_the_sums_of_the_types_counters)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.seed = 7;
    c.drop_ppm = 100000;
    c.duplicate_ppm = 100000;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load(s, 100.0, 2000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    cr_assert_eq(sim_crash(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    struct sim_msg_counters mc[RAFT_MSG_TYPE_COUNT];
    sim_get_msg_counters(s, mc);
    struct sim_msg_counters sum = {0};
    for (int t = 1; t < RAFT_MSG_TYPE_COUNT; t++) {
        sum.sent += mc[t].sent;
        sum.delivered += mc[t].delivered;
        sum.dropped += mc[t].dropped;
        sum.duplicated += mc[t].duplicated;
        sum.bytes_sent += mc[t].bytes_sent;
        sum.bytes_delivered += mc[t].bytes_delivered;
    }
    cr_assert_gt(sum.sent, 0);
    cr_assert_gt(sum.dropped, 0);
    cr_assert_gt(sum.duplicated, 0);
    cr_assert_eq(mc[0].sent, sum.sent);
    cr_assert_eq(mc[0].delivered, sum.delivered);
    cr_assert_eq(mc[0].dropped, sum.dropped);
    cr_assert_eq(mc[0].duplicated, sum.duplicated);
    cr_assert_eq(mc[0].bytes_sent, sum.bytes_sent);
    cr_assert_eq(mc[0].bytes_delivered, sum.bytes_delivered);
    /* Asked twice, the totals are the same: nothing accumulates. */
    struct sim_msg_counters again[RAFT_MSG_TYPE_COUNT];
    sim_get_msg_counters(s, again);
    cr_assert_eq(memcmp(again, mc, sizeof(mc)), 0);
    sim_free(s);
}

/* Every field of the durable image the persistence check is given equals
 * what the disk's own accessors say, whatever the entry asked about. */
static void assert_durable_image(const struct sim_disk *d, const char *what)
{
    uint64_t last = sim_disk_last_index(d);
    for (uint64_t at = 0; at <= last + 2; at++) {
        struct sim_durable got = sim_disk_durable(d, at);
        cr_assert_eq(got.term, d->term, "%s", what);
        cr_assert_eq(got.vote, d->vote, "%s", what);
        cr_assert_eq(got.snap_index, d->snap_index, "%s", what);
        cr_assert_eq(got.last_index, last, "%s", what);
        cr_assert_eq(got.last_term, sim_disk_term_at(d, last), "%s", what);
        cr_assert_eq(got.at_index, at, "%s", what);
        cr_assert_eq(got.at_term, sim_disk_term_at(d, at), "%s: at %llu",
                     what, (unsigned long long)at);
    }
}

/* Makes the batch b durable on d at once. */
static void write_now(struct sim_disk *d, struct sim_disk_batch *b)
{
    sim_disk_submit(d, b, 0, 0);
    sim_disk_batch_free(sim_disk_complete(d));
}

Test(sim_node_glue, the_durable_image_a_message_is_judged_on_is_the_disks)
{
    static const char x[] = "x";
    struct raft_entry e[4];
    for (size_t i = 0; i < 4; i++)
        e[i] = (struct raft_entry){
            .term = 2 + i / 2, .type = RAFT_ENTRY_COMMAND, .data = x, .len = 1};
    struct sim_disk d;
    sim_disk_init(&d, 1);
    assert_durable_image(&d, "empty");
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, 3, 1);
    sim_disk_batch_set_entries(b, 1, e, 4);
    write_now(&d, b);
    assert_durable_image(&d, "four entries");
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, false, 2, 2, x, 1);
    write_now(&d, b);
    cr_assert_eq(d.snap_index, 2);
    assert_durable_image(&d, "compacted to 2");
    b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, false, 4, 3, x, 1);
    write_now(&d, b);
    cr_assert_eq(d.len, 0);
    assert_durable_image(&d, "compacted to the end");
    b = sim_disk_batch_new();
    sim_disk_batch_set_entries(b, 5, e + 2, 2);
    write_now(&d, b);
    assert_durable_image(&d, "entries after the snapshot");
    sim_disk_destroy(&d);
}

Test(sim_node_glue, a_leaders_match_index_is_asked_of_its_core_once_it_moved)
{
    struct raft_config base = rh_config(5);
    struct rh *h = rh_elected(3, &base);
    struct raft *core = rh_core(h, 1);
    /* The pairs as the engine traces them at a look. */
    uint64_t traced[4] = {0};
    for (uint64_t p = 2; p <= 3; p++)
        traced[p] = raft_match_index(core, p);
    uint64_t version = raft_progress_version(core);
    for (uint64_t p = 1; p <= 3; p++)
        cr_assert_eq(sim_progress_match(core, version, traced, 1, p),
                     raft_match_index(core, p));

    /* An entry replicated and acknowledged with no look: the peers' match
     * indexes and the core's version moved, the traced pairs did not. */
    uint64_t index = 0;
    cr_assert_eq(rh_propose(h, 1, 42, &index), RAFT_OK);
    for (int round = 0; round < 4; round++) {
        rh_persist(h, 1);
        rh_deliver_all(h);
    }
    for (uint64_t p = 2; p <= 3; p++) {
        cr_assert_eq(raft_match_index(core, p), index);
        cr_assert_lt(traced[p], index);
        cr_assert_eq(sim_progress_match(core, version, traced, 1, p), index);
    }

    /* Looked at again: the traced pair is read, not the core. */
    uint64_t again[4] = {0, 0, 1000, 1000};
    cr_assert_eq(sim_progress_match(core, raft_progress_version(core), again,
                                    1, 2),
                 1000);
    /* The node's own slot is never traced. */
    cr_assert_eq(
        sim_progress_match(core, raft_progress_version(core), again, 1, 1),
        raft_match_index(core, 1));
    rh_free(h);
}

/* A byte no field of an update holds once the core filled it: bools are 0
 * or 1, counts and indexes small, pointers NULL or the core's. */
#define UNFILLED 0xA5

static struct raft_update *unfilled(struct raft_update *u)
{
    memset(u, UNFILLED, sizeof(*u));
    return u;
}

static bool left_unfilled(const void *field, size_t size)
{
    const unsigned char *p = field;
    for (size_t i = 0; i < size; i++)
        if (p[i] != UNFILLED)
            return false;
    return true;
}

#define ASSERT_FILLED(u, field, call)                                         \
    cr_assert(!left_unfilled(&(u)->field, sizeof((u)->field)),               \
              "%s left " #field " as it was handed", call)

/* Every field of a struct raft_update, read after a core call. */
static void assert_filled(const struct raft_update *u, const char *call)
{
    ASSERT_FILLED(u, hard_state_changed, call);
    ASSERT_FILLED(u, term, call);
    ASSERT_FILLED(u, vote, call);
    ASSERT_FILLED(u, snapshot, call);
    ASSERT_FILLED(u, entries_index, call);
    ASSERT_FILLED(u, entries, call);
    ASSERT_FILLED(u, n_entries, call);
    ASSERT_FILLED(u, messages, call);
    ASSERT_FILLED(u, n_messages, call);
    ASSERT_FILLED(u, n_sync_messages, call);
    ASSERT_FILLED(u, apply_index, call);
    ASSERT_FILLED(u, committed, call);
    ASSERT_FILLED(u, n_committed, call);
    ASSERT_FILLED(u, commit_index, call);
    ASSERT_FILLED(u, role_changed, call);
    ASSERT_FILLED(u, leader_changed, call);
    ASSERT_FILLED(u, role, call);
    ASSERT_FILLED(u, leader, call);
    ASSERT_FILLED(u, reads, call);
    ASSERT_FILLED(u, n_reads, call);
    ASSERT_FILLED(u, next_deadline, call);
}

/* The engine hands every core call an update it did not clear
 * (sim_node.c, sim_node_life.c, sim_node_update.c, sim_propose.c,
 * sim_read.c): raft.h promises that each call fills all of it, failed
 * ones too. Each call the engine makes, on a leader and a follower of a
 * core harness, with an update of bytes no filled field holds. */
Test(sim_node_glue, every_core_call_the_engine_makes_fills_the_whole_update)
{
    struct raft_config base = rh_config(7);
    struct rh *h = rh_elected(3, &base);
    struct raft *leader = rh_core(h, 1);
    struct raft *follower = rh_core(h, 3);
    uint64_t now = h->now;
    struct raft_update u;

    uint64_t first = 0;
    struct raft_command cmd = {"x", 1};
    cr_assert_eq(
        raft_propose_batch(leader, now, &cmd, 1, &first, unfilled(&u)),
        RAFT_OK);
    assert_filled(&u, "raft_propose_batch()");
    cr_assert_neq(raft_propose_batch(follower, now, &cmd, 1, &first,
                                     unfilled(&u)),
                  RAFT_OK);
    assert_filled(&u, "a refused raft_propose_batch()");
    cr_assert_eq(raft_persisted_hard_state(leader, now, raft_term(leader), 1,
                                           unfilled(&u)),
                 RAFT_OK);
    assert_filled(&u, "raft_persisted_hard_state()");
    cr_assert_eq(raft_persisted(leader, now, first, raft_term(leader),
                                unfilled(&u)),
                 RAFT_OK);
    assert_filled(&u, "raft_persisted()");
    cr_assert_eq(raft_read_index(leader, now, 1, unfilled(&u)), RAFT_OK);
    assert_filled(&u, "raft_read_index()");
    struct raft_change learner = {RAFT_ADD_LEARNER, 4};
    uint64_t index = 0;
    raft_change_membership(leader, now, &learner, 1, RAFT_TRANSITION_AUTO,
                           &index, unfilled(&u));
    assert_filled(&u, "raft_change_membership()");
    raft_transfer_leadership(leader, now, 2, unfilled(&u));
    assert_filled(&u, "raft_transfer_leadership()");
    cr_assert_eq(raft_tick(leader, now + 1000000, unfilled(&u)), RAFT_OK);
    assert_filled(&u, "raft_tick()");
    raft_compact(leader, now + 1000000, raft_commit_index(leader), "s", 1,
                 unfilled(&u));
    assert_filled(&u, "raft_compact()");
    cr_assert_eq(raft_campaign(follower, now, unfilled(&u)), RAFT_OK);
    assert_filled(&u, "raft_campaign()");
    rh_free(h);
}
