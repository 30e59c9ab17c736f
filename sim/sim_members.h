/* sim_members.h: the members of a configuration as node sets, and the
 * live members a client draws from when it sends a request again
 * (sim_client.c), found without asking who leads while every live node's
 * configuration has the same members.
 *
 * Invariant relied on: sim_cluster_config() is a live node's configuration
 * whenever a node is live (the current leader's, else that of the node
 * whose log is the most up to date), and a core's
 * raft_configuration_version() moves whenever its configuration may have
 * changed (raft.h); a node's core is created again only after a crash,
 * which moves the node's incarnation.
 */
#ifndef SIM_MEMBERS_H
#define SIM_MEMBERS_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/sim.h"

/* A set of node ids: bit id % 64 of word id / 64. */
struct sim_node_set
{
    uint64_t w[(SIM_MAX_NODES + 64) / 64];
};

/* The members of the configuration of one node's core (voters, outgoing
 * voters and learners) as read at that core's configuration version; the
 * core is named by the node's incarnation, for a version is only compared
 * with the same core's. version 0 (no core returns it): not read yet. */
struct sim_client_conf
{
    uint64_t version;
    uint32_t incarnation;
    struct sim_node_set members;
};

/* member[id] for id 1..n (n + 1 entries): whether id is a voter (of either
 * half while joint) or a learner of c, as sim_cluster_members() marks the
 * cluster's configuration. Returns how many are (sim_member.c). */
uint32_t sim_configuration_members(const struct sim *s,
                                   const struct raft_configuration *c,
                                   bool *member);

/* The live nodes among those sim_cluster_members() marks (the clients'
 * question before they pick a node to send to), found without asking who
 * leads while the configurations of all live nodes have the same members;
 * keeps each node's members between calls, and such an answer while the
 * standing's version (sim_standing_version()) stays the one it was found
 * at (sim_client.c). */
void sim_client_live_members(struct sim *s, struct sim_node_set *live);

#endif /* SIM_MEMBERS_H */
