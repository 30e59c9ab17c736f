/* raft_transfer.c: leadership transfer (thesis §3.10).
 *
 * Invariants: a transfer runs only on a leader (transfer_target is cleared
 * whenever the node stops leading, raft_election.c); while it runs the
 * leader accepts no proposal and no membership change, so the target can
 * catch up with a log that stops growing; TimeoutNow goes to the target only
 * once its log matches the leader's, so the target's campaign cannot fail
 * on the up-to-date check of §5.4.1; a transfer that has not ended after
 * election_timeout_min is abandoned and the leader serves again.
 */
#include "raft_impl.h"

/* TimeoutNow to the target, once its log holds everything ours does. */
static void maybe_send_timeout_now(struct raft *r,
                                   const struct raft_progress *p)
{
    if (r->timeout_now_sent ||
        p->match_index < raft_log_last_index(&r->log)) {
        return;
    }
    if (raft_emit(r, RAFT_MSG_TIMEOUT_NOW, p->id) != NULL) {
        r->timeout_now_sent = true;
        r->lease_revoked = true;
    }
}

int raft_transfer_leadership(struct raft *r,
                             uint64_t now,
                             uint64_t target,
                             struct raft_update *u)
{
    if (r == NULL || u == NULL) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    int rc = raft_prologue(r, now);
    if (rc != RAFT_OK) {
        return raft_fail(r, rc, u);
    }
    if (r->role != RAFT_LEADER) {
        return raft_fail(r, RAFT_ENOTLEADER, u);
    }
    struct raft_progress *p = raft_progress_of(r, target);
    if (target == r->id || p == NULL || !(p->voter || p->voter_out)) {
        return raft_fail(r, RAFT_EINVAL, u);
    }
    if (r->transfer_target != 0 && r->transfer_target != target) {
        return raft_fail(r, RAFT_EBUSY, u);
    }
    raft_begin(r, now);
    if (r->transfer_target == 0) {
        r->transfer_target = target;
        r->transfer_deadline =
            raft_time_add(now, r->config.election_timeout_min);
        r->timeout_now_sent = false;
        /* Bring the target up to date first (thesis §3.10, step 2), at
         * once: what it has not acknowledged is sent again from its match
         * point, as the heartbeat's loss recovery would do later. */
        if (p->state != RAFT_PROGRESS_SNAPSHOT &&
            p->match_index < raft_log_last_index(&r->log)) {
            raft_progress_become_probe(p, p->match_index + 1);
        }
        raft_replication_send(r, p);
        maybe_send_timeout_now(r, p);
    }
    return raft_finish(r, u);
}

void raft_transfer_progress(struct raft *r, const struct raft_progress *p)
{
    if (r->role == RAFT_LEADER && r->transfer_target == p->id) {
        maybe_send_timeout_now(r, p);
    }
}

void raft_transfer_tick(struct raft *r)
{
    if (r->transfer_target == 0) {
        return;
    }
    struct raft_progress *p = raft_progress_of(r, r->transfer_target);
    if (r->now >= r->transfer_deadline || p == NULL ||
        !(p->voter || p->voter_out)) {
        /* Thesis §3.10: the target did not take over within an election
         * timeout (or left the configuration): serve again. */
        r->transfer_target = 0;
    }
}

/* Thesis §3.10: the leader of our term tells us to start an election now,
 * skipping PreVote: it has stopped serving and our log matches its own. */
void raft_transfer_recv_timeout_now(struct raft *r,
                                    const struct raft_message *m)
{
    if (m->term != r->term || r->role != RAFT_FOLLOWER ||
        !raft_membership_self_voter(r)) {
        return;
    }
    raft_election_campaign_transfer(r);
}
