/* sim_durable.h: a node's durable disk image, as the checkers read it.
 *
 * The persistence checks (sim_persist.h, and the leader's side of
 * commit-rule in sim_rules.h) judge a message or a commit against what its
 * node's disk holds durably: the writes completed, not those pending. The
 * checkers name what they read here and nothing more; the engine's disk
 * (sim/sim_disk.c) implements these functions, so the checkers depend on
 * this header only, never on the engine's disk layout (docs/design.md,
 * Layers). struct sim_disk stays opaque to them; every pointer is borrowed
 * for the call.
 */
#ifndef SIM_DURABLE_H
#define SIM_DURABLE_H

#include <stdint.h>

struct sim_disk; /* the engine's disk: opaque here */

/* The term record, as the last completed write left it. */
struct sim_durable_record
{
    uint64_t term; /* currentTerm */
    uint64_t vote; /* votedFor in that term, 0: none */
};

/* The durable term record of d. */
struct sim_durable_record sim_durable_term_record(const struct sim_disk *d);

/* The last index of the durable snapshot (0: none). */
uint64_t sim_durable_snapshot_index(const struct sim_disk *d);

/* The last index of the durable log (the snapshot's when the log after it
 * is empty). */
uint64_t sim_durable_last_index(const struct sim_disk *d);

/* The term of the durable entry at index (the snapshot's at its last
 * index), 0 when d holds no such entry. */
uint64_t sim_durable_term_at(const struct sim_disk *d, uint64_t index);

#endif /* SIM_DURABLE_H */
