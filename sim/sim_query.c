/* sim_query.c: the read-only queries of sim.h on nodes and the network.
 *
 * Owns nothing: every query reads the engine's state (struct sim) without
 * changing it or drawing from any stream, so asking never alters a run. A
 * crashed or unknown node answers 0, false or NULL.
 */

#include "sim/sim_internal.h"

/* ---- queries ------------------------------------------------------------- */

uint32_t sim_n_nodes(const struct sim *s)
{
    return s->n;
}

static const struct sim_node *live(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node) || !s->nodes[node].alive)
        return NULL;
    return &s->nodes[node];
}

bool sim_alive(const struct sim *s, uint32_t node)
{
    return live(s, node) != NULL;
}

bool sim_paused(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd && nd->paused;
}

enum raft_role sim_role(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd ? raft_role(nd->core) : RAFT_FOLLOWER;
}

uint64_t sim_term(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    return nd->alive ? raft_term(nd->core) : nd->disk.term;
}

uint64_t sim_vote(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    return nd->alive ? raft_vote(nd->core) : nd->disk.vote;
}

uint64_t sim_leader_of(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd ? raft_leader(nd->core) : 0;
}

bool sim_in_step_with(const struct sim *s,
                      uint32_t node,
                      uint32_t leader,
                      uint64_t term)
{
    const struct sim_node *nd = live(s, node);
    if (nd == NULL || nd->paused || raft_term(nd->core) != term)
        return false;
    return node == leader || raft_leader(nd->core) == leader;
}

uint64_t sim_commit_index(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd ? raft_commit_index(nd->core) : 0;
}

uint64_t sim_last_index(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    return nd->alive ? raft_last_index(nd->core)
                     : sim_disk_last_index(&nd->disk);
}

uint64_t sim_snapshot_index(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    return nd->alive ? raft_snapshot_index(nd->core) : nd->disk.snap_index;
}

uint64_t sim_snapshot_term(const struct sim *s, uint32_t node)
{
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    return nd->alive ? raft_snapshot_term(nd->core) : nd->disk.snap_term;
}

uint64_t sim_applied(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd ? sim_kv_applied(nd->kv) : 0;
}

const char *sim_kv_value(const struct sim *s, uint32_t node, const char *key)
{
    const struct sim_node *nd = live(s, node);
    return nd ? sim_kv_get(nd->kv, key) : NULL;
}

uint64_t sim_kv_digest_of(const struct sim *s, uint32_t node)
{
    const struct sim_node *nd = live(s, node);
    return nd ? sim_kv_digest(nd->kv) : 0;
}

size_t sim_log_terms(const struct sim *s,
                     uint32_t node,
                     uint64_t *first_index,
                     uint64_t **terms)
{
    *terms = NULL;
    *first_index = 1;
    if (!sim_valid_node(s, node))
        return 0;
    const struct sim_node *nd = &s->nodes[node];
    uint64_t first, last;
    if (nd->alive) {
        first = raft_snapshot_index(nd->core) + 1;
        last = raft_last_index(nd->core);
    } else {
        first = nd->disk.first_index;
        last = sim_disk_last_index(&nd->disk);
    }
    *first_index = first;
    size_t n = last >= first ? (size_t)(last - first + 1) : 0;
    uint64_t *t = g_new(uint64_t, n ? n : 1);
    for (size_t i = 0; i < n; i++)
        t[i] = nd->alive ? raft_term_at(nd->core, first + i)
                         : sim_disk_term_at(&nd->disk, first + i);
    *terms = t;
    return n;
}

bool sim_log_is_config(const struct sim *s, uint32_t node, uint64_t index)
{
    if (!sim_valid_node(s, node))
        return false;
    const struct sim_node *nd = &s->nodes[node];
    if (nd->alive) {
        struct raft_entry e;
        return raft_entry_at(nd->core, index, &e) &&
               e.type == RAFT_ENTRY_CONFIG;
    }
    const struct raft_record *rec = sim_disk_record_at(&nd->disk, index);
    return rec != NULL && rec->type == RAFT_ENTRY_CONFIG;
}

bool sim_connected(const struct sim *s, uint32_t from, uint32_t to)
{
    if (!sim_valid_node(s, from) || !sim_valid_node(s, to))
        return false;
    return sim_net_link_open(&s->net, from, to);
}

uint64_t sim_max_term(const struct sim *s)
{
    uint64_t max = 0;
    for (uint32_t a = 1; a <= s->n; a++) {
        const struct sim_node *nd = &s->nodes[a];
        if (nd->alive && raft_term(nd->core) > max)
            max = raft_term(nd->core);
    }
    return max;
}
