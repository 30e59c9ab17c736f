/* raft_read.c: reads without the log (thesis §6.4 ReadIndex, §6.4.1 lease).
 *
 * Invariants: only a leader holds pending reads, in request order with
 * non-decreasing rounds, and drops them when it stops leading; a read is
 * reported only after a majority of every half of the configuration
 * answered an AppendEntries that left after the read was recorded (its
 * round is at least the read's), so the leader was still the leader after
 * the read arrived; its index is the commit index when it arrived, taken
 * only once an entry of the leader's term is committed, so it covers every
 * write completed before the read.
 */
#include <stdlib.h>

#include "raft_impl.h"

/* The quorum value of one half: the largest x such that a majority of the
 * half's voters have value >= x (UINT64_MAX for an empty outgoing half). */
static uint64_t half_quorum(struct raft *r,
                            bool outgoing,
                            bool sent_at,
                            uint64_t now)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_slots; i++) {
        const struct raft_progress *p = &r->progress[i];
        if (!(outgoing ? p->voter_out : p->voter)) {
            continue;
        }
        uint64_t v = sent_at ? p->acked_sent_at : p->acked_round;
        if (i == r->self_slot) {
            v = sent_at ? now : r->read_round;
        }
        r->match_scratch[n++] = v;
    }
    if (n == 0) {
        return UINT64_MAX;
    }
    raft_sort_descending(r->match_scratch, n);
    return r->match_scratch[n / 2];
}

/* Joint quorum value (thesis §4.3): the smaller of the two halves'. */
static uint64_t quorum_value(struct raft *r, bool sent_at, uint64_t now)
{
    uint64_t in = half_quorum(r, false, sent_at, now);
    uint64_t out = half_quorum(r, true, sent_at, now);
    return in < out ? in : out;
}

/* Moves the reads whose round is confirmed to the ready list. */
static void release_confirmed(struct raft *r)
{
    uint64_t confirmed = quorum_value(r, false, r->now);
    size_t k = 0;
    while (k < r->n_reads && r->reads[k].round <= confirmed) {
        r->ready[r->n_ready].id = r->reads[k].id;
        r->ready[r->n_ready].index = r->reads[k].index;
        r->n_ready++;
        k++;
    }
    for (size_t i = k; i < r->n_reads; i++) {
        r->reads[i - k] = r->reads[i];
    }
    r->n_reads -= k;
}

void raft_read_ack(struct raft *r,
                   struct raft_progress *p,
                   const struct raft_append_entries_result *res)
{
    /* Our own rounds and times only: a reply cannot confirm what was not
     * sent yet. */
    if (res->read_round > p->acked_round && res->read_round <= r->read_round) {
        p->acked_round = res->read_round;
    }
    if (res->sent_at > p->acked_sent_at && res->sent_at <= r->now) {
        p->acked_sent_at = res->sent_at;
    }
    if (r->n_reads > 0) {
        release_confirmed(r);
    }
}

void raft_read_drop(struct raft *r)
{
    r->n_reads = 0;
}

/* The leader may answer reads: it committed an entry of its term (§8,
 * thesis §6.4 step 1) and is not handing leadership over. */
static bool reads_allowed(const struct raft *r)
{
    return raft_log_term_at(&r->log, r->commit_index) == r->term &&
           r->transfer_target == 0;
}

static int reserve_reads(struct raft *r)
{
    if (r->n_reads + r->n_ready < r->reads_cap) {
        return RAFT_OK;
    }
    size_t cap = r->reads_cap > 0 ? 2 * r->reads_cap : 8;
    struct raft_read_request *reads = realloc(r->reads, cap * sizeof *reads);
    if (reads == NULL) {
        return RAFT_ENOMEM;
    }
    r->reads = reads;
    struct raft_read *ready = realloc(r->ready, cap * sizeof *ready);
    if (ready == NULL) {
        return RAFT_ENOMEM;
    }
    r->ready = ready;
    r->reads_cap = cap;
    return RAFT_OK;
}

int raft_read_index(struct raft *r,
                    uint64_t now,
                    uint64_t id,
                    struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    if (r->role != RAFT_LEADER) {
        return raft_fail(r, RAFT_ENOTLEADER, u);
    }
    if (!reads_allowed(r)) {
        return raft_fail(r, RAFT_EBUSY, u);
    }
    if (reserve_reads(r) != RAFT_OK) {
        return raft_fail(r, RAFT_ENOMEM, u);
    }
    raft_begin(r, now);
    /* Thesis §6.4 steps 1-3: record the commit index, then confirm
     * leadership with a round of heartbeats sent after it. */
    r->read_round++;
    r->reads[r->n_reads++] = (struct raft_read_request){
        .id = id, .index = r->commit_index, .round = r->read_round};
    raft_replication_confirm_round(r);
    release_confirmed(r);
    return raft_finish(r, u);
}

int raft_read_lease(struct raft *r, uint64_t now, uint64_t *index)
{
    if (r == NULL || index == NULL || now < r->now) {
        return RAFT_EINVAL;
    }
    if (!r->config.pre_vote && !r->config.check_quorum) {
        return RAFT_EINVAL;
    }
    if (r->role != RAFT_LEADER) {
        return RAFT_ENOTLEADER;
    }
    uint64_t min = r->config.election_timeout_min;
    uint64_t drift = r->config.lease_drift_bound;
    if (!reads_allowed(r) || drift >= min) {
        return RAFT_EBUSY;
    }
    /* The lease runs from the send time a majority of every half has
     * echoed: none of them votes for another leader before that time plus
     * election_timeout_min on its own clock (thesis §4.2.3). */
    uint64_t from = quorum_value(r, true, now);
    if (from > now || now - from >= min - drift) {
        return RAFT_EBUSY;
    }
    *index = r->commit_index;
    return RAFT_OK;
}
