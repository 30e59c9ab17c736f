/* scn_sort.h: a stable sort of (key, item) pairs by key, for the
 * scenario layer's sorts (the generator's plan by time, a run's request
 * latencies).
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

#endif /* SCN_SORT_H */
