/* scn_parse.c: statements of the scenario language, and their validation.
 *
 * Invariant: a statement changes the scenario only when it parsed without
 * error (a failed step is freed, its `as` names are never bound), and a
 * scenario leaves this file only when no diagnostic at all was produced.
 * Rules that need the whole file (the cluster size for node ranges, the
 * missing `cluster`) are checked after the last line; all diagnostics are
 * then sorted by position.
 */
#include "scenarios/lang/scn_parse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "raft/raft.h"
#include "scenarios/lang/scn_lex.h"
#include "scenarios/lang/scn_print.h"
#include "sim/sim.h"

enum header {
    HDR_CLUSTER,
    HDR_SEED,
    HDR_RUN,
    HDR_TITLE,
    HDR_ELECTION_TIMEOUT,
    HDR_HEARTBEAT,
    HDR_DELAY,
    HDR_DROP,
    HDR_DUPLICATE,
    HDR_REORDER,
    HDR_PREVOTE,
    HDR_CHECKQUORUM,
    HDR_CLIENT_TIMEOUT,
    HDR_SNAPSHOT_EVERY,
    HDR_MAX_UNCOMMITTED,
    HDR_SNAPSHOT_CHUNK,
    HDR_READS,
    HDR_LEASE_DRIFT_BOUND,
    HDR_DISK_LATENCY,
    HDR_TRACE_HASH,
    HDR_INIT,
    HDR_COUNT
};

/* The words that open a statement: the headers, indexed by enum header, then
 * those of the timed statements. */
static const char *const statement_words[] = {
    [HDR_CLUSTER] = "cluster",
    [HDR_SEED] = "seed",
    [HDR_RUN] = "run",
    [HDR_TITLE] = "title",
    [HDR_ELECTION_TIMEOUT] = "election-timeout",
    [HDR_HEARTBEAT] = "heartbeat",
    [HDR_DELAY] = "delay",
    [HDR_DROP] = "drop",
    [HDR_DUPLICATE] = "duplicate",
    [HDR_REORDER] = "reorder",
    [HDR_PREVOTE] = "prevote",
    [HDR_CHECKQUORUM] = "checkquorum",
    [HDR_CLIENT_TIMEOUT] = "client-timeout",
    [HDR_SNAPSHOT_EVERY] = "snapshot-every",
    [HDR_MAX_UNCOMMITTED] = "max-uncommitted",
    [HDR_SNAPSHOT_CHUNK] = "snapshot-chunk",
    [HDR_READS] = "reads",
    [HDR_LEASE_DRIFT_BOUND] = "lease-drift-bound",
    [HDR_DISK_LATENCY] = "disk-latency",
    [HDR_TRACE_HASH] = "trace-hash",
    [HDR_INIT] = "init",
    [HDR_COUNT] = "at",
    "during",
    NULL,
};

static const char *const action_words[] = {
    "crash",   "restart", "pause", "timeout", "partition",
    "isolate", "cut",     "heal",  "set",     "client",
    "load",    "expect",  "drift", "settle",  "add",
    "promote", "demote",  "remove", "change", "leave-joint",
    "transfer-leadership", NULL,
};

/* The changes of a membership request, indexed by enum scn_change_kind - 1
 * except that `add` covers both additions. */
static const char *const change_words[] = {
    "add", "promote", "demote", "remove", NULL,
};

/* `add NODE as voter|as learner`. */
static const char *const member_role_words[] = {"voter", "learner", NULL};

/* `change joint|joint-explicit ...`, indexed by enum scn_transition - 1. */
static const char *const transition_words[] = {
    "joint", "joint-explicit", NULL,
};

static const char *const set_words[] = {
    "drop", "duplicate", "reorder", "delay", "disk-latency", NULL,
};

/* The protocol events of `when NODE EVENT`, indexed by enum scn_event - 1. */
static const char *const event_words[] = {
    "grants-vote",    "acks-append",       "adopts-term", "sends-snapshot",
    "becomes-leader", "becomes-candidate", "persists",    NULL,
};

static const char *const client_words[] = {"set", "delete", "get", NULL};

/* The read modes, indexed by enum scn_read_mode - SCN_READ_LOG. */
static const char *const read_mode_words[] = {"log", "read-index", "lease",
                                              NULL};

static const char *const check_words[] = {
    "leader",       "no-leader",    "same-leader", "role",      "term",
    "applied",      "value",        "absent",      "converged", "completed",
    "linearizable", "no-violation", "config",      "learners",  "joint",
    "not-joint",    NULL,
};

static const char *const role_words[] = {
    "follower",
    "candidate",
    "leader",
    NULL,
};

static const char *const cmp_words[] = {"==", "!=", "<", "<=", ">", ">=", NULL};

static const char *const on_off_words[] = {"on", "off", NULL};

/* Words the grammar reads in place rather than through one of the tables
 * above: node references (`any`, `rest`), scopes (`on all`, `on majority`),
 * `as NAME`, `for DURATION`, `via NODE`, the groups of leader checks (`in`,
 * `among`), `init ... vote NODE log ...`, `settle within DURATION`, `crash
 * ... keeping some` and `at T when`. They are reserved like the table
 * words so that a name never reads as a keyword. */
static const char *const grammar_words[] = {
    "any",   "rest",   "all",  "majority", "as",     "for",    "via",
    "in",    "among",  "vote", "log",      "keeping", "some",  "when",
    "within", "spare", "to",   "voters",   "none",   NULL,
};

/* Every word with a meaning somewhere in the language: no name may be one.
 * cmp_words is left out: no operator is shaped like a name. */
static const char *const *const reserved_tables[] = {
    statement_words,   action_words,     set_words,       client_words,
    check_words,       role_words,       on_off_words,    grammar_words,
    event_words,       member_role_words, transition_words, read_mode_words,
};

/* A node id written in the file, checked against the cluster at the end. */
struct node_use
{
    uint64_t id;
    uint32_t line;
    uint32_t column;
};

/* A node or name reference of the current statement, for duplicates. */
struct static_ref
{
    enum scn_ref_kind kind;
    uint64_t id; /* node id or slot */
    size_t group;
    const char *text; /* borrowed from the line's tokens */
};

/* A name bound by `as` in the current statement, bound when it succeeds. */
struct pending_name
{
    char *name;
    uint32_t column;
};

struct parser
{
    const char *file;
    GPtrArray *diags;
    struct scn_scenario *s;

    uint32_t header_line[HDR_COUNT]; /* 0: not given */
    uint32_t cluster_line;           /* 0: no valid cluster yet */
    bool run_failed;           /* `run` had an error: its end is unknown */
    uint32_t first_timed_line; /* 0: none yet */
    bool have_time;
    uint64_t last_time_us;
    uint32_t last_time_line;
    GHashTable *name_slots; /* name -> slot + 1; keys are s->names' */
    GArray *name_lines;     /* uint32_t: line where each slot was bound */
    GArray *node_uses;      /* struct node_use */

    /* The statement being parsed. */
    const struct scn_line *line;
    guint pos;
    GArray *pending; /* struct pending_name */
    GArray *refs;    /* struct static_ref */
    bool dup_active; /* check duplicates among `refs` */
    bool partition;  /* duplicates across groups are "two groups" */
    size_t group;    /* current partition group */
    bool rest_seen;  /* `rest` already named in this statement */
};

enum ref_flags {
    REF_ALLOW_REST = 1u << 0,
    REF_ALLOW_AS = 1u << 1,
    REF_IN_CHECK = 1u << 2,
    /* `as voter` / `as learner` after the node is a role, not a name. */
    REF_ROLE_AS = 1u << 3,
};

/* ---- diagnostics and tokens ------------------------------------------- */

static bool fail_at(struct parser *p, uint32_t column, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* Adds a diagnostic on the current line; returns false for `return`. */
static bool fail_at(struct parser *p, uint32_t column, const char *fmt, ...)
{
    va_list ap;
    char *message;

    va_start(ap, fmt);
    message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    scn_diags_add(p->diags, p->file, p->line->number, column, "%s", message);
    g_free(message);
    return false;
}

static const struct scn_token *peek(const struct parser *p)
{
    if (p->pos >= p->line->tokens->len) {
        return NULL;
    }
    return &g_array_index(p->line->tokens, struct scn_token, p->pos);
}

static const struct scn_token *next(struct parser *p)
{
    const struct scn_token *tok = peek(p);

    if (tok != NULL) {
        p->pos++;
    }
    return tok;
}

static bool peek_is(const struct parser *p, const char *word)
{
    const struct scn_token *tok = peek(p);

    return tok != NULL && tok->kind == SCN_TOK_WORD &&
           strcmp(tok->text, word) == 0;
}

/* "expected WHAT, found X" for the token at hand (NULL: end of line). */
static bool fail_expected(struct parser *p,
                          const struct scn_token *tok,
                          const char *what)
{
    if (tok == NULL) {
        return fail_at(p, p->line->end_column,
                       "expected %s, found the end of the line", what);
    }
    if (tok->kind == SCN_TOK_STRING) {
        return fail_at(p, tok->column, "expected %s, found a quoted string",
                       what);
    }
    return fail_at(p, tok->column, "expected %s, found '%s'", what, tok->text);
}

/* Takes the next token, which must be a word. */
static const struct scn_token *take_word(struct parser *p, const char *what)
{
    const struct scn_token *tok = next(p);

    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        fail_expected(p, tok, what);
        return NULL;
    }
    return tok;
}

static int word_index(const char *word, const char *const *words)
{
    for (int i = 0; words[i] != NULL; i++) {
        if (strcmp(word, words[i]) == 0) {
            return i;
        }
    }
    return -1;
}

static bool is_reserved(const char *word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(reserved_tables); i++) {
        if (word_index(word, reserved_tables[i]) >= 0) {
            return true;
        }
    }
    return false;
}

/* "unknown WHAT 'x'" with a did-you-mean from `words`. */
static bool fail_unknown(struct parser *p,
                         const struct scn_token *tok,
                         const char *what,
                         const char *const *words)
{
    const char *guess = scn_lex_suggest(tok->text, words);

    if (guess != NULL) {
        return fail_at(p, tok->column, "unknown %s '%s'; did you mean '%s'?",
                       what, tok->text, guess);
    }
    return fail_at(p, tok->column, "unknown %s '%s'", what, tok->text);
}

/* Takes the next word, which must be one of `words`; stores its index. */
static bool take_keyword(struct parser *p,
                         const char *what,
                         const char *const *words,
                         int *index)
{
    const struct scn_token *tok = take_word(p, what);

    if (tok == NULL) {
        return false;
    }
    *index = word_index(tok->text, words);
    if (*index < 0) {
        return fail_unknown(p, tok, what, words);
    }
    return true;
}

/* Takes the exact word `word`. */
static bool take_exact(struct parser *p, const char *word)
{
    const struct scn_token *tok = next(p);
    char *what;
    bool ok;

    if (tok != NULL && tok->kind == SCN_TOK_WORD &&
        strcmp(tok->text, word) == 0) {
        return true;
    }
    what = g_strdup_printf("'%s'", word);
    ok = fail_expected(p, tok, what);
    g_free(what);
    return ok;
}

static bool expect_end(struct parser *p)
{
    const struct scn_token *tok = peek(p);

    if (tok == NULL) {
        return true;
    }
    if (tok->kind == SCN_TOK_STRING) {
        return fail_at(p, tok->column,
                       "unexpected quoted string after the end of the "
                       "statement");
    }
    return fail_at(p, tok->column,
                   "unexpected '%s' after the end of the statement", tok->text);
}

/* ---- numbers ------------------------------------------------------------ */

static char *duration_text(uint64_t us)
{
    GString *out = g_string_new(NULL);

    scn_print_duration(out, us);
    return g_string_free(out, FALSE);
}

/* Reads `len` bytes at `text` as a duration; `column` is where it starts. */
static bool parse_duration_text(struct parser *p,
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
        return fail_at(p, column,
                       "expected %s (a number with us, ms or s), found "
                       "'%.*s'",
                       what, (int)len, text);
    case SCN_DUR_NO_UNIT:
        return fail_at(p, column,
                       "missing unit in duration '%.*s': use us, ms or s",
                       (int)len, text);
    case SCN_DUR_BAD_UNIT:
        return fail_at(p, column,
                       "unknown unit '%.*s' in duration '%.*s': use us, ms "
                       "or s",
                       (int)(len - num), text + num, (int)len, text);
    case SCN_DUR_INEXACT:
        return fail_at(p, column,
                       "duration '%.*s' is not a whole number of "
                       "microseconds",
                       (int)len, text);
    case SCN_DUR_OVERFLOW:
        break;
    }
    return fail_at(p, column,
                   "duration '%.*s' is too large: the limit is "
                   "%" G_GUINT64_FORMAT "us",
                   (int)len, text, SCN_DURATION_US_MAX);
}

bool scn_parse_duration(const char *text, uint64_t *out_us)
{
    size_t unit_at;

    return scn_lex_duration(text, strlen(text), out_us, &unit_at) ==
           SCN_DUR_OK;
}

static bool parse_duration(struct parser *p, const char *what, uint64_t *out)
{
    const struct scn_token *tok = take_word(p, what);

    if (tok == NULL) {
        return false;
    }
    return parse_duration_text(p, tok->text, strlen(tok->text), tok->column,
                               what, out);
}

/* A duration that must be above zero. */
static bool parse_positive_duration(struct parser *p,
                                    const char *what,
                                    uint64_t *out)
{
    const struct scn_token *tok = peek(p);

    if (!parse_duration(p, what, out)) {
        return false;
    }
    if (*out == 0) {
        return fail_at(p, tok->column, "%s must be above 0, found '%s'", what,
                       tok->text);
    }
    return true;
}

/* MIN MAX durations with MIN <= MAX (and MIN > 0 when `positive`). */
static bool parse_duration_range(struct parser *p,
                                 const char *what,
                                 bool positive,
                                 uint64_t *min,
                                 uint64_t *max)
{
    const struct scn_token *first = peek(p);
    const struct scn_token *second;

    if (positive ? !parse_positive_duration(p, what, min)
                 : !parse_duration(p, what, min)) {
        return false;
    }
    second = peek(p);
    if (!parse_duration(p, what, max)) {
        return false;
    }
    if (*min > *max) {
        return fail_at(p, first->column, "MIN '%s' is greater than MAX '%s'",
                       first->text, second->text);
    }
    return true;
}

/* One disk latency: `D`, or `A..B` with A <= B (jitter B - A). */
static bool parse_latency(struct parser *p, uint64_t *us, uint64_t *jitter_us)
{
    const struct scn_token *tok = take_word(p, "a disk latency");
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
        return parse_duration_text(p, t, strlen(t), tok->column,
                                   "a disk latency", us);
    }
    if (!parse_duration_text(p, t, (size_t)(dots - t), tok->column,
                             "a disk latency", us) ||
        !parse_duration_text(
            p, dots + 2, strlen(dots + 2),
            tok->column + scn_lex_columns(t, (size_t)(dots - t)) + 2,
            "a disk latency", &max)) {
        return false;
    }
    if (*us > max) {
        return fail_at(p, tok->column,
                       "disk latency range '%s': MIN is greater than MAX", t);
    }
    *jitter_us = max - *us;
    return true;
}

/* `WRITE SYNC` or `SYNC` alone (write 0), each a latency; stops before
 * `on`. */
static bool parse_disk_latency(struct parser *p, struct scn_disk_latency *l)
{
    *l = (struct scn_disk_latency){0};
    if (!parse_latency(p, &l->write_us, &l->write_jitter_us)) {
        return false;
    }
    if (peek(p) == NULL || peek_is(p, "on")) {
        /* One value: every update is durable that long after it. */
        l->sync_us = l->write_us;
        l->sync_jitter_us = l->write_jitter_us;
        l->write_us = 0;
        l->write_jitter_us = 0;
        return true;
    }
    return parse_latency(p, &l->sync_us, &l->sync_jitter_us);
}

static bool parse_u64(struct parser *p, const char *what, uint64_t *out)
{
    const struct scn_token *tok = take_word(p, what);
    const char *t;

    if (tok == NULL) {
        return false;
    }
    t = tok->text;
    for (size_t i = 0; t[i] != '\0'; i++) {
        if (!g_ascii_isdigit(t[i])) {
            return fail_expected(p, tok, what);
        }
    }
    if (scn_lex_decimal(t, strlen(t), 0, UINT64_MAX, out) != SCN_DEC_OK) {
        return fail_at(p, tok->column, "number '%s' does not fit in 64 bits",
                       t);
    }
    return true;
}

static bool parse_probability(struct parser *p, uint32_t *ppm)
{
    const struct scn_token *tok = take_word(p, "a probability");
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
        return fail_at(p, tok->column,
                       "probability '%s' is out of range: it must be between "
                       "%s",
                       t, range);
    }
    switch (scn_lex_decimal(t, len, percent ? 4 : 6, SCN_PPM_ONE, &value)) {
    case SCN_DEC_OK:
        *ppm = (uint32_t)value;
        return true;
    case SCN_DEC_SYNTAX:
        return fail_expected(p, tok,
                             "a probability (a decimal in [0, 1] or a "
                             "percentage)");
    case SCN_DEC_INEXACT:
        return fail_at(p, tok->column,
                       "probability '%s' is finer than one part per million",
                       t);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return fail_at(p, tok->column,
                   "probability '%s' is out of range: it must be between %s", t,
                   range);
}

/* The highest rate `load` accepts, requests per 1000 s (1000000/s). */
#define RATE_PER_KS_MAX UINT64_C(1000000000)

static bool parse_rate(struct parser *p, uint64_t *per_ks)
{
    const struct scn_token *tok = take_word(p, "a rate like '200/s'");
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
            return fail_expected(p, tok, "a rate like '200/s'");
        }
        return fail_at(p, tok->column,
                       "missing '/s' in rate '%s': write '%s/s' for "
                       "requests per second",
                       t, t);
    }
    if (strcmp(slash, "/s") != 0) {
        return fail_at(p, tok->column,
                       "unknown rate unit '%s' in '%s': use '/s'", slash, t);
    }
    switch (scn_lex_decimal(t, num, 3, RATE_PER_KS_MAX, per_ks)) {
    case SCN_DEC_OK:
        if (*per_ks == 0) {
            return fail_at(p, tok->column, "rate '%s' must be above 0", t);
        }
        return true;
    case SCN_DEC_SYNTAX:
        return fail_expected(p, tok, "a rate like '200/s'");
    case SCN_DEC_INEXACT:
        return fail_at(p, tok->column, "rate '%s' is finer than 0.001/s", t);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return fail_at(p, tok->column,
                   "rate '%s' is too high: the limit is 1000000/s", t);
}

/* `load RATE` or, extension, `load N writes` (1 <= N <= 1000000). */
static bool parse_load_size(struct parser *p, struct scn_action *a)
{
    const struct scn_token *after =
        p->pos + 1 < p->line->tokens->len
            ? &g_array_index(p->line->tokens, struct scn_token, p->pos + 1)
            : NULL;
    if (after == NULL || after->kind != SCN_TOK_WORD ||
        strcmp(after->text, "writes") != 0) {
        return parse_rate(p, &a->rate_per_ks);
    }
    const struct scn_token *tok = peek(p);
    uint32_t column = tok->column;
    if (!parse_u64(p, "a number of writes", &a->count)) {
        return false;
    }
    if (a->count == 0 || a->count > SIM_LOAD_COUNT_MAX) {
        return fail_at(p, column,
                       "a load of %" PRIu64
                       " writes: the number must be between 1 and %" PRIu64,
                       a->count, SIM_LOAD_COUNT_MAX);
    }
    next(p); /* "writes" */
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

static bool parse_drift_rate(struct parser *p, uint32_t *ppm)
{
    const struct scn_token *tok = take_word(p, "a clock rate like '1.5'");
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
            return fail_at(p, tok->column,
                           "clock rate '%s' over a run of %" G_GUINT64_FORMAT
                           "us would take the node's clock past 2^64 - 1 us",
                           tok->text, p->s->run_us);
        }
        *ppm = (uint32_t)value;
        return true;
    case SCN_DEC_SYNTAX:
        return fail_expected(p, tok, "a clock rate like '1.5'");
    case SCN_DEC_INEXACT:
        return fail_at(p, tok->column,
                       "clock rate '%s' is finer than one part per million",
                       tok->text);
    case SCN_DEC_OVERFLOW:
        break;
    }
    return fail_at(p, tok->column,
                   "clock rate '%s' is out of range: it must be above 0 and "
                   "at most 10",
                   tok->text);
}

static bool parse_cmp(struct parser *p, enum scn_cmp *cmp)
{
    const struct scn_token *tok = take_word(p, "a comparison");
    int i;

    if (tok == NULL) {
        return false;
    }
    i = word_index(tok->text, cmp_words);
    if (i < 0) {
        return fail_expected(p, tok, "a comparison (== != < <= > >=)");
    }
    *cmp = (enum scn_cmp)(SCN_CMP_EQ + i);
    return true;
}

static bool is_bare_byte(char c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-';
}

/* A bare word or a quoted string; stores a copy in `*out`. */
static bool parse_string(struct parser *p, const char *what, char **out)
{
    const struct scn_token *tok = next(p);

    if (tok == NULL || tok->kind == SCN_TOK_BAR || tok->kind == SCN_TOK_COMMA) {
        return fail_expected(p, tok, what);
    }
    if (tok->kind == SCN_TOK_WORD && peek(p) != NULL &&
        peek(p)->kind == SCN_TOK_COMMA &&
        peek(p)->column == tok->column + scn_lex_columns(tok->text,
                                                         strlen(tok->text))) {
        return fail_at(p, tok->column,
                       "'%s,' is not a bare word (letters, digits, _ . : -); "
                       "put it in double quotes",
                       tok->text);
    }
    if (tok->kind == SCN_TOK_WORD) {
        for (size_t i = 0; tok->text[i] != '\0'; i++) {
            if (!is_bare_byte(tok->text[i])) {
                return fail_at(p, tok->column,
                               "'%s' is not a bare word (letters, digits, _ "
                               ". : -); put it in double quotes",
                               tok->text);
            }
        }
    }
    *out = g_strdup(tok->text);
    return true;
}

/* ---- node references ----------------------------------------------------- */

/* Reads `nK`; false (no diagnostic) when `text` is not of that form. */
static bool node_form(const char *text, bool *leading_zero, uint64_t *id)
{
    uint64_t v = 0;

    if (text[0] != 'n' || text[1] == '\0') {
        return false;
    }
    for (size_t i = 1; text[i] != '\0'; i++) {
        if (!g_ascii_isdigit(text[i])) {
            return false;
        }
    }
    *leading_zero = text[1] == '0' && text[2] != '\0';
    for (size_t i = 1; text[i] != '\0'; i++) {
        if (v > (UINT64_MAX - 9) / 10) {
            v = UINT64_MAX;
            break;
        }
        v = v * 10 + (uint64_t)(text[i] - '0');
    }
    *id = v;
    return true;
}

static bool is_name_shaped(const char *text)
{
    if (!g_ascii_islower(text[0])) {
        return false;
    }
    for (size_t i = 1; text[i] != '\0'; i++) {
        if (!g_ascii_islower(text[i]) && !g_ascii_isdigit(text[i]) &&
            text[i] != '_') {
            return false;
        }
    }
    return true;
}

static int32_t name_slot(const struct parser *p, const char *name)
{
    gpointer v = g_hash_table_lookup(p->name_slots, name);

    return v == NULL ? SCN_NO_SLOT : (int32_t)(GPOINTER_TO_INT(v) - 1);
}

static const struct pending_name *pending_find(const struct parser *p,
                                               const char *name)
{
    for (guint i = 0; i < p->pending->len; i++) {
        const struct pending_name *pn =
            &g_array_index(p->pending, struct pending_name, i);

        if (strcmp(pn->name, name) == 0) {
            return pn;
        }
    }
    return NULL;
}

/* Records an nK for the range check once the cluster size is known. */
static bool use_node(struct parser *p, const struct scn_token *tok, uint64_t id)
{
    struct node_use use = {
        .id = id, .line = p->line->number, .column = tok->column};

    if (id == 0) {
        return fail_at(p, tok->column,
                       "node 'n0' does not exist: nodes are numbered from n1");
    }
    g_array_append_val(p->node_uses, use);
    return true;
}

/* Rejects a static reference named twice in the current list(s). */
static bool check_duplicate(struct parser *p,
                            const struct scn_token *tok,
                            const struct scn_node_ref *ref)
{
    struct static_ref sr = {
        .kind = ref->kind,
        .id = ref->kind == SCN_REF_NODE ? ref->node : (uint64_t)ref->slot,
        .group = p->group,
        .text = tok->text,
    };

    if (ref->kind != SCN_REF_NODE && ref->kind != SCN_REF_NAME) {
        return true;
    }
    for (guint i = 0; p->dup_active && i < p->refs->len; i++) {
        const struct static_ref *o =
            &g_array_index(p->refs, struct static_ref, i);

        if (o->kind != sr.kind || o->id != sr.id) {
            continue;
        }
        if (p->partition && o->group != sr.group) {
            return fail_at(p, tok->column,
                           "node '%s' is in two partition groups", tok->text);
        }
        return fail_at(p, tok->column, "'%s' is named twice", tok->text);
    }
    g_array_append_val(p->refs, sr);
    return true;
}

static bool parse_binding(struct parser *p,
                          const struct scn_token *ref_tok,
                          struct scn_node_ref *ref,
                          unsigned flags)
{
    const struct scn_token *as = next(p);
    const struct scn_token *tok;
    const struct pending_name *pn;
    struct pending_name add;
    int32_t slot;
    bool leading_zero;
    uint64_t id;

    if (flags & REF_IN_CHECK) {
        return fail_at(p, as->column, "'as' cannot bind a name in a check");
    }
    if (!(flags & REF_ALLOW_AS)) {
        return fail_at(p, as->column, "'as' cannot bind a name here");
    }
    if (ref->kind == SCN_REF_NAME || ref->kind == SCN_REF_REST) {
        return fail_at(p, as->column,
                       "'as' needs a node, leader, follower or any before "
                       "it, not '%s'",
                       ref_tok->text);
    }
    tok = take_word(p, "a name after 'as'");
    if (tok == NULL) {
        return false;
    }
    if (is_reserved(tok->text)) {
        return fail_at(p, tok->column, "name '%s' is a keyword", tok->text);
    }
    if (node_form(tok->text, &leading_zero, &id)) {
        return fail_at(p, tok->column, "name '%s' looks like a node name",
                       tok->text);
    }
    if (!is_name_shaped(tok->text)) {
        return fail_at(p, tok->column,
                       "name '%s' must be a lower-case word: a letter, then "
                       "letters, digits or '_'",
                       tok->text);
    }
    slot = name_slot(p, tok->text);
    if (slot != SCN_NO_SLOT) {
        return fail_at(p, tok->column, "name '%s' is already bound at line %u",
                       tok->text,
                       (unsigned)g_array_index(p->name_lines, uint32_t, slot));
    }
    pn = pending_find(p, tok->text);
    if (pn != NULL) {
        return fail_at(p, tok->column,
                       "name '%s' is already bound in this statement",
                       tok->text);
    }
    ref->bind_slot = (int32_t)(p->s->names->len + p->pending->len);
    add.name = g_strdup(tok->text);
    add.column = tok->column;
    g_array_append_val(p->pending, add);
    return true;
}

/* Candidates for a misspelled node reference: the keywords and the names
 * bound so far. Returned array is freed by the caller (strings borrowed). */
static const char **ref_candidates(const struct parser *p)
{
    static const char *const words[] = {
        "leader", "follower", "any", "rest", "leader?", "follower?", "any?",
    };
    size_t n_words = G_N_ELEMENTS(words);
    const char **out = g_new(const char *, n_words + p->s->names->len + 1);

    for (size_t i = 0; i < n_words; i++) {
        out[i] = words[i];
    }
    for (guint i = 0; i < p->s->names->len; i++) {
        out[n_words + i] = g_ptr_array_index(p->s->names, i);
    }
    out[n_words + p->s->names->len] = NULL;
    return out;
}

static bool fail_unknown_ref(struct parser *p, const struct scn_token *tok)
{
    const char **candidates = ref_candidates(p);
    const char *guess = scn_lex_suggest(tok->text, candidates);
    bool ok;

    if (strcmp(tok->text, "all") == 0 || strcmp(tok->text, "majority") == 0) {
        /* The scopes of per-node checks are not nodes (`restart all`). */
        ok = fail_at(p, tok->column,
                     "'%s' is not a node but the scope of a check "
                     "('expect ... on %s'); name the nodes instead (nK, "
                     "leader, any or a bound name), one statement per node "
                     "for an action that takes one",
                     tok->text, tok->text);
    } else if (guess != NULL) {
        ok = fail_at(p, tok->column, "unknown node '%s'; did you mean '%s'?",
                     tok->text, guess);
    } else if (is_name_shaped(tok->text)) {
        ok = fail_at(p, tok->column,
                     "unbound name '%s': bind it first with 'REF as %s'",
                     tok->text, tok->text);
    } else {
        ok = fail_expected(p, tok, "a node");
    }
    g_free(candidates);
    return ok;
}

/* Whether the tokens at hand are `as voter` or `as learner`. */
static bool role_as_follows(const struct parser *p)
{
    const struct scn_token *role;

    if (!peek_is(p, "as") || p->pos + 1 >= p->line->tokens->len) {
        return false;
    }
    role = &g_array_index(p->line->tokens, struct scn_token, p->pos + 1);
    return role->kind == SCN_TOK_WORD &&
           word_index(role->text, member_role_words) >= 0;
}

static bool parse_ref(struct parser *p,
                      unsigned flags,
                      struct scn_node_ref *ref)
{
    const struct scn_token *tok = next(p);
    char *base;
    size_t len;
    bool leading_zero;
    uint64_t id;

    *ref = (struct scn_node_ref){.slot = SCN_NO_SLOT, .bind_slot = SCN_NO_SLOT};
    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        return fail_expected(p, tok, "a node");
    }
    if (p->rest_seen) {
        return fail_at(p, tok->column,
                       "'%s' follows 'rest': 'rest' must be the last node of "
                       "a statement",
                       tok->text);
    }
    len = strlen(tok->text);
    ref->optional = len > 1 && tok->text[len - 1] == '?';
    base = g_strndup(tok->text, ref->optional ? len - 1 : len);
    if (strcmp(base, "leader") == 0) {
        ref->kind = SCN_REF_LEADER;
    } else if (strcmp(base, "follower") == 0) {
        ref->kind = SCN_REF_FOLLOWER;
    } else if (strcmp(base, "any") == 0) {
        ref->kind = SCN_REF_ANY;
    } else if (ref->optional) {
        const char **candidates = ref_candidates(p);
        bool close = scn_lex_suggest(tok->text, candidates) != NULL;

        g_free(candidates);
        g_free(base);
        if (close) {
            return fail_unknown_ref(p, tok);
        }
        return fail_at(p, tok->column,
                       "'?' can only follow leader, follower or any, not "
                       "'%s'",
                       tok->text);
    } else if (strcmp(base, "rest") == 0) {
        if (!(flags & REF_ALLOW_REST)) {
            g_free(base);
            return fail_at(p, tok->column,
                           "'rest' stands for several nodes; one node is "
                           "needed here");
        }
        ref->kind = SCN_REF_REST;
        p->rest_seen = true;
    } else if (node_form(base, &leading_zero, &id)) {
        g_free(base);
        if (leading_zero) {
            return fail_at(p, tok->column,
                           "malformed node name '%s': no leading zeros",
                           tok->text);
        }
        if (!use_node(p, tok, id)) {
            return false;
        }
        ref->kind = SCN_REF_NODE;
        ref->node = id > UINT32_MAX ? UINT32_MAX : (uint32_t)id;
        base = NULL;
    } else if (name_slot(p, base) != SCN_NO_SLOT) {
        ref->kind = SCN_REF_NAME;
        ref->slot = name_slot(p, base);
    } else if (pending_find(p, base) != NULL) {
        g_free(base);
        return fail_at(p, tok->column,
                       "name '%s' is bound in this same statement; it can "
                       "be used from the next statement on",
                       tok->text);
    } else {
        g_free(base);
        return fail_unknown_ref(p, tok);
    }
    g_free(base);
    if (!check_duplicate(p, tok, ref)) {
        return false;
    }
    if (peek_is(p, "as") && !((flags & REF_ROLE_AS) && role_as_follows(p))) {
        return parse_binding(p, tok, ref, flags);
    }
    return true;
}

/* References up to the end of the line or a '|'; at least one. */
static bool parse_list(struct parser *p,
                       unsigned flags,
                       struct scn_node_list *list)
{
    do {
        struct scn_node_ref ref;

        if (!parse_ref(p, flags, &ref)) {
            return false;
        }
        scn_node_list_append(list, &ref);
    } while (peek(p) != NULL && peek(p)->kind != SCN_TOK_BAR);
    return true;
}

/* ---- checks ----------------------------------------------------------------
 */

static bool parse_scope(struct parser *p, struct scn_scope *scope)
{
    if (!take_exact(p, "on")) {
        return false;
    }
    if (peek_is(p, "all")) {
        next(p);
        scope->kind = SCN_SCOPE_ALL;
        return true;
    }
    if (peek_is(p, "majority")) {
        next(p);
        scope->kind = SCN_SCOPE_MAJORITY;
        return true;
    }
    if (peek(p) == NULL) {
        return fail_expected(p, NULL, "all, majority or a list of nodes");
    }
    scope->kind = SCN_SCOPE_NODES;
    p->dup_active = true;
    return parse_list(p, REF_ALLOW_REST | REF_IN_CHECK, &scope->nodes);
}

/* The nodes of a configuration check after `voters` or `learners`, up to
 * the end of the line or `learners`; `none` alone (only after `learners`)
 * is the empty list. */
static bool parse_members(struct parser *p,
                          const char *after,
                          struct scn_node_list *list)
{
    if (strcmp(after, "learners") == 0 && peek_is(p, "none")) {
        next(p);
        return true;
    }
    if (peek(p) == NULL || peek_is(p, "learners")) {
        return fail_expected(p, peek(p),
                             strcmp(after, "learners") == 0
                                 ? "nodes or 'none' after 'learners'"
                                 : "nodes after 'voters'");
    }
    while (peek(p) != NULL && !peek_is(p, "learners")) {
        struct scn_node_ref ref;

        if (!parse_ref(p, REF_IN_CHECK, &ref)) {
            return false;
        }
        scn_node_list_append(list, &ref);
    }
    return true;
}

/* `config voters NODES [learners NODES|none]` */
static bool parse_config_check(struct parser *p, struct scn_check *c)
{
    if (!take_exact(p, "voters")) {
        return false;
    }
    p->dup_active = true;
    if (!parse_members(p, "voters", &c->nodes)) {
        return false;
    }
    if (!peek_is(p, "learners")) {
        return true;
    }
    next(p);
    return parse_members(p, "learners", &c->learners);
}

static bool parse_check(struct parser *p, struct scn_check *c)
{
    int i;
    int role;

    if (!take_keyword(p, "check", check_words, &i)) {
        return false;
    }
    c->kind = (enum scn_check_kind)(SCN_CHECK_LEADER + i);
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
        if (peek(p) == NULL) {
            return true;
        }
        if (!take_exact(p, c->kind == SCN_CHECK_LEADER ? "in" : "among")) {
            return false;
        }
        p->dup_active = true;
        return parse_list(p, REF_ALLOW_REST | REF_IN_CHECK, &c->nodes);
    case SCN_CHECK_ROLE:
        if (!parse_ref(p, REF_IN_CHECK, &c->node) ||
            !take_keyword(p, "role", role_words, &role)) {
            return false;
        }
        c->role = (enum scn_role)(SCN_ROLE_FOLLOWER + role);
        return true;
    case SCN_CHECK_TERM:
        return parse_cmp(p, &c->cmp) && parse_u64(p, "a term", &c->number);
    case SCN_CHECK_COMPLETED:
        return parse_cmp(p, &c->cmp) && parse_u64(p, "a count", &c->number);
    case SCN_CHECK_APPLIED:
        return parse_cmp(p, &c->cmp) && parse_u64(p, "a count", &c->number) &&
               parse_scope(p, &c->scope);
    case SCN_CHECK_VALUE:
        return parse_string(p, "a key", &c->key) && take_exact(p, "=") &&
               parse_string(p, "a value", &c->value) &&
               parse_scope(p, &c->scope);
    case SCN_CHECK_ABSENT:
        return parse_string(p, "a key", &c->key) && parse_scope(p, &c->scope);
    case SCN_CHECK_CONFIG:
        return parse_config_check(p, c);
    case SCN_CHECK_LEARNERS:
        p->dup_active = true;
        return parse_members(p, "learners", &c->learners);
    case SCN_CHECK_SAME_LEADER:
    case SCN_CHECK_CONVERGED:
    case SCN_CHECK_LINEARIZABLE:
    case SCN_CHECK_NO_VIOLATION:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        return true;
    }
    return false;
}

/* ---- actions --------------------------------------------------------------
 */

static bool parse_via(struct parser *p, struct scn_action *a)
{
    if (!peek_is(p, "via")) {
        return true;
    }
    next(p);
    a->has_via = true;
    return parse_ref(p, REF_ALLOW_AS, &a->via);
}

static bool parse_partition(struct parser *p, struct scn_action *a)
{
    p->dup_active = true;
    p->partition = true;
    for (;;) {
        struct scn_node_list group = {0};
        const struct scn_token *tok = peek(p);

        if (tok == NULL || tok->kind == SCN_TOK_BAR) {
            if (a->group_count == 0 && tok == NULL) {
                return fail_expected(p, tok, "a node");
            }
            return fail_at(p, tok != NULL ? tok->column : p->line->end_column,
                           "empty partition group");
        }
        if (!parse_list(p, REF_ALLOW_REST | REF_ALLOW_AS, &group)) {
            scn_node_list_clear(&group);
            return false;
        }
        a->groups =
            g_renew(struct scn_node_list, a->groups, a->group_count + 1);
        a->groups[a->group_count++] = group;
        if (peek(p) == NULL) {
            return true;
        }
        next(p); /* '|' */
        p->group++;
    }
}

static bool same_static_node(const struct scn_node_ref *a,
                             const struct scn_node_ref *b)
{
    if (a->kind != b->kind) {
        return false;
    }
    if (a->kind == SCN_REF_NODE) {
        return a->node == b->node;
    }
    return a->kind == SCN_REF_NAME && a->slot == b->slot;
}

static bool parse_cut(struct parser *p, struct scn_action *a)
{
    const struct scn_token *to;

    if (!parse_ref(p, REF_ALLOW_AS, &a->node) || !take_exact(p, "->")) {
        return false;
    }
    to = peek(p);
    if (!parse_ref(p, REF_ALLOW_AS, &a->peer)) {
        return false;
    }
    if (same_static_node(&a->node, &a->peer)) {
        return fail_at(p, to->column, "cannot cut '%s' from itself", to->text);
    }
    return true;
}

static bool parse_set(struct parser *p, struct scn_action *a)
{
    int i;

    if (!take_keyword(p, "network parameter", set_words, &i)) {
        return false;
    }
    switch (i) {
    case 0:
        a->kind = SCN_ACT_SET_DROP;
        return parse_probability(p, &a->probability_ppm);
    case 1:
        a->kind = SCN_ACT_SET_DUPLICATE;
        return parse_probability(p, &a->probability_ppm);
    case 2:
        a->kind = SCN_ACT_SET_REORDER;
        return parse_probability(p, &a->probability_ppm);
    case 3:
        a->kind = SCN_ACT_SET_DELAY;
        return parse_duration_range(p, "a delay", false, &a->delay_us_min,
                                    &a->delay_us_max);
    default:
        a->kind = SCN_ACT_SET_DISK;
        if (!parse_disk_latency(p, &a->disk)) {
            return false;
        }
        if (!peek_is(p, "on")) {
            return true;
        }
        next(p);
        p->dup_active = true;
        return parse_list(p, REF_ALLOW_AS, &a->nodes);
    }
}

/* `keeping some` or `keeping log L term T` after `crash NODE`. */
static bool parse_keeping(struct parser *p, struct scn_action *a)
{
    const struct scn_token *tok;

    if (!peek_is(p, "keeping")) {
        return true;
    }
    next(p);
    tok = peek(p);
    if (peek_is(p, "some")) {
        next(p);
        a->keep = SCN_KEEP_SOME;
        return true;
    }
    if (!peek_is(p, "log")) {
        return fail_expected(p, tok,
                             "'some' or 'log L term T' after 'keeping'");
    }
    next(p);
    a->keep = SCN_KEEP_COUNTS;
    return parse_u64(p, "a count of log writes", &a->keep_log) &&
           take_exact(p, "term") &&
           parse_u64(p, "a count of term-record writes", &a->keep_term);
}

static bool parse_client(struct parser *p, struct scn_action *a)
{
    int i;

    if (!take_keyword(p, "client request", client_words, &i)) {
        return false;
    }
    a->kind = (enum scn_action_kind)(SCN_ACT_CLIENT_SET + i);
    if (!parse_string(p, "a key", &a->key)) {
        return false;
    }
    if (a->kind == SCN_ACT_CLIENT_SET &&
        !parse_string(p, "a value", &a->value)) {
        return false;
    }
    const struct scn_token *tok = peek(p);
    if (a->kind == SCN_ACT_CLIENT_GET && tok != NULL &&
        tok->kind == SCN_TOK_WORD &&
        (i = word_index(tok->text, read_mode_words)) >= 0) {
        next(p);
        a->read_mode = (enum scn_read_mode)(SCN_READ_LOG + i);
    }
    return parse_via(p, a);
}

/* One CHANGE: `add NODE [as voter|as learner]`, `promote NODE`, `demote
 * NODE` or `remove NODE`; NODE may bind a name (`remove leader as old`). */
static bool parse_one_change(struct parser *p, struct scn_change *c)
{
    int i;
    int role;

    if (!take_keyword(p, "membership change", change_words, &i)) {
        return false;
    }
    c->kind = i == 0 ? SCN_CHANGE_ADD : (enum scn_change_kind)(i + 2);
    if (!parse_ref(p, REF_ALLOW_AS | (i == 0 ? REF_ROLE_AS : 0), &c->node)) {
        return false;
    }
    if (i != 0 || !peek_is(p, "as")) {
        return true;
    }
    next(p);
    if (!take_keyword(p, "role ('voter' or 'learner')", member_role_words,
                      &role)) {
        return false;
    }
    c->kind = role == 0 ? SCN_CHANGE_ADD : SCN_CHANGE_ADD_LEARNER;
    return true;
}

static void append_change(struct scn_action *a, const struct scn_change *c)
{
    a->changes = g_renew(struct scn_change, a->changes, a->change_count + 1);
    a->changes[a->change_count++] = *c;
}

/* `add ...`, `promote ...`, `demote ...`, `remove ...` alone (first word
 * not yet taken), or `change [joint|joint-explicit] CHANGE, CHANGE ...`
 * (after `change`). A static node may be named once per statement. */
static bool parse_changes(struct parser *p, struct scn_action *a, bool list)
{
    int i;

    a->kind = SCN_ACT_CHANGE;
    p->dup_active = true;
    if (list && (peek_is(p, "joint") || peek_is(p, "joint-explicit"))) {
        take_keyword(p, "transition", transition_words, &i);
        a->transition = (enum scn_transition)(i + 1);
    }
    for (;;) {
        struct scn_change c = {0};
        const struct scn_token *tok;

        if (!parse_one_change(p, &c)) {
            return false;
        }
        append_change(a, &c);
        tok = peek(p);
        if (list && tok != NULL && tok->kind == SCN_TOK_WORD &&
            word_index(tok->text, change_words) >= 0) {
            return fail_at(p, tok->column,
                           "the changes of 'change' are separated by "
                           "commas: write '..., %s ...'",
                           tok->text);
        }
        if (!list || tok == NULL || tok->kind != SCN_TOK_COMMA) {
            return true;
        }
        next(p);
    }
}

static bool parse_action(struct parser *p, struct scn_action *a)
{
    const struct scn_token *tok = take_word(p, "an action");
    int i;

    if (tok == NULL) {
        return false;
    }
    i = word_index(tok->text, action_words);
    if (i < 0) {
        if (word_index(tok->text, set_words) >= 0) {
            return fail_at(p, tok->column,
                           "'%s' is a header; to change it at a time, use "
                           "'set %s'",
                           tok->text, tok->text);
        }
        return fail_unknown(p, tok, "action", action_words);
    }
    switch (i) {
    case 0:
        a->kind = SCN_ACT_CRASH;
        return parse_ref(p, REF_ALLOW_AS, &a->node) && parse_keeping(p, a);
    case 1:
        a->kind = SCN_ACT_RESTART;
        return parse_ref(p, REF_ALLOW_AS, &a->node);
    case 2:
        a->kind = SCN_ACT_PAUSE;
        return parse_ref(p, REF_ALLOW_AS, &a->node) && take_exact(p, "for") &&
               parse_positive_duration(p, "a pause", &a->duration_us);
    case 3:
        a->kind = SCN_ACT_TIMEOUT;
        return parse_ref(p, REF_ALLOW_AS, &a->node);
    case 4:
        a->kind = SCN_ACT_PARTITION;
        return parse_partition(p, a);
    case 5:
        a->kind = SCN_ACT_ISOLATE;
        return parse_ref(p, REF_ALLOW_AS, &a->node);
    case 6:
        a->kind = SCN_ACT_CUT;
        return parse_cut(p, a);
    case 7:
        a->kind = SCN_ACT_HEAL;
        return true;
    case 8:
        return parse_set(p, a);
    case 9:
        return parse_client(p, a);
    case 10:
        a->kind = SCN_ACT_LOAD;
        return parse_load_size(p, a) && take_exact(p, "for") &&
               parse_positive_duration(p, "a load duration", &a->duration_us) &&
               parse_via(p, a);
    case 11:
        a->kind = SCN_ACT_EXPECT;
        return parse_check(p, &a->check);
    case 12:
        a->kind = SCN_ACT_DRIFT;
        return parse_ref(p, REF_ALLOW_AS, &a->node) &&
               parse_drift_rate(p, &a->rate_ppm);
    case 13:
        a->kind = SCN_ACT_SETTLE;
        if (!peek_is(p, "within")) {
            return true;
        }
        next(p);
        return parse_positive_duration(p, "a settle bound", &a->duration_us);
    case 14:
    case 15:
    case 16:
    case 17:
        p->pos--; /* the change's own word */
        return parse_changes(p, a, false);
    case 18:
        return parse_changes(p, a, true);
    case 19:
        a->kind = SCN_ACT_LEAVE_JOINT;
        return true;
    default:
        a->kind = SCN_ACT_TRANSFER;
        return take_exact(p, "to") && parse_ref(p, REF_ALLOW_AS, &a->node);
    }
}

/* ---- timed statements ---------------------------------------------------- */

static void commit_names(struct parser *p);

/* `when SUBJECT [as NAME] EVENT` before a triggered action. The subject's
 * name is bound from here on, so the action can use it. */
static bool parse_trigger(struct parser *p, struct scn_step *st)
{
    const struct scn_token *tok;
    int i;

    next(p); /* when */
    tok = peek(p);
    if (!parse_ref(p, REF_ALLOW_AS, &st->subject)) {
        return false;
    }
    if (st->subject.kind == SCN_REF_ANY && st->subject.optional) {
        return fail_at(p, tok->column,
                       "'any?' cannot wait: after 'when', 'any' already "
                       "means whichever node does it first");
    }
    if (!take_keyword(p, "protocol event", event_words, &i)) {
        return false;
    }
    st->event = (enum scn_event)(i + 1);
    st->triggered = true;
    commit_names(p);
    g_array_set_size(p->pending, 0);
    g_array_set_size(p->refs, 0);
    tok = peek(p);
    if (tok == NULL) {
        return fail_expected(p, tok, "an action");
    }
    if (peek_is(p, "expect") || peek_is(p, "settle")) {
        return fail_at(p, tok->column,
                       "'when' runs an action; '%s' cannot follow it",
                       tok->text);
    }
    return true;
}

/* Reads `T` or `A..B` from `tok` into the step's times. */
static bool parse_when(struct parser *p,
                       const struct scn_token *tok,
                       struct scn_step *st,
                       bool *window)
{
    const char *t = tok->text;
    const char *dots = strstr(t, "..");

    *window = dots != NULL;
    if (dots == NULL) {
        if (!parse_duration_text(p, t, strlen(t), tok->column, "a time",
                                 &st->time_us)) {
            return false;
        }
        st->end_us = st->time_us;
        return true;
    }
    if (!parse_duration_text(p, t, (size_t)(dots - t), tok->column,
                             "a window start", &st->time_us) ||
        !parse_duration_text(
            p, dots + 2, strlen(dots + 2),
            tok->column + scn_lex_columns(t, (size_t)(dots - t)) + 2,
            "a window end", &st->end_us)) {
        return false;
    }
    if (st->time_us > st->end_us) {
        return fail_at(p, tok->column,
                       "empty window '%s': the end must be after the start", t);
    }
    if (st->time_us == st->end_us) {
        return fail_at(p, tok->column,
                       "empty window '%s': the end must be after the start "
                       "(for one instant, use 'at %.*s expect ...')",
                       t, (int)(dots - t), t);
    }
    return true;
}

/* Times must not go backwards and must lie within the run. */
static bool check_time_order(struct parser *p,
                             const struct scn_token *tok,
                             const struct scn_step *st)
{
    if (p->have_time && st->time_us < p->last_time_us) {
        char *now = duration_text(st->time_us);
        char *before = duration_text(p->last_time_us);

        fail_at(p, tok->column,
                "time %s is before the time of the previous statement (%s, "
                "line %u); statements must be in time order",
                now, before, (unsigned)p->last_time_line);
        g_free(now);
        g_free(before);
        return false;
    }
    if (!p->run_failed && st->end_us > p->s->run_us) {
        char *when = duration_text(st->end_us);
        char *run = duration_text(p->s->run_us);

        fail_at(p, tok->column,
                "time %s is after the end of the run (%s); see 'run'", when,
                run);
        g_free(when);
        g_free(run);
        return false;
    }
    return true;
}

/* `at 1s .. 2s`, `at 1s ..2s` or `at 1s.. 2s`: a window split by spaces.
 * Fails naming the window as it must be written when the tokens at `tok`
 * (the time, already taken) look like one; false without a diagnostic
 * otherwise. */
static bool fail_spaced_window(struct parser *p,
                               const struct scn_token *first,
                               const struct scn_token *tok)
{
    const struct scn_token *after = peek(p);
    const char *start = tok->text;
    size_t start_len = strlen(start);
    const char *end = NULL;

    if (start_len > 2 && strcmp(start + start_len - 2, "..") == 0 &&
        strstr(start, "..") == start + start_len - 2 && after != NULL) {
        start_len -= 2;
        end = after->text;
    } else if (strstr(start, "..") == NULL && after != NULL &&
               after->kind == SCN_TOK_WORD &&
               g_str_has_prefix(after->text, "..")) {
        const struct scn_token *third =
            p->pos + 1 < p->line->tokens->len
                ? &g_array_index(p->line->tokens, struct scn_token, p->pos + 1)
                : NULL;
        end = after->text[2] ? after->text + 2 : third ? third->text : NULL;
    }
    if (end == NULL) {
        return false;
    }
    fail_at(p, tok->column, "a window has no spaces: write '%s %.*s..%s'",
            first->text, (int)start_len, start, end);
    return true;
}

static bool parse_timed(struct parser *p,
                        const struct scn_token *first,
                        struct scn_step *st)
{
    bool during = strcmp(first->text, "during") == 0;
    const struct scn_token *tok = take_word(p, "a time");
    bool window;

    if (tok != NULL && fail_spaced_window(p, first, tok)) {
        return false;
    }
    if (tok == NULL || !parse_when(p, tok, st, &window)) {
        return false;
    }
    if (during && !window) {
        return fail_at(p, tok->column,
                       "'during' needs a window 'A..B', found '%s'", tok->text);
    }
    if (!check_time_order(p, tok, st)) {
        return false;
    }
    p->have_time = true;
    p->last_time_us = st->time_us;
    p->last_time_line = p->line->number;
    st->when =
        during ? SCN_WHEN_ALWAYS : (window ? SCN_WHEN_EVENTUALLY : SCN_WHEN_AT);
    if (window) {
        const struct scn_token *act = peek(p);

        if (peek_is(p, "when")) {
            return fail_at(p, act->column,
                           "'when' waits from one time: write 'at T when "
                           "...', not a window");
        }
        if (act != NULL && act->kind == SCN_TOK_WORD &&
            strcmp(act->text, "expect") != 0 &&
            word_index(act->text, action_words) >= 0) {
            return fail_at(p, act->column,
                           "a window 'A..B' only takes 'expect', found '%s'",
                           act->text);
        }
        if (!take_exact(p, "expect")) {
            return false;
        }
        st->action.kind = SCN_ACT_EXPECT;
        if (!parse_check(p, &st->action.check)) {
            return false;
        }
    } else if (peek_is(p, "when") && !parse_trigger(p, st)) {
        return false;
    } else if (!parse_action(p, &st->action)) {
        return false;
    }
    if (st->action.kind == SCN_ACT_EXPECT &&
        st->action.check.kind == SCN_CHECK_SAME_LEADER &&
        st->when != SCN_WHEN_ALWAYS) {
        return fail_at(p, first->column,
                       "'same-leader' holds over a window: use 'during A..B "
                       "expect same-leader'");
    }
    return expect_end(p);
}

/* ---- headers --------------------------------------------------------------
 */

/* The value of the on/off header `name` ("prevote"). */
static bool parse_on_off(struct parser *p, const char *name, bool *out)
{
    char *what = g_strdup_printf("'on' or 'off' after '%s'", name);
    const struct scn_token *tok = take_word(p, what);
    int i;

    g_free(what);
    if (tok == NULL) {
        return false;
    }
    i = word_index(tok->text, on_off_words);
    if (i < 0) {
        const char *guess = scn_lex_suggest(tok->text, on_off_words);

        return fail_at(p, tok->column,
                       "'%s' is either 'on' or 'off', not '%s'%s%s%s", name,
                       tok->text, guess ? "; did you mean '" : "",
                       guess ? guess : "", guess ? "'?" : "");
    }
    *out = i == 0;
    return true;
}

/* `init NODE term T [vote NODE] [log T1 T2 ...]` */
static bool parse_init(struct parser *p, struct scn_init *in)
{
    const struct scn_token *tok = peek(p);
    struct scn_node_ref ref;
    GArray *terms;

    if (!parse_ref(p, 0, &ref)) {
        return false;
    }
    if (ref.kind != SCN_REF_NODE) {
        return fail_at(p, tok->column, "init needs a node like 'n1', not '%s'",
                       tok->text);
    }
    in->node = ref.node;
    in->column = tok->column;
    for (guint i = 0; i < p->s->inits->len; i++) {
        const struct scn_init *o = g_ptr_array_index(p->s->inits, i);

        if (o->node == in->node) {
            return fail_at(p, tok->column,
                           "init for '%s' given twice (first at line %u)",
                           tok->text, (unsigned)o->line);
        }
    }
    if (!take_exact(p, "term")) {
        return false;
    }
    tok = peek(p);
    if (!parse_u64(p, "a term", &in->term)) {
        return false;
    }
    if (in->term > RAFT_TERM_MAX) {
        return fail_at(p, tok->column,
                       "term %s is too large: a term must stay below "
                       "2^64 - 1 so that a campaign can increment it",
                       tok->text);
    }
    if (peek_is(p, "vote")) {
        next(p);
        tok = peek(p);
        if (!parse_ref(p, 0, &ref)) {
            return false;
        }
        if (ref.kind != SCN_REF_NODE) {
            return fail_at(p, tok->column,
                           "vote needs a node like 'n1', not '%s'", tok->text);
        }
        in->vote = ref.node;
    }
    if (peek(p) == NULL) {
        return true;
    }
    if (!take_exact(p, "log")) {
        return false;
    }
    terms = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    while (peek(p) != NULL) {
        uint64_t term;

        tok = peek(p);
        if (!parse_u64(p, "a log term", &term)) {
            g_array_free(terms, TRUE);
            return false;
        }
        if (term > in->term) {
            g_array_free(terms, TRUE);
            return fail_at(p, tok->column,
                           "log term %" G_GUINT64_FORMAT
                           " is above the node's term %" G_GUINT64_FORMAT,
                           term, in->term);
        }
        if (terms->len > 0 &&
            term < g_array_index(terms, uint64_t, terms->len - 1)) {
            fail_at(p, tok->column,
                    "log term %" G_GUINT64_FORMAT
                    " follows term %" G_GUINT64_FORMAT
                    ": log terms must not decrease",
                    term, g_array_index(terms, uint64_t, terms->len - 1));
            g_array_free(terms, TRUE);
            return false;
        }
        g_array_append_val(terms, term);
    }
    in->log_len = terms->len;
    in->log_terms = in->log_len > 0
                        ? (uint64_t *)(void *)g_array_free(terms, FALSE)
                        : (g_array_free(terms, TRUE), NULL);
    return true;
}

/* The has_* flag of header `h`; NULL for cluster and init. */
static bool *header_given(struct scn_scenario *s, enum header h)
{
    switch (h) {
    case HDR_SEED:
        return &s->has_seed;
    case HDR_RUN:
        return &s->has_run;
    case HDR_TITLE:
        return &s->has_title;
    case HDR_ELECTION_TIMEOUT:
        return &s->has_election_timeout;
    case HDR_HEARTBEAT:
        return &s->has_heartbeat;
    case HDR_DELAY:
        return &s->has_delay;
    case HDR_DROP:
        return &s->has_drop;
    case HDR_DUPLICATE:
        return &s->has_duplicate;
    case HDR_REORDER:
        return &s->has_reorder;
    case HDR_PREVOTE:
        return &s->has_prevote;
    case HDR_CHECKQUORUM:
        return &s->has_checkquorum;
    case HDR_CLIENT_TIMEOUT:
        return &s->has_client_timeout;
    case HDR_SNAPSHOT_EVERY:
        return &s->has_snapshot_every;
    case HDR_MAX_UNCOMMITTED:
        return &s->has_max_uncommitted;
    case HDR_SNAPSHOT_CHUNK:
        return &s->has_snapshot_chunk;
    case HDR_READS:
        return &s->has_reads;
    case HDR_LEASE_DRIFT_BOUND:
        return &s->has_lease_drift_bound;
    case HDR_DISK_LATENCY:
        return &s->has_disk_latency;
    case HDR_TRACE_HASH:
        return &s->has_trace_hash;
    case HDR_CLUSTER:
    case HDR_INIT:
    case HDR_COUNT:
        break;
    }
    return NULL;
}

/* `trace-hash HASH [by "BUILD"]`: HASH is 16 hexadecimal digits, as
 * `raftsim run` prints a trace hash. */
static bool parse_trace_hash(struct parser *p)
{
    const struct scn_token *tok = next(p);
    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        return fail_expected(p, tok, "a trace hash (16 hexadecimal digits)");
    }
    size_t len = strlen(tok->text);
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(tok->text[i])) {
            len = 0;
        }
    }
    if (len != 16) {
        return fail_at(p, tok->column,
                       "'%s' is not a trace hash: expected 16 hexadecimal "
                       "digits, as `raftsim run` prints it",
                       tok->text);
    }
    p->s->trace_hash = g_ascii_strtoull(tok->text, NULL, 16);
    g_free(p->s->trace_build);
    p->s->trace_build = NULL;
    if (peek_is(p, "by")) {
        p->pos++;
        return parse_string(p, "the build that recorded it, in quotes",
                            &p->s->trace_build);
    }
    return true;
}

/* `spare M` after `cluster N`: 1 <= M, N + M <= SCN_CLUSTER_MAX. */
static bool parse_spare(struct parser *p)
{
    const struct scn_token *tok;
    uint64_t m;

    next(p); /* spare */
    tok = peek(p);
    if (!parse_u64(p, "a number of spare nodes", &m)) {
        return false;
    }
    if (m < 1) {
        return fail_at(p, tok->column,
                       "'spare' needs at least one node; leave it out for "
                       "none");
    }
    if (m > SCN_CLUSTER_MAX - p->s->cluster) {
        return fail_at(p, tok->column,
                       "%u nodes and %s spares are too many: at most %u "
                       "nodes in all",
                       (unsigned)p->s->cluster, tok->text, SCN_CLUSTER_MAX);
    }
    p->s->spare = (uint32_t)m;
    return true;
}

/* Extension `snapshot-chunk BYTES`: InstallSnapshot carries at most BYTES
 * of snapshot data per message; 0 sends the whole snapshot in one. */
static bool parse_snapshot_chunk(struct parser *p)
{
    const struct scn_token *tok = peek(p);
    uint64_t n;
    if (!parse_u64(p, "a chunk size in bytes", &n)) {
        return false;
    }
    if (n > SCN_SNAPSHOT_CHUNK_MAX) {
        return fail_at(p, tok->column,
                       "snapshot chunk size %s is out of range: it must be "
                       "0 (the whole snapshot in one message) to %u bytes",
                       tok->text, SCN_SNAPSHOT_CHUNK_MAX);
    }
    p->s->snapshot_chunk_bytes = (uint32_t)n;
    return true;
}

/* Reads the values of header `h` into the scenario. */
static bool parse_header_values(struct parser *p, enum header h)
{
    struct scn_scenario *s = p->s;
    const struct scn_token *tok = peek(p);
    uint64_t n;

    switch (h) {
    case HDR_CLUSTER:
        if (!parse_u64(p, "a cluster size", &n)) {
            return false;
        }
        if (n < 1 || n > SCN_CLUSTER_MAX) {
            return fail_at(p, tok->column,
                           "cluster size %s is out of range: it must be 1 to "
                           "%u",
                           tok->text, SCN_CLUSTER_MAX);
        }
        s->cluster = (uint32_t)n;
        if (peek_is(p, "spare") && !parse_spare(p)) {
            return false;
        }
        p->cluster_line = p->line->number;
        return true;
    case HDR_SEED:
        return parse_u64(p, "a seed", &s->seed);
    case HDR_RUN:
        return parse_positive_duration(p, "a run length", &s->run_us);
    case HDR_TITLE:
        g_free(s->title);
        s->title = NULL;
        if (!parse_string(p, "a title", &s->title)) {
            s->title = g_path_get_basename(s->file_name);
            return false;
        }
        return true;
    case HDR_ELECTION_TIMEOUT:
        return parse_duration_range(p, "an election timeout", true,
                                    &s->election_timeout_us_min,
                                    &s->election_timeout_us_max);
    case HDR_HEARTBEAT:
        return parse_positive_duration(p, "a heartbeat interval",
                                       &s->heartbeat_us);
    case HDR_DELAY:
        return parse_duration_range(p, "a delay", false, &s->delay_us_min,
                                    &s->delay_us_max);
    case HDR_DROP:
        return parse_probability(p, &s->drop_ppm);
    case HDR_DUPLICATE:
        return parse_probability(p, &s->duplicate_ppm);
    case HDR_REORDER:
        return parse_probability(p, &s->reorder_ppm);
    case HDR_PREVOTE:
        return parse_on_off(p, "prevote", &s->prevote);
    case HDR_CHECKQUORUM:
        return parse_on_off(p, "checkquorum", &s->checkquorum);
    case HDR_CLIENT_TIMEOUT:
        return parse_positive_duration(p, "a client timeout",
                                       &s->client_timeout_us);
    case HDR_SNAPSHOT_EVERY:
        return parse_u64(p, "an entry count", &s->snapshot_every);
    case HDR_MAX_UNCOMMITTED:
        return parse_u64(p, "a byte count", &s->max_uncommitted);
    case HDR_SNAPSHOT_CHUNK:
        return parse_snapshot_chunk(p);
    case HDR_READS: {
        int i;
        if (!take_keyword(p, "read mode", read_mode_words, &i)) {
            return false;
        }
        s->reads = (enum scn_read_mode)(SCN_READ_LOG + i);
        return true;
    }
    case HDR_LEASE_DRIFT_BOUND:
        return parse_duration(p, "a clock drift bound",
                              &s->lease_drift_bound_us);
    case HDR_TRACE_HASH:
        return parse_trace_hash(p);
    case HDR_DISK_LATENCY: /* parse_disk_header() */
    case HDR_INIT:
    case HDR_COUNT:
        break;
    }
    return false;
}

/* The line that already gives a per-node disk timing to node `id`, or 0. */
static uint32_t disk_line_of(const struct parser *p, uint32_t id)
{
    for (guint i = 0; i < p->s->disks->len; i++) {
        const struct scn_disk *d = g_ptr_array_index(p->s->disks, i);

        for (size_t k = 0; k < d->n_nodes; k++) {
            if (d->nodes[k] == id) {
                return d->line;
            }
        }
    }
    return 0;
}

/* `on NODE...` of a per-node disk-latency header: distinct nK, each in one
 * such header at most. */
static bool parse_disk_nodes(struct parser *p, struct scn_disk *d)
{
    next(p); /* on */
    if (peek(p) == NULL) {
        return fail_expected(p, NULL, "a node after 'on'");
    }
    while (peek(p) != NULL) {
        const struct scn_token *tok = peek(p);
        struct scn_node_ref ref;
        uint32_t line;

        if (!parse_ref(p, 0, &ref)) {
            return false;
        }
        if (ref.kind != SCN_REF_NODE) {
            return fail_at(p, tok->column,
                           "a disk-latency header names nodes as nK, not "
                           "'%s' (use 'at T set disk-latency' for that)",
                           tok->text);
        }
        line = disk_line_of(p, ref.node);
        if (line != 0) {
            return fail_at(p, tok->column,
                           "node '%s' already has a disk latency (line %u)",
                           tok->text, (unsigned)line);
        }
        d->nodes = g_renew(uint32_t, d->nodes, d->n_nodes + 1);
        d->nodes[d->n_nodes++] = ref.node;
        if (d->line == 0) {
            d->line = p->line->number;
            g_ptr_array_add(p->s->disks, d);
        }
    }
    return true;
}

/* `disk-latency LATENCY [LATENCY]` (once) or `... on NODE...` (per node). */
static bool parse_disk_header(struct parser *p, const struct scn_token *first)
{
    struct scn_scenario *s = p->s;
    struct scn_disk_latency l;
    struct scn_disk *d;

    if (!parse_disk_latency(p, &l)) {
        return false;
    }
    if (peek_is(p, "on")) {
        d = g_new0(struct scn_disk, 1);
        d->latency = l;
        if (!parse_disk_nodes(p, d)) {
            if (d->line == 0) {
                scn_disk_free(d);
            }
            return false;
        }
        return expect_end(p);
    }
    if (p->header_line[HDR_DISK_LATENCY] != 0) {
        return fail_at(p, first->column,
                       "header 'disk-latency' given twice (first at line "
                       "%u); per node, add 'on NODE...'",
                       (unsigned)p->header_line[HDR_DISK_LATENCY]);
    }
    p->header_line[HDR_DISK_LATENCY] = p->line->number;
    if (!expect_end(p)) {
        return false;
    }
    s->disk_write_us = l.write_us;
    s->disk_write_jitter_us = l.write_jitter_us;
    s->disk_sync_us = l.sync_us;
    s->disk_sync_jitter_us = l.sync_jitter_us;
    s->has_disk_latency = true;
    return true;
}

static bool parse_header(struct parser *p,
                         const struct scn_token *first,
                         enum header h)
{
    bool *given;

    if (p->first_timed_line != 0) {
        return fail_at(p, first->column,
                       "header '%s' must come before the first timed "
                       "statement (line %u)",
                       first->text, (unsigned)p->first_timed_line);
    }
    if (h == HDR_INIT) {
        struct scn_init *in = g_new0(struct scn_init, 1);

        in->line = p->line->number;
        if (!parse_init(p, in) || !expect_end(p)) {
            scn_init_free(in);
            return false;
        }
        g_ptr_array_add(p->s->inits, in);
        return true;
    }
    if (h == HDR_DISK_LATENCY) {
        return parse_disk_header(p, first);
    }
    if (p->header_line[h] != 0) {
        return fail_at(p, first->column,
                       "header '%s' given twice (first at line %u)",
                       first->text, (unsigned)p->header_line[h]);
    }
    p->header_line[h] = p->line->number;
    if (!parse_header_values(p, h) || !expect_end(p)) {
        p->run_failed = p->run_failed || h == HDR_RUN;
        return false;
    }
    given = header_given(p->s, h);
    if (given != NULL) {
        *given = true;
    }
    return true;
}

/* ---- lines and files ----------------------------------------------------- */

static void commit_names(struct parser *p)
{
    for (guint i = 0; i < p->pending->len; i++) {
        struct pending_name *pn =
            &g_array_index(p->pending, struct pending_name, i);
        uint32_t line = p->line->number;

        g_ptr_array_add(p->s->names, pn->name);
        g_hash_table_insert(p->name_slots, pn->name,
                            GINT_TO_POINTER((gint)p->s->names->len));
        g_array_append_val(p->name_lines, line);
        pn->name = NULL;
    }
}

static void reset_statement(struct parser *p, const struct scn_line *line)
{
    for (guint i = 0; i < p->pending->len; i++) {
        g_free(g_array_index(p->pending, struct pending_name, i).name);
    }
    g_array_set_size(p->pending, 0);
    g_array_set_size(p->refs, 0);
    p->line = line;
    p->pos = 0;
    p->dup_active = false;
    p->partition = false;
    p->group = 0;
    p->rest_seen = false;
}

static void parse_line(const struct scn_line *line, void *ctx)
{
    struct parser *p = ctx;
    const struct scn_token *first;
    int h;

    if (p->diags->len >= SCN_DIAGS_MAX) {
        return;
    }
    reset_statement(p, line);
    first = next(p);
    if (first->kind != SCN_TOK_WORD) {
        fail_expected(p, first, "a statement");
        return;
    }
    h = word_index(first->text, statement_words);
    if (h >= 0 && h < HDR_COUNT) {
        parse_header(p, first, (enum header)h);
        return;
    }
    if (strcmp(first->text, "at") == 0 || strcmp(first->text, "during") == 0) {
        struct scn_step *st = g_new0(struct scn_step, 1);

        st->line = line->number;
        st->column = first->column;
        if (p->first_timed_line == 0) {
            p->first_timed_line = line->number;
        }
        if (!parse_timed(p, first, st)) {
            scn_step_free(st);
            return;
        }
        commit_names(p);
        g_ptr_array_add(p->s->steps, st);
        return;
    }
    if (word_index(first->text, action_words) >= 0) {
        fail_at(p, first->column, "'%s' needs a time: write 'at T %s ...'",
                first->text, first->text);
        return;
    }
    fail_unknown(p, first, "statement", statement_words);
}

/* `init` gives a durable state to a voter only: spares start empty. */
static void check_spare_inits(struct parser *p)
{
    for (guint i = 0; i < p->s->inits->len; i++) {
        const struct scn_init *in = g_ptr_array_index(p->s->inits, i);

        if (in->node > p->s->cluster &&
            in->node <= scn_scenario_nodes(p->s)) {
            scn_diags_add(p->diags, p->file, in->line, in->column,
                          "node 'n%u' is a spare: spares start empty and "
                          "outside the configuration, so they take no "
                          "'init'",
                          (unsigned)in->node);
        }
    }
}

static void check_node_ranges(struct parser *p)
{
    uint32_t n = scn_scenario_nodes(p->s);

    check_spare_inits(p);
    for (guint i = 0; i < p->node_uses->len; i++) {
        const struct node_use *u =
            &g_array_index(p->node_uses, struct node_use, i);

        if (u->id <= n) {
            continue;
        }
        if (p->s->spare > 0) {
            scn_diags_add(p->diags, p->file, u->line, u->column,
                          "node 'n%" G_GUINT64_FORMAT
                          "' is out of range: the cluster has %u nodes and "
                          "%u spare%s (n1..n%u)",
                          u->id, (unsigned)p->s->cluster,
                          (unsigned)p->s->spare, p->s->spare == 1 ? "" : "s",
                          (unsigned)n);
        } else if (n == 1) {
            scn_diags_add(p->diags, p->file, u->line, u->column,
                          "node 'n%" G_GUINT64_FORMAT
                          "' is out of range: the cluster has 1 node (n1)",
                          u->id);
        } else {
            scn_diags_add(p->diags, p->file, u->line, u->column,
                          "node 'n%" G_GUINT64_FORMAT
                          "' is out of range: the cluster has %u nodes "
                          "(n1..n%u)",
                          u->id, (unsigned)n, (unsigned)n);
        }
    }
}

int scn_parse_buffer(const char *name,
                     const char *data,
                     size_t len,
                     struct scn_scenario **out,
                     GPtrArray *diags)
{
    struct parser p = {0};
    struct scn_line no_line = {0};
    bool stopped;

    *out = NULL;
    p.file = name != NULL ? name : "<input>";
    p.diags = scn_diags_new();
    p.s = scn_scenario_new(p.file);
    p.name_slots = g_hash_table_new(g_str_hash, g_str_equal);
    p.name_lines = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    p.node_uses = g_array_new(FALSE, FALSE, sizeof(struct node_use));
    p.pending = g_array_new(FALSE, FALSE, sizeof(struct pending_name));
    p.refs = g_array_new(FALSE, FALSE, sizeof(struct static_ref));

    if (len > SCN_INPUT_BYTES_MAX) {
        scn_diags_add(p.diags, p.file, 0, 0,
                      "input is %zu bytes long; the limit is %u bytes", len,
                      SCN_INPUT_BYTES_MAX);
    } else {
        scn_lex(p.file, data, len, p.diags, parse_line, &p);
        /* After stopping early, the end-of-file rules would be guesses. */
        stopped = p.diags->len >= SCN_DIAGS_MAX;
        if (!stopped && p.header_line[HDR_CLUSTER] == 0) {
            scn_diags_add(p.diags, p.file, 1, 1,
                          "missing 'cluster N' header: every scenario needs "
                          "one");
        } else if (!stopped && p.cluster_line != 0) {
            check_node_ranges(&p);
        }
    }
    reset_statement(&p, &no_line);
    g_array_free(p.refs, TRUE);
    g_array_free(p.pending, TRUE);
    g_array_free(p.node_uses, TRUE);
    g_array_free(p.name_lines, TRUE);
    g_hash_table_destroy(p.name_slots);

    scn_diags_sort(p.diags);
    if (p.diags->len >= SCN_DIAGS_MAX) {
        scn_diags_add(p.diags, p.file, 0, 0,
                      "too many errors; stopped after %u", SCN_DIAGS_MAX);
    }
    for (guint i = 0; i < p.diags->len; i++) {
        g_ptr_array_add(diags, p.diags->pdata[i]);
    }
    g_ptr_array_set_free_func(p.diags, NULL);
    if (p.diags->len > 0) {
        g_ptr_array_free(p.diags, TRUE);
        scn_scenario_free(p.s);
        return SCN_EINVAL;
    }
    g_ptr_array_free(p.diags, TRUE);
    *out = p.s;
    return SCN_OK;
}

/* Reads `f` (borrowed, left open) into *data (a new buffer), naming it
 * `name` in diagnostics, stopping one byte past SCN_INPUT_BYTES_MAX whatever
 * the input is (a device, a FIFO or a pipe has no size to ask for first, and
 * /dev/zero never ends). SCN_EINVAL with a diagnostic when it is
 * longer, SCN_EIO when it cannot be read. */
static int read_bounded(FILE *f,
                        const char *name,
                        GByteArray **data,
                        GPtrArray *diags)
{
    GByteArray *buf = g_byte_array_new();
    guint8 chunk[65536];
    size_t n;
    while (buf->len <= SCN_INPUT_BYTES_MAX &&
           (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        g_byte_array_append(buf, chunk, (guint)n);
    int rc = SCN_OK;
    if (ferror(f)) {
        scn_diags_add(diags, name, 0, 0, "cannot read the file: %s",
                      g_strerror(errno));
        rc = SCN_EIO;
    } else if (buf->len > SCN_INPUT_BYTES_MAX) {
        scn_diags_add(diags, name, 0, 0,
                      "input is more than %u bytes long; the limit is %u "
                      "bytes",
                      SCN_INPUT_BYTES_MAX, SCN_INPUT_BYTES_MAX);
        rc = SCN_EINVAL;
    }
    if (rc != SCN_OK) {
        g_byte_array_free(buf, TRUE);
        return rc;
    }
    *data = buf;
    return SCN_OK;
}

int scn_parse_stream(FILE *f,
                     const char *name,
                     struct scn_scenario **out,
                     GPtrArray *diags)
{
    GByteArray *data = NULL;
    *out = NULL;
    int rc = read_bounded(f, name, &data, diags);
    if (rc != SCN_OK)
        return rc;
    rc =
        scn_parse_buffer(name, (const char *)data->data, data->len, out, diags);
    g_byte_array_free(data, TRUE);
    return rc;
}

int scn_parse_file(const char *path,
                   struct scn_scenario **out,
                   GPtrArray *diags)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        scn_diags_add(diags, path, 0, 0, "cannot read the file: %s",
                      g_strerror(errno));
        return SCN_EIO;
    }
    int rc = scn_parse_stream(f, path, out, diags);
    fclose(f);
    return rc;
}
