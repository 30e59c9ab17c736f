/* scn_trigger.c: armed and fired protocol-event triggers.
 *
 * Invariant: a trigger is in exactly one state, armed (waiting), fired
 * (queued for the runner), taken, or disarmed (by a settle, never fired); it fires at most once, and the fired
 * queue is in the order of the events that fired its triggers. Armed
 * triggers are kept in arming order, so one event fires them in file
 * order.
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
    guint waiting; /* armed and not fired */
};

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
}

static bool sends(const struct sim_trace_event *e,
                  enum raft_message_type type,
                  bool ok)
{
    return e->kind == SIM_TRACE_SEND && e->msg_type == type && e->ok == ok;
}

bool scn_event_matches(enum scn_event event,
                       uint32_t node,
                       const struct sim_trace_event *e)
{
    if (node != 0 && e->node != node)
        return false;
    switch (event) {
    case SCN_EVENT_GRANTS_VOTE:
        return sends(e, RAFT_MSG_REQUEST_VOTE_RESULT, true);
    case SCN_EVENT_ACKS_APPEND:
        return sends(e, RAFT_MSG_APPEND_ENTRIES_RESULT, true);
    case SCN_EVENT_ADOPTS_TERM:
        return e->kind == SIM_TRACE_TERM;
    case SCN_EVENT_SENDS_SNAPSHOT:
        return sends(e, RAFT_MSG_INSTALL_SNAPSHOT, false);
    case SCN_EVENT_BECOMES_LEADER:
        return e->kind == SIM_TRACE_ROLE && e->role == RAFT_LEADER;
    case SCN_EVENT_BECOMES_CANDIDATE:
        return e->kind == SIM_TRACE_ROLE && e->role == RAFT_CANDIDATE;
    case SCN_EVENT_PERSISTS:
        return e->kind == SIM_TRACE_SYNC;
    }
    return false;
}

void scn_triggers_listen(struct sim *s,
                         const struct sim_trace_event *e,
                         void *ctx)
{
    struct scn_triggers *t = ctx;
    (void)s;
    if (t->waiting == 0 || e->node == 0)
        return;
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
}

bool scn_triggers_take_fired(struct scn_triggers *t,
                             const struct scn_step **step,
                             uint32_t *node)
{
    if (t->next == t->fired->len) {
        g_array_set_size(t->fired, 0);
        t->next = 0;
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
