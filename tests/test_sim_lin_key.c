/* test_sim_lin_key.c: one key's operations as the linearizability search
 * sees them (sim/check/sim_lin_key.h): events in time order, at one
 * instant returns of operations that took time before calls, and register
 * states numbered by first appearance, for keys of a few operations and
 * of many (the two sizes are prepared differently). */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/check/sim_lin_key.h"

/* Random operations on one key, sorted by invoke time, from a small set of
 * values so that they repeat; some writes never complete. */
static struct sim_op *random_ops(uint32_t n, uint64_t *x, char (*names)[8])
{
    struct sim_op *ops = g_new0(struct sim_op, n);
    uint64_t t = 0;
    for (uint32_t i = 0; i < n; i++) {
        *x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(*x >> 33);
        t += r % 3; /* equal instants are common */
        struct sim_op *o = &ops[i];
        o->id = i;
        o->op = (enum sim_kv_op)(SIM_KV_SET + r % 3);
        o->invoke_us = t;
        o->completed = o->op == SIM_KV_GET || (r >> 4) % 5 != 0;
        o->complete_us = t + (r >> 8) % 4;
        const char *v = names[(r >> 12) % 6];
        if (o->op == SIM_KV_SET)
            o->value = (char *)v;
        if (o->op == SIM_KV_GET && (r >> 16) % 4 != 0) {
            o->found = true;
            o->result = (char *)v;
        }
    }
    return ops;
}

/* The state a write sets or a read must see, numbered as the key numbers
 * them: values by first appearance from 1, absent 0. */
static int32_t expected_state(const struct sim_op *const *src,
                              uint32_t i,
                              const char **first,
                              uint32_t *n_first)
{
    const struct sim_op *o = src[i];
    const char *v = o->op == SIM_KV_SET                 ? o->value
                    : o->op == SIM_KV_GET && o->found ? o->result
                                                        : NULL;
    if (v == NULL)
        return 0;
    for (uint32_t k = 0; k < *n_first; k++)
        if (strcmp(first[k], v) == 0)
            return (int32_t)k + 1;
    first[(*n_first)++] = v;
    return (int32_t)*n_first;
}

Test(sim_lin_key, events_are_in_time_order_and_states_numbered_by_first_appearance)
{
    char names[6][8] = {"a", "bb", "c", "dd", "e", "ff"};
    uint64_t x = 99;
    for (uint32_t n = 1; n <= 90; n++) {
        struct sim_op *ops = random_ops(n, &x, names);
        const struct sim_op **src = g_new(const struct sim_op *, n);
        for (uint32_t i = 0; i < n; i++)
            src[i] = &ops[i];
        struct sim_lin_key k;
        sim_lin_key_init(&k, src, n);
        const char *first[8];
        uint32_t n_first = 0;
        for (uint32_t i = 0; i < n; i++)
            cr_assert_eq(k.ops[i].value,
                         expected_state(src, i, first, &n_first),
                         "n %u op %u", n, i);
        cr_assert_eq(k.n_states, n_first + 1);
        for (uint32_t e = 1; e < k.n_events; e++) {
            const struct sim_lin_event *a = &k.events[e - 1], *b = &k.events[e];
            bool before = a->time_us < b->time_us ||
                          (a->time_us == b->time_us &&
                           (a->rank < b->rank ||
                            (a->rank == b->rank && a->op < b->op)));
            cr_assert(before, "n %u: events %u and %u out of order", n, e - 1,
                      e);
        }
        for (uint32_t e = 0; e < k.n_events; e++) {
            const struct sim_lin_op *l = &k.ops[k.events[e].op];
            cr_assert_eq(k.events[e].kind == SIM_LIN_CALL ? l->call_ev
                                                          : l->end_ev,
                         e);
        }
        sim_lin_key_clear(&k);
        g_free(src);
        g_free(ops);
    }
}
