/* sim_kv_table.c: the key-value machine's pairs (see sim_kv_table.h).
 *
 * Invariant: len <= held <= cap / 2, len counting the live pairs and held
 * the live and the removed ones; every held pair sits in the probe run
 * that starts at slot key_hash & (cap - 1) and reaches it without crossing
 * an empty slot; order[0..held) holds every held pair once, keys strictly
 * ascending; a pair's value is either inside its block (pair_value_inline)
 * or a buffer it owns, never both.
 */
#include "sim/sim_kv_table.h"
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"
#include "sim/sim_kv_wire.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#define TABLE_CAP_MIN 16

/* Bytes a pair's value gets at least in the pair's block (its NUL
 * included), and a value buffer of its own at least: a later value up to
 * this long needs no allocation. */
#define PAIR_VALUE_ROOM 16

uint64_t sim_kv_key_hash(const char *key, size_t key_len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = sim_hash_mix(key_len);
    size_t n = key_len;
    for (; n >= 8; p += 8, n -= 8)
        h = sim_hash_fold(h, sim_hash_load_le(p, 8));
    if (n > 0)
        h = sim_hash_fold(h, sim_hash_load_le(p, n));
    return sim_hash_mix(h);
}

void sim_kv_table_init(struct sim_kv_table *t)
{
    t->slots = NULL;
    t->cap = 0;
    t->len = 0;
    t->held = 0;
    t->order = NULL;
    t->order_cap = 0;
    t->block = NULL;
    t->block_size = 0;
    t->block_used = 0;
    sim_pool_init(&t->pool, SIM_KV_PAIR_POOLED_BYTES, SIM_KV_PAIR_CHUNK);
}

/* Whether p's value lies in p's own block, after the key. */
static bool pair_value_inline(const struct sim_kv_pair *p)
{
    return p->value == p->key + p->key_len + 1;
}

/* Frees p's own allocations: its value when that outgrew p's block, and
 * p's block when it is an allocation of its own; a pooled block is the
 * caller's (given back to the pool, or freed with it). */
static void pair_free_own(struct sim_kv_pair *p)
{
    if (!pair_value_inline(p))
        g_free(p->value);
    if (p->home == SIM_KV_PAIR_ALONE)
        g_free(p);
}

/* Frees p, a pair of t that is being taken out of it. */
static void pair_free(struct sim_kv_table *t, struct sim_kv_pair *p)
{
    pair_free_own(p);
    if (p->home == SIM_KV_PAIR_POOLED)
        sim_pool_give(&t->pool, p);
}

void sim_kv_table_clear(struct sim_kv_table *t)
{
    for (size_t i = 0; i < t->held; i++)
        pair_free_own(t->order[i]);
    g_free(t->slots);
    g_free(t->order);
    g_free(t->block);
    sim_pool_destroy(&t->pool);
    sim_kv_table_init(t);
}

/* Compares the key_len bytes at key with p's key in strcmp's order (no key
 * holds a NUL, so a proper prefix comes first). */
static int key_cmp(const char *key, size_t key_len, const struct sim_kv_pair *p)
{
    int c = memcmp(key, p->key, key_len < p->key_len ? key_len : p->key_len);
    if (c != 0)
        return c;
    return (key_len > p->key_len) - (key_len < p->key_len);
}

/* a's key against b's, as key_cmp(): by their prefix words unless those
 * are equal. */
static int pair_cmp(const struct sim_kv_pair *a, const struct sim_kv_pair *b)
{
    if (a->key_prefix != b->key_prefix)
        return a->key_prefix < b->key_prefix ? -1 : 1;
    return key_cmp(a->key, a->key_len, b);
}

/* The index in order[0..held) of the first pair whose key is not below
 * p's: where p is, or belongs. Keys added in ascending order (a restored
 * snapshot, counters) go last at once. */
static size_t order_find(const struct sim_kv_table *t,
                         const struct sim_kv_pair *p)
{
    size_t lo = 0, hi = t->held;
    if (hi > 0 && pair_cmp(p, t->order[hi - 1]) > 0)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pair_cmp(p, t->order[mid]) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Puts p, whose key t does not hold, at its place in order (t->held does
 * not count it yet). */
static void order_insert(struct sim_kv_table *t, struct sim_kv_pair *p)
{
    if (t->held == t->order_cap) {
        t->order_cap = t->order_cap ? 2 * t->order_cap : TABLE_CAP_MIN;
        t->order = g_renew(struct sim_kv_pair *, t->order, t->order_cap);
    }
    size_t at = order_find(t, p);
    SIM_ASSERT(at == t->held || key_cmp(p->key, p->key_len, t->order[at]) < 0,
               "key '%s' added twice", p->key);
    memmove(t->order + at + 1, t->order + at,
            (t->held - at) * sizeof(*t->order));
    t->order[at] = p;
}

struct sim_kv_pair *sim_kv_table_lookup(const struct sim_kv_table *t,
                                        const char *key,
                                        size_t key_len,
                                        uint64_t hash,
                                        uint64_t prefix)
{
    if (t->cap == 0)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        struct sim_kv_pair *p = t->slots[i];
        if (p == NULL)
            return NULL;
        if (p->key_hash == hash && p->key_prefix == prefix &&
            p->key_len == key_len &&
            (key_len <= 8 || memcmp(p->key + 8, key + 8, key_len - 8) == 0))
            return p;
    }
}

struct sim_kv_pair *sim_kv_table_find(const struct sim_kv_table *t,
                                      const char *key,
                                      size_t key_len,
                                      uint64_t hash)
{
    struct sim_kv_pair *p = sim_kv_table_lookup(
        t, key, key_len, hash, sim_kv_key_prefix(key, key_len));
    return p != NULL && p->live ? p : NULL;
}

/* Puts p into the first empty slot of its probe run. */
static void place(struct sim_kv_pair **slots, size_t cap, struct sim_kv_pair *p)
{
    size_t mask = cap - 1;
    size_t i = p->key_hash & mask;
    while (slots[i] != NULL)
        i = (i + 1) & mask;
    slots[i] = p;
}

/* Rehashes t into cap slots (a power of two above 2 * len). Where a pair
 * sits in the slots is never observable: readers go through find or order. */
static void resize(struct sim_kv_table *t, size_t cap)
{
    /* Cleared by memset(), not calloc(): calloc() clears a fresh block
     * a byte at a time when it cannot tell the block is already zero. */
    struct sim_kv_pair **slots = g_new(struct sim_kv_pair *, cap);
    memset(slots, 0, cap * sizeof(*slots));
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL)
            place(slots, cap, t->slots[i]);
    g_free(t->slots);
    t->slots = slots;
    t->cap = cap;
}

/* Frees the removed pairs and takes them out of the slots and the order
 * (the live pairs keep their order). */
static void drop_removed(struct sim_kv_table *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->held; i++) {
        struct sim_kv_pair *p = t->order[i];
        if (p->live)
            t->order[k++] = p;
        else
            pair_free(t, p);
    }
    t->held = k;
    memset(t->slots, 0, t->cap * sizeof(*t->slots));
    for (size_t i = 0; i < k; i++)
        place(t->slots, t->cap, t->order[i]);
}

/* Makes room in the slots for one more pair: frees the removed pairs
 * first, and doubles the slots unless that leaves a quarter of them free
 * for later adds (so that freeing costs O(1) per add, amortised). */
static void grow(struct sim_kv_table *t)
{
    if (t->held > t->len)
        drop_removed(t);
    if (t->cap == 0 || 4 * (t->held + 1) > t->cap)
        resize(t, t->cap ? 2 * t->cap : TABLE_CAP_MIN);
}

void sim_kv_table_reserve(struct sim_kv_table *t, size_t n)
{
    SIM_ASSERT(n <= SIZE_MAX / 4, "room for %zu pairs asked", n);
    SIM_ASSERT(t->held == t->len, "room reserved beside removed pairs");
    size_t cap = t->cap ? t->cap : TABLE_CAP_MIN;
    while (2 * n > cap)
        cap *= 2;
    if (cap != t->cap)
        resize(t, cap);
    if (n > t->order_cap) {
        t->order_cap = n;
        t->order = g_renew(struct sim_kv_pair *, t->order, t->order_cap);
    }
}

#define PAIR_ALIGN _Alignof(struct sim_kv_pair)

void sim_kv_table_reserve_block(struct sim_kv_table *t,
                                size_t n,
                                size_t bytes)
{
    SIM_ASSERT(t->block == NULL, "a table reserves one block");
    SIM_ASSERT(n <= SIZE_MAX / 4 /
                            (sizeof(struct sim_kv_pair) + 2 + PAIR_VALUE_ROOM +
                             PAIR_ALIGN) &&
                   bytes <= SIZE_MAX / 4,
               "room for %zu pairs of %zu bytes asked", n, bytes);
    /* Each pair: its header, two NULs, a value's least room and under
     * PAIR_ALIGN of padding. */
    t->block_size = n ? n * (sizeof(struct sim_kv_pair) + 2 + PAIR_VALUE_ROOM +
                             PAIR_ALIGN) +
                            bytes
                      : 0;
    t->block_used = 0;
    t->block = t->block_size ? g_malloc(t->block_size) : NULL;
}

/* size bytes for a new pair: carved from the block while it has room,
 * else a block of the pool when it fits one, else allocated alone (its
 * home set). */
static struct sim_kv_pair *pair_alloc(struct sim_kv_table *t, size_t size)
{
    size_t stride = (size + PAIR_ALIGN - 1) / PAIR_ALIGN * PAIR_ALIGN;
    struct sim_kv_pair *p;
    if (t->block != NULL && stride <= t->block_size - t->block_used) {
        p = (struct sim_kv_pair *)(void *)(t->block + t->block_used);
        t->block_used += stride;
        p->home = SIM_KV_PAIR_IN_BLOCK;
    } else if (size <= SIM_KV_PAIR_POOLED_BYTES) {
        p = sim_pool_take(&t->pool);
        p->home = SIM_KV_PAIR_POOLED;
    } else {
        p = g_malloc(size);
        p->home = SIM_KV_PAIR_ALONE;
    }
    return p;
}

/* A new live pair of t for key (hash and prefix: its sim_kv_key_hash()
 * and sim_kv_key_prefix()) with the value_len bytes at value, in its
 * slot, which has room for it, but not yet in order nor counted. */
static inline __attribute__((always_inline)) struct sim_kv_pair *
pair_new(struct sim_kv_table *t,
         const char *key,
         size_t key_len,
         uint64_t hash,
         uint64_t prefix,
         const char *value,
         size_t value_len)
{
    size_t room = value_len + 1 < PAIR_VALUE_ROOM ? PAIR_VALUE_ROOM
                                                  : value_len + 1;
    struct sim_kv_pair *p = pair_alloc(t, sizeof(*p) + key_len + 1 + room);
    p->key_hash = hash;
    p->key_prefix = prefix;
    p->live = true;
    p->term = 0;
    p->key_len = key_len;
    sim_kv_copy((guint8 *)p->key, key, key_len);
    p->key[key_len] = '\0';
    p->value = p->key + key_len + 1;
    p->value_len = value_len;
    p->value_cap = room;
    sim_kv_copy((guint8 *)p->value, value, value_len);
    p->value[value_len] = '\0';
    place(t->slots, t->cap, p);
    return p;
}

/* Out of line: inlined into the machine's apply, a rare branch there, it
 * costs every apply its registers. */
__attribute__((noinline)) struct sim_kv_pair *
sim_kv_table_add(struct sim_kv_table *t,
                 const char *key,
                 size_t key_len,
                 uint64_t hash,
                 const char *value,
                 size_t value_len)
{
    if (2 * (t->held + 1) > t->cap)
        grow(t);
    struct sim_kv_pair *p = pair_new(t, key, key_len, hash,
                                     sim_kv_key_prefix(key, key_len), value,
                                     value_len);
    order_insert(t, p);
    t->held++;
    t->len++;
    return p;
}

struct sim_kv_pair *sim_kv_table_add_last(struct sim_kv_table *t,
                                          const char *key,
                                          size_t key_len,
                                          const char *value,
                                          size_t value_len)
{
    SIM_ASSERT(t->held == t->len, "a key added last beside removed pairs");
    if (2 * (t->held + 1) > t->cap)
        grow(t);
    if (t->held == t->order_cap) {
        t->order_cap = t->order_cap ? 2 * t->order_cap : TABLE_CAP_MIN;
        t->order = g_renew(struct sim_kv_pair *, t->order, t->order_cap);
    }
    struct sim_kv_pair *p =
        pair_new(t, key, key_len, sim_kv_key_hash(key, key_len),
                 sim_kv_key_prefix(key, key_len), value, value_len);
    t->order[t->held++] = p;
    t->len++;
    return p;
}

void sim_kv_table_copy_live(struct sim_kv_table *t,
                            const struct sim_kv_table *src)
{
    SIM_ASSERT(t->held == 0 && t->block == NULL, "a copy into a used table");
    size_t bytes = 0;
    for (size_t i = 0; i < src->held; i++)
        if (src->order[i]->live)
            bytes += src->order[i]->key_len + src->order[i]->value_len;
    sim_kv_table_reserve(t, src->len);
    sim_kv_table_reserve_block(t, src->len, bytes);
    for (size_t i = 0; i < src->held; i++) {
        const struct sim_kv_pair *q = src->order[i];
        if (!q->live)
            continue;
        size_t room = q->value_len + 1 < PAIR_VALUE_ROOM ? PAIR_VALUE_ROOM
                                                         : q->value_len + 1;
        struct sim_kv_pair *p =
            pair_alloc(t, sizeof(*p) + q->key_len + 1 + room);
        p->key_hash = q->key_hash;
        p->key_prefix = q->key_prefix;
        p->term = q->term;
        p->live = true;
        p->key_len = q->key_len;
        sim_kv_copy((guint8 *)p->key, q->key, q->key_len);
        p->key[q->key_len] = '\0';
        p->value = p->key + q->key_len + 1;
        p->value_len = q->value_len;
        p->value_cap = room;
        sim_kv_copy((guint8 *)p->value, q->value, q->value_len);
        p->value[q->value_len] = '\0';
        place(t->slots, t->cap, p);
        t->order[t->held++] = p; /* src's order: ascending keys */
        t->len++;
    }
}

void sim_kv_table_remove(struct sim_kv_table *t, struct sim_kv_pair *p)
{
    SIM_ASSERT(p->live, "key '%s' removed twice", p->key);
    p->live = false;
    t->len--;
}

void sim_kv_table_revive(struct sim_kv_table *t,
                         struct sim_kv_pair *p,
                         const char *value,
                         size_t value_len)
{
    SIM_ASSERT(!p->live, "key '%s' revived while live", p->key);
    sim_kv_pair_set_value(p, value, value_len);
    p->live = true;
    t->len++;
}

void sim_kv_pair_set_value(struct sim_kv_pair *p,
                           const char *value,
                           size_t value_len)
{
    if (value_len + 1 > p->value_cap) {
        if (!pair_value_inline(p))
            g_free(p->value);
        p->value_cap = value_len + 1 < 2 * PAIR_VALUE_ROOM ? 2 * PAIR_VALUE_ROOM
                                                           : value_len + 1;
        p->value = g_malloc(p->value_cap);
    }
    sim_kv_copy((guint8 *)p->value, value, value_len);
    p->value[value_len] = '\0';
    p->value_len = value_len;
}
