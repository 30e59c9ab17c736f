/* sim_assert.c: the report of a failed SIM_ASSERT (see sim_assert.h). */
#include "sim/sim_assert.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void sim_assert_fail(const char *file,
                     int line,
                     const char *cond,
                     const char *fmt,
                     ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: engine assertion failed: %s: ", file, line, cond);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    abort();
}
