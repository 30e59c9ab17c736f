/* viz_series.h: series over time computed from a run's trace alone, for
 * the plots (viz_plots.c): client requests with latency and outcome,
 * throughput per 100 ms and the intervals of unavailability.
 *
 * The definitions are those of the replay page (viz/web/replay-series.js),
 * so the page and the PNG/SVG plots agree:
 * - a request runs from its client-invoke to its client-complete; its
 *   outcome is ok (completed successfully after one send), retried
 *   (completed successfully after more than one send), failed (completed
 *   without success) or pending (not completed at the end: it then ends at
 *   the run's end);
 * - throughput counts the requests completed successfully (ok or retried)
 *   in each 100 ms bin [k*100ms, (k+1)*100ms), the last bin cut at the end;
 * - unavailable: every interval with no live leader (from a leader's loss,
 *   by a role change or a crash, to the next leader's election; from 0 to
 *   the first), and every bin in which some request was outstanding but
 *   none completed successfully.
 * Pure: no cairo, no I/O. Arrays are in trace order (requests by invoke,
 * intervals by start time, no-leader first among equal starts).
 */
#ifndef VIZ_SERIES_H
#define VIZ_SERIES_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "viz/viz.h"

#define VIZ_SERIES_BIN_US 100000

enum viz_outcome {
    VIZ_OUTCOME_OK = 0,
    VIZ_OUTCOME_RETRIED,
    VIZ_OUTCOME_FAILED,
    VIZ_OUTCOME_PENDING,
    VIZ_OUTCOME_COUNT
};

/* "ok", "retried", "failed", "pending". */
const char *viz_outcome_name(enum viz_outcome o);

struct viz_request
{
    uint64_t client;
    uint64_t request;
    uint64_t t0_us; /* invoked */
    uint64_t t1_us; /* completed, or the run's end when pending */
    uint32_t sends;
    enum viz_outcome outcome;
};

struct viz_bin
{
    uint64_t t0_us, t1_us;
    uint32_t count; /* requests completed successfully in [t0, t1) */
};

enum viz_unavailable_why {
    VIZ_UNAVAILABLE_NO_LEADER = 0,
    VIZ_UNAVAILABLE_NO_COMPLETION,
};

struct viz_interval
{
    uint64_t t0_us, t1_us;
    enum viz_unavailable_why why;
};

struct viz_series
{
    uint64_t end_us; /* max(run end, last event time) */
    struct viz_request *requests;
    size_t n_requests;
    struct viz_bin *bins; /* at least one */
    size_t n_bins;
    struct viz_interval *unavailable;
    size_t n_unavailable;
};

/* Computes the series of run (borrowed) into *out, which the caller
 * releases with viz_series_clear(). VIZ_EINVAL for a run without nodes. */
int viz_series_build(const struct viz_run *run, struct viz_series *out);

void viz_series_clear(struct viz_series *s);

/* Appends s to out as one JSON document: {"end_us", "bin_us", "requests":
 * [[client, request, t0_us, t1_us, sends, outcome]...], "bins": [[t0_us,
 * t1_us, count]...], "unavailable": [[t0_us, t1_us, why]...]} with why
 * "no leader" or "no completed request", in the arrays' order. It is what
 * the plots draw, for other programs and for the test that compares it
 * with the replay page's replay-series.js (tests/js/). */
void viz_series_json(const struct viz_series *s, GString *out);

/* ---- plots (viz_plots.c) ----------------------------------------------- */

/* The geometry both plots share: the time axis [0, end_us] maps to
 * [x0, x1]; the data area spans [y0, y1] (y grows downwards). */
struct viz_plot_layout
{
    int width_px;
    int height_px;
    uint64_t end_us;
    double x0, x1;
    double y0, y1;
};

void viz_plot_compute_layout(const struct viz_series *s,
                             struct viz_plot_layout *out);

/* x of virtual time t_us. */
double viz_plot_x(const struct viz_plot_layout *l, uint64_t t_us);

struct viz_rgb viz_unavailable_color(void);

/* Writes DIR/latency.EXT (each request a point at its completion time, its
 * latency up, coloured by outcome) and DIR/throughput.EXT (requests
 * completed per 100 ms), both with the unavailable intervals shaded, in
 * format, and the series they draw as DIR/series.json (viz_series_json);
 * dir must exist. Each file is replaced whole or left as it was.
 * Everything borrowed for the call. */
int viz_plots_write(const struct viz_run *run,
                    const char *dir,
                    enum viz_format format);

#endif /* VIZ_SERIES_H */
