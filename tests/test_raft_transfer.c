/* test_raft_transfer.c: leadership transfer (thesis §3.10) on real cores
 * through tests/support/raft_harness.h: the leader stops accepting
 * proposals, brings the target up to date, sends it TimeoutNow, and the
 * target campaigns at once, even with PreVote on; a transfer that does not
 * finish within an election timeout is abandoned.
 */
#include <criterion/criterion.h>

#include "tests/support/raft_harness.h"

static struct raft_config config(bool pre_vote)
{
    struct raft_config c = rh_config(23);
    c.pre_vote = pre_vote;
    c.check_quorum = pre_vote;
    return c;
}

static struct rh *cluster(bool pre_vote)
{
    struct raft_config c = config(pre_vote);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    return h;
}

Test(raft_transfer, the_leader_refuses_proposals_during_a_transfer)
{
    struct rh *h = cluster(false);
    rh_cut(h, 1, 2);
    cr_assert_eq(rh_transfer(h, 1, 2), RAFT_OK);
    cr_assert_eq(raft_transfer_target(rh_core(h, 1)), 2);
    uint64_t last = raft_last_index(rh_core(h, 1));
    cr_assert_eq(rh_propose(h, 1, 5, NULL), RAFT_EBUSY);
    struct raft_change ch = {RAFT_REMOVE, 3};
    cr_assert_eq(rh_change(h, 1, &ch, 1, RAFT_TRANSITION_AUTO, NULL),
                 RAFT_EBUSY);
    cr_assert_eq(raft_last_index(rh_core(h, 1)), last);
    cr_assert_eq(rh_transfer(h, 1, 3), RAFT_EBUSY, "one transfer at a time");
    rh_free(h);
}

Test(raft_transfer, the_target_gets_timeout_now_only_once_up_to_date)
{
    struct rh *h = cluster(false);
    /* Node 2 misses three entries. */
    rh_cut(h, 1, 2);
    uint64_t last = 0;
    for (uint64_t v = 1; v <= 3; v++) {
        cr_assert_eq(rh_propose(h, 1, v, &last), RAFT_OK);
    }
    rh_run_until(h, h->now + 10);
    cr_assert_lt(raft_last_index(rh_core(h, 2)), last);
    rh_heal(h);
    cr_assert_eq(rh_transfer(h, 1, 2), RAFT_OK);
    cr_assert_eq(rh_count(h, RAFT_MSG_TIMEOUT_NOW, 1, 2), 0);
    /* Step by step: TimeoutNow leaves only after node 2 acknowledged the
     * leader's last entry. */
    for (size_t steps = 0; rh_pending(h) > 0 && steps < 100; steps++) {
        int i = rh_find(h, RAFT_MSG_TIMEOUT_NOW, 1, 2);
        if (i >= 0) {
            cr_assert_eq(raft_match_index(rh_core(h, 1), 2), last);
            rh_deliver(h, (size_t)i);
            break;
        }
        rh_deliver(h, 0);
    }
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_LEADER);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_FOLLOWER);
    cr_assert(rh_election_safety_holds(h));
    rh_free(h);
}

Test(raft_transfer, the_target_campaigns_at_once_even_with_prevote)
{
    struct rh *h = cluster(true);
    rh_run_until(h, h->now + 200);
    uint64_t term = raft_term(rh_core(h, 1));
    cr_assert_eq(rh_transfer(h, 1, 3), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_TIMEOUT_NOW, 1, 3);
    cr_assert_geq(i, 0, "node 3 was up to date: TimeoutNow at once");
    rh_deliver(h, (size_t)i);
    /* No PreVote round, and voters that still hear from node 1 grant it. */
    cr_assert_eq(raft_role(rh_core(h, 3)), RAFT_CANDIDATE);
    cr_assert_eq(raft_term(rh_core(h, 3)), term + 1);
    cr_assert_eq(rh_count(h, RAFT_MSG_PRE_VOTE, 3, 0), 0);
    cr_assert_eq(rh_count(h, RAFT_MSG_REQUEST_VOTE, 3, 0), 2);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 3)), RAFT_LEADER);
    cr_assert_eq(raft_term(rh_core(h, 3)), term + 1);
    rh_free(h);
}

Test(raft_transfer, a_transfer_is_abandoned_after_an_election_timeout)
{
    struct raft_config c = config(false);
    struct rh *h = cluster(false);
    rh_isolate(h, 2);
    uint64_t start = h->now;
    cr_assert_eq(rh_transfer(h, 1, 2), RAFT_OK);
    rh_run_until(h, start + c.election_timeout_min - 1);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_EBUSY);
    rh_run_until(h, start + c.election_timeout_min);
    cr_assert_eq(raft_transfer_target(rh_core(h, 1)), 0);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_OK);
    rh_free(h);
}

Test(raft_transfer, only_a_voter_other_than_the_leader_can_be_the_target)
{
    struct raft_config c = config(false);
    struct rh *h = rh_new(4, &c);
    rh_set_bootstrap(h, 3);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, h->now + 10);
    cr_assert_eq(rh_transfer(h, 1, 1), RAFT_EINVAL);
    cr_assert_eq(rh_transfer(h, 1, 4), RAFT_EINVAL, "not a member");
    cr_assert_eq(rh_transfer(h, 2, 3), RAFT_ENOTLEADER);
    struct raft_change ch = {RAFT_ADD_LEARNER, 4};
    cr_assert_eq(rh_change(h, 1, &ch, 1, RAFT_TRANSITION_AUTO, NULL), RAFT_OK);
    cr_assert_eq(rh_transfer(h, 1, 4), RAFT_EINVAL, "a learner");
    rh_free(h);
}
