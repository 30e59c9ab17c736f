/* scn_member.h: the membership extension of the runner: the operator's
 * actions (`add`, `promote`, `demote`, `remove`, `change`, `leave-joint`,
 * `transfer-leadership`) and the configuration checks (`config`,
 * `learners`, `joint`, `not-joint`).
 *
 * The runner resolves node references; this module turns resolved nodes
 * into operator requests (sim_operator_change(), sim_operator_transfer())
 * and judges checks on the current leader's latest configuration. Nothing
 * here draws a random number or keeps state between calls.
 */
#ifndef SCN_MEMBER_H
#define SCN_MEMBER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "sim/sim.h"

/* Sends the CHANGE or LEAVE_JOINT action `a` (borrowed) to the operator,
 * nodes[i] (borrowed) being the node of a->changes[i]. Returns the
 * engine's code. */
int scn_member_change(struct sim *s,
                      const struct scn_action *a,
                      const uint32_t *nodes);

/* Whether the configuration check `c` (CONFIG, LEARNERS, JOINT,
 * NOT_JOINT; borrowed) holds now on `s`; voters and learners (uint32_t,
 * borrowed) are its resolved lists. On false, appends what was found
 * ("n1 leads with voters {n1,n2,n3} learners {n4}", "no leader"). */
bool scn_member_eval(const struct sim *s,
                     const struct scn_check *c,
                     const GArray *voters,
                     const GArray *learners,
                     GString *found);

/* Appends what the check expects ("the configuration voters {n1,n2}"). */
void scn_member_describe(const struct scn_check *c,
                         const GArray *voters,
                         const GArray *learners,
                         GString *out);

#endif /* SCN_MEMBER_H */
