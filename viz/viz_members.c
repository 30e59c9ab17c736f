/* viz_members.c: each node's membership and every leadership transfer over
 * time, from the trace alone, and how the timeline draws them (see
 * viz_members.h for which configuration a lane shows).
 *
 * Invariants: spans of one node are disjoint, in time order, and cover
 * [0, limit] once the trace has a `config` event; a transfer is keyed by
 * its leader and term, so its outcome finds it even when other transfers
 * started since.
 */
#include <math.h>
#include <string.h>

#include "viz/viz_draw.h"
#include "viz/viz_members.h"

#define STRIP_GAP_PX 17.0 /* from the band's bottom to the strip's top */
#define STRIP_PX 6.0

/* ---- configurations ------------------------------------------------------ */

static const char *const member_names[VIZ_MEMBER_COUNT] = {
    [VIZ_MEMBER_NONE] = "not a member",
    [VIZ_MEMBER_VOTER] = "voter",
    [VIZ_MEMBER_LEARNER] = "learner",
    [VIZ_MEMBER_JOINT_BOTH] = "joint: both halves",
    [VIZ_MEMBER_JOINT_IN] = "joint: incoming",
    [VIZ_MEMBER_JOINT_OUT] = "joint: outgoing",
};

const char *viz_member_name(enum viz_member m)
{
    if ((int)m < 0 || m >= VIZ_MEMBER_COUNT) {
        return "unknown";
    }
    return member_names[m];
}

struct viz_rgb viz_member_color(enum viz_member m)
{
    switch (m) {
    case VIZ_MEMBER_VOTER:
        return viz_hex(VIZ_PAL_SLATE);
    case VIZ_MEMBER_LEARNER:
        return viz_hex(VIZ_PAL_TEAL);
    case VIZ_MEMBER_JOINT_BOTH:
        return viz_hex(VIZ_PAL_VIOLET);
    case VIZ_MEMBER_JOINT_IN:
        return viz_hex(VIZ_PAL_LEAF);
    case VIZ_MEMBER_JOINT_OUT:
        return viz_hex(VIZ_PAL_VERMILLION);
    case VIZ_MEMBER_NONE:
    case VIZ_MEMBER_COUNT:
        break;
    }
    return viz_hex(VIZ_PAL_WHITE);
}

struct viz_rgb viz_transfer_color(void)
{
    return viz_hex(VIZ_PAL_MAGENTA);
}

/* Which lists of "voters n1 | learners n4 | outgoing n1 n3" name node:
 * bit 0 voters, 1 learners, 2 outgoing; bit 3 when an outgoing list
 * exists at all (the configuration is joint). */
static unsigned lists_naming(const char *text, uint32_t node)
{
    unsigned bits = 0;
    unsigned list = 0;
    for (const char *p = text; *p != '\0';) {
        if (g_ascii_isalpha(*p) && (p == text || p[-1] == ' ')) {
            list = strncmp(p, "voters", 6) == 0     ? 1u
                   : strncmp(p, "learners", 8) == 0 ? 2u
                   : strncmp(p, "outgoing", 8) == 0 ? 4u
                                                    : list;
            bits |= list == 4u ? 8u : 0u;
        }
        if (*p == 'n' && g_ascii_isdigit(p[1]) && (p == text || p[-1] == ' ')) {
            char *end = NULL;
            guint64 id = g_ascii_strtoull(p + 1, &end, 10);
            if (id == node) {
                bits |= list;
            }
            p = end;
            continue;
        }
        p++;
    }
    return bits;
}

/* Where a node stands, from the lists that name it (lists_naming()). */
static enum viz_member member_from(unsigned b)
{
    bool voter = b & 1u, learner = b & 2u, out = b & 4u, joint = b & 8u;
    if (joint && voter) {
        return out ? VIZ_MEMBER_JOINT_BOTH : VIZ_MEMBER_JOINT_IN;
    }
    if (out) {
        return VIZ_MEMBER_JOINT_OUT;
    }
    return voter     ? VIZ_MEMBER_VOTER
           : learner ? VIZ_MEMBER_LEARNER
                     : VIZ_MEMBER_NONE;
}

enum viz_member viz_member_of(const char *config_text, uint32_t node)
{
    if (config_text == NULL) {
        return VIZ_MEMBER_NONE;
    }
    return member_from(lists_naming(config_text, node));
}

static bool lists(const uint64_t *ids, size_t n, uint32_t node)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == node) {
            return true;
        }
    }
    return false;
}

enum viz_member viz_member_in(const struct raft_configuration *c, uint32_t node)
{
    unsigned b = (lists(c->voters, c->n_voters, node) ? 1u : 0u) |
                 (lists(c->learners, c->n_learners, node) ? 2u : 0u) |
                 (lists(c->outgoing, c->n_outgoing, node) ? 4u : 0u) |
                 (c->n_outgoing > 0 ? 8u : 0u);
    return member_from(b);
}

struct viz_rgb viz_config_entry_color(void)
{
    return viz_hex(VIZ_PAL_SLATE);
}

/* ---- the model ----------------------------------------------------------- */

struct node_now
{
    const char *conf; /* borrowed from the trace; NULL: none yet */
    uint64_t conf_term;
    uint64_t conf_index;
    bool crashed;
    bool leads;
    uint64_t term;
    enum viz_member member;
    uint64_t since_us;
};

/* The cluster's configuration (viz_members.h); NULL when no live node has
 * one. */
static const char *cluster_conf(const struct node_now *now, uint32_t n)
{
    const struct node_now *best = NULL;
    for (uint32_t k = 1; k <= n; k++) {
        const struct node_now *s = &now[k];
        if (!s->crashed && s->leads && s->conf != NULL &&
            (best == NULL || s->term > best->term)) {
            best = s;
        }
    }
    if (best != NULL) {
        return best->conf;
    }
    for (uint32_t k = 1; k <= n; k++) {
        const struct node_now *s = &now[k];
        if (!s->crashed && s->conf != NULL &&
            (best == NULL || s->conf_term > best->conf_term ||
             (s->conf_term == best->conf_term &&
              s->conf_index > best->conf_index))) {
            best = s;
        }
    }
    return best != NULL ? best->conf : NULL;
}

static void close_member_span(struct viz_members *m,
                              uint32_t k,
                              struct node_now *s,
                              uint64_t t_us)
{
    if (t_us > s->since_us) {
        struct viz_member_span sp = {s->since_us, t_us, s->member};
        g_array_append_val(m->spans[k], sp);
    }
    s->since_us = t_us;
}

static bool is_joint(enum viz_member m)
{
    return m == VIZ_MEMBER_JOINT_BOTH || m == VIZ_MEMBER_JOINT_IN ||
           m == VIZ_MEMBER_JOINT_OUT;
}

/* A change's words for a note: "n4 voter", "n2 outgoing"; NULL for a
 * voter that stays a voter in both halves of a joint configuration. */
static const char *change_word(enum viz_member from, enum viz_member to)
{
    if ((from == VIZ_MEMBER_VOTER && to == VIZ_MEMBER_JOINT_BOTH) ||
        (from == VIZ_MEMBER_JOINT_BOTH && to == VIZ_MEMBER_VOTER)) {
        return NULL;
    }
    return to == VIZ_MEMBER_JOINT_IN    ? "incoming"
           : to == VIZ_MEMBER_JOINT_OUT ? "outgoing"
                                        : viz_member_name(to);
}

/* The cluster's configuration may have changed at t_us: moves every node
 * whose place in it changed into a new span, and notes the change
 * ("config: joint, n4 incoming, n2 outgoing"). */
static void recompute(struct viz_members *m,
                      struct node_now *now,
                      const char **cluster,
                      uint64_t t_us)
{
    const char *c = cluster_conf(now, m->n);
    if (c == NULL || (*cluster != NULL && strcmp(c, *cluster) == 0)) {
        return;
    }
    bool first = *cluster == NULL;
    *cluster = c;
    bool joint_before = false, joint_now = false;
    GString *diff = g_string_new(NULL);
    for (uint32_t k = 1; k <= m->n; k++) {
        enum viz_member mk = viz_member_of(c, k);
        joint_before |= is_joint(now[k].member);
        joint_now |= is_joint(mk);
        if (mk == now[k].member) {
            continue;
        }
        const char *word = change_word(now[k].member, mk);
        close_member_span(m, k, &now[k], t_us);
        now[k].member = mk;
        if (word != NULL) {
            g_string_append_printf(diff, ", n%u %s", (unsigned)k, word);
        }
    }
    if (!first && (diff->len > 0 || joint_before != joint_now)) {
        const char *phase = joint_now && !joint_before   ? " joint"
                            : joint_before && !joint_now ? " joint left"
                                                         : "";
        char *text = g_strdup_printf(
            "config:%s%s", phase,
            diff->len > 0 && !*phase ? diff->str + 1 : diff->str);
        struct viz_config_note nt = {t_us, text};
        g_array_append_val(m->notes, nt);
    }
    g_string_free(diff, TRUE);
}

static void on_transfer(struct viz_members *m, const struct sim_trace_event *e)
{
    if (e->text == NULL) {
        return;
    }
    if (strcmp(e->text, "start") == 0) {
        struct viz_transfer tr = {
            .leader = e->node,
            .target = e->peer,
            .term = e->term,
            .start_us = e->time_us,
        };
        g_array_append_val(m->transfers, tr);
        return;
    }
    bool done = strcmp(e->text, "done") == 0;
    if (!done && strcmp(e->text, "abort") != 0) {
        return; /* timeout-now: the TimeoutNow arrow shows it */
    }
    for (guint i = m->transfers->len; i-- > 0;) {
        struct viz_transfer *tr =
            &g_array_index(m->transfers, struct viz_transfer, i);
        if (tr->leader == e->node && tr->term == e->term &&
            tr->outcome == VIZ_TRANSFER_RUNNING) {
            tr->outcome = done ? VIZ_TRANSFER_DONE : VIZ_TRANSFER_ABORT;
            tr->end_us = e->time_us;
            return;
        }
    }
}

/* Applies one event to the nodes' state; true when the cluster's
 * configuration may have changed. */
static bool on_event(struct viz_members *m,
                     struct node_now *now,
                     const struct sim_trace_event *e)
{
    if (e->kind == SIM_TRACE_TRANSFER) {
        on_transfer(m, e);
        return false;
    }
    if (e->node < 1 || e->node > m->n) {
        return false;
    }
    struct node_now *s = &now[e->node];
    switch (e->kind) {
    case SIM_TRACE_CONFIG:
        s->conf = e->text;
        s->conf_term = e->term;
        s->conf_index = e->index;
        m->known = true;
        return true;
    case SIM_TRACE_ROLE:
        s->leads = e->role == RAFT_LEADER;
        s->term = e->term;
        return true;
    case SIM_TRACE_CRASH:
        s->crashed = true;
        s->leads = false;
        return true;
    case SIM_TRACE_RESTART:
        s->crashed = false;
        return true;
    default:
        return false;
    }
}

void viz_members_build(const struct viz_run *run,
                       uint64_t limit_us,
                       struct viz_members *m)
{
    uint32_t n = run->n_nodes;
    memset(m, 0, sizeof *m);
    m->n = n;
    m->spans = g_new0(GArray *, n + 1);
    for (uint32_t k = 1; k <= n; k++) {
        m->spans[k] = g_array_new(FALSE, FALSE, sizeof(struct viz_member_span));
    }
    m->transfers = g_array_new(FALSE, FALSE, sizeof(struct viz_transfer));
    m->notes = g_array_new(FALSE, FALSE, sizeof(struct viz_config_note));
    struct node_now *now = g_new0(struct node_now, n + 1);
    for (uint32_t k = 1; k <= n; k++) {
        now[k].member = VIZ_MEMBER_VOTER; /* until a configuration says */
    }
    const char *cluster = NULL;
    for (size_t i = 0; i < run->n_events; i++) {
        const struct sim_trace_event *e = &run->events[i];
        if (e->time_us > limit_us) {
            break;
        }
        if (on_event(m, now, e)) {
            recompute(m, now, &cluster, e->time_us);
        }
    }
    for (uint32_t k = 1; k <= n; k++) {
        close_member_span(m, k, &now[k], limit_us);
        for (guint i = 0; m->known && i < m->spans[k]->len; i++) {
            m->shown |=
                g_array_index(m->spans[k], struct viz_member_span, i).member !=
                VIZ_MEMBER_VOTER;
        }
    }
    for (guint i = 0; i < m->transfers->len; i++) {
        struct viz_transfer *tr =
            &g_array_index(m->transfers, struct viz_transfer, i);
        if (tr->outcome == VIZ_TRANSFER_RUNNING) {
            tr->end_us = limit_us;
        }
    }
    g_free(now);
}

void viz_members_free(struct viz_members *m)
{
    for (uint32_t k = 1; m->spans != NULL && k <= m->n; k++) {
        g_array_free(m->spans[k], TRUE);
    }
    g_free(m->spans);
    if (m->transfers != NULL) {
        g_array_free(m->transfers, TRUE);
    }
    for (guint i = 0; m->notes != NULL && i < m->notes->len; i++) {
        g_free(g_array_index(m->notes, struct viz_config_note, i).text);
    }
    if (m->notes != NULL) {
        g_array_free(m->notes, TRUE);
    }
    memset(m, 0, sizeof *m);
}

bool viz_members_in_window(const struct viz_members *m,
                           enum viz_member member,
                           uint64_t from_us,
                           uint64_t to_us)
{
    if (member == VIZ_MEMBER_COUNT) {
        for (guint i = 0; i < m->transfers->len; i++) {
            const struct viz_transfer *tr =
                &g_array_index(m->transfers, struct viz_transfer, i);
            if (tr->start_us <= to_us && tr->end_us >= from_us) {
                return true;
            }
        }
        return false;
    }
    for (uint32_t k = 1; m->shown && k <= m->n; k++) {
        for (guint i = 0; i < m->spans[k]->len; i++) {
            const struct viz_member_span *sp =
                &g_array_index(m->spans[k], struct viz_member_span, i);
            if (sp->member == member && sp->t0_us <= to_us &&
                sp->t1_us >= from_us) {
                return true;
            }
        }
    }
    return false;
}

/* ---- drawing ------------------------------------------------------------- */

void viz_timeline_member_strip(const struct viz_timeline_layout *l,
                               uint32_t node,
                               double *y0,
                               double *y1)
{
    double b0, b1;
    viz_timeline_band(l, node, &b0, &b1);
    *y0 = b1 + STRIP_GAP_PX;
    *y1 = *y0 + STRIP_PX;
}

/* A non-member's band: washed out, with a dashed outline. */
static void wash_band(cairo_t *cr, double x0, double x1, double b0, double b1)
{
    viz_set_rgba(cr, viz_hex(VIZ_PAL_WHITE), 0.72);
    cairo_rectangle(cr, x0, b0, x1 - x0, b1 - b0);
    cairo_fill(cr);
    double dash[] = {3.0, 2.0};
    cairo_set_dash(cr, dash, 2, 0);
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_8A));
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, x0 + 0.5, b0 + 0.5, x1 - x0 - 1, b1 - b0 - 1);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

/* The span's word ("learner", "not a member") in its band, centred, when
 * it fits. */
static void band_word(cairo_t *cr,
                      const struct viz_timeline_layout *l,
                      double x0,
                      double x1,
                      double mid,
                      enum viz_member member)
{
    const char *word = viz_member_name(member);
    x0 = fmax(x0, l->plot_x0);
    x1 = fmin(x1, l->plot_x1);
    viz_font(cr, 10.0, false);
    double w = viz_text_width(cr, word);
    if (x1 - x0 < w + 10) {
        return;
    }
    viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_44));
    viz_text(cr, (x0 + x1) / 2, mid + 3.5, word, VIZ_ALIGN_CENTER);
}

void viz_members_draw_lanes(cairo_t *cr,
                            const struct viz_members *m,
                            const struct viz_timeline_layout *l)
{
    if (!l->members) {
        return;
    }
    for (uint32_t k = 1; k <= m->n; k++) {
        double b0, b1, s0, s1;
        viz_timeline_band(l, k, &b0, &b1);
        viz_timeline_member_strip(l, k, &s0, &s1);
        for (guint i = 0; i < m->spans[k]->len; i++) {
            const struct viz_member_span *sp =
                &g_array_index(m->spans[k], struct viz_member_span, i);
            if (sp->t1_us < l->from_us || sp->t0_us > l->to_us) {
                continue;
            }
            double x0 = viz_timeline_x(l, sp->t0_us);
            double x1 = viz_timeline_x(l, sp->t1_us);
            if (sp->member == VIZ_MEMBER_NONE) {
                wash_band(cr, x0, x1, b0, b1);
                viz_set_rgb(cr, viz_hex(VIZ_PAL_GREY_B0));
                cairo_set_line_width(cr, 1.0);
                double dot[] = {1.0, 3.0};
                cairo_set_dash(cr, dot, 2, 0);
                cairo_move_to(cr, x0, floor((s0 + s1) / 2) + 0.5);
                cairo_line_to(cr, x1, floor((s0 + s1) / 2) + 0.5);
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
            } else {
                viz_set_rgb(cr, viz_member_color(sp->member));
                cairo_rectangle(cr, x0, s0, fmax(x1 - x0, 1.0), s1 - s0);
                cairo_fill(cr);
            }
            if (sp->member == VIZ_MEMBER_NONE ||
                sp->member == VIZ_MEMBER_LEARNER) {
                band_word(cr, l, x0, x1, (b0 + b1) / 2, sp->member);
            }
        }
    }
}

/* One transfer: a thick arrow from the leader's band at its start to the
 * target's band at its outcome; solid with a head when done, dashed with a
 * cross when aborted, dotted while running. */
static void draw_transfer(cairo_t *cr,
                          const struct viz_transfer *tr,
                          const struct viz_timeline_layout *l)
{
    double f0, f1, t0, t1;
    viz_timeline_band(l, tr->leader, &f0, &f1);
    viz_timeline_band(l, tr->target, &t0, &t1);
    bool down = tr->target > tr->leader;
    double xs = viz_timeline_x(l, tr->start_us);
    double xe = viz_timeline_x(l, tr->end_us);
    double ys = down ? f1 : f0;
    double ye = down ? t0 : t1;
    viz_set_rgb(cr, viz_transfer_color());
    cairo_arc(cr, xs, ys, 3.5, 0, 2 * G_PI);
    cairo_fill(cr);
    double dash[] = {6.0, 3.0};
    double dot[] = {1.5, 3.0};
    if (tr->outcome == VIZ_TRANSFER_ABORT) {
        cairo_set_dash(cr, dash, 2, 0);
    } else if (tr->outcome == VIZ_TRANSFER_RUNNING) {
        cairo_set_dash(cr, dot, 2, 0);
    }
    cairo_set_line_width(cr, 2.6);
    cairo_move_to(cr, xs, ys);
    cairo_line_to(cr, xe, ye);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    if (tr->outcome == VIZ_TRANSFER_DONE) {
        viz_arrow_head(cr, xs, ys, xe, ye, 9.0);
    } else if (tr->outcome == VIZ_TRANSFER_ABORT) {
        cairo_set_line_width(cr, 2.4);
        cairo_move_to(cr, xe - 5, ye - 5);
        cairo_line_to(cr, xe + 5, ye + 5);
        cairo_move_to(cr, xe - 5, ye + 5);
        cairo_line_to(cr, xe + 5, ye - 5);
        cairo_stroke(cr);
    }
}

void viz_members_draw_transfers(cairo_t *cr,
                                const struct viz_members *m,
                                const struct viz_timeline_layout *l)
{
    for (guint i = 0; i < m->transfers->len; i++) {
        const struct viz_transfer *tr =
            &g_array_index(m->transfers, struct viz_transfer, i);
        if (tr->start_us > l->to_us || tr->end_us < l->from_us ||
            tr->leader < 1 || tr->leader > m->n || tr->target < 1 ||
            tr->target > m->n) {
            continue;
        }
        draw_transfer(cr, tr, l);
    }
}

void viz_members_swatch(cairo_t *cr,
                        enum viz_member member,
                        double x,
                        double top,
                        double w,
                        double h)
{
    if (member == VIZ_MEMBER_COUNT) {
        double my = top + h / 2;
        viz_set_rgb(cr, viz_transfer_color());
        cairo_set_line_width(cr, 2.6);
        cairo_move_to(cr, x, my);
        cairo_line_to(cr, x + w - 6, my);
        cairo_stroke(cr);
        viz_arrow_head(cr, x, my, x + w, my, 9.0);
        return;
    }
    if (member == VIZ_MEMBER_NONE) {
        viz_set_rgb(cr, viz_role_color(RAFT_FOLLOWER));
        cairo_rectangle(cr, x, top, w, h);
        cairo_fill(cr);
        wash_band(cr, x, x + w, top, top + h);
        return;
    }
    viz_set_rgb(cr, viz_member_color(member));
    cairo_rectangle(cr, x, top + 2, w, STRIP_PX);
    cairo_fill(cr);
}
