/* viz_pixels.h (tests): pictures written into a temporary directory and
 * read back with cairo, probed pixel by pixel at the coordinates the layout
 * functions report. Each suite that renders uses vt_make_tmp and
 * vt_remove_tmp as its init and fini.
 */
#ifndef VIZ_PIXELS_TEST_H
#define VIZ_PIXELS_TEST_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/viz.h"

struct vt_pixel
{
    uint8_t r, g, b;
};

/* The directory vt_make_tmp() made for the running test. */
extern char *vt_tmp_dir;

void vt_make_tmp(void);

void vt_remove_tmp(void);

char *vt_tmp_path(const char *name);

cairo_surface_t *vt_load_png(const char *path);

struct vt_pixel vt_pixel_at(cairo_surface_t *s, double x, double y);

/* The 8-bit value cairo stores for a colour component. */
uint8_t vt_byte_of(double d);

bool vt_same_colour(struct vt_pixel p, struct viz_rgb c);

bool vt_is_dark(struct vt_pixel p);

bool vt_same_pixel(struct vt_pixel a, struct vt_pixel b);

bool vt_is_white(struct vt_pixel p);

void vt_assert_colour(struct vt_pixel p, struct viz_rgb c, const char *what);

/* A row inside node's band above the words written in it ("leader, term
 * 3", "crashed"), where only the band's colour is drawn. */
double vt_band_probe(const struct viz_timeline_layout *l, uint32_t node);

/* Renders run as PNG with opts (NULL: defaults) and loads it back. */
cairo_surface_t *vt_render(const struct viz_run *run,
                           const struct viz_options *opts,
                           struct viz_timeline_layout *l,
                           const char *name);

char *vt_read_all(const char *path, gsize *len);

/* Pixels of exactly colour c in the rectangle [x0, x1) x [y0, y1). */
int vt_count_colour(cairo_surface_t *s,
                    double x0,
                    double x1,
                    double y0,
                    double y1,
                    struct viz_rgb c);

/* Pixels that are not white in the rectangle [x0, x1) x [y0, y1). */
int vt_count_ink(cairo_surface_t *s,
                 double x0,
                 double x1,
                 double y0,
                 double y1);

#endif /* VIZ_PIXELS_TEST_H */
