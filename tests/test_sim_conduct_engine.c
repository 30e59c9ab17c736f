/* test_sim_conduct_engine.c: the engine hands every step a core takes to
 * the rules of conduct (sim_conduct.h), whatever made the core step: a
 * timer, a received message, or anything else (a proposal, a persistence
 * report). A correct core never breaks a rule, so each test hands the
 * engine's step (sim_node_process_update_at(), sim_internal.h) an update
 * that puts an election off past the maximum timeout and expects the run
 * to fail on election-timer. */
#include <criterion/criterion.h>

#include "sim/sim.h"
#include "sim/sim_internal.h"

/* A follower of a three-node run that has elected a leader. */
static struct sim_node *settled_follower(struct sim *s)
{
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    for (uint32_t id = 1; id <= sim_n_nodes(s); id++)
        if (sim_role(s, id) == RAFT_FOLLOWER && sim_leader_of(s, id) != 0)
            return &s->nodes[id];
    cr_assert_fail("no follower with a known leader at 1 s");
    return NULL;
}

/* Gives a follower's step of the given input to the engine: the node's
 * state unchanged, but its election deadline twice the maximum election
 * timeout away, which the election-timer rule forbids in any step. Returns
 * the property the run failed on, or "none". */
static const char *step_putting_election_off(enum sim_conduct_input input)
{
    struct sim_config c;
    sim_config_init(&c);
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    struct sim_node *nd = settled_follower(s);
    uint64_t now = sim_node_local_now(s, nd);
    struct raft_update u = {
        .term = nd->term,
        .vote = sim_vote(s, nd->id),
        .role = nd->role,
        .leader = nd->leader,
        .commit_index = sim_commit_index(s, nd->id),
        .next_deadline = now + 2 * c.election_timeout_us_max,
    };
    /* A heartbeat from the node's leader, for a receive step. */
    struct raft_message heartbeat = {.type = RAFT_MSG_APPEND_ENTRIES,
                                     .from = nd->leader,
                                     .to = nd->id,
                                     .term = nd->term};
    const struct raft_message *received =
        input == SIM_CONDUCT_RECEIVE ? &heartbeat : NULL;
    sim_node_process_update_at(s, nd, now, &u, input, received);
    const struct sim_failure *f = sim_get_failure(s);
    const char *property =
        f ? sim_property_name(f->violation.property) : "none";
    sim_free(s);
    return property;
}

Test(sim_conduct_engine,
     the_engine_judges_every_step_a_core_takes_by_the_rules_of_conduct)
{
    cr_expect_str_eq(step_putting_election_off(SIM_CONDUCT_TICK),
                     "election-timer", "a timer step went unjudged");
    cr_expect_str_eq(step_putting_election_off(SIM_CONDUCT_RECEIVE),
                     "election-timer", "a receive step went unjudged");
    cr_expect_str_eq(step_putting_election_off(SIM_CONDUCT_OTHER),
                     "election-timer", "a proposal or report went unjudged");
}
