/* test_scn_shrink.c: `raftsim shrink` and scn_shrink reduce a failing scenario
 * to a much smaller one that fails with the same property, and write it
 * with a header that says what fails, where, when and how to replay it.
 *
 * In process, a scenario whose only failure is one `expect` among noise
 * shrinks to that statement. Through the command, a reproducer the fuzzer
 * finds for a mutant core (BUILD/mutants/figure8-commit-old-term/raftsim,
 * which counts replicas of earlier-term entries towards commitment) is
 * shrunk by `fuzz` itself and by `raftsim shrink`, to a file that the mutant
 * still fails with the same property and the correct core passes.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_shrink.h"
#include "scenarios/lang/scn_shrink_edit.h"
#include "tests/support/program.h"
#include "tests/support/scn_harness.h"
#include "tests/support/tmp_tree.h"

/* Shrinks `text` in this process into *r (the caller clears it); asserts
 * that it failed with `property` and still does. */
static void shrink_here(const char *text,
                        const char *property,
                        struct scn_shrink_result *r)
{
    struct scn_scenario *sc = sh_parse(text);
    struct scn_shrink_options o;
    scn_shrink_options_init(&o);
    o.isolate = false;
    cr_assert_eq(scn_shrink(sc, &o, r), SCN_OK);
    cr_assert_str_eq(r->original.property, property);
    cr_assert_str_eq(r->outcome.property, property);
    scn_scenario_free(sc);
}

/* Twelve statements; only the expect at 2s fails (nothing completes 99
 * requests), so the failure needs that one statement. */
static const char *noisy_check =
    "cluster 3\nseed 4\nrun 3s\ndelay 1ms 5ms\n"
    "at 100ms timeout n1\n"
    "at 200ms client set a 1\n"
    "at 300ms pause n2 for 50ms\n"
    "at 400ms client set b 2\n"
    "at 500ms set drop 0.1\n"
    "at 600ms client get a\n"
    "at 700ms load 20/s for 400ms\n"
    "at 1s set drop 0\n"
    "at 1200ms crash n3\n"
    "at 1500ms restart n3\n"
    "at 2s expect completed == 99\n"
    "at 2500ms client set c 3\n";

Test(scn_shrink, a_failure_shrinks_to_the_statements_it_needs)
{
    struct scn_shrink_result r;
    shrink_here(noisy_check, "check", &r);
    cr_assert_eq(r.steps_before, 12);
    cr_assert_eq(r.steps_after, 1, "%u statements left", r.steps_after);
    cr_assert_eq(r.nodes_after, 1, "%u nodes left", r.nodes_after);
    /* The run ends just after the failure at 2s. */
    cr_assert_leq(r.scenario->run_us, 2100000);
    cr_assert_eq(r.outcome.time_us, 2000000);

    /* The written file parses back and fails the same way. */
    GString *text = g_string_new(NULL);
    scn_shrink_write(&r, "t.scn", "t.min.scn", text);
    cr_assert_not_null(strstr(text->str, "# Fails:  check: expected "), "%s",
                       text->str);
    cr_assert_not_null(strstr(text->str, "# When:   at 2.000s"), "%s",
                       text->str);
    cr_assert_not_null(strstr(text->str, "raftsim run t.min.scn"), "%s",
                       text->str);
    struct scn_scenario *back = sh_parse(text->str);
    struct scn_outcome again = {0};
    cr_assert_eq(scn_outcome_run(back, 0, &again), SCN_OK);
    cr_assert(scn_outcome_fails_with(&again, "check"));
    cr_assert_str_eq(again.detail, r.outcome.detail);
    cr_assert_eq(again.time_us, r.outcome.time_us);
    scn_outcome_clear(&again);
    scn_scenario_free(back);
    g_string_free(text, TRUE);
    scn_shrink_result_clear(&r);
}

/* 24 requests alternating between n1 and n2, and a check that fails once
 * 20 have completed: the failure needs the number of requests, not which. */
static char *many_requests(void)
{
    GString *t = g_string_new("cluster 3\nseed 9\nrun 3s\n");
    for (int i = 0; i < 24; i++)
        g_string_append_printf(t, "at %dms client set a%d %d via n%d\n",
                               1000 + 5 * i, i, i, 1 + i % 2);
    g_string_append(t, "at 2s expect completed < 20\n");
    return g_string_free(t, FALSE);
}

Test(scn_shrink, interleaved_requests_through_one_node_merge_into_one_load)
{
    char *text = many_requests();
    struct scn_shrink_result r;
    shrink_here(text, "check", &r);
    cr_assert_eq(r.steps_before, 25);
    /* One `load N writes` through each node, and the check. */
    cr_assert_eq(r.steps_after, 3, "%u statements left", r.steps_after);
    uint64_t writes = 0;
    for (guint i = 0; i < r.scenario->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(r.scenario->steps, i);
        if (st->action.kind == SCN_ACT_EXPECT)
            continue;
        cr_assert_eq(st->action.kind, SCN_ACT_LOAD);
        cr_assert_gt(st->action.count, 0);
        writes += st->action.count;
    }
    cr_assert_geq(writes, 20);
    cr_assert_eq(r.nodes_after, 2);
    scn_shrink_result_clear(&r);
    g_free(text);
}

/* A node left holding a configuration that names it a voter, while the
 * leaders no longer send to it, campaigns; only PreVote or CheckQuorum
 * keep it from deposing leaders (thesis §4.2.3). The generator changes the
 * membership only with one of them on, and the shrinker may not turn off
 * the last one, or the shrunk file would fail `settle` for its own reason. */
Test(scn_shrink, keeps_prevote_or_checkquorum_while_the_membership_changes)
{
    struct scn_scenario *sc = sh_parse("cluster 3 spare 1\nprevote on\n"
                                         "at 1s add n4\nat 2s settle\n");
    cr_assert_not(scn_edit_simplify_header(sc, SCN_EDIT_PREVOTE_OFF));
    cr_assert(sc->prevote);
    cr_assert_not(scn_edit_simplify_header(sc, SCN_EDIT_CHECKQUORUM_OFF));
    scn_scenario_free(sc);

    /* Both on: either may go, not both. */
    sc = sh_parse("cluster 3\nprevote on\ncheckquorum on\n"
                    "at 1s remove n3\nat 2s settle\n");
    cr_assert(scn_edit_simplify_header(sc, SCN_EDIT_PREVOTE_OFF));
    cr_assert_not(scn_edit_simplify_header(sc, SCN_EDIT_CHECKQUORUM_OFF));
    cr_assert(sc->checkquorum);
    scn_scenario_free(sc);

    /* Without a membership change, both may go. */
    sc = sh_parse("cluster 3\nprevote on\ncheckquorum on\n"
                    "at 1s crash n3\nat 2s settle\n");
    cr_assert(scn_edit_simplify_header(sc, SCN_EDIT_PREVOTE_OFF));
    cr_assert(scn_edit_simplify_header(sc, SCN_EDIT_CHECKQUORUM_OFF));
    scn_scenario_free(sc);
}

/* A liveness failure found at the end of a long run rarely needs all of
 * its faulty part: the final settle moves to the new instant, the
 * statements from that instant on go, and the phase keeps its length. */
Test(scn_shrink, an_earlier_settle_drops_the_tail_of_the_faulty_part)
{
    struct scn_scenario *sc = sh_parse("cluster 3\nrun 14s\n"
                                       "at 1s crash n3\n"
                                       "at 4s restart n3\n"
                                       "at 5s pause n1 for 1s\n"
                                       "at 9s client set a 1\n"
                                       "at 10s settle within 4s\n");
    cr_assert_eq(scn_edit_settle_time(sc), 10000000);
    cr_assert(scn_edit_settle_at(sc, 5000000));
    cr_assert_eq(sc->steps->len, 3);
    cr_assert_eq(scn_edit_settle_time(sc), 5000000);
    cr_assert_eq(sc->run_us, 9000000);
    /* Not later than where it is, and not without a final settle. */
    cr_assert_not(scn_edit_settle_at(sc, 6000000));
    scn_scenario_free(sc);
    sc = sh_parse("cluster 3\nrun 3s\nat 1s settle\nat 2s crash n3\n");
    cr_assert_eq(scn_edit_settle_time(sc), 0);
    cr_assert_not(scn_edit_settle_at(sc, 500000));
    scn_scenario_free(sc);
}

/* A class goes as a whole, and only it: crashes with their restarts, a
 * triggered crash with the triggered statements only, settle never. */
Test(scn_shrink, a_class_of_statements_is_deleted_as_a_whole)
{
    struct scn_scenario *sc =
        sh_parse("cluster 3\nrun 3s\n"
                 "at 100ms crash n3\n"
                 "at 200ms cut n1 -> n2\n"
                 "at 300ms restart n3\n"
                 "at 400ms when n2 grants-vote crash n2\n"
                 "at 400ms when n2 grants-vote restart n2\n"
                 "at 500ms heal\n"
                 "at 1s settle\n");
    cr_assert(scn_edit_delete_class(sc, SCN_EDIT_CLASS_CRASHES));
    cr_assert_eq(sc->steps->len, 5);
    cr_assert_not(scn_edit_delete_class(sc, SCN_EDIT_CLASS_CRASHES));
    cr_assert(scn_edit_delete_class(sc, SCN_EDIT_CLASS_TRIGGERED));
    cr_assert_eq(sc->steps->len, 3);
    cr_assert(scn_edit_delete_class(sc, SCN_EDIT_CLASS_LINKS));
    cr_assert_eq(sc->steps->len, 1);
    for (int c = 0; c < SCN_EDIT_CLASS_COUNT; c++)
        cr_assert_not(scn_edit_delete_class(sc, (enum scn_edit_class)c));
    cr_assert_eq(scn_edit_settle_time(sc), 1000000);
    scn_scenario_free(sc);
}

/* The first failure is the crash of a crashed n2 at 4s; deleting the first
 * two statements would fail sooner, and smaller, on `restart n3` of a live
 * node: another action, so another failure, which the search must not
 * take for this one. */
static const char *crash_of_crashed =
    "cluster 3\nrun 5s\n"
    "at 1s crash n2\n"
    "at 2s crash n3\n"
    "at 3s restart n3\n"
    "at 4s crash n2\n";

Test(scn_shrink, an_action_failure_keeps_its_message)
{
    struct scn_shrink_result r;
    shrink_here(crash_of_crashed, "action", &r);
    char *want = g_strdup_printf("crash: %s", sim_strerror(SIM_ENOTALIVE));
    cr_assert_str_eq(r.original.detail, want);
    cr_assert_str_eq(r.outcome.detail, want);
    cr_assert_eq(r.steps_after, 2, "%u statements left", r.steps_after);
    g_free(want);
    scn_shrink_result_clear(&r);
}

Test(scn_shrink, a_passing_scenario_is_not_shrunk)
{
    struct scn_scenario *sc =
        sh_parse("cluster 3\nrun 1s\nat 500ms expect leader\n");
    struct scn_shrink_result r;
    struct scn_shrink_options o;
    scn_shrink_options_init(&o);
    o.isolate = false;
    cr_assert_eq(scn_shrink(sc, &o, &r), SCN_EINVAL);
    cr_assert(r.original.passed);
    cr_assert_null(r.scenario);
    scn_shrink_result_clear(&r);
    scn_scenario_free(sc);
}

Test(scn_shrink, the_budget_bounds_the_candidate_runs)
{
    struct scn_scenario *sc = sh_parse(noisy_check);
    struct scn_shrink_options o;
    scn_shrink_options_init(&o);
    o.isolate = true;
    o.max_runs = 3;
    struct scn_shrink_result r;
    cr_assert_eq(scn_shrink(sc, &o, &r), SCN_OK);
    /* The passes make two runs; the third is kept for confirming that
     * dropping default headers changed nothing (here there are none). */
    cr_assert_eq(r.runs, 2);
    cr_assert(r.out_of_runs);
    /* Whatever it got to still fails the same way. */
    cr_assert_str_eq(r.outcome.property, "check");
    scn_shrink_result_clear(&r);
    scn_scenario_free(sc);
}

Test(scn_shrink, output_name_sits_next_to_the_input)
{
    char *a = scn_shrink_output_name("dir/fuzz-7.scn");
    char *b = scn_shrink_output_name("plain");
    cr_assert_str_eq(a, "dir/fuzz-7.min.scn");
    cr_assert_str_eq(b, "plain.min.scn");
    g_free(a);
    g_free(b);
}

/* ---- the command --------------------------------------------------------- */

static char *tmp_dir;

static void make_dir(void)
{
    tmp_dir = tmp_tree_make("raftsim-shrink-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(tmp_dir);
}

TestSuite(shrink_command, .init = make_dir, .fini = remove_dir, .timeout = 300);

/* Timed statements in a scenario file. */
static unsigned count_statements(const char *text)
{
    unsigned n = 0;
    char **lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++)
        n += g_str_has_prefix(lines[i], "at ") ||
             g_str_has_prefix(lines[i], "during ");
    g_strfreev(lines);
    return n;
}

/* The mutant core that commits earlier-term entries by counting replicas,
 * and a seed range known to hold such a violation (the range test_scn_fuzz.c
 * uses). */
#define FIGURE8_MUTANT "mutants/figure8-commit-old-term/raftsim"

/* Fuzzes the mutant until its first failure, shrinking it as `fuzz` does by
 * default; returns the full reproducer's path. */
static char *mutant_failure(void)
{
    struct program_outcome o = program_run(
        FIGURE8_MUTANT,
        (const char *[]){"fuzz", "--seed-from", "2420", "--seeds", "100",
                         "--time", "5s", "--faults", "cut", "--jobs", "2",
                         "--max-failures", "1", "--shrink-budget", "800",
                         "--quiet", "--out", tmp_dir, NULL});
    cr_assert_eq(o.status, 1, "%s%s", o.out, o.err);
    const char *at = strstr(o.out, "reproducer: ");
    cr_assert_not_null(at, "%s", o.out);
    at += strlen("reproducer: ");
    char *path = g_strndup(at, strcspn(at, " \n"));
    program_outcome_clear(&o);
    return path;
}

/* The shrunk file at `min` (borrowed) is much smaller than `full`, says
 * what fails, and the mutant still fails it with leader-completeness while
 * the correct core passes it. */
static void assert_shrunk_alike(const char *full_path, const char *min)
{
    char *full = NULL, *small = NULL;
    cr_assert(g_file_get_contents(full_path, &full, NULL, NULL));
    cr_assert(g_file_get_contents(min, &small, NULL, NULL), "%s", min);
    unsigned before = count_statements(full), after = count_statements(small);
    cr_assert_leq(after * 5, before, "%u -> %u statements:\n%s", before, after,
                  small);
    cr_assert_not_null(strstr(small, "# Fails:  leader-completeness: "), "%s",
                       small);
    cr_assert_not_null(strstr(small, "# Where:  n"), "%s", small);
    cr_assert_not_null(strstr(small, "# When:   at "), "%s", small);
    struct program_outcome b = program_run(
        FIGURE8_MUTANT, (const char *[]){"run", "--quiet", min, NULL});
    cr_assert_eq(b.status, 1, "%s", b.out);
    cr_assert_not_null(strstr(b.out, "safety violation: leader-completeness: "),
                       "%s", b.out);
    struct program_outcome c =
        program_run("raftsim", (const char *[]){"run", "--quiet", min, NULL});
    cr_assert_eq(c.status, 0, "%s", c.out);
    program_outcome_clear(&c);
    program_outcome_clear(&b);
    g_free(full);
    g_free(small);
}

Test(shrink_command, fuzz_shrinks_a_failure_by_default_and_shrink_agrees)
{
    char *file = mutant_failure();
    char *min = scn_shrink_output_name(file);
    assert_shrunk_alike(file, min);

    /* `raftsim shrink` on the same reproducer and budget writes a file
     * that fails alike too. */
    char *again = g_build_filename(tmp_dir, "again.min.scn", NULL);
    struct program_outcome s = program_run(
        FIGURE8_MUTANT, (const char *[]){"shrink", "--budget", "800", "--out",
                                         again, file, NULL});
    cr_assert_eq(s.status, 0, "%s%s", s.out, s.err);
    cr_assert_not_null(strstr(s.out, "replay: raftsim run "), "%s", s.out);
    assert_shrunk_alike(file, again);
    program_outcome_clear(&s);
    g_free(again);
    g_free(min);
    g_free(file);
}

Test(shrink_command, a_passing_file_exits_1_and_bad_arguments_exit_2)
{
    char *file = g_build_filename(tmp_dir, "pass.scn", NULL);
    cr_assert(g_file_set_contents(file, "cluster 3\nrun 1s\n", -1, NULL));
    struct program_outcome p =
        program_run("raftsim", (const char *[]){"shrink", file, NULL});
    cr_assert_eq(p.status, 1, "%s%s", p.out, p.err);
    cr_assert_not_null(strstr(p.out, "passes"), "%s", p.out);
    char *min = scn_shrink_output_name(file);
    cr_assert_not(g_file_test(min, G_FILE_TEST_EXISTS));

    const char *const bad[][4] = {
        {"shrink", NULL},
        {"shrink", "--budget", "0", NULL},
        {"shrink", "--budget", "x", NULL},
        {"shrink", "/nonexistent/x.scn", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        struct program_outcome o = program_run("raftsim", bad[i]);
        cr_assert_eq(o.status, 2, "case %zu: %s%s", i, o.out, o.err);
        program_outcome_clear(&o);
    }
    program_outcome_clear(&p);
    g_free(min);
    g_free(file);
}

/* Fuzzes the mutant's known range (two Figure 8 failures, seeds 1044 and
 * 1128: the range test_scn_fuzz.c uses) into tmp_dir/SUB with a small shrink budget and the extra
 * arguments; returns the output and sets *dir (g_free). */
static struct program_outcome fuzz_range_into(const char *sub,
                                              const char *per_property,
                                              char **dir)
{
    *dir = g_build_filename(tmp_dir, sub, NULL);
    const char *args[] = {"fuzz",    "--seed-from", "1040",
                          "--seeds", "100",         "--time",
                          "5s",      "--faults",    "cut",
                          "--jobs",  "2",           "--shrink-budget",
                          "20",      "--quiet",     "--out",
                          *dir,      NULL,          NULL,
                          NULL};
    if (per_property) {
        args[16] = "--shrink-per-property";
        args[17] = per_property;
    }
    struct program_outcome o = program_run(FIGURE8_MUTANT, args);
    cr_assert_eq(o.status, 1, "%s%s", o.out, o.err);
    return o;
}

static bool exists_in(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    bool yes = g_file_test(p, G_FILE_TEST_IS_REGULAR);
    g_free(p);
    return yes;
}

Test(shrink_command, fuzz_shrinks_a_bounded_number_per_property_and_names_the_smallest)
{
    /* One per property: only the first failure in seed order is shrunk,
     * and there is nothing to compare it with. */
    char *one_dir = NULL;
    struct program_outcome one = fuzz_range_into("one", "1", &one_dir);
    cr_assert(exists_in(one_dir, "fuzz-1044.scn"), "%s", one.out);
    cr_assert(exists_in(one_dir, "fuzz-1128.scn"), "%s", one.out);
    cr_assert(exists_in(one_dir, "fuzz-1044.min.scn"), "%s", one.out);
    cr_assert_not(exists_in(one_dir, "fuzz-1128.min.scn"), "%s", one.out);
    cr_assert_null(strstr(one.out, "shrink: smallest"), "%s", one.out);

    /* By default both are shrunk and the smallest is named, with the
     * other's size; the count is that file's statements. */
    char *all_dir = NULL;
    struct program_outcome all = fuzz_range_into("all", NULL, &all_dir);
    cr_assert(exists_in(all_dir, "fuzz-1044.min.scn"), "%s", all.out);
    cr_assert(exists_in(all_dir, "fuzz-1128.min.scn"), "%s", all.out);
    char *prefix = g_strdup_printf(
        "shrink: smallest leader-completeness reproducer: %s/fuzz-", all_dir);
    const char *line = strstr(all.out, prefix);
    cr_assert_not_null(line, "%s", all.out);
    char seed[8] = {0}, other[8] = {0};
    unsigned size = 0, other_size = 0;
    cr_assert_eq(sscanf(line + strlen(prefix),
                        "%7[0-9].min.scn, %u statements (also fuzz-%7[0-9]"
                        ".min.scn %u)",
                        seed, &size, other, &other_size),
                 4, "%s", line);
    cr_assert_leq(size, other_size);
    cr_assert_str_neq(seed, other);
    char *base = g_strdup_printf("fuzz-%s.min.scn", seed);
    char *path = g_build_filename(all_dir, base, NULL);
    char *text = NULL;
    cr_assert(g_file_get_contents(path, &text, NULL, NULL));
    unsigned statements = 0;
    char **lines = g_strsplit(text, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        const char *l = lines[i] + strspn(lines[i], " \t");
        statements += *l != '\0' && *l != '#';
    }
    cr_assert_eq(statements, size, "%s", text);
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    g_free(base);
    g_free(prefix);
    program_outcome_clear(&all);
    program_outcome_clear(&one);
    g_free(all_dir);
    g_free(one_dir);
}
