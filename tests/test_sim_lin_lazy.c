/* test_sim_lin_lazy.c: the depth-first linearizability search keeps no
 * memo of the nodes it met until it first backtracks (until then they are
 * all on its path, sim/check/sim_lin_search.c); it must decide, count its
 * states and find its furthest event exactly as the search that records
 * every node at once (struct sim_lin_scratch's `eager`), on histories that
 * it orders straight away and on ones where it backtracks or fails. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "sim/check/sim_lin_key.h"
#include "sim/check/sim_lin_search.h"
#include "sim/sim_history.h"

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
    return next_rand(s) % n;
}

static int compare_ops(const void *a, const void *b)
{
    const struct sim_op *x = *(const struct sim_op *const *)a;
    const struct sim_op *y = *(const struct sim_op *const *)b;
    if (x->invoke_us != y->invoke_us)
        return x->invoke_us < y->invoke_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* A random history of one key, up to 16 overlapping operations of three
 * values, a quarter of the writes never completed; each from its own
 * client. Its operations, pending gets left out, sorted by (invoke time,
 * id) into ops; returns how many. */
static uint32_t random_ops(uint64_t *seed,
                           struct sim_history *h,
                           const struct sim_op **ops)
{
    static const char *values[3] = {"a", "b", "c"};
    uint32_t n = 2 + (uint32_t)below(seed, 15);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t kind = below(seed, 10);
        uint64_t from = below(seed, 60);
        uint64_t to = from + below(seed, 30);
        const char *value = values[below(seed, 3)];
        enum sim_kv_op op = kind < 4   ? SIM_KV_SET
                            : kind < 5 ? SIM_KV_DELETE
                                       : SIM_KV_GET;
        uint64_t id = sim_history_invoke(h, i + 1, op, "x",
                                         op == SIM_KV_SET ? value : NULL, from);
        if (op != SIM_KV_GET && below(seed, 4) == 0)
            continue;
        bool found = below(seed, 4) != 0;
        sim_history_complete(h, id, to, found, found ? value : NULL);
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct sim_op *o = sim_history_op(h, i);
        if (o->op != SIM_KV_GET || o->completed)
            ops[m++] = o;
    }
    qsort(ops, m, sizeof ops[0], compare_ops);
    return m;
}

/* One round's key: a random history (random_ops()) and its key. */
struct key_round
{
    struct sim_history *h;
    const struct sim_op *ops[16];
    uint32_t n;
    struct sim_lin_key k;
};

static void key_round_begin(struct key_round *kr, uint64_t *seed)
{
    kr->h = sim_history_new();
    kr->n = random_ops(seed, kr->h, kr->ops);
    sim_lin_key_init(&kr->k, kr->ops, kr->n);
}

static void key_round_end(struct key_round *kr)
{
    sim_lin_key_clear(&kr->k);
    sim_history_free(kr->h);
}

/* Checks key k with both scratches, the same search and bound, and asserts
 * that they agree on the result, the states counted and the furthest
 * event (other names the second scratch's way in the messages). Returns
 * the result; *states gets the states counted. */
static enum sim_lin_result check_alike(struct sim_lin_scratch *one,
                                       struct sim_lin_scratch *two,
                                       const char *other,
                                       const struct sim_lin_key *k,
                                       enum sim_lin_search how,
                                       uint64_t bound,
                                       int round,
                                       uint64_t *states_out)
{
    uint64_t states[2] = {0, 0};
    uint32_t prefix[2] = {0, 0};
    enum sim_lin_result r[2];
    r[0] = sim_lin_check_key(one, k, how, bound, &states[0], &prefix[0]);
    r[1] = sim_lin_check_key(two, k, how, bound, &states[1], &prefix[1]);
    cr_assert_eq(r[0], r[1], "round %d: result %d, %s %d", round, r[0], other,
                 r[1]);
    cr_assert_eq(states[0], states[1], "round %d: %llu states, %s %llu", round,
                 (unsigned long long)states[0], other,
                 (unsigned long long)states[1]);
    cr_assert_eq(prefix[0], prefix[1], "round %d", round);
    *states_out = states[0];
    return r[0];
}

Test(sim_lin_lazy,
     the_depth_first_search_decides_as_with_every_node_recorded_at_once)
{
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    struct sim_lin_scratch lazy = {0}, eager = {.eager = true};
    uint32_t fails = 0, oks = 0, backtracked = 0;
    for (int round = 0; round < 20000; round++) {
        struct key_round kr;
        key_round_begin(&kr, &seed);
        /* A bound from tiny to ample, so that some searches stop at it. */
        uint64_t bound = 1 + below(&seed, 64);
        uint64_t states;
        enum sim_lin_result r =
            check_alike(&lazy, &eager, "recording at once", &kr.k,
                        SIM_LIN_SEARCH_DEPTH_FIRST, bound, round, &states);
        fails += r == SIM_LIN_RESULT_FAIL;
        oks += r == SIM_LIN_RESULT_OK;
        /* More states than the key has returns: it went back somewhere. */
        backtracked += r == SIM_LIN_RESULT_OK && states > kr.n;
        key_round_end(&kr);
    }
    sim_lin_scratch_clear(&lazy);
    sim_lin_scratch_clear(&eager);
    /* Every kind of search was met. */
    cr_assert_gt(fails, 1000);
    cr_assert_gt(oks, 1000);
    cr_assert_gt(backtracked, 50);
}

/* Before searching depth first, the check follows the search's first path
 * without a stack (replay_first_path() in sim/check/sim_lin_search.c) and
 * keeps its answer when that path reaches the last event; otherwise the
 * search runs afresh. Decisions, states counted and the furthest event
 * must be the search's on every history, and both outcomes of the replay
 * must occur. */
Test(sim_lin_lazy, the_first_path_replayed_without_a_stack_decides_as_the_search)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    struct sim_lin_scratch replay = {0}, search = {.eager = true};
    uint32_t oks = 0;
    for (int round = 0; round < 20000; round++) {
        struct key_round kr;
        key_round_begin(&kr, &seed);
        uint64_t bound = 1 + below(&seed, 64);
        enum sim_lin_search how = below(&seed, 2) == 0
                                      ? SIM_LIN_SEARCH_DEPTH_FIRST
                                      : SIM_LIN_SEARCH_DEFAULT;
        uint64_t states;
        enum sim_lin_result r = check_alike(&replay, &search, "searched", &kr.k,
                                            how, bound, round, &states);
        oks += r == SIM_LIN_RESULT_OK;
        key_round_end(&kr);
    }
    /* Most orders found are the first path's; some only after going
     * back or linearizing a write early. */
    cr_assert_gt(replay.replayed, 1000);
    cr_assert_lt(replay.replayed + 200, oks);
    cr_assert_eq(search.replayed, 0);
    sim_lin_scratch_clear(&replay);
    sim_lin_scratch_clear(&search);
}
