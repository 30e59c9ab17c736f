/* sim_bench_fuzz.c: the fuzz case of raftsim-bench, seeds per CPU second.
 *
 * Invariant: the work is exactly what `raftsim fuzz --seeds N` does for each
 * passing seed of seeds 1..N with the default options (5 nodes, 10 virtual
 * seconds, every fault kind, the liveness phase that every generated
 * scenario ends with): generate the scenario from the seed, then run it with
 * every checker and the linearizability check on, under the campaign's
 * event budget. Worker processes, reproducers and shrinking are left out:
 * they cost nothing on a passing seed beyond a fork per worker. The figures
 * are a pure function of the build, except for the clock readings.
 */
#include "sim/bench/sim_bench_fuzz.h"

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_fuzz.h"

/* The campaign's per-seed event budget (raftsim fuzz's default). */
#define BENCH_FUZZ_MAX_EVENTS UINT64_C(5000000)

void sim_bench_fuzz_run(struct sim_bench_fuzz *f)
{
    struct scn_fuzz_options o;
    scn_fuzz_options_init(&o);
    struct scn_budget budget;
    scn_budget_init(&budget);
    budget.max_events = BENCH_FUZZ_MAX_EVENTS;
    for (uint64_t seed = f->from; seed < f->from + f->seeds; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        struct scn_fuzz_verdict v = {0};
        if (scn_fuzz_run_budget(sc, &budget, &v) != SCN_OK || !v.passed)
            f->failed++;
        f->events += v.events;
        f->sim_us += v.end_us;
        /* Order-sensitive, so a changed seed or order changes the digest. */
        f->digest = (f->digest ^ v.trace_hash) * UINT64_C(0x100000001b3);
        scn_fuzz_verdict_clear(&v);
        scn_scenario_free(sc);
    }
}
