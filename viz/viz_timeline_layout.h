/* viz_timeline_layout.h: the timeline's geometry and legend (private to
 * viz/).
 *
 * The layout is a pure function of the model, the run and the options:
 * viz_tl_make_layout() places the lanes, the client lane and the legend,
 * and the drawing uses only its geometry, so viz_timeline_compute_layout()
 * reports exactly where things are drawn. The legend lists only the items the
 * picture shows (viz_tl_legend_used()), every item in frames.
 */
#ifndef VIZ_TIMELINE_LAYOUT_H
#define VIZ_TIMELINE_LAYOUT_H

#include <cairo.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/viz.h"
#include "viz/viz_timeline_model.h"

/* ---- geometry constants (pixels) ---------------------------------------- */

enum {
    LEFT_PX = 92,   /* lane heads */
    RIGHT_PX = 28,  /* right margin */
    HEADER_PX = 60, /* title and run facts */
    AXIS_PX = 24,   /* tick labels */
    NOTE_ROWS = 3,  /* rows of annotations above the lanes */
    NOTE_ROW_PX = 15,
    LANE_PX = 64,
    BAND_OFF_PX = 17,
    BAND_PX = 20,
    CLIENT_GAP_PX = 10,
    CLIENT_ROW_PX = 18,
    CLIENT_ROWS_MAX = 8,
    LEGEND_GAP_PX = 18,
    LEGEND_ROW_PX = 20,
    BOTTOM_PX = 12,
    AUTO_ALL_MAX_MESSAGES = 150,
};

#define STUB_MAX_PX 34.0
#define FONT_TITLE 17.0
#define FONT_SUB 11.5
#define FONT_LANE 13.0
#define FONT_SMALL 10.0
#define FONT_TINY 9.0

/* One legend entry: how its swatch is drawn and its words. */
enum viz_tl_swatch {
    SW_FOLLOWER,
    SW_CANDIDATE,
    SW_LEADER,
    SW_CRASHED,
    SW_PAUSED,
    SW_MAJORITY, /* a partition side with a quorum of the voters */
    SW_MINORITY, /* a side without one */
    SW_CUT,
    SW_COMMIT,
    SW_PREVOTE,
    SW_PREVOTE_REPLY,
    SW_VOTE,
    SW_VOTE_GRANTED,
    SW_VOTE_DENIED,
    SW_APPEND,
    SW_APPEND_OK,
    SW_APPEND_FAILED,
    SW_HEARTBEAT,
    SW_SNAPSHOT,
    SW_SNAPSHOT_REPLY,
    SW_LOST,
    SW_DUPLICATE,
    SW_IN_FLIGHT,
    SW_CLIENT_OK,
    SW_CLIENT_FAILED,
    SW_CLIENT_PENDING,
    SW_CHECK,
    SW_VIOLATION,
    SW_VOTER,
    SW_LEARNER,
    SW_NOT_MEMBER,
    SW_JOINT_BOTH,
    SW_JOINT_IN,
    SW_JOINT_OUT,
    SW_TRANSFER,
    SW_COUNT,
};

struct viz_tl_legend_item
{
    enum viz_tl_swatch swatch;
    const char *label;
};

/* One item per swatch, in legend order. */
#define VIZ_TL_N_LEGEND ((size_t)SW_COUNT)
extern const struct viz_tl_legend_item viz_tl_legend_items[VIZ_TL_N_LEGEND];
#define VIZ_TL_SWATCH_W 24.0

/* Whether arrow a overlaps [from, to] (one in flight: from its send). */
bool viz_tl_arrow_in_window(const struct viz_tl_arrow *a,
                            uint64_t from,
                            uint64_t to);
/* Whether mode draws arrow a. */
bool viz_tl_arrow_shown(const struct viz_tl_arrow *a, enum viz_messages mode);
/* The legend's swatch of arrow a. */
enum viz_tl_swatch viz_tl_arrow_swatch(const struct viz_tl_arrow *a);

/* Positions each legend item that used[] selects (xs, rows) within width;
 * returns the rows used. */
int viz_tl_legend_flow(cairo_t *cr,
                       double width,
                       const bool *used,
                       double *xs,
                       int *rows);
/* Marks in used[] (SW_COUNT entries) the legend items m shows in l. */
void viz_tl_legend_used(const struct viz_tl_model *m,
                        const struct viz_timeline_layout *l,
                        bool until_now,
                        bool *used);

/* Rows of the client lane that name a client seen so far. */
int viz_tl_client_rows(const struct viz_tl_model *m);
/* Rows the client lane takes (all of them in a frame). */
int viz_tl_client_lane_rows(const struct viz_tl_model *m, bool until_now);
/* The client lane's row of client: its rank among m's clients. */
int viz_tl_client_row_of(const struct viz_tl_model *m, uint64_t client);

/* The layout of m for run and o (all borrowed for the call). */
int viz_tl_make_layout(const struct viz_run *run,
                       const struct viz_options *o,
                       const struct viz_tl_model *m,
                       struct viz_timeline_layout *l);
/* *o: a copy of opts, or the defaults when opts is NULL. */
void viz_tl_options(const struct viz_options *opts, struct viz_options *o);
/* The instant the model ends at: now_us for a frame, else the run's end. */
uint64_t viz_tl_model_limit(const struct viz_run *run,
                            const struct viz_options *o);
/* VIZ_EINVAL for a run without nodes or with events missing. */
int viz_tl_check_run(const struct viz_run *run);
/* Where an arrow from `from` to `to` leaves the sender's band (*ys) and
 * enters the receiver's (*ye): the band edges facing each other. */
void viz_tl_arrow_ends_y(const struct viz_timeline_layout *l,
                         uint32_t from,
                         uint32_t to,
                         double *ys,
                         double *ye);

#endif /* VIZ_TIMELINE_LAYOUT_H */
