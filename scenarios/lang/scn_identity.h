/* scn_identity.h: the identity of each statement, for its random draws.
 *
 * A statement's random draws (which node `follower` or `any` names, a client
 * request's first node and retries, a `load`'s ops and keys) come from
 * streams keyed by the statement's identity, not by its position in the
 * file or by how many draws came before it. The identity is the statement's
 * canonical text (time included, as scn_print_step writes it) and its rank
 * among the earlier statements with the same text. Deleting, adding or
 * reordering other statements leaves it unchanged, so a shrinker that
 * deletes statements keeps the draws of those it keeps; editing a statement
 * (another time, another node) gives it a new identity.
 *
 * Only a statement that may draw needs its key (scn_step_may_draw()), and
 * only those are printed: two statements with one text have one structure,
 * so either both may draw or neither does, and a statement's rank among
 * the earlier ones with its text is the same counted among those that may
 * draw as among all.
 */
#ifndef SCN_IDENTITY_H
#define SCN_IDENTITY_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"

/* Whether running `step` (borrowed) may draw from a stream keyed by its
 * identity: a client request or load (their requests' streams), a
 * reference drawn when it runs (`any`, `follower`) on an action that names
 * nodes, a trigger, any other kind of action. False only for actions whose
 * references are all named nodes (or that have none): `heal`, `set drop`,
 * `crash n2`, `cut n1 -> n3`, ... A function of what the statement's text
 * says. */
bool scn_step_may_draw(const struct scn_step *step);

/* Stores the draw key of every step of `scenario` (borrowed, valid) that
 * may draw into keys[i] for step i, and 0 for the others; keys holds
 * scenario->steps->len words. Pure: the same text gives the same keys on
 * every platform. */
void scn_step_draw_keys(const struct scn_scenario *scenario, uint64_t *keys);

#endif /* SCN_IDENTITY_H */
