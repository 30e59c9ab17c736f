/* sim_node.c: one simulated node (Raft core + disk + key-value machine):
 * its drifting clock, setup and teardown, its election timer, the sending
 * and counting of its messages, and the events that reach it (timer,
 * delivery, disk completion, resume). Its lifecycle is sim_node_life.c's,
 * the handling of each raft_update sim_node_update.c's.
 *
 * Invariants: a live node's core and kv exist and a crashed node has neither;
 * a disk batch completes only after every batch before it (held messages
 * leave in batch order); at most one timer event per node is current
 * (timer_gen), stale ones are skipped.
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
static inline void trace_deadline(struct sim *s, struct sim_node *nd);

/* The node's clock at global_us when it drifts. A clock that would pass
 * 2^64 - 1 us stops there; scenario files cannot get that far
 * (sim_drift_fits()). */
uint64_t sim_node_local_at_drifted(const struct sim_node *nd,
                                   uint64_t global_us)
{
    uint64_t elapsed = global_us - nd->global_base_us;
    if (!sim_time_scale(elapsed, nd->rate_ppm, PPM, false, &elapsed))
        return UINT64_MAX;
    return elapsed > UINT64_MAX - nd->local_base_us
               ? UINT64_MAX
               : nd->local_base_us + elapsed;
}

/* global_of() for a drifting clock. */
static uint64_t global_of_drifted(const struct sim_node *nd, uint64_t local_us)
{
    uint64_t elapsed = local_us - nd->local_base_us;
    if (!sim_time_scale(elapsed, PPM, nd->rate_ppm, true, &elapsed))
        return UINT64_MAX;
    if (elapsed > UINT64_MAX - nd->global_base_us)
        return UINT64_MAX;
    uint64_t g = nd->global_base_us + elapsed;
    SIM_ASSERT(sim_node_local_at(nd, g) >= local_us &&
                   sim_node_local_at(nd, g - 1) < local_us,
               "node %" PRIu32 ": local time %" PRIu64
               " maps to global time %" PRIu64,
               nd->id, local_us, g);
    return g;
}

/* The first global time at which the node's clock reads local_us, or
 * UINT64_MAX (never) when that lies beyond 2^64 - 1 us; now is the node's
 * clock at this instant. Exact: the ceiling of the inverse of
 * sim_node_local_at()'s floor. Inline, the drifting clock's out of line:
 * most nodes keep the rate of real time. */
static inline uint64_t global_of(const struct sim *s,
                                 const struct sim_node *nd,
                                 uint64_t now,
                                 uint64_t local_us)
{
    if (local_us <= now)
        return s->now_us;
    if (nd->rate_ppm != PPM)
        return global_of_drifted(nd, local_us);
    uint64_t elapsed = local_us - nd->local_base_us;
    if (elapsed > UINT64_MAX - nd->global_base_us)
        return UINT64_MAX;
    return nd->global_base_us + elapsed;
}

void sim_node_set_rate(struct sim *s, struct sim_node *nd, uint64_t rate_ppm)
{
    nd->local_base_us = sim_node_local_at(nd, s->now_us);
    nd->global_base_us = s->now_us;
    nd->rate_ppm = rate_ppm;
    if (nd->alive && nd->deadline_local_us != UINT64_MAX) {
        /* The pending deadline moves with the new rate. */
        nd->deadline_us =
            global_of(s, nd, sim_node_local_now(s, nd), nd->deadline_local_us);
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
        sim_msg_free(ev->ptr);
        break;
    case SIM_EV_CLIENT_REQUEST:
    case SIM_EV_CLIENT_REPLY:
        sim_cmsg_free(NULL, ev->ptr);
        break;
    case SIM_EV_CALLBACK:
        if (ev->arg == SIM_CALLBACK_BOXED) /* else ptr is borrowed ctx */
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
 * heartbeat, not an election timer, and is not traced. Inline, the event
 * with it: every step passes here, most leave the deadline as traced (a
 * leader's) or move it (a follower's, at each heartbeat), and the event's
 * own call cost a frame and a register shuffle each time. */
static inline void trace_deadline(struct sim *s, struct sim_node *nd)
{
    uint64_t d = nd->role == RAFT_LEADER ? UINT64_MAX : nd->deadline_us;
    if (d == nd->traced_deadline_us)
        return;
    nd->traced_deadline_us = d;
    if (d != UINT64_MAX)
        sim_emit_fields(s, &(struct sim_trace_event){.kind = SIM_TRACE_TIMER,
                                                     .node = nd->id,
                                                     .aux = d});
}

void sim_node_arm_timer(struct sim *s,
                        struct sim_node *nd,
                        uint64_t now,
                        uint64_t local_us)
{
    uint64_t g = nd->deadline_us;
    /* The same local deadline as the last one armed, still ahead: its
     * global time is the one computed then (the clock's rate and bases
     * are those of then, or sim_node_set_rate() computed it again), and a
     * deadline already due would lie at or before now. Most steps of a
     * leader keep their deadline. */
    if (local_us != nd->deadline_local_us || g <= s->now_us) {
        nd->deadline_local_us = local_us;
        if (local_us == UINT64_MAX) {
            g = UINT64_MAX;
        } else {
            g = global_of(s, nd, now, local_us);
            /* A deadline that is already due fires 1 us from now, so a
             * core that keeps answering "now" cannot stall the clock. */
            if (g <= s->now_us)
                g = s->now_us + 1;
        }
        nd->deadline_us = g;
    }
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

/* Counts one message of type t in its type's counters (the totals,
 * counters[0], are their sum, added up when asked: sim_get_msg_counters());
 * inline so that each call site keeps only its own branch. */
static inline void count(struct sim *s,
                         enum raft_message_type t,
                         enum msg_count what,
                         uint64_t bytes)
{
    struct sim_msg_counters *of = &s->net.counters[t];
    switch (what) {
    case COUNT_SENT:
        of->sent++;
        of->bytes_sent += bytes;
        break;
    case COUNT_DELIVERED:
        of->delivered++;
        of->bytes_delivered += bytes;
        break;
    case COUNT_DROPPED:
        of->dropped++;
        break;
    case COUNT_DUPLICATED:
        of->duplicated++;
        break;
    }
}

static inline void fill_msg_event(struct sim_trace_event *e, const struct sim_msg *msg)
{
    const struct raft_message *m = &msg->m;
    e->node = (uint32_t)m->from;
    e->peer = (uint32_t)m->to;
    e->msg_id = msg->id;
    e->msg_type = m->type;
    e->term = m->term;
    /* The two kinds of nearly every message first, without the switch's
     * table. */
    if (m->type == RAFT_MSG_APPEND_ENTRIES) {
        e->index = m->append_entries.prev_log_index;
        e->count = m->append_entries.n_entries;
        e->commit = m->append_entries.leader_commit;
        e->aux = m->append_entries.prev_log_term;
        return;
    }
    if (m->type == RAFT_MSG_APPEND_ENTRIES_RESULT) {
        e->index = m->append_entries_result.index;
        e->ok = m->append_entries_result.success;
        e->aux = m->append_entries_result.conflict_index;
        return;
    }
    switch (m->type) {
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

void sim_node_trace_drop(struct sim *s,
                         const struct sim_msg *msg,
                         const char *why)
{
    sim_emit_text(s,
                  &(struct sim_trace_event){
                      .kind = SIM_TRACE_DROP,
                      .node = (uint32_t)msg->m.from,
                      .peer = (uint32_t)msg->m.to,
                      .msg_id = msg->id,
                      .msg_type = msg->m.type,
                      .term = msg->m.term,
                  },
                  why, strlen(why));
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

/* The rest of msg's leaving once its fate is drawn: counted, traced and
 * judged by the persistence contract, then lost, or queued for delivery
 * after its fate's delay (a copy too when duplicated). fate NULL: a plain
 * fate (sim_net_draw_plain()) of delay plain_delay_us, of a message that
 * needs no more of the contract than sim_safety_judge_send_settled()
 * (send_settled()). Always inline twice: with fate NULL into
 * sim_node_send_msg(), so that such a message (nearly every one of a run
 * without faults) has a path of its own, with no test of its fate and no
 * full check of the contract in it; with a fate into send_drawn(). */
static inline __attribute__((always_inline)) void
leave(struct sim *s,
      struct sim_msg *msg,
      const struct sim_net_fate *fate,
      uint64_t plain_delay_us)
{
    uint64_t to = msg->m.to;
    enum raft_message_type t = msg->m.type;
    count(s, t, COUNT_SENT, msg->bytes);

    struct sim_trace_event e = {.kind = SIM_TRACE_SEND};
    fill_msg_event(&e, msg);
    sim_emit_fields(s, &e);
    /* The persistence contract is judged as the message leaves: settled
     * by the sender's memo when one alike passed against the same durable
     * image (sim_persist_settled()), else against the image read now. */
    if (s->safety && fate == NULL) {
        if (!sim_safety_judge_send_settled(s->safety))
            sim_safety_failed(s);
    } else if (s->safety) {
        uint32_t from = (uint32_t)msg->m.from;
        struct sim_disk *disk = &s->nodes[from].disk;
        uint64_t index = msg->promised_index;
        bool ok;
        if (sim_persist_settled(&disk->settled, &msg->m, index,
                                msg->acked_term)) {
            ok = sim_safety_judge_send_settled(s->safety);
        } else {
            ok = sim_safety_on_send(s->safety, from, &msg->m, msg->acked_term,
                                    sim_disk_durable(disk, index));
            if (ok)
                sim_persist_settle(&disk->settled, &msg->m, index,
                                   msg->acked_term);
        }
        if (!ok)
            sim_safety_failed(s);
    }

    if (fate != NULL && fate->lost) {
        sim_node_trace_drop(s, msg, "random");
        sim_net_msg_free(&s->net, msg);
        return;
    }
    if (fate != NULL && fate->duplicated) {
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
        sim_push(s, s->now_us + fate->copy_delay_us, SIM_EV_DELIVER,
                 (uint32_t)to, 0, copy);
    }
    sim_push(s, s->now_us + (fate != NULL ? fate->delay_us : plain_delay_us),
             SIM_EV_DELIVER, (uint32_t)to, 0, msg);
}

/* Whether the persistence contract asks no more of msg than
 * sim_safety_judge_send_settled(): no safety checker, or its sender's
 * memo settles it (sim_persist_settled()). Reads only. */
static inline bool send_settled(const struct sim *s, const struct sim_msg *msg)
{
    return s->safety == NULL ||
           sim_persist_settled(&s->nodes[msg->m.from].disk.settled, &msg->m,
                               msg->promised_index, msg->acked_term);
}

/* Whether msg's ids and type are the engine's: ids from 1 to n, types from
 * 1 to RAFT_MSG_TYPE_COUNT - 1, each as one unsigned comparison. */
static inline bool msg_valid(const struct sim *s, const struct sim_msg *msg)
{
    return msg->m.to - 1 < s->n && msg->m.from - 1 < s->n &&
           (unsigned)msg->m.type - 1 < RAFT_MSG_TYPE_COUNT - 1;
}

/* Numbers msg and names the incarnation of its destination. */
static inline void stamp(struct sim *s, struct sim_msg *msg)
{
    msg->id = s->net.next_msg_id++;
    msg->dest_incarnation = s->nodes[msg->m.to].incarnation;
}

/* sim_node_send_msg() of every message but a settled one of a plain
 * fate: checked, numbered, its fate drawn (sim_net_draw_link(), whose
 * draws are inline here, in this one frame), then leave() with it. Out of
 * line: the plain path keeps its registers, and a network that draws every
 * fate comes here after one test. */
static __attribute__((noinline)) void send_drawn(struct sim *s,
                                                 struct sim_msg *msg)
{
    if (!msg_valid(s, msg)) {
        sim_net_msg_free(&s->net, msg);
        return;
    }
    stamp(s, msg);
    size_t link =
        sim_net_link(&s->net, (uint32_t)msg->m.from, (uint32_t)msg->m.to);
    struct sim_net_fate fate;
    sim_net_draw_link(&s->net, link, s->now_us, &fate);
    leave(s, msg, &fate, 0);
}

/* msg is transferred. A plain fate's message that send_settled() settles
 * (every one of the idle case) leaves here; any other, checked or not, is
 * send_drawn()'s. Neither path reads what the other sets first: the
 * settled test reads the sender's memo and msg's fields, not its id nor
 * its link's rank. */
void sim_node_send_msg(struct sim *s, struct sim_msg *msg)
{
    if (s->net.draws != SIM_NET_DRAWS_PLAIN || !msg_valid(s, msg) ||
        !send_settled(s, msg)) {
        send_drawn(s, msg);
        return;
    }
    stamp(s, msg);
    size_t link =
        sim_net_link(&s->net, (uint32_t)msg->m.from, (uint32_t)msg->m.to);
    uint64_t delay_us;
    (void)sim_net_draw_plain(&s->net, link, s->now_us, &delay_us);
    leave(s, msg, NULL, delay_us);
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
    struct raft_update u; /* filled by the core (raft.h) */
    uint64_t now = sim_node_local_now(s, nd);
    if (raft_tick(nd->core, now, &u) == RAFT_OK)
        sim_node_process_update_at(s, nd, now, &u, SIM_CONDUCT_TICK, NULL);
}

void sim_node_on_deliver(struct sim *s, const struct sim_event *ev)
{
    struct sim_msg *msg = ev->ptr;
    struct sim_node *nd = &s->nodes[ev->node];
    uint32_t from = (uint32_t)msg->m.from;
    if (!nd->alive || msg->dest_incarnation != nd->incarnation) {
        sim_node_trace_drop(s, msg, "down");
        sim_net_msg_free(&s->net, msg);
        return;
    }
    /* Every message in flight left through sim_node_send_msg(), which
     * let none through whose sender is not a node. */
    if (!sim_net_link_open(&s->net, from, nd->id)) {
        sim_node_trace_drop(s, msg, "cut");
        sim_net_msg_free(&s->net, msg);
        return;
    }
    if (nd->paused) {
        sim_node_defer(nd, ev);
        return;
    }
    struct sim_trace_event e = {.kind = SIM_TRACE_DELIVER};
    fill_msg_event(&e, msg);
    sim_emit_fields(s, &e);
    count(s, msg->m.type, COUNT_DELIVERED, msg->bytes);
    struct raft_update u; /* filled by the core (raft.h) */
    struct sim_rules_receipt rc = {.before = nd->commit};
    uint64_t now = sim_node_local_now(s, nd);
    if (raft_receive(nd->core, now, &msg->m, &u) == RAFT_OK) {
        /* The core's state after the call, as the update reports it
         * (raft.h: every call fills these). */
        rc.after = u.commit_index;
        rc.term = u.term;
        /* The role the message was handled in: a leader whose removal
         * commits on this reply raises its commit index as leader, then
         * steps down in the same step (thesis §4.2.2). */
        rc.role = nd->role == RAFT_LEADER && rc.term == nd->term
                      ? RAFT_LEADER
                      : u.role;
        /* The sender's matchIndex, which the rules read of a leader only
         * (sim_rules.h: 0 unless leader). */
        rc.match = rc.role == RAFT_LEADER ? sim_node_leader_match(nd, from) : 0;
        sim_node_process_update_at(s, nd, now, &u, SIM_CONDUCT_RECEIVE,
                                   &msg->m);
        if (s->safety &&
            !sim_safety_judge_receipt(s->safety, nd->id, &msg->m, &rc))
            sim_safety_failed(s);
    }
    sim_net_msg_free(&s->net, msg);
}

/* Makes the node's oldest pending batch durable: its held messages leave and
 * the core learns what is now on disk. */
static void complete_oldest_batch(struct sim *s, struct sim_node *nd)
{
    struct sim_disk_batch *b = sim_disk_complete(&nd->disk);
    s->counters.disk_syncs++;
    uint64_t last = sim_disk_last_index(&nd->disk);
    sim_emit_fields(s, &(struct sim_trace_event){.kind = SIM_TRACE_SYNC,
                                                 .node = nd->id,
                                                 .index = last,
                                                 .term = nd->disk.term,
                                                 .aux = b->id});

    /* Held messages leave first: the writes they waited for are durable. */
    for (size_t i = 0; i < b->n_held; i++)
        sim_node_send_msg(s, sim_disk_batch_held(b, i));
    b->n_held = 0;

    /* The core learns the durable hard state first: the entries of the
     * same batch were written after it. */
    if (b->hard) {
        struct raft_update u; /* filled by the core (raft.h) */
        if (raft_persisted_hard_state(nd->core, sim_node_local_now(s, nd),
                                      b->term, b->vote, &u) == RAFT_OK)
            sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    }
    uint64_t index = 0, term = 0;
    if (b->n_entries) {
        index = b->entries_index + b->n_entries - 1;
        term = b->last_term;
    } else if (b->install) {
        index = b->snap_index;
        term = b->snap_term;
    }
    sim_disk_batch_done(&nd->disk, b);
    if (index) {
        struct raft_update u; /* filled by the core (raft.h) */
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
    sim_standing_moved(s);
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
