/* sim_safety.h: incremental checkers of Raft's safety properties.
 *
 * The engine reports every change of every node's role, log, commit index,
 * applied entries and state-machine digest as it happens; each hook checks
 * the properties that change can break, in time independent of the log and
 * history length (prefix digests per index, not scans). The first violation
 * is kept; hooks return false from then on.
 *
 * Properties: Election Safety, Leader Append-Only, Log Matching, Leader
 * Completeness, State Machine Safety (Figure 3 of the Raft paper), commit
 * index monotonic within a node's lifetime, equal applied index implying
 * equal replicated state, and the persistence contract (what a message
 * promises is durable on its sender when it leaves; sim_persist.h),
 * Figure 2's bookkeeping rules checked directly (sim_rules.h), and the
 * configuration-aware checks of membership changes (sim_quorums.h):
 * elections recounted under the campaign's (joint) configuration, and
 * config-safety, no two quorums that need not intersect deciding in one
 * term (thesis §4.1, §4.3). Every quorum counts the voters of the
 * configuration in force (the latest in the deciding node's log, thesis
 * §4.1), a majority of each half while joint; learners never count.
 */
#ifndef SIM_SAFETY_H
#define SIM_SAFETY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_durable.h"

enum sim_property {
    SIM_PROP_ELECTION_SAFETY = 1,
    SIM_PROP_LEADER_APPEND_ONLY,
    SIM_PROP_LOG_MATCHING,
    SIM_PROP_LEADER_COMPLETENESS,
    SIM_PROP_STATE_MACHINE_SAFETY,
    SIM_PROP_COMMIT_MONOTONIC,
    SIM_PROP_STATE_DIGEST,
    SIM_PROP_LINEARIZABILITY, /* reported by the history checker */
    SIM_PROP_PERSISTENCE,
    SIM_PROP_SINGLE_VOTE, /* the rules of sim_rules.h */
    SIM_PROP_COMMIT_RULE,
    SIM_PROP_MATCH_INDEX,
    /* Election and timing rules, judged per step by sim_conduct.h. */
    SIM_PROP_ELECTION_TIMER,
    SIM_PROP_CHECK_QUORUM,
    SIM_PROP_TERM_ORIGIN,
    SIM_PROP_PREVOTE_REPLY,
    /* Membership changes (sim_quorums.h). */
    SIM_PROP_CONFIG_SAFETY,
    SIM_PROP_COUNT
};

/* Stable names: "election-safety", "leader-append-only", ... */
const char *sim_property_name(enum sim_property p);

struct sim_violation
{
    enum sim_property property;
    uint32_t nodes[2]; /* the nodes involved; 0 where not applicable */
    uint64_t term;
    uint64_t index;
    char detail[256]; /* one sentence: what was found against what */
};

struct sim_safety; /* opaque; owns its digests */

/* The most nodes a checker follows: node ids are kept in a byte. */
#define SIM_SAFETY_MAX_NODES 255u

/* Every node of 1..n_nodes starts as a voter of the bootstrap
 * configuration until sim_safety_configure() says otherwise. n_nodes is at
 * most SIM_SAFETY_MAX_NODES (asserted). */
struct sim_safety *sim_safety_new(uint32_t n_nodes);
void sim_safety_free(struct sim_safety *s);

/* The engine's promise, before any other hook: the bootstrap voters are
 * these (n_voters ids, borrowed for the call; the other nodes start
 * outside the configuration), and every message a node sends is reported
 * (sim_safety_on_send), so that each election is recounted from the
 * granted votes and each leader commit from the acknowledgements. */
void sim_safety_configure(struct sim_safety *s,
                          const uint64_t *voters,
                          size_t n_voters);

/* Node ids are 1..n_nodes. Each hook returns false on a violation.
 * For one raft_update, report the role and term first, then the log write
 * (or reset), then the commit index, then applies and the state digest: a
 * leader's log is judged by the role it has after the update. */

/* The node now has this role in this term (called on every change). */
bool sim_safety_on_role(struct sim_safety *s,
                        uint32_t node,
                        enum raft_role role,
                        uint64_t term);

/* The node's log from `index` on was replaced by these entries (what a
 * raft_update asks to persist, reported when the core changes its log). */
bool sim_safety_on_log_write(struct sim_safety *s,
                             uint32_t node,
                             uint64_t index,
                             const struct raft_entry *entries,
                             size_t n);

/* The node's whole log is now: a snapshot (index, term; 0 0 for none)
 * followed by these entries. After a restart or an installed snapshot. */
bool sim_safety_on_log_reset(struct sim_safety *s,
                             uint32_t node,
                             uint64_t snapshot_index,
                             uint64_t snapshot_term,
                             const struct raft_entry *entries,
                             size_t n);

/* The node dropped its log up to index into a snapshot. */
void sim_safety_on_compact(struct sim_safety *s, uint32_t node, uint64_t index);

bool sim_safety_on_commit(struct sim_safety *s,
                          uint32_t node,
                          uint64_t commit_index);

/* The node applied the entry at index (term, command bytes). */
bool sim_safety_on_apply(struct sim_safety *s,
                         uint32_t node,
                         uint64_t index,
                         const struct raft_entry *entry);

/* After applying through applied_index the node's state digest is this. */
bool sim_safety_on_state(struct sim_safety *s,
                         uint32_t node,
                         uint64_t applied_index,
                         uint64_t digest);

/* The node's message m leaves it now (handed to the network, also when it
 * was held until a write completed); disk is the node's durable image
 * (sim_durable.h), asked about the index m acknowledges
 * (sim_persist_acked_index()), which is checked against what m promises
 * (sim_persist.h). acked_term: the term the node's log held at that index
 * when m was built (sim_persist_acked_term()). m is borrowed for the
 * call. */
bool sim_safety_on_send(struct sim_safety *s,
                        uint32_t node,
                        const struct raft_message *m,
                        uint64_t acked_term,
                        struct sim_durable disk);
/* sim_safety_on_send() for a message the persistence contract has
 * settled already: the sender's memo (sim_persist_settled()) holds one
 * alike, as far as the contract reads, that passed against the same
 * durable image, and, where it acknowledges an index, went to the same
 * receiver. The send's other hooks have then nothing left to do: the rules
 * hold that acknowledgement, and the memo keeps no vote's answer, so there
 * is no grant to count. */
bool sim_safety_on_send_settled(struct sim_safety *s,
                                uint32_t node,
                                const struct raft_message *m);
/* sim_safety_on_send_settled() without its argument checks, for the
 * engine's send (sim_node.c), whose sender is one of 1..n_nodes and whose
 * message is its own by construction. */
bool sim_safety_judge_send_settled(const struct sim_safety *s);

/* ---- Figure 2's bookkeeping rules (sim_rules.h) ---- */

struct sim_rules_receipt;

/* After an update of node: its core's term and vote now (single-vote). */
bool sim_safety_on_vote(struct sim_safety *s,
                        uint32_t node,
                        uint64_t term,
                        uint64_t vote);

/* sim_safety_on_vote() without its argument check, for a caller whose node
 * is one of 1..n_nodes by construction: the engine's step
 * (sim_node_update.c), which every update passes. */
bool sim_safety_judge_vote(struct sim_safety *s,
                           uint32_t node,
                           uint64_t term,
                           uint64_t vote);

/* node's core handled the message m, with the outcome rc (commit-rule,
 * match-index). m is borrowed for the call. */
bool sim_safety_on_receive(struct sim_safety *s,
                           uint32_t node,
                           const struct raft_message *m,
                           const struct sim_rules_receipt *rc);

/* sim_safety_on_receive() without its argument checks, for a caller whose
 * node is one of 1..n_nodes and whose m and rc are set by construction:
 * the engine's delivery (sim_node.c), which every message passes. */
bool sim_safety_judge_receipt(struct sim_safety *s,
                              uint32_t node,
                              const struct raft_message *m,
                              const struct sim_rules_receipt *rc);

/* Leader node of term raised its commit index to commit, an entry of
 * entry_term; disks[i] is node i's durable image asked about commit, for i
 * in 1..n (persistence, counting the voters of the leader's configuration
 * as the checker decoded it from the leader's log, sim_quorums.h). */
bool sim_safety_on_leader_commit(struct sim_safety *s,
                                 uint32_t node,
                                 uint64_t term,
                                 uint64_t commit,
                                 uint64_t entry_term,
                                 const struct sim_durable *disks);

/* The node crashed: its volatile state (role, commit, applied) is gone. */
void sim_safety_on_crash(struct sim_safety *s, uint32_t node);

/* The node restarted knowing `commit_index` committed: what its durable
 * snapshot covers (§7: a snapshot holds committed entries only). Taken as
 * its commit index without judging those entries again, so that the
 * checks that read it (config-safety (b): a leader elected after the
 * restart may leave a joint configuration its snapshot committed) see
 * what the core knows. */
void sim_safety_on_restart(struct sim_safety *s,
                           uint32_t node,
                           uint64_t commit_index);

/* Fills *v with a violation of p by nodes a and b (0: none) at term and
 * index; its detail is formatted from fmt and its arguments, cut to fit.
 * Returns false, for a checker to pass on. */
bool sim_violation_set(struct sim_violation *v,
                       enum sim_property p,
                       uint32_t a,
                       uint32_t b,
                       uint64_t term,
                       uint64_t index,
                       const char *fmt,
                       ...) __attribute__((format(printf, 7, 8)));

/* sim_violation_set with the arguments as a va_list. */
void sim_violation_setv(struct sim_violation *v,
                        enum sim_property p,
                        uint32_t a,
                        uint32_t b,
                        uint64_t term,
                        uint64_t index,
                        const char *fmt,
                        va_list ap) __attribute__((format(printf, 7, 0)));

/* Records v (copied) as the violation unless one is already kept; returns
 * false for the caller to pass on. For checkers kept outside this object
 * (sim_conduct.h). */
bool sim_safety_report(struct sim_safety *s, const struct sim_violation *v);

/* The first violation, or NULL. */
const struct sim_violation *sim_safety_violation(const struct sim_safety *s);

/* How many log indices the checker currently keeps a record for: what its
 * memory grows with. Indices below every node's snapshot are forgotten. */
size_t sim_safety_tracked_indices(const struct sim_safety *s);

#endif /* SIM_SAFETY_H */
