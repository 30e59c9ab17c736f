/* raft_propose.c: client proposals on a leader, one command or a batch, and
 * the bound on the log a leader has accepted but not yet committed.
 *
 * Invariants:
 * - a batch is all or nothing: it is refused whole before anything changes,
 *   or every command is appended, in order, at consecutive indices, and the
 *   followers get one send round for the whole batch (Figure 2, "Rules for
 *   leaders": append, then replicate);
 * - on a leader, uncommitted_bytes is the charge of the command entries of
 *   its own term above the commit index. Those entries come from here alone
 *   (a leader never receives entries, and its no-op and configuration
 *   entries are not commands), so adding on append and subtracting on commit
 *   (raft_propose_committed()) stays exact; the count belongs to the term
 *   recorded in uncommitted_term and restarts at 0 in a new term.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

/* What one command costs against max_uncommitted_bytes: its bytes, and at
 * least one, so that the bound also bounds a stream of empty commands. */
static uint64_t charge(size_t len)
{
    return len > 0 ? (uint64_t)len : 1;
}

/* The uncommitted charge of the current term (0 in a term not counted yet). */
static uint64_t uncommitted(const struct raft *r)
{
    return r->uncommitted_term == r->term ? r->uncommitted_bytes : 0;
}

/* Whether the batch fits under max_uncommitted_bytes. A leader with nothing
 * uncommitted accepts any batch, so that a batch larger than the bound is
 * not refused forever. */
static bool batch_fits(const struct raft *r, uint64_t batch)
{
    uint64_t max = r->config.max_uncommitted_bytes;
    uint64_t have = uncommitted(r);
    return max == 0 || have == 0 || (batch <= max && have <= max - batch);
}

/* The batch's charge against max_uncommitted_bytes, saturating. */
static uint64_t batch_charge(const struct raft_command *commands, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = charge(commands[i].len);
        total = k > UINT64_MAX - total ? UINT64_MAX : total + k;
    }
    return total;
}

/* Batches up to this size keep their records on the stack. */
#define BATCH_ON_STACK 8

static void release_records(struct raft_record **recs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        raft_record_release(recs[i]);
    }
}

/* Makes a record of every command (of the leader's term) into recs and
 * reserves the log, ahead of any change. */
static int make_records(struct raft *r,
                        const struct raft_command *commands,
                        size_t n,
                        struct raft_record **recs)
{
    for (size_t i = 0; i < n; i++) {
        recs[i] = raft_record_new_in(r->record_pool, r->term,
                                     RAFT_ENTRY_COMMAND, commands[i].data,
                                     commands[i].len);
        if (recs[i] == NULL) {
            release_records(recs, i);
            return RAFT_ENOMEM;
        }
    }
    if (raft_log_reserve(&r->log, n) != RAFT_OK) {
        release_records(recs, n);
        return RAFT_ENOMEM;
    }
    return RAFT_OK;
}

/* Everything that refuses a batch before it may change anything, in the
 * order raft.h documents. */
static int admit(const struct raft *r,
                 uint64_t now,
                 const struct raft_command *commands,
                 size_t n)
{
    if (n == 0 || commands == NULL || now < r->now) {
        return RAFT_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (commands[i].len > 0 && commands[i].data == NULL) {
            return RAFT_EINVAL;
        }
    }
    if (r->role != RAFT_LEADER) {
        return RAFT_ENOTLEADER;
    }
    if (r->transfer_target != 0) {
        return RAFT_EBUSY; /* thesis §3.10 */
    }
    for (size_t i = 0; i < n; i++) {
        if (r->config.max_command_len > 0 &&
            commands[i].len > r->config.max_command_len) {
            return RAFT_ETOOBIG;
        }
    }
    return batch_fits(r, batch_charge(commands, n)) ? RAFT_OK : RAFT_ENOSPC;
}

int raft_propose_batch(struct raft *r,
                       uint64_t now,
                       const struct raft_command *commands,
                       size_t n,
                       uint64_t *first_index,
                       struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = admit(r, now, commands, n);
    struct raft_record *on_stack[BATCH_ON_STACK];
    struct raft_record **recs = on_stack;
    if (rc == RAFT_OK && n > BATCH_ON_STACK &&
        (recs = malloc(n * sizeof *recs)) == NULL) {
        rc = RAFT_ENOMEM;
    }
    if (rc == RAFT_OK) {
        rc = make_records(r, commands, n, recs);
    }
    if (rc != RAFT_OK) {
        if (recs != on_stack) {
            free(recs);
        }
        return raft_fail(r, rc, u);
    }
    raft_begin(r, now);
    uint64_t first = raft_log_last_index(&r->log) + 1;
    for (size_t i = 0; i < n; i++) {
        raft_log_append(&r->log, recs[i]);
    }
    if (recs != on_stack) {
        free(recs);
    }
    r->uncommitted_bytes = uncommitted(r) + batch_charge(commands, n);
    r->uncommitted_term = r->term;
    raft_replication_mark_dirty(r, first);
    if (first_index != NULL) {
        *first_index = first;
    }
    /* One send round for the whole batch: the followers' AppendEntries
     * carry as many of its entries as the message limits allow. */
    raft_replication_send_all(r);
    /* No commit to try: appending moves nothing the commit rule reads
     * (raft_replication_maybe_commit(), raft_impl.h), and the commit index
     * was where the rule puts it when the call began. */
    return raft_finish(r, u);
}

int raft_propose(struct raft *r,
                 uint64_t now,
                 const void *data,
                 size_t len,
                 uint64_t *index,
                 struct raft_update *u)
{
    struct raft_command c = {.data = data, .len = len};
    return raft_propose_batch(r, now, &c, 1, index, u);
}

void raft_propose_committed(struct raft *r, uint64_t from, uint64_t to)
{
    if (r->uncommitted_term != r->term) {
        return;
    }
    for (uint64_t i = from; i <= to; i++) {
        const struct raft_record *e = raft_log_get(&r->log, i);
        if (e != NULL && e->term == r->term && e->type == RAFT_ENTRY_COMMAND) {
            uint64_t k = charge(e->len);
            assert(k <= r->uncommitted_bytes);
            r->uncommitted_bytes -= k;
        }
    }
}

uint64_t raft_uncommitted_bytes(const struct raft *r)
{
    return r->role == RAFT_LEADER ? uncommitted(r) : 0;
}
