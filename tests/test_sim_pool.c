/* test_sim_pool.c: the free list of message blocks (sim_pool.h) hands a
 * released block out again before carving a new one, never hands one
 * block out twice, and carves its blocks from chunks without overlap. */
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
    sim_pool_init(&p, 32, 5);
    enum { N = 24 };
    void *out[N];
    bool held[N] = {false};
    uint64_t x = 88172645463325252u;
    /* Random takes and gives: every block held at once is distinct and
     * 16-byte aligned, and each is written whole while held without
     * disturbing the others (blocks of several chunks). */
    for (int round = 0; round < 5000; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t k = (size_t)(x % N);
        if (held[k]) {
            for (size_t i = 0; i < 32; i++)
                cr_assert_eq(((unsigned char *)out[k])[i], (unsigned char)k);
            sim_pool_give(&p, out[k]);
            held[k] = false;
        } else {
            out[k] = sim_pool_take(&p);
            cr_assert_eq((uintptr_t)out[k] % 16, 0);
            for (size_t j = 0; j < N; j++)
                cr_assert(!held[j] || out[j] != out[k], "block %p twice",
                          out[k]);
            memset(out[k], (int)k, 32);
            held[k] = true;
        }
    }
    for (size_t k = 0; k < N; k++)
        if (held[k])
            sim_pool_give(&p, out[k]);
    sim_pool_destroy(&p);
}

Test(sim_pool, blocks_are_carved_in_turn_and_chunks_hold_them_apart)
{
    struct sim_pool p;
    sim_pool_init(&p, 16, 2);
    void *a = sim_pool_take(&p), *b = sim_pool_take(&p), *c = sim_pool_take(&p);
    cr_assert_eq((char *)b, (char *)a + 16, "the second block of a chunk");
    cr_assert_neq(c, a);
    cr_assert_neq(c, b);
    cr_assert_eq(p.carve_left, 1);
    memset(a, 'a', 16);
    memset(b, 'b', 16);
    memset(c, 'c', 16);
    cr_assert_eq(((char *)a)[15], 'a');
    cr_assert_eq(((char *)b)[15], 'b');
    sim_pool_give(&p, a);
    sim_pool_give(&p, b);
    sim_pool_give(&p, c);
    cr_assert_eq(p.n_kept, 3);
    cr_assert_eq(sim_pool_take(&p), c);
    cr_assert_eq(sim_pool_take(&p), b);
    cr_assert_eq(sim_pool_take(&p), a);
    cr_assert_eq(p.n_kept, 0);
    void *d = sim_pool_take(&p); /* the last chunk's second block */
    cr_assert_eq((char *)d, (char *)c + 16);
    sim_pool_destroy(&p); /* frees every block, handed out or not */
    cr_assert_eq(p.n_kept, 0);
    cr_assert_null(p.chunks);
}

/* sim_pool_take_kept() hands out only released blocks, last released
 * first, and carves none: with none kept it answers NULL and leaves the
 * pool as it was, so that the next sim_pool_take() carves what it would
 * have carved. */
Test(sim_pool, taking_a_kept_block_never_carves)
{
    struct sim_pool p;
    sim_pool_init(&p, 64, 8);
    cr_assert_null(sim_pool_take_kept(&p), "no block kept yet");
    cr_assert_eq(p.carve_left, 0);
    cr_assert_null(p.chunks, "a chunk was allocated");
    void *a = sim_pool_take(&p);
    void *b = sim_pool_take(&p);
    size_t left = p.carve_left;
    sim_pool_give(&p, a);
    sim_pool_give(&p, b);
    cr_assert_eq(sim_pool_take_kept(&p), b, "not the last released block");
    cr_assert_eq(sim_pool_take_kept(&p), a);
    cr_assert_eq(p.n_kept, 0);
    cr_assert_null(sim_pool_take_kept(&p));
    cr_assert_eq(p.carve_left, left, "a block was carved");
    cr_assert_eq(sim_pool_take(&p), (char *)b + 64,
                 "the next carve is not the one after the last carved");
    sim_pool_destroy(&p);
}
