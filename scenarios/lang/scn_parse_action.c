/* scn_parse_action.c: what a timed statement does: its action
 * (docs/scenario-language.md, Actions and the extensions) or its check
 * (Checks).
 */
#include "scenarios/lang/scn_parser.h"

#include <string.h>

/* ---- checks ----------------------------------------------------------------
 */

static bool parse_scope(struct scn_parser *p, struct scn_scope *scope)
{
    if (!scn_parser_take_exact(p, "on")) {
        return false;
    }
    if (scn_parser_peek_is(p, "all")) {
        scn_parser_next(p);
        scope->kind = SCN_SCOPE_ALL;
        return true;
    }
    if (scn_parser_peek_is(p, "majority")) {
        scn_parser_next(p);
        scope->kind = SCN_SCOPE_MAJORITY;
        return true;
    }
    if (scn_parser_peek(p) == NULL) {
        return scn_parser_fail_expected(p, NULL,
                                        "all, majority or a list of nodes");
    }
    scope->kind = SCN_SCOPE_NODES;
    p->dup_active = true;
    return scn_read_list(p, REF_ALLOW_REST | REF_IN_CHECK, &scope->nodes);
}

/* The nodes of a configuration check after `voters` or `learners`, up to
 * the end of the line or `learners`; `none` alone (only after `learners`)
 * is the empty list. */
static bool parse_members(struct scn_parser *p,
                          const char *after,
                          struct scn_node_list *list)
{
    if (strcmp(after, "learners") == 0 && scn_parser_peek_is(p, "none")) {
        scn_parser_next(p);
        return true;
    }
    if (scn_parser_peek(p) == NULL || scn_parser_peek_is(p, "learners")) {
        return scn_parser_fail_expected(p, scn_parser_peek(p),
                                        strcmp(after, "learners") == 0
                                            ? "nodes or 'none' after 'learners'"
                                            : "nodes after 'voters'");
    }
    while (scn_parser_peek(p) != NULL && !scn_parser_peek_is(p, "learners")) {
        struct scn_node_ref ref;

        if (!scn_read_ref(p, REF_IN_CHECK, &ref)) {
            return false;
        }
        scn_node_list_append(list, &ref);
    }
    return true;
}

/* `config voters NODES [learners NODES|none]` */
static bool parse_config_check(struct scn_parser *p, struct scn_check *c)
{
    if (!scn_parser_take_exact(p, "voters")) {
        return false;
    }
    p->dup_active = true;
    if (!parse_members(p, "voters", &c->nodes)) {
        return false;
    }
    if (!scn_parser_peek_is(p, "learners")) {
        return true;
    }
    scn_parser_next(p);
    return parse_members(p, "learners", &c->learners);
}

bool scn_read_check(struct scn_parser *p, struct scn_check *c)
{
    int i;
    int role;

    if (!scn_parser_take_keyword(p, "check", scn_check_words, &i)) {
        return false;
    }
    c->kind = (enum scn_check_kind)(SCN_CHECK_LEADER + i);
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
        if (scn_parser_peek(p) == NULL) {
            return true;
        }
        if (!scn_parser_take_exact(
                p, c->kind == SCN_CHECK_LEADER ? "in" : "among")) {
            return false;
        }
        p->dup_active = true;
        return scn_read_list(p, REF_ALLOW_REST | REF_IN_CHECK, &c->nodes);
    case SCN_CHECK_ROLE:
        if (!scn_read_ref(p, REF_IN_CHECK, &c->node) ||
            !scn_parser_take_keyword(p, "role", scn_role_words, &role)) {
            return false;
        }
        c->role = (enum scn_role)(SCN_ROLE_FOLLOWER + role);
        return true;
    case SCN_CHECK_TERM:
        return scn_read_cmp(p, &c->cmp) &&
               scn_read_u64(p, "a term", &c->number);
    case SCN_CHECK_COMPLETED:
        return scn_read_cmp(p, &c->cmp) &&
               scn_read_u64(p, "a count", &c->number);
    case SCN_CHECK_APPLIED:
        return scn_read_cmp(p, &c->cmp) &&
               scn_read_u64(p, "a count", &c->number) &&
               parse_scope(p, &c->scope);
    case SCN_CHECK_VALUE:
        return scn_read_string(p, "a key", &c->key) &&
               scn_parser_take_exact(p, "=") &&
               scn_read_string(p, "a value", &c->value) &&
               parse_scope(p, &c->scope);
    case SCN_CHECK_ABSENT:
        return scn_read_string(p, "a key", &c->key) &&
               parse_scope(p, &c->scope);
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

static bool parse_via(struct scn_parser *p, struct scn_action *a)
{
    if (!scn_parser_peek_is(p, "via")) {
        return true;
    }
    scn_parser_next(p);
    a->has_via = true;
    return scn_read_ref(p, REF_ALLOW_AS, &a->via);
}

static bool parse_partition(struct scn_parser *p, struct scn_action *a)
{
    p->dup_active = true;
    p->partition = true;
    for (;;) {
        struct scn_node_list group = {0};
        const struct scn_token *tok = scn_parser_peek(p);

        if (tok == NULL || tok->kind == SCN_TOK_BAR) {
            if (a->group_count == 0 && tok == NULL) {
                return scn_parser_fail_expected(p, tok, "a node");
            }
            return scn_parser_fail_at(
                p, tok != NULL ? tok->column : p->line->end_column,
                "empty partition group");
        }
        if (!scn_read_list(p, REF_ALLOW_REST | REF_ALLOW_AS, &group)) {
            scn_node_list_clear(&group);
            return false;
        }
        a->groups =
            g_renew(struct scn_node_list, a->groups, a->group_count + 1);
        a->groups[a->group_count++] = group;
        if (scn_parser_peek(p) == NULL) {
            return true;
        }
        scn_parser_next(p); /* '|' */
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

static bool parse_cut(struct scn_parser *p, struct scn_action *a)
{
    const struct scn_token *to;

    if (!scn_read_ref(p, REF_ALLOW_AS, &a->node) ||
        !scn_parser_take_exact(p, "->")) {
        return false;
    }
    to = scn_parser_peek(p);
    if (!scn_read_ref(p, REF_ALLOW_AS, &a->peer)) {
        return false;
    }
    if (same_static_node(&a->node, &a->peer)) {
        return scn_parser_fail_at(p, to->column, "cannot cut '%s' from itself",
                                  to->text);
    }
    return true;
}

static bool parse_set(struct scn_parser *p, struct scn_action *a)
{
    int i;

    if (!scn_parser_take_keyword(p, "network parameter", scn_set_words, &i)) {
        return false;
    }
    switch (i) {
    case 0:
        a->kind = SCN_ACT_SET_DROP;
        return scn_read_probability(p, &a->probability_ppm);
    case 1:
        a->kind = SCN_ACT_SET_DUPLICATE;
        return scn_read_probability(p, &a->probability_ppm);
    case 2:
        a->kind = SCN_ACT_SET_REORDER;
        return scn_read_probability(p, &a->probability_ppm);
    case 3:
        a->kind = SCN_ACT_SET_DELAY;
        return scn_read_duration_range(p, "a delay", false, &a->delay_us_min,
                                       &a->delay_us_max);
    default:
        a->kind = SCN_ACT_SET_DISK;
        if (!scn_read_disk_latency(p, &a->disk)) {
            return false;
        }
        if (!scn_parser_peek_is(p, "on")) {
            return true;
        }
        scn_parser_next(p);
        p->dup_active = true;
        return scn_read_list(p, REF_ALLOW_AS, &a->nodes);
    }
}

/* `keeping some` or `keeping log L term T` after `crash NODE`. */
static bool parse_keeping(struct scn_parser *p, struct scn_action *a)
{
    const struct scn_token *tok;

    if (!scn_parser_peek_is(p, "keeping")) {
        return true;
    }
    scn_parser_next(p);
    tok = scn_parser_peek(p);
    if (scn_parser_peek_is(p, "some")) {
        scn_parser_next(p);
        a->keep = SCN_KEEP_SOME;
        return true;
    }
    if (!scn_parser_peek_is(p, "log")) {
        return scn_parser_fail_expected(
            p, tok, "'some' or 'log L term T' after 'keeping'");
    }
    scn_parser_next(p);
    a->keep = SCN_KEEP_COUNTS;
    return scn_read_u64(p, "a count of log writes", &a->keep_log) &&
           scn_parser_take_exact(p, "term") &&
           scn_read_u64(p, "a count of term-record writes", &a->keep_term);
}

static bool parse_client(struct scn_parser *p, struct scn_action *a)
{
    int i;

    if (!scn_parser_take_keyword(p, "client request", scn_client_words, &i)) {
        return false;
    }
    a->kind = (enum scn_action_kind)(SCN_ACT_CLIENT_SET + i);
    if (!scn_read_string(p, "a key", &a->key)) {
        return false;
    }
    if (a->kind == SCN_ACT_CLIENT_SET &&
        !scn_read_string(p, "a value", &a->value)) {
        return false;
    }
    const struct scn_token *tok = scn_parser_peek(p);
    if (a->kind == SCN_ACT_CLIENT_GET && tok != NULL &&
        tok->kind == SCN_TOK_WORD &&
        (i = scn_parser_word_index(tok->text, scn_read_mode_words)) >= 0) {
        scn_parser_next(p);
        a->read_mode = (enum scn_read_mode)(SCN_READ_LOG + i);
    }
    return parse_via(p, a);
}

/* One CHANGE: `add NODE [as voter|as learner]`, `promote NODE`, `demote
 * NODE` or `remove NODE`; NODE may bind a name (`remove leader as old`). */
static bool parse_one_change(struct scn_parser *p, struct scn_change *c)
{
    int i;
    int role;

    if (!scn_parser_take_keyword(p, "membership change", scn_change_words,
                                 &i)) {
        return false;
    }
    c->kind = i == 0 ? SCN_CHANGE_ADD : (enum scn_change_kind)(i + 2);
    if (!scn_read_ref(p, REF_ALLOW_AS | (i == 0 ? REF_ROLE_AS : 0), &c->node)) {
        return false;
    }
    if (i != 0 || !scn_parser_peek_is(p, "as")) {
        return true;
    }
    scn_parser_next(p);
    if (!scn_parser_take_keyword(p, "role ('voter' or 'learner')",
                                 scn_member_role_words, &role)) {
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
static bool parse_changes(struct scn_parser *p, struct scn_action *a, bool list)
{
    int i;

    a->kind = SCN_ACT_CHANGE;
    p->dup_active = true;
    if (list && (scn_parser_peek_is(p, "joint") ||
                 scn_parser_peek_is(p, "joint-explicit"))) {
        scn_parser_take_keyword(p, "transition", scn_transition_words, &i);
        a->transition = (enum scn_transition)(i + 1);
    }
    for (;;) {
        struct scn_change c = {0};
        const struct scn_token *tok;

        if (!parse_one_change(p, &c)) {
            return false;
        }
        append_change(a, &c);
        tok = scn_parser_peek(p);
        if (list && tok != NULL && tok->kind == SCN_TOK_WORD &&
            scn_parser_word_index(tok->text, scn_change_words) >= 0) {
            return scn_parser_fail_at(
                p, tok->column,
                "the changes of 'change' are separated by "
                "commas: write '..., %s ...'",
                tok->text);
        }
        if (!list || tok == NULL || tok->kind != SCN_TOK_COMMA) {
            return true;
        }
        scn_parser_next(p);
    }
}

/* The faults, `crash` to `heal`: action word `i` of scn_action_words. */
static bool parse_fault(struct scn_parser *p, int i, struct scn_action *a)
{
    switch (i) {
    case 0:
        a->kind = SCN_ACT_CRASH;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node) && parse_keeping(p, a);
    case 1:
        a->kind = SCN_ACT_RESTART;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node);
    case 2:
        a->kind = SCN_ACT_PAUSE;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node) &&
               scn_parser_take_exact(p, "for") &&
               scn_read_positive_duration(p, "a pause", &a->duration_us);
    case 3:
        a->kind = SCN_ACT_TIMEOUT;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node);
    case 4:
        a->kind = SCN_ACT_PARTITION;
        return parse_partition(p, a);
    case 5:
        a->kind = SCN_ACT_ISOLATE;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node);
    case 6:
        a->kind = SCN_ACT_CUT;
        return parse_cut(p, a);
    default: /* 7: heal */
        a->kind = SCN_ACT_HEAL;
        return true;
    }
}

bool scn_read_action(struct scn_parser *p, struct scn_action *a)
{
    const struct scn_token *tok = scn_parser_take_word(p, "an action");
    int i;

    if (tok == NULL) {
        return false;
    }
    i = scn_parser_word_index(tok->text, scn_action_words);
    if (i < 0) {
        if (scn_parser_word_index(tok->text, scn_set_words) >= 0) {
            return scn_parser_fail_at(
                p, tok->column,
                "'%s' is a header; to change it at a time, use "
                "'set %s'",
                tok->text, tok->text);
        }
        return scn_parser_fail_unknown(p, tok, "action", scn_action_words);
    }
    if (i <= 7) {
        return parse_fault(p, i, a);
    }
    switch (i) {
    case 8:
        return parse_set(p, a);
    case 9:
        return parse_client(p, a);
    case 10:
        a->kind = SCN_ACT_LOAD;
        return scn_read_load_size(p, a) && scn_parser_take_exact(p, "for") &&
               scn_read_positive_duration(p, "a load duration",
                                          &a->duration_us) &&
               parse_via(p, a);
    case 11:
        a->kind = SCN_ACT_EXPECT;
        return scn_read_check(p, &a->check);
    case 12:
        a->kind = SCN_ACT_DRIFT;
        return scn_read_ref(p, REF_ALLOW_AS, &a->node) &&
               scn_read_drift_rate(p, &a->rate_ppm);
    case 13:
        a->kind = SCN_ACT_SETTLE;
        if (!scn_parser_peek_is(p, "within")) {
            return true;
        }
        scn_parser_next(p);
        return scn_read_positive_duration(p, "a settle bound", &a->duration_us);
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
        return scn_parser_take_exact(p, "to") &&
               scn_read_ref(p, REF_ALLOW_AS, &a->node);
    }
}
