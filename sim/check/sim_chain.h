/* sim_chain.h: one node's log mirrored as a chain of prefix digests, for
 * the safety checkers (sim_safety.c).
 *
 * Invariant: the link of index i holds the entry's term and chain(i) =
 * sim_chain_next(chain(i - 1), i, term(i), digest of entry i), anchored at
 * the node's snapshot point, so two logs agree up to i exactly when their
 * chains agree at i. Chains below trusted_from are placeholders (see
 * struct sim_chain_log). Chains are kept in fixed pages and terms as runs
 * (one per change of term along the log), so the log costs 8 bytes per
 * entry; every operation is O(1) amortised but a term look-up below the
 * newest run (a binary search over the runs). Compaction releases the
 * pages and runs it empties. Digests are built from
 * sim_hash.h over explicit little-endian words, so they are the same on
 * every platform. Defined inline: they sit on the per-entry hot path.
 */
#ifndef SIM_CHAIN_H
#define SIM_CHAIN_H

#include <assert.h>
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

/* Entry digests remembered by the record they were taken from: an entry
 * is digested when each node writes it and again when each node applies
 * it, ten times per entry in a five-node cluster, and all ten see one
 * shared record (raft.h). A record's type, length and bytes never change
 * (raft_record.c), and the memo holds a reference to every record it
 * names, so no other record can take its address while it is named here:
 * an entry that shows the same record, with its data pointing at the
 * record's bytes and its type and length the record's, has exactly the
 * bytes digested before. Slots are chosen by log index (never by
 * address); an entry without a record, or one that does not describe its
 * record, is digested afresh. */
#define SIM_DIGEST_MEMO_SLOTS 256u

/* One chain step remembered: sim_chain_next() of these words. */
struct sim_chain_step
{
    uint64_t index, prev, term, digest, chain; /* index 0: none */
};

struct sim_digest_memo
{
    const struct raft_record *rec[SIM_DIGEST_MEMO_SLOTS]; /* held, or NULL */
    uint64_t digest[SIM_DIGEST_MEMO_SLOTS];
    struct sim_chain_step step[SIM_DIGEST_MEMO_SLOTS];
};

/* Remembers e's digest in the slot of index (out of line: the miss). */
uint64_t sim_digest_memo_fill(struct sim_digest_memo *m,
                              uint64_t index,
                              const struct raft_entry *e);

/* The digest of e, the entry at log index: sim_chain_entry_digest(e). */
static inline uint64_t sim_digest_memo_get(struct sim_digest_memo *m,
                                           uint64_t index,
                                           const struct raft_entry *e)
{
    size_t k = index & (SIM_DIGEST_MEMO_SLOTS - 1);
    const struct raft_record *r = e->record;
    if (r != NULL && m->rec[k] == r && e->data == (const void *)r->data &&
        e->len == r->len && (uint32_t)e->type == r->type) {
        return m->digest[k];
    }
    return sim_digest_memo_fill(m, index, e);
}

/* sim_chain_next(prev, index, term, digest), remembered in the slot of
 * index: the chain is a function of these four words alone, so a node
 * that writes the entry after another node with the same chain before it
 * gets the remembered chain without computing it again. */
static inline uint64_t sim_digest_memo_chain(struct sim_digest_memo *m,
                                             uint64_t prev,
                                             uint64_t index,
                                             uint64_t term,
                                             uint64_t digest)
{
    struct sim_chain_step *c = &m->step[index & (SIM_DIGEST_MEMO_SLOTS - 1)];
    if (c->index != index || c->prev != prev || c->term != term ||
        c->digest != digest) {
        *c = (struct sim_chain_step){
            .index = index,
            .prev = prev,
            .term = term,
            .digest = digest,
            .chain = sim_chain_next(prev, index, term, digest),
        };
    }
    return c->chain;
}

/* Releases the records the memo holds; it is left empty. */
void sim_digest_memo_clear(struct sim_digest_memo *m);

/* A snapshot point: the index and term it covers and the chain there. */
struct sim_chain_anchor
{
    uint64_t index;
    uint64_t term;
    uint64_t chain;
    bool trusted; /* false: the chain is unknown (see trusted_from) */
};

/* Chains live in pages of SIM_CHAIN_PAGE_LINKS, page p holding the indices
 * p * SIM_CHAIN_PAGE_LINKS .. (p + 1) * SIM_CHAIN_PAGE_LINKS - 1: a page
 * never moves or grows, so a long log costs its chains plus at most one
 * partly used page at each end, and appending never copies the log. */
#define SIM_CHAIN_PAGE_SHIFT 11u
#define SIM_CHAIN_PAGE_LINKS (1u << SIM_CHAIN_PAGE_SHIFT)

/* The terms along a log as runs: from `first` on (until the next run) every
 * entry has `term`. A log's terms seldom change (a few runs per leader
 * change), so this costs far less than a term per entry; a log whose term
 * changes at every entry (a broken core) still gets one run per entry. */
struct sim_chain_run
{
    uint64_t first;
    uint64_t term;
};

struct sim_chain_log
{
    struct sim_chain_anchor
        snap;      /* entries up to snap.index are compacted away */
    uint64_t last; /* the last index held (snap.index when none) */
    /* Entries in (snap.index, settled] keep only their terms here: their
     * chains were recorded by the owner (sim_safety: the chain committed at
     * the index, which they were found equal to) and are asked of it. The
     * pages hold the chains of (settled, last]. */
    uint64_t settled;
    /* Entries in (snap.index, verified] were found to hold those chains
     * (settled <= verified <= last); the owner settles them a page at a
     * time, when that releases one. */
    uint64_t verified;
    uint64_t **pages;    /* pages[p - first_page]: owned, see above */
    size_t n_pages;      /* pages allocated from pages[0]; those past `last`
                            are kept for the entries that replace them */
    size_t cap_pages;    /* page pointers allocated */
    uint64_t first_page; /* the page number of pages[0] */
    struct sim_chain_run *runs; /* runs[run_start..n_runs): ascending first */
    size_t run_start;           /* runs dropped from the front */
    size_t n_runs;
    size_t cap_runs;
    /* Chains at indices from here on are real; below it they are
     * placeholders, left by a restart from a snapshot point whose chain
     * nothing remembered, until an entry's chain can be adopted from the
     * cluster's records. UINT64_MAX: no real chain yet. */
    uint64_t trusted_from;
};

static inline uint64_t sim_chain_last(const struct sim_chain_log *l)
{
    return l->last;
}

/* The term of the entry at index (snap.index < index <= last): the last run
 * that starts at or before it. */
static inline uint64_t sim_chain_term_at(const struct sim_chain_log *l,
                                         uint64_t index)
{
    size_t hi = l->n_runs - 1;
    if (l->runs[hi].first <= index) {
        return l->runs[hi].term; /* the common case: the newest run */
    }
    size_t lo = l->run_start; /* runs[lo].first <= index < runs[hi].first */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->runs[mid].first <= index) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return l->runs[lo].term;
}

/* The chain stored at index (settled < index <= last; settled is at
 * least the snapshot point), whether or not it is trusted. */
static inline uint64_t sim_chain_stored(const struct sim_chain_log *l,
                                        uint64_t index)
{
    assert(index > l->settled && index <= l->last);
    return l->pages[(index >> SIM_CHAIN_PAGE_SHIFT) - l->first_page]
                   [index & (SIM_CHAIN_PAGE_LINKS - 1)];
}

/* The term and chain at index (the snapshot point, or settled < index <=
 * last), whether or not the chain is trusted. The snapshot point is
 * answered from the anchor. */
static inline void sim_chain_raw(const struct sim_chain_log *l,
                                 uint64_t index,
                                 uint64_t *term,
                                 uint64_t *chain)
{
    assert(index == l->snap.index || (index > l->settled && index <= l->last));
    if (index == l->snap.index) {
        *term = l->snap.term;
        *chain = l->snap.chain;
        return;
    }
    *term = sim_chain_term_at(l, index);
    *chain = sim_chain_stored(l, index);
}

void sim_chain_unsettle(struct sim_chain_log *l, uint64_t last);

/* Keeps entries up to last (at least the snapshot point). Pages past it
 * stay allocated for the entries that replace them; truncating settled
 * entries (a core that drops committed entries) leaves none stored. */
static inline void sim_chain_truncate(struct sim_chain_log *l, uint64_t last)
{
    if (last < l->snap.index) {
        last = l->snap.index;
    }
    if (last < l->settled) {
        sim_chain_unsettle(l, last);
    }
    if (last < l->verified) {
        l->verified = last;
    }
    if (last < l->last) {
        l->last = last;
        while (l->n_runs > l->run_start &&
               l->runs[l->n_runs - 1].first > last) {
            l->n_runs--;
        }
    }
    if (last < l->trusted_from) {
        l->trusted_from = UINT64_MAX;
    }
}

/* Out of line (sim_chain.c): the rare growth of the page directory and of
 * the runs, compaction, reset and release. */
void sim_chain_add_page(struct sim_chain_log *l);
void sim_chain_add_run(struct sim_chain_log *l, uint64_t first, uint64_t term);

/* Appends the entry at last + 1 with its term and chain. */
static inline void sim_chain_push(struct sim_chain_log *l,
                                  uint64_t term,
                                  uint64_t chain)
{
    uint64_t i = l->last + 1;
    uint64_t page = (i >> SIM_CHAIN_PAGE_SHIFT) - l->first_page;
    if (page >= l->n_pages) {
        sim_chain_add_page(l);
    }
    l->pages[page][i & (SIM_CHAIN_PAGE_LINKS - 1)] = chain;
    if (l->n_runs == l->run_start || l->runs[l->n_runs - 1].term != term) {
        sim_chain_add_run(l, i, term);
    }
    l->last = i;
}

/* The chains of the entries through `through` (settled < through <= last)
 * are the owner's to answer from now on: releases the pages that held only
 * them. */
void sim_chain_settle(struct sim_chain_log *l, uint64_t through);

/* Drops the entries up to index (snap.index < index <= last), whose term
 * and chain are these, into the snapshot point, releasing the pages and
 * runs that held only them. */
void sim_chain_compact(struct sim_chain_log *l,
                       uint64_t index,
                       uint64_t term,
                       uint64_t chain);

/* The log is now just this snapshot point. */
void sim_chain_reset(struct sim_chain_log *l, struct sim_chain_anchor snap);

/* Releases the pages and runs; the log is left empty at its snapshot. */
void sim_chain_free(struct sim_chain_log *l);

#endif /* SIM_CHAIN_H */
