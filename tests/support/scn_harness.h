/* scn_harness.h: the scenario language from a test: parse text held in
 * memory, print it back, run it, and read what the run found.
 *
 * Every function fails the running Criterion test at once when the language
 * or the runner refuses what the test meant to be valid, logging each
 * diagnostic (file:line:col: error: ...) first, so a test body states only
 * what it is about. Results are transferred to the caller, who frees them
 * with the module's own function (scn_scenario_free, scn_run_result_free,
 * g_free).
 */
#ifndef TEST_SCN_HARNESS_H
#define TEST_SCN_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"

/* The file name diagnostics give for text parsed by sh_parse(). */
#define SH_FILE_NAME "t.scn"

/* Parses `text` as the file SH_FILE_NAME; it must be valid. */
struct scn_scenario *sh_parse(const char *text);

/* As sh_parse(), with diagnostics naming the file `name`. */
struct scn_scenario *sh_parse_named(const char *name, const char *text);

/* Parses the file at `path`; it must be valid. */
struct scn_scenario *sh_parse_path(const char *path);

/* Parses the `len` bytes at `text` as SH_FILE_NAME; they must be rejected
 * with at least one diagnostic and no scenario. Returns every diagnostic as
 * formatted, one per line. */
char *sh_parse_errors_len(const char *text, size_t len);

/* sh_parse_errors_len() of the string `text`. */
char *sh_parse_errors(const char *text);

/* The canonical text of `s` (scn_print). */
char *sh_print(const struct scn_scenario *s);

/* Parses and runs `text` with `o` (NULL: the defaults with every trace event
 * recorded); the runner must accept it (its checks may fail). */
struct scn_run_result *sh_run(const char *text, const struct scn_run_options *o);

/* sh_run() with the defaults, every trace event recorded and seed `seed`. */
struct scn_run_result *sh_run_seed(const char *text, uint64_t seed);

/* Fails the test, listing every failure by line, unless `r` passed. */
void sh_assert_passed(const struct scn_run_result *r);

#endif /* TEST_SCN_HARNESS_H */
