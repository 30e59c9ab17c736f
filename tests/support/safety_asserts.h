/* safety_asserts.h: what the checker tests assert about a sim_safety
 * checker's verdict, shared by the tests that drive the checkers by hand
 * (test_sim_safety.c, test_sim_rules.c, test_sim_configs.c).
 *
 * Each fails the calling Criterion test with the checker's own detail, so
 * a wrong verdict says what the checker saw.
 */
#ifndef TEST_SAFETY_ASSERTS_H
#define TEST_SAFETY_ASSERTS_H

#include <stdint.h>

#include "sim/check/sim_safety.h"

/* Asserts that `s` recorded a violation of `p` naming nodes a and b, with
 * that term, index and detail text. */
void safety_assert_violation(const struct sim_safety *s,
                             enum sim_property p,
                             uint32_t a,
                             uint32_t b,
                             uint64_t term,
                             uint64_t index,
                             const char *detail);

/* Asserts that `s` recorded no violation. */
void safety_assert_no_violation(const struct sim_safety *s);

#endif /* TEST_SAFETY_ASSERTS_H */
