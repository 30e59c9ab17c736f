/* test_raft_membership.c: configurations as log entries, learners, joint
 * consensus and single-server changes (thesis chapter 4), on real cores
 * through tests/support/raft_harness.h.
 *
 * Each test is named after the rule it guards; the cluster starts with the
 * bootstrap voters 1..3 (or as the test says) and spares beyond them.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 17

/* n nodes, voters 1..voters, the rest spares; node 1 leads with its no-op
 * committed. */
static struct rh *cluster(size_t n, size_t voters, struct raft_config c)
{
    struct rh *h = rh_new(n, &c);
    rh_set_bootstrap(h, voters);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), raft_last_index(rh_core(h, 1)));
    return h;
}

static bool listed(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

static struct raft_configuration conf_of(struct rh *h, uint64_t id)
{
    struct raft_configuration c;
    raft_get_configuration(rh_core(h, id), &c);
    return c;
}

static int change1(struct rh *h,
                   uint64_t leader,
                   enum raft_change_type type,
                   uint64_t id,
                   uint64_t *index)
{
    struct raft_change ch = {.type = type, .id = id};
    return rh_change(h, leader, &ch, 1, RAFT_TRANSITION_AUTO, index);
}

Test(raft_membership, a_configuration_round_trips_through_its_encoding)
{
    const uint64_t voters[] = {3, 4, 5};
    const uint64_t outgoing[] = {1, 2, 3};
    const uint64_t learners[] = {1, 6};
    struct raft_configuration c = {.voters = voters,
                                   .n_voters = 3,
                                   .outgoing = outgoing,
                                   .n_outgoing = 3,
                                   .learners = learners,
                                   .n_learners = 2,
                                   .auto_leave = true};
    cr_assert(raft_configuration_valid(&c));
    size_t len = raft_configuration_encoded_len(&c);
    unsigned char buf[256];
    cr_assert_leq(len, sizeof buf);
    raft_configuration_encode(&c, buf);
    uint64_t ids[32];
    struct raft_configuration d;
    cr_assert(raft_configuration_decode(buf, len, ids, &d));
    cr_assert_eq(d.n_voters, 3);
    cr_assert_eq(d.n_outgoing, 3);
    cr_assert_eq(d.n_learners, 2);
    cr_assert(d.auto_leave);
    cr_assert_arr_eq(d.voters, voters, sizeof voters);
    cr_assert_arr_eq(d.outgoing, outgoing, sizeof outgoing);
    cr_assert_arr_eq(d.learners, learners, sizeof learners);
    /* Truncated, extended, or with a learner that is also a voter. */
    cr_assert_not(raft_configuration_decode(buf, len - 8, ids, &d));
    cr_assert_not(raft_configuration_decode(buf, len - 1, ids, &d));
    buf[8 * 5] = 4; /* first outgoing id (1) becomes 4: still valid */
    cr_assert(raft_configuration_decode(buf, len, ids, &d));
    buf[8 * 10] = 4; /* a learner (1) becomes voter 4 */
    cr_assert_not(raft_configuration_decode(buf, len, ids, &d));
    struct raft_configuration none = {.voters = voters, .n_voters = 0};
    cr_assert_not(raft_configuration_valid(&none));
}

Test(raft_membership, a_cluster_bootstrapped_as_before_has_every_node_a_voter)
{
    struct rh *h = cluster(3, 3, rh_config(CORE_SEED));
    for (uint64_t id = 1; id <= 3; id++) {
        struct raft_configuration c = conf_of(h, id);
        cr_assert_eq(c.n_voters, 3);
        cr_assert_eq(c.n_outgoing + c.n_learners, 0);
        cr_assert_eq(raft_configuration_index(rh_core(h, id)), 0);
        cr_assert(raft_is_voter(rh_core(h, id)));
    }
    rh_free(h);
}

Test(raft_membership, a_spare_outside_the_configuration_never_campaigns)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(5, &c);
    rh_set_bootstrap(h, 3);
    h->nodes[5].config.n_voters = 0; /* no bootstrap configuration at all */
    rh_start(h);
    rh_run_until(h, 20000);
    cr_assert_neq(rh_leader(h), 0);
    for (uint64_t id = 4; id <= 5; id++) {
        cr_assert_not(raft_is_voter(rh_core(h, id)));
        cr_assert_eq(raft_term(rh_core(h, id)), 0, "spare %llu campaigned",
                     (unsigned long long)id);
        cr_assert_eq(h->nodes[id].role_changed_at, 0);
    }
    /* Once added, it follows the leader it did not know of. */
    uint64_t leader = rh_leader(h);
    rh_run_until(h, h->now + 10);
    uint64_t index;
    cr_assert_eq(change1(h, leader, RAFT_ADD_VOTER, 5, &index), RAFT_OK);
    rh_run_until(h, h->now + 1000);
    cr_assert(raft_is_voter(rh_core(h, 5)));
    cr_assert_eq(raft_commit_index(rh_core(h, 5)), index);
    cr_assert(rh_logs_equal(h, leader, 5));
    rh_free(h);
}

Test(raft_membership, a_configuration_takes_effect_when_appended_not_committed)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    rh_cut(h, 1, 3);
    rh_cut(h, 1, 4);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 4, &index), RAFT_OK);
    /* In effect on the leader at once, and on node 2 once appended. */
    cr_assert_eq(raft_configuration_index(rh_core(h, 1)), index);
    cr_assert(listed(conf_of(h, 1).voters, conf_of(h, 1).n_voters, 4));
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), index);
    /* So it governs its own commitment: 2 of the 4 voters hold it, which
     * would have been a majority of the old 3. */
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), index);
    /* Node 2 campaigns in it: it asks node 4, and 2 and 3 alone do not
     * make it leader. */
    rh_crash(h, 1);
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    cr_assert_eq(rh_count(h, RAFT_MSG_REQUEST_VOTE, 2, 4), 1);
    rh_cut(h, 2, 4);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_CANDIDATE);
    rh_free(h);
}

/* Nodes 1 and 2 append the entry removing node 5; nodes 3..5 then elect
 * node 3, whose log lacks it, and it overwrites theirs. */
static struct rh *truncate_a_removal(void)
{
    struct rh *h = cluster(5, 5, rh_config(CORE_SEED));
    rh_cut(h, 1, 3);
    rh_cut(h, 1, 4);
    rh_cut(h, 1, 5);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 5, &index), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), index);
    cr_assert_eq(conf_of(h, 2).n_voters, 4);
    rh_isolate(h, 1);
    rh_isolate(h, 2);
    cr_assert_eq(rh_campaign(h, 3), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 3)), RAFT_LEADER);
    rh_heal(h);
    rh_run_until(h, h->now + 500);
    return h;
}

Test(raft_membership, a_truncated_configuration_entry_reverts_to_the_one_before)
{
    struct rh *h = truncate_a_removal();
    for (uint64_t id = 1; id <= 2; id++) {
        cr_assert_eq(raft_configuration_index(rh_core(h, id)), 0,
                     "node %llu kept a truncated configuration",
                     (unsigned long long)id);
        cr_assert_eq(conf_of(h, id).n_voters, 5);
        cr_assert(rh_logs_equal(h, 3, id));
    }
    rh_free(h);
}

/* The follower's slots follow the configuration it reverts to, not only
 * its configuration queries: once the entry removing node 5 is truncated,
 * node 2 campaigns among all five voters again. */
Test(raft_membership, a_follower_that_truncates_a_configuration_entry_asks_the_voters_before_it)
{
    struct rh *h = truncate_a_removal();
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), 0);
    rh_crash(h, 3);
    rh_crash(h, 1);
    size_t before = rh_count(h, RAFT_MSG_REQUEST_VOTE, 2, 5);
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    cr_assert_eq(rh_count(h, RAFT_MSG_REQUEST_VOTE, 2, 5), before + 1,
                 "node 2 left out a voter of the configuration in effect");
    rh_free(h);
}

Test(raft_membership, a_change_waits_until_the_leader_committed_an_entry_of_its_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(4, &c);
    rh_set_bootstrap(h, 3);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    /* Votes only: the new leader's no-op is not acknowledged yet. */
    while (rh_find(h, RAFT_MSG_APPEND_ENTRIES, 0, 0) < 0 && rh_pending(h) > 0) {
        rh_deliver(h, 0);
    }
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), raft_last_index(rh_core(h, 1)));
    uint64_t last = raft_last_index(rh_core(h, 1));
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, NULL), RAFT_EBUSY);
    cr_assert_eq(raft_last_index(rh_core(h, 1)), last, "nothing appended");
    rh_deliver_all(h);
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, NULL), RAFT_OK);
    rh_free(h);
}

Test(raft_membership, a_second_change_waits_until_the_first_is_committed)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    uint64_t first;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 4, &first), RAFT_OK);
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 5, NULL), RAFT_EBUSY);
    cr_assert_eq(raft_last_index(rh_core(h, 1)), first);
    rh_run_until(h, h->now + 500);
    cr_assert_geq(raft_commit_index(rh_core(h, 1)), first);
    uint64_t second;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 5, &second), RAFT_OK);
    cr_assert_gt(second, first);
    rh_free(h);
}

Test(raft_membership, requests_that_change_nothing_or_are_malformed_are_refused)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    cr_assert_eq(change1(h, 2, RAFT_ADD_VOTER, 4, NULL), RAFT_ENOTLEADER);
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 2, NULL), RAFT_EINVAL);
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 4, NULL), RAFT_EINVAL);
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 0, NULL), RAFT_EINVAL);
    cr_assert_eq(rh_change(h, 1, NULL, 0, RAFT_TRANSITION_AUTO, NULL),
                 RAFT_EINVAL, "nothing to leave");
    struct raft_change all[] = {
        {RAFT_REMOVE, 1}, {RAFT_REMOVE, 2}, {RAFT_REMOVE, 3}};
    cr_assert_eq(rh_change(h, 1, all, 3, RAFT_TRANSITION_AUTO, NULL),
                 RAFT_EINVAL, "no voter left");
    struct raft_change add = {RAFT_ADD_VOTER, 4};
    cr_assert_eq(rh_change(h, 1, &add, 1, (enum raft_transition)7, NULL),
                 RAFT_EINVAL);
    cr_assert_eq(raft_configuration_index(rh_core(h, 1)), 0);
    rh_free(h);
}

Test(raft_membership, promote_applies_only_to_a_learner)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    cr_assert_eq(change1(h, 1, RAFT_PROMOTE, 4, NULL), RAFT_EINVAL,
                 "a spare is no learner: promoting it is no addition");
    cr_assert_eq(change1(h, 1, RAFT_PROMOTE, 2, NULL), RAFT_EINVAL,
                 "a voter already votes");
    cr_assert_eq(raft_configuration_index(rh_core(h, 1)), 0);
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(change1(h, 1, RAFT_PROMOTE, 4, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert(raft_is_voter(rh_core(h, 4)));
    rh_free(h);
}

Test(raft_membership, demote_applies_only_to_a_voter)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    cr_assert_eq(change1(h, 1, RAFT_DEMOTE, 4, NULL), RAFT_EINVAL,
                 "a spare is no voter: demoting it is no addition");
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(change1(h, 1, RAFT_DEMOTE, 4, NULL), RAFT_EINVAL,
                 "a learner already only learns");
    cr_assert_eq(change1(h, 1, RAFT_DEMOTE, 3, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    struct raft_configuration c = conf_of(h, 1);
    cr_assert_eq(c.n_voters, 2);
    cr_assert(listed(c.learners, c.n_learners, 3));
    rh_free(h);
}

Test(raft_membership, a_learner_receives_the_log_but_never_counts)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    const struct raft_change learners[] = {{RAFT_ADD_LEARNER, 4},
                                           {RAFT_ADD_LEARNER, 5}};
    uint64_t index;
    cr_assert_eq(rh_change(h, 1, learners, 2, RAFT_TRANSITION_AUTO, &index),
                 RAFT_OK);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 0, "no voter changes: no joint");
    rh_run_until(h, h->now + 500);
    struct raft_configuration c = conf_of(h, 4);
    cr_assert(listed(c.learners, c.n_learners, 4));
    cr_assert_not(raft_is_voter(rh_core(h, 4)));
    cr_assert_eq(raft_commit_index(rh_core(h, 4)), index);
    /* With voters 2 and 3 cut off, the leader and the learners are three
     * of five members but one of three voters: nothing commits. */
    rh_cut(h, 1, 2);
    rh_cut(h, 1, 3);
    uint64_t cmd;
    cr_assert_eq(rh_propose(h, 1, 7, &cmd), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_last_index(rh_core(h, 4)), cmd, "the learner has it");
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), cmd);
    rh_free(h);
}

Test(raft_membership, a_learner_never_campaigns)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    uint64_t term = raft_term(rh_core(h, 4));
    rh_isolate(h, 4);
    rh_run_until(h, h->now + 20000);
    cr_assert_eq(raft_term(rh_core(h, 4)), term);
    cr_assert_eq(raft_role(rh_core(h, 4)), RAFT_FOLLOWER);
    rh_free(h);
}

Test(raft_membership, a_learner_catches_up_through_a_snapshot)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    rh_cut(h, 1, 4);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, &index), RAFT_OK);
    uint64_t last = 0;
    for (uint64_t v = 1; v <= 5; v++) {
        cr_assert_eq(rh_propose(h, 1, v, &last), RAFT_OK);
    }
    rh_run_until(h, h->now + 200);
    /* The snapshot covers the configuration entry: only the snapshot can
     * tell node 4 that it is a learner. */
    cr_assert_eq(rh_compact(h, 1, last), RAFT_OK);
    rh_heal(h);
    rh_run_until(h, h->now + 1000);
    cr_assert_gt(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 0);
    cr_assert_eq(raft_commit_index(rh_core(h, 4)), last);
    cr_assert_eq(h->nodes[4].n_applied, last);
    cr_assert(rh_logs_equal(h, 1, 4));
    struct raft_configuration c = conf_of(h, 4);
    cr_assert(listed(c.learners, c.n_learners, 4));
    rh_free(h);
}

Test(raft_membership, a_learner_is_promoted_through_a_configuration_change)
{
    /* A one-voter cluster grows a learner, then promotes it. */
    struct rh *h = cluster(2, 1, rh_config(CORE_SEED));
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 2, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_not(raft_is_voter(rh_core(h, 2)));
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 2, &index), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert(raft_is_voter(rh_core(h, 2)));
    struct raft_configuration c = conf_of(h, 2);
    cr_assert_eq(c.n_voters, 2);
    cr_assert_eq(c.n_learners, 0);
    /* Its acknowledgement is now needed: one of two voters is no
     * majority. */
    rh_cut(h, 1, 2);
    uint64_t cmd;
    cr_assert_eq(rh_propose(h, 1, 9, &cmd), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), cmd);
    rh_heal(h);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), cmd);
    rh_free(h);
}

/* Voters {1, 2, 3} become {1, 4, 5}: two out, two in. */
static const struct raft_change replace_two[] = {
    {RAFT_REMOVE, 2}, {RAFT_REMOVE, 3}, {RAFT_ADD_VOTER, 4}, {RAFT_ADD_VOTER, 5}};

Test(raft_membership, joint_consensus_needs_a_majority_of_the_new_voters)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    rh_cut(h, 1, 4);
    rh_cut(h, 1, 5);
    uint64_t joint;
    cr_assert_eq(rh_change(h, 1, replace_two, 4, RAFT_TRANSITION_AUTO, &joint),
                 RAFT_OK);
    struct raft_configuration c = conf_of(h, 1);
    cr_assert_eq(c.n_outgoing, 3, "more than one voter changes: joint");
    cr_assert_eq(c.n_voters, 3);
    /* The whole old configuration holds it, none of the new one's others. */
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_last_index(rh_core(h, 3)), joint);
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), joint);
    rh_heal(h);
    rh_run_until(h, h->now + 500);
    cr_assert_geq(raft_commit_index(rh_core(h, 1)), joint);
    rh_free(h);
}

Test(raft_membership, joint_consensus_needs_a_majority_of_the_old_voters)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    rh_cut(h, 1, 2);
    rh_cut(h, 1, 3);
    uint64_t joint;
    cr_assert_eq(rh_change(h, 1, replace_two, 4, RAFT_TRANSITION_AUTO, &joint),
                 RAFT_OK);
    /* The whole new configuration holds it, none of the old one's others. */
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_last_index(rh_core(h, 5)), joint);
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), joint);
    rh_heal(h);
    rh_run_until(h, h->now + 500);
    cr_assert_geq(raft_commit_index(rh_core(h, 1)), joint);
    rh_free(h);
}

Test(raft_membership, a_joint_configuration_is_left_automatically_once_committed)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    uint64_t joint;
    cr_assert_eq(rh_change(h, 1, replace_two, 4, RAFT_TRANSITION_AUTO, &joint),
                 RAFT_OK);
    rh_run_until(h, h->now + 1000);
    uint64_t leave = raft_configuration_index(rh_core(h, 1));
    cr_assert_gt(leave, joint, "the leader appended the leaving entry");
    struct raft_configuration c = conf_of(h, 1);
    cr_assert_eq(c.n_outgoing, 0);
    cr_assert_eq(c.n_voters, 3);
    cr_assert(listed(c.voters, 3, 4) && listed(c.voters, 3, 5));
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), leave);
    /* Nodes 2 and 3 are out: nothing reaches them any more, and commits
     * need 4 or 5. */
    rh_cut(h, 1, 4);
    rh_cut(h, 1, 5);
    uint64_t cmd;
    cr_assert_eq(rh_propose(h, 1, 3, &cmd), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_lt(raft_last_index(rh_core(h, 2)), cmd);
    cr_assert_lt(raft_commit_index(rh_core(h, 1)), cmd);
    rh_free(h);
}

Test(raft_membership, an_explicit_joint_configuration_is_left_only_on_request)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    uint64_t joint;
    cr_assert_eq(rh_change(h, 1, replace_two, 4,
                           RAFT_TRANSITION_JOINT_EXPLICIT, &joint),
                 RAFT_OK);
    rh_run_until(h, h->now + 3000);
    cr_assert_eq(raft_configuration_index(rh_core(h, 1)), joint);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), joint);
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 2, NULL), RAFT_EINVAL,
                 "no change while joint");
    uint64_t leave;
    cr_assert_eq(rh_change(h, 1, NULL, 0, RAFT_TRANSITION_AUTO, &leave),
                 RAFT_OK);
    cr_assert_gt(leave, joint);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 0);
    rh_free(h);
}

/* Leader n1 replaces two voters (replace_two, automatic transition) and
 * commits the joint configuration without a tick: the configuration's
 * index. */
static uint64_t commit_joint(struct rh *h)
{
    uint64_t joint;
    cr_assert_eq(rh_change(h, 1, replace_two, 4, RAFT_TRANSITION_AUTO, &joint),
                 RAFT_OK);
    rh_deliver_all(h); /* AppendEntries */
    rh_deliver_all(h); /* their replies */
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), joint);
    return joint;
}

Test(raft_membership, a_change_during_an_automatic_joint_phase_must_wait)
{
    /* The joint configuration is committed and the leader leaves it at its
     * next tick by itself: a change now is early (RAFT_EBUSY), not wrong;
     * in an explicit joint phase only leave-joint helps (RAFT_EINVAL). */
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    commit_joint(h);
    cr_assert_gt(conf_of(h, 1).n_outgoing, 0, "still joint");
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 2, NULL), RAFT_EBUSY);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 0);
    rh_free(h);
}

/* Whether an AppendEntries from `from` to `to` in flight carries the entry
 * at index. */
static bool carries(struct rh *h, uint64_t from, uint64_t to, uint64_t index)
{
    for (size_t i = 0; i < rh_pending(h); i++) {
        const struct raft_message *m = &rh_msg_at(h, i)->m;
        const struct raft_append_entries *ae = &m->append_entries;
        if (m->type == RAFT_MSG_APPEND_ENTRIES && m->from == from &&
            m->to == to && ae->prev_log_index < index &&
            index - ae->prev_log_index <= ae->n_entries) {
            return true;
        }
    }
    return false;
}

/* Thesis §4.3: once the joint configuration is committed the leader
 * appends the new one and replicates it. The tick that appends it sends
 * it too, between heartbeats: waiting for the next heartbeat would keep
 * the cluster joint (and every change refused) that much longer. */
Test(raft_membership,
     a_leader_that_appends_the_entry_leaving_a_joint_configuration_sends_it_at_once)
{
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    /* The idle leader's deadline: its next heartbeat or earlier. */
    uint64_t beat = h->nodes[1].deadline;
    uint64_t joint = commit_joint(h);
    cr_assert_eq(rh_pending(h), 0);
    cr_assert_eq(h->nodes[1].deadline, h->now, "the leader asks to tick now");
    cr_assert_lt(h->now, beat, "no heartbeat is due");
    cr_assert_eq(rh_tick(h, 1), RAFT_OK);
    uint64_t leave = raft_last_index(rh_core(h, 1));
    cr_assert_eq(leave, joint + 1);
    cr_assert_eq(raft_configuration_index(rh_core(h, 1)), leave);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 0);
    cr_assert(carries(h, 1, 4, leave), "the new voter n4 gets it");
    cr_assert(carries(h, 1, 5, leave), "the new voter n5 gets it");
    rh_free(h);
}

Test(raft_membership, a_single_voter_change_skips_the_joint_phase)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 4, &index), RAFT_OK);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 0);
    struct raft_change one = {RAFT_REMOVE, 4};
    rh_run_until(h, h->now + 500);
    /* The same change through the joint phase when asked. */
    cr_assert_eq(rh_change(h, 1, &one, 1, RAFT_TRANSITION_JOINT, &index),
                 RAFT_OK);
    cr_assert_eq(conf_of(h, 1).n_outgoing, 4);
    rh_free(h);
}

Test(raft_membership, an_election_in_a_joint_configuration_needs_both_majorities)
{
    /* Old voters {1, 2, 3}, new voters {3, 4, 5}. */
    const struct raft_change swap[] = {{RAFT_REMOVE, 1},
                                       {RAFT_REMOVE, 2},
                                       {RAFT_ADD_VOTER, 4},
                                       {RAFT_ADD_VOTER, 5}};
    struct rh *h = cluster(5, 3, rh_config(CORE_SEED));
    cr_assert_eq(
        rh_change(h, 1, swap, 4, RAFT_TRANSITION_JOINT_EXPLICIT, NULL),
        RAFT_OK);
    rh_run_until(h, h->now + 500);
    rh_crash(h, 1);
    rh_cut(h, 2, 4);
    rh_cut(h, 2, 5);
    /* Node 2 gets 2 and 3 of the old half but only 3 of the new one. */
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_CANDIDATE);
    rh_heal(h);
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_LEADER);
    rh_free(h);
}

Test(raft_membership, check_quorum_in_a_joint_configuration_needs_both_halves)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.check_quorum = true;
    struct rh *h = cluster(5, 3, c);
    cr_assert_eq(rh_change(h, 1, replace_two, 4,
                           RAFT_TRANSITION_JOINT_EXPLICIT, NULL),
                 RAFT_OK);
    rh_run_until(h, h->now + 500);
    uint64_t cut_at = h->now;
    rh_cut(h, 1, 4);
    rh_cut(h, 1, 5);
    /* The old half {1, 2, 3} still answers; the new half {1, 4, 5} not. */
    rh_run_until(h, cut_at + c.election_timeout_min + 2 * c.heartbeat_interval);
    cr_assert_neq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_gt(h->nodes[1].stepped_down_at, cut_at);
    rh_free(h);
}

/* Thesis §6.2 with etcd-io/raft's reading: a voter that joins counts as
 * heard when it joins, also when it was a member before and was removed,
 * so the leader does not step down at its next check before the returning
 * server could answer; it steps down once that voter stays silent for an
 * election timeout. */
Test(raft_membership, check_quorum_counts_a_voter_added_again_as_heard_when_it_joins)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.check_quorum = true;
    struct rh *h = cluster(4, 3, c);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 4, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 4, &index), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), index);
    /* n1 and n3 are a majority of n1..n3; n4 is long silent. */
    rh_crash(h, 2);
    rh_cut(h, 1, 4);
    rh_run_until(h, h->now + 2 * c.election_timeout_min);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(change1(h, 1, RAFT_ADD_VOTER, 4, NULL), RAFT_OK);
    uint64_t joined = h->now;
    rh_run_until(h, joined + c.election_timeout_min / 2);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER,
                 "n1, n3 and the returning n4 are a majority of n1..n4");
    rh_run_until(h, joined + c.election_timeout_min + 2 * c.heartbeat_interval);
    cr_assert_neq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_gt(h->nodes[1].stepped_down_at, joined);
    rh_free(h);
}

Test(raft_membership, a_removed_leader_steps_down_once_its_removal_commits)
{
    struct rh *h = cluster(3, 3, rh_config(CORE_SEED));
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 1, &index), RAFT_OK);
    /* It leads the cluster it no longer belongs to until the change
     * commits, counting 2 and 3 only (thesis §4.2.2). */
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_not(raft_is_voter(rh_core(h, 1)));
    rh_cut(h, 1, 3);
    rh_run_until(h, h->now + 300);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER,
                 "one of the two remaining voters is no majority");
    rh_heal(h);
    rh_run_until(h, h->now + 300);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), index);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_FOLLOWER);
    uint64_t term = raft_term(rh_core(h, 1));
    rh_isolate(h, 1);
    rh_run_until(h, h->now + 20000);
    cr_assert_eq(raft_term(rh_core(h, 1)), term, "it never campaigns");
    uint64_t leader = rh_leader(h);
    cr_assert(leader == 2 || leader == 3);
    rh_free(h);
}

/* A server removed while cut off never learns of it; when it comes back it
 * times out again and again and must not depose the leader (thesis
 * §4.2.3): PreVote fails on its stale log, and without PreVote the others
 * ignore its RequestVotes while they hear from their leader. */
static void removed_server_does_not_disrupt(bool pre_vote)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.pre_vote = pre_vote;
    c.check_quorum = true;
    struct rh *h = cluster(3, 3, c);
    rh_isolate(h, 3);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 3, &index), RAFT_OK);
    rh_run_until(h, h->now + 300);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), index);
    uint64_t term = raft_term(rh_core(h, 1));
    rh_heal(h);
    rh_run_until(h, h->now + 30000);
    cr_assert_eq(rh_leader(h), 1);
    cr_assert_eq(raft_term(rh_core(h, 1)), term);
    cr_assert_eq(raft_term(rh_core(h, 2)), term);
    cr_assert_eq(h->nodes[1].stepped_down_at, 0);
    rh_free(h);
}

Test(raft_membership, a_removed_server_does_not_disrupt_the_cluster_with_prevote)
{
    removed_server_does_not_disrupt(true);
}

Test(raft_membership, a_removed_server_does_not_disrupt_the_cluster_without_prevote)
{
    removed_server_does_not_disrupt(false);
}

Test(raft_membership, the_configuration_survives_a_restart_from_log_and_snapshot)
{
    struct rh *h = cluster(4, 3, rh_config(CORE_SEED));
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_ADD_LEARNER, 4, &index), RAFT_OK);
    rh_run_until(h, h->now + 500);
    rh_crash(h, 2);
    rh_restart(h, 2);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), index);
    cr_assert_eq(conf_of(h, 2).n_learners, 1);
    /* Compacted past the entry: the snapshot carries the configuration. */
    cr_assert_eq(rh_propose(h, 1, 5, NULL), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(rh_compact(h, 2, raft_commit_index(rh_core(h, 2))), RAFT_OK);
    struct raft_configuration s;
    raft_snapshot_configuration(rh_core(h, 2), &s);
    cr_assert_eq(s.n_learners, 1);
    rh_crash(h, 2);
    rh_restart(h, 2);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), 0);
    struct raft_configuration c = conf_of(h, 2);
    cr_assert_eq(c.n_voters, 3);
    cr_assert_eq(c.n_learners, 1);
    cr_assert_eq(c.learners[0], 4);
    rh_free(h);
}

/* raft_configuration_version() lets a host skip re-reading an unchanged
 * configuration: it must move with every change of what
 * raft_get_configuration() and raft_configuration_index() report (append,
 * truncation, compaction into the snapshot), and stay put otherwise. */
Test(raft_membership, the_configuration_version_moves_with_every_change)
{
    struct rh *h = cluster(5, 5, rh_config(CORE_SEED));
    uint64_t v1 = raft_configuration_version(rh_core(h, 1));
    uint64_t v2 = raft_configuration_version(rh_core(h, 2));
    cr_assert_neq(v1, 0);
    rh_run_until(h, h->now + 1000); /* heartbeats change nothing */
    cr_assert_eq(raft_configuration_version(rh_core(h, 1)), v1);
    cr_assert_eq(raft_configuration_version(rh_core(h, 2)), v2);
    rh_cut(h, 1, 3);
    rh_cut(h, 1, 4);
    rh_cut(h, 1, 5);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 5, &index), RAFT_OK);
    cr_assert_neq(raft_configuration_version(rh_core(h, 1)), v1);
    rh_deliver_all(h);
    uint64_t appended = raft_configuration_version(rh_core(h, 2));
    cr_assert_neq(appended, v2);
    /* Node 3 leads without the entry: node 2's copy is truncated away. */
    rh_isolate(h, 1);
    rh_isolate(h, 2);
    cr_assert_eq(rh_campaign(h, 3), RAFT_OK);
    rh_deliver_all(h);
    rh_heal(h);
    rh_run_until(h, h->now + 500);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), 0);
    uint64_t reverted = raft_configuration_version(rh_core(h, 2));
    cr_assert_neq(reverted, appended);
    /* A committed change compacted into the snapshot: the index it is
     * reported at becomes 0, the configuration stays. */
    cr_assert_eq(change1(h, 3, RAFT_REMOVE, 5, &index), RAFT_OK);
    rh_run_until(h, h->now + 500);
    cr_assert_geq(raft_commit_index(rh_core(h, 2)), index);
    uint64_t committed = raft_configuration_version(rh_core(h, 2));
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), index);
    cr_assert_eq(rh_compact(h, 2, raft_commit_index(rh_core(h, 2))), RAFT_OK);
    cr_assert_eq(raft_configuration_index(rh_core(h, 2)), 0);
    cr_assert_neq(raft_configuration_version(rh_core(h, 2)), committed);
    rh_free(h);
}

/* raft_progress_version() lets a host skip asking for every peer's pair
 * after a call: a member leaving the configuration changes its pair to
 * (0, 0) without any matchIndex or nextIndex being written, and the number
 * must move all the same. Every window is kept full, so the entry that
 * removes n5 is appended but sent to nobody. */
Test(raft_membership, the_progress_version_moves_when_a_member_leaves)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_inflight = 1;
    struct rh *h = cluster(5, 5, c);
    rh_run_until(h, h->now + 1000);
    struct raft *leader = rh_core(h, 1);
    uint64_t idle = raft_progress_version(leader);
    rh_run_until(h, h->now + 1000); /* heartbeats move no pair */
    cr_assert_eq(raft_progress_version(leader), idle);
    rh_isolate(h, 1);
    cr_assert_eq(rh_propose(h, 1, 7, NULL), RAFT_OK); /* fills the windows */
    rh_drop_all(h);
    uint64_t before = raft_progress_version(leader);
    uint64_t match, next;
    raft_peer_indexes(leader, 5, &match, &next);
    cr_assert_neq(next, 0);
    uint64_t index;
    cr_assert_eq(change1(h, 1, RAFT_REMOVE, 5, &index), RAFT_OK);
    cr_assert_eq(rh_pending(h), 0, "the windows were not full");
    raft_peer_indexes(leader, 5, &match, &next);
    cr_assert_eq(match, 0);
    cr_assert_eq(next, 0);
    cr_assert_neq(raft_progress_version(leader), before);
    rh_free(h);
}
