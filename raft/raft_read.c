/* raft_read.c: reads without the log (thesis §6.4 ReadIndex, §6.4.1 lease),
 * and ReadIndex reads forwarded from followers.
 *
 * Invariants: only a leader holds pending reads, in request order with
 * non-decreasing rounds, and fails or drops them when it stops leading;
 * only a follower holds forwarded reads, each tied to the leader and term it
 * was sent in, and fails them once either changes; every read accepted by
 * raft_read_index() is reported exactly once; a read is
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

/* Reports the outcome of read id in this call's update. */
static void report(struct raft *r, uint64_t id, uint64_t index, int status)
{
    assert(r->n_ready < r->reads_cap + r->fwd_cap);
    r->ready[r->n_ready++] =
        (struct raft_read){.id = id, .index = index, .status = status};
}

/* Answers a forwarded read; false when the call's message bound is full. */
static bool answer(struct raft *r,
                   uint64_t to,
                   uint64_t id,
                   uint64_t index,
                   int status)
{
    struct raft_message *m = raft_emit(r, RAFT_MSG_READ_INDEX_RESULT, to);
    if (m == NULL) {
        return false;
    }
    m->read_forward.id = id;
    m->read_forward.index = index;
    m->read_forward.status = (uint32_t)status;
    return true;
}

/* Reports the reads whose round is confirmed, our own in the update and
 * forwarded ones to their followers (those stay pending, in order, while
 * this call has no room for another message). */
static void release_confirmed(struct raft *r)
{
    uint64_t confirmed = quorum_value(r, false, r->now);
    size_t k = 0;
    while (k < r->n_reads && r->reads[k].round <= confirmed) {
        const struct raft_read_request *q = &r->reads[k];
        if (q->from == 0) {
            report(r, q->id, q->index, RAFT_OK);
        } else if (!answer(r, q->from, q->id, q->index, RAFT_OK)) {
            break;
        }
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
    for (size_t i = 0; i < r->n_reads; i++) {
        if (r->reads[i].from == 0) {
            report(r, r->reads[i].id, 0, RAFT_ENOTLEADER);
        }
    }
    r->n_reads = 0;
}

/* The leader may answer reads: it committed an entry of its term (§8,
 * thesis §6.4 step 1) and is not handing leadership over. */
static bool reads_allowed(const struct raft *r)
{
    return raft_log_term_at(&r->log, r->commit_index) == r->term &&
           r->transfer_target == 0;
}

/* Grows *arr (of *cap elements of size bytes) to hold n + 1. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap) {
        return RAFT_OK;
    }
    size_t new_cap = *cap > 0 ? 2 * *cap : 8;
    void *p = realloc(*arr, new_cap * size);
    if (p == NULL) {
        return RAFT_ENOMEM;
    }
    *arr = p;
    *cap = new_cap;
    return RAFT_OK;
}

/* Room for one more pending read (forwarded: one more forwarded read) and
 * for every outcome one call can report. RAFT_ENOMEM leaves the reads as
 * they were (the outcome buffer may have grown). */
static int reserve_reads(struct raft *r, bool forwarded)
{
    size_t reads_cap = r->reads_cap;
    size_t fwd_cap = r->fwd_cap;
    void *reads = r->reads;
    void *fwd = r->fwd;
    int rc = forwarded
                 ? grow(&fwd, &fwd_cap, r->n_fwd, sizeof *r->fwd)
                 : grow(&reads, &reads_cap, r->n_reads, sizeof *r->reads);
    r->reads = reads;
    r->fwd = fwd;
    if (rc != RAFT_OK) {
        return rc;
    }
    if (reads_cap + fwd_cap > r->reads_cap + r->fwd_cap) {
        struct raft_read *ready =
            realloc(r->ready, (reads_cap + fwd_cap) * sizeof *ready);
        if (ready == NULL) {
            return RAFT_ENOMEM;
        }
        r->ready = ready;
    }
    r->reads_cap = reads_cap;
    r->fwd_cap = fwd_cap;
    return RAFT_OK;
}

/* Thesis §6.4 steps 1-3: record the commit index, then confirm leadership
 * with a round of heartbeats sent after it. from: the follower that
 * forwarded the read, 0 for our own. The caller reserved room. */
static void start_read(struct raft *r, uint64_t id, uint64_t from)
{
    assert(r->role == RAFT_LEADER && reads_allowed(r));
    assert(r->n_reads < r->reads_cap);
    r->read_round++;
    r->reads[r->n_reads++] = (struct raft_read_request){
        .id = id, .index = r->commit_index, .round = r->read_round,
        .from = from};
    raft_replication_confirm_round(r);
    release_confirmed(r);
}

/* A follower sends read id to its leader and waits for the answer (or
 * fails it, raft_read_settle()). The caller reserved room. */
static void forward(struct raft *r, uint64_t id)
{
    assert(r->role == RAFT_FOLLOWER && r->leader != 0);
    assert(r->n_fwd < r->fwd_cap);
    struct raft_message *m = raft_emit(r, RAFT_MSG_READ_INDEX, r->leader);
    if (m != NULL) {
        m->read_forward.id = id;
    }
    /* A message the call had no room for is lost like any other: the read
     * fails at its deadline. */
    r->hand_out = true; /* settled at the call's end */
    r->fwd[r->n_fwd++] = (struct raft_read_forwarded){
        .id = id,
        .leader = r->leader,
        .term = r->term,
        .deadline = raft_time_add(r->now, r->config.election_timeout_max)};
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
    bool leads = r->role == RAFT_LEADER;
    if (!leads && (r->role != RAFT_FOLLOWER || r->leader == 0)) {
        return raft_fail(r, RAFT_ENOTLEADER, u);
    }
    if (leads && !reads_allowed(r)) {
        return raft_fail(r, RAFT_EBUSY, u);
    }
    if (reserve_reads(r, !leads) != RAFT_OK) {
        return raft_fail(r, RAFT_ENOMEM, u);
    }
    raft_begin(r, now);
    if (leads) {
        start_read(r, id, 0);
    } else {
        forward(r, id);
    }
    return raft_finish(r, u);
}

/* A leader serves a forwarded read as its own, answering it instead of
 * reporting it; anyone else refuses it at once, so that the follower need
 * not wait for its deadline. */
static void recv_forwarded(struct raft *r, const struct raft_message *m)
{
    uint64_t id = m->read_forward.id;
    int status = RAFT_OK;
    if (r->role != RAFT_LEADER || m->term != r->term) {
        status = RAFT_ENOTLEADER;
    } else if (!reads_allowed(r)) {
        status = RAFT_EBUSY;
    } else if (reserve_reads(r, false) != RAFT_OK) {
        status = RAFT_ENOMEM;
    }
    if (status != RAFT_OK) {
        (void)answer(r, m->from, id, 0, status);
        return;
    }
    start_read(r, id, m->from);
}

/* The answer to a forwarded read: reported if it comes from the leader the
 * read was sent to, in the term it was sent in. */
static void recv_answer(struct raft *r, const struct raft_message *m)
{
    const struct raft_read_forward *a = &m->read_forward;
    for (size_t i = 0; i < r->n_fwd; i++) {
        const struct raft_read_forwarded *f = &r->fwd[i];
        if (f->id != a->id || f->leader != m->from || f->term != m->term ||
            f->term != r->term) {
            continue;
        }
        int status = a->status < RAFT_ERROR_COUNT && a->status != RAFT_EINVAL
                         ? (int)a->status
                         : RAFT_EBUSY;
        report(r, f->id, status == RAFT_OK ? a->index : 0, status);
        for (size_t k = i + 1; k < r->n_fwd; k++) {
            r->fwd[k - 1] = r->fwd[k];
        }
        r->n_fwd--;
        return;
    }
}

void raft_read_recv(struct raft *r, const struct raft_message *m)
{
    if (m->type == RAFT_MSG_READ_INDEX) {
        recv_forwarded(r, m);
    } else {
        recv_answer(r, m);
    }
}

void raft_read_settle(struct raft *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n_fwd; i++) {
        const struct raft_read_forwarded f = r->fwd[i];
        if (r->role != RAFT_FOLLOWER || f.leader != r->leader ||
            f.term != r->term) {
            report(r, f.id, 0, RAFT_ENOTLEADER);
        } else if (r->now >= f.deadline) {
            report(r, f.id, 0, RAFT_EBUSY);
        } else {
            r->fwd[k++] = f;
        }
    }
    r->n_fwd = k;
}

void raft_read_free(struct raft *r)
{
    free(r->reads);
    free(r->fwd);
    free(r->ready);
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
    if (!reads_allowed(r) || r->lease_revoked || drift >= min) {
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
