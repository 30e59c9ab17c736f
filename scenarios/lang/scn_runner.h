/* scn_runner.h: the runner's shared state and helpers (private to
 * scn_run*.c).
 *
 * One run is one `struct scn_runner`, split by concern: scn_run.c
 * (scheduling the statements into the engine, driving it, the results),
 * scn_run_resolve.c (node references and `as` names), scn_run_action.c
 * (performing actions) and scn_run_check.c (judging checks and windows).
 *
 * Invariant: every choice the runner makes comes from the scenario, the
 * options or the engine's seeded generator, in an order fixed by the file,
 * so a run is a pure function of its inputs.
 */
#ifndef SCN_RUNNER_H
#define SCN_RUNNER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_settle.h"
#include "sim/sim_rng.h"

/* The stream under the seed that `follower` and `any` draw from, each
 * statement from its own key under it ("refs"). */
#define SCN_REF_DRAWS UINT64_C(0x7265667300000000)

/* What an `as` name currently names. */
enum scn_slot_state {
    SLOT_UNBOUND = 0, /* its statement has not run (or failed) */
    SLOT_BOUND,       /* names `node` */
    SLOT_NOTHING,     /* bound by a skipped statement */
};

struct scn_slot
{
    enum scn_slot_state state;
    uint32_t node;
};

/* How resolving a statement's references went. */
enum scn_stmt_status {
    STMT_OK = 0,
    STMT_SKIP, /* a `?` reference found nothing, or a name names nothing */
    STMT_FAIL, /* a plain reference found nothing */
};

/* The references of one statement while it runs. */
/* Words of scn_stmt.named: a bit for every node id up to SCN_CLUSTER_MAX. */
#define SCN_STMT_NAMED_WORDS ((SCN_CLUSTER_MAX + 64) / 64)

struct scn_stmt
{
    const struct scn_step *step;
    /* Nodes named so far, for rest/any: bit id % 64 of word id / 64
     * (scn_stmt_named()). Bits, not a byte a node: it is cleared for
     * every statement run, and 256 bytes cleared cost more than the
     * statement's resolving. */
    uint64_t named[SCN_STMT_NAMED_WORDS];
    enum scn_stmt_status status;
    GString *why;     /* skip or failure reason (first one); NULL: none */
    GArray *bindings; /* struct scn_binding: `as` names to set if it runs;
                       * NULL until the first */
    /* `follower`/`any` draws, keyed by the statement: seeded at the first
     * draw (most statements draw nothing). */
    bool rng_seeded;
    struct sim_rng rng;
};

/* Whether node `id` (0..SCN_CLUSTER_MAX) was named earlier in `m`. */
static inline bool scn_stmt_named(const struct scn_stmt *m, uint32_t id)
{
    return (m->named[id / 64] >> (id % 64)) & 1u;
}

/* Notes that node `id` (0..SCN_CLUSTER_MAX) is named in `m`. */
static inline void scn_stmt_name(struct scn_stmt *m, uint32_t id)
{
    m->named[id / 64] |= UINT64_C(1) << (id % 64);
}

struct scn_binding
{
    int32_t slot;
    uint32_t node;
};

/* A check with its references resolved. */
struct scn_resolved_check
{
    const struct scn_check *check;
    GArray *nodes;       /* uint32_t: `in`/`among` list */
    uint32_t node;       /* ROLE */
    GArray *scope_nodes; /* uint32_t: SCN_SCOPE_NODES */
    GArray *learners;    /* uint32_t: CONFIG, LEARNERS */
};

/* An expect statement whose verdict is pending (windows) or being made. */
struct scn_judged
{
    const struct scn_step *step;
    struct scn_resolved_check rc;
    bool done;            /* verdict given */
    uint32_t leader;      /* SAME_LEADER: the leader at the window's start */
    uint64_t leader_term; /* and its term */
};

/* All statements of one virtual time. */
struct scn_group
{
    struct scn_runner *r;
    uint64_t time_us;
    guint first; /* index of the first step in scenario->steps */
    guint count;
};

struct scn_runner
{
    const struct scn_scenario *sc;
    const struct scn_run_options *opt;
    struct sim *s;
    struct scn_run_result *res;
    struct scn_slot *slots; /* one per scenario->names */
    struct scn_group *groups; /* one per time with steps, owned */
    GPtrArray *windows;     /* struct scn_judged *, open windows, owned */
    GPtrArray *settles;     /* struct scn_settle *, not yet judged, owned */
    GString *scratch;
    bool in_observer;
    struct scn_triggers *triggers; /* armed `when` statements */
    /* A trigger fired since the fired queue was last found empty: while
     * false the queue is empty (only scn_triggers_hear() fills it), so
     * the observer need not ask it after every event. */
    bool fired_pending;
    /* Each step's draw key (scn_identity.h), keys[i] for sc->steps' step
     * i, whose index is found by the step's address in an open-addressing
     * table of 1 + the index (key_cap slots, a power of two over 1.5 times the
     * steps; 0: empty) that is looked up only, never iterated; it holds
     * the steps that may draw (scn_step_may_draw()), the only ones asked. Four bytes
     * a slot: the table is cleared whole once a run. And the run's key for
     * reference draws. */
    uint64_t *keys;
    uint32_t *key_slots;
    size_t key_cap;
    uint64_t ref_key;
    /* The first event count at which over_budget() can find anything: the
     * next multiple of SCN_BUDGET_POLL_EVENTS or the first count over
     * max_events (0 before the first event). */
    uint64_t budget_next;
    /* The first event count after which the observer has anything to do:
     * budget_next while no trigger has fired and no settle or window is
     * open, else 0. The observer sets it as it leaves; whatever starts to
     * wait (a trigger firing, a settle or a window opening) sets it to 0
     * through scn_runner_wake(). Below it an event needs nothing of the
     * observer: one comparison after every event. */
    uint64_t observe_at;
    /* While only settles wait and each one's answers are known in advance
     * (scn_settle_quiet_until()), the observer is on_event_settling(),
     * which skips what judging would not change: after an event that
     * leaves the standing's version and the completed requests at
     * quiet_version and quiet_completed, before quiet_until_us, below
     * observe_at. The observer chooses it as it leaves. */
    uint64_t quiet_version;
    uint64_t quiet_completed;
    uint64_t quiet_until_us;
};

/* Something waits for the observer (a trigger fired, a settle or a window
 * opened): it runs after the next event. */
static inline void scn_runner_wake(struct scn_runner *r)
{
    r->observe_at = 0;
}

/* ---- scn_run.c ---- */

void scn_runner_append_node_set(GString *out, const GArray *nodes);

bool scn_runner_node_in(const GArray *nodes, uint32_t node);

/* Narrows the engine's listener (on_trace) to the trace kinds it uses:
 * roles, checks, notes and those of the waiting triggers. Called whenever
 * the waiting triggers change. */
void scn_runner_listen(struct scn_runner *r);

/* Records a failure; `message` is copied. Stops the engine when asked. */
void scn_runner_add_failure(struct scn_runner *r,
                            enum scn_failure_kind kind,
                            const struct scn_step *step,
                            const char *message);

void scn_runner_add_warning(struct scn_runner *r, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* ---- scn_run_resolve.c ---- */

/* Where the search for `step`'s draw key starts in a table of mask + 1
 * slots: a mix of its address, which places it and decides nothing. */
size_t scn_runner_step_slot(const struct scn_step *step, size_t mask);

/* The draw key of `step` (scn_identity.h). */
uint64_t scn_runner_step_key(const struct scn_runner *r,
                             const struct scn_step *step);

void scn_runner_stmt_init(const struct scn_runner *r,
                          struct scn_stmt *m,
                          const struct scn_step *step);

void scn_runner_stmt_clear(struct scn_stmt *m);

/* Resolves one reference that names a single node (not `rest`). Returns
 * the node, or 0 when the statement cannot run (m->status says why). */
uint32_t scn_runner_resolve_one(struct scn_runner *r,
                                struct scn_stmt *m,
                                const struct scn_node_ref *ref);

/* Appends the nodes `list` names to `out` (uint32_t); `rest` expands to
 * every node not named earlier in the statement. False when the statement
 * cannot run. */
bool scn_runner_resolve_list(struct scn_runner *r,
                             struct scn_stmt *m,
                             const struct scn_node_list *list,
                             GArray *out);

/* After a statement: binds its names, or makes them name nothing when it did
 * not run. Every `as` of the statement is visited through its step. */
void scn_runner_bind_names(struct scn_runner *r, struct scn_stmt *m);

/* Reports a statement that could not run: a trace note when skipped, a
 * failure when a plain reference found nothing. */
void scn_runner_report_unrun(struct scn_runner *r,
                             struct scn_stmt *m,
                             bool is_check);

/* ---- scn_run_action.c ---- */

/* Records an action's outcome: a failure naming `what` unless rc is SIM_OK. */
void scn_runner_action_result(struct scn_runner *r,
                              const struct scn_step *step,
                              const char *what,
                              int rc);

/* The engine's mode for a scenario's (SCN_READ_DEFAULT never reaches the
 * engine: the header's mode stands in for it). */
enum sim_read_mode scn_runner_read_mode(enum scn_read_mode mode);

struct sim_disk_latency scn_runner_disk_latency(
    const struct scn_disk_latency *l);

/* Resolves and performs one non-expect statement. */
void scn_runner_run_action(struct scn_runner *r, const struct scn_step *step);

/* ---- scn_run_check.c ---- */

/* Frees a struct scn_judged (a GPtrArray's free function). */
void scn_runner_judged_free(void *p);

/* Gives a settle statement its verdict (see scn_settle.h). Its trace text
 * names no line, so that a generated scenario and its printed file give
 * the same trace hash. */
void scn_runner_settle_verdict(struct scn_runner *r,
                               struct scn_settle *st,
                               bool ok);

/* Judges the pending settle statements after an event, and gives those
 * whose deadline is <= close_us (0: none) their last verdict;
 * drops the decided ones. */
void scn_runner_judge_settles(struct scn_runner *r, uint64_t close_us);

/* Evaluates an open window once; gives the verdict when it is decided. */
void scn_runner_judge_window(struct scn_runner *r, struct scn_judged *j);

/* A window's last instant has passed: the verdict it still owes. */
void scn_runner_close_window(struct scn_runner *r, struct scn_judged *j);

/* Resolves and evaluates (at) or opens (windows) one expect statement. */
void scn_runner_run_expect(struct scn_runner *r, const struct scn_step *step);

#endif /* SCN_RUNNER_H */
