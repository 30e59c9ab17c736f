/* test_sim_rng.c: the engine's generator is xoshiro256** seeded through
 * splitmix64, reproducible bit for bit, and its streams are independent. */
#include <criterion/criterion.h>

#include "sim/sim.h"
#include "sim/sim_rng.h"

Test(sim_rng, splitmix64_matches_the_reference_sequence)
{
    uint64_t state = 0;
    cr_assert_eq(sim_splitmix64(&state), 0xE220A8397B1DCDAFu);
    cr_assert_eq(sim_splitmix64(&state), 0x6E789E6AA1B965F4u);
    cr_assert_eq(sim_splitmix64(&state), 0x06C45D188009454Fu);
}

Test(sim_rng, xoshiro256starstar_matches_the_reference_sequence)
{
    struct sim_rng r = {.s = {1, 2, 3, 4}};
    cr_assert_eq(sim_rng_next(&r), 11520u);
    cr_assert_eq(sim_rng_next(&r), 0u);
    cr_assert_eq(sim_rng_next(&r), 1509978240u);
    cr_assert_eq(sim_rng_next(&r), 1215971899390074240u);
}

/* Golden values of the first draws of each stream for seed 42: a change
 * here changes every recorded run. */
Test(sim_rng, each_stream_is_reproducible_from_the_seed)
{
    static const uint64_t golden[4][2] = {
        {0x017918C1D008064Fu, 0x87D16C49B2D2B6C2u},
        {0x7C811DA5E892E33Eu, 0x00FE511FFC1DAA3Bu},
        {0x9F0B6B04EB0A2C60u, 0x71269695B9FE600Fu},
        {0x281F797973A6BA81u, 0xD782C98AC2F3F3C3u},
    };
    for (uint64_t stream = 0; stream < 4; stream++) {
        struct sim_rng r;
        sim_rng_seed(&r, 42, stream);
        cr_assert_eq(sim_rng_next(&r), golden[stream][0], "stream %lu",
                     (unsigned long)stream);
        cr_assert_eq(sim_rng_next(&r), golden[stream][1]);
    }
}

Test(sim_rng, streams_differ_from_each_other_and_across_seeds)
{
    uint64_t first[40];
    for (uint64_t stream = 0; stream < 40; stream++) {
        struct sim_rng r;
        sim_rng_seed(&r, 7, stream);
        first[stream] = sim_rng_next(&r);
        for (uint64_t j = 0; j < stream; j++)
            cr_assert_neq(first[stream], first[j]);
    }
    struct sim_rng a, b;
    sim_rng_seed(&a, 7, 0);
    sim_rng_seed(&b, 8, 0);
    cr_assert_neq(sim_rng_next(&a), sim_rng_next(&b));
}

Test(sim_rng, drawing_from_one_stream_leaves_another_unchanged)
{
    struct sim_rng net, timers, net2, timers2;
    sim_rng_seed(&net, 99, SIM_STREAM_NETWORK);
    sim_rng_seed(&timers, 99, 17);
    sim_rng_seed(&net2, 99, SIM_STREAM_NETWORK);
    sim_rng_seed(&timers2, 99, 17);
    for (int i = 0; i < 1000; i++)
        sim_rng_next(&net);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(sim_rng_next(&timers), sim_rng_next(&timers2));
    (void)net2;
}

Test(sim_rng, below_and_range_stay_in_bounds_and_cover_them)
{
    struct sim_rng r;
    sim_rng_seed(&r, 3, 0);
    int seen[7] = {0};
    for (int i = 0; i < 7000; i++) {
        uint64_t x = sim_rng_below(&r, 7);
        cr_assert_lt(x, 7);
        seen[x]++;
    }
    for (int i = 0; i < 7; i++)
        cr_assert_gt(seen[i], 800, "value %d seen %d times", i, seen[i]);
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_range(&r, 150000, 300000);
        cr_assert_geq(x, 150000);
        cr_assert_leq(x, 300000);
    }
    cr_assert_eq(sim_rng_range(&r, 5, 5), 5);
    cr_assert_eq(sim_rng_below(&r, 0), 0);
}

Test(sim_rng, unit_is_in_zero_one_and_chance_follows_p)
{
    struct sim_rng r;
    sim_rng_seed(&r, 11, 2);
    int hits = 0;
    for (int i = 0; i < 100000; i++) {
        double u = sim_rng_unit(&r);
        cr_assert(u >= 0.0 && u < 1.0);
        hits += sim_rng_chance(&r, 250000);
    }
    cr_assert(hits > 24000 && hits < 26000, "hits %d", hits);
    cr_assert_not(sim_rng_chance(&r, 0));
    cr_assert(sim_rng_chance(&r, SIM_PPM_ONE));
}

Test(sim_rng, the_first_rank_word_is_splitmix_of_zero)
{
    uint64_t state = 0;
    cr_assert_eq(sim_splitmix64(&state), SIM_RNG_WORD_OF_ZERO);
}

/* The inline keyed seeding is the composition its header states: the key
 * of (base, instant, rank) through sim_rng_key(), then sim_rng_seed_key(),
 * for several draws at one instant and across instants. */
Test(sim_rng, an_instant_seed_is_the_key_of_base_time_and_rank)
{
    struct sim_rng_instant in = {0};
    uint64_t x = 7;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t base = x ^ (x >> 29);
        uint64_t now = in.at_us + (x >> 61); /* often the same instant */
        uint64_t rank = now == in.at_us ? in.rank : 0;
        struct sim_rng got, want;
        sim_rng_seed_instant(&got, base, &in, now);
        sim_rng_seed_key(&want, sim_rng_key(sim_rng_key(base, now), rank));
        for (int k = 0; k < 4; k++)
            cr_assert_eq(got.s[k], want.s[k], "draw %d word %d", i, k);
        cr_assert_eq(in.at_us, now);
        cr_assert_eq(in.rank, rank + 1);
    }
}

/* sim_rng_seed_instant() leaves out sim_rng_seed_key()'s repair of an
 * all-zero state: splitmix64's output function maps only 0 to 0 (it is a
 * bijection), so word 0 is zero only for the key -golden and word 1 only
 * for -2 golden, and at each of those keys the other word is not zero. */
Test(sim_rng, a_keys_state_words_are_never_all_zero)
{
    const uint64_t golden = 0x9E3779B97F4A7C15u;
    cr_assert_eq(sim_splitmix64_out(0), 0);
    cr_assert_eq(sim_rng_key_word(0 - golden, 0), 0);
    cr_assert_neq(sim_rng_key_word(0 - golden, 1), 0);
    cr_assert_eq(sim_rng_key_word(0 - 2 * golden, 1), 0);
    cr_assert_neq(sim_rng_key_word(0 - 2 * golden, 0), 0);
    struct sim_rng r;
    sim_rng_seed_key(&r, 0 - golden);
    for (unsigned i = 1; i < 4; i++)
        cr_assert_eq(r.s[i], sim_rng_key_word(0 - golden, i));
}

/* A chance's bound, computed once, answers as sim_rng_chance() for every
 * draw: on both sides of the bound (k = bound - 1 holds, k = bound does
 * not, as u = k * 2^-53 < ppm / 10^6 says) for probabilities near 0, 1
 * and between, and on a stream's draws, which both take once. */
Test(sim_rng, a_chance_bound_answers_as_the_chance)
{
    const uint32_t ppms[] = {0,      1,      2,      3,      7,
                             999,    100000, 333333, 500000, 999998,
                             999999, SIM_PPM_ONE, SIM_PPM_ONE + 1,
                             UINT32_MAX};
    for (size_t i = 0; i < sizeof ppms / sizeof ppms[0]; i++) {
        uint64_t k = sim_rng_chance_bound(ppms[i]);
        double c = (double)ppms[i] / (double)SIM_PPM_ONE;
        cr_assert_leq(k, 1ull << 53, "ppm %u", ppms[i]);
        if (k > 0)
            cr_assert((double)(k - 1) * 0x1.0p-53 < c, "ppm %u", ppms[i]);
        if (k < (1ull << 53))
            cr_assert_not((double)k * 0x1.0p-53 < c, "ppm %u", ppms[i]);
        struct sim_rng a, b;
        sim_rng_seed(&a, 77 + i, 0);
        b = a;
        for (int n = 0; n < 2000; n++)
            cr_assert_eq(sim_rng_chance_k(&a, k), sim_rng_chance(&b, ppms[i]),
                         "ppm %u draw %d", ppms[i], n);
        cr_assert_eq(sim_rng_next(&a), sim_rng_next(&b));
    }
}

/* sim_rng_below_t() with the threshold computed once draws and answers
 * as sim_rng_below(), rejections included (n just past 2^63 rejects
 * about half of the draws), and its skipping form makes the same draws. */
Test(sim_rng, below_with_its_threshold_draws_as_below)
{
    const uint64_t ns[] = {0, 1, 2, 3, 10, 9001, 100000,
                           (1ull << 63) + 1, UINT64_MAX - 2};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint64_t n = ns[i], t = n ? (0 - n) % n : 0;
        struct sim_rng a, b, c;
        sim_rng_seed(&a, 5 + i, 1);
        b = a;
        c = a;
        for (int d = 0; d < 2000; d++) {
            cr_assert_eq(sim_rng_below_t(&a, n, t), sim_rng_below(&b, n),
                         "n %llu draw %d", (unsigned long long)n, d);
            sim_rng_skip_below_t(&c, n, t);
        }
        uint64_t next = sim_rng_next(&a);
        cr_assert_eq(sim_rng_next(&b), next, "n %llu", (unsigned long long)n);
        cr_assert_eq(sim_rng_next(&c), next, "n %llu", (unsigned long long)n);
    }
}
