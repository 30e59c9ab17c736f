/* sim_trace.c: trace kind names, the trace hash, the ring of recent events,
 * in-memory recording and the JSONL writer. Invariant: the hash after k
 * events depends only on those k events' field values and text bytes, in a
 * fixed order, never on pointers or the host platform. */
#include <inttypes.h>
#include <string.h>

#include "sim/sim_assert.h"
#include "sim/sim_hash.h"
#include "sim/sim_tracer.h"

static const char *const kind_names[SIM_TRACE_KIND_COUNT] = {
    [SIM_TRACE_SEND] = "send",
    [SIM_TRACE_DELIVER] = "deliver",
    [SIM_TRACE_DROP] = "drop",
    [SIM_TRACE_DUPLICATE] = "duplicate",
    [SIM_TRACE_ROLE] = "role",
    [SIM_TRACE_TERM] = "term",
    [SIM_TRACE_LEADER] = "leader",
    [SIM_TRACE_PERSIST] = "persist",
    [SIM_TRACE_SYNC] = "sync",
    [SIM_TRACE_COMMIT] = "commit",
    [SIM_TRACE_APPLY] = "apply",
    [SIM_TRACE_SNAPSHOT] = "snapshot",
    [SIM_TRACE_CRASH] = "crash",
    [SIM_TRACE_RESTART] = "restart",
    [SIM_TRACE_PAUSE] = "pause",
    [SIM_TRACE_RESUME] = "resume",
    [SIM_TRACE_PARTITION] = "partition",
    [SIM_TRACE_CUT] = "cut",
    [SIM_TRACE_HEAL] = "heal",
    [SIM_TRACE_NET] = "net",
    [SIM_TRACE_DRIFT] = "drift",
    [SIM_TRACE_CLIENT_INVOKE] = "client-invoke",
    [SIM_TRACE_CLIENT_SEND] = "client-send",
    [SIM_TRACE_CLIENT_COMPLETE] = "client-complete",
    [SIM_TRACE_CHECK] = "check",
    [SIM_TRACE_VIOLATION] = "violation",
    [SIM_TRACE_NOTE] = "note",
    [SIM_TRACE_DISK] = "disk",
    [SIM_TRACE_TIMER] = "timer",
    [SIM_TRACE_PROGRESS] = "progress",
    [SIM_TRACE_LOG] = "log",
    [SIM_TRACE_OPERATOR] = "operator",
    [SIM_TRACE_CONFIG] = "config",
    [SIM_TRACE_TRANSFER] = "transfer",
};

const char *sim_trace_kind_name(enum sim_trace_kind kind)
{
    if ((int)kind <= 0 || kind >= SIM_TRACE_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

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

void sim_trace_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_u64(FILE *out, const char *name, uint64_t v)
{
    if (v)
        fprintf(out, ",\"%s\":%" PRIu64, name, v);
}

void sim_trace_write_jsonl(const struct sim_trace_event *e, FILE *out)
{
    fprintf(out, "{\"seq\":%" PRIu64 ",\"t_us\":%" PRIu64 ",\"kind\":\"%s\"",
            e->seq, e->time_us, sim_trace_kind_name(e->kind));
    json_u64(out, "node", e->node);
    json_u64(out, "peer", e->peer);
    json_u64(out, "msg_id", e->msg_id);
    json_u64(out, "msg_id2", e->msg_id2);
    if (e->msg_type)
        fprintf(out, ",\"msg_type\":\"%s\"",
                raft_message_type_name(e->msg_type));
    json_u64(out, "term", e->term);
    json_u64(out, "index", e->index);
    json_u64(out, "count", e->count);
    json_u64(out, "commit", e->commit);
    json_u64(out, "aux", e->aux);
    if (e->kind == SIM_TRACE_ROLE)
        fprintf(out, ",\"role\":\"%s\"", raft_role_name(e->role));
    /* Booleans are always written, false too. */
    fputs(e->ok ? ",\"ok\":true" : ",\"ok\":false", out);
    json_u64(out, "client", e->client);
    json_u64(out, "request", e->request);
    if (e->kind == SIM_TRACE_CHECK)
        fprintf(out, ",\"line\":%" PRIu32, e->line);
    if (e->text) {
        fputs(",\"text\":", out);
        sim_trace_json_string(out, e->text);
    }
    if (e->group_of) {
        fputs(",\"groups\":[", out);
        for (uint32_t i = 0; i < e->n_group_of; i++)
            fprintf(out, "%s%u", i ? "," : "", (unsigned)e->group_of[i]);
        fputc(']', out);
    }
    fputs("}\n", out);
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
    if (++t->ring_next == SIM_RING_EVENTS)
        t->ring_next = 0;
    if (t->ring_len < SIM_RING_EVENTS)
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
                       struct sim_trace_event out[SIM_RING_EVENTS],
                       char text_buf[SIM_RING_EVENTS][SIM_TRACE_TEXT_MAX])
{
    size_t start =
        (t->ring_next + SIM_RING_EVENTS - t->ring_len) % SIM_RING_EVENTS;
    for (size_t i = 0; i < t->ring_len; i++) {
        size_t k = (start + i) % SIM_RING_EVENTS;
        out[i] = t->ring[k];
        if (t->ring[k].text) {
            g_strlcpy(text_buf[i], t->ring[k].text, SIM_TRACE_TEXT_MAX);
            out[i].text = text_buf[i];
        }
    }
    return t->ring_len;
}
