/* sim_disk.c: durable image and FIFO write batches. Invariant: the image is
 * the result of applying, in order, every completed batch to the initial
 * image; first_index == snap_index + 1. */
#include "sim/sim_disk.h"

#include <glib.h>
#include <inttypes.h>
#include <string.h>

#include "sim/sim_assert.h"

#include "sim/sim_net.h"

/* The record a batch keeps of e: e's own, held once more, or a copy. */
static const struct raft_record *entry_record(const struct raft_entry *e)
{
    if (e->record != NULL) {
        raft_record_hold(e->record);
        return e->record;
    }
    const struct raft_record *rec =
        raft_record_new(e->term, e->type, e->data, e->len);
    SIM_ASSERT(rec != NULL, "out of memory for a disk entry of %zu bytes",
               e->len);
    return rec;
}

void sim_disk_init(struct sim_disk *d, uint32_t node)
{
    memset(d, 0, sizeof(*d));
    d->node = node;
    d->first_index = 1;
    d->next_batch_id = 1;
}

/* Releases what b holds but its arrays: the snapshot's bytes and
 * configuration, the entries' records, the held messages. */
static void batch_release(struct sim_disk_batch *b)
{
    if (b->snap_data != NULL)
        g_free(b->snap_data);
    if (b->snap_config != NULL)
        g_free(b->snap_config);
    for (size_t i = 0; i < b->n_entries; i++)
        if (b->entries[i] != NULL)
            raft_record_release(b->entries[i]);
    for (size_t i = 0; i < b->n_held; i++)
        sim_msg_free(sim_disk_batch_held(b, i));
}

void sim_disk_batch_free(struct sim_disk_batch *b)
{
    if (!b)
        return;
    batch_release(b);
    g_free(b->entries);
    g_free(b->held);
    g_free(b);
}

struct sim_disk_batch *sim_disk_batch_take(struct sim_disk *d)
{
    if (d->n_spare == 0)
        return sim_disk_batch_new();
    return d->spare[--d->n_spare];
}

void sim_disk_batch_done(struct sim_disk *d, struct sim_disk_batch *b)
{
    if (b == NULL)
        return;
    if (d->n_spare == SIM_DISK_SPARE_BATCHES) {
        sim_disk_batch_free(b);
        return;
    }
    batch_release(b);
    /* As sim_disk_batch_new() made it, but for the arrays' room. */
    const struct raft_record **entries = b->entries;
    size_t cap_entries = b->cap_entries;
    struct sim_msg **held = b->held;
    size_t cap_held = b->cap_held;
    memset(b, 0, sizeof(*b));
    b->entries = entries;
    b->cap_entries = cap_entries;
    b->held = held;
    b->cap_held = cap_held;
    d->spare[d->n_spare++] = b;
}

void sim_disk_destroy(struct sim_disk *d)
{
    sim_disk_crash(d);
    g_free(d->pending);
    for (size_t i = 0; i < d->len; i++)
        raft_record_release(d->log[d->head + i]);
    g_free(d->log);
    g_free(d->snap_data);
    g_free(d->snap_config);
    g_free(d->conf_ids);
    g_free(d->conf_bytes);
    for (size_t i = 0; i < d->n_spare; i++)
        sim_disk_batch_free(d->spare[i]);
    memset(d, 0, sizeof(*d));
}

struct sim_disk_batch *sim_disk_batch_new(void)
{
    return g_new0(struct sim_disk_batch, 1);
}

void sim_disk_batch_set_hard(struct sim_disk_batch *b,
                             uint64_t term,
                             uint64_t vote)
{
    b->hard = true;
    b->term = term;
    b->vote = vote;
}

void sim_disk_batch_set_snapshot(struct sim_disk_batch *b,
                                 bool install,
                                 uint64_t index,
                                 uint64_t term,
                                 const void *data,
                                 size_t len)
{
    b->install = install;
    b->compact = !install;
    b->snap_index = index;
    b->snap_term = term;
    g_free(b->snap_data);
    b->snap_data = len ? g_memdup2(data, len) : NULL;
    b->snap_len = len;
}

/* Whether the n ids at a and at b are the same, in the same order. */
static bool ids_equal(const uint64_t *a, const uint64_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Whether c is the configuration d keeps the encoding of: the same lists
 * in the same order and the same auto_leave, which are all that
 * raft_configuration_encode() writes, so its encoding is the same bytes
 * (and c is as valid as the one kept was). */
static bool conf_is_kept(const struct sim_disk *d,
                         const struct raft_configuration *c)
{
    const uint64_t *ids = d->conf_ids;
    size_t nv = c->n_voters, no = c->n_outgoing, nl = c->n_learners;
    return d->conf_bytes != NULL && nv == d->conf_counts[0] &&
           no == d->conf_counts[1] && nl == d->conf_counts[2] &&
           c->auto_leave == d->conf_auto_leave &&
           ids_equal(ids, c->voters, nv) &&
           ids_equal(ids + nv, c->outgoing, no) &&
           ids_equal(ids + nv + no, c->learners, nl);
}

/* Makes d keep c, valid, and its encoding (len bytes at bytes). */
static void conf_keep(struct sim_disk *d,
                      const struct raft_configuration *c,
                      const void *bytes,
                      size_t len)
{
    size_t nv = c->n_voters, no = c->n_outgoing, nl = c->n_learners;
    g_free(d->conf_ids);
    g_free(d->conf_bytes);
    d->conf_ids = g_new(uint64_t, nv + no + nl);
    memcpy(d->conf_ids, c->voters, nv * sizeof(uint64_t));
    if (no > 0)
        memcpy(d->conf_ids + nv, c->outgoing, no * sizeof(uint64_t));
    if (nl > 0)
        memcpy(d->conf_ids + nv + no, c->learners, nl * sizeof(uint64_t));
    d->conf_counts[0] = nv;
    d->conf_counts[1] = no;
    d->conf_counts[2] = nl;
    d->conf_auto_leave = c->auto_leave;
    d->conf_bytes = g_memdup2(bytes, len);
    d->conf_len = len;
}

void sim_disk_batch_set_snapshot_config(struct sim_disk *d,
                                        struct sim_disk_batch *b,
                                        const struct raft_configuration *c)
{
    g_free(b->snap_config);
    b->snap_config = NULL;
    b->snap_config_len = 0;
    if (c == NULL || c->n_voters == 0)
        return;
    if (d != NULL && conf_is_kept(d, c)) {
        b->snap_config_len = d->conf_len;
        b->snap_config = g_memdup2(d->conf_bytes, d->conf_len);
        return;
    }
    SIM_ASSERT(raft_configuration_valid(c),
               "a snapshot's configuration is invalid (%zu voters)",
               c->n_voters);
    b->snap_config_len = raft_configuration_encoded_len(c);
    b->snap_config = g_malloc(b->snap_config_len);
    raft_configuration_encode(c, b->snap_config);
    if (d != NULL)
        conf_keep(d, c, b->snap_config, b->snap_config_len);
}

void sim_disk_snapshot_config(const struct sim_disk *d,
                              struct raft_configuration *out,
                              uint64_t **ids_buf)
{
    memset(out, 0, sizeof(*out));
    *ids_buf = NULL;
    if (d->snap_config == NULL)
        return;
    *ids_buf = g_new(uint64_t, d->snap_config_len / 8 + 1);
    bool ok = raft_configuration_decode(d->snap_config, d->snap_config_len,
                                        *ids_buf, out);
    SIM_ASSERT(ok, "node %" PRIu32 ": the durable snapshot's configuration "
               "does not decode", d->node);
}

void sim_disk_batch_set_truncate(struct sim_disk_batch *b, uint64_t index)
{
    b->truncate_from = index;
}

void sim_disk_batch_set_entries(struct sim_disk_batch *b,
                                uint64_t index,
                                const struct raft_entry *entries,
                                size_t n)
{
    b->entries_index = index;
    b->n_entries = n;
    if (n > b->cap_entries) {
        g_free(b->entries);
        b->entries = g_new(const struct raft_record *, n);
        b->cap_entries = n;
    }
    for (size_t i = 0; i < n; i++)
        b->entries[i] = entry_record(&entries[i]);
    b->last_term = n > 0 ? entries[n - 1].term : 0;
}

#define N_INLINE_HELD                                    \
    (sizeof(((struct sim_disk_batch *)0)->held_inline) / \
     sizeof(struct sim_msg *))

void sim_disk_batch_hold(struct sim_disk_batch *b, struct sim_msg *msg)
{
    if (b->n_held < N_INLINE_HELD) {
        b->held_inline[b->n_held++] = msg;
        return;
    }
    size_t k = b->n_held - N_INLINE_HELD;
    if (k == b->cap_held) {
        b->cap_held = b->cap_held ? 2 * b->cap_held : 8;
        b->held = g_renew(struct sim_msg *, b->held, b->cap_held);
    }
    b->held[k] = msg;
    b->n_held++;
}

struct sim_msg *sim_disk_batch_held(const struct sim_disk_batch *b, size_t i)
{
    return i < N_INLINE_HELD ? b->held_inline[i] : b->held[i - N_INLINE_HELD];
}

uint64_t sim_disk_submit(struct sim_disk *d,
                         struct sim_disk_batch *b,
                         uint64_t now_us,
                         uint64_t latency_us)
{
    if (d->p_len == d->p_cap) {
        size_t cap = d->p_cap ? 2 * d->p_cap : 16;
        struct sim_disk_batch **ring = g_new(struct sim_disk_batch *, cap);
        for (size_t i = 0; i < d->p_len; i++)
            ring[i] = d->pending[(d->p_head + i) % d->p_cap];
        g_free(d->pending);
        d->pending = ring;
        d->p_cap = cap;
        d->p_head = 0;
    }
    b->id = d->next_batch_id++;
    uint64_t done = now_us + latency_us;
    if (done < d->last_done_us)
        done = d->last_done_us;
    b->done_us = done;
    d->last_done_us = done;
    d->pending[(d->p_head + d->p_len) % d->p_cap] = b;
    d->p_len++;
    return b->id;
}

struct sim_disk_batch *sim_disk_newest(struct sim_disk *d)
{
    if (d->p_len == 0)
        return NULL;
    return d->pending[(d->p_head + d->p_len - 1) % d->p_cap];
}

struct sim_disk_batch *sim_disk_oldest(struct sim_disk *d)
{
    return d->p_len ? d->pending[d->p_head] : NULL;
}

/* Drops log entries with index >= from. */
static void log_truncate(struct sim_disk *d, uint64_t from)
{
    if (from < d->first_index)
        from = d->first_index;
    uint64_t last = sim_disk_last_index(d);
    while (d->len > 0 && last >= from) {
        raft_record_release(d->log[d->head + d->len - 1]);
        d->len--;
        last--;
    }
}

/* Drops log entries with index <= upto and makes upto + 1 the first. */
static void log_drop_prefix(struct sim_disk *d, uint64_t upto)
{
    if (upto < d->first_index)
        return;
    uint64_t k = upto - d->first_index + 1;
    if (k > d->len)
        k = d->len;
    for (uint64_t i = 0; i < k; i++)
        raft_record_release(d->log[d->head + i]);
    d->head += k;
    d->len -= k;
    d->first_index = upto + 1;
    if (d->len == 0)
        d->head = 0;
}

/* Appends the batch's record at *e; the reference moves to the log. */
static void log_append(struct sim_disk *d, const struct raft_record **e)
{
    if (d->head + d->len == d->cap) {
        if (d->head > d->cap / 2) {
            memmove(d->log, d->log + d->head, d->len * sizeof(*d->log));
            d->head = 0;
        } else {
            d->cap = d->cap ? 2 * d->cap : 64;
            d->log = g_renew(const struct raft_record *, d->log, d->cap);
        }
    }
    d->log[d->head + d->len++] = *e;
    *e = NULL; /* moved: the batch no longer holds it */
}

static void set_snapshot(struct sim_disk *d, struct sim_disk_batch *b)
{
    g_free(d->snap_data);
    d->snap_data = b->snap_data;
    b->snap_data = NULL;
    d->snap_len = b->snap_len;
    g_free(d->snap_config);
    d->snap_config = b->snap_config;
    b->snap_config = NULL;
    d->snap_config_len = b->snap_config_len;
    d->snap_index = b->snap_index;
    d->snap_term = b->snap_term;
}

static void apply_hard(struct sim_disk *d, const struct sim_disk_batch *b)
{
    if (b->hard) {
        d->term = b->term;
        d->vote = b->vote;
        d->settled.type = 0; /* the memo judged another image */
    }
}

/* The log file's part of a batch: snapshot, truncation, entries. */
static void apply_log(struct sim_disk *d, struct sim_disk_batch *b)
{
    d->settled.type = 0; /* the memo judged another image */
    if (b->install) {
        /* §7: keep the entries after the snapshot if the log holds its last
         * entry with the same term; otherwise the log is discarded. */
        bool keep = sim_disk_term_at(d, b->snap_index) == b->snap_term &&
                    b->snap_index >= d->first_index &&
                    b->snap_index <= sim_disk_last_index(d);
        if (keep) {
            log_drop_prefix(d, b->snap_index);
        } else {
            log_truncate(d, d->first_index);
            d->head = 0;
            d->first_index = b->snap_index + 1;
        }
        set_snapshot(d, b);
    } else if (b->compact && b->snap_index > d->snap_index) {
        if (b->snap_index > sim_disk_last_index(d)) {
            log_truncate(d, d->first_index);
            d->head = 0;
            d->first_index = b->snap_index + 1;
        } else {
            log_drop_prefix(d, b->snap_index);
        }
        set_snapshot(d, b);
    }
    if (b->truncate_from)
        log_truncate(d, b->truncate_from);
    if (b->n_entries) {
        uint64_t index = b->entries_index;
        size_t skip = 0;
        if (index <= d->snap_index) {
            skip = (size_t)(d->snap_index + 1 - index);
            index = d->snap_index + 1;
        }
        if (skip < b->n_entries) {
            /* A write past the end would leave a hole in the durable log:
             * a bug of the host or the core, never a disk fault. */
            uint64_t last = sim_disk_last_index(d);
            SIM_ASSERT(index <= last + 1,
                       "node %" PRIu32 ": a write of entries %" PRIu64
                       "..%" PRIu64 " would leave a gap after the durable "
                       "log's last entry %" PRIu64,
                       d->node, index,
                       b->entries_index + b->n_entries - 1, last);
            log_truncate(d, index);
            for (size_t i = skip; i < b->n_entries; i++)
                log_append(d, &b->entries[i]);
        }
    }
}

struct sim_disk_batch *sim_disk_complete(struct sim_disk *d)
{
    if (d->p_len == 0)
        return NULL;
    struct sim_disk_batch *b = d->pending[d->p_head];
    d->p_head = (d->p_head + 1) % d->p_cap;
    d->p_len--;
    /* Batches complete in submission order, at non-decreasing times. */
    if (d->p_len > 0) {
        const struct sim_disk_batch *next = d->pending[d->p_head];
        SIM_ASSERT(next->id == b->id + 1 && next->done_us >= b->done_us,
                   "n%u's disk batch %" PRIu64 " (done at %" PRIu64
                   " us) is followed by batch %" PRIu64 " (done at %" PRIu64
                   " us)",
                   d->node, b->id, b->done_us, next->id, next->done_us);
    }
    apply_hard(d, b);
    apply_log(d, b);
    return b;
}

void sim_disk_pending_writes(const struct sim_disk *d,
                             uint64_t *log,
                             uint64_t *term)
{
    *log = 0;
    *term = 0;
    for (size_t i = 0; i < d->p_len; i++) {
        const struct sim_disk_batch *b = d->pending[(d->p_head + i) % d->p_cap];
        *log += sim_disk_batch_writes_log(b);
        *term += sim_disk_batch_writes_term(b);
    }
}

void sim_disk_crash_keeping(struct sim_disk *d,
                            uint64_t keep_log,
                            uint64_t keep_term,
                            uint64_t *kept_log,
                            uint64_t *kept_term)
{
    uint64_t nl = 0, nt = 0;
    /* Each file keeps a prefix of its own writes; the two files are
     * independent, so applying the kept parts in batch order gives the
     * image each file would hold. */
    for (size_t i = 0; i < d->p_len; i++) {
        struct sim_disk_batch *b = d->pending[(d->p_head + i) % d->p_cap];
        if (sim_disk_batch_writes_term(b) && nt < keep_term) {
            apply_hard(d, b);
            nt++;
        }
        if (sim_disk_batch_writes_log(b) && nl < keep_log) {
            apply_log(d, b);
            nl++;
        }
    }
    if (kept_log)
        *kept_log = nl;
    if (kept_term)
        *kept_term = nt;
    sim_disk_crash(d);
}

void sim_disk_crash(struct sim_disk *d)
{
    while (d->p_len) {
        struct sim_disk_batch *b = d->pending[d->p_head];
        d->p_head = (d->p_head + 1) % d->p_cap;
        d->p_len--;
        d->writes_lost++;
        sim_disk_batch_free(b);
    }
    d->p_head = 0;
    d->last_done_us = 0;
}

void sim_disk_durable_state(const struct sim_disk *d,
                            struct raft_durable_state *out,
                            struct raft_entry **entries_buf)
{
    memset(out, 0, sizeof(*out));
    out->term = d->term;
    out->vote = d->vote;
    out->snapshot.last_index = d->snap_index;
    out->snapshot.last_term = d->snap_term;
    out->snapshot.data = d->snap_data;
    out->snapshot.len = d->snap_len;
    struct raft_entry *entries = g_new(struct raft_entry, d->len ? d->len : 1);
    for (size_t i = 0; i < d->len; i++) {
        const struct raft_record *rec = d->log[d->head + i];
        entries[i] = (struct raft_entry){
            .term = rec->term,
            .type = (enum raft_entry_type)rec->type,
            .data = rec->len > 0 ? rec->data : NULL,
            .len = rec->len,
            .record = rec,
        };
    }
    out->entries = entries;
    out->n_entries = d->len;
    *entries_buf = entries;
}

const struct raft_record *sim_disk_record_at(const struct sim_disk *d,
                                             uint64_t index)
{
    if (index < d->first_index || index > sim_disk_last_index(d))
        return NULL;
    return d->log[d->head + (index - d->first_index)];
}

/* ---- the durable image as the checkers read it (sim_durable.h) ---- */

const struct sim_durable *sim_disks_durable(const struct sim_disk *const *disks,
                                            uint32_t n,
                                            uint64_t at_index,
                                            struct sim_durable *out)
{
    for (uint32_t i = 1; i <= n; i++)
        out[i] = sim_disk_durable(disks[i], at_index);
    return out;
}
