/* sim_observe.c: traces each node's configuration and each leadership
 * transfer as the cores change them (see sim_observe.h for the
 * invariants). A check after an update compares the core's configuration
 * version (raft_configuration_version()) with the one last seen; only when
 * it moved are the configuration's ids (borrowed from the core) compared,
 * and text is built only when something is traced.
 */
#include <inttypes.h>
#include <string.h>

#include "sim/sim_observe.h"
#include "sim/sim_time_text.h"

/* ---- configurations ------------------------------------------------------ */

static bool ids_equal(const uint64_t *a, const uint64_t *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* Whether c is the configuration last traced for nd. */
static bool conf_traced(const struct sim_node *nd,
                        const struct raft_configuration *c)
{
    const size_t *n = nd->traced_conf_n;
    if (nd->traced_conf == NULL || n[0] != c->n_voters ||
        n[1] != c->n_outgoing || n[2] != c->n_learners)
        return false;
    const uint64_t *ids = nd->traced_conf;
    return ids_equal(ids, c->voters, n[0]) &&
           ids_equal(ids + n[0], c->outgoing, n[1]) &&
           ids_equal(ids + n[0] + n[1], c->learners, n[2]);
}

static void remember_conf(struct sim_node *nd,
                          const struct raft_configuration *c)
{
    size_t total = c->n_voters + c->n_outgoing + c->n_learners;
    g_free(nd->traced_conf);
    nd->traced_conf = g_new(uint64_t, total ? total : 1);
    uint64_t *p = nd->traced_conf;
    if (c->n_voters)
        memcpy(p, c->voters, c->n_voters * sizeof *p);
    if (c->n_outgoing)
        memcpy(p + c->n_voters, c->outgoing, c->n_outgoing * sizeof *p);
    if (c->n_learners)
        memcpy(p + c->n_voters + c->n_outgoing, c->learners,
               c->n_learners * sizeof *p);
    nd->traced_conf_n[0] = c->n_voters;
    nd->traced_conf_n[1] = c->n_outgoing;
    nd->traced_conf_n[2] = c->n_learners;
}

static void append_ids(GString *t,
                       const char *name,
                       const uint64_t *ids,
                       size_t n)
{
    if (t->len)
        g_string_append(t, " | ");
    g_string_append(t, name);
    for (size_t i = 0; i < n; i++) {
        sim_time_text_put(t, " n", 2);
        sim_time_text_decimal(t, ids[i]);
    }
}

/* "voters n1 n2 n3 | learners n4 | outgoing n1 n2 n5": learners and
 * outgoing voters only when there are any (docs/trace-format.md). */
static char *conf_text(const struct raft_configuration *c)
{
    GString *t = g_string_new(NULL);
    append_ids(t, "voters", c->voters, c->n_voters);
    if (c->n_learners)
        append_ids(t, "learners", c->learners, c->n_learners);
    if (c->n_outgoing)
        append_ids(t, "outgoing", c->outgoing, c->n_outgoing);
    return g_string_free(t, FALSE);
}

/* Traces nd's configuration when it changed: another configuration, or
 * another entry holding one (a compaction that moves it into the snapshot
 * changes neither and is not traced). */
static void observe_config(struct sim *s, struct sim_node *nd)
{
    /* The core says when its configuration may have changed. */
    uint64_t version = raft_configuration_version(nd->core);
    if (version == nd->traced_conf_version)
        return;
    nd->traced_conf_version = version;
    sim_standing_moved(s);
    struct raft_configuration c;
    raft_get_configuration(nd->core, &c);
    uint64_t index = raft_configuration_index(nd->core);
    if (conf_traced(nd, &c) && (index == 0 || index == nd->traced_conf_index))
        return;
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_CONFIG;
    e.node = nd->id;
    if (index != 0) {
        e.index = index;
        e.term = raft_term_at(nd->core, index);
    } else if (raft_snapshot_index(nd->core) != 0) {
        /* Installed with a snapshot: its entry is compacted away. */
        e.index = raft_snapshot_index(nd->core);
        e.term = raft_snapshot_term(nd->core);
        e.ok = true;
    }
    char *text = conf_text(&c);
    e.text = text;
    sim_emit(s, &e);
    g_free(text);
    remember_conf(nd, &c);
    nd->traced_conf_index = e.index;
}

/* ---- leadership transfer ------------------------------------------------- */

static void trace_transfer(struct sim *s,
                           const struct sim_node *leader,
                           uint32_t target,
                           uint64_t term,
                           const char *what)
{
    struct sim_trace_event e = {0};
    e.kind = SIM_TRACE_TRANSFER;
    e.node = leader->id;
    e.peer = target;
    e.term = term;
    e.text = what;
    sim_emit(s, &e);
}

/* A leader was elected: every transfer of an earlier term ends, done
 * when that leader is its target (thesis §3.10), else abandoned. Its old
 * leader may not have noticed the new term yet. */
static void end_transfers(struct sim *s, const struct sim_node *won)
{
    for (uint32_t id = 1; id <= s->n; id++) {
        struct sim_node *nd = &s->nodes[id];
        if ((nd->transfer_state != SIM_TRANSFER_RUNNING &&
             nd->transfer_state != SIM_TRANSFER_WAITING) ||
            nd->transfer_term >= won->term)
            continue;
        trace_transfer(s, nd, nd->transfer_target, nd->transfer_term,
                       won->id == nd->transfer_target ? "done" : "abort");
        nd->transfer_state = SIM_TRANSFER_ENDED;
    }
}

static void observe_transfer(struct sim *s, struct sim_node *nd)
{
    bool leads = nd->role == RAFT_LEADER;
    if (!leads && nd->transfer_state == SIM_TRANSFER_NONE)
        return; /* nothing running, and only a leader starts one */
    uint32_t target = leads ? (uint32_t)raft_transfer_target(nd->core) : 0;
    bool same =
        leads && target == nd->transfer_target && nd->term == nd->transfer_term;
    switch (nd->transfer_state) {
    case SIM_TRANSFER_RUNNING:
        if (!leads) {
            /* Stepped down: the next leader tells the outcome. */
            nd->transfer_state = SIM_TRANSFER_WAITING;
        } else if (!same) {
            /* Still leading without it: abandoned after an election
             * timeout, or the target left the configuration. */
            trace_transfer(s, nd, nd->transfer_target, nd->transfer_term,
                           "abort");
            nd->transfer_state = SIM_TRANSFER_NONE;
        }
        break;
    case SIM_TRANSFER_ENDED:
        if (!same)
            nd->transfer_state = SIM_TRANSFER_NONE;
        break;
    case SIM_TRANSFER_NONE:
    case SIM_TRANSFER_WAITING:
        break;
    }
    if (target != 0 && nd->transfer_state == SIM_TRANSFER_NONE) {
        nd->transfer_target = target;
        nd->transfer_term = nd->term;
        nd->transfer_state = SIM_TRANSFER_RUNNING;
        trace_transfer(s, nd, target, nd->term, "start");
    }
}

/* ---- entry points -------------------------------------------------------- */

void sim_observe_node_changes(struct sim *s,
                              struct sim_node *nd,
                              bool became_leader)
{
    observe_config(s, nd);
    if (became_leader)
        end_transfers(s, nd);
    observe_transfer(s, nd);
}

void sim_observe_timeout_now(struct sim *s,
                             struct sim_node *nd,
                             const struct raft_message *m)
{
    trace_transfer(s, nd, (uint32_t)m->to, m->term, "timeout-now");
}

void sim_observe_crash(struct sim *s, struct sim_node *nd)
{
    (void)s;
    /* Its next core numbers its configurations and progress afresh. */
    nd->traced_conf_version = 0;
    nd->traced_progress_version = 0;
    /* A crashed leader stops leading: as a step-down, the next leader
     * tells whether its target took over. */
    if (nd->transfer_state == SIM_TRANSFER_RUNNING)
        nd->transfer_state = SIM_TRANSFER_WAITING;
}

void sim_observe_free(struct sim_node *nd)
{
    g_free(nd->traced_conf);
    nd->traced_conf = NULL;
}
