/* test_raft_terms.c: terms order everything (§5.1, Figure 2 "Rules for all
 * servers").
 *
 * A message carrying a higher term makes any receiver adopt the term and
 * become follower, whatever the message type; a message or reply of an older
 * term changes nothing. PreVote requests carry the term the sender would
 * campaign in, not one it holds, so they never change the receiver's term.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 11

/* A state-machine snapshot holding index 1, the no-op of term 1. */
static const struct rh_applied noop_snapshot[1] = {
    {.index = 1, .term = 1, .type = RAFT_ENTRY_NOOP, .value = 0}};

static struct raft_message message_of_type(enum raft_message_type type,
                                           uint64_t from,
                                           uint64_t to,
                                           uint64_t term)
{
    struct raft_message m;
    memset(&m, 0, sizeof m);
    m.type = type;
    m.from = from;
    m.to = to;
    m.term = term;
    switch (type) {
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        m.append_entries_result = (struct raft_append_entries_result){
            .success = false, .index = 1, .conflict_index = 1};
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        m.install_snapshot.snapshot =
            (struct raft_snapshot){.last_index = 1,
                                   .last_term = 1,
                                   .data = noop_snapshot,
                                   .len = sizeof noop_snapshot};
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        m.install_snapshot_result.last_index = 1;
        break;
    default:
        break; /* zero fields: a heartbeat, an empty log, a refusal */
    }
    return m;
}

struct step_down_case
{
    enum raft_message_type type;
    enum raft_role role; /* the receiver's role before the message */
};

ParameterizedTestParameters(
    raft_terms,
    higher_term_in_any_message_makes_the_receiver_a_follower_of_that_term)
{
    static struct step_down_case cases[] = {
        {RAFT_MSG_APPEND_ENTRIES, RAFT_LEADER},
        {RAFT_MSG_APPEND_ENTRIES_RESULT, RAFT_LEADER},
        {RAFT_MSG_REQUEST_VOTE, RAFT_LEADER},
        {RAFT_MSG_REQUEST_VOTE_RESULT, RAFT_LEADER},
        {RAFT_MSG_INSTALL_SNAPSHOT, RAFT_LEADER},
        {RAFT_MSG_INSTALL_SNAPSHOT_RESULT, RAFT_LEADER},
        {RAFT_MSG_APPEND_ENTRIES, RAFT_CANDIDATE},
        {RAFT_MSG_APPEND_ENTRIES_RESULT, RAFT_CANDIDATE},
        {RAFT_MSG_REQUEST_VOTE, RAFT_CANDIDATE},
        {RAFT_MSG_REQUEST_VOTE_RESULT, RAFT_CANDIDATE},
        {RAFT_MSG_INSTALL_SNAPSHOT, RAFT_CANDIDATE},
        {RAFT_MSG_INSTALL_SNAPSHOT_RESULT, RAFT_CANDIDATE},
    };
    return cr_make_param_array(struct step_down_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(
    struct step_down_case *p,
    raft_terms,
    higher_term_in_any_message_makes_the_receiver_a_follower_of_that_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    rh_isolate(h, 1);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    if (p->role == RAFT_LEADER) {
        /* Votes from 2 alone make a majority; the no-op reaches 2. */
        rh_heal(h);
        rh_cut(h, 1, 3);
        rh_deliver_all(h);
    }
    rh_drop_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_role(r), p->role);
    cr_assert_eq(raft_term(r), 1);

    struct raft_message m = message_of_type(p->type, 2, 1, 5);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK, "%s",
                 raft_message_type_name(p->type));
    cr_assert_eq(raft_role(r), RAFT_FOLLOWER, "%s to a %s",
                 raft_message_type_name(p->type), raft_role_name(p->role));
    cr_assert_eq(raft_term(r), 5);
    cr_assert_eq(h->nodes[1].disk.term, 5);
    /* Only a leader's message names the leader of the new term. */
    bool from_leader = p->type == RAFT_MSG_APPEND_ENTRIES ||
                       p->type == RAFT_MSG_INSTALL_SNAPSHOT;
    cr_assert_eq(raft_leader(r), from_leader ? 2 : 0);
    /* A candidate's log is as empty as the requester's: the vote is granted.
     * A leader holds its no-op: refused. */
    bool grants = p->type == RAFT_MSG_REQUEST_VOTE && p->role == RAFT_CANDIDATE;
    cr_assert_eq(raft_vote(r), grants ? 2 : 0);
    cr_assert_eq(h->nodes[1].role_changed_at, h->now);
    rh_free(h);
}

Test(raft_terms, pre_vote_request_of_a_higher_term_leaves_the_leader_in_place)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.pre_vote = true;
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    cr_assert_eq(raft_term(r), 1);
    size_t writes = h->nodes[1].disk.hard_state_writes;

    /* Node 2 would campaign in term 2; its log (empty) is behind. */
    struct raft_message m = message_of_type(RAFT_MSG_PRE_VOTE, 2, 1, 2);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    cr_assert_eq(raft_term(r), 1);
    cr_assert_eq(h->nodes[1].disk.hard_state_writes, writes);
    int i = rh_find(h, RAFT_MSG_PRE_VOTE_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    rh_free(h);
}

Test(raft_terms, pre_vote_request_of_a_higher_term_leaves_a_follower_term_alone)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.pre_vote = true;
    struct rh *h = rh_create(3, &c);
    /* A follower that has heard of no leader grants an up-to-date pre-vote
     * without adopting the term or recording a vote. */
    struct raft_message m = message_of_type(RAFT_MSG_PRE_VOTE, 2, 1, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_term(r), 0);
    cr_assert_eq(raft_vote(r), 0);
    cr_assert_eq(h->nodes[1].disk.hard_state_writes, 0);
    int i = rh_find(h, RAFT_MSG_PRE_VOTE_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    cr_assert_eq(rh_msg_at(h, (size_t)i)->m.term, 1);
    rh_free(h);
}

Test(raft_terms, messages_of_an_older_term_are_refused_and_change_nothing)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 3};
    rh_load_log(h, 1, 3, 0, terms, 2);
    rh_start(h);
    struct raft *r = rh_core(h, 1);

    struct raft_message ae = message_of_type(RAFT_MSG_APPEND_ENTRIES, 2, 1, 2);
    ae.append_entries.prev_log_index = 1;
    ae.append_entries.prev_log_term = 1;
    ae.append_entries.leader_commit = 2;
    cr_assert_eq(rh_receive(h, &ae), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->m.append_entries_result.success);
    cr_assert_eq(rh_msg_at(h, (size_t)i)->m.term, 3);
    cr_assert_eq(raft_leader(r), 0);
    cr_assert_eq(raft_commit_index(r), 0);
    cr_assert_eq(raft_last_index(r), 2);

    struct raft_message rv = message_of_type(RAFT_MSG_REQUEST_VOTE, 2, 1, 2);
    rv.request_vote.last_log_index = 9;
    rv.request_vote.last_log_term = 2;
    cr_assert_eq(rh_receive(h, &rv), RAFT_OK);
    i = rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    cr_assert_eq(rh_msg_at(h, (size_t)i)->m.term, 3);
    cr_assert_eq(raft_vote(r), 0);
    cr_assert_eq(raft_term(r), 3);
    rh_free(h);
}

Test(raft_terms, vote_grants_of_an_older_term_are_not_counted)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(5, &c);
    for (uint64_t id = 1; id <= 5; id++) {
        rh_load_log(h, id, 1, 0, NULL, 0);
    }
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_drop_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_term(r), 2);
    for (uint64_t from = 2; from <= 4; from++) {
        struct raft_message m =
            message_of_type(RAFT_MSG_REQUEST_VOTE_RESULT, from, 1, 1);
        m.request_vote_result.granted = true;
        cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    }
    cr_assert_eq(raft_role(r), RAFT_CANDIDATE);
    cr_assert_eq(raft_term(r), 2);

    /* The same grants in the current term elect it. */
    for (uint64_t from = 2; from <= 3; from++) {
        struct raft_message m =
            message_of_type(RAFT_MSG_REQUEST_VOTE_RESULT, from, 1, 2);
        m.request_vote_result.granted = true;
        cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    }
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    rh_free(h);
}

Test(raft_terms, append_results_of_an_older_term_do_not_move_match_index)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    for (uint64_t id = 1; id <= 3; id++) {
        rh_load_log(h, id, 1, 0, NULL, 0);
    }
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    cr_assert_eq(raft_term(r), 2);
    cr_assert_eq(raft_match_index(r, 2), 1);
    for (uint64_t v = 1; v <= 3; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
    }
    rh_drop_all(h);
    cr_assert_eq(raft_last_index(r), 4);

    struct raft_message m =
        message_of_type(RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1, 1);
    m.append_entries_result =
        (struct raft_append_entries_result){.success = true, .index = 4};
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_match_index(r, 2), 1);
    cr_assert_eq(raft_commit_index(r), 1);

    m.term = 2;
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_match_index(r, 2), 4);
    cr_assert_eq(raft_commit_index(r), 4);
    rh_free(h);
}

Test(raft_terms,
     pre_vote_grant_leaves_the_term_but_a_refusal_of_a_higher_term_is_adopted)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.pre_vote = true;
    struct rh *h = rh_create(5, &c);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    /* Pre-candidate: asks for term 1 while staying in term 0, no vote. */
    cr_assert_eq(rh_count(h, RAFT_MSG_PRE_VOTE, 1, 0), 4);
    cr_assert_eq(rh_msg_at(h, 0)->m.term, 1);
    cr_assert_eq(raft_term(r), 0);
    cr_assert_eq(raft_vote(r), 0);
    cr_assert_eq(h->nodes[1].disk.hard_state_writes, 0);
    rh_drop_all(h);

    struct raft_message m = message_of_type(RAFT_MSG_PRE_VOTE_RESULT, 2, 1, 1);
    m.request_vote_result.granted = true;
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_term(r), 0);
    cr_assert_eq(raft_role(r), RAFT_FOLLOWER);

    m = message_of_type(RAFT_MSG_PRE_VOTE_RESULT, 3, 1, 4);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_term(r), 4);
    cr_assert_eq(h->nodes[1].disk.term, 4);

    /* Grants of the abandoned round no longer start an election. */
    for (uint64_t from = 4; from <= 5; from++) {
        m = message_of_type(RAFT_MSG_PRE_VOTE_RESULT, from, 1, 1);
        m.request_vote_result.granted = true;
        cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    }
    cr_assert_eq(raft_term(r), 4);
    cr_assert_eq(raft_role(r), RAFT_FOLLOWER);
    cr_assert_eq(rh_pending(h), 0);
    rh_free(h);
}

/* Node 2 follows leader 1 and has just heard from it; node 3 asks node 2
 * for its vote in term 5 with a log as good as node 2's. */
static struct rh *disruptive_request_vote(bool pre_vote)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.pre_vote = pre_vote;
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, 500);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 1);
    struct raft_message m = message_of_type(RAFT_MSG_REQUEST_VOTE, 3, 2, 5);
    m.request_vote.last_log_index = raft_last_index(rh_core(h, 2));
    m.request_vote.last_log_term = raft_last_term(rh_core(h, 2));
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    return h;
}

Test(raft_terms,
     request_vote_is_ignored_while_the_leader_is_heard_with_pre_vote)
{
    struct rh *h = disruptive_request_vote(true);
    cr_assert_eq(raft_term(rh_core(h, 2)), 1);
    cr_assert_eq(raft_vote(rh_core(h, 2)), 1);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 1);
    cr_assert_eq(rh_count(h, 0, 2, 0), 0);
    rh_free(h);
}

Test(raft_terms, request_vote_deposes_a_heard_leader_without_pre_vote)
{
    struct rh *h = disruptive_request_vote(false);
    cr_assert_eq(raft_term(rh_core(h, 2)), 5);
    cr_assert_eq(raft_vote(rh_core(h, 2)), 3);
    cr_assert_eq(raft_leader(rh_core(h, 2)), 0);
    int i = rh_find(h, RAFT_MSG_REQUEST_VOTE_RESULT, 2, 3);
    cr_assert_geq(i, 0);
    cr_assert(rh_msg_at(h, (size_t)i)->m.request_vote_result.granted);
    rh_free(h);
}

/* A durable image whose log names a term above the durable term record: the
 * host wrote the term record and the log separately and a crash kept only
 * the log. Figure 2: currentTerm is the latest term seen, and an entry of
 * term T reaches the log only after its node adopted T, so the node resumes
 * in T, with no vote (none of its votes in T ever left it unsynced). */
Test(raft_terms,
     restart_resumes_in_the_last_log_term_when_the_term_record_was_lost)
{
    const uint64_t voters[] = {1, 2, 3};
    struct raft_config c = rh_config(CORE_SEED);
    c.id = 2;
    c.voters = voters;
    c.n_voters = 3;
    const uint64_t v = 7;
    struct raft_entry entries[2] = {
        {.term = 1, .type = RAFT_ENTRY_NOOP},
        {.term = 4, .type = RAFT_ENTRY_COMMAND, .data = &v, .len = 8}};
    struct raft_durable_state s = {
        .term = 2, .vote = 3, .entries = entries, .n_entries = 2};
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_OK);
    cr_assert_eq(raft_term(r), 4, "the term of the last durable entry");
    cr_assert_eq(raft_vote(r), 0, "the vote of term 2 does not carry to 4");
    cr_assert_eq(raft_last_index(r), 2);

    /* A candidate of term 4 with an equal log gets the vote. */
    struct raft_message m = message_of_type(RAFT_MSG_REQUEST_VOTE, 1, 2, 4);
    m.request_vote.last_log_index = 2;
    m.request_vote.last_log_term = 4;
    struct raft_update u;
    cr_assert_eq(raft_receive(r, 1, &m, &u), RAFT_OK);
    cr_assert_eq(u.n_messages, 1);
    cr_assert(u.messages[0].request_vote_result.granted);
    cr_assert(u.hard_state_changed && u.term == 4 && u.vote == 1);
    raft_destroy(r);

    /* A term record at or above the log's terms is kept as it is. */
    s.term = 5;
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_OK);
    cr_assert_eq(raft_term(r), 5);
    cr_assert_eq(raft_vote(r), 3);
    raft_destroy(r);
}

/* A follower that knows its leader adopts the higher term a heartbeat of
 * that same leader carries (§5.1): the leader was elected again in a later
 * term while the follower heard nothing of the election (its RequestVote
 * was lost). The heartbeat is still its leader's: it succeeds, re-arms the
 * deadline, and the answer carries the new term, which the disk holds. */
Test(raft_terms, a_heartbeat_of_the_known_leader_in_a_higher_term_raises_the_term)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    struct raft *f = rh_core(h, 2);
    cr_assert_eq(raft_role(f), RAFT_FOLLOWER);
    cr_assert_eq(raft_leader(f), 1);
    cr_assert_eq(raft_term(f), 1);
    uint64_t deadline = h->nodes[2].deadline;

    h->now += 10;
    struct raft_message m = message_of_type(RAFT_MSG_APPEND_ENTRIES, 1, 2, 3);
    m.append_entries.prev_log_index = raft_last_index(f);
    m.append_entries.prev_log_term = raft_last_term(f);
    m.append_entries.leader_commit = raft_commit_index(f);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_term(f), 3);
    cr_assert_eq(raft_leader(f), 1);
    cr_assert_eq(raft_vote(f), 0);
    cr_assert_eq(h->nodes[2].disk.term, 3);
    cr_assert_neq(h->nodes[2].deadline, deadline);
    int i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 2, 1);
    cr_assert_geq(i, 0);
    const struct raft_message *a = &rh_msg_at(h, (size_t)i)->m;
    cr_assert_eq(a->term, 3);
    cr_assert(a->append_entries_result.success);
    rh_free(h);
}
