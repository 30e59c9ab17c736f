/* scn_parse.h: reading .scn text into a validated struct scn_scenario.
 *
 * The parser either returns a scenario that satisfies every rule of
 * docs/scenario-language.md, or returns no scenario and at least one
 * diagnostic; it never returns a partly valid scenario. It reports every
 * error it can find without guessing, resuming at the next line after one.
 */
#ifndef SCN_PARSE_H
#define SCN_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_error.h"

/* Longest accepted line, in bytes, without its line end. */
#define SCN_LINE_BYTES_MAX 4096u
/* Largest accepted input, in bytes. */
#define SCN_INPUT_BYTES_MAX (16u * 1024u * 1024u)
/* After this many diagnostics the parser stops and says so. */
#define SCN_DIAGS_MAX 1000u

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

#endif /* SCN_PARSE_H */
