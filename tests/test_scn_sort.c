/* test_scn_sort.c: the scenario layer's stable sort (scn_sort.h) orders
 * pairs by key as a stable sort must: the generator's plan relies on steps
 * of one time keeping their creation order, and a run's latency
 * percentiles on the keys being in order. Checked against a plain stable
 * insertion sort on inputs of every length up to a few runs' worth and on
 * longer ones, random, sorted, reversed and with few distinct keys. */
#include <criterion/criterion.h>
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "scenarios/lang/scn_sort.h"
#include "sim/sim_rng.h"

/* The reference: insertion sort, stable by construction. */
static void reference_sort(struct scn_keyed *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct scn_keyed x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Fills a[0..n) with keys of `shape` and items naming each pair's place. */
static void fill(struct scn_keyed *a, size_t n, unsigned shape, struct sim_rng *r)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t k;
        switch (shape) {
        case 0:
            k = sim_rng_next(r);
            break;
        case 1:
            k = sim_rng_below(r, 4); /* many equal keys */
            break;
        case 2:
            k = i / 3; /* sorted, with ties */
            break;
        case 3:
            k = n - i; /* reversed */
            break;
        default:
            k = i + (sim_rng_below(r, 10) == 0 ? sim_rng_below(r, 50) : 0);
            break; /* mostly in order, as a plan is */
        }
        a[i] = (struct scn_keyed){.key = k, .item = (void *)(uintptr_t)(i + 1)};
    }
}

Test(scn_sort, a_stable_sort_keeps_equal_keys_in_their_order)
{
    struct sim_rng r;
    sim_rng_seed(&r, 7, 1);
    for (unsigned shape = 0; shape < 5; shape++) {
        for (size_t n = 0; n < 700; n += n < 40 ? 1 : 37) {
            struct scn_keyed *a = g_new0(struct scn_keyed, n + 1);
            struct scn_keyed *b = g_new0(struct scn_keyed, n + 1);
            fill(a, n, shape, &r);
            memcpy(b, a, n * sizeof(*a));
            scn_sort_keyed(a, n);
            reference_sort(b, n);
            for (size_t i = 0; i < n; i++) {
                cr_assert_eq(a[i].key, b[i].key, "shape %u, n %zu, at %zu",
                             shape, n, i);
                cr_assert_eq(a[i].item, b[i].item, "shape %u, n %zu, at %zu",
                             shape, n, i);
            }
            g_free(a);
            g_free(b);
        }
    }
}

/* A run's latency percentiles are selected, not sorted: each selection
 * must find the value a sort puts at its place, and leave the values after
 * it no smaller, so that the next, later place is selected among them (as
 * collect_latencies() in scn_run.c chains them). */
Test(scn_sort, a_selection_finds_the_value_a_sort_places_there)
{
    struct sim_rng r;
    sim_rng_seed(&r, 11, 1);
    for (unsigned shape = 0; shape < 5; shape++) {
        for (size_t n = 1; n < 700; n += n < 40 ? 1 : 37) {
            struct scn_keyed *k = g_new0(struct scn_keyed, n);
            uint64_t *a = g_new(uint64_t, n);
            fill(k, n, shape, &r);
            for (size_t i = 0; i < n; i++)
                a[i] = k[i].key;
            reference_sort(k, n);
            size_t places[] = {(n * 50 + 99) / 100 - 1, (n * 90 + 99) / 100 - 1,
                               (n * 99 + 99) / 100 - 1, n - 1};
            size_t lo = 0;
            for (size_t p = 0; p < G_N_ELEMENTS(places); p++) {
                scn_select_u64(a, lo, n, places[p]);
                cr_assert_eq(a[places[p]], k[places[p]].key,
                             "shape %u, n %zu, place %zu", shape, n, places[p]);
                for (size_t i = 0; i < n; i++)
                    cr_assert(i < places[p] ? a[i] <= a[places[p]]
                                            : a[i] >= a[places[p]],
                              "shape %u, n %zu, place %zu, at %zu", shape, n,
                              places[p], i);
                lo = places[p];
            }
            g_free(k);
            g_free(a);
        }
    }
}
