/* test_sim_read.c: gets served without the log (thesis §6.4 ReadIndex, §6.4.1
 * lease reads) through the engine and the scenario language.
 *
 * The library's scenarios/lease-read-drift.scn passes with its drift bound
 * (test_scn_library.c runs it over many seeds); here the same file without the
 * bound must fail, with the stale read reported by the linearizability
 * checker. The other tests run small scenarios held in this file.
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "tests/support/scn_harness.h"

/* Runs sc with seed (0: its own) and returns the result. */
static struct scn_run_result *run(const struct scn_scenario *sc, uint64_t seed)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    if (seed != 0) {
        o.has_seed = true;
        o.seed = seed;
    }
    struct scn_run_result *res = NULL;
    cr_assert_eq(scn_run(sc, &o, &res), SCN_OK);
    return res;
}

/* Whether the run passed; a failure's first message goes to stderr. */
static bool passed(const struct scn_run_result *res)
{
    if (!res->passed && res->lin_explanation)
        fprintf(stderr, "%s\n", res->lin_explanation);
    return res->passed;
}

Test(reads, a_lease_read_on_a_slow_clock_without_the_drift_bound_is_caught)
{
    struct scn_scenario *sc = sh_parse_path("scenarios/lease-read-drift.scn");
    cr_assert(sc->has_lease_drift_bound && sc->lease_drift_bound_us > 0);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct scn_run_result *res = run(sc, seed);
        cr_assert(passed(res), "with the bound, seed %llu",
                  (unsigned long long)seed);
        scn_run_result_free(res);
    }
    /* The same file without the bound: the leader trusts a lease of a whole
     * election timeout on a clock at a quarter of real speed. */
    sc->lease_drift_bound_us = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        struct scn_run_result *res = run(sc, seed);
        cr_assert_not(res->passed, "without the bound, seed %llu",
                      (unsigned long long)seed);
        cr_assert(res->lin_checked);
        cr_assert_eq(res->lin_verdict, SIM_LIN_VIOLATION,
                     "the property that fails is linearizability");
        cr_assert_not(res->violation, "no other safety property fails");
        scn_run_result_free(res);
    }
    scn_scenario_free(sc);
}

/* n2 still hears from n1 when `timeout n2` fires its timer; n3 has not
 * for a second, so it grants n2 the PreVote and the vote. */
static const char forced_timeout_in_lease[] =
    "cluster 3\n"
    "run 4s\n"
    "election-timeout 300ms 600ms\n"
    "prevote on\n"
    "reads %s\n"
    "lease-drift-bound 50ms\n"
    "at 0s timeout n1\n"
    "at 0.5s client set x 1 via n1\n"
    "at 1s partition n1 n2 | n3\n"
    "at 2s partition n1 | n2 n3\n"
    "at 2s timeout n2\n"
    "at 2.05s client set x 2 via n2\n"
    "at 2.12s client get x via n1\n"
    "at 3s heal\n";

Test(reads, a_forced_timeout_inside_the_lease_is_a_fault_a_lease_read_does_not_survive)
{
    /* `timeout` makes n2 campaign and vote for itself while n1 counts on
     * n2's last acknowledgement for its lease: n2 wins with n3's vote,
     * x = 2 commits, and n1's lease read answers 1. ReadIndex, which asks
     * a majority, survives the same fault. */
    char *text = g_strdup_printf(forced_timeout_in_lease, "lease");
    struct scn_scenario *sc = sh_parse(text);
    struct scn_run_result *res = run(sc, 0);
    cr_assert_not(res->passed);
    cr_assert_eq(res->lin_verdict, SIM_LIN_VIOLATION);
    cr_assert_not(res->violation, "no other safety property fails");
    scn_run_result_free(res);
    scn_scenario_free(sc);
    g_free(text);
    text = g_strdup_printf(forced_timeout_in_lease, "read-index");
    sc = sh_parse(text);
    res = run(sc, 0);
    cr_assert(passed(res));
    scn_run_result_free(res);
    scn_scenario_free(sc);
    g_free(text);
}

Test(reads, read_index_and_lease_gets_append_nothing_to_the_log)
{
    /* applied counts client commands in the log: one set, no get. */
    struct scn_scenario *sc = sh_parse(
        "cluster 3\nrun 3s\nprevote on\ncheckquorum on\n"
        "lease-drift-bound 20ms\n"
        "at 0s timeout n1\n"
        "at 1s client set x 1 via n1\n"
        "at 1.2s client get x read-index via n1\n"
        "at 1.3s client get x read-index via n2\n"
        "at 1.4s client get x lease via n1\n"
        "at 1.5s client get x lease via n3\n"
        "at 2.5s expect completed == 5\n"
        "at 2.5s expect applied == 1 on all\n");
    struct scn_run_result *res = run(sc, 0);
    cr_assert(passed(res));
    scn_run_result_free(res);
    scn_scenario_free(sc);
}

/* Runs the two-get scenario under `reads MODE` and expects `applied` log
 * commands on every node. */
static void run_default_mode(const char *mode, const char *applied)
{
    char *t = g_strconcat("cluster 3\nrun 3s\nprevote on\nreads ", mode,
                          "\nat 0s timeout n1\n"
                          "at 1s client set x 1 via n1\n"
                          "at 1.2s client get x via n2\n"
                          "at 1.3s client get x log via n2\n"
                          "at 2.5s expect completed == 3\n"
                          "at 2.5s expect applied == ",
                          applied, " on all\n", NULL);
    struct scn_scenario *sc = sh_parse(t);
    struct scn_run_result *res = run(sc, 0);
    cr_assert(passed(res), "reads %s", mode);
    scn_run_result_free(res);
    scn_scenario_free(sc);
    g_free(t);
}

Test(reads, gets_that_name_no_mode_take_the_reads_header_mode)
{
    /* read-index: only the get naming `log` is a log entry. */
    run_default_mode("read-index", "2");
    run_default_mode("log", "3");
}

Test(reads, a_read_index_get_on_a_follower_reads_every_completed_write)
{
    /* Followers learn the commit index only with the next heartbeat; a
     * follower that answered from its own state at once would miss the
     * write just completed. Forwarded to the leader, the read waits until
     * the follower has applied the leader's commit index. */
    struct scn_scenario *sc =
        sh_parse("cluster 5\nrun 4s\nheartbeat 200ms\n"
                   "election-timeout 600ms 1200ms\nreads read-index\n"
                   "at 0s timeout n1\n"
                   "at 1s client set x 1 via n1\n"
                   "at 1.5s client set x 2 via n1\n"
                   "at 1.5s..2s expect completed == 2\n"
                   "at 1.5s load 400/s for 1s via n3\n"
                   "at 3s expect linearizable\n");
    for (uint64_t seed = 1; seed <= 5; seed++) {
        struct scn_run_result *res = run(sc, seed);
        cr_assert(passed(res), "seed %llu", (unsigned long long)seed);
        scn_run_result_free(res);
    }
    scn_scenario_free(sc);
}
