/* raft_log.c: the contiguous log array.
 *
 * Invariant (see raft_log.h): slot start + k holds index snapshot_index + 1 +
 * k for k < n; terms are non-decreasing; entry data belongs to the log. No
 * operation here scans the whole log: lookups are O(1), term searches are
 * binary, and only truncation and compaction touch (and free) the entries they
 * drop.
 */
#include "raft_log.h"

#include <stdlib.h>
#include <string.h>

void raft_log_init(struct raft_log *l)
{
    memset(l, 0, sizeof *l);
}

static void free_slots(struct raft_log *l, size_t from, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct raft_entry *e = &l->buf[from + i];
        free((void *)e->data);
        e->data = NULL;
        e->len = 0;
    }
}

void raft_log_free(struct raft_log *l)
{
    if (l->buf != NULL) {
        free_slots(l, l->start, l->n);
    }
    free(l->buf);
    raft_log_init(l);
}

uint64_t raft_log_last_index(const struct raft_log *l)
{
    return l->snapshot_index + l->n;
}

uint64_t raft_log_last_term(const struct raft_log *l)
{
    return l->n > 0 ? l->buf[l->start + l->n - 1].term : l->snapshot_term;
}

const struct raft_entry *raft_log_get(const struct raft_log *l, uint64_t index)
{
    if (index <= l->snapshot_index || index > raft_log_last_index(l)) {
        return NULL;
    }
    return &l->buf[l->start + (size_t)(index - l->snapshot_index - 1)];
}

uint64_t raft_log_term_at(const struct raft_log *l, uint64_t index)
{
    if (index == l->snapshot_index) {
        return l->snapshot_term;
    }
    const struct raft_entry *e = raft_log_get(l, index);
    return e != NULL ? e->term : 0;
}

int raft_log_reserve(struct raft_log *l, size_t extra)
{
    if (extra > SIZE_MAX / (4 * sizeof(struct raft_entry)) - l->n) {
        return RAFT_ENOMEM;
    }
    size_t need = l->n + extra;
    if (l->start + need <= l->cap) {
        return RAFT_OK;
    }
    if (need <= l->cap / 2) {
        /* At least half the array was dropped from the front: slide down. */
        memmove(l->buf, l->buf + l->start, l->n * sizeof *l->buf);
        l->start = 0;
        return RAFT_OK;
    }
    size_t cap = need * 2 < 16 ? 16 : need * 2;
    struct raft_entry *buf = malloc(cap * sizeof *buf);
    if (buf == NULL) {
        return RAFT_ENOMEM;
    }
    if (l->n > 0) {
        memcpy(buf, l->buf + l->start, l->n * sizeof *buf);
    }
    free(l->buf);
    l->buf = buf;
    l->cap = cap;
    l->start = 0;
    return RAFT_OK;
}

void raft_log_append(struct raft_log *l,
                     uint64_t term,
                     enum raft_entry_type type,
                     void *data,
                     size_t len)
{
    struct raft_entry *e = &l->buf[l->start + l->n];
    e->term = term;
    e->type = type;
    e->data = data;
    e->len = len;
    l->n++;
}

void raft_log_truncate(struct raft_log *l, uint64_t index)
{
    if (index > raft_log_last_index(l)) {
        return;
    }
    size_t keep = (size_t)(index - l->snapshot_index - 1);
    free_slots(l, l->start + keep, l->n - keep);
    l->n = keep;
}

void raft_log_compact(struct raft_log *l, uint64_t index, uint64_t term)
{
    if (index >= raft_log_last_index(l)) {
        free_slots(l, l->start, l->n);
        l->start = 0;
        l->n = 0;
    } else {
        size_t drop = (size_t)(index - l->snapshot_index);
        free_slots(l, l->start, drop);
        l->start += drop;
        l->n -= drop;
    }
    l->snapshot_index = index;
    l->snapshot_term = term;
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
