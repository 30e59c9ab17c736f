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
#include "sim/check/sim_lin_memo.h"

/* A search's outcome: an order found, none exists, or the bound was hit. */
enum sim_lin_result {
    SIM_LIN_RESULT_OK,
    SIM_LIN_RESULT_FAIL,
    SIM_LIN_RESULT_BOUND
};

/* Storage the searches reuse from key to key: the arrays one search needs
 * (grown to the largest key so far), the depth-first stack and the memo of
 * nodes met. All zero before the first search; sim_lin_scratch_clear()
 * frees it. Nothing a search decides depends on what an earlier one left
 * here: each search sets up every array it reads. */
struct sim_lin_scratch
{
    uint32_t *words; /* n_words words */
    size_t n_words;
    void *frames; /* the depth-first stack: frame_cap frames */
    size_t frame_cap;
    struct sim_lin_memo memo;
    bool memo_ready;
    /* For tests: the depth-first search records every node in the memo
     * as it meets it, rather than only once it first backtracks; and it
     * does not first follow its first path without a stack (the replay,
     * sim_lin_search.c's replay_first_path()). */
    bool eager;
    /* For tests: the depth-first searches the replay decided. */
    uint64_t replayed;
};

void sim_lin_scratch_clear(struct sim_lin_scratch *sc);

/* Depth-first first: on a history that can be linearized it often needs
 * about one node per return. If it takes more than a few per event, the
 * sweep gets as many, then each again with twice that, until one decides
 * or the bound is spent. *n_prefix receives the number of leading
 * operations whose calls precede the furthest event reached, which alone
 * cannot be linearized. */
/* Searches k, in storage from sc, with `search` (the default alternates both, each round with
 * twice the budget) within max_states states in all; *states receives the
 * states used and, unless NULL, *n_prefix the number of leading operations
 * whose calls precede the furthest event reached, which alone cannot be
 * linearized when the result is SIM_LIN_RESULT_FAIL. */
enum sim_lin_result sim_lin_check_key(struct sim_lin_scratch *sc,
                                      const struct sim_lin_key *k,
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
