/* sim_lin_key.c: one key's operations turned into register operations and
 * the events the search passes (sim_lin_key.h). Invariant: events are
 * sorted by time, and at one instant by rank (RANK_*), so that an operation
 * that returned at the instant another was called precedes it unless both
 * take no time. */
#include "sim/check/sim_lin_key.h"

#include <string.h>

#include "sim/sim_assert.h"

/* A completed operation that begins and ends at the same microsecond. */
static bool takes_no_time(const struct sim_op *o)
{
    return o->completed && sim_lin_return_us(o) == o->invoke_us;
}

/* Whether a precedes b in real time: a completed before b was invoked, or
 * at that instant unless both take no time (see the file comment). The
 * event order below encodes exactly this relation. */
bool sim_lin_precedes(const struct sim_op *a, const struct sim_op *b)
{
    if (!a->completed)
        return false;
    uint64_t end = sim_lin_return_us(a);
    if (end != b->invoke_us)
        return end < b->invoke_us;
    return !(takes_no_time(a) && takes_no_time(b));
}

/* At equal times: the returns of operations that took time, then the calls
 * and then the returns of those that took none, then expiries, then the
 * other calls. So an operation that starts when another ends follows it,
 * and operations that take no time at one instant overlap one another.
 * The ranks of an operation's call and return (or expiry), given whether
 * it takes no time (takes_no_time(); one that never completed takes
 * time). */
enum {
    RANK_RETURN = 0,
    RANK_INSTANT_CALL = 1,
    RANK_INSTANT_RETURN = 2,
    RANK_EXPIRE = 3,
    RANK_CALL = 4,
};

static gint compare_events(const void *a, const void *b)
{
    const struct sim_lin_event *x = a, *y = b;
    if (x->time_us != y->time_us)
        return x->time_us < y->time_us ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->op > y->op) - (x->op < y->op);
}

_Static_assert(sizeof(struct sim_lin_op) % _Alignof(struct sim_lin_event) == 0,
               "a key's events follow its ops in one block");

/* Moves an insertion sort of n events may make before it hands them to
 * qsort(): more than any order of up to 64 events needs (64 * 63 / 2), and
 * linear beyond. */
#define SORT_MOVES_MAX(n) (16 * (size_t)(n) + 2048)

/* The distinct values met so far, numbered from 1 in order of appearance:
 * seen[0..n) (id i + 1 is seen[i]), found by their sim_lin_text_hash()
 * through an open-addressing table of mask + 1 slots (over twice the
 * values there can be) that is only looked up, never iterated. */
struct interned
{
    const char **seen;
    uint32_t n;
    struct value_slot
    {
        uint64_t hash;
        uint32_t id; /* 0: empty */
    } *slots;
    size_t mask;
};

static int32_t intern(struct interned *v, const char *s)
{
    uint64_t h = sim_lin_text_hash(s);
    size_t at = h & v->mask;
    for (; v->slots[at].id != 0; at = (at + 1) & v->mask)
        if (v->slots[at].hash == h &&
            strcmp(v->seen[v->slots[at].id - 1], s) == 0)
            return (int32_t)v->slots[at].id;
    v->seen[v->n++] = s;
    v->slots[at] = (struct value_slot){.hash = h, .id = v->n};
    return (int32_t)v->n;
}

/* Sorts events[0..n) by compare_events(), a total order on distinct
 * events, so any sort gives the one result: by insertion, for they come
 * nearly in order (the operations are sorted by call; a return is out of
 * place by the calls made while it was open), and by qsort() once the
 * insertion has moved events SORT_MOVES_MAX(n) times. */
static void sort_events(struct sim_lin_event *events, uint32_t n)
{
    size_t moves_left = SORT_MOVES_MAX(n);
    for (uint32_t i = 1; i < n; i++) {
        struct sim_lin_event e = events[i];
        uint32_t j = i;
        for (; j > 0 && compare_events(&events[j - 1], &e) > 0; j--) {
            if (moves_left-- == 0) {
                events[j] = e; /* every event in place again */
                qsort(events, n, sizeof *events, compare_events);
                return;
            }
            events[j] = events[j - 1];
        }
        events[j] = e;
    }
}

/* A write that never completed may take effect at any time after its call,
 * but doing so after the last return of a read that saw its value achieves
 * nothing: no read can tell, so dropping it from such an order leaves a
 * valid order. Such a write therefore expires at that return, and one
 * whose value no read returned after its call is left out altogether.
 * This keeps the open set, and so the search, bounded by the overlap of
 * completed operations rather than growing with every timed-out write. */
static void add_events(struct sim_lin_key *k, const uint64_t *last_read_us)
{
    for (uint32_t i = 0; i < k->n; i++) {
        const struct sim_op *o = k->src[i];
        struct sim_lin_op *l = &k->ops[i];
        l->call_ev = SIM_LIN_NONE;
        if (o->completed) {
            bool instant = takes_no_time(o);
            k->events[k->n_events++] = (struct sim_lin_event){
                .op = i,
                .kind = SIM_LIN_CALL,
                .time_us = o->invoke_us,
                .rank = instant ? RANK_INSTANT_CALL : RANK_CALL};
            k->events[k->n_events++] = (struct sim_lin_event){
                .op = i,
                .kind = SIM_LIN_RETURN,
                .time_us = sim_lin_return_us(o),
                .rank = instant ? RANK_INSTANT_RETURN : RANK_RETURN};
            continue;
        }
        uint64_t deadline = last_read_us[l->value];
        /* A read that ended when the write began precedes it. */
        if (deadline == UINT64_MAX || deadline <= o->invoke_us)
            continue;
        k->events[k->n_events++] = (struct sim_lin_event){
            .op = i, .kind = SIM_LIN_CALL, .time_us = o->invoke_us,
            .rank = RANK_CALL};
        k->events[k->n_events++] = (struct sim_lin_event){
            .op = i, .kind = SIM_LIN_EXPIRE, .time_us = deadline,
            .rank = RANK_EXPIRE};
    }
}

/* The bytes of a key of n operations in a room: its ops and events, then
 * the values' table of cap slots, each state's last read and the values'
 * names (at most n values), which only sim_lin_key_init_in() reads. */
static size_t room_bytes(uint32_t n, size_t cap)
{
    return (size_t)n * sizeof(struct sim_lin_op) +
           2 * (size_t)n * sizeof(struct sim_lin_event) +
           cap * sizeof(struct value_slot) +
           ((size_t)n + 1) * (sizeof(uint64_t) + sizeof(const char *));
}

_Static_assert(sizeof(struct sim_lin_event) % _Alignof(struct value_slot) ==
                       0 &&
                   sizeof(struct value_slot) % _Alignof(uint64_t) == 0,
               "the values' table and the last reads follow the events");

/* Numbers the states of the operations' values into k->ops (kind and
 * value) through values. */
static void intern_values(struct sim_lin_key *k, struct interned *values)
{
    for (uint32_t i = 0; i < k->n; i++) {
        const struct sim_op *o = k->src[i];
        struct sim_lin_op *l = &k->ops[i];
        switch (o->op) {
        case SIM_KV_SET:
            l->kind = SIM_LIN_WRITE;
            l->value = intern(values, o->value != NULL ? o->value : "");
            break;
        case SIM_KV_DELETE:
            l->kind = SIM_LIN_WRITE;
            l->value = 0;
            break;
        case SIM_KV_GET:
            l->kind = SIM_LIN_READ;
            l->value = o->found
                           ? intern(values, o->result != NULL ? o->result : "")
                           : 0;
            break;
        }
    }
}

/* src must hold no pending GET (it constrains nothing). */
void sim_lin_key_init_in(struct sim_lin_key *k,
                         const struct sim_op *const *src,
                         uint32_t n,
                         struct sim_lin_key_room *room)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)n + 2)
        cap *= 2;
    size_t bytes = room_bytes(n, cap);
    if (room->cap < bytes) {
        g_free(room->block);
        room->cap = bytes > 2 * room->cap ? bytes : 2 * room->cap;
        room->block = g_malloc(room->cap);
    }
    k->src = src;
    k->n = n;
    k->owned = NULL;
    k->ops = room->block;
    k->events = (struct sim_lin_event *)(void *)(k->ops + n);
    k->n_events = 0;
    /* The values' table (only its slots need clearing), their names and
     * each state's last read: at most n values. */
    struct value_slot *slots = (struct value_slot *)(void *)(k->events + 2 * n);
    memset(slots, 0, cap * sizeof(*slots));
    uint64_t *last_read_us = (uint64_t *)(void *)(slots + cap);
    struct interned values = {
        .seen = (const char **)(void *)(last_read_us + n + 1),
        .slots = slots,
        .mask = cap - 1,
    };
    intern_values(k, &values);
    /* The last return of a read of each state; UINT64_MAX: none. */
    uint32_t n_states = values.n + 1;
    for (uint32_t v = 0; v < n_states; v++)
        last_read_us[v] = UINT64_MAX;
    for (uint32_t i = 0; i < n; i++) {
        const struct sim_lin_op *l = &k->ops[i];
        uint64_t t = sim_lin_return_us(src[i]);
        if (l->kind == SIM_LIN_READ && (last_read_us[l->value] == UINT64_MAX ||
                                        t > last_read_us[l->value]))
            last_read_us[l->value] = t;
    }
    add_events(k, last_read_us);
    sort_events(k->events, k->n_events);
    for (uint32_t e = 0; e < k->n_events; e++) {
        if (k->events[e].kind == SIM_LIN_CALL)
            k->ops[k->events[e].op].call_ev = e;
        else
            k->ops[k->events[e].op].end_ev = e;
    }
    k->n_states = n_states;
}

void sim_lin_key_init(struct sim_lin_key *k,
                      const struct sim_op *const *src,
                      uint32_t n)
{
    struct sim_lin_key_room room = {0};
    sim_lin_key_init_in(k, src, n, &room);
    k->owned = room.block; /* k's from now on */
}

void sim_lin_key_room_clear(struct sim_lin_key_room *room)
{
    g_free(room->block);
    *room = (struct sim_lin_key_room){0};
}

void sim_lin_key_clear(struct sim_lin_key *k)
{
    g_free(k->owned);
}
