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
#include "sim/cli/raftsim_junit.h"
#include "sim/sim_time_text.h"

/* One file's outcome. */
struct check_item
{
    const char *path;                 /* borrowed from the paths array */
    GPtrArray *diags;                 /* parse errors (owned) */
    bool invalid;                     /* the file did not parse */
    bool engine_refused;              /* sim_new refused the configuration */
    struct scn_run_result *res;       /* owned; NULL when invalid */
    struct raftsim_deadline deadline; /* this file's wall-time budget */
    int64_t wall_us;                  /* how long it took (JUnit only) */
};

/* What every report of one `check` counts, from the same items: the text
 * summary, --json and --junit print these numbers and the exit status is
 * judged from them. */
struct check_totals
{
    size_t passed, failed, invalid; /* files; failed includes stopped */
    size_t stopped;                 /* files a budget stopped */
    uint64_t checks_passed, checks_failed, checks_skipped;
    uint64_t actions_skipped;
};

struct check_job
{
    bool has_seed;
    uint64_t seed;
    struct scn_budget budget; /* copied for every file */
    int64_t wall_us;          /* each file's wall-time budget */
};

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void check_one(struct check_item *it, const struct check_job *job)
{
    int64_t start = raftsim_wall_us();
    it->diags = scn_diags_new();
    struct scn_scenario *sc = raftsim_load(it->path, it->diags);
    if (!sc) {
        it->invalid = true;
        return;
    }
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.recent_events = false; /* a failure is listed, its events are not */
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
    it->wall_us = raftsim_wall_us() - start;
}

/* Appends to `out` the .scn files under the directory `dir`, recursively,
 * in no particular order. Symbolic links to directories are not followed,
 * so a loop cannot recur. False, after a complaint, when a directory cannot
 * be read. */
static bool collect_scn(const char *dir, GPtrArray *out)
{
    GError *err = NULL;
    GDir *d = g_dir_open(dir, 0, &err);
    if (!d) {
        raftsim_complain("check", "%s", err->message);
        g_error_free(err);
        return false;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *name;
    while ((name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    g_dir_close(d);
    bool ok = true;
    for (guint i = 0; ok && i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        char *path = g_build_filename(dir, n, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
            !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
            ok = collect_scn(path, out);
            g_free(path);
        } else if (g_str_has_suffix(n, ".scn")) {
            g_ptr_array_add(out, path);
        } else {
            g_free(path);
        }
    }
    g_ptr_array_free(names, TRUE);
    return ok;
}

/* The files to check: each argument as given, except that a directory
 * stands for every .scn file under it, at any depth, sorted by path in
 * byte order (so the output never depends on the file system's listing
 * order). NULL, after a complaint, when a directory holds none or cannot
 * be read. */
static GPtrArray *expand_arguments(int argc, char **argv)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    if (!raftsim_stdin_at_most_once("check", argc, argv)) {
        g_ptr_array_free(paths, TRUE);
        return NULL;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 ||
            !g_file_test(argv[i], G_FILE_TEST_IS_DIR)) {
            g_ptr_array_add(paths, g_strdup(argv[i]));
            continue;
        }
        GPtrArray *found = g_ptr_array_new();
        bool ok = collect_scn(argv[i], found);
        if (ok && found->len == 0) {
            raftsim_complain("check",
                             "%s: no .scn file in this directory or below it",
                             argv[i]);
            ok = false;
        }
        g_ptr_array_sort(found, compare_names);
        for (guint f = 0; f < found->len; f++)
            g_ptr_array_add(paths, g_ptr_array_index(found, f));
        g_free(g_ptr_array_free(found, FALSE)); /* paths owns them now */
        if (!ok) {
            g_ptr_array_free(paths, TRUE);
            return NULL;
        }
    }
    return paths;
}

static void check_worker(gpointer data, gpointer user_data)
{
    check_one(data, user_data);
}

/* The property a failure is reported under: the safety property's name
 * (as sim_property_name() prints it) for a violation, else the kind of
 * failure: "check", "action", "linearizability", "budget", "liveness". */
static const char *failure_property(const struct scn_run_result *r,
                                    const struct scn_failure *f)
{
    const struct sim_failure *sf = sim_get_failure(r->sim);
    if (f->kind == SCN_FAILURE_SAFETY && sf)
        return sim_property_name(sf->violation.property);
    return scn_failure_kind_name(f->kind);
}

static void count_item(struct check_totals *t, const struct check_item *it)
{
    if (it->invalid) {
        t->invalid++;
        return;
    }
    const struct scn_run_result *r = it->res;
    if (r->passed)
        t->passed++;
    else
        t->failed++;
    t->stopped += r->budget_exceeded != 0;
    t->checks_passed += r->checks_passed;
    t->checks_failed += r->checks_failed;
    t->checks_skipped += r->checks_skipped;
    t->actions_skipped += r->actions_skipped;
}

/* The exit status of the whole check: an invalid file wins (the input
 * must be fixed first), then a stopped run, then a failure. */
static int totals_status(const struct check_totals *t)
{
    return t->invalid   ? RAFTSIM_EXIT_INVALID
           : t->stopped ? RAFTSIM_EXIT_BUDGET
           : t->failed  ? RAFTSIM_EXIT_FAILED
                        : RAFTSIM_EXIT_OK;
}

static void json_errors(GString *j, const struct check_item *it)
{
    g_string_append(j, ", \"errors\": [");
    for (guint d = 0; d < it->diags->len; d++) {
        const struct scn_diag *dg = g_ptr_array_index(it->diags, d);
        g_string_append(j, d ? ", {\"file\": " : "{\"file\": ");
        raftsim_json_string(j, it->path);
        g_string_append_printf(j,
                               ", \"line\": %" PRIu32 ", \"column\": %" PRIu32
                               ", \"message\": ",
                               dg->line, dg->column);
        raftsim_json_string(j, dg->message);
        g_string_append_c(j, '}');
    }
    g_string_append(j, "]");
}

static void json_failures(GString *j, const struct check_item *it)
{
    const struct scn_run_result *r = it->res;
    g_string_append(j, ", \"failures\": [");
    for (guint f = 0; f < r->failures->len; f++) {
        const struct scn_failure *fl = g_ptr_array_index(r->failures, f);
        g_string_append_printf(j, "%s{\"kind\": \"%s\", \"property\": ",
                               f ? ", " : "", scn_failure_kind_name(fl->kind));
        raftsim_json_string(j, failure_property(r, fl));
        g_string_append(j, ", \"file\": ");
        raftsim_json_string(j, it->path);
        GString *t = g_string_new(NULL);
        sim_time_text_human(t, fl->time_us);
        g_string_append_printf(j,
                               ", \"line\": %" PRIu32 ", \"time\": \"%s\""
                               ", \"time_us\": %" PRIu64 ", \"message\": ",
                               fl->line, t->str, fl->time_us);
        g_string_free(t, TRUE);
        raftsim_json_string(j, fl->message);
        g_string_append_c(j, '}');
    }
    g_string_append(j, "]");
}

static void json_run(GString *j, const struct check_item *it)
{
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
        ", \"checks_skipped\": %" PRIu64 ", \"actions_skipped\": %" PRIu64,
        r->checks_passed, r->checks_failed, r->checks_skipped,
        r->actions_skipped);
    if (r->trace_hash_recorded)
        g_string_append_printf(j, ", \"recorded_trace_hash\": \"%016" PRIx64
                                  "\", \"trace_hash_differs\": %s",
                               r->recorded_trace_hash,
                               r->trace_hash_differs ? "true" : "false");
    else
        g_string_append(j, ", \"recorded_trace_hash\": null, "
                           "\"trace_hash_differs\": false");
    g_string_append_printf(j, ", \"linearizability\": \"%s\"",
                           r->lin_checked ? sim_lin_verdict_name(r->lin_verdict)
                                          : "not-checked");
    json_failures(j, it);
    g_string_append(j, ", \"warnings\": [");
    for (guint w = 0; w < r->warnings->len; w++) {
        if (w)
            g_string_append(j, ", ");
        raftsim_json_string(j, g_ptr_array_index(r->warnings, w));
    }
    g_string_append(j, "]");
}

/* The --json document (docs/json-output.md documents every field). */
static void print_json(const struct check_item *items,
                       size_t n,
                       const struct check_totals *t,
                       int exit_status)
{
    GString *j = g_string_new("{\n  \"command\": \"check\",\n  \"files\": [");
    for (size_t i = 0; i < n; i++) {
        const struct check_item *it = &items[i];
        g_string_append(j, i ? ",\n    {\"file\": " : "\n    {\"file\": ");
        raftsim_json_string(j, it->path);
        const char *status = it->invalid       ? "invalid"
                             : it->res->passed ? "pass"
                                               : "fail";
        g_string_append_printf(j, ", \"status\": \"%s\"", status);
        if (it->invalid)
            json_errors(j, it);
        else
            json_run(j, it);
        g_string_append_c(j, '}');
    }
    g_string_append_printf(
        j,
        "\n  ],\n  \"passed\": %zu,\n  \"failed\": %zu,\n  \"invalid\": %zu,\n"
        "  \"checks_passed\": %" PRIu64 ",\n  \"checks_failed\": %" PRIu64
        ",\n  \"checks_skipped\": %" PRIu64 ",\n  \"actions_skipped\": %" PRIu64
        ",\n  \"exit_status\": %d\n}\n",
        t->passed, t->failed, t->invalid, t->checks_passed, t->checks_failed,
        t->checks_skipped, t->actions_skipped, exit_status);
    fputs(j->str, stdout);
    g_string_free(j, TRUE);
}

/* One line per file, then the totals. An invalid file's errors go to
 * stderr once, as FILE:LINE:COLUMN: error: WHAT; its line here only names
 * it. */
static void print_text(const struct check_item *items,
                       size_t n,
                       const struct check_totals *t)
{
    bool color = raftsim_use_color(stdout);
    const char *reset = raftsim_color(color, RAFTSIM_COLOR_RESET);
    const char *red = raftsim_color(color, RAFTSIM_COLOR_RED);
    for (size_t i = 0; i < n; i++) {
        const struct check_item *it = &items[i];
        if (it->invalid) {
            fflush(stdout);
            scn_diags_print(it->diags, stderr);
            printf("%sINVALID%s %s\n", red, reset, it->path);
            continue;
        }
        const struct scn_failure *f = scn_run_first_failure(it->res);
        if (f) {
            char *why = scn_failure_format(it->res, f);
            printf("%sFAIL%s %s\n", red, reset, why);
            g_free(why);
        } else {
            printf("%sPASS%s %s\n", raftsim_color(color, RAFTSIM_COLOR_GREEN),
                   reset, it->path);
        }
        for (guint w = 0; w < it->res->warnings->len; w++)
            fprintf(stderr, "%s: warning: %s\n", it->path,
                    (const char *)g_ptr_array_index(it->res->warnings, w));
    }
    printf("%zu passed, %zu failed, %zu invalid\n", t->passed, t->failed,
           t->invalid);
    printf("checks: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64
           " skipped; actions: %" PRIu64 " skipped\n",
           t->checks_passed, t->checks_failed, t->checks_skipped,
           t->actions_skipped);
}

/* The JUnit case of one file: an error when it is invalid, a failure
 * (typed by its first failure's property) when it failed. */
static void junit_item(struct raftsim_junit *j, const struct check_item *it)
{
    struct raftsim_junit_case c = {
        .classname = "raftsim.check",
        .name = it->path,
        .file = it->path,
        .wall_us = it->wall_us,
    };
    GString *text = g_string_new(NULL);
    GString *out = g_string_new(NULL);
    char *message = NULL;
    if (it->invalid) {
        c.result = RAFTSIM_JUNIT_ERROR;
        c.type = "invalid";
        for (guint d = 0; d < it->diags->len; d++) {
            char *line = scn_diag_format(g_ptr_array_index(it->diags, d));
            g_string_append_printf(text, "%s\n", line);
            if (!message)
                message = line;
            else
                g_free(line);
        }
    } else {
        const struct scn_run_result *r = it->res;
        const struct scn_failure *first = scn_run_first_failure(r);
        if (first) {
            c.result = RAFTSIM_JUNIT_FAILURE;
            c.type = failure_property(r, first);
            c.line = first->line;
            message = scn_failure_format(r, first);
        }
        for (guint f = 0; f < r->failures->len; f++) {
            const struct scn_failure *fl = g_ptr_array_index(r->failures, f);
            char *line = scn_failure_format(r, fl);
            g_string_append_printf(text, "[%s] %s\n", failure_property(r, fl),
                                   line);
            g_free(line);
        }
        for (guint w = 0; w < r->warnings->len; w++)
            g_string_append_printf(
                text, "warning: %s\n",
                (const char *)g_ptr_array_index(r->warnings, w));
        g_string_append_printf(
            out,
            "seed %" PRIu64 ", %" PRIu32 " nodes, trace hash %016" PRIx64
            "\nchecks: %" PRIu64 " passed, %" PRIu64 " failed, %" PRIu64
            " skipped; actions: %" PRIu64 " skipped\n",
            r->seed, r->n_nodes, r->trace_hash, r->checks_passed,
            r->checks_failed, r->checks_skipped, r->actions_skipped);
        c.system_out = out->str;
    }
    c.message = message ? message : (it->invalid ? "invalid scenario" : NULL);
    c.text = text->str;
    raftsim_junit_add(j, &c);
    g_free(message);
    g_string_free(text, TRUE);
    g_string_free(out, TRUE);
}

/* Writes the --junit report: one case per file, the totals as the suite's
 * properties. False after a complaint when it could not be written. */
static bool write_junit(const char *path,
                        const struct check_item *items,
                        size_t n,
                        const struct check_totals *t)
{
    struct raftsim_junit j;
    raftsim_junit_init(&j);
    raftsim_junit_property_u64(&j, "passed", t->passed);
    raftsim_junit_property_u64(&j, "failed", t->failed);
    raftsim_junit_property_u64(&j, "invalid", t->invalid);
    raftsim_junit_property_u64(&j, "checks_passed", t->checks_passed);
    raftsim_junit_property_u64(&j, "checks_failed", t->checks_failed);
    raftsim_junit_property_u64(&j, "checks_skipped", t->checks_skipped);
    raftsim_junit_property_u64(&j, "actions_skipped", t->actions_skipped);
    for (size_t i = 0; i < n; i++)
        junit_item(&j, &items[i]);
    bool ok = raftsim_junit_write(&j, "check", "raftsim check", path);
    raftsim_junit_clear(&j);
    return ok;
}

/* Counts the finished items, writes the JUnit report when asked, prints
 * the text or JSON one and returns the exit status, judged from the same
 * counts (2 also when the JUnit report could not be written). */
static int report(const struct check_item *items,
                  size_t n,
                  const struct check_job *job,
                  bool json,
                  const char *junit_path)
{
    struct check_totals t = {0};
    for (size_t i = 0; i < n; i++) {
        count_item(&t, &items[i]);
        if (!items[i].invalid && items[i].res->budget_exceeded)
            raftsim_budget_complain("check", items[i].path, items[i].res,
                                    &job->budget, &items[i].deadline,
                                    job->wall_us);
    }
    int status = totals_status(&t);
    if (junit_path && !write_junit(junit_path, items, n, &t))
        status = RAFTSIM_EXIT_INVALID;
    if (json) {
        for (size_t i = 0; i < n; i++)
            if (items[i].invalid)
                scn_diags_print(items[i].diags, stderr);
        print_json(items, n, &t, status);
    } else {
        print_text(items, n, &t);
    }
    return status;
}

/* The command line of `raftsim check` as GOption fills it (owned strings,
 * NULL when not given); entries is the one table of the options' names and
 * descriptions. */
struct check_args
{
    gint jobs;
    gboolean json;
    gchar *seed, *junit;
    struct raftsim_budget_args budget;
    GOptionEntry entries[5]; /* the options and the terminator */
};

static void check_args_init(struct check_args *a)
{
    *a = (struct check_args){.jobs = 1};
    const GOptionEntry entries[] = {
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &a->jobs,
         "Run up to J scenarios at once (default 1)", "J"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &a->json,
         "Print one JSON document instead of lines", NULL},
        {"junit", 0, 0, G_OPTION_ARG_FILENAME, &a->junit,
         "Also write a JUnit XML report to FILE", "FILE"},
        {"seed", 's', 0, G_OPTION_ARG_STRING, &a->seed,
         "Run every file with seed N instead of its own", "N"},
    };
    RAFTSIM_OPTIONS_KEEP(a->entries, entries);
}

static void check_args_clear(struct check_args *a)
{
    raftsim_budget_args_clear(&a->budget);
    g_free(a->seed);
    g_free(a->junit);
}

/* Parses argv into a and checks its values into job; complains and returns
 * false on any error. */
static bool check_args_parse(struct check_args *a,
                             GOptionContext *ctx,
                             int *argc,
                             char ***argv,
                             struct check_job *job)
{
    const char *summary =
        "Runs each scenario file and prints PASS, or FAIL with the first\n"
        "reason, or INVALID (its errors on stderr), one line per file in\n"
        "argument order, then the counts of files and of checks. A DIR\n"
        "stands for every .scn file under it, at any depth, sorted by path;\n"
        "- reads a scenario from standard input. Exit\n"
        "status: 0 all passed, 1 any failed, 2 any file or the command line\n"
        "is invalid or a report could not be written (also when other files\n"
        "failed: they are still reported), 3 a run exceeded a budget (each\n"
        "file has its own --max-events, --max-memory and --max-wall).";
    if (!raftsim_options_parse("check", ctx, summary, a->entries, &a->budget,
                               false, argc, argv))
        return false;
    if (*argc < 2) {
        raftsim_complain("check", "no scenario file given (see --help)");
        return false;
    }
    if (!raftsim_budget_parse("check", &a->budget, &job->budget, &job->wall_us))
        return false;
    if (a->jobs < 1 || a->jobs > 256) {
        raftsim_complain("check", "--%s must be between 1 and 256",
                         raftsim_option_name(a->entries, &a->jobs));
        return false;
    }
    job->has_seed = a->seed != NULL;
    if (a->seed && !raftsim_parse_u64(a->seed, &job->seed)) {
        raftsim_complain("check", "--%s: not an unsigned integer: %s",
                         raftsim_option_name(a->entries, &a->seed), a->seed);
        return false;
    }
    return !a->junit || raftsim_output_writable("check", a->junit, "reports");
}

/* Checks every file of paths, `jobs` at once, and reports them in argument
 * order; returns the exit status. */
static int check_all(const GPtrArray *paths,
                     const struct check_args *a,
                     struct check_job *job)
{
    size_t n = paths->len;
    struct check_item *items = g_new0(struct check_item, n);
    for (size_t i = 0; i < n; i++)
        items[i].path = g_ptr_array_index(paths, i);
    if (a->jobs == 1 || n == 1) {
        for (size_t i = 0; i < n; i++)
            check_one(&items[i], job);
    } else {
        GThreadPool *pool =
            g_thread_pool_new(check_worker, job, a->jobs, TRUE, NULL);
        for (size_t i = 0; i < n; i++)
            g_thread_pool_push(pool, &items[i], NULL);
        g_thread_pool_free(pool, FALSE, TRUE);
    }
    int status = report(items, n, job, a->json, a->junit);
    for (size_t i = 0; i < n; i++) {
        g_ptr_array_free(items[i].diags, TRUE);
        scn_run_result_free(items[i].res);
    }
    g_free(items);
    return status;
}

int raftsim_check_main(int argc, char **argv)
{
    struct check_args a;
    check_args_init(&a);
    struct check_job job = {0};
    GOptionContext *ctx = g_option_context_new("FILE|DIR... - check scenarios");
    int status = RAFTSIM_EXIT_INVALID;
    GPtrArray *paths = NULL; /* the files to check, owned */
    if (check_args_parse(&a, ctx, &argc, &argv, &job))
        paths = expand_arguments(argc, argv);
    if (paths)
        status = check_all(paths, &a, &job);
    if (paths)
        g_ptr_array_free(paths, TRUE);
    check_args_clear(&a);
    g_option_context_free(ctx);
    return status;
}
