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

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim_trace.h"

struct sim_tracer
{
    uint64_t seq;  /* of the last emitted event */
    uint64_t hash; /* running state; sim_tracer_hash() finalises */
    struct sim_trace_event ring[SIM_TRACE_RING_EVENTS];
    char ring_text[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX];
    size_t ring_next; /* slot of the next event */
    size_t ring_len;
    GArray *events;      /* struct sim_trace_event; NULL when not recording */
    GStringChunk *texts; /* texts of recorded events */
    uint64_t text_bytes; /* bytes of those texts, NULs included */
    FILE *jsonl;         /* borrowed; NULL: none */
};

void sim_tracer_init(struct sim_tracer *t, bool record, FILE *jsonl);
void sim_tracer_destroy(struct sim_tracer *t);

/* Assigns e->seq and records e; e->text is copied where kept. */
void sim_tracer_emit(struct sim_tracer *t, struct sim_trace_event *e);

uint64_t sim_tracer_hash(const struct sim_tracer *t);

/* The ring, oldest first, into out (texts into text_buf). Returns count. */
size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX]);

#endif /* SIM_TRACER_H */
