/* test_raft_smoke.c: a three-node cluster of real cores over an ideal
 * in-test network (every message delivered at once, in order; every write
 * durable at once and reported with raft_persisted()) elects one leader,
 * commits proposals everywhere, and lets a restarted follower catch up. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "raft/raft.h"

#define N_NODES 3
#define MAX_QUEUE 4096
#define MAX_LOG 256

/* A deep copy of an entry or message, owned by the test. */
struct owned_entry
{
    struct raft_entry e;
    char bytes[32];
};

struct queued
{
    struct raft_message m;
    struct owned_entry entries[64];
    char snapshot_bytes[64];
};

struct node
{
    struct raft *r;
    bool up;
    /* what the "disk" holds */
    uint64_t term;
    uint64_t vote;
    struct owned_entry log[MAX_LOG];
    size_t log_len;
    /* what the state machine applied since the last (re)start */
    char applied[MAX_LOG][32];
    uint64_t applied_index[MAX_LOG];
    size_t n_applied;
};

static struct node nodes[N_NODES];
static struct queued *queue;
static size_t q_head, q_len;
static uint64_t now;
static const uint64_t voters[N_NODES] = {1, 2, 3};

static void copy_entry(struct owned_entry *dst, const struct raft_entry *src)
{
    cr_assert_leq(src->len, sizeof dst->bytes);
    dst->e = *src;
    if (src->len > 0) {
        memcpy(dst->bytes, src->data, src->len);
    }
    dst->e.data = src->len > 0 ? dst->bytes : NULL;
    dst->e.record = NULL; /* a copy of the bytes, not the core's record */
}

static void enqueue(const struct raft_message *m)
{
    cr_assert_lt(q_len, MAX_QUEUE);
    struct queued *q = &queue[(q_head + q_len) % MAX_QUEUE];
    q_len++;
    q->m = *m;
    if (m->type == RAFT_MSG_APPEND_ENTRIES) {
        cr_assert_leq(m->append_entries.n_entries, 64);
        for (size_t i = 0; i < m->append_entries.n_entries; i++) {
            copy_entry(&q->entries[i], &m->append_entries.entries[i]);
        }
        /* rebased by dequeue(): the queue slot may move with q */
        q->m.append_entries.entries = NULL;
    }
    cr_assert_neq(m->type, RAFT_MSG_INSTALL_SNAPSHOT);
}

/* Step 1-4 of struct raft_update: persist, report durability, send, apply. */
static void handle(struct node *n,
                   uint64_t id,
                   int rc,
                   const struct raft_update *u)
{
    cr_assert_eq(rc, RAFT_OK, "node %llu: %s", (unsigned long long)id,
                 raft_strerror(rc));
    if (u->hard_state_changed) {
        n->term = u->term;
        n->vote = u->vote;
    }
    cr_assert_null(u->snapshot);
    uint64_t persisted_index = 0, persisted_term = 0;
    if (u->n_entries > 0) {
        size_t at = (size_t)u->entries_index - 1;
        cr_assert_leq(at + u->n_entries, MAX_LOG);
        for (size_t i = 0; i < u->n_entries; i++) {
            copy_entry(&n->log[at + i], &u->entries[i]);
        }
        n->log_len = at + u->n_entries;
        persisted_index = u->entries_index + u->n_entries - 1;
        persisted_term = u->entries[u->n_entries - 1].term;
    }
    for (size_t i = 0; i < u->n_messages; i++) {
        enqueue(&u->messages[i]);
    }
    for (size_t i = 0; i < u->n_committed; i++) {
        const struct raft_entry *e = &u->committed[i];
        if (e->type != RAFT_ENTRY_COMMAND) {
            continue;
        }
        cr_assert_lt(n->n_applied, MAX_LOG);
        memset(n->applied[n->n_applied], 0, 32);
        memcpy(n->applied[n->n_applied], e->data, e->len);
        n->applied_index[n->n_applied] = u->apply_index + i;
        n->n_applied++;
    }
    bool hard = u->hard_state_changed;
    if (persisted_index > 0) {
        struct raft_update next;
        int prc =
            raft_persisted(n->r, now, persisted_index, persisted_term, &next);
        handle(n, id, prc, &next);
    }
    if (hard) {
        struct raft_update next;
        int prc = raft_persisted_hard_state(n->r, now, n->term, n->vote, &next);
        handle(n, id, prc, &next);
    }
}

static struct raft_config config_for(uint64_t id)
{
    struct raft_config c;
    raft_config_init(&c);
    c.id = id;
    c.voters = voters;
    c.n_voters = N_NODES;
    c.random_seed = 1000 + id;
    return c;
}

static void start(size_t i, bool from_disk)
{
    struct node *n = &nodes[i];
    struct raft_config c = config_for(voters[i]);
    struct raft_entry entries[MAX_LOG];
    struct raft_durable_state s = {0};
    if (from_disk) {
        s.term = n->term;
        s.vote = n->vote;
        for (size_t k = 0; k < n->log_len; k++) {
            entries[k] = n->log[k].e;
            entries[k].data = n->log[k].e.len > 0 ? n->log[k].bytes : NULL;
        }
        s.entries = entries;
        s.n_entries = n->log_len;
    }
    cr_assert_eq(raft_create(&c, from_disk ? &s : NULL, now, &n->r), RAFT_OK);
    n->up = true;
    n->n_applied = 0;
}

static void crash(size_t i)
{
    raft_destroy(nodes[i].r);
    nodes[i].r = NULL;
    nodes[i].up = false;
}

static void deliver_all(void)
{
    while (q_len > 0) {
        struct queued *q = &queue[q_head];
        q_head = (q_head + 1) % MAX_QUEUE;
        q_len--;
        struct node *n = &nodes[q->m.to - 1];
        if (!n->up) {
            continue;
        }
        struct raft_message m = q->m;
        struct raft_entry entries[64];
        if (m.type == RAFT_MSG_APPEND_ENTRIES) {
            for (size_t k = 0; k < m.append_entries.n_entries; k++) {
                entries[k] = q->entries[k].e;
                entries[k].data =
                    q->entries[k].e.len > 0 ? q->entries[k].bytes : NULL;
            }
            m.append_entries.entries = entries;
        }
        struct raft_update u;
        int rc = raft_receive(n->r, now, &m, &u);
        handle(n, m.to, rc, &u);
    }
}

/* Advances the clock 1 ms at a time to `until`, ticking due nodes. */
static void run_until(uint64_t until)
{
    while (now < until) {
        now++;
        for (size_t i = 0; i < N_NODES; i++) {
            if (!nodes[i].up) {
                continue;
            }
            struct raft_update u;
            int rc = raft_tick(nodes[i].r, now, &u);
            handle(&nodes[i], voters[i], rc, &u);
            deliver_all();
        }
    }
}

static size_t count_leaders(uint64_t *leader_id)
{
    size_t n = 0;
    for (size_t i = 0; i < N_NODES; i++) {
        if (nodes[i].up && raft_role(nodes[i].r) == RAFT_LEADER) {
            n++;
            *leader_id = voters[i];
        }
    }
    return n;
}

static void setup(void)
{
    memset(nodes, 0, sizeof nodes);
    queue = calloc(MAX_QUEUE, sizeof *queue);
    cr_assert_not_null(queue);
    q_head = q_len = 0;
    now = 0;
    for (size_t i = 0; i < N_NODES; i++) {
        start(i, false);
    }
}

static void teardown(void)
{
    for (size_t i = 0; i < N_NODES; i++) {
        if (nodes[i].up) {
            crash(i);
        }
    }
    free(queue);
}

static uint64_t elect(void)
{
    run_until(1000);
    uint64_t leader = 0;
    cr_assert_eq(count_leaders(&leader), 1);
    return leader;
}

static void propose(uint64_t leader, const char *text)
{
    struct node *n = &nodes[leader - 1];
    uint64_t index = 0;
    struct raft_update u;
    int rc = raft_propose(n->r, now, text, strlen(text), &index, &u);
    cr_assert_eq(rc, RAFT_OK);
    cr_assert_eq(index, raft_last_index(n->r));
    handle(n, leader, rc, &u);
    deliver_all();
}

TestSuite(raft_smoke, .init = setup, .fini = teardown);

Test(raft_smoke, three_nodes_elect_exactly_one_leader_that_all_follow)
{
    uint64_t leader = elect();
    uint64_t term = raft_term(nodes[leader - 1].r);
    cr_assert_geq(term, 1);
    for (size_t i = 0; i < N_NODES; i++) {
        cr_assert_eq(raft_term(nodes[i].r), term);
        cr_assert_eq(raft_leader(nodes[i].r), leader);
        cr_assert_eq(raft_role(nodes[i].r),
                     voters[i] == leader ? RAFT_LEADER : RAFT_FOLLOWER);
        /* the new leader's no-op is committed everywhere */
        cr_assert_eq(raft_term_at(nodes[i].r, raft_last_index(nodes[i].r)),
                     term);
    }
    /* with an ideal network the leader keeps its term indefinitely */
    run_until(5000);
    uint64_t again = 0;
    cr_assert_eq(count_leaders(&again), 1);
    cr_assert_eq(again, leader);
    cr_assert_eq(raft_term(nodes[leader - 1].r), term);
}

Test(raft_smoke, followers_refuse_proposals_and_name_the_leader)
{
    uint64_t leader = elect();
    size_t follower = leader == 1 ? 1 : 0;
    struct raft_update u;
    uint64_t index = 0;
    cr_assert_eq(raft_propose(nodes[follower].r, now, "x", 1, &index, &u),
                 RAFT_ENOTLEADER);
    cr_assert_eq(raft_leader(nodes[follower].r), leader);
    cr_assert_eq(raft_last_index(nodes[follower].r),
                 raft_last_index(nodes[leader - 1].r));
}

Test(raft_smoke, proposals_commit_on_all_nodes_in_order)
{
    uint64_t leader = elect();
    char text[16];
    for (int k = 0; k < 10; k++) {
        snprintf(text, sizeof text, "cmd-%d", k);
        propose(leader, text);
    }
    /* followers learn the commit index from the next heartbeat */
    run_until(now + 200);
    uint64_t commit = raft_commit_index(nodes[leader - 1].r);
    cr_assert_eq(commit, raft_last_index(nodes[leader - 1].r));
    for (size_t i = 0; i < N_NODES; i++) {
        cr_assert_eq(raft_commit_index(nodes[i].r), commit);
        cr_assert_eq(nodes[i].n_applied, 10);
        for (int k = 0; k < 10; k++) {
            snprintf(text, sizeof text, "cmd-%d", k);
            cr_assert_str_eq(nodes[i].applied[k], text);
            cr_assert_eq(nodes[i].applied_index[k], nodes[0].applied_index[k]);
        }
    }
}

Test(raft_smoke, restarted_follower_catches_up_from_its_durable_state)
{
    uint64_t leader = elect();
    size_t down = leader == 3 ? 0 : 2;
    char text[16];
    for (int k = 0; k < 5; k++) {
        snprintf(text, sizeof text, "a-%d", k);
        propose(leader, text);
    }
    run_until(now + 200);
    uint64_t before = raft_last_index(nodes[down].r);
    crash(down);
    for (int k = 0; k < 5; k++) {
        snprintf(text, sizeof text, "b-%d", k);
        propose(leader, text);
    }
    run_until(now + 200);
    /* two of three nodes suffice to commit while one is down */
    cr_assert_eq(raft_commit_index(nodes[leader - 1].r),
                 raft_last_index(nodes[leader - 1].r));

    start(down, true);
    cr_assert_eq(raft_last_index(nodes[down].r), before);
    cr_assert_eq(raft_commit_index(nodes[down].r), 0);
    run_until(now + 300);
    struct raft *l = nodes[leader - 1].r;
    struct raft *f = nodes[down].r;
    cr_assert_eq(raft_role(l), RAFT_LEADER);
    cr_assert_eq(raft_leader(f), leader);
    cr_assert_eq(raft_last_index(f), raft_last_index(l));
    cr_assert_eq(raft_commit_index(f), raft_commit_index(l));
    cr_assert_eq(raft_match_index(l, voters[down]), raft_last_index(l));
    for (uint64_t i = 1; i <= raft_last_index(l); i++) {
        cr_assert_eq(raft_term_at(f, i), raft_term_at(l, i));
    }
    /* its state machine was rebuilt from the log: all ten commands */
    cr_assert_eq(nodes[down].n_applied, 10);
    cr_assert_str_eq(nodes[down].applied[0], "a-0");
    cr_assert_str_eq(nodes[down].applied[9], "b-4");
}
