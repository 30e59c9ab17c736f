/* test_viz_members.c: membership and leadership transfers over time
 * (viz_members.c): where each node stands in a configuration, the strips
 * under the lanes and the transfer arrows.
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

TestSuite(viz_members, .init = vt_make_tmp, .fini = vt_remove_tmp);

static void config(struct vt_trace *t,
                   uint64_t time_us,
                   uint32_t node,
                   uint64_t index,
                   const char *text)
{
    struct sim_trace_event *e = vt_ev(t, time_us, SIM_TRACE_CONFIG, node);
    e->index = index;
    e->term = index ? 1 : 0;
    e->text = text;
}

static void transfer(struct vt_trace *t,
                     uint64_t time_us,
                     uint32_t leader,
                     uint32_t target,
                     const char *what)
{
    struct sim_trace_event *e = vt_ev(t, time_us, SIM_TRACE_TRANSFER, leader);
    e->peer = target;
    e->term = 1;
    e->text = what;
}

Test(viz_members, config_texts_tell_where_each_node_stands)
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
    struct raft_configuration c = {.voters = v,
                                   .n_voters = 2,
                                   .outgoing = o,
                                   .n_outgoing = 2,
                                   .learners = lr,
                                   .n_learners = 1};
    for (uint32_t id = 1; id <= 4; id++)
        cr_assert_eq(
            viz_member_in(&c, id),
            viz_member_of("voters n1 n3 | learners n2 | outgoing n1 n2", id),
            "n%u", id);
}

/* n3 is a spare (outside the bootstrap configuration) until n1 adds it as
 * a learner at 400 ms, then as an incoming voter of a joint configuration
 * at 700 ms. */
static struct vt_trace membership_trace(void)
{
    struct vt_trace t = vt_trace_new();
    for (uint32_t k = 1; k <= 3; k++)
        config(&t, 0, k, 0, "voters n1 n2");
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    config(&t, 400000, 1, 3, "voters n1 n2 | learners n3");
    config(&t, 700000, 1, 4, "voters n1 n2 n3 | outgoing n1 n2");
    return t;
}

static struct vt_pixel strip_pixel(cairo_surface_t *s,
                                   const struct viz_timeline_layout *l,
                                   uint32_t node,
                                   uint64_t t_us)
{
    double y0, y1;
    viz_timeline_member_strip(l, node, &y0, &y1);
    return vt_pixel_at(s, viz_timeline_x(l, t_us), (y0 + y1) / 2);
}

Test(viz_members, membership_strips_follow_the_cluster_configuration)
{
    struct vt_trace t = membership_trace();
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "members.png");
    cr_assert(l.members);
    vt_assert_colour(strip_pixel(s, &l, 1, 300000),
                     viz_member_color(VIZ_MEMBER_VOTER), "n1 a voter");
    cr_assert(!vt_same_colour(strip_pixel(s, &l, 3, 300000),
                              viz_member_color(VIZ_MEMBER_VOTER)),
              "the spare is no voter");
    vt_assert_colour(strip_pixel(s, &l, 3, 550000),
                     viz_member_color(VIZ_MEMBER_LEARNER), "n3 a learner");
    vt_assert_colour(strip_pixel(s, &l, 3, 850000),
                     viz_member_color(VIZ_MEMBER_JOINT_IN), "n3 incoming");
    vt_assert_colour(strip_pixel(s, &l, 1, 850000),
                     viz_member_color(VIZ_MEMBER_JOINT_BOTH), "n1 in both");
    /* The spare's band is washed out: paler than a follower's. */
    struct vt_pixel band =
        vt_pixel_at(s, viz_timeline_x(&l, 200000), vt_band_probe(&l, 3) + 4);
    struct vt_pixel follower =
        vt_pixel_at(s, viz_timeline_x(&l, 200000), vt_band_probe(&l, 2) + 4);
    vt_assert_colour(follower, viz_role_color(RAFT_FOLLOWER), "n2 follows");
    cr_assert(band.r > follower.r &&
                  !vt_same_colour(band, viz_role_color(RAFT_FOLLOWER)),
              "n3 not a member: #%02x%02x%02x", band.r, band.g, band.b);
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

Test(viz_members, a_cluster_of_voters_only_draws_no_membership_strips)
{
    struct vt_trace t = vt_trace_new();
    for (uint32_t k = 1; k <= 3; k++)
        config(&t, 0, k, 0, "voters n1 n2 n3");
    vt_role(&t, 100000, 1, RAFT_LEADER, 1);
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, NULL, &l, "voters.png");
    cr_assert_not(l.members);
    for (int m = 0; m < VIZ_MEMBER_COUNT; m++)
        cr_assert(!vt_same_colour(strip_pixel(s, &l, 2, 537000),
                                  viz_member_color((enum viz_member)m)) ||
                      m == VIZ_MEMBER_NONE,
                  "a strip of %s", viz_member_name((enum viz_member)m));
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}

/* The transfer arrow runs from the leader's band at the start to the
 * target's band at the outcome. */
Test(viz_members, a_leadership_transfer_is_an_arrow_from_leader_to_target)
{
    struct vt_trace t = membership_trace();
    transfer(&t, 800000, 1, 3, "start");
    transfer(&t, 800000, 1, 3, "timeout-now");
    vt_role(&t, 820000, 1, RAFT_FOLLOWER, 2);
    vt_role(&t, 830000, 3, RAFT_LEADER, 2);
    transfer(&t, 830000, 1, 3, "done");
    struct viz_run run = vt_run_of(&t, 3, 1000000);
    struct viz_options o = vt_all_messages();
    o.width_px = 4000;
    struct viz_timeline_layout l;
    cairo_surface_t *s = vt_render(&run, &o, &l, "transfer.png");
    double f0, f1, t0, t1;
    viz_timeline_band(&l, 1, &f0, &f1);
    viz_timeline_band(&l, 3, &t0, &t1);
    double xs = viz_timeline_x(&l, 800000), xe = viz_timeline_x(&l, 830000);
    /* Halfway along it, in the gap between the lanes 1 and 2. */
    double y = (f1 + (f1 + t0) / 2) / 2;
    double x = xs + (xe - xs) * (y - f1) / (t0 - f1);
    vt_assert_colour(vt_pixel_at(s, x, y), viz_transfer_color(),
                     "transfer arrow");
    cairo_surface_destroy(s);
    vt_trace_free(&t);
}
