/* test_sim_conduct.c: the per-step election and timing checkers (sim_conduct.h)
 * catch each rule's breach and accept the steps a correct core takes. Times
 * are in microseconds of the node's clock; the timing is the core's default
 * (election timeout 150..300ms, heartbeat 50ms) on five nodes. */
#include <criterion/criterion.h>
#include <inttypes.h>

#include "sim/check/sim_conduct.h"

#define ET_MIN 150000u
#define ET_MAX 300000u
#define HB 50000u

static struct sim_conduct *conduct_new(bool check_quorum)
{
    struct sim_conduct_config c = {
        .n_nodes = 5,
        .election_timeout_min = ET_MIN,
        .election_timeout_max = ET_MAX,
        .heartbeat_interval = HB,
        .pre_vote = true,
        .check_quorum = check_quorum,
    };
    return sim_conduct_new(&c);
}

/* The last violation a step reported. */
static struct sim_violation seen;

/* The configuration every step reports from now on (NULL: all five nodes
 * are voters). */
static const struct raft_configuration *conf_now;

/* One step of node: before and after role and term, what went in, what
 * came out (messages) and the next deadline. */
static bool step(struct sim_conduct *r,
                 uint32_t node,
                 uint64_t now,
                 enum sim_conduct_input input,
                 const struct raft_message *received,
                 enum raft_role before,
                 enum raft_role after,
                 uint64_t term_before,
                 uint64_t term_after,
                 const struct raft_message *sent,
                 size_t n_sent,
                 uint64_t deadline)
{
    struct raft_update u = {
        .role = after,
        .messages = sent,
        .n_messages = n_sent,
        .next_deadline = deadline,
    };
    struct sim_conduct_step st = {
        .node = node,
        .now = now,
        .input = input,
        .received = received,
        .role_before = before,
        .term_before = term_before,
        .update = &u,
        .term_after = term_after,
        .config = conf_now,
    };
    return sim_conduct_on_step(r, &st, &seen);
}

/* step() with the core's configuration version given (the leader's common
 * step passes over its configuration while the version stays the one it
 * was read at). */
static bool step_v(struct sim_conduct *r,
                   uint32_t node,
                   uint64_t now,
                   enum sim_conduct_input input,
                   const struct raft_message *received,
                   enum raft_role before,
                   enum raft_role after,
                   uint64_t term,
                   uint64_t deadline,
                   uint64_t config_version)
{
    struct raft_update u = {.role = after, .next_deadline = deadline};
    struct sim_conduct_step st = {
        .node = node,
        .now = now,
        .input = input,
        .received = received,
        .role_before = before,
        .term_before = term,
        .update = &u,
        .term_after = term,
        .config = conf_now,
        .config_version = config_version,
    };
    return sim_conduct_on_step(r, &st, &seen);
}

static struct raft_message msg(enum raft_message_type type,
                               uint64_t from,
                               uint64_t to,
                               uint64_t term)
{
    struct raft_message m = {.type = type, .from = from, .to = to, .term = term};
    return m;
}

/* A follower of term `term` started at 0 with its first deadline at 200ms. */
static void start_follower(struct sim_conduct *r, uint32_t node, uint64_t term)
{
    cr_assert(step(r, node, 0, SIM_CONDUCT_START, NULL, RAFT_FOLLOWER,
                   RAFT_FOLLOWER, term, term, NULL, 0, 200000));
}

Test(conduct, election_timer_is_not_rearmed_by_an_append_of_an_older_term)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    /* The leader of term 5 is heard at 100ms: the timer may move on. */
    struct raft_message cur = msg(RAFT_MSG_APPEND_ENTRIES, 1, 2, 5);
    cr_assert(step(r, 2, 100000, SIM_CONDUCT_RECEIVE, &cur, RAFT_FOLLOWER,
                   RAFT_FOLLOWER, 5, 5, NULL, 0, 100000 + ET_MAX));
    /* A deposed leader of term 4 is heard at 250ms: the deadline must stay
     * within 300ms of 100ms; 250ms + 200ms is past it. */
    struct raft_message stale = msg(RAFT_MSG_APPEND_ENTRIES, 3, 2, 4);
    cr_assert_not(step(r, 2, 250000, SIM_CONDUCT_RECEIVE, &stale, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 5, 5, NULL, 0, 450000));
    cr_assert_eq(seen.property, SIM_PROP_ELECTION_TIMER);
    cr_assert_eq(seen.nodes[0], 2);
    cr_assert_eq(seen.nodes[1], 3);
    cr_assert_str_eq(sim_property_name(seen.property), "election-timer");
    sim_conduct_free(r);
}

Test(conduct, election_timer_may_be_rearmed_by_a_vote_or_a_due_timeout)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    /* Granting a vote in term 6 at 150ms re-arms the timer. */
    struct raft_message rv = msg(RAFT_MSG_REQUEST_VOTE, 3, 2, 6);
    struct raft_message grant = msg(RAFT_MSG_REQUEST_VOTE_RESULT, 2, 3, 6);
    grant.request_vote_result.granted = true;
    cr_assert(step(r, 2, 150000, SIM_CONDUCT_RECEIVE, &rv, RAFT_FOLLOWER,
                   RAFT_FOLLOWER, 5, 6, &grant, 1, 150000 + ET_MAX));
    /* The timer fires when due: the node pre-campaigns and re-arms it. */
    cr_assert(step(r, 2, 450000, SIM_CONDUCT_TICK, NULL, RAFT_FOLLOWER,
                   RAFT_FOLLOWER, 6, 6, NULL, 0, 450000 + ET_MAX));
    /* An early tick changes nothing, and may not move the deadline. */
    cr_assert_not(step(r, 2, 500000, SIM_CONDUCT_TICK, NULL, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 6, 6, NULL, 0, 500000 + ET_MAX));
    cr_assert_eq(seen.property, SIM_PROP_ELECTION_TIMER);
    sim_conduct_free(r);
}

/* A follower's step that hears its leader bounds the deadline it sets
 * like any other (sim_conduct.c judges it on its common path). */
Test(conduct, election_timer_bounds_the_deadline_after_a_leaders_append)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    struct raft_message ae = msg(RAFT_MSG_APPEND_ENTRIES, 1, 2, 5);
    cr_assert(step_v(r, 2, 100000, SIM_CONDUCT_RECEIVE, &ae, RAFT_FOLLOWER,
                     RAFT_FOLLOWER, 5, 100000 + ET_MAX, 1));
    cr_assert_not(step_v(r, 2, 200000, SIM_CONDUCT_RECEIVE, &ae,
                         RAFT_FOLLOWER, RAFT_FOLLOWER, 5,
                         200000 + ET_MAX + 1, 1));
    cr_assert_eq(seen.property, SIM_PROP_ELECTION_TIMER);
    cr_assert_eq(seen.nodes[0], 2);
    cr_assert_eq(seen.nodes[1], 1);
    sim_conduct_free(r);
}

/* A leader whose configuration stays the one it was read at (its version
 * unchanged) counts every peer it hears between its timer steps. */
Test(conduct, check_quorum_counts_the_peers_heard_under_an_unchanged_configuration)
{
    struct sim_conduct *r = conduct_new(true);
    start_follower(r, 1, 3);
    struct raft_message vote = msg(RAFT_MSG_REQUEST_VOTE_RESULT, 2, 1, 3);
    vote.request_vote_result.granted = true;
    cr_assert(step_v(r, 1, 0, SIM_CONDUCT_RECEIVE, &vote, RAFT_CANDIDATE,
                     RAFT_LEADER, 3, HB, 7));
    struct raft_message ack2 = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1, 3);
    struct raft_message ack3 = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 3, 1, 3);
    cr_assert(step_v(r, 1, 100000, SIM_CONDUCT_RECEIVE, &ack2, RAFT_LEADER,
                     RAFT_LEADER, 3, 150000, 7));
    cr_assert(step_v(r, 1, 100000, SIM_CONDUCT_RECEIVE, &ack3, RAFT_LEADER,
                     RAFT_LEADER, 3, 150000, 7));
    /* Within election timeout min + heartbeat of 100ms: n1, n2, n3. */
    cr_assert(step_v(r, 1, 250000, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                     RAFT_LEADER, 3, 300000, 7));
    /* 250ms after them: n1 alone, and it still leads. */
    cr_assert_not(step_v(r, 1, 350000, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                         RAFT_LEADER, 3, 400000, 7));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    sim_conduct_free(r);
}

/* n1 becomes leader of term 3 at time 0 by the vote of n2. */
static void elect_n1(struct sim_conduct *r)
{
    start_follower(r, 1, 2);
    struct raft_message vote = msg(RAFT_MSG_REQUEST_VOTE_RESULT, 2, 1, 3);
    vote.request_vote_result.granted = true;
    cr_assert(step(r, 1, 0, SIM_CONDUCT_RECEIVE, &vote, RAFT_CANDIDATE,
                   RAFT_LEADER, 3, 3, NULL, 0, HB));
}

Test(conduct, leader_without_quorum_steps_down_within_election_timeout_and_heartbeat)
{
    struct sim_conduct *r = conduct_new(true);
    elect_n1(r);
    /* Only n2 answers, every 50ms: the leader hears 2 of 5 nodes. */
    struct raft_message ack = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1, 3);
    for (uint64_t t = HB; t <= 4 * HB; t += HB) {
        cr_assert(step(r, 1, t, SIM_CONDUCT_RECEIVE, &ack, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, t + HB));
        /* Within 200ms of its start everyone still counts as heard. */
        if (t < ET_MIN + HB)
            cr_assert(step(r, 1, t, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                           RAFT_LEADER, 3, 3, NULL, 0, t + HB));
    }
    /* At 200ms n3..n5 have been silent for the whole bound. */
    cr_assert_not(step(r, 1, ET_MIN + HB, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, ET_MIN + 2 * HB));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    cr_assert_eq(seen.nodes[0], 1);
    cr_assert_str_eq(sim_property_name(seen.property), "check-quorum");
    sim_conduct_free(r);
}

Test(conduct, leader_that_hears_a_majority_or_steps_down_is_not_flagged)
{
    struct sim_conduct *r = conduct_new(true);
    elect_n1(r);
    struct raft_message a2 = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1, 3);
    struct raft_message a3 = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 3, 1, 3);
    for (uint64_t t = HB; t <= 10 * HB; t += HB) {
        cr_assert(step(r, 1, t, SIM_CONDUCT_RECEIVE, &a2, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, t + HB));
        cr_assert(step(r, 1, t, SIM_CONDUCT_RECEIVE, &a3, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, t + HB));
        cr_assert(step(r, 1, t, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, t + HB));
    }
    /* Silence from 500ms on: a step-down at 700ms is in time. */
    cr_assert(step(r, 1, 700000, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                   RAFT_FOLLOWER, 3, 3, NULL, 0, 700000 + ET_MAX));
    /* Without CheckQuorum nothing is demanded of a leader. */
    struct sim_conduct *off = conduct_new(false);
    elect_n1(off);
    cr_assert(step(off, 1, 10 * ET_MAX, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                   RAFT_LEADER, 3, 3, NULL, 0, 10 * ET_MAX + HB));
    sim_conduct_free(off);
    sim_conduct_free(r);
}

/* A leader's steps set no election deadline; the step that deposes it
 * re-arms its timer, and from then on its deadline is bounded from that
 * step like any follower's, whatever it heard or granted as leader. */
Test(conduct, election_timer_of_a_deposed_leader_counts_from_its_step_down)
{
    struct sim_conduct *r = conduct_new(false);
    elect_n1(r);
    struct raft_message ack = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1, 3);
    for (uint64_t t = HB; t <= 4 * HB; t += HB)
        cr_assert(step(r, 1, t, SIM_CONDUCT_RECEIVE, &ack, RAFT_LEADER,
                       RAFT_LEADER, 3, 3, NULL, 0, t + HB));
    struct raft_message ae = msg(RAFT_MSG_APPEND_ENTRIES, 2, 1, 4);
    cr_assert(step(r, 1, 500000, SIM_CONDUCT_RECEIVE, &ae, RAFT_LEADER,
                   RAFT_FOLLOWER, 3, 4, NULL, 0, 500000 + ET_MAX));
    cr_assert_not(step(r, 1, 600000, SIM_CONDUCT_TICK, NULL, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 4, 4, NULL, 0, 500000 + ET_MAX + 1));
    cr_assert_eq(seen.property, SIM_PROP_ELECTION_TIMER);
    /* Deposed on a timer step without a message: bounded from there. */
    struct sim_conduct *q = conduct_new(false);
    elect_n1(q);
    cr_assert_not(step(q, 1, 400000, SIM_CONDUCT_TICK, NULL, RAFT_LEADER,
                       RAFT_FOLLOWER, 3, 3, NULL, 0, 400000 + ET_MAX + 1));
    cr_assert_eq(seen.property, SIM_PROP_ELECTION_TIMER);
    sim_conduct_free(q);
    sim_conduct_free(r);
}

/* One tick of n1, leader of term 3, at t. */
static bool leader_tick(struct sim_conduct *r, uint64_t t)
{
    return step(r, 1, t, SIM_CONDUCT_TICK, NULL, RAFT_LEADER, RAFT_LEADER, 3,
                3, NULL, 0, t + HB);
}

/* n1 leads and hears peer at t. */
static void leader_hears(struct sim_conduct *r, uint64_t peer, uint64_t t)
{
    struct raft_message ack = msg(RAFT_MSG_APPEND_ENTRIES_RESULT, peer, 1, 3);
    cr_assert(step(r, 1, t, SIM_CONDUCT_RECEIVE, &ack, RAFT_LEADER,
                   RAFT_LEADER, 3, 3, NULL, 0, t + HB));
}

/* n1's configuration changes to c at t (a change it appended). */
static void leader_appends_conf(struct sim_conduct *r,
                                const struct raft_configuration *c,
                                uint64_t t)
{
    conf_now = c;
    cr_assert(step(r, 1, t, SIM_CONDUCT_OTHER, NULL, RAFT_LEADER, RAFT_LEADER,
                   3, 3, NULL, 0, t + HB));
}

/* Seed 4161 of the soak campaign: a voter removed and added again by the
 * same leader joins anew and counts as heard from its return, as the core
 * starts a new member's slot; judging it by its silence before the removal
 * flagged a correct leader. A re-added voter that stays silent is still
 * judged once the bound has passed. */
Test(conduct, check_quorum_counts_a_voter_added_again_from_its_return)
{
    static const uint64_t four[] = {1, 2, 3, 4};
    static const uint64_t three[] = {1, 2, 3};
    const struct raft_configuration with_n4 = {.voters = four, .n_voters = 4};
    const struct raft_configuration without_n4 = {.voters = three,
                                                  .n_voters = 3};
    struct sim_conduct *r = conduct_new(true);
    conf_now = &with_n4;
    elect_n1(r);
    leader_appends_conf(r, &without_n4, HB / 2); /* remove n4 */
    /* n2 answers throughout: n1 and n2 are a majority of n1..n3. */
    for (uint64_t t = HB; t < 10 * HB; t += HB) {
        leader_hears(r, 2, t);
        cr_assert(leader_tick(r, t));
    }
    leader_appends_conf(r, &with_n4, 10 * HB); /* add n4 again */
    for (uint64_t t = 10 * HB; t < 10 * HB + ET_MIN + HB; t += HB) {
        leader_hears(r, 2, t);
        cr_assert(leader_tick(r, t), "flagged at %" PRIu64 "us: %s", t,
                  seen.detail);
    }
    /* n4 silent since its return for the whole bound: n1 and n2 are no
     * majority of n1..n4. */
    uint64_t late = 10 * HB + ET_MIN + HB;
    leader_hears(r, 2, late);
    cr_assert_not(leader_tick(r, late));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    conf_now = NULL;
    sim_conduct_free(r);
}

/* Seed 57204 of the soak campaign: removing a voter that answers can leave
 * the voters heard a minority at once; the core checks its quorum once per
 * heartbeat (thesis §6.2), so the new configuration is judged one heartbeat
 * interval after it took effect, and a leader still leading then is
 * flagged. */
Test(conduct, check_quorum_judges_a_new_configuration_after_one_heartbeat)
{
    static const uint64_t without[] = {1, 2, 4, 5};
    const struct raft_configuration no_n3 = {.voters = without,
                                             .n_voters = 4};
    struct sim_conduct *r = conduct_new(true);
    conf_now = NULL;
    elect_n1(r);
    /* n2 and n3 answer; n4 and n5 are silent. */
    for (uint64_t t = HB; t <= 8 * HB; t += HB) {
        leader_hears(r, 2, t);
        leader_hears(r, 3, t);
        cr_assert(leader_tick(r, t));
    }
    uint64_t change = 8 * HB + HB / 5;
    leader_appends_conf(r, &no_n3, change); /* remove n3 */
    cr_assert(leader_tick(r, change), "%s", seen.detail);
    cr_assert(leader_tick(r, 9 * HB), "%s", seen.detail);
    cr_assert_not(leader_tick(r, change + HB));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    conf_now = NULL;
    sim_conduct_free(r);
}

Test(conduct, term_rises_only_by_campaigning_or_from_a_message)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    /* A campaign: candidate of term 6. */
    cr_assert(step(r, 2, 200000, SIM_CONDUCT_TICK, NULL, RAFT_FOLLOWER,
                   RAFT_CANDIDATE, 5, 6, NULL, 0, 200000 + ET_MAX));
    /* A message of term 9 makes it a follower of term 9. */
    struct raft_message ae = msg(RAFT_MSG_APPEND_ENTRIES, 4, 2, 9);
    cr_assert(step(r, 2, 250000, SIM_CONDUCT_RECEIVE, &ae, RAFT_CANDIDATE,
                   RAFT_FOLLOWER, 6, 9, NULL, 0, 250000 + ET_MAX));
    /* A pre-campaign that raises the term while staying follower. */
    cr_assert_not(step(r, 2, 550000, SIM_CONDUCT_TICK, NULL, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 9, 10, NULL, 0, 550000 + ET_MAX));
    cr_assert_eq(seen.property, SIM_PROP_TERM_ORIGIN);
    cr_assert_str_eq(sim_property_name(seen.property), "term-origin");
    sim_conduct_free(r);
}

Test(conduct, term_never_follows_a_prevote_or_falls)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    struct raft_message pv = msg(RAFT_MSG_PRE_VOTE, 3, 2, 7);
    struct raft_message grant = msg(RAFT_MSG_PRE_VOTE_RESULT, 2, 3, 7);
    grant.request_vote_result.granted = true;
    cr_assert_not(step(r, 2, 10000, SIM_CONDUCT_RECEIVE, &pv, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 5, 7, &grant, 1, 200000));
    cr_assert_eq(seen.property, SIM_PROP_TERM_ORIGIN);
    cr_assert_eq(seen.nodes[1], 3);
    cr_assert_not(step(r, 2, 20000, SIM_CONDUCT_OTHER, NULL, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 7, 6, NULL, 0, 200000));
    cr_assert_eq(seen.property, SIM_PROP_TERM_ORIGIN);
    sim_conduct_free(r);
}

Test(conduct, prevote_refusal_is_answered_with_the_voters_term)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 8);
    struct raft_message pv = msg(RAFT_MSG_PRE_VOTE, 3, 2, 6);
    struct raft_message refusal = msg(RAFT_MSG_PRE_VOTE_RESULT, 2, 3, 8);
    cr_assert(step(r, 2, 10000, SIM_CONDUCT_RECEIVE, &pv, RAFT_FOLLOWER,
                   RAFT_FOLLOWER, 8, 8, &refusal, 1, 200000));
    /* A refusal with the proposed term tells the pre-candidate nothing. */
    struct raft_message wrong = msg(RAFT_MSG_PRE_VOTE_RESULT, 2, 3, 6);
    cr_assert_not(step(r, 2, 20000, SIM_CONDUCT_RECEIVE, &pv, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 8, 8, &wrong, 1, 200000));
    cr_assert_eq(seen.property, SIM_PROP_PREVOTE_REPLY);
    /* Silence is no answer. */
    cr_assert_not(step(r, 2, 30000, SIM_CONDUCT_RECEIVE, &pv, RAFT_FOLLOWER,
                       RAFT_FOLLOWER, 8, 8, NULL, 0, 200000));
    cr_assert_eq(seen.property, SIM_PROP_PREVOTE_REPLY);
    cr_assert_eq(seen.nodes[0], 2);
    cr_assert_eq(seen.nodes[1], 3);
    cr_assert_str_eq(sim_property_name(seen.property), "prevote-reply");
    sim_conduct_free(r);
}

/* A follower's quiet START step at `now` (the node's term 5), its deadline
 * an election timeout later, judged by sim_conduct_judge() when `judge`,
 * else by sim_conduct_on_step(). */
static bool quiet_start(struct sim_conduct *r, uint64_t now, bool judge)
{
    struct raft_update u = {.role = RAFT_FOLLOWER,
                            .next_deadline = now + ET_MAX};
    struct sim_conduct_step st = {
        .node = 2,
        .now = now,
        .input = SIM_CONDUCT_START,
        .role_before = RAFT_FOLLOWER,
        .term_before = 5,
        .update = &u,
        .term_after = 5,
    };
    return judge ? sim_conduct_judge(r, &st, &seen)
                 : sim_conduct_on_step(r, &st, &seen);
}

Test(conduct, a_start_step_rearms_the_timer_of_a_node_not_known_to_crash)
{
    struct sim_conduct *r = conduct_new(false);
    start_follower(r, 2, 5);
    /* Started again at 250ms with no crash reported: its timer runs from
     * 250ms, and a deadline at 550ms is within the bound. */
    cr_assert(quiet_start(r, 250000, false));
    sim_conduct_free(r);
}

Test(conduct, the_engines_judge_restarts_a_crashed_node_at_its_start_step)
{
    struct sim_conduct *r = conduct_new(false);
    cr_assert(quiet_start(r, 0, true));
    sim_conduct_on_crash(r, 2);
    cr_assert(quiet_start(r, 250000, true));
    sim_conduct_free(r);
}
