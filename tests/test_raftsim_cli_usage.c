/* test_raftsim_cli_usage.c: the command line as its users meet it: --color and
 * NO_COLOR, scenarios from standard input, `check DIR`, `validate`, and
 * the wording of counts.
 *
 * Invariant kept by these tests: they run the built binary (BUILD/raftsim)
 * through tests/support/program.[ch], with pipes for stdout and stderr (so
 * never a terminal), on files written into a fresh temporary directory,
 * and compare exact text.
 */
#define _XOPEN_SOURCE 600

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/raftsim_cli.h"
#include "sim/sim_time_text.h"
#include "tests/support/program.h"
#include "tests/support/tmp_tree.h"

#define GREEN "\033[32m"
#define RED "\033[31m"
#define RESET "\033[0m"

static char *tmp_dir;

static void make_dir(void)
{
    tmp_dir = tmp_tree_make("raftsim-usage-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(tmp_dir);
}

TestSuite(cli_usage, .init = make_dir, .fini = remove_dir);

#define PASSING                               \
    "cluster 3\nrun 1s\nat 10ms timeout n1\n" \
    "at 100ms client set x 1 via n1\nat 1s expect leader in n1\n"
#define FAILING \
    "cluster 3\nrun 1s\nat 10ms timeout n1\nat 1s expect term == 4\n"

/* ---- colour ------------------------------------------------------------- */

/* Runs `raftsim run --quiet FILE` with the extra option `opt` (NULL: none)
 * and the environment change `env` (NULL: none; see program_run_with). */
static struct program_outcome run_quiet(const char *file,
                                        const char *opt,
                                        const char *env)
{
    const char *args[] = {"run", "--quiet", file, opt, NULL};
    const char *envs[] = {env, NULL};
    return program_run_with("raftsim", args, env ? envs : NULL, NULL);
}

Test(cli_usage, color_always_colours_the_verdict_even_off_a_terminal)
{
    char *pass = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    char *fail = tmp_tree_write(tmp_dir, "f.scn", FAILING);
    struct program_outcome o = run_quiet(pass, "--color=always", "NO_COLOR");
    cr_assert_eq(o.status, 0);
    char *want = g_strdup_printf(GREEN "PASS" RESET " %s\n", pass);
    cr_assert_str_eq(o.out, want);
    g_free(want);
    program_outcome_clear(&o);

    o = run_quiet(fail, "--color=always", "NO_COLOR");
    cr_assert_eq(o.status, 1);
    cr_assert(g_str_has_prefix(o.out, RED "FAIL" RESET " "), "%s", o.out);
    program_outcome_clear(&o);

    /* An explicit --color=always wins over NO_COLOR, as no-color.org asks. */
    o = run_quiet(pass, "--color=always", "NO_COLOR=1");
    cr_assert(g_str_has_prefix(o.out, GREEN "PASS"), "%s", o.out);
    program_outcome_clear(&o);
    g_free(pass);
    g_free(fail);
}

Test(cli_usage, color_never_and_auto_off_a_terminal_print_no_escape)
{
    char *pass = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    const char *opts[] = {"--color=never", "--color=auto", NULL};
    for (size_t i = 0; i < G_N_ELEMENTS(opts); i++) {
        struct program_outcome o = run_quiet(pass, opts[i], "NO_COLOR");
        char *want = g_strdup_printf("PASS %s\n", pass);
        cr_assert_str_eq(o.out, want, "%s", opts[i] ? opts[i] : "default");
        g_free(want);
        program_outcome_clear(&o);
    }
    g_free(pass);
}

Test(cli_usage, color_applies_to_check_and_fuzz_status_words)
{
    char *pass = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    char *fail = tmp_tree_write(tmp_dir, "f.scn", FAILING);
    struct program_outcome o = program_run(
        "raftsim",
        (const char *[]){"check", "--color=always", pass, fail, NULL});
    cr_assert_eq(o.status, 1);
    char *want = g_strdup_printf(GREEN "PASS" RESET " %s\n", pass);
    cr_assert(g_str_has_prefix(o.out, want), "%s", o.out);
    cr_assert_not_null(strstr(o.out, RED "FAIL" RESET " "), "%s", o.out);
    g_free(want);
    program_outcome_clear(&o);

    char *out = g_build_filename(tmp_dir, "found", NULL);
    o = program_run("raftsim",
                    (const char *[]){"fuzz", "--color=always", "--seeds", "1",
                                     "--time", "1s", "--out", out, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_not_null(strstr(o.out, "\n" GREEN "PASS" RESET " 1 seed run"),
                       "%s", o.out);
    program_outcome_clear(&o);
    g_free(out);
    g_free(pass);
    g_free(fail);
}

/* On a terminal (a pseudo-terminal here), auto colours unless NO_COLOR is
 * set to something: an empty NO_COLOR counts as unset (no-color.org).
 * Each Criterion test runs in its own process, so setenv stays here. */
Test(cli_usage, no_color_counts_only_when_set_to_something)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(master, 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    FILE *tty = fopen(ptsname(master), "w");
    cr_assert_not_null(tty);
    setenv("TERM", "xterm", 1);

    unsetenv("NO_COLOR");
    cr_assert(raftsim_use_color(tty));
    setenv("NO_COLOR", "", 1);
    cr_assert(raftsim_use_color(tty), "an empty NO_COLOR must not count");
    setenv("NO_COLOR", "1", 1);
    cr_assert_not(raftsim_use_color(tty));
    /* Off a terminal, auto never colours. */
    unsetenv("NO_COLOR");
    FILE *file = tmpfile();
    cr_assert_not(raftsim_use_color(file));

    fclose(file);
    fclose(tty);
    close(master);
}

Test(cli_usage, a_bad_color_value_exits_2_naming_the_choices)
{
    char *pass = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    struct program_outcome o = run_quiet(pass, "--color=sometimes", NULL);
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    cr_assert_str_eq(o.err,
                     "raftsim run: --color: expected auto, always or "
                     "never, not 'sometimes'\n");
    program_outcome_clear(&o);
    g_free(pass);
}

/* ---- standard input ----------------------------------------------------- */

Test(cli_usage, run_dash_reads_the_scenario_from_stdin)
{
    char *pass = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    struct program_outcome o = program_run_with(
        "raftsim", (const char *[]){"run", "--quiet", "-", NULL}, NULL, pass);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_str_eq(o.out, "PASS <stdin>\n");
    program_outcome_clear(&o);
    g_free(pass);
}

Test(cli_usage, errors_in_a_scenario_from_stdin_name_stdin_line_and_column)
{
    char *bad =
        tmp_tree_write(tmp_dir, "b.scn", "cluster 3\nrun 2s\nat 1s crash n9\n");
    struct program_outcome o = program_run_with(
        "raftsim", (const char *[]){"run", "-", NULL}, NULL, bad);
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    cr_assert(g_str_has_prefix(o.err,
                               "<stdin>:3:13: error: node 'n9' is "
                               "out of range"),
              "%s", o.err);
    program_outcome_clear(&o);
    g_free(bad);
}

/* ---- check DIR ---------------------------------------------------------- */

Test(cli_usage, check_dir_runs_every_scn_under_it_sorted_by_path)
{
    char *a = tmp_tree_write(tmp_dir, "lib/b.scn", PASSING);
    char *b = tmp_tree_write(tmp_dir, "lib/a/z.scn", PASSING);
    char *c = tmp_tree_write(tmp_dir, "lib/a-c.scn", PASSING);
    char *d = tmp_tree_write(tmp_dir, "lib/notes.txt", "not a scenario\n");
    char *lib = g_build_filename(tmp_dir, "lib", NULL);
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"check", lib, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    /* Byte order of the paths: '-' sorts before '/'. */
    char *want = g_strdup_printf(
        "PASS %s\nPASS %s\nPASS %s\n3 passed, 0 failed", c, b, a);
    cr_assert(g_str_has_prefix(o.out, want), "%s", o.out);
    g_free(want);
    program_outcome_clear(&o);
    g_free(lib);
    g_free(a);
    g_free(b);
    g_free(c);
    g_free(d);
}

Test(cli_usage, check_of_a_dir_without_scn_files_exits_2)
{
    char *d = tmp_tree_write(tmp_dir, "empty/notes.txt", "nothing\n");
    char *dir = g_build_filename(tmp_dir, "empty", NULL);
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"check", dir, NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_str_eq(o.out, "");
    char *want = g_strdup_printf(
        "raftsim check: %s: no .scn file in this directory or below it\n", dir);
    cr_assert_str_eq(o.err, want);
    g_free(want);
    program_outcome_clear(&o);
    g_free(dir);
    g_free(d);
}

/* ---- validate ----------------------------------------------------------- */

Test(cli_usage, validate_reports_each_files_errors_and_exits_2)
{
    char *good = tmp_tree_write(tmp_dir, "good.scn", PASSING);
    char *bad = tmp_tree_write(tmp_dir, "bad.scn",
                               "cluster 3\nprevote yes\nrun 2s\n"
                               "at 1s .. 2s expect leader\n");
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"validate", good, bad, NULL});
    cr_assert_eq(o.status, 2);
    char *out = g_strdup_printf("%s: valid, 3 nodes, 3 statements\n", good);
    cr_assert_str_eq(o.out, out);
    char *err = g_strdup_printf(
        "%s:2:9: error: 'prevote' is either 'on' or 'off', not 'yes'\n"
        "%s:4:4: error: a window has no spaces: write 'at 1s..2s'\n",
        bad, bad);
    cr_assert_str_eq(o.err, err);
    g_free(out);
    g_free(err);
    program_outcome_clear(&o);

    o = program_run("raftsim", (const char *[]){"validate", good, NULL});
    cr_assert_eq(o.status, 0);
    program_outcome_clear(&o);
    g_free(good);
    g_free(bad);
}

Test(cli_usage, validate_print_writes_the_canonical_form)
{
    char *f = tmp_tree_write(tmp_dir, "x.scn",
                             "# a comment\ncluster   3\nseed 7\n"
                             "at 1.5s   crash n2  # why\n"
                             "at 1500ms..2s expect value \"a b\" "
                             "= 1 on all\n");
    struct program_outcome o = program_run_with(
        "raftsim", (const char *[]){"validate", "--print", "-", NULL}, NULL, f);
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_str_eq(o.out,
                     "cluster 3\nseed 7\nat 1500ms crash n2\n"
                     "at 1500ms..2s expect value \"a b\" = 1 on all\n");
    program_outcome_clear(&o);

    /* The canonical form parses back and prints the same bytes. */
    char *canonical = tmp_tree_write(tmp_dir, "canonical.scn",
                                     "cluster 3\nseed 7\n"
                                     "at 1500ms crash n2\n");
    o = program_run("raftsim",
                    (const char *[]){"validate", "-p", canonical, NULL});
    cr_assert_str_eq(o.out, "cluster 3\nseed 7\nat 1500ms crash n2\n");
    program_outcome_clear(&o);
    g_free(canonical);
    g_free(f);
}

/* ---- counts ------------------------------------------------------------- */

Test(cli_usage, counts_of_one_are_singular_in_the_run_report)
{
    char *f = tmp_tree_write(tmp_dir, "one.scn",
                             "cluster 1\nrun 1s\nat 10ms timeout n1\n"
                             "at 100ms client set x 1\n"
                             "at 1s expect value x = 1 on all\n");
    struct program_outcome o =
        program_run("raftsim", (const char *[]){"run", f, NULL});
    cr_assert_eq(o.status, 0, "%s%s", o.out, o.err);
    char *head = g_strdup_printf("%s: seed 1, 1 node\n", f);
    cr_assert_not_null(strstr(o.out, head), "%s", o.out);
    cr_assert_not_null(strstr(o.out,
                              "  2 entries committed, 1 client command "
                              "applied;"),
                       "%s", o.out);
    cr_assert_not_null(strstr(o.out, "  1 request, 1 completed;"), "%s", o.out);
    cr_assert_not_null(strstr(o.out, "Linearizability ok (1 operation)\n"),
                       "%s", o.out);
    g_free(head);
    program_outcome_clear(&o);
    g_free(f);
}

Test(cli_usage, counts_of_one_are_singular_in_fuzz_and_budget_messages)
{
    char *out = g_build_filename(tmp_dir, "found", NULL);
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "1", "--nodes", "1",
                                    "--time", "1s", "--out", out, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(g_str_has_prefix(o.out,
                               "fuzz: seeds 1..1 (1 to run), 1 node, "
                               "1s each, 1 job\n"),
              "%s", o.out);
    cr_assert_not_null(strstr(o.out, "PASS 1 seed run, 1 passed"), "%s", o.out);
    program_outcome_clear(&o);
    g_free(out);

    char *f = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    o = program_run("raftsim", (const char *[]){"run", "--quiet", f,
                                                "--max-events", "1", NULL});
    cr_assert_eq(o.status, 3);
    cr_assert_not_null(strstr(o.err, "its budget of 1 event (raise it"), "%s",
                       o.err);
    program_outcome_clear(&o);
    g_free(f);
}

/* ---- attached option values --------------------------------------------- */

/* A short option's value may be attached, as the help's "-j, --jobs=N"
 * promises and as other commands accept: "-j2" is -j 2 for every command
 * that parses with raftsim_options_parse, and an attached value reaches the
 * option as a separate one would. */
Test(cli_usage, a_short_option_takes_an_attached_value)
{
    char *out = g_build_filename(tmp_dir, "found", NULL);
    char *out_opt = g_strconcat("-o", out, NULL);
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "-j2", "-n3", "--seeds", "2",
                                    "--time", "1s", out_opt, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert(g_str_has_prefix(o.out, "fuzz: seeds 1..2 (2 to run), 3 nodes, "
                                      "1s each, 2 jobs\n"),
              "%s", o.out);
    program_outcome_clear(&o);
    g_free(out_opt);
    g_free(out);

    char *f = tmp_tree_write(tmp_dir, "p.scn", PASSING);
    o = program_run("raftsim", (const char *[]){"check", "-j2", "-s7", f, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_not_null(strstr(o.out, "1 passed, 0 failed"), "%s", o.out);
    program_outcome_clear(&o);

    /* The trace's header names the seed the attached value gave. */
    o = program_run("raftsim",
                    (const char *[]){"run", "-q", "-s7", "-t-", f, NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    cr_assert_not_null(strstr(o.out, "\"seed\":7"), "%.300s", o.out);
    program_outcome_clear(&o);

    /* A value that looks like an option stays the value of the one before. */
    o = program_run("raftsim", (const char *[]){"check", "--seed", "-j2", f,
                                                NULL});
    cr_assert_eq(o.status, 2);
    cr_assert_not_null(strstr(o.err, "-j2"), "%s", o.err);
    program_outcome_clear(&o);
    g_free(f);
}

/* ---- time formats -------------------------------------------------------- */

/* Every time a report prints for reading (an instant, a latency, wall
 * time) has one format: seconds, to the millisecond when that is exact,
 * else to the microsecond, never rounded. */
Test(cli_usage, times_for_reading_print_in_one_format)
{
    static const struct
    {
        uint64_t us;
        const char *text;
    } cases[] = {
        {0, "0.000s"},         {850, "0.000850s"},    {999, "0.000999s"},
        {1000, "0.001s"},      {27149, "0.027149s"},  {999999, "0.999999s"},
        {1000000, "1.000s"},   {1250000, "1.250s"},   {4620000, "4.620s"},
        {600000000, "600.000s"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        GString *out = g_string_new(NULL);
        sim_time_text_human(out, cases[i].us);
        cr_expect_str_eq(out->str, cases[i].text);
        g_string_free(out, TRUE);
    }
}
