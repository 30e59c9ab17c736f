/* scn_run_action.c: performing a statement's action on the engine
 * (docs/scenario-language.md, Actions), with its outcome in the notes and,
 * when the engine refuses it, in the failures.
 */
#include "scenarios/lang/scn_runner.h"

#include <inttypes.h>

#include "scenarios/lang/scn_member.h"
#include "scenarios/lang/scn_trigger.h"

/* ---- actions ------------------------------------------------------------- */

void scn_runner_action_result(struct scn_runner *r,
                              const struct scn_step *step,
                              const char *what,
                              int rc)
{
    if (rc == SIM_OK)
        return;
    GString *t = g_string_new(NULL);
    g_string_printf(t, "%s: %s", what, sim_strerror(rc));
    if (r->opt->lenient_actions) {
        GString *note = g_string_new(NULL);
        g_string_printf(note, "line %" PRIu32 " not done: %s", step->line,
                        t->str);
        sim_note(r->s, 0, note->str);
        scn_runner_add_warning(r, "%s", note->str);
        g_string_free(note, TRUE);
    } else {
        scn_runner_add_failure(r, SCN_FAILURE_ACTION, step, t->str);
    }
    g_string_free(t, TRUE);
}

static enum sim_kv_op kv_op_of(enum scn_action_kind kind)
{
    switch (kind) {
    case SCN_ACT_CLIENT_SET:
        return SIM_KV_SET;
    case SCN_ACT_CLIENT_DELETE:
        return SIM_KV_DELETE;
    default:
        return SIM_KV_GET;
    }
}

enum sim_read_mode scn_runner_read_mode(enum scn_read_mode mode)
{
    switch (mode) {
    case SCN_READ_INDEX:
        return SIM_READ_INDEX;
    case SCN_READ_LEASE:
        return SIM_READ_LEASE;
    case SCN_READ_LOG:
    case SCN_READ_DEFAULT:
        break;
    }
    return SIM_READ_LOG;
}

/* `crash NODE [keeping ...]`. */
static int crash(struct sim *s, const struct scn_action *a, uint32_t node)
{
    switch (a->keep) {
    case SCN_KEEP_NOTHING:
        break;
    case SCN_KEEP_SOME:
        return sim_crash_keeping(s, node, SIM_KEEP_DRAWN, SIM_KEEP_DRAWN);
    case SCN_KEEP_COUNTS:
        /* A count at SIM_KEEP_DRAWN keeps every pending write all the
         * same: no node ever has that many. */
        return sim_crash_keeping(
            s, node,
            a->keep_log < SIM_KEEP_DRAWN ? a->keep_log : UINT64_MAX - 1,
            a->keep_term < SIM_KEEP_DRAWN ? a->keep_term : UINT64_MAX - 1);
    }
    return sim_crash(s, node);
}

struct sim_disk_latency scn_runner_disk_latency(
    const struct scn_disk_latency *l)
{
    struct sim_disk_latency d = {
        .write_us_min = l->write_us,
        .write_us_max = l->write_us + l->write_jitter_us,
        .sync_us_min = l->sync_us,
        .sync_us_max = l->sync_us + l->sync_jitter_us,
    };
    return d;
}

/* `set disk-latency ... [on NODES]`: nodes (uint32_t) empty means all. */
static int set_disk(struct sim *s, const struct scn_action *a, GArray *nodes)
{
    struct sim_disk_latency d = scn_runner_disk_latency(&a->disk);
    if (nodes->len == 0) {
        for (uint32_t id = 1; id <= sim_n_nodes(s); id++)
            g_array_append_val(nodes, id);
    }
    for (guint i = 0; i < nodes->len; i++) {
        int rc = sim_set_disk_latency(s, g_array_index(nodes, uint32_t, i), &d);
        if (rc != SIM_OK)
            return rc;
    }
    return SIM_OK;
}

/* The nodes an action acts on, resolved when it runs. `changed` is set
 * only by a CHANGE, entry by entry as its changes resolve, and read only
 * when all of them did; the other fields start at 0 (action_nodes_init()):
 * a kilobyte cleared for every statement run cost more than resolving it. */
struct action_nodes
{
    uint32_t node, peer, via;
    GArray *groups;                        /* uint32_t group_of[n] */
    GString *gtext;                        /* PARTITION: the groups' text */
    uint32_t changed[SCN_CLUSTER_MAX + 1]; /* CHANGE: each change's node */
};

static void action_nodes_init(struct action_nodes *n)
{
    n->node = n->peer = n->via = 0;
    n->groups = NULL;
    n->gtext = NULL;
}

/* `partition G | G ...`: each node's group (1-based) in n->groups and the
 * groups as text in n->gtext. */
static void resolve_partition(struct scn_runner *r,
                              struct scn_stmt *m,
                              const struct scn_action *a,
                              struct action_nodes *n)
{
    uint32_t count = sim_n_nodes(r->s);
    n->groups = g_array_sized_new(FALSE, TRUE, sizeof(uint32_t), count);
    g_array_set_size(n->groups, count);
    n->gtext = g_string_new(NULL);
    GArray *members = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    for (size_t g = 0; g < a->group_count && m->status == STMT_OK; g++) {
        g_array_set_size(members, 0);
        if (!scn_runner_resolve_list(r, m, &a->groups[g], members))
            break;
        if (g > 0)
            g_string_append(n->gtext, " |");
        for (guint i = 0; i < members->len; i++) {
            uint32_t id = g_array_index(members, uint32_t, i);
            g_array_index(n->groups, uint32_t, id - 1) = (uint32_t)g + 1;
            g_string_append_printf(n->gtext, "%sn%" PRIu32, (i || g) ? " " : "",
                                   id);
        }
    }
    g_array_free(members, TRUE);
}

/* Resolves the references of `a` into *n, left to right; m->status says
 * whether the action can run. */
static void resolve_action(struct scn_runner *r,
                           struct scn_stmt *m,
                           const struct scn_action *a,
                           struct action_nodes *n)
{
    switch (a->kind) {
    case SCN_ACT_CRASH:
    case SCN_ACT_RESTART:
    case SCN_ACT_PAUSE:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
    case SCN_ACT_DRIFT:
    case SCN_ACT_TRANSFER:
        n->node = scn_runner_resolve_one(r, m, &a->node);
        break;
    case SCN_ACT_CHANGE:
        g_assert(a->change_count <= SCN_CLUSTER_MAX + 1);
        for (size_t i = 0; i < a->change_count && m->status == STMT_OK; i++)
            n->changed[i] = scn_runner_resolve_one(r, m, &a->changes[i].node);
        break;
    case SCN_ACT_CUT:
        n->node = scn_runner_resolve_one(r, m, &a->node);
        if (n->node)
            n->peer = scn_runner_resolve_one(r, m, &a->peer);
        break;
    case SCN_ACT_SET_DISK:
        n->groups = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        scn_runner_resolve_list(r, m, &a->nodes, n->groups);
        break;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
    case SCN_ACT_LOAD:
        if (a->has_via)
            n->via = scn_runner_resolve_one(r, m, &a->via);
        break;
    case SCN_ACT_PARTITION:
        resolve_partition(r, m, a, n);
        break;
    default:
        break;
    }
}

/* Performs an action on nodes: a fault, a disk setting or an operator's
 * request. Returns the engine's code. */
static int node_action(struct sim *s,
                       const struct scn_action *a,
                       const struct action_nodes *n)
{
    switch (a->kind) {
    case SCN_ACT_CRASH:
        return crash(s, a, n->node);
    case SCN_ACT_SET_DISK:
        return set_disk(s, a, n->groups);
    case SCN_ACT_RESTART:
        return sim_restart(s, n->node);
    case SCN_ACT_PAUSE:
        return sim_pause(s, n->node, a->duration_us);
    case SCN_ACT_TIMEOUT:
        return sim_campaign(s, n->node);
    case SCN_ACT_PARTITION:
        return sim_partition(s, (const uint32_t *)(void *)n->groups->data,
                             n->gtext->str);
    case SCN_ACT_ISOLATE:
        return sim_isolate(s, n->node);
    case SCN_ACT_CUT:
        return sim_cut(s, n->node, n->peer);
    case SCN_ACT_DRIFT:
        return sim_drift(s, n->node, a->rate_ppm);
    case SCN_ACT_CHANGE:
    case SCN_ACT_LEAVE_JOINT:
        return scn_member_change(s, a, n->changed);
    case SCN_ACT_TRANSFER:
        return sim_operator_transfer(s, n->node, NULL);
    default:
        g_assert_not_reached();
    }
}

/* Performs a network setting, a client request or a load. Returns the
 * engine's code. */
static int traffic_action(struct scn_runner *r,
                          const struct scn_step *step,
                          uint32_t via)
{
    const struct scn_action *a = &step->action;
    struct sim *s = r->s;
    switch (a->kind) {
    case SCN_ACT_SET_DROP:
        return sim_set_drop(s, a->probability_ppm);
    case SCN_ACT_SET_DUPLICATE:
        return sim_set_duplicate(s, a->probability_ppm);
    case SCN_ACT_SET_REORDER:
        return sim_set_reorder(s, a->probability_ppm);
    case SCN_ACT_SET_DELAY:
        return sim_set_delay(s, a->delay_us_min, a->delay_us_max);
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
        return a->read_mode != SCN_READ_DEFAULT
                   ? sim_client_read_keyed(
                         s, a->key, scn_runner_read_mode(a->read_mode), via,
                         scn_runner_step_key(r, step), NULL)
                   : sim_client_request_keyed(
                         s, kv_op_of(a->kind), a->key, a->value, via,
                         scn_runner_step_key(r, step), NULL);
    case SCN_ACT_LOAD:
        return a->count > 0
                   ? sim_load_writes_keyed(s, a->count, a->duration_us, via,
                                           scn_runner_step_key(r, step))
                   : sim_load_keyed(s, (double)a->rate_per_ks / 1000.0,
                                    a->duration_us, via,
                                    scn_runner_step_key(r, step));
    default:
        g_assert_not_reached();
    }
}

/* `settle` ends every fault, and a `when` armed before it is a fault
 * waiting for its moment: each one still armed is disarmed, and the trace
 * notes how many (docs/scenario-language.md, settle). */
static void disarm_triggers(struct scn_runner *r, const struct scn_step *step)
{
    if (!r->triggers)
        return;
    uint32_t n = scn_triggers_disarm(r->triggers, step);
    if (n == 0)
        return;
    scn_runner_listen(r);
    char *text = g_strdup_printf("settle: %" PRIu32 " armed 'when' "
                                 "statement%s disarmed",
                                 n, n == 1 ? "" : "s");
    sim_note(r->s, 0, text);
    g_free(text);
}

void scn_runner_run_action(struct scn_runner *r, const struct scn_step *step)
{
    const struct scn_action *a = &step->action;
    struct scn_stmt m;
    scn_runner_stmt_init(r, &m, step);
    struct action_nodes n;
    action_nodes_init(&n);
    resolve_action(r, &m, a, &n);
    if (m.status != STMT_OK) {
        scn_runner_report_unrun(r, &m, false);
        scn_runner_bind_names(r, &m);
        goto out;
    }
    scn_runner_bind_names(r, &m);

    const char *what = scn_action_kind_name(a->kind);
    switch (a->kind) {
    case SCN_ACT_HEAL:
        sim_heal(r->s);
        break;
    case SCN_ACT_EXPECT:
        break;
    case SCN_ACT_SETTLE: {
        disarm_triggers(r, step);
        struct scn_settle *st = g_new0(struct scn_settle, 1);
        scn_runner_action_result(r, step, what, scn_settle_start(r->s, r->sc, step, st));
        g_ptr_array_add(r->settles, st);
        scn_runner_wake(r);
        break;
    }
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
    case SCN_ACT_SET_DELAY:
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
    case SCN_ACT_LOAD:
        scn_runner_action_result(r, step, what, traffic_action(r, step, n.via));
        break;
    default:
        scn_runner_action_result(r, step, what, node_action(r->s, a, &n));
        break;
    }
out:
    if (n.groups)
        g_array_free(n.groups, TRUE);
    if (n.gtext)
        g_string_free(n.gtext, TRUE);
    scn_runner_stmt_clear(&m);
}
