/* raftsim_fuzz_args.c: the command line of `raftsim fuzz` (raftsim_fuzz.h).
 *
 * Owns the option table and the checks of every value, each complaint
 * naming its option from the table; turns them into the campaign (the
 * generator's options, the seed range and shard, the budgets) and the plan
 * (jobs, wall time, failures to stop at, shrinking, outputs). Reads no
 * clock and runs nothing.
 */
#include <string.h>

#include "sim/cli/raftsim_fuzz.h"
#include "sim/cli/raftsim_fuzz_shrink.h"
#include "sim/cli/raftsim_junit.h"

/* Parses "K/N" with 1 <= K <= N. */
static bool parse_shard(const char *text, uint64_t *k, uint64_t *n)
{
    const char *slash = strchr(text, '/');
    if (!slash)
        return false;
    char *left = g_strndup(text, (gsize)(slash - text));
    bool ok = raftsim_parse_u64(left, k) && raftsim_parse_u64(slash + 1, n) &&
              *n >= 1 && *k >= 1 && *k <= *n;
    g_free(left);
    return ok;
}

/* Parses a wall-time budget: "90s", "10m", "2h" (a whole number of minutes
 * or hours) or any duration raftsim_parse_duration takes; more than 0. */
static bool parse_wall_budget(const char *text, int64_t *out_us)
{
    size_t len = strlen(text);
    uint64_t v = 0, us = 0;
    if (len > 1 && (text[len - 1] == 'm' || text[len - 1] == 'h')) {
        char *num = g_strndup(text, len - 1);
        bool ok = raftsim_parse_u64(num, &v) && v > 0 && v <= 1000000;
        g_free(num);
        if (!ok)
            return false;
        us = v * (text[len - 1] == 'm' ? 60u : 3600u) * 1000000u;
    } else if (!raftsim_parse_duration(text, &us) || us == 0 ||
               us > (uint64_t)INT64_MAX) {
        return false;
    }
    *out_us = (int64_t)us;
    return true;
}

void raftsim_fuzz_args_init(struct raftsim_fuzz_args *a)
{
    *a = (struct raftsim_fuzz_args){.nodes = 5, .jobs = 1};
    const GOptionEntry entries[] = {
        {"nodes", 'n', 0, G_OPTION_ARG_INT, &a->nodes,
         "Cluster size (default 5)", "N"},
        {"seeds", 0, 0, G_OPTION_ARG_STRING, &a->seeds,
         "How many seeds to try (default 100)", "COUNT"},
        {"seed-from", 0, 0, G_OPTION_ARG_STRING, &a->from,
         "First seed (default 1)", "A"},
        {"time", 0, 0, G_OPTION_ARG_STRING, &a->time,
         "Virtual length of each seed's faulty part (default 10s)", "T"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs,
         "Run up to J seeds at once, each worker a process (default 1)", "J"},
        {"shard", 0, 0, G_OPTION_ARG_STRING, &a->shard,
         "Only seeds with (seed - A) % N == K - 1", "K/N"},
        {"faults", 0, 0, G_OPTION_ARG_STRING, &a->faults,
         "Allowed faults, a comma list (default all; see docs/fuzzing.md)",
         "LIST"},
        {"for", 0, 0, G_OPTION_ARG_STRING, &a->for_text,
         "Send no new seed after this much wall time (90s, 10m, 2h)", "D"},
        {"max-failures", 0, 0, G_OPTION_ARG_STRING, &a->max_failures,
         "Stop after N failed seeds (in seed order)", "N"},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &a->out,
         "Write reproducers into DIR (default ./fuzz-failures)", "DIR"},
        {"no-shrink", 0, 0, G_OPTION_ARG_NONE, &a->no_shrink,
         "Keep only the full reproducers (by default each is also shrunk "
         "into DIR/fuzz-SEED.min.scn after the campaign)",
         NULL},
        {"shrink-budget", 0, 0, G_OPTION_ARG_STRING, &a->shrink_budget,
         "Candidate runs per shrink at most (default 1000)", "RUNS"},
        {"shrink-per-property", 0, 0, G_OPTION_ARG_STRING,
         &a->shrink_per_property,
         "Shrink at most K failed seeds per property, the first in seed "
         "order, and name the smallest (default 3)",
         "K"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet,
         "Print only failures and a one-line summary", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &a->verbose,
         "Also print every seed's verdict and trace hash", NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &a->json,
         "Print one JSON document instead of lines (docs/json-output.md)",
         NULL},
        {"junit", 0, 0, G_OPTION_ARG_FILENAME, &a->junit,
         "Also write a JUnit XML report to FILE: a case per failed seed",
         "FILE"},
    };
    RAFTSIM_OPTIONS_KEEP(a->entries, entries);
}

/* The long name of the option that fills `field` (a member of a). */
static const char *opt(const struct raftsim_fuzz_args *a, const void *field)
{
    return raftsim_option_name(a->entries, field);
}

/* A shrinking option's value into *value when given: a positive integer,
 * and not with --no-shrink; complains and returns false otherwise. */
static bool shrink_option(const struct raftsim_fuzz_args *a,
                          gchar *const *field,
                          uint64_t *value)
{
    const char *text = *field;
    if (!text ||
        (!a->no_shrink && raftsim_parse_u64(text, value) && *value > 0))
        return true;
    raftsim_complain("fuzz",
                     "--%s: expected a positive integer, without --%s: %s",
                     opt(a, field), opt(a, &a->no_shrink), text);
    return false;
}

void raftsim_fuzz_args_clear(struct raftsim_fuzz_args *a)
{
    g_free(a->seeds);
    g_free(a->from);
    g_free(a->time);
    g_free(a->shard);
    g_free(a->faults);
    g_free(a->out);
    g_free(a->for_text);
    g_free(a->max_failures);
    g_free(a->shrink_budget);
    g_free(a->shrink_per_property);
    g_free(a->junit);
    raftsim_budget_args_clear(&a->budget);
}

/* Checks the numbers of `a` into c and plan; false after a complaint. */
static bool check_numbers(const struct raftsim_fuzz_args *a,
                          struct raftsim_fuzz_campaign *c,
                          struct raftsim_fuzz_plan *plan,
                          uint64_t *count,
                          uint64_t *shard_k)
{
    if (a->quiet && a->verbose) {
        raftsim_complain("fuzz", "--%s and --%s exclude each other",
                         opt(a, &a->quiet), opt(a, &a->verbose));
        return false;
    }
    if (a->json && a->verbose) {
        raftsim_complain("fuzz", "--%s and --%s exclude each other",
                         opt(a, &a->json), opt(a, &a->verbose));
        return false;
    }
    if (a->nodes < 1 || a->nodes > (gint)SCN_CLUSTER_MAX) {
        raftsim_complain("fuzz", "--%s must be between 1 and %u",
                         opt(a, &a->nodes), SCN_CLUSTER_MAX);
        return false;
    }
    c->options.nodes = (uint32_t)a->nodes;
    if (a->seeds && (!raftsim_parse_u64(a->seeds, count) || *count == 0)) {
        raftsim_complain("fuzz", "--%s: not a positive integer: %s",
                         opt(a, &a->seeds), a->seeds);
        return false;
    }
    if (a->from && !raftsim_parse_u64(a->from, &c->from)) {
        raftsim_complain("fuzz", "--%s: not an unsigned integer: %s",
                         opt(a, &a->from), a->from);
        return false;
    }
    if (*count - 1 > UINT64_MAX - c->from) {
        raftsim_complain("fuzz", "--%s + --%s passes 2^64", opt(a, &a->from),
                         opt(a, &a->seeds));
        return false;
    }
    if (a->time && (!raftsim_parse_duration(a->time, &c->options.run_us) ||
                    c->options.run_us < SCN_FUZZ_RUN_US_MIN ||
                    c->options.run_us > SCN_FUZZ_RUN_US_MAX)) {
        raftsim_complain("fuzz",
                         "--%s: expected a duration from 100ms to 3600s, "
                         "like 10s: %s",
                         opt(a, &a->time), a->time);
        return false;
    }
    if (a->jobs < 1 || a->jobs > 256) {
        raftsim_complain("fuzz", "--%s must be between 1 and 256",
                         opt(a, &a->jobs));
        return false;
    }
    plan->jobs = (unsigned)a->jobs;
    if (a->shard && !parse_shard(a->shard, shard_k, &c->shard_n)) {
        raftsim_complain("fuzz", "--%s: expected K/N with 1 <= K <= N, not %s",
                         opt(a, &a->shard), a->shard);
        return false;
    }
    return true;
}

/* Checks the budgets and the fault list of `a`; false after a complaint. */
static bool check_budgets(const struct raftsim_fuzz_args *a,
                          struct raftsim_fuzz_campaign *c,
                          struct raftsim_fuzz_plan *plan)
{
    if (a->for_text && !parse_wall_budget(a->for_text, &plan->for_us)) {
        raftsim_complain("fuzz",
                         "--%s: expected a wall-time budget like 90s, 10m "
                         "or 2h: %s",
                         opt(a, &a->for_text), a->for_text);
        return false;
    }
    if (a->max_failures &&
        (!raftsim_parse_u64(a->max_failures, &plan->max_failures) ||
         plan->max_failures == 0)) {
        raftsim_complain("fuzz", "--%s: not a positive integer: %s",
                         opt(a, &a->max_failures), a->max_failures);
        return false;
    }
    if (!raftsim_budget_parse("fuzz", &a->budget, &c->budget, &c->wall_us))
        return false;
    if (!a->budget.max_events)
        c->budget.max_events = RAFTSIM_FUZZ_EVENTS_DEFAULT;
    if (a->faults) {
        char *bad = NULL;
        if (!scn_fuzz_faults_parse(a->faults, &c->options.faults, &bad)) {
            GString *known = g_string_new(NULL);
            for (unsigned f = 0; f < SCN_FUZZ_FAULT_COUNT; f++)
                g_string_append_printf(known, "%s%s", f ? ", " : "",
                                       scn_fuzz_fault_name(f));
            raftsim_complain("fuzz", "--%s: unknown fault '%s' (known: %s)",
                             opt(a, &a->faults), bad, known->str);
            g_string_free(known, TRUE);
            g_free(bad);
            return false;
        }
    }
    return true;
}

/* Parses argv into a (its table and the shared colour and budget options);
 * complains and returns false on an error or an extra argument. */
bool raftsim_fuzz_args_parse(struct raftsim_fuzz_args *a,
                             GOptionContext *ctx,
                             int *argc,
                             char ***argv)
{
    const char *summary =
        "Generates one random scenario per seed A..A+COUNT-1 (a swarm of\n"
        "faults, explicit timed statements, client load, then a liveness\n"
        "phase), runs it with every checker, and writes a standalone\n"
        "DIR/fuzz-SEED.scn for every seed that fails, crashes or exceeds a\n"
        "budget; `raftsim run` on that file replays the same run. DIR is\n"
        "created at the first failure. Exit status: 0 no seed failed, 1\n"
        "some seed failed, 2 invalid command line or a reproducer or\n"
        "report could not be written.";
    if (!raftsim_options_parse("fuzz", ctx, summary, a->entries, &a->budget,
                               true, argc, argv))
        return false;
    if (*argc > 1) {
        raftsim_complain("fuzz", "unexpected argument '%s' (see --help)",
                         (*argv)[1]);
        return false;
    }
    return true;
}

/* The campaign and its plan from the checked options; the shard's seeds are
 * those with (seed - from) % shard_n == shard_k - 1. */
bool raftsim_fuzz_plan_of(const struct raftsim_fuzz_args *a,
                          struct raftsim_fuzz_campaign *c,
                          struct raftsim_fuzz_plan *plan,
                          uint64_t *count)
{
    uint64_t shard_k = 1;
    if (!check_numbers(a, c, plan, count, &shard_k) ||
        !check_budgets(a, c, plan))
        return false;
    plan->quiet = a->quiet;
    plan->verbose = a->verbose;
    plan->shrink_runs = a->no_shrink ? 0 : 1000;
    plan->shrink_per_property = RAFTSIM_FUZZ_SHRINK_PER_PROPERTY;
    if (!shrink_option(a, &a->shrink_budget, &plan->shrink_runs) ||
        !shrink_option(a, &a->shrink_per_property, &plan->shrink_per_property))
        return false;
    plan->dir = a->out ? a->out : "fuzz-failures";
    char *out_option = g_strdup_printf("--%s", opt(a, &a->out));
    bool usable = raftsim_output_dir_usable("fuzz", out_option, plan->dir);
    g_free(out_option);
    if (!usable ||
        (a->junit && !raftsim_output_writable("fuzz", a->junit, "reports")))
        return false;
    plan->json = a->json;
    plan->collect = a->json || a->junit;
    plan->shard_k = shard_k;
    plan->shard_n = c->shard_n;
    c->first = shard_k - 1;
    plan->total =
        c->first < *count ? (*count - 1 - c->first) / c->shard_n + 1 : 0;
    c->window = plan->total < RAFTSIM_FUZZ_WINDOW ? (size_t)plan->total
                                                  : RAFTSIM_FUZZ_WINDOW;
    return true;
}
