/* raft_log_view.c: the struct raft_entry views one call hands to the host.
 *
 * Invariant: views[kept.at + kept.n .. views_used) hold the views rendered
 * since raft_log_views_begin(), and runs[0 .. n_runs) say which indexes they
 * show; views[kept.at ..] show kept.first .. kept.first + kept.n - 1 (each
 * the record the log holds there);
 * a range is placed the same way whether planned or rendered, so the room
 * raft_log_views_commit() makes is exactly what the renders use.
 */
#include "raft_log.h"

#include <stdlib.h>

void raft_log_view_of(const struct raft_record *rec, struct raft_entry *out)
{
    out->term = rec->term;
    out->type = (enum raft_entry_type)rec->type;
    out->data = rec->len > 0 ? rec->data : NULL;
    out->len = rec->len;
    out->record = rec;
}

/* The run of this call that shows first .. first + n - 1, or NULL. */
static const struct raft_log_run *covering(const struct raft_log *l,
                                           uint64_t first,
                                           size_t n)
{
    for (size_t i = 0; i < l->n_runs; i++) {
        const struct raft_log_run *run = &l->runs[i];
        if (first >= run->first && first - run->first <= run->n &&
            n <= run->n - (size_t)(first - run->first)) {
            return run;
        }
    }
    return NULL;
}

/* Places a new range at views_used, remembering it while runs are left. */
static size_t place(struct raft_log *l, uint64_t first, size_t n)
{
    size_t at = l->views_used;
    l->views_used += n;
    if (l->n_runs < RAFT_LOG_RUNS) {
        l->runs[l->n_runs++] = (struct raft_log_run){first, n, at};
    }
    return at;
}

/* Whether the log holds every index of first .. first + n - 1. */
static bool held(const struct raft_log *l, uint64_t first, size_t n)
{
    return first > l->snapshot_index && n <= l->n &&
           first - l->snapshot_index - 1 <= l->n - n;
}

void raft_log_views_plan(struct raft_log *l, uint64_t first, size_t n)
{
    if (held(l, first, n) && covering(l, first, n) == NULL) {
        place(l, first, n);
    }
}

bool raft_log_views_fit(struct raft_log *l)
{
    if (l->views_used <= l->views_cap || l->kept.n == 0) {
        return true;
    }
    if (l->views_used > RAFT_LOG_VIEWS_KEEP) {
        return false;
    }
    struct raft_entry *v = realloc(l->views, RAFT_LOG_VIEWS_KEEP * sizeof *v);
    if (v == NULL) {
        return false;
    }
    l->views = v;
    l->views_cap = RAFT_LOG_VIEWS_KEEP;
    return true;
}

void raft_log_views_commit(struct raft_log *l)
{
    size_t need = l->views_used;
    size_t cap = l->views_cap;
    if (need > cap) {
        cap = need;
    } else if (cap > RAFT_LOG_VIEWS_KEEP && need <= RAFT_LOG_VIEWS_KEEP) {
        cap = RAFT_LOG_VIEWS_KEEP; /* a catch-up's big buffer goes */
    }
    if (cap != l->views_cap) {
        struct raft_entry *v = realloc(l->views, cap * sizeof *v);
        if (v != NULL) {
            l->views = v;
            l->views_cap = cap;
        }
    }
    /* raft_log_reserve() promised room for what this call appended, and
     * the buffer only shrinks to what the call needs: the entries it wrote
     * fit even when growing failed. The next call promises afresh. */
    l->promised = 0;
    raft_log_views_begin(l);
}

const struct raft_entry *raft_log_views_render(struct raft_log *l,
                                               uint64_t first,
                                               size_t n)
{
    const struct raft_log_run *run = covering(l, first, n);
    if (run != NULL) {
        return &l->views[run->at + (size_t)(first - run->first)];
    }
    if (!held(l, first, n) || n > l->views_cap - l->views_used) {
        return NULL;
    }
    size_t at = place(l, first, n);
    struct raft_entry *out = &l->views[at];
    /* Page by page: held() checked every index. */
    size_t s = l->start + (size_t)(first - l->snapshot_index - 1);
    for (size_t i = 0; i < n;) {
        struct raft_record *const *slots = l->pages[s / RAFT_LOG_PAGE]->slot;
        size_t k = s % RAFT_LOG_PAGE;
        size_t len = RAFT_LOG_PAGE - k < n - i ? RAFT_LOG_PAGE - k : n - i;
        for (size_t j = 0; j < len; j++) {
            raft_log_view_of(slots[k + j], &out[i + j]);
        }
        i += len;
        s += len;
    }
    return out;
}

void raft_log_views_keep(struct raft_log *l,
                         uint64_t first,
                         size_t n,
                         const struct raft_entry *views)
{
    struct raft_log_run *k = &l->kept;
    size_t at = k->at + k->n;
    assert(views == &l->views[at]);
    (void)views;
    if (k->n > 0 && k->first + k->n == first) {
        k->n += n;
    } else {
        *k = (struct raft_log_run){first, n, at};
    }
}

void raft_log_views_trim(struct raft_log *l, uint64_t done)
{
    struct raft_log_run *k = &l->kept;
    if (k->n == 0 || done < k->first) {
        return;
    }
    if (done - k->first >= k->n) {
        raft_log_views_forget(l);
        return;
    }
    size_t d = (size_t)(done - k->first) + 1;
    k->first += d;
    k->at += d;
    k->n -= d;
}
