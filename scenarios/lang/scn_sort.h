/* scn_sort.h: a stable sort of (key, item) pairs by key, for the
 * scenario layer's sorts (the generator's plan by time), and the selection
 * of a few order statistics (a run's request latency percentiles).
 *
 * Invariant: the result is the same as any stable sort by key gives: pairs
 * with equal keys keep the order they had, so the result depends only on
 * the input, never on addresses. Unlike g_array_sort(), no comparison goes
 * through a function pointer; that is the whole reason it exists.
 */
#ifndef SCN_SORT_H
#define SCN_SORT_H

#include <stddef.h>
#include <stdint.h>

/* One pair: the key it is sorted by and an item (borrowed) carried along. */
struct scn_keyed
{
    uint64_t key;
    void *item;
};

/* Sorts a[0..n) by key, stably; a is the caller's. */
void scn_sort_keyed(struct scn_keyed *a, size_t n);

/* Reorders a[lo..n) (lo <= k < n) so that a[k] holds the value a sort of
 * a[lo..n) would put there, every value before it is <= it and every value
 * after it >= it: the (k - lo + 1)-th smallest, without sorting the rest.
 * The value is the sort's, whatever the order of equal values; the order
 * left around it depends only on the input. */
void scn_select_u64(uint64_t *a, size_t lo, size_t n, size_t k);

#endif /* SCN_SORT_H */
