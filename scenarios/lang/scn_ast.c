/* scn_ast.c: construction, destruction and comparison of scenarios.
 *
 * Invariant: every pointer a structure holds is owned by it alone (no
 * sharing between steps), so freeing walks the tree once and equality
 * compares values, never addresses.
 */
#include "scenarios/lang/scn_ast.h"

#include <string.h>

const char *scn_read_mode_name(enum scn_read_mode mode)
{
    switch (mode) {
    case SCN_READ_LOG:
        return "log";
    case SCN_READ_INDEX:
        return "read-index";
    case SCN_READ_LEASE:
        return "lease";
    case SCN_READ_DEFAULT:
        break;
    }
    return "";
}

struct scn_scenario *scn_scenario_new(const char *file_name)
{
    struct scn_scenario *s = g_new0(struct scn_scenario, 1);
    const char *name = file_name != NULL ? file_name : "<input>";

    s->file_name = g_strdup(name);
    s->title = g_path_get_basename(name);
    s->seed = 1;
    s->run_us = 10 * 1000 * 1000;
    s->election_timeout_us_min = 150 * 1000;
    s->election_timeout_us_max = 300 * 1000;
    s->heartbeat_us = 50 * 1000;
    s->delay_us_min = 1000;
    s->delay_us_max = 10 * 1000;
    s->client_timeout_us = 500 * 1000;
    s->reads = SCN_READ_LOG;
    s->disk_write_us = 100;
    s->disk_sync_us = 900;
    s->inits = g_ptr_array_new_with_free_func(scn_init_free);
    s->disks = g_ptr_array_new_with_free_func(scn_disk_free);
    s->steps = g_ptr_array_new_with_free_func(scn_step_free);
    s->names = g_ptr_array_new_with_free_func(g_free);
    return s;
}

/* Steps a block of scn_scenario_new_step() holds: about 30 KB. */
#define STEP_BLOCK_STEPS 64

struct scn_step_block
{
    struct scn_step_block *next; /* older */
    size_t used;
    struct scn_step steps[STEP_BLOCK_STEPS];
};

struct scn_step *scn_scenario_new_step(struct scn_scenario *scenario)
{
    struct scn_step_block *b = scenario->step_blocks;
    if (b == NULL || b->used == STEP_BLOCK_STEPS) {
        /* Not cleared: each step is, when it is handed out. */
        b = g_malloc(sizeof *b);
        b->next = scenario->step_blocks;
        b->used = 0;
        scenario->step_blocks = b;
    }
    struct scn_step *st = &b->steps[b->used++];
    memset(st, 0, sizeof *st);
    st->in_block = true;
    return st;
}

void scn_scenario_free(struct scn_scenario *scenario)
{
    if (scenario == NULL) {
        return;
    }
    g_ptr_array_free(scenario->inits, TRUE);
    g_ptr_array_free(scenario->disks, TRUE);
    g_ptr_array_free(scenario->steps, TRUE);
    while (scenario->step_blocks != NULL) {
        struct scn_step_block *b = scenario->step_blocks;
        scenario->step_blocks = b->next;
        g_free(b);
    }
    g_ptr_array_free(scenario->names, TRUE);
    g_free(scenario->title);
    g_free(scenario->trace_build);
    g_free(scenario->file_name);
    g_free(scenario);
}

void scn_node_list_append(struct scn_node_list *list,
                          const struct scn_node_ref *ref)
{
    list->refs = g_renew(struct scn_node_ref, list->refs, list->count + 1);
    list->refs[list->count++] = *ref;
}

/* g_free(p) without the call when p is NULL: most of a step's optional
 * parts are absent, and a scenario of a fuzz seed frees hundreds of steps. */
static inline void free_some(void *p)
{
    if (p != NULL) {
        g_free(p);
    }
}

void scn_node_list_clear(struct scn_node_list *list)
{
    free_some(list->refs);
    list->refs = NULL;
    list->count = 0;
}

/* Frees what `check` owns, leaving its fields as they were. */
static void check_release(struct scn_check *check)
{
    free_some(check->nodes.refs);
    free_some(check->scope.nodes.refs);
    free_some(check->learners.refs);
    free_some(check->key);
    free_some(check->value);
}

char *scn_action_text_room(struct scn_action *action, bool value, size_t len)
{
    char *copy;
    if (len < sizeof action->room - action->room_used) {
        copy = action->room + action->room_used;
        action->room_used = (uint8_t)(action->room_used + len + 1);
        action->in_room |= value ? SCN_IN_ROOM_VALUE : SCN_IN_ROOM_KEY;
    } else {
        copy = g_malloc(len + 1);
    }
    if (value)
        action->value = copy;
    else
        action->key = copy;
    return copy;
}

void scn_action_set_text(struct scn_action *action,
                         bool value,
                         const char *text,
                         size_t len)
{
    char *copy = scn_action_text_room(action, value, len);
    memcpy(copy, text, len);
    copy[len] = '\0';
}

/* Frees action->key and action->value unless they are in the room. */
static void texts_release(struct scn_action *action)
{
    if (!(action->in_room & SCN_IN_ROOM_KEY))
        free_some(action->key);
    if (!(action->in_room & SCN_IN_ROOM_VALUE))
        free_some(action->value);
}

void scn_action_drop_texts(struct scn_action *action)
{
    texts_release(action);
    action->key = NULL;
    action->value = NULL;
    action->in_room = 0;
    action->room_used = 0;
}

/* Frees what `action` owns, leaving its fields as they were. */
static void action_release(struct scn_action *action)
{
    for (size_t i = 0; i < action->group_count; i++) {
        free_some(action->groups[i].refs);
    }
    free_some(action->groups);
    texts_release(action);
    check_release(&action->check);
    free_some(action->nodes.refs);
    free_some(action->changes);
}

void scn_action_clear(struct scn_action *action)
{
    action_release(action);
    memset(action, 0, sizeof *action);
}

void scn_step_free(void *step)
{
    struct scn_step *st = step;

    if (st == NULL) {
        return;
    }
    /* Not cleared: the step goes with it. */
    action_release(&st->action);
    if (!st->in_block) {
        g_free(st);
    }
}

void scn_disk_free(void *disk)
{
    struct scn_disk *d = disk;

    if (d == NULL) {
        return;
    }
    g_free(d->nodes);
    g_free(d);
}

void scn_init_free(void *init)
{
    struct scn_init *in = init;

    if (in == NULL) {
        return;
    }
    g_free(in->log_terms);
    g_free(in);
}

static bool str_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

static bool ref_equal(const struct scn_node_ref *a,
                      const struct scn_node_ref *b)
{
    return a->kind == b->kind && a->node == b->node && a->slot == b->slot &&
           a->bind_slot == b->bind_slot && a->optional == b->optional;
}

static bool list_equal(const struct scn_node_list *a,
                       const struct scn_node_list *b)
{
    if (a->count != b->count) {
        return false;
    }
    for (size_t i = 0; i < a->count; i++) {
        if (!ref_equal(&a->refs[i], &b->refs[i])) {
            return false;
        }
    }
    return true;
}

static bool check_equal(const struct scn_check *a, const struct scn_check *b)
{
    return a->kind == b->kind && list_equal(&a->nodes, &b->nodes) &&
           ref_equal(&a->node, &b->node) && a->role == b->role &&
           a->cmp == b->cmp && a->number == b->number &&
           str_equal(a->key, b->key) && str_equal(a->value, b->value) &&
           a->scope.kind == b->scope.kind &&
           list_equal(&a->scope.nodes, &b->scope.nodes) &&
           list_equal(&a->learners, &b->learners);
}

static bool changes_equal(const struct scn_action *a,
                          const struct scn_action *b)
{
    if (a->change_count != b->change_count ||
        a->transition != b->transition) {
        return false;
    }
    for (size_t i = 0; i < a->change_count; i++) {
        if (a->changes[i].kind != b->changes[i].kind ||
            !ref_equal(&a->changes[i].node, &b->changes[i].node)) {
            return false;
        }
    }
    return true;
}

static bool disk_latency_equal(const struct scn_disk_latency *a,
                               const struct scn_disk_latency *b)
{
    return a->write_us == b->write_us &&
           a->write_jitter_us == b->write_jitter_us &&
           a->sync_us == b->sync_us && a->sync_jitter_us == b->sync_jitter_us;
}

static bool action_equal(const struct scn_action *a, const struct scn_action *b)
{
    if (a->keep != b->keep || a->keep_log != b->keep_log ||
        a->keep_term != b->keep_term ||
        !disk_latency_equal(&a->disk, &b->disk) ||
        !list_equal(&a->nodes, &b->nodes) || !changes_equal(a, b)) {
        return false;
    }
    if (a->kind != b->kind || !ref_equal(&a->node, &b->node) ||
        !ref_equal(&a->peer, &b->peer) || a->has_via != b->has_via ||
        !ref_equal(&a->via, &b->via) || a->duration_us != b->duration_us ||
        a->probability_ppm != b->probability_ppm ||
        a->delay_us_min != b->delay_us_min ||
        a->delay_us_max != b->delay_us_max ||
        a->group_count != b->group_count || !str_equal(a->key, b->key) ||
        !str_equal(a->value, b->value) || a->rate_per_ks != b->rate_per_ks ||
        a->count != b->count || a->read_mode != b->read_mode ||
        a->rate_ppm != b->rate_ppm || !check_equal(&a->check, &b->check)) {
        return false;
    }
    for (size_t i = 0; i < a->group_count; i++) {
        if (!list_equal(&a->groups[i], &b->groups[i])) {
            return false;
        }
    }
    return true;
}

static bool step_equal(const struct scn_step *a, const struct scn_step *b)
{
    return a->when == b->when && a->time_us == b->time_us &&
           a->end_us == b->end_us && a->triggered == b->triggered &&
           (!a->triggered ||
            (ref_equal(&a->subject, &b->subject) && a->event == b->event)) &&
           action_equal(&a->action, &b->action);
}

static bool disk_equal(const struct scn_disk *a, const struct scn_disk *b)
{
    if (!disk_latency_equal(&a->latency, &b->latency) ||
        a->n_nodes != b->n_nodes) {
        return false;
    }
    return a->n_nodes == 0 ||
           memcmp(a->nodes, b->nodes, a->n_nodes * sizeof *a->nodes) == 0;
}

static bool init_equal(const struct scn_init *a, const struct scn_init *b)
{
    if (a->node != b->node || a->term != b->term || a->vote != b->vote ||
        a->log_len != b->log_len) {
        return false;
    }
    for (size_t i = 0; i < a->log_len; i++) {
        if (a->log_terms[i] != b->log_terms[i]) {
            return false;
        }
    }
    return true;
}

static bool headers_equal(const struct scn_scenario *a,
                          const struct scn_scenario *b)
{
    return a->cluster == b->cluster && a->spare == b->spare &&
           a->seed == b->seed &&
           a->has_seed == b->has_seed && a->run_us == b->run_us &&
           a->has_run == b->has_run && a->has_title == b->has_title &&
           (!a->has_title || str_equal(a->title, b->title)) &&
           a->election_timeout_us_min == b->election_timeout_us_min &&
           a->election_timeout_us_max == b->election_timeout_us_max &&
           a->has_election_timeout == b->has_election_timeout &&
           a->heartbeat_us == b->heartbeat_us &&
           a->has_heartbeat == b->has_heartbeat &&
           a->delay_us_min == b->delay_us_min &&
           a->delay_us_max == b->delay_us_max && a->has_delay == b->has_delay &&
           a->drop_ppm == b->drop_ppm && a->has_drop == b->has_drop &&
           a->duplicate_ppm == b->duplicate_ppm &&
           a->has_duplicate == b->has_duplicate &&
           a->reorder_ppm == b->reorder_ppm &&
           a->has_reorder == b->has_reorder && a->prevote == b->prevote &&
           a->has_prevote == b->has_prevote &&
           a->checkquorum == b->checkquorum &&
           a->has_checkquorum == b->has_checkquorum &&
           a->client_timeout_us == b->client_timeout_us &&
           a->has_client_timeout == b->has_client_timeout &&
           a->snapshot_every == b->snapshot_every &&
           a->has_snapshot_every == b->has_snapshot_every &&
           a->max_uncommitted == b->max_uncommitted &&
           a->has_max_uncommitted == b->has_max_uncommitted &&
           a->snapshot_chunk_bytes == b->snapshot_chunk_bytes &&
           a->has_snapshot_chunk == b->has_snapshot_chunk &&
           a->reads == b->reads && a->has_reads == b->has_reads &&
           a->lease_drift_bound_us == b->lease_drift_bound_us &&
           a->has_lease_drift_bound == b->has_lease_drift_bound &&
           a->disk_write_us == b->disk_write_us &&
           a->disk_sync_us == b->disk_sync_us &&
           a->disk_write_jitter_us == b->disk_write_jitter_us &&
           a->disk_sync_jitter_us == b->disk_sync_jitter_us &&
           a->has_disk_latency == b->has_disk_latency &&
           a->has_trace_hash == b->has_trace_hash &&
           (!a->has_trace_hash || (a->trace_hash == b->trace_hash &&
                                   str_equal(a->trace_build, b->trace_build)));
}

bool scn_scenario_equal(const struct scn_scenario *a,
                        const struct scn_scenario *b)
{
    if (!headers_equal(a, b) || a->inits->len != b->inits->len ||
        a->disks->len != b->disks->len || a->steps->len != b->steps->len ||
        a->names->len != b->names->len) {
        return false;
    }
    for (guint i = 0; i < a->inits->len; i++) {
        if (!init_equal(g_ptr_array_index(a->inits, i),
                        g_ptr_array_index(b->inits, i))) {
            return false;
        }
    }
    for (guint i = 0; i < a->disks->len; i++) {
        if (!disk_equal(g_ptr_array_index(a->disks, i),
                        g_ptr_array_index(b->disks, i))) {
            return false;
        }
    }
    for (guint i = 0; i < a->steps->len; i++) {
        if (!step_equal(g_ptr_array_index(a->steps, i),
                        g_ptr_array_index(b->steps, i))) {
            return false;
        }
    }
    for (guint i = 0; i < a->names->len; i++) {
        if (!str_equal(g_ptr_array_index(a->names, i),
                       g_ptr_array_index(b->names, i))) {
            return false;
        }
    }
    return true;
}

uint64_t scn_settle_bound_us(const struct scn_scenario *scenario)
{
    return 10 * scenario->election_timeout_us_max +
           2 * scenario->client_timeout_us;
}

uint64_t scn_settle_stable_us(const struct scn_scenario *scenario)
{
    return 2 * scenario->election_timeout_us_max;
}

const char *scn_action_kind_name(enum scn_action_kind kind)
{
    switch (kind) {
    case SCN_ACT_CRASH:
        return "crash";
    case SCN_ACT_RESTART:
        return "restart";
    case SCN_ACT_PAUSE:
        return "pause";
    case SCN_ACT_TIMEOUT:
        return "timeout";
    case SCN_ACT_PARTITION:
        return "partition";
    case SCN_ACT_ISOLATE:
        return "isolate";
    case SCN_ACT_CUT:
        return "cut";
    case SCN_ACT_HEAL:
        return "heal";
    case SCN_ACT_SET_DROP:
        return "set drop";
    case SCN_ACT_SET_DUPLICATE:
        return "set duplicate";
    case SCN_ACT_SET_REORDER:
        return "set reorder";
    case SCN_ACT_SET_DELAY:
        return "set delay";
    case SCN_ACT_CLIENT_SET:
        return "client set";
    case SCN_ACT_CLIENT_DELETE:
        return "client delete";
    case SCN_ACT_CLIENT_GET:
        return "client get";
    case SCN_ACT_LOAD:
        return "load";
    case SCN_ACT_DRIFT:
        return "drift";
    case SCN_ACT_EXPECT:
        return "expect";
    case SCN_ACT_SETTLE:
        return "settle";
    case SCN_ACT_SET_DISK:
        return "set disk-latency";
    case SCN_ACT_CHANGE:
        return "change";
    case SCN_ACT_LEAVE_JOINT:
        return "leave-joint";
    case SCN_ACT_TRANSFER:
        return "transfer-leadership";
    }
    return "?";
}

const char *scn_check_kind_name(enum scn_check_kind kind)
{
    switch (kind) {
    case SCN_CHECK_LEADER:
        return "leader";
    case SCN_CHECK_NO_LEADER:
        return "no-leader";
    case SCN_CHECK_SAME_LEADER:
        return "same-leader";
    case SCN_CHECK_ROLE:
        return "role";
    case SCN_CHECK_TERM:
        return "term";
    case SCN_CHECK_APPLIED:
        return "applied";
    case SCN_CHECK_VALUE:
        return "value";
    case SCN_CHECK_ABSENT:
        return "absent";
    case SCN_CHECK_CONVERGED:
        return "converged";
    case SCN_CHECK_COMPLETED:
        return "completed";
    case SCN_CHECK_LINEARIZABLE:
        return "linearizable";
    case SCN_CHECK_NO_VIOLATION:
        return "no-violation";
    case SCN_CHECK_CONFIG:
        return "config";
    case SCN_CHECK_LEARNERS:
        return "learners";
    case SCN_CHECK_JOINT:
        return "joint";
    case SCN_CHECK_NOT_JOINT:
        return "not-joint";
    }
    return "?";
}

const char *scn_change_kind_name(enum scn_change_kind kind)
{
    switch (kind) {
    case SCN_CHANGE_ADD:
    case SCN_CHANGE_ADD_LEARNER:
        return "add";
    case SCN_CHANGE_PROMOTE:
        return "promote";
    case SCN_CHANGE_DEMOTE:
        return "demote";
    case SCN_CHANGE_REMOVE:
        return "remove";
    }
    return "?";
}

const char *scn_transition_name(enum scn_transition transition)
{
    switch (transition) {
    case SCN_TRANSITION_AUTO:
        return "";
    case SCN_TRANSITION_JOINT:
        return "joint";
    case SCN_TRANSITION_JOINT_EXPLICIT:
        return "joint-explicit";
    }
    return "?";
}

const char *scn_cmp_name(enum scn_cmp cmp)
{
    switch (cmp) {
    case SCN_CMP_EQ:
        return "==";
    case SCN_CMP_NE:
        return "!=";
    case SCN_CMP_LT:
        return "<";
    case SCN_CMP_LE:
        return "<=";
    case SCN_CMP_GT:
        return ">";
    case SCN_CMP_GE:
        return ">=";
    }
    return "?";
}

const char *scn_role_name(enum scn_role role)
{
    switch (role) {
    case SCN_ROLE_FOLLOWER:
        return "follower";
    case SCN_ROLE_CANDIDATE:
        return "candidate";
    case SCN_ROLE_LEADER:
        return "leader";
    }
    return "?";
}

const char *scn_event_name(enum scn_event event)
{
    switch (event) {
    case SCN_EVENT_GRANTS_VOTE:
        return "grants-vote";
    case SCN_EVENT_ACKS_APPEND:
        return "acks-append";
    case SCN_EVENT_ADOPTS_TERM:
        return "adopts-term";
    case SCN_EVENT_SENDS_SNAPSHOT:
        return "sends-snapshot";
    case SCN_EVENT_BECOMES_LEADER:
        return "becomes-leader";
    case SCN_EVENT_BECOMES_CANDIDATE:
        return "becomes-candidate";
    case SCN_EVENT_PERSISTS:
        return "persists";
    }
    return "?";
}

bool scn_cmp_holds(enum scn_cmp cmp, uint64_t actual, uint64_t expected)
{
    switch (cmp) {
    case SCN_CMP_EQ:
        return actual == expected;
    case SCN_CMP_NE:
        return actual != expected;
    case SCN_CMP_LT:
        return actual < expected;
    case SCN_CMP_LE:
        return actual <= expected;
    case SCN_CMP_GT:
        return actual > expected;
    case SCN_CMP_GE:
        return actual >= expected;
    }
    return false;
}
