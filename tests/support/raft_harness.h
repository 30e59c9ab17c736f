/* raft_harness.h: N Raft cores on a hand-driven clock and network.
 *
 * The harness plays the host of raft.h for every node, following the order the
 * header prescribes for each struct raft_update, and hands every other choice
 * to the test: when time passes, which message is delivered, dropped,
 * duplicated or held back, when a disk becomes durable, who crashes.
 *
 * Invariant kept after every call into a core: the node's disk holds exactly
 * what the core's updates asked to persist (term, vote, snapshot, log), and it
 * agrees with the core's own queries; the node's state machine ("applied")
 * holds every committed entry in index order with no gap. A breach of this
 * host contract fails the running Criterion test at once.
 *
 * Nodes have ids 1..n; node i's core is built from a copy of the base config
 * with id i, voters 1..n and random_seed base + i. Commands proposed through
 * rh_propose() are 8-byte values, which is what the state machine records.
 */
#ifndef RAFT_HARNESS_H
#define RAFT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

#define RH_MAX_NODES 9

/* A message in flight. m's entries and snapshot data point into storage this
 * struct owns, so the message outlives the update that produced it. */
struct rh_msg
{
    struct raft_message m;
    uint64_t sent_at;
    bool sync_before_send; /* the update that produced it asked for a sync */
    bool held;             /* waits in its sender's outbox for rh_persist() */
    struct raft_entry *entries_copy;
    void *snapshot_copy;
};

/* One applied (or snapshot-restored) entry of a node's state machine. All
 * fields are 64-bit so a snapshot is this array copied byte for byte. */
struct rh_applied
{
    uint64_t index;
    uint64_t term;
    uint64_t type;
    uint64_t value; /* the command's first 8 bytes; 0 for a no-op */
};

/* What a node has written, as raft_update asked. Entries own their data. */
struct rh_disk
{
    uint64_t term;
    uint64_t vote;
    struct raft_snapshot snapshot; /* data owned; last_index 0: none */
    struct raft_entry *entries;    /* entries[0] has index snapshot + 1 */
    size_t n_entries;
    size_t hard_state_writes; /* how many updates changed term or vote */
};

struct rh_node
{
    uint64_t id;
    struct raft_config config; /* used by the next rh_start()/rh_restart() */
    struct raft *core;         /* NULL while crashed */
    struct rh_disk disk;
    /* false (default): every write is durable at once and reported with
     * raft_persisted(). true: writes reach the disk but are reported, and the
     * messages that need them synced leave, only at rh_persist(). A crash
     * keeps every write either way. */
    bool persist_deferred;
    uint64_t persisted_index; /* last index reported durable */
    uint64_t deadline;        /* next_deadline of the last update */
    struct rh_applied *applied;
    size_t n_applied;
    uint64_t commit_index;    /* from the last update */
    bool commit_decreased;    /* an update ever lowered it (restarts aside) */
    enum raft_role role;      /* from the last update */
    uint64_t role_changed_at; /* time of the last role change */
    uint64_t stepped_down_at; /* time it last stopped being leader */
    struct raft_read reads[64]; /* reads reported ready, in order */
    size_t n_reads;
};

/* A node became leader: the record election safety is judged on. */
struct rh_election
{
    uint64_t term;
    uint64_t id;
    uint64_t at;
};

struct rh
{
    uint64_t now;
    size_t n;
    uint64_t voters[RH_MAX_NODES];
    struct rh_node nodes[RH_MAX_NODES + 1]; /* by id; [0] unused */
    struct rh_msg **pool;                   /* in send order */
    size_t n_pool;
    size_t cap_pool;
    bool cut[RH_MAX_NODES + 1][RH_MAX_NODES + 1]; /* cut[a][b]: a -> b lost */
    struct rh_election *elections;
    size_t n_elections;
    size_t sent[RAFT_MSG_TYPE_COUNT]; /* messages produced, by type */
};

/* ---- configuration -------------------------------------------------------
 */

/* The timings every rh_config() has (in the harness's time units). */
#define RH_ELECTION_MIN 1000
#define RH_ELECTION_MAX 2000
#define RH_HEARTBEAT 100

/* The configuration the core tests start from: raft_config_init()'s defaults
 * with election timeouts drawn from [RH_ELECTION_MIN, RH_ELECTION_MAX],
 * heartbeats every RH_HEARTBEAT and the cores' seed `random_seed` (node i
 * gets random_seed + i). A test file passes the seed its timings were
 * written for and sets any option it is about on the copy it gets. */
struct raft_config rh_config(uint64_t random_seed);

/* ---- life cycle ---------------------------------------------------------- */

/* n nodes (1..RH_MAX_NODES) with empty disks and no cores yet, at time 0.
 * base: copied; its id and voters are ignored. Returns the harness (owned by
 * the caller, free with rh_free()). */
struct rh *rh_new(size_t n, const struct raft_config *base);

/* Before rh_start(): node id's disk becomes a copy of s. */
void rh_load(struct rh *h, uint64_t id, const struct raft_durable_state *s);

/* Before rh_start(): node id's disk gets hard state (term, vote) and a log of
 * commands whose terms are terms[0..n) (index i + 1 has terms[i]); each
 * command's value is its index. terms: borrowed for the call. */
void rh_load_log(struct rh *h,
                 uint64_t id,
                 uint64_t term,
                 uint64_t vote,
                 const uint64_t *terms,
                 size_t n);

/* Creates every core from its disk at the current time. */
void rh_start(struct rh *h);

/* Before rh_start(): nodes 1..n_voters bootstrap as the voters and the
 * others start as spares outside the configuration (their bootstrap
 * configuration is the same voters, which do not list them). */
void rh_set_bootstrap(struct rh *h, size_t n_voters);

/* rh_new() then rh_start(). */
struct rh *rh_create(size_t n, const struct raft_config *base);

/* rh_create(n, base), then n1 campaigns and every message is delivered:
 * n1 leads with nothing left in flight (the test fails otherwise). */
struct rh *rh_elected(size_t n, const struct raft_config *base);

void rh_free(struct rh *h);

/* The core of node id (NULL while crashed), borrowed until rh_crash/rh_free. */
struct raft *rh_core(struct rh *h, uint64_t id);

/* Destroys node id's core: its held messages vanish, its disk stays. */
void rh_crash(struct rh *h, uint64_t id);

/* Rebuilds node id's core from its disk; its state machine restarts from the
 * disk's snapshot. */
void rh_restart(struct rh *h, uint64_t id);

/* ---- events on one node (each processes the update; returns the core's
 * return code, and an update is processed only on RAFT_OK) ---------------- */

int rh_tick(struct rh *h, uint64_t id);
int rh_campaign(struct rh *h, uint64_t id);
/* Proposes the 8-byte command `value`; *index (may be NULL) gets its index. */
int rh_propose(struct rh *h, uint64_t id, uint64_t value, uint64_t *index);
/* Proposes the 8-byte commands values[0..n) (n <= 64) as one batch;
 * *first (may be NULL) gets the first one's index. */
int rh_propose_batch(struct rh *h,
                     uint64_t id,
                     const uint64_t *values,
                     size_t n,
                     uint64_t *first);
/* raft_change_membership() on node id; *index (may be NULL) gets the
 * configuration entry's index. changes: borrowed for the call. */
int rh_change(struct rh *h,
              uint64_t id,
              const struct raft_change *changes,
              size_t n,
              enum raft_transition transition,
              uint64_t *index);
/* raft_read_index() on node id; ready reads land in nodes[id].reads. */
int rh_read_index(struct rh *h, uint64_t id, uint64_t read_id);
/* raft_transfer_leadership() on node id. */
int rh_transfer(struct rh *h, uint64_t id, uint64_t target);
/* Snapshots node id's state machine up to index (at most what it applied),
 * writes the snapshot to its disk and calls raft_compact(). */
int rh_compact(struct rh *h, uint64_t id, uint64_t index);
/* Deferred persistence: everything written is now durable. Reports the log
 * with raft_persisted() and releases the messages that waited for a sync. */
int rh_persist(struct rh *h, uint64_t id);
/* Hands m (borrowed for the call) to node m->to, ignoring partitions. A
 * crashed receiver gives RAFT_OK and nothing happens. */
int rh_receive(struct rh *h, const struct raft_message *m);

/* ---- time ------------------------------------------------------------------
 * Neither function moves time backwards. */

/* Fires every deadline up to t in time order (ties: lowest id first), leaving
 * the messages in the pool; the clock ends at t. */
void rh_advance_to(struct rh *h, uint64_t t);

/* As rh_advance_to(), but with an instant network: before each deadline and
 * at t, rh_deliver_all(). */
void rh_run_until(struct rh *h, uint64_t t);

/* ---- the network ----------------------------------------------------------
 */

size_t rh_pending(const struct rh *h);
/* The i-th message in flight, borrowed until it leaves the pool. */
struct rh_msg *rh_msg_at(struct rh *h, size_t i);
/* Index of the first message in flight matching type/from/to (0: any), or
 * -1. */
int rh_find(const struct rh *h,
            enum raft_message_type type,
            uint64_t from,
            uint64_t to);
/* How many messages in flight match, as rh_find(). */
size_t rh_count(const struct rh *h,
                enum raft_message_type type,
                uint64_t from,
                uint64_t to);
/* Removes the i-th message and hands it to its receiver, even across a cut
 * and even if held. Returns the receiver's return code. */
int rh_deliver(struct rh *h, size_t i);
/* Delivers in send order until nothing is in flight (held messages stay;
 * messages across a cut or to a crashed node are dropped). Returns how many
 * were handed to a core. */
size_t rh_deliver_all(struct rh *h);
void rh_drop(struct rh *h, size_t i);
void rh_drop_all(struct rh *h);
/* Appends a copy of the i-th message to the pool. */
void rh_duplicate(struct rh *h, size_t i);
/* Reverses the order of the pool. */
void rh_reverse(struct rh *h);
/* Removes the i-th message and transfers it to the caller, who may deliver it
 * later with rh_receive(&msg->m) and frees it with rh_msg_free(). */
struct rh_msg *rh_take(struct rh *h, size_t i);
/* A deep copy of the i-th message, transferred to the caller. */
struct rh_msg *rh_copy(const struct rh *h, size_t i);
void rh_msg_free(struct rh_msg *msg);

/* Partitions, applied by rh_deliver_all(): */
void rh_cut(struct rh *h, uint64_t a, uint64_t b); /* both directions */
void rh_isolate(struct rh *h, uint64_t id);
void rh_heal(struct rh *h);

/* ---- observation ----------------------------------------------------------
 */

/* The live node that is leader in the highest term, or 0. */
uint64_t rh_leader(const struct rh *h);
/* How many live nodes have this role. */
size_t rh_count_role(const struct rh *h, enum raft_role role);
/* True if no two elections recorded so far share a term (Figure 3, Election
 * Safety). */
bool rh_election_safety_holds(const struct rh *h);
/* True if node a's log equals node b's: same last index and same terms down
 * to the later of their snapshots. */
bool rh_logs_equal(struct rh *h, uint64_t a, uint64_t b);

/* ---- fixtures --------------------------------------------------------------
 */

/* Three nodes from base c: leader 1 of term 1 commits values 1..10 (indexes
 * 2..11) with node 3 cut off since the no-op, compacts its log up to 11 (a
 * snapshot of 11 state machine records, 352 bytes) and appends 11 and 12
 * (indexes 12, 13), all before any election timer can fire (c's timeouts
 * at least 1000). Node 3 stays cut off; nothing is in flight. */
struct rh *rh_compacted_past_node_3(const struct raft_config *c);

#endif /* RAFT_HARNESS_H */
