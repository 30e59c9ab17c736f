/* sim_safety_table.c: the safety checker's per-index table
 * (sim_safety_table.h).
 *
 * Owns the operations on the table of struct sim_safety: finding and
 * creating slots, Log Matching per (index, term) with the rare further
 * terms kept aside (struct aside), the committed entry of each index (State
 * Machine Safety), the commit staircase and Leader Completeness against it,
 * and trimming below the lowest snapshot point. Each operation touches only
 * the indices it is given (plus the few steps of the staircase), never a
 * whole log. sim_safety.c calls these from the engine's hooks.
 */
#include "sim/check/sim_safety_table.h"
#include "sim/check/sim_quorums.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

_Static_assert(sizeof(struct index_slot) == 48, "a slot is 48 bytes");

void sim_safety_slots_to(struct sim_safety *s, uint64_t index)
{
    uint64_t page = (index >> SLOT_PAGE_SHIFT) - s->slot_first_page;
    while (page >= s->n_slot_pages) {
        if (s->n_slot_pages == s->cap_slot_pages) {
            s->cap_slot_pages = s->cap_slot_pages ? 2 * s->cap_slot_pages : 8;
            s->slot_pages =
                g_renew(struct index_slot *, s->slot_pages, s->cap_slot_pages);
        }
        s->slot_pages[s->n_slot_pages++] =
            g_new(struct index_slot, SLOT_PAGE_SLOTS);
    }
    /* The slots past slot_end were never written (a page is not cleared
     * when allocated, nor a slot when its index is trimmed), and slot_end
     * is at least base. One slot at a time: most calls create one. */
    for (uint64_t i = s->slot_end; i <= index; i++) {
        s->slot_pages[(i >> SLOT_PAGE_SHIFT) - s->slot_first_page]
                     [i & (SLOT_PAGE_SLOTS - 1)] = (struct index_slot){0};
    }
    s->slot_end = index + 1;
}

void sim_safety_settled_entry(struct sim_safety *s,
                              const struct safety_node *n,
                              uint64_t index,
                              uint64_t *term,
                              uint64_t *chain)
{
    const struct sim_chain_log *l = &n->log;
    SIM_ASSERT(index > l->snap.index && index <= l->settled,
               "index %" PRIu64 " is not settled", index);
    *term = sim_chain_term_at(l, index);
    *chain = 0;
    if (index >= l->trusted_from) {
        const struct index_slot *slot = sim_safety_slot_find(s, index);
        SIM_ASSERT(slot != NULL && (slot->flags & SLOT_COMMITTED),
                   "settled index %" PRIu64 " has no committed chain", index);
        *chain = sim_safety_committed(s, slot, index).chain;
    }
}

/* Releases the first n pages of slots and renumbers the rest. */
static void drop_slot_pages(struct sim_safety *s, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        g_free(s->slot_pages[k]);
    }
    if (n < s->n_slot_pages) /* memmove() wants a valid pointer even for 0 bytes */
        memmove(s->slot_pages, s->slot_pages + n,
                (s->n_slot_pages - n) * sizeof(*s->slot_pages));
    s->n_slot_pages -= n;
    s->slot_first_page += n;
}

void sim_safety_slots_free(struct sim_safety *s)
{
    drop_slot_pages(s, s->n_slot_pages);
    g_free(s->slot_pages);
    s->slot_pages = NULL;
    s->cap_slot_pages = 0;
}

/* The place of a new entry kept aside for slot at index: a free one, or
 * one more; linked first among the slot's. */
static struct aside *aside_add(struct sim_safety *s,
                               struct index_slot *slot,
                               uint64_t index)
{
    uint32_t k = s->aside_free;
    if (k != 0) {
        s->aside_free = s->aside[k - 1].next;
    } else {
        if (s->n_aside == s->cap_aside) {
            SIM_ASSERT(s->cap_aside < UINT32_MAX / 2,
                       "%u entries kept aside", s->n_aside);
            s->cap_aside = s->cap_aside ? 2 * s->cap_aside : 16;
            s->aside = g_renew(struct aside, s->aside, s->cap_aside);
        }
        k = ++s->n_aside;
    }
    struct aside *a = &s->aside[k - 1];
    a->index = index;
    a->next = slot->aside;
    slot->aside = k;
    if (index < s->aside_min_index) {
        s->aside_min_index = index;
    }
    return a;
}

/* The entry of this term among slot's further terms (its first entry is
 * of another term), or NULL; *holder (if not NULL) is the node that held
 * it first. */
struct term_chain *sim_safety_lm_find_extra(struct sim_safety *s,
                                            const struct index_slot *slot,
                                            uint64_t term,
                                            uint32_t *holder)
{
    for (uint32_t k = slot->aside; k != 0; k = s->aside[k - 1].next) {
        struct aside *a = &s->aside[k - 1];
        if (!a->committed && a->tc.term == term) {
            if (holder != NULL) {
                *holder = a->node;
            }
            return &a->tc;
        }
    }
    return NULL;
}

bool sim_safety_lm_violation(struct sim_safety *s,
                             uint32_t node,
                             const struct term_chain *other,
                             uint32_t other_node,
                             uint64_t index)
{
    return sim_safety_violate(
        s, SIM_PROP_LOG_MATCHING, node, other_node, other->term, index,
        "n%u and n%u both hold an entry at index %" PRIu64 " with term %" PRIu64
        ", but their logs differ at or before it.",
        node, other_node, index, other->term);
}

/* Log Matching: the same (index, term) must carry the same chain on every
 * node that ever held it (§5.3: a leader creates at most one entry per index
 * in its term, and AppendEntries' consistency check extends the prefix).
 * digest 0: a snapshot point, whose entry is not known. */
bool sim_safety_lm_register(struct sim_safety *s,
                            uint32_t node,
                            uint64_t index,
                            uint64_t term,
                            uint64_t chain,
                            uint64_t digest)
{
    if (index == 0 || index < s->base) {
        return true;
    }
    struct index_slot *slot = sim_safety_slot_get(s, index);
    struct term_chain mine = {.term = term, .chain = chain, .digest = digest};
    if (!(slot->flags & SLOT_LOG)) {
        slot->flags |= SLOT_LOG;
        slot->lm = mine;
        slot->lm_node = (uint8_t)node;
        return true;
    }
    uint32_t holder = 0;
    struct term_chain *tc = sim_safety_lm_find(s, slot, term, &holder);
    if (tc == NULL) {
        struct aside *a = aside_add(s, slot, index);
        a->tc = mine;
        a->node = (uint8_t)node;
        a->committed = false;
        return true;
    }
    if (tc->chain != chain) {
        return sim_safety_lm_violation(s, node, tc, holder, index);
    }
    if (tc->digest == 0) {
        tc->digest = digest;
    }
    return true;
}

/* The chain some node already gives (index, term), if any. */
bool sim_safety_lm_lookup(struct sim_safety *s,
                          uint64_t index,
                          uint64_t term,
                          uint64_t *chain)
{
    struct index_slot *slot = sim_safety_slot_find(s, index);
    struct term_chain *tc =
        slot != NULL ? sim_safety_lm_find(s, slot, term, NULL) : NULL;
    if (tc == NULL) {
        return false;
    }
    *chain = tc->chain;
    return true;
}

/* Leader Completeness for one leader against the entry committed at index. */
bool sim_safety_check_leader_has(struct sim_safety *s,
                                 uint32_t leader,
                                 uint64_t index)
{
    struct index_slot *slot = sim_safety_slot_find(s, index);
    if (slot == NULL || !(slot->flags & SLOT_COMMITTED)) {
        return true;
    }
    const struct safety_node *n = &s->nodes[leader];
    struct committed c = sim_safety_committed(s, slot, index);
    uint64_t last = sim_chain_last(&n->log);
    if (index > last) {
        return sim_safety_violate(
            s, SIM_PROP_LEADER_COMPLETENESS, leader, slot->c_node, n->term,
            index,
            "Leader n%u of term %" PRIu64 " lacks the entry of term %" PRIu64
            " that n%u committed at index %" PRIu64 " in term %" PRIu64
            ": its log ends at index %" PRIu64 ".",
            leader, n->term, c.term, slot->c_node, index, slot->c_in_term,
            last);
    }
    if (index < n->log.snap.index) {
        return true; /* inside the leader's snapshot */
    }
    uint64_t term = 0;
    uint64_t chain = 0;
    sim_safety_node_entry(s, n, index, &term, &chain);
    bool trusted = index >= n->log.trusted_from;
    if (trusted ? chain != c.chain : term != c.term) {
        return sim_safety_violate(
            s, SIM_PROP_LEADER_COMPLETENESS, leader, slot->c_node, n->term,
            index,
            "Leader n%u of term %" PRIu64 " holds term %" PRIu64
            " at index %" PRIu64
            " where n%u committed the entry of term %" PRIu64
            " in term %" PRIu64 ", or a different log before it.",
            leader, n->term, term, index, slot->c_node, c.term,
            slot->c_in_term);
    }
    return true;
}

/* The staircase position of the last step with commit_term <= term, or -1
 * if none. Scans from the top: new commits come in the newest terms. */
static gint step_at_or_below(const struct sim_safety *s, uint64_t term)
{
    gint i = (gint)s->commit_steps->len - 1;
    while (i >= 0 &&
           g_array_index(s->commit_steps, struct commit_step, i).commit_term >
               term) {
        i--;
    }
    return i;
}

/* The highest index committed in a term <= term (0: none): every leader of
 * term or later must hold it, and with it every index before it. */
uint64_t sim_safety_committed_by_term(const struct sim_safety *s, uint64_t term)
{
    gint i = step_at_or_below(s, term);
    return i < 0 ? 0
                 : g_array_index(s->commit_steps, struct commit_step, i)
                       .max_index;
}

/* Leader Completeness for every current leader after the staircase rose:
 * each holds the highest index committed in its term or earlier (§5.4.1). */
bool sim_safety_check_leaders(struct sim_safety *s)
{
    for (guint i = 0; i < s->leading->len; i++) {
        uint32_t leader = g_array_index(s->leading, uint32_t, i);
        uint64_t index = sim_safety_committed_by_term(s, s->nodes[leader].term);
        if (index > 0 && !sim_safety_check_leader_has(s, leader, index)) {
            return false;
        }
    }
    return true;
}

/* Index was committed in commit_term: raises the staircase there and drops
 * the steps of later terms it now covers. Returns whether it changed. */
static bool staircase_add(struct sim_safety *s,
                          uint64_t commit_term,
                          uint64_t index)
{
    gint i = step_at_or_below(s, commit_term);
    GArray *st = s->commit_steps;
    if (i >= 0) {
        struct commit_step *at = &g_array_index(st, struct commit_step, i);
        if (at->max_index >= index) {
            return false;
        }
        if (at->commit_term == commit_term) {
            at->max_index = index;
        } else {
            struct commit_step add = {commit_term, index};
            g_array_insert_val(st, (guint)++i, add);
        }
    } else {
        struct commit_step add = {commit_term, index};
        g_array_insert_val(st, 0, add);
        i = 0;
    }
    guint next = (guint)i + 1;
    guint covered = 0;
    while (next + covered < st->len &&
           g_array_index(st, struct commit_step, next + covered).max_index <=
               index) {
        covered++;
    }
    if (covered > 0) {
        g_array_remove_range(st, next, covered);
    }
    return true;
}

/* Keeps the committed entry of index aside from its slot. */
static void committed_apart_add(struct sim_safety *s,
                                struct index_slot *slot,
                                uint64_t index,
                                uint64_t term,
                                uint64_t chain)
{
    struct aside *a = aside_add(s, slot, index);
    a->tc = (struct term_chain){.term = term, .chain = chain};
    a->node = 0;
    a->committed = true;
}

struct committed sim_safety_committed_apart(const struct sim_safety *s,
                                            const struct index_slot *slot,
                                            uint64_t index)
{
    for (uint32_t k = slot->aside; k != 0; k = s->aside[k - 1].next) {
        const struct aside *a = &s->aside[k - 1];
        if (a->committed) {
            return (struct committed){a->tc.term, a->tc.chain};
        }
    }
    SIM_ASSERT(false, "index %" PRIu64 " has no committed entry", index);
    return (struct committed){0, 0};
}

/* Whether the entry committed at index (kept apart) has this chain
 * (trusted) or this term. */
static bool committed_apart_is(const struct sim_safety *s,
                               const struct index_slot *slot,
                               uint64_t index,
                               bool trusted,
                               uint64_t term,
                               uint64_t chain)
{
    struct committed c = sim_safety_committed_apart(s, slot, index);
    return trusted ? c.chain == chain : c.term == term;
}

/* State Machine Safety: node committed term at index where another entry
 * is committed. */
static bool two_commits(struct sim_safety *s,
                        const struct index_slot *slot,
                        uint32_t node,
                        uint64_t index,
                        uint64_t term)
{
    return sim_safety_violate(s, SIM_PROP_STATE_MACHINE_SAFETY, node,
                              slot->c_node, term, index,
                              "n%u committed term %" PRIu64 " at index %" PRIu64
                              " where n%u committed term %" PRIu64
                              ", or their logs differ before it.",
                              node, term, index, slot->c_node,
                              sim_safety_committed(s, slot, index).term);
}

/* Records that node holds (term, chain) committed at index, its commit
 * index covering it in commit_term (the node's current term). Two different
 * committed entries at one index break State Machine Safety: at least one
 * node would apply the wrong one. The entry counts as committed in the
 * earliest such term reported by any node (§5.4.1: the term of the leader
 * that committed it). If the chain is only a placeholder (!trusted), just
 * the term is compared and nothing recorded. *raised tells whether the
 * staircase changed. */
bool sim_safety_record_commit_of(struct sim_safety *s,
                                 uint32_t node,
                                 uint64_t index,
                                 uint64_t term,
                                 uint64_t chain,
                                 bool trusted,
                                 uint64_t commit_term,
                                 bool *raised)
{
    if (index == 0 || index < s->base) {
        return true;
    }
    struct index_slot *slot = trusted ? sim_safety_slot_get(s, index)
                                      : sim_safety_slot_find(s, index);
    if (slot == NULL) {
        return true;
    }
    if (slot->flags & SLOT_COMMITTED) {
        bool same =
            (slot->flags & SLOT_C_FIRST)
                ? (trusted ? slot->lm.chain == chain : slot->lm.term == term)
                : committed_apart_is(s, slot, index, trusted, term, chain);
        if (!same) {
            return two_commits(s, slot, node, index, term);
        }
        if (commit_term < slot->c_in_term) {
            slot->c_in_term = commit_term;
            slot->c_node = (uint8_t)node;
            *raised |= staircase_add(s, commit_term, index);
        }
        return true;
    }
    if (!trusted) {
        return true;
    }
    slot->flags |= SLOT_COMMITTED;
    if ((slot->flags & SLOT_LOG) && slot->lm.term == term &&
        slot->lm.chain == chain) {
        slot->flags |= SLOT_C_FIRST; /* lm never changes its term or chain */
    } else {
        committed_apart_add(s, slot, index, term, chain);
    }
    slot->c_in_term = commit_term;
    slot->c_node = (uint8_t)node;
    *raised |= staircase_add(s, commit_term, index);
    return true;
}

bool sim_safety_record_commit(struct sim_safety *s,
                              uint32_t node,
                              uint64_t index,
                              uint64_t term,
                              uint64_t chain,
                              uint64_t commit_term)
{
    bool raised = false;
    return sim_safety_record_commit_of(s, node, index, term, chain, true,
                                       commit_term, &raised) &&
           (!raised || sim_safety_check_leaders(s));
}

/* ---- trimming ---- */

/* Frees the places of the entries kept aside for indices below point
 * (their slots are forgotten) and finds the lowest index still kept. */
static void aside_trim(struct sim_safety *s, uint64_t point)
{
    uint64_t min = UINT64_MAX;
    for (uint32_t k = 1; k <= s->n_aside; k++) {
        struct aside *a = &s->aside[k - 1];
        if (a->index == 0) {
            continue;
        }
        if (a->index < point) {
            a->index = 0;
            a->next = s->aside_free;
            s->aside_free = k;
        } else if (a->index < min) {
            min = a->index;
        }
    }
    s->aside_min_index = min;
}

/* Forgets every index below the lowest snapshot point any node holds: every
 * index below it is committed and compacted away everywhere. */
void sim_safety_trim(struct sim_safety *s)
{
    uint64_t point = UINT64_MAX;
    for (uint32_t i = 1; i <= s->n_nodes; i++) {
        const struct safety_node *n = &s->nodes[i];
        point = MIN(point, n->log.snap.index);
    }
    if (point == UINT64_MAX || point <= s->base) {
        return;
    }
    s->base = point;
    if (s->slot_end < point) {
        s->slot_end = point;
    }
    /* Pages whose last index is below the trim point hold only forgotten
     * slots. */
    uint64_t keep_from = point >> SLOT_PAGE_SHIFT;
    if (keep_from > s->slot_first_page) {
        uint64_t n = keep_from - s->slot_first_page;
        drop_slot_pages(s, n < s->n_slot_pages ? (size_t)n : s->n_slot_pages);
        s->slot_first_page = keep_from;
    }
    sim_quorums_trim(s->quorums, point);
    if (s->aside_min_index < point) {
        aside_trim(s, point);
    }
    guint old_steps = 0;
    while (old_steps + 1 < s->commit_steps->len &&
           g_array_index(s->commit_steps, struct commit_step, old_steps)
                   .max_index < point) {
        old_steps++;
    }
    if (old_steps > 0) {
        g_array_remove_range(s->commit_steps, 0, old_steps);
    }
}
