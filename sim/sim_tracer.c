/* sim_tracer.c: the engine's trace sink: numbering, the trace hash, the
 * ring of recent events, in-memory recording and the JSONL stream.
 * Invariant: the hash after k events depends only on those k events' field
 * values and text bytes, in a fixed order, never on pointers or the host
 * platform. */
#include "sim/sim_tracer.h"

#include <string.h>

#include "sim/sim_assert.h"
#include "sim/sim_hash.h"

void sim_tracer_init(struct sim_tracer *t, bool record, FILE *jsonl)
{
    memset(t, 0, sizeof(*t));
    t->hash = 0x6A09E667F3BCC908u;
    if (record) {
        t->events = g_array_new(FALSE, FALSE, sizeof(struct sim_trace_event));
        t->texts = g_string_chunk_new(4096);
    }
    t->jsonl = jsonl;
}

void sim_tracer_destroy(struct sim_tracer *t)
{
    if (t->events)
        g_array_free(t->events, TRUE);
    if (t->texts)
        g_string_chunk_free(t->texts);
    memset(t, 0, sizeof(*t));
}

/* The text's length + 1, then its bytes as little-endian words, the last
 * one zero-padded; len is strlen(text). */
static uint64_t mix_text(uint64_t h, const char *text, size_t len)
{
    if (!text)
        return sim_hash_fold(h, 0);
    h = sim_hash_fold(h, len + 1);
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < len; i += 8)
        h = sim_hash_fold(h,
                          sim_hash_load_le(p + i, len - i < 8 ? len - i : 8));
    return h;
}

static uint64_t hash_event(uint64_t h,
                           const struct sim_trace_event *e,
                           size_t text_len)
{
    h = sim_hash_fold(h, e->seq);
    h = sim_hash_fold(h, e->time_us);
    h = sim_hash_fold(h, (uint64_t)e->kind);
    h = sim_hash_fold(h, ((uint64_t)e->node << 32) | e->peer);
    h = sim_hash_fold(h, e->msg_id);
    h = sim_hash_fold(h, e->msg_id2);
    h = sim_hash_fold(h, (uint64_t)e->msg_type);
    h = sim_hash_fold(h, e->term);
    h = sim_hash_fold(h, e->index);
    h = sim_hash_fold(h, e->count);
    h = sim_hash_fold(h, e->commit);
    h = sim_hash_fold(h, e->aux);
    h = sim_hash_fold(h, ((uint64_t)e->role << 1) | (e->ok ? 1u : 0u));
    h = sim_hash_fold(h, e->client);
    h = sim_hash_fold(h, e->request);
    return mix_text(h, e->text, text_len);
}

void sim_tracer_emit(struct sim_tracer *t, struct sim_trace_event *e)
{
    size_t text_len = e->text ? strlen(e->text) : 0;
    e->seq = ++t->seq;
    t->hash = hash_event(t->hash, e, text_len);

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
    if (t->ring_len < SIM_TRACE_RING_EVENTS)
        t->ring_len++;

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
    uint64_t h = sim_hash_fold(t->hash, t->seq);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    return h;
}

size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX])
{
    size_t start =
        (t->ring_next + SIM_TRACE_RING_EVENTS - t->ring_len) % SIM_TRACE_RING_EVENTS;
    for (size_t i = 0; i < t->ring_len; i++) {
        size_t k = (start + i) % SIM_TRACE_RING_EVENTS;
        out[i] = t->ring[k];
        if (t->ring[k].text) {
            g_strlcpy(text_buf[i], t->ring[k].text, SIM_TRACE_TEXT_MAX);
            out[i].text = text_buf[i];
        }
    }
    return t->ring_len;
}
