/* scn_run.c: schedules a scenario's statements into the engine and judges
 * its checks.
 *
 * Invariant: every choice the runner makes comes from the scenario, the
 * options or the engine's seeded generator, in an order fixed by the file
 * (statements at one time in file order, checks included, references left
 * to right, windows in the order they opened), so a run is a pure function
 * of its inputs. Open
 * windows are judged after every engine event, and each window ends after
 * every event of its last instant because the run is driven in segments
 * that stop exactly at each window's end.
 */
#include "scenarios/lang/scn_run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_identity.h"
#include "scenarios/lang/scn_member.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_settle.h"
#include "scenarios/lang/scn_trigger.h"
#include "sim/sim_rng.h"

/* The stream under the seed that `follower` and `any` draw from, each
 * statement from its own key under it ("refs"). */
#define SCN_REF_DRAWS UINT64_C(0x7265667300000000)

/* What an `as` name currently names. */
enum slot_state {
    SLOT_UNBOUND = 0, /* its statement has not run (or failed) */
    SLOT_BOUND,       /* names `node` */
    SLOT_NOTHING,     /* bound by a skipped statement */
};

struct slot
{
    enum slot_state state;
    uint32_t node;
};

/* How resolving a statement's references went. */
enum stmt_status {
    STMT_OK = 0,
    STMT_SKIP, /* a `?` reference found nothing, or a name names nothing */
    STMT_FAIL, /* a plain reference found nothing */
};

/* The references of one statement while it runs. */
struct stmt
{
    const struct scn_step *step;
    bool named[SCN_CLUSTER_MAX + 1]; /* nodes named so far, for rest/any */
    enum stmt_status status;
    GString *why;       /* skip or failure reason (first one) */
    GArray *bindings;   /* struct binding: `as` names to set if it runs */
    struct sim_rng rng; /* `follower`/`any` draws, keyed by the statement */
};

struct binding
{
    int32_t slot;
    uint32_t node;
};

/* A check with its references resolved. */
struct resolved_check
{
    const struct scn_check *check;
    GArray *nodes;       /* uint32_t: `in`/`among` list */
    uint32_t node;       /* ROLE */
    GArray *scope_nodes; /* uint32_t: SCN_SCOPE_NODES */
    GArray *learners;    /* uint32_t: CONFIG, LEARNERS */
};

/* An expect statement whose verdict is pending (windows) or being made. */
struct judged
{
    const struct scn_step *step;
    struct resolved_check rc;
    bool done;            /* verdict given */
    uint32_t leader;      /* SAME_LEADER: the leader at the window's start */
    uint64_t leader_term; /* and its term */
};

/* All statements of one virtual time. */
struct group
{
    struct runner *r;
    uint64_t time_us;
    guint first; /* index of the first step in scenario->steps */
    guint count;
};

struct runner
{
    const struct scn_scenario *sc;
    const struct scn_run_options *opt;
    struct sim *s;
    struct scn_run_result *res;
    struct slot *slots; /* one per scenario->names */
    GPtrArray *groups;  /* struct group *, owned */
    GPtrArray *windows; /* struct judged *, open windows, owned */
    GPtrArray *settles; /* struct scn_settle *, not yet judged, owned */
    GString *scratch;
    bool in_observer;
    struct scn_triggers *triggers; /* armed `when` statements */
    /* Each step's draw key (scn_identity.h): struct scn_step * -> uint64_t
     * *; looked up only, never iterated. And the run's key for reference
     * draws. */
    GHashTable *keys;
    uint64_t ref_key;
};

/* ---- small helpers ------------------------------------------------------- */

void scn_format_time(GString *out, uint64_t time_us)
{
    uint64_t s = time_us / 1000000u;
    uint64_t us = time_us % 1000000u;
    if (us % 1000u == 0)
        g_string_append_printf(out, "%" PRIu64 ".%03" PRIu64 "s", s,
                               us / 1000u);
    else
        g_string_append_printf(out, "%" PRIu64 ".%06" PRIu64 "s", s, us);
}

static void append_node_set(GString *out, const GArray *nodes)
{
    g_string_append_c(out, '{');
    for (guint i = 0; i < nodes->len; i++)
        g_string_append_printf(out, "%sn%" PRIu32, i ? "," : "",
                               g_array_index(nodes, uint32_t, i));
    g_string_append_c(out, '}');
}

static bool node_in(const GArray *nodes, uint32_t node)
{
    for (guint i = 0; i < nodes->len; i++)
        if (g_array_index(nodes, uint32_t, i) == node)
            return true;
    return false;
}

static char *statement_text(const struct runner *r, const struct scn_step *st)
{
    GString *t = g_string_new(NULL);
    scn_print_step(r->sc, st, t);
    return g_string_free(t, FALSE);
}

static void failure_free(void *p)
{
    struct scn_failure *f = p;
    g_free(f->statement);
    g_free(f->message);
    g_free(f);
}

/* Records a failure; `message` is copied. Stops the engine when asked. */
static void add_failure(struct runner *r,
                        enum scn_failure_kind kind,
                        const struct scn_step *step,
                        const char *message)
{
    struct scn_failure *f = g_new0(struct scn_failure, 1);
    f->kind = kind;
    f->time_us = sim_now(r->s);
    if (step) {
        f->line = step->line;
        f->column = step->column;
        f->statement = statement_text(r, step);
    }
    f->message = g_strdup(message);
    g_ptr_array_add(r->res->failures, f);
    r->res->passed = false;
    if (r->opt->stop_at_first_failure && kind != SCN_FAILURE_SAFETY)
        sim_stop(r->s);
}

static void add_warning(struct runner *r, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

static void add_warning(struct runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(r->res->warnings, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* ---- node references ----------------------------------------------------- */

/* The draw key of `step` (scn_identity.h). */
static uint64_t step_key(const struct runner *r, const struct scn_step *step)
{
    const uint64_t *key = g_hash_table_lookup(r->keys, step);
    g_assert(key != NULL);
    return *key;
}

static void stmt_init(const struct runner *r,
                      struct stmt *m,
                      const struct scn_step *step)
{
    sim_rng_seed_key(&m->rng, sim_rng_key(r->ref_key, step_key(r, step)));
    memset(m->named, 0, sizeof(m->named));
    m->step = step;
    m->status = STMT_OK;
    m->why = g_string_new(NULL);
    m->bindings = g_array_new(FALSE, FALSE, sizeof(struct binding));
}

static void stmt_clear(struct stmt *m)
{
    g_string_free(m->why, TRUE);
    g_array_free(m->bindings, TRUE);
}

/* Notes the first reason a statement cannot run; later ones are dropped. */
static void stmt_stop(struct stmt *m,
                      enum stmt_status status,
                      const char *fmt,
                      ...) G_GNUC_PRINTF(3, 4);

static void stmt_stop(struct stmt *m,
                      enum stmt_status status,
                      const char *fmt,
                      ...)
{
    if (m->status != STMT_OK)
        return;
    m->status = status;
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(m->why, fmt, ap);
    va_end(ap);
}

/* Draws one live node not yet named in the statement, excluding `except`
 * (0: none), from the statement's own stream; 0 when there is none. */
static uint32_t draw_node(struct runner *r, struct stmt *m, uint32_t except)
{
    uint32_t n = sim_n_nodes(r->s);
    uint32_t candidates[SCN_CLUSTER_MAX];
    uint32_t count = 0;
    /* Only members of the configuration: a spare or a removed node is
     * neither a follower nor one of the cluster's nodes. */
    bool member[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    for (uint32_t id = 1; id <= n; id++)
        if (sim_alive(r->s, id) && member[id] && !m->named[id] &&
            id != except)
            candidates[count++] = id;
    if (count == 0)
        return 0;
    return candidates[sim_rng_below(&m->rng, count)];
}

/* Resolves one reference that names a single node (not `rest`). Returns
 * the node, or 0 when the statement cannot run (m->status says why). */
static uint32_t resolve_one(struct runner *r,
                            struct stmt *m,
                            const struct scn_node_ref *ref)
{
    uint32_t node = 0;
    switch (ref->kind) {
    case SCN_REF_NODE:
        node = ref->node;
        break;
    case SCN_REF_LEADER:
        node = sim_current_leader(r->s);
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a leader, found none (highest term %" PRIu64
                      ")",
                      sim_max_term(r->s));
        break;
    case SCN_REF_FOLLOWER:
        node = draw_node(r, m, sim_current_leader(r->s));
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a live follower not named before, found "
                      "none");
        break;
    case SCN_REF_ANY:
        node = draw_node(r, m, 0);
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a live node not named before, found none");
        break;
    case SCN_REF_NAME: {
        const struct slot *sl = &r->slots[ref->slot];
        const char *name = g_ptr_array_index(r->sc->names, ref->slot);
        if (sl->state == SLOT_BOUND)
            node = sl->node;
        else
            stmt_stop(m, STMT_SKIP, "%s names nothing (bound by a %s)", name,
                      sl->state == SLOT_NOTHING
                          ? "skipped statement"
                          : "statement that failed or a 'when' that has not "
                            "fired");
        break;
    }
    case SCN_REF_REST:
        break;
    }
    if (node == 0)
        return 0;
    m->named[node] = true;
    if (ref->bind_slot != SCN_NO_SLOT) {
        struct binding b = {.slot = ref->bind_slot, .node = node};
        g_array_append_val(m->bindings, b);
    }
    return node;
}

/* Appends the nodes `list` names to `out` (uint32_t); `rest` expands to
 * every node not named earlier in the statement. False when the statement
 * cannot run. */
static bool resolve_list(struct runner *r,
                         struct stmt *m,
                         const struct scn_node_list *list,
                         GArray *out)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct scn_node_ref *ref = &list->refs[i];
        if (ref->kind == SCN_REF_REST) {
            uint32_t n = sim_n_nodes(r->s);
            for (uint32_t id = 1; id <= n; id++) {
                if (!m->named[id]) {
                    m->named[id] = true;
                    g_array_append_val(out, id);
                }
            }
            continue;
        }
        uint32_t node = resolve_one(r, m, ref);
        if (node == 0)
            return false;
        g_array_append_val(out, node);
    }
    return true;
}

/* After a statement: binds its names, or makes them name nothing when it did
 * not run. Every `as` of the statement is visited through its step. */
static void bind_names(struct runner *r, struct stmt *m)
{
    if (m->status == STMT_OK) {
        for (guint i = 0; i < m->bindings->len; i++) {
            const struct binding *b =
                &g_array_index(m->bindings, struct binding, i);
            r->slots[b->slot].state = SLOT_BOUND;
            r->slots[b->slot].node = b->node;
        }
        return;
    }
    const struct scn_action *a = &m->step->action;
    const struct scn_node_ref *single[] = {&a->node, &a->peer, &a->via};
    for (size_t i = 0; i < G_N_ELEMENTS(single); i++) {
        if (single[i]->bind_slot != SCN_NO_SLOT) {
            r->slots[single[i]->bind_slot].state = SLOT_NOTHING;
            r->slots[single[i]->bind_slot].node = 0;
        }
    }
    for (size_t g = 0; g < a->group_count; g++) {
        for (size_t i = 0; i < a->groups[g].count; i++) {
            int32_t slot = a->groups[g].refs[i].bind_slot;
            if (slot != SCN_NO_SLOT) {
                r->slots[slot].state = SLOT_NOTHING;
                r->slots[slot].node = 0;
            }
        }
    }
    for (size_t i = 0; i < a->change_count; i++) {
        int32_t slot = a->changes[i].node.bind_slot;
        if (slot != SCN_NO_SLOT) {
            r->slots[slot].state = SLOT_NOTHING;
            r->slots[slot].node = 0;
        }
    }
}

/* Reports a statement that could not run: a trace note when skipped, a
 * failure when a plain reference found nothing. */
static void report_unrun(struct runner *r, struct stmt *m, bool is_check)
{
    GString *t = g_string_new(NULL);
    if (m->status == STMT_SKIP) {
        g_string_printf(t, "line %" PRIu32 " skipped: %s", m->step->line,
                        m->why->str);
        sim_note(r->s, 0, t->str);
        if (is_check)
            r->res->checks_skipped++;
        else
            r->res->actions_skipped++;
    } else {
        if (is_check)
            r->res->checks_failed++;
        g_string_printf(t, "line %" PRIu32 ": %s", m->step->line, m->why->str);
        sim_note(r->s, 0, t->str);
        add_failure(r, is_check ? SCN_FAILURE_CHECK : SCN_FAILURE_ACTION,
                    m->step, m->why->str);
    }
    g_string_free(t, TRUE);
}

/* ---- actions ------------------------------------------------------------- */

static void action_result(struct runner *r,
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
        add_warning(r, "%s", note->str);
        g_string_free(note, TRUE);
    } else {
        add_failure(r, SCN_FAILURE_ACTION, step, t->str);
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

/* The engine's mode for a scenario's (SCN_READ_DEFAULT never reaches the
 * engine: the header's mode stands in for it). */
static enum sim_read_mode read_mode(enum scn_read_mode mode)
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

static struct sim_disk_latency disk_latency(const struct scn_disk_latency *l)
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
    struct sim_disk_latency d = disk_latency(&a->disk);
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

/* Resolves and performs one non-expect statement. */
static void run_action(struct runner *r, const struct scn_step *step)
{
    const struct scn_action *a = &step->action;
    struct sim *s = r->s;
    struct stmt m;
    stmt_init(r, &m, step);

    uint32_t node = 0, peer = 0, via = 0;
    uint32_t changed[SCN_CLUSTER_MAX + 1]; /* CHANGE: each change's node */
    GArray *groups = NULL; /* uint32_t group_of[n] */
    GString *gtext = NULL;
    switch (a->kind) {
    case SCN_ACT_CRASH:
    case SCN_ACT_RESTART:
    case SCN_ACT_PAUSE:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
    case SCN_ACT_DRIFT:
    case SCN_ACT_TRANSFER:
        node = resolve_one(r, &m, &a->node);
        break;
    case SCN_ACT_CHANGE:
        g_assert(a->change_count <= SCN_CLUSTER_MAX + 1);
        for (size_t i = 0; i < a->change_count && m.status == STMT_OK; i++)
            changed[i] = resolve_one(r, &m, &a->changes[i].node);
        break;
    case SCN_ACT_CUT:
        node = resolve_one(r, &m, &a->node);
        if (node)
            peer = resolve_one(r, &m, &a->peer);
        break;
    case SCN_ACT_SET_DISK:
        groups = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        resolve_list(r, &m, &a->nodes, groups);
        break;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
    case SCN_ACT_LOAD:
        if (a->has_via)
            via = resolve_one(r, &m, &a->via);
        break;
    case SCN_ACT_PARTITION: {
        uint32_t n = sim_n_nodes(s);
        groups = g_array_sized_new(FALSE, TRUE, sizeof(uint32_t), n);
        g_array_set_size(groups, n);
        gtext = g_string_new(NULL);
        GArray *members = g_array_new(FALSE, FALSE, sizeof(uint32_t));
        for (size_t g = 0; g < a->group_count && m.status == STMT_OK; g++) {
            g_array_set_size(members, 0);
            if (!resolve_list(r, &m, &a->groups[g], members))
                break;
            if (g > 0)
                g_string_append(gtext, " |");
            for (guint i = 0; i < members->len; i++) {
                uint32_t id = g_array_index(members, uint32_t, i);
                g_array_index(groups, uint32_t, id - 1) = (uint32_t)g + 1;
                g_string_append_printf(gtext, "%sn%" PRIu32,
                                       (i || g) ? " " : "", id);
            }
        }
        g_array_free(members, TRUE);
        break;
    }
    default:
        break;
    }

    if (m.status != STMT_OK) {
        report_unrun(r, &m, false);
        bind_names(r, &m);
        goto out;
    }
    bind_names(r, &m);

    const char *what = scn_action_kind_name(a->kind);
    switch (a->kind) {
    case SCN_ACT_CRASH:
        action_result(r, step, what, crash(s, a, node));
        break;
    case SCN_ACT_SET_DISK:
        action_result(r, step, what, set_disk(s, a, groups));
        break;
    case SCN_ACT_RESTART:
        action_result(r, step, what, sim_restart(s, node));
        break;
    case SCN_ACT_PAUSE:
        action_result(r, step, what, sim_pause(s, node, a->duration_us));
        break;
    case SCN_ACT_TIMEOUT:
        action_result(r, step, what, sim_campaign(s, node));
        break;
    case SCN_ACT_PARTITION:
        action_result(r, step, what,
                      sim_partition(s, (const uint32_t *)(void *)groups->data,
                                    gtext->str));
        break;
    case SCN_ACT_ISOLATE:
        action_result(r, step, what, sim_isolate(s, node));
        break;
    case SCN_ACT_CUT:
        action_result(r, step, what, sim_cut(s, node, peer));
        break;
    case SCN_ACT_HEAL:
        sim_heal(s);
        break;
    case SCN_ACT_SET_DROP:
        action_result(r, step, what,
                      sim_set_drop(s, a->probability_ppm));
        break;
    case SCN_ACT_SET_DUPLICATE:
        action_result(
            r, step, what,
            sim_set_duplicate(s, a->probability_ppm));
        break;
    case SCN_ACT_SET_REORDER:
        action_result(
            r, step, what,
            sim_set_reorder(s, a->probability_ppm));
        break;
    case SCN_ACT_SET_DELAY:
        action_result(r, step, what,
                      sim_set_delay(s, a->delay_us_min, a->delay_us_max));
        break;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
        action_result(
            r, step, what,
            a->read_mode != SCN_READ_DEFAULT
                ? sim_client_read_keyed(s, a->key, read_mode(a->read_mode),
                                        via, step_key(r, step), NULL)
                : sim_client_request_keyed(s, kv_op_of(a->kind), a->key,
                                           a->value, via, step_key(r, step),
                                           NULL));
        break;
    case SCN_ACT_LOAD:
        action_result(r, step, what,
                      a->count > 0
                          ? sim_load_writes_keyed(s, a->count, a->duration_us,
                                                  via, step_key(r, step))
                          : sim_load_keyed(s, (double)a->rate_per_ks / 1000.0,
                                           a->duration_us, via,
                                           step_key(r, step)));
        break;
    case SCN_ACT_DRIFT:
        action_result(r, step, what, sim_drift(s, node, a->rate_ppm));
        break;
    case SCN_ACT_SETTLE: {
        struct scn_settle *st = g_new0(struct scn_settle, 1);
        action_result(r, step, what, scn_settle_start(s, r->sc, step, st));
        g_ptr_array_add(r->settles, st);
        break;
    }
    case SCN_ACT_CHANGE:
    case SCN_ACT_LEAVE_JOINT:
        action_result(r, step, what, scn_member_change(s, a, changed));
        break;
    case SCN_ACT_TRANSFER:
        action_result(r, step, what, sim_operator_transfer(s, node, NULL));
        break;
    case SCN_ACT_EXPECT:
        break;
    }
out:
    if (groups)
        g_array_free(groups, TRUE);
    if (gtext)
        g_string_free(gtext, TRUE);
    stmt_clear(&m);
}

/* ---- checks -------------------------------------------------------------- */

static void resolved_clear(struct resolved_check *rc)
{
    if (rc->nodes)
        g_array_free(rc->nodes, TRUE);
    if (rc->scope_nodes)
        g_array_free(rc->scope_nodes, TRUE);
    if (rc->learners)
        g_array_free(rc->learners, TRUE);
    memset(rc, 0, sizeof(*rc));
}

static void judged_free(void *p)
{
    struct judged *j = p;
    resolved_clear(&j->rc);
    g_free(j);
}

/* Resolves the references of `check`; false when the statement cannot run
 * (m says why). */
static bool resolve_check(struct runner *r,
                          struct stmt *m,
                          const struct scn_check *check,
                          struct resolved_check *rc)
{
    rc->check = check;
    rc->nodes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    rc->scope_nodes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    rc->learners = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    if (!resolve_list(r, m, &check->nodes, rc->nodes) ||
        !resolve_list(r, m, &check->learners, rc->learners))
        return false;
    if (check->kind == SCN_CHECK_ROLE) {
        rc->node = resolve_one(r, m, &check->node);
        if (rc->node == 0)
            return false;
    }
    if (check->scope.kind == SCN_SCOPE_NODES &&
        !resolve_list(r, m, &check->scope.nodes, rc->scope_nodes))
        return false;
    return true;
}

/* Appends what `rc` expects: "a leader in {n1,n2}". */
static void describe_expected(const struct judged *j, GString *out)
{
    const struct resolved_check *rc = &j->rc;
    const struct scn_check *c = rc->check;
    switch (c->kind) {
    case SCN_CHECK_LEADER:
        g_string_append(out, "a leader");
        if (rc->nodes->len) {
            g_string_append(out, " in ");
            append_node_set(out, rc->nodes);
        }
        break;
    case SCN_CHECK_NO_LEADER:
        g_string_append(out, "no leader");
        if (rc->nodes->len) {
            g_string_append(out, " among ");
            append_node_set(out, rc->nodes);
        }
        break;
    case SCN_CHECK_SAME_LEADER:
        if (j->leader)
            g_string_append_printf(
                out, "n%" PRIu32 " (term %" PRIu64 ") to stay leader",
                j->leader, j->leader_term);
        else
            g_string_append(out, "a leader that stays leader");
        break;
    case SCN_CHECK_ROLE:
        g_string_append_printf(out, "n%" PRIu32 " to be %s", rc->node,
                               scn_role_name(c->role));
        break;
    case SCN_CHECK_TERM:
        g_string_append_printf(out, "term %s %" PRIu64, scn_cmp_name(c->cmp),
                               c->number);
        break;
    case SCN_CHECK_APPLIED:
    case SCN_CHECK_VALUE:
    case SCN_CHECK_ABSENT:
        if (c->kind == SCN_CHECK_APPLIED)
            g_string_append_printf(out, "applied %s %" PRIu64,
                                   scn_cmp_name(c->cmp), c->number);
        else if (c->kind == SCN_CHECK_VALUE) {
            g_string_append_printf(out, "%s = ", c->key);
            scn_print_quoted(out, c->value);
        } else
            g_string_append_printf(out, "%s absent", c->key);
        g_string_append(out, " on ");
        if (c->scope.kind == SCN_SCOPE_ALL)
            g_string_append(out, "every live node");
        else if (c->scope.kind == SCN_SCOPE_MAJORITY)
            g_string_append(out, "a majority");
        else
            append_node_set(out, rc->scope_nodes);
        break;
    case SCN_CHECK_CONVERGED:
        g_string_append(out,
                        "every live node at the same commit index and state");
        break;
    case SCN_CHECK_COMPLETED:
        g_string_append_printf(out, "completed requests %s %" PRIu64,
                               scn_cmp_name(c->cmp), c->number);
        break;
    case SCN_CHECK_LINEARIZABLE:
        g_string_append(out, "a linearizable client history");
        break;
    case SCN_CHECK_NO_VIOLATION:
        g_string_append(out, "no safety violation");
        break;
    case SCN_CHECK_CONFIG:
    case SCN_CHECK_LEARNERS:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        scn_member_describe(c, rc->nodes, rc->learners, out);
        break;
    }
}

/* Whether one node satisfies a per-node check; appends what it has to
 * `found` ("n3=1", "n3 has x = 2", "n3 crashed"). */
static bool node_holds(const struct runner *r,
                       const struct scn_check *c,
                       uint32_t node,
                       GString *found)
{
    if (!sim_alive(r->s, node)) {
        g_string_append_printf(found, "n%" PRIu32 " crashed", node);
        return false;
    }
    if (c->kind == SCN_CHECK_APPLIED) {
        uint64_t applied = sim_applied(r->s, node);
        g_string_append_printf(found, "n%" PRIu32 "=%" PRIu64, node, applied);
        return scn_cmp_holds(c->cmp, applied, c->number);
    }
    const char *v = sim_kv_value(r->s, node, c->key);
    if (v) {
        g_string_append_printf(found, "n%" PRIu32 " has %s = ", node, c->key);
        scn_print_quoted(found, v);
    } else
        g_string_append_printf(found, "n%" PRIu32 " has no %s", node, c->key);
    if (c->kind == SCN_CHECK_VALUE)
        return v && strcmp(v, c->value) == 0;
    return v == NULL;
}

/* Evaluates a per-node check over its scope. */
static bool eval_scope(const struct runner *r,
                       const struct judged *j,
                       GString *found)
{
    const struct scn_check *c = j->rc.check;
    uint32_t n = sim_n_nodes(r->s);
    GString *all = g_string_new(NULL);
    GString *bad = g_string_new(NULL);
    uint32_t holding = 0;
    bool ok = true;
    /* `all`: the live members of the configuration; `majority`: a
     * majority of its voters (thesis §4.1). */
    bool member[SCN_CLUSTER_MAX + 1], voter[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    uint32_t voters = sim_cluster_voters(r->s, voter);
    for (uint32_t id = 1; id <= n; id++) {
        bool in_scope;
        if (c->scope.kind == SCN_SCOPE_NODES)
            in_scope = node_in(j->rc.scope_nodes, id);
        else if (c->scope.kind == SCN_SCOPE_ALL)
            in_scope = sim_alive(r->s, id) && member[id];
        else
            in_scope = voter[id];
        if (!in_scope)
            continue;
        GString *one = g_string_new(NULL);
        bool h = node_holds(r, c, id, one);
        if (h)
            holding++;
        else if (c->scope.kind != SCN_SCOPE_MAJORITY) {
            if (ok)
                g_string_append(bad, one->str);
            ok = false;
        }
        g_string_append_printf(all, "%s%s", all->len ? ", " : "", one->str);
        g_string_free(one, TRUE);
    }
    if (c->scope.kind == SCN_SCOPE_MAJORITY) {
        uint32_t majority = voters / 2 + 1;
        ok = holding >= majority;
        if (!ok)
            g_string_append_printf(found,
                                   "%" PRIu32 " of %" PRIu32
                                   " nodes (need %" PRIu32 "): %s",
                                   holding, voters, majority, all->str);
    } else if (!ok) {
        if (c->kind == SCN_CHECK_APPLIED)
            g_string_append_printf(found, "applied %s", all->str);
        else
            g_string_append(found, bad->str);
    }
    g_string_free(all, TRUE);
    g_string_free(bad, TRUE);
    return ok;
}

static bool eval_converged(const struct runner *r, GString *found)
{
    uint32_t n = sim_n_nodes(r->s);
    bool first = true, ok = true;
    uint64_t commit0 = 0, digest0 = 0;
    /* The live members of the configuration: a spare never receives the
     * log, a removed node stops receiving it. */
    bool member[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    for (uint32_t id = 1; id <= n; id++) {
        if (!sim_alive(r->s, id) || !member[id])
            continue;
        uint64_t commit = sim_commit_index(r->s, id);
        uint64_t digest = sim_kv_digest_of(r->s, id);
        if (first) {
            commit0 = commit;
            digest0 = digest;
            first = false;
        } else if (commit != commit0 || digest != digest0) {
            ok = false;
        }
    }
    if (!ok) {
        g_string_append(found, "commit index");
        for (uint32_t id = 1; id <= n; id++)
            if (sim_alive(r->s, id) && member[id])
                g_string_append_printf(
                    found, " n%" PRIu32 "=%" PRIu64 " (state %04" PRIx64 ")",
                    id, sim_commit_index(r->s, id),
                    sim_kv_digest_of(r->s, id) & 0xffffu);
    }
    return ok;
}

/* Evaluates a resolved check now. On false, appends what was found. */
static bool eval_check(const struct runner *r,
                       const struct judged *j,
                       GString *found)
{
    const struct resolved_check *rc = &j->rc;
    const struct scn_check *c = rc->check;
    struct sim *s = r->s;
    uint32_t n = sim_n_nodes(s);
    switch (c->kind) {
    case SCN_CHECK_LEADER: {
        uint32_t l = sim_current_leader(s);
        if (l && (rc->nodes->len == 0 || node_in(rc->nodes, l)))
            return true;
        if (l)
            g_string_append_printf(found, "n%" PRIu32 " (term %" PRIu64 ")", l,
                                   sim_term(s, l));
        else
            g_string_append_printf(found, "none (highest term %" PRIu64 ")",
                                   sim_max_term(s));
        return false;
    }
    case SCN_CHECK_NO_LEADER: {
        bool ok = true;
        for (uint32_t id = 1; id <= n; id++) {
            if (!sim_alive(s, id) || sim_role(s, id) != RAFT_LEADER)
                continue;
            if (rc->nodes->len && !node_in(rc->nodes, id))
                continue;
            g_string_append_printf(found,
                                   "%sn%" PRIu32 " leading term %" PRIu64,
                                   ok ? "" : ", ", id, sim_term(s, id));
            ok = false;
        }
        return ok;
    }
    case SCN_CHECK_SAME_LEADER: {
        uint32_t l = sim_current_leader(s);
        if (j->leader && l == j->leader && sim_term(s, l) == j->leader_term)
            return true;
        if (l)
            g_string_append_printf(found, "n%" PRIu32 " (term %" PRIu64 ")", l,
                                   sim_term(s, l));
        else
            g_string_append_printf(
                found, "no leader (highest term %" PRIu64 ")", sim_max_term(s));
        return false;
    }
    case SCN_CHECK_ROLE: {
        if (!sim_alive(s, rc->node)) {
            g_string_append_printf(found, "n%" PRIu32 " crashed", rc->node);
            return false;
        }
        enum raft_role role = sim_role(s, rc->node);
        bool ok = (c->role == SCN_ROLE_FOLLOWER && role == RAFT_FOLLOWER) ||
                  (c->role == SCN_ROLE_CANDIDATE && role == RAFT_CANDIDATE) ||
                  (c->role == SCN_ROLE_LEADER && role == RAFT_LEADER);
        if (!ok)
            g_string_append_printf(found, "n%" PRIu32 " %s in term %" PRIu64,
                                   rc->node, raft_role_name(role),
                                   sim_term(s, rc->node));
        return ok;
    }
    case SCN_CHECK_TERM: {
        uint64_t t = sim_max_term(s);
        if (scn_cmp_holds(c->cmp, t, c->number))
            return true;
        g_string_append_printf(found, "term %" PRIu64, t);
        return false;
    }
    case SCN_CHECK_APPLIED:
    case SCN_CHECK_VALUE:
    case SCN_CHECK_ABSENT:
        return eval_scope(r, j, found);
    case SCN_CHECK_CONVERGED:
        return eval_converged(r, found);
    case SCN_CHECK_COMPLETED: {
        uint64_t done = sim_requests_completed(s);
        if (scn_cmp_holds(c->cmp, done, c->number))
            return true;
        g_string_append_printf(found, "%" PRIu64, done);
        return false;
    }
    case SCN_CHECK_LINEARIZABLE: {
        const struct sim_history *h = sim_get_history(s);
        if (!h)
            return true;
        struct sim_lin_report rep;
        memset(&rep, 0, sizeof(rep));
        enum sim_lin_verdict v = sim_lin_check(h, r->opt->lin_max_states, &rep);
        bool ok = v != SIM_LIN_VIOLATION;
        if (!ok)
            g_string_append_printf(found, "no valid order for key %s: %s",
                                   rep.key ? rep.key : "?",
                                   rep.explanation ? rep.explanation->str : "");
        sim_lin_report_clear(&rep);
        return ok;
    }
    case SCN_CHECK_NO_VIOLATION: {
        const struct sim_failure *f = sim_failure(s);
        if (!f)
            return true;
        g_string_append_printf(found, "%s: %s",
                               sim_property_name(f->violation.property),
                               f->violation.detail);
        return false;
    }
    case SCN_CHECK_CONFIG:
    case SCN_CHECK_LEARNERS:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        return scn_member_eval(s, c, rc->nodes, rc->learners, found);
    }
    return false;
}

/* Gives a check its verdict: counts it, traces it, records a failure. */
static void verdict(struct runner *r,
                    struct judged *j,
                    bool ok,
                    const char *found)
{
    j->done = true;
    const struct scn_step *st = j->step;
    GString *msg = g_string_new("expected ");
    describe_expected(j, msg);
    if (st->when == SCN_WHEN_EVENTUALLY) {
        g_string_append(msg, " at some point in ");
        scn_format_time(msg, st->time_us);
        g_string_append(msg, "..");
        scn_format_time(msg, st->end_us);
    } else if (st->when == SCN_WHEN_ALWAYS) {
        g_string_append(msg, " throughout ");
        scn_format_time(msg, st->time_us);
        g_string_append(msg, "..");
        scn_format_time(msg, st->end_us);
    }
    if (!ok)
        g_string_append_printf(msg, ", found %s", found);
    GString *t = g_string_new(NULL);
    g_string_printf(t, "line %" PRIu32 ": %s", st->line, msg->str);
    sim_trace_check(r->s, ok, st->line, t->str);
    g_string_free(t, TRUE);
    if (ok) {
        r->res->checks_passed++;
    } else {
        r->res->checks_failed++;
        add_failure(r, SCN_FAILURE_CHECK, st, msg->str);
    }
    g_string_free(msg, TRUE);
}

/* Gives a settle statement its verdict (see scn_settle.h). Its trace text
 * names no line, so that a generated scenario and its printed file give
 * the same trace hash. */
static void settle_verdict(struct runner *r, struct scn_settle *st, bool ok)
{
    st->done = true;
    GString *msg = g_string_new(NULL);
    if (ok) {
        g_string_printf(msg, "settled: n%" PRIu32 " leads term %" PRIu64
                             ", in step since ",
                        st->leader, st->term);
        scn_format_time(msg, st->since_us);
        sim_trace_check(r->s, true, st->step ? st->step->line : 0, msg->str);
        r->res->checks_passed++;
    } else {
        scn_settle_explain(st, r->s, msg);
        sim_trace_check(r->s, false, st->step ? st->step->line : 0,
                        msg->str);
        r->res->checks_failed++;
        add_failure(r, SCN_FAILURE_LIVENESS, st->step, msg->str);
    }
    g_string_free(msg, TRUE);
}

/* Judges the pending settle statements after an event, and gives those
 * whose deadline is <= close_us (0: none) their last verdict;
 * drops the decided ones. */
static void judge_settles(struct runner *r, uint64_t close_us)
{
    for (guint i = 0; i < r->settles->len; i++) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        int rc = scn_settle_tend(r->s, st);
        if (rc != SIM_OK)
            action_result(r, st->step, "settle", rc);
        if (scn_settle_judge(st, r->s))
            settle_verdict(r, st, true);
        else if (!st->done && st->end_us <= close_us)
            settle_verdict(r, st, false);
    }
    for (guint i = r->settles->len; i-- > 0;) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        if (st->done)
            g_ptr_array_remove_index(r->settles, i);
    }
}

/* Evaluates an open window once; gives the verdict when it is decided. */
static void judge_window(struct runner *r, struct judged *j)
{
    if (j->done)
        return;
    GString *found = r->scratch;
    g_string_truncate(found, 0);
    bool ok = eval_check(r, j, found);
    if (j->step->when == SCN_WHEN_EVENTUALLY && ok)
        verdict(r, j, true, NULL);
    else if (j->step->when == SCN_WHEN_ALWAYS && !ok) {
        char *f = g_strdup(found->str);
        verdict(r, j, false, f);
        g_free(f);
    }
}

/* A window's last instant has passed: the verdict it still owes. */
static void close_window(struct runner *r, struct judged *j)
{
    if (j->done)
        return;
    if (j->step->when == SCN_WHEN_ALWAYS) {
        verdict(r, j, true, NULL);
        return;
    }
    GString *found = g_string_new(NULL);
    bool ok = eval_check(r, j, found);
    verdict(r, j, ok, found->str);
    g_string_free(found, TRUE);
}

/* Resolves and evaluates (at) or opens (windows) one expect statement. */
static void run_expect(struct runner *r, const struct scn_step *step)
{
    struct stmt m;
    stmt_init(r, &m, step);
    struct judged *j = g_new0(struct judged, 1);
    j->step = step;
    if (!resolve_check(r, &m, &step->action.check, &j->rc)) {
        report_unrun(r, &m, true);
        judged_free(j);
        stmt_clear(&m);
        return;
    }
    stmt_clear(&m);
    if (step->action.check.kind == SCN_CHECK_SAME_LEADER) {
        j->leader = sim_current_leader(r->s);
        j->leader_term = j->leader ? sim_term(r->s, j->leader) : 0;
        if (j->leader == 0) {
            GString *found = g_string_new(NULL);
            g_string_printf(found,
                            "no leader at the start (highest term %" PRIu64 ")",
                            sim_max_term(r->s));
            verdict(r, j, false, found->str);
            g_string_free(found, TRUE);
            judged_free(j);
            return;
        }
    }
    if (step->when == SCN_WHEN_AT) {
        GString *found = g_string_new(NULL);
        bool ok = eval_check(r, j, found);
        verdict(r, j, ok, found->str);
        g_string_free(found, TRUE);
        judged_free(j);
        return;
    }
    judge_window(r, j);
    if (j->done)
        judged_free(j);
    else
        g_ptr_array_add(r->windows, j);
}

/* ---- scheduling ---------------------------------------------------------- */

/* Runs every statement of one time in file order, checks and window
 * openings included (docs/scenario-language.md, Timed statements and
 * windows): a check sees the actions written before it at its time, never
 * those written after it. */
/* `at T when SUBJECT EVENT ...`: resolves the subject now (`any`: none,
 * any node will do) and arms the trigger. Its `as` name is bound when it
 * fires; a subject that cannot be resolved skips or fails the statement,
 * and its name then names nothing. */
static void arm_trigger(struct runner *r, const struct scn_step *step)
{
    struct scn_node_ref subject = step->subject;
    uint32_t node = 0;
    subject.bind_slot = SCN_NO_SLOT;
    if (subject.kind != SCN_REF_ANY) {
        struct stmt m;
        stmt_init(r, &m, step);
        node = resolve_one(r, &m, &subject);
        if (node == 0) {
            report_unrun(r, &m, false);
            if (step->subject.bind_slot != SCN_NO_SLOT)
                r->slots[step->subject.bind_slot].state = SLOT_NOTHING;
        }
        stmt_clear(&m);
        if (node == 0)
            return;
    }
    scn_triggers_arm(r->triggers, step, node);
}

/* Runs the action of a trigger that `node` fired, after binding the
 * subject's name to it and saying so in the trace. */
static void run_fired(struct runner *r,
                      const struct scn_step *step,
                      uint32_t node)
{
    if (step->subject.bind_slot != SCN_NO_SLOT) {
        r->slots[step->subject.bind_slot].state = SLOT_BOUND;
        r->slots[step->subject.bind_slot].node = node;
    }
    GString *t = g_string_new(NULL);
    /* No line number: a generated scenario and its printed reproducer
     * must trace (and hash) the same. */
    g_string_printf(t, "when n%" PRIu32 " %s: %s", node,
                    scn_event_name(step->event),
                    scn_action_kind_name(step->action.kind));
    sim_note(r->s, node, t->str);
    g_string_free(t, TRUE);
    run_action(r, step);
}

/* Runs the actions of the triggers fired so far, including those their
 * own actions fire. */
static void run_fired_triggers(struct runner *r)
{
    const struct scn_step *step;
    uint32_t node;
    while (r->triggers && scn_triggers_take_fired(r->triggers, &step, &node))
        run_fired(r, step, node);
}

static void warn_unfired(const struct scn_step *step, void *ctx)
{
    struct runner *r = ctx;
    add_warning(r, "line %" PRIu32 ": 'when' never fired: no %s seen",
                step->line, scn_event_name(step->event));
}

static void on_group(struct sim *s, void *ctx)
{
    struct group *g = ctx;
    struct runner *r = g->r;
    (void)s;
    for (guint i = g->first; i < g->first + g->count; i++) {
        const struct scn_step *st = g_ptr_array_index(r->sc->steps, i);
        if (st->triggered)
            arm_trigger(r, st);
        else if (st->action.kind == SCN_ACT_EXPECT)
            run_expect(r, st);
        else
            run_action(r, st);
    }
}

/* Stops the run for `kind` of budget: one BUDGET failure saying which. */
static void stop_for_budget(struct runner *r, enum scn_budget_kind kind)
{
    const struct scn_budget *b = &r->opt->budget;
    struct scn_run_result *res = r->res;
    res->budget_exceeded = kind;
    res->memory_bytes = sim_memory_bytes(r->s);
    GString *msg = g_string_new(NULL);
    switch (kind) {
    case SCN_BUDGET_EVENTS:
        g_string_printf(msg,
                        "the run exceeded its budget of %" PRIu64 " event%s",
                        b->max_events, b->max_events == 1 ? "" : "s");
        break;
    case SCN_BUDGET_MEMORY:
        g_string_printf(msg,
                        "the run exceeded its memory budget of %" PRIu64
                        " bytes (it held about %" PRIu64 ")",
                        b->max_memory_bytes, res->memory_bytes);
        break;
    default:
        g_string_printf(msg, "the run was interrupted by its host");
        break;
    }
    add_failure(r, SCN_FAILURE_BUDGET, NULL, msg->str);
    g_string_free(msg, TRUE);
    sim_stop(r->s);
}

/* After every engine event: whether a budget is exceeded now. The event
 * count is compared every event, memory and the interrupt every
 * SCN_BUDGET_POLL_EVENTS events. */
static bool over_budget(struct runner *r)
{
    const struct scn_budget *b = &r->opt->budget;
    uint64_t events = sim_events_processed(r->s);
    enum scn_budget_kind kind = SCN_BUDGET_NONE;
    if (b->max_events && events > b->max_events)
        kind = SCN_BUDGET_EVENTS;
    else if (events % SCN_BUDGET_POLL_EVENTS != 0)
        return false;
    else if (b->max_memory_bytes &&
             sim_memory_bytes(r->s) > b->max_memory_bytes)
        kind = SCN_BUDGET_MEMORY;
    else if (b->interrupt && b->interrupt(b->interrupt_ctx))
        kind = SCN_BUDGET_INTERRUPTED;
    if (kind == SCN_BUDGET_NONE)
        return false;
    stop_for_budget(r, kind);
    return true;
}

/* After every engine event: checks the budget, then judges the open
 * windows. */
static void on_event(struct sim *s, void *ctx)
{
    struct runner *r = ctx;
    (void)s;
    if (r->in_observer || r->res->budget_exceeded)
        return;
    if (over_budget(r))
        return;
    r->in_observer = true;
    run_fired_triggers(r);
    judge_settles(r, 0);
    for (guint i = 0; i < r->windows->len; i++)
        judge_window(r, g_ptr_array_index(r->windows, i));
    for (guint i = r->windows->len; i-- > 0;) {
        struct judged *j = g_ptr_array_index(r->windows, i);
        if (j->done)
            g_ptr_array_remove_index(r->windows, i);
    }
    r->in_observer = false;
}

/* Closes, in the order they opened, the windows whose end is <= t. */
static void close_windows_until(struct runner *r, uint64_t t)
{
    judge_settles(r, t);
    for (guint i = 0; i < r->windows->len; i++) {
        struct judged *j = g_ptr_array_index(r->windows, i);
        if (j->step->end_us <= t)
            close_window(r, j);
    }
    for (guint i = r->windows->len; i-- > 0;) {
        struct judged *j = g_ptr_array_index(r->windows, i);
        if (j->done)
            g_ptr_array_remove_index(r->windows, i);
    }
}

/* Per-node disk timings into disk[] (one per node) when the scenario
 * gives a jittered or per-node one; else the two constants suffice. */
static void build_disks(const struct scn_scenario *sc,
                        struct sim_config *c,
                        struct sim_disk_latency *disk)
{
    if (sc->disk_write_jitter_us == 0 && sc->disk_sync_jitter_us == 0 &&
        sc->disks->len == 0)
        return;
    struct scn_disk_latency all = {
        .write_us = sc->disk_write_us,
        .write_jitter_us = sc->disk_write_jitter_us,
        .sync_us = sc->disk_sync_us,
        .sync_jitter_us = sc->disk_sync_jitter_us,
    };
    for (uint32_t i = 0; i < scn_scenario_nodes(sc); i++)
        disk[i] = disk_latency(&all);
    for (guint i = 0; i < sc->disks->len; i++) {
        const struct scn_disk *d = g_ptr_array_index(sc->disks, i);
        for (size_t k = 0; k < d->n_nodes; k++)
            disk[d->nodes[k] - 1] = disk_latency(&d->latency);
    }
    c->disk = disk;
}

static void build_config(const struct scn_scenario *sc,
                         const struct scn_run_options *opt,
                         struct sim_config *c,
                         struct sim_init_state *init,
                         struct sim_disk_latency *disk)
{
    sim_config_init(c);
    c->n_nodes = scn_scenario_nodes(sc);
    c->n_voters = sc->cluster;
    c->seed = opt->has_seed ? opt->seed : sc->seed;
    c->election_timeout_us_min = sc->election_timeout_us_min;
    c->election_timeout_us_max = sc->election_timeout_us_max;
    c->heartbeat_us = sc->heartbeat_us;
    c->pre_vote = sc->prevote;
    c->check_quorum = sc->checkquorum;
    c->delay_us_min = sc->delay_us_min;
    c->delay_us_max = sc->delay_us_max;
    c->drop_ppm = sc->drop_ppm;
    c->duplicate_ppm = sc->duplicate_ppm;
    c->reorder_ppm = sc->reorder_ppm;
    c->client_timeout_us = sc->client_timeout_us;
    c->snapshot_every = sc->snapshot_every;
    c->max_uncommitted_bytes = sc->max_uncommitted;
    c->snapshot_chunk_bytes = sc->snapshot_chunk_bytes;
    c->reads = read_mode(sc->reads);
    c->lease_drift_bound_us = sc->lease_drift_bound_us;
    if (sc->has_disk_latency) {
        c->disk_write_us = sc->disk_write_us;
        c->disk_sync_us = sc->disk_sync_us;
    }
    build_disks(sc, c, disk);
    c->checkers = opt->checkers;
    c->record_events = opt->record_events;
    c->history = true;
    c->trace_jsonl = opt->trace_jsonl;
    c->init = NULL;
    if (sc->inits && sc->inits->len) {
        for (guint i = 0; i < sc->inits->len; i++) {
            const struct scn_init *in = g_ptr_array_index(sc->inits, i);
            struct sim_init_state *st = &init[in->node - 1];
            st->set = true;
            st->term = in->term;
            st->vote = in->vote;
            st->log_terms = in->log_terms;
            st->n_log = in->log_len;
        }
        c->init = init;
    }
}

/* Groups the steps by time and schedules each group with sim_at. Steps
 * after the run's end never run; they are reported as warnings. */
static void schedule(struct runner *r)
{
    const GPtrArray *steps = r->sc->steps;
    guint i = 0;
    while (i < steps->len) {
        const struct scn_step *st = g_ptr_array_index(steps, i);
        guint k = i + 1;
        while (
            k < steps->len &&
            ((const struct scn_step *)g_ptr_array_index(steps, k))->time_us ==
                st->time_us)
            k++;
        if (st->time_us > r->sc->run_us) {
            for (guint x = i; x < k; x++) {
                const struct scn_step *late = g_ptr_array_index(steps, x);
                add_warning(r,
                            "line %" PRIu32
                            " never ran: it comes after the run's end",
                            late->line);
            }
        } else {
            struct group *g = g_new0(struct group, 1);
            g->r = r;
            g->time_us = st->time_us;
            g->first = i;
            g->count = k - i;
            g_ptr_array_add(r->groups, g);
            sim_at(r->s, g->time_us, on_group, g);
        }
        i = k;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The sorted distinct window ends up to the run's end. */
static GArray *window_ends(const struct scn_scenario *sc)
{
    GArray *ends = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    for (guint i = 0; i < sc->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        uint64_t end = st->action.kind == SCN_ACT_SETTLE
                           ? scn_settle_deadline_us(sc, st)
                           : st->end_us;
        if ((st->when != SCN_WHEN_AT || st->action.kind == SCN_ACT_SETTLE) &&
            end <= sc->run_us)
            g_array_append_val(ends, end);
    }
    g_array_sort(ends, cmp_u64);
    guint w = 0;
    for (guint i = 0; i < ends->len; i++)
        if (w == 0 || g_array_index(ends, uint64_t, w - 1) !=
                          g_array_index(ends, uint64_t, i))
            g_array_index(ends, uint64_t, w++) =
                g_array_index(ends, uint64_t, i);
    g_array_set_size(ends, w);
    return ends;
}

static void record_violation(struct runner *r)
{
    const struct sim_failure *f = sim_failure(r->s);
    if (!f || r->res->violation)
        return;
    r->res->violation = true;
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "safety violation: %s: %s",
                    sim_property_name(f->violation.property),
                    f->violation.detail);
    add_failure(r, SCN_FAILURE_SAFETY, NULL, msg->str);
    struct scn_failure *last =
        g_ptr_array_index(r->res->failures, r->res->failures->len - 1);
    last->time_us = f->time_us;
    g_string_free(msg, TRUE);
}

/* Drives the engine to the run's end in segments that stop at every window
 * end, tick and pause time. */
static void drive(struct runner *r)
{
    const struct scn_run_options *o = r->opt;
    uint64_t end = r->sc->run_us;
    GArray *ends = window_ends(r->sc);
    guint wi = 0;
    bool ticking = o->on_tick && o->tick_every_us > 0;
    uint64_t next_tick = 0;
    bool pause_pending = o->on_pause != NULL;
    uint64_t pause_at = o->pause_at_us < end ? o->pause_at_us : end;
    for (;;) {
        uint64_t t = end;
        if (wi < ends->len && g_array_index(ends, uint64_t, wi) < t)
            t = g_array_index(ends, uint64_t, wi);
        if (ticking && next_tick < t)
            t = next_tick;
        if (pause_pending && pause_at < t)
            t = pause_at;
        if (o->budget.interrupt &&
            o->budget.interrupt(o->budget.interrupt_ctx)) {
            stop_for_budget(r, SCN_BUDGET_INTERRUPTED);
            break;
        }
        int rc = sim_run_until(r->s, t);
        if (rc == SIM_EVIOLATION) {
            record_violation(r);
            break;
        }
        if (rc != SIM_OK)
            break;
        close_windows_until(r, t);
        while (wi < ends->len && g_array_index(ends, uint64_t, wi) <= t)
            wi++;
        if (ticking && next_tick == t) {
            o->on_tick(r->s, t, o->tick_ctx);
            next_tick =
                end - t < o->tick_every_us ? UINT64_MAX : t + o->tick_every_us;
            if (next_tick == UINT64_MAX)
                ticking = false;
        }
        if (pause_pending && pause_at == t) {
            o->on_pause(r->s, t, o->pause_ctx);
            pause_pending = false;
        }
        if (t == end)
            break;
    }
    g_array_free(ends, TRUE);
}

/* Windows still open when the run stops: `during` held as long as it ran;
 * an `at A..B` never saw its check hold. */
static void close_remaining(struct runner *r)
{
    bool stopped = (!r->res->passed && r->opt->stop_at_first_failure) ||
                   r->res->budget_exceeded;
    for (guint i = 0; i < r->windows->len; i++) {
        struct judged *j = g_ptr_array_index(r->windows, i);
        if (j->done || r->res->violation || stopped)
            continue;
        close_window(r, j);
    }
    g_ptr_array_set_size(r->windows, 0);
    if (!r->res->violation && !stopped)
        judge_settles(r, 0);
    for (guint i = 0; i < r->settles->len; i++) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        if (!st->done && !r->res->violation && !stopped)
            settle_verdict(r, st, false);
    }
    g_ptr_array_set_size(r->settles, 0);
}

/* ---- results ------------------------------------------------------------- */

/* A file that records its run's trace hash (`trace-hash`, which fuzz
 * reproducers and shrunk files carry) is compared with this run, unless a
 * seed given from outside makes it another run: a different hash is no
 * failure, since the checks judge the run, but it says that this is not the
 * run that was recorded, because the build changed or the bug is fixed. */
static void compare_recorded_hash(struct runner *r,
                                  const struct scn_scenario *sc,
                                  const struct scn_run_options *o)
{
    struct scn_run_result *res = r->res;
    if (!sc->has_trace_hash || (o->has_seed && o->seed != sc->seed))
        return;
    res->trace_hash_recorded = true;
    res->recorded_trace_hash = sc->trace_hash;
    res->trace_hash_differs = res->trace_hash != sc->trace_hash;
    if (res->trace_hash_differs)
        add_warning(r,
                    "trace hash %016" PRIx64 " differs from the %016" PRIx64
                    " this file records%s%s%s: another build, or the bug is "
                    "fixed",
                    res->trace_hash, sc->trace_hash,
                    sc->trace_build ? " (recorded by " : "",
                    sc->trace_build ? sc->trace_build : "",
                    sc->trace_build ? ")" : "");
}

static void check_linearizable(struct runner *r)
{
    struct scn_run_result *res = r->res;
    if (!r->opt->linearizability || res->violation || res->budget_exceeded)
        return;
    struct sim_lin_report rep;
    memset(&rep, 0, sizeof(rep));
    res->lin_checked = true;
    res->lin_verdict =
        sim_check_linearizable(r->s, r->opt->lin_max_states, &rep);
    if (res->lin_verdict == SIM_LIN_VIOLATION) {
        GString *msg = g_string_new(NULL);
        g_string_printf(msg,
                        "the client history is not linearizable: key %s: %s",
                        rep.key ? rep.key : "?",
                        rep.explanation ? rep.explanation->str : "");
        res->lin_explanation = g_strdup(msg->str);
        add_failure(r, SCN_FAILURE_LINEARIZABILITY, NULL, msg->str);
        g_string_free(msg, TRUE);
    } else if (res->lin_verdict == SIM_LIN_UNKNOWN) {
        res->lin_explanation = g_strdup_printf(
            "linearizability unknown: the search bound was reached on key %s "
            "after %" PRIu64 " states",
            rep.key ? rep.key : "?", rep.states_explored);
        add_warning(r, "%s", res->lin_explanation);
    }
    sim_lin_report_clear(&rep);
}

static void collect_latencies(struct scn_run_result *res)
{
    const struct sim_history *h = sim_get_history(res->sim);
    res->requests_invoked = sim_requests_invoked(res->sim);
    res->requests_completed = sim_requests_completed(res->sim);
    if (!h)
        return;
    GArray *lat = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    size_t n = sim_history_len(h);
    for (size_t i = 0; i < n; i++) {
        const struct sim_op *op = sim_history_op(h, i);
        if (op->completed) {
            uint64_t d = op->complete_us - op->invoke_us;
            g_array_append_val(lat, d);
        }
    }
    if (lat->len) {
        g_array_sort(lat, cmp_u64);
        /* Nearest rank: the smallest value with at least q of them <= it. */
        guint len = lat->len;
        guint i50 = (len * 50 + 99) / 100, i90 = (len * 90 + 99) / 100,
              i99 = (len * 99 + 99) / 100;
        res->latency_us_p50 = g_array_index(lat, uint64_t, i50 - 1);
        res->latency_us_p90 = g_array_index(lat, uint64_t, i90 - 1);
        res->latency_us_p99 = g_array_index(lat, uint64_t, i99 - 1);
        res->latency_us_max = g_array_index(lat, uint64_t, len - 1);
    }
    g_array_free(lat, TRUE);
}

static void note_free(void *p)
{
    struct scn_run_note *n = p;
    g_free(n->text);
    g_free(n);
}

/* Every trace event as the engine emits it: keeps who became leader when,
 * and the checks and notes, so that a report needs no recorded trace; and
 * lets the armed triggers see it. */
static void on_trace(struct sim *s, const struct sim_trace_event *e, void *ctx)
{
    struct runner *r = ctx;
    struct scn_run_result *res = r->res;
    if (r->triggers)
        scn_triggers_listen(s, e, r->triggers);
    if (e->kind == SIM_TRACE_ROLE && e->role == RAFT_LEADER) {
        struct scn_leader_term lt = {
            .term = e->term, .node = e->node, .since_us = e->time_us};
        g_array_append_val(res->leaders, lt);
    } else if (e->kind == SIM_TRACE_CHECK || e->kind == SIM_TRACE_NOTE) {
        struct scn_run_note *n = g_new0(struct scn_run_note, 1);
        n->time_us = e->time_us;
        n->is_check = e->kind == SIM_TRACE_CHECK;
        n->ok = e->ok;
        n->text = g_strdup(e->text ? e->text : "");
        g_ptr_array_add(res->notes, n);
    }
}

void scn_budget_init(struct scn_budget *b)
{
    memset(b, 0, sizeof(*b));
    b->max_events = SCN_BUDGET_EVENTS_DEFAULT;
    b->max_memory_bytes = SCN_BUDGET_MEMORY_DEFAULT;
}

const char *scn_budget_kind_name(enum scn_budget_kind kind)
{
    switch (kind) {
    case SCN_BUDGET_NONE:
        return "none";
    case SCN_BUDGET_EVENTS:
        return "events";
    case SCN_BUDGET_MEMORY:
        return "memory";
    case SCN_BUDGET_INTERRUPTED:
        return "interrupted";
    }
    return "unknown";
}

const char *scn_failure_kind_name(enum scn_failure_kind kind)
{
    switch (kind) {
    case SCN_FAILURE_CHECK:
        return "check";
    case SCN_FAILURE_ACTION:
        return "action";
    case SCN_FAILURE_SAFETY:
        return "safety";
    case SCN_FAILURE_LINEARIZABILITY:
        return "linearizability";
    case SCN_FAILURE_BUDGET:
        return "budget";
    case SCN_FAILURE_LIVENESS:
        return "liveness";
    }
    return "unknown";
}

void scn_run_options_init(struct scn_run_options *o)
{
    memset(o, 0, sizeof(*o));
    o->checkers = true;
    o->linearizability = true;
    scn_budget_init(&o->budget);
}

int scn_run(const struct scn_scenario *scenario,
            const struct scn_run_options *options,
            struct scn_run_result **out)
{
    struct scn_run_options defaults;
    if (!options) {
        scn_run_options_init(&defaults);
        options = &defaults;
    }
    *out = NULL;
    struct sim_config cfg;
    uint32_t nodes = scn_scenario_nodes(scenario);
    struct sim_init_state *init =
        g_new0(struct sim_init_state, nodes ? nodes : 1);
    struct sim_disk_latency *disk =
        g_new0(struct sim_disk_latency, nodes ? nodes : 1);
    build_config(scenario, options, &cfg, init, disk);
    struct sim *s = sim_new(&cfg);
    g_free(init);
    g_free(disk);
    if (!s)
        return SCN_EINVAL;

    struct scn_run_result *res = g_new0(struct scn_run_result, 1);
    res->sim = s;
    res->file_name = g_strdup(scenario->file_name);
    res->title = g_strdup(scenario->title);
    res->seed = cfg.seed;
    res->n_nodes = nodes;
    res->passed = true;
    res->failures = g_ptr_array_new_with_free_func(failure_free);
    res->warnings = g_ptr_array_new_with_free_func(g_free);
    res->leaders = g_array_new(FALSE, FALSE, sizeof(struct scn_leader_term));
    res->notes = g_ptr_array_new_with_free_func(note_free);
    res->lin_verdict = SIM_LIN_UNKNOWN;

    struct runner r = {
        .sc = scenario,
        .opt = options,
        .s = s,
        .res = res,
        .slots = g_new0(struct slot, scenario->names->len + 1),
        .groups = g_ptr_array_new_with_free_func(g_free),
        .windows = g_ptr_array_new_with_free_func(judged_free),
        .settles = g_ptr_array_new_with_free_func(g_free),
        .scratch = g_string_new(NULL),
        .keys = g_hash_table_new(g_direct_hash, g_direct_equal),
        .ref_key = sim_rng_key(cfg.seed, SCN_REF_DRAWS),
    };
    for (guint i = 0; i < scenario->steps->len && !r.triggers; i++)
        if (((const struct scn_step *)g_ptr_array_index(scenario->steps, i))
                ->triggered)
            r.triggers = scn_triggers_new();
    uint64_t *keys = g_new0(uint64_t, scenario->steps->len + 1);
    scn_step_draw_keys(scenario, keys);
    for (guint i = 0; i < scenario->steps->len; i++)
        g_hash_table_insert(r.keys, g_ptr_array_index(scenario->steps, i),
                            &keys[i]);
    sim_set_observer(s, on_event, &r);
    sim_set_listener(s, on_trace, &r);
    schedule(&r);
    drive(&r);
    sim_set_observer(s, NULL, NULL);
    if (r.triggers)
        scn_triggers_each_unfired(r.triggers, warn_unfired, &r);
    close_remaining(&r);
    check_linearizable(&r);

    res->end_us = sim_now(s);
    res->trace_hash = sim_trace_hash(s);
    res->events = sim_events_processed(s);
    compare_recorded_hash(&r, scenario, options);
    if (!res->budget_exceeded)
        res->memory_bytes = sim_memory_bytes(s);
    sim_set_listener(s, NULL, NULL);
    scn_triggers_free(r.triggers);
    collect_latencies(res);

    g_string_free(r.scratch, TRUE);
    g_ptr_array_free(r.windows, TRUE);
    g_ptr_array_free(r.settles, TRUE);
    /* Callbacks still queued past a stop point would name freed groups;
     * a stopped engine never runs them, and sim_free only frees them. */
    g_ptr_array_free(r.groups, TRUE);
    g_free(r.slots);
    g_hash_table_destroy(r.keys);
    g_free(keys);
    *out = res;
    return SCN_OK;
}

void scn_run_result_free(struct scn_run_result *result)
{
    if (!result)
        return;
    sim_free(result->sim);
    g_free(result->file_name);
    g_free(result->title);
    g_ptr_array_free(result->failures, TRUE);
    g_ptr_array_free(result->warnings, TRUE);
    g_free(result->lin_explanation);
    g_array_free(result->leaders, TRUE);
    g_ptr_array_free(result->notes, TRUE);
    g_free(result);
}

const struct scn_failure *scn_run_first_failure(
    const struct scn_run_result *result)
{
    if (!result->failures->len)
        return NULL;
    return g_ptr_array_index(result->failures, 0);
}

char *scn_failure_format(const struct scn_run_result *result,
                         const struct scn_failure *failure)
{
    GString *t = g_string_new(result->file_name);
    if (failure->line)
        g_string_append_printf(t, ":%" PRIu32, failure->line);
    g_string_append(t, ": at ");
    scn_format_time(t, failure->time_us);
    g_string_append_c(t, ' ');
    if (failure->kind == SCN_FAILURE_ACTION && failure->statement) {
        /* "at 2s crash leader" -> "crash leader: ..." */
        const char *act = failure->statement;
        const char *sp = strchr(act, ' ');
        if (sp && (sp = strchr(sp + 1, ' ')))
            act = sp + 1;
        g_string_append_printf(t, "%s: ", act);
    }
    g_string_append(t, failure->message);
    return g_string_free(t, FALSE);
}
