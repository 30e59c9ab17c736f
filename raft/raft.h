/* raft.h: the Raft consensus core as a pure step machine.
 *
 * The core performs no I/O, reads no clock, draws no randomness of its own and
 * keeps no global state. The host feeds it events (a received message, the
 * passing of time, a proposal, persistence progress, a snapshot) and after each
 * call takes back a struct raft_update: what to persist, whether that must be
 * durable before the messages leave, what to send, what to apply, and when to
 * call again. Times are opaque unsigned integers in the host's unit (raftsim
 * uses microseconds); all that matters is that they never decrease.
 *
 * References in comments: "Figure 2" and "§5.x" are the extended Raft paper
 * (Ongaro and Ousterhout, 2014); "thesis §x" is Ongaro's dissertation (2014).
 */
#ifndef RAFT_H
#define RAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest term a core accepts or reaches. A term must stay
 * incrementable: a message or durable state with a larger term (UINT64_MAX)
 * is malformed, and a node in this term starts no campaign (its next term
 * would be UINT64_MAX) instead of wrapping around to 0. */
#define RAFT_TERM_MAX (UINT64_MAX - 1)

/* Return codes of every action; raft_strerror() names them. */
enum raft_error {
    RAFT_OK = 0,
    RAFT_ENOMEM,     /* allocation failed; the core is unchanged */
    RAFT_EINVAL,     /* malformed argument or message; the core is unchanged */
    RAFT_ENOTLEADER, /* a proposal reached a node that is not the leader */
    RAFT_ETOOBIG,    /* a command or snapshot exceeds the configured limits */
    RAFT_EBUSY, /* a configuration change or leadership transfer must wait */
    RAFT_ENOSPC, /* a proposal would exceed max_uncommitted_bytes: retry
                    once the leader has committed more */
    RAFT_ERROR_COUNT
};

const char *raft_strerror(int code);

enum raft_role {
    RAFT_FOLLOWER = 0,
    RAFT_CANDIDATE,
    RAFT_LEADER,
    RAFT_ROLE_COUNT
};

const char *raft_role_name(enum raft_role role);

enum raft_entry_type {
    RAFT_ENTRY_COMMAND = 1, /* a client command: opaque bytes for the host */
    RAFT_ENTRY_NOOP = 2, /* appended by a new leader (§8); nothing to apply */
    /* A cluster configuration (thesis §4.1): data is its encoding
     * (raft_configuration_encode()); it takes effect when appended. */
    RAFT_ENTRY_CONFIG = 3,
};

/* The most servers one configuration lists (voters, outgoing voters and
 * learners together). */
#define RAFT_CONFIGURATION_MAX 256

/* A cluster configuration (thesis §4.1, §4.3). Voters elect leaders and
 * count toward commitment; learners only receive the log and snapshots.
 * While a configuration change is in its joint phase (thesis §4.3),
 * `outgoing` lists the old voters and every decision needs a majority of
 * `voters` and, separately, a majority of `outgoing`. Arrays are borrowed as
 * the function that hands them over says. A valid configuration has at least
 * one voter, nonzero ids, no id twice in one list, and no learner among
 * `voters` (a voter being demoted is in `outgoing` and `learners` while
 * joint). */
struct raft_configuration
{
    const uint64_t *voters; /* C_new, or the only voter set when not joint */
    size_t n_voters;
    const uint64_t *outgoing; /* C_old while joint; n_outgoing 0 otherwise */
    size_t n_outgoing;
    const uint64_t *learners;
    size_t n_learners;
    /* Joint only: the leader leaves the joint configuration by itself once
     * it is committed; false: only raft_change_membership() with no changes
     * leaves it. */
    bool auto_leave;
};

/* Whether c is valid as described above. c is borrowed for the call. */
bool raft_configuration_valid(const struct raft_configuration *c);

/* Bytes of the encoding of c (the data of a RAFT_ENTRY_CONFIG entry). */
size_t raft_configuration_encoded_len(const struct raft_configuration *c);

/* Writes the encoding of the valid configuration c into buf, which has room
 * for raft_configuration_encoded_len(c) bytes: little-endian 64-bit words,
 * a version and flags word, the three counts, then the ids. */
void raft_configuration_encode(const struct raft_configuration *c, void *buf);

/* Decodes len bytes at data into *out, whose arrays point into ids (room
 * for len / 8 values, owned by the caller). false, with *out unchanged, when
 * the bytes are not the encoding of a valid configuration. */
bool raft_configuration_decode(const void *data,
                               size_t len,
                               uint64_t *ids,
                               struct raft_configuration *out);

/* A log entry stored once and shared by reference: immutable after
 * raft_record_new() except for its count, freed when the last reference is
 * released. The core's log, a host's disk and the messages in flight can all
 * point to one record instead of each copying the bytes. Counts are plain
 * integers: a host that shares records between threads serialises
 * raft_record_hold() and raft_record_release() on them. */
struct raft_record
{
    uint64_t term;
    uint32_t type;        /* enum raft_entry_type */
    uint32_t refs;        /* references held; read-only to hosts */
    size_t len;           /* bytes in data */
    /* The pool the record goes back to when its last reference is
     * released; NULL: an allocation of its own. Private to the core. */
    struct raft_record_pool *pool;
    unsigned char data[]; /* the command bytes */
};

/* A new record of (term, type, len bytes copied from data) holding one
 * reference, which the caller owns; NULL when allocation fails. */
struct raft_record *raft_record_new(uint64_t term,
                                    enum raft_entry_type type,
                                    const void *data,
                                    size_t len);

/* A free list of records of up to RAFT_RECORD_POOL_DATA bytes, owned by a
 * host: a record taken from it goes back to it when its last reference is
 * released, and the next one is taken from the last one given back, so
 * that a host that makes and drops records all the time allocates only
 * while it holds more of them than ever before. Blocks are carved from
 * chunks that the pool owns; which block a record gets is never observable
 * through the API. Not synchronised: every core and holder of its records
 * in one thread, as for the counts. The pool must outlive every record
 * taken from it; raft_record_pool_free() frees its chunks. */
#define RAFT_RECORD_POOL_DATA 16u
struct raft_record_pool;
/* NULL when allocation fails. */
struct raft_record_pool *raft_record_pool_new(void);
/* Every record taken from p must have been released (NULL: nothing). */
void raft_record_pool_free(struct raft_record_pool *p);
/* raft_record_new() with a record of up to RAFT_RECORD_POOL_DATA bytes
 * taken from pool (NULL: an allocation of its own, as for a longer one). */
struct raft_record *raft_record_new_in(struct raft_record_pool *pool,
                                       uint64_t term,
                                       enum raft_entry_type type,
                                       const void *data,
                                       size_t len);
/* Takes one more reference to rec. */
void raft_record_hold(const struct raft_record *rec);
/* Drops one reference to rec (NULL: nothing); the last one frees it. */
void raft_record_release(const struct raft_record *rec);

/* One log entry. Entries handed out by the core are borrowed until the next
 * non-query call on that core.
 * Ownership of entries (raft_record): an entry handed in with `record` set
 * must describe that record exactly (term, type, len, and data pointing to
 * record->data); the core then holds a reference to the record instead of
 * copying, and releases it when the entry leaves its log (truncation,
 * compaction, a snapshot, raft_destroy()). An entry without a record is
 * copied into a new record. Entries handed out carry their record: a host
 * that keeps one past the borrow takes a reference with raft_record_hold()
 * (and releases it later), or copies the bytes and clears `record`. */
struct raft_entry
{
    uint64_t term;
    enum raft_entry_type type;
    const void *data; /* command bytes, never interpreted by the core */
    size_t len;
    /* The record holding this entry (see above), or NULL: borrowed like
     * the entry itself. */
    const struct raft_record *record;
};

/* A snapshot of the host's state machine covering the log up to last_index,
 * with the configuration in effect at last_index (thesis §5.1: the snapshot
 * replaces the configuration entries it covers). A configuration with no
 * voters stands for the bootstrap configuration of struct raft_config. */
struct raft_snapshot
{
    uint64_t last_index; /* 0: no snapshot */
    uint64_t last_term;
    const void *data; /* opaque state bytes */
    size_t len;
    struct raft_configuration configuration; /* borrowed like data */
};

enum raft_message_type {
    RAFT_MSG_APPEND_ENTRIES = 1,
    RAFT_MSG_APPEND_ENTRIES_RESULT,
    RAFT_MSG_REQUEST_VOTE,
    RAFT_MSG_REQUEST_VOTE_RESULT,
    RAFT_MSG_PRE_VOTE,
    RAFT_MSG_PRE_VOTE_RESULT,
    RAFT_MSG_INSTALL_SNAPSHOT,
    RAFT_MSG_INSTALL_SNAPSHOT_RESULT,
    RAFT_MSG_TIMEOUT_NOW, /* thesis §3.10: campaign now (leadership transfer) */
    /* Thesis §6.4: a follower forwards a ReadIndex read to its leader, which
     * answers with the read index once it confirmed its leadership. */
    RAFT_MSG_READ_INDEX,
    RAFT_MSG_READ_INDEX_RESULT,
    RAFT_MSG_TYPE_COUNT
};

/* Short stable names ("AppendEntries", ...) for traces and pictures. */
const char *raft_message_type_name(enum raft_message_type type);

/* Figure 2, AppendEntries RPC. An empty one is a heartbeat. */
struct raft_append_entries
{
    uint64_t prev_log_index;
    uint64_t prev_log_term;
    uint64_t leader_commit;
    const struct raft_entry *entries; /* borrowed, see struct raft_message */
    size_t n_entries;
    /* Thesis §6.4: the leader's read round and the `now` its host passed to
     * the call that sent this; the reply echoes both, confirming leadership
     * for the reads of that round and for a lease from then (§6.4.1). */
    uint64_t read_round;
    uint64_t sent_at;
};

struct raft_append_entries_result
{
    bool success;
    /* success: the last index this message verified (prev_log_index +
     * n_entries). failure: the rejected prev_log_index, so that a stale
     * rejection can be recognised by the leader. */
    uint64_t index;
    /* failure only, for fast backtracking (thesis §5.3 optimisation): the
     * follower's term at the rejected index (0 if its log is shorter) and the
     * first index it holds of that term, or its last index + 1 if shorter. */
    uint64_t conflict_term;
    uint64_t conflict_index;
    uint64_t read_round; /* echoed from the AppendEntries */
    uint64_t sent_at;    /* echoed from the AppendEntries */
};

/* Figure 2, RequestVote RPC; also the PreVote request (thesis §9.6), whose
 * term is the term the sender would campaign in, not its current term. */
struct raft_request_vote
{
    uint64_t last_log_index;
    uint64_t last_log_term;
    /* Thesis §3.10: the campaign follows a TimeoutNow from the leader, so
     * voters grant it even while they still hear from that leader. */
    bool transfer;
};

struct raft_request_vote_result
{
    bool granted;
};

/* InstallSnapshot (§7, Figure 13), one chunk of it: the snapshot's bytes
 * from `offset` on, snapshot.len of them at snapshot.data; `done` marks the
 * last chunk. Every chunk names the whole snapshot (last index and term, and
 * its configuration, which takes effect with the last chunk). With
 * raft_config.snapshot_chunk_bytes 0 the whole snapshot is one chunk
 * (offset 0, done). */
struct raft_install_snapshot
{
    struct raft_snapshot snapshot; /* data: this chunk, borrowed, see struct
                                      raft_message; len: its bytes */
    uint64_t offset; /* byte offset of this chunk in the snapshot's data */
    bool done;       /* the last chunk: the snapshot is complete with it */
};

/* The answer to one chunk. While the snapshot is incomplete it acknowledges
 * how much of it the follower holds in order, which may be less than the
 * chunk asked (a chunk out of order, or of a transfer the follower no longer
 * holds, is refused this way and the leader resumes from `offset`). */
struct raft_install_snapshot_result
{
    uint64_t last_index; /* the snapshot answered; 0: refused for its term */
    uint64_t offset;     /* bytes of it the follower holds, in order */
    /* The follower holds everything up to last_index: it installed the
     * snapshot (and made it durable), or had committed that far already. */
    bool done;
};

/* A forwarded ReadIndex read (thesis §6.4) and its answer. */
struct raft_read_forward
{
    uint64_t id;    /* the follower's name for the read, echoed */
    uint64_t index; /* result, status RAFT_OK: the read index */
    /* result: RAFT_OK, or why the receiver did not serve the read
     * (RAFT_ENOTLEADER, RAFT_EBUSY, RAFT_ENOMEM); 0 in a request. */
    uint32_t status;
};

/* A message between two cores. Pointers inside (entries, snapshot data) are
 * borrowed: in an update, until the next non-query call on the sender; in
 * raft_receive(), for the duration of the call. In an update's messages only
 * the header and the union member of `type` are written (the rest of the
 * union and the padding are not cleared): a host encodes those fields, never
 * the struct's bytes. */
struct raft_message
{
    enum raft_message_type type;
    uint64_t from;
    uint64_t to;
    uint64_t term;
    union {
        struct raft_append_entries append_entries;
        struct raft_append_entries_result append_entries_result;
        struct raft_request_vote request_vote; /* also PRE_VOTE */
        struct raft_request_vote_result
            request_vote_result; /* also PRE_VOTE_RESULT */
        struct raft_install_snapshot install_snapshot;
        struct raft_install_snapshot_result install_snapshot_result;
        struct raft_read_forward read_forward; /* READ_INDEX, and _RESULT */
    };
};

/* Static configuration of one core. Durations are in the host's time unit. */
struct raft_config
{
    uint64_t id; /* this node, nonzero */
    /* The bootstrap configuration: the voters of the cluster before any
     * configuration entry or snapshot says otherwise; copied by
     * raft_create(); distinct, nonzero. It need not list id: a node outside
     * it (a spare, or a server added later) starts as a non-member, which
     * never campaigns, and learns its configuration from the leader. An
     * empty list (n_voters 0) bootstraps no configuration at all. */
    const uint64_t *voters;
    size_t n_voters;
    uint64_t election_timeout_min; /* each reset draws from [min, max] */
    uint64_t election_timeout_max;
    uint64_t heartbeat_interval;
    uint64_t random_seed; /* seeds the core's own timeout generator */
    bool pre_vote;        /* thesis §9.6 */
    bool check_quorum;    /* thesis §6.2: leader steps down without a quorum */
    size_t max_entries_per_message; /* 0: no limit */
    size_t max_bytes_per_message;   /* command bytes per AppendEntries; 0: no
                                       limit */
    /* Messages in flight to one follower: AppendEntries to an in-sync
     * follower, or InstallSnapshot chunks (flow control). */
    size_t max_inflight;
    /* Bytes of snapshot data per InstallSnapshot chunk; 0: the whole
     * snapshot in one message. */
    size_t snapshot_chunk_bytes;
    size_t max_command_len; /* proposals above this fail with RAFT_ETOOBIG; 0:
                               no limit */
    /* A leader refuses proposals (RAFT_ENOSPC) that would take the command
     * bytes it appended in its term and has not committed yet above this
     * (each command counts its length, at least 1); with nothing
     * uncommitted it accepts any batch. Bounds the log of a leader cut off
     * from its majority (without check_quorum it never steps down). 0: no
     * limit. */
    uint64_t max_uncommitted_bytes;
    /* Thesis §6.4.1: how far clocks may drift apart over an election
     * timeout; a lease read trusts a lease of election_timeout_min minus
     * this bound (none when it is not smaller). */
    uint64_t lease_drift_bound;
};

/* Fills *c with defaults (timeouts 150..300, heartbeat 50, no options,
 * 64 entries and 64 KiB per message, 8 in flight, snapshots sent whole).
 * id and voters stay unset. */
void raft_config_init(struct raft_config *c);

/* What survives a crash: everything the host has made durable. */
struct raft_durable_state
{
    uint64_t term;
    uint64_t vote;                    /* 0: none in this term */
    struct raft_snapshot snapshot;    /* last_index 0: none */
    /* The log after the snapshot: records held, or bytes copied (struct
     * raft_entry). */
    const struct raft_entry *entries;
    size_t n_entries;
};

/* The outcome of a read accepted by raft_read_index() (thesis §6.4). With
 * status RAFT_OK the read may be served: once the state machine has applied
 * index, the host answers read `id` from it. Any other status says the read
 * failed and will never be served by this node; the host retries it. */
struct raft_read
{
    uint64_t id;    /* the host's name for the read */
    uint64_t index; /* the read index: the leader's commit index at the read */
    int status;     /* RAFT_OK, RAFT_ENOTLEADER, RAFT_EBUSY or RAFT_ENOMEM */
};

/* The output of one call. All pointers are borrowed until the next non-query
 * call on the same core. The host processes an update in this order:
 *   1. persist, in order: hard state, snapshot, then the log from
 *      entries_index on replaced by entries (truncating what followed);
 *   2. hold messages[0 .. n_sync_messages) until every write of this and
 *      all earlier updates is durable: they promise state that is not
 *      durable yet (a term, a granted vote, acknowledged entries);
 *   3. send messages (in any order, over an unreliable network): the held
 *      ones once step 2 allows, the others at once;
 *   4. if snapshot is set, restore the state machine from it; then apply
 *      committed entries in order;
 *   5. call raft_tick() at next_deadline (earlier is harmless).
 * Writes become durable in the order they were made. The host reports what
 * became durable: written entries with raft_persisted(), a written hard
 * state with raft_persisted_hard_state(). A leader counts itself toward a
 * commit majority only for entries durable on its own disk, and a candidate
 * takes office only once its vote for itself is durable (thesis §10.2.1:
 * both writes run in parallel with the messages that depend on them).
 * Every call that takes a struct raft_update fills all of it, also when it
 * fails (then with nothing to do), so the host need not clear it first. */
struct raft_update
{
    bool hard_state_changed; /* term or vote changed: persist term, vote */
    uint64_t term;
    uint64_t vote;

    const struct raft_message *messages;
    size_t n_messages;

    /* An InstallSnapshot was accepted: persist it, replacing the log up to
     * its last index, and reset the state machine to it. NULL: none. */
    const struct raft_snapshot *snapshot;

    uint64_t entries_index; /* index of entries[0]; meaningless if none */
    const struct raft_entry *entries;
    size_t n_entries;

    /* The first n_sync_messages of messages (above) wait for the writes
     * (step 2); the rest (RequestVote, PreVote, heartbeat acknowledgements
     * and refusals in a term already durable, a leader's AppendEntries,
     * ...) promise nothing that is not durable and leave at once. */
    size_t n_sync_messages;

    uint64_t apply_index; /* index of committed[0] */
    const struct raft_entry *committed;
    size_t n_committed;
    uint64_t commit_index;

    /* For observers: the state after the call and whether it changed. */
    bool role_changed;
    bool leader_changed;
    enum raft_role role;
    uint64_t leader; /* 0: unknown */

    /* Outcomes of reads accepted by raft_read_index(), each reported once:
     * confirmed ones in request order (per leader), failed ones as they
     * fail. */
    const struct raft_read *reads;
    size_t n_reads;

    uint64_t next_deadline;
};

struct raft; /* one node's core; opaque */

/* Builds a core from its durable state (NULL: a fresh node) at time now.
 * On success *out owns the new core; config and state are copied. With
 * pre_vote or check_quorum, a node whose durable term is not 0 may have
 * acknowledged a leader's lease just before it stopped: it counts its start
 * as contact with a leader and, until election_timeout_min has passed,
 * grants no vote or PreVote and adopts no term from a RequestVote (thesis
 * §4.2.3, §6.4.1), unless the campaign follows a TimeoutNow. */
int raft_create(const struct raft_config *config,
                const struct raft_durable_state *state,
                uint64_t now,
                struct raft **out);
void raft_destroy(struct raft *r);
/* The core makes the records of the commands proposed to it in pool from
 * now on (NULL: allocations of their own); pool must outlive them. */
void raft_set_record_pool(struct raft *r, struct raft_record_pool *pool);

/* Time passed: fires the election timer or the heartbeat when due. */
int raft_tick(struct raft *r, uint64_t now, struct raft_update *u);

/* A message arrived. Malformed messages, and messages not addressed to this
 * node, give RAFT_EINVAL and change nothing. Requests are accepted from
 * servers outside this node's configuration (its log may lag behind the
 * sender's, thesis §4.1); replies from them are dropped. */
int raft_receive(struct raft *r,
                 uint64_t now,
                 const struct raft_message *m,
                 struct raft_update *u);

/* One client command of a batch: opaque bytes, borrowed for the call. */
struct raft_command
{
    const void *data;
    size_t len;
};

/* Figure 2, "Rules for leaders": appends the n commands (n >= 1) as
 * consecutive entries of the leader's term, all or none, and sends one
 * round of AppendEntries for the whole batch; *first_index (may be NULL)
 * receives the index of the first, command i is at *first_index + i. The
 * data is copied. Refusals change nothing, checked in this order:
 * RAFT_EINVAL (n == 0, commands NULL, data NULL with len > 0, time going
 * back); RAFT_ENOTLEADER, and raft_leader() names the leader this node
 * knows, for redirection; RAFT_EBUSY during a leadership transfer (thesis
 * §3.10); RAFT_ETOOBIG when a command exceeds max_command_len; RAFT_ENOSPC
 * when the batch would exceed max_uncommitted_bytes (the host retries later,
 * as after a refusal by a non-leader). */
int raft_propose_batch(struct raft *r,
                       uint64_t now,
                       const struct raft_command *commands,
                       size_t n,
                       uint64_t *first_index,
                       struct raft_update *u);

/* raft_propose_batch() of the one command (data, len); *index (may be NULL)
 * receives its log index. */
int raft_propose(struct raft *r,
                 uint64_t now,
                 const void *data,
                 size_t len,
                 uint64_t *index,
                 struct raft_update *u);

/* The entries written so far up to `index`, whose entry has `term`, are
 * durable. A report that no longer matches the log (it was truncated since)
 * is ignored. */
int raft_persisted(struct raft *r,
                   uint64_t now,
                   uint64_t index,
                   uint64_t term,
                   struct raft_update *u);

/* The hard state (term, vote) of an earlier update is durable. Reports come
 * in the order of the writes; one that an earlier report superseded is
 * ignored. RAFT_EINVAL: a term above the current one, or a vote in the
 * current term other than the current vote. A candidate whose vote for
 * itself this makes durable takes office if it holds a majority. */
int raft_persisted_hard_state(struct raft *r,
                              uint64_t now,
                              uint64_t term,
                              uint64_t vote,
                              struct raft_update *u);

/* The host took a snapshot of its state machine after applying `index`
 * (at most the last applied index). The core copies the data, keeps it to
 * send as InstallSnapshot, and drops the log up to `index`. A leader that
 * is sending its current snapshot to a peer that answers (or that peer
 * still catches up after it through the log) keeps that snapshot and its
 * log until the peer holds everything up to `index`, falls silent for an
 * election timeout, or ten election timeouts pass, and compacts then (to
 * the latest index given): raft_snapshot_index() tells which snapshot the
 * core holds. */
int raft_compact(struct raft *r,
                 uint64_t now,
                 uint64_t index,
                 const void *data,
                 size_t len,
                 struct raft_update *u);

/* The election timer fires now (for scripting who campaigns), whatever
 * the lease: a node that heard from a leader within election_timeout_min
 * (or started less than that ago) campaigns anyway and votes for itself,
 * which a lease read (raft_read_lease()) does not survive: a timer firing
 * early is a clock fault beyond any lease_drift_bound. A node that
 * is not a voter of its configuration only re-arms its timer, unless that
 * configuration is not yet committed and the node was a voter of the one
 * before it (thesis §4.2.2: it may be needed to commit the change; its own
 * vote does not count). */
int raft_campaign(struct raft *r, uint64_t now, struct raft_update *u);

/* One change of a membership request (thesis §4.1). */
enum raft_change_type {
    RAFT_ADD_VOTER = 1, /* a new voter, or a learner promoted to voter */
    RAFT_ADD_LEARNER,   /* a new learner, or a voter demoted to learner */
    RAFT_REMOVE,        /* a voter or learner leaves the configuration */
    RAFT_PROMOTE,       /* a learner becomes a voter (only a learner) */
    RAFT_DEMOTE,        /* a voter becomes a learner (only a voter) */
};

struct raft_change
{
    enum raft_change_type type;
    uint64_t id;
};

/* How a membership request moves to its target (thesis §4.3). */
enum raft_transition {
    /* One voter added or removed (or only learners changed): the single-
     * server change of thesis §4.1, straight to the target. More: joint
     * consensus, left automatically. */
    RAFT_TRANSITION_AUTO = 0,
    /* Always through the joint configuration, left automatically once it
     * commits. */
    RAFT_TRANSITION_JOINT,
    /* Always through the joint configuration, left only when the host asks
     * (raft_change_membership() with no changes). */
    RAFT_TRANSITION_JOINT_EXPLICIT,
};

/* Leader only: appends a RAFT_ENTRY_CONFIG entry that applies `changes` (n
 * of them, borrowed for the call) to the current configuration, in effect
 * from now on (thesis §4.1: a server uses the latest configuration in its
 * log, committed or not); *index (may be NULL) receives its index. With
 * n == 0 in a joint configuration, leaves it for its `voters` (thesis
 * §4.3). RAFT_EBUSY, changing nothing, until the leader has committed an
 * entry of its own term and while the latest configuration entry is not
 * committed (the 2015 fix: never two uncommitted changes), or during a
 * leadership transfer, and for changes while a joint configuration with
 * auto_leave is in effect (the leader leaves it by itself). RAFT_EINVAL,
 * a refusal that waiting does not cure, for a change that changes nothing
 * or does not apply (adding a member in the same role, removing a
 * non-member, RAFT_PROMOTE of a node that is not a learner, RAFT_DEMOTE of
 * one that is not a voter), changes while a joint configuration without
 * auto_leave is in effect, n == 0 when not joint, or a target with no
 * voter. A leader that is
 * not a voter of the configuration it commits steps down (thesis §4.2.2). */
int raft_change_membership(struct raft *r,
                           uint64_t now,
                           const struct raft_change *changes,
                           size_t n,
                           enum raft_transition transition,
                           uint64_t *index,
                           struct raft_update *u);

/* Leader only (thesis §3.10): hand leadership to the voter `target`. The
 * leader refuses proposals and membership changes (RAFT_EBUSY) while the
 * transfer runs, brings target's log up to date, then sends it TimeoutNow,
 * on which target campaigns at once, skipping PreVote, and voters grant it
 * despite hearing from the leader. The transfer ends when the leader steps
 * down, or is abandoned after election_timeout_min. RAFT_EINVAL: target is
 * this node or not a voter; RAFT_EBUSY: a transfer to another target runs. */
int raft_transfer_leadership(struct raft *r,
                             uint64_t now,
                             uint64_t target,
                             struct raft_update *u);

/* Thesis §6.4, ReadIndex. On a leader: records the commit index for read
 * `id` and sends a heartbeat round; once a majority of every half of the
 * configuration has answered a heartbeat sent after this call, the read is
 * reported in update.reads with status RAFT_OK. RAFT_EBUSY until the leader
 * has committed an entry of its term (its no-op, §8: before that its commit
 * index may lag behind entries committed by earlier leaders) and during a
 * leadership transfer.
 *
 * On a follower that knows a leader: forwards the read to that leader
 * (RAFT_MSG_READ_INDEX), which confirms its leadership as for its own reads
 * and answers with its read index; the follower then reports the read with
 * that index, and the host serves it once the follower has applied it. The
 * answer stands whatever happened since: the leader was leader after the
 * read arrived, and the index covers every write completed before that.
 * RAFT_ENOTLEADER, accepting nothing, on a candidate or a follower that
 * knows no leader (raft_leader() is 0).
 *
 * Every accepted read is reported exactly once. It fails (a status other
 * than RAFT_OK) when a leader stops leading with it pending
 * (RAFT_ENOTLEADER); on a follower, when the leader it was forwarded to
 * refuses it (the status the leader gave: RAFT_ENOTLEADER, RAFT_EBUSY), when
 * the follower's term or known leader changes before the answer
 * (RAFT_ENOTLEADER), or when no answer came within election_timeout_max
 * (RAFT_EBUSY, reported by the first call at or after that time): a lost
 * message. The host retries a failed read. */
int raft_read_index(struct raft *r,
                    uint64_t now,
                    uint64_t id,
                    struct raft_update *u);

/* Leader only (thesis §6.4.1, lease read): RAFT_OK with *index = the commit
 * index when a majority of every half answered an AppendEntries sent less
 * than election_timeout_min - lease_drift_bound ago: no other leader can
 * have been elected since, provided clocks drift by less than the bound.
 * The host answers once it applied *index. RAFT_EBUSY outside the lease,
 * before an entry of the leader's term is committed, during a transfer, and
 * for the rest of the leader's term once it has sent TimeoutNow (its target
 * campaigns with the lease bypassed, whenever the message arrives, thesis
 * §3.10); RAFT_EINVAL without pre_vote or
 * check_quorum, which make followers refuse votes while they hear from a
 * leader (thesis §4.2.3), the other half of the lease. Changes nothing
 * (r is only used for scratch space). */
int raft_read_lease(struct raft *r, uint64_t now, uint64_t *index);

/* Queries: no side effects, O(1). */
uint64_t raft_id(const struct raft *r);
enum raft_role raft_role(const struct raft *r);
uint64_t raft_term(const struct raft *r);
uint64_t raft_vote(const struct raft *r);
uint64_t raft_leader(const struct raft *r);
uint64_t raft_commit_index(const struct raft *r);
uint64_t raft_last_index(const struct raft *r);
uint64_t raft_last_term(const struct raft *r);
uint64_t raft_snapshot_index(const struct raft *r); /* 0: none */
uint64_t raft_snapshot_term(const struct raft *r);
/* A number (never 0) that changes whenever the log may have changed: an
 * entry appended or truncated away, a compaction or a snapshot installed,
 * and a report of the host's writes (raft_persisted(), or a compaction's
 * snapshot) that moved how much of the log this node counts written.
 * Equal numbers from one core mean raft_last_index(), raft_last_term(),
 * raft_snapshot_index(), raft_snapshot_term() and every entry
 * raft_entry_at() finds are unchanged; numbers of different cores (another
 * node, or a core created again after a restart) are unrelated. */
uint64_t raft_log_version(const struct raft *r);
/* Bytes of a snapshot received in chunks so far (0: no transfer under
 * way); the core holds them until the last chunk. */
size_t raft_snapshot_partial_len(const struct raft *r);
/* Term of the entry at index: the snapshot's for its last index, 0 when the
 * index is 0, compacted away or past the end. */
uint64_t raft_term_at(const struct raft *r, uint64_t index);
/* Borrows the entry at index into *out until the next non-query call;
 * false if it is compacted away or past the end. */
bool raft_entry_at(const struct raft *r,
                   uint64_t index,
                   struct raft_entry *out);
/* Leader only (0 otherwise): what it knows of a peer's log. */
uint64_t raft_match_index(const struct raft *r, uint64_t peer);
uint64_t raft_next_index(const struct raft *r, uint64_t peer);
/* Both of the above in one look-up. */
void raft_peer_indexes(const struct raft *r,
                       uint64_t peer,
                       uint64_t *match,
                       uint64_t *next);
/* A number (never 0) that changes whenever raft_peer_indexes() may report
 * another pair for some server other than this node: a leader's matchIndex
 * or nextIndex of a peer moved, the configuration's members changed, or
 * leadership was gained or lost. Equal numbers from one core mean every
 * other server's pair is unchanged, so a host may skip asking again; the
 * node's own pair follows its log and what it persisted, not this number.
 * Numbers of different cores (another node, or a core created again after
 * a restart) are unrelated. */
uint64_t raft_progress_version(const struct raft *r);
/* The configuration in effect (the latest in the log, else the snapshot's,
 * else the bootstrap one), borrowed into *out until the next non-query call,
 * and the index of the entry holding it (0: from the snapshot or the
 * bootstrap configuration). */
void raft_get_configuration(const struct raft *r,
                            struct raft_configuration *out);
uint64_t raft_configuration_index(const struct raft *r);
/* A number (never 0) that changes whenever what raft_get_configuration() or
 * raft_configuration_index() report may have changed: a configuration entry
 * appended or truncated away, a compaction or a snapshot that replaces the
 * configuration before the log. Equal numbers from one core mean both are
 * unchanged, so a host may keep what it derived from them instead of
 * re-reading them after every call; numbers of different cores (another
 * node, or a core created again after a restart) are unrelated. */
uint64_t raft_configuration_version(const struct raft *r);
/* The configuration at the index of the last raft_compact(), to persist
 * with that snapshot (also while the core holds that compaction back);
 * borrowed like raft_get_configuration(). */
void raft_snapshot_configuration(const struct raft *r,
                                 struct raft_configuration *out);
/* Whether this node is a voter of its configuration (of either half while
 * joint), so that it may campaign (see raft_campaign() for the one other
 * case, thesis §4.2.2). */
bool raft_is_voter(const struct raft *r);
/* Leader only: the target of the leadership transfer in progress, or 0. */
uint64_t raft_transfer_target(const struct raft *r);
/* Leader only (0 otherwise): the charge against max_uncommitted_bytes of
 * the commands it appended in its term and has not committed yet. */
uint64_t raft_uncommitted_bytes(const struct raft *r);

#endif /* RAFT_H */
