/* sim_tracer.h: the engine's trace sink (private to sim/).
 *
 * Every emitted event gets the next seq, is folded into the 64-bit trace
 * hash, is copied into a ring of the last SIM_TRACE_RING_EVENTS events (each
 * text cut to SIM_TRACE_TEXT_MAX bytes), and, when
 * asked, is kept in memory and/or written as one JSON line. The hash is a
 * function of the events' field values and text contents only.
 */
#ifndef SIM_TRACER_H
#define SIM_TRACER_H

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_trace.h"

struct sim_tracer
{
    uint64_t seq;  /* of the last emitted event */
    uint64_t hash; /* running state; sim_tracer_hash() finalises */
    struct sim_trace_event ring[SIM_TRACE_RING_EVENTS];
    char ring_text[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX];
    size_t ring_next; /* slot of the next event; the ring holds the last
                         min(seq, SIM_TRACE_RING_EVENTS) events */
    /* events or jsonl is set: sim_tracer_keep() has work (one test per
     * event instead of two). In the place of the ring's former length, so
     * the size the memory budget charges for the engine stays the same. */
    size_t keep;
    GArray *events;      /* struct sim_trace_event; NULL when not recording */
    GStringChunk *texts; /* texts of recorded events */
    uint64_t text_bytes; /* bytes of those texts, NULs included */
    FILE *jsonl;         /* borrowed; NULL: none */
};

void sim_tracer_init(struct sim_tracer *t, bool record, FILE *jsonl);
void sim_tracer_destroy(struct sim_tracer *t);

/* Keeps e in memory and/or writes it as JSON, as the tracer was asked. */
void sim_tracer_keep(struct sim_tracer *t,
                     const struct sim_trace_event *e,
                     size_t text_len);

/* Records an event without text or groups whose fields are v's (v->seq,
 * time_us, text, line and group_of ignored), at time_us: the same numbering,
 * hash, ring slot and keeping as sim_tracer_emit(). Every field of the
 * ring's slot is written from v, and the hash is folded from v's fields, not
 * read back from the slot: always inline, so that the caller's v, a local,
 * lives in registers and its zero fields cost neither a store to clear them
 * first nor an xor. Returns the slot. */
static inline __attribute__((always_inline)) struct sim_trace_event *
sim_tracer_put(struct sim_tracer *t,
               const struct sim_trace_event *v,
               uint64_t time_us)
{
    uint64_t seq = ++t->seq;
    t->hash = sim_trace_hash_text(sim_trace_hash_fields(t->hash, seq,
                                                        time_us, v),
                                  NULL, 0);
    struct sim_trace_event *e = &t->ring[t->ring_next];
    e->seq = seq;
    e->time_us = time_us;
    e->kind = v->kind;
    e->node = v->node;
    e->peer = v->peer;
    e->msg_id = v->msg_id;
    e->msg_id2 = v->msg_id2;
    e->msg_type = v->msg_type;
    e->term = v->term;
    e->index = v->index;
    e->count = v->count;
    e->commit = v->commit;
    e->aux = v->aux;
    e->role = v->role;
    e->ok = v->ok;
    e->client = v->client;
    e->request = v->request;
    e->text = NULL;
    e->line = 0;
    e->group_of = NULL;
    e->n_group_of = 0;
    if (++t->ring_next == SIM_TRACE_RING_EVENTS)
        t->ring_next = 0;
    if (t->keep)
        sim_tracer_keep(t, e, 0);
    return e;
}

/* Assigns e->seq and records e; e->text is copied where kept. Inline: it
 * runs about twice per event (sim_emit()). */
static inline void sim_tracer_emit(struct sim_tracer *t,
                                   struct sim_trace_event *e)
{
    size_t text_len = e->text ? strlen(e->text) : 0;
    e->seq = ++t->seq;
    t->hash = sim_trace_hash_event(t->hash, e, text_len);

    struct sim_trace_event *slot = &t->ring[t->ring_next];
    *slot = *e;
    if (e->text) {
        /* Cut to the ring's buffer, as g_strlcpy would. */
        char *buf = t->ring_text[t->ring_next];
        size_t n = text_len < SIM_TRACE_TEXT_MAX - 1 ? text_len
                                                     : SIM_TRACE_TEXT_MAX - 1;
        memcpy(buf, e->text, n);
        buf[n] = '\0';
        slot->text = buf;
    }
    slot->group_of = NULL; /* the ring keeps texts only */
    slot->n_group_of = 0;
    if (++t->ring_next == SIM_TRACE_RING_EVENTS)
        t->ring_next = 0;
    if (t->keep)
        sim_tracer_keep(t, e, text_len);
}

uint64_t sim_tracer_hash(const struct sim_tracer *t);

/* The ring, oldest first, into out (texts into text_buf). Returns count. */
size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX]);

#endif /* SIM_TRACER_H */
