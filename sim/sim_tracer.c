/* sim_tracer.c: the engine's trace sink: numbering, the trace hash, the
 * ring of recent events, in-memory recording and the JSONL stream.
 * Invariant: the hash after k events depends only on those k events' field
 * values and text bytes, in a fixed order, never on pointers or the host
 * platform. Emitting and hashing are inline in sim_tracer.h (they run
 * about twice per event); this file keeps the rest. */
#include "sim/sim_tracer.h"

#include <string.h>

#include "sim/sim_assert.h"

void sim_tracer_init(struct sim_tracer *t, bool record, FILE *jsonl)
{
    memset(t, 0, sizeof(*t));
    t->hash = SIM_TRACE_HASH_START;
    if (record) {
        t->events = g_array_new(FALSE, FALSE, sizeof(struct sim_trace_event));
        t->texts = g_string_chunk_new(4096);
    }
    t->jsonl = jsonl;
    t->keep = record || jsonl;
}

void sim_tracer_destroy(struct sim_tracer *t)
{
    if (t->events)
        g_array_free(t->events, TRUE);
    if (t->texts)
        g_string_chunk_free(t->texts);
    memset(t, 0, sizeof(*t));
}

void sim_tracer_keep(struct sim_tracer *t,
                     const struct sim_trace_event *e,
                     size_t text_len)
{
    if (t->events) {
        struct sim_trace_event copy = *e;
        if (e->text) {
            copy.text = g_string_chunk_insert_const(t->texts, e->text);
            t->text_bytes += text_len + 1;
        }
        if (e->group_of) {
            copy.group_of = (const uint8_t *)g_string_chunk_insert_len(
                t->texts, (const char *)e->group_of, (gssize)e->n_group_of);
            t->text_bytes += e->n_group_of;
        }
        g_array_append_val(t->events, copy);
    }
    if (t->jsonl)
        sim_trace_write_jsonl(e, t->jsonl);
}

uint64_t sim_tracer_hash(const struct sim_tracer *t)
{
    return sim_trace_hash_finish(t->hash, t->seq);
}

size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX])
{
    size_t len = t->seq < SIM_TRACE_RING_EVENTS ? (size_t)t->seq
                                                : SIM_TRACE_RING_EVENTS;
    size_t start =
        (t->ring_next + SIM_TRACE_RING_EVENTS - len) % SIM_TRACE_RING_EVENTS;
    for (size_t i = 0; i < len; i++) {
        size_t k = (start + i) % SIM_TRACE_RING_EVENTS;
        out[i] = t->ring[k];
        if (t->ring[k].text) {
            g_strlcpy(text_buf[i], t->ring[k].text, SIM_TRACE_TEXT_MAX);
            out[i].text = text_buf[i];
        }
    }
    return len;
}
