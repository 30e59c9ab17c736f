/* raft_log.h: the in-memory log, fixed-size pages of record pointers with a
 * moving start, and the views of it a call hands to the host.
 *
 * Invariant: slots start .. start + n - 1 hold the records of log indexes
 * snapshot_index + 1 .. snapshot_index + n, in order; slot s lives in
 * pages[s / RAFT_LOG_PAGE] at s % RAFT_LOG_PAGE, and start < RAFT_LOG_PAGE
 * (a page the start leaves is freed at once). Each slot owns one reference
 * to its record (struct raft_record, raft.h). Terms never decrease along the
 * log and none is below snapshot_term; last_term is the term of index
 * snapshot_index + n. Appending never moves a slot, and at
 * most the first and the last page are partly empty.
 *
 * Views: hosts read entries as arrays of struct raft_entry. The log renders
 * them into a buffer it owns (raft_log_views_*), valid until the next call
 * that reserves room or renders again. Room for the entries a call appends is
 * promised ahead by raft_log_reserve(), so rendering what a call wrote never
 * needs an allocation that could fail after the core changed.
 *
 * Kept views: the views of the entries the calls wrote stay in the buffer,
 * and a later call that hands the same entries out as committed returns them
 * instead of rendering them again (a node applies what it wrote a
 * few calls earlier). They stay exact while the log holds the same record at
 * each of their indexes: only truncation and compaction change that, and
 * both drop them.
 */
#ifndef RAFT_LOG_H
#define RAFT_LOG_H

#include "raft.h"
#include "raft_assert.h"

/* Record pointers per page (4 KiB on 64-bit hosts). */
#define RAFT_LOG_PAGE 512

/* Ranges one call's views share at most (a message inside an earlier range
 * reuses its views instead of rendering them again). */
#define RAFT_LOG_RUNS 8

/* Views kept allocated between calls; a larger buffer is shrunk back. */
#define RAFT_LOG_VIEWS_KEEP 1024

struct raft_log_page
{
    struct raft_record *slot[RAFT_LOG_PAGE];
};

/* Views of indexes first .. first + n - 1 at views[at ..]. */
struct raft_log_run
{
    uint64_t first;
    size_t n;
    size_t at;
};

struct raft_log
{
    struct raft_log_page **pages; /* owned table of n_pages pages */
    size_t n_pages;
    size_t pages_cap;            /* entries in the pages table */
    struct raft_log_page *spare; /* a free page kept for reuse, or NULL */
    size_t start;                /* slot of index snapshot_index + 1 */
    size_t n;                    /* live entries */
    uint64_t snapshot_index;     /* last index the snapshot covers; 0: none */
    uint64_t snapshot_term;      /* term of snapshot_index; 0: none */
    /* The term of the last index: the last entry's, or snapshot_term when
     * none follows it. Kept by every writer of the entries and the
     * snapshot point (append, truncate, compact): the core asks for it at
     * every heartbeat and its acknowledgement (the previous entry of a
     * follower in step is the last one). */
    uint64_t last_term;
    /* Moves (from 1, never 0) at every change of the entries or of the
     * snapshot point (append, truncate, compact) and wherever the core
     * says what it derives from the log moved (raft_log_moved()); equal
     * numbers mean neither changed. raft_log_version() reports it. */
    uint64_t version;
    /* An empty record for the next no-op, made ahead by raft_log_reserve()
     * so that a new leader appends it without allocating; owned. */
    struct raft_record *empty;

    struct raft_entry *views; /* owned buffer of views_cap views */
    size_t views_cap;
    size_t views_used;
    size_t promised; /* views reserved for appends since the last render */
    struct raft_log_run runs[RAFT_LOG_RUNS]; /* rendered in this call */
    size_t n_runs;
    /* Views of entries written by earlier calls and not yet applied (n = 0:
     * none), at views[kept.at ..]: each call places its own views after
     * them, so they are never overwritten while kept. */
    struct raft_log_run kept;
};

/* An empty log without a snapshot. */
void raft_log_init(struct raft_log *l);

/* Releases every entry's record and frees the pages and views; the log is
 * empty afterwards. */
void raft_log_free(struct raft_log *l);

/* The slot of position s (start-relative positions are the caller's). The
 * accessors below are inline: every call of the core asks them. */
static inline struct raft_record **raft_log_slot(const struct raft_log *l,
                                                 size_t s)
{
    return &l->pages[s / RAFT_LOG_PAGE]->slot[s % RAFT_LOG_PAGE];
}

/* The index of the last entry, or snapshot_index when none follows it. */
static inline uint64_t raft_log_last_index(const struct raft_log *l)
{
    return l->snapshot_index + l->n;
}

/* The term of the last entry, or snapshot_term when none follows it. */
static inline uint64_t raft_log_last_term(const struct raft_log *l)
{
    return l->last_term;
}

/* The record at index, borrowed until the log changes; NULL when index is
 * not held (compacted or past the end). */
static inline const struct raft_record *raft_log_get(const struct raft_log *l,
                                                     uint64_t index)
{
    if (index <= l->snapshot_index || index > raft_log_last_index(l)) {
        return NULL;
    }
    return *raft_log_slot(l, l->start + (size_t)(index - l->snapshot_index - 1));
}

/* The term at index: snapshot_term at snapshot_index, 0 at index 0, below the
 * snapshot or past the end. */
static inline uint64_t raft_log_term_at(const struct raft_log *l,
                                        uint64_t index)
{
    if (index == raft_log_last_index(l)) {
        return l->last_term; /* snapshot_term when no entry follows it */
    }
    if (index == l->snapshot_index) {
        return l->snapshot_term;
    }
    const struct raft_record *rec = raft_log_get(l, index);
    return rec != NULL ? rec->term : 0;
}

/* Makes room to append `extra` entries without allocating, an empty record
 * for a no-op among them, and views to hand them to the host. On failure
 * returns RAFT_ENOMEM and the log's contents are unchanged. */
int raft_log_reserve_slow(struct raft_log *l, size_t extra);
static inline int raft_log_reserve(struct raft_log *l, size_t extra)
{
    /* Every call reserves: the common case allocates nothing. */
    if (extra <= l->n_pages * RAFT_LOG_PAGE - l->start - l->n &&
        l->empty != NULL && extra <= l->views_cap - l->promised) {
        l->promised += extra;
        return RAFT_OK;
    }
    return raft_log_reserve_slow(l, extra);
}

/* raft_log_reserve() without the views: for entries loaded at start-up,
 * which no update hands out. */
int raft_log_reserve_slots(struct raft_log *l, size_t extra);

/* Appends rec at last index + 1; the reference is transferred to the log.
 * Room must have been reserved. Inline: every entry of every node passes
 * here. */
static inline void raft_log_append(struct raft_log *l, struct raft_record *rec)
{
    assert(rec != NULL && rec->refs > 0);
    assert(l->start + l->n < l->n_pages * RAFT_LOG_PAGE);
    *raft_log_slot(l, l->start + l->n) = rec;
    l->n++;
    l->last_term = rec->term;
    l->version++;
}

/* Something the core derives from the log and checks with it (the index
 * up to which it counts the log written) moved without the log changing:
 * the version moves as if it had, so that the core checks the log's order
 * again (check_log_order(), raft.c). */
static inline void raft_log_moved(struct raft_log *l)
{
    l->version++;
}

/* Appends an entry of (term, type) without bytes, from the empty record
 * raft_log_reserve() made. */
void raft_log_append_empty(struct raft_log *l,
                           uint64_t term,
                           enum raft_entry_type type);

/* Drops the entries from index on; index must be above snapshot_index. */
void raft_log_truncate(struct raft_log *l, uint64_t index);

/* Makes (index, term) the snapshot point: drops the entries up to index and,
 * if index is at or past the last index, every entry. index must not be below
 * snapshot_index. The caller ensures the suffix it keeps follows term. */
void raft_log_compact(struct raft_log *l, uint64_t index, uint64_t term);

/* The first index above the snapshot holding the same term as index, which
 * must be held. Binary search: terms never decrease along the log. */
uint64_t raft_log_first_of_term(const struct raft_log *l, uint64_t index);

/* The largest held index at most hi whose term is at most term; 0 when none.
 * Binary search. */
uint64_t raft_log_last_at_most(const struct raft_log *l,
                               uint64_t term,
                               uint64_t hi);

/* The view of rec (data points into it). */
void raft_log_view_of(const struct raft_record *rec, struct raft_entry *out);

/* Starts rendering one call's views: the earlier ones die, but for the kept
 * ones, after which the call's are placed. Every range the call will render
 * is first announced with raft_log_views_plan(), then raft_log_views_fit()
 * and raft_log_views_commit() make room for all of them at once (views never
 * move while a call renders); or, when the buffer already has room for a
 * bound of them, raft_log_views_room() starts rendering without a plan. */
static inline void raft_log_views_begin(struct raft_log *l)
{
    l->views_used = l->kept.at + l->kept.n;
    l->n_runs = 0;
}
/* Drops the kept views: the log may no longer hold what they show, or their
 * room is wanted. */
static inline void raft_log_views_forget(struct raft_log *l)
{
    l->kept.at = 0;
    l->kept.n = 0;
}
/* Where the kept views of first .. first + n - 1 (n > 0) are in views, or
 * SIZE_MAX when they are not all kept. A position, not a pointer: the
 * buffer may still move until raft_log_views_commit(). */
static inline size_t raft_log_views_kept(const struct raft_log *l,
                                         uint64_t first,
                                         size_t n)
{
    const struct raft_log_run *k = &l->kept;
    if (first >= k->first && first - k->first < k->n &&
        n <= k->n - (size_t)(first - k->first)) {
        return k->at + (size_t)(first - k->first);
    }
    return SIZE_MAX;
}
void raft_log_views_plan(struct raft_log *l, uint64_t first, size_t n);
/* Instead of planning: when the buffer holds `bound` views after the kept
 * ones and is not a catch-up's big buffer, the call's ranges (at most
 * `bound` views however they overlap) fit where planned ones would go, and
 * raft_log_views_commit() would change nothing but the promise; this
 * starts rendering as it would and returns true. False: nothing changed,
 * plan as usual. */
static inline bool raft_log_views_room(struct raft_log *l, size_t bound)
{
    size_t used = l->kept.at + l->kept.n;
    if (l->views_cap > RAFT_LOG_VIEWS_KEEP || bound > l->views_cap - used) {
        return false;
    }
    l->promised = 0;
    raft_log_views_begin(l);
    return true;
}
/* Whether the ranges planned so far fit in the buffer after the kept views
 * (growing it up to RAFT_LOG_VIEWS_KEEP views for them). When false, the
 * caller forgets the kept views and plans again from raft_log_views_begin():
 * without them, the room made is what it always was. True when nothing is
 * kept. */
bool raft_log_views_fit(struct raft_log *l);
void raft_log_views_commit(struct raft_log *l);
/* Right after rendering the entries the call wrote, first .. first + n - 1
 * at `views` (its first render, placed right after the kept views): keeps
 * their views for the next calls, with the kept ones they continue. */
void raft_log_views_keep(struct raft_log *l,
                         uint64_t first,
                         size_t n,
                         const struct raft_entry *views);
/* Drops the kept views of indexes up to done (applied: no call asks for
 * them as committed again). */
void raft_log_views_trim(struct raft_log *l, uint64_t done);
/* Instead of the four above, for a call that renders no view: the
 * promise is void (and a catch-up's big buffer goes, with the kept views). */
static inline void raft_log_views_none(struct raft_log *l)
{
    if (l->views_cap > RAFT_LOG_VIEWS_KEEP) {
        raft_log_views_forget(l);
        raft_log_views_begin(l);
        raft_log_views_commit(l);
        return;
    }
    l->promised = 0;
    l->views_used = 0;
    l->n_runs = 0;
}

/* The views of the n entries from index first, in order: those of an
 * earlier range of this call that covers them, or new ones. NULL when the
 * log does not hold them all, or they do not fit (only when
 * raft_log_views_commit() could not allocate; the entries the call appended
 * always fit when rendered first). */
const struct raft_entry *raft_log_views_render(struct raft_log *l,
                                               uint64_t first,
                                               size_t n);

#endif /* RAFT_LOG_H */
