/* raft_harness.c: the host side of raft.h for N cores under test control.
 *
 * Invariant: after every call into a core, that node's disk and state machine
 * are exactly what the core's updates asked for, processed in the header's
 * order (persist, sync, send, apply, deadline); rh_check_node() verifies the
 * disk against the core's queries and fails the test on any difference.
 */
#include "tests/support/raft_harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void *rh_alloc(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    cr_assert_not_null(p, "harness: out of memory");
    return p;
}

static void *rh_dup(const void *data, size_t len)
{
    if (len == 0) {
        return NULL;
    }
    void *p = rh_alloc(len);
    memcpy(p, data, len);
    return p;
}

/* A deep copy of c: one allocation, starting at voters (NULL when c has no
 * voters, which stands for the bootstrap configuration). */
static struct raft_configuration rh_conf_dup(const struct raft_configuration *c)
{
    struct raft_configuration out = {0};
    size_t n = c->n_voters + c->n_outgoing + c->n_learners;
    if (c->n_voters == 0) {
        return out;
    }
    uint64_t *ids = rh_alloc(n * sizeof *ids);
    out = *c;
    memcpy(ids, c->voters, c->n_voters * sizeof *ids);
    out.voters = ids;
    ids += c->n_voters;
    if (c->n_outgoing > 0) {
        memcpy(ids, c->outgoing, c->n_outgoing * sizeof *ids);
    }
    out.outgoing = ids;
    ids += c->n_outgoing;
    if (c->n_learners > 0) {
        memcpy(ids, c->learners, c->n_learners * sizeof *ids);
    }
    out.learners = ids;
    return out;
}

static void rh_conf_free(struct raft_configuration *c)
{
    free((void *)c->voters);
    memset(c, 0, sizeof *c);
}

static struct rh_node *node_of(struct rh *h, uint64_t id)
{
    cr_assert(id >= 1 && id <= h->n, "harness: no node %llu",
              (unsigned long long)id);
    return &h->nodes[id];
}

/* ---- the disk ------------------------------------------------------------ */

static void rh_entry_copy(struct raft_entry *dst, const struct raft_entry *src)
{
    *dst = *src;
    dst->data = rh_dup(src->data, src->len);
    dst->record = NULL; /* a copy of the bytes, not the core's record */
}

static void rh_disk_truncate(struct rh_disk *d, size_t keep)
{
    for (size_t i = keep; i < d->n_entries; i++) {
        free((void *)d->entries[i].data);
    }
    d->n_entries = keep < d->n_entries ? keep : d->n_entries;
}

static uint64_t rh_disk_last_index(const struct rh_disk *d)
{
    return d->snapshot.last_index + d->n_entries;
}

static uint64_t rh_disk_term_at(const struct rh_disk *d, uint64_t index)
{
    if (index == d->snapshot.last_index) {
        return d->snapshot.last_term;
    }
    if (index < d->snapshot.last_index || index > rh_disk_last_index(d)) {
        return 0;
    }
    return d->entries[index - d->snapshot.last_index - 1].term;
}

/* Log from `index` on replaced by entries (Figure 2, AppendEntries receiver
 * rules 3 and 4 as the core decided them). */
static void rh_disk_write(struct rh_disk *d,
                          uint64_t index,
                          const struct raft_entry *entries,
                          size_t n)
{
    cr_assert(
        index > d->snapshot.last_index && index <= rh_disk_last_index(d) + 1,
        "harness: write at %llu outside the log (snapshot %llu, last "
        "%llu)",
        (unsigned long long)index, (unsigned long long)d->snapshot.last_index,
        (unsigned long long)rh_disk_last_index(d));
    size_t at = (size_t)(index - d->snapshot.last_index - 1);
    rh_disk_truncate(d, at);
    d->entries = realloc(d->entries, (at + n) * sizeof *d->entries + 1);
    cr_assert_not_null(d->entries);
    for (size_t i = 0; i < n; i++) {
        rh_entry_copy(&d->entries[at + i], &entries[i]);
    }
    d->n_entries = at + n;
}

/* §7: a snapshot replaces the log up to its last index; entries after it are
 * kept only if the log holds the snapshot's last entry. */
static void rh_disk_set_snapshot(struct rh_disk *d,
                                 const struct raft_snapshot *s)
{
    size_t kept = 0;
    if (s->last_index >= d->snapshot.last_index &&
        s->last_index <= rh_disk_last_index(d) &&
        rh_disk_term_at(d, s->last_index) == s->last_term) {
        kept = (size_t)(rh_disk_last_index(d) - s->last_index);
    }
    size_t dropped = d->n_entries - kept;
    for (size_t i = 0; i < dropped; i++) {
        free((void *)d->entries[i].data);
    }
    if (kept > 0) {
        memmove(d->entries, d->entries + dropped, kept * sizeof *d->entries);
    }
    d->n_entries = kept;
    free((void *)d->snapshot.data);
    rh_conf_free(&d->snapshot.configuration);
    d->snapshot = *s;
    d->snapshot.data = rh_dup(s->data, s->len);
    d->snapshot.configuration = rh_conf_dup(&s->configuration);
}

static void rh_disk_clear(struct rh_disk *d)
{
    rh_disk_truncate(d, 0);
    free(d->entries);
    free((void *)d->snapshot.data);
    rh_conf_free(&d->snapshot.configuration);
    memset(d, 0, sizeof *d);
}

/* ---- the state machine ----------------------------------------------------
 */

static void rh_sm_restore(struct rh_node *nd, const struct raft_snapshot *s)
{
    free(nd->applied);
    nd->n_applied = s->len / sizeof(struct rh_applied);
    nd->applied = rh_alloc(s->len);
    if (s->len > 0) {
        memcpy(nd->applied, s->data, s->len);
    }
    cr_assert_eq(nd->n_applied, s->last_index,
                 "harness: snapshot at %llu holds %zu entries",
                 (unsigned long long)s->last_index, nd->n_applied);
}

static void rh_sm_apply(struct rh_node *nd,
                        uint64_t index,
                        const struct raft_entry *e)
{
    cr_assert_eq(
        index, nd->n_applied + 1, "harness: node %llu applies %llu after %zu",
        (unsigned long long)nd->id, (unsigned long long)index, nd->n_applied);
    nd->applied =
        realloc(nd->applied, (nd->n_applied + 1) * sizeof(struct rh_applied));
    cr_assert_not_null(nd->applied);
    struct rh_applied *a = &nd->applied[nd->n_applied++];
    memset(a, 0, sizeof *a);
    a->index = index;
    a->term = e->term;
    a->type = (uint64_t)e->type;
    if (e->data != NULL) {
        memcpy(&a->value, e->data, e->len < 8 ? e->len : 8);
    }
}

/* ---- messages -------------------------------------------------------------
 */

static struct rh_msg *rh_msg_new(const struct raft_message *m)
{
    struct rh_msg *msg = rh_alloc(sizeof *msg);
    msg->m = *m;
    if (m->type == RAFT_MSG_APPEND_ENTRIES && m->append_entries.n_entries > 0) {
        size_t n = m->append_entries.n_entries;
        msg->entries_copy = rh_alloc(n * sizeof *msg->entries_copy);
        for (size_t i = 0; i < n; i++) {
            rh_entry_copy(&msg->entries_copy[i], &m->append_entries.entries[i]);
        }
        msg->m.append_entries.entries = msg->entries_copy;
    }
    if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
        const struct raft_snapshot *s = &m->install_snapshot.snapshot;
        msg->snapshot_copy = rh_dup(s->data, s->len);
        msg->m.install_snapshot.snapshot.data = msg->snapshot_copy;
        msg->m.install_snapshot.snapshot.configuration =
            rh_conf_dup(&s->configuration);
    }
    return msg;
}

void rh_msg_free(struct rh_msg *msg)
{
    if (msg == NULL) {
        return;
    }
    if (msg->entries_copy != NULL) {
        for (size_t i = 0; i < msg->m.append_entries.n_entries; i++) {
            free((void *)msg->entries_copy[i].data);
        }
        free(msg->entries_copy);
    }
    free(msg->snapshot_copy);
    if (msg->m.type == RAFT_MSG_INSTALL_SNAPSHOT) {
        rh_conf_free(&msg->m.install_snapshot.snapshot.configuration);
    }
    free(msg);
}

static void rh_pool_push(struct rh *h, struct rh_msg *msg)
{
    if (h->n_pool == h->cap_pool) {
        h->cap_pool = h->cap_pool ? 2 * h->cap_pool : 64;
        h->pool = realloc(h->pool, h->cap_pool * sizeof *h->pool);
        cr_assert_not_null(h->pool);
    }
    h->pool[h->n_pool++] = msg;
}

/* ---- processing an update, in the header's order --------------------------
 */

static void rh_check_node(struct rh_node *nd)
{
    const struct raft *r = nd->core;
    const struct rh_disk *d = &nd->disk;
    cr_assert_eq(d->term, raft_term(r), "node %llu: disk term %llu, core %llu",
                 (unsigned long long)nd->id, (unsigned long long)d->term,
                 (unsigned long long)raft_term(r));
    cr_assert_eq(d->vote, raft_vote(r), "node %llu: disk vote %llu, core %llu",
                 (unsigned long long)nd->id, (unsigned long long)d->vote,
                 (unsigned long long)raft_vote(r));
    cr_assert_eq(rh_disk_last_index(d), raft_last_index(r),
                 "node %llu: disk last index %llu, core %llu",
                 (unsigned long long)nd->id,
                 (unsigned long long)rh_disk_last_index(d),
                 (unsigned long long)raft_last_index(r));
    /* A leader may hold a compaction back (raft_compact()): its core keeps
     * an older snapshot and the log after it. */
    cr_assert_geq(d->snapshot.last_index, raft_snapshot_index(r),
                 "node %llu: disk snapshot %llu, core %llu",
                 (unsigned long long)nd->id,
                 (unsigned long long)d->snapshot.last_index,
                 (unsigned long long)raft_snapshot_index(r));
    for (uint64_t i = d->snapshot.last_index; i <= rh_disk_last_index(d); i++) {
        cr_assert_eq(rh_disk_term_at(d, i), raft_term_at(r, i),
                     "node %llu: disk term at %llu is %llu, core %llu",
                     (unsigned long long)nd->id, (unsigned long long)i,
                     (unsigned long long)rh_disk_term_at(d, i),
                     (unsigned long long)raft_term_at(r, i));
    }
}

/* Every view an update hands out (entries to write, committed entries,
 * an AppendEntries' entries) shows the entry the core's log holds at its
 * index now, as raft_entry_at() renders it afresh: whether the core rendered
 * it in this call or kept it from an earlier one (raft_log.h). */
static void rh_check_views(struct rh_node *nd,
                           uint64_t first,
                           const struct raft_entry *views,
                           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct raft_entry want;
        cr_assert(raft_entry_at(nd->core, first + i, &want),
                  "node %llu hands out index %llu, which its log lacks",
                  (unsigned long long)nd->id,
                  (unsigned long long)(first + i));
        const struct raft_entry *v = &views[i];
        cr_assert(v->term == want.term && v->type == want.type &&
                      v->len == want.len && v->data == want.data &&
                      v->record == want.record,
                  "node %llu: the view of index %llu is not its entry",
                  (unsigned long long)nd->id,
                  (unsigned long long)(first + i));
    }
}

static void rh_check_update_views(struct rh_node *nd,
                                  const struct raft_update *u)
{
    rh_check_views(nd, u->entries_index, u->entries, u->n_entries);
    rh_check_views(nd, u->apply_index, u->committed, u->n_committed);
    for (size_t i = 0; i < u->n_messages; i++) {
        const struct raft_message *m = &u->messages[i];
        if (m->type == RAFT_MSG_APPEND_ENTRIES) {
            rh_check_views(nd, m->append_entries.prev_log_index + 1,
                           m->append_entries.entries,
                           m->append_entries.n_entries);
        }
    }
}

static void rh_process(struct rh *h,
                       struct rh_node *nd,
                       const struct raft_update *u)
{
    rh_check_update_views(nd, u);
    /* 1. Persist: hard state, snapshot, log suffix. */
    if (u->hard_state_changed) {
        nd->disk.term = u->term;
        nd->disk.vote = u->vote;
        nd->disk.hard_state_writes++;
    }
    if (u->snapshot != NULL) {
        rh_disk_set_snapshot(&nd->disk, u->snapshot);
        if (nd->persisted_index > u->snapshot->last_index &&
            rh_disk_last_index(&nd->disk) < nd->persisted_index) {
            nd->persisted_index = rh_disk_last_index(&nd->disk);
        }
    }
    uint64_t written_index = 0;
    uint64_t written_term = 0;
    if (u->n_entries == 0 && u->entries_index > nd->disk.snapshot.last_index &&
        u->entries_index <= rh_disk_last_index(&nd->disk)) {
        /* Nothing new, but the log from entries_index on is gone. */
        rh_disk_truncate(&nd->disk, (size_t)(u->entries_index -
                                             nd->disk.snapshot.last_index - 1));
    }
    if (u->n_entries > 0) {
        rh_disk_write(&nd->disk, u->entries_index, u->entries, u->n_entries);
        written_index = u->entries_index + u->n_entries - 1;
        written_term = u->entries[u->n_entries - 1].term;
        if (nd->persisted_index >= u->entries_index) {
            nd->persisted_index = u->entries_index - 1;
        }
    }
    rh_check_node(nd);

    /* 2 and 3. Send, holding what must wait for a sync we have not done. */
    for (size_t i = 0; i < u->n_messages; i++) {
        struct rh_msg *msg = rh_msg_new(&u->messages[i]);
        cr_assert_eq(msg->m.from, nd->id, "node %llu sends as %llu",
                     (unsigned long long)nd->id,
                     (unsigned long long)msg->m.from);
        msg->sent_at = h->now;
        msg->sync_before_send = i < u->n_sync_messages;
        msg->held = nd->persist_deferred && msg->sync_before_send;
        if ((size_t)msg->m.type < RAFT_MSG_TYPE_COUNT) {
            h->sent[msg->m.type]++;
        }
        rh_pool_push(h, msg);
    }

    /* 4. Apply. */
    if (u->snapshot != NULL) {
        rh_sm_restore(nd, u->snapshot);
    }
    for (size_t i = 0; i < u->n_committed; i++) {
        rh_sm_apply(nd, u->apply_index + i, &u->committed[i]);
    }
    if (u->commit_index < nd->commit_index) {
        nd->commit_decreased = true;
    }
    nd->commit_index = u->commit_index;

    /* Observation. */
    for (size_t i = 0; i < u->n_reads; i++) {
        cr_assert_lt(nd->n_reads, 64, "harness: too many reads");
        nd->reads[nd->n_reads++] = u->reads[i];
    }
    if (u->role_changed) {
        nd->role_changed_at = h->now;
        if (nd->role == RAFT_LEADER) {
            nd->stepped_down_at = h->now;
        }
        if (u->role == RAFT_LEADER) {
            h->elections = realloc(h->elections,
                                   (h->n_elections + 1) * sizeof *h->elections);
            cr_assert_not_null(h->elections);
            h->elections[h->n_elections++] = (struct rh_election){
                .term = raft_term(nd->core), .id = nd->id, .at = h->now};
        }
    }

    nd->role = u->role;

    /* 5. The next tick. */
    nd->deadline = u->next_deadline;

    /* Immediate persistence: the writes above are durable now (reported
     * entries first: a candidate taking office on the hard state report
     * writes and reports its no-op in a nested update). The update's
     * pointers are no longer used past this point. */
    bool hard = u->hard_state_changed;
    if (!nd->persist_deferred && written_index > 0) {
        nd->persisted_index = written_index;
        struct raft_update next;
        int rc = raft_persisted(nd->core, h->now, written_index, written_term,
                                &next);
        cr_assert_eq(rc, RAFT_OK, "raft_persisted: %s", raft_strerror(rc));
        rh_process(h, nd, &next);
    }
    if (!nd->persist_deferred && hard) {
        struct raft_update next;
        int rc = raft_persisted_hard_state(nd->core, h->now, nd->disk.term,
                                           nd->disk.vote, &next);
        cr_assert_eq(rc, RAFT_OK, "raft_persisted_hard_state: %s",
                     raft_strerror(rc));
        rh_process(h, nd, &next);
    }
}

static int rh_done(struct rh *h,
                   struct rh_node *nd,
                   int rc,
                   const struct raft_update *u)
{
    if (rc == RAFT_OK) {
        rh_process(h, nd, u);
    }
    return rc;
}

static struct rh_node *rh_live(struct rh *h, uint64_t id)
{
    struct rh_node *nd = node_of(h, id);
    cr_assert_not_null(nd->core, "harness: node %llu is crashed",
                       (unsigned long long)id);
    return nd;
}

/* ---- life cycle ------------------------------------------------------------
 */

struct rh *rh_new(size_t n, const struct raft_config *base)
{
    cr_assert(n >= 1 && n <= RH_MAX_NODES, "harness: %zu nodes", n);
    struct rh *h = rh_alloc(sizeof *h);
    h->n = n;
    for (size_t i = 0; i < n; i++) {
        h->voters[i] = i + 1;
    }
    for (uint64_t id = 1; id <= n; id++) {
        struct rh_node *nd = &h->nodes[id];
        nd->id = id;
        nd->config = *base;
        nd->config.id = id;
        nd->config.voters = h->voters;
        nd->config.n_voters = n;
        nd->config.random_seed = base->random_seed + id;
    }
    return h;
}

void rh_set_bootstrap(struct rh *h, size_t n_voters)
{
    cr_assert(n_voters >= 1 && n_voters <= h->n);
    for (uint64_t id = 1; id <= h->n; id++) {
        h->nodes[id].config.n_voters = n_voters;
    }
}

void rh_load(struct rh *h, uint64_t id, const struct raft_durable_state *s)
{
    struct rh_node *nd = node_of(h, id);
    rh_disk_clear(&nd->disk);
    nd->disk.term = s->term;
    nd->disk.vote = s->vote;
    if (s->snapshot.last_index > 0) {
        nd->disk.snapshot = s->snapshot;
        nd->disk.snapshot.data = rh_dup(s->snapshot.data, s->snapshot.len);
        nd->disk.snapshot.configuration =
            rh_conf_dup(&s->snapshot.configuration);
    }
    if (s->n_entries > 0) {
        rh_disk_write(&nd->disk, s->snapshot.last_index + 1, s->entries,
                      s->n_entries);
    }
}

void rh_load_log(struct rh *h,
                 uint64_t id,
                 uint64_t term,
                 uint64_t vote,
                 const uint64_t *terms,
                 size_t n)
{
    struct raft_entry *entries = rh_alloc(n * sizeof *entries);
    uint64_t *values = rh_alloc(n * sizeof *values);
    for (size_t i = 0; i < n; i++) {
        values[i] = i + 1;
        entries[i] = (struct raft_entry){.term = terms[i],
                                         .type = RAFT_ENTRY_COMMAND,
                                         .data = &values[i],
                                         .len = sizeof values[i]};
    }
    struct raft_durable_state s = {
        .term = term, .vote = vote, .entries = entries, .n_entries = n};
    rh_load(h, id, &s);
    free(values);
    free(entries);
}

static void rh_boot(struct rh *h, struct rh_node *nd)
{
    struct raft_durable_state s = {.term = nd->disk.term,
                                   .vote = nd->disk.vote,
                                   .snapshot = nd->disk.snapshot,
                                   .entries = nd->disk.entries,
                                   .n_entries = nd->disk.n_entries};
    int rc = raft_create(&nd->config, &s, h->now, &nd->core);
    cr_assert_eq(rc, RAFT_OK, "raft_create node %llu: %s",
                 (unsigned long long)nd->id, raft_strerror(rc));
    free(nd->applied);
    nd->applied = NULL;
    nd->n_applied = 0;
    if (nd->disk.snapshot.last_index > 0) {
        rh_sm_restore(nd, &nd->disk.snapshot);
    }
    nd->commit_index = raft_commit_index(nd->core);
    nd->role = raft_role(nd->core);
    nd->persisted_index = rh_disk_last_index(&nd->disk);
    rh_check_node(nd);
    /* A core reports its first deadline on the first call: tick at once. */
    int trc = rh_tick(h, nd->id);
    cr_assert_eq(trc, RAFT_OK, "raft_tick: %s", raft_strerror(trc));
}

void rh_start(struct rh *h)
{
    for (uint64_t id = 1; id <= h->n; id++) {
        rh_boot(h, &h->nodes[id]);
    }
}

struct raft_config rh_config(uint64_t random_seed)
{
    struct raft_config c;
    raft_config_init(&c);
    c.election_timeout_min = RH_ELECTION_MIN;
    c.election_timeout_max = RH_ELECTION_MAX;
    c.heartbeat_interval = RH_HEARTBEAT;
    c.random_seed = random_seed;
    return c;
}

struct rh *rh_create(size_t n, const struct raft_config *base)
{
    struct rh *h = rh_new(n, base);
    rh_start(h);
    return h;
}

struct rh *rh_elected(size_t n, const struct raft_config *base)
{
    struct rh *h = rh_create(n, base);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    cr_assert_eq(rh_pending(h), 0);
    return h;
}

void rh_free(struct rh *h)
{
    if (h == NULL) {
        return;
    }
    for (uint64_t id = 1; id <= h->n; id++) {
        struct rh_node *nd = &h->nodes[id];
        raft_destroy(nd->core);
        rh_disk_clear(&nd->disk);
        free(nd->applied);
    }
    rh_drop_all(h);
    free(h->pool);
    free(h->elections);
    free(h);
}

struct raft *rh_core(struct rh *h, uint64_t id)
{
    return node_of(h, id)->core;
}

void rh_crash(struct rh *h, uint64_t id)
{
    struct rh_node *nd = rh_live(h, id);
    raft_destroy(nd->core);
    nd->core = NULL;
    for (size_t i = h->n_pool; i-- > 0;) {
        if (h->pool[i]->held && h->pool[i]->m.from == id) {
            rh_drop(h, i);
        }
    }
}

void rh_restart(struct rh *h, uint64_t id)
{
    struct rh_node *nd = node_of(h, id);
    cr_assert_null(nd->core, "harness: node %llu is running",
                   (unsigned long long)id);
    rh_boot(h, nd);
}

/* ---- events -----------------------------------------------------------------
 */

int rh_tick(struct rh *h, uint64_t id)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    return rh_done(h, nd, raft_tick(nd->core, h->now, &u), &u);
}

int rh_campaign(struct rh *h, uint64_t id)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    return rh_done(h, nd, raft_campaign(nd->core, h->now, &u), &u);
}

int rh_propose(struct rh *h, uint64_t id, uint64_t value, uint64_t *index)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    uint64_t at = 0;
    int rc = raft_propose(nd->core, h->now, &value, sizeof value, &at, &u);
    if (index != NULL) {
        *index = at;
    }
    return rh_done(h, nd, rc, &u);
}

int rh_propose_batch(struct rh *h,
                     uint64_t id,
                     const uint64_t *values,
                     size_t n,
                     uint64_t *first)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_command cmds[64];
    cr_assert_leq(n, 64, "harness: batch too large");
    for (size_t i = 0; i < n; i++) {
        cmds[i] = (struct raft_command){&values[i], sizeof values[i]};
    }
    struct raft_update u;
    uint64_t at = 0;
    int rc = raft_propose_batch(nd->core, h->now, cmds, n, &at, &u);
    if (first != NULL) {
        *first = at;
    }
    return rh_done(h, nd, rc, &u);
}

int rh_change(struct rh *h,
              uint64_t id,
              const struct raft_change *changes,
              size_t n,
              enum raft_transition transition,
              uint64_t *index)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    int rc = raft_change_membership(nd->core, h->now, changes, n, transition,
                                    index, &u);
    return rh_done(h, nd, rc, &u);
}

int rh_read_index(struct rh *h, uint64_t id, uint64_t read_id)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    return rh_done(h, nd, raft_read_index(nd->core, h->now, read_id, &u), &u);
}

int rh_transfer(struct rh *h, uint64_t id, uint64_t target)
{
    struct rh_node *nd = rh_live(h, id);
    struct raft_update u;
    return rh_done(h, nd, raft_transfer_leadership(nd->core, h->now, target, &u),
                   &u);
}

int rh_compact(struct rh *h, uint64_t id, uint64_t index)
{
    struct rh_node *nd = rh_live(h, id);
    cr_assert(index <= nd->n_applied, "harness: compact %llu past applied %zu",
              (unsigned long long)index, nd->n_applied);
    struct raft_snapshot s = {.last_index = index,
                              .last_term = raft_term_at(nd->core, index),
                              .data = nd->applied,
                              .len = (size_t)index * sizeof *nd->applied};
    struct raft_update u;
    int rc = raft_compact(nd->core, h->now, index, s.data, s.len, &u);
    if (rc == RAFT_OK) {
        /* Thesis §5.1: the snapshot keeps its configuration. */
        raft_snapshot_configuration(nd->core, &s.configuration);
        rh_disk_set_snapshot(&nd->disk, &s);
    }
    return rh_done(h, nd, rc, &u);
}

int rh_persist(struct rh *h, uint64_t id)
{
    struct rh_node *nd = rh_live(h, id);
    for (size_t i = 0; i < h->n_pool; i++) {
        if (h->pool[i]->m.from == id) {
            h->pool[i]->held = false;
        }
    }
    /* What is written now is durable; what the reports below make the
     * core write (a new leader's no-op) is not yet. */
    uint64_t last = rh_disk_last_index(&nd->disk);
    uint64_t last_term = rh_disk_term_at(&nd->disk, last);
    struct raft_update hu;
    int hrc = raft_persisted_hard_state(nd->core, h->now, nd->disk.term,
                                        nd->disk.vote, &hu);
    rh_done(h, nd, hrc, &hu);
    if (hrc != RAFT_OK || last == nd->persisted_index || last == 0) {
        return hrc;
    }
    nd->persisted_index = last;
    struct raft_update u;
    int rc = raft_persisted(nd->core, h->now, last, last_term, &u);
    return rh_done(h, nd, rc, &u);
}

int rh_receive(struct rh *h, const struct raft_message *m)
{
    struct rh_node *nd = node_of(h, m->to);
    if (nd->core == NULL) {
        return RAFT_OK;
    }
    struct raft_update u;
    return rh_done(h, nd, raft_receive(nd->core, h->now, m, &u), &u);
}

/* ---- time
 * --------------------------------------------------------------------- */

/* The live node with the earliest deadline at or before t, or 0. */
static uint64_t rh_next_due(const struct rh *h, uint64_t t)
{
    uint64_t best = 0;
    for (uint64_t id = 1; id <= h->n; id++) {
        const struct rh_node *nd = &h->nodes[id];
        if (nd->core != NULL && nd->deadline <= t &&
            (best == 0 || nd->deadline < h->nodes[best].deadline)) {
            best = id;
        }
    }
    return best;
}

static void rh_step_time(struct rh *h, uint64_t t, bool deliver)
{
    for (size_t steps = 0;; steps++) {
        cr_assert(steps < 1000000, "harness: time does not advance at %llu",
                  (unsigned long long)h->now);
        if (deliver) {
            rh_deliver_all(h);
        }
        uint64_t id = rh_next_due(h, t);
        if (id == 0) {
            break;
        }
        if (h->nodes[id].deadline > h->now) {
            h->now = h->nodes[id].deadline;
        }
        int rc = rh_tick(h, id);
        cr_assert_eq(rc, RAFT_OK, "raft_tick: %s", raft_strerror(rc));
        cr_assert(h->nodes[id].deadline > h->now,
                  "node %llu: next deadline %llu is not after the tick at %llu",
                  (unsigned long long)id,
                  (unsigned long long)h->nodes[id].deadline,
                  (unsigned long long)h->now);
    }
    if (t > h->now) {
        h->now = t;
    }
}

void rh_advance_to(struct rh *h, uint64_t t)
{
    rh_step_time(h, t, false);
}

void rh_run_until(struct rh *h, uint64_t t)
{
    rh_step_time(h, t, true);
    rh_deliver_all(h);
}

/* ---- the network
 * ------------------------------------------------------------- */

size_t rh_pending(const struct rh *h)
{
    return h->n_pool;
}

struct rh_msg *rh_msg_at(struct rh *h, size_t i)
{
    cr_assert(i < h->n_pool, "harness: no message %zu", i);
    return h->pool[i];
}

static bool rh_matches(const struct rh_msg *msg,
                       enum raft_message_type type,
                       uint64_t from,
                       uint64_t to)
{
    return (type == 0 || msg->m.type == type) &&
           (from == 0 || msg->m.from == from) && (to == 0 || msg->m.to == to);
}

int rh_find(const struct rh *h,
            enum raft_message_type type,
            uint64_t from,
            uint64_t to)
{
    for (size_t i = 0; i < h->n_pool; i++) {
        if (rh_matches(h->pool[i], type, from, to)) {
            return (int)i;
        }
    }
    return -1;
}

size_t rh_count(const struct rh *h,
                enum raft_message_type type,
                uint64_t from,
                uint64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_pool; i++) {
        n += rh_matches(h->pool[i], type, from, to);
    }
    return n;
}

struct rh_msg *rh_take(struct rh *h, size_t i)
{
    struct rh_msg *msg = rh_msg_at(h, i);
    memmove(&h->pool[i], &h->pool[i + 1],
            (h->n_pool - i - 1) * sizeof *h->pool);
    h->n_pool--;
    return msg;
}

struct rh_msg *rh_copy(const struct rh *h, size_t i)
{
    cr_assert(i < h->n_pool, "harness: no message %zu", i);
    struct rh_msg *copy = rh_msg_new(&h->pool[i]->m);
    copy->sent_at = h->pool[i]->sent_at;
    copy->sync_before_send = h->pool[i]->sync_before_send;
    copy->held = h->pool[i]->held;
    return copy;
}

int rh_deliver(struct rh *h, size_t i)
{
    struct rh_msg *msg = rh_take(h, i);
    int rc = rh_receive(h, &msg->m);
    rh_msg_free(msg);
    return rc;
}

size_t rh_deliver_all(struct rh *h)
{
    size_t delivered = 0;
    for (size_t steps = 0;; steps++) {
        cr_assert(steps < 1000000, "harness: messages never settle");
        size_t i = 0;
        while (i < h->n_pool && h->pool[i]->held) {
            i++;
        }
        if (i == h->n_pool) {
            return delivered;
        }
        const struct raft_message *m = &h->pool[i]->m;
        bool lost = m->from < 1 || m->from > h->n || m->to < 1 ||
                    m->to > h->n || h->cut[m->from][m->to] ||
                    h->nodes[m->to].core == NULL;
        if (lost) {
            rh_drop(h, i);
        } else {
            rh_deliver(h, i);
            delivered++;
        }
    }
}

void rh_drop(struct rh *h, size_t i)
{
    rh_msg_free(rh_take(h, i));
}

void rh_drop_all(struct rh *h)
{
    while (h->n_pool > 0) {
        rh_drop(h, h->n_pool - 1);
    }
}

void rh_duplicate(struct rh *h, size_t i)
{
    rh_pool_push(h, rh_copy(h, i));
}

void rh_reverse(struct rh *h)
{
    for (size_t i = 0, j = h->n_pool; i + 1 < j; i++, j--) {
        struct rh_msg *t = h->pool[i];
        h->pool[i] = h->pool[j - 1];
        h->pool[j - 1] = t;
    }
}

void rh_cut(struct rh *h, uint64_t a, uint64_t b)
{
    node_of(h, a);
    node_of(h, b);
    h->cut[a][b] = true;
    h->cut[b][a] = true;
}

void rh_isolate(struct rh *h, uint64_t id)
{
    for (uint64_t other = 1; other <= h->n; other++) {
        if (other != id) {
            rh_cut(h, id, other);
        }
    }
}

void rh_heal(struct rh *h)
{
    memset(h->cut, 0, sizeof h->cut);
}

/* ---- observation ------------------------------------------------------------
 */

uint64_t rh_leader(const struct rh *h)
{
    uint64_t best = 0;
    for (uint64_t id = 1; id <= h->n; id++) {
        const struct raft *r = h->nodes[id].core;
        if (r != NULL && raft_role(r) == RAFT_LEADER &&
            (best == 0 || raft_term(r) > raft_term(h->nodes[best].core))) {
            best = id;
        }
    }
    return best;
}

size_t rh_count_role(const struct rh *h, enum raft_role role)
{
    size_t n = 0;
    for (uint64_t id = 1; id <= h->n; id++) {
        const struct raft *r = h->nodes[id].core;
        n += r != NULL && raft_role(r) == role;
    }
    return n;
}

bool rh_election_safety_holds(const struct rh *h)
{
    for (size_t i = 0; i < h->n_elections; i++) {
        for (size_t j = i + 1; j < h->n_elections; j++) {
            if (h->elections[i].term == h->elections[j].term &&
                h->elections[i].id != h->elections[j].id) {
                return false;
            }
        }
    }
    return true;
}

bool rh_logs_equal(struct rh *h, uint64_t a, uint64_t b)
{
    const struct raft *ra = rh_live(h, a)->core;
    const struct raft *rb = rh_live(h, b)->core;
    if (raft_last_index(ra) != raft_last_index(rb)) {
        return false;
    }
    uint64_t from = raft_snapshot_index(ra) > raft_snapshot_index(rb)
                        ? raft_snapshot_index(ra)
                        : raft_snapshot_index(rb);
    for (uint64_t i = from + 1; i <= raft_last_index(ra); i++) {
        if (raft_term_at(ra, i) != raft_term_at(rb, i)) {
            return false;
        }
    }
    return true;
}

/* Leader 1 of term 1 commits values 1..10 (indexes 2..11) with node 3 cut
 * off since the no-op, then compacts its log up to 11 and appends 11 and 12
 * (indexes 12, 13). All before any election timer can fire. */
struct rh *rh_compacted_past_node_3(const struct raft_config *c)
{
    struct rh *h = rh_create(3, c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    rh_isolate(h, 3);
    for (uint64_t v = 1; v <= 10; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    struct raft *leader = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(leader), 11);
    cr_assert_eq(h->nodes[1].n_applied, 11);
    cr_assert_eq(rh_compact(h, 1, 11), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(leader), 11);
    cr_assert_eq(raft_snapshot_term(leader), 1);
    struct raft_entry e;
    cr_assert_not(raft_entry_at(leader, 5, &e));
    cr_assert_eq(raft_term_at(leader, 5), 0);
    for (uint64_t v = 11; v <= 12; v++) {
        cr_assert_eq(rh_propose(h, 1, v, NULL), RAFT_OK);
        rh_deliver_all(h);
    }
    cr_assert_eq(raft_commit_index(leader), 13);
    cr_assert_eq(raft_last_index(rh_core(h, 3)), 1);
    cr_assert_eq(h->sent[RAFT_MSG_INSTALL_SNAPSHOT], 0);
    return h;
}
