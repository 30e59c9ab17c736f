/* viz_trace.c (tests): see viz_trace.h. */
#include "tests/support/viz_trace.h"

#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

struct vt_trace vt_trace_new(void)
{
    struct vt_trace t = {
        .events = g_array_new(FALSE, TRUE, sizeof(struct sim_trace_event)),
        .next_msg = 1,
    };
    return t;
}

void vt_trace_free(struct vt_trace *t)
{
    g_array_free(t->events, TRUE);
}

/* Appends an event; events must be added in time order. */
struct sim_trace_event *vt_ev(struct vt_trace *t,
                              uint64_t time_us,
                              enum sim_trace_kind kind,
                              uint32_t node)
{
    struct sim_trace_event e = {0};
    e.seq = t->events->len + 1;
    e.time_us = time_us;
    e.kind = kind;
    e.node = node;
    g_array_append_val(t->events, e);
    return &g_array_index(t->events, struct sim_trace_event,
                          t->events->len - 1);
}

uint64_t vt_send_msg(struct vt_trace *t,
                     uint64_t time_us,
                     uint32_t from,
                     uint32_t to,
                     enum raft_message_type type,
                     uint64_t count,
                     bool ok)
{
    struct sim_trace_event *e = vt_ev(t, time_us, SIM_TRACE_SEND, from);
    e->peer = to;
    e->msg_id = t->next_msg++;
    e->msg_type = type;
    e->term = 1;
    e->count = count;
    e->ok = ok;
    return e->msg_id;
}

void vt_fate(struct vt_trace *t,
             uint64_t time_us,
             uint64_t msg_id,
             enum sim_trace_kind kind,
             uint32_t node)
{
    struct sim_trace_event *e = vt_ev(t, time_us, kind, node);
    e->msg_id = msg_id;
}

void vt_role(struct vt_trace *t,
             uint64_t time_us,
             uint32_t node,
             enum raft_role r,
             uint64_t term)
{
    struct sim_trace_event *e = vt_ev(t, time_us, SIM_TRACE_ROLE, node);
    e->role = r;
    e->term = term;
}

void vt_partition(struct vt_trace *t,
                  uint64_t time_us,
                  const uint8_t *groups,
                  uint32_t n,
                  const char *text)
{
    struct sim_trace_event *e = vt_ev(t, time_us, SIM_TRACE_PARTITION, 0);
    e->text = text;
    e->group_of = groups;
    e->n_group_of = n;
}

struct viz_run vt_run_of(const struct vt_trace *t,
                         uint32_t n_nodes,
                         uint64_t end_us)
{
    struct viz_run run = {
        .title = "test run",
        .seed = 7,
        .trace_hash = 0x0123456789abcdefull,
        .n_nodes = n_nodes,
        .end_us = end_us,
        .events = (const struct sim_trace_event *)(void *)t->events->data,
        .n_events = t->events->len,
    };
    return run;
}

void vt_client_event(struct vt_trace *t,
                     uint64_t time_us,
                     enum sim_trace_kind kind,
                     uint64_t client,
                     bool ok,
                     const char *text)
{
    struct sim_trace_event *e = vt_ev(t, time_us, kind, 0);
    e->client = client;
    e->request = 1;
    e->ok = ok;
    e->text = text;
}

/* A trace with a bit of everything, for the byte-level tests. */
struct vt_trace vt_busy_trace(void)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 150000, 1, RAFT_CANDIDATE, 1);
    for (uint32_t p = 2; p <= 3; p++) {
        uint64_t id =
            vt_send_msg(&t, 150000, 1, p, RAFT_MSG_REQUEST_VOTE, 0, 0);
        vt_fate(&t, 153000, id, p == 3 ? SIM_TRACE_DROP : SIM_TRACE_DELIVER, p);
    }
    uint64_t id =
        vt_send_msg(&t, 153000, 2, 1, RAFT_MSG_REQUEST_VOTE_RESULT, 0, true);
    vt_fate(&t, 156000, id, SIM_TRACE_DELIVER, 1);
    vt_role(&t, 156000, 1, RAFT_LEADER, 1);
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_CLIENT_INVOKE, 0);
    e->client = 1;
    e->request = 1;
    e->text = "set x 1";
    e = vt_ev(&t, 200000, SIM_TRACE_CLIENT_SEND, 1);
    e->client = 1;
    e->request = 1;
    id = vt_send_msg(&t, 201000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 1, false);
    vt_fate(&t, 204000, id, SIM_TRACE_DELIVER, 2);
    e = vt_ev(&t, 210000, SIM_TRACE_COMMIT, 1);
    e->index = 1;
    e = vt_ev(&t, 212000, SIM_TRACE_CLIENT_COMPLETE, 0);
    e->client = 1;
    e->request = 1;
    e->ok = true;
    e->text = "ok";
    e = vt_ev(&t, 300000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {1, 2, 2};
    e->text = "n1 | n2 n3";
    e->group_of = groups;
    e->n_group_of = 3;
    vt_ev(&t, 350000, SIM_TRACE_CRASH, 1);
    e = vt_ev(&t, 400000, SIM_TRACE_PAUSE, 3);
    e->aux = 450000;
    vt_ev(&t, 450000, SIM_TRACE_RESUME, 3);
    vt_ev(&t, 500000, SIM_TRACE_HEAL, 0);
    e = vt_ev(&t, 550000, SIM_TRACE_VIOLATION, 0);
    e->text = "Log Matching";
    return t;
}
struct viz_options vt_all_messages(void)
{
    struct viz_options o;
    viz_options_init(&o);
    o.messages = VIZ_MESSAGES_ALL;
    return o;
}
