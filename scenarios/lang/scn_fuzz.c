/* scn_fuzz.c: the swarm and schedule generator behind `raftsim fuzz`.
 *
 * Invariant: every value drawn here comes, in a fixed order, from one
 * sim_rng stream seeded with the seed alone, so scn_fuzz_generate is a pure
 * function of (seed, options). The schedule is built against a model of
 * which node is down or paused when, so no statement it writes can fail or
 * be skipped: a node is crashed only while it is up, not needed up by a
 * `timeout` already planned for later, and with at most (N-1)/2 nodes down
 * at once; restarted only while down; paused or nudged only while up.
 * Steps are ordered by (time, creation order), which is also the order the
 * model assumed. Running a generated scenario and writing its reproducer
 * are scn_fuzz_run.c's.
 */
#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_fuzz_gen.h"

#include <inttypes.h>
#include <string.h>

#include "sim/sim_rng.h"

/* The generator's stream number: far from the engine's own streams, so a
 * scenario's choices are not the run's draws shifted. */
#define FUZZ_STREAM UINT64_C(0x66757a7a)
#define FUZZ_CHUNK_STREAM UINT64_C(0x6368756e6b)
#define FUZZ_UNCOMMITTED_STREAM UINT64_C(0x756e636f6d6d)
/* The stream of the membership kinds' swarm draws (swarm_membership()). */
#define FUZZ_MEMBER_STREAM UINT64_C(0x66757a7b)
/* The streams of the unguarded share of the swarm (draw_unguarded()) and
 * of the churn kind (draw_churn()). */
#define FUZZ_GUARD_STREAM UINT64_C(0x6775617264)
#define FUZZ_CHURN_STREAM UINT64_C(0x636875726e)

/* Keys of scripted client requests (k0..k7) and of the engine's `load`. */
#define FUZZ_KEYS 8u

static const char *const fault_names[SCN_FUZZ_FAULT_COUNT] = {
    [SCN_FUZZ_DROP] = "drop",           [SCN_FUZZ_DELAY] = "delay",
    [SCN_FUZZ_DUPLICATE] = "duplicate", [SCN_FUZZ_REORDER] = "reorder",
    [SCN_FUZZ_PARTITION] = "partition", [SCN_FUZZ_CUT] = "cut",
    [SCN_FUZZ_CRASH] = "crash",         [SCN_FUZZ_PAUSE] = "pause",
    [SCN_FUZZ_DRIFT] = "drift",         [SCN_FUZZ_DISK] = "disk",
    [SCN_FUZZ_MASS_CRASH] = "mass-crash",
    [SCN_FUZZ_RESTART_STORM] = "restart-storm",
    [SCN_FUZZ_REELECTION] = "reelection",
    [SCN_FUZZ_VOTE_CRASH] = "vote-crash",
    [SCN_FUZZ_TRIGGER] = "trigger",
    [SCN_FUZZ_MEMBERSHIP] = "membership",
    [SCN_FUZZ_TRANSFER] = "transfer",
    [SCN_FUZZ_CHURN] = "churn",
};

void scn_fuzz_options_init(struct scn_fuzz_options *o)
{
    memset(o, 0, sizeof(*o));
    o->nodes = 5;
    o->run_us = UINT64_C(10000000);
    o->faults = SCN_FUZZ_ALL_FAULTS;
}

const char *scn_fuzz_fault_name(enum scn_fuzz_fault fault)
{
    if ((unsigned)fault >= SCN_FUZZ_FAULT_COUNT)
        return "?";
    return fault_names[fault];
}

bool scn_fuzz_faults_parse(const char *list, uint32_t *mask, char **bad)
{
    uint32_t m = 0;
    char **names = g_strsplit(list ? list : "", ",", -1);
    bool ok = true;
    for (size_t i = 0; names[i]; i++) {
        const char *name = g_strstrip(names[i]);
        unsigned f = 0;
        while (f < SCN_FUZZ_FAULT_COUNT && strcmp(fault_names[f], name) != 0)
            f++;
        if (f == SCN_FUZZ_FAULT_COUNT) {
            if (bad)
                *bad = g_strdup(*name ? name : "(empty)");
            ok = false;
            break;
        }
        m |= 1u << f;
    }
    if (ok && names[0] == NULL) {
        if (bad)
            *bad = g_strdup("(empty)");
        ok = false;
    }
    g_strfreev(names);
    if (ok)
        *mask = m;
    return ok;
}

/* ---- the swarm ----------------------------------------------------------- */

/* The membership kinds of the swarm: whether each is on, how often, and
 * how many spare nodes the cluster has (one or two, when membership is on).
 * Called after w->prevote and w->checkquorum are drawn.
 * Drawn from a stream of their own, so that the generator's main stream,
 * and with it the schedule of every seed on which both kinds are off, is
 * what it was before they existed. */
static void swarm_membership(uint64_t seed,
                             const struct scn_fuzz_options *o,
                             struct scn_fuzz_swarm *w)
{
    struct sim_rng own;
    sim_rng_seed(&own, seed, FUZZ_MEMBER_STREAM);
    struct sim_rng *r = &own;
    for (unsigned f = SCN_FUZZ_MEMBERSHIP; f <= SCN_FUZZ_TRANSFER; f++) {
        bool heads = scn_fuzz_coin(r, 1, 2);
        w->on[f] = heads && (o->faults & (1u << f)) != 0;
    }
    uint32_t rate = (uint32_t)scn_fuzz_draw(r, 3, 15);
    uint32_t transfers = (uint32_t)scn_fuzz_draw(r, 2, 10);
    uint32_t spares = (uint32_t)scn_fuzz_draw(r, 1, 2);
    /* A node that holds a configuration naming it a voter while the
     * cluster's leaders no longer send to it (its removal committed, or its
     * addition truncated) keeps campaigning; only PreVote or CheckQuorum keep
     * it from deposing leaders (thesis §4.2.3), so membership changes are
     * drawn only with one of them on, as `settle` assumes. */
    if (o->nodes + spares > SCN_CLUSTER_MAX ||
        (!w->prevote && !w->checkquorum))
        w->on[SCN_FUZZ_MEMBERSHIP] = false;
    if (o->nodes < 2)
        w->on[SCN_FUZZ_TRANSFER] = false;
    w->per_10s[SCN_FUZZ_MEMBERSHIP] = w->on[SCN_FUZZ_MEMBERSHIP] ? rate : 0;
    w->per_10s[SCN_FUZZ_TRANSFER] = w->on[SCN_FUZZ_TRANSFER] ? transfers : 0;
    w->spares = w->on[SCN_FUZZ_MEMBERSHIP] ? spares : 0;
}

/* One swarm in three runs with neither PreVote nor CheckQuorum, whatever
 * the main stream drew for them (so half the swarms do in all). Only there
 * can a node that was leader in an old term win an election while another
 * leader has just been heard from: the leader churn and reelection
 * episodes re-elect old leaders within an election timeout, which a lease
 * (thesis §4.2.3) refuses, and Figure 8 of the Raft paper (an old-term
 * entry replicated to a majority by its re-elected leader, then
 * overwritten) needs exactly that. Drawn from a stream of its own, so that
 * every other draw of a seed stays what it was; a campaign restricted with
 * --faults draws none, to run the schedules it ran before. */
static void draw_unguarded(uint64_t seed,
                           const struct scn_fuzz_options *o,
                           struct scn_fuzz_swarm *w)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_GUARD_STREAM);
    if (scn_fuzz_coin(&r, 1, 3) && o->faults == SCN_FUZZ_ALL_FAULTS) {
        w->prevote = false;
        w->checkquorum = false;
    }
}

/* Leader churn as a kind of its own, on in half the swarms at 2..10
 * episodes per 10s, besides the churn that `cut` draws: the Figure 8
 * setting needs several turns of old leaders, which the other kinds'
 * faults often break. From a stream of its own, so that every other draw
 * of a seed stays what it was. */
static void draw_churn(uint64_t seed,
                       const struct scn_fuzz_options *o,
                       struct scn_fuzz_swarm *w)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_CHURN_STREAM);
    bool on = scn_fuzz_coin(&r, 1, 2);
    uint32_t rate = (uint32_t)scn_fuzz_draw(&r, 2, 10);
    w->on[SCN_FUZZ_CHURN] =
        on && o->nodes >= 2 && (o->faults & (1u << SCN_FUZZ_CHURN)) != 0;
    w->per_10s[SCN_FUZZ_CHURN] = w->on[SCN_FUZZ_CHURN] ? rate : 0;
}

/* Which fault kinds the swarm turns on: a coin each (the same draws
 * whatever is allowed, so --faults only switches kinds off and keeps the
 * rest of a seed), then off what the cluster is too small for. */
static void swarm_kinds(struct sim_rng *r,
                        const struct scn_fuzz_options *o,
                        struct scn_fuzz_swarm *w)
{
    /* The membership kinds draw from their own stream (swarm_membership()).
     */
    for (unsigned f = 0; f < SCN_FUZZ_MEMBERSHIP; f++) {
        bool heads = scn_fuzz_coin(r, 1, 2);
        w->on[f] = heads && (o->faults & (1u << f)) != 0;
    }
    /* Partitions, cuts and crashes need a second node. */
    if (o->nodes < 2) {
        w->on[SCN_FUZZ_PARTITION] = false;
        w->on[SCN_FUZZ_CUT] = false;
    }
    if ((o->nodes - 1) / 2 == 0) {
        w->on[SCN_FUZZ_CRASH] = false;
        w->on[SCN_FUZZ_RESTART_STORM] = false;
        w->on[SCN_FUZZ_VOTE_CRASH] = false;
    }
    if (o->nodes < 2) {
        w->on[SCN_FUZZ_MASS_CRASH] = false;
        w->on[SCN_FUZZ_REELECTION] = false;
    }
}

/* The network's bounds (drop, delay, duplicate, reorder), drawn whether
 * their kind is on or not; kept only for the kinds that are. */
static void swarm_network(struct sim_rng *r, struct scn_fuzz_swarm *w)
{
    uint32_t drop = (uint32_t)scn_fuzz_draw(r, 10000, 250000);
    uint64_t delay = scn_fuzz_draw(r, 15, 150) * 1000;
    uint32_t dup = (uint32_t)scn_fuzz_draw(r, 10000, 200000);
    uint32_t reorder = (uint32_t)scn_fuzz_draw(r, 10000, 300000);
    w->drop_ppm_max = w->on[SCN_FUZZ_DROP] ? drop : 0;
    w->delay_us_max = w->on[SCN_FUZZ_DELAY] ? delay : 0;
    w->duplicate_ppm_max = w->on[SCN_FUZZ_DUPLICATE] ? dup : 0;
    w->reorder_ppm_max = w->on[SCN_FUZZ_REORDER] ? reorder : 0;
}

/* Each timed fault's rate per 10 s and the drift bound, drawn in this
 * order whether their kind is on or not; kept only for the kinds that
 * are. */
static void swarm_rates(struct sim_rng *r, struct scn_fuzz_swarm *w)
{
    uint32_t rates[SCN_FUZZ_FAULT_COUNT] = {0};
    rates[SCN_FUZZ_PARTITION] = (uint32_t)scn_fuzz_draw(r, 2, 15);
    rates[SCN_FUZZ_CUT] = (uint32_t)scn_fuzz_draw(r, 2, 15);
    rates[SCN_FUZZ_CRASH] = (uint32_t)scn_fuzz_draw(r, 2, 20);
    rates[SCN_FUZZ_PAUSE] = (uint32_t)scn_fuzz_draw(r, 2, 15);
    rates[SCN_FUZZ_DRIFT] = (uint32_t)scn_fuzz_draw(r, 2, 10);
    uint32_t drift = (uint32_t)scn_fuzz_draw(r, 50000, 500000);
    rates[SCN_FUZZ_MASS_CRASH] = (uint32_t)scn_fuzz_draw(r, 1, 6);
    rates[SCN_FUZZ_RESTART_STORM] = (uint32_t)scn_fuzz_draw(r, 1, 6);
    rates[SCN_FUZZ_REELECTION] = (uint32_t)scn_fuzz_draw(r, 2, 10);
    rates[SCN_FUZZ_VOTE_CRASH] = (uint32_t)scn_fuzz_draw(r, 2, 12);
    rates[SCN_FUZZ_DISK] = (uint32_t)scn_fuzz_draw(r, 2, 10);
    rates[SCN_FUZZ_TRIGGER] = (uint32_t)scn_fuzz_draw(r, 2, 15);
    for (unsigned f = SCN_FUZZ_PARTITION; f < SCN_FUZZ_FAULT_COUNT; f++)
        w->per_10s[f] = w->on[f] ? rates[f] : 0;
    w->drift_ppm_max = w->on[SCN_FUZZ_DRIFT] ? drift : 0;
}

/* The disks, the core's options, snapshots and the client load. */
static void swarm_nodes_and_load(struct sim_rng *r, struct scn_fuzz_swarm *w)
{
    /* Slow disks: a sync of 1..10ms, or 10..35ms one time in four. Slower
     * ones would stall elections (a vote waits for two syncs) in the
     * liveness phase, which keeps the header's disk. */
    uint64_t write_us = scn_fuzz_draw(r, 1, 20) * 100;
    uint64_t sync_us = scn_fuzz_coin(r, 1, 4) ? scn_fuzz_draw(r, 10, 35) * 1000
                                               : scn_fuzz_draw(r, 1, 10) * 1000;
    w->prevote = scn_fuzz_coin(r, 1, 2);
    w->checkquorum = scn_fuzz_coin(r, 1, 2);
    /* Snapshots every few entries half the time they are on. */
    uint64_t snap = scn_fuzz_coin(r, 1, 2) ? scn_fuzz_draw(r, 3, 10)
                                           : scn_fuzz_draw(r, 11, 50);
    bool snapshots = scn_fuzz_coin(r, 1, 2);
    w->load_per_10s = (uint32_t)scn_fuzz_draw(r, 1, 8);
    w->requests = (uint32_t)scn_fuzz_draw(r, 0, 30);
    w->timeouts = (uint32_t)scn_fuzz_draw(r, 0, 20);
    w->disk_write_us = w->on[SCN_FUZZ_DISK] ? write_us : 0;
    w->disk_sync_us = w->on[SCN_FUZZ_DISK] ? sync_us : 0;
    w->snapshot_every = snapshots ? snap : 0;
}

/* Draws the swarm from `r`, in the steps above and always in this order
 * (a seed's draws must stay where they are), then the kinds that draw from
 * streams of their own. */
static void swarm_from(struct sim_rng *r,
                       uint64_t seed,
                       const struct scn_fuzz_options *o,
                       struct scn_fuzz_swarm *w)
{
    memset(w, 0, sizeof(*w));
    swarm_kinds(r, o, w);
    swarm_network(r, w);
    swarm_rates(r, w);
    swarm_nodes_and_load(r, w);
    draw_unguarded(seed, o, w);
    swarm_membership(seed, o, w);
    draw_churn(seed, o, w);
}

/* The InstallSnapshot chunk size of seed's swarm, from a stream of its own so
 * that every other draw stays what it was before chunks existed. Two swarms
 * in three that take snapshots send them in chunks of 16 bytes to 1 KiB: a
 * few chunks to dozens for a run's key-value state, through the window. */
static uint32_t draw_snapshot_chunk(uint64_t seed,
                                    const struct scn_fuzz_swarm *w)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_CHUNK_STREAM);
    bool chunked = scn_fuzz_coin(&r, 2, 3);
    uint32_t chunk = 16u << scn_fuzz_draw(&r, 0, 6);
    return w->snapshot_every != 0 && chunked ? chunk : 0;
}

/* The bound on uncommitted log bytes of seed's swarm, from a stream of its
 * own so that every other draw stays what it was before the bound was
 * drawn: half the swarms bound a leader to 256 bytes (about eight
 * commands) to 4 KiB. Tighter bounds starve a client: with commands of
 * 30 bytes and a load that keeps something uncommitted at all times, a
 * 64-byte bound leaves room for a retry only by luck. A campaign restricted with --faults draws none, as it
 * serves every get through the log, to run the schedules it ran before. */
static uint64_t draw_max_uncommitted(uint64_t seed,
                                     const struct scn_fuzz_options *o)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_UNCOMMITTED_STREAM);
    bool bounded = scn_fuzz_coin(&r, 1, 2);
    uint64_t bytes = UINT64_C(256) << scn_fuzz_draw(&r, 0, 4);
    return bounded && o->faults == SCN_FUZZ_ALL_FAULTS ? bytes : 0;
}

/* ---- the schedule -------------------------------------------------------- */

static void gen_partition(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t n = g->o->nodes;
    uint64_t d = scn_fuzz_draw_ms(g, 100, 3000);
    bool burst = scn_fuzz_coin(g->r, 1, 2);
    uint32_t lone = 0; /* a node on a minority side */
    if (scn_fuzz_coin(g->r, 1, 4)) {
        struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_ISOLATE);
        lone = (uint32_t)scn_fuzz_draw(g->r, 1, n);
        a->node = scn_fuzz_node(lone);
    } else {
        for (uint32_t i = 0; i < n; i++)
            g->scratch[i] = i + 1;
        for (uint32_t i = n - 1; i > 0; i--) {
            uint32_t j = (uint32_t)sim_rng_below(g->r, i + 1);
            uint32_t tmp = g->scratch[i];
            g->scratch[i] = g->scratch[j];
            g->scratch[j] = tmp;
        }
        uint32_t groups = (n >= 3 && scn_fuzz_coin(g->r, 1, 3)) ? 3 : 2;
        /* Cut points 0 < c1 < c2 < n split the shuffled nodes. */
        uint32_t c1 = (uint32_t)scn_fuzz_draw(g->r, 1, n - (groups - 1));
        uint32_t c2 = groups == 3 ? (uint32_t)scn_fuzz_draw(g->r, c1 + 1, n - 1) : n;
        uint32_t bounds[4] = {0, c1, c2, n};
        struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_PARTITION);
        a->group_count = groups;
        a->groups = g_new0(struct scn_node_list, groups);
        for (uint32_t k = 0; k < groups; k++) {
            for (uint32_t i = bounds[k]; i < bounds[k + 1]; i++) {
                struct scn_node_ref ref = scn_fuzz_node(g->scratch[i]);
                scn_node_list_append(&a->groups[k], &ref);
            }
        }
        /* The first group is never the only one, so its first node is on a
         * side without every node; often a minority. */
        lone = g->scratch[0];
    }
    if (burst && scn_fuzz_up(g, lone, t))
        scn_fuzz_burst_via(g, t, scn_fuzz_draw(g->r, 20, 120), 5000, lone);
    scn_fuzz_plan(g, t + d, SCN_ACT_HEAL);
}

static void gen_cut(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t n = g->o->nodes;
    /* Churn scripts campaigns, which lease reads cannot survive
     * (scn_fuzz_draw_reads()). */
    if (scn_fuzz_coin(g->r, 1, 3) && g->w->reads != SCN_READ_LEASE) {
        scn_fuzz_gen_churn(g, t, false);
        return;
    }
    uint64_t cuts = scn_fuzz_draw(g->r, 1, 3);
    for (uint64_t c = 0; c < cuts; c++) {
        uint32_t from = (uint32_t)scn_fuzz_draw(g->r, 1, n);
        uint32_t to = (uint32_t)scn_fuzz_draw(g->r, 1, n - 1);
        if (to >= from)
            to++;
        struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_CUT);
        a->node = scn_fuzz_node(from);
        a->peer = scn_fuzz_node(to);
    }
    scn_fuzz_plan(g, t + scn_fuzz_draw_ms(g, 100, 2000), SCN_ACT_HEAL);
}

static void gen_crash(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t node = scn_fuzz_pick_up(g, t, false);
    uint64_t back = t + scn_fuzz_draw_ms(g, 20, 3000);
    if (node == 0 || scn_fuzz_down_count(g, t) + 1 > (g->o->nodes - 1) / 2 ||
        g->reserved_until_us[node - 1] > t)
        return;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_CRASH);
    a->node = scn_fuzz_node(node);
    a = scn_fuzz_plan(g, back, SCN_ACT_RESTART);
    if (a)
        a->node = scn_fuzz_node(node);
    g->up_at_us[node - 1] = a ? back : UINT64_MAX;
}

static void gen_pause(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t node = scn_fuzz_pick_up(g, t, false);
    uint64_t d = scn_fuzz_draw_ms(g, 20, 1500);
    if (node == 0)
        return;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_PAUSE);
    a->node = scn_fuzz_node(node);
    a->duration_us = d;
    if (g->paused_until_us[node - 1] < t + d)
        g->paused_until_us[node - 1] = t + d;
}

static void gen_drift(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t node = (uint32_t)scn_fuzz_draw(g->r, 1, g->o->nodes);
    uint64_t m = g->w->drift_ppm_max;
    uint32_t rate = (uint32_t)scn_fuzz_draw(g->r, SCN_PPM_ONE - m, SCN_PPM_ONE + m);
    /* Whole percent steps keep the file readable. */
    rate -= rate % 10000u;
    uint64_t back = t + scn_fuzz_draw_ms(g, 500, 5000);
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_DRIFT);
    a->node = scn_fuzz_node(node);
    a->rate_ppm = rate;
    a = scn_fuzz_plan(g, back, SCN_ACT_DRIFT);
    if (a) {
        a->node = scn_fuzz_node(node);
        a->rate_ppm = SCN_PPM_ONE;
    }
}

/* A probability in [0, max_ppm] in steps of 0.5%, 0 a quarter of the time.
 */
static uint32_t draw_ppm(struct scn_fuzz_gen *g, uint32_t max_ppm)
{
    uint32_t p = (uint32_t)scn_fuzz_draw(g->r, 0, max_ppm);
    if (scn_fuzz_coin(g->r, 1, 4))
        return 0;
    return p - p % 5000u;
}

/* A delay spread within [1ms, max_us], whole milliseconds. */
static void draw_delay(struct scn_fuzz_gen *g,
                       uint64_t max_us,
                       uint64_t *min_us,
                       uint64_t *out_max_us)
{
    uint64_t hi = scn_fuzz_draw(g->r, 2, max_us / 1000) * 1000;
    uint64_t lo = scn_fuzz_draw(g->r, 1, hi / 1000 < 5 ? hi / 1000 : 5) * 1000;
    *min_us = lo;
    *out_max_us = hi;
}

/* A change of one network parameter at t: drawn always, planned unless a
 * leader churn owns the network at t. */
static void gen_network_change(struct scn_fuzz_gen *g, uint64_t t, unsigned fault)
{
    enum scn_action_kind kind = SCN_ACT_SET_DELAY;
    uint32_t ppm = 0;
    uint64_t lo = 0, hi = 0;
    switch (fault) {
    case SCN_FUZZ_DROP:
        kind = SCN_ACT_SET_DROP;
        ppm = draw_ppm(g, g->w->drop_ppm_max);
        break;
    case SCN_FUZZ_DUPLICATE:
        kind = SCN_ACT_SET_DUPLICATE;
        ppm = draw_ppm(g, g->w->duplicate_ppm_max);
        break;
    case SCN_FUZZ_REORDER:
        kind = SCN_ACT_SET_REORDER;
        ppm = draw_ppm(g, g->w->reorder_ppm_max);
        break;
    default:
        draw_delay(g, g->w->delay_us_max, &lo, &hi);
        break;
    }
    if (t < g->calm_until_us)
        return;
    struct scn_action *a = scn_fuzz_plan(g, t, kind);
    a->probability_ppm = ppm;
    a->delay_us_min = lo;
    a->delay_us_max = hi;
}

static void gen_load(struct scn_fuzz_gen *g, uint64_t t)
{
    uint64_t rate = scn_fuzz_draw(g->r, 5, 50);
    uint64_t d = scn_fuzz_draw_ms(g, 200, 2000);
    bool via = scn_fuzz_coin(g->r, 1, 3);
    uint32_t node = via ? scn_fuzz_pick_up(g, t, false) : 0;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_LOAD);
    if (!a)
        return;
    a->rate_per_ks = rate * 1000;
    a->duration_us = d;
    if (node) {
        a->has_via = true;
        a->via = scn_fuzz_node(node);
    }
}

static void gen_request(struct scn_fuzz_gen *g, uint64_t t)
{
    uint64_t op = sim_rng_below(g->r, 10);
    uint64_t key = sim_rng_below(g->r, FUZZ_KEYS);
    bool via = scn_fuzz_coin(g->r, 1, 4);
    uint32_t node = via ? scn_fuzz_pick_up(g, t, false) : 0;
    enum scn_action_kind kind = op < 5   ? SCN_ACT_CLIENT_SET
                                : op < 8 ? SCN_ACT_CLIENT_GET
                                         : SCN_ACT_CLIENT_DELETE;
    struct scn_action *a = scn_fuzz_plan(g, t, kind);
    scn_fuzz_set_word(a, false, 'k', key);
    if (kind == SCN_ACT_CLIENT_SET)
        scn_fuzz_set_word(a, true, 'v', ++g->value_seq);
    if (node) {
        a->has_via = true;
        a->via = scn_fuzz_node(node);
    }
}

static void gen_timeout(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t node = scn_fuzz_pick_up(g, t, true);
    if (node == 0)
        return;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_TIMEOUT);
    a->node = scn_fuzz_node(node);
}

/* What the schedule's superposed processes may do next. */
enum menu_item {
    MENU_DROP = SCN_FUZZ_DROP,
    MENU_DELAY = SCN_FUZZ_DELAY,
    MENU_DUPLICATE = SCN_FUZZ_DUPLICATE,
    MENU_REORDER = SCN_FUZZ_REORDER,
    MENU_PARTITION = SCN_FUZZ_PARTITION,
    MENU_CUT = SCN_FUZZ_CUT,
    MENU_CRASH = SCN_FUZZ_CRASH,
    MENU_PAUSE = SCN_FUZZ_PAUSE,
    MENU_DRIFT = SCN_FUZZ_DRIFT,
    MENU_DISK = SCN_FUZZ_DISK,
    MENU_MASS_CRASH = SCN_FUZZ_MASS_CRASH,
    MENU_RESTART_STORM = SCN_FUZZ_RESTART_STORM,
    MENU_REELECTION = SCN_FUZZ_REELECTION,
    MENU_VOTE_CRASH = SCN_FUZZ_VOTE_CRASH,
    MENU_TRIGGER = SCN_FUZZ_TRIGGER,
    MENU_MEMBERSHIP = SCN_FUZZ_MEMBERSHIP,
    MENU_TRANSFER = SCN_FUZZ_TRANSFER,
    MENU_CHURN = SCN_FUZZ_CHURN,
    MENU_LOAD = SCN_FUZZ_FAULT_COUNT,
    MENU_REQUEST,
    MENU_TIMEOUT,
    MENU_COUNT
};

/* Network parameters change about this often (per 10s) when on. */
#define NETWORK_CHANGES_PER_10S 5u

/* The menu's weights (events per 10 s of each kind the swarm allows) into
 * weights; returns their sum. */
static uint64_t menu_weights(const struct scn_fuzz_gen *g,
                             uint64_t weights[MENU_COUNT])
{
    const struct scn_fuzz_swarm *w = g->w;
    uint64_t run_us = g->o->run_us;
    for (unsigned f = 0; f < SCN_FUZZ_FAULT_COUNT; f++) {
        if (!w->on[f])
            continue;
        weights[f] =
            f <= SCN_FUZZ_REORDER ? NETWORK_CHANGES_PER_10S : w->per_10s[f];
    }
    weights[MENU_LOAD] = w->load_per_10s;
    /* Requests and timeouts are counts per run: as rates per 10s. */
    weights[MENU_REQUEST] = (uint64_t)w->requests * UINT64_C(10000000) / run_us;
    weights[MENU_TIMEOUT] = (uint64_t)w->timeouts * UINT64_C(10000000) / run_us;
    uint64_t total = 0;
    for (unsigned m = 0; m < MENU_COUNT; m++)
        total += weights[m];
    return total;
}

/* Plans menu item m at t. */
static void gen_menu_item(struct scn_fuzz_gen *g, uint64_t t, unsigned m)
{
    switch (m) {
    case MENU_PARTITION:
        gen_partition(g, t);
        break;
    case MENU_CUT:
        gen_cut(g, t);
        break;
    case MENU_CRASH:
        gen_crash(g, t);
        break;
    case MENU_PAUSE:
        gen_pause(g, t);
        break;
    case MENU_DRIFT:
        gen_drift(g, t);
        break;
    case MENU_MASS_CRASH:
        scn_fuzz_gen_mass_crash(g, t);
        break;
    case MENU_RESTART_STORM:
        scn_fuzz_gen_restart_storm(g, t);
        break;
    case MENU_REELECTION:
        scn_fuzz_gen_reelection(g, t);
        break;
    case MENU_VOTE_CRASH:
        scn_fuzz_gen_vote_crash(g, t);
        break;
    case MENU_DISK:
        scn_fuzz_gen_disk(g, t);
        break;
    case MENU_TRIGGER:
        scn_fuzz_gen_trigger(g, t);
        break;
    case MENU_MEMBERSHIP:
        scn_fuzz_gen_membership(g, t);
        break;
    case MENU_TRANSFER:
        scn_fuzz_gen_transfer(g, t);
        break;
    case MENU_CHURN:
        scn_fuzz_gen_churn(g, t, true);
        break;
    case MENU_LOAD:
        gen_load(g, t);
        break;
    case MENU_REQUEST:
        gen_request(g, t);
        break;
    case MENU_TIMEOUT:
        gen_timeout(g, t);
        break;
    default:
        gen_network_change(g, t, m);
        break;
    }
}

static void gen_schedule(struct scn_fuzz_gen *g)
{
    uint64_t weights[MENU_COUNT] = {0};
    uint64_t total = menu_weights(g, weights);
    /* Some client traffic from the first election on. */
    gen_load(g, scn_fuzz_draw_ms(g, 200, 600));
    if (total == 0)
        return;
    /* Mean gap 10s/total, uniform in [1ms, 2 x mean]. */
    uint64_t gap_ms_max = 2 * 10000 / total;
    if (gap_ms_max < 2)
        gap_ms_max = 2;
    uint64_t t = 0;
    for (;;) {
        t += scn_fuzz_draw_ms(g, 1, gap_ms_max);
        if (t >= g->end_us)
            break;
        uint64_t x = sim_rng_below(g->r, total);
        unsigned m = 0;
        while (x >= weights[m]) {
            x -= weights[m];
            m++;
        }
        gen_menu_item(g, t, m);
    }
}

/* The liveness phase: at the end of the faulty part every fault stops, and
 * within the default bound one leader must be stable and every request
 * issued so far complete (scn_settle.h); the run lasts until that bound. */
static void gen_settle(struct scn_fuzz_gen *g, struct scn_scenario *sc)
{
    uint64_t bound = scn_settle_bound_us(sc);
    g->end_us = g->o->run_us + 1;
    struct scn_action *a = scn_fuzz_plan(g, g->o->run_us, SCN_ACT_SETTLE);
    a->duration_us = bound;
    sc->run_us = g->o->run_us + bound;
}

/* The scenario's header for seed under options and the swarm w. */
static struct scn_scenario *fuzz_header(uint64_t seed,
                                        const struct scn_fuzz_options *options,
                                        const struct scn_fuzz_swarm *w)
{
    char *name = g_strdup_printf("fuzz-%" PRIu64 ".scn", seed);
    struct scn_scenario *sc = scn_scenario_new(name);
    g_free(name);
    sc->cluster = options->nodes;
    sc->spare = w->spares;
    sc->seed = seed;
    sc->has_seed = true;
    sc->run_us = options->run_us;
    sc->has_run = true;
    g_free(sc->title);
    sc->title = g_strdup_printf("fuzz seed %" PRIu64, seed);
    sc->has_title = true;
    sc->has_election_timeout = true;
    sc->has_heartbeat = true;
    sc->prevote = w->prevote;
    sc->has_prevote = true;
    sc->checkquorum = w->checkquorum;
    sc->has_checkquorum = true;
    sc->snapshot_every = w->snapshot_every;
    sc->has_snapshot_every = true;
    sc->snapshot_chunk_bytes = w->snapshot_chunk;
    sc->has_snapshot_chunk = w->snapshot_chunk != 0;
    sc->reads = w->reads;
    sc->has_reads = w->reads != SCN_READ_LOG;
    sc->lease_drift_bound_us = w->lease_drift_bound_us;
    sc->has_lease_drift_bound = w->lease_drift_bound_us > 0;
    sc->max_uncommitted = w->max_uncommitted;
    sc->has_max_uncommitted = w->max_uncommitted > 0;
    if (w->on[SCN_FUZZ_DISK]) {
        sc->disk_write_us = w->disk_write_us;
        sc->disk_sync_us = w->disk_sync_us;
        sc->has_disk_latency = true;
    }
    return sc;
}

/* The starting network, drawn whether or not each kind is on: the header
 * keeps the normal delay, which `settle` returns to; a wide starting
 * spread is a change at time 0. */
static void gen_network(struct scn_fuzz_gen *g, struct scn_scenario *sc)
{
    const struct scn_fuzz_swarm *w = g->w;
    uint32_t drop0 = draw_ppm(g, w->drop_ppm_max);
    uint32_t dup0 = draw_ppm(g, w->duplicate_ppm_max);
    uint32_t reorder0 = draw_ppm(g, w->reorder_ppm_max);
    uint64_t delay_lo = 0, delay_hi = 0;
    draw_delay(g, w->delay_us_max ? w->delay_us_max : 10000, &delay_lo,
               &delay_hi);
    g->drop_ppm = w->on[SCN_FUZZ_DROP] ? drop0 : 0;
    g->duplicate_ppm = w->on[SCN_FUZZ_DUPLICATE] ? dup0 : 0;
    g->reorder_ppm = w->on[SCN_FUZZ_REORDER] ? reorder0 : 0;
    if (w->on[SCN_FUZZ_DROP]) {
        sc->drop_ppm = drop0;
        sc->has_drop = true;
    }
    if (w->on[SCN_FUZZ_DUPLICATE]) {
        sc->duplicate_ppm = dup0;
        sc->has_duplicate = true;
    }
    if (w->on[SCN_FUZZ_REORDER]) {
        sc->reorder_ppm = reorder0;
        sc->has_reorder = true;
    }
    sc->has_delay = true;
    g->delay_us_min = sc->delay_us_min;
    g->delay_us_max = sc->delay_us_max;
    if (w->on[SCN_FUZZ_DELAY]) {
        struct scn_action *a = scn_fuzz_plan(g, 0, SCN_ACT_SET_DELAY);
        a->delay_us_min = g->delay_us_min = delay_lo;
        a->delay_us_max = g->delay_us_max = delay_hi;
    }
}

/* Moves g's planned steps into sc in time order and frees g's arrays. */
static void gen_finish(struct scn_fuzz_gen *g, struct scn_scenario *sc)
{
    /* Stable: steps of one time keep their creation order. */
    scn_sort_keyed(g->plan, g->n_plan);
    /* The steps in that order, the array grown once. */
    guint at = sc->steps->len;
    g_assert(g->n_plan < G_MAXUINT - at);
    g_ptr_array_set_size(sc->steps, at + (guint)g->n_plan);
    for (size_t i = 0; i < g->n_plan; i++)
        sc->steps->pdata[at + i] = g->plan[i].item;
    g_free(g->plan);
    g_free(g->up_at_us);
    g_free(g->paused_until_us);
    g_free(g->reserved_until_us);
    g_free(g->scratch);
    g_free(g->member);
}

struct scn_scenario *scn_fuzz_generate(uint64_t seed,
                                       const struct scn_fuzz_options *options,
                                       struct scn_fuzz_swarm *swarm_out)
{
    struct scn_fuzz_options defaults;
    if (!options) {
        scn_fuzz_options_init(&defaults);
        options = &defaults;
    }
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_STREAM);
    struct scn_fuzz_swarm w;
    swarm_from(&r, seed, options, &w);
    w.snapshot_chunk = draw_snapshot_chunk(seed, &w);
    scn_fuzz_draw_reads(seed, options, &w);
    w.max_uncommitted = draw_max_uncommitted(seed, options);
    struct scn_scenario *sc = fuzz_header(seed, options, &w);

    uint32_t n_all = options->nodes + w.spares;
    struct scn_fuzz_gen g = {
        .r = &r,
        .o = options,
        .sc = sc,
        .w = &w,
        .end_us = options->run_us,
        .up_at_us = g_new0(uint64_t, n_all),
        .paused_until_us = g_new0(uint64_t, n_all),
        .reserved_until_us = g_new0(uint64_t, n_all),
        .scratch = g_new0(uint32_t, n_all),
        .n_all = n_all,
        .member = g_new0(enum scn_fuzz_member, n_all),
    };
    for (uint32_t i = 0; i < options->nodes; i++)
        g.member[i] = SCN_FUZZ_VOTER;
    gen_network(&g, sc);
    gen_schedule(&g);
    if (w.reads == SCN_READ_LEASE && w.on[SCN_FUZZ_DRIFT])
        scn_fuzz_gen_slow_leader(&g, seed);
    gen_settle(&g, sc);
    gen_finish(&g, sc);
    if (swarm_out)
        *swarm_out = w;
    return sc;
}
