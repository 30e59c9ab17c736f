/* scn_parse_ref.c: node references (docs/scenario-language.md, Node
 * references): node ids, names bound by `as`, `leader`, `follower`, `any`,
 * `rest` and lists of them, with duplicates refused within a statement.
 */
#include "scenarios/lang/scn_parser.h"

#include <string.h>

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

static int32_t name_slot(const struct scn_parser *p, const char *name)
{
    gpointer v = g_hash_table_lookup(p->name_slots, name);

    return v == NULL ? SCN_NO_SLOT : (int32_t)(GPOINTER_TO_INT(v) - 1);
}

static const struct scn_pending_name *pending_find(const struct scn_parser *p,
                                                   const char *name)
{
    for (guint i = 0; i < p->pending->len; i++) {
        const struct scn_pending_name *pn =
            &g_array_index(p->pending, struct scn_pending_name, i);

        if (strcmp(pn->name, name) == 0) {
            return pn;
        }
    }
    return NULL;
}

/* Records an nK for the range check once the cluster size is known. */
static bool use_node(struct scn_parser *p,
                     const struct scn_token *tok,
                     uint64_t id)
{
    struct scn_node_use use = {
        .id = id, .line = p->line->number, .column = tok->column};

    if (id == 0) {
        return scn_parser_fail_at(
            p, tok->column,
            "node 'n0' does not exist: nodes are numbered from n1");
    }
    g_array_append_val(p->node_uses, use);
    return true;
}

/* Rejects a static reference named twice in the current list(s). */
static bool check_duplicate(struct scn_parser *p,
                            const struct scn_token *tok,
                            const struct scn_node_ref *ref)
{
    struct scn_static_ref sr = {
        .kind = ref->kind,
        .id = ref->kind == SCN_REF_NODE ? ref->node : (uint64_t)ref->slot,
        .group = p->group,
        .text = tok->text,
    };

    if (ref->kind != SCN_REF_NODE && ref->kind != SCN_REF_NAME) {
        return true;
    }
    for (guint i = 0; p->dup_active && i < p->refs->len; i++) {
        const struct scn_static_ref *o =
            &g_array_index(p->refs, struct scn_static_ref, i);

        if (o->kind != sr.kind || o->id != sr.id) {
            continue;
        }
        if (p->partition && o->group != sr.group) {
            return scn_parser_fail_at(p, tok->column,
                                      "node '%s' is in two partition groups",
                                      tok->text);
        }
        return scn_parser_fail_at(p, tok->column, "'%s' is named twice",
                                  tok->text);
    }
    g_array_append_val(p->refs, sr);
    return true;
}

static bool parse_binding(struct scn_parser *p,
                          const struct scn_token *ref_tok,
                          struct scn_node_ref *ref,
                          unsigned flags)
{
    const struct scn_token *as = scn_parser_next(p);
    const struct scn_token *tok;
    const struct scn_pending_name *pn;
    struct scn_pending_name add;
    int32_t slot;
    bool leading_zero;
    uint64_t id;

    if (flags & REF_IN_CHECK) {
        return scn_parser_fail_at(p, as->column,
                                  "'as' cannot bind a name in a check");
    }
    if (!(flags & REF_ALLOW_AS)) {
        return scn_parser_fail_at(p, as->column,
                                  "'as' cannot bind a name here");
    }
    if (ref->kind == SCN_REF_NAME || ref->kind == SCN_REF_REST) {
        return scn_parser_fail_at(
            p, as->column,
            "'as' needs a node, leader, follower or any before "
            "it, not '%s'",
            ref_tok->text);
    }
    tok = scn_parser_take_word(p, "a name after 'as'");
    if (tok == NULL) {
        return false;
    }
    if (scn_parser_is_reserved(tok->text)) {
        return scn_parser_fail_at(p, tok->column, "name '%s' is a keyword",
                                  tok->text);
    }
    if (node_form(tok->text, &leading_zero, &id)) {
        return scn_parser_fail_at(
            p, tok->column, "name '%s' looks like a node name", tok->text);
    }
    if (!is_name_shaped(tok->text)) {
        return scn_parser_fail_at(
            p, tok->column,
            "name '%s' must be a lower-case word: a letter, then "
            "letters, digits or '_'",
            tok->text);
    }
    slot = name_slot(p, tok->text);
    if (slot != SCN_NO_SLOT) {
        return scn_parser_fail_at(
            p, tok->column, "name '%s' is already bound at line %u", tok->text,
            (unsigned)g_array_index(p->name_lines, uint32_t, slot));
    }
    pn = pending_find(p, tok->text);
    if (pn != NULL) {
        return scn_parser_fail_at(
            p, tok->column, "name '%s' is already bound in this statement",
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
static const char **ref_candidates(const struct scn_parser *p)
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

static bool fail_unknown_ref(struct scn_parser *p, const struct scn_token *tok)
{
    const char **candidates = ref_candidates(p);
    const char *guess = scn_lex_suggest(tok->text, candidates);
    bool ok;

    if (strcmp(tok->text, "all") == 0 || strcmp(tok->text, "majority") == 0) {
        /* The scopes of per-node checks are not nodes (`restart all`). */
        ok = scn_parser_fail_at(
            p, tok->column,
            "'%s' is not a node but the scope of a check "
            "('expect ... on %s'); name the nodes instead (nK, "
            "leader, any or a bound name), one statement per node "
            "for an action that takes one",
            tok->text, tok->text);
    } else if (guess != NULL) {
        ok = scn_parser_fail_at(p, tok->column,
                                "unknown node '%s'; did you mean '%s'?",
                                tok->text, guess);
    } else if (is_name_shaped(tok->text)) {
        ok = scn_parser_fail_at(
            p, tok->column, "unbound name '%s': bind it first with 'REF as %s'",
            tok->text, tok->text);
    } else {
        ok = scn_parser_fail_expected(p, tok, "a node");
    }
    g_free(candidates);
    return ok;
}

/* Whether the tokens at hand are `as voter` or `as learner`. */
static bool role_as_follows(const struct scn_parser *p)
{
    const struct scn_token *role;

    if (!scn_parser_peek_is(p, "as") || p->pos + 1 >= p->line->tokens->len) {
        return false;
    }
    role = &g_array_index(p->line->tokens, struct scn_token, p->pos + 1);
    return role->kind == SCN_TOK_WORD &&
           scn_parser_word_index(role->text, scn_member_role_words) >= 0;
}

/* Sets ref's kind (and its node or slot) from `base`, the token's text
 * without its `?` (borrowed), as the place's `flags` allow. */
static bool classify_ref(struct scn_parser *p,
                         const struct scn_token *tok,
                         const char *base,
                         unsigned flags,
                         struct scn_node_ref *ref)
{
    bool leading_zero;
    uint64_t id;

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
        if (close) {
            return fail_unknown_ref(p, tok);
        }
        return scn_parser_fail_at(
            p, tok->column,
            "'?' can only follow leader, follower or any, not "
            "'%s'",
            tok->text);
    } else if (strcmp(base, "rest") == 0) {
        if (!(flags & REF_ALLOW_REST)) {
            return scn_parser_fail_at(
                p, tok->column,
                "'rest' stands for several nodes; one node is "
                "needed here");
        }
        ref->kind = SCN_REF_REST;
        p->rest_seen = true;
    } else if (node_form(base, &leading_zero, &id)) {
        if (leading_zero) {
            return scn_parser_fail_at(
                p, tok->column, "malformed node name '%s': no leading zeros",
                tok->text);
        }
        if (!use_node(p, tok, id)) {
            return false;
        }
        ref->kind = SCN_REF_NODE;
        ref->node = id > UINT32_MAX ? UINT32_MAX : (uint32_t)id;
    } else if (name_slot(p, base) != SCN_NO_SLOT) {
        ref->kind = SCN_REF_NAME;
        ref->slot = name_slot(p, base);
    } else if (pending_find(p, base) != NULL) {
        return scn_parser_fail_at(
            p, tok->column,
            "name '%s' is bound in this same statement; it can "
            "be used from the next statement on",
            tok->text);
    } else {
        return fail_unknown_ref(p, tok);
    }
    return true;
}

bool scn_read_ref(struct scn_parser *p,
                  unsigned flags,
                  struct scn_node_ref *ref)
{
    const struct scn_token *tok = scn_parser_next(p);
    char *base;
    size_t len;
    bool ok;

    *ref = (struct scn_node_ref){.slot = SCN_NO_SLOT, .bind_slot = SCN_NO_SLOT};
    if (tok == NULL || tok->kind != SCN_TOK_WORD) {
        return scn_parser_fail_expected(p, tok, "a node");
    }
    if (p->rest_seen) {
        return scn_parser_fail_at(
            p, tok->column,
            "'%s' follows 'rest': 'rest' must be the last node of "
            "a statement",
            tok->text);
    }
    len = strlen(tok->text);
    ref->optional = len > 1 && tok->text[len - 1] == '?';
    base = g_strndup(tok->text, ref->optional ? len - 1 : len);
    ok = classify_ref(p, tok, base, flags, ref);
    g_free(base);
    if (!ok || !check_duplicate(p, tok, ref)) {
        return false;
    }
    if (scn_parser_peek_is(p, "as") &&
        !((flags & REF_ROLE_AS) && role_as_follows(p))) {
        return parse_binding(p, tok, ref, flags);
    }
    return true;
}

bool scn_read_list(struct scn_parser *p,
                   unsigned flags,
                   struct scn_node_list *list)
{
    do {
        struct scn_node_ref ref;

        if (!scn_read_ref(p, flags, &ref)) {
            return false;
        }
        scn_node_list_append(list, &ref);
    } while (scn_parser_peek(p) != NULL &&
             scn_parser_peek(p)->kind != SCN_TOK_BAR);
    return true;
}
