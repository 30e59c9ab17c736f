/* scn_print.h: writing a struct scn_scenario back as .scn text.
 *
 * The text is canonical: the same structure always prints the same bytes,
 * and parsing them gives a structure scn_scenario_equal to the one printed.
 */
#ifndef SCN_PRINT_H
#define SCN_PRINT_H

#include <glib.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"

/* Appends the canonical text of `scenario` (borrowed; must be valid, as the
 * parser returns it) to `out` (borrowed). Only header fields given
 * explicitly are written. */
void scn_print(const struct scn_scenario *scenario, GString *out);

/* Appends a parts-per-million value as a decimal: 50000 -> "0.05",
 * 1500000 -> "1.5", 0 -> "0". */
void scn_print_ppm(GString *out, uint64_t ppm);

/* Appends `s` (borrowed) in double quotes, with `"` and `\` escaped as
 * the language reads them: `a"b` -> `"a\"b"`. */
void scn_print_quoted(GString *out, const char *s);

/* Appends a step as one line without its line end, e.g.
 * "at 2s crash leader? as old". `scenario` (borrowed) supplies the names. */
void scn_print_step(const struct scn_scenario *scenario,
                    const struct scn_step *step,
                    GString *out);

#endif /* SCN_PRINT_H */
