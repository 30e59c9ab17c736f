/* sim_internal.h: the engine's shared state (private to sim/).
 *
 * struct sim owns every node, client, queue entry and message. Nodes live in
 * an array indexed by id (slot 0 unused), clients in an array indexed by
 * id - 1, so iteration order is always by id. Every random draw comes from
 * one of the streams in here, each seeded from the run's seed and its stream
 * number only.
 */
#ifndef SIM_INTERNAL_H
#define SIM_INTERNAL_H

#include <glib.h>
#include <inttypes.h>

#include "sim/check/sim_conduct.h"
#include "sim/sim.h"
#include "sim/sim_assert.h"
#include "sim/sim_disk.h"
#include "sim/sim_net.h"
#include "sim/sim_progress.h"
#include "sim/sim_queue.h"
#include "sim/sim_rng.h"
#include "sim/sim_tracer.h"

/* What a queued struct sim_event means. */
enum sim_event_kind {
    SIM_EV_DELIVER = 1,    /* ptr: struct sim_msg; node: destination */
    SIM_EV_TIMER,          /* node; arg: timer generation */
    SIM_EV_DISK,           /* node; arg: batch id */
    SIM_EV_RESUME,         /* node; arg: pause generation */
    SIM_EV_CLIENT_REQUEST, /* ptr: struct sim_cmsg; node: destination */
    SIM_EV_CLIENT_REPLY,   /* ptr: struct sim_cmsg; node: client id */
    SIM_EV_CLIENT_TIMEOUT, /* node: client id */
    SIM_EV_CALLBACK,       /* arg: the function's place in struct sim's
                              callbacks, ptr: its ctx; or arg
                              SIM_CALLBACK_BOXED, ptr: struct sim_scheduled */
    SIM_EV_LOAD,           /* ptr: struct sim_load_gen (owned by sim) */
    SIM_EV_OPERATOR,       /* ptr: struct sim_op_request (owned by sim) */
};

/* One operator request (sim_member.c), retried until accepted. */
struct sim_op_request
{
    uint64_t id;       /* from 1, in order of request */
    uint64_t attempts; /* made so far */
    bool transfer;     /* a leadership transfer, else a membership change */
    uint32_t target;   /* transfer only */
    enum raft_transition transition;
    size_t n_changes;
    struct raft_change *changes; /* owned */
    char *text;                  /* owned: what, for the trace */
};

/* Numbers of the per-node timer streams: SIM_STREAM_NODE_BASE + node id. */
#define SIM_STREAM_NODE_BASE 16
/* Numbers of the per-node disk streams (latency draws, drawn crash losses):
 * SIM_STREAM_DISK_BASE + node id, keyed by instant, so a disk draw depends
 * on no other draw. */
#define SIM_STREAM_DISK_BASE 1024

/* Functions sim_at() names without allocating (struct sim's callbacks),
 * and the arg of a callback boxed in a struct sim_scheduled. */
#define SIM_CALLBACK_FNS 8
#define SIM_CALLBACK_BOXED UINT64_MAX

struct sim_scheduled
{
    sim_callback_fn *fn;
    void *ctx;
};

/* A proposal this node made as leader, waiting to be applied so that the
 * node can answer the client. Sorted by index. */
struct sim_proposal
{
    uint64_t index;
    uint64_t term;
    uint64_t request;
    uint32_t client;
};

/* A leadership transfer as the trace follows it (sim_observe.c). */
enum sim_transfer_state {
    SIM_TRANSFER_NONE = 0,
    SIM_TRANSFER_RUNNING, /* traced `start`, its leader still leads */
    SIM_TRANSFER_WAITING, /* its leader stepped down or crashed: the next
                             leader elected tells the outcome */
    SIM_TRANSFER_ENDED,   /* outcome traced; the core may still report it
                             until its leader notices the new term */
};

struct sim_node
{
    uint32_t id;
    bool alive;
    bool paused;
    uint32_t incarnation; /* +1 at every crash */
    uint64_t pause_gen;
    uint64_t paused_until_us;
    struct raft *core; /* NULL when crashed */
    struct sim_kv *kv; /* NULL when crashed */
    struct sim_disk disk;
    /* Keyed draws (sim_rng_seed_instant): the core's timer seed at each
     * start, and each disk draw (a batch's latency, a crash's losses), keyed
     * by the node, the instant and the draw's rank at that instant. */
    struct sim_rng_instant started;
    struct sim_rng_instant disk_drawn;
    struct sim_disk_latency disk_latency;

    /* Clock: local = local_base + (now - global_base) * rate_ppm / 1e6. */
    uint64_t rate_ppm;
    uint64_t local_base_us;
    uint64_t global_base_us;

    /* The core's next deadline in global time, and the pending timer event
     * (at most one is current: the one with timer_gen). */
    uint64_t deadline_us;
    uint64_t deadline_local_us; /* the same in the node's clock */
    uint64_t timer_at_us;       /* UINT64_MAX: none pending */
    uint64_t timer_gen;
    /* The election deadline last traced (SIM_TRACE_TIMER); UINT64_MAX: none
     * or the node leads. */
    uint64_t traced_deadline_us;
    /* A leader's matchIndex and nextIndex per peer as last traced
     * (SIM_TRACE_PROGRESS); indexed by peer id, reset on every role change. */
    uint64_t traced_match[SIM_MAX_NODES + 1];
    uint64_t traced_next[SIM_MAX_NODES + 1];
    /* raft_progress_version() of the core when the pairs were last
     * compared with the traced ones; 0: compare at the next step. */
    uint64_t traced_progress_version;

    /* The configuration last traced (SIM_TRACE_CONFIG, sim_observe.c):
     * its ids (voters, outgoing voters, learners back to back; owned, NULL
     * before the first), their counts, and the index of its entry. */
    uint64_t *traced_conf;
    size_t traced_conf_n[3];
    uint64_t traced_conf_index;
    /* raft_configuration_version() of the core when its configuration was
     * last compared with the traced one; 0: compare at the next step. */
    uint64_t traced_conf_version;
    /* The leadership transfer this node last started as leader, the term
     * it led in, and where it stands (sim_observe.c). */
    uint32_t transfer_target;
    uint64_t transfer_term;
    enum sim_transfer_state transfer_state;

    /* What observers last saw. */
    enum raft_role role;
    uint64_t term;
    uint64_t leader;
    uint64_t commit;
    uint64_t applied; /* last applied log index */
    uint64_t since_snapshot;

    /* Gets served without the log (sim_read.c): struct sim_read, in the
     * order they were accepted; read_seq names the next one. */
    GArray *reads;
    uint64_t read_seq;

    GArray *proposals; /* struct sim_proposal from props_head on */
    size_t props_head;
    GArray *deferred; /* struct sim_event waiting for the pause to end */
};

/* A client <-> node message; one allocation with its bytes. */
struct sim_cmsg
{
    uint32_t client;
    uint32_t node;
    uint64_t request;
    uint32_t dest_incarnation;
    bool reply;
    bool redirect; /* reply: not leader (or failed); see leader_hint */
    /* redirect: the leader refused for now (RAFT_EBUSY, RAFT_ENOSPC); the
     * client retries after a backoff at leader_hint, or at this node when
     * it is 0 (sim_client_reply_busy()). */
    bool busy;
    uint32_t leader_hint;
    uint64_t term; /* redirect: the answering node's current term */
    enum sim_read_mode read_mode; /* request: how to serve a GET */
    bool found;    /* reply to GET */
    bool has_value;
    /* The pool whose block this is (the clients'), NULL: an allocation
     * of its own (sim_cmsg_free()). */
    struct sim_pool *pool;
    size_t len; /* request: command bytes; reply: value bytes + NUL */
    unsigned char data[];
};

struct sim_client
{
    uint32_t id;
    bool busy;
    bool closed_loop;
    uint64_t closed_until_us;
    uint64_t request; /* current request id, from 1 */
    uint64_t invoked_us; /* when the current request was issued */
    enum sim_kv_op op;
    enum sim_read_mode read_mode; /* of a GET; SIM_READ_LOG otherwise */
    char *key;   /* the current request's key: key_buf */
    char *value; /* its value (key_buf's neighbour value_buf), NULL: none */
    char *key_buf; /* reused from request to request; key_cap bytes */
    char *value_buf;
    size_t key_cap;
    size_t value_cap;
    uint64_t op_id;  /* history id, UINT64_MAX: none */
    uint64_t handle; /* sim_client_request() handle, UINT64_MAX: none */
    uint32_t leader; /* the node it believes leads; 0: unknown */
    /* While idle: the client below it on the idle stack (struct sim's
     * idle_top); 0: none. In the padding before leader_term, so that a
     * client's record, which sim_memory_bytes() charges, keeps its size. */
    uint32_t next_idle;
    /* The term of the redirect that named `leader`; 0: learned otherwise. */
    uint64_t leader_term;
    uint32_t last_node;
    uint32_t via;
    uint64_t tried[4]; /* bit per node id tried for this request */
    /* The current request's draws (first node, retries, message delays),
     * keyed by the request's draw key. */
    struct sim_rng rng;
    /* A closed-loop client's ops and keys, keyed by the client's id. */
    struct sim_rng work_rng;
    /* [node]: how the node last answered "not leader" to this request:
     * 2 * term + 1 knowing no leader, 2 * term + 2 naming another one; 0: it
     * has not. n + 1 entries, owned. */
    uint64_t *refused;
    uint64_t timeout_at_us; /* UINT64_MAX: none */
    bool timer_pending;
    /* After a busy refusal: the node to retry at when the backoff ends (its
     * SIM_EV_CLIENT_TIMEOUT carries the request id); 0: none. */
    uint32_t retry_node;
    uint64_t retry_at_us;
    /* The leader that last refused the current request for now, and its
     * term (0: none yet for this request): a redirect naming it in that
     * term is followed after a backoff too, whatever node the client asked
     * since. */
    uint32_t busy_node;
    uint64_t busy_term;
    /* The encoded command: cmd_len of cmd_cap bytes (owned), rewritten in
     * place for each request. */
    uint8_t *cmd;
    size_t cmd_len, cmd_cap;
};

struct sim_request_rec
{
    bool completed;
    bool found;
    char *result;
};

struct sim_load_gen
{
    struct sim_rng rng; /* ops and keys, keyed by the load's draw key */
    uint64_t key;       /* its k-th request's draw key: (key, k) */
    uint64_t start_us;
    uint64_t rate_per_ks; /* requests per 1000 s; 0: spread over span_us */
    uint64_t span_us;     /* when rate_per_ks is 0: k-th at k*span/total */
    bool writes_only;     /* every request a set */
    uint64_t total;
    uint64_t issued;
    uint32_t via;
};

/* What sim_standing_version() numbers: `version` grows (sim_standing_moved())
 * whenever a node's liveness, pause, role, term, known leader or latest
 * configuration, or a link, may have changed; it starts at 1. `leader` is
 * sim_current_leader() as computed at `leader_version` (0: never), which
 * reads only what the version covers, so it is still the answer while
 * the two are equal. */
struct sim_standing
{
    uint64_t version;
    uint64_t leader_version;
    uint32_t leader;
};

/* struct sim's attention bits. */
enum {
    SIM_ATTEND_OBSERVER = 1, /* observer != NULL */
    SIM_ATTEND_FAILURE = 2,  /* failure != NULL */
    SIM_ATTEND_STOPPED = 4,  /* stopped */
};

struct sim
{
    struct sim_config cfg; /* init cleared; see init below */
    uint64_t now_us;
    uint64_t events;
    bool stopped;
    /* What the run loop has to do after an event, as SIM_ATTEND_* bits:
     * an observer is set, a violation was recorded, the run was stopped
     * (kept by sim_set_observer(), record_failure() and sim_stop()), so
     * that an event with none costs one test and one with only an
     * observer two. */
    uint8_t attention;
    struct sim_queue q;
    struct sim_net net;
    uint64_t client_key; /* SIM_STREAM_CLIENTS: requests' keys under it */
    struct sim_rng fault_rng;
    uint64_t workload_key; /* SIM_STREAM_WORKLOAD: loads' keys under it */
    uint32_t n;
    struct sim_node *nodes; /* [0 .. n], slot 0 unused */
    uint64_t *voters;
    struct raft_config rcfg;
    struct sim_safety *safety; /* NULL when checkers are off */
    struct sim_conduct *conduct; /* per-step rules; NULL when checkers are off */
    struct sim_tracer tracer;
    struct sim_history *history; /* NULL when off */
    struct sim_failure *failure;
    union {
        /* Unused since events are no longer built in a slot of their own
         * once the trace has ended; kept so that the size of struct sim,
         * which the memory budget charges, stays the same. */
        struct sim_trace_event discarded;
        /* The distinct functions sim_at() was given, in order of first use:
         * a queued SIM_EV_CALLBACK names its function by its place here
         * (arg) and carries its ctx (ptr), so that scheduling allocates
         * nothing. Past SIM_CALLBACK_FNS functions, a callback is boxed in
         * a struct sim_scheduled (arg SIM_CALLBACK_BOXED). */
        struct
        {
            sim_callback_fn *fn[SIM_CALLBACK_FNS];
            uint32_t n;
        } callbacks;
    };

    GArray *clients;  /* struct sim_client, [id - 1] */
    /* What the clients last read of each node's configuration, [id] for
     * ids 1 to n; [0] their last live members and the standing's version
     * they were found at (sim_members.h, sim_client_live_members()). */
    struct sim_client_conf *client_confs;
    /* The idle pool clients, a stack threaded through their records
     * (struct sim_client's next_idle): the id of its top; 0: none. */
    uint32_t idle_top;
    GArray *requests; /* struct sim_request_rec by handle */
    /* Released client message blocks of SIM_CMSG_POOLED_BYTES (owned). */
    struct sim_pool cmsgs;
    uint64_t requests_invoked;
    uint64_t requests_completed;
    uint64_t completed_by_op[4];
    uint64_t workload_values;
    /* The text of workload value workload_text_value (sim_client.c), of
     * workload_text_len characters; 0: none yet. */
    char workload_text[SIM_WORKLOAD_VALUE_MAX + 1];
    size_t workload_text_len;
    uint64_t workload_text_value;
    GPtrArray *loads; /* struct sim_load_gen, owned */
    /* Operator requests by id - 1 (struct sim_op_request, owned); a
     * pending one is also the ptr of its queued SIM_EV_OPERATOR. */
    GPtrArray *op_requests;

    sim_callback_fn *observer;
    void *observer_ctx;
    sim_listener_fn *listener;
    void *listener_ctx;
    /* Bit 1 << kind: the listener hears it; zero while there is no
     * listener, so that one bit test per event decides. */
    uint64_t listener_kinds;

    struct sim_counters counters;
    /* Commands decoded once for every node that applies them (owned). */
    struct sim_kv_decoder *kv_decoder;
    /* The pool the cores make their proposals' records in (owned, freed
     * last: every record is released by then; NULL: none, under
     * AddressSanitizer); not charged by sim_memory_bytes(). */
    struct raft_record_pool *records;
    /* The standing's version and the current leader's memo (struct
     * sim_standing); not charged by sim_memory_bytes(). */
    struct sim_standing standing;
};

_Static_assert(sizeof(((struct sim *)0)->callbacks) <=
                   sizeof(struct sim_trace_event),
               "the callbacks' table takes no room of its own in struct sim");

/* Something sim_standing_version() covers may have changed: called right
 * after the change, before anything can ask. */
static inline void sim_standing_moved(struct sim *s)
{
    s->standing.version++;
}

/* sim.c */
/* The argument checks the configuration and the fault actions share
 * (sim_faults.c, sim_query.c). */
bool sim_valid_ppm(uint32_t ppm);
bool sim_disk_latency_valid(const struct sim_disk_latency *l);
bool sim_valid_node(const struct sim *s, uint32_t node);
void sim_emit(struct sim *s, struct sim_trace_event *e);
/* The listener hears the last event, read back from its slot of the ring,
 * with its whole text (NULL: the slot's, if any). */
void sim_emit_heard(struct sim *s, const char *text);

/* sim_emit() for the engine's most frequent events (send, deliver, timer;
 * commit, apply, disk sync and a leader's progress), which carry no text:
 * v is a local record the caller filled (its seq, time_us, text and
 * groups are ignored), recorded exactly as sim_emit() would record a copy
 * of it. Always inline, so that v stays in registers (sim_tracer_put()). */
static inline __attribute__((always_inline)) void
sim_emit_fields(struct sim *s, const struct sim_trace_event *v)
{
    if (s->failure)
        return;
    /* A heard event's slot is written (sim_tracer_listen()). */
    if (sim_tracer_put(&s->tracer, v, s->now_us) &&
        (s->listener_kinds >> v->kind & 1))
        sim_emit_heard(s, NULL);
}
/* sim_emit_fields() of an event with text (NULL: none) whose length
 * (strlen(text)) the caller has: recorded exactly as sim_emit() would
 * record a copy of v with that text (no line, no groups); the listener
 * hears it with the whole text. */
static inline __attribute__((always_inline)) void
sim_emit_text(struct sim *s,
              const struct sim_trace_event *v,
              const char *text,
              size_t text_len)
{
    if (s->failure)
        return;
    if (sim_tracer_put_text(&s->tracer, v, s->now_us, text, text_len) &&
        (s->listener_kinds >> v->kind & 1))
        sim_emit_heard(s, text);
}
/* Records the first violation (if any) from the safety checker. */
void sim_safety_failed(struct sim *s);
/* Schedules one event (the queue's copy). Inline: the engine pushes about
 * one event per event it processes, and the queue's push is the work. */
static inline void sim_push(struct sim *s,
                            uint64_t time_us,
                            uint32_t kind,
                            uint32_t node,
                            uint64_t arg,
                            void *ptr)
{
    /* The clock never runs back: nothing is scheduled before now. */
    SIM_ASSERT(time_us >= s->now_us,
               "event kind %u for n%u at %" PRIu64 " us, before now (%" PRIu64
               " us)",
               kind, node, time_us, s->now_us);
    sim_queue_add(&s->q, time_us, kind, node, arg, ptr);
}

/* sim_node.c: a node's clock, setup, timers, sending and events */
void sim_node_setup(struct sim *s, struct sim_node *nd, uint32_t id);
void sim_node_teardown(struct sim *s, struct sim_node *nd);
/* The node's clock at global_us (see struct sim_node); the undrifted case
 * is inline, as it is read several times per event. */
uint64_t sim_node_local_at_drifted(const struct sim_node *nd,
                                   uint64_t global_us);
static inline uint64_t sim_node_local_at(const struct sim_node *nd,
                                         uint64_t global_us)
{
    if (nd->rate_ppm != 1000000u)
        return sim_node_local_at_drifted(nd, global_us);
    uint64_t elapsed = global_us - nd->global_base_us;
    return elapsed > UINT64_MAX - nd->local_base_us
               ? UINT64_MAX
               : nd->local_base_us + elapsed;
}
static inline uint64_t sim_node_local_now(const struct sim *s,
                                          const struct sim_node *nd)
{
    return sim_node_local_at(nd, s->now_us);
}
void sim_node_set_rate(struct sim *s, struct sim_node *nd, uint64_t rate_ppm);
/* A leader's matchIndex for peer (a node id, 1 to n), as the rules read it
 * after each message it handles (sim_rules.h): the traced one while the
 * core's progress version holds (sim_progress.h). */
static inline uint64_t sim_node_leader_match(const struct sim_node *nd,
                                             uint32_t peer)
{
    return sim_progress_match(nd->core, nd->traced_progress_version,
                              nd->traced_match, nd->id, peer);
}
/* Arms the node's one current timer at its local time local_us
 * (UINT64_MAX: none); now is the node's clock at this instant. */
void sim_node_arm_timer(struct sim *s,
                        struct sim_node *nd,
                        uint64_t now,
                        uint64_t local_us);
/* Sends msg (transferred) through the network, or traces its loss. */
void sim_node_send_msg(struct sim *s, struct sim_msg *msg);
/* Traces the loss of msg for the reason why and counts it as dropped. */
void sim_node_trace_drop(struct sim *s,
                         const struct sim_msg *msg,
                         const char *why);
void sim_node_on_timer(struct sim *s, const struct sim_event *ev);
void sim_node_on_deliver(struct sim *s, const struct sim_event *ev);
void sim_node_on_disk(struct sim *s, const struct sim_event *ev);
void sim_node_on_resume(struct sim *s, const struct sim_event *ev);
/* Keeps ev for when the paused node resumes. */
void sim_node_defer(struct sim_node *nd, const struct sim_event *ev);
/* Traces a client request lost because its destination is down. */
void sim_node_trace_client_drop(struct sim *s, const struct sim_cmsg *cm);

/* sim_client.c: a client message with data_len bytes of data, its header
 * zeroed; one that fits in SIM_CMSG_POOLED_BYTES takes a block of the
 * clients' pool (recycled, carved from chunks of SIM_CMSG_POOL_CHUNK
 * blocks: sim_pool.h), as the network's messages do. Released with
 * sim_cmsg_free() (s may be NULL: the block knows its pool) before the
 * clients are destroyed. */
#define SIM_CMSG_POOLED_BYTES 256u
#define SIM_CMSG_POOL_CHUNK 64u
struct sim_cmsg *sim_cmsg_new(struct sim *s, size_t data_len);
void sim_cmsg_free(struct sim *s, struct sim_cmsg *cm);

/* sim_node_life.c: start, crash and the operator's requests */
/* Builds the core and kv from the disk's durable state. */
int sim_node_start(struct sim *s, struct sim_node *nd, bool restart);
/* keep_log, keep_term: as sim_crash_keeping(). */
void sim_node_crash(struct sim *s,
                    struct sim_node *nd,
                    uint64_t keep_log,
                    uint64_t keep_term);
int sim_node_campaign(struct sim *s, struct sim_node *nd);
/* The leader's core takes an operator request: RAFT_OK (the update is
 * processed) or the core's refusal (nothing changed). */
int sim_node_change_membership(struct sim *s,
                               struct sim_node *nd,
                               const struct raft_change *changes,
                               size_t n,
                               enum raft_transition t,
                               uint64_t *index);
int sim_node_transfer(struct sim *s, struct sim_node *nd, uint32_t target);

/* sim_node_update.c: the host duties for each raft_update */
/* Hands an update of nd's core to the host duties of raft.h (persist, send,
 * apply, re-arm); input and received are for the rules of conduct; now is
 * the node's clock at this instant (sim_node_local_now()), as the call that
 * made the update was given it. */
void sim_node_process_update_at(struct sim *s,
                                struct sim_node *nd,
                                uint64_t now,
                                struct raft_update *u,
                                enum sim_conduct_input input,
                                const struct raft_message *received);
static inline void sim_node_process_update(struct sim *s,
                                           struct sim_node *nd,
                                           struct raft_update *u,
                                           enum sim_conduct_input input,
                                           const struct raft_message *received)
{
    sim_node_process_update_at(s, nd, sim_node_local_now(s, nd), u, input,
                               received);
}
/* Seeds rng for one disk draw of the node now (see SIM_STREAM_DISK_BASE). */
void sim_node_disk_draw(struct sim *s,
                        struct sim_node *nd,
                        struct sim_rng *rng);
/* The terms of n entries as runs ("1x3 2x1c"; NULL when n is 0), for the
 * trace; the caller frees the result with g_free(). */
char *sim_node_entry_terms_text(const struct raft_entry *entries, size_t n);

/* sim_propose.c */
/* Client requests reaching a node, proposed in batches. */
void sim_node_on_client_request(struct sim *s, const struct sim_event *ev);
/* Frees what a queued or deferred event owns. */
void sim_event_free_payload(const struct sim_event *ev);

/* A get this node serves without the log, waiting for its read index (from
 * the core) and then for the node to apply it. */
struct sim_read
{
    uint64_t id;    /* the core's read id; 0: a lease read */
    uint64_t index; /* the read index, once known */
    bool known;
    uint32_t client;
    uint64_t request;
};

/* sim_read.c */
/* Serves a client's get in cm->read_mode (not SIM_READ_LOG) on a live,
 * running node; cm is borrowed. */
void sim_read_request(struct sim *s,
                      struct sim_node *nd,
                      const struct sim_cmsg *cm);
/* After each update: takes the core's read outcomes, then answers the
 * reads whose index the node has applied. */
void sim_read_on_update(struct sim *s,
                        struct sim_node *nd,
                        const struct raft_update *u);

/* sim_client.c */
/* The key of client's request if the client still waits for it, else NULL;
 * borrowed until the client's next request. */
const char *sim_client_pending_key(const struct sim *s,
                                   uint32_t client,
                                   uint64_t request);
void sim_clients_init(struct sim *s);
void sim_clients_destroy(struct sim *s);
void sim_client_on_reply(struct sim *s, const struct sim_event *ev);
void sim_client_on_timeout(struct sim *s, const struct sim_event *ev);
void sim_client_on_load(struct sim *s, const struct sim_event *ev);
/* A node answers a client: reply (may be NULL for a redirect); term is the
 * node's current term (read by the client for redirects). */
void sim_client_reply(struct sim *s,
                      uint32_t node,
                      uint32_t client,
                      uint64_t request,
                      bool redirect,
                      uint32_t leader_hint,
                      uint64_t term,
                      const struct sim_kv_reply *reply);

/* A leader refuses a client's request for now (RAFT_EBUSY: its no-op is not
 * committed or a leadership transfer runs; RAFT_ENOSPC: too much of its log
 * is uncommitted): the client retries one heartbeat interval later, at the
 * transfer target while a transfer runs, else at this node. */
void sim_client_reply_busy(struct sim *s,
                           struct sim_node *nd,
                           uint32_t client,
                           uint64_t request);

/* sim_member.c */
void sim_member_on_operator(struct sim *s, const struct sim_event *ev);
void sim_member_init(struct sim *s);
void sim_member_destroy(struct sim *s);

#endif /* SIM_INTERNAL_H */
