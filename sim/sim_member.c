/* sim_member.c: the cluster's configuration as the engine judges it, and the
 * operator who changes it.
 *
 * Invariants: every query here reads the nodes' cores and the network only,
 * in id order, so it is a pure function of the run; an operator request is
 * either accepted (once, traced), refused for good (once, traced: the core
 * said RAFT_EINVAL), or has exactly one queued SIM_EV_OPERATOR that retries
 * it one heartbeat after its last transient refusal (traced too).
 */
#include <inttypes.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "sim/sim_members.h"

/* ---- the configuration ----------------------------------------------------
 */

static bool valid_node(const struct sim *s, uint64_t node)
{
    return node >= 1 && node <= s->n;
}

/* Whether a and b hear each other now (a node hears itself). */
static bool linked(const struct sim *s, uint32_t a, uint64_t b)
{
    if (!valid_node(s, b))
        return false;
    if (b == a)
        return true;
    return s->nodes[b].alive && sim_net_link_open(&s->net, a, (uint32_t)b) &&
           sim_net_link_open(&s->net, (uint32_t)b, a);
}

/* Whether a majority of ids[0..n) is linked with a. The count stops at a
 * majority: the rest cannot change the answer. */
static bool reaches_majority(const struct sim *s,
                             uint32_t a,
                             const uint64_t *ids,
                             size_t n)
{
    size_t need = n / 2 + 1, reach = 0;
    for (size_t i = 0; i < n && reach < need; i++)
        reach += linked(s, a, ids[i]);
    return reach >= need;
}

/* sim_current_leader() computed afresh. */
static uint32_t current_leader(const struct sim *s)
{
    uint32_t best = 0;
    uint64_t best_term = 0;
    for (uint32_t a = 1; a <= s->n; a++) {
        const struct sim_node *nd = &s->nodes[a];
        if (!nd->alive || raft_role(nd->core) != RAFT_LEADER)
            continue;
        struct raft_configuration c;
        raft_get_configuration(nd->core, &c);
        /* Thesis §4.3: while joint, both halves need a majority. */
        if (!reaches_majority(s, a, c.voters, c.n_voters) ||
            (c.n_outgoing && !reaches_majority(s, a, c.outgoing, c.n_outgoing)))
            continue;
        uint64_t term = raft_term(nd->core);
        if (best == 0 || term > best_term) {
            best = a;
            best_term = term;
        }
    }
    return best;
}

uint64_t sim_standing_version(const struct sim *s)
{
    return s->standing.version;
}

uint32_t sim_current_leader(const struct sim *s)
{
    /* current_leader() reads each node's liveness, role, term and latest
     * configuration and the links: while the standing's version stays the
     * one of the memo, so does its answer. The memo is no part of the run
     * (nothing is traced or drawn from it), so a query may keep it. */
    struct sim_standing *memo = &((struct sim *)s)->standing;
    if (memo->leader_version != memo->version) {
        memo->leader = current_leader(s);
        memo->leader_version = memo->version;
    }
    return memo->leader;
}

/* The live node whose log is the most up to date (§5.4.1), 0 if none. */
static uint32_t most_up_to_date(const struct sim *s)
{
    uint32_t best = 0;
    uint64_t best_term = 0, best_index = 0;
    for (uint32_t a = 1; a <= s->n; a++) {
        const struct sim_node *nd = &s->nodes[a];
        if (!nd->alive)
            continue;
        uint64_t term = raft_last_term(nd->core);
        uint64_t index = raft_last_index(nd->core);
        if (best == 0 || term > best_term ||
            (term == best_term && index > best_index)) {
            best = a;
            best_term = term;
            best_index = index;
        }
    }
    return best;
}

uint32_t sim_cluster_config(const struct sim *s, struct raft_configuration *out)
{
    uint32_t node = sim_current_leader(s);
    if (node == 0)
        node = most_up_to_date(s);
    if (node != 0) {
        raft_get_configuration(s->nodes[node].core, out);
        return node;
    }
    memset(out, 0, sizeof(*out));
    out->voters = s->voters;
    out->n_voters = s->rcfg.n_voters;
    return 0;
}

/* Marks ids[0..n) that are nodes of the cluster; returns how many new. */
static uint32_t mark(const struct sim *s,
                     bool *set,
                     const uint64_t *ids,
                     size_t n)
{
    uint32_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (valid_node(s, ids[i]) && !set[ids[i]]) {
            set[ids[i]] = true;
            count++;
        }
    }
    return count;
}

uint32_t sim_configuration_members(const struct sim *s,
                                   const struct raft_configuration *c,
                                   bool *member)
{
    memset(member, 0, (s->n + 1) * sizeof(*member));
    return mark(s, member, c->voters, c->n_voters) +
           mark(s, member, c->outgoing, c->n_outgoing) +
           mark(s, member, c->learners, c->n_learners);
}

uint32_t sim_cluster_members(const struct sim *s, bool *member)
{
    struct raft_configuration c;
    sim_cluster_config(s, &c);
    return sim_configuration_members(s, &c, member);
}

uint32_t sim_cluster_voters(const struct sim *s, bool *voter)
{
    memset(voter, 0, (s->n + 1) * sizeof(*voter));
    struct raft_configuration c;
    sim_cluster_config(s, &c);
    return mark(s, voter, c.voters, c.n_voters);
}

bool sim_node_config(const struct sim *s,
                     uint32_t node,
                     struct raft_configuration *out,
                     uint64_t *index)
{
    memset(out, 0, sizeof(*out));
    *index = 0;
    if (!valid_node(s, node) || !s->nodes[node].alive)
        return false;
    raft_get_configuration(s->nodes[node].core, out);
    *index = raft_configuration_index(s->nodes[node].core);
    return true;
}

/* ---- the operator ---------------------------------------------------------
 */

void sim_member_init(struct sim *s)
{
    s->standing.version = 1; /* a memo of version 0 is none */
    s->op_requests = g_ptr_array_new();
}

static void op_request_free(struct sim_op_request *rq)
{
    g_free(rq->changes);
    g_free(rq->text);
    g_free(rq);
}

void sim_member_destroy(struct sim *s)
{
    for (guint i = 0; i < s->op_requests->len; i++)
        op_request_free(g_ptr_array_index(s->op_requests, i));
    g_ptr_array_free(s->op_requests, TRUE);
}

/* "add n4, remove n1" for a change request given no text. */
static char *change_text(const struct raft_change *c, size_t n)
{
    if (n == 0)
        return g_strdup("leave-joint");
    GString *t = g_string_new(NULL);
    for (size_t i = 0; i < n; i++) {
        const char *what = c[i].type == RAFT_ADD_VOTER     ? "add"
                           : c[i].type == RAFT_ADD_LEARNER ? "add-learner"
                           : c[i].type == RAFT_PROMOTE     ? "promote"
                           : c[i].type == RAFT_DEMOTE      ? "demote"
                                                           : "remove";
        g_string_append_printf(t, "%s%s n%" PRIu64, i ? ", " : "", what,
                               c[i].id);
    }
    return g_string_free(t, FALSE);
}

static struct sim_op_request *add_request(struct sim *s)
{
    struct sim_op_request *rq = g_new0(struct sim_op_request, 1);
    g_ptr_array_add(s->op_requests, rq);
    rq->id = s->op_requests->len;
    sim_push(s, s->now_us, SIM_EV_OPERATOR, 0, rq->id, rq);
    return rq;
}

int sim_operator_change(struct sim *s,
                        const struct raft_change *changes,
                        size_t n,
                        enum raft_transition t,
                        const char *text,
                        uint64_t *request_out)
{
    if (n > SIM_MAX_NODES || (n && !changes))
        return SIM_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!valid_node(s, changes[i].id))
            return SIM_EINVAL;
    struct sim_op_request *rq = add_request(s);
    rq->transition = t;
    rq->n_changes = n;
    rq->changes = n ? g_memdup2(changes, n * sizeof(*changes)) : NULL;
    rq->text = text ? g_strdup(text) : change_text(changes, n);
    if (request_out)
        *request_out = rq->id;
    return SIM_OK;
}

int sim_operator_transfer(struct sim *s, uint32_t target, uint64_t *request_out)
{
    if (!valid_node(s, target))
        return SIM_EINVAL;
    struct sim_op_request *rq = add_request(s);
    rq->transfer = true;
    rq->target = target;
    rq->text = g_strdup_printf("transfer-leadership to n%" PRIu32, target);
    if (request_out)
        *request_out = rq->id;
    return SIM_OK;
}

/* What came of one attempt. */
enum attempt_outcome {
    ATTEMPT_ACCEPTED,
    ATTEMPT_RETRIED, /* no leader, or a refusal that waiting may cure */
    ATTEMPT_REFUSED, /* RAFT_EINVAL: the request does not apply; final */
};

/* One attempt at `leader` (0: none); writes the outcome into *result and
 * *index. */
static enum attempt_outcome attempt(struct sim *s,
                                    struct sim_op_request *rq,
                                    uint32_t leader,
                                    GString *result,
                                    uint64_t *index)
{
    *index = 0;
    if (leader == 0) {
        g_string_append(result, "no leader, retried");
        return ATTEMPT_RETRIED;
    }
    struct sim_node *nd = &s->nodes[leader];
    if (nd->paused) {
        g_string_printf(result, "leader n%" PRIu32 " is paused, retried",
                        leader);
        return ATTEMPT_RETRIED;
    }
    int rc;
    if (rq->transfer && rq->target == leader) {
        g_string_printf(result, "n%" PRIu32 " already leads", leader);
        return ATTEMPT_ACCEPTED;
    }
    if (rq->transfer)
        rc = sim_node_transfer(s, nd, rq->target);
    else
        rc = sim_node_change_membership(s, nd, rq->changes, rq->n_changes,
                                        rq->transition, index);
    if (rc == RAFT_OK) {
        if (rq->transfer)
            g_string_printf(result, "accepted by n%" PRIu32, leader);
        else
            g_string_printf(result,
                            "accepted by n%" PRIu32 " at index %" PRIu64,
                            leader, *index);
        return ATTEMPT_ACCEPTED;
    }
    /* RAFT_EINVAL says the request does not apply to the leader's
     * configuration (promote a voter, remove a non-member, transfer to a
     * non-voter): asking again every heartbeat would not help, so the
     * operator gives up, as a person would on that error. */
    bool final = rc == RAFT_EINVAL;
    g_string_printf(result, "refused by n%" PRIu32 " (%s)%s", leader,
                    raft_strerror(rc), final ? "" : ", retried");
    return final ? ATTEMPT_REFUSED : ATTEMPT_RETRIED;
}

void sim_member_on_operator(struct sim *s, const struct sim_event *ev)
{
    struct sim_op_request *rq = ev->ptr;
    uint32_t leader = sim_current_leader(s);
    GString *result = g_string_new(NULL);
    uint64_t index = 0;
    rq->attempts++;
    enum attempt_outcome outcome = attempt(s, rq, leader, result, &index);
    bool ok = outcome == ATTEMPT_ACCEPTED;
    char *text = g_strdup_printf("%s: %s", rq->text, result->str);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_OPERATOR;
    e.node = leader;
    e.peer = rq->transfer ? rq->target : 0;
    e.ok = ok;
    e.count = rq->attempts;
    e.request = rq->id;
    e.index = index;
    e.text = text;
    sim_emit(s, &e);
    g_free(text);
    g_string_free(result, TRUE);
    if (outcome == ATTEMPT_RETRIED)
        sim_push(s, s->now_us + s->cfg.heartbeat_us, SIM_EV_OPERATOR, 0, rq->id,
                 rq);
}
