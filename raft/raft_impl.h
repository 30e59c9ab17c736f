/* raft_impl.h: the core's state, shared by the raft_*.c files.
 *
 * Invariants kept across every public call:
 * - snapshot.last_index == log.snapshot_index <= applied_index <=
 *   commit_index <= last log index; commit_index never decreases.
 * - persisted_index <= last log index, and every entry up to it is durable.
 * - a LEADER has leader == id; a CANDIDATE has vote == id and leader == 0.
 * - pre_campaigning implies role FOLLOWER and leader == 0.
 * - the progress slots describe the configuration in effect (the last record
 *   of confs, else snap_conf): one slot per member, plus our own slot.
 * - transfer_target != 0 only on a LEADER.
 * Per call, the output fields (msgs, dirty_from, ...) collect what the update
 * reports; raft_finish() turns them into a struct raft_update.
 */
#ifndef RAFT_IMPL_H
#define RAFT_IMPL_H

#include <stddef.h>
#include <string.h>

#include "raft.h"
#include "raft_assert.h"
#include "raft_configuration.h"
#include "raft_log.h"
#include "raft_progress.h"

/* Byte ranges a follower may hold beyond the first gap of a transfer. */
#define RAFT_PARTIAL_RANGES 8

/* The chunks of one snapshot received so far. A transfer is named by its
 * leader's term and the snapshot's last index and term: within one term
 * only one leader sends, and its snapshot of one index never changes, so
 * bytes received twice are equal. data holds every byte at its offset: the
 * first len without a gap, then the ranges in `ahead`, sorted, disjoint,
 * not touching each other nor the prefix (chunks that overtook a missing
 * one on the network, §5.3 allows reordering). */
struct raft_snapshot_partial
{
    uint64_t term;       /* the sender's term; 0: no transfer under way */
    uint64_t last_index; /* the snapshot being received */
    uint64_t last_term;
    unsigned char *data; /* owned */
    size_t len;          /* bytes held from offset 0 without a gap */
    size_t cap;          /* bytes allocated at data */
    size_t ahead[RAFT_PARTIAL_RANGES][2]; /* [from, to) held past a gap */
    size_t n_ahead;
    bool has_end;         /* the last chunk arrived: the length is known */
    size_t end;           /* the snapshot's length, when has_end */
    struct raft_conf conf; /* the last chunk's configuration, owned */
};

/* What an AppendEntries does to the receiver's log (raft_replication.c),
 * computed without changing anything so that copies can be allocated
 * first. */
struct raft_append_plan
{
    bool ok;                      /* the consistency check passed */
    uint64_t conflict_term;       /* !ok: hint for the leader */
    uint64_t conflict_index;      /* !ok: hint for the leader */
    const struct raft_entry *src; /* entries to write, borrowed from m */
    size_t n_new;                 /* how many */
    uint64_t write_index;         /* index of src[0] */
    bool truncate;                /* write_index is held: a real conflict */
};

struct raft
{
    struct raft_config config;      /* copy; voters points at our own array */
    uint64_t id;                    /* config.id */
    size_t n_slots;                 /* slots in use in progress */
    size_t slots_cap;               /* slots allocated */
    size_t window;                  /* in-flight window of each slot */
    size_t self_slot;               /* our slot in progress */
    struct raft_progress *progress; /* members' slots (raft_membership.c) */
    uint64_t *inflight_buf;         /* windows of all slots, owned */
    uint64_t *match_scratch;        /* slots_cap values for the commit rule */
    /* +1 whenever what raft_peer_indexes() reports for another server may
     * change: a slot's match_index or next_index written (each slot
     * borrows it, raft_progress.h), the slots reassigned
     * (raft_membership_apply()), leadership lost (raft_become_follower());
     * gaining it resets every slot. raft_progress_version() is this + 1. */
    uint64_t progress_version;

    /* Configurations (thesis §4.1): the one at the snapshot point (or the
     * bootstrap one), then one record per configuration entry after it. */
    struct raft_conf snap_conf;
    struct raft_conf_history confs;

    /* Leadership transfer (thesis §3.10), leader only. */
    uint64_t transfer_target;   /* 0: none */
    uint64_t transfer_deadline; /* abandoned at this time */
    bool timeout_now_sent;      /* the target was told to campaign */
    /* A TimeoutNow left in this term: its target campaigns with the voters'
     * lease bypassed, whenever it arrives, so this leader serves no lease
     * read again (thesis §3.10, §6.4.1). Cleared on taking office. */
    bool lease_revoked;

    /* Proposals (raft_propose.c), leader only: the charge of the command
     * entries of uncommitted_term above the commit index. */
    uint64_t uncommitted_bytes;
    uint64_t uncommitted_term;

    /* ReadIndex (thesis §6.4): a leader's pending reads, its own and those
     * followers forwarded; a follower's reads forwarded to its leader. */
    uint64_t read_round;           /* the latest round; AppendEntries carry it */
    struct raft_read_request *reads; /* pending, in request order, owned */
    size_t n_reads;
    size_t reads_cap;              /* slots in reads */
    struct raft_read_forwarded *fwd; /* follower: awaiting answers, owned */
    size_t n_fwd;
    size_t fwd_cap;                /* slots in fwd */
    struct raft_read *ready;       /* outcomes of this call: reads_cap +
                                      fwd_cap slots, owned */
    size_t n_ready;

    /* Durable state (Figure 2 "persistent state on all servers"). */
    uint64_t term;                 /* currentTerm */
    uint64_t vote;                 /* votedFor in term; 0: none */
    struct raft_log log;           /* log[] after the snapshot */
    struct raft_snapshot snapshot; /* latest snapshot; data owned */

    /* A snapshot arriving in chunks (Figure 13), follower only: volatile,
     * so a restart drops it and the leader starts over. */
    struct raft_snapshot_partial partial;
    /* Leader: a compaction the host asked for while a peer still needed
     * the snapshot being sent or the log after it (raft_snapshot.c);
     * index 0: none. Volatile: the host has the snapshot durably. */
    struct
    {
        uint64_t index;
        void *data; /* owned */
        size_t len;
        uint64_t since; /* when the first compaction was held back */
    } compact_held;

    /* Volatile state. */
    enum raft_role role;      /* follower, candidate or leader */
    uint64_t leader;          /* leader known for term; 0: unknown */
    uint64_t commit_index;    /* Figure 2 commitIndex */
    uint64_t applied_index;   /* last entry handed out in committed */
    uint64_t persisted_index; /* entries durable up to here (raft_persisted) */
    /* What the host reported durable (raft_durable.c). */
    uint64_t durable_term;
    uint64_t durable_vote;
    uint64_t durable_index;
    bool pre_campaigning;     /* a follower collecting PreVotes (§9.6) */
    uint64_t now;             /* time of the latest call */
    uint64_t election_deadline;  /* follower/candidate: timer fires here */
    uint64_t heartbeat_deadline; /* leader: next heartbeat round */
    uint64_t quorum_deadline;    /* leader with check_quorum: next check */
    uint64_t leader_contact;     /* last time the known leader was heard */
    /* Thesis §6.4.1: a node that starts with a durable term may have
     * acknowledged a leader's lease just before it stopped; it counts its
     * start as contact with that leader and grants no vote (nor PreVote)
     * before this time. 0: none (a fresh node never acknowledged one). */
    uint64_t start_lease_end;
    uint64_t rng;                /* splitmix64 state for election timeouts */
    /* How many election deadlines a draw picks from, election_timeout_max
     * - election_timeout_min + 1, taken once from the copied config (which
     * never changes); never 0, as election_timeout_min is at least 1. */
    uint64_t draw_range;

    /* Output of the call in progress, reused across calls. */
    struct raft_message *msgs; /* owned array of msgs_cap messages */
    size_t n_msgs;             /* messages of this call */
    size_t msgs_cap;           /* bound on messages one call can emit */
    uint64_t dirty_from;       /* lowest index written by this call */
    /* The next four flags are cleared by raft_begin(), side by side so
     * that one store clears them all. */
    /* An AppendEntries with entries or an InstallSnapshot was emitted in
     * this call (emit_append(), send_chunk()): only then do raft_finish()'s
     * views and fix-ups look at the messages. */
    bool msgs_point;
    bool snapshot_installed;   /* this call accepted an InstallSnapshot */
    bool log_discarded;        /* ... and dropped the log after it */
    /* This call changed the term or the vote (raft_election.c, the only
     * writer of both): set where either takes a new value, so it says
     * whether they differ from the call's start (the term only grows, and
     * the vote changes within a term only once, from none). */
    bool hard_state_moved;
    /* A message whose wait turns on more than the term and the log (a
     * granted RequestVoteResult: the vote; an InstallSnapshotResult: the
     * snapshot) was emitted since the waits were last looked at message by
     * message, which clears it (raft_durable.c). */
    bool msgs_promise_more;
    /* raft_finish() may have something to hand out: set by every writer
     * that makes dirty_from an index, msgs_point or snapshot_installed
     * true, raises commit_index or adds a forwarded read; cleared only at
     * the end of a call that handed out (finish_general()), to what is
     * left then (committed entries not handed out, forwarded reads). So
     * while it is false, the call began with those three unset
     * (raft_begin()), commit_index == applied_index and n_fwd == 0. */
    bool hand_out;
    enum raft_role start_role; /* role when the call began */
    uint64_t start_leader;     /* leader when the call began */
    /* confs.version + 1 when snapshot.configuration last viewed snap_conf
     * (raft_finish(), in a call that may hand the snapshot out); 0: never. */
    uint64_t snap_conf_viewed;
    /* log.version when check_log_order() last checked the log's order;
     * 0: never (the first call checks it). */
    uint64_t order_checked;

    /* Data copied in ahead of mutation, so a failed allocation changes
     * nothing; owned until consumed. */
    struct raft_record **scratch; /* one record per incoming entry to
                                     append, owning a reference */
    struct raft_conf *conf_scratch; /* decoded configuration entries, by
                                       the same slot as scratch */
    size_t scratch_cap; /* slots in scratch and conf_scratch */
    size_t n_scratch;   /* slots filled for the call in progress */
    struct raft_conf snap_conf_scratch; /* an incoming snapshot's config */
    /* The plan of the AppendEntries with entries being received, made with
     * its copies (raft_replication_prepare_append()) and followed by
     * raft_replication_recv_append(); plan_of is that message while the
     * plan is pending, else NULL. */
    struct raft_append_plan plan;
    const struct raft_message *plan_of;
    /* Where proposed commands' records are made (raft_set_record_pool());
     * NULL: allocations of their own. Borrowed from the host. */
    struct raft_record_pool *record_pool;
};

#define RAFT_NO_INDEX UINT64_MAX


/* A pending ReadIndex read: served once round is confirmed. */
struct raft_read_request
{
    uint64_t id;
    uint64_t index;
    uint64_t round;
    uint64_t from; /* the follower that forwarded it; 0: our own */
};

/* A follower's read forwarded to the leader it knew, in the term it knew. */
struct raft_read_forwarded
{
    uint64_t id;
    uint64_t leader;
    uint64_t term;
    uint64_t deadline; /* fails at the first call at or after this time */
};

/* raft.c */
/* The record of an entry handed in, with a reference for the caller: the
 * entry's own record held once more, or a new copy (raft.h, struct
 * raft_entry); NULL when allocation fails. */
struct raft_record *raft_record_of(const struct raft_entry *e);
/* The frame of every action: raft_prologue() checks what it needs before
 * any change, raft_begin() starts the update, raft_finish() assembles it and
 * raft_fail() reports a call that changed nothing. The first two are
 * inline, below. */
int raft_finish(struct raft *r, struct raft_update *u);
int raft_fail(const struct raft *r, int rc, struct raft_update *u);

/* raft_membership.c */
/* raft_create() part: sizes the slots for the configuration in effect
 * (exactly, so a bootstrap cluster's buffers are as small as can be) and
 * lays them out. */
int raft_membership_init(struct raft *r);
/* Grows the slot arrays so that a configuration of n_ids ids fits.
 * RAFT_ENOMEM changes nothing. */
int raft_membership_reserve(struct raft *r, size_t n_ids);
/* Lays the slots out for the configuration in effect (no allocation: the
 * caller reserved room). New members' slots start afresh. */
void raft_membership_apply(struct raft *r);
/* The slot holding id, by scanning every slot; n_slots when none does. */
size_t raft_slot_scan(const struct raft *r, uint64_t id);
/* Insertion sort, descending: n is the number of voters of one half. */
void raft_sort_descending(uint64_t *v, size_t n);
/* Whether we vote (in either half) in the configuration in effect. */
bool raft_membership_self_voter(const struct raft *r);
/* Thesis §4.2.2: whether this node may campaign: a voter of its latest
 * configuration, or of the one before it while the latest is not yet
 * committed (it may be needed to commit it; its own vote does not count
 * unless the latest configuration lists it). */
bool raft_membership_may_campaign(const struct raft *r);
/* Whether the tallies hold a majority of every half (thesis §4.3). */
bool raft_membership_vote_won(const struct raft *r);
/* The highest index held by a majority of every half, counting ourselves
 * only up to the durable index (thesis §4.3, §10.2.1), when it is above the
 * commit index; otherwise some index at or below the commit index. */
uint64_t raft_membership_commit_point(struct raft *r);
/* Leader: whether a majority of every half was heard from within
 * election_timeout_min (thesis §6.2). */
bool raft_membership_quorum_active(const struct raft *r);
/* Leader, after the commit index moved: steps down when the committed
 * configuration no longer has us as a voter (thesis §4.2.2). */
void raft_membership_after_commit(struct raft *r);
/* raft_tick() part: appends the entry leaving the joint configuration.
 * Called before raft_begin(); RAFT_ENOMEM changes nothing. */
int raft_membership_prepare_leave(struct raft *r,
                                  struct raft_record **rec,
                                  struct raft_conf *conf);
void raft_membership_append(struct raft *r,
                            struct raft_record *rec,
                            struct raft_conf *conf);

/* raft_durable.c */
/* raft_finish() part: puts the messages that must wait for the pending
 * writes first and counts them into u->n_sync_messages. */
void raft_durable_order_messages(struct raft *r, struct raft_update *u);
/* raft_finish() part, for a call that wrote no entry: whether any message
 * of this call must wait for the pending writes
 * (raft_durable_order_messages() would move it first). */
bool raft_durable_any_waits(struct raft *r);
/* raft_persisted() part: entries up to index, of term, are durable. */
void raft_durable_entries(struct raft *r, uint64_t index, uint64_t term);
/* The log was replaced from index `from` on (a conflict, or a snapshot
 * that discarded it): what was durable there no longer matches. */
void raft_durable_log_changed(struct raft *r, uint64_t from);
/* Whether our vote for ourselves in the current term is durable. */
bool raft_durable_self_vote(const struct raft *r);

/* raft_propose.c */
/* Leader: the commit index moved from from - 1 to to; the command entries
 * of its term in [from, to] leave the uncommitted charge. */
void raft_propose_committed(struct raft *r, uint64_t from, uint64_t to);

/* raft_read.c */
/* Leader: a peer echoed a read round and its host-given `now` (§6.4); reads
 * whose round a majority of every half confirmed become ready. */
void raft_read_ack(struct raft *r,
                   struct raft_progress *p,
                   const struct raft_append_entries_result *res);
/* The node stopped leading: its own pending reads fail (RAFT_ENOTLEADER),
 * forwarded ones are dropped (their followers fail them by themselves). */
void raft_read_drop(struct raft *r);
/* RAFT_MSG_READ_INDEX on any node, RAFT_MSG_READ_INDEX_RESULT on the
 * follower that forwarded the read (term already reconciled). */
void raft_read_recv(struct raft *r, const struct raft_message *m);
/* raft_finish() part: fails forwarded reads whose leader or term changed or
 * whose deadline passed. */
void raft_read_settle(struct raft *r);
/* raft_destroy() part: frees the read buffers. */
void raft_read_free(struct raft *r);

/* raft_transfer.c */
/* Leader: an acknowledgement from the transfer target; sends TimeoutNow
 * once its log is up to date (thesis §3.10). */
void raft_transfer_progress(struct raft *r, const struct raft_progress *p);
/* Leader tick: abandons a transfer past its deadline. */
void raft_transfer_tick(struct raft *r);
/* Thesis §3.10: a TimeoutNow from our leader makes us campaign now. */
void raft_transfer_recv_timeout_now(struct raft *r,
                                    const struct raft_message *m);

/* raft_election.c */
/* Draws a fresh election timeout from [min, max] and arms the timer. */
void raft_election_reset_timer(struct raft *r);
/* Becomes a follower of term (greater or equal to ours), knowing leader. */
void raft_become_follower(struct raft *r, uint64_t term, uint64_t leader);
/* The election timer fired: PreVote or a real campaign. */
void raft_election_timeout(struct raft *r);
/* Thesis §3.10: a real campaign now, without PreVote, whose RequestVotes
 * say they follow a leadership transfer. */
void raft_election_campaign_transfer(struct raft *r);
/* §4.2.3: whether we heard from a current leader within the minimum
 * election timeout (or are it, or started with a durable term less than
 * that ago, thesis §6.4.1), when pre_vote or check_quorum is on. */
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
/* The host reported our hard state durable: a candidate that has its
 * majority takes office now. */
void raft_election_vote_durable(struct raft *r);
/* Leader with check_quorum: steps down when a majority went quiet. */
void raft_election_check_quorum(struct raft *r);

/* raft_replication.c */
/* Marks a function of one file that is inlined into its callers in
 * another (GCC's -flto), each call site apart: the
 * receiver rules raft_receive() calls on two paths. Clang refuses an
 * inline function of external linkage that calls static ones
 * (-Wstatic-in-inline), so there it is an ordinary function. */
#if defined(__GNUC__) && !defined(__clang__)
#define RAFT_INLINE_ACROSS_FILES inline __attribute__((always_inline))
#else
#define RAFT_INLINE_ACROSS_FILES
#endif
/* Sends what the peer's progress state allows. */
void raft_replication_send(struct raft *r, struct raft_progress *p);
/* Sends to every peer what its progress state allows. */
void raft_replication_send_all(struct raft *r);
/* Heartbeat round: probes, heartbeats, loss recovery. */
void raft_replication_heartbeat(struct raft *r);
/* Thesis §6.4: an empty AppendEntries to every member, at the highest point
 * known to match, carrying the current read round. */
void raft_replication_confirm_round(struct raft *r);
/* Leader: advances commit_index by the Figure 2 / Figure 8 rule. It reads
 * the slots' match indexes and voter flags, persisted_index, commit_index,
 * the role and the terms of the log up to the indexes they hold; every
 * change of one of them that can move the rule's answer is followed by a
 * call (an ack raising a match index above commit_index, the leader's own
 * writes reported durable, a configuration appended, taking office), so a
 * leader's commit index is where the rule puts it at the end of every call.
 * Appending to the log moves none of them (the indexes held are at most the
 * last one before the append), nor does a match index raised to at most
 * commit_index (tests/test_raft_random.c checks after every step). */
void raft_replication_maybe_commit(struct raft *r);
/* Prepares an AppendEntries for receipt (copies the entries it would append
 * into r->scratch). RAFT_ENOMEM leaves the core unchanged. */
int raft_replication_prepare_append(struct raft *r,
                                    const struct raft_message *m);
/* Figure 2, AppendEntries receiver; uses what prepare_append copied. */
void raft_replication_recv_append(struct raft *r, const struct raft_message *m);
/* Figure 2, "Rules for leaders": a follower's answer to AppendEntries. */
void raft_replication_recv_append_result(struct raft *r,
                                         const struct raft_message *m,
                                         struct raft_progress *p);
/* Frees prepared copies that the call did not consume. */
void raft_replication_release_scratch(struct raft *r);
/* Records that the log was written from index on in this call. */
void raft_replication_mark_dirty(struct raft *r, uint64_t index);

/* raft_snapshot.c */
/* Enters SNAPSHOT for the current snapshot and sends its first chunks. */
void raft_snapshot_send(struct raft *r, struct raft_progress *p);
/* SNAPSHOT: sends the next chunks the window allows (flow control). */
void raft_snapshot_stream(struct raft *r, struct raft_progress *p);
/* SNAPSHOT, at each heartbeat: re-sends a lost chunk (loss recovery). */
void raft_snapshot_heartbeat(struct raft *r, struct raft_progress *p);
/* Whether an InstallSnapshot is well formed (beyond the common checks). */
bool raft_snapshot_msg_valid(const struct raft_message *m);
/* Copies what an InstallSnapshot will keep ahead of any change: *data
 * receives a whole snapshot's copy; a chunk's room is reserved in
 * r->partial. RAFT_ENOMEM changes nothing. */
int raft_snapshot_prepare(struct raft *r,
                          const struct raft_message *m,
                          void **data);
/* At the start of a call while a compaction is held back: performs it once
 * no peer holds it back any more (raft_snapshot.c). */
void raft_snapshot_release(struct raft *r);
/* Handles an InstallSnapshot chunk; data is what raft_snapshot_prepare()
 * copied, transferred (freed when not kept). */
void raft_snapshot_recv(struct raft *r,
                        const struct raft_message *m,
                        void *data);
/* Points an InstallSnapshot this call emitted at the snapshot's bytes. */
void raft_snapshot_fix_up(const struct raft *r, struct raft_message *m);
/* §7: a follower now holds everything up to the snapshot it acknowledges. */
void raft_snapshot_recv_result(struct raft *r, const struct raft_message *m);
/* Replaces the log prefix up to index with a snapshot, at once or, while a
 * peer still needs the snapshot being sent or the log after it, once it no
 * longer does (raft_snapshot_release()); data transferred. */
void raft_snapshot_compact(struct raft *r,
                           uint64_t index,
                           void *data,
                           size_t len);

/* The slot holding id, or n_slots. No two slots hold one id
 * (raft_membership.c), so the slot a configuration of ids 1..n usually
 * gives id, id - 1, is tried first and the scan (raft_slot_scan(), out of
 * line so that its callers stay small enough to inline) is the same
 * answer. */
static inline size_t raft_slot_of(const struct raft *r, uint64_t id)
{
    if (id - 1 < r->n_slots && r->progress[id - 1].id == id) {
        return (size_t)(id - 1);
    }
    return raft_slot_scan(r, id);
}

/* The progress slot of member id; NULL when id is not a member. */
static inline struct raft_progress *raft_progress_of(struct raft *r,
                                                     uint64_t id)
{
    size_t i = raft_slot_of(r, id);
    if (i == r->n_slots || !raft_progress_member(&r->progress[i])) {
        return NULL;
    }
    return &r->progress[i];
}

/* The configuration in effect and the index of its entry (0: snapshot or
 * bootstrap). Inline, like raft_membership_leave_due(): every step asks. */
static inline const struct raft_conf *
raft_membership_current(const struct raft *r)
{
    if (r->confs.n > 0) {
        return &r->confs.items[r->confs.n - 1].conf;
    }
    return &r->snap_conf;
}

static inline uint64_t raft_membership_index(const struct raft *r)
{
    return r->confs.n > 0 ? r->confs.items[r->confs.n - 1].index : 0;
}

/* Leader: a joint configuration with auto_leave is committed, so the
 * leaving entry is due (raft_tick() appends it). */
static inline bool raft_membership_leave_due(const struct raft *r)
{
    if (r->role != RAFT_LEADER) {
        return false;
    }
    const struct raft_conf *c = raft_membership_current(r);
    return c->n_outgoing > 0 && c->auto_leave &&
           raft_membership_index(r) <= r->commit_index;
}

/* Checks what every action needs before it may change anything: time does
 * not go backwards, and the log has room for one more entry (a new leader's
 * no-op, or a proposal). */
static inline int raft_prologue(struct raft *r, uint64_t now)
{
    if (now < r->now) {
        return RAFT_EINVAL;
    }
    return raft_log_reserve(&r->log, 1);
}

static inline void raft_begin(struct raft *r, uint64_t now)
{
    r->now = now;
    r->n_msgs = 0;
    r->msgs_point = false;
    r->dirty_from = RAFT_NO_INDEX;
    r->snapshot_installed = false;
    r->log_discarded = false;
    r->n_ready = 0;
    r->hard_state_moved = false;
    r->start_role = r->role;
    r->start_leader = r->leader;
    /* Nothing held back (most calls): nothing to release. */
    if (r->compact_held.index != 0) {
        raft_snapshot_release(r);
    }
}

/* The bytes of a message of type t that its own member of the union
 * occupies: the fields of its type after the header. A message's other
 * union bytes are never read for its type, so an emitter clears only
 * these. */
#define RAFT_MSG_BODY offsetof(struct raft_message, append_entries)
static inline size_t raft_message_body_bytes(enum raft_message_type t)
{
    switch (t) {
    case RAFT_MSG_APPEND_ENTRIES:
        return sizeof(struct raft_append_entries);
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return sizeof(struct raft_append_entries_result);
    case RAFT_MSG_REQUEST_VOTE:
    case RAFT_MSG_PRE_VOTE:
        return sizeof(struct raft_request_vote);
    case RAFT_MSG_REQUEST_VOTE_RESULT:
    case RAFT_MSG_PRE_VOTE_RESULT:
        return sizeof(struct raft_request_vote_result);
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return sizeof(struct raft_install_snapshot);
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return sizeof(struct raft_install_snapshot_result);
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
        return sizeof(struct raft_read_forward);
    case RAFT_MSG_TIMEOUT_NOW:
        return 0;
    default:
        return sizeof(struct raft_message) - RAFT_MSG_BODY;
    }
}

/* Appends a message of type to peer `to` with our term, its header (type,
 * from, to, term) written and its type's member of the union left as it
 * was: for an emitter that writes every field of that member
 * (emit_append()); NULL (message dropped) only if the per-call bound was
 * exceeded, which Raft tolerates as loss. */
static inline struct raft_message *
raft_emit_unclear(struct raft *r, enum raft_message_type type, uint64_t to)
{
    if (r->n_msgs == r->msgs_cap) {
        return NULL;
    }
    struct raft_message *m = &r->msgs[r->n_msgs++];
    m->type = type;
    m->from = r->id;
    m->to = to;
    m->term = r->term;
    return m;
}

/* raft_emit_unclear() with the type's member zeroed: the returned
 * message's fields for its type are zero apart from type, from, to, term
 * (the rest of the union, and the padding after type, are left as they
 * were: no reader looks at another type's member). */
static inline struct raft_message *
raft_emit(struct raft *r, enum raft_message_type type, uint64_t to)
{
    struct raft_message *m = raft_emit_unclear(r, type, to);
    if (m == NULL) {
        return NULL;
    }
    /* Of the union, only the type's member is cleared. The type is a
     * constant at nearly every call, and so is the size: a member of up to
     * 64 bytes (all but an InstallSnapshot's) takes a few vector stores,
     * where the whole message took a loop of word stores. */
    memset((unsigned char *)m + RAFT_MSG_BODY, 0,
           raft_message_body_bytes(type));
    return m;
}

/* t + d, or UINT64_MAX (a deadline never reached) when the sum would not fit:
 * deadlines are the host's clock plus a configured interval, and neither is
 * bounded by anything but 64 bits. */
static inline uint64_t raft_time_add(uint64_t t, uint64_t d)
{
    return d > UINT64_MAX - t ? UINT64_MAX : t + d;
}

#endif /* RAFT_IMPL_H */
