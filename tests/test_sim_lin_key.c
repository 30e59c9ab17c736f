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

/* k, prepared from src[0..n), has its states numbered by first
 * appearance and its events in time order, each op naming its events. */
static void expect_prepared(const struct sim_lin_key *k,
                            const struct sim_op *const *src,
                            uint32_t n)
{
    const char *first[8];
    uint32_t n_first = 0;
    for (uint32_t i = 0; i < n; i++)
        cr_assert_eq(k->ops[i].value, expected_state(src, i, first, &n_first),
                     "n %u op %u", n, i);
    cr_assert_eq(k->n_states, n_first + 1);
    for (uint32_t e = 1; e < k->n_events; e++) {
        const struct sim_lin_event *a = &k->events[e - 1], *b = &k->events[e];
        bool before = a->time_us < b->time_us ||
                      (a->time_us == b->time_us &&
                       (a->rank < b->rank ||
                        (a->rank == b->rank && a->op < b->op)));
        cr_assert(before, "n %u: events %u and %u out of order", n, e - 1, e);
    }
    for (uint32_t e = 0; e < k->n_events; e++) {
        const struct sim_lin_op *l = &k->ops[k->events[e].op];
        cr_assert_eq(k->events[e].kind == SIM_LIN_CALL ? l->call_ev
                                                       : l->end_ev,
                     e);
    }
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
        expect_prepared(&k, src, n);
        sim_lin_key_clear(&k);
        g_free(src);
        g_free(ops);
    }
}

/* Keys prepared one after another in one room, larger and smaller ones
 * mixed (the room grows, then serves smaller keys from its larger block),
 * are the keys sim_lin_key_init() makes alone. */
Test(sim_lin_key, keys_prepared_in_one_room_are_the_keys_prepared_alone)
{
    char names[6][8] = {"a", "bb", "c", "dd", "e", "ff"};
    static const uint32_t sizes[] = {3, 40, 1, 90, 7, 0, 64, 2, 120, 9};
    uint64_t x = 7;
    struct sim_lin_key_room room = {0};
    for (size_t t = 0; t < G_N_ELEMENTS(sizes); t++) {
        uint32_t n = sizes[t];
        struct sim_op *ops = random_ops(n, &x, names);
        const struct sim_op **src = g_new(const struct sim_op *, n + 1);
        for (uint32_t i = 0; i < n; i++)
            src[i] = &ops[i];
        struct sim_lin_key alone, in_room;
        sim_lin_key_init(&alone, src, n);
        sim_lin_key_init_in(&in_room, src, n, &room);
        cr_assert_null(in_room.owned);
        expect_prepared(&in_room, src, n);
        cr_assert_eq(in_room.n_events, alone.n_events);
        cr_assert_eq(in_room.n_states, alone.n_states);
        for (uint32_t i = 0; i < n; i++) {
            cr_assert_eq(in_room.ops[i].kind, alone.ops[i].kind);
            cr_assert_eq(in_room.ops[i].value, alone.ops[i].value);
            cr_assert_eq(in_room.ops[i].call_ev, alone.ops[i].call_ev);
            if (alone.ops[i].call_ev != SIM_LIN_NONE)
                cr_assert_eq(in_room.ops[i].end_ev, alone.ops[i].end_ev);
        }
        for (uint32_t e = 0; e < alone.n_events; e++) {
            cr_assert_eq(in_room.events[e].op, alone.events[e].op);
            cr_assert_eq(in_room.events[e].kind, alone.events[e].kind);
        }
        sim_lin_key_clear(&in_room);
        sim_lin_key_clear(&alone);
        g_free(src);
        g_free(ops);
    }
    sim_lin_key_room_clear(&room);
    cr_assert_null(room.block);
}

/* Events far from their places: n writes called one a microsecond and
 * returning in the reverse order, so each return passes every later
 * call and return (about n * n moves): the insertion gives up and the
 * events are sorted all the same. */
Test(sim_lin_key, events_far_out_of_order_are_sorted_all_the_same)
{
    enum { N = 400 };
    static struct sim_op ops[N];
    static const struct sim_op *src[N];
    for (uint32_t i = 0; i < N; i++) {
        ops[i] = (struct sim_op){
            .id = i,
            .op = SIM_KV_SET,
            .value = (char *)"v",
            .invoke_us = i,
            .complete_us = 10 * N - i,
            .completed = true,
        };
        src[i] = &ops[i];
    }
    struct sim_lin_key k;
    sim_lin_key_init(&k, src, N);
    cr_assert_eq(k.n_events, 2 * N);
    expect_prepared(&k, src, N);
    for (uint32_t i = 0; i < N; i++) {
        cr_assert_eq(k.ops[i].call_ev, i);
        cr_assert_eq(k.ops[i].end_ev, 2 * N - 1 - i);
    }
    sim_lin_key_clear(&k);
}
