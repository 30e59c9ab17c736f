/* scn_fuzz_faults.c: the generator's episodes aimed at persistence and at
 * elections: majority and whole-cluster crashes, restart storms, a leader
 * deposed and elected again under long delays, a voter that crashes
 * between two rival vote requests, slow and jittery disks per node, and
 * crashes and pauses triggered by protocol events, and leader churn.
 *
 * Invariant: as in scn_fuzz_gen.h, every step is one the model allows
 * when it runs: a node is crashed only when up, unpaused and not reserved
 * for a later `timeout`, restarted only after its own crash, and its
 * up_at_us afterwards is its last restart (UINT64_MAX when that falls past
 * the faulty part, for `settle` to restart it).
 */
#include "scenarios/lang/scn_fuzz_gen.h"

#include <inttypes.h>
#include <stddef.h>

/* Nodes that may be crashed at t into g->scratch, shuffled; their count. */
static uint32_t crashable(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t k = 0;
    for (uint32_t id = 1; id <= g->o->nodes; id++)
        if (scn_fuzz_up(g, id, t) && g->paused_until_us[id - 1] <= t &&
            g->reserved_until_us[id - 1] <= t)
            g->scratch[k++] = id;
    for (uint32_t i = k; i > 1; i--) {
        uint32_t j = (uint32_t)sim_rng_below(g->r, i);
        uint32_t tmp = g->scratch[i - 1];
        g->scratch[i - 1] = g->scratch[j];
        g->scratch[j] = tmp;
    }
    return k;
}

/* Crashes `node` at `at` and restarts it at `back`. */
static void crash_and_restart(struct scn_fuzz_gen *g,
                              uint32_t node,
                              uint64_t at,
                              uint64_t back)
{
    struct scn_action *a = scn_fuzz_plan(g, at, SCN_ACT_CRASH);
    if (!a)
        return;
    a->node = scn_fuzz_node(node);
    a = scn_fuzz_plan(g, back, SCN_ACT_RESTART);
    if (a)
        a->node = scn_fuzz_node(node);
    g->up_at_us[node - 1] = a ? back : UINT64_MAX;
}

static void reserve(struct scn_fuzz_gen *g, uint32_t node, uint64_t until)
{
    if (g->reserved_until_us[node - 1] < until)
        g->reserved_until_us[node - 1] = until;
}

/* A majority, or one time in three every node, goes down within a few
 * milliseconds: what is not synced is lost on most of the cluster at
 * once. The nodes come back one by one, or one time in three all at the
 * same instant (a power cut and a reboot). */
void scn_fuzz_gen_mass_crash(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t n = g->o->nodes;
    bool whole = scn_fuzz_coin(g->r, 1, 3);
    bool together = scn_fuzz_coin(g->r, 1, 3);
    uint64_t spread_us = scn_fuzz_draw(g->r, 0, 20000);
    uint64_t reboot_us = scn_fuzz_draw_ms(g, 50, 1500);
    uint32_t want = whole ? n : n / 2 + 1;
    uint32_t down = scn_fuzz_down_count(g, t);
    uint32_t k = crashable(g, t);
    uint32_t count = want > down ? want - down : 0;
    if (count > k)
        count = k;
    uint32_t chosen[SCN_CLUSTER_MAX];
    for (uint32_t i = 0; i < count; i++)
        chosen[i] = g->scratch[i];
    for (uint32_t i = 0; i < count; i++) {
        uint64_t at = t + scn_fuzz_draw(g->r, 0, spread_us);
        uint64_t back = together ? t + spread_us + reboot_us
                                 : at + scn_fuzz_draw_ms(g, 20, 2000);
        crash_and_restart(g, chosen[i], at, back);
    }
}

/* One node crashes and restarts three to eight times in quick succession
 * (1..40ms down, 5..150ms up), each time recovering from whatever its
 * disk had synced. */
void scn_fuzz_gen_restart_storm(struct scn_fuzz_gen *g, uint64_t t)
{
    uint64_t cycles = scn_fuzz_draw(g->r, 3, 8);
    if (crashable(g, t) == 0 ||
        scn_fuzz_down_count(g, t) + 1 > (g->o->nodes - 1) / 2)
        return;
    uint32_t node = g->scratch[0];
    uint64_t u = t;
    for (uint64_t c = 0; c < cycles; c++) {
        uint64_t back = u + scn_fuzz_draw_ms(g, 1, 40);
        crash_and_restart(g, node, u, back);
        if (g->up_at_us[node - 1] == UINT64_MAX)
            return;
        u = back + scn_fuzz_draw_ms(g, 5, 150);
    }
}

/* Two distinct nodes up and unpaused at t into *x, *y; false if none. */
static bool pick_pair(struct scn_fuzz_gen *g,
                      uint64_t t,
                      uint32_t *x,
                      uint32_t *y)
{
    *x = scn_fuzz_pick_up(g, t, true);
    *y = scn_fuzz_pick_up(g, t, true);
    return *x != 0 && *y != 0 && *x != *y;
}

/* A leader deposed and elected again while replies are slow: with the
 * delay stretched to up to 30..400ms, x campaigns under a burst of writes,
 * y takes over, y is isolated, and once the others' leader lease has
 * passed x campaigns again and wins a later term while acknowledgements
 * of its first term may still be on the way (Figure 8's setting, and the
 * reason a leader must check the term of every reply). */
void scn_fuzz_gen_reelection(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t x, y;
    bool paired = pick_pair(g, t, &x, &y);
    uint64_t slow_us = scn_fuzz_draw_ms(g, 30, 400);
    uint64_t a = scn_fuzz_draw_ms(g, 100, 800);
    uint64_t b = scn_fuzz_draw_ms(g, 50, 600);
    uint64_t e = scn_fuzz_draw_ms(g, 160, 330);
    uint64_t h = scn_fuzz_draw_ms(g, 100, 800);
    uint64_t c = scn_fuzz_draw_ms(g, 200, 1500);
    uint64_t writes = scn_fuzz_draw(g->r, 3, 20);
    if (!paired)
        return;
    uint64_t again = t + a + b + e;
    reserve(g, x, again);
    reserve(g, y, t + a + b);
    struct scn_action *act = scn_fuzz_plan(g, t, SCN_ACT_SET_DELAY);
    act->delay_us_min = 1000;
    act->delay_us_max = slow_us;
    act = scn_fuzz_plan(g, t, SCN_ACT_TIMEOUT);
    act->node = scn_fuzz_node(x);
    scn_fuzz_burst_via(g, t + 30000, writes, 5000, x);
    if ((act = scn_fuzz_plan(g, t + a, SCN_ACT_TIMEOUT)))
        act->node = scn_fuzz_node(y);
    if ((act = scn_fuzz_plan(g, t + a + b, SCN_ACT_ISOLATE)))
        act->node = scn_fuzz_node(y);
    if ((act = scn_fuzz_plan(g, again, SCN_ACT_TIMEOUT)))
        act->node = scn_fuzz_node(x);
    scn_fuzz_burst_via(g, again + 30000, writes, 5000, x);
    scn_fuzz_plan(g, again + h, SCN_ACT_HEAL);
    if ((act = scn_fuzz_plan(g, again + h + c, SCN_ACT_SET_DELAY))) {
        act->delay_us_min = g->delay_us_min;
        act->delay_us_max = g->delay_us_max;
    }
}

/* Cuts so that x's requests reach only its side and y's only the other
 * (the nodes other than x, y, v alternate between the sides), and x and y
 * do not hear each other. */
static void split_sides(struct scn_fuzz_gen *g,
                        uint64_t t,
                        uint32_t x,
                        uint32_t y,
                        uint32_t v)
{
    bool y_side = false;
    for (uint32_t id = 1; id <= g->o->nodes; id++) {
        if (id == x || id == v)
            continue;
        if (id != y)
            y_side = !y_side;
        struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_CUT);
        a->node = scn_fuzz_node(id == y || y_side ? x : y);
        a->peer = scn_fuzz_node(id);
        if (id == y) {
            a = scn_fuzz_plan(g, t, SCN_ACT_CUT);
            a->node = scn_fuzz_node(y);
            a->peer = scn_fuzz_node(x);
        }
    }
}

/* A voter crashes just after x's vote request reaches it, while its grant
 * may not be synced yet, and restarts before y, in the same term, asks for
 * its vote: a core that answers before its vote is durable, or forgets its
 * vote across a restart, grants both, and the cuts give x and y disjoint
 * other voters, so both can win one term (Figure 2: votedFor on stable
 * storage before responding). */
void scn_fuzz_gen_vote_crash(struct scn_fuzz_gen *g, uint64_t t)
{
    uint64_t lo = g->delay_us_min, hi = g->delay_us_max;
    uint64_t disk = g->w->disk_sync_us ? g->w->disk_write_us + g->w->disk_sync_us
                                       : 1000;
    /* With PreVote the real request follows a PreVote round trip. */
    uint64_t pre = g->w->prevote ? scn_fuzz_draw(g->r, 2 * lo, 2 * hi) : 0;
    uint64_t dv = pre + scn_fuzz_draw(g->r, lo, hi + disk);
    uint64_t down = scn_fuzz_draw(g->r, 200, 10000);
    uint64_t lag = scn_fuzz_draw(g->r, 0, 3000);
    uint64_t heal = scn_fuzz_draw_ms(g, 200, 800);
    if (g->o->nodes < 3 || crashable(g, t) < 3 ||
        scn_fuzz_down_count(g, t) + 1 > (g->o->nodes - 1) / 2)
        return;
    uint32_t v = g->scratch[0], x = g->scratch[1], y = g->scratch[2];
    uint64_t rival = t + dv + down + lag;
    reserve(g, x, t);
    reserve(g, y, rival);
    split_sides(g, t, x, y, v);
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_TIMEOUT);
    a->node = scn_fuzz_node(x);
    crash_and_restart(g, v, t + dv, t + dv + down);
    if ((a = scn_fuzz_plan(g, rival, SCN_ACT_TIMEOUT)))
        a->node = scn_fuzz_node(y);
    scn_fuzz_plan(g, rival + heal, SCN_ACT_HEAL);
}

/* One or two nodes get a slow, jittery disk for 0.2..3s: a write of up to
 * 2ms (+ up to 2ms), a sync of 1..60ms (+ up to 40ms), drawn per update,
 * so a follower may acknowledge before its leader's own write is durable.
 * Then every disk returns to the header's timing. */
void scn_fuzz_gen_disk(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t n = g->o->nodes;
    uint32_t first = (uint32_t)scn_fuzz_draw(g->r, 1, n);
    uint32_t second = (uint32_t)scn_fuzz_draw(g->r, 1, n);
    struct scn_disk_latency slow = {
        .write_us = scn_fuzz_draw(g->r, 1, 20) * 100,
        .write_jitter_us = scn_fuzz_draw(g->r, 0, 20) * 100,
        .sync_us = scn_fuzz_draw_ms(g, 1, 60),
        .sync_jitter_us = scn_fuzz_draw_ms(g, 0, 40),
    };
    uint64_t back = t + scn_fuzz_draw_ms(g, 200, 3000);
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_SET_DISK);
    a->disk = slow;
    struct scn_node_ref ref = scn_fuzz_node(first);
    scn_node_list_append(&a->nodes, &ref);
    if (second != first) {
        ref = scn_fuzz_node(second);
        scn_node_list_append(&a->nodes, &ref);
    }
    if ((a = scn_fuzz_plan(g, back, SCN_ACT_SET_DISK))) {
        a->disk.write_us = g->w->disk_write_us ? g->w->disk_write_us : 100;
        a->disk.sync_us = g->w->disk_sync_us ? g->w->disk_sync_us : 900;
    }
}

/* The protocol events a trigger may wait for, with equal chances. */
static const enum scn_event trigger_events[] = {
    SCN_EVENT_GRANTS_VOTE,    SCN_EVENT_ACKS_APPEND,
    SCN_EVENT_ADOPTS_TERM,    SCN_EVENT_SENDS_SNAPSHOT,
    SCN_EVENT_BECOMES_LEADER,
};

/* Arms `when node EVENT ACTION` at t. */
static struct scn_action *plan_trigger(struct scn_fuzz_gen *g,
                                       uint64_t t,
                                       uint32_t node,
                                       enum scn_event event,
                                       enum scn_action_kind kind)
{
    struct scn_action *a = scn_fuzz_plan(g, t, kind);
    if (!a)
        return NULL;
    struct scn_step *st = (struct scn_step *)((char *)a -
                                              offsetof(struct scn_step,
                                                       action));
    st->triggered = true;
    st->subject = scn_fuzz_node(node);
    st->event = event;
    a->node = scn_fuzz_node(node);
    return a;
}

/* Right after a node grants a vote, acknowledges an append, adopts a term,
 * sends a snapshot or becomes leader, it crashes and restarts in the same
 * instant (losing what was not synced, or one time in two keeping a prefix
 * of it), or it pauses for 20..800ms. The pair needs no model: a node that
 * does something is up, and is up again right after. */
void scn_fuzz_gen_trigger(struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t node = scn_fuzz_pick_up(g, t, true);
    enum scn_event event = trigger_events[sim_rng_below(
        g->r, G_N_ELEMENTS(trigger_events))];
    uint64_t how = sim_rng_below(g->r, 3);
    bool keep = scn_fuzz_coin(g->r, 1, 2);
    uint64_t pause_us = scn_fuzz_draw_ms(g, 20, 800);
    if (node == 0)
        return;
    if (how == 0) {
        struct scn_action *a =
            plan_trigger(g, t, node, event, SCN_ACT_PAUSE);
        if (a)
            a->duration_us = pause_us;
        return;
    }
    struct scn_action *a = plan_trigger(g, t, node, event, SCN_ACT_CRASH);
    if (!a)
        return;
    a->keep = keep ? SCN_KEEP_SOME : SCN_KEEP_NOTHING;
    plan_trigger(g, t, node, event, SCN_ACT_RESTART);
}

/* Sets the loss, duplication and reordering probabilities at t, each only
 * when its kind is on. */
static void set_losses(struct scn_fuzz_gen *g,
                       uint64_t t,
                       uint32_t drop,
                       uint32_t duplicate,
                       uint32_t reorder)
{
    static const enum scn_action_kind kinds[] = {
        SCN_ACT_SET_DROP, SCN_ACT_SET_DUPLICATE, SCN_ACT_SET_REORDER};
    const unsigned faults[] = {SCN_FUZZ_DROP, SCN_FUZZ_DUPLICATE,
                               SCN_FUZZ_REORDER};
    const uint32_t ppm[] = {drop, duplicate, reorder};
    for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
        if (!g->w->on[faults[i]])
            continue;
        struct scn_action *a = scn_fuzz_plan(g, t, kinds[i]);
        if (a)
            a->probability_ppm = ppm[i];
    }
}

/* Leader churn: two nodes take turns winning an election and going mute
 * (their outgoing links cut some round trips after they campaign, so their
 * newest entries reach no one or only part of the cluster), the first one
 * under a burst of writes, with a heal before each turn. The delay is
 * fixed for the episode so that the mute lands at a chosen point of the
 * election and replication exchange: after D the votes are asked, after 2D
 * the candidate wins (2D more with PreVote), after 3D its first entries
 * arrive, after about 6D a lagging follower has acknowledged a first batch.
 * Alternating muted leaders with diverging uncommitted suffixes is the
 * setting of Figure 8 of the Raft paper. As the `churn` kind (`own`) an
 * episode takes 3..10 turns, not 3..6, and owns the network while it runs:
 * no loss, duplication or reordering, and no other network change planned
 * (g->calm_until_us), until it restores the starting values. */
/* About the size of one scripted write (`set bK vN` with its client and
 * request numbers) as the core charges it against max-uncommitted. */
#define CHURN_WRITE_BYTES 12

/* The churn burst: what was drawn, but no more writes than the leader may
 * hold uncommitted (max-uncommitted, when the swarm sets it). The leader
 * refuses the rest as busy and their clients retry until the liveness
 * phase: they add nothing to the diverging suffix Figure 8 needs, only a
 * backlog that the phase must then drain at the slowest commit rate the
 * swarm allows (soak seeds 14159 and 46892: some 1,800 requests pending at
 * the phase's start, drained at about 400 a second with a 256-byte bound
 * and a 35ms sync, 242 still pending at the bound). */
static uint64_t churn_burst(const struct scn_fuzz_gen *g, uint64_t drawn)
{
    uint64_t bound = g->w->max_uncommitted;
    if (bound == 0)
        return drawn;
    uint64_t fits = bound / CHURN_WRITE_BYTES;
    if (fits < 4)
        fits = 4;
    return drawn < fits ? drawn : fits;
}

void scn_fuzz_gen_churn(struct scn_fuzz_gen *g, uint64_t t, bool own)
{
    uint32_t n = g->o->nodes;
    uint32_t x = scn_fuzz_pick_up(g, t, true);
    uint32_t y = scn_fuzz_pick_up(g, t, true);
    uint64_t rounds = scn_fuzz_draw(g->r, 3, own ? 10 : 6);
    uint64_t burst = churn_burst(g, scn_fuzz_draw(g->r, 40, 200));
    uint64_t d_ms = scn_fuzz_draw(g->r, 2, 10);
    if (x == 0 || x == y || y == 0)
        return;
    uint64_t vote_ms = g->w->prevote ? 2 * d_ms : 0;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_SET_DELAY);
    a->delay_us_min = d_ms * 1000;
    a->delay_us_max = d_ms * 1000;
    if (own)
        set_losses(g, t, 0, 0, 0);
    uint64_t u = t;
    for (uint64_t r = 0; r < rounds; r++) {
        uint32_t node = (r % 2 == 0) ? x : y;
        /* In half-delay steps from D to 8D after the votes. */
        uint64_t mute_us = (vote_ms * 1000) + scn_fuzz_draw(g->r, 2, 16) * d_ms * 500;
        if (!scn_fuzz_up(g, node, u) || g->paused_until_us[node - 1] > u)
            break;
        if (g->reserved_until_us[node - 1] < u)
            g->reserved_until_us[node - 1] = u;
        if (!scn_fuzz_plan(g, u, SCN_ACT_HEAL))
            return;
        a = scn_fuzz_plan(g, u, SCN_ACT_TIMEOUT);
        a->node = scn_fuzz_node(node);
        for (uint32_t peer = 1; peer <= n; peer++) {
            if (peer == node)
                continue;
            a = scn_fuzz_plan(g, u + mute_us, SCN_ACT_CUT);
            if (!a)
                return;
            a->node = scn_fuzz_node(node);
            a->peer = scn_fuzz_node(peer);
        }
        uint64_t busy_us = mute_us;
        if (r == 0) {
            /* Four writes a millisecond, sent once the node leads. */
            uint64_t from = u + (vote_ms + 2 * d_ms + 1) * 1000;
            for (uint64_t i = 0; i < burst; i += 4) {
                uint64_t k = burst - i < 4 ? burst - i : 4;
                scn_fuzz_burst_via(g, from + i / 4 * 1000, k, 0, node);
            }
            busy_us = (vote_ms + 2 * d_ms + 1) * 1000 + burst / 4 * 1000;
            if (busy_us < mute_us)
                busy_us = mute_us;
        }
        /* The next turn comes before the others' election timers (150ms
         * at least) run out. */
        uint64_t next_us = scn_fuzz_draw_ms(g, 40, 140);
        u += busy_us + 5000 > next_us ? busy_us + 5000 : next_us;
    }
    if (own)
        g->calm_until_us = u;
    scn_fuzz_plan(g, u, SCN_ACT_HEAL);
    a = scn_fuzz_plan(g, u, SCN_ACT_SET_DELAY);
    if (a) {
        a->delay_us_min = g->delay_us_min;
        a->delay_us_max = g->delay_us_max;
    }
    if (own)
        set_losses(g, u, g->drop_ppm, g->duplicate_ppm, g->reorder_ppm);
}
