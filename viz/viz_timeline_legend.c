/* viz_timeline_legend.c: the timeline's legend, one swatch and its words
 * per item the picture shows (viz_tl_legend_used()), drawn with the same
 * marks as the picture itself.
 */
#include "viz/viz_timeline_draw.h"

#include <math.h>

#include "viz/viz_members.h"

/* The swatch box of a legend item whose baseline is y: [x, x +
 * VIZ_TL_SWATCH_W] x [y - 9, y + 1]. */
#define SWATCH_TOP(y) ((y)-9)
#define SWATCH_H 10.0

/* The membership strip or transfer arrow that sw stands for. */
static enum viz_member member_of_swatch(enum viz_tl_swatch sw)
{
    switch (sw) {
    case SW_VOTER:
        return VIZ_MEMBER_VOTER;
    case SW_LEARNER:
        return VIZ_MEMBER_LEARNER;
    case SW_NOT_MEMBER:
        return VIZ_MEMBER_NONE;
    case SW_JOINT_BOTH:
        return VIZ_MEMBER_JOINT_BOTH;
    case SW_JOINT_IN:
        return VIZ_MEMBER_JOINT_IN;
    case SW_JOINT_OUT:
        return VIZ_MEMBER_JOINT_OUT;
    default:
        break;
    }
    return VIZ_MEMBER_COUNT;
}

/* Roles, liveness, membership, partitions and cuts: boxes and strips. */
static bool box_swatch(cairo_t *cr, enum viz_tl_swatch sw, double x, double y)
{
    double w = VIZ_TL_SWATCH_W;
    double top = SWATCH_TOP(y);
    double h = SWATCH_H;
    switch (sw) {
    case SW_VOTER:
    case SW_LEARNER:
    case SW_NOT_MEMBER:
    case SW_JOINT_BOTH:
    case SW_JOINT_IN:
    case SW_JOINT_OUT:
    case SW_TRANSFER:
        viz_members_swatch(cr, member_of_swatch(sw), x, top, w, h);
        return true;
    case SW_FOLLOWER:
    case SW_CANDIDATE:
    case SW_LEADER:
        viz_set_rgb(cr, viz_role_color(sw == SW_FOLLOWER    ? RAFT_FOLLOWER
                                       : sw == SW_CANDIDATE ? RAFT_CANDIDATE
                                                            : RAFT_LEADER));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        return true;
    case SW_CRASHED:
        viz_set_rgb(cr, viz_crashed_color());
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        return true;
    case SW_PAUSED:
        viz_set_rgb(cr, viz_role_color(RAFT_FOLLOWER));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        viz_tl_hatch(cr, x, top, w, h);
        return true;
    case SW_MAJORITY:
        viz_set_rgb(cr, viz_tl_side_tint(true, 0));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        return true;
    case SW_MINORITY:
        /* Two sides without a quorum, and the line between them. */
        viz_set_rgb(cr, viz_tl_side_tint(false, 0));
        cairo_rectangle(cr, x, top, w / 2, h);
        cairo_fill(cr);
        viz_set_rgb(cr, viz_tl_side_tint(false, 1));
        cairo_rectangle(cr, x + w / 2, top, w / 2, h);
        cairo_fill(cr);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_LAVENDER));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, floor(x + w / 2) + 0.5, top);
        cairo_line_to(cr, floor(x + w / 2) + 0.5, top + h);
        cairo_stroke(cr);
        return true;
    case SW_CUT:
        viz_tl_cut_shade(cr, x, top, w, h);
        return true;
    default:
        break;
    }
    return false;
}

/* The commit index, checks and violations: marks as above the lanes. */
static bool mark_swatch(cairo_t *cr, enum viz_tl_swatch sw, double x, double y)
{
    double w = VIZ_TL_SWATCH_W;
    double top = SWATCH_TOP(y);
    double my = y - 4;
    switch (sw) {
    case SW_COMMIT:
        viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x + 4.5, top);
        cairo_line_to(cr, x + 4.5, top + 3);
        cairo_stroke(cr);
        viz_font(cr, FONT_TINY, false);
        viz_text(cr, x + 3.5, y + 1, "12", VIZ_ALIGN_LEFT);
        return true;
    case SW_CHECK:
        /* As in the notes strip: a short tick in the check colour. */
        viz_set_rgb(cr, viz_tl_note_color(NOTE_CHECK_HELD));
        cairo_set_line_width(cr, 1.0);
        cairo_move_to(cr, x + w / 2 + 0.5, my - 3);
        cairo_line_to(cr, x + w / 2 + 0.5, my + 3);
        cairo_stroke(cr);
        return true;
    case SW_VIOLATION:
        viz_set_rgb(cr, viz_hex(VIZ_PAL_RED));
        cairo_move_to(cr, x + w / 2, my - 6);
        cairo_line_to(cr, x + w / 2 + 6, my);
        cairo_line_to(cr, x + w / 2, my + 6);
        cairo_line_to(cr, x + w / 2 - 6, my);
        cairo_close_path(cr);
        cairo_fill(cr);
        return true;
    default:
        break;
    }
    return false;
}

/* Client requests, and a message still in flight. */
static bool client_swatch(cairo_t *cr,
                          enum viz_tl_swatch sw,
                          double x,
                          double y)
{
    double w = VIZ_TL_SWATCH_W;
    double top = SWATCH_TOP(y);
    double h = SWATCH_H;
    double my = y - 4;
    switch (sw) {
    case SW_CLIENT_PENDING: {
        double dash[] = {3.0, 2.0};
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_88));
        cairo_set_line_width(cr, 1.0);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_rectangle(cr, x + 0.5, top + 1.5, w - 1, h - 2);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        return true;
    }
    case SW_IN_FLIGHT: {
        double dash[] = {2.0, 3.0};
        viz_set_rgb(cr,
                    viz_message_color(RAFT_MSG_APPEND_ENTRIES, false, false));
        cairo_set_line_width(cr, 1.8);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, my + 3);
        cairo_line_to(cr, x + w, my - 3);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        return true;
    }
    case SW_CLIENT_OK:
    case SW_CLIENT_FAILED:
        viz_set_rgb(cr, sw == SW_CLIENT_OK ? viz_hex(VIZ_PAL_GREEN_FILL)
                                           : viz_hex(VIZ_PAL_VERMILLION_PALE));
        cairo_rectangle(cr, x + 0.5, top + 1.5, w - 1, h - 2);
        cairo_fill_preserve(cr);
        viz_set_rgb(cr, sw == SW_CLIENT_OK ? viz_hex(VIZ_PAL_GREEN)
                                           : viz_hex(VIZ_PAL_VERMILLION));
        cairo_set_line_width(cr, 1.0);
        cairo_stroke(cr);
        return true;
    default:
        break;
    }
    return false;
}

/* Draws the swatches that are boxes, strips and marks; false for the
 * message arrows, drawn by arrow_swatch(). */
static bool shape_swatch(cairo_t *cr, enum viz_tl_swatch sw, double x, double y)
{
    return box_swatch(cr, sw, x, y) || mark_swatch(cr, sw, x, y) ||
           client_swatch(cr, sw, x, y);
}

/* The arrow a message swatch stands for. */
static struct viz_tl_arrow arrow_of_swatch(enum viz_tl_swatch sw)
{
    struct viz_tl_arrow a = {.type = RAFT_MSG_APPEND_ENTRIES, .ok = true};
    switch (sw) {
    case SW_PREVOTE:
        a.type = RAFT_MSG_PRE_VOTE;
        break;
    case SW_PREVOTE_REPLY:
        a.type = RAFT_MSG_PRE_VOTE_RESULT;
        break;
    case SW_APPEND_OK:
        a.type = RAFT_MSG_APPEND_ENTRIES_RESULT;
        break;
    case SW_SNAPSHOT_REPLY:
        a.type = RAFT_MSG_INSTALL_SNAPSHOT_RESULT;
        break;
    case SW_VOTE:
        a.type = RAFT_MSG_REQUEST_VOTE;
        break;
    case SW_VOTE_GRANTED:
    case SW_VOTE_DENIED:
        a.type = RAFT_MSG_REQUEST_VOTE_RESULT;
        a.ok = sw == SW_VOTE_GRANTED;
        break;
    case SW_APPEND_FAILED:
        a.type = RAFT_MSG_APPEND_ENTRIES_RESULT;
        a.ok = false;
        break;
    case SW_HEARTBEAT:
        a.heartbeat = true;
        break;
    case SW_SNAPSHOT:
        a.type = RAFT_MSG_INSTALL_SNAPSHOT;
        break;
    case SW_DUPLICATE:
        a.copy = true;
        break;
    default:
        break;
    }
    return a;
}

/* A message swatch: a short arrow as the picture draws that message. */
static void arrow_swatch(cairo_t *cr, enum viz_tl_swatch sw, double x, double y)
{
    double w = VIZ_TL_SWATCH_W;
    double my = y - 4;
    double dash_denied[] = {5.0, 3.5};
    double dash_copy[] = {1.5, 3.0};
    struct viz_tl_arrow a = arrow_of_swatch(sw);
    struct viz_rgb col;
    col = viz_message_color(a.type, a.heartbeat, a.ok);
    viz_set_rgb(cr, col);
    cairo_set_line_width(cr, viz_tl_arrow_width(&a));
    if (a.copy) {
        cairo_set_dash(cr, dash_copy, 2, 0);
    } else if (!a.ok) {
        cairo_set_dash(cr, dash_denied, 2, 0);
    }
    double xe = sw == SW_LOST ? x + w - 8 : x + w;
    cairo_move_to(cr, x, my);
    cairo_line_to(cr, xe, my);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (sw == SW_LOST) {
        viz_tl_lost_cross(cr, xe, my);
    } else {
        viz_tl_heads(cr, x, my, xe, my, &a);
    }
}

static void draw_swatch(cairo_t *cr, enum viz_tl_swatch sw, double x, double y)
{
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    if (!shape_swatch(cr, sw, x, y)) {
        arrow_swatch(cr, sw, x, y);
    }
}

void viz_tl_draw_legend(const struct viz_tl_ctx *c)
{
    cairo_t *cr = c->cr;
    const struct viz_timeline_layout *l = c->l;
    double xs[VIZ_TL_N_LEGEND];
    int rows[VIZ_TL_N_LEGEND];
    bool used[SW_COUNT];
    viz_tl_legend_used(c->m, l, c->o->until_now, used);
    int n_rows = viz_tl_legend_flow(cr, l->width_px, used, xs, rows);
    double y0 = l->height_px - BOTTOM_PX - n_rows * LEGEND_ROW_PX;
    viz_set_rgb(cr, viz_hex(VIZ_PAL_RULE));
    cairo_set_line_width(cr, 1.0);
    cairo_move_to(cr, 16, floor(y0 - 8) + 0.5);
    cairo_line_to(cr, l->width_px - 16, floor(y0 - 8) + 0.5);
    cairo_stroke(cr);
    for (size_t i = 0; i < VIZ_TL_N_LEGEND; i++) {
        if (!used[viz_tl_legend_items[i].swatch]) {
            continue;
        }
        double y = y0 + rows[i] * LEGEND_ROW_PX + 12;
        draw_swatch(cr, viz_tl_legend_items[i].swatch, xs[i], y);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
        viz_font(cr, FONT_SMALL, false);
        viz_text(cr, xs[i] + VIZ_TL_SWATCH_W + 5, y,
                 viz_tl_legend_items[i].label, VIZ_ALIGN_LEFT);
    }
}
