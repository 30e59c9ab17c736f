/* scn_error.h: diagnostics of the scenario language.
 *
 * A diagnostic names a file, a 1-based line and column (0 when the whole
 * file is meant) and a message. A list of them prints in the format every
 * tool of the project uses: `FILE:LINE:COLUMN: error: WHAT`, in order of
 * position, so the same input always prints the same text.
 */
#ifndef SCN_ERROR_H
#define SCN_ERROR_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim_assert.h"

/* Return codes of the scenario language's actions; scn_strerror() names
 * them. */
enum scn_error {
    SCN_OK = 0,
    SCN_EINVAL, /* the input broke a rule; the diagnostics say which */
    SCN_EIO,    /* the file could not be read */
    SCN_ERROR_COUNT
};

/* A static description of `err` ("ok", "invalid scenario", ...);
 * "unknown error" outside the enum. */
const char *scn_strerror(int err);

/* One error found in a scenario. */
struct scn_diag
{
    char *file;      /* owned: the display name */
    uint32_t line;   /* 1-based; 0 for the file as a whole */
    uint32_t column; /* 1-based, in characters; 0 for the line as a whole */
    char *message;   /* owned: what is wrong, naming the offending token */
};

/* A new empty list of struct scn_diag * that frees its elements. */
GPtrArray *scn_diags_new(void);

/* Appends a diagnostic to `diags` (borrowed); `file` is copied, the message
 * is formatted from `fmt`. */
void scn_diags_add(GPtrArray *diags,
                   const char *file,
                   uint32_t line,
                   uint32_t column,
                   const char *fmt,
                   ...) G_GNUC_PRINTF(5, 6);

/* Orders `diags` by (line, column), keeping insertion order among equals. */
void scn_diags_sort(GPtrArray *diags);

/* Formats one diagnostic as `FILE:LINE:COLUMN: error: WHAT` (no newline;
 * `FILE:LINE: error:` when column is 0, `FILE: error:` when line is 0).
 * Returns a newly allocated string the caller frees with g_free. */
char *scn_diag_format(const struct scn_diag *diag);

/* Writes every diagnostic of `diags` (borrowed), one per line, to `out`. */
void scn_diags_print(const GPtrArray *diags, FILE *out);

#endif /* SCN_ERROR_H */
