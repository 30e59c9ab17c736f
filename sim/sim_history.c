/* sim_history.c: the record of client operations.
 *
 * Invariant: op(i)->id == i; ids are handed out in invocation order and an
 * operation is completed at most once. Operations live in fixed pages of
 * OPS_PAGE_OPS that never move, and their texts (key, value, a GET's
 * result) in blocks of text that never move either, so the pointers
 * returned by sim_history_op() stay valid until the history is freed, and
 * an operation costs its 64 bytes and its texts, without an allocation (and
 * its header) of its own or an array that doubles.
 */
#include "sim/sim_history.h"
#include "sim/sim_assert.h"

#include <string.h>

#define OPS_PAGE_SHIFT 9u /* 512 operations of 64 bytes: 32 KiB a page */
#define OPS_PAGE_OPS (1u << OPS_PAGE_SHIFT)
#define TEXT_BLOCK_BYTES 65536u    /* texts are packed into blocks this size */
#define TEXT_OWN_BLOCK_BYTES 4096u /* a longer text gets a block of its own */

struct sim_history
{
    struct sim_op **pages; /* pages[k]: ops k * OPS_PAGE_OPS .., owned */
    size_t n_pages;
    size_t cap_pages;
    size_t len;        /* operations recorded */
    GPtrArray *blocks; /* every block of text, owned (g_free) */
    char *text;        /* the block texts are packed into now */
    size_t text_left;  /* bytes still free at its end */
};

_Static_assert(sizeof(struct sim_op) <= 64, "an operation fits 64 bytes");

const char *sim_kv_op_name(enum sim_kv_op op)
{
    switch (op) {
    case SIM_KV_SET:
        return "set";
    case SIM_KV_DELETE:
        return "delete";
    case SIM_KV_GET:
        return "get";
    }
    return "?";
}

struct sim_history *sim_history_new(void)
{
    struct sim_history *h = g_new0(struct sim_history, 1);
    h->blocks = g_ptr_array_new_with_free_func(g_free);
    return h;
}

void sim_history_free(struct sim_history *h)
{
    if (h == NULL)
        return;
    for (size_t k = 0; k < h->n_pages; k++)
        g_free(h->pages[k]);
    g_free(h->pages);
    g_ptr_array_free(h->blocks, TRUE);
    g_free(h);
}

/* A copy of the size bytes at src (a string with its NUL) that lives as
 * long as the history. */
static char *text_copy(struct sim_history *h, const char *src, size_t size)
{
    if (size > TEXT_OWN_BLOCK_BYTES) {
        char *own = g_memdup2(src, size);
        g_ptr_array_add(h->blocks, own);
        return own;
    }
    if (size > h->text_left) {
        h->text = g_malloc(TEXT_BLOCK_BYTES);
        h->text_left = TEXT_BLOCK_BYTES;
        g_ptr_array_add(h->blocks, h->text);
    }
    char *dst = memcpy(h->text, src, size);
    h->text += size;
    h->text_left -= size;
    return dst;
}

/* The slot of the next operation, zeroed, in a new page when needed. */
static struct sim_op *next_op(struct sim_history *h)
{
    size_t page = h->len >> OPS_PAGE_SHIFT;
    if (page == h->n_pages) {
        if (h->n_pages == h->cap_pages) {
            h->cap_pages = h->cap_pages ? 2 * h->cap_pages : 16;
            h->pages = g_renew(struct sim_op *, h->pages, h->cap_pages);
        }
        h->pages[h->n_pages++] = g_new(struct sim_op, OPS_PAGE_OPS);
    }
    struct sim_op *o = &h->pages[page][h->len & (OPS_PAGE_OPS - 1)];
    *o = (struct sim_op){.id = h->len};
    h->len++;
    return o;
}

uint64_t sim_history_invoke_n(struct sim_history *h,
                              uint64_t client,
                              enum sim_kv_op op,
                              const char *key,
                              size_t key_len,
                              const char *value,
                              size_t value_len,
                              uint64_t invoke_us)
{
    struct sim_op *o = next_op(h);
    o->client = client;
    o->op = op;
    o->key = text_copy(h, key, key_len + 1);
    o->value = op == SIM_KV_SET ? text_copy(h, value, value_len + 1) : NULL;
    o->invoke_us = invoke_us;
    return o->id;
}

uint64_t sim_history_invoke(struct sim_history *h,
                            uint64_t client,
                            enum sim_kv_op op,
                            const char *key,
                            const char *value,
                            uint64_t invoke_us)
{
    if (key == NULL)
        key = "";
    if (value == NULL)
        value = "";
    return sim_history_invoke_n(h, client, op, key, strlen(key), value,
                                strlen(value), invoke_us);
}

/* An unknown id or a second completion is ignored: the first answer a
 * client accepted is the one the history keeps. */
void sim_history_complete_n(struct sim_history *h,
                            uint64_t id,
                            uint64_t complete_us,
                            bool found,
                            const char *result,
                            size_t result_len)
{
    if (id >= h->len)
        return;
    struct sim_op *o = &h->pages[id >> OPS_PAGE_SHIFT][id & (OPS_PAGE_OPS - 1)];
    if (o->completed)
        return;
    o->completed = true;
    o->complete_us = complete_us;
    if (o->op == SIM_KV_GET) {
        o->found = found;
        o->result = found ? text_copy(h, result, result_len + 1) : NULL;
    }
}

void sim_history_complete(struct sim_history *h,
                          uint64_t id,
                          uint64_t complete_us,
                          bool found,
                          const char *result)
{
    const char *r = result != NULL ? result : "";
    sim_history_complete_n(h, id, complete_us, found, r, strlen(r));
}

size_t sim_history_len(const struct sim_history *h)
{
    return h->len;
}

const struct sim_op *sim_history_op(const struct sim_history *h, uint64_t id)
{
    if (id >= h->len)
        return NULL;
    return &h->pages[id >> OPS_PAGE_SHIFT][id & (OPS_PAGE_OPS - 1)];
}
