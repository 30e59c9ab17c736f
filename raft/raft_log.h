/* raft_log.h: the in-memory log, one contiguous array with a moving start.
 *
 * Invariant: buf[start .. start + n) hold the entries of log indexes
 * snapshot_index + 1 .. snapshot_index + n, in order, so an index maps to a
 * slot in O(1) and any run of entries is a contiguous slice. Terms never
 * decrease along the log and none is below snapshot_term. Each entry's data is
 * owned by the log (NULL when len is 0). Dropping a prefix only advances start;
 * the live entries move down to slot 0 when the array would otherwise grow,
 * which happens after at least half the array was dropped (amortised O(1)).
 */
#ifndef RAFT_LOG_H
#define RAFT_LOG_H

#include "raft.h"
#include "raft_assert.h"

struct raft_log
{
    struct raft_entry *buf;  /* owned array of cap slots */
    size_t cap;              /* slots in buf */
    size_t start;            /* slot of index snapshot_index + 1 */
    size_t n;                /* live entries */
    uint64_t snapshot_index; /* last index the snapshot covers; 0: none */
    uint64_t snapshot_term;  /* term of snapshot_index; 0: none */
};

/* An empty log without a snapshot. */
void raft_log_init(struct raft_log *l);

/* Frees every entry's data and the array; the log is empty afterwards. */
void raft_log_free(struct raft_log *l);

/* The index of the last entry, or snapshot_index when none follows it. */
uint64_t raft_log_last_index(const struct raft_log *l);

/* The term of the last entry, or snapshot_term when none follows it. */
uint64_t raft_log_last_term(const struct raft_log *l);

/* The term at index: snapshot_term at snapshot_index, 0 at index 0, below the
 * snapshot or past the end. */
uint64_t raft_log_term_at(const struct raft_log *l, uint64_t index);

/* The entry at index, borrowed until the log changes; NULL when index is not
 * held (compacted or past the end). */
const struct raft_entry *raft_log_get(const struct raft_log *l, uint64_t index);

/* Makes room to append `extra` entries without allocating. On failure returns
 * RAFT_ENOMEM and the log is unchanged; on success its contents are. */
int raft_log_reserve(struct raft_log *l, size_t extra);

/* Appends one entry at last index + 1. Room must have been reserved. data is
 * transferred to the log (NULL when len is 0). */
void raft_log_append(struct raft_log *l,
                     uint64_t term,
                     enum raft_entry_type type,
                     void *data,
                     size_t len);

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

#endif /* RAFT_LOG_H */
