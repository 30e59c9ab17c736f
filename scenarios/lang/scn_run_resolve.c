/* scn_run_resolve.c: a statement's node references resolved when it runs
 * (docs/scenario-language.md, Node references): `leader`, `follower`,
 * `any` drawn from the statement's own stream, `rest`, names bound by `as`;
 * a `?` reference that finds nothing skips the statement.
 */
#include "scenarios/lang/scn_runner.h"
#include "sim/sim_hash.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>


/* ---- node references ----------------------------------------------------- */

size_t scn_runner_step_slot(const struct scn_step *step, size_t mask)
{
    return sim_hash_mix((uint64_t)(uintptr_t)step) & mask;
}

uint64_t scn_runner_step_key(const struct scn_runner *r,
                             const struct scn_step *step)
{
    size_t mask = r->key_cap - 1;
    for (size_t i = scn_runner_step_slot(step, mask);; i = (i + 1) & mask) {
        uint32_t at = r->key_slots[i];
        g_assert(at != 0); /* every step that may draw has its key */
        if (g_ptr_array_index(r->sc->steps, at - 1) == step)
            return r->keys[at - 1];
    }
}

void scn_runner_stmt_init(const struct scn_runner *r,
                          struct scn_stmt *m,
                          const struct scn_step *step)
{
    (void)r;
    m->rng_seeded = false;
    memset(m->named, 0, sizeof(m->named));
    m->step = step;
    m->status = STMT_OK;
    m->why = NULL;
    m->bindings = NULL;
}

void scn_runner_stmt_clear(struct scn_stmt *m)
{
    if (m->why != NULL)
        g_string_free(m->why, TRUE);
    if (m->bindings != NULL)
        g_array_free(m->bindings, TRUE);
}

/* Why the statement cannot run ("" before a reason is given). */
static const char *stmt_why(const struct scn_stmt *m)
{
    return m->why != NULL ? m->why->str : "";
}

/* Notes the first reason a statement cannot run; later ones are dropped. */
static void stmt_stop(struct scn_stmt *m,
                      enum scn_stmt_status status,
                      const char *fmt,
                      ...) G_GNUC_PRINTF(3, 4);

static void stmt_stop(struct scn_stmt *m,
                      enum scn_stmt_status status,
                      const char *fmt,
                      ...)
{
    if (m->status != STMT_OK)
        return;
    m->status = status;
    m->why = g_string_new(NULL);
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(m->why, fmt, ap);
    va_end(ap);
}

/* Draws one live node not yet named in the statement, excluding `except`
 * (0: none), from the statement's own stream; 0 when there is none. */
static uint32_t draw_node(struct scn_runner *r,
                          struct scn_stmt *m,
                          uint32_t except)
{
    uint32_t n = sim_n_nodes(r->s);
    uint32_t candidates[SCN_CLUSTER_MAX];
    uint32_t count = 0;
    /* Only members of the configuration: a spare or a removed node is
     * neither a follower nor one of the cluster's nodes. */
    bool member[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    for (uint32_t id = 1; id <= n; id++)
        if (sim_alive(r->s, id) && member[id] && !scn_stmt_named(m, id) && id != except)
            candidates[count++] = id;
    if (count == 0)
        return 0;
    if (!m->rng_seeded) {
        sim_rng_seed_key(&m->rng, sim_rng_key(r->ref_key,
                                              scn_runner_step_key(r, m->step)));
        m->rng_seeded = true;
    }
    return candidates[sim_rng_below(&m->rng, count)];
}

uint32_t scn_runner_resolve_one(struct scn_runner *r,
                                struct scn_stmt *m,
                                const struct scn_node_ref *ref)
{
    uint32_t node = 0;
    switch (ref->kind) {
    case SCN_REF_NODE:
        node = ref->node;
        break;
    case SCN_REF_LEADER:
        node = sim_current_leader(r->s);
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a leader, found none (highest term %" PRIu64
                      ")",
                      sim_max_term(r->s));
        break;
    case SCN_REF_FOLLOWER:
        node = draw_node(r, m, sim_current_leader(r->s));
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a live follower not named before, found "
                      "none");
        break;
    case SCN_REF_ANY:
        node = draw_node(r, m, 0);
        if (node == 0)
            stmt_stop(m, ref->optional ? STMT_SKIP : STMT_FAIL,
                      "expected a live node not named before, found none");
        break;
    case SCN_REF_NAME: {
        const struct scn_slot *sl = &r->slots[ref->slot];
        const char *name = g_ptr_array_index(r->sc->names, ref->slot);
        if (sl->state == SLOT_BOUND)
            node = sl->node;
        else
            stmt_stop(m, STMT_SKIP, "%s names nothing (bound by a %s)", name,
                      sl->state == SLOT_NOTHING
                          ? "skipped statement"
                          : "statement that failed or a 'when' that has not "
                            "fired");
        break;
    }
    case SCN_REF_REST:
        break;
    }
    if (node == 0)
        return 0;
    scn_stmt_name(m, node);
    if (ref->bind_slot != SCN_NO_SLOT) {
        struct scn_binding b = {.slot = ref->bind_slot, .node = node};
        if (m->bindings == NULL)
            m->bindings = g_array_new(FALSE, FALSE, sizeof(b));
        g_array_append_val(m->bindings, b);
    }
    return node;
}

bool scn_runner_resolve_list(struct scn_runner *r,
                             struct scn_stmt *m,
                             const struct scn_node_list *list,
                             GArray *out)
{
    for (size_t i = 0; i < list->count; i++) {
        const struct scn_node_ref *ref = &list->refs[i];
        if (ref->kind == SCN_REF_REST) {
            uint32_t n = sim_n_nodes(r->s);
            for (uint32_t id = 1; id <= n; id++) {
                if (!scn_stmt_named(m, id)) {
                    scn_stmt_name(m, id);
                    g_array_append_val(out, id);
                }
            }
            continue;
        }
        uint32_t node = scn_runner_resolve_one(r, m, ref);
        if (node == 0)
            return false;
        g_array_append_val(out, node);
    }
    return true;
}

void scn_runner_bind_names(struct scn_runner *r, struct scn_stmt *m)
{
    if (m->status == STMT_OK) {
        for (guint i = 0; m->bindings != NULL && i < m->bindings->len; i++) {
            const struct scn_binding *b =
                &g_array_index(m->bindings, struct scn_binding, i);
            r->slots[b->slot].state = SLOT_BOUND;
            r->slots[b->slot].node = b->node;
        }
        return;
    }
    const struct scn_action *a = &m->step->action;
    const struct scn_node_ref *single[] = {&a->node, &a->peer, &a->via};
    for (size_t i = 0; i < G_N_ELEMENTS(single); i++) {
        if (single[i]->bind_slot != SCN_NO_SLOT) {
            r->slots[single[i]->bind_slot].state = SLOT_NOTHING;
            r->slots[single[i]->bind_slot].node = 0;
        }
    }
    for (size_t g = 0; g < a->group_count; g++) {
        for (size_t i = 0; i < a->groups[g].count; i++) {
            int32_t slot = a->groups[g].refs[i].bind_slot;
            if (slot != SCN_NO_SLOT) {
                r->slots[slot].state = SLOT_NOTHING;
                r->slots[slot].node = 0;
            }
        }
    }
    for (size_t i = 0; i < a->change_count; i++) {
        int32_t slot = a->changes[i].node.bind_slot;
        if (slot != SCN_NO_SLOT) {
            r->slots[slot].state = SLOT_NOTHING;
            r->slots[slot].node = 0;
        }
    }
}

void scn_runner_report_unrun(struct scn_runner *r,
                             struct scn_stmt *m,
                             bool is_check)
{
    GString *t = g_string_new(NULL);
    if (m->status == STMT_SKIP) {
        g_string_printf(t, "line %" PRIu32 " skipped: %s", m->step->line,
                        stmt_why(m));
        sim_note(r->s, 0, t->str);
        if (is_check)
            r->res->checks_skipped++;
        else
            r->res->actions_skipped++;
    } else {
        if (is_check)
            r->res->checks_failed++;
        g_string_printf(t, "line %" PRIu32 ": %s", m->step->line, stmt_why(m));
        sim_note(r->s, 0, t->str);
        scn_runner_add_failure(
            r, is_check ? SCN_FAILURE_CHECK : SCN_FAILURE_ACTION, m->step,
            stmt_why(m));
    }
    g_string_free(t, TRUE);
}
