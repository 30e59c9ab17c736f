/* sim_history.h: the client history of a run.
 *
 * Each client request is one operation with its invoke time and, if it
 * completed, its completion time and result. An operation that never
 * completed may or may not have taken effect; the linearizability checker
 * (sim/check/sim_lin.h) allows both.
 */
#ifndef SIM_HISTORY_H
#define SIM_HISTORY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The operations of the key-value machine (sim_kv.h) a client invokes. */
enum sim_kv_op {
    SIM_KV_SET = 1,
    SIM_KV_DELETE,
    SIM_KV_GET,
};

const char *sim_kv_op_name(enum sim_kv_op op); /* "set", "delete", "get" */

struct sim_op
{
    uint64_t id; /* dense from 0 in invoke order */
    uint64_t client;
    char *key;
    char *value; /* SET: the value written */
    uint64_t invoke_us;
    uint64_t complete_us;
    char *result; /* GET: the value read, NULL if not found */
    enum sim_kv_op op;
    bool completed;
    bool found; /* GET: the key existed */
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

/* sim_history_invoke() of a key of key_len bytes and (a set's) value of
 * value_len bytes, each NUL-ended: the caller knows the lengths. */
uint64_t sim_history_invoke_n(struct sim_history *h,
                              uint64_t client,
                              enum sim_kv_op op,
                              const char *key,
                              size_t key_len,
                              const char *value,
                              size_t value_len,
                              uint64_t invoke_us);

/* Records the completion of op id; result (GET) is copied. */
void sim_history_complete(struct sim_history *h,
                          uint64_t id,
                          uint64_t complete_us,
                          bool found,
                          const char *result);

/* sim_history_complete() of a result of result_len bytes, NUL-ended. */
void sim_history_complete_n(struct sim_history *h,
                            uint64_t id,
                            uint64_t complete_us,
                            bool found,
                            const char *result,
                            size_t result_len);

size_t sim_history_len(const struct sim_history *h);
const struct sim_op *sim_history_op(const struct sim_history *h, uint64_t id);

#endif /* SIM_HISTORY_H */
