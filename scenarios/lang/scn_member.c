/* scn_member.c: operator actions and configuration checks of a scenario
 * (scn_member.h). Invariant: a request's trace text is the statement's
 * canonical action with every reference resolved, so a reader of the trace
 * sees which node was meant ("remove n3" for `remove leader`). */
#include "scenarios/lang/scn_member.h"

#include <inttypes.h>
#include <string.h>

static enum raft_change_type change_type(enum scn_change_kind kind)
{
    /* `promote` and `demote` reach the core as such, which refuses them
     * (RAFT_EINVAL) for a node not in the role they change. */
    switch (kind) {
    case SCN_CHANGE_ADD:
        return RAFT_ADD_VOTER;
    case SCN_CHANGE_PROMOTE:
        return RAFT_PROMOTE;
    case SCN_CHANGE_ADD_LEARNER:
        return RAFT_ADD_LEARNER;
    case SCN_CHANGE_DEMOTE:
        return RAFT_DEMOTE;
    case SCN_CHANGE_REMOVE:
        break;
    }
    return RAFT_REMOVE;
}

static enum raft_transition transition(enum scn_transition t)
{
    switch (t) {
    case SCN_TRANSITION_JOINT:
        return RAFT_TRANSITION_JOINT;
    case SCN_TRANSITION_JOINT_EXPLICIT:
        return RAFT_TRANSITION_JOINT_EXPLICIT;
    case SCN_TRANSITION_AUTO:
        break;
    }
    return RAFT_TRANSITION_AUTO;
}

/* The request as the statement wrote it, nodes resolved. */
static void change_text(const struct scn_action *a,
                        const uint32_t *nodes,
                        GString *out)
{
    bool alone = a->change_count == 1 && a->transition == SCN_TRANSITION_AUTO;
    if (!alone) {
        g_string_append(out, "change");
        if (a->transition != SCN_TRANSITION_AUTO)
            g_string_append_printf(out, " %s",
                                   scn_transition_name(a->transition));
    }
    for (size_t i = 0; i < a->change_count; i++) {
        g_string_append(out, alone ? "" : (i > 0 ? ", " : " "));
        g_string_append_printf(out, "%s n%" PRIu32,
                               scn_change_kind_name(a->changes[i].kind),
                               nodes[i]);
        if (a->changes[i].kind == SCN_CHANGE_ADD_LEARNER)
            g_string_append(out, " as learner");
    }
}

int scn_member_change(struct sim *s,
                      const struct scn_action *a,
                      const uint32_t *nodes)
{
    if (a->kind == SCN_ACT_LEAVE_JOINT)
        return sim_operator_change(s, NULL, 0, RAFT_TRANSITION_AUTO,
                                   "leave-joint", NULL);
    g_assert(a->kind == SCN_ACT_CHANGE && a->change_count > 0);
    struct raft_change *changes = g_new(struct raft_change, a->change_count);
    for (size_t i = 0; i < a->change_count; i++) {
        changes[i].type = change_type(a->changes[i].kind);
        changes[i].id = nodes[i];
    }
    GString *text = g_string_new(NULL);
    change_text(a, nodes, text);
    int rc = sim_operator_change(s, changes, a->change_count,
                                 transition(a->transition), text->str, NULL);
    g_string_free(text, TRUE);
    g_free(changes);
    return rc;
}

/* "{n1,n2}" for ids[0..n), in the order given. */
static void append_ids(GString *out, const uint64_t *ids, size_t n)
{
    g_string_append_c(out, '{');
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(out, "%sn%" PRIu64, i ? "," : "", ids[i]);
    g_string_append_c(out, '}');
}

static void append_nodes(GString *out, const GArray *nodes)
{
    g_string_append_c(out, '{');
    for (guint i = 0; nodes && i < nodes->len; i++)
        g_string_append_printf(out, "%sn%" PRIu32, i ? "," : "",
                               g_array_index(nodes, uint32_t, i));
    g_string_append_c(out, '}');
}

/* Whether ids[0..n) and nodes hold the same set (neither repeats a node). */
static bool same_set(const uint64_t *ids, size_t n, const GArray *nodes)
{
    guint len = nodes ? nodes->len : 0;
    if (n != len)
        return false;
    for (guint i = 0; i < len; i++) {
        uint64_t want = g_array_index(nodes, uint32_t, i);
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = ids[k] == want;
        if (!found)
            return false;
    }
    return true;
}

/* "n1 leads with voters {..} [outgoing {..}] learners {..}". */
static void describe_found(uint32_t leader,
                           const struct raft_configuration *conf,
                           GString *found)
{
    g_string_append_printf(found, "n%" PRIu32 " leads with voters ", leader);
    append_ids(found, conf->voters, conf->n_voters);
    if (conf->n_outgoing) {
        g_string_append(found, " (joint, outgoing ");
        append_ids(found, conf->outgoing, conf->n_outgoing);
        g_string_append_c(found, ')');
    }
    g_string_append(found, " learners ");
    append_ids(found, conf->learners, conf->n_learners);
}

bool scn_member_eval(const struct sim *s,
                     const struct scn_check *c,
                     const GArray *voters,
                     const GArray *learners,
                     GString *found)
{
    uint32_t leader = sim_current_leader(s);
    struct raft_configuration conf;
    uint64_t index;
    if (leader == 0 || !sim_node_config(s, leader, &conf, &index)) {
        g_string_append_printf(found,
                               "no leader to ask (highest term %" PRIu64 ")",
                               sim_max_term(s));
        return false;
    }
    bool ok = false;
    switch (c->kind) {
    case SCN_CHECK_CONFIG:
        ok = same_set(conf.voters, conf.n_voters, voters) &&
             same_set(conf.learners, conf.n_learners, learners);
        break;
    case SCN_CHECK_LEARNERS:
        ok = same_set(conf.learners, conf.n_learners, learners);
        break;
    case SCN_CHECK_JOINT:
        ok = conf.n_outgoing > 0;
        break;
    case SCN_CHECK_NOT_JOINT:
        ok = conf.n_outgoing == 0;
        break;
    default:
        g_assert_not_reached();
    }
    if (!ok)
        describe_found(leader, &conf, found);
    return ok;
}

void scn_member_describe(const struct scn_check *c,
                         const GArray *voters,
                         const GArray *learners,
                         GString *out)
{
    switch (c->kind) {
    case SCN_CHECK_CONFIG:
        g_string_append(out, "the leader's configuration to be voters ");
        append_nodes(out, voters);
        g_string_append(out, " learners ");
        append_nodes(out, learners);
        break;
    case SCN_CHECK_LEARNERS:
        g_string_append(out, "the leader's configuration to have learners ");
        append_nodes(out, learners);
        break;
    case SCN_CHECK_JOINT:
        g_string_append(out, "the leader's configuration to be joint");
        break;
    case SCN_CHECK_NOT_JOINT:
        g_string_append(out, "the leader's configuration not to be joint");
        break;
    default:
        g_assert_not_reached();
    }
}
