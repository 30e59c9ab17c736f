/* sim_tracer.c: the engine's trace sink: numbering, the trace hash, the
 * ring of recent events, in-memory recording and the JSONL stream.
 * Invariant: the hash after k events depends only on those k events' field
 * values and text bytes, in a fixed order, never on pointers or the host
 * platform. Emitting and hashing are inline in sim_tracer.h (they run
 * about twice per event); this file keeps the rest. */
#include "sim/sim_tracer.h"

#include <inttypes.h>
#include <string.h>

#include "sim/sim_assert.h"

void sim_tracer_init(struct sim_tracer *t,
                     bool record,
                     FILE *jsonl,
                     bool ring)
{
    memset(t, 0, sizeof(*t));
    t->hash = SIM_TRACE_HASH_START;
    if (record) {
        t->events = g_array_new(FALSE, FALSE, sizeof(struct sim_trace_event));
        t->texts = g_string_chunk_new(4096);
    }
    t->jsonl = jsonl;
    t->keep = record || jsonl;
    t->writes_ring = ring || t->keep;
    t->slot_kinds = t->writes_ring ? ~UINT64_C(0) : 0;
}

void sim_tracer_listen(struct sim_tracer *t, uint64_t kinds)
{
    t->slot_kinds = t->writes_ring ? ~UINT64_C(0) : kinds;
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

void sim_tracer_keep_last(struct sim_tracer *t)
{
    struct sim_trace_event e;
    sim_tracer_event(t, t->seq, &e);
    sim_tracer_keep(t, &e, 0);
}

void sim_tracer_keep_last_text(struct sim_tracer *t,
                               const char *text,
                               size_t text_len)
{
    struct sim_trace_event e;
    sim_tracer_event(t, t->seq, &e);
    e.text = text;
    sim_tracer_keep(t, &e, text_len);
}

/* Zeroes e's fields of words 4 to 12 outside words; always inline, so
 * that each kind's words are a constant in clear_stale(). */
static inline __attribute__((always_inline)) void
clear_outside(struct sim_trace_event *e, unsigned words)
{
    if (!(words & SIM_TRACE_WORD(4)))
        e->msg_id = 0;
    if (!(words & SIM_TRACE_WORD(5)))
        e->msg_id2 = 0;
    if (!(words & SIM_TRACE_WORD(6)))
        e->term = 0;
    if (!(words & SIM_TRACE_WORD(7)))
        e->index = 0;
    if (!(words & SIM_TRACE_WORD(8)))
        e->count = 0;
    if (!(words & SIM_TRACE_WORD(9)))
        e->commit = 0;
    if (!(words & SIM_TRACE_WORD(10)))
        e->aux = 0;
    if (!(words & SIM_TRACE_WORD(11)))
        e->client = 0;
    if (!(words & SIM_TRACE_WORD(12)))
        e->request = 0;
}

/* Zeroes the fields of e, read back from a slot, that its kind does not
 * carry: their words were not written (sim_trace_kind_words()). A case
 * per such kind, so that each clears its own words without a test per
 * word. */
static void clear_stale(struct sim_trace_event *e)
{
#define CLEAR_CASE(k)                                                          \
    case k:                                                                    \
        clear_outside(e, sim_trace_kind_words(k));                            \
        break
    switch (e->kind) {
        CLEAR_CASE(SIM_TRACE_SEND);
        CLEAR_CASE(SIM_TRACE_DELIVER);
        CLEAR_CASE(SIM_TRACE_TIMER);
        CLEAR_CASE(SIM_TRACE_COMMIT);
        CLEAR_CASE(SIM_TRACE_APPLY);
        CLEAR_CASE(SIM_TRACE_SYNC);
        CLEAR_CASE(SIM_TRACE_PROGRESS);
    default:
        clear_outside(e, sim_trace_kind_words(e->kind));
        break;
    }
#undef CLEAR_CASE
}

void sim_tracer_event(const struct sim_tracer *t,
                      uint64_t seq,
                      struct sim_trace_event *out)
{
    SIM_ASSERT(seq >= 1 && seq <= t->seq && t->seq - seq < SIM_TRACER_SLOTS &&
                   (t->writes_ring || seq == t->seq),
               "event %" PRIu64 " is not in the ring (last %" PRIu64
               "; ring %s)",
               seq, t->seq, t->writes_ring ? "written" : "not written");
    const struct sim_tracer_slot *sl = &t->ring[seq & (SIM_TRACER_SLOTS - 1)];
    /* The words' fields back, by the shifts sim_trace_word_nodes() and
     * sim_trace_word_kinds() placed them with; field by field, so that
     * the record is not cleared first (every field is written). */
    out->seq = seq;
    out->time_us = sl->time_us;
    out->kind = (enum sim_trace_kind)(sl->kinds & 0xFFFF);
    out->node = (uint32_t)sl->nodes;
    out->peer = (uint32_t)(sl->nodes >> 32);
    out->msg_id = sl->msg_id;
    out->msg_id2 = sl->msg_id2;
    out->msg_type = (enum raft_message_type)(sl->kinds >> 16 & 0xFFFF);
    out->term = sl->term;
    out->index = sl->index;
    out->count = sl->count;
    out->commit = sl->commit;
    out->aux = sl->aux;
    out->role = (enum raft_role)(sl->kinds >> 32 & 0xFFFF);
    out->ok = (sl->kinds >> 48 & 1) != 0;
    out->client = sl->client;
    out->request = sl->request;
    out->text = NULL;
    out->line = 0;
    out->group_of = NULL;
    out->n_group_of = 0;
    if (SIM_TRACE_KINDS_FEW >> out->kind & 1)
        clear_stale(out);
    if (sl->kinds & SIM_TRACER_SLOT_TEXT) {
        out->text = sl->text;
        out->line = sl->line;
    }
}

G_GNUC_NO_INLINE void sim_tracer_check_kind(const struct sim_trace_event *e)
{
    unsigned words = sim_trace_kind_words(e->kind);
    const uint64_t w[13] = {
        [4] = e->msg_id, [5] = e->msg_id2, [6] = e->term,
        [7] = e->index,  [8] = e->count,   [9] = e->commit,
        [10] = e->aux,   [11] = e->client, [12] = e->request,
    };
    for (unsigned i = 4; i <= 12; i++)
        SIM_ASSERT((words & SIM_TRACE_WORD(i)) || w[i] == 0,
                   "a %s event's word %u, which its kind does not carry",
                   sim_trace_kind_name(e->kind), i);
    SIM_ASSERT((words & SIM_TRACE_WORD(13)) || e->text == NULL,
               "a %s event's text, which its kind does not carry",
               sim_trace_kind_name(e->kind));
}

uint64_t sim_tracer_hash(const struct sim_tracer *t)
{
    return sim_trace_hash_finish(t->hash, t->seq);
}

size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX])
{
    uint64_t written = t->writes_ring ? t->seq : 0;
    size_t len = written < SIM_TRACE_RING_EVENTS ? (size_t)written
                                                 : SIM_TRACE_RING_EVENTS;
    for (size_t i = 0; i < len; i++) {
        sim_tracer_event(t, t->seq - len + 1 + i, &out[i]);
        if (out[i].text) {
            g_strlcpy(text_buf[i], out[i].text, SIM_TRACE_TEXT_MAX);
            out[i].text = text_buf[i];
        }
    }
    return len;
}
