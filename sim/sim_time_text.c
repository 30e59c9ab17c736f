/* sim_time_text.c: the styles of sim_time_text.h.
 *
 * Owns nothing but the formats; each function depends only on its
 * arguments. Each is a contract with its readers (the parser, the trace
 * hash, the docs that show reports), so none is written in terms of
 * another.
 */
#include "sim/sim_time_text.h"

#include "sim/sim_assert.h"

#include <inttypes.h>

void sim_time_text_decimal(GString *out, uint64_t v)
{
    char buf[20]; /* UINT64_MAX has 20 digits */
    size_t at = sizeof buf;
    do {
        buf[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    sim_time_text_put(out, buf + at, sizeof buf - at);
}

void sim_time_text_duration(GString *out, uint64_t duration_us)
{
    if (duration_us != 0 && duration_us % 1000000 == 0) {
        sim_time_text_decimal(out, duration_us / 1000000);
        g_string_append_c(out, 's');
    } else if (duration_us == 0) {
        sim_time_text_put(out, "0s", 2);
    } else if (duration_us % 1000 == 0) {
        sim_time_text_decimal(out, duration_us / 1000);
        sim_time_text_put(out, "ms", 2);
    } else {
        sim_time_text_decimal(out, duration_us);
        sim_time_text_put(out, "us", 2);
    }
}

void sim_time_text_human(GString *out, uint64_t time_us)
{
    uint64_t s = time_us / 1000000u;
    uint64_t us = time_us % 1000000u;
    if (us % 1000u == 0)
        g_string_append_printf(out, "%" PRIu64 ".%03" PRIu64 "s", s,
                               us / 1000u);
    else
        g_string_append_printf(out, "%" PRIu64 ".%06" PRIu64 "s", s, us);
}

void sim_time_text_ms(GString *out, uint64_t us)
{
    if (us % 1000 == 0)
        g_string_append_printf(out, "%" G_GUINT64_FORMAT "ms", us / 1000);
    else
        g_string_append_printf(
            out, "%" G_GUINT64_FORMAT ".%03" G_GUINT64_FORMAT "ms", us / 1000,
            us % 1000);
}
