/* scn_lex.h: the lexical layer of the scenario language (internal).
 *
 * The language is line-oriented, so the lexer is a small hand-written one
 * that works a line at a time rather than GScanner: it gives exact 1-based
 * character columns for every token (GScanner counts bytes and has no notion
 * of CRLF, BOMs or our size limits), treats `150ms`, `5%`, `200/s` and
 * `1s..2s` as single words whose form the parser checks in context (so a
 * missing unit is reported as such, not as two stray tokens), and never reads
 * past a line, so a malformed line costs one diagnostic and the next line
 * parses normally.
 *
 * Invariant: a token list describes exactly one physical line; every token
 * is non-empty unless it is a quoted string, and columns strictly increase.
 */
#ifndef SCN_LEX_H
#define SCN_LEX_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scn_tok_kind {
    SCN_TOK_WORD = 1, /* a run of characters other than space, tab, '"',
                         '#', '|' and ',' */
    SCN_TOK_STRING,   /* a double-quoted string; text is unescaped */
    SCN_TOK_BAR,      /* '|' */
    SCN_TOK_COMMA,    /* ',' (between the changes of `change`) */
};

struct scn_token
{
    enum scn_tok_kind kind;
    char *text;      /* owned, NUL-terminated */
    uint32_t column; /* 1-based, in characters */
};

/* One physical line, split into tokens. */
struct scn_line
{
    uint32_t number;     /* 1-based */
    GArray *tokens;      /* struct scn_token; the line owns their text */
    uint32_t end_column; /* the column just after the last token */
};

/* Splits `data` (`len` bytes, borrowed; need not be NUL-terminated) into
 * lines: strips a leading UTF-8 byte order mark, accepts LF and CRLF line
 * ends, and rejects NUL bytes, invalid UTF-8, control characters other than
 * tab and lines longer than SCN_LINE_BYTES_MAX bytes, adding one diagnostic
 * per bad line to `diags` (borrowed) under the name `file` (borrowed). Calls
 * `fn(line, ctx)` for every good line that has at least one token, in order;
 * the line is borrowed for the call. Comments are removed. */
void scn_lex(const char *file,
             const char *data,
             size_t len,
             GPtrArray *diags,
             void (*fn)(const struct scn_line *line, void *ctx),
             void *ctx);

/* The result of reading a decimal numeral. */
enum scn_dec {
    SCN_DEC_OK = 0,
    SCN_DEC_SYNTAX,   /* not DIGITS or DIGITS.DIGITS */
    SCN_DEC_INEXACT,  /* x * 10^scale is not an integer */
    SCN_DEC_OVERFLOW, /* x * 10^scale exceeds `max` */
};

/* Reads the `len` bytes at `text` (borrowed) as an unsigned decimal
 * DIGITS[.DIGITS] and stores its value times 10^scale in `*out`, exactly.
 * Fails (leaving *out unchanged) when the form is wrong, when the scaled
 * value is not an integer, or when it exceeds `max`. */
enum scn_dec scn_lex_decimal(const char *text,
                             size_t len,
                             unsigned scale,
                             uint64_t max,
                             uint64_t *out);

/* The result of reading a duration word such as `150ms` or `1.5s`. */
enum scn_dur {
    SCN_DUR_OK = 0,
    SCN_DUR_NO_NUMBER,   /* it does not start with a digit or '.' */
    SCN_DUR_NO_UNIT,     /* a number with nothing after it */
    SCN_DUR_BAD_UNIT,    /* a unit other than us, ms and s */
    SCN_DUR_SYNTAX,      /* the number is not DIGITS or DIGITS.DIGITS */
    SCN_DUR_INEXACT,     /* not a whole number of microseconds */
    SCN_DUR_OVERFLOW,    /* above SCN_DURATION_US_MAX */
};

/* Reads the `len` bytes at `text` (borrowed) as a duration of the language
 * (docs/scenario-language.md, Durations and times): a decimal number, then
 * its unit us, ms or s, with nothing between. Stores the microseconds in
 * `*out` on SCN_DUR_OK and leaves it unchanged otherwise. *unit_at gets the
 * offset of the unit (where the number ends) in every case. */
enum scn_dur scn_lex_duration(const char *text,
                              size_t len,
                              uint64_t *out,
                              size_t *unit_at);

/* The candidate of `candidates` (NULL-terminated, borrowed) closest to
 * `word` (borrowed) by edit distance (insertions, deletions, substitutions
 * and swaps of neighbours), if it is close enough to be a likely misspelling:
 * distance at most 1 for words of up to 4 characters, 2 otherwise, and less
 * than the word's length. First in list order on ties; NULL if none. */
const char *scn_lex_suggest(const char *word, const char *const *candidates);

/* The number of characters of the UTF-8 text `text` (borrowed) in its first
 * `len` bytes. */
uint32_t scn_lex_columns(const char *text, size_t len);

#endif /* SCN_LEX_H */
