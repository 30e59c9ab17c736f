/* raftsim_pool.c: the worker processes of raftsim_pool.h.
 *
 * Wire format, worker to parent, one frame per job: the job (8 bytes), the
 * reply's length (8 bytes), the reply. Parent to worker: one job (8 bytes)
 * at a time; end of file tells the worker to exit. Numbers are in the
 * host's byte order: both ends are the same program on the same machine.
 *
 * Invariant: a worker slot is busy exactly while its job has been written
 * and neither its frame nor its death has been seen; its buffers hold only
 * bytes of that job.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/cli/raftsim_pool.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/cli/raftsim_cli.h"
#include "sim/sim_sanitizer.h"

/* The stderr a worker keeps for a death report: its last bytes. */
#define STDERR_KEEP 4096u

struct worker
{
    pid_t pid;    /* 0: not running */
    int cmd_fd;   /* parent writes jobs */
    int reply_fd; /* parent reads frames */
    int err_fd;   /* parent reads the worker's stderr */
    bool busy;
    uint64_t job;
    int64_t started_us; /* wall clock at submission */
    bool overdue;       /* killed for overrunning job_wall_us */
    GByteArray *in;     /* frame bytes read so far */
    GString *err;       /* stderr since the last reply (tail) */
};

struct raftsim_pool
{
    struct worker *w;
    unsigned n;
    raftsim_pool_job_fn *fn;
    void *ctx;
    struct raftsim_pool_limits limits;
    GByteArray *reply; /* the last event's reply */
    GString *err;      /* the last event's stderr */
};

/* Writes (or, when `reading`, reads) exactly len bytes; false on an error
 * or at end of file. */
static bool transfer_all(int fd, void *buf, size_t len, bool reading)
{
    char *p = buf;
    while (len > 0) {
        ssize_t k = reading ? read(fd, p, len) : write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        p += k;
        len -= (size_t)k;
    }
    return true;
}

static bool write_all(int fd, const void *buf, size_t len)
{
    return transfer_all(fd, (void *)(uintptr_t)buf, len, false);
}

static bool read_all(int fd, void *buf, size_t len)
{
    return transfer_all(fd, buf, len, true);
}

/* The worker's life: jobs until end of file. Never returns. */
static G_NORETURN void worker_main(struct raftsim_pool *p, int cmd, int out)
{
    if (p->limits.memory_bytes && !SIM_UNDER_ASAN) {
        struct rlimit rl = {.rlim_cur = p->limits.memory_bytes,
                            .rlim_max = p->limits.memory_bytes};
        (void)setrlimit(RLIMIT_AS, &rl);
    }
    GByteArray *reply = g_byte_array_new();
    uint64_t job;
    while (read_all(cmd, &job, sizeof(job))) {
        g_byte_array_set_size(reply, 0);
        p->fn(job, reply, p->ctx);
        uint64_t len = reply->len;
        if (!write_all(out, &job, sizeof(job)) ||
            !write_all(out, &len, sizeof(len)) ||
            !write_all(out, reply->data, reply->len))
            break;
    }
    g_byte_array_free(reply, TRUE);
    fflush(stderr);
    _exit(0);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Closes, in a new worker, every descriptor of the other workers, so that
 * their command pipes see end of file when the parent closes them. */
static void close_siblings(struct raftsim_pool *p, unsigned self)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (i == self)
            continue;
        close_fd(&p->w[i].cmd_fd);
        close_fd(&p->w[i].reply_fd);
        close_fd(&p->w[i].err_fd);
    }
}

/* Forks worker i; false (errno set) on failure. */
static bool spawn(struct raftsim_pool *p, unsigned i)
{
    int cmd[2], out[2], err[2];
    if (pipe(cmd) != 0)
        return false;
    if (pipe(out) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return false;
    }
    if (pipe(err) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        close(out[0]);
        close(out[1]);
        return false;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(cmd[0]), close(cmd[1]), close(out[0]), close(out[1]);
        close(err[0]), close(err[1]);
        errno = e;
        return false;
    }
    if (pid == 0) {
        close_siblings(p, i);
        close(cmd[1]);
        close(out[0]);
        close(err[0]);
        dup2(err[1], STDERR_FILENO);
        close(err[1]);
        worker_main(p, cmd[0], out[1]);
    }
    close(cmd[0]);
    close(out[1]);
    close(err[1]);
    struct worker *w = &p->w[i];
    w->pid = pid;
    w->cmd_fd = cmd[1];
    w->reply_fd = out[0];
    w->err_fd = err[0];
    w->busy = false;
    w->overdue = false;
    g_byte_array_set_size(w->in, 0);
    g_string_truncate(w->err, 0);
    return true;
}

struct raftsim_pool *raftsim_pool_new(unsigned workers,
                                      raftsim_pool_job_fn *fn,
                                      void *ctx,
                                      const struct raftsim_pool_limits *limits)
{
    g_assert(workers >= 1 && workers <= 256);
    /* A write to a dead worker's pipe must fail, not kill the parent. */
    signal(SIGPIPE, SIG_IGN);
    struct raftsim_pool *p = g_new0(struct raftsim_pool, 1);
    p->w = g_new0(struct worker, workers);
    p->n = workers;
    p->fn = fn;
    p->ctx = ctx;
    p->limits = *limits;
    p->reply = g_byte_array_new();
    p->err = g_string_new(NULL);
    for (unsigned i = 0; i < workers; i++) {
        p->w[i].cmd_fd = p->w[i].reply_fd = p->w[i].err_fd = -1;
        p->w[i].in = g_byte_array_new();
        p->w[i].err = g_string_new(NULL);
    }
    for (unsigned i = 0; i < workers; i++) {
        if (!spawn(p, i)) {
            int e = errno;
            raftsim_pool_free(p);
            errno = e;
            return NULL;
        }
    }
    return p;
}

bool raftsim_pool_submit(struct raftsim_pool *p, uint64_t job)
{
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (w->busy || w->pid == 0)
            continue;
        w->busy = true;
        w->job = job;
        w->started_us = raftsim_wall_us();
        /* A failed write means the worker is dead: its end of file on the
         * reply pipe reports the death with this job. */
        (void)write_all(w->cmd_fd, &job, sizeof(job));
        return true;
    }
    return false;
}

unsigned raftsim_pool_busy(const struct raftsim_pool *p)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->n; i++)
        n += p->w[i].busy;
    return n;
}

/* Appends what the worker wrote to stderr, keeping the last STDERR_KEEP
 * bytes. False at end of file. */
static bool drain_stderr(struct worker *w)
{
    char buf[4096];
    ssize_t k = read(w->err_fd, buf, sizeof(buf));
    if (k < 0 && errno == EINTR)
        return true;
    if (k <= 0)
        return false;
    g_string_append_len(w->err, buf, k);
    if (w->err->len > STDERR_KEEP)
        g_string_erase(w->err, 0, (gssize)(w->err->len - STDERR_KEEP));
    return true;
}

/* Reads what the reply pipe holds; true when a whole frame is in w->in. */
static bool read_frame(struct worker *w, bool *eof)
{
    char buf[65536];
    ssize_t k = read(w->reply_fd, buf, sizeof(buf));
    if (k < 0 && errno == EINTR)
        return false;
    if (k <= 0) {
        *eof = true;
        return false;
    }
    g_byte_array_append(w->in, (const guint8 *)buf, (guint)k);
    if (w->in->len < 16)
        return false;
    uint64_t len;
    memcpy(&len, w->in->data + 8, sizeof(len));
    return w->in->len >= 16 + len;
}

/* Moves the frame at the front of w->in into the event. */
static void take_frame(struct raftsim_pool *p,
                       struct worker *w,
                       struct raftsim_pool_event *ev)
{
    uint64_t job, len;
    memcpy(&job, w->in->data, sizeof(job));
    memcpy(&len, w->in->data + 8, sizeof(len));
    g_byte_array_set_size(p->reply, 0);
    g_byte_array_append(p->reply, w->in->data + 16, (guint)len);
    g_byte_array_remove_range(w->in, 0, (guint)(16 + len));
    ev->kind = RAFTSIM_POOL_REPLY;
    ev->job = job;
    ev->reply = p->reply;
    w->busy = false;
    g_string_truncate(w->err, 0);
}

/* The worker's reply pipe ended: reap it, report its job's death when it
 * had one, and fork a replacement. */
static bool bury(struct raftsim_pool *p,
                 unsigned i,
                 struct raftsim_pool_event *ev)
{
    struct worker *w = &p->w[i];
    while (drain_stderr(w))
        continue;
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        continue;
    close_fd(&w->cmd_fd);
    close_fd(&w->reply_fd);
    close_fd(&w->err_fd);
    w->pid = 0;
    if (w->busy) {
        ev->kind = RAFTSIM_POOL_DIED;
        ev->job = w->job;
        ev->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        ev->status = WIFEXITED(status) ? WEXITSTATUS(status) : 0;
        ev->death = w->overdue           ? RAFTSIM_POOL_OVERDUE
                    : WIFSIGNALED(status) ? RAFTSIM_POOL_SIGNAL
                                          : RAFTSIM_POOL_EXIT;
        g_string_assign(p->err, w->err->str);
        ev->stderr_text = p->err->str;
        w->busy = false;
    }
    return spawn(p, i);
}

/* Kills the workers whose job has run longer than allowed. */
static void kill_overdue(struct raftsim_pool *p)
{
    if (p->limits.job_wall_us <= 0)
        return;
    int64_t now = raftsim_wall_us();
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (w->busy && !w->overdue &&
            now - w->started_us > p->limits.job_wall_us) {
            w->overdue = true;
            kill(w->pid, SIGKILL);
        }
    }
}

bool raftsim_pool_wait(struct raftsim_pool *p,
                       int timeout_ms,
                       struct raftsim_pool_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    kill_overdue(p);
    struct pollfd *fds = g_new0(struct pollfd, 2 * p->n);
    for (unsigned i = 0; i < p->n; i++) {
        fds[2 * i].fd = p->w[i].reply_fd;
        fds[2 * i].events = POLLIN;
        fds[2 * i + 1].fd = p->w[i].err_fd;
        fds[2 * i + 1].events = POLLIN;
    }
    int rc = poll(fds, 2 * p->n, timeout_ms);
    bool ok = true;
    for (unsigned i = 0; rc > 0 && i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (fds[2 * i + 1].revents & (POLLIN | POLLHUP))
            (void)drain_stderr(w);
        if (!(fds[2 * i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        bool eof = false;
        if (read_frame(w, &eof)) {
            take_frame(p, w, ev);
            break;
        }
        if (eof) {
            ok = bury(p, i, ev);
            if (ev->kind != RAFTSIM_POOL_NOTHING || !ok)
                break;
        }
    }
    g_free(fds);
    return ok;
}

void raftsim_pool_free(struct raftsim_pool *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (w->pid > 0 && w->busy)
            kill(w->pid, SIGKILL);
        close_fd(&w->cmd_fd);
    }
    for (unsigned i = 0; i < p->n; i++) {
        struct worker *w = &p->w[i];
        if (w->pid > 0) {
            /* Let it finish writing what it has (a sanitizer's report). */
            while (w->err_fd >= 0 && drain_stderr(w))
                continue;
            if (w->err->len)
                fputs(w->err->str, stderr);
            while (waitpid(w->pid, NULL, 0) < 0 && errno == EINTR)
                continue;
        }
        close_fd(&w->reply_fd);
        close_fd(&w->err_fd);
        g_byte_array_free(w->in, TRUE);
        g_string_free(w->err, TRUE);
    }
    g_free(p->w);
    g_byte_array_free(p->reply, TRUE);
    g_string_free(p->err, TRUE);
    g_free(p);
}

/* ---- the wire format of a reply ----------------------------------------- */

void raftsim_wire_put_u64(GByteArray *b, uint64_t v)
{
    g_byte_array_append(b, (const guint8 *)&v, sizeof(v));
}

void raftsim_wire_put_str(GByteArray *b, const char *text)
{
    uint64_t len = text ? strlen(text) : UINT64_MAX;
    raftsim_wire_put_u64(b, len);
    if (text)
        g_byte_array_append(b, (const guint8 *)text, (guint)len);
}

uint64_t raftsim_wire_get_u64(struct raftsim_wire_reader *r)
{
    uint64_t v = 0;
    g_assert(r->left >= sizeof(v));
    memcpy(&v, r->p, sizeof(v));
    r->p += sizeof(v);
    r->left -= sizeof(v);
    return v;
}

char *raftsim_wire_get_str(struct raftsim_wire_reader *r)
{
    uint64_t len = raftsim_wire_get_u64(r);
    if (len == UINT64_MAX)
        return NULL;
    g_assert(r->left >= len);
    char *s = g_strndup((const char *)r->p, (gsize)len);
    r->p += len;
    r->left -= len;
    return s;
}
