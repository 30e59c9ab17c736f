/* scn_parse.h: reading .scn text into a validated struct scn_scenario.
 *
 * The parser either returns a scenario that satisfies every rule of
 * docs/scenario-language.md, or returns no scenario and at least one
 * diagnostic; it never returns a partly valid scenario. It reports every
 * error it can find without guessing, resuming at the next line after one.
 */
#ifndef SCN_PARSE_H
#define SCN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_limits.h"

/* Parses `len` bytes at `data` (borrowed for the call; need not be
 * NUL-terminated), naming it `name` (copied) in diagnostics. On SCN_OK
 * stores a new scenario the caller frees with scn_scenario_free in `*out`.
 * On SCN_EINVAL stores NULL in `*out` and appends the errors, sorted by
 * position, to `diags` (borrowed; from scn_diags_new). */
int scn_parse_buffer(const char *name,
                     const char *data,
                     size_t len,
                     struct scn_scenario **out,
                     GPtrArray *diags);

/* Reads `f` (borrowed, left open; e.g. stdin) to its end and parses it as
 * scn_parse_buffer does, naming it `name` (copied). Returns SCN_EIO
 * (with a line-0 diagnostic) when it cannot be read. */
int scn_parse_stream(FILE *f,
                     const char *name,
                     struct scn_scenario **out,
                     GPtrArray *diags);

/* Reads the file at `path` (borrowed) and parses it as scn_parse_buffer
 * does, naming it `path`. Returns SCN_EIO (with a line-0 diagnostic) when
 * the file cannot be read. */
int scn_parse_file(const char *path,
                   struct scn_scenario **out,
                   GPtrArray *diags);

/* Reads `text` (borrowed, NUL-terminated) as a duration in the language's
 * syntax ("150ms", "1.5s", "250us"; a bare number is refused), the one
 * duration syntax of the project, command-line options included. True and
 * *out_us set when it is one; false, *out_us unchanged, otherwise (the
 * parser's diagnostics say why in a scenario). */
bool scn_parse_duration(const char *text, uint64_t *out_us);

#endif /* SCN_PARSE_H */
