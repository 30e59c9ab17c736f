/* test_raft_flow.c: timers (§5.2) and the flow control of replication:
 * heartbeat period, election timeout range, the in-flight window and the
 * per-message limits of struct raft_config; and the single-node cluster,
 * whose only majority is its own disk (thesis §10.2.1).
 */
#include <criterion/criterion.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 71

/* Delivers everything that neither comes from nor goes to `away`. */
static void deliver_all_but(struct rh *h, uint64_t away)
{
    for (size_t i = 0; i < rh_pending(h);) {
        const struct raft_message *m = &rh_msg_at(h, i)->m;
        if (m->from == away || m->to == away) {
            i++;
        } else {
            cr_assert_eq(rh_deliver(h, i), RAFT_OK);
            i = 0;
        }
    }
}

Test(raft_timers, leader_sends_a_heartbeat_every_heartbeat_interval)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    rh_advance_to(h, 99);
    cr_assert_eq(rh_pending(h), 0);
    for (uint64_t t = 100; t <= 500; t += 100) {
        rh_advance_to(h, t);
        cr_assert_eq(rh_pending(h), 2, "at %llu", (unsigned long long)t);
        for (size_t i = 0; i < 2; i++) {
            const struct rh_msg *msg = rh_msg_at(h, i);
            cr_assert_eq(msg->m.type, RAFT_MSG_APPEND_ENTRIES);
            cr_assert_eq(msg->m.append_entries.n_entries, 0);
            cr_assert_eq(msg->m.append_entries.leader_commit, 1);
            cr_assert_eq(msg->sent_at, t);
        }
        rh_deliver_all(h);
        rh_advance_to(h, t + 99);
        cr_assert_eq(rh_pending(h), 0);
    }
    rh_free(h);
}

Test(raft_timers,
     follower_timer_is_rearmed_within_the_timeout_range_by_each_heartbeat)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    uint64_t seen[2] = {0, 0};
    bool varied = false;
    for (uint64_t t = 100; t <= 2000; t += 100) {
        rh_advance_to(h, t);
        rh_deliver_all(h);
        for (uint64_t id = 2; id <= 3; id++) {
            uint64_t wait = h->nodes[id].deadline - t;
            cr_assert_geq(wait, 1000, "node %llu at %llu",
                          (unsigned long long)id, (unsigned long long)t);
            cr_assert_leq(wait, 2000);
            varied = varied || (seen[id - 2] != 0 && wait != seen[id - 2]);
            seen[id - 2] = wait;
        }
    }
    /* Twenty draws from [1000, 2000] are not all equal. */
    cr_assert(varied);
    cr_assert_eq(raft_role(rh_core(h, 2)), RAFT_FOLLOWER);
    cr_assert_eq(raft_term(rh_core(h, 2)), 1);
    rh_free(h);
}

Test(raft_timers, follower_that_hears_nothing_campaigns_at_its_deadline)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 1);
    uint64_t d2 = h->nodes[2].deadline;
    uint64_t d3 = h->nodes[3].deadline;
    uint64_t first = d2 < d3 ? 2 : 3;
    uint64_t at = d2 < d3 ? d2 : d3;
    rh_advance_to(h, at - 1);
    cr_assert_eq(raft_role(rh_core(h, first)), RAFT_FOLLOWER);
    rh_advance_to(h, at);
    cr_assert_eq(raft_role(rh_core(h, first)), RAFT_CANDIDATE);
    cr_assert_eq(raft_term(rh_core(h, first)), 2);
    cr_assert_eq(h->nodes[first].role_changed_at, at);
    rh_free(h);
}

Test(raft_flow, leader_keeps_at_most_max_inflight_appends_unacknowledged)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_inflight = 2;
    c.max_entries_per_message = 1;
    struct rh *h = rh_elected(3, &c);
    for (uint64_t v = 1; v <= 5; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        deliver_all_but(h, 2);
    }
    struct raft *leader = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(leader), 6);
    cr_assert_eq(rh_count(h, RAFT_MSG_APPEND_ENTRIES, 1, 2), 2);
    cr_assert_eq(rh_msg_at(h, 0)->m.append_entries.prev_log_index, 1);
    cr_assert_eq(rh_msg_at(h, 1)->m.append_entries.prev_log_index, 2);
    cr_assert_eq(raft_match_index(leader, 2), 1);

    /* Each acknowledgement opens the window again. */
    rh_deliver_all(h);
    cr_assert_eq(raft_match_index(leader, 2), 6);
    cr_assert_eq(raft_last_index(rh_core(h, 2)), 6);
    rh_free(h);
}

/* A window of one: each acknowledgement frees the one append in flight,
 * so the next leaves at once, without waiting for a heartbeat. */
Test(raft_flow, an_acknowledgement_frees_a_window_of_one)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_inflight = 1;
    c.max_entries_per_message = 1;
    struct rh *h = rh_elected(3, &c);
    struct raft *leader = rh_core(h, 1);
    uint64_t last = raft_last_index(leader);
    for (uint64_t v = 1; v <= 3; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
    }
    rh_deliver_all(h);
    cr_assert_eq(raft_match_index(leader, 2), last + 3);
    cr_assert_eq(raft_match_index(leader, 3), last + 3);
    rh_free(h);
}

/* Node 2 misses commands 1..n (indexes 2..n + 1), then catches up through
 * heartbeats. Returns the most entries one AppendEntries carried, after
 * checking every one against the limits. */
static size_t catch_up(size_t max_entries, size_t max_bytes, uint64_t n)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_entries_per_message = max_entries;
    c.max_bytes_per_message = max_bytes;
    struct rh *h = rh_elected(3, &c);
    rh_isolate(h, 2);
    for (uint64_t v = 1; v <= n; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    rh_heal(h);
    size_t most = 0;
    for (int beat = 0;
         beat < 20 && raft_match_index(rh_core(h, 1), 2) < n + 1; beat++) {
        rh_advance_to(h, h->now + 100);
        while (rh_pending(h) > 0) {
            const struct raft_message *m = &rh_msg_at(h, 0)->m;
            if (m->type == RAFT_MSG_APPEND_ENTRIES) {
                size_t bytes = 0;
                for (size_t i = 0; i < m->append_entries.n_entries; i++) {
                    bytes += m->append_entries.entries[i].len;
                }
                if (max_entries > 0) {
                    cr_assert_leq(m->append_entries.n_entries, max_entries);
                }
                if (max_bytes > 0) {
                    cr_assert_leq(bytes, max_bytes);
                }
                if (m->append_entries.n_entries > most) {
                    most = m->append_entries.n_entries;
                }
            }
            cr_assert_eq(rh_deliver(h, 0), RAFT_OK);
        }
    }
    cr_assert_eq(raft_match_index(rh_core(h, 1), 2), n + 1);
    cr_assert(rh_logs_equal(h, 1, 2));
    rh_free(h);
    return most;
}

static size_t catch_up_with_limits(size_t max_entries, size_t max_bytes)
{
    return catch_up(max_entries, max_bytes, 7);
}

Test(raft_flow, appends_carry_at_most_max_entries_per_message)
{
    cr_assert_eq(catch_up_with_limits(3, 0), 3);
    cr_assert_eq(catch_up_with_limits(0, 0), 7);
}

Test(raft_flow, appends_carry_at_most_max_bytes_per_message)
{
    /* Two 8-byte commands fit in 20 bytes, a third does not. */
    cr_assert_eq(catch_up_with_limits(0, 20), 2);
    /* Two fill 16 bytes exactly: a message may be full to the byte. */
    cr_assert_eq(catch_up_with_limits(0, 16), 2);
}

/* A message's entries may need more views than the leader's buffer holds
 * (raft_log_views_room() lets a call render without a plan only within
 * it): 300 missed commands leave in one AppendEntries, not as a
 * heartbeat. */
Test(raft_flow, a_catch_up_larger_than_the_views_buffer_carries_its_entries)
{
    cr_assert_eq(catch_up(0, 0, 300), 300);
}

Test(raft_flow, single_node_commits_once_its_own_write_is_durable)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(1, &c);
    h->nodes[1].persist_deferred = true;
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_CANDIDATE, "its vote is not durable yet");
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    cr_assert_eq(raft_term(r), 1);
    cr_assert_eq(raft_last_index(r), 1);
    cr_assert_eq(raft_commit_index(r), 0);
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 1);

    uint64_t index = 0;
    cr_assert_eq(rh_propose(h, 1, 5, &index), RAFT_OK);
    cr_assert_eq(index, 2);
    cr_assert_eq(raft_commit_index(r), 1);
    cr_assert_eq(h->nodes[1].n_applied, 1);
    cr_assert_eq(rh_persist(h, 1), RAFT_OK);
    cr_assert_eq(raft_commit_index(r), 2);
    cr_assert_eq(h->nodes[1].n_applied, 2);
    cr_assert_eq(h->nodes[1].applied[1].value, 5);
    rh_free(h);
}

Test(raft_flow, single_node_elects_itself_when_its_timer_fires)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(1, &c);
    uint64_t deadline = h->nodes[1].deadline;
    cr_assert_geq(deadline, 1000);
    cr_assert_leq(deadline, 2000);
    rh_advance_to(h, deadline);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(h->n_elections, 1);
    cr_assert_eq(h->elections[0].at, deadline);
    cr_assert_eq(raft_commit_index(rh_core(h, 1)), 1);
    rh_free(h);
}
