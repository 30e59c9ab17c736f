/* sim_lin_search.h: the searches for a linearization of one key's history
 * (private to sim_lin*.c).
 *
 * A depth-first search (an explicit stack) finds an order fast when there
 * is one; a breadth-first sweep proves there is none without meeting a node
 * twice. Both share the nodes and moves described in sim_lin.c's file
 * comment, and both stop at a bound of search states.
 */
#ifndef SIM_LIN_SEARCH_H
#define SIM_LIN_SEARCH_H

#include <stdint.h>

#include "sim/check/sim_lin.h"
#include "sim/check/sim_lin_key.h"

/* A search's outcome: an order found, none exists, or the bound was hit. */
enum sim_lin_result {
    SIM_LIN_RESULT_OK,
    SIM_LIN_RESULT_FAIL,
    SIM_LIN_RESULT_BOUND
};

/* Depth-first first: on a history that can be linearized it often needs
 * about one node per return. If it takes more than a few per event, the
 * sweep gets as many, then each again with twice that, until one decides
 * or the bound is spent. *n_prefix receives the number of leading
 * operations whose calls precede the furthest event reached, which alone
 * cannot be linearized. */
/* Searches k with `search` (the default alternates both, each round with
 * twice the budget) within max_states states in all; *states receives the
 * states used and, unless NULL, *n_prefix the number of leading operations
 * whose calls precede the furthest event reached, which alone cannot be
 * linearized when the result is SIM_LIN_RESULT_FAIL. */
enum sim_lin_result sim_lin_check_key(const struct sim_lin_key *k,
                                      enum sim_lin_search search,
                                      uint64_t max_states,
                                      uint64_t *states,
                                      uint32_t *n_prefix);

/* As sim_lin_check_key() on the n operations of one key in ops (borrowed
 * for the call), sorted by (invoke time, id). */
enum sim_lin_result sim_lin_check_ops(const struct sim_op *const *ops,
                                      uint32_t n,
                                      enum sim_lin_search search,
                                      uint64_t max_states,
                                      uint64_t *states,
                                      uint32_t *n_prefix);

#endif /* SIM_LIN_SEARCH_H */
