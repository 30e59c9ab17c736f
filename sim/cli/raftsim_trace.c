/* raftsim_trace.c: the records around the events of a JSONL trace
 * (`raftsim run --trace`): a header first (format version, raftsim version,
 * file, seed, nodes, options) and a footer last (trace hash, event count,
 * verdict). docs/trace-format.md defines them.
 *
 * Invariant: neither record is part of the trace hash, which covers the
 * events alone (sim_trace.c), so the hash of a run is the same whether or
 * not a trace is written and whatever these records hold.
 */
#include <inttypes.h>

#include "sim/cli/raftsim_cli.h"

#ifndef RAFTSIM_VERSION
#define RAFTSIM_VERSION "unknown"
#endif

void raftsim_trace_header(FILE *out,
                          const char *path,
                          const struct scn_scenario *sc,
                          uint64_t seed,
                          bool seed_given,
                          const struct scn_budget *budget,
                          int64_t wall_us)
{
    fprintf(out, "{\"kind\":\"header\",\"format\":%d,\"raftsim\":",
            RAFTSIM_TRACE_FORMAT);
    sim_trace_json_string(out, RAFTSIM_VERSION);
    fputs(",\"file\":", out);
    sim_trace_json_string(out, path);
    fputs(",\"title\":", out);
    sim_trace_json_string(out, sc->title ? sc->title : "");
    fprintf(out,
            ",\"seed\":%" PRIu64 ",\"nodes\":%" PRIu32 ",\"run_us\":%" PRIu64
            ",\"options\":{\"seed_given\":%s,\"max_events\":%" PRIu64
            ",\"max_memory\":%" PRIu64 ",\"max_wall_us\":%" PRId64 "}}\n",
            seed, scn_scenario_nodes(sc), sc->run_us, seed_given ? "true" : "false",
            budget->max_events, budget->max_memory_bytes, wall_us);
}

/* "pass", "fail" or "budget", as the exit status says. */
static const char *verdict_name(const struct scn_run_result *res)
{
    if (res->budget_exceeded)
        return "budget";
    return res->passed ? "pass" : "fail";
}

void raftsim_trace_footer(FILE *out, const struct scn_run_result *res)
{
    struct sim_counters c;
    sim_get_counters(res->sim, &c);
    fprintf(out,
            "{\"kind\":\"footer\",\"hash\":\"%016" PRIx64
            "\",\"events\":%" PRIu64 ",\"end_us\":%" PRIu64
            ",\"verdict\":\"%s\",\"passed\":%s,\"violation\":%s"
            ",\"checks_passed\":%" PRIu64 ",\"checks_failed\":%" PRIu64 "}\n",
            res->trace_hash, c.trace_events, res->end_us, verdict_name(res),
            res->passed ? "true" : "false", res->violation ? "true" : "false",
            res->checks_passed, res->checks_failed);
}
