/* viz_timeline.c: the timeline picture of a run.
 *
 * The trace is first folded into a model (spans of role, term and liveness
 * per node; message arrows; partitions and cuts; client operations; notes),
 * built in trace order and stored in arrays indexed by node or by position,
 * never in hash order, so drawing walks it deterministically. Hash tables
 * are used only to find the arrow or operation an event refers to.
 * The layout is a pure function of the model, the run and the options, and
 * the drawing uses only the layout's geometry, so viz_timeline_layout()
 * reports exactly where things are drawn.
 */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "viz/viz.h"
#include "viz/viz_draw.h"
#include "viz/viz_members.h"

/* ---- geometry constants (pixels) ---------------------------------------- */

enum {
    LEFT_PX = 92,   /* lane heads */
    RIGHT_PX = 28,  /* right margin */
    HEADER_PX = 60, /* title and run facts */
    AXIS_PX = 24,   /* tick labels */
    NOTE_ROWS = 3,  /* rows of annotations above the lanes */
    NOTE_ROW_PX = 15,
    LANE_PX = 64,
    BAND_OFF_PX = 17,
    BAND_PX = 20,
    CLIENT_GAP_PX = 10,
    CLIENT_ROW_PX = 18,
    CLIENT_ROWS_MAX = 8,
    LEGEND_GAP_PX = 18,
    LEGEND_ROW_PX = 20,
    BOTTOM_PX = 12,
    AUTO_ALL_MAX_MESSAGES = 150,
};

#define STUB_MAX_PX 34.0
#define FONT_TITLE 17.0
#define FONT_SUB 11.5
#define FONT_LANE 13.0
#define FONT_SMALL 10.0
#define FONT_TINY 9.0

/* ---- the model ---------------------------------------------------------- */

enum node_state {
    NODE_UP = 0,
    NODE_CRASHED,
    NODE_PAUSED,
};

/* A maximal interval during which a node's role, term and state held. */
struct span
{
    uint64_t t0_us;
    uint64_t t1_us;
    enum raft_role role;
    uint64_t term;
    enum node_state state;
};

/* A node's commit index became value at t_us. */
struct commit_mark
{
    uint64_t t_us;
    uint64_t value;
};

enum arrow_fate {
    ARROW_IN_FLIGHT = 0,
    ARROW_DELIVERED,
    ARROW_LOST,
};

struct arrow
{
    uint32_t from;
    uint32_t to;
    enum raft_message_type type;
    uint64_t send_us;
    uint64_t end_us; /* delivery or loss; meaningless in flight */
    enum arrow_fate fate;
    bool heartbeat; /* empty AppendEntries or its successful reply */
    bool ok;        /* results: granted or succeeded */
    bool copy;      /* the second copy of a duplicated message */
};

struct partition
{
    uint64_t t0_us;
    uint64_t t1_us;
    uint32_t *group; /* group[node] for node 1..n, owned; 0: alone */
    uint32_t n_groups;
};

struct cut
{
    uint64_t t0_us;
    uint64_t t1_us;
    uint32_t from;
    uint32_t to;
};

struct client_op
{
    uint64_t client;
    uint64_t request;
    uint64_t t0_us;
    uint64_t t1_us;
    bool done;
    bool ok;
    const char *op;     /* borrowed from the trace */
    const char *result; /* borrowed from the trace */
};

struct client_send
{
    uint64_t t_us;
    uint64_t client;
    uint32_t node;
};

/* In placement order: an earlier kind takes the room first. */
enum note_kind {
    NOTE_VIOLATION = 0,
    NOTE_CHECK_FAILED,
    NOTE_PARTITION,
    NOTE_HEAL,
    NOTE_CUT,
    NOTE_TRANSFER,
    NOTE_CONFIG,
    NOTE_CHECK_HELD,
};

struct note
{
    uint64_t t_us;
    enum note_kind kind;
    char *text; /* owned */
};

struct model
{
    uint32_t n;
    GArray **spans;   /* per node 1..n: struct span */
    GArray **commits; /* per node 1..n: struct commit_mark */
    GArray *arrows;   /* struct arrow, in send order */
    GArray *partitions;
    GArray *cuts;
    GArray *ops;       /* struct client_op, in invoke order */
    GArray *sends;     /* struct client_send */
    GArray *notes;     /* struct note, in time order */
    uint64_t *clients; /* distinct client ids, ascending */
    size_t n_clients;
    uint64_t limit_us;          /* every open span ends here */
    struct viz_members members; /* membership and transfers */
};

/* The live state of one node while folding the trace. */
struct node_now
{
    uint64_t since_us;
    enum raft_role role;
    uint64_t term;
    bool crashed;
    bool paused;
    uint64_t paused_until_us;
};

static enum node_state state_of(const struct node_now *s)
{
    if (s->crashed) {
        return NODE_CRASHED;
    }
    return s->paused ? NODE_PAUSED : NODE_UP;
}

/* Closes the node's current span at t_us (dropping it if empty). */
static void close_span(struct model *m,
                       uint32_t node,
                       struct node_now *s,
                       uint64_t t_us)
{
    if (t_us > s->since_us) {
        struct span sp = {
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

static void add_note(struct model *m,
                     uint64_t t_us,
                     enum note_kind kind,
                     char *text)
{
    struct note nt = {.t_us = t_us, .kind = kind, .text = text};
    g_array_append_val(m->notes, nt);
}

static void free_model(struct model *m)
{
    if (m->spans != NULL) {
        for (uint32_t i = 0; i <= m->n; i++) {
            if (m->spans[i] != NULL) {
                g_array_free(m->spans[i], TRUE);
            }
            if (m->commits[i] != NULL) {
                g_array_free(m->commits[i], TRUE);
            }
        }
    }
    g_free(m->spans);
    g_free(m->commits);
    if (m->arrows != NULL) {
        g_array_free(m->arrows, TRUE);
    }
    if (m->partitions != NULL) {
        for (guint i = 0; i < m->partitions->len; i++) {
            g_free(g_array_index(m->partitions, struct partition, i).group);
        }
        g_array_free(m->partitions, TRUE);
    }
    if (m->cuts != NULL) {
        g_array_free(m->cuts, TRUE);
    }
    if (m->ops != NULL) {
        g_array_free(m->ops, TRUE);
    }
    if (m->sends != NULL) {
        g_array_free(m->sends, TRUE);
    }
    if (m->notes != NULL) {
        for (guint i = 0; i < m->notes->len; i++) {
            g_free(g_array_index(m->notes, struct note, i).text);
        }
        g_array_free(m->notes, TRUE);
    }
    g_free(m->clients);
    viz_members_free(&m->members);
    memset(m, 0, sizeof *m);
}

/* The groups of a `partition` event, from its data (group_of): group[k]
 * for node k in 1..n, 0 for a node in no group (alone). Returns the number
 * of groups. */
static uint32_t partition_groups(const struct sim_trace_event *e,
                                 uint32_t n,
                                 uint32_t *group)
{
    uint32_t n_groups = 0;
    for (uint32_t k = 1; k <= n && k <= e->n_group_of; k++) {
        group[k] = e->group_of[k - 1];
        if (group[k] > n_groups) {
            n_groups = group[k];
        }
    }
    return n_groups;
}

static void close_partition(struct model *m, uint64_t t_us)
{
    if (m->partitions->len == 0) {
        return;
    }
    struct partition *p =
        &g_array_index(m->partitions, struct partition, m->partitions->len - 1);
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

static bool valid_node(const struct model *m, uint32_t node)
{
    return node >= 1 && node <= m->n;
}

static uint64_t run_end_us(const struct viz_run *run)
{
    uint64_t end = run->end_us;
    if (run->n_events > 0 && run->events[run->n_events - 1].time_us > end) {
        end = run->events[run->n_events - 1].time_us;
    }
    return end;
}

/* Folds membership and transfers into m, with a note for each change of
 * the cluster's configuration and each transfer. */
static void add_member_notes(const struct viz_run *run,
                             uint64_t limit_us,
                             struct model *m)
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

/* Folds run->events with time <= limit_us into m. */
static void build_model(const struct viz_run *run,
                        uint64_t limit_us,
                        struct model *m)
{
    uint32_t n = run->n_nodes;
    memset(m, 0, sizeof *m);
    m->n = n;
    m->limit_us = limit_us;
    m->spans = g_new0(GArray *, n + 1);
    m->commits = g_new0(GArray *, n + 1);
    for (uint32_t i = 1; i <= n; i++) {
        m->spans[i] = g_array_new(FALSE, FALSE, sizeof(struct span));
        m->commits[i] = g_array_new(FALSE, FALSE, sizeof(struct commit_mark));
    }
    m->arrows = g_array_new(FALSE, FALSE, sizeof(struct arrow));
    m->partitions = g_array_new(FALSE, FALSE, sizeof(struct partition));
    m->cuts = g_array_new(FALSE, FALSE, sizeof(struct cut));
    m->ops = g_array_new(FALSE, FALSE, sizeof(struct client_op));
    m->sends = g_array_new(FALSE, FALSE, sizeof(struct client_send));
    m->notes = g_array_new(FALSE, FALSE, sizeof(struct note));

    struct node_now *now = g_new0(struct node_now, n + 1);
    /* heartbeat_in[b * (n + 1) + a]: the last AppendEntries b received from
     * a was empty, so b's next successful reply to a answers a heartbeat. */
    bool *heartbeat_in = g_new0(bool, (size_t)(n + 1) * (n + 1));
    GHashTable *by_msg =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    GHashTable *by_op =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    GArray *clients = g_array_new(FALSE, FALSE, sizeof(uint64_t));

    for (size_t i = 0; i < run->n_events; i++) {
        const struct sim_trace_event *e = &run->events[i];
        uint64_t t = e->time_us;
        if (t > limit_us) {
            break;
        }
        /* A pause whose RESUME never came ends when it said it would. */
        for (uint32_t k = 1; k <= n; k++) {
            if (now[k].paused && now[k].paused_until_us <= t &&
                now[k].paused_until_us > 0) {
                close_span(m, k, &now[k], now[k].paused_until_us);
                now[k].paused = false;
            }
        }
        uint32_t node = e->node;
        switch (e->kind) {
        case SIM_TRACE_SEND: {
            if (!valid_node(m, node) || !valid_node(m, e->peer)) {
                break;
            }
            struct arrow a = {
                .from = node,
                .to = e->peer,
                .type = e->msg_type,
                .send_us = t,
                .ok = e->ok,
            };
            if (e->msg_type == RAFT_MSG_APPEND_ENTRIES) {
                a.heartbeat = e->count == 0;
            } else if (e->msg_type == RAFT_MSG_APPEND_ENTRIES_RESULT) {
                a.heartbeat =
                    e->ok && heartbeat_in[(size_t)node * (n + 1) + e->peer];
            }
            g_array_append_val(m->arrows, a);
            remember(by_msg, e->msg_id, m->arrows->len - 1);
            break;
        }
        case SIM_TRACE_DUPLICATE: {
            guint idx;
            if (!lookup(by_msg, e->msg_id, &idx)) {
                break;
            }
            struct arrow a = g_array_index(m->arrows, struct arrow, idx);
            a.fate = ARROW_IN_FLIGHT;
            a.copy = true;
            g_array_append_val(m->arrows, a);
            remember(by_msg, e->msg_id2, m->arrows->len - 1);
            break;
        }
        case SIM_TRACE_DELIVER:
        case SIM_TRACE_DROP: {
            guint idx;
            if (!lookup(by_msg, e->msg_id, &idx)) {
                break;
            }
            struct arrow *a = &g_array_index(m->arrows, struct arrow, idx);
            if (a->fate != ARROW_IN_FLIGHT) {
                /* A second fate for one id: an unannounced copy. */
                struct arrow c = *a;
                c.copy = true;
                g_array_append_val(m->arrows, c);
                idx = m->arrows->len - 1;
                remember(by_msg, e->msg_id, idx);
                a = &g_array_index(m->arrows, struct arrow, idx);
            }
            a->end_us = t;
            a->fate =
                e->kind == SIM_TRACE_DELIVER ? ARROW_DELIVERED : ARROW_LOST;
            if (e->kind == SIM_TRACE_DELIVER &&
                a->type == RAFT_MSG_APPEND_ENTRIES) {
                heartbeat_in[(size_t)a->to * (n + 1) + a->from] = a->heartbeat;
            }
            break;
        }
        case SIM_TRACE_ROLE:
            if (valid_node(m, node) &&
                (now[node].role != e->role || now[node].term != e->term)) {
                close_span(m, node, &now[node], t);
                now[node].role = e->role;
                now[node].term = e->term;
            }
            break;
        case SIM_TRACE_TERM:
            if (valid_node(m, node) && now[node].term != e->term) {
                close_span(m, node, &now[node], t);
                now[node].term = e->term;
            }
            break;
        case SIM_TRACE_COMMIT:
            if (valid_node(m, node)) {
                struct commit_mark c = {.t_us = t, .value = e->index};
                g_array_append_val(m->commits[node], c);
            }
            break;
        case SIM_TRACE_CRASH:
            if (valid_node(m, node) && !now[node].crashed) {
                close_span(m, node, &now[node], t);
                now[node].crashed = true;
                now[node].paused = false;
            }
            break;
        case SIM_TRACE_RESTART:
            if (valid_node(m, node) && now[node].crashed) {
                close_span(m, node, &now[node], t);
                now[node].crashed = false;
                now[node].role = RAFT_FOLLOWER;
                /* The term read back from disk. */
                if (e->term != 0) {
                    now[node].term = e->term;
                }
            }
            break;
        case SIM_TRACE_PAUSE:
            if (valid_node(m, node) && !now[node].crashed) {
                close_span(m, node, &now[node], t);
                now[node].paused = true;
                now[node].paused_until_us = e->aux;
            }
            break;
        case SIM_TRACE_RESUME:
            if (valid_node(m, node) && now[node].paused) {
                close_span(m, node, &now[node], t);
                now[node].paused = false;
            }
            break;
        case SIM_TRACE_PARTITION: {
            close_partition(m, t);
            struct partition p = {.t0_us = t, .t1_us = UINT64_MAX};
            p.group = g_new0(uint32_t, n + 1);
            p.n_groups = partition_groups(e, n, p.group);
            g_array_append_val(m->partitions, p);
            add_note(m, t, NOTE_PARTITION,
                     g_strdup_printf("partition %s",
                                     e->text != NULL ? e->text : ""));
            break;
        }
        case SIM_TRACE_CUT:
            if (valid_node(m, node) && valid_node(m, e->peer)) {
                struct cut c = {
                    .t0_us = t,
                    .t1_us = UINT64_MAX,
                    .from = node,
                    .to = e->peer,
                };
                g_array_append_val(m->cuts, c);
                add_note(m, t, NOTE_CUT,
                         g_strdup_printf("cut n%u\u2192n%u", (unsigned)node,
                                         (unsigned)e->peer));
            }
            break;
        case SIM_TRACE_HEAL:
            close_partition(m, t);
            for (guint k = 0; k < m->cuts->len; k++) {
                struct cut *c = &g_array_index(m->cuts, struct cut, k);
                if (c->t1_us == UINT64_MAX) {
                    c->t1_us = t;
                }
            }
            add_note(m, t, NOTE_HEAL, g_strdup("heal"));
            break;
        case SIM_TRACE_CLIENT_INVOKE: {
            struct client_op op = {
                .client = e->client,
                .request = e->request,
                .t0_us = t,
                .op = e->text,
            };
            g_array_append_val(m->ops, op);
            remember(by_op, op_key(e->client, e->request), m->ops->len - 1);
            g_array_append_val(clients, e->client);
            break;
        }
        case SIM_TRACE_CLIENT_SEND:
            if (valid_node(m, node)) {
                struct client_send s = {
                    .t_us = t, .client = e->client, .node = node};
                g_array_append_val(m->sends, s);
            }
            break;
        case SIM_TRACE_CLIENT_COMPLETE: {
            guint idx;
            if (lookup(by_op, op_key(e->client, e->request), &idx)) {
                struct client_op *op =
                    &g_array_index(m->ops, struct client_op, idx);
                op->done = true;
                op->ok = e->ok;
                op->t1_us = t;
                op->result = e->text;
            }
            break;
        }
        case SIM_TRACE_CHECK:
            add_note(m, t, e->ok ? NOTE_CHECK_HELD : NOTE_CHECK_FAILED,
                     g_strdup_printf("%s %s", e->ok ? "\u2713" : "\u2717",
                                     e->text != NULL ? e->text : "check"));
            break;
        case SIM_TRACE_VIOLATION:
            add_note(m, t, NOTE_VIOLATION,
                     g_strdup_printf("VIOLATION: %s",
                                     e->text != NULL ? e->text : "safety"));
            break;
        case SIM_TRACE_LEADER:
        case SIM_TRACE_PERSIST:
        case SIM_TRACE_SYNC:
        case SIM_TRACE_APPLY:
        case SIM_TRACE_SNAPSHOT:
        case SIM_TRACE_NET:
        case SIM_TRACE_DRIFT:
        case SIM_TRACE_NOTE:
        case SIM_TRACE_DISK:
        case SIM_TRACE_TIMER:
        case SIM_TRACE_PROGRESS:
        case SIM_TRACE_LOG:
        case SIM_TRACE_OPERATOR:
        case SIM_TRACE_CONFIG:
        case SIM_TRACE_TRANSFER:
        case SIM_TRACE_KIND_COUNT:
            break;
        }
    }
    for (uint32_t k = 1; k <= n; k++) {
        if (now[k].paused && now[k].paused_until_us > 0 &&
            now[k].paused_until_us < limit_us) {
            close_span(m, k, &now[k], now[k].paused_until_us);
            now[k].paused = false;
        }
        close_span(m, k, &now[k], limit_us);
    }
    close_partition(m, limit_us);
    for (guint k = 0; k < m->cuts->len; k++) {
        struct cut *c = &g_array_index(m->cuts, struct cut, k);
        if (c->t1_us == UINT64_MAX) {
            c->t1_us = limit_us;
        }
    }
    for (guint k = 0; k < m->ops->len; k++) {
        struct client_op *op = &g_array_index(m->ops, struct client_op, k);
        if (!op->done) {
            op->t1_us = limit_us;
        }
    }

    g_array_sort(clients, cmp_u64);
    m->clients = g_new(uint64_t, clients->len + 1);
    for (guint k = 0; k < clients->len; k++) {
        uint64_t c = g_array_index(clients, uint64_t, k);
        if (m->n_clients == 0 || m->clients[m->n_clients - 1] != c) {
            m->clients[m->n_clients++] = c;
        }
    }
    g_array_free(clients, TRUE);
    add_member_notes(run, limit_us, m);
    g_hash_table_destroy(by_op);
    g_hash_table_destroy(by_msg);
    g_free(heartbeat_in);
    g_free(now);
}

/* ---- layout ------------------------------------------------------------- */

static int resolve_window(const struct viz_run *run,
                          const struct viz_options *o,
                          uint64_t *from,
                          uint64_t *to)
{
    uint64_t end = run_end_us(run);
    *from = o->from_us;
    *to = o->to_us == 0 ? end : o->to_us;
    if (o->to_us == 0 && *to <= *from) {
        *to = *from + 1000;
    }
    if (*to <= *from) {
        return VIZ_EINVAL;
    }
    return VIZ_OK;
}

static bool arrow_in_window(const struct arrow *a, uint64_t from, uint64_t to)
{
    uint64_t end = a->fate == ARROW_IN_FLIGHT ? a->send_us : a->end_us;
    return a->send_us <= to && end >= from;
}

static bool arrow_shown(const struct arrow *a, enum viz_messages mode)
{
    switch (mode) {
    case VIZ_MESSAGES_NONE:
        return false;
    case VIZ_MESSAGES_NO_HEARTBEATS:
        return !a->heartbeat;
    case VIZ_MESSAGES_ALL:
    case VIZ_MESSAGES_AUTO:
    case VIZ_MESSAGES_COUNT:
        break;
    }
    return true;
}

/* One legend entry: how its swatch is drawn and its words. */
enum swatch {
    SW_FOLLOWER,
    SW_CANDIDATE,
    SW_LEADER,
    SW_CRASHED,
    SW_PAUSED,
    SW_PARTITION,
    SW_CUT,
    SW_COMMIT,
    SW_PREVOTE,
    SW_PREVOTE_REPLY,
    SW_VOTE,
    SW_VOTE_GRANTED,
    SW_VOTE_DENIED,
    SW_APPEND,
    SW_APPEND_OK,
    SW_APPEND_FAILED,
    SW_HEARTBEAT,
    SW_SNAPSHOT,
    SW_SNAPSHOT_REPLY,
    SW_LOST,
    SW_DUPLICATE,
    SW_IN_FLIGHT,
    SW_CLIENT_OK,
    SW_CLIENT_FAILED,
    SW_CLIENT_PENDING,
    SW_CHECK,
    SW_VIOLATION,
    SW_VOTER,
    SW_LEARNER,
    SW_NOT_MEMBER,
    SW_JOINT_BOTH,
    SW_JOINT_IN,
    SW_JOINT_OUT,
    SW_TRANSFER,
    SW_COUNT,
};

struct legend_item
{
    enum swatch swatch;
    const char *label;
};

static const struct legend_item legend_items[] = {
    {SW_FOLLOWER, "follower"},
    {SW_CANDIDATE, "candidate"},
    {SW_LEADER, "leader"},
    {SW_CRASHED, "crashed"},
    {SW_PAUSED, "paused"},
    {SW_PARTITION, "partition group"},
    {SW_CUT, "one-way cut (sender)"},
    {SW_COMMIT, "commit index"},
    {SW_PREVOTE, "PreVote"},
    {SW_PREVOTE_REPLY, "PreVote reply"},
    {SW_VOTE, "RequestVote"},
    {SW_VOTE_GRANTED, "vote granted"},
    {SW_VOTE_DENIED, "vote denied"},
    {SW_APPEND, "AppendEntries with entries"},
    {SW_APPEND_OK, "append accepted"},
    {SW_APPEND_FAILED, "append rejected"},
    {SW_HEARTBEAT, "heartbeat / ack"},
    {SW_SNAPSHOT, "InstallSnapshot"},
    {SW_SNAPSHOT_REPLY, "snapshot reply"},
    {SW_LOST, "lost message"},
    {SW_DUPLICATE, "duplicate copy"},
    {SW_IN_FLIGHT, "still in flight"},
    {SW_CLIENT_OK, "client request ok"},
    {SW_CLIENT_FAILED, "client request failed"},
    {SW_CLIENT_PENDING, "client request pending"},
    {SW_CHECK, "expect check held"},
    {SW_VIOLATION, "safety violation"},
    {SW_VOTER, "voter"},
    {SW_LEARNER, "learner"},
    {SW_NOT_MEMBER, "not a member"},
    {SW_JOINT_BOTH, "joint: voter of both halves"},
    {SW_JOINT_IN, "joint: incoming voter"},
    {SW_JOINT_OUT, "joint: outgoing voter"},
    {SW_TRANSFER, "leadership transfer (dashed: aborted)"},
};

#define N_LEGEND (sizeof legend_items / sizeof legend_items[0])
#define SWATCH_W 24.0
#define LEGEND_ITEM_GAP 16.0

/* Positions each legend item that used[] selects (x, row) within width;
 * returns the rows used. */
static int legend_flow(cairo_t *cr,
                       double width,
                       const bool *used,
                       double *xs,
                       int *rows)
{
    double x0 = 16.0;
    double x = x0;
    int row = 0;
    viz_font(cr, FONT_SMALL, false);
    for (size_t i = 0; i < N_LEGEND; i++) {
        if (!used[legend_items[i].swatch]) {
            continue;
        }
        double w = SWATCH_W + 5.0 + viz_text_width(cr, legend_items[i].label);
        if (x > x0 && x + w > width - 16.0) {
            row++;
            x = x0;
        }
        xs[i] = x;
        rows[i] = row;
        x += w + LEGEND_ITEM_GAP;
    }
    return row + 1;
}

static enum swatch arrow_swatch(const struct arrow *a)
{
    if (a->heartbeat) {
        return SW_HEARTBEAT;
    }
    switch (a->type) {
    case RAFT_MSG_PRE_VOTE:
        return SW_PREVOTE;
    case RAFT_MSG_PRE_VOTE_RESULT:
        return SW_PREVOTE_REPLY;
    case RAFT_MSG_REQUEST_VOTE:
    case RAFT_MSG_TIMEOUT_NOW:
        return SW_VOTE;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return a->ok ? SW_VOTE_GRANTED : SW_VOTE_DENIED;
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return a->ok ? SW_APPEND_OK : SW_APPEND_FAILED;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return SW_SNAPSHOT;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return SW_SNAPSHOT_REPLY;
    case RAFT_MSG_APPEND_ENTRIES:
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
    case RAFT_MSG_TYPE_COUNT:
        break;
    }
    return SW_APPEND;
}

/* The membership strips' and transfers' legend items, when drawn. */
static void member_legend_used(const struct viz_members *mm,
                               const struct viz_timeline_layout *l,
                               bool *used)
{
    static const enum swatch sw[VIZ_MEMBER_COUNT] = {
        [VIZ_MEMBER_NONE] = SW_NOT_MEMBER,
        [VIZ_MEMBER_VOTER] = SW_VOTER,
        [VIZ_MEMBER_LEARNER] = SW_LEARNER,
        [VIZ_MEMBER_JOINT_BOTH] = SW_JOINT_BOTH,
        [VIZ_MEMBER_JOINT_IN] = SW_JOINT_IN,
        [VIZ_MEMBER_JOINT_OUT] = SW_JOINT_OUT,
    };
    for (int k = 0; k < VIZ_MEMBER_COUNT; k++) {
        used[sw[k]] |=
            l->members &&
            viz_members_in_window(mm, (enum viz_member)k, l->from_us, l->to_us);
    }
    used[SW_TRANSFER] |=
        viz_members_in_window(mm, VIZ_MEMBER_COUNT, l->from_us, l->to_us);
}

/* Marks in used[] (SW_COUNT entries) the legend items whose marks the
 * picture of m in l's window actually shows, so that the legend explains
 * what is there and nothing else. Frames (until_now) keep every item, so
 * that all frames of a run have the same height and line up. */
static void legend_used(const struct model *m,
                        const struct viz_timeline_layout *l,
                        bool until_now,
                        bool *used)
{
    for (int i = 0; i < SW_COUNT; i++) {
        used[i] = until_now;
    }
    used[SW_FOLLOWER] = true;
    uint64_t from = l->from_us;
    uint64_t to = l->to_us;
    for (uint32_t k = 1; k <= m->n; k++) {
        const GArray *spans = m->spans[k];
        for (guint i = 0; i < spans->len; i++) {
            const struct span *sp = &g_array_index(spans, struct span, i);
            if (sp->t1_us < from || sp->t0_us > to) {
                continue;
            }
            if (sp->state == NODE_CRASHED) {
                used[SW_CRASHED] = true;
                continue;
            }
            used[SW_PAUSED] |= sp->state == NODE_PAUSED;
            used[SW_CANDIDATE] |= sp->role == RAFT_CANDIDATE;
            used[SW_LEADER] |= sp->role == RAFT_LEADER;
        }
        const GArray *commits = m->commits[k];
        for (guint i = 0; i < commits->len; i++) {
            uint64_t t = g_array_index(commits, struct commit_mark, i).t_us;
            used[SW_COMMIT] |= t >= from && t <= to;
        }
    }
    for (guint i = 0; i < m->partitions->len; i++) {
        const struct partition *p =
            &g_array_index(m->partitions, struct partition, i);
        used[SW_PARTITION] |= p->t0_us <= to && p->t1_us >= from;
    }
    for (guint i = 0; i < m->cuts->len; i++) {
        const struct cut *k = &g_array_index(m->cuts, struct cut, i);
        used[SW_CUT] |= k->t0_us <= to && k->t1_us >= from;
    }
    for (guint i = 0; i < m->arrows->len; i++) {
        const struct arrow *a = &g_array_index(m->arrows, struct arrow, i);
        if (!arrow_shown(a, l->messages) || !arrow_in_window(a, from, to)) {
            continue;
        }
        used[arrow_swatch(a)] = true;
        used[SW_LOST] |= a->fate == ARROW_LOST;
        used[SW_IN_FLIGHT] |= a->fate == ARROW_IN_FLIGHT;
        used[SW_DUPLICATE] |= a->copy;
    }
    for (guint i = 0; i < m->ops->len; i++) {
        const struct client_op *op =
            &g_array_index(m->ops, struct client_op, i);
        if (op->t1_us < from || op->t0_us > to) {
            continue;
        }
        used[!op->done ? SW_CLIENT_PENDING
             : op->ok  ? SW_CLIENT_OK
                       : SW_CLIENT_FAILED] = true;
    }
    for (guint i = 0; i < m->notes->len; i++) {
        const struct note *nt = &g_array_index(m->notes, struct note, i);
        if (nt->t_us < from || nt->t_us > to) {
            continue;
        }
        used[SW_CHECK] |= nt->kind == NOTE_CHECK_HELD;
        used[SW_VIOLATION] |= nt->kind == NOTE_VIOLATION;
    }
    member_legend_used(&m->members, l, used);
}

/* Rows of the client lane that name a client seen so far. */
static int client_rows(const struct model *m)
{
    if (m->n_clients == 0) {
        return 0;
    }
    return m->n_clients > CLIENT_ROWS_MAX ? CLIENT_ROWS_MAX : (int)m->n_clients;
}

/* Rows the client lane takes. A frame sees only the clients so far, so
 * frames reserve every row: all frames of a run keep one height. */
static int client_lane_rows(const struct model *m, bool until_now)
{
    return until_now ? CLIENT_ROWS_MAX : client_rows(m);
}

static int client_row_of(const struct model *m, uint64_t client)
{
    size_t lo = 0;
    size_t hi = m->n_clients;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->clients[mid] < client) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (int)(lo % CLIENT_ROWS_MAX);
}

static int make_layout(const struct viz_run *run,
                       const struct viz_options *o,
                       const struct model *m,
                       struct viz_timeline_layout *l)
{
    uint64_t from;
    uint64_t to;
    int code = resolve_window(run, o, &from, &to);
    if (code != VIZ_OK) {
        return code;
    }
    memset(l, 0, sizeof *l);
    l->n_nodes = run->n_nodes;
    l->from_us = from;
    l->to_us = to;

    size_t n_all = 0;
    size_t n_beats = 0;
    for (guint i = 0; i < m->arrows->len; i++) {
        const struct arrow *a = &g_array_index(m->arrows, struct arrow, i);
        if (arrow_in_window(a, from, to)) {
            n_all++;
            n_beats += a->heartbeat;
        }
    }
    l->messages = o->messages;
    if (l->messages == VIZ_MESSAGES_AUTO || l->messages >= VIZ_MESSAGES_COUNT) {
        l->messages = n_all <= AUTO_ALL_MAX_MESSAGES
                          ? VIZ_MESSAGES_ALL
                          : VIZ_MESSAGES_NO_HEARTBEATS;
    }
    size_t n_drawn = l->messages == VIZ_MESSAGES_ALL    ? n_all
                     : l->messages == VIZ_MESSAGES_NONE ? 0
                                                        : n_all - n_beats;

    double width;
    if (o->width_px > 0) {
        width = o->width_px;
    } else {
        /* Half a pixel per millisecond (a heartbeat interval of 50 ms is
         * 25 pixels) up to 3000 pixels, then only as wide as the messages
         * drawn need: 6 pixels each. Quiet stretches do not pay. */
        double span_ms = (double)(to - from) / 1000.0;
        double by_time = fmin(span_ms * 0.5, 3000.0);
        double plot = fmax(1000.0, fmax(by_time, (double)n_drawn * 6.0));
        width = plot + LEFT_PX + RIGHT_PX;
    }
    width = fmin(fmax(width, VIZ_WIDTH_MIN_PX), VIZ_WIDTH_MAX_PX);
    l->width_px = (int)lround(width);
    l->plot_x0 = LEFT_PX;
    l->plot_x1 = l->width_px - RIGHT_PX;

    l->lanes_y0 = HEADER_PX + AXIS_PX + NOTE_ROWS * NOTE_ROW_PX + 4;
    l->lane_h = LANE_PX;
    l->band_off = BAND_OFF_PX;
    l->band_h = BAND_PX;
    double y = l->lanes_y0 + l->lane_h * run->n_nodes;
    int crows = client_lane_rows(m, o->until_now);
    l->client_y0 = y + (crows > 0 ? CLIENT_GAP_PX : 0);
    l->client_h = crows * CLIENT_ROW_PX + (crows > 0 ? 8 : 0);
    y = l->client_y0 + l->client_h;

    cairo_t *cr = viz_measure_new();
    if (cr == NULL) {
        return VIZ_ENOMEM;
    }
    l->members = m->members.shown;
    double xs[N_LEGEND];
    int rows[N_LEGEND];
    bool used[SW_COUNT];
    legend_used(m, l, o->until_now, used);
    int legend_rows = legend_flow(cr, l->width_px, used, xs, rows);
    viz_measure_free(cr);
    y += LEGEND_GAP_PX + legend_rows * LEGEND_ROW_PX + BOTTOM_PX;
    l->height_px = (int)ceil(y);
    return VIZ_OK;
}

static void effective_options(const struct viz_options *opts,
                              struct viz_options *o)
{
    if (opts != NULL) {
        *o = *opts;
    } else {
        viz_options_init(o);
    }
}

static uint64_t model_limit(const struct viz_run *run,
                            const struct viz_options *o)
{
    return o->until_now ? o->now_us : run_end_us(run);
}

static int check_run(const struct viz_run *run)
{
    if (run == NULL || run->n_nodes == 0 ||
        (run->events == NULL && run->n_events > 0)) {
        return VIZ_EINVAL;
    }
    return VIZ_OK;
}

int viz_timeline_layout(const struct viz_run *run,
                        const struct viz_options *opts,
                        struct viz_timeline_layout *out)
{
    int code = check_run(run);
    if (code != VIZ_OK) {
        return code;
    }
    struct viz_options o;
    effective_options(opts, &o);
    struct model m;
    build_model(run, model_limit(run, &o), &m);
    code = make_layout(run, &o, &m, out);
    free_model(&m);
    return code;
}

double viz_timeline_x(const struct viz_timeline_layout *l, uint64_t t_us)
{
    double span = (double)(l->to_us - l->from_us);
    double dt = t_us >= l->from_us ? (double)(t_us - l->from_us)
                                   : -(double)(l->from_us - t_us);
    return l->plot_x0 + (l->plot_x1 - l->plot_x0) * dt / span;
}

void viz_timeline_band(const struct viz_timeline_layout *l,
                       uint32_t node,
                       double *y0,
                       double *y1)
{
    double top = l->lanes_y0 + l->lane_h * (double)(node - 1) + l->band_off;
    *y0 = top;
    *y1 = top + l->band_h;
}

void viz_timeline_client_bar(const struct viz_timeline_layout *l,
                             size_t row,
                             double *y0,
                             double *y1)
{
    double top =
        l->client_y0 + 4 + (double)(row % CLIENT_ROWS_MAX) * CLIENT_ROW_PX + 2;
    *y0 = top;
    *y1 = top + CLIENT_ROW_PX - 5;
}

/* Where an arrow from `from` to `to` leaves the sender's band and enters the
 * receiver's: the band edges facing each other. */
static void arrow_ends_y(const struct viz_timeline_layout *l,
                         uint32_t from,
                         uint32_t to,
                         double *ys,
                         double *ye)
{
    double f0, f1, t0, t1;
    viz_timeline_band(l, from, &f0, &f1);
    viz_timeline_band(l, to, &t0, &t1);
    if (to > from) {
        *ys = f1;
        *ye = t0;
    } else {
        *ys = f0;
        *ye = t1;
    }
}

void viz_timeline_arrow_end(const struct viz_timeline_layout *l,
                            uint32_t from,
                            uint32_t to,
                            uint64_t send_us,
                            uint64_t end_us,
                            bool lost,
                            double *x,
                            double *y)
{
    double ys, ye;
    arrow_ends_y(l, from, to, &ys, &ye);
    double xs = viz_timeline_x(l, send_us);
    double xe = viz_timeline_x(l, end_us);
    if (!lost) {
        *x = xe;
        *y = ye;
        return;
    }
    /* A lost message ends on the edge of the band of the node it was sent
     * to, so the cross says whose message was lost, at the instant of the
     * loss; one lost as it left still leans forward a little, so that it
     * does not read as a vertical line. */
    *x = fmax(xe, xs + fmin(STUB_MAX_PX, fabs(ye - ys) * 0.25));
    *y = ye;
}

/* ---- drawing ------------------------------------------------------------ */

struct ctx
{
    cairo_t *cr;
    const struct viz_run *run;
    const struct viz_options *o;
    const struct model *m;
    const struct viz_timeline_layout *l;
    double lanes_y1; /* bottom of the last lane */
};

static double clampx(const struct ctx *c, double x)
{
    return fmin(fmax(x, c->l->plot_x0), c->l->plot_x1);
}

static void clip_plot(const struct ctx *c, double y0, double y1)
{
    cairo_save(c->cr);
    cairo_rectangle(c->cr, c->l->plot_x0, y0, c->l->plot_x1 - c->l->plot_x0,
                    y1 - y0);
    cairo_clip(c->cr);
}

static double lane_top(const struct ctx *c, uint32_t node)
{
    return c->l->lanes_y0 + c->l->lane_h * (double)(node - 1);
}

static void draw_header(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    char a[32];
    char b[32];
    viz_set_rgb(cr, viz_hex(0x1a1a1a));
    viz_font(cr, FONT_TITLE, true);
    viz_text(cr, 16, 26, c->run->title != NULL ? c->run->title : "raftsim run",
             VIZ_ALIGN_LEFT);
    viz_format_time(l->from_us, a, sizeof a);
    viz_format_time(l->to_us, b, sizeof b);
    const char *mode = l->messages == VIZ_MESSAGES_ALL ? "all messages"
                       : l->messages == VIZ_MESSAGES_NONE
                           ? "no messages"
                           : "messages without heartbeats";
    char *sub = g_strdup_printf(
        "seed %" G_GUINT64_FORMAT "    trace %016" G_GINT64_MODIFIER
        "x    %u node%s    %s \u2013 %s    %s",
        c->run->seed, c->run->trace_hash, (unsigned)c->run->n_nodes,
        c->run->n_nodes == 1 ? "" : "s", a, b, mode);
    if (c->o->until_now) {
        char t[32];
        viz_format_time(c->o->now_us, t, sizeof t);
        char *s2 = g_strdup_printf("%s    at %s", sub, t);
        g_free(sub);
        sub = s2;
    }
    viz_set_rgb(cr, viz_hex(0x555555));
    viz_font(cr, FONT_SUB, false);
    viz_text(cr, 16, 46, sub, VIZ_ALIGN_LEFT);
    g_free(sub);
}

/* Axis label for t in the unit the step suggests: seconds when steps are
 * at least 100 ms and the window reaches 1 s, else milliseconds, else
 * microseconds; as many decimals as the step needs. */
static void axis_label(uint64_t t,
                       uint64_t step,
                       uint64_t to,
                       char *buf,
                       size_t len)
{
    double unit;
    const char *name;
    if (step >= 100000 && to >= 1000000) {
        unit = 1e6;
        name = "s";
    } else if (step >= 100) {
        unit = 1e3;
        name = "ms";
    } else {
        unit = 1.0;
        name = "us";
    }
    double s = (double)step / unit;
    int decimals = s >= 1.0 ? 0 : (int)ceil(-log10(s) - 1e-9);
    if (t == 0) {
        g_snprintf(buf, len, "0");
    } else {
        g_snprintf(buf, len, "%.*f %s", decimals, (double)t / unit, name);
    }
}

static void draw_axis(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    double plot_w = l->plot_x1 - l->plot_x0;
    uint64_t span = l->to_us - l->from_us;
    viz_font(cr, FONT_SMALL, false);
    /* Wide enough for the longest label plus a gap. */
    double label_w = viz_text_width(cr, "00.000 ms") + 18.0;
    uint64_t step = viz_nice_step((double)span * label_w / plot_w);
    uint64_t first = (l->from_us + step - 1) / step * step;
    double y_axis = HEADER_PX + AXIS_PX - 4;
    double y_bottom =
        c->lanes_y1 + (c->l->client_h > 0 ? c->l->client_h + CLIENT_GAP_PX : 0);

    viz_set_rgb(cr, viz_hex(0x999999));
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, l->plot_x0, y_axis + 0.5);
    cairo_line_to(cr, l->plot_x1, y_axis + 0.5);
    cairo_stroke(cr);
    for (uint64_t t = first; t <= l->to_us; t += step) {
        double x = floor(viz_timeline_x(l, t)) + 0.5;
        viz_set_rgb(cr, viz_hex(0xe6e6e6));
        cairo_move_to(cr, x, y_axis + 1);
        cairo_line_to(cr, x, y_bottom);
        cairo_stroke(cr);
        viz_set_rgb(cr, viz_hex(0x999999));
        cairo_move_to(cr, x, y_axis - 4);
        cairo_line_to(cr, x, y_axis + 1);
        cairo_stroke(cr);
        char buf[40];
        axis_label(t, step, l->to_us, buf, sizeof buf);
        viz_set_rgb(cr, viz_hex(0x444444));
        viz_font(cr, FONT_SMALL, false);
        double w = viz_text_width(cr, buf);
        double tx = fmin(fmax(x - w / 2, l->plot_x0 - 8), l->width_px - 4 - w);
        viz_text(cr, tx, y_axis - 7, buf, VIZ_ALIGN_LEFT);
        if (t > UINT64_MAX - step) {
            break;
        }
    }
}

static const uint32_t group_tints[] = {
    0xe9e3f4, 0xfcf0cf, 0xdcf1e8, 0xf9dede, 0xdbe9f6, 0xeeeeee,
};

/* A paused span: dark hatching over the role colour. */
static void hatch(cairo_t *cr, double x0, double y0, double w, double h)
{
    viz_set_rgba(cr, viz_hex(0x000000), 0.55);
    cairo_set_line_width(cr, 1.3);
    viz_stripes(cr, x0, y0, w, h, 5.0);
}

/* A one-way cut: a light rose tint with sparse rose stripes. */
static void cut_shade(cairo_t *cr, double x0, double y0, double w, double h)
{
    viz_set_rgba(cr, viz_hex(0xd55e00), 0.10);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_fill(cr);
    viz_set_rgba(cr, viz_hex(0xd55e00), 0.30);
    cairo_set_line_width(cr, 1.0);
    viz_stripes(cr, x0, y0, w, h, 9.0);
}

/* The mark of a lost message: a dark cross centred on (x, y). */
static void lost_cross(cairo_t *cr, double x, double y)
{
    viz_set_rgb(cr, viz_hex(0x1a1a1a));
    cairo_set_line_width(cr, 2.0);
    cairo_move_to(cr, x - 4, y - 4);
    cairo_line_to(cr, x + 4, y + 4);
    cairo_move_to(cr, x - 4, y + 4);
    cairo_line_to(cr, x + 4, y - 4);
    cairo_stroke(cr);
}

static void draw_partitions(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct model *m = c->m;
    clip_plot(c, c->l->lanes_y0, c->lanes_y1);
    size_t n_tints = sizeof group_tints / sizeof group_tints[0];
    for (guint i = 0; i < m->partitions->len; i++) {
        const struct partition *p =
            &g_array_index(m->partitions, struct partition, i);
        double x0 = viz_timeline_x(c->l, p->t0_us);
        double x1 = viz_timeline_x(c->l, p->t1_us);
        uint32_t alone = p->n_groups;
        for (uint32_t k = 1; k <= m->n; k++) {
            uint32_t g = p->group[k];
            if (g == 0) {
                g = ++alone; /* a node in no group is a group of its own */
            }
            viz_set_rgb(cr, viz_hex(group_tints[(g - 1) % n_tints]));
            cairo_rectangle(cr, x0, lane_top(c, k), x1 - x0, c->l->lane_h);
            cairo_fill(cr);
        }
        viz_set_rgb(cr, viz_hex(0x8a7fb0));
        cairo_set_line_width(cr, 1.0);
        double dash[] = {4.0, 3.0};
        cairo_set_dash(cr, dash, 2, 0);
        for (int side = 0; side < 2; side++) {
            double x = floor(side == 0 ? x0 : x1) + 0.5;
            cairo_move_to(cr, x, c->l->lanes_y0);
            cairo_line_to(cr, x, c->lanes_y1);
            cairo_stroke(cr);
        }
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* A cut shades its sender's lane with a rose hatch. */
    for (guint i = 0; i < m->cuts->len; i++) {
        const struct cut *k = &g_array_index(m->cuts, struct cut, i);
        double x0 = viz_timeline_x(c->l, k->t0_us);
        double x1 = viz_timeline_x(c->l, k->t1_us);
        cut_shade(cr, x0, lane_top(c, k->from) + 2, x1 - x0, c->l->lane_h - 4);
    }
    cairo_restore(cr);
}

static void draw_lanes(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct model *m = c->m;

    for (uint32_t k = 1; k <= m->n; k++) {
        double b0, b1;
        viz_timeline_band(l, k, &b0, &b1);
        double mid = (b0 + b1) / 2;

        /* Lane head. */
        char name[16];
        g_snprintf(name, sizeof name, "n%u", (unsigned)k);
        viz_set_rgb(cr, viz_hex(0x1a1a1a));
        viz_font(cr, FONT_LANE, true);
        viz_text(cr, LEFT_PX - 34, mid + 4.5, name, VIZ_ALIGN_RIGHT);
        viz_set_rgb(cr, viz_hex(0x888888));
        viz_font(cr, FONT_TINY, false);
        viz_text(cr, LEFT_PX - 6, b0 - 4, "term", VIZ_ALIGN_RIGHT);
        viz_text(cr, LEFT_PX - 6, b1 + 12, "commit", VIZ_ALIGN_RIGHT);

        /* A faint baseline where the node has no span drawn. */
        viz_set_rgb(cr, viz_hex(0xdddddd));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, l->plot_x0, floor(mid) + 0.5);
        cairo_line_to(cr, l->plot_x1, floor(mid) + 0.5);
        cairo_stroke(cr);

        clip_plot(c, lane_top(c, k), lane_top(c, k) + l->lane_h);
        const GArray *spans = m->spans[k];
        for (guint i = 0; i < spans->len; i++) {
            const struct span *s = &g_array_index(spans, struct span, i);
            if (s->t1_us < l->from_us || s->t0_us > l->to_us) {
                continue;
            }
            double x0 = viz_timeline_x(l, s->t0_us);
            double x1 = viz_timeline_x(l, s->t1_us);
            /* A brief candidacy, leadership or outage stays visible at any
             * scale: at least 2 pixels wide. */
            if ((s->role != RAFT_FOLLOWER || s->state != NODE_UP) &&
                x1 - x0 < 2.0) {
                x1 = x0 + 2.0;
            }
            if (s->state == NODE_CRASHED) {
                viz_set_rgb(cr, viz_crashed_color());
            } else {
                viz_set_rgb(cr, viz_role_color(s->role));
            }
            cairo_rectangle(cr, x0, b0, x1 - x0, b1 - b0);
            cairo_fill(cr);
            if (s->state == NODE_PAUSED) {
                hatch(cr, x0, b0, x1 - x0, b1 - b0);
            }
            /* A term boundary inside one role: a white seam. */
            if (i > 0 && s->state != NODE_CRASHED) {
                const struct span *p =
                    &g_array_index(spans, struct span, i - 1);
                if (p->t1_us == s->t0_us && p->term != s->term &&
                    p->state != NODE_CRASHED && p->role == s->role) {
                    viz_set_rgb(cr, viz_hex(0xffffff));
                    cairo_set_line_width(cr, 1.5);
                    cairo_move_to(cr, x0, b0);
                    cairo_line_to(cr, x0, b1);
                    cairo_stroke(cr);
                }
            }
        }
        cairo_restore(cr);
    }
}

/* A pale backing under a small label, so that arrows crossing it do not
 * hide it. */
static void halo(cairo_t *cr, double x, double baseline, double w)
{
    viz_set_rgba(cr, viz_hex(0xffffff), 0.8);
    cairo_rectangle(cr, x - 1, baseline - 8.5, w + 2, 11);
    cairo_fill(cr);
}

/* Names each leadership and candidacy inside its band, near its start:
 * "leader, term 3", or "leader" alone when only that fits; nothing on a
 * sliver. Crashed and paused spans say so in their middle. Drawn over the
 * arrows, so that none crosses the words out. */
static void draw_role_words(const struct ctx *c, uint32_t k)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const GArray *spans = c->m->spans[k];
    double b0, b1;
    viz_timeline_band(l, k, &b0, &b1);
    viz_font(cr, FONT_SMALL, true);
    double mid = (b0 + b1) / 2;
    for (guint i = 0; i < spans->len; i++) {
        const struct span *s = &g_array_index(spans, struct span, i);
        if (s->t1_us <= l->from_us || s->t0_us >= l->to_us) {
            continue;
        }
        if (s->state != NODE_UP) {
            const char *word = s->state == NODE_CRASHED ? "crashed" : "paused";
            double vx0 = clampx(c, viz_timeline_x(l, s->t0_us));
            double vx1 = clampx(c, viz_timeline_x(l, s->t1_us));
            double w = viz_text_width(cr, word);
            if (vx1 - vx0 >= w + 8) {
                viz_set_rgb(cr, viz_hex(0xffffff));
                if (s->state == NODE_PAUSED) {
                    cairo_rectangle(cr, (vx0 + vx1) / 2 - w / 2 - 3, mid - 7,
                                    w + 6, 13);
                    cairo_fill(cr);
                    viz_set_rgb(cr, viz_hex(0x1a1a1a));
                }
                viz_text(cr, (vx0 + vx1) / 2, mid + 3.5, word,
                         VIZ_ALIGN_CENTER);
            }
            continue;
        }
        if (s->role == RAFT_FOLLOWER) {
            continue;
        }
        double x0 = clampx(c, viz_timeline_x(l, s->t0_us)) + 6;
        double x1 = clampx(c, viz_timeline_x(l, s->t1_us)) - 4;
        char words[48];
        const char *role = raft_role_name(s->role);
        g_snprintf(words, sizeof words, "%s, term %" G_GUINT64_FORMAT, role,
                   s->term);
        double w = viz_text_width(cr, words);
        if (x0 + w > x1) {
            g_snprintf(words, sizeof words, "%s", role);
            w = viz_text_width(cr, words);
        }
        if (x0 + w <= x1) {
            viz_set_rgb(cr, s->role == RAFT_LEADER ? viz_hex(0xffffff)
                                                   : viz_hex(0x1a1a1a));
            viz_text(cr, x0, (b0 + b1) / 2 + 3.5, words, VIZ_ALIGN_LEFT);
        }
    }
}

/* Term labels above each band, commit indices below it and the words in
 * the bands, drawn over the arrows. */
static void draw_lane_labels(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct model *m = c->m;

    for (uint32_t k = 1; k <= m->n; k++) {
        double b0, b1;
        viz_timeline_band(l, k, &b0, &b1);
        draw_role_words(c, k);
        const GArray *spans = m->spans[k];
        /* Term labels above the band, at each change of term, thinned so
         * that none overlaps the previous one. */
        struct viz_row row = {.right = -1e9};
        uint64_t shown_term = UINT64_MAX;
        viz_font(cr, FONT_SMALL, false);
        for (guint i = 0; i < spans->len; i++) {
            const struct span *s = &g_array_index(spans, struct span, i);
            if (s->t1_us <= l->from_us) {
                continue;
            }
            if (s->t0_us > l->to_us) {
                break;
            }
            if (s->term == shown_term) {
                continue;
            }
            char t[32];
            g_snprintf(t, sizeof t, "t%" G_GUINT64_FORMAT, s->term);
            double x = clampx(c, viz_timeline_x(l, s->t0_us)) + 1;
            double w = viz_text_width(cr, t);
            if (x + w > l->plot_x1 + RIGHT_PX - 2) {
                continue;
            }
            if (viz_row_take(&row, x, x + w, 4)) {
                viz_font(cr, FONT_SMALL, s->role == RAFT_LEADER);
                halo(cr, x, b0 - 4, w);
                viz_set_rgb(cr, s->role == RAFT_LEADER ? viz_hex(0x00507e)
                                                       : viz_hex(0x444444));
                viz_text(cr, x, b0 - 4, t, VIZ_ALIGN_LEFT);
                viz_font(cr, FONT_SMALL, false);
                shown_term = s->term;
            }
        }

        /* Commit index: a tick at each change and its value when room. */
        const GArray *commits = m->commits[k];
        struct viz_row crow = {.right = -1e9};
        viz_font(cr, FONT_TINY, false);
        uint64_t last_shown = UINT64_MAX;
        for (guint i = 0; i < commits->len; i++) {
            const struct commit_mark *cm =
                &g_array_index(commits, struct commit_mark, i);
            if (cm->t_us < l->from_us || cm->t_us > l->to_us) {
                continue;
            }
            if (cm->value == last_shown) {
                continue;
            }
            double x = viz_timeline_x(l, cm->t_us);
            char t[32];
            g_snprintf(t, sizeof t, "%" G_GUINT64_FORMAT, cm->value);
            double w = viz_text_width(cr, t);
            viz_set_rgb(cr, viz_hex(0x333333));
            cairo_set_line_width(cr, 1.0);
            cairo_move_to(cr, floor(x) + 0.5, b1);
            cairo_line_to(cr, floor(x) + 0.5, b1 + 3);
            cairo_stroke(cr);
            if (x + w <= l->plot_x1 + RIGHT_PX - 2 &&
                viz_row_take(&crow, x - 1, x - 1 + w, 3)) {
                halo(cr, x - 1, b1 + 12, w);
                viz_set_rgb(cr, viz_hex(0x333333));
                viz_text(cr, x - 1, b1 + 12, t, VIZ_ALIGN_LEFT);
                last_shown = cm->value;
            }
        }
    }
}

/* The head of a delivered arrow from (xs, ys) to (xe, ye); the copy of a
 * duplicated message gets two, one behind the other. */
static void heads(cairo_t *cr,
                  double xs,
                  double ys,
                  double xe,
                  double ye,
                  const struct arrow *a)
{
    double size = a->heartbeat ? 5.0 : 7.0;
    viz_arrow_head(cr, xs, ys, xe, ye, size);
    if (a->copy) {
        double dx = xe - xs;
        double dy = ye - ys;
        double len = sqrt(dx * dx + dy * dy);
        if (len > 2 * size) {
            double back = size * 0.85;
            viz_arrow_head(cr, xs, ys, xe - dx / len * back,
                           ye - dy / len * back, size);
        }
    }
}

static bool is_result(enum raft_message_type t)
{
    return t == RAFT_MSG_APPEND_ENTRIES_RESULT ||
           t == RAFT_MSG_REQUEST_VOTE_RESULT || t == RAFT_MSG_PRE_VOTE_RESULT ||
           t == RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
}

static double arrow_width(const struct arrow *a)
{
    if (a->heartbeat) {
        return 0.9;
    }
    switch (a->type) {
    case RAFT_MSG_APPEND_ENTRIES:
        return 1.8;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return 2.4;
    default:
        break;
    }
    return 1.3;
}

static void draw_arrows(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct model *m = c->m;
    if (l->messages == VIZ_MESSAGES_NONE) {
        return;
    }
    clip_plot(c, l->lanes_y0, c->lanes_y1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    /* Heartbeats first, so that the messages that matter lie on top. */
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < m->arrows->len; i++) {
            const struct arrow *a = &g_array_index(m->arrows, struct arrow, i);
            if (a->heartbeat != (pass == 0) || !arrow_shown(a, l->messages) ||
                !arrow_in_window(a, l->from_us, l->to_us)) {
                continue;
            }
            double xs = viz_timeline_x(l, a->send_us);
            double ys, ye;
            arrow_ends_y(l, a->from, a->to, &ys, &ye);
            struct viz_rgb col =
                viz_message_color(a->type, a->heartbeat, a->ok);
            viz_set_rgb(cr, col);
            cairo_set_line_width(cr, arrow_width(a));
            bool denied = is_result(a->type) && !a->ok &&
                          a->type != RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
            if (a->copy) {
                double dash[] = {1.5, 3.0};
                cairo_set_dash(cr, dash, 2, 0);
            } else if (denied) {
                double dash[] = {5.0, 3.5};
                cairo_set_dash(cr, dash, 2, 0);
            }
            double xe, yend;
            if (a->fate == ARROW_IN_FLIGHT) {
                /* Still travelling at the picture's end: a dotted line to
                 * halfway, ending at the limit. */
                xe = viz_timeline_x(l, m->limit_us);
                yend = (ys + ye) / 2;
                double dash[] = {2.0, 3.0};
                cairo_set_dash(cr, dash, 2, 0);
                cairo_move_to(cr, xs, ys);
                cairo_line_to(cr, xe, yend);
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
                continue;
            }
            bool lost = a->fate == ARROW_LOST;
            viz_timeline_arrow_end(l, a->from, a->to, a->send_us, a->end_us,
                                   lost, &xe, &yend);
            cairo_move_to(cr, xs, ys);
            cairo_line_to(cr, xe, yend);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            if (lost) {
                lost_cross(cr, xe, yend);
            } else {
                heads(cr, xs, ys, xe, yend, a);
            }
        }
    }
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_restore(cr);
}

static void draw_clients(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct model *m = c->m;
    int rows = client_rows(m);
    if (l->client_h <= 0) {
        return;
    }
    double y0 = l->client_y0;
    viz_set_rgb(cr, viz_hex(0xf6f6f6));
    cairo_rectangle(cr, l->plot_x0, y0, l->plot_x1 - l->plot_x0, l->client_h);
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(0x1a1a1a));
    viz_font(cr, FONT_SMALL, true);
    viz_text(cr, 12, y0 + 13, "clients", VIZ_ALIGN_LEFT);
    viz_font(cr, FONT_TINY, false);
    viz_set_rgb(cr, viz_hex(0x777777));
    for (int r = 0; r < rows; r++) {
        uint64_t first = m->clients[r];
        char name[32];
        if ((size_t)rows < m->n_clients) {
            g_snprintf(name, sizeof name, "c%" G_GUINT64_FORMAT "\u2026",
                       first);
        } else {
            g_snprintf(name, sizeof name, "c%" G_GUINT64_FORMAT, first);
        }
        viz_text(cr, LEFT_PX - 6, y0 + 4 + r * CLIENT_ROW_PX + 12, name,
                 VIZ_ALIGN_RIGHT);
    }

    clip_plot(c, y0, y0 + l->client_h);
    guint n_ops = m->ops->len;
    /* next_x0[i]: where the next operation drawn in op i's row starts, so
     * that op i's words never run under it. */
    double *next_x0 = g_new(double, n_ops + 1);
    double row_next[CLIENT_ROWS_MAX];
    for (int r = 0; r < CLIENT_ROWS_MAX; r++) {
        row_next[r] = l->width_px;
    }
    for (guint i = n_ops; i-- > 0;) {
        const struct client_op *op =
            &g_array_index(m->ops, struct client_op, i);
        int r = client_row_of(m, op->client);
        next_x0[i] = row_next[r];
        row_next[r] = viz_timeline_x(l, op->t0_us);
    }
    for (guint i = 0; i < n_ops; i++) {
        const struct client_op *op =
            &g_array_index(m->ops, struct client_op, i);
        if (op->t1_us < l->from_us || op->t0_us > l->to_us) {
            continue;
        }
        int r = client_row_of(m, op->client);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        double bh = by1 - by;
        double x0 = viz_timeline_x(l, op->t0_us);
        double x1 = fmax(viz_timeline_x(l, op->t1_us), x0 + 2);
        struct viz_rgb edge = !op->done ? viz_hex(0x888888)
                              : op->ok  ? viz_hex(0x009e73)
                                        : viz_hex(0xd55e00);
        struct viz_rgb fill = !op->done ? viz_hex(0xffffff)
                              : op->ok  ? viz_hex(0xcdeee2)
                                        : viz_hex(0xf7d9c4);
        viz_set_rgb(cr, fill);
        cairo_rectangle(cr, x0, by, x1 - x0, bh);
        cairo_fill_preserve(cr);
        viz_set_rgb(cr, edge);
        cairo_set_line_width(cr, 1.0);
        if (!op->done) {
            double dash[] = {3.0, 2.0};
            cairo_set_dash(cr, dash, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* The operations' words, from the bar's start, where they fit before
     * the row's next bar; without the result if only that fits. */
    struct viz_row row_used[CLIENT_ROWS_MAX];
    for (int r = 0; r < CLIENT_ROWS_MAX; r++) {
        row_used[r].right = -1e9;
    }
    viz_font(cr, FONT_TINY, false);
    for (guint i = 0; i < n_ops; i++) {
        const struct client_op *op =
            &g_array_index(m->ops, struct client_op, i);
        if (op->t1_us < l->from_us || op->t0_us > l->to_us) {
            continue;
        }
        int r = client_row_of(m, op->client);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        double bh = by1 - by;
        const char *what = op->op != NULL ? op->op : "request";
        bool has_result = op->done && op->result != NULL && op->result[0];
        char *full =
            g_strdup_printf("%s%s%s", what, has_result ? " \u2192 " : "",
                            has_result ? op->result : "");
        double tx = clampx(c, viz_timeline_x(l, op->t0_us)) + 3;
        double limit = fmin(next_x0[i], l->plot_x1) - 4;
        const char *words = NULL;
        double w = viz_text_width(cr, full);
        if (tx + w <= limit) {
            words = full;
        } else if (has_result && tx + viz_text_width(cr, what) <= limit) {
            words = what;
            w = viz_text_width(cr, what);
        }
        if (words != NULL && viz_row_take(&row_used[r], tx, tx + w, 6)) {
            viz_set_rgb(cr, viz_hex(0x222222));
            viz_text(cr, tx, by + bh - 3, words, VIZ_ALIGN_LEFT);
        }
        g_free(full);
    }
    g_free(next_x0);
    /* Where each request was sent: a small dark notch on the bar. */
    viz_set_rgb(cr, viz_hex(0x333333));
    for (guint i = 0; i < m->sends->len; i++) {
        const struct client_send *s =
            &g_array_index(m->sends, struct client_send, i);
        if (s->t_us < l->from_us || s->t_us > l->to_us) {
            continue;
        }
        int r = client_row_of(m, s->client);
        double x = viz_timeline_x(l, s->t_us);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        cairo_move_to(cr, x - 3, by - 2);
        cairo_line_to(cr, x + 3, by - 2);
        cairo_line_to(cr, x, by + 2);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

struct placed
{
    double x0, x1;
    int row;
};

static struct viz_rgb note_color(enum note_kind k)
{
    switch (k) {
    case NOTE_VIOLATION:
    case NOTE_CHECK_FAILED:
        return viz_hex(0xc00000);
    case NOTE_PARTITION:
    case NOTE_HEAL:
        return viz_hex(0x5b4f8a);
    case NOTE_CUT:
        return viz_hex(0xa04000);
    case NOTE_TRANSFER:
        return viz_transfer_color();
    case NOTE_CONFIG:
        return viz_member_color(VIZ_MEMBER_VOTER);
    case NOTE_CHECK_HELD:
        return viz_hex(0x2e7d5b);
    }
    return viz_hex(0x333333);
}

/* Notes above the lanes: violations first, then partitions, heals, cuts and
 * checks, each in the first row where it overlaps nothing; a note with no
 * room keeps its marker but loses its words. */
static void draw_notes(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct model *m = c->m;
    double strip_y0 = HEADER_PX + AXIS_PX;
    guint n = m->notes->len;
    /* The ticks just above the lanes are the scenario's checks: say so. */
    for (guint i = 0; i < n; i++) {
        const struct note *nt = &g_array_index(m->notes, struct note, i);
        if ((nt->kind == NOTE_CHECK_HELD || nt->kind == NOTE_CHECK_FAILED) &&
            nt->t_us >= l->from_us && nt->t_us <= l->to_us) {
            viz_set_rgb(cr, viz_hex(0x888888));
            viz_font(cr, FONT_TINY, false);
            viz_text(cr, LEFT_PX - 6, l->lanes_y0 - 1, "checks",
                     VIZ_ALIGN_RIGHT);
            break;
        }
    }
    struct placed *placed = g_new0(struct placed, n + 1);
    size_t n_placed = 0;

    for (int pri = NOTE_VIOLATION; pri <= NOTE_CHECK_HELD; pri++) {
        for (guint i = 0; i < n; i++) {
            const struct note *nt = &g_array_index(m->notes, struct note, i);
            if ((int)nt->kind != pri || nt->t_us < l->from_us ||
                nt->t_us > l->to_us) {
                continue;
            }
            double x = viz_timeline_x(l, nt->t_us);
            struct viz_rgb col = note_color(nt->kind);
            bool bold = nt->kind == NOTE_VIOLATION;

            /* The marker, always. */
            viz_set_rgb(cr, col);
            if (nt->kind == NOTE_VIOLATION) {
                cairo_set_line_width(cr, 2.0);
                cairo_move_to(cr, x, strip_y0);
                cairo_line_to(cr, x, c->lanes_y1);
                cairo_stroke(cr);
                double yd = l->lanes_y0 - 3;
                cairo_move_to(cr, x, yd - 6);
                cairo_line_to(cr, x + 6, yd);
                cairo_line_to(cr, x, yd + 6);
                cairo_line_to(cr, x - 6, yd);
                cairo_close_path(cr);
                cairo_fill(cr);
            } else {
                cairo_set_line_width(cr, 1.0);
                cairo_move_to(cr, floor(x) + 0.5, l->lanes_y0 - 6);
                cairo_line_to(cr, floor(x) + 0.5, l->lanes_y0);
                cairo_stroke(cr);
            }
            if (nt->kind == NOTE_CHECK_HELD) {
                continue; /* held checks: a tick without words */
            }

            viz_font(cr, bold ? FONT_SMALL : FONT_TINY, bold);
            double w = viz_text_width(cr, nt->text);
            double x0 = x + 3;
            if (x0 + w > l->width_px - 4) {
                x0 = fmax(l->plot_x0, l->width_px - 4 - w);
            }
            double x1 = x0 + w;
            for (int row = 0; row < NOTE_ROWS; row++) {
                bool free_row = true;
                for (size_t k = 0; k < n_placed; k++) {
                    if (placed[k].row == row && x0 < placed[k].x1 + 6 &&
                        placed[k].x0 < x1 + 6) {
                        free_row = false;
                        break;
                    }
                }
                if (free_row) {
                    placed[n_placed++] = (struct placed){x0, x1, row};
                    double by = strip_y0 + (row + 1) * NOTE_ROW_PX - 3;
                    viz_set_rgb(cr, col);
                    cairo_set_line_width(cr, 0.8);
                    cairo_move_to(cr, floor(x) + 0.5, by - 8);
                    cairo_line_to(cr, floor(x) + 0.5, l->lanes_y0 - 6);
                    cairo_stroke(cr);
                    viz_set_rgb(cr, viz_hex(0xffffff));
                    cairo_rectangle(cr, x0 - 1, by - 9.5, w + 2, 12);
                    cairo_fill(cr);
                    viz_set_rgb(cr, col);
                    viz_text(cr, x0, by, nt->text, VIZ_ALIGN_LEFT);
                    break;
                }
            }
        }
    }
    g_free(placed);
}

static void draw_now(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    if (!c->o->until_now || c->o->now_us > l->to_us) {
        return;
    }
    double x = viz_timeline_x(l, c->o->now_us);
    double y1 =
        c->lanes_y1 + (l->client_h > 0 ? CLIENT_GAP_PX + l->client_h : 0);
    if (x < l->plot_x1) {
        viz_set_rgba(cr, viz_hex(0xf0f0f0), 0.85);
        cairo_rectangle(cr, fmax(x, l->plot_x0), l->lanes_y0,
                        l->plot_x1 - fmax(x, l->plot_x0), y1 - l->lanes_y0);
        cairo_fill(cr);
    }
    if (x < l->plot_x0) {
        return;
    }
    viz_set_rgb(cr, viz_hex(0x222222));
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x, HEADER_PX + AXIS_PX - 4);
    cairo_line_to(cr, x, y1);
    cairo_stroke(cr);
    /* A dark tag at the top of the lanes, over the notes. */
    char t[32];
    char words[48];
    viz_format_time(c->o->now_us, t, sizeof t);
    g_snprintf(words, sizeof words, "now %s", t);
    viz_font(cr, FONT_SMALL, true);
    double w = viz_text_width(cr, words);
    double tx = fmin(x + 1, l->width_px - 4 - w - 8);
    double ty = l->lanes_y0 - 15;
    cairo_rectangle(cr, tx, ty, w + 8, 14);
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(0xffffff));
    viz_text(cr, tx + 4, ty + 10.5, words, VIZ_ALIGN_LEFT);
}

static void draw_swatch(cairo_t *cr, enum swatch sw, double x, double y)
{
    /* The swatch box: [x, x + SWATCH_W] x [y - 9, y + 1]. */
    double w = SWATCH_W;
    double top = y - 9;
    double h = 10;
    double my = y - 4;
    struct viz_rgb col;
    double dash_denied[] = {5.0, 3.5};
    double dash_copy[] = {1.5, 3.0};
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    switch (sw) {
    case SW_VOTER:
    case SW_LEARNER:
    case SW_NOT_MEMBER:
    case SW_JOINT_BOTH:
    case SW_JOINT_IN:
    case SW_JOINT_OUT:
    case SW_TRANSFER:
        viz_members_swatch(cr,
                           sw == SW_VOTER        ? VIZ_MEMBER_VOTER
                           : sw == SW_LEARNER    ? VIZ_MEMBER_LEARNER
                           : sw == SW_NOT_MEMBER ? VIZ_MEMBER_NONE
                           : sw == SW_JOINT_BOTH ? VIZ_MEMBER_JOINT_BOTH
                           : sw == SW_JOINT_IN   ? VIZ_MEMBER_JOINT_IN
                           : sw == SW_JOINT_OUT  ? VIZ_MEMBER_JOINT_OUT
                                                 : VIZ_MEMBER_COUNT,
                           x, top, w, h);
        return;
    case SW_FOLLOWER:
    case SW_CANDIDATE:
    case SW_LEADER:
        viz_set_rgb(cr, viz_role_color(sw == SW_FOLLOWER    ? RAFT_FOLLOWER
                                       : sw == SW_CANDIDATE ? RAFT_CANDIDATE
                                                            : RAFT_LEADER));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        return;
    case SW_CRASHED:
        viz_set_rgb(cr, viz_crashed_color());
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        return;
    case SW_PAUSED:
        viz_set_rgb(cr, viz_role_color(RAFT_FOLLOWER));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        hatch(cr, x, top, w, h);
        return;
    case SW_PARTITION:
        viz_set_rgb(cr, viz_hex(group_tints[0]));
        cairo_rectangle(cr, x, top, w / 2, h);
        cairo_fill(cr);
        viz_set_rgb(cr, viz_hex(group_tints[1]));
        cairo_rectangle(cr, x + w / 2, top, w / 2, h);
        cairo_fill(cr);
        return;
    case SW_CUT:
        cut_shade(cr, x, top, w, h);
        return;
    case SW_COMMIT:
        viz_set_rgb(cr, viz_hex(0x333333));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x + 4.5, top);
        cairo_line_to(cr, x + 4.5, top + 3);
        cairo_stroke(cr);
        viz_font(cr, FONT_TINY, false);
        viz_text(cr, x + 3.5, y + 1, "12", VIZ_ALIGN_LEFT);
        return;
    case SW_CHECK:
        /* As in the notes strip: a short tick in the check colour. */
        viz_set_rgb(cr, note_color(NOTE_CHECK_HELD));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x + w / 2 + 0.5, my - 3);
        cairo_line_to(cr, x + w / 2 + 0.5, my + 3);
        cairo_stroke(cr);
        return;
    case SW_VIOLATION:
        viz_set_rgb(cr, viz_hex(0xc00000));
        cairo_move_to(cr, x + w / 2, my - 6);
        cairo_line_to(cr, x + w / 2 + 6, my);
        cairo_line_to(cr, x + w / 2, my + 6);
        cairo_line_to(cr, x + w / 2 - 6, my);
        cairo_close_path(cr);
        cairo_fill(cr);
        return;
    case SW_CLIENT_PENDING: {
        double dash[] = {3.0, 2.0};
        viz_set_rgb(cr, viz_hex(0x888888));
        cairo_set_line_width(cr, 1.0);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_rectangle(cr, x + 0.5, top + 1.5, w - 1, h - 2);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        return;
    }
    case SW_IN_FLIGHT: {
        double dash[] = {2.0, 3.0};
        viz_set_rgb(cr,
                    viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false));
        cairo_set_line_width(cr, 1.8);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, my + 3);
        cairo_line_to(cr, x + w, my - 3);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        return;
    }
    case SW_CLIENT_OK:
    case SW_CLIENT_FAILED:
        viz_set_rgb(cr,
                    sw == SW_CLIENT_OK ? viz_hex(0xcdeee2) : viz_hex(0xf7d9c4));
        cairo_rectangle(cr, x + 0.5, top + 1.5, w - 1, h - 2);
        cairo_fill_preserve(cr);
        viz_set_rgb(cr,
                    sw == SW_CLIENT_OK ? viz_hex(0x009e73) : viz_hex(0xd55e00));
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
        return;
    default:
        break;
    }
    /* Arrows. */
    struct arrow a = {.type = RAFT_MSG_APPEND_ENTRIES, .ok = true};
    switch (sw) {
    case SW_PREVOTE:
        a.type = RAFT_MSG_PRE_VOTE;
        break;
    case SW_PREVOTE_REPLY:
        a.type = RAFT_MSG_PRE_VOTE_RESULT;
        break;
    case SW_APPEND_OK:
        a.type = RAFT_MSG_APPEND_ENTRIES_RESULT;
        break;
    case SW_SNAPSHOT_REPLY:
        a.type = RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
        break;
    case SW_VOTE:
        a.type = RAFT_MSG_REQUEST_VOTE;
        break;
    case SW_VOTE_GRANTED:
    case SW_VOTE_DENIED:
        a.type = RAFT_MSG_REQUEST_VOTE_RESULT;
        a.ok = sw == SW_VOTE_GRANTED;
        break;
    case SW_APPEND_FAILED:
        a.type = RAFT_MSG_APPEND_ENTRIES_RESULT;
        a.ok = false;
        break;
    case SW_HEARTBEAT:
        a.heartbeat = true;
        break;
    case SW_SNAPSHOT:
        a.type = RAFT_MSG_INSTALL_SNAPSHOT;
        break;
    case SW_DUPLICATE:
        a.copy = true;
        break;
    default:
        break;
    }
    col = viz_message_color(a.type, a.heartbeat, a.ok);
    viz_set_rgb(cr, col);
    cairo_set_line_width(cr, arrow_width(&a));
    if (a.copy) {
        cairo_set_dash(cr, dash_copy, 2, 0);
    } else if (!a.ok) {
        cairo_set_dash(cr, dash_denied, 2, 0);
    }
    double xe = sw == SW_LOST ? x + w - 8 : x + w;
    cairo_move_to(cr, x, my);
    cairo_line_to(cr, xe, my);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (sw == SW_LOST) {
        lost_cross(cr, xe, my);
    } else {
        heads(cr, x, my, xe, my, &a);
    }
}

static void draw_legend(const struct ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    double xs[N_LEGEND];
    int rows[N_LEGEND];
    bool used[SW_COUNT];
    legend_used(c->m, l, c->o->until_now, used);
    int n_rows = legend_flow(cr, l->width_px, used, xs, rows);
    double y0 = l->height_px - BOTTOM_PX - n_rows * LEGEND_ROW_PX;
    viz_set_rgb(cr, viz_hex(0xdddddd));
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, 16, floor(y0 - 8) + 0.5);
    cairo_line_to(cr, l->width_px - 16, floor(y0 - 8) + 0.5);
    cairo_stroke(cr);
    for (size_t i = 0; i < N_LEGEND; i++) {
        if (!used[legend_items[i].swatch]) {
            continue;
        }
        double y = y0 + rows[i] * LEGEND_ROW_PX + 12;
        draw_swatch(cr, legend_items[i].swatch, xs[i], y);
        viz_set_rgb(cr, viz_hex(0x333333));
        viz_font(cr, FONT_SMALL, false);
        viz_text(cr, xs[i] + SWATCH_W + 5, y, legend_items[i].label,
                 VIZ_ALIGN_LEFT);
    }
}

int viz_timeline_write(const struct viz_run *run,
                       const struct viz_options *opts,
                       const char *path)
{
    int code = check_run(run);
    if (code != VIZ_OK || path == NULL) {
        return code != VIZ_OK ? code : VIZ_EINVAL;
    }
    struct viz_options o;
    effective_options(opts, &o);
    if ((int)o.format < 0 || o.format >= VIZ_FORMAT_COUNT) {
        return VIZ_EINVAL;
    }
    struct model m;
    build_model(run, model_limit(run, &o), &m);
    struct viz_timeline_layout l;
    code = make_layout(run, &o, &m, &l);
    if (code != VIZ_OK) {
        goto err_free_model;
    }
    struct viz_canvas canvas;
    code = viz_canvas_open(&canvas, o.format, path, l.width_px, l.height_px);
    if (code != VIZ_OK) {
        goto err_free_model;
    }
    struct ctx c = {
        .cr = canvas.cr,
        .run = run,
        .o = &o,
        .m = &m,
        .l = &l,
        .lanes_y1 = l.lanes_y0 + l.lane_h * run->n_nodes,
    };
    draw_partitions(&c);
    draw_axis(&c);
    draw_header(&c);
    draw_lanes(&c);
    clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_lanes(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    draw_arrows(&c);
    clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_transfers(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    draw_lane_labels(&c);
    draw_clients(&c);
    draw_notes(&c);
    draw_now(&c);
    draw_legend(&c);
    code = viz_canvas_close(&canvas, true);

err_free_model:
    free_model(&m);
    return code;
}
