/* test_sim_configs.c: the configuration-aware checkers (sim_quorums.h,
 * sim_rules.h, sim_conduct.h) judge elections, commits and configuration
 * changes under the configuration in force (thesis chapter 4): each rule's
 * breach is caught, and the steps a correct core takes pass. Five nodes;
 * the bootstrap voters are n1..n3 unless a test says otherwise. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/check/sim_conduct.h"
#include "sim/check/sim_configs.h"
#include "sim/check/sim_persist.h"
#include "sim/check/sim_safety.h"
#include "sim/sim_disk.h"
#include "tests/support/safety_asserts.h"

/* ---- building entries and messages ---- */

/* "1 2 3" into ids; returns the count. */
static size_t parse_ids(const char *text, uint64_t *ids)
{
    size_t n = 0;
    while (text != NULL && *text != '\0') {
        char *end = NULL;
        ids[n++] = strtoull(text, &end, 10);
        text = end;
        while (*text == ' ')
            text++;
    }
    return n;
}

/* A configuration entry of term: voters, outgoing voters (joint; NULL or
 * "" for none), learners. The bytes live until 16 more entries are built. */
static struct raft_entry conf(uint64_t term,
                              const char *voters,
                              const char *outgoing,
                              const char *learners)
{
    static unsigned char bufs[16][512];
    static unsigned slot;
    uint64_t v[8], o[8], l[8];
    struct raft_configuration c = {
        .voters = v,
        .n_voters = parse_ids(voters, v),
        .outgoing = o,
        .n_outgoing = parse_ids(outgoing, o),
        .learners = l,
        .n_learners = parse_ids(learners, l),
        .auto_leave = true,
    };
    cr_assert(raft_configuration_valid(&c));
    unsigned char *buf = bufs[slot++ % 16];
    cr_assert_leq(raft_configuration_encoded_len(&c), sizeof bufs[0]);
    raft_configuration_encode(&c, buf);
    return (struct raft_entry){.term = term,
                               .type = RAFT_ENTRY_CONFIG,
                               .data = buf,
                               .len = raft_configuration_encoded_len(&c)};
}

static struct raft_entry noop(uint64_t term)
{
    return (struct raft_entry){.term = term, .type = RAFT_ENTRY_NOOP};
}

static bool write1(struct sim_safety *s,
                   uint32_t node,
                   uint64_t index,
                   struct raft_entry e)
{
    return sim_safety_on_log_write(s, node, index, &e, 1);
}

/* Five nodes; the engine's promise with bootstrap voters n1..n_voters. */
static struct sim_safety *cluster(size_t n_voters)
{
    static const uint64_t ids[] = {1, 2, 3, 4, 5};
    struct sim_safety *s = sim_safety_new(5);
    sim_safety_configure(s, ids, n_voters);
    return s;
}

static struct sim_disk disks[6];
static const struct sim_disk *disk_ptrs[6];
static struct sim_durable dv[6]; /* disk_ptrs[] asked about one index */

/* Node i's durable image: term and vote, then these entries from index 1. */
static void durable(uint32_t node,
                    uint64_t term,
                    uint64_t vote,
                    const struct raft_entry *e,
                    size_t n)
{
    sim_disk_destroy(&disks[node]);
    sim_disk_init(&disks[node], node);
    struct sim_disk_batch *b = sim_disk_batch_new();
    sim_disk_batch_set_hard(b, term, vote);
    if (n > 0)
        sim_disk_batch_set_entries(b, 1, e, n);
    sim_disk_submit(&disks[node], b, 0, 1);
    sim_disk_batch_free(sim_disk_complete(&disks[node]));
    disk_ptrs[node] = &disks[node];
}

static void disks_init(void)
{
    for (uint32_t i = 1; i <= 5; i++)
        durable(i, 0, 0, NULL, 0);
}

static void disks_fini(void)
{
    for (uint32_t i = 1; i <= 5; i++)
        sim_disk_destroy(&disks[i]);
}

TestSuite(config_checks, .init = disks_init, .fini = disks_fini);

/* from grants its vote in term to candidate (durably, as it must). */
static bool grant(struct sim_safety *s,
                  uint32_t from,
                  uint32_t candidate,
                  uint64_t term)
{
    durable(from, term, candidate, NULL, 0);
    struct raft_message m = {.type = RAFT_MSG_REQUEST_VOTE_RESULT,
                             .from = from,
                             .to = candidate,
                             .term = term};
    m.request_vote_result.granted = true;
    return sim_safety_on_send(
        s, from, &m, 0,
        sim_disk_durable(disk_ptrs[from], sim_persist_acked_index(&m)));
}

/* from acknowledges index (of acked_term) to leader in term, holding the
 * log e[0..n) durably. */
static bool ack(struct sim_safety *s,
                uint32_t from,
                uint32_t leader,
                uint64_t term,
                const struct raft_entry *e,
                size_t n)
{
    durable(from, term, 0, e, n);
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                             .from = from,
                             .to = leader,
                             .term = term};
    m.append_entries_result.success = true;
    m.append_entries_result.index = n;
    return sim_safety_on_send(
        s, from, &m, e[n - 1].term,
        sim_disk_durable(disk_ptrs[from], sim_persist_acked_index(&m)));
}

/* n1 leads term 1 (voted for by n2), wrote its no-op at 1 and committed it. */
static void n1_leads_with_noop(struct sim_safety *s)
{
    cr_assert(grant(s, 2, 1, 1));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    cr_assert(write1(s, 1, 1, noop(1)));
    cr_assert(sim_safety_on_commit(s, 1, 1));
    cr_assert(sim_safety_on_vote(s, 1, 1, 1));
}

/* ---- the relation between configurations ---- */

static struct sim_conf decoded(struct raft_entry e)
{
    struct sim_conf c;
    cr_assert(sim_conf_decode(&e, &c));
    return c;
}

/* A command whose bytes happen to encode a configuration carries none:
 * the entry's type decides, inline or out of line. */
Test(config_checks, only_a_configuration_entry_carries_a_configuration)
{
    struct raft_entry e = conf(1, "1 2 3", NULL, NULL);
    struct sim_conf c;
    cr_assert(sim_conf_decode(&e, &c));
    cr_assert(sim_conf_decode_bytes(&e, &c));
    e.type = RAFT_ENTRY_COMMAND;
    cr_assert_not(sim_conf_decode(&e, &c));
    cr_assert_not(sim_conf_decode_bytes(&e, &c));
}

Test(config_checks, one_step_is_a_single_server_change_or_a_joint_move)
{
    struct sim_conf c123 = decoded(conf(1, "1 2 3", NULL, NULL));
    struct sim_conf c1234 = decoded(conf(1, "1 2 3 4", NULL, NULL));
    struct sim_conf c12345 = decoded(conf(1, "1 2 3 4 5", NULL, NULL));
    struct sim_conf c124 = decoded(conf(1, "1 2 4", NULL, NULL));
    struct sim_conf learners = decoded(conf(1, "1 2 3", NULL, "4 5"));
    struct sim_conf joint = decoded(conf(1, "1 4 5", "1 2 3", NULL));
    struct sim_conf c145 = decoded(conf(1, "1 4 5", NULL, NULL));
    cr_assert(sim_conf_one_step(&c123, &c1234));
    cr_assert(sim_conf_one_step(&c1234, &c123));
    cr_assert(sim_conf_one_step(&c123, &learners));
    cr_assert(sim_conf_one_step(&c123, &joint));
    cr_assert(sim_conf_one_step(&joint, &c145));
    /* Two servers at once, a swap, or skipping the joint phase. */
    cr_assert_not(sim_conf_one_step(&c123, &c12345));
    cr_assert_not(sim_conf_one_step(&c123, &c124));
    cr_assert_not(sim_conf_one_step(&c123, &c145));
    cr_assert_not(sim_conf_one_step(&joint, &c123));
    cr_assert_not(sim_conf_one_step(&c1234, &joint));
}

Test(config_checks, a_quorum_needs_a_majority_of_every_half_and_no_learner)
{
    struct sim_conf joint = decoded(conf(1, "1 4 5", "1 2 3", "2"));
    struct sim_idset who = {{0}};
    sim_idset_add(&who, 4);
    sim_idset_add(&who, 5);
    cr_assert_not(sim_conf_quorum(&joint, &who));
    sim_idset_add(&who, 2);
    cr_assert_not(sim_conf_quorum(&joint, &who)); /* n2 is in C_old only */
    sim_idset_add(&who, 3);
    cr_assert(sim_conf_quorum(&joint, &who));
    struct sim_conf learners = decoded(conf(1, "1 2 3", NULL, "4 5"));
    struct sim_idset l = {{0}};
    sim_idset_add(&l, 1);
    sim_idset_add(&l, 4);
    sim_idset_add(&l, 5);
    cr_assert_not(sim_conf_quorum(&learners, &l));
}

/* Ids live in four words of a set; each word is counted, the empty ones
 * as nothing (most sets fill the first word only). */
Test(config_checks, sets_count_their_ids_in_every_word)
{
    static const uint32_t ids[] = {1, 63, 64, 65, 127, 128, 191, 192, 255};
    struct sim_idset all = {{0}};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        sim_idset_add(&all, ids[i]);
        cr_assert_eq(sim_idset_count(&all), i + 1);
    }
    struct sim_conf high = {0};
    sim_idset_add(&high.voters, 64);
    sim_idset_add(&high.voters, 130);
    sim_idset_add(&high.voters, 200);
    struct sim_idset who = {{0}};
    sim_idset_add(&who, 130);
    sim_idset_add(&who, 1);
    sim_idset_add(&who, 63);
    cr_assert_not(sim_conf_quorum(&high, &who)); /* one voter of three */
    sim_idset_add(&who, 200);
    cr_assert(sim_conf_quorum(&high, &who));
    struct sim_conf more = high;
    sim_idset_add(&more.voters, 255);
    cr_assert(sim_conf_one_step(&high, &more));
    sim_idset_add(&more.voters, 1);
    cr_assert_not(sim_conf_one_step(&high, &more)); /* two servers */
}

/* ---- election-safety under configurations ---- */

Test(config_checks, a_leader_is_elected_by_a_majority_of_its_configuration)
{
    struct sim_safety *s = cluster(3);
    /* n4 and n5 start outside the configuration: their votes count for
     * nothing. */
    cr_assert(grant(s, 4, 1, 1));
    cr_assert(grant(s, 5, 1, 1));
    cr_assert_not(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    safety_assert_violation(
        s, SIM_PROP_ELECTION_SAFETY, 1, 0, 1, 0,
        "n1 became leader of term 1 with the votes of 3 node(s),"
        " itself included, which are no majority of every half"
        " of its configuration (voters n1 n2 n3; thesis §4.3).");
    sim_safety_free(s);
    s = cluster(3);
    cr_assert(grant(s, 2, 1, 1));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 1));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, a_joint_election_needs_a_majority_of_both_halves)
{
    struct sim_safety *s = cluster(3);
    cr_assert(write1(s, 1, 1, conf(1, "1 4 5", "1 2 3", NULL)));
    cr_assert(grant(s, 4, 1, 2));
    cr_assert(grant(s, 5, 1, 2));
    cr_assert_not(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    safety_assert_violation(
        s, SIM_PROP_ELECTION_SAFETY, 1, 0, 2, 0,
        "n1 became leader of term 2 with the votes of 3 node(s),"
        " itself included, which are no majority of every half"
        " of its configuration (voters n1 n4 n5 outgoing n1 n2"
        " n3; thesis §4.3).");
    sim_safety_free(s);
    s = cluster(3);
    cr_assert(write1(s, 1, 1, conf(1, "1 4 5", "1 2 3", NULL)));
    cr_assert(grant(s, 4, 1, 2));
    cr_assert(grant(s, 3, 1, 2));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, a_learner_vote_never_counts)
{
    struct sim_safety *s = cluster(3);
    cr_assert(write1(s, 1, 1, conf(1, "1 2 3", NULL, "4 5")));
    cr_assert(grant(s, 4, 1, 2));
    cr_assert(grant(s, 5, 1, 2));
    cr_assert_not(sim_safety_on_role(s, 1, RAFT_LEADER, 2));
    cr_assert_str_eq(sim_property_name(sim_safety_violation(s)->property),
                     "election-safety");
    sim_safety_free(s);
}

Test(config_checks, a_leader_outside_its_configuration_counts_only_the_voters)
{
    /* n4 is outside the configuration: its own vote counts for nothing,
     * n1's alone is no majority of n1..n3; with n2's it is (a server left
     * out of an uncommitted configuration may lead, thesis §4.2.2). */
    struct sim_safety *s = cluster(3);
    cr_assert(grant(s, 1, 4, 1));
    cr_assert_not(sim_safety_on_role(s, 4, RAFT_LEADER, 1));
    safety_assert_violation(
        s, SIM_PROP_ELECTION_SAFETY, 4, 0, 1, 0,
        "n4 became leader of term 1 with the votes of 2 node(s),"
        " itself included, which are no majority of every half"
        " of its configuration (voters n1 n2 n3; thesis §4.3).");
    sim_safety_free(s);
    s = cluster(3);
    cr_assert(grant(s, 1, 4, 1));
    cr_assert(grant(s, 2, 4, 1));
    cr_assert(sim_safety_on_role(s, 4, RAFT_LEADER, 1));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, a_snapshot_brings_the_committed_configuration)
{
    struct sim_safety *s = cluster(3);
    /* n1 holds and commits a configuration of five voters at index 2. */
    struct raft_entry log[2] = {noop(1), conf(1, "1 2 3 4 5", NULL, NULL)};
    cr_assert(sim_safety_on_log_write(s, 1, 1, log, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    /* n2 installs a snapshot through index 2: five voters, not the
     * bootstrap three, so n1's vote alone is no longer enough. */
    cr_assert(sim_safety_on_log_reset(s, 2, 2, 1, NULL, 0));
    cr_assert(grant(s, 1, 2, 2));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    safety_assert_violation(
        s, SIM_PROP_ELECTION_SAFETY, 2, 0, 2, 0,
        "n2 became leader of term 2 with the votes of 2 node(s),"
        " itself included, which are no majority of every half"
        " of its configuration (voters n1 n2 n3 n4 n5; thesis"
        " §4.3).");
    sim_safety_free(s);
}

/* ---- config-safety ---- */

Test(config_checks, a_leader_appends_a_configuration_one_change_at_a_time)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    cr_assert_not(write1(s, 1, 2, conf(1, "1 2 3 4 5", NULL, NULL)));
    safety_assert_violation(
        s, SIM_PROP_CONFIG_SAFETY, 1, 0, 1, 2,
        "Leader n1 of term 1 appended the configuration voters"
        " n1 n2 n3 n4 n5 at index 2, more than one change from"
        " voters n1 n2 n3 (thesis §4.1, §4.3).");
    sim_safety_free(s);
    s = cluster(3);
    n1_leads_with_noop(s);
    cr_assert(write1(s, 1, 2, conf(1, "1 2 3 4 5", "1 2 3", NULL)));
    cr_assert(sim_safety_on_vote(s, 1, 1, 1));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, a_leader_never_has_two_uncommitted_configuration_changes)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    cr_assert(write1(s, 1, 2, conf(1, "1 2 3 4", NULL, NULL)));
    cr_assert(sim_safety_on_vote(s, 1, 1, 1));
    cr_assert(write1(s, 1, 3, conf(1, "1 2 3 4 5", NULL, NULL)));
    cr_assert_not(sim_safety_on_vote(s, 1, 1, 1));
    safety_assert_violation(
        s, SIM_PROP_CONFIG_SAFETY, 1, 0, 1, 3,
        "Leader n1 of term 1 appended a configuration at index 3"
        " while the one at index 2 was not committed (commit"
        " index 1): two uncommitted changes (thesis §4.1).");
    sim_safety_free(s);
    /* Once index 2 is committed the next change may follow. */
    s = cluster(3);
    n1_leads_with_noop(s);
    cr_assert(write1(s, 1, 2, conf(1, "1 2 3 4", NULL, NULL)));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(write1(s, 1, 3, conf(1, "1 2 3 4 5", NULL, NULL)));
    cr_assert(sim_safety_on_vote(s, 1, 1, 1));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

/* n1 led term 1 and committed its no-op at 1; now it leads term 3 and has
 * written its no-op at 2. */
static void n1_leads_again(struct sim_safety *s)
{
    n1_leads_with_noop(s);
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert(grant(s, 2, 1, 3));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 3));
    cr_assert(write1(s, 1, 2, noop(3)));
}

Test(config_checks, a_leader_changes_the_configuration_only_after_committing_in_its_term)
{
    struct sim_safety *s = cluster(3);
    n1_leads_again(s);
    cr_assert(write1(s, 1, 3, conf(3, "1 2 3 4", NULL, NULL)));
    cr_assert_not(sim_safety_on_vote(s, 1, 3, 1));
    safety_assert_violation(
        s, SIM_PROP_CONFIG_SAFETY, 1, 0, 3, 3,
        "Leader n1 of term 3 appended a configuration at index 3"
        " before committing an entry of its own term (its commit"
        " index 1 holds term 1; the 2015 single-server change"
        " fix).");
    sim_safety_free(s);
    s = cluster(3);
    n1_leads_again(s);
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(write1(s, 1, 3, conf(3, "1 2 3 4", NULL, NULL)));
    cr_assert(sim_safety_on_vote(s, 1, 3, 1));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

/* n1 (leader of term 1 with its no-op) commits the joint configuration
 * n1 n4 n5 / n1 n2 n3 at index 2; then `between` runs (NULL: n1 steps
 * down), n1 is elected in term 3 by n2 and n4, writes its no-op at 3 and
 * leaves the joint configuration at 4 before committing anything. */
static void leave_joint_in_term_3(struct sim_safety *s,
                                  void (*between)(struct sim_safety *))
{
    n1_leads_with_noop(s);
    cr_assert(write1(s, 1, 2, conf(1, "1 4 5", "1 2 3", NULL)));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    if (between != NULL)
        between(s);
    else
        cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert(grant(s, 2, 1, 3));
    cr_assert(grant(s, 4, 1, 3));
    cr_assert(sim_safety_on_role(s, 1, RAFT_LEADER, 3));
    cr_assert(write1(s, 1, 3, noop(3)));
    cr_assert(write1(s, 1, 4, conf(3, "1 4 5", NULL, NULL)));
    cr_assert(sim_safety_on_vote(s, 1, 3, 1));
}

Test(config_checks, leaving_a_committed_joint_configuration_needs_no_entry_of_the_term)
{
    struct sim_safety *s = cluster(3);
    leave_joint_in_term_3(s, NULL);
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

/* n1 crashes and restarts from a snapshot through index 2. */
static void restart_n1_at_2(struct sim_safety *s)
{
    sim_safety_on_crash(s, 1);
    sim_safety_on_restart(s, 1, 2);
}

/* A restarted node knows committed what its snapshot covers (§7): a
 * leader elected after its restart may leave the joint configuration that
 * its snapshot committed, though it has seen no commit since. */
Test(config_checks, a_restart_restores_the_commit_index_its_snapshot_covers)
{
    struct sim_safety *s = cluster(3);
    leave_joint_in_term_3(s, restart_n1_at_2);
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, a_leader_is_elected_at_most_one_change_past_the_committed_configuration)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    /* n2 holds two uncommitted changes after the committed no-op (as a
     * leader that broke the rule would have sent them). */
    struct raft_entry log[3] = {noop(1), conf(1, "1 2 3 4", NULL, NULL),
                                conf(1, "1 2 3 4 5", NULL, NULL)};
    cr_assert(sim_safety_on_log_write(s, 2, 1, log, 3));
    cr_assert(sim_safety_on_role(s, 1, RAFT_FOLLOWER, 2));
    cr_assert(grant(s, 4, 2, 2));
    cr_assert(grant(s, 5, 2, 2));
    cr_assert_not(sim_safety_on_role(s, 2, RAFT_LEADER, 2));
    safety_assert_violation(
        s, SIM_PROP_CONFIG_SAFETY, 2, 0, 2, 3,
        "n2 was elected in term 2 under the configuration of"
        " index 3 (voters n1 n2 n3 n4 n5), more than one change"
        " past the committed one of index 0 (voters n1 n2 n3):"
        " their quorums need not meet (thesis §4.1).");
    sim_safety_free(s);
}

Test(config_checks, a_removed_leader_steps_down_once_its_removal_commits)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    struct raft_entry log[2] = {noop(1), conf(1, "2 3", NULL, NULL)};
    cr_assert(write1(s, 1, 2, log[1]));
    cr_assert(sim_safety_on_vote(s, 1, 1, 1));
    safety_assert_no_violation(s);
    durable(1, 1, 1, log, 2);
    cr_assert(ack(s, 2, 1, 1, log, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert_not(sim_safety_on_leader_commit(
        s, 1, 1, 2, 1, sim_disks_durable(disk_ptrs, 5, 2, dv)));
    safety_assert_violation(
        s, SIM_PROP_CONFIG_SAFETY, 1, 0, 1, 2,
        "Leader n1 of term 1 still leads after committing index"
        " 2, the configuration of index 2 (voters n2 n3) that"
        " removed it (thesis §4.2.2).");
    sim_safety_free(s);
}

/* ---- a leader's commit: acknowledgements and durable copies ---- */

Test(config_checks, a_leader_commit_counts_acknowledgements_of_voters_only)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    struct raft_entry log[3] = {noop(1), conf(1, "1 2 3", NULL, "4 5"),
                                noop(1)};
    cr_assert(write1(s, 1, 2, log[1]));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(write1(s, 1, 3, log[2]));
    durable(1, 1, 1, log, 3);
    cr_assert(ack(s, 4, 1, 1, log, 3));
    cr_assert(ack(s, 5, 1, 1, log, 3));
    cr_assert(sim_safety_on_commit(s, 1, 3));
    cr_assert_not(sim_safety_on_leader_commit(
        s, 1, 1, 3, 1, sim_disks_durable(disk_ptrs, 5, 3, dv)));
    safety_assert_violation(
        s, SIM_PROP_COMMIT_RULE, 1, 0, 1, 3,
        "Leader n1 of term 1 committed index 3 acknowledged in"
        " its term by 1 voter(s) (itself included when durable),"
        " no majority of every half of its configuration (voters"
        " n1 n2 n3 learners n4 n5).");
    sim_safety_free(s);
}

Test(config_checks, a_joint_commit_needs_acknowledgements_of_both_halves)
{
    struct sim_safety *s = cluster(3);
    n1_leads_with_noop(s);
    struct raft_entry log[2] = {noop(1), conf(1, "1 4 5", "1 2 3", NULL)};
    cr_assert(write1(s, 1, 2, log[1]));
    durable(1, 1, 1, log, 2);
    cr_assert(ack(s, 4, 1, 1, log, 2));
    cr_assert(ack(s, 5, 1, 1, log, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert_not(sim_safety_on_leader_commit(
        s, 1, 1, 2, 1, sim_disks_durable(disk_ptrs, 5, 2, dv)));
    cr_assert_str_eq(sim_property_name(sim_safety_violation(s)->property),
                     "commit-rule");
    sim_safety_free(s);
    s = cluster(3);
    n1_leads_with_noop(s);
    cr_assert(write1(s, 1, 2, log[1]));
    durable(1, 1, 1, log, 2);
    cr_assert(ack(s, 4, 1, 1, log, 2));
    cr_assert(ack(s, 3, 1, 1, log, 2));
    cr_assert(sim_safety_on_commit(s, 1, 2));
    cr_assert(sim_safety_on_leader_commit(
        s, 1, 1, 2, 1, sim_disks_durable(disk_ptrs, 5, 2, dv)));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

Test(config_checks, persistence_counts_the_durable_copies_of_voters_only)
{
    /* No engine promise: only the disks are judged; all five nodes are
     * bootstrap voters, and index 2 demotes n5 to a learner. */
    struct sim_safety *s = sim_safety_new(5);
    struct raft_entry log[2] = {noop(1), conf(1, "1 2 3 4", NULL, "5")};
    cr_assert(sim_safety_on_log_write(s, 1, 1, log, 2));
    durable(1, 1, 1, log, 2);
    durable(4, 1, 1, log, 2);
    durable(5, 1, 1, log, 2);
    cr_assert_not(sim_safety_on_leader_commit(
        s, 1, 1, 2, 1, sim_disks_durable(disk_ptrs, 5, 2, dv)));
    safety_assert_violation(
        s, SIM_PROP_PERSISTENCE, 1, 0, 1, 2,
        "Leader n1 of term 1 committed index 2 (term 1) while"
        " only 2 of 4 nodes hold it durably.");
    sim_safety_free(s);
    s = sim_safety_new(5);
    cr_assert(sim_safety_on_log_write(s, 1, 1, log, 2));
    durable(2, 1, 1, log, 2);
    cr_assert(sim_safety_on_leader_commit(
        s, 1, 1, 2, 1, sim_disks_durable(disk_ptrs, 5, 2, dv)));
    safety_assert_no_violation(s);
    sim_safety_free(s);
}

/* ---- check-quorum under configurations ---- */

#define ET_MIN 150000u
#define HB 50000u

static struct sim_violation seen;

/* Whether leader_step_v() marks the steps of a node that led before as
 * steady (sim_conduct_step.steady), as the engine does. */
static bool steady_steps;

/* One step of leader n1 in term 2 at now, after receiving m (or a tick),
 * with configuration c numbered version (raft_configuration_version(); 0:
 * unknown). */
static bool leader_step_v(struct sim_conduct *r,
                          uint64_t now,
                          const struct raft_message *m,
                          enum raft_role before,
                          const struct raft_configuration *c,
                          uint64_t version)
{
    struct raft_update u = {.role = RAFT_LEADER, .next_deadline = now + HB};
    struct sim_conduct_step st = {
        .node = 1,
        .now = now,
        .input = m ? SIM_CONDUCT_RECEIVE : SIM_CONDUCT_TICK,
        .received = m,
        .role_before = before,
        .term_before = 2,
        .update = &u,
        .term_after = 2,
        .config = c,
        .config_version = version,
        .steady = steady_steps && before == RAFT_LEADER,
    };
    return sim_conduct_on_step(r, &st, &seen);
}

static bool leader_step(struct sim_conduct *r,
                        uint64_t now,
                        const struct raft_message *m,
                        enum raft_role before,
                        const struct raft_configuration *c)
{
    return leader_step_v(r, now, m, before, c, 0);
}

/* Leader n1 hears only `speakers` every heartbeat from its election at 0;
 * whether it may still lead at 250ms without a violation. */
static bool hears_only(const char *voters,
                       const char *outgoing,
                       const char *learners,
                       const uint32_t *speakers,
                       size_t n)
{
    struct sim_conduct_config cc = {.n_nodes = 5,
                                    .election_timeout_min = ET_MIN,
                                    .election_timeout_max = 2 * ET_MIN,
                                    .heartbeat_interval = HB,
                                    .check_quorum = true};
    struct sim_conduct *r = sim_conduct_new(&cc);
    uint64_t v[8], o[8], l[8];
    struct raft_configuration c = {.voters = v,
                                   .n_voters = parse_ids(voters, v),
                                   .outgoing = o,
                                   .n_outgoing = parse_ids(outgoing, o),
                                   .learners = l,
                                   .n_learners = parse_ids(learners, l)};
    cr_assert(leader_step(r, 0, NULL, RAFT_CANDIDATE, &c));
    for (uint64_t t = HB; t <= 5 * HB; t += HB) {
        for (size_t i = 0; i < n; i++) {
            struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                                     .from = speakers[i],
                                     .to = 1,
                                     .term = 2};
            cr_assert(leader_step(r, t, &m, RAFT_LEADER, &c));
        }
    }
    bool ok = leader_step(r, 5 * HB, NULL, RAFT_LEADER, &c);
    sim_conduct_free(r);
    return ok;
}

Test(config_checks, check_quorum_counts_the_voters_of_the_leaders_configuration)
{
    static const uint32_t learners[] = {4, 5};
    static const uint32_t voter[] = {2};
    cr_assert_not(hears_only("1 2 3", NULL, "4 5", learners, 2));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    cr_assert(hears_only("1 2 3", NULL, "4 5", voter, 1));
    /* Joint: n4 and n5 make a majority of C_new only. */
    static const uint32_t new_half[] = {4, 5};
    static const uint32_t both[] = {2, 4};
    cr_assert_not(hears_only("1 4 5", "1 2 3", NULL, new_half, 2));
    cr_assert(hears_only("1 4 5", "1 2 3", NULL, both, 2));
}

/* Leader n1 of voters n1..n3 (configuration version `before`) hears n2 at
 * every heartbeat; n4 and n5 join as voters at 150ms (version `after`) and
 * stay silent: check-quorum must fail at 400ms. */
static void new_voters_stay_silent(uint64_t before, uint64_t after)
{
    struct sim_conduct_config cc = {.n_nodes = 5,
                                    .election_timeout_min = ET_MIN,
                                    .election_timeout_max = 2 * ET_MIN,
                                    .heartbeat_interval = HB,
                                    .check_quorum = true};
    struct sim_conduct *r = sim_conduct_new(&cc);
    uint64_t v3[] = {1, 2, 3};
    uint64_t v5[] = {1, 2, 3, 4, 5};
    struct raft_configuration c3 = {.voters = v3, .n_voters = 3};
    struct raft_configuration c5 = {.voters = v5, .n_voters = 5};
    cr_assert(leader_step_v(r, 0, NULL, RAFT_CANDIDATE, &c3, before));
    /* n2 answers every heartbeat; n4 and n5 join at 150ms and stay
     * silent: the core counts them as heard when they join. */
    for (uint64_t t = HB; t <= 8 * HB; t += HB) {
        struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES_RESULT,
                                 .from = 2, .to = 1, .term = 2};
        cr_assert(leader_step_v(r, t, &m, RAFT_LEADER, t < 3 * HB ? &c3 : &c5,
                                t < 3 * HB ? before : after));
        if (t == 5 * HB) /* n1, n2, n4, n5: 4 of 5 */
            cr_assert(leader_step_v(r, t, NULL, RAFT_LEADER, &c5, after));
    }
    /* At 400ms n4 and n5 have been silent for 250ms: 2 of 5. */
    cr_assert_not(leader_step_v(r, 8 * HB, NULL, RAFT_LEADER, &c5, after));
    cr_assert_eq(seen.property, SIM_PROP_CHECK_QUORUM);
    sim_conduct_free(r);
}

Test(config_checks, check_quorum_counts_a_new_voter_from_when_it_joined)
{
    new_voters_stay_silent(0, 0);
}

/* The checker keeps its conversion of a configuration while the version
 * stays; a new version must be read again, or check-quorum would go on
 * counting a majority of the old voters (thesis §4.1, §6.2). */
Test(config_checks, check_quorum_reads_the_configuration_again_when_its_version_moves)
{
    new_voters_stay_silent(1, 2);
}

/* A steady step (the leader kept its role and term) begins no leadership,
 * but a configuration version that moved is read again all the same. */
Test(config_checks, check_quorum_reads_a_moved_configuration_at_a_steady_step)
{
    steady_steps = true;
    new_voters_stay_silent(1, 2);
    new_voters_stay_silent(0, 0);
}
