/* test_sim_trace_config.c: the trace's `config` and `transfer` events
 * (docs/trace-format.md, sim/sim_observe.c): every node's configuration at
 * time 0 and at each change, and a leadership transfer from start to
 * outcome, observed from the cores alone. */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "sim/sim.h"

static struct sim *new_cluster(uint32_t n)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = n;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    return s;
}

/* The trace alone tells every node's starting configuration: one `config`
 * event per node at time 0, the bootstrap one (index 0), listing the
 * cluster's voters. */
Test(trace_config, every_node_traces_its_bootstrap_configuration_at_time_0)
{
    struct sim *s = new_cluster(3);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint32_t seen[4] = {0};
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_CONFIG)
            continue;
        cr_assert_eq(ev[i].time_us, 0, "a configuration traced at %llu us",
                     (unsigned long long)ev[i].time_us);
        cr_assert_eq(ev[i].index, 0);
        cr_assert_eq(ev[i].term, 0);
        cr_assert_not(ev[i].ok);
        cr_assert_str_eq(ev[i].text, "voters n1 n2 n3");
        cr_assert(ev[i].node >= 1 && ev[i].node <= 3);
        seen[ev[i].node]++;
    }
    for (uint32_t id = 1; id <= 3; id++)
        cr_assert_eq(seen[id], 1, "n%u traced its configuration %u times", id,
                     seen[id]);
    sim_free(s);
}

static struct sim *new_spared(uint32_t voters, uint32_t spares, uint64_t seed)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = voters + spares;
    c.n_voters = voters;
    c.seed = seed;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    return s;
}

static void change(struct sim *s, void *ctx)
{
    const struct raft_change *c = ctx;
    cr_assert_eq(sim_operator_change(s, c, 1, RAFT_TRANSITION_AUTO, NULL, NULL),
                 SIM_OK);
}

static void leave_joint(struct sim *s, void *ctx)
{
    (void)ctx;
    cr_assert_eq(
        sim_operator_change(s, NULL, 0, RAFT_TRANSITION_AUTO, NULL, NULL),
        SIM_OK);
}

static void joint_swap(struct sim *s, void *ctx)
{
    (void)ctx;
    struct raft_change c[2] = {{.type = RAFT_ADD_VOTER, .id = 4},
                               {.type = RAFT_REMOVE, .id = 3}};
    cr_assert_eq(sim_operator_change(s, c, 2, RAFT_TRANSITION_JOINT_EXPLICIT,
                                     NULL, NULL),
                 SIM_OK);
}

/* The text sim_observe.c writes for c. */
static char *config_text(const struct raft_configuration *c)
{
    GString *t = g_string_new("voters");
    for (size_t i = 0; i < c->n_voters; i++)
        g_string_append_printf(t, " n%llu", (unsigned long long)c->voters[i]);
    if (c->n_learners)
        g_string_append(t, " | learners");
    for (size_t i = 0; i < c->n_learners; i++)
        g_string_append_printf(t, " n%llu", (unsigned long long)c->learners[i]);
    if (c->n_outgoing)
        g_string_append(t, " | outgoing");
    for (size_t i = 0; i < c->n_outgoing; i++)
        g_string_append_printf(t, " n%llu", (unsigned long long)c->outgoing[i]);
    return g_string_free(t, FALSE);
}

/* The last `config` event of node at or before event `upto`. */
static const struct sim_trace_event *last_config(struct sim *s,
                                                 uint32_t node,
                                                 size_t upto)
{
    const struct sim_trace_event *ev = sim_trace_events(s);
    const struct sim_trace_event *last = NULL;
    for (size_t i = 0; i < upto; i++)
        if (ev[i].kind == SIM_TRACE_CONFIG && ev[i].node == node)
            last = &ev[i];
    return last;
}

/* Every node's last traced configuration is the one its core acts on. */
static void assert_traced_configs(struct sim *s)
{
    for (uint32_t id = 1; id <= sim_n_nodes(s); id++) {
        struct raft_configuration c;
        uint64_t index = 0;
        cr_assert(sim_node_config(s, id, &c, &index));
        const struct sim_trace_event *e = last_config(s, id, sim_trace_len(s));
        cr_assert_not_null(e);
        char *want = config_text(&c);
        cr_assert_str_eq(e->text, want, "n%u at %llu us", id,
                         (unsigned long long)sim_now(s));
        if (index != 0)
            cr_assert_eq(e->index, index, "n%u", id);
        g_free(want);
    }
}

/* Observed after every step: a node's traced configuration never lags
 * behind its core's (thesis §4.1: it acts on it from the moment it is
 * appended). */
static void observe_each_step(struct sim *s, void *ctx)
{
    (void)ctx;
    assert_traced_configs(s);
}

/* A spare added as a voter, then a joint change (thesis §4.3) that swaps
 * n3 for n4 and stays joint until asked to leave: at every instant each
 * node's last `config` event is its core's configuration, its entry's
 * index included, and the joint phase shows its outgoing voters. */
Test(trace_config, each_node_traces_every_configuration_it_acts_on)
{
    struct sim *s = new_spared(3, 2, 3);
    struct raft_change add5 = {.type = RAFT_ADD_LEARNER, .id = 5};
    cr_assert_eq(sim_at(s, 500000, change, &add5), SIM_OK);
    cr_assert_eq(sim_at(s, 800000, joint_swap, NULL), SIM_OK);
    cr_assert_eq(sim_at(s, 1200000, leave_joint, NULL), SIM_OK);
    sim_set_observer(s, observe_each_step, NULL);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    bool joint = false;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        joint |= ev[i].kind == SIM_TRACE_CONFIG && ev[i].node == 4 &&
                 strstr(ev[i].text, "| outgoing n1 n2 n3") != NULL;
    cr_assert(joint, "n4 traced the joint configuration");
    const struct sim_trace_event *e = last_config(s, 4, sim_trace_len(s));
    cr_assert_str_eq(e->text, "voters n1 n2 n4 | learners n5");
    sim_free(s);
}

static void transfer(struct sim *s, void *ctx)
{
    uint32_t *target = ctx;
    cr_assert_eq(sim_operator_transfer(s, *target, NULL), SIM_OK);
}

/* The `transfer` events of leader `node`, texts joined by spaces. */
static char *transfer_story(struct sim *s, uint32_t leader, uint32_t target)
{
    GString *t = g_string_new(NULL);
    const struct sim_trace_event *ev = sim_trace_events(s);
    for (size_t i = 0; i < sim_trace_len(s); i++)
        if (ev[i].kind == SIM_TRACE_TRANSFER && ev[i].node == leader) {
            cr_assert_eq(ev[i].peer, target);
            g_string_append_printf(t, "%s%s", t->len ? " " : "", ev[i].text);
        }
    return g_string_free(t, FALSE);
}

/* Thesis §3.10: the leader starts the transfer, sends TimeoutNow once the
 * target is up to date, and the target wins the next election: done, at
 * the instant the target becomes leader. */
Test(trace_config, a_transfer_is_traced_from_its_start_to_done)
{
    struct sim *s = new_cluster(3);
    cr_assert_eq(sim_run_until(s, 500000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint32_t target = leader % 3 + 1;
    cr_assert_eq(sim_at(s, 600000, transfer, &target), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1200000), SIM_OK);
    cr_assert_eq(sim_current_leader(s), target);
    char *story = transfer_story(s, leader, target);
    cr_assert_str_eq(story, "start timeout-now done");
    g_free(story);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t elected = 0, done = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_ROLE && ev[i].node == target &&
            ev[i].role == RAFT_LEADER)
            elected = ev[i].time_us;
        if (ev[i].kind == SIM_TRACE_TRANSFER && !strcmp(ev[i].text, "done"))
            done = ev[i].time_us;
    }
    cr_assert_neq(done, 0);
    cr_assert_eq(done, elected);
    sim_free(s);
}

/* A target cut off from everyone: the leader sends it TimeoutNow at once
 * (an idle cluster: its log already matches), which is lost, and serves
 * again after an election timeout (thesis §3.10): abort, by the leader
 * that still leads. */
Test(trace_config, a_transfer_to_an_unreachable_target_is_traced_as_aborted)
{
    struct sim *s = new_cluster(3);
    cr_assert_eq(sim_run_until(s, 500000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint32_t target = leader % 3 + 1;
    cr_assert_eq(sim_isolate(s, target), SIM_OK);
    cr_assert_eq(sim_at(s, 600000, transfer, &target), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1500000), SIM_OK);
    cr_assert_eq(sim_current_leader(s), leader);
    char *story = transfer_story(s, leader, target);
    cr_assert_str_eq(story, "start timeout-now abort");
    g_free(story);
    sim_free(s);
}

static void add_voter(struct sim *s, void *ctx)
{
    uint32_t *id = ctx;
    struct raft_change c = {.type = RAFT_ADD_VOTER, .id = *id};
    change(s, &c);
}

/* A spare added after the configuration entries were compacted away learns
 * its configuration from the leader's snapshot (thesis §5.1): one `config`
 * event marked `ok`, at the snapshot's index. */
Test(trace_config, a_configuration_installed_with_a_snapshot_is_marked)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.n_voters = 3;
    c.seed = 11;
    c.snapshot_every = 10;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    uint32_t four = 4, five = 5;
    cr_assert_eq(sim_at(s, 400000, add_voter, &four), SIM_OK);
    cr_assert_eq(sim_load(s, 50.0, 1500000, 0), SIM_OK);
    cr_assert_eq(sim_at(s, 1500000, add_voter, &five), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t installed = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_CONFIG || !ev[i].ok)
            continue;
        cr_assert_eq(ev[i].node, 5);
        cr_assert_str_eq(ev[i].text, "voters n1 n2 n3 n4");
        cr_assert_gt(ev[i].index, 0);
        installed++;
    }
    cr_assert_eq(installed, 1);
    assert_traced_configs(s);
    sim_free(s);
}
