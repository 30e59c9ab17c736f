/* test_raftsim_cli_frames.c: `raftsim run --frames`: every frame's header
 * shows the whole run's trace hash (not the hash of the events so far), and
 * `--window D` makes each timeline frame cover the last D of virtual time. */
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/wait.h>

#include "tests/support/tmp_tree.h"

static char *dir;

static void make_dir(void)
{
    dir = tmp_tree_make("frames-test-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(dir);
}

TestSuite(cli_frames, .init = make_dir, .fini = remove_dir);

/* Runs build/raftsim (beside the tests' directory) on a scenario of `text`
 * with the frames options; returns the exit status. */
static int run_frames(const char *name, const char *text, const char *window)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *tests = g_path_get_dirname(exe);
    char *build = g_path_get_dirname(tests);
    char *raftsim = g_build_filename(build, "raftsim", NULL);
    /* One file name for every run: pictures are titled by it. */
    char *sub = g_strdup_printf("%s/%s-scn", dir, name);
    cr_assert_eq(g_mkdir(sub, 0755), 0);
    char *scn = g_strdup_printf("%s/run.scn", sub);
    char *out = g_strdup_printf("%s/%s", dir, name);
    cr_assert(g_file_set_contents(scn, text, -1, NULL));
    const char *argv[] = {raftsim,
                          "run",
                          "--quiet",
                          scn,
                          "--frames",
                          out,
                          "--every",
                          "100ms",
                          window ? "--window" : NULL,
                          (char *)window,
                          NULL};
    int status = -1;
    cr_assert(g_spawn_sync(NULL, (char **)argv, NULL,
                           G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL,
                           &status, NULL));
    g_free(out);
    g_free(scn);
    g_free(sub);
    g_free(raftsim);
    g_free(build);
    g_free(tests);
    g_free(exe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static GBytes *frame(const char *name, const char *file)
{
    char *path = g_strdup_printf("%s/%s/%s", dir, name, file);
    char *data = NULL;
    gsize len = 0;
    cr_assert(g_file_get_contents(path, &data, &len, NULL), "no %s", path);
    g_free(path);
    return g_bytes_new_take(data, len);
}

#define BASE "cluster 3\nrun 1s\nat 400ms expect leader\n"

/* Two runs equal up to 400 ms and different after it (one more check at
 * 700 ms): their first frames show the same events, so only the hash in
 * their headers can tell them apart. */
Test(cli_frames, every_frame_header_shows_the_whole_runs_trace_hash)
{
    cr_assert_eq(run_frames("a", BASE, NULL), 0);
    cr_assert_eq(run_frames("b", BASE "at 700ms expect leader\n", NULL), 0);
    GBytes *a = frame("a", "timeline-000000.png");
    GBytes *b = frame("b", "timeline-000000.png");
    cr_assert_not(g_bytes_equal(a, b),
                  "frame 0 of two runs with different hashes is the same");
    g_bytes_unref(a);
    g_bytes_unref(b);
}

/* With --window, a frame is the last 200 ms: the frame at 1 s then shows
 * the same window as a whole picture of 800 ms..1 s, so frames of a long
 * run stay readable; and every frame has one size. */
Test(cli_frames, a_sliding_window_frame_shows_the_last_d_of_time)
{
    cr_assert_eq(run_frames("w", BASE, "200ms"), 0);
    cr_assert_eq(run_frames("whole", BASE, NULL), 0);
    GBytes *first = frame("w", "timeline-000000.png");
    GBytes *last = frame("w", "timeline-000010.png");
    GBytes *whole = frame("whole", "timeline-000010.png");
    /* PNG width and height: bytes 16..23 of the IHDR chunk. */
    const guint8 *f = g_bytes_get_data(first, NULL);
    const guint8 *l = g_bytes_get_data(last, NULL);
    cr_assert_arr_eq(f + 16, l + 16, 8, "frames differ in size");
    cr_assert_not(g_bytes_equal(last, whole),
                  "the window frame draws the whole run");
    g_bytes_unref(first);
    g_bytes_unref(last);
    g_bytes_unref(whole);
}

Test(cli_frames, window_without_frames_is_refused)
{
    char *exe = g_file_read_link("/proc/self/exe", NULL);
    char *tests = g_path_get_dirname(exe);
    char *build = g_path_get_dirname(tests);
    char *raftsim = g_build_filename(build, "raftsim", NULL);
    char *scn = g_strdup_printf("%s/plain.scn", dir);
    cr_assert(g_file_set_contents(scn, BASE, -1, NULL));
    const char *argv[] = {raftsim, "run", scn, "--window", "100ms", NULL};
    int status = -1;
    cr_assert(
        g_spawn_sync(NULL, (char **)argv, NULL,
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL));
    cr_assert_eq(WEXITSTATUS(status), 2);
    g_free(scn);
    g_free(raftsim);
    g_free(build);
    g_free(tests);
    g_free(exe);
}
