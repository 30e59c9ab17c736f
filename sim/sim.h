/* sim.h: the deterministic simulation engine.
 *
 * One struct sim runs a Raft cluster of 1..255 nodes (ids 1..n) on a virtual
 * clock in integer microseconds. Everything that happens is an event in one
 * queue ordered by (time, sequence number): message deliveries, timer
 * deadlines, disk completions, client requests and retries, and the host's
 * scheduled callbacks. All randomness comes from one 64-bit seed split into
 * independent streams, so the same configuration and seed give the same run,
 * event for event, and the same trace hash, on every platform.
 *
 * There are no globals: any number of simulations may exist in one process,
 * each used by one thread at a time. Node ids are 1-based everywhere; client
 * ids are 1-based (client 0 is the session-less writer of `init` logs).
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "raft/raft.h"
#include "sim/check/sim_lin.h"
#include "sim/check/sim_safety.h"
#include "sim/sim_counters.h"
#include "sim/sim_history.h"
#include "sim/sim_kv.h"
#include "sim/sim_rng.h"
#include "sim/sim_trace.h"

#define SIM_MAX_NODES 255

/* Return codes of actions; sim_strerror() names them. */
enum sim_error {
    SIM_OK = 0,
    SIM_EINVAL,     /* bad argument (node id out of range, min > max, ...) */
    SIM_ENOTALIVE,  /* the node is crashed */
    SIM_EALIVE,     /* restart of a node that is not crashed */
    SIM_EVIOLATION, /* a safety property failed; the run is stopped */
    SIM_ESTOPPED,   /* sim_stop() was called */
    SIM_ECORE,      /* the Raft core returned an error (see the trace) */
    SIM_ERROR_COUNT
};

const char *sim_strerror(int code);

/* One node's disk timing: an update's writes become durable a write time
 * drawn uniformly from [write_us_min, write_us_max] plus a sync time drawn
 * from [sync_us_min, sync_us_max] after the update, from the node's own disk
 * stream (one draw per range whose min < max, none otherwise), and never
 * before the node's previous batch: completions keep submission order. */
struct sim_disk_latency
{
    uint64_t write_us_min, write_us_max;
    uint64_t sync_us_min, sync_us_max;
};

/* Optional initial durable state of one node (scenario `init`). The log's
 * entry i (1-based) gets term log_terms[i-1] and command `set eI I` with
 * client 0. */
struct sim_init_state
{
    bool set; /* false: a fresh node (term 0, empty log) */
    uint64_t term;
    uint64_t vote;             /* 0: none */
    const uint64_t *log_terms; /* borrowed until sim_new() returns */
    size_t n_log;
};

/* How a node serves a get (thesis §6.4). */
enum sim_read_mode {
    SIM_READ_LOG = 0,   /* a log entry, like a write (the default) */
    SIM_READ_INDEX,     /* ReadIndex: no log entry; a follower forwards it */
    SIM_READ_LEASE,     /* a leader's lease read (raft_read_lease()); see
                           sim_read.c for what else serves it */
    SIM_READ_MODE_COUNT
};

/* "log", "read-index", "lease". */
const char *sim_read_mode_name(enum sim_read_mode mode);

struct sim_config
{
    uint32_t n_nodes; /* 1..SIM_MAX_NODES */
    /* The bootstrap configuration's voters are nodes 1..n_voters; nodes
     * n_voters + 1..n_nodes are spares: they start empty, outside the
     * configuration, and join it only through a membership change
     * (sim_operator_change()). 0: every node is a voter. */
    uint32_t n_voters;
    uint64_t seed;

    /* Raft (docs/scenario-language.md, Header). */
    uint64_t election_timeout_us_min; /* 150 ms */
    uint64_t election_timeout_us_max; /* 300 ms */
    uint64_t heartbeat_us;            /* 50 ms */
    bool pre_vote;                    /* off */
    bool check_quorum;                /* off */
    size_t max_entries_per_message;   /* 0: the core's default */
    size_t max_inflight;              /* 0: the core's default */
    uint64_t max_uncommitted_bytes;   /* 0: no limit */
    size_t snapshot_chunk_bytes; /* InstallSnapshot chunk; 0: whole */
    /* raft_config.lease_drift_bound (thesis §6.4.1), in the nodes' clock
     * unit: a lease read trusts election_timeout_us_min minus this. 0 */
    uint64_t lease_drift_bound_us;

    /* Network. */
    uint64_t delay_us_min; /* 1 ms */
    uint64_t delay_us_max; /* 10 ms */
    /* Probabilities in parts per million (SIM_PPM_ONE: always), as the
     * scenario language and the trace write them. */
    uint32_t drop_ppm;      /* 0 */
    uint32_t duplicate_ppm; /* 0 */
    uint32_t reorder_ppm;   /* 0: extra delay up to 10 x delay_us_max */

    /* Clients and state machine. */
    uint64_t client_timeout_us; /* 500 ms */
    uint64_t snapshot_every;    /* 0: never */
    /* Bytes in each value a random workload writes ("v" and a zero-padded
     * counter), 2..SIM_WORKLOAD_VALUE_MAX; 0: the counter unpadded. */
    uint32_t workload_value_len;
    /* The mode of every get that names none: sim_client_request*(),
     * loads. SIM_READ_LOG */
    enum sim_read_mode reads;

    /* Disk: an update's writes are durable write_us + sync_us after it,
     * completing in FIFO order. */
    uint64_t disk_write_us; /* 100 us */
    uint64_t disk_sync_us;  /* 900 us */
    /* Per node, indexed by id - 1, replacing the two constants above;
     * NULL: every node uses them. Borrowed until sim_new() returns. */
    const struct sim_disk_latency *disk;

    /* Per node, indexed by id - 1; NULL: all fresh. Borrowed until
     * sim_new() returns. */
    const struct sim_init_state *init;

    bool checkers;      /* safety hooks after every change (on) */
    bool record_events; /* keep every trace event in memory (off) */
    /* Keep the last SIM_TRACE_RING_EVENTS events for a failure's report
     * (on). Off, as a campaign that reports its failures by reproducer
     * runs, a failure reports none (last_kept false); nothing else of the
     * run changes, its trace hash included. Recording or a JSON lines
     * stream keeps them anyway (a listener does not). */
    bool recent_events;
    bool history;       /* record client ops for sim_lin_check (on) */
    FILE *trace_jsonl;  /* borrowed: one JSON object per event; NULL: none */

    /* A broken host, for testing the persistence checker: every message
     * leaves at once, as if no update ever counted n_sync_messages
     * (off). */
    bool unsafe_send_before_sync;
};

/* Fills *c with the defaults of docs/scenario-language.md and the values
 * noted above; n_nodes = 3, seed = 1. */
void sim_config_init(struct sim_config *c);

/* NULL if the configuration is valid, else a static sentence saying what is
 * wrong (for the host's error message). */
#define SIM_WORKLOAD_VALUE_MAX 64

const char *sim_config_check(const struct sim_config *c);

struct sim; /* opaque */

/* Creates a simulation at time 0 with every node a fresh (or `init`)
 * follower. config is copied; its init states are read here and not kept.
 * Returns NULL if the configuration is invalid (sim_config_check()). */
struct sim *sim_new(const struct sim_config *config);
void sim_free(struct sim *s);

/* The configuration the simulation runs with (init is NULL: it was only
 * borrowed by sim_new()); borrowed while s lives. */
const struct sim_config *sim_get_config(const struct sim *s);

/* ---- scheduling and running --------------------------------------------- */

typedef void sim_callback_fn(struct sim *s, void *ctx);

/* Runs fn(s, ctx) at virtual time time_us (not before now), ordered with
 * every other event by (time, sequence): callbacks scheduled for the same
 * time run in the order they were scheduled. ctx is borrowed until then. */
int sim_at(struct sim *s, uint64_t time_us, sim_callback_fn *fn, void *ctx);

/* fn(s, ctx) is called after every processed event (NULL: none). ctx is
 * borrowed until replaced. */
void sim_set_observer(struct sim *s, sim_callback_fn *fn, void *ctx);

/* fn(s, e, ctx) is called with every trace event as it is emitted (NULL:
 * none), whether or not events are recorded: e and its text are borrowed
 * for the call. It lets a host keep what it needs (who led when, the checks)
 * without recording the whole trace. It must not drive the simulation. ctx
 * is borrowed until replaced. */
typedef void sim_listener_fn(struct sim *s,
                             const struct sim_trace_event *e,
                             void *ctx);
void sim_set_listener(struct sim *s, sim_listener_fn *fn, void *ctx);

/* Narrows the listener to the trace kinds whose bit (1 << kind) is set in
 * kinds; sim_set_listener() sets every bit. An event of another kind is not
 * passed to it and is otherwise emitted as before (numbered, hashed,
 * recorded). A host whose listener does nothing with most kinds saves the
 * calls. Without a listener (none set, or NULL) it has no effect. */
void sim_set_listener_kinds(struct sim *s, uint64_t kinds);

/* Processes events up to and including time time_us, then sets the clock to
 * time_us. Returns SIM_OK, SIM_EVIOLATION (stopped at the violating event)
 * or SIM_ESTOPPED. */
int sim_run_until(struct sim *s, uint64_t time_us);

/* Processes exactly one event. Returns SIM_OK, SIM_EVIOLATION, SIM_ESTOPPED,
 * or SIM_EINVAL if the queue is empty. */
int sim_step(struct sim *s);

/* Makes the current sim_run_until() return SIM_ESTOPPED after the current
 * event (for a failed check); later runs return SIM_ESTOPPED at once. */
void sim_stop(struct sim *s);

uint64_t sim_now(const struct sim *s);
uint64_t sim_events_processed(const struct sim *s);
size_t sim_events_pending(const struct sim *s);

/* ---- faults -------------------------------------------------------------- */

/* The node stops: core, kv and unsynced writes are gone; messages to it are
 * lost. */
int sim_crash(struct sim *s, uint32_t node);
/* keep_log / keep_term for sim_crash_keeping(): draw the count. */
#define SIM_KEEP_DRAWN UINT64_MAX
/* A crash that keeps part of the unsynced writes: the oldest keep_log
 * pending writes of the node's log and the oldest keep_term of its term
 * record (term and vote) become durable, the rest are lost (sim_disk.h: two
 * files). SIM_KEEP_DRAWN draws that file's count uniformly in [0, pending]
 * from the node's disk stream. The CRASH trace event says what was kept.
 * sim_crash() is sim_crash_keeping(s, node, 0, 0). */
int sim_crash_keeping(struct sim *s,
                      uint32_t node,
                      uint64_t keep_log,
                      uint64_t keep_term);
/* The node's disk timing from now on (batches already submitted keep
 * theirs). SIM_EINVAL for a bad id or a min above its max. */
int sim_set_disk_latency(struct sim *s,
                         uint32_t node,
                         const struct sim_disk_latency *lat);
/* A crashed node starts again as a follower from its durable state. */
int sim_restart(struct sim *s, uint32_t node);
/* The node processes nothing for duration_us; messages to it wait and are
 * then delivered in order of arrival. Pausing a paused node extends it. */
int sim_pause(struct sim *s, uint32_t node, uint64_t duration_us);
/* Ends the node's pause now, as if it had run out: what waited is
 * delivered in order of arrival. SIM_OK (nothing to do) for a node that is
 * not paused; SIM_ENOTALIVE for a crashed one. */
int sim_resume(struct sim *s, uint32_t node);
/* The node's election timer fires now (with pre_vote on it starts a PreVote
 * round). A paused or crashed node processes nothing: then this only adds a
 * NOTE to the trace ("n2 is paused: timeout skipped", "n2 is crashed:
 * timeout skipped") and returns SIM_OK. SIM_EINVAL for a bad id. */
int sim_campaign(struct sim *s, uint32_t node);
/* group_of[i] is node i+1's group; only nodes of the same nonzero group can
 * talk, a node in group 0 is alone. Replaces earlier partitions, keeps cuts.
 * group_of is copied; text (borrowed, may be NULL) goes to the trace. */
int sim_partition(struct sim *s, const uint32_t *group_of, const char *text);
/* partition node | rest. */
int sim_isolate(struct sim *s, uint32_t node);
/* One-way: messages from -> to are lost from now on. */
int sim_cut(struct sim *s, uint32_t from, uint32_t to);
/* Removes every partition and cut. */
void sim_heal(struct sim *s);
/* Probabilities in parts per million; SIM_EINVAL above SIM_PPM_ONE. */
int sim_set_drop(struct sim *s, uint32_t ppm);
int sim_set_duplicate(struct sim *s, uint32_t ppm);
int sim_set_reorder(struct sim *s, uint32_t ppm);
int sim_set_delay(struct sim *s, uint64_t delay_us_min, uint64_t delay_us_max);
/* The node's clock runs at rate_ppm / 1e6 of real time from now on
 * (1000000: no drift; 1100000: 10% fast). 1..10000000. Its pending timer
 * keeps its local deadline, so it moves in global time. */
int sim_drift(struct sim *s, uint32_t node, uint64_t rate_ppm);

/* floor(t * num / den), or its ceiling with round_up, into *out, for num
 * and den in 1..2^32 - 1; false (and *out unchanged) when the result does
 * not fit in 64 bits. Every rescaling of time by a clock rate goes through
 * here, so none can overflow. */
bool sim_time_scale(uint64_t t,
                    uint64_t num,
                    uint64_t den,
                    bool round_up,
                    uint64_t *out);
/* Whether a node clock running at rate_ppm / 1e6 of real speed (or real
 * speed, if faster) for run_us, plus timeout_us that the core adds to it,
 * stays within 64 bits of microseconds. A clock that would not stops at
 * 2^64 - 1 us; the scenario parser refuses such a drift. */
bool sim_drift_fits(uint64_t run_us, uint64_t rate_ppm, uint64_t timeout_us);

/* A number uniform in [0, n) from SIM_STREAM_FAULTS (for `follower`, `any`
 * and other host choices); 0 if n is 0. */
uint64_t sim_random_below(struct sim *s, uint64_t n);

/* ---- clients ------------------------------------------------------------- */

/* Issues one request from an idle client of the pool (a new client if none
 * is idle). via: first node to try (0: the client's belief, first a random
 * node). key and value are copied; value only for SET. *request_out (may be
 * NULL) receives a handle for sim_request_*(). */
int sim_client_request(struct sim *s,
                       enum sim_kv_op op,
                       const char *key,
                       const char *value,
                       uint32_t via,
                       uint64_t *request_out);

/* The same, with the request's random draws (first node, retries, message
 * delays) from a stream keyed by draw_key: two requests with the same key in
 * runs of the same seed draw the same numbers, whatever else the runs did.
 * sim_client_request() keys a request by its rank among the requests. */
int sim_client_request_keyed(struct sim *s,
                             enum sim_kv_op op,
                             const char *key,
                             const char *value,
                             uint32_t via,
                             uint64_t draw_key,
                             uint64_t *request_out);

/* A get served as `mode` says, keyed as sim_client_request_keyed(). */
int sim_client_read_keyed(struct sim *s,
                          const char *key,
                          enum sim_read_mode mode,
                          uint32_t via,
                          uint64_t draw_key,
                          uint64_t *request_out);

/* Random set/delete/get (50/35/15%) over the keys k0..k7 with unique values,
 * drawn from the load's own SIM_STREAM_WORKLOAD stream: requests at now +
 * floor(k * 1e6 / rate) us for every k that falls before now + duration_us (the
 * rate is rounded to 1/1000 per second; at most 1e7 per second), each from an
 * idle pool client. via as above. */
int sim_load(struct sim *s,
             double rate_per_s,
             uint64_t duration_us,
             uint32_t via);

/* The same, with the load's ops and keys from a stream keyed by draw_key,
 * and its k-th request keyed by (draw_key, k) as in
 * sim_client_request_keyed(). sim_load() keys a load by its rank among the
 * loads. */
int sim_load_keyed(struct sim *s,
                   double rate_per_s,
                   uint64_t duration_us,
                   uint32_t via,
                   uint64_t draw_key);

/* `count` set requests (keys k0..k7 from the load's stream keyed by
 * draw_key, unique values), the k-th at now + floor(k * duration_us /
 * count), each from an idle pool client and keyed as in sim_load_keyed().
 * For a burst of writes whose number matters more than their keys (the
 * shrinker's merge of many single requests). count in 1..SIM_LOAD_COUNT_MAX,
 * duration_us > 0. */
#define SIM_LOAD_COUNT_MAX UINT64_C(1000000)
int sim_load_writes_keyed(struct sim *s,
                          uint64_t count,
                          uint64_t duration_us,
                          uint32_t via,
                          uint64_t draw_key);

/* n_clients closed-loop clients: each issues a new random request as soon as
 * its previous one completes, until until_us (for benchmarks). */
int sim_load_closed(struct sim *s,
                    uint32_t n_clients,
                    uint64_t until_us,
                    uint32_t via);

/* Handles from sim_client_request(): state of one request. */
bool sim_request_completed(const struct sim *s, uint64_t request);
/* For a completed GET: the value read (NULL: absent); borrowed while s lives.
 */
const char *sim_request_result(const struct sim *s, uint64_t request);

uint64_t sim_requests_invoked(const struct sim *s);
uint64_t sim_requests_completed(const struct sim *s);
/* Requests issued before time_us (by any client) that have not completed
 * yet. */
uint64_t sim_requests_pending_before(const struct sim *s, uint64_t time_us);
/* The lowest client id >= from whose current request was issued before
 * time_us and has not completed, 0 if none. A request's issue time is the
 * instant it is issued, so once the clock is past time_us a client found
 * without such a request never has one again. */
uint32_t sim_client_pending_before(const struct sim *s,
                                   uint64_t time_us,
                                   uint32_t from);
/* Completed requests of one op type. */
uint64_t sim_requests_completed_op(const struct sim *s, enum sim_kv_op op);

/* ---- queries ------------------------------------------------------------- */

uint32_t sim_n_nodes(const struct sim *s);
bool sim_alive(const struct sim *s, uint32_t node); /* not crashed */
bool sim_paused(const struct sim *s, uint32_t node);
/* Of a live node; FOLLOWER / 0 for a crashed one. */
enum raft_role sim_role(const struct sim *s, uint32_t node);
/* Term and vote: the core's; of a crashed node, its durable ones. */
uint64_t sim_term(const struct sim *s, uint32_t node);
uint64_t sim_vote(const struct sim *s, uint32_t node);
uint64_t sim_leader_of(const struct sim *s, uint32_t node); /* 0: unknown */
/* Whether `node` is up, not paused, in `term`, and `leader` itself or a
 * node that knows `leader` as its leader: sim_alive(), !sim_paused(),
 * sim_term() and sim_leader_of() in one call (settle asks it after every
 * event). */
bool sim_in_step_with(const struct sim *s,
                      uint32_t node,
                      uint32_t leader,
                      uint64_t term);
uint64_t sim_commit_index(const struct sim *s, uint32_t node);
uint64_t sim_last_index(const struct sim *s, uint32_t node);
uint64_t sim_snapshot_index(const struct sim *s, uint32_t node);
/* Term of the entry at sim_snapshot_index() (0: no snapshot); of a crashed
 * node, its durable snapshot's. */
uint64_t sim_snapshot_term(const struct sim *s, uint32_t node);
/* Client commands applied by the node's state machine (sim_kv_applied():
 * no-ops excluded; a retried request whose copy reached the log twice counts
 * once, its second copy being answered from the session). */
uint64_t sim_applied(const struct sim *s, uint32_t node);
/* Borrowed until the next event; NULL if absent or the node is crashed. */
const char *sim_kv_value(const struct sim *s, uint32_t node, const char *key);
uint64_t sim_kv_digest_of(const struct sim *s, uint32_t node);
/* Term of each log entry from first_index to the node's last index into
 * *terms (a new array the caller g_free()s); first_index is the snapshot
 * index + 1. Of a crashed node: its durable log. Returns the count. */
size_t sim_log_terms(const struct sim *s,
                     uint32_t node,
                     uint64_t *first_index,
                     uint64_t **terms);
/* Whether the node's log entry at index (of a crashed node: its durable
 * log) is a configuration entry (RAFT_ENTRY_CONFIG); false when the log
 * does not hold that index. */
bool sim_log_is_config(const struct sim *s, uint32_t node, uint64_t index);

/* The current leader (docs/scenario-language.md, Node references): among
 * live leaders connected both ways to a majority of the voters of their own
 * latest configuration (counting themselves when they are voters; while
 * joint, a majority of each half), the leader of the highest term (lowest
 * id on a tie); 0 if none. */
uint32_t sim_current_leader(const struct sim *s);
/* A number that grows whenever something that sim_alive(), sim_paused(),
 * sim_role(), sim_term(), sim_leader_of(), sim_in_step_with(),
 * sim_node_config(), sim_connected() or sim_current_leader() read may have
 * changed: a node's liveness, pause, role, term, known leader or latest
 * configuration, or a link. Between two events with the same number,
 * those answers are the same (a node's log, commit index and clients'
 * requests are not covered), so a caller may keep what it derived from
 * them. Asked from a listener in the middle of a step, before the engine
 * has observed the step's update, it (and sim_current_leader()) may still
 * be what it was before that step. */
uint64_t sim_standing_version(const struct sim *s);
/* Messages from -> to are not cut or partitioned (ignores liveness). */
bool sim_connected(const struct sim *s, uint32_t from, uint32_t to);
/* The highest current term among live nodes. */
uint64_t sim_max_term(const struct sim *s);

/* ---- membership (sim_member.c) ------------------------------------------ */

/* The cluster's configuration now (thesis §4.1): the current leader's
 * latest configuration; without a current leader, that of the live node
 * whose log is the most up to date (last term, then last index, then the
 * lowest id: the node that would win an election, §5.4.1); with every node
 * down, the bootstrap one. Arrays borrowed until the next event. Returns
 * the node whose configuration it is, 0 for the bootstrap one. */
uint32_t sim_cluster_config(const struct sim *s,
                            struct raft_configuration *out);
/* member[id] for id 1..n (member has n + 1 entries): whether id is a voter
 * (of either half while joint) or a learner of sim_cluster_config().
 * Returns how many are. */
uint32_t sim_cluster_members(const struct sim *s, bool *member);
/* Voters of sim_cluster_config() into voter[] likewise (C_new while joint:
 * `voters`, not `outgoing`). Returns how many. */
uint32_t sim_cluster_voters(const struct sim *s, bool *voter);
/* The live node's latest configuration (in its log, else its snapshot's or
 * the bootstrap one), borrowed until the next event, and the index of its
 * entry (0: snapshot or bootstrap); false (and *out zeroed) when crashed. */
bool sim_node_config(const struct sim *s,
                     uint32_t node,
                     struct raft_configuration *out,
                     uint64_t *index);

/* The operator (thesis §4.1, §3.10): a request delivered now to the current
 * leader (sim_current_leader()). A refusal (no leader, a paused leader, or
 * any error of the core, such as RAFT_EBUSY while the previous change is
 * uncommitted) is retried one heartbeat later, again and again, until the
 * request is accepted or the run ends. Every attempt is one OPERATOR trace
 * event: node the leader tried (0: none), ok accepted, count the attempt
 * (1 first), request the operator request's number, index the
 * configuration entry's index (changes), peer the target (transfers), text
 * "WHAT: RESULT". Requests are independent: each retries on its own.
 *
 * A membership change: the n changes (copied; n == 0 leaves a joint
 * configuration) with transition t (raft_change_membership()); text
 * (copied; NULL: generated) names the request in the trace. SIM_EINVAL for
 * a node id outside 1..n or n above SIM_MAX_NODES. *request_out (may be
 * NULL) receives the request's number. */
int sim_operator_change(struct sim *s,
                        const struct raft_change *changes,
                        size_t n,
                        enum raft_transition t,
                        const char *text,
                        uint64_t *request_out);
/* A leadership transfer to target (raft_transfer_leadership()); accepted
 * also when target already is the current leader. SIM_EINVAL for a bad id. */
int sim_operator_transfer(struct sim *s,
                          uint32_t target,
                          uint64_t *request_out);

/* ---- counters ------------------------------------------------------------ */

/* Raft messages by type (index RAFT_MSG_*; 0 holds the total). */
void sim_get_msg_counters(const struct sim *s,
                          struct sim_msg_counters out[RAFT_MSG_TYPE_COUNT]);

struct sim_counters
{
    uint64_t events;       /* processed */
    uint64_t trace_events; /* emitted */
    uint64_t elections;    /* times a node became leader */
    uint64_t crashes, restarts;
    uint64_t disk_syncs;       /* completed write batches */
    uint64_t commit_index_max; /* highest commit index any node reached */
    uint64_t client_messages;  /* client <-> node */
};
void sim_get_counters(const struct sim *s, struct sim_counters *out);

/* ---- results ------------------------------------------------------------- */

/* The client history (NULL when history is off); borrowed while s lives. */
const struct sim_history *sim_get_history(const struct sim *s);

/* Runs the linearizability check on the history now; a violation is also
 * recorded as the run's violation (property LINEARIZABILITY). report is
 * filled as sim_lin_check() does; the caller clears it. */
enum sim_lin_verdict sim_check_linearizable(struct sim *s,
                                            uint64_t max_states,
                                            struct sim_lin_report *report);

/* The first violation, with where it happened. Strings in `last` are owned by
 * the struct sim_failure (in text_buf). */
struct sim_failure
{
    struct sim_violation violation;
    uint64_t time_us;
    uint64_t event;     /* sim_events_processed() at the violation */
    uint64_t trace_seq; /* seq of the VIOLATION trace event */
    /* The run kept its recent events (sim_config.recent_events, recording
     * or a JSON lines stream); false: n_last is 0. */
    bool last_kept;
    size_t n_last; /* events in last[], oldest first */
    struct sim_trace_event last[SIM_TRACE_RING_EVENTS];
    char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX];
};

/* NULL while no violation happened; borrowed while s lives. The trace ends
 * with the VIOLATION event: what the violating step did after it is not
 * recorded, and no later event runs. */
const struct sim_failure *sim_get_failure(const struct sim *s);

/* Writes the failure (property, nodes, time, event, last events) as text. */
void sim_failure_print(const struct sim_failure *f, FILE *out);

/* An estimate, in bytes, of the memory the simulation holds now: its fixed
 * parts plus everything that grows with a run (recorded trace events and
 * their texts, queued events and messages, the client history and request
 * records, clients, every node's log in the core and on its disk). It is a
 * deterministic function of the run, not a reading of the allocator, so a
 * budget on it stops the same run at the same event on every build. */
uint64_t sim_memory_bytes(const struct sim *s);

/* 64-bit hash of every trace event so far (always maintained). */
uint64_t sim_trace_hash(const struct sim *s);

/* Recorded events (record_events on; else 0/NULL); borrowed until the next
 * event. Texts are owned by s. */
size_t sim_trace_len(const struct sim *s);
const struct sim_trace_event *sim_trace_events(const struct sim *s);

/* Adds a trace event from the host: a NOTE (node may be 0) or a CHECK
 * result. text is copied. */
void sim_note(struct sim *s, uint32_t node, const char *text);
void sim_trace_check(struct sim *s, bool ok, uint32_t line, const char *text);

#endif /* SIM_H */
