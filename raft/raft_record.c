/* raft_record.c: shared, reference-counted log entries (raft.h).
 *
 * Invariant: a record's term, type, len and bytes never change once
 * raft_record_new() returned it (the core fills a no-op's term and type
 * before anyone else sees it); refs counts the references held, and the
 * record is freed when it drops to 0.
 */
#include <stdlib.h>
#include <string.h>

#include "raft.h"
#include "raft_assert.h"

struct raft_record *raft_record_new(uint64_t term,
                                    enum raft_entry_type type,
                                    const void *data,
                                    size_t len)
{
    if (len > SIZE_MAX - sizeof(struct raft_record)) {
        return NULL;
    }
    struct raft_record *rec = malloc(sizeof *rec + len);
    if (rec == NULL) {
        return NULL;
    }
    rec->term = term;
    rec->type = (uint32_t)type;
    rec->refs = 1;
    rec->len = len;
    if (len > 0) {
        memcpy(rec->data, data, len);
    }
    return rec;
}

void raft_record_hold(const struct raft_record *rec)
{
    /* The count is the one mutable field of a record: records handed
     * around are const to say their entry never changes. */
    struct raft_record *r = (struct raft_record *)rec;
    assert(r->refs > 0 && r->refs < UINT32_MAX);
    r->refs++;
}

void raft_record_release(const struct raft_record *rec)
{
    if (rec == NULL) {
        return;
    }
    struct raft_record *r = (struct raft_record *)rec;
    assert(r->refs > 0);
    if (--r->refs == 0) {
        free(r);
    }
}
