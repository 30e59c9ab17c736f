/* sim_disk.h: one node's simulated disk.
 *
 * The disk holds a durable image (hard state, snapshot, log after the
 * snapshot) and a FIFO of pending write batches, one per raft_update that
 * wrote something. A batch becomes durable at its completion time; batches
 * complete in submission order, and completing one applies it to the image.
 *
 * The host keeps two files: the term record (term and vote) and the log
 * (snapshot and entries). A batch holds up to two writes, one per file. A
 * crash keeps a prefix of each file's pending writes and loses the rest
 * (sim_disk_crash_keeping()): by default nothing survives, but any suffix
 * of either file may be lost, so the term record and the log can disagree
 * (a log entry of a term the term record never reached). A batch whose
 * entries would leave a gap after the durable log's last entry fails an
 * engine assertion naming the node and the indices. Memory is bounded by
 * the log after the last snapshot plus pending batches.
 */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_durable.h"

struct sim_msg;

/* Empty batches a disk keeps for reuse (sim_disk_batch_take()). */
#define SIM_DISK_SPARE_BATCHES 4

/* One update's writes, in the order they apply: hard state, snapshot, log. */
struct sim_disk_batch
{
    uint64_t id;      /* dense from 1 per disk */
    uint64_t done_us; /* completion time */
    bool hard;
    uint64_t term, vote;
    bool install; /* snapshot received from a leader */
    bool compact; /* snapshot taken locally (drops the log prefix only) */
    uint64_t snap_index, snap_term;
    void *snap_data; /* owned */
    size_t snap_len;
    /* The snapshot's configuration, encoded (raft_configuration_encode());
     * owned; NULL: the bootstrap configuration. */
    void *snap_config;
    size_t snap_config_len;
    uint64_t truncate_from; /* 0, or drop the log from here (no entries) */
    uint64_t entries_index;
    size_t n_entries;
    /* The entries' records (raft.h), each holding one reference: records
     * never change, so sharing them with the core is the same as copying. */
    const struct raft_record **entries; /* owned array; completing the
                                           batch moves them to the log */
    size_t cap_entries; /* records the array has room for */
    uint64_t last_term; /* the term of the last of them */
    /* Messages sent once this is durable: held_inline, then held. */
    struct sim_msg *held_inline[4];
    struct sim_msg **held;
    size_t n_held, cap_held;
};

struct sim_disk
{
    uint32_t node; /* the owner's id, for the messages of failed checks */
    uint64_t term, vote;
    uint64_t snap_index, snap_term;
    void *snap_data;
    size_t snap_len;
    /* The configuration in effect at snap_index (thesis §5.1: a snapshot
     * replaces the configuration entries it covers), encoded; NULL: the
     * bootstrap configuration. */
    void *snap_config;
    size_t snap_config_len;
    /* The log after the snapshot: log[head .. head + len) are the records
     * of entries first_index .. first_index + len - 1, each holding one
     * reference; first_index = snap_index + 1. */
    const struct raft_record **log;
    size_t head, len, cap;
    uint64_t first_index;
    /* The persistence contract's memo of the last message of the node
     * that passed against this image (sim_durable.h): emptied at every
     * write the image takes (a completion, a write a crash keeps), so
     * that it always describes the image as it is. Not part of the
     * image. */
    struct sim_persist_memo settled;
    /* Pending batches, oldest first: pending[p_head .. p_head + p_len) mod
     * p_cap. */
    struct sim_disk_batch **pending;
    size_t p_head, p_len, p_cap;
    uint64_t next_batch_id;
    uint64_t last_done_us;
    uint64_t writes_lost; /* batches discarded by crashes */
    /* Completed batches kept empty for the next ones (their arrays kept):
     * spare[0 .. n_spare), owned. */
    struct sim_disk_batch *spare[SIM_DISK_SPARE_BATCHES];
    size_t n_spare;
    /* The last snapshot configuration a batch was given through this disk
     * (sim_disk_batch_set_snapshot_config()), kept so that an equal one
     * (nearly every snapshot's: configurations change seldom) is copied,
     * not validated and encoded again: its lists' lengths, their ids one
     * after the other in conf_ids (owned), its auto_leave, and its
     * encoding conf_bytes (owned, conf_len bytes; NULL: none kept). A
     * cache, not part of the image: a crash keeps it. */
    uint64_t *conf_ids;
    size_t conf_counts[3]; /* voters, outgoing, learners */
    bool conf_auto_leave;
    void *conf_bytes;
    size_t conf_len;
};

/* An empty disk of node `node`. */
void sim_disk_init(struct sim_disk *d, uint32_t node);
/* Frees the image and pending batches (held messages with g_free()). */
void sim_disk_destroy(struct sim_disk *d);

/* A new empty batch, owned by the caller until submitted. */
struct sim_disk_batch *sim_disk_batch_new(void);
void sim_disk_batch_free(struct sim_disk_batch *b);
/* An empty batch as sim_disk_batch_new() makes, taken from d's spares when
 * it has one; and the release of a batch (NULL: nothing) that keeps it
 * among d's spares, emptied, when there is room. The same batches, without
 * an allocation and a release per write. */
struct sim_disk_batch *sim_disk_batch_take(struct sim_disk *d);
void sim_disk_batch_done(struct sim_disk *d, struct sim_disk_batch *b);
void sim_disk_batch_set_hard(struct sim_disk_batch *b,
                             uint64_t term,
                             uint64_t vote);
/* data copied. install: a leader's snapshot; else a local compaction. */
void sim_disk_batch_set_snapshot(struct sim_disk_batch *b,
                                 bool install,
                                 uint64_t index,
                                 uint64_t term,
                                 const void *data,
                                 size_t len);
/* The configuration of the batch's snapshot (set after
 * sim_disk_batch_set_snapshot()); c is copied, NULL or one without voters
 * stands for the bootstrap configuration. d (NULL: none) is the disk the
 * batch is for, whose last configuration given is kept to copy an equal
 * one's encoding. */
void sim_disk_batch_set_snapshot_config(struct sim_disk *d,
                                        struct sim_disk_batch *b,
                                        const struct raft_configuration *c);
/* The entries' records are held (an entry without one is copied into a
 * new record): entries is borrowed for the call. */
void sim_disk_batch_set_entries(struct sim_disk_batch *b,
                                uint64_t index,
                                const struct raft_entry *entries,
                                size_t n);
/* The log from index on is dropped (an update that discards the log
 * without writing entries). */
void sim_disk_batch_set_truncate(struct sim_disk_batch *b, uint64_t index);
/* msg transferred to the batch. */
void sim_disk_batch_hold(struct sim_disk_batch *b, struct sim_msg *msg);
/* The i-th held message (i < n_held). */
struct sim_msg *sim_disk_batch_held(const struct sim_disk_batch *b, size_t i);

/* Queues b (transferred): it completes at max(now_us + latency_us, the
 * previous batch's completion). Returns its id. */
uint64_t sim_disk_submit(struct sim_disk *d,
                         struct sim_disk_batch *b,
                         uint64_t now_us,
                         uint64_t latency_us);

static inline size_t sim_disk_pending(const struct sim_disk *d)
{
    return d->p_len;
}
/* The newest pending batch, or NULL. */
struct sim_disk_batch *sim_disk_newest(struct sim_disk *d);
/* The oldest pending batch, or NULL. */
struct sim_disk_batch *sim_disk_oldest(struct sim_disk *d);

/* Makes the oldest pending batch durable: applies it to the image and
 * returns it (the caller frees it after taking its held messages). */
struct sim_disk_batch *sim_disk_complete(struct sim_disk *d);

/* Discards every pending batch and its held messages. */
void sim_disk_crash(struct sim_disk *d);

/* The writes a batch holds. */
static inline bool sim_disk_batch_writes_term(const struct sim_disk_batch *b)
{
    return b->hard;
}
static inline bool sim_disk_batch_writes_log(const struct sim_disk_batch *b)
{
    return b->install || b->compact || b->truncate_from || b->n_entries;
}

/* Pending writes per file: *log to the log, *term to the term record. */
void sim_disk_pending_writes(const struct sim_disk *d,
                             uint64_t *log,
                             uint64_t *term);

/* A crash that keeps, oldest first, the first keep_log pending log writes
 * and the first keep_term pending term-record writes (more than pending:
 * all of them); they become durable in submission order, the rest are lost
 * with every held message. *kept_log and *kept_term (may be NULL) receive
 * how many were kept. */
void sim_disk_crash_keeping(struct sim_disk *d,
                            uint64_t keep_log,
                            uint64_t keep_term,
                            uint64_t *kept_log,
                            uint64_t *kept_term);

/* The durable image as raft_create() wants it. Entries are written into
 * *entries_buf (a new array the caller g_free()s; data and records borrowed
 * from the disk until its next change: raft_create() holds the records). */
void sim_disk_durable_state(const struct sim_disk *d,
                            struct raft_durable_state *out,
                            struct raft_entry **entries_buf);

/* The durable snapshot's configuration into *out, its arrays pointing into
 * *ids_buf (a new array the caller g_free()s; NULL when there is none);
 * without a snapshot or with the bootstrap one, *out has no voters. */
void sim_disk_snapshot_config(const struct sim_disk *d,
                              struct raft_configuration *out,
                              uint64_t **ids_buf);

static inline uint64_t sim_disk_last_index(const struct sim_disk *d)
{
    return d->first_index + d->len - 1;
}
/* The durable entry's record at index, NULL if none (borrowed until the
 * disk changes). */
const struct raft_record *sim_disk_record_at(const struct sim_disk *d,
                                             uint64_t index);
/* Term of the durable entry at index (the snapshot's at its index), 0 if
 * none. */
static inline uint64_t sim_disk_term_at(const struct sim_disk *d,
                                        uint64_t index)
{
    if (index == 0)
        return 0;
    if (index == d->snap_index)
        return d->snap_term;
    if (index < d->first_index || index > sim_disk_last_index(d))
        return 0;
    return d->log[d->head + (index - d->first_index)]->term;
}

/* d's durable image as the checkers read it, asked about the entry at
 * at_index (sim/check/sim_durable.h). Inline, like sim_disk_term_at():
 * every message sent is checked against it. */
static inline struct sim_durable sim_disk_durable(const struct sim_disk *d,
                                                  uint64_t at_index)
{
    uint64_t last = sim_disk_last_index(d);
    /* sim_disk_term_at(d, last), which lies in the log when it is not
     * empty, else is the snapshot's index (0: none). */
    uint64_t last_term = d->len     ? d->log[d->head + d->len - 1]->term
                         : last != 0 ? d->snap_term
                                     : 0;
    return (struct sim_durable){
        .term = d->term,
        .vote = d->vote,
        .snap_index = d->snap_index,
        .last_index = last,
        .last_term = last_term,
        .at_index = at_index,
        /* An acknowledgement asks about the last entry, most often. */
        .at_term = at_index == last ? last_term : sim_disk_term_at(d, at_index),
    };
}

/* The durable images of disks[1..n] (borrowed) at at_index, into out[1..n]
 * (out[0] is left alone); returns out. */
const struct sim_durable *sim_disks_durable(const struct sim_disk *const *disks,
                                            uint32_t n,
                                            uint64_t at_index,
                                            struct sim_durable *out);

#endif /* SIM_DISK_H */
