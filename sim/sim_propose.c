/* sim_propose.c: client requests reaching a node, proposed in batches.
 *
 * Several requests reach a node in one step when their events come next in
 * the queue at the same instant for the same node: with a fixed network
 * delay, the replies a leader sends for entries applied together come back
 * as new requests at one instant, and a resumed node gets its deferred
 * requests at one instant. Nothing can happen between such events, so they
 * are taken from the queue together and proposed with one
 * raft_propose_batch(): one send round instead of one per request, with
 * the same entries in the same order. A refusal answers every request of
 * the batch: a node that is not the leader redirects to the leader it
 * knows; a leader that refused for now (RAFT_EBUSY during a transfer,
 * RAFT_ENOSPC at its bound of uncommitted bytes) answers busy, naming the
 * transfer target, and the client backs off briefly (sim_client.c).
 *
 * Invariant: a batch holds at most SIM_PROPOSE_BATCH_MAX requests, all for
 * the node's current incarnation, in queue order, none of them a get served
 * without the log.
 */
#include <string.h>

#include "sim/sim_internal.h"

/* Requests proposed together at most. */
#define SIM_PROPOSE_BATCH_MAX 64

/* Forgets the proposals at or after index: the log was replaced there. */
static void drop_proposals_from(struct sim_node *nd, uint64_t index)
{
    GArray *p = nd->proposals;
    while (p->len > nd->props_head &&
           g_array_index(p, struct sim_proposal, p->len - 1).index >= index)
        g_array_set_size(p, p->len - 1);
}

/* Takes from the queue the requests that follow ev at the same instant for
 * the same node and incarnation, after batch[0]; returns the batch size. */
static size_t gather(struct sim *s,
                     const struct sim_event *ev,
                     uint32_t incarnation,
                     struct sim_cmsg **batch)
{
    size_t n = 1;
    while (n < SIM_PROPOSE_BATCH_MAX) {
        const struct sim_event *top = sim_queue_peek(&s->q);
        if (top == NULL || top->kind != SIM_EV_CLIENT_REQUEST ||
            top->node != ev->node || top->time_us != s->now_us)
            break;
        const struct sim_cmsg *next = top->ptr;
        if (next->dest_incarnation != incarnation ||
            next->read_mode != SIM_READ_LOG)
            break;
        struct sim_event e;
        sim_queue_pop(&s->q, &e);
        batch[n++] = e.ptr;
    }
    return n;
}

/* Proposes the n requests (transferred) as one batch and answers them on a
 * refusal. */
static void propose(struct sim *s,
                    struct sim_node *nd,
                    struct sim_cmsg **batch,
                    size_t n)
{
    struct raft_command cmds[SIM_PROPOSE_BATCH_MAX];
    for (size_t i = 0; i < n; i++)
        cmds[i] = (struct raft_command){batch[i]->data, batch[i]->len};
    struct raft_update u; /* filled by the core (raft.h) */
    uint64_t first = 0;
    int rc = raft_propose_batch(nd->core, sim_node_local_now(s, nd), cmds, n,
                                &first, &u);
    if (rc == RAFT_OK) {
        drop_proposals_from(nd, first);
        /* The array grown once for the whole batch, then filled in place:
         * the same proposals in the same order as n appends. */
        GArray *props = nd->proposals;
        guint at = props->len;
        g_array_set_size(props, at + (guint)n);
        uint64_t term = raft_term(nd->core);
        for (size_t i = 0; i < n; i++) {
            g_array_index(props, struct sim_proposal, at + i) =
                (struct sim_proposal){
                    .index = first + i,
                    .term = term,
                    .request = batch[i]->request,
                    .client = batch[i]->client,
                };
            sim_cmsg_free(s, batch[i]);
        }
        sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
        return;
    }
    bool busy = rc == RAFT_EBUSY || rc == RAFT_ENOSPC;
    uint32_t hint = rc == RAFT_ENOTLEADER ? (uint32_t)raft_leader(nd->core) : 0;
    if (hint == nd->id)
        hint = 0;
    for (size_t i = 0; i < n; i++) {
        if (busy)
            sim_client_reply_busy(s, nd, batch[i]->client, batch[i]->request);
        else
            sim_client_reply(s, nd->id, batch[i]->client, batch[i]->request,
                             true, hint, raft_term(nd->core), NULL);
        sim_cmsg_free(s, batch[i]);
    }
}

void sim_node_on_client_request(struct sim *s, const struct sim_event *ev)
{
    struct sim_cmsg *cm = ev->ptr;
    struct sim_node *nd = &s->nodes[ev->node];
    if (!nd->alive || cm->dest_incarnation != nd->incarnation) {
        sim_node_trace_client_drop(s, cm);
        sim_cmsg_free(s, cm);
        return;
    }
    if (nd->paused) {
        sim_node_defer(nd, ev);
        return;
    }
    if (cm->read_mode != SIM_READ_LOG) {
        /* A get served without the log (sim_read.c), never batched. */
        sim_read_request(s, nd, cm);
        sim_cmsg_free(s, cm);
        return;
    }
    struct sim_cmsg *batch[SIM_PROPOSE_BATCH_MAX];
    batch[0] = cm;
    size_t n = gather(s, ev, nd->incarnation, batch);
    propose(s, nd, batch, n);
}
