/* test_sim_listener.c: a host's listener hears every trace event of the
 * kinds it asked for, in order, and nothing else; narrowing it changes
 * nothing else in the run. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

struct heard
{
    uint64_t seq[4096];
    size_t n;
};

static void hear(struct sim *s, const struct sim_trace_event *e, void *ctx)
{
    struct heard *h = ctx;
    (void)s;
    cr_assert_lt(h->n, 4096);
    h->seq[h->n++] = e->seq;
}

/* Three nodes elect a leader and exchange heartbeats for two simulated
 * seconds, with a note at the start; kinds 0 means every kind. */
static struct sim *run(struct heard *h, uint64_t kinds)
{
    struct sim_config c;
    sim_config_init(&c);
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    sim_set_listener(s, hear, h);
    if (kinds)
        sim_set_listener_kinds(s, kinds);
    sim_note(s, 0, "start");
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    return s;
}

Test(sim_listener, a_listener_hears_exactly_the_kinds_it_asked_for)
{
    static struct heard all, some;
    memset(&all, 0, sizeof all);
    memset(&some, 0, sizeof some);
    const uint64_t kinds = UINT64_C(1) << SIM_TRACE_ROLE |
                           UINT64_C(1) << SIM_TRACE_NOTE |
                           UINT64_C(1) << SIM_TRACE_SEND;
    struct sim *a = run(&all, 0);
    struct sim *b = run(&some, kinds);
    /* The same run, whatever the listener hears. */
    cr_assert_eq(sim_trace_hash(a), sim_trace_hash(b));
    cr_assert_eq(sim_trace_len(a), sim_trace_len(b));
    cr_assert_eq(sim_events_processed(a), sim_events_processed(b));
    /* Unnarrowed: every event from the listener's start (sim_new() emits
     * some before); narrowed: exactly those of its kinds. */
    const struct sim_trace_event *ev = sim_trace_events(b);
    size_t n = sim_trace_len(b), k = 0, other = 0;
    cr_assert_gt(all.n, 0);
    cr_assert_leq(all.n, n);
    size_t start = n - all.n;
    for (size_t i = start; i < n; i++) {
        cr_assert_eq(all.seq[i - start], ev[i].seq);
        if ((kinds >> ev[i].kind & 1) == 0) {
            other++;
            continue;
        }
        cr_assert_lt(k, some.n, "event seq %llu not heard",
                     (unsigned long long)ev[i].seq);
        cr_assert_eq(some.seq[k], ev[i].seq);
        k++;
    }
    cr_assert_eq(k, some.n);
    cr_assert_gt(k, 3);
    cr_assert_gt(other, 3);
    sim_free(a);
    sim_free(b);
}

/* Every field of an event as the listener hears it and as the trace
 * records it: sends, deliveries and timers reach the listener read back
 * from the tracer's ring, where they are kept as the hash's words. */
static void expect_same_event(const struct sim_trace_event *a,
                              const struct sim_trace_event *b)
{
    cr_assert_eq(a->seq, b->seq);
    cr_assert_eq(a->time_us, b->time_us, "seq %llu", (unsigned long long)a->seq);
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
    cr_assert_eq(a->aux, b->aux, "seq %llu", (unsigned long long)a->seq);
    cr_assert_eq(a->role, b->role);
    cr_assert_eq(a->ok, b->ok, "seq %llu", (unsigned long long)a->seq);
    cr_assert_eq(a->client, b->client);
    cr_assert_eq(a->request, b->request);
    cr_assert_eq(a->line, b->line);
    cr_assert_eq(a->text == NULL, b->text == NULL);
    if (a->text)
        cr_assert_str_eq(a->text, b->text);
}

struct heard_events
{
    struct sim_trace_event ev[2048];
    size_t n, sends, ok_results;
    size_t of_kind[SIM_TRACE_KIND_COUNT];
};

static void hear_event(struct sim *s, const struct sim_trace_event *e, void *ctx)
{
    struct heard_events *h = ctx;
    (void)s;
    cr_assert_lt(h->n, 2048);
    h->ev[h->n] = *e;
    h->ev[h->n].text = NULL; /* the listener's text lives for the call */
    h->n++;
    h->sends += e->kind == SIM_TRACE_SEND;
    h->ok_results += e->kind == SIM_TRACE_DELIVER && e->ok;
    h->of_kind[e->kind]++;
}

/* Runs one second of the default cluster with a listener for `kinds` into
 * *h and checks that it heard every event of those kinds, every field as
 * the trace records it. */
static void expect_heard_as_recorded(struct heard_events *h, uint32_t kinds)
{
    struct sim_config c;
    sim_config_init(&c);
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    sim_set_listener(s, hear_event, h);
    sim_set_listener_kinds(s, kinds);
    /* The events of sim_new() came before the listener. */
    size_t start = sim_trace_len(s);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t k = 0;
    for (size_t i = start; i < n; i++) {
        if ((kinds >> ev[i].kind & 1) == 0)
            continue;
        cr_assert_lt(k, h->n);
        struct sim_trace_event rec = ev[i];
        rec.text = NULL;
        expect_same_event(&h->ev[k++], &rec);
    }
    cr_assert_eq(k, h->n);
    sim_free(s);
}

Test(sim_listener, a_listener_hears_every_field_of_the_sends_deliveries_and_timers)
{
    static struct heard_events h;
    expect_heard_as_recorded(&h, 1u << SIM_TRACE_SEND |
                                     1u << SIM_TRACE_DELIVER |
                                     1u << SIM_TRACE_TIMER);
    /* The run had what the words must carry: messages of several types,
     * granted votes and successful appends (ok), an elected leader. */
    cr_assert_gt(h.sends, 20);
    cr_assert_gt(h.ok_results, 5);
}

/* Commits, applies, disk syncs and a leader's progress are recorded
 * through the same inline path (sim_emit_fields()) and heard read back
 * from the ring as well. */
Test(sim_listener, a_listener_hears_every_field_of_the_commits_applies_syncs_and_progress)
{
    static struct heard_events h;
    expect_heard_as_recorded(&h, 1u << SIM_TRACE_COMMIT |
                                     1u << SIM_TRACE_APPLY |
                                     1u << SIM_TRACE_SYNC |
                                     1u << SIM_TRACE_PROGRESS);
    cr_assert_gt(h.of_kind[SIM_TRACE_COMMIT], 2);
    cr_assert_gt(h.of_kind[SIM_TRACE_APPLY], 2);
    cr_assert_gt(h.of_kind[SIM_TRACE_SYNC], 2);
    cr_assert_gt(h.of_kind[SIM_TRACE_PROGRESS], 1);
}

/* Heard events with a copy of each text (the listener's lives for the
 * call). */
struct heard_texts
{
    struct heard_events e;
    char *text[2048];
};

static void hear_with_text(struct sim *s,
                           const struct sim_trace_event *e,
                           void *ctx)
{
    struct heard_texts *h = ctx;
    h->text[h->e.n] = NULL;
    if (e->text) {
        size_t len = strlen(e->text) + 1;
        h->text[h->e.n] = malloc(len);
        cr_assert_not_null(h->text[h->e.n]);
        memcpy(h->text[h->e.n], e->text, len);
    }
    hear_event(s, e, &h->e);
}

/* Checks that h heard, with every field and text, the events of kinds
 * that the recording run s recorded from start on, and frees h's texts.
 * Returns how many of them have a text. */
static size_t expect_texts_heard_as_recorded(struct heard_texts *h,
                                             struct sim *s,
                                             size_t start,
                                             uint32_t kinds)
{
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t k = 0, texts = 0;
    for (size_t i = start; i < n; i++) {
        if ((kinds >> ev[i].kind & 1) == 0)
            continue;
        cr_assert_lt(k, h->e.n);
        struct sim_trace_event heard = h->e.ev[k];
        heard.text = h->text[k];
        expect_same_event(&heard, &ev[i]);
        texts += ev[i].text != NULL;
        free(h->text[k]);
        k++;
    }
    cr_assert_eq(k, h->e.n);
    return texts;
}

/* Disk writes and lost messages are recorded from the values and text
 * length at hand (sim_emit_text()): the listener hears each with every
 * field and its whole text, as the trace records it, and the run's hash
 * is the fold of the recorded events, texts included. */
Test(sim_listener, a_listener_hears_every_field_and_text_of_the_writes_and_drops)
{
    static struct heard_texts h;
    uint32_t kinds = 1u << SIM_TRACE_PERSIST | 1u << SIM_TRACE_DROP;
    struct sim_config c;
    sim_config_init(&c);
    c.record_events = true;
    c.seed = 3;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_set_drop(s, 100000), SIM_OK);
    cr_assert_eq(sim_load(s, 50.0, 2000000, 0), SIM_OK);
    sim_set_listener(s, hear_with_text, &h);
    sim_set_listener_kinds(s, kinds);
    size_t start = sim_trace_len(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t texts = expect_texts_heard_as_recorded(&h, s, start, kinds);
    cr_assert_gt(h.e.of_kind[SIM_TRACE_PERSIST], 20);
    cr_assert_gt(h.e.of_kind[SIM_TRACE_DROP], 5);
    cr_assert_gt(texts, h.e.of_kind[SIM_TRACE_DROP]);

    uint64_t hash = SIM_TRACE_HASH_START;
    for (size_t i = 0; i < n; i++)
        hash = sim_trace_hash_event(hash, &ev[i],
                                    ev[i].text ? strlen(ev[i].text) : 0);
    cr_assert_eq(sim_trace_hash_finish(hash, n), sim_trace_hash(s));
    sim_free(s);
}

/* A write's text longer than the ring keeps (SIM_TRACE_TEXT_MAX bytes):
 * a node that starts empty takes a log of 40 terms in one write, and the
 * listener hears, and the trace records, its whole text. */
Test(sim_listener, a_writes_text_longer_than_the_ring_is_heard_and_recorded_whole)
{
    static struct heard_texts h;
    uint64_t terms[40];
    for (size_t i = 0; i < 40; i++)
        terms[i] = i + 1;
    struct sim_init_state init[3] = {
        {.set = true, .term = 40, .log_terms = terms, .n_log = 40},
        {.set = true, .term = 40, .log_terms = terms, .n_log = 40},
        {.set = false},
    };
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.init = init;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    sim_set_listener(s, hear_with_text, &h);
    sim_set_listener_kinds(s, 1u << SIM_TRACE_PERSIST);
    size_t start = sim_trace_len(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t k = 0, long_texts = 0;
    for (size_t i = start; i < n; i++) {
        if (ev[i].kind != SIM_TRACE_PERSIST)
            continue;
        cr_assert_lt(k, h.e.n);
        struct sim_trace_event heard = h.e.ev[k];
        heard.text = h.text[k];
        expect_same_event(&heard, &ev[i]);
        if (ev[i].text && strlen(ev[i].text) >= SIM_TRACE_TEXT_MAX)
            long_texts++;
        free(h.text[k]);
        k++;
    }
    cr_assert_eq(k, h.e.n);
    cr_assert_geq(long_texts, 1);
    sim_free(s);
}

/* A ring slot of a send, delivery, timer, commit, apply, disk sync or a
 * leader's progress holds only the words that kind carries (sim_tracer.h,
 * sim_trace_kind_words()); the others keep what the slot's last event
 * wrote. In a run whose clients and duplicated messages fill slots with
 * client, request and copy ids, the events read back from the ring (the
 * recorded trace's, and what a listener hears) carry none of those
 * stale words: they fold to the run's hash. */
Test(sim_listener, a_reused_ring_slot_gives_back_no_stale_word)
{
    struct sim_config c;
    sim_config_init(&c);
    c.record_events = true;
    c.seed = 5;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_set_duplicate(s, 100000), SIM_OK);
    cr_assert_eq(sim_load(s, 50.0, 2000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t carriers = 0, copies = 0, timers = 0, sends = 0;
    uint64_t hash = SIM_TRACE_HASH_START;
    for (size_t i = 0; i < n; i++) {
        const struct sim_trace_event *e = &ev[i];
        hash = sim_trace_hash_event(hash, e, e->text ? strlen(e->text) : 0);
        carriers += e->client != 0 && e->request != 0;
        copies += e->msg_id2 != 0;
        switch (e->kind) {
        case SIM_TRACE_TIMER:
            cr_assert_eq(e->msg_id | e->term | e->index | e->count | e->commit,
                         0, "seq %llu", (unsigned long long)e->seq);
            timers++;
            /* fall through */
        case SIM_TRACE_SEND:
        case SIM_TRACE_DELIVER:
        case SIM_TRACE_COMMIT:
        case SIM_TRACE_APPLY:
        case SIM_TRACE_SYNC:
        case SIM_TRACE_PROGRESS:
            cr_assert_eq(e->msg_id2 | e->client | e->request, 0, "seq %llu",
                         (unsigned long long)e->seq);
            sends += e->kind == SIM_TRACE_SEND;
            break;
        default:
            break;
        }
    }
    cr_assert_eq(sim_trace_hash_finish(hash, n), sim_trace_hash(s));
    cr_assert_gt(carriers, 50);
    cr_assert_gt(copies, 5);
    cr_assert_gt(timers, 20);
    cr_assert_gt(sends, 200);
    sim_free(s);
}

/* A listener removed (sim_set_listener() with NULL) hears nothing more,
 * even when kinds are asked for after it is gone, and the run goes on as
 * it would have with the listener kept. */
Test(sim_listener, a_removed_listener_hears_nothing_whatever_kinds_follow)
{
    static struct heard kept, removed;
    memset(&kept, 0, sizeof kept);
    memset(&removed, 0, sizeof removed);
    struct sim *a = run(&kept, 0);
    struct sim *b = run(&removed, 0);
    size_t heard = removed.n;
    cr_assert_gt(heard, 0);
    sim_set_listener(b, NULL, NULL);
    cr_assert_eq(sim_run_until(a, 3000000), SIM_OK);
    cr_assert_eq(sim_run_until(b, 3000000), SIM_OK);
    sim_set_listener_kinds(b, ~UINT64_C(0));
    cr_assert_eq(sim_run_until(a, 4000000), SIM_OK);
    cr_assert_eq(sim_run_until(b, 4000000), SIM_OK);
    cr_assert_eq(removed.n, heard);
    cr_assert_gt(kept.n, heard);
    cr_assert_eq(sim_trace_hash(a), sim_trace_hash(b));
    cr_assert_eq(sim_trace_len(a), sim_trace_len(b));
    sim_free(a);
    sim_free(b);
}

/* Kinds asked for before any listener is set are not kept: the listener
 * set next hears every kind, as sim_set_listener() promises. */
Test(sim_listener, kinds_asked_for_before_a_listener_do_not_narrow_it)
{
    /* [0]: every kind from the start; [1]: kinds asked for first. */
    static struct heard h[2];
    memset(h, 0, sizeof h);
    struct sim *a = run(&h[0], 0);
    struct sim_config c;
    sim_config_init(&c);
    c.record_events = true;
    struct sim *b = sim_new(&c);
    cr_assert_not_null(b);
    sim_set_listener_kinds(b, UINT64_C(1) << SIM_TRACE_NOTE);
    sim_set_listener(b, hear, &h[1]);
    sim_note(b, 0, "start");
    cr_assert_eq(sim_run_until(b, 2000000), SIM_OK);
    cr_assert_eq(h[1].n, h[0].n);
    cr_assert_eq(memcmp(h[1].seq, h[0].seq, h[0].n * sizeof h[0].seq[0]), 0);
    sim_free(a);
    sim_free(b);
}

/* A run that keeps no recent events writes a slot only for the kinds a
 * listener hears (sim_tracer_listen()): the listener hears each event,
 * every field and its whole text, as a recording run records it, and the
 * two runs hash alike. */
Test(sim_listener, a_listener_of_a_run_without_recent_events_hears_what_is_recorded)
{
    static struct heard_texts h;
    uint32_t kinds = 1u << SIM_TRACE_SEND | 1u << SIM_TRACE_DELIVER |
                     1u << SIM_TRACE_PERSIST | 1u << SIM_TRACE_DROP |
                     1u << SIM_TRACE_COMMIT;
    struct sim *s[2];
    for (int i = 0; i < 2; i++) {
        struct sim_config c;
        sim_config_init(&c);
        c.seed = 3;
        c.record_events = i == 1;
        c.recent_events = i == 1;
        s[i] = sim_new(&c);
        cr_assert_not_null(s[i]);
        cr_assert_eq(sim_set_drop(s[i], 100000), SIM_OK);
        cr_assert_eq(sim_load(s[i], 50.0, 2000000, 0), SIM_OK);
    }
    sim_set_listener(s[0], hear_with_text, &h);
    sim_set_listener_kinds(s[0], kinds);
    size_t start = sim_trace_len(s[1]);
    cr_assert_eq(sim_run_until(s[0], 600000), SIM_OK);
    cr_assert_eq(sim_run_until(s[1], 600000), SIM_OK);
    cr_assert_eq(sim_trace_hash(s[0]), sim_trace_hash(s[1]));
    size_t texts = expect_texts_heard_as_recorded(&h, s[1], start, kinds);
    cr_assert_geq(texts, h.e.of_kind[SIM_TRACE_DROP]);
    cr_assert_gt(h.e.sends, 20);
    cr_assert_gt(h.e.of_kind[SIM_TRACE_DROP], 2);
    cr_assert_gt(h.e.of_kind[SIM_TRACE_PERSIST], 5);
    cr_assert_gt(h.e.of_kind[SIM_TRACE_COMMIT], 2);
    sim_free(s[0]);
    sim_free(s[1]);
}
