/* raft_progress.c: per-peer replication state of a leader.
 *
 * Invariant: match_index < next_index at all times, and nothing here lowers
 * match_index; next_index only goes down through raft_progress_become_probe,
 * which never sets it at or below match_index.
 */
#include "raft_progress.h"

static void window_clear(struct raft_progress *p)
{
    p->inflight_head = 0;
    p->inflight_count = 0;
}

void raft_progress_reset(struct raft_progress *p, uint64_t next_index)
{
    p->match_index = 0;
    p->next_index = next_index > 0 ? next_index : 1;
    raft_progress_moved(p);
    p->state = RAFT_PROGRESS_PROBE;
    p->probe_paused = false;
    p->snapshot_index = 0;
    p->snapshot_sent_at = 0;
    p->snapshot_hold = false;
    p->sent_at_heartbeat = 0;
    p->match_at_heartbeat = 0;
    p->acked_round = 0;
    p->acked_sent_at = 0;
    window_clear(p);
}

void raft_progress_become_probe(struct raft_progress *p, uint64_t next_index)
{
    p->state = RAFT_PROGRESS_PROBE;
    p->next_index =
        next_index > p->match_index ? next_index : p->match_index + 1;
    raft_progress_moved(p);
    p->probe_paused = false;
    p->snapshot_index = 0;
    window_clear(p);
}

void raft_progress_become_replicate(struct raft_progress *p)
{
    p->state = RAFT_PROGRESS_REPLICATE;
    p->next_index = p->match_index + 1;
    raft_progress_moved(p);
    p->probe_paused = false;
    p->snapshot_index = 0;
    p->sent_at_heartbeat = p->match_index;
    p->match_at_heartbeat = p->match_index;
    window_clear(p);
}

void raft_progress_become_snapshot(struct raft_progress *p,
                                   uint64_t snapshot_index)
{
    p->state = RAFT_PROGRESS_SNAPSHOT;
    p->snapshot_index = snapshot_index;
    p->snapshot_hold = true;
    p->probe_paused = false;
    p->snapshot_acked = 0;
    raft_progress_snapshot_rewind(p, 0);
    p->snapshot_rewound = false;
}

void raft_progress_snapshot_rewind(struct raft_progress *p, uint64_t offset)
{
    assert(p->state == RAFT_PROGRESS_SNAPSHOT);
    p->snapshot_next = offset;
    p->snapshot_acked = offset;
    p->snapshot_done_sent = false;
    p->snapshot_rewound = true;
    window_clear(p);
}

void raft_progress_window_free(struct raft_progress *p, uint64_t upto)
{
    while (p->inflight_count > 0 && p->inflight[p->inflight_head] <= upto) {
        p->inflight_head = (p->inflight_head + 1) % p->inflight_cap;
        p->inflight_count--;
    }
}

