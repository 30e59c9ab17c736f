/* raft_durable.c: what the host has made durable, and which messages must
 * wait for it.
 *
 * Figure 2: persistent state is "updated on stable storage before
 * responding to RPCs". Taken per message, a message must wait only for the
 * durable state it promises, and one that promises nothing new leaves at
 * once, however many writes are pending (a heartbeat acknowledgement, a
 * vote denial in a term already durable). The promises, for a message of
 * term T:
 * - every message except a PreVote, a granted PreVoteResult and a
 *   RequestVote: the term T is durable (a restart must not forget it);
 * - a granted RequestVoteResult: the vote for the candidate in T;
 * - a successful AppendEntriesResult for index I: the log up to I
 *   (durable_index), and an InstallSnapshotResult: the snapshot it names;
 * - a RequestVote promises the log it describes (up to its last index),
 *   and nothing of the term: like the leader's own log write (thesis
 *   §10.2.1), the candidate's term and vote write runs in parallel with the
 *   requests, and the candidate takes office only once the host reported
 *   that write durable (raft_persisted_hard_state()), so that its vote for
 *   itself counts only then and its AppendEntries promise a durable term.
 *   The log must be durable: a candidate that crashes before its term is
 *   durable campaigns again in the same term after its restart, and the
 *   grants of its first requests count for the second (§5.4.1 judged them
 *   on the first one's log); were that log not durable, a restarted
 *   candidate with a shorter log would win with votes given to a longer
 *   one and could lack a committed entry (Leader Completeness).
 *
 * Invariants: durable_term <= term, and durable_vote is the vote the host
 * holds durably in durable_term; every entry up to durable_index is durable
 * and equal to the core's log there. Unlike persisted_index (the leader's
 * commit count, raised by a received snapshot), durable_index rises only on
 * the host's reports.
 */
#include <string.h>

#include "raft_impl.h"

/* Whether m promises state that the host has not reported durable. Inline
 * in both of its callers. */
static inline bool must_wait(const struct raft *r, const struct raft_message *m)
{
    bool term_new = m->term > r->durable_term;
    switch (m->type) {
    case RAFT_MSG_PRE_VOTE:
        return false;
    case RAFT_MSG_REQUEST_VOTE:
        return m->request_vote.last_log_index > r->durable_index;
    case RAFT_MSG_PRE_VOTE_RESULT:
        return !m->request_vote_result.granted && term_new;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return term_new || (m->request_vote_result.granted &&
                            r->durable_vote != m->to);
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return term_new || (m->append_entries_result.success &&
                            m->append_entries_result.index > r->durable_index);
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return term_new || m->install_snapshot_result.last_index > 0;
    default:
        return term_new;
    }
}

/* Most calls that emit messages find every one of them free to leave: the
 * term is durable and so is the log to its last index. Then none waits
 * unless one promises something else (msgs_promise_more), and the messages
 * need not be looked at one by one. Why, type by type, for a call that
 * wrote no entry (raft_finish()'s short path: no truncation, so the last
 * index did not go down during the call, and a compaction keeps or raises
 * it): every message carries the term of its emission, at most the term
 * now, except a PreVote and a granted PreVoteResult, which never wait; so
 * no message's term is new. A RequestVote promises the log to its last
 * index then, a successful AppendEntriesResult the log to the index it
 * verified, which the log held then: both at most the last index now, so
 * durable. The others wait only for a new term. A granted
 * RequestVoteResult (the vote) and an InstallSnapshotResult (the
 * snapshot) set msgs_promise_more, which sends the call to the loop. */
bool raft_durable_any_waits(struct raft *r)
{
    if (!r->msgs_promise_more && r->durable_term == r->term &&
        r->durable_index >= raft_log_last_index(&r->log)) {
        return false;
    }
    r->msgs_promise_more = false;
    for (size_t i = 0; i < r->n_msgs; i++) {
        if (must_wait(r, &r->msgs[i])) {
            return true;
        }
    }
    return false;
}

void raft_durable_order_messages(struct raft *r, struct raft_update *u)
{
    /* A stable partition: the messages that wait first, each group in
     * emission order. Calls that mix both are rare and short. */
    r->msgs_promise_more = false; /* looked at one by one below */
    size_t k = 0;
    for (size_t i = 0; i < r->n_msgs; i++) {
        if (!must_wait(r, &r->msgs[i])) {
            continue;
        }
        if (i > k) {
            struct raft_message m = r->msgs[i];
            memmove(&r->msgs[k + 1], &r->msgs[k],
                    (i - k) * sizeof r->msgs[0]);
            r->msgs[k] = m;
        }
        k++;
    }
    u->n_sync_messages = k;
}

void raft_durable_entries(struct raft *r, uint64_t index, uint64_t term)
{
    if (index > r->durable_index &&
        index <= raft_log_last_index(&r->log) &&
        raft_log_term_at(&r->log, index) == term) {
        r->durable_index = index;
    }
}

void raft_durable_log_changed(struct raft *r, uint64_t from)
{
    if (r->durable_index >= from) {
        r->durable_index = from - 1;
    }
}

bool raft_durable_self_vote(const struct raft *r)
{
    return r->durable_term == r->term && r->durable_vote == r->id;
}

/* The hard state (term, vote) is durable. A report must describe a write
 * the core asked for: not beyond the current term, and in the current term
 * no vote other than the current one. */
int raft_persisted_hard_state(struct raft *r,
                              uint64_t now,
                              uint64_t term,
                              uint64_t vote,
                              struct raft_update *u)
{
    if (r == NULL || u == NULL || term > r->term ||
        (term == r->term && vote != 0 && vote != r->vote)) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    raft_begin(r, now);
    if (term > r->durable_term ||
        (term == r->durable_term && r->durable_vote == 0)) {
        r->durable_term = term;
        r->durable_vote = vote;
        raft_election_vote_durable(r);
    }
    return raft_finish(r, u);
}
