/* viz_draw.h: drawing helpers shared by the timeline and the log diagram
 * (private to viz/).
 *
 * A canvas encodes its picture in memory and writes it through a temporary
 * file renamed into place only once complete, so a failed call never leaves
 * a truncated picture at the destination. Every canvas uses the same font
 * options (no hinting, no metric hinting), so text measures the same in all
 * three formats and layouts agree with what is drawn.
 */
#ifndef VIZ_DRAW_H
#define VIZ_DRAW_H

#include <cairo.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/viz.h"
#include "viz/viz_members.h"
#include "viz/viz_palette.h"

struct viz_canvas
{
    enum viz_format format;
    cairo_surface_t *surface;
    cairo_t *cr;
    GByteArray *bytes; /* the encoded picture, owned */
    const char *path;  /* borrowed until viz_canvas_close() */
};

/* Opens a white width x height canvas that will land at path (borrowed until
 * viz_canvas_close()). On failure nothing is left open. */
int viz_canvas_open(struct viz_canvas *c,
                    enum viz_format format,
                    const char *path,
                    int width,
                    int height);

/* Finishes the picture and, when keep is true, writes it to its path through
 * a temporary file renamed into place (VIZ_EIO if that fails). Frees
 * everything the canvas holds in either case. */
int viz_canvas_close(struct viz_canvas *c, bool keep);

/* A scratch context for measuring text with the canvas font options; free it
 * with viz_measure_free(). NULL when cairo cannot allocate. */
cairo_t *viz_measure_new(void);
void viz_measure_free(cairo_t *cr);

/* Selects the sans-serif face at size, bold or not, with the shared font
 * options. */
void viz_font(cairo_t *cr, double size, bool bold);

/* Advance width of s in the current font. */
double viz_text_width(cairo_t *cr, const char *s);

enum viz_align {
    VIZ_ALIGN_LEFT = 0,
    VIZ_ALIGN_CENTER,
    VIZ_ALIGN_RIGHT,
};

/* Draws s with its baseline at y, aligned to x; returns its width. */
double viz_text(cairo_t *cr,
                double x,
                double y,
                const char *s,
                enum viz_align align);

void viz_set_rgb(cairo_t *cr, struct viz_rgb c);
void viz_set_rgba(cairo_t *cr, struct viz_rgb c, double alpha);

/* Diagonal lines every pitch pixels across the rectangle, clipped to it, in
 * the current source and line width. */
void viz_stripes(cairo_t *cr,
                 double x,
                 double y,
                 double w,
                 double h,
                 double pitch);

/* A filled arrow head of `size` pixels at (xe, ye), pointing along the
 * line from (xs, ys); nothing when the two points nearly coincide. */
void viz_arrow_head(cairo_t *cr,
                    double xs,
                    double ys,
                    double xe,
                    double ye,
                    double size);

/* Colour of a hexadecimal 0xRRGGBB value. */
struct viz_rgb viz_hex(uint32_t rgb);

/* The smallest step of 1, 2 or 5 times a power of ten, in microseconds, of
 * at least min_us (at least 1). */
uint64_t viz_nice_step(double min_us);

/* A picture's time label: `us` as sim_time_text_human writes it, for a
 * human to read ("0.850s", "1.250s", "0.000037s"), into buf (truncated to
 * len; 32 bytes hold every value). */
void viz_time_label(uint64_t us, char *buf, size_t len);

/* Greedy placement of labels in a row, left to right: a label fits if it
 * starts right of everything placed before it. */
struct viz_row
{
    double right; /* right edge of the last label placed */
};

/* True, and the row taken up to x1 + gap, when [x0, x1) fits in row. */
bool viz_row_take(struct viz_row *row, double x0, double x1, double gap);

/* ---- membership (viz_members.c) -------------------------------------- */

/* Drawing, clipped to the plot by the caller: the strips under each lane,
 * the washed-out band of a non-member, and "learner" / "not a member" in
 * the bands of those spans. */
void viz_members_draw_lanes(cairo_t *cr,
                            const struct viz_members *m,
                            const struct viz_timeline_layout *l);
/* Transfer arrows from leader to target, with their outcome. */
void viz_members_draw_transfers(cairo_t *cr,
                                const struct viz_members *m,
                                const struct viz_timeline_layout *l);
/* A legend swatch in the box [x, x + w] x [top, top + h]: a strip of
 * `member`, or (VIZ_MEMBER_COUNT) a transfer arrow. */
void viz_members_swatch(cairo_t *cr,
                        enum viz_member member,
                        double x,
                        double top,
                        double w,
                        double h);

#endif /* VIZ_DRAW_H */
