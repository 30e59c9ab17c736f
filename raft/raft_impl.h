/* raft_impl.h: the core's state, shared by the raft_*.c files.
 *
 * Invariants kept across every public call:
 * - snapshot.last_index == log.snapshot_index <= applied_index <=
 *   commit_index <= last log index; commit_index never decreases.
 * - persisted_index <= last log index, and every entry up to it is durable.
 * - a LEADER has leader == id; a CANDIDATE has vote == id and leader == 0.
 * - pre_campaigning implies role FOLLOWER and leader == 0.
 * Per call, the output fields (msgs, dirty_from, ...) collect what the update
 * reports; raft_finish() turns them into a struct raft_update.
 */
#ifndef RAFT_IMPL_H
#define RAFT_IMPL_H

#include "raft.h"
#include "raft_assert.h"
#include "raft_log.h"
#include "raft_progress.h"

struct raft
{
    struct raft_config config;      /* copy; voters points at our own array */
    uint64_t id;                    /* config.id */
    size_t n_voters;                /* config.n_voters */
    size_t self_slot;               /* our slot in progress */
    struct raft_progress *progress; /* one slot per voter, in config order */
    uint64_t *inflight_buf;         /* windows of all slots, owned */
    uint64_t *match_scratch;        /* n_voters values for the commit rule */

    /* Durable state (Figure 2 "persistent state on all servers"). */
    uint64_t term;                 /* currentTerm */
    uint64_t vote;                 /* votedFor in term; 0: none */
    struct raft_log log;           /* log[] after the snapshot */
    struct raft_snapshot snapshot; /* latest snapshot; data owned */

    /* Volatile state. */
    enum raft_role role;      /* follower, candidate or leader */
    uint64_t leader;          /* leader known for term; 0: unknown */
    uint64_t commit_index;    /* Figure 2 commitIndex */
    uint64_t applied_index;   /* last entry handed out in committed */
    uint64_t persisted_index; /* entries durable up to here (raft_persisted) */
    bool pre_campaigning;     /* a follower collecting PreVotes (§9.6) */
    uint64_t now;             /* time of the latest call */
    uint64_t election_deadline;  /* follower/candidate: timer fires here */
    uint64_t heartbeat_deadline; /* leader: next heartbeat round */
    uint64_t quorum_deadline;    /* leader with check_quorum: next check */
    uint64_t leader_contact;     /* last time the known leader was heard */
    uint64_t rng;                /* splitmix64 state for election timeouts */

    /* Output of the call in progress, reused across calls. */
    struct raft_message *msgs; /* owned array of msgs_cap messages */
    size_t n_msgs;             /* messages of this call */
    size_t msgs_cap;           /* bound on messages one call can emit */
    uint64_t dirty_from;       /* lowest index written by this call */
    bool snapshot_installed;   /* this call accepted an InstallSnapshot */
    bool log_discarded;        /* ... and dropped the log after it */
    uint64_t start_term;       /* term when the call began */
    uint64_t start_vote;       /* vote when the call began */
    enum raft_role start_role; /* role when the call began */
    uint64_t start_leader;     /* leader when the call began */

    /* Data copied in ahead of mutation, so a failed allocation changes
     * nothing; owned until consumed. */
    void **scratch;     /* one copy per incoming entry to append */
    size_t scratch_cap; /* slots in scratch */
    size_t n_scratch;   /* slots filled for the call in progress */
};

#define RAFT_NO_INDEX UINT64_MAX

/* raft.c */
/* Appends a message of type to peer `to` with our term; NULL (message
 * dropped) only if the per-call bound was exceeded, which Raft tolerates as
 * loss. The returned message is zeroed apart from type, from, to, term. */
struct raft_message *raft_emit(struct raft *r,
                               enum raft_message_type type,
                               uint64_t to);
/* The progress slot of voter id; NULL when id is not a voter. */
struct raft_progress *raft_progress_of(struct raft *r, uint64_t id);
/* Votes (or pre-votes, acknowledgements) needed: a majority of voters. */
size_t raft_quorum(const struct raft *r);

/* raft_election.c */
/* Draws a fresh election timeout from [min, max] and arms the timer. */
void raft_election_reset_timer(struct raft *r);
/* Becomes a follower of term (greater or equal to ours), knowing leader. */
void raft_become_follower(struct raft *r, uint64_t term, uint64_t leader);
/* The election timer fired: PreVote or a real campaign. */
void raft_election_timeout(struct raft *r);
/* §4.2.3: whether we heard from a current leader within the minimum
 * election timeout (or are it), when pre_vote or check_quorum is on. */
bool raft_election_in_lease(const struct raft *r);
/* Applies the higher-term rule to m; false when m must be dropped. */
bool raft_election_observe_term(struct raft *r, const struct raft_message *m);
/* Figure 2, RequestVote receiver: answers m (term already reconciled). */
void raft_election_recv_request_vote(struct raft *r,
                                     const struct raft_message *m);
/* §5.2: counts a vote of our candidacy; a majority makes us leader. */
void raft_election_recv_vote_result(struct raft *r,
                                    const struct raft_message *m);
/* Thesis §9.6: answers a PreVote without changing term or vote. */
void raft_election_recv_pre_vote(struct raft *r, const struct raft_message *m);
/* Thesis §9.6: counts a PreVote; a majority starts the real election. */
void raft_election_recv_pre_vote_result(struct raft *r,
                                        const struct raft_message *m);
/* Leader with check_quorum: steps down when a majority went quiet. */
void raft_election_check_quorum(struct raft *r);

/* raft_replication.c */
/* Sends what the peer's progress state allows. */
void raft_replication_send(struct raft *r, struct raft_progress *p);
/* Sends to every peer what its progress state allows. */
void raft_replication_send_all(struct raft *r);
/* Heartbeat round: probes, heartbeats, loss recovery. */
void raft_replication_heartbeat(struct raft *r);
/* Leader: advances commit_index by the Figure 2 / Figure 8 rule. */
void raft_replication_maybe_commit(struct raft *r);
/* Prepares an AppendEntries for receipt (copies the entries it would append
 * into r->scratch). RAFT_ENOMEM leaves the core unchanged. */
int raft_replication_prepare_append(struct raft *r,
                                    const struct raft_message *m);
/* Figure 2, AppendEntries receiver; uses what prepare_append copied. */
void raft_replication_recv_append(struct raft *r, const struct raft_message *m);
/* Figure 2, "Rules for leaders": a follower's answer to AppendEntries. */
void raft_replication_recv_append_result(struct raft *r,
                                         const struct raft_message *m);
/* Frees prepared copies that the call did not consume. */
void raft_replication_release_scratch(struct raft *r);
/* Records that the log was written from index on in this call. */
void raft_replication_mark_dirty(struct raft *r, uint64_t index);

/* raft_snapshot.c */
/* Sends the current snapshot to the peer and enters SNAPSHOT. */
void raft_snapshot_send(struct raft *r, struct raft_progress *p);
/* Handles an InstallSnapshot; data is the core's copy of its bytes,
 * transferred (freed when not kept). */
void raft_snapshot_recv(struct raft *r,
                        const struct raft_message *m,
                        void *data);
/* §7: a follower now holds everything up to the snapshot it acknowledges. */
void raft_snapshot_recv_result(struct raft *r, const struct raft_message *m);
/* Replaces the log prefix up to index with a snapshot; data transferred. */
void raft_snapshot_compact(struct raft *r,
                           uint64_t index,
                           void *data,
                           size_t len);

/* t + d, or UINT64_MAX (a deadline never reached) when the sum would not fit:
 * deadlines are the host's clock plus a configured interval, and neither is
 * bounded by anything but 64 bits. */
static inline uint64_t raft_time_add(uint64_t t, uint64_t d)
{
    return d > UINT64_MAX - t ? UINT64_MAX : t + d;
}

#endif /* RAFT_IMPL_H */
