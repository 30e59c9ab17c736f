/* sim_configs.h: cluster configurations as the checkers see them.
 *
 * A configuration (thesis §4.1, §4.3) is held as three sets of node ids
 * (1..SIM_CONFIGS_MAX_ID): the voters (C_new, or the only voter set), the
 * outgoing voters (C_old, only while joint) and the learners. The checkers
 * derive them from the RAFT_ENTRY_CONFIG entries they see written, never
 * from a core's own bookkeeping, so that a core that uses another
 * configuration than its log says is judged by its log. Every decision (an
 * election, a commit) needs a majority of the voters and, while joint,
 * separately a majority of the outgoing voters; learners never count.
 *
 * The relation one_step (thesis §4.1, §4.3) is the set of moves a leader
 * may make from the configuration it has committed: the same voter sets
 * (learners may differ), one voter added or removed (single-server change),
 * entering the joint configuration whose outgoing half is the old voter
 * set, or leaving it for its new half. Any two configurations one step
 * apart have intersecting quorums; two steps apart (two single-server
 * changes, the situation of the 2015 bug) need not.
 *
 * Also a node's history of configuration entries (struct sim_configs_log):
 * each entry's index, term and configuration, in log order, kept in step
 * with the node's log (truncation, compaction).
 */
#ifndef SIM_CONFIGS_H
#define SIM_CONFIGS_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"

#define SIM_CONFIGS_MAX_ID 255u
#define SIM_CONFIGS_WORDS 4 /* 256 bits: ids 0..255, bit 0 unused */

/* A set of node ids. */
struct sim_idset
{
    uint64_t w[SIM_CONFIGS_WORDS];
};

struct sim_conf
{
    struct sim_idset voters;
    struct sim_idset outgoing; /* empty unless joint */
    struct sim_idset learners;
    bool joint;
};

void sim_idset_add(struct sim_idset *s, uint32_t id);
bool sim_idset_has(const struct sim_idset *s, uint32_t id);
uint32_t sim_idset_count(const struct sim_idset *s);

/* The bootstrap configuration: voters 1..n_voters. */
void sim_conf_first(struct sim_conf *c, uint32_t n_voters);

/* c as a sim_conf; false for ids beyond SIM_CONFIGS_MAX_ID or an invalid
 * configuration (raft_configuration_valid()). c is borrowed for the call. */
bool sim_conf_from(const struct raft_configuration *c,
                     struct sim_conf *out);

/* The configuration a RAFT_ENTRY_CONFIG entry's bytes carry; false for
 * bytes that do not decode. e is borrowed for the call. */
bool sim_conf_decode_bytes(const struct raft_entry *e, struct sim_conf *out);

/* The configuration a RAFT_ENTRY_CONFIG entry carries; false for another
 * entry type or bytes that do not decode. e is borrowed for the call.
 * Inline: every entry of every log write asks it, and most are commands. */
static inline bool sim_conf_decode(const struct raft_entry *e,
                                   struct sim_conf *out)
{
    return e->type == RAFT_ENTRY_CONFIG && sim_conf_decode_bytes(e, out);
}

/* Whether id is a voter of either half. */
bool sim_conf_is_voter(const struct sim_conf *c, uint32_t id);

/* Whether the ids in `who` form a majority of c's voters and, while joint,
 * also of its outgoing voters (thesis §4.3). Learners in `who` count for
 * nothing. */
bool sim_conf_quorum(const struct sim_conf *c, const struct sim_idset *who);

/* How many ids of `who` are voters of either half (sim_conf_is_voter()):
 * what a report counts, since sim_conf_quorum() counts only those. */
uint32_t sim_conf_voters_among(const struct sim_conf *c,
                               const struct sim_idset *who);

/* Whether a and b have the same voters and outgoing voters (the same
 * quorums; learners aside). */
bool sim_conf_same_quorums(const struct sim_conf *a, const struct sim_conf *b);


/* Whether `to` is `from`, or one allowed step after it (see above). */
bool sim_conf_one_step(const struct sim_conf *from,
                         const struct sim_conf *to);

/* "voters n1 n2 n3 learners n4" or "voters n1 n2 n4 outgoing n1 n2 n3",
 * cut to fit len. */
void sim_conf_describe(const struct sim_conf *c, char *buf, size_t len);

/* ---- one node's configuration entries ---- */

struct sim_configs_item
{
    uint64_t index;
    uint64_t term;
    struct sim_conf config;
};

/* Configuration entries of a log, in index order, after `base_index`;
 * base is the configuration in force at base_index (the snapshot point, or
 * the bootstrap one at 0). */
struct sim_configs_log
{
    GArray *items; /* struct sim_configs_item */
    uint64_t base_index;
    struct sim_conf base;
};

void sim_configs_log_init(struct sim_configs_log *l, const struct sim_conf *base);
void sim_configs_log_destroy(struct sim_configs_log *l);

/* Forgets every entry at index >= from (the log was truncated there). */
void sim_configs_log_truncate(struct sim_configs_log *l, uint64_t from);

/* Appends the configuration entry at index (beyond every entry held). */
void sim_configs_log_push(struct sim_configs_log *l,
                          uint64_t index,
                          uint64_t term,
                          const struct sim_conf *c);

/* Adds the configuration entry at index in index order; an entry already
 * held at index is kept. For a record that learns entries out of order. */
void sim_configs_log_insert(struct sim_configs_log *l,
                            uint64_t index,
                            uint64_t term,
                            const struct sim_conf *c);

/* The configuration in force at index: the last entry at or before it, or
 * the base; *at receives that entry's index (base_index for the base). */
const struct sim_conf *sim_configs_log_at(const struct sim_configs_log *l,
                                            uint64_t index,
                                            uint64_t *at);

/* The latest configuration, and its index. */
const struct sim_conf *sim_configs_log_latest(const struct sim_configs_log *l,
                                                uint64_t *at);

/* The log now starts after index (compaction): the base becomes the
 * configuration in force there and earlier entries are dropped. */
void sim_configs_log_compact(struct sim_configs_log *l, uint64_t index);

/* The log was replaced: base at base_index, no entries. */
void sim_configs_log_reset(struct sim_configs_log *l,
                           uint64_t base_index,
                           const struct sim_conf *base);

#endif /* SIM_CONFIGS_H */
