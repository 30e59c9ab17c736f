/* sim_conduct.h: per-step checkers of Raft's election and timing rules (the
 * rules of conduct).
 *
 * The safety checkers (sim_safety.h) judge what the cluster holds; these
 * judge what one node does in one step, against the rules that keep a
 * cluster available. They see each step of a node: what went in (a timer,
 * a scripted campaign, a received message), the role and term before and
 * after, the messages that came out and the node's next deadline. Times
 * are the node's own clock, the one its core reads, so drift does not
 * loosen them. Four properties:
 *
 *   election-timer  the election deadline of a follower or candidate lies at
 *                   most election_timeout_max after the last time it heard
 *                   a leader of its term, granted a vote, campaigned,
 *                   changed role or started (Figure 2, Rules for Followers;
 *                   §5.2): nothing else, such as an AppendEntries of an
 *                   older term, may hold an election off;
 *   check-quorum    with CheckQuorum on, a leader is no longer leader at a
 *                   timer step once the voters of its configuration heard
 *                   within election_timeout_min + heartbeat_interval
 *                   (itself counted when it is a voter) are no majority of
 *                   the voters or, while joint, of the outgoing voters
 *                   (thesis §6.2 and §4.3, with the core's check once per
 *                   heartbeat; learners never count). A voter that joined
 *                   the leader's configuration (again, after a removal or
 *                   demotion) counts as heard when it joined, as the core
 *                   starts it; a configuration is judged from one
 *                   heartbeat interval after it took effect, when the core
 *                   has checked it once;
 *   term-origin     a live node's term never falls, and rises only by one
 *                   as it becomes candidate (§5.2), or to the term of a
 *                   message it receives (Figure 2, Rules for All Servers),
 *                   never to the prospective term of a PreVote or of a
 *                   granted PreVote reply (thesis §9.6);
 *   prevote-reply   a PreVote is answered in the step that receives it: a
 *                   grant echoes the proposed term, a refusal carries the
 *                   voter's term so that a pre-candidate behind in term
 *                   catches up (thesis §9.6; Figure 2, RequestVote results).
 *
 * Each is sound against a core that follows the rules: each checker's notion
 * of "heard" or "reset" includes every case in which such a core resets
 * its timer or counts a peer, so it can only be more lenient.
 */
#ifndef SIM_CONDUCT_H
#define SIM_CONDUCT_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_safety.h"

/* The timing and options every core of the run shares (copied). */
struct sim_conduct_config
{
    uint32_t n_nodes;
    uint64_t election_timeout_min;
    uint64_t election_timeout_max;
    uint64_t heartbeat_interval;
    bool pre_vote;
    bool check_quorum;
};

/* What made the core step. */
enum sim_conduct_input {
    SIM_CONDUCT_START = 1, /* the first call after raft_create() */
    SIM_CONDUCT_TICK,      /* raft_tick() at the core's deadline */
    SIM_CONDUCT_CAMPAIGN,  /* raft_campaign(): a forced election timeout */
    SIM_CONDUCT_RECEIVE,   /* raft_receive() */
    SIM_CONDUCT_OTHER,     /* proposals, persistence reports, compaction */
};

/* One step of one node. Pointers are borrowed for the call. */
struct sim_conduct_step
{
    uint32_t node;
    uint64_t now;   /* the node's clock, as given to the core */
    enum sim_conduct_input input;
    const struct raft_message *received; /* SIM_CONDUCT_RECEIVE only */
    enum raft_role role_before;
    uint64_t term_before;
    const struct raft_update *update; /* role, messages, next deadline */
    uint64_t term_after;
    /* The node's latest configuration after the step (thesis §4.1: the
     * one it acts on); NULL: read from core when that is set, else every
     * node of the run is a voter. */
    const struct raft_configuration *config;
    /* The node's core after the step, to read its configuration
     * (raft_get_configuration()) only when config_version moved; NULL: none. */
    const struct raft *core;
    /* raft_configuration_version() after the step: while a node's stays
     * the same, so does its configuration, and its conversion is reused;
     * 0 (unknown) reads and converts it at every step. */
    uint64_t config_version;
    /* true: the step kept the node's term and role (term_after ==
     * term_before, update->role == role_before), which lets it skip the
     * questions only a change of either raises; false: not known, asked
     * of the fields above. */
    bool steady;
};

struct sim_conduct; /* opaque */

struct sim_conduct *sim_conduct_new(const struct sim_conduct_config *config);
void sim_conduct_free(struct sim_conduct *r);

/* Judges one step. On a violation fills *out and returns false; later
 * calls keep judging (the caller keeps the first violation). */
bool sim_conduct_on_step(struct sim_conduct *r,
                       const struct sim_conduct_step *step,
                       struct sim_violation *out);

/* sim_conduct_on_step() without its argument checks, for a caller that
 * builds every step from its own state: st->update set, st->node one of
 * 1..n_nodes, st->received set exactly for SIM_CONDUCT_RECEIVE, and a
 * SIM_CONDUCT_START step only for a node never started or crashed since
 * (sim_conduct_on_crash()): the engine's step, sim_node_update.c, where
 * the checks cost a fifth of the rules' common case. */
bool sim_conduct_judge(struct sim_conduct *r,
                       const struct sim_conduct_step *st,
                       struct sim_violation *out);

/* The node crashed: nothing of its volatile state is judged any more. */
void sim_conduct_on_crash(struct sim_conduct *r, uint32_t node);

#endif /* SIM_CONDUCT_H */
