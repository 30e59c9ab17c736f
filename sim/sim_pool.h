/* sim_pool.h: a free list of equal-sized heap blocks.
 *
 * Messages between nodes (sim_net.c) and between clients and nodes
 * (sim_client.c) are short-lived and small; each is a block of the pool's
 * size, and a released block is kept (up to max_kept) and handed out again
 * before a new one is allocated, so the steady state allocates nothing.
 * Which block a message gets never affects behaviour: nothing reads an
 * address.
 *
 * Invariant: the kept blocks are distinct, n_kept <= max_kept, and a block
 * is either kept or handed out, never both.
 */
#ifndef SIM_POOL_H
#define SIM_POOL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

struct sim_pool
{
    void *kept; /* released blocks, linked through their first word */
    size_t n_kept;
    size_t block_bytes; /* >= sizeof(void *) */
    size_t max_kept;
};

void sim_pool_init(struct sim_pool *p, size_t block_bytes, size_t max_kept);
/* Frees the kept blocks; blocks handed out stay the caller's. */
void sim_pool_destroy(struct sim_pool *p);

/* A block of block_bytes: the last released one, else a new one. Inline
 * with sim_pool_give(): they run for every message. */
static inline void *sim_pool_take(struct sim_pool *p)
{
    void *block = p->kept;
    if (block == NULL)
        return g_malloc(p->block_bytes);
    p->kept = *(void **)block;
    p->n_kept--;
    return block;
}

/* Releases a block from sim_pool_take(): kept for reuse, or freed once
 * max_kept are kept. */
static inline void sim_pool_give(struct sim_pool *p, void *block)
{
    if (p->n_kept >= p->max_kept) {
        g_free(block);
        return;
    }
    *(void **)block = p->kept;
    p->kept = block;
    p->n_kept++;
}

/* A block of at least size bytes: the pool's when it fits (*pooled set),
 * else one of its own; p may be NULL (never pooled). */
static inline void *sim_pool_alloc(struct sim_pool *p, size_t size,
                                   bool *pooled)
{
    *pooled = p != NULL && size <= p->block_bytes;
    return *pooled ? sim_pool_take(p) : g_malloc(size);
}

/* Releases a block from sim_pool_alloc(), as it said it was pooled. */
static inline void sim_pool_free(struct sim_pool *p, void *block, bool pooled)
{
    if (pooled)
        sim_pool_give(p, block);
    else
        g_free(block);
}

#endif /* SIM_POOL_H */
