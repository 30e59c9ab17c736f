/* raft_replication.c: AppendEntries on both sides, and the commit rule.
 *
 * Invariants:
 * - a follower's log only loses entries at a real conflict, an entry at the
 *   same index with a different term (Figure 2, AppendEntries receiver rule
 *   3), never below its commit index, so a stale, duplicated or reordered
 *   AppendEntries cannot delete anything;
 * - a leader's per-peer match_index and next_index never move backwards on a
 *   stale or reordered reply (raft_progress.c), and its commit index only
 *   advances, by counting replicas of an entry of its own term (Figure 8);
 * - every call here costs O(entries carried) plus O(log n) binary searches
 *   for backtracking: nothing scans the whole log.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

void raft_replication_mark_dirty(struct raft *r, uint64_t index)
{
    if (index < r->dirty_from) {
        r->dirty_from = index;
        r->hand_out = true;
    }
}

/* How many entries after prev fit in one AppendEntries: at most
 * max_entries_per_message and max_bytes_per_message of command bytes, but
 * always at least one when any follows prev. */
static size_t batch_size(const struct raft *r, uint64_t prev)
{
    uint64_t last = raft_log_last_index(&r->log);
    if (prev >= last) {
        return 0;
    }
    uint64_t avail = last - prev;
    size_t max_n = r->config.max_entries_per_message;
    if (max_n == 0 || max_n > avail) {
        max_n = (size_t)avail;
    }
    size_t max_bytes = r->config.max_bytes_per_message;
    if (max_bytes == 0) {
        return max_n;
    }
    /* The entries after prev are held (prev is at or past the snapshot
     * point: a peer that needs compacted entries gets the snapshot), so
     * their slots are read directly, page by page: slot s + k holds index
     * prev + 1 + k. room is what is left of max_bytes: the first entry
     * counts whatever its size, each next one only while it fits. */
    const struct raft_log *l = &r->log;
    assert(prev >= l->snapshot_index);
    size_t s = l->start + (size_t)(prev - l->snapshot_index);
    size_t len = (*raft_log_slot(l, s))->len;
    size_t room = len < max_bytes ? max_bytes - len : 0;
    size_t n = 1;
    while (n < max_n) {
        struct raft_record *const *slot = raft_log_slot(l, s + n);
        size_t in_page = RAFT_LOG_PAGE - (s + n) % RAFT_LOG_PAGE;
        size_t run = in_page < max_n - n ? in_page : max_n - n;
        for (size_t k = 0; k < run; k++) {
            len = slot[k]->len;
            if (len > room) {
                return n + k;
            }
            room -= len;
        }
        n += run;
    }
    return n;
}

/* Figure 2, AppendEntries RPC: emits one carrying the entries after prev (as
 * many as fit, or none for a heartbeat). The entries pointer is filled in by
 * raft_finish(), once the log no longer moves. Returns the entries sent.
 * Always inline: a leader's round of heartbeats emits one per peer, and a
 * frame of its own cost about ten instructions a message. */
static inline __attribute__((always_inline)) size_t
emit_append(struct raft *r,
            struct raft_progress *p,
            uint64_t prev,
            bool with_entries)
{
    /* Every field of the member is written below, so it is not cleared
     * first: a field added to it must be written here too. */
    static_assert(sizeof(struct raft_append_entries) ==
                      5 * sizeof(uint64_t) + sizeof(size_t) +
                          sizeof(const struct raft_entry *),
                  "emit_append() writes every field of an AppendEntries");
    struct raft_message *m =
        raft_emit_unclear(r, RAFT_MSG_APPEND_ENTRIES, p->id);
    if (m == NULL) {
        return 0;
    }
    size_t n = with_entries ? batch_size(r, prev) : 0;
    m->append_entries.prev_log_index = prev;
    m->append_entries.prev_log_term = raft_log_term_at(&r->log, prev);
    m->append_entries.leader_commit = r->commit_index;
    m->append_entries.entries = NULL;
    m->append_entries.n_entries = n;
    if (n > 0) {
        r->msgs_point = true;
        r->hand_out = true;
    }
    m->append_entries.read_round = r->read_round;
    m->append_entries.sent_at = r->now;
    return n;
}

/* PROBE: one AppendEntries from next_index - 1, then wait for its answer or
 * the next heartbeat. An index in the compacted prefix needs a snapshot. */
static void send_probe(struct raft *r, struct raft_progress *p)
{
    if (p->next_index <= r->log.snapshot_index) {
        raft_snapshot_send(r, p);
        return;
    }
    emit_append(r, p, p->next_index - 1, true);
    p->probe_paused = true;
}

void raft_replication_send(struct raft *r, struct raft_progress *p)
{
    if (p == &r->progress[r->self_slot] || r->role != RAFT_LEADER ||
        !raft_progress_member(p)) {
        return;
    }
    uint64_t last = raft_log_last_index(&r->log);
    switch (p->state) {
    case RAFT_PROGRESS_PROBE:
        if (!p->probe_paused) {
            send_probe(r, p);
        }
        break;
    case RAFT_PROGRESS_REPLICATE:
        /* Pipelining: stream optimistically up to the window. */
        while (p->next_index <= last && !raft_progress_window_full(p)) {
            if (p->next_index <= r->log.snapshot_index) {
                raft_snapshot_send(r, p);
                return;
            }
            size_t n = emit_append(r, p, p->next_index - 1, true);
            if (n == 0) {
                break;
            }
            p->next_index += n;
            raft_progress_moved(p);
            raft_progress_window_add(p, p->next_index - 1);
        }
        break;
    case RAFT_PROGRESS_SNAPSHOT:
        raft_snapshot_stream(r, p);
        break;
    }
}

/* Whether raft_replication_send() has nothing to send p, a member's slot
 * other than ours on a leader: REPLICATE with everything up to the last
 * index sent (its loop would not run). Most heartbeats and acknowledgements
 * of an in-sync peer; their callers skip the call. */
static bool in_sync(const struct raft *r, const struct raft_progress *p)
{
    return p->state == RAFT_PROGRESS_REPLICATE &&
           p->next_index > raft_log_last_index(&r->log);
}

void raft_replication_send_all(struct raft *r)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        raft_replication_send(r, &r->progress[i]);
    }
}

/* The highest index known to match at peer p whose term the leader still
 * knows: match_index, or the snapshot point if that was compacted away. */
static uint64_t heartbeat_point(const struct raft *r,
                                const struct raft_progress *p)
{
    return p->match_index > r->log.snapshot_index ? p->match_index
                                                  : r->log.snapshot_index;
}

/* SNAPSHOT: a heartbeat like every peer's (etcd-io/raft heartbeats each peer
 * whatever its progress state), or a follower whose snapshot or reply was
 * lost hears nothing and campaigns (§5.2). It sits at the snapshot point: a
 * follower that installed the snapshot accepts it, and its answer replaces
 * a lost reply; one that did not refuses it, which the leader ignores in
 * this state but which shows the peer is up. A lost chunk is re-sent as
 * raft_snapshot_heartbeat() says: never to a peer that answers nothing. */
static void heartbeat_snapshot_peer(struct raft *r, struct raft_progress *p)
{
    emit_append(r, p, heartbeat_point(r, p), false);
    raft_snapshot_heartbeat(r, p);
}

/* §5.2: the leader's periodic AppendEntries keep followers from campaigning
 * and carry the commit index. Every peer gets one, whatever its state. They
 * also recover from loss: a PROBE peer gets its probe again, a SNAPSHOT peer
 * its lost chunk as heartbeat_snapshot_peer() says, and a REPLICATE peer goes
 * back to PROBE at match_index + 1 when it has not acknowledged what was in
 * flight at the previous heartbeat, or when its window is full and nothing
 * was acknowledged since then. */
void raft_replication_heartbeat(struct raft *r)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        struct raft_progress *p = &r->progress[i];
        if (i == r->self_slot || !raft_progress_member(p)) {
            continue;
        }
        switch (p->state) {
        case RAFT_PROGRESS_PROBE:
            send_probe(r, p);
            break;
        case RAFT_PROGRESS_REPLICATE:
            if (p->match_index < p->sent_at_heartbeat ||
                (raft_progress_window_full(p) &&
                 p->match_index == p->match_at_heartbeat)) {
                raft_progress_become_probe(p, p->match_index + 1);
                send_probe(r, p);
                break;
            }
            /* A heartbeat at the highest point known to match (the snapshot
             * point if match_index was compacted away) verifies nothing new
             * but lets the follower commit up to it. */
            emit_append(r, p, heartbeat_point(r, p), false);
            if (!in_sync(r, p)) {
                raft_replication_send(r, p);
            }
            p->sent_at_heartbeat = p->next_index - 1;
            p->match_at_heartbeat = p->match_index;
            break;
        case RAFT_PROGRESS_SNAPSHOT:
            heartbeat_snapshot_peer(r, p);
            break;
        }
    }
}

void raft_replication_confirm_round(struct raft *r)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        struct raft_progress *p = &r->progress[i];
        if (i != r->self_slot && raft_progress_member(p)) {
            emit_append(r, p, heartbeat_point(r, p), false);
        }
    }
}

/* Figure 2, "Rules for leaders", last rule: commit the highest N held by a
 * majority (counting ourselves only up to what is durable on our own disk,
 * thesis §10.2.1; of each half while joint, thesis §4.3) provided
 * log[N].term == currentTerm (§5.4.2, Figure 8). */
void raft_replication_maybe_commit(struct raft *r)
{
    if (r->role != RAFT_LEADER) {
        return;
    }
    uint64_t n = raft_membership_commit_point(r);
    if (n <= r->commit_index) {
        return;
    }
    /* §5.4.2: only an entry of the current term commits by counting
     * replicas; the entries before it commit with it (Figure 8). */
    if (raft_log_term_at(&r->log, n) == r->term) {
        raft_propose_committed(r, r->commit_index + 1, n);
        r->commit_index = n;
        r->hand_out = true;
        raft_membership_after_commit(r);
    }
}

/* Figure 2, AppendEntries receiver rules 2-4. Entries at or below our
 * snapshot are committed, hence equal to the leader's, and are skipped. */
static void plan_append(const struct raft *r,
                        const struct raft_message *m,
                        struct raft_append_plan *plan)
{
    const struct raft_append_entries *ae = &m->append_entries;
    uint64_t prev = ae->prev_log_index;
    uint64_t prev_term = ae->prev_log_term;
    const struct raft_entry *ents = ae->entries;
    size_t n = ae->n_entries;
    uint64_t snap = r->log.snapshot_index;

    memset(plan, 0, sizeof *plan);
    if (prev < snap) {
        uint64_t covered = snap - prev;
        if (covered >= n) {
            plan->ok = true;
            return;
        }
        prev = snap;
        prev_term = ents[covered - 1].term;
        ents += covered;
        n -= (size_t)covered;
    }
    uint64_t last = raft_log_last_index(&r->log);
    if (prev > last) {
        plan->conflict_term = 0;
        plan->conflict_index = last + 1;
        return;
    }
    uint64_t have = raft_log_term_at(&r->log, prev);
    if (have != prev_term) {
        plan->conflict_term = have;
        plan->conflict_index = raft_log_first_of_term(&r->log, prev);
        return;
    }
    size_t i = 0;
    while (i < n && prev + 1 + i <= last &&
           raft_log_term_at(&r->log, prev + 1 + i) == ents[i].term) {
        i++;
    }
    plan->ok = true;
    if (i == n) {
        return;
    }
    plan->write_index = prev + 1 + i;
    plan->truncate = plan->write_index <= last;
    plan->src = ents + i;
    plan->n_new = n - i;
    if (plan->truncate && plan->write_index <= r->commit_index) {
        /* Only a leader that broke Figure 8 can contradict a committed
         * entry: refuse rather than lose it. */
        plan->ok = false;
        plan->conflict_term = 0;
        plan->conflict_index = r->commit_index + 1;
    }
}

/* plan_append() of an AppendEntries without entries (a heartbeat, most of
 * them): the consistency check (rule 2) alone, which is all plan_append()
 * does with none; nothing to write (n_new 0). */
static void plan_heartbeat(const struct raft *r,
                           const struct raft_append_entries *ae,
                           struct raft_append_plan *plan)
{
    uint64_t prev = ae->prev_log_index;
    uint64_t last = raft_log_last_index(&r->log);
    plan->ok = true;
    plan->n_new = 0;
    if (prev < r->log.snapshot_index) {
        return; /* committed, hence matching */
    }
    if (prev > last) {
        plan->ok = false;
        plan->conflict_term = 0;
        plan->conflict_index = last + 1;
        return;
    }
    uint64_t have = raft_log_term_at(&r->log, prev);
    if (have != ae->prev_log_term) {
        plan->ok = false;
        plan->conflict_term = have;
        plan->conflict_index = raft_log_first_of_term(&r->log, prev);
    }
}

void raft_replication_release_scratch(struct raft *r)
{
    for (size_t i = 0; i < r->n_scratch; i++) {
        raft_record_release(r->scratch[i]);
        r->scratch[i] = NULL;
        raft_conf_free(&r->conf_scratch[i]);
    }
    r->n_scratch = 0;
}

static int grow_scratch(struct raft *r, size_t n)
{
    if (n <= r->scratch_cap) {
        return RAFT_OK;
    }
    struct raft_record **s = realloc(r->scratch, n * sizeof *s);
    if (s == NULL) {
        return RAFT_ENOMEM;
    }
    r->scratch = s;
    struct raft_conf *c = realloc(r->conf_scratch, n * sizeof *c);
    if (c == NULL) {
        return RAFT_ENOMEM;
    }
    memset(c + r->scratch_cap, 0, (n - r->scratch_cap) * sizeof *c);
    r->conf_scratch = c;
    r->scratch_cap = n;
    return RAFT_OK;
}

/* Takes a record of one incoming entry into scratch slot i (its own, or a
 * copy: raft.h) and, for a configuration entry, decodes it into
 * conf_scratch[i] with room for its record and its members' slots (thesis
 * §4.1: it takes effect when appended). */
static int prepare_entry(struct raft *r, size_t i, const struct raft_entry *e)
{
    struct raft_record *rec = raft_record_of(e);
    if (rec == NULL) {
        return RAFT_ENOMEM;
    }
    r->scratch[i] = rec;
    r->n_scratch = i + 1;
    if (e->type != RAFT_ENTRY_CONFIG) {
        return RAFT_OK;
    }
    if (raft_conf_decode(&r->conf_scratch[i], e->data, e->len) != RAFT_OK ||
        raft_conf_history_reserve(&r->confs, i + 1) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    return raft_membership_reserve(r, raft_conf_size(&r->conf_scratch[i]));
}

/* Copies what the plan writes into scratch and reserves its room. */
static int prepare_planned(struct raft *r, const struct raft_append_plan *plan)
{
    if (grow_scratch(r, plan->n_new) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    for (size_t i = 0; i < plan->n_new; i++) {
        if (prepare_entry(r, i, &plan->src[i]) != RAFT_OK) {
            raft_replication_release_scratch(r);
            return RAFT_ENOMEM;
        }
    }
    if (raft_log_reserve(&r->log, plan->n_new) != RAFT_OK) {
        raft_replication_release_scratch(r);
        return RAFT_ENOMEM;
    }
    return RAFT_OK;
}

int raft_replication_prepare_append(struct raft *r,
                                    const struct raft_message *m)
{
    r->plan_of = NULL;
    plan_append(r, m, &r->plan);
    if (r->plan.ok && r->plan.n_new > 0) {
        int rc = prepare_planned(r, &r->plan);
        if (rc != RAFT_OK) {
            return rc;
        }
    }
    r->plan_of = m;
    return RAFT_OK;
}

/* Thesis §6.4: the answer carries the leader's read round and send time
 * back, whatever it says about the log. */
static void echo_read(struct raft_message *out,
                      const struct raft_append_entries *ae)
{
    out->append_entries_result.read_round = ae->read_round;
    out->append_entries_result.sent_at = ae->sent_at;
}

/* Appends the planned entries from scratch; configuration entries get their
 * records (thesis §4.1). */
static void append_entries(struct raft *r, const struct raft_append_plan *plan)
{
    for (size_t i = 0; i < plan->n_new; i++) {
        raft_log_append(&r->log, r->scratch[i]);
        r->scratch[i] = NULL;
        if (plan->src[i].type == RAFT_ENTRY_CONFIG) {
            raft_conf_history_push(&r->confs, raft_log_last_index(&r->log),
                                   &r->conf_scratch[i]);
        }
    }
    r->n_scratch = 0;
}

/* Figure 2, AppendEntries receiver: 1. refuse an older term (and tell the
 * stale leader ours); otherwise follow the sender, re-arm the timer, run the
 * consistency check (2), drop a conflicting suffix (3), append what is new
 * (4), and set commitIndex = min(leaderCommit, last index this message
 * verified) (5), never lowering it. Inlined into each of raft_receive()'s
 * two paths, like the next, where each knows more of the message. */
RAFT_INLINE_ACROSS_FILES void
raft_replication_recv_append(struct raft *r, const struct raft_message *m)
{
    const struct raft_append_entries *ae = &m->append_entries;
    if (m->term < r->term) {
        struct raft_message *out =
            raft_emit(r, RAFT_MSG_APPEND_ENTRIES_RESULT, m->from);
        if (out != NULL) {
            out->append_entries_result.success = false;
            out->append_entries_result.index = ae->prev_log_index;
            echo_read(out, ae);
        }
        return;
    }
    if (r->role == RAFT_LEADER) {
        return; /* two leaders in one term cannot happen (§5.2) */
    }
    if (r->role == RAFT_FOLLOWER && r->leader == m->from) {
        /* Our leader again, in our term: raft_become_follower() would leave
         * role, term, vote and leader as they are, and a follower that knows
         * its leader neither pre-campaigns, transfers nor holds reads (only
         * a leader queues them; stepping down drops them). Only the contact
         * and the deadline move. The first two hold by the role rules that
         * every call ends by checking (raft.c, check_roles(): a node that
         * pre-campaigns knows no leader, and only a leader transfers), which
         * nothing in this call changed before here; the reads are checked. */
        assert(r->n_reads == 0);
        r->leader_contact = r->now;
        raft_election_reset_timer(r);
    } else {
        raft_become_follower(r, r->term, m->from);
    }

    /* An AppendEntries with entries was planned before the call's start
     * (raft_replication_prepare_append()), and its scratch holds what that
     * plan writes: it is followed, not made again. Between the two, only a
     * compaction released at the start (raft_begin()) can change the log,
     * and it drops committed entries only, which the plan either skipped
     * as matching or refused the message over (rules 2 and 3 find the same
     * on the shorter log). */
    struct raft_append_plan beat;
    const struct raft_append_plan *plan = &beat;
    if (ae->n_entries == 0) {
        plan_heartbeat(r, ae, &beat);
    } else {
        assert(r->plan_of == m);
        plan = &r->plan;
    }
    /* Every field of the answer is written below (the echo here, then
     * those of a refusal or of a success), so it is not cleared first: a
     * field added to it must be written in both. */
    static_assert(sizeof(struct raft_append_entries_result) ==
                      6 * sizeof(uint64_t),
                  "recv_append() writes every field of its answer");
    struct raft_message *out =
        raft_emit_unclear(r, RAFT_MSG_APPEND_ENTRIES_RESULT, m->from);
    if (out != NULL) {
        echo_read(out, ae);
    }
    if (!plan->ok) {
        if (out != NULL) {
            out->append_entries_result.success = false;
            out->append_entries_result.index = ae->prev_log_index;
            out->append_entries_result.conflict_term = plan->conflict_term;
            out->append_entries_result.conflict_index = plan->conflict_index;
        }
        return;
    }
    if (plan->n_new > 0) {
        uint64_t confs_version = r->confs.version;
        if (plan->truncate) {
            raft_log_truncate(&r->log, plan->write_index);
            /* Thesis §4.1: a truncated configuration entry no longer
             * governs; the one before it does again. */
            raft_conf_history_truncate(&r->confs, plan->write_index);
            if (r->persisted_index >= plan->write_index) {
                r->persisted_index = plan->write_index - 1;
            }
            raft_durable_log_changed(r, plan->write_index);
        }
        append_entries(r, plan);
        raft_replication_mark_dirty(r, plan->write_index);
        /* The slots describe the configuration in effect before the call
         * (raft_impl.h), and laying them out again for the same one changes
         * nothing; only a configuration entry appended or truncated (which
         * moves the history's version) changes it. */
        if (r->confs.version != confs_version) {
            raft_membership_apply(r);
        }
    }
    uint64_t verified = ae->prev_log_index + ae->n_entries;
    uint64_t commit =
        ae->leader_commit < verified ? ae->leader_commit : verified;
    if (commit > r->commit_index) {
        r->commit_index = commit;
        r->hand_out = true;
    }
    if (out != NULL) {
        out->append_entries_result.success = true;
        out->append_entries_result.index = verified;
        out->append_entries_result.conflict_term = 0;
        out->append_entries_result.conflict_index = 0;
    }
}

/* Thesis §5.3 (fast backtracking): from a rejection's hints, the next index
 * to try: just past our last entry of the follower's conflicting term if we
 * have that term, else the first index the follower holds of it (or its log
 * end). Always below the rejected index, so that probing makes progress. */
static uint64_t next_from_hint(const struct raft *r,
                               const struct raft_append_entries_result *res)
{
    uint64_t next = res->conflict_index;
    if (res->conflict_term != 0) {
        uint64_t j =
            raft_log_last_at_most(&r->log, res->conflict_term, res->index);
        if (j != 0 && raft_log_term_at(&r->log, j) == res->conflict_term) {
            next = j + 1;
        }
    }
    if (next > res->index) {
        next = res->index;
    }
    return next > 0 ? next : 1;
}

/* Figure 2, "Rules for leaders": on success raise matchIndex/nextIndex (never
 * lowering them) and try to commit; on failure back nextIndex off and retry.
 * A rejection is stale, and ignored, when it cannot be the answer to what the
 * peer's state expects: in REPLICATE one at or below match_index, in PROBE
 * one that does not reject next_index - 1. p is the sender's slot, which
 * raft_receive() found (a member's: a reply from outside was dropped). */
RAFT_INLINE_ACROSS_FILES void
raft_replication_recv_append_result(struct raft *r,
                                    const struct raft_message *m,
                                    struct raft_progress *p)
{
    if (r->role != RAFT_LEADER || m->term != r->term) {
        return;
    }
    const struct raft_append_entries_result *res = &m->append_entries_result;
    raft_read_ack(r, p, res);
    if (res->success) {
        if (res->index > raft_log_last_index(&r->log)) {
            return; /* not an answer to anything we sent */
        }
        bool raised = raft_progress_ack(p, res->index);
        if (p->state == RAFT_PROGRESS_PROBE) {
            raft_progress_become_replicate(p);
        } else if (p->state == RAFT_PROGRESS_SNAPSHOT &&
                   p->match_index >= p->snapshot_index) {
            raft_progress_become_replicate(p);
        }
        /* A match index raised (to res->index) at most to commit_index
         * leaves as many slots above it as before: no majority beyond it
         * forms (raft_replication_maybe_commit(), raft_impl.h). Most acks
         * in a cluster of three or more are of an index already committed. */
        if (raised && res->index > r->commit_index) {
            raft_replication_maybe_commit(r);
        }
        if (!in_sync(r, p)) {
            raft_replication_send(r, p);
        }
        if (r->transfer_target != 0) { /* ids are nonzero */
            raft_transfer_progress(r, p);
        }
        return;
    }
    switch (p->state) {
    case RAFT_PROGRESS_REPLICATE:
        if (res->index <= p->match_index) {
            return;
        }
        break;
    case RAFT_PROGRESS_PROBE:
        if (res->index != p->next_index - 1) {
            return;
        }
        break;
    case RAFT_PROGRESS_SNAPSHOT:
        return;
    }
    raft_progress_become_probe(p, next_from_hint(r, res));
    raft_replication_send(r, p);
}
