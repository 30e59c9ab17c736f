/* raft_membership.c: the configuration in effect, the progress slots that
 * describe it, joint quorums and membership changes (thesis chapter 4).
 *
 * Invariants:
 * - the progress slots hold one slot per member of the configuration in
 *   effect, flagged with its roles, plus our own slot (self_slot), which
 *   always exists; other slots are free and reused for new members;
 * - no two slots hold the same nonzero id (a free slot may keep the id of a
 *   server that just left; claim_slot() runs only for an id no slot holds),
 *   so a slot found by id is the only one (raft_impl.h's raft_slot_of());
 * - every quorum (votes, commitment, CheckQuorum) needs a majority of the
 *   voters and, while joint, separately a majority of the outgoing voters
 *   (thesis §4.3); learners never count;
 * - a leader appends a configuration entry only when it has committed an
 *   entry of its own term and the previous configuration entry is committed,
 *   so a log never holds two uncommitted configuration changes (the 2015
 *   fix to single-server changes, thesis §4.1 and its errata).
 */
#include <stdlib.h>
#include <string.h>

#include "raft_impl.h"

/* Replaces the slot arrays with ones of cap slots, keeping every slot and
 * its in-flight window. RAFT_ENOMEM changes nothing. */
static int grow_slots(struct raft *r, size_t cap)
{
    size_t w = r->window;
    if (cap > SIZE_MAX / sizeof(struct raft_message) / (w + 2) - 4) {
        return RAFT_ENOMEM;
    }
    struct raft_progress *progress = calloc(cap, sizeof *progress);
    uint64_t *inflight = calloc(cap * w, sizeof *inflight);
    /* The commit rule's scratch and the outbox are written before they are
     * read (raft_emit() clears each message it hands out), so they are not
     * cleared here: the outbox is the largest block of a core, about 9 KB
     * for five members. */
    uint64_t *match = malloc(cap * sizeof *match);
    size_t msgs_cap = cap * (w + 2) + 4;
    struct raft_message *msgs = malloc(msgs_cap * sizeof *msgs);
    if (progress == NULL || inflight == NULL || match == NULL ||
        msgs == NULL) {
        free(progress);
        free(inflight);
        free(match);
        free(msgs);
        return RAFT_ENOMEM;
    }
    if (r->n_slots > 0) {
        memcpy(progress, r->progress, r->n_slots * sizeof *progress);
        memcpy(inflight, r->inflight_buf, r->n_slots * w * sizeof *inflight);
    }
    for (size_t i = 0; i < cap; i++) {
        progress[i].inflight = inflight + i * w;
        progress[i].inflight_cap = w;
        progress[i].version = &r->progress_version;
    }
    free(r->progress);
    free(r->inflight_buf);
    free(r->match_scratch);
    free(r->msgs);
    r->progress = progress;
    r->inflight_buf = inflight;
    r->match_scratch = match;
    r->msgs = msgs;
    r->msgs_cap = msgs_cap;
    r->n_msgs = 0;
    r->msgs_point = false;
    r->slots_cap = cap;
    return RAFT_OK;
}

int raft_membership_reserve(struct raft *r, size_t n_ids)
{
    if (n_ids > RAFT_CONFIGURATION_MAX) {
        return RAFT_ENOMEM;
    }
    size_t need = n_ids + 1; /* every member, and our own slot */
    if (need <= r->slots_cap) {
        return RAFT_OK;
    }
    return grow_slots(r, need);
}

size_t raft_slot_scan(const struct raft *r, uint64_t id)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        if (r->progress[i].id == id) {
            return i;
        }
    }
    return r->n_slots;
}

static struct raft_progress *find_slot(struct raft *r, uint64_t id)
{
    for (size_t i = 0; i < r->n_slots; i++) {
        if (r->progress[i].id == id) {
            return &r->progress[i];
        }
    }
    return NULL;
}

/* A fresh slot for id: a free one (no role, not ours) or a new one. */
static struct raft_progress *claim_slot(struct raft *r, uint64_t id)
{
    struct raft_progress *p = NULL;
    for (size_t i = 0; i < r->n_slots && p == NULL; i++) {
        if (!raft_progress_member(&r->progress[i]) &&
            r->progress[i].id != r->id) {
            p = &r->progress[i];
        }
    }
    if (p == NULL) {
        assert(r->n_slots < r->slots_cap);
        p = &r->progress[r->n_slots++];
    }
    p->id = id;
    raft_progress_reset(p, raft_log_last_index(&r->log) + 1);
    p->last_heard = r->now;
    p->tally = RAFT_TALLY_NONE;
    return p;
}

static void set_role(struct raft_progress *p, const struct raft_conf *c,
                     size_t k)
{
    if (k < c->n_voters) {
        p->voter = true;
    } else if (k < c->n_voters + c->n_outgoing) {
        p->voter_out = true;
    } else {
        p->learner = true;
    }
}

void raft_membership_apply(struct raft *r)
{
    const struct raft_conf *c = raft_membership_current(r);
    size_t total = raft_conf_size(c);
    for (size_t i = 0; i < r->n_slots; i++) {
        if (!raft_progress_member(&r->progress[i]) &&
            r->progress[i].id != r->id) {
            /* A server that left the configuration earlier and joins it
             * again starts afresh, as a new one: its old progress and the
             * last time it was heard from describe a member that no longer
             * exists. CheckQuorum counts a new voter as heard when it joins
             * (thesis §6.2: it has not been silent for an election
             * timeout; etcd-io/raft marks a new member recently active), or
             * a leader re-adding a server that answers at once would step
             * down at its next check. */
            r->progress[i].id = 0;
        }
        r->progress[i].voter = false;
        r->progress[i].voter_out = false;
        r->progress[i].learner = false;
    }
    for (size_t k = 0; k < total; k++) {
        struct raft_progress *p = find_slot(r, c->ids[k]);
        if (p != NULL) {
            set_role(p, c, k);
        }
    }
    for (size_t k = 0; k < total; k++) {
        struct raft_progress *p = find_slot(r, c->ids[k]);
        set_role(p != NULL ? p : claim_slot(r, c->ids[k]), c, k);
    }
    struct raft_progress *self = find_slot(r, r->id);
    if (self == NULL) {
        self = claim_slot(r, r->id);
    }
    r->self_slot = (size_t)(self - r->progress);
    r->progress_version++; /* members may have come or gone */
    /* The slots' invariant (raft_impl.h), checked here rather than at the
     * end of every action: nothing else writes self_slot or a slot's id,
     * n_slots only grows (claim_slot()), and grow_slots() copies the slots
     * as they are. */
    assert(r->self_slot < r->n_slots &&
           r->progress[r->self_slot].id == r->id);
}

bool raft_membership_self_voter(const struct raft *r)
{
    const struct raft_progress *self = &r->progress[r->self_slot];
    return self->voter || self->voter_out;
}

bool raft_membership_may_campaign(const struct raft *r)
{
    if (raft_membership_self_voter(r)) {
        return true;
    }
    if (r->confs.n == 0 || raft_membership_index(r) <= r->commit_index) {
        return false;
    }
    const struct raft_conf *prev = r->confs.n >= 2
                                       ? &r->confs.items[r->confs.n - 2].conf
                                       : &r->snap_conf;
    return raft_conf_is_voter(prev, r->id);
}

static bool in_half(const struct raft_progress *p, bool outgoing)
{
    return outgoing ? p->voter_out : p->voter;
}

/* Thesis §4.3: a majority of one half (an empty outgoing half agrees). */
static bool half_won(const struct raft *r, bool outgoing)
{
    size_t n = 0;
    size_t granted = 0;
    for (size_t i = 0; i < r->n_slots; i++) {
        const struct raft_progress *p = &r->progress[i];
        if (in_half(p, outgoing)) {
            n++;
            granted += p->tally == RAFT_TALLY_GRANTED;
        }
    }
    return n == 0 || granted >= n / 2 + 1;
}

bool raft_membership_vote_won(const struct raft *r)
{
    return half_won(r, false) && half_won(r, true);
}

void raft_sort_descending(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] < x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* The index slot i holds towards a commit: the leader counts itself only
 * up to what is durable on its own disk (thesis §10.2.1). */
static uint64_t commit_held(const struct raft *r, size_t i)
{
    return i == r->self_slot ? r->persisted_index : r->progress[i].match_index;
}

/* The highest index a majority of one half holds when it is above the
 * commit index, else the commit index; UINT64_MAX for an empty outgoing
 * half, which agrees to anything. The index at n / 2 of the n indexes
 * sorted in descending order is above the commit index exactly when
 * n / 2 + 1 of them are: most replies a leader hears move no majority past
 * its commit index, and the count needs no sort. */
static uint64_t half_commit_point(struct raft *r, bool outgoing)
{
    size_t n = 0;
    size_t above = 0;
    for (size_t i = 0; i < r->n_slots; i++) {
        if (!in_half(&r->progress[i], outgoing)) {
            continue;
        }
        uint64_t held = commit_held(r, i);
        r->match_scratch[n++] = held;
        above += held > r->commit_index;
    }
    if (n == 0) {
        return UINT64_MAX;
    }
    if (above < n / 2 + 1) {
        return r->commit_index;
    }
    raft_sort_descending(r->match_scratch, n);
    return r->match_scratch[n / 2];
}

uint64_t raft_membership_commit_point(struct raft *r)
{
    uint64_t in = half_commit_point(r, false);
    if (in <= r->commit_index) {
        return in; /* no majority beyond it: the other half cannot add one */
    }
    uint64_t out = half_commit_point(r, true);
    return in < out ? in : out;
}

/* Thesis §6.2: the voters of one half heard from (ourselves included)
 * within the last election_timeout_min form a majority of it. */
static bool half_active(const struct raft *r, bool outgoing)
{
    size_t n = 0;
    size_t active = in_half(&r->progress[r->self_slot], outgoing) ? 1 : 0;
    for (size_t i = 0; i < r->n_slots; i++) {
        if (!in_half(&r->progress[i], outgoing)) {
            continue;
        }
        n++;
        if (i != r->self_slot && r->now - r->progress[i].last_heard <
                                     r->config.election_timeout_min) {
            active++;
        }
    }
    return n == 0 || active >= n / 2 + 1;
}

bool raft_membership_quorum_active(const struct raft *r)
{
    return half_active(r, false) && half_active(r, true);
}

void raft_membership_after_commit(struct raft *r)
{
    if (r->role == RAFT_LEADER && !raft_membership_self_voter(r) &&
        raft_membership_index(r) <= r->commit_index) {
        /* Thesis §4.2.2: the leader managed the cluster until its removal
         * committed; now it steps down, and never campaigns again. */
        raft_become_follower(r, r->term, 0);
    }
}

/* Encodes target into a new record of the leader's term and makes an owned
 * copy of it, with room in the history for its record and in the log for
 * its entry. */
static int prepare_entry(struct raft *r,
                         const struct raft_configuration *target,
                         struct raft_record **rec,
                         struct raft_conf *conf)
{
    size_t n = raft_configuration_encoded_len(target);
    unsigned char *buf = malloc(n);
    if (buf == NULL) {
        return RAFT_ENOMEM;
    }
    raft_configuration_encode(target, buf);
    *rec = raft_record_new(r->term, RAFT_ENTRY_CONFIG, buf, n);
    free(buf);
    if (*rec == NULL) {
        return RAFT_ENOMEM;
    }
    if (raft_conf_copy(conf, target) != RAFT_OK) {
        raft_record_release(*rec);
        return RAFT_ENOMEM;
    }
    size_t ids = raft_conf_size(conf);
    if (raft_conf_history_reserve(&r->confs, 1) != RAFT_OK ||
        raft_membership_reserve(r, ids) != RAFT_OK ||
        raft_log_reserve(&r->log, 1) != RAFT_OK) {
        raft_conf_free(conf);
        raft_record_release(*rec);
        return RAFT_ENOMEM;
    }
    return RAFT_OK;
}

int raft_membership_prepare_leave(struct raft *r,
                                  struct raft_record **rec,
                                  struct raft_conf *conf)
{
    struct raft_configuration target;
    raft_conf_view(raft_membership_current(r), &target);
    target.outgoing = NULL;
    target.n_outgoing = 0;
    target.auto_leave = false;
    return prepare_entry(r, &target, rec, conf);
}

void raft_membership_append(struct raft *r,
                            struct raft_record *rec,
                            struct raft_conf *conf)
{
    assert(r->role == RAFT_LEADER && rec->term == r->term);
    raft_log_append(&r->log, rec);
    uint64_t index = raft_log_last_index(&r->log);
    raft_conf_history_push(&r->confs, index, conf);
    raft_replication_mark_dirty(r, index);
    /* Thesis §4.1: the new configuration governs from now on. */
    raft_membership_apply(r);
}

/* A configuration under construction: voters and learners, each up to
 * RAFT_CONFIGURATION_MAX ids. */
struct target
{
    uint64_t voters[RAFT_CONFIGURATION_MAX];
    size_t n_voters;
    uint64_t learners[RAFT_CONFIGURATION_MAX];
    size_t n_learners;
};

static bool list_remove(uint64_t *ids, size_t *n, uint64_t id)
{
    for (size_t i = 0; i < *n; i++) {
        if (ids[i] == id) {
            memmove(ids + i, ids + i + 1, (*n - i - 1) * sizeof *ids);
            (*n)--;
            return true;
        }
    }
    return false;
}

static bool list_add(uint64_t *ids, size_t *n, uint64_t id)
{
    for (size_t i = 0; i < *n; i++) {
        if (ids[i] == id) {
            return false;
        }
    }
    if (*n == RAFT_CONFIGURATION_MAX) {
        return false;
    }
    ids[(*n)++] = id;
    return true;
}

/* Applies one change to t; false when it is unknown or changes nothing. */
static bool apply_change(struct target *t, const struct raft_change *ch)
{
    if (ch->id == 0) {
        return false;
    }
    switch (ch->type) {
    case RAFT_ADD_VOTER: /* a learner is promoted (thesis §4.2.1) */
        list_remove(t->learners, &t->n_learners, ch->id);
        return list_add(t->voters, &t->n_voters, ch->id);
    case RAFT_ADD_LEARNER:
        list_remove(t->voters, &t->n_voters, ch->id);
        return list_add(t->learners, &t->n_learners, ch->id);
    case RAFT_REMOVE:
        return list_remove(t->voters, &t->n_voters, ch->id) ||
               list_remove(t->learners, &t->n_learners, ch->id);
    case RAFT_PROMOTE: /* thesis §4.2.1: a learner that caught up votes */
        return list_remove(t->learners, &t->n_learners, ch->id) &&
               list_add(t->voters, &t->n_voters, ch->id);
    case RAFT_DEMOTE:
        return list_remove(t->voters, &t->n_voters, ch->id) &&
               list_add(t->learners, &t->n_learners, ch->id);
    }
    return false;
}

/* How many voters differ between the current voters and t's. */
static size_t voter_delta(const struct raft_conf *cur, const struct target *t)
{
    size_t same = 0;
    for (size_t i = 0; i < cur->n_voters; i++) {
        for (size_t j = 0; j < t->n_voters; j++) {
            same += cur->ids[i] == t->voters[j];
        }
    }
    return (cur->n_voters - same) + (t->n_voters - same);
}

/* Builds the configuration a request leads to (thesis §4.1, §4.3) into
 * *out, whose arrays point into t and cur. RAFT_EINVAL for a request that
 * is malformed or changes nothing; RAFT_EBUSY for changes while a joint
 * configuration that the leader leaves by itself is in effect (they become
 * possible once it has left). */
static int build_target(const struct raft_conf *cur,
                        const struct raft_change *changes,
                        size_t n,
                        enum raft_transition transition,
                        struct target *t,
                        struct raft_configuration *out)
{
    struct raft_configuration now;
    raft_conf_view(cur, &now);
    if ((unsigned long)transition > RAFT_TRANSITION_JOINT_EXPLICIT) {
        return RAFT_EINVAL;
    }
    if (cur->n_outgoing > 0 && n > 0) {
        /* Leave a joint configuration before changing: the leader does so
         * by itself with auto_leave, otherwise only on request. */
        return cur->auto_leave ? RAFT_EBUSY : RAFT_EINVAL;
    }
    if (cur->n_outgoing == 0 && n == 0) {
        return RAFT_EINVAL; /* nothing to leave */
    }
    memcpy(t->voters, now.voters, now.n_voters * sizeof *t->voters);
    t->n_voters = now.n_voters;
    memcpy(t->learners, now.learners, now.n_learners * sizeof *t->learners);
    t->n_learners = now.n_learners;
    for (size_t i = 0; i < n; i++) {
        if (!apply_change(t, &changes[i])) {
            return RAFT_EINVAL;
        }
    }
    memset(out, 0, sizeof *out);
    out->voters = t->voters;
    out->n_voters = t->n_voters;
    out->learners = t->learners;
    out->n_learners = t->n_learners;
    bool joint = n > 0 && (transition != RAFT_TRANSITION_AUTO ||
                           voter_delta(cur, t) > 1);
    if (joint) {
        out->outgoing = now.voters;
        out->n_outgoing = now.n_voters;
        out->auto_leave = transition != RAFT_TRANSITION_JOINT_EXPLICIT;
    }
    return raft_configuration_valid(out) ? RAFT_OK : RAFT_EINVAL;
}

/* The 2015 fix: the leader has committed an entry of its own term (its
 * no-op, §8), so no configuration entry of an earlier leader can still be
 * pending, and its own last configuration entry is committed. */
static bool change_allowed(const struct raft *r)
{
    return raft_log_term_at(&r->log, r->commit_index) == r->term &&
           raft_membership_index(r) <= r->commit_index &&
           r->transfer_target == 0;
}

int raft_change_membership(struct raft *r,
                           uint64_t now,
                           const struct raft_change *changes,
                           size_t n,
                           enum raft_transition transition,
                           uint64_t *index,
                           struct raft_update *u)
{
    if (r == NULL || u == NULL || (n > 0 && changes == NULL) ||
        n > RAFT_CONFIGURATION_MAX || now < r->now) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    if (r->role != RAFT_LEADER) {
        return raft_fail(r, RAFT_ENOTLEADER, u);
    }
    if (!change_allowed(r)) {
        return raft_fail(r, RAFT_EBUSY, u);
    }
    struct target *t = malloc(sizeof *t);
    if (t == NULL) {
        return raft_fail(r, RAFT_ENOMEM, u);
    }
    struct raft_configuration target;
    int rc = build_target(raft_membership_current(r), changes, n, transition,
                          t, &target);
    struct raft_record *rec = NULL;
    struct raft_conf conf = {0};
    if (rc == RAFT_OK) {
        rc = prepare_entry(r, &target, &rec, &conf);
    }
    free(t);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    raft_begin(r, now);
    raft_membership_append(r, rec, &conf);
    if (index != NULL) {
        *index = raft_log_last_index(&r->log);
    }
    raft_replication_send_all(r);
    raft_replication_maybe_commit(r);
    return raft_finish(r, u);
}

int raft_membership_init(struct raft *r)
{
    /* Any configuration of the log may govern again once the entries after
     * it are truncated (thesis §4.1): room for the largest, not only for
     * the one in effect now. */
    size_t most = raft_conf_size(&r->snap_conf);
    for (size_t i = 0; i < r->confs.n; i++) {
        size_t n = raft_conf_size(&r->confs.items[i].conf);
        most = n > most ? n : most;
    }
    int rc = grow_slots(r, most + 1);
    if (rc != RAFT_OK) {
        return rc;
    }
    raft_membership_apply(r);
    return RAFT_OK;
}
