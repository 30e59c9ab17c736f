/* raft.c: the public interface: creation, validation, the actions, the
 * and the assembly of each call's struct raft_update (the queries are in
 * raft_query.c).
 *
 * Invariant: every action either fails before changing anything (arguments
 * and messages are validated and every allocation it may need is made first)
 * or runs to completion and describes its effects in the update. Each action
 * begins with raft_begin() and ends with raft_finish().
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

const char *raft_strerror(int code)
{
    static const char *const names[RAFT_ERROR_COUNT] = {
        [RAFT_OK] = "ok",
        [RAFT_ENOMEM] = "out of memory",
        [RAFT_EINVAL] = "invalid argument or message",
        [RAFT_ENOTLEADER] = "not the leader",
        [RAFT_ETOOBIG] = "command or snapshot too big",
        [RAFT_EBUSY] = "a configuration change or transfer must wait",
        [RAFT_ENOSPC] = "too much uncommitted log",
    };
    if (code < 0 || code >= RAFT_ERROR_COUNT) {
        return "unknown error";
    }
    return names[code];
}

const char *raft_role_name(enum raft_role role)
{
    switch (role) {
    case RAFT_FOLLOWER:
        return "follower";
    case RAFT_CANDIDATE:
        return "candidate";
    case RAFT_LEADER:
        return "leader";
    case RAFT_ROLE_COUNT:
        break;
    }
    return "unknown";
}

const char *raft_message_type_name(enum raft_message_type type)
{
    switch (type) {
    case RAFT_MSG_APPEND_ENTRIES:
        return "AppendEntries";
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return "AppendEntriesResult";
    case RAFT_MSG_REQUEST_VOTE:
        return "RequestVote";
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return "RequestVoteResult";
    case RAFT_MSG_PRE_VOTE:
        return "PreVote";
    case RAFT_MSG_PRE_VOTE_RESULT:
        return "PreVoteResult";
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return "InstallSnapshot";
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return "InstallSnapshotResult";
    case RAFT_MSG_TIMEOUT_NOW:
        return "TimeoutNow";
    case RAFT_MSG_READ_INDEX:
        return "ReadIndex";
    case RAFT_MSG_READ_INDEX_RESULT:
        return "ReadIndexResult";
    case RAFT_MSG_TYPE_COUNT:
        break;
    }
    return "unknown";
}

void raft_config_init(struct raft_config *c)
{
    memset(c, 0, sizeof *c);
    c->election_timeout_min = 150;
    c->election_timeout_max = 300;
    c->heartbeat_interval = 50;
    c->max_entries_per_message = 64;
    c->max_bytes_per_message = 64 * 1024;
    c->max_inflight = 8;
}

/* An entry handed in with a record describes that record exactly
 * (raft.h, struct raft_entry): a held record of its term, type and length,
 * whose bytes are the entry's data. Such data is never NULL (it points
 * into the record), so the entry also has data whenever len is nonzero. */
static bool entry_record_valid(const struct raft_entry *e,
                               const struct raft_record *rec)
{
    return rec->refs > 0 && rec->term == e->term &&
           rec->type == (uint32_t)e->type && rec->len == e->len &&
           (e->len == 0 || e->data == (const void *)rec->data);
}

/* A known type; a configuration entry must encode a valid configuration. */
static bool entry_type_valid(const struct raft_entry *e)
{
    switch (e->type) {
    case RAFT_ENTRY_COMMAND:
    case RAFT_ENTRY_NOOP:
        return true;
    case RAFT_ENTRY_CONFIG:
        return raft_conf_bytes_valid(e->data, e->len);
    }
    return false;
}

/* Whether the n entries at entries form a well-formed run that may follow an
 * entry of term term_min (0 when they start the log): the array is present
 * when n > 0, every term is nonzero, at least term_min, never decreases and
 * is at most term_max, every type is known, data is present whenever len
 * is nonzero, and an entry with a record describes it. entries is borrowed
 * for the call. The terms' bounds: each term is at least the one before
 * it (the first at least term_min, and at least 1), so all are at most
 * term_max exactly when the last one is, checked once after the loop. A
 * command, the common type, needs no further look. */
static bool entry_run_valid(const struct raft_entry *entries,
                            size_t n,
                            uint64_t term_min,
                            uint64_t term_max)
{
    if (n == 0) {
        return true;
    }
    if (entries == NULL) {
        return false;
    }
    uint64_t prev = term_min > 0 ? term_min : 1;
    for (size_t i = 0; i < n; i++) {
        const struct raft_entry *e = &entries[i];
        const struct raft_record *rec = e->record;
        if (e->term < prev) {
            return false;
        }
        prev = e->term;
        if (rec != NULL ? !entry_record_valid(e, rec)
                        : e->len > 0 && e->data == NULL) {
            return false;
        }
        if (e->type != RAFT_ENTRY_COMMAND && !entry_type_valid(e)) {
            return false;
        }
    }
    return prev <= term_max;
}

/* The bootstrap voters may be empty or leave out id (raft.h). */
static bool config_valid(const struct raft_config *c)
{
    if (c->id == 0 || (c->voters == NULL && c->n_voters > 0) ||
        c->n_voters > RAFT_CONFIGURATION_MAX) {
        return false;
    }
    if (c->election_timeout_min == 0 ||
        c->election_timeout_min > c->election_timeout_max ||
        c->heartbeat_interval == 0 || c->max_inflight > 65536) {
        return false;
    }
    for (size_t i = 0; i < c->n_voters; i++) {
        if (c->voters[i] == 0) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (c->voters[j] == c->voters[i]) {
                return false;
            }
        }
    }
    return true;
}

/* A snapshot's configuration is absent (all empty: the bootstrap one) or
 * valid. */
static bool snapshot_conf_valid(const struct raft_snapshot *s)
{
    const struct raft_configuration *c = &s->configuration;
    if (c->n_voters == 0 && c->n_outgoing == 0 && c->n_learners == 0) {
        return true;
    }
    return raft_configuration_valid(c);
}

/* Durable state is valid when every term in it is at most RAFT_TERM_MAX,
 * the snapshot is named by a nonzero (index, term) or absent, and the
 * entries' terms are nonzero, never decrease and start at or above the
 * snapshot's term. The log may name a term above the durable current term: a
 * host that writes the term record and the log separately can lose the first
 * and keep the second (load_state()). */
static bool state_valid(const struct raft_durable_state *s)
{
    const struct raft_snapshot *snap = &s->snapshot;
    if (s->term > RAFT_TERM_MAX || snap->last_term > RAFT_TERM_MAX ||
        (snap->last_index == 0) != (snap->last_term == 0) ||
        (snap->len > 0 && snap->data == NULL) || !snapshot_conf_valid(snap)) {
        return false;
    }
    if (s->n_entries > UINT64_MAX - snap->last_index) {
        return false;
    }
    return entry_run_valid(s->entries, s->n_entries, snap->last_term,
                           RAFT_TERM_MAX);
}

/* The term a restarted node resumes in. Figure 2: currentTerm is the latest
 * term the server has seen, and an entry (or a snapshot) of term T reaches
 * a log only from a leader of T, after the node adopted T ("Rules for all
 * servers"). So a log whose last term exceeds the durable term means the
 * term record of T was lost while the log write survived: the node resumes
 * in T with no vote. That is safe: every message of the node sent in T left
 * only once all its earlier writes, the term record of T among them, were
 * durable (raft.h, step 2), so no vote in T ever left it. */
static uint64_t resume_term(const struct raft_durable_state *s, bool *raised)
{
    uint64_t term = s->snapshot.last_term;
    if (s->n_entries > 0) {
        term = s->entries[s->n_entries - 1].term;
    }
    *raised = term > s->term;
    return *raised ? term : s->term;
}

static void *copy_bytes(const void *data, size_t len, bool *ok)
{
    *ok = true;
    if (len == 0) {
        return NULL;
    }
    void *copy = malloc(len);
    if (copy == NULL) {
        *ok = false;
        return NULL;
    }
    memcpy(copy, data, len);
    return copy;
}

/* Thesis §4.1: the snapshot's configuration replaces the bootstrap one. */
static int load_snapshot(struct raft *r, const struct raft_snapshot *snap)
{
    bool ok;
    void *data = copy_bytes(snap->data, snap->len, &ok);
    if (!ok) {
        return RAFT_ENOMEM;
    }
    r->snapshot = *snap;
    r->snapshot.data = data;
    memset(&r->snapshot.configuration, 0, sizeof r->snapshot.configuration);
    raft_log_compact(&r->log, snap->last_index, snap->last_term);
    if (snap->configuration.n_voters > 0) {
        struct raft_conf conf;
        if (raft_conf_copy(&conf, &snap->configuration) != RAFT_OK) {
            return RAFT_ENOMEM;
        }
        raft_conf_free(&r->snap_conf);
        r->snap_conf = conf;
        raft_conf_history_touch(&r->confs);
    }
    return RAFT_OK;
}

struct raft_record *raft_record_of(const struct raft_entry *e)
{
    if (e->record != NULL) {
        raft_record_hold(e->record);
        return (struct raft_record *)e->record;
    }
    return raft_record_new(e->term, e->type, e->data, e->len);
}

/* Appends a durable entry; a configuration entry also gets its
 * configuration record. */
static int load_entry(struct raft *r, const struct raft_entry *e)
{
    struct raft_conf conf = {0};
    if (e->type == RAFT_ENTRY_CONFIG &&
        (raft_conf_history_reserve(&r->confs, 1) != RAFT_OK ||
         raft_conf_decode(&conf, e->data, e->len) != RAFT_OK)) {
        return RAFT_ENOMEM;
    }
    struct raft_record *rec = raft_record_of(e);
    if (rec == NULL) {
        raft_conf_free(&conf);
        return RAFT_ENOMEM;
    }
    raft_log_append(&r->log, rec);
    if (e->type == RAFT_ENTRY_CONFIG) {
        raft_conf_history_push(&r->confs, raft_log_last_index(&r->log), &conf);
    }
    return RAFT_OK;
}

static int load_state(struct raft *r, const struct raft_durable_state *s)
{
    bool raised;
    r->term = resume_term(s, &raised);
    r->vote = raised ? 0 : s->vote;
    if (s->snapshot.last_index > 0 &&
        load_snapshot(r, &s->snapshot) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    if (raft_log_reserve_slots(&r->log, s->n_entries) != RAFT_OK) {
        return RAFT_ENOMEM;
    }
    for (size_t i = 0; i < s->n_entries; i++) {
        if (load_entry(r, &s->entries[i]) != RAFT_OK) {
            return RAFT_ENOMEM;
        }
    }
    /* §7 and Figure 2: commitIndex restarts at what the snapshot covers;
     * everything handed back to us is durable. */
    r->commit_index = s->snapshot.last_index;
    r->applied_index = s->snapshot.last_index;
    r->persisted_index = raft_log_last_index(&r->log);
    r->durable_term = r->term;
    r->durable_vote = r->vote;
    r->durable_index = r->persisted_index;
    return RAFT_OK;
}

/* Frees the core and everything it owns; borrowed update pointers die. */
void raft_destroy(struct raft *r)
{
    if (r == NULL) {
        return;
    }
    raft_replication_release_scratch(r);
    free(r->scratch);
    free(r->conf_scratch);
    raft_read_free(r);
    raft_conf_free(&r->snap_conf_scratch);
    raft_conf_free(&r->snap_conf);
    raft_conf_history_free(&r->confs);
    raft_log_free(&r->log);
    free((void *)r->snapshot.data);
    free(r->partial.data);
    raft_conf_free(&r->partial.conf);
    free(r->compact_held.data);
    free(r->msgs);
    free(r->match_scratch);
    free(r->inflight_buf);
    free(r->progress);
    free((void *)r->config.voters);
    free(r);
}

/* Figure 2 "persistent state": a restarted node resumes with its durable
 * term, vote, snapshot and log as a follower; volatile state starts afresh
 * (commit and applied index at the snapshot). Config and state are copied. */
int raft_create(const struct raft_config *config,
                const struct raft_durable_state *state,
                uint64_t now,
                struct raft **out)
{
    if (config == NULL || out == NULL || !config_valid(config) ||
        (state != NULL && !state_valid(state))) {
        return RAFT_EINVAL;
    }
    size_t n = config->n_voters;
    struct raft *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return RAFT_ENOMEM;
    }
    r->config = *config;
    r->config.voters = NULL;
    uint64_t *voters = malloc((n > 0 ? n : 1) * sizeof *voters);
    r->config.voters = voters;
    if (voters == NULL) {
        raft_destroy(r);
        return RAFT_ENOMEM;
    }
    if (n > 0) {
        memcpy(voters, config->voters, n * sizeof *voters);
    }
    r->id = config->id;
    r->now = now;
    r->window = config->max_inflight > 0 ? config->max_inflight : 1;
    raft_log_init(&r->log);
    struct raft_configuration boot = {.voters = voters, .n_voters = n};
    int rc = n > 0 ? raft_conf_copy(&r->snap_conf, &boot) : RAFT_OK;
    if (rc == RAFT_OK && state != NULL) {
        rc = load_state(r, state);
    }
    /* The slots of the configuration in effect. A call emits at most one
     * heartbeat plus a full window per peer, or one message per peer, or
     * one reply. */
    if (rc == RAFT_OK) {
        rc = raft_membership_init(r);
    }
    if (rc != RAFT_OK) {
        raft_destroy(r);
        return rc;
    }
    r->role = RAFT_FOLLOWER;
    r->rng = config->random_seed ^ (config->id * 0xd1b54a32d192ed03ULL);
    /* Never 0: config_valid() wants election_timeout_min at least 1. */
    r->draw_range =
        config->election_timeout_max - config->election_timeout_min + 1;
    r->dirty_from = RAFT_NO_INDEX;
    r->hand_out = true; /* the first call looks */
    /* Thesis §6.4.1: with a durable term this node may have acknowledged a
     * leader's heartbeat just before it stopped, and that leader may serve
     * lease reads for up to election_timeout_min after sending it; our
     * start stands for that contact (§4.2.3), so no vote of ours can elect
     * another leader inside the lease. */
    if (r->term > 0) {
        r->start_lease_end = raft_time_add(now, config->election_timeout_min);
    }
    raft_election_reset_timer(r);
    *out = r;
    return RAFT_OK;
}

/* A leader also wakes up to leave a committed joint configuration at once
 * and to abandon a leadership transfer on time. */
static inline uint64_t next_deadline(const struct raft *r)
{
    if (r->role != RAFT_LEADER) {
        return r->election_deadline;
    }
    uint64_t d = r->heartbeat_deadline;
    if (r->config.check_quorum && r->quorum_deadline < d) {
        d = r->quorum_deadline;
    }
    if (r->transfer_target != 0 && r->transfer_deadline < d) {
        d = r->transfer_deadline;
    }
    if (raft_membership_leave_due(r)) {
        d = r->now;
    }
    return d;
}

/* The update of a failed call: nothing to do but wait. */
int raft_fail(const struct raft *r, int rc, struct raft_update *u)
{
    if (u != NULL) {
        memset(u, 0, sizeof *u);
        if (r != NULL) {
            u->term = r->term;
            u->vote = r->vote;
            u->commit_index = r->commit_index;
            u->role = r->role;
            u->leader = r->leader;
            u->next_deadline = next_deadline(r);
        }
    }
    return rc;
}

/* Announces the entries of each AppendEntries of this call to the views
 * (called only when msgs_point says some message points somewhere). */
static void plan_message_views(struct raft *r)
{
    bool any = false;
    for (size_t i = 0; i < r->n_msgs; i++) {
        const struct raft_message *m = &r->msgs[i];
        if (m->type == RAFT_MSG_APPEND_ENTRIES &&
            m->append_entries.n_entries > 0) {
            raft_log_views_plan(&r->log, m->append_entries.prev_log_index + 1,
                                m->append_entries.n_entries);
            any = true;
        } else if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
            any = true;
        }
    }
    assert(any); /* msgs_point is set by the emitters of such messages */
    (void)any;
}

/* The views this call's AppendEntries take at most: every range counted
 * whole, a range inside another one counted again. */
static size_t message_views_bound(const struct raft *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_msgs; i++) {
        const struct raft_message *m = &r->msgs[i];
        if (m->type == RAFT_MSG_APPEND_ENTRIES) {
            n += m->append_entries.n_entries;
        }
    }
    return n;
}

/* Plans the views of the entries written from `from` (n_write), of the
 * n_apply committed ones when they are not kept, and of the messages'
 * entries, then makes room for them; returns where the kept views of the
 * committed entries are, or SIZE_MAX. */
static size_t plan_views(struct raft *r,
                         uint64_t from,
                         size_t n_write,
                         size_t n_apply)
{
    size_t kept_at;
    for (;;) {
        raft_log_views_begin(&r->log);
        if (n_write > 0) {
            raft_log_views_plan(&r->log, from, n_write);
        }
        kept_at = SIZE_MAX;
        if (n_apply > 0) {
            kept_at =
                raft_log_views_kept(&r->log, r->applied_index + 1, n_apply);
            if (kept_at == SIZE_MAX) {
                raft_log_views_plan(&r->log, r->applied_index + 1, n_apply);
            }
        }
        if (r->msgs_point) {
            plan_message_views(r);
        }
        if (raft_log_views_fit(&r->log)) {
            break;
        }
        /* The kept views crowd this call's: planned again without them,
         * the room is what it always was. */
        raft_log_views_forget(&r->log);
    }
    raft_log_views_commit(&r->log);
    return kept_at;
}

/* Points the borrowed slices of this call's messages at their views and
 * the snapshot, now that neither moves until the next call. An
 * AppendEntries whose views could not be allocated leaves as a heartbeat
 * (a message the network could have lost). */
static void fix_up_messages(struct raft *r)
{
    for (size_t i = 0; i < r->n_msgs; i++) {
        struct raft_message *m = &r->msgs[i];
        if (m->type == RAFT_MSG_APPEND_ENTRIES &&
            m->append_entries.n_entries > 0) {
            const struct raft_entry *e = raft_log_views_render(
                &r->log, m->append_entries.prev_log_index + 1,
                m->append_entries.n_entries);
            m->append_entries.entries = e;
            if (e == NULL) {
                m->append_entries.n_entries = 0;
            }
        } else if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
            raft_snapshot_fix_up(r, m);
        }
    }
}

/* Hands out the entries to persist (written by this call, from `from` on)
 * and those committed since the last update, as views; then the messages'.
 * The written entries always fit (raft_log_reserve() promised their room);
 * committed entries whose views could not be allocated wait for the next
 * call. */
static void hand_out_entries(struct raft *r, struct raft_update *u)
{
    if (r->dirty_from == RAFT_NO_INDEX && r->commit_index == r->applied_index &&
        !r->msgs_point) {
        /* Nothing written, committed or sent with entries (a heartbeat, a
         * vote): the same as the general path below finds, sooner. */
        raft_log_views_none(&r->log);
        if (r->log_discarded) {
            u->entries_index = r->log.snapshot_index + 1;
        }
        return;
    }
    uint64_t last = raft_log_last_index(&r->log);
    uint64_t from = r->dirty_from;
    if (from <= r->log.snapshot_index) {
        from = r->log.snapshot_index + 1;
    }
    size_t n_write = from <= last ? (size_t)(last - from + 1) : 0;
    size_t n_apply = (size_t)(r->commit_index - r->applied_index);
    if (n_write == 0 && n_apply == 0 && !r->msgs_point) {
        /* Nothing to hand out (a heartbeat, a vote): no views. */
        raft_log_views_none(&r->log);
        if (r->log_discarded) {
            u->entries_index = r->log.snapshot_index + 1;
        }
        return;
    }
    /* Committed entries this node wrote in an earlier call: their views
     * are kept (raft_log.h), at kept_at. When the buffer holds a bound of
     * what the call renders, the ranges need no plan (raft_log_views_room()). */
    size_t kept_at =
        n_apply > 0
            ? raft_log_views_kept(&r->log, r->applied_index + 1, n_apply)
            : SIZE_MAX;
    size_t bound = n_write + (kept_at == SIZE_MAX ? n_apply : 0);
    if (r->msgs_point) {
        bound += message_views_bound(r);
    }
    if (!raft_log_views_room(&r->log, bound)) {
        kept_at = plan_views(r, from, n_write, n_apply);
    }

    if (n_write > 0) {
        u->entries_index = from;
        u->entries = raft_log_views_render(&r->log, from, n_write);
        assert(u->entries != NULL);
        u->n_entries = n_write;
        raft_log_views_keep(&r->log, from, n_write, u->entries);
    } else if (r->log_discarded) {
        /* No entries, but the log after the snapshot is gone: a host that
         * truncates at entries_index drops it too. */
        u->entries_index = r->log.snapshot_index + 1;
    }
    if (n_apply > 0) {
        if (kept_at != SIZE_MAX) {
            u->committed = &r->log.views[kept_at];
            assert(u->committed->record ==
                   raft_log_get(&r->log, r->applied_index + 1));
        } else {
            u->committed =
                raft_log_views_render(&r->log, r->applied_index + 1, n_apply);
        }
        if (u->committed != NULL) {
            u->apply_index = r->applied_index + 1;
            u->n_committed = n_apply;
            r->applied_index = r->commit_index;
            raft_log_views_trim(&r->log, r->applied_index);
        }
    }
    if (r->msgs_point) {
        fix_up_messages(r);
    }
}

/* The O(1) invariants of raft_impl.h, checked at the end of every action,
 * which then succeeded. Those of the slots (our own slot exists and holds
 * our id) are checked where the slots are laid out, raft_membership_apply(),
 * the only place that moves them: an action that does not lay them out
 * cannot break them.
 *
 * The log's order (snapshot <= applied <= commit <= last, persisted <=
 * last): checked by every call of the general path, and by a call of the
 * short path when log.version moved since the last check. A short-path call
 * whose version holds moved none of its inputs: the entries and the
 * snapshot point move the version (raft_log.c), and so does every write of
 * persisted_index that no such change accompanies (raft_persisted(),
 * raft_snapshot_compact()); applied_index moves only in the general path
 * (hand_out_entries(), an installed snapshot); and the short path is taken
 * only with commit_index == applied_index, so a commit index that only
 * rises and was at least applied_index when the call began has not moved
 * either. */
static inline void check_log_order(struct raft *r)
{
    uint64_t last = raft_log_last_index(&r->log);
    assert(r->snapshot.last_index == r->log.snapshot_index);
    assert(r->log.snapshot_index <= r->applied_index);
    assert(r->applied_index <= r->commit_index);
    assert(r->commit_index <= last);
    assert(r->persisted_index <= last);
    (void)last;
    r->order_checked = r->log.version;
}

/* The role rules, at the end of every call: RAFT_OK. */
static inline int check_roles(const struct raft *r)
{
    assert(r->role != RAFT_LEADER || r->leader == r->id);
    assert(r->role != RAFT_CANDIDATE || (r->vote == r->id && r->leader == 0));
    assert(!r->pre_campaigning || (r->role == RAFT_FOLLOWER && r->leader == 0));
    assert(r->transfer_target == 0 || r->role == RAFT_LEADER);
    (void)r;
    return RAFT_OK;
}

/* Both (a tail call of raft_finish()'s, out of line): RAFT_OK. */
static int check_invariants(struct raft *r)
{
    check_log_order(r);
    return check_roles(r);
}

/* The role rules alone, for a call of the short path whose log version
 * holds (a tail call of raft_finish()'s, out of line): RAFT_OK. */
static int check_invariants_but_order(const struct raft *r)
{
    return check_roles(r);
}

/* The public view of the snapshot's configuration follows snap_conf: it is
 * taken again only when the configuration history says snap_conf may have
 * changed (every change of it moves confs.version), and only by a call that
 * may hand the snapshot out (finish_general(): an accepted snapshot in the
 * update, an InstallSnapshot among the messages), before it does; nothing
 * else reads the view. */
static void view_snapshot_configuration(struct raft *r)
{
    if (r->snap_conf_viewed != r->confs.version + 1) {
        raft_conf_view(&r->snap_conf, &r->snapshot.configuration);
        r->snap_conf_viewed = r->confs.version + 1;
    }
}

/* An array and its count, side by side in the same order in struct raft
 * (the call's messages, its reads) and in struct raft_update: fill_state()
 * copies each pair as one block, two moves where the fields' own loads and
 * stores took four, at every call. */
#define PAIR_SIDE_BY_SIDE(type, array, count)                                  \
    (offsetof(type, count) == offsetof(type, array) + sizeof(void *) &&        \
     sizeof(((type *)0)->count) == sizeof(void *))
static_assert(PAIR_SIDE_BY_SIDE(struct raft, msgs, n_msgs) &&
                  PAIR_SIDE_BY_SIDE(struct raft_update, messages, n_messages) &&
                  PAIR_SIDE_BY_SIDE(struct raft, ready, n_ready) &&
                  PAIR_SIDE_BY_SIDE(struct raft_update, reads, n_reads),
              "fill_state() copies the messages and the reads as pairs");

/* The fields every update reports the same way: the state after the call,
 * what changed in it, the messages (already ordered) and the reads. */
static inline void fill_state(const struct raft *r, struct raft_update *u)
{
    u->hard_state_changed = r->hard_state_moved;
    u->term = r->term;
    u->vote = r->vote;
    memcpy(&u->messages, &r->msgs, 2 * sizeof(void *)); /* and n_messages */
    u->commit_index = r->commit_index;
    memcpy(&u->reads, &r->ready, 2 * sizeof(void *)); /* and n_reads */
    u->role_changed = r->role != r->start_role;
    u->leader_changed = r->leader != r->start_leader;
    u->role = r->role;
    u->leader = r->leader;
    u->next_deadline = next_deadline(r);
}

/* The fields of what a call hands out (snapshot, entries, the count of
 * messages that wait, committed entries), laid out side by side in
 * struct raft_update, set to none: one clearing of their bytes. */
#define HAND_OUTS_FROM offsetof(struct raft_update, snapshot)
#define HAND_OUTS_END                                                          \
    (offsetof(struct raft_update, n_committed) + sizeof(size_t))
#define HAND_OUT_IN(f)                                                         \
    (offsetof(struct raft_update, f) >= HAND_OUTS_FROM &&                      \
     offsetof(struct raft_update, f) < HAND_OUTS_END)
static_assert(HAND_OUT_IN(entries_index) && HAND_OUT_IN(entries) &&
                  HAND_OUT_IN(n_entries) && HAND_OUT_IN(n_sync_messages) &&
                  HAND_OUT_IN(apply_index) && HAND_OUT_IN(committed) &&
                  HAND_OUTS_END - HAND_OUTS_FROM ==
                      3 * sizeof(void *) + 2 * sizeof(uint64_t) +
                          3 * sizeof(size_t),
              "the eight hand-out fields of struct raft_update, and nothing "
              "else, lie between snapshot and n_committed");
static inline void clear_hand_outs(struct raft_update *u)
{
    memset((unsigned char *)u + HAND_OUTS_FROM, 0,
           HAND_OUTS_END - HAND_OUTS_FROM);
}

/* Whether finish_general() would find nothing to hand out: no entry
 * written or newly committed, no message with entries or a snapshot, no
 * snapshot accepted (a log discarded with it sets log_discarded only
 * beside snapshot_installed, in install(), so it needs no test of its
 * own), no forwarded read to settle (hand_out false says all these, as
 * raft_impl.h keeps it), no catch-up's view buffer to give back. With no
 * message that must wait for the writes, most calls: a heartbeat, its
 * acknowledgement, a round of heartbeats. */
static bool hands_out_nothing(const struct raft *r)
{
    return !r->hand_out && r->log.views_cap <= RAFT_LOG_VIEWS_KEEP;
}

/* The update of any call: the views of what it hands out, the messages
 * that wait first, the forwarded reads settled, then the fields. */
static int finish_general(struct raft *r, struct raft_update *u)
{
    view_snapshot_configuration(r);
    /* hand_out_entries() sets the entries' fields only when there are
     * entries, raft_durable_order_messages() the count of those that wait
     * only when there are messages. */
    clear_hand_outs(u);
    if (r->snapshot_installed) {
        u->snapshot = &r->snapshot;
    }
    hand_out_entries(r, u);
    if (r->snapshot_installed) {
        raft_durable_log_changed(r, 1); /* durable again once reported */
    }
    if (r->n_msgs > 0) {
        raft_durable_order_messages(r, u);
    }
    if (r->n_fwd > 0) {
        raft_read_settle(r);
    }
    /* What the next call finds still to hand out, unless it writes more. */
    r->hand_out = r->commit_index != r->applied_index || r->n_fwd != 0;
    fill_state(r, u);
    return check_invariants(r);
}

/* Assembles the update (struct raft_update documents the host's duties).
 * Every field is written, so the update needs no clearing first. A call
 * that hands out nothing gets its fields as finish_general() would write
 * them, without its steps, each of which would find nothing to do; called
 * from two places, finish_general() is not inlined, so such a call saves
 * no registers either. Such a call checks the log's order only when the
 * log's version moved (check_log_order() says why that is enough). */
int raft_finish(struct raft *r, struct raft_update *u)
{
    if (!hands_out_nothing(r)) {
        return finish_general(r, u);
    }
    if (r->n_msgs > 0 && raft_durable_any_waits(r)) {
        return finish_general(r, u);
    }
    raft_log_views_none(&r->log);
    clear_hand_outs(u);
    fill_state(r, u);
    if (r->log.version != r->order_checked) {
        return check_invariants(r);
    }
    return check_invariants_but_order(r);
}

/* raft_tick() of a leader whose joint configuration is committed (thesis
 * §4.3): the entry that moves on to the new one is made before anything
 * changes (RAFT_ENOMEM changes nothing), then the call begins and the
 * entry is appended and sent. Out of line, so that the other ticks set no
 * room aside for its configuration. */
static __attribute__((noinline)) int
tick_leave(struct raft *r, uint64_t now)
{
    struct raft_record *leave_rec = NULL;
    struct raft_conf leave = {0};
    int rc = raft_membership_prepare_leave(r, &leave_rec, &leave);
    if (rc != RAFT_OK) {
        return rc;
    }
    raft_begin(r, now);
    raft_membership_append(r, leave_rec, &leave);
    raft_replication_send_all(r);
    raft_replication_maybe_commit(r);
    return RAFT_OK;
}

/* Figure 2, "Rules for followers/candidates": an expired election timer
 * starts a (pre-)campaign (§5.2, thesis §9.6). "Rules for leaders": send
 * heartbeats every heartbeat_interval; with check_quorum, step down without a
 * majority (thesis §6.2). */
int raft_tick(struct raft *r, uint64_t now, struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc == RAFT_OK && raft_membership_leave_due(r)) {
        rc = tick_leave(r, now); /* begins the call when it succeeds */
    } else if (rc == RAFT_OK) {
        raft_begin(r, now);
    }
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    if (r->role == RAFT_LEADER) {
        raft_transfer_tick(r);
        if (r->config.check_quorum && now >= r->quorum_deadline) {
            raft_election_check_quorum(r);
        }
        if (r->role == RAFT_LEADER && now >= r->heartbeat_deadline) {
            raft_replication_heartbeat(r);
            r->heartbeat_deadline =
                raft_time_add(now, r->config.heartbeat_interval);
        }
    } else if (now >= r->election_deadline) {
        raft_election_timeout(r);
    }
    return raft_finish(r, u);
}

static bool entries_valid(const struct raft_message *m)
{
    const struct raft_append_entries *ae = &m->append_entries;
    if (ae->n_entries > UINT64_MAX - ae->prev_log_index) {
        return false;
    }
    if ((ae->prev_log_index == 0) != (ae->prev_log_term == 0) ||
        ae->prev_log_term > m->term) {
        return false;
    }
    /* A heartbeat: no run to check (entry_run_valid() of none is true). */
    return ae->n_entries == 0 ||
           entry_run_valid(ae->entries, ae->n_entries, ae->prev_log_term,
                           m->term);
}

/* Whether m answers a request of ours: one of the four reply types, a
 * bit each in a mask (a type outside the enumeration is none). A reply
 * from a server outside our configuration (its slot is NULL) answers
 * nothing we still track (it was removed, or never was a member): it is
 * dropped whole, term included, so a removed server cannot disturb the
 * cluster (thesis §4.2.3). */
#define REPLY_TYPES                                                            \
    (1u << RAFT_MSG_APPEND_ENTRIES_RESULT | 1u << RAFT_MSG_REQUEST_VOTE_RESULT | \
     1u << RAFT_MSG_PRE_VOTE_RESULT | 1u << RAFT_MSG_INSTALL_SNAPSHOT_RESULT)
static_assert(RAFT_MSG_TYPE_COUNT <= 32, "a type is a bit of REPLY_TYPES");
static bool is_reply(const struct raft_message *m)
{
    unsigned t = (unsigned)m->type;
    return t < RAFT_MSG_TYPE_COUNT && (REPLY_TYPES >> t & 1u) != 0;
}

/* Whether m is well formed and meant for us from another server (the
 * precondition of every rule in Figure 2; nothing else reaches the state
 * machine). The sender need not be in our configuration: a leader or
 * candidate may belong to one our log does not hold yet (thesis §4.1). */
static bool message_valid(struct raft *r, const struct raft_message *m)
{
    if (m->to != r->id || m->from == r->id || m->from == 0) {
        return false;
    }
    /* A term that cannot be incremented: adopting it would wrap the next
     * campaign's term around to 0. */
    if (m->term > RAFT_TERM_MAX) {
        return false;
    }
    /* Requests come from leaders and candidates, whose term is at least 1;
     * a reply carries the replier's term, which may still be 0. A type
     * outside the enumeration is refused by the default case. The two
     * kinds of every heartbeat round are tested first, each with one
     * compare. */
    if (m->type == RAFT_MSG_APPEND_ENTRIES) {
        return m->term > 0 && entries_valid(m);
    }
    if (is_reply(m)) {
        return true;
    }
    switch (m->type) {
    case RAFT_MSG_REQUEST_VOTE:
    case RAFT_MSG_PRE_VOTE:
        return m->term > 0 &&
               (m->request_vote.last_log_index == 0) ==
                   (m->request_vote.last_log_term == 0) &&
               m->request_vote.last_log_term <= m->term;
    case RAFT_MSG_INSTALL_SNAPSHOT: {
        const struct raft_snapshot *s = &m->install_snapshot.snapshot;
        return m->term > 0 && s->last_index > 0 && s->last_term > 0 &&
               s->last_term <= m->term && (s->len == 0 || s->data != NULL) &&
               snapshot_conf_valid(s) && raft_snapshot_msg_valid(m);
    }
    case RAFT_MSG_TIMEOUT_NOW:
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
        return m->term > 0;
    default: /* the replies (above) and types outside the enumeration */
        return false;
    }
}

/* Whether receiving m never appends to the log: a heartbeat (an
 * AppendEntries without entries) or an AppendEntriesResult. */
static bool appends_nothing(const struct raft_message *m)
{
    return m->type == RAFT_MSG_APPEND_ENTRIES_RESULT ||
           (m->type == RAFT_MSG_APPEND_ENTRIES &&
            m->append_entries.n_entries == 0);
}

/* Frees what raft_receive() copied ahead and the call did not consume: a
 * snapshot's bytes or configuration, an AppendEntries' records; an
 * AppendEntries' plan is no longer pending. */
static void release_prepared(struct raft *r, void *snapshot_copy)
{
    r->plan_of = NULL;
    if (snapshot_copy != NULL) {
        free(snapshot_copy);
    }
    if (r->snap_conf_scratch.ids != NULL) {
        raft_conf_free(&r->snap_conf_scratch);
    }
    if (r->n_scratch > 0) {
        raft_replication_release_scratch(r);
    }
}

/* The receiver rules of every message but the two of a heartbeat round
 * (raft_receive() handles those), term already reconciled. snapshot_copy
 * is what raft_snapshot_prepare() copied for an InstallSnapshot, which
 * takes it; returns what is left to release (NULL once taken). */
static void *receive_other(struct raft *r,
                           const struct raft_message *m,
                           void *snapshot_copy)
{
    switch (m->type) {
    case RAFT_MSG_REQUEST_VOTE:
        raft_election_recv_request_vote(r, m);
        break;
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        raft_election_recv_vote_result(r, m);
        break;
    case RAFT_MSG_PRE_VOTE:
        raft_election_recv_pre_vote(r, m);
        break;
    case RAFT_MSG_PRE_VOTE_RESULT:
        raft_election_recv_pre_vote_result(r, m);
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT:
        raft_snapshot_recv(r, m, snapshot_copy);
        return NULL;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        raft_snapshot_recv_result(r, m);
        break;
    case RAFT_MSG_TIMEOUT_NOW:
        raft_transfer_recv_timeout_now(r, m);
        break;
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
        raft_read_recv(r, m);
        break;
    case RAFT_MSG_APPEND_ENTRIES:        /* raft_receive() */
    case RAFT_MSG_APPEND_ENTRIES_RESULT: /* raft_receive() */
    case RAFT_MSG_TYPE_COUNT:
        break;
    }
    return snapshot_copy;
}

/* The two messages of nearly every heartbeat round, each in our term: a
 * heartbeat (an AppendEntries without entries) from the leader we follow,
 * and an AppendEntriesResult to the leader we are. For either,
 * receive_general() would reserve nothing (neither appends), prepare
 * nothing (no entries, no snapshot) and find the term rule of Figure 2
 * satisfied (the term is ours, not a higher one); the heartbeat's follower
 * needs no sender's slot, and the leader looks up the sender's, notes when
 * it heard from it, or drops a reply from outside (is_reply()). So
 * raft_receive() takes these steps at once, without the tests that would
 * find as much; m is valid (message_valid()). */
static bool heartbeat_of_our_leader(const struct raft *r,
                                    const struct raft_message *m)
{
    return m->type == RAFT_MSG_APPEND_ENTRIES &&
           m->append_entries.n_entries == 0 && m->term == r->term &&
           r->role == RAFT_FOLLOWER && r->leader == m->from;
}

static bool answer_to_our_lead(const struct raft *r,
                               const struct raft_message *m)
{
    return m->type == RAFT_MSG_APPEND_ENTRIES_RESULT && m->term == r->term &&
           r->role == RAFT_LEADER;
}

/* raft_receive() of a valid message of any other kind. */
static int receive_general(struct raft *r,
                           uint64_t now,
                           const struct raft_message *m,
                           struct raft_update *u)
{
    /* A heartbeat and a reply to an AppendEntries append nothing (no
     * leader is elected on them, and a heartbeat carries no entry), so
     * they need no room for one more entry: only that `now` does not go
     * back is checked (and, at the end, that nothing was written). Any
     * other message may elect this node (its no-op) or carries entries,
     * and reserves as every action does. */
    bool unreserved = appends_nothing(m);
    int rc = unreserved ? (now < r->now ? RAFT_EINVAL : RAFT_OK)
                        : raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    void *snapshot_copy = NULL;
    /* A heartbeat carries no entries: nothing to copy ahead. Only what
     * was prepared can be left over (released below). */
    bool prepared = false;
    if (m->type == RAFT_MSG_APPEND_ENTRIES &&
        m->append_entries.n_entries > 0) {
        rc = raft_replication_prepare_append(r, m);
        prepared = true;
    } else if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
        rc = raft_snapshot_prepare(r, m, &snapshot_copy);
        prepared = true;
    }
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }

    raft_begin(r, now);
    /* The sender's slot, read only by a reply (dropped from outside, see
     * is_reply()) and on a leader (which notes when it heard from a peer;
     * no message makes a node leader before that note): nothing below
     * changes the slots before it is read. A follower or candidate needs
     * none for a request, such as its leader's heartbeat. */
    bool reply = is_reply(m);
    struct raft_progress *p = NULL;
    if (reply || r->role == RAFT_LEADER) {
        p = raft_progress_of(r, m->from);
        if (reply && p == NULL) {
            return raft_finish(r, u);
        }
    }
    if (raft_election_observe_term(r, m)) {
        if (r->role == RAFT_LEADER && m->term == r->term && p != NULL) {
            p->last_heard = now;
        }
        /* The two kinds of every heartbeat round first, each with one
         * compare. */
        if (m->type == RAFT_MSG_APPEND_ENTRIES) {
            raft_replication_recv_append(r, m);
        } else if (m->type == RAFT_MSG_APPEND_ENTRIES_RESULT) {
            raft_replication_recv_append_result(r, m, p);
        } else {
            snapshot_copy = receive_other(r, m, snapshot_copy);
        }
    }
    if (prepared) {
        release_prepared(r, snapshot_copy);
    }
    /* A call that reserved no room wrote nothing. */
    assert(!unreserved || r->dirty_from == RAFT_NO_INDEX);
    return raft_finish(r, u);
}

/* Validates m, applies the term rule of Figure 2 ("Rules for all servers"),
 * then the receiver rules of its RPC. m and what it points to are borrowed for
 * the call; entries are held or copied (raft.h), snapshot data copied. */
int raft_receive(struct raft *r,
                 uint64_t now,
                 const struct raft_message *m,
                 struct raft_update *u)
{
    if (r == NULL || m == NULL || u == NULL || !message_valid(r, m)) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    /* Each in a branch of its own here, where the receiver rule is
     * inlined knowing the type, the role and the term: through one shared
     * helper, or helpers of their own, the compiled path was longer. */
    if (heartbeat_of_our_leader(r, m)) {
        if (now < r->now) {
            return raft_fail(r, RAFT_EINVAL, u);
        }
        raft_begin(r, now);
        raft_replication_recv_append(r, m);
        assert(r->dirty_from == RAFT_NO_INDEX); /* nothing was written */
        return raft_finish(r, u);
    }
    if (answer_to_our_lead(r, m)) {
        if (now < r->now) {
            return raft_fail(r, RAFT_EINVAL, u);
        }
        raft_begin(r, now);
        struct raft_progress *p = raft_progress_of(r, m->from);
        if (p != NULL) {
            p->last_heard = now;
            raft_replication_recv_append_result(r, m, p);
        }
        assert(r->dirty_from == RAFT_NO_INDEX); /* nothing was written */
        return raft_finish(r, u);
    }
    return receive_general(r, now, m, u);
}

/* Thesis §10.2.1: the leader counts itself toward a commit majority only for
 * entries durable on its own disk; this reports them. */
int raft_persisted(struct raft *r,
                   uint64_t now,
                   uint64_t index,
                   uint64_t term,
                   struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    raft_begin(r, now);
    raft_durable_entries(r, index, term);
    if (index > r->persisted_index && index <= raft_log_last_index(&r->log) &&
        raft_log_term_at(&r->log, index) == term) {
        r->persisted_index = index;
        raft_log_moved(&r->log); /* the log's order is checked again */
        raft_replication_maybe_commit(r);
    }
    return raft_finish(r, u);
}

/* §7: the host's snapshot at an applied index replaces the log prefix. data
 * is copied and kept to send as InstallSnapshot. */
int raft_compact(struct raft *r,
                 uint64_t now,
                 uint64_t index,
                 const void *data,
                 size_t len,
                 struct raft_update *u)
{
    if (r == NULL || u == NULL || (len > 0 && data == NULL) ||
        index <= r->log.snapshot_index || index > r->applied_index) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    bool ok;
    void *copy = copy_bytes(data, len, &ok);
    if (!ok) {
        return raft_fail(r, RAFT_ENOMEM, u);
    }
    raft_begin(r, now);
    raft_snapshot_compact(r, index, copy, len);
    return raft_finish(r, u);
}

/* §5.2: the election timer fires now (PreVote first if configured). A
 * leader ignores it. */
int raft_campaign(struct raft *r, uint64_t now, struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    raft_begin(r, now);
    raft_election_timeout(r);
    return raft_finish(r, u);
}
