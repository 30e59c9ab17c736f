/* scn_outcome.c: one judged run, in this process or in a forked child.
 *
 * Invariant: the child answers through a pipe with one fixed sequence of
 * newline-terminated fields (every text field is one line by construction),
 * then exits with status 0; any other ending of the child is a crash of the
 * run, never of the caller. The caller reads the child's answer and its
 * standard error together (poll), so neither pipe can fill and stall it.
 */
#define _POSIX_C_SOURCE 200809L

#include "scenarios/lang/scn_outcome.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_run.h"

void scn_outcome_clear(struct scn_outcome *o)
{
    g_free(o->property);
    g_free(o->detail);
    memset(o, 0, sizeof(*o));
}

bool scn_outcome_fails_with(const struct scn_outcome *o, const char *property)
{
    return !o->passed && o->property && strcmp(o->property, property) == 0;
}

bool scn_outcome_fails_like(const struct scn_outcome *o,
                            const struct scn_outcome *target)
{
    if (!target->property || !scn_outcome_fails_with(o, target->property))
        return false;
    if (strcmp(target->property, "action") != 0)
        return true;
    return g_strcmp0(o->detail, target->detail) == 0;
}

/* The first line of `text` (borrowed; NULL is ""), as a new string. */
static char *first_line(const char *text)
{
    if (!text)
        return g_strdup("");
    const char *nl = strchr(text, '\n');
    return nl ? g_strndup(text, (gsize)(nl - text)) : g_strdup(text);
}

int scn_outcome_run(const struct scn_scenario *scenario,
                    uint64_t max_events,
                    struct scn_outcome *out)
{
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.recent_events = false; /* an outcome names its failure alone */
    if (max_events)
        o.budget.max_events = max_events;
    struct scn_run_result *res = NULL;
    if (scn_run(scenario, &o, &res) != SCN_OK)
        return SCN_EINVAL;
    memset(out, 0, sizeof(*out));
    out->passed = res->passed;
    out->events = res->events;
    out->trace_hash = res->trace_hash;
    const struct sim_failure *sf = sim_get_failure(res->sim);
    const struct scn_failure *f = scn_run_first_failure(res);
    if (res->violation && sf) {
        /* A safety violation ends the run: it is the failure, whatever
         * check failed before it. */
        out->property = g_strdup(sim_property_name(sf->violation.property));
        out->detail = first_line(sf->violation.detail);
        out->time_us = sf->time_us;
        out->nodes[0] = sf->violation.nodes[0];
        out->nodes[1] = sf->violation.nodes[1];
    } else if (f) {
        out->property = g_strdup(scn_failure_kind_name(f->kind));
        out->detail = first_line(f->message);
        out->time_us = f->time_us;
    }
    scn_run_result_free(res);
    return SCN_OK;
}

/* ---- the forked child ---------------------------------------------------- */

/* Status of a child whose engine refused the configuration. */
#define CHILD_REFUSED 3

/* Writes all of buf to fd; false on an error. */
static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        len -= (size_t)w;
    }
    return true;
}

/* Runs in the child: never returns. */
static void child_main(const struct scn_scenario *scenario,
                       uint64_t max_events,
                       int answer_fd,
                       int err_fd)
{
    dup2(err_fd, STDERR_FILENO);
    struct scn_outcome o;
    if (scn_outcome_run(scenario, max_events, &o) != SCN_OK)
        _exit(CHILD_REFUSED);
    GString *t = g_string_new(NULL);
    g_string_append_printf(t,
                           "%d\n%s\n%s\n%" PRIu64 "\n%" PRIu32 "\n%" PRIu32
                           "\n%" PRIu64 "\n%" PRIu64 "\n",
                           o.passed ? 1 : 0, o.property ? o.property : "",
                           o.detail ? o.detail : "", o.time_us, o.nodes[0],
                           o.nodes[1], o.events, o.trace_hash);
    bool ok = write_all(answer_fd, t->str, t->len);
    _exit(ok ? 0 : 1);
}

/* Reads both pipes to their ends into `answer` and `err`. */
static void read_both(int answer_fd, int err_fd, GString *answer, GString *err)
{
    struct pollfd p[2] = {{.fd = answer_fd, .events = POLLIN},
                          {.fd = err_fd, .events = POLLIN}};
    GString *into[2] = {answer, err};
    int open_fds = 2;
    char buf[4096];
    while (open_fds > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(p[i].fd, buf, sizeof(buf));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                p[i].fd = -1;
                open_fds--;
                continue;
            }
            /* Standard error keeps its last 4 KiB: enough for a message. */
            g_string_append_len(into[i], buf, r);
            if (i == 1 && err->len > 8192)
                g_string_erase(err, 0, (gssize)(err->len - 4096));
        }
    }
}

/* Parses the child's answer into *out; false if it is not whole. */
static bool parse_answer(const char *text, struct scn_outcome *out)
{
    gchar **f = g_strsplit(text, "\n", 9);
    bool ok = g_strv_length(f) == 9 && f[8][0] == '\0';
    if (ok) {
        memset(out, 0, sizeof(*out));
        out->passed = strcmp(f[0], "1") == 0;
        out->property = out->passed ? NULL : g_strdup(f[1]);
        out->detail = out->passed ? NULL : g_strdup(f[2]);
        out->time_us = g_ascii_strtoull(f[3], NULL, 10);
        out->nodes[0] = (uint32_t)g_ascii_strtoull(f[4], NULL, 10);
        out->nodes[1] = (uint32_t)g_ascii_strtoull(f[5], NULL, 10);
        out->events = g_ascii_strtoull(f[6], NULL, 10);
        out->trace_hash = g_ascii_strtoull(f[7], NULL, 10);
    }
    g_strfreev(f);
    return ok;
}

/* A crash outcome: `why` (borrowed) and the last line of standard error. */
static void crash_outcome(struct scn_outcome *out,
                          const char *why,
                          const GString *err)
{
    memset(out, 0, sizeof(*out));
    out->property = g_strdup("crash");
    g_autofree char *text = g_strstrip(g_strdup(err->str));
    const char *last = strrchr(text, '\n');
    last = last ? last + 1 : text;
    out->detail = *last ? g_strdup_printf("%s: %s", why, last) : g_strdup(why);
}

int scn_outcome_run_isolated(const struct scn_scenario *scenario,
                             uint64_t max_events,
                             struct scn_outcome *out)
{
    int answer[2], err[2];
    if (pipe(answer) != 0)
        return scn_outcome_run(scenario, max_events, out);
    if (pipe(err) != 0) {
        close(answer[0]);
        close(answer[1]);
        return scn_outcome_run(scenario, max_events, out);
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        close(answer[0]);
        close(err[0]);
        child_main(scenario, max_events, answer[1], err[1]);
    }
    close(answer[1]);
    close(err[1]);
    if (pid < 0) {
        close(answer[0]);
        close(err[0]);
        return scn_outcome_run(scenario, max_events, out);
    }
    GString *text = g_string_new(NULL), *etext = g_string_new(NULL);
    read_both(answer[0], err[0], text, etext);
    close(answer[0]);
    close(err[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    int rc = SCN_OK;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_REFUSED) {
        rc = SCN_EINVAL;
    } else if (WIFSIGNALED(status)) {
        g_autofree char *why =
            g_strdup_printf("killed by signal %d (%s)", WTERMSIG(status),
                            g_strsignal(WTERMSIG(status)));
        crash_outcome(out, why, etext);
    } else if (WEXITSTATUS(status) != 0 || !parse_answer(text->str, out)) {
        g_autofree char *why = g_strdup_printf(
            "exited with status %d and no verdict", WEXITSTATUS(status));
        crash_outcome(out, why, etext);
    }
    g_string_free(text, TRUE);
    g_string_free(etext, TRUE);
    return rc;
}
