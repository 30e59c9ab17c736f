/* test_sim_failure.c: a safety violation stops the run at the event that
 * caused it and is reported with its property, nodes, time, event number and
 * the last 20 trace events (none, and nothing else changed, in a run that
 * keeps no recent events); with the checkers off the same run goes on. A
 * host that lets messages leave before their writes are durable is caught by
 * the persistence checker on every seed. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_time_text.h"
#include "tests/support/random_faults.h"

/* n2 starts with an entry of term 1 that no leader of term 1 wrote; n1 then
 * wins term 1 without n2 and writes its own entry 1 in term 1: two logs with
 * the same (index, term) but different contents. */
static struct sim *conflicting_run_kept(bool checkers,
                                        bool record,
                                        bool recent);

static struct sim *conflicting_run(bool checkers)
{
    return conflicting_run_kept(checkers, true, true);
}

/* conflicting_run(), recording its events or not (record), keeping the
 * recent ones for a failure's report or not (recent). */
static struct sim *conflicting_run_kept(bool checkers, bool record, bool recent)
{
    static const uint64_t n2_log[] = {1};
    struct sim_init_state init[3] = {
        {.set = false},
        {.set = true, .term = 1, .log_terms = n2_log, .n_log = 1},
        {.set = false},
    };
    struct sim_config c;
    sim_config_init(&c);
    c.init = init;
    c.checkers = checkers;
    c.record_events = record;
    c.recent_events = recent;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_isolate(s, 2), SIM_OK);
    for (int i = 0; i < 30; i++)
        sim_note(s, 0, "filler");
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    return s;
}

Test(sim_failure, a_violation_stops_the_run_and_is_reported)
{
    struct sim *s = conflicting_run(true);
    cr_assert_null(sim_get_failure(s));
    cr_assert_eq(sim_run_until(s, 1000000), SIM_EVIOLATION);
    const struct sim_failure *f = sim_get_failure(s);
    cr_assert_not_null(f);
    cr_assert_eq(f->violation.property, SIM_PROP_LOG_MATCHING);
    cr_assert_eq(f->violation.index, 1);
    cr_assert_eq(f->violation.term, 1);
    bool n1 = f->violation.nodes[0] == 1 || f->violation.nodes[1] == 1;
    bool n2 = f->violation.nodes[0] == 2 || f->violation.nodes[1] == 2;
    cr_assert(n1 && n2);
    /* The clock stopped at the violating event. */
    cr_assert_eq(sim_now(s), f->time_us);
    cr_assert_lt(f->time_us, 1000000);
    cr_assert_eq(f->event, sim_events_processed(s));

    /* The ring holds the 20 events right before the violation. */
    cr_assert_eq(f->n_last, SIM_TRACE_RING_EVENTS);
    cr_assert_eq(f->last[19].seq + 1, f->trace_seq);
    for (size_t i = 1; i < f->n_last; i++)
        cr_assert_eq(f->last[i].seq, f->last[i - 1].seq + 1);
    cr_assert_eq(f->last[19].kind, SIM_TRACE_PERSIST);
    cr_assert_eq(f->last[19].node, 1);

    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    cr_assert_eq(ev[n - 1].kind, SIM_TRACE_VIOLATION);
    cr_assert_eq(ev[n - 1].seq, f->trace_seq);
    cr_assert_eq(strncmp(ev[n - 1].text, "log-matching: ", 14), 0);

    /* Nothing runs after a violation. */
    uint64_t events = sim_events_processed(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_EVIOLATION);
    cr_assert_eq(sim_step(s), SIM_EVIOLATION);
    cr_assert_eq(sim_events_processed(s), events);
    sim_free(s);
}

Test(sim_failure, the_report_prints_property_time_and_events)
{
    struct sim *s = conflicting_run(true);
    sim_run_until(s, 1000000);
    FILE *f = tmpfile();
    sim_failure_print(sim_get_failure(s), f);
    long size = ftell(f);
    rewind(f);
    char *text = g_malloc0((size_t)size + 1);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    /* The instant is written as every report writes one. */
    GString *at = g_string_new("violation: log-matching at ");
    sim_time_text_human(at, sim_get_failure(s)->time_us);
    g_string_append(at, ", event ");
    cr_assert_not_null(strstr(text, at->str), "%s", text);
    g_string_free(at, TRUE);
    cr_assert_not_null(strstr(text, "last 20 events:"));
    cr_assert_not_null(strstr(text, "\"kind\":\"persist\""));
    g_free(text);
    sim_free(s);
}

/* Without recent events a failure reports none, and nothing else of the
 * run changes: the same violation, at the same event, under the same trace
 * hash as the run that keeps them (the ring is outside the hash). */
Test(sim_failure, a_run_without_recent_events_fails_as_one_with_them)
{
    struct sim *kept = conflicting_run_kept(true, false, true);
    struct sim *left = conflicting_run_kept(true, false, false);
    cr_assert_eq(sim_run_until(kept, 1000000), SIM_EVIOLATION);
    cr_assert_eq(sim_run_until(left, 1000000), SIM_EVIOLATION);
    const struct sim_failure *a = sim_get_failure(kept);
    const struct sim_failure *b = sim_get_failure(left);
    cr_assert_eq(a->violation.property, b->violation.property);
    cr_assert_str_eq(a->violation.detail, b->violation.detail);
    cr_assert_eq(a->time_us, b->time_us);
    cr_assert_eq(a->event, b->event);
    cr_assert_eq(a->trace_seq, b->trace_seq);
    cr_assert_eq(sim_trace_hash(kept), sim_trace_hash(left));
    cr_assert(a->last_kept);
    cr_assert_eq(a->n_last, SIM_TRACE_RING_EVENTS);
    cr_assert_eq(a->last[19].seq + 1, a->trace_seq);
    cr_assert_not(b->last_kept);
    cr_assert_eq(b->n_last, 0);

    FILE *f = tmpfile();
    sim_failure_print(b, f);
    long size = ftell(f);
    rewind(f);
    char *text = g_malloc0((size_t)size + 1);
    cr_assert_eq(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    cr_assert_not_null(strstr(text, "last events: not kept"), "%s", text);
    cr_assert_null(strstr(text, "\"kind\""), "%s", text);
    g_free(text);
    sim_free(kept);
    sim_free(left);
}

/* Recording reads each event back from the ring, so a recorded run keeps
 * its recent events even when it was not asked to. */
Test(sim_failure, a_recorded_run_keeps_its_recent_events_anyway)
{
    struct sim *s = conflicting_run_kept(true, true, false);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_EVIOLATION);
    const struct sim_failure *f = sim_get_failure(s);
    cr_assert(f->last_kept);
    cr_assert_eq(f->n_last, SIM_TRACE_RING_EVENTS);
    cr_assert_eq(f->last[19].kind, SIM_TRACE_PERSIST);
    sim_free(s);
}

Test(sim_failure, with_the_checkers_off_the_run_goes_on)
{
    struct sim *s = conflicting_run(false);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    cr_assert_null(sim_get_failure(s));
    cr_assert_eq(sim_now(s), 1000000);
    sim_free(s);
}

static void stop_at_once(struct sim *s, void *ctx)
{
    (void)ctx;
    sim_stop(s);
}

Test(sim_failure, sim_stop_ends_the_run_after_the_current_event)
{
    struct sim_config c;
    sim_config_init(&c);
    struct sim *s = sim_new(&c);
    sim_at(s, 250000, stop_at_once, NULL);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_ESTOPPED);
    cr_assert_eq(sim_now(s), 250000);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_ESTOPPED);
    cr_assert_null(sim_get_failure(s));
    sim_free(s);
}

struct watch
{
    uint64_t seen;    /* events the observer saw */
    uint64_t stop_at; /* stops the run at this event (0: never) */
};

static void watch_event(struct sim *s, void *ctx)
{
    struct watch *w = ctx;
    w->seen++;
    if (w->seen == w->stop_at)
        sim_stop(s);
}

/* The run loop looks after an event only when an observer, a violation or
 * a stop asks it to (one word of flags): each of them, set or cleared at
 * any point, still has its effect at the next event. */
Test(sim_failure, the_observer_the_stop_and_the_violation_each_end_or_watch_the_run)
{
    /* An observer set after some events sees every later one; one that
     * stops the run ends it after the event it saw. */
    struct sim *s = conflicting_run(false);
    struct watch w = {0};
    cr_assert_eq(sim_run_until(s, 100000), SIM_OK);
    uint64_t before = sim_events_processed(s);
    cr_assert_gt(before, 0);
    sim_set_observer(s, watch_event, &w);
    cr_assert_eq(sim_run_until(s, 200000), SIM_OK);
    cr_assert_eq(w.seen, sim_events_processed(s) - before);
    cr_assert_gt(w.seen, 0);
    w.stop_at = w.seen + 3;
    cr_assert_eq(sim_run_until(s, 1000000), SIM_ESTOPPED);
    cr_assert_eq(w.seen, w.stop_at);
    cr_assert_eq(sim_events_processed(s) - before, w.seen);
    sim_free(s);

    /* An observer cleared sees nothing more. */
    s = conflicting_run(false);
    w = (struct watch){0};
    sim_set_observer(s, watch_event, &w);
    cr_assert_eq(sim_run_until(s, 100000), SIM_OK);
    uint64_t seen = w.seen;
    cr_assert_eq(seen, sim_events_processed(s));
    sim_set_observer(s, NULL, NULL);
    cr_assert_eq(sim_run_until(s, 200000), SIM_OK);
    cr_assert_gt(sim_events_processed(s), seen);
    cr_assert_eq(w.seen, seen);
    sim_free(s);

    /* A violation ends the run at its event, which the observer does not
     * see (the trace ended with it), with or without an observer. */
    for (int observed = 0; observed < 2; observed++) {
        s = conflicting_run(true);
        w = (struct watch){0};
        if (observed)
            sim_set_observer(s, watch_event, &w);
        cr_assert_eq(sim_run_until(s, 1000000), SIM_EVIOLATION);
        cr_assert_eq(sim_get_failure(s)->event, sim_events_processed(s));
        cr_assert_eq(w.seen, observed ? sim_events_processed(s) - 1 : 0);
        sim_free(s);
    }
}

/* Seed-dependent clusters with client load and every random fault; the
 * caller frees *faults after s. */
static struct sim *varied_run(uint64_t seed,
                              bool unsafe_host,
                              struct rf_schedule **faults)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = seed;
    c.n_nodes = 3 + (uint32_t)(seed % 5);
    c.pre_vote = seed % 2 == 0;
    c.drop_ppm = 50000;
    c.reorder_ppm = 100000;
    c.snapshot_every = 16;
    c.history = false;
    c.record_events = unsafe_host;
    c.unsafe_send_before_sync = unsafe_host;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    struct rf_config chaos;
    rf_config_init(&chaos);
    *faults = rf_start(s, &chaos, 8000000);
    cr_assert_eq(sim_load(s, 50, 8000000, 0), SIM_OK);
    return s;
}

Test(sim_failure, a_host_that_sends_before_syncing_is_caught_on_every_seed)
{
    /* The first state a node must persist before speaking is a voter's
     * term and vote for a candidate; a host that lets the grant leave first
     * is caught at that send, on every schedule, crash or no crash. */
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct rf_schedule *faults;
        struct sim *s = varied_run(seed, true, &faults);
        cr_assert_eq(sim_run_until(s, 10000000), SIM_EVIOLATION, "seed %llu",
                     (unsigned long long)seed);
        const struct sim_failure *f = sim_get_failure(s);
        cr_assert_eq(f->violation.property, SIM_PROP_PERSISTENCE);
        cr_assert_not_null(strstr(f->violation.detail,
                                  " sent RequestVoteResult of "),
                           "seed %llu: %s", (unsigned long long)seed,
                           f->violation.detail);
        const struct sim_trace_event *last = &f->last[f->n_last - 1];
        cr_assert_eq(last->kind, SIM_TRACE_SEND);
        cr_assert_eq(last->msg_type, RAFT_MSG_REQUEST_VOTE_RESULT);
        cr_assert_eq(last->node, f->violation.nodes[0]);
        sim_free(s);
        rf_free(faults);
    }
}

Test(sim_failure, a_host_that_syncs_before_sending_keeps_the_contract)
{
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct rf_schedule *faults;
        struct sim *s = varied_run(seed, false, &faults);
        cr_assert_eq(
            sim_run_until(s, 10000000), SIM_OK, "seed %llu: %s",
            (unsigned long long)seed,
            sim_get_failure(s) ? sim_get_failure(s)->violation.detail : "");
        sim_free(s);
        rf_free(faults);
    }
}

/* The report's last events equal the recorded trace's, field by field,
 * whether an event was emitted from a copy (sim_emit) or built in place in
 * the ring (sends, deliveries, timers). */
Test(sim_failure, the_reported_last_events_equal_the_recorded_trace)
{
    struct sim *s = conflicting_run(true);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_EVIOLATION);
    const struct sim_failure *f = sim_get_failure(s);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    cr_assert_eq(f->n_last, SIM_TRACE_RING_EVENTS);
    size_t in_place = 0;
    for (size_t i = 0; i < f->n_last; i++) {
        const struct sim_trace_event *a = &f->last[i];
        const struct sim_trace_event *b = &ev[n - 1 - f->n_last + i];
        cr_assert_eq(a->seq, b->seq);
        cr_assert_eq(a->time_us, b->time_us);
        cr_assert_eq(a->kind, b->kind);
        cr_assert_eq(a->node, b->node);
        cr_assert_eq(a->peer, b->peer);
        cr_assert_eq(a->msg_id, b->msg_id);
        cr_assert_eq(a->msg_id2, b->msg_id2);
        cr_assert_eq(a->msg_type, b->msg_type);
        cr_assert_eq(a->term, b->term);
        cr_assert_eq(a->index, b->index);
        cr_assert_eq(a->count, b->count);
        cr_assert_eq(a->commit, b->commit);
        cr_assert_eq(a->aux, b->aux);
        cr_assert_eq(a->role, b->role);
        cr_assert_eq(a->ok, b->ok);
        cr_assert_eq(a->client, b->client);
        cr_assert_eq(a->request, b->request);
        cr_assert_eq(a->line, b->line);
        cr_assert_eq(a->text == NULL, b->text == NULL);
        if (a->text)
            cr_assert_str_eq(a->text, b->text);
        in_place += a->kind == SIM_TRACE_SEND ||
                    a->kind == SIM_TRACE_DELIVER || a->kind == SIM_TRACE_TIMER;
    }
    cr_assert_gt(in_place, 0);
    sim_free(s);
}

/* A listener that records a scenario check at every send: a text past
 * what the ring keeps, a short one or none, each with its line. */
static void check_at_send(struct sim *s, const struct sim_trace_event *e, void *ctx)
{
    int *i = ctx;
    (void)e;
    char text[SIM_TRACE_TEXT_MAX + 60];
    size_t len = *i % 3 == 1 ? sizeof text - 1 : (size_t)*i % 50;
    memset(text, 'a' + *i % 26, len);
    text[len] = '\0';
    sim_trace_check(s, *i % 2 == 0, (uint32_t)(*i + 1), *i % 3 ? text : NULL);
    ++*i;
}

/* The report's events keep their roles, their scenario lines (with or
 * without a text) and their texts, cut to SIM_TRACE_TEXT_MAX bytes: the
 * ring writes text and line only for an event that has either. */
Test(sim_failure, the_reported_last_events_keep_roles_lines_and_texts)
{
    static const uint64_t n2_log[] = {1};
    struct sim_init_state init[3] = {
        {.set = false},
        {.set = true, .term = 1, .log_terms = n2_log, .n_log = 1},
        {.set = false},
    };
    struct sim_config c;
    sim_config_init(&c);
    c.init = init;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_isolate(s, 2), SIM_OK);
    int checks = 0;
    sim_set_listener(s, check_at_send, &checks);
    sim_set_listener_kinds(s, 1u << SIM_TRACE_SEND);
    cr_assert_eq(sim_campaign(s, 1), SIM_OK);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_EVIOLATION);
    const struct sim_failure *f = sim_get_failure(s);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    cr_assert_eq(f->n_last, SIM_TRACE_RING_EVENTS);
    size_t roles = 0, lines = 0, bare_lines = 0, cut = 0;
    for (size_t i = 0; i < f->n_last; i++) {
        const struct sim_trace_event *a = &f->last[i];
        const struct sim_trace_event *b = &ev[n - 1 - f->n_last + i];
        cr_assert_eq(a->seq, b->seq);
        cr_assert_eq(a->kind, b->kind);
        cr_assert_eq(a->role, b->role);
        cr_assert_eq(a->ok, b->ok);
        cr_assert_eq(a->term, b->term);
        cr_assert_eq(a->line, b->line);
        cr_assert_eq(a->text == NULL, b->text == NULL);
        if (a->text) {
            size_t lb = strlen(b->text);
            size_t keep = lb < SIM_TRACE_TEXT_MAX - 1 ? lb : SIM_TRACE_TEXT_MAX - 1;
            cr_assert_eq(strlen(a->text), keep);
            cr_assert_eq(strncmp(a->text, b->text, keep), 0);
            cut += keep < lb;
        }
        roles += a->kind == SIM_TRACE_ROLE && a->role != RAFT_FOLLOWER;
        lines += a->line != 0;
        bare_lines += a->line != 0 && a->text == NULL;
    }
    cr_assert_gt(roles, 0);
    cr_assert_gt(lines, 0);
    cr_assert_gt(bare_lines, 0);
    cr_assert_gt(cut, 0);
    sim_free(s);
}
