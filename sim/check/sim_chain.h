/* sim_chain.h: one node's log mirrored as a chain of prefix digests, for
 * the safety checkers (sim_safety.c).
 *
 * Invariant: the link of index i holds the entry's term and chain(i) =
 * sim_chain_next(chain(i - 1), i, term(i), digest of entry i), anchored at
 * the node's snapshot point, so two logs agree up to i exactly when their
 * chains agree at i. Chains below trusted_from are placeholders (see
 * struct sim_chain_log). Every operation is O(1) amortised; the array's
 * front is reclaimed as compaction drops it. Digests are built from
 * sim_hash.h over explicit little-endian words, so they are the same on
 * every platform. Defined inline: they sit on the per-entry hot path.
 */
#ifndef SIM_CHAIN_H
#define SIM_CHAIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "raft/raft.h"
#include "sim/sim_hash.h"

/* Digest of one entry's type and bytes (not its term or index): a header
 * word that fixes type and length, then the bytes eight at a time (the last
 * word zero-padded), then the finaliser. Entries of the same type and length
 * get equal digests only if their bytes are equal. */
static inline uint64_t sim_chain_entry_digest(const struct raft_entry *e)
{
    uint64_t h = sim_hash_mix(((uint64_t)e->type << 56) ^ (uint64_t)e->len);
    if (e->len > 0 && e->data != NULL) {
        const unsigned char *p = e->data;
        size_t n = e->len;
        for (; n >= 8; p += 8, n -= 8) {
            h = sim_hash_fold(h, sim_hash_load_le(p, 8));
        }
        if (n > 0) {
            h = sim_hash_fold(h, sim_hash_load_le(p, n));
        }
    }
    return sim_hash_mix(h);
}

/* The chain through an entry: for a fixed entry a bijection of the chain
 * before it (sim_hash_mix is one), so different prefixes never meet at the same
 * entry. */
static inline uint64_t sim_chain_next(uint64_t prev,
                                      uint64_t index,
                                      uint64_t term,
                                      uint64_t digest)
{
    uint64_t h = sim_hash_mix(prev ^ index);
    h = sim_hash_mix(h ^ term ^ UINT64_C(0x5bd1e9955bd1e995));
    return sim_hash_mix(h ^ digest);
}

/* The chain value given to a snapshot point that nothing else anchors. */
static inline uint64_t sim_chain_seed(uint64_t index, uint64_t term)
{
    return sim_hash_mix(sim_hash_mix(index ^ UINT64_C(0x243f6a8885a308d3)) ^
                        term);
}

struct sim_chain_link
{
    uint64_t term;
    uint64_t chain; /* prefix digest through this entry */
};

/* A snapshot point: the index and term it covers and the chain there. */
struct sim_chain_anchor
{
    uint64_t index;
    uint64_t term;
    uint64_t chain;
    bool trusted; /* false: the chain is unknown (see trusted_from) */
};

struct sim_chain_log
{
    struct sim_chain_anchor
        snap; /* entries up to snap.index are compacted away */
    struct sim_chain_link *links; /* index i at start + i - snap - 1 */
    size_t len;                   /* links in use, from links[0] */
    size_t cap;                   /* links allocated */
    size_t start; /* links dropped from the front, not reclaimed */
    /* Chains at indices from here on are real; below it they are
     * placeholders, left by a restart from a snapshot point whose chain
     * nothing remembered, until an entry's chain can be adopted from the
     * cluster's records. UINT64_MAX: no real chain yet. */
    uint64_t trusted_from;
};

static inline uint64_t sim_chain_last(const struct sim_chain_log *l)
{
    return l->snap.index + (l->len - l->start);
}

/* The term and chain at index (snap.index <= index <= last), whether or not
 * the chain is trusted. The snapshot point is answered from the anchor. */
static inline void sim_chain_raw(const struct sim_chain_log *l,
                                 uint64_t index,
                                 uint64_t *term,
                                 uint64_t *chain)
{
    if (index == l->snap.index) {
        *term = l->snap.term;
        *chain = l->snap.chain;
        return;
    }
    const struct sim_chain_link *k =
        &l->links[l->start + (index - l->snap.index - 1)];
    *term = k->term;
    *chain = k->chain;
}

/* Keeps entries up to last (at least the snapshot point). */
static inline void sim_chain_truncate(struct sim_chain_log *l, uint64_t last)
{
    if (last < l->snap.index) {
        last = l->snap.index;
    }
    if (last < sim_chain_last(l)) {
        l->len = l->start + (size_t)(last - l->snap.index);
    }
    if (last < l->trusted_from) {
        l->trusted_from = UINT64_MAX;
    }
}

static inline void sim_chain_push(struct sim_chain_log *l,
                                  uint64_t term,
                                  uint64_t chain)
{
    if (l->len == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->links = g_renew(struct sim_chain_link, l->links, l->cap);
    }
    l->links[l->len++] = (struct sim_chain_link){.term = term, .chain = chain};
}

/* Drops the entries up to index (snap.index < index <= last) into the
 * snapshot point; the front is reclaimed once it is half the array. */
static inline void sim_chain_compact(struct sim_chain_log *l, uint64_t index)
{
    uint64_t term = 0;
    uint64_t chain = 0;
    sim_chain_raw(l, index, &term, &chain);
    bool trusted = index >= l->trusted_from;
    l->start += (size_t)(index - l->snap.index);
    l->snap = (struct sim_chain_anchor){
        .index = index, .term = term, .chain = chain, .trusted = trusted};
    if (trusted) {
        l->trusted_from = index;
    }
    if (l->start > 64 && l->start * 2 > l->len) {
        memmove(l->links, l->links + l->start,
                (l->len - l->start) * sizeof(*l->links));
        l->len -= l->start;
        l->start = 0;
    }
}

static inline void sim_chain_reset(struct sim_chain_log *l,
                                   struct sim_chain_anchor snap)
{
    l->len = 0;
    l->start = 0;
    l->snap = snap;
    l->trusted_from = snap.trusted ? snap.index : UINT64_MAX;
}

#endif /* SIM_CHAIN_H */
