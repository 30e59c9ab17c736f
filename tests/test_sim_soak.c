/* test_sim_soak.c: 200 seeds of 10 simulated seconds on 5 nodes with every
 * fault on (loss, duplication, reordering, partitions, one-way cuts, crashes
 * and restarts, pauses, clock drift) under client load: no safety property
 * is ever violated and every client history is linearizable. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "sim/sim.h"
#include "tests/support/random_faults.h"

#define SOAK_SEEDS 200
#define SOAK_US 10000000

struct soak_result
{
    uint64_t completed;
    uint64_t crashes;
    uint64_t events;
};

static void soak_one(uint64_t seed, struct soak_result *total)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.seed = seed;
    c.drop_ppm = 50000;
    c.duplicate_ppm = 20000;
    c.reorder_ppm = 50000;
    c.snapshot_every = (seed % 2) ? 32 : 0;
    c.pre_vote = seed % 3 == 0;
    c.check_quorum = seed % 4 == 0;
    c.disk_sync_us = 2000;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    struct rf_config ch;
    rf_config_init(&ch);
    ch.interval_us = 400000;
    ch.downtime_us_max = 800000;
    struct rf_schedule *faults = rf_start(s, &ch, SOAK_US - 2000000);
    cr_assert_eq(sim_load(s, 40.0, SOAK_US - 1000000, 0), SIM_OK);
    int rc = sim_run_until(s, SOAK_US);
    if (rc != SIM_OK && sim_get_failure(s))
        sim_failure_print(sim_get_failure(s), stderr);
    cr_assert_eq(rc, SIM_OK, "seed %llu: %s", (unsigned long long)seed,
                 sim_strerror(rc));
    struct sim_lin_report r;
    enum sim_lin_verdict v = sim_check_linearizable(s, 0, &r);
    cr_assert_eq(v, SIM_LIN_OK, "seed %llu: key %s: %s",
                 (unsigned long long)seed, r.key ? r.key : "?",
                 r.explanation ? r.explanation->str : "");
    cr_assert_null(sim_get_failure(s));
    sim_lin_report_clear(&r);
    struct sim_counters k;
    sim_get_counters(s, &k);
    total->completed += sim_requests_completed(s);
    total->crashes += k.crashes;
    total->events += k.events;
    sim_free(s);
    rf_free(faults);
}

Test(sim_soak,
     every_fault_on_200_seeds_keeps_safety_and_linearizability,
     .timeout = 120)
{
    struct soak_result total = {0};
    for (uint64_t seed = 1; seed <= SOAK_SEEDS; seed++)
        soak_one(seed, &total);
    /* The faults really happened and the clients made progress. */
    cr_assert_gt(total.crashes, SOAK_SEEDS);
    cr_assert_gt(total.completed, SOAK_SEEDS * 100);
}
