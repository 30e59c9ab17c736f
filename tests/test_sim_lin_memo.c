/* test_sim_lin_memo.c: the linearizability search's memo of nodes met
 * (sim/check/sim_lin_memo.h): a node met again with a superset of the
 * never-completed writes it used before adds nothing; with a smaller or an
 * unrelated set it is new, and a smaller set takes the place of its
 * supersets. */
#include <criterion/criterion.h>

#include "sim/check/sim_lin_memo.h"

static bool add(struct sim_lin_memo *m,
                uint32_t event,
                int32_t state,
                const uint32_t *lin,
                uint32_t n_lin,
                const uint32_t *p,
                uint32_t n_p)
{
    return sim_lin_memo_add(m, event, state, lin, n_lin, p, n_p);
}

Test(sim_lin_memo, a_node_met_with_a_superset_of_its_unfinished_writes_adds_nothing)
{
    struct sim_lin_memo m;
    sim_lin_memo_init(&m);
    const uint32_t lin[] = {2, 7};
    const uint32_t p13[] = {1, 3}, p135[] = {1, 3, 5}, p3[] = {3}, p2[] = {2},
                   p23[] = {2, 3}, p15[] = {1, 5};
    cr_assert(add(&m, 4, 1, lin, 2, p13, 2));
    cr_assert_not(add(&m, 4, 1, lin, 2, p13, 2), "met again");
    cr_assert_not(add(&m, 4, 1, lin, 2, p135, 3), "a superset");
    cr_assert(add(&m, 4, 1, lin, 2, p3, 1), "a subset is new");
    cr_assert_not(add(&m, 4, 1, lin, 2, p13, 2), "{3} now covers {1,3}");
    cr_assert(add(&m, 4, 1, lin, 2, p2, 1), "unrelated to {3}");
    cr_assert_not(add(&m, 4, 1, lin, 2, p23, 2));
    cr_assert(add(&m, 4, 1, lin, 2, p15, 2), "contains neither {3} nor {2}");
    cr_assert(add(&m, 4, 1, lin, 2, NULL, 0), "the empty set is new");
    cr_assert_not(add(&m, 4, 1, lin, 2, p2, 1), "the empty set covers all");
    /* Another event, state or linearized set is another node. */
    cr_assert(add(&m, 5, 1, lin, 2, p13, 2));
    cr_assert(add(&m, 4, 2, lin, 2, p13, 2));
    cr_assert(add(&m, 4, 1, lin, 1, p13, 2));
    sim_lin_memo_clear(&m);
}

Test(sim_lin_memo, every_node_is_found_again_after_the_table_grows)
{
    struct sim_lin_memo m;
    sim_lin_memo_init(&m);
    for (uint32_t round = 0; round < 2; round++) {
        for (uint32_t e = 0; e < 3000; e++) {
            uint32_t lin[3] = {e % 7, 10 + e % 11, 100 + e};
            uint32_t p[2] = {e % 5, 9};
            bool added = add(&m, e / 3, (int32_t)(e % 3), lin, 1 + e % 3, p, 2);
            cr_assert_eq(added, round == 0, "node %u round %u", e, round);
        }
    }
    cr_assert_eq(m.len, 3000);
    sim_lin_memo_clear(&m);
}

/* One check reuses one memo for every search (sim_lin_memo_reset): after a
 * reset no node met before is remembered, whether the table grew past what
 * a reset keeps or not, and the kept storage holds the new nodes. */
Test(sim_lin_memo, a_reset_memo_remembers_nothing_met_before_it)
{
    struct sim_lin_memo m;
    sim_lin_memo_init(&m);
    const uint32_t sizes[] = {3000, 20, 9000, 0, 500};
    for (uint32_t r = 0; r < sizeof sizes / sizeof sizes[0]; r++) {
        for (uint32_t round = 0; round < 2; round++) {
            for (uint32_t e = 0; e < sizes[r]; e++) {
                uint32_t lin[3] = {e % 7, 10 + e % 11, 100 + e};
                uint32_t p[2] = {e % 5, 9};
                bool added =
                    add(&m, e / 3, (int32_t)(e % 3), lin, 1 + e % 3, p, 2);
                cr_assert_eq(added, round == 0, "reset %u node %u round %u",
                             r, e, round);
            }
        }
        cr_assert_eq(m.len, sizes[r]);
        sim_lin_memo_reset(&m);
        cr_assert_eq(m.len, 0);
    }
    sim_lin_memo_clear(&m);
}
