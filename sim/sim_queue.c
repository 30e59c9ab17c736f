/* sim_queue.c: binary min-heap on (time_us, seq). Invariant: for every i > 0,
 * heap[(i - 1) / 2] precedes heap[i]. */
#include "sim/sim_queue.h"
#include "sim/sim_assert.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

static bool before(const struct sim_event *a, const struct sim_event *b)
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
    g_free(q->heap);
    q->heap = NULL;
    q->len = q->cap = 0;
}

uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e)
{
    if (q->len == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 256;
        q->heap = g_renew(struct sim_event, q->heap, q->cap);
    }
    struct sim_event item = *e;
    item.seq = q->next_seq++;
    size_t i = q->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&item, &q->heap[parent]))
            break;
        q->heap[i] = q->heap[parent];
        i = parent;
    }
    q->heap[i] = item;
    return item.seq;
}

bool sim_queue_pop(struct sim_queue *q, struct sim_event *out)
{
    if (q->len == 0)
        return false;
    *out = q->heap[0];
    size_t n = --q->len;
    if (n == 0)
        return true;
    /* Floyd: move the hole at the root down along the smaller children to
     * a leaf (one comparison per level), then sift the last element up from
     * there; it usually belongs near the bottom. */
    struct sim_event *h = q->heap;
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && before(&h[child + 1], &h[child]))
            child++;
        h[i] = h[child];
        i = child;
    }
    struct sim_event last = h[n];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&last, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = last;
    /* The order of the queue: nothing left precedes what was popped. */
    SIM_ASSERT(!before(&h[0], out),
               "event seq %" PRIu64 " at %" PRIu64
               " us left behind seq %" PRIu64 " at %" PRIu64 " us",
               h[0].seq, h[0].time_us, out->seq, out->time_us);
    return true;
}

const struct sim_event *sim_queue_peek(const struct sim_queue *q)
{
    return q->len ? &q->heap[0] : NULL;
}
