/* viz_timeline_draw.h: the timeline's drawing context and the marks its
 * picture and its legend share (private to viz/).
 */
#ifndef VIZ_TIMELINE_DRAW_H
#define VIZ_TIMELINE_DRAW_H

#include <cairo.h>

#include "viz/viz_draw.h"
#include "viz/viz_timeline_layout.h"

/* One picture being drawn; everything borrowed. */
struct viz_tl_ctx
{
    cairo_t *cr;
    const struct viz_run *run;
    const struct viz_options *o;
    const struct viz_tl_model *m;
    const struct viz_timeline_layout *l;
    double lanes_y1; /* bottom of the last lane */
};

/* Clips to the plot between y0 and y1 (cairo_save(); the caller
 * restores). */
void viz_tl_clip_plot(const struct viz_tl_ctx *c, double y0, double y1);
/* The top of node's lane. */
double viz_tl_lane_top(const struct viz_tl_ctx *c, uint32_t node);

/* The sides of a partition without a quorum cycle through this many
 * tints. */
#define VIZ_TL_N_MINORITY_TINTS 3
/* The tint of a partition side's lanes: the majority's (it holds a quorum
 * of the voters), else the k-th (from 0) of the minority tints. */
struct viz_rgb viz_tl_side_tint(bool majority, uint32_t k);
/* A paused span: dark hatching over the box. */
void viz_tl_hatch(cairo_t *cr, double x0, double y0, double w, double h);
/* A one-way cut: a light rose tint with sparse rose stripes. */
void viz_tl_cut_shade(cairo_t *cr, double x0, double y0, double w, double h);
/* The mark of a lost message: a dark cross centred on (x, y). */
void viz_tl_lost_cross(cairo_t *cr, double x, double y);
/* The head (two for a duplicate's copy) of arrow a drawn from (xs, ys) to
 * (xe, ye). */
void viz_tl_heads(cairo_t *cr,
                  double xs,
                  double ys,
                  double xe,
                  double ye,
                  const struct viz_tl_arrow *a);
/* The line width of arrow a. */
double viz_tl_arrow_width(const struct viz_tl_arrow *a);
/* The colour of a note of kind k. */
struct viz_rgb viz_tl_note_color(enum viz_tl_note_kind k);

/* x clamped into the plot's horizontal extent. */
double viz_tl_clamp_x(const struct viz_tl_ctx *c, double x);

/* Every node's lane head and role bands (viz_timeline_lanes.c). */
void viz_tl_draw_lanes(const struct viz_tl_ctx *c);

/* The words over every lane: roles, terms, commit indices
 * (viz_timeline_lanes.c). */
void viz_tl_draw_lane_labels(const struct viz_tl_ctx *c);

/* The client lane (viz_timeline_clients.c). */
void viz_tl_draw_clients(const struct viz_tl_ctx *c);

/* The notes above the lanes (viz_timeline_notes.c). */
void viz_tl_draw_notes(const struct viz_tl_ctx *c);

/* A frame's "now" cursor, when the options ask for one
 * (viz_timeline_notes.c). */
void viz_tl_draw_now(const struct viz_tl_ctx *c);

/* The legend at the bottom of the picture (viz_timeline_legend.c). */
void viz_tl_draw_legend(const struct viz_tl_ctx *c);

#endif /* VIZ_TIMELINE_DRAW_H */
