/* sim_history.h: the client history of a run and its linearizability check.
 *
 * Each client request is one operation with its invoke time and, if it
 * completed, its completion time and result. An operation that never
 * completed may or may not have taken effect; the checker allows both.
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/sim_kv.h"

struct sim_op
{
    uint64_t id; /* dense from 0 in invoke order */
    uint64_t client;
    enum sim_kv_op op;
    char *key;
    char *value; /* SET: the value written */
    uint64_t invoke_us;
    bool completed;
    uint64_t complete_us;
    bool found;   /* GET: the key existed */
    char *result; /* GET: the value read, NULL if not found */
};

struct sim_history; /* owns its operations */

struct sim_history *sim_history_new(void);
void sim_history_free(struct sim_history *h);

/* Records an invocation; key and value are copied. Returns the op id. */
uint64_t sim_history_invoke(struct sim_history *h,
                            uint64_t client,
                            enum sim_kv_op op,
                            const char *key,
                            const char *value,
                            uint64_t invoke_us);

/* Records the completion of op id; result (GET) is copied. */
void sim_history_complete(struct sim_history *h,
                          uint64_t id,
                          uint64_t complete_us,
                          bool found,
                          const char *result);

size_t sim_history_len(const struct sim_history *h);
const struct sim_op *sim_history_op(const struct sim_history *h, uint64_t id);

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

#endif /* SIM_HISTORY_H */
