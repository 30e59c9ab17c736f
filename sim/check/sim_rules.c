/* sim_rules.c: the rule checks of sim_rules.h.
 *
 * Invariants: votes[i] describes node i's core since its last start (known
 * is false until its first update after a start); acks[from][to] holds the
 * highest term in which `from` acknowledged something to `to`, and the
 * highest index it acknowledged in that term. Both are O(1) to update.
 */
#include "sim/check/sim_rules.h"
#include "sim/check/sim_persist.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>

struct vote_seen
{
    bool known;
    uint64_t term;
    uint64_t vote;
};

struct ack_seen
{
    uint64_t term;
    uint64_t index;
};

struct sim_rules
{
    uint32_t n;
    struct vote_seen *votes; /* [1..n] */
    struct ack_seen *acks;   /* [from * (n + 1) + to] */
};

struct sim_rules *sim_rules_new(uint32_t n_nodes)
{
    struct sim_rules *r = g_new0(struct sim_rules, 1);
    r->n = n_nodes;
    r->votes = g_new0(struct vote_seen, (gsize)n_nodes + 1);
    r->acks =
        g_new0(struct ack_seen, ((gsize)n_nodes + 1) * ((gsize)n_nodes + 1));
    return r;
}

void sim_rules_free(struct sim_rules *r)
{
    if (r == NULL)
        return;
    g_free(r->votes);
    g_free(r->acks);
    g_free(r);
}

/* 1..n, as one unsigned comparison (0 wraps to the largest). */
static bool node_ok(const struct sim_rules *r, uint64_t node)
{
    return node - 1 < r->n;
}

static void vote_name(char *buf, size_t len, uint64_t vote)
{
    if (vote == 0)
        g_strlcpy(buf, "none", len);
    else
        g_snprintf(buf, len, "n%" PRIu64, vote);
}

bool sim_rules_on_vote(struct sim_rules *r,
                       uint32_t node,
                       uint64_t term,
                       uint64_t vote,
                       struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(r, node), true);
    struct vote_seen *v = &r->votes[node];
    /* Figure 2: votedFor changes within a term only from none to one
     * candidate; a new term clears it. */
    if (v->known && v->term == term && v->vote != 0 && vote != v->vote) {
        char was[24], now[24];
        vote_name(was, sizeof was, v->vote);
        vote_name(now, sizeof now, vote);
        return sim_violation_set(
            out, SIM_PROP_SINGLE_VOTE, node, (uint32_t)v->vote, term, 0,
            "n%u's vote in term %" PRIu64
            " changed from %s to %s without a new term: it may vote "
            "twice in one term.",
            node, term, was, now);
    }
    v->known = true;
    v->term = term;
    v->vote = vote;
    return true;
}

void sim_rules_on_send(struct sim_rules *r,
                       uint32_t node,
                       const struct raft_message *m)
{
    uint64_t index = sim_persist_acked_index(m);
    if (index == 0 || !node_ok(r, node) || !node_ok(r, m->to))
        return;
    struct ack_seen *a = &r->acks[(gsize)node * (r->n + 1) + m->to];
    if (m->term > a->term) {
        a->term = m->term;
        a->index = index;
    } else if (m->term == a->term && index > a->index) {
        a->index = index;
    }
}

/* AppendEntries receiver rule 5 and Figure 13: how far m lets a follower
 * raise its commit index. */
static uint64_t commit_bound(const struct raft_message *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES: {
        const struct raft_append_entries *ae = &m->append_entries;
        uint64_t verified = ae->prev_log_index + ae->n_entries;
        return ae->leader_commit < verified ? ae->leader_commit : verified;
    }
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return m->install_snapshot.snapshot.last_index;
    default:
        return 0;
    }
}

static bool check_follower_commit(uint32_t node,
                                  const struct raft_message *m,
                                  const struct sim_rules_receipt *rc,
                                  struct sim_violation *out)
{
    if (rc->role == RAFT_LEADER || rc->after <= rc->before ||
        rc->after <= commit_bound(m))
        return true;
    return sim_violation_set(
        out, SIM_PROP_COMMIT_RULE, node, (uint32_t)m->from, rc->term, rc->after,
        "n%u raised its commit index from %" PRIu64 " to %" PRIu64
        " on %s from n%" PRIu64
        " that verifies and commits only up "
        "to index %" PRIu64 ".",
        node, rc->before, rc->after, raft_message_type_name(m->type), m->from,
        commit_bound(m));
}

static bool check_match(const struct sim_rules *r,
                        uint32_t node,
                        const struct raft_message *m,
                        const struct sim_rules_receipt *rc,
                        struct sim_violation *out)
{
    if (rc->role != RAFT_LEADER || !node_ok(r, m->from) ||
        (m->type != RAFT_MSG_APPEND_ENTRIES_RESULT &&
         m->type != RAFT_MSG_INSTALL_SNAPSHOT_RESULT))
        return true;
    const struct ack_seen *a = &r->acks[m->from * (r->n + 1) + node];
    uint64_t allowed = a->term == rc->term ? a->index : 0;
    if (rc->match <= allowed)
        return true;
    return sim_violation_set(
        out, SIM_PROP_MATCH_INDEX, node, (uint32_t)m->from, rc->term, rc->match,
        "Leader n%u of term %" PRIu64 " counts n%" PRIu64
        " as holding index %" PRIu64 " after a reply of term %" PRIu64
        ", but n%" PRIu64 " acknowledged only up to index %" PRIu64
        " in term %" PRIu64 ".",
        node, rc->term, m->from, rc->match, m->term, m->from, allowed,
        rc->term);
}

bool sim_rules_on_receive(struct sim_rules *r,
                          uint32_t node,
                          const struct raft_message *m,
                          const struct sim_rules_receipt *rc,
                          struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(r, node), true);
    return sim_rules_judge_receipt(r, node, m, rc, out);
}

bool sim_rules_judge_receipt(struct sim_rules *r,
                             uint32_t node,
                             const struct raft_message *m,
                             const struct sim_rules_receipt *rc,
                             struct sim_violation *out)
{
    return check_follower_commit(node, m, rc, out) &&
           check_match(r, node, m, rc, out);
}

/* Whether node's durable image (asked about commit) holds the entry of
 * entry_term at commit. */
static bool holds_durably(const struct sim_durable *d,
                          uint64_t commit,
                          uint64_t entry_term)
{
    g_return_val_if_fail(d->at_index == commit, false);
    return commit <= d->snap_index || d->at_term == entry_term;
}

/* commit-rule, the leader's side: the voters that acknowledged commit in
 * term (itself: holding it durably) form a quorum of every half. */
static bool check_leader_acks(const struct sim_rules *r,
                              uint32_t node,
                              uint64_t term,
                              uint64_t commit,
                              uint64_t entry_term,
                              const struct sim_conf *c,
                              const struct sim_durable *disks,
                              struct sim_violation *out)
{
    /* Every node that acknowledged: the quorum counts only the voters
     * among them, and so does the report. */
    struct sim_idset acked = {{0}};
    for (uint32_t p = 1; p <= r->n; p++) {
        const struct ack_seen *a = &r->acks[(gsize)p * (r->n + 1) + node];
        bool has = p == node ? holds_durably(&disks[p], commit, entry_term)
                             : a->term == term && a->index >= commit;
        if (has)
            sim_idset_add(&acked, p);
    }
    if (sim_conf_quorum(c, &acked))
        return true;
    char cs[160];
    sim_conf_describe(c, cs, sizeof cs);
    return sim_violation_set(
        out, SIM_PROP_COMMIT_RULE, node, 0, term, commit,
        "Leader n%u of term %" PRIu64 " committed index %" PRIu64
        " acknowledged in its term by %u voter(s) (itself included when"
        " durable), no majority of every half of its configuration (%s).",
        node, term, commit, sim_conf_voters_among(c, &acked), cs);
}

bool sim_rules_on_leader_commit(const struct sim_rules *r,
                                uint32_t node,
                                uint64_t term,
                                uint64_t commit,
                                uint64_t entry_term,
                                const struct sim_rules_quorum *quorum,
                                const struct sim_durable *disks,
                                struct sim_violation *out)
{
    g_return_val_if_fail(node_ok(r, node), true);
    const struct sim_conf *c = quorum->config;
    if (quorum->count_acks && !check_leader_acks(r, node, term, commit,
                                                 entry_term, c, disks, out))
        return false;
    /* Every node that holds it: the quorum counts only the voters among
     * them, and so does the report. */
    struct sim_idset held = {{0}};
    for (uint32_t i = 1; i <= r->n; i++)
        if (holds_durably(&disks[i], commit, entry_term))
            sim_idset_add(&held, i);
    if (sim_conf_quorum(c, &held))
        return true;
    uint32_t voters = 0;
    for (uint32_t i = 1; i <= r->n; i++)
        voters += sim_conf_is_voter(c, i);
    return sim_violation_set(out, SIM_PROP_PERSISTENCE, node, 0, term, commit,
                             "Leader n%u of term %" PRIu64
                             " committed index %" PRIu64 " (term %" PRIu64
                             ") while only %u of %u %s hold it "
                             "durably.",
                             node, term, commit, entry_term,
                             sim_conf_voters_among(c, &held), voters,
                             c->joint ? "voters of the joint configuration"
                                      : "nodes");
}

void sim_rules_on_crash(struct sim_rules *r, uint32_t node)
{
    g_return_if_fail(node_ok(r, node));
    r->votes[node].known = false;
}
