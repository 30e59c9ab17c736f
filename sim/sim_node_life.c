/* sim_node_life.c: a node's lifecycle and the operator's requests to it:
 * start and restart from its disk, crash (losing what was not durable, or
 * keeping a chosen part of it), forced campaigns, membership changes and
 * leadership transfers.
 *
 * Invariants: a live node's core and kv exist and a crashed node has
 * neither; a (re)start draws its timer seed from the node's stream keyed by
 * the instant, never by how often it started before; a crash drops the
 * node's queued messages and pending disk batches as the trace shows.
 */
#include <string.h>

#include "sim/sim_internal.h"
#include "sim/sim_observe.h"

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

/* Installs a freshly created core in nd with its kv rebuilt from the
 * durable snapshot, and the observed fields the core's. */
static void install_core(struct sim *s, struct sim_node *nd, struct raft *core)
{
    nd->core = core;
    nd->kv = sim_kv_new();
    if (nd->disk.snap_index &&
        !sim_kv_restore_shared(nd->kv, s->kv_decoder, nd->disk.snap_data,
                               nd->disk.snap_len)) {
        sim_kv_free(nd->kv);
        nd->kv = sim_kv_new();
    }
    nd->alive = true;
    nd->paused = false;
    nd->role = raft_role(core);
    nd->term = raft_term(core);
    nd->leader = raft_leader(core);
    sim_standing_moved(s);
    nd->commit = raft_commit_index(core);
    nd->applied = nd->disk.snap_index;
    nd->since_snapshot = 0;
    nd->timer_at_us = UINT64_MAX;
    nd->deadline_us = UINT64_MAX;
    nd->deadline_local_us = UINT64_MAX;
    nd->traced_deadline_us = UINT64_MAX;
}

/* Traces a restart, or a first start's nonzero term and `init` log. */
static void trace_start(struct sim *s,
                        const struct sim_node *nd,
                        bool restart,
                        const struct raft_durable_state *st)
{
    if (restart) {
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_RESTART;
        e.node = nd->id;
        e.term = nd->term;
        e.index = raft_last_index(nd->core);
        e.commit = nd->commit;
        sim_emit(s, &e);
    } else if (nd->term != 0) {
        /* A node given an `init` state starts in a nonzero term: the trace
         * says so, so that it alone tells every node's starting term. */
        struct sim_trace_event e = {0};
        e.kind = SIM_TRACE_TERM;
        e.node = nd->id;
        e.term = nd->term;
        e.peer = (uint32_t)raft_vote(nd->core);
        sim_emit(s, &e);
    }
    if (!restart && st->n_entries) {
        struct sim_trace_event e = {0};
        char *terms = sim_node_entry_terms_text(st->entries, st->n_entries);
        e.kind = SIM_TRACE_LOG;
        e.node = nd->id;
        e.index = st->snapshot.last_index + 1;
        e.count = st->n_entries;
        e.text = terms;
        sim_emit(s, &e);
        g_free(terms);
    }
}

/* Tells the safety checker the started node's role, log and state. */
static void check_start(struct sim *s,
                        const struct sim_node *nd,
                        bool restart,
                        const struct raft_durable_state *st)
{
    if (!sim_safety_on_role(s->safety, nd->id, nd->role, nd->term))
        sim_safety_failed(s);
    if ((restart || st->n_entries || st->snapshot.last_index) &&
        !sim_safety_on_log_reset(s->safety, nd->id, st->snapshot.last_index,
                                 st->snapshot.last_term, st->entries,
                                 st->n_entries))
        sim_safety_failed(s);
    if (nd->applied && !sim_safety_on_state(s->safety, nd->id, nd->applied,
                                            sim_kv_state_digest(nd->kv)))
        sim_safety_failed(s);
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
    raft_set_record_pool(core, s->records);
    install_core(s, nd, core);
    if (restart) {
        s->counters.restarts++;
        if (s->safety)
            sim_safety_on_restart(s->safety, nd->id, nd->commit);
    }
    trace_start(s, nd, restart, &st);
    if (s->safety)
        check_start(s, nd, restart, &st);
    g_free(buf);

    struct raft_update u; /* filled by the core (raft.h) */
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
    sim_node_disk_draw(s, nd, &rng);
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
            sim_node_trace_drop(s, ev->ptr, "down");
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
    sim_standing_moved(s);
    nd->commit = 0;
    nd->applied = 0;
    if (s->safety)
        sim_safety_on_crash(s->safety, nd->id);
    if (s->conduct)
        sim_conduct_on_crash(s->conduct, nd->id);
}

int sim_node_campaign(struct sim *s, struct sim_node *nd)
{
    struct raft_update u; /* filled by the core (raft.h) */
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
    struct raft_update u; /* filled by the core (raft.h) */
    int rc = raft_change_membership(nd->core, sim_node_local_now(s, nd),
                                    changes, n, t, index, &u);
    if (rc == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    return rc;
}

int sim_node_transfer(struct sim *s, struct sim_node *nd, uint32_t target)
{
    struct raft_update u; /* filled by the core (raft.h) */
    int rc = raft_transfer_leadership(nd->core, sim_node_local_now(s, nd),
                                      target, &u);
    if (rc == RAFT_OK)
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
    return rc;
}
