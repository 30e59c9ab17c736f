/* scn_lex.c: lines, tokens, numerals and misspellings.
 *
 * Invariant: the lexer reads only inside [data, data + len) and inside the
 * current line; every byte it rejects yields exactly one diagnostic for its
 * line and that line is never handed to the parser.
 */
#include "scenarios/lang/scn_lex.h"

#include <string.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_limits.h"

uint32_t scn_lex_columns(const char *text, size_t len)
{
    uint32_t n = 0;

    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

static void token_clear(void *p)
{
    struct scn_token *tok = p;

    g_free(tok->text);
}

static void add_token(GArray *tokens,
                      enum scn_tok_kind kind,
                      char *text,
                      uint32_t column)
{
    struct scn_token tok = {.kind = kind, .text = text, .column = column};

    g_array_append_val(tokens, tok);
}

/* Checks the bytes of one line; returns false after adding a diagnostic. */
static bool line_bytes_ok(const char *file,
                          uint32_t number,
                          const char *s,
                          size_t n,
                          GPtrArray *diags)
{
    const char *bad = NULL;

    if (n > SCN_LINE_BYTES_MAX) {
        scn_diags_add(diags, file, number, 1,
                      "line is %zu bytes long; the limit is %u bytes", n,
                      SCN_LINE_BYTES_MAX);
        return false;
    }
    if (!g_utf8_validate_len(s, n, &bad)) {
        uint32_t column = scn_lex_columns(s, (size_t)(bad - s)) + 1;

        if (*bad == '\0') {
            scn_diags_add(diags, file, number, column, "NUL byte in the text");
        } else {
            scn_diags_add(diags, file, number, column,
                          "invalid UTF-8 byte 0x%02X", (unsigned char)*bad);
        }
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            uint32_t column = scn_lex_columns(s, i) + 1;

            if (c == '\r') {
                scn_diags_add(diags, file, number, column,
                              "carriage return inside a line");
            } else {
                scn_diags_add(diags, file, number, column,
                              "control character U+%04X", (unsigned)c);
            }
            return false;
        }
    }
    return true;
}

/* Reads the quoted string starting at s[*i] == '"'. Advances *i and *column
 * past it. Returns the unescaped text, or NULL after a diagnostic. */
static char *read_string(const char *file,
                         uint32_t number,
                         const char *s,
                         size_t n,
                         size_t *i,
                         uint32_t *column,
                         GPtrArray *diags)
{
    GString *text = g_string_new(NULL);
    uint32_t start_column = *column;
    size_t j = *i + 1;
    uint32_t col = *column + 1;

    for (;;) {
        if (j >= n) {
            scn_diags_add(diags, file, number, start_column,
                          "unterminated string: no closing '\"'");
            g_string_free(text, TRUE);
            return NULL;
        }
        if (s[j] == '"') {
            j++;
            col++;
            break;
        }
        if (s[j] == '\\') {
            if (j + 1 < n && (s[j + 1] == '"' || s[j + 1] == '\\')) {
                g_string_append_c(text, s[j + 1]);
                j += 2;
                col += 2;
                continue;
            }
            if (j + 1 < n) {
                const char *next = g_utf8_next_char(s + j + 1);

                scn_diags_add(diags, file, number, col,
                              "unknown escape '\\%.*s' in a string; only "
                              "\\\" and \\\\ are allowed",
                              (int)(next - (s + j + 1)), s + j + 1);
            } else {
                scn_diags_add(diags, file, number, col,
                              "unterminated string: no closing '\"'");
            }
            g_string_free(text, TRUE);
            return NULL;
        }
        if (((unsigned char)s[j] & 0xC0) != 0x80) {
            col++;
        }
        g_string_append_c(text, s[j]);
        j++;
    }
    *i = j;
    *column = col;
    return g_string_free(text, FALSE);
}

static bool is_word_byte(char c)
{
    return c != ' ' && c != '\t' && c != '"' && c != '#' && c != '|' &&
           c != ',';
}

/* Splits one checked line into tokens; false after a diagnostic. */
static bool tokenize(const char *file,
                     uint32_t number,
                     const char *s,
                     size_t n,
                     struct scn_line *line,
                     GPtrArray *diags)
{
    size_t i = 0;
    uint32_t column = 1;

    while (i < n) {
        char c = s[i];

        if (c == ' ' || c == '\t') {
            i++;
            column++;
        } else if (c == '#') {
            break;
        } else if (c == '|' || c == ',') {
            add_token(line->tokens, c == '|' ? SCN_TOK_BAR : SCN_TOK_COMMA,
                      g_strdup(c == '|' ? "|" : ","), column);
            i++;
            column++;
            line->end_column = column;
        } else if (c == '"') {
            uint32_t start = column;
            char *text = read_string(file, number, s, n, &i, &column, diags);

            if (text == NULL) {
                return false;
            }
            add_token(line->tokens, SCN_TOK_STRING, text, start);
            line->end_column = column;
        } else {
            size_t j = i;

            while (j < n && is_word_byte(s[j])) {
                j++;
            }
            add_token(line->tokens, SCN_TOK_WORD, g_strndup(s + i, j - i),
                      column);
            column += scn_lex_columns(s + i, j - i);
            i = j;
            line->end_column = column;
        }
    }
    return true;
}

void scn_lex(const char *file,
             const char *data,
             size_t len,
             GPtrArray *diags,
             void (*fn)(const struct scn_line *line, void *ctx),
             void *ctx)
{
    size_t pos = 0;
    uint32_t number = 1;

    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    while (pos < len && diags->len < SCN_DIAGS_MAX) {
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
        size_t next = pos + n + 1;
        struct scn_line line = {.number = number, .end_column = 1};

        if (n > 0 && start[n - 1] == '\r') {
            n--;
        }
        if (line_bytes_ok(file, number, start, n, diags)) {
            line.tokens = g_array_new(FALSE, FALSE, sizeof(struct scn_token));
            g_array_set_clear_func(line.tokens, token_clear);
            if (tokenize(file, number, start, n, &line, diags) &&
                line.tokens->len > 0) {
                fn(&line, ctx);
            }
            g_array_free(line.tokens, TRUE);
        }
        pos = next;
        number++;
    }
}

enum scn_dec scn_lex_decimal(const char *text,
                             size_t len,
                             unsigned scale,
                             uint64_t max,
                             uint64_t *out)
{
    size_t i = 0;
    size_t int_end;
    uint64_t value = 0;
    bool overflow = false;

    while (i < len && g_ascii_isdigit(text[i])) {
        i++;
    }
    int_end = i;
    if (int_end == 0) {
        return SCN_DEC_SYNTAX;
    }
    if (i < len) {
        if (text[i] != '.' || i + 1 >= len) {
            return SCN_DEC_SYNTAX;
        }
        for (size_t j = i + 1; j < len; j++) {
            if (!g_ascii_isdigit(text[j])) {
                return SCN_DEC_SYNTAX;
            }
        }
        /* Digits past the scale must be zeros. */
        for (size_t j = i + 1 + scale; j < len; j++) {
            if (text[j] != '0') {
                return SCN_DEC_INEXACT;
            }
        }
    }
    /* The integer part, then `scale` fraction digits (or zeros). */
    for (size_t j = 0; j < int_end + scale; j++) {
        unsigned digit = 0;

        if (j < int_end) {
            digit = (unsigned)(text[j] - '0');
        } else {
            size_t f = int_end + 1 + (j - int_end);

            if (int_end < len && f < len) {
                digit = (unsigned)(text[f] - '0');
            }
        }
        if (value > (UINT64_MAX - digit) / 10) {
            overflow = true;
            break;
        }
        value = value * 10 + digit;
    }
    if (overflow || value > max) {
        return SCN_DEC_OVERFLOW;
    }
    *out = value;
    return SCN_DEC_OK;
}

enum scn_dur scn_lex_duration(const char *text,
                              size_t len,
                              uint64_t *out,
                              size_t *unit_at)
{
    size_t num = 0;
    unsigned scale;

    while (num < len && (g_ascii_isdigit(text[num]) || text[num] == '.')) {
        num++;
    }
    *unit_at = num;
    const char *unit = text + num;
    size_t unit_len = len - num;
    if (num == 0) {
        return SCN_DUR_NO_NUMBER;
    }
    if (unit_len == 0) {
        return SCN_DUR_NO_UNIT;
    }
    if (unit_len == 2 && memcmp(unit, "us", 2) == 0) {
        scale = 0;
    } else if (unit_len == 2 && memcmp(unit, "ms", 2) == 0) {
        scale = 3;
    } else if (unit_len == 1 && unit[0] == 's') {
        scale = 6;
    } else {
        return SCN_DUR_BAD_UNIT;
    }
    switch (scn_lex_decimal(text, num, scale, SCN_DURATION_US_MAX, out)) {
    case SCN_DEC_OK:
        return SCN_DUR_OK;
    case SCN_DEC_SYNTAX:
        return SCN_DUR_SYNTAX;
    case SCN_DEC_INEXACT:
        return SCN_DUR_INEXACT;
    case SCN_DEC_OVERFLOW:
        break;
    }
    return SCN_DUR_OVERFLOW;
}

#define SUGGEST_LEN_MAX 64

/* Optimal string alignment distance between a and b (lengths <= 64). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_LEN_MAX + 1][SUGGEST_LEN_MAX + 1];

    for (size_t i = 0; i <= la; i++) {
        d[i][0] = i;
    }
    for (size_t j = 0; j <= lb; j++) {
        d[0][j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = d[i - 1][j] + 1;

            if (d[i][j - 1] + 1 < best) {
                best = d[i][j - 1] + 1;
            }
            if (d[i - 1][j - 1] + cost < best) {
                best = d[i - 1][j - 1] + cost;
            }
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
                a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best) {
                best = d[i - 2][j - 2] + 1;
            }
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *scn_lex_suggest(const char *word, const char *const *candidates)
{
    size_t lw = strlen(word);
    size_t limit = lw <= 4 ? 1 : 2;
    const char *best = NULL;
    size_t best_distance = limit + 1;

    if (lw == 0 || lw > SUGGEST_LEN_MAX) {
        return NULL;
    }
    for (size_t i = 0; candidates[i] != NULL; i++) {
        size_t lc = strlen(candidates[i]);
        size_t distance;

        if (lc > SUGGEST_LEN_MAX) {
            continue;
        }
        distance = edit_distance(word, lw, candidates[i], lc);
        if (distance < best_distance && distance < lw) {
            best = candidates[i];
            best_distance = distance;
        }
    }
    return best;
}
