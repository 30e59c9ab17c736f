/* sim_pool.c: a free list of equal-sized blocks (sim_pool.h). */
#include "sim/sim_pool.h"

#include <glib.h>
#include <string.h>

#include "sim/sim_assert.h"

void sim_pool_init(struct sim_pool *p, size_t block_bytes, size_t max_kept)
{
    SIM_ASSERT(block_bytes >= sizeof(void *), "pool blocks of %zu bytes",
               block_bytes);
    memset(p, 0, sizeof(*p));
    p->block_bytes = block_bytes;
    p->max_kept = max_kept;
}

void sim_pool_destroy(struct sim_pool *p)
{
    while (p->kept) {
        void *next = *(void **)p->kept;
        g_free(p->kept);
        p->kept = next;
    }
    p->n_kept = 0;
}
