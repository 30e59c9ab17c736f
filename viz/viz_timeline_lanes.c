/* viz_timeline_lanes.c: each node's lane of the timeline
 * (viz_timeline_draw.h): its head, its role bands, and the words over them
 * (role and term, term changes, commit indices).
 *
 * Invariant: draws inside the lane the layout gives a node and nowhere
 * else; words that would overlap are dropped, never the bands.
 */
#include "viz/viz_timeline_draw.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Node k's lane head (its name, "term" and "commit") and a faint baseline
 * where it has no span drawn. */
static void draw_lane_head(const struct viz_tl_ctx *c,
                           uint32_t k,
                           double b0,
                           double b1)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    double mid = (b0 + b1) / 2;
    char name[16];
    g_snprintf(name, sizeof name, "n%u", (unsigned)k);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, FONT_LANE, true);
    viz_text(cr, LEFT_PX - 34, mid + 4.5, name, VIZ_ALIGN_RIGHT);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_88));
    viz_font(cr, FONT_TINY, false);
    viz_text(cr, LEFT_PX - 6, b0 - 4, "term", VIZ_ALIGN_RIGHT);
    viz_text(cr, LEFT_PX - 6, b1 + 12, "commit", VIZ_ALIGN_RIGHT);

    /* A faint baseline where the node has no span drawn. */
    viz_set_rgb(cr, viz_hex(VIZ_PAL_RULE));
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, l->plot_x0, floor(mid) + 0.5);
    cairo_line_to(cr, l->plot_x1, floor(mid) + 0.5);
    cairo_stroke(cr);
}

/* Node k's role band, span by span, clipped to its lane. */
static void draw_lane_band(const struct viz_tl_ctx *c,
                           uint32_t k,
                           double b0,
                           double b1)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    viz_tl_clip_plot(c, viz_tl_lane_top(c, k),
                     viz_tl_lane_top(c, k) + l->lane_h);
    const GArray *spans = c->m->spans[k];
    for (guint i = 0; i < spans->len; i++) {
        const struct viz_tl_span *s =
            &g_array_index(spans, struct viz_tl_span, i);
        if (s->t1_us < l->from_us || s->t0_us > l->to_us) {
            continue;
        }
        double x0 = viz_timeline_x(l, s->t0_us);
        double x1 = viz_timeline_x(l, s->t1_us);
        /* A brief candidacy, leadership or outage stays visible at any
         * scale: at least 2 pixels wide. */
        if ((s->role != RAFT_FOLLOWER || s->state != NODE_UP) &&
            x1 - x0 < 2.0) {
            x1 = x0 + 2.0;
        }
        if (s->state == NODE_CRASHED) {
            viz_set_rgb(cr, viz_crashed_color());
        } else {
            viz_set_rgb(cr, viz_role_color(s->role));
        }
        cairo_rectangle(cr, x0, b0, x1 - x0, b1 - b0);
        cairo_fill(cr);
        if (s->state == NODE_PAUSED) {
            viz_tl_hatch(cr, x0, b0, x1 - x0, b1 - b0);
        }
        /* A term boundary inside one role: a white seam. */
        if (i > 0 && s->state != NODE_CRASHED) {
            const struct viz_tl_span *p =
                &g_array_index(spans, struct viz_tl_span, i - 1);
            if (p->t1_us == s->t0_us && p->term != s->term &&
                p->state != NODE_CRASHED && p->role == s->role) {
                viz_set_rgb(cr, viz_hex(VIZ_PAL_WHITE));
                cairo_set_line_width(cr, 1.5);
                cairo_move_to(cr, x0, b0);
                cairo_line_to(cr, x0, b1);
                cairo_stroke(cr);
            }
        }
    }
    cairo_restore(cr);
}

void viz_tl_draw_lanes(const struct viz_tl_ctx *c)
{
    for (uint32_t k = 1; k <= c->m->n; k++) {
        double b0, b1;
        viz_timeline_band(c->l, k, &b0, &b1);
        draw_lane_head(c, k, b0, b1);
        draw_lane_band(c, k, b0, b1);
    }
}

/* A pale backing under a small label, so that arrows crossing it do not
 * hide it. */
static void halo(cairo_t *cr, double x, double baseline, double w)
{
    viz_set_rgba(cr, viz_hex(VIZ_PAL_WHITE), 0.8);
    cairo_rectangle(cr, x - 1, baseline - 8.5, w + 2, 11);
    cairo_fill(cr);
}

/* Names each leadership and candidacy inside its band, near its start:
 * "leader, term 3", or "leader" alone when only that fits; nothing on a
 * sliver. Crashed and paused spans say so in their middle. Drawn over the
 * arrows, so that none crosses the words out. */
static void draw_role_words(const struct viz_tl_ctx *c, uint32_t k)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const GArray *spans = c->m->spans[k];
    double b0, b1;
    viz_timeline_band(l, k, &b0, &b1);
    viz_font(cr, FONT_SMALL, true);
    double mid = (b0 + b1) / 2;
    for (guint i = 0; i < spans->len; i++) {
        const struct viz_tl_span *s =
            &g_array_index(spans, struct viz_tl_span, i);
        if (s->t1_us <= l->from_us || s->t0_us >= l->to_us) {
            continue;
        }
        if (s->state != NODE_UP) {
            const char *word = s->state == NODE_CRASHED ? "crashed" : "paused";
            double vx0 = viz_tl_clamp_x(c, viz_timeline_x(l, s->t0_us));
            double vx1 = viz_tl_clamp_x(c, viz_timeline_x(l, s->t1_us));
            double w = viz_text_width(cr, word);
            if (vx1 - vx0 >= w + 8) {
                viz_set_rgb(cr, viz_hex(VIZ_PAL_WHITE));
                if (s->state == NODE_PAUSED) {
                    cairo_rectangle(cr, (vx0 + vx1) / 2 - w / 2 - 3, mid - 7,
                                    w + 6, 13);
                    cairo_fill(cr);
                    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
                }
                viz_text(cr, (vx0 + vx1) / 2, mid + 3.5, word,
                         VIZ_ALIGN_CENTER);
            }
            continue;
        }
        if (s->role == RAFT_FOLLOWER) {
            continue;
        }
        double x0 = viz_tl_clamp_x(c, viz_timeline_x(l, s->t0_us)) + 6;
        double x1 = viz_tl_clamp_x(c, viz_timeline_x(l, s->t1_us)) - 4;
        char words[48];
        const char *role = raft_role_name(s->role);
        g_snprintf(words, sizeof words, "%s, term %" G_GUINT64_FORMAT, role,
                   s->term);
        double w = viz_text_width(cr, words);
        if (x0 + w > x1) {
            g_snprintf(words, sizeof words, "%s", role);
            w = viz_text_width(cr, words);
        }
        if (x0 + w <= x1) {
            viz_set_rgb(cr, s->role == RAFT_LEADER ? viz_hex(VIZ_PAL_WHITE)
                                                   : viz_hex(VIZ_PAL_INK));
            viz_text(cr, x0, (b0 + b1) / 2 + 3.5, words, VIZ_ALIGN_LEFT);
        }
    }
}

/* Term labels above each band, commit indices below it and the words in
 * the bands, drawn over the arrows. */
/* Term labels above node k's band, at each change of term, thinned so that
 * none overlaps the previous one. */
static void draw_term_labels(const struct viz_tl_ctx *c, uint32_t k, double b0)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const GArray *spans = c->m->spans[k];
    struct viz_row row = {.right = -1e9};
    uint64_t shown_term = UINT64_MAX;
    viz_font(cr, FONT_SMALL, false);
    for (guint i = 0; i < spans->len; i++) {
        const struct viz_tl_span *s =
            &g_array_index(spans, struct viz_tl_span, i);
        if (s->t1_us <= l->from_us) {
            continue;
        }
        if (s->t0_us > l->to_us) {
            break;
        }
        if (s->term == shown_term) {
            continue;
        }
        char t[32];
        g_snprintf(t, sizeof t, "t%" G_GUINT64_FORMAT, s->term);
        double x = viz_tl_clamp_x(c, viz_timeline_x(l, s->t0_us)) + 1;
        double w = viz_text_width(cr, t);
        if (x + w > l->plot_x1 + RIGHT_PX - 2) {
            continue;
        }
        if (viz_row_take(&row, x, x + w, 4)) {
            viz_font(cr, FONT_SMALL, s->role == RAFT_LEADER);
            halo(cr, x, b0 - 4, w);
            viz_set_rgb(cr, s->role == RAFT_LEADER ? viz_hex(VIZ_PAL_BLUE_DARK)
                                                   : viz_hex(VIZ_PAL_GREY_44));
            viz_text(cr, x, b0 - 4, t, VIZ_ALIGN_LEFT);
            viz_font(cr, FONT_SMALL, false);
            shown_term = s->term;
        }
    }
}

/* Node k's commit index under its band: a tick at each change and its
 * value when there is room. */
static void draw_commit_labels(const struct viz_tl_ctx *c,
                               uint32_t k,
                               double b1)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const GArray *commits = c->m->commits[k];
    struct viz_row crow = {.right = -1e9};
    viz_font(cr, FONT_TINY, false);
    uint64_t last_shown = UINT64_MAX;
    for (guint i = 0; i < commits->len; i++) {
        const struct viz_tl_commit *cm =
            &g_array_index(commits, struct viz_tl_commit, i);
        if (cm->t_us < l->from_us || cm->t_us > l->to_us) {
            continue;
        }
        if (cm->value == last_shown) {
            continue;
        }
        double x = viz_timeline_x(l, cm->t_us);
        char t[32];
        g_snprintf(t, sizeof t, "%" G_GUINT64_FORMAT, cm->value);
        double w = viz_text_width(cr, t);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, floor(x) + 0.5, b1);
        cairo_line_to(cr, floor(x) + 0.5, b1 + 3);
        cairo_stroke(cr);
        if (x + w <= l->plot_x1 + RIGHT_PX - 2 &&
            viz_row_take(&crow, x - 1, x - 1 + w, 3)) {
            halo(cr, x - 1, b1 + 12, w);
            viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
            viz_text(cr, x - 1, b1 + 12, t, VIZ_ALIGN_LEFT);
            last_shown = cm->value;
        }
    }
}

void viz_tl_draw_lane_labels(const struct viz_tl_ctx *c)
{
    for (uint32_t k = 1; k <= c->m->n; k++) {
        double b0, b1;
        viz_timeline_band(c->l, k, &b0, &b1);
        draw_role_words(c, k);
        draw_term_labels(c, k, b0);
        draw_commit_labels(c, k, b1);
    }
}
