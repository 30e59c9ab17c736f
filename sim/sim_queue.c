/* sim_queue.c: two binary min-heaps on (time_us, seq) and the lanes, FIFO
 * rings, merged at pop.
 * Invariants: in each heap, for every i > 0, ev[(i - 1) / 2] precedes
 * ev[i]; in each lane, every event precedes the one after it; no two events
 * share a seq, so (time_us, seq) orders every event strictly and the
 * earliest of the heaps' tops and the lanes' heads is the earliest event. */
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

/* An untagged lane takes nothing: no time is at or after UINT64_MAX but
 * UINT64_MAX itself, and no lane is tagged with a delay that far. */
static void lane_untag(struct sim_lane *l)
{
    l->head = 0;
    l->len = 0;
    l->delay_us = UINT64_MAX;
    l->last_us = UINT64_MAX;
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
}

void sim_queue_destroy(struct sim_queue *q)
{
    g_free(q->near.ev);
    g_free(q->far.ev);
    for (int i = 0; i < SIM_QUEUE_LANES; i++)
        g_free(q->merge.lane[i].ev);
    memset(q, 0, sizeof(*q));
}

/* Adds the event of these fields with sequence number seq; returns
 * whether it is the heap's new top. */
static inline bool heap_add(struct sim_heap *h,
                            uint64_t time_us,
                            uint64_t seq,
                            uint32_t kind,
                            uint32_t node,
                            uint64_t arg,
                            void *ptr)
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
    v[i].ptr = ptr;
    v[i].arg = arg;
    v[i].kind = kind;
    v[i].node = node;
    return i == 0;
}

/* Removes the top of a non-empty heap into *out. */
static void heap_pop(struct sim_heap *h, struct sim_event *out)
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

/* Whether l takes an event due at time_us, delay_us past now: one of its
 * delay, at or after its last, with room. */
static inline bool lane_takes(const struct sim_lane *l,
                              uint64_t time_us,
                              uint64_t delay_us)
{
    return delay_us == l->delay_us && time_us >= l->last_us &&
           l->len < SIM_QUEUE_LANE_CAP;
}

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
    if (!pick->ev)
        pick->ev = g_new(struct sim_event, SIM_QUEUE_LANE_CAP);
    pick->head = 0;
    pick->delay_us = delay_us;
    pick->last_us = 0;
    return pick;
}

uint64_t sim_queue_add_slow(struct sim_queue *q,
                            uint64_t time_us,
                            uint32_t kind,
                            uint32_t node,
                            uint64_t arg,
                            void *ptr)
{
    if (q->merge.len == q->cap)
        q->cap = q->cap ? q->cap * 2 : 256;
    q->merge.len++;
    uint64_t seq = q->next_seq++;
    uint64_t delay_us = time_us - q->now_us;
    for (unsigned i = 0; i < SIM_QUEUE_LANES; i++) {
        struct sim_lane *l = &q->merge.lane[i];
        if (lane_takes(l, time_us, delay_us)) {
            sim_lane_append(q, l, i, time_us, seq, kind, node, arg, ptr);
            return seq;
        }
    }
    struct sim_lane *l = lane_to_tag(q, time_us, delay_us);
    if (l) {
        sim_lane_append(q, l, (unsigned)(l - q->merge.lane), time_us, seq,
                        kind, node, arg, ptr);
        return seq;
    }
    unsigned src = time_us > q->now_us && delay_us > SIM_QUEUE_FAR_US
                       ? SIM_QUEUE_FAR
                       : SIM_QUEUE_NEAR;
    struct sim_heap *h = src == SIM_QUEUE_FAR ? &q->far : &q->near;
    if (heap_add(h, time_us, seq, kind, node, arg, ptr))
        q->merge.first[src] = (struct sim_queue_key){time_us, seq};
    return seq;
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
    return earlier(k, earlier(k, 0, 1), earlier(k, SIM_QUEUE_NEAR, SIM_QUEUE_FAR));
}

/* Removes the first event of source src, the earliest, into *out. */
static inline void take(struct sim_queue *q,
                        unsigned src,
                        struct sim_event *out)
{
    q->merge.len--;
    if (src < SIM_QUEUE_LANES) {
        /* A lane is sorted as it is filled (sim_lane_append()'s callers
         * append nothing before its last). */
        struct sim_lane *l = &q->merge.lane[src];
        *out = l->ev[l->head];
        l->head = (l->head + 1) & (SIM_QUEUE_LANE_CAP - 1);
        if (--l->len == 0) {
            q->merge.first[src] = no_event;
        } else {
            const struct sim_event *next = &l->ev[l->head];
            q->merge.first[src] =
                (struct sim_queue_key){next->time_us, next->seq};
        }
    } else {
        struct sim_heap *h = src == SIM_QUEUE_NEAR ? &q->near : &q->far;
        heap_pop(h, out);
        if (h->len == 0) {
            q->merge.first[src] = no_event;
        } else {
            /* The order of the heap: nothing left precedes what was
             * popped (the other sources' firsts did not when it was
             * chosen). */
            SIM_ASSERT(!before(&h->ev[0], out),
                       "event seq %" PRIu64 " at %" PRIu64
                       " us left behind seq %" PRIu64 " at %" PRIu64 " us",
                       h->ev[0].seq, h->ev[0].time_us, out->seq,
                       out->time_us);
            q->merge.first[src] =
                (struct sim_queue_key){h->ev[0].time_us, h->ev[0].seq};
        }
    }
    q->now_us = out->time_us;
}

bool sim_queue_pop(struct sim_queue *q, struct sim_event *out)
{
    if (q->merge.len == 0)
        return false;
    take(q, first_source(q), out);
    return true;
}

bool sim_queue_pop_due(struct sim_queue *q,
                       uint64_t until_us,
                       struct sim_event *out)
{
    if (q->merge.len == 0)
        return false;
    unsigned src = first_source(q);
    if (q->merge.first[src].time_us > until_us)
        return false;
    take(q, src, out);
    return true;
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
    return src == SIM_QUEUE_NEAR ? &q->near.ev[0] : &q->far.ev[0];
}
