/* viz_pixels.c (tests): see viz_pixels.h. */
#include "tests/support/viz_pixels.h"

#include <criterion/criterion.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

char *vt_tmp_dir;

void vt_make_tmp(void)
{
    GError *err = NULL;
    vt_tmp_dir = g_dir_make_tmp("viz-test-XXXXXX", &err);
    cr_assert_not_null(vt_tmp_dir, "cannot make a temporary directory");
}

void vt_remove_tmp(void)
{
    GDir *d = g_dir_open(vt_tmp_dir, 0, NULL);
    if (d != NULL) {
        const char *name;
        while ((name = g_dir_read_name(d)) != NULL) {
            char *p = g_build_filename(vt_tmp_dir, name, NULL);
            g_remove(p);
            g_free(p);
        }
        g_dir_close(d);
    }
    g_rmdir(vt_tmp_dir);
    g_free(vt_tmp_dir);
    /* Release cairo's font caches so leak checkers see only our memory. */
    cairo_debug_reset_static_data();
}

char *vt_tmp_path(const char *name)
{
    return g_build_filename(vt_tmp_dir, name, NULL);
}

cairo_surface_t *vt_load_png(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cr_assert_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS,
                 "%s does not decode as PNG", path);
    return s;
}

struct vt_pixel vt_pixel_at(cairo_surface_t *s, double x, double y)
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
    struct vt_pixel p = {
        .r = (uint8_t)(v >> 16), .g = (uint8_t)(v >> 8), .b = (uint8_t)v};
    return p;
}

/* The 8-bit value cairo stores for a colour component. */
uint8_t vt_byte_of(double d)
{
    return (uint8_t)((unsigned)(d * 65535.0 + 0.5) >> 8);
}

bool vt_same_colour(struct vt_pixel p, struct viz_rgb c)
{
    return p.r == vt_byte_of(c.r) && p.g == vt_byte_of(c.g) &&
           p.b == vt_byte_of(c.b);
}

bool vt_is_dark(struct vt_pixel p)
{
    return p.r < 0x60 && p.g < 0x60 && p.b < 0x60;
}

bool vt_same_pixel(struct vt_pixel a, struct vt_pixel b)
{
    return a.r == b.r && a.g == b.g && a.b == b.b;
}

bool vt_is_white(struct vt_pixel p)
{
    return p.r == 0xff && p.g == 0xff && p.b == 0xff;
}

void vt_assert_colour(struct vt_pixel p, struct viz_rgb c, const char *what)
{
    cr_assert(vt_same_colour(p, c),
              "%s: pixel #%02x%02x%02x, expected #%02x%02x%02x", what, p.r, p.g,
              p.b, vt_byte_of(c.r), vt_byte_of(c.g), vt_byte_of(c.b));
}

/* A row inside node's band above the words written in it ("leader, term
 * 3", "crashed"), where only the band's colour is drawn. */
double vt_band_probe(const struct viz_timeline_layout *l, uint32_t node)
{
    double y0, y1;
    viz_timeline_band(l, node, &y0, &y1);
    return y0 + 3;
}

/* Renders run as PNG with opts (NULL: defaults) and loads it back. */
cairo_surface_t *vt_render(const struct viz_run *run,
                           const struct viz_options *opts,
                           struct viz_timeline_layout *l,
                           const char *name)
{
    struct viz_options o;
    if (opts != NULL) {
        o = *opts;
    } else {
        viz_options_init(&o);
    }
    o.format = VIZ_FORMAT_PNG;
    char *path = vt_tmp_path(name);
    cr_assert_eq(viz_timeline_write(run, &o, path), VIZ_OK);
    cr_assert_eq(viz_timeline_compute_layout(run, &o, l), VIZ_OK);
    cairo_surface_t *s = vt_load_png(path);
    g_free(path);
    return s;
}

char *vt_read_all(const char *path, gsize *len)
{
    char *data = NULL;
    cr_assert(g_file_get_contents(path, &data, len, NULL), "cannot read %s",
              path);
    return data;
}

/* Pixels of exactly colour c in the rectangle [x0, x1) x [y0, y1). */
int vt_count_colour(cairo_surface_t *s,
                    double x0,
                    double x1,
                    double y0,
                    double y1,
                    struct viz_rgb c)
{
    int n = 0;
    for (double y = y0; y < y1; y++) {
        for (double x = x0; x < x1; x++) {
            n += vt_same_colour(vt_pixel_at(s, x, y), c);
        }
    }
    return n;
}

/* Pixels that are not white in the rectangle [x0, x1) x [y0, y1). */
int vt_count_ink(cairo_surface_t *s, double x0, double x1, double y0, double y1)
{
    int n = 0;
    for (double y = y0; y < y1; y++) {
        for (double x = x0; x < x1; x++) {
            n += !vt_is_white(vt_pixel_at(s, x, y));
        }
    }
    return n;
}