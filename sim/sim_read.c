/* sim_read.c: gets served without the log (thesis §6.4 ReadIndex, §6.4.1
 * lease reads).
 *
 * A node serves a read-index get by asking its core (raft_read_index()): a
 * leader confirms its leadership, a follower forwards the read to its
 * leader; either way the core later reports the read index or a failure. A
 * lease get on a leader asks raft_read_lease(), which answers at once or not
 * at all; a lease get the leader cannot serve from its lease (outside the
 * lease, before its no-op commits, without PreVote or CheckQuorum) and a
 * lease get on a follower are served as read-index gets, so a lease get is
 * never less safe than a read-index one and never refused for its mode.
 *
 * Invariants: nd->reads lists the node's accepted gets not yet answered, in
 * the order they were accepted, each with a distinct core read id (0 for a
 * lease read, whose index is known at once); a get is answered from the
 * node's state machine only once the node has applied its read index, so
 * the answer reflects every write completed before the read reached the
 * leader (the linearizability checker judges it like any other get). A
 * failed read is refused to its client, which retries as it does for a
 * refused write. A crash forgets the list with the rest of the node's
 * volatile state.
 */
#include <string.h>

#include "sim/sim_internal.h"

const char *sim_read_mode_name(enum sim_read_mode mode)
{
    switch (mode) {
    case SIM_READ_LOG:
        return "log";
    case SIM_READ_INDEX:
        return "read-index";
    case SIM_READ_LEASE:
        return "lease";
    case SIM_READ_MODE_COUNT:
        break;
    }
    return "?";
}

/* Refuses the client's get: it retries, at the leader the node names when
 * the node knows another one. */
static void refuse(struct sim *s,
                   struct sim_node *nd,
                   uint32_t client,
                   uint64_t request)
{
    uint32_t hint = (uint32_t)raft_leader(nd->core);
    if (hint == nd->id)
        hint = 0;
    sim_client_reply(s, nd->id, client, request, true, hint,
                     raft_term(nd->core), NULL);
}

/* Answers the i-th pending read from the state machine and forgets it. */
static void answer(struct sim *s, struct sim_node *nd, guint i)
{
    struct sim_read r = g_array_index(nd->reads, struct sim_read, i);
    g_array_remove_index(nd->reads, i);
    const char *key = sim_client_pending_key(s, r.client, r.request);
    if (key == NULL)
        return; /* the client gave up on this copy and asked elsewhere */
    const char *value = sim_kv_get(nd->kv, key);
    struct sim_kv_reply reply = {
        .found = value != NULL,
        .value = value,
        .value_len = value != NULL ? strlen(value) : 0,
    };
    sim_client_reply(s, nd->id, r.client, r.request, false, 0,
                     raft_term(nd->core), &reply);
}

/* Answers every read whose index the node has applied. */
static void answer_applied(struct sim *s, struct sim_node *nd)
{
    guint i = 0;
    while (i < nd->reads->len) {
        const struct sim_read *r =
            &g_array_index(nd->reads, struct sim_read, i);
        if (r->known && r->index <= nd->applied)
            answer(s, nd, i);
        else
            i++;
    }
}

/* The position of read id in nd->reads, or -1. */
static int find(const struct sim_node *nd, uint64_t id)
{
    for (guint i = 0; i < nd->reads->len; i++)
        if (g_array_index(nd->reads, struct sim_read, i).id == id)
            return (int)i;
    return -1;
}

void sim_read_on_update(struct sim *s,
                        struct sim_node *nd,
                        const struct raft_update *u)
{
    for (size_t k = 0; k < u->n_reads; k++) {
        int i = find(nd, u->reads[k].id);
        SIM_ASSERT(i >= 0, "n%u: read %llu reported but never accepted", nd->id,
                   (unsigned long long)u->reads[k].id);
        struct sim_read *r = &g_array_index(nd->reads, struct sim_read, i);
        if (u->reads[k].status == RAFT_OK) {
            r->known = true;
            r->index = u->reads[k].index;
            continue;
        }
        uint32_t client = r->client;
        uint64_t request = r->request;
        g_array_remove_index(nd->reads, (guint)i);
        refuse(s, nd, client, request);
    }
    if (nd->reads->len > 0)
        answer_applied(s, nd);
}

/* Thesis §6.4.1: a leader inside its lease knows its read index at once. */
static bool lease_read(struct sim *s,
                       struct sim_node *nd,
                       const struct sim_cmsg *cm)
{
    uint64_t index;
    if (raft_role(nd->core) != RAFT_LEADER ||
        raft_read_lease(nd->core, sim_node_local_now(s, nd), &index) !=
            RAFT_OK)
        return false;
    struct sim_read r = {
        .index = index,
        .known = true,
        .client = cm->client,
        .request = cm->request,
    };
    g_array_append_val(nd->reads, r);
    answer_applied(s, nd);
    return true;
}

void sim_read_request(struct sim *s,
                      struct sim_node *nd,
                      const struct sim_cmsg *cm)
{
    assert(cm->read_mode == SIM_READ_INDEX ||
               cm->read_mode == SIM_READ_LEASE);
    if (cm->read_mode == SIM_READ_LEASE && lease_read(s, nd, cm))
        return;
    uint64_t id = ++nd->read_seq;
    struct raft_update u; /* filled by the core (raft.h) */
    int rc = raft_read_index(nd->core, sim_node_local_now(s, nd), id, &u);
    if (rc == RAFT_EBUSY && raft_role(nd->core) == RAFT_LEADER) {
        /* Its no-op is not committed yet, or a transfer runs: soon. */
        sim_client_reply_busy(s, nd, cm->client, cm->request);
        return;
    }
    if (rc != RAFT_OK) {
        refuse(s, nd, cm->client, cm->request);
        return;
    }
    struct sim_read r = {
        .id = id,
        .client = cm->client,
        .request = cm->request,
    };
    g_array_append_val(nd->reads, r);
    sim_node_process_update(s, nd, &u, SIM_CONDUCT_OTHER, NULL);
}
