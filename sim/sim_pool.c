/* sim_pool.c: a free list of equal-sized blocks carved from chunks
 * (sim_pool.h). */
#include "sim/sim_pool.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "raft/raft.h"
#include "sim/sim_assert.h"
#include "sim/sim_sanitizer.h"

/* A chunk's header: the link to the previous chunk, padded so that the
 * blocks after it keep malloc's 16-byte alignment. */
#define CHUNK_HEAD 16

void sim_pool_init(struct sim_pool *p, size_t block_bytes, size_t chunk_blocks)
{
    SIM_ASSERT(block_bytes >= CHUNK_HEAD && block_bytes % 16 == 0 &&
                   chunk_blocks >= 1 &&
                   chunk_blocks <= (SIZE_MAX - CHUNK_HEAD) / block_bytes,
               "pool blocks of %zu bytes, %zu to a chunk", block_bytes,
               chunk_blocks);
    memset(p, 0, sizeof(*p));
    p->block_bytes = block_bytes;
    p->chunk_blocks = chunk_blocks;
}

void *sim_pool_carve_chunk(struct sim_pool *p)
{
    char *chunk = g_malloc(CHUNK_HEAD + p->chunk_blocks * p->block_bytes);
    *(void **)(void *)chunk = p->chunks;
    p->chunks = chunk;
    char *block = chunk + CHUNK_HEAD;
    p->carve = block + p->block_bytes;
    p->carve_left = p->chunk_blocks - 1;
    return block;
}

void sim_pool_destroy(struct sim_pool *p)
{
    while (p->chunks) {
        void *next = *(void **)p->chunks;
        g_free(p->chunks);
        p->chunks = next;
    }
    p->kept = NULL;
    p->n_kept = 0;
    p->carve = NULL;
    p->carve_left = 0;
}

struct raft_record_pool *sim_record_pool_new(void)
{
    if (SIM_UNDER_ASAN)
        return NULL;
    struct raft_record_pool *pool = raft_record_pool_new();
    SIM_ASSERT(pool != NULL, "out of memory for the record pool");
    return pool;
}
