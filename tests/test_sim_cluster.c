/* test_sim_cluster.c: end to end through the engine: clusters elect a
 * leader, commit client requests, survive a leader crash; pauses, drift,
 * snapshots, `init` logs and scripted callbacks behave as documented. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"

static struct sim *cluster(uint32_t n, uint64_t seed, bool record)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = n;
    c.seed = seed;
    c.record_events = record;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    return s;
}

static uint32_t count_leaders(struct sim *s)
{
    uint32_t k = 0;
    for (uint32_t i = 1; i <= sim_n_nodes(s); i++)
        k += sim_role(s, i) == RAFT_LEADER;
    return k;
}

static void elects_one_leader(uint32_t n)
{
    struct sim *s = cluster(n, 1, false);
    cr_assert_eq(sim_current_leader(s), 0);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    cr_assert_eq(count_leaders(s), 1);
    for (uint32_t i = 1; i <= n; i++) {
        cr_assert_eq(sim_term(s, i), sim_term(s, leader));
        cr_assert_eq(sim_leader_of(s, i), leader);
    }
    sim_free(s);
}

Test(sim_cluster, three_nodes_elect_one_leader)
{
    elects_one_leader(3);
}

Test(sim_cluster, five_nodes_elect_one_leader)
{
    elects_one_leader(5);
}

Test(sim_cluster, a_single_node_elects_itself)
{
    elects_one_leader(1);
}

static void commits_and_survives_leader_crash(uint32_t n, uint64_t seed)
{
    struct sim *s = cluster(n, seed, false);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint64_t set_x, get_x;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "x", "1", 0, &set_x),
                 SIM_OK);
    cr_assert_eq(sim_run_until(s, 1500000), SIM_OK);
    cr_assert(sim_request_completed(s, set_x));
    cr_assert_eq(sim_client_request(s, SIM_KV_GET, "x", NULL, 0, &get_x),
                 SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    cr_assert(sim_request_completed(s, get_x));
    cr_assert_str_eq(sim_request_result(s, get_x), "1");
    for (uint32_t i = 1; i <= n; i++) {
        cr_assert_str_eq(sim_kv_value(s, i, "x"), "1");
        cr_assert_eq(sim_applied(s, i), 2);
    }

    uint32_t old = sim_current_leader(s);
    cr_assert_eq(sim_crash(s, old), SIM_OK);
    cr_assert_not(sim_alive(s, old));
    uint64_t set_y;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "y", "2", 0, &set_y),
                 SIM_OK);
    cr_assert_eq(sim_run_until(s, 5000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    cr_assert_neq(leader, old);
    cr_assert_gt(sim_term(s, leader), sim_term(s, old));
    cr_assert(sim_request_completed(s, set_y));
    cr_assert_eq(sim_restart(s, old), SIM_OK);
    cr_assert_eq(sim_run_until(s, 7000000), SIM_OK);
    for (uint32_t i = 1; i <= n; i++) {
        cr_assert_str_eq(sim_kv_value(s, i, "y"), "2");
        cr_assert_eq(sim_kv_digest_of(s, i), sim_kv_digest_of(s, leader));
        cr_assert_eq(sim_commit_index(s, i), sim_commit_index(s, leader));
    }
    cr_assert_eq(sim_requests_completed(s), 3);
    cr_assert_eq(sim_requests_completed_op(s, SIM_KV_SET), 2);
    cr_assert_null(sim_get_failure(s));
    struct sim_lin_report r;
    cr_assert_eq(sim_check_linearizable(s, 0, &r), SIM_LIN_OK);
    sim_lin_report_clear(&r);
    sim_free(s);
}

Test(sim_cluster, three_nodes_commit_requests_and_survive_a_leader_crash)
{
    commits_and_survives_leader_crash(3, 2);
}

Test(sim_cluster, five_nodes_commit_requests_and_survive_a_leader_crash)
{
    commits_and_survives_leader_crash(5, 3);
}

Test(sim_cluster, a_redirected_request_reaches_the_leader)
{
    struct sim *s = cluster(3, 4, false);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    uint32_t other = leader == 1 ? 2 : 1;
    uint64_t h;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "k", "v", other, &h),
                 SIM_OK);
    /* Two hops of at most 10 ms, a round of replication and a reply:
     * well under the 500 ms client timeout. */
    cr_assert_eq(sim_run_until(s, 1100000), SIM_OK);
    cr_assert(sim_request_completed(s, h));
    sim_free(s);
}

Test(sim_cluster, the_current_leader_needs_a_connected_majority)
{
    struct sim *s = cluster(5, 5, false);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    cr_assert_eq(sim_isolate(s, leader), SIM_OK);
    /* Still leader by role (no check-quorum), but not the current leader. */
    cr_assert_eq(sim_role(s, leader), RAFT_LEADER);
    cr_assert_eq(sim_current_leader(s), 0);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    uint32_t next = sim_current_leader(s);
    cr_assert_neq(next, 0);
    cr_assert_neq(next, leader);
    sim_heal(s);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    cr_assert_eq(count_leaders(s), 1);
    sim_free(s);
}

Test(sim_cluster, a_paused_node_gets_its_messages_in_order_after_resuming)
{
    struct sim *s = cluster(3, 6, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    uint32_t p = leader == 3 ? 2 : 3;
    cr_assert_eq(sim_pause(s, p, 120000), SIM_OK);
    cr_assert(sim_paused(s, p));
    cr_assert_eq(sim_run_until(s, 1200000), SIM_OK);
    cr_assert_not(sim_paused(s, p));
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t last_id = 0;
    size_t late = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_DELIVER || ev[i].peer != p ||
            ev[i].time_us < 1000000)
            continue;
        cr_assert(ev[i].time_us >= 1120000 || ev[i].time_us < 1000000,
                  "delivered at %llu during the pause",
                  (unsigned long long)ev[i].time_us);
        if (ev[i].time_us == 1120000) {
            /* Held messages arrive in the order they arrived. */
            cr_assert_gt(ev[i].msg_id, last_id);
            last_id = ev[i].msg_id;
            late++;
        }
    }
    cr_assert_geq(late, 2); /* heartbeats every 50 ms */
    cr_assert_eq(sim_role(s, leader), RAFT_LEADER);
    sim_free(s);
}

/* A follower paused while its disk is slow and busy, then the leader
 * crashes: the paused node's writes must all complete after the pause (its
 * held replies and votes leave), so the two survivors elect a leader. */
static void pause_with_slow_disk_then_crash_leader(uint64_t seed)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = seed;
    c.disk_write_us = 0;
    c.disk_sync_us = 50000;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0, "seed %llu: no first leader",
                  (unsigned long long)seed);
    uint32_t p = leader == 3 ? 2 : 3;
    cr_assert_eq(sim_load(s, 200.0, 3000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    cr_assert_eq(sim_pause(s, p, 200000), SIM_OK);
    cr_assert_eq(sim_run_until(s, 3500000), SIM_OK);
    cr_assert_eq(sim_crash(s, leader), SIM_OK);
    cr_assert_eq(sim_run_until(s, 12000000), SIM_OK);

    /* Many writes of the paused node became durable after it resumed. */
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t syncs = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        syncs += ev[i].kind == SIM_TRACE_SYNC && ev[i].node == p &&
                 ev[i].time_us >= 2700000 && ev[i].time_us < 3500000;
    cr_assert_gt(syncs, 5, "seed %llu: %zu syncs after the pause",
                 (unsigned long long)seed, syncs);
    uint32_t now = sim_current_leader(s);
    cr_assert(now != 0 && now != leader, "seed %llu: no new leader",
              (unsigned long long)seed);
    sim_free(s);
}

Test(sim_cluster, pausing_a_node_only_delays_its_disk_writes)
{
    for (uint64_t seed = 1; seed <= 4; seed++)
        pause_with_slow_disk_then_crash_leader(seed);
}

static uint64_t first_election_us(double rate)
{
    struct sim *s = cluster(3, 7, true);
    uint32_t alone[3] = {0, 0, 0};
    sim_partition(s, alone, NULL);
    if (rate != 1.0)
        cr_assert_eq(sim_drift(s, 1, (uint64_t)(rate * 1e6)), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t t = 0;
    for (size_t i = 0; i < sim_trace_len(s) && !t; i++)
        if (ev[i].kind == SIM_TRACE_TERM && ev[i].node == 1)
            t = ev[i].time_us;
    sim_free(s);
    return t;
}

Test(sim_cluster, a_drifting_clock_scales_the_node_timeouts)
{
    uint64_t normal = first_election_us(1.0);
    uint64_t fast = first_election_us(2.0);
    uint64_t slow = first_election_us(0.5);
    cr_assert_geq(normal, 150000);
    cr_assert_leq(normal, 300000);
    cr_assert(fast == (normal + 1) / 2 || fast == normal / 2,
              "normal %llu fast %llu", (unsigned long long)normal,
              (unsigned long long)fast);
    cr_assert_eq(slow, 2 * normal);
}

/* A clock a million times slow with an election timeout of a year: the
 * rescaled deadline lies beyond 2^64 us of real time, so it never fires.
 * Rescaling it must neither wrap nor spin (it once looped for ever). */
Test(sim_cluster, rescaling_a_deadline_past_64_bits_neither_wraps_nor_hangs,
     .timeout = 20)
{
    struct sim_config c;
    sim_config_init(&c);
    c.election_timeout_us_min = 30000000000000u;
    c.election_timeout_us_max = 30000000000000u;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    cr_assert_eq(sim_drift(s, 1, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    cr_assert_eq(sim_term(s, 1), 0);
    cr_assert_lt(sim_events_processed(s), 100);
    sim_free(s);
}

Test(sim_cluster, time_scaling_is_exact_and_reports_what_exceeds_64_bits)
{
    uint64_t out = 0;
    cr_assert(sim_time_scale(UINT64_MAX, 1000000, 1000000, false, &out));
    cr_assert_eq(out, UINT64_MAX);
    cr_assert(sim_time_scale(30000000000000u, 1000000, 3, true, &out));
    cr_assert_eq(out, 10000000000000000000u);
    cr_assert_not(sim_time_scale(30000000000000u, 1000000, 1, false, &out));
    cr_assert(sim_time_scale(7, 1, 2, false, &out));
    cr_assert_eq(out, 3);
    cr_assert(sim_time_scale(7, 1, 2, true, &out));
    cr_assert_eq(out, 4);
    /* A run of 2^63 - 1 us at 10x real speed ends past 2^64 us. */
    cr_assert_not(sim_drift_fits(9223372036854775807u, 10000000, 300000));
    cr_assert(sim_drift_fits(9223372036854775807u, 1000000, 300000));
    cr_assert(sim_drift_fits(9223372036854775807u, 1, 300000));
    cr_assert(sim_drift_fits(1000000000000000000u, 10000000, 300000));
}

Test(sim_cluster, snapshots_bound_the_log_and_catch_up_a_lagging_node)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 8;
    c.snapshot_every = 16;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    uint32_t lag = leader == 1 ? 2 : 1;
    cr_assert_eq(sim_crash(s, lag), SIM_OK);
    sim_load_closed(s, 4, 4000000, 0);
    for (uint64_t t = 1100000; t <= 4000000; t += 100000) {
        cr_assert_eq(sim_run_until(s, t), SIM_OK);
        uint64_t len =
            sim_last_index(s, leader) - sim_snapshot_index(s, leader);
        cr_assert_leq(len, 16 + 64, "log of %llu entries",
                      (unsigned long long)len);
    }
    cr_assert_gt(sim_commit_index(s, leader), 200);
    cr_assert_eq(sim_restart(s, lag), SIM_OK);
    cr_assert_eq(sim_run_until(s, 6000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t installed = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        installed +=
            ev[i].kind == SIM_TRACE_SNAPSHOT && ev[i].ok && ev[i].node == lag;
    cr_assert_geq(installed, 1);
    cr_assert_eq(sim_kv_digest_of(s, lag), sim_kv_digest_of(s, leader));
    cr_assert_eq(sim_applied(s, lag), sim_applied(s, leader));
    cr_assert_null(sim_get_failure(s));
    sim_free(s);
}

Test(sim_cluster, init_logs_become_the_nodes_durable_state)
{
    uint64_t t1[] = {1, 1, 2};
    uint64_t t2[] = {1, 1, 2, 3};
    struct sim_init_state init[3] = {
        {.set = true, .term = 2, .vote = 1, .log_terms = t1, .n_log = 3},
        {.set = true, .term = 3, .vote = 2, .log_terms = t2, .n_log = 4},
        {.set = true, .term = 3, .vote = 2, .log_terms = t2, .n_log = 4},
    };
    struct sim_config c;
    sim_config_init(&c);
    c.init = init;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_term(s, 1), 2);
    cr_assert_eq(sim_vote(s, 1), 1);
    cr_assert_eq(sim_term(s, 2), 3);
    cr_assert_eq(sim_last_index(s, 2), 4);
    cr_assert_eq(sim_last_index(s, 3), 4);
    uint64_t first, *terms;
    size_t n = sim_log_terms(s, 2, &first, &terms);
    cr_assert_eq(first, 1);
    cr_assert_eq(n, 4);
    cr_assert_eq(terms[3], 3);
    cr_assert_eq(terms[2], 2);
    g_free(terms);
    /* n2 led term 3 with n3's vote and replicated `set e4 4` to it: n1's
     * log is behind both, so only n2 or n3 can win (Section 5.4.1), and
     * the winner commits every entry everywhere, `set e4 4` included. */
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert(leader == 2 || leader == 3, "leader n%u", leader);
    for (uint32_t i = 1; i <= 3; i++)
        cr_assert_str_eq(sim_kv_value(s, i, "e4"), "4");
    sim_free(s);
}

struct order_log
{
    int calls[8];
    int n;
};

static void note_a(struct sim *s, void *ctx)
{
    struct order_log *o = ctx;
    o->calls[o->n++] = 1;
    cr_assert_eq(sim_now(s), 5000);
}

static void note_b(struct sim *s, void *ctx)
{
    struct order_log *o = ctx;
    o->calls[o->n++] = 2;
    cr_assert_eq(sim_now(s), 5000);
}

static void count_events(struct sim *s, void *ctx)
{
    (void)s;
    (*(uint64_t *)ctx)++;
}

Test(sim_cluster, callbacks_at_equal_times_run_in_scheduling_order)
{
    struct sim *s = cluster(3, 9, false);
    struct order_log o = {0};
    uint64_t observed = 0;
    sim_set_observer(s, count_events, &observed);
    sim_at(s, 5000, note_b, &o);
    sim_at(s, 5000, note_a, &o);
    sim_at(s, 5000, note_b, &o);
    cr_assert_eq(sim_at(s, 0, NULL, NULL), SIM_EINVAL);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    cr_assert_eq(o.n, 3);
    cr_assert_eq(o.calls[0], 2);
    cr_assert_eq(o.calls[1], 1);
    cr_assert_eq(o.calls[2], 2);
    cr_assert_eq(observed, sim_events_processed(s));
    cr_assert_eq(sim_now(s), 1000000);
    cr_assert_eq(sim_at(s, 999999, note_a, &o), SIM_EINVAL);
    sim_free(s);
}

/* sim_at() names up to SIM_CALLBACK_FNS functions by their place in a
 * table and boxes the rest: twelve functions, each scheduled twice with
 * its own context, must each run with that context, in (time, scheduling)
 * order; those still queued at sim_free() are freed with it. */
struct call_log
{
    int fn[32];
    int ctx[32];
    uint64_t at[32];
    int n;
};

struct call_ctx
{
    struct call_log *log;
    int id;
};

#define NOTE_FN(k)                                                      \
    static void note_fn##k(struct sim *s, void *ctx)                    \
    {                                                                   \
        struct call_ctx *c = ctx;                                       \
        struct call_log *l = c->log;                                    \
        l->fn[l->n] = k;                                                \
        l->ctx[l->n] = c->id;                                           \
        l->at[l->n++] = sim_now(s);                                     \
    }
NOTE_FN(0)
NOTE_FN(1)
NOTE_FN(2)
NOTE_FN(3)
NOTE_FN(4)
NOTE_FN(5)
NOTE_FN(6)
NOTE_FN(7)
NOTE_FN(8)
NOTE_FN(9)
NOTE_FN(10)
NOTE_FN(11)

Test(sim_cluster, callbacks_of_many_functions_run_with_their_own_contexts)
{
    static sim_callback_fn *const fns[12] = {
        note_fn0, note_fn1, note_fn2, note_fn3, note_fn4,  note_fn5,
        note_fn6, note_fn7, note_fn8, note_fn9, note_fn10, note_fn11};
    struct sim *s = cluster(3, 11, false);
    struct call_log log = {0};
    struct call_ctx ctx[24];
    /* Round r schedules every function at 1000 * (12 - k) + r: later
     * functions first, so that each time holds two calls of one function
     * in scheduling order. */
    for (int r = 0; r < 2; r++)
        for (int k = 11; k >= 0; k--) {
            ctx[r * 12 + k] = (struct call_ctx){.log = &log, .id = r * 12 + k};
            cr_assert_eq(sim_at(s, (uint64_t)(1000 * (12 - k)), fns[k],
                                &ctx[r * 12 + k]),
                         SIM_OK);
        }
    /* Left queued past the run: one in the table, one boxed. */
    struct call_ctx late = {.log = &log, .id = 99};
    cr_assert_eq(sim_at(s, 900000, note_fn0, &late), SIM_OK);
    cr_assert_eq(sim_at(s, 900000, note_fn11, &late), SIM_OK);
    cr_assert_eq(sim_run_until(s, 20000), SIM_OK);
    cr_assert_eq(log.n, 24);
    for (int i = 0; i < 24; i++) {
        int k = 11 - i / 2, r = i % 2;
        cr_assert_eq(log.fn[i], k, "call %d: function %d, not %d", i,
                     log.fn[i], k);
        cr_assert_eq(log.ctx[i], r * 12 + k, "call %d: context %d", i,
                     log.ctx[i]);
        cr_assert_eq(log.at[i], (uint64_t)(1000 * (12 - k)));
    }
    sim_free(s);
}

Test(sim_cluster, actions_reject_bad_arguments)
{
    struct sim *s = cluster(3, 10, false);
    cr_assert_eq(sim_crash(s, 0), SIM_EINVAL);
    cr_assert_eq(sim_crash(s, 4), SIM_EINVAL);
    cr_assert_eq(sim_restart(s, 1), SIM_EALIVE);
    cr_assert_eq(sim_crash(s, 1), SIM_OK);
    cr_assert_eq(sim_crash(s, 1), SIM_ENOTALIVE);
    cr_assert_eq(sim_pause(s, 1, 10), SIM_ENOTALIVE);
    cr_assert_eq(sim_set_drop(s, SIM_PPM_ONE + 1), SIM_EINVAL);
    cr_assert_eq(sim_set_delay(s, 10, 5), SIM_EINVAL);
    cr_assert_eq(sim_cut(s, 2, 2), SIM_EINVAL);
    cr_assert_eq(sim_drift(s, 2, 0), SIM_EINVAL);
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 0;
    cr_assert_null(sim_new(&c));
    c.n_nodes = 256;
    cr_assert_null(sim_new(&c));
    sim_free(s);
}

Test(sim_cluster, load_spaces_its_requests_evenly_over_the_duration)
{
    struct sim *s = cluster(3, 11, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    cr_assert_eq(sim_load(s, 200.0, 1000000, 0), SIM_OK);
    cr_assert_eq(sim_load(s, 0.0, 1000000, 0), SIM_EINVAL);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t k = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_CLIENT_INVOKE)
            continue;
        cr_assert_eq(ev[i].time_us, 1000000 + k * 5000);
        k++;
    }
    cr_assert_eq(k, 200);
    cr_assert_eq(sim_requests_invoked(s), 200);
    /* 200 requests in 1 s with a 3-node cluster and no faults: all done. */
    cr_assert_eq(sim_requests_completed(s), 200);
    cr_assert_eq(sim_requests_completed_op(s, SIM_KV_SET) +
                     sim_requests_completed_op(s, SIM_KV_GET) +
                     sim_requests_completed_op(s, SIM_KV_DELETE),
                 200);
    sim_free(s);
}

Test(sim_cluster, config_check_names_what_is_wrong)
{
    struct sim_config c;
    sim_config_init(&c);
    cr_assert_null(sim_config_check(&c));
    c.delay_us_min = 20000;
    cr_assert_str_eq(sim_config_check(&c),
                     "the message delay needs min <= max");
    cr_assert_null(sim_new(&c));
    sim_config_init(&c);
    uint64_t terms[] = {2, 1};
    struct sim_init_state init[3] = {
        {.set = true, .term = 2, .log_terms = terms, .n_log = 2}};
    c.init = init;
    cr_assert_not_null(sim_config_check(&c));
    terms[1] = 2;
    cr_assert_null(sim_config_check(&c));
    init[0].term = UINT64_MAX;
    cr_assert_str_eq(sim_config_check(&c),
                     "an init term must be below 2^64 - 1, so that a "
                     "campaign can increment it");
    init[0].term = 2;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_get_config(s)->n_nodes, 3);
    cr_assert_null(sim_get_config(s)->init);
    sim_free(s);
}

Test(sim_cluster, a_client_retries_at_another_node_after_its_timeout)
{
    struct sim *s = cluster(3, 12, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint64_t warm;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "a", "1", 0, &warm), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1200000), SIM_OK);
    cr_assert(sim_request_completed(s, warm));
    /* The client now believes in the leader; crash it, then ask. */
    uint32_t old = sim_current_leader(s);
    cr_assert_eq(sim_crash(s, old), SIM_OK);
    uint64_t h;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "b", "2", 0, &h), SIM_OK);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    cr_assert(sim_request_completed(s, h));
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint64_t client = 0, request = 0;
    uint32_t nodes[8];
    uint64_t times[8];
    size_t sends = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind == SIM_TRACE_CLIENT_INVOKE && ev[i].time_us == 1200000) {
            client = ev[i].client;
            request = ev[i].request;
        }
        if (ev[i].kind == SIM_TRACE_CLIENT_SEND && client &&
            ev[i].client == client && sends < 8) {
            cr_assert_eq(ev[i].request, request);
            nodes[sends] = ev[i].node;
            times[sends++] = ev[i].time_us;
        }
    }
    cr_assert_geq(sends, 2);
    cr_assert_eq(nodes[0], old);
    cr_assert_eq(times[0], 1200000);
    cr_assert_neq(nodes[1], old);
    cr_assert_eq(times[1], 1200000 + 500000);
    sim_free(s);
}

/* The client's leader crashes under its request, restarts and wins a
 * higher term. The node the client retries at names it as leader: the client
 * follows that redirect at once, although its first attempt there went
 * unanswered, instead of walking every other node at one timeout each. */
Test(sim_cluster, a_redirect_to_a_leader_of_a_higher_term_is_followed_even_if_tried)
{
    struct sim *s = cluster(3, 12, true);
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 100000), SIM_OK);
    cr_assert_eq(sim_current_leader(s), 1);
    uint64_t warm;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "a", "1", 1, &warm), SIM_OK);
    cr_assert_eq(sim_run_until(s, 150000), SIM_OK);
    cr_assert(sim_request_completed(s, warm));
    /* The client believes in n1; n1 is down when the request arrives. */
    cr_assert_eq(sim_crash(s, 1), SIM_OK);
    uint64_t h;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "b", "2", 0, &h), SIM_OK);
    cr_assert_eq(sim_run_until(s, 170000), SIM_OK);
    cr_assert_eq(sim_restart(s, 1), SIM_OK);
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 250000), SIM_OK);
    cr_assert_eq(sim_current_leader(s), 1);
    cr_assert_eq(sim_term(s, 1), 2);
    /* The timeout at 650 ms sends to n2 or n3, whose redirect names n1 in
     * term 2; n1 then answers within a few message delays. */
    cr_assert_eq(sim_run_until(s, 700000), SIM_OK);
    cr_assert(sim_request_completed(s, h), "the redirect to n1 was ignored");
    sim_free(s);
}

Test(sim_cluster, retried_requests_take_effect_once)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 13;
    c.client_timeout_us = 3000; /* shorter than a round trip: retries */
    c.disk_sync_us = 10000;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint64_t h1, h2;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "x", "1", 0, &h1), SIM_OK);
    while (!sim_request_completed(s, h1))
        cr_assert_eq(sim_step(s), SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "x", "2", 0, &h2), SIM_OK);
    while (!sim_request_completed(s, h2))
        cr_assert_eq(sim_step(s), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    size_t sends = 0;
    const struct sim_trace_event *ev = sim_trace_events(s);
    for (size_t i = 0; i < sim_trace_len(s); i++)
        sends += ev[i].kind == SIM_TRACE_CLIENT_SEND;
    cr_assert_gt(sends, 4);
    struct sim_counters cnt;
    sim_get_counters(s, &cnt);
    cr_assert_eq(cnt.elections, 1);
    for (uint32_t i = 1; i <= 3; i++) {
        /* Besides the leader's one no-op, copies of the requests reached
         * the log more than twice... */
        cr_assert_gt(sim_commit_index(s, i), 3);
        /* ...but each request took effect once, the first set never
         * overwriting the second. */
        cr_assert_eq(sim_applied(s, i), 2);
        cr_assert_str_eq(sim_kv_value(s, i, "x"), "2");
    }
    struct sim_lin_report r;
    cr_assert_eq(sim_check_linearizable(s, 0, &r), SIM_LIN_OK);
    sim_lin_report_clear(&r);
    sim_free(s);
}

/* docs/scenario-language.md: a non-leader redirects the client to the leader
 * it knows, and the client follows, even to a node that refused the same
 * request earlier, when the redirect comes from a later term (that node may
 * lead now). */
Test(sim_cluster,
     a_redirect_to_a_node_that_refused_at_an_older_term_is_followed)
{
    struct sim *s = cluster(3, 4, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t old = sim_current_leader(s);
    cr_assert_neq(old, 0);
    uint32_t l = old == 1 ? 2 : 1;
    uint32_t x = 6 - old - l;
    uint64_t term = sim_term(s, old);
    /* l refuses and names old, which crashes before the retry reaches it. */
    uint64_t h;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "k", "v", l, &h), SIM_OK);
    cr_assert_eq(sim_crash(s, old), SIM_OK);
    /* No follower times out within 60 ms of the last heartbeat. */
    cr_assert_eq(sim_run_until(s, 1060000), SIM_OK);
    cr_assert_eq(sim_campaign(s, l), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1200000), SIM_OK);
    cr_assert_eq(sim_role(s, l), RAFT_LEADER);
    cr_assert_eq(sim_term(s, l), term + 1);
    cr_assert_not(sim_request_completed(s, h));
    /* 500 ms after trying old the client retries at x, which names l at
     * term + 1. */
    cr_assert_eq(sim_run_until(s, 1600000), SIM_OK);
    cr_assert(sim_request_completed(s, h));

    const struct sim_trace_event *ev = sim_trace_events(s);
    uint32_t nodes[8];
    uint64_t times[8];
    size_t sends = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        if (ev[i].kind == SIM_TRACE_CLIENT_SEND && sends < 8) {
            nodes[sends] = ev[i].node;
            times[sends++] = ev[i].time_us;
        }
    cr_assert_eq(sends, 4);
    cr_assert_eq(nodes[0], l);
    cr_assert_eq(times[0], 1000000);
    cr_assert_eq(nodes[1], old);
    cr_assert_lt(times[1], 1020000);
    cr_assert_eq(nodes[2], x);
    cr_assert_eq(times[2], times[1] + 500000);
    cr_assert_eq(nodes[3], l);
    cr_assert_lt(times[3], times[2] + 20000);
    sim_free(s);
}

/* sim_snapshot_term() is the term of the entry each snapshot ends at: the
 * first leader's term for a snapshot taken before the crash (kept on the
 * crashed node's disk), the next leader's term for those taken after. */
Test(sim_cluster, the_snapshot_term_is_the_term_of_the_snapshots_last_entry)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 5;
    c.snapshot_every = 4;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t first = sim_current_leader(s);
    cr_assert_neq(first, 0);
    uint64_t term1 = sim_term(s, first);
    cr_assert_eq(sim_snapshot_term(s, first), 0);
    cr_assert_eq(sim_load(s, 100.0, 100000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1500000), SIM_OK);
    cr_assert_gt(sim_snapshot_index(s, first), 0);
    cr_assert_eq(sim_snapshot_term(s, first), term1);
    cr_assert_eq(sim_crash(s, first), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2500000), SIM_OK);
    uint32_t second = sim_current_leader(s);
    cr_assert_neq(second, 0);
    uint64_t term2 = sim_term(s, second);
    cr_assert_gt(term2, term1);
    cr_assert_eq(sim_load(s, 100.0, 100000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    for (uint32_t id = 1; id <= 3; id++) {
        if (id == first) {
            cr_assert_eq(sim_snapshot_term(s, id), term1);
            continue;
        }
        cr_assert_gt(sim_snapshot_index(s, id), sim_commit_index(s, id) - 4);
        cr_assert_eq(sim_snapshot_term(s, id), term2, "n%u", id);
    }
    cr_assert_eq(sim_snapshot_term(s, 0), 0);
    cr_assert_eq(sim_snapshot_term(s, 4), 0);
    sim_free(s);
}

/* docs/trace-format.md: a node given an `init` state in a nonzero term gets
 * a `term` event at time 0, so the trace alone tells its starting term. */
Test(sim_cluster, nodes_starting_in_a_nonzero_term_trace_it_at_time_0)
{
    uint64_t t1[] = {1, 1, 2};
    struct sim_init_state init[3] = {
        {.set = true, .term = 2, .vote = 1, .log_terms = t1, .n_log = 3},
        {.set = true, .term = 3, .vote = 0, .log_terms = NULL, .n_log = 0},
        {.set = false},
    };
    struct sim_config c;
    sim_config_init(&c);
    c.init = init;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    /* n1's term, n1's log (a `log` event, see test_sim_trace_replay.c), n2's
     * term; besides them only each node's first election deadline and its
     * bootstrap configuration. */
    const struct sim_trace_event *all = sim_trace_events(s);
    struct sim_trace_event ev[3];
    size_t n = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (all[i].kind == SIM_TRACE_TIMER || all[i].kind == SIM_TRACE_CONFIG)
            continue;
        cr_assert_lt(n, 3);
        ev[n++] = all[i];
    }
    cr_assert_eq(n, 3);
    cr_assert_eq(ev[0].kind, SIM_TRACE_TERM);
    cr_assert_eq(ev[0].time_us, 0);
    cr_assert_eq(ev[0].node, 1);
    cr_assert_eq(ev[0].term, 2);
    cr_assert_eq(ev[0].peer, 1);
    cr_assert_eq(ev[1].kind, SIM_TRACE_LOG);
    cr_assert_eq(ev[2].kind, SIM_TRACE_TERM);
    cr_assert_eq(ev[2].time_us, 0);
    cr_assert_eq(ev[2].node, 2);
    cr_assert_eq(ev[2].term, 3);
    cr_assert_eq(ev[2].peer, 0);
    sim_free(s);
}

/* A paused node processes nothing, a crashed one neither: `timeout` on them
 * changes nothing and says so in the trace. */
Test(sim_cluster, a_timeout_on_a_paused_or_crashed_node_is_skipped_with_a_note)
{
    struct sim *s = cluster(3, 10, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    uint32_t p = leader == 1 ? 2 : 1;
    uint32_t c = 6 - leader - p;
    uint64_t term = sim_term(s, leader);
    cr_assert_eq(sim_pause(s, p, 100000), SIM_OK);
    cr_assert_eq(sim_crash(s, c), SIM_OK);
    size_t before = sim_trace_len(s);
    cr_assert_eq(sim_campaign(s, p), SIM_OK);
    cr_assert_eq(sim_campaign(s, c), SIM_OK);
    cr_assert_eq(sim_campaign(s, 4), SIM_EINVAL);
    cr_assert_eq(sim_trace_len(s), before + 2);
    const struct sim_trace_event *ev = sim_trace_events(s);
    char want[2][64];
    snprintf(want[0], sizeof(want[0]), "n%u is paused: timeout skipped", p);
    snprintf(want[1], sizeof(want[1]), "n%u is crashed: timeout skipped", c);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(ev[before + i].kind, SIM_TRACE_NOTE);
        cr_assert_eq(ev[before + i].node, i == 0 ? p : c);
        cr_assert_str_eq(ev[before + i].text, want[i]);
    }
    /* After the pause, p hears the leader again and never campaigned. */
    cr_assert_eq(sim_run_until(s, 1200000), SIM_OK);
    cr_assert_eq(sim_role(s, p), RAFT_FOLLOWER);
    cr_assert_eq(sim_term(s, p), term);
    cr_assert_eq(sim_current_leader(s), leader);
    cr_assert_eq(sim_term(s, leader), term);
    sim_free(s);
}

/* docs/trace-format.md: a client request that arrives at a crashed node is
 * lost, and traced as a drop ("down") naming that node, client and request;
 * so is one waiting at a paused node that crashes. */
Test(sim_cluster, client_requests_lost_to_a_crashed_node_are_traced_as_drops)
{
    struct sim *s = cluster(3, 10, true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    uint32_t a = leader == 1 ? 2 : 1;
    uint32_t b = 6 - leader - a;
    uint64_t h1, h2;
    cr_assert_eq(sim_crash(s, a), SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "x", "1", a, &h1), SIM_OK);
    cr_assert_eq(sim_pause(s, b, 100000), SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "y", "2", b, &h2), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1050000), SIM_OK);
    cr_assert_eq(sim_crash(s, b), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint32_t nodes[4];
    uint64_t clients[4];
    size_t drops = 0;
    for (size_t i = 0; i < sim_trace_len(s); i++)
        if (ev[i].kind == SIM_TRACE_DROP && ev[i].client != 0 && drops < 4) {
            cr_assert_str_eq(ev[i].text, "down");
            cr_assert_eq(ev[i].msg_id, 0);
            cr_assert_eq(ev[i].request, 1);
            nodes[drops] = ev[i].node;
            clients[drops++] = ev[i].client;
        }
    cr_assert_eq(drops, 2);
    cr_assert_eq(nodes[0], a);
    cr_assert_eq(nodes[1], b);
    cr_assert_neq(clients[0], clients[1]);
    cr_assert_not(sim_request_completed(s, h1));
    cr_assert_not(sim_request_completed(s, h2));
    sim_free(s);
}

/* docs/scenario-language.md, `timeout NODE` with prevote on: the node starts
 * a PreVote round and stays a follower in its term; followers that hear the
 * leader refuse, so nothing changes. */
Test(sim_cluster, a_timeout_with_prevote_starts_a_prevote_round_only)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 10;
    c.pre_vote = true;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    uint32_t f = leader == 1 ? 2 : 1;
    uint64_t term = sim_term(s, leader);
    size_t before = sim_trace_len(s);
    cr_assert_eq(sim_campaign(s, f), SIM_OK);
    cr_assert_eq(sim_role(s, f), RAFT_FOLLOWER);
    cr_assert_eq(sim_term(s, f), term);
    cr_assert_eq(sim_run_until(s, 1100000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t pre_votes = 0, votes = 0;
    for (size_t i = before; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_SEND || ev[i].node != f)
            continue;
        pre_votes += ev[i].msg_type == RAFT_MSG_PRE_VOTE;
        votes += ev[i].msg_type == RAFT_MSG_REQUEST_VOTE;
    }
    cr_assert_eq(pre_votes, 2);
    cr_assert_eq(votes, 0);
    cr_assert_eq(sim_current_leader(s), leader);
    for (uint32_t id = 1; id <= 3; id++)
        cr_assert_eq(sim_term(s, id), term);
    sim_free(s);
}

Test(sim_cluster, workload_values_are_padded_to_the_configured_length)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 5;
    c.workload_value_len = 16;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load_closed(s, 4, 2000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_history *h = sim_get_history(s);
    size_t sets = 0;
    for (size_t i = 0; i < sim_history_len(h); i++) {
        const struct sim_op *op = sim_history_op(h, i);
        if (op->op != SIM_KV_SET)
            continue;
        sets++;
        cr_assert_eq(strlen(op->value), 16, "value '%s'", op->value);
        cr_assert_eq(op->value[0], 'v');
    }
    cr_assert_gt(sets, 50);
    sim_free(s);
}

Test(sim_cluster, workload_value_lengths_outside_two_to_64_are_refused)
{
    struct sim_config c;
    sim_config_init(&c);
    c.workload_value_len = 1;
    cr_assert_not_null(sim_config_check(&c));
    c.workload_value_len = SIM_WORKLOAD_VALUE_MAX + 1;
    cr_assert_not_null(sim_config_check(&c));
    c.workload_value_len = SIM_WORKLOAD_VALUE_MAX;
    cr_assert_null(sim_config_check(&c));
}

/* What settle's resumable search relies on (scn_settle.c): once the clock
 * is past T, a client found without a request issued by T pending never
 * has one again, though idle clients are reused for new requests; the
 * search from the first client that still had one finds what a search
 * from the first client finds. */
Test(sim_cluster, a_client_done_with_its_requests_of_time_t_has_none_pending_again)
{
    const uint64_t t = 1000000;
    struct sim *s = cluster(3, 3, false);
    cr_assert_eq(sim_run_until(s, t), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    cr_assert_eq(sim_isolate(s, leader), SIM_OK);
    for (uint32_t i = 0; i < 6; i++)
        cr_assert_eq(sim_client_request(s, SIM_KV_SET, "x", "1",
                                        i % 2 ? leader : 0, NULL),
                     SIM_OK);
    cr_assert_eq(sim_run_until(s, t + 1), SIM_OK);
    sim_heal(s);
    uint32_t from = 1, seen_pending = 0;
    uint64_t next_request_us = t + 50000;
    while (sim_now(s) < 4 * t && sim_step(s) == SIM_OK) {
        if (sim_now(s) >= next_request_us) {
            cr_assert_eq(sim_client_request(s, SIM_KV_GET, "x", NULL, 0, NULL),
                         SIM_OK);
            next_request_us += 50000;
        }
        uint32_t first = sim_client_pending_before(s, t + 1, 1);
        cr_assert_eq(first != 0, sim_requests_pending_before(s, t + 1) != 0);
        cr_assert_eq(sim_client_pending_before(s, t + 1, from), first,
                     "client %u below %u is pending again", first, from);
        if (first != 0) {
            seen_pending++;
            from = first;
        }
    }
    cr_assert_gt(seen_pending, 10);
    cr_assert_eq(sim_requests_pending_before(s, t + 1), 0);
    cr_assert_gt(sim_requests_invoked(s), 40);
    sim_free(s);
}

/* settle's one-call test of a member agrees with the four queries it
 * stands for, for every node, leader and term, through crashes, a pause
 * and elections. */
Test(sim_cluster, in_step_with_is_up_unpaused_in_the_term_and_following_the_leader)
{
    struct sim *s = cluster(5, 8, false);
    cr_assert_eq(sim_load_closed(s, 3, 3000000, 0), SIM_OK);
    uint64_t checked_true = 0, checked = 0;
    for (uint64_t t = 100000; t <= 3000000; t += 50000) {
        cr_assert_eq(sim_run_until(s, t), SIM_OK);
        if (t == 1000000)
            cr_assert_eq(sim_crash(s, 2), SIM_OK);
        if (t == 1500000)
            cr_assert_eq(sim_pause(s, 3, 300000), SIM_OK);
        if (t == 2000000) {
            uint32_t l = sim_current_leader(s);
            if (l != 0)
                cr_assert_eq(sim_crash(s, l), SIM_OK);
        }
        for (uint32_t leader = 1; leader <= 5; leader++) {
            for (uint64_t term = 0; term <= sim_max_term(s) + 1; term++) {
                for (uint32_t id = 1; id <= 5; id++) {
                    bool want = sim_alive(s, id) && !sim_paused(s, id) &&
                                sim_term(s, id) == term &&
                                (id == leader || sim_leader_of(s, id) == leader);
                    cr_assert_eq(sim_in_step_with(s, id, leader, term), want,
                                 "t %llu n%u leader n%u term %llu",
                                 (unsigned long long)t, id, leader,
                                 (unsigned long long)term);
                    checked_true += want;
                    checked++;
                }
            }
        }
    }
    cr_assert_gt(checked_true, 100);
    cr_assert_gt(checked, 1000);
    sim_free(s);
}
