/* scn_run.c: schedules a scenario's statements into the engine, drives it
 * window by window and gathers the results; the statements' references,
 * actions and checks are scn_run_resolve.c's, scn_run_action.c's and
 * scn_run_check.c's (scn_runner.h holds the state they share).
 *
 * Invariant: every choice the runner makes comes from the scenario, the
 * options or the engine's seeded generator, in an order fixed by the file
 * (statements at one time in file order, checks included, references left
 * to right, windows in the order they opened), so a run is a pure function
 * of its inputs. Open
 * windows are judged after every engine event, and each window ends after
 * every event of its last instant because the run is driven in segments
 * that stop exactly at each window's end.
 */
#include "scenarios/lang/scn_run.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_identity.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_runner.h"
#include "scenarios/lang/scn_sort.h"
#include "scenarios/lang/scn_trigger.h"
#include "sim/sim_time_text.h"

/* ---- small helpers ------------------------------------------------------- */

void scn_runner_append_node_set(GString *out, const GArray *nodes)
{
    g_string_append_c(out, '{');
    for (guint i = 0; i < nodes->len; i++)
        g_string_append_printf(out, "%sn%" PRIu32, i ? "," : "",
                               g_array_index(nodes, uint32_t, i));
    g_string_append_c(out, '}');
}

bool scn_runner_node_in(const GArray *nodes, uint32_t node)
{
    for (guint i = 0; i < nodes->len; i++)
        if (g_array_index(nodes, uint32_t, i) == node)
            return true;
    return false;
}

static char *statement_text(const struct scn_runner *r,
                            const struct scn_step *st)
{
    GString *t = g_string_new(NULL);
    scn_print_step(r->sc, st, t);
    return g_string_free(t, FALSE);
}

static void failure_free(void *p)
{
    struct scn_failure *f = p;
    g_free(f->statement);
    g_free(f->message);
    g_free(f);
}

void scn_runner_add_failure(struct scn_runner *r,
                            enum scn_failure_kind kind,
                            const struct scn_step *step,
                            const char *message)
{
    struct scn_failure *f = g_new0(struct scn_failure, 1);
    f->kind = kind;
    f->time_us = sim_now(r->s);
    if (step) {
        f->line = step->line;
        f->column = step->column;
        f->statement = statement_text(r, step);
    }
    f->message = g_strdup(message);
    g_ptr_array_add(r->res->failures, f);
    r->res->passed = false;
    if (r->opt->stop_at_first_failure && kind != SCN_FAILURE_SAFETY)
        sim_stop(r->s);
}

void scn_runner_add_warning(struct scn_runner *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(r->res->warnings, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* ---- scheduling ---------------------------------------------------------- */

/* Runs every statement of one time in file order, checks and window
 * openings included (docs/scenario-language.md, Timed statements and
 * windows): a check sees the actions written before it at its time, never
 * those written after it. */
/* `at T when SUBJECT EVENT ...`: resolves the subject now (`any`: none,
 * any node will do) and arms the trigger. Its `as` name is bound when it
 * fires; a subject that cannot be resolved skips or fails the statement,
 * and its name then names nothing. */
static void arm_trigger(struct scn_runner *r, const struct scn_step *step)
{
    struct scn_node_ref subject = step->subject;
    uint32_t node = 0;
    subject.bind_slot = SCN_NO_SLOT;
    if (subject.kind != SCN_REF_ANY) {
        struct scn_stmt m;
        scn_runner_stmt_init(r, &m, step);
        node = scn_runner_resolve_one(r, &m, &subject);
        if (node == 0) {
            scn_runner_report_unrun(r, &m, false);
            if (step->subject.bind_slot != SCN_NO_SLOT)
                r->slots[step->subject.bind_slot].state = SLOT_NOTHING;
        }
        scn_runner_stmt_clear(&m);
        if (node == 0)
            return;
    }
    scn_triggers_arm(r->triggers, step, node);
    scn_runner_listen(r);
}

/* Runs the action of a trigger that `node` fired, after binding the
 * subject's name to it and saying so in the trace. */
static void run_fired(struct scn_runner *r,
                      const struct scn_step *step,
                      uint32_t node)
{
    if (step->subject.bind_slot != SCN_NO_SLOT) {
        r->slots[step->subject.bind_slot].state = SLOT_BOUND;
        r->slots[step->subject.bind_slot].node = node;
    }
    GString *t = g_string_new(NULL);
    /* No line number: a generated scenario and its printed reproducer
     * must trace (and hash) the same. */
    g_string_printf(t, "when n%" PRIu32 " %s: %s", node,
                    scn_event_name(step->event),
                    scn_action_kind_name(step->action.kind));
    sim_note(r->s, node, t->str);
    g_string_free(t, TRUE);
    scn_runner_run_action(r, step);
}

/* Runs the actions of the triggers fired so far, including those their
 * own actions fire. Nothing to do unless one fired since the queue was
 * last found empty (r->fired_pending). */
static void run_fired_triggers(struct scn_runner *r)
{
    const struct scn_step *step;
    uint32_t node;
    while (r->fired_pending) {
        if (!scn_triggers_take_fired(r->triggers, &step, &node)) {
            r->fired_pending = false;
            break;
        }
        run_fired(r, step, node);
    }
}

static void warn_unfired(const struct scn_step *step,
                         const struct scn_step *settle,
                         void *ctx)
{
    struct scn_runner *r = ctx;
    if (settle)
        scn_runner_add_warning(r,
                               "line %" PRIu32 ": 'when' never fired: no %s "
                               "seen before the settle of line %" PRIu32
                               " disarmed it",
                               step->line, scn_event_name(step->event),
                               settle->line);
    else
        scn_runner_add_warning(r,
                               "line %" PRIu32
                               ": 'when' never fired: no %s seen",
                               step->line, scn_event_name(step->event));
}

static void on_group(struct sim *s, void *ctx)
{
    struct scn_group *g = ctx;
    struct scn_runner *r = g->r;
    (void)s;
    for (guint i = g->first; i < g->first + g->count; i++) {
        const struct scn_step *st = g_ptr_array_index(r->sc->steps, i);
        if (st->triggered)
            arm_trigger(r, st);
        else if (st->action.kind == SCN_ACT_EXPECT)
            scn_runner_run_expect(r, st);
        else
            scn_runner_run_action(r, st);
        /* A trigger an action fired runs right after it, before the next
         * statement of the same time: `timeout n2` then `crash n2` finds
         * n2 as a `when n2 adopts-term crash n2 ... restart n2` left it. */
        run_fired_triggers(r);
    }
}

/* Stops the run for `kind` of budget: one BUDGET failure saying which. */
static void stop_for_budget(struct scn_runner *r, enum scn_budget_kind kind)
{
    const struct scn_budget *b = &r->opt->budget;
    struct scn_run_result *res = r->res;
    res->budget_exceeded = kind;
    res->memory_bytes = sim_memory_bytes(r->s);
    GString *msg = g_string_new(NULL);
    switch (kind) {
    case SCN_BUDGET_EVENTS:
        g_string_printf(msg,
                        "the run exceeded its budget of %" PRIu64 " event%s",
                        b->max_events, b->max_events == 1 ? "" : "s");
        break;
    case SCN_BUDGET_MEMORY:
        g_string_printf(msg,
                        "the run exceeded its memory budget of %" PRIu64
                        " bytes (it held about %" PRIu64 ")",
                        b->max_memory_bytes, res->memory_bytes);
        break;
    default:
        g_string_printf(msg, "the run was interrupted by its host");
        break;
    }
    scn_runner_add_failure(r, SCN_FAILURE_BUDGET, NULL, msg->str);
    g_string_free(msg, TRUE);
    sim_stop(r->s);
}

/* The first event count after `events` at which over_budget() can find
 * anything (scn_runner.budget_next). */
static uint64_t next_budget_check(const struct scn_budget *b, uint64_t events)
{
    uint64_t next = (events / SCN_BUDGET_POLL_EVENTS + 1) * SCN_BUDGET_POLL_EVENTS;
    if (b->max_events && b->max_events < next && events <= b->max_events)
        next = b->max_events + 1;
    return next;
}

/* After every engine event: whether a budget is exceeded now. The event
 * count is compared every event, memory and the interrupt every
 * SCN_BUDGET_POLL_EVENTS events. */
static bool over_budget(struct scn_runner *r)
{
    const struct scn_budget *b = &r->opt->budget;
    uint64_t events = sim_events_processed(r->s);
    enum scn_budget_kind kind = SCN_BUDGET_NONE;
    r->budget_next = next_budget_check(b, events);
    if (b->max_events && events > b->max_events)
        kind = SCN_BUDGET_EVENTS;
    else if (events % SCN_BUDGET_POLL_EVENTS != 0)
        return false;
    else if (b->max_memory_bytes &&
             sim_memory_bytes(r->s) > b->max_memory_bytes)
        kind = SCN_BUDGET_MEMORY;
    else if (b->interrupt && b->interrupt(b->interrupt_ctx))
        kind = SCN_BUDGET_INTERRUPTED;
    if (kind == SCN_BUDGET_NONE)
        return false;
    stop_for_budget(r, kind);
    return true;
}

/* Whether anything waits for the observer: a trigger fired, a settle or
 * a window open. */
static bool waiting(const struct scn_runner *r)
{
    return r->fired_pending || r->settles->len != 0 || r->windows->len != 0;
}

static void on_event(struct sim *s, void *ctx);
static void on_event_settling(struct sim *s, void *ctx);

/* Whether only settles wait, each with its answers known in advance
 * (scn_settle_quiet_until()); if so, notes what the quiet observer
 * compares. Right after the settles were judged. */
static bool settles_quiet(struct scn_runner *r)
{
    if (r->fired_pending || r->windows->len != 0 || r->settles->len == 0 ||
        r->res->budget_exceeded)
        return false;
    uint64_t until = UINT64_MAX;
    for (guint i = 0; i < r->settles->len; i++) {
        uint64_t u;
        if (!scn_settle_quiet_until(g_ptr_array_index(r->settles, i), r->s,
                                    &u))
            return false;
        until = u < until ? u : until;
    }
    r->quiet_version = sim_standing_version(r->s);
    r->quiet_completed = sim_requests_completed(r->s);
    r->quiet_until_us = until;
    return true;
}

/* on_event() past its quick test: checks the budget, then runs the fired
 * triggers and judges the open settles and windows; sets observe_at and
 * chooses the observer as it leaves. Kept out of line so that the quick
 * test saves no registers. */
static G_GNUC_NO_INLINE void observe(struct scn_runner *r)
{
    if (r->in_observer || r->res->budget_exceeded)
        return;
    if (!over_budget(r) && waiting(r)) {
        r->in_observer = true;
        run_fired_triggers(r);
        if (r->settles->len)
            scn_runner_judge_settles(r, 0);
        for (guint i = 0; i < r->windows->len; i++)
            scn_runner_judge_window(r, g_ptr_array_index(r->windows, i));
        for (guint i = r->windows->len; i-- > 0;) {
            struct scn_judged *j = g_ptr_array_index(r->windows, i);
            if (j->done)
                g_ptr_array_remove_index(r->windows, i);
        }
        r->in_observer = false;
    }
    if (settles_quiet(r)) {
        r->observe_at = r->budget_next;
        sim_set_observer(r->s, on_event_settling, r);
        return;
    }
    r->observe_at = waiting(r) ? 0 : r->budget_next;
    sim_set_observer(r->s, on_event, r);
}

/* After every engine event. After most events nothing waits (no trigger
 * fired, no settle and no window open) and the budget cannot be reached
 * yet (below r->budget_next over_budget() returns false and changes
 * nothing): r->observe_at says so in one comparison. */
static void on_event(struct sim *s, void *ctx)
{
    struct scn_runner *r = ctx;
    if (sim_events_processed(s) < r->observe_at)
        return;
    observe(r);
}

/* The observer while only quiet settles wait (settles_quiet()): below
 * observe_at (0 once something starts to wait: scn_runner_wake()), an
 * event that moved neither the standing nor the completed requests,
 * before the first settle's stretch can be complete, changes no answer
 * of tend or judge: one settle judged after each of the liveness phase's
 * ~1,100 events a fuzz seed, nine in ten of them such. */
static void on_event_settling(struct sim *s, void *ctx)
{
    struct scn_runner *r = ctx;
    if (sim_events_processed(s) < r->observe_at &&
        sim_standing_version(s) == r->quiet_version &&
        sim_requests_completed(s) == r->quiet_completed &&
        sim_now(s) < r->quiet_until_us)
        return;
    observe(r);
}

/* Closes, in the order they opened, the windows whose end is <= t. */
static void close_windows_until(struct scn_runner *r, uint64_t t)
{
    scn_runner_judge_settles(r, t);
    for (guint i = 0; i < r->windows->len; i++) {
        struct scn_judged *j = g_ptr_array_index(r->windows, i);
        if (j->step->end_us <= t)
            scn_runner_close_window(r, j);
    }
    for (guint i = r->windows->len; i-- > 0;) {
        struct scn_judged *j = g_ptr_array_index(r->windows, i);
        if (j->done)
            g_ptr_array_remove_index(r->windows, i);
    }
}

/* Per-node disk timings into disk[] (one per node) when the scenario
 * gives a jittered or per-node one; else the two constants suffice. */
static void build_disks(const struct scn_scenario *sc,
                        struct sim_config *c,
                        struct sim_disk_latency *disk)
{
    if (sc->disk_write_jitter_us == 0 && sc->disk_sync_jitter_us == 0 &&
        sc->disks->len == 0)
        return;
    struct scn_disk_latency all = {
        .write_us = sc->disk_write_us,
        .write_jitter_us = sc->disk_write_jitter_us,
        .sync_us = sc->disk_sync_us,
        .sync_jitter_us = sc->disk_sync_jitter_us,
    };
    for (uint32_t i = 0; i < scn_scenario_nodes(sc); i++)
        disk[i] = scn_runner_disk_latency(&all);
    for (guint i = 0; i < sc->disks->len; i++) {
        const struct scn_disk *d = g_ptr_array_index(sc->disks, i);
        for (size_t k = 0; k < d->n_nodes; k++)
            disk[d->nodes[k] - 1] = scn_runner_disk_latency(&d->latency);
    }
    c->disk = disk;
}

static void build_config(const struct scn_scenario *sc,
                         const struct scn_run_options *opt,
                         struct sim_config *c,
                         struct sim_init_state *init,
                         struct sim_disk_latency *disk)
{
    sim_config_init(c);
    c->n_nodes = scn_scenario_nodes(sc);
    c->n_voters = sc->cluster;
    c->seed = opt->has_seed ? opt->seed : sc->seed;
    c->election_timeout_us_min = sc->election_timeout_us_min;
    c->election_timeout_us_max = sc->election_timeout_us_max;
    c->heartbeat_us = sc->heartbeat_us;
    c->pre_vote = sc->prevote;
    c->check_quorum = sc->checkquorum;
    c->delay_us_min = sc->delay_us_min;
    c->delay_us_max = sc->delay_us_max;
    c->drop_ppm = sc->drop_ppm;
    c->duplicate_ppm = sc->duplicate_ppm;
    c->reorder_ppm = sc->reorder_ppm;
    c->client_timeout_us = sc->client_timeout_us;
    c->snapshot_every = sc->snapshot_every;
    c->max_uncommitted_bytes = sc->max_uncommitted;
    c->snapshot_chunk_bytes = sc->snapshot_chunk_bytes;
    c->reads = scn_runner_read_mode(sc->reads);
    c->lease_drift_bound_us = sc->lease_drift_bound_us;
    if (sc->has_disk_latency) {
        c->disk_write_us = sc->disk_write_us;
        c->disk_sync_us = sc->disk_sync_us;
    }
    build_disks(sc, c, disk);
    c->checkers = opt->checkers;
    c->record_events = opt->record_events;
    c->recent_events = opt->recent_events;
    c->history = true;
    c->trace_jsonl = opt->trace_jsonl;
    c->init = NULL;
    if (sc->inits && sc->inits->len) {
        for (guint i = 0; i < sc->inits->len; i++) {
            const struct scn_init *in = g_ptr_array_index(sc->inits, i);
            struct sim_init_state *st = &init[in->node - 1];
            st->set = true;
            st->term = in->term;
            st->vote = in->vote;
            st->log_terms = in->log_terms;
            st->n_log = in->log_len;
        }
        c->init = init;
    }
}

/* Groups the steps by time and schedules each group with sim_at. Steps
 * after the run's end never run; they are reported as warnings. */
static void schedule(struct scn_runner *r)
{
    const GPtrArray *steps = r->sc->steps;
    /* At most one group a step, in one block: sim_at() keeps a pointer to
     * each until it runs. */
    r->groups = g_new(struct scn_group, steps->len > 0 ? steps->len : 1);
    guint n_groups = 0;
    guint i = 0;
    while (i < steps->len) {
        const struct scn_step *st = g_ptr_array_index(steps, i);
        guint k = i + 1;
        while (
            k < steps->len &&
            ((const struct scn_step *)g_ptr_array_index(steps, k))->time_us ==
                st->time_us)
            k++;
        if (st->time_us > r->sc->run_us) {
            for (guint x = i; x < k; x++) {
                const struct scn_step *late = g_ptr_array_index(steps, x);
                scn_runner_add_warning(
                    r,
                    "line %" PRIu32 " never ran: it comes after the run's end",
                    late->line);
            }
        } else {
            struct scn_group *g = &r->groups[n_groups++];
            *g = (struct scn_group){
                .r = r, .time_us = st->time_us, .first = i, .count = k - i};
            sim_at(r->s, g->time_us, on_group, g);
        }
        i = k;
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The sorted distinct window ends up to the run's end. */
static GArray *window_ends(const struct scn_scenario *sc)
{
    GArray *ends = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    for (guint i = 0; i < sc->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        uint64_t end = st->action.kind == SCN_ACT_SETTLE
                           ? scn_settle_deadline_us(sc, st)
                           : st->end_us;
        if ((st->when != SCN_WHEN_AT || st->action.kind == SCN_ACT_SETTLE) &&
            end <= sc->run_us)
            g_array_append_val(ends, end);
    }
    g_array_sort(ends, cmp_u64);
    guint w = 0;
    for (guint i = 0; i < ends->len; i++)
        if (w == 0 || g_array_index(ends, uint64_t, w - 1) !=
                          g_array_index(ends, uint64_t, i))
            g_array_index(ends, uint64_t, w++) =
                g_array_index(ends, uint64_t, i);
    g_array_set_size(ends, w);
    return ends;
}

static void record_violation(struct scn_runner *r)
{
    const struct sim_failure *f = sim_get_failure(r->s);
    if (!f || r->res->violation)
        return;
    r->res->violation = true;
    GString *msg = g_string_new(NULL);
    g_string_printf(msg, "safety violation: %s: %s",
                    sim_property_name(f->violation.property),
                    f->violation.detail);
    scn_runner_add_failure(r, SCN_FAILURE_SAFETY, NULL, msg->str);
    struct scn_failure *last =
        g_ptr_array_index(r->res->failures, r->res->failures->len - 1);
    last->time_us = f->time_us;
    g_string_free(msg, TRUE);
}

/* Drives the engine to the run's end in segments that stop at every window
 * end, tick and pause time. */
static void drive(struct scn_runner *r)
{
    const struct scn_run_options *o = r->opt;
    uint64_t end = r->sc->run_us;
    GArray *ends = window_ends(r->sc);
    guint wi = 0;
    bool ticking = o->on_tick && o->tick_every_us > 0;
    uint64_t next_tick = 0;
    bool pause_pending = o->on_pause != NULL;
    uint64_t pause_at = o->pause_at_us < end ? o->pause_at_us : end;
    for (;;) {
        uint64_t t = end;
        if (wi < ends->len && g_array_index(ends, uint64_t, wi) < t)
            t = g_array_index(ends, uint64_t, wi);
        if (ticking && next_tick < t)
            t = next_tick;
        if (pause_pending && pause_at < t)
            t = pause_at;
        if (o->budget.interrupt &&
            o->budget.interrupt(o->budget.interrupt_ctx)) {
            stop_for_budget(r, SCN_BUDGET_INTERRUPTED);
            break;
        }
        int rc = sim_run_until(r->s, t);
        if (rc == SIM_EVIOLATION) {
            record_violation(r);
            break;
        }
        if (rc != SIM_OK)
            break;
        close_windows_until(r, t);
        while (wi < ends->len && g_array_index(ends, uint64_t, wi) <= t)
            wi++;
        if (ticking && next_tick == t) {
            o->on_tick(r->s, t, o->tick_ctx);
            next_tick =
                end - t < o->tick_every_us ? UINT64_MAX : t + o->tick_every_us;
            if (next_tick == UINT64_MAX)
                ticking = false;
        }
        if (pause_pending && pause_at == t) {
            o->on_pause(r->s, t, o->pause_ctx);
            pause_pending = false;
        }
        if (t == end)
            break;
    }
    g_array_free(ends, TRUE);
}

/* Windows still open when the run stops: `during` held as long as it ran;
 * an `at A..B` never saw its check hold. */
static void close_remaining(struct scn_runner *r)
{
    bool stopped = (!r->res->passed && r->opt->stop_at_first_failure) ||
                   r->res->budget_exceeded;
    for (guint i = 0; i < r->windows->len; i++) {
        struct scn_judged *j = g_ptr_array_index(r->windows, i);
        if (j->done || r->res->violation || stopped)
            continue;
        scn_runner_close_window(r, j);
    }
    g_ptr_array_set_size(r->windows, 0);
    if (!r->res->violation && !stopped)
        scn_runner_judge_settles(r, 0);
    for (guint i = 0; i < r->settles->len; i++) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        if (!st->done && !r->res->violation && !stopped)
            scn_runner_settle_verdict(r, st, false);
    }
    g_ptr_array_set_size(r->settles, 0);
}

/* ---- results ------------------------------------------------------------- */

/* A file that records its run's trace hash (`trace-hash`, which fuzz
 * reproducers and shrunk files carry) is compared with this run, unless a
 * seed given from outside makes it another run: a different hash is no
 * failure, since the checks judge the run, but it says that this is not the
 * run that was recorded, because the build changed or the bug is fixed. */
static void compare_recorded_hash(struct scn_runner *r,
                                  const struct scn_scenario *sc,
                                  const struct scn_run_options *o)
{
    struct scn_run_result *res = r->res;
    if (!sc->has_trace_hash || (o->has_seed && o->seed != sc->seed))
        return;
    res->trace_hash_recorded = true;
    res->recorded_trace_hash = sc->trace_hash;
    res->trace_hash_differs = res->trace_hash != sc->trace_hash;
    if (res->trace_hash_differs)
        scn_runner_add_warning(
            r,
            "trace hash %016" PRIx64 " differs from the %016" PRIx64
            " this file records%s%s%s: another build, or the bug is "
            "fixed",
            res->trace_hash, sc->trace_hash,
            sc->trace_build ? " (recorded by " : "",
            sc->trace_build ? sc->trace_build : "", sc->trace_build ? ")" : "");
}

static void check_linearizable(struct scn_runner *r)
{
    struct scn_run_result *res = r->res;
    if (!r->opt->linearizability || res->violation || res->budget_exceeded)
        return;
    struct sim_lin_report rep;
    memset(&rep, 0, sizeof(rep));
    res->lin_checked = true;
    res->lin_verdict =
        sim_check_linearizable(r->s, r->opt->lin_max_states, &rep);
    if (res->lin_verdict == SIM_LIN_VIOLATION) {
        GString *msg = g_string_new(NULL);
        g_string_printf(msg,
                        "the client history is not linearizable: key %s: %s",
                        rep.key ? rep.key : "?",
                        rep.explanation ? rep.explanation->str : "");
        res->lin_explanation = g_strdup(msg->str);
        scn_runner_add_failure(r, SCN_FAILURE_LINEARIZABILITY, NULL, msg->str);
        g_string_free(msg, TRUE);
    } else if (res->lin_verdict == SIM_LIN_UNKNOWN) {
        res->lin_explanation = g_strdup_printf(
            "linearizability unknown: the search bound was reached on key %s "
            "after %" PRIu64 " states",
            rep.key ? rep.key : "?", rep.states_explored);
        scn_runner_add_warning(r, "%s", res->lin_explanation);
    }
    sim_lin_report_clear(&rep);
}

/* The request latency percentiles: four order statistics of the
 * completed requests' latencies, each selected (scn_select_u64()) rather
 * than sorting them all; a value found is the one a sort would place
 * there. */
static void collect_latencies(struct scn_run_result *res)
{
    const struct sim_history *h = sim_get_history(res->sim);
    res->requests_invoked = sim_requests_invoked(res->sim);
    res->requests_completed = sim_requests_completed(res->sim);
    if (!h)
        return;
    size_t n = sim_history_len(h), len = 0;
    uint64_t *lat = g_new(uint64_t, n ? n : 1);
    for (size_t i = 0; i < n; i++) {
        const struct sim_op *op = sim_history_op(h, i);
        if (op->completed)
            lat[len++] = op->complete_us - op->invoke_us;
    }
    if (len) {
        /* Nearest rank: the smallest value with at least q of them <= it.
         * Each selection leaves the ones after it >= it, so the next one
         * (at a place no earlier) is selected among those. */
        size_t i50 = (len * 50 + 99) / 100, i90 = (len * 90 + 99) / 100,
               i99 = (len * 99 + 99) / 100;
        scn_select_u64(lat, 0, len, i50 - 1);
        scn_select_u64(lat, i50 - 1, len, i90 - 1);
        scn_select_u64(lat, i90 - 1, len, i99 - 1);
        scn_select_u64(lat, i99 - 1, len, len - 1);
        res->latency_us_p50 = lat[i50 - 1];
        res->latency_us_p90 = lat[i90 - 1];
        res->latency_us_p99 = lat[i99 - 1];
        res->latency_us_max = lat[len - 1];
    }
    g_free(lat);
}

static void note_free(void *p)
{
    struct scn_run_note *n = p;
    g_free(n->text);
    g_free(n);
}

/* The kinds on_trace() keeps whatever the triggers wait for. */
#define LISTEN_KINDS                                                           \
    (UINT64_C(1) << SIM_TRACE_ROLE | UINT64_C(1) << SIM_TRACE_CHECK |          \
     UINT64_C(1) << SIM_TRACE_NOTE)

void scn_runner_listen(struct scn_runner *r)
{
    uint64_t kinds = LISTEN_KINDS;
    if (r->triggers)
        kinds |= scn_triggers_kinds(r->triggers);
    sim_set_listener_kinds(r->s, kinds);
}

/* Every trace event of the kinds scn_runner_listen() names, as the engine
 * emits it: keeps who became leader when, and the checks and notes, so that
 * a report needs no recorded trace; and lets the armed triggers see it (an
 * event of another kind would do nothing here). */
static void on_trace(struct sim *s, const struct sim_trace_event *e, void *ctx)
{
    struct scn_runner *r = ctx;
    struct scn_run_result *res = r->res;
    (void)s;
    if (r->triggers && scn_triggers_hear(r->triggers, e)) {
        r->fired_pending = true;
        scn_runner_wake(r);
        scn_runner_listen(r);
    }
    if (e->kind == SIM_TRACE_ROLE && e->role == RAFT_LEADER) {
        struct scn_leader_term lt = {
            .term = e->term, .node = e->node, .since_us = e->time_us};
        g_array_append_val(res->leaders, lt);
    } else if (e->kind == SIM_TRACE_CHECK || e->kind == SIM_TRACE_NOTE) {
        struct scn_run_note *n = g_new0(struct scn_run_note, 1);
        n->time_us = e->time_us;
        n->is_check = e->kind == SIM_TRACE_CHECK;
        n->ok = e->ok;
        n->text = g_strdup(e->text ? e->text : "");
        g_ptr_array_add(res->notes, n);
    }
}

void scn_budget_init(struct scn_budget *b)
{
    memset(b, 0, sizeof(*b));
    b->max_events = SCN_BUDGET_EVENTS_DEFAULT;
    b->max_memory_bytes = SCN_BUDGET_MEMORY_DEFAULT;
}

const char *scn_failure_kind_name(enum scn_failure_kind kind)
{
    switch (kind) {
    case SCN_FAILURE_CHECK:
        return "check";
    case SCN_FAILURE_ACTION:
        return "action";
    case SCN_FAILURE_SAFETY:
        return "safety";
    case SCN_FAILURE_LINEARIZABILITY:
        return "linearizability";
    case SCN_FAILURE_BUDGET:
        return "budget";
    case SCN_FAILURE_LIVENESS:
        return "liveness";
    }
    return "unknown";
}

void scn_run_options_init(struct scn_run_options *o)
{
    memset(o, 0, sizeof(*o));
    o->checkers = true;
    o->recent_events = true;
    o->linearizability = true;
    scn_budget_init(&o->budget);
}

/* Frees what the runner owns once the run is over (not the result). */
static void runner_clear(struct scn_runner *r)
{
    g_string_free(r->scratch, TRUE);
    g_ptr_array_free(r->windows, TRUE);
    g_ptr_array_free(r->settles, TRUE);
    /* Callbacks still queued past a stop point would name freed groups;
     * a stopped engine never runs them, and sim_free only frees them. */
    g_free(r->groups);
    g_free(r->slots);
    g_free(r->keys);
    g_free(r->key_slots);
}

/* A new result for a run of `scenario` on `s` (whose owner it becomes):
 * passed until a failure says otherwise, every list empty. */
static struct scn_run_result *result_new(const struct scn_scenario *scenario,
                                         struct sim *s,
                                         uint64_t seed)
{
    struct scn_run_result *res = g_new0(struct scn_run_result, 1);
    res->sim = s;
    res->file_name = g_strdup(scenario->file_name);
    res->title = g_strdup(scenario->title);
    res->seed = seed;
    res->n_nodes = scn_scenario_nodes(scenario);
    res->passed = true;
    res->failures = g_ptr_array_new_with_free_func(failure_free);
    res->warnings = g_ptr_array_new_with_free_func(g_free);
    res->leaders = g_array_new(FALSE, FALSE, sizeof(struct scn_leader_term));
    res->notes = g_ptr_array_new_with_free_func(note_free);
    res->lin_verdict = SIM_LIN_UNKNOWN;
    return res;
}

/* Each step's draw key (scn_identity.h) in r->keys, by step; the table
 * finds the steps that may draw. */
static void index_draw_keys(struct scn_runner *r)
{
    const struct scn_scenario *sc = r->sc;
    g_assert(sc->steps->len < UINT32_MAX);
    r->keys = g_new(uint64_t, sc->steps->len + 1); /* each one set: */
    scn_step_draw_keys(sc, r->keys);
    r->key_cap = 16;
    while (r->key_cap < (size_t)sc->steps->len + sc->steps->len / 2 + 2)
        r->key_cap *= 2;
    r->key_slots = g_new0(uint32_t, r->key_cap);
    size_t mask = r->key_cap - 1;
    for (guint k = 0; k < sc->steps->len; k++) {
        const struct scn_step *step = g_ptr_array_index(sc->steps, k);
        /* A step with a key other than 0 may draw (scn_step_draw_keys()
         * gives 0 to the others): only a key of 0 needs asking. */
        if (r->keys[k] == 0 && !scn_step_may_draw(step))
            continue;
        size_t i = scn_runner_step_slot(step, mask);
        while (r->key_slots[i] != 0)
            i = (i + 1) & mask;
        r->key_slots[i] = k + 1;
    }
}

int scn_run(const struct scn_scenario *scenario,
            const struct scn_run_options *options,
            struct scn_run_result **out)
{
    struct scn_run_options defaults;
    if (!options) {
        scn_run_options_init(&defaults);
        options = &defaults;
    }
    *out = NULL;
    struct sim_config cfg;
    uint32_t nodes = scn_scenario_nodes(scenario);
    struct sim_init_state *init =
        g_new0(struct sim_init_state, nodes ? nodes : 1);
    struct sim_disk_latency *disk =
        g_new0(struct sim_disk_latency, nodes ? nodes : 1);
    build_config(scenario, options, &cfg, init, disk);
    struct sim *s = sim_new(&cfg);
    g_free(init);
    g_free(disk);
    if (!s)
        return SCN_EINVAL;

    struct scn_run_result *res = result_new(scenario, s, cfg.seed);

    struct scn_runner r = {
        .sc = scenario,
        .opt = options,
        .s = s,
        .res = res,
        .slots = g_new0(struct scn_slot, scenario->names->len + 1),
        .windows = g_ptr_array_new_with_free_func(scn_runner_judged_free),
        .settles = g_ptr_array_new_with_free_func(g_free),
        .scratch = g_string_new(NULL),
        .ref_key = sim_rng_key(cfg.seed, SCN_REF_DRAWS),
    };
    for (guint i = 0; i < scenario->steps->len && !r.triggers; i++)
        if (((const struct scn_step *)g_ptr_array_index(scenario->steps, i))
                ->triggered)
            r.triggers = scn_triggers_new();
    index_draw_keys(&r);
    sim_set_observer(s, on_event, &r);
    sim_set_listener(s, on_trace, &r);
    scn_runner_listen(&r);
    schedule(&r);
    drive(&r);
    sim_set_observer(s, NULL, NULL);
    if (r.triggers)
        scn_triggers_each_unfired(r.triggers, warn_unfired, &r);
    close_remaining(&r);
    check_linearizable(&r);

    res->end_us = sim_now(s);
    res->trace_hash = sim_trace_hash(s);
    res->events = sim_events_processed(s);
    compare_recorded_hash(&r, scenario, options);
    if (!res->budget_exceeded)
        res->memory_bytes = sim_memory_bytes(s);
    sim_set_listener(s, NULL, NULL);
    scn_triggers_free(r.triggers);
    collect_latencies(res);

    runner_clear(&r);
    *out = res;
    return SCN_OK;
}

void scn_run_result_free(struct scn_run_result *result)
{
    if (!result)
        return;
    sim_free(result->sim);
    g_free(result->file_name);
    g_free(result->title);
    g_ptr_array_free(result->failures, TRUE);
    g_ptr_array_free(result->warnings, TRUE);
    g_free(result->lin_explanation);
    g_array_free(result->leaders, TRUE);
    g_ptr_array_free(result->notes, TRUE);
    g_free(result);
}

const struct scn_failure *scn_run_first_failure(
    const struct scn_run_result *result)
{
    if (!result->failures->len)
        return NULL;
    return g_ptr_array_index(result->failures, 0);
}

char *scn_failure_format(const struct scn_run_result *result,
                         const struct scn_failure *failure)
{
    GString *t = g_string_new(result->file_name);
    if (failure->line)
        g_string_append_printf(t, ":%" PRIu32, failure->line);
    g_string_append(t, ": at ");
    sim_time_text_human(t, failure->time_us);
    g_string_append_c(t, ' ');
    if (failure->kind == SCN_FAILURE_ACTION && failure->statement) {
        /* "at 2s crash leader" -> "crash leader: ..." */
        const char *act = failure->statement;
        const char *sp = strchr(act, ' ');
        if (sp && (sp = strchr(sp + 1, ' ')))
            act = sp + 1;
        g_string_append_printf(t, "%s: ", act);
    }
    g_string_append(t, failure->message);
    return g_string_free(t, FALSE);
}
