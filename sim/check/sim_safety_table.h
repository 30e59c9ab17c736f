/* sim_safety_table.h: the safety checker's state and its per-index table
 * (private to sim_safety*.c).
 *
 * Owns the layout of struct sim_safety: one mirror per node (struct
 * safety_node: role, term, commit index, the log as a chain of prefix
 * digests) and one global table indexed by log index (struct index_slot),
 * trimmed below the lowest snapshot point of any node. sim_safety.c feeds it
 * from the engine's hooks; sim_safety_table.c owns the table's operations:
 * Log Matching per (index, term), the committed entry per index, the commit
 * staircase behind Leader Completeness, and trimming.
 *
 * Invariants: slots hold the indices [base, slot_end), in fixed pages; an
 * index has at most one committed chain; along commit_steps both the commit
 * term and the highest index it covers strictly increase; every violation
 * reported goes through sim_safety_violate(), which keeps the first.
 */
#ifndef SIM_SAFETY_TABLE_H
#define SIM_SAFETY_TABLE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_chain.h"
#include "sim/check/sim_safety.h"

struct sim_rules;
struct sim_quorums;

struct safety_node
{
    enum raft_role role;
    uint64_t term;         /* the latest term reported by on_role */
    uint64_t commit_index; /* volatile: 0 after a crash */
    /* The term and vote sim_rules_on_vote() last accepted from this node
     * since its start (vote_known); false after a crash, as the rules'. */
    bool vote_known;
    uint64_t vote_term;
    uint64_t vote;
    /* sim_quorums_append_pending() for this node, mirrored: set after
     * every leader write, cleared when judged and by a crash, the only
     * moments it changes, so that a step asks the quorums nothing when no
     * configuration append waits. */
    bool append_pending;
    struct sim_chain_log log;
};

/* ---- the global per-index table ---- */

enum slot_flag {
    SLOT_LOG = 1u << 0,       /* lm set */
    SLOT_COMMITTED = 1u << 1, /* c_* set */
    SLOT_STATE = 1u << 2,     /* s_* set */
    SLOT_C_FIRST = 1u << 3,   /* the committed entry is lm itself */
};

/* An entry some node held: its term, the chain through it and the digest
 * of the entry itself (0: unknown, for a snapshot point). Who held it first
 * is kept beside it (index_slot.lm_node, extra_term.node). */
struct term_chain
{
    uint64_t term;
    uint64_t chain;
    uint64_t digest;
};

/* What is known about one log index across the cluster: 48 bytes. Node ids
 * fit a byte (sim_safety_new() refuses more than SIM_SAFETY_MAX_NODES).
 * The committed entry's term and chain are lm's when SLOT_C_FIRST is set
 * (nearly always: the first entry seen at an index is the one committed
 * there); otherwise they are kept aside, as entries of other terms are
 * (struct aside). */
struct index_slot
{
    struct term_chain lm; /* the first entry seen here */
    uint64_t c_in_term;   /* the earliest term in which a node's commit index
                             covered this index: when it was committed */
    uint64_t s_digest;    /* state digest after applying through this index */
    uint8_t lm_node;      /* the node that held lm first */
    uint8_t c_node;       /* the node that committed it in c_in_term */
    uint8_t s_node;       /* the node that reported s_digest first */
    uint8_t flags;        /* enum slot_flag */
    uint32_t aside;       /* the first of this index's entries kept aside:
                             1 + its place in sim_safety.aside; 0: none */
};

/* Slots live in pages of SLOT_PAGE_SLOTS (64 KiB), page p holding the
 * indices p * SLOT_PAGE_SLOTS ..: a page never moves, so the table costs
 * its slots plus at most one partly used page at each end, and growing it
 * never copies it. */
#define SLOT_PAGE_SHIFT 10u
#define SLOT_PAGE_SLOTS (1u << SLOT_PAGE_SHIFT)

/* An entry kept aside from its index's slot (rare): an entry of a further
 * term than lm's (conflicting suffixes), with the node that held it first,
 * or the committed entry of an index whose lm is another entry (or was not
 * yet recorded when it was committed; its digest is unused). A slot links
 * its own, each at most once per term and kind, in no meaningful order;
 * they live in one array (sim_safety.aside) whose free places are linked
 * too, so that keeping one aside allocates nothing most of the time. */
struct aside
{
    struct term_chain tc;
    uint64_t index;     /* the slot's index; 0: a free place */
    uint32_t next;      /* the slot's next, or the next free place: 1 + its
                           place; 0: none */
    uint8_t node;       /* the node that held it first (a further term) */
    uint8_t committed;  /* true: the committed entry; false: a further term */
};

/* One step of the commit staircase: max_index is the highest index whose
 * commit term (index_slot.c_in_term) is at most commit_term. Along the
 * array both fields strictly increase. */
struct commit_step
{
    uint64_t commit_term;
    uint64_t max_index;
};

struct sim_safety
{
    uint32_t n_nodes;
    struct safety_node *nodes; /* [1..n_nodes]; [0] unused */

    /* The slots of the indices [base, slot_end): slot_pages[k] (owned)
     * holds page slot_first_page + k; every page from base's to
     * slot_end - 1's is allocated. A page is not cleared when allocated:
     * each slot is zeroed when slot_end first passes it. */
    struct index_slot **slot_pages;
    size_t n_slot_pages;
    size_t cap_slot_pages;
    uint64_t slot_first_page;
    uint64_t slot_end;        /* one past the highest index created */
    uint64_t base;            /* lowest index still tracked (the trim point) */
    /* The entries kept aside: aside[0..n_aside) (owned) holds those of
     * live slots and the free places, linked from aside_free. */
    struct aside *aside;
    uint32_t n_aside;
    uint32_t cap_aside;
    uint32_t aside_free;      /* 1 + the first free place; 0: none */
    uint64_t aside_min_index; /* lowest index kept aside; UINT64_MAX: none */

    GArray *commit_steps; /* struct commit_step: the staircase */

    GHashTable *leaders; /* uint64 term -> node id (GUINT_TO_POINTER) */
    GArray *leading;     /* uint32: nodes whose current role is leader */

    struct sim_rules *rules;     /* Figure 2's bookkeeping rules */
    struct sim_quorums *quorums; /* configurations (sim_quorums.h) */
    struct sim_digest_memo digests; /* entry digests by record (sim_chain.h) */

    bool violated;
    struct sim_violation violation;
};

/* Records the first violation; always returns false for the caller to pass
 * on. */
bool sim_safety_violate(struct sim_safety *s,
                        enum sim_property p,
                        uint32_t a,
                        uint32_t b,
                        uint64_t term,
                        uint64_t index,
                        const char *fmt,
                        ...) G_GNUC_PRINTF(7, 8);

/* Creates the slots from slot_end through index, zeroed, allocating their
 * pages (out of line: once per slot). */
void sim_safety_slots_to(struct sim_safety *s, uint64_t index);

/* The slot of index, or NULL if it is below the trim point or not yet
 * created. */
static inline struct index_slot *sim_safety_slot_find(struct sim_safety *s,
                                                      uint64_t index)
{
    if (index < s->base || index >= s->slot_end) {
        return NULL;
    }
    return &s->slot_pages[(index >> SLOT_PAGE_SHIFT) - s->slot_first_page]
                         [index & (SLOT_PAGE_SLOTS - 1)];
}

/* The slot of index (>= base), created zeroed together with any before
 * it. */
static inline struct index_slot *sim_safety_slot_get(struct sim_safety *s,
                                                     uint64_t index)
{
    if (index >= s->slot_end) {
        sim_safety_slots_to(s, index);
    }
    return &s->slot_pages[(index >> SLOT_PAGE_SHIFT) - s->slot_first_page]
                         [index & (SLOT_PAGE_SLOTS - 1)];
}

/* Releases every page of slots. */
void sim_safety_slots_free(struct sim_safety *s);

/* The term and chain of the entry committed at index, whose slot has
 * SLOT_COMMITTED. */
struct committed
{
    uint64_t term;
    uint64_t chain;
};
struct committed sim_safety_committed_apart(const struct sim_safety *s,
                                            const struct index_slot *slot,
                                            uint64_t index);
static inline struct committed sim_safety_committed(
    const struct sim_safety *s,
    const struct index_slot *slot,
    uint64_t index)
{
    if (slot->flags & SLOT_C_FIRST) {
        return (struct committed){slot->lm.term, slot->lm.chain};
    }
    return sim_safety_committed_apart(s, slot, index);
}

/* The term and chain of node n's settled entry at index (out of line:
 * rare, see sim_safety_node_entry). */
void sim_safety_settled_entry(struct sim_safety *s,
                              const struct safety_node *n,
                              uint64_t index,
                              uint64_t *term,
                              uint64_t *chain);

/* The term and chain of node n's entry at index (n's snapshot point, or in
 * its log): a settled entry's chain is the one committed at its index
 * (sim_chain.h; it was found equal to it when n's commit index covered it,
 * see sim_safety_on_commit), a placeholder's is 0, as it was pushed. */
static inline void sim_safety_node_entry(struct sim_safety *s,
                                         const struct safety_node *n,
                                         uint64_t index,
                                         uint64_t *term,
                                         uint64_t *chain)
{
    if (index == n->log.snap.index || index > n->log.settled) {
        sim_chain_raw(&n->log, index, term, chain);
    } else {
        sim_safety_settled_entry(s, n, index, term, chain);
    }
}

/* Log Matching (§5.3): the entry of term recorded at index (slot's) or NULL,
 * with the node that held it first in *holder (if not NULL); the violation
 * of node's entry against other's, held first by other_node; registering
 * node's entry (digest 0: a snapshot point); the chain some node already
 * gives (index, term), if any. */
struct term_chain *sim_safety_lm_find_extra(struct sim_safety *s,
                                            const struct index_slot *slot,
                                            uint64_t term,
                                            uint32_t *holder);
static inline struct term_chain *sim_safety_lm_find(struct sim_safety *s,
                                                    struct index_slot *slot,
                                                    uint64_t term,
                                                    uint32_t *holder)
{
    if (!(slot->flags & SLOT_LOG)) {
        return NULL;
    }
    if (slot->lm.term == term) {
        if (holder != NULL) {
            *holder = slot->lm_node;
        }
        return &slot->lm;
    }
    return slot->aside != 0 ? sim_safety_lm_find_extra(s, slot, term, holder)
                            : NULL;
}
bool sim_safety_lm_violation(struct sim_safety *s,
                             uint32_t node,
                             const struct term_chain *other,
                             uint32_t other_node,
                             uint64_t index);
bool sim_safety_lm_register(struct sim_safety *s,
                            uint32_t node,
                            uint64_t index,
                            uint64_t term,
                            uint64_t chain,
                            uint64_t digest);
bool sim_safety_lm_lookup(struct sim_safety *s,
                          uint64_t index,
                          uint64_t term,
                          uint64_t *chain);

/* The highest index committed in a term <= term (0: none): every leader of
 * term or later must hold it, and with it every index before it. */
uint64_t sim_safety_committed_by_term(const struct sim_safety *s,
                                      uint64_t term);

/* Leader Completeness (§5.4.1) for one leader against the entry committed
 * at index, and for every current leader after the staircase rose. */
bool sim_safety_check_leader_has(struct sim_safety *s,
                                 uint32_t leader,
                                 uint64_t index);
bool sim_safety_check_leaders(struct sim_safety *s);

/* State Machine Safety: node holds (term, chain) committed at index, its
 * commit index covering it in commit_term. _of: also for a placeholder
 * chain (!trusted), telling in *raised whether the staircase changed;
 * without _of: trusted, and Leader Completeness rechecked when it rose. */
bool sim_safety_record_commit_of(struct sim_safety *s,
                                 uint32_t node,
                                 uint64_t index,
                                 uint64_t term,
                                 uint64_t chain,
                                 bool trusted,
                                 uint64_t commit_term,
                                 bool *raised);
bool sim_safety_record_commit(struct sim_safety *s,
                              uint32_t node,
                              uint64_t index,
                              uint64_t term,
                              uint64_t chain,
                              uint64_t commit_term);

/* Forgets every index below the lowest snapshot point any node holds. */
void sim_safety_trim(struct sim_safety *s);

#endif
