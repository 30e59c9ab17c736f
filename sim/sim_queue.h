/* sim_queue.h: the engine's event queue.
 *
 * A binary min-heap of small event records in one array, ordered by
 * (time_us, seq). seq is assigned at push from a counter that never repeats,
 * so events at equal times pop in the order they were pushed and the order
 * never depends on pointers or hashing. Push and pop are O(log n).
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

struct sim_queue
{
    struct sim_event *heap;
    size_t len;
    size_t cap;
    uint64_t next_seq; /* the seq of the next push, from 1 */
};

void sim_queue_init(struct sim_queue *q);
/* Frees the array only; payloads of remaining events are the caller's to
 * free (drain with sim_queue_pop first). */
void sim_queue_destroy(struct sim_queue *q);

/* Copies *e in, assigning e's seq; returns the seq. */
uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e);

/* Removes the earliest event into *out; false if empty. */
bool sim_queue_pop(struct sim_queue *q, struct sim_event *out);

/* The earliest event, borrowed until the next push or pop; NULL if empty. */
const struct sim_event *sim_queue_peek(const struct sim_queue *q);

static inline size_t sim_queue_len(const struct sim_queue *q)
{
    return q->len;
}

#endif /* SIM_QUEUE_H */
