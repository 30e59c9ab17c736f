/* sim_durable.h: a node's durable disk image, as the checkers read it.
 *
 * The persistence checks (sim_persist.h, and the leader's side of
 * commit-rule in sim_rules.h) judge a message or a commit against what its
 * node's disk holds durably: the writes completed, not those pending. They
 * read these values only, which the engine fills from its disk for the
 * one call (sim_disk_durable() in sim/sim_disk.h), so the checkers neither
 * include nor call the engine (docs/design.md, Layers).
 */
#ifndef SIM_DURABLE_H
#define SIM_DURABLE_H

#include <stdint.h>

struct sim_durable
{
    uint64_t term;       /* the term record: currentTerm */
    uint64_t vote;       /* and votedFor in it, 0: none */
    uint64_t snap_index; /* the durable snapshot's last index, 0: none */
    /* The durable log's last entry (the snapshot's last one when the log
     * after it is empty). */
    uint64_t last_index, last_term;
    /* The one entry the check asks about: its index, and the term the
     * durable image holds there (the snapshot's at its last index; 0 when
     * the image holds no entry at at_index). */
    uint64_t at_index, at_term;
};

/* The last message of a node that passed the persistence contract
 * (sim_persist.h) against its durable image as it is now, as far as the
 * contract reads it: its type, term, promised index and acknowledged term.
 * Kept beside the image by its owner (sim/sim_disk.h), which empties it
 * (type 0) whenever the image takes a write: while it stands, a message
 * alike in these four passes as that one did (sim_persist_settled()).
 * Only a type whose verdict reads nothing else of the message is kept. */
struct sim_persist_memo
{
    uint64_t term, index, acked_term;
    uint32_t type; /* enum raft_message_type; 0: none */
    /* Its receiver: where index is not 0, a message alike is settled only
     * towards the same one, whose acknowledgement of index in term the
     * rules (sim_rules.h) then hold already (sim_safety_on_send_settled()). */
    uint32_t to;
};

#endif /* SIM_DURABLE_H */
