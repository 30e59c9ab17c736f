/* viz_timeline_draw.c: the timeline drawn from its model and layout.
 *
 * Partitions and cuts under the lanes, the axis, the header, the role
 * bands with their words, membership strips and transfers
 * (viz_members.c), message arrows, lane labels, the client lane, the notes
 * above the lanes and the "now" cursor of a frame; then the legend
 * (viz_timeline_legend.c). Every position comes from the layout.
 */
#include "viz/viz_timeline_draw.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/viz_members.h"

static double clampx(const struct viz_tl_ctx *c, double x)
{
    return fmin(fmax(x, c->l->plot_x0), c->l->plot_x1);
}

void viz_tl_clip_plot(const struct viz_tl_ctx *c, double y0, double y1)
{
    cairo_save(c->cr);
    cairo_rectangle(c->cr, c->l->plot_x0, y0, c->l->plot_x1 - c->l->plot_x0,
                    y1 - y0);
    cairo_clip(c->cr);
}

double viz_tl_lane_top(const struct viz_tl_ctx *c, uint32_t node)
{
    return c->l->lanes_y0 + c->l->lane_h * (double)(node - 1);
}

static void draw_header(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    char a[32];
    char b[32];
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, FONT_TITLE, true);
    viz_text(cr, 16, 26, c->run->title != NULL ? c->run->title : "raftsim run",
             VIZ_ALIGN_LEFT);
    viz_time_label(l->from_us, a, sizeof a);
    viz_time_label(l->to_us, b, sizeof b);
    const char *mode = l->messages == VIZ_MESSAGES_ALL ? "all messages"
                       : l->messages == VIZ_MESSAGES_NONE
                           ? "no messages"
                           : "messages without heartbeats";
    char *sub = g_strdup_printf(
        "seed %" G_GUINT64_FORMAT "    trace %016" G_GINT64_MODIFIER
        "x    %u node%s    %s \u2013 %s    %s",
        c->run->seed, c->run->trace_hash, (unsigned)c->run->n_nodes,
        c->run->n_nodes == 1 ? "" : "s", a, b, mode);
    if (c->o->until_now) {
        char t[32];
        viz_time_label(c->o->now_us, t, sizeof t);
        char *s2 = g_strdup_printf("%s    at %s", sub, t);
        g_free(sub);
        sub = s2;
    }
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_55));
    viz_font(cr, FONT_SUB, false);
    viz_text(cr, 16, 46, sub, VIZ_ALIGN_LEFT);
    g_free(sub);
}

static void draw_axis(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    double plot_w = l->plot_x1 - l->plot_x0;
    uint64_t span = l->to_us - l->from_us;
    viz_font(cr, FONT_SMALL, false);
    /* Wide enough for the longest label plus a gap: to the millisecond,
     * unless the step is finer, then to the microsecond. */
    double label_w = viz_text_width(cr, "00.000s") + 18.0;
    uint64_t step = viz_nice_step((double)span * label_w / plot_w);
    if (step % 1000 != 0) {
        label_w = viz_text_width(cr, "00.000000s") + 18.0;
        step = viz_nice_step((double)span * label_w / plot_w);
    }
    uint64_t first = (l->from_us + step - 1) / step * step;
    double y_axis = HEADER_PX + AXIS_PX - 4;
    double y_bottom =
        c->lanes_y1 + (c->l->client_h > 0 ? c->l->client_h + CLIENT_GAP_PX : 0);

    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_99));
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, l->plot_x0, y_axis + 0.5);
    cairo_line_to(cr, l->plot_x1, y_axis + 0.5);
    cairo_stroke(cr);
    for (uint64_t t = first; t <= l->to_us; t += step) {
        double x = floor(viz_timeline_x(l, t)) + 0.5;
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_E6));
        cairo_move_to(cr, x, y_axis + 1);
        cairo_line_to(cr, x, y_bottom);
        cairo_stroke(cr);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_99));
        cairo_move_to(cr, x, y_axis - 4);
        cairo_line_to(cr, x, y_axis + 1);
        cairo_stroke(cr);
        char buf[32];
        viz_time_label(t, buf, sizeof buf);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_44));
        viz_font(cr, FONT_SMALL, false);
        double w = viz_text_width(cr, buf);
        double tx = fmin(fmax(x - w / 2, l->plot_x0 - 8), l->width_px - 4 - w);
        viz_text(cr, tx, y_axis - 7, buf, VIZ_ALIGN_LEFT);
        if (t > UINT64_MAX - step) {
            break;
        }
    }
}

static const uint32_t group_tints[VIZ_TL_N_TINTS] = {
    0xe9e3f4, 0xfcf0cf, 0xdcf1e8, 0xf9dede, 0xdbe9f6, 0xeeeeee,
};

struct viz_rgb viz_tl_group_tint(uint32_t k)
{
    return viz_hex(group_tints[k % VIZ_TL_N_TINTS]);
}

/* A paused span: dark hatching over the role colour. */
void viz_tl_hatch(cairo_t *cr, double x0, double y0, double w, double h)
{
    viz_set_rgba(cr, viz_hex(VIZ_PAL_BLACK), 0.55);
    cairo_set_line_width(cr, 1.3);
    viz_stripes(cr, x0, y0, w, h, 5.0);
}

/* A one-way cut: a light rose tint with sparse rose stripes. */
void viz_tl_cut_shade(cairo_t *cr, double x0, double y0, double w, double h)
{
    viz_set_rgba(cr, viz_hex(VIZ_PAL_VERMILLION), 0.10);
    cairo_rectangle(cr, x0, y0, w, h);
    cairo_fill(cr);
    viz_set_rgba(cr, viz_hex(VIZ_PAL_VERMILLION), 0.30);
    cairo_set_line_width(cr, 1.0);
    viz_stripes(cr, x0, y0, w, h, 9.0);
}

/* The mark of a lost message: a dark cross centred on (x, y). */
void viz_tl_lost_cross(cairo_t *cr, double x, double y)
{
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    cairo_set_line_width(cr, 2.0);
    cairo_move_to(cr, x - 4, y - 4);
    cairo_line_to(cr, x + 4, y + 4);
    cairo_move_to(cr, x - 4, y + 4);
    cairo_line_to(cr, x + 4, y - 4);
    cairo_stroke(cr);
}

static void draw_partitions(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_tl_model *m = c->m;
    viz_tl_clip_plot(c, c->l->lanes_y0, c->lanes_y1);
    for (guint i = 0; i < m->partitions->len; i++) {
        const struct viz_tl_partition *p =
            &g_array_index(m->partitions, struct viz_tl_partition, i);
        double x0 = viz_timeline_x(c->l, p->t0_us);
        double x1 = viz_timeline_x(c->l, p->t1_us);
        uint32_t alone = p->n_groups;
        for (uint32_t k = 1; k <= m->n; k++) {
            uint32_t g = p->group[k];
            if (g == 0) {
                g = ++alone; /* a node in no group is a group of its own */
            }
            viz_set_rgb(cr, viz_tl_group_tint(g - 1));
            cairo_rectangle(cr, x0, viz_tl_lane_top(c, k), x1 - x0,
                            c->l->lane_h);
            cairo_fill(cr);
        }
        viz_set_rgb(cr, viz_hex(VIZ_PAL_LAVENDER));
        cairo_set_line_width(cr, 1.0);
        double dash[] = {4.0, 3.0};
        cairo_set_dash(cr, dash, 2, 0);
        for (int side = 0; side < 2; side++) {
            double x = floor(side == 0 ? x0 : x1) + 0.5;
            cairo_move_to(cr, x, c->l->lanes_y0);
            cairo_line_to(cr, x, c->lanes_y1);
            cairo_stroke(cr);
        }
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* A cut shades its sender's lane with a rose hatch. */
    for (guint i = 0; i < m->cuts->len; i++) {
        const struct viz_tl_cut *k =
            &g_array_index(m->cuts, struct viz_tl_cut, i);
        double x0 = viz_timeline_x(c->l, k->t0_us);
        double x1 = viz_timeline_x(c->l, k->t1_us);
        viz_tl_cut_shade(cr, x0, viz_tl_lane_top(c, k->from) + 2, x1 - x0,
                         c->l->lane_h - 4);
    }
    cairo_restore(cr);
}

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

static void draw_lanes(const struct viz_tl_ctx *c)
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
            double vx0 = clampx(c, viz_timeline_x(l, s->t0_us));
            double vx1 = clampx(c, viz_timeline_x(l, s->t1_us));
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
        double x0 = clampx(c, viz_timeline_x(l, s->t0_us)) + 6;
        double x1 = clampx(c, viz_timeline_x(l, s->t1_us)) - 4;
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
        double x = clampx(c, viz_timeline_x(l, s->t0_us)) + 1;
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

static void draw_lane_labels(const struct viz_tl_ctx *c)
{
    for (uint32_t k = 1; k <= c->m->n; k++) {
        double b0, b1;
        viz_timeline_band(c->l, k, &b0, &b1);
        draw_role_words(c, k);
        draw_term_labels(c, k, b0);
        draw_commit_labels(c, k, b1);
    }
}

/* The head of a delivered arrow from (xs, ys) to (xe, ye); the copy of a
 * duplicated message gets two, one behind the other. */
void viz_tl_heads(cairo_t *cr,
                  double xs,
                  double ys,
                  double xe,
                  double ye,
                  const struct viz_tl_arrow *a)
{
    double size = a->heartbeat ? 5.0 : 7.0;
    viz_arrow_head(cr, xs, ys, xe, ye, size);
    if (a->copy) {
        double dx = xe - xs;
        double dy = ye - ys;
        double len = sqrt(dx * dx + dy * dy);
        if (len > 2 * size) {
            double back = size * 0.85;
            viz_arrow_head(cr, xs, ys, xe - dx / len * back,
                           ye - dy / len * back, size);
        }
    }
}

static bool is_result(enum raft_message_type t)
{
    return t == RAFT_MSG_APPEND_ENTRIES_RESULT ||
           t == RAFT_MSG_REQUEST_VOTE_RESULT || t == RAFT_MSG_PRE_VOTE_RESULT ||
           t == RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
}

double viz_tl_arrow_width(const struct viz_tl_arrow *a)
{
    if (a->heartbeat) {
        return 0.9;
    }
    switch (a->type) {
    case RAFT_MSG_APPEND_ENTRIES:
        return 1.8;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return 2.4;
    default:
        break;
    }
    return 1.3;
}

static void draw_arrows(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct viz_tl_model *m = c->m;
    if (l->messages == VIZ_MESSAGES_NONE) {
        return;
    }
    viz_tl_clip_plot(c, l->lanes_y0, c->lanes_y1);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    /* Heartbeats first, so that the messages that matter lie on top. */
    for (int pass = 0; pass < 2; pass++) {
        for (guint i = 0; i < m->arrows->len; i++) {
            const struct viz_tl_arrow *a =
                &g_array_index(m->arrows, struct viz_tl_arrow, i);
            if (a->heartbeat != (pass == 0) ||
                !viz_tl_arrow_shown(a, l->messages) ||
                !viz_tl_arrow_in_window(a, l->from_us, l->to_us)) {
                continue;
            }
            double xs = viz_timeline_x(l, a->send_us);
            double ys, ye;
            viz_tl_arrow_ends_y(l, a->from, a->to, &ys, &ye);
            struct viz_rgb col =
                viz_message_color(a->type, a->heartbeat, a->ok);
            viz_set_rgb(cr, col);
            cairo_set_line_width(cr, viz_tl_arrow_width(a));
            bool denied = is_result(a->type) && !a->ok &&
                          a->type != RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
            if (a->copy) {
                double dash[] = {1.5, 3.0};
                cairo_set_dash(cr, dash, 2, 0);
            } else if (denied) {
                double dash[] = {5.0, 3.5};
                cairo_set_dash(cr, dash, 2, 0);
            }
            double xe, yend;
            if (a->fate == ARROW_IN_FLIGHT) {
                /* Still travelling at the picture's end: a dotted line to
                 * halfway, ending at the limit. */
                xe = viz_timeline_x(l, m->limit_us);
                yend = (ys + ye) / 2;
                double dash[] = {2.0, 3.0};
                cairo_set_dash(cr, dash, 2, 0);
                cairo_move_to(cr, xs, ys);
                cairo_line_to(cr, xe, yend);
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
                continue;
            }
            bool lost = a->fate == ARROW_LOST;
            viz_timeline_arrow_end(l, a->from, a->to, a->send_us, a->end_us,
                                   lost, &xe, &yend);
            cairo_move_to(cr, xs, ys);
            cairo_line_to(cr, xe, yend);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            if (lost) {
                viz_tl_lost_cross(cr, xe, yend);
            } else {
                viz_tl_heads(cr, xs, ys, xe, yend, a);
            }
        }
    }
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_restore(cr);
}

/* The client lane's background and the name of each row's client. */
static void draw_client_heads(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct viz_tl_model *m = c->m;
    int rows = viz_tl_client_rows(m);
    double y0 = l->client_y0;
    viz_set_rgb(cr, viz_hex(VIZ_PAL_CLIENT_LANE));
    cairo_rectangle(cr, l->plot_x0, y0, l->plot_x1 - l->plot_x0, l->client_h);
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, FONT_SMALL, true);
    viz_text(cr, 12, y0 + 13, "clients", VIZ_ALIGN_LEFT);
    viz_font(cr, FONT_TINY, false);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_77));
    for (int r = 0; r < rows; r++) {
        uint64_t first = m->clients[r];
        char name[32];
        if ((size_t)rows < m->n_clients) {
            g_snprintf(name, sizeof name, "c%" G_GUINT64_FORMAT "\u2026",
                       first);
        } else {
            g_snprintf(name, sizeof name, "c%" G_GUINT64_FORMAT, first);
        }
        viz_text(cr, LEFT_PX - 6, y0 + 4 + r * CLIENT_ROW_PX + 12, name,
                 VIZ_ALIGN_RIGHT);
    }
}

/* Whether op overlaps the window of l. */
static bool op_in_window(const struct viz_tl_op *op,
                         const struct viz_timeline_layout *l)
{
    return op->t1_us >= l->from_us && op->t0_us <= l->to_us;
}

/* Each operation's bar: green when it succeeded, orange when it failed,
 * dashed while pending. */
static void draw_client_bars(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct viz_tl_model *m = c->m;
    for (guint i = 0; i < m->ops->len; i++) {
        const struct viz_tl_op *op =
            &g_array_index(m->ops, struct viz_tl_op, i);
        if (!op_in_window(op, l)) {
            continue;
        }
        int r = viz_tl_client_row_of(m, op->client);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        double x0 = viz_timeline_x(l, op->t0_us);
        double x1 = fmax(viz_timeline_x(l, op->t1_us), x0 + 2);
        struct viz_rgb edge = !op->done ? viz_hex(VIZ_PAL_GREY_88)
                              : op->ok  ? viz_hex(VIZ_PAL_GREEN)
                                        : viz_hex(VIZ_PAL_VERMILLION);
        struct viz_rgb fill = !op->done ? viz_hex(VIZ_PAL_WHITE)
                              : op->ok  ? viz_hex(VIZ_PAL_GREEN_FILL)
                                        : viz_hex(VIZ_PAL_VERMILLION_PALE);
        viz_set_rgb(cr, fill);
        cairo_rectangle(cr, x0, by, x1 - x0, by1 - by);
        cairo_fill_preserve(cr);
        viz_set_rgb(cr, edge);
        cairo_set_line_width(cr, 1.0);
        if (!op->done) {
            double dash[] = {3.0, 2.0};
            cairo_set_dash(cr, dash, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
}

/* The operations' words, from the bar's start, where they fit before the
 * row's next bar; without the result if only that fits. */
static void draw_client_words(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct viz_tl_model *m = c->m;
    guint n_ops = m->ops->len;
    /* next_x0[i]: where the next operation drawn in op i's row starts, so
     * that op i's words never run under it. */
    double *next_x0 = g_new(double, n_ops + 1);
    double row_next[CLIENT_ROWS_MAX];
    struct viz_row row_used[CLIENT_ROWS_MAX];
    for (int r = 0; r < CLIENT_ROWS_MAX; r++) {
        row_next[r] = l->width_px;
        row_used[r].right = -1e9;
    }
    for (guint i = n_ops; i-- > 0;) {
        const struct viz_tl_op *op =
            &g_array_index(m->ops, struct viz_tl_op, i);
        int r = viz_tl_client_row_of(m, op->client);
        next_x0[i] = row_next[r];
        row_next[r] = viz_timeline_x(l, op->t0_us);
    }
    viz_font(cr, FONT_TINY, false);
    for (guint i = 0; i < n_ops; i++) {
        const struct viz_tl_op *op =
            &g_array_index(m->ops, struct viz_tl_op, i);
        if (!op_in_window(op, l)) {
            continue;
        }
        int r = viz_tl_client_row_of(m, op->client);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        const char *what = op->op != NULL ? op->op : "request";
        bool has_result = op->done && op->result != NULL && op->result[0];
        char *full =
            g_strdup_printf("%s%s%s", what, has_result ? " \u2192 " : "",
                            has_result ? op->result : "");
        double tx = clampx(c, viz_timeline_x(l, op->t0_us)) + 3;
        double limit = fmin(next_x0[i], l->plot_x1) - 4;
        const char *words = NULL;
        double w = viz_text_width(cr, full);
        if (tx + w <= limit) {
            words = full;
        } else if (has_result && tx + viz_text_width(cr, what) <= limit) {
            words = what;
            w = viz_text_width(cr, what);
        }
        if (words != NULL && viz_row_take(&row_used[r], tx, tx + w, 6)) {
            viz_set_rgb(cr, viz_hex(VIZ_PAL_TEXT));
            viz_text(cr, tx, by1 - 3, words, VIZ_ALIGN_LEFT);
        }
        g_free(full);
    }
    g_free(next_x0);
}

/* Where each request was sent: a small dark notch on the bar. */
static void draw_client_sends(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    const struct viz_tl_model *m = c->m;
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
    for (guint i = 0; i < m->sends->len; i++) {
        const struct viz_tl_send *s =
            &g_array_index(m->sends, struct viz_tl_send, i);
        if (s->t_us < l->from_us || s->t_us > l->to_us) {
            continue;
        }
        int r = viz_tl_client_row_of(m, s->client);
        double x = viz_timeline_x(l, s->t_us);
        double by, by1;
        viz_timeline_client_bar(l, (size_t)r, &by, &by1);
        cairo_move_to(cr, x - 3, by - 2);
        cairo_line_to(cr, x + 3, by - 2);
        cairo_line_to(cr, x, by + 2);
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

/* The client lane: one row per client, a bar per request. */
static void draw_clients(const struct viz_tl_ctx *c)
{
    const struct viz_timeline_layout *l = c->l;
    if (l->client_h <= 0) {
        return;
    }
    draw_client_heads(c);
    viz_tl_clip_plot(c, l->client_y0, l->client_y0 + l->client_h);
    draw_client_bars(c);
    draw_client_words(c);
    draw_client_sends(c);
    cairo_restore(c->cr);
}

struct placed
{
    double x0, x1;
    int row;
};

struct viz_rgb viz_tl_note_color(enum viz_tl_note_kind k)
{
    switch (k) {
    case NOTE_VIOLATION:
    case NOTE_CHECK_FAILED:
        return viz_hex(VIZ_PAL_RED);
    case NOTE_PARTITION:
    case NOTE_HEAL:
        return viz_hex(VIZ_PAL_DUSK);
    case NOTE_CUT:
        return viz_hex(VIZ_PAL_RUST);
    case NOTE_TRANSFER:
        return viz_transfer_color();
    case NOTE_CONFIG:
        return viz_member_color(VIZ_MEMBER_VOTER);
    case NOTE_CHECK_HELD:
        return viz_hex(VIZ_PAL_PINE);
    }
    return viz_hex(VIZ_PAL_INK_SOFT);
}

/* The ticks just above the lanes are the scenario's checks: say so. */
static void draw_checks_label(const struct viz_tl_ctx *c)
{
    const struct viz_timeline_layout *l = c->l;
    const GArray *notes = c->m->notes;
    for (guint i = 0; i < notes->len; i++) {
        const struct viz_tl_note *nt =
            &g_array_index(notes, struct viz_tl_note, i);
        if ((nt->kind == NOTE_CHECK_HELD || nt->kind == NOTE_CHECK_FAILED) &&
            nt->t_us >= l->from_us && nt->t_us <= l->to_us) {
            viz_set_rgb(c->cr, viz_hex(VIZ_PAL_GREY_88));
            viz_font(c->cr, FONT_TINY, false);
            viz_text(c->cr, LEFT_PX - 6, l->lanes_y0 - 1, "checks",
                     VIZ_ALIGN_RIGHT);
            return;
        }
    }
}

/* A note's marker at x, always drawn: a violation's red line across the
 * lanes with a diamond, else a short tick above the lanes. */
static void draw_note_marker(const struct viz_tl_ctx *c,
                             const struct viz_tl_note *nt,
                             double x)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    viz_set_rgb(cr, viz_tl_note_color(nt->kind));
    if (nt->kind == NOTE_VIOLATION) {
        cairo_set_line_width(cr, 2.0);
        cairo_move_to(cr, x, HEADER_PX + AXIS_PX);
        cairo_line_to(cr, x, c->lanes_y1);
        cairo_stroke(cr);
        double yd = l->lanes_y0 - 3;
        cairo_move_to(cr, x, yd - 6);
        cairo_line_to(cr, x + 6, yd);
        cairo_line_to(cr, x, yd + 6);
        cairo_line_to(cr, x - 6, yd);
        cairo_close_path(cr);
        cairo_fill(cr);
    } else {
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, floor(x) + 0.5, l->lanes_y0 - 6);
        cairo_line_to(cr, floor(x) + 0.5, l->lanes_y0);
        cairo_stroke(cr);
    }
}

/* A note's words, in the first of the NOTE_ROWS rows where they overlap
 * nothing placed so far (then added to placed); none when no row has
 * room. */
static void draw_note_words(const struct viz_tl_ctx *c,
                            const struct viz_tl_note *nt,
                            double x,
                            struct placed *placed,
                            size_t *n_placed)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    struct viz_rgb col = viz_tl_note_color(nt->kind);
    bool bold = nt->kind == NOTE_VIOLATION;
    viz_font(cr, bold ? FONT_SMALL : FONT_TINY, bold);
    double w = viz_text_width(cr, nt->text);
    double x0 = x + 3;
    if (x0 + w > l->width_px - 4) {
        x0 = fmax(l->plot_x0, l->width_px - 4 - w);
    }
    double x1 = x0 + w;
    for (int row = 0; row < NOTE_ROWS; row++) {
        bool free_row = true;
        for (size_t k = 0; k < *n_placed; k++) {
            if (placed[k].row == row && x0 < placed[k].x1 + 6 &&
                placed[k].x0 < x1 + 6) {
                free_row = false;
                break;
            }
        }
        if (!free_row) {
            continue;
        }
        placed[(*n_placed)++] = (struct placed){x0, x1, row};
        double by = HEADER_PX + AXIS_PX + (row + 1) * NOTE_ROW_PX - 3;
        viz_set_rgb(cr, col);
        cairo_set_line_width(cr, 0.8);
        cairo_move_to(cr, floor(x) + 0.5, by - 8);
        cairo_line_to(cr, floor(x) + 0.5, l->lanes_y0 - 6);
        cairo_stroke(cr);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_WHITE));
        cairo_rectangle(cr, x0 - 1, by - 9.5, w + 2, 12);
        cairo_fill(cr);
        viz_set_rgb(cr, col);
        viz_text(cr, x0, by, nt->text, VIZ_ALIGN_LEFT);
        return;
    }
}

/* Notes above the lanes: violations first, then partitions, heals, cuts and
 * checks, each in the first row where it overlaps nothing; a note with no
 * room keeps its marker but loses its words. */
static void draw_notes(const struct viz_tl_ctx *c)
{
    const struct viz_timeline_layout *l = c->l;
    const GArray *notes = c->m->notes;
    draw_checks_label(c);
    struct placed *placed = g_new0(struct placed, notes->len + 1);
    size_t n_placed = 0;
    for (int pri = NOTE_VIOLATION; pri <= NOTE_CHECK_HELD; pri++) {
        for (guint i = 0; i < notes->len; i++) {
            const struct viz_tl_note *nt =
                &g_array_index(notes, struct viz_tl_note, i);
            if ((int)nt->kind != pri || nt->t_us < l->from_us ||
                nt->t_us > l->to_us) {
                continue;
            }
            double x = viz_timeline_x(l, nt->t_us);
            draw_note_marker(c, nt, x);
            /* Held checks: a tick without words. */
            if (nt->kind != NOTE_CHECK_HELD) {
                draw_note_words(c, nt, x, placed, &n_placed);
            }
        }
    }
    g_free(placed);
}

static void draw_now(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    if (!c->o->until_now || c->o->now_us > l->to_us) {
        return;
    }
    double x = viz_timeline_x(l, c->o->now_us);
    double y1 =
        c->lanes_y1 + (l->client_h > 0 ? CLIENT_GAP_PX + l->client_h : 0);
    if (x < l->plot_x1) {
        viz_set_rgba(cr, viz_hex(VIZ_PAL_GREY_F0), 0.85);
        cairo_rectangle(cr, fmax(x, l->plot_x0), l->lanes_y0,
                        l->plot_x1 - fmax(x, l->plot_x0), y1 - l->lanes_y0);
        cairo_fill(cr);
    }
    if (x < l->plot_x0) {
        return;
    }
    viz_set_rgb(cr, viz_hex(VIZ_PAL_TEXT));
    cairo_set_line_width(cr, 1.5);
    cairo_move_to(cr, x, HEADER_PX + AXIS_PX - 4);
    cairo_line_to(cr, x, y1);
    cairo_stroke(cr);
    /* A dark tag at the top of the lanes, over the notes. */
    char t[32];
    char words[48];
    viz_time_label(c->o->now_us, t, sizeof t);
    g_snprintf(words, sizeof words, "now %s", t);
    viz_font(cr, FONT_SMALL, true);
    double w = viz_text_width(cr, words);
    double tx = fmin(x + 1, l->width_px - 4 - w - 8);
    double ty = l->lanes_y0 - 15;
    cairo_rectangle(cr, tx, ty, w + 8, 14);
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_WHITE));
    viz_text(cr, tx + 4, ty + 10.5, words, VIZ_ALIGN_LEFT);
}

int viz_timeline_write(const struct viz_run *run,
                       const struct viz_options *opts,
                       const char *path)
{
    int code = viz_tl_check_run(run);
    if (code != VIZ_OK || path == NULL) {
        return code != VIZ_OK ? code : VIZ_EINVAL;
    }
    struct viz_options o;
    viz_tl_options(opts, &o);
    if ((int)o.format < 0 || o.format >= VIZ_FORMAT_COUNT) {
        return VIZ_EINVAL;
    }
    struct viz_tl_model m;
    viz_tl_model_build(run, viz_tl_model_limit(run, &o), &m);
    struct viz_timeline_layout l;
    code = viz_tl_make_layout(run, &o, &m, &l);
    if (code != VIZ_OK) {
        goto err_free_model;
    }
    struct viz_canvas canvas;
    code = viz_canvas_open(&canvas, o.format, path, l.width_px, l.height_px);
    if (code != VIZ_OK) {
        goto err_free_model;
    }
    struct viz_tl_ctx c = {
        .cr = canvas.cr,
        .run = run,
        .o = &o,
        .m = &m,
        .l = &l,
        .lanes_y1 = l.lanes_y0 + l.lane_h * run->n_nodes,
    };
    draw_partitions(&c);
    draw_axis(&c);
    draw_header(&c);
    draw_lanes(&c);
    viz_tl_clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_lanes(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    draw_arrows(&c);
    viz_tl_clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_transfers(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    draw_lane_labels(&c);
    draw_clients(&c);
    draw_notes(&c);
    draw_now(&c);
    viz_tl_draw_legend(&c);
    code = viz_canvas_close(&canvas, true);

err_free_model:
    viz_tl_model_free(&m);
    return code;
}
