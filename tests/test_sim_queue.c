/* test_sim_queue.c: the event queue pops by (time, insertion order). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "sim/sim_queue.h"

static void push(struct sim_queue *q, uint64_t time_us, uint64_t arg)
{
    struct sim_event e = {.time_us = time_us, .arg = arg};
    sim_queue_push(q, &e);
}

Test(sim_queue, events_pop_in_time_order)
{
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t times[] = {50, 10, 40, 30, 20, 60, 0};
    for (size_t i = 0; i < 7; i++)
        push(&q, times[i], i);
    uint64_t expect[] = {0, 10, 20, 30, 40, 50, 60};
    struct sim_event e;
    for (size_t i = 0; i < 7; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, expect[i]);
    }
    cr_assert_not(sim_queue_pop(&q, &e));
    sim_queue_destroy(&q);
}

Test(sim_queue, equal_times_pop_in_insertion_order)
{
    struct sim_queue q;
    sim_queue_init(&q);
    /* Interleave two times so that the heap has to reorder. */
    for (uint64_t i = 0; i < 1000; i++)
        push(&q, (i % 2) ? 7 : 3, i);
    struct sim_event e;
    uint64_t last_arg = 0;
    for (uint64_t i = 0; i < 500; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, 3);
        cr_assert_eq(e.arg, 2 * i);
        if (i)
            cr_assert_gt(e.arg, last_arg);
        last_arg = e.arg;
    }
    for (uint64_t i = 0; i < 500; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, 7);
        cr_assert_eq(e.arg, 2 * i + 1);
    }
    sim_queue_destroy(&q);
}

Test(sim_queue, sequence_numbers_are_dense_from_one)
{
    struct sim_queue q;
    sim_queue_init(&q);
    struct sim_event e = {.time_us = 5};
    cr_assert_eq(sim_queue_push(&q, &e), 1);
    cr_assert_eq(sim_queue_push(&q, &e), 2);
    cr_assert_eq(sim_queue_push(&q, &e), 3);
    cr_assert_eq(sim_queue_len(&q), 3);
    cr_assert_eq(sim_queue_peek(&q)->seq, 1);
    sim_queue_destroy(&q);
}

Test(sim_queue, random_pushes_and_pops_stay_sorted)
{
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t x = 12345;
    uint64_t last_time = 0, last_seq = 0;
    size_t popped = 0;
    for (int round = 0; round < 20000; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        /* Push only at or after the last popped time, as the engine does. */
        push(&q, last_time + ((x >> 33) % 50), (uint64_t)round);
        if (round % 3 == 2) {
            struct sim_event e;
            cr_assert(sim_queue_pop(&q, &e));
            cr_assert(e.time_us > last_time ||
                      (e.time_us == last_time && e.seq > last_seq));
            last_time = e.time_us;
            last_seq = e.seq;
            popped++;
        }
    }
    cr_assert_eq(popped + sim_queue_len(&q), 20000);
    sim_queue_destroy(&q);
}

/* A model of the queue: every event pushed so far, popped by (time, seq). */
struct model
{
    uint64_t time[4096];
    uint64_t seq[4096];
    bool gone[4096];
    size_t n;
};

static size_t model_first(const struct model *m)
{
    size_t best = m->n;
    for (size_t i = 0; i < m->n; i++) {
        if (m->gone[i])
            continue;
        if (best == m->n || m->time[i] < m->time[best] ||
            (m->time[i] == m->time[best] && m->seq[i] < m->seq[best]))
            best = i;
    }
    return best;
}

/* Peeks and pops q once and checks both against the model m: the event m
 * names first (its arg, seq and time), or none when m holds none; the
 * popped event leaves m, and *now becomes its time. */
static void pop_as_the_model_says(struct sim_queue *q,
                                  struct model *m,
                                  uint64_t *now)
{
    size_t want = model_first(m);
    const struct sim_event *top = sim_queue_peek(q);
    struct sim_event e;
    if (want == m->n) {
        cr_assert_null(top);
        cr_assert_not(sim_queue_pop(q, &e));
        return;
    }
    cr_assert_not_null(top);
    cr_assert_eq(top->arg, want);
    cr_assert(sim_queue_pop(q, &e));
    cr_assert_eq(e.arg, want, "popped event %" PRIu64 ", model says %zu", e.arg,
                 want);
    cr_assert_eq(e.seq, m->seq[want]);
    cr_assert_eq(e.time_us, m->time[want]);
    m->gone[want] = true;
    *now = e.time_us;
}

/* The split into the wheel and the far heap is invisible: events due
 * within and beyond SIM_QUEUE_WHEEL_US, many of them at one instant (ties
 * between an event pushed far ahead and one pushed when the instant came
 * near), pop in exactly the (time, seq) order of a model, and peek names
 * the next one. */
Test(sim_queue, near_and_far_events_pop_in_time_then_push_order)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t x = 99, now = 0;
    const uint64_t far = SIM_QUEUE_WHEEL_US;
    /* Delays on both sides of the bound and on it, onto few instants. */
    const uint64_t delays[] = {0, 1, far - 1, far, far + 1, 2 * far, 40 * far};
    for (int round = 0; round < 4000; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        if ((x >> 40) % 5 < 3 && m.n < 4096) {
            uint64_t d = delays[(x >> 20) % 7];
            /* Round to a grid so that distinct pushes meet at one time. */
            uint64_t t = (now + d) / 1000 * 1000;
            if (t < now)
                t = now;
            struct sim_event e = {.time_us = t, .arg = m.n};
            m.time[m.n] = t;
            m.seq[m.n] = sim_queue_push(&q, &e);
            m.n++;
        } else {
            pop_as_the_model_says(&q, &m, &now);
        }
        size_t left = 0;
        for (size_t i = 0; i < m.n; i++)
            left += !m.gone[i];
        cr_assert_eq(sim_queue_len(&q), left);
    }
    sim_queue_destroy(&q);
}

/* A timer is cancelled by pushing its replacement and ignoring the stale
 * event when it pops (sim_node.c, generations): the stale far event and an
 * earlier replacement pushed near later both pop, in time order, and an
 * event pushed far ahead still precedes a later-pushed one at its instant. */
Test(sim_queue, a_far_event_precedes_a_later_push_at_its_instant)
{
    struct sim_queue q;
    sim_queue_init(&q);
    const uint64_t t = 3 * SIM_QUEUE_WHEEL_US;
    push(&q, t, 1);                         /* far: the stale timer */
    push(&q, SIM_QUEUE_WHEEL_US / 2, 2);    /* near: advances the clock */
    struct sim_event e;
    cr_assert(sim_queue_pop(&q, &e));
    cr_assert_eq(e.arg, 2);
    push(&q, t - 10, 3);                    /* far still: the replacement */
    push(&q, e.time_us + 5, 4);             /* near */
    cr_assert(sim_queue_pop(&q, &e));
    cr_assert_eq(e.arg, 4);
    cr_assert(sim_queue_pop(&q, &e));
    cr_assert_eq(e.arg, 3);
    push(&q, t, 5);                         /* near now, same instant as 1 */
    cr_assert(sim_queue_pop(&q, &e));
    cr_assert_eq(e.arg, 1, "the event pushed first pops first at one time");
    cr_assert(sim_queue_pop(&q, &e));
    cr_assert_eq(e.arg, 5);
    cr_assert_eq(sim_queue_len(&q), 0);
    sim_queue_destroy(&q);
}

/* Events pushed at a recurring delay past the latest popped time go to the
 * lanes, FIFO rings merged with the wheel and the heap at every pop: a
 * second route to
 * the same order. Recurring delays (one on each side of SIM_QUEUE_WHEEL_US,
 * one of them 0) are mixed with drawn ones, pushes onto one instant and,
 * now and then, a push before the latest popped time, which a lane of
 * its delay must not take (its events would no longer be sorted); every
 * pop and peek must be the model's, and the lanes must have been used. */
Test(sim_queue, lanes_pop_in_time_then_push_order)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t x = 7, now = 0;
    const uint64_t recurring[] = {0, 15000, 100000, 900};
    size_t laned = 0;
    for (int round = 0; round < 12000 && m.n < 4096; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = x >> 33;
        if (r % 7 < 4) {
            uint64_t t;
            if (r % 97 == 0 && now >= 500)
                t = now - 1 - (x >> 12) % 500; /* into the past */
            else if ((r >> 8) % 4 != 0)
                t = now + recurring[(r >> 12) % 4];
            else
                t = now + (x >> 20) % 200000; /* drawn */
            struct sim_event e = {.time_us = t, .arg = m.n};
            size_t before_len[SIM_QUEUE_LANES];
            for (int i = 0; i < SIM_QUEUE_LANES; i++)
                before_len[i] = q.merge.lane[i].len;
            m.time[m.n] = t;
            m.seq[m.n] = sim_queue_push(&q, &e);
            m.n++;
            for (int i = 0; i < SIM_QUEUE_LANES; i++)
                laned += q.merge.lane[i].len > before_len[i];
        } else {
            pop_as_the_model_says(&q, &m, &now);
        }
    }
    cr_assert_gt(laned, m.n / 4, "the lanes took %zu of %zu events", laned,
                 m.n);
    /* Drained through sim_queue_pop_due(), in order, up to a bound. */
    struct sim_event e;
    uint64_t until = now + 50000;
    for (;;) {
        size_t want = model_first(&m);
        bool due = want != m.n && m.time[want] <= until;
        cr_assert_eq(sim_queue_pop_due(&q, until, &e), due);
        if (!due)
            break;
        cr_assert_eq(e.arg, want);
        m.gone[want] = true;
    }
    size_t left = 0;
    for (size_t i = 0; i < m.n; i++)
        left += !m.gone[i];
    cr_assert_eq(sim_queue_len(&q), left);
    sim_queue_destroy(&q);
}

/* The wheel keeps one slot per SIM_QUEUE_SLOT_US of its window, each in
 * (time, push) order, and finds its next slot in a bitmap: delays onto
 * the slots' edges, the window's (0, its last slot, one past it) and the
 * bitmap's words' (63, 64, 65 slots), many events at one instant, many
 * at different times in one slot (pushed later, due earlier: put before
 * those due later), stretches with one or two events a window apart (the
 * search circling past the last slot, across empty words), a clock that
 * circles the window many times, now and then a push before the latest
 * popped time (the wheel's when in that time's slot, else the far
 * heap's), and the bitmap's words that no summary bit marks filled with
 * ones: every peek and pop must be the model's, and the wheel must have
 * taken most events. */
Test(sim_queue, wheel_pops_in_time_then_push_order)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    struct sim_queue q;
    sim_queue_init(&q);
    const uint64_t w = SIM_QUEUE_WHEEL_US, u = SIM_QUEUE_SLOT_US;
    const uint64_t edges[] = {0,          1,          u - 1,      u,
                              63 * u,     64 * u - 1, 64 * u,     65 * u,
                              w - 64 * u, w - u,      w - u + 1,  w - 1,
                              w,          w + 1};
    uint64_t x = 2024, now = 0;
    size_t wheeled = 0, circles = 0;
    for (int round = 0; round < 16000 && m.n < 4096; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = x >> 33;
        size_t left = 0;
        for (size_t i = 0; i < m.n; i++)
            left += !m.gone[i];
        cr_assert_eq(sim_queue_len(&q), left);
        /* Sparse stretches: pop down to one or two events in half of
         * every 512 rounds. */
        bool sparse = (round >> 8) % 2 == 1 && left > 1 + r % 2;
        if (!sparse && r % 9 < 5) {
            uint64_t t;
            if (r % 61 == 0 && now >= 100)
                t = now - 1 - (x >> 12) % 100; /* into the past */
            else if ((r >> 8) % 3 == 0)
                t = now + edges[(r >> 12) % 14];
            else if ((r >> 8) % 3 == 1)
                t = (now + (x >> 20) % (w + 50)) / 16 * 16; /* onto few */
            else
                t = now + (x >> 20) % (w + 50);
            if (t < now && r % 61 != 0)
                t = now;
            struct sim_event e = {.time_us = t, .arg = m.n};
            size_t far = q.far.len + q.merge.run.len, laned = 0;
            for (int i = 0; i < SIM_QUEUE_LANES; i++)
                laned += q.merge.lane[i].len;
            m.time[m.n] = t;
            m.seq[m.n] = sim_queue_push(&q, &e);
            m.n++;
            size_t laned_after = 0;
            for (int i = 0; i < SIM_QUEUE_LANES; i++)
                laned_after += q.merge.lane[i].len;
            wheeled += q.far.len + q.merge.run.len == far &&
                       laned_after == laned;
        } else {
            uint64_t before = now;
            pop_as_the_model_says(&q, &m, &now);
            circles += now / w != before / w;
        }
        /* A bitmap word whose summary bit is clear is never read: fill
         * those words with ones, as memory never written may be. */
        struct sim_wheel *wh = &q.merge.wheel;
        for (size_t i = 0; round % 16 == 0 && i < SIM_QUEUE_SLOTS / 64; i++)
            if (!(wh->summary >> i & 1))
                wh->bits[i] = ~0ull;
    }
    cr_assert_gt(wheeled, m.n / 2, "the wheel took %zu of %zu events",
                 wheeled, m.n);
    cr_assert_gt(circles, 20, "the clock circled the window %zu times",
                 circles);
    for (;;) {
        pop_as_the_model_says(&q, &m, &now);
        if (model_first(&m) == m.n)
            break;
    }
    cr_assert_null(sim_queue_peek(&q));
    sim_queue_destroy(&q);
}

/* Far events pushed in (time, push) order go to a run, a FIFO beside the
 * far heap (as the statements a scenario schedules up front do), and the
 * far source's first is the earlier of the run's and the heap's: far
 * pushes mostly in order and onto few instants (some at the run's last
 * time), some due before the run's last (the heap's: some at an instant
 * of the run's, some 1 us before its last), near pushes and pops between
 * them, then a drain: every pop and peek must be the model's, the run
 * must have taken most far events and the heap some. */
Test(sim_queue, far_events_pushed_in_order_pop_from_the_run_in_order)
{
    static struct model m;
    memset(&m, 0, sizeof m);
    struct sim_queue q;
    sim_queue_init(&q);
    const uint64_t w = SIM_QUEUE_WHEEL_US;
    uint64_t x = 4242, now = 0, ahead = 2 * w;
    size_t far = 0, run = 0, heap = 0;
    for (int round = 0; round < 12000 && m.n < 4096; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint64_t r = x >> 33;
        if (r % 8 >= 5) {
            pop_as_the_model_says(&q, &m, &now);
            continue;
        }
        uint64_t t;
        if (r % 8 < 3) {
            /* In order: at the run's last time, or later. */
            if ((r >> 8) % 4 != 0)
                ahead += (x >> 20) % 5000 / 1000 * 1000;
            if (ahead < now + 2 * w)
                ahead = (now + 2 * w) / 1000 * 1000;
            t = ahead;
        } else if (r % 8 == 3 && ahead > now + w + 2000) {
            /* Far, but before the run's last (or at it). */
            t = now + w + 1000 + (x >> 20) % (ahead - now - w - 1000);
            t = (r >> 8) % 4 == 0 ? ahead - 1 : t / 1000 * 1000;
            if (t < now + w + 1000)
                t = ahead;
        } else {
            t = now + (x >> 20) % 1000;
        }
        struct sim_event e = {.time_us = t, .arg = m.n};
        size_t run_len = q.merge.run.len, heap_len = q.far.len;
        m.time[m.n] = t;
        m.seq[m.n] = sim_queue_push(&q, &e);
        m.n++;
        run += q.merge.run.len > run_len;
        heap += q.far.len > heap_len;
        far += t >= now + w + 1000;
    }
    cr_assert_gt(run, far / 2, "the run took %zu of %zu far events", run,
                 far);
    cr_assert_gt(heap, 50, "the far heap took %zu events", heap);
    while (model_first(&m) != m.n)
        pop_as_the_model_says(&q, &m, &now);
    pop_as_the_model_says(&q, &m, &now);
    cr_assert_eq(sim_queue_len(&q), 0);
    sim_queue_destroy(&q);
}

/* Pops q once and checks the event is the one whose arg is want. */
static void pop_arg(struct sim_queue *q, uint64_t want)
{
    struct sim_event e;
    cr_assert(sim_queue_pop(q, &e), "empty, event %" PRIu64 " expected",
              want);
    cr_assert_eq(e.arg, want, "popped event %" PRIu64 ", expected %" PRIu64,
                 e.arg, want);
}

/* A lane takes an event only when it is due its delay past the latest
 * popped time and not before that time: with a lane tagged with 100 us
 * holding an event 50 us short of the clock's end, a push 100 us past a
 * later popped time wraps around to 39 us, which the lane must refuse
 * (it would sit after the lane's later event): it pops first. */
Test(sim_queue, a_lane_takes_no_event_due_before_the_latest_popped_time)
{
    struct sim_queue q;
    sim_queue_init(&q);
    push(&q, 100, 0);
    push(&q, 100, 1); /* the same delay again tags a lane with it */
    cr_assert_eq(q.merge.lane[0].delay_us + q.merge.lane[1].delay_us,
                 100 + UINT64_MAX);
    push(&q, UINT64_MAX - 150, 2);
    push(&q, UINT64_MAX - 60, 3);
    for (uint64_t i = 0; i < 3; i++)
        pop_arg(&q, i);
    size_t laned = q.merge.lane[0].len + q.merge.lane[1].len;
    push(&q, UINT64_MAX - 50, 4); /* 100 us past UINT64_MAX - 150: laned */
    cr_assert_eq(q.merge.lane[0].len + q.merge.lane[1].len, laned + 1);
    pop_arg(&q, 3);
    push(&q, 39, 5); /* 100 us past UINT64_MAX - 60, mod 2^64 */
    pop_arg(&q, 5);
    pop_arg(&q, 4);
    cr_assert_eq(sim_queue_len(&q), 0);
    sim_queue_destroy(&q);
}

/* An untagged lane's delay is UINT64_MAX, that of an event due at
 * UINT64_MAX pushed before any pop: it may take such events (its ring is
 * there from the first push on), and they pop in push order, after every
 * earlier event. */
Test(sim_queue, events_due_at_the_end_of_time_pop_in_push_order)
{
    struct sim_queue q;
    sim_queue_init(&q);
    for (uint64_t i = 0; i < 6; i++)
        push(&q, i % 2 ? UINT64_MAX : 1000 - i, i);
    const uint64_t want[] = {4, 2, 0, 1, 3, 5};
    for (size_t i = 0; i < 6; i++)
        pop_arg(&q, want[i]);
    cr_assert_eq(sim_queue_len(&q), 0);
    sim_queue_destroy(&q);
}

/* Pushes up to cap events due delay_us past the latest popped time now_us,
 * each with arg from_arg on; when laned_only, stops at the first that the
 * lanes, having taken some, do not take. Returns how many were pushed. */
static size_t push_at_delay(struct sim_queue *q,
                            uint64_t now_us,
                            uint64_t delay_us,
                            uint64_t from_arg,
                            size_t cap,
                            bool laned_only)
{
    size_t n = 0;
    for (; n < cap; n++) {
        size_t laned = q->merge.lane[0].len + q->merge.lane[1].len;
        push(q, now_us + delay_us, from_arg + n);
        if (laned_only && laned > 0 &&
            q->merge.lane[0].len + q->merge.lane[1].len == laned)
            return n + 1;
    }
    return n;
}

/* The run loop reads the event it takes in place while its handler
 * pushes more: a taken record is the queue's own, and no push writes over
 * it before the next take, from a lane filled to its capacity (whose
 * slot, just before its head, a full ring would reuse) or from the wheel
 * and the far source (a copy). */
Test(sim_queue, a_taken_event_is_unchanged_by_pushes_until_the_next_take)
{
    struct sim_queue q;
    sim_queue_init(&q);
    /* A lane at a 900 us delay, filled until it takes no more. */
    size_t n = push_at_delay(&q, 0, 900, 0, 4 * SIM_QUEUE_LANE_CAP, true);
    cr_assert_lt(n, 4 * SIM_QUEUE_LANE_CAP, "the lanes took every event");
    /* The first push, before a lane was tagged, went to the wheel, which
     * lends its own record. */
    const struct sim_event *ev = sim_queue_take_due(&q, UINT64_MAX);
    cr_assert_eq((const void *)ev,
                 (const void *)((const char *)q.merge.wheel.ev + q.merge.lent));
    ev = sim_queue_take_due(&q, UINT64_MAX);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->arg, 1);
    const struct sim_lane *l = &q.merge.lane[0];
    if (!(ev >= l->ev && ev < l->ev + SIM_QUEUE_LANE_CAP))
        l = &q.merge.lane[1];
    cr_assert(ev >= l->ev && ev < l->ev + SIM_QUEUE_LANE_CAP,
              "event 1 was not taken from a lane");
    cr_assert_geq(l->len, SIM_QUEUE_LANE_CAP - 2, "the lane is not full");
    struct sim_event seen = *ev;
    /* The handler's pushes at the lane's delay: as many as it has room
     * for, and then some. */
    push_at_delay(&q, q.now_us, 900, 1000, 2 * SIM_QUEUE_LANE_CAP, false);
    cr_assert_eq(memcmp(ev, &seen, sizeof seen), 0,
                 "the taken event was written over (arg %" PRIu64 ")",
                 ev->arg);
    /* A wheel's event (one not due at a lane's delay). */
    struct sim_queue w;
    sim_queue_init(&w);
    push(&w, 5000, 7);
    push(&w, 5000, 8);
    ev = sim_queue_take_due(&w, UINT64_MAX);
    cr_assert_not_null(ev);
    cr_assert_eq(ev->arg, 7);
    seen = *ev;
    push_at_delay(&w, w.now_us, 3, 2000, 600, false);
    cr_assert_eq(memcmp(ev, &seen, sizeof seen), 0);
    /* Pushes at delays of their own, enough to grow the wheel's store
     * past its first SIM_WHEEL_FIRST_HELD events: the lent record is
     * still there (a store freed under it is reported by the sanitizer
     * build, `make sanitize`). */
    struct sim_wheel_event *store = w.merge.wheel.ev;
    for (uint64_t i = 0; i < 4 * SIM_WHEEL_FIRST_HELD; i++)
        push(&w, w.now_us + 1 + (i * 7919) % 400000, 3000 + i);
    cr_assert_neq(w.merge.wheel.ev, store, "the wheel's store did not grow");
    cr_assert_eq(memcmp(ev, &seen, sizeof seen), 0);
    /* Not due: none taken, the queue unchanged. */
    size_t len = sim_queue_len(&w);
    cr_assert_null(sim_queue_take_due(&w, w.now_us - 1));
    cr_assert_eq(sim_queue_len(&w), len);
    sim_queue_destroy(&q);
    sim_queue_destroy(&w);
}
