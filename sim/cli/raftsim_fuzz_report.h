/* raftsim_fuzz_report.h: the machine-readable reports of `raftsim fuzz`:
 * the --json document and the --junit file (docs/json-output.md).
 *
 * Invariant: both are built from one struct raftsim_fuzz_summary, the one
 * the text summary and the exit status are judged from, so the reports
 * count the same seeds. Nothing here depends on --jobs: failures are kept
 * in seed order, as the campaign reports them.
 */
#ifndef RAFTSIM_FUZZ_REPORT_H
#define RAFTSIM_FUZZ_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* One failed seed, as the reports show it. Owns its strings. */
struct raftsim_fuzz_failure
{
    uint64_t seed;
    char *property;       /* "leader-completeness", "crash", "refused"... */
    char *detail;         /* the first line of what was found */
    uint64_t time_us;     /* virtual time; SCN_FUZZ_UNKNOWN_TIME: unknown */
    bool hashed;          /* the run ended with a verdict: hash and events */
    uint64_t trace_hash;  /* meaningful when hashed */
    uint64_t events;      /* likewise */
    char *reproducer;     /* the path written; NULL when none */
    char *replay_problem; /* NULL when the reproducer replays the same */
    char *shrunk;         /* the shrunk reproducer's path; NULL: none */
    int64_t wall_us;      /* the seed's wall time (JUnit only) */
};

/* A new record (g_free'd with raftsim_fuzz_failure_free); strings copied. */
struct raftsim_fuzz_failure *raftsim_fuzz_failure_new(uint64_t seed,
                                                      const char *property,
                                                      const char *detail);

void raftsim_fuzz_failure_free(gpointer failure);

/* The whole campaign. Borrowed pointers, valid while a report is made. */
struct raftsim_fuzz_summary
{
    uint64_t seed_from, seeds;  /* the range A..A+seeds-1 */
    uint64_t shard_k, shard_n;  /* 1/1 without --shard */
    uint32_t nodes;
    uint64_t run_us;            /* --time */
    uint32_t faults;            /* the mask of allowed faults */
    const char *out_dir;
    uint64_t seeds_run, passed, failed, lin_unknown;
    uint64_t simulated_us;
    int64_t passed_wall_us;     /* the wall time of the seeds that passed */
    const char *stopped_by;     /* "for", "max-failures" or NULL */
    GPtrArray *failures;        /* struct raftsim_fuzz_failure *, seed order */
    int exit_status;
};

/* Prints the --json document on stdout. */
void raftsim_fuzz_print_json(const struct raftsim_fuzz_summary *s);

/* Writes the --junit report to `path`: one failing case per failed seed
 * and, when any seed passed, one passing case for them all. False after a
 * complaint (the path and the OS reason) when it cannot be written. */
bool raftsim_fuzz_write_junit(const struct raftsim_fuzz_summary *s,
                              const char *path);

#endif /* RAFTSIM_FUZZ_REPORT_H */
