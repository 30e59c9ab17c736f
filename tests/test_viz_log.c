/* test_viz_log.c: the log diagram, probed at the boxes viz_log_box() reports.
 */
#include <cairo.h>
#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "viz/viz.h"
#include "viz/viz_draw.h"

static char *tmp_dir;

static void make_tmp(void)
{
    tmp_dir = g_dir_make_tmp("viz-log-test-XXXXXX", NULL);
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

TestSuite(viz_log, .init = make_tmp, .fini = remove_tmp);

struct pixel
{
    uint8_t r, g, b;
};

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

static uint8_t byte_of(double d)
{
    return (uint8_t)((unsigned)(d * 65535.0 + 0.5) >> 8);
}

static void assert_colour(struct pixel p, struct viz_rgb c, const char *what)
{
    cr_assert(p.r == byte_of(c.r) && p.g == byte_of(c.g) && p.b == byte_of(c.b),
              "%s: pixel #%02x%02x%02x, expected #%02x%02x%02x", what, p.r, p.g,
              p.b, byte_of(c.r), byte_of(c.g), byte_of(c.b));
}

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

static cairo_surface_t *render(const struct viz_log_view *v, const char *name)
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
    cairo_surface_t *s = render(&v, "log.png");
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
    cairo_surface_t *s = render(&v, "terms.png");
    for (uint32_t node = 1; node <= 3; node++) {
        const struct viz_log_node *n = &figure_nodes[node - 1];
        for (size_t k = 0; k < n->n_entries; k++) {
            struct viz_rect r;
            uint64_t index = n->first_index + k;
            cr_assert(viz_log_box(&l, &v, node, index, &r));
            /* Inside the border, clear of the centred term number. */
            char what[64];
            g_snprintf(what, sizeof what, "n%u index %u", (unsigned)node,
                       (unsigned)index);
            assert_colour(pixel_at(s, r.x + 3, r.y + 3),
                          viz_term_color(n->terms[k]), what);
        }
    }
    /* Past the end of n2's log: nothing. */
    struct viz_rect r;
    cr_assert_not(viz_log_box(&l, &v, 2, 5, &r));
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

    cairo_surface_t *s = render(&v, "snap.png");
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
    cairo_surface_t *s = render(&v, "shared.png");
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
    cairo_surface_t *s = render(&v, "crashed.png");
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
    cairo_surface_t *s = render(&v, "commit.png");
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
