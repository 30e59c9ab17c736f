/* test_check_layers.c: the layer rule of docs/design.md (`make check-layers`,
 * tests/support/check-layers.sh) accepts the tree as it is and rejects an
 * include that points up or sideways, or a wall-clock read below the
 * program, naming the file and line.
 *
 * Invariant kept by these tests: the script runs on a scratch copy of the
 * sources (the .c and .h files of raft/, sim/, scenarios/lang/, viz/ and
 * tests/) into which one test plants one violation; the repository itself is
 * only read.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

static char *copy_dir;

/* Runs `sh -c script` in the repository; returns its exit status, with its
 * standard output and error in *out (g_free). */
static int shell(const char *script, char **out)
{
    const char *argv[] = {"sh", "-c", script, NULL};
    char *so = NULL;
    char *se = NULL;
    int wait = 0;
    GError *err = NULL;
    cr_assert(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH,
                           NULL, NULL, &so, &se, &wait, &err),
              "cannot run sh: %s", err ? err->message : "?");
    *out = g_strconcat(so, se, NULL);
    g_free(so);
    g_free(se);
    if (g_spawn_check_wait_status(wait, &err))
        return 0;
    int status = err->domain == G_SPAWN_EXIT_ERROR ? err->code : -1;
    g_error_free(err);
    return status;
}

static void make_copy(void)
{
    copy_dir = g_dir_make_tmp("raftsim-layers-XXXXXX", NULL);
    cr_assert_not_null(copy_dir);
    char *script = g_strdup_printf(
        "find raft sim scenarios/lang viz tests -type f -name '*.[ch]' "
        "| tar cf - -T - | tar xf - -C '%s'",
        copy_dir);
    char *out = NULL;
    cr_assert_eq(shell(script, &out), 0, "copying the sources: %s", out);
    g_free(out);
    g_free(script);
}

static void remove_copy(void)
{
    char *script = g_strdup_printf("rm -rf '%s'", copy_dir);
    char *out = NULL;
    shell(script, &out);
    g_free(out);
    g_free(script);
    g_free(copy_dir);
}

TestSuite(layers, .init = make_copy, .fini = remove_copy);

/* Appends `line` to the copy's `file`; returns the line number it got. */
static int plant(const char *file, const char *line)
{
    char *path = g_build_filename(copy_dir, file, NULL);
    char *text = NULL;
    cr_assert(g_file_get_contents(path, &text, NULL, NULL), "%s", path);
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    char *more = g_strconcat(text, line, "\n", NULL);
    cr_assert(g_file_set_contents(path, more, -1, NULL));
    g_free(more);
    g_free(text);
    g_free(path);
    return lines + 1;
}

/* Runs the rule on the copy; returns its exit status and output in *out. */
static int check_copy(char **out)
{
    char *script = g_strdup_printf("sh tests/support/check-layers.sh '%s'",
                                   copy_dir);
    int status = shell(script, out);
    g_free(script);
    return status;
}

/* The rule fails, and names file:line of the planted violation. */
static void assert_rejected(const char *file, int line, const char *why)
{
    char *out = NULL;
    cr_assert_eq(check_copy(&out), 1, "the rule passed: %s", out);
    char *where = g_strdup_printf("%s:%d: error: ", file, line);
    cr_assert(strstr(out, where) != NULL, "no \"%s\" in:\n%s", where, out);
    cr_assert(strstr(out, why) != NULL, "no \"%s\" in:\n%s", why, out);
    g_free(where);
    g_free(out);
}

Test(layers, the_tree_as_it_is_keeps_the_layers)
{
    char *out = NULL;
    cr_assert_eq(check_copy(&out), 0, "%s", out);
    cr_assert(strstr(out, "every include points down the graph") != NULL,
              "%s", out);
    g_free(out);
}

Test(layers, the_engine_including_the_language_is_an_upward_include)
{
    int line = plant("sim/sim_queue.c", "#include \"scenarios/lang/scn_ast.h\"");
    assert_rejected("sim/sim_queue.c", line,
                    "may not include \"scenarios/lang/scn_ast.h\"");
}

Test(layers, a_checker_including_the_engine_is_an_upward_include)
{
    int line = plant("sim/check/sim_lin.c", "#include \"sim/sim.h\"");
    assert_rejected("sim/check/sim_lin.c", line,
                    "may not include \"sim/sim.h\"");
}

Test(layers, the_pictures_including_the_language_is_a_sideways_include)
{
    int line = plant("viz/viz_log.c", "#include \"scenarios/lang/scn_run.h\"");
    assert_rejected("viz/viz_log.c", line,
                    "may not include \"scenarios/lang/scn_run.h\"");
}

Test(layers, the_pictures_read_the_trace_but_not_the_engine)
{
    int line = plant("viz/viz_log.c", "#include \"sim/sim.h\"");
    assert_rejected("viz/viz_log.c", line, "may not include \"sim/sim.h\"");
}

Test(layers, the_core_includes_nothing_outside_raft)
{
    int line = plant("raft/raft_log.c", "#include \"sim/sim_assert.h\"");
    assert_rejected("raft/raft_log.c", line, "raft/ includes \"sim/sim_assert.h\"");
}

Test(layers, only_the_program_reads_the_wall_clock)
{
    int line = plant("sim/sim_queue.c",
                     "static gint64 now(void) { return g_get_real_time(); }");
    assert_rejected("sim/sim_queue.c", line, "reads the wall clock");
}

Test(layers, the_program_may_include_every_layer_below_it)
{
    plant("sim/cli/raftsim_trace.c", "#include \"viz/viz.h\"");
    plant("sim/cli/raftsim_trace.c", "#include \"sim/check/sim_lin.h\"");
    plant("sim/cli/raftsim_trace.c", "#include \"scenarios/lang/scn_ast.h\"");
    char *out = NULL;
    cr_assert_eq(check_copy(&out), 0, "%s", out);
    g_free(out);
}

Test(layers, only_the_named_engine_step_tests_include_the_engines_private_header)
{
    plant("tests/test_sim_conduct_engine.c", "#include \"sim/sim_observe.h\"");
    int line = plant("tests/test_sim_conduct.c",
                     "#include \"sim/sim_internal.h\"");
    assert_rejected("tests/test_sim_conduct.c", line,
                    "may not include \"sim/sim_internal.h\"");
    char *out = NULL;
    check_copy(&out);
    cr_assert(strstr(out, "test_sim_conduct_engine.c") == NULL, "%s", out);
    g_free(out);
}
