/* sim_queue.h: the engine's event queue.
 *
 * Events are ordered by (time_us, seq). seq is assigned at push from a
 * counter that never repeats, so events at equal times pop in the order they
 * were pushed and the order never depends on pointers or hashing.
 *
 * A wheel holds the events due within about SIM_QUEUE_WHEEL_US of the
 * latest popped time (messages, disk completions, client requests and
 * replies, most election timers): one slot per SIM_QUEUE_SLOT_US of that
 * window, each a list kept in (time_us, seq) order (an event pushed comes
 * after every event of its time, so it is appended unless its slot holds
 * a later time). A slot holds the events of one stretch of time (no event
 * is a whole wheel past the latest popped time's slot), so the wheel's
 * earliest event is the first of the first slot at or after the latest
 * popped time's, found in a bitmap of the slots that hold events. A
 * binary min-heap, the far heap, and a run of far events pushed in order
 * (beside it, see struct sim_far_run) hold the rest (most client
 * timeouts, scenario statements scheduled up front, and any event pushed
 * before the latest popped time): the far source's first event is the
 * earlier of the heap's and the run's. Beside them, SIM_QUEUE_LANES lanes:
 * first-in first-out rings, each tagged with a delay, holding events
 * pushed that far past the latest popped time (a constant message
 * latency, a heartbeat period, a disk's constant latency). A lane takes
 * an event only when it is due exactly its delay past the latest popped
 * time, never before that time; that time never goes back and seq grows
 * with every push, so a lane's events come in (time_us, seq) order
 * whatever it is given, and none is due before the latest popped time.
 * Where an event sits is only a matter of cost: a pop takes the earliest
 * of the wheel's, the heap's and the lanes' first events by the same
 * (time_us, seq) key, so the order of pops is exactly that of one heap.
 * A wheel push is O(1) unless its slot holds later events, a pop O(1) (it
 * looks at up to two bitmap words and one more to find the next slot);
 * heap pushes and pops O(log n), the run's O(1).
 */
#ifndef SIM_QUEUE_H
#define SIM_QUEUE_H

#include <glib.h>
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

/* The wheel's slots: SIM_QUEUE_SLOTS of them, each spanning
 * SIM_QUEUE_SLOT_US microseconds; its window, SIM_QUEUE_WHEEL_US, is
 * their product. An event goes to the wheel when its slot, counted from
 * the slot of the latest popped time, is less than SIM_QUEUE_SLOTS away,
 * to the far heap otherwise. 2^10 slots of 2^9 us (524 simulated ms, past
 * the message delays, disk writes, election timeouts and most client
 * timeouts of the shipped scenarios) keep the slot index at 4 KiB and the
 * bitmap at two levels, so that both stay in the first-level cache (one
 * slot per microsecond took a 1 MiB index whose misses cost what its pops
 * saved). Any sizes give the same order of pops; at most 2^12 slots (the
 * bitmap's summary is one word of 64 bits). */
#define SIM_QUEUE_SLOT_BITS 9
#define SIM_QUEUE_SLOTS_BITS 10
#define SIM_QUEUE_SLOT_US (1u << SIM_QUEUE_SLOT_BITS)
#define SIM_QUEUE_SLOTS (1u << SIM_QUEUE_SLOTS_BITS)
#define SIM_QUEUE_WHEEL_US (SIM_QUEUE_SLOT_US * SIM_QUEUE_SLOTS)
_Static_assert(SIM_QUEUE_SLOTS_BITS >= 6 && SIM_QUEUE_SLOTS_BITS <= 12,
               "the wheel's bitmap has a summary word of 64 bits");

/* One event in the wheel's store: the event and where the next one in its
 * slot's list (or in the free list) is, as a byte offset into the store. */
struct sim_wheel_event
{
    struct sim_event ev;
    uint32_t next;
};

/* The wheel: ev holds `held` + 1 events, `held` at least its queue's
 * cap; those neither in a slot's list nor lent linked in the free list
 * from free (SIM_WHEEL_NONE: empty). The lent event (the merge's lent)
 * is the one taken last (at first one never queued):
 * sim_queue_take_due() returns it in place, so it joins the free list
 * only at the wheel's next take, and the free list still holds an event
 * for every push. An event is named by its byte offset in ev (free, lent,
 * last and next), which needs no scaling to address it.
 * Bit i of summary is set iff bits[i] != 0; bits[i] is not read (nor
 * cleared: it is written whole when its bit in summary is set) while that
 * bit is clear. A slot s holds events iff bit s of bits is set (and that
 * of bits[s / 64] in summary); then last[s] is the offset of its last
 * event, whose next is the slot's first (a circular list: one offset per
 * slot finds both ends); last[s] is not read otherwise. Every event in
 * the wheel is due at or after its queue's now_us's slot and less than
 * SIM_QUEUE_SLOTS slots after it, in slot (time_us / SIM_QUEUE_SLOT_US) %
 * SIM_QUEUE_SLOTS; a slot's list is in (time_us, seq) order. The store is
 * allocated at the queue's first push. */
struct sim_wheel
{
    struct sim_wheel_event *ev;
    /* The stores before each growth (NULL: none yet), freed with the
     * queue: a handler's pushes that grew the store, once or more, must
     * not free the record lent to the run loop, which still reads it.
     * Together they hold fewer events than the store. */
    GPtrArray *retired;
    uint64_t summary;
    uint32_t free;
    uint32_t held;
    uint64_t bits[SIM_QUEUE_SLOTS / 64];
    uint32_t last[SIM_QUEUE_SLOTS];
};

#define SIM_WHEEL_NONE UINT32_MAX
/* The events the wheel's store holds when it is first allocated (48 KiB),
 * whatever the queue's cap, which the memory budget charges. */
#define SIM_WHEEL_FIRST_HELD 1024u

/* One binary min-heap on (time_us, seq). */
struct sim_heap
{
    struct sim_event *ev;
    size_t len;
    size_t cap;
};

/* The far events pushed in (time_us, seq) order, a FIFO: ev[head] to
 * ev[head + len - 1], of cap allocated, each at or after the one before
 * (an event is appended only at or after last_us, the time of the last
 * one appended, while the run holds any; its seq is greater than every
 * seq before it). Most far events are pushed so (the statements a
 * scenario schedules up front, in order); a pop from the run is O(1)
 * where the heap's is O(log n). */
struct sim_far_run
{
    struct sim_event *ev;
    size_t head;
    size_t len;
    size_t cap;
    uint64_t last_us;
};

/* A FIFO ring of events pushed delay_us past the latest popped time:
 * SIM_QUEUE_LANE_CAP slots (allocated at the queue's first push), len of
 * them used from head. Sorted by (time_us, seq): an event is appended only
 * when due delay_us past the latest popped time and not before it (see
 * sim_lane_takes()), so at or after every event before it, and after every
 * seq before it. */
struct sim_lane
{
    struct sim_event *ev;
    uint32_t head;
    uint32_t len;
    /* UINT64_MAX: not tagged yet (it takes only events due at UINT64_MAX
     * pushed before any pop, in order like any others). */
    uint64_t delay_us;
};

#define SIM_QUEUE_LANES 2
#define SIM_QUEUE_LANE_CAP 256u /* a power of two */

/* The sources a pop merges: the lanes, then the wheel and the far heap. */
enum { SIM_QUEUE_WHEEL = SIM_QUEUE_LANES, SIM_QUEUE_FAR, SIM_QUEUE_SOURCES };

/* The (time_us, seq) of a source's first event; both UINT64_MAX while it
 * is empty (after every event: no event has that seq). */
struct sim_queue_key
{
    uint64_t time_us;
    uint64_t seq;
};

struct sim_queue
{
    struct sim_heap far;
    /* The greatest time popped yet (0 before any): the time of the latest
     * popped event, unless an event pushed before it popped since. */
    uint64_t now_us;
    /* The slots one array holding every event would have (256, doubled
     * whenever the events outgrow it): what the memory budget charges for
     * the queue (sim_memory_bytes()), unchanged by the split. */
    size_t cap;
    uint64_t next_seq; /* the seq of the next push, from 1 */
    /* The wheel, the lanes and what merges the sources, outside the memory
     * budget like the split (sim_memory_bytes()). */
    struct sim_queue_merge
    {
        struct sim_wheel wheel;
        struct sim_far_run run; /* the far source with the far heap */
        struct sim_lane lane[SIM_QUEUE_LANES];
        /* first[i]: the key of source i's first event. */
        struct sim_queue_key first[SIM_QUEUE_SOURCES];
        size_t len; /* events queued, in every source */
        /* The delay of the last push that no lane took: a second push in
         * a row at that delay tags a lane with it. */
        uint64_t missed_delay_us;
        /* The last event taken from the far source
         * (sim_queue_take_due()). */
        struct sim_event taken;
        /* The offset of the wheel's lent event (struct sim_wheel). */
        uint32_t lent;
    } merge;
};

/* What the memory budget charges for struct sim_queue itself outside its
 * merge: its size when two heaps held every event that no lane took (a
 * near and a far one), kept so that a budget judges every run as it did
 * (sim_memory_bytes()). */
#define SIM_QUEUE_CHARGED_BYTES (2 * sizeof(struct sim_heap) + 3 * 8u)

void sim_queue_init(struct sim_queue *q);
/* Frees the arrays only; payloads of remaining events are the caller's to
 * free (drain with sim_queue_pop first). */
void sim_queue_destroy(struct sim_queue *q);

/* sim_queue_place() for an event that no lane takes at once (below). */
struct sim_event *sim_queue_place_slow(struct sim_queue *q, uint64_t time_us);

/* Whether l takes an event due at time_us, delay_us past the latest popped
 * time now_us (mod 2^64): due its delay past that time and not before it
 * (delay_us did not wrap), with room. A lane holds at most
 * SIM_QUEUE_LANE_CAP - 1 events, so that the slot of the event it gave
 * last, just before head, is written over only after the next take
 * (sim_queue_take_due()). */
static inline bool sim_lane_takes(const struct sim_lane *l,
                                  uint64_t time_us,
                                  uint64_t now_us,
                                  uint64_t delay_us)
{
    return delay_us == l->delay_us && time_us >= now_us &&
           l->len < SIM_QUEUE_LANE_CAP - 1;
}

/* Appends an event due at time_us of sequence number seq to l, which
 * takes it (sim_lane_takes()), as source `src` of q; returns its record,
 * time_us and seq written. */
static inline struct sim_event *sim_lane_place(struct sim_queue *q,
                                               struct sim_lane *l,
                                               unsigned src,
                                               uint64_t time_us,
                                               uint64_t seq)
{
    if (l->len == 0)
        q->merge.first[src] = (struct sim_queue_key){time_us, seq};
    struct sim_event *v =
        &l->ev[(l->head + l->len++) & (SIM_QUEUE_LANE_CAP - 1)];
    v->time_us = time_us;
    v->seq = seq;
    return v;
}

/* Appends an event due at time_us to lane i of q, which takes it,
 * assigning its seq; returns its record, time_us and seq written. */
static inline __attribute__((always_inline)) struct sim_event *
sim_lane_push(struct sim_queue *q, unsigned i, uint64_t time_us)
{
    uint64_t seq = q->next_seq++;
    q->merge.len++;
    return sim_lane_place(q, &q->merge.lane[i], i, time_us, seq);
}

_Static_assert(SIM_QUEUE_LANES == 2, "sim_queue_place() asks two lanes");

/* Queues an event due at time_us, assigning its seq, and returns its
 * record with time_us and seq written: the caller writes kind, node, arg
 * and ptr before the queue's next call (nothing reads them before), so
 * that the event is written straight into its place and only the time
 * is passed down. Inline, the lanes' appends: most events of a run come
 * at a recurring delay, its messages' latency and its heartbeat period
 * first (sim_queue_place_slow() does the rest, and may tag a lane). */
static inline struct sim_event *sim_queue_place(struct sim_queue *q,
                                                uint64_t time_us)
{
    uint64_t now_us = q->now_us, delay_us = time_us - now_us;
    if (q->merge.len != q->cap) {
        if (sim_lane_takes(&q->merge.lane[0], time_us, now_us, delay_us))
            return sim_lane_push(q, 0, time_us);
        if (sim_lane_takes(&q->merge.lane[1], time_us, now_us, delay_us))
            return sim_lane_push(q, 1, time_us);
    }
    return sim_queue_place_slow(q, time_us);
}

/* Queues an event of these fields, assigning its seq; returns the seq. */
static inline uint64_t sim_queue_add(struct sim_queue *q,
                                     uint64_t time_us,
                                     uint32_t kind,
                                     uint32_t node,
                                     uint64_t arg,
                                     void *ptr)
{
    struct sim_event *v = sim_queue_place(q, time_us);
    v->ptr = ptr;
    v->arg = arg;
    v->kind = kind;
    v->node = node;
    return v->seq;
}

/* sim_queue_add() of *e's fields (e's own seq is ignored). */
uint64_t sim_queue_push(struct sim_queue *q, const struct sim_event *e);

/* Removes the earliest event into *out; false if empty. */
bool sim_queue_pop(struct sim_queue *q, struct sim_event *out);

/* Removes the earliest event into *out if it is due at or before
 * until_us; false if there is none. One look for sim_queue_peek() and
 * sim_queue_pop(). */
bool sim_queue_pop_due(struct sim_queue *q,
                       uint64_t until_us,
                       struct sim_event *out);

/* sim_queue_pop_due() without the copy: the earliest event, removed, if it
 * is due at or before until_us, else NULL. The record is the queue's,
 * unchanged by pushes until its next take or pop: a handler may push
 * while it reads it (the run loop's events). */
const struct sim_event *sim_queue_take_due(struct sim_queue *q,
                                           uint64_t until_us);

/* The earliest event, borrowed until the next push or pop; NULL if empty. */
const struct sim_event *sim_queue_peek(const struct sim_queue *q);

static inline size_t sim_queue_len(const struct sim_queue *q)
{
    return q->merge.len;
}

#endif /* SIM_QUEUE_H */
