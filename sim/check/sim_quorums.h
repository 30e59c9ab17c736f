/* sim_quorums.h: the configuration-aware checks of elections, commits and
 * configuration changes (thesis chapter 4), owned by sim_safety.
 *
 * The checker keeps, for every node, the configuration entries of its log
 * (sim_configs.h), decoded from what the node writes, and a record of the
 * committed ones. A node's configuration is the latest in its log, committed
 * or not (thesis §4.1: a server uses the latest configuration in its log).
 * From these it judges:
 *
 *   election-safety  (with sim_safety's one-leader-per-term check) a node
 *                    that becomes leader of term T was granted votes in T
 *                    (RequestVoteResult granted, as sent) by a majority of
 *                    the voters of the configuration it campaigned in,
 *                    itself included, and, while that configuration is
 *                    joint, by a majority of the outgoing voters as well
 *                    (thesis §4.3); learners and non-members count for
 *                    nothing, the leader's own vote included (a server
 *                    left out of an uncommitted configuration may still
 *                    be elected, thesis §4.2.2). Only when the checker
 *                    sees every message (full view).
 *   config-safety    no two quorums that need not intersect decide in one
 *                    term. Checked as the rules that guarantee it (thesis
 *                    §4.1, §4.3, and the 2015 correction of the single-server
 *                    change, Ongaro on raft-dev, "bug in single-server
 *                    membership changes"):
 *                    (a) when a leader of term T is elected, and whenever its
 *                    commit index rises, its configuration is K or one
 *                    allowed step from K (sim_conf_one_step()), K being
 *                    the configuration in force at the highest index
 *                    committed in a term <= T: with at most one
 *                    configuration change uncommitted, every decision's
 *                    quorum meets every quorum of K and of its successor;
 *                    (b) a leader appends a configuration entry only one
 *                    allowed step from its previous configuration, only once
 *                    that previous configuration entry is committed (never
 *                    two uncommitted changes) and only once it has committed
 *                    an entry of its own term (the 2015 fix; leaving a
                    committed joint configuration is exempt, as its only
                    successor is its new half; judged at the
 *                    end of the update that appended, so that a commit and
 *                    an automatic leave of the joint configuration in one
 *                    call are judged together);
 *                    (c) a leader that is not a voter of its latest
 *                    configuration steps down once that configuration is
 *                    committed (thesis §4.2.2): it is not leader after an
 *                    update that committed it.
 *
 * The commit-rule and persistence checks of a leader's commit (sim_rules.h)
 * count the voters of the leader's configuration taken from here.
 */
#ifndef SIM_QUORUMS_H
#define SIM_QUORUMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_configs.h"
#include "sim/check/sim_safety.h"

struct sim_quorums; /* opaque */

/* Node ids 1..n_nodes; every node starts with the bootstrap configuration
 * `first` (copied): voters 1..n_nodes until sim_quorums_configure(). */
struct sim_quorums *sim_quorums_new(uint32_t n_nodes);
void sim_quorums_free(struct sim_quorums *q);

/* The bootstrap configuration (copied) and whether every message sent is
 * reported (sim_quorums_on_grant), so that elections can be recounted.
 * Before any other hook. */
void sim_quorums_configure(struct sim_quorums *q,
                           const struct sim_conf *first,
                           bool full_view);

/* node's log from index on was replaced by entries (n of them, borrowed);
 * entries at or below snap_index (inside its snapshot) are skipped. */
void sim_quorums_on_log_write(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t index,
                              const struct raft_entry *entries,
                              size_t n,
                              uint64_t snap_index);

/* node's log is now a snapshot through snap_index (0: none) and entries. */
void sim_quorums_on_log_reset(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t snap_index,
                              const struct raft_entry *entries,
                              size_t n);

/* node compacted its log through index. */
void sim_quorums_on_compact(struct sim_quorums *q,
                            uint32_t node,
                            uint64_t index);

/* node's commit index now covers (lo, hi]: its configuration entries there
 * are committed. */
void sim_quorums_on_commit(struct sim_quorums *q,
                           uint32_t node,
                           uint64_t lo,
                           uint64_t hi);

/* Every index below index is forgotten by the checker (sim_safety's trim). */
void sim_quorums_trim(struct sim_quorums *q, uint64_t index);

/* node sent a granted RequestVoteResult of term to candidate. */
void sim_quorums_on_grant(struct sim_quorums *q,
                          uint32_t node,
                          uint64_t candidate,
                          uint64_t term);

/* node became leader of term; committed: the highest index committed in a
 * term <= term. Judges election-safety and config-safety (a). */
bool sim_quorums_on_elected(struct sim_quorums *q,
                            uint32_t node,
                            uint64_t term,
                            uint64_t committed,
                            struct sim_violation *out);

/* Leader node of term wrote entries (n, borrowed) from index on: judges
 * config-safety (b)'s step now and notes the rest for
 * sim_quorums_judge_append(). */
bool sim_quorums_on_leader_write(struct sim_quorums *q,
                                 uint32_t node,
                                 uint64_t term,
                                 uint64_t index,
                                 const struct raft_entry *entries,
                                 size_t n,
                                 struct sim_violation *out);

/* Whether a configuration append of node waits for
 * sim_quorums_judge_append() (which does nothing otherwise). */
bool sim_quorums_append_pending(const struct sim_quorums *q, uint32_t node);

/* At the end of the update of a leader's configuration append (or at the
 * start of its next one): node's commit index is commit, whose entry has
 * commit_term. Judges the rest of config-safety (b). */
bool sim_quorums_judge_append(struct sim_quorums *q,
                              uint32_t node,
                              uint64_t commit,
                              uint64_t commit_term,
                              struct sim_violation *out);

/* Leader node of term raised its commit index to commit; committed as for
 * sim_quorums_on_elected(), after this commit; still_leader: whether it
 * leads after the update. Judges config-safety (a) and (c). */
bool sim_quorums_on_leader_commit(struct sim_quorums *q,
                                  uint32_t node,
                                  uint64_t term,
                                  uint64_t commit,
                                  uint64_t committed,
                                  struct sim_violation *out);

/* node's latest configuration (borrowed until the next hook). */
const struct sim_conf *sim_quorums_config(const struct sim_quorums *q,
                                            uint32_t node);

/* Whether every sent message is reported (sim_quorums_configure()). */
bool sim_quorums_full_view(const struct sim_quorums *q);

/* node crashed: its grants received and pending judgements are dropped. */
void sim_quorums_on_crash(struct sim_quorums *q, uint32_t node);

#endif /* SIM_QUORUMS_H */
