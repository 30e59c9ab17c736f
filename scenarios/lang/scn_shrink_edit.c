/* scn_shrink_edit.c: in-place edits of a scenario for the shrinker.
 * Invariant: every edit keeps the steps in non-decreasing time order and
 * every node id it leaves in 1..cluster + spare. */
#include "scenarios/lang/scn_shrink_edit.h"

#include <inttypes.h>
#include <string.h>

#include "sim/sim.h"

bool scn_edit_cut_run(struct scn_scenario *sc, uint64_t run_us)
{
    if (sc->run_us <= run_us)
        return false;
    sc->run_us = run_us;
    sc->has_run = true;
    guint keep = 0;
    while (keep < sc->steps->len &&
           ((const struct scn_step *)g_ptr_array_index(sc->steps, keep))
                   ->time_us <= run_us)
        keep++;
    if (keep < sc->steps->len)
        g_ptr_array_remove_range(sc->steps, keep, sc->steps->len - keep);
    return true;
}

void scn_edit_delete_steps(struct scn_scenario *sc, guint first, guint count)
{
    g_assert(first + count <= sc->steps->len);
    g_ptr_array_remove_range(sc->steps, first, count);
}

/* The class of a step; SCN_EDIT_CLASS_COUNT for none (settle, checks). */
static enum scn_edit_class step_class(const struct scn_step *st)
{
    if (st->triggered)
        return SCN_EDIT_CLASS_TRIGGERED;
    switch (st->action.kind) {
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
    case SCN_ACT_SET_DELAY:
        return SCN_EDIT_CLASS_NETWORK;
    case SCN_ACT_PARTITION:
    case SCN_ACT_ISOLATE:
    case SCN_ACT_CUT:
    case SCN_ACT_HEAL:
        return SCN_EDIT_CLASS_LINKS;
    case SCN_ACT_CRASH:
    case SCN_ACT_RESTART:
        return SCN_EDIT_CLASS_CRASHES;
    case SCN_ACT_PAUSE:
        return SCN_EDIT_CLASS_PAUSES;
    case SCN_ACT_DRIFT:
        return SCN_EDIT_CLASS_DRIFT;
    case SCN_ACT_SET_DISK:
        return SCN_EDIT_CLASS_DISKS;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
    case SCN_ACT_LOAD:
        return SCN_EDIT_CLASS_CLIENTS;
    case SCN_ACT_TIMEOUT:
        return SCN_EDIT_CLASS_TIMEOUTS;
    case SCN_ACT_CHANGE:
    case SCN_ACT_LEAVE_JOINT:
        return SCN_EDIT_CLASS_MEMBERSHIP;
    case SCN_ACT_TRANSFER:
        return SCN_EDIT_CLASS_TRANSFERS;
    default:
        return SCN_EDIT_CLASS_COUNT;
    }
}

bool scn_edit_delete_class(struct scn_scenario *sc, enum scn_edit_class class)
{
    bool any = false;
    for (guint i = sc->steps->len; i-- > 0;) {
        if (step_class(g_ptr_array_index(sc->steps, i)) != class)
            continue;
        g_ptr_array_remove_index(sc->steps, i);
        any = true;
    }
    return any;
}

/* The last step when it is a timed `settle`, else NULL. */
static struct scn_step *last_settle(const struct scn_scenario *sc)
{
    if (sc->steps->len == 0)
        return NULL;
    struct scn_step *st = g_ptr_array_index(sc->steps, sc->steps->len - 1);
    bool settle = st->when == SCN_WHEN_AT && !st->triggered &&
                  st->action.kind == SCN_ACT_SETTLE;
    return settle ? st : NULL;
}

uint64_t scn_edit_settle_time(const struct scn_scenario *sc)
{
    const struct scn_step *st = last_settle(sc);
    return st ? st->time_us : 0;
}

bool scn_edit_settle_at(struct scn_scenario *sc, uint64_t t_us)
{
    struct scn_step *st = last_settle(sc);
    if (!st || st->time_us <= t_us || sc->run_us < st->time_us)
        return false;
    uint64_t after_us = sc->run_us - st->time_us;
    guint keep = 0;
    while (keep < sc->steps->len - 1 &&
           ((const struct scn_step *)g_ptr_array_index(sc->steps, keep))
                   ->time_us < t_us)
        keep++;
    if (keep < sc->steps->len - 1)
        g_ptr_array_remove_range(sc->steps, keep, sc->steps->len - 1 - keep);
    st->time_us = st->end_us = t_us;
    sc->run_us = t_us + after_us;
    sc->has_run = true;
    return true;
}

/* ---- removing a node ----------------------------------------------------- */

/* What removing a node does to one reference. */
enum ref_fate {
    REF_KEPT, /* not the node (renumbered if above it) */
    REF_GONE, /* named the node */
};

static enum ref_fate fix_ref(struct scn_node_ref *ref, uint32_t node)
{
    if (ref->kind != SCN_REF_NODE)
        return REF_KEPT;
    if (ref->node == node)
        return REF_GONE;
    if (ref->node > node)
        ref->node--;
    return REF_KEPT;
}

/* Drops the node from a list, renumbering the rest; false when the list
 * named only it (and is now empty). An empty list stays empty. */
static bool fix_list(struct scn_node_list *list, uint32_t node)
{
    if (list->count == 0)
        return true;
    size_t kept = 0;
    for (size_t i = 0; i < list->count; i++)
        if (fix_ref(&list->refs[i], node) == REF_KEPT)
            list->refs[kept++] = list->refs[i];
    list->count = kept;
    return kept > 0;
}

/* Drops the changes of a membership request that name the node; false
 * when none is left. */
static bool fix_changes(struct scn_action *a, uint32_t node)
{
    if (a->change_count == 0)
        return true;
    size_t kept = 0;
    for (size_t i = 0; i < a->change_count; i++)
        if (fix_ref(&a->changes[i].node, node) == REF_KEPT)
            a->changes[kept++] = a->changes[i];
    a->change_count = kept;
    return kept > 0;
}

/* Fixes every reference of a step; false when the step needs the node. */
static bool fix_step(struct scn_step *st, uint32_t node)
{
    struct scn_action *a = &st->action;
    if (fix_ref(&a->node, node) == REF_GONE ||
        fix_ref(&a->peer, node) == REF_GONE ||
        (a->has_via && fix_ref(&a->via, node) == REF_GONE))
        return false;
    size_t kept = 0;
    for (size_t g = 0; g < a->group_count; g++) {
        if (fix_list(&a->groups[g], node))
            a->groups[kept++] = a->groups[g];
        else
            scn_node_list_clear(&a->groups[g]);
    }
    if (a->group_count > 0 && kept == 0)
        return false;
    a->group_count = kept;
    struct scn_check *c = &a->check;
    size_t had_nodes = c->nodes.count, had_scope = c->scope.nodes.count;
    if (fix_ref(&c->node, node) == REF_GONE)
        return false;
    if (!fix_list(&c->nodes, node) && had_nodes)
        return false;
    if (!fix_list(&c->scope.nodes, node) && had_scope)
        return false;
    /* `learners NODES` without them would read `learners none`. */
    size_t had_learners = c->learners.count;
    if (!fix_list(&c->learners, node) && had_learners)
        return false;
    /* `set disk-latency ... on NODES`: an empty list would mean every
     * node, so a list of only this node takes the step with it. */
    size_t had_disk_nodes = a->nodes.count;
    if (!fix_list(&a->nodes, node) && had_disk_nodes)
        return false;
    return fix_changes(a, node);
}

/* Drops the node from the per-node `disk-latency ... on` headers,
 * renumbering the rest; a header left with no node goes. */
static void fix_disks(struct scn_scenario *sc, uint32_t node)
{
    for (guint i = sc->disks->len; i-- > 0;) {
        struct scn_disk *d = g_ptr_array_index(sc->disks, i);
        size_t kept = 0;
        for (size_t j = 0; j < d->n_nodes; j++) {
            if (d->nodes[j] == node)
                continue;
            d->nodes[kept++] = d->nodes[j] > node ? d->nodes[j] - 1 : d->nodes[j];
        }
        d->n_nodes = kept;
        if (kept == 0)
            g_ptr_array_remove_index(sc->disks, i);
    }
}

bool scn_edit_remove_node(struct scn_scenario *sc, uint32_t node)
{
    bool spare = node > sc->cluster;
    if (node < 1 || node > scn_scenario_nodes(sc) ||
        (!spare && sc->cluster < 2))
        return false;
    for (guint i = sc->inits->len; i-- > 0;) {
        struct scn_init *in = g_ptr_array_index(sc->inits, i);
        if (in->node == node) {
            g_ptr_array_remove_index(sc->inits, i);
            continue;
        }
        if (in->node > node)
            in->node--;
        if (in->vote == node)
            in->vote = 0;
        else if (in->vote > node)
            in->vote--;
    }
    for (guint i = sc->steps->len; i-- > 0;)
        if (!fix_step(g_ptr_array_index(sc->steps, i), node))
            g_ptr_array_remove_index(sc->steps, i);
    fix_disks(sc, node);
    /* The spares follow the voters: removing a voter renumbers them down
     * with the rest, and they stay spares. */
    if (spare)
        sc->spare--;
    else
        sc->cluster--;
    return true;
}

/* ---- simplifying --------------------------------------------------------- */

/* Clears *flag when `is_default`; true if it was set. */
static bool drop_if(bool *flag, bool is_default)
{
    bool dropped = *flag && is_default;
    if (dropped)
        *flag = false;
    return dropped;
}

bool scn_edit_drop_default_headers(struct scn_scenario *sc)
{
    struct scn_scenario *d = scn_scenario_new(NULL);
    bool any = false;
    any |= drop_if(&sc->has_title, true);
    any |= drop_if(&sc->has_seed, sc->seed == d->seed);
    any |= drop_if(&sc->has_run, sc->run_us == d->run_us);
    any |=
        drop_if(&sc->has_election_timeout,
                sc->election_timeout_us_min == d->election_timeout_us_min &&
                    sc->election_timeout_us_max == d->election_timeout_us_max);
    any |= drop_if(&sc->has_heartbeat, sc->heartbeat_us == d->heartbeat_us);
    any |= drop_if(&sc->has_delay, sc->delay_us_min == d->delay_us_min &&
                                       sc->delay_us_max == d->delay_us_max);
    any |= drop_if(&sc->has_drop, sc->drop_ppm == 0);
    any |= drop_if(&sc->has_duplicate, sc->duplicate_ppm == 0);
    any |= drop_if(&sc->has_reorder, sc->reorder_ppm == 0);
    any |= drop_if(&sc->has_prevote, !sc->prevote);
    any |= drop_if(&sc->has_checkquorum, !sc->checkquorum);
    any |= drop_if(&sc->has_client_timeout,
                   sc->client_timeout_us == d->client_timeout_us);
    any |= drop_if(&sc->has_snapshot_every, sc->snapshot_every == 0);
    any |= drop_if(&sc->has_max_uncommitted, sc->max_uncommitted == 0);
    any |= drop_if(&sc->has_snapshot_chunk, sc->snapshot_chunk_bytes == 0);
    any |= drop_if(&sc->has_reads, sc->reads == SCN_READ_LOG);
    any |= drop_if(&sc->has_lease_drift_bound, sc->lease_drift_bound_us == 0);
    any |= drop_if(&sc->has_disk_latency,
                   sc->disk_write_us == d->disk_write_us &&
                       sc->disk_sync_us == d->disk_sync_us &&
                       sc->disk_write_jitter_us == 0 &&
                       sc->disk_sync_jitter_us == 0);
    scn_scenario_free(d);
    return any;
}

/* Sets the disk-latency header to the default and drops the per-node
 * ones; false when they are so already. */
static bool default_disk(struct scn_scenario *sc)
{
    struct scn_scenario *d = scn_scenario_new(NULL);
    bool same = sc->disk_write_us == d->disk_write_us &&
                sc->disk_sync_us == d->disk_sync_us &&
                sc->disk_write_jitter_us == 0 && sc->disk_sync_jitter_us == 0 &&
                sc->disks->len == 0;
    sc->disk_write_us = d->disk_write_us;
    sc->disk_sync_us = d->disk_sync_us;
    sc->disk_write_jitter_us = sc->disk_sync_jitter_us = 0;
    sc->has_disk_latency = false;
    g_ptr_array_set_size(sc->disks, 0);
    scn_scenario_free(d);
    return !same;
}

/* Whether a step asks the operator for a membership change. */
static bool changes_membership(const struct scn_scenario *sc)
{
    for (guint i = 0; i < sc->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        if (st->action.kind == SCN_ACT_CHANGE ||
            st->action.kind == SCN_ACT_LEAVE_JOINT)
            return true;
    }
    return false;
}

/* Whether PreVote or CheckQuorum may be turned off, the other one being
 * `other_on`. A node that holds a configuration naming it a voter while
 * the leaders no longer send to it (its removal committed, or its addition
 * truncated) keeps campaigning, and only these two keep it from deposing
 * the leaders (thesis §4.2.3); so the generator draws membership changes
 * only with one of them on (scn_fuzz.c), and a shrunk reproducer keeps
 * that contract, or it would fail `settle` for a reason of its own. */
static bool may_turn_off_guard(const struct scn_scenario *sc, bool other_on)
{
    return other_on || !changes_membership(sc);
}

bool scn_edit_simplify_header(struct scn_scenario *sc,
                              enum scn_edit_header which)
{
    switch (which) {
    case SCN_EDIT_NO_DROP:
        if (sc->drop_ppm == 0)
            return false;
        sc->drop_ppm = 0;
        return true;
    case SCN_EDIT_NO_DUPLICATE:
        if (sc->duplicate_ppm == 0)
            return false;
        sc->duplicate_ppm = 0;
        return true;
    case SCN_EDIT_NO_REORDER:
        if (sc->reorder_ppm == 0)
            return false;
        sc->reorder_ppm = 0;
        return true;
    case SCN_EDIT_CONSTANT_DELAY:
        if (sc->delay_us_min == sc->delay_us_max)
            return false;
        sc->delay_us_max = sc->delay_us_min;
        sc->has_delay = true;
        return true;
    case SCN_EDIT_NO_SNAPSHOTS:
        if (sc->snapshot_every == 0)
            return false;
        sc->snapshot_every = 0;
        return true;
    case SCN_EDIT_PREVOTE_OFF:
        if (!sc->prevote || !may_turn_off_guard(sc, sc->checkquorum))
            return false;
        sc->prevote = false;
        return true;
    case SCN_EDIT_CHECKQUORUM_OFF:
        if (!sc->checkquorum || !may_turn_off_guard(sc, sc->prevote))
            return false;
        sc->checkquorum = false;
        return true;
    case SCN_EDIT_DEFAULT_DISK:
        return default_disk(sc);
    case SCN_EDIT_NO_UNCOMMITTED_BOUND:
        if (sc->max_uncommitted == 0)
            return false;
        sc->max_uncommitted = 0;
        return true;
    case SCN_EDIT_HEADER_COUNT:
        break;
    }
    return false;
}

/* Requests a load issues: ceil(duration * rate_per_ks / 1e9), as the
 * engine counts them (sim_load). */
static uint64_t load_requests(const struct scn_action *a)
{
    uint64_t r = a->rate_per_ks;
    uint64_t whole = (a->duration_us / 1000000000u) * r;
    uint64_t rest = (a->duration_us % 1000000000u) * r;
    return whole + rest / 1000000000u + (rest % 1000000000u != 0);
}

/* Replaces the load at `index` by its requests as explicit client
 * statements at the instants the load would issue them: sets and gets in
 * turn over keys k0..k7, each set with a value unique in the file. */
static void load_to_requests(struct scn_scenario *sc, guint index)
{
    const struct scn_step *load = g_ptr_array_index(sc->steps, index);
    uint64_t n = load_requests(&load->action);
    GPtrArray *made = g_ptr_array_new();
    for (uint64_t k = 0; k < n; k++) {
        struct scn_step *st = g_new0(struct scn_step, 1);
        uint64_t r = load->action.rate_per_ks;
        st->when = SCN_WHEN_AT;
        st->time_us =
            load->time_us + (k / r) * 1000000000u + (k % r) * 1000000000u / r;
        st->end_us = st->time_us;
        st->action.kind = k % 2 ? SCN_ACT_CLIENT_GET : SCN_ACT_CLIENT_SET;
        st->action.key = g_strdup_printf("k%" PRIu64, k % 8);
        if (st->action.kind == SCN_ACT_CLIENT_SET)
            st->action.value = g_strdup_printf("w%" PRIu64 ".%" PRIu64,
                                               load->time_us / 1000, k);
        st->action.has_via = load->action.has_via;
        st->action.via = load->action.via;
        st->action.node.slot = st->action.peer.slot = SCN_NO_SLOT;
        st->action.node.bind_slot = st->action.peer.bind_slot = SCN_NO_SLOT;
        st->action.check.node.slot = SCN_NO_SLOT;
        st->action.check.node.bind_slot = SCN_NO_SLOT;
        g_ptr_array_add(made, st);
    }
    g_ptr_array_remove_index(sc->steps, index);
    /* Each request goes after the steps of its instant that precede it. */
    for (guint i = 0; i < made->len; i++) {
        struct scn_step *st = g_ptr_array_index(made, i);
        guint at = index;
        while (at < sc->steps->len &&
               ((const struct scn_step *)g_ptr_array_index(sc->steps, at))
                       ->time_us <= st->time_us)
            at++;
        g_ptr_array_insert(sc->steps, (gint)at, st);
        index = at + 1;
    }
    g_ptr_array_free(made, TRUE);
}

bool scn_edit_simplify_step(struct scn_scenario *sc, guint index)
{
    struct scn_step *st = g_ptr_array_index(sc->steps, index);
    struct scn_action *a = &st->action;
    switch (a->kind) {
    case SCN_ACT_SET_DELAY:
        if (a->delay_us_min == a->delay_us_max)
            return false;
        a->delay_us_max = a->delay_us_min;
        return true;
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
        if (a->probability_ppm == 0)
            return false;
        a->probability_ppm = 0;
        return true;
    case SCN_ACT_PAUSE:
        if (a->duration_us < 2000)
            return false;
        a->duration_us = a->duration_us / 2000 * 1000;
        return true;
    case SCN_ACT_LOAD:
        if (a->count > 0) {
            /* Half the writes over half the time: the same pace. */
            if (a->count == 1)
                return false;
            a->count /= 2;
            a->duration_us = MAX(a->duration_us / 2, 1);
            return true;
        }
        if (load_requests(a) <= SCN_EDIT_LOAD_EXPLICIT_MAX) {
            load_to_requests(sc, index);
            return true;
        }
        if (a->duration_us < 2000)
            return false;
        a->duration_us = a->duration_us / 2000 * 1000;
        return true;
    default:
        return false;
    }
}

static bool is_request(const struct scn_step *st)
{
    enum scn_action_kind k = st->action.kind;
    return st->when == SCN_WHEN_AT && !st->triggered &&
           (k == SCN_ACT_CLIENT_SET || k == SCN_ACT_CLIENT_GET ||
            k == SCN_ACT_CLIENT_DELETE);
}

/* Whether two requests name the same first node (or both none). */
static bool same_via(const struct scn_action *a, const struct scn_action *b)
{
    if (a->has_via != b->has_via)
        return false;
    if (!a->has_via)
        return true;
    return a->via.kind == SCN_REF_NODE && b->via.kind == SCN_REF_NODE &&
           a->via.node == b->via.node;
}

bool scn_edit_requests_to_load(struct scn_scenario *sc, guint index)
{
    const struct scn_step *first = g_ptr_array_index(sc->steps, index);
    if (!is_request(first) ||
        (first->action.has_via && first->action.via.kind != SCN_REF_NODE))
        return false;
    if (index > 0) {
        const struct scn_step *before = g_ptr_array_index(sc->steps, index - 1);
        if (is_request(before) && same_via(&before->action, &first->action))
            return false; /* not the start of the run */
    }
    guint end = index + 1;
    while (end < sc->steps->len) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, end);
        if (!is_request(st) || !same_via(&st->action, &first->action))
            break;
        end++;
    }
    uint64_t k = end - index;
    const struct scn_step *last = g_ptr_array_index(sc->steps, end - 1);
    uint64_t span_us = last->time_us - first->time_us;
    if (k <= SCN_EDIT_LOAD_EXPLICIT_MAX || span_us == 0)
        return false;
    /* k arrivals spaced span / (k - 1) apart: the load lasts k spacings. */
    uint64_t duration_us = span_us + span_us / (k - 1);
    struct scn_step *load = g_new0(struct scn_step, 1);
    load->when = SCN_WHEN_AT;
    load->time_us = first->time_us;
    load->end_us = first->time_us;
    load->action.kind = SCN_ACT_LOAD;
    load->action.duration_us = duration_us;
    load->action.rate_per_ks = k * UINT64_C(1000000000) / duration_us;
    if (load->action.rate_per_ks == 0)
        load->action.rate_per_ks = 1;
    load->action.has_via = first->action.has_via;
    load->action.via = first->action.via;
    g_ptr_array_remove_range(sc->steps, index, (guint)k);
    g_ptr_array_insert(sc->steps, (gint)index, load);
    return true;
}

/* Requests a step stands for in a merge: 1 for a client request, N for a
 * `load N writes` started at its time; 0 for anything else. */
static uint64_t merge_weight(const struct scn_step *st)
{
    if (is_request(st))
        return 1;
    if (st->when == SCN_WHEN_AT && !st->triggered &&
        st->action.kind == SCN_ACT_LOAD && st->action.count > 0)
        return st->action.count;
    return 0;
}

guint scn_edit_merge_group(const struct scn_scenario *sc,
                           guint index,
                           uint64_t window_us,
                           GArray *members)
{
    const struct scn_step *first = g_ptr_array_index(sc->steps, index);
    if (members)
        g_array_set_size(members, 0);
    if (merge_weight(first) == 0 ||
        (first->action.has_via && first->action.via.kind != SCN_REF_NODE))
        return 0;
    uint64_t end_us = first->time_us + MIN(window_us, SCN_DURATION_US_MAX);
    guint n = 0;
    for (guint i = index; i < sc->steps->len; i++) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        if (st->time_us > end_us)
            break;
        if (merge_weight(st) > 0 && same_via(&st->action, &first->action)) {
            n++;
            if (members)
                g_array_append_val(members, i);
        }
    }
    return n;
}

bool scn_edit_merge_requests(struct scn_scenario *sc,
                             guint index,
                             uint64_t window_us)
{
    GArray *members = g_array_new(FALSE, FALSE, sizeof(guint));
    guint n = scn_edit_merge_group(sc, index, window_us, members);
    guint last = n ? g_array_index(members, guint, n - 1) : index;
    g_array_free(members, TRUE);
    if (n < 2)
        return false;
    struct scn_step *first = g_ptr_array_index(sc->steps, index);
    const struct scn_step *end = g_ptr_array_index(sc->steps, last);
    uint64_t span_us = end->time_us - first->time_us;
    uint64_t count = 0;
    for (guint i = last + 1; i-- > index + 1;) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        uint64_t w = merge_weight(st);
        if (w == 0 || !same_via(&st->action, &first->action))
            continue;
        count += w;
        g_ptr_array_remove_index(sc->steps, i);
    }
    count += merge_weight(first);
    count = MIN(count, SIM_LOAD_COUNT_MAX);
    /* `first` becomes the load: count arrivals spaced span / (count - 1),
     * the last one at about the last request's time. */
    struct scn_action *a = &first->action;
    scn_action_drop_texts(a);
    a->kind = SCN_ACT_LOAD;
    a->count = count;
    a->rate_per_ks = 0;
    a->duration_us = MAX(span_us + span_us / (count - 1), 1);
    return true;
}
