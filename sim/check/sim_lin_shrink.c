/* sim_lin_shrink.c: delta debugging over a history that cannot be
 * linearized (sim_lin_shrink.h). Invariant: sh->cur always holds a set that
 * the search showed cannot be linearized. */
#include "sim/check/sim_lin_shrink.h"

#include "sim/check/sim_lin_search.h"
#include "sim/sim_assert.h"

/* A time window [from_us, to_us] of an operation. */
struct lin_window
{
    uint64_t from_us, to_us;
};

static gint compare_windows(gconstpointer a, gconstpointer b)
{
    const struct lin_window *x = a, *y = b;
    if (x->from_us != y->from_us)
        return x->from_us < y->from_us ? -1 : 1;
    return (x->to_us > y->to_us) - (x->to_us < y->to_us);
}

/* The reads of one value sorted by invocation; reach_us[i] is the latest
 * return among the first i + 1 of them. */
struct lin_reads
{
    GArray *windows;  /* struct lin_window */
    GArray *reach_us; /* uint64_t */
};

static void reads_free(gpointer p)
{
    struct lin_reads *r = p;
    g_array_free(r->windows, TRUE);
    g_array_free(r->reach_us, TRUE);
    g_free(r);
}

/* The key a read or a write is grouped under: its value, or "" with the
 * found flag cleared for the absent state. */
static const char *value_key(const struct sim_op *o, bool *absent)
{
    if (o->op == SIM_KV_DELETE || (o->op == SIM_KV_GET && !o->found)) {
        *absent = true;
        return "";
    }
    *absent = false;
    const char *v = o->op == SIM_KV_SET ? o->value : o->result;
    return v != NULL ? v : "";
}

/* Whether some read in r could have read what a write with window w left
 * behind, given that a completed write ends by hidden_us in any order that
 * places it after w (UINT64_MAX: none is forced after w). */
static bool reads_could_see(const struct lin_reads *r,
                            struct lin_window w,
                            uint64_t hidden_us)
{
    if (r == NULL || r->windows->len == 0)
        return false;
    /* The reads invoked by hidden_us: later ones are cut off from w. */
    guint lo = 0, hi = r->windows->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(r->windows, struct lin_window, mid).from_us <=
            hidden_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && g_array_index(r->reach_us, uint64_t, lo - 1) >= w.from_us;
}

/* Marks, for every read of cur outside [from, to), the last write of its
 * value invoked before the read returned, or else the first write of it. */
static bool *telling_sources(const GPtrArray *cur, guint from, guint to)
{
    bool *told = g_new0(bool, cur->len > 0 ? cur->len : 1);
    /* value -> GArray of indices into cur of its writes, by invocation */
    GHashTable *by_value = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify)g_array_unref);
    GArray *deletes = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        if (!sim_lin_is_write(o))
            continue;
        bool absent;
        const char *key = value_key(o, &absent);
        GArray *list = absent ? deletes : g_hash_table_lookup(by_value, key);
        if (list == NULL) {
            list = g_array_new(FALSE, FALSE, sizeof(guint));
            g_hash_table_insert(by_value, (gpointer)key, list);
        }
        g_array_append_val(list, i);
    }
    /* cur is sorted by (invoke, id), so each list already is. */
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *r = g_ptr_array_index(cur, i);
        if (sim_lin_is_write(r) || (i >= from && i < to))
            continue;
        bool absent;
        const char *key = value_key(r, &absent);
        GArray *list = absent ? deletes : g_hash_table_lookup(by_value, key);
        if (list == NULL || list->len == 0)
            continue;
        guint lo = 0, hi = list->len;
        uint64_t until = sim_lin_return_us(r);
        while (lo < hi) {
            guint mid = lo + (hi - lo) / 2;
            const struct sim_op *w =
                g_ptr_array_index(cur, g_array_index(list, guint, mid));
            if (w->invoke_us <= until)
                lo = mid + 1;
            else
                hi = mid;
        }
        told[g_array_index(list, guint, lo > 0 ? lo - 1 : 0)] = true;
    }
    g_array_unref(deletes);
    g_hash_table_destroy(by_value);
    return told;
}

/* The reads kept outside the removed range, by the value they saw, and
 * every completed write, for without_range(). */
struct range_index
{
    GHashTable *reads;              /* value key -> struct lin_reads */
    struct lin_reads *absent_reads; /* reads that found nothing */
    GArray *writes;                 /* struct lin_window, sorted */
    uint64_t *min_return_us; /* [i]: the earliest return among writes[i..] */
};

/* Indexes cur's reads outside [from, to) and its completed writes. */
static void index_outside(struct range_index *x,
                          const GPtrArray *cur,
                          guint from,
                          guint to)
{
    x->reads = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, reads_free);
    x->absent_reads = NULL;
    x->writes = g_array_new(FALSE, FALSE, sizeof(struct lin_window));
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        struct lin_window w = {o->invoke_us, sim_lin_return_us(o)};
        if (sim_lin_is_write(o)) {
            if (o->completed)
                g_array_append_val(x->writes, w);
            continue;
        }
        if (i >= from && i < to)
            continue;
        bool absent;
        const char *key = value_key(o, &absent);
        struct lin_reads *r =
            absent ? x->absent_reads : g_hash_table_lookup(x->reads, key);
        if (r == NULL) {
            r = g_new(struct lin_reads, 1);
            r->windows = g_array_new(FALSE, FALSE, sizeof(struct lin_window));
            r->reach_us = g_array_new(FALSE, FALSE, sizeof(uint64_t));
            if (absent)
                x->absent_reads = r;
            else
                g_hash_table_insert(x->reads, (gpointer)key, r);
        }
        g_array_append_val(r->windows, w);
    }
}

/* Sorts each value's read windows with their running reach, and the writes
 * with min_return_us. */
static void index_sort(struct range_index *x)
{
    GHashTableIter it;
    gpointer v;
    g_hash_table_iter_init(&it, x->reads);
    for (bool more = true; more;) {
        struct lin_reads *r;
        if (g_hash_table_iter_next(&it, NULL, &v)) {
            r = v;
        } else {
            r = x->absent_reads;
            more = false;
        }
        if (r == NULL)
            continue;
        g_array_sort(r->windows, compare_windows);
        uint64_t reach = 0;
        for (guint i = 0; i < r->windows->len; i++) {
            uint64_t t = g_array_index(r->windows, struct lin_window, i).to_us;
            reach = t > reach ? t : reach;
            g_array_append_val(r->reach_us, reach);
        }
    }
    GArray *writes = x->writes;
    g_array_sort(writes, compare_windows);
    x->min_return_us = g_new(uint64_t, writes->len + 1);
    x->min_return_us[writes->len] = UINT64_MAX;
    for (guint i = writes->len; i-- > 0;) {
        uint64_t t = g_array_index(writes, struct lin_window, i).to_us;
        x->min_return_us[i] =
            t < x->min_return_us[i + 1] ? t : x->min_return_us[i + 1];
    }
}

/* The last instant a read could still see a write that returned at
 * return_us: just before the earliest return of a write invoked after it
 * (a read invoked exactly then is concurrent, not after); UINT64_MAX when
 * no such write exists. */
static uint64_t hidden_after(const struct range_index *x, uint64_t return_us)
{
    guint lo = 0, hi = x->writes->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(x->writes, struct lin_window, mid).from_us <=
            return_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t hidden_us = x->min_return_us[lo];
    return hidden_us != UINT64_MAX ? hidden_us - 1 : hidden_us;
}

static void index_free(struct range_index *x)
{
    g_free(x->min_return_us);
    g_array_free(x->writes, TRUE);
    g_hash_table_destroy(x->reads);
    if (x->absent_reads != NULL)
        reads_free(x->absent_reads);
}

/* Builds cur minus the operations in [from, to) that may go: every read,
 * and every write that no remaining read could have read from. A read r
 * could read from write w only if r returned after w was invoked and no
 * completed write w2 of cur is forced between them (w returned before w2
 * was invoked, and w2 returned before r was invoked). Dropping only such
 * writes keeps a linearizable set linearizable, so a candidate that still
 * cannot be linearized shows that cur cannot be either.
 *
 * That alone would also drop the write a stale read shows (hidden by the
 * newer write, which is the anomaly) and leave a read of a value "nobody
 * wrote". So each remaining read also keeps its telling source: the last
 * write of its value invoked before it returned, else the first one. */
static GPtrArray *without_range(const GPtrArray *cur, guint from, guint to)
{
    struct range_index x;
    index_outside(&x, cur, from, to);
    index_sort(&x);
    bool *told = telling_sources(cur, from, to);
    GPtrArray *out = g_ptr_array_sized_new(cur->len);
    for (guint i = 0; i < cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(cur, i);
        bool keep = i < from || i >= to || told[i];
        if (!keep && sim_lin_is_write(o)) {
            struct lin_window w = {o->invoke_us, sim_lin_return_us(o)};
            uint64_t hidden_us =
                o->completed ? hidden_after(&x, w.to_us) : UINT64_MAX;
            bool absent;
            const char *key = value_key(o, &absent);
            keep = reads_could_see(
                absent ? x.absent_reads : g_hash_table_lookup(x.reads, key), w,
                hidden_us);
        }
        if (keep)
            g_ptr_array_add(out, (gpointer)o);
    }
    g_free(told);
    index_free(&x);
    return out;
}

/* Adopts cand if it still cannot be linearized; takes ownership of cand. */
static bool try_candidate(struct sim_lin_shrinker *sh, GPtrArray *cand)
{
    if (cand->len == sh->cur->len || sh->budget == 0) {
        g_ptr_array_free(cand, TRUE);
        return false;
    }
    uint64_t states = 0;
    uint32_t n_prefix = 0;
    uint64_t bound = sh->max_states < sh->budget ? sh->max_states : sh->budget;
    enum sim_lin_result r =
        sim_lin_check_ops((const struct sim_op *const *)cand->pdata, cand->len,
                          sh->search, bound, &states, &n_prefix);
    sh->budget -= states < sh->budget ? states : sh->budget;
    if (r != SIM_LIN_RESULT_FAIL) {
        g_ptr_array_free(cand, TRUE);
        return false;
    }
    g_ptr_array_free(sh->cur, TRUE);
    sh->cur = cand;
    sh->n_prefix = n_prefix;
    return true;
}

/* Delta-debugging style: drop ever smaller chunks, latest first, while the
 * rest still cannot be linearized; ends 1-minimal unless the budget ran
 * out. Returns false if it stopped for the budget. */
bool sim_lin_shrink(struct sim_lin_shrinker *sh)
{
    guint chunk = sh->cur->len / 2 > 0 ? sh->cur->len / 2 : 1;
    for (;;) {
        if (sh->n_prefix < sh->cur->len)
            try_candidate(sh,
                          without_range(sh->cur, sh->n_prefix, sh->cur->len));
        bool progress = false;
        guint end = sh->cur->len;
        while (end > 0 && sh->budget > 0) {
            guint from = end > chunk ? end - chunk : 0;
            if (try_candidate(sh, without_range(sh->cur, from, end))) {
                progress = true;
                break;
            }
            end = from;
        }
        if (sh->budget == 0)
            return false;
        if (progress) {
            if (chunk > sh->cur->len / 2 && chunk > 1)
                chunk = sh->cur->len / 2 > 0 ? sh->cur->len / 2 : 1;
            continue;
        }
        if (chunk == 1)
            return true;
        chunk /= 2;
    }
}
