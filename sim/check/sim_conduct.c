/* sim_conduct.c: the per-step election and timing checkers of sim_conduct.h.
 *
 * Invariant: for every live node that does not lead, reset_at is the latest
 * local time at which a core following the rules may have re-armed its
 * election timer (a leader's is not kept: the step that ends its leadership
 * changes its role, which re-arms the timer, before anything reads it), deadline
 * the deadline its last processed step announced, and, while it leads,
 * heard[p] the latest local time at which it processed a message from peer
 * p in its current leadership (its start, and p's becoming a voter of its
 * configuration, counting as hearing p), conf its configuration at its last
 * step and conf_since the time conf's quorums took effect.
 * Each of these is at least what the core itself keeps, which makes every
 * check below lenient, never strict, towards a correct core.
 */
#include "sim/check/sim_conduct.h"
#include "sim/check/sim_configs.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>

struct conduct_node
{
    bool live;
    uint64_t reset_at;    /* the last legitimate election-timer reset */
    uint64_t deadline;    /* the next deadline of the last step */
    uint64_t *heard;      /* [1..n_nodes]: leader only, when each peer spoke */
    struct sim_conf conf; /* leader only: its configuration at its last step */
    uint64_t conf_since;  /* leader only: when conf's quorums took effect */
    /* The config_version conf was read at (0: none): while a step brings
     * the same, its configuration is conf (sim_conduct_step). */
    uint64_t conf_version;
};

struct sim_conduct
{
    struct sim_conduct_config cfg;
    struct conduct_node *nodes; /* [1..n_nodes]; [0] unused */
    uint64_t *heard;            /* n_nodes * (n_nodes + 1) */
};

struct sim_conduct *sim_conduct_new(const struct sim_conduct_config *config)
{
    g_return_val_if_fail(config != NULL && config->n_nodes >= 1, NULL);
    struct sim_conduct *r = g_new0(struct sim_conduct, 1);
    r->cfg = *config;
    uint32_t n = config->n_nodes;
    r->nodes = g_new0(struct conduct_node, (gsize)n + 1);
    r->heard = g_new0(uint64_t, (gsize)n * (n + 1));
    for (uint32_t i = 1; i <= n; i++)
        r->nodes[i].heard = &r->heard[(gsize)(i - 1) * (n + 1)];
    return r;
}

void sim_conduct_free(struct sim_conduct *r)
{
    if (r == NULL)
        return;
    g_free(r->heard);
    g_free(r->nodes);
    g_free(r);
}

void sim_conduct_on_crash(struct sim_conduct *r, uint32_t node)
{
    g_return_if_fail(node >= 1 && node <= r->cfg.n_nodes);
    r->nodes[node].live = false;
    r->nodes[node].conf_version = 0; /* the next core numbers afresh */
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Fills *out; returns false for the caller to pass on. */
static bool fail(struct sim_violation *out,
                 enum sim_property p,
                 uint32_t a,
                 uint32_t b,
                 uint64_t term,
                 const char *fmt,
                 ...) G_GNUC_PRINTF(6, 7);

static bool fail(struct sim_violation *out,
                 enum sim_property p,
                 uint32_t a,
                 uint32_t b,
                 uint64_t term,
                 const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_violation_setv(out, p, a, b, term, 0, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- term-origin --------------------------------------------------------- */

/* Whether the received message may carry a term the node adopts: not a
 * PreVote, whose term is only proposed, nor a grant, which echoes it. */
static bool carries_real_term(const struct raft_message *m)
{
    if (m->type == RAFT_MSG_PRE_VOTE)
        return false;
    return m->type != RAFT_MSG_PRE_VOTE_RESULT ||
           !m->request_vote_result.granted;
}

/* A step that changed the node's term (rare): out of line, so that the
 * steps that keep it, nearly all, set up no room for it. */
static G_GNUC_NO_INLINE bool check_term_change(uint32_t node,
                                               uint64_t before,
                                               uint64_t after,
                                               const struct raft_message *m,
                                               enum raft_role role,
                                               struct sim_violation *out)
{
    if (after < before)
        return fail(out, SIM_PROP_TERM_ORIGIN, node, 0, before,
                    "n%" PRIu32 "'s term went back from %" PRIu64 " to %" PRIu64
                    " without a crash.",
                    node, before, after);
    if (m != NULL && m->term == after && carries_real_term(m))
        return true; /* Figure 2: adopt a higher term seen in a message */
    if (after == before + 1 && role != RAFT_FOLLOWER)
        return true; /* §5.2: a candidate increments its term */
    if (m != NULL && m->term == after)
        return fail(out, SIM_PROP_TERM_ORIGIN, node, (uint32_t)m->from,
                    after,
                    "n%" PRIu32 " moved from term %" PRIu64 " to term %" PRIu64
                    " proposed by n%" PRIu64
                    "'s %s, which changes no term"
                    " (thesis §9.6).",
                    node, before, after, m->from,
                    m->type == RAFT_MSG_PRE_VOTE ? "PreVote" : "PreVote grant");
    return fail(out, SIM_PROP_TERM_ORIGIN, node, 0, after,
                "n%" PRIu32 "'s term rose from %" PRIu64 " to %" PRIu64
                " as a %s, neither by campaigning nor from a message's term"
                " (a pre-candidate keeps its term, thesis §9.6).",
                node, before, after, raft_role_name(role));
}

static inline bool check_term_origin(const struct sim_conduct_step *st,
                                     struct sim_violation *out)
{
    return st->steady || st->term_after == st->term_before ||
           check_term_change(st->node, st->term_before, st->term_after,
                             st->received, st->update->role, out);
}

/* ---- prevote-reply ------------------------------------------------------- */

/* The answer to a received PreVote (rare): out of line. */
static G_GNUC_NO_INLINE bool check_prevote_answer(
    uint32_t node,
    const struct raft_message *m,
    const struct raft_update *u,
    uint64_t term_after,
    struct sim_violation *out)
{
    for (size_t i = 0; i < u->n_messages; i++) {
        const struct raft_message *o = &u->messages[i];
        if (o->type != RAFT_MSG_PRE_VOTE_RESULT || o->to != m->from)
            continue;
        bool granted = o->request_vote_result.granted;
        uint64_t want = granted ? m->term : term_after;
        if (o->term == want)
            return true;
        return fail(out, SIM_PROP_PREVOTE_REPLY, node, (uint32_t)m->from,
                    o->term,
                    "n%" PRIu32 " %s n%" PRIu64 "'s PreVote for term %" PRIu64
                    " with term %" PRIu64 " instead of %" PRIu64 ".",
                    node, granted ? "granted" : "refused", m->from, m->term,
                    o->term, want);
    }
    return fail(out, SIM_PROP_PREVOTE_REPLY, node, (uint32_t)m->from,
                term_after,
                "n%" PRIu32 " (term %" PRIu64 ") did not answer n%" PRIu64
                "'s PreVote for term %" PRIu64
                ": a refusal must carry the voter's term (thesis §9.6).",
                node, term_after, m->from, m->term);
}

static inline bool check_prevote_reply(const struct sim_conduct_step *st,
                                       struct sim_violation *out)
{
    const struct raft_message *m = st->received;
    return m == NULL || m->type != RAFT_MSG_PRE_VOTE ||
           check_prevote_answer(st->node, m, st->update, st->term_after, out);
}

/* ---- election-timer ------------------------------------------------------ */

static bool granted_a_vote(const struct raft_update *u)
{
    for (size_t i = 0; i < u->n_messages; i++)
        if (u->messages[i].type == RAFT_MSG_REQUEST_VOTE_RESULT &&
            u->messages[i].request_vote_result.granted)
            return true;
    return false;
}

/* Whether a core following Figure 2 may have re-armed its election timer in
 * this step (its start is handled by the caller): it heard a leader of its
 * term or a later one (the common step, asked first), its timer was due or
 * forced, it changed role, or it granted a vote. */
static inline bool may_reset_timer(const struct conduct_node *n,
                                   const struct sim_conduct_step *st)
{
    const struct raft_message *m = st->received;
    if (m != NULL && m->term >= st->term_before &&
        (m->type == RAFT_MSG_APPEND_ENTRIES ||
         m->type == RAFT_MSG_INSTALL_SNAPSHOT))
        return true;
    if (st->input == SIM_CONDUCT_CAMPAIGN ||
        (st->input == SIM_CONDUCT_TICK && st->now >= n->deadline))
        return true;
    if (!st->steady && st->update->role != st->role_before)
        return true;
    return granted_a_vote(st->update);
}

/* Describes an election put off past the bound (out of line, like the
 * other descriptions: the steps that pass need no room for them). */
static G_GNUC_NO_INLINE bool timer_failure(const struct sim_conduct *r,
                                           const struct conduct_node *n,
                                           uint32_t node,
                                           const struct raft_update *u,
                                           const struct raft_message *m,
                                           uint64_t term_before,
                                           uint64_t term_after,
                                           struct sim_violation *out)
{
    return fail(out, SIM_PROP_ELECTION_TIMER, node,
                m ? (uint32_t)m->from : 0, term_after,
                "%s n%" PRIu32 " of term %" PRIu64
                " put off its election to %" PRIu64
                "us after it last heard a leader, voted or campaigned,"
                " past the maximum election timeout of %" PRIu64 "us, %s%s%s.",
                raft_role_name(u->role), node, term_after,
                u->next_deadline - n->reset_at, r->cfg.election_timeout_max,
                m ? "when it received " : "in a step without a message",
                m ? raft_message_type_name(m->type) : "",
                m && m->term < term_before ? " of an older term" : "");
}

static inline bool check_election_timer(struct sim_conduct *r,
                                        struct conduct_node *n,
                                        const struct sim_conduct_step *st,
                                        struct sim_violation *out)
{
    /* A leader has no election deadline, and the step that ends its
     * leadership changes its role, which re-arms the timer: what it would
     * set here is never read. */
    const struct raft_update *u = st->update;
    if (may_reset_timer(n, st))
        n->reset_at = st->now;
    if (u->next_deadline == UINT64_MAX ||
        u->next_deadline <= add_sat(n->reset_at, r->cfg.election_timeout_max))
        return true;
    return timer_failure(r, n, st->node, u, st->received, st->term_before,
                         st->term_after, out);
}

/* ---- check-quorum -------------------------------------------------------- */

/* The step's configuration: the core's, or every node a voter. */
static void step_conf(const struct sim_conduct *r,
                      const struct raft_configuration *config,
                      const struct raft *core,
                      struct sim_conf *c)
{
    struct raft_configuration read;
    if (config == NULL && core != NULL) {
        raft_get_configuration(core, &read);
        config = &read;
    }
    if (config == NULL || !sim_conf_from(config, c))
        sim_conf_first(c, r->cfg.n_nodes);
}

/* Keeps n->conf, n->conf_since and n->heard as the file comment says, for
 * a leader's step that begins its leadership or brings a configuration
 * version other than the one n->conf was read at (out of line: a leader's
 * other steps change neither). A
 * voter new to the configuration (not a voter at the leader's previous
 * step) is counted as heard when it joined, as the core starts a new
 * member's slot: it has not been silent for an election timeout (thesis
 * §6.2), and etcd-io/raft marks a new member recently active likewise. A
 * voter removed or demoted and later added or promoted again joins anew;
 * what was heard from it before its removal does not judge it. */
static G_GNUC_NO_INLINE void note_conf(struct sim_conduct *r,
                                       struct conduct_node *n,
                                       const struct raft_configuration *config,
                                       const struct raft *core,
                                       uint64_t config_version,
                                       uint64_t now,
                                       bool new_leadership)
{
    bool known = config_version != 0 && config_version == n->conf_version;
    if (new_leadership) {
        for (uint32_t p = 1; p <= r->cfg.n_nodes; p++)
            n->heard[p] = now; /* the core starts counting here */
        n->conf_since = now;
    }
    if (!known) {
        struct sim_conf c;
        step_conf(r, config, core, &c);
        if (new_leadership)
            n->conf = c;
        for (uint32_t p = 1; p <= r->cfg.n_nodes; p++)
            if (sim_conf_is_voter(&c, p) && !sim_conf_is_voter(&n->conf, p))
                n->heard[p] = now;
        if (!sim_conf_same_quorums(&n->conf, &c))
            n->conf_since = now;
        n->conf = c;
        n->conf_version = config_version;
    }
}

/* A leader's step: its configuration as note_conf() keeps it, and the
 * sender of the message it received heard now. An unchanged version means
 * the configuration is n->conf: no voter is new and no quorum changed, so
 * only a new leadership has work there. A steady step (a leader's, kept
 * its role and term) begins none: one test instead of two. */
static inline void note_heard(struct sim_conduct *r,
                              struct conduct_node *n,
                              const struct sim_conduct_step *st)
{
    bool new_leadership =
        !st->steady && (st->role_before != RAFT_LEADER ||
                        st->term_before != st->term_after);
    if (new_leadership || st->config_version == 0 ||
        st->config_version != n->conf_version)
        note_conf(r, n, st->config, st->core, st->config_version, st->now,
                  new_leadership);
    const struct raft_message *m = st->received;
    if (m != NULL && m->from - 1 < r->cfg.n_nodes)
        n->heard[m->from] = st->now;
}

/* check-quorum at a leader's timer step (out of line: most steps are
 * not). */
static G_GNUC_NO_INLINE bool judge_quorum(const struct sim_conduct *r,
                                          const struct conduct_node *n,
                                          uint32_t node,
                                          uint64_t now,
                                          uint64_t term,
                                          struct sim_violation *out)
{
    /* The core checks the configuration it acts on once per heartbeat: a
     * change that shrinks the voters heard (a heard voter removed or
     * demoted, a joint half added) is judged one heartbeat interval after
     * it took effect, when the core has checked it at least once. */
    if (now - n->conf_since < r->cfg.heartbeat_interval)
        return true;
    uint64_t window = r->cfg.election_timeout_min + r->cfg.heartbeat_interval;
    const struct sim_conf *c = &n->conf;
    struct sim_idset active = {{0}};
    sim_idset_add(&active, node);
    for (uint32_t p = 1; p <= r->cfg.n_nodes; p++)
        if (p != node && now - n->heard[p] < window)
            sim_idset_add(&active, p);
    if (sim_conf_quorum(c, &active))
        return true;
    uint32_t heard = 0;
    for (uint32_t p = 1; p <= r->cfg.n_nodes; p++)
        heard += sim_idset_has(&active, p) && sim_conf_is_voter(c, p);
    char cs[160];
    sim_conf_describe(c, cs, sizeof cs);
    return fail(out, SIM_PROP_CHECK_QUORUM, node, 0, term,
                "Leader n%" PRIu32 " of term %" PRIu64
                " still leads although only %" PRIu32
                " voter(s) (itself included when a voter) were heard in the"
                " last %" PRIu64
                "us (election timeout min + heartbeat;"
                " thesis §6.2), no majority of every half of %s.",
                node, term, heard, window, cs);
}

static inline bool check_quorum(struct sim_conduct *r,
                                struct conduct_node *n,
                                const struct sim_conduct_step *st,
                                struct sim_violation *out)
{
    if (!r->cfg.check_quorum || st->input != SIM_CONDUCT_TICK)
        return true;
    return judge_quorum(r, n, st->node, st->now, st->term_after, out);
}

/* ---- the step ------------------------------------------------------------ */

/* The node (re)started: raft_create() armed a fresh timer at now. */
static G_GNUC_NO_INLINE void node_start(struct conduct_node *n, uint64_t now)
{
    n->live = true;
    n->reset_at = now;
    n->deadline = UINT64_MAX;
    n->conf_version = 0;
}

/* Every step is judged on one path. Each rule first asks the cheap
 * question that settles most steps (the term unchanged, no PreVote
 * received, a deadline within its bound, no leader's timer step) and
 * judges the rest out of line. */
bool sim_conduct_judge(struct sim_conduct *r,
                       const struct sim_conduct_step *st,
                       struct sim_violation *out)
{
    struct conduct_node *n = &r->nodes[st->node];
    if (!n->live) /* never started, or crashed: a START step's node */
        node_start(n, st->now);
    const struct raft_update *u = st->update;
    bool leader = u->role == RAFT_LEADER;
    if (leader)
        note_heard(r, n, st);
    bool ok = check_term_origin(st, out) && check_prevote_reply(st, out) &&
              (leader ? check_quorum(r, n, st, out)
                      : check_election_timer(r, n, st, out));
    n->deadline = u->next_deadline;
    return ok;
}

bool sim_conduct_on_step(struct sim_conduct *r,
                         const struct sim_conduct_step *st,
                         struct sim_violation *out)
{
    g_return_val_if_fail(r != NULL && st != NULL && st->update != NULL, true);
    g_return_val_if_fail(st->node - 1 < r->cfg.n_nodes, true); /* 1..n */
    g_return_val_if_fail(
        (st->input == SIM_CONDUCT_RECEIVE) == (st->received != NULL), true);
    g_return_val_if_fail(!st->steady || (st->term_after == st->term_before &&
                                         st->update->role == st->role_before),
                         true);
    if (st->input == SIM_CONDUCT_START)
        r->nodes[st->node].live = false; /* started anew without a crash */
    return sim_conduct_judge(r, st, out);
}
