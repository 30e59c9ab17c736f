/* sim_progress.h: a leader's matchIndex for a peer, from the pairs the
 * engine last traced (SIM_TRACE_PROGRESS, sim_node_update.c) while they are
 * still the core's.
 *
 * Invariant relied on: the engine sets every peer's traced pair from the
 * core whenever raft_progress_version() moved since its last look, and
 * keeps that version; the core moves it at every change of another
 * server's pair (raft.h). So while the core's version equals the traced
 * one, the traced match index of every peer but the node itself is the
 * core's.
 */
#ifndef SIM_PROGRESS_H
#define SIM_PROGRESS_H

#include <stdint.h>

#include "raft/raft.h"

/* raft_match_index(core, peer), read from traced_match[peer] (indexed by
 * peer id) when traced_version, the progress version of the last look, is
 * still the core's and peer is not self; else asked of the core, which
 * looks the peer up among its slots. A core that stepped down or was
 * created again moved its version (a new node's traced version is 0,
 * which no core returns). */
static inline uint64_t sim_progress_match(const struct raft *core,
                                          uint64_t traced_version,
                                          const uint64_t *traced_match,
                                          uint64_t self,
                                          uint64_t peer)
{
    if (raft_progress_version(core) == traced_version && peer != self)
        return traced_match[peer];
    return raft_match_index(core, peer);
}

#endif /* SIM_PROGRESS_H */
