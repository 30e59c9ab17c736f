/* sim_kv_table.h: the key-value machine's pairs, an open-addressing table.
 *
 * Owns its pairs: each pair is one block holding its key and its first
 * value (both NUL-ended, after the header): carved from a restore's block,
 * a block of the table's pool, or an allocation of its own when it is too
 * long for a pooled block; a later set reuses the
 * value's room when the new value fits, and only a longer value moves to a
 * buffer of its own (pair_value_inline() tells which). A pair caches its key's hash and the
 * digest term of (key, value) that sim_kv keeps, so replacing or deleting a
 * pair never rehashes the old bytes. Lookup is linear probing over a
 * power-of-two array of pair pointers kept at most half full; deletion
 * shifts the probe run back (no tombstones), so a key is always found
 * before the first empty slot. Besides the slots, `order` holds the same
 * pairs in ascending key order (strcmp's), kept on every add and remove,
 * so a caller that needs an order independent of hashing (sim_kv's
 * snapshots) reads it without sorting.
 *
 * A removed pair stays in the slots and the order, marked not live, with
 * its block and its value's room, so that setting its key again revives it
 * without an allocation, a probe for a free slot or an order update (a
 * workload's few keys are set and deleted over and over). Readers skip
 * such pairs: find() and lookup() tell them apart, and whoever walks
 * `order` checks `live`. Removed pairs are freed when the slots would
 * otherwise grow (so they take at most the room live pairs would), and
 * with the table.
 */
#ifndef SIM_KV_TABLE_H
#define SIM_KV_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_pool.h"

#include <glib.h>
#include <string.h>

/* Where a pair's block lies (struct sim_kv_pair's `home`). */
enum sim_kv_pair_home
{
    SIM_KV_PAIR_POOLED,   /* a block of the table's pool */
    SIM_KV_PAIR_IN_BLOCK, /* carved from the table's `block` */
    SIM_KV_PAIR_ALONE,    /* an allocation of its own */
};

/* A pair of at most this many bytes (header, key, NUL and its value's
 * room) not carved from a restore's block takes a block of the table's
 * pool, carved SIM_KV_PAIR_CHUNK to a chunk. */
#define SIM_KV_PAIR_POOLED_BYTES 96u
#define SIM_KV_PAIR_CHUNK 32u

struct sim_kv_pair
{
    uint64_t key_hash;  /* sim_kv_key_hash(key, key_len) */
    /* The key's first eight bytes as a big-endian word, zero-padded: two
     * pairs' words compare as their keys do in strcmp's order, unless the
     * words are equal (then the keys decide). */
    uint64_t key_prefix;
    uint64_t term;      /* the owner's digest term of (key, value) */
    size_t key_len;
    size_t value_len;
    size_t value_cap;   /* bytes of `value`, its NUL included */
    char *value;        /* NUL-ended: inside the pair's block, or owned */
    uint8_t home;       /* enum sim_kv_pair_home */
    bool live;          /* false: removed, kept for its key's next set */
    char key[];         /* key_len bytes and a NUL */
};

struct sim_kv_table
{
    struct sim_kv_pair **slots; /* cap entries, NULL: empty */
    size_t cap;                 /* a power of two, or 0 before the first add */
    size_t len;                 /* live pairs */
    size_t held;                /* pairs in slots and order: live or removed */
    /* order[0..held): the pairs by ascending key; order_cap entries. */
    struct sim_kv_pair **order;
    size_t order_cap;
    /* Room for pairs carved in one allocation (owned; NULL: none), made
     * by sim_kv_table_reserve_block(): block_used of block_size bytes
     * taken. Its pairs are released with the block, when t is cleared. */
    char *block;
    size_t block_size, block_used;
    /* Blocks of SIM_KV_PAIR_POOLED_BYTES for the other pairs that fit one
     * (owned; a removed pair's block is reused when it is freed), released
     * with the table. */
    struct sim_pool pool;
};

/* The hash of the key_len bytes at key, read a word at a time. */
uint64_t sim_kv_key_hash(const char *key, size_t key_len);

void sim_kv_table_init(struct sim_kv_table *t);

/* Frees every pair and the slots; t is then empty and reusable. */
void sim_kv_table_clear(struct sim_kv_table *t);

/* The first min(8, key_len) bytes at key as a big-endian word, padded
 * with zeros (a pair's key_prefix). Where two keys' prefix words differ,
 * the first differing byte is either a byte of both keys or the end of
 * the shorter one (a zero against a byte that is not), so the words order
 * the keys as strcmp() does.
 *
 * Read a word or two at a time: eight bytes or more as one big-endian
 * word; 4 to 7 as two big-endian half-words, the second ending at the last
 * byte and shifted to its place (the bytes they share are equal, so the
 * OR keeps them); 1 to 3 as the first, the middle and the last byte (some
 * of them the same byte). Each byte lands where the byte-wise loop would
 * shift it, the rest stay zero. Inline: every command's decoding and
 * every restored pair takes one. */
static inline __attribute__((always_inline)) uint64_t
sim_kv_key_prefix(const char *key, size_t key_len)
{
    const unsigned char *k = (const unsigned char *)key;
    if (key_len >= 8) {
        uint64_t w;
        memcpy(&w, k, sizeof w);
        return GUINT64_FROM_BE(w);
    }
    if (key_len >= 4) {
        uint32_t a, b;
        memcpy(&a, k, sizeof a);
        memcpy(&b, k + key_len - 4, sizeof b);
        return (uint64_t)GUINT32_FROM_BE(a) << 32 |
               (uint64_t)GUINT32_FROM_BE(b) << (8 * (8 - key_len));
    }
    if (key_len == 0)
        return 0;
    size_t mid = key_len / 2, last = key_len - 1;
    return (uint64_t)k[0] << 56 | (uint64_t)k[mid] << (56 - 8 * mid) |
           (uint64_t)k[last] << (56 - 8 * last);
}


/* The pair held for the key_len bytes at key, live or removed, or NULL
 * (hash and prefix: their sim_kv_key_hash and sim_kv_key_prefix). Keys
 * of at most eight bytes are compared by their length and prefix word
 * alone: a key holds no NUL, so equal lengths and words are equal bytes. */
struct sim_kv_pair *sim_kv_table_lookup(const struct sim_kv_table *t,
                                        const char *key,
                                        size_t key_len,
                                        uint64_t hash,
                                        uint64_t prefix);

/* The live pair whose key is the key_len bytes at key (hash: their
 * sim_kv_key_hash), or NULL. */
struct sim_kv_pair *sim_kv_table_find(const struct sim_kv_table *t,
                                      const char *key,
                                      size_t key_len,
                                      uint64_t hash);

/* Adds a live pair for a key that t does not hold (live or removed),
 * with the value_len bytes at value, in one allocation; returns it (its
 * term is 0 for the caller to set). May free removed pairs. */
struct sim_kv_pair *sim_kv_table_add(struct sim_kv_table *t,
                                     const char *key,
                                     size_t key_len,
                                     uint64_t hash,
                                     const char *value,
                                     size_t value_len);

/* sim_kv_table_add() for a key that goes last in t's order, t holding
 * no removed pair: no search of the order (a restored snapshot's keys,
 * whose order the caller checks against the pair added before). */
struct sim_kv_pair *sim_kv_table_add_last(struct sim_kv_table *t,
                                          const char *key,
                                          size_t key_len,
                                          const char *value,
                                          size_t value_len);

/* Makes room for n pairs in all, so that adding up to n - len pairs
 * allocates no slots or order entries (a restored snapshot's count). */
void sim_kv_table_reserve(struct sim_kv_table *t, size_t n);

/* Makes room for n more pairs whose keys and values take at most `bytes`
 * bytes in all in one allocation, from which sim_kv_table_add() carves
 * pairs while they fit (a restored snapshot's pairs); t has no such room
 * yet. */
void sim_kv_table_reserve_block(struct sim_kv_table *t,
                                size_t n,
                                size_t bytes);

/* Makes t, empty, hold a copy of src's live pairs (keys, values, hashes
 * and terms), carved from one block (sim_kv_table_reserve_block()). */
void sim_kv_table_copy_live(struct sim_kv_table *t,
                            const struct sim_kv_table *src);

/* Removes p, a live pair of t: it is kept, not live, for its key's next
 * set (sim_kv_table_revive()) until removed pairs are freed. */
void sim_kv_table_remove(struct sim_kv_table *t, struct sim_kv_pair *p);

/* Makes p, a removed pair of t, live again with the value_len bytes at
 * value (its term is the caller's to set). */
void sim_kv_table_revive(struct sim_kv_table *t,
                         struct sim_kv_pair *p,
                         const char *value,
                         size_t value_len);

/* Replaces p's value with the value_len bytes at value. */
void sim_kv_pair_set_value(struct sim_kv_pair *p,
                           const char *value,
                           size_t value_len);

#endif /* SIM_KV_TABLE_H */
