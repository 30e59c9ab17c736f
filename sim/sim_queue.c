/* sim_queue.c: two binary min-heaps on (time_us, seq), merged at pop.
 * Invariants: in each heap, for every i > 0, ev[(i - 1) / 2] precedes
 * ev[i]; no two events share a seq, so (time_us, seq) orders every event
 * strictly and the earlier of the two tops is the earliest event. */
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

void sim_queue_init(struct sim_queue *q)
{
    memset(q, 0, sizeof(*q));
    q->next_seq = 1;
}

void sim_queue_destroy(struct sim_queue *q)
{
    g_free(q->near.ev);
    g_free(q->far.ev);
    memset(&q->near, 0, sizeof(q->near));
    memset(&q->far, 0, sizeof(q->far));
    q->cap = 0;
}

/* Adds the event of these fields with sequence number seq. */
static inline void heap_add(struct sim_heap *h,
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

uint64_t sim_queue_add(struct sim_queue *q,
                       uint64_t time_us,
                       uint32_t kind,
                       uint32_t node,
                       uint64_t arg,
                       void *ptr)
{
    if (sim_queue_len(q) == q->cap)
        q->cap = q->cap ? q->cap * 2 : 256;
    uint64_t seq = q->next_seq++;
    bool far = time_us > q->now_us && time_us - q->now_us > SIM_QUEUE_FAR_US;
    heap_add(far ? &q->far : &q->near, time_us, seq, kind, node, arg, ptr);
    return seq;
}

uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e)
{
    return sim_queue_add(q, e->time_us, e->kind, e->node, e->arg, e->ptr);
}

/* The heap whose top is the earliest event; NULL if both are empty. */
static inline struct sim_heap *first(const struct sim_queue *q)
{
    const struct sim_heap *near = &q->near, *far = &q->far;
    if (far->len == 0)
        return near->len ? (struct sim_heap *)near : NULL;
    if (near->len == 0 || before(&far->ev[0], &near->ev[0]))
        return (struct sim_heap *)far;
    return (struct sim_heap *)near;
}

bool sim_queue_pop(struct sim_queue *q, struct sim_event *out)
{
    struct sim_heap *h = first(q);
    if (!h)
        return false;
    heap_pop(h, out);
    q->now_us = out->time_us;
    /* The order of the queue: nothing left precedes what was popped (the
     * other heap's top did not when it was chosen). */
    SIM_ASSERT(h->len == 0 || !before(&h->ev[0], out),
               "event seq %" PRIu64 " at %" PRIu64
               " us left behind seq %" PRIu64 " at %" PRIu64 " us",
               h->ev[0].seq, h->ev[0].time_us, out->seq, out->time_us);
    return true;
}

const struct sim_event *sim_queue_peek(const struct sim_queue *q)
{
    const struct sim_heap *h = first(q);
    return h ? &h->ev[0] : NULL;
}
