/* sim_lin_key.h: one key's history prepared for the linearizability search
 * (private to sim_lin*.c).
 *
 * Keys are independent registers, so the checker takes the history apart
 * key by key (sim_lin.c). For one key, its operations become register
 * operations on interned states and a sequence of call, return and expiry
 * events in the order the search passes them; that order encodes exactly
 * the real-time relation sim_lin_precedes() states.
 */
#ifndef SIM_LIN_KEY_H
#define SIM_LIN_KEY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_history.h"

/* An operation left out of the search, or no operation. */
#define SIM_LIN_NONE UINT32_MAX

enum sim_lin_kind { SIM_LIN_WRITE, SIM_LIN_READ };

struct sim_lin_op
{
    enum sim_lin_kind kind;
    int32_t value; /* WRITE: the state it sets; READ: the state it must see */
    uint32_t call_ev; /* SIM_LIN_NONE: left out of the search */
    uint32_t end_ev;  /* the return or expiry event */
};

enum sim_lin_event_kind { SIM_LIN_CALL, SIM_LIN_RETURN, SIM_LIN_EXPIRE };

struct sim_lin_event
{
    uint32_t op; /* index into the key's operations */
    enum sim_lin_event_kind kind;
    uint64_t time_us; /* for sorting only */
    int rank;         /* for sorting only: sim_lin_key.c's RANK_* */
};

/* The operations of one key sorted by (invoke time, id); state 0 is "key
 * absent", states 1.. are the distinct values written or read. */
struct sim_lin_key
{
    const struct sim_op *const *src; /* borrowed, n of them */
    uint32_t n;
    struct sim_lin_op *ops;
    struct sim_lin_event *events;
    uint32_t n_events;
    uint32_t n_states; /* distinct register states: 0 and the values */
    void *owned; /* the block of ops and events if k owns it, else NULL */
};

/* Storage one check lends each key in turn (sim_lin_key_init_in()): one
 * block, grown to the largest key so far, for its ops and events and what
 * preparing them needs. All zero before the first key;
 * sim_lin_key_room_clear() frees it. */
struct sim_lin_key_room
{
    void *block;
    size_t cap; /* bytes */
};

void sim_lin_key_room_clear(struct sim_lin_key_room *room);

/* A platform-stable hash of the bytes of text, for the checker's tables of
 * keys and values (looked up only, never iterated). */
static inline uint64_t sim_lin_text_hash(const char *text)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * UINT64_C(0x100000001b3);
    return h ^ (h >> 29);
}

/* The instant o returned (its invocation if it never completed earlier). */
static inline uint64_t sim_lin_return_us(const struct sim_op *o)
{
    return o->complete_us > o->invoke_us ? o->complete_us : o->invoke_us;
}

/* Whether a precedes b in real time: a completed before b was invoked, or
 * at that instant unless both take no time (see sim_lin.c). The event order
 * of struct sim_lin_key encodes exactly this relation. */
bool sim_lin_precedes(const struct sim_op *a, const struct sim_op *b);

/* Prepares k from the n operations of one key in src (borrowed while k
 * lives), sorted by (invoke time, id); src must hold no pending GET (it
 * constrains nothing). */
void sim_lin_key_init(struct sim_lin_key *k,
                      const struct sim_op *const *src,
                      uint32_t n);

/* sim_lin_key_init() into room's block (grown when short): k's ops and
 * events live there until the room's next key or its clearing, and k
 * owns nothing. The same key as sim_lin_key_init() makes. */
void sim_lin_key_init_in(struct sim_lin_key *k,
                         const struct sim_op *const *src,
                         uint32_t n,
                         struct sim_lin_key_room *room);

/* Frees what k owns (ops and events are one allocation; nothing when they
 * live in a room). */
void sim_lin_key_clear(struct sim_lin_key *k);

#endif /* SIM_LIN_KEY_H */
