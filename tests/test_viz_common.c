/* test_viz_common.c: what every picture shares (viz_common.c): the same
 * bytes for the same input in every format, the formats' own magic, the
 * refusal of bad arguments without a file left behind, frames, names,
 * error strings and axis steps.
 */
#include <cairo.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "sim/sim_time_text.h"
#include "tests/support/viz_pixels.h"
#include "tests/support/viz_trace.h"
#include "viz/viz.h"
#include "viz/viz_draw.h"

TestSuite(viz_common, .init = vt_make_tmp, .fini = vt_remove_tmp);

Test(viz_common, same_input_gives_identical_bytes_in_every_format)
{
    struct vt_trace t = vt_busy_trace();
    struct viz_run run = vt_run_of(&t, 3, 600000);
    for (int f = 0; f < VIZ_FORMAT_COUNT; f++) {
        struct viz_options o;
        viz_options_init(&o);
        o.format = (enum viz_format)f;
        char *p1 = vt_tmp_path("one");
        char *p2 = vt_tmp_path("two");
        cr_assert_eq(viz_timeline_write(&run, &o, p1), VIZ_OK);
        cr_assert_eq(viz_timeline_write(&run, &o, p2), VIZ_OK);
        gsize n1, n2;
        char *d1 = vt_read_all(p1, &n1);
        char *d2 = vt_read_all(p2, &n2);
        cr_assert_eq(n1, n2, "%s: sizes differ", viz_format_extension(f));
        cr_assert(memcmp(d1, d2, n1) == 0, "%s: bytes differ",
                  viz_format_extension(f));
        g_free(d1);
        g_free(d2);
        g_free(p1);
        g_free(p2);
    }
    vt_trace_free(&t);
}

Test(viz_common, drawing_after_releasing_caches_gives_the_same_bytes)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 3);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    char *a = vt_tmp_path("before.png");
    char *b = vt_tmp_path("after.png");
    cr_assert_eq(viz_timeline_write(&run, NULL, a), VIZ_OK);
    viz_release_caches();
    cr_assert_eq(viz_timeline_write(&run, NULL, b), VIZ_OK);
    gsize la, lb;
    char *da = vt_read_all(a, &la);
    char *db = vt_read_all(b, &lb);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(da, db, la) == 0, "the picture changed");
    g_free(da);
    g_free(db);
    g_free(a);
    g_free(b);
    vt_trace_free(&t);
}

Test(viz_common, svg_and_pdf_carry_their_magic_and_content)
{
    struct vt_trace t = vt_busy_trace();
    struct viz_run run = vt_run_of(&t, 3, 600000);
    struct viz_options o;
    viz_options_init(&o);

    o.format = VIZ_FORMAT_SVG;
    char *p = vt_tmp_path("t.svg");
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_OK);
    gsize n;
    char *d = vt_read_all(p, &n);
    cr_assert(g_str_has_prefix(d, "<?xml") || g_str_has_prefix(d, "<svg"));
    cr_assert_not_null(strstr(d, "<svg"));
    cr_assert_gt(n, 20000);
    g_free(d);
    g_free(p);

    o.format = VIZ_FORMAT_PDF;
    p = vt_tmp_path("t.pdf");
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_OK);
    d = vt_read_all(p, &n);
    cr_assert(g_str_has_prefix(d, "%PDF"));
    cr_assert_gt(n, 5000);
    /* No creation date: the bytes must not depend on the day. */
    cr_assert_null(g_strstr_len(d, (gssize)n, "CreationDate"));
    g_free(d);
    g_free(p);
    vt_trace_free(&t);
}

Test(viz_common, invalid_arguments_are_rejected_and_leave_no_file)
{
    struct vt_trace t = vt_busy_trace();
    struct viz_run run = vt_run_of(&t, 3, 600000);
    struct viz_options o;
    viz_options_init(&o);
    char *p = vt_tmp_path("bad.png");

    run.n_nodes = 0;
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_EINVAL);
    run.n_nodes = 3;
    o.from_us = 500000;
    o.to_us = 400000;
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_EINVAL);
    viz_options_init(&o);
    cr_assert_eq(viz_timeline_write(&run, &o, NULL), VIZ_EINVAL);
    cr_assert_eq(viz_timeline_write(NULL, &o, p), VIZ_EINVAL);
    cr_assert_not(g_file_test(p, G_FILE_TEST_EXISTS));

    char *missing = g_build_filename(vt_tmp_dir, "no-such-dir", "x.svg", NULL);
    o.format = VIZ_FORMAT_SVG;
    cr_assert_eq(viz_timeline_write(&run, &o, missing), VIZ_EIO);
    o.format = VIZ_FORMAT_PNG;
    cr_assert_eq(viz_timeline_write(&run, &o, missing), VIZ_EIO);
    g_free(missing);
    g_free(p);
    vt_trace_free(&t);
}

Test(viz_common, frames_are_named_in_order_and_line_up)
{
    char *p = viz_frame_path("out", 42, VIZ_FRAME_TIMELINE, VIZ_FORMAT_PNG);
    cr_assert_str_eq(p, "out/timeline-000042.png");
    g_free(p);
    p = viz_frame_path("out", 7, VIZ_FRAME_LOG, VIZ_FORMAT_SVG);
    cr_assert_str_eq(p, "out/log-000007.svg");
    g_free(p);

    /* A client shows up between the two frames: they still have one
     * height. */
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 200000, 1, RAFT_LEADER, 1);
    vt_client_event(&t, 500000, SIM_TRACE_CLIENT_INVOKE, 3, false, "set x 1");
    vt_role(&t, 600000, 2, RAFT_LEADER, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    uint64_t terms[] = {1, 1};
    struct viz_log_node nodes[2] = {
        {.alive = true,
         .role = RAFT_LEADER,
         .term = 1,
         .commit_index = 1,
         .first_index = 1,
         .n_entries = 2,
         .terms = terms},
        {.alive = true,
         .role = RAFT_FOLLOWER,
         .term = 1,
         .first_index = 1,
         .n_entries = 1,
         .terms = terms},
    };
    struct viz_log_view view = {.at_us = 300000, .n_nodes = 2, .nodes = nodes};
    cr_assert_eq(viz_frame_write(vt_tmp_dir, 0, 300000, &run, NULL, &view),
                 VIZ_OK);
    cr_assert_eq(viz_frame_write(vt_tmp_dir, 1, 800000, &run, NULL, NULL),
                 VIZ_OK);

    char *f0 = g_build_filename(vt_tmp_dir, "timeline-000000.png", NULL);
    char *f1 = g_build_filename(vt_tmp_dir, "timeline-000001.png", NULL);
    char *l0 = g_build_filename(vt_tmp_dir, "log-000000.png", NULL);
    char *l1 = g_build_filename(vt_tmp_dir, "log-000001.png", NULL);
    cr_assert(g_file_test(l0, G_FILE_TEST_EXISTS));
    cr_assert_not(g_file_test(l1, G_FILE_TEST_EXISTS));
    cairo_surface_t *s0 = vt_load_png(f0);
    cairo_surface_t *s1 = vt_load_png(f1);
    cr_assert_eq(cairo_image_surface_get_width(s0),
                 cairo_image_surface_get_width(s1));
    cr_assert_eq(cairo_image_surface_get_height(s0),
                 cairo_image_surface_get_height(s1));

    struct viz_options o;
    viz_options_init(&o);
    o.until_now = true;
    o.now_us = 300000;
    struct viz_timeline_layout l;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &l), VIZ_OK);
    /* Frame 0 is at 300 ms: n1 leads, and n2's later leadership is not
     * drawn yet. */
    vt_assert_colour(
        vt_pixel_at(s0, viz_timeline_x(&l, 250000), vt_band_probe(&l, 1)),
        viz_role_color(RAFT_LEADER), "n1 leads at 250 ms");
    cr_assert_not(vt_same_colour(
        vt_pixel_at(s0, viz_timeline_x(&l, 700000), vt_band_probe(&l, 2)),
        viz_role_color(RAFT_LEADER)));
    /* Frame 1 is at 800 ms: now it is. */
    vt_assert_colour(
        vt_pixel_at(s1, viz_timeline_x(&l, 700000), vt_band_probe(&l, 2)),
        viz_role_color(RAFT_LEADER), "n2 leads at 700 ms");
    cairo_surface_destroy(s0);
    cairo_surface_destroy(s1);
    g_free(f0);
    g_free(f1);
    g_free(l0);
    g_free(l1);
    vt_trace_free(&t);
}

Test(viz_common, names_parse_and_errors_have_messages)
{
    enum viz_format f = VIZ_FORMAT_PNG;
    cr_assert(viz_format_parse("SVG", &f));
    cr_assert_eq(f, VIZ_FORMAT_SVG);
    cr_assert(viz_format_parse("pdf", &f));
    cr_assert_eq(f, VIZ_FORMAT_PDF);
    cr_assert_not(viz_format_parse("gif", &f));
    cr_assert_eq(f, VIZ_FORMAT_PDF);
    enum viz_messages m = VIZ_MESSAGES_AUTO;
    cr_assert(viz_messages_parse("no-heartbeats", &m));
    cr_assert_eq(m, VIZ_MESSAGES_NO_HEARTBEATS);
    cr_assert(viz_messages_parse("none", &m));
    cr_assert_eq(m, VIZ_MESSAGES_NONE);
    cr_assert_not(viz_messages_parse("some", &m));
    cr_assert_str_eq(viz_strerror(VIZ_EIO), "cannot write the picture file");
    cr_assert_str_eq(viz_strerror(99), "unknown error");
}

Test(viz_common, axis_steps_are_one_two_or_five_times_a_power_of_ten)
{
    cr_assert_eq(viz_nice_step(0.3), 1);
    cr_assert_eq(viz_nice_step(1), 1);
    cr_assert_eq(viz_nice_step(1.5), 2);
    cr_assert_eq(viz_nice_step(3), 5);
    cr_assert_eq(viz_nice_step(7), 10);
    cr_assert_eq(viz_nice_step(120000), 200000);
    cr_assert_eq(viz_nice_step(450000), 500000);
}

/* A picture labels times as the reports write them (sim_time_text_human),
 * so a time read off a picture can be found in the report and the trace. */
Test(viz_common, time_labels_are_the_reports_human_times)
{
    static const struct
    {
        uint64_t us;
        const char *text;
    } cases[] = {
        {0, "0.000s"},       {37, "0.000037s"},    {12500, "0.012500s"},
        {850000, "0.850s"},  {1250000, "1.250s"},  {600000000, "600.000s"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char buf[32];
        viz_time_label(cases[i].us, buf, sizeof buf);
        cr_expect_str_eq(buf, cases[i].text);
        GString *t = g_string_new(NULL);
        sim_time_text_human(t, cases[i].us);
        cr_expect_str_eq(buf, t->str);
        g_string_free(t, TRUE);
    }
}
