/* sim_queue.h: the engine's event queue.
 *
 * Events are ordered by (time_us, seq). seq is assigned at push from a
 * counter that never repeats, so events at equal times pop in the order they
 * were pushed and the order never depends on pointers or hashing.
 *
 * Two binary min-heaps hold them: the near heap holds the events due within
 * SIM_QUEUE_FAR_US of the latest popped time (messages, disk completions,
 * heartbeats) and the far heap the rest (election timers, client timeouts,
 * scenario statements scheduled up front). Which heap an event sits in is only a matter of
 * cost: a pop takes the earlier of the two tops by the same (time_us, seq)
 * key, so the order of pops is exactly that of one heap, while the many near
 * events no longer pay for the depth of the far ones. Push and pop are
 * O(log n).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One scheduled event. The meaning of kind, node, arg and ptr belongs to the
 * engine; the queue only orders and stores them. */
struct sim_event
{
    uint64_t time_us;
    uint64_t seq;
    void *ptr;    /* payload owned by the event (a message), or NULL */
    uint64_t arg; /* generation, batch id, ... */
    uint32_t kind;
    uint32_t node;
};

/* An event due further than this past the latest popped time goes to the
 * far heap: 50 simulated ms, past the message delays and disk writes of the
 * shipped scenarios, short of their election timeouts (measured with
 * docs/performance.md's cases: 20 to 200 ms cost about the same, 10 ms and
 * 1 s more). Any bound gives the same order of pops. */
#define SIM_QUEUE_FAR_US 50000u

/* One binary min-heap on (time_us, seq). */
struct sim_heap
{
    struct sim_event *ev;
    size_t len;
    size_t cap;
};

struct sim_queue
{
    struct sim_heap near;
    struct sim_heap far;
    uint64_t now_us;   /* time of the latest popped event (0 before any) */
    /* The slots one array holding every event would have (256, doubled
     * whenever the events outgrow it): what the memory budget charges for
     * the queue (sim_memory_bytes()), unchanged by the split in two. */
    size_t cap;
    uint64_t next_seq; /* the seq of the next push, from 1 */
};

void sim_queue_init(struct sim_queue *q);
/* Frees the arrays only; payloads of remaining events are the caller's to
 * free (drain with sim_queue_pop first). */
void sim_queue_destroy(struct sim_queue *q);

/* Queues an event of these fields, assigning its seq; returns the seq.
 * Written straight into its place in the heap, not copied from a record. */
uint64_t sim_queue_add(struct sim_queue *q,
                       uint64_t time_us,
                       uint32_t kind,
                       uint32_t node,
                       uint64_t arg,
                       void *ptr);

/* sim_queue_add() of *e's fields (e's own seq is ignored). */
uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e);

/* Removes the earliest event into *out; false if empty. */
bool sim_queue_pop(struct sim_queue *q, struct sim_event *out);

/* The earliest event, borrowed until the next push or pop; NULL if empty. */
const struct sim_event *sim_queue_peek(const struct sim_queue *q);

static inline size_t sim_queue_len(const struct sim_queue *q)
{
    return q->near.len + q->far.len;
}

#endif /* SIM_QUEUE_H */
