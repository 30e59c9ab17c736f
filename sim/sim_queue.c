/* sim_queue.c: the wheel, a binary min-heap on (time_us, seq) and the
 * lanes, FIFO rings, merged at pop.
 * Invariants: in the heap, for every i > 0, ev[(i - 1) / 2] precedes ev[i];
 * in each lane and each slot of the wheel, every event precedes the one
 * after it; the wheel's events are due in the SIM_QUEUE_SLOTS slots from
 * now_us's on, so its first slot from now_us's on holds its earliest; no two
 * events share a seq, so (time_us, seq) orders every event strictly and
 * the earliest of the sources' firsts is the earliest event. */
#include "sim/sim_queue.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

static inline bool before(const struct sim_event *a, const struct sim_event *b)
{
    if (a->time_us != b->time_us)
        return a->time_us < b->time_us;
    return a->seq < b->seq;
}

static const struct sim_queue_key no_event = {UINT64_MAX, UINT64_MAX};

/* An untagged lane takes only an event due at UINT64_MAX pushed before
 * any pop (its delay past 0), and lane_to_tag() never tags one with a delay
 * that far: it is not retagged while it holds such events. */
static void lane_untag(struct sim_lane *l)
{
    l->head = 0;
    l->len = 0;
    l->delay_us = UINT64_MAX;
}

void sim_queue_init(struct sim_queue *q)
{
    memset(q, 0, sizeof(*q));
    q->next_seq = 1;
    for (int i = 0; i < SIM_QUEUE_LANES; i++)
        lane_untag(&q->merge.lane[i]);
    for (int i = 0; i < SIM_QUEUE_SOURCES; i++)
        q->merge.first[i] = no_event;
    q->merge.missed_delay_us = UINT64_MAX;
    q->merge.wheel.free = SIM_WHEEL_NONE;
}

void sim_queue_destroy(struct sim_queue *q)
{
    g_free(q->merge.wheel.ev);
    if (q->merge.wheel.retired)
        g_ptr_array_free(q->merge.wheel.retired, TRUE);
    g_free(q->far.ev);
    g_free(q->merge.run.ev);
    for (int i = 0; i < SIM_QUEUE_LANES; i++)
        g_free(q->merge.lane[i].ev);
    memset(q, 0, sizeof(*q));
}

/* Places an event due at time_us with sequence number seq; returns its
 * record, time_us and seq written (the heap's top iff it is h->ev). Out of
 * line: most far events go to the run (far_place()). */
static __attribute__((noinline)) struct sim_event *
heap_place(struct sim_heap *h, uint64_t time_us, uint64_t seq)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->ev = g_renew(struct sim_event, h->ev, h->cap);
    }
    struct sim_event *v = h->ev;
    size_t i = h->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (v[parent].time_us < time_us ||
            (v[parent].time_us == time_us && v[parent].seq < seq))
            break;
        v[i] = v[parent];
        i = parent;
    }
    v[i].time_us = time_us;
    v[i].seq = seq;
    return &v[i];
}

/* Removes the top of a non-empty heap into *out. Out of line: most far
 * events pop from the run (far_take()). */
static __attribute__((noinline)) void heap_pop(struct sim_heap *h,
                                               struct sim_event *out)
{
    struct sim_event *v = h->ev;
    *out = v[0];
    size_t n = --h->len;
    if (n == 0)
        return;
    /* Floyd: move the hole at the root down along the smaller children to
     * a leaf (one comparison per level), then sift the last element up from
     * there; it usually belongs near the bottom. */
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && before(&v[child + 1], &v[child]))
            child++;
        v[i] = v[child];
        i = child;
    }
    struct sim_event last = v[n];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&last, &v[parent]))
            break;
        v[i] = v[parent];
        i = parent;
    }
    v[i] = last;
}

/* ---- the far run --------------------------------------------------------- */

/* Appends an event due at time_us of sequence number seq to r, which
 * takes it (empty, or time_us at or after its last); returns its record,
 * time_us and seq written. The events move to the front of the array
 * when its end is reached and at most half of it is used, else the array
 * doubles; its first holds 512, more than the statements most scenarios
 * schedule up front, so that it is seldom copied. */
static __attribute__((noinline)) void run_make_room(struct sim_far_run *r)
{
    if (r->head > 0 && r->len <= r->cap / 2) {
        memmove(r->ev, r->ev + r->head, r->len * sizeof(*r->ev));
    } else {
        size_t cap = r->cap ? r->cap * 2 : 512;
        struct sim_event *ev = g_new(struct sim_event, cap);
        if (r->len)
            memcpy(ev, r->ev + r->head, r->len * sizeof(*ev));
        g_free(r->ev);
        r->ev = ev;
        r->cap = cap;
    }
    r->head = 0;
}

static inline struct sim_event *run_place(struct sim_far_run *r,
                                          uint64_t time_us,
                                          uint64_t seq)
{
    if (r->head + r->len == r->cap)
        run_make_room(r);
    struct sim_event *v = &r->ev[r->head + r->len++];
    r->last_us = time_us;
    v->time_us = time_us;
    v->seq = seq;
    return v;
}

/* ---- the wheel ---------------------------------------------------------- */

#define SLOT_MASK (SIM_QUEUE_SLOTS - 1u)

/* The slot of an event due at time_us. */
static inline uint32_t wheel_slot(uint64_t time_us)
{
    return (uint32_t)(time_us >> SIM_QUEUE_SLOT_BITS) & SLOT_MASK;
}

/* Whether the wheel takes an event due at time_us: its slot less than
 * SIM_QUEUE_SLOTS past that of now_us (an event due before now_us in its
 * slot is taken too: it sits first in that slot, which the wheel's search
 * starts from; one in an earlier slot is not). */
static inline bool wheel_takes(uint64_t time_us, uint64_t now_us)
{
    return (time_us >> SIM_QUEUE_SLOT_BITS) - (now_us >> SIM_QUEUE_SLOT_BITS) <
           SIM_QUEUE_SLOTS;
}

/* The event of the wheel's store at byte offset off (a multiple of its
 * size): the store's links are offsets, so that no index is scaled. */
static inline struct sim_wheel_event *wheel_at(const struct sim_wheel *w,
                                               uint32_t off)
{
    return (struct sim_wheel_event *)(void *)((char *)w->ev + off);
}

/* Doubles q->cap, and the wheel's store with it when it held fewer, linking
 * the new events into the free list: the store holds at least q->cap
 * events besides the lent one, so a push never finds it full (the wheel
 * holds at most the events queued, q->merge.len); at first the lent one is
 * the store's last. Its first holds SIM_WHEEL_FIRST_HELD, more than
 * most runs ever queue, so that it is seldom copied as q->cap doubles.
 * The first growth, at the first push, allocates the lanes' rings too:
 * sim_queue_place() asks no lane before it, and after it any lane may
 * take an event. */
static void queue_grow(struct sim_queue *q)
{
    struct sim_wheel *w = &q->merge.wheel;
    if (q->cap == 0)
        for (int i = 0; i < SIM_QUEUE_LANES; i++)
            q->merge.lane[i].ev = g_new(struct sim_event, SIM_QUEUE_LANE_CAP);
    /* Every offset, the doubled cap's last included, stays below
     * SIM_WHEEL_NONE. */
    SIM_ASSERT(q->cap < SIM_WHEEL_NONE / 2 / sizeof(struct sim_wheel_event),
               "%zu events queued", q->cap);
    q->cap = q->cap ? q->cap * 2 : 256;
    if (q->cap <= w->held)
        return;
    const uint32_t size = sizeof(struct sim_wheel_event);
    /* The first event not yet allocated: the lent one follows the others. */
    uint32_t old = w->held ? w->held + 1 : 0;
    w->held = q->cap > SIM_WHEEL_FIRST_HELD ? (uint32_t)q->cap
                                            : SIM_WHEEL_FIRST_HELD;
    /* A copy, not g_renew(): the lent record stays readable in the old
     * store until the run loop's next take (struct sim_wheel). */
    struct sim_wheel_event *before = w->ev;
    w->ev = g_new(struct sim_wheel_event, w->held + 1);
    if (old) {
        memcpy(w->ev, before, (size_t)old * size);
        if (!w->retired)
            w->retired = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(w->retired, before);
    }
    uint32_t end = w->held + 1;
    if (old == 0)
        q->merge.lent = --end * size;
    for (uint32_t i = old; i < end; i++)
        w->ev[i].next = i + 1 < end ? (i + 1) * size : w->free;
    w->free = old * size;
}

/* Links the event at offset i, due at time_us, into slot s, which holds
 * events of which the last is due after it: after the last event due at or
 * before time_us (all of them were pushed before it). Returns its record,
 * so that wheel_place()'s callers end in a tail call of it. Out of line:
 * most pushes find their slot empty or append. */
static __attribute__((noinline)) struct sim_event *
wheel_insert(struct sim_wheel *w, uint32_t s, uint32_t i, uint64_t time_us)
{
    uint32_t prev = w->last[s], cur = wheel_at(w, prev)->next;
    while (wheel_at(w, cur)->ev.time_us <= time_us) {
        prev = cur;
        cur = wheel_at(w, cur)->next;
    }
    wheel_at(w, i)->next = cur;
    wheel_at(w, prev)->next = i;
    return &wheel_at(w, i)->ev;
}

/* Places an event due at time_us with sequence number seq in its slot,
 * that of time_us, which wheel_takes(); returns its record, time_us and
 * seq written. Calls nothing but wheel_insert(), last, so that a caller
 * that returns what it returns saves no register. */
static inline __attribute__((always_inline)) struct sim_event *
wheel_place(struct sim_queue *q, uint64_t time_us, uint64_t seq)
{
    struct sim_wheel *w = &q->merge.wheel;
    uint32_t i = w->free;
    struct sim_wheel_event *v = wheel_at(w, i);
    w->free = v->next;
    v->ev.time_us = time_us;
    v->ev.seq = seq;
    /* At the first's time the first was pushed before. */
    if (time_us < q->merge.first[SIM_QUEUE_WHEEL].time_us)
        q->merge.first[SIM_QUEUE_WHEEL] = (struct sim_queue_key){time_us, seq};
    uint32_t s = wheel_slot(time_us);
    uint32_t wi = s >> 6;
    uint64_t bit = 1ull << (s & 63), wbit = 1ull << wi;
    if (!(w->summary & wbit)) {
        /* bits[wi] is not read while its summary bit is clear. */
        v->next = i;
        w->bits[wi] = bit;
        w->summary |= wbit;
        w->last[s] = i;
    } else if (!(w->bits[wi] & bit)) {
        v->next = i;
        w->bits[wi] |= bit;
        w->last[s] = i;
    } else {
        struct sim_wheel_event *tail = wheel_at(w, w->last[s]);
        if (tail->ev.time_us > time_us)
            return wheel_insert(w, s, i, time_us);
        v->next = tail->next;
        tail->next = i;
        w->last[s] = i;
    }
    return &v->ev;
}

/* The first event of slot s, which holds events. */
static inline struct sim_wheel_event *wheel_head(const struct sim_wheel *w,
                                                 uint32_t s)
{
    return wheel_at(w, wheel_at(w, w->last[s])->next);
}

/* Empties slot s, whose last event was popped, and makes the first event
 * of the next slot that holds events (circling past the last slot to the
 * first) the wheel's first. One pass up the bitmap: the summary is
 * searched past s's word only when nothing is found past s in that word
 * (its bit cleared if the word became 0); nothing past it at all: the
 * first slot from 0 on, the events left being due less than a wheel past
 * s. */
static __attribute__((noinline)) void wheel_empty(struct sim_queue *q,
                                                  uint32_t s)
{
    struct sim_wheel *w = &q->merge.wheel;
    uint32_t i = s >> 6, n;
    uint64_t b0 = w->bits[i] & ~(1ull << (s & 63));
    w->bits[i] = b0;
    uint64_t m = b0 & (~1ull << (s & 63));
    if (m) {
        n = i << 6 | (uint32_t)__builtin_ctzll(m);
    } else {
        uint64_t b1 = w->summary;
        if (b0 == 0) {
            b1 &= ~(1ull << i);
            w->summary = b1;
        }
        if (b1 == 0) {
            q->merge.first[SIM_QUEUE_WHEEL] = no_event;
            return;
        }
        uint64_t g = b1 & (~1ull << i);
        i = (uint32_t)__builtin_ctzll(g ? g : b1);
        n = i << 6 | (uint32_t)__builtin_ctzll(w->bits[i]);
    }
    const struct sim_wheel_event *h = wheel_head(w, n);
    q->merge.first[SIM_QUEUE_WHEEL] =
        (struct sim_queue_key){h->ev.time_us, h->ev.seq};
}

/* Removes the wheel's first event, the earliest, and lends its record
 * (q->merge.lent) until the wheel's next take, when the one lent before
 * joins the free list (the latest popped time is not yet its time), so
 * that it is not copied. Inline in the
 * pops, unlike far_take(): most pops of a fuzz run are the wheel's. The
 * slot emptied, the search for the next one is out of line
 * (wheel_empty()). */
static inline void wheel_take(struct sim_queue *q)
{
    struct sim_wheel *w = &q->merge.wheel;
    uint32_t s = wheel_slot(q->merge.first[SIM_QUEUE_WHEEL].time_us);
    struct sim_wheel_event *tail = wheel_at(w, w->last[s]);
    uint32_t h = tail->next;
    struct sim_wheel_event *v = wheel_at(w, h);
    uint32_t next = v->next, lent = q->merge.lent;
    q->merge.lent = h;
    wheel_at(w, lent)->next = w->free;
    w->free = lent;
    if (h == next) {
        wheel_empty(q, s);
        return;
    }
    tail->next = next;
    const struct sim_wheel_event *n = wheel_at(w, next);
    q->merge.first[SIM_QUEUE_WHEEL] =
        (struct sim_queue_key){n->ev.time_us, n->ev.seq};
}

/* ---- the lanes ----------------------------------------------------------- */

/* An empty lane for an event delay_us past now that no lane took, or
 * NULL: the second push in a row that no lane took at one delay tags a
 * lane, so that a delay seen once (a drawn timeout) does not take a lane
 * from a recurring one. An untagged lane first, the first first (the
 * first lane's append is inline: the first recurring delay of a run, its
 * messages' latency, is usually its most frequent), else the last empty
 * one. */
static struct sim_lane *lane_to_tag(struct sim_queue *q,
                                    uint64_t time_us,
                                    uint64_t delay_us)
{
    bool again = delay_us == q->merge.missed_delay_us;
    q->merge.missed_delay_us = delay_us;
    if (!again || time_us < q->now_us || delay_us == UINT64_MAX)
        return NULL;
    struct sim_lane *pick = NULL;
    for (int i = SIM_QUEUE_LANES - 1; i >= 0; i--) {
        struct sim_lane *l = &q->merge.lane[i];
        if (l->delay_us == UINT64_MAX || (l->len == 0 && !pick))
            pick = l;
    }
    if (!pick || pick->len != 0)
        return NULL;
    pick->head = 0;
    pick->delay_us = delay_us;
    return pick;
}

/* Places an event due past the wheel's window, or before the latest
 * popped time's slot, with sequence number seq: the run's if in order,
 * else the heap's. It is the far source's first if that source is empty
 * or its first is due later (one at its time was pushed before). */
static inline struct sim_event *
far_put(struct sim_queue *q, uint64_t time_us, uint64_t seq)
{
    struct sim_far_run *r = &q->merge.run;
    struct sim_queue_key *first = &q->merge.first[SIM_QUEUE_FAR];
    if (time_us < first->time_us || first->seq == UINT64_MAX)
        *first = (struct sim_queue_key){time_us, seq};
    if (r->len == 0 || time_us >= r->last_us)
        return run_place(r, time_us, seq);
    return heap_place(&q->far, time_us, seq);
}

/* sim_queue_place_slow() for an event that no lane takes and that is not
 * the wheel's at once: one whose delay came on the last push that no lane
 * took too (it may tag a lane), or due before the latest popped time or
 * past the wheel's window (the far heap's). */
static __attribute__((noinline)) struct sim_event *
place_elsewhere(struct sim_queue *q, uint64_t time_us)
{
    q->merge.len++;
    uint64_t seq = q->next_seq++;
    uint64_t delay_us = time_us - q->now_us;
    struct sim_lane *l = lane_to_tag(q, time_us, delay_us);
    if (l)
        return sim_lane_place(q, l, (unsigned)(l - q->merge.lane), time_us,
                              seq);
    if (wheel_takes(time_us, q->now_us))
        return wheel_place(q, time_us, seq);
    return far_put(q, time_us, seq);
}

/* place_elsewhere() for an event that the wheel does not take and whose
 * delay is not the last missed one: lane_to_tag() would only record its
 * delay, so it goes to the far source at once. */
static __attribute__((noinline)) struct sim_event *
far_place(struct sim_queue *q, uint64_t time_us, uint64_t delay_us)
{
    q->merge.missed_delay_us = delay_us;
    q->merge.len++;
    uint64_t seq = q->next_seq++;
    return far_put(q, time_us, seq);
}

/* sim_queue_place() once q->cap was doubled (a lane may take the event
 * now). */
static __attribute__((noinline)) struct sim_event *
place_grown(struct sim_queue *q, uint64_t time_us)
{
    queue_grow(q);
    return sim_queue_place(q, time_us);
}

/* The events that the wheel takes at once are placed without a call but
 * wheel_insert()'s, a tail call like those of the rest, so that the
 * function needs no register of its caller's saved. With room for the
 * event, no lane took it (sim_queue_place() asked). */
struct sim_event *sim_queue_place_slow(struct sim_queue *q, uint64_t time_us)
{
    if (q->merge.len == q->cap)
        return place_grown(q, time_us);
    uint64_t delay_us = time_us - q->now_us;
    /* What lane_to_tag() does when the delay differs from the last missed
     * one: it only records the delay. */
    if (delay_us == q->merge.missed_delay_us)
        return place_elsewhere(q, time_us);
    if (!wheel_takes(time_us, q->now_us))
        return far_place(q, time_us, delay_us);
    q->merge.missed_delay_us = delay_us;
    q->merge.len++;
    uint64_t seq = q->next_seq++;
    return wheel_place(q, time_us, seq);
}

uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e)
{
    return sim_queue_add(q, e->time_us, e->kind, e->node, e->arg, e->ptr);
}

/* Of sources a and b, the one whose first event is earlier. */
static inline unsigned earlier(const struct sim_queue_key *k,
                               unsigned a,
                               unsigned b)
{
    bool b_first = k[b].time_us < k[a].time_us ||
                   (k[b].time_us == k[a].time_us && k[b].seq < k[a].seq);
    return b_first ? b : a;
}

_Static_assert(SIM_QUEUE_SOURCES == 4, "first_source() merges four sources");

/* The source of the earliest event (any source when the queue is empty):
 * two pairs, then their winners. */
static inline unsigned first_source(const struct sim_queue *q)
{
    const struct sim_queue_key *k = q->merge.first;
    return earlier(k, earlier(k, 0, 1),
                   earlier(k, SIM_QUEUE_WHEEL, SIM_QUEUE_FAR));
}

/* Whether the far source's first event is the run's (else the heap's):
 * the run's first has the far source's first seq. */
static inline bool far_first_in_run(const struct sim_queue *q)
{
    const struct sim_far_run *r = &q->merge.run;
    return r->len > 0 &&
           r->ev[r->head].seq == q->merge.first[SIM_QUEUE_FAR].seq;
}

/* Removes the far source's first event, the earliest, into *out: the
 * run's or the heap's, and makes the earlier of their firsts the far
 * source's first. */
static __attribute__((noinline)) void far_take(struct sim_queue *q,
                                               struct sim_event *out)
{
    struct sim_heap *h = &q->far;
    struct sim_far_run *r = &q->merge.run;
    if (far_first_in_run(q)) {
        *out = r->ev[r->head++];
        if (--r->len == 0)
            r->head = 0;
    } else {
        heap_pop(h, out);
    }
    const struct sim_event *next = NULL;
    if (r->len > 0)
        next = &r->ev[r->head];
    if (h->len > 0 && (next == NULL || before(&h->ev[0], next)))
        next = &h->ev[0];
    if (next == NULL) {
        q->merge.first[SIM_QUEUE_FAR] = no_event;
        return;
    }
    /* The order of the heap and of the run: nothing left precedes what
     * was popped (the other sources' firsts did not when it was chosen). */
    SIM_ASSERT(!before(next, out),
               "event seq %" PRIu64 " at %" PRIu64
               " us left behind seq %" PRIu64 " at %" PRIu64 " us",
               next->seq, next->time_us, out->seq, out->time_us);
    q->merge.first[SIM_QUEUE_FAR] = (struct sim_queue_key){next->time_us,
                                                           next->seq};
}

/* Removes the first event of source src, the earliest, and returns its
 * record: a lane's own slot, which no push writes over before the next
 * take (sim_lane_takes() keeps it free), the wheel's lent one, or a copy
 * in the merge's taken for the far source's. */
static inline const struct sim_event *take(struct sim_queue *q, unsigned src)
{
    q->merge.len--;
    /* Most pops of an idle run are a lane's (and the hint keeps the merge
     * above as short as it was before the wheel lent its records). */
    if (__builtin_expect(src < SIM_QUEUE_LANES, 1)) {
        /* A lane is sorted as it is filled (sim_lane_takes()), and none of
         * its events is due before the latest popped time. */
        struct sim_lane *l = &q->merge.lane[src];
        const struct sim_event *out = &l->ev[l->head];
        q->now_us = out->time_us;
        l->head = (l->head + 1) & (SIM_QUEUE_LANE_CAP - 1);
        if (--l->len == 0) {
            q->merge.first[src] = no_event;
        } else {
            const struct sim_event *next = &l->ev[l->head];
            q->merge.first[src] =
                (struct sim_queue_key){next->time_us, next->seq};
        }
        return out;
    }
    const struct sim_event *out = &q->merge.taken;
    if (src == SIM_QUEUE_WHEEL) {
        wheel_take(q);
        out = &wheel_at(&q->merge.wheel, q->merge.lent)->ev;
    } else {
        far_take(q, &q->merge.taken);
    }
    /* Only an event pushed before the latest popped time pops before it. */
    if (out->time_us > q->now_us)
        q->now_us = out->time_us;
    return out;
}

bool sim_queue_pop(struct sim_queue *q, struct sim_event *out)
{
    if (q->merge.len == 0)
        return false;
    *out = *take(q, first_source(q));
    return true;
}

const struct sim_event *sim_queue_take_due(struct sim_queue *q,
                                           uint64_t until_us)
{
    if (q->merge.len == 0)
        return NULL;
    unsigned src = first_source(q);
    if (q->merge.first[src].time_us > until_us)
        return NULL;
    return take(q, src);
}

bool sim_queue_pop_due(struct sim_queue *q,
                       uint64_t until_us,
                       struct sim_event *out)
{
    const struct sim_event *ev = sim_queue_take_due(q, until_us);
    if (ev)
        *out = *ev;
    return ev != NULL;
}

const struct sim_event *sim_queue_peek(const struct sim_queue *q)
{
    if (q->merge.len == 0)
        return NULL;
    unsigned src = first_source(q);
    if (src < SIM_QUEUE_LANES) {
        const struct sim_lane *l = &q->merge.lane[src];
        return &l->ev[l->head];
    }
    if (src == SIM_QUEUE_WHEEL) {
        const struct sim_wheel *w = &q->merge.wheel;
        return &wheel_head(w, wheel_slot(q->merge.first[src].time_us))->ev;
    }
    if (far_first_in_run(q))
        return &q->merge.run.ev[q->merge.run.head];
    return &q->far.ev[0];
}
