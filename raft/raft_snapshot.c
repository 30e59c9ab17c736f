/* raft_snapshot.c: log compaction and InstallSnapshot in chunks (§7,
 * Figure 13; thesis §5.3).
 *
 * Invariants: the core's snapshot always ends at log.snapshot_index and its
 * data is the core's own copy; a received snapshot never rolls the node back
 * (one at or below the commit index is only acknowledged), and one whose last
 * entry the log already holds keeps the log suffix after it.
 *
 * Transfer (leader side, a peer in SNAPSHOT): the snapshot's data goes out in
 * chunks of config.snapshot_chunk_bytes (0: one chunk), at most
 * config.max_inflight unacknowledged at a time; each acknowledgement names
 * the bytes the follower holds in order and releases the next chunks. A
 * chunk that is not acknowledged is re-sent, from the first byte the
 * follower does not hold and one chunk at a time, at the first heartbeat at
 * least the retransmission interval after the last chunk went out, and only
 * if the peer answered anything since: the interval is heartbeat_interval
 * for chunks and election_timeout_min for a whole snapshot (a large message
 * is not worth re-sending sooner). A peer that answers nothing is most
 * likely down: it gets heartbeats only, O(1) messages per election timeout.
 *
 * Assembly (follower side, r->partial): the network may reorder chunks
 * (§5.3), so a chunk that overtook a missing one is kept at its offset, up
 * to a window of chunks past the bytes held without a gap and
 * RAFT_PARTIAL_RANGES separate ranges; every answer names the bytes held
 * without a gap, so the leader's view only grows and one re-sent chunk
 * that fills the gap acknowledges everything kept behind it. A chunk at
 * offset 0 of a snapshot other than the one under way, or any chunk when
 * none is under way (after a restart, which forgets the partial data, or a
 * completed transfer), starts that snapshot afresh; a chunk of another
 * snapshot or term otherwise, a duplicate, or one out of reach, is refused
 * by acknowledging what is held. Nothing is persisted until every byte up
 * to the last chunk's end is held: then the whole snapshot is installed as
 * one (the host persists it with the update), with the configuration the
 * last chunk brought.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

/* The bytes per chunk: the whole snapshot when chunking is off. */
static uint64_t chunk_bytes(const struct raft *r)
{
    uint64_t c = r->config.snapshot_chunk_bytes;
    return c > 0 ? c : (r->snapshot.len > 0 ? r->snapshot.len : 1);
}

/* Emits the chunk at p->snapshot_next; false when the call's message bound
 * was reached (taken as loss). The data pointer is set by fix_up. */
static bool send_chunk(struct raft *r, struct raft_progress *p)
{
    struct raft_message *m = raft_emit(r, RAFT_MSG_INSTALL_SNAPSHOT, p->id);
    if (m == NULL) {
        return false;
    }
    uint64_t left = r->snapshot.len - p->snapshot_next;
    uint64_t len = left < chunk_bytes(r) ? left : chunk_bytes(r);
    r->msgs_point = true;
    r->hand_out = true;
    struct raft_install_snapshot *is = &m->install_snapshot;
    is->snapshot.last_index = r->snapshot.last_index;
    is->snapshot.last_term = r->snapshot.last_term;
    is->snapshot.len = (size_t)len;
    is->offset = p->snapshot_next;
    is->done = len == left;
    p->snapshot_next += len;
    p->snapshot_done_sent = is->done;
    p->snapshot_sent_at = r->now;
    raft_progress_window_add(p, p->snapshot_next);
    return true;
}

/* §7: a follower whose next entry was compacted away gets the snapshot. */
void raft_snapshot_send(struct raft *r, struct raft_progress *p)
{
    raft_progress_become_snapshot(p, r->snapshot.last_index);
    raft_snapshot_stream(r, p);
}

/* Whether the peer answered anything since the last chunk went out: a peer
 * that did not is most likely down, and gets no chunk before it does. */
static bool heard_since_sent(const struct raft_progress *p)
{
    return p->last_heard > p->snapshot_sent_at;
}

/* Flow control: up to the window of chunks unacknowledged (one after a
 * rewind). A snapshot replaced by a newer compaction is sent from the start,
 * but only to a peer heard from since the last chunk (else a leader that
 * compacts often would send a down peer a window per compaction). */
void raft_snapshot_stream(struct raft *r, struct raft_progress *p)
{
    assert(p->state == RAFT_PROGRESS_SNAPSHOT);
    if (p->snapshot_index != r->snapshot.last_index) {
        if (p->snapshot_sent_at != 0 && !heard_since_sent(p)) {
            return;
        }
        raft_progress_become_snapshot(p, r->snapshot.last_index);
    }
    size_t window = p->snapshot_rewound ? 1 : p->inflight_cap;
    while (!p->snapshot_done_sent && p->inflight_count < window) {
        if (!send_chunk(r, p)) {
            return;
        }
    }
}

/* Loss recovery, as the file comment says: only toward a peer heard from
 * since the last chunk went out, and not before the interval passed. */
void raft_snapshot_heartbeat(struct raft *r, struct raft_progress *p)
{
    uint64_t interval = r->config.snapshot_chunk_bytes > 0
                            ? r->config.heartbeat_interval
                            : r->config.election_timeout_min;
    bool outstanding = p->inflight_count > 0 || !p->snapshot_done_sent ||
                       p->snapshot_index != r->snapshot.last_index;
    if (outstanding && heard_since_sent(p) &&
        r->now - p->snapshot_sent_at >= interval) {
        raft_progress_snapshot_rewind(p, p->snapshot_acked);
        raft_snapshot_stream(r, p);
    }
}

bool raft_snapshot_msg_valid(const struct raft_message *m)
{
    const struct raft_install_snapshot *is = &m->install_snapshot;
    return is->offset <= SIZE_MAX - is->snapshot.len;
}

void raft_snapshot_fix_up(const struct raft *r, struct raft_message *m)
{
    struct raft_install_snapshot *is = &m->install_snapshot;
    size_t len = is->snapshot.len;
    assert(is->snapshot.last_index == r->snapshot.last_index);
    assert(is->offset + len <= r->snapshot.len);
    is->snapshot = r->snapshot;
    is->snapshot.data =
        len > 0 ? (const unsigned char *)r->snapshot.data + is->offset : NULL;
    is->snapshot.len = len;
}

static void partial_clear(struct raft_snapshot_partial *pa)
{
    pa->term = 0;
    pa->last_index = 0;
    pa->last_term = 0;
    pa->len = 0;
    pa->n_ahead = 0;
    pa->has_end = false;
    pa->end = 0;
    raft_conf_free(&pa->conf);
}

/* Whether m continues the transfer under way (same leader term and
 * snapshot). */
static bool partial_matches(const struct raft *r, const struct raft_message *m)
{
    const struct raft_snapshot *s = &m->install_snapshot.snapshot;
    return r->partial.term == m->term && r->partial.term != 0 &&
           r->partial.last_index == s->last_index &&
           r->partial.last_term == s->last_term;
}

/* Whether the bytes [from, to) are all held already. */
static bool partial_covers(const struct raft_snapshot_partial *pa,
                           size_t from,
                           size_t to)
{
    if (to <= pa->len) {
        return true;
    }
    for (size_t i = 0; i < pa->n_ahead; i++) {
        if (pa->ahead[i][0] <= from && to <= pa->ahead[i][1]) {
            return true;
        }
    }
    return false;
}

/* Whether a range [from, to) past the prefix would need a slot of its own
 * (it touches no range held) while every slot is taken. */
static bool partial_full(const struct raft_snapshot_partial *pa,
                         size_t from,
                         size_t to)
{
    if (from <= pa->len || pa->n_ahead < RAFT_PARTIAL_RANGES) {
        return false;
    }
    for (size_t i = 0; i < pa->n_ahead; i++) {
        if (from <= pa->ahead[i][1] && pa->ahead[i][0] <= to) {
            return false;
        }
    }
    return true;
}

/* The last byte held plus one: where the held bytes end. */
static size_t partial_top(const struct raft_snapshot_partial *pa)
{
    return pa->n_ahead > 0 ? pa->ahead[pa->n_ahead - 1][1] : pa->len;
}

/* How far past the prefix a chunk of len bytes may end: the follower's
 * own window of chunks (config.max_inflight), which bounds the memory a
 * transfer holds ahead of its first gap. */
static size_t reach(const struct raft *r, size_t held, size_t len)
{
    size_t chunk = r->config.snapshot_chunk_bytes > len
                       ? r->config.snapshot_chunk_bytes
                       : len;
    size_t room = r->window > SIZE_MAX / (chunk > 0 ? chunk : 1)
                      ? SIZE_MAX
                      : r->window * chunk;
    return held > SIZE_MAX - room ? SIZE_MAX : held + room;
}

/* Whether m's bytes will be stored in r->partial: new bytes of the
 * transfer under way within reach, or a chunk that starts one (see the
 * file comment). A repeated first chunk of the transfer under way is a
 * duplicate, not a new start, so that what a follower holds of one
 * transfer never shrinks until it restarts. */
static bool chunk_kept(const struct raft *r, const struct raft_message *m)
{
    const struct raft_install_snapshot *is = &m->install_snapshot;
    const struct raft_snapshot_partial *pa = &r->partial;
    size_t from = (size_t)is->offset;
    size_t to = from + is->snapshot.len;
    if (from == 0 && is->done) {
        return false; /* a whole snapshot: copied apart */
    }
    if (!partial_matches(r, m)) {
        return (from == 0 || pa->term == 0) && to <= reach(r, 0, to - from);
    }
    if (pa->has_end && (to > pa->end || (is->done && to != pa->end))) {
        return false; /* not this snapshot's chunking */
    }
    if (is->done && (partial_top(pa) > to || (to == from && from != pa->len))) {
        return false;
    }
    if (to > from && partial_covers(pa, from, to)) {
        return false; /* a duplicate */
    }
    return to <= reach(r, pa->len, to - from) && !partial_full(pa, from, to);
}

/* Records [from, to) as held: extends the prefix over every range it
 * reaches, or merges the range with those it touches. */
static void partial_add(struct raft_snapshot_partial *pa, size_t from, size_t to)
{
    size_t k = 0;
    if (from <= pa->len) {
        pa->len = to > pa->len ? to : pa->len;
    } else {
        while (k < pa->n_ahead && pa->ahead[k][1] < from) {
            k++;
        }
        size_t j = k;
        while (j < pa->n_ahead && pa->ahead[j][0] <= to) {
            from = pa->ahead[j][0] < from ? pa->ahead[j][0] : from;
            to = pa->ahead[j][1] > to ? pa->ahead[j][1] : to;
            j++;
        }
        assert(j > k || pa->n_ahead < RAFT_PARTIAL_RANGES);
        memmove(&pa->ahead[k + 1], &pa->ahead[j],
                (pa->n_ahead - j) * sizeof pa->ahead[0]);
        pa->n_ahead = pa->n_ahead - (j - k) + 1;
        pa->ahead[k][0] = from;
        pa->ahead[k][1] = to;
    }
    k = 0;
    while (k < pa->n_ahead && pa->ahead[k][0] <= pa->len) {
        pa->len = pa->ahead[k][1] > pa->len ? pa->ahead[k][1] : pa->len;
        k++;
    }
    memmove(&pa->ahead[0], &pa->ahead[k], (pa->n_ahead - k) * sizeof pa->ahead[0]);
    pa->n_ahead -= k;
}

static int reserve_partial(struct raft *r, size_t need)
{
    struct raft_snapshot_partial *pa = &r->partial;
    if (need <= pa->cap) {
        return RAFT_OK;
    }
    size_t cap = pa->cap > SIZE_MAX / 2 || pa->cap * 2 < need ? need
                                                               : pa->cap * 2;
    unsigned char *data = realloc(pa->data, cap);
    if (data == NULL) {
        return RAFT_ENOMEM;
    }
    pa->data = data;
    pa->cap = cap;
    return RAFT_OK;
}

/* The last chunk also brings the configuration, copied here. */
static int prepare_configuration(struct raft *r, const struct raft_snapshot *s)
{
    const struct raft_configuration *c = &s->configuration;
    if (c->n_voters == 0) {
        return RAFT_OK;
    }
    if (raft_membership_reserve(r, c->n_voters + c->n_outgoing +
                                       c->n_learners) != RAFT_OK ||
        raft_conf_copy(&r->snap_conf_scratch, c) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    return RAFT_OK;
}

int raft_snapshot_prepare(struct raft *r,
                          const struct raft_message *m,
                          void **data)
{
    const struct raft_install_snapshot *is = &m->install_snapshot;
    const struct raft_snapshot *s = &is->snapshot;
    *data = NULL;
    if (is->offset == 0 && is->done && s->len > 0) {
        *data = malloc(s->len);
        if (*data == NULL) {
            return RAFT_ENOMEM;
        }
        memcpy(*data, s->data, s->len);
    } else if (chunk_kept(r, m) &&
               reserve_partial(r, (size_t)(is->offset + s->len)) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    if (is->done && prepare_configuration(r, s) != RAFT_OK) {
        free(*data);
        *data = NULL;
        return RAFT_ENOMEM;
    }
    return RAFT_OK;
}

/* Thesis §4.1 and §5.1: the snapshot carries the configuration at its last
 * index, which replaces the records it covers (all of them when the log was
 * discarded); the records of a kept suffix still follow it. A snapshot
 * without one leaves the configuration as the log says. */
static void install_configuration(struct raft *r,
                                  uint64_t last_index,
                                  bool keep_suffix)
{
    if (!keep_suffix) {
        raft_conf_history_truncate(&r->confs, 0);
    }
    struct raft_conf ignored = {0};
    raft_conf_history_compact(&r->confs, last_index,
                              r->snap_conf_scratch.ids != NULL ? &ignored
                                                               : &r->snap_conf);
    raft_conf_free(&ignored);
    if (r->snap_conf_scratch.ids != NULL) {
        raft_conf_free(&r->snap_conf);
        r->snap_conf = r->snap_conf_scratch;
        memset(&r->snap_conf_scratch, 0, sizeof r->snap_conf_scratch);
        raft_conf_history_touch(&r->confs);
    }
    raft_membership_apply(r);
}

static void reply(struct raft *r,
                  uint64_t to,
                  uint64_t last_index,
                  uint64_t offset,
                  bool done)
{
    struct raft_message *out =
        raft_emit(r, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, to);
    if (out != NULL) {
        /* It waits for the snapshot it names (raft_durable.c). */
        r->msgs_promise_more = true;
        out->install_snapshot_result.last_index = last_index;
        out->install_snapshot_result.offset = offset;
        out->install_snapshot_result.done = done;
    }
}

/* Figure 13, InstallSnapshot receiver, rules 6 and 7, for a complete
 * snapshot beyond the commit index: it replaces the log prefix, keeping the
 * suffix if the log holds last_index with last_term, else the whole log is
 * discarded. data (len bytes) is transferred. */
static void install(struct raft *r,
                    const struct raft_snapshot *s,
                    void *data,
                    size_t len)
{
    bool keep_suffix =
        raft_log_term_at(&r->log, s->last_index) == s->last_term;
    if (keep_suffix) {
        if (r->persisted_index < s->last_index) {
            r->persisted_index = s->last_index;
        }
    } else {
        raft_log_truncate(&r->log, r->log.snapshot_index + 1);
        r->log_discarded = true;
        r->dirty_from = RAFT_NO_INDEX;
        r->persisted_index = s->last_index;
    }
    raft_log_compact(&r->log, s->last_index, s->last_term);
    install_configuration(r, s->last_index, keep_suffix);
    free((void *)r->snapshot.data);
    r->snapshot = *s;
    r->snapshot.data = data;
    r->snapshot.len = len;
    r->commit_index = s->last_index;
    r->applied_index = s->last_index;
    r->snapshot_installed = true;
    r->hand_out = true;
}

/* Keeps the configuration the last chunk brought (prepared in
 * r->snap_conf_scratch) until the snapshot is complete. */
static void keep_configuration(struct raft *r)
{
    raft_conf_free(&r->partial.conf);
    r->partial.conf = r->snap_conf_scratch;
    memset(&r->snap_conf_scratch, 0, sizeof r->snap_conf_scratch);
}

/* The assembly rules of the file comment for a chunk that is not a whole
 * snapshot; the chunk that completes it installs the snapshot. */
static void recv_chunk(struct raft *r, const struct raft_message *m)
{
    const struct raft_install_snapshot *is = &m->install_snapshot;
    const struct raft_snapshot *s = &is->snapshot;
    struct raft_snapshot_partial *pa = &r->partial;
    if (!chunk_kept(r, m)) {
        uint64_t held = partial_matches(r, m) ? pa->len : 0;
        reply(r, m->from, s->last_index, held, false);
        return;
    }
    if (!partial_matches(r, m)) {
        partial_clear(pa);
        pa->term = m->term;
        pa->last_index = s->last_index;
        pa->last_term = s->last_term;
    }
    size_t from = (size_t)is->offset;
    assert(pa->cap >= from + s->len);
    if (s->len > 0) {
        memcpy(pa->data + from, s->data, s->len);
    }
    partial_add(pa, from, from + s->len);
    if (is->done) {
        pa->has_end = true;
        pa->end = from + s->len;
        keep_configuration(r);
    }
    if (!pa->has_end || pa->len < pa->end) {
        reply(r, m->from, s->last_index, pa->len, false);
        return;
    }
    size_t len = pa->len;
    void *data = len > 0 ? pa->data : NULL;
    if (len > 0) {
        pa->data = NULL;
        pa->cap = 0;
    }
    raft_conf_free(&r->snap_conf_scratch);
    r->snap_conf_scratch = pa->conf;
    memset(&pa->conf, 0, sizeof pa->conf);
    partial_clear(pa);
    install(r, s, data, len);
    reply(r, m->from, s->last_index, len, true);
}

/* Figure 13, InstallSnapshot receiver: refuse an older term; otherwise
 * follow the sender. A snapshot not beyond our commit index adds nothing
 * (what it covers is committed here, so equal to the leader's): any chunk
 * of it is answered as done at once, so the leader sends no more. */
void raft_snapshot_recv(struct raft *r,
                        const struct raft_message *m,
                        void *data)
{
    const struct raft_install_snapshot *is = &m->install_snapshot;
    const struct raft_snapshot *s = &is->snapshot;
    if (m->term < r->term) {
        free(data);
        reply(r, m->from, 0, 0, false);
        return;
    }
    if (r->role == RAFT_LEADER) {
        free(data);
        return; /* two leaders in one term cannot happen (§5.2) */
    }
    raft_become_follower(r, r->term, m->from);
    if (s->last_index <= r->commit_index) {
        free(data);
        partial_clear(&r->partial);
        reply(r, m->from, s->last_index, is->offset + s->len, true);
        return;
    }
    if (is->offset == 0 && is->done) {
        partial_clear(&r->partial);
        install(r, s, data, s->len);
        reply(r, m->from, s->last_index, s->len, true);
        return;
    }
    free(data);
    recv_chunk(r, m);
}

/* A done answer: the peer holds everything up to its index; raise its
 * match_index and, once the snapshot sent is covered, probe after it. */
static void recv_done(struct raft *r,
                      struct raft_progress *p,
                      uint64_t index)
{
    if (index > raft_log_last_index(&r->log)) {
        return;
    }
    bool raised = raft_progress_ack(p, index);
    if (p->state == RAFT_PROGRESS_SNAPSHOT &&
        p->match_index >= p->snapshot_index) {
        raft_progress_become_probe(p, p->match_index + 1);
    }
    if (raised) {
        raft_replication_maybe_commit(r);
    }
    raft_replication_send(r, p);
    raft_transfer_progress(r, p);
}

/* A chunk's answer: the peer holds `offset` bytes of the snapshot in order.
 * More than acknowledged so far releases the window. What a follower holds
 * of one transfer only grows until it restarts, which makes it answer 0: so
 * an answer of 0 sends the transfer back to the start, and any other answer
 * below what was acknowledged is stale (reordered) and ignored, except
 * while the transfer is rewound after a loss, when the answers to the chunk
 * re-sent are believed whatever they say (else a stale answer believed
 * earlier could stall the transfer for good). A rewind sends one chunk; an
 * answer that moves forward reopens the window. An answer to another
 * snapshot is stale. */
void raft_snapshot_recv_result(struct raft *r, const struct raft_message *m)
{
    if (r->role != RAFT_LEADER || m->term != r->term) {
        return;
    }
    const struct raft_install_snapshot_result *res =
        &m->install_snapshot_result;
    struct raft_progress *p = raft_progress_of(r, m->from);
    if (res->done) {
        recv_done(r, p, res->last_index);
        return;
    }
    if (p->state != RAFT_PROGRESS_SNAPSHOT ||
        res->last_index != p->snapshot_index ||
        p->snapshot_index != r->snapshot.last_index ||
        res->offset > r->snapshot.len) {
        return;
    }
    if (res->offset > p->snapshot_acked) {
        p->snapshot_acked = res->offset;
        p->snapshot_rewound = false;
        raft_progress_window_free(p, res->offset);
        if (p->snapshot_next < res->offset) {
            p->snapshot_next = res->offset;
        }
    } else if (res->offset < p->snapshot_acked &&
               (res->offset == 0 || p->snapshot_rewound)) {
        raft_progress_snapshot_rewind(p, res->offset);
    }
    raft_snapshot_stream(r, p);
}

size_t raft_snapshot_partial_len(const struct raft *r)
{
    return r->partial.len;
}

/* §7: the host's snapshot replaces the log up to index (already applied). */
static void compact(struct raft *r, uint64_t index, void *data, size_t len)
{
    uint64_t term = raft_log_term_at(&r->log, index);
    raft_log_compact(&r->log, index, term);
    /* Thesis §5.1: the snapshot keeps the configuration at its index. */
    raft_conf_history_compact(&r->confs, index, &r->snap_conf);
    free((void *)r->snapshot.data);
    r->snapshot.last_index = index;
    r->snapshot.last_term = term;
    r->snapshot.data = data;
    r->snapshot.len = len;
}

/* Whether a compaction up to index must wait (leader only): some peer that
 * answered within the minimum election timeout still receives the
 * snapshot being sent, or catches up after it through the log, below
 * index. Replacing the snapshot would restart its transfer from the first
 * byte, and dropping the log after it would make the transfer useless (the
 * peer would need the new snapshot next), so with a leader compacting
 * every few entries a slow peer might never catch up. A peer that holds
 * everything up to index, or fell silent, no longer holds compactions
 * back; and none waits longer than ten maximum election timeouts, which
 * bounds the log a stuck transfer can keep. */
static bool compaction_waits(struct raft *r, uint64_t index)
{
    if (r->role != RAFT_LEADER ||
        (r->compact_held.index != 0 &&
         r->now - r->compact_held.since >=
             10 * r->config.election_timeout_max)) {
        return false;
    }
    bool waits = false;
    for (size_t i = 0; i < r->n_slots; i++) {
        struct raft_progress *p = &r->progress[i];
        if (!p->snapshot_hold) {
            continue;
        }
        if (i == r->self_slot || !raft_progress_member(p) ||
            p->match_index >= index ||
            r->now - p->last_heard >= r->config.election_timeout_min) {
            p->snapshot_hold = false;
        } else {
            waits = true;
        }
    }
    return waits;
}

static void release_held(struct raft *r)
{
    r->compact_held.index = 0;
    r->compact_held.data = NULL;
    r->compact_held.len = 0;
    r->compact_held.since = 0;
}

void raft_snapshot_compact(struct raft *r,
                           uint64_t index,
                           void *data,
                           size_t len)
{
    if (r->persisted_index < index) {
        r->persisted_index = index; /* the host's snapshot holds them */
        raft_log_moved(&r->log);    /* even when the compaction waits */
    }
    if (compaction_waits(r, index)) {
        uint64_t since = r->compact_held.index != 0 ? r->compact_held.since
                                                    : r->now;
        free(r->compact_held.data);
        r->compact_held.index = index;
        r->compact_held.data = data;
        r->compact_held.len = len;
        r->compact_held.since = since;
        return;
    }
    free(r->compact_held.data);
    release_held(r);
    compact(r, index, data, len);
}

void raft_snapshot_release(struct raft *r)
{
    uint64_t index = r->compact_held.index;
    if (index == 0 || compaction_waits(r, index)) {
        return;
    }
    void *data = r->compact_held.data;
    size_t len = r->compact_held.len;
    release_held(r);
    if (index <= r->log.snapshot_index) {
        free(data); /* an installed snapshot went past it */
        return;
    }
    compact(r, index, data, len);
}
