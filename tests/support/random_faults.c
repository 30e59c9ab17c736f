/* random_faults.c: random faults for the engine tests (random_faults.h).
 *
 * Owns the schedule's state and the pending undo actions (restarts, heals);
 * the engine owns only the queued callbacks, whose contexts point into that
 * state, so rf_free() after sim_free() releases everything.
 */
#include "tests/support/random_faults.h"

#include <criterion/criterion.h>
#include <glib.h>

enum rf_fault { RF_CRASH, RF_PARTITION, RF_CUT, RF_PAUSE, RF_DRIFT, RF_COUNT };

struct rf_schedule
{
    struct rf_config config;
    uint64_t until_us;
    GPtrArray *undo; /* struct rf_undo, owned */
};

/* A restart of node (or a heal, node 0) due later. */
struct rf_undo
{
    uint32_t node;
};

void rf_config_init(struct rf_config *c)
{
    c->interval_us = 300000;
    c->crashes = true;
    c->partitions = true;
    c->cuts = true;
    c->pauses = true;
    c->drift = true;
    c->downtime_us_max = 1000000;
}

/* Uniform in [lo, hi] from the fault stream. */
static uint64_t draw_range(struct sim *s, uint64_t lo, uint64_t hi)
{
    return hi <= lo ? lo : lo + sim_random_below(s, hi - lo + 1);
}

static void on_tick(struct sim *s, void *ctx);

static void schedule_tick(struct sim *s, struct rf_schedule *r)
{
    uint64_t iv = r->config.interval_us;
    uint64_t t = sim_now(s) + draw_range(s, iv / 2, iv + iv / 2);
    if (t < r->until_us)
        cr_assert_eq(sim_at(s, t, on_tick, r), SIM_OK);
}

static void on_undo(struct sim *s, void *ctx)
{
    const struct rf_undo *u = ctx;
    if (u->node == 0)
        sim_heal(s);
    else if (!sim_alive(s, u->node))
        sim_restart(s, u->node);
}

/* Restarts node (0: heals the network) after a random downtime. */
static void schedule_undo(struct sim *s, struct rf_schedule *r, uint32_t node)
{
    uint64_t max = r->config.downtime_us_max;
    uint64_t t = sim_now(s) + draw_range(s, max / 10 + 1, max);
    struct rf_undo *u = g_new(struct rf_undo, 1);
    u->node = node;
    g_ptr_array_add(r->undo, u);
    cr_assert_eq(sim_at(s, t, on_undo, u), SIM_OK);
}

static uint32_t random_node(struct sim *s, bool alive_only)
{
    uint32_t cand[SIM_MAX_NODES];
    uint32_t k = 0;
    for (uint32_t id = 1; id <= sim_n_nodes(s); id++)
        if (!alive_only || sim_alive(s, id))
            cand[k++] = id;
    return k == 0 ? 0 : cand[sim_random_below(s, k)];
}

static void crash_one(struct sim *s, struct rf_schedule *r)
{
    uint32_t n = sim_n_nodes(s);
    uint32_t down = 0;
    for (uint32_t id = 1; id <= n; id++)
        down += !sim_alive(s, id);
    if (down + 1 > (n - 1) / 2)
        return;
    uint32_t node = random_node(s, true);
    if (node && sim_crash(s, node) == SIM_OK)
        schedule_undo(s, r, node);
}

/* An isolated node or a random split in two, healed later. */
static void partition(struct sim *s, struct rf_schedule *r)
{
    uint32_t n = sim_n_nodes(s);
    uint32_t groups[SIM_MAX_NODES];
    if (sim_random_below(s, 2) == 0) {
        uint32_t node = random_node(s, false);
        for (uint32_t i = 0; i < n; i++)
            groups[i] = 1;
        groups[node - 1] = 0;
    } else {
        for (uint32_t i = 0; i < n; i++)
            groups[i] = 1 + (uint32_t)sim_random_below(s, 2);
    }
    sim_partition(s, groups, NULL);
    schedule_undo(s, r, 0);
}

static void cut(struct sim *s, struct rf_schedule *r)
{
    uint32_t from = random_node(s, false);
    uint32_t to = from;
    while (to == from)
        to = 1 + (uint32_t)sim_random_below(s, sim_n_nodes(s));
    sim_cut(s, from, to);
    schedule_undo(s, r, 0);
}

static void inject(struct sim *s, struct rf_schedule *r)
{
    const struct rf_config *c = &r->config;
    enum rf_fault enabled[RF_COUNT];
    uint32_t k = 0;
    if (c->crashes)
        enabled[k++] = RF_CRASH;
    if (c->partitions)
        enabled[k++] = RF_PARTITION;
    if (c->cuts && sim_n_nodes(s) > 1)
        enabled[k++] = RF_CUT;
    if (c->pauses)
        enabled[k++] = RF_PAUSE;
    if (c->drift)
        enabled[k++] = RF_DRIFT;
    if (k == 0)
        return;
    switch (enabled[sim_random_below(s, k)]) {
    case RF_CRASH:
        crash_one(s, r);
        return;
    case RF_PARTITION:
        partition(s, r);
        return;
    case RF_CUT:
        cut(s, r);
        return;
    case RF_PAUSE: {
        uint32_t node = random_node(s, true);
        uint64_t timeout_max = sim_get_config(s)->election_timeout_us_max;
        uint64_t d = draw_range(s, 1000, 2 * timeout_max);
        if (node)
            sim_pause(s, node, d);
        return;
    }
    case RF_DRIFT: {
        uint32_t node = random_node(s, false);
        sim_drift(s, node, draw_range(s, 800000, 1200000));
        return;
    }
    case RF_COUNT:
        return;
    }
}

static void on_tick(struct sim *s, void *ctx)
{
    struct rf_schedule *r = ctx;
    inject(s, r);
    schedule_tick(s, r);
}

struct rf_schedule *rf_start(struct sim *s,
                             const struct rf_config *c,
                             uint64_t until_us)
{
    cr_assert(c->interval_us > 0 && c->downtime_us_max > 0,
              "random faults: interval and downtime must be positive");
    struct rf_schedule *r = g_new0(struct rf_schedule, 1);
    r->config = *c;
    r->until_us = until_us;
    r->undo = g_ptr_array_new_with_free_func(g_free);
    schedule_tick(s, r);
    return r;
}

void rf_free(struct rf_schedule *r)
{
    if (r == NULL)
        return;
    g_ptr_array_free(r->undo, TRUE);
    g_free(r);
}
