/* test_viz_timeline.c: the timeline picture (viz_timeline_draw.c,
 * viz_timeline_layout.c, viz_timeline_legend.c), probed pixel by pixel.
 *
 * Each test builds a small trace by hand, renders it into a fresh temporary
 * directory, reads the PNG back with cairo and checks the colour at the
 * exact coordinates the layout functions report.
 */
#include <cairo.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "tests/support/viz_pixels.h"
#include "tests/support/viz_trace.h"
#include "viz/viz.h"
#include "viz/viz_draw.h"

TestSuite(viz_timeline, .init = vt_make_tmp, .fini = vt_remove_tmp);

Test(viz_timeline, png_decodes_at_the_layout_size)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "a.png");
    cr_assert_eq(cairo_image_surface_get_width(s), l.width_px);
    cr_assert_eq(cairo_image_surface_get_height(s), l.height_px);
    /* 1 s at the default density: a 1000-pixel plot plus the margins. */
    cr_assert_eq(l.width_px, 1120);
    cr_assert_eq(l.from_us, 0);
    cr_assert_eq(l.to_us, 1000000);
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, leader_span_has_the_leader_colour)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 200000, 2, RAFT_CANDIDATE, 1);
    vt_role(&t, 400000, 2, RAFT_LEADER, 1);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "leader.png");
    double y = vt_band_probe(&l, 2);
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 100000), y),
                     viz_role_color(RAFT_FOLLOWER), "follower before 200 ms");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 300000), y),
                     viz_role_color(RAFT_CANDIDATE), "candidate at 300 ms");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 700000), y),
                     viz_role_color(RAFT_LEADER), "leader at 700 ms");
    /* The other nodes stay followers. */
    vt_assert_colour(
        vt_pixel_at(s, viz_timeline_x(&l, 700000), vt_band_probe(&l, 1)),
        viz_role_color(RAFT_FOLLOWER), "n1 at 700 ms");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, crashed_span_is_grey_until_restart)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    vt_ev(&t, 200000, SIM_TRACE_CRASH, 1);
    vt_ev(&t, 800000, SIM_TRACE_RESTART, 1);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "crash.png");
    double y = vt_band_probe(&l, 1);
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 150000), y),
                     viz_role_color(RAFT_LEADER), "leader before the crash");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 250000), y),
                     viz_crashed_color(), "crashed at 250 ms");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 750000), y),
                     viz_crashed_color(), "crashed at 750 ms");
    /* A restarted node comes back as a follower. */
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 900000), y),
                     viz_role_color(RAFT_FOLLOWER), "follower after restart");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, a_time_zero_term_event_is_the_lanes_starting_term)
{
    /* A node that starts in term 7 (its `term` event at time 0, as the
     * engine traces an `init` state) and reports term 7 again has no term
     * change to mark; one without that event starts in term 0 and has. */
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 300000, SIM_TRACE_TERM, 1);
    e->term = 7;
    struct viz_run run = vt_run_of(&t, 1, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "t0.png");
    double x = viz_timeline_x(&l, 300000);
    double y = vt_band_probe(&l, 1);
    cr_assert_not(
        vt_same_colour(vt_pixel_at(s, x, y), viz_role_color(RAFT_FOLLOWER)),
        "no seam where the term went from 0 to 7");
    cairo_surface_destroy(s);
    vt_trace_free(&t);

    t = vt_trace_new();
    e = vt_ev(&t, 0, SIM_TRACE_TERM, 1);
    e->term = 7;
    e = vt_ev(&t, 300000, SIM_TRACE_TERM, 1);
    e->term = 7;
    run = vt_run_of(&t, 1, 1000000);
    s = vt_render(&run, NULL, &l, "t7.png");
    vt_assert_colour(vt_pixel_at(s, x, y), viz_role_color(RAFT_FOLLOWER),
                     "a seam although the term stayed 7");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, paused_span_is_hatched_over_its_role)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 300000, SIM_TRACE_PAUSE, 2);
    e->aux = 700000;
    vt_ev(&t, 700000, SIM_TRACE_RESUME, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "pause.png");
    double y0, y1;
    viz_timeline_band(&l, 2, &y0, &y1);
    /* Along a row near the band's top, inside the pause but left of its
     * centred label: both hatch (dark) and role colour show. */
    int dark = 0;
    int plain = 0;
    for (double x = viz_timeline_x(&l, 310000); x < viz_timeline_x(&l, 400000);
         x += 1.0) {
        struct vt_pixel p = vt_pixel_at(s, x, y0 + 3);
        dark += p.r < 0x80 && p.g < 0x80 && p.b < 0x80;
        plain += vt_same_colour(p, viz_role_color(RAFT_FOLLOWER));
    }
    cr_assert_gt(dark, 5, "no hatch lines in the paused span");
    cr_assert_gt(plain, 5, "the role colour does not show through");
    /* Before and after the pause: plain follower. */
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 200000), y0 + 3),
                     viz_role_color(RAFT_FOLLOWER), "before the pause");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 800000), y0 + 3),
                     viz_role_color(RAFT_FOLLOWER), "after the pause");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, pause_without_resume_ends_when_announced)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 300000, SIM_TRACE_PAUSE, 1);
    e->aux = 500000;
    struct viz_run run = vt_run_of(&t, 1, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "pause2.png");
    double y0, y1;
    viz_timeline_band(&l, 1, &y0, &y1);
    int dark = 0;
    for (double x = viz_timeline_x(&l, 600000); x < viz_timeline_x(&l, 950000);
         x += 1.0) {
        dark += vt_is_dark(vt_pixel_at(s, x, y0 + 3));
    }
    cr_assert_eq(dark, 0, "the pause went on past its end");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

/* n1's message to n3 is lost: the cross sits on n3's lane, not on n2's
 * between them, so the picture says whose message was lost. */
Test(viz_timeline, a_lost_message_is_crossed_on_the_lane_it_was_sent_to)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 400000, 1, 3, RAFT_MSG_REQUEST_VOTE, 0, false);
    vt_fate(&t, 410000, id, SIM_TRACE_DROP, 3);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_options o = vt_all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "drop.png");
    double x, y;
    viz_timeline_arrow_end(&l, 1, 3, 400000, 410000, true, &x, &y);
    double r0, r1, n2_0, n2_1;
    viz_timeline_band(&l, 3, &r0, &r1);
    viz_timeline_band(&l, 2, &n2_0, &n2_1);
    cr_assert_geq(y, l.lanes_y0 + 2 * l.lane_h, "the cross is above n3's lane");
    cr_assert_leq(y, r1);
    cr_assert_gt(y, n2_1 + 4, "the cross touches n2's band");
    cr_assert(vt_is_dark(vt_pixel_at(s, x, y)), "no cross at the stub's end");
    /* The cross's arms reach 4 pixels out along the diagonals. */
    cr_assert(vt_is_dark(vt_pixel_at(s, x + 3, y + 3)));
    cr_assert(vt_is_dark(vt_pixel_at(s, x - 3, y + 3)));
    cairo_surface_destroy(s);

    /* The same message delivered: no cross there, an arrow to n3. */
    struct vt_trace t2 = vt_trace_new();
    id = vt_send_msg(&t2, 400000, 1, 3, RAFT_MSG_REQUEST_VOTE, 0, false);
    vt_fate(&t2, 410000, id, SIM_TRACE_DELIVER, 3);
    run = vt_run_of(&t2, 3, 1000000);
    s = vt_render(&run, &o, &l, "deliver.png");
    cr_assert_not(vt_is_dark(vt_pixel_at(s, x + 3, y + 3)),
                  "a cross on a delivered message");
    cr_assert_not(vt_is_dark(vt_pixel_at(s, x - 3, y + 3)));
    cairo_surface_destroy(s);
    vt_trace_free(&t2);
    vt_trace_free(&t);
}

/* A point inside the arrowhead, 5 pixels back from the tip. */
static void head_probe(const struct viz_timeline_layout *l,
                       uint32_t from,
                       uint32_t to,
                       uint64_t send_us,
                       uint64_t end_us,
                       double *x,
                       double *y)
{
    double xs, ys, xe, ye;
    viz_timeline_arrow_end(l, from, to, send_us, send_us, false, &xs, &ys);
    viz_timeline_arrow_end(l, from, to, send_us, end_us, false, &xe, &ye);
    /* Start of the arrow: the sender's band edge facing the receiver. */
    double b0, b1;
    viz_timeline_band(l, from, &b0, &b1);
    ys = to > from ? b1 : b0;
    double dx = xe - xs;
    double dy = ye - ys;
    double len = sqrt(dx * dx + dy * dy);
    *x = xe - dx / len * 4.5;
    *y = ye - dy / len * 4.5;
}

Test(viz_timeline, delivered_arrow_has_its_message_colour)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 300000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 3, false);
    vt_fate(&t, 330000, id, SIM_TRACE_DELIVER, 2);
    id = vt_send_msg(&t, 600000, 2, 1, RAFT_MSG_INSTALL_SNAPSHOT, 0, false);
    vt_fate(&t, 640000, id, SIM_TRACE_DELIVER, 1);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_options o = vt_all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "arrow.png");
    double x, y;
    head_probe(&l, 1, 2, 300000, 330000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                     "AppendEntries head");
    head_probe(&l, 2, 1, 600000, 640000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_INSTALL_SNAPSHOT, false, false),
                     "InstallSnapshot head");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, heartbeats_are_hidden_in_no_heartbeats_mode)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 300000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    vt_fate(&t, 330000, id, SIM_TRACE_DELIVER, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_options o = vt_all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "hb-all.png");
    double x, y;
    head_probe(&l, 1, 2, 300000, 330000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_APPEND_ENTRIES, true, false),
                     "heartbeat head");
    cairo_surface_destroy(s);

    o.messages = VIZ_MESSAGES_NO_HEARTBEATS;
    s = vt_render(&run, &o, &l, "hb-none.png");
    cr_assert(vt_is_white(vt_pixel_at(s, x, y)),
              "a hidden heartbeat was drawn");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, heartbeat_reply_is_light_and_rejection_is_not)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 100000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    vt_fate(&t, 110000, id, SIM_TRACE_DELIVER, 2);
    id = vt_send_msg(&t, 110000, 2, 1, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, true);
    vt_fate(&t, 150000, id, SIM_TRACE_DELIVER, 1);
    id = vt_send_msg(&t, 500000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    vt_fate(&t, 510000, id, SIM_TRACE_DELIVER, 2);
    id =
        vt_send_msg(&t, 510000, 2, 1, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, false);
    vt_fate(&t, 550000, id, SIM_TRACE_DELIVER, 1);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_options o = vt_all_messages();
    o.messages = VIZ_MESSAGES_NO_HEARTBEATS;
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "replies.png");
    double x, y;
    head_probe(&l, 2, 1, 110000, 150000, &x, &y);
    cr_assert(vt_is_white(vt_pixel_at(s, x, y)), "a heartbeat ack was drawn");
    head_probe(&l, 2, 1, 510000, 550000, &x, &y);
    vt_assert_colour(
        vt_pixel_at(s, x, y),
        viz_message_color(RAFT_MSG_APPEND_ENTRIES_RESULT, false, false),
        "rejected append reply");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, duplicate_copy_gets_its_own_arrow)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 200000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 2, false);
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_DUPLICATE, 1);
    e->msg_id = id;
    e->msg_id2 = 99;
    vt_fate(&t, 220000, id, SIM_TRACE_DELIVER, 2);
    vt_fate(&t, 600000, 99, SIM_TRACE_DELIVER, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_options o = vt_all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "dup.png");
    double x, y;
    head_probe(&l, 1, 2, 200000, 600000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                     "the copy's arrowhead at 600 ms");
    head_probe(&l, 1, 2, 200000, 220000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                     "the original's arrowhead at 220 ms");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, reply_is_a_darker_shade_than_its_request)
{
    const enum raft_message_type pairs[][2] = {
        {RAFT_MSG_REQUEST_VOTE, RAFT_MSG_REQUEST_VOTE_RESULT},
        {RAFT_MSG_PRE_VOTE, RAFT_MSG_PRE_VOTE_RESULT},
        {RAFT_MSG_APPEND_ENTRIES, RAFT_MSG_APPEND_ENTRIES_RESULT},
        {RAFT_MSG_INSTALL_SNAPSHOT, RAFT_MSG_INSTALL_SNAPSHOT_RESULT},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        struct viz_rgb q = viz_message_color(pairs[i][0], false, true);
        struct viz_rgb r = viz_message_color(pairs[i][1], false, true);
        cr_assert(r.r + r.g + r.b < q.r + q.g + q.b - 0.3,
                  "reply %d is not darker than its request", (int)i);
    }
    /* A heartbeat and its ack stay one pale colour. */
    struct viz_rgb hb = viz_message_color(RAFT_MSG_APPEND_ENTRIES, true, true);
    struct viz_rgb ack =
        viz_message_color(RAFT_MSG_APPEND_ENTRIES_RESULT, true, true);
    cr_assert(hb.r == ack.r && hb.g == ack.g && hb.b == ack.b);

    /* And the drawing uses it: a granted vote's head is the reply colour. */
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 300000, 2, 1, RAFT_MSG_REQUEST_VOTE, 0, false);
    vt_fate(&t, 320000, id, SIM_TRACE_DELIVER, 1);
    id = vt_send_msg(&t, 320000, 1, 2, RAFT_MSG_REQUEST_VOTE_RESULT, 0, true);
    vt_fate(&t, 380000, id, SIM_TRACE_DELIVER, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_options o = vt_all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "vote.png");
    double x, y;
    head_probe(&l, 2, 1, 300000, 320000, &x, &y);
    vt_assert_colour(vt_pixel_at(s, x, y),
                     viz_message_color(RAFT_MSG_REQUEST_VOTE, false, false),
                     "the request's head");
    head_probe(&l, 1, 2, 320000, 380000, &x, &y);
    vt_assert_colour(
        vt_pixel_at(s, x, y),
        viz_message_color(RAFT_MSG_REQUEST_VOTE_RESULT, false, true),
        "the granted vote's head");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, leader_band_names_its_term)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_CANDIDATE, 4);
    vt_role(&t, 200000, 1, RAFT_LEADER, 4);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "words.png");
    double y0, y1;
    viz_timeline_band(&l, 1, &y0, &y1);
    double x = viz_timeline_x(&l, 200000);
    /* White letters on the leader's blue, right after the span starts. */
    cr_assert_gt(
        vt_count_colour(s, x + 4, x + 120, y0 + 4, y1 - 4, viz_hex(0xffffff)),
        20, "no words in the leader band");
    /* A follower band carries none. */
    viz_timeline_band(&l, 2, &y0, &y1);
    cr_assert_eq(
        vt_count_colour(s, x + 4, x + 120, y0 + 4, y1 - 4, viz_hex(0xffffff)),
        0, "words in a follower band");
    cairo_surface_destroy(s);

    /* A leadership too short for its words gets none. */
    struct vt_trace u = vt_trace_new();
    vt_role(&u, 500000, 1, RAFT_LEADER, 4);
    vt_role(&u, 510000, 1, RAFT_FOLLOWER, 4);
    run = vt_run_of(&u, 2, 1000000);
    s = vt_render(&run, NULL, &l, "sliver.png");
    viz_timeline_band(&l, 1, &y0, &y1);
    x = viz_timeline_x(&l, 500000);
    double x1 = viz_timeline_x(&l, 510000);
    cr_assert_eq(vt_count_colour(s, x, x1, y0 + 4, y1 - 4, viz_hex(0xffffff)),
                 0, "words on a 10-pixel leadership");
    cairo_surface_destroy(s);
    vt_trace_free(&u);
    vt_trace_free(&t);
}

/* Pixels of colour c in the legend at the picture's bottom (one row in
 * these tests). A swatch is 24 x 10 pixels; the grey of anti-aliased text
 * may match a grey swatch on a few pixels, so absence is "under 30". */
static int legend_count(cairo_surface_t *s,
                        const struct viz_timeline_layout *l,
                        struct viz_rgb c)
{
    return vt_count_colour(s, 0, l->width_px, l->height_px - 34,
                           l->height_px - 12, c);
}

Test(viz_timeline, legend_lists_only_what_the_picture_shows)
{
    /* Followers and a leader, no candidate, no crash, no message. */
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "legend1.png");
    cr_assert_gt(legend_count(s, &l, viz_role_color(RAFT_LEADER)), 200);
    cr_assert_gt(legend_count(s, &l, viz_role_color(RAFT_FOLLOWER)), 200);
    cr_assert_lt(legend_count(s, &l, viz_role_color(RAFT_CANDIDATE)), 30);
    cr_assert_lt(legend_count(s, &l, viz_crashed_color()), 30);
    int height = l.height_px;
    cairo_surface_destroy(s);

    /* A crash adds its swatch; the legend still fits in one row. */
    vt_ev(&t, 500000, SIM_TRACE_CRASH, 2);
    run = vt_run_of(&t, 2, 1000000);
    s = vt_render(&run, NULL, &l, "legend2.png");
    cr_assert_eq(l.height_px, height);
    cr_assert_gt(legend_count(s, &l, viz_crashed_color()), 200);
    cairo_surface_destroy(s);

    /* A window before the crash leaves it out again. */
    struct viz_options o;
    viz_options_init(&o);
    o.to_us = 400000;
    s = vt_render(&run, &o, &l, "legend3.png");
    cr_assert_lt(legend_count(s, &l, viz_crashed_color()), 30);
    cairo_surface_destroy(s);

    /* Frames keep every item so that they all have one height. */
    o.until_now = true;
    o.now_us = 50000;
    struct viz_timeline_layout f;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &f), VIZ_OK);
    o.now_us = 900000;
    struct viz_timeline_layout g;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &g), VIZ_OK);
    cr_assert_eq(f.height_px, g.height_px);
    cr_assert_gt(f.height_px, l.height_px, "a frame lost legend items");
    vt_trace_free(&t);
}

Test(viz_timeline, check_ticks_are_captioned_only_when_there_are_checks)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "nocheck.png");
    /* The caption sits left of the plot, just above lane 1. */
    double y0 = l.lanes_y0 - 9;
    double y1 = l.lanes_y0;
    cr_assert_eq(vt_count_ink(s, 16, l.plot_x0 - 4, y0, y1), 0);
    cairo_surface_destroy(s);

    struct sim_trace_event *e = vt_ev(&t, 600000, SIM_TRACE_CHECK, 0);
    e->ok = true;
    e->text = "leader";
    run = vt_run_of(&t, 2, 1000000);
    s = vt_render(&run, NULL, &l, "check.png");
    cr_assert_gt(vt_count_ink(s, 16, l.plot_x0 - 4, y0, y1), 10);
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, violation_is_a_red_line_across_the_lanes)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 500000, SIM_TRACE_VIOLATION, 0);
    e->text = "Election Safety: two leaders in term 3";
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "violation.png");
    double x = viz_timeline_x(&l, 500000);
    /* The empty strip at the bottom of lane 2. */
    double y = l.lanes_y0 + 2 * l.lane_h - 4;
    vt_assert_colour(vt_pixel_at(s, x, y), viz_hex(0xc00000), "violation line");
    cr_assert(vt_is_white(vt_pixel_at(s, x + 30, y)));
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, partition_shades_each_group_until_heal)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {1, 2, 2};
    e->text = "n1 | n2 n3";
    e->group_of = groups;
    e->n_group_of = 3;
    vt_ev(&t, 600000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "partition.png");
    double x = viz_timeline_x(&l, 450000); /* between grid lines */
    struct vt_pixel g1 = vt_pixel_at(s, x, l.lanes_y0 + 1 * l.lane_h - 4);
    struct vt_pixel g2 = vt_pixel_at(s, x, l.lanes_y0 + 2 * l.lane_h - 4);
    struct vt_pixel g3 = vt_pixel_at(s, x, l.lanes_y0 + 3 * l.lane_h - 4);
    cr_assert_not(vt_is_white(g1));
    cr_assert_not(vt_is_white(g2));
    cr_assert(g2.r == g3.r && g2.g == g3.g && g2.b == g3.b,
              "n2 and n3 share a group but not a tint");
    cr_assert(g1.r != g2.r || g1.g != g2.g || g1.b != g2.b,
              "two groups share a tint");
    double after = viz_timeline_x(&l, 850000);
    cr_assert(vt_is_white(vt_pixel_at(s, after, l.lanes_y0 + l.lane_h - 4)));
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

/* The tint at time t_us low in node's lane, below its band and words. */
static struct vt_pixel lane_tint(cairo_surface_t *s,
                                 const struct viz_timeline_layout *l,
                                 uint64_t t_us,
                                 uint32_t node)
{
    return vt_pixel_at(s, viz_timeline_x(l, t_us),
                       l->lanes_y0 + node * l->lane_h - 4);
}

Test(viz_timeline, timeline_tints_the_side_with_a_quorum_apart_from_the_rest)
{
    /* Seven voters: n4..n7 hold four of them, then a three-way split
     * leaves no side with a quorum. */
    struct vt_trace t = vt_trace_new();
    static const uint8_t four[] = {1, 1, 1, 2, 2, 2, 2};
    vt_partition(&t, 200000, four, 7, "n1 n2 n3 | n4 n5 n6 n7");
    static const uint8_t split[] = {1, 1, 2, 2, 3, 3, 3};
    vt_partition(&t, 500000, split, 7, "n1 n2 | n3 n4 | n5 n6 n7");
    vt_ev(&t, 800000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 7, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "majority.png");
    struct viz_rgb major = viz_hex(VIZ_PAL_MAJORITY_TINT);
    for (uint32_t k = 1; k <= 7; k++) {
        struct vt_pixel px = lane_tint(s, &l, 350000, k);
        cr_assert_eq(vt_same_colour(px, major), k >= 4,
                     "n%u at 0.35s: the majority tint is n4..n7's alone", k);
        cr_assert_not(vt_is_white(px), "n%u is on some side", k);
        cr_assert_not(vt_same_colour(lane_tint(s, &l, 650000, k), major),
                      "n%u at 0.65s: no side holds a quorum", k);
    }
    cr_assert_not(
        vt_same_pixel(lane_tint(s, &l, 650000, 2), lane_tint(s, &l, 650000, 3)),
        "neighbouring sides without a quorum share a tint");
    cr_assert_not(
        vt_same_pixel(lane_tint(s, &l, 650000, 4), lane_tint(s, &l, 650000, 5)),
        "neighbouring sides without a quorum share a tint");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline,
     legend_explains_the_majority_tint_only_when_a_side_has_a_quorum)
{
    struct viz_rgb major = viz_hex(VIZ_PAL_MAJORITY_TINT);
    struct viz_rgb minor = viz_hex(VIZ_PAL_MINORITY_TINT);
    struct vt_trace t = vt_trace_new();
    static const uint8_t two_one[] = {1, 2, 2};
    vt_partition(&t, 200000, two_one, 3, "n1 | n2 n3");
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "legend-major.png");
    cr_assert_gt(legend_count(s, &l, major), 200);
    cr_assert_gt(legend_count(s, &l, minor), 100);
    cairo_surface_destroy(s);
    vt_trace_free(&t);

    /* Three sides of one node each: none has a quorum. */
    t = vt_trace_new();
    static const uint8_t split[] = {1, 2, 3};
    vt_partition(&t, 200000, split, 3, "n1 | n2 | n3");
    run = vt_run_of(&t, 3, 1000000);
    s = vt_render(&run, NULL, &l, "legend-none.png");
    cr_assert_lt(legend_count(s, &l, major), 30);
    cr_assert_gt(legend_count(s, &l, minor), 100);
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, partition_groups_are_the_event_data_not_its_text)
{
    /* The text is for readers; the groups drawn are the event's data: n2
     * is in group 1, n1 and n4 in group 2, n3 in none (alone). */
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {2, 1, 0, 2};
    e->text = "n1 n3 | rest";
    e->group_of = groups;
    e->n_group_of = 4;
    struct viz_run run = vt_run_of(&t, 4, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "groups.png");
    double x = viz_timeline_x(&l, 450000);
    struct vt_pixel g[5];
    for (uint32_t k = 1; k <= 4; k++)
        g[k] = vt_pixel_at(s, x, l.lanes_y0 + k * l.lane_h - 4);
    cr_assert(vt_same_pixel(g[1], g[4]), "n1 and n4 share a group but differ");
    cr_assert_not(vt_same_pixel(g[1], g[2]), "n2 has a group of its own");
    cr_assert_not(vt_same_pixel(g[1], g[3]), "n3 is alone");
    cr_assert_not(vt_same_pixel(g[2], g[3]), "n3 is alone");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, client_bars_show_each_request_outcome)
{
    struct vt_trace t = vt_trace_new();
    vt_client_event(&t, 200000, SIM_TRACE_CLIENT_INVOKE, 3, false, "set x 1");
    vt_client_event(&t, 300000, SIM_TRACE_CLIENT_INVOKE, 7, false, "get x");
    vt_client_event(&t, 500000, SIM_TRACE_CLIENT_COMPLETE, 3, true, "ok");
    vt_client_event(&t, 600000, SIM_TRACE_CLIENT_COMPLETE, 7, false, "");
    vt_client_event(&t, 700000, SIM_TRACE_CLIENT_INVOKE, 5, false, "get y");
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "clients.png");
    cr_assert_gt(l.client_h, 0);
    double y0, y1;
    /* Clients 3, 5, 7 take rows 0, 1, 2. */
    viz_timeline_client_bar(&l, 0, &y0, &y1);
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 450000), y1 - 2),
                     viz_hex(0xcdeee2), "completed request of client 3");
    viz_timeline_client_bar(&l, 2, &y0, &y1);
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 550000), y1 - 2),
                     viz_hex(0xf7d9c4), "failed request of client 7");
    viz_timeline_client_bar(&l, 1, &y0, &y1);
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 900000), y1 - 2),
                     viz_hex(0xffffff), "pending request of client 5");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 650000), y1 - 2),
                     viz_hex(0xf6f6f6), "client 5 before its request");
    cairo_surface_destroy(s);

    /* A run without clients has no client lane. */
    struct vt_trace none = vt_trace_new();
    run = vt_run_of(&none, 3, 1000000);
    cr_assert_eq(viz_timeline_compute_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.client_h, 0);
    vt_trace_free(&none);
    vt_trace_free(&t);
}

Test(viz_timeline, cut_shades_the_sender_lane_only)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_CUT, 2);
    e->peer = 1;
    vt_ev(&t, 600000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "cut.png");
    /* Count rose pixels along the empty strip of each lane (grid lines are
     * neutral grey). */
    int shaded[3] = {0, 0, 0};
    for (uint32_t k = 1; k <= 2; k++) {
        double y = l.lanes_y0 + k * l.lane_h - 5;
        for (double x = viz_timeline_x(&l, 250000);
             x < viz_timeline_x(&l, 550000); x += 1.0) {
            struct vt_pixel p = vt_pixel_at(s, x, y);
            shaded[k] += p.r > p.b + 8;
        }
    }
    cr_assert_eq(shaded[1], 0, "the receiver's lane is shaded");
    cr_assert_gt(shaded[2], 250, "the sender's lane is not shaded");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, window_maps_from_and_to_onto_the_plot_edges)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    vt_ev(&t, 700000, SIM_TRACE_CRASH, 1);
    struct viz_run run = vt_run_of(&t, 2, 2000000);
    struct viz_options o;
    viz_options_init(&o);
    o.from_us = 500000;
    o.to_us = 900000;
    o.width_px = 800;
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "window.png");
    cr_assert_eq(l.width_px, 800);
    cr_assert_eq(l.from_us, 500000);
    cr_assert_eq(l.to_us, 900000);
    cr_assert_float_eq(viz_timeline_x(&l, 500000), l.plot_x0, 1e-9);
    cr_assert_float_eq(viz_timeline_x(&l, 900000), l.plot_x1, 1e-9);
    cr_assert_float_eq(viz_timeline_x(&l, 700000), (l.plot_x0 + l.plot_x1) / 2,
                       1e-9);
    /* The leader span enters the window from the left. */
    double y = vt_band_probe(&l, 1);
    vt_assert_colour(vt_pixel_at(s, l.plot_x0 + 2, y),
                     viz_role_color(RAFT_LEADER),
                     "leader at the window's left edge");
    vt_assert_colour(vt_pixel_at(s, viz_timeline_x(&l, 800000), y),
                     viz_crashed_color(), "crashed at 800 ms");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_timeline, width_is_clamped_and_derived_from_the_run)
{
    struct vt_trace t = vt_trace_new();
    struct viz_options o;
    viz_options_init(&o);
    struct viz_timeline_layout shortl;
    struct viz_timeline_layout longl;
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &shortl), VIZ_OK);
    run.end_us = 10000000;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &longl), VIZ_OK);
    cr_assert_gt(longl.width_px, shortl.width_px);
    /* Half a pixel per millisecond, at most 3000 for the time alone. */
    cr_assert_eq(longl.width_px, 3000 + 120);

    /* 400 drawn messages in 1 s need 6 pixels each. */
    for (int i = 0; i < 400; i++) {
        uint64_t id = vt_send_msg(&t, 1000 + i * 2000, 1, 2,
                                  RAFT_MSG_APPEND_ENTRIES, 1, false);
        vt_fate(&t, 1500 + i * 2000, id, SIM_TRACE_DELIVER, 2);
    }
    run = vt_run_of(&t, 3, 1000000);
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &longl), VIZ_OK);
    cr_assert_eq(longl.width_px, 2400 + 120);
    run.end_us = 10000000;

    o.width_px = 10;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &shortl), VIZ_OK);
    cr_assert_eq(shortl.width_px, VIZ_WIDTH_MIN_PX);
    o.width_px = 1000000;
    cr_assert_eq(viz_timeline_compute_layout(&run, &o, &shortl), VIZ_OK);
    cr_assert_eq(shortl.width_px, VIZ_WIDTH_MAX_PX);
    vt_trace_free(&t);
}

Test(viz_timeline, auto_mode_drops_heartbeats_from_busy_runs)
{
    struct vt_trace t = vt_trace_new();
    for (int i = 0; i < 10; i++) {
        uint64_t id = vt_send_msg(&t, 1000 + i * 50000, 1, 2,
                                  RAFT_MSG_APPEND_ENTRIES, 0, false);
        vt_fate(&t, 2000 + i * 50000, id, SIM_TRACE_DELIVER, 2);
    }
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cr_assert_eq(viz_timeline_compute_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.messages, VIZ_MESSAGES_ALL);
    for (int i = 10; i < 400; i++) {
        uint64_t id = vt_send_msg(&t, 1000 + i * 2000, 1, 2,
                                  RAFT_MSG_APPEND_ENTRIES, 0, false);
        vt_fate(&t, 1500 + i * 2000, id, SIM_TRACE_DELIVER, 2);
    }
    run = vt_run_of(&t, 2, 1000000);
    cr_assert_eq(viz_timeline_compute_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.messages, VIZ_MESSAGES_NO_HEARTBEATS);
    vt_trace_free(&t);
}
