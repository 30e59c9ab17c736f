/* test_scn_trigger.c: protocol-event triggers (`at T when NODE EVENT
 * ACTION`), crash survivors (`crash NODE keeping ...`) and disk timing
 * (`disk-latency`, `set disk-latency`) as the runner performs them.
 *
 * A trigger is armed at its time, fires once, at the first matching event
 * after it was armed, and its action runs right after the engine step in
 * which the node did it, before any other event: in the trace, the action's
 * first event follows the matching event with only that step's own events
 * and the trigger's note in between, at the same virtual time.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_trigger.h"
#include "tests/support/scn_harness.h"

/* Index of the first event at or after `from` that `event` of `node`
 * matches (node 0: any), or -1. */
static long find_event(const struct scn_run_result *r,
                       size_t from,
                       enum scn_event event,
                       uint32_t node)
{
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = from; i < sim_trace_len(r->sim); i++)
        if (scn_event_matches(event, node, &ev[i]))
            return (long)i;
    return -1;
}

static long find_kind(const struct scn_run_result *r,
                      size_t from,
                      enum sim_trace_kind kind,
                      uint32_t node)
{
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = from; i < sim_trace_len(r->sim); i++)
        if (ev[i].kind == kind && (node == 0 || ev[i].node == node))
            return (long)i;
    return -1;
}

static size_t count_kind(const struct scn_run_result *r,
                         enum sim_trace_kind kind)
{
    size_t n = 0;
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    for (size_t i = 0; i < sim_trace_len(r->sim); i++)
        n += ev[i].kind == kind;
    return n;
}

/* True when no event between a and b (exclusive) belongs to another engine
 * step: a delivery, a timer's work or a disk completion would show as
 * deliver, sync or role events of other nodes; here only same-time sends,
 * notes and the matching node's own step events are allowed. */
static void assert_right_after(const struct scn_run_result *r, long a, long b)
{
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    cr_assert_lt(a, b);
    for (long i = a + 1; i < b; i++) {
        cr_assert_eq(ev[i].time_us, ev[a].time_us);
        cr_assert_neq(ev[i].kind, SIM_TRACE_DELIVER,
                      "another event ran before the action");
    }
    cr_assert_eq(ev[b].time_us, ev[a].time_us);
}

Test(scn_trigger, crash_after_grants_vote_runs_right_after_the_grant_leaves)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "at 0s when n2 grants-vote crash n2\n"
            "at 10ms timeout n1\n", NULL);
    long grant = find_event(r, 0, SCN_EVENT_GRANTS_VOTE, 2);
    cr_assert_geq(grant, 0);
    long crash = find_kind(r, (size_t)grant, SIM_TRACE_CRASH, 2);
    assert_right_after(r, grant, crash);
    cr_assert_eq(count_kind(r, SIM_TRACE_CRASH), 1);
    /* The vote was durable when it left: the crashed node keeps it. */
    cr_assert_eq(sim_vote(r->sim, 2), 1);
    cr_assert(r->passed);
    scn_run_result_free(r);
}

Test(scn_trigger, a_trigger_fires_once_at_the_first_event_after_its_time)
{
    /* n1 persists at 10ms (its campaign); the trigger is armed at 500ms, so
     * it fires at n1's first write after that, once. */
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "at 10ms timeout n1\n"
            "at 500ms when n1 persists pause n1 for "
            "1ms\n"
            "at 600ms client set k v\n", NULL);
    cr_assert_eq(count_kind(r, SIM_TRACE_PAUSE), 1);
    long pause = find_kind(r, 0, SIM_TRACE_PAUSE, 1);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    cr_assert_geq(ev[pause].time_us, 600000);
    long sync = find_kind(r, 0, SIM_TRACE_SYNC, 1);
    cr_assert_lt(ev[sync].time_us, 500000, "an earlier write did not fire");
    long first_after = -1;
    for (long i = 0; i < pause; i++)
        if (ev[i].kind == SIM_TRACE_SYNC && ev[i].node == 1 &&
            ev[i].time_us >= 500000) {
            first_after = i;
            break;
        }
    assert_right_after(r, first_after, pause);
    cr_assert(r->passed);
    scn_run_result_free(r);
}

Test(scn_trigger, any_as_name_binds_the_node_that_did_it)
{
    struct scn_run_result *r =
        sh_run("cluster 5\nrun 3s\n"
            "at 0s when any as v acks-append crash v\n"
            "at 10ms timeout n3\n"
            "at 1s restart v\n"
            "at 2s expect leader\n", NULL);
    long ack = find_event(r, 0, SCN_EVENT_ACKS_APPEND, 0);
    cr_assert_geq(ack, 0);
    uint32_t who = sim_trace_events(r->sim)[ack].node;
    cr_assert_neq(who, 3);
    long crash = find_kind(r, (size_t)ack, SIM_TRACE_CRASH, 0);
    assert_right_after(r, ack, crash);
    cr_assert_eq(sim_trace_events(r->sim)[crash].node, who);
    cr_assert_geq(find_kind(r, 0, SIM_TRACE_RESTART, who), 0);
    cr_assert(r->passed);
    scn_run_result_free(r);
}

Test(scn_trigger, a_trigger_that_never_fires_is_a_warning)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "at 0s when n1 sends-snapshot crash n1\n"
            "at 10ms timeout n1\n", NULL);
    cr_assert(r->passed);
    cr_assert_eq(r->warnings->len, 1);
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 0),
                     "line 3: 'when' never fired: no sends-snapshot seen");
    cr_assert_eq(count_kind(r, SIM_TRACE_CRASH), 0);
    scn_run_result_free(r);
}

Test(scn_trigger, role_and_term_events_fire_on_the_subject_only)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "at 0s when n2 adopts-term isolate n2\n"
            "at 0s when n1 becomes-candidate pause n3 "
            "for 1ms\n"
            "at 0s when leader? becomes-leader heal\n"
            "at 10ms timeout n1\n", NULL);
    long term = find_event(r, 0, SCN_EVENT_ADOPTS_TERM, 2);
    long isolate = find_kind(r, (size_t)term, SIM_TRACE_PARTITION, 0);
    assert_right_after(r, term, isolate);
    long cand = find_event(r, 0, SCN_EVENT_BECOMES_CANDIDATE, 1);
    long pause = find_kind(r, (size_t)cand, SIM_TRACE_PAUSE, 3);
    assert_right_after(r, cand, pause);
    /* leader? found no leader at 0s: skipped, with a note. */
    cr_assert_eq(count_kind(r, SIM_TRACE_HEAL), 0);
    scn_run_result_free(r);
}

Test(scn_trigger, crash_keeping_log_and_term_counts_keeps_exactly_those)
{
    /* n2 adopts term 1 and grants the vote with one write pending (the term
     * record): keeping term 1 makes it durable, keeping term 0 loses it. */
    for (int keep = 0; keep < 2; keep++) {
        char *text = g_strdup_printf(
            "cluster 3\nrun 3s\ndisk-latency 50ms\n"
            "at 0s when n2 adopts-term crash n2 keeping log 0 term %d\n"
            "at 10ms timeout n1\n",
            keep);
        struct scn_run_result *r = sh_run(text, NULL);
        long crash = find_kind(r, 0, SIM_TRACE_CRASH, 2);
        const struct sim_trace_event *e = &sim_trace_events(r->sim)[crash];
        cr_assert_eq(e->aux, 1, "one batch pending");
        cr_assert_eq(e->count, (uint64_t)keep);
        cr_assert_eq(sim_term(r->sim, 2), (uint64_t)keep);
        cr_assert_eq(sim_vote(r->sim, 2), keep ? 1u : 0u);
        scn_run_result_free(r);
        g_free(text);
    }
}

Test(scn_trigger, set_disk_latency_changes_the_named_nodes_from_then_on)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "disk-latency 2ms on n3\n"
            "at 0s set disk-latency 40ms on n2\n"
            "at 10ms timeout n1\n", NULL);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    /* Each voter's grant leaves when its term record is durable. */
    long g2 = find_event(r, 0, SCN_EVENT_GRANTS_VOTE, 2);
    long g3 = find_event(r, 0, SCN_EVENT_GRANTS_VOTE, 3);
    long p2 = find_kind(r, 0, SIM_TRACE_PERSIST, 2);
    long p3 = find_kind(r, 0, SIM_TRACE_PERSIST, 3);
    cr_assert_eq(ev[g2].time_us - ev[p2].time_us, 40000);
    cr_assert_eq(ev[g3].time_us - ev[p3].time_us, 2000);
    cr_assert_eq(count_kind(r, SIM_TRACE_DISK), 1);
    scn_run_result_free(r);
}

Test(scn_trigger, a_name_bound_by_a_trigger_names_nothing_until_it_fires)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 3s\n"
            "at 0s when any as s sends-snapshot "
            "crash s\n"
            "at 10ms timeout n1\n"
            "at 1s restart s\n", NULL);
    cr_assert(r->passed);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    long note = find_kind(r, 0, SIM_TRACE_NOTE, 0);
    cr_assert_geq(note, 0);
    cr_assert_str_eq(ev[note].text,
                     "line 5 skipped: s names nothing (bound by a statement "
                     "that failed or a 'when' that has not fired)");
    cr_assert_eq(count_kind(r, SIM_TRACE_RESTART), 0);
    scn_run_result_free(r);
}

/* A trigger fired by a statement runs right after that statement, before
 * the next one of the same time: `timeout n2` makes n2 adopt a term, the
 * crash and restart of the trigger follow at once, and `crash n2` finds n2
 * up. Run after the whole instant instead, the trigger's crash would hit
 * the node the timed crash had just stopped ("crash: node is crashed"):
 * the fuzzer's schedule of seed 74123 failed as `action` that way. */
Test(scn_trigger, a_trigger_runs_before_the_next_statement_of_its_time)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 1s\n"
            "at 0s when n2 adopts-term crash n2\n"
            "at 0s when n2 adopts-term restart n2\n"
            "at 100ms timeout n2\n"
            "at 100ms crash n2\n"
            "at 200ms restart n2\n", NULL);
    sh_assert_passed(r);
    long term = find_event(r, 0, SCN_EVENT_ADOPTS_TERM, 2);
    long crash = find_kind(r, (size_t)term, SIM_TRACE_CRASH, 2);
    assert_right_after(r, term, crash);
    long restart = find_kind(r, (size_t)crash, SIM_TRACE_RESTART, 2);
    long timed = find_kind(r, (size_t)restart, SIM_TRACE_CRASH, 2);
    cr_assert_gt(timed, restart, "the timed crash ran before the trigger");
    cr_assert_eq(count_kind(r, SIM_TRACE_CRASH), 2);
    cr_assert_eq(count_kind(r, SIM_TRACE_RESTART), 2);
    scn_run_result_free(r);
}

/* `settle` ends every fault, and a trigger armed before it is one waiting
 * for its moment: n1 writes only after the settle (the write at 1.2s),
 * and the pause its trigger waited for never comes; the trace notes the
 * disarming. Left armed, the pause would keep the leader out of the
 * cluster past the liveness bound. */
Test(scn_trigger, settle_disarms_every_trigger_armed_before_it)
{
    struct scn_run_result *r =
        sh_run("cluster 3\nrun 6s\n"
            "at 0s timeout n1\n"
            "at 500ms when n1 persists pause n1 for 5s\n"
            "at 1s settle\n"
            "at 1s when n2 becomes-leader crash n2\n"
            "at 1.2s client set x 1 via n1\n", NULL);
    sh_assert_passed(r);
    cr_assert_eq(count_kind(r, SIM_TRACE_PAUSE), 0);
    const struct sim_trace_event *ev = sim_trace_events(r->sim);
    long note = find_kind(r, 0, SIM_TRACE_NOTE, 0);
    cr_assert_geq(note, 0);
    cr_assert_str_eq(ev[note].text,
                     "settle: 1 armed 'when' statement disarmed");
    /* Armed after the settle, the second trigger stays armed. */
    cr_assert_eq(r->warnings->len, 2);
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 0),
                     "line 4: 'when' never fired: no persists seen before "
                     "the settle of line 5 disarmed it");
    cr_assert_str_eq(g_ptr_array_index(r->warnings, 1),
                     "line 6: 'when' never fired: no becomes-leader seen");
    scn_run_result_free(r);
}

/* raft_durable.c: a RequestVote promises the log it describes. n3 receives
 * entry 2 at about 672.7ms and, before that write is synced, its timer fires
 * (`timeout n3` at 673ms): it campaigns in term 3 claiming index 2, then
 * crashes and restarts in the same instant, losing the entry and the term.
 * Sent at once, those requests win grants from voters that hold entry 2 (its
 * claim is as long as theirs); the restarted n3 campaigns again in term 3
 * with a log that ends at index 1, counts those grants and leads without
 * the entry n5 committed at index 2 (Leader Completeness, §5.4.1). Held
 * until the entry is durable, they are lost with the crash. */
Test(scn_trigger, a_candidate_restarted_in_its_term_keeps_no_grants_for_a_lost_log)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.checkers = true;
    o.record_events = true;
    struct scn_run_result *r =
        sh_run("cluster 5\nseed 911\nrun 1s\ndelay 1ms 1ms\n"
               "reads read-index\n"
               "at 0s set delay 5ms 124ms\n"
               "at 260ms timeout n5\n"
               "at 464ms when n3 adopts-term crash n3\n"
               "at 464ms when n3 adopts-term restart n3\n"
               "at 571ms client set k5 v1 via n5\n"
               "at 673ms timeout n3\n"
               "at 673ms crash n3\n"
               "at 673ms restart n3\n"
               "at 691ms timeout n3\n",
               &o);
    cr_assert_not(r->violation);
    sh_assert_passed(r);
    cr_assert_geq(count_kind(r, SIM_TRACE_CRASH), 1);
    scn_run_result_free(r);
}

/* The listener passes over an event by its kind and message type alone
 * when no waiting trigger is made of them; that must never skip a match.
 * Against a plain scan with scn_event_matches(): every event kind, node,
 * message type, role and outcome, with triggers armed, fired and armed
 * again between events, fires exactly the same triggers in the same
 * order, and says that it fired one exactly when it did (the runner takes
 * fired triggers only then). */
Test(scn_trigger, the_listener_fires_exactly_the_triggers_their_events_match)
{
    enum { STEPS = 14 };
    struct scn_step steps[STEPS];
    uint32_t nodes[STEPS];
    bool fired[STEPS] = {false};
    memset(steps, 0, sizeof steps);
    struct scn_triggers *t = scn_triggers_new();
    uint64_t x = 12345;
    size_t armed = 0, fired_n = 0, events = 0;
    for (int round = 0; round < 20000 && fired_n < STEPS; round++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(x >> 33);
        if (armed < STEPS && r % 50 == 0) { /* arm the next one */
            steps[armed].triggered = true;
            steps[armed].event = (enum scn_event)(1 + armed % 7);
            nodes[armed] = armed % 3 == 0 ? 0 : 1 + (uint32_t)armed % 3;
            scn_triggers_arm(t, &steps[armed], nodes[armed]);
            armed++;
            continue;
        }
        /* Half the events of the kinds triggers are made of. */
        static const enum sim_trace_kind near[] = {
            SIM_TRACE_SEND, SIM_TRACE_TERM, SIM_TRACE_ROLE, SIM_TRACE_SYNC};
        struct sim_trace_event e = {
            .kind = r & 1 ? near[(r >> 1) % 4]
                          : (enum sim_trace_kind)(1 + r % SIM_TRACE_CONFIG),
            .node = (r >> 8) % 4,
            .msg_type = (enum raft_message_type)(1 + (r >> 10) % 12),
            .role = (enum raft_role)((r >> 14) % 4),
            .ok = (r >> 16) & 1,
        };
        events++;
        size_t want[STEPS], n_want = 0;
        /* An event of no node (a network change) is no node's doing. */
        for (size_t i = 0; i < armed && e.node != 0; i++)
            if (!fired[i] && scn_event_matches(steps[i].event, nodes[i], &e))
                want[n_want++] = i;
        /* What the runner relies on to skip the queue: true exactly when
         * the event fired a trigger. */
        cr_assert_eq(scn_triggers_hear(t, &e), n_want > 0,
                     "event %zu: said it fired %s", events,
                     n_want > 0 ? "nothing" : "something");
        const struct scn_step *step;
        uint32_t node;
        size_t got = 0;
        while (scn_triggers_take_fired(t, &step, &node)) {
            cr_assert_lt(got, n_want, "event %zu fired too many", events);
            cr_assert_eq(step, &steps[want[got]]);
            cr_assert_eq(node, e.node);
            fired[want[got]] = true;
            got++;
        }
        cr_assert_eq(got, n_want, "event %zu fired %zu of %zu", events, got,
                     n_want);
        fired_n += got;
    }
    cr_assert_eq(armed, STEPS);
    cr_assert_eq(fired_n, STEPS, "only %zu fired", fired_n);
    scn_triggers_free(t);
}
