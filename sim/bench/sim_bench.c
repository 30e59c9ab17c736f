/* sim_bench.c: raftsim-bench, the engine's throughput benchmark.
 *
 * Invariant: every case runs from a fixed seed and a fixed configuration, so
 * the work done (events, committed entries, simulated time) is the same on
 * every run and machine; only the wall-clock figures vary. The wall clock is
 * read here and nowhere in sim/: it measures the simulation, never steers it.
 * Each measurement runs in its own child process so that its peak RSS is its
 * own; the checker share comes from a second run of the same case with the
 * checkers and the history off (the event sequence is the same, since checking
 * never changes behaviour; the event counts of both runs are compared).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/bench/sim_bench_fuzz.h"
#include "sim/sim.h"
#include "sim/sim_assert.h"

#define BENCH_SEED 20261126u
#define BENCH_CLIENTS 64
#define BENCH_WARMUP_ENTRIES 4096
/* Runs aimed at a commit count advance the clock this much at a time. */
#define BENCH_SLICE_US 1000u
#define MS 1000u
#define SECOND 1000000u

/* When the timed part of a run ends. */
enum bench_stop {
    BENCH_STOP_COMMITTED, /* the highest commit index reaches target */
    BENCH_STOP_TIME,      /* the clock reaches target (us) */
};

/* One timed run of a built simulation. */
struct bench_run
{
    struct sim *s;               /* borrowed for the run */
    struct sim_bench_fuzz *fuzz; /* case (f): seeds to run instead of s */
    enum bench_stop stop;
    uint64_t target;
    int status; /* sim_* code of the last step */
};

/* The figures of one measurement, sent from the child to the parent. */
struct bench_result
{
    int status; /* SIM_OK, or why the run stopped */
    double wall_s;
    double cpu_s; /* this thread's CPU time over the same span */
    uint64_t events;
    uint64_t committed;
    uint64_t sim_us;
    long maxrss_kib;
    uint64_t trace_hash; /* case (f): every seed's trace hash folded */
    uint64_t seeds, failed; /* case (f) */
};

/* A crash-and-restart schedule for case (b). */
struct bench_crasher
{
    uint64_t every_us;
    uint64_t down_us;
    uint64_t until_us;
    uint32_t node; /* the node currently down; 0: none */
};

/* What a measurement runs. */
struct bench_spec
{
    char name;
    uint32_t n_nodes;
    bool faults;             /* case (b)'s network and crash schedule */
    uint32_t clients;        /* closed-loop clients (0: idle cluster) */
    uint64_t snapshot_every; /* 0: never */
    bool history;            /* with checkers on */
    bool warmup;             /* commit BENCH_WARMUP_ENTRIES first */
    enum bench_stop stop;
    uint64_t target; /* entries after warm-up, or simulated us */
    uint64_t fuzz_seeds; /* case (f): fuzz seeds 1..this, no cluster */
};

/* The timed part, kept out of line under this exact name so that callgrind's
 * --toggle-collect=sim_bench_timed_part counts it and nothing else. */
int sim_bench_timed_part(struct bench_run *r) __attribute__((noinline));

static uint64_t committed_max(const struct sim *s)
{
    struct sim_counters c;
    sim_get_counters(s, &c);
    return c.commit_index_max;
}

/* Runs s in slices of BENCH_SLICE_US until its highest commit index reaches
 * target; SIM_EINVAL if the queue runs dry first. */
static int run_until_committed(struct sim *s, uint64_t target)
{
    int st = SIM_OK;
    uint64_t t = sim_now(s);
    while (st == SIM_OK && committed_max(s) < target) {
        if (sim_events_pending(s) == 0)
            return SIM_EINVAL;
        t += BENCH_SLICE_US;
        st = sim_run_until(s, t);
    }
    return st;
}

int sim_bench_timed_part(struct bench_run *r)
{
    if (r->fuzz) {
        sim_bench_fuzz_run(r->fuzz);
        r->status = r->fuzz->failed ? SIM_EVIOLATION : SIM_OK;
    } else if (r->stop == BENCH_STOP_TIME)
        r->status = sim_run_until(r->s, r->target);
    else
        r->status = run_until_committed(r->s, r->target);
    return r->status;
}

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void crash_tick(struct sim *s, void *ctx);

static void restart_tick(struct sim *s, void *ctx)
{
    struct bench_crasher *c = ctx;
    if (c->node != 0)
        (void)sim_restart(s, c->node);
    c->node = 0;
}

static void crash_tick(struct sim *s, void *ctx)
{
    struct bench_crasher *c = ctx;
    c->node = 1 + (uint32_t)sim_random_below(s, sim_n_nodes(s));
    (void)sim_crash(s, c->node);
    (void)sim_at(s, sim_now(s) + c->down_us, restart_tick, c);
    if (sim_now(s) + c->every_us < c->until_us)
        (void)sim_at(s, sim_now(s) + c->every_us, crash_tick, c);
}

/* Every value a benchmark client writes is this long, as in the reference
 * shape. */
#define BENCH_VALUE_BYTES 16

/* The reference shape of case (a), changed as spec says. recent: keep
 * the last events for a failure's report (a case is timed without them,
 * as a campaign runs; measure() runs a failing case again with them). */
static void spec_config(const struct bench_spec *spec,
                        bool checkers,
                        bool recent,
                        struct sim_config *c)
{
    sim_config_init(c);
    c->n_nodes = spec->n_nodes;
    c->seed = BENCH_SEED;
    c->heartbeat_us = 100 * MS;
    c->election_timeout_us_min = 1000 * MS;
    c->election_timeout_us_max = 2000 * MS;
    c->delay_us_min = 15 * MS;
    c->delay_us_max = 15 * MS;
    c->disk_write_us = 1 * MS;
    c->disk_sync_us = 9 * MS;
    c->snapshot_every = spec->snapshot_every;
    c->workload_value_len = BENCH_VALUE_BYTES;
    if (spec->faults) {
        c->drop_ppm = 50000;
        c->duplicate_ppm = 50000;
        c->reorder_ppm = 100000;
        c->delay_us_min = 5 * MS;
        c->delay_us_max = 30 * MS;
    }
    c->checkers = checkers;
    c->history = checkers && spec->history;
    c->recent_events = recent;
}

/* Times case (f)'s fuzz seeds in this process. */
static void measure_fuzz(const struct bench_spec *spec,
                         struct bench_result *out)
{
    struct sim_bench_fuzz f = {.from = 1, .seeds = spec->fuzz_seeds};
    struct bench_run run = {.fuzz = &f};
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double t0 = clock_s(CLOCK_MONOTONIC);
    out->status = sim_bench_timed_part(&run);
    double t1 = clock_s(CLOCK_MONOTONIC);
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    out->wall_s = t1 - t0;
    out->cpu_s = c1 - c0;
    out->events = f.events;
    out->sim_us = f.sim_us;
    out->trace_hash = f.digest;
    out->seeds = f.seeds;
    out->failed = f.failed;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    out->maxrss_kib = ru.ru_maxrss;
}

/* Builds, warms up and times one case in this process; a violation is
 * printed with the run's last events when recent is set. */
static void measure_recent(const struct bench_spec *spec,
                           bool checkers,
                           bool recent,
                           struct bench_result *out)
{
    memset(out, 0, sizeof(*out));
    if (spec->fuzz_seeds) {
        measure_fuzz(spec, out);
        return;
    }
    struct sim_config cfg;
    spec_config(spec, checkers, recent, &cfg);
    struct sim *s = sim_new(&cfg);
    if (!s) {
        out->status = SIM_EINVAL;
        return;
    }
    struct bench_crasher crasher = {0};
    if (spec->clients > 0)
        (void)sim_load_closed(s, spec->clients, UINT64_MAX, 0);
    if (spec->faults) {
        crasher.every_us = 2 * SECOND;
        crasher.down_us = 1 * SECOND;
        crasher.until_us = spec->target;
        (void)sim_at(s, crasher.every_us, crash_tick, &crasher);
    }
    int st = SIM_OK;
    if (spec->warmup)
        st = run_until_committed(s, BENCH_WARMUP_ENTRIES);

    struct bench_run run = {.s = s, .stop = spec->stop};
    run.target = spec->stop == BENCH_STOP_COMMITTED
                     ? committed_max(s) + spec->target
                     : spec->target;
    uint64_t events0 = sim_events_processed(s);
    uint64_t committed0 = committed_max(s);
    uint64_t now0 = sim_now(s);
    double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double t0 = clock_s(CLOCK_MONOTONIC);
    if (st == SIM_OK)
        st = sim_bench_timed_part(&run);
    double t1 = clock_s(CLOCK_MONOTONIC);
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);

    out->status = st;
    out->wall_s = t1 - t0;
    out->cpu_s = c1 - c0;
    out->events = sim_events_processed(s) - events0;
    out->committed = committed_max(s) - committed0;
    out->sim_us = sim_now(s) - now0;
    out->trace_hash = sim_trace_hash(s);
    if (st == SIM_EVIOLATION && sim_get_failure(s) && recent)
        sim_failure_print(sim_get_failure(s), stderr);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    out->maxrss_kib = ru.ru_maxrss;
    sim_free(s);
}

/* measure_recent() without the last events; a violation, the same again
 * in a run that keeps them (the run is a function of the case), is
 * printed from that run. */
static void measure(const struct bench_spec *spec,
                    bool checkers,
                    struct bench_result *out)
{
    measure_recent(spec, checkers, false, out);
    if (out->status == SIM_EVIOLATION && !spec->fuzz_seeds) {
        struct bench_result again;
        measure_recent(spec, checkers, true, &again);
    }
}

/* measure() in a child process, so that peak RSS belongs to this run. */
static int measure_in_child(const struct bench_spec *spec,
                            bool checkers,
                            struct bench_result *out)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        struct bench_result r;
        measure(spec, checkers, &r);
        ssize_t n = write(fd[1], &r, sizeof(r));
        _exit(n == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(fd[1]);
    size_t got = 0;
    while (got < sizeof(*out)) {
        ssize_t n = read(fd[0], (char *)out + got, sizeof(*out) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
        continue;
    if (got != sizeof(*out) || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
        return -1;
    return 0;
}

static double per_s(uint64_t n, double s)
{
    return s > 0 ? (double)n / s : 0.0;
}

/* Keeps in *best the faster of *best and r (all of r if first), and the
 * larger peak RSS of the two. */
static void keep_best(struct bench_result *best,
                      const struct bench_result *r,
                      bool first)
{
    long rss = first || r->maxrss_kib > best->maxrss_kib ? r->maxrss_kib
                                                         : best->maxrss_kib;
    if (first || r->wall_s < best->wall_s)
        *best = *r;
    best->maxrss_kib = rss;
}

/* Runs the checked and the unchecked measurement `repeats` times each,
 * alternating so that both see the same background load, and keeps the
 * fastest of each by wall time. */
static int measure_pair(const struct bench_spec *spec,
                        int repeats,
                        struct bench_result *on,
                        struct bench_result *off)
{
    for (int i = 0; i < repeats; i++) {
        struct bench_result r;
        if (measure_in_child(spec, true, &r) != 0)
            return -1;
        keep_best(on, &r, i == 0);
        if (measure_in_child(spec, false, &r) != 0)
            return -1;
        keep_best(off, &r, i == 0);
    }
    return 0;
}

static void print_header(void)
{
    printf("  %-13s %-8s %8s %8s %10s %10s %8s %10s %9s %8s\n", "run",
           "checkers", "wall s", "cpu s", "events", "events/s", "entries",
           "entries/s", "sim-s/s", "RSS MiB");
}

static void print_result(const char *label,
                         const char *checkers,
                         const struct bench_result *r)
{
    printf("  %-13s %-8s %8.3f %8.3f %10" PRIu64 " %10.0f %8" PRIu64
           " %10.0f %9.1f %8.1f\n",
           label, checkers, r->wall_s, r->cpu_s, r->events,
           per_s(r->events, r->wall_s), r->committed,
           per_s(r->committed, r->wall_s),
           r->wall_s > 0 ? (double)r->sim_us / 1e6 / r->wall_s : 0.0,
           (double)r->maxrss_kib / 1024.0);
}

/* One case's measurements: the checked run, the unchecked one, and the
 * share of the checked run's wall time that the checkers cost. */
struct bench_figures
{
    struct bench_result on, off;
    double checker_share;
};

/* Runs one spec with checkers on and off and prints both and the share. */
static int bench_run_spec(const struct bench_spec *spec,
                          const char *label,
                          int repeats,
                          struct bench_figures *f)
{
    if (measure_pair(spec, repeats, &f->on, &f->off) != 0) {
        fprintf(stderr, "raftsim-bench: case %c: child failed\n", spec->name);
        return 1;
    }
    const struct bench_result *on = &f->on, *off = &f->off;
    print_header();
    print_result(label, "on", on);
    print_result(label, "off", off);
    int rc = 0;
    if (on->status != SIM_OK || off->status != SIM_OK) {
        printf("  run stopped: %s / %s\n", sim_strerror(on->status),
               sim_strerror(off->status));
        rc = 1;
    }
    if (on->events != off->events || on->committed != off->committed) {
        printf("  checkers changed the run: %" PRIu64 " vs %" PRIu64
               " events\n",
               on->events, off->events);
        rc = 1;
    }
    f->checker_share =
        on->wall_s > 0 ? (on->wall_s - off->wall_s) / on->wall_s : 0;
    double cpu_share = on->cpu_s > 0 ? (on->cpu_s - off->cpu_s) / on->cpu_s : 0;
    printf(
        "  %-13s checker share %.1f%% of wall time (%.1f%% of CPU time); "
        "trace hash 0x%016" PRIx64 "\n",
        label, 100.0 * f->checker_share, 100.0 * cpu_share, on->trace_hash);
    return rc;
}

/* Prints one target line, judged on value; cpu_value (negative: none) is the
 * same figure per CPU second, what it would be on an otherwise idle core. */
static bool bench_target(const char *what,
                         double value,
                         double cpu_value,
                         double bound,
                         bool at_least)
{
    bool met = at_least ? value >= bound : value <= bound;
    printf("  target %-38s %12.1f %s %11.1f  %-7s", what, value,
           at_least ? ">=" : "<=", bound, met ? "met" : "NOT MET");
    if (cpu_value >= 0)
        printf(" (by CPU time: %.1f)", cpu_value);
    printf("\n");
    return met;
}

static bool share_target(const struct bench_figures *f)
{
    double cpu_share =
        f->on.cpu_s > 0 ? (f->on.cpu_s - f->off.cpu_s) / f->on.cpu_s : 0;
    return bench_target("checker share of wall time (%)",
                        100.0 * f->checker_share, 100.0 * cpu_share, 30.0,
                        false);
}

static const struct bench_spec case_a = {
    .name = 'a',
    .n_nodes = 5,
    .clients = BENCH_CLIENTS,
    .history = true,
    .warmup = true,
    .stop = BENCH_STOP_COMMITTED,
    .target = 200000,
};

/* Case (f): seeds 1..BENCH_FUZZ_SEEDS as `raftsim fuzz` runs them. */
#define BENCH_FUZZ_SEEDS 300

static int run_fuzz_case(const struct bench_spec *spec, int repeats)
{
    printf("(f) fuzz seeds 1..%" PRIu64 ": 5 nodes x 10 simulated s, every "
           "fault, liveness\n    phase, every checker; generation and run "
           "of each seed, one process\n",
           spec->fuzz_seeds);
    struct bench_result best = {0}, r;
    for (int i = 0; i < repeats; i++) {
        if (measure_in_child(spec, true, &r) != 0) {
            fprintf(stderr, "raftsim-bench: case f: child failed\n");
            return 1;
        }
        keep_best(&best, &r, i == 0);
    }
    printf("  %-13s %8s %8s %8s %10s %12s %10s %8s\n", "run", "seeds",
           "failed", "wall s", "cpu s", "seeds/cpu-s", "seeds/s", "RSS MiB");
    printf("  %-13s %8" PRIu64 " %8" PRIu64 " %8.3f %10.3f %12.1f %10.1f "
           "%8.1f\n",
           "(f)", best.seeds, best.failed, best.wall_s, best.cpu_s,
           per_s(best.seeds, best.cpu_s), per_s(best.seeds, best.wall_s),
           (double)best.maxrss_kib / 1024.0);
    printf("  %-13s %" PRIu64 " events, %.1f events per seed; trace hashes "
           "folded 0x%016" PRIx64 "\n\n",
           "(f)", best.events,
           best.seeds ? (double)best.events / (double)best.seeds : 0.0,
           best.trace_hash);
    fflush(stdout);
    return best.failed ? 1 : 0;
}

/* Case (a): the steady state: 5 nodes, closed-loop clients, no faults. */
static int run_case_a(int repeats)
{
    struct bench_spec spec = case_a;
    struct bench_figures f;
    int rc = 0;
    printf(
        "(a) 5 nodes, %d closed-loop clients, one-way delay 15 ms, "
        "disk 10 ms,\n    heartbeat 100 ms, election 1-2 s, no faults; "
        "200000 entries after %d\n",
        BENCH_CLIENTS, BENCH_WARMUP_ENTRIES);
    rc = bench_run_spec(&spec, "(a)", repeats, &f);
    if (rc == 0) {
        bench_target("(a) committed entries per wall second",
                     per_s(f.on.committed, f.on.wall_s),
                     per_s(f.on.committed, f.on.cpu_s), 150000, true);
        bench_target("(a) events per wall second",
                     per_s(f.on.events, f.on.wall_s),
                     per_s(f.on.events, f.on.cpu_s), 2e6, true);
        share_target(&f);
    }
    return rc;
}

/* Case (b): (a) with message faults and a crash every 2 s. */
static int run_case_b(int repeats)
{
    struct bench_spec spec = case_a;
    struct bench_figures f;
    int rc = 0;
    printf(
        "(b) (a) with 5%% drop, 5%% duplicate, 10%% reorder, delay "
        "5-30 ms,\n    a random node crashed every 2 s and restarted "
        "1 s later; 120 simulated s\n");
    spec.name = 'b';
    spec.faults = true;
    spec.warmup = false;
    spec.stop = BENCH_STOP_TIME;
    spec.target = 120 * (uint64_t)SECOND;
    rc = bench_run_spec(&spec, "(b)", repeats, &f);
    if (rc == 0)
        share_target(&f);
    return rc;
}

/* Case (c): 3 idle nodes for 10 simulated hours. */
static int run_case_c(int repeats)
{
    struct bench_spec spec = case_a;
    struct bench_figures f;
    int rc = 0;
    printf("(c) 3 nodes idle (heartbeats only), 10 simulated hours\n");
    spec.name = 'c';
    spec.n_nodes = 3;
    spec.clients = 0;
    spec.warmup = false;
    spec.stop = BENCH_STOP_TIME;
    spec.target = 10 * 3600 * (uint64_t)SECOND;
    rc = bench_run_spec(&spec, "(c)", repeats, &f);
    if (rc == 0) {
        bench_target("(c) events per wall second",
                     per_s(f.on.events, f.on.wall_s),
                     per_s(f.on.events, f.on.cpu_s), 5e6, true);
        share_target(&f);
    }
    return rc;
}

/* Case (d): 51 nodes under closed-loop clients. */
static int run_case_d(int repeats)
{
    struct bench_spec spec = case_a;
    struct bench_figures f;
    int rc = 0;
    printf("(d) 51 nodes, %d closed-loop clients, 10 simulated s\n",
           BENCH_CLIENTS);
    spec.name = 'd';
    spec.n_nodes = 51;
    spec.warmup = false;
    spec.stop = BENCH_STOP_TIME;
    spec.target = 10 * (uint64_t)SECOND;
    rc = bench_run_spec(&spec, "(d)", repeats, &f);
    if (rc == 0)
        share_target(&f);
    return rc;
}

/* Case (e): (a) with snapshots, at two sizes, for the memory ratio. */
static int run_case_e(int repeats)
{
    struct bench_spec spec = case_a;
    struct bench_figures f, g;
    int rc = 0;
    printf(
        "(e) (a) with a snapshot every 1000 entries; client history "
        "recording OFF\n    (safety checkers on); each size in its own "
        "process\n");
    spec.name = 'e';
    spec.snapshot_every = 1000;
    spec.history = false;
    rc |= bench_run_spec(&spec, "(e) 200000", repeats, &f);
    spec.target = 2000000;
    rc |= bench_run_spec(&spec, "(e) 2000000", repeats, &g);
    if (rc == 0) {
        share_target(&f);
        share_target(&g);
        bench_target("(e) 2000000 RSS / 200000 RSS (%)",
                     100.0 * (double)g.on.maxrss_kib / (double)f.on.maxrss_kib,
                     -1, 110.0, false);
    }
    return rc;
}

static int run_case(char name, int repeats)
{
    int rc;
    switch (name) {
    case 'a':
        rc = run_case_a(repeats);
        break;
    case 'b':
        rc = run_case_b(repeats);
        break;
    case 'c':
        rc = run_case_c(repeats);
        break;
    case 'd':
        rc = run_case_d(repeats);
        break;
    case 'e':
        rc = run_case_e(repeats);
        break;
    case 'f': {
        struct bench_spec spec = case_a;
        spec.name = 'f';
        spec.fuzz_seeds = BENCH_FUZZ_SEEDS;
        return run_fuzz_case(&spec, repeats);
    }
    default:
        fprintf(stderr, "raftsim-bench: unknown case '%c'\n", name);
        return 2;
    }
    printf("\n");
    fflush(stdout);
    return rc;
}

/* The spec of case `name` shortened for callgrind; false if unknown. */
static bool callgrind_spec(char name, struct bench_spec *spec)
{
    *spec = case_a;
    spec->name = name;
    spec->target = 20000; /* (a), (e): entries after the warm-up */
    switch (name) {
    case 'a':
        return true;
    case 'b':
        spec->faults = true;
        spec->warmup = false;
        spec->stop = BENCH_STOP_TIME;
        spec->target = 30 * (uint64_t)SECOND;
        return true;
    case 'c':
        spec->n_nodes = 3;
        spec->clients = 0;
        spec->warmup = false;
        spec->stop = BENCH_STOP_TIME;
        spec->target = 3600 * (uint64_t)SECOND;
        return true;
    case 'd':
        spec->n_nodes = 51;
        spec->warmup = false;
        spec->stop = BENCH_STOP_TIME;
        spec->target = 10 * (uint64_t)SECOND;
        return true;
    case 'e':
        spec->snapshot_every = 1000;
        spec->history = false;
        return true;
    case 'f':
        spec->fuzz_seeds = 20;
        return true;
    default:
        return false;
    }
}

/* One case shortened, in this process, for callgrind: its last line names
 * the units the collected instructions are divided by. */
static int run_callgrind(char name)
{
    struct bench_spec spec;
    if (!callgrind_spec(name, &spec))
        return 2;
    struct bench_result r;
    measure(&spec, true, &r);
    printf("(%c) shortened for callgrind; the Ir of sim_bench_timed_part is "
           "divided by:\n",
           name);
    printf("callgrind case %c: %" PRIu64 " events, %" PRIu64
           " committed entries, %" PRIu64 " seeds, %" PRIu64
           " simulated us; trace hash 0x%016" PRIx64 "\n",
           name, r.events, r.committed, r.seeds, r.sim_us, r.trace_hash);
    return r.status == SIM_OK ? 0 : 1;
}

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: raftsim-bench [--case a|b|c|d|e|f] [--repeat N] "
        "[--callgrind]\n"
        "  --case X     run only case X (default: all)\n"
        "  --repeat N   keep the fastest of N runs of each measurement "
        "(default 3)\n"
        "  --callgrind  the case (default a) shortened, in one process\n");
}

int main(int argc, char **argv)
{
    /* The heap kept between runs, as raftsim keeps it
     * (keep_heap_between_runs() in sim/cli/raftsim_main.c), so that case
     * (f) measures the seeds a campaign runs. */
#ifdef M_TRIM_THRESHOLD
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
    const char *cases = "abcdef";
    char one[2] = {0};
    bool callgrind = false;
    int repeats = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--callgrind") == 0) {
            callgrind = true;
        } else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (strlen(v) != 1 || !strchr("abcdef", v[0])) {
                usage(stderr);
                return 2;
            }
            one[0] = v[0];
            cases = one;
        } else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
            repeats = atoi(argv[++i]);
            if (repeats < 1 || repeats > 100) {
                usage(stderr);
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (callgrind)
        return run_callgrind(one[0] ? one[0] : 'a');
    printf(
        "raftsim-bench: seed %u; all safety checkers and the client "
        "history on unless noted;\nno ring of recent events, as in a fuzz "
        "campaign (a failing case runs again with it to print them);\nthe "
        "fastest of %d alternating runs per line; "
        "rates are per wall second of the timed part\n\n",
        BENCH_SEED, repeats);
    int rc = 0;
    for (const char *c = cases; *c; c++)
        rc |= run_case(*c, repeats);
    return rc;
}
