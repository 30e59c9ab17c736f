/* test_raftsim_cli.c: the `raftsim` command's exit statuses and output formats.
 *
 * Invariant kept by these tests: they run the built binary (next to the test
 * binary's directory: BUILD/raftsim) as a user would, on scenario files
 * written into a fresh temporary directory, with pipes for stdout and stderr
 * (so never a terminal) and NO_COLOR unset, and compare exact text.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "tests/support/program.h"
#include "tests/support/tmp_tree.h"

struct outcome
{
    int status; /* exit status, or -1 when killed */
    char *out;
    char *err;
};

/* Runs raftsim with `args` (NULL-terminated, borrowed); with `no_leaks`
 * false, a sanitized build does not report leaks at exit. */
static struct outcome run_raftsim_env(const char *const *args, bool no_leaks)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(argv, program_path("raftsim"));
    for (size_t i = 0; args[i]; i++)
        g_ptr_array_add(argv, g_strdup(args[i]));
    g_ptr_array_add(argv, NULL);
    char **env = g_get_environ();
    env = g_environ_unsetenv(env, "NO_COLOR");
    if (!no_leaks)
        env = g_environ_setenv(env, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
    struct outcome o = {0};
    int wait_status = 0;
    GError *err = NULL;
    gboolean ok = g_spawn_sync(NULL, (char **)argv->pdata, env, G_SPAWN_DEFAULT,
                               NULL, NULL, &o.out, &o.err, &wait_status, &err);
    cr_assert(ok, "spawn failed: %s", err ? err->message : "?");
    o.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    g_strfreev(env);
    g_ptr_array_free(argv, TRUE);
    return o;
}

static struct outcome run_raftsim(const char *const *args)
{
    return run_raftsim_env(args, true);
}

static void outcome_clear(struct outcome *o)
{
    g_free(o->out);
    g_free(o->err);
}

/* A fresh directory holding the test's scenario files. */
static char *tmp_dir;

static void make_dir(void)
{
    tmp_dir = tmp_tree_make("raftsim-cli-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(tmp_dir);
}

#define PASSING                                                   \
    "title \"Passing\"\ncluster 3\nrun 1s\nat 10ms timeout n1\n"  \
    "at 100ms client set x 1 via n1\nat 1s expect leader in n1\n" \
    "at 1s expect value x = 1 on all\n"
#define FAILING                                                             \
    "cluster 3\nrun 1s\nat 10ms timeout n1\nat 500ms expect leader in n2\n" \
    "at 1s expect term == 4\n"
#define INVALID "cluster 3\nat 1s crsh n1\nat 2s expect leader in n7\n"

TestSuite(cli, .init = make_dir, .fini = remove_dir);

Test(cli, run_exits_0_when_every_check_passes)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o = run_raftsim((const char *[]){"run", f, NULL});
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert(g_str_has_prefix(o.out, "Passing\n"), "%s", o.out);
    cr_assert_not_null(strstr(o.out, "\n  2 passed, 0 failed\n"), "%s", o.out);
    char *last = g_strdup_printf("\nPASS %s\n", f);
    cr_assert(g_str_has_suffix(o.out, last), "%s", o.out);
    cr_assert_null(strchr(o.out, '\033'), "no colour into a pipe");
    g_free(last);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, run_prints_the_runners_trace_hash)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o = run_raftsim((const char *[]){"run", f, NULL});
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    cr_assert_eq(scn_parse_file(f, &s, diags), SCN_OK);
    struct scn_run_result *r = NULL;
    cr_assert_eq(scn_run(s, NULL, &r), SCN_OK);
    char *line = g_strdup_printf("Trace hash      %016" G_GINT64_MODIFIER "x\n",
                                 (guint64)r->trace_hash);
    cr_assert_not_null(strstr(o.out, line), "%s\nnot in\n%s", line, o.out);
    g_free(line);
    scn_run_result_free(r);
    scn_scenario_free(s);
    g_ptr_array_free(diags, TRUE);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, run_exits_1_and_names_each_failed_check)
{
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    struct outcome o = run_raftsim((const char *[]){"run", f, NULL});
    cr_assert_eq(o.status, 1);
    char *first = g_strdup_printf(
        "  FAIL %s:4: at 0.500s expected a leader in "
        "{n2}, found n1 (term 1)\n",
        f);
    char *second = g_strdup_printf(
        "  FAIL %s:5: at 1.000s expected term == 4, found term 1\n", f);
    cr_assert_not_null(strstr(o.out, first), "%s", o.out);
    cr_assert_not_null(strstr(o.out, second), "%s", o.out);
    g_free(first);
    g_free(second);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, run_exits_2_on_an_invalid_file_and_simulates_nothing)
{
    char *f = tmp_tree_write(tmp_dir, "bad.scn", INVALID);
    struct outcome o = run_raftsim((const char *[]){"run", f, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    char *want = g_strdup_printf(
        "%s:2:7: error: unknown action 'crsh'; did you mean 'crash'?\n", f);
    cr_assert(g_str_has_prefix(o.err, want), "%s", o.err);
    cr_assert_not_null(strstr(o.err, ":3:"), "every error is reported");
    g_free(want);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, run_exits_2_on_a_missing_file_or_a_bad_option)
{
    struct outcome o =
        run_raftsim((const char *[]){"run", "/nonexistent/x.scn", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert(g_str_has_prefix(o.err, "/nonexistent/x.scn"), "%s", o.err);
    outcome_clear(&o);

    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    o = run_raftsim((const char *[]){"run", f, "--bogus", NULL});
    cr_assert_eq(o.status, 2);
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"run", f, "--from", "12", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.err,
                     "raftsim run: --from: not a duration like 1.5s: 12\n");
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"run", NULL});
    cr_assert_eq(o.status, 2);
    outcome_clear(&o);
    g_free(f);
}

/* ---- budgets ----------------------------------------------------------- */

/* Valid, and far beyond any budget: 255 nodes, a year of heavy load. */
#define ENORMOUS                                  \
    "cluster 255\nrun 31536000s\nheartbeat 1ms\n" \
    "election-timeout 10ms 20ms\nat 1s load 1000000/s for 31535999s\n"

Test(cli, a_run_over_its_event_budget_exits_3_saying_which_option_raises_it)
{
    char *f = tmp_tree_write(tmp_dir, "enormous.scn", ENORMOUS);
    struct outcome o = run_raftsim(
        (const char *[]){"run", "--quiet", f, "--max-events", "20000", NULL});
    cr_assert_eq(o.status, 3, "stderr: %s", o.err);
    /* As docs/scenario-language.md (Budgets) shows it. */
    char *out = g_strdup_printf(
        "FAIL %s: at 0.022848s the run exceeded its "
        "budget of 20000 events\n",
        f);
    char *err = g_strdup_printf(
        "raftsim run: %s: stopped at 0.022848s: the run exceeded its budget "
        "of 20000 events (raise it with --max-events)\n",
        f);
    cr_assert_str_eq(o.out, out);
    cr_assert_str_eq(o.err, err);
    g_free(out);
    g_free(err);
    outcome_clear(&o);

    char *load = tmp_tree_write(tmp_dir, "load.scn",
                                "cluster 5\nrun 3600s\n"
                                "at 10ms load 1000000/s for 3000s\n");
    o = run_raftsim(
        (const char *[]){"check", load, "--max-memory", "8M", NULL});
    cr_assert_eq(o.status, 3, "stderr: %s", o.err);
    cr_assert_not_null(strstr(o.err,
                              "over its memory budget of 8388608 bytes "
                              "(raise it with --max-memory)\n"),
                       "%s", o.err);
    outcome_clear(&o);
    g_free(load);
    g_free(f);
}

Test(cli, a_run_over_its_wall_time_budget_exits_3_without_hanging)
{
    char *f = tmp_tree_write(tmp_dir, "enormous.scn", ENORMOUS);
    struct outcome o = run_raftsim(
        (const char *[]){"run", "--quiet", f, "--max-wall", "200ms",
                         "--max-events", "0", "--max-memory", "0", NULL});
    cr_assert_eq(o.status, 3, "stderr: %s", o.err);
    cr_assert_not_null(strstr(o.err,
                              "the run exceeded its wall-time budget "
                              "of 200ms (raise it with --max-wall)\n"),
                       "%s", o.err);
    outcome_clear(&o);
    g_free(f);
}

/* An idle cluster: memory would grow with virtual time if every event
 * were recorded (about 40 KB per simulated second). */
#define IDLE_FOR_LONG \
    "title \"Idle\"\ncluster 5\nrun 3000s\nat 10ms timeout n1\n"

Test(cli, run_records_events_only_for_pictures_so_idle_memory_stays_flat)
{
    char *f = tmp_tree_write(tmp_dir, "idle.scn", IDLE_FOR_LONG);
    struct outcome o =
        run_raftsim((const char *[]){"run", f, "--max-memory", "2M", NULL});
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    cr_assert_not_null(strstr(o.out, "\nLeaders\n  term 1    n1   from "), "%s",
                       o.out);
    outcome_clear(&o);
    /* A timeline needs every event: the same run then outgrows 2M. */
    char *png = g_build_filename(tmp_dir, "idle.png", NULL);
    o = run_raftsim((const char *[]){"run", "--quiet", f, "--max-memory", "2M",
                                     "--png", png, NULL});
    cr_assert_eq(o.status, 3, "stderr: %s", o.err);
    cr_assert_not(g_file_test(png, G_FILE_TEST_EXISTS));
    outcome_clear(&o);
    g_free(png);
    g_free(f);
}

Test(cli, budget_options_are_checked_before_the_run)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o =
        run_raftsim((const char *[]){"run", f, "--max-memory", "12Q", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.err,
                     "raftsim run: --max-memory: not a size like 512M "
                     "or 2G: 12Q\n");
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"check", f, "--max-wall", "5", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.err,
                     "raftsim check: --max-wall: not a duration like "
                     "60s: 5\n");
    outcome_clear(&o);
    g_free(f);
}

Test(cli, run_reads_an_endless_input_only_up_to_the_size_limit, .timeout = 30)
{
    struct outcome o = run_raftsim((const char *[]){"run", "/dev/zero", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    /* As docs/scenario-language.md (Lexical rules) shows it. */
    cr_assert_str_eq(o.err,
                     "/dev/zero: error: input is more than 16777216 "
                     "bytes long; the limit is 16777216 bytes\n");
    outcome_clear(&o);
}

/* ---- output honesty ---------------------------------------------------- */

/* Runs `BEFORE exec raftsim ARGS... AFTER` through the shell, so that a
 * test can close stdout, point it at /dev/full or limit file sizes;
 * `before` and `after` are shell text, `args` are quoted. */
static struct outcome run_raftsim_shell(const char *before,
                                        const char *const *args,
                                        const char *after)
{
    char *exe = program_path("raftsim");
    GString *cmd = g_string_new(before);
    char *q = g_shell_quote(exe);
    g_string_append_printf(cmd, " exec %s", q);
    g_free(q);
    for (size_t i = 0; args[i]; i++) {
        q = g_shell_quote(args[i]);
        g_string_append_printf(cmd, " %s", q);
        g_free(q);
    }
    g_string_append_printf(cmd, " %s", after);
    const char *sh[] = {"/bin/sh", "-c", cmd->str, NULL};
    struct outcome o = {0};
    int wait_status = 0;
    cr_assert(g_spawn_sync(NULL, (char **)sh, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                           &o.out, &o.err, &wait_status, NULL));
    o.status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    g_string_free(cmd, TRUE);
    g_free(exe);
    return o;
}

static struct outcome run_raftsim_redirected(const char *const *args,
                                             const char *redirect)
{
    return run_raftsim_shell("", args, redirect);
}

Test(cli, a_trace_to_stdout_that_cannot_be_written_exits_2_with_the_reason)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o = run_raftsim_redirected(
        (const char *[]){"run", f, "--trace", "-", NULL}, ">/dev/full");
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert(g_str_has_prefix(o.err, "raftsim run: standard output: cannot "
                                      "write the trace: No space left on "
                                      "device\n"),
              "%s", o.err);
    cr_assert_null(strstr(o.err, "PASS"), "%s", o.err);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, a_trace_to_stdout_sends_the_report_to_stderr)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o = run_raftsim_redirected(
        (const char *[]){"run", "--quiet", f, "--trace", "-", NULL}, "");
    cr_assert_eq(o.status, 0, "stderr: %s", o.err);
    char *verdict = g_strdup_printf("PASS %s\n", f);
    cr_assert_str_eq(o.err, verdict);
    cr_assert(g_str_has_prefix(o.out, "{\"kind\":\"header\","), "%s", o.out);
    cr_assert_not_null(strstr(o.out, "\n{\"kind\":\"footer\",\"hash\":"));
    cr_assert(g_str_has_suffix(o.out, "}\n"));
    g_free(verdict);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, a_failed_write_to_stdout_exits_2_with_the_reason)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o =
        run_raftsim_redirected((const char *[]){"run", f, NULL}, ">/dev/full");
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert_str_eq(o.err,
                     "raftsim run: cannot write the standard output: "
                     "No space left on device\n");
    outcome_clear(&o);

    o = run_raftsim_redirected((const char *[]){"check", "--json", f, f, f, f,
                                                f, f, f, f, f, f, f, f, NULL},
                               ">/dev/full");
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert_str_eq(o.err,
                     "raftsim check: cannot write the standard "
                     "output: No space left on device\n");
    outcome_clear(&o);

    o = run_raftsim_redirected((const char *[]){"run", "-q", f, NULL}, ">&-");
    cr_assert_eq(o.status, 2, "stderr: %s", o.err);
    cr_assert_str_eq(o.err,
                     "raftsim run: cannot write the standard output: "
                     "Bad file descriptor\n");
    outcome_clear(&o);
    g_free(f);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names in tmp_dir, sorted and joined by spaces (a test's leftovers). */
static char *dir_listing(void)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GDir *d = g_dir_open(tmp_dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)))
        g_ptr_array_add(names, g_strdup(name));
    if (d)
        g_dir_close(d);
    g_ptr_array_sort(names, compare_names);
    g_ptr_array_add(names, NULL);
    char *s = g_strjoinv(" ", (char **)names->pdata);
    g_ptr_array_free(names, TRUE);
    return s;
}

Test(cli, pictures_and_traces_are_written_through_symlinks_to_their_target)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *link = g_build_filename(tmp_dir, "link.png", NULL);
    char *tlink = g_build_filename(tmp_dir, "link.jsonl", NULL);
    cr_assert_eq(symlink("real.png", link), 0);
    cr_assert_eq(symlink("real.jsonl", tlink), 0);
    struct outcome o = run_raftsim_env(
        (const char *[]){"run", "-q", f, "--png", link, "--trace", tlink, NULL},
        false);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(g_file_test(link, G_FILE_TEST_IS_SYMLINK), "still a link");
    cr_assert(g_file_test(tlink, G_FILE_TEST_IS_SYMLINK), "still a link");
    char *listing = dir_listing();
    cr_assert_str_eq(listing,
                     "link.jsonl link.png pass.scn real.jsonl "
                     "real.png");
    g_free(listing);
    outcome_clear(&o);
    g_free(tlink);
    g_free(link);
    g_free(f);
}

Test(cli, a_fifo_or_device_destination_is_refused_before_the_run)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *fifo = g_build_filename(tmp_dir, "fifo.png", NULL);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    const char *cases[][2] = {
        {"--png", fifo}, {"--log-png", "/dev/null"}, {"--trace", "/dev/full"}};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct outcome o = run_raftsim(
            (const char *[]){"run", f, cases[i][0], cases[i][1], NULL});
        cr_assert_eq(o.status, 2, "%s: %s", cases[i][0], o.err);
        cr_assert_str_eq(o.out, "", "nothing is simulated");
        char *want = g_strdup_printf(
            "raftsim run: %s: not a regular file: pictures and traces "
            "replace a regular file or create a new one\n",
            cases[i][1]);
        cr_assert_str_eq(o.err, want);
        g_free(want);
        outcome_clear(&o);
    }
    struct stat st;
    cr_assert_eq(lstat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO is left alone");
    struct outcome o = run_raftsim(
        (const char *[]){"run", f, "--svg", "/nonexistent/x.svg", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    cr_assert_str_eq(o.err,
                     "raftsim run: /nonexistent/x.svg: No such file "
                     "or directory\n");
    outcome_clear(&o);
    g_free(fifo);
    g_free(f);
}

/* Under a file size limit of a few kilobytes with SIGXFSZ ignored, every
 * write past it fails with EFBIG, as on a full disk. */
#define SMALL_FILES "trap '' XFSZ; ulimit -f 8;"

Test(cli, an_output_cut_short_is_removed_and_exits_2_with_the_reason)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *trace = g_build_filename(tmp_dir, "t.jsonl", NULL);
    char *png = g_build_filename(tmp_dir, "t.png", NULL);
    struct outcome o = run_raftsim_shell(
        SMALL_FILES, (const char *[]){"run", f, "--trace", trace, NULL}, "");
    cr_assert_eq(o.status, 2, "%s", o.err);
    char *want = g_strdup_printf(
        "raftsim run: %s: cannot write the trace: "
        "File too large; nothing was written there\n",
        trace);
    cr_assert_str_eq(o.err, want);
    cr_assert_null(strstr(o.out, "PASS"), "%s", o.out);
    char *verdict = g_strdup_printf("\nERROR %s\n", f);
    cr_assert(g_str_has_suffix(o.out, verdict), "%s", o.out);
    char *listing = dir_listing();
    cr_assert_str_eq(listing, "pass.scn", "no trace and no temporary file");
    g_free(listing);
    outcome_clear(&o);

    /* A picture larger than the limit: the same, for --png. */
    o = run_raftsim_shell(
        SMALL_FILES, (const char *[]){"run", "-q", f, "--png", png, NULL}, "");
    cr_assert_eq(o.status, 2, "%s", o.err);
    g_free(want);
    want =
        g_strdup_printf("raftsim run: %s: cannot write: File too large\n", png);
    /* A leak checker may append its report of suppressed leaks. */
    cr_assert(g_str_has_prefix(o.err, want), "%s", o.err);
    g_free(verdict);
    verdict = g_strdup_printf("ERROR %s\n", f);
    cr_assert_str_eq(o.out, verdict);
    listing = dir_listing();
    cr_assert_str_eq(listing, "pass.scn", "no picture and no temporary file");
    g_free(listing);
    outcome_clear(&o);
    g_free(verdict);
    g_free(want);
    g_free(png);
    g_free(trace);
    g_free(f);
}

Test(cli, frames_above_the_limit_are_refused_before_the_run)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *dir = g_build_filename(tmp_dir, "frames", NULL);
    struct outcome o = run_raftsim(
        (const char *[]){"run", f, "--frames", dir, "--every", "1us", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    cr_assert_str_eq(o.err,
                     "raftsim run: --every 1us: 1000001 frames; the limit is "
                     "10000 (choose a longer --every, or a --from/--to "
                     "window)\n");
    cr_assert_not(g_file_test(dir, G_FILE_TEST_EXISTS));
    outcome_clear(&o);
    g_free(dir);
    g_free(f);
}

Test(cli, check_prints_one_line_per_file_in_order_then_the_counts)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    struct outcome o = run_raftsim((const char *[]){"check", f, p, NULL});
    cr_assert_eq(o.status, 1);
    char *want = g_strdup_printf(
        "FAIL %s:4: at 0.500s expected a leader in {n2}, found n1 (term 1)\n"
        "PASS %s\n"
        "1 passed, 1 failed, 0 invalid\n"
        "checks: 2 passed, 2 failed, 0 skipped; actions: 0 skipped\n",
        f, p);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    outcome_clear(&o);
    g_free(p);
    g_free(f);
}

Test(cli, check_output_does_not_depend_on_jobs)
{
    const char *texts[] = {PASSING, FAILING, PASSING, FAILING, PASSING};
    char *files[5];
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "s%d.scn", i);
        files[i] = tmp_tree_write(tmp_dir, name, texts[i]);
    }
    struct outcome one = run_raftsim((const char *[]){
        "check", files[0], files[1], files[2], files[3], files[4], NULL});
    struct outcome four =
        run_raftsim((const char *[]){"check", "--jobs", "4", files[0], files[1],
                                     files[2], files[3], files[4], NULL});
    cr_assert_eq(one.status, 1);
    cr_assert_eq(four.status, 1);
    cr_assert_str_eq(one.out, four.out);
    cr_assert(g_str_has_suffix(one.out, "\n3 passed, 2 failed, 0 invalid\n"
                                        "checks: 6 passed, 4 failed, 0 "
                                        "skipped; actions: 0 skipped\n"),
              "%s", one.out);
    outcome_clear(&one);
    outcome_clear(&four);
    for (int i = 0; i < 5; i++)
        g_free(files[i]);
}

Test(cli, check_exits_0_when_all_pass)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome o = run_raftsim((const char *[]){"check", p, p, NULL});
    cr_assert_eq(o.status, 0);
    cr_assert(g_str_has_suffix(o.out, "\n2 passed, 0 failed, 0 invalid\n"
                                      "checks: 4 passed, 0 failed, 0 "
                                      "skipped; actions: 0 skipped\n"),
              "%s", o.out);
    outcome_clear(&o);
    g_free(p);
}

Test(cli, check_exits_2_when_a_file_is_invalid)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *b = tmp_tree_write(tmp_dir, "bad.scn", INVALID);
    struct outcome o = run_raftsim((const char *[]){"check", p, b, NULL});
    cr_assert_eq(o.status, 2);
    char *want = g_strdup_printf(
        "PASS %s\n"
        "INVALID %s\n"
        "1 passed, 0 failed, 1 invalid\n"
        "checks: 2 passed, 0 failed, 0 skipped; actions: 0 skipped\n",
        p, b);
    cr_assert_str_eq(o.out, want);
    /* The errors, each once, on stderr only. */
    char *errs = g_strdup_printf(
        "%s:2:7: error: unknown action 'crsh'; did you mean 'crash'?\n", b);
    cr_assert(g_str_has_prefix(o.err, errs), "%s", o.err);
    cr_assert_null(strstr(o.err + strlen(errs), ":2:7:"), "%s", o.err);
    cr_assert_not_null(strstr(o.err, ":3:"), "%s", o.err);
    g_free(errs);
    g_free(want);
    outcome_clear(&o);
    g_free(p);
    g_free(b);
}

Test(cli, check_json_reports_each_file_and_the_totals)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    struct outcome o =
        run_raftsim((const char *[]){"check", "--json", p, f, NULL});
    cr_assert_eq(o.status, 1);
    cr_assert(g_str_has_prefix(o.out,
                               "{\n  \"command\": \"check\",\n  "
                               "\"files\": ["),
              "%s", o.out);
    cr_assert(g_str_has_suffix(o.out,
                               "\"passed\": 1,\n  \"failed\": 1,\n"
                               "  \"invalid\": 0,\n  \"checks_passed\": 2,\n"
                               "  \"checks_failed\": 2,\n  \"checks_skipped\": "
                               "0,\n  \"actions_skipped\": 0,\n"
                               "  \"exit_status\": 1\n}\n"),
              "%s", o.out);
    cr_assert_not_null(strstr(o.out, "\"status\": \"pass\""));
    char *failure = g_strdup_printf(
        "{\"kind\": \"check\", \"property\": \"check\", \"file\": \"%s\", "
        "\"line\": 4, \"time\": \"0.500s\", \"time_us\": 500000, "
        "\"message\": \"expected a leader in {n2}, found n1 (term 1)\"}",
        f);
    cr_assert_not_null(strstr(o.out, failure), "%s", o.out);
    g_free(failure);
    outcome_clear(&o);
    g_free(p);
    g_free(f);
}

Test(cli, check_seed_option_is_applied_to_every_file)
{
    char *p = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    struct outcome a = run_raftsim(
        (const char *[]){"check", "--json", "--seed", "42", p, NULL});
    cr_assert_eq(a.status, 0);
    cr_assert_not_null(strstr(a.out, "\"seed\": 42,"), "%s", a.out);
    outcome_clear(&a);
    a = run_raftsim((const char *[]){"check", "--seed", "x", p, NULL});
    cr_assert_eq(a.status, 2);
    outcome_clear(&a);
    g_free(p);
}

Test(cli, help_and_version_exit_0)
{
    struct outcome o = run_raftsim((const char *[]){"--help", NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_not_null(strstr(o.out, "  run "));
    cr_assert_not_null(strstr(o.out, "  check "));
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"--version", NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.out, "raftsim " RAFTSIM_VERSION "\n");
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"run", "--help", NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_not_null(strstr(o.out, "--log-png"));
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"check", "--help", NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_not_null(strstr(o.out, "--jobs"));
    outcome_clear(&o);
}

Test(cli, unknown_command_or_none_exits_2)
{
    struct outcome o = run_raftsim((const char *[]){"frobnicate", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert(g_str_has_prefix(o.err, "raftsim: unknown command 'frobnicate'\n"));
    outcome_clear(&o);
    o = run_raftsim((const char *[]){NULL});
    cr_assert_eq(o.status, 2);
    outcome_clear(&o);
}

/* The --plots directory is created before the other pictures are checked, so
 * one of them may be written into it. */
Test(cli, run_may_write_a_picture_into_the_plots_directory_it_creates)
{
    char *f = tmp_tree_write(tmp_dir, "pass-plots.scn", PASSING);
    char *dir = g_build_filename(tmp_dir, "new-plots", NULL);
    char *log = g_build_filename(dir, "log.png", NULL);
    struct outcome o = run_raftsim_env(
        (const char *[]){"run", f, "--plots", dir, "--log-png", log, NULL},
        false);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(g_file_test(log, G_FILE_TEST_IS_REGULAR), "%s", o.out);
    outcome_clear(&o);
    g_free(log);
    g_free(dir);
    g_free(f);
}

Test(cli, run_writes_the_pictures_it_prints)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *png = g_build_filename(tmp_dir, "t.png", NULL);
    char *svg = g_build_filename(tmp_dir, "t.svg", NULL);
    char *log = g_build_filename(tmp_dir, "log.png", NULL);
    /* Fontconfig, under cairo's text, keeps caches for the life of the
     * process; a leak checker would report them at exit. */
    struct outcome o = run_raftsim_env(
        (const char *[]){"run", f, "--png", png, "--svg", svg, "--log-png", log,
                         "--at", "500ms", NULL},
        false);
    cr_assert_eq(o.status, 0, "%s", o.err);
    char *l1 = g_strdup_printf("timeline: %s\n", png);
    char *l2 = g_strdup_printf("log diagram at 0.500s: %s\n", log);
    cr_assert_not_null(strstr(o.out, l1), "%s", o.out);
    cr_assert_not_null(strstr(o.out, l2), "%s", o.out);
    static const unsigned char png_magic[8] = {0x89, 'P',  'N',  'G',
                                               '\r', '\n', 0x1a, '\n'};
    gchar *data = NULL;
    gsize len = 0;
    cr_assert(g_file_get_contents(png, &data, &len, NULL));
    cr_assert(len > 8 && memcmp(data, png_magic, 8) == 0);
    g_free(data);
    cr_assert(g_file_get_contents(log, &data, &len, NULL));
    cr_assert(len > 8 && memcmp(data, png_magic, 8) == 0);
    g_free(data);
    cr_assert(g_file_get_contents(svg, &data, &len, NULL));
    cr_assert_not_null(strstr(data, "<svg"));
    g_free(data);
    g_free(l1);
    g_free(l2);
    g_free(png);
    g_free(svg);
    g_free(log);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, quiet_prints_only_the_verdict)
{
    char *f = tmp_tree_write(tmp_dir, "fail.scn", FAILING);
    struct outcome o = run_raftsim((const char *[]){"run", "--quiet", f, NULL});
    cr_assert_eq(o.status, 1);
    char *want = g_strdup_printf(
        "FAIL %s:4: at 0.500s expected a leader in {n2}, found n1 (term 1)\n"
        "FAIL %s:5: at 1.000s expected term == 4, found term 1\n",
        f, f);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    outcome_clear(&o);
    g_free(f);
}

/* Frames 0..n-1 of both pictures exist in dir and frames n..upto-1 do not;
 * removes them and dir. */
static void assert_frames_then_remove(const char *dir, int n, int upto)
{
    static const char *const kinds[] = {"timeline", "log"};
    for (int i = 0; i < upto; i++) {
        for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
            char name[32];
            snprintf(name, sizeof(name), "%s-%06d.png", kinds[k], i);
            char *p = g_build_filename(dir, name, NULL);
            cr_assert_eq(g_file_test(p, G_FILE_TEST_EXISTS), i < n, "%s", p);
            g_remove(p);
            g_free(p);
        }
    }
    g_rmdir(dir);
}

Test(cli, frames_are_written_every_period_and_at_the_end)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *dir = g_build_filename(tmp_dir, "frames", NULL);
    struct outcome o = run_raftsim_env(
        (const char *[]){"run", f, "--frames", dir, "--every", "400ms", NULL},
        false);
    cr_assert_eq(o.status, 0, "%s", o.err);
    /* 0, 400ms, 800ms and the end at 1s. */
    char *line = g_strdup_printf("frames: 4 in %s\n", dir);
    cr_assert_not_null(strstr(o.out, line), "%s", o.out);
    assert_frames_then_remove(dir, 4, 5);
    g_free(line);
    g_free(dir);
    outcome_clear(&o);
    g_free(f);
}

Test(cli, frames_are_written_only_inside_the_from_to_window)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *dir = g_build_filename(tmp_dir, "frames", NULL);
    struct outcome o = run_raftsim_env(
        (const char *[]){"run", f, "--frames", dir, "--every", "100ms",
                         "--from", "250ms", "--to", "600ms", NULL},
        false);
    cr_assert_eq(o.status, 0, "%s", o.err);
    /* 300, 400, 500 and 600 ms; nothing before the window or after it. */
    char *line = g_strdup_printf("frames: 4 in %s\n", dir);
    cr_assert_not_null(strstr(o.out, line), "%s", o.out);
    assert_frames_then_remove(dir, 4, 12);
    g_free(line);
    g_free(dir);
    outcome_clear(&o);
    g_free(f);
}

/* Picture options are checked before anything runs: a width the renderer
 * cannot honour, or an instant after the end of the run, is refused with
 * exit 2 instead of being clamped in silence. */
struct picture_refusal
{
    /* Arrays, not pointers: parameters are copied into the test's process. */
    char option[16];
    char value[16];
    char picture[16];
    char message[64];
};

ParameterizedTestParameters(cli, out_of_range_picture_options_are_refused)
{
    static struct picture_refusal cases[] = {
        {"--width", "0", "--png", "--width: not a width from 640 to 16000: 0"},
        {"--width", "16001", "--png",
         "--width: not a width from 640 to 16000: 16001"},
        {"--at", "2s", "--log-png",
         "--at 2s is after the end of the run (1.000s)"},
        {"--from", "1s", "--png",
         "--from 1s is after the end of the run (1.000s)"},
        {"--to", "1.5s", "--png",
         "--to 1.5s is after the end of the run (1.000s)"},
    };
    return cr_make_param_array(struct picture_refusal, cases,
                               sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct picture_refusal *c,
                  cli,
                  out_of_range_picture_options_are_refused)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *out = g_build_filename(tmp_dir, "refused.png", NULL);
    struct outcome o = run_raftsim(
        (const char *[]){"run", f, c->option, c->value, c->picture, out, NULL});
    cr_assert_eq(o.status, 2, "%s %s: %s", c->option, c->value, o.err);
    cr_assert_not_null(strstr(o.err, c->message), "%s", o.err);
    cr_assert_not(g_file_test(out, G_FILE_TEST_EXISTS), "nothing drawn");
    outcome_clear(&o);
    g_free(out);
    g_free(f);
}

/* A log index window that cannot be drawn is refused with exit 2 and a
 * sentence naming it, and nothing is written. */
Test(cli, bad_log_index_windows_are_refused)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *out = g_build_filename(tmp_dir, "log.png", NULL);
    static const char *cases[][5] = {
        {"--log-from", "5", "--log-to", "4",
         "--log-from 5 is after --log-to 4"},
        {"--log-from", "0", "--log-to", "4",
         "--log-from: not a log index from 1: 0"},
        {"--log-from", "1", "--log-to", "801", "more than the 800"},
        {"--log-from", "100000", "--log-to", "100001",
         "--log-from 100000 is after the last log index"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct outcome o = run_raftsim((const char *[]){
            "run", f, "--log-png", out, cases[i][0], cases[i][1],
            cases[i][2], cases[i][3], NULL});
        cr_assert_eq(o.status, 2, "%s: %s", cases[i][4], o.err);
        cr_assert_not_null(strstr(o.err, cases[i][4]), "%s", o.err);
        cr_assert_not(g_file_test(out, G_FILE_TEST_EXISTS), "nothing drawn");
        outcome_clear(&o);
    }
    struct outcome o = run_raftsim((const char *[]){
        "run", f, "--log-png", out, "--log-from", "1", "--log-to", "1", NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(g_file_test(out, G_FILE_TEST_EXISTS));
    outcome_clear(&o);
    g_free(out);
    g_free(f);
}

/* --plots DIR writes both plots in the format asked for; a format without
 * --plots, or an unknown one, is refused with exit 2. */
Test(cli, plots_are_written_in_the_format_asked_for)
{
    char *f = tmp_tree_write(tmp_dir, "pass.scn", PASSING);
    char *dir = g_build_filename(tmp_dir, "plots", NULL);
    struct outcome o = run_raftsim((const char *[]){
        "run", f, "--plots", dir, "--plots-format", "svg", NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    for (const char *const *n = (const char *const[]){"latency.svg",
                                                      "throughput.svg", NULL};
         *n != NULL; n++) {
        char *p = g_build_filename(dir, *n, NULL);
        cr_assert(g_file_test(p, G_FILE_TEST_EXISTS), "%s", p);
        g_free(p);
    }
    outcome_clear(&o);
    o = run_raftsim(
        (const char *[]){"run", f, "--plots", dir, "--plots-format", "gif",
                         NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_not_null(strstr(o.err, "expected png, svg or pdf, not gif"),
                       "%s", o.err);
    outcome_clear(&o);
    o = run_raftsim((const char *[]){"run", f, "--plots-format", "svg", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_not_null(strstr(o.err, "only with --plots"), "%s", o.err);
    outcome_clear(&o);
    g_free(dir);
    g_free(f);
}

/* The subcommands `raftsim --help` lists, in order (a NULL-terminated
 * vector to free with g_strfreev). */
static char **listed_commands(void)
{
    struct outcome o = run_raftsim((const char *[]){"--help", NULL});
    cr_assert_eq(o.status, 0);
    const char *list = strstr(o.out, "Commands:\n");
    cr_assert_not_null(list);
    GPtrArray *names = g_ptr_array_new();
    char **lines = g_strsplit(list + strlen("Commands:\n"), "\n", -1);
    for (size_t i = 0; lines[i] && g_str_has_prefix(lines[i], "  "); i++) {
        char **words = g_strsplit_set(g_strstrip(lines[i]), " ", 2);
        g_ptr_array_add(names, g_strdup(words[0]));
        g_strfreev(words);
    }
    g_strfreev(lines);
    outcome_clear(&o);
    cr_assert_geq(names->len, 2, "--help lists no commands");
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

Test(cli, help_command_prints_exactly_what_the_commands_own_help_prints)
{
    char **names = listed_commands();
    for (size_t i = 0; names[i]; i++) {
        struct outcome a =
            run_raftsim((const char *[]){"help", names[i], NULL});
        struct outcome b =
            run_raftsim((const char *[]){names[i], "--help", NULL});
        cr_assert_eq(a.status, 0, "raftsim help %s", names[i]);
        cr_assert_eq(b.status, 0);
        cr_assert_gt(strlen(a.out), 0);
        cr_assert_str_eq(a.out, b.out, "raftsim help %s", names[i]);
        cr_assert_str_eq(a.err, b.err);
        outcome_clear(&a);
        outcome_clear(&b);
    }
    g_strfreev(names);
    struct outcome o = run_raftsim((const char *[]){"help", "rnu", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_not_null(strstr(o.err, "did you mean 'run'?"), "%s", o.err);
    outcome_clear(&o);
}

Test(cli, a_mistyped_command_gets_the_nearest_name_and_exit_2)
{
    static const char *const typos[][2] = {
        {"rnu", "run"},     {"rn", "run"},     {"chek", "check"},
        {"cheks", "check"}, {"fuz", "fuzz"},   {"fuzzz", "fuzz"},
        {"Run", "run"},     {"chec", "check"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(typos); i++) {
        struct outcome o = run_raftsim((const char *[]){typos[i][0], NULL});
        cr_assert_eq(o.status, 2, "%s", typos[i][0]);
        char *want = g_strdup_printf(
            "raftsim: unknown command '%s'; did you mean '%s'?\n",
            typos[i][0], typos[i][1]);
        cr_assert(g_str_has_prefix(o.err, want), "%s", o.err);
        cr_assert_str_eq(o.out, "");
        g_free(want);
        outcome_clear(&o);
    }
    /* Nothing near: no guess, the list of commands instead. */
    struct outcome o = run_raftsim((const char *[]){"zzzzzz", NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_null(strstr(o.err, "did you mean"));
    cr_assert_not_null(strstr(o.err, "Commands:"));
    outcome_clear(&o);
}

Test(cli, short_V_prints_the_version_like_long_version)
{
    struct outcome o = run_raftsim((const char *[]){"-V", NULL});
    cr_assert_eq(o.status, 0);
    cr_assert_str_eq(o.out, "raftsim " RAFTSIM_VERSION "\n");
    outcome_clear(&o);
}
