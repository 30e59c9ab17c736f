/* sim_lin_shrink.h: a history that cannot be linearized, shrunk to a small
 * subset that still cannot (private to sim_lin*.c).
 *
 * A write is dropped only when no remaining read could have read from it;
 * with that rule a subset that cannot be linearized proves that the whole
 * history cannot be either.
 */
#ifndef SIM_LIN_SHRINK_H
#define SIM_LIN_SHRINK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sim/check/sim_lin.h"
#include "sim/sim_history.h"

/* The state of one shrink. */
struct sim_lin_shrinker
{
    GPtrArray *cur; /* const struct sim_op *, sorted; cannot be linearized */
    enum sim_lin_search search;
    uint64_t max_states;
    uint64_t budget;   /* search states left */
    uint32_t n_prefix; /* from the last failing search of cur */
};

/* Whether o changes the key (a set or a delete). */
static inline bool sim_lin_is_write(const struct sim_op *o)
{
    return o->op != SIM_KV_GET;
}

/* True if the completed read r saw what write w leaves behind. */
static inline bool sim_lin_read_sees(const struct sim_op *r,
                                     const struct sim_op *w)
{
    if (w->op == SIM_KV_DELETE)
        return !r->found;
    return r->found && strcmp(r->result != NULL ? r->result : "",
                              w->value != NULL ? w->value : "") == 0;
}

/* Delta-debugging style: drop ever smaller chunks, latest first, while the
 * rest still cannot be linearized; ends 1-minimal unless the budget ran
 * out. Returns false if it stopped for the budget. */
/* Shrinks sh->cur in place, delta-debugging style: drops ever smaller
 * chunks, latest first, while the rest still cannot be linearized; ends
 * 1-minimal unless the budget ran out. Returns false if it stopped for the
 * budget. */
bool sim_lin_shrink(struct sim_lin_shrinker *sh);

#endif /* SIM_LIN_SHRINK_H */
