/* sim_bench_fuzz.h: the fuzz case of raftsim-bench (sim_bench_fuzz.c).
 *
 * Owns nothing: the caller holds the struct; sim_bench_fuzz_run adds to its
 * tallies, so a zeroed struct with `from` and `seeds` set starts a count.
 */
#ifndef SIM_BENCH_FUZZ_H
#define SIM_BENCH_FUZZ_H

#include <stdint.h>

struct sim_bench_fuzz
{
    uint64_t from, seeds; /* in: seeds from..from+seeds-1 */
    uint64_t failed;      /* out: seeds refused or not passed */
    uint64_t events;      /* out: engine events, summed */
    uint64_t sim_us;      /* out: virtual time, summed */
    uint64_t digest;      /* out: folds every seed's trace hash in order */
};

/* Generates and runs every seed of f as `raftsim fuzz` runs a passing one. */
void sim_bench_fuzz_run(struct sim_bench_fuzz *f);

#endif
