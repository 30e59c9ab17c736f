/* scn_fuzz_run.c: running a generated scenario and writing its reproducer
 * (scn_fuzz.h): the verdict of one seed, and the standalone scenario file,
 * with a header describing its swarm, that `raftsim run` replays.
 *
 * Invariant: a verdict and a reproducer depend only on the scenario, the
 * seed's swarm and the run's result, never on wall time or on the order
 * seeds finish in.
 */
#include "scenarios/lang/scn_fuzz.h"

#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_run.h"
#include "sim/sim_time_text.h"

/* ---- the swarm in words ----------------------------------------------------
 */

/* Appends fault f of the swarm w with its bound or rate: "drop<=12%",
 * "crash(8/10s)". */
static void describe_fault(const struct scn_fuzz_swarm *w,
                           unsigned f,
                           GString *out)
{
    g_string_append(out, scn_fuzz_fault_name(f));
    switch (f) {
    case SCN_FUZZ_DROP:
        g_string_append(out, "<=");
        scn_print_ppm(out, (uint64_t)w->drop_ppm_max * 100u);
        g_string_append_c(out, '%');
        break;
    case SCN_FUZZ_DELAY:
        g_string_append(out, "<=");
        sim_time_text_duration(out, w->delay_us_max);
        break;
    case SCN_FUZZ_DUPLICATE:
        g_string_append(out, "<=");
        scn_print_ppm(out, (uint64_t)w->duplicate_ppm_max * 100u);
        g_string_append_c(out, '%');
        break;
    case SCN_FUZZ_REORDER:
        g_string_append(out, "<=");
        scn_print_ppm(out, (uint64_t)w->reorder_ppm_max * 100u);
        g_string_append_c(out, '%');
        break;
    case SCN_FUZZ_DRIFT:
        g_string_append_printf(out, "(%" PRIu32 "/10s, +-", w->per_10s[f]);
        scn_print_ppm(out, (uint64_t)w->drift_ppm_max * 100u);
        g_string_append(out, "%)");
        break;
    case SCN_FUZZ_MEMBERSHIP:
        g_string_append_printf(out, "(%" PRIu32 "/10s, %" PRIu32 " spare%s)",
                               w->per_10s[f], w->spares,
                               w->spares == 1 ? "" : "s");
        break;
    case SCN_FUZZ_DISK:
        g_string_append_printf(out, "(%" PRIu32 "/10s, write ", w->per_10s[f]);
        sim_time_text_duration(out, w->disk_write_us);
        g_string_append(out, ", sync ");
        sim_time_text_duration(out, w->disk_sync_us);
        g_string_append_c(out, ')');
        break;
    default:
        g_string_append_printf(out, "(%" PRIu32 "/10s)", w->per_10s[f]);
        break;
    }
}

/* Appends a one-line description of the swarm w:
 * "drop<=12% crash(8/10s) pause(3/10s); prevote on, checkquorum off, ...". */
static void scn_fuzz_swarm_describe(const struct scn_fuzz_swarm *w,
                                    GString *out)
{
    size_t start = out->len;
    for (unsigned f = 0; f < SCN_FUZZ_FAULT_COUNT; f++) {
        if (!w->on[f])
            continue;
        if (out->len > start)
            g_string_append_c(out, ' ');
        describe_fault(w, f, out);
    }
    if (out->len == start)
        g_string_append(out, "no faults");
    g_string_append_printf(out, "; prevote %s, checkquorum %s, ",
                           w->prevote ? "on" : "off",
                           w->checkquorum ? "on" : "off");
    if (w->snapshot_every && w->snapshot_chunk)
        g_string_append_printf(
            out, "snapshot-every %" PRIu64 " in %" PRIu32 "-byte chunks",
            w->snapshot_every, w->snapshot_chunk);
    else if (w->snapshot_every)
        g_string_append_printf(out, "snapshot-every %" PRIu64,
                               w->snapshot_every);
    else
        g_string_append(out, "no snapshots");
    g_string_append_printf(out,
                           "; load %" PRIu32 "/10s, %" PRIu32
                           " requests, %" PRIu32 " timeouts",
                           w->load_per_10s, w->requests, w->timeouts);
    if (w->reads != SCN_READ_LOG)
        g_string_append_printf(out, "; reads %s", scn_read_mode_name(w->reads));
    if (w->lease_drift_bound_us) {
        g_string_append(out, " (lease-drift-bound ");
        sim_time_text_duration(out, w->lease_drift_bound_us);
        g_string_append_c(out, ')');
    }
    if (w->max_uncommitted)
        g_string_append_printf(out, "; max-uncommitted %" PRIu64,
                               w->max_uncommitted);
}

/* ---- running and reporting ---------------------------------------------- */

void scn_fuzz_verdict_clear(struct scn_fuzz_verdict *v)
{
    g_free(v->property);
    g_free(v->detail);
    memset(v, 0, sizeof(*v));
}

/* The first line of `text` (borrowed) as a new string. */
static char *first_line(const char *text)
{
    if (!text)
        return g_strdup("");
    const char *nl = strchr(text, '\n');
    return nl ? g_strndup(text, (gsize)(nl - text)) : g_strdup(text);
}

int scn_fuzz_run(const struct scn_scenario *scenario,
                 struct scn_fuzz_verdict *out)
{
    return scn_fuzz_run_budget(scenario, NULL, out);
}

int scn_fuzz_run_budget(const struct scn_scenario *scenario,
                        const struct scn_budget *budget,
                        struct scn_fuzz_verdict *out)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.checkers = true;
    o.linearizability = true;
    /* A verdict names its failure; the reproducer, run again, shows the
     * last events. */
    o.recent_events = false;
    if (budget)
        o.budget = *budget;
    struct scn_run_result *res = NULL;
    if (scn_run(scenario, &o, &res) != SCN_OK)
        return SCN_EINVAL;
    memset(out, 0, sizeof(*out));
    out->seed = res->seed;
    out->passed = res->passed;
    out->lin_unknown = res->lin_checked && res->lin_verdict == SIM_LIN_UNKNOWN;
    out->trace_hash = res->trace_hash;
    out->end_us = res->end_us;
    out->events = res->events;
    const struct scn_failure *f = scn_run_first_failure(res);
    const struct sim_failure *sf = sim_get_failure(res->sim);
    if (res->violation && sf) {
        out->property = g_strdup(sim_property_name(sf->violation.property));
        out->detail = first_line(sf->violation.detail);
        out->failed_at_us = sf->time_us;
    } else if (f) {
        switch (f->kind) {
        case SCN_FAILURE_LINEARIZABILITY:
            out->property = g_strdup("linearizability");
            break;
        case SCN_FAILURE_CHECK:
            out->property = g_strdup("check");
            break;
        case SCN_FAILURE_BUDGET:
            out->property = g_strdup("budget");
            break;
        case SCN_FAILURE_LIVENESS:
            out->property = g_strdup("liveness");
            break;
        default:
            out->property = g_strdup("action");
            break;
        }
        out->detail = first_line(f->message);
        out->failed_at_us = f->time_us;
    }
    scn_run_result_free(res);
    return SCN_OK;
}

/* The comment lines saying how to replay the reproducer of `v`. */
static void reproducer_replay_note(const struct scn_fuzz_verdict *v,
                                   GString *out)
{
    bool process = v->failed_at_us == SCN_FUZZ_UNKNOWN_TIME;
    g_string_append_printf(out,
                           "# Replay it, event for event: raftsim run "
                           "fuzz-%" PRIu64 ".scn\n",
                           v->seed);
    if (process) {
        g_string_append(out,
                        "# (the run ends the process the same way). "
                        "There is no expect; the last\n"
                        "# statement, `settle`, is the liveness "
                        "phase.\n\n");
        return;
    }
    g_string_append(out,
                    "# (its report ends with the last events before the "
                    "violation; --png OUT.png\n"
                    "# draws a timeline). There is no expect: the checkers "
                    "fail the run by\n"
                    "# themselves, with exit status 1; the last statement, "
                    "`settle`, ends\n"
                    "# every fault and fails it as `liveness` when no "
                    "leader becomes stable\n"
                    "# or a request stays pending within its bound.\n\n");
}

void scn_fuzz_reproducer(const struct scn_scenario *scenario,
                         const struct scn_fuzz_options *options,
                         const struct scn_fuzz_swarm *swarm,
                         const struct scn_fuzz_verdict *v,
                         GString *out)
{
    g_string_append_printf(
        out, "# fuzz-%" PRIu64 ".scn: a schedule on which %s failed.\n#\n",
        v->seed, v->property ? v->property : "nothing");
    g_string_append_printf(out,
                           "# Found by: raftsim fuzz --seed-from %" PRIu64
                           " --seeds 1 --nodes %" PRIu32 " --time ",
                           v->seed, options->nodes);
    sim_time_text_duration(out, options->run_us);
    if (options->faults != SCN_FUZZ_ALL_FAULTS) {
        g_string_append(out, " --faults ");
        bool first = true;
        for (unsigned f = 0; f < SCN_FUZZ_FAULT_COUNT; f++) {
            if (!(options->faults & (1u << f)))
                continue;
            g_string_append_printf(out, "%s%s", first ? "" : ",",
                                   scn_fuzz_fault_name(f));
            first = false;
        }
    }
    g_string_append(out, "\n# Failure:  ");
    g_string_append(out, v->property ? v->property : "none");
    if (v->failed_at_us != SCN_FUZZ_UNKNOWN_TIME) {
        g_string_append(out, " at ");
        sim_time_text_human(out, v->failed_at_us);
    }
    g_string_append(out, ": ");
    g_string_append(out, v->detail ? v->detail : "");
    g_string_append(out, "\n# Swarm:    ");
    scn_fuzz_swarm_describe(swarm, out);
    if (v->failed_at_us != SCN_FUZZ_UNKNOWN_TIME)
        g_string_append_printf(
            out, "\n# Trace hash %016" PRIx64 " after %" PRIu64 " events.",
            v->trace_hash, v->events);
    g_string_append(out, "\n#\n");
    reproducer_replay_note(v, out);
    scn_print(scenario, out);
}
