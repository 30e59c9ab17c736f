/* test_raft_replication.c: log replication and commitment (Figure 2,
 * AppendEntries; §5.3, §5.4.2; Figures 7 and 8 of the paper).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 23

static const uint64_t command_value = 77;

static struct raft_message append(uint64_t from,
                                  uint64_t to,
                                  uint64_t term,
                                  uint64_t prev_index,
                                  uint64_t prev_term,
                                  uint64_t leader_commit,
                                  const struct raft_entry *entries,
                                  size_t n)
{
    return (struct raft_message){
        .type = RAFT_MSG_APPEND_ENTRIES,
        .from = from,
        .to = to,
        .term = term,
        .append_entries = {.prev_log_index = prev_index,
                           .prev_log_term = prev_term,
                           .leader_commit = leader_commit,
                           .entries = entries,
                           .n_entries = n}};
}

static struct raft_entry command(uint64_t term)
{
    return (struct raft_entry){.term = term,
                               .type = RAFT_ENTRY_COMMAND,
                               .data = &command_value,
                               .len = sizeof command_value};
}

/* Takes the only AppendEntries reply from `from` to `to` off the wire. */
static struct raft_append_entries_result take_append_reply(struct rh *h,
                                                           uint64_t from,
                                                           uint64_t to)
{
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES_RESULT, from, to), 1);
    struct rh_msg *msg = rh_take(
        h, (size_t)rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, from, to));
    struct raft_append_entries_result r = msg->m.append_entries_result;
    rh_msg_free(msg);
    return r;
}

static void assert_log_terms(struct rh *h,
                             uint64_t id,
                             const uint64_t *terms,
                             size_t n)
{
    struct raft *r = rh_core(h, id);
    cr_assert_eq(raft_last_index(r), n, "node %llu: last index %llu, want %zu",
                 (unsigned long long)id, (unsigned long long)raft_last_index(r),
                 n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(raft_term_at(r, i + 1), terms[i],
                     "node %llu: term at %zu is %llu, want %llu",
                     (unsigned long long)id, i + 1,
                     (unsigned long long)raft_term_at(r, i + 1),
                     (unsigned long long)terms[i]);
    }
}

/* Node 1 is a follower in term 2 holding terms 1 1 2. */
static struct rh *follower_with_log_1_1_2(void)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 1, 2};
    rh_load_log(h, 1, 2, 0, terms, 3);
    rh_start(h);
    return h;
}

Test(raft_replication, append_is_rejected_when_the_prev_index_is_missing)
{
    struct rh *h = follower_with_log_1_1_2();
    struct raft_entry e = command(2);
    struct raft_message m = append(2, 1, 2, 5, 2, 0, &e, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 1, 2);
    cr_assert_not(r.success);
    cr_assert_eq(r.index, 5);
    cr_assert_eq(r.conflict_term, 0);
    cr_assert_eq(r.conflict_index, 4);
    const uint64_t want[] = {1, 1, 2};
    assert_log_terms(h, 1, want, 3);
    cr_assert_eq(raft_leader(rh_core(h, 1)), 2);
    rh_free(h);
}

Test(raft_replication, append_is_rejected_when_the_prev_term_differs)
{
    struct rh *h = follower_with_log_1_1_2();
    struct raft_entry e = command(3);
    struct raft_message m = append(2, 1, 3, 3, 3, 0, &e, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 1, 2);
    cr_assert_not(r.success);
    cr_assert_eq(r.index, 3);
    cr_assert_eq(r.conflict_term, 2);
    cr_assert_eq(r.conflict_index, 3);
    /* A rejection truncates nothing. */
    const uint64_t want[] = {1, 1, 2};
    assert_log_terms(h, 1, want, 3);

    m = append(2, 1, 3, 2, 2, 0, &e, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    r = take_append_reply(h, 1, 2);
    cr_assert_not(r.success);
    cr_assert_eq(r.index, 2);
    cr_assert_eq(r.conflict_term, 1);
    cr_assert_eq(r.conflict_index, 1);
    assert_log_terms(h, 1, want, 3);
    rh_free(h);
}

Test(raft_replication, append_is_accepted_when_the_prev_entry_matches)
{
    struct rh *h = follower_with_log_1_1_2();
    struct raft_entry e[2] = {command(2), command(2)};
    struct raft_message m = append(2, 1, 2, 3, 2, 0, e, 2);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 1, 2);
    cr_assert(r.success);
    cr_assert_eq(r.index, 5);
    const uint64_t want[] = {1, 1, 2, 2, 2};
    assert_log_terms(h, 1, want, 5);
    cr_assert_eq(h->nodes[1].disk.n_entries, 5);
    rh_free(h);
}

/* Node 1 is a follower in term 2 whose snapshot covers indexes 1 and 2
 * (last term 1) and whose log holds index 3 of term 2. */
static struct rh *follower_with_snapshot_1_and_log_2(void)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    /* The state machine's image of the two entries (the harness's). */
    static const struct rh_applied image[2] = {
        {.index = 1, .term = 1, .type = RAFT_ENTRY_COMMAND, .value = 1},
        {.index = 2, .term = 1, .type = RAFT_ENTRY_COMMAND, .value = 2}};
    struct raft_entry e = command(2);
    struct raft_durable_state s = {
        .term = 2,
        .snapshot = {.last_index = 2,
                     .last_term = 1,
                     .data = image,
                     .len = sizeof image},
        .entries = &e,
        .n_entries = 1};
    rh_load(h, 1, &s);
    rh_start(h);
    return h;
}

/* Sends node 1, fresh from make(), an AppendEntries of term 3 from node 2
 * after (prev, prev_term), with one entry of term 3 or none, and returns
 * the answer. */
static struct raft_append_entries_result
answer_to(struct rh *(*make)(void), uint64_t prev, uint64_t prev_term, bool one)
{
    struct rh *h = make();
    struct raft_entry e = command(3);
    struct raft_message m = append(2, 1, 3, prev, prev_term, 0, &e, one);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 1, 2);
    rh_free(h);
    return r;
}

/* Figure 2, AppendEntries receiver rule 2: a heartbeat passes or fails the
 * consistency check, with the same backtracking hints, exactly as an
 * AppendEntries carrying entries after the same point (the receiver checks
 * a heartbeat on its own path). Every point of two logs, one of them
 * behind a snapshot (a point below it, at it with either term, after it). */
Test(raft_replication, a_heartbeat_gets_the_verdict_of_an_append_with_entries)
{
    struct rh *(*const makes[])(void) = {follower_with_log_1_1_2,
                                         follower_with_snapshot_1_and_log_2};
    for (size_t k = 0; k < 2; k++) {
        for (uint64_t prev = 0; prev <= 5; prev++) {
            for (uint64_t t = prev == 0 ? 0 : 1; t <= (prev == 0 ? 0 : 3);
                 t++) {
                struct raft_append_entries_result hb =
                    answer_to(makes[k], prev, t, false);
                struct raft_append_entries_result ae =
                    answer_to(makes[k], prev, t, true);
                cr_assert_eq(hb.success, ae.success,
                             "log %zu, prev (%llu, %llu)", k,
                             (unsigned long long)prev, (unsigned long long)t);
                if (hb.success) {
                    cr_assert_eq(hb.index, prev);
                    cr_assert_eq(ae.index, prev + 1);
                    continue;
                }
                cr_assert_eq(hb.index, ae.index);
                cr_assert_eq(hb.conflict_term, ae.conflict_term,
                             "log %zu, prev (%llu, %llu)", k,
                             (unsigned long long)prev, (unsigned long long)t);
                cr_assert_eq(hb.conflict_index, ae.conflict_index,
                             "log %zu, prev (%llu, %llu)", k,
                             (unsigned long long)prev, (unsigned long long)t);
            }
        }
    }
}

Test(raft_replication, append_truncates_from_the_first_conflicting_entry_only)
{
    struct rh *h = follower_with_log_1_1_2();
    struct raft_entry e[3] = {command(1), command(3), command(3)};
    struct raft_message m = append(2, 1, 3, 1, 1, 0, e, 3);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 1, 2);
    cr_assert(r.success);
    cr_assert_eq(r.index, 4);
    const uint64_t want[] = {1, 1, 3, 3};
    assert_log_terms(h, 1, want, 4);
    rh_free(h);
}

/* The core hands out the entries a call wrote again, without rendering
 * them anew, when a later call applies them (raft_log.h, kept views); a
 * truncation must drop those views. Node 1 writes indexes 1 and 2 of term
 * 1 and applies index 1; a leader of term 2 replaces index 2 and commits
 * it in one message: node 1 applies the entry of term 2. (The harness also
 * checks every view of every update against raft_entry_at().) */
Test(raft_replication, an_entry_applied_after_a_truncation_is_the_new_one)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    rh_start(h);
    struct raft_entry old[2] = {command(1), command(1)};
    struct raft_message m = append(2, 1, 1, 0, 0, 1, old, 2);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_append_reply(h, 1, 2).success);
    cr_assert_eq(h->nodes[1].n_applied, 1);

    struct raft_entry replacement = command(2);
    m = append(3, 1, 2, 1, 1, 2, &replacement, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_append_reply(h, 1, 3).success);
    const uint64_t want[] = {1, 2};
    assert_log_terms(h, 1, want, 2);
    cr_assert_eq(h->nodes[1].n_applied, 2);
    cr_assert_eq(h->nodes[1].applied[1].index, 2);
    cr_assert_eq(h->nodes[1].applied[1].term, 2);
    rh_free(h);
}

/* ---- Figure 7 ---------------------------------------------------------- */

struct figure7_case
{
    char name[4];
    uint64_t terms[12];
    size_t n;
};

static const uint64_t figure7_leader[10] = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

ParameterizedTestParameters(
    raft_replication,
    leader_of_term_8_repairs_each_figure_7_follower_to_its_own_log)
{
    static struct figure7_case cases[] = {
        {"(a)", {1, 1, 1, 4, 4, 5, 5, 6, 6}, 9},
        {"(b)", {1, 1, 1, 4}, 4},
        {"(c)", {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, 11},
        {"(d)", {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, 12},
        {"(e)", {1, 1, 1, 4, 4, 4, 4}, 7},
        {"(f)", {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, 11},
    };
    return cr_make_param_array(struct figure7_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(
    struct figure7_case *p,
    raft_replication,
    leader_of_term_8_repairs_each_figure_7_follower_to_its_own_log)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    /* Node 1 leads; node 3 holds the leader's log and gives the second vote
     * (follower (d) refuses: its log ends in term 7). */
    rh_load_log(h, 1, 7, 0, figure7_leader, 10);
    rh_load_log(h, 2, p->terms[p->n - 1], 0, p->terms, p->n);
    rh_load_log(h, 3, 6, 0, figure7_leader, 10);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_run_until(h, 500);

    struct raft *leader = rh_core(h, 1);
    cr_assert_eq(raft_role(leader), RAFT_LEADER, "%s", p->name);
    cr_assert_eq(raft_term(leader), 8);
    const uint64_t want[11] = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8};
    struct raft_entry noop;
    cr_assert(raft_entry_at(leader, 11, &noop));
    cr_assert_eq(noop.type, RAFT_ENTRY_NOOP);
    for (uint64_t id = 1; id <= 3; id++) {
        assert_log_terms(h, id, want, 11);
        cr_assert_eq(h->nodes[id].disk.n_entries, 11, "%s", p->name);
        cr_assert_eq(raft_commit_index(rh_core(h, id)), 11, "%s node %llu",
                     p->name, (unsigned long long)id);
        cr_assert_eq(h->nodes[id].n_applied, 11);
    }
    cr_assert_eq(raft_match_index(leader, 2), 11);
    cr_assert_eq(raft_next_index(leader, 2), 12);
    cr_assert_eq(memcmp(h->nodes[1].applied, h->nodes[2].applied,
                        11 * sizeof(struct rh_applied)),
                 0, "%s", p->name);
    rh_free(h);
}

/* ---- stale, duplicated and reordered messages -----------------------------
 */

/* A 3-node cluster whose leader 1 (term 1) has replicated a no-op and three
 * commands (values 1..3) everywhere. */
static struct rh *cluster_with_four_entries(void)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    for (uint64_t v = 1; v <= 3; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    rh_run_until(h, 100);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), 4);
    cr_assert_eq(raft_match_index(rh_core(h, 1), 2), 4);
    cr_assert_eq(raft_last_index(rh_core(h, 2)), 4);
    return h;
}

Test(raft_replication, stale_append_does_not_truncate_matching_entries)
{
    struct rh *h = cluster_with_four_entries();
    /* The first replication of index 2, delivered again long after. */
    struct raft_entry e2;
    cr_assert(raft_entry_at(rh_core(h, 1), 2, &e2));
    struct raft_entry copy = e2;
    struct raft_message m = append(1, 2, 1, 1, 1, 0, &copy, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result r = take_append_reply(h, 2, 1);
    cr_assert(r.success);
    cr_assert_eq(r.index, 2);
    const uint64_t want[] = {1, 1, 1, 1};
    assert_log_terms(h, 2, want, 4);
    cr_assert_eq(raft_commit_index(rh_core(h, 2)), 4);
    cr_assert_eq(h->nodes[2].n_applied, 4);
    rh_free(h);
}

Test(raft_replication,
     stale_append_results_do_not_move_match_or_next_index_back)
{
    struct rh *h = cluster_with_four_entries();
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_next_index(r, 2), 5);
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES_RESULT,
        .from = 2,
        .to = 1,
        .term = 1,
        .append_entries_result = {.success = true, .index = 2}};
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_match_index(r, 2), 4);
    cr_assert_eq(raft_next_index(r, 2), 5);

    /* A rejection of prev index 1, sent before index 1 was verified. */
    m.append_entries_result = (struct raft_append_entries_result){
        .success = false, .index = 1, .conflict_term = 0, .conflict_index = 1};
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_match_index(r, 2), 4);
    cr_assert_eq(raft_next_index(r, 2), 5);
    cr_assert_eq(raft_commit_index(r), 4);
    rh_free(h);
}

Test(raft_replication,
     duplicated_appends_and_results_change_nothing_the_second_time)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(rh_propose(h, 1, 9, NULL), RAFT_OK);
    /* Every message of the replication round is delivered twice. */
    for (size_t wave = 0; wave < 6 && rh_pending(h) > 0; wave++) {
        size_t n = rh_pending(h);
        for (size_t i = 0; i < n; i++) {
            rh_duplicate(h, i);
        }
        for (size_t i = 0; i < 2 * n; i++) {
            cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
        }
    }
    cr_assert_eq(rh_pending(h), 0);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(r), 2);
    for (uint64_t id = 2; id <= 3; id++) {
        cr_assert_eq(raft_match_index(r, id), 2);
        cr_assert_eq(raft_next_index(r, id), 3);
        cr_assert_eq(raft_last_index(rh_core(h, id)), 2);
        cr_assert_eq(h->nodes[id].disk.n_entries, 2);
    }
    cr_assert_eq(h->nodes[1].n_applied, 2);
    cr_assert_eq(h->nodes[1].applied[1].value, 9);
    rh_free(h);
}

/* A small generator owned by the test, so the schedule is fixed. */
static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

Test(raft_replication,
     reordered_duplicated_and_lost_messages_never_move_match_index_back)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.election_timeout_min = 1000000;
    c.election_timeout_max = 1000000;
    c.max_entries_per_message = 2;
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    struct raft *leader = rh_core(h, 1);
    cr_assert_eq(raft_role(leader), RAFT_LEADER);

    uint64_t seed = 12345;
    uint64_t match[4] = {0, 0, 1, 1};
    uint64_t commit = raft_commit_index(leader);
    uint64_t value = 100;
    for (int step = 0; step < 2000; step++) {
        uint64_t roll = next_random(&seed) % 100;
        if (roll < 10) {
            cr_assert_eq(rh_propose(h, 1, value++, NULL), RAFT_OK);
        } else if (roll < 15) {
            rh_advance_to(h, h->now + 50);
        } else if (rh_pending(h) > 0) {
            size_t i = (size_t)(next_random(&seed) % rh_pending(h));
            if (roll < 25) {
                rh_duplicate(h, i);
            } else if (roll < 30) {
                rh_drop(h, i);
            } else {
                cr_assert_eq(rh_deliver(h, i), RAFT_OK);
            }
        }
        cr_assert_eq(raft_role(leader), RAFT_LEADER);
        for (uint64_t id = 2; id <= 3; id++) {
            uint64_t now_match = raft_match_index(leader, id);
            cr_assert_geq(now_match, match[id], "step %d: match of %llu fell",
                          step, (unsigned long long)id);
            cr_assert_gt(raft_next_index(leader, id), now_match);
            match[id] = now_match;
            /* What the leader counts as matched stays on the follower. */
            struct raft *f = rh_core(h, id);
            cr_assert_geq(raft_last_index(f), match[id]);
            for (uint64_t i = 1; i <= match[id]; i++) {
                cr_assert_eq(raft_term_at(f, i), raft_term_at(leader, i),
                             "step %d: node %llu index %llu", step,
                             (unsigned long long)id, (unsigned long long)i);
            }
            cr_assert_not(h->nodes[id].commit_decreased);
        }
        cr_assert_geq(raft_commit_index(leader), commit);
        commit = raft_commit_index(leader);
    }
    /* Once the network behaves, everyone converges. */
    rh_run_until(h, h->now + 1000);
    cr_assert_eq(raft_commit_index(leader), raft_last_index(leader));
    cr_assert_gt(raft_last_index(leader), 100);
    for (uint64_t id = 2; id <= 3; id++) {
        cr_assert(rh_logs_equal(h, 1, id));
        cr_assert_eq(raft_match_index(leader, id), raft_last_index(leader));
        cr_assert_eq(h->nodes[id].n_applied, h->nodes[1].n_applied);
    }
    rh_free(h);
}

/* ---- commitment ---------------------------------------------------------- */

/* Delivers everything, except that an AppendEntries that would place index
 * hold_from or later on its receiver is set aside in *held (transferred to
 * the caller). One its receiver will reject is delivered. */
static void deliver_holding(struct rh *h,
                            uint64_t hold_from,
                            struct rh_msg **held,
                            size_t *n_held)
{
    while (rh_pending(h) > 0) {
        const struct raft_message *m = &rh_msg_at(h, 0)->m;
        const struct raft_append_entries *ae = &m->append_entries;
        if (m->type == RAFT_MSG_APPEND_ENTRIES && ae->n_entries > 0 &&
            ae->prev_log_index + ae->n_entries >= hold_from &&
            raft_term_at(rh_core(h, m->to), ae->prev_log_index) ==
                ae->prev_log_term) {
            held[(*n_held)++] = rh_take(h, 0);
        } else if (h->cut[m->from][m->to]) {
            rh_drop(h, 0);
        } else {
            cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
        }
    }
}

/* Figure 8 (c) then (e), built from durable states: S1 is re-elected in term
 * 4 holding index 2 of term 2, which only S2 also had; S5 holds a conflicting
 * index 2 of term 3. */
Test(raft_replication,
     entry_of_an_earlier_term_is_not_committed_by_counting_replicas)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_entries_per_message = 1;
    struct rh *h = rh_new(5, &c);
    const uint64_t s1[] = {1, 2};
    const uint64_t s2[] = {1};
    const uint64_t s5[] = {1, 3};
    rh_load_log(h, 1, 3, 0, s1, 2);
    rh_load_log(h, 2, 3, 0, s2, 1);
    rh_load_log(h, 3, 3, 0, s2, 1);
    rh_load_log(h, 4, 3, 0, s2, 1);
    rh_load_log(h, 5, 3, 0, s5, 2);
    rh_start(h);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    struct rh_msg *held[64];
    size_t n_held = 0;
    /* S4 and S5 take part in the vote only. */
    while (raft_role(rh_core(h, 1)) != RAFT_LEADER) {
        cr_assert_gt(rh_pending(h), 0);
        cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
    }
    rh_isolate(h, 4);
    rh_isolate(h, 5);
    struct raft *s1r = rh_core(h, 1);
    cr_assert_eq(raft_term(s1r), 4);
    cr_assert_eq(raft_term_at(s1r, 3), 4);

    /* Index 2 (term 2) reaches S2 and S3: a majority holds it... */
    deliver_holding(h, 3, held, &n_held);
    cr_assert_eq(raft_match_index(s1r, 2), 2);
    cr_assert_eq(raft_match_index(s1r, 3), 2);
    cr_assert_eq(raft_term_at(rh_core(h, 2), 2), 2);
    cr_assert_eq(raft_term_at(rh_core(h, 3), 2), 2);
    /* ...yet it is not committed: S5 could still be elected and replace it. */
    cr_assert_eq(raft_commit_index(s1r), 0);
    cr_assert_eq(h->nodes[1].n_applied, 0);

    /* Once the term-4 entry is on a majority, both commit. */
    cr_assert_gt(n_held, 0);
    for (size_t i = 0; i < n_held; i++) {
        if (!h->cut[held[i]->m.from][held[i]->m.to]) {
            cr_assert_eq(rh_receive(h, &held[i]->m), RAFT_OK);
        }
        rh_msg_free(held[i]);
    }
    rh_deliver_all(h);
    cr_assert_eq(raft_commit_index(s1r), 3);
    cr_assert_eq(h->nodes[1].n_applied, 3);
    cr_assert_eq(h->nodes[1].applied[1].term, 2);
    cr_assert_eq(h->nodes[1].applied[2].type, RAFT_ENTRY_NOOP);
    rh_free(h);
}

Test(raft_replication, follower_commits_no_further_than_the_append_verified)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    /* Node 1 holds five entries of term 1; the leader of term 2 holds
     * 1 1 1 2: the follower's indexes 4 and 5 are not the leader's. */
    const uint64_t terms[] = {1, 1, 1, 1, 1};
    rh_load_log(h, 1, 1, 0, terms, 5);
    rh_start(h);
    struct raft *r = rh_core(h, 1);

    struct raft_message m = append(2, 1, 2, 3, 1, 4, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_append_reply(h, 1, 2).success);
    cr_assert_eq(raft_commit_index(r), 3);
    cr_assert_eq(h->nodes[1].n_applied, 3);

    struct raft_entry e = command(2);
    m = append(2, 1, 2, 3, 1, 4, &e, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_append_reply(h, 1, 2).success);
    cr_assert_eq(raft_commit_index(r), 4);
    cr_assert_eq(raft_last_index(r), 4);
    cr_assert_eq(raft_term_at(r, 4), 2);
    cr_assert_eq(h->nodes[1].n_applied, 4);
    cr_assert_eq(h->nodes[1].applied[3].term, 2);
    rh_free(h);
}

Test(raft_replication, commit_index_never_decreases)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_new(3, &c);
    const uint64_t terms[] = {1, 1, 1, 1};
    rh_load_log(h, 1, 1, 0, terms, 4);
    rh_start(h);
    struct raft *r = rh_core(h, 1);
    struct raft_message m = append(2, 1, 1, 4, 1, 4, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 4);
    rh_drop_all(h);
    /* A stale heartbeat with an older leader_commit. */
    m = append(2, 1, 1, 2, 1, 1, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert(take_append_reply(h, 1, 2).success);
    cr_assert_eq(raft_commit_index(r), 4);
    /* A new leader that knows less. */
    m = append(3, 1, 2, 4, 1, 0, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 4);
    cr_assert_not(h->nodes[1].commit_decreased);
    cr_assert_eq(h->nodes[1].n_applied, 4);
    rh_free(h);
}

Test(raft_replication, leader_counts_itself_only_for_entries_it_has_persisted)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(r), 1);

    /* With node 3 away, node 2 and the leader's own disk make the majority. */
    rh_isolate(h, 3);
    h->nodes[1].persist_deferred = true;
    uint64_t index = 0;
    cr_assert_eq(rh_propose(h, 1, 42, &index), RAFT_OK);
    cr_assert_eq(index, 2);
    rh_deliver_all(h);
    cr_assert_eq(raft_match_index(r, 2), 2, "the leader's append left first");
    cr_assert_eq(raft_commit_index(r), 1);
    cr_assert_eq(h->nodes[1].n_applied, 1);

    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 2);
    cr_assert_eq(h->nodes[1].n_applied, 2);
    cr_assert_eq(h->nodes[1].applied[1].value, 42);
    rh_free(h);
}

/* raft.h: a message's fields that its sender does not set are zero. A
 * success reply carries no conflict hint, even when the reply before it,
 * built in the same place, was a refusal with one (an emitter clears only
 * its type's fields of the union). */
Test(raft_replication, a_success_reply_after_a_refusal_carries_no_conflict_hint)
{
    struct rh *h = follower_with_log_1_1_2();
    struct raft_message m = append(2, 1, 2, 3, 1, 0, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result no = take_append_reply(h, 1, 2);
    cr_assert_not(no.success);
    cr_assert_eq(no.conflict_term, 2);
    cr_assert_eq(no.conflict_index, 3);
    m = append(2, 1, 2, 3, 2, 0, NULL, 0);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    struct raft_append_entries_result yes = take_append_reply(h, 1, 2);
    cr_assert(yes.success);
    cr_assert_eq(yes.index, 3);
    cr_assert_eq(yes.conflict_term, 0);
    cr_assert_eq(yes.conflict_index, 0);
    rh_free(h);
}

/* Hands node `to` the AppendEntries from the leader, then the leader its
 * reply. */
static void exchange(struct rh *h, uint64_t leader, uint64_t to)
{
    int i = rh_find(h, RAFT_MSG_APPEND_ENTRIES, leader, to);
    cr_assert_geq(i, 0);
    cr_assert_eq(rh_deliver(h, (size_t)i), RAFT_OK);
    i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, to, leader);
    cr_assert_geq(i, 0);
    cr_assert_eq(rh_deliver(h, (size_t)i), RAFT_OK);
}

/* §5.3: an entry commits once a majority of the voters hold it, and not a
 * reply sooner: of five, the leader and two followers (the leader finds
 * most replies move no majority past its commit index without sorting the
 * match indexes; the count must agree with the sorted majority). */
Test(raft_replication, a_leader_of_five_commits_on_the_third_copy_not_before)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(5, &c);
    struct raft *r = rh_core(h, 1);
    uint64_t commit = raft_commit_index(r);
    for (uint64_t round = 0; round < 3; round++) {
        uint64_t index = 0;
        cr_assert_eq(rh_propose(h, 1, 42 + round, &index), RAFT_OK);
        cr_assert_eq(index, commit + 1);
        /* The followers answer in a different order each round. */
        uint64_t first = 2 + round, second = 2 + (round + 1) % 4;
        exchange(h, 1, first);
        cr_assert_eq(raft_commit_index(r), commit, "two copies of five");
        exchange(h, 1, second);
        cr_assert_eq(raft_commit_index(r), index, "three copies of five");
        rh_deliver_all(h);
        commit = index;
    }
    rh_free(h);
}

Test(raft_replication, follower_syncs_appended_entries_before_acknowledging)
{
    struct rh *h = follower_with_log_1_1_2();
    h->nodes[1].persist_deferred = true;
    struct raft_entry e = command(2);
    struct raft_message m = append(2, 1, 2, 3, 2, 0, &e, 1);
    cr_assert_eq(rh_receive(h, &m), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert(rh_msg_at(h, (size_t)i)->m.append_entries_result.success);
    cr_assert(rh_msg_at(h, (size_t)i)->sync_before_send);
    rh_free(h);
}

/* Figure 2: a reply promises the term it carries, so it waits for it to be
 * durable (raft_durable.c), also from a call that writes, commits and
 * sends no entries: a heartbeat (raft_finish()'s path for a call that
 * hands out nothing takes it only when no message must wait). */
Test(raft_replication,
     a_heartbeat_of_a_new_term_is_acknowledged_once_it_is_durable)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    h->nodes[1].persist_deferred = true;
    struct raft_message hb = append(2, 1, 1, 0, 0, 0, NULL, 0);
    cr_assert_eq(rh_receive(h, &hb), RAFT_OK);
    int i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert(rh_msg_at(h, (size_t)i)->m.append_entries_result.success);
    cr_assert(rh_msg_at(h, (size_t)i)->sync_before_send,
              "term 1 is not durable yet");
    cr_assert(rh_msg_at(h, (size_t)i)->held);
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    take_append_reply(h, 1, 2);
    /* The term is durable now: the next acknowledgement leaves at once. */
    cr_assert_eq(rh_receive(h, &hb), RAFT_OK);
    i = rh_find(h, RAFT_MSG_APPEND_ENTRIES_RESULT, 1, 2);
    cr_assert_geq(i, 0);
    cr_assert_not(rh_msg_at(h, (size_t)i)->sync_before_send);
    rh_free(h);
}
