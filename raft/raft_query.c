/* raft_query.c: the read-only queries of raft.h: a core's term, role, log,
 * commit index, configuration and peers' progress. None changes the core;
 * entries and configurations handed out are borrowed until the next
 * non-query call on it (raft.h).
 */
#include "raft_impl.h"

uint64_t raft_id(const struct raft *r)
{
    return r->id;
}

enum raft_role raft_role(const struct raft *r)
{
    return r->role;
}

uint64_t raft_term(const struct raft *r)
{
    return r->term;
}

uint64_t raft_vote(const struct raft *r)
{
    return r->vote;
}

uint64_t raft_leader(const struct raft *r)
{
    return r->leader;
}

uint64_t raft_commit_index(const struct raft *r)
{
    return r->commit_index;
}

uint64_t raft_last_index(const struct raft *r)
{
    return raft_log_last_index(&r->log);
}

uint64_t raft_last_term(const struct raft *r)
{
    return raft_log_last_term(&r->log);
}

uint64_t raft_snapshot_index(const struct raft *r)
{
    return r->log.snapshot_index;
}

uint64_t raft_snapshot_term(const struct raft *r)
{
    return r->log.snapshot_term;
}

uint64_t raft_term_at(const struct raft *r, uint64_t index)
{
    return raft_log_term_at(&r->log, index);
}

bool raft_entry_at(const struct raft *r, uint64_t index, struct raft_entry *out)
{
    const struct raft_record *rec = raft_log_get(&r->log, index);
    if (rec == NULL) {
        return false;
    }
    raft_log_view_of(rec, out);
    return true;
}

/* The slot of a member peer of a leader (itself included), or n_slots. */
static inline size_t peer_slot(const struct raft *r, uint64_t peer)
{
    if (r->role != RAFT_LEADER) {
        return r->n_slots;
    }
    size_t i = raft_slot_of(r, peer);
    if (i < r->n_slots && i != r->self_slot &&
        !raft_progress_member(&r->progress[i])) {
        return r->n_slots;
    }
    return i;
}

void raft_peer_indexes(const struct raft *r,
                       uint64_t peer,
                       uint64_t *match,
                       uint64_t *next)
{
    size_t i = peer_slot(r, peer);
    if (i == r->n_slots) {
        *match = 0;
        *next = 0;
    } else if (i == r->self_slot) {
        *match = r->persisted_index;
        *next = raft_log_last_index(&r->log) + 1;
    } else {
        *match = r->progress[i].match_index;
        *next = r->progress[i].next_index;
    }
}

/* The two halves of raft_peer_indexes(), each looked up on its own (a
 * leader's host asks for the match index of every peer that answers):
 * tests/test_raft_random.c checks that they agree with it. */
uint64_t raft_match_index(const struct raft *r, uint64_t peer)
{
    size_t i = peer_slot(r, peer);
    if (i == r->n_slots) {
        return 0;
    }
    return i == r->self_slot ? r->persisted_index : r->progress[i].match_index;
}

uint64_t raft_next_index(const struct raft *r, uint64_t peer)
{
    size_t i = peer_slot(r, peer);
    if (i == r->n_slots) {
        return 0;
    }
    return i == r->self_slot ? raft_log_last_index(&r->log) + 1
                             : r->progress[i].next_index;
}

uint64_t raft_log_version(const struct raft *r)
{
    /* Starts at 1 (raft_log_init()) and only grows. */
    return r->log.version;
}

uint64_t raft_progress_version(const struct raft *r)
{
    /* Every change of another server's pair goes through it (raft_impl.h);
     * +1 keeps 0 free. */
    return r->progress_version + 1;
}

void raft_get_configuration(const struct raft *r,
                            struct raft_configuration *out)
{
    raft_conf_view(raft_membership_current(r), out);
}

uint64_t raft_configuration_index(const struct raft *r)
{
    return raft_membership_index(r);
}

uint64_t raft_configuration_version(const struct raft *r)
{
    /* Every change of the configuration or of the index holding it goes
     * through the history (raft_configuration.h); +1 keeps 0 free. */
    return r->confs.version + 1;
}

void raft_snapshot_configuration(const struct raft *r,
                                 struct raft_configuration *out)
{
    /* A compaction held back (raft_snapshot.c): the configuration at its
     * index is the last record at or below it, the log still holding
     * them; the snapshot's own when there is none. */
    const struct raft_conf *c = &r->snap_conf;
    for (size_t i = 0; i < r->confs.n &&
                       r->confs.items[i].index <= r->compact_held.index;
         i++) {
        c = &r->confs.items[i].conf;
    }
    raft_conf_view(c, out);
}

bool raft_is_voter(const struct raft *r)
{
    return raft_membership_self_voter(r);
}

uint64_t raft_transfer_target(const struct raft *r)
{
    return r->transfer_target;
}
