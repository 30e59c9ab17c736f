/* scn_fuzz_member.c: the generator's membership episodes (thesis chapter
 * 4) and leadership transfers (thesis §3.10).
 *
 * Invariant: g->member is the configuration the requests planned so far
 * lead to if the operator's requests are accepted in order. A request is
 * planned only when that model allows it (adding a node outside the
 * configuration, promoting a learner, ...); if the cluster's real
 * configuration differs when it arrives (an earlier request still pending),
 * the operator retries it every heartbeat until the core accepts it, so no
 * statement fails. Episodes are drawn only with PreVote or CheckQuorum on
 * (swarm_membership() in scn_fuzz.c): a voter removed without learning
 * that its removal committed, or a spare that received its addition before
 * a new leader truncated it, keeps campaigning, and only those two keep it
 * from deposing the leaders of the configuration (thesis §4.2.3), which
 * the liveness phase would otherwise measure; the shrinker keeps one of
 * them on (scn_shrink_edit.c). A learner of the model may still be a voter
 * when its removal arrives (its demotion pending). Removed nodes are
 * not crashed here: `settle` restarts only the members of the
 * configuration it starts in, and a request retried since before the
 * removal may add the node back.
 */
#include "scenarios/lang/scn_fuzz_gen.h"

#include <stddef.h>

/* The operations of one membership episode. */
enum member_op {
    OP_ADD_VOTER = 0,
    OP_ADD_LEARNER,
    OP_PROMOTE,
    OP_DEMOTE,
    OP_REMOVE_VOTER,
    OP_REMOVE_LEARNER,
    OP_REPLACE, /* add a node and remove a voter in one change (joint) */
    OP_COUNT
};

/* A node in place `want` chosen by `draw` among them (0: none). */
static uint32_t pick_in(struct scn_fuzz_gen *g,
                        enum scn_fuzz_member want,
                        uint64_t draw)
{
    uint32_t k = 0;
    for (uint32_t id = 1; id <= g->n_all; id++)
        if (g->member[id - 1] == want)
            g->scratch[k++] = id;
    return k == 0 ? 0 : g->scratch[draw % k];
}

static uint32_t count_in(const struct scn_fuzz_gen *g,
                         enum scn_fuzz_member want)
{
    uint32_t k = 0;
    for (uint32_t id = 1; id <= g->n_all; id++)
        k += g->member[id - 1] == want;
    return k;
}

/* Plans `change` with n changes at t; NULL past the end. */
static struct scn_action *plan_change(struct scn_fuzz_gen *g,
                                      uint64_t t,
                                      size_t n,
                                      enum scn_transition transition)
{
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_CHANGE);
    if (a == NULL)
        return NULL;
    a->change_count = n;
    a->changes = g_new0(struct scn_change, n);
    a->transition = transition;
    return a;
}

static void set_change(struct scn_action *a,
                       size_t i,
                       enum scn_change_kind kind,
                       uint32_t node)
{
    a->changes[i].kind = kind;
    a->changes[i].node = scn_fuzz_node(node);
}

/* One change of `kind` on `node` at t, with `transition`; moves the model.
 */
static bool plan_one(struct scn_fuzz_gen *g,
                     uint64_t t,
                     enum scn_change_kind kind,
                     uint32_t node,
                     enum scn_transition transition,
                     enum scn_fuzz_member to)
{
    if (node == 0)
        return false;
    struct scn_action *a = plan_change(g, t, 1, transition);
    if (a == NULL)
        return false;
    set_change(a, 0, kind, node);
    g->member[node - 1] = to;
    return true;
}

/* `leave-joint` d after a `change joint-explicit` at t. */
static void plan_leave(struct scn_fuzz_gen *g, uint64_t t, uint64_t d)
{
    scn_fuzz_plan(g, t + d, SCN_ACT_LEAVE_JOINT);
    g->joint_until_us = t + d;
}

void scn_fuzz_gen_membership(struct scn_fuzz_gen *g, uint64_t t)
{
    enum member_op op = (enum member_op)sim_rng_below(g->r, OP_COUNT);
    uint64_t tr = sim_rng_below(g->r, 8);
    uint64_t d1 = sim_rng_below(g->r, 1u << 16);
    uint64_t d2 = sim_rng_below(g->r, 1u << 16);
    uint64_t leave_after = scn_fuzz_draw_ms(g, 100, 2000);
    if (t < g->joint_until_us)
        return; /* changes wait for the leave-joint already planned */
    enum scn_transition transition = tr < 2    ? SCN_TRANSITION_JOINT
                                     : tr == 2 ? SCN_TRANSITION_JOINT_EXPLICIT
                                               : SCN_TRANSITION_AUTO;
    g_assert(g->w->prevote || g->w->checkquorum);
    bool may_remove = count_in(g, SCN_FUZZ_VOTER) >= 2;
    uint32_t removed = 0;
    bool planned = false;
    switch (op) {
    case OP_ADD_VOTER:
        planned = plan_one(g, t, SCN_CHANGE_ADD,
                           pick_in(g, SCN_FUZZ_OUTSIDE, d1), transition,
                           SCN_FUZZ_VOTER);
        break;
    case OP_ADD_LEARNER:
        planned = plan_one(g, t, SCN_CHANGE_ADD_LEARNER,
                           pick_in(g, SCN_FUZZ_OUTSIDE, d1), transition,
                           SCN_FUZZ_LEARNER);
        break;
    case OP_PROMOTE:
        planned = plan_one(g, t, SCN_CHANGE_PROMOTE,
                           pick_in(g, SCN_FUZZ_LEARNER, d1), transition,
                           SCN_FUZZ_VOTER);
        break;
    case OP_DEMOTE:
        if (count_in(g, SCN_FUZZ_VOTER) >= 2)
            planned = plan_one(g, t, SCN_CHANGE_DEMOTE,
                               pick_in(g, SCN_FUZZ_VOTER, d1), transition,
                               SCN_FUZZ_LEARNER);
        break;
    case OP_REMOVE_VOTER:
        removed = may_remove ? pick_in(g, SCN_FUZZ_VOTER, d1) : 0;
        planned = plan_one(g, t, SCN_CHANGE_REMOVE, removed, transition,
                           SCN_FUZZ_OUTSIDE);
        break;
    case OP_REMOVE_LEARNER:
        removed = pick_in(g, SCN_FUZZ_LEARNER, d1);
        planned = plan_one(g, t, SCN_CHANGE_REMOVE, removed, transition,
                           SCN_FUZZ_OUTSIDE);
        break;
    default: { /* OP_REPLACE: two voter changes at once go joint */
        uint32_t in = pick_in(g, SCN_FUZZ_OUTSIDE, d1);
        uint32_t out = may_remove ? pick_in(g, SCN_FUZZ_VOTER, d2) : 0;
        struct scn_action *a = in && out ? plan_change(g, t, 2, transition)
                                         : NULL;
        if (a == NULL)
            break;
        set_change(a, 0, SCN_CHANGE_ADD, in);
        set_change(a, 1, SCN_CHANGE_REMOVE, out);
        g->member[in - 1] = SCN_FUZZ_VOTER;
        g->member[out - 1] = SCN_FUZZ_OUTSIDE;
        removed = out;
        planned = true;
        break;
    }
    }
    if (!planned)
        return;
    if (transition == SCN_TRANSITION_JOINT_EXPLICIT)
        plan_leave(g, t, leave_after);
}

void scn_fuzz_gen_transfer(struct scn_fuzz_gen *g, uint64_t t)
{
    uint64_t d = sim_rng_below(g->r, 1u << 16);
    uint32_t target = pick_in(g, SCN_FUZZ_VOTER, d);
    if (target == 0)
        return;
    struct scn_action *a = scn_fuzz_plan(g, t, SCN_ACT_TRANSFER);
    if (a)
        a->node = scn_fuzz_node(target);
}
