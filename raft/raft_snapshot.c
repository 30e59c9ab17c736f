/* raft_snapshot.c: log compaction and InstallSnapshot (§7).
 *
 * Invariants: the core's snapshot always ends at log.snapshot_index and its
 * data is the core's own copy; a received snapshot never rolls the node back
 * (one at or below the commit index is only acknowledged), and one whose last
 * entry the log already holds keeps the log suffix after it.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

/* §7: a follower whose next entry was compacted away gets the snapshot. */
void raft_snapshot_send(struct raft *r, struct raft_progress *p)
{
    struct raft_message *m = raft_emit(r, RAFT_MSG_INSTALL_SNAPSHOT, p->id);
    if (m == NULL) {
        return;
    }
    m->install_snapshot.snapshot = r->snapshot;
    raft_progress_become_snapshot(p, r->snapshot.last_index);
    p->snapshot_sent_at = r->now;
}

/* Thesis §4.1 and §5.1: the snapshot carries the configuration at its last
 * index, which replaces the records it covers (all of them when the log was
 * discarded); the records of a kept suffix still follow it. A snapshot
 * without one leaves the configuration as the log says. */
static void install_configuration(struct raft *r,
                                  uint64_t last_index,
                                  bool keep_suffix)
{
    raft_conf_history_truncate(&r->confs,
                               keep_suffix ? last_index + 1 : 0);
    struct raft_conf ignored = {0};
    raft_conf_history_compact(&r->confs, last_index,
                              r->snap_conf_scratch.ids != NULL ? &ignored
                                                               : &r->snap_conf);
    raft_conf_free(&ignored);
    if (r->snap_conf_scratch.ids != NULL) {
        raft_conf_free(&r->snap_conf);
        r->snap_conf = r->snap_conf_scratch;
        memset(&r->snap_conf_scratch, 0, sizeof r->snap_conf_scratch);
    }
    raft_membership_apply(r);
}

static void reply(struct raft *r, uint64_t to, uint64_t last_index)
{
    struct raft_message *out =
        raft_emit(r, RAFT_MSG_INSTALL_SNAPSHOT_RESULT, to);
    if (out != NULL) {
        out->install_snapshot_result.last_index = last_index;
    }
}

/* Figure 13, InstallSnapshot receiver: refuse an older term; otherwise
 * follow the sender. A snapshot not beyond our commit index adds nothing
 * (what it covers is committed here, so equal to the leader's) and is only
 * acknowledged. Otherwise it replaces the log prefix: rule 6 keeps the
 * suffix if the log holds last_index with last_term, rule 7 discards the
 * whole log if not. */
void raft_snapshot_recv(struct raft *r,
                        const struct raft_message *m,
                        void *data)
{
    const struct raft_snapshot *s = &m->install_snapshot.snapshot;
    if (m->term < r->term) {
        free(data);
        reply(r, m->from, 0);
        return;
    }
    if (r->role == RAFT_LEADER) {
        free(data);
        return; /* two leaders in one term cannot happen (§5.2) */
    }
    raft_become_follower(r, r->term, m->from);
    if (s->last_index > r->commit_index) {
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
        data = NULL;
        r->commit_index = s->last_index;
        r->applied_index = s->last_index;
        r->snapshot_installed = true;
    }
    free(data);
    reply(r, m->from, s->last_index);
}

/* The peer now holds everything up to the acknowledged index: raise its
 * match_index and, once the snapshot sent is covered, probe after it. */
void raft_snapshot_recv_result(struct raft *r, const struct raft_message *m)
{
    if (r->role != RAFT_LEADER || m->term != r->term) {
        return;
    }
    uint64_t index = m->install_snapshot_result.last_index;
    if (index > raft_log_last_index(&r->log)) {
        return;
    }
    struct raft_progress *p = raft_progress_of(r, m->from);
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

/* §7: the host's snapshot replaces the log up to index (already applied). */
void raft_snapshot_compact(struct raft *r,
                           uint64_t index,
                           void *data,
                           size_t len)
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
    if (r->persisted_index < index) {
        r->persisted_index = index;
    }
}
