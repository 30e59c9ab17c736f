/* test_raftsim_pool.c: the worker pool behind `raftsim fuzz` survives the
 * jobs it runs: an abort, a signal, an exhausted memory budget or an endless
 * loop ends only that job, which is reported with how it died and what it
 * last wrote to stderr, and the next jobs run on a fresh worker.
 *
 * Invariant kept by these tests: every submitted job yields exactly one
 * event, whatever the job does to its process.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/raftsim_pool.h"

/* Under AddressSanitizer a SIGSEGV is caught by the sanitizer, which reports
 * it and exits 1: the job below that dies of SIGSEGV must reach the pool as
 * a signal death, as it does in a plain build, so the sanitizer leaves that
 * signal alone in this test program. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_UNDER_ASAN 1
#endif
#endif
#ifdef TEST_UNDER_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0";
}
#endif

/* Job j: 1 aborts after a message, 2 dies of SIGSEGV, 3 allocates without
 * end, 4 never returns, 5 exits with status 7; any other job replies with
 * its number times ten, as text. */
static void job_fn(uint64_t job, GByteArray *reply, void *ctx)
{
    (void)ctx;
    switch (job) {
    case 1:
        fprintf(stderr, "noise first\nx.c:12: f: Assertion `a < b' failed.\n");
        abort();
    case 2:
        raise(SIGSEGV);
        break;
    case 3:
        for (;;) {
            char *p = malloc(1u << 20);
            if (!p) {
                fprintf(stderr, "out of memory\n");
                abort();
            }
            memset(p, 1, 1u << 20);
        }
    case 4:
        for (;;)
            continue;
    case 5:
        _exit(7); /* no exit handlers: a leak checker would change the status */
    default:
        break;
    }
    char text[32];
    int n = snprintf(text, sizeof(text), "%llu", (unsigned long long)job * 10);
    g_byte_array_append(reply, (const guint8 *)text, (guint)n);
}

/* Runs jobs 1..count through a pool of `workers` and stores each job's
 * event summary in out[job]: "reply TEXT", "signal N: LINE", "exit N",
 * "overdue". */
static void run_jobs(unsigned workers, uint64_t count, char **out)
{
    struct raftsim_pool_limits limits = {
        .memory_bytes = UINT64_C(256) << 20,
        .job_wall_us = 2000000,
    };
    struct raftsim_pool *p = raftsim_pool_new(workers, job_fn, NULL, &limits);
    cr_assert_not_null(p);
    uint64_t sent = 1, answered = 0;
    while (answered < count) {
        while (sent <= count && raftsim_pool_submit(p, sent))
            sent++;
        struct raftsim_pool_event ev;
        cr_assert(raftsim_pool_wait(p, 100, &ev));
        if (ev.kind == RAFTSIM_POOL_NOTHING)
            continue;
        cr_assert(ev.job >= 1 && ev.job <= count && out[ev.job] == NULL,
                  "job %llu reported twice", (unsigned long long)ev.job);
        if (ev.kind == RAFTSIM_POOL_REPLY)
            out[ev.job] = g_strdup_printf("reply %.*s", (int)ev.reply->len,
                                          (const char *)ev.reply->data);
        else if (ev.death == RAFTSIM_POOL_OVERDUE)
            out[ev.job] = g_strdup("overdue");
        else if (ev.death == RAFTSIM_POOL_SIGNAL)
            out[ev.job] = g_strdup_printf("signal %d: %s", ev.signal,
                                          ev.stderr_text);
        else
            out[ev.job] = g_strdup_printf("exit %d", ev.status);
        answered++;
    }
    cr_assert_eq(raftsim_pool_busy(p), 0);
    raftsim_pool_free(p);
}

Test(pool, every_job_is_answered_once_whatever_it_does_to_its_process,
     .timeout = 60)
{
    char *out[13] = {0};
    run_jobs(2, 12, out);
    cr_assert(strstr(out[1], "signal 6: ") == out[1], "%s", out[1]);
    cr_assert(strstr(out[1], "Assertion `a < b' failed.") != NULL, "%s",
              out[1]);
    cr_assert(strstr(out[2], "signal 11") == out[2], "%s", out[2]);
    /* Under AddressSanitizer no memory limit applies and the job would
     * run until the wall-time allowance; either way it ends alone. */
    cr_assert(strstr(out[3], "out of memory") != NULL ||
                  strcmp(out[3], "overdue") == 0,
              "%s", out[3]);
    cr_assert_str_eq(out[4], "overdue");
    cr_assert_str_eq(out[5], "exit 7");
    for (uint64_t j = 6; j <= 12; j++) {
        char want[32];
        snprintf(want, sizeof(want), "reply %llu", (unsigned long long)j * 10);
        cr_assert_str_eq(out[j], want);
    }
    for (size_t j = 0; j < G_N_ELEMENTS(out); j++)
        g_free(out[j]);
}

Test(pool, a_stderr_message_belongs_to_the_job_that_wrote_it, .timeout = 60)
{
    /* One worker: job 1 dies with its message; jobs 6 and 7 then reply on
     * a fresh worker, and job 2's death report holds nothing of job 1. */
    char *out[8] = {0};
    struct raftsim_pool_limits limits = {0};
    struct raftsim_pool *p = raftsim_pool_new(1, job_fn, NULL, &limits);
    uint64_t order[] = {1, 6, 2, 7};
    for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
        cr_assert(raftsim_pool_submit(p, order[i]));
        cr_assert_not(raftsim_pool_submit(p, 99), "a busy worker took a job");
        struct raftsim_pool_event ev;
        do
            cr_assert(raftsim_pool_wait(p, 100, &ev));
        while (ev.kind == RAFTSIM_POOL_NOTHING);
        cr_assert_eq(ev.job, order[i]);
        out[ev.job] = g_strdup(ev.kind == RAFTSIM_POOL_REPLY
                                   ? "reply"
                                   : ev.stderr_text);
    }
    raftsim_pool_free(p);
    cr_assert(strstr(out[1], "Assertion") != NULL);
    cr_assert_str_eq(out[6], "reply");
    cr_assert_str_eq(out[2], "");
    cr_assert_str_eq(out[7], "reply");
    for (size_t j = 0; j < G_N_ELEMENTS(out); j++)
        g_free(out[j]);
}
