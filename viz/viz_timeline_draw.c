/* viz_timeline_draw.c: the timeline drawn from its model and layout.
 *
 * Owns the order of the layers and the marks every layer shares: partitions
 * and cuts under the lanes, the axis, the header and the message arrows are
 * drawn here; the lanes with their words (viz_timeline_lanes.c), membership
 * strips and transfers (viz_members.c), the client lane
 * (viz_timeline_clients.c), the notes above the lanes and the "now" cursor
 * (viz_timeline_notes.c) and the legend (viz_timeline_legend.c) each have
 * their own file. Every position comes from the layout.
 */
#include "viz/viz_timeline_draw.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "viz/viz_members.h"

double viz_tl_clamp_x(const struct viz_tl_ctx *c, double x)
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

static const enum viz_palette minority_tints[VIZ_TL_N_MINORITY_TINTS] = {
    VIZ_PAL_MINORITY_TINT,
    VIZ_PAL_MINORITY_TINT_2,
    VIZ_PAL_MINORITY_TINT_3,
};

struct viz_rgb viz_tl_side_tint(bool majority, uint32_t k)
{
    if (majority) {
        return viz_hex(VIZ_PAL_MAJORITY_TINT);
    }
    return viz_hex(minority_tints[k % VIZ_TL_N_MINORITY_TINTS]);
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

/* The lanes of partition p over verdict v: the side with a quorum in the
 * majority's tint, the others in turn in the minority tints, and a line
 * between neighbouring lanes on different sides. */
static void draw_sides(const struct viz_tl_ctx *c,
                       const struct viz_tl_partition *p,
                       const struct viz_tl_verdict *v)
{
    cairo_t *cr = c->cr;
    const struct viz_tl_model *m = c->m;
    double x0 = viz_timeline_x(c->l, v->t0_us);
    double x1 = viz_timeline_x(c->l, v->t1_us);
    for (uint32_t k = 1; k <= m->n; k++) {
        uint32_t s = p->side[k];
        bool major = viz_tl_in_majority(p, v, k);
        /* The minority sides' rank, the majority's skipped. */
        uint32_t rank = s - 1 - (v->side != 0 && s > v->side ? 1 : 0);
        viz_set_rgb(cr, viz_tl_side_tint(major, rank));
        cairo_rectangle(cr, x0, viz_tl_lane_top(c, k), x1 - x0, c->l->lane_h);
        cairo_fill(cr);
    }
    viz_set_rgb(cr, viz_hex(VIZ_PAL_LAVENDER));
    cairo_set_line_width(cr, 1.0);
    for (uint32_t k = 2; k <= m->n; k++) {
        if (p->side[k] != p->side[k - 1]) {
            double y = floor(viz_tl_lane_top(c, k)) + 0.5;
            cairo_move_to(cr, x0, y);
            cairo_line_to(cr, x1, y);
            cairo_stroke(cr);
        }
    }
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
        for (guint j = 0; j < p->verdicts->len; j++) {
            draw_sides(c, p,
                       &g_array_index(p->verdicts, struct viz_tl_verdict, j));
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
    viz_tl_draw_lanes(&c);
    viz_tl_clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_lanes(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    draw_arrows(&c);
    viz_tl_clip_plot(&c, l.lanes_y0, c.lanes_y1);
    viz_members_draw_transfers(c.cr, &m.members, &l);
    cairo_restore(c.cr);
    viz_tl_draw_lane_labels(&c);
    viz_tl_draw_clients(&c);
    viz_tl_draw_notes(&c);
    viz_tl_draw_now(&c);
    viz_tl_draw_legend(&c);
    code = viz_canvas_close(&canvas, true);

err_free_model:
    viz_tl_model_free(&m);
    return code;
}
