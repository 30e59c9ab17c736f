/* sim_observe.h: the trace's view of membership and leadership transfer
 * (private to sim/).
 *
 * The engine observes the core after every processed update and traces
 * what changed: a node's latest configuration (SIM_TRACE_CONFIG, thesis
 * §4.1: the latest configuration in a log is in effect, committed or not)
 * and each leadership transfer's course (SIM_TRACE_TRANSFER, thesis §3.10).
 * Nothing here changes the run: it only reads the cores and emits events.
 *
 * Invariants: a node's traced configuration equals its core's after every
 * processed update (a crashed node keeps the last one traced); a transfer
 * is traced `start` once, then `timeout-now` for each TimeoutNow sent, and
 * ends with exactly one `done` or `abort` (or none when the run ends first).
 */
#ifndef SIM_OBSERVE_H
#define SIM_OBSERVE_H

#include "sim/sim_internal.h"

/* sim_observe_node() when the step may have changed something it traces. */
void sim_observe_node_changes(struct sim *s,
                              struct sim_node *nd,
                              bool became_leader);

/* After the node's role and term were observed: traces a change of its
 * configuration, a transfer that starts or is abandoned, and, when the node
 * has just become leader (became_leader), the outcome of every transfer
 * of an earlier term. Most steps have none of these: a node that follows
 * no transfer and did not just become leader starts one only as a leader
 * whose core reports a transfer target, and ends or abandons none; while
 * its core's configuration version (config_version, the core's
 * raft_configuration_version() now) stays the one last compared its
 * configuration is the one traced. */
static inline void sim_observe_node(struct sim *s,
                                    struct sim_node *nd,
                                    bool became_leader,
                                    uint64_t config_version)
{
    if (!became_leader && nd->transfer_state == SIM_TRANSFER_NONE &&
        config_version == nd->traced_conf_version &&
        (nd->role != RAFT_LEADER || raft_transfer_target(nd->core) == 0))
        return;
    sim_observe_node_changes(s, nd, became_leader);
}

/* Traces the TimeoutNow m that nd's update sends. */
void sim_observe_timeout_now(struct sim *s,
                             struct sim_node *nd,
                             const struct raft_message *m);

/* The update's messages are about to leave: each TimeoutNow is traced.
 * Inline: every update with messages passes here, few send a TimeoutNow. */
static inline void sim_observe_messages(struct sim *s,
                                        struct sim_node *nd,
                                        const struct raft_update *u)
{
    for (size_t i = 0; i < u->n_messages; i++)
        if (u->messages[i].type == RAFT_MSG_TIMEOUT_NOW)
            sim_observe_timeout_now(s, nd, &u->messages[i]);
}

/* The node crashed: a transfer it was running is abandoned. */
void sim_observe_crash(struct sim *s, struct sim_node *nd);

/* Frees what the observer keeps for the node. */
void sim_observe_free(struct sim_node *nd);

#endif /* SIM_OBSERVE_H */
