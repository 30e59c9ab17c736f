/* test_raft_uncommitted_bound.c: the leader's bound on uncommitted log bytes
 * (raft_config.max_uncommitted_bytes, RAFT_ENOSPC) through the scenario
 * header `max-uncommitted`: it bounds the log of a leader cut off from its
 * majority, and a client it refuses backs off one heartbeat and asks again
 * instead of waiting for its timeout (sim/sim_client.c).
 */
#include <criterion/criterion.h>
#include <glib.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"

/* Runs the scenario of `head` (its first headers), `max-uncommitted bound`
 * and `body`, and returns the result. */
static struct scn_run_result *run_bound(const char *head,
                                        const char *body,
                                        uint64_t bound)
{
    char *text = g_strdup_printf("%smax-uncommitted %llu\n%s", head,
                                 (unsigned long long)bound, body);
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *sc = NULL;
    int rc = scn_parse_buffer("bound.scn", text, strlen(text), &sc, diags);
    if (rc != SCN_OK)
        scn_diags_print(diags, stderr);
    cr_assert_eq(rc, SCN_OK);
    g_ptr_array_free(diags, TRUE);
    cr_assert_eq(sc->max_uncommitted, bound);
    struct scn_run_options o;
    scn_run_options_init(&o);
    struct scn_run_result *res = NULL;
    cr_assert_eq(scn_run(sc, &o, &res), SCN_OK);
    scn_scenario_free(sc);
    g_free(text);
    return res;
}

/* n1 leads, loses its majority at 0.5s and, without CheckQuorum, keeps
 * leading while a load of 100 writes is sent to it; the run ends while it
 * is still cut off. */
static const char minority_head[] = "cluster 3\nrun 2.9s\n";
static const char minority_leader[] =
    "at 0s timeout n1\n"
    "at 0.5s partition n1 | n2 n3\n"
    "at 0.6s load 100/s for 1s via n1\n"
    "at 2.8s expect role n1 leader\n";

Test(raft_uncommitted_bound, a_minority_leader_stops_appending_at_the_bound)
{
    struct scn_run_result *r = run_bound(minority_head, minority_leader, 200);
    cr_assert(r->passed);
    uint64_t pending = sim_last_index(r->sim, 1) - sim_commit_index(r->sim, 1);
    /* Each command is charged at least its length; 200 bytes hold a few
     * dozen at most, and the batch that crosses the bound is the last. */
    cr_assert_gt(pending, 0);
    cr_assert_leq(pending, 40, "%llu entries uncommitted",
                  (unsigned long long)pending);
    scn_run_result_free(r);
    r = run_bound(minority_head, minority_leader, 0);
    pending = sim_last_index(r->sim, 1) - sim_commit_index(r->sim, 1);
    cr_assert_geq(pending, 90, "without a bound every write is appended");
    scn_run_result_free(r);
}

/* n1's followers are slow to make entries durable, so the first write stays
 * uncommitted for over 100ms and the second finds n1 at its bound. */
static const char slow_head[] = "cluster 3\nrun 3s\n";
static const char slow_commit[] =
    "at 0s timeout n1\n"
    "at 0.5s set disk-latency 100ms on n2 n3\n"
    "at 1s client set a 1 via n1\n"
    "at 1.02s client set b 2 via n1\n"
    "at 1.4s expect completed == 2\n";

Test(raft_uncommitted_bound,
     a_client_refused_at_the_bound_retries_after_a_heartbeat)
{
    /* The refused write completes once the first one commits, long before
     * its client's timeout (500ms) would have sent it again. */
    struct scn_run_result *r = run_bound(slow_head, slow_commit, 10);
    cr_assert(r->passed);
    cr_assert_eq(sim_requests_completed(r->sim), 2);
    scn_run_result_free(r);
}
