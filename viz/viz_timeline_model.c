/* viz_timeline_model.c: the trace folded into the timeline's model.
 *
 * One handler per trace kind (fold_handlers[]) updates the live state of
 * the nodes and appends to the model's arrays, in trace order; kinds the
 * timeline does not draw have no handler. Hash tables only find the arrow
 * or the operation an event refers to; nothing is ever read back in hash
 * order. No cairo here: the layout and the drawing read the result.
 */
#include "viz/viz_timeline_model.h"

#include <glib.h>
#include <string.h>

/* The live state of one node while folding the trace. */
struct node_now
{
    uint64_t since_us; /* start of the span it is in */
    enum raft_role role;
    uint64_t term;
    bool crashed;
    bool paused;
    uint64_t paused_until_us; /* 0: no end announced */
};

/* Everything one fold keeps besides the model. */
struct fold
{
    struct viz_tl_model *m;
    uint32_t n;
    struct node_now *now; /* 1..n */
    /* heartbeat_in[b * (n + 1) + a]: the last AppendEntries b received
     * from a was empty, so b's next successful reply to a answers a
     * heartbeat. */
    bool *heartbeat_in;
    GHashTable *by_msg; /* msg_id -> arrow index + 1 */
    GHashTable *by_op;  /* op_key() -> operation index + 1 */
    GArray *clients;    /* client ids as invoked, repeats kept */
};

static enum viz_tl_state state_of(const struct node_now *s)
{
    if (s->crashed) {
        return NODE_CRASHED;
    }
    return s->paused ? NODE_PAUSED : NODE_UP;
}

/* Closes the node's current span at t_us (dropping it if empty). */
static void close_span(struct viz_tl_model *m,
                       uint32_t node,
                       struct node_now *s,
                       uint64_t t_us)
{
    if (t_us > s->since_us) {
        struct viz_tl_span sp = {
            .t0_us = s->since_us,
            .t1_us = t_us,
            .role = s->role,
            .term = s->term,
            .state = state_of(s),
        };
        g_array_append_val(m->spans[node], sp);
    }
    s->since_us = t_us;
}

static void add_note(struct viz_tl_model *m,
                     uint64_t t_us,
                     enum viz_tl_note_kind kind,
                     char *text)
{
    struct viz_tl_note nt = {.t_us = t_us, .kind = kind, .text = text};
    g_array_append_val(m->notes, nt);
}

static void free_array(GArray *a)
{
    if (a != NULL) {
        g_array_free(a, TRUE);
    }
}

void viz_tl_model_free(struct viz_tl_model *m)
{
    if (m->spans != NULL) {
        for (uint32_t i = 0; i <= m->n; i++) {
            free_array(m->spans[i]);
            free_array(m->commits[i]);
        }
    }
    g_free(m->spans);
    g_free(m->commits);
    free_array(m->arrows);
    if (m->partitions != NULL) {
        for (guint i = 0; i < m->partitions->len; i++) {
            struct viz_tl_partition *p =
                &g_array_index(m->partitions, struct viz_tl_partition, i);
            g_free(p->group);
            g_free(p->side);
            free_array(p->verdicts);
        }
        g_array_free(m->partitions, TRUE);
    }
    free_array(m->cuts);
    free_array(m->ops);
    free_array(m->sends);
    if (m->notes != NULL) {
        for (guint i = 0; i < m->notes->len; i++) {
            g_free(g_array_index(m->notes, struct viz_tl_note, i).text);
        }
        g_array_free(m->notes, TRUE);
    }
    g_free(m->clients);
    viz_members_free(&m->members);
    memset(m, 0, sizeof *m);
}

static void close_partition(struct viz_tl_model *m, uint64_t t_us)
{
    if (m->partitions->len == 0) {
        return;
    }
    struct viz_tl_partition *p = &g_array_index(
        m->partitions, struct viz_tl_partition, m->partitions->len - 1);
    if (p->t1_us == UINT64_MAX) {
        p->t1_us = t_us;
    }
}

static uint64_t op_key(uint64_t client, uint64_t request)
{
    return (client << 40) ^ request;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Looks id up in table (keys are owned uint64_t, values index + 1). */
static bool lookup(GHashTable *table, uint64_t id, guint *index)
{
    gpointer v = g_hash_table_lookup(table, &id);
    if (v == NULL) {
        return false;
    }
    *index = GPOINTER_TO_UINT(v) - 1;
    return true;
}

static void remember(GHashTable *table, uint64_t id, guint index)
{
    uint64_t *key = g_new(uint64_t, 1);
    *key = id;
    g_hash_table_replace(table, key, GUINT_TO_POINTER(index + 1));
}

static bool valid_node(const struct viz_tl_model *m, uint32_t node)
{
    return node >= 1 && node <= m->n;
}

uint64_t viz_tl_run_end_us(const struct viz_run *run)
{
    uint64_t end = run->end_us;
    if (run->n_events > 0 && run->events[run->n_events - 1].time_us > end) {
        end = run->events[run->n_events - 1].time_us;
    }
    return end;
}

/* ---- one handler per event kind ----------------------------------------- */

static void on_send(struct fold *f, const struct sim_trace_event *e)
{
    struct viz_tl_model *m = f->m;
    if (!valid_node(m, e->node) || !valid_node(m, e->peer)) {
        return;
    }
    struct viz_tl_arrow a = {
        .from = e->node,
        .to = e->peer,
        .type = e->msg_type,
        .send_us = e->time_us,
        .ok = e->ok,
    };
    if (e->msg_type == RAFT_MSG_APPEND_ENTRIES) {
        a.heartbeat = e->count == 0;
    } else if (e->msg_type == RAFT_MSG_APPEND_ENTRIES_RESULT) {
        a.heartbeat =
            e->ok && f->heartbeat_in[(size_t)e->node * (f->n + 1) + e->peer];
    }
    g_array_append_val(m->arrows, a);
    remember(f->by_msg, e->msg_id, m->arrows->len - 1);
}

static void on_duplicate(struct fold *f, const struct sim_trace_event *e)
{
    guint idx;
    if (!lookup(f->by_msg, e->msg_id, &idx)) {
        return;
    }
    struct viz_tl_arrow a =
        g_array_index(f->m->arrows, struct viz_tl_arrow, idx);
    a.fate = ARROW_IN_FLIGHT;
    a.copy = true;
    g_array_append_val(f->m->arrows, a);
    remember(f->by_msg, e->msg_id2, f->m->arrows->len - 1);
}

/* A DELIVER or a DROP: the message's fate. */
static void on_fate(struct fold *f, const struct sim_trace_event *e)
{
    GArray *arrows = f->m->arrows;
    guint idx;
    if (!lookup(f->by_msg, e->msg_id, &idx)) {
        return;
    }
    struct viz_tl_arrow *a = &g_array_index(arrows, struct viz_tl_arrow, idx);
    if (a->fate != ARROW_IN_FLIGHT) {
        /* A second fate for one id: an unannounced copy. */
        struct viz_tl_arrow c = *a;
        c.copy = true;
        g_array_append_val(arrows, c);
        idx = arrows->len - 1;
        remember(f->by_msg, e->msg_id, idx);
        a = &g_array_index(arrows, struct viz_tl_arrow, idx);
    }
    a->end_us = e->time_us;
    a->fate = e->kind == SIM_TRACE_DELIVER ? ARROW_DELIVERED : ARROW_LOST;
    if (e->kind == SIM_TRACE_DELIVER && a->type == RAFT_MSG_APPEND_ENTRIES) {
        f->heartbeat_in[(size_t)a->to * (f->n + 1) + a->from] = a->heartbeat;
    }
}

static void on_role(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (s->role != e->role || s->term != e->term) {
        close_span(f->m, e->node, s, e->time_us);
        s->role = e->role;
        s->term = e->term;
    }
}

/* A term at time 0 is the node's starting term (scenario `init`). */
static void on_term(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (s->term != e->term) {
        close_span(f->m, e->node, s, e->time_us);
        s->term = e->term;
    }
}

static void on_commit(struct fold *f, const struct sim_trace_event *e)
{
    struct viz_tl_commit c = {.t_us = e->time_us, .value = e->index};
    g_array_append_val(f->m->commits[e->node], c);
}

static void on_crash(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (!s->crashed) {
        close_span(f->m, e->node, s, e->time_us);
        s->crashed = true;
        s->paused = false;
    }
}

static void on_restart(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (s->crashed) {
        close_span(f->m, e->node, s, e->time_us);
        s->crashed = false;
        s->role = RAFT_FOLLOWER;
        /* The term read back from disk. */
        if (e->term != 0) {
            s->term = e->term;
        }
    }
}

static void on_pause(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (!s->crashed) {
        close_span(f->m, e->node, s, e->time_us);
        s->paused = true;
        s->paused_until_us = e->aux;
    }
}

static void on_resume(struct fold *f, const struct sim_trace_event *e)
{
    struct node_now *s = &f->now[e->node];
    if (s->paused) {
        close_span(f->m, e->node, s, e->time_us);
        s->paused = false;
    }
}

/* The groups come from the event's data (group_of), never its text. */
static void on_partition(struct fold *f, const struct sim_trace_event *e)
{
    struct viz_tl_model *m = f->m;
    close_partition(m, e->time_us);
    struct viz_tl_partition p = {.t0_us = e->time_us, .t1_us = UINT64_MAX};
    p.group = g_new0(uint32_t, f->n + 1);
    p.side = g_new0(uint32_t, f->n + 1);
    for (uint32_t k = 1; k <= f->n && k <= e->n_group_of; k++) {
        p.group[k] = e->group_of[k - 1];
        if (p.group[k] > p.n_groups) {
            p.n_groups = p.group[k];
        }
    }
    /* A node in no group is a side of its own, after the groups. */
    p.n_sides = p.n_groups;
    for (uint32_t k = 1; k <= f->n; k++) {
        p.side[k] = p.group[k] != 0 ? p.group[k] : ++p.n_sides;
    }
    p.note = m->notes->len;
    g_array_append_val(m->partitions, p);
    add_note(m, e->time_us, NOTE_PARTITION,
             g_strdup_printf("partition %s", e->text != NULL ? e->text : ""));
}

static void on_cut(struct fold *f, const struct sim_trace_event *e)
{
    if (!valid_node(f->m, e->peer)) {
        return;
    }
    struct viz_tl_cut c = {
        .t0_us = e->time_us,
        .t1_us = UINT64_MAX,
        .from = e->node,
        .to = e->peer,
    };
    g_array_append_val(f->m->cuts, c);
    add_note(f->m, e->time_us, NOTE_CUT,
             g_strdup_printf("cut n%u\u2192n%u", (unsigned)e->node,
                             (unsigned)e->peer));
}

/* Ends every open cut at t_us. */
static void close_cuts(struct viz_tl_model *m, uint64_t t_us)
{
    for (guint k = 0; k < m->cuts->len; k++) {
        struct viz_tl_cut *c = &g_array_index(m->cuts, struct viz_tl_cut, k);
        if (c->t1_us == UINT64_MAX) {
            c->t1_us = t_us;
        }
    }
}

static void on_heal(struct fold *f, const struct sim_trace_event *e)
{
    close_partition(f->m, e->time_us);
    close_cuts(f->m, e->time_us);
    add_note(f->m, e->time_us, NOTE_HEAL, g_strdup("heal"));
}

static void on_invoke(struct fold *f, const struct sim_trace_event *e)
{
    struct viz_tl_op op = {
        .client = e->client,
        .request = e->request,
        .t0_us = e->time_us,
        .op = e->text,
    };
    g_array_append_val(f->m->ops, op);
    remember(f->by_op, op_key(e->client, e->request), f->m->ops->len - 1);
    g_array_append_val(f->clients, e->client);
}

static void on_client_send(struct fold *f, const struct sim_trace_event *e)
{
    struct viz_tl_send s = {
        .t_us = e->time_us, .client = e->client, .node = e->node};
    g_array_append_val(f->m->sends, s);
}

static void on_complete(struct fold *f, const struct sim_trace_event *e)
{
    guint idx;
    if (lookup(f->by_op, op_key(e->client, e->request), &idx)) {
        struct viz_tl_op *op = &g_array_index(f->m->ops, struct viz_tl_op, idx);
        op->done = true;
        op->ok = e->ok;
        op->t1_us = e->time_us;
        op->result = e->text;
    }
}

static void on_check(struct fold *f, const struct sim_trace_event *e)
{
    add_note(f->m, e->time_us, e->ok ? NOTE_CHECK_HELD : NOTE_CHECK_FAILED,
             g_strdup_printf("%s %s", e->ok ? "\u2713" : "\u2717",
                             e->text != NULL ? e->text : "check"));
}

static void on_violation(struct fold *f, const struct sim_trace_event *e)
{
    add_note(
        f->m, e->time_us, NOTE_VIOLATION,
        g_strdup_printf("VIOLATION: %s", e->text != NULL ? e->text : "safety"));
}

typedef void (*fold_fn)(struct fold *f, const struct sim_trace_event *e);

/* The handler of each kind, and whether it needs a valid `node`. Kinds
 * without a handler (leader, persist, sync, apply, snapshot, net, drift,
 * note, disk, timer, progress, log, operator) are not drawn; `config` and
 * `transfer` are folded by viz_members.c. */
static const struct
{
    fold_fn fn;
    bool node;
} fold_handlers[SIM_TRACE_KIND_COUNT] = {
    [SIM_TRACE_SEND] = {on_send, false},
    [SIM_TRACE_DUPLICATE] = {on_duplicate, false},
    [SIM_TRACE_DELIVER] = {on_fate, false},
    [SIM_TRACE_DROP] = {on_fate, false},
    [SIM_TRACE_ROLE] = {on_role, true},
    [SIM_TRACE_TERM] = {on_term, true},
    [SIM_TRACE_COMMIT] = {on_commit, true},
    [SIM_TRACE_CRASH] = {on_crash, true},
    [SIM_TRACE_RESTART] = {on_restart, true},
    [SIM_TRACE_PAUSE] = {on_pause, true},
    [SIM_TRACE_RESUME] = {on_resume, true},
    [SIM_TRACE_PARTITION] = {on_partition, false},
    [SIM_TRACE_CUT] = {on_cut, true},
    [SIM_TRACE_HEAL] = {on_heal, false},
    [SIM_TRACE_CLIENT_INVOKE] = {on_invoke, false},
    [SIM_TRACE_CLIENT_SEND] = {on_client_send, true},
    [SIM_TRACE_CLIENT_COMPLETE] = {on_complete, false},
    [SIM_TRACE_CHECK] = {on_check, false},
    [SIM_TRACE_VIOLATION] = {on_violation, false},
};

/* ---- the fold ------------------------------------------------------------ */

/* A pause whose RESUME never came ends when it said it would, if that is
 * before t_us. */
static void end_pauses(struct fold *f, uint64_t t_us, bool strictly_before)
{
    for (uint32_t k = 1; k <= f->n; k++) {
        struct node_now *s = &f->now[k];
        uint64_t until = s->paused_until_us;
        if (s->paused && until > 0 &&
            (strictly_before ? until < t_us : until <= t_us)) {
            close_span(f->m, k, s, until);
            s->paused = false;
        }
    }
}

static void model_init(struct viz_tl_model *m, uint32_t n, uint64_t limit_us)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    m->limit_us = limit_us;
    m->spans = g_new0(GArray *, n + 1);
    m->commits = g_new0(GArray *, n + 1);
    for (uint32_t i = 1; i <= n; i++) {
        m->spans[i] = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_span));
        m->commits[i] = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_commit));
    }
    m->arrows = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_arrow));
    m->partitions = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_partition));
    m->cuts = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_cut));
    m->ops = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_op));
    m->sends = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_send));
    m->notes = g_array_new(FALSE, FALSE, sizeof(struct viz_tl_note));
}

/* Everything still open at the limit ends there. */
static void close_all(struct fold *f)
{
    struct viz_tl_model *m = f->m;
    end_pauses(f, m->limit_us, true);
    for (uint32_t k = 1; k <= f->n; k++) {
        close_span(m, k, &f->now[k], m->limit_us);
    }
    close_partition(m, m->limit_us);
    close_cuts(m, m->limit_us);
    for (guint k = 0; k < m->ops->len; k++) {
        struct viz_tl_op *op = &g_array_index(m->ops, struct viz_tl_op, k);
        if (!op->done) {
            op->t1_us = m->limit_us;
        }
    }
}

/* The distinct client ids, ascending, into m->clients. */
static void list_clients(struct viz_tl_model *m, GArray *clients)
{
    g_array_sort(clients, cmp_u64);
    m->clients = g_new(uint64_t, clients->len + 1);
    for (guint k = 0; k < clients->len; k++) {
        uint64_t c = g_array_index(clients, uint64_t, k);
        if (m->n_clients == 0 || m->clients[m->n_clients - 1] != c) {
            m->clients[m->n_clients++] = c;
        }
    }
}

/* Folds membership and transfers into m, with a note for each change of
 * the cluster's configuration and each transfer. */
static void add_member_notes(const struct viz_run *run,
                             uint64_t limit_us,
                             struct viz_tl_model *m)
{
    viz_members_build(run, limit_us, &m->members);
    const GArray *cn = m->members.notes;
    for (guint i = 0; i < cn->len; i++) {
        const struct viz_config_note *c =
            &g_array_index(cn, struct viz_config_note, i);
        add_note(m, c->t_us, NOTE_CONFIG, g_strdup(c->text));
    }
    const GArray *tr = m->members.transfers;
    for (guint i = 0; i < tr->len; i++) {
        const struct viz_transfer *t =
            &g_array_index(tr, struct viz_transfer, i);
        const char *how = t->outcome == VIZ_TRANSFER_DONE    ? "done"
                          : t->outcome == VIZ_TRANSFER_ABORT ? "aborted"
                                                             : "running";
        add_note(
            m, t->start_us, NOTE_TRANSFER,
            g_strdup_printf("transfer n%u\u2192n%u %s", (unsigned)t->leader,
                            (unsigned)t->target, how));
    }
}

void viz_tl_model_build(const struct viz_run *run,
                        uint64_t limit_us,
                        struct viz_tl_model *m)
{
    uint32_t n = run->n_nodes;
    model_init(m, n, limit_us);
    struct fold f = {
        .m = m,
        .n = n,
        .now = g_new0(struct node_now, n + 1),
        .heartbeat_in = g_new0(bool, (size_t)(n + 1) * (n + 1)),
        .by_msg =
            g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
        .by_op =
            g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
        .clients = g_array_new(FALSE, FALSE, sizeof(uint64_t)),
    };
    for (size_t i = 0; i < run->n_events; i++) {
        const struct sim_trace_event *e = &run->events[i];
        if (e->time_us > limit_us) {
            break;
        }
        end_pauses(&f, e->time_us, false);
        if ((unsigned)e->kind >= SIM_TRACE_KIND_COUNT) {
            continue;
        }
        fold_fn fn = fold_handlers[e->kind].fn;
        if (fn != NULL &&
            (!fold_handlers[e->kind].node || valid_node(m, e->node))) {
            fn(&f, e);
        }
    }
    close_all(&f);
    list_clients(m, f.clients);
    add_member_notes(run, limit_us, m);
    viz_tl_judge_partitions(m);
    g_array_free(f.clients, TRUE);
    g_hash_table_destroy(f.by_op);
    g_hash_table_destroy(f.by_msg);
    g_free(f.heartbeat_in);
    g_free(f.now);
}
