/* test_sim_history.c: the client history (sim/sim_history.h) keeps every
 * operation at one address with its texts until it is freed, ids dense in
 * invocation order, however many pages and blocks of text it spans. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_history.h"

#define N_OPS 3000

/* The key of op i: short, except every 500th, longer than a block of text
 * is shared for. */
static void key_of(size_t i, char *buf, size_t size)
{
    size_t len = i % 500 == 7 ? 5000 : 3 + i % 40;
    if (len >= size)
        len = size - 1;
    for (size_t k = 0; k < len; k++)
        buf[k] = (char)('a' + (i + k) % 26);
    buf[len] = '\0';
}

Test(sim_history, every_operation_keeps_its_address_and_texts_until_freed)
{
    struct sim_history *h = sim_history_new();
    static const struct sim_op *seen[N_OPS];
    static char key[6000];
    char value[32];
    for (size_t i = 0; i < N_OPS; i++) {
        key_of(i, key, sizeof key);
        snprintf(value, sizeof value, "v%zu", i);
        enum sim_kv_op op = i % 3 == 0 ? SIM_KV_GET : SIM_KV_SET;
        uint64_t id = sim_history_invoke(h, i % 7, op, key, value, 10 * i);
        cr_assert_eq(id, i);
        seen[i] = sim_history_op(h, id);
        if (i >= 2 && (i - 2) % 3 == 0) /* complete an earlier GET */
            sim_history_complete(h, i - 2, 10 * i + 1, i % 2 == 0, value);
    }
    cr_assert_eq(sim_history_len(h), N_OPS);
    cr_assert_null(sim_history_op(h, N_OPS));
    for (size_t i = 0; i < N_OPS; i++) {
        const struct sim_op *o = sim_history_op(h, i);
        cr_assert_eq(o, seen[i], "op %zu moved", i);
        cr_assert_eq(o->id, i);
        cr_assert_eq(o->client, i % 7);
        cr_assert_eq(o->invoke_us, 10 * i);
        key_of(i, key, sizeof key);
        cr_assert_str_eq(o->key, key);
        if (o->op == SIM_KV_SET) {
            snprintf(value, sizeof value, "v%zu", i);
            cr_assert_str_eq(o->value, value);
        } else {
            cr_assert_null(o->value);
        }
        bool done = o->op == SIM_KV_GET && i + 2 < N_OPS;
        cr_assert_eq(o->completed, done, "op %zu", i);
        if (done) {
            snprintf(value, sizeof value, "v%zu", i + 2);
            cr_assert_eq(o->found, (i + 2) % 2 == 0);
            if (o->found)
                cr_assert_str_eq(o->result, value);
            else
                cr_assert_null(o->result);
        }
    }
    sim_history_free(h);
}

Test(sim_history, the_first_completion_is_the_one_kept)
{
    struct sim_history *h = sim_history_new();
    uint64_t id = sim_history_invoke(h, 1, SIM_KV_GET, "k", NULL, 5);
    sim_history_complete(h, id, 7, true, "first");
    sim_history_complete(h, id, 9, true, "second");
    sim_history_complete(h, id + 1, 9, true, "unknown id");
    const struct sim_op *o = sim_history_op(h, id);
    cr_assert_eq(o->complete_us, 7);
    cr_assert_str_eq(o->result, "first");
    cr_assert_eq(sim_history_len(h), 1);
    sim_history_free(h);
}
