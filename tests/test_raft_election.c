/* test_raft_election.c: leader election (Figure 2, RequestVote; §5.2, §5.4.1).
 *
 * Every test drives real cores through the harness; votes are read from the
 * replies the cores put on the wire and from their disks.
 */
#include <criterion/criterion.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 7

static struct raft_message request_vote(uint64_t from,
                                        uint64_t to,
                                        uint64_t term,
                                        uint64_t last_index,
                                        uint64_t last_term)
{
    return (struct raft_message){.type = RAFT_MSG_REQUEST_VOTE,
                                 .from = from,
                                 .to = to,
                                 .term = term,
                                 .request_vote = {.last_log_index = last_index,
                                                  .last_log_term = last_term}};
}

/* Takes the only vote reply from `from` to `to` off the wire. */
static struct raft_request_vote_result take_vote_reply(struct rh *h,
                                                       uint64_t from,
                                                       uint64_t to,
                                                       uint64_t *term)
{
    cr_assert_eq(rh_count(h, RAFT_MSG_REQUEST_VOTE_RESULT, from, to), 1);
    struct rh_msg *msg =
        rh_take(h, (size_t)rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, from, to));
    struct raft_request_vote_result r = msg->m.request_vote_result;
    *term = msg->m.term;
    rh_msg_free(msg);
    return r;
}

/* The node whose election timer fires first (ties: lowest id). */
static uint64_t first_to_time_out(const struct rh *h)
{
    uint64_t best = 1;
    for (uint64_t id = 2; id <= h->n; id++) {
        if (h->nodes[id].deadline < h->nodes[best].deadline) {
            best = id;
        }
    }
    return best;
}

Test(raft_election,
     exactly_one_leader_is_elected_and_it_is_the_first_to_time_out)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(5, &c);
    uint64_t first = first_to_time_out(h);
    uint64_t fired_at = h->nodes[first].deadline;
    cr_assert_geq(fired_at, 1000);
    cr_assert_leq(fired_at, 2000);

    rh_run_until(h, 20000);

    cr_assert_eq(rh_count_role(h, RAFT_LEADER), 1);
    cr_assert_eq(rh_count_role(h, RAFT_FOLLOWER), 4);
    cr_assert_eq(h->n_elections, 1);
    cr_assert_eq(h->elections[0].id, first);
    cr_assert_eq(h->elections[0].term, 1);
    cr_assert_eq(h->elections[0].at, fired_at);
    for (uint64_t id = 1; id <= 5; id++) {
        cr_assert_eq(raft_term(rh_core(h, id)), 1);
        cr_assert_eq(raft_leader(rh_core(h, id)), first);
    }
    rh_free(h);
}

Test(raft_election,
     split_vote_is_resolved_in_a_later_term_by_randomized_timeouts)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    rh_isolate(h, 3);
    /* Two candidates in term 1, each voting for itself: neither can win. */
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    rh_deliver_all(h);
    for (uint64_t id = 1; id <= 2; id++) {
        cr_assert_eq(raft_role(rh_core(h, id)), RAFT_CANDIDATE);
        cr_assert_eq(raft_term(rh_core(h, id)), 1);
        cr_assert_eq(raft_vote(rh_core(h, id)), id);
    }
    cr_assert_eq(h->n_elections, 0);

    /* Their next timeouts were drawn independently, so they differ and the
     * earlier one wins term 2 at exactly that time. */
    uint64_t d1 = h->nodes[1].deadline;
    uint64_t d2 = h->nodes[2].deadline;
    cr_assert_neq(d1, d2);
    uint64_t winner = d1 < d2 ? 1 : 2;
    rh_run_until(h, 20000);
    cr_assert_eq(h->n_elections, 1);
    cr_assert_eq(h->elections[0].id, winner);
    cr_assert_eq(h->elections[0].term, 2);
    cr_assert_eq(h->elections[0].at, d1 < d2 ? d1 : d2);
    cr_assert_eq(raft_leader(rh_core(h, 3 - winner)), winner);
    rh_free(h);
}

Test(raft_election, vote_is_granted_once_per_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    uint64_t term = 0;

    struct raft_message m = request_vote(2, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_vote_reply(h, 1, 2, &term).granted);
    cr_assert_eq(term, 1);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 2);

    m = request_vote(3, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_not(take_vote_reply(h, 1, 3, &term).granted);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 2);

    /* The same candidate asking again (a retry) gets the same answer. */
    m = request_vote(2, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_vote_reply(h, 1, 2, &term).granted);

    /* A new term frees the vote. */
    m = request_vote(3, 1, 2, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_vote_reply(h, 1, 3, &term).granted);
    cr_assert_eq(term, 2);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 3);
    rh_free(h);
}

Test(raft_election,
     vote_survives_a_restart_so_no_second_vote_is_cast_in_the_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    uint64_t term = 0;
    struct raft_message m = request_vote(2, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_vote_reply(h, 1, 2, &term).granted);
    cr_assert_eq(h->nodes[1].disk.term, 1);
    cr_assert_eq(h->nodes[1].disk.vote, 2);

    rh_crash(h, 1);
    rh_restart(h, 1);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 2);

    m = request_vote(3, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_not(take_vote_reply(h, 1, 3, &term).granted);
    cr_assert_eq(term, 1);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 2);
    cr_assert_eq(h->nodes[1].disk.vote, 2);
    rh_free(h);
}

/* Node 1 holds terms 1 1 2 and is in term 2; a candidate of term `term`
 * presents (last_index, last_term). Returns whether node 1 granted, after
 * checking that the candidate's term was adopted either way (§5.1). */
static bool vote_for_log(uint64_t term, uint64_t last_index, uint64_t last_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 1, 2};
    rh_load_log(h, 1, 2, 0, terms, 3);
    rh_start(h);
    struct raft_message m = request_vote(2, 1, term, last_index, last_term);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    uint64_t reply_term = 0;
    bool granted = take_vote_reply(h, 1, 2, &reply_term).granted;
    cr_assert_eq(reply_term, term);
    cr_assert_eq(raft_term(rh_core(h, 1)), term);
    cr_assert_eq(raft_vote(rh_core(h, 1)), granted ? 2 : 0);
    cr_assert_eq(h->nodes[1].disk.vote, granted ? 2 : 0);
    cr_assert_eq(raft_last_index(rh_core(h, 1)), 3);
    rh_free(h);
    return granted;
}

/* Figure 2, Followers: only hearing the leader or granting a vote re-arms the
 * election timer. A follower that refuses a stale candidate still adopts its
 * term (§5.1) but keeps its deadline, so repeated stale candidacies cannot
 * keep an up-to-date follower from campaigning. */
Test(raft_election,
     refusing_a_stale_candidate_of_a_higher_term_keeps_the_election_deadline)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 1, 2};
    rh_load_log(h, 1, 2, 0, terms, 3);
    rh_start(h);
    rh_advance_to(h, 500);
    uint64_t deadline = h->nodes[1].deadline;
    cr_assert_geq(deadline, 1000);

    struct raft_message stale = request_vote(2, 1, 5, 3, 1);
    cr_assert_eq(rh_receive(h, &stale), RAFT_OK);
    uint64_t reply_term = 0;
    cr_assert_not(take_vote_reply(h, 1, 2, &reply_term).granted);
    cr_assert_eq(raft_term(rh_core(h, 1)), 5);
    cr_assert_eq(h->nodes[1].deadline, deadline);

    struct raft_message fresh = request_vote(3, 1, 6, 3, 2);
    cr_assert_eq(rh_receive(h, &fresh), RAFT_OK);
    cr_assert(take_vote_reply(h, 1, 3, &reply_term).granted);
    cr_assert_geq(h->nodes[1].deadline, 500 + 1000);
    cr_assert_neq(h->nodes[1].deadline, deadline);
    rh_free(h);
}

Test(raft_election, vote_is_refused_to_a_longer_log_with_a_lower_last_term)
{
    cr_assert_not(vote_for_log(3, 5, 1));
}

Test(raft_election, vote_is_refused_to_a_shorter_log_with_the_same_last_term)
{
    cr_assert_not(vote_for_log(3, 2, 2));
}

Test(raft_election, vote_is_granted_to_an_equal_log)
{
    cr_assert(vote_for_log(3, 3, 2));
}

Test(raft_election, vote_is_granted_to_a_longer_log_with_the_same_last_term)
{
    cr_assert(vote_for_log(3, 4, 2));
}

Test(raft_election, vote_is_granted_to_a_shorter_log_with_a_higher_last_term)
{
    cr_assert(vote_for_log(4, 2, 3));
}

Test(raft_election, candidate_requests_votes_while_its_own_vote_is_written)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    cr_assert_eq(h->nodes[1].disk.term, 1);
    cr_assert_eq(h->nodes[1].disk.vote, 1);
    cr_assert_eq(rh_count(h, RAFT_MSG_REQUEST_VOTE, 1, 0), 2);
    for (size_t i = 0; i < rh_pending(h); i++) {
        cr_assert_not(rh_msg_at(h, i)->sync_before_send,
                      "a RequestVote promises nothing durable");
    }
    /* Thesis §10.2.1 applied to the vote: the requests travel while the
     * term and vote are written, so the election costs one sync. */
    cr_assert_geq(rh_deliver_all(h), 2);
    cr_assert_eq(raft_term(rh_core(h, 2)), 1);
    cr_assert_eq(raft_vote(rh_core(h, 2)), 1);
    rh_free(h);
}

Test(raft_election, candidate_takes_office_only_once_its_own_vote_is_durable)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h); /* the requests, then both grants: a majority
                          even without its own vote */
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_CANDIDATE,
                 "its term and vote are not durable: it must not lead");
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 0), 0);
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 0), 2);
    rh_free(h);
}

Test(raft_election, stale_hard_state_report_does_not_make_a_vote_durable)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    rh_deliver_all(h);
    struct raft_update u;
    struct raft *r = rh_core(h, 1);
    /* The write of term 0 is not the write of the vote in term 1. */
    cr_assert_eq(raft_persisted_hard_state(r, h->now, 0, 0, &u), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_CANDIDATE);
    cr_assert_eq(raft_persisted_hard_state(r, h->now, 1, 2, &u), RAFT_EINVAL,
                 "a vote the core never cast");
    cr_assert_eq(raft_persisted_hard_state(r, h->now, 2, 1, &u), RAFT_EINVAL,
                 "a term the core never reached");
    rh_free(h);
}

/* Node 2 asks node 1 (persistence deferred) for its vote in term 1: node
 * 1 writes the vote and grants it, and the grant leaves only once the vote
 * is durable. Frees h. */
static void grant_waits_for_the_vote(struct rh *h)
{
    struct raft_message m = request_vote(2, 1, 1, 0, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(h->nodes[1].disk.vote, 2);
    int i = rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    cr_assert(rh_msg_at(h, (size_t)i)->sync_before_send,
              "a granted vote leaves only once the vote is durable");
    rh_free(h);
}

Test(raft_election, vote_grant_is_made_durable_before_the_reply_leaves)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    grant_waits_for_the_vote(h);
}

/* The vote is the only thing such a reply promises that may not be durable
 * yet: with the term and the log already durable, the grant still waits for
 * the write of the vote (raft_durable.c, msgs_promise_more). */
Test(raft_election, vote_grant_in_a_term_already_durable_waits_for_the_vote)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    /* A reply of term 1 makes node 1 a follower of term 1, with no vote and
     * no leader; the term is then written and reported. */
    struct raft_message seen = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                                .from = 3,
                                .to = 1,
                                .term = 1};
    cr_assert_eq(rh_receive(h, &seen), RAFT_OK);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 0);
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    grant_waits_for_the_vote(h);
}

Test(raft_election, candidate_with_a_majority_becomes_leader_and_appends_a_noop)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(5, &c);
    rh_isolate(h, 4);
    rh_isolate(h, 5);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(raft_term(rh_core(h, 1)), 1);
    struct raft_entry e;
    cr_assert(raft_entry_at(rh_core(h, 1), 1, &e));
    cr_assert_eq(e.type, RAFT_ENTRY_NOOP);
    cr_assert_eq(e.term, 1);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), 1);
    rh_free(h);
}

Test(raft_election, candidate_without_a_majority_stays_candidate)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(5, &c);
    rh_isolate(h, 3);
    rh_isolate(h, 4);
    rh_isolate(h, 5);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_CANDIDATE);
    cr_assert_eq(raft_vote(rh_core(h, 2)), 1);
    rh_free(h);
}

Test(raft_election, proposal_to_a_non_leader_fails_and_names_the_leader)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    uint64_t index = 99;
    cr_assert_eq(rh_propose(h, 2, 5, &index), RAFT_ENOTLEADER);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 0);
    cr_assert_eq(raft_last_index(rh_core(h, 2)), 0);

    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    cr_assert_eq(rh_propose(h, 1, 5, &index), RAFT_ENOTLEADER);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_CANDIDATE);
    rh_deliver_all(h);

    cr_assert_eq(rh_propose(h, 2, 5, &index), RAFT_ENOTLEADER);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 1);
    cr_assert_eq(rh_propose(h, 3, 5, &index), RAFT_ENOTLEADER);
    cr_assert_eq(raft_leader(rh_core(h, 3)), 1);
    cr_assert_eq(raft_last_index(rh_core(h, 2)), 1);

    cr_assert_eq(rh_propose(h, 1, 5, &index), RAFT_OK);
    cr_assert_eq(index, 2);
    rh_free(h);
}

Test(raft_election, candidate_missing_committed_entries_cannot_win)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t stale[] = {1};
    const uint64_t full[] = {1, 1};
    rh_load_log(h, 1, 1, 0, stale, 1);
    rh_load_log(h, 2, 1, 0, full, 2);
    rh_load_log(h, 3, 1, 0, full, 2);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_CANDIDATE);
    cr_assert_eq(raft_term(rh_core(h, 2)), 2);
    cr_assert_eq(raft_vote(rh_core(h, 2)), 0);
    cr_assert_eq(raft_vote(rh_core(h, 3)), 0);

    /* Either holder of index 2 wins the next term, with node 1's vote. */
    cr_assert_eq(rh_campaign(h, 2), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_LEADER);
    cr_assert_eq(raft_term(rh_core(h, 2)), 3);
    cr_assert_eq(raft_vote(rh_core(h, 1)), 2);
    cr_assert_eq(raft_last_index(rh_core(h, 1)), 3);
    cr_assert_eq(raft_term_at(rh_core(h, 1), 2), 1);
    rh_free(h);
}

/* A deadline is the clock plus an interval; near the end of 64 bits it
 * saturates (never comes) instead of wrapping to a time already past. */
Test(raft_election, a_deadline_past_64_bits_never_comes_instead_of_wrapping)
{
    const uint64_t voters[] = {1, 2, 3};
    struct raft_config c = rh_config(CORE_SEED);
    c.id = 1;
    c.voters = voters;
    c.n_voters = 3;
    const uint64_t start = UINT64_MAX - 500;
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&c, NULL, start, &r), RAFT_OK);
    struct raft_update u;
    cr_assert_eq(raft_tick(r, start, &u), RAFT_OK);
    cr_assert_eq(u.next_deadline, UINT64_MAX);
    cr_assert_eq(raft_tick(r, UINT64_MAX - 1, &u), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_FOLLOWER, "the timer fired early");
    cr_assert_eq(raft_term(r), 0);
    /* A campaign at the end of time: its new deadline saturates too. */
    cr_assert_eq(raft_campaign(r, UINT64_MAX - 1, &u), RAFT_OK);
    cr_assert_eq(u.next_deadline, UINT64_MAX);
    raft_destroy(r);
}
