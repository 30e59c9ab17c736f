/* raft_election.c: roles, terms, votes, PreVote and CheckQuorum.
 *
 * Invariants: the term only grows, and the vote is cleared whenever it does
 * (Figure 2, "Rules for all servers"); a vote, once given in a term, is only
 * ever repeated to the same candidate (Figure 2, RequestVote receiver rule 2);
 * a PreVote never changes the term or the vote of either side (thesis §9.6).
 * Whatever changes term or vote here is reported by raft_finish() as hard
 * state; a message that promises it waits until it is durable
 * (raft_durable.c), and a candidate takes office only once its own vote is.
 */
#include "raft_impl.h"

/* splitmix64: a tiny generator owned by the core, seeded by the host. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* §5.2: election timeouts are drawn anew, uniformly from [min, max],
 * whenever the deadline is armed, so that split votes do not repeat. The draw is
 * at most max - min, so min + draw is at most max and cannot wrap: one
 * saturating addition to now gives what adding min, then the draw, would.
 * Inlined into its callers: a follower draws at every heartbeat of its
 * leader, where the call and the registers saved around it cost about ten
 * instructions. */
RAFT_INLINE_ACROSS_FILES void raft_election_reset_timer(struct raft *r)
{
    uint64_t x = next_random(&r->rng);
    uint64_t draw = x % r->draw_range;
    r->election_deadline =
        raft_time_add(r->now, r->config.election_timeout_min + draw);
}

/* Figure 2, "Rules for all servers": a higher term makes us a follower of it
 * with no vote; a current leader's message makes a candidate a follower.
 * Figure 2, Followers: the timer is re-armed only on hearing a leader (or
 * granting a vote, elsewhere); a follower that merely adopts a higher term
 * keeps its deadline, so a candidate with a stale log, which it refuses,
 * cannot keep up-to-date followers from campaigning. A leader or candidate
 * stepping down arms a fresh follower timer. */
void raft_become_follower(struct raft *r, uint64_t term, uint64_t leader)
{
    bool was_leader = r->role == RAFT_LEADER;
    bool was_follower = r->role == RAFT_FOLLOWER;
    if (term > r->term) {
        r->term = term;
        r->vote = 0;
        r->hard_state_moved = true;
    }
    r->role = RAFT_FOLLOWER;
    r->leader = leader;
    r->pre_campaigning = false;
    r->transfer_target = 0;
    if (was_leader) {
        r->progress_version++; /* no more peers' progress to report */
    }
    if (r->n_reads > 0) {
        raft_read_drop(r); /* nothing pending: nothing to fail */
    }
    if (leader != 0) {
        r->leader_contact = r->now;
    }
    if (!was_follower || leader != 0) {
        raft_election_reset_timer(r);
    }
}

static void tally_reset(struct raft *r)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        r->progress[i].tally = RAFT_TALLY_NONE;
    }
    r->progress[r->self_slot].tally = RAFT_TALLY_GRANTED;
}

/* §5.2 and §8: the winner leads, resets every peer's progress to just past
 * its own log, and appends a no-op of its term so that entries of earlier
 * terms can commit (Figure 8). The caller reserved room for the no-op. */
static void become_leader(struct raft *r)
{
    r->role = RAFT_LEADER;
    r->leader = r->id;
    r->pre_campaigning = false;
    r->transfer_target = 0;
    r->lease_revoked = false;
    uint64_t next = raft_log_last_index(&r->log) + 1;
    for (size_t i = 0; i < r->n_slots; i++) {
        raft_progress_reset(&r->progress[i], next);
        r->progress[i].last_heard = r->now;
    }
    raft_log_append_empty(&r->log, r->term, RAFT_ENTRY_NOOP);
    raft_replication_mark_dirty(r, next);
    r->heartbeat_deadline =
        raft_time_add(r->now, r->config.heartbeat_interval);
    r->quorum_deadline = raft_time_add(r->now, r->config.election_timeout_min);
    raft_replication_send_all(r);
    raft_replication_maybe_commit(r);
}

/* Asks every other voter, of both halves while joint (thesis §4.3); a
 * learner is never asked. */
static void send_vote_requests(struct raft *r,
                               enum raft_message_type type,
                               uint64_t term,
                               bool transfer)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        const struct raft_progress *p = &r->progress[i];
        if (i == r->self_slot || !(p->voter || p->voter_out)) {
            continue;
        }
        struct raft_message *m = raft_emit(r, type, p->id);
        if (m != NULL) {
            m->term = term;
            m->request_vote.last_log_index = raft_log_last_index(&r->log);
            m->request_vote.last_log_term = raft_log_last_term(&r->log);
            m->request_vote.transfer = transfer;
        }
    }
}

/* §5.2, with the parallel write of thesis §10.2.1 applied to the vote: a
 * candidate that holds a majority takes office only once the host reported
 * its term and its vote for itself durable, so its own vote counts only
 * from then on, and its AppendEntries promise a term a restart keeps. */
static void maybe_take_office(struct raft *r)
{
    if (r->role == RAFT_CANDIDATE && raft_durable_self_vote(r) &&
        raft_membership_vote_won(r)) {
        become_leader(r);
    }
}

/* §5.2: increment the term, vote for ourselves, re-arm the timer and ask
 * every other voter at once: the requests promise only the log they
 * describe (raft_durable.c), so they leave while the new term and vote are
 * written, and an election costs one disk sync, not two back to back. */
static void campaign(struct raft *r, bool transfer)
{
    assert(r->term < RAFT_TERM_MAX);
    r->term++;
    r->vote = r->id;
    r->hard_state_moved = true;
    r->role = RAFT_CANDIDATE;
    r->leader = 0;
    r->pre_campaigning = false;
    tally_reset(r);
    raft_election_reset_timer(r);
    send_vote_requests(r, RAFT_MSG_REQUEST_VOTE, r->term, transfer);
}

void raft_election_vote_durable(struct raft *r)
{
    maybe_take_office(r);
}

void raft_election_campaign_transfer(struct raft *r)
{
    assert(r->role != RAFT_LEADER && raft_membership_self_voter(r));
    if (r->term < RAFT_TERM_MAX) {
        campaign(r, true);
    }
}

/* Thesis §9.6: ask whether we could win in term + 1 before disturbing anyone.
 * We stay a follower with our term and vote unchanged; we forget the leader,
 * since we no longer hear from it. */
static void pre_campaign(struct raft *r)
{
    r->role = RAFT_FOLLOWER;
    r->leader = 0;
    r->pre_campaigning = true;
    tally_reset(r);
    raft_election_reset_timer(r);
    if (raft_membership_vote_won(r)) {
        campaign(r, false);
        return;
    }
    send_vote_requests(r, RAFT_MSG_PRE_VOTE, r->term + 1, false);
}

void raft_election_timeout(struct raft *r)
{
    if (r->role == RAFT_LEADER) {
        return;
    }
    if (r->term >= RAFT_TERM_MAX || !raft_membership_may_campaign(r)) {
        /* No term follows this one, or we are no voter (a learner, a
         * removed server once its removal is committed, a spare; thesis
         * §4.2.2, §4.2.3): waiting is all that is left (a leader may still
         * be heard). */
        raft_election_reset_timer(r);
        return;
    }
    if (r->config.pre_vote) {
        pre_campaign(r);
    } else {
        campaign(r, false);
    }
}

bool raft_election_in_lease(const struct raft *r)
{
    if (!r->config.pre_vote && !r->config.check_quorum) {
        return false;
    }
    if (r->role == RAFT_LEADER || r->now < r->start_lease_end) {
        return true;
    }
    return r->leader != 0 &&
           r->now - r->leader_contact < r->config.election_timeout_min;
}

bool raft_election_observe_term(struct raft *r, const struct raft_message *m)
{
    if (m->term <= r->term) {
        return true;
    }
    switch (m->type) {
    case RAFT_MSG_PRE_VOTE:
        /* §9.6: a PreVote carries a prospective term; never adopt it. */
        return true;
    case RAFT_MSG_PRE_VOTE_RESULT:
        /* A grant echoes the term we proposed; a refusal carries the
         * voter's real term, which we adopt below. */
        if (m->request_vote_result.granted) {
            return true;
        }
        break;
    case RAFT_MSG_REQUEST_VOTE:
        /* Thesis §4.2.3: while a leader is known to be alive, a disruptive
         * candidate neither gets a vote nor bumps our term; unless the
         * leader itself asked for this campaign (thesis §3.10). */
        if (raft_election_in_lease(r) && !m->request_vote.transfer) {
            return false;
        }
        break;
    default:
        break;
    }
    bool from_leader = m->type == RAFT_MSG_APPEND_ENTRIES ||
                       m->type == RAFT_MSG_INSTALL_SNAPSHOT;
    raft_become_follower(r, m->term, from_leader ? m->from : 0);
    return true;
}

/* §5.4.1: the candidate's log is at least as up-to-date as ours. */
static bool log_up_to_date(const struct raft *r, const struct raft_message *m)
{
    uint64_t last_term = raft_log_last_term(&r->log);
    if (m->request_vote.last_log_term != last_term) {
        return m->request_vote.last_log_term > last_term;
    }
    return m->request_vote.last_log_index >= raft_log_last_index(&r->log);
}

static void reply_vote(struct raft *r,
                       enum raft_message_type type,
                       uint64_t to,
                       uint64_t term,
                       bool granted)
{
    struct raft_message *out = raft_emit(r, type, to);
    if (out != NULL) {
        out->term = term;
        out->request_vote_result.granted = granted;
        /* A granted vote waits for the vote (raft_durable.c). */
        r->msgs_promise_more = r->msgs_promise_more ||
                               (granted && type == RAFT_MSG_REQUEST_VOTE_RESULT);
    }
}

/* Figure 2, RequestVote receiver: 1. refuse an older term; 2. grant if we
 * have not voted for another candidate in this term (nor follow a leader of
 * it) and the candidate's log is up to date. Granting re-arms the timer. */
void raft_election_recv_request_vote(struct raft *r,
                                     const struct raft_message *m)
{
    bool grant = false;
    if (m->term == r->term) {
        bool free_to_vote =
            (r->vote == 0 && r->leader == 0) || r->vote == m->from;
        grant = free_to_vote && log_up_to_date(r, m);
    }
    if (grant) {
        /* A repeated grant (to the candidate we voted for) changes
         * nothing. */
        r->hard_state_moved = r->hard_state_moved || r->vote != m->from;
        r->vote = m->from;
        raft_election_reset_timer(r);
    }
    reply_vote(r, RAFT_MSG_REQUEST_VOTE_RESULT, m->from, r->term, grant);
}

/* §5.2: a candidate that gathers a majority of votes of its term leads. */
void raft_election_recv_vote_result(struct raft *r,
                                    const struct raft_message *m)
{
    if (r->role != RAFT_CANDIDATE || m->term != r->term) {
        return; /* stale: an older election's answer */
    }
    struct raft_progress *p = raft_progress_of(r, m->from);
    p->tally =
        m->request_vote_result.granted ? RAFT_TALLY_GRANTED : RAFT_TALLY_DENIED;
    maybe_take_office(r);
}

/* Thesis §9.6: grant a PreVote for a term above ours to an up-to-date log,
 * unless a leader is alive (§4.2.3); change nothing either way. A grant
 * echoes the proposed term, a refusal carries ours. */
void raft_election_recv_pre_vote(struct raft *r, const struct raft_message *m)
{
    bool grant =
        m->term > r->term && !raft_election_in_lease(r) && log_up_to_date(r, m);
    reply_vote(r, RAFT_MSG_PRE_VOTE_RESULT, m->from, grant ? m->term : r->term,
               grant);
}

/* Thesis §9.6: a majority of PreVotes starts the real election. */
void raft_election_recv_pre_vote_result(struct raft *r,
                                        const struct raft_message *m)
{
    if (!r->pre_campaigning) {
        return;
    }
    bool granted = m->request_vote_result.granted;
    if (m->term != (granted ? r->term + 1 : r->term)) {
        return; /* an answer to an earlier round */
    }
    struct raft_progress *p = raft_progress_of(r, m->from);
    p->tally = granted ? RAFT_TALLY_GRANTED : RAFT_TALLY_DENIED;
    if (raft_membership_vote_won(r)) {
        campaign(r, false);
    }
}

/* Thesis §6.2: a leader that has not heard from a majority (itself included)
 * within the last election_timeout_min steps down, so a partitioned leader
 * stops serving. Checked at every heartbeat, the step-down comes at most one
 * heartbeat interval after the majority's silence reached that timeout. A
 * joint configuration needs a majority of each half (thesis §4.3). */
void raft_election_check_quorum(struct raft *r)
{
    if (!raft_membership_quorum_active(r)) {
        raft_become_follower(r, r->term, 0);
        return;
    }
    r->quorum_deadline = raft_time_add(r->now, r->config.heartbeat_interval);
}
