/* safety_asserts.c: see safety_asserts.h. */
#include "tests/support/safety_asserts.h"

#include <criterion/criterion.h>

void safety_assert_violation(const struct sim_safety *s,
                             enum sim_property p,
                             uint32_t a,
                             uint32_t b,
                             uint64_t term,
                             uint64_t index,
                             const char *detail)
{
    const struct sim_violation *v = sim_safety_violation(s);
    cr_assert_not_null(v, "no violation");
    cr_assert_str_eq(sim_property_name(v->property), sim_property_name(p), "%s",
                     v->detail);
    cr_assert_eq(v->nodes[0], a);
    cr_assert_eq(v->nodes[1], b);
    cr_assert_eq(v->term, term);
    cr_assert_eq(v->index, index);
    cr_assert_str_eq(v->detail, detail);
}

void safety_assert_no_violation(const struct sim_safety *s)
{
    const struct sim_violation *v = sim_safety_violation(s);
    cr_assert_null(v, "unexpected violation: %s", v ? v->detail : "");
}
