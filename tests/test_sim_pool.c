/* test_sim_pool.c: the free list of message blocks (sim_pool.h) hands a
 * released block out again before allocating, never hands one block out
 * twice, and keeps at most max_kept. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sim/sim_pool.h"

Test(sim_pool, a_released_block_is_reused_before_a_new_one)
{
    struct sim_pool p;
    sim_pool_init(&p, 64, 8);
    void *a = sim_pool_take(&p);
    memset(a, 1, 64);
    sim_pool_give(&p, a);
    cr_assert_eq(p.n_kept, 1);
    void *b = sim_pool_take(&p);
    cr_assert_eq(b, a, "the released block was not handed out again");
    cr_assert_eq(p.n_kept, 0);
    sim_pool_give(&p, b);
    sim_pool_destroy(&p);
}

Test(sim_pool, no_block_is_handed_out_twice)
{
    struct sim_pool p;
    sim_pool_init(&p, 32, 16);
    enum { N = 24 };
    void *out[N];
    bool held[N] = {false};
    uint64_t x = 88172645463325252u;
    /* Random takes and gives: every block held at once is distinct, and
     * each is written whole while held without disturbing the others. */
    for (int round = 0; round < 5000; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = (size_t)(x % N);
        if (held[k]) {
            cr_assert_eq(((unsigned char *)out[k])[31], (unsigned char)k);
            sim_pool_give(&p, out[k]);
            held[k] = false;
        } else {
            out[k] = sim_pool_take(&p);
            for (size_t j = 0; j < N; j++)
                cr_assert(!held[j] || out[j] != out[k], "block %p twice",
                          out[k]);
            memset(out[k], (int)k, 32);
            held[k] = true;
        }
        cr_assert_leq(p.n_kept, p.max_kept);
    }
    for (size_t k = 0; k < N; k++)
        if (held[k])
            sim_pool_give(&p, out[k]);
    sim_pool_destroy(&p);
}

Test(sim_pool, at_most_max_kept_blocks_are_kept)
{
    struct sim_pool p;
    sim_pool_init(&p, 16, 2);
    void *a = sim_pool_take(&p), *b = sim_pool_take(&p), *c = sim_pool_take(&p);
    sim_pool_give(&p, a);
    sim_pool_give(&p, b);
    sim_pool_give(&p, c); /* freed: two are kept already */
    cr_assert_eq(p.n_kept, 2);
    cr_assert_eq(sim_pool_take(&p), b);
    cr_assert_eq(sim_pool_take(&p), a);
    cr_assert_eq(p.n_kept, 0);
    sim_pool_give(&p, a);
    sim_pool_give(&p, b);
    sim_pool_destroy(&p);
    cr_assert_eq(p.n_kept, 0);
}
