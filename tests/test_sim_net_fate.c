/* test_sim_net_fate.c: a message's fate is the one its documented stream
 * gives, whatever the parameters: sim_net_draw() computes only the draws a
 * field reads, and every field must still equal the one drawn from the
 * whole stream (sim_net.h: keyed by link, send time and rank; five draws,
 * three more when duplicated), written out here independently. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "sim/sim_net.h"
#include "sim/sim_rng.h"

/* Delay plus, with probability reorder, an extra delay in
 * [1, 10 x delay_us_max]: three draws, each made whether or not its value
 * counts. */
static uint64_t model_delay(const struct sim_net_params *p,
                            struct sim_rng *r,
                            bool *reordered)
{
    uint64_t d = p->delay_us_min;
    if (p->delay_us_max > p->delay_us_min)
        d += sim_rng_below(r, p->delay_us_max - p->delay_us_min + 1);
    else
        (void)sim_rng_next(r);
    *reordered = sim_rng_chance(r, p->reorder_ppm);
    uint64_t extra =
        1 + sim_rng_below(r, 10 * (p->delay_us_max ? p->delay_us_max : 1));
    return *reordered ? d + extra : d;
}

/* The fate of the message of rank `rank` sent on from -> to at now_us in
 * a network of n nodes seeded with seed. */
static struct sim_net_fate model_fate(const struct sim_net_params *p,
                                      uint64_t seed,
                                      uint32_t n,
                                      uint32_t from,
                                      uint32_t to,
                                      uint64_t now_us,
                                      uint64_t rank)
{
    uint64_t link = (uint64_t)(from - 1) * n + (to - 1);
    uint64_t key = sim_rng_key(sim_rng_key(seed, SIM_STREAM_NETWORK), link);
    struct sim_rng r;
    sim_rng_seed_key(&r, sim_rng_key(sim_rng_key(key, now_us), rank));
    struct sim_net_fate f = {0};
    f.lost = sim_rng_chance(&r, p->drop_ppm);
    f.delay_us = model_delay(p, &r, &f.reordered);
    f.duplicated = sim_rng_chance(&r, p->duplicate_ppm);
    if (f.duplicated) {
        bool copy_reordered;
        f.copy_delay_us = model_delay(p, &r, &copy_reordered);
    }
    return f;
}

static void assert_same_fate(const struct sim_net_fate *got,
                             const struct sim_net_fate *want,
                             const char *what)
{
    cr_assert_eq(got->lost, want->lost, "%s: lost", what);
    cr_assert_eq(got->delay_us, want->delay_us, "%s: delay", what);
    cr_assert_eq(got->reordered, want->reordered, "%s: reordered", what);
    cr_assert_eq(got->duplicated, want->duplicated, "%s: duplicated", what);
    cr_assert_eq(got->copy_delay_us, want->copy_delay_us, "%s: copy delay",
                 what);
}

/* Every combination of decided (0, certain) and random probabilities and of
 * a fixed or ranged delay, several messages per instant on two links: each
 * fate equals the model's. */
Test(sim_net_fate, every_fate_is_the_one_its_whole_stream_gives)
{
    const uint32_t ppms[] = {0, 1, 300000, SIM_PPM_ONE - 1, SIM_PPM_ONE,
                             SIM_PPM_ONE + 5};
    const uint64_t delays[][2] = {{777, 777}, {1000, 9000}, {0, 0}, {5, 3}};
    const size_t n_ppms = sizeof ppms / sizeof ppms[0];
    const uint64_t seed = 4242;
    size_t cases = 0;
    for (size_t d = 0; d < 4; d++) {
        for (size_t a = 0; a < n_ppms; a++) {
            for (size_t b = 0; b < n_ppms; b++) {
                for (size_t c = 0; c < n_ppms; c++) {
                    struct sim_net_params p = {
                        .delay_us_min = delays[d][0],
                        .delay_us_max = delays[d][1],
                        .drop_ppm = ppms[a],
                        .duplicate_ppm = ppms[b],
                        .reorder_ppm = ppms[c],
                    };
                    struct sim_net net;
                    sim_net_init(&net, 3, &p, seed);
                    /* [to - 2]: the link's instant and rank so far. */
                    uint64_t at[2] = {0, 0}, ranks[2] = {0, 0};
                    for (uint64_t t = 0; t < 12; t++) {
                        uint64_t now = 1000 * (t / 3); /* 3 per instant */
                        uint32_t to = 2 + (uint32_t)(t % 2);
                        if (now != at[to - 2]) {
                            at[to - 2] = now;
                            ranks[to - 2] = 0;
                        }
                        struct sim_net_fate got;
                        sim_net_draw(&net, 1, to, now, &got);
                        struct sim_net_fate want = model_fate(
                            &p, seed, 3, 1, to, now, ranks[to - 2]++);
                        char what[96];
                        snprintf(what, sizeof what,
                                 "delay %zu drop %zu dup %zu reorder %zu "
                                 "message %llu",
                                 d, a, b, c, (unsigned long long)t);
                        assert_same_fate(&got, &want, what);
                        cases++;
                    }
                    sim_net_destroy(&net);
                }
            }
        }
    }
    cr_assert_eq(cases, 4 * n_ppms * n_ppms * n_ppms * 12);
}

/* Parameters that leave every draw of a fate to chance. */
static const struct sim_net_params every_draw = {
    .delay_us_min = 10,
    .delay_us_max = 900,
    .drop_ppm = 400000,
    .duplicate_ppm = 400000,
    .reorder_ppm = 400000,
};

/* A message whose fate takes no draw still takes its rank at its instant:
 * when the parameters change at that instant, the next message's fate is
 * the model's for the next rank. */
Test(sim_net_fate, a_fate_without_draws_still_takes_its_rank)
{
    struct sim_net_params decided = {.delay_us_min = 50, .delay_us_max = 50};
    struct sim_net_params drop_only = decided;
    drop_only.drop_ppm = 500000;
    const struct sim_net_params *order[] = {&decided, &every_draw, &drop_only,
                                            &decided, &drop_only, &every_draw};
    struct sim_net net;
    sim_net_init(&net, 2, &decided, 7);
    for (uint64_t now = 10; now < 400; now += 10) {
        for (uint64_t rank = 0; rank < 6; rank++) {
            const struct sim_net_params *p = order[(rank + now / 10) % 6];
            sim_net_set_params(&net, p); /* as sim_set_drop() and friends */
            struct sim_net_fate got;
            sim_net_draw(&net, 2, 1, now, &got);
            struct sim_net_fate want = model_fate(p, 7, 2, 2, 1, now, rank);
            assert_same_fate(&got, &want, "mixed parameters");
        }
    }
    sim_net_destroy(&net);
}

/* Never reordered nor duplicated, a fate reads only the stream's first
 * two draws (sim_net.c's draw_delay_only()), unless the delay's draw is
 * rejected: then it is the whole stream's. A range of 0x6000000000000001
 * values rejects about a quarter of the draws (2^64 mod n = 2^62 - 2);
 * a range of every 64-bit value draws nothing for the delay. Each fate
 * equals the model's, and both kinds of draw are met. */
Test(sim_net_fate, a_fate_never_reordered_nor_duplicated_is_the_whole_streams)
{
    const uint64_t maxes[] = {0x6000000000000000u, UINT64_MAX, 9000};
    const uint32_t drops[] = {0, 300000, SIM_PPM_ONE};
    const uint64_t seed = 99;
    size_t rejected = 0, taken = 0;
    for (size_t m = 0; m < 3; m++) {
        for (size_t d = 0; d < 3; d++) {
            struct sim_net_params p = {.delay_us_min = 0,
                                       .delay_us_max = maxes[m],
                                       .drop_ppm = drops[d]};
            struct sim_net net;
            sim_net_init(&net, 2, &p, seed);
            for (uint64_t now = 1; now <= 200; now++) {
                struct sim_net_fate got;
                sim_net_draw(&net, 1, 2, now, &got);
                struct sim_net_fate want = model_fate(&p, seed, 2, 1, 2, now, 0);
                assert_same_fate(&got, &want, "never reordered nor duplicated");
                if (m != 0)
                    continue;
                /* Was the delay's draw (the second) rejected? */
                uint64_t key = sim_rng_key(sim_rng_key(seed, SIM_STREAM_NETWORK), 1);
                struct sim_rng r;
                sim_rng_seed_key(&r, sim_rng_key(sim_rng_key(key, now), 0));
                (void)sim_rng_next(&r);
                uint64_t n = maxes[m] + 1;
                if (sim_rng_next(&r) < (0 - n) % n)
                    rejected++;
                else
                    taken++;
            }
            sim_net_destroy(&net);
        }
    }
    cr_assert_gt(rejected, 0);
    cr_assert_gt(taken, 0);
}

/* The engine draws a message's fate by its link's index, the ids already
 * checked (sim_net_draw_link()): for every pair of ids of a network of
 * four nodes, sim_net_link() names the link the stream is keyed by, and
 * the fate is the model's for that pair, whichever draws the parameters
 * leave to chance. */
Test(sim_net_fate, a_fate_drawn_by_link_index_is_the_one_of_its_ids)
{
    struct sim_net_params drop_only = {
        .delay_us_min = 50, .delay_us_max = 50, .drop_ppm = 500000};
    struct sim_net_params decided = {.delay_us_min = 50, .delay_us_max = 50};
    const struct sim_net_params *params[] = {&every_draw, &drop_only,
                                             &decided};
    for (size_t k = 0; k < 3; k++) {
        struct sim_net net;
        sim_net_init(&net, 4, params[k], 31);
        size_t next_link = 0;
        for (uint32_t from = 1; from <= 4; from++) {
            for (uint32_t to = 1; to <= 4; to++) {
                size_t link = sim_net_link(&net, from, to);
                cr_assert_eq(link, next_link++, "link %u -> %u", from, to);
                for (uint64_t rank = 0; rank < 3; rank++) {
                    struct sim_net_fate got;
                    sim_net_draw_link(&net, link, 700, &got);
                    struct sim_net_fate want =
                        model_fate(params[k], 31, 4, from, to, 700, rank);
                    assert_same_fate(&got, &want, "drawn by link index");
                }
            }
        }
        sim_net_destroy(&net);
    }
}

/* A fate the parameters decide as plain (one delay, no loss, duplication
 * or reordering: sim_net_draw_plain()) is told without a record: its
 * delay is the model's, and it takes its rank at its instant, so that a
 * fate drawn after a change of parameters at that instant is the model's
 * for the next rank. Parameters that lose or duplicate for certain, or
 * leave anything to chance, are not plain and change nothing. */
Test(sim_net_fate, a_plain_fate_is_the_models_and_takes_its_rank)
{
    struct sim_net_params plain = {.delay_us_min = 50, .delay_us_max = 50};
    struct sim_net_params lost = plain, copied = plain, ranged = plain;
    lost.drop_ppm = SIM_PPM_ONE;
    copied.duplicate_ppm = SIM_PPM_ONE;
    ranged.delay_us_max = 90;
    const struct sim_net_params *not_plain[] = {&lost, &copied, &ranged,
                                                &every_draw};
    struct sim_net net;
    sim_net_init(&net, 3, &plain, 11);
    size_t link = sim_net_link(&net, 3, 2);
    for (uint64_t now = 10; now < 200; now += 10) {
        uint64_t rank = 0;
        for (size_t k = 0; k < 4; k++) {
            sim_net_set_params(&net, &plain);
            uint64_t delay = 0;
            cr_assert(sim_net_draw_plain(&net, link, now, &delay));
            struct sim_net_fate want = model_fate(&plain, 11, 3, 3, 2, now,
                                                  rank++);
            cr_assert_eq(delay, want.delay_us);
            cr_assert(!want.lost && !want.duplicated && !want.reordered);
            const struct sim_net_params *p = not_plain[(k + now / 10) % 4];
            sim_net_set_params(&net, p);
            delay = 7;
            cr_assert(!sim_net_draw_plain(&net, link, now, &delay));
            cr_assert_eq(delay, 7, "a fate that is not plain is not told");
            struct sim_net_fate got;
            sim_net_draw_link(&net, link, now, &got);
            want = model_fate(p, 11, 3, 3, 2, now, rank++);
            assert_same_fate(&got, &want, "after a plain fate");
        }
    }
    sim_net_destroy(&net);
}
