/* scn_sort.c: the stable sort of scn_sort.h: runs of SORT_RUN pairs sorted
 * by insertion, then merged pairwise, bottom up, between the array and one
 * scratch array. Both steps take the left pair first on equal keys, so the
 * sort is stable. A merge whose halves are already in order is a copy: the
 * generator's plan is mostly in time order already. The selection is
 * Hoare's: partitions around the median of three until the place asked
 * for is the pivot's.
 */
#include "scenarios/lang/scn_sort.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "sim/sim_assert.h" /* refuses NDEBUG, as every source must */

/* The length of the runs sorted by insertion before merging. */
#define SORT_RUN 8u

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Sorts a[lo..hi) by insertion, stably. */
static void insertion_sort(struct scn_keyed *a, size_t lo, size_t hi)
{
    for (size_t i = lo + 1; i < hi; i++) {
        struct scn_keyed x = a[i];
        size_t j = i;
        while (j > lo && a[j - 1].key > x.key) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* The first place in the sorted a[lo..hi) whose key is above `key`
 * (after_equal) or at least `key` (not after_equal); hi if none. */
static size_t bound(const struct scn_keyed *a,
                    size_t lo,
                    size_t hi,
                    uint64_t key,
                    bool after_equal)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid].key < key || (after_equal && a[mid].key == key))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Merges the sorted src[lo..mid) and src[mid..hi) into dst[lo..hi),
 * the left one first on equal keys. The left pairs that no right one
 * precedes and the right pairs that precede no left one keep their
 * places, copied whole: in a plan mostly in time order they are most. */
static void merge(const struct scn_keyed *src,
                  size_t lo,
                  size_t mid,
                  size_t hi,
                  struct scn_keyed *dst)
{
    if (mid >= hi || src[mid - 1].key <= src[mid].key) {
        memcpy(dst + lo, src + lo, (hi - lo) * sizeof(*src));
        return;
    }
    /* src[lo..first) <= src[mid] and src[last..hi) >= src[mid - 1]: the
     * first go before every right pair, the last after every left one. */
    size_t first = bound(src, lo, mid, src[mid].key, true);
    size_t last = bound(src, mid, hi, src[mid - 1].key, false);
    memcpy(dst + lo, src + lo, (first - lo) * sizeof(*src));
    memcpy(dst + last, src + last, (hi - last) * sizeof(*src));
    size_t i = first, j = mid, k = first;
    hi = last;
    while (i < mid && j < hi)
        dst[k++] = src[j].key < src[i].key ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

void scn_sort_keyed(struct scn_keyed *a, size_t n)
{
    /* Runs twice as long when the merges would be an odd number of
     * passes: an even number leaves the pairs in `a`, not in the scratch
     * array to be copied back. */
    size_t run = SORT_RUN;
    unsigned passes = 0;
    for (size_t width = run; width < n; width *= 2)
        passes++;
    if (passes % 2 != 0)
        run *= 2;
    for (size_t lo = 0; lo < n; lo += run)
        insertion_sort(a, lo, min_size(lo + run, n));
    if (n <= run)
        return;
    struct scn_keyed *tmp = g_new(struct scn_keyed, n);
    struct scn_keyed *src = a, *dst = tmp;
    for (size_t width = run; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width)
            merge(src, lo, min_size(lo + width, n), min_size(lo + 2 * width, n),
                  dst);
        struct scn_keyed *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof(*a));
    g_free(tmp);
}

/* Sorts the three values at i < j < k of a in place. */
static void order3(uint64_t *a, size_t i, size_t j, size_t k)
{
    uint64_t t;
    if (a[j] < a[i]) {
        t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
    if (a[k] < a[j]) {
        t = a[j];
        a[j] = a[k];
        a[k] = t;
        if (a[j] < a[i]) {
            t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}

void scn_select_u64(uint64_t *a, size_t lo, size_t n, size_t k)
{
    g_assert(lo <= k && k < n);
    size_t hi = n - 1; /* a[lo..hi] holds the place k */
    while (hi - lo >= 3) {
        size_t mid = lo + (hi - lo) / 2;
        order3(a, lo, mid, hi);
        uint64_t pivot = a[mid];
        /* a[lo] <= pivot <= a[hi] stop both scans inside the range; equal
         * values stop them too, so many equal values split evenly. */
        size_t i = lo, j = hi;
        for (;;) {
            while (a[++i] < pivot)
                ;
            while (pivot < a[--j])
                ;
            if (i >= j)
                break;
            uint64_t t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        /* a[lo..j] <= pivot <= a[j + 1..hi] */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
    for (size_t i = lo + 1; i <= hi; i++) { /* three values or fewer */
        uint64_t x = a[i];
        size_t j = i;
        while (j > lo && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}
