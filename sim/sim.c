/* sim.c: the engine's configuration, lifecycle, run loop, failures and
 * results (the fault actions are sim_faults.c's, the queries sim_query.c's).
 *
 * Invariant: the clock only moves forward, to the time of the event being
 * processed (or to the target of sim_run_until); every event is processed in
 * (time, seq) order; after the first safety violation no further event is
 * processed.
 */
#include <inttypes.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "sim/sim_time_text.h"

static const char *const error_names[SIM_ERROR_COUNT] = {
    [SIM_OK] = "ok",
    [SIM_EINVAL] = "invalid argument",
    [SIM_ENOTALIVE] = "node is crashed",
    [SIM_EALIVE] = "node is not crashed",
    [SIM_EVIOLATION] = "safety violation",
    [SIM_ESTOPPED] = "run stopped",
    [SIM_ECORE] = "raft core error",
};

const char *sim_strerror(int code)
{
    if (code < 0 || code >= SIM_ERROR_COUNT)
        return "unknown error";
    return error_names[code];
}

void sim_config_init(struct sim_config *c)
{
    memset(c, 0, sizeof(*c));
    c->n_nodes = 3;
    c->seed = 1;
    c->election_timeout_us_min = 150000;
    c->election_timeout_us_max = 300000;
    c->heartbeat_us = 50000;
    c->delay_us_min = 1000;
    c->delay_us_max = 10000;
    c->client_timeout_us = 500000;
    c->disk_write_us = 100;
    c->disk_sync_us = 900;
    c->checkers = true;
    c->history = true;
    c->recent_events = true;
}

bool sim_valid_ppm(uint32_t ppm)
{
    return ppm <= SIM_PPM_ONE;
}

bool sim_disk_latency_valid(const struct sim_disk_latency *l)
{
    return l->write_us_min <= l->write_us_max &&
           l->sync_us_min <= l->sync_us_max;
}

bool sim_valid_node(const struct sim *s, uint32_t node)
{
    return node >= 1 && node <= s->n;
}

const char *sim_config_check(const struct sim_config *c)
{
    if (c->n_nodes < 1 || c->n_nodes > SIM_MAX_NODES)
        return "the cluster size must be between 1 and 255";
    if (c->n_voters > c->n_nodes)
        return "the bootstrap voters must be nodes of the cluster";
    if (c->election_timeout_us_min == 0 ||
        c->election_timeout_us_min > c->election_timeout_us_max)
        return "the election timeout needs 0 < min <= max";
    if (c->heartbeat_us == 0)
        return "the heartbeat interval must be positive";
    if (c->delay_us_min > c->delay_us_max)
        return "the message delay needs min <= max";
    if (!sim_valid_ppm(c->drop_ppm) || !sim_valid_ppm(c->duplicate_ppm) ||
        !sim_valid_ppm(c->reorder_ppm))
        return "drop, duplicate and reorder are probabilities in [0, 1]";
    if (c->client_timeout_us == 0)
        return "the client timeout must be positive";
    if ((unsigned)c->reads >= SIM_READ_MODE_COUNT)
        return "the read mode is log, read-index or lease";
    if (c->workload_value_len == 1 ||
        c->workload_value_len > SIM_WORKLOAD_VALUE_MAX)
        return "workload values are 2 to 64 bytes long (0: unpadded)";
    if (c->disk) {
        for (uint32_t i = 0; i < c->n_nodes; i++)
            if (!sim_disk_latency_valid(&c->disk[i]))
                return "a disk latency needs min <= max";
    }
    if (c->init) {
        for (uint32_t i = 0; i < c->n_nodes; i++) {
            const struct sim_init_state *in = &c->init[i];
            if (!in->set)
                continue;
            if (in->vote > c->n_nodes)
                return "an init vote names a node outside the cluster";
            if (in->term > RAFT_TERM_MAX)
                return "an init term must be below 2^64 - 1, so that a "
                       "campaign can increment it";
            uint64_t prev = 0;
            for (size_t k = 0; k < in->n_log; k++) {
                if (in->log_terms[k] == 0 || in->log_terms[k] < prev ||
                    in->log_terms[k] > in->term)
                    return "init log terms must be positive, non-decreasing "
                           "and at most the node's term";
                prev = in->log_terms[k];
            }
        }
    }
    return NULL;
}

/* ---- trace and failures -------------------------------------------------- */

void sim_emit(struct sim *s, struct sim_trace_event *e)
{
    /* The trace ends with the violation: the rest of the event that caused
     * it still runs to completion but is not part of the run. */
    if (s->failure)
        return;
    e->time_us = s->now_us;
    sim_tracer_emit(&s->tracer, e);
    if (s->listener_kinds >> e->kind & 1)
        s->listener(s, e, s->listener_ctx);
}

G_GNUC_NO_INLINE void sim_emit_heard(struct sim *s, const char *text)
{
    /* Read back from the ring into a copy (the event's slot is written
     * for the listener whether or not the ring is): the listener may emit
     * enough to reuse the slot. */
    struct sim_trace_event copy;
    sim_tracer_event(&s->tracer, s->tracer.seq, &copy);
    if (text)
        copy.text = text; /* the ring's is cut */
    s->listener(s, &copy, s->listener_ctx);
}

static void record_failure(struct sim *s, const struct sim_violation *v)
{
    if (s->failure)
        return;
    struct sim_failure *f = g_new0(struct sim_failure, 1);
    f->violation = *v;
    f->time_us = s->now_us;
    f->event = s->events + 1;
    f->last_kept = s->tracer.writes_ring;
    f->n_last = sim_tracer_last(&s->tracer, f->last, f->text_buf);
    char text[320];
    g_snprintf(text, sizeof(text), "%s: %s", sim_property_name(v->property),
               v->detail);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_VIOLATION;
    e.node = v->nodes[0];
    e.peer = v->nodes[1];
    e.term = v->term;
    e.index = v->index;
    e.aux = (uint64_t)v->property;
    e.text = text;
    sim_emit(s, &e);
    f->trace_seq = e.seq;
    s->failure = f;
    s->attention |= SIM_ATTEND_FAILURE;
}

void sim_safety_failed(struct sim *s)
{
    const struct sim_violation *v = sim_safety_violation(s->safety);
    if (v)
        record_failure(s, v);
}

const struct sim_failure *sim_get_failure(const struct sim *s)
{
    return s->failure;
}

void sim_failure_print(const struct sim_failure *f, FILE *out)
{
    const struct sim_violation *v = &f->violation;
    GString *at = g_string_new(NULL);
    sim_time_text_human(at, f->time_us);
    fprintf(out,
            "violation: %s at %s, event %" PRIu64 " (trace seq %" PRIu64 ")\n",
            sim_property_name(v->property), at->str, f->event, f->trace_seq);
    g_string_free(at, TRUE);
    fprintf(out,
            "  nodes: n%" PRIu32 " n%" PRIu32 ", term %" PRIu64
            ", index %" PRIu64 "\n",
            v->nodes[0], v->nodes[1], v->term, v->index);
    fprintf(out, "  %s\n", v->detail);
    if (!f->last_kept) {
        fputs("  last events: not kept (recent events off)\n", out);
        return;
    }
    fprintf(out, "  last %zu event%s:\n", f->n_last, f->n_last == 1 ? "" : "s");
    for (size_t i = 0; i < f->n_last; i++) {
        fputs("    ", out);
        sim_trace_write_jsonl(&f->last[i], out);
    }
}

/* ---- lifecycle ----------------------------------------------------------- */

/* Writes node id's `init` log and hard state straight into its durable
 * image. */
static void write_init(struct sim *s,
                       struct sim_node *nd,
                       const struct sim_init_state *in)
{
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, in->term, in->vote);
    if (in->n_log) {
        struct raft_entry *entries = g_new0(struct raft_entry, in->n_log);
        GByteArray **bufs = g_new(GByteArray *, in->n_log);
        for (size_t i = 0; i < in->n_log; i++) {
            char key[32], value[32];
            g_snprintf(key, sizeof(key), "e%zu", i + 1);
            g_snprintf(value, sizeof(value), "%zu", i + 1);
            struct sim_kv_command cmd = {
                .op = SIM_KV_SET,
                .client = 0,
                .request = 0,
                .key = key,
                .value = value,
            };
            bufs[i] = g_byte_array_new();
            sim_kv_encode(&cmd, bufs[i]);
            entries[i].term = in->log_terms[i];
            entries[i].type = RAFT_ENTRY_COMMAND;
            entries[i].data = bufs[i]->data;
            entries[i].len = bufs[i]->len;
        }
        sim_disk_batch_set_entries(b, 1, entries, in->n_log);
        for (size_t i = 0; i < in->n_log; i++)
            g_byte_array_free(bufs[i], TRUE);
        g_free(bufs);
        g_free(entries);
    }
    sim_disk_submit(&nd->disk, b, 0, 0);
    sim_disk_batch_free(sim_disk_complete(&nd->disk));
    (void)s;
}

/* Every node's core configuration (the bootstrap voters n1..nN), and the
 * checkers' view of it. */
static void configure_cores(struct sim *s, const struct sim_config *config)
{
    s->voters = g_new(uint64_t, s->n);
    for (uint32_t i = 0; i < s->n; i++)
        s->voters[i] = i + 1;
    raft_config_init(&s->rcfg);
    s->rcfg.voters = s->voters;
    s->rcfg.n_voters = config->n_voters ? config->n_voters : s->n;
    s->rcfg.election_timeout_min = config->election_timeout_us_min;
    s->rcfg.election_timeout_max = config->election_timeout_us_max;
    s->rcfg.heartbeat_interval = config->heartbeat_us;
    s->rcfg.pre_vote = config->pre_vote;
    s->rcfg.check_quorum = config->check_quorum;
    s->rcfg.lease_drift_bound = config->lease_drift_bound_us;
    if (config->max_entries_per_message)
        s->rcfg.max_entries_per_message = config->max_entries_per_message;
    if (config->max_inflight)
        s->rcfg.max_inflight = config->max_inflight;
    s->rcfg.max_uncommitted_bytes = config->max_uncommitted_bytes;
    s->rcfg.snapshot_chunk_bytes = config->snapshot_chunk_bytes;
    if (s->safety) {
        sim_safety_configure(s->safety, s->rcfg.voters, s->rcfg.n_voters);
        struct sim_conduct_config cc = {
            .n_nodes = s->n,
            .election_timeout_min = s->rcfg.election_timeout_min,
            .election_timeout_max = s->rcfg.election_timeout_max,
            .heartbeat_interval = s->rcfg.heartbeat_interval,
            .pre_vote = s->rcfg.pre_vote,
            .check_quorum = s->rcfg.check_quorum,
        };
        s->conduct = sim_conduct_new(&cc);
    }
}

struct sim *sim_new(const struct sim_config *config)
{
    if (sim_config_check(config) != NULL)
        return NULL;
    struct sim *s = g_new0(struct sim, 1);
    s->cfg = *config;
    s->cfg.init = NULL; /* borrowed only until sim_new() returns */
    s->cfg.disk = NULL;
    s->n = config->n_nodes;
    sim_queue_init(&s->q);
    struct sim_net_params np = {
        .delay_us_min = config->delay_us_min,
        .delay_us_max = config->delay_us_max,
        .drop_ppm = config->drop_ppm,
        .duplicate_ppm = config->duplicate_ppm,
        .reorder_ppm = config->reorder_ppm,
    };
    sim_net_init(&s->net, s->n, &np, config->seed);
    s->client_key = sim_rng_key(config->seed, SIM_STREAM_CLIENTS);
    sim_rng_seed(&s->fault_rng, config->seed, SIM_STREAM_FAULTS);
    s->workload_key = sim_rng_key(config->seed, SIM_STREAM_WORKLOAD);
    sim_tracer_init(&s->tracer, config->record_events, config->trace_jsonl,
                    config->recent_events);
    if (config->checkers)
        s->safety = sim_safety_new(s->n);
    if (config->history)
        s->history = sim_history_new();
    s->kv_decoder = sim_kv_decoder_new();
    s->records = sim_record_pool_new();
    if (config->snapshot_every)
        sim_kv_decoder_share_snapshots(s->kv_decoder);
    s->loads = g_ptr_array_new_with_free_func(g_free);
    sim_clients_init(s);
    sim_member_init(s);

    configure_cores(s, config);

    s->nodes = g_new0(struct sim_node, s->n + 1);
    for (uint32_t id = 1; id <= s->n; id++) {
        sim_node_setup(s, &s->nodes[id], id);
        if (config->disk)
            s->nodes[id].disk_latency = config->disk[id - 1];
        if (config->init && config->init[id - 1].set)
            write_init(s, &s->nodes[id], &config->init[id - 1]);
    }
    for (uint32_t id = 1; id <= s->n; id++) {
        if (sim_node_start(s, &s->nodes[id], false) != SIM_OK) {
            sim_free(s);
            return NULL;
        }
    }
    return s;
}

const struct sim_config *sim_get_config(const struct sim *s)
{
    return &s->cfg;
}

void sim_free(struct sim *s)
{
    if (!s)
        return;
    struct sim_event ev;
    while (sim_queue_pop(&s->q, &ev))
        sim_event_free_payload(&ev);
    sim_queue_destroy(&s->q);
    for (uint32_t id = 1; id <= s->n; id++)
        sim_node_teardown(s, &s->nodes[id]);
    g_free(s->nodes);
    g_free(s->voters);
    sim_clients_destroy(s);
    sim_member_destroy(s);
    g_ptr_array_free(s->loads, TRUE);
    sim_kv_decoder_free(s->kv_decoder);
    if (s->history)
        sim_history_free(s->history);
    if (s->safety)
        sim_safety_free(s->safety);
    sim_conduct_free(s->conduct);
    sim_tracer_destroy(&s->tracer);
    sim_net_destroy(&s->net);
    raft_record_pool_free(s->records);
    g_free(s->failure);
    g_free(s);
}

/* ---- running ------------------------------------------------------------- */

int sim_at(struct sim *s, uint64_t time_us, sim_callback_fn *fn, void *ctx)
{
    if (!fn || time_us < s->now_us)
        return SIM_EINVAL;
    uint32_t k = 0;
    while (k < s->callbacks.n && s->callbacks.fn[k] != fn)
        k++;
    if (k == s->callbacks.n && k < SIM_CALLBACK_FNS)
        s->callbacks.fn[s->callbacks.n++] = fn;
    if (k < s->callbacks.n) {
        sim_push(s, time_us, SIM_EV_CALLBACK, 0, k, ctx);
        return SIM_OK;
    }
    struct sim_scheduled *sc = g_new(struct sim_scheduled, 1);
    sc->fn = fn;
    sc->ctx = ctx;
    sim_push(s, time_us, SIM_EV_CALLBACK, 0, SIM_CALLBACK_BOXED, sc);
    return SIM_OK;
}

void sim_set_listener(struct sim *s, sim_listener_fn *fn, void *ctx)
{
    s->listener = fn;
    s->listener_ctx = ctx;
    s->listener_kinds = fn ? ~UINT64_C(0) : 0;
    sim_tracer_listen(&s->tracer, s->listener_kinds);
}

_Static_assert(SIM_TRACE_KIND_COUNT <= 64, "a trace kind has a bit of a word");

void sim_set_listener_kinds(struct sim *s, uint64_t kinds)
{
    /* Without a listener no kind is heard (sim_set_listener() sets them
     * anew). */
    s->listener_kinds = s->listener ? kinds : 0;
    sim_tracer_listen(&s->tracer, s->listener_kinds);
}

void sim_set_observer(struct sim *s, sim_callback_fn *fn, void *ctx)
{
    s->observer = fn;
    s->observer_ctx = ctx;
    s->attention = (uint8_t)((s->attention & ~SIM_ATTEND_OBSERVER) |
                             (fn != NULL ? SIM_ATTEND_OBSERVER : 0));
}

void sim_stop(struct sim *s)
{
    s->stopped = true;
    s->attention |= SIM_ATTEND_STOPPED;
}

static int status(const struct sim *s)
{
    if (s->failure)
        return SIM_EVIOLATION;
    if (s->stopped)
        return SIM_ESTOPPED;
    return SIM_OK;
}

/* A SIM_EV_CALLBACK (sim_at()). Out of line: the scenario's few callbacks
 * a run need not weigh on the engine's loop, which inlines its handlers. */
static __attribute__((noinline)) void run_callback(struct sim *s,
                                                   const struct sim_event *ev)
{
    if (ev->arg != SIM_CALLBACK_BOXED) {
        s->callbacks.fn[ev->arg](s, ev->ptr);
        return;
    }
    struct sim_scheduled *sc = ev->ptr;
    sc->fn(s, sc->ctx);
    g_free(sc);
}

/* Dispatches one popped event; false if it was stale and did nothing. */
static bool dispatch(struct sim *s, const struct sim_event *ev)
{
    /* Most events are deliveries: one comparison instead of the
     * switch's jump table. */
    if (ev->kind == SIM_EV_DELIVER) {
        sim_node_on_deliver(s, ev);
        return true;
    }
    switch (ev->kind) {
    case SIM_EV_TIMER: {
        const struct sim_node *nd = &s->nodes[ev->node];
        if (!nd->alive || ev->arg != nd->timer_gen)
            return false;
        sim_node_on_timer(s, ev);
        return true;
    }
    case SIM_EV_DISK:
        sim_node_on_disk(s, ev);
        return true;
    case SIM_EV_RESUME:
        sim_node_on_resume(s, ev);
        return true;
    case SIM_EV_CLIENT_REQUEST:
        sim_node_on_client_request(s, ev);
        return true;
    case SIM_EV_CLIENT_REPLY:
        sim_client_on_reply(s, ev);
        return true;
    case SIM_EV_CLIENT_TIMEOUT:
        sim_client_on_timeout(s, ev);
        return true;
    case SIM_EV_CALLBACK:
        run_callback(s, ev);
        return true;
    case SIM_EV_LOAD:
        sim_client_on_load(s, ev);
        return true;
    case SIM_EV_OPERATOR:
        sim_member_on_operator(s, ev);
        return true;
    default:
        return false;
    }
}

int sim_step(struct sim *s)
{
    int st = status(s);
    if (st != SIM_OK)
        return st;
    struct sim_event ev;
    for (;;) {
        if (!sim_queue_pop(&s->q, &ev))
            return SIM_EINVAL;
        s->now_us = ev.time_us;
        if (dispatch(s, &ev))
            break;
    }
    s->events++;
    if (s->observer && !s->failure)
        s->observer(s, s->observer_ctx);
    return status(s);
}

int sim_run_until(struct sim *s, uint64_t time_us)
{
    int st = status(s);
    if (st != SIM_OK)
        return st;
    const struct sim_event *ev;
    while ((ev = sim_queue_take_due(&s->q, time_us)) != NULL) {
        s->now_us = ev->time_us;
        if (!dispatch(s, ev))
            continue;
        s->events++;
        /* One test when there is nothing to do, two when there is only
         * the observer (a scenario's run); the same calls as
         * `if (observer && !failure) observe; if (failure || stopped)
         * return` else. */
        if (s->attention == 0)
            continue;
        if (s->attention == SIM_ATTEND_OBSERVER) {
            s->observer(s, s->observer_ctx);
            if (s->attention == SIM_ATTEND_OBSERVER)
                continue;
        } else if (s->observer && !s->failure) {
            s->observer(s, s->observer_ctx);
        }
        return status(s);
    }
    if (time_us > s->now_us)
        s->now_us = time_us;
    return SIM_OK;
}

uint64_t sim_now(const struct sim *s)
{
    return s->now_us;
}

uint64_t sim_events_processed(const struct sim *s)
{
    return s->events;
}

size_t sim_events_pending(const struct sim *s)
{
    return sim_queue_len(&s->q);
}

/* ---- counters and results ------------------------------------------------ */

/* The engine counts each message in its type's counters only; the totals
 * are their sum. */
void sim_get_msg_counters(const struct sim *s,
                          struct sim_msg_counters out[RAFT_MSG_TYPE_COUNT])
{
    memcpy(out, s->net.counters, sizeof(s->net.counters));
    struct sim_msg_counters *all = &out[0];
    memset(all, 0, sizeof(*all));
    for (int t = 1; t < RAFT_MSG_TYPE_COUNT; t++) {
        all->sent += out[t].sent;
        all->delivered += out[t].delivered;
        all->dropped += out[t].dropped;
        all->duplicated += out[t].duplicated;
        all->bytes_sent += out[t].bytes_sent;
        all->bytes_delivered += out[t].bytes_delivered;
    }
}

void sim_get_counters(const struct sim *s, struct sim_counters *out)
{
    *out = s->counters;
    out->events = s->events;
    out->trace_events = s->tracer.seq;
}

const struct sim_history *sim_get_history(const struct sim *s)
{
    return s->history;
}

enum sim_lin_verdict sim_check_linearizable(struct sim *s,
                                            uint64_t max_states,
                                            struct sim_lin_report *report)
{
    if (!s->history) {
        memset(report, 0, sizeof(*report));
        report->verdict = SIM_LIN_UNKNOWN;
        return SIM_LIN_UNKNOWN;
    }
    enum sim_lin_verdict v = sim_lin_check(s->history, max_states, report);
    if (v == SIM_LIN_VIOLATION) {
        struct sim_violation viol;
        memset(&viol, 0, sizeof(viol));
        viol.property = SIM_PROP_LINEARIZABILITY;
        g_snprintf(viol.detail, sizeof(viol.detail), "key %s: %s",
                   report->key ? report->key : "?",
                   report->explanation ? report->explanation->str : "");
        record_failure(s, &viol);
    }
    return v;
}

uint64_t sim_trace_hash(const struct sim *s)
{
    return sim_tracer_hash(&s->tracer);
}

/* Average costs of what sim_memory_bytes() counts by number: a log entry
 * with its command (in the core or on a disk), a queued event with its
 * message, a history operation with its strings, a key in a state
 * machine. An operation counts 144 bytes, what an 80-byte record with 64
 * bytes of strings cost before the history packed them tighter: kept, so
 * that a memory budget judges every run as it did. */
#define MEM_ENTRY_BYTES 96u
#define MEM_QUEUED_BYTES 160u
#define MEM_OP_BYTES 144u
#define MEM_KEY_BYTES 64u

uint64_t sim_memory_bytes(const struct sim *s)
{
    /* The listener's kinds, the queue's wheel and lanes, the standing's
     * version, each disk's persistence memo and the record pool came after
     * the budgets were set: not charged, and the tracer charged at its
     * size then, so that a memory budget judges every run as it did. */
    uint64_t bytes = sizeof(*s) - sizeof(s->listener_kinds) - sizeof(s->q) -
                     sizeof(s->standing) - sizeof(s->records) +
                     SIM_QUEUE_CHARGED_BYTES - sizeof(s->tracer) +
                     sizeof(struct sim_tracer_charged) +
                     (uint64_t)(s->n + 1) *
                         (sizeof(*s->nodes) - sizeof(s->nodes->disk.settled));
    const struct sim_tracer *t = &s->tracer;
    if (t->events)
        bytes += (uint64_t)t->events->len * sizeof(struct sim_trace_event) +
                 t->text_bytes;
    bytes += (uint64_t)s->q.cap * sizeof(struct sim_event) +
             (uint64_t)sim_queue_len(&s->q) * MEM_QUEUED_BYTES;
    if (s->history)
        bytes += (uint64_t)sim_history_len(s->history) * MEM_OP_BYTES;
    bytes += (uint64_t)s->requests->len * sizeof(struct sim_request_rec);
    bytes += (uint64_t)s->clients->len *
             (sizeof(struct sim_client) + (uint64_t)(s->n + 1) * 8u);
    for (uint32_t id = 1; id <= s->n; id++) {
        const struct sim_node *nd = &s->nodes[id];
        bytes += (uint64_t)nd->disk.len * MEM_ENTRY_BYTES +
                 (uint64_t)nd->disk.p_len * MEM_QUEUED_BYTES;
        if (nd->alive) {
            bytes +=
                (raft_last_index(nd->core) - raft_snapshot_index(nd->core)) *
                MEM_ENTRY_BYTES;
            bytes += (uint64_t)sim_kv_size(nd->kv) * MEM_KEY_BYTES;
            bytes += raft_snapshot_partial_len(nd->core);
            bytes += (uint64_t)(nd->proposals->len + nd->deferred->len) *
                     sizeof(struct sim_event);
        }
    }
    return bytes;
}

size_t sim_trace_len(const struct sim *s)
{
    return s->tracer.events ? s->tracer.events->len : 0;
}

const struct sim_trace_event *sim_trace_events(const struct sim *s)
{
    if (!s->tracer.events)
        return NULL;
    return (const struct sim_trace_event *)(void *)s->tracer.events->data;
}

void sim_note(struct sim *s, uint32_t node, const char *text)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_NOTE;
    e.node = node;
    e.text = text;
    sim_emit(s, &e);
}

void sim_trace_check(struct sim *s, bool ok, uint32_t line, const char *text)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_CHECK;
    e.ok = ok;
    e.line = line;
    e.text = text;
    sim_emit(s, &e);
}
