/* sim_time_text.c: the styles of sim_time_text.h.
 *
 * Owns nothing but the formats; each function depends only on its
 * arguments. They are written out by hand rather than shared, because each
 * is a contract with its readers and must not change when another does.
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
    g_string_append_len(out, buf + at, (gssize)(sizeof buf - at));
}

void sim_time_text_duration(GString *out, uint64_t duration_us)
{
    if (duration_us != 0 && duration_us % 1000000 == 0) {
        sim_time_text_decimal(out, duration_us / 1000000);
        g_string_append_c(out, 's');
    } else if (duration_us == 0) {
        g_string_append(out, "0s");
    } else if (duration_us % 1000 == 0) {
        sim_time_text_decimal(out, duration_us / 1000);
        g_string_append(out, "ms");
    } else {
        sim_time_text_decimal(out, duration_us);
        g_string_append(out, "us");
    }
}

void sim_time_text_instant(GString *out, uint64_t time_us)
{
    uint64_t s = time_us / 1000000u;
    uint64_t us = time_us % 1000000u;
    if (us % 1000u == 0)
        g_string_append_printf(out, "%" PRIu64 ".%03" PRIu64 "s", s,
                               us / 1000u);
    else
        g_string_append_printf(out, "%" PRIu64 ".%06" PRIu64 "s", s, us);
}

void sim_time_text_span(GString *out, uint64_t us)
{
    if (us < 1000)
        g_string_append_printf(out, "%" PRIu64 "us", us);
    else if (us < 1000000)
        g_string_append_printf(out, "%" PRIu64 ".%" PRIu64 "ms", us / 1000,
                               (us % 1000) / 100);
    else
        g_string_append_printf(out, "%" PRIu64 ".%" PRIu64 "s", us / 1000000,
                               (us % 1000000) / 100000);
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

/* Writes whole.frac (frac of `digits` digits, trailing zeros dropped; no
 * fraction when it is 0) and the unit into buf. */
static void label_decimal(char *buf,
                          size_t len,
                          uint64_t whole,
                          uint64_t frac,
                          int digits,
                          const char *unit)
{
    if (frac == 0) {
        g_snprintf(buf, len, "%" G_GUINT64_FORMAT " %s", whole, unit);
        return;
    }
    while (frac % 10 == 0) {
        frac /= 10;
        digits--;
    }
    g_snprintf(buf, len, "%" G_GUINT64_FORMAT ".%0*" G_GUINT64_FORMAT " %s",
               whole, digits, frac, unit);
}

void sim_time_text_label(uint64_t t_us, char *buf, size_t len)
{
    if (t_us == 0)
        g_snprintf(buf, len, "0");
    else if (t_us % 1000 != 0 && t_us < 10000)
        g_snprintf(buf, len, "%" G_GUINT64_FORMAT " us", t_us);
    else if (t_us < 1000000)
        label_decimal(buf, len, t_us / 1000, t_us % 1000, 3, "ms");
    else
        label_decimal(buf, len, t_us / 1000000, t_us % 1000000, 6, "s");
}
