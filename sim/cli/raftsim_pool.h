/* raftsim_pool.h: worker processes that run jobs and survive their deaths.
 *
 * A pool forks N workers. Each worker reads job numbers (uint64) from its
 * command pipe, runs the job function on each in turn and writes back one
 * reply per job; its stderr goes to a pipe the parent reads. When a worker
 * dies (an assertion abort, a signal, an exhausted memory limit, or a kill
 * for overrunning its wall-time allowance), the parent learns which job it
 * was running, how it died and what it last wrote to stderr, and forks a
 * replacement, so a broken job never ends the campaign.
 *
 * Invariant: a worker runs at most one job at a time, and every submitted
 * job yields exactly one event: a reply, or a death. The parent is one
 * thread; workers share nothing with it but their pipes.
 */
#ifndef RAFTSIM_POOL_H
#define RAFTSIM_POOL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Runs `job` in a worker process and appends its reply to `reply`
 * (borrowed). `ctx` is the pool's pointer, as it was at the fork. */
typedef void raftsim_pool_job_fn(uint64_t job, GByteArray *reply, void *ctx);

struct raftsim_pool_limits
{
    /* Address-space limit of each worker (setrlimit RLIMIT_AS); 0: none.
     * Not applied under AddressSanitizer, which maps far more. */
    uint64_t memory_bytes;
    /* Wall time one job may take before its worker is killed; 0: none. */
    int64_t job_wall_us;
};

enum raftsim_pool_event_kind {
    RAFTSIM_POOL_NOTHING = 0, /* the wait timed out */
    RAFTSIM_POOL_REPLY,       /* `job` finished; `reply` holds its bytes */
    RAFTSIM_POOL_DIED,        /* the worker running `job` died */
};

/* How a worker died. */
enum raftsim_pool_death {
    RAFTSIM_POOL_SIGNAL = 1, /* killed by `signal` (an abort is SIGABRT) */
    RAFTSIM_POOL_EXIT,       /* exited with `status` in the middle of a job */
    RAFTSIM_POOL_OVERDUE,    /* killed after job_wall_us of wall time */
};

struct raftsim_pool_event
{
    enum raftsim_pool_event_kind kind;
    uint64_t job;
    GByteArray *reply; /* REPLY: owned by the event until the next wait */
    /* DIED: how, and the worker's stderr since its last reply (owned by
     * the event until the next wait; "" when it wrote nothing). */
    enum raftsim_pool_death death;
    int signal;
    int status;
    const char *stderr_text;
};

struct raftsim_pool; /* opaque */

/* Forks `workers` processes (1..256) running `fn` with `ctx` (borrowed for
 * the pool's life; each worker sees it as it was at its fork). Flushes
 * stdout and stderr first. NULL, with errno set, if a fork or pipe failed. */
struct raftsim_pool *raftsim_pool_new(unsigned workers,
                                      raftsim_pool_job_fn *fn,
                                      void *ctx,
                                      const struct raftsim_pool_limits *limits);

/* Hands `job` to an idle worker; false when every worker is busy. */
bool raftsim_pool_submit(struct raftsim_pool *pool, uint64_t job);

/* Jobs submitted and not yet answered by an event. */
unsigned raftsim_pool_busy(const struct raftsim_pool *pool);

/* Waits up to timeout_ms for the next event and stores it in *ev (whose
 * buffers stay valid until the next call). Kills overdue workers on the
 * way. Returns false only on an unrecoverable error (a fork failed). */
bool raftsim_pool_wait(struct raftsim_pool *pool,
                       int timeout_ms,
                       struct raftsim_pool_event *ev);

/* Stops every worker (closing their command pipes, killing those still
 * busy), reaps them and frees the pool. NULL is a no-op. */
void raftsim_pool_free(struct raftsim_pool *pool);

/* ---- the wire format of a reply ------------------------------------------
 * A job's reply is what its function appends to `reply`; these write and
 * read it as host-order integers and length-prefixed strings (worker and
 * parent are the same program on the same machine). */

/* Appends `v`. */
void raftsim_wire_put_u64(GByteArray *b, uint64_t v);

/* Appends `text` (borrowed) as its length and bytes; NULL as UINT64_MAX. */
void raftsim_wire_put_str(GByteArray *b, const char *text);

/* Reads a reply from its start. */
struct raftsim_wire_reader
{
    const guint8 *p;
    size_t left;
};

/* The next integer; asserts that the reply holds one. */
uint64_t raftsim_wire_get_u64(struct raftsim_wire_reader *r);

/* The next string as a new one (g_free), or NULL as it was put. */
char *raftsim_wire_get_str(struct raftsim_wire_reader *r);

#endif /* RAFTSIM_POOL_H */
