/* viz_timeline_clients.c: the client lane under the node lanes
 * (viz_timeline_draw.h): one row per client, a bar per request from its
 * invocation to its reply, its words, and the sends to nodes.
 *
 * Invariant: draws only requests that overlap the picture's window, inside
 * the client lane's rectangle.
 */
#include "viz/viz_timeline_draw.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

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
        double tx = viz_tl_clamp_x(c, viz_timeline_x(l, op->t0_us)) + 3;
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
void viz_tl_draw_clients(const struct viz_tl_ctx *c)
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
