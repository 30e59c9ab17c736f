/* raftsim_fuzz_report.c: `raftsim fuzz --json` and `--junit`
 * (raftsim_fuzz_report.h; every field is listed in docs/json-output.md).
 *
 * Invariant: the JSON document and the JUnit file are pure functions of
 * the summary, except the JUnit times, which are wall-clock seconds.
 */
#include "sim/cli/raftsim_fuzz_report.h"

#include <inttypes.h>
#include <stdio.h>

#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_run.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/cli/raftsim_junit.h"
#include "sim/sim_time_text.h"

struct raftsim_fuzz_failure *raftsim_fuzz_failure_new(uint64_t seed,
                                                      const char *property,
                                                      const char *detail)
{
    struct raftsim_fuzz_failure *f = g_new0(struct raftsim_fuzz_failure, 1);
    f->seed = seed;
    f->property = g_strdup(property);
    f->detail = g_strdup(detail);
    f->time_us = SCN_FUZZ_UNKNOWN_TIME;
    return f;
}

void raftsim_fuzz_failure_free(gpointer failure)
{
    struct raftsim_fuzz_failure *f = failure;
    if (!f)
        return;
    g_free(f->property);
    g_free(f->detail);
    g_free(f->reproducer);
    g_free(f->replay_problem);
    g_free(f->shrunk);
    g_free(f);
}

/* A JSON string, or null for NULL. */
static void string_or_null(GString *j, const char *text)
{
    if (text)
        raftsim_json_string(j, text);
    else
        g_string_append(j, "null");
}

static void json_failure(GString *j, const struct raftsim_fuzz_failure *f)
{
    g_string_append_printf(j, "{\"seed\": %" PRIu64 ", \"property\": ",
                           f->seed);
    raftsim_json_string(j, f->property);
    g_string_append(j, ", \"file\": ");
    string_or_null(j, f->reproducer);
    g_string_append(j, ", \"line\": 0, \"time\": ");
    if (f->time_us == SCN_FUZZ_UNKNOWN_TIME) {
        g_string_append(j, "null, \"time_us\": null");
    } else {
        GString *t = g_string_new(NULL);
        sim_time_text_human(t, f->time_us);
        g_string_append_printf(j, "\"%s\", \"time_us\": %" PRIu64, t->str,
                               f->time_us);
        g_string_free(t, TRUE);
    }
    g_string_append(j, ", \"message\": ");
    string_or_null(j, f->detail ? f->detail : "");
    if (f->hashed)
        g_string_append_printf(j,
                               ", \"trace_hash\": \"%016" PRIx64
                               "\", \"events\": %" PRIu64,
                               f->trace_hash, f->events);
    else
        g_string_append(j, ", \"trace_hash\": null, \"events\": null");
    g_string_append(j, ", \"replay_problem\": ");
    string_or_null(j, f->replay_problem);
    g_string_append(j, ", \"shrunk\": ");
    string_or_null(j, f->shrunk);
    g_string_append_c(j, '}');
}

/* The campaign's options, shared by the JSON document's head. */
static void json_options(GString *j, const struct raftsim_fuzz_summary *s)
{
    g_string_append_printf(
        j,
        "{\n  \"command\": \"fuzz\",\n  \"seed_from\": %" PRIu64
        ",\n  \"seeds\": %" PRIu64 ",\n  \"shard\": \"%" PRIu64 "/%" PRIu64
        "\",\n  \"nodes\": %" PRIu32 ",\n  \"time_us\": %" PRIu64
        ",\n  \"faults\": [",
        s->seed_from, s->seeds, s->shard_k, s->shard_n, s->nodes, s->run_us);
    bool first = true;
    for (unsigned f = 0; f < SCN_FUZZ_FAULT_COUNT; f++) {
        if (!(s->faults & (1u << f)))
            continue;
        g_string_append_printf(j, "%s\"%s\"", first ? "" : ", ",
                               scn_fuzz_fault_name(f));
        first = false;
    }
    g_string_append(j, "],\n  \"out\": ");
    raftsim_json_string(j, s->out_dir);
}

void raftsim_fuzz_print_json(const struct raftsim_fuzz_summary *s)
{
    GString *j = g_string_new(NULL);
    json_options(j, s);
    g_string_append_printf(
        j,
        ",\n  \"seeds_run\": %" PRIu64 ",\n  \"passed\": %" PRIu64
        ",\n  \"failed\": %" PRIu64 ",\n  \"linearizability_unknown\": %" PRIu64
        ",\n  \"simulated_us\": %" PRIu64 ",\n  \"stopped_by\": ",
        s->seeds_run, s->passed, s->failed, s->lin_unknown, s->simulated_us);
    string_or_null(j, s->stopped_by);
    g_string_append(j, ",\n  \"failures\": [");
    for (guint i = 0; i < s->failures->len; i++) {
        g_string_append(j, i ? ",\n    " : "\n    ");
        json_failure(j, g_ptr_array_index(s->failures, i));
    }
    g_string_append_printf(j, "%s],\n  \"exit_status\": %d\n}\n",
                           s->failures->len ? "\n  " : "", s->exit_status);
    fputs(j->str, stdout);
    g_string_free(j, TRUE);
}

static void junit_failure(struct raftsim_junit *j,
                          const struct raftsim_fuzz_failure *f)
{
    GString *message = g_string_new(f->property);
    if (f->time_us != SCN_FUZZ_UNKNOWN_TIME) {
        g_string_append(message, " at ");
        sim_time_text_human(message, f->time_us);
    }
    g_string_append_printf(message, ": %s", f->detail ? f->detail : "");
    GString *text = g_string_new(NULL);
    g_string_append_printf(text, "seed %" PRIu64 ": %s\n", f->seed,
                           message->str);
    if (f->reproducer)
        g_string_append_printf(text, "reproducer: %s (replay: raftsim run %s)\n",
                               f->reproducer, f->reproducer);
    if (f->shrunk)
        g_string_append_printf(text, "shrunk: %s\n", f->shrunk);
    if (f->hashed)
        g_string_append_printf(text,
                               "trace hash %016" PRIx64 " after %" PRIu64
                               " events\n",
                               f->trace_hash, f->events);
    if (f->replay_problem)
        g_string_append_printf(text, "warning: the reproducer %s\n",
                               f->replay_problem);
    char *name = g_strdup_printf("seed %" PRIu64, f->seed);
    struct raftsim_junit_case c = {
        .classname = "raftsim.fuzz",
        .name = name,
        .file = f->reproducer,
        .wall_us = f->wall_us,
        .result = RAFTSIM_JUNIT_FAILURE,
        .type = f->property,
        .message = message->str,
        .text = text->str,
    };
    raftsim_junit_add(j, &c);
    g_free(name);
    g_string_free(text, TRUE);
    g_string_free(message, TRUE);
}

bool raftsim_fuzz_write_junit(const struct raftsim_fuzz_summary *s,
                              const char *path)
{
    struct raftsim_junit j;
    raftsim_junit_init(&j);
    char *shard = g_strdup_printf("%" PRIu64 "/%" PRIu64, s->shard_k,
                                  s->shard_n);
    raftsim_junit_property_u64(&j, "seed_from", s->seed_from);
    raftsim_junit_property_u64(&j, "seeds", s->seeds);
    raftsim_junit_property(&j, "shard", shard);
    raftsim_junit_property_u64(&j, "seeds_run", s->seeds_run);
    raftsim_junit_property_u64(&j, "passed", s->passed);
    raftsim_junit_property_u64(&j, "failed", s->failed);
    raftsim_junit_property_u64(&j, "linearizability_unknown", s->lin_unknown);
    for (guint i = 0; i < s->failures->len; i++)
        junit_failure(&j, g_ptr_array_index(s->failures, i));
    if (s->passed) {
        char *name = g_strdup_printf("%" PRIu64 " seed%s passed", s->passed,
                                     s->passed == 1 ? "" : "s");
        struct raftsim_junit_case c = {
            .classname = "raftsim.fuzz",
            .name = name,
            .wall_us = s->passed_wall_us,
        };
        raftsim_junit_add(&j, &c);
        g_free(name);
    }
    char *suite = s->shard_n > 1
                      ? g_strdup_printf("raftsim fuzz shard %s", shard)
                      : g_strdup("raftsim fuzz");
    bool ok = raftsim_junit_write(&j, "fuzz", suite, path);
    g_free(suite);
    g_free(shard);
    raftsim_junit_clear(&j);
    return ok;
}
