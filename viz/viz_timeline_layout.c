/* viz_timeline_layout.c: where everything of a timeline goes.
 *
 * The window, the width (from the time drawn and the messages shown), the
 * lanes, the client lane and the legend's rows; and the public geometry
 * functions of viz.h that callers and tests use to find a time, a band, a
 * client bar or an arrow's end. Text is measured with cairo, nothing is
 * drawn.
 */
#include "viz/viz_timeline_layout.h"

#include <glib.h>
#include <math.h>
#include <string.h>

#include "viz/viz_draw.h"

static int resolve_window(const struct viz_run *run,
                          const struct viz_options *o,
                          uint64_t *from,
                          uint64_t *to)
{
    uint64_t end = viz_tl_run_end_us(run);
    *from = o->from_us;
    *to = o->to_us == 0 ? end : o->to_us;
    if (o->to_us == 0 && *to <= *from) {
        *to = *from + 1000;
    }
    if (*to <= *from) {
        return VIZ_EINVAL;
    }
    return VIZ_OK;
}

bool viz_tl_arrow_in_window(const struct viz_tl_arrow *a,
                            uint64_t from,
                            uint64_t to)
{
    uint64_t end = a->fate == ARROW_IN_FLIGHT ? a->send_us : a->end_us;
    return a->send_us <= to && end >= from;
}

bool viz_tl_arrow_shown(const struct viz_tl_arrow *a, enum viz_messages mode)
{
    switch (mode) {
    case VIZ_MESSAGES_NONE:
        return false;
    case VIZ_MESSAGES_NO_HEARTBEATS:
        return !a->heartbeat;
    case VIZ_MESSAGES_ALL:
    case VIZ_MESSAGES_AUTO:
    case VIZ_MESSAGES_COUNT:
        break;
    }
    return true;
}

_Static_assert(SW_COUNT == 35, "one legend item per swatch");

const struct viz_tl_legend_item viz_tl_legend_items[VIZ_TL_N_LEGEND] = {
    {SW_FOLLOWER, "follower"},
    {SW_CANDIDATE, "candidate"},
    {SW_LEADER, "leader"},
    {SW_CRASHED, "crashed"},
    {SW_PAUSED, "paused"},
    {SW_MAJORITY, "partition side with a quorum of voters: can elect, commit"},
    {SW_MINORITY, "side without one (minority, cut off)"},
    {SW_CUT, "one-way cut (sender)"},
    {SW_COMMIT, "commit index"},
    {SW_PREVOTE, "PreVote"},
    {SW_PREVOTE_REPLY, "PreVote reply"},
    {SW_VOTE, "RequestVote"},
    {SW_VOTE_GRANTED, "vote granted"},
    {SW_VOTE_DENIED, "vote denied"},
    {SW_APPEND, "AppendEntries with entries"},
    {SW_APPEND_OK, "append accepted"},
    {SW_APPEND_FAILED, "append rejected"},
    {SW_HEARTBEAT, "heartbeat / ack"},
    {SW_SNAPSHOT, "InstallSnapshot"},
    {SW_SNAPSHOT_REPLY, "snapshot reply"},
    {SW_LOST, "lost message"},
    {SW_DUPLICATE, "duplicate copy"},
    {SW_IN_FLIGHT, "still in flight"},
    {SW_CLIENT_OK, "client request ok"},
    {SW_CLIENT_FAILED, "client request failed"},
    {SW_CLIENT_PENDING, "client request pending"},
    {SW_CHECK, "expect check held"},
    {SW_VIOLATION, "safety violation"},
    {SW_VOTER, "voter"},
    {SW_LEARNER, "learner"},
    {SW_NOT_MEMBER, "not a member"},
    {SW_JOINT_BOTH, "joint: voter of both halves"},
    {SW_JOINT_IN, "joint: incoming voter"},
    {SW_JOINT_OUT, "joint: outgoing voter"},
    {SW_TRANSFER, "leadership transfer (dashed: aborted)"},
};

#define LEGEND_ITEM_GAP 16.0

/* Positions each legend item that used[] selects (x, row) within width;
 * returns the rows used. */
int viz_tl_legend_flow(cairo_t *cr,
                       double width,
                       const bool *used,
                       double *xs,
                       int *rows)
{
    double x0 = 16.0;
    double x = x0;
    int row = 0;
    viz_font(cr, FONT_SMALL, false);
    for (size_t i = 0; i < VIZ_TL_N_LEGEND; i++) {
        if (!used[viz_tl_legend_items[i].swatch]) {
            continue;
        }
        double w = VIZ_TL_SWATCH_W + 5.0 +
                   viz_text_width(cr, viz_tl_legend_items[i].label);
        if (x > x0 && x + w > width - 16.0) {
            row++;
            x = x0;
        }
        xs[i] = x;
        rows[i] = row;
        x += w + LEGEND_ITEM_GAP;
    }
    return row + 1;
}

enum viz_tl_swatch viz_tl_arrow_swatch(const struct viz_tl_arrow *a)
{
    if (a->heartbeat) {
        return SW_HEARTBEAT;
    }
    switch (a->type) {
    case RAFT_MSG_PRE_VOTE:
        return SW_PREVOTE;
    case RAFT_MSG_PRE_VOTE_RESULT:
        return SW_PREVOTE_REPLY;
    case RAFT_MSG_REQUEST_VOTE:
    case RAFT_MSG_TIMEOUT_NOW:
        return SW_VOTE;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return a->ok ? SW_VOTE_GRANTED : SW_VOTE_DENIED;
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return a->ok ? SW_APPEND_OK : SW_APPEND_FAILED;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return SW_SNAPSHOT;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return SW_SNAPSHOT_REPLY;
    case RAFT_MSG_APPEND_ENTRIES:
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
    case RAFT_MSG_TYPE_COUNT:
        break;
    }
    return SW_APPEND;
}

/* The membership strips' and transfers' legend items, when drawn. */
static void member_legend_used(const struct viz_members *mm,
                               const struct viz_timeline_layout *l,
                               bool *used)
{
    static const enum viz_tl_swatch sw[VIZ_MEMBER_COUNT] = {
        [VIZ_MEMBER_NONE] = SW_NOT_MEMBER,
        [VIZ_MEMBER_VOTER] = SW_VOTER,
        [VIZ_MEMBER_LEARNER] = SW_LEARNER,
        [VIZ_MEMBER_JOINT_BOTH] = SW_JOINT_BOTH,
        [VIZ_MEMBER_JOINT_IN] = SW_JOINT_IN,
        [VIZ_MEMBER_JOINT_OUT] = SW_JOINT_OUT,
    };
    for (int k = 0; k < VIZ_MEMBER_COUNT; k++) {
        used[sw[k]] |=
            l->members &&
            viz_members_in_window(mm, (enum viz_member)k, l->from_us, l->to_us);
    }
    used[SW_TRANSFER] |=
        viz_members_in_window(mm, VIZ_MEMBER_COUNT, l->from_us, l->to_us);
}

/* The legend items of the nodes' bands and commit marks in [from, to]. */
static void lane_legend_used(const struct viz_tl_model *m,
                             uint64_t from,
                             uint64_t to,
                             bool *used)
{
    for (uint32_t k = 1; k <= m->n; k++) {
        const GArray *spans = m->spans[k];
        for (guint i = 0; i < spans->len; i++) {
            const struct viz_tl_span *sp =
                &g_array_index(spans, struct viz_tl_span, i);
            if (sp->t1_us < from || sp->t0_us > to) {
                continue;
            }
            if (sp->state == NODE_CRASHED) {
                used[SW_CRASHED] = true;
                continue;
            }
            used[SW_PAUSED] |= sp->state == NODE_PAUSED;
            used[SW_CANDIDATE] |= sp->role == RAFT_CANDIDATE;
            used[SW_LEADER] |= sp->role == RAFT_LEADER;
        }
        const GArray *commits = m->commits[k];
        for (guint i = 0; i < commits->len; i++) {
            uint64_t t = g_array_index(commits, struct viz_tl_commit, i).t_us;
            used[SW_COMMIT] |= t >= from && t <= to;
        }
    }
}

/* The legend items of arrows, client requests and notes in the window of
 * l, and of partitions and cuts. */
static void event_legend_used(const struct viz_tl_model *m,
                              const struct viz_timeline_layout *l,
                              bool *used)
{
    uint64_t from = l->from_us;
    uint64_t to = l->to_us;
    for (guint i = 0; i < m->partitions->len; i++) {
        const struct viz_tl_partition *p =
            &g_array_index(m->partitions, struct viz_tl_partition, i);
        for (guint j = 0; j < p->verdicts->len; j++) {
            const struct viz_tl_verdict *v =
                &g_array_index(p->verdicts, struct viz_tl_verdict, j);
            if (v->t0_us > to || v->t1_us < from) {
                continue;
            }
            for (uint32_t k = 1; k <= m->n; k++) {
                bool major = viz_tl_in_majority(p, v, k);
                used[SW_MAJORITY] |= major;
                used[SW_MINORITY] |= !major;
            }
        }
    }
    for (guint i = 0; i < m->cuts->len; i++) {
        const struct viz_tl_cut *k =
            &g_array_index(m->cuts, struct viz_tl_cut, i);
        used[SW_CUT] |= k->t0_us <= to && k->t1_us >= from;
    }
    for (guint i = 0; i < m->arrows->len; i++) {
        const struct viz_tl_arrow *a =
            &g_array_index(m->arrows, struct viz_tl_arrow, i);
        if (!viz_tl_arrow_shown(a, l->messages) ||
            !viz_tl_arrow_in_window(a, from, to)) {
            continue;
        }
        used[viz_tl_arrow_swatch(a)] = true;
        used[SW_LOST] |= a->fate == ARROW_LOST;
        used[SW_IN_FLIGHT] |= a->fate == ARROW_IN_FLIGHT;
        used[SW_DUPLICATE] |= a->copy;
    }
    for (guint i = 0; i < m->ops->len; i++) {
        const struct viz_tl_op *op =
            &g_array_index(m->ops, struct viz_tl_op, i);
        if (op->t1_us < from || op->t0_us > to) {
            continue;
        }
        used[!op->done ? SW_CLIENT_PENDING
             : op->ok  ? SW_CLIENT_OK
                       : SW_CLIENT_FAILED] = true;
    }
    for (guint i = 0; i < m->notes->len; i++) {
        const struct viz_tl_note *nt =
            &g_array_index(m->notes, struct viz_tl_note, i);
        if (nt->t_us < from || nt->t_us > to) {
            continue;
        }
        used[SW_CHECK] |= nt->kind == NOTE_CHECK_HELD;
        used[SW_VIOLATION] |= nt->kind == NOTE_VIOLATION;
    }
}

/* Marks in used[] (SW_COUNT entries) the legend items whose marks the
 * picture of m in l's window actually shows, so that the legend explains
 * what is there and nothing else. Frames (until_now) keep every item, so
 * that all frames of a run have the same height and line up. */
void viz_tl_legend_used(const struct viz_tl_model *m,
                        const struct viz_timeline_layout *l,
                        bool until_now,
                        bool *used)
{
    for (int i = 0; i < SW_COUNT; i++) {
        used[i] = until_now;
    }
    used[SW_FOLLOWER] = true;
    lane_legend_used(m, l->from_us, l->to_us, used);
    event_legend_used(m, l, used);
    member_legend_used(&m->members, l, used);
}

/* Rows of the client lane that name a client seen so far. */
int viz_tl_client_rows(const struct viz_tl_model *m)
{
    if (m->n_clients == 0) {
        return 0;
    }
    return m->n_clients > CLIENT_ROWS_MAX ? CLIENT_ROWS_MAX : (int)m->n_clients;
}

/* Rows the client lane takes. A frame sees only the clients so far, so
 * frames reserve every row: all frames of a run keep one height. */
int viz_tl_client_lane_rows(const struct viz_tl_model *m, bool until_now)
{
    return until_now ? CLIENT_ROWS_MAX : viz_tl_client_rows(m);
}

int viz_tl_client_row_of(const struct viz_tl_model *m, uint64_t client)
{
    size_t lo = 0;
    size_t hi = m->n_clients;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->clients[mid] < client) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (int)(lo % CLIENT_ROWS_MAX);
}

/* Resolves AUTO into l->messages (ALL for sparse windows) and returns how
 * many arrows the window of l then draws. */
static size_t resolve_messages(const struct viz_tl_model *m,
                               const struct viz_options *o,
                               struct viz_timeline_layout *l)
{
    size_t n_all = 0;
    size_t n_beats = 0;
    for (guint i = 0; i < m->arrows->len; i++) {
        const struct viz_tl_arrow *a =
            &g_array_index(m->arrows, struct viz_tl_arrow, i);
        if (viz_tl_arrow_in_window(a, l->from_us, l->to_us)) {
            n_all++;
            n_beats += a->heartbeat;
        }
    }
    l->messages = o->messages;
    if (l->messages == VIZ_MESSAGES_AUTO || l->messages >= VIZ_MESSAGES_COUNT) {
        l->messages = n_all <= AUTO_ALL_MAX_MESSAGES
                          ? VIZ_MESSAGES_ALL
                          : VIZ_MESSAGES_NO_HEARTBEATS;
    }
    return l->messages == VIZ_MESSAGES_ALL    ? n_all
           : l->messages == VIZ_MESSAGES_NONE ? 0
                                              : n_all - n_beats;
}

/* The picture's width: the option's, or derived from the window and the
 * arrows drawn; clamped to [VIZ_WIDTH_MIN_PX, VIZ_WIDTH_MAX_PX]. */
static int layout_width(const struct viz_options *o,
                        uint64_t from,
                        uint64_t to,
                        size_t n_drawn)
{
    double width;
    if (o->width_px > 0) {
        width = o->width_px;
    } else {
        /* Half a pixel per millisecond (a heartbeat interval of 50 ms is
         * 25 pixels) up to 3000 pixels, then only as wide as the messages
         * drawn need: 6 pixels each. Quiet stretches do not pay. */
        double span_ms = (double)(to - from) / 1000.0;
        double by_time = fmin(span_ms * 0.5, 3000.0);
        double plot = fmax(1000.0, fmax(by_time, (double)n_drawn * 6.0));
        width = plot + LEFT_PX + RIGHT_PX;
    }
    width = fmin(fmax(width, VIZ_WIDTH_MIN_PX), VIZ_WIDTH_MAX_PX);
    return (int)lround(width);
}

int viz_tl_make_layout(const struct viz_run *run,
                       const struct viz_options *o,
                       const struct viz_tl_model *m,
                       struct viz_timeline_layout *l)
{
    uint64_t from;
    uint64_t to;
    int code = resolve_window(run, o, &from, &to);
    if (code != VIZ_OK) {
        return code;
    }
    memset(l, 0, sizeof *l);
    l->n_nodes = run->n_nodes;
    l->from_us = from;
    l->to_us = to;

    size_t n_drawn = resolve_messages(m, o, l);
    l->width_px = layout_width(o, from, to, n_drawn);
    l->plot_x0 = LEFT_PX;
    l->plot_x1 = l->width_px - RIGHT_PX;

    l->lanes_y0 = HEADER_PX + AXIS_PX + NOTE_ROWS * NOTE_ROW_PX + 4;
    l->lane_h = LANE_PX;
    l->band_off = BAND_OFF_PX;
    l->band_h = BAND_PX;
    double y = l->lanes_y0 + l->lane_h * run->n_nodes;
    int crows = viz_tl_client_lane_rows(m, o->until_now);
    l->client_y0 = y + (crows > 0 ? CLIENT_GAP_PX : 0);
    l->client_h = crows * CLIENT_ROW_PX + (crows > 0 ? 8 : 0);
    y = l->client_y0 + l->client_h;

    cairo_t *cr = viz_measure_new();
    if (cr == NULL) {
        return VIZ_ENOMEM;
    }
    l->members = m->members.shown;
    double xs[VIZ_TL_N_LEGEND];
    int rows[VIZ_TL_N_LEGEND];
    bool used[SW_COUNT];
    viz_tl_legend_used(m, l, o->until_now, used);
    int legend_rows = viz_tl_legend_flow(cr, l->width_px, used, xs, rows);
    viz_measure_free(cr);
    y += LEGEND_GAP_PX + legend_rows * LEGEND_ROW_PX + BOTTOM_PX;
    l->height_px = (int)ceil(y);
    return VIZ_OK;
}

void viz_tl_options(const struct viz_options *opts, struct viz_options *o)
{
    if (opts != NULL) {
        *o = *opts;
    } else {
        viz_options_init(o);
    }
}

uint64_t viz_tl_model_limit(const struct viz_run *run,
                            const struct viz_options *o)
{
    return o->until_now ? o->now_us : viz_tl_run_end_us(run);
}

int viz_tl_check_run(const struct viz_run *run)
{
    if (run == NULL || run->n_nodes == 0 ||
        (run->events == NULL && run->n_events > 0)) {
        return VIZ_EINVAL;
    }
    return VIZ_OK;
}

int viz_timeline_compute_layout(const struct viz_run *run,
                                const struct viz_options *opts,
                                struct viz_timeline_layout *out)
{
    int code = viz_tl_check_run(run);
    if (code != VIZ_OK) {
        return code;
    }
    struct viz_options o;
    viz_tl_options(opts, &o);
    struct viz_tl_model m;
    viz_tl_model_build(run, viz_tl_model_limit(run, &o), &m);
    code = viz_tl_make_layout(run, &o, &m, out);
    viz_tl_model_free(&m);
    return code;
}

double viz_timeline_x(const struct viz_timeline_layout *l, uint64_t t_us)
{
    double span = (double)(l->to_us - l->from_us);
    double dt = t_us >= l->from_us ? (double)(t_us - l->from_us)
                                   : -(double)(l->from_us - t_us);
    return l->plot_x0 + (l->plot_x1 - l->plot_x0) * dt / span;
}

void viz_timeline_band(const struct viz_timeline_layout *l,
                       uint32_t node,
                       double *y0,
                       double *y1)
{
    double top = l->lanes_y0 + l->lane_h * (double)(node - 1) + l->band_off;
    *y0 = top;
    *y1 = top + l->band_h;
}

void viz_timeline_client_bar(const struct viz_timeline_layout *l,
                             size_t row,
                             double *y0,
                             double *y1)
{
    double top =
        l->client_y0 + 4 + (double)(row % CLIENT_ROWS_MAX) * CLIENT_ROW_PX + 2;
    *y0 = top;
    *y1 = top + CLIENT_ROW_PX - 5;
}

/* Where an arrow from `from` to `to` leaves the sender's band and enters the
 * receiver's: the band edges facing each other. */
void viz_tl_arrow_ends_y(const struct viz_timeline_layout *l,
                         uint32_t from,
                         uint32_t to,
                         double *ys,
                         double *ye)
{
    double f0, f1, t0, t1;
    viz_timeline_band(l, from, &f0, &f1);
    viz_timeline_band(l, to, &t0, &t1);
    if (to > from) {
        *ys = f1;
        *ye = t0;
    } else {
        *ys = f0;
        *ye = t1;
    }
}

void viz_timeline_arrow_end(const struct viz_timeline_layout *l,
                            uint32_t from,
                            uint32_t to,
                            uint64_t send_us,
                            uint64_t end_us,
                            bool lost,
                            double *x,
                            double *y)
{
    double ys, ye;
    viz_tl_arrow_ends_y(l, from, to, &ys, &ye);
    double xs = viz_timeline_x(l, send_us);
    double xe = viz_timeline_x(l, end_us);
    if (!lost) {
        *x = xe;
        *y = ye;
        return;
    }
    /* A lost message ends on the edge of the band of the node it was sent
     * to, so the cross says whose message was lost, at the instant of the
     * loss; one lost as it left still leans forward a little, so that it
     * does not read as a vertical line. */
    *x = fmax(xe, xs + fmin(STUB_MAX_PX, fabs(ye - ys) * 0.25));
    *y = ye;
}
