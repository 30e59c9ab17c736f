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

const char sim_time_text_pairs[200] = {
#define SIM_TIME_TEXT_TENS(t)                                                  \
    t, '0', t, '1', t, '2', t, '3', t, '4', t, '5', t, '6', t, '7', t, '8', t, '9'
    SIM_TIME_TEXT_TENS('0'), SIM_TIME_TEXT_TENS('1'), SIM_TIME_TEXT_TENS('2'),
    SIM_TIME_TEXT_TENS('3'), SIM_TIME_TEXT_TENS('4'), SIM_TIME_TEXT_TENS('5'),
    SIM_TIME_TEXT_TENS('6'), SIM_TIME_TEXT_TENS('7'), SIM_TIME_TEXT_TENS('8'),
    SIM_TIME_TEXT_TENS('9'),
#undef SIM_TIME_TEXT_TENS
};

void sim_time_text_decimal(GString *out, uint64_t v)
{
    char buf[20]; /* UINT64_MAX has 20 digits */
    char *at = sim_time_text_digits(buf + sizeof buf, v);
    sim_time_text_put(out, at, (size_t)(buf + sizeof buf - at));
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
