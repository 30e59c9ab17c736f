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
 */
#ifndef SCN_IDENTITY_H
#define SCN_IDENTITY_H

#include <stdint.h>

#include "scenarios/lang/scn_ast.h"

/* Stores the draw key of every step of `scenario` (borrowed, valid) into
 * keys[i] for step i; keys holds scenario->steps->len words. Pure: the same
 * text gives the same keys on every platform. */
void scn_step_draw_keys(const struct scn_scenario *scenario, uint64_t *keys);

#endif /* SCN_IDENTITY_H */
