/* viz_plots.c: client latency and throughput over time, as cairo pictures.
 *
 * Both plots share one time axis (viz_plot_layout) and shade the run's
 * unavailable intervals (viz_series.h) behind the data, so a partition's
 * window without service lines up in the two pictures. Deterministic: the
 * pictures are pure functions of the trace.
 */
#include <glib.h>
#include <math.h>

#include "viz/viz_draw.h"
#include "viz/viz_series.h"

enum {
    PLOT_W_PX = 960,
    PLOT_H_PX = 360,
    PLOT_LEFT_PX = 76,
    PLOT_RIGHT_PX = 24,
    PLOT_TOP_PX = 64,
    PLOT_BOTTOM_PX = 40,
};

void viz_plot_compute_layout(const struct viz_series *s,
                             struct viz_plot_layout *out)
{
    out->width_px = PLOT_W_PX;
    out->height_px = PLOT_H_PX;
    out->end_us = s->end_us > 0 ? s->end_us : 1;
    out->x0 = PLOT_LEFT_PX;
    out->x1 = PLOT_W_PX - PLOT_RIGHT_PX;
    out->y0 = PLOT_TOP_PX;
    out->y1 = PLOT_H_PX - PLOT_BOTTOM_PX;
}

double viz_plot_x(const struct viz_plot_layout *l, uint64_t t_us)
{
    return l->x0 + (l->x1 - l->x0) * ((double)t_us / (double)l->end_us);
}

static struct viz_rgb viz_outcome_color(enum viz_outcome o)
{
    switch (o) {
    case VIZ_OUTCOME_OK:
        return viz_hex(VIZ_PAL_GREEN);
    case VIZ_OUTCOME_RETRIED:
        return viz_hex(VIZ_PAL_ORANGE);
    case VIZ_OUTCOME_FAILED:
        return viz_hex(VIZ_PAL_VERMILLION);
    case VIZ_OUTCOME_PENDING:
    case VIZ_OUTCOME_COUNT:
        break;
    }
    return viz_hex(VIZ_PAL_GREY_7F);
}

struct viz_rgb viz_unavailable_color(void)
{
    return viz_hex(VIZ_PAL_ROSE);
}

/* Title, shading, frame and time axis: everything but the data. */
static void draw_frame(cairo_t *cr,
                       const struct viz_plot_layout *l,
                       const struct viz_series *s,
                       const char *title)
{
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, 16.0, true);
    viz_text(cr, 16, 26, title, VIZ_ALIGN_LEFT);
    viz_set_rgb(cr, viz_unavailable_color());
    for (size_t k = 0; k < s->n_unavailable; k++) {
        double a = viz_plot_x(l, s->unavailable[k].t0_us);
        double b = viz_plot_x(l, s->unavailable[k].t1_us);
        cairo_rectangle(cr, a, l->y0, b - a, l->y1 - l->y0);
    }
    /* One fill for the whole path: adjacent intervals show no seam. */
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_4D));
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, l->x0 - 0.5, l->y0 - 0.5, l->x1 - l->x0 + 1,
                    l->y1 - l->y0 + 1);
    cairo_stroke(cr);
    uint64_t step = viz_nice_step((double)l->end_us / 8.0);
    viz_font(cr, 10.0, false);
    for (uint64_t t = 0; t <= l->end_us; t += step) {
        char buf[32];
        viz_time_label(t, buf, sizeof buf);
        double x = floor(viz_plot_x(l, t)) + 0.5;
        cairo_move_to(cr, x, l->y1);
        cairo_line_to(cr, x, l->y1 + 4);
        cairo_stroke(cr);
        viz_text(cr, x, l->y1 + 16, buf, VIZ_ALIGN_CENTER);
    }
}

/* Opens the canvas of one plot at path and draws its frame. */
static int open_plot(const struct viz_series *s,
                     enum viz_format format,
                     const char *path,
                     const char *title,
                     struct viz_plot_layout *l,
                     struct viz_canvas *c)
{
    viz_plot_compute_layout(s, l);
    int code = viz_canvas_open(c, format, path, l->width_px, l->height_px);
    if (code == VIZ_OK) {
        draw_frame(c->cr, l, s, title);
    }
    return code;
}

/* Legend entries left to right under the title: swatches and names. */
static double legend_item(cairo_t *cr,
                          double x,
                          struct viz_rgb c,
                          const char *name,
                          bool dot)
{
    viz_set_rgb(cr, c);
    if (dot) {
        cairo_arc(cr, x + 5, 43, 4, 0, 2 * G_PI);
    } else {
        cairo_rectangle(cr, x, 37, 12, 12);
    }
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
    viz_font(cr, 10.5, false);
    return x + 16 + viz_text(cr, x + 16, 47, name, VIZ_ALIGN_LEFT) + 16;
}

/* Horizontal grid labels at multiples of step up to top (the y scale's
 * maximum); as times when is_time. */
static void y_axis(cairo_t *cr,
                   const struct viz_plot_layout *l,
                   double top,
                   double step,
                   bool is_time)
{
    viz_font(cr, 10.0, false);
    for (double v = 0; v <= top + 1e-9; v += step) {
        double y = l->y1 - (l->y1 - l->y0) * (v / top);
        char buf[32];
        if (is_time) {
            viz_time_label((uint64_t)v, buf, sizeof buf);
        } else {
            g_snprintf(buf, sizeof buf, "%.0f", v);
        }
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_4D));
        viz_text(cr, l->x0 - 6, y + 3.5, buf, VIZ_ALIGN_RIGHT);
        viz_set_rgba(cr, viz_hex(VIZ_PAL_BLACK), 0.12);
        cairo_move_to(cr, l->x0, floor(y) + 0.5);
        cairo_line_to(cr, l->x1, floor(y) + 0.5);
        cairo_stroke(cr);
    }
}

static int write_latency(const struct viz_series *s,
                         enum viz_format format,
                         const char *path)
{
    struct viz_plot_layout l;
    struct viz_canvas c;
    int code = open_plot(s, format, path, "client latency over time", &l, &c);
    if (code != VIZ_OK) {
        return code;
    }
    double x = l.x1 - 420;
    for (int o = 0; o < VIZ_OUTCOME_COUNT; o++) {
        x = legend_item(c.cr, x, viz_outcome_color(o), viz_outcome_name(o),
                        true);
    }
    legend_item(c.cr, x, viz_unavailable_color(), "unavailable", false);
    uint64_t most = 1;
    for (size_t k = 0; k < s->n_requests; k++) {
        uint64_t lat = s->requests[k].t1_us - s->requests[k].t0_us;
        most = lat > most ? lat : most;
    }
    double step = (double)viz_nice_step((double)most / 5.0);
    double top = step * ceil((double)most / step);
    y_axis(c.cr, &l, top, step, true);
    for (size_t k = 0; k < s->n_requests; k++) {
        const struct viz_request *r = &s->requests[k];
        double px = viz_plot_x(&l, r->t1_us);
        double py =
            l.y1 - (l.y1 - l.y0) * ((double)(r->t1_us - r->t0_us) / top);
        viz_set_rgb(c.cr, viz_outcome_color(r->outcome));
        cairo_arc(c.cr, px, py, 3.0, 0, 2 * G_PI);
        cairo_fill(c.cr);
    }
    return viz_canvas_close(&c, true);
}

static int write_throughput(const struct viz_series *s,
                            enum viz_format format,
                            const char *path)
{
    struct viz_plot_layout l;
    struct viz_canvas c;
    int code = open_plot(s, format, path,
                         "throughput: requests completed per 100 ms", &l, &c);
    if (code != VIZ_OK) {
        return code;
    }
    legend_item(c.cr, l.x1 - 120, viz_unavailable_color(), "unavailable",
                false);
    uint32_t most = 1;
    for (size_t b = 0; b < s->n_bins; b++) {
        most = s->bins[b].count > most ? s->bins[b].count : most;
    }
    double step = ceil((double)most / 5.0);
    double top = step * ceil((double)most / step);
    y_axis(c.cr, &l, top, step, false);
    viz_set_rgb(c.cr, viz_hex(VIZ_PAL_BLUE));
    for (size_t b = 0; b < s->n_bins; b++) {
        const struct viz_bin *bin = &s->bins[b];
        double a = viz_plot_x(&l, bin->t0_us);
        double w = viz_plot_x(&l, bin->t1_us) - a;
        double h = (l.y1 - l.y0) * ((double)bin->count / top);
        cairo_rectangle(c.cr, a + (w > 3 ? 0.5 : 0), l.y1 - h,
                        w > 3 ? w - 1 : w, h);
        cairo_fill(c.cr);
    }
    return viz_canvas_close(&c, true);
}

int viz_plots_write(const struct viz_run *run,
                    const char *dir,
                    enum viz_format format)
{
    if (dir == NULL) {
        return VIZ_EINVAL;
    }
    struct viz_series s;
    int code = viz_series_build(run, &s);
    if (code != VIZ_OK) {
        return code;
    }
    char *name = g_strconcat("latency.", viz_format_extension(format), NULL);
    char *path = g_build_filename(dir, name, NULL);
    code = write_latency(&s, format, path);
    g_free(path);
    g_free(name);
    if (code == VIZ_OK) {
        name = g_strconcat("throughput.", viz_format_extension(format), NULL);
        path = g_build_filename(dir, name, NULL);
        code = write_throughput(&s, format, path);
        g_free(path);
        g_free(name);
    }
    if (code == VIZ_OK) {
        GString *json = g_string_new(NULL);
        viz_series_json(&s, json);
        path = g_build_filename(dir, "series.json", NULL);
        code = viz_output_write_all(path, json->str, json->len);
        g_free(path);
        g_string_free(json, TRUE);
    }
    viz_series_clear(&s);
    return code;
}
