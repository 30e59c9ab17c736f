/* test_sim_queue.c: the event queue pops by (time, insertion order). */
#include <criterion/criterion.h>

#include "sim/sim_queue.h"

static void push(struct sim_queue *q, uint64_t time_us, uint64_t arg)
{
    struct sim_event e = {.time_us = time_us, .arg = arg};
    sim_queue_push(q, &e);
}

Test(sim_queue, events_pop_in_time_order)
{
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t times[] = {50, 10, 40, 30, 20, 60, 0};
    for (size_t i = 0; i < 7; i++)
        push(&q, times[i], i);
    uint64_t expect[] = {0, 10, 20, 30, 40, 50, 60};
    struct sim_event e;
    for (size_t i = 0; i < 7; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, expect[i]);
    }
    cr_assert_not(sim_queue_pop(&q, &e));
    sim_queue_destroy(&q);
}

Test(sim_queue, equal_times_pop_in_insertion_order)
{
    struct sim_queue q;
    sim_queue_init(&q);
    /* Interleave two times so that the heap has to reorder. */
    for (uint64_t i = 0; i < 1000; i++)
        push(&q, (i % 2) ? 7 : 3, i);
    struct sim_event e;
    uint64_t last_arg = 0;
    for (uint64_t i = 0; i < 500; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, 3);
        cr_assert_eq(e.arg, 2 * i);
        if (i)
            cr_assert_gt(e.arg, last_arg);
        last_arg = e.arg;
    }
    for (uint64_t i = 0; i < 500; i++) {
        cr_assert(sim_queue_pop(&q, &e));
        cr_assert_eq(e.time_us, 7);
        cr_assert_eq(e.arg, 2 * i + 1);
    }
    sim_queue_destroy(&q);
}

Test(sim_queue, sequence_numbers_are_dense_from_one)
{
    struct sim_queue q;
    sim_queue_init(&q);
    struct sim_event e = {.time_us = 5};
    cr_assert_eq(sim_queue_push(&q, &e), 1);
    cr_assert_eq(sim_queue_push(&q, &e), 2);
    cr_assert_eq(sim_queue_push(&q, &e), 3);
    cr_assert_eq(sim_queue_len(&q), 3);
    cr_assert_eq(sim_queue_peek(&q)->seq, 1);
    sim_queue_destroy(&q);
}

Test(sim_queue, random_pushes_and_pops_stay_sorted)
{
    struct sim_queue q;
    sim_queue_init(&q);
    uint64_t x = 12345;
    uint64_t last_time = 0, last_seq = 0;
    size_t popped = 0;
    for (int round = 0; round < 20000; round++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        /* Push only at or after the last popped time, as the engine does. */
        push(&q, last_time + ((x >> 33) % 50), (uint64_t)round);
        if (round % 3 == 2) {
            struct sim_event e;
            cr_assert(sim_queue_pop(&q, &e));
            cr_assert(e.time_us > last_time ||
                      (e.time_us == last_time && e.seq > last_seq));
            last_time = e.time_us;
            last_seq = e.seq;
            popped++;
        }
    }
    cr_assert_eq(popped + sim_queue_len(&q), 20000);
    sim_queue_destroy(&q);
}
