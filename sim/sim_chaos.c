/* sim_chaos.c: random fault injection from the fault stream.
 *
 * Every choice (when, which fault, which node, how long) is drawn from
 * SIM_STREAM_FAULTS, so a seed names one fault schedule. Invariant: chaos
 * never has more than (n - 1) / 2 nodes crashed at once, and every crash it
 * causes is followed by a restart.
 */
#include "sim/sim_internal.h"

enum chaos_fault {
    FAULT_CRASH,
    FAULT_PARTITION,
    FAULT_CUT,
    FAULT_PAUSE,
    FAULT_DRIFT,
    FAULT_COUNT
};

void sim_chaos_init(struct sim_chaos *c)
{
    c->interval_us = 300000;
    c->crashes = true;
    c->partitions = true;
    c->cuts = true;
    c->pauses = true;
    c->drift = true;
    c->downtime_us_max = 1000000;
}

static void push_action(struct sim *s,
                        uint64_t time_us,
                        enum sim_chaos_action action,
                        uint32_t node)
{
    sim_push(s, time_us, SIM_EV_CHAOS, 0, ((uint64_t)action << 32) | node,
             NULL);
}

static void schedule_tick(struct sim *s)
{
    uint64_t iv = s->chaos.interval_us;
    uint64_t t = s->now_us + sim_rng_range(&s->fault_rng, iv / 2, iv + iv / 2);
    if (t < s->chaos_until_us)
        push_action(s, t, SIM_CHAOS_TICK, 0);
}

int sim_chaos_start(struct sim *s, const struct sim_chaos *c, uint64_t until_us)
{
    if (!c || c->interval_us == 0 || c->downtime_us_max == 0)
        return SIM_EINVAL;
    s->chaos = *c;
    s->chaos_on = true;
    s->chaos_until_us = until_us;
    schedule_tick(s);
    return SIM_OK;
}

static uint32_t random_node(struct sim *s, bool alive_only)
{
    uint32_t cand[SIM_MAX_NODES];
    uint32_t k = 0;
    for (uint32_t id = 1; id <= s->n; id++)
        if (!alive_only || s->nodes[id].alive)
            cand[k++] = id;
    if (k == 0)
        return 0;
    return cand[sim_rng_below(&s->fault_rng, k)];
}

static uint64_t downtime(struct sim *s)
{
    uint64_t max = s->chaos.downtime_us_max;
    return sim_rng_range(&s->fault_rng, max / 10 + 1, max);
}

static void inject(struct sim *s)
{
    const struct sim_chaos *c = &s->chaos;
    enum chaos_fault enabled[FAULT_COUNT];
    uint32_t k = 0;
    if (c->crashes)
        enabled[k++] = FAULT_CRASH;
    if (c->partitions)
        enabled[k++] = FAULT_PARTITION;
    if (c->cuts && s->n > 1)
        enabled[k++] = FAULT_CUT;
    if (c->pauses)
        enabled[k++] = FAULT_PAUSE;
    if (c->drift)
        enabled[k++] = FAULT_DRIFT;
    if (k == 0)
        return;
    switch (enabled[sim_rng_below(&s->fault_rng, k)]) {
    case FAULT_CRASH: {
        uint32_t down = 0;
        for (uint32_t id = 1; id <= s->n; id++)
            down += !s->nodes[id].alive;
        if (down + 1 > (s->n - 1) / 2)
            return;
        uint32_t node = random_node(s, true);
        if (node && sim_crash(s, node) == SIM_OK)
            push_action(s, s->now_us + downtime(s), SIM_CHAOS_RESTART, node);
        return;
    }
    case FAULT_PARTITION: {
        uint32_t groups[SIM_MAX_NODES];
        if (sim_rng_below(&s->fault_rng, 2) == 0) {
            uint32_t node = random_node(s, false);
            for (uint32_t i = 0; i < s->n; i++)
                groups[i] = 1;
            groups[node - 1] = 0;
        } else {
            for (uint32_t i = 0; i < s->n; i++)
                groups[i] = 1 + (uint32_t)sim_rng_below(&s->fault_rng, 2);
        }
        sim_partition(s, groups, NULL);
        push_action(s, s->now_us + downtime(s), SIM_CHAOS_HEAL, 0);
        return;
    }
    case FAULT_CUT: {
        uint32_t from = random_node(s, false);
        uint32_t to = from;
        while (to == from)
            to = 1 + (uint32_t)sim_rng_below(&s->fault_rng, s->n);
        sim_cut(s, from, to);
        push_action(s, s->now_us + downtime(s), SIM_CHAOS_HEAL, 0);
        return;
    }
    case FAULT_PAUSE: {
        uint32_t node = random_node(s, true);
        uint64_t d = sim_rng_range(&s->fault_rng, 1000,
                                   2 * s->cfg.election_timeout_us_max);
        if (node)
            sim_pause(s, node, d);
        return;
    }
    case FAULT_DRIFT: {
        uint32_t node = random_node(s, false);
        sim_drift(s, node, sim_rng_range(&s->fault_rng, 800000, 1200000));
        return;
    }
    default:
        return;
    }
}

void sim_chaos_on_event(struct sim *s, const struct sim_event *ev)
{
    enum sim_chaos_action action = (enum sim_chaos_action)(ev->arg >> 32);
    uint32_t node = (uint32_t)(ev->arg & 0xFFFFFFFFu);
    switch (action) {
    case SIM_CHAOS_TICK:
        inject(s);
        schedule_tick(s);
        break;
    case SIM_CHAOS_RESTART:
        if (!s->nodes[node].alive)
            sim_restart(s, node);
        break;
    case SIM_CHAOS_HEAL:
        sim_heal(s);
        break;
    default:
        break;
    }
}
