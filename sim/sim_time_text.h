/* sim_time_text.h: the one owner of how times and durations are written.
 *
 * Two styles, one for each kind of reader:
 * - scenario syntax (sim_time_text_duration): exact, in the largest unit
 *   that divides the value, as a scenario file writes a duration and the
 *   language's one parser (scn_parse_duration) reads it back: scenario
 *   files, fuzz reproducers, and durations the user gave (a budget,
 *   `--time`) repeated in a report.
 * - human reading (sim_time_text_human): seconds, to the millisecond when
 *   that is exact, else to the microsecond: every instant and measured span
 *   in reports and check messages, and every label of a picture.
 * One older style stays beside them, frozen: the linearizability report's
 * milliseconds (sim_time_text_ms). Its text is part of the linearizability
 * violation's trace event, and so of the trace hash, as the human style's
 * text is part of every check event's; neither may change.
 *
 * Each style is stable: two calls with the same microseconds write the same
 * bytes. Depends on GLib only, so every layer may include it.
 */
#ifndef SIM_TIME_TEXT_H
#define SIM_TIME_TEXT_H

#include <glib.h>
#include <stdint.h>
#include <string.h>

/* Appends the n bytes at text to out: in place when they fit in what out
 * has allocated (most small appends), else through GLib, which grows it.
 * The same bytes as g_string_append_len(); the writers of scenario text
 * (here and scn_print.c) append many short pieces. */
static inline void sim_time_text_put(GString *out, const char *text, size_t n)
{
    if (out->len + n < out->allocated_len) {
        memcpy(out->str + out->len, text, n);
        out->len += n;
        out->str[out->len] = '\0';
    } else {
        g_string_append_len(out, text, (gssize)n);
    }
}

/* The digit pairs "00" to "99", pair r at 2 * r. */
extern const char sim_time_text_pairs[200];

/* Writes v in decimal (the digits "%" PRIu64 writes) to the bytes just
 * before `end`, two digits a division; returns where the digits start. */
static inline char *sim_time_text_digits(char *end, uint64_t v)
{
    while (v >= 100) {
        end -= 2;
        memcpy(end, sim_time_text_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        end -= 2;
        memcpy(end, sim_time_text_pairs + 2 * v, 2);
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/* v in decimal, the digits "%" PRIu64 writes: what the styles below write
 * their numbers with, without a format string to parse. */
void sim_time_text_decimal(GString *out, uint64_t v);

/* A duration in scenario syntax, exact and in the largest unit that divides
 * it: "600s", "150ms", "250us", "0s" (docs/scenario-language.md). */
void sim_time_text_duration(GString *out, uint64_t us);

/* A time for a human to read, in seconds, to the millisecond when that is
 * exact, else to the microsecond: "2.704s", "2.704123s", "0.000s". */
void sim_time_text_human(GString *out, uint64_t us);

/* The linearizability report's milliseconds, to the microsecond when
 * needed: "40ms", "40.125ms" (frozen: see above). */
void sim_time_text_ms(GString *out, uint64_t us);

#endif /* SIM_TIME_TEXT_H */
