/* sim_lin.h: the linearizability checker of a client history.
 *
 * Reads a finished struct sim_history (sim_history.h) and decides whether
 * some order of its operations, consistent with their real-time order,
 * is a legal sequence of the key-value machine's operations. It depends on
 * the history's types only; the engine calls it once a run has ended.
 */
#ifndef SIM_LIN_H
#define SIM_LIN_H

#include <glib.h>
#include <stdint.h>

#include "sim/sim_history.h"

enum sim_lin_verdict {
    SIM_LIN_OK = 0,
    SIM_LIN_VIOLATION,
    SIM_LIN_UNKNOWN, /* the search bound was reached */
};

const char *sim_lin_verdict_name(enum sim_lin_verdict v);

struct sim_lin_report
{
    enum sim_lin_verdict verdict;
    char *key; /* the key whose history failed or was cut short */
    GArray
        *op_ids; /* uint64_t: the smallest set found that cannot be ordered */
    GString *explanation; /* human-readable: the ops and why no order fits */
    uint64_t states_explored;
};

void sim_lin_report_clear(struct sim_lin_report *r);

/* Checks the history against the key-value model, key by key (Wing & Gong
 * search with memoization of (linearized set, state), after Lowe). At most
 * max_states search states per key (0: a default) before UNKNOWN. */
enum sim_lin_verdict sim_lin_check(const struct sim_history *h,
                                   uint64_t max_states,
                                   struct sim_lin_report *report);

/* The searches sim_lin_check() combines. By default a depth-first search
 * with a small budget (it finds an order fast when there is one) hands
 * over to a breadth-first sweep (it proves there is none without meeting a
 * node twice). The others run one alone, for tests and measurements. */
enum sim_lin_search {
    SIM_LIN_SEARCH_DEFAULT = 0,
    SIM_LIN_SEARCH_DEPTH_FIRST,
    SIM_LIN_SEARCH_SWEEP,
};

/* As sim_lin_check(), with the search chosen. */
enum sim_lin_verdict sim_lin_check_with(const struct sim_history *h,
                                        uint64_t max_states,
                                        enum sim_lin_search search,
                                        struct sim_lin_report *report);

#endif /* SIM_LIN_H */
