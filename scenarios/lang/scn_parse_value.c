/* scn_parse_value.c: the values of the language (docs/scenario-language.md,
 * Values): durations and windows, latencies, numbers, probabilities, rates,
 * comparisons and strings, each read exactly or refused with a diagnostic.
 */
#include "scenarios/lang/scn_parser.h"

#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_print.h"
#include "sim/sim.h"
#include "sim/sim_time_text.h"

/* ---- numbers ------------------------------------------------------------ */

char *scn_parser_duration_text(uint64_t us)
{
    GString *out = g_string_new(NULL);

    sim_time_text_duration(out, us);
    return g_string_free(out, FALSE);
}

bool scn_read_duration_text(struct scn_parser *p,
                            const char *text,
                            size_t len,
                            uint32_t column,
                            const char *what,
                            uint64_t *out)
{
    size_t num;

    switch (scn_lex_duration(text, len, out, &num)) {
    case SCN_DUR_OK:
        return true;
    case SCN_DUR_NO_NUMBER:
    case SCN_DUR_SYNTAX:
        return scn_parser_fail_at(
            p, column,
            "expected %s (a number with us, ms or s), found "
            "'%.*s'",
            what, (int)len, text);
    case SCN_DUR_NO_UNIT:
        return scn_parser_fail_at(
            p, column, "missing unit in duration '%.*s': use us, ms or s",
            (int)len, text);
    case SCN_DUR_BAD_UNIT:
        return scn_parser_fail_at(
            p, column,
            "unknown unit '%.*s' in duration '%.*s': use us, ms "
            "or s",
            (int)(len - num), text + num, (int)len, text);
    case SCN_DUR_INEXACT:
        return scn_parser_fail_at(p, column,
                                  "duration '%.*s' is not a whole number of "
                                  "microseconds",
                                  (int)len, text);
    case SCN_DUR_OVERFLOW:
        break;
    }
    return scn_parser_fail_at(p, column,
                              "duration '%.*s' is too large: the limit is "
                              "%" G_GUINT64_FORMAT "us",
                              (int)len, text, SCN_DURATION_US_MAX);
}

bool scn_parse_duration(const char *text, uint64_t *out_us)
{
    size_t unit_at;

    return scn_lex_duration(text, strlen(text), out_us, &unit_at) == SCN_DUR_OK;
}

bool scn_read_duration(struct scn_parser *p, const char *what, uint64_t *out)
{
    const struct scn_token *tok = scn_parser_take_word(p, what);

    if (tok == NULL) {
        return false;
    }
    return scn_read_duration_text(p, tok->text, strlen(tok->text), tok->column,
                                  what, out);
}

bool scn_read_positive_duration(struct scn_parser *p,
                                const char *what,
                                uint64_t *out)
{
    const struct scn_token *tok = scn_parser_peek(p);

    if (!scn_read_duration(p, what, out)) {
        return false;
    }
    if (*out == 0) {
        return scn_parser_fail_at(
            p, tok->column, "%s must be above 0, found '%s'", what, tok->text);
    }
    return true;
}

bool scn_read_duration_range(struct scn_parser *p,
                             const char *what,
                             bool positive,
                             uint64_t *min,
                             uint64_t *max)
{
    const struct scn_token *first = scn_parser_peek(p);
    const struct scn_token *second;

    if (positive ? !scn_read_positive_duration(p, what, min)
                 : !scn_read_duration(p, what, min)) {
        return false;
    }
    second = scn_parser_peek(p);
    if (!scn_read_duration(p, what, max)) {
        return false;
    }
    if (*min > *max) {
        return scn_parser_fail_at(p, first->column,
                                  "MIN '%s' is greater than MAX '%s'",
                                  first->text, second->text);
    }
    return true;
}

/* One disk latency: `D`, or `A..B` with A <= B (jitter B - A). */
static bool parse_latency(struct scn_parser *p,
                          uint64_t *us,
                          uint64_t *jitter_us)
{
    const struct scn_token *tok = scn_parser_take_word(p, "a disk latency");
    const char *t;
    const char *dots;
    uint64_t max;

    if (tok == NULL) {
        return false;
    }
    t = tok->text;
    dots = strstr(t, "..");
    *jitter_us = 0;
    if (dots == NULL) {
        return scn_read_duration_text(p, t, strlen(t), tok->column,
                                      "a disk latency", us);
    }
    if (!scn_read_duration_text(p, t, (size_t)(dots - t), tok->column,
                                "a disk latency", us) ||
        !scn_read_duration_text(
            p, dots + 2, strlen(dots + 2),
            tok->column + scn_lex_columns(t, (size_t)(dots - t)) + 2,
            "a disk latency", &max)) {
        return false;
    }
    if (*us > max) {
        return scn_parser_fail_at(
            p, tok->column, "disk latency range '%s': MIN is greater than MAX",
            t);
    }
    *jitter_us = max - *us;
    return true;
}

bool scn_read_disk_latency(struct scn_parser *p, struct scn_disk_latency *l)
{
    *l = (struct scn_disk_latency){0};
    if (!parse_latency(p, &l->write_us, &l->write_jitter_us)) {
        return false;
    }
    if (scn_parser_peek(p) == NULL || scn_parser_peek_is(p, "on")) {
        /* One value: every update is durable that long after it. */
        l->sync_us = l->write_us;
        l->sync_jitter_us = l->write_jitter_us;
        l->write_us = 0;
        l->write_jitter_us = 0;
        return true;
    }
    return parse_latency(p, &l->sync_us, &l->sync_jitter_us);
}

bool scn_read_u64(struct scn_parser *p, const char *what, uint64_t *out)
{
    const struct scn_token *tok = scn_parser_take_word(p, what);
    const char *t;

    if (tok == NULL) {
        return false;
    }
    t = tok->text;
    for (size_t i = 0; t[i] != '\0'; i++) {
        if (!g_ascii_isdigit(t[i])) {
            return scn_parser_fail_expected(p, tok, what);
        }
    }
    if (scn_lex_decimal(t, strlen(t), 0, UINT64_MAX, out) != SCN_DEC_OK) {
        return scn_parser_fail_at(p, tok->column,
                                  "number '%s' does not fit in 64 bits", t);
    }
    return true;
}

bool scn_read_probability(struct scn_parser *p, uint32_t *ppm)
{
    const struct scn_token *tok = scn_parser_take_word(p, "a probability");
    const char *t;
    size_t len;
    bool percent;
    uint64_t value;
    const char *range;

    if (tok == NULL) {
        return false;
    }
    t = tok->text;
    len = strlen(t);
    percent = len > 0 && t[len - 1] == '%';
    range = percent ? "0% and 100%" : "0 and 1";
    if (percent) {
        len--;
    }
    if (t[0] == '-' && scn_lex_decimal(t + 1, len - 1, percent ? 4 : 6,
                                       UINT64_MAX, &value) != SCN_DEC_SYNTAX) {
        return scn_parser_fail_at(
            p, tok->column,
            "probability '%s' is out of range: it must be between "
            "%s",
            t, range);
    }
    switch (scn_lex_decimal(t, len, percent ? 4 : 6, SCN_PPM_ONE, &value)) {
    case SCN_DEC_OK:
        *ppm = (uint32_t)value;
        return true;
    case SCN_DEC_SYNTAX:
        return scn_parser_fail_expected(
            p, tok,
            "a probability (a decimal in [0, 1] or a "
            "percentage)");
    case SCN_DEC_INEXACT:
        return scn_parser_fail_at(
            p, tok->column,
            "probability '%s' is finer than one part per million", t);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return scn_parser_fail_at(
        p, tok->column,
        "probability '%s' is out of range: it must be between %s", t, range);
}

/* The highest rate `load` accepts, requests per 1000 s (1000000/s). */
#define RATE_PER_KS_MAX UINT64_C(1000000000)

static bool parse_rate(struct scn_parser *p, uint64_t *per_ks)
{
    const struct scn_token *tok =
        scn_parser_take_word(p, "a rate like '200/s'");
    const char *t;
    const char *slash;
    size_t num;

    if (tok == NULL) {
        return false;
    }
    t = tok->text;
    slash = strchr(t, '/');
    num = slash != NULL ? (size_t)(slash - t) : strlen(t);
    if (slash == NULL) {
        uint64_t ignored;

        if (scn_lex_decimal(t, num, 3, UINT64_MAX, &ignored) ==
            SCN_DEC_SYNTAX) {
            return scn_parser_fail_expected(p, tok, "a rate like '200/s'");
        }
        return scn_parser_fail_at(p, tok->column,
                                  "missing '/s' in rate '%s': write '%s/s' for "
                                  "requests per second",
                                  t, t);
    }
    if (strcmp(slash, "/s") != 0) {
        return scn_parser_fail_at(p, tok->column,
                                  "unknown rate unit '%s' in '%s': use '/s'",
                                  slash, t);
    }
    switch (scn_lex_decimal(t, num, 3, RATE_PER_KS_MAX, per_ks)) {
    case SCN_DEC_OK:
        if (*per_ks == 0) {
            return scn_parser_fail_at(p, tok->column,
                                      "rate '%s' must be above 0", t);
        }
        return true;
    case SCN_DEC_SYNTAX:
        return scn_parser_fail_expected(p, tok, "a rate like '200/s'");
    case SCN_DEC_INEXACT:
        return scn_parser_fail_at(p, tok->column,
                                  "rate '%s' is finer than 0.001/s", t);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return scn_parser_fail_at(
        p, tok->column, "rate '%s' is too high: the limit is 1000000/s", t);
}

bool scn_read_load_size(struct scn_parser *p, struct scn_action *a)
{
    const struct scn_token *after =
        p->pos + 1 < p->line->tokens->len
            ? &g_array_index(p->line->tokens, struct scn_token, p->pos + 1)
            : NULL;
    if (after == NULL || after->kind != SCN_TOK_WORD ||
        strcmp(after->text, "writes") != 0) {
        return parse_rate(p, &a->rate_per_ks);
    }
    const struct scn_token *tok = scn_parser_peek(p);
    uint32_t column = tok->column;
    if (!scn_read_u64(p, "a number of writes", &a->count)) {
        return false;
    }
    if (a->count == 0 || a->count > SIM_LOAD_COUNT_MAX) {
        return scn_parser_fail_at(
            p, column,
            "a load of %" PRIu64
            " writes: the number must be between 1 and %" PRIu64,
            a->count, SIM_LOAD_COUNT_MAX);
    }
    scn_parser_next(p); /* "writes" */
    return true;
}

/* Whether a node's clock at `ppm` for the whole run, plus the longest time
 * the core adds to it (a timeout or heartbeat), fits the engine's 64-bit
 * microseconds. The headers are all read before the first drift. */
static bool drift_fits(const struct scn_scenario *s, uint64_t ppm)
{
    uint64_t longest = s->election_timeout_us_max > s->heartbeat_us
                           ? s->election_timeout_us_max
                           : s->heartbeat_us;
    return sim_drift_fits(s->run_us, ppm, longest);
}

bool scn_read_drift_rate(struct scn_parser *p, uint32_t *ppm)
{
    const struct scn_token *tok =
        scn_parser_take_word(p, "a clock rate like '1.5'");
    uint64_t value;

    if (tok == NULL) {
        return false;
    }
    switch (scn_lex_decimal(tok->text, strlen(tok->text), 6, SCN_DRIFT_PPM_MAX,
                            &value)) {
    case SCN_DEC_OK:
        if (value == 0) {
            break;
        }
        if (!p->run_failed && !drift_fits(p->s, value)) {
            return scn_parser_fail_at(
                p, tok->column,
                "clock rate '%s' over a run of %" G_GUINT64_FORMAT
                "us would take the node's clock past 2^64 - 1 us",
                tok->text, p->s->run_us);
        }
        *ppm = (uint32_t)value;
        return true;
    case SCN_DEC_SYNTAX:
        return scn_parser_fail_expected(p, tok, "a clock rate like '1.5'");
    case SCN_DEC_INEXACT:
        return scn_parser_fail_at(
            p, tok->column,
            "clock rate '%s' is finer than one part per million", tok->text);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return scn_parser_fail_at(
        p, tok->column,
        "clock rate '%s' is out of range: it must be above 0 and "
        "at most 10",
        tok->text);
}

bool scn_read_cmp(struct scn_parser *p, enum scn_cmp *cmp)
{
    const struct scn_token *tok = scn_parser_take_word(p, "a comparison");
    int i;

    if (tok == NULL) {
        return false;
    }
    i = scn_parser_word_index(tok->text, scn_cmp_words);
    if (i < 0) {
        return scn_parser_fail_expected(p, tok,
                                        "a comparison (== != < <= > >=)");
    }
    *cmp = (enum scn_cmp)(SCN_CMP_EQ + i);
    return true;
}

static bool is_bare_byte(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
}

bool scn_read_string(struct scn_parser *p, const char *what, char **out)
{
    const struct scn_token *tok = scn_parser_next(p);

    if (tok == NULL || tok->kind == SCN_TOK_BAR || tok->kind == SCN_TOK_COMMA) {
        return scn_parser_fail_expected(p, tok, what);
    }
    if (tok->kind == SCN_TOK_WORD && scn_parser_peek(p) != NULL &&
        scn_parser_peek(p)->kind == SCN_TOK_COMMA &&
        scn_parser_peek(p)->column ==
            tok->column + scn_lex_columns(tok->text, strlen(tok->text))) {
        return scn_parser_fail_at(
            p, tok->column,
            "'%s,' is not a bare word (letters, digits, _ . : -); "
            "put it in double quotes",
            tok->text);
    }
    if (tok->kind == SCN_TOK_WORD) {
        for (size_t i = 0; tok->text[i] != '\0'; i++) {
            if (!is_bare_byte(tok->text[i])) {
                return scn_parser_fail_at(
                    p, tok->column,
                    "'%s' is not a bare word (letters, digits, _ "
                    ". : -); put it in double quotes",
                    tok->text);
            }
        }
    }
    *out = g_strdup(tok->text);
    return true;
}
