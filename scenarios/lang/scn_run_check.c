/* scn_run_check.c: judging checks (docs/scenario-language.md, Checks): an
 * instant check at its time, a window after every engine event until it
 * ends, each failure reported with what was expected and what was found.
 */
#include "scenarios/lang/scn_runner.h"

#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_member.h"
#include "scenarios/lang/scn_print.h"
#include "sim/sim_time_text.h"

/* ---- checks -------------------------------------------------------------- */

static void resolved_clear(struct scn_resolved_check *rc)
{
    if (rc->nodes)
        g_array_free(rc->nodes, TRUE);
    if (rc->scope_nodes)
        g_array_free(rc->scope_nodes, TRUE);
    if (rc->learners)
        g_array_free(rc->learners, TRUE);
    memset(rc, 0, sizeof(*rc));
}

void scn_runner_judged_free(void *p)
{
    struct scn_judged *j = p;
    resolved_clear(&j->rc);
    g_free(j);
}

/* Resolves the references of `check`; false when the statement cannot run
 * (m says why). */
static bool resolve_check(struct scn_runner *r,
                          struct scn_stmt *m,
                          const struct scn_check *check,
                          struct scn_resolved_check *rc)
{
    rc->check = check;
    rc->nodes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    rc->scope_nodes = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    rc->learners = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    if (!scn_runner_resolve_list(r, m, &check->nodes, rc->nodes) ||
        !scn_runner_resolve_list(r, m, &check->learners, rc->learners))
        return false;
    if (check->kind == SCN_CHECK_ROLE) {
        rc->node = scn_runner_resolve_one(r, m, &check->node);
        if (rc->node == 0)
            return false;
    }
    if (check->scope.kind == SCN_SCOPE_NODES &&
        !scn_runner_resolve_list(r, m, &check->scope.nodes, rc->scope_nodes))
        return false;
    return true;
}

/* What a state check expected: "applied >= 3 on a majority", "x = 1 on
 * every live node", "x absent on {n1,n2}". */
static void describe_state_expected(const struct scn_resolved_check *rc,
                                    GString *out)
{
    const struct scn_check *c = rc->check;
    if (c->kind == SCN_CHECK_APPLIED)
        g_string_append_printf(out, "applied %s %" PRIu64, scn_cmp_name(c->cmp),
                               c->number);
    else if (c->kind == SCN_CHECK_VALUE) {
        g_string_append_printf(out, "%s = ", c->key);
        scn_print_quoted(out, c->value);
    } else
        g_string_append_printf(out, "%s absent", c->key);
    g_string_append(out, " on ");
    if (c->scope.kind == SCN_SCOPE_ALL)
        g_string_append(out, "every live node");
    else if (c->scope.kind == SCN_SCOPE_MAJORITY)
        g_string_append(out, "a majority");
    else
        scn_runner_append_node_set(out, rc->scope_nodes);
}

/* What a leader check expected: "a leader in {n1,n2}", "no leader",
 * "n1 (term 2) to stay leader". */
static void describe_leader_expected(const struct scn_judged *j, GString *out)
{
    const struct scn_resolved_check *rc = &j->rc;
    const struct scn_check *c = rc->check;
    switch (c->kind) {
    case SCN_CHECK_LEADER:
        g_string_append(out, "a leader");
        if (rc->nodes->len) {
            g_string_append(out, " in ");
            scn_runner_append_node_set(out, rc->nodes);
        }
        break;
    case SCN_CHECK_NO_LEADER:
        g_string_append(out, "no leader");
        if (rc->nodes->len) {
            g_string_append(out, " among ");
            scn_runner_append_node_set(out, rc->nodes);
        }
        break;
    case SCN_CHECK_SAME_LEADER:
        if (j->leader)
            g_string_append_printf(
                out, "n%" PRIu32 " (term %" PRIu64 ") to stay leader",
                j->leader, j->leader_term);
        else
            g_string_append(out, "a leader that stays leader");
        break;
    default:
        break;
    }
}

/* Appends what `rc` expects: "a leader in {n1,n2}". */
static void describe_expected(const struct scn_judged *j, GString *out)
{
    const struct scn_resolved_check *rc = &j->rc;
    const struct scn_check *c = rc->check;
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
    case SCN_CHECK_SAME_LEADER:
        describe_leader_expected(j, out);
        break;
    case SCN_CHECK_ROLE:
        g_string_append_printf(out, "n%" PRIu32 " to be %s", rc->node,
                               scn_role_name(c->role));
        break;
    case SCN_CHECK_TERM:
        g_string_append_printf(out, "term %s %" PRIu64, scn_cmp_name(c->cmp),
                               c->number);
        break;
    case SCN_CHECK_APPLIED:
    case SCN_CHECK_VALUE:
    case SCN_CHECK_ABSENT:
        describe_state_expected(rc, out);
        break;
    case SCN_CHECK_CONVERGED:
        g_string_append(out,
                        "every live node at the same commit index and state");
        break;
    case SCN_CHECK_COMPLETED:
        g_string_append_printf(out, "completed requests %s %" PRIu64,
                               scn_cmp_name(c->cmp), c->number);
        break;
    case SCN_CHECK_LINEARIZABLE:
        g_string_append(out, "a linearizable client history");
        break;
    case SCN_CHECK_NO_VIOLATION:
        g_string_append(out, "no safety violation");
        break;
    case SCN_CHECK_CONFIG:
    case SCN_CHECK_LEARNERS:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        scn_member_describe(c, rc->nodes, rc->learners, out);
        break;
    }
}

/* Whether one node satisfies a per-node check; appends what it has to
 * `found` ("n3=1", "n3 has x = 2", "n3 crashed"). */
static bool node_holds(const struct scn_runner *r,
                       const struct scn_check *c,
                       uint32_t node,
                       GString *found)
{
    if (!sim_alive(r->s, node)) {
        g_string_append_printf(found, "n%" PRIu32 " crashed", node);
        return false;
    }
    if (c->kind == SCN_CHECK_APPLIED) {
        uint64_t applied = sim_applied(r->s, node);
        g_string_append_printf(found, "n%" PRIu32 "=%" PRIu64, node, applied);
        return scn_cmp_holds(c->cmp, applied, c->number);
    }
    const char *v = sim_kv_value(r->s, node, c->key);
    if (v) {
        g_string_append_printf(found, "n%" PRIu32 " has %s = ", node, c->key);
        scn_print_quoted(found, v);
    } else
        g_string_append_printf(found, "n%" PRIu32 " has no %s", node, c->key);
    if (c->kind == SCN_CHECK_VALUE)
        return v && strcmp(v, c->value) == 0;
    return v == NULL;
}

/* Evaluates a per-node check over its scope. */
static bool eval_scope(const struct scn_runner *r,
                       const struct scn_judged *j,
                       GString *found)
{
    const struct scn_check *c = j->rc.check;
    uint32_t n = sim_n_nodes(r->s);
    GString *all = g_string_new(NULL);
    GString *bad = g_string_new(NULL);
    uint32_t holding = 0;
    bool ok = true;
    /* `all`: the live members of the configuration; `majority`: a
     * majority of its voters (thesis §4.1). */
    bool member[SCN_CLUSTER_MAX + 1], voter[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    uint32_t voters = sim_cluster_voters(r->s, voter);
    for (uint32_t id = 1; id <= n; id++) {
        bool in_scope;
        if (c->scope.kind == SCN_SCOPE_NODES)
            in_scope = scn_runner_node_in(j->rc.scope_nodes, id);
        else if (c->scope.kind == SCN_SCOPE_ALL)
            in_scope = sim_alive(r->s, id) && member[id];
        else
            in_scope = voter[id];
        if (!in_scope)
            continue;
        GString *one = g_string_new(NULL);
        bool h = node_holds(r, c, id, one);
        if (h)
            holding++;
        else if (c->scope.kind != SCN_SCOPE_MAJORITY) {
            if (ok)
                g_string_append(bad, one->str);
            ok = false;
        }
        g_string_append_printf(all, "%s%s", all->len ? ", " : "", one->str);
        g_string_free(one, TRUE);
    }
    if (c->scope.kind == SCN_SCOPE_MAJORITY) {
        uint32_t majority = voters / 2 + 1;
        ok = holding >= majority;
        if (!ok)
            g_string_append_printf(found,
                                   "%" PRIu32 " of %" PRIu32
                                   " nodes (need %" PRIu32 "): %s",
                                   holding, voters, majority, all->str);
    } else if (!ok) {
        if (c->kind == SCN_CHECK_APPLIED)
            g_string_append_printf(found, "applied %s", all->str);
        else
            g_string_append(found, bad->str);
    }
    g_string_free(all, TRUE);
    g_string_free(bad, TRUE);
    return ok;
}

static bool eval_converged(const struct scn_runner *r, GString *found)
{
    uint32_t n = sim_n_nodes(r->s);
    bool first = true, ok = true;
    uint64_t commit0 = 0, digest0 = 0;
    /* The live members of the configuration: a spare never receives the
     * log, a removed node stops receiving it. */
    bool member[SCN_CLUSTER_MAX + 1];
    sim_cluster_members(r->s, member);
    for (uint32_t id = 1; id <= n; id++) {
        if (!sim_alive(r->s, id) || !member[id])
            continue;
        uint64_t commit = sim_commit_index(r->s, id);
        uint64_t digest = sim_kv_digest_of(r->s, id);
        if (first) {
            commit0 = commit;
            digest0 = digest;
            first = false;
        } else if (commit != commit0 || digest != digest0) {
            ok = false;
        }
    }
    if (!ok) {
        g_string_append(found, "commit index");
        for (uint32_t id = 1; id <= n; id++)
            if (sim_alive(r->s, id) && member[id])
                g_string_append_printf(
                    found, " n%" PRIu32 "=%" PRIu64 " (state %04" PRIx64 ")",
                    id, sim_commit_index(r->s, id),
                    sim_kv_digest_of(r->s, id) & 0xffffu);
    }
    return ok;
}

/* Evaluates a resolved check now. On false, appends what was found. */
/* `leader [in NODES]`, `no-leader [among NODES]` and `same-leader`. */
static bool eval_leader(const struct scn_runner *r,
                        const struct scn_judged *j,
                        GString *found)
{
    const struct scn_resolved_check *rc = &j->rc;
    struct sim *s = r->s;
    uint32_t n = sim_n_nodes(s);
    switch (rc->check->kind) {
    case SCN_CHECK_LEADER: {
        uint32_t l = sim_current_leader(s);
        if (l && (rc->nodes->len == 0 || scn_runner_node_in(rc->nodes, l)))
            return true;
        if (l)
            g_string_append_printf(found, "n%" PRIu32 " (term %" PRIu64 ")", l,
                                   sim_term(s, l));
        else
            g_string_append_printf(found, "none (highest term %" PRIu64 ")",
                                   sim_max_term(s));
        return false;
    }
    case SCN_CHECK_NO_LEADER: {
        bool ok = true;
        for (uint32_t id = 1; id <= n; id++) {
            if (!sim_alive(s, id) || sim_role(s, id) != RAFT_LEADER)
                continue;
            if (rc->nodes->len && !scn_runner_node_in(rc->nodes, id))
                continue;
            g_string_append_printf(found,
                                   "%sn%" PRIu32 " leading term %" PRIu64,
                                   ok ? "" : ", ", id, sim_term(s, id));
            ok = false;
        }
        return ok;
    }
    case SCN_CHECK_SAME_LEADER: {
        uint32_t l = sim_current_leader(s);
        if (j->leader && l == j->leader && sim_term(s, l) == j->leader_term)
            return true;
        if (l)
            g_string_append_printf(found, "n%" PRIu32 " (term %" PRIu64 ")", l,
                                   sim_term(s, l));
        else
            g_string_append_printf(
                found, "no leader (highest term %" PRIu64 ")", sim_max_term(s));
        return false;
    }
    default:
        g_assert_not_reached();
    }
}

/* `linearizable` and `no-violation`: judged on the run so far. */
static bool eval_safety(const struct scn_runner *r,
                        const struct scn_check *c,
                        GString *found)
{
    struct sim *s = r->s;
    switch (c->kind) {
    case SCN_CHECK_LINEARIZABLE: {
        const struct sim_history *h = sim_get_history(s);
        if (!h)
            return true;
        struct sim_lin_report rep;
        memset(&rep, 0, sizeof(rep));
        enum sim_lin_verdict v = sim_lin_check(h, r->opt->lin_max_states, &rep);
        bool ok = v != SIM_LIN_VIOLATION;
        if (!ok)
            g_string_append_printf(found, "no valid order for key %s: %s",
                                   rep.key ? rep.key : "?",
                                   rep.explanation ? rep.explanation->str : "");
        sim_lin_report_clear(&rep);
        return ok;
    }
    case SCN_CHECK_NO_VIOLATION: {
        const struct sim_failure *f = sim_get_failure(s);
        if (!f)
            return true;
        g_string_append_printf(found, "%s: %s",
                               sim_property_name(f->violation.property),
                               f->violation.detail);
        return false;
    }
    default:
        g_assert_not_reached();
    }
}

static bool eval_check(const struct scn_runner *r,
                       const struct scn_judged *j,
                       GString *found)
{
    const struct scn_resolved_check *rc = &j->rc;
    const struct scn_check *c = rc->check;
    struct sim *s = r->s;
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
    case SCN_CHECK_SAME_LEADER:
        return eval_leader(r, j, found);
    case SCN_CHECK_ROLE: {
        if (!sim_alive(s, rc->node)) {
            g_string_append_printf(found, "n%" PRIu32 " crashed", rc->node);
            return false;
        }
        enum raft_role role = sim_role(s, rc->node);
        bool ok = (c->role == SCN_ROLE_FOLLOWER && role == RAFT_FOLLOWER) ||
                  (c->role == SCN_ROLE_CANDIDATE && role == RAFT_CANDIDATE) ||
                  (c->role == SCN_ROLE_LEADER && role == RAFT_LEADER);
        if (!ok)
            g_string_append_printf(found, "n%" PRIu32 " %s in term %" PRIu64,
                                   rc->node, raft_role_name(role),
                                   sim_term(s, rc->node));
        return ok;
    }
    case SCN_CHECK_TERM: {
        uint64_t t = sim_max_term(s);
        if (scn_cmp_holds(c->cmp, t, c->number))
            return true;
        g_string_append_printf(found, "term %" PRIu64, t);
        return false;
    }
    case SCN_CHECK_APPLIED:
    case SCN_CHECK_VALUE:
    case SCN_CHECK_ABSENT:
        return eval_scope(r, j, found);
    case SCN_CHECK_CONVERGED:
        return eval_converged(r, found);
    case SCN_CHECK_COMPLETED: {
        uint64_t done = sim_requests_completed(s);
        if (scn_cmp_holds(c->cmp, done, c->number))
            return true;
        g_string_append_printf(found, "%" PRIu64, done);
        return false;
    }
    case SCN_CHECK_LINEARIZABLE:
    case SCN_CHECK_NO_VIOLATION:
        return eval_safety(r, c, found);
    case SCN_CHECK_CONFIG:
    case SCN_CHECK_LEARNERS:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        return scn_member_eval(s, c, rc->nodes, rc->learners, found);
    }
    return false;
}

/* Gives a check its verdict: counts it, traces it, records a failure. */
static void verdict(struct scn_runner *r,
                    struct scn_judged *j,
                    bool ok,
                    const char *found)
{
    j->done = true;
    const struct scn_step *st = j->step;
    GString *msg = g_string_new("expected ");
    describe_expected(j, msg);
    if (st->when == SCN_WHEN_EVENTUALLY) {
        g_string_append(msg, " at some point in ");
        sim_time_text_human(msg, st->time_us);
        g_string_append(msg, "..");
        sim_time_text_human(msg, st->end_us);
    } else if (st->when == SCN_WHEN_ALWAYS) {
        g_string_append(msg, " throughout ");
        sim_time_text_human(msg, st->time_us);
        g_string_append(msg, "..");
        sim_time_text_human(msg, st->end_us);
    }
    if (!ok)
        g_string_append_printf(msg, ", found %s", found);
    GString *t = g_string_new(NULL);
    g_string_printf(t, "line %" PRIu32 ": %s", st->line, msg->str);
    sim_trace_check(r->s, ok, st->line, t->str);
    g_string_free(t, TRUE);
    if (ok) {
        r->res->checks_passed++;
    } else {
        r->res->checks_failed++;
        scn_runner_add_failure(r, SCN_FAILURE_CHECK, st, msg->str);
    }
    g_string_free(msg, TRUE);
}

void scn_runner_settle_verdict(struct scn_runner *r,
                               struct scn_settle *st,
                               bool ok)
{
    st->done = true;
    GString *msg = g_string_new(NULL);
    if (ok) {
        g_string_printf(
            msg, "settled: n%" PRIu32 " leads term %" PRIu64 ", in step since ",
            st->leader, st->term);
        sim_time_text_human(msg, st->since_us);
        sim_trace_check(r->s, true, st->step ? st->step->line : 0, msg->str);
        r->res->checks_passed++;
    } else {
        scn_settle_explain(st, r->s, msg);
        sim_trace_check(r->s, false, st->step ? st->step->line : 0, msg->str);
        r->res->checks_failed++;
        scn_runner_add_failure(r, SCN_FAILURE_LIVENESS, st->step, msg->str);
    }
    g_string_free(msg, TRUE);
}

void scn_runner_judge_settles(struct scn_runner *r, uint64_t close_us)
{
    for (guint i = 0; i < r->settles->len; i++) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        int rc = scn_settle_tend(r->s, st);
        if (rc != SIM_OK)
            scn_runner_action_result(r, st->step, "settle", rc);
        if (scn_settle_judge(st, r->s))
            scn_runner_settle_verdict(r, st, true);
        else if (!st->done && st->end_us <= close_us)
            scn_runner_settle_verdict(r, st, false);
    }
    for (guint i = r->settles->len; i-- > 0;) {
        struct scn_settle *st = g_ptr_array_index(r->settles, i);
        if (st->done)
            g_ptr_array_remove_index(r->settles, i);
    }
}

void scn_runner_judge_window(struct scn_runner *r, struct scn_judged *j)
{
    if (j->done)
        return;
    GString *found = r->scratch;
    g_string_truncate(found, 0);
    bool ok = eval_check(r, j, found);
    if (j->step->when == SCN_WHEN_EVENTUALLY && ok)
        verdict(r, j, true, NULL);
    else if (j->step->when == SCN_WHEN_ALWAYS && !ok) {
        char *f = g_strdup(found->str);
        verdict(r, j, false, f);
        g_free(f);
    }
}

void scn_runner_close_window(struct scn_runner *r, struct scn_judged *j)
{
    if (j->done)
        return;
    if (j->step->when == SCN_WHEN_ALWAYS) {
        verdict(r, j, true, NULL);
        return;
    }
    GString *found = g_string_new(NULL);
    bool ok = eval_check(r, j, found);
    verdict(r, j, ok, found->str);
    g_string_free(found, TRUE);
}

void scn_runner_run_expect(struct scn_runner *r, const struct scn_step *step)
{
    struct scn_stmt m;
    scn_runner_stmt_init(r, &m, step);
    struct scn_judged *j = g_new0(struct scn_judged, 1);
    j->step = step;
    if (!resolve_check(r, &m, &step->action.check, &j->rc)) {
        scn_runner_report_unrun(r, &m, true);
        scn_runner_judged_free(j);
        scn_runner_stmt_clear(&m);
        return;
    }
    scn_runner_stmt_clear(&m);
    if (step->action.check.kind == SCN_CHECK_SAME_LEADER) {
        j->leader = sim_current_leader(r->s);
        j->leader_term = j->leader ? sim_term(r->s, j->leader) : 0;
        if (j->leader == 0) {
            GString *found = g_string_new(NULL);
            g_string_printf(found,
                            "no leader at the start (highest term %" PRIu64 ")",
                            sim_max_term(r->s));
            verdict(r, j, false, found->str);
            g_string_free(found, TRUE);
            scn_runner_judged_free(j);
            return;
        }
    }
    if (step->when == SCN_WHEN_AT) {
        GString *found = g_string_new(NULL);
        bool ok = eval_check(r, j, found);
        verdict(r, j, ok, found->str);
        g_string_free(found, TRUE);
        scn_runner_judged_free(j);
        return;
    }
    scn_runner_judge_window(r, j);
    if (j->done)
        scn_runner_judged_free(j);
    else {
        g_ptr_array_add(r->windows, j);
        scn_runner_wake(r);
    }
}
