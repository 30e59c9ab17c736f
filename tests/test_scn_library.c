/* test_scn_library.c: every scenario of the library passes for seeds other than
 * its own, figure8.scn still catches the Figure 8 commit bug, and
 * single-server-bug-2015.scn the 2015 single-server membership change bug.
 *
 * Every run also stays far below the runner's default budgets.
 *
 * Invariant kept by these tests: the library is discovered at run time
 * (every .scn file under scenarios/, relative to the repository root the tests
 * run from, sorted by name), so a file added to the library is covered without
 * editing this file; each file runs for the same 25 seeds spread over
 * 1..1000, and a failure names the file, the seed and the first failed
 * check, so it can be replayed with `raftsim run FILE --seed N --verbose`.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "tests/support/program.h"
#include "tests/support/scn_harness.h"

#define LIBRARY_DIR "scenarios"
#define SEED_COUNT 25u
/* Seeds 1, 41, 81, ..., 961. */
#define SEED_FIRST 1u
#define SEED_STEP 40u

/* One library file, as a test parameter. The path is held inline: the
 * parameter is copied into the process that runs the test. */
struct library_file
{
    char path[256];
};

/* Orders two elements of a GPtrArray of strings. */
static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The library's file paths ("scenarios/NAME.scn"), sorted; empty when the
 * directory cannot be read. The caller frees the array. */
static GPtrArray *library_paths(void)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    GDir *dir = g_dir_open(LIBRARY_DIR, 0, NULL);
    if (!dir)
        return paths;
    const char *name;
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_suffix(name, ".scn"))
            g_ptr_array_add(paths, g_build_filename(LIBRARY_DIR, name, NULL));
    }
    g_dir_close(dir);
    g_ptr_array_sort(paths, compare_paths);
    return paths;
}

static uint64_t seed_at(unsigned i)
{
    return SEED_FIRST + (uint64_t)i * SEED_STEP;
}

static void free_library_files(struct criterion_test_params *params)
{
    cr_free(params->params);
}

Test(scenario_library, is_found_from_the_repository_root)
{
    GPtrArray *paths = library_paths();
    cr_assert_gt(paths->len, 0u, "no %s/*.scn found from the working directory",
                 LIBRARY_DIR);
    bool has_figure8 = false;
    for (guint i = 0; i < paths->len; i++) {
        if (strcmp(g_ptr_array_index(paths, i), LIBRARY_DIR "/figure8.scn") ==
            0)
            has_figure8 = true;
    }
    cr_assert(has_figure8, "%s/figure8.scn is not in the library", LIBRARY_DIR);
    g_ptr_array_free(paths, TRUE);
}

ParameterizedTestParameters(scenario_library, file_passes_for_25_spread_seeds)
{
    GPtrArray *paths = library_paths();
    size_t n = paths->len;
    struct library_file *files = cr_calloc(n > 0 ? n : 1, sizeof *files);
    for (size_t i = 0; i < n; i++) {
        const char *path = g_ptr_array_index(paths, i);
        if (strlen(path) >= sizeof files[i].path) {
            fprintf(stderr, "%s: path too long for the test parameter\n", path);
            abort();
        }
        g_strlcpy(files[i].path, path, sizeof files[i].path);
    }
    g_ptr_array_free(paths, TRUE);
    return cr_make_param_array(struct library_file, files, n,
                               free_library_files);
}

ParameterizedTest(struct library_file *file,
                  scenario_library,
                  file_passes_for_25_spread_seeds)
{
    struct scn_scenario *scenario = sh_parse_path(file->path);

    GString *failed = g_string_new(NULL);
    unsigned n_failed = 0;
    for (unsigned i = 0; i < SEED_COUNT; i++) {
        struct scn_run_options options;
        scn_run_options_init(&options);
        options.has_seed = true;
        options.seed = seed_at(i);
        struct scn_run_result *result = NULL;
        cr_assert_eq(scn_run(scenario, &options, &result), SCN_OK,
                     "%s seed %" PRIu64 ": the engine refused the scenario",
                     file->path, options.seed);
        /* The default budgets are far from anything the library needs. */
        cr_expect_lt(result->events, SCN_BUDGET_EVENTS_DEFAULT / 1000,
                     "%s seed %" PRIu64 ": %" PRIu64 " events", file->path,
                     options.seed, result->events);
        cr_expect_lt(result->memory_bytes, SCN_BUDGET_MEMORY_DEFAULT / 100,
                     "%s seed %" PRIu64 ": about %" PRIu64 " bytes", file->path,
                     options.seed, result->memory_bytes);
        if (!result->passed) {
            n_failed++;
            char *why =
                scn_failure_format(result, scn_run_first_failure(result));
            g_string_append_printf(failed, "\n  seed %" PRIu64 ": %s",
                                   options.seed, why);
            g_free(why);
        }
        scn_run_result_free(result);
    }
    scn_scenario_free(scenario);
    cr_expect_eq(n_failed, 0u,
                 "%s failed for %u of %u seeds (replay: raftsim run %s --seed "
                 "N --verbose):%s",
                 file->path, n_failed, SEED_COUNT, file->path, failed->str);
    g_string_free(failed, TRUE);
}

/* Runs `BROKEN check --seed SEED FILE` for the library's 25 seeds and
 * asserts that each run fails (exit 1) with every text of `expected` (NULL
 * terminated) in its report: the guard or property the file's comment
 * names. */
static void assert_file_catches(const char *mutant,
                                const char *file,
                                const char *const *expected)
{
    char *sub = g_build_filename("mutants", mutant, "raftsim", NULL);
    char *broken = program_path(sub);
    g_free(sub);
    for (unsigned i = 0; i < SEED_COUNT; i++) {
        char *seed = g_strdup_printf("%" PRIu64, seed_at(i));
        const char *argv[] = {broken, "check", "--seed", seed, file, NULL};
        char *out = NULL;
        int wait_status = 0;
        GError *err = NULL;
        gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL,
                                   G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                                   NULL, &wait_status, &err);
        cr_assert(ok, "spawn failed: %s", err ? err->message : "?");
        cr_assert(WIFEXITED(wait_status));
        cr_assert_eq(WEXITSTATUS(wait_status), 1, "%s seed %s passed on %s:\n%s",
                     file, seed, mutant, out);
        for (const char *const *want = expected; *want != NULL; want++) {
            cr_assert_not_null(strstr(out, *want), "%s seed %s: no '%s' in:\n%s",
                               file, seed, *want, out);
        }
        g_free(out);
        g_free(seed);
    }
    g_free(broken);
}

/* tests/mutants/figure8-commit-old-term.patch: the leader also commits
 * earlier-term entries by counting replicas. The guard that catches it is
 * the one the file's comment names: nothing is applied while n1 leads
 * term 4. */
Test(scenario_library, figure8_catches_a_leader_counting_old_term_replicas)
{
    assert_file_catches(
        "figure8-commit-old-term", LIBRARY_DIR "/figure8.scn",
        (const char *const[]){
            "expected applied == 0 on every live node throughout", NULL});
}

/* tests/mutants/config-change-before-own-term-commit.patch: the 2015 fix
 * reverted, a new leader changes the configuration before committing an
 * entry of its term. n2 appends its removal of n1 at once, which the
 * config-safety checker reports as that very rule broken. */
Test(scenario_library, single_server_bug_2015_catches_a_change_before_a_commit)
{
    assert_file_catches(
        "config-change-before-own-term-commit",
        LIBRARY_DIR "/single-server-bug-2015.scn",
        (const char *const[]){
            "safety violation: config-safety: Leader n2 of term 2 appended a "
            "configuration at index 3 before committing an entry of its own "
            "term",
            NULL});
}
