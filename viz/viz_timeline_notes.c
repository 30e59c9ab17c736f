/* viz_timeline_notes.c: the notes above the lanes (violations, partitions,
 * heals, cuts, transfers, configurations, checks) and the "now" cursor of a
 * frame (viz_timeline_draw.h).
 *
 * Invariant: a note keeps its marker at its instant whatever happens to its
 * words; words go in the first row where they overlap nothing, by priority
 * (violations first), or are left out.
 */
#include "viz/viz_timeline_draw.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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
void viz_tl_draw_notes(const struct viz_tl_ctx *c)
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

void viz_tl_draw_now(const struct viz_tl_ctx *c)
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
