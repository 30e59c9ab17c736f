/* raftsim_fuzz.c: `raftsim fuzz`: swarm-test a range of seeds and keep a
 * standalone reproducer for every seed that breaks a safety property.
 *
 * Invariant: what is printed and written depends only on the seed range,
 * the shard and the generator options, never on --jobs or on which worker
 * finished first: results live in an array indexed by seed position and are
 * reported strictly in that order as the completed prefix grows. Workers
 * share nothing but that array (each slot written by one worker, read by the
 * reporter after the slot's `done` flag is set under the mutex). Wall time
 * appears only in the progress line and the summary's last line.
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
#include "sim/cli/raftsim_cli.h"

/* One seed's outcome. */
struct fuzz_item
{
    uint64_t seed;
    bool done;    /* set last, under the campaign's mutex */
    bool refused; /* the engine refused the generated configuration */
    struct scn_fuzz_verdict verdict;
    /* Failed seeds only: the reproducer's text (owned) and whether the
     * printed file replays to the same hash and property. */
    char *reproducer;
    bool replay_ok;
    char *replay_problem; /* owned; NULL when replay_ok */
};

/* Seeds in flight or waiting to be reported at most: memory stays bounded
 * however long the campaign. */
#define FUZZ_WINDOW 4096u

struct fuzz_campaign
{
    struct scn_fuzz_options options;
    /* A ring of `window` slots: the seed of position i is in slot
     * i % window from its submission until it is reported. */
    struct fuzz_item *items;
    size_t window;
    GMutex lock;
    GCond cond;
    uint64_t completed; /* under lock */
    uint64_t failed;    /* under lock */
};

/* Parses the reproducer text back and runs it: it must give the same trace
 * hash and the same property as the generated scenario did. */
static void verify_replay(struct fuzz_item *it)
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
    if (scn_fuzz_run(back, &v) != SCN_OK) {
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

static void fuzz_one(struct fuzz_item *it, const struct scn_fuzz_options *o)
{
    struct scn_fuzz_swarm swarm;
    struct scn_scenario *sc = scn_fuzz_generate(it->seed, o, &swarm);
    if (scn_fuzz_run(sc, &it->verdict) != SCN_OK) {
        it->refused = true;
    } else if (!it->verdict.passed) {
        GString *text = g_string_new(NULL);
        scn_fuzz_reproducer(sc, o, &swarm, &it->verdict, text);
        it->reproducer = g_string_free(text, FALSE);
        verify_replay(it);
    }
    scn_scenario_free(sc);
}

static void worker(gpointer data, gpointer user_data)
{
    struct fuzz_campaign *c = user_data;
    struct fuzz_item *it = data;
    fuzz_one(it, &c->options);
    g_mutex_lock(&c->lock);
    it->done = true;
    c->completed++;
    if (it->refused || !it->verdict.passed)
        c->failed++;
    g_cond_signal(&c->cond);
    g_mutex_unlock(&c->lock);
}

/* ---- output -------------------------------------------------------------- */

struct progress
{
    bool enabled; /* stderr is a terminal */
    bool shown;   /* a progress line is on screen */
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
    if (p->shown && now - p->drawn_us < 200 * 1000)
        return;
    p->drawn_us = now;
    double wall_s = (double)(now - p->start_us) / 1e6;
    double rate = wall_s > 0 ? (double)done / wall_s : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    fprintf(
        stderr,
        "\rfuzz: %zu/%zu seeds, %.1f seeds/s, %zu violation%s, ETA %.0fs   ",
        done, total, rate, failed, failed == 1 ? "" : "s", eta);
    fflush(stderr);
    p->shown = true;
}

/* Writes DIR/fuzz-SEED.scn; returns the path (g_free) or NULL after a
 * complaint. */
static char *write_reproducer(const char *dir, const struct fuzz_item *it)
{
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

/* Reports one finished seed and writes its reproducer when it failed (a
 * file that cannot be written is complained about; the seed still counts
 * as failed). */
static void report(const struct fuzz_item *it, const char *out_dir, bool color)
{
    const char *red = raftsim_color(color, RAFTSIM_COLOR_RED);
    const char *reset = raftsim_color(color, RAFTSIM_COLOR_RESET);
    if (it->refused) {
        printf("%sFAIL%s seed %" PRIu64
               ": the engine refused the generated configuration\n",
               red, reset, it->seed);
        return;
    }
    if (it->verdict.passed)
        return;
    GString *t = g_string_new(NULL);
    scn_format_time(t, it->verdict.failed_at_us);
    printf("%sFAIL%s seed %" PRIu64 ": %s at %s: %s\n", red, reset, it->seed,
           it->verdict.property, t->str, it->verdict.detail);
    g_string_free(t, TRUE);
    char *path = write_reproducer(out_dir, it);
    if (path)
        printf("     reproducer: %s (replay: raftsim run %s)\n", path, path);
    if (!it->replay_ok)
        printf("     warning: the reproducer %s\n", it->replay_problem);
    g_free(path);
}

/* ---- arguments ----------------------------------------------------------- */

/* Parses "K/N" with 1 <= K <= N. */
static bool parse_shard(const char *text, uint64_t *k, uint64_t *n)
{
    const char *slash = strchr(text, '/');
    if (!slash)
        return false;
    char *left = g_strndup(text, (gsize)(slash - text));
    bool ok = raftsim_parse_u64(left, k) && raftsim_parse_u64(slash + 1, n) &&
              *n >= 1 && *k >= 1 && *k <= *n;
    g_free(left);
    return ok;
}

int raftsim_fuzz_main(int argc, char **argv)
{
    gint nodes = 5, jobs = 1;
    gchar *seeds_text = NULL, *from_text = NULL, *time_text = NULL,
          *shard_text = NULL, *faults_text = NULL, *out_dir = NULL;
    gboolean quiet = FALSE, verbose = FALSE;
    GOptionEntry entries[] = {
        {"nodes", 'n', 0, G_OPTION_ARG_INT, &nodes, "Cluster size (default 5)",
         "N"},
        {"seeds", 0, 0, G_OPTION_ARG_STRING, &seeds_text,
         "How many seeds to try (default 100)", "COUNT"},
        {"seed-from", 0, 0, G_OPTION_ARG_STRING, &from_text,
         "First seed (default 1)", "A"},
        {"time", 0, 0, G_OPTION_ARG_STRING, &time_text,
         "Virtual run length of each seed (default 10s)", "T"},
        {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs,
         "Run up to J seeds at once (default 1)", "J"},
        {"shard", 0, 0, G_OPTION_ARG_STRING, &shard_text,
         "Only seeds with (seed - A) % N == K - 1", "K/N"},
        {"faults", 0, 0, G_OPTION_ARG_STRING, &faults_text,
         "Allowed faults, a comma list of drop, delay, duplicate, reorder, "
         "partition, cut, crash, pause, drift (default all)",
         "LIST"},
        {"out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir,
         "Write reproducers into DIR (default ./fuzz-failures)", "DIR"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
         "Print only failures and a one-line summary", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
         "Also print every seed's verdict and trace hash", NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *ctx = g_option_context_new("- fuzz random schedules");
    g_option_context_set_summary(
        ctx,
        "Generates one random scenario per seed A..A+COUNT-1 (a swarm of\n"
        "faults, explicit timed statements, client load), runs it with every\n"
        "safety checker and the linearizability check, and writes a\n"
        "standalone DIR/fuzz-SEED.scn for every seed that fails; `raftsim\n"
        "run` on that file replays the same run. Exit status: 0 no seed\n"
        "failed, 1 some seed failed, 2 invalid command line.");
    g_option_context_add_main_entries(ctx, entries, NULL);

    int status = RAFTSIM_EXIT_INVALID;
    GError *err = NULL;
    struct fuzz_campaign c = {0};
    scn_fuzz_options_init(&c.options);
    uint64_t count = 100, from = 1, shard_k = 1, shard_n = 1;
    const char *dir = "fuzz-failures";

    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        raftsim_complain("fuzz", "%s", err->message);
        g_error_free(err);
        goto out;
    }
    if (argc > 1) {
        raftsim_complain("fuzz", "unexpected argument '%s' (see --help)",
                         argv[1]);
        goto out;
    }
    if (quiet && verbose) {
        raftsim_complain("fuzz", "--quiet and --verbose exclude each other");
        goto out;
    }
    if (nodes < 1 || nodes > (gint)SCN_CLUSTER_MAX) {
        raftsim_complain("fuzz", "--nodes must be between 1 and %u",
                         SCN_CLUSTER_MAX);
        goto out;
    }
    c.options.nodes = (uint32_t)nodes;
    if (seeds_text && (!raftsim_parse_u64(seeds_text, &count) || count == 0)) {
        raftsim_complain("fuzz", "--seeds: not a positive integer: %s",
                         seeds_text);
        goto out;
    }
    if (from_text && !raftsim_parse_u64(from_text, &from)) {
        raftsim_complain("fuzz", "--seed-from: not an unsigned integer: %s",
                         from_text);
        goto out;
    }
    if (count - 1 > UINT64_MAX - from) {
        raftsim_complain("fuzz", "--seed-from + --seeds passes 2^64");
        goto out;
    }
    if (time_text && (!raftsim_parse_duration(time_text, &c.options.run_us) ||
                      c.options.run_us < SCN_FUZZ_RUN_US_MIN ||
                      c.options.run_us > SCN_FUZZ_RUN_US_MAX)) {
        raftsim_complain("fuzz",
                         "--time: expected a duration from 100ms to 3600s, "
                         "like 10s: %s",
                         time_text);
        goto out;
    }
    if (jobs < 1 || jobs > 256) {
        raftsim_complain("fuzz", "--jobs must be between 1 and 256");
        goto out;
    }
    if (shard_text && !parse_shard(shard_text, &shard_k, &shard_n)) {
        raftsim_complain("fuzz",
                         "--shard: expected K/N with 1 <= K <= N, not %s",
                         shard_text);
        goto out;
    }
    if (faults_text) {
        char *bad = NULL;
        if (!scn_fuzz_faults_parse(faults_text, &c.options.faults, &bad)) {
            raftsim_complain("fuzz",
                             "--faults: unknown fault '%s' (known: drop, "
                             "delay, duplicate, reorder, partition, cut, "
                             "crash, pause, drift)",
                             bad);
            g_free(bad);
            goto out;
        }
    }
    if (out_dir)
        dir = out_dir;
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        raftsim_complain("fuzz", "%s: %s", dir, g_strerror(errno));
        goto out;
    }

    /* The shard's seeds: (seed - from) % shard_n == shard_k - 1. */
    uint64_t first = shard_k - 1;
    uint64_t total = first < count ? (count - 1 - first) / shard_n + 1 : 0;
    c.window = total < FUZZ_WINDOW ? (size_t)total : FUZZ_WINDOW;
    c.items = g_new0(struct fuzz_item, c.window ? c.window : 1);
    g_mutex_init(&c.lock);
    g_cond_init(&c.cond);

    bool color = raftsim_use_color(stdout);
    struct progress prog = {
        .enabled = !quiet && isatty(fileno(stderr)) == 1,
        .start_us = raftsim_wall_us(),
    };
    if (!quiet) {
        GString *t = g_string_new(NULL);
        scn_print_duration(t, c.options.run_us);
        printf("fuzz: seeds %" PRIu64 "..%" PRIu64, from, from + count - 1);
        if (shard_n > 1)
            printf(" shard %" PRIu64 "/%" PRIu64, shard_k, shard_n);
        printf(" (%" PRIu64 " to run), %" PRIu32 " nodes, %s each, %d job%s\n",
               total, c.options.nodes, t->str, jobs, jobs == 1 ? "" : "s");
        g_string_free(t, TRUE);
        fflush(stdout);
    }

    GThreadPool *pool = g_thread_pool_new(worker, &c, jobs, TRUE, NULL);
    uint64_t submitted = 0;
    for (; submitted < c.window; submitted++) {
        c.items[submitted].seed = from + first + submitted * shard_n;
        g_thread_pool_push(pool, &c.items[submitted], NULL);
    }

    uint64_t failed = 0, unknown = 0, sim_us = 0;
    for (uint64_t next = 0; next < total; next++) {
        struct fuzz_item *it = &c.items[next % c.window];
        g_mutex_lock(&c.lock);
        while (!it->done) {
            int64_t until = raftsim_wall_us() + 250 * 1000;
            g_cond_wait_until(&c.cond, &c.lock, until);
            uint64_t done = c.completed, bad = c.failed;
            g_mutex_unlock(&c.lock);
            progress_draw(&prog, done, total, bad);
            g_mutex_lock(&c.lock);
        }
        g_mutex_unlock(&c.lock);
        if (verbose) {
            progress_clear(&prog);
            printf("seed %" PRIu64 " %s trace %016" PRIx64 " events %" PRIu64
                   "%s\n",
                   it->seed,
                   it->refused          ? "refused"
                   : it->verdict.passed ? "pass"
                                        : "fail",
                   it->verdict.trace_hash, it->verdict.events,
                   it->verdict.lin_unknown ? " linearizability-unknown" : "");
        }
        sim_us += it->verdict.end_us;
        unknown += it->verdict.lin_unknown;
        if (it->refused || !it->verdict.passed) {
            failed++;
            progress_clear(&prog);
            report(it, dir, color);
        }
        fflush(stdout);
        /* The slot is reported: reuse it for the next seed not yet sent. */
        scn_fuzz_verdict_clear(&it->verdict);
        g_free(it->reproducer);
        g_free(it->replay_problem);
        memset(it, 0, sizeof(*it));
        if (submitted < total) {
            it->seed = from + first + submitted * shard_n;
            submitted++;
            g_thread_pool_push(pool, it, NULL);
        }
    }
    g_thread_pool_free(pool, FALSE, TRUE);
    progress_clear(&prog);

    int64_t wall_us = raftsim_wall_us() - prog.start_us;
    double wall_s = (double)wall_us / 1e6;
    GString *t = g_string_new(NULL);
    scn_format_time(t, sim_us);
    if (quiet) {
        printf("fuzz: %" PRIu64 " seeds, %" PRIu64 " passed, %" PRIu64
               " failed, %" PRIu64 " linearizability unknown\n",
               total, total - failed, failed, unknown);
    } else {
        const char *mark = raftsim_color(
            color, failed ? RAFTSIM_COLOR_RED : RAFTSIM_COLOR_GREEN);
        printf("\n%s%s%s %" PRIu64 " seeds run, %" PRIu64 " passed, %" PRIu64
               " failed, %" PRIu64 " linearizability unknown\n",
               mark, failed ? "FAIL" : "PASS",
               raftsim_color(color, RAFTSIM_COLOR_RESET), total, total - failed,
               failed, unknown);
        printf("     simulated %s in %.1fs wall time (%.1f seeds/s)\n", t->str,
               wall_s, wall_s > 0 ? (double)total / wall_s : 0.0);
        if (failed)
            printf("     reproducers in %s/\n", dir);
    }
    g_string_free(t, TRUE);
    fflush(stdout);
    status = failed ? RAFTSIM_EXIT_FAILED : RAFTSIM_EXIT_OK;

    g_free(c.items);
    g_mutex_clear(&c.lock);
    g_cond_clear(&c.cond);
out:
    g_option_context_free(ctx);
    g_free(seeds_text);
    g_free(from_text);
    g_free(time_text);
    g_free(shard_text);
    g_free(faults_text);
    g_free(out_dir);
    return status;
}
