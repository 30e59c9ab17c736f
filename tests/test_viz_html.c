/* test_viz_html.c: the replay page is one self-contained file: the viewer
 * inlined from the embedded resources, the run embedded as JSON that no
 * event text can break out of (viz/viz_html.c). What the page shows in a
 * browser is tested by tests/browser/. */
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "viz/viz.h"

static char *write_page(const struct sim_trace_event *events, size_t n)
{
    struct viz_run run = {
        .title = "a <b>title</b>",
        .seed = 3,
        .trace_hash = 0xfeedface12345678ull,
        .n_nodes = 3,
        .end_us = 1000,
        .events = events,
        .n_events = n,
        .file_name = "x.scn",
    };
    char *dir = g_dir_make_tmp("viz-html-XXXXXX", NULL);
    cr_assert_not_null(dir);
    char *path = g_build_filename(dir, "page.html", NULL);
    cr_assert_eq(viz_html_write(&run, path), VIZ_OK);
    char *text = NULL;
    cr_assert(g_file_get_contents(path, &text, NULL, NULL));
    g_unlink(path);
    g_rmdir(dir);
    g_free(path);
    g_free(dir);
    return text;
}

Test(viz_html, event_text_cannot_close_the_script_element)
{
    struct sim_trace_event e = {
        .seq = 1, .time_us = 5, .kind = SIM_TRACE_NOTE,
        .text = "</script><script>alert(1)</script>",
    };
    char *page = write_page(&e, 1);
    cr_assert_null(strstr(page, "alert(1)</script>"));
    cr_assert_not_null(strstr(page, "\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    cr_assert_null(strstr(page, "<b>title"), "the title is data, not markup");
    g_free(page);
}

Test(viz_html, page_inlines_the_viewer_and_leaves_no_marker)
{
    struct sim_trace_event e = {.seq = 1, .time_us = 0, .kind = SIM_TRACE_TERM,
                                .node = 1, .term = 2};
    char *page = write_page(&e, 1);
    cr_assert_null(strstr(page, "/*@"), "a template marker is left");
    cr_assert_not_null(strstr(page, "root.RaftReplay = api"));
    cr_assert_not_null(strstr(page, "root.RaftNarrate = api"));
    cr_assert_not_null(strstr(page, "root.RaftSeries = api"));
    cr_assert_not_null(strstr(page, "root.RaftCluster = api"));
    cr_assert_not_null(strstr(page, "#controls {"));
    cr_assert_not_null(strstr(page, "\"hash\":\"feedface12345678\""));
    /* [seq, t_us, kind, node, peer, msg_id, msg_id2, msg_type, term]. */
    cr_assert_not_null(strstr(page, "[1,0,6,1,0,0,0,0,2]"));
    cr_assert_null(strstr(page, "<script src"));
    cr_assert_null(strstr(page, "<link"));
    g_free(page);
}

Test(viz_html, a_run_without_nodes_is_refused_and_no_file_is_written)
{
    struct viz_run run = {.n_nodes = 0};
    cr_assert_eq(viz_html_write(&run, "/nonexistent-dir/x.html"), VIZ_EINVAL);
    run.n_nodes = 1;
    cr_assert_eq(viz_html_write(&run, "/nonexistent-dir/x.html"), VIZ_EIO);
}

Test(viz_html, a_partition_embeds_its_groups_after_its_text)
{
    static const uint8_t groups[3] = {2, 1, 0};
    struct sim_trace_event e[2] = {
        {.seq = 1, .time_us = 7, .kind = SIM_TRACE_PARTITION,
         .text = "n2 | n1", .group_of = groups, .n_group_of = 3},
        {.seq = 2, .time_us = 8, .kind = SIM_TRACE_PARTITION,
         .group_of = groups, .n_group_of = 3},
    };
    char *page = write_page(e, 2);
    char *want = g_strdup_printf("[1,7,%d,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                 "\"n2 | n1\",[2,1,0]]",
                                 (int)SIM_TRACE_PARTITION);
    cr_assert_not_null(strstr(page, want), "the groups follow the text");
    g_free(want);
    want = g_strdup_printf("[2,8,%d,0,0,0,0,0,0,0,0,0,0,0,0,0,0,\"\","
                           "[2,1,0]]", (int)SIM_TRACE_PARTITION);
    cr_assert_not_null(strstr(page, want), "without a text, an empty one");
    g_free(want);
    g_free(page);
}
