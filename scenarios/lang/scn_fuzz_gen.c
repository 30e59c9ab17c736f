/* scn_fuzz_gen.c: the plan and the model of scn_fuzz_gen.h.
 *
 * Invariant: a step is only added before the end of the faulty part, and
 * the plan keeps steps in creation order, so a stable sort by time gives
 * the order (time, creation) the model assumed.
 */
#include "scenarios/lang/scn_fuzz_gen.h"

#include <inttypes.h>
#include <string.h>

#include "sim/sim_time_text.h"

/* The election timeout minimum of every fuzz scenario: the header's
 * default (scn_scenario_new()). */
#define FUZZ_ELECTION_TIMEOUT_MIN_US UINT64_C(150000)

/* How far clocks stray in lease seeds with drift: to 0.25x. */
#define FUZZ_LEASE_DRIFT_PPM 750000u

/* The stream of the read mode draws (scn_fuzz_draw_reads()), and that of
 * the slow leader episode. */
#define FUZZ_SLOW_LEADER_STREAM UINT64_C(0x736c6f77)
#define FUZZ_READS_STREAM UINT64_C(0x7265616473)

/* The fault kinds a lease read cannot survive, because they break what the
 * lease assumes of the voters (thesis §6.4.1): that a voter which
 * acknowledged the leader grants no vote, its own included, before its own
 * election timeout has run out. Each plans a scripted `timeout` (as do the
 * Figure 8 churns of CUT, see scn_fuzz.c), which starts a campaign before
 * the candidate's own timer ran out: a clock fault beyond any drift bound.
 * Crashes are drawn: a restarted voter counts its start as contact with a
 * leader and keeps the lease (raft_create()). */
static const enum scn_fuzz_fault lease_unsafe[] = {
    SCN_FUZZ_REELECTION,
    SCN_FUZZ_VOTE_CRASH,
    SCN_FUZZ_TRIGGER,
    SCN_FUZZ_CHURN,
};

void scn_fuzz_draw_reads(uint64_t seed,
                         const struct scn_fuzz_options *o,
                         struct scn_fuzz_swarm *w)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_READS_STREAM);
    uint64_t mode = sim_rng_below(&r, 4);
    uint64_t margin_ms = scn_fuzz_draw(&r, 1, 10);
    /* Half the seeds keep gets in the log, as before reads had modes; so
     * does every seed of a campaign restricted to some fault kinds
     * (--faults), which thus runs the schedules it ran before. */
    w->reads = mode < 2 || o->faults != SCN_FUZZ_ALL_FAULTS
                   ? SCN_READ_LOG
               : mode == 2 ? SCN_READ_INDEX
                           : SCN_READ_LEASE;
    w->lease_drift_bound_us = 0;
    if (w->reads != SCN_READ_LEASE)
        return;
    for (size_t i = 0; i < G_N_ELEMENTS(lease_unsafe); i++) {
        w->on[lease_unsafe[i]] = false;
        w->per_10s[lease_unsafe[i]] = 0;
    }
    w->timeouts = 0;
    /* A lease needs followers that refuse votes while they hear from the
     * leader: CheckQuorum (PreVote would do too). */
    w->checkquorum = true;
    /* Clocks stray further than elsewhere (to 0.25x and 1.75x), with a
     * bound that covers it: a leader on a slow clock believes in a lease
     * for much longer than its followers wait, which a lease that ignored
     * the bound would not survive (scn_fuzz_gen_slow_leader()). */
    if (w->on[SCN_FUZZ_DRIFT])
        w->drift_ppm_max = FUZZ_LEASE_DRIFT_PPM;
    /* Clocks run at rates within 1 +- m: the leader's lease of
     * min - bound on its clock must end, in real time, before a voter's
     * min on its clock: bound >= min * (1 - (1 - m) / (1 + m)), which is
     * below min for any m < 1. min is the fuzzer's election timeout, the
     * header's default; gen_drift() rounds rates down to whole percent,
     * so m is one percent wider than drift_ppm_max. */
    uint64_t min_us = FUZZ_ELECTION_TIMEOUT_MIN_US;
    uint64_t m = w->on[SCN_FUZZ_DRIFT] ? w->drift_ppm_max + 10000u : 0;
    uint64_t need = (min_us * 2 * m + (SCN_PPM_ONE + m) - 1) / (SCN_PPM_ONE + m);
    w->lease_drift_bound_us = need + margin_ms * 1000;
    if (w->lease_drift_bound_us >= min_us)
        w->lease_drift_bound_us = min_us - 1000;
    SIM_ASSERT(need < w->lease_drift_bound_us,
               "drift up to %" PRIu64 " ppm needs a bound of %" PRIu64 "us",
               m, need);
}

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

/* Writes `prefix` then n in decimal at the end of buf (22 bytes: prefix,
 * 20 digits, NUL); returns where it starts, *len its length without the
 * NUL. */
static const char *word_put(char buf[22], char prefix, uint64_t n, size_t *len)
{
    size_t at = 22;
    buf[--at] = '\0';
    do {
        buf[--at] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0);
    buf[--at] = prefix;
    *len = 21 - at;
    return buf + at;
}

char *scn_fuzz_word(char prefix, uint64_t n)
{
    char buf[22];
    size_t len;
    const char *w = word_put(buf, prefix, n, &len);
    /* The length is known: a copy of it, NUL included, without the
     * measuring g_strndup() would do. */
    char *word = g_malloc(len + 1);
    memcpy(word, w, len + 1);
    return word;
}

void scn_fuzz_set_word(struct scn_action *a, bool value, char prefix, uint64_t n)
{
    /* The digits counted first (four at a division, then the last few by
     * comparisons), then written from the last one straight where the word
     * is kept: no copy through a buffer. */
    size_t digits = 1;
    uint64_t top = n;
    for (; top >= 10000; top /= 10000)
        digits += 4;
    digits += (size_t)(top >= 10) + (size_t)(top >= 100) + (size_t)(top >= 1000);
    char *w = scn_action_text_room(a, value, digits + 1);
    w[0] = prefix;
    w[digits + 1] = '\0';
    sim_time_text_digits(w + digits + 1, n);
}

/* Adds a step of `kind` at `time_us`; returns its action to fill, or NULL
 * (and adds nothing) when time_us is not before the end. */

struct scn_action *scn_fuzz_plan(struct scn_fuzz_gen *g,
                                  uint64_t time_us,
                                  enum scn_action_kind kind)
{
    if (time_us >= g->end_us)
        return NULL;
    struct scn_step *st = scn_scenario_new_step(g->sc);
    st->when = SCN_WHEN_AT;
    st->time_us = time_us;
    st->end_us = time_us;
    st->action.kind = kind;
    if (g->n_plan == g->plan_cap) {
        /* A seed's plan holds some hundreds of steps (about 600 for the
         * default options): room for 1,024 at first, so that most plans
         * are never moved. */
        g->plan_cap = g->plan_cap ? 2 * g->plan_cap : 1024;
        g->plan = g_renew(struct scn_keyed, g->plan, g->plan_cap);
    }
    g->plan[g->n_plan++] = (struct scn_keyed){.key = time_us, .item = st};
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
        scn_fuzz_set_word(a, false, 'b', id % SCN_FUZZ_BURST_KEYS);
        scn_fuzz_set_word(a, true, 'v', id);
        a->has_via = true;
        a->via = scn_fuzz_node(node);
    }
}


void scn_fuzz_gen_slow_leader(struct scn_fuzz_gen *g, uint64_t seed)
{
    struct sim_rng r;
    sim_rng_seed(&r, seed, FUZZ_SLOW_LEADER_STREAM);
    uint32_t n = g->o->nodes;
    uint32_t x = 1 + (uint32_t)sim_rng_below(&r, n);
    uint32_t y = x % n + 1;
    uint64_t key = sim_rng_below(&r, 8);
    if (n < 3 || g->o->run_us < UINT64_C(2000000))
        return;
    /* x campaigns before anyone leads, so no lease is broken by it, and
     * most likely leads when its clock slows to a quarter of real speed:
     * a heartbeat every 200ms, a lease of 600ms (of 40ms with the bound). */
    struct scn_action *a = scn_fuzz_plan(g, 0, SCN_ACT_TIMEOUT);
    a->node = scn_fuzz_node(x);
    a = scn_fuzz_plan(g, 500000, SCN_ACT_DRIFT);
    a->node = scn_fuzz_node(x);
    a->rate_ppm = SCN_PPM_ONE - FUZZ_LEASE_DRIFT_PPM;
    uint64_t cut = 800000;
    a = scn_fuzz_plan(g, cut, SCN_ACT_ISOLATE);
    a->node = scn_fuzz_node(x);
    /* The others elect a leader within about 330ms; a write through one of
     * them, then gets at x while its unbounded lease (400ms to 600ms after
     * the cut) would still run. */
    a = scn_fuzz_plan(g, cut + 340000, SCN_ACT_CLIENT_SET);
    scn_fuzz_set_word(a, false, 'k', key);
    scn_fuzz_set_word(a, true, 'v', ++g->value_seq);
    a->has_via = true;
    a->via = scn_fuzz_node(y);
    for (uint64_t i = 0; i < 5; i++) {
        a = scn_fuzz_plan(g, cut + 420000 + i * 40000, SCN_ACT_CLIENT_GET);
        scn_fuzz_set_word(a, false, 'k', key);
        a->read_mode = SCN_READ_LEASE;
        a->has_via = true;
        a->via = scn_fuzz_node(x);
    }
    a = scn_fuzz_plan(g, cut + 1000000, SCN_ACT_DRIFT);
    a->node = scn_fuzz_node(x);
    a->rate_ppm = SCN_PPM_ONE;
    scn_fuzz_plan(g, cut + 1000000, SCN_ACT_HEAL);
}
