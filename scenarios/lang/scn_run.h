/* scn_run.h: running a validated scenario on the simulation engine.
 *
 * The runner turns a struct scn_scenario into one struct sim and drives it to
 * the scenario's end. Everything it chooses (which `follower`, which `any`)
 * comes from the seed, so the same scenario, options and seed give the same
 * run, the same verdicts and the same trace hash. Nothing here reads a clock;
 * wall time is for the caller to measure. Each statement draws from streams
 * keyed by its identity (scn_identity.h): its `follower`/`any` choices, and,
 * for `client` and `load`, the requests' draws in the engine
 * (sim_client_request_keyed, sim_load_keyed). Deleting one statement leaves
 * the others' draws unchanged.
 *
 * Semantics (docs/scenario-language.md, plus the choices it leaves open):
 * - Statements at one virtual time run in file order, checks included: an
 *   `at T expect` sees the actions written before it at T and none written
 *   after it; a window opens at its place in that order too.
 * - Node references are resolved when their statement runs, once: `leader`
 *   is sim_current_leader(); `follower` and `any` are drawn among live nodes
 *   not yet named in the statement; `rest` is every node not yet named.
 *   References inside a windowed check are resolved when the window opens;
 *   `all` and `majority` scopes are re-read at every evaluation.
 * - A `?` reference with no node skips its statement (a trace note says
 *   so); every name the statement binds then names nothing, and any later
 *   statement that uses such a name is skipped too.
 * - `at A..B expect` passes after the first event in [A, B] where the check
 *   holds (or at A); it fails at B, after every event of time B.
 *   `during A..B expect` must hold at A and after every event in [A, B].
 * - A failed check or action is recorded and the run goes on (unless
 *   stop_at_first_failure). A safety violation ends the run, and so does a
 *   budget (struct scn_budget). At the end the
 *   client history is checked for linearizability: a violation fails the
 *   run, an inconclusive search is only a warning.
 */
#ifndef SCN_RUN_H
#define SCN_RUN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang/scn_ast.h"
#include "sim/sim.h"

/* Called between events at a virtual time the caller asked for, after every
 * event of that time: `s` is borrowed for the call and may be queried (not
 * driven). `ctx` is the options' pointer. */
typedef void scn_run_pause_fn(struct sim *s, uint64_t time_us, void *ctx);

/* Asked by the runner every SCN_BUDGET_POLL_EVENTS events: true stops the
 * run now (e.g. the host's wall-time budget ran out, or its trace cannot be
 * written). `ctx` is the budget's interrupt_ctx. */
typedef bool scn_run_interrupt_fn(void *ctx);

/* The default budgets: far above what any library scenario needs (the
 * largest takes a few thousand events and well under a megabyte), low
 * enough to end a runaway run long before the machine runs out of memory. */
#define SCN_BUDGET_EVENTS_DEFAULT UINT64_C(100000000)
#define SCN_BUDGET_MEMORY_DEFAULT (UINT64_C(1) << 30)
/* How often (in processed events) memory and the interrupt are polled. */
#define SCN_BUDGET_POLL_EVENTS 1024u

/* What one run may cost (docs/scenario-language.md, Budgets). The runner
 * checks it as it drives the engine and, when a limit is passed, stops the
 * run there: the result says which (budget_exceeded) and carries one
 * SCN_FAILURE_BUDGET failure. The event and memory limits are functions of
 * the run alone, so they stop the same run at the same event every time;
 * the interrupt is how a host adds limits of its own (wall time) without
 * the runner reading a clock. A value of 0 means no limit. One struct per
 * run: a campaign gives every seed its own copy. */
struct scn_budget
{
    uint64_t max_events;             /* engine events processed */
    uint64_t max_memory_bytes;       /* sim_memory_bytes(), polled */
    scn_run_interrupt_fn *interrupt; /* NULL: never interrupted */
    void *interrupt_ctx;             /* borrowed until scn_run() returns */
};

/* Fills *b with SCN_BUDGET_EVENTS_DEFAULT, SCN_BUDGET_MEMORY_DEFAULT and no
 * interrupt. */
void scn_budget_init(struct scn_budget *b);

/* Which budget ended a run. */
enum scn_budget_kind {
    SCN_BUDGET_NONE = 0,    /* the run was not stopped by a budget */
    SCN_BUDGET_EVENTS,      /* more than max_events events */
    SCN_BUDGET_MEMORY,      /* sim_memory_bytes() above max_memory_bytes */
    SCN_BUDGET_INTERRUPTED, /* the interrupt asked to stop */
};

struct scn_run_options
{
    /* Replaces the scenario's seed when has_seed. */
    bool has_seed;
    uint64_t seed;
    /* Borrowed until scn_run() returns: one JSON object per trace event;
     * NULL writes none. */
    FILE *trace_jsonl;
    /* Keep every trace event in memory, as pictures and frames need (the
     * result's leaders and notes are collected either way). Default off:
     * then the run's memory does not grow with virtual time. */
    bool record_events;
    /* The engine's safety checkers after every event. Default on. */
    bool checkers;
    /* Keep the last events for a safety violation's report
     * (sim_config.recent_events). Default on; a host that reports no
     * failure's last events turns it off and the run costs less. */
    bool recent_events;
    /* Run the linearizability check at the end. Default on. */
    bool linearizability;
    /* Search bound of the linearizability check; 0: the engine's default. */
    uint64_t lin_max_states;
    /* End the run at the first failed check or action. Default off: the run
     * goes on and every failure is recorded. */
    bool stop_at_first_failure;
    /* Engine errors of actions (`restart` of a live node, `crash` of a
     * crashed one) become trace notes and warnings instead of failures.
     * Default off. */
    bool lenient_actions;
    /* When on_tick is set: called at 0, tick_every_us, 2 x tick_every_us,
     * ... up to the end (tick_every_us > 0), e.g. to draw frames. */
    scn_run_pause_fn *on_tick;
    uint64_t tick_every_us;
    void *tick_ctx;
    /* When on_pause is set: called once at pause_at_us (clamped to the
     * run's end), e.g. to capture the logs for a picture. */
    scn_run_pause_fn *on_pause;
    uint64_t pause_at_us;
    void *pause_ctx;
    /* Limits on the run's cost; scn_budget_init's defaults. */
    struct scn_budget budget;
};

/* Fills *o with the defaults noted above. */
void scn_run_options_init(struct scn_run_options *o);

enum scn_failure_kind {
    SCN_FAILURE_CHECK = 1, /* an expect check did not hold */
    SCN_FAILURE_ACTION,    /* an action could not be done (no leader...) */
    SCN_FAILURE_SAFETY,    /* the engine found a safety violation */
    SCN_FAILURE_LINEARIZABILITY, /* the client history has no valid order */
    SCN_FAILURE_BUDGET,          /* a budget stopped the run before its end */
    SCN_FAILURE_LIVENESS,        /* a `settle` saw no stable leader, or
                                    requests still pending, by its bound */
};

/* The kind's lower-case name: "check", "action", "safety",
 * "linearizability", "budget", "liveness". Static. */
const char *scn_failure_kind_name(enum scn_failure_kind kind);

/* One thing that went wrong. */
struct scn_failure
{
    enum scn_failure_kind kind;
    /* The statement's position in the file (CHECK, ACTION, LIVENESS); 0
     * otherwise. */
    uint32_t line;
    uint32_t column;
    /* The virtual time it was found at. */
    uint64_t time_us;
    /* The statement as canonical text ("at 2s expect leader in n1 n2");
     * owned; NULL for SAFETY and LINEARIZABILITY. */
    char *statement;
    /* What was expected and what was found instead, one sentence without
     * file, line or time: "expected a leader in {n1,n2}, found n3 (term 4)".
     * For SAFETY: "election-safety: <the engine's detail>". Owned. */
    char *message;
};

/* Who led which term, from the recorded events. */
struct scn_leader_term
{
    uint64_t term;
    uint32_t node;
    uint64_t since_us; /* when it became leader */
};

/* A check verdict or a note of the trace (a skipped statement, a lenient
 * action error), for a verbose report. */
struct scn_run_note
{
    uint64_t time_us;
    bool is_check; /* a check verdict; else a note */
    bool ok;       /* the check held */
    char *text;    /* owned: "line 7: expected a leader ..." */
};

/* Everything a report needs. Owns what it points to. */
struct scn_run_result
{
    /* The finished simulation, for further queries (counters, history,
     * recorded events, logs). Owned; freed by scn_run_result_free. */
    struct sim *sim;
    char *file_name; /* copied from the scenario */
    char *title;     /* copied from the scenario */
    uint64_t seed;   /* the seed actually used */
    uint32_t n_nodes;
    uint64_t end_us; /* the virtual time the run stopped at */

    /* True when no check, action, safety property or linearizability
     * failed. */
    bool passed;
    uint64_t checks_passed;
    uint64_t checks_failed;
    uint64_t checks_skipped;  /* checks of skipped statements */
    uint64_t actions_skipped; /* actions of skipped statements */
    /* struct scn_failure *, in the order found. */
    GPtrArray *failures;
    /* char *: things to know that are not failures (an inconclusive
     * linearizability search, a lenient action error), one sentence each
     * without the file name: "line 7 never ran: ...". */
    GPtrArray *warnings;

    /* Set when a budget stopped the run (also one BUDGET failure); then
     * windows still open get no verdict and linearizability is not
     * checked. */
    enum scn_budget_kind budget_exceeded;
    uint64_t memory_bytes; /* sim_memory_bytes() when the run stopped */

    /* Set when a safety property failed (also one SAFETY failure). */
    bool violation;
    /* The linearizability verdict; SIM_LIN_UNKNOWN when not checked. */
    bool lin_checked;
    enum sim_lin_verdict lin_verdict;
    char *lin_explanation; /* owned; NULL when OK or not checked */

    uint64_t trace_hash;
    uint64_t events; /* processed by the engine */
    /* The file's `trace-hash` (a reproducer's record of its run), when it
     * has one and the run used the file's own seed; then trace_hash_differs
     * says whether this run's hash is another (and a warning says so). */
    bool trace_hash_recorded;
    uint64_t recorded_trace_hash;
    bool trace_hash_differs;

    /* struct scn_leader_term, in order of becoming leader. */
    GArray *leaders;
    /* struct scn_run_note *, in trace order: every check verdict and note.
     * Their number is bounded by the file's statements. */
    GPtrArray *notes;

    /* Latencies of completed client requests, from the history. */
    uint64_t requests_invoked;
    uint64_t requests_completed;
    uint64_t latency_us_p50;
    uint64_t latency_us_p90;
    uint64_t latency_us_p99;
    uint64_t latency_us_max;
};

/* Runs `scenario` (borrowed until the call returns; must be valid, as the
 * parser returns it) with `options` (borrowed; NULL: the defaults) and
 * stores a new result in *out, which the caller frees with
 * scn_run_result_free. Returns SCN_OK when the scenario ran (passed or not:
 * see result->passed), or SCN_EINVAL (and *out NULL) when the engine
 * refused the configuration. */
int scn_run(const struct scn_scenario *scenario,
            const struct scn_run_options *options,
            struct scn_run_result **out);

/* Frees `result` and everything it owns, the simulation included. NULL is a
 * no-op. */
void scn_run_result_free(struct scn_run_result *result);

/* The first failure, or NULL when the run passed. Borrowed from result. */
const struct scn_failure *scn_run_first_failure(
    const struct scn_run_result *result);

/* One line for `failure` (borrowed) of `result` (borrowed), without a line
 * end: "FILE:LINE: at 2.000s expected ..." (FILE: at ... when the failure
 * has no line). Returns a new string the caller frees with g_free. */
char *scn_failure_format(const struct scn_run_result *result,
                         const struct scn_failure *failure);

#endif /* SCN_RUN_H */
