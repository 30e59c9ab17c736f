/* sim_safety.c: incremental checkers of Raft's safety properties.
 *
 * Invariant: every node's log is mirrored as a chain of prefix digests,
 * chain(i) = mix(chain(i - 1), i, term(i), digest of entry i), anchored at the
 * node's snapshot point, so two logs agree up to i exactly when their chains
 * agree at i. One global table indexed by log index keeps, for every index
 * not yet compacted away by every node: the chain first seen for each
 * (index, term) (Log Matching), the chain committed there with the earliest
 * term in which a node's commit index covered it (Leader Completeness, State
 * Machine Safety for every apply, snapshot anchors) and the state digest
 * after applying through it. Commit terms never decrease along the log (a
 * node's commit index covers a prefix), so the highest index committed by
 * each term is a staircase of a few steps. Each hook touches
 * only the entries it is told about, so its cost does not depend on the
 * length of the log or of the run. The table is trimmed below the lowest
 * snapshot point of any node. A node that falls back to an older snapshot
 * below that point (its latest snapshot writes were lost in a crash) keeps
 * placeholder chains until its entry at the trim point adopts the chain the
 * table records there, and is checked from there on.
 *
 * This file owns the checker's lifecycle, the property names and violation
 * records, and the engine's hooks; the table's state and operations are
 * sim_safety_table.h's (private to sim_safety*.c).
 */
#include "sim/check/sim_safety.h"
#include "sim/check/sim_chain.h"
#include "sim/check/sim_persist.h"
#include "sim/check/sim_quorums.h"
#include "sim/check/sim_rules.h"
#include "sim/check/sim_safety_table.h"
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"

#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

const char *sim_property_name(enum sim_property p)
{
    switch (p) {
    case SIM_PROP_ELECTION_SAFETY:
        return "election-safety";
    case SIM_PROP_LEADER_APPEND_ONLY:
        return "leader-append-only";
    case SIM_PROP_LOG_MATCHING:
        return "log-matching";
    case SIM_PROP_LEADER_COMPLETENESS:
        return "leader-completeness";
    case SIM_PROP_STATE_MACHINE_SAFETY:
        return "state-machine-safety";
    case SIM_PROP_COMMIT_MONOTONIC:
        return "commit-monotonic";
    case SIM_PROP_STATE_DIGEST:
        return "state-digest";
    case SIM_PROP_LINEARIZABILITY:
        return "linearizability";
    case SIM_PROP_PERSISTENCE:
        return "persistence";
    case SIM_PROP_SINGLE_VOTE:
        return "single-vote";
    case SIM_PROP_COMMIT_RULE:
        return "commit-rule";
    case SIM_PROP_MATCH_INDEX:
        return "match-index";
    case SIM_PROP_ELECTION_TIMER:
        return "election-timer";
    case SIM_PROP_CHECK_QUORUM:
        return "check-quorum";
    case SIM_PROP_TERM_ORIGIN:
        return "term-origin";
    case SIM_PROP_PREVOTE_REPLY:
        return "prevote-reply";
    case SIM_PROP_CONFIG_SAFETY:
        return "config-safety";
    case SIM_PROP_COUNT:
        break;
    }
    return "unknown";
}

struct sim_safety *sim_safety_new(uint32_t n_nodes)
{
    SIM_ASSERT(n_nodes <= SIM_SAFETY_MAX_NODES,
               "%u nodes: node ids must fit a byte", n_nodes);
    struct sim_safety *s = g_new0(struct sim_safety, 1);
    s->n_nodes = n_nodes;
    s->nodes = g_new0(struct safety_node, (gsize)n_nodes + 1);
    for (uint32_t i = 1; i <= n_nodes; i++) {
        s->nodes[i].role = RAFT_FOLLOWER;
        s->nodes[i].log.snap.trusted = true;
    }
    s->aside_min_index = UINT64_MAX;
    s->commit_steps = g_array_new(FALSE, FALSE, sizeof(struct commit_step));
    s->leaders =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    s->leading = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    s->rules = sim_rules_new(n_nodes);
    s->quorums = sim_quorums_new(n_nodes);
    return s;
}

void sim_safety_configure(struct sim_safety *s,
                          const uint64_t *voters,
                          size_t n_voters)
{
    g_return_if_fail(voters != NULL || n_voters == 0);
    struct sim_conf first = {0};
    for (size_t i = 0; i < n_voters; i++)
        if (voters[i] >= 1 && voters[i] <= s->n_nodes)
            sim_idset_add(&first.voters, (uint32_t)voters[i]);
    sim_quorums_configure(s->quorums, &first, true);
}

void sim_safety_free(struct sim_safety *s)
{
    if (s == NULL) {
        return;
    }
    for (uint32_t i = 1; i <= s->n_nodes; i++) {
        sim_chain_free(&s->nodes[i].log);
    }
    g_free(s->nodes);
    sim_safety_slots_free(s);
    g_free(s->aside);
    g_array_free(s->commit_steps, TRUE);
    g_hash_table_destroy(s->leaders);
    g_array_free(s->leading, TRUE);
    sim_rules_free(s->rules);
    sim_quorums_free(s->quorums);
    sim_digest_memo_clear(&s->digests);
    g_free(s);
}

const struct sim_violation *sim_safety_violation(const struct sim_safety *s)
{
    return s->violated ? &s->violation : NULL;
}

size_t sim_safety_tracked_indices(const struct sim_safety *s)
{
    return (size_t)(s->slot_end - s->base);
}

bool sim_safety_violate(struct sim_safety *s,
                        enum sim_property p,
                        uint32_t a,
                        uint32_t b,
                        uint64_t term,
                        uint64_t index,
                        const char *fmt,
                        ...)
{
    if (s->violated) {
        return false;
    }
    s->violated = true;
    va_list ap;
    va_start(ap, fmt);
    sim_violation_setv(&s->violation, p, a, b, term, index, fmt, ap);
    va_end(ap);
    return false;
}

/* Records a rule check's outcome: false once anything was violated. */
static bool rule_outcome(struct sim_safety *s, bool ok, struct sim_violation *v)
{
    if (!ok && !s->violated) {
        s->violated = true;
        s->violation = *v;
    }
    return !s->violated;
}

bool sim_violation_set(struct sim_violation *v,
                       enum sim_property p,
                       uint32_t a,
                       uint32_t b,
                       uint64_t term,
                       uint64_t index,
                       const char *fmt,
                       ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_violation_setv(v, p, a, b, term, index, fmt, ap);
    va_end(ap);
    return false;
}

void sim_violation_setv(struct sim_violation *v,
                        enum sim_property p,
                        uint32_t a,
                        uint32_t b,
                        uint64_t term,
                        uint64_t index,
                        const char *fmt,
                        va_list ap)
{
    *v = (struct sim_violation){
        .property = p, .nodes = {a, b}, .term = term, .index = index};
    g_vsnprintf(v->detail, sizeof v->detail, fmt, ap);
}

/* 1..n_nodes, as one unsigned comparison (0 wraps to the largest). */
static bool node_ok(const struct sim_safety *s, uint32_t node)
{
    return node - 1u < s->n_nodes;
}

/* ---- hooks ---- */

static void leading_remove(struct sim_safety *s, uint32_t node)
{
    for (guint i = 0; i < s->leading->len; i++) {
        if (g_array_index(s->leading, uint32_t, i) == node) {
            g_array_remove_index(s->leading, i);
            return;
        }
    }
}

bool sim_safety_on_role(struct sim_safety *s,
                        uint32_t node,
                        enum raft_role role,
                        uint64_t term)
{
    g_return_val_if_fail(node_ok(s, node), true);
    if (s->violated) {
        return false;
    }
    struct safety_node *n = &s->nodes[node];
    bool was_leader = n->role == RAFT_LEADER && n->term == term;
    n->role = role;
    n->term = term;
    if (role != RAFT_LEADER) {
        leading_remove(s, node);
        return true;
    }
    if (was_leader) {
        return true;
    }
    gpointer other = NULL;
    if (g_hash_table_lookup_extended(s->leaders, &term, NULL, &other)) {
        uint32_t other_node = GPOINTER_TO_UINT(other);
        if (other_node != node) {
            return sim_safety_violate(
                s, SIM_PROP_ELECTION_SAFETY, other_node, node, term, 0,
                "n%u and n%u were both leader in term %" PRIu64 ".", other_node,
                node, term);
        }
    } else {
        uint64_t *key = g_new(uint64_t, 1);
        *key = term;
        g_hash_table_insert(s->leaders, key, GUINT_TO_POINTER(node));
    }
    leading_remove(s, node);
    g_array_append_val(s->leading, node);
    /* §5.4.1: a leader holds every entry committed in earlier terms. */
    uint64_t committed = sim_safety_committed_by_term(s, term);
    if (committed > 0 && !sim_safety_check_leader_has(s, node, committed)) {
        return false;
    }
    struct sim_violation v;
    return rule_outcome(
        s, sim_quorums_on_elected(s->quorums, node, term, committed, &v), &v);
}

/* After a placeholder prefix that ends below the trim point, the entry at
 * index takes the chain recorded for its (index, term), if any: every entry
 * before it is committed and compacted away everywhere. Returns false on a
 * violation; *adopted tells whether a chain was found. */
static bool adopt_chain(struct sim_safety *s,
                        uint32_t node,
                        uint64_t index,
                        const struct raft_entry *e,
                        uint64_t *chain,
                        bool *adopted)
{
    *adopted = false;
    struct index_slot *slot = sim_safety_slot_find(s, index);
    if (index - 1 >= s->base || slot == NULL) {
        return true;
    }
    uint32_t holder = 0;
    struct term_chain *tc =
        sim_safety_lm_find(s, slot, e->term, &holder);
    if (tc != NULL) {
        if (tc->digest != 0 &&
            tc->digest != sim_digest_memo_get(&s->digests, index, e)) {
            return sim_safety_lm_violation(s, node, tc, holder, index);
        }
        *chain = tc->chain;
        *adopted = true;
    } else if ((slot->flags & SLOT_COMMITTED) &&
               sim_safety_committed(s, slot, index).term == e->term) {
        *chain = sim_safety_committed(s, slot, index).chain;
        *adopted = true;
    }
    return true;
}

/* Appends entry at the node's last index + 1 and checks Log Matching there.
 * After a placeholder prefix the entry adopts the chain recorded for its
 * (index, term), or becomes a placeholder itself. */
static bool append_entry(struct sim_safety *s,
                         uint32_t node,
                         const struct raft_entry *e)
{
    struct sim_chain_log *l = &s->nodes[node].log;
    uint64_t i = sim_chain_last(l) + 1;
    uint64_t prev_term = 0;
    uint64_t prev = 0;
    uint64_t chain = 0;
    uint64_t digest = sim_digest_memo_get(&s->digests, i, e);
    if (i - 1 >= l->trusted_from) {
        sim_safety_node_entry(s, &s->nodes[node], i - 1, &prev_term, &prev);
        chain = sim_digest_memo_chain(&s->digests, prev, i, e->term, digest);
        sim_chain_push(l, e->term, chain);
        return sim_safety_lm_register(s, node, i, e->term, chain, digest);
    }
    bool adopted = false;
    if (!adopt_chain(s, node, i, e, &chain, &adopted)) {
        return false;
    }
    if (adopted) {
        l->trusted_from = i;
    }
    sim_chain_push(l, e->term, chain);
    return true;
}

/* Appends entries[0..n) at the node's last index + 1 on, where the entry
 * before them holds a real chain (i - 1 >= trusted_from): append_entry()'s
 * first branch for each, with the chain before each entry carried from the
 * one just pushed (which sim_safety_node_entry() would read back: the
 * pushed index is above settled and the snapshot point) and Log Matching's
 * common case judged in place: a slot whose first entry has this term,
 * this chain and a known digest, which sim_safety_lm_register() would
 * leave as it is. Anything else goes through it. */
static bool append_trusted(struct sim_safety *s,
                           uint32_t node,
                           const struct raft_entry *entries,
                           size_t n)
{
    struct safety_node *nd = &s->nodes[node];
    struct sim_chain_log *l = &nd->log;
    uint64_t i = sim_chain_last(l) + 1;
    uint64_t prev_term = 0;
    uint64_t prev = 0;
    sim_safety_node_entry(s, nd, i - 1, &prev_term, &prev);
    for (size_t k = 0; k < n; k++, i++) {
        const struct raft_entry *e = &entries[k];
        uint64_t digest = sim_digest_memo_get(&s->digests, i, e);
        uint64_t chain =
            sim_digest_memo_chain(&s->digests, prev, i, e->term, digest);
        sim_chain_push(l, e->term, chain);
        prev = chain;
        const struct index_slot *slot = sim_safety_slot_find(s, i);
        if (slot != NULL && (slot->flags & SLOT_LOG) &&
            slot->lm.term == e->term && slot->lm.chain == chain &&
            slot->lm.digest != 0) {
            continue; /* registered already, exactly so */
        }
        if (!sim_safety_lm_register(s, node, i, e->term, chain, digest)) {
            return false;
        }
    }
    return true;
}

bool sim_safety_on_log_write(struct sim_safety *s,
                             uint32_t node,
                             uint64_t index,
                             const struct raft_entry *entries,
                             size_t n)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(index >= 1, true);
    g_return_val_if_fail(entries != NULL || n == 0, true);
    if (s->violated) {
        return false;
    }
    struct safety_node *nd = &s->nodes[node];
    struct sim_chain_log *l = &nd->log;
    uint64_t last = sim_chain_last(l);
    if (index > last + 1) {
        g_critical("sim_safety: n%u wrote index %" PRIu64
                   " past its last index %" PRIu64,
                   node, index, last);
        return true;
    }
    if (nd->role == RAFT_LEADER && index <= last) {
        /* Figure 3: a leader never overwrites or deletes its entries. */
        return sim_safety_violate(s, SIM_PROP_LEADER_APPEND_ONLY, node, 0,
                                  nd->term, index,
                                  "Leader n%u of term %" PRIu64
                                  " had its log replaced from index %" PRIu64
                                  ", at or below its last index %" PRIu64 ".",
                                  node, nd->term, index, last);
    }
    struct sim_violation v;
    if (nd->role == RAFT_LEADER) {
        bool ok = sim_quorums_on_leader_write(s->quorums, node, nd->term,
                                              index, entries, n, &v);
        nd->append_pending = sim_quorums_append_pending(s->quorums, node);
        if (!rule_outcome(s, ok, &v)) {
            return false;
        }
    }
    sim_chain_truncate(l, index - 1);
    sim_quorums_on_log_write(s->quorums, node, index, entries, n,
                             l->snap.index);
    for (size_t k = 0; k < n; k++) {
        if (index + k <= l->snap.index) {
            continue; /* inside the snapshot */
        }
        if (index + k - 1 >= l->trusted_from) {
            /* From here on every entry follows a real chain. */
            return append_trusted(s, node, entries + k, n - k);
        }
        if (!append_entry(s, node, &entries[k])) {
            return false;
        }
    }
    return true;
}

/* The chain at a snapshot point (index, term), taken from what the cluster
 * already knows about that index; else a fresh seed if nothing else can
 * hold that index, or untrusted below the trim point. */
static bool snapshot_anchor(struct sim_safety *s,
                            uint32_t node,
                            uint64_t index,
                            uint64_t term,
                            struct sim_chain_anchor *out)
{
    *out = (struct sim_chain_anchor){
        .index = index, .term = term, .chain = 0, .trusted = true};
    if (index == 0) {
        return true;
    }
    struct index_slot *slot = sim_safety_slot_find(s, index);
    if (slot != NULL && (slot->flags & SLOT_COMMITTED)) {
        struct committed c = sim_safety_committed(s, slot, index);
        if (c.term != term) {
            return sim_safety_violate(
                s, SIM_PROP_STATE_MACHINE_SAFETY, node, slot->c_node, term,
                index,
                "n%u holds a snapshot through index %" PRIu64
                " of term %" PRIu64 " where n%u committed term %" PRIu64 ".",
                node, index, term, slot->c_node, c.term);
        }
        out->chain = c.chain;
        return true;
    }
    if (sim_safety_lm_lookup(s, index, term, &out->chain)) {
        return true;
    }
    if (index >= s->base) {
        out->chain = sim_chain_seed(index, term);
    } else {
        out->trusted = false;
    }
    return true;
}

bool sim_safety_on_log_reset(struct sim_safety *s,
                             uint32_t node,
                             uint64_t snapshot_index,
                             uint64_t snapshot_term,
                             const struct raft_entry *entries,
                             size_t n)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(entries != NULL || n == 0, true);
    if (s->violated) {
        return false;
    }
    struct safety_node *nd = &s->nodes[node];
    if (nd->role == RAFT_LEADER) {
        return sim_safety_violate(
            s, SIM_PROP_LEADER_APPEND_ONLY, node, 0, nd->term, snapshot_index,
            "Leader n%u of term %" PRIu64
            " had its whole log replaced (snapshot through index "
            "%" PRIu64 ").",
            node, nd->term, snapshot_index);
    }
    struct sim_chain_anchor snap;
    if (!snapshot_anchor(s, node, snapshot_index, snapshot_term, &snap)) {
        return false;
    }
    sim_chain_reset(&nd->log, snap);
    sim_quorums_on_log_reset(s->quorums, node, snapshot_index, entries, n);
    if (snap.trusted &&
        (!sim_safety_record_commit(s, node, snap.index, snap.term, snap.chain,
                                   nd->term) ||
         !sim_safety_lm_register(s, node, snap.index, snap.term, snap.chain,
                                 0))) {
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        if (!append_entry(s, node, &entries[k])) {
            return false;
        }
    }
    sim_safety_trim(s);
    return true;
}

void sim_safety_on_compact(struct sim_safety *s, uint32_t node, uint64_t index)
{
    g_return_if_fail(node_ok(s, node));
    if (s->violated) {
        return;
    }
    struct safety_node *nd = &s->nodes[node];
    if (index <= nd->log.snap.index) {
        return;
    }
    g_return_if_fail(index <= sim_chain_last(&nd->log));
    uint64_t term = 0;
    uint64_t chain = 0;
    sim_safety_node_entry(s, nd, index, &term, &chain);
    sim_chain_compact(&nd->log, index, term, chain);
    sim_quorums_on_compact(s->quorums, node, index);
    /* A snapshot holds only applied, hence committed, entries. */
    if (nd->log.snap.trusted &&
        !sim_safety_record_commit(s, node, index, nd->log.snap.term,
                                  nd->log.snap.chain, nd->term)) {
        return;
    }
    sim_safety_trim(s);
}

/* The term of the entry at index in node's log (the snapshot's at its
 * point); 0 where unknown. */
static uint64_t node_term_at(const struct safety_node *nd, uint64_t index)
{
    if (index == nd->log.snap.index) {
        return nd->log.snap.term;
    }
    if (index < nd->log.snap.index || index > sim_chain_last(&nd->log)) {
        return 0;
    }
    return sim_chain_term_at(&nd->log, index);
}

/* config-safety (b) for a configuration append of node, once its update's
 * commit index is known (sim_quorums.h). */
static bool judge_append(struct sim_safety *s, uint32_t node)
{
    struct safety_node *nd = &s->nodes[node];
    if (!nd->append_pending) {
        return !s->violated; /* as rule_outcome() of a pass */
    }
    nd->append_pending = false; /* sim_quorums_judge_append() clears it */
    struct sim_violation v;
    return rule_outcome(
        s,
        sim_quorums_judge_append(s->quorums, node, nd->commit_index,
                                 node_term_at(nd, nd->commit_index), &v),
        &v);
}

/* After node's commit index covered lo..hi without a violation, every
 * trusted entry there holds the chain committed at its index:
 * record_commit_of() either recorded that chain from this very entry or
 * compared it with the one recorded (a difference is a violation, and no
 * hook runs after one); placeholders hold 0, as sim_safety_node_entry()
 * answers. If lo..hi extends the verified prefix without a gap, it becomes
 * verified, and the chain log stops keeping those chains (sim_chain.h)
 * once that releases a page. Every index there is
 * at least base (lo is), so its slot stays until the node compacts it. */
static void settle(struct sim_safety *s,
                   struct safety_node *nd,
                   uint64_t lo,
                   uint64_t hi)
{
    struct sim_chain_log *l = &nd->log;
    if (lo > l->verified + 1 || hi <= l->verified) {
        return;
    }
    l->verified = hi;
    if ((hi + 1) >> SIM_CHAIN_PAGE_SHIFT <= l->first_page) {
        return; /* settling now would release no page */
    }
    if (hi >= l->trusted_from) { /* the claim above, checked at its end */
        uint64_t term = 0;
        uint64_t chain = 0;
        sim_chain_raw(l, hi, &term, &chain);
        const struct index_slot *slot = sim_safety_slot_find(s, hi);
        SIM_ASSERT(slot != NULL && (slot->flags & SLOT_COMMITTED) &&
                       sim_safety_committed(s, slot, hi).chain == chain,
                   "index %" PRIu64 " settles with another chain", hi);
    }
    sim_chain_settle(l, hi);
}

bool sim_safety_on_commit(struct sim_safety *s,
                          uint32_t node,
                          uint64_t commit_index)
{
    g_return_val_if_fail(node_ok(s, node), true);
    if (s->violated) {
        return false;
    }
    struct safety_node *nd = &s->nodes[node];
    if (commit_index < nd->commit_index) {
        return sim_safety_violate(
            s, SIM_PROP_COMMIT_MONOTONIC, node, 0, nd->term, commit_index,
            "n%u's commit index went back from %" PRIu64 " to %" PRIu64
            " in term %" PRIu64 " without a crash.",
            node, nd->commit_index, commit_index, nd->term);
    }
    if (commit_index == nd->commit_index) {
        return true;
    }
    uint64_t lo =
        MAX(MAX(nd->commit_index + 1, nd->log.snap.index), MAX(s->base, 1));
    uint64_t hi = MIN(commit_index, sim_chain_last(&nd->log));
    sim_quorums_on_commit(s->quorums, node, nd->commit_index, hi);
    nd->commit_index = commit_index;
    bool raised = false;
    const struct sim_chain_log *l = &nd->log;
    for (uint64_t i = lo; i <= hi; i++) {
        if (i > l->settled && i >= l->trusted_from) {
            /* The common case: a trusted stored chain at an index whose
             * first entry is the one committed there, in this term or
             * earlier. record_commit_of() would find them equal and
             * change nothing. */
            const struct index_slot *slot = sim_safety_slot_find(s, i);
            if (slot != NULL &&
                (slot->flags & (SLOT_COMMITTED | SLOT_C_FIRST)) ==
                    (SLOT_COMMITTED | SLOT_C_FIRST) &&
                slot->lm.chain == sim_chain_stored(l, i) &&
                nd->term >= slot->c_in_term) {
                continue;
            }
        }
        uint64_t term = 0;
        uint64_t chain = 0;
        sim_safety_node_entry(s, nd, i, &term, &chain);
        if (!sim_safety_record_commit_of(s, node, i, term, chain,
                                         i >= nd->log.trusted_from, nd->term,
                                         &raised)) {
            return false;
        }
    }
    settle(s, nd, lo, hi);
    return (!raised || sim_safety_check_leaders(s)) && judge_append(s, node);
}

/* State Machine Safety for an apply whose index has no committed record:
 * only a node whose chain there is a placeholder can get here (after a
 * restart below the trim point), so its own log's term is the reference. */
static bool check_apply_own_log(struct sim_safety *s,
                                uint32_t node,
                                uint64_t index,
                                const struct raft_entry *entry)
{
    const struct sim_chain_log *l = &s->nodes[node].log;
    if (index <= l->snap.index || index > sim_chain_last(l)) {
        return true;
    }
    uint64_t term = sim_chain_term_at(l, index);
    if (term == entry->term) {
        return true;
    }
    return sim_safety_violate(
        s, SIM_PROP_STATE_MACHINE_SAFETY, node, 0, entry->term, index,
        "n%u applied an entry of term %" PRIu64 " at index %" PRIu64
        " where its log holds term %" PRIu64 ".",
        node, entry->term, index, term);
}

bool sim_safety_on_apply(struct sim_safety *s,
                         uint32_t node,
                         uint64_t index,
                         const struct raft_entry *entry)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(entry != NULL, true);
    if (s->violated) {
        return false;
    }
    if (index == 0 || index < s->base) {
        return true;
    }
    const struct safety_node *nd = &s->nodes[node];
    if (index > nd->commit_index) {
        /* §5.3: only committed entries are applied. */
        return sim_safety_violate(s, SIM_PROP_STATE_MACHINE_SAFETY, node, 0,
                                  entry->term, index,
                                  "n%u applied index %" PRIu64
                                  " beyond its commit index %" PRIu64 ".",
                                  node, index, nd->commit_index);
    }
    struct index_slot *slot = sim_safety_slot_find(s, index);
    if (slot == NULL || !(slot->flags & SLOT_COMMITTED)) {
        return check_apply_own_log(s, node, index, entry);
    }
    /* Figure 3: every apply at an index applies the entry committed there:
     * its term, and its bytes wherever they are known. */
    uint64_t c_term = (slot->flags & SLOT_C_FIRST)
                          ? slot->lm.term
                          : sim_safety_committed_apart(s, slot, index).term;
    bool same = entry->term == c_term;
    if (same) {
        const struct term_chain *tc =
            (slot->flags & SLOT_C_FIRST)
                ? &slot->lm
                : sim_safety_lm_find(s, slot, c_term, NULL);
        same = tc == NULL || tc->digest == 0 ||
               tc->digest == sim_digest_memo_get(&s->digests, index, entry);
    }
    if (!same) {
        return sim_safety_violate(
            s, SIM_PROP_STATE_MACHINE_SAFETY, node, slot->c_node, entry->term,
            index,
            "n%u applied an entry of term %" PRIu64 " at index %" PRIu64
            " other than the one of term %" PRIu64 " n%u committed there.",
            node, entry->term, index, c_term, slot->c_node);
    }
    return true;
}

bool sim_safety_on_state(struct sim_safety *s,
                         uint32_t node,
                         uint64_t applied_index,
                         uint64_t digest)
{
    g_return_val_if_fail(node_ok(s, node), true);
    if (s->violated) {
        return false;
    }
    if (applied_index < s->base) {
        return true;
    }
    struct index_slot *slot = sim_safety_slot_get(s, applied_index);
    if (!(slot->flags & SLOT_STATE)) {
        slot->flags |= SLOT_STATE;
        slot->s_digest = digest;
        slot->s_node = (uint8_t)node;
        return true;
    }
    if (slot->s_digest != digest) {
        return sim_safety_violate(
            s, SIM_PROP_STATE_DIGEST, node, slot->s_node, 0, applied_index,
            "n%u and n%u both applied through index %" PRIu64
            " but their state digests differ (%016" PRIx64 " and %016" PRIx64
            ").",
            node, slot->s_node, applied_index, digest, slot->s_digest);
    }
    return true;
}

/* The send's hooks after the persistence contract: the rules' record of
 * what m acknowledges, and a granted vote counted. */
static inline void on_sent(struct sim_safety *s,
                           uint32_t node,
                           const struct raft_message *m)
{
    sim_rules_on_send(s->rules, node, m);
    if (m->type == RAFT_MSG_REQUEST_VOTE_RESULT &&
        m->request_vote_result.granted) {
        sim_quorums_on_grant(s->quorums, node, m->to, m->term);
    }
}

bool sim_safety_on_send(struct sim_safety *s,
                        uint32_t node,
                        const struct raft_message *m,
                        uint64_t acked_term,
                        struct sim_durable disk)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(m != NULL, true);
    if (s->violated) {
        return false;
    }
    if (!sim_persist_check(node, m, acked_term, &disk, &s->violation)) {
        s->violated = true;
        return false;
    }
    on_sent(s, node, m);
    return true;
}

bool sim_safety_on_send_settled(struct sim_safety *s,
                                uint32_t node,
                                const struct raft_message *m)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(m != NULL, true);
    return sim_safety_judge_send_settled(s);
}

bool sim_safety_judge_send_settled(const struct sim_safety *s)
{
    return !s->violated; /* on_sent() would change nothing */
}

bool sim_safety_report(struct sim_safety *s, const struct sim_violation *v)
{
    g_return_val_if_fail(s != NULL && v != NULL, false);
    struct sim_violation copy = *v;
    return rule_outcome(s, false, &copy);
}

/* sim_safety_on_vote() past its common case: out of line, so that the
 * common case sets up no frame for the violation record. */
static G_GNUC_NO_INLINE bool on_vote_judged(struct sim_safety *s,
                                            uint32_t node,
                                            uint64_t term,
                                            uint64_t vote)
{
    if (!judge_append(s, node)) {
        return false;
    }
    struct safety_node *nd = &s->nodes[node];
    if (nd->vote_known && nd->vote_term == term && nd->vote == vote) {
        return !s->violated; /* as rule_outcome() of a pass */
    }
    struct sim_violation v;
    bool ok = sim_rules_on_vote(s->rules, node, term, vote, &v);
    if (ok) {
        nd->vote_known = true;
        nd->vote_term = term;
        nd->vote = vote;
    }
    return rule_outcome(s, ok, &v);
}

bool sim_safety_on_vote(struct sim_safety *s,
                        uint32_t node,
                        uint64_t term,
                        uint64_t vote)
{
    g_return_val_if_fail(node_ok(s, node), true);
    return sim_safety_judge_vote(s, node, term, vote);
}

bool sim_safety_judge_vote(struct sim_safety *s,
                           uint32_t node,
                           uint64_t term,
                           uint64_t vote)
{
    /* Most steps leave the term and vote as they were, with no
     * configuration append waiting to be judged. The rules then hold
     * exactly this (term, vote) for the node, and judging it again finds
     * nothing (a vote equal to the one held never changes it) and changes
     * nothing: skipped. */
    const struct safety_node *nd = &s->nodes[node];
    if (!nd->append_pending && nd->vote_known && nd->vote_term == term &&
        nd->vote == vote) {
        return !s->violated; /* as rule_outcome() of a pass */
    }
    return on_vote_judged(s, node, term, vote);
}

bool sim_safety_on_receive(struct sim_safety *s,
                           uint32_t node,
                           const struct raft_message *m,
                           const struct sim_rules_receipt *rc)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(m != NULL && rc != NULL, true);
    return sim_safety_judge_receipt(s, node, m, rc);
}

bool sim_safety_judge_receipt(struct sim_safety *s,
                              uint32_t node,
                              const struct raft_message *m,
                              const struct sim_rules_receipt *rc)
{
    struct sim_violation v;
    return rule_outcome(s, sim_rules_judge_receipt(s->rules, node, m, rc, &v),
                        &v);
}

bool sim_safety_on_leader_commit(struct sim_safety *s,
                                 uint32_t node,
                                 uint64_t term,
                                 uint64_t commit,
                                 uint64_t entry_term,
                                 const struct sim_durable *disks)
{
    g_return_val_if_fail(node_ok(s, node), true);
    g_return_val_if_fail(disks != NULL, true);
    struct sim_violation v;
    if (!rule_outcome(s,
                      sim_quorums_on_leader_commit(
                          s->quorums, node, term, commit,
                          sim_safety_committed_by_term(s, term), &v),
                      &v)) {
        return false;
    }
    struct sim_rules_quorum rq = {
        .config = sim_quorums_config(s->quorums, node),
        .count_acks = sim_quorums_full_view(s->quorums),
    };
    return rule_outcome(s,
                        sim_rules_on_leader_commit(s->rules, node, term, commit,
                                                   entry_term, &rq, disks, &v),
                        &v);
}

void sim_safety_on_restart(struct sim_safety *s,
                           uint32_t node,
                           uint64_t commit_index)
{
    g_return_if_fail(node_ok(s, node));
    s->nodes[node].commit_index = commit_index;
}

void sim_safety_on_crash(struct sim_safety *s, uint32_t node)
{
    g_return_if_fail(node_ok(s, node));
    struct safety_node *nd = &s->nodes[node];
    nd->role = RAFT_FOLLOWER;
    nd->commit_index = 0;
    nd->vote_known = false;
    nd->append_pending = false; /* as sim_quorums_on_crash() */
    leading_remove(s, node);
    sim_rules_on_crash(s->rules, node);
    sim_quorums_on_crash(s->quorums, node);
}
