/* scn_outcome.h: how one run of a scenario ended, for comparing runs.
 *
 * The shrinker asks of every candidate "does it still fail, and with the
 * same property?"; this is the answer in one struct. A run is judged as
 * `raftsim run` judges it (every safety checker, the linearizability check
 * at the end), bounded by an event budget so that no candidate can run
 * forever. The isolated variant runs the scenario in a forked child, so that
 * a core that aborts (an assertion, a signal) fails that run with the
 * property `crash` instead of ending the caller.
 */
#ifndef SCN_OUTCOME_H
#define SCN_OUTCOME_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"

struct scn_outcome
{
    bool passed;
    /* Failed runs only (NULL otherwise), owned: the property that failed,
     * as the fuzzer names it ("log-matching", "linearizability", "check",
     * "action", "budget", "crash"), and the first line of what was found. */
    char *property;
    char *detail;
    uint64_t time_us;  /* when the failure was found */
    uint32_t nodes[2]; /* a safety violation's nodes; 0 where none */
    uint64_t events;   /* processed by the engine (0 after a crash) */
    uint64_t trace_hash;
};

/* Frees what `o` owns and zeroes it. */
void scn_outcome_clear(struct scn_outcome *o);

/* Runs `scenario` (borrowed, valid) in this process with every checker on
 * and the default budget of scn_run, with at most max_events events when
 * not 0, and stores how it ended in
 * *out (which must own nothing). Returns SCN_OK, or SCN_EINVAL when the
 * engine refused the configuration. */
int scn_outcome_run(const struct scn_scenario *scenario,
                    uint64_t max_events,
                    struct scn_outcome *out);

/* The same in a forked child: a child killed by a signal (an assertion
 * aborts) or exiting without an answer gives property "crash" with the
 * signal or the child's last line of standard error as detail. The child's
 * standard error does not reach the caller's. */
int scn_outcome_run_isolated(const struct scn_scenario *scenario,
                             uint64_t max_events,
                             struct scn_outcome *out);

/* True when `o` failed with exactly `property` (borrowed). */
bool scn_outcome_fails_with(const struct scn_outcome *o, const char *property);

/* True when `o` fails the way `target` (a failed outcome; both borrowed)
 * does, as the shrinker keeps a failure: with the same property and, for
 * "action", the same detail ("crash: node is crashed" is not "restart:
 * node is not crashed": another action kind or engine refusal is another
 * failure, whatever the property's name). */
bool scn_outcome_fails_like(const struct scn_outcome *o,
                            const struct scn_outcome *target);

#endif /* SCN_OUTCOME_H */
