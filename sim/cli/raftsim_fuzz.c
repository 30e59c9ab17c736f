/* raftsim_fuzz.c: `raftsim fuzz`: swarm-test a range of seeds and keep a
 * standalone reproducer for every seed that fails.
 *
 * Invariant: what is printed and written depends only on the seed range,
 * the shard and the generator options, never on --jobs or on which worker
 * finished first: results live in a ring indexed by seed position and are
 * reported strictly in that order as the completed prefix grows. Seeds run
 * in worker processes (raftsim_pool.h) that share nothing with this one but
 * their pipes, so a seed that aborts, is killed by a signal or runs out of
 * memory is reported as that seed's `crash` or `budget` and the campaign
 * goes on. Wall time appears only in the progress line, the summary's
 * last line, --for and the per-seed wall-time allowance.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_shrink.h"
#include "sim/cli/raftsim_cli.h"
#include "sim/cli/raftsim_fuzz.h"
#include "sim/cli/raftsim_fuzz_report.h"
#include "sim/cli/raftsim_fuzz_shrink.h"
#include "sim/cli/raftsim_junit.h"
#include "sim/cli/raftsim_pool.h"
#include "sim/sim_time_text.h"

/* One seed's outcome. */
struct fuzz_item
{
    uint64_t seed;
    bool done;    /* its verdict is in */
    bool refused; /* the engine refused the generated configuration */
    struct scn_fuzz_verdict verdict;
    /* Failed seeds only: the reproducer's text (owned) and whether the
     * printed file replays to the same hash and property. */
    char *reproducer;
    bool replay_ok;
    char *replay_problem; /* owned; NULL when replay_ok */
    int64_t wall_us;      /* the seed's wall time in its worker; 0 if none */
};

/* How much longer than its wall-time budget a seed may take before its
 * worker is killed: the budget stops a run between events, the kill also
 * ends a core stuck inside one event. */
#define FUZZ_KILL_GRACE_US INT64_C(30000000)

/* The address space a worker may map beyond the seed's memory budget (the
 * engine's estimate): the program, its libraries and the allocator's
 * slack. Past it an allocation fails and the seed fails as `budget`. */
#define FUZZ_ADDRESS_SLACK_BYTES (UINT64_C(1) << 30)

/* Parses the reproducer text back and runs it: it must give the same trace
 * hash and the same property as the generated scenario did. */
static void verify_replay(struct fuzz_item *it, const struct scn_budget *budget)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *back = NULL;
    char *name = g_strdup_printf("fuzz-%" PRIu64 ".scn", it->seed);
    int rc = scn_parse_buffer(name, it->reproducer, strlen(it->reproducer),
                              &back, diags);
    g_free(name);
    if (rc != SCN_OK) {
        char *d = diags->len ? scn_diag_format(g_ptr_array_index(diags, 0))
                             : g_strdup("unknown parse error");
        it->replay_problem = g_strdup_printf("does not parse: %s", d);
        g_free(d);
        g_ptr_array_free(diags, TRUE);
        return;
    }
    g_ptr_array_free(diags, TRUE);
    struct scn_fuzz_verdict v = {0};
    if (scn_fuzz_run_budget(back, budget, &v) != SCN_OK) {
        it->replay_problem = g_strdup("the engine refused it");
    } else if (v.trace_hash != it->verdict.trace_hash || v.passed ||
               g_strcmp0(v.property, it->verdict.property) != 0) {
        it->replay_problem = g_strdup_printf(
            "replays differently (trace hash %016" PRIx64 ", %s)", v.trace_hash,
            v.passed ? "passed" : v.property);
    } else {
        it->replay_ok = true;
    }
    scn_fuzz_verdict_clear(&v);
    scn_scenario_free(back);
}

/* Writes the reproducer of the failed seed `it` (its verdict set). */
static void make_reproducer(struct fuzz_item *it,
                            const struct scn_scenario *sc,
                            const struct scn_fuzz_options *o,
                            const struct scn_fuzz_swarm *swarm)
{
    GString *text = g_string_new(NULL);
    scn_fuzz_reproducer(sc, o, swarm, &it->verdict, text);
    it->reproducer = g_string_free(text, FALSE);
}

/* Makes the reproducer of `sc` record the trace hash of its failed run `v`
 * and this build (`trace-hash HASH by "BUILD"`), so that `raftsim run`
 * says so when a later build or a fixed core runs it differently. */
static void record_trace_hash(struct scn_scenario *sc,
                              const struct scn_fuzz_verdict *v)
{
    sc->has_trace_hash = true;
    sc->trace_hash = v->trace_hash;
    g_free(sc->trace_build);
    sc->trace_build = g_strdup(raftsim_build());
}

/* Runs one seed within the campaign's budgets; a failed seed gets its
 * reproducer, which is replayed unless the wall clock stopped the run. */
static void fuzz_one(struct fuzz_item *it,
                     const struct raftsim_fuzz_campaign *c)
{
    const struct scn_fuzz_options *o = &c->options;
    struct scn_fuzz_swarm swarm;
    struct scn_scenario *sc = scn_fuzz_generate(it->seed, o, &swarm);
    struct scn_budget budget = c->budget;
    struct raftsim_deadline deadline = {0};
    raftsim_deadline_start(&deadline, c->wall_us, &budget);
    if (scn_fuzz_run_budget(sc, &budget, &it->verdict) != SCN_OK) {
        it->refused = true;
    } else if (!it->verdict.passed) {
        if (deadline.passed) {
            g_free(it->verdict.detail);
            it->verdict.detail = g_strdup_printf(
                "the seed's wall-time budget (--max-wall) ran out at this "
                "virtual time");
        }
        if (!deadline.passed)
            record_trace_hash(sc, &it->verdict);
        make_reproducer(it, sc, o, &swarm);
        if (!deadline.passed)
            verify_replay(it, &c->budget);
    }
    scn_scenario_free(sc);
}

/* ---- the wire format of one seed's outcome ------------------------------ */

/* In a worker: runs one seed and encodes its outcome. */
static void worker_job(uint64_t seed, GByteArray *out, void *ctx)
{
    const struct raftsim_fuzz_campaign *c = ctx;
    struct fuzz_item it = {.seed = seed};
    int64_t start = raftsim_wall_us();
    fuzz_one(&it, c);
    it.wall_us = raftsim_wall_us() - start;
    const struct scn_fuzz_verdict *v = &it.verdict;
    raftsim_wire_put_u64(out, (uint64_t)it.refused | (uint64_t)v->passed << 1 |
                     (uint64_t)v->lin_unknown << 2 |
                     (uint64_t)it.replay_ok << 3);
    raftsim_wire_put_u64(out, v->trace_hash);
    raftsim_wire_put_u64(out, v->end_us);
    raftsim_wire_put_u64(out, v->events);
    raftsim_wire_put_u64(out, v->failed_at_us);
    raftsim_wire_put_u64(out, (uint64_t)it.wall_us);
    raftsim_wire_put_str(out, v->property);
    raftsim_wire_put_str(out, v->detail);
    raftsim_wire_put_str(out, it.reproducer);
    raftsim_wire_put_str(out, it.replay_problem);
    scn_fuzz_verdict_clear(&it.verdict);
    g_free(it.reproducer);
    g_free(it.replay_problem);
}

/* In the parent: the outcome `bytes` of seed it->seed. */
static void decode_item(struct fuzz_item *it, const GByteArray *bytes)
{
    struct raftsim_wire_reader r = {.p = bytes->data, .left = bytes->len};
    uint64_t flags = raftsim_wire_get_u64(&r);
    it->refused = flags & 1u;
    it->verdict.seed = it->seed;
    it->verdict.passed = (flags >> 1) & 1u;
    it->verdict.lin_unknown = (flags >> 2) & 1u;
    it->replay_ok = (flags >> 3) & 1u;
    it->verdict.trace_hash = raftsim_wire_get_u64(&r);
    it->verdict.end_us = raftsim_wire_get_u64(&r);
    it->verdict.events = raftsim_wire_get_u64(&r);
    it->verdict.failed_at_us = raftsim_wire_get_u64(&r);
    it->wall_us = (int64_t)raftsim_wire_get_u64(&r);
    it->verdict.property = raftsim_wire_get_str(&r);
    it->verdict.detail = raftsim_wire_get_str(&r);
    it->reproducer = raftsim_wire_get_str(&r);
    it->replay_problem = raftsim_wire_get_str(&r);
    it->done = true;
}

/* The last non-empty line of `text` (borrowed), as a new string. */
static char *last_line(const char *text)
{
    char **lines = g_strsplit(text ? text : "", "\n", -1);
    char *found = NULL;
    for (size_t i = 0; lines[i]; i++)
        if (*g_strstrip(lines[i])) {
            g_free(found);
            found = g_strdup(lines[i]);
        }
    g_strfreev(lines);
    return found;
}

/* In the parent: the seed whose worker died gets the verdict `crash` (an
 * abort, a signal, an exit) or `budget` (its memory or wall time ran
 * out), with what the worker last wrote to stderr, and a reproducer. */
static void record_death(struct fuzz_item *it,
                         const struct raftsim_fuzz_campaign *c,
                         const struct raftsim_pool_event *ev)
{
    char *said = last_line(ev->stderr_text);
    struct scn_fuzz_verdict *v = &it->verdict;
    v->seed = it->seed;
    v->failed_at_us = SCN_FUZZ_UNKNOWN_TIME;
    bool out_of_memory = said && (strstr(said, "failed to allocate") ||
                                  strstr(said, "out of memory"));
    if (ev->death == RAFTSIM_POOL_OVERDUE) {
        v->property = g_strdup("budget");
        v->detail = g_strdup_printf(
            "no verdict %" PRId64 "s past the wall-time budget "
            "(--max-wall): the seed's process was killed",
            FUZZ_KILL_GRACE_US / 1000000);
    } else if (out_of_memory) {
        v->property = g_strdup("budget");
        v->detail = g_strdup_printf("the process ran out of its address "
                                    "space (--max-memory plus 1 GiB): %s",
                                    said);
    } else if (ev->death == RAFTSIM_POOL_SIGNAL) {
        v->property = g_strdup("crash");
        v->detail = g_strdup_printf("%s%s(signal %d, %s)", said ? said : "",
                                    said ? " " : "", ev->signal,
                                    g_strsignal(ev->signal));
    } else {
        v->property = g_strdup("crash");
        v->detail = g_strdup_printf("%s%s(exit status %d)", said ? said : "",
                                    said ? " " : "", ev->status);
    }
    g_free(said);
    struct scn_fuzz_swarm swarm;
    struct scn_scenario *sc = scn_fuzz_generate(it->seed, &c->options, &swarm);
    make_reproducer(it, sc, &c->options, &swarm);
    scn_scenario_free(sc);
    it->done = true;
}

/* ---- output -------------------------------------------------------------- */

/* Every 10 s on a pipe or file, so that CI with a no-output timeout sees
 * the campaign alive; redrawn in place every 200 ms on a terminal. */
#define PROGRESS_PIPE_US INT64_C(10000000)
#define PROGRESS_TTY_US INT64_C(200000)

struct progress
{
    bool tty;     /* stderr is a terminal */
    bool enabled; /* on a terminal: not --quiet */
    bool shown;   /* a progress line is on screen (terminal) */
    int64_t start_us;
    int64_t drawn_us; /* when it was last drawn (monotonic clock) */
};

static void progress_clear(struct progress *p)
{
    if (!p->shown)
        return;
    fprintf(stderr, "\r%72s\r", "");
    fflush(stderr);
    p->shown = false;
}

static void progress_draw(struct progress *p,
                          uint64_t done,
                          uint64_t total,
                          uint64_t failed)
{
    if (!p->enabled)
        return;
    int64_t now = raftsim_wall_us();
    int64_t every = p->tty ? PROGRESS_TTY_US : PROGRESS_PIPE_US;
    if (now - p->drawn_us < every)
        return;
    p->drawn_us = now;
    double wall_s = (double)(now - p->start_us) / 1e6;
    double rate = wall_s > 0 ? (double)done / wall_s : 0;
    /* Whole seconds, written as every time for reading is. */
    GString *t = g_string_new(NULL);
    if (!p->tty) {
        sim_time_text_human(t, (uint64_t)wall_s * 1000000u);
        fprintf(stderr,
                "fuzz: %" PRIu64 "/%" PRIu64 " seeds, %" PRIu64
                " failed, %.1f seeds/s, %s\n",
                done, total, failed, rate, t->str);
        fflush(stderr);
        g_string_free(t, TRUE);
        return;
    }
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    sim_time_text_human(t, (uint64_t)eta * 1000000u);
    fprintf(stderr,
            "\rfuzz: %" PRIu64 "/%" PRIu64
            " seeds, %.1f seeds/s, %" PRIu64 " failed, ETA %s   ",
            done, total, rate, failed, t->str);
    fflush(stderr);
    g_string_free(t, TRUE);
    p->shown = true;
}

/* Writes DIR/fuzz-SEED.scn, creating DIR on the first failure (a campaign
 * without one leaves no empty directory behind); returns the path (g_free)
 * or NULL after a complaint. */
static char *write_reproducer(const char *dir, const struct fuzz_item *it)
{
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        raftsim_complain("fuzz", "%s: %s", dir, g_strerror(errno));
        return NULL;
    }
    char *base = g_strdup_printf("fuzz-%" PRIu64 ".scn", it->seed);
    char *path = g_build_filename(dir, base, NULL);
    g_free(base);
    GError *err = NULL;
    if (!g_file_set_contents(path, it->reproducer, -1, &err)) {
        raftsim_complain("fuzz", "%s", err->message);
        g_error_free(err);
        g_free(path);
        return NULL;
    }
    return path;
}

/* Reports one failed seed and writes its reproducer (a file that cannot
 * be written is complained about; the seed still counts as failed), and
 * returns its path (borrowed from `written`, where it is added, its
 * property to `properties`) or NULL. With `print` false (--json) nothing
 * goes to stdout. */
static const char *report(const struct fuzz_item *it,
                          const char *out_dir,
                          bool color,
                          bool print,
                          GPtrArray *written,
                          GPtrArray *properties)
{
    const char *red = raftsim_color(color, RAFTSIM_COLOR_RED);
    const char *reset = raftsim_color(color, RAFTSIM_COLOR_RESET);
    if (it->refused) {
        if (print)
            printf("%sFAIL%s seed %" PRIu64
                   ": the engine refused the generated configuration\n",
                   red, reset, it->seed);
        return NULL;
    }
    if (print) {
        printf("%sFAIL%s seed %" PRIu64 ": %s", red, reset, it->seed,
               it->verdict.property);
        if (it->verdict.failed_at_us != SCN_FUZZ_UNKNOWN_TIME) {
            GString *t = g_string_new(NULL);
            sim_time_text_human(t, it->verdict.failed_at_us);
            printf(" at %s", t->str);
            g_string_free(t, TRUE);
        }
        printf(": %s\n", it->verdict.detail);
    }
    char *path = write_reproducer(out_dir, it);
    if (path && print)
        printf("     reproducer: %s (replay: raftsim run %s)\n", path, path);
    if (it->replay_problem && print)
        printf("     warning: the reproducer %s\n", it->replay_problem);
    if (path) {
        g_ptr_array_add(written, path);
        g_ptr_array_add(properties, g_strdup(it->verdict.property));
    }
    return path;
}

/* ---- the campaign -------------------------------------------------------- */

/* Tallies of the seeds reported so far. */
struct fuzz_tally
{
    uint64_t reported, failed, unknown, sim_us;
    bool out_of_time;     /* --for ran out before every seed was sent */
    bool enough_failures; /* --max-failures was reached */
    bool write_failed;    /* a reproducer could not be written */
    GPtrArray *written;   /* char *: reproducers written, to shrink */
    GPtrArray *written_properties; /* char *: the property of each */
    /* struct raftsim_fuzz_failure *, in seed order, when plan->collect;
     * its `shrunk` is filled in after the campaign. */
    GPtrArray *failures;
    int64_t passed_wall_us; /* wall time of the seeds that passed */
};

static struct fuzz_item *slot_of(struct raftsim_fuzz_campaign *c, uint64_t seed)
{
    uint64_t pos = (seed - c->from - c->first) / c->shard_n;
    return &c->items[pos % c->window];
}

/* The reports' record of the failed seed `it`, whose reproducer was
 * written at `path` (borrowed; NULL: not written). */
static struct raftsim_fuzz_failure *failure_record(const struct fuzz_item *it,
                                                   const char *path)
{
    const struct scn_fuzz_verdict *v = &it->verdict;
    struct raftsim_fuzz_failure *f = raftsim_fuzz_failure_new(
        it->seed, it->refused ? "refused" : v->property,
        it->refused ? "the engine refused the generated configuration"
                    : v->detail);
    f->time_us = it->refused ? SCN_FUZZ_UNKNOWN_TIME : v->failed_at_us;
    f->hashed = !it->refused && v->failed_at_us != SCN_FUZZ_UNKNOWN_TIME;
    f->trace_hash = v->trace_hash;
    f->events = v->events;
    f->reproducer = g_strdup(path);
    f->replay_problem = g_strdup(it->replay_problem);
    f->wall_us = it->wall_us;
    return f;
}

/* Prints seed `it`'s lines and counts it; true when --max-failures is now
 * reached. */
static bool account(struct fuzz_item *it,
                    const struct raftsim_fuzz_plan *plan,
                    struct fuzz_tally *t,
                    struct progress *prog,
                    bool color)
{
    if (plan->verbose) {
        progress_clear(prog);
        bool passed = !it->refused && it->verdict.passed;
        printf("seed %" PRIu64 " %s%s%s trace %016" PRIx64 " events %" PRIu64
               "%s\n",
               it->seed,
               raftsim_color(color,
                             passed ? RAFTSIM_COLOR_GREEN : RAFTSIM_COLOR_RED),
               it->refused ? "refused"
               : passed    ? "pass"
                           : "fail",
               raftsim_color(color, RAFTSIM_COLOR_RESET),
               it->verdict.trace_hash, it->verdict.events,
               it->verdict.lin_unknown ? " linearizability-unknown" : "");
    }
    t->reported++;
    t->sim_us += it->verdict.end_us;
    t->unknown += it->verdict.lin_unknown;
    bool failed = it->refused || !it->verdict.passed;
    if (failed) {
        t->failed++;
        progress_clear(prog);
        const char *path =
            report(it, plan->dir, color, !plan->json, t->written,
                   t->written_properties);
        t->write_failed |= !it->refused && !path;
        if (plan->collect)
            g_ptr_array_add(t->failures, failure_record(it, path));
    } else {
        t->passed_wall_us += it->wall_us;
    }
    fflush(stdout);
    scn_fuzz_verdict_clear(&it->verdict);
    g_free(it->reproducer);
    g_free(it->replay_problem);
    memset(it, 0, sizeof(*it));
    return failed && plan->max_failures && t->failed >= plan->max_failures;
}

/* Runs the campaign through a pool of worker processes, reporting seeds in
 * order as the completed prefix grows. False if the pool failed. */
static bool run_campaign(struct raftsim_fuzz_campaign *c,
                         const struct raftsim_fuzz_plan *plan,
                         struct fuzz_tally *t,
                         struct progress *prog,
                         bool color)
{
    uint64_t mem = c->budget.max_memory_bytes;
    struct raftsim_pool_limits limits = {
        .memory_bytes = mem && mem < UINT64_MAX - FUZZ_ADDRESS_SLACK_BYTES
                            ? mem + FUZZ_ADDRESS_SLACK_BYTES
                            : 0,
        .job_wall_us = c->wall_us ? c->wall_us + FUZZ_KILL_GRACE_US : 0,
    };
    struct raftsim_pool *pool =
        raftsim_pool_new(plan->jobs, worker_job, c, &limits);
    if (!pool) {
        raftsim_complain("fuzz", "cannot start workers: %s",
                         g_strerror(errno));
        return false;
    }
    bool ok = true;
    uint64_t sent = 0, next = 0;
    while (next < plan->total) {
        if (plan->for_us && raftsim_wall_us() - prog->start_us >= plan->for_us)
            t->out_of_time = sent < plan->total;
        while (!t->out_of_time && sent < plan->total &&
               sent < next + c->window) {
            uint64_t seed = c->from + c->first + sent * c->shard_n;
            if (!raftsim_pool_submit(pool, seed))
                break;
            struct fuzz_item *it = slot_of(c, seed);
            memset(it, 0, sizeof(*it));
            it->seed = seed;
            sent++;
        }
        if (next == sent)
            break; /* out of time, nothing in flight */
        struct raftsim_pool_event ev;
        if (!raftsim_pool_wait(pool, 250, &ev)) {
            raftsim_complain("fuzz", "cannot restart a worker: %s",
                             g_strerror(errno));
            ok = false;
            break;
        }
        if (ev.kind == RAFTSIM_POOL_REPLY)
            decode_item(slot_of(c, ev.job), ev.reply);
        else if (ev.kind == RAFTSIM_POOL_DIED)
            record_death(slot_of(c, ev.job), c, &ev);
        while (next < sent && c->items[next % c->window].done) {
            next++;
            if (account(&c->items[(next - 1) % c->window], plan, t, prog,
                        color)) {
                t->enough_failures = true;
                break;
            }
        }
        if (t->enough_failures)
            break;
        progress_draw(prog, t->reported, plan->total, t->failed);
    }
    raftsim_pool_free(pool);
    /* Seeds sent past the last one reported (--max-failures) are dropped. */
    for (size_t i = 0; i < c->window; i++) {
        scn_fuzz_verdict_clear(&c->items[i].verdict);
        g_free(c->items[i].reproducer);
        g_free(c->items[i].replay_problem);
    }
    return ok;
}

/* Shrinks the reproducers written, up to --shrink-per-property of each
 * property (raftsim_fuzz_shrink.h), once the campaign is over. */
static void shrink_all(const struct raftsim_fuzz_plan *plan,
                       struct fuzz_tally *t)
{
    struct raftsim_fuzz_shrink p = {
        .runs = plan->shrink_runs,
        .per_property = plan->shrink_per_property,
        .quiet = plan->quiet,
        .json = plan->json,
    };
    raftsim_fuzz_shrink_all(&p, t->written, t->written_properties,
                            t->failures);
}

static void print_summary(const struct raftsim_fuzz_plan *plan,
                          const struct fuzz_tally *t,
                          int64_t wall_us,
                          bool color)
{
    double wall_s = (double)wall_us / 1e6;
    GString *sim = g_string_new(NULL);
    sim_time_text_human(sim, t->sim_us);
    uint64_t passed = t->reported - t->failed;
    /* A shard's summary names it, so that the logs of N machines read
     * apart. */
    char *shard = plan->shard_n > 1
                      ? g_strdup_printf("shard %" PRIu64 "/%" PRIu64 ": ",
                                        plan->shard_k, plan->shard_n)
                      : g_strdup("");
    if (plan->quiet) {
        printf("fuzz: %s%" PRIu64 " seed%s, %" PRIu64 " passed, %" PRIu64
               " failed, %" PRIu64 " linearizability unknown\n",
               shard, t->reported, raftsim_plural(t->reported), passed,
               t->failed, t->unknown);
    } else {
        const char *mark = raftsim_color(
            color, t->failed ? RAFTSIM_COLOR_RED : RAFTSIM_COLOR_GREEN);
        printf("\n%s%s%s %s%" PRIu64 " seed%s run, %" PRIu64
               " passed, %" PRIu64 " failed, %" PRIu64
               " linearizability unknown\n",
               mark, t->failed ? "FAIL" : "PASS",
               raftsim_color(color, RAFTSIM_COLOR_RESET), shard, t->reported,
               raftsim_plural(t->reported), passed, t->failed, t->unknown);
        GString *wall = g_string_new(NULL);
        sim_time_text_human(wall, wall_us > 0 ? (uint64_t)wall_us : 0);
        printf("     simulated %s in %s wall time (%.1f seeds/s)\n", sim->str,
               wall->str, wall_s > 0 ? (double)t->reported / wall_s : 0.0);
        g_string_free(wall, TRUE);
        if (t->written->len)
            printf("     reproducers in %s/\n", plan->dir);
    }
    g_free(shard);
    if (t->out_of_time)
        printf("fuzz: stopped by --for after %" PRIu64 " of %" PRIu64
               " seed%s\n",
               t->reported, plan->total, raftsim_plural(plan->total));
    if (t->enough_failures)
        printf("fuzz: stopped by --max-failures after %" PRIu64 " of %" PRIu64
               " seed%s\n",
               t->reported, plan->total, raftsim_plural(plan->total));
    g_string_free(sim, TRUE);
    fflush(stdout);
}

/* Writes the --junit report and prints the --json document, from the same
 * counts as the text summary; returns the exit status, 2 when the report
 * could not be written. */
static int machine_reports(const struct raftsim_fuzz_campaign *c,
                           const struct raftsim_fuzz_plan *plan,
                           const struct fuzz_tally *t,
                           uint64_t count,
                           const char *junit_path,
                           int status)
{
    struct raftsim_fuzz_summary s = {
        .seed_from = c->from,
        .seeds = count,
        .shard_k = plan->shard_k,
        .shard_n = plan->shard_n,
        .nodes = c->options.nodes,
        .run_us = c->options.run_us,
        .faults = c->options.faults,
        .out_dir = plan->dir,
        .seeds_run = t->reported,
        .passed = t->reported - t->failed,
        .failed = t->failed,
        .lin_unknown = t->unknown,
        .simulated_us = t->sim_us,
        .passed_wall_us = t->passed_wall_us,
        .stopped_by = t->out_of_time       ? "for"
                      : t->enough_failures ? "max-failures"
                                           : NULL,
        .failures = t->failures,
    };
    if (junit_path && !raftsim_fuzz_write_junit(&s, junit_path))
        status = RAFTSIM_EXIT_INVALID;
    s.exit_status = status;
    if (plan->json)
        raftsim_fuzz_print_json(&s);
    return status;
}

static void print_banner(const struct raftsim_fuzz_campaign *c,
                         const struct raftsim_fuzz_plan *plan,
                         uint64_t count,
                         uint64_t shard_k)
{
    GString *t = g_string_new(NULL);
    sim_time_text_duration(t, c->options.run_us);
    printf("fuzz: seeds %" PRIu64 "..%" PRIu64, c->from, c->from + count - 1);
    if (c->shard_n > 1)
        printf(" shard %" PRIu64 "/%" PRIu64, shard_k, c->shard_n);
    printf(" (%" PRIu64 " to run), %" PRIu32 " node%s, %s each, %u job%s\n",
           plan->total, c->options.nodes, raftsim_plural(c->options.nodes),
           t->str, plan->jobs, raftsim_plural(plan->jobs));
    g_string_free(t, TRUE);
    fflush(stdout);
}

/* Runs the planned campaign, prints its summary, shrinks what failed and
 * writes the machine reports; returns the exit status. */
static int fuzz_campaign_run(const struct raftsim_fuzz_args *a,
                             struct raftsim_fuzz_campaign *c,
                             const struct raftsim_fuzz_plan *plan,
                             uint64_t count)
{
    c->items = g_new0(struct fuzz_item, c->window ? c->window : 1);
    bool color = raftsim_use_color(stdout);
    bool tty = isatty(fileno(stderr)) == 1;
    struct progress prog = {
        .tty = tty,
        .enabled = !tty || !a->quiet,
        .start_us = raftsim_wall_us(),
    };
    prog.drawn_us = prog.start_us;
    if (!a->quiet && !a->json)
        print_banner(c, plan, count, plan->shard_k);
    struct fuzz_tally t = {
        .written = g_ptr_array_new_with_free_func(g_free),
        .written_properties = g_ptr_array_new_with_free_func(g_free),
    };
    if (plan->collect)
        t.failures = g_ptr_array_new_with_free_func(raftsim_fuzz_failure_free);
    bool ran = run_campaign(c, plan, &t, &prog, color);
    progress_clear(&prog);
    if (!a->json)
        print_summary(plan, &t, raftsim_wall_us() - prog.start_us, color);
    if (plan->shrink_runs)
        shrink_all(plan, &t);
    int status = t.write_failed     ? RAFTSIM_EXIT_INVALID
                 : !ran || t.failed ? RAFTSIM_EXIT_FAILED
                                    : RAFTSIM_EXIT_OK;
    if (plan->collect)
        status = machine_reports(c, plan, &t, count, a->junit, status);
    g_ptr_array_free(t.written, TRUE);
    g_ptr_array_free(t.written_properties, TRUE);
    if (t.failures)
        g_ptr_array_free(t.failures, TRUE);
    g_free(c->items);
    return status;
}

int raftsim_fuzz_main(int argc, char **argv)
{
    struct raftsim_fuzz_args a;
    raftsim_fuzz_args_init(&a);
    GOptionContext *ctx = g_option_context_new("- fuzz random schedules");
    int status = RAFTSIM_EXIT_INVALID;
    struct raftsim_fuzz_campaign c = {.from = 1, .shard_n = 1};
    struct raftsim_fuzz_plan plan = {0};
    scn_fuzz_options_init(&c.options);
    uint64_t count = 100;
    if (raftsim_fuzz_args_parse(&a, ctx, &argc, &argv) &&
        raftsim_fuzz_plan_of(&a, &c, &plan, &count))
        status = fuzz_campaign_run(&a, &c, &plan, count);
    g_option_context_free(ctx);
    raftsim_fuzz_args_clear(&a);
    return status;
}
