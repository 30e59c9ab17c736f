/* random_faults.h: random faults for the engine tests, drawn from the run's
 * fault stream (sim_random_below()) and scheduled with sim_at().
 *
 * A test that wants "every fault, at random" over a long run (soaks,
 * determinism, failure and durability tests) starts a schedule here instead
 * of writing the faults by hand: about every interval_us one of the enabled
 * faults is injected through the engine's public actions (sim_crash,
 * sim_partition, sim_cut, sim_pause, sim_drift) and undone later
 * (sim_restart, sim_heal). Every choice comes from the seed, so a seed names
 * one schedule. Invariant: never more than (n - 1) / 2 nodes are down at
 * once because of it, and every crash it causes is followed by a restart.
 * Scenario files get their faults from the language instead (scenarios/lang/
 * scn_fuzz.c generates them).
 */
#ifndef TEST_RANDOM_FAULTS_H
#define TEST_RANDOM_FAULTS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

struct rf_config
{
    uint64_t interval_us;     /* mean time between faults */
    bool crashes;             /* crash a node, restart it after a while */
    bool partitions;          /* random partition or isolation, healed later */
    bool cuts;                /* one-way cut, healed later */
    bool pauses;              /* pause a node for up to 2 election timeouts */
    bool drift;               /* drift a node by up to +-20% */
    uint64_t downtime_us_max; /* crash, partition and cut durations */
};

/* Everything on, a fault about every 300 ms, down for at most 1 s. */
void rf_config_init(struct rf_config *c);

/* Starts the schedule on s from now until until_us; fails the running test
 * on an invalid config. The result is freed with rf_free() once s is freed
 * or no longer run. */
struct rf_schedule *rf_start(struct sim *s,
                             const struct rf_config *c,
                             uint64_t until_us);

void rf_free(struct rf_schedule *r);

#endif
