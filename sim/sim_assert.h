/* sim_assert.h: the simulator's checks, which are never compiled out.
 *
 * Every file of the simulator (sim/, sim/cli, sim/bench, scenarios/lang,
 * viz/) includes this header, directly or through its layer's common header,
 * so a build with NDEBUG stops here instead of silently dropping the
 * assertions the simulator exists to make.
 *
 * SIM_ASSERT(cond, fmt, ...) is assert() with a message: when cond is false
 * it prints `FILE:LINE: engine assertion failed: COND: MESSAGE` on stderr
 * and aborts. Use it where the failure must say which node and which
 * indices were involved; plain assert() is fine elsewhere.
 */
#ifndef SIM_ASSERT_H
#define SIM_ASSERT_H

#ifdef NDEBUG
#error "raftsim never compiles its checks out: build it without NDEBUG"
#endif

#include <assert.h>
#include <glib.h>

/* Reports the failed check and aborts; never returns. */
_Noreturn void sim_assert_fail(const char *file,
                               int line,
                               const char *cond,
                               const char *fmt,
                               ...) G_GNUC_PRINTF(4, 5);

#define SIM_ASSERT(cond, ...)                                         \
    do {                                                              \
        if (!(cond))                                                  \
            sim_assert_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
    } while (0)

#endif /* SIM_ASSERT_H */
