/* sim_persist.h: the persistence contract, checked as a message leaves.
 *
 * Figure 2 of the Raft paper: "Persistent state on all servers (Updated on
 * stable storage before responding to RPCs)": currentTerm, votedFor, log[].
 * What a message tells its receiver must therefore already survive a crash
 * of its sender at the moment it leaves: otherwise the sender can crash,
 * restart from an older durable state and contradict it (vote twice in one
 * term, or lose an entry a leader counted towards a commit majority). The
 * check reads only the message and the sender's durable disk image, so it
 * fails on the schedule that sends too early whether or not a crash follows.
 *
 * The rules, for a message m from node n whose durable image (the writes
 * completed, not those pending) holds a log (snapshot included) and resumes
 * in term D with vote V: the term record's term and vote, unless the log
 * ends in a later term, which a restart resumes in with no vote (the two
 * are separate files; raft_create()):
 *   - every message except PreVote, a granted PreVoteResult and
 *     RequestVote: D >= m.term. A PreVote carries the term its sender would
 *     campaign in and a granted reply echoes it; neither is adopted or
 *     persisted (thesis §9.6). A refused PreVoteResult carries the voter's
 *     own term and is covered. A RequestVote promises no term: the
 *     candidate writes its term and vote while the requests travel (the
 *     leader's parallel write of thesis §10.2.1, applied to the vote) and
 *     does not count its own vote before that write is durable; if it
 *     crashes first, it restarts without that vote and never counted it.
 *   - RequestVote with last log index I > 0 and term LT: the durable log
 *     holds index I with term LT. A candidate that crashes before its term
 *     is durable campaigns again in the same term, and the grants of its
 *     first requests, judged on the log they described (§5.4.1), count for
 *     the second: that log must have survived.
 *   - AppendEntries, InstallSnapshot and TimeoutNow of term T (a leader's):
 *     if D == T, then V == n: the leader took office counting its own vote,
 *     which must therefore be durable.
 *   - RequestVoteResult granting term T to candidate c: if D == T, V == c.
 *   - AppendEntriesResult with success up to index I, and InstallSnapshot-
 *     Result for index I > 0: the durable log holds index I with the term
 *     the sender's log held there when it built the reply (inside the
 *     durable snapshot counts as held; a term unknown because the sender had
 *     compacted I away requires only that the durable state reach I).
 * A leader's AppendEntries may leave before its own new entries are durable
 * (thesis §10.2.1): it promises nothing about them, only its term.
 */
#ifndef SIM_PERSIST_H
#define SIM_PERSIST_H

#include <stdbool.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/check/sim_durable.h"
#include "sim/check/sim_safety.h"

/* The index m acknowledges as held by its sender: a successful
 * AppendEntriesResult's index, an InstallSnapshotResult's last index when
 * it completes the snapshot (a chunk's answer promises nothing: the
 * snapshot is kept only when complete); 0 for anything else. Inline, like
 * the next: every message sent asks both. */
static inline uint64_t sim_persist_acked_index(const struct raft_message *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return m->append_entries_result.success ? m->append_entries_result.index
                                                : 0;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return m->install_snapshot_result.done
                   ? m->install_snapshot_result.last_index
                   : 0;
    default:
        return 0;
    }
}

/* The index m promises its sender holds durably: sim_persist_acked_index(),
 * or a RequestVote's last log index; 0 for anything else. */
static inline uint64_t sim_persist_promised_index(const struct raft_message *m)
{
    if (m->type == RAFT_MSG_REQUEST_VOTE)
        return m->request_vote.last_log_index;
    return sim_persist_acked_index(m);
}

/* Both halves of what m promises, read as node's core builds it: returns
 * sim_persist_promised_index(m) and sets *acked_term to the term the core's
 * log holds at the index a successful AppendEntriesResult or a completing
 * InstallSnapshotResult acknowledges (0 for other messages, or where the
 * core no longer knows the term). One switch for both: the engine asks it
 * of every message its nodes build and carries the two with the message
 * until it leaves, where sim_persist_settled() and the rules read them. */
static inline uint64_t sim_persist_promise(const struct raft *core,
                                           const struct raft_message *m,
                                           uint64_t *acked_term)
{
    uint64_t index = 0;
    *acked_term = 0;
    /* A leader's AppendEntries, the message sent most, promises nothing:
     * asked first, apart from the switch. */
    if (m->type == RAFT_MSG_APPEND_ENTRIES)
        return 0;
    switch (m->type) {
    case RAFT_MSG_REQUEST_VOTE:
        index = m->request_vote.last_log_index;
        break;
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        if (m->append_entries_result.success) {
            index = m->append_entries_result.index;
            *acked_term = raft_term_at(core, index);
        }
        break;
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        if (m->install_snapshot_result.done) {
            index = m->install_snapshot_result.last_index;
            *acked_term = raft_term_at(core, index);
        }
        break;
    default:
        break;
    }
    return index;
}

/* Whether memo, kept beside the sender's durable image, settles m (with
 * its promised index `index` and its acknowledged term acked_term): a
 * message alike in type, term, index and acknowledged term passed against
 * the same image, so sim_persist_check() would pass m as well; and one
 * that acknowledges an index went to the same receiver, so that the rules
 * hold its acknowledgement already (sim_safety_on_send_settled()). Inline:
 * every message sent asks it, and a node sends the same kind of message
 * again and again between two writes (a leader's heartbeats, a follower's
 * answers). */
static inline bool sim_persist_settled(const struct sim_persist_memo *memo,
                                       const struct raft_message *m,
                                       uint64_t index,
                                       uint64_t acked_term)
{
    return (uint32_t)m->type == memo->type && m->term == memo->term &&
           index == memo->index && acked_term == memo->acked_term &&
           (index == 0 || m->to == memo->to);
}

/* Keeps m in memo after sim_persist_check() passed it against the image
 * memo stands beside, when m's type is one whose verdict reads only its
 * term, promised index and acknowledged term (and its sender, the image's
 * owner): AppendEntries, InstallSnapshot and TimeoutNow (the term and the
 * sender's own vote), their answers (the term, and the index with the
 * term acknowledged) and a ReadIndex and its answer (the term). A
 * RequestVote's verdict reads its last log term, a vote's answer its
 * grant and receiver, a PreVote's answer its grant: those are judged each
 * time. */
static inline void sim_persist_settle(struct sim_persist_memo *memo,
                                      const struct raft_message *m,
                                      uint64_t index,
                                      uint64_t acked_term)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES:
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
    case RAFT_MSG_INSTALL_SNAPSHOT:
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
    case RAFT_MSG_TIMEOUT_NOW:
    case RAFT_MSG_READ_INDEX:
    case RAFT_MSG_READ_INDEX_RESULT:
        memo->type = (uint32_t)m->type;
        memo->term = m->term;
        memo->index = index;
        memo->acked_term = acked_term;
        memo->to = (uint32_t)m->to;
        break;
    default:
        break;
    }
}

/* Checks the rules above for m leaving node with durable image disk, asked
 * about the index m promises (disk->at_index ==
 * sim_persist_promised_index(m) when that is not 0). false: *out describes
 * the violation (property SIM_PROP_PERSISTENCE). */
bool sim_persist_check(uint32_t node,
                       const struct raft_message *m,
                       uint64_t acked_term,
                       const struct sim_durable *disk,
                       struct sim_violation *out);

#endif /* SIM_PERSIST_H */
