/* sim_time_text.h: the one owner of how times and durations are written.
 *
 * Every layer above raft/ writes virtual instants and durations through
 * these functions, each a fixed style with its own readers: the scenario
 * language's durations (exact, as a scenario file writes them), instants in
 * reports, measured spans, the linearizability report's milliseconds, and
 * picture labels. A style is part of the text its readers compare (scenario
 * files, reports, trace texts, tests), so each is stable: two runs that
 * write the same microseconds write the same bytes. Depends on GLib only,
 * so every layer may include it.
 */
#ifndef SIM_TIME_TEXT_H
#define SIM_TIME_TEXT_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

/* v in decimal, the digits "%" PRIu64 writes: what the styles below write
 * their numbers with, without a format string to parse. */
void sim_time_text_decimal(GString *out, uint64_t v);

/* A duration in scenario syntax, exact and in the largest unit that divides
 * it: "600s", "150ms", "250us", "0s" (docs/scenario-language.md). */
void sim_time_text_duration(GString *out, uint64_t us);

/* An instant of virtual time in seconds, to the millisecond when that is
 * exact, else to the microsecond: "2.704s", "2.704123s", "0.000s". */
void sim_time_text_instant(GString *out, uint64_t us);

/* A measured span (wall-clock or virtual, such as a latency) cut to one
 * decimal of its unit: "850us", "27.1ms", "4.6s". */
void sim_time_text_span(GString *out, uint64_t us);

/* An instant in milliseconds, to the microsecond when needed: "40ms",
 * "40.125ms" (the linearizability report's unit). */
void sim_time_text_ms(GString *out, uint64_t us);

/* A picture's label: "0", "37 us", "850 ms", "1.25 s", trailing zeros of
 * the fraction dropped; buf holds at least 32 bytes. */
void sim_time_text_label(uint64_t us, char *buf, size_t len);

#endif /* SIM_TIME_TEXT_H */
