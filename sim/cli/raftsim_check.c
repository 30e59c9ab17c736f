/* raftsim_check.c: `raftsim check FILE...`: pass or fail for each scenario.
 *
 * Invariant: the output depends only on the files, their order on the
 * command line and the seed: results are kept in an array indexed by
 * argument position and printed in that order after every run finished,
 * however many worker threads ran them and in whatever order they ended.
 * Each simulation is owned by one worker; workers share nothing else.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_run.h"
#include "sim/cli/raftsim_cli.h"

/* One file's outcome. */
struct check_item
{
    const char *path;                 /* borrowed from argv */
    GPtrArray *diags;                 /* parse errors (owned) */
    bool invalid;                     /* the file did not parse */
    bool engine_refused;              /* sim_new refused the configuration */
    struct scn_run_result *res;       /* owned; NULL when invalid */
    struct raftsim_deadline deadline; /* this file's wall-time budget */
};

struct check_job
{
    bool has_seed;
    uint64_t seed;
    struct scn_budget budget; /* copied for every file */
    int64_t wall_us;          /* each file's wall-time budget */
};

static void check_one(struct check_item *it, const struct check_job *job)
{
    it->diags = scn_diags_new();
    struct scn_scenario *sc = raftsim_load(it->path, it->diags);
    if (!sc) {
        it->invalid = true;
        return;
    }
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.has_seed = job->has_seed;
    o.seed = job->seed;
    o.budget = job->budget;
    raftsim_deadline_start(&it->deadline, job->wall_us, &o.budget);
    if (scn_run(sc, &o, &it->res) != SCN_OK) {
        it->invalid = true;
        it->engine_refused = true;
        scn_diags_add(it->diags, it->path, 0, 0,
                      "the engine refused this configuration");
    }
    scn_scenario_free(sc);
}

static void worker(gpointer data, gpointer user_data)
{
    check_one(data, user_data);
}

/* The first reason a file failed, as one line without "FAIL ". */
static char *first_reason(const struct check_item *it)
{
    if (it->invalid) {
        if (it->diags->len == 0)
            return g_strdup_printf("%s: error: invalid scenario", it->path);
        return scn_diag_format(g_ptr_array_index(it->diags, 0));
    }
    const struct scn_failure *f = scn_run_first_failure(it->res);
    if (!f)
        return NULL;
    return scn_failure_format(it->res, f);
}

static void print_json(const struct check_item *items,
                       size_t n,
                       size_t passed,
                       size_t failed,
                       size_t invalid)
{
    GString *j = g_string_new("{\n  \"files\": [");
    for (size_t i = 0; i < n; i++) {
        const struct check_item *it = &items[i];
        g_string_append(j, i ? ",\n    {" : "\n    {");
        g_string_append(j, "\"file\": ");
        raftsim_json_string(j, it->path);
        const char *status = it->invalid       ? "invalid"
                             : it->res->passed ? "pass"
                                               : "fail";
        g_string_append_printf(j, ", \"status\": \"%s\"", status);
        if (it->invalid) {
            g_string_append(j, ", \"errors\": [");
            for (guint d = 0; d < it->diags->len; d++) {
                const struct scn_diag *dg = g_ptr_array_index(it->diags, d);
                g_string_append_printf(j,
                                       "%s{\"line\": %" PRIu32
                                       ", \"column\": %" PRIu32
                                       ", \"message\": ",
                                       d ? ", " : "", dg->line, dg->column);
                raftsim_json_string(j, dg->message);
                g_string_append_c(j, '}');
            }
            g_string_append(j, "]}");
            continue;
        }
        const struct scn_run_result *r = it->res;
        g_string_append(j, ", \"title\": ");
        raftsim_json_string(j, r->title);
        g_string_append_printf(j,
                               ", \"seed\": %" PRIu64 ", \"nodes\": %" PRIu32
                               ", \"end_us\": %" PRIu64 ", \"events\": %" PRIu64
                               ", \"trace_hash\": \"%016" PRIx64 "\"",
                               r->seed, r->n_nodes, r->end_us, r->events,
                               r->trace_hash);
        g_string_append_printf(
            j,
            ", \"checks_passed\": %" PRIu64 ", \"checks_failed\": %" PRIu64
            ", \"checks_skipped\": %" PRIu64,
            r->checks_passed, r->checks_failed, r->checks_skipped);
        g_string_append_printf(j, ", \"linearizability\": \"%s\"",
                               r->lin_checked
                                   ? sim_lin_verdict_name(r->lin_verdict)
                                   : "not-checked");
        g_string_append(j, ", \"failures\": [");
        for (guint f = 0; f < r->failures->len; f++) {
            const struct scn_failure *fl = g_ptr_array_index(r->failures, f);
            g_string_append_printf(j,
                                   "%s{\"kind\": \"%s\", \"line\": %" PRIu32
                                   ", \"time_us\": %" PRIu64 ", \"message\": ",
                                   f ? ", " : "",
                                   scn_failure_kind_name(fl->kind), fl->line,
                                   fl->time_us);
            raftsim_json_string(j, fl->message);
            g_string_append_c(j, '}');
        }
        g_string_append(j, "], \"warnings\": [");
        for (guint w = 0; w < r->warnings->len; w++) {
            if (w)
                g_string_append(j, ", ");
            raftsim_json_string(j, g_ptr_array_index(r->warnings, w));
        }
        g_string_append(j, "]}");
    }
    g_string_append_printf(j,
                           "\n  ],\n  \"passed\": %zu,\n  \"failed\": %zu,\n"
                           "  \"invalid\": %zu\n}\n",
                           passed, failed, invalid);
    fputs(j->str, stdout);
    g_string_free(j, TRUE);
}

int raftsim_check_main(int argc, char **argv)
{
    gint jobs = 1;
    gboolean json = FALSE;
    gchar *seed_text = NULL;
    GOptionEntry entries[] = {
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         "Run up to J scenarios at once (default 1)", "J"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json,
         "Print one JSON document instead of lines", NULL},
        {"seed", 's', 0, G_OPTION_ARG_STRING, &seed_text,
         "Run every file with seed N instead of its own", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    struct raftsim_budget_args budget_args = {0};
    struct check_job job = {0};
    GOptionContext *ctx = g_option_context_new("FILE... - check scenarios");
    g_option_context_set_summary(
        ctx,
        "Runs each scenario file and prints PASS, or FAIL with the first\n"
        "reason, one line per file in argument order, then `N passed, N\n"
        "failed`. Exit status: 0 all passed, 1 any failed, 2 any file or\n"
        "the command line is invalid, 3 a run exceeded a budget (each file\n"
        "has its own --max-events, --max-memory and --max-wall).");
    g_option_context_add_main_entries(ctx, entries, NULL);
    raftsim_budget_add_options(ctx, &budget_args, false);
    GError *err = NULL;
    int status = RAFTSIM_EXIT_INVALID;
    uint64_t seed = 0;
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        raftsim_complain("check", "%s", err->message);
        g_error_free(err);
        goto out_free_ctx;
    }
    if (argc < 2) {
        raftsim_complain("check", "no scenario file given (see --help)");
        goto out_free_ctx;
    }
    if (!raftsim_budget_parse("check", &budget_args, &job.budget, &job.wall_us))
        goto out_free_ctx;
    if (jobs < 1 || jobs > 256) {
        raftsim_complain("check", "--jobs must be between 1 and 256");
        goto out_free_ctx;
    }
    if (seed_text && !raftsim_parse_u64(seed_text, &seed)) {
        raftsim_complain("check", "--seed: not an unsigned integer: %s",
                         seed_text);
        goto out_free_ctx;
    }

    size_t n = (size_t)argc - 1;
    struct check_item *items = g_new0(struct check_item, n);
    job.has_seed = seed_text != NULL;
    job.seed = seed;
    for (size_t i = 0; i < n; i++)
        items[i].path = argv[i + 1];
    if (jobs == 1 || n == 1) {
        for (size_t i = 0; i < n; i++)
            check_one(&items[i], &job);
    } else {
        GThreadPool *pool = g_thread_pool_new(worker, &job, jobs, TRUE, NULL);
        for (size_t i = 0; i < n; i++)
            g_thread_pool_push(pool, &items[i], NULL);
        g_thread_pool_free(pool, FALSE, TRUE);
    }

    size_t passed = 0, failed = 0, invalid = 0, stopped = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].invalid)
            invalid++;
        else if (items[i].res->passed)
            passed++;
        else
            failed++;
        if (!items[i].invalid && items[i].res->budget_exceeded) {
            stopped++;
            raftsim_budget_complain("check", items[i].path, items[i].res,
                                    &job.budget, &items[i].deadline,
                                    job.wall_us);
        }
    }
    if (json) {
        for (size_t i = 0; i < n; i++)
            if (items[i].invalid)
                scn_diags_print(items[i].diags, stderr);
        print_json(items, n, passed, failed, invalid);
    } else {
        bool color = raftsim_use_color(stdout);
        for (size_t i = 0; i < n; i++) {
            const struct check_item *it = &items[i];
            if (it->invalid)
                scn_diags_print(it->diags, stderr);
            char *why = first_reason(it);
            if (why)
                printf("%sFAIL%s %s\n", raftsim_color(color, RAFTSIM_COLOR_RED),
                       raftsim_color(color, RAFTSIM_COLOR_RESET), why);
            else
                printf("%sPASS%s %s\n",
                       raftsim_color(color, RAFTSIM_COLOR_GREEN),
                       raftsim_color(color, RAFTSIM_COLOR_RESET), it->path);
            g_free(why);
            for (guint w = 0; it->res && w < it->res->warnings->len; w++)
                fprintf(stderr, "%s: warning: %s\n", it->path,
                        (const char *)g_ptr_array_index(it->res->warnings, w));
        }
        printf("%zu passed, %zu failed\n", passed, failed + invalid);
    }
    status = invalid   ? RAFTSIM_EXIT_INVALID
             : stopped ? RAFTSIM_EXIT_BUDGET
             : failed  ? RAFTSIM_EXIT_FAILED
                       : RAFTSIM_EXIT_OK;

    for (size_t i = 0; i < n; i++) {
        g_ptr_array_free(items[i].diags, TRUE);
        scn_run_result_free(items[i].res);
    }
    g_free(items);
out_free_ctx:
    raftsim_budget_args_clear(&budget_args);
    g_free(seed_text);
    g_option_context_free(ctx);
    return status;
}
