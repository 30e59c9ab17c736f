/* sim_rules.h: direct checks of Figure 2's bookkeeping rules, run as the
 * engine observes each node's core.
 *
 * The properties of sim_safety.h fail only once a bug has done visible
 * harm: two leaders, two committed entries at one index. The rules here
 * fail at the first step that makes such harm possible, on any schedule,
 * by comparing what a core reports (its term, vote, commit index, a
 * leader's matchIndex) with what the messages it exchanged and the disks
 * allow. Each is a rule of Figure 2 of the Raft paper, and the shipped
 * core keeps each one by construction:
 *   - single-vote: within one run of a node (between restarts), its vote
 *     in a term, once given, never changes and is never cleared while the
 *     term lasts ("votedFor: candidate that received vote in current
 *     term"; reset only when currentTerm grows, "Rules for all servers";
 *     RequestVote receiver rule 2). Clearing it lets the node vote twice.
 *   - commit-rule: a follower's commit index rises only on an
 *     AppendEntries, to at most min(leaderCommit, prevLogIndex + number of
 *     entries), the last index that message verified (AppendEntries
 *     receiver rule 5), or on an InstallSnapshot, to its last index
 *     (Figure 13). Anything past that point may be a deposed leader's
 *     entry the current leader never had.
 *   - match-index: a leader's matchIndex for a peer never exceeds the
 *     highest index that peer acknowledged (AppendEntries or
 *     InstallSnapshot success) in the leader's current term (§5.1: a reply
 *     of another term is stale; matchIndex is reset on election).
 *   - commit-rule, the leader's side: when a leader's commit index rises
 *     to c, the voters that acknowledged index c or beyond in its term
 *     (AppendEntries or InstallSnapshot success, as sent), with itself if
 *     its own copy is durable, form a majority of the voters of its
 *     configuration and, while joint, of the outgoing voters too (§5.3,
 *     thesis §4.3); learners never count. Judged only when every message
 *     is reported (sim_safety_configure()).
 *   - persistence (the leader's side of the contract of sim_persist.h):
 *     when a leader's commit index rises to c, a majority of the voters of
 *     its configuration (of each half while joint; learners and
 *     non-members never count) hold the leader's entry at c on their
 *     disks' durable images (or a durable snapshot through c). Followers
 *     acknowledge only durable entries, and a leader counts its own copy
 *     only once durable (thesis §10.2.1), so a commit that outruns the
 *     disks means an entry can vanish with a crash.
 * The checks read only the message, the core's public queries and the
 * disks, in O(1) (O(nodes) for a leader's commit).
 */
#ifndef SIM_RULES_H
#define SIM_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_configs.h"
#include "sim/check/sim_durable.h"
#include "sim/check/sim_safety.h"

struct sim_rules; /* opaque */

struct sim_rules *sim_rules_new(uint32_t n_nodes);
void sim_rules_free(struct sim_rules *r);

/* After an update of node: its term and vote now. */
bool sim_rules_on_vote(struct sim_rules *r,
                       uint32_t node,
                       uint64_t term,
                       uint64_t vote,
                       struct sim_violation *out);

/* node's message m leaves it: remembers the acknowledgements. */
void sim_rules_on_send(struct sim_rules *r,
                       uint32_t node,
                       const struct raft_message *m);

/* What node's core did with the message m just received: its commit index
 * went from `before` to `after`; role and term are the core's after it;
 * match is the core's matchIndex for m's sender (0 unless leader). */
struct sim_rules_receipt
{
    uint64_t before, after;
    enum raft_role role;
    uint64_t term;
    uint64_t match;
};

bool sim_rules_on_receive(struct sim_rules *r,
                          uint32_t node,
                          const struct raft_message *m,
                          const struct sim_rules_receipt *rc,
                          struct sim_violation *out);

/* sim_rules_on_receive() without its argument check, for a caller that
 * checked node against the same node count (sim_safety_on_receive()). */
bool sim_rules_judge_receipt(struct sim_rules *r,
                             uint32_t node,
                             const struct raft_message *m,
                             const struct sim_rules_receipt *rc,
                             struct sim_violation *out);

/* Whose holding counts for a leader's commit: the leader's configuration
 * (borrowed for the call), and whether acknowledgements are counted too
 * (only when every message sent was reported to sim_rules_on_send()). */
struct sim_rules_quorum
{
    const struct sim_conf *config;
    bool count_acks;
};

/* Leader node of term raised its commit index to commit, whose entry has
 * entry_term; disks[i] is node i's durable image asked about commit, for
 * i in 1..n_nodes; a majority of the voters of quorum->config (of each half
 * while joint, thesis §4.3) must hold it. */
bool sim_rules_on_leader_commit(const struct sim_rules *r,
                                uint32_t node,
                                uint64_t term,
                                uint64_t commit,
                                uint64_t entry_term,
                                const struct sim_rules_quorum *quorum,
                                const struct sim_durable *disks,
                                struct sim_violation *out);

/* node crashed: its vote is read afresh after the restart. */
void sim_rules_on_crash(struct sim_rules *r, uint32_t node);

#endif /* SIM_RULES_H */
