/* test_sim_trace_replay.c: the trace carries what the replay page needs to
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
    bool config[4096];    /* whether index i + 1 is a configuration entry */
    uint64_t last;
};

/* Parses "1x3 4x1c 4x1" (a "c": a run of configuration entries) into
 * terms from index on. */
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
        bool config = *end == 'c';
        end += config;
        for (uint64_t k = 0; k < count; k++) {
            cr_assert_lt(at, 4096);
            l->terms[at - 1] = term;
            l->config[at - 1] = config;
            at++;
        }
        cr_assert(*end == ' ' || *end == '\0', "bad terms text %s", text);
        p = *end == ' ' ? end + 1 : end;
    }
    l->last = at - 1;
}

/* Rebuilds every node's log from the trace of s (no snapshots). */
static struct rebuilt_log *rebuild_logs(struct sim *s, size_t *logs_seen)
{
    struct rebuilt_log *logs =
        g_new0(struct rebuilt_log, sim_n_nodes(s) + 1);
    const struct sim_trace_event *ev = sim_trace_events(s);
    *logs_seen = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_LOG) {
            cr_assert_eq(ev[i].time_us, 0);
            write_terms(&logs[ev[i].node], ev[i].index, ev[i].text);
            (*logs_seen)++;
        } else if (ev[i].kind == SIM_TRACE_PERSIST && ev[i].count) {
            write_terms(&logs[ev[i].node], ev[i].index, ev[i].text);
            cr_assert_eq(logs[ev[i].node].last, ev[i].index + ev[i].count - 1);
        }
    }
    return logs;
}

/* Every node's rebuilt log equals the engine's, entry types included. */
static void assert_logs_rebuilt(struct sim *s, const struct rebuilt_log *logs)
{
    for (uint32_t id = 1; id <= sim_n_nodes(s); id++) {
        uint64_t first = 0, *terms = NULL;
        size_t n = sim_log_terms(s, id, &first, &terms);
        cr_assert_eq(first, 1, "no snapshot expected");
        cr_assert_gt(n, 5);
        cr_assert_eq(logs[id].last, n, "n%u", id);
        for (size_t k = 0; k < n; k++) {
            cr_assert_eq(logs[id].terms[k], terms[k], "n%u index %zu", id,
                         k + 1);
            cr_assert_eq(logs[id].config[k], sim_log_is_config(s, id, k + 1),
                         "n%u index %zu", id, k + 1);
        }
        g_free(terms);
    }
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
    size_t logs_seen = 0;
    struct rebuilt_log *logs = rebuild_logs(s, &logs_seen);
    cr_assert_eq(logs_seen, 2);
    assert_logs_rebuilt(s, logs);
    g_free(logs);
    sim_free(s);
}

static void add_spare(struct sim *s, void *ctx)
{
    const struct raft_change *c = ctx;
    cr_assert_eq(sim_operator_change(s, c, 1, RAFT_TRANSITION_AUTO, NULL, NULL),
                 SIM_OK);
}

/* The configuration entries of a growing cluster (a spare added as a
 * learner, then promoted) are marked in the trace's entry texts, so the
 * replay page draws them where the engine's logs have them. */
Test(trace_replay, configuration_entries_are_marked_in_the_trace)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 4;
    c.n_voters = 3;
    c.seed = 5;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    struct raft_change learner = {.type = RAFT_ADD_LEARNER, .id = 4};
    struct raft_change voter = {.type = RAFT_ADD_VOTER, .id = 4};
    cr_assert_eq(sim_at(s, 600000, add_spare, &learner), SIM_OK);
    cr_assert_eq(sim_at(s, 900000, add_spare, &voter), SIM_OK);
    cr_assert_eq(sim_load(s, 40.0, 1500000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    size_t logs_seen = 0;
    struct rebuilt_log *logs = rebuild_logs(s, &logs_seen);
    size_t configs = 0;
    for (uint64_t k = 0; k < logs[1].last; k++)
        configs += logs[1].config[k];
    cr_assert_eq(configs, 2, "the learner's addition and its promotion");
    assert_logs_rebuilt(s, logs);
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
