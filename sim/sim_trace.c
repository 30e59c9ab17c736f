/* sim_trace.c: the trace's own functions, for every reader of a trace:
 * kind names and the JSONL writer (docs/trace-format.md). The engine's sink
 * that numbers, hashes and keeps events is sim_tracer.c. */
#include "sim/sim_trace.h"

#include <inttypes.h>

#include "sim/sim_assert.h"

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
