/* sim_quorums.c: the configuration-aware checks of sim_quorums.h.
 *
 * Invariants: nodes[i].confs mirrors the configuration entries of node i's
 * log after its snapshot point, and its base is the configuration in force
 * at that point; committed holds every configuration entry seen committed
 * (after the trim point, plus the one in force there); nodes[i].grants is
 * the set of nodes that sent i a granted RequestVoteResult in grants_term.
 * Every hook costs O(configuration entries touched), not O(log).
 */
#include "sim/check/sim_quorums.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>

/* A leader's configuration append, judged at the end of its update. */
struct pending_append
{
    bool set;
    uint64_t term;       /* the leader's term when it appended */
    uint64_t index;      /* the new configuration entry */
    uint64_t prev_index; /* the configuration entry it replaced */
    bool leave;          /* it leaves a joint configuration */
};

struct quorum_node
{
    struct sim_configs_log confs;
    uint64_t grants_term;
    struct sim_idset grants;
    struct pending_append pending;
};

struct sim_quorums
{
    uint32_t n;
    bool full_view;
    struct sim_conf first;
    struct quorum_node *nodes;       /* [1..n] */
    struct sim_configs_log committed; /* committed configuration entries */
};

static bool node_ok(const struct sim_quorums *q, uint32_t node)
{
    return node >= 1 && node <= q->n;
}

struct sim_quorums *sim_quorums_new(uint32_t n_nodes)
{
    struct sim_quorums *q = g_new0(struct sim_quorums, 1);
    q->n = n_nodes;
    sim_conf_first(&q->first, n_nodes);
    q->nodes = g_new0(struct quorum_node, (gsize)n_nodes + 1);
    for (uint32_t i = 1; i <= n_nodes; i++)
        sim_configs_log_init(&q->nodes[i].confs, &q->first);
    sim_configs_log_init(&q->committed, &q->first);
    return q;
}

void sim_quorums_free(struct sim_quorums *q)
{
    if (q == NULL)
        return;
    for (uint32_t i = 1; i <= q->n; i++)
        sim_configs_log_destroy(&q->nodes[i].confs);
    sim_configs_log_destroy(&q->committed);
    g_free(q->nodes);
    g_free(q);
}

void sim_quorums_configure(struct sim_quorums *q,
                           const struct sim_conf *first,
                           bool full_view)
{
    q->first = *first;
    q->full_view = full_view;
    for (uint32_t i = 1; i <= q->n; i++)
        sim_configs_log_reset(&q->nodes[i].confs, 0, first);
    sim_configs_log_reset(&q->committed, 0, first);
}

bool sim_quorums_full_view(const struct sim_quorums *q)
{
    return q->full_view;
}

const struct sim_conf *sim_quorums_config(const struct sim_quorums *q,
                                            uint32_t node)
{
    g_return_val_if_fail(node_ok(q, node), &q->first);
    uint64_t at = 0;
    return sim_configs_log_latest(&q->nodes[node].confs, &at);
}

static void push_configs(struct sim_configs_log *l,
                         uint64_t index,
                         const struct raft_entry *entries,
                         size_t n)
{
    for (size_t k = 0; k < n; k++) {
        struct sim_conf c;
        if (index + k > l->base_index && sim_conf_decode(&entries[k], &c))
            sim_configs_log_push(l, index + k, entries[k].term, &c);
    }
}

void sim_quorums_on_log_write(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t index,
                              const struct raft_entry *entries,
                              size_t n,
                              uint64_t snap_index)
{
    g_return_if_fail(node_ok(q, node));
    struct sim_configs_log *l = &q->nodes[node].confs;
    (void)snap_index; /* the log's base_index is its snapshot point */
    sim_configs_log_truncate(l, index);
    push_configs(l, index, entries, n);
}

void sim_quorums_on_log_reset(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t snap_index,
                              const struct raft_entry *entries,
                              size_t n)
{
    g_return_if_fail(node_ok(q, node));
    uint64_t at = 0;
    /* A snapshot holds only committed entries: its configuration is the
     * committed one in force at its last index (thesis §5.1). */
    const struct sim_conf *base =
        sim_configs_log_at(&q->committed, snap_index, &at);
    struct sim_configs_log *l = &q->nodes[node].confs;
    sim_configs_log_reset(l, snap_index, base);
    push_configs(l, snap_index + 1, entries, n);
}

void sim_quorums_on_compact(struct sim_quorums *q,
                            uint32_t node,
                            uint64_t index)
{
    g_return_if_fail(node_ok(q, node));
    sim_configs_log_compact(&q->nodes[node].confs, index);
}

void sim_quorums_on_commit(struct sim_quorums *q,
                           uint32_t node,
                           uint64_t lo,
                           uint64_t hi)
{
    g_return_if_fail(node_ok(q, node));
    const struct sim_configs_log *l = &q->nodes[node].confs;
    for (guint i = l->items->len; i > 0; i--) {
        const struct sim_configs_item *it =
            &g_array_index(l->items, struct sim_configs_item, i - 1);
        if (it->index <= lo)
            break;
        if (it->index <= hi)
            sim_configs_log_insert(&q->committed, it->index, it->term,
                                   &it->config);
    }
}

void sim_quorums_trim(struct sim_quorums *q, uint64_t index)
{
    sim_configs_log_compact(&q->committed, index);
}

void sim_quorums_on_grant(struct sim_quorums *q,
                          uint32_t node,
                          uint64_t candidate,
                          uint64_t term)
{
    if (!node_ok(q, node) || candidate < 1 || candidate > q->n)
        return;
    struct quorum_node *c = &q->nodes[candidate];
    if (term > c->grants_term) {
        c->grants_term = term;
        c->grants = (struct sim_idset){{0}};
    }
    if (term == c->grants_term)
        sim_idset_add(&c->grants, node);
}

/* Election-safety under the campaign's configuration (thesis §4.3). */
static bool check_votes(struct sim_quorums *q,
                        uint32_t node,
                        uint64_t term,
                        const struct sim_conf *c,
                        struct sim_violation *out)
{
    /* Its own vote counts only if it is a voter: a server left out of an
     * uncommitted configuration may still be elected (thesis §4.2.2). */
    struct quorum_node *nd = &q->nodes[node];
    struct sim_idset who = {{0}};
    if (nd->grants_term == term)
        who = nd->grants;
    sim_idset_add(&who, node);
    if (sim_conf_quorum(c, &who))
        return true;
    /* Described only for the report: text for every election cost more
     * than the check itself. */
    char conf[160];
    sim_conf_describe(c, conf, sizeof conf);
    return sim_violation_set(
        out, SIM_PROP_ELECTION_SAFETY, node, 0, term, 0,
        "n%u became leader of term %" PRIu64 " with the votes of %u node(s),"
        " itself included, which are no majority of every half of its"
        " configuration (%s; thesis §4.3).",
        node, term, sim_idset_count(&who), conf);
}

/* config-safety (a): the deciding configuration is at most one step past
 * the one in force at the committed index. */
static bool check_decision(struct sim_quorums *q,
                           uint32_t node,
                           uint64_t term,
                           uint64_t committed,
                           const char *what,
                           struct sim_violation *out)
{
    const struct sim_configs_log *l = &q->nodes[node].confs;
    uint64_t k_at = 0;
    uint64_t d_at = 0;
    const struct sim_conf *k = sim_configs_log_at(l, committed, &k_at);
    const struct sim_conf *d = sim_configs_log_latest(l, &d_at);
    if (sim_conf_one_step(k, d))
        return true;
    char ks[120];
    char ds[120];
    sim_conf_describe(k, ks, sizeof ks);
    sim_conf_describe(d, ds, sizeof ds);
    return sim_violation_set(
        out, SIM_PROP_CONFIG_SAFETY, node, 0, term, d_at,
        "n%u %s in term %" PRIu64 " under the configuration of index %" PRIu64
        " (%s), more than one change past the committed one of index %" PRIu64
        " (%s): their quorums need not meet (thesis §4.1).",
        node, what, term, d_at, ds, k_at, ks);
}

bool sim_quorums_on_elected(struct sim_quorums *q,
                            uint32_t node,
                            uint64_t term,
                            uint64_t committed,
                            struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(q, node), true);
    uint64_t at = 0;
    const struct sim_conf *c =
        sim_configs_log_latest(&q->nodes[node].confs, &at);
    if (q->full_view && !check_votes(q, node, term, c, out))
        return false;
    return check_decision(q, node, term, committed, "was elected", out);
}

bool sim_quorums_on_leader_write(struct sim_quorums *q,
                                 uint32_t node,
                                 uint64_t term,
                                 uint64_t index,
                                 const struct raft_entry *entries,
                                 size_t n,
                                 struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(q, node), true);
    struct quorum_node *nd = &q->nodes[node];
    for (size_t k = 0; k < n; k++) {
        struct sim_conf next;
        if (!sim_conf_decode(&entries[k], &next))
            continue;
        uint64_t prev_at = 0;
        const struct sim_conf *prev =
            sim_configs_log_at(&nd->confs, index + k - 1, &prev_at);
        if (!sim_conf_one_step(prev, &next)) {
            char ps[120];
            char ns[120];
            sim_conf_describe(prev, ps, sizeof ps);
            sim_conf_describe(&next, ns, sizeof ns);
            return sim_violation_set(
                out, SIM_PROP_CONFIG_SAFETY, node, 0, term, index + k,
                "Leader n%u of term %" PRIu64 " appended the configuration"
                " %s at index %" PRIu64 ", more than one change from %s"
                " (thesis §4.1, §4.3).",
                node, term, ns, index + k, ps);
        }
        if (nd->pending.set && nd->pending.index < index + k)
            return sim_violation_set(
                out, SIM_PROP_CONFIG_SAFETY, node, 0, term, index + k,
                "Leader n%u of term %" PRIu64 " appended configuration"
                " entries at indices %" PRIu64 " and %" PRIu64
                " in one update: two uncommitted changes (thesis §4.1).",
                node, term, nd->pending.index, index + k);
        nd->pending = (struct pending_append){
            .set = true, .term = term, .index = index + k,
            .prev_index = prev_at, .leave = prev->joint && !next.joint};
    }
    return true;
}

bool sim_quorums_append_pending(const struct sim_quorums *q, uint32_t node)
{
    g_return_val_if_fail(node_ok(q, node), false);
    return q->nodes[node].pending.set;
}

bool sim_quorums_judge_append(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t commit,
                              uint64_t commit_term,
                              struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(q, node), true);
    struct pending_append p = q->nodes[node].pending;
    if (!p.set)
        return true;
    q->nodes[node].pending.set = false;
    if (commit < p.prev_index)
        return sim_violation_set(
            out, SIM_PROP_CONFIG_SAFETY, node, 0, p.term, p.index,
            "Leader n%u of term %" PRIu64 " appended a configuration at"
            " index %" PRIu64 " while the one at index %" PRIu64
            " was not committed (commit index %" PRIu64
            "): two uncommitted changes (thesis §4.1).",
            node, p.term, p.index, p.prev_index, commit);
    /* Leaving a committed joint configuration is exempt: whoever appends
     * it, its only successor is its new half, so an entry of an earlier
     * leader that this one lacks can only be the same configuration. */
    if (commit_term != p.term && !p.leave)
        return sim_violation_set(
            out, SIM_PROP_CONFIG_SAFETY, node, 0, p.term, p.index,
            "Leader n%u of term %" PRIu64 " appended a configuration at"
            " index %" PRIu64 " before committing an entry of its own term"
            " (its commit index %" PRIu64 " holds term %" PRIu64
            "; the 2015 single-server change fix).",
            node, p.term, p.index, commit, commit_term);
    return true;
}

bool sim_quorums_on_leader_commit(struct sim_quorums *q,
                                  uint32_t node,
                                  uint64_t term,
                                  uint64_t commit,
                                  uint64_t committed,
                                  struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(q, node), true);
    if (!check_decision(q, node, term, committed, "committed", out))
        return false;
    uint64_t at = 0;
    const struct sim_conf *c =
        sim_configs_log_latest(&q->nodes[node].confs, &at);
    if (sim_conf_is_voter(c, node) || at > commit)
        return true;
    char cs[160];
    sim_conf_describe(c, cs, sizeof cs);
    return sim_violation_set(
        out, SIM_PROP_CONFIG_SAFETY, node, 0, term, at,
        "Leader n%u of term %" PRIu64 " still leads after committing index %"
        PRIu64 ", the configuration of index %" PRIu64
        " (%s) that removed it (thesis §4.2.2).",
        node, term, commit, at, cs);
}

void sim_quorums_on_crash(struct sim_quorums *q, uint32_t node)
{
    g_return_if_fail(node_ok(q, node));
    q->nodes[node].pending.set = false;
}
