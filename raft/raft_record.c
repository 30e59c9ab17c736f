/* raft_record.c: shared, reference-counted log entries and the pool that
 * small ones are made in (raft.h).
 *
 * Invariant: a record's term, type, len and bytes never change once
 * raft_record_new() or raft_record_new_in() returned it (the core fills a
 * no-op's term and type before anyone else sees it); refs counts the
 * references held, and the record is freed, or given back to its pool, when
 * it drops to 0.
 *
 * A pool's invariant: every block is either kept (once, on `kept`), a live
 * record whose `pool` is the pool, or among the carve_left blocks at
 * `carve`; the chunks are the pool's and freed with it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

/* A pooled record's block: its header and RAFT_RECORD_POOL_DATA bytes,
 * rounded up to malloc's 16-byte alignment. */
#define BLOCK_BYTES                                                           \
    ((sizeof(struct raft_record) + RAFT_RECORD_POOL_DATA + 15u) / 16u * 16u)
/* Blocks carved from one chunk (about 16 KiB). */
#define CHUNK_BLOCKS 256u
/* A chunk's header: the link to the chunk before it, padded so that the
 * blocks after it keep malloc's alignment. */
#define CHUNK_HEAD 16u

struct raft_record_pool
{
    void *kept;        /* released blocks, linked through their first word */
    char *carve;       /* the next block of the last chunk never handed out */
    size_t carve_left; /* ... and how many follow it, it included */
    void *chunks;      /* owned, linked through their first word */
};

struct raft_record_pool *raft_record_pool_new(void)
{
    return calloc(1, sizeof(struct raft_record_pool));
}

void raft_record_pool_free(struct raft_record_pool *p)
{
    if (p == NULL) {
        return;
    }
    while (p->chunks != NULL) {
        void *next = *(void **)p->chunks;
        free(p->chunks);
        p->chunks = next;
    }
    free(p);
}

/* A block of p: the last one given back, else the next one carved (from a
 * new chunk when the last one is used up); NULL when allocation fails. */
static void *pool_take(struct raft_record_pool *p)
{
    void *block = p->kept;
    if (block != NULL) {
        p->kept = *(void **)block;
        return block;
    }
    if (p->carve_left == 0) {
        char *chunk = malloc(CHUNK_HEAD + CHUNK_BLOCKS * BLOCK_BYTES);
        if (chunk == NULL) {
            return NULL;
        }
        *(void **)(void *)chunk = p->chunks;
        p->chunks = chunk;
        p->carve = chunk + CHUNK_HEAD;
        p->carve_left = CHUNK_BLOCKS;
    }
    block = p->carve;
    p->carve += BLOCK_BYTES;
    p->carve_left--;
    return block;
}

struct raft_record *raft_record_new_in(struct raft_record_pool *pool,
                                       uint64_t term,
                                       enum raft_entry_type type,
                                       const void *data,
                                       size_t len)
{
    struct raft_record *rec;
    if (pool != NULL && len <= RAFT_RECORD_POOL_DATA) {
        rec = pool_take(pool);
    } else {
        if (len > SIZE_MAX - sizeof(struct raft_record)) {
            return NULL;
        }
        pool = NULL;
        rec = malloc(sizeof *rec + len);
    }
    if (rec == NULL) {
        return NULL;
    }
    rec->term = term;
    rec->type = (uint32_t)type;
    rec->refs = 1;
    rec->len = len;
    rec->pool = pool;
    if (len > 0) {
        memcpy(rec->data, data, len);
    }
    return rec;
}

struct raft_record *raft_record_new(uint64_t term,
                                    enum raft_entry_type type,
                                    const void *data,
                                    size_t len)
{
    return raft_record_new_in(NULL, term, type, data, len);
}

void raft_record_hold(const struct raft_record *rec)
{
    /* The count is the one mutable field of a record: records handed
     * around are const to say their entry never changes. */
    struct raft_record *r = (struct raft_record *)rec;
    assert(r->refs > 0 && r->refs < UINT32_MAX);
    r->refs++;
}

void raft_record_release(const struct raft_record *rec)
{
    if (rec == NULL) {
        return;
    }
    struct raft_record *r = (struct raft_record *)rec;
    assert(r->refs > 0);
    if (--r->refs == 0) {
        struct raft_record_pool *p = r->pool;
        if (p != NULL) {
            *(void **)(void *)r = p->kept;
            p->kept = r;
        } else {
            free(r);
        }
    }
}

void raft_set_record_pool(struct raft *r, struct raft_record_pool *pool)
{
    r->record_pool = pool;
}
