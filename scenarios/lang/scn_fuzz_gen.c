/* scn_fuzz_gen.c: the plan and the model of scn_fuzz_gen.h.
 *
 * Invariant: a step is only added before the end of the faulty part, and
 * steps keep their creation number, so sorting by (time, number) gives the
 * order the model assumed.
 */
#include "scenarios/lang/scn_fuzz_gen.h"

#include <inttypes.h>

/* Uniform in [lo, hi]. */
uint64_t scn_fuzz_draw(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
    return sim_rng_range(r, lo, hi);
}

/* True with probability num/den. */
bool scn_fuzz_coin(struct sim_rng *r, uint64_t num, uint64_t den)
{
    return sim_rng_below(r, den) < num;
}

struct scn_node_ref scn_fuzz_node(uint32_t node)
{
    struct scn_node_ref ref = {
        .kind = SCN_REF_NODE,
        .node = node,
        .slot = SCN_NO_SLOT,
        .bind_slot = SCN_NO_SLOT,
        .optional = false,
    };
    return ref;
}

/* Adds a step of `kind` at `time_us`; returns its action to fill, or NULL
 * (and adds nothing) when time_us is not before the end. */
struct scn_action *scn_fuzz_plan(struct scn_fuzz_gen *g,
                                  uint64_t time_us,
                                  enum scn_action_kind kind)
{
    if (time_us >= g->end_us)
        return NULL;
    struct scn_step *st = g_new0(struct scn_step, 1);
    st->when = SCN_WHEN_AT;
    st->time_us = time_us;
    st->end_us = time_us;
    st->action.kind = kind;
    struct scn_fuzz_planned p = {.seq = g->seq++, .step = st};
    g_array_append_val(g->plan, p);
    return &st->action;
}

bool scn_fuzz_up(const struct scn_fuzz_gen *g, uint32_t node, uint64_t t)
{
    return g->up_at_us[node - 1] <= t;
}

uint32_t scn_fuzz_down_count(const struct scn_fuzz_gen *g, uint64_t t)
{
    uint32_t n = 0;
    for (uint32_t i = 1; i <= g->o->nodes; i++)
        n += !scn_fuzz_up(g, i, t);
    return n;
}

/* A node uniformly among those that are up at t (and not paused at t when
 * `unpaused`); 0 when there is none. */
uint32_t scn_fuzz_pick_up(struct scn_fuzz_gen *g, uint64_t t, bool unpaused)
{
    uint32_t n = 0;
    for (uint32_t i = 1; i <= g->o->nodes; i++)
        if (scn_fuzz_up(g, i, t) && (!unpaused || g->paused_until_us[i - 1] <= t))
            g->scratch[n++] = i;
    if (n == 0)
        return 0;
    return g->scratch[sim_rng_below(g->r, n)];
}

/* Milliseconds in [lo_ms, hi_ms] as microseconds. */
uint64_t scn_fuzz_draw_ms(struct scn_fuzz_gen *g, uint64_t lo_ms, uint64_t hi_ms)
{
    return scn_fuzz_draw(g->r, lo_ms, hi_ms) * 1000;
}

/* A burst of `count` scripted writes, to consecutive keys of the cycle
 * b0..b63, sent to `node` from t, one every `every_us`: requests pile up in
 * the log of a node cut off from the majority (when it still believes it
 * leads), the raw material of Figure 8's diverging logs. */
void scn_fuzz_burst_via(struct scn_fuzz_gen *g,
                          uint64_t t,
                          uint64_t count,
                          uint64_t every_us,
                          uint32_t node)
{
    for (uint64_t i = 0; i < count; i++) {
        struct scn_action *a = scn_fuzz_plan(g, t + i * every_us, SCN_ACT_CLIENT_SET);
        if (!a)
            return;
        uint64_t id = ++g->value_seq;
        a->key = g_strdup_printf("b%" PRIu64, id % SCN_FUZZ_BURST_KEYS);
        a->value = g_strdup_printf("v%" PRIu64, id);
        a->has_via = true;
        a->via = scn_fuzz_node(node);
    }
}

