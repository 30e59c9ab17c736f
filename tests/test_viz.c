/* test_viz.c: the timeline and the log diagram, probed pixel by pixel.
 *
 * Each test builds a small trace or log view by hand, renders it into a
 * fresh temporary directory, reads the PNG back with cairo and checks the
 * colour at the exact coordinates the layout functions report.
 */
#include <cairo.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "viz/viz.h"
#include "viz/viz_draw.h"

/* ---- a trace builder ---------------------------------------------------- */

struct trace
{
    GArray *events;
    uint64_t next_msg;
};

static struct trace trace_new(void)
{
    struct trace t = {
        .events = g_array_new(FALSE, TRUE, sizeof(struct sim_trace_event)),
        .next_msg = 1,
    };
    return t;
}

static void trace_free(struct trace *t)
{
    g_array_free(t->events, TRUE);
}

/* Appends an event; events must be added in time order. */
static struct sim_trace_event *ev(struct trace *t,
                                  uint64_t time_us,
                                  enum sim_trace_kind kind,
                                  uint32_t node)
{
    struct sim_trace_event e = {0};
    e.seq = t->events->len + 1;
    e.time_us = time_us;
    e.kind = kind;
    e.node = node;
    g_array_append_val(t->events, e);
    return &g_array_index(t->events, struct sim_trace_event,
                          t->events->len - 1);
}

static uint64_t send_msg(struct trace *t,
                         uint64_t time_us,
                         uint32_t from,
                         uint32_t to,
                         enum raft_message_type type,
                         uint64_t count,
                         bool ok)
{
    struct sim_trace_event *e = ev(t, time_us, SIM_TRACE_SEND, from);
    e->peer = to;
    e->msg_id = t->next_msg++;
    e->msg_type = type;
    e->term = 1;
    e->count = count;
    e->ok = ok;
    return e->msg_id;
}

static void fate(struct trace *t,
                 uint64_t time_us,
                 uint64_t msg_id,
                 enum sim_trace_kind kind,
                 uint32_t node)
{
    struct sim_trace_event *e = ev(t, time_us, kind, node);
    e->msg_id = msg_id;
}

static void role(struct trace *t,
                 uint64_t time_us,
                 uint32_t node,
                 enum raft_role r,
                 uint64_t term)
{
    struct sim_trace_event *e = ev(t, time_us, SIM_TRACE_ROLE, node);
    e->role = r;
    e->term = term;
}

static struct viz_run run_of(const struct trace *t,
                             uint32_t n_nodes,
                             uint64_t end_us)
{
    struct viz_run run = {
        .title = "test run",
        .seed = 7,
        .trace_hash = 0x0123456789abcdefull,
        .n_nodes = n_nodes,
        .end_us = end_us,
        .events = (const struct sim_trace_event *)(void *)t->events->data,
        .n_events = t->events->len,
    };
    return run;
}

/* ---- files and pixels --------------------------------------------------- */

static char *tmp_dir;

static void make_tmp(void)
{
    GError *err = NULL;
    tmp_dir = g_dir_make_tmp("viz-test-XXXXXX", &err);
    cr_assert_not_null(tmp_dir, "cannot make a temporary directory");
}

static void remove_tmp(void)
{
    GDir *d = g_dir_open(tmp_dir, 0, NULL);
    if (d != NULL) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(tmp_dir, name, NULL);
            g_remove(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(tmp_dir);
    g_free(tmp_dir);
    /* Release cairo's font caches so leak checkers see only our memory. */
    cairo_debug_reset_static_data();
}

TestSuite(viz_timeline, .init = make_tmp, .fini = remove_tmp);
TestSuite(viz_log, .init = make_tmp, .fini = remove_tmp);

static char *tmp_path(const char *name)
{
    return g_build_filename(tmp_dir, name, NULL);
}

struct pixel
{
    uint8_t r, g, b;
};

static cairo_surface_t *load_png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS,
                 "%s does not decode as PNG", path);
    return s;
}

static struct pixel pixel_at(cairo_surface_t *s, double x, double y)
{
    int ix = (int)x;
    int iy = (int)y;
    cr_assert(ix >= 0 && iy >= 0 && ix < cairo_image_surface_get_width(s) &&
              iy < cairo_image_surface_get_height(s));
    cairo_surface_flush(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    uint32_t v;
    memcpy(&v, data + (size_t)iy * stride + (size_t)ix * 4, 4);
    struct pixel p = {
        .r = (uint8_t)(v >> 16), .g = (uint8_t)(v >> 8), .b = (uint8_t)v};
    return p;
}

/* The 8-bit value cairo stores for a colour component. */
static uint8_t byte_of(double d)
{
    return (uint8_t)((unsigned)(d * 65535.0 + 0.5) >> 8);
}

static bool same_colour(struct pixel p, struct viz_rgb c)
{
    return p.r == byte_of(c.r) && p.g == byte_of(c.g) && p.b == byte_of(c.b);
}

static bool is_dark(struct pixel p)
{
    return p.r < 0x60 && p.g < 0x60 && p.b < 0x60;
}

static bool same_pixel(struct pixel a, struct pixel b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

static bool is_white(struct pixel p)
{
    return p.r == 0xff && p.g == 0xff && p.b == 0xff;
}

static void assert_colour(struct pixel p, struct viz_rgb c, const char *what)
{
    cr_assert(same_colour(p, c),
              "%s: pixel #%02x%02x%02x, expected #%02x%02x%02x", what, p.r, p.g,
              p.b, byte_of(c.r), byte_of(c.g), byte_of(c.b));
}

/* A row inside node's band above the words written in it ("leader, term
 * 3", "crashed"), where only the band's colour is drawn. */
static double band_probe(const struct viz_timeline_layout *l, uint32_t node)
{
    double y0, y1;
    viz_timeline_band(l, node, &y0, &y1);
    return y0 + 3;
}

/* Renders run as PNG with opts (NULL: defaults) and loads it back. */
static cairo_surface_t *render(const struct viz_run *run,
                               const struct viz_options *opts,
                               struct viz_timeline_layout *l,
                               const char *name)
{
    struct viz_options o;
    if (opts != NULL) {
        o = *opts;
    } else {
        viz_options_init(&o);
    }
    o.format = VIZ_FORMAT_PNG;
    char *path = tmp_path(name);
    cr_assert_eq(viz_timeline_write(run, &o, path), VIZ_OK);
    cr_assert_eq(viz_timeline_layout(run, &o, l), VIZ_OK);
    cairo_surface_t *s = load_png(path);
    g_free(path);
    return s;
}

static char *read_all(const char *path, gsize *len)
{
    char *data = NULL;
    cr_assert(g_file_get_contents(path, &data, len, NULL), "cannot read %s",
              path);
    return data;
}

/* ---- tests -------------------------------------------------------------- */

Test(viz_timeline, png_decodes_at_the_layout_size)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "a.png");
    cr_assert_eq(cairo_image_surface_get_width(s), l.width_px);
    cr_assert_eq(cairo_image_surface_get_height(s), l.height_px);
    /* 1 s at the default density: a 1000-pixel plot plus the margins. */
    cr_assert_eq(l.width_px, 1120);
    cr_assert_eq(l.from_us, 0);
    cr_assert_eq(l.to_us, 1000000);
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, leader_span_has_the_leader_colour)
{
    struct trace t = trace_new();
    role(&t, 200000, 2, RAFT_CANDIDATE, 1);
    role(&t, 400000, 2, RAFT_LEADER, 1);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "leader.png");
    double y = band_probe(&l, 2);
    assert_colour(pixel_at(s, viz_timeline_x(&l, 100000), y),
                  viz_role_color(RAFT_FOLLOWER), "follower before 200 ms");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 300000), y),
                  viz_role_color(RAFT_CANDIDATE), "candidate at 300 ms");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 700000), y),
                  viz_role_color(RAFT_LEADER), "leader at 700 ms");
    /* The other nodes stay followers. */
    assert_colour(pixel_at(s, viz_timeline_x(&l, 700000), band_probe(&l, 1)),
                  viz_role_color(RAFT_FOLLOWER), "n1 at 700 ms");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, crashed_span_is_grey_until_restart)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 1);
    ev(&t, 200000, SIM_TRACE_CRASH, 1);
    ev(&t, 800000, SIM_TRACE_RESTART, 1);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "crash.png");
    double y = band_probe(&l, 1);
    assert_colour(pixel_at(s, viz_timeline_x(&l, 150000), y),
                  viz_role_color(RAFT_LEADER), "leader before the crash");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 250000), y),
                  viz_crashed_color(), "crashed at 250 ms");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 750000), y),
                  viz_crashed_color(), "crashed at 750 ms");
    /* A restarted node comes back as a follower. */
    assert_colour(pixel_at(s, viz_timeline_x(&l, 900000), y),
                  viz_role_color(RAFT_FOLLOWER), "follower after restart");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, a_time_zero_term_event_is_the_lanes_starting_term)
{
    /* A node that starts in term 7 (its `term` event at time 0, as the
     * engine traces an `init` state) and reports term 7 again has no term
     * change to mark; one without that event starts in term 0 and has. */
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 300000, SIM_TRACE_TERM, 1);
    e->term = 7;
    struct viz_run run = run_of(&t, 1, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "t0.png");
    double x = viz_timeline_x(&l, 300000);
    double y = band_probe(&l, 1);
    cr_assert_not(same_colour(pixel_at(s, x, y), viz_role_color(RAFT_FOLLOWER)),
                  "no seam where the term went from 0 to 7");
    cairo_surface_destroy(s);
    trace_free(&t);

    t = trace_new();
    e = ev(&t, 0, SIM_TRACE_TERM, 1);
    e->term = 7;
    e = ev(&t, 300000, SIM_TRACE_TERM, 1);
    e->term = 7;
    run = run_of(&t, 1, 1000000);
    s = render(&run, NULL, &l, "t7.png");
    assert_colour(pixel_at(s, x, y), viz_role_color(RAFT_FOLLOWER),
                  "a seam although the term stayed 7");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, paused_span_is_hatched_over_its_role)
{
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 300000, SIM_TRACE_PAUSE, 2);
    e->aux = 700000;
    ev(&t, 700000, SIM_TRACE_RESUME, 2);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "pause.png");
    double y0, y1;
    viz_timeline_band(&l, 2, &y0, &y1);
    /* Along a row near the band's top, inside the pause but left of its
     * centred label: both hatch (dark) and role colour show. */
    int dark = 0;
    int plain = 0;
    for (double x = viz_timeline_x(&l, 310000); x < viz_timeline_x(&l, 400000);
         x += 1.0) {
        struct pixel p = pixel_at(s, x, y0 + 3);
        dark += p.r < 0x80 && p.g < 0x80 && p.b < 0x80;
        plain += same_colour(p, viz_role_color(RAFT_FOLLOWER));
    }
    cr_assert_gt(dark, 5, "no hatch lines in the paused span");
    cr_assert_gt(plain, 5, "the role colour does not show through");
    /* Before and after the pause: plain follower. */
    assert_colour(pixel_at(s, viz_timeline_x(&l, 200000), y0 + 3),
                  viz_role_color(RAFT_FOLLOWER), "before the pause");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 800000), y0 + 3),
                  viz_role_color(RAFT_FOLLOWER), "after the pause");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, pause_without_resume_ends_when_announced)
{
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 300000, SIM_TRACE_PAUSE, 1);
    e->aux = 500000;
    struct viz_run run = run_of(&t, 1, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "pause2.png");
    double y0, y1;
    viz_timeline_band(&l, 1, &y0, &y1);
    int dark = 0;
    for (double x = viz_timeline_x(&l, 600000); x < viz_timeline_x(&l, 950000);
         x += 1.0) {
        dark += is_dark(pixel_at(s, x, y0 + 3));
    }
    cr_assert_eq(dark, 0, "the pause went on past its end");
    cairo_surface_destroy(s);
    trace_free(&t);
}

static struct viz_options all_messages(void)
{
    struct viz_options o;
    viz_options_init(&o);
    o.messages = VIZ_MESSAGES_ALL;
    return o;
}

/* n1's message to n3 is lost: the cross sits on n3's lane, not on n2's
 * between them, so the picture says whose message was lost. */
Test(viz_timeline, a_lost_message_is_crossed_on_the_lane_it_was_sent_to)
{
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 400000, 1, 3, RAFT_MSG_REQUEST_VOTE, 0, false);
    fate(&t, 410000, id, SIM_TRACE_DROP, 3);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_options o = all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "drop.png");
    double x, y;
    viz_timeline_arrow_end(&l, 1, 3, 400000, 410000, true, &x, &y);
    double r0, r1, n2_0, n2_1;
    viz_timeline_band(&l, 3, &r0, &r1);
    viz_timeline_band(&l, 2, &n2_0, &n2_1);
    cr_assert_geq(y, l.lanes_y0 + 2 * l.lane_h, "the cross is above n3's lane");
    cr_assert_leq(y, r1);
    cr_assert_gt(y, n2_1 + 4, "the cross touches n2's band");
    cr_assert(is_dark(pixel_at(s, x, y)), "no cross at the stub's end");
    /* The cross's arms reach 4 pixels out along the diagonals. */
    cr_assert(is_dark(pixel_at(s, x + 3, y + 3)));
    cr_assert(is_dark(pixel_at(s, x - 3, y + 3)));
    cairo_surface_destroy(s);

    /* The same message delivered: no cross there, an arrow to n3. */
    struct trace t2 = trace_new();
    id = send_msg(&t2, 400000, 1, 3, RAFT_MSG_REQUEST_VOTE, 0, false);
    fate(&t2, 410000, id, SIM_TRACE_DELIVER, 3);
    run = run_of(&t2, 3, 1000000);
    s = render(&run, &o, &l, "deliver.png");
    cr_assert_not(is_dark(pixel_at(s, x + 3, y + 3)),
                  "a cross on a delivered message");
    cr_assert_not(is_dark(pixel_at(s, x - 3, y + 3)));
    cairo_surface_destroy(s);
    trace_free(&t2);
    trace_free(&t);
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
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 300000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 3, false);
    fate(&t, 330000, id, SIM_TRACE_DELIVER, 2);
    id = send_msg(&t, 600000, 2, 1, RAFT_MSG_INSTALL_SNAPSHOT, 0, false);
    fate(&t, 640000, id, SIM_TRACE_DELIVER, 1);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_options o = all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "arrow.png");
    double x, y;
    head_probe(&l, 1, 2, 300000, 330000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                  "AppendEntries head");
    head_probe(&l, 2, 1, 600000, 640000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_INSTALL_SNAPSHOT, false, false),
                  "InstallSnapshot head");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, heartbeats_are_hidden_in_no_heartbeats_mode)
{
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 300000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    fate(&t, 330000, id, SIM_TRACE_DELIVER, 2);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_options o = all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "hb-all.png");
    double x, y;
    head_probe(&l, 1, 2, 300000, 330000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_APPEND_ENTRIES, true, false),
                  "heartbeat head");
    cairo_surface_destroy(s);

    o.messages = VIZ_MESSAGES_NO_HEARTBEATS;
    s = render(&run, &o, &l, "hb-none.png");
    cr_assert(is_white(pixel_at(s, x, y)), "a hidden heartbeat was drawn");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, heartbeat_reply_is_light_and_rejection_is_not)
{
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 100000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    fate(&t, 110000, id, SIM_TRACE_DELIVER, 2);
    id = send_msg(&t, 110000, 2, 1, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, true);
    fate(&t, 150000, id, SIM_TRACE_DELIVER, 1);
    id = send_msg(&t, 500000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 0, false);
    fate(&t, 510000, id, SIM_TRACE_DELIVER, 2);
    id = send_msg(&t, 510000, 2, 1, RAFT_MSG_APPEND_ENTRIES_RESULT, 0, false);
    fate(&t, 550000, id, SIM_TRACE_DELIVER, 1);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_options o = all_messages();
    o.messages = VIZ_MESSAGES_NO_HEARTBEATS;
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "replies.png");
    double x, y;
    head_probe(&l, 2, 1, 110000, 150000, &x, &y);
    cr_assert(is_white(pixel_at(s, x, y)), "a heartbeat ack was drawn");
    head_probe(&l, 2, 1, 510000, 550000, &x, &y);
    assert_colour(
        pixel_at(s, x, y),
        viz_message_color(RAFT_MSG_APPEND_ENTRIES_RESULT, false, false),
        "rejected append reply");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, duplicate_copy_gets_its_own_arrow)
{
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 200000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 2, false);
    struct sim_trace_event *e = ev(&t, 200000, SIM_TRACE_DUPLICATE, 1);
    e->msg_id = id;
    e->msg_id2 = 99;
    fate(&t, 220000, id, SIM_TRACE_DELIVER, 2);
    fate(&t, 600000, 99, SIM_TRACE_DELIVER, 2);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_options o = all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "dup.png");
    double x, y;
    head_probe(&l, 1, 2, 200000, 600000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                  "the copy's arrowhead at 600 ms");
    head_probe(&l, 1, 2, 200000, 220000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false),
                  "the original's arrowhead at 220 ms");
    cairo_surface_destroy(s);
    trace_free(&t);
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
    struct trace t = trace_new();
    uint64_t id = send_msg(&t, 300000, 2, 1, RAFT_MSG_REQUEST_VOTE, 0, false);
    fate(&t, 320000, id, SIM_TRACE_DELIVER, 1);
    id = send_msg(&t, 320000, 1, 2, RAFT_MSG_REQUEST_VOTE_RESULT, 0, true);
    fate(&t, 380000, id, SIM_TRACE_DELIVER, 2);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_options o = all_messages();
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "vote.png");
    double x, y;
    head_probe(&l, 2, 1, 300000, 320000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_REQUEST_VOTE, false, false),
                  "the request's head");
    head_probe(&l, 1, 2, 320000, 380000, &x, &y);
    assert_colour(pixel_at(s, x, y),
                  viz_message_color(RAFT_MSG_REQUEST_VOTE_RESULT, false, true),
                  "the granted vote's head");
    cairo_surface_destroy(s);
    trace_free(&t);
}

/* Pixels of exactly colour c in the rectangle [x0, x1) x [y0, y1). */
static int count_colour(cairo_surface_t *s,
                        double x0,
                        double x1,
                        double y0,
                        double y1,
                        struct viz_rgb c)
{
    int n = 0;
    for (double y = y0; y < y1; y++) {
        for (double x = x0; x < x1; x++) {
            n += same_colour(pixel_at(s, x, y), c);
        }
    }
    return n;
}

/* Pixels that are not white in the rectangle [x0, x1) x [y0, y1). */
static int count_ink(cairo_surface_t *s,
                     double x0,
                     double x1,
                     double y0,
                     double y1)
{
    int n = 0;
    for (double y = y0; y < y1; y++) {
        for (double x = x0; x < x1; x++) {
            n += !is_white(pixel_at(s, x, y));
        }
    }
    return n;
}

Test(viz_timeline, leader_band_names_its_term)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_CANDIDATE, 4);
    role(&t, 200000, 1, RAFT_LEADER, 4);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "words.png");
    double y0, y1;
    viz_timeline_band(&l, 1, &y0, &y1);
    double x = viz_timeline_x(&l, 200000);
    /* White letters on the leader's blue, right after the span starts. */
    cr_assert_gt(
        count_colour(s, x + 4, x + 120, y0 + 4, y1 - 4, viz_hex(0xffffff)), 20,
        "no words in the leader band");
    /* A follower band carries none. */
    viz_timeline_band(&l, 2, &y0, &y1);
    cr_assert_eq(
        count_colour(s, x + 4, x + 120, y0 + 4, y1 - 4, viz_hex(0xffffff)), 0,
        "words in a follower band");
    cairo_surface_destroy(s);

    /* A leadership too short for its words gets none. */
    struct trace u = trace_new();
    role(&u, 500000, 1, RAFT_LEADER, 4);
    role(&u, 510000, 1, RAFT_FOLLOWER, 4);
    run = run_of(&u, 2, 1000000);
    s = render(&run, NULL, &l, "sliver.png");
    viz_timeline_band(&l, 1, &y0, &y1);
    x = viz_timeline_x(&l, 500000);
    double x1 = viz_timeline_x(&l, 510000);
    cr_assert_eq(count_colour(s, x, x1, y0 + 4, y1 - 4, viz_hex(0xffffff)), 0,
                 "words on a 10-pixel leadership");
    cairo_surface_destroy(s);
    trace_free(&u);
    trace_free(&t);
}

/* Pixels of colour c in the legend at the picture's bottom (one row in
 * these tests). A swatch is 24 x 10 pixels; the grey of anti-aliased text
 * may match a grey swatch on a few pixels, so absence is "under 30". */
static int legend_count(cairo_surface_t *s,
                        const struct viz_timeline_layout *l,
                        struct viz_rgb c)
{
    return count_colour(s, 0, l->width_px, l->height_px - 34, l->height_px - 12,
                        c);
}

Test(viz_timeline, legend_lists_only_what_the_picture_shows)
{
    /* Followers and a leader, no candidate, no crash, no message. */
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "legend1.png");
    cr_assert_gt(legend_count(s, &l, viz_role_color(RAFT_LEADER)), 200);
    cr_assert_gt(legend_count(s, &l, viz_role_color(RAFT_FOLLOWER)), 200);
    cr_assert_lt(legend_count(s, &l, viz_role_color(RAFT_CANDIDATE)), 30);
    cr_assert_lt(legend_count(s, &l, viz_crashed_color()), 30);
    int height = l.height_px;
    cairo_surface_destroy(s);

    /* A crash adds its swatch; the legend still fits in one row. */
    ev(&t, 500000, SIM_TRACE_CRASH, 2);
    run = run_of(&t, 2, 1000000);
    s = render(&run, NULL, &l, "legend2.png");
    cr_assert_eq(l.height_px, height);
    cr_assert_gt(legend_count(s, &l, viz_crashed_color()), 200);
    cairo_surface_destroy(s);

    /* A window before the crash leaves it out again. */
    struct viz_options o;
    viz_options_init(&o);
    o.to_us = 400000;
    s = render(&run, &o, &l, "legend3.png");
    cr_assert_lt(legend_count(s, &l, viz_crashed_color()), 30);
    cairo_surface_destroy(s);

    /* Frames keep every item so that they all have one height. */
    o.until_now = true;
    o.now_us = 50000;
    struct viz_timeline_layout f;
    cr_assert_eq(viz_timeline_layout(&run, &o, &f), VIZ_OK);
    o.now_us = 900000;
    struct viz_timeline_layout g;
    cr_assert_eq(viz_timeline_layout(&run, &o, &g), VIZ_OK);
    cr_assert_eq(f.height_px, g.height_px);
    cr_assert_gt(f.height_px, l.height_px, "a frame lost legend items");
    trace_free(&t);
}

Test(viz_timeline, check_ticks_are_captioned_only_when_there_are_checks)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "nocheck.png");
    /* The caption sits left of the plot, just above lane 1. */
    double y0 = l.lanes_y0 - 9;
    double y1 = l.lanes_y0;
    cr_assert_eq(count_ink(s, 16, l.plot_x0 - 4, y0, y1), 0);
    cairo_surface_destroy(s);

    struct sim_trace_event *e = ev(&t, 600000, SIM_TRACE_CHECK, 0);
    e->ok = true;
    e->text = "leader";
    run = run_of(&t, 2, 1000000);
    s = render(&run, NULL, &l, "check.png");
    cr_assert_gt(count_ink(s, 16, l.plot_x0 - 4, y0, y1), 10);
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, violation_is_a_red_line_across_the_lanes)
{
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 500000, SIM_TRACE_VIOLATION, 0);
    e->text = "Election Safety: two leaders in term 3";
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "violation.png");
    double x = viz_timeline_x(&l, 500000);
    /* The empty strip at the bottom of lane 2. */
    double y = l.lanes_y0 + 2 * l.lane_h - 4;
    assert_colour(pixel_at(s, x, y), viz_hex(0xc00000), "violation line");
    cr_assert(is_white(pixel_at(s, x + 30, y)));
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, partition_shades_each_group_until_heal)
{
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 200000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {1, 2, 2};
    e->text = "n1 | n2 n3";
    e->group_of = groups;
    e->n_group_of = 3;
    ev(&t, 600000, SIM_TRACE_HEAL, 0);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "partition.png");
    double x = viz_timeline_x(&l, 450000); /* between grid lines */
    struct pixel g1 = pixel_at(s, x, l.lanes_y0 + 1 * l.lane_h - 4);
    struct pixel g2 = pixel_at(s, x, l.lanes_y0 + 2 * l.lane_h - 4);
    struct pixel g3 = pixel_at(s, x, l.lanes_y0 + 3 * l.lane_h - 4);
    cr_assert_not(is_white(g1));
    cr_assert_not(is_white(g2));
    cr_assert(g2.r == g3.r && g2.g == g3.g && g2.b == g3.b,
              "n2 and n3 share a group but not a tint");
    cr_assert(g1.r != g2.r || g1.g != g2.g || g1.b != g2.b,
              "two groups share a tint");
    double after = viz_timeline_x(&l, 850000);
    cr_assert(is_white(pixel_at(s, after, l.lanes_y0 + l.lane_h - 4)));
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, partition_groups_are_the_event_data_not_its_text)
{
    /* The text is for readers; the groups drawn are the event's data: n2
     * is in group 1, n1 and n4 in group 2, n3 in none (alone). */
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 200000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {2, 1, 0, 2};
    e->text = "n1 n3 | rest";
    e->group_of = groups;
    e->n_group_of = 4;
    struct viz_run run = run_of(&t, 4, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "groups.png");
    double x = viz_timeline_x(&l, 450000);
    struct pixel g[5];
    for (uint32_t k = 1; k <= 4; k++)
        g[k] = pixel_at(s, x, l.lanes_y0 + k * l.lane_h - 4);
    cr_assert(same_pixel(g[1], g[4]), "n1 and n4 share a group but differ");
    cr_assert_not(same_pixel(g[1], g[2]), "n2 has a group of its own");
    cr_assert_not(same_pixel(g[1], g[3]), "n3 is alone");
    cr_assert_not(same_pixel(g[2], g[3]), "n3 is alone");
    cairo_surface_destroy(s);
    trace_free(&t);
}

static void client_event(struct trace *t,
                         uint64_t time_us,
                         enum sim_trace_kind kind,
                         uint64_t client,
                         bool ok,
                         const char *text)
{
    struct sim_trace_event *e = ev(t, time_us, kind, 0);
    e->client = client;
    e->request = 1;
    e->ok = ok;
    e->text = text;
}

Test(viz_timeline, client_bars_show_each_request_outcome)
{
    struct trace t = trace_new();
    client_event(&t, 200000, SIM_TRACE_CLIENT_INVOKE, 3, false, "set x 1");
    client_event(&t, 300000, SIM_TRACE_CLIENT_INVOKE, 7, false, "get x");
    client_event(&t, 500000, SIM_TRACE_CLIENT_COMPLETE, 3, true, "ok");
    client_event(&t, 600000, SIM_TRACE_CLIENT_COMPLETE, 7, false, "");
    client_event(&t, 700000, SIM_TRACE_CLIENT_INVOKE, 5, false, "get y");
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "clients.png");
    cr_assert_gt(l.client_h, 0);
    double y0, y1;
    /* Clients 3, 5, 7 take rows 0, 1, 2. */
    viz_timeline_client_bar(&l, 0, &y0, &y1);
    assert_colour(pixel_at(s, viz_timeline_x(&l, 450000), y1 - 2),
                  viz_hex(0xcdeee2), "completed request of client 3");
    viz_timeline_client_bar(&l, 2, &y0, &y1);
    assert_colour(pixel_at(s, viz_timeline_x(&l, 550000), y1 - 2),
                  viz_hex(0xf7d9c4), "failed request of client 7");
    viz_timeline_client_bar(&l, 1, &y0, &y1);
    assert_colour(pixel_at(s, viz_timeline_x(&l, 900000), y1 - 2),
                  viz_hex(0xffffff), "pending request of client 5");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 650000), y1 - 2),
                  viz_hex(0xf6f6f6), "client 5 before its request");
    cairo_surface_destroy(s);

    /* A run without clients has no client lane. */
    struct trace none = trace_new();
    run = run_of(&none, 3, 1000000);
    cr_assert_eq(viz_timeline_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.client_h, 0);
    trace_free(&none);
    trace_free(&t);
}

Test(viz_timeline, cut_shades_the_sender_lane_only)
{
    struct trace t = trace_new();
    struct sim_trace_event *e = ev(&t, 200000, SIM_TRACE_CUT, 2);
    e->peer = 1;
    ev(&t, 600000, SIM_TRACE_HEAL, 0);
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "cut.png");
    /* Count rose pixels along the empty strip of each lane (grid lines are
     * neutral grey). */
    int shaded[3] = {0, 0, 0};
    for (uint32_t k = 1; k <= 2; k++) {
        double y = l.lanes_y0 + k * l.lane_h - 5;
        for (double x = viz_timeline_x(&l, 250000);
             x < viz_timeline_x(&l, 550000); x += 1.0) {
            struct pixel p = pixel_at(s, x, y);
            shaded[k] += p.r > p.b + 8;
        }
    }
    cr_assert_eq(shaded[1], 0, "the receiver's lane is shaded");
    cr_assert_gt(shaded[2], 250, "the sender's lane is not shaded");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, window_maps_from_and_to_onto_the_plot_edges)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 1);
    ev(&t, 700000, SIM_TRACE_CRASH, 1);
    struct viz_run run = run_of(&t, 2, 2000000);
    struct viz_options o;
    viz_options_init(&o);
    o.from_us = 500000;
    o.to_us = 900000;
    o.width_px = 800;
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "window.png");
    cr_assert_eq(l.width_px, 800);
    cr_assert_eq(l.from_us, 500000);
    cr_assert_eq(l.to_us, 900000);
    cr_assert_float_eq(viz_timeline_x(&l, 500000), l.plot_x0, 1e-9);
    cr_assert_float_eq(viz_timeline_x(&l, 900000), l.plot_x1, 1e-9);
    cr_assert_float_eq(viz_timeline_x(&l, 700000), (l.plot_x0 + l.plot_x1) / 2,
                       1e-9);
    /* The leader span enters the window from the left. */
    double y = band_probe(&l, 1);
    assert_colour(pixel_at(s, l.plot_x0 + 2, y), viz_role_color(RAFT_LEADER),
                  "leader at the window's left edge");
    assert_colour(pixel_at(s, viz_timeline_x(&l, 800000), y),
                  viz_crashed_color(), "crashed at 800 ms");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, width_is_clamped_and_derived_from_the_run)
{
    struct trace t = trace_new();
    struct viz_options o;
    viz_options_init(&o);
    struct viz_timeline_layout shortl;
    struct viz_timeline_layout longl;
    struct viz_run run = run_of(&t, 3, 1000000);
    cr_assert_eq(viz_timeline_layout(&run, &o, &shortl), VIZ_OK);
    run.end_us = 10000000;
    cr_assert_eq(viz_timeline_layout(&run, &o, &longl), VIZ_OK);
    cr_assert_gt(longl.width_px, shortl.width_px);
    /* Half a pixel per millisecond, at most 3000 for the time alone. */
    cr_assert_eq(longl.width_px, 3000 + 120);

    /* 400 drawn messages in 1 s need 6 pixels each. */
    for (int i = 0; i < 400; i++) {
        uint64_t id = send_msg(&t, 1000 + i * 2000, 1, 2,
                               RAFT_MSG_APPEND_ENTRIES, 1, false);
        fate(&t, 1500 + i * 2000, id, SIM_TRACE_DELIVER, 2);
    }
    run = run_of(&t, 3, 1000000);
    cr_assert_eq(viz_timeline_layout(&run, &o, &longl), VIZ_OK);
    cr_assert_eq(longl.width_px, 2400 + 120);
    run.end_us = 10000000;

    o.width_px = 10;
    cr_assert_eq(viz_timeline_layout(&run, &o, &shortl), VIZ_OK);
    cr_assert_eq(shortl.width_px, VIZ_WIDTH_MIN_PX);
    o.width_px = 1000000;
    cr_assert_eq(viz_timeline_layout(&run, &o, &shortl), VIZ_OK);
    cr_assert_eq(shortl.width_px, VIZ_WIDTH_MAX_PX);
    trace_free(&t);
}

Test(viz_timeline, auto_mode_drops_heartbeats_from_busy_runs)
{
    struct trace t = trace_new();
    for (int i = 0; i < 10; i++) {
        uint64_t id = send_msg(&t, 1000 + i * 50000, 1, 2,
                               RAFT_MSG_APPEND_ENTRIES, 0, false);
        fate(&t, 2000 + i * 50000, id, SIM_TRACE_DELIVER, 2);
    }
    struct viz_run run = run_of(&t, 2, 1000000);
    struct viz_timeline_layout l;
    cr_assert_eq(viz_timeline_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.messages, VIZ_MESSAGES_ALL);
    for (int i = 10; i < 400; i++) {
        uint64_t id = send_msg(&t, 1000 + i * 2000, 1, 2,
                               RAFT_MSG_APPEND_ENTRIES, 0, false);
        fate(&t, 1500 + i * 2000, id, SIM_TRACE_DELIVER, 2);
    }
    run = run_of(&t, 2, 1000000);
    cr_assert_eq(viz_timeline_layout(&run, NULL, &l), VIZ_OK);
    cr_assert_eq(l.messages, VIZ_MESSAGES_NO_HEARTBEATS);
    trace_free(&t);
}

/* A trace with a bit of everything, for the byte-level tests. */
static struct trace busy_trace(void)
{
    struct trace t = trace_new();
    role(&t, 150000, 1, RAFT_CANDIDATE, 1);
    for (uint32_t p = 2; p <= 3; p++) {
        uint64_t id = send_msg(&t, 150000, 1, p, RAFT_MSG_REQUEST_VOTE, 0, 0);
        fate(&t, 153000, id, p == 3 ? SIM_TRACE_DROP : SIM_TRACE_DELIVER, p);
    }
    uint64_t id =
        send_msg(&t, 153000, 2, 1, RAFT_MSG_REQUEST_VOTE_RESULT, 0, true);
    fate(&t, 156000, id, SIM_TRACE_DELIVER, 1);
    role(&t, 156000, 1, RAFT_LEADER, 1);
    struct sim_trace_event *e = ev(&t, 200000, SIM_TRACE_CLIENT_INVOKE, 0);
    e->client = 1;
    e->request = 1;
    e->text = "set x 1";
    e = ev(&t, 200000, SIM_TRACE_CLIENT_SEND, 1);
    e->client = 1;
    e->request = 1;
    id = send_msg(&t, 201000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 1, false);
    fate(&t, 204000, id, SIM_TRACE_DELIVER, 2);
    e = ev(&t, 210000, SIM_TRACE_COMMIT, 1);
    e->index = 1;
    e = ev(&t, 212000, SIM_TRACE_CLIENT_COMPLETE, 0);
    e->client = 1;
    e->request = 1;
    e->ok = true;
    e->text = "ok";
    e = ev(&t, 300000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {1, 2, 2};
    e->text = "n1 | n2 n3";
    e->group_of = groups;
    e->n_group_of = 3;
    ev(&t, 350000, SIM_TRACE_CRASH, 1);
    e = ev(&t, 400000, SIM_TRACE_PAUSE, 3);
    e->aux = 450000;
    ev(&t, 450000, SIM_TRACE_RESUME, 3);
    ev(&t, 500000, SIM_TRACE_HEAL, 0);
    e = ev(&t, 550000, SIM_TRACE_VIOLATION, 0);
    e->text = "Log Matching";
    return t;
}

Test(viz_timeline, same_input_gives_identical_bytes_in_every_format)
{
    struct trace t = busy_trace();
    struct viz_run run = run_of(&t, 3, 600000);
    for (int f = 0; f < VIZ_FORMAT_COUNT; f++) {
        struct viz_options o;
        viz_options_init(&o);
        o.format = (enum viz_format)f;
        char *p1 = tmp_path("one");
        char *p2 = tmp_path("two");
        cr_assert_eq(viz_timeline_write(&run, &o, p1), VIZ_OK);
        cr_assert_eq(viz_timeline_write(&run, &o, p2), VIZ_OK);
        gsize n1, n2;
        char *d1 = read_all(p1, &n1);
        char *d2 = read_all(p2, &n2);
        cr_assert_eq(n1, n2, "%s: sizes differ", viz_format_extension(f));
        cr_assert(memcmp(d1, d2, n1) == 0, "%s: bytes differ",
                  viz_format_extension(f));
        g_free(d1);
        g_free(d2);
        g_free(p1);
        g_free(p2);
    }
    trace_free(&t);
}

Test(viz_timeline, drawing_after_releasing_caches_gives_the_same_bytes)
{
    struct trace t = trace_new();
    role(&t, 100000, 1, RAFT_LEADER, 3);
    struct viz_run run = run_of(&t, 2, 1000000);
    char *a = tmp_path("before.png");
    char *b = tmp_path("after.png");
    cr_assert_eq(viz_timeline_write(&run, NULL, a), VIZ_OK);
    viz_release_caches();
    cr_assert_eq(viz_timeline_write(&run, NULL, b), VIZ_OK);
    gsize la, lb;
    char *da = read_all(a, &la);
    char *db = read_all(b, &lb);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(da, db, la) == 0, "the picture changed");
    g_free(da);
    g_free(db);
    g_free(a);
    g_free(b);
    trace_free(&t);
}

Test(viz_timeline, svg_and_pdf_carry_their_magic_and_content)
{
    struct trace t = busy_trace();
    struct viz_run run = run_of(&t, 3, 600000);
    struct viz_options o;
    viz_options_init(&o);

    o.format = VIZ_FORMAT_SVG;
    char *p = tmp_path("t.svg");
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_OK);
    gsize n;
    char *d = read_all(p, &n);
    cr_assert(g_str_has_prefix(d, "<?xml") || g_str_has_prefix(d, "<svg"));
    cr_assert_not_null(strstr(d, "<svg"));
    cr_assert_gt(n, 20000);
    g_free(d);
    g_free(p);

    o.format = VIZ_FORMAT_PDF;
    p = tmp_path("t.pdf");
    cr_assert_eq(viz_timeline_write(&run, &o, p), VIZ_OK);
    d = read_all(p, &n);
    cr_assert(g_str_has_prefix(d, "%PDF"));
    cr_assert_gt(n, 5000);
    /* No creation date: the bytes must not depend on the day. */
    cr_assert_null(g_strstr_len(d, (gssize)n, "CreationDate"));
    g_free(d);
    g_free(p);
    trace_free(&t);
}

Test(viz_timeline, invalid_arguments_are_rejected_and_leave_no_file)
{
    struct trace t = busy_trace();
    struct viz_run run = run_of(&t, 3, 600000);
    struct viz_options o;
    viz_options_init(&o);
    char *p = tmp_path("bad.png");

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

    char *missing = g_build_filename(tmp_dir, "no-such-dir", "x.svg", NULL);
    o.format = VIZ_FORMAT_SVG;
    cr_assert_eq(viz_timeline_write(&run, &o, missing), VIZ_EIO);
    o.format = VIZ_FORMAT_PNG;
    cr_assert_eq(viz_timeline_write(&run, &o, missing), VIZ_EIO);
    g_free(missing);
    g_free(p);
    trace_free(&t);
}

Test(viz_timeline, frames_are_named_in_order_and_line_up)
{
    char *p = viz_frame_path("out", 42, VIZ_FRAME_TIMELINE, VIZ_FORMAT_PNG);
    cr_assert_str_eq(p, "out/timeline-000042.png");
    g_free(p);
    p = viz_frame_path("out", 7, VIZ_FRAME_LOG, VIZ_FORMAT_SVG);
    cr_assert_str_eq(p, "out/log-000007.svg");
    g_free(p);

    /* A client shows up between the two frames: they still have one
     * height. */
    struct trace t = trace_new();
    role(&t, 200000, 1, RAFT_LEADER, 1);
    client_event(&t, 500000, SIM_TRACE_CLIENT_INVOKE, 3, false, "set x 1");
    role(&t, 600000, 2, RAFT_LEADER, 2);
    struct viz_run run = run_of(&t, 2, 1000000);
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
    cr_assert_eq(viz_frame_write(tmp_dir, 0, 300000, &run, NULL, &view),
                 VIZ_OK);
    cr_assert_eq(viz_frame_write(tmp_dir, 1, 800000, &run, NULL, NULL), VIZ_OK);

    char *f0 = g_build_filename(tmp_dir, "timeline-000000.png", NULL);
    char *f1 = g_build_filename(tmp_dir, "timeline-000001.png", NULL);
    char *l0 = g_build_filename(tmp_dir, "log-000000.png", NULL);
    char *l1 = g_build_filename(tmp_dir, "log-000001.png", NULL);
    cr_assert(g_file_test(l0, G_FILE_TEST_EXISTS));
    cr_assert_not(g_file_test(l1, G_FILE_TEST_EXISTS));
    cairo_surface_t *s0 = load_png(f0);
    cairo_surface_t *s1 = load_png(f1);
    cr_assert_eq(cairo_image_surface_get_width(s0),
                 cairo_image_surface_get_width(s1));
    cr_assert_eq(cairo_image_surface_get_height(s0),
                 cairo_image_surface_get_height(s1));

    struct viz_options o;
    viz_options_init(&o);
    o.until_now = true;
    o.now_us = 300000;
    struct viz_timeline_layout l;
    cr_assert_eq(viz_timeline_layout(&run, &o, &l), VIZ_OK);
    /* Frame 0 is at 300 ms: n1 leads, and n2's later leadership is not
     * drawn yet. */
    assert_colour(pixel_at(s0, viz_timeline_x(&l, 250000), band_probe(&l, 1)),
                  viz_role_color(RAFT_LEADER), "n1 leads at 250 ms");
    cr_assert_not(
        same_colour(pixel_at(s0, viz_timeline_x(&l, 700000), band_probe(&l, 2)),
                    viz_role_color(RAFT_LEADER)));
    /* Frame 1 is at 800 ms: now it is. */
    assert_colour(pixel_at(s1, viz_timeline_x(&l, 700000), band_probe(&l, 2)),
                  viz_role_color(RAFT_LEADER), "n2 leads at 700 ms");
    cairo_surface_destroy(s0);
    cairo_surface_destroy(s1);
    g_free(f0);
    g_free(f1);
    g_free(l0);
    g_free(l1);
    trace_free(&t);
}

Test(viz_timeline, names_parse_and_errors_have_messages)
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

Test(viz_timeline, axis_steps_are_one_two_or_five_times_a_power_of_ten)
{
    cr_assert_eq(viz_nice_step(0.3), 1);
    cr_assert_eq(viz_nice_step(1), 1);
    cr_assert_eq(viz_nice_step(1.5), 2);
    cr_assert_eq(viz_nice_step(3), 5);
    cr_assert_eq(viz_nice_step(7), 10);
    cr_assert_eq(viz_nice_step(120000), 200000);
    cr_assert_eq(viz_nice_step(450000), 500000);
    char buf[32];
    viz_format_time(0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0");
    viz_format_time(850000, buf, sizeof buf);
    cr_assert_str_eq(buf, "850 ms");
    viz_format_time(1250000, buf, sizeof buf);
    cr_assert_str_eq(buf, "1.25 s");
    viz_format_time(37, buf, sizeof buf);
    cr_assert_str_eq(buf, "37 us");
    viz_format_time(12500, buf, sizeof buf);
    cr_assert_str_eq(buf, "12.5 ms");
}

/* ---- log diagram -------------------------------------------------------- */

/* The Raft paper's Figure 7 in miniature: a leader, a follower that missed
 * entries, one with an extra uncommitted suffix from an old term, a crashed
 * node, and one whose prefix is a snapshot. */
static const uint64_t leader_terms[] = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
static const uint64_t short_terms[] = {1, 1, 1, 4};
static const uint64_t diverged_terms[] = {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3};
static const uint64_t snap_terms[] = {5, 5, 6, 6, 6};

static struct viz_log_node figure_nodes[5] = {
    {.alive = true,
     .role = RAFT_LEADER,
     .term = 8,
     .commit_index = 8,
     .first_index = 1,
     .n_entries = 10,
     .terms = leader_terms},
    {.alive = true,
     .role = RAFT_FOLLOWER,
     .term = 8,
     .commit_index = 3,
     .first_index = 1,
     .n_entries = 4,
     .terms = short_terms},
    {.alive = true,
     .role = RAFT_FOLLOWER,
     .term = 8,
     .commit_index = 3,
     .first_index = 1,
     .n_entries = 11,
     .terms = diverged_terms},
    {.alive = false,
     .role = RAFT_FOLLOWER,
     .term = 6,
     .commit_index = 3,
     .first_index = 1,
     .n_entries = 4,
     .terms = short_terms},
    {.alive = true,
     .role = RAFT_FOLLOWER,
     .term = 8,
     .commit_index = 8,
     .snapshot_index = 5,
     .snapshot_term = 4,
     .first_index = 6,
     .n_entries = 5,
     .terms = snap_terms},
};

static struct viz_log_view figure_view(void)
{
    struct viz_log_view v = {
        .title = "figure 7",
        .at_us = 1500000,
        .n_nodes = 5,
        .nodes = figure_nodes,
    };
    return v;
}

static cairo_surface_t *render_log(const struct viz_log_view *v,
                                   const char *name)
{
    char *path = g_build_filename(tmp_dir, name, NULL);
    cr_assert_eq(viz_log_write(v, VIZ_FORMAT_PNG, path), VIZ_OK);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    g_free(path);
    return s;
}

Test(viz_log, png_decodes_at_the_layout_size)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "log.png");
    cr_assert_eq(cairo_image_surface_get_width(s), l.width_px);
    cr_assert_eq(cairo_image_surface_get_height(s), l.height_px);
    /* One column per index 1..11; no snapshot shared by every node. */
    cr_assert_eq(l.lo_index, 1);
    cr_assert_eq(l.hi_index, 11);
    cr_assert_eq(l.prefix_w, 0);
    cairo_surface_destroy(s);
}

Test(viz_log, box_of_an_index_has_the_colour_of_its_term)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "terms.png");
    for (uint32_t node = 1; node <= 3; node++) {
        const struct viz_log_node *n = &figure_nodes[node - 1];
        for (size_t k = 0; k < n->n_entries; k++) {
            struct viz_rect r;
            uint64_t index = n->first_index + k;
            cr_assert(viz_log_box(&l, &v, node, index, &r));
            /* Inside the border and any red frame, clear of the centred
             * term number. */
            char what[64];
            g_snprintf(what, sizeof what, "n%u index %u", (unsigned)node,
                       (unsigned)index);
            assert_colour(pixel_at(s, r.x + 6, r.y + 6),
                          viz_term_color(n->terms[k]), what);
        }
    }
    /* Past the end of n2's log: nothing. */
    struct viz_rect r;
    cr_assert_not(viz_log_box(&l, &v, 2, 5, &r));
    cairo_surface_destroy(s);
}

/* True when the box's inner edge carries the red frame of an entry that
 * is not in the leader's log. */
static bool framed_red(cairo_surface_t *s, const struct viz_rect *r)
{
    return same_colour(pixel_at(s, r->x + 2, r->y + r->h / 2),
                       viz_hex(0xc00000));
}

Test(viz_log, entries_not_in_the_leaders_log_are_framed_red)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "differ.png");
    struct viz_rect r;
    /* n3 holds terms 2 and 3 at 4..10 where the leader has 4, 5 and 6, and
     * an entry at 11 the leader lacks: all framed. 1..3 agree. */
    for (uint64_t index = 1; index <= 11; index++) {
        cr_assert(viz_log_box(&l, &v, 3, index, &r));
        cr_assert_eq(framed_red(s, &r), index >= 4, "n3 index %u",
                     (unsigned)index);
    }
    /* A prefix of the leader's log (n2) and the leader itself: none. */
    for (uint64_t index = 1; index <= 4; index++) {
        cr_assert(viz_log_box(&l, &v, 2, index, &r));
        cr_assert_not(framed_red(s, &r), "n2 index %u", (unsigned)index);
    }
    cr_assert(viz_log_box(&l, &v, 1, 10, &r));
    cr_assert_not(framed_red(s, &r));
    /* n5's entries after its snapshot match the leader's: none. */
    cr_assert(viz_log_box(&l, &v, 5, 8, &r));
    cr_assert_not(framed_red(s, &r));
    cairo_surface_destroy(s);

    /* Without a live leader nothing is compared. */
    struct viz_log_node nodes[5];
    memcpy(nodes, figure_nodes, sizeof nodes);
    nodes[0].alive = false;
    v.nodes = nodes;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    s = render_log(&v, "noleader.png");
    cr_assert(viz_log_box(&l, &v, 3, 5, &r));
    cr_assert_not(framed_red(s, &r));
    cairo_surface_destroy(s);
}

Test(viz_log, legend_names_every_term_in_the_logs)
{
    /* Eight terms need more than the minimum width: the picture widens
     * rather than cutting the legend. */
    static const uint64_t many[] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct viz_log_node n = {
        .alive = true,
        .role = RAFT_FOLLOWER,
        .term = 8,
        .first_index = 1,
        .n_entries = 8,
        .terms = many,
    };
    struct viz_log_view v = {.at_us = 0, .n_nodes = 1, .nodes = &n};
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "legend.png");
    /* Each term's swatch: its colour somewhere in the legend row. */
    double y = l.rows_y0 + l.row_h + 14 - 4;
    for (uint64_t t = 1; t <= 8; t++) {
        bool found = false;
        for (int x = 0; x < l.width_px && !found; x++) {
            found = same_colour(pixel_at(s, x, y), viz_term_color(t));
        }
        cr_assert(found, "term %u missing from the legend", (unsigned)t);
    }
    cairo_surface_destroy(s);
}

Test(viz_log, same_index_lines_up_in_every_row)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    struct viz_rect a;
    struct viz_rect b;
    cr_assert(viz_log_box(&l, &v, 1, 4, &a));
    cr_assert(viz_log_box(&l, &v, 3, 4, &b));
    cr_assert_float_eq(a.x, b.x, 1e-9);
    cr_assert_float_eq(a.w, b.w, 1e-9);
    cr_assert_float_eq(b.y - a.y, 2 * l.row_h, 1e-9);
    cr_assert(viz_log_box(&l, &v, 1, 5, &b));
    cr_assert_float_eq(b.x - a.x, l.box_w, 1e-9);
}

Test(viz_log, snapshot_prefix_is_a_single_block)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    struct viz_rect first;
    struct viz_rect last;
    struct viz_rect entry;
    cr_assert(viz_log_box(&l, &v, 5, 1, &first));
    cr_assert(viz_log_box(&l, &v, 5, 5, &last));
    cr_assert(viz_log_box(&l, &v, 5, 6, &entry));
    cr_assert_float_eq(first.x, last.x, 1e-9);
    cr_assert_float_eq(first.w, last.w, 1e-9);
    /* The block covers the columns of indices 1 to 5 and ends where index
     * 6's box begins. */
    struct viz_rect one;
    cr_assert(viz_log_box(&l, &v, 1, 1, &one));
    cr_assert_float_eq(first.x, one.x, 1e-9);
    cr_assert_float_eq(first.x + first.w + 2, entry.x, 1e-9);

    cairo_surface_t *s = render_log(&v, "snap.png");
    /* Not a term colour: the neutral grey snapshot fill and texture. */
    struct pixel p = pixel_at(s, first.x + 2, first.y + first.h - 3);
    cr_assert(p.r == p.g && p.g == p.b && p.r > 0xc0 && p.r < 0xf0,
              "snapshot block pixel #%02x%02x%02x", p.r, p.g, p.b);
    assert_colour(pixel_at(s, entry.x + 3, entry.y + 3), viz_term_color(5),
                  "first entry after the snapshot");
    cairo_surface_destroy(s);
}

Test(viz_log, prefix_every_node_snapshotted_shares_one_column)
{
    static const uint64_t a_terms[] = {3, 3, 4};
    static const uint64_t b_terms[] = {4};
    struct viz_log_node nodes[2] = {
        {.alive = true,
         .role = RAFT_LEADER,
         .term = 4,
         .commit_index = 102,
         .snapshot_index = 100,
         .snapshot_term = 3,
         .first_index = 101,
         .n_entries = 3,
         .terms = a_terms},
        {.alive = true,
         .role = RAFT_FOLLOWER,
         .term = 4,
         .commit_index = 103,
         .snapshot_index = 102,
         .snapshot_term = 3,
         .first_index = 103,
         .n_entries = 1,
         .terms = b_terms},
    };
    struct viz_log_view v = {.n_nodes = 2, .nodes = nodes};
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cr_assert_eq(l.lo_index, 101);
    cr_assert_eq(l.hi_index, 103);
    cr_assert_gt(l.prefix_w, 40);
    /* Three columns, not a hundred. */
    cr_assert_lt(l.width_px, 700);
    struct viz_rect a;
    struct viz_rect b;
    cr_assert(viz_log_box(&l, &v, 1, 100, &a));
    cr_assert(viz_log_box(&l, &v, 2, 102, &b));
    cr_assert_float_eq(a.x, b.x, 1e-9);
    cr_assert_gt(b.w, a.w, "n2's block should also cover 101 and 102");
    cairo_surface_t *s = render_log(&v, "shared.png");
    struct viz_rect e;
    cr_assert(viz_log_box(&l, &v, 2, 103, &e));
    assert_colour(pixel_at(s, e.x + 3, e.y + 3), viz_term_color(4),
                  "n2 index 103");
    cairo_surface_destroy(s);
}

Test(viz_log, crashed_node_is_greyed)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "crashed.png");
    struct viz_rect r;
    cr_assert(viz_log_box(&l, &v, 4, 4, &r));
    struct pixel p = pixel_at(s, r.x + 3, r.y + 3);
    struct viz_rgb c = viz_term_color(4);
    /* Lighter than the live colour in every channel that can lighten. */
    cr_assert_gt(p.r + p.g + p.b,
                 byte_of(c.r) + byte_of(c.g) + byte_of(c.b) + 60);
    /* The same index on a live node (n2) keeps its colour. */
    cr_assert(viz_log_box(&l, &v, 2, 4, &r));
    assert_colour(pixel_at(s, r.x + 3, r.y + 3), c, "n2 index 4");
    cairo_surface_destroy(s);
}

Test(viz_log, commit_bar_runs_under_committed_boxes_only)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "commit.png");
    struct viz_rect r;
    /* n1 commits 8 of 10. */
    cr_assert(viz_log_box(&l, &v, 1, 5, &r));
    assert_colour(pixel_at(s, r.x + r.w / 2, r.y + r.h + 5), viz_hex(0x1a1a1a),
                  "under committed index 5");
    cr_assert(viz_log_box(&l, &v, 1, 9, &r));
    assert_colour(pixel_at(s, r.x + r.w / 2, r.y + r.h + 5), viz_hex(0xffffff),
                  "under uncommitted index 9");
    cairo_surface_destroy(s);
}

Test(viz_log, same_view_gives_identical_bytes_in_every_format)
{
    struct viz_log_view v = figure_view();
    static const char *magic[VIZ_FORMAT_COUNT] = {"\x89PNG", "<?xml", "%PDF"};
    for (int f = 0; f < VIZ_FORMAT_COUNT; f++) {
        char *p1 = g_build_filename(tmp_dir, "one", NULL);
        char *p2 = g_build_filename(tmp_dir, "two", NULL);
        cr_assert_eq(viz_log_write(&v, (enum viz_format)f, p1), VIZ_OK);
        cr_assert_eq(viz_log_write(&v, (enum viz_format)f, p2), VIZ_OK);
        char *d1;
        char *d2;
        gsize n1;
        gsize n2;
        cr_assert(g_file_get_contents(p1, &d1, &n1, NULL));
        cr_assert(g_file_get_contents(p2, &d2, &n2, NULL));
        cr_assert_eq(n1, n2);
        cr_assert(memcmp(d1, d2, n1) == 0, "format %d: bytes differ", f);
        cr_assert(g_str_has_prefix(d1, magic[f]), "format %d: no magic", f);
        cr_assert_gt(n1, 4000);
        g_free(d1);
        g_free(d2);
        g_free(p1);
        g_free(p2);
    }
}

Test(viz_log, malformed_views_are_rejected)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    v.n_nodes = 0;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_EINVAL);
    v = figure_view();
    struct viz_log_node bad = figure_nodes[0];
    bad.terms = NULL;
    v.nodes = &bad;
    v.n_nodes = 1;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_EINVAL);
    char *p = g_build_filename(tmp_dir, "bad.png", NULL);
    cr_assert_eq(viz_log_write(&v, VIZ_FORMAT_PNG, p), VIZ_EINVAL);
    cr_assert_not(g_file_test(p, G_FILE_TEST_EXISTS));
    g_free(p);
}

/* A long run's logs: a leader with 2000 entries, a follower 50 behind and
 * one whose snapshot covers 1..1500. */
static uint64_t long_terms[2000];

static struct viz_log_view long_view(struct viz_log_node nodes[3])
{
    for (size_t k = 0; k < 2000; k++) {
        long_terms[k] = 1 + k / 700;
    }
    nodes[0] = (struct viz_log_node){.alive = true,
                                     .role = RAFT_LEADER,
                                     .term = 3,
                                     .commit_index = 1990,
                                     .first_index = 1,
                                     .n_entries = 2000,
                                     .terms = long_terms};
    nodes[1] = nodes[0];
    nodes[1].role = RAFT_FOLLOWER;
    nodes[1].n_entries = 1950;
    nodes[2] = nodes[0];
    nodes[2].role = RAFT_FOLLOWER;
    nodes[2].snapshot_index = 1500;
    nodes[2].snapshot_term = 3;
    nodes[2].first_index = 1501;
    nodes[2].n_entries = 500;
    nodes[2].terms = long_terms + 1500;
    return (struct viz_log_view){.at_us = 0, .n_nodes = 3, .nodes = nodes};
}

/* Every index 1..last of every node is in a drawn box or counted as not
 * shown, and each count is drawn as a marked block in that row. */
static void assert_nothing_dropped(const struct viz_log_view *v,
                                   const char *name)
{
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(v, name);
    for (uint32_t node = 1; node <= v->n_nodes; node++) {
        const struct viz_log_node *n = &v->nodes[node - 1];
        uint64_t last = n->first_index + n->n_entries - 1;
        uint64_t drawn = 0, before = 0, after = 0;
        for (uint64_t i = 1; i <= last; i++) {
            struct viz_rect r;
            if (viz_log_box(&l, v, node, i, &r)) {
                cr_assert(r.x >= 0 && r.x + r.w <= l.width_px, "n%u %u",
                          (unsigned)node, (unsigned)i);
                drawn++;
            }
        }
        cr_assert(viz_log_hidden(&l, v, node, &before, &after));
        cr_assert_eq(drawn + before + after, last, "n%u: %u + %u + %u",
                     (unsigned)node, (unsigned)drawn, (unsigned)before,
                     (unsigned)after);
        double y = l.rows_y0 + l.row_h * (node - 1) + 4;
        if (before > 0) {
            assert_colour(pixel_at(s, l.prefix_x + 4, y),
                          viz_log_elision_color(), "block before");
        }
        if (after > 0) {
            assert_colour(pixel_at(s, l.tail_x + 4, y),
                          viz_log_elision_color(), "block after");
        }
    }
    cairo_surface_destroy(s);
}

Test(viz_log, long_logs_default_to_a_window_at_the_end)
{
    struct viz_log_node nodes[3];
    struct viz_log_view v = long_view(nodes);
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cr_assert_eq(l.hi_index, 2000);
    cr_assert_eq(l.lo_index, 2000 - VIZ_LOG_MAX_COLUMNS + 1);
    cr_assert(l.elided_before);
    cr_assert_eq(l.tail_w, 0);
    uint64_t before, after;
    cr_assert(viz_log_hidden(&l, &v, 3, &before, &after));
    cr_assert_eq(before, l.lo_index - 1);
    cr_assert_eq(after, 0);
    assert_nothing_dropped(&v, "long.png");
}

Test(viz_log, an_index_window_marks_both_elided_ranges)
{
    struct viz_log_node nodes[3];
    struct viz_log_view v = long_view(nodes);
    v.from_index = 1200;
    v.to_index = 1960;
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cr_assert_eq(l.lo_index, 1200);
    cr_assert_eq(l.hi_index, 1960);
    cr_assert(l.tail_w > 0);
    uint64_t before, after;
    cr_assert(viz_log_hidden(&l, &v, 2, &before, &after));
    cr_assert_eq(before, 1199);
    cr_assert_eq(after, 0); /* n2 ends at 1950, inside the window */
    assert_nothing_dropped(&v, "window.png");

    /* Inverted, past the end, or wider than the limit: refused. */
    v.from_index = 1961;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_EINVAL);
    v.from_index = 2001;
    v.to_index = 0;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_EINVAL);
    v.from_index = 1;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_EINVAL);
}

/* ---- membership and leadership transfers -------------------------------- */

static void config(struct trace *t,
                   uint64_t time_us,
                   uint32_t node,
                   uint64_t index,
                   const char *text)
{
    struct sim_trace_event *e = ev(t, time_us, SIM_TRACE_CONFIG, node);
    e->index = index;
    e->term = index ? 1 : 0;
    e->text = text;
}

static void transfer(struct trace *t,
                     uint64_t time_us,
                     uint32_t leader,
                     uint32_t target,
                     const char *what)
{
    struct sim_trace_event *e = ev(t, time_us, SIM_TRACE_TRANSFER, leader);
    e->peer = target;
    e->term = 1;
    e->text = what;
}

Test(viz_timeline, config_texts_tell_where_each_node_stands)
{
    const char *joint = "voters n1 n3 n12 | learners n2 | outgoing n1 n2";
    cr_assert_eq(viz_member_of("voters n1 n2 n3", 2), VIZ_MEMBER_VOTER);
    cr_assert_eq(viz_member_of("voters n1 n2 n3", 4), VIZ_MEMBER_NONE);
    cr_assert_eq(viz_member_of("voters n12", 1), VIZ_MEMBER_NONE,
                 "n12 is not n1");
    cr_assert_eq(viz_member_of("voters n1 | learners n4", 4),
                 VIZ_MEMBER_LEARNER);
    cr_assert_eq(viz_member_of(joint, 1), VIZ_MEMBER_JOINT_BOTH);
    cr_assert_eq(viz_member_of(joint, 3), VIZ_MEMBER_JOINT_IN);
    cr_assert_eq(viz_member_of(joint, 12), VIZ_MEMBER_JOINT_IN);
    cr_assert_eq(viz_member_of(joint, 2), VIZ_MEMBER_JOINT_OUT,
                 "a voter being demoted is an outgoing voter while joint");
    cr_assert_eq(viz_member_of(NULL, 1), VIZ_MEMBER_NONE);
    uint64_t v[] = {1, 3}, o[] = {1, 2}, lr[] = {2};
    struct raft_configuration c = {.voters = v, .n_voters = 2,
                                   .outgoing = o, .n_outgoing = 2,
                                   .learners = lr, .n_learners = 1};
    for (uint32_t id = 1; id <= 4; id++)
        cr_assert_eq(viz_member_in(&c, id),
                     viz_member_of("voters n1 n3 | learners n2 | outgoing n1 n2",
                                   id),
                     "n%u", id);
}

/* n3 is a spare (outside the bootstrap configuration) until n1 adds it as
 * a learner at 400 ms, then as an incoming voter of a joint configuration
 * at 700 ms. */
static struct trace membership_trace(void)
{
    struct trace t = trace_new();
    for (uint32_t k = 1; k <= 3; k++)
        config(&t, 0, k, 0, "voters n1 n2");
    role(&t, 100000, 1, RAFT_LEADER, 1);
    config(&t, 400000, 1, 3, "voters n1 n2 | learners n3");
    config(&t, 700000, 1, 4, "voters n1 n2 n3 | outgoing n1 n2");
    return t;
}

static struct pixel strip_pixel(cairo_surface_t *s,
                                const struct viz_timeline_layout *l,
                                uint32_t node,
                                uint64_t t_us)
{
    double y0, y1;
    viz_timeline_member_strip(l, node, &y0, &y1);
    return pixel_at(s, viz_timeline_x(l, t_us), (y0 + y1) / 2);
}

Test(viz_timeline, membership_strips_follow_the_cluster_configuration)
{
    struct trace t = membership_trace();
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "members.png");
    cr_assert(l.members);
    assert_colour(strip_pixel(s, &l, 1, 300000),
                  viz_member_color(VIZ_MEMBER_VOTER), "n1 a voter");
    cr_assert(!same_colour(strip_pixel(s, &l, 3, 300000),
                           viz_member_color(VIZ_MEMBER_VOTER)),
              "the spare is no voter");
    assert_colour(strip_pixel(s, &l, 3, 550000),
                  viz_member_color(VIZ_MEMBER_LEARNER), "n3 a learner");
    assert_colour(strip_pixel(s, &l, 3, 850000),
                  viz_member_color(VIZ_MEMBER_JOINT_IN), "n3 incoming");
    assert_colour(strip_pixel(s, &l, 1, 850000),
                  viz_member_color(VIZ_MEMBER_JOINT_BOTH), "n1 in both");
    /* The spare's band is washed out: paler than a follower's. */
    struct pixel band = pixel_at(s, viz_timeline_x(&l, 200000),
                                 band_probe(&l, 3) + 4);
    struct pixel follower = pixel_at(s, viz_timeline_x(&l, 200000),
                                     band_probe(&l, 2) + 4);
    assert_colour(follower, viz_role_color(RAFT_FOLLOWER), "n2 follows");
    cr_assert(band.r > follower.r && !same_colour(band, viz_role_color(
                                                            RAFT_FOLLOWER)),
              "n3 not a member: #%02x%02x%02x", band.r, band.g, band.b);
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_timeline, a_cluster_of_voters_only_draws_no_membership_strips)
{
    struct trace t = trace_new();
    for (uint32_t k = 1; k <= 3; k++)
        config(&t, 0, k, 0, "voters n1 n2 n3");
    role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, NULL, &l, "voters.png");
    cr_assert_not(l.members);
    for (int m = 0; m < VIZ_MEMBER_COUNT; m++)
        cr_assert(!same_colour(strip_pixel(s, &l, 2, 537000),
                               viz_member_color((enum viz_member)m)) ||
                      m == VIZ_MEMBER_NONE,
                  "a strip of %s", viz_member_name((enum viz_member)m));
    cairo_surface_destroy(s);
    trace_free(&t);
}

/* The transfer arrow runs from the leader's band at the start to the
 * target's band at the outcome. */
Test(viz_timeline, a_leadership_transfer_is_an_arrow_from_leader_to_target)
{
    struct trace t = membership_trace();
    transfer(&t, 800000, 1, 3, "start");
    transfer(&t, 800000, 1, 3, "timeout-now");
    role(&t, 820000, 1, RAFT_FOLLOWER, 2);
    role(&t, 830000, 3, RAFT_LEADER, 2);
    transfer(&t, 830000, 1, 3, "done");
    struct viz_run run = run_of(&t, 3, 1000000);
    struct viz_options o = all_messages();
    o.width_px = 4000;
    struct viz_timeline_layout l;
    cairo_surface_t *s = render(&run, &o, &l, "transfer.png");
    double f0, f1, t0, t1;
    viz_timeline_band(&l, 1, &f0, &f1);
    viz_timeline_band(&l, 3, &t0, &t1);
    double xs = viz_timeline_x(&l, 800000), xe = viz_timeline_x(&l, 830000);
    /* Halfway along it, in the gap between the lanes 1 and 2. */
    double y = (f1 + (f1 + t0) / 2) / 2;
    double x = xs + (xe - xs) * (y - f1) / (t0 - f1);
    assert_colour(pixel_at(s, x, y), viz_transfer_color(), "transfer arrow");
    cairo_surface_destroy(s);
    trace_free(&t);
}

Test(viz_log, configuration_entries_carry_a_mark)
{
    static const uint64_t terms[] = {1, 1, 2, 2};
    static const bool conf[] = {false, true, false, true};
    struct viz_log_node n = {
        .alive = true,
        .role = RAFT_LEADER,
        .term = 2,
        .first_index = 1,
        .n_entries = 4,
        .terms = terms,
        .config = conf,
        .member = VIZ_MEMBER_VOTER,
    };
    struct viz_log_view v = {.at_us = 0, .n_nodes = 1, .nodes = &n};
    struct viz_log_layout l;
    cr_assert_eq(viz_log_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "conf-log.png");
    for (uint64_t index = 1; index <= 4; index++) {
        struct viz_rect r;
        cr_assert(viz_log_box(&l, &v, 1, index, &r));
        /* The corner tab, inside the box's top-right corner. */
        struct pixel p = pixel_at(s, r.x + r.w - 3, r.y + 2);
        if (conf[index - 1])
            assert_colour(p, viz_config_entry_color(), "configuration entry");
        else
            assert_colour(p, viz_term_color(terms[index - 1]), "command");
    }
    cairo_surface_destroy(s);
}
