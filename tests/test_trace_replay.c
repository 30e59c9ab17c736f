/* test_trace_replay.c: the trace carries what the replay page needs to
 * rebuild a run alone (docs/trace-format.md): the terms of every written
 * entry and of `init` logs, each follower's election deadline, and the
 * leader's matchIndex and nextIndex per follower. Each test compares what a
 * reader derives from the trace with the engine's own state. */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* A log rebuilt from `log` and `persist` events as the page does: entries
 * from `index` replace the tail. */
struct rebuilt_log
{
    uint64_t terms[4096]; /* terms[i] is the term of index i + 1 */
    uint64_t last;
};

/* Parses "1x3 4x2" into terms from index on. */
static void write_terms(struct rebuilt_log *l, uint64_t index, const char *text)
{
    cr_assert_not_null(text);
    uint64_t at = index;
    const char *p = text;
    while (*p) {
        char *end = NULL;
        uint64_t term = strtoull(p, &end, 10);
        cr_assert_eq(*end, 'x', "bad terms text %s", text);
        uint64_t count = strtoull(end + 1, &end, 10);
        for (uint64_t k = 0; k < count; k++) {
            cr_assert_lt(at, 4096);
            l->terms[at - 1] = term;
            at++;
        }
        p = *end == ' ' ? end + 1 : end;
    }
    l->last = at - 1;
}

static struct sim *loaded_run(uint64_t seed, const struct sim_init_state *init)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.seed = seed;
    c.record_events = true;
    c.init = init;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load(s, 40.0, 1500000, 0), SIM_OK);
    /* Load stops at 1.5 s; the last second lets every follower catch up. */
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    return s;
}

Test(trace_replay, persist_and_log_events_carry_the_terms_of_every_entry)
{
    uint64_t t1[] = {1, 1, 2, 2, 2};
    struct sim_init_state init[5] = {
        {.set = true, .term = 2, .log_terms = t1, .n_log = 5},
        {.set = true, .term = 2, .log_terms = t1, .n_log = 3},
    };
    struct sim *s = loaded_run(7, init);
    struct rebuilt_log *logs = g_new0(struct rebuilt_log, 6);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t logs_seen = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_LOG) {
            cr_assert_eq(ev[i].time_us, 0);
            write_terms(&logs[ev[i].node], ev[i].index, ev[i].text);
            logs_seen++;
        } else if (ev[i].kind == SIM_TRACE_PERSIST && ev[i].count) {
            write_terms(&logs[ev[i].node], ev[i].index, ev[i].text);
            cr_assert_eq(logs[ev[i].node].last, ev[i].index + ev[i].count - 1);
        }
    }
    cr_assert_eq(logs_seen, 2);
    for (uint32_t id = 1; id <= 5; id++) {
        uint64_t first = 0, *terms = NULL;
        size_t n = sim_log_terms(s, id, &first, &terms);
        cr_assert_eq(first, 1, "no snapshot expected");
        cr_assert_gt(n, 5);
        cr_assert_eq(logs[id].last, n, "n%u", id);
        for (size_t k = 0; k < n; k++)
            cr_assert_eq(logs[id].terms[k], terms[k], "n%u index %zu", id, k + 1);
        g_free(terms);
    }
    g_free(logs);
    sim_free(s);
}

/* A node becomes a candidate by its own timer exactly at the deadline its
 * last `timer` event announced; no `timer` event is traced for a leader. */
Test(trace_replay, an_election_starts_at_the_last_traced_deadline)
{
    struct sim *s = loaded_run(3, NULL);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t due[6] = {0};
    enum raft_role role[6] = {0};
    size_t elections = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        const struct sim_trace_event *e = &ev[i];
        if (e->kind == SIM_TRACE_TIMER) {
            cr_assert_neq(role[e->node], RAFT_LEADER);
            cr_assert_gt(e->aux, e->time_us);
            due[e->node] = e->aux;
        } else if (e->kind == SIM_TRACE_ROLE) {
            if (e->role == RAFT_CANDIDATE) {
                cr_assert_eq(e->time_us, due[e->node], "n%u at %llu", e->node,
                             (unsigned long long)e->time_us);
                elections++;
            }
            role[e->node] = e->role;
        }
    }
    cr_assert_geq(elections, 1);
    sim_free(s);
}

/* At the end of a quiet second, the leader's last `progress` event for each
 * follower says what the core holds: matchIndex is the follower's last
 * index and nextIndex the one after (Raft paper, Figure 2). */
Test(trace_replay, progress_events_give_the_leaders_match_and_next_index)
{
    struct sim *s = loaded_run(11, NULL);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint64_t match[6] = {0}, next[6] = {0};
    const struct sim_trace_event *ev = sim_trace_events(s);
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_PROGRESS && ev[i].node == leader &&
            ev[i].term == sim_term(s, leader)) {
            cr_assert_neq(ev[i].peer, leader);
            match[ev[i].peer] = ev[i].index;
            next[ev[i].peer] = ev[i].aux;
        }
    }
    for (uint32_t id = 1; id <= 5; id++) {
        if (id == leader)
            continue;
        cr_assert_eq(match[id], sim_last_index(s, id), "n%u", id);
        cr_assert_eq(match[id], sim_last_index(s, leader), "n%u", id);
        cr_assert_eq(next[id], match[id] + 1, "n%u", id);
    }
    sim_free(s);
}
