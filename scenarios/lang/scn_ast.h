/* scn_ast.h: the validated structure of one scenario file.
 *
 * A struct scn_scenario returned by the parser is always valid: every node id
 * is in 1..cluster, every name slot is bound by an earlier step, every MIN is
 * at most its MAX, every probability is in [0, SCN_PPM_ONE], steps are in
 * file order with non-decreasing time_us, and windows have time_us < end_us.
 * The runner may rely on all of this without checking again.
 *
 * Units are fixed: times and durations are integer microseconds (at most
 * SCN_DURATION_US_MAX, so the sum of two never overflows a uint64_t),
 * probabilities and clock rates are parts per million, request rates are
 * requests per 1000 seconds. Nothing here is a floating-point number, so a
 * structure prints back to the same text and compares exactly.
 */
#ifndef SCN_AST_H
#define SCN_AST_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim_assert.h"

/* One million parts per million: probability 1, clock rate 1x. */
#define SCN_PPM_ONE UINT32_C(1000000)
/* The largest cluster a scenario may declare. */
#define SCN_CLUSTER_MAX 255u
/* The largest `snapshot-chunk` size: 16 MiB. */
#define SCN_SNAPSHOT_CHUNK_MAX 16777216u
/* The largest duration or time accepted, in microseconds (INT64_MAX). */
#define SCN_DURATION_US_MAX UINT64_C(9223372036854775807)
/* The fastest clock a `drift` may set: 10x real speed. */
#define SCN_DRIFT_PPM_MAX UINT32_C(10000000)
/* A name slot that is not used (no `as NAME`). */
#define SCN_NO_SLOT (-1)

/* How a node reference picks its node. */
enum scn_ref_kind {
    /* `nK`: node K, 1 <= K <= cluster. */
    SCN_REF_NODE = 1,
    /* `leader`: among live nodes connected both ways to a majority of the
     * cluster (counting themselves), the leader of the highest term. */
    SCN_REF_LEADER,
    /* `follower`: a live node other than the current leader, chosen by the
     * seeded generator. */
    SCN_REF_FOLLOWER,
    /* `any`: any live node, chosen by the seeded generator. Several
     * `follower`/`any` references in one step name distinct nodes. */
    SCN_REF_ANY,
    /* A name bound with `as` in an earlier step; `slot` says which. If the
     * reference that bound it was skipped, the name names nothing and the
     * action using it is skipped. */
    SCN_REF_NAME,
    /* `rest`: every node not named earlier in the same step. The parser
     * only accepts it as the last reference of a step and only where a list
     * of nodes is allowed. */
    SCN_REF_REST,
};

/* One node reference as written. */
struct scn_node_ref
{
    enum scn_ref_kind kind;
    /* SCN_REF_NODE: the node id, 1..cluster; 0 otherwise. */
    uint32_t node;
    /* SCN_REF_NAME: the slot read (index into scn_scenario.names);
     * SCN_NO_SLOT otherwise. */
    int32_t slot;
    /* `REF as NAME`: the slot this reference binds when its step runs;
     * SCN_NO_SLOT when there is no `as`. Never set on NAME or REST, and
     * never inside a check. */
    int32_t bind_slot;
    /* `leader?`, `follower?`, `any?`: where no such node exists the step is
     * skipped (and traced as skipped) instead of failing the run. Only set
     * on LEADER, FOLLOWER and ANY. */
    bool optional;
};

/* A list of node references, in file order; never empty when given. */
struct scn_node_list
{
    size_t count;
    struct scn_node_ref *refs; /* owned, `count` elements */
};

/* Where a per-node check must hold. */
enum scn_scope_kind {
    SCN_SCOPE_ALL = 1,  /* `all`: every live node */
    SCN_SCOPE_MAJORITY, /* `majority`: at least cluster/2+1 nodes (live) */
    SCN_SCOPE_NODES,    /* every node of `nodes` */
};

struct scn_scope
{
    enum scn_scope_kind kind;
    struct scn_node_list nodes; /* SCN_SCOPE_NODES only; empty otherwise */
};

/* Comparison operators of `term`, `applied` and `completed`. */
enum scn_cmp {
    SCN_CMP_EQ = 1, /* == */
    SCN_CMP_NE,     /* != */
    SCN_CMP_LT,     /* <  */
    SCN_CMP_LE,     /* <= */
    SCN_CMP_GT,     /* >  */
    SCN_CMP_GE,     /* >= */
};

/* The roles `role NODE ROLE` can test. */
enum scn_role {
    SCN_ROLE_FOLLOWER = 1,
    SCN_ROLE_CANDIDATE,
    SCN_ROLE_LEADER,
};

enum scn_check_kind {
    /* `leader [in NODES]`: there is a current leader and, if `nodes` is not
     * empty, it is one of them. */
    SCN_CHECK_LEADER = 1,
    /* `no-leader [among NODES]`: no live node (of `nodes` if not empty) is
     * in the leader role. */
    SCN_CHECK_NO_LEADER,
    /* `same-leader`: the leader and its term never change in the window.
     * Only with SCN_WHEN_ALWAYS. */
    SCN_CHECK_SAME_LEADER,
    /* `role NODE ROLE`: `node` has role `role`. */
    SCN_CHECK_ROLE,
    /* `term OP N`: the highest current term among live nodes OP `number`. */
    SCN_CHECK_TERM,
    /* `applied OP N on SCOPE`: every node of `scope` has applied a number
     * of client commands (no-ops and configuration entries not counted)
     * that compares OP `number`. */
    SCN_CHECK_APPLIED,
    /* `value KEY = VALUE on SCOPE`: every node of `scope` maps `key` to
     * `value`. */
    SCN_CHECK_VALUE,
    /* `absent KEY on SCOPE`: no node of `scope` has `key`. */
    SCN_CHECK_ABSENT,
    /* `converged`: every live node has the same commit index and the same
     * key-value state. */
    SCN_CHECK_CONVERGED,
    /* `completed OP N`: the number of client requests completed
     * successfully so far compares OP `number`. */
    SCN_CHECK_COMPLETED,
    /* Extension `linearizable`: the client history so far is
     * linearizable. */
    SCN_CHECK_LINEARIZABLE,
    /* Extension `no-violation`: no safety property has failed so far. */
    SCN_CHECK_NO_VIOLATION,
    /* Extension `config voters NODES [learners NODES]`: the current
     * leader's latest configuration has exactly the voters `nodes` (its
     * incoming voters while joint) and exactly the learners `learners`
     * (none when not given). */
    SCN_CHECK_CONFIG,
    /* Extension `learners NODES` / `learners none`: the current leader's
     * latest configuration has exactly the learners `learners` (none:
     * empty list). */
    SCN_CHECK_LEARNERS,
    /* Extension `joint` / `not-joint`: the current leader's latest
     * configuration is (is not) a joint one (thesis §4.3). */
    SCN_CHECK_JOINT,
    SCN_CHECK_NOT_JOINT,
};

/* One check. Fields a kind does not use are zero/NULL/empty. */
struct scn_check
{
    enum scn_check_kind kind;
    /* LEADER `in`, NO_LEADER `among`: empty when not given. */
    struct scn_node_list nodes;
    /* ROLE: the node tested and the role it must have. */
    struct scn_node_ref node;
    enum scn_role role;
    /* TERM, APPLIED, COMPLETED: the comparison `actual cmp number`. */
    enum scn_cmp cmp;
    uint64_t number;
    /* VALUE, ABSENT: the key; VALUE: the value. Owned, NUL-terminated. */
    char *key;
    char *value;
    /* APPLIED, VALUE, ABSENT. */
    struct scn_scope scope;
    /* CONFIG, LEARNERS: the learners (empty: none). CONFIG's voters are
     * in `nodes`. */
    struct scn_node_list learners;
};

enum scn_action_kind {
    SCN_ACT_CRASH = 1,     /* crash `node` */
    SCN_ACT_RESTART,       /* restart `node` from its durable state */
    SCN_ACT_PAUSE,         /* pause `node` for `duration_us`, then resume */
    SCN_ACT_TIMEOUT,       /* fire `node`'s election timer now */
    SCN_ACT_PARTITION,     /* only nodes of one of `groups` can talk */
    SCN_ACT_ISOLATE,       /* partition `node` | rest */
    SCN_ACT_CUT,           /* lose messages from `node` to `peer` */
    SCN_ACT_HEAL,          /* remove every partition and cut */
    SCN_ACT_SET_DROP,      /* drop probability := `probability_ppm` */
    SCN_ACT_SET_DUPLICATE, /* duplicate probability := `probability_ppm` */
    SCN_ACT_SET_REORDER,   /* reorder probability := `probability_ppm` */
    SCN_ACT_SET_DELAY,     /* delay := [delay_us_min, delay_us_max] */
    SCN_ACT_CLIENT_SET,    /* one request: set `key` `value` [via `via`] */
    SCN_ACT_CLIENT_DELETE, /* one request: delete `key` [via `via`] */
    SCN_ACT_CLIENT_GET,    /* one request: get `key` [via `via`] */
    SCN_ACT_LOAD,          /* `rate_per_ks` random requests for
                              `duration_us` [via `via`] */
    SCN_ACT_DRIFT,         /* extension: `node`'s timers run at
                              `rate_ppm`/SCN_PPM_ONE x real speed */
    SCN_ACT_EXPECT,        /* `check` must hold (see scn_step.when) */
    SCN_ACT_SETTLE,        /* extension: every fault ends now, and within
                              `duration_us` (0: scn_settle_bound_us())
                              one leader must stay stable and every earlier
                              client request complete (scn_run.h) */
    SCN_ACT_SET_DISK,      /* extension: the disk timing of `nodes` (every
                              node when empty) := `disk` from now on */
    SCN_ACT_CHANGE,        /* extension: the operator asks the current
                              leader for the membership change `changes`
                              with `transition` (sim_operator_change()) */
    SCN_ACT_LEAVE_JOINT,   /* extension: the operator asks the leader to
                              leave its joint configuration */
    SCN_ACT_TRANSFER,      /* extension: the operator asks the leader to
                              hand leadership to `node` (thesis §3.10) */
};

/* One change of a membership request (extension). */
enum scn_change_kind {
    SCN_CHANGE_ADD = 1,     /* `add NODE [as voter]`: a new voter */
    SCN_CHANGE_ADD_LEARNER, /* `add NODE as learner`: a new learner */
    SCN_CHANGE_PROMOTE,     /* `promote NODE`: learner to voter */
    SCN_CHANGE_DEMOTE,      /* `demote NODE`: voter to learner */
    SCN_CHANGE_REMOVE,      /* `remove NODE`: leaves the configuration */
};

struct scn_change
{
    enum scn_change_kind kind;
    struct scn_node_ref node;
};

/* How a `change` moves to its target (raft_change_membership()). */
enum scn_transition {
    SCN_TRANSITION_AUTO = 0,      /* `change C, ...`: one voter change
                                     directly, more through joint consensus */
    SCN_TRANSITION_JOINT,         /* `change joint ...`: always joint, left
                                     automatically */
    SCN_TRANSITION_JOINT_EXPLICIT /* `change joint-explicit ...`: always
                                     joint, left by `leave-joint` */
};

/* Extension: how a get is served (thesis §6.4): the `reads` header and the
 * mode word of `client get KEY [MODE]`. */
enum scn_read_mode {
    SCN_READ_DEFAULT = 0, /* `client get` naming none: the header's mode */
    SCN_READ_LOG,         /* `log`: a log entry, like a write */
    SCN_READ_INDEX,       /* `read-index`: ReadIndex, no log entry */
    SCN_READ_LEASE,       /* `lease`: the leader's lease */
};

/* "log", "read-index", "lease"; "" for SCN_READ_DEFAULT. */
const char *scn_read_mode_name(enum scn_read_mode mode);

/* Extension `crash NODE keeping ...`: what survives of the node's unsynced
 * writes (the engine keeps the term record and the log as two files). */
enum scn_keep {
    SCN_KEEP_NOTHING = 0, /* plain `crash`: every unsynced write is lost */
    SCN_KEEP_SOME,        /* `keeping some`: each file keeps a prefix of its
                             pending writes, its length drawn from the node's disk
                             stream */
    SCN_KEEP_COUNTS,      /* `keeping log L term T`: the oldest keep_log log
                             writes and keep_term term-record writes survive */
};

/* Extension: one disk timing. An update's writes are durable a write time
 * in [write_us, write_us + write_jitter_us] plus a sync time in [sync_us,
 * sync_us + sync_jitter_us] after it (uniform, drawn per update from the
 * node's disk stream), never before the node's previous update's. */
struct scn_disk_latency
{
    uint64_t write_us;
    uint64_t write_jitter_us;
    uint64_t sync_us;
    uint64_t sync_jitter_us;
};

/* The protocol events a trigger (`when NODE EVENT ACTION`) waits for. Each
 * is one trace event of the subject node (sim_trace.h). */
enum scn_event {
    SCN_EVENT_GRANTS_VOTE = 1,   /* sends a granted RequestVoteResult */
    SCN_EVENT_ACKS_APPEND,       /* sends a successful AppendEntriesResult */
    SCN_EVENT_ADOPTS_TERM,       /* its current term rises */
    SCN_EVENT_SENDS_SNAPSHOT,    /* sends an InstallSnapshot */
    SCN_EVENT_BECOMES_LEADER,    /* its role becomes leader */
    SCN_EVENT_BECOMES_CANDIDATE, /* its role becomes candidate */
    SCN_EVENT_PERSISTS,          /* one of its disk write batches completes */
};

/* One action. Fields a kind does not use are zero/NULL/empty.
 *
 * The parser rejects what the text alone shows to be wrong (the same nK or
 * name twice in a partition or list, `cut n1 -> n1`). A dynamic reference
 * can still resolve, when the step runs, to a node named elsewhere in the
 * step (`partition leader | n1` while n1 leads); the runner decides what
 * that means and reports it. */
/* Bytes an action keeps for short texts (a generated key and value such as
 * `b12` and `v345`) so that they need no blocks of their own: a fuzz seed
 * makes hundreds of such statements. */
#define SCN_ACTION_ROOM 24
#define SCN_IN_ROOM_KEY 1u
#define SCN_IN_ROOM_VALUE 2u

struct scn_action
{
    enum scn_action_kind kind;
    /* CRASH, RESTART, PAUSE, TIMEOUT, ISOLATE, DRIFT: the node acted on.
     * CUT: the sending side. */
    struct scn_node_ref node;
    /* CUT: the receiving side. */
    struct scn_node_ref peer;
    /* CLIENT_*, LOAD: `via NODE` when has_via. */
    bool has_via;
    struct scn_node_ref via;
    /* PAUSE, LOAD: how long; always > 0. SETTLE: the bound given with
     * `within`, or 0 for the default one. */
    uint64_t duration_us;
    /* SET_DROP, SET_DUPLICATE, SET_REORDER: 0..SCN_PPM_ONE. */
    uint32_t probability_ppm;
    /* SET_DELAY: min <= max. */
    uint64_t delay_us_min;
    uint64_t delay_us_max;
    /* PARTITION: the groups in file order; at least one, none empty. */
    size_t group_count;
    struct scn_node_list *groups; /* owned, `group_count` elements */
    /* CLIENT_GET, extension: the mode it names; SCN_READ_DEFAULT: none. */
    enum scn_read_mode read_mode;
    /* CLIENT_*: the key; CLIENT_SET: the value. NUL-terminated, and owned:
     * each a block of its own, or kept in `room` (in_room says which), as
     * scn_action_set_text() puts them. */
    char *key;
    char *value;
    char room[SCN_ACTION_ROOM];
    uint8_t room_used; /* bytes of room taken */
    uint8_t in_room;   /* SCN_IN_ROOM_KEY | SCN_IN_ROOM_VALUE */
    /* LOAD: requests per 1000 seconds (`200/s` is 200000); > 0 unless
     * `count` is given. */
    uint64_t rate_per_ks;
    /* LOAD, extension `load N writes for D`: N set requests spread evenly
     * over D (1..SIM_LOAD_COUNT_MAX), rate_per_ks 0; 0 for the rate form. */
    uint64_t count;
    /* DRIFT: clock rate in parts per million (1.5 is 1500000), in
     * 1..SCN_DRIFT_PPM_MAX. SCN_PPM_ONE ends a drift. */
    uint32_t rate_ppm;
    /* EXPECT. */
    struct scn_check check;
    /* CRASH: what survives of the unsynced writes; keep_log and keep_term
     * only for SCN_KEEP_COUNTS. */
    enum scn_keep keep;
    uint64_t keep_log;
    uint64_t keep_term;
    /* SET_DISK: the timing, and the nodes it applies to after `on` (empty:
     * every node). */
    struct scn_disk_latency disk;
    struct scn_node_list nodes;
    /* CHANGE: the changes in file order (at least one; `add n4` alone is
     * one change with SCN_TRANSITION_AUTO, printed without `change`), no
     * static node twice, and the transition. */
    size_t change_count;
    struct scn_change *changes; /* owned, `change_count` elements */
    enum scn_transition transition;
};

/* When a step's action happens. */
enum scn_when {
    /* `at T ACTION`: the action runs (or the check must hold) at time_us;
     * end_us == time_us. */
    SCN_WHEN_AT = 1,
    /* `at A..B expect CHECK`: the check holds at some instant in
     * [time_us, end_us] (eventually). The action is always EXPECT. */
    SCN_WHEN_EVENTUALLY,
    /* `during A..B expect CHECK`: the check holds after every event in
     * [time_us, end_us] (always). The action is always EXPECT. */
    SCN_WHEN_ALWAYS,
};

/* One timed statement. */
struct scn_step
{
    enum scn_when when;
    uint64_t time_us; /* T, or the window's start A */
    uint64_t end_us;  /* the window's end B (> time_us); T for SCN_WHEN_AT */
    struct scn_action action;
    /* Extension `at T when SUBJECT EVENT ACTION` (only with SCN_WHEN_AT,
     * never with EXPECT): armed at T, the action runs once, right after the
     * engine step in which `subject` first does `event` (after the
     * statement ran). subject is a node, a name, `leader` or `follower`
     * (resolved when armed), or `any` (whichever node does it first); its
     * `as NAME` binds the node that did it, usable in the action. */
    bool triggered;
    struct scn_node_ref subject;
    enum scn_event event;
    /* Where the statement starts in the file, 1-based (column counts
     * characters; a tab is one). For failure reports. */
    uint32_t line;
    uint32_t column;
    /* Kept in one of its scenario's step blocks (scn_scenario_new_step()):
     * scn_step_free() frees what it owns, and the block goes with the
     * scenario. */
    bool in_block;
};

/* `init NODE term T [vote NODE] [log T1 T2 ...]`: a node's durable state at
 * time 0. Entry I (1-based) has term log_terms[I-1] and command `set eI I`.
 * Terms are non-decreasing and at most `term`. */
struct scn_init
{
    uint32_t node; /* 1..cluster */
    uint64_t term;
    uint32_t vote; /* 1..cluster, or 0 for no vote */
    size_t log_len;
    uint64_t *log_terms; /* owned, log_len elements (NULL when 0) */
    uint32_t line;       /* where it was written */
    uint32_t column;     /* of its node */
};

/* One per-node `disk-latency ... on NODE...` header. */
struct scn_disk
{
    struct scn_disk_latency latency;
    size_t n_nodes;
    uint32_t *nodes; /* owned: node ids, 1..cluster, distinct */
    uint32_t line;   /* where it was written */
};

/* One parsed scenario. Every header field holds its default unless the
 * matching has_* flag says the file gave it. */
struct scn_scenario
{
    char *file_name; /* the display name it was parsed from; owned */

    uint32_t cluster; /* 1..SCN_CLUSTER_MAX; required */
    /* Extension `cluster N spare M`: nodes n(N+1)..n(N+M) exist from time
     * 0 outside the configuration (0: none); cluster + spare is at most
     * SCN_CLUSTER_MAX. Node ids range over 1..cluster + spare. */
    uint32_t spare;
    uint64_t seed;    /* default 1 */
    bool has_seed;
    uint64_t run_us; /* when the simulation ends; default 10s */
    bool has_run;
    char *title; /* owned; default: the file name without directories */
    bool has_title;
    uint64_t election_timeout_us_min; /* default 150ms */
    uint64_t election_timeout_us_max; /* default 300ms */
    bool has_election_timeout;
    uint64_t heartbeat_us; /* default 50ms */
    bool has_heartbeat;
    uint64_t delay_us_min; /* default 1ms */
    uint64_t delay_us_max; /* default 10ms */
    bool has_delay;
    uint32_t drop_ppm; /* default 0 */
    bool has_drop;
    uint32_t duplicate_ppm; /* default 0 */
    bool has_duplicate;
    uint32_t reorder_ppm; /* default 0 */
    bool has_reorder;
    bool prevote; /* default off */
    bool has_prevote;
    bool checkquorum; /* default off */
    bool has_checkquorum;
    uint64_t client_timeout_us; /* default 500ms */
    bool has_client_timeout;
    uint64_t snapshot_every; /* entries; 0 (default) never */
    bool has_snapshot_every;
    /* Extension `max-uncommitted BYTES`: raft_config.max_uncommitted_bytes
     * of every node; 0 (default) no limit. */
    uint64_t max_uncommitted;
    bool has_max_uncommitted;
    /* Extension `snapshot-chunk BYTES`: snapshot data per InstallSnapshot,
     * 0..SCN_SNAPSHOT_CHUNK_MAX; 0 (default): the whole snapshot in one. */
    uint32_t snapshot_chunk_bytes;
    bool has_snapshot_chunk;
    /* Extension `reads MODE`: the mode of every get that names none (loads'
     * too); SCN_READ_LOG (default), SCN_READ_INDEX or SCN_READ_LEASE. */
    enum scn_read_mode reads;
    bool has_reads;
    /* Extension `lease-drift-bound D`: raft_config.lease_drift_bound; 0
     * (default). */
    uint64_t lease_drift_bound_us;
    bool has_lease_drift_bound;
    /* Extension `disk-latency WRITE SYNC`: the writes of an update are
     * durable disk_write_us + disk_sync_us after it, in FIFO order (the
     * engine's disk model). Defaults 100us and 900us. */
    uint64_t disk_write_us;
    uint64_t disk_sync_us;
    /* `disk-latency A..B C..D`: the ranges' widths (0: constant). */
    uint64_t disk_write_jitter_us;
    uint64_t disk_sync_jitter_us;
    bool has_disk_latency;
    /* Extension `disk-latency LATENCY [LATENCY] on NODE...`: struct
     * scn_disk *, file order; a node is in one of them at most, and its
     * disk uses that timing instead of the one above. */
    GPtrArray *disks;
    /* Extension `trace-hash HASH [by "BUILD"]`: the trace hash the run of
     * this file had when it was written (a reproducer records it), and the
     * build that wrote it (owned; NULL when not given). It does not change
     * the run: the runner compares it with the run's hash and warns when
     * they differ. */
    uint64_t trace_hash;
    char *trace_build;
    bool has_trace_hash;

    GPtrArray *inits; /* struct scn_init *, file order, one per node at most */
    GPtrArray *steps; /* struct scn_step *, file order, time non-decreasing */
    GPtrArray *names; /* char *: the name of each `as` slot, slot order */
    /* Blocks of steps made by scn_scenario_new_step(), newest first;
     * owned, freed after every step. */
    struct scn_step_block *step_blocks;
};

/* Returns a scenario holding every default, cluster 0, no steps, with
 * file_name and title set to copies of `file_name` (copied; NULL means
 * "<input>"). The parser fills it; the fuzzer may build one by hand. */
struct scn_scenario *scn_scenario_new(const char *file_name);

/* Every node of `scenario` (borrowed): its voters and its spares. */
static inline uint32_t scn_scenario_nodes(const struct scn_scenario *scenario)
{
    return scenario->cluster + scenario->spare;
}

/* The default bound of `settle` in `scenario` (borrowed): ten election
 * timeouts (the header's maximum) plus two client timeouts. */
uint64_t scn_settle_bound_us(const struct scn_scenario *scenario);

/* How long a leader must stay in place for `settle` to hold: two election
 * timeouts (the header's maximum) of `scenario` (borrowed). */
uint64_t scn_settle_stable_us(const struct scn_scenario *scenario);

/* Frees `scenario` and everything it owns. NULL is a no-op. */
void scn_scenario_free(struct scn_scenario *scenario);

/* Frees what `action` owns (not `action` itself) and zeroes it. */
void scn_action_clear(struct scn_action *action);

/* Sets action->key (`value` false) or action->value (true), which must be
 * NULL, to a copy of the len bytes at text followed by a NUL: in the
 * action's room when they fit, else in a block of their own. */
void scn_action_set_text(struct scn_action *action,
                         bool value,
                         const char *text,
                         size_t len);

/* Where scn_action_set_text() would copy len bytes: sets action->key
 * (`value` false) or action->value (true), which must be NULL, to room
 * for len bytes and a NUL (the action's room when they fit, else a block
 * of its own) and returns it, for the caller to fill. */
char *scn_action_text_room(struct scn_action *action, bool value, size_t len);

/* Frees action->key and action->value wherever they are kept, and sets
 * them NULL: the way to drop them (never g_free()). */
void scn_action_drop_texts(struct scn_action *action);

/* A zeroed step (in_block set) kept in a block of `scenario`, for makers of
 * many steps (the fuzzer): it costs a fraction of a block of its own. It
 * belongs in scenario->steps and no other scenario's; scn_step_free()
 * frees what it owns and the scenario frees its block. */
struct scn_step *scn_scenario_new_step(struct scn_scenario *scenario);

/* Frees `step` and what it owns. Usable as a GDestroyNotify. */
void scn_step_free(void *step);

/* Frees `init` and what it owns. Usable as a GDestroyNotify. */
void scn_init_free(void *init);

/* Frees `disk` and what it owns. Usable as a GDestroyNotify. */
void scn_disk_free(void *disk);

/* Appends a copy of `ref` to `list` (both borrowed; list grows). */
void scn_node_list_append(struct scn_node_list *list,
                          const struct scn_node_ref *ref);

/* Frees what `list` owns and empties it. */
void scn_node_list_clear(struct scn_node_list *list);

/* True when `a` and `b` describe the same run: every header field that was
 * given (and its has_* flag), the inits, the steps (ignoring their source
 * line and column) and the names. file_name is ignored, and the title only
 * counts when given. Both borrowed. */
bool scn_scenario_equal(const struct scn_scenario *a,
                        const struct scn_scenario *b);

/* Stable lower-case keywords, as written in .scn files: "crash",
 * "set drop", "client set", "no-leader", "==", "follower", "majority"... */
const char *scn_action_kind_name(enum scn_action_kind kind);
const char *scn_check_kind_name(enum scn_check_kind kind);
const char *scn_cmp_name(enum scn_cmp cmp);
const char *scn_role_name(enum scn_role role);
/* "add", "add ... as learner" is "add", "promote", ... as written. */
const char *scn_change_kind_name(enum scn_change_kind kind);
/* "", "joint", "joint-explicit" as written after `change`. */
const char *scn_transition_name(enum scn_transition transition);
/* "grants-vote", "acks-append", ... as written after `when NODE`. */
const char *scn_event_name(enum scn_event event);

/* True when `actual cmp expected` holds. */
bool scn_cmp_holds(enum scn_cmp cmp, uint64_t actual, uint64_t expected);

#endif /* SCN_AST_H */
