/* sim_node.c: one simulated node (Raft core + disk + key-value machine) and
 * the handling of every raft_update it produces.
 *
 * Invariants: a live node's core and kv exist and a crashed node has neither;
 * the observed role/term/leader/commit fields equal the core's after every
 * processed update; an update's first n_sync_messages messages leave only
 * once every write up to that update is durable, the others at once; at
 * most one timer event per node is current (timer_gen), stale ones are
 * skipped.
 */
#include <inttypes.h>
#include <string.h>

#include "sim/check/sim_persist.h"
#include "sim/check/sim_rules.h"
#include "sim/sim_internal.h"
#include "sim/sim_observe.h"

#define PPM 1000000u

bool sim_time_scale(uint64_t t,
                    uint64_t num,
                    uint64_t den,
                    bool round_up,
                    uint64_t *out)
{
    SIM_ASSERT(num >= 1 && num <= UINT32_MAX && den >= 1 && den <= UINT32_MAX,
               "time scaled by %" PRIu64 "/%" PRIu64, num, den);
    /* t * num = (t / den) * den * num + (t % den) * num, where the second
     * product is below den * num < 2^64: ISO C has no 128-bit integer, so
     * the product is split, and only the first term can overflow. */
    uint64_t q = t / den;
    uint64_t part = (t % den) * num;
    uint64_t low = part / den + (round_up && part % den != 0);
    if (q != 0 && q > (UINT64_MAX - low) / num)
        return false;
    *out = q * num + low;
    return true;
}

bool sim_drift_fits(uint64_t run_us, uint64_t rate_ppm, uint64_t timeout_us)
{
    uint64_t local_end;
    if (!sim_time_scale(run_us, rate_ppm > PPM ? rate_ppm : PPM, PPM, true,
                        &local_end))
        return false;
    return local_end <= UINT64_MAX - timeout_us;
}

static void rearm_timer(struct sim *s, struct sim_node *nd);
static void trace_deadline(struct sim *s, struct sim_node *nd);

/* The node's clock at global_us. A clock that would pass 2^64 - 1 us stops
 * there; scenario files cannot get that far (sim_drift_fits()). */
static uint64_t local_at(const struct sim_node *nd, uint64_t global_us)
{
    uint64_t elapsed = global_us - nd->global_base_us;
    if (nd->rate_ppm != PPM &&
        !sim_time_scale(elapsed, nd->rate_ppm, PPM, false, &elapsed))
        return UINT64_MAX;
    return elapsed > UINT64_MAX - nd->local_base_us
               ? UINT64_MAX
               : nd->local_base_us + elapsed;
}

uint64_t sim_node_local_now(const struct sim *s, const struct sim_node *nd)
{
    return local_at(nd, s->now_us);
}

/* The first global time at which the node's clock reads local_us, or
 * UINT64_MAX (never) when that lies beyond 2^64 - 1 us. Exact: the ceiling
 * of the inverse of local_at()'s floor. */
static uint64_t global_of(const struct sim *s,
                          const struct sim_node *nd,
                          uint64_t local_us)
{
    if (local_us <= local_at(nd, s->now_us))
        return s->now_us;
    uint64_t elapsed = local_us - nd->local_base_us;
    if (nd->rate_ppm != PPM &&
        !sim_time_scale(elapsed, PPM, nd->rate_ppm, true, &elapsed))
        return UINT64_MAX;
    if (elapsed > UINT64_MAX - nd->global_base_us)
        return UINT64_MAX;
    uint64_t g = nd->global_base_us + elapsed;
    SIM_ASSERT(nd->rate_ppm == PPM || (local_at(nd, g) >= local_us &&
                                       local_at(nd, g - 1) < local_us),
               "node %" PRIu32 ": local time %" PRIu64
               " maps to global time %" PRIu64,
               nd->id, local_us, g);
    return g;
}

void sim_node_set_rate(struct sim *s, struct sim_node *nd, uint64_t rate_ppm)
{
    nd->local_base_us = local_at(nd, s->now_us);
    nd->global_base_us = s->now_us;
    nd->rate_ppm = rate_ppm;
    if (nd->alive && nd->deadline_local_us != UINT64_MAX) {
        /* The pending deadline moves with the new rate. */
        nd->deadline_us = global_of(s, nd, nd->deadline_local_us);
        trace_deadline(s, nd);
        if (!nd->paused)
            rearm_timer(s, nd);
    }
}

void sim_node_setup(struct sim *s, struct sim_node *nd, uint32_t id)
{
    memset(nd, 0, sizeof(*nd));
    nd->id = id;
    sim_disk_init(&nd->disk, id);
    nd->disk_latency = (struct sim_disk_latency){
        .write_us_min = s->cfg.disk_write_us,
        .write_us_max = s->cfg.disk_write_us,
        .sync_us_min = s->cfg.disk_sync_us,
        .sync_us_max = s->cfg.disk_sync_us,
    };
    nd->rate_ppm = PPM;
    nd->timer_at_us = UINT64_MAX;
    nd->deadline_us = UINT64_MAX;
    nd->deadline_local_us = UINT64_MAX;
    nd->traced_deadline_us = UINT64_MAX;
    nd->proposals = g_array_new(FALSE, FALSE, sizeof(struct sim_proposal));
    nd->reads = g_array_new(FALSE, FALSE, sizeof(struct sim_read));
    nd->deferred = g_array_new(FALSE, FALSE, sizeof(struct sim_event));
}

void sim_event_free_payload(const struct sim_event *ev)
{
    switch (ev->kind) {
    case SIM_EV_DELIVER:
    case SIM_EV_CLIENT_REQUEST:
    case SIM_EV_CLIENT_REPLY:
    case SIM_EV_CALLBACK:
        g_free(ev->ptr);
        break;
    default:
        break;
    }
}

void sim_node_teardown(struct sim *s, struct sim_node *nd)
{
    (void)s;
    if (nd->core)
        raft_destroy(nd->core);
    if (nd->kv)
        sim_kv_free(nd->kv);
    sim_observe_free(nd);
    sim_disk_destroy(&nd->disk);
    for (guint i = 0; i < nd->deferred->len; i++)
        sim_event_free_payload(
            &g_array_index(nd->deferred, struct sim_event, i));
    g_array_free(nd->deferred, TRUE);
    g_array_free(nd->proposals, TRUE);
    g_array_free(nd->reads, TRUE);
    memset(nd, 0, sizeof(*nd));
}

/* ---- timers -------------------------------------------------------------- */

/* Traces a follower's or candidate's election deadline when it moved, so
 * that a viewer can show the timer's progress; a leader's deadline is its
 * heartbeat, not an election timer, and is not traced. */
static void trace_deadline(struct sim *s, struct sim_node *nd)
{
    uint64_t d = nd->role == RAFT_LEADER ? UINT64_MAX : nd->deadline_us;
    if (d == nd->traced_deadline_us)
        return;
    nd->traced_deadline_us = d;
    if (d == UINT64_MAX)
        return;
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_TIMER;
    e.node = nd->id;
    e.aux = d;
    sim_emit(s, &e);
}

static void arm_timer(struct sim *s, struct sim_node *nd, uint64_t local_us)
{
    nd->deadline_local_us = local_us;
    if (local_us == UINT64_MAX) {
        nd->deadline_us = UINT64_MAX;
        trace_deadline(s, nd);
        return;
    }
    uint64_t g = global_of(s, nd, local_us);
    /* A deadline that is already due fires 1 us from now, so a core that
     * keeps answering "now" cannot stall the clock. */
    if (g <= s->now_us)
        g = s->now_us + 1;
    nd->deadline_us = g;
    trace_deadline(s, nd);
    if (g < nd->timer_at_us) {
        nd->timer_gen++;
        nd->timer_at_us = g;
        sim_push(s, g, SIM_EV_TIMER, nd->id, nd->timer_gen, NULL);
    }
}

/* Re-arms after the pending timer event became stale (pause, drift). */
static void rearm_timer(struct sim *s, struct sim_node *nd)
{
    nd->timer_gen++;
    nd->timer_at_us = UINT64_MAX;
    if (nd->deadline_us == UINT64_MAX)
        return;
    uint64_t g = nd->deadline_us < s->now_us ? s->now_us : nd->deadline_us;
    nd->timer_at_us = g;
    sim_push(s, g, SIM_EV_TIMER, nd->id, nd->timer_gen, NULL);
}

/* ---- sending ------------------------------------------------------------- */

enum msg_count { COUNT_SENT, COUNT_DELIVERED, COUNT_DROPPED, COUNT_DUPLICATED };

/* Counts one message of type t in the totals and in its type's counters. */
static void count(struct sim *s,
                  enum raft_message_type t,
                  enum msg_count what,
                  uint64_t bytes)
{
    struct sim_msg_counters *c[2] = {&s->net.counters[0], &s->net.counters[t]};
    for (int i = 0; i < 2; i++) {
        switch (what) {
        case COUNT_SENT:
            c[i]->sent++;
            c[i]->bytes_sent += bytes;
            break;
        case COUNT_DELIVERED:
            c[i]->delivered++;
            c[i]->bytes_delivered += bytes;
            break;
        case COUNT_DROPPED:
            c[i]->dropped++;
            break;
        case COUNT_DUPLICATED:
            c[i]->duplicated++;
            break;
        }
    }
}

static void fill_msg_event(struct sim_trace_event *e, const struct sim_msg *msg)
{
    const struct raft_message *m = &msg->m;
    e->node = (uint32_t)m->from;
    e->peer = (uint32_t)m->to;
    e->msg_id = msg->id;
    e->msg_type = m->type;
    e->term = m->term;
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES:
        e->index = m->append_entries.prev_log_index;
        e->count = m->append_entries.n_entries;
        e->commit = m->append_entries.leader_commit;
        e->aux = m->append_entries.prev_log_term;
        break;
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        e->index = m->append_entries_result.index;
        e->ok = m->append_entries_result.success;
        e->aux = m->append_entries_result.conflict_index;
        break;
    case RAFT_MSG_REQUEST_VOTE:
    case RAFT_MSG_PRE_VOTE:
        e->index = m->request_vote.last_log_index;
        e->aux = m->request_vote.last_log_term;
        break;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
    case RAFT_MSG_PRE_VOTE_RESULT:
        e->ok = m->request_vote_result.granted;
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        e->index = m->install_snapshot.snapshot.last_index;
        e->aux = m->install_snapshot.snapshot.last_term;
        e->count = m->install_snapshot.snapshot.len;
        e->commit = m->install_snapshot.offset;
        e->ok = m->install_snapshot.done;
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        e->index = m->install_snapshot_result.last_index;
        e->aux = m->install_snapshot_result.offset;
        e->ok = m->install_snapshot_result.done;
        break;
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
        e->index = m->read_forward.index;
        e->aux = m->read_forward.id;
        e->ok = m->type == RAFT_MSG_READ_INDEX_RESULT &&
                m->read_forward.status == RAFT_OK;
        break;
    default:
        break;
    }
}

static void trace_drop(struct sim *s,
                       const struct sim_msg *msg,
                       const char *why)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_DROP;
    e.node = (uint32_t)msg->m.from;
    e.peer = (uint32_t)msg->m.to;
    e.msg_id = msg->id;
    e.msg_type = msg->m.type;
    e.term = msg->m.term;
    e.text = why;
    sim_emit(s, &e);
    count(s, msg->m.type, COUNT_DROPPED, 0);
}

/* A client request lost because its destination is down: traced like a node
 * message's loss, without message id or type. */
void sim_node_trace_client_drop(struct sim *s, const struct sim_cmsg *cm)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_DROP;
    e.node = cm->node;
    e.client = cm->client;
    e.request = cm->request;
    e.text = "down";
    sim_emit(s, &e);
}

/* msg is transferred. */
static void send_msg(struct sim *s, struct sim_msg *msg)
{
    uint64_t to = msg->m.to;
    enum raft_message_type t = msg->m.type;
    if (to == 0 || to > s->n || msg->m.from == 0 || msg->m.from > s->n ||
        t <= 0 || t >= RAFT_MSG_TYPE_COUNT) {
        g_free(msg);
        return;
    }
    msg->id = s->net.next_msg_id++;
    msg->dest_incarnation = s->nodes[to].incarnation;
    struct sim_net_fate fate;
    sim_net_draw(&s->net, (uint32_t)msg->m.from, (uint32_t)to, s->now_us,
                 &fate);
    count(s, t, COUNT_SENT, msg->bytes);

    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_SEND;
    fill_msg_event(&e, msg);
    sim_emit(s, &e);
    /* The persistence contract is judged as the message leaves. */
    uint32_t from = (uint32_t)msg->m.from;
    if (s->safety && from >= 1 && from <= s->n &&
        !sim_safety_on_send(s->safety, from, &msg->m, msg->acked_term,
                            sim_disk_durable(&s->nodes[from].disk,
                                             sim_persist_acked_index(&msg->m))))
        sim_safety_failed(s);

    if (fate.lost) {
        trace_drop(s, msg, "random");
        g_free(msg);
        return;
    }
    if (fate.duplicated) {
        struct sim_msg *copy = sim_msg_clone(msg);
        copy->id = s->net.next_msg_id++;
        struct sim_trace_event d = {0};
        d.kind = SIM_TRACE_DUPLICATE;
        d.node = (uint32_t)msg->m.from;
        d.peer = (uint32_t)to;
        d.msg_id = msg->id;
        d.msg_id2 = copy->id;
        d.msg_type = t;
        d.term = msg->m.term;
        sim_emit(s, &d);
        count(s, t, COUNT_DUPLICATED, 0);
        sim_push(s, s->now_us + fate.copy_delay_us, SIM_EV_DELIVER,
                 (uint32_t)to, 0, copy);
    }
    sim_push(s, s->now_us + fate.delay_us, SIM_EV_DELIVER, (uint32_t)to, 0,
             msg);
}

/* ---- disk ---------------------------------------------------------------- */

/* Seeds rng for one disk draw of the node now (see sim_internal.h). */
static void disk_draw(struct sim *s, struct sim_node *nd, struct sim_rng *rng)
{
    sim_rng_seed_instant(
        rng, sim_rng_key(s->cfg.seed, SIM_STREAM_DISK_BASE + nd->id),
        &nd->disk_drawn, s->now_us);
}

/* Queues b (transferred) on the node's disk with a write and a sync time
 * drawn from its own disk stream (no draw for a constant), and schedules
 * its completion. Returns the batch id. */
static uint64_t submit_batch(struct sim *s,
                             struct sim_node *nd,
                             struct sim_disk_batch *b)
{
    const struct sim_disk_latency *l = &nd->disk_latency;
    struct sim_rng rng;
    disk_draw(s, nd, &rng);
    uint64_t latency = sim_rng_range(&rng, l->write_us_min, l->write_us_max) +
                       sim_rng_range(&rng, l->sync_us_min, l->sync_us_max);
    uint64_t id = sim_disk_submit(&nd->disk, b, s->now_us, latency);
    sim_push(s, b->done_us, SIM_EV_DISK, nd->id, id, NULL);
    return id;
}

/* ---- processing updates ------------------------------------------------- */

/* Forgets the proposals before props_head once they are all or many. */
static void trim_proposals(struct sim_node *nd)
{
    GArray *p = nd->proposals;
    if (nd->props_head == p->len) {
        g_array_set_size(p, 0);
        nd->props_head = 0;
    } else if (nd->props_head >= 64 && nd->props_head * 2 >= p->len) {
        g_array_remove_range(p, 0, (guint)nd->props_head);
        nd->props_head = 0;
    }
}

static void drop_proposals_upto(struct sim_node *nd, uint64_t index)
{
    GArray *p = nd->proposals;
    while (nd->props_head < p->len &&
           g_array_index(p, struct sim_proposal, nd->props_head).index <= index)
        nd->props_head++;
    trim_proposals(nd);
}

/* Traces a leader's matchIndex and nextIndex for every peer whose pair
 * changed since last traced (Raft paper, Figure 2, state on leaders). */
static void observe_progress(struct sim *s, struct sim_node *nd)
{
    if (nd->role != RAFT_LEADER)
        return;
    for (uint32_t peer = 1; peer <= s->cfg.n_nodes; peer++) {
        if (peer == nd->id)
            continue;
        uint64_t match = raft_match_index(nd->core, peer);
        uint64_t next = raft_next_index(nd->core, peer);
        if (match == nd->traced_match[peer] && next == nd->traced_next[peer])
            continue;
        nd->traced_match[peer] = match;
        nd->traced_next[peer] = next;
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_PROGRESS;
        e.node = nd->id;
        e.peer = peer;
        e.term = nd->term;
        e.index = match;
        e.aux = next;
        sim_emit(s, &e);
    }
}

static void observe_state(struct sim *s, struct sim_node *nd)
{
    uint64_t term = raft_term(nd->core);
    enum raft_role role = raft_role(nd->core);
    bool term_changed = term != nd->term;
    bool became_leader = false;
    if (term_changed) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_TERM;
        e.node = nd->id;
        e.term = term;
        e.peer = (uint32_t)raft_vote(nd->core);
        sim_emit(s, &e);
        nd->term = term;
    }
    if (role != nd->role) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_ROLE;
        e.node = nd->id;
        e.term = term;
        e.role = role;
        sim_emit(s, &e);
        nd->role = role;
        if (role == RAFT_LEADER)
            s->counters.elections++;
        became_leader = role == RAFT_LEADER;
        term_changed = true;
        memset(nd->traced_match, 0, sizeof(nd->traced_match));
        memset(nd->traced_next, 0, sizeof(nd->traced_next));
    }
    if (term_changed && s->safety &&
        !sim_safety_on_role(s->safety, nd->id, role, term))
        sim_safety_failed(s);
    uint64_t leader = raft_leader(nd->core);
    if (leader != nd->leader) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_LEADER;
        e.node = nd->id;
        e.peer = (uint32_t)leader;
        e.term = term;
        sim_emit(s, &e);
        nd->leader = leader;
    }
    sim_observe_node(s, nd, became_leader);
    observe_progress(s, nd);
}

/* Reports the core's whole log to the checker (after a snapshot install). */
static void report_log_reset(struct sim *s, struct sim_node *nd)
{
    if (!s->safety)
        return;
    uint64_t si = raft_snapshot_index(nd->core);
    uint64_t st = raft_snapshot_term(nd->core);
    uint64_t last = raft_last_index(nd->core);
    size_t n = last > si ? (size_t)(last - si) : 0;
    struct raft_entry *entries = g_new(struct raft_entry, n ? n : 1);
    size_t k = 0;
    for (uint64_t i = si + 1; i <= last; i++)
        if (raft_entry_at(nd->core, i, &entries[k]))
            k++;
    if (!sim_safety_on_log_reset(s->safety, nd->id, si, st, entries, k))
        sim_safety_failed(s);
    g_free(entries);
}

static void apply_entry(struct sim *s,
                        struct sim_node *nd,
                        uint64_t index,
                        const struct raft_entry *entry)
{
    if (entry->type == RAFT_ENTRY_COMMAND) {
        GArray *p = nd->proposals;
        while (nd->props_head < p->len &&
               g_array_index(p, struct sim_proposal, nd->props_head).index <
                   index)
            nd->props_head++;
        struct sim_proposal *prop = NULL;
        if (nd->props_head < p->len) {
            prop = &g_array_index(p, struct sim_proposal, nd->props_head);
            if (prop->index != index)
                prop = NULL;
        }
        if (prop) {
            struct sim_kv_reply reply = {0};
            sim_kv_apply(nd->kv, entry->data, entry->len, &reply);
            if (prop->term == entry->term)
                sim_client_reply(s, nd->id, prop->client, prop->request, false,
                                 0, nd->term, &reply);
            sim_kv_reply_clear(&reply);
            nd->props_head++;
        } else {
            sim_kv_apply(nd->kv, entry->data, entry->len, NULL);
        }
        trim_proposals(nd);
    }
    if (s->safety && !sim_safety_on_apply(s->safety, nd->id, index, entry))
        sim_safety_failed(s);
    nd->applied = index;
    nd->since_snapshot++;
}

static void take_snapshot(struct sim *s, struct sim_node *nd)
{
    uint64_t index = nd->applied;
    if (index <= raft_snapshot_index(nd->core))
        return;
    uint64_t term = raft_term_at(nd->core, index);
    g_byte_array_set_size(s->scratch, 0);
    sim_kv_serialize(nd->kv, s->scratch);
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    int rc = raft_compact(nd->core, sim_node_local_now(s, nd), index,
                          s->scratch->data, s->scratch->len, &u);
    nd->since_snapshot = 0;
    if (rc != RAFT_OK)
        return;
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_snapshot(b, false, index, term, s->scratch->data,
                                s->scratch->len);
    struct raft_configuration conf;
    raft_snapshot_configuration(nd->core, &conf);
    sim_disk_batch_set_snapshot_config(b, &conf);
    submit_batch(s, nd, b);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_SNAPSHOT;
    e.node = nd->id;
    e.index = index;
    e.term = term;
    e.count = s->scratch->len;
    sim_emit(s, &e);
    if (s->safety)
        sim_safety_on_compact(s->safety, nd->id, index);
    sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
}

/* Writes v in decimal at p; returns the digits written. */
static size_t put_decimal(char *p, uint64_t v)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/* The terms of n entries as runs: "1x3 2x1": term, 'x', count, and a 'c'
 * after its count ("2x1c"), so a viewer can rebuild every log, and mark
 * its configuration entries, from the trace; NULL when n is 0. The caller
 * frees the result with g_free(). Formatted by hand: it runs for every log
 * write. */
static char *entry_terms_text(const struct raft_entry *entries, size_t n)
{
    if (n == 0)
        return NULL;
    /* A run takes at most 20 + 1 + 20 + 1 bytes and a separator. */
    char *t = g_malloc(n * 43 + 1);
    size_t len = 0;
    size_t run = 1;
    for (size_t i = 1; i <= n; i++) {
        const struct raft_entry *prev = &entries[i - 1];
        bool conf = prev->type == RAFT_ENTRY_CONFIG;
        if (i < n && entries[i].term == prev->term &&
            (entries[i].type == RAFT_ENTRY_CONFIG) == conf) {
            run++;
            continue;
        }
        if (len > 0)
            t[len++] = ' ';
        len += put_decimal(t + len, prev->term);
        t[len++] = 'x';
        len += put_decimal(t + len, run);
        if (conf)
            t[len++] = 'c';
        run = 1;
    }
    t[len] = '\0';
    return t;
}

/* persistence, the leader's side: a leader's new commit index names an
 * entry that a majority of disks hold durably (sim_rules.h). */
static void check_leader_commit(struct sim *s, struct sim_node *nd,
                                uint64_t commit)
{
    struct sim_durable disks[SIM_MAX_NODES + 1];
    for (uint32_t i = 1; i <= s->n; i++)
        disks[i] = sim_disk_durable(&s->nodes[i].disk, commit);
    if (!sim_safety_on_leader_commit(s->safety, nd->id, nd->term, commit,
                                     raft_term_at(nd->core, commit), disks))
        sim_safety_failed(s);
}

/* Hands one step to the rules of conduct (sim_conduct.h), before the
 * observed role and term move on to the update's. */
static void judge_step(struct sim *s,
                       struct sim_node *nd,
                       const struct raft_update *u,
                       enum sim_conduct_input input,
                       const struct raft_message *received)
{
    if (s->conduct == NULL)
        return;
    struct sim_conduct_step st = {
        .node = nd->id,
        .now = sim_node_local_now(s, nd),
        .input = input,
        .received = received,
        .role_before = nd->role,
        .term_before = nd->term,
        .update = u,
        .term_after = raft_term(nd->core),
    };
    struct raft_configuration conf;
    raft_configuration(nd->core, &conf);
    st.config = &conf;
    struct sim_violation v;
    if (!sim_conduct_on_step(s->conduct, &st, &v) &&
        !sim_safety_report(s->safety, &v))
        sim_safety_failed(s);
}

/* raft.h's step 1: one write batch for the update's hard state, snapshot
 * and entries, in that order, submitted to the node's disk FIFO. */
static void persist_update(struct sim *s,
                           struct sim_node *nd,
                           const struct raft_update *u)
{
    if (!u->hard_state_changed && !u->snapshot && !u->n_entries)
        return;
    struct sim_disk_batch *b = sim_disk_batch_new();
    if (u->hard_state_changed)
        sim_disk_batch_set_hard(b, u->term, u->vote);
    if (u->snapshot)
        sim_disk_batch_set_snapshot(b, true, u->snapshot->last_index,
                                    u->snapshot->last_term, u->snapshot->data,
                                    u->snapshot->len);
    if (u->snapshot)
        sim_disk_batch_set_snapshot_config(b, &u->snapshot->configuration);
    if (u->n_entries)
        sim_disk_batch_set_entries(b, u->entries_index, u->entries,
                                   u->n_entries);
    else if (u->snapshot && u->entries_index)
        /* The core dropped the log after the snapshot as well. */
        sim_disk_batch_set_truncate(b, u->entries_index);
    uint64_t id = submit_batch(s, nd, b);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_PERSIST;
    e.node = nd->id;
    e.index = u->n_entries ? u->entries_index : 0;
    e.count = u->n_entries;
    e.term = u->hard_state_changed ? u->term : 0;
    e.peer = u->hard_state_changed ? (uint32_t)u->vote : 0;
    e.aux = id;
    e.ok = u->snapshot != NULL;
    char *terms = entry_terms_text(u->entries, u->n_entries);
    e.text = terms;
    sim_emit(s, &e);
    g_free(terms);
    if (s->safety && u->n_entries &&
        !sim_safety_on_log_write(s->safety, nd->id, u->entries_index,
                                 u->entries, u->n_entries))
        sim_safety_failed(s);
    if (u->snapshot)
        report_log_reset(s, nd);
}

/* raft.h's steps 2 and 3: the first n_sync_messages wait in the newest
 * write batch until every write so far is durable; the rest leave now. */
static void send_update(struct sim *s,
                        struct sim_node *nd,
                        const struct raft_update *u)
{
    if (!u->n_messages)
        return;
    sim_observe_messages(s, nd, u);
    struct sim_disk_batch *newest = sim_disk_newest(&nd->disk);
    size_t n_sync = s->cfg.unsafe_send_before_sync ? 0 : u->n_sync_messages;
    for (size_t i = 0; i < u->n_messages; i++) {
        struct sim_msg *msg = sim_msg_copy(&u->messages[i]);
        if (s->safety)
            msg->acked_term = sim_persist_acked_term(nd->core, &msg->m);
        if (i < n_sync && newest)
            sim_disk_batch_hold(newest, msg);
        else
            send_msg(s, msg);
    }
}

/* The commit index, reported before what it allows to apply. */
static void report_commit(struct sim *s, struct sim_node *nd)
{
    uint64_t commit = raft_commit_index(nd->core);
    uint64_t old_commit = nd->commit;
    if (commit == nd->commit)
        return;
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_COMMIT;
    e.node = nd->id;
    e.index = commit;
    e.term = nd->term;
    sim_emit(s, &e);
    nd->commit = commit;
    if (commit > s->counters.commit_index_max)
        s->counters.commit_index_max = commit;
    if (s->safety && !sim_safety_on_commit(s->safety, nd->id, commit))
        sim_safety_failed(s);
    if (s->safety && commit > old_commit && nd->role == RAFT_LEADER)
        check_leader_commit(s, nd, commit);
}

/* raft.h's step 4, first half: the state machine restored from a snapshot
 * the update carries. */
static void restore_snapshot(struct sim *s,
                             struct sim_node *nd,
                             const struct raft_snapshot *snap)
{
    if (!sim_kv_restore(nd->kv, snap->data, snap->len)) {
        sim_kv_free(nd->kv);
        nd->kv = sim_kv_new();
    }
    nd->applied = snap->last_index;
    nd->since_snapshot = 0;
    drop_proposals_upto(nd, snap->last_index);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_SNAPSHOT;
    e.node = nd->id;
    e.index = snap->last_index;
    e.term = snap->last_term;
    e.count = snap->len;
    e.ok = true;
    sim_emit(s, &e);
    if (s->safety && !sim_safety_on_state(s->safety, nd->id, nd->applied,
                                          sim_kv_state_digest(nd->kv)))
        sim_safety_failed(s);
}

/* raft.h's step 4, second half: the committed entries applied in order. */
static void apply_update(struct sim *s,
                         struct sim_node *nd,
                         const struct raft_update *u)
{
    if (!u->n_committed)
        return;
    for (size_t i = 0; i < u->n_committed; i++)
        apply_entry(s, nd, u->apply_index + i, &u->committed[i]);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_APPLY;
    e.node = nd->id;
    e.index = nd->applied;
    e.count = u->n_committed;
    e.aux = sim_kv_applied(nd->kv);
    sim_emit(s, &e);
    if (s->safety && !sim_safety_on_state(s->safety, nd->id, nd->applied,
                                          sim_kv_state_digest(nd->kv)))
        sim_safety_failed(s);
}

/* Handles one update in the order raft.h numbers (persist, hold or send,
 * apply, re-arm), with the checks and trace events of each step. */
void sim_node_process_update(struct sim *s,
                             struct sim_node *nd,
                             struct raft_update *u,
                             enum sim_conduct_input input,
                             const struct raft_message *received)
{
    judge_step(s, nd, u, input, received);
    observe_state(s, nd);
    if (s->safety && !sim_safety_on_vote(s->safety, nd->id, nd->term,
                                         raft_vote(nd->core)))
        sim_safety_failed(s);
    persist_update(s, nd, u);
    send_update(s, nd, u);
    report_commit(s, nd);
    if (u->snapshot)
        restore_snapshot(s, nd, u->snapshot);
    apply_update(s, nd, u);
    /* Reads the core confirmed, and those the node has now applied. */
    sim_read_on_update(s, nd, u);
    /* raft.h's step 5: the next deadline. */
    arm_timer(s, nd, u->next_deadline);
    if (s->cfg.snapshot_every && nd->since_snapshot >= s->cfg.snapshot_every)
        take_snapshot(s, nd);
}

/* ---- lifecycle ----------------------------------------------------------- */

/* The core's timer seed for a start now: keyed by (node, now, the start's
 * rank at now), so that it does not depend on how often the node started
 * before. */
static uint64_t timer_seed(struct sim *s, struct sim_node *nd)
{
    struct sim_rng rng;
    sim_rng_seed_instant(
        &rng, sim_rng_key(s->cfg.seed, SIM_STREAM_NODE_BASE + nd->id),
        &nd->started, s->now_us);
    return sim_rng_next(&rng);
}

int sim_node_start(struct sim *s, struct sim_node *nd, bool restart)
{
    struct raft_config rc = s->rcfg;
    rc.id = nd->id;
    rc.random_seed = timer_seed(s, nd);
    struct raft_durable_state st;
    struct raft_entry *buf;
    sim_disk_durable_state(&nd->disk, &st, &buf);
    uint64_t *conf_ids;
    sim_disk_snapshot_config(&nd->disk, &st.snapshot.configuration, &conf_ids);
    uint64_t local = sim_node_local_now(s, nd);
    struct raft *core = NULL;
    int rc_create = raft_create(&rc, &st, local, &core);
    g_free(conf_ids);
    if (rc_create != RAFT_OK) {
        g_free(buf);
        return SIM_ECORE;
    }
    nd->core = core;
    nd->kv = sim_kv_new();
    if (nd->disk.snap_index &&
        !sim_kv_restore(nd->kv, nd->disk.snap_data, nd->disk.snap_len)) {
        sim_kv_free(nd->kv);
        nd->kv = sim_kv_new();
    }
    nd->alive = true;
    nd->paused = false;
    nd->role = raft_role(core);
    nd->term = raft_term(core);
    nd->leader = raft_leader(core);
    nd->commit = raft_commit_index(core);
    nd->applied = nd->disk.snap_index;
    nd->since_snapshot = 0;
    nd->timer_at_us = UINT64_MAX;
    nd->deadline_us = UINT64_MAX;
    nd->deadline_local_us = UINT64_MAX;
    nd->traced_deadline_us = UINT64_MAX;

    if (restart) {
        s->counters.restarts++;
        if (s->safety)
            sim_safety_on_restart(s->safety, nd->id, nd->commit);
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_RESTART;
        e.node = nd->id;
        e.term = nd->term;
        e.index = raft_last_index(core);
        e.commit = nd->commit;
        sim_emit(s, &e);
    } else if (nd->term != 0) {
        /* A node given an `init` state starts in a nonzero term: the trace
         * says so, so that it alone tells every node's starting term. */
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_TERM;
        e.node = nd->id;
        e.term = nd->term;
        e.peer = (uint32_t)raft_vote(core);
        sim_emit(s, &e);
    }
    if (!restart && st.n_entries) {
        struct sim_trace_event e = {0};
        char *terms = entry_terms_text(st.entries, st.n_entries);
        e.kind = SIM_TRACE_LOG;
        e.node = nd->id;
        e.index = st.snapshot.last_index + 1;
        e.count = st.n_entries;
        e.text = terms;
        sim_emit(s, &e);
        g_free(terms);
    }
    if (s->safety) {
        if (!sim_safety_on_role(s->safety, nd->id, nd->role, nd->term))
            sim_safety_failed(s);
        if ((restart || st.n_entries || st.snapshot.last_index) &&
            !sim_safety_on_log_reset(s->safety, nd->id, st.snapshot.last_index,
                                     st.snapshot.last_term, st.entries,
                                     st.n_entries))
            sim_safety_failed(s);
        if (nd->applied && !sim_safety_on_state(s->safety, nd->id, nd->applied,
                                                sim_kv_state_digest(nd->kv)))
            sim_safety_failed(s);
    }
    g_free(buf);

    struct raft_update u;
    memset(&u, 0, sizeof(u));
    if (raft_tick(core, local, &u) == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_START, NULL);
    return SIM_OK;
}

/* SIM_KEEP_DRAWN: uniform in [0, pending] from the node's disk stream. */
static uint64_t keep_count(struct sim *s,
                           struct sim_node *nd,
                           uint64_t keep,
                           uint64_t pending)
{
    if (keep != SIM_KEEP_DRAWN)
        return keep;
    struct sim_rng rng;
    disk_draw(s, nd, &rng);
    return sim_rng_below(&rng, pending + 1);
}

void sim_node_crash(struct sim *s,
                    struct sim_node *nd,
                    uint64_t keep_log,
                    uint64_t keep_term)
{
    uint64_t pending_log, pending_term;
    sim_disk_pending_writes(&nd->disk, &pending_log, &pending_term);
    keep_log = keep_count(s, nd, keep_log, pending_log);
    keep_term = keep_count(s, nd, keep_term, pending_term);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_CRASH;
    e.node = nd->id;
    e.term = nd->term;
    e.aux = sim_disk_pending(&nd->disk);
    e.index = keep_log < pending_log ? keep_log : pending_log;
    e.count = keep_term < pending_term ? keep_term : pending_term;
    sim_emit(s, &e);
    s->counters.crashes++;
    sim_observe_crash(s, nd);

    raft_destroy(nd->core);
    nd->core = NULL;
    sim_kv_free(nd->kv);
    nd->kv = NULL;
    sim_disk_crash_keeping(&nd->disk, keep_log, keep_term, NULL, NULL);
    for (guint i = 0; i < nd->deferred->len; i++) {
        const struct sim_event *ev =
            &g_array_index(nd->deferred, struct sim_event, i);
        if (ev->kind == SIM_EV_DELIVER)
            trace_drop(s, ev->ptr, "down");
        else if (ev->kind == SIM_EV_CLIENT_REQUEST)
            sim_node_trace_client_drop(s, ev->ptr);
        sim_event_free_payload(ev);
    }
    g_array_set_size(nd->deferred, 0);
    g_array_set_size(nd->proposals, 0);
    g_array_set_size(nd->reads, 0);
    nd->props_head = 0;
    nd->alive = false;
    nd->paused = false;
    nd->pause_gen++;
    nd->incarnation++;
    nd->timer_gen++;
    nd->timer_at_us = UINT64_MAX;
    nd->deadline_us = UINT64_MAX;
    nd->traced_deadline_us = UINT64_MAX;
    nd->role = RAFT_FOLLOWER;
    nd->leader = 0;
    nd->commit = 0;
    nd->applied = 0;
    if (s->safety)
        sim_safety_on_crash(s->safety, nd->id);
    if (s->conduct)
        sim_conduct_on_crash(s->conduct, nd->id);
}

int sim_node_campaign(struct sim *s, struct sim_node *nd)
{
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    int rc = raft_campaign(nd->core, sim_node_local_now(s, nd), &u);
    if (rc != RAFT_OK)
        return SIM_ECORE;
    sim_node_process_update(s, nd, &u, SIM_CONDUCT_CAMPAIGN, NULL);
    return SIM_OK;
}

/* The operator's requests (sim_member.c): the core's own code, and the
 * update processed when it accepted. */
int sim_node_change_membership(struct sim *s,
                               struct sim_node *nd,
                               const struct raft_change *changes,
                               size_t n,
                               enum raft_transition t,
                               uint64_t *index)
{
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    int rc = raft_change_membership(nd->core, sim_node_local_now(s, nd),
                                    changes, n, t, index, &u);
    if (rc == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    return rc;
}

int sim_node_transfer(struct sim *s, struct sim_node *nd, uint32_t target)
{
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    int rc = raft_transfer_leadership(nd->core, sim_node_local_now(s, nd),
                                      target, &u);
    if (rc == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    return rc;
}

/* ---- events -------------------------------------------------------------- */

void sim_node_defer(struct sim_node *nd, const struct sim_event *ev)
{
    g_array_append_vals(nd->deferred, ev, 1);
}

void sim_node_on_timer(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *nd = &s->nodes[ev->node];
    if (!nd->alive || ev->arg != nd->timer_gen)
        return;
    /* One current timer per node: the event of the current generation is
     * the one armed for timer_at_us; every other is stale. */
    SIM_ASSERT(s->now_us == nd->timer_at_us,
               "n%u's current timer fired at %" PRIu64
               " us but was armed for %" PRIu64 " us",
               nd->id, s->now_us, nd->timer_at_us);
    nd->timer_at_us = UINT64_MAX;
    if (nd->paused)
        return; /* re-armed on resume */
    if (s->now_us < nd->deadline_us) {
        if (nd->deadline_us != UINT64_MAX) {
            nd->timer_gen++;
            nd->timer_at_us = nd->deadline_us;
            sim_push(s, nd->deadline_us, SIM_EV_TIMER, nd->id, nd->timer_gen,
                     NULL);
        }
        return;
    }
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    if (raft_tick(nd->core, sim_node_local_now(s, nd), &u) == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_TICK, NULL);
}

void sim_node_on_deliver(struct sim *s, const struct sim_event *ev)
{
    struct sim_msg *msg = ev->ptr;
    struct sim_node *nd = &s->nodes[ev->node];
    uint32_t from = (uint32_t)msg->m.from;
    if (!nd->alive || msg->dest_incarnation != nd->incarnation) {
        trace_drop(s, msg, "down");
        g_free(msg);
        return;
    }
    if (from >= 1 && from <= s->n &&
        !sim_net_link_open(&s->net, from, nd->id)) {
        trace_drop(s, msg, "cut");
        g_free(msg);
        return;
    }
    if (nd->paused) {
        sim_node_defer(nd, ev);
        return;
    }
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_DELIVER;
    fill_msg_event(&e, msg);
    sim_emit(s, &e);
    count(s, msg->m.type, COUNT_DELIVERED, msg->bytes);
    struct raft_update u;
    memset(&u, 0, sizeof(u));
    struct sim_rules_receipt rc = {.before = nd->commit};
    if (raft_receive(nd->core, sim_node_local_now(s, nd), &msg->m, &u) ==
        RAFT_OK) {
        rc.after = raft_commit_index(nd->core);
        rc.term = raft_term(nd->core);
        /* The role the message was handled in: a leader whose removal
         * commits on this reply raises its commit index as leader, then
         * steps down in the same step (thesis §4.2.2). */
        rc.role = nd->role == RAFT_LEADER && rc.term == nd->term
                      ? RAFT_LEADER
                      : raft_role(nd->core);
        rc.match = raft_match_index(nd->core, from);
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_RECEIVE, &msg->m);
        if (s->safety &&
            !sim_safety_on_receive(s->safety, nd->id, &msg->m, &rc))
            sim_safety_failed(s);
    }
    g_free(msg);
}

/* Makes the node's oldest pending batch durable: its held messages leave and
 * the core learns what is now on disk. */
static void complete_oldest_batch(struct sim *s, struct sim_node *nd)
{
    struct sim_disk_batch *b = sim_disk_complete(&nd->disk);
    s->counters.disk_syncs++;
    uint64_t last = sim_disk_last_index(&nd->disk);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_SYNC;
    e.node = nd->id;
    e.index = last;
    e.term = nd->disk.term;
    e.aux = b->id;
    sim_emit(s, &e);

    /* Held messages leave first: the writes they waited for are durable. */
    for (size_t i = 0; i < b->n_held; i++)
        send_msg(s, sim_disk_batch_held(b, i));
    b->n_held = 0;

    /* The core learns the durable hard state first: the entries of the
     * same batch were written after it. */
    if (b->hard) {
        struct raft_update u;
        memset(&u, 0, sizeof(u));
        if (raft_persisted_hard_state(nd->core, sim_node_local_now(s, nd),
                                      b->term, b->vote, &u) == RAFT_OK)
            sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    }
    uint64_t index = 0, term = 0;
    if (b->n_entries) {
        index = b->entries_index + b->n_entries - 1;
        term = b->entries[b->n_entries - 1].term;
    } else if (b->install) {
        index = b->snap_index;
        term = b->snap_term;
    }
    sim_disk_batch_free(b);
    if (index) {
        struct raft_update u;
        memset(&u, 0, sizeof(u));
        if (raft_persisted(nd->core, sim_node_local_now(s, nd), index, term,
                           &u) == RAFT_OK)
            sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    }
}

/* The completion time of batch ev->arg has come. Batch ids grow across
 * crashes and batches complete in submission order, so an id below the
 * oldest pending one was either lost in a crash or already completed. A
 * paused node defers the completion (pausing only delays a node); when a
 * batch's time has come, so has every older batch's, so they complete with
 * it even if their own events are still deferred. */
void sim_node_on_disk(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *nd = &s->nodes[ev->node];
    struct sim_disk_batch *oldest = sim_disk_oldest(&nd->disk);
    if (!nd->alive || !oldest || ev->arg < oldest->id)
        return;
    if (nd->paused) {
        sim_node_defer(nd, ev);
        return;
    }
    while (nd->alive && (oldest = sim_disk_oldest(&nd->disk)) &&
           oldest->id <= ev->arg)
        complete_oldest_batch(s, nd);
}

void sim_node_on_resume(struct sim *s, const struct sim_event *ev)
{
    struct sim_node *nd = &s->nodes[ev->node];
    if (!nd->alive || !nd->paused || ev->arg != nd->pause_gen)
        return;
    nd->paused = false;
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_RESUME;
    e.node = nd->id;
    e.aux = nd->deferred->len;
    sim_emit(s, &e);
    for (guint i = 0; i < nd->deferred->len; i++) {
        const struct sim_event *d =
            &g_array_index(nd->deferred, struct sim_event, i);
        sim_push(s, s->now_us, d->kind, d->node, d->arg, d->ptr);
    }
    g_array_set_size(nd->deferred, 0);
    rearm_timer(s, nd);
}
