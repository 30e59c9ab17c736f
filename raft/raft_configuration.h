/* raft_configuration.h: configurations owned by the core (thesis §4.1).
 *
 * A struct raft_conf is a validated configuration whose ids live in one
 * owned array: voters, then outgoing voters, then learners. The core keeps
 * the configuration at its snapshot point (or the bootstrap one) and one
 * record per configuration entry in its log after the snapshot, in index
 * order (struct raft_conf_history): the configuration in effect is the last
 * of them (thesis §4.1: the latest in the log, committed or not), and
 * truncating the log pops the records it removes, which reverts to the one
 * before.
 */
#ifndef RAFT_CONFIGURATION_H
#define RAFT_CONFIGURATION_H

#include "raft.h"
#include "raft_assert.h"

struct raft_conf
{
    uint64_t *ids; /* owned: voters, outgoing, learners back to back */
    size_t n_voters;
    size_t n_outgoing; /* 0: not joint */
    size_t n_learners;
    bool auto_leave;
};

/* A configuration entry of the log. */
struct raft_conf_record
{
    uint64_t index; /* log index of the entry */
    struct raft_conf conf;
};

struct raft_conf_history
{
    struct raft_conf_record *items; /* owned, in increasing index order */
    size_t n;
    size_t cap;
    /* Counts the changes of the records and of the configuration before
     * them (push, truncate, compact, raft_conf_history_touch()), for
     * raft_configuration_version(). */
    uint64_t version;
};

/* Borrowed view of c as a public configuration. */
void raft_conf_view(const struct raft_conf *c, struct raft_configuration *out);

/* Copies the valid configuration c (borrowed) into *out. RAFT_ENOMEM
 * leaves *out untouched. */
int raft_conf_copy(struct raft_conf *out, const struct raft_configuration *c);

/* Decodes a RAFT_ENTRY_CONFIG entry's data, which must be valid, into *out.
 * RAFT_ENOMEM leaves *out untouched. */
int raft_conf_decode(struct raft_conf *out, const void *data, size_t len);

/* Frees c's ids; c is empty afterwards. */
void raft_conf_free(struct raft_conf *c);

/* Whether the data of a RAFT_ENTRY_CONFIG entry encodes a valid
 * configuration. */
bool raft_conf_bytes_valid(const void *data, size_t len);

/* Number of ids a configuration lists, counting an id in two lists twice. */
size_t raft_conf_size(const struct raft_conf *c);

/* Whether id is a voter of c (of either half while joint). */
bool raft_conf_is_voter(const struct raft_conf *c, uint64_t id);

/* Makes room for `extra` more records. RAFT_ENOMEM changes nothing. */
int raft_conf_history_reserve(struct raft_conf_history *h, size_t extra);
/* Appends a record (room reserved); conf is transferred. */
void raft_conf_history_push(struct raft_conf_history *h,
                            uint64_t index,
                            struct raft_conf *conf);
/* Drops (and frees) the records at index `from` and above. */
void raft_conf_history_truncate(struct raft_conf_history *h, uint64_t from);
/* Drops the records at or below index; the last of them, if any, is moved
 * into *at (freeing what *at held): the configuration at index. */
void raft_conf_history_compact(struct raft_conf_history *h,
                               uint64_t index,
                               struct raft_conf *at);
void raft_conf_history_free(struct raft_conf_history *h);
/* The configuration before the records (the snapshot's or the bootstrap
 * one) was replaced: counts as a change of the history. */
void raft_conf_history_touch(struct raft_conf_history *h);

#endif /* RAFT_CONFIGURATION_H */
