/* scn_parse_token.c: the language's vocabulary, and taking a statement's
 * tokens one at a time with a diagnostic for each one out of place.
 */
#include "scenarios/lang/scn_parser.h"

#include <stdarg.h>
#include <string.h>

/* The words that open a statement: the headers, indexed by enum scn_header,
 * then those of the timed statements. */
const char *const scn_statement_words[] = {
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

const char *const scn_action_words[] = {
    "crash",   "restart",     "pause",
    "timeout", "partition",   "isolate",
    "cut",     "heal",        "set",
    "client",  "load",        "expect",
    "drift",   "settle",      "add",
    "promote", "demote",      "remove",
    "change",  "leave-joint", "transfer-leadership",
    NULL,
};

/* The changes of a membership request, indexed by enum scn_change_kind - 1
 * except that `add` covers both additions. */
const char *const scn_change_words[] = {
    "add", "promote", "demote", "remove", NULL,
};

/* `add NODE as voter|as learner`. */
const char *const scn_member_role_words[] = {"voter", "learner", NULL};

/* `change joint|joint-explicit ...`, indexed by enum scn_transition - 1. */
const char *const scn_transition_words[] = {
    "joint",
    "joint-explicit",
    NULL,
};

const char *const scn_set_words[] = {
    "drop", "duplicate", "reorder", "delay", "disk-latency", NULL,
};

/* The protocol events of `when NODE EVENT`, indexed by enum scn_event - 1. */
const char *const scn_event_words[] = {
    "grants-vote",    "acks-append",       "adopts-term", "sends-snapshot",
    "becomes-leader", "becomes-candidate", "persists",    NULL,
};

const char *const scn_client_words[] = {"set", "delete", "get", NULL};

/* The read modes, indexed by enum scn_read_mode - SCN_READ_LOG. */
const char *const scn_read_mode_words[] = {"log", "read-index", "lease", NULL};

const char *const scn_check_words[] = {
    "leader",       "no-leader",    "same-leader", "role",      "term",
    "applied",      "value",        "absent",      "converged", "completed",
    "linearizable", "no-violation", "config",      "learners",  "joint",
    "not-joint",    NULL,
};

const char *const scn_role_words[] = {
    "follower",
    "candidate",
    "leader",
    NULL,
};

const char *const scn_cmp_words[] = {"==", "!=", "<", "<=", ">", ">=", NULL};

const char *const scn_on_off_words[] = {"on", "off", NULL};

/* Words the grammar reads in place rather than through one of the tables
 * above: node references (`any`, `rest`), scopes (`on all`, `on majority`),
 * `as NAME`, `for DURATION`, `via NODE`, the groups of leader checks (`in`,
 * `among`), `init ... vote NODE log ...`, `settle within DURATION`, `crash
 * ... keeping some` and `at T when`. They are reserved like the table
 * words so that a name never reads as a keyword. */
const char *const scn_grammar_words[] = {
    "any",    "rest",  "all",  "majority", "as",      "for",  "via",
    "in",     "among", "vote", "log",      "keeping", "some", "when",
    "within", "spare", "to",   "voters",   "none",    NULL,
};

/* Every word with a meaning somewhere in the language: no name may be one.
 * scn_cmp_words is left out: no operator is shaped like a name. */
static const char *const *const reserved_tables[] = {
    scn_statement_words,   scn_action_words,     scn_set_words,
    scn_client_words,      scn_check_words,      scn_role_words,
    scn_on_off_words,      scn_grammar_words,    scn_event_words,
    scn_member_role_words, scn_transition_words, scn_read_mode_words,
};

/* ---- diagnostics and tokens ------------------------------------------- */

bool scn_parser_fail_at(struct scn_parser *p,
                        uint32_t column,
                        const char *fmt,
                        ...)
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

const struct scn_token *scn_parser_peek(const struct scn_parser *p)
{
    if (p->pos >= p->line->tokens->len) {
        return NULL;
    }
    return &g_array_index(p->line->tokens, struct scn_token, p->pos);
}

const struct scn_token *scn_parser_next(struct scn_parser *p)
{
    const struct scn_token *tok = scn_parser_peek(p);

    if (tok != NULL) {
        p->pos++;
    }
    return tok;
}

bool scn_parser_peek_is(const struct scn_parser *p, const char *word)
{
    const struct scn_token *tok = scn_parser_peek(p);

    return tok != NULL && tok->kind == SCN_TOK_WORD &&
           strcmp(tok->text, word) == 0;
}

bool scn_parser_fail_expected(struct scn_parser *p,
                              const struct scn_token *tok,
                              const char *what)
{
    if (tok == NULL) {
        return scn_parser_fail_at(p, p->line->end_column,
                                  "expected %s, found the end of the line",
                                  what);
    }
    if (tok->kind == SCN_TOK_STRING) {
        return scn_parser_fail_at(p, tok->column,
                                  "expected %s, found a quoted string", what);
    }
    return scn_parser_fail_at(p, tok->column, "expected %s, found '%s'", what,
                              tok->text);
}

const struct scn_token *scn_parser_take_word(struct scn_parser *p,
                                             const char *what)
{
    const struct scn_token *tok = scn_parser_next(p);

    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        scn_parser_fail_expected(p, tok, what);
        return NULL;
    }
    return tok;
}

int scn_parser_word_index(const char *word, const char *const *words)
{
    for (int i = 0; words[i] != NULL; i++) {
        if (strcmp(word, words[i]) == 0) {
            return i;
        }
    }
    return -1;
}

bool scn_parser_is_reserved(const char *word)
{
    for (size_t i = 0; i < G_N_ELEMENTS(reserved_tables); i++) {
        if (scn_parser_word_index(word, reserved_tables[i]) >= 0) {
            return true;
        }
    }
    return false;
}

bool scn_parser_fail_unknown(struct scn_parser *p,
                             const struct scn_token *tok,
                             const char *what,
                             const char *const *words)
{
    const char *guess = scn_lex_suggest(tok->text, words);

    if (guess != NULL) {
        return scn_parser_fail_at(p, tok->column,
                                  "unknown %s '%s'; did you mean '%s'?", what,
                                  tok->text, guess);
    }
    return scn_parser_fail_at(p, tok->column, "unknown %s '%s'", what,
                              tok->text);
}

bool scn_parser_take_keyword(struct scn_parser *p,
                             const char *what,
                             const char *const *words,
                             int *index)
{
    const struct scn_token *tok = scn_parser_take_word(p, what);

    if (tok == NULL) {
        return false;
    }
    *index = scn_parser_word_index(tok->text, words);
    if (*index < 0) {
        return scn_parser_fail_unknown(p, tok, what, words);
    }
    return true;
}

bool scn_parser_take_exact(struct scn_parser *p, const char *word)
{
    const struct scn_token *tok = scn_parser_next(p);
    char *what;
    bool ok;

    if (tok != NULL && tok->kind == SCN_TOK_WORD &&
        strcmp(tok->text, word) == 0) {
        return true;
    }
    what = g_strdup_printf("'%s'", word);
    ok = scn_parser_fail_expected(p, tok, what);
    g_free(what);
    return ok;
}

bool scn_parser_expect_end(struct scn_parser *p)
{
    const struct scn_token *tok = scn_parser_peek(p);

    if (tok == NULL) {
        return true;
    }
    if (tok->kind == SCN_TOK_STRING) {
        return scn_parser_fail_at(
            p, tok->column,
            "unexpected quoted string after the end of the "
            "statement");
    }
    return scn_parser_fail_at(p, tok->column,
                              "unexpected '%s' after the end of the statement",
                              tok->text);
}
