/* test_viz_plots.c: the plots over time (viz_series.h, viz_plots.c).
 *
 * The series model is checked against a small hand-built trace whose
 * requests, bins and unavailable intervals are known; one pixel probe on
 * a real run checks that the latency plot shades the partition's window.
 */
#include <cairo.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "viz/viz_series.h"

static char *tmp_dir;

static void make_tmp(void)
{
    GError *err = NULL;
    tmp_dir = g_dir_make_tmp("plots-test-XXXXXX", &err);
    cr_assert_not_null(tmp_dir);
}

static void remove_tmp(void)
{
    GDir *d = g_dir_open(tmp_dir, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        char *p = g_build_filename(tmp_dir, name, NULL);
        g_remove(p);
        g_free(p);
    }
    if (d != NULL) {
        g_dir_close(d);
    }
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
}

TestSuite(viz_plots, .init = make_tmp, .fini = remove_tmp);

#define MS 1000

/* n1 leads from 200 ms and crashes at 500 ms; n2 leads from 800 ms on.
 * Request 1: one send, ok at 130 ms. Request 2: two sends, ok at 350 ms.
 * Request 3: failed at 420 ms. Request 4: invoked at 520 ms, completes at
 * 850 ms. Request 5: invoked at 900 ms, never completes. End: 1 s. */
static const struct sim_trace_event known[] = {
    {.time_us = 100 * MS,
     .kind = SIM_TRACE_CLIENT_INVOKE,
     .node = 1,
     .client = 7,
     .request = 1},
    {.time_us = 100 * MS,
     .kind = SIM_TRACE_CLIENT_SEND,
     .node = 1,
     .client = 7,
     .request = 1},
    {.time_us = 130 * MS,
     .kind = SIM_TRACE_CLIENT_COMPLETE,
     .node = 1,
     .client = 7,
     .request = 1,
     .ok = true},
    {.time_us = 200 * MS,
     .kind = SIM_TRACE_ROLE,
     .node = 1,
     .role = RAFT_LEADER},
    {.time_us = 300 * MS,
     .kind = SIM_TRACE_CLIENT_INVOKE,
     .node = 1,
     .client = 7,
     .request = 2},
    {.time_us = 300 * MS,
     .kind = SIM_TRACE_CLIENT_SEND,
     .node = 1,
     .client = 7,
     .request = 2},
    {.time_us = 320 * MS,
     .kind = SIM_TRACE_CLIENT_SEND,
     .node = 1,
     .client = 7,
     .request = 2},
    {.time_us = 350 * MS,
     .kind = SIM_TRACE_CLIENT_COMPLETE,
     .node = 1,
     .client = 7,
     .request = 2,
     .ok = true},
    {.time_us = 400 * MS,
     .kind = SIM_TRACE_CLIENT_INVOKE,
     .node = 1,
     .client = 7,
     .request = 3},
    {.time_us = 420 * MS,
     .kind = SIM_TRACE_CLIENT_COMPLETE,
     .node = 1,
     .client = 7,
     .request = 3,
     .ok = false},
    {.time_us = 500 * MS, .kind = SIM_TRACE_CRASH, .node = 1},
    {.time_us = 520 * MS,
     .kind = SIM_TRACE_CLIENT_INVOKE,
     .node = 1,
     .client = 7,
     .request = 4},
    {.time_us = 800 * MS,
     .kind = SIM_TRACE_ROLE,
     .node = 2,
     .role = RAFT_LEADER},
    {.time_us = 850 * MS,
     .kind = SIM_TRACE_CLIENT_COMPLETE,
     .node = 2,
     .client = 7,
     .request = 4,
     .ok = true},
    {.time_us = 900 * MS,
     .kind = SIM_TRACE_CLIENT_INVOKE,
     .node = 2,
     .client = 7,
     .request = 5},
};

static struct viz_run known_run(void)
{
    return (struct viz_run){.n_nodes = 3,
                            .end_us = 1000 * MS,
                            .events = known,
                            .n_events = G_N_ELEMENTS(known)};
}

Test(viz_plots, every_request_is_one_point_with_one_outcome)
{
    struct viz_run run = known_run();
    struct viz_series s;
    cr_assert_eq(viz_series_build(&run, &s), VIZ_OK);
    cr_assert_eq(s.n_requests, 5);
    static const enum viz_outcome want[] = {VIZ_OUTCOME_OK, VIZ_OUTCOME_RETRIED,
                                            VIZ_OUTCOME_FAILED, VIZ_OUTCOME_OK,
                                            VIZ_OUTCOME_PENDING};
    static const uint64_t t1[] = {130, 350, 420, 850, 1000};
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(s.requests[k].request, k + 1);
        cr_assert_eq(s.requests[k].outcome, want[k], "request %zu: %s", k + 1,
                     viz_outcome_name(s.requests[k].outcome));
        cr_assert_eq(s.requests[k].t1_us, t1[k] * MS, "request %zu", k + 1);
    }
    viz_series_clear(&s);
}

Test(viz_plots, throughput_counts_successes_per_100ms_bin)
{
    struct viz_run run = known_run();
    struct viz_series s;
    cr_assert_eq(viz_series_build(&run, &s), VIZ_OK);
    cr_assert_eq(s.n_bins, 10);
    /* ok at 130, retried at 350, ok at 850; the failure does not count. */
    static const uint32_t want[10] = {0, 1, 0, 1, 0, 0, 0, 0, 1, 0};
    for (size_t b = 0; b < 10; b++) {
        cr_assert_eq(s.bins[b].t0_us, b * 100 * MS);
        cr_assert_eq(s.bins[b].count, want[b], "bin %zu", b);
    }
    viz_series_clear(&s);
}

Test(viz_plots, unavailable_without_a_leader_or_a_completed_request)
{
    struct viz_run run = known_run();
    struct viz_series s;
    cr_assert_eq(viz_series_build(&run, &s), VIZ_OK);
    struct
    {
        uint64_t t0, t1;
        enum viz_unavailable_why why;
    } want[] = {
        {0, 200, VIZ_UNAVAILABLE_NO_LEADER},
        /* request 1 completed in bin 1 (100..200): available by requests */
        {400, 500, VIZ_UNAVAILABLE_NO_COMPLETION}, /* request 3 failed */
        {500, 800, VIZ_UNAVAILABLE_NO_LEADER},     /* n1 crashed */
        {500, 600, VIZ_UNAVAILABLE_NO_COMPLETION}, /* request 4 waits */
        {600, 700, VIZ_UNAVAILABLE_NO_COMPLETION},
        {700, 800, VIZ_UNAVAILABLE_NO_COMPLETION},
        {900, 1000, VIZ_UNAVAILABLE_NO_COMPLETION}, /* request 5 pending */
    };
    cr_assert_eq(s.n_unavailable, G_N_ELEMENTS(want));
    for (size_t k = 0; k < G_N_ELEMENTS(want); k++) {
        cr_assert_eq(s.unavailable[k].t0_us, want[k].t0 * MS, "interval %zu",
                     k);
        cr_assert_eq(s.unavailable[k].t1_us, want[k].t1 * MS, "interval %zu",
                     k);
        cr_assert_eq(s.unavailable[k].why, want[k].why, "interval %zu", k);
    }
    viz_series_clear(&s);
}

static bool pixel_is(cairo_surface_t *s, double x, double y, struct viz_rgb c)
{
    cairo_surface_flush(s);
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t p = *(const uint32_t *)(d + (int)y * stride + (int)x * 4);
    int r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff;
    return abs(r - (int)lround(c.r * 255)) <= 2 &&
           abs(g - (int)lround(c.g * 255)) <= 2 &&
           abs(b - (int)lround(c.b * 255)) <= 2;
}

/* In minority-partition.scn the leader is cut off with one follower at 2 s
 * and a request sent to it at 2.1 s never completes, while the majority
 * serves nothing until a request to it at 3.2 s. */
Test(viz_plots, latency_plot_shades_the_partitions_window)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *sc = NULL;
    cr_assert_eq(scn_parse_file("scenarios/minority-partition.scn", &sc, diags),
                 SCN_OK);
    g_ptr_array_free(diags, TRUE);
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.record_events = true;
    struct scn_run_result *r = NULL;
    cr_assert_eq(scn_run(sc, &o, &r), SCN_OK);
    struct viz_run run = {.n_nodes = r->n_nodes,
                          .end_us = r->end_us,
                          .events = sim_trace_events(r->sim),
                          .n_events = sim_trace_len(r->sim)};
    cr_assert_eq(viz_plots_write(&run, tmp_dir, VIZ_FORMAT_PNG), VIZ_OK);
    struct viz_series series;
    cr_assert_eq(viz_series_build(&run, &series), VIZ_OK);
    struct viz_plot_layout l;
    viz_plot_compute_layout(&series, &l);
    char *path = g_build_filename(tmp_dir, "latency.png", NULL);
    cairo_surface_t *png = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    cr_assert_eq(cairo_image_surface_get_width(png), l.width_px);
    double y = l.y0 + 8; /* above every point: only shading or paper */
    struct viz_rgb white = {1, 1, 1};
    cr_assert(pixel_is(png, viz_plot_x(&l, 1500 * MS), y, white),
              "1.5s, before the partition: available");
    cr_assert(
        pixel_is(png, viz_plot_x(&l, 2500 * MS), y, viz_unavailable_color()),
        "2.5s, during the partition: shaded");
    cairo_surface_destroy(png);
    g_free(path);
    viz_series_clear(&series);
    scn_run_result_free(r);
    scn_scenario_free(sc);
}
