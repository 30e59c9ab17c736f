/* scn_trigger.c: armed and fired protocol-event triggers.
 *
 * Invariant: a trigger is in exactly one state, armed (waiting), fired
 * (queued for the runner), taken, or disarmed (by a settle, never fired); it fires at most once, and the fired
 * queue is in the order of the events that fired its triggers. Armed
 * triggers are kept in arming order, so one event fires them in file
 * order. `kinds` and `send_types` have a bit for every trace kind and
 * message type (of a SEND) that some waiting trigger's event is made of,
 * so that an event no trigger could match is passed at once.
 */
#include "scenarios/lang/scn_trigger.h"

#include <assert.h>
#include <glib.h>

struct armed
{
    const struct scn_step *step;
    uint32_t node; /* 0: any node */
    bool fired;
    const struct scn_step *disarmed_by; /* the settle; NULL: not disarmed */
};

struct fired
{
    const struct scn_step *step;
    uint32_t node; /* the node that did the event */
};

struct scn_triggers
{
    GArray *armed; /* struct armed, arming order */
    GArray *fired; /* struct fired, from `next` on not yet taken */
    guint next;
    guint waiting;       /* armed and not fired */
    uint64_t kinds;      /* 1 << trace kind, for the waiting triggers */
    uint64_t send_types; /* 1 << message type, for their SEND events */
};

/* The trace kind an `event` is made of (every kind is below 64). */
static enum sim_trace_kind event_kind(enum scn_event event)
{
    switch (event) {
    case SCN_EVENT_GRANTS_VOTE:
    case SCN_EVENT_ACKS_APPEND:
    case SCN_EVENT_SENDS_SNAPSHOT:
        return SIM_TRACE_SEND;
    case SCN_EVENT_ADOPTS_TERM:
        return SIM_TRACE_TERM;
    case SCN_EVENT_BECOMES_LEADER:
    case SCN_EVENT_BECOMES_CANDIDATE:
        return SIM_TRACE_ROLE;
    case SCN_EVENT_PERSISTS:
        return SIM_TRACE_SYNC;
    }
    return SIM_TRACE_NOTE; /* not reached: every event is named above */
}

/* The message type of a SEND `event` (every type is below 64). */
static enum raft_message_type event_msg_type(enum scn_event event)
{
    switch (event) {
    case SCN_EVENT_GRANTS_VOTE:
        return RAFT_MSG_REQUEST_VOTE_RESULT;
    case SCN_EVENT_ACKS_APPEND:
        return RAFT_MSG_APPEND_ENTRIES_RESULT;
    default:
        return RAFT_MSG_INSTALL_SNAPSHOT;
    }
}

/* Adds the bits of a waiting trigger's event to t's. */
static void interest_add(struct scn_triggers *t, enum scn_event event)
{
    enum sim_trace_kind kind = event_kind(event);
    assert((unsigned)kind < 64);
    t->kinds |= UINT64_C(1) << kind;
    if (kind == SIM_TRACE_SEND) {
        assert((unsigned)event_msg_type(event) < 64);
        t->send_types |= UINT64_C(1) << event_msg_type(event);
    }
}

/* The bits of the triggers still waiting, after one stopped waiting. */
static void interest_again(struct scn_triggers *t)
{
    t->kinds = 0;
    t->send_types = 0;
    for (guint i = 0; i < t->armed->len; i++) {
        const struct armed *a = &g_array_index(t->armed, struct armed, i);
        if (!a->fired && !a->disarmed_by)
            interest_add(t, a->step->event);
    }
}

/* False when no waiting trigger's event can be `e`: its kind (and, for a
 * SEND, its message type) is none of theirs. */
static bool may_interest(const struct scn_triggers *t,
                         const struct sim_trace_event *e)
{
    if ((unsigned)e->kind >= 64 || (t->kinds >> e->kind & 1) == 0)
        return false;
    return e->kind != SIM_TRACE_SEND ||
           ((unsigned)e->msg_type < 64 && (t->send_types >> e->msg_type & 1));
}

struct scn_triggers *scn_triggers_new(void)
{
    struct scn_triggers *t = g_new0(struct scn_triggers, 1);
    t->armed = g_array_new(FALSE, FALSE, sizeof(struct armed));
    t->fired = g_array_new(FALSE, FALSE, sizeof(struct fired));
    return t;
}

void scn_triggers_free(struct scn_triggers *t)
{
    if (!t)
        return;
    g_array_free(t->armed, TRUE);
    g_array_free(t->fired, TRUE);
    g_free(t);
}

void scn_triggers_arm(struct scn_triggers *t,
                      const struct scn_step *step,
                      uint32_t node)
{
    struct armed a = {.step = step, .node = node};
    assert(step->triggered);
    g_array_append_val(t->armed, a);
    t->waiting++;
    interest_add(t, step->event);
}

bool scn_event_matches(enum scn_event event,
                       uint32_t node,
                       const struct sim_trace_event *e)
{
    if ((node != 0 && e->node != node) || e->kind != event_kind(event))
        return false;
    switch (event) {
    case SCN_EVENT_GRANTS_VOTE:
    case SCN_EVENT_ACKS_APPEND:
        return e->msg_type == event_msg_type(event) && e->ok;
    case SCN_EVENT_SENDS_SNAPSHOT:
        return e->msg_type == event_msg_type(event) && !e->ok;
    case SCN_EVENT_BECOMES_LEADER:
        return e->role == RAFT_LEADER;
    case SCN_EVENT_BECOMES_CANDIDATE:
        return e->role == RAFT_CANDIDATE;
    case SCN_EVENT_ADOPTS_TERM:
    case SCN_EVENT_PERSISTS:
        return true;
    }
    return false;
}

bool scn_triggers_hear(struct scn_triggers *t, const struct sim_trace_event *e)
{
    if (t->waiting == 0 || e->node == 0 || !may_interest(t, e))
        return false;
    guint fired = t->fired->len;
    for (guint i = 0; i < t->armed->len; i++) {
        struct armed *a = &g_array_index(t->armed, struct armed, i);
        if (a->fired || a->disarmed_by ||
            !scn_event_matches(a->step->event, a->node, e))
            continue;
        a->fired = true;
        t->waiting--;
        struct fired f = {.step = a->step, .node = e->node};
        g_array_append_val(t->fired, f);
    }
    if (t->fired->len == fired)
        return false;
    interest_again(t);
    return true;
}

uint64_t scn_triggers_kinds(const struct scn_triggers *t)
{
    return t->kinds;
}

bool scn_triggers_take_fired(struct scn_triggers *t,
                             const struct scn_step **step,
                             uint32_t *node)
{
    if (t->next == t->fired->len) {
        if (t->next != 0) {
            g_array_set_size(t->fired, 0);
            t->next = 0;
        }
        return false;
    }
    const struct fired *f = &g_array_index(t->fired, struct fired, t->next);
    *step = f->step;
    *node = f->node;
    t->next++;
    return true;
}

uint32_t scn_triggers_disarm(struct scn_triggers *t,
                             const struct scn_step *settle)
{
    uint32_t n = 0;
    for (guint i = 0; i < t->armed->len; i++) {
        struct armed *a = &g_array_index(t->armed, struct armed, i);
        if (a->fired || a->disarmed_by)
            continue;
        a->disarmed_by = settle;
        n++;
    }
    assert(n == t->waiting);
    t->waiting = 0;
    t->kinds = 0;
    t->send_types = 0;
    return n;
}

void scn_triggers_each_unfired(const struct scn_triggers *t,
                               void (*fn)(const struct scn_step *step,
                                          const struct scn_step *settle,
                                          void *ctx),
                               void *ctx)
{
    for (guint i = 0; i < t->armed->len; i++) {
        const struct armed *a = &g_array_index(t->armed, struct armed, i);
        if (!a->fired)
            fn(a->step, a->disarmed_by, ctx);
    }
}
