/* raft_progress.h: what a leader knows and expects of one peer's log.
 *
 * Invariant: match_index < next_index; match_index never decreases while the
 * node leads in one term; in REPLICATE, the in-flight window holds the last
 * indexes of the AppendEntries sent beyond match_index, in increasing order,
 * at most inflight_cap of them; in SNAPSHOT, it holds the end offsets of the
 * InstallSnapshot chunks sent beyond snapshot_acked, likewise.
 */
#ifndef RAFT_PROGRESS_H
#define RAFT_PROGRESS_H

#include "raft.h"
#include "raft_assert.h"

enum raft_progress_state {
    /* One AppendEntries at a time, to find where the logs agree. */
    RAFT_PROGRESS_PROBE = 0,
    /* The logs agree up to match_index: stream entries, up to a window. */
    RAFT_PROGRESS_REPLICATE,
    /* next_index fell into the compacted prefix: an InstallSnapshot is out. */
    RAFT_PROGRESS_SNAPSHOT,
};

/* The election tally of one voter for the current (pre-)campaign. */
enum raft_vote_tally {
    RAFT_TALLY_NONE = 0, /* no answer yet */
    RAFT_TALLY_GRANTED,  /* granted */
    RAFT_TALLY_DENIED,   /* refused */
};

struct raft_progress
{
    uint64_t id; /* the server this slot describes */
    /* Its roles in the configuration in effect (thesis §4.1, §4.3); a slot
     * with none is free, apart from the core's own slot, which always
     * exists. */
    bool voter;     /* a voter (of the incoming half while joint) */
    bool voter_out; /* a voter of the outgoing half (joint only) */
    bool learner;   /* a learner: receives the log, never counts */
    uint64_t next_index;  /* Figure 2 nextIndex: the next entry to send */
    uint64_t match_index; /* Figure 2 matchIndex: highest index known held */
    /* The core's progress_version, borrowed for its lifetime: +1 at every
     * write of next_index or match_index (raft_progress_moved()). */
    uint64_t *version;
    enum raft_progress_state state; /* how entries flow to the peer */
    bool probe_paused;         /* PROBE: a probe is out; wait for a reply */
    uint64_t snapshot_index;   /* SNAPSHOT: last index of the snapshot sent */
    uint64_t snapshot_sent_at; /* SNAPSHOT: when a chunk was last sent */
    uint64_t snapshot_next;    /* SNAPSHOT: offset of the next chunk to send */
    uint64_t snapshot_acked;   /* SNAPSHOT: bytes the peer acknowledged */
    bool snapshot_done_sent;   /* SNAPSHOT: the last chunk is out */
    /* SNAPSHOT: the transfer went back to an earlier offset (a loss or a
     * restarted peer): one chunk at a time until the peer acknowledges. */
    bool snapshot_rewound;
    /* Since it entered SNAPSHOT, until it holds every entry up to the
     * leader's latest compaction: it receives the leader's snapshot or
     * catches up after it through the log, so a compaction that would
     * take either away waits (raft_snapshot.c). */
    bool snapshot_hold;
    /* REPLICATE: next_index - 1 when the previous heartbeat went out; if the
     * peer still has not acknowledged it at the next heartbeat, what was in
     * flight is taken as lost and the peer goes back to PROBE. */
    uint64_t sent_at_heartbeat;
    /* REPLICATE: match_index when the previous heartbeat went out; a full
     * window with no acknowledgement since then is also taken as lost. */
    uint64_t match_at_heartbeat;
    uint64_t *inflight;    /* ring of inflight_cap last indexes, borrowed from
                              the core's buffer for its lifetime */
    size_t inflight_cap;   /* window size (config.max_inflight, at least 1) */
    size_t inflight_head;  /* ring slot of the oldest message in flight */
    size_t inflight_count; /* messages in flight */
    uint64_t last_heard; /* leader: when this peer last answered in the term */
    uint64_t acked_round;   /* leader: highest read round it echoed (§6.4) */
    uint64_t acked_sent_at; /* leader: latest send time it echoed (§6.4.1) */
    enum raft_vote_tally tally; /* answer to the current (pre-)campaign */
};

/* Whether the slot's server belongs to the configuration in effect. */
static inline bool raft_progress_member(const struct raft_progress *p)
{
    return p->voter || p->voter_out || p->learner;
}

/* next_index or match_index was written: raft_progress_version() moves. */
static inline void raft_progress_moved(struct raft_progress *p)
{
    (*p->version)++;
}

/* Resets the slot for a new leadership: PROBE at next_index, match 0. */
void raft_progress_reset(struct raft_progress *p, uint64_t next_index);

/* Enters PROBE at next_index (kept above match_index) with an empty window. */
void raft_progress_become_probe(struct raft_progress *p, uint64_t next_index);

/* Enters REPLICATE at match_index + 1 with an empty window. */
void raft_progress_become_replicate(struct raft_progress *p);

/* Enters SNAPSHOT for a snapshot ending at snapshot_index. */
void raft_progress_become_snapshot(struct raft_progress *p,
                                   uint64_t snapshot_index);


/* Whether another AppendEntries may go out in REPLICATE (inline: asked
 * for every peer at every heartbeat and acknowledgement). */
static inline bool raft_progress_window_full(const struct raft_progress *p)
{
    return p->inflight_count >= p->inflight_cap;
}

/* Records an AppendEntries ending at last_index (or a chunk ending at that
 * offset) as in flight. */
static inline void raft_progress_window_add(struct raft_progress *p,
                                            uint64_t last_index)
{
    size_t slot = (p->inflight_head + p->inflight_count) % p->inflight_cap;
    p->inflight[slot] = last_index;
    p->inflight_count++;
}

/* Frees the window of what ends at or before `upto`. */
void raft_progress_window_free(struct raft_progress *p, uint64_t upto);

/* Records an acknowledgement of index: raises match_index (and next_index
 * past it) and frees the window up to it (outside SNAPSHOT, whose window
 * counts bytes). Returns whether match_index rose;
 * a stale or duplicated acknowledgement changes nothing (§5.3: replies may be
 * reordered). Inline, for the acknowledgement of every heartbeat; an empty
 * window (an in-sync peer's between appends) has nothing to free. */
static inline bool raft_progress_ack(struct raft_progress *p, uint64_t index)
{
    if (p->state != RAFT_PROGRESS_SNAPSHOT && p->inflight_count > 0) {
        raft_progress_window_free(p, index);
    }
    if (index <= p->match_index) {
        return false;
    }
    p->match_index = index;
    if (p->next_index <= index) {
        p->next_index = index + 1;
    }
    raft_progress_moved(p);
    return true;
}

/* SNAPSHOT: goes back to sending from `offset` (what the peer holds), one
 * chunk at a time, with an empty window. */
void raft_progress_snapshot_rewind(struct raft_progress *p, uint64_t offset);

#endif /* RAFT_PROGRESS_H */
