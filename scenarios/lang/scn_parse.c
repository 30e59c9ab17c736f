/* scn_parse.c: the parser's entry points: a whole input read line by line,
 * each line a header (scn_parse_header.c) or a timed statement (here, with
 * its action or check from scn_parse_action.c), then the rules that need
 * the whole file.
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
#include <stdio.h>
#include <string.h>

#include "scenarios/lang/scn_parser.h"

/* ---- timed statements ---------------------------------------------------- */

static void commit_names(struct scn_parser *p);

/* `when SUBJECT [as NAME] EVENT` before a triggered action. The subject's
 * name is bound from here on, so the action can use it. */
static bool parse_trigger(struct scn_parser *p, struct scn_step *st)
{
    const struct scn_token *tok;
    int i;

    scn_parser_next(p); /* when */
    tok = scn_parser_peek(p);
    if (!scn_read_ref(p, REF_ALLOW_AS, &st->subject)) {
        return false;
    }
    if (st->subject.kind == SCN_REF_ANY && st->subject.optional) {
        return scn_parser_fail_at(
            p, tok->column,
            "'any?' cannot wait: after 'when', 'any' already "
            "means whichever node does it first");
    }
    if (!scn_parser_take_keyword(p, "protocol event", scn_event_words, &i)) {
        return false;
    }
    st->event = (enum scn_event)(i + 1);
    st->triggered = true;
    commit_names(p);
    g_array_set_size(p->pending, 0);
    g_array_set_size(p->refs, 0);
    tok = scn_parser_peek(p);
    if (tok == NULL) {
        return scn_parser_fail_expected(p, tok, "an action");
    }
    if (scn_parser_peek_is(p, "expect") || scn_parser_peek_is(p, "settle")) {
        return scn_parser_fail_at(
            p, tok->column, "'when' runs an action; '%s' cannot follow it",
            tok->text);
    }
    return true;
}

/* Reads `T` or `A..B` from `tok` into the step's times. */
static bool parse_when(struct scn_parser *p,
                       const struct scn_token *tok,
                       struct scn_step *st,
                       bool *window)
{
    const char *t = tok->text;
    const char *dots = strstr(t, "..");

    *window = dots != NULL;
    if (dots == NULL) {
        if (!scn_read_duration_text(p, t, strlen(t), tok->column, "a time",
                                    &st->time_us)) {
            return false;
        }
        st->end_us = st->time_us;
        return true;
    }
    if (!scn_read_duration_text(p, t, (size_t)(dots - t), tok->column,
                                "a window start", &st->time_us) ||
        !scn_read_duration_text(
            p, dots + 2, strlen(dots + 2),
            tok->column + scn_lex_columns(t, (size_t)(dots - t)) + 2,
            "a window end", &st->end_us)) {
        return false;
    }
    if (st->time_us > st->end_us) {
        return scn_parser_fail_at(
            p, tok->column,
            "empty window '%s': the end must be after the start", t);
    }
    if (st->time_us == st->end_us) {
        return scn_parser_fail_at(
            p, tok->column,
            "empty window '%s': the end must be after the start "
            "(for one instant, use 'at %.*s expect ...')",
            t, (int)(dots - t), t);
    }
    return true;
}

/* Times must not go backwards and must lie within the run. */
static bool check_time_order(struct scn_parser *p,
                             const struct scn_token *tok,
                             const struct scn_step *st)
{
    if (p->have_time && st->time_us < p->last_time_us) {
        char *now = scn_parser_duration_text(st->time_us);
        char *before = scn_parser_duration_text(p->last_time_us);

        scn_parser_fail_at(
            p, tok->column,
            "time %s is before the time of the previous statement (%s, "
            "line %u); statements must be in time order",
            now, before, (unsigned)p->last_time_line);
        g_free(now);
        g_free(before);
        return false;
    }
    if (!p->run_failed && st->end_us > p->s->run_us) {
        char *when = scn_parser_duration_text(st->end_us);
        char *run = scn_parser_duration_text(p->s->run_us);

        scn_parser_fail_at(
            p, tok->column,
            "time %s is after the end of the run (%s); see 'run'", when, run);
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
static bool fail_spaced_window(struct scn_parser *p,
                               const struct scn_token *first,
                               const struct scn_token *tok)
{
    const struct scn_token *after = scn_parser_peek(p);
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
    scn_parser_fail_at(p, tok->column,
                       "a window has no spaces: write '%s %.*s..%s'",
                       first->text, (int)start_len, start, end);
    return true;
}

static bool parse_timed(struct scn_parser *p,
                        const struct scn_token *first,
                        struct scn_step *st)
{
    bool during = strcmp(first->text, "during") == 0;
    const struct scn_token *tok = scn_parser_take_word(p, "a time");
    bool window;

    if (tok != NULL && fail_spaced_window(p, first, tok)) {
        return false;
    }
    if (tok == NULL || !parse_when(p, tok, st, &window)) {
        return false;
    }
    if (during && !window) {
        return scn_parser_fail_at(p, tok->column,
                                  "'during' needs a window 'A..B', found '%s'",
                                  tok->text);
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
        const struct scn_token *act = scn_parser_peek(p);

        if (scn_parser_peek_is(p, "when")) {
            return scn_parser_fail_at(
                p, act->column,
                "'when' waits from one time: write 'at T when "
                "...', not a window");
        }
        if (act != NULL && act->kind == SCN_TOK_WORD &&
            strcmp(act->text, "expect") != 0 &&
            scn_parser_word_index(act->text, scn_action_words) >= 0) {
            return scn_parser_fail_at(
                p, act->column,
                "a window 'A..B' only takes 'expect', found '%s'", act->text);
        }
        if (!scn_parser_take_exact(p, "expect")) {
            return false;
        }
        st->action.kind = SCN_ACT_EXPECT;
        if (!scn_read_check(p, &st->action.check)) {
            return false;
        }
    } else if (scn_parser_peek_is(p, "when") && !parse_trigger(p, st)) {
        return false;
    } else if (!scn_read_action(p, &st->action)) {
        return false;
    }
    if (st->action.kind == SCN_ACT_EXPECT &&
        st->action.check.kind == SCN_CHECK_SAME_LEADER &&
        st->when != SCN_WHEN_ALWAYS) {
        return scn_parser_fail_at(
            p, first->column,
            "'same-leader' holds over a window: use 'during A..B "
            "expect same-leader'");
    }
    return scn_parser_expect_end(p);
}

/* ---- lines and files ----------------------------------------------------- */

static void commit_names(struct scn_parser *p)
{
    for (guint i = 0; i < p->pending->len; i++) {
        struct scn_pending_name *pn =
            &g_array_index(p->pending, struct scn_pending_name, i);
        uint32_t line = p->line->number;

        g_ptr_array_add(p->s->names, pn->name);
        g_hash_table_insert(p->name_slots, pn->name,
                            GINT_TO_POINTER((gint)p->s->names->len));
        g_array_append_val(p->name_lines, line);
        pn->name = NULL;
    }
}

static void reset_statement(struct scn_parser *p, const struct scn_line *line)
{
    for (guint i = 0; i < p->pending->len; i++) {
        g_free(g_array_index(p->pending, struct scn_pending_name, i).name);
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
    struct scn_parser *p = ctx;
    const struct scn_token *first;
    int h;

    if (p->diags->len >= SCN_DIAGS_MAX) {
        return;
    }
    reset_statement(p, line);
    first = scn_parser_next(p);
    if (first->kind != SCN_TOK_WORD) {
        scn_parser_fail_expected(p, first, "a statement");
        return;
    }
    h = scn_parser_word_index(first->text, scn_statement_words);
    if (h >= 0 && h < HDR_COUNT) {
        scn_read_header(p, first, (enum scn_header)h);
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
    if (scn_parser_word_index(first->text, scn_action_words) >= 0) {
        scn_parser_fail_at(p, first->column,
                           "'%s' needs a time: write 'at T %s ...'",
                           first->text, first->text);
        return;
    }
    scn_parser_fail_unknown(p, first, "statement", scn_statement_words);
}

/* `init` gives a durable state to a voter only: spares start empty. */
static void check_spare_inits(struct scn_parser *p)
{
    for (guint i = 0; i < p->s->inits->len; i++) {
        const struct scn_init *in = g_ptr_array_index(p->s->inits, i);

        if (in->node > p->s->cluster && in->node <= scn_scenario_nodes(p->s)) {
            scn_diags_add(p->diags, p->file, in->line, in->column,
                          "node 'n%u' is a spare: spares start empty and "
                          "outside the configuration, so they take no "
                          "'init'",
                          (unsigned)in->node);
        }
    }
}

static void check_node_ranges(struct scn_parser *p)
{
    uint32_t n = scn_scenario_nodes(p->s);

    check_spare_inits(p);
    for (guint i = 0; i < p->node_uses->len; i++) {
        const struct scn_node_use *u =
            &g_array_index(p->node_uses, struct scn_node_use, i);

        if (u->id <= n) {
            continue;
        }
        if (p->s->spare > 0) {
            scn_diags_add(p->diags, p->file, u->line, u->column,
                          "node 'n%" G_GUINT64_FORMAT
                          "' is out of range: the cluster has %u nodes and "
                          "%u spare%s (n1..n%u)",
                          u->id, (unsigned)p->s->cluster, (unsigned)p->s->spare,
                          p->s->spare == 1 ? "" : "s", (unsigned)n);
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
    struct scn_parser p = {0};
    struct scn_line no_line = {0};
    bool stopped;

    *out = NULL;
    p.file = name != NULL ? name : "<input>";
    p.diags = scn_diags_new();
    p.s = scn_scenario_new(p.file);
    p.name_slots = g_hash_table_new(g_str_hash, g_str_equal);
    p.name_lines = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    p.node_uses = g_array_new(FALSE, FALSE, sizeof(struct scn_node_use));
    p.pending = g_array_new(FALSE, FALSE, sizeof(struct scn_pending_name));
    p.refs = g_array_new(FALSE, FALSE, sizeof(struct scn_static_ref));

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
