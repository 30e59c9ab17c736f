/* test_raftsim_reports.c: the machine-readable reports of `raftsim check` and
 * `raftsim fuzz` (--json and --junit) and the counts they share.
 *
 * Invariant kept by these tests: the text report, --json, --junit and the
 * exit status of one run count the same files, checks, skipped actions and
 * seeds; the JUnit file parses as XML (GLib's GMarkup parser) whatever the
 * file names hold; and every field of the --json documents is the one
 * docs/json-output.md lists, with the type it gives, so the document
 * cannot drift from the program. The binary runs as a user would run it
 * (tests/support/program.h), on files in a fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "tests/support/json_paths.h"
#include "tests/support/program.h"
#include "tests/support/tmp_tree.h"

static char *tmp_dir;

static void make_dir(void)
{
    tmp_dir = tmp_tree_make("raftsim-reports-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(tmp_dir);
}

static char *read_text(const char *path)
{
    char *text = NULL;
    cr_assert(g_file_get_contents(path, &text, NULL, NULL), "cannot read %s",
              path);
    return text;
}

/* Two checks that hold. */
#define PASSING                                                      \
    "cluster 3\nrun 1s\nat 10ms timeout n1\nat 1s expect leader in n1\n" \
    "at 1s expect term == 1\n"
/* One check that fails (line 3), one that holds. */
#define FAILING                                                 \
    "cluster 3\nrun 1s\nat 500ms expect no-leader\nat 1s expect " \
    "leader\n"
/* An action and a check skipped: there is no leader at 1ms. */
#define SKIPPING                                               \
    "cluster 3\nrun 1s\nat 1ms crash leader? as x\nat 2ms expect " \
    "role x leader\nat 1s expect leader\n"
#define INVALID "cluster 3\nat 1s crsh n1\n"

/* ---- JUnit, read back with GMarkup ------------------------------------- */

struct junit_read
{
    guint testsuites, testsuite, testcases, failures, errors, skipped;
    GHashTable *suite;      /* the <testsuite> attributes */
    GHashTable *properties; /* name -> value */
    GPtrArray *case_names;  /* the testcases' name attributes */
    GPtrArray *types;       /* the failures' and errors' type attributes */
};

static void on_start(GMarkupParseContext *ctx,
                     const char *element,
                     const char **names,
                     const char **values,
                     gpointer data,
                     GError **error)
{
    (void)ctx;
    (void)error;
    struct junit_read *j = data;
    const char *name = NULL, *value = NULL, *type = NULL;
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(names[i], "name") == 0)
            name = values[i];
        if (strcmp(names[i], "value") == 0)
            value = values[i];
        if (strcmp(names[i], "type") == 0)
            type = values[i];
        if (strcmp(element, "testsuite") == 0)
            g_hash_table_insert(j->suite, g_strdup(names[i]),
                                g_strdup(values[i]));
    }
    if (strcmp(element, "testsuites") == 0)
        j->testsuites++;
    else if (strcmp(element, "testsuite") == 0)
        j->testsuite++;
    else if (strcmp(element, "testcase") == 0) {
        j->testcases++;
        g_ptr_array_add(j->case_names, g_strdup(name));
    } else if (strcmp(element, "failure") == 0 ||
               strcmp(element, "error") == 0) {
        j->failures += element[0] == 'f';
        j->errors += element[0] == 'e';
        g_ptr_array_add(j->types, g_strdup(type));
    } else if (strcmp(element, "skipped") == 0)
        j->skipped++;
    else if (strcmp(element, "property") == 0 && name && value)
        g_hash_table_insert(j->properties, g_strdup(name), g_strdup(value));
}

/* Parses the JUnit file at `path`; fails the test when it is not XML. */
static struct junit_read junit_parse(const char *path)
{
    struct junit_read j = {
        .suite = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        .properties =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
        .case_names = g_ptr_array_new_with_free_func(g_free),
        .types = g_ptr_array_new_with_free_func(g_free),
    };
    char *text = read_text(path);
    GMarkupParser parser = {.start_element = on_start};
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &j, NULL);
    GError *err = NULL;
    gboolean ok = g_markup_parse_context_parse(ctx, text, -1, &err) &&
                  g_markup_parse_context_end_parse(ctx, &err);
    cr_assert(ok, "%s is not XML: %s\n%s", path, err ? err->message : "?",
              text);
    cr_assert(g_str_has_prefix(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    g_markup_parse_context_free(ctx);
    g_free(text);
    return j;
}

static void junit_clear(struct junit_read *j)
{
    g_hash_table_destroy(j->suite);
    g_hash_table_destroy(j->properties);
    g_ptr_array_free(j->case_names, TRUE);
    g_ptr_array_free(j->types, TRUE);
}

static guint64 attr_u64(GHashTable *t, const char *name)
{
    const char *v = g_hash_table_lookup(t, name);
    cr_assert_not_null(v, "no %s", name);
    return g_ascii_strtoull(v, NULL, 10);
}

/* The number after `"key": ` in a JSON document (the first such key). */
static guint64 json_u64(const char *json, const char *key)
{
    char *k = g_strdup_printf("\"%s\": ", key);
    const char *at = strstr(json, k);
    cr_assert_not_null(at, "no %s in %s", k, json);
    guint64 v = g_ascii_strtoull(at + strlen(k), NULL, 10);
    g_free(k);
    return v;
}

TestSuite(reports, .init = make_dir, .fini = remove_dir, .timeout = 120);

Test(reports, check_counts_agree_in_text_json_junit_and_exit_status)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    char *s = tmp_tree_write(tmp_dir, "skip.scn", SKIPPING);
    char *b = tmp_tree_write(tmp_dir, "bad.scn", INVALID);
    char *xml = g_build_filename(tmp_dir, "check.xml", NULL);
    const char *args[] = {"check", "--junit", xml, p, f, s, b, NULL};
    struct program_outcome text = program_run("raftsim", args);
    const char *json_args[] = {"check", "--json", p, f, s, b, NULL};
    struct program_outcome json = program_run("raftsim", json_args);

    /* A failing file next to an invalid one: the failure is reported, the
     * status is 2 (docs/json-output.md, "Exit status"). */
    cr_assert_eq(text.status, 2, "%s%s", text.out, text.err);
    cr_assert_eq(json.status, 2);
    char *fail_line = g_strdup_printf("FAIL %s:3: at 0.500s", f);
    cr_assert_not_null(strstr(text.out, fail_line), "%s", text.out);
    g_free(fail_line);
    cr_assert(g_str_has_suffix(text.out,
                               "\n2 passed, 1 failed, 1 invalid\n"
                               "checks: 4 passed, 1 failed, 1 skipped; "
                               "actions: 1 skipped\n"),
              "%s", text.out);
    /* The invalid file is named once on stdout, its error once on stderr. */
    char *err_line = g_strdup_printf("%s:2:7: error:", b);
    cr_assert_not_null(strstr(text.err, err_line), "%s", text.err);
    cr_assert_null(strstr(strstr(text.err, err_line) + 1, err_line));
    cr_assert_null(strstr(text.out, err_line), "%s", text.out);
    g_free(err_line);

    cr_assert_eq(json_u64(json.out, "passed"), 2);
    cr_assert_eq(json_u64(json.out, "failed"), 1);
    cr_assert_eq(json_u64(json.out, "invalid"), 1);
    cr_assert_not_null(strstr(json.out,
                              "\"checks_passed\": 4,\n  \"checks_failed\": 1,"
                              "\n  \"checks_skipped\": 1,\n  "
                              "\"actions_skipped\": 1,\n  \"exit_status\": 2"),
                       "%s", json.out);

    struct junit_read j = junit_parse(xml);
    cr_assert_eq(j.testsuites, 1);
    cr_assert_eq(j.testsuite, 1);
    cr_assert_eq(j.testcases, 4);
    cr_assert_eq(j.failures, 1);
    cr_assert_eq(j.errors, 1);
    cr_assert_eq(attr_u64(j.suite, "tests"), 4);
    cr_assert_eq(attr_u64(j.suite, "failures"), 1);
    cr_assert_eq(attr_u64(j.suite, "errors"), 1);
    cr_assert_eq(attr_u64(j.properties, "passed"), 2);
    cr_assert_eq(attr_u64(j.properties, "checks_passed"), 4);
    cr_assert_eq(attr_u64(j.properties, "checks_failed"), 1);
    cr_assert_eq(attr_u64(j.properties, "checks_skipped"), 1);
    cr_assert_eq(attr_u64(j.properties, "actions_skipped"), 1);
    cr_assert_str_eq(g_ptr_array_index(j.case_names, 1), f);
    cr_assert_str_eq(g_ptr_array_index(j.types, 0), "check");
    cr_assert_str_eq(g_ptr_array_index(j.types, 1), "invalid");
    junit_clear(&j);

    program_outcome_clear(&text);
    program_outcome_clear(&json);
    g_free(xml);
    g_free(p);
    g_free(f);
    g_free(s);
    g_free(b);
}

Test(reports, junit_escapes_markup_and_bad_bytes_in_names_and_messages)
{
    /* A file name with every character XML reserves and a byte that is
     * not UTF-8, and a check failure quoting a key made of them. */
    char *f =
        tmp_tree_write(tmp_dir, "a&<b>\"q'\xff.scn",
                       "cluster 3\nrun 1s\nat 100ms client set \"<&k>\" 1\n"
                       "at 1s expect value \"<&k>\" = 2 on all\n");
    char *xml = g_build_filename(tmp_dir, "r.xml", NULL);
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"check", "--junit", xml, f, NULL});
    cr_assert_eq(o.status, 1, "%s%s", o.out, o.err);
    struct junit_read j = junit_parse(xml);
    cr_assert_eq(j.testcases, 1);
    cr_assert_eq(j.failures, 1);
    const char *name = g_ptr_array_index(j.case_names, 0);
    cr_assert(g_str_has_suffix(name, "a&<b>\"q'\xef\xbf\xbd.scn"), "%s", name);
    junit_clear(&j);
    char *text = read_text(xml);
    cr_assert_not_null(strstr(text, "&lt;&amp;k&gt;"), "%s", text);
    g_free(text);
    program_outcome_clear(&o);
    /* --json of the same file is JSON, in UTF-8. */
    o = program_run("raftsim", (const char *[]){"check", "--json", f, NULL});
    cr_assert_eq(o.status, 1);
    GHashTable *seen = json_paths_new();
    char *error = NULL;
    cr_assert(json_paths(o.out, seen, &error), "%s: %s", error, o.out);
    cr_assert_not_null(strstr(o.out, "a&<b>\\\"q'\xef\xbf\xbd.scn"), "%s",
                       o.out);
    g_hash_table_destroy(seen);
    program_outcome_clear(&o);
    g_free(xml);
    g_free(f);
}

Test(reports, an_unwritable_junit_path_exits_2_with_the_reason_before_running)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *xml = g_build_filename(tmp_dir, "missing", "r.xml", NULL);
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"check", "--junit", xml, p, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    char *want = g_strdup_printf("raftsim check: %s: No such file or directory\n",
                                 xml);
    cr_assert_str_eq(o.err, want);
    g_free(want);
    program_outcome_clear(&o);
    /* A directory is no place for a report. */
    o = program_run("raftsim",
                    (const char *[]){"check", "--junit", tmp_dir, p, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_not_null(strstr(o.err, "not a regular file"), "%s", o.err);
    program_outcome_clear(&o);
    g_free(xml);
    g_free(p);
}

/* ---- the documented --json fields ---------------------------------------- */

/* docs/json-output.md, from the working directory (the repository, as
 * `make check-unit` runs) or else from beside the build directory. */
static char *json_doc(void)
{
    if (g_file_test("docs/json-output.md", G_FILE_TEST_IS_REGULAR))
        return read_text("docs/json-output.md");
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *tests = g_path_get_dirname(exe);
    char *build = g_path_get_dirname(tests);
    char *root = g_path_get_dirname(build);
    char *path = g_build_filename(root, "docs", "json-output.md", NULL);
    char *text = read_text(path);
    g_free(path);
    g_free(root);
    g_free(build);
    g_free(tests);
    g_free(exe);
    return text;
}

/* The field table of the section whose heading holds `heading`: rows
 * "| `path` | type | meaning |" -> path -> type. */
static GHashTable *documented_fields(const char *heading)
{
    GHashTable *t = json_paths_new();
    char *doc = json_doc();
    char **lines = g_strsplit(doc, "\n", -1);
    bool inside = false;
    for (size_t i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "## "))
            inside = strstr(lines[i], heading) != NULL;
        if (!inside || !g_str_has_prefix(lines[i], "| `"))
            continue;
        char **cells = g_strsplit(lines[i], "|", -1);
        cr_assert_geq(g_strv_length(cells), 4, "%s", lines[i]);
        char *path = g_strstrip(g_strdup(cells[1]));
        char *type = g_strstrip(g_strdup(cells[2]));
        size_t n = strlen(path);
        cr_assert(n > 2 && path[n - 1] == '`', "%s", lines[i]);
        g_hash_table_insert(t, g_strndup(path + 1, n - 2), type);
        g_free(path);
        g_strfreev(cells);
    }
    g_strfreev(lines);
    g_free(doc);
    cr_assert_gt(g_hash_table_size(t), 0, "no field table under '%s'",
                 heading);
    return t;
}

/* Every field seen is documented with the type seen, and every documented
 * field was seen: `seen` must cover each documented path. */
static void assert_fields_match(GHashTable *seen, GHashTable *doc)
{
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, seen);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const char *type = g_hash_table_lookup(doc, k);
        cr_assert_not_null(type, "the output has `%s` (%s), the doc not",
                           (char *)k, (char *)v);
        char **kinds = g_strsplit(v, " or ", -1);
        for (size_t i = 0; kinds[i]; i++)
            cr_assert_not_null(strstr(type, kinds[i]),
                               "`%s` is %s in the output, %s in the doc",
                               (char *)k, kinds[i], type);
        g_strfreev(kinds);
    }
    g_hash_table_iter_init(&it, doc);
    while (g_hash_table_iter_next(&it, &k, &v))
        cr_assert(g_hash_table_contains(seen, k),
                  "the doc lists `%s`, which no output of the test had",
                  (char *)k);
}

/* The fields of the document `json` against the table under `heading`. */
static void assert_documented(const char *json, const char *heading)
{
    GHashTable *seen = json_paths_new();
    char *error = NULL;
    cr_assert(json_paths(json, seen, &error), "not JSON (%s):\n%s", error,
              json);
    GHashTable *doc = documented_fields(heading);
    assert_fields_match(seen, doc);
    g_hash_table_destroy(doc);
    g_hash_table_destroy(seen);
}

Test(reports, check_json_fields_are_exactly_the_documented_ones)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    char *b = tmp_tree_write(tmp_dir, "bad.scn", INVALID);
    /* A trigger that never fires is a warning. */
    char *w = tmp_tree_write(tmp_dir, "warn.scn",
                             "cluster 3\nrun 1s\nat 900ms when n1 "
                             "grants-vote crash n2\n");
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"check", "--json", p, f, b, w,
                                                NULL});
    cr_assert_eq(o.status, 2, "%s", o.err);
    assert_documented(o.out, "check --json");
    program_outcome_clear(&o);
    g_free(p);
    g_free(f);
    g_free(b);
    g_free(w);
}

/* ---- fuzz ---------------------------------------------------------------- */

/* The mutant core that counts replicas of earlier-term entries towards
 * commitment (tests/mutants/), and a range of its seeds that holds one
 * Leader Completeness violation or more under `--faults cut` (the range
 * test_scn_fuzz.c uses: seed 2421 fails). */
#define FIGURE8_MUTANT "mutants/figure8-commit-old-term/raftsim"
#define BROKEN_ARGS                                                      \
    "fuzz", "--seed-from", "2420", "--seeds", "4", "--time", "5s",       \
        "--faults", "cut", "--no-shrink"

/* The number just before `word` in `text` ("3 passed" -> 3). */
static guint64 count_before(const char *text, const char *word)
{
    const char *at = strstr(text, word);
    cr_assert_not_null(at, "no '%s' in %s", word, text);
    while (at > text && at[-1] == ' ')
        at--;
    while (at > text && g_ascii_isdigit(at[-1]))
        at--;
    return g_ascii_strtoull(at, NULL, 10);
}

Test(reports, fuzz_counts_agree_in_text_json_junit_and_exit_status)
{
    char *xml = g_build_filename(tmp_dir, "fuzz.xml", NULL);
    char *out1 = g_build_filename(tmp_dir, "text", NULL);
    char *out2 = g_build_filename(tmp_dir, "json", NULL);
    struct program_outcome text = program_run(
        FIGURE8_MUTANT, (const char *[]){BROKEN_ARGS, "--junit", xml, "--out",
                                         out1, "-q", NULL});
    struct program_outcome json = program_run(
        FIGURE8_MUTANT,
        (const char *[]){BROKEN_ARGS, "--json", "--out", out2, NULL});
    cr_assert_eq(text.status, 1, "%s%s", text.out, text.err);
    cr_assert_eq(json.status, 1, "%s", json.err);
    guint64 failed = count_before(text.out, " failed,");
    guint64 passed = count_before(text.out, " passed,");
    cr_assert_geq(failed, 1, "%s", text.out);
    cr_assert_eq(passed + failed, 4);
    cr_assert_eq(json_u64(json.out, "seeds_run"), 4);
    cr_assert_eq(json_u64(json.out, "passed"), passed);
    cr_assert_eq(json_u64(json.out, "failed"), failed);
    cr_assert_eq(json_u64(json.out, "exit_status"), 1);
    cr_assert_not_null(strstr(json.out, "\"property\": \"leader-completeness\""),
                       "%s", json.out);
    /* stdout holds the document alone. */
    char *error = NULL;
    GHashTable *seen = json_paths_new();
    cr_assert(json_paths(json.out, seen, &error), "%s", error);
    g_hash_table_destroy(seen);

    struct junit_read j = junit_parse(xml);
    cr_assert_eq(j.failures, failed);
    cr_assert_eq(j.errors, 0);
    /* A case per failed seed and one for the seeds that passed. */
    cr_assert_eq(j.testcases, failed + (passed ? 1 : 0));
    cr_assert_eq(attr_u64(j.suite, "tests"), j.testcases);
    cr_assert_eq(attr_u64(j.suite, "failures"), failed);
    cr_assert_eq(attr_u64(j.properties, "seeds_run"), 4);
    cr_assert_eq(attr_u64(j.properties, "failed"), failed);
    cr_assert_eq(attr_u64(j.properties, "passed"), passed);
    cr_assert_str_eq(g_ptr_array_index(j.types, 0), "leader-completeness");
    cr_assert_str_eq(g_ptr_array_index(j.case_names, 0), "seed 2421");
    junit_clear(&j);
    program_outcome_clear(&text);
    program_outcome_clear(&json);
    g_free(out1);
    g_free(out2);
    g_free(xml);
}

Test(reports, fuzz_json_fields_are_exactly_the_documented_ones)
{
    char *out = g_build_filename(tmp_dir, "found", NULL);
    struct program_outcome o = program_run(
        FIGURE8_MUTANT, (const char *[]){BROKEN_ARGS, "--json", "--out", out,
                                         NULL});
    cr_assert_eq(o.status, 1, "%s", o.err);
    assert_documented(o.out, "fuzz --json");
    program_outcome_clear(&o);
    g_free(out);
}

/* A campaign keeps no recent events (nothing it reports reads them); its
 * reproducer, run again, fails the same way and shows the last 20. */
Test(reports, a_fuzz_reproducer_run_again_shows_the_last_events)
{
    char *out = g_build_filename(tmp_dir, "recent", NULL);
    struct program_outcome o = program_run(
        FIGURE8_MUTANT, (const char *[]){BROKEN_ARGS, "--out", out, "-q", NULL});
    cr_assert_eq(o.status, 1, "%s%s", o.out, o.err);
    cr_assert_not_null(strstr(o.out, "FAIL seed 2421: leader-completeness"),
                       "%s", o.out);
    program_outcome_clear(&o);
    char *repro = g_build_filename(out, "fuzz-2421.scn", NULL);
    o = program_run(FIGURE8_MUTANT, (const char *[]){"run", repro, NULL});
    cr_assert_eq(o.status, 1, "%s%s", o.out, o.err);
    cr_assert_not_null(strstr(o.out, "violation: leader-completeness at "),
                       "%s", o.out);
    const char *last = strstr(o.out, "  last 20 events:\n");
    cr_assert_not_null(last, "%s", o.out);
    size_t lines = 0;
    for (const char *p = strchr(last, '\n'); p && strncmp(p, "\n    {", 6) == 0;
         p = strchr(p + 1, '\n'))
        lines++;
    cr_assert_eq(lines, 20, "%s", last);
    program_outcome_clear(&o);
    g_free(repro);
    g_free(out);
}

Test(reports, a_shard_summary_names_its_shard_and_no_failure_leaves_no_directory)
{
    char *out = g_build_filename(tmp_dir, "none", "deeper", NULL);
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "4", "--time", "1s",
                                    "--shard", "2/2", "--out", out, "-q",
                                    NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_str_eq(o.out, "fuzz: shard 2/2: 2 seeds, 2 passed, 0 failed, 0 "
                            "linearizability unknown\n");
    char *none = g_build_filename(tmp_dir, "none", NULL);
    cr_assert_not(g_file_test(none, G_FILE_TEST_EXISTS));
    program_outcome_clear(&o);

    o = program_run("raftsim",
                    (const char *[]){"fuzz", "--seeds", "2", "--time", "1s",
                                     "--shard", "1/2", "--out", out, NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_not_null(strstr(o.out, "\nPASS shard 1/2: 1 seed run, "), "%s",
                       o.out);
    cr_assert_null(strstr(o.out, "reproducers in"), "%s", o.out);
    cr_assert_not(g_file_test(none, G_FILE_TEST_EXISTS));
    program_outcome_clear(&o);
    g_free(none);
    g_free(out);
}

Test(reports, an_output_directory_that_cannot_be_made_exits_2_before_running)
{
    char *file = tmp_tree_write(tmp_dir, "plain", "x");
    char *out = g_build_filename(file, "found", NULL);
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "2", "--out", out, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    char *want = g_strdup_printf("raftsim fuzz: --out %s: %s: Not a directory\n",
                                 out, file);
    cr_assert_str_eq(o.err, want);
    g_free(want);
    program_outcome_clear(&o);
    char *xml = g_build_filename(file, "r.xml", NULL);
    o = program_run("raftsim", (const char *[]){"fuzz", "--seeds", "2",
                                                "--junit", xml, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    cr_assert_not_null(strstr(o.err, "Not a directory"), "%s", o.err);
    program_outcome_clear(&o);
    g_free(xml);
    g_free(out);
    g_free(file);
}

/* ---- reproducers record their run ---------------------------------------- */

/* The hash `raftsim run` prints for `file`. */
static char *run_hash(const char *file)
{
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"run", file, NULL});
    const char *h = strstr(o.out, "\nTrace hash      ");
    cr_assert_not_null(h, "%s", o.out);
    char *hash = g_strndup(h + strlen("\nTrace hash      "), 16);
    program_outcome_clear(&o);
    return hash;
}

Test(reports, run_says_when_a_files_recorded_trace_hash_differs)
{
    /* Check events carry their line: the hash is that of the file with
     * its trace-hash line, whatever hash it holds. */
    char *other = tmp_tree_write(tmp_dir, "other.scn",
                                 "trace-hash 0123456789abcdef\n" PASSING);
    char *hash = run_hash(other);
    char *same_text = g_strdup_printf(
        "trace-hash %s by \"raftsim 0.0.0 git 0123abcd\"\n%s", hash, PASSING);
    char *same = tmp_tree_write(tmp_dir, "same.scn", same_text);
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"run", "-q", same, NULL});
    char *want = g_strdup_printf("PASS %s\n", same);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    program_outcome_clear(&o);

    o = program_run("raftsim", (const char *[]){"run", "-q", other, NULL});
    cr_assert_eq(o.status, 0);
    want = g_strdup_printf("PASS %s (trace hash differs from the "
                           "reproducer's: another build, or the bug is "
                           "fixed)\n",
                           other);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    program_outcome_clear(&o);

    /* check reports it as a warning, --json as fields. */
    o = program_run("raftsim",
                    (const char *[]){"check", "--json", same, other, NULL});
    cr_assert_eq(o.status, 0);
    char *recorded = g_strdup_printf(
        "\"recorded_trace_hash\": \"%s\", \"trace_hash_differs\": false", hash);
    cr_assert_not_null(strstr(o.out, recorded), "%s", o.out);
    g_free(recorded);
    cr_assert_not_null(strstr(o.out, "\"recorded_trace_hash\": "
                                     "\"0123456789abcdef\", "
                                     "\"trace_hash_differs\": true"),
                       "%s", o.out);
    char *warning = g_strdup_printf(
        "\"warnings\": [\"trace hash %s differs from the 0123456789abcdef "
        "this file records: another build, or the bug is fixed\"]",
        hash);
    cr_assert_not_null(strstr(o.out, warning), "%s", o.out);
    g_free(warning);
    program_outcome_clear(&o);

    /* Another seed is another run: nothing to compare. */
    o = program_run("raftsim", (const char *[]){"run", "-q", "--seed", "7",
                                                other, NULL});
    want = g_strdup_printf("PASS %s\n", other);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    program_outcome_clear(&o);
    g_free(other);
    g_free(same);
    g_free(same_text);
    g_free(hash);
}

Test(reports, a_trace_hash_must_be_sixteen_hex_digits_in_the_header)
{
    char *bad =
        tmp_tree_write(tmp_dir, "bad.scn", "cluster 3\ntrace-hash 12ab\n");
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"run", bad, NULL});
    cr_assert_eq(o.status, 2);
    char *want = g_strdup_printf(
        "%s:2:12: error: '12ab' is not a trace hash: expected 16 hexadecimal "
        "digits, as `raftsim run` prints it\n",
        bad);
    cr_assert_str_eq(o.err, want);
    g_free(want);
    program_outcome_clear(&o);
    char *late = tmp_tree_write(tmp_dir, "late.scn",
                                "cluster 3\nat 1s expect leader\n"
                                "trace-hash 0123456789abcdef\n");
    o = program_run("raftsim", (const char *[]){"run", late, NULL});
    cr_assert_eq(o.status, 2, "%s", o.err);
    program_outcome_clear(&o);
    g_free(late);
    g_free(bad);
}

Test(reports, shrink_writes_the_shrunk_runs_hash_and_this_build)
{
    char *f = tmp_tree_write(tmp_dir, "f.scn",
                             "cluster 3\nrun 2s\n"
                             "trace-hash 0123456789abcdef by \"old\"\n"
                             "at 300ms crash n1\n"
                             "at 1s expect term == 9\n");
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"shrink", "-q", "--in-process", f, NULL});
    cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
    program_outcome_clear(&o);
    char *min = g_build_filename(tmp_dir, "f.min.scn", NULL);
    char *hash = run_hash(min);
    char *text = read_text(min);
    char *record = g_strdup_printf("\ntrace-hash %s by \"raftsim " RAFTSIM_VERSION,
                                   hash);
    cr_assert_not_null(strstr(text, record), "%s", text);
    cr_assert_null(strstr(text, "\"old\""), "%s", text);
    /* Its run is the one it records: a bare FAIL. */
    o = program_run("raftsim", (const char *[]){"run", "-q", min, NULL});
    cr_assert_eq(o.status, 1);
    cr_assert_null(strstr(o.out, "differs"), "%s", o.out);
    program_outcome_clear(&o);
    g_free(record);
    g_free(text);
    g_free(hash);
    g_free(min);
    g_free(f);
}
