/* test_sim_workload_values.c: the random workload's values are "v" and a
 * counter of the values made so far, zero-padded to the configured length
 * (sim_config.workload_value_len; 0: unpadded), through every decimal
 * carry: the engine keeps the last value's text and counts it up in place
 * (sim_client.c), and each must read as the counter formatted afresh. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

ParameterizedTestParameters(workload_values,
                            every_value_is_its_counter_formatted_afresh)
{
    static uint32_t widths[] = {0, 2, 3, 5};
    return cr_make_param_array(uint32_t, widths,
                               sizeof widths / sizeof widths[0]);
}

ParameterizedTest(uint32_t *width,
                  workload_values,
                  every_value_is_its_counter_formatted_afresh)
{
    struct sim_config c;
    sim_config_init(&c);
    c.seed = 7;
    c.workload_value_len = *width;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load_closed(s, 16, 30000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 30000000), SIM_OK);
    const struct sim_history *h = sim_get_history(s);
    unsigned long long last = 0;
    size_t sets = 0;
    for (size_t i = 0; i < sim_history_len(h); i++) {
        const struct sim_op *op = sim_history_op(h, i);
        if (op->op != SIM_KV_SET)
            continue;
        sets++;
        cr_assert_eq(op->value[0], 'v', "value '%s'", op->value);
        unsigned long long n = strtoull(op->value + 1, NULL, 10);
        cr_assert_gt(n, last, "values count up: '%s'", op->value);
        last = n;
        char want[80];
        snprintf(want, sizeof want, "v%0*llu",
                 *width > 1 ? (int)*width - 1 : 0, n);
        cr_assert_str_eq(op->value, want);
    }
    /* Past 999, so the carries into a fourth digit and beyond the padding
     * of widths 2 and 3 are all seen. */
    cr_assert_gt(last, 1000, "only %llu values", last);
    cr_assert_gt(sets, 400);
    sim_free(s);
}
