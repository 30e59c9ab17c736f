/* sim_lin_explain.h: a violation of linearizability told in words
 * (private to sim_lin*.c): the operations of the set that cannot be
 * ordered, each with its times and result, and why a read in it cannot be
 * placed.
 */
#ifndef SIM_LIN_EXPLAIN_H
#define SIM_LIN_EXPLAIN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Strings print bare when they are plain, else quoted and escaped. */
/* Appends s to out: bare when it is plain, else quoted and escaped. */
void sim_lin_append_str(GString *out, const char *s);

/* Appends to out the explanation of key's violation: the operations of ops
 * (const struct sim_op *, borrowed, sorted by invoke time; at most the
 * first 40 listed), why a read among them cannot be placed, the search
 * states used, and whether shrinking stopped at its budget. */
void sim_lin_explain_violation(GString *out,
                               const char *key,
                               const GPtrArray *ops,
                               bool shrunk_fully,
                               uint64_t states);

#endif /* SIM_LIN_EXPLAIN_H */
