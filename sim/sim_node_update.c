/* sim_node_update.c: the handling of every raft_update a node's core
 * produces, in the order raft.h numbers: persist (queue the batch on the
 * node's disk), hold or send the messages, report the commit index, restore
 * a snapshot, apply committed entries to the key-value machine, take a
 * snapshot when due, then re-arm the timer.
 *
 * Invariants: an update's first n_sync_messages messages leave only once
 * every write up to that update is durable, the others at once; the
 * checkers (sim/check/) hear of every log write, commit and apply before
 * anything that depends on it; the observed role/term/leader/commit fields
 * equal the core's after every processed update.
 */
#include <string.h>

#include "sim/check/sim_persist.h"
#include "sim/sim_internal.h"
#include "sim/sim_observe.h"

/* ---- disk ---------------------------------------------------------------- */

/* Seeds rng for one disk draw of the node now (see sim_internal.h). */
void sim_node_disk_draw(struct sim *s, struct sim_node *nd, struct sim_rng *rng)
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
    uint64_t latency;
    if (l->write_us_max <= l->write_us_min && l->sync_us_max <= l->sync_us_min) {
        /* Both constant: sim_rng_range() would read no draw of the
         * stream, which is this batch's alone, so none is seeded; the
         * rank at the instant still advances, for the draws after it. */
        (void)sim_rng_instant_rank(&nd->disk_drawn, s->now_us);
        latency = l->write_us_min + l->sync_us_min;
    } else {
        struct sim_rng rng;
        sim_node_disk_draw(s, nd, &rng);
        latency = sim_rng_range(&rng, l->write_us_min, l->write_us_max) +
                  sim_rng_range(&rng, l->sync_us_min, l->sync_us_max);
    }
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
        if (p->len != 0) /* a follower's stays empty: no call per apply */
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
 * changed since last traced (Raft paper, Figure 2, state on leaders), now
 * that the core's progress version moved to `version`. */
static void observe_progress_changes(struct sim *s,
                                     struct sim_node *nd,
                                     uint64_t version)
{
    nd->traced_progress_version = version;
    for (uint32_t peer = 1; peer <= s->cfg.n_nodes; peer++) {
        if (peer == nd->id)
            continue;
        uint64_t match, next;
        raft_peer_indexes(nd->core, peer, &match, &next);
        if (match == nd->traced_match[peer] && next == nd->traced_next[peer])
            continue;
        nd->traced_match[peer] = match;
        nd->traced_next[peer] = next;
        sim_emit_fields(s, &(struct sim_trace_event){
                               .kind = SIM_TRACE_PROGRESS,
                               .node = nd->id,
                               .peer = peer,
                               .term = nd->term,
                               .index = match,
                               .aux = next});
    }
}

/* The leader's pairs, when they may have changed: while the core's
 * progress version stays the one of the last look, no peer's pair changed
 * (raft_progress_version()), so there is nothing to trace. Inline: most
 * steps are of that kind, or of a node that does not lead. */
static inline void observe_progress(struct sim *s, struct sim_node *nd)
{
    if (nd->role != RAFT_LEADER)
        return;
    uint64_t version = raft_progress_version(nd->core);
    if (version != nd->traced_progress_version)
        observe_progress_changes(s, nd, version);
}

/* Traces what the step changed of the node's term, role or leader (at
 * least one moved); returns whether it became leader. */
static bool observe_changes(struct sim *s,
                            struct sim_node *nd,
                            const struct raft_update *u)
{
    uint64_t term = u->term;
    enum raft_role role = u->role;
    bool term_changed = term != nd->term;
    bool became_leader = false;
    sim_standing_moved(s);
    if (term_changed) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_TERM;
        e.node = nd->id;
        e.term = term;
        e.peer = (uint32_t)u->vote;
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
        /* Only the ids a peer can have (observe_progress_changes() reads
         * no other): a pair of 256 ids is 4 KiB to clear. */
        size_t ids = (size_t)s->cfg.n_nodes + 1;
        memset(nd->traced_match, 0, ids * sizeof(nd->traced_match[0]));
        memset(nd->traced_next, 0, ids * sizeof(nd->traced_next[0]));
        nd->traced_progress_version = 0; /* look at every peer again */
    }
    if (term_changed && s->safety &&
        !sim_safety_on_role(s->safety, nd->id, role, term))
        sim_safety_failed(s);
    uint64_t leader = u->leader;
    if (leader != nd->leader) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_LEADER;
        e.node = nd->id;
        e.peer = (uint32_t)leader;
        e.term = term;
        sim_emit(s, &e);
        nd->leader = leader;
    }
    return became_leader;
}

/* Traces what the step changed of the node's term, role and leader, as
 * the update reports them after the call (raft.h: every call fills them,
 * failed ones too), then its configuration, transfers and progress. Inline,
 * the changes out of line: most steps change none of the three (steady,
 * sim_node_process_update_at()). */
static inline void observe_state(struct sim *s,
                                 struct sim_node *nd,
                                 const struct raft_update *u,
                                 uint64_t config_version,
                                 bool steady)
{
    bool became_leader = false;
    if (!steady)
        became_leader = observe_changes(s, nd, u);
    sim_observe_node(s, nd, became_leader, config_version);
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
            sim_kv_apply_cached(nd->kv, s->kv_decoder, index, entry->data,
                                entry->len, &reply);
            if (prop->term == entry->term)
                sim_client_reply(s, nd->id, prop->client, prop->request, false,
                                 0, nd->term, &reply);
            sim_kv_reply_clear(&reply);
            nd->props_head++;
        } else {
            sim_kv_apply_cached(nd->kv, s->kv_decoder, index, entry->data,
                                entry->len, NULL);
        }
        /* Nothing to trim before the first proposal taken (a follower's
         * entries). */
        if (nd->props_head != 0)
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
    /* Written once for the nodes known to hold the same state. */
    const GByteArray *snap = sim_kv_serialize_shared(nd->kv, s->kv_decoder);
    struct raft_update u; /* filled by the core (raft.h) */
    int rc = raft_compact(nd->core, sim_node_local_now(s, nd), index,
                          snap->data, snap->len, &u);
    nd->since_snapshot = 0;
    if (rc != RAFT_OK)
        return;
    struct sim_disk_batch *b = sim_disk_batch_take(&nd->disk);
    sim_disk_batch_set_snapshot(b, false, index, term, snap->data, snap->len);
    struct raft_configuration conf;
    raft_snapshot_configuration(nd->core, &conf);
    sim_disk_batch_set_snapshot_config(&nd->disk, b, &conf);
    submit_batch(s, nd, b);
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_SNAPSHOT;
    e.node = nd->id;
    e.index = index;
    e.term = term;
    e.count = snap->len;
    sim_emit(s, &e);
    if (s->safety)
        sim_safety_on_compact(s->safety, nd->id, index);
    sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
}

/* Writes v in decimal at p; returns the digits written. One or two
 * digits (most terms and run lengths) without the loop. Inline in
 * write_entry_terms(): twice a run, at every log write. */
static inline __attribute__((always_inline)) size_t put_decimal(char *p,
                                                         uint64_t v)
{
    if (v < 10) {
        p[0] = (char)('0' + v);
        return 1;
    }
    if (v < 100) {
        p[0] = (char)('0' + v / 10);
        p[1] = (char)('0' + v % 10);
        return 2;
    }
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

/* The terms of n entries (n >= 1) as runs into t, which has room for
 * SIM_NODE_TERMS_TEXT_MAX(n) bytes: "1x3 2x1": term, 'x', count, and a
 * 'c' after its count ("2x1c"), so a viewer can rebuild every log, and
 * mark its configuration entries, from the trace. Returns the length,
 * without the NUL written after. Formatted by hand: it runs for every log
 * write. */
static size_t write_entry_terms(char *t,
                                const struct raft_entry *entries,
                                size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        uint64_t term = entries[i].term;
        bool conf = entries[i].type == RAFT_ENTRY_CONFIG;
        size_t end = i + 1;
        while (end < n && entries[end].term == term &&
               (entries[end].type == RAFT_ENTRY_CONFIG) == conf)
            end++;
        if (len > 0)
            t[len++] = ' ';
        len += put_decimal(t + len, term);
        t[len++] = 'x';
        len += put_decimal(t + len, end - i);
        if (conf)
            t[len++] = 'c';
        i = end;
    }
    t[len] = '\0';
    return len;
}

/* A run takes at most 20 + 1 + 20 + 1 bytes and a separator. */
#define SIM_NODE_TERMS_TEXT_MAX(n) ((n) * 43 + 1)

char *sim_node_entry_terms_text(const struct raft_entry *entries, size_t n)
{
    if (n == 0)
        return NULL;
    char *t = g_malloc(SIM_NODE_TERMS_TEXT_MAX(n));
    write_entry_terms(t, entries, n);
    return t;
}

/* persistence, the leader's side: a leader's new commit index names an
 * entry that a majority of disks hold durably (sim_rules.h). */
static void check_leader_commit(struct sim *s,
                                struct sim_node *nd,
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
 * observed role and term move on to the update's. Always inline: every
 * step passes here, and a frame of its own (six registers saved and
 * restored, the step's fields stored) costs a quarter of the rules'
 * common case. */
static inline __attribute__((always_inline)) void
judge_step(struct sim *s,
           struct sim_node *nd,
           uint64_t now,
           const struct raft_update *u,
           enum sim_conduct_input input,
           const struct raft_message *received,
           uint64_t config_version,
           bool steady)
{
    struct sim_conduct_step st = {
        .node = nd->id,
        .now = now,
        .input = input,
        .received = received,
        .role_before = nd->role,
        .term_before = nd->term,
        .update = u,
        .term_after = u->term,
    };
    st.core = nd->core;
    st.config_version = config_version;
    st.steady = steady;
    struct sim_violation v;
    if (!sim_conduct_judge(s->conduct, &st, &v) &&
        !sim_safety_report(s->safety, &v))
        sim_safety_failed(s);
}

/* raft.h's step 1: one write batch for the update's hard state, snapshot
 * and entries, in that order, submitted to the node's disk FIFO; called
 * only for an update that writes (most write nothing). */
static void persist_update(struct sim *s,
                           struct sim_node *nd,
                           const struct raft_update *u)
{
    struct sim_disk_batch *b = sim_disk_batch_take(&nd->disk);
    if (u->hard_state_changed)
        sim_disk_batch_set_hard(b, u->term, u->vote);
    if (u->snapshot)
        sim_disk_batch_set_snapshot(b, true, u->snapshot->last_index,
                                    u->snapshot->last_term, u->snapshot->data,
                                    u->snapshot->len);
    if (u->snapshot)
        sim_disk_batch_set_snapshot_config(&nd->disk, b,
                                           &u->snapshot->configuration);
    if (u->n_entries)
        sim_disk_batch_set_entries(b, u->entries_index, u->entries,
                                   u->n_entries);
    else if (u->snapshot && u->entries_index)
        /* The core dropped the log after the snapshot as well. */
        sim_disk_batch_set_truncate(b, u->entries_index);
    uint64_t id = submit_batch(s, nd, b);
    /* The text of a write of up to 95 entries (most) on the stack. */
    char buf[SIM_NODE_TERMS_TEXT_MAX(95)];
    char *terms = NULL;
    size_t len = 0;
    if (u->n_entries) {
        terms = u->n_entries <= 95
                    ? buf
                    : g_malloc(SIM_NODE_TERMS_TEXT_MAX(u->n_entries));
        len = write_entry_terms(terms, u->entries, u->n_entries);
    }
    /* Recorded from the values and the length at hand (sim_emit_text()). */
    sim_emit_text(
        s,
        &(struct sim_trace_event){
            .kind = SIM_TRACE_PERSIST,
            .node = nd->id,
            .index = u->n_entries ? u->entries_index : 0,
            .count = u->n_entries,
            .term = u->hard_state_changed ? u->term : 0,
            .peer = u->hard_state_changed ? (uint32_t)u->vote : 0,
            .aux = id,
            .ok = u->snapshot != NULL,
        },
        terms, len);
    if (terms != buf)
        g_free(terms);
    if (s->safety && u->n_entries &&
        !sim_safety_on_log_write(s->safety, nd->id, u->entries_index,
                                 u->entries, u->n_entries))
        sim_safety_failed(s);
    if (u->snapshot)
        report_log_reset(s, nd);
}

/* The pooled copy of message m of nd's update, with the promise the
 * persistence contract reads as it leaves (sim_persist_promise()). */
static inline struct sim_msg *leaving_copy(struct sim *s,
                                           const struct sim_node *nd,
                                           const struct raft_message *m)
{
    struct sim_msg *msg = sim_net_msg_copy(&s->net, m);
    if (s->safety)
        msg->promised_index =
            sim_persist_promise(nd->core, &msg->m, &msg->acked_term);
    else
        msg->promised_index = msg->acked_term = 0;
    return msg;
}

/* raft.h's steps 2 and 3: the first n_sync_messages wait in the newest
 * write batch until every write so far is durable; the rest leave now, in
 * their order, after them. */
static void send_update(struct sim *s,
                        struct sim_node *nd,
                        const struct raft_update *u)
{
    if (!u->n_messages)
        return;
    /* A core sends TimeoutNow only as a leader with a transfer target
     * (thesis §3.10, raft_transfer.c), after which the call neither steps
     * down nor drops the target (a tick, which drops it, sends none). For
     * such a node observe_state() has just left the transfer followed
     * (not SIM_TRANSFER_NONE): no other update can hold one to trace. */
    if (nd->transfer_state != SIM_TRANSFER_NONE)
        sim_observe_messages(s, nd, u);
    size_t i = 0;
    /* Nothing waits without a batch pending, or when told to send first. */
    if (u->n_sync_messages && !s->cfg.unsafe_send_before_sync) {
        struct sim_disk_batch *newest = sim_disk_newest(&nd->disk);
        if (newest)
            for (; i < u->n_sync_messages && i < u->n_messages; i++)
                sim_disk_batch_hold(newest,
                                    leaving_copy(s, nd, &u->messages[i]));
    }
    for (; i < u->n_messages; i++)
        sim_node_send_msg(s, leaving_copy(s, nd, &u->messages[i]));
}

/* report_commit() of a commit index that moved. */
static G_GNUC_NO_INLINE void commit_moved(struct sim *s,
                                          struct sim_node *nd,
                                          uint64_t commit)
{
    uint64_t old_commit = nd->commit;
    sim_emit_fields(s, &(struct sim_trace_event){.kind = SIM_TRACE_COMMIT,
                                                 .node = nd->id,
                                                 .index = commit,
                                                 .term = nd->term});
    nd->commit = commit;
    if (commit > s->counters.commit_index_max)
        s->counters.commit_index_max = commit;
    if (s->safety && !sim_safety_on_commit(s->safety, nd->id, commit))
        sim_safety_failed(s);
    if (s->safety && commit > old_commit && nd->role == RAFT_LEADER)
        check_leader_commit(s, nd, commit);
}

/* The commit index (the core's after the call, as the update reports
 * it), reported before what it allows to apply. Inline, the move out of
 * line: most steps leave the commit index where it was. */
static inline void report_commit(struct sim *s,
                                 struct sim_node *nd,
                                 const struct raft_update *u)
{
    if (u->commit_index != nd->commit)
        commit_moved(s, nd, u->commit_index);
}

/* raft.h's step 4, first half: the state machine restored from a snapshot
 * the update carries. */
static void restore_snapshot(struct sim *s,
                             struct sim_node *nd,
                             const struct raft_snapshot *snap)
{
    if (!sim_kv_restore_shared(nd->kv, s->kv_decoder, snap->data, snap->len)) {
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

/* raft.h's step 4, second half: the committed entries applied in order.
 * Out of line, called only when there are some: with the rules of conduct
 * inline in the step, GCC would otherwise call apply_entry() once per
 * entry instead of keeping it in this loop. */
static G_GNUC_NO_INLINE void apply_update(struct sim *s,
                                          struct sim_node *nd,
                                          const struct raft_update *u)
{
    if (!u->n_committed)
        return;
    for (size_t i = 0; i < u->n_committed; i++)
        apply_entry(s, nd, u->apply_index + i, &u->committed[i]);
    sim_emit_fields(s, &(struct sim_trace_event){.kind = SIM_TRACE_APPLY,
                                                 .node = nd->id,
                                                 .index = nd->applied,
                                                 .count = u->n_committed,
                                                 .aux = sim_kv_applied(nd->kv)});
    if (s->safety && !sim_safety_on_state(s->safety, nd->id, nd->applied,
                                          sim_kv_state_digest(nd->kv)))
        sim_safety_failed(s);
}

/* Handles one update in the order raft.h numbers (persist, hold or send,
 * apply, re-arm), with the checks and trace events of each step. */
void sim_node_process_update_at(struct sim *s,
                                struct sim_node *nd,
                                uint64_t now,
                                struct raft_update *u,
                                enum sim_conduct_input input,
                                const struct raft_message *received)
{
    /* Asked once for the rules of conduct and the observer: neither
     * changes the core. */
    uint64_t config_version = raft_configuration_version(nd->core);
    /* Whether the step kept the observed term, role and leader (most do):
     * asked once, for the rules of conduct and the observer. */
    bool steady =
        u->term == nd->term && u->role == nd->role && u->leader == nd->leader;
    if (s->conduct != NULL)
        judge_step(s, nd, now, u, input, received, config_version, steady);
    observe_state(s, nd, u, config_version, steady);
    if (s->safety &&
        !sim_safety_judge_vote(s->safety, nd->id, nd->term, u->vote))
        sim_safety_failed(s);
    if (u->hard_state_changed || u->snapshot || u->n_entries)
        persist_update(s, nd, u);
    send_update(s, nd, u);
    report_commit(s, nd, u);
    if (u->snapshot)
        restore_snapshot(s, nd, u->snapshot);
    if (u->n_committed)
        apply_update(s, nd, u);
    /* Reads the core confirmed, and those the node has now applied: none
     * to take or answer in most steps. */
    if (u->n_reads > 0 || nd->reads->len > 0)
        sim_read_on_update(s, nd, u);
    /* raft.h's step 5: the next deadline. */
    sim_node_arm_timer(s, nd, now, u->next_deadline);
    if (s->cfg.snapshot_every && nd->since_snapshot >= s->cfg.snapshot_every)
        take_snapshot(s, nd);
}
