/* test_viz_log.c: the log diagram (viz_log.c), probed pixel by pixel at
 * the boxes viz_log_box() reports.
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

TestSuite(viz_log, .init = vt_make_tmp, .fini = vt_remove_tmp);

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
    char *path = g_build_filename(vt_tmp_dir, name, NULL);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
            vt_assert_colour(vt_pixel_at(s, r.x + 6, r.y + 6),
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
    return vt_same_colour(vt_pixel_at(s, r->x + 2, r->y + r->h / 2),
                          viz_hex(0xc00000));
}

Test(viz_log, entries_not_in_the_leaders_log_are_framed_red)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "legend.png");
    /* Each term's swatch: its colour somewhere in the legend row. */
    double y = l.rows_y0 + l.row_h + 14 - 4;
    for (uint64_t t = 1; t <= 8; t++) {
        bool found = false;
        for (int x = 0; x < l.width_px && !found; x++) {
            found = vt_same_colour(vt_pixel_at(s, x, y), viz_term_color(t));
        }
        cr_assert(found, "term %u missing from the legend", (unsigned)t);
    }
    cairo_surface_destroy(s);
}

Test(viz_log, same_index_lines_up_in_every_row)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    struct vt_pixel p = vt_pixel_at(s, first.x + 2, first.y + first.h - 3);
    cr_assert(p.r == p.g && p.g == p.b && p.r > 0xc0 && p.r < 0xf0,
              "snapshot block pixel #%02x%02x%02x", p.r, p.g, p.b);
    vt_assert_colour(vt_pixel_at(s, entry.x + 3, entry.y + 3),
                     viz_term_color(5), "first entry after the snapshot");
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    vt_assert_colour(vt_pixel_at(s, e.x + 3, e.y + 3), viz_term_color(4),
                     "n2 index 103");
    cairo_surface_destroy(s);
}

Test(viz_log, crashed_node_is_greyed)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "crashed.png");
    struct viz_rect r;
    cr_assert(viz_log_box(&l, &v, 4, 4, &r));
    struct vt_pixel p = vt_pixel_at(s, r.x + 3, r.y + 3);
    struct viz_rgb c = viz_term_color(4);
    /* Lighter than the live colour in every channel that can lighten. */
    cr_assert_gt(p.r + p.g + p.b,
                 vt_byte_of(c.r) + vt_byte_of(c.g) + vt_byte_of(c.b) + 60);
    /* The same index on a live node (n2) keeps its colour. */
    cr_assert(viz_log_box(&l, &v, 2, 4, &r));
    vt_assert_colour(vt_pixel_at(s, r.x + 3, r.y + 3), c, "n2 index 4");
    cairo_surface_destroy(s);
}

Test(viz_log, commit_bar_runs_under_committed_boxes_only)
{
    struct viz_log_view v = figure_view();
    struct viz_log_layout l;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "commit.png");
    struct viz_rect r;
    /* n1 commits 8 of 10. */
    cr_assert(viz_log_box(&l, &v, 1, 5, &r));
    vt_assert_colour(vt_pixel_at(s, r.x + r.w / 2, r.y + r.h + 5),
                     viz_hex(0x1a1a1a), "under committed index 5");
    cr_assert(viz_log_box(&l, &v, 1, 9, &r));
    vt_assert_colour(vt_pixel_at(s, r.x + r.w / 2, r.y + r.h + 5),
                     viz_hex(0xffffff), "under uncommitted index 9");
    cairo_surface_destroy(s);
}

Test(viz_log, same_view_gives_identical_bytes_in_every_format)
{
    struct viz_log_view v = figure_view();
    static const char *magic[VIZ_FORMAT_COUNT] = {"\x89PNG", "<?xml", "%PDF"};
    for (int f = 0; f < VIZ_FORMAT_COUNT; f++) {
        char *p1 = g_build_filename(vt_tmp_dir, "one", NULL);
        char *p2 = g_build_filename(vt_tmp_dir, "two", NULL);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_EINVAL);
    v = figure_view();
    struct viz_log_node bad = figure_nodes[0];
    bad.terms = NULL;
    v.nodes = &bad;
    v.n_nodes = 1;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_EINVAL);
    char *p = g_build_filename(vt_tmp_dir, "bad.png", NULL);
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
    cr_assert_eq(viz_log_compute_layout(v, &l), VIZ_OK);
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
            vt_assert_colour(vt_pixel_at(s, l.prefix_x + 4, y),
                             viz_log_elision_color(), "block before");
        }
        if (after > 0) {
            vt_assert_colour(vt_pixel_at(s, l.tail_x + 4, y),
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_EINVAL);
    v.from_index = 2001;
    v.to_index = 0;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_EINVAL);
    v.from_index = 1;
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_EINVAL);
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
    cr_assert_eq(viz_log_compute_layout(&v, &l), VIZ_OK);
    cairo_surface_t *s = render_log(&v, "conf-log.png");
    for (uint64_t index = 1; index <= 4; index++) {
        struct viz_rect r;
        cr_assert(viz_log_box(&l, &v, 1, index, &r));
        /* The corner tab, inside the box's top-right corner. */
        struct vt_pixel p = vt_pixel_at(s, r.x + r.w - 3, r.y + 2);
        if (conf[index - 1])
            vt_assert_colour(p, viz_config_entry_color(),
                             "configuration entry");
        else
            vt_assert_colour(p, viz_term_color(terms[index - 1]), "command");
    }
    cairo_surface_destroy(s);
}
