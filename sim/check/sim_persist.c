/* sim_persist.c: the persistence contract, checked as a message leaves.
 *
 * Stateless: each check reads one message, the term its sender acknowledged
 * (captured when the message was built) and the sender's durable image, in
 * constant time. The rules and their sources are in sim_persist.h.
 */
#include "sim/check/sim_persist.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>

static bool fail(struct sim_violation *out,
                 uint32_t node,
                 const struct raft_message *m,
                 uint64_t index,
                 const char *fmt,
                 ...) G_GNUC_PRINTF(5, 6);

static bool fail(struct sim_violation *out,
                 uint32_t node,
                 const struct raft_message *m,
                 uint64_t index,
                 const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    sim_violation_setv(out, SIM_PROP_PERSISTENCE, node, (uint32_t)m->to,
                       m->term, index, fmt, ap);
    va_end(ap);
    return false;
}

/* Whether the message carries a term its sender must hold durably. */
static bool term_is_promised(const struct raft_message *m)
{
    switch (m->type) {
    case RAFT_MSG_PRE_VOTE:
        return false; /* the prospective term (thesis §9.6) */
    case RAFT_MSG_REQUEST_VOTE:
        return false; /* written in parallel (thesis §10.2.1) */
    case RAFT_MSG_PRE_VOTE_RESULT:
        return !m->request_vote_result.granted; /* a grant echoes it */
    default:
        return true;
    }
}

/* The vote a leader's message (for the sender itself: it took office on
 * it) or a granted RequestVoteResult (for the receiver) promises; 0:
 * none. */
static uint64_t promised_vote(uint32_t node, const struct raft_message *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES:
    case RAFT_MSG_INSTALL_SNAPSHOT:
    case RAFT_MSG_TIMEOUT_NOW:
        return node;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return m->request_vote_result.granted ? m->to : 0;
    default:
        return 0;
    }
}

/* Describes check_ack()'s failure: the durable image does not hold index
 * with term acked_term. Out of line, like the other descriptions: the
 * checks that pass, nearly all, then need no room for them. */
static G_GNUC_NO_INLINE bool ack_failure(uint32_t node,
                                         const struct raft_message *m,
                                         uint64_t index,
                                         uint64_t acked_term,
                                         const struct sim_durable *d,
                                         struct sim_violation *out)
{
    const char *name = raft_message_type_name(m->type);
    const char *verb = m->type == RAFT_MSG_REQUEST_VOTE
                           ? "describing its log up to"
                           : "acknowledging";
    uint64_t held = d->at_term;
    if (held == 0) {
        return fail(out, node, m, index,
                    "n%u sent %s to n%u %s index %" PRIu64
                    " while its durable log ends at index %" PRIu64 ".",
                    node, name, (uint32_t)m->to, verb, index, d->last_index);
    }
    return fail(out, node, m, index,
                "n%u sent %s to n%u %s index %" PRIu64 " of term %" PRIu64
                " while its durable log holds term %" PRIu64 " there.",
                node, name, (uint32_t)m->to, verb, index, acked_term, held);
}

/* The durable image holds index with term acked_term (0: any term). */
static bool check_ack(uint32_t node,
                      const struct raft_message *m,
                      uint64_t index,
                      uint64_t acked_term,
                      const struct sim_durable *d,
                      struct sim_violation *out)
{
    if (index < d->snap_index) {
        return true; /* inside the durable snapshot: committed */
    }
    if (d->at_term != 0 && (acked_term == 0 || d->at_term == acked_term)) {
        return true; /* held, with the term promised */
    }
    return ack_failure(node, m, index, acked_term, d, out);
}

/* The term and vote a restart from the durable image resumes with: the
 * term record's, unless the durable log ends in a later term, which the
 * node then resumes in with no vote (raft_create(); Figure 2: currentTerm is
 * the latest term the server has seen, and an entry of term T reached the
 * log only after its node adopted T). */
static void durable_term(const struct sim_durable *d,
                         uint64_t *term,
                         uint64_t *vote)
{
    *term = d->last_term > d->term ? d->last_term : d->term;
    *vote = d->last_term > d->term ? 0 : d->vote;
}

/* Describes a message of a term its sender does not hold durably. */
static G_GNUC_NO_INLINE bool term_failure(uint32_t node,
                                          const struct raft_message *m,
                                          uint64_t term,
                                          struct sim_violation *out)
{
    return fail(out, node, m, 0,
                "n%u sent %s of term %" PRIu64
                " to n%u while its durable term is %" PRIu64 ".",
                node, raft_message_type_name(m->type), m->term,
                (uint32_t)m->to, term);
}

/* Describes a message promising a vote its sender does not hold
 * durably. */
static G_GNUC_NO_INLINE bool vote_failure(uint32_t node,
                                          const struct raft_message *m,
                                          uint64_t vote,
                                          uint64_t voted,
                                          struct sim_violation *out)
{
    char held[32] = "none";
    if (voted != 0) {
        g_snprintf(held, sizeof held, "for n%" PRIu64, voted);
    }
    return fail(out, node, m, 0,
                "n%u sent %s of term %" PRIu64
                " to n%u, promising its vote to n%" PRIu64
                ", while its durable vote in that term is %s.",
                node, raft_message_type_name(m->type), m->term,
                (uint32_t)m->to, vote, held);
}

bool sim_persist_check(uint32_t node,
                       const struct raft_message *m,
                       uint64_t acked_term,
                       const struct sim_durable *disk,
                       struct sim_violation *out)
{
    uint64_t term = 0;
    uint64_t voted = 0;
    durable_term(disk, &term, &voted);
    if (term_is_promised(m) && term < m->term) {
        return term_failure(node, m, term, out);
    }
    uint64_t vote = promised_vote(node, m);
    if (vote != 0 && term == m->term && voted != vote) {
        return vote_failure(node, m, vote, voted, out);
    }
    uint64_t index = sim_persist_promised_index(m);
    if (m->type == RAFT_MSG_REQUEST_VOTE)
        acked_term = m->request_vote.last_log_term; /* carried, not read */
    g_return_val_if_fail(index == 0 || disk->at_index == index, true);
    return index == 0 || check_ack(node, m, index, acked_term, disk, out);
}
