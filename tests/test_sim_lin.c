/* test_sim_lin.c: the client history and the linearizability checker. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/check/sim_lin.h"
#include "sim/sim_history.h"

#define MS 1000u

static uint64_t set_op(struct sim_history *h,
                       uint64_t client,
                       const char *key,
                       const char *value,
                       uint64_t from_ms,
                       uint64_t to_ms)
{
    uint64_t id =
        sim_history_invoke(h, client, SIM_KV_SET, key, value, from_ms * MS);
    sim_history_complete(h, id, to_ms * MS, false, NULL);
    return id;
}

static uint64_t del_op(struct sim_history *h,
                       uint64_t client,
                       const char *key,
                       uint64_t from_ms,
                       uint64_t to_ms)
{
    uint64_t id =
        sim_history_invoke(h, client, SIM_KV_DELETE, key, NULL, from_ms * MS);
    sim_history_complete(h, id, to_ms * MS, true, NULL);
    return id;
}

/* result NULL: the key was not found. */
static uint64_t get_op(struct sim_history *h,
                       uint64_t client,
                       const char *key,
                       const char *result,
                       uint64_t from_ms,
                       uint64_t to_ms)
{
    uint64_t id =
        sim_history_invoke(h, client, SIM_KV_GET, key, NULL, from_ms * MS);
    sim_history_complete(h, id, to_ms * MS, result != NULL, result);
    return id;
}

static uint64_t pending_set(struct sim_history *h,
                            uint64_t client,
                            const char *key,
                            const char *value,
                            uint64_t from_ms)
{
    return sim_history_invoke(h, client, SIM_KV_SET, key, value, from_ms * MS);
}

static enum sim_lin_verdict check(const struct sim_history *h,
                                  uint64_t max_states)
{
    struct sim_lin_report r;
    enum sim_lin_verdict v = sim_lin_check(h, max_states, &r);
    cr_assert_eq(r.verdict, v);
    sim_lin_report_clear(&r);
    return v;
}

static void assert_ids(const struct sim_lin_report *r,
                       const uint64_t *want,
                       size_t n)
{
    cr_assert_eq(r->op_ids->len, n, "got %u ops, want %zu", r->op_ids->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(g_array_index(r->op_ids, uint64_t, i), want[i],
                     "op %zu: got %" G_GUINT64_FORMAT
                     " want %" G_GUINT64_FORMAT,
                     i, g_array_index(r->op_ids, uint64_t, i), want[i]);
}

static void assert_explains(const struct sim_lin_report *r, const char *text)
{
    cr_assert_not_null(strstr(r->explanation->str, text),
                       "explanation lacks \"%s\":\n%s", text,
                       r->explanation->str);
}

/* ---- the history -------------------------------------------------------- */

Test(history, ids_are_dense_in_invoke_order_and_strings_are_copied)
{
    struct sim_history *h = sim_history_new();
    char key[] = "x";
    char value[] = "1";
    cr_assert_eq(sim_history_invoke(h, 4, SIM_KV_SET, key, value, 5), 0);
    cr_assert_eq(sim_history_invoke(h, 5, SIM_KV_GET, key, NULL, 6), 1);
    key[0] = 'y';
    value[0] = '2';
    sim_history_complete(h, 1, 9, true, "1");
    sim_history_complete(h, 1, 11, false, NULL); /* second answer ignored */
    sim_history_complete(h, 7, 11, false, NULL); /* unknown id ignored */

    cr_assert_eq(sim_history_len(h), 2);
    const struct sim_op *a = sim_history_op(h, 0);
    const struct sim_op *b = sim_history_op(h, 1);
    cr_assert_str_eq(a->key, "x");
    cr_assert_str_eq(a->value, "1");
    cr_assert_eq(a->client, 4);
    cr_assert_eq(a->invoke_us, 5);
    cr_assert_not(a->completed);
    cr_assert(b->completed);
    cr_assert_eq(b->complete_us, 9);
    cr_assert(b->found);
    cr_assert_str_eq(b->result, "1");
    cr_assert_null(b->value);
    cr_assert_null(sim_history_op(h, 2));
    sim_history_free(h);
}

Test(history, verdict_names_are_stable_and_clear_accepts_empty_report)
{
    cr_assert_str_eq(sim_lin_verdict_name(SIM_LIN_OK), "linearizable");
    cr_assert_str_eq(sim_lin_verdict_name(SIM_LIN_VIOLATION), "violation");
    cr_assert_str_eq(sim_lin_verdict_name(SIM_LIN_UNKNOWN), "unknown");
    struct sim_lin_report r = {0};
    sim_lin_report_clear(&r);
    cr_assert_null(r.key);
    cr_assert_null(r.op_ids);
}

/* ---- histories that must be accepted ------------------------------------ */

Test(lin_accepts, empty_history)
{
    struct sim_history *h = sim_history_new();
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK);
    cr_assert_eq(r.op_ids->len, 0);
    cr_assert_eq(r.states_explored, 0);
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_accepts, sequential_history_following_the_register)
{
    struct sim_history *h = sim_history_new();
    get_op(h, 1, "x", NULL, 0, 1);
    set_op(h, 1, "x", "1", 2, 3);
    get_op(h, 2, "x", "1", 4, 5);
    del_op(h, 2, "x", 6, 7);
    get_op(h, 1, "x", NULL, 8, 9);
    set_op(h, 1, "x", "2", 10, 11);
    get_op(h, 3, "x", "2", 12, 13);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK);
    cr_assert_eq(r.op_ids->len, 0);
    cr_assert_null(r.key);
    /* One remembered node per return of a not yet linearized operation. */
    cr_assert_eq(r.states_explored, 7);
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_accepts, concurrent_writes_in_the_order_a_later_read_requires)
{
    /* Both writes overlap; the read after both fixes 2-then-1. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 100);
    set_op(h, 2, "x", "2", 10, 90);
    get_op(h, 3, "x", "1", 150, 160);
    get_op(h, 3, "x", "1", 170, 180);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, overlapping_reads_that_fit_only_one_interleaving)
{
    /* Two long writes and reads inside them: 1 must go first, then the
     * first read, then 2, then the second read. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 100);
    set_op(h, 2, "x", "2", 0, 100);
    get_op(h, 3, "x", "1", 10, 20);
    get_op(h, 4, "x", "2", 30, 40);
    get_op(h, 3, "x", "2", 50, 60);
    get_op(h, 5, "x", NULL, 0, 5); /* before either write */
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, read_concurrent_with_write_may_see_either_value)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    set_op(h, 1, "x", "2", 20, 40);
    get_op(h, 2, "x", "1", 25, 30);
    get_op(h, 3, "x", "2", 26, 31);
    get_op(h, 4, "x", "2", 45, 50);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, pending_write_that_took_effect)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    pending_set(h, 2, "x", "2", 20);
    get_op(h, 3, "x", "2", 100, 110);
    get_op(h, 3, "x", "2", 200, 210);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, pending_write_that_never_took_effect)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    pending_set(h, 2, "x", "2", 20);
    get_op(h, 3, "x", "1", 100, 110);
    get_op(h, 3, "x", "1", 200, 210);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, pending_write_taking_effect_late)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    pending_set(h, 2, "x", "2", 20);
    get_op(h, 3, "x", "1", 100, 110);
    get_op(h, 3, "x", "2", 200, 210);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, pending_get_constrains_nothing)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    sim_history_invoke(h, 2, SIM_KV_GET, "x", NULL, 5 * MS);
    get_op(h, 3, "x", "1", 20, 30);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_rejects, an_operation_that_starts_when_another_completes_follows_it)
{
    /* The read starts at the very instant the write completes: it follows
     * the write, so it cannot see the state from before it. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 20);
    get_op(h, 2, "x", NULL, 20, 30);
    cr_assert_eq(check(h, 0), SIM_LIN_VIOLATION);
    sim_history_free(h);
}

Test(lin_rejects, a_clients_next_operation_follows_its_previous_one)
{
    /* A closed-loop client issues its read in the microsecond its write
     * completes: [0, 100 us] then [100, 200 us]. */
    struct sim_history *h = sim_history_new();
    uint64_t w = sim_history_invoke(h, 7, SIM_KV_SET, "x", "1", 0);
    sim_history_complete(h, w, 100, false, NULL);
    uint64_t r = sim_history_invoke(h, 7, SIM_KV_GET, "x", NULL, 100);
    sim_history_complete(h, r, 200, false, NULL);
    for (int search = 0; search < 3; search++)
        cr_assert_eq(sim_lin_check_with(h, 0, (enum sim_lin_search)search,
                                        NULL),
                     SIM_LIN_VIOLATION, "search %d", search);
    sim_history_free(h);
}

Test(lin_rejects, a_clients_operations_are_ordered_even_when_windows_overlap)
{
    /* One client's read recorded as invoked before its own write returned:
     * the client issued it second, so it follows the write. The same
     * windows from two clients are concurrent. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 100);
    get_op(h, 1, "x", NULL, 50, 200);
    cr_assert_eq(check(h, 0), SIM_LIN_VIOLATION);
    sim_history_free(h);
    h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 100);
    get_op(h, 2, "x", NULL, 50, 200);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, operations_that_take_no_time_at_one_instant_are_concurrent)
{
    /* Two clients' operations that both begin and end at 20 ms cannot both
     * follow each other: the checker leaves them unordered, and a read
     * starting then follows only a write that took time. */
    struct sim_history *h = sim_history_new();
    get_op(h, 1, "x", NULL, 20, 20);
    set_op(h, 2, "x", "1", 20, 20);
    get_op(h, 3, "x", "1", 20, 30);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

Test(lin_accepts, keys_are_independent)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    set_op(h, 1, "y", "1", 20, 30);
    get_op(h, 2, "y", "1", 40, 50);
    get_op(h, 2, "x", "1", 40, 50);
    get_op(h, 2, "z", NULL, 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK);
    assert_explains(&r, "5 operations on 3 keys are linearizable");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_accepts, one_operation_on_one_key_is_counted_in_the_singular)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK);
    assert_explains(&r, "1 operation on 1 key is linearizable");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

/* ---- histories that must be rejected ------------------------------------ */

Test(lin_rejects, stale_read_with_the_three_operations_involved)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    set_op(h, 2, "x", "2", 20, 30);
    get_op(h, 3, "x", "1", 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    cr_assert_str_eq(r.key, "x");
    const uint64_t want[] = {0, 1, 2};
    assert_ids(&r, want, 3);
    assert_explains(&r, "#2 client 3 get x returned 1 [40ms, 50ms]");
    assert_explains(&r,
                    "why: get x returned 1 at [40ms, 50ms] but set x=2 "
                    "(#1) completed at 30ms and no later write of 1 "
                    "exists");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_rejects, lost_write_that_no_later_read_sees)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);   /* #0: acknowledged */
    set_op(h, 1, "y", "a", 11, 12);  /* #1: another key */
    get_op(h, 2, "x", NULL, 20, 30); /* #2: lost already */
    get_op(h, 2, "y", "a", 31, 32);  /* #3 */
    get_op(h, 3, "x", NULL, 40, 50); /* #4 */
    sim_history_invoke(h, 4, SIM_KV_GET, "x", NULL, 60 * MS); /* #5 */
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    cr_assert_str_eq(r.key, "x");
    const uint64_t want[] = {0, 2};
    assert_ids(&r, want, 2);
    assert_explains(&r,
                    "why: get x found nothing at [20ms, 30ms] but set "
                    "x=1 (#0) completed at 10ms and no later delete of x "
                    "exists");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_rejects, duplicated_apply_shows_the_first_write_again)
{
    /* set 1, set 2, read 2, then 1 again: as if set 1 were applied a
     * second time after set 2. The read of 2 is not needed to prove it. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    set_op(h, 2, "x", "2", 20, 30);
    get_op(h, 3, "x", "2", 40, 50);
    get_op(h, 3, "x", "1", 60, 70);
    get_op(h, 4, "x", "1", 80, 90);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    cr_assert_str_eq(r.key, "x");
    const uint64_t want[] = {0, 1, 3};
    assert_ids(&r, want, 3);
    assert_explains(&r,
                    "why: get x returned 1 at [60ms, 70ms] but set x=2 "
                    "(#1) completed at 30ms and no later write of 1 "
                    "exists");
    cr_assert_null(strstr(r.explanation->str, "#4"));
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_rejects, read_of_a_value_written_only_later)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    get_op(h, 2, "x", "2", 20, 30);
    pending_set(h, 3, "x", "2", 40);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    const uint64_t want[] = {1, 2};
    assert_ids(&r, want, 2);
    assert_explains(&r, "#2 client 3 set x=2 [40ms, never completed]");
    assert_explains(&r,
                    "why: get x returned 2 at [20ms, 30ms] but the first "
                    "write of 2 (#2) began only at 40ms");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

/* Keys are checked in strcmp() order of their names, whatever order they
 * first appear in, and the first one that cannot be linearized is the one
 * reported: among names that share their first eight bytes too (one a
 * prefix of the other, or differing later), where the order is decided
 * past the words the sort compares first. */
Test(lin_rejects, the_first_key_in_name_order_that_fails_is_reported)
{
    static const char *const orders[][4] = {
        {"zz", "shared-prefix-b", "shared-prefix-a", "b"},
        {"abcdefghi", "abcdefgh", "abcdefghj", "a"},
        {"k10", "k9", "k1", "k100"},
    };
    static const char *const first[] = {"shared-prefix-a", "abcdefgh", "k1"};
    for (size_t t = 0; t < G_N_ELEMENTS(orders); t++) {
        struct sim_history *h = sim_history_new();
        for (size_t k = 0; k < 4; k++) {
            const char *key = orders[t][k];
            uint64_t at = 100 * (uint64_t)k;
            set_op(h, 10 * k + 1, key, "1", at, at + 10);
            /* A read of a value nobody wrote fails every key but the
             * last of each list. */
            get_op(h, 10 * k + 2, key, k < 3 ? "2" : "1", at + 20, at + 30);
        }
        struct sim_lin_report r;
        cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION, "list %zu", t);
        cr_assert_str_eq(r.key, first[t], "list %zu", t);
        sim_lin_report_clear(&r);
        sim_history_free(h);
    }
}

Test(lin_rejects, read_of_a_value_nobody_wrote)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    get_op(h, 2, "x", "1", 20, 30);
    get_op(h, 2, "x", "9", 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    const uint64_t want[] = {2};
    assert_ids(&r, want, 1);
    assert_explains(&r,
                    "why: get x returned 9 at [40ms, 50ms] but no "
                    "operation wrote that value");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_rejects, read_after_delete_sees_old_value)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "k", "v", 0, 10);
    del_op(h, 1, "k", 20, 30);
    get_op(h, 2, "k", "v", 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    const uint64_t want[] = {0, 1, 2};
    assert_ids(&r, want, 3);
    assert_explains(&r,
                    "but delete k (#1) completed at 30ms and no later "
                    "write of v exists");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_rejects, reads_that_see_two_writes_in_opposite_orders)
{
    /* Concurrent writes, but two later sequential reads disagree with each
     * other and with any single order: 1, 2, then 1 again. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 100);
    set_op(h, 2, "x", "2", 0, 100);
    get_op(h, 3, "x", "1", 110, 120);
    get_op(h, 3, "x", "2", 130, 140);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    const uint64_t want[] = {0, 1, 2, 3};
    assert_ids(&r, want, 4);
    cr_assert_gt(r.explanation->len, 0);
    assert_explains(&r, "why: ");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

/* ---- the bound ---------------------------------------------------------- */

Test(lin_bound, tiny_bound_gives_unknown_with_a_reason)
{
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "1", 0, 10);
    get_op(h, 2, "x", "1", 20, 30);
    get_op(h, 2, "x", "1", 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 1, &r), SIM_LIN_UNKNOWN);
    cr_assert_str_eq(r.key, "x");
    assert_explains(&r, "key x: gave up after 1 search states");
    assert_explains(&r, "3 operations with up to 1 overlapping");
    sim_lin_report_clear(&r);
    cr_assert_eq(check(h, 0), SIM_LIN_OK);
    sim_history_free(h);
}

static void add_pathological(struct sim_history *h, const char *key, int n)
{
    for (int i = 0; i < n; i++) {
        char v[16];
        g_snprintf(v, sizeof v, "%d", i);
        set_op(h, (uint64_t)i + 1, key, v, 0, 1000);
    }
    get_op(h, 99, key, "never written", 2000, 2010);
}

Test(lin_bound, pathological_history_stops_at_the_bound)
{
    struct sim_history *h = sim_history_new();
    add_pathological(h, "x", 24);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 5000, &r), SIM_LIN_UNKNOWN);
    cr_assert_eq(r.states_explored, 5001);
    cr_assert_str_eq(r.key, "x");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_bound, violation_on_one_key_outranks_unknown_on_another)
{
    struct sim_history *h = sim_history_new();
    add_pathological(h, "a", 24);
    /* Clients of their own: clients 1..24 are busy on a until 1 s. */
    set_op(h, 101, "b", "1", 0, 10);
    set_op(h, 102, "b", "2", 20, 30);
    uint64_t stale = get_op(h, 103, "b", "1", 40, 50);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 5000, &r), SIM_LIN_VIOLATION);
    cr_assert_str_eq(r.key, "b");
    cr_assert_eq(r.op_ids->len, 3);
    cr_assert_eq(g_array_index(r.op_ids, uint64_t, 2), stale);
    cr_assert_null(strstr(r.explanation->str, "gave up"));
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

/* ---- cross-check against brute force ------------------------------------ */

/* A small generator owned by the test: xorshift64*, fixed seeds. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static uint64_t below(uint64_t *s, uint64_t n)
{
    return next_rand(s) % n;
}

struct brute
{
    const struct sim_op *ops[8];
    int n;
    bool used[8];
};

static uint64_t ret_us(const struct sim_op *o)
{
    return o->complete_us;
}

static bool instant(const struct sim_op *o)
{
    return o->completed && ret_us(o) == o->invoke_us;
}

/* Real-time order: a completed op precedes an op invoked after it returned,
 * or at that instant unless both take no time. */
static bool brute_precedes(const struct sim_op *a, const struct sim_op *b)
{
    if (!a->completed)
        return false;
    if (ret_us(a) != b->invoke_us)
        return ret_us(a) < b->invoke_us;
    return !(instant(a) && instant(b));
}

/* Tries every order: an op may go next when every op that precedes it is
 * already placed. */
static bool brute_search(struct brute *b, const char *state)
{
    bool all_done = true;
    for (int i = 0; i < b->n; i++)
        if (!b->used[i] && b->ops[i]->completed)
            all_done = false;
    if (all_done)
        return true;
    for (int i = 0; i < b->n; i++) {
        const struct sim_op *p = b->ops[i];
        if (b->used[i])
            continue;
        bool ready = true;
        for (int j = 0; j < b->n && ready; j++)
            if (!b->used[j] && j != i && brute_precedes(b->ops[j], p))
                ready = false;
        if (!ready)
            continue;
        const char *next = state;
        if (p->op == SIM_KV_SET) {
            next = p->value;
        } else if (p->op == SIM_KV_DELETE) {
            next = NULL;
        } else if (p->completed) {
            bool ok = p->found ? state != NULL && strcmp(state, p->result) == 0
                               : state == NULL;
            if (!ok)
                continue;
        }
        b->used[i] = true;
        bool found = brute_search(b, next);
        b->used[i] = false;
        if (found)
            return true;
    }
    return false;
}

static bool brute_linearizable(const struct sim_history *h,
                               const GArray *only_ids)
{
    struct brute b = {.n = 0};
    size_t n = only_ids != NULL ? only_ids->len : sim_history_len(h);
    for (size_t i = 0; i < n; i++) {
        uint64_t id =
            only_ids != NULL ? g_array_index(only_ids, uint64_t, i) : i;
        const struct sim_op *o = sim_history_op(h, id);
        if (o->op == SIM_KV_GET && !o->completed)
            continue;
        b.ops[b.n++] = o;
    }
    return brute_search(&b, NULL);
}

/* The shape of small random histories on one key: at most 8 operations
 * (the brute force's limit), kinds in tenths, pending ones in eighths; each
 * from its own client, so that only real time orders them. */
struct shape
{
    int max_ops;
    int sets, deletes; /* tenths; the rest are gets */
    int pending;       /* eighths */
    int values;        /* 1..3 */
    uint64_t spread, length;
};

static const struct shape mixed = {8, 4, 1, 1, 3, 40, 25};
static const struct shape pending_deletes = {8, 3, 3, 3, 2, 30, 30};

static struct sim_history *shaped_history(uint64_t *seed,
                                          const struct shape *sh)
{
    static const char *values[3] = {"a", "b", "c"};
    struct sim_history *h = sim_history_new();
    int n = 2 + (int)below(seed, (uint64_t)sh->max_ops - 1);
    for (int i = 0; i < n; i++) {
        uint64_t kind = below(seed, 10);
        uint64_t from = below(seed, sh->spread);
        uint64_t to = from + below(seed, sh->length);
        bool pending = below(seed, 8) < (uint64_t)sh->pending;
        const char *value = values[below(seed, (uint64_t)sh->values)];
        uint64_t client = (uint64_t)i + 1;
        uint64_t id;
        if (kind < (uint64_t)sh->sets)
            id = sim_history_invoke(h, client, SIM_KV_SET, "x", value, from);
        else if (kind < (uint64_t)(sh->sets + sh->deletes))
            id = sim_history_invoke(h, client, SIM_KV_DELETE, "x", NULL, from);
        else
            id = sim_history_invoke(h, client, SIM_KV_GET, "x", NULL, from);
        if (pending)
            continue;
        bool found = below(seed, 4) != 0;
        sim_history_complete(h, id, to, found, found ? value : NULL);
    }
    return h;
}

static struct sim_history *random_history(uint64_t *seed)
{
    return shaped_history(seed, &mixed);
}

Test(lin_cross_check, verdicts_and_witnesses_agree_with_brute_force)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    int violations = 0, ok = 0;
    for (int round = 0; round < 4000; round++) {
        struct sim_history *h = random_history(&seed);
        bool expect = brute_linearizable(h, NULL);
        struct sim_lin_report r;
        enum sim_lin_verdict v = sim_lin_check(h, 0, &r);
        cr_assert_eq(v, expect ? SIM_LIN_OK : SIM_LIN_VIOLATION,
                     "round %d: brute force says %d", round, expect);
        if (!expect) {
            violations++;
            cr_assert_gt(r.op_ids->len, 0);
            cr_assert_not(brute_linearizable(h, r.op_ids),
                          "round %d: the reported set is linearizable", round);
            /* 1-minimal: dropping any read makes it linearizable. */
            for (guint i = 0; i < r.op_ids->len; i++) {
                uint64_t id = g_array_index(r.op_ids, uint64_t, i);
                if (sim_history_op(h, id)->op != SIM_KV_GET)
                    continue;
                GArray *less = g_array_copy(r.op_ids);
                g_array_remove_index(less, i);
                cr_assert(brute_linearizable(h, less),
                          "round %d: op %" G_GUINT64_FORMAT " is not needed",
                          round, id);
                g_array_free(less, TRUE);
            }
        } else {
            ok++;
        }
        sim_lin_report_clear(&r);
        sim_history_free(h);
    }
    /* The generator must produce both kinds, or the test proves little. */
    cr_assert_gt(violations, 500);
    cr_assert_gt(ok, 500);
}

static void cross_check_search(enum sim_lin_search search, uint64_t seed)
{
    int violations = 0;
    for (int round = 0; round < 3000; round++) {
        struct sim_history *h = random_history(&seed);
        bool expect = brute_linearizable(h, NULL);
        struct sim_lin_report r;
        enum sim_lin_verdict v = sim_lin_check_with(h, 0, search, &r);
        cr_assert_eq(v, expect ? SIM_LIN_OK : SIM_LIN_VIOLATION,
                     "search %d round %d: brute force says %d", search, round,
                     expect);
        if (!expect) {
            violations++;
            cr_assert_not(brute_linearizable(h, r.op_ids));
        }
        sim_lin_report_clear(&r);
        sim_history_free(h);
    }
    cr_assert_gt(violations, 500);
}

Test(lin_cross_check, depth_first_search_alone_agrees_with_brute_force)
{
    cross_check_search(SIM_LIN_SEARCH_DEPTH_FIRST, 11);
}

Test(lin_cross_check, breadth_first_sweep_alone_agrees_with_brute_force)
{
    cross_check_search(SIM_LIN_SEARCH_SWEEP, 12);
}

Test(lin_cross_check, every_bound_gives_the_right_verdict_or_unknown)
{
    static const uint64_t bounds[] = {1, 2, 3, 5, 8, 13, 21};
    uint64_t seed = 0x2545f4914f6cdd1dULL;
    int unknown = 0, decided = 0;
    for (int round = 0; round < 1500; round++) {
        struct sim_history *h = random_history(&seed);
        bool expect = brute_linearizable(h, NULL);
        for (size_t b = 0; b < G_N_ELEMENTS(bounds); b++) {
            struct sim_lin_report r;
            enum sim_lin_verdict v = sim_lin_check(h, bounds[b], &r);
            if (v == SIM_LIN_UNKNOWN) {
                unknown++;
                cr_assert_eq(r.op_ids->len, 0);
            } else {
                decided++;
                cr_assert_eq(v, expect ? SIM_LIN_OK : SIM_LIN_VIOLATION,
                             "round %d bound %" G_GUINT64_FORMAT, round,
                             bounds[b]);
            }
            sim_lin_report_clear(&r);
        }
        sim_history_free(h);
    }
    cr_assert_gt(unknown, 1000);
    cr_assert_gt(decided, 1000);
}

Test(lin_cross_check, pending_and_delete_heavy_histories_agree_with_brute_force)
{
    static const enum sim_lin_search searches[] = {SIM_LIN_SEARCH_DEFAULT,
                                                   SIM_LIN_SEARCH_DEPTH_FIRST,
                                                   SIM_LIN_SEARCH_SWEEP};
    uint64_t seed = 99;
    int violations = 0;
    for (int round = 0; round < 3000; round++) {
        struct sim_history *h = shaped_history(&seed, &pending_deletes);
        bool expect = brute_linearizable(h, NULL);
        violations += !expect;
        for (size_t i = 0; i < G_N_ELEMENTS(searches); i++) {
            struct sim_lin_report r;
            enum sim_lin_verdict v = sim_lin_check_with(h, 0, searches[i], &r);
            cr_assert_eq(v, expect ? SIM_LIN_OK : SIM_LIN_VIOLATION,
                         "search %d round %d: brute force says %d", searches[i],
                         round, expect);
            sim_lin_report_clear(&r);
        }
        sim_history_free(h);
    }
    cr_assert_gt(violations, 300);
}

/* Copies every operation of `from` into `to` under `key`, its clients
 * moved by client_base; the ops keep their times and results. */
static void copy_as_key(struct sim_history *to,
                        const struct sim_history *from,
                        const char *key,
                        uint64_t client_base)
{
    for (size_t i = 0; i < sim_history_len(from); i++) {
        const struct sim_op *o = sim_history_op(from, i);
        uint64_t id = sim_history_invoke(to, client_base + o->client, o->op,
                                         key, o->value, o->invoke_us);
        if (o->completed)
            sim_history_complete(to, id, o->complete_us, o->found, o->result);
    }
}

/* One check reuses its storage from key to key (sim_lin_scratch): every
 * key of a history of many keys, larger and smaller ones mixed, gets the
 * verdict it gets alone, and the first key in name order that cannot be
 * linearized is the one reported. */
Test(lin_cross_check, keys_checked_together_get_the_verdicts_they_get_alone)
{
    static const char *keys[] = {"a", "b", "c", "d", "e", "f"};
    static const enum sim_lin_search searches[] = {SIM_LIN_SEARCH_DEFAULT,
                                                   SIM_LIN_SEARCH_DEPTH_FIRST,
                                                   SIM_LIN_SEARCH_SWEEP};
    uint64_t seed = 0x51ed2701f3a5c7b9ULL;
    int violations = 0, ok = 0;
    for (int round = 0; round < 600; round++) {
        struct sim_history *all = sim_history_new();
        const char *first_bad = NULL;
        for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
            /* Mostly linearizable keys, so later keys are reached. */
            struct sim_history *one;
            bool fine;
            do {
                one = shaped_history(&seed, k % 2 ? &pending_deletes : &mixed);
                fine = brute_linearizable(one, NULL);
                if (!fine && below(&seed, 4) != 0) {
                    sim_history_free(one);
                    continue;
                }
                break;
            } while (true);
            if (!fine && first_bad == NULL)
                first_bad = keys[k];
            copy_as_key(all, one, keys[k], 100 * (uint64_t)k);
            sim_history_free(one);
        }
        for (size_t i = 0; i < G_N_ELEMENTS(searches); i++) {
            struct sim_lin_report r;
            enum sim_lin_verdict v = sim_lin_check_with(all, 0, searches[i], &r);
            cr_assert_eq(v, first_bad ? SIM_LIN_VIOLATION : SIM_LIN_OK,
                         "search %d round %d", searches[i], round);
            if (first_bad)
                cr_assert_str_eq(r.key, first_bad, "round %d", round);
            sim_lin_report_clear(&r);
        }
        violations += first_bad != NULL;
        ok += first_bad == NULL;
        sim_history_free(all);
    }
    cr_assert_gt(violations, 100);
    cr_assert_gt(ok, 100);
}

Test(lin_accepts,
     completed_delete_placed_early_though_a_pending_one_expires_first)
{
    /* Found by fuzzing: the completed delete must take effect before the
     * set for the last read to see v; the pending delete, which stops
     * mattering at 100 when the not-found read returns, cannot stand in
     * for it, since it may never take effect. */
    struct sim_history *h = sim_history_new();
    set_op(h, 1, "x", "v", 0, 100);
    del_op(h, 2, "x", 50, 200);
    sim_history_invoke(h, 3, SIM_KV_DELETE, "x", NULL, 60 * MS);
    get_op(h, 4, "x", NULL, 70, 100);
    get_op(h, 5, "x", "v", 210, 220);
    cr_assert_eq(sim_lin_check_with(h, 0, SIM_LIN_SEARCH_DEPTH_FIRST, NULL),
                 SIM_LIN_OK);
    cr_assert_eq(sim_lin_check_with(h, 0, SIM_LIN_SEARCH_SWEEP, NULL),
                 SIM_LIN_OK);
    sim_history_free(h);
}

/* ---- size --------------------------------------------------------------- */

struct sort_key
{
    uint64_t time;
    int index;
};

static int compare_sort_keys(const void *a, const void *b)
{
    const struct sort_key *x = a, *y = b;
    if (x->time != y->time)
        return x->time < y->time ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

/* Clients with overlapping windows on a few keys; each op takes effect at a
 * point inside its window and reads return what the register held there.
 * values: how many distinct values writes draw from, 0 for a fresh value
 * per write as the engine's workload does; pending_per_1000: how often an
 * operation never completes (it still takes effect). */
struct workload
{
    int n_ops, n_clients, n_keys, values, pending_per_1000;
};

static struct sim_history *linearizable_history(uint64_t *seed,
                                                const struct workload *w)
{
    int n_ops = w->n_ops, n_clients = w->n_clients, n_keys = w->n_keys;
    struct planned
    {
        int client, key;
        enum sim_kv_op op;
        int value;
        uint64_t from, at, to;
        bool pending;
    };
    struct planned *p = g_new0(struct planned, n_ops);
    uint64_t *clock = g_new0(uint64_t, n_clients);
    for (int i = 0; i < n_ops; i++) {
        int c = (int)below(seed, (uint64_t)n_clients);
        p[i].client = c;
        p[i].key = (int)below(seed, (uint64_t)n_keys);
        uint64_t k = below(seed, 10);
        p[i].op = k < 4 ? SIM_KV_SET : k < 5 ? SIM_KV_DELETE : SIM_KV_GET;
        p[i].value = w->values > 0 ? (int)below(seed, (uint64_t)w->values) : i;
        p[i].from = clock[c] + below(seed, 200);
        p[i].at = p[i].from + below(seed, 300);
        p[i].to = p[i].at + below(seed, 300);
        p[i].pending = below(seed, 1000) < (uint64_t)w->pending_per_1000;
        clock[c] = p[i].to + 1;
    }
    /* Replay in order of the effect points to compute read results. */
    struct sort_key *order = g_new(struct sort_key, n_ops);
    struct sort_key *by_invoke = g_new(struct sort_key, n_ops);
    for (int i = 0; i < n_ops; i++) {
        order[i] = (struct sort_key){.time = p[i].at, .index = i};
        by_invoke[i] = (struct sort_key){.time = p[i].from, .index = i};
    }
    qsort(order, (size_t)n_ops, sizeof *order, compare_sort_keys);
    qsort(by_invoke, (size_t)n_ops, sizeof *by_invoke, compare_sort_keys);
    int *reg = g_new(int, n_keys);
    for (int k = 0; k < n_keys; k++)
        reg[k] = -1;
    int *result = g_new(int, n_ops);
    for (int i = 0; i < n_ops; i++) {
        struct planned *q = &p[order[i].index];
        if (q->op == SIM_KV_SET)
            reg[q->key] = q->value;
        else if (q->op == SIM_KV_DELETE)
            reg[q->key] = -1;
        result[order[i].index] = reg[q->key];
    }
    /* Record in invoke order, as the engine would. */
    struct sim_history *h = sim_history_new();
    for (int i = 0; i < n_ops; i++) {
        struct planned *q = &p[by_invoke[i].index];
        char key[16], value[16];
        g_snprintf(key, sizeof key, "k%d", q->key);
        g_snprintf(value, sizeof value, "%d", q->value);
        uint64_t id = sim_history_invoke(h, (uint64_t)q->client + 1, q->op, key,
                                         value, q->from);
        if (q->pending)
            continue;
        int got = result[by_invoke[i].index];
        char rv[16];
        g_snprintf(rv, sizeof rv, "%d", got);
        sim_history_complete(h, id, q->to, got >= 0, got >= 0 ? rv : NULL);
    }
    g_free(p);
    g_free(clock);
    g_free(order);
    g_free(reg);
    g_free(result);
    g_free(by_invoke);
    return h;
}

Test(lin_size, twenty_thousand_concurrent_ops_are_accepted)
{
    uint64_t seed = 42;
    const struct workload w = {.n_ops = 20000,
                               .n_clients = 6,
                               .n_keys = 3,
                               .values = 50,
                               .pending_per_1000 = 2};
    struct sim_history *h = linearizable_history(&seed, &w);
    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK, "%s", r.explanation->str);
    /* Near-linear: at most a few states per operation. */
    cr_assert_lt(r.states_explored, 4 * 20000);
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

Test(lin_size, one_corrupted_read_in_a_long_history_is_found_and_isolated)
{
    uint64_t seed = 7;
    const struct workload w = {.n_ops = 20000,
                               .n_clients = 6,
                               .n_keys = 3,
                               .values = 0,
                               .pending_per_1000 = 20};
    struct sim_history *h = linearizable_history(&seed, &w);
    /* Append a read long after everything that returns a value whose
     * last write is certainly overwritten. */
    uint64_t end = 0;
    for (size_t i = 0; i < sim_history_len(h); i++) {
        const struct sim_op *o = sim_history_op(h, i);
        uint64_t t = o->completed ? o->complete_us : o->invoke_us;
        if (t > end)
            end = t;
    }
    uint64_t w1 =
        sim_history_invoke(h, 50, SIM_KV_SET, "k0", "first", end + 10);
    sim_history_complete(h, w1, end + 20, false, NULL);
    uint64_t w2 =
        sim_history_invoke(h, 50, SIM_KV_SET, "k0", "second", end + 30);
    sim_history_complete(h, w2, end + 40, false, NULL);
    uint64_t bad = sim_history_invoke(h, 51, SIM_KV_GET, "k0", NULL, end + 50);
    sim_history_complete(h, bad, end + 60, true, "first");

    struct sim_lin_report r;
    cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION);
    const uint64_t want[] = {w1, w2, bad};
    assert_ids(&r, want, 3);
    assert_explains(&r, "no later write of first exists");
    sim_lin_report_clear(&r);
    sim_history_free(h);
}

/* Hundreds of clients and keys: the checker's table of keys grows past
 * its first size while the history is read, and must keep every key's
 * number, and its table of clients (indexed by the client when the ids
 * are small, hashed when they are not: client c is c * id_scale) every
 * client's last return. Each client writes its own key, then reads it in
 * a call recorded before the write returned; the client's order puts the
 * read after the write, so the first client's read, which misses the
 * write, is a violation. */
static struct sim_history *many_clients_history(bool first_misses,
                                                uint64_t id_scale)
{
    struct sim_history *h = sim_history_new();
    uint64_t writes[300];
    for (uint64_t c = 1; c <= 300; c++) {
        char key[8];
        g_snprintf(key, sizeof key, "k%u", (unsigned)c);
        writes[c - 1] =
            sim_history_invoke(h, c * id_scale, SIM_KV_SET, key, "a", c);
    }
    for (uint64_t c = 1; c <= 300; c++)
        sim_history_complete(h, writes[c - 1], 1000 + c, false, NULL);
    for (uint64_t c = 1; c <= 300; c++) {
        char key[8];
        g_snprintf(key, sizeof key, "k%u", (unsigned)c);
        uint64_t r = sim_history_invoke(h, c * id_scale, SIM_KV_GET, key,
                                        NULL, 500 + c);
        bool miss = first_misses && c == 1;
        sim_history_complete(h, r, 2000 + c, !miss, miss ? NULL : "a");
    }
    return h;
}

Test(lin_rejects, the_client_order_holds_for_hundreds_of_clients_and_keys)
{
    /* Ids 1 to 300, then 2^40 apart, then spread up to 2^64 - 1. */
    static const uint64_t scales[] = {1, UINT64_C(1) << 40,
                                      UINT64_MAX / 300};
    for (size_t i = 0; i < G_N_ELEMENTS(scales); i++) {
        struct sim_history *h = many_clients_history(true, scales[i]);
        struct sim_lin_report r;
        cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_VIOLATION, "%s",
                     r.explanation->str);
        cr_assert_str_eq(r.key, "k1");
        sim_lin_report_clear(&r);
        sim_history_free(h);
        h = many_clients_history(false, scales[i]);
        cr_assert_eq(sim_lin_check(h, 0, &r), SIM_LIN_OK);
        assert_explains(&r, "600 operations on 300 keys are linearizable");
        sim_lin_report_clear(&r);
        sim_history_free(h);
    }
}
