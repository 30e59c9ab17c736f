/* viz_log.c: the log diagram, every node's log as a row of boxes.
 *
 * Columns are log indices, the same index in the same column on every row,
 * so diverged suffixes line up as in Figures 6 to 8 of the Raft paper. The
 * prefix every node has snapshotted shares one narrow column; a node whose
 * snapshot reaches further covers those columns with one block. Geometry is
 * computed once by viz_log_compute_layout() and drawing uses nothing else, so
 * viz_log_box() reports exactly where a box is drawn.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "viz/viz.h"
#include "viz/viz_draw.h"

enum {
    LOG_LEFT_PX = 176,
    LOG_RIGHT_PX = 24,
    LOG_HEADER_PX = 60,
    LOG_INDEX_ROW_PX = 26,
    LOG_ROW_PX = 50,
    LOG_BOX_PX = 32,
    LOG_BOX_W_PX = 32,
    LOG_BOX_W_MIN_PX = 4,
    LOG_MAX_WIDTH_PX = 4000,
    LOG_LEGEND_PX = 40,
    LOG_MAX_LEGEND_TERMS = 16,
};

#define LOG_FONT_TITLE 17.0
#define LOG_FONT_SUB 11.5
#define LOG_FONT_HEAD 13.0
#define LOG_FONT_SMALL 10.0
#define LOG_FONT_BOX 12.0

static uint64_t last_index(const struct viz_log_node *n)
{
    uint64_t last = n->n_entries > 0 ? n->first_index + n->n_entries - 1 : 0;
    return last > n->snapshot_index ? last : n->snapshot_index;
}

/* "snapshot ..N (tT)", or without the term when it is unknown (0). */
static char *snapshot_label(uint64_t index, uint64_t term)
{
    if (term == 0) {
        return g_strdup_printf("snapshot ..%" G_GUINT64_FORMAT, index);
    }
    return g_strdup_printf("snapshot ..%" G_GUINT64_FORMAT
                           " (t%" G_GUINT64_FORMAT ")",
                           index, term);
}

/* The short form "..N (tT)" for narrow blocks. */
static char *snapshot_short_label(uint64_t index, uint64_t term)
{
    if (term == 0) {
        return g_strdup_printf("..%" G_GUINT64_FORMAT, index);
    }
    return g_strdup_printf("..%" G_GUINT64_FORMAT " (t%" G_GUINT64_FORMAT ")",
                           index, term);
}

static int check_view(const struct viz_log_view *view)
{
    if (view == NULL || view->n_nodes == 0 || view->nodes == NULL) {
        return VIZ_EINVAL;
    }
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        const struct viz_log_node *n = &view->nodes[i];
        if (n->n_entries > 0 && (n->terms == NULL || n->first_index == 0)) {
            return VIZ_EINVAL;
        }
    }
    return VIZ_OK;
}

/* The node whose log the others are compared with: the live leader of the
 * highest term (the lowest id among equals); 0 when no node leads. */
static uint32_t leader_of(const struct viz_log_view *view)
{
    uint32_t best = 0;
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        const struct viz_log_node *n = &view->nodes[i];
        if (n->alive && n->role == RAFT_LEADER &&
            (best == 0 || n->term > view->nodes[best - 1].term)) {
            best = i + 1;
        }
    }
    return best;
}

/* True when an entry of term `term` at index is not in the leader's log:
 * the leader has another term there, or no entry at all. The leader repairs
 * such an entry by overwriting it (Raft paper, 5.3). Indices inside the
 * leader's snapshot are committed and never differ. */
static bool differs_from_leader(const struct viz_log_view *view,
                                uint32_t leader,
                                uint32_t node,
                                uint64_t index,
                                uint64_t term)
{
    if (leader == 0 || node == leader) {
        return false;
    }
    const struct viz_log_node *ld = &view->nodes[leader - 1];
    if (index <= ld->snapshot_index) {
        return false;
    }
    if (index > last_index(ld) || index < ld->first_index) {
        return index > last_index(ld);
    }
    return ld->terms[index - ld->first_index] != term;
}

/* A red frame inside a box: the mark of an entry that differs. */
static void differ_frame(cairo_t *cr, double x, double y, double w, double h)
{
    viz_set_rgb(cr, viz_hex(VIZ_PAL_RED));
    cairo_set_line_width(cr, 2.5);
    cairo_rectangle(cr, x + 2.25, y + 2.25, w - 4.5, h - 4.5);
    cairo_stroke(cr);
}

static bool any_differs(const struct viz_log_view *view, uint32_t leader)
{
    for (uint32_t node = 1; node <= view->n_nodes; node++) {
        const struct viz_log_node *n = &view->nodes[node - 1];
        for (size_t k = 0; k < n->n_entries; k++) {
            uint64_t index = n->first_index + k;
            if (index > n->snapshot_index &&
                differs_from_leader(view, leader, node, index, n->terms[k])) {
                return true;
            }
        }
    }
    return false;
}

/* Whether term t (1..LOG_MAX_LEGEND_TERMS) occurs in some log; false for
 * every t when a larger term occurs (the legend then lists no terms). */
static void terms_seen(const struct viz_log_view *view, bool *seen)
{
    memset(seen, 0, sizeof(bool) * (LOG_MAX_LEGEND_TERMS + 1));
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        const struct viz_log_node *n = &view->nodes[i];
        for (size_t k = 0; k < n->n_entries; k++) {
            if (n->terms[k] > LOG_MAX_LEGEND_TERMS) {
                memset(seen, 0, sizeof(bool) * (LOG_MAX_LEGEND_TERMS + 1));
                return;
            }
            seen[n->terms[k]] = true;
        }
    }
}

/* Whether any node's log holds a configuration entry. */
static bool any_config(const struct viz_log_view *view)
{
    for (uint32_t k = 0; k < view->n_nodes; k++) {
        const struct viz_log_node *n = &view->nodes[k];
        for (size_t i = 0; n->config != NULL && i < n->n_entries; i++) {
            if (n->config[i]) {
                return true;
            }
        }
    }
    return false;
}

#define CONFIG_LEGEND "configuration entry"

/* A configuration entry's mark: an inner frame and a corner tab in the
 * configuration colour, so it reads apart from a command whatever its
 * term's colour. */
static void config_mark(cairo_t *cr, const struct viz_rect *r)
{
    viz_set_rgb(cr, viz_config_entry_color());
    if (r->w >= 8) {
        cairo_set_line_width(cr, 2.0);
        cairo_rectangle(cr, r->x + 2, r->y + 2, r->w - 4, r->h - 4);
        cairo_stroke(cr);
    }
    double t = fmin(r->w * 0.5, 9.0);
    cairo_move_to(cr, r->x + r->w - t, r->y);
    cairo_line_to(cr, r->x + r->w, r->y);
    cairo_line_to(cr, r->x + r->w, r->y + t);
    cairo_close_path(cr);
    cairo_fill(cr);
}

/* Width the header and the legend need in full, so that the picture is
 * made at least that wide and neither is cut. */
static double text_rows_width(cairo_t *cr, const struct viz_log_view *view)
{
    viz_font(cr, LOG_FONT_SMALL, false);
    double x = 16 + 28 + viz_text_width(cr, "committed") + 18;
    if (any_config(view)) {
        x += 14 + 4 + viz_text_width(cr, CONFIG_LEGEND) + 14;
    }
    bool seen[LOG_MAX_LEGEND_TERMS + 1];
    terms_seen(view, seen);
    for (int t = 1; t <= LOG_MAX_LEGEND_TERMS; t++) {
        if (seen[t]) {
            char s[32];
            g_snprintf(s, sizeof s, "term %d", t);
            x += 14 + 4 + viz_text_width(cr, s) + 14;
        }
    }
    double legend = x + 16 - 14;
    /* The subtitle and the key to the red frames (see draw_header). */
    viz_font(cr, LOG_FONT_SUB, false);
    double header = 16 + viz_text_width(cr, "logs at 0000.000 ms    000 nodes");
    if (any_differs(view, leader_of(view))) {
        header += 18 + 21 + viz_text_width(cr, "not in leader n000's log");
    }
    return fmax(legend, header + 16);
}

/* The index window [*lo, *hi] of view, where every node has snapshotted
 * 1..shared and the longest log ends at last. VIZ_EINVAL for an inverted
 * window, one starting after the last index or wider than
 * VIZ_LOG_MAX_COLUMNS. */
static int index_window(const struct viz_log_view *view,
                        uint64_t shared,
                        uint64_t last,
                        uint64_t *lo,
                        uint64_t *hi)
{
    uint64_t from = view->from_index;
    uint64_t to = view->to_index;
    if ((from > 0 && to > 0 && from > to) || (from > 0 && from > last)) {
        return VIZ_EINVAL;
    }
    *hi = to > 0 && to < last ? to : last;
    *lo = from > shared + 1 ? from : shared + 1;
    if (*hi >= *lo && *hi - *lo >= VIZ_LOG_MAX_COLUMNS) {
        if (from > 0) {
            return VIZ_EINVAL;
        }
        *lo = *hi - VIZ_LOG_MAX_COLUMNS + 1;
    }
    return VIZ_OK;
}

/* Width of an elision block: room for the longest "N not shown". */
static double elision_width(cairo_t *cr, uint64_t most)
{
    char s[48];
    g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT " not shown", most);
    viz_font(cr, LOG_FONT_SMALL, false);
    return ceil(viz_text_width(cr, s)) + 14;
}

/* Width of the shared snapshot column: the longest label a node at
 * `shared` shows. */
static double prefix_width(cairo_t *cr,
                           const struct viz_log_view *view,
                           uint64_t shared)
{
    double w = 0;
    viz_font(cr, LOG_FONT_SMALL, false);
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        const struct viz_log_node *n = &view->nodes[i];
        if (n->snapshot_index == shared) {
            char *s = snapshot_label(n->snapshot_index, n->snapshot_term);
            w = fmax(w, viz_text_width(cr, s));
            g_free(s);
        }
    }
    return ceil(w) + 14;
}

int viz_log_compute_layout(const struct viz_log_view *view,
                           struct viz_log_layout *out)
{
    int code = check_view(view);
    if (code != VIZ_OK) {
        return code;
    }
    memset(out, 0, sizeof *out);
    out->n_nodes = view->n_nodes;

    uint64_t shared = UINT64_MAX;
    uint64_t hi = 0;
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        const struct viz_log_node *n = &view->nodes[i];
        if (n->snapshot_index < shared) {
            shared = n->snapshot_index;
        }
        uint64_t last = last_index(n);
        if (last > hi) {
            hi = last;
        }
    }
    out->last_index = hi;
    code = index_window(view, shared, hi, &out->lo_index, &out->hi_index);
    if (code != VIZ_OK) {
        return code;
    }
    out->elided_before = out->lo_index > shared + 1;
    uint64_t n_cols =
        out->hi_index >= out->lo_index ? out->hi_index - out->lo_index + 1 : 0;

    out->prefix_x = LOG_LEFT_PX;
    out->prefix_w = 0;
    cairo_t *cr = viz_measure_new();
    if (cr == NULL) {
        return VIZ_ENOMEM;
    }
    double text_w = text_rows_width(cr, view);
    if (out->elided_before) {
        out->prefix_w = elision_width(cr, out->lo_index - 1);
    } else if (shared > 0) {
        out->prefix_w = prefix_width(cr, view, shared);
    }
    double tail_w =
        out->hi_index < hi ? elision_width(cr, hi - out->hi_index) : 0;
    viz_measure_free(cr);
    out->cols_x0 = out->prefix_x + out->prefix_w;
    out->box_w = LOG_BOX_W_PX;
    double room = LOG_MAX_WIDTH_PX - out->cols_x0 - tail_w - LOG_RIGHT_PX;
    if (n_cols > 0 && (double)n_cols * out->box_w > room) {
        out->box_w = fmax(LOG_BOX_W_MIN_PX, floor(room / (double)n_cols));
    }
    out->tail_x = out->cols_x0 + (double)n_cols * out->box_w;
    out->tail_w = tail_w;
    double width = out->tail_x + tail_w + LOG_RIGHT_PX;
    width = fmin(fmax(fmax(width, text_w), VIZ_WIDTH_MIN_PX), VIZ_WIDTH_MAX_PX);
    out->width_px = (int)ceil(width);
    out->rows_y0 = LOG_HEADER_PX + LOG_INDEX_ROW_PX;
    out->row_h = LOG_ROW_PX;
    out->box_h = LOG_BOX_PX;
    out->height_px =
        (int)ceil(out->rows_y0 + out->row_h * view->n_nodes + LOG_LEGEND_PX);
    return VIZ_OK;
}

uint64_t viz_log_last_index(const struct viz_log_view *view)
{
    uint64_t last = 0;
    for (uint32_t i = 0; i < view->n_nodes; i++) {
        uint64_t end = last_index(&view->nodes[i]);
        last = end > last ? end : last;
    }
    return last;
}

bool viz_log_hidden(const struct viz_log_layout *l,
                    const struct viz_log_view *view,
                    uint32_t node,
                    uint64_t *before,
                    uint64_t *after)
{
    if (node < 1 || node > view->n_nodes) {
        return false;
    }
    uint64_t last = last_index(&view->nodes[node - 1]);
    *before = 0;
    *after = 0;
    if (l->elided_before) {
        *before = last < l->lo_index - 1 ? last : l->lo_index - 1;
    }
    if (last > l->hi_index) {
        *after = last - l->hi_index;
    }
    return true;
}

/* Left edge of index's column (index >= lo_index). */
static double col_x(const struct viz_log_layout *l, uint64_t index)
{
    return l->cols_x0 + (double)(index - l->lo_index) * l->box_w;
}

static double box_gap(const struct viz_log_layout *l)
{
    return l->box_w >= 12 ? 2.0 : l->box_w >= 6 ? 1.0 : 0.0;
}

/* The snapshot block of node n: from the shared column (or index 1) through
 * its snapshot index. */
static bool snapshot_rect(const struct viz_log_layout *l,
                          const struct viz_log_node *n,
                          uint32_t node,
                          struct viz_rect *out)
{
    if (n->snapshot_index == 0 ||
        (l->elided_before && n->snapshot_index < l->lo_index)) {
        return false;
    }
    double gap = box_gap(l);
    /* Behind an elision block the snapshot shows from the window's start. */
    double x0 = l->prefix_w > 0 && !l->elided_before ? l->prefix_x
                                                     : col_x(l, l->lo_index);
    uint64_t end =
        n->snapshot_index < l->hi_index ? n->snapshot_index : l->hi_index;
    double x1 = end >= l->lo_index ? col_x(l, end) + l->box_w
                                   : l->prefix_x + l->prefix_w;
    out->x = x0 + gap / 2;
    out->w = x1 - x0 - gap;
    out->y = l->rows_y0 + l->row_h * (double)(node - 1);
    out->h = l->box_h;
    return true;
}

bool viz_log_box(const struct viz_log_layout *l,
                 const struct viz_log_view *view,
                 uint32_t node,
                 uint64_t index,
                 struct viz_rect *out)
{
    if (node < 1 || node > view->n_nodes || index == 0) {
        return false;
    }
    const struct viz_log_node *n = &view->nodes[node - 1];
    if (index > l->hi_index || (l->elided_before && index < l->lo_index)) {
        return false; /* outside the window: counted by viz_log_hidden */
    }
    if (index <= n->snapshot_index) {
        return snapshot_rect(l, n, node, out);
    }
    if (n->n_entries == 0 || index < n->first_index ||
        index - n->first_index >= n->n_entries || index < l->lo_index ||
        index > l->hi_index) {
        return false;
    }
    double gap = box_gap(l);
    out->x = col_x(l, index) + gap / 2;
    out->w = l->box_w - gap;
    out->y = l->rows_y0 + l->row_h * (double)(node - 1);
    out->h = l->box_h;
    return true;
}

static void draw_header(cairo_t *cr, const struct viz_log_view *view)
{
    char t[32];
    viz_time_label(view->at_us, t, sizeof t);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, LOG_FONT_TITLE, true);
    viz_text(cr, 16, 26, view->title != NULL ? view->title : "raftsim run",
             VIZ_ALIGN_LEFT);
    char *sub =
        g_strdup_printf("logs at %s    %u node%s", t, (unsigned)view->n_nodes,
                        view->n_nodes == 1 ? "" : "s");
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_55));
    viz_font(cr, LOG_FONT_SUB, false);
    double x = 16 + viz_text(cr, 16, 46, sub, VIZ_ALIGN_LEFT) + 18;
    g_free(sub);
    /* The key to the red frames, when some are drawn. */
    uint32_t leader = leader_of(view);
    if (any_differs(view, leader)) {
        differ_frame(cr, x, 34, 16, 16);
        char *key =
            g_strdup_printf("not in leader n%u's log", (unsigned)leader);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_55));
        viz_text(cr, x + 21, 46, key, VIZ_ALIGN_LEFT);
        g_free(key);
    }
}

/* Index numbers over the columns, every k-th when they would collide. */
static void draw_indices(cairo_t *cr, const struct viz_log_layout *l)
{
    double y = l->rows_y0 - 8;
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_66));
    viz_font(cr, LOG_FONT_SMALL, false);
    viz_text(cr, LOG_LEFT_PX - 10, y, "index", VIZ_ALIGN_RIGHT);
    if (l->prefix_w > 0) {
        char s[32];
        g_snprintf(s, sizeof s, "1..%" G_GUINT64_FORMAT, l->lo_index - 1);
        viz_text(cr, l->prefix_x + l->prefix_w / 2, y, s, VIZ_ALIGN_CENTER);
    }
    if (l->tail_w > 0) {
        char s[48];
        g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT,
                   l->hi_index + 1, l->last_index);
        viz_text(cr, l->tail_x + l->tail_w / 2, y, s, VIZ_ALIGN_CENTER);
    }
    if (l->hi_index < l->lo_index) {
        return;
    }
    char widest[32];
    g_snprintf(widest, sizeof widest, "%" G_GUINT64_FORMAT, l->hi_index);
    double need = viz_text_width(cr, widest) + 6;
    uint64_t every = viz_nice_step(need / l->box_w);
    for (uint64_t i = l->lo_index; i <= l->hi_index; i++) {
        if (i % every != 0) {
            continue;
        }
        char s[32];
        g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT, i);
        viz_text(cr, col_x(l, i) + l->box_w / 2, y, s, VIZ_ALIGN_CENTER);
    }
}

static void draw_row_head(cairo_t *cr,
                          const struct viz_log_layout *l,
                          const struct viz_log_node *n,
                          uint32_t node,
                          bool members)
{
    double y = l->rows_y0 + l->row_h * (double)(node - 1);
    char name[16];
    g_snprintf(name, sizeof name, "n%u", (unsigned)node);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    viz_font(cr, LOG_FONT_HEAD, true);
    viz_text(cr, 16, y + 14, name, VIZ_ALIGN_LEFT);

    struct viz_rgb sw =
        n->alive ? viz_role_color(n->role) : viz_crashed_color();
    viz_set_rgb(cr, sw);
    cairo_rectangle(cr, 50, y + 4, 12, 12);
    cairo_fill(cr);

    char *what;
    if (n->alive) {
        what = g_strdup_printf("%s, term %" G_GUINT64_FORMAT,
                               raft_role_name(n->role), n->term);
    } else {
        what = g_strdup_printf("crashed, term %" G_GUINT64_FORMAT, n->term);
    }
    viz_set_rgb(cr,
                n->alive ? viz_hex(VIZ_PAL_TEXT) : viz_hex(VIZ_PAL_GREY_88));
    viz_font(cr, LOG_FONT_SMALL, n->alive && n->role == RAFT_LEADER);
    viz_text(cr, 68, y + 14, what, VIZ_ALIGN_LEFT);
    g_free(what);

    char commit[48];
    g_snprintf(commit, sizeof commit, "commit %" G_GUINT64_FORMAT,
               n->commit_index);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_77));
    viz_font(cr, LOG_FONT_SMALL, false);
    viz_text(cr, 68, y + 28, commit, VIZ_ALIGN_LEFT);
    if (members && n->member != VIZ_MEMBER_VOTER) {
        /* Where it stands in the cluster's configuration. */
        struct viz_rgb c = n->member == VIZ_MEMBER_NONE
                               ? viz_hex(VIZ_PAL_GREY_77)
                               : viz_member_color(n->member);
        viz_set_rgb(cr, c);
        viz_font(cr, LOG_FONT_SMALL, true);
        viz_text(cr, 68, y + 41, viz_member_name(n->member), VIZ_ALIGN_LEFT);
    }
}

static void fill_box(cairo_t *cr, const struct viz_rect *r, struct viz_rgb fill)
{
    viz_set_rgb(cr, fill);
    cairo_rectangle(cr, r->x, r->y, r->w, r->h);
    cairo_fill(cr);
    if (r->w >= 6) {
        viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_4D));
        cairo_set_line_width(cr, 1.0);
        cairo_rectangle(cr, r->x + 0.5, r->y + 0.5, r->w - 1, r->h - 1);
        cairo_stroke(cr);
    }
}

/* The block marking `count` indices of a row that the window leaves out:
 * pale amber with a dashed border and "N not shown". */
static void draw_elision(cairo_t *cr,
                         double x,
                         double y,
                         double w,
                         double h,
                         uint64_t count)
{
    if (count == 0 || w <= 0) {
        return;
    }
    viz_set_rgb(cr, viz_log_elision_color());
    cairo_rectangle(cr, x + 1, y, w - 2, h);
    cairo_fill(cr);
    static const double dash[] = {3.0, 3.0};
    viz_set_rgb(cr, viz_hex(VIZ_PAL_OCHRE));
    cairo_set_line_width(cr, 1.0);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_rectangle(cr, x + 1.5, y + 0.5, w - 3, h - 1);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    char s[48];
    g_snprintf(s, sizeof s, "%" G_GUINT64_FORMAT " not shown", count);
    viz_font(cr, LOG_FONT_SMALL, false);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_BROWN));
    viz_text(cr, x + w / 2, y + h / 2 + 3.5, s, VIZ_ALIGN_CENTER);
}

/* node's snapshot block, striped, with its label where it fits. */
static void draw_snapshot(cairo_t *cr,
                          const struct viz_log_layout *l,
                          const struct viz_log_node *n,
                          uint32_t node)
{
    struct viz_rect r;
    if (!snapshot_rect(l, n, node, &r)) {
        return;
    }
    viz_set_rgb(cr, viz_hex(VIZ_PAL_SNAPSHOT));
    cairo_rectangle(cr, r.x, r.y, r.w, r.h);
    cairo_fill(cr);
    /* A diagonal texture tells the block apart from an entry. */
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_D4));
    cairo_set_line_width(cr, 1.0);
    viz_stripes(cr, r.x, r.y, r.w, r.h, 6.0);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_4D));
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, r.x + 0.5, r.y + 0.5, r.w - 1, r.h - 1);
    cairo_stroke(cr);

    viz_font(cr, LOG_FONT_SMALL, false);
    char *s = snapshot_label(n->snapshot_index, n->snapshot_term);
    char *shorter = snapshot_short_label(n->snapshot_index, n->snapshot_term);
    const char *words = viz_text_width(cr, s) + 6 <= r.w         ? s
                        : viz_text_width(cr, shorter) + 6 <= r.w ? shorter
                                                                 : NULL;
    if (words != NULL) {
        viz_set_rgb(cr, viz_hex(VIZ_PAL_TEXT));
        viz_text(cr, r.x + r.w / 2, r.y + r.h / 2 + 3.5, words,
                 VIZ_ALIGN_CENTER);
    }
    g_free(shorter);
    g_free(s);
}

/* node's entries: a box per index in its term's colour, the term written
 * where it fits, configuration entries marked, and a red frame where a
 * live leader holds another term at that index. */
static void draw_entries(cairo_t *cr,
                         const struct viz_log_layout *l,
                         const struct viz_log_view *view,
                         uint32_t node)
{
    const struct viz_log_node *n = &view->nodes[node - 1];
    struct viz_rect r;
    uint32_t leader = leader_of(view);
    viz_font(cr, l->box_w >= 24 ? LOG_FONT_BOX : LOG_FONT_SMALL, false);
    for (size_t k = 0; k < n->n_entries; k++) {
        uint64_t index = n->first_index + k;
        if (index <= n->snapshot_index ||
            !viz_log_box(l, view, node, index, &r)) {
            continue;
        }
        fill_box(cr, &r, viz_term_color(n->terms[k]));
        char t[32];
        g_snprintf(t, sizeof t, "%" G_GUINT64_FORMAT, n->terms[k]);
        if (viz_text_width(cr, t) + 4 <= r.w) {
            viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
            viz_text(cr, r.x + r.w / 2, r.y + r.h / 2 + 4.5, t,
                     VIZ_ALIGN_CENTER);
        }
        if (n->config != NULL && n->config[k]) {
            config_mark(cr, &r);
            viz_font(cr, l->box_w >= 24 ? LOG_FONT_BOX : LOG_FONT_SMALL, false);
        }
        if (r.w >= 10 &&
            differs_from_leader(view, leader, node, index, n->terms[k])) {
            differ_frame(cr, r.x, r.y, r.w, r.h);
        }
    }
}

/* Committed entries: a bar under the boxes up to the commit index. */
static void draw_commit_bar(cairo_t *cr,
                            const struct viz_log_layout *l,
                            const struct viz_log_view *view,
                            uint32_t node)
{
    const struct viz_log_node *n = &view->nodes[node - 1];
    if (n->commit_index > 0) {
        struct viz_rect first;
        struct viz_rect last;
        bool have_first = viz_log_box(l, view, node, 1, &first);
        uint64_t start = l->lo_index;
        while (!have_first && start <= n->commit_index) {
            have_first = viz_log_box(l, view, node, start, &first);
            start++;
        }
        uint64_t end =
            n->commit_index < l->hi_index ? n->commit_index : l->hi_index;
        if (have_first && viz_log_box(l, view, node, end, &last)) {
            double y = last.y + last.h + 4;
            viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
            cairo_rectangle(cr, first.x, y, last.x + last.w - first.x, 3);
            cairo_fill(cr);
            /* The commit tick, unless the commit index is past the
             * window (the bar then runs on into the elision block). */
            if (end == n->commit_index) {
                cairo_rectangle(cr, last.x + last.w - 2, last.y - 3, 2,
                                last.h + 10);
                cairo_fill(cr);
            }
        }
    }
}

static void draw_row(cairo_t *cr,
                     const struct viz_log_layout *l,
                     const struct viz_log_view *view,
                     uint32_t node)
{
    const struct viz_log_node *n = &view->nodes[node - 1];
    draw_row_head(cr, l, n, node, view->members);
    uint64_t before = 0, after = 0;
    viz_log_hidden(l, view, node, &before, &after);
    double top = l->rows_y0 + l->row_h * (double)(node - 1);
    draw_elision(cr, l->prefix_x, top, l->prefix_w, l->box_h, before);
    draw_elision(cr, l->tail_x, top, l->tail_w, l->box_h, after);
    draw_snapshot(cr, l, n, node);
    draw_entries(cr, l, view, node);
    draw_commit_bar(cr, l, view, node);
    if (!n->alive) {
        double y = l->rows_y0 + l->row_h * (double)(node - 1);
        viz_set_rgba(cr, viz_hex(VIZ_PAL_WHITE), 0.62);
        cairo_rectangle(cr, l->prefix_x - 4, y - 4, l->width_px - l->prefix_x,
                        l->row_h);
        cairo_fill(cr);
    }
}

static void draw_legend(cairo_t *cr,
                        const struct viz_log_layout *l,
                        const struct viz_log_view *view)
{
    double y = l->rows_y0 + l->row_h * view->n_nodes + 14;
    double x = 16;
    viz_font(cr, LOG_FONT_SMALL, false);
    /* The commit marker. */
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK));
    cairo_rectangle(cr, x, y, 22, 3);
    cairo_fill(cr);
    cairo_rectangle(cr, x + 20, y - 9, 2, 14);
    cairo_fill(cr);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
    x += 28 + viz_text(cr, x + 28, y + 3, "committed", VIZ_ALIGN_LEFT) + 18;
    if (any_config(view)) {
        struct viz_rect r = {x, y - 8, 14, 14};
        fill_box(cr, &r, viz_hex(VIZ_PAL_WHITE));
        config_mark(cr, &r);
        viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
        x += 18 + viz_text(cr, x + 18, y + 3, CONFIG_LEGEND, VIZ_ALIGN_LEFT) +
             14;
    }
    bool seen[LOG_MAX_LEGEND_TERMS + 1];
    terms_seen(view, seen);
    for (uint64_t t = 1; t <= LOG_MAX_LEGEND_TERMS; t++) {
        if (!seen[t]) {
            continue;
        }
        char s[32];
        g_snprintf(s, sizeof s, "term %" G_GUINT64_FORMAT, t);
        double w = 14 + 4 + viz_text_width(cr, s);
        if (x + w > l->width_px - 16) {
            break;
        }
        struct viz_rect r = {x, y - 8, 14, 14};
        fill_box(cr, &r, viz_term_color(t));
        viz_set_rgb(cr, viz_hex(VIZ_PAL_INK_SOFT));
        viz_text(cr, x + 18, y + 3, s, VIZ_ALIGN_LEFT);
        x += w + 14;
    }
}

int viz_log_write(const struct viz_log_view *view,
                  enum viz_format format,
                  const char *path)
{
    struct viz_log_layout l;
    int code = viz_log_compute_layout(view, &l);
    if (code != VIZ_OK) {
        return code;
    }
    struct viz_canvas canvas;
    code = viz_canvas_open(&canvas, format, path, l.width_px, l.height_px);
    if (code != VIZ_OK) {
        return code;
    }
    cairo_t *cr = canvas.cr;
    draw_header(cr, view);
    draw_indices(cr, &l);
    for (uint32_t node = 1; node <= view->n_nodes; node++) {
        draw_row(cr, &l, view, node);
    }
    draw_legend(cr, &l, view);
    return viz_canvas_close(&canvas, true);
}
