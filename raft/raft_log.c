/* raft_log.c: the paged log of record pointers.
 *
 * Invariant (see raft_log.h): slot start + k holds the record of index
 * snapshot_index + 1 + k for k < n, owning one reference; terms are
 * non-decreasing; start < RAFT_LOG_PAGE. No operation here scans the whole
 * log: lookups are O(1), term searches are binary, and only truncation and
 * compaction touch (and release) the entries they drop. Pages are never
 * copied; only the table of page pointers grows by doubling.
 */
#include "raft_log.h"

#include <stdlib.h>
#include <string.h>

void raft_log_init(struct raft_log *l)
{
    memset(l, 0, sizeof *l);
    l->version = 1;
}

static void release_slots(struct raft_log *l, size_t from, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct raft_record **p = raft_log_slot(l, from + i);
        raft_record_release(*p);
        *p = NULL;
    }
}

/* A page no longer needed: kept as the spare, or freed. */
static void drop_page(struct raft_log *l, struct raft_log_page *page)
{
    if (l->spare == NULL) {
        l->spare = page;
    } else {
        free(page);
    }
}

void raft_log_free(struct raft_log *l)
{
    release_slots(l, l->start, l->n);
    for (size_t i = 0; i < l->n_pages; i++) {
        free(l->pages[i]);
    }
    free(l->pages);
    free(l->spare);
    free(l->views);
    raft_record_release(l->empty);
    raft_log_init(l);
}

/* Adds pages until `need` slots from slot 0 exist. */
static int add_pages(struct raft_log *l, size_t need)
{
    size_t want = (need + RAFT_LOG_PAGE - 1) / RAFT_LOG_PAGE;
    if (want > l->pages_cap) {
        size_t cap = want * 2 < 8 ? 8 : want * 2;
        struct raft_log_page **t = realloc(l->pages, cap * sizeof *t);
        if (t == NULL) {
            return RAFT_ENOMEM;
        }
        l->pages = t;
        l->pages_cap = cap;
    }
    while (l->n_pages < want) {
        struct raft_log_page *page = l->spare;
        l->spare = NULL;
        if (page == NULL && (page = malloc(sizeof *page)) == NULL) {
            return RAFT_ENOMEM; /* the pages added so far stay, unused */
        }
        l->pages[l->n_pages++] = page;
    }
    return RAFT_OK;
}

int raft_log_reserve_slots(struct raft_log *l, size_t extra)
{
    if (extra > SIZE_MAX / (4 * sizeof(struct raft_entry)) - l->n) {
        return RAFT_ENOMEM;
    }
    return add_pages(l, l->start + l->n + extra);
}

int raft_log_reserve_slow(struct raft_log *l, size_t extra)
{
    if (raft_log_reserve_slots(l, extra) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    if (l->empty == NULL) {
        l->empty = raft_record_new(0, RAFT_ENTRY_NOOP, NULL, 0);
        if (l->empty == NULL) {
            return RAFT_ENOMEM;
        }
    }
    size_t promised = l->promised + extra;
    if (promised > l->views_cap) {
        size_t cap = promised < 64 ? 64 : promised;
        struct raft_entry *v = realloc(l->views, cap * sizeof *v);
        if (v == NULL) {
            return RAFT_ENOMEM;
        }
        l->views = v;
        l->views_cap = cap;
    }
    l->promised = promised;
    return RAFT_OK;
}

void raft_log_append_empty(struct raft_log *l,
                           uint64_t term,
                           enum raft_entry_type type)
{
    struct raft_record *rec = l->empty;
    assert(rec != NULL && rec->refs == 1);
    l->empty = NULL;
    /* Not shared yet: this is still its creation. */
    rec->term = term;
    rec->type = (uint32_t)type;
    raft_log_append(l, rec);
}

/* Frees the pages past those holding the live slots and the appends this
 * call was promised (raft_log_reserve()). */
static void trim_tail(struct raft_log *l)
{
    size_t keep =
        (l->start + l->n + l->promised + RAFT_LOG_PAGE - 1) / RAFT_LOG_PAGE;
    while (l->n_pages > keep) {
        drop_page(l, l->pages[--l->n_pages]);
    }
}

/* Frees the pages before the one holding slot start, renumbering slots. */
static void trim_head(struct raft_log *l)
{
    size_t gone = l->start / RAFT_LOG_PAGE;
    if (gone == 0) {
        return;
    }
    for (size_t i = 0; i < gone; i++) {
        drop_page(l, l->pages[i]);
    }
    memmove(l->pages, l->pages + gone, (l->n_pages - gone) * sizeof *l->pages);
    l->n_pages -= gone;
    l->start -= gone * RAFT_LOG_PAGE;
}

void raft_log_truncate(struct raft_log *l, uint64_t index)
{
    if (index > raft_log_last_index(l)) {
        return;
    }
    size_t keep = (size_t)(index - l->snapshot_index - 1);
    raft_log_views_forget(l); /* index may get another record */
    release_slots(l, l->start + keep, l->n - keep);
    l->n = keep;
    l->last_term = keep > 0 ? (*raft_log_slot(l, l->start + keep - 1))->term
                            : l->snapshot_term;
    l->version++;
    trim_tail(l);
}

void raft_log_compact(struct raft_log *l, uint64_t index, uint64_t term)
{
    raft_log_views_forget(l); /* the records they show may be released */
    if (index >= raft_log_last_index(l)) {
        release_slots(l, l->start, l->n);
        l->n = 0;
        trim_tail(l);
        l->start = 0;
    } else {
        size_t drop = (size_t)(index - l->snapshot_index);
        release_slots(l, l->start, drop);
        l->start += drop;
        l->n -= drop;
        trim_head(l);
    }
    l->snapshot_index = index;
    l->snapshot_term = term;
    if (l->n == 0) {
        l->last_term = term; /* a kept suffix keeps its last term */
    }
    l->version++;
}

uint64_t raft_log_first_of_term(const struct raft_log *l, uint64_t index)
{
    uint64_t term = raft_log_term_at(l, index);
    /* Lowest j in [lo, index] with term_at(j) >= term. */
    uint64_t lo = l->snapshot_index + 1;
    uint64_t hi = index;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (raft_log_term_at(l, mid) >= term) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

uint64_t raft_log_last_at_most(const struct raft_log *l,
                               uint64_t term,
                               uint64_t hi)
{
    uint64_t last = raft_log_last_index(l);
    if (hi > last) {
        hi = last;
    }
    uint64_t lo = l->snapshot_index + 1;
    if (hi < lo || raft_log_term_at(l, lo) > term) {
        return 0;
    }
    /* Largest j in [lo, hi] with term_at(j) <= term; term_at(lo) qualifies. */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (raft_log_term_at(l, mid) <= term) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    return lo;
}
