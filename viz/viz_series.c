/* viz_series.c: requests, throughput and unavailability of a run, from the
 * trace alone (definitions in viz_series.h, shared with the replay page's
 * replay-series.js).
 */
#include "viz/viz_series.h"

#include <glib.h>
#include <string.h>

const char *viz_outcome_name(enum viz_outcome o)
{
    static const char *const names[VIZ_OUTCOME_COUNT] = {"ok", "retried",
                                                         "failed", "pending"};
    return (unsigned)o < VIZ_OUTCOME_COUNT ? names[o] : "unknown";
}

/* The request of (client, request) most recently invoked, or NULL. A
 * backwards scan: requests are few and a completion follows its invoke
 * closely. */
static struct viz_request *find_request(GArray *reqs,
                                        uint64_t client,
                                        uint64_t request)
{
    for (size_t k = reqs->len; k > 0; k--) {
        struct viz_request *r = &g_array_index(reqs, struct viz_request, k - 1);
        if (r->client == client && r->request == request) {
            return r;
        }
    }
    return NULL;
}

static void build_requests(const struct viz_run *run, struct viz_series *out)
{
    GArray *reqs = g_array_new(FALSE, TRUE, sizeof(struct viz_request));
    for (size_t i = 0; i < run->n_events; i++) {
        const struct sim_trace_event *e = &run->events[i];
        if (e->kind == SIM_TRACE_CLIENT_INVOKE) {
            struct viz_request r = {.client = e->client,
                                    .request = e->request,
                                    .t0_us = e->time_us,
                                    .t1_us = out->end_us,
                                    .outcome = VIZ_OUTCOME_PENDING};
            g_array_append_val(reqs, r);
            continue;
        }
        if (e->kind != SIM_TRACE_CLIENT_SEND &&
            e->kind != SIM_TRACE_CLIENT_COMPLETE) {
            continue;
        }
        struct viz_request *r = find_request(reqs, e->client, e->request);
        if (r == NULL) {
            continue;
        }
        if (e->kind == SIM_TRACE_CLIENT_SEND) {
            r->sends++;
        } else {
            r->t1_us = e->time_us;
            r->outcome = !e->ok           ? VIZ_OUTCOME_FAILED
                         : r->sends > 1   ? VIZ_OUTCOME_RETRIED
                                          : VIZ_OUTCOME_OK;
        }
    }
    out->n_requests = reqs->len;
    out->requests = (struct viz_request *)g_array_free(reqs, FALSE);
}

static void build_bins(struct viz_series *out)
{
    uint64_t nb = (out->end_us + VIZ_SERIES_BIN_US - 1) / VIZ_SERIES_BIN_US;
    nb = nb > 0 ? nb : 1;
    out->bins = g_new0(struct viz_bin, nb);
    out->n_bins = nb;
    for (uint64_t b = 0; b < nb; b++) {
        uint64_t t1 = (b + 1) * VIZ_SERIES_BIN_US;
        out->bins[b].t0_us = b * VIZ_SERIES_BIN_US;
        out->bins[b].t1_us = t1 < out->end_us ? t1 : out->end_us;
    }
    for (size_t k = 0; k < out->n_requests; k++) {
        const struct viz_request *r = &out->requests[k];
        if (r->outcome == VIZ_OUTCOME_OK || r->outcome == VIZ_OUTCOME_RETRIED) {
            uint64_t b = r->t1_us / VIZ_SERIES_BIN_US;
            out->bins[b < nb ? b : nb - 1].count++;
        }
    }
}

static void push(GArray *a, uint64_t t0, uint64_t t1,
                 enum viz_unavailable_why why)
{
    struct viz_interval v = {.t0_us = t0, .t1_us = t1, .why = why};
    g_array_append_val(a, v);
}

/* Intervals with no live leader: a node leads from its role event to
 * leader until its next role event or crash. */
static void no_leader(const struct viz_run *run, uint64_t end_us, GArray *a)
{
    bool *leading = g_new0(bool, run->n_nodes + 1);
    uint32_t n_leading = 0;
    uint64_t since = 0;
    for (size_t i = 0; i < run->n_events; i++) {
        const struct sim_trace_event *e = &run->events[i];
        if (e->node < 1 || e->node > run->n_nodes) {
            continue;
        }
        bool was = n_leading > 0;
        if (e->kind == SIM_TRACE_ROLE && e->role == RAFT_LEADER) {
            n_leading += !leading[e->node];
            leading[e->node] = true;
        } else if ((e->kind == SIM_TRACE_ROLE || e->kind == SIM_TRACE_CRASH) &&
                   leading[e->node]) {
            leading[e->node] = false;
            n_leading--;
        }
        bool is = n_leading > 0;
        if (was && !is) {
            since = e->time_us;
        } else if (!was && is && e->time_us > since) {
            push(a, since, e->time_us, VIZ_UNAVAILABLE_NO_LEADER);
        }
    }
    if (n_leading == 0 && end_us > since) {
        push(a, since, end_us, VIZ_UNAVAILABLE_NO_LEADER);
    }
    g_free(leading);
}

static gint by_start(gconstpointer a, gconstpointer b)
{
    const struct viz_interval *x = a, *y = b;
    if (x->t0_us != y->t0_us) {
        return x->t0_us < y->t0_us ? -1 : 1;
    }
    return (int)x->why - (int)y->why;
}

int viz_series_build(const struct viz_run *run, struct viz_series *out)
{
    memset(out, 0, sizeof *out);
    if (run == NULL || run->n_nodes == 0) {
        return VIZ_EINVAL;
    }
    out->end_us = run->end_us;
    if (run->n_events > 0 &&
        run->events[run->n_events - 1].time_us > out->end_us) {
        out->end_us = run->events[run->n_events - 1].time_us;
    }
    build_requests(run, out);
    build_bins(out);
    GArray *a = g_array_new(FALSE, TRUE, sizeof(struct viz_interval));
    no_leader(run, out->end_us, a);
    for (size_t b = 0; b < out->n_bins; b++) {
        const struct viz_bin *bin = &out->bins[b];
        bool waiting = false;
        for (size_t k = 0; k < out->n_requests && !waiting; k++) {
            const struct viz_request *r = &out->requests[k];
            waiting = r->t0_us < bin->t1_us && r->t1_us > bin->t0_us;
        }
        if (waiting && bin->count == 0) {
            push(a, bin->t0_us, bin->t1_us, VIZ_UNAVAILABLE_NO_COMPLETION);
        }
    }
    /* Intervals of one kind never share a start: the order is total. */
    g_array_sort(a, by_start);
    out->n_unavailable = a->len;
    out->unavailable = (struct viz_interval *)g_array_free(a, FALSE);
    return VIZ_OK;
}

void viz_series_clear(struct viz_series *s)
{
    g_free(s->requests);
    g_free(s->bins);
    g_free(s->unavailable);
    memset(s, 0, sizeof *s);
}

/* "no leader", "no completed request", as replay-series.js names them. */
static const char *why_name(enum viz_unavailable_why why)
{
    return why == VIZ_UNAVAILABLE_NO_LEADER ? "no leader"
                                            : "no completed request";
}

void viz_series_json(const struct viz_series *s, GString *out)
{
    g_string_append_printf(out,
                           "{\"end_us\":%" G_GUINT64_FORMAT
                           ",\"bin_us\":%d,\n\"requests\":[",
                           s->end_us, VIZ_SERIES_BIN_US);
    for (size_t i = 0; i < s->n_requests; i++) {
        const struct viz_request *r = &s->requests[i];
        g_string_append_printf(
            out,
            "%s\n[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
            ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT32_FORMAT
            ",\"%s\"]",
            i ? "," : "", r->client, r->request, r->t0_us, r->t1_us, r->sends,
            viz_outcome_name(r->outcome));
    }
    g_string_append(out, "],\n\"bins\":[");
    for (size_t i = 0; i < s->n_bins; i++)
        g_string_append_printf(out,
                               "%s\n[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                               ",%" G_GUINT32_FORMAT "]",
                               i ? "," : "", s->bins[i].t0_us,
                               s->bins[i].t1_us, s->bins[i].count);
    g_string_append(out, "],\n\"unavailable\":[");
    for (size_t i = 0; i < s->n_unavailable; i++)
        g_string_append_printf(
            out, "%s\n[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",\"%s\"]",
            i ? "," : "", s->unavailable[i].t0_us, s->unavailable[i].t1_us,
            why_name(s->unavailable[i].why));
    g_string_append(out, "]}\n");
}
