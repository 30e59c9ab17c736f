/* test_raft_malformed.c: malformed input is refused whole (raft.h: "Malformed
 * or foreign messages give RAFT_EINVAL and change nothing").
 *
 * Each case hands one bad message to a follower and to a leader and compares
 * every query, the disk and the wire before and after.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "tests/support/raft_harness.h"

/* The cores' seed the timings below were written for. */
#define CORE_SEED 59

enum malformation {
    FOREIGN_RECEIVER,
    SENDER_ZERO,
    CONFIG_ENTRY_GARBLED,
    CONFIG_ENTRY_DUPLICATE_VOTER,
    SENDER_IS_RECEIVER,
    TYPE_ZERO,
    TYPE_OUT_OF_RANGE,
    ENTRIES_NULL,
    ENTRY_DATA_NULL,
    ENTRY_TYPE_UNKNOWN,
    ENTRY_TERM_ABOVE_MESSAGE_TERM,
    ENTRY_TERMS_DECREASING,
    ENTRY_TERM_BELOW_PREV_TERM,
    PREV_TERM_WITHOUT_PREV_INDEX,
    SNAPSHOT_INDEX_ZERO,
    SNAPSHOT_DATA_NULL,
    SNAPSHOT_TERM_ABOVE_MESSAGE_TERM,
    SNAPSHOT_CONFIG_LEARNER_VOTES,
    TERM_CANNOT_BE_INCREMENTED,
};

struct malformed_case
{
    enum malformation kind;
    char name[40];
};

static const uint64_t payload = 5;

/* A configuration entry's data: voters {1, 2, 2}, one voter twice. */
static unsigned char duplicate_voter[8 * 7];
/* A snapshot configuration whose learner is also a voter. */
static const uint64_t voters_123[] = {1, 2, 3};
static const uint64_t learner_3[] = {3};

/* A well-formed message to node `to` of the cluster, from node 2 or 3, then
 * broken as `kind` says. entries: storage for two entries. */
static struct raft_message malformed(enum malformation kind,
                                     uint64_t to,
                                     uint64_t term,
                                     struct raft_entry *entries)
{
    struct raft_message m;
    memset(&m, 0, sizeof m);
    m.type = RAFT_MSG_APPEND_ENTRIES;
    m.from = to == 2 ? 3 : 2;
    m.to = to;
    m.term = term;
    entries[0] = (struct raft_entry){.term = term,
                                     .type = RAFT_ENTRY_COMMAND,
                                     .data = &payload,
                                     .len = sizeof payload};
    entries[1] = entries[0];
    m.append_entries = (struct raft_append_entries){.prev_log_index = 1,
                                                    .prev_log_term = 1,
                                                    .leader_commit = 1,
                                                    .entries = entries,
                                                    .n_entries = 2};
    switch (kind) {
    case FOREIGN_RECEIVER:
        m.to = to == 3 ? 2 : 3;
        break;
    case SENDER_ZERO:
        m.from = 0;
        break;
    case CONFIG_ENTRY_GARBLED:
        entries[1].type = RAFT_ENTRY_CONFIG; /* 8 bytes: no configuration */
        break;
    case CONFIG_ENTRY_DUPLICATE_VOTER: {
        /* The encoding of raft.h, written by hand: encode() refuses an
         * invalid configuration. */
        const uint64_t words[7] = {1, 3, 0, 0, 1, 2, 2};
        for (size_t w = 0; w < 7; w++) {
            for (size_t b = 0; b < 8; b++) {
                duplicate_voter[8 * w + b] = (unsigned char)(words[w] >> 8 * b);
            }
        }
        entries[1].type = RAFT_ENTRY_CONFIG;
        entries[1].data = duplicate_voter;
        entries[1].len = sizeof duplicate_voter;
        break;
    }
    case SENDER_IS_RECEIVER:
        m.from = to;
        break;
    case TYPE_ZERO:
        m.type = (enum raft_message_type)0;
        break;
    case TYPE_OUT_OF_RANGE:
        m.type = RAFT_MSG_TYPE_COUNT;
        break;
    case ENTRIES_NULL:
        m.append_entries.entries = NULL;
        break;
    case ENTRY_DATA_NULL:
        entries[1].data = NULL;
        break;
    case ENTRY_TYPE_UNKNOWN:
        entries[1].type = (enum raft_entry_type)9;
        break;
    case ENTRY_TERM_ABOVE_MESSAGE_TERM:
        entries[1].term = term + 1;
        break;
    case ENTRY_TERMS_DECREASING:
        entries[0].term = term;
        entries[1].term = 1;
        if (term == 1) {
            entries[0].term = 2;
            m.term = 2;
        }
        break;
    case ENTRY_TERM_BELOW_PREV_TERM:
        m.append_entries.prev_log_term = term;
        entries[0].term = term - 1;
        break;
    case PREV_TERM_WITHOUT_PREV_INDEX:
        m.append_entries.prev_log_index = 0;
        m.append_entries.prev_log_term = 1;
        break;
    case TERM_CANNOT_BE_INCREMENTED:
        m.term = UINT64_MAX;
        break;
    case SNAPSHOT_INDEX_ZERO:
    case SNAPSHOT_DATA_NULL:
    case SNAPSHOT_TERM_ABOVE_MESSAGE_TERM:
    case SNAPSHOT_CONFIG_LEARNER_VOTES:
        memset(&m.install_snapshot, 0, sizeof m.install_snapshot);
        m.type = RAFT_MSG_INSTALL_SNAPSHOT;
        m.install_snapshot.snapshot = (struct raft_snapshot){
            .last_index = 1, .last_term = 1, .data = &payload, .len = 8};
        if (kind == SNAPSHOT_INDEX_ZERO) {
            m.install_snapshot.snapshot.last_index = 0;
        } else if (kind == SNAPSHOT_DATA_NULL) {
            m.install_snapshot.snapshot.data = NULL;
        } else if (kind == SNAPSHOT_CONFIG_LEARNER_VOTES) {
            m.install_snapshot.snapshot.configuration =
                (struct raft_configuration){.voters = voters_123,
                                            .n_voters = 3,
                                            .learners = learner_3,
                                            .n_learners = 1};
        } else {
            m.install_snapshot.snapshot.last_term = term + 1;
        }
        break;
    }
    return m;
}

struct observed
{
    enum raft_role role;
    uint64_t term, vote, leader, commit, last_index, last_term, snapshot;
    uint64_t match2, next2, match3, next3;
    size_t pending, hard_state_writes, disk_entries, applied;
};

static struct observed observe(struct rh *h, uint64_t id)
{
    struct raft *r = rh_core(h, id);
    return (struct observed){
        .role = raft_role(r),
        .term = raft_term(r),
        .vote = raft_vote(r),
        .leader = raft_leader(r),
        .commit = raft_commit_index(r),
        .last_index = raft_last_index(r),
        .last_term = raft_last_term(r),
        .snapshot = raft_snapshot_index(r),
        .match2 = raft_match_index(r, 2),
        .next2 = raft_next_index(r, 2),
        .match3 = raft_match_index(r, 3),
        .next3 = raft_next_index(r, 3),
        .pending = rh_pending(h),
        .hard_state_writes = h->nodes[id].disk.hard_state_writes,
        .disk_entries = h->nodes[id].disk.n_entries,
        .applied = h->nodes[id].n_applied};
}

static void assert_unchanged(const struct observed *a,
                             const struct observed *b,
                             const char *name)
{
    cr_assert_eq(a->role, b->role, "%s", name);
    cr_assert_eq(a->term, b->term, "%s", name);
    cr_assert_eq(a->vote, b->vote, "%s", name);
    cr_assert_eq(a->leader, b->leader, "%s", name);
    cr_assert_eq(a->commit, b->commit, "%s", name);
    cr_assert_eq(a->last_index, b->last_index, "%s", name);
    cr_assert_eq(a->last_term, b->last_term, "%s", name);
    cr_assert_eq(a->snapshot, b->snapshot, "%s", name);
    cr_assert_eq(a->match2, b->match2, "%s", name);
    cr_assert_eq(a->next2, b->next2, "%s", name);
    cr_assert_eq(a->match3, b->match3, "%s", name);
    cr_assert_eq(a->next3, b->next3, "%s", name);
    cr_assert_eq(a->pending, b->pending, "%s", name);
    cr_assert_eq(a->hard_state_writes, b->hard_state_writes, "%s", name);
    cr_assert_eq(a->disk_entries, b->disk_entries, "%s", name);
    cr_assert_eq(a->applied, b->applied, "%s", name);
}

ParameterizedTestParameters(raft_malformed,
                            malformed_message_is_rejected_and_changes_nothing)
{
    static struct malformed_case cases[] = {
        {FOREIGN_RECEIVER, "foreign receiver"},
        {SENDER_ZERO, "sender 0"},
        {CONFIG_ENTRY_GARBLED, "configuration entry garbled"},
        {CONFIG_ENTRY_DUPLICATE_VOTER, "configuration with a voter twice"},
        {SENDER_IS_RECEIVER, "sender is the receiver"},
        {TYPE_ZERO, "type 0"},
        {TYPE_OUT_OF_RANGE, "type out of range"},
        {ENTRIES_NULL, "entries NULL"},
        {ENTRY_DATA_NULL, "entry data NULL"},
        {ENTRY_TYPE_UNKNOWN, "entry type unknown"},
        {ENTRY_TERM_ABOVE_MESSAGE_TERM, "entry term above message term"},
        {ENTRY_TERMS_DECREASING, "entry terms decreasing"},
        {ENTRY_TERM_BELOW_PREV_TERM, "entry term below prev term"},
        {PREV_TERM_WITHOUT_PREV_INDEX, "prev term without prev index"},
        {SNAPSHOT_INDEX_ZERO, "snapshot index 0"},
        {SNAPSHOT_DATA_NULL, "snapshot data NULL"},
        {SNAPSHOT_TERM_ABOVE_MESSAGE_TERM, "snapshot term above message term"},
        {SNAPSHOT_CONFIG_LEARNER_VOTES, "snapshot learner is a voter"},
        {TERM_CANNOT_BE_INCREMENTED, "term UINT64_MAX"},
    };
    return cr_make_param_array(struct malformed_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct malformed_case *p,
                  raft_malformed,
                  malformed_message_is_rejected_and_changes_nothing)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(rh_propose(h, 1, 1, NULL), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);

    /* Node 3 as follower (term 1), node 1 as leader (term 1); the message
     * carries term 2 so that a well-formed one would change something. */
    const uint64_t receivers[2] = {3, 1};
    for (size_t k = 0; k < 2; k++) {
        uint64_t to = receivers[k];
        struct raft_entry entries[2];
        struct raft_message m = malformed(p->kind, to, 2, entries);
        struct observed before = observe(h, to);
        struct raft_update u;
        int rc = raft_receive(rh_core(h, to), h->now, &m, &u);
        cr_assert_eq(rc, RAFT_EINVAL, "%s to node %llu: %s", p->name,
                     (unsigned long long)to, raft_strerror(rc));
        struct observed after = observe(h, to);
        assert_unchanged(&before, &after, p->name);
        /* The core still works: the next tick is accepted. */
        cr_assert_eq(rh_tick(h, to), RAFT_OK);
    }
    rh_free(h);
}

/* A term that cannot be incremented would let the next campaign wrap the
 * node to term 0: every message type refuses it, replies included. */
Test(raft_malformed, a_term_that_cannot_be_incremented_is_malformed_in_any_message)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_LEADER);
    for (int t = RAFT_MSG_APPEND_ENTRIES; t < RAFT_MSG_TYPE_COUNT; t++) {
        for (uint64_t to = 1; to <= 3; to += 2) {
            struct raft_message m;
            memset(&m, 0, sizeof m);
            m.type = (enum raft_message_type)t;
            m.from = 2;
            m.to = to;
            m.term = UINT64_MAX;
            if (t == RAFT_MSG_INSTALL_SNAPSHOT)
                m.install_snapshot.snapshot = (struct raft_snapshot){
                    .last_index = 1, .last_term = 1, .data = &payload,
                    .len = 8};
            struct observed before = observe(h, to);
            struct raft_update u;
            cr_assert_eq(raft_receive(rh_core(h, to), h->now, &m, &u),
                         RAFT_EINVAL, "type %d to %llu", t,
                         (unsigned long long)to);
            struct observed after = observe(h, to);
            assert_unchanged(&before, &after, "term UINT64_MAX");
        }
    }
    /* The largest term that can still be incremented is accepted. */
    struct raft_message ok = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                              .from = 2,
                              .to = 1,
                              .term = UINT64_MAX - 1};
    struct raft_update u;
    cr_assert_eq(raft_receive(rh_core(h, 1), h->now, &ok, &u), RAFT_OK);
    cr_assert_eq(raft_term(rh_core(h, 1)), UINT64_MAX - 1);
    cr_assert_eq(raft_role(rh_core(h, 1)), RAFT_FOLLOWER);
    rh_free(h);
}

/* A node whose term is the last one a campaign may reach stays in it: its
 * election timer and raft_campaign() start no campaign, rather than
 * wrapping the term around to 0. */
Test(raft_malformed, a_node_in_the_last_term_never_campaigns)
{
    const uint64_t voters[] = {1, 2, 3};
    for (int pre_vote = 0; pre_vote < 2; pre_vote++) {
        struct raft_config c = rh_config(CORE_SEED);
        c.id = 1;
        c.voters = voters;
        c.n_voters = 3;
        c.pre_vote = pre_vote;
        struct raft_durable_state s = {.term = RAFT_TERM_MAX};
        struct raft *r = NULL;
        cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_OK);
        struct raft_update u;
        cr_assert_eq(raft_campaign(r, 0, &u), RAFT_OK);
        cr_assert_eq(u.n_messages, 0);
        cr_assert_not(u.hard_state_changed);
        for (uint64_t now = 1000; now <= 10000; now += 1000) {
            cr_assert_eq(raft_tick(r, now, &u), RAFT_OK);
            cr_assert_eq(u.n_messages, 0);
            cr_assert_gt(u.next_deadline, now, "the timer is re-armed");
        }
        cr_assert_eq(raft_term(r), RAFT_TERM_MAX);
        cr_assert_eq(raft_role(r), RAFT_FOLLOWER);
        raft_destroy(r);
    }
}

/* ---- malformed arguments ------------------------------------------------ */

static int create_with(struct raft_config *c, struct raft **out)
{
    return raft_create(c, NULL, 0, out);
}

Test(raft_malformed, config_is_validated_by_create)
{
    const uint64_t voters[] = {1, 2, 3};
    const uint64_t duplicate[] = {1, 2, 2};
    const uint64_t with_zero[] = {1, 0, 3};
    struct raft_config good;
    raft_config_init(&good);
    good.id = 1;
    good.voters = voters;
    good.n_voters = 3;
    struct raft *r = NULL;
    cr_assert_eq(create_with(&good, &r), RAFT_OK);
    raft_destroy(r);

    struct raft_config c = good;
    c.id = 0;
    r = NULL;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "id 0");
    cr_assert_null(r);
    c = good;
    c.voters = duplicate;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "duplicate voter");
    c = good;
    c.voters = with_zero;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "voter 0");
    c = good;
    c.voters = NULL;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "voters NULL");
    c = good;
    c.election_timeout_min = 300;
    c.election_timeout_max = 299;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "min above max");
    c = good;
    c.heartbeat_interval = 0;
    cr_assert_eq(create_with(&c, &r), RAFT_EINVAL, "heartbeat 0");
    cr_assert_null(r);
}

Test(raft_malformed, durable_state_is_validated_by_create)
{
    const uint64_t voters[] = {1, 2, 3};
    struct raft_config c;
    raft_config_init(&c);
    c.id = 1;
    c.voters = voters;
    c.n_voters = 3;
    const uint64_t v = 1;
    struct raft_entry entries[2] = {
        {.term = 2, .type = RAFT_ENTRY_COMMAND, .data = &v, .len = 8},
        {.term = 1, .type = RAFT_ENTRY_COMMAND, .data = &v, .len = 8}};
    struct raft *r = NULL;

    struct raft_durable_state s = {
        .term = 2, .entries = entries, .n_entries = 2};
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_EINVAL, "terms decrease");
    cr_assert_null(r);
    entries[1].term = 2;
    s.term = UINT64_MAX;
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_EINVAL, "term UINT64_MAX");
    cr_assert_null(r);
    /* Entries may name a term above the durable one (it resumes there), but
     * not one that could never be incremented. */
    s.term = 2;
    entries[1].term = UINT64_MAX;
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_EINVAL,
                 "entry term UINT64_MAX");
    cr_assert_null(r);
    entries[1].term = 2;
    s.term = 2;
    s.vote = 2;
    cr_assert_eq(raft_create(&c, &s, 0, &r), RAFT_OK);
    cr_assert_eq(raft_last_index(r), 2);
    cr_assert_eq(raft_vote(r), 2);
    raft_destroy(r);
}

Test(raft_malformed, oversized_proposal_fails_with_etoobig_and_appends_nothing)
{
    struct raft_config c = rh_config(CORE_SEED);
    c.max_command_len = 8;
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    struct raft *r = rh_core(h, 1);
    const char big[9] = "12345678";
    uint64_t index = 0;
    struct raft_update u;
    cr_assert_eq(raft_propose(r, h->now, big, sizeof big, &index, &u),
                 RAFT_ETOOBIG);
    cr_assert_eq(raft_last_index(r), 1);
    cr_assert_eq(rh_propose(h, 1, 3, &index), RAFT_OK);
    cr_assert_eq(index, 2);
    rh_free(h);
}

Test(raft_malformed, compaction_past_the_commit_index_is_refused)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    rh_isolate(h, 2);
    rh_isolate(h, 3);
    cr_assert_eq(rh_propose(h, 1, 3, NULL), RAFT_OK);
    rh_deliver_all(h);
    struct raft *r = rh_core(h, 1);
    cr_assert_eq(raft_commit_index(r), 1);
    struct raft_update u;
    cr_assert_eq(raft_compact(r, h->now, 2, "x", 1, &u), RAFT_EINVAL);
    cr_assert_eq(raft_snapshot_index(r), 0);
    cr_assert_eq(raft_last_index(r), 2);
    rh_free(h);
}

Test(raft_malformed, time_running_backwards_is_refused)
{
    struct raft_config c = rh_config(CORE_SEED);
    struct rh *h = rh_create(3, &c);
    cr_assert_eq(rh_campaign(h, 1), RAFT_OK);
    rh_deliver_all(h);
    rh_advance_to(h, 500);
    struct raft *r = rh_core(h, 1);
    struct raft_update u;
    uint64_t index = 0;
    cr_assert_eq(raft_tick(r, 499, &u), RAFT_EINVAL);
    cr_assert_eq(raft_campaign(r, 499, &u), RAFT_EINVAL);
    cr_assert_eq(raft_propose(r, 499, "x", 1, &index, &u), RAFT_EINVAL);
    struct raft_message m = {
        .type = RAFT_MSG_APPEND_ENTRIES_RESULT,
        .from = 2,
        .to = 1,
        .term = 1,
        .append_entries_result = {.success = true, .index = 1}};
    cr_assert_eq(raft_receive(r, 499, &m, &u), RAFT_EINVAL);
    cr_assert_eq(raft_last_index(r), 1);
    cr_assert_eq(raft_role(r), RAFT_LEADER);
    cr_assert_eq(raft_term(r), 1);
    /* The same calls at the current time are accepted. */
    cr_assert_eq(rh_tick(h, 1), RAFT_OK);
    cr_assert_eq(rh_propose(h, 1, 4, &index), RAFT_OK);
    cr_assert_eq(index, 2);
    rh_free(h);
}
