/* sim_pool.h: a free list of equal-sized blocks carved from chunks.
 *
 * Messages between nodes (sim_net.c) and between clients and nodes
 * (sim_client.c) are short-lived and small; each is a block of the pool's
 * size. A released block is kept and handed out again before a new one is
 * carved; new blocks are carved from chunks of chunk_blocks blocks, one
 * allocation each, so a run allocates a chunk where it used to allocate a
 * block, and the steady state allocates nothing. The pool holds as many
 * blocks as were ever handed out at once (rounded up to a chunk), as a
 * free list of every released block would. Which block a message gets
 * never affects behaviour: nothing reads an address.
 *
 * Invariant: every block is either kept (once, in `kept`), handed out, or
 * among the carve_left blocks at `carve`; n_kept counts the kept ones; the
 * chunks are owned by the pool and freed with it, together with every
 * block carved from them, handed out or not.
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
    size_t block_bytes;  /* a multiple of 16, >= 16 */
    size_t chunk_blocks; /* blocks carved from one chunk, >= 1 */
    char *carve;         /* the next unused block of the last chunk ... */
    size_t carve_left;   /* ... and how many follow it, it included */
    void *chunks;        /* owned, linked through their first word */
};

/* An empty pool of block_bytes blocks (a multiple of 16), chunk_blocks to
 * a chunk. */
void sim_pool_init(struct sim_pool *p, size_t block_bytes, size_t chunk_blocks);
/* Frees the chunks: every block of p, kept or handed out, is gone. */
void sim_pool_destroy(struct sim_pool *p);

/* A block carved from a new chunk (the last chunk's blocks all carved). */
void *sim_pool_carve_chunk(struct sim_pool *p);

/* The last released block, taken, or NULL when none is kept (nothing
 * changes): sim_pool_take() without its carving, for a caller that
 * carves out of line. */
static inline void *sim_pool_take_kept(struct sim_pool *p)
{
    void *block = p->kept;
    if (block != NULL) {
        p->kept = *(void **)block;
        p->n_kept--;
    }
    return block;
}

/* A block of block_bytes: the last released one, else the next one
 * carved. Inline with sim_pool_give(): they run for every message. */
static inline void *sim_pool_take(struct sim_pool *p)
{
    void *block = sim_pool_take_kept(p);
    if (block != NULL)
        return block;
    if (p->carve_left == 0)
        return sim_pool_carve_chunk(p);
    block = p->carve;
    p->carve += p->block_bytes;
    p->carve_left--;
    return block;
}

/* Releases a block from sim_pool_take(): kept for reuse. */
static inline void sim_pool_give(struct sim_pool *p, void *block)
{
    *(void **)block = p->kept;
    p->kept = block;
    p->n_kept++;
}

/* A block of at least size bytes: the pool's when it fits (*pool set to
 * p), else one of its own (*pool set to NULL); p may be NULL (never
 * pooled). */
static inline void *sim_pool_alloc(struct sim_pool *p, size_t size,
                                   struct sim_pool **pool)
{
    bool pooled = p != NULL && size <= p->block_bytes;
    *pool = pooled ? p : NULL;
    return pooled ? sim_pool_take(p) : g_malloc(size);
}

/* Releases a block from sim_pool_alloc(), given the pool it said (NULL:
 * its own allocation). */
static inline void sim_pool_free(struct sim_pool *pool, void *block)
{
    if (pool != NULL)
        sim_pool_give(pool, block);
    else
        g_free(block);
}

/* A pool of small entry records (raft.h, struct raft_record_pool) for the
 * cores of one simulation to make their proposals' records in (owned by
 * the caller, freed with raft_record_pool_free() once every record taken
 * from it is released). NULL under AddressSanitizer: each record is then
 * an allocation of its own, so that a record used after its last release
 * is still caught. */
struct raft_record_pool *sim_record_pool_new(void);

#endif /* SIM_POOL_H */
