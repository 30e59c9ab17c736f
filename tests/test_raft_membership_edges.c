/* test_raft_membership_edges.c: configurations at the edges the fuzzer
 * found: an installed snapshot and the configuration entries of the log it
 * keeps (thesis §4.1, §5.1; Figure 13, InstallSnapshot receiver rule 6), and
 * a server left out of an uncommitted configuration (thesis §4.2.2). */
#include <criterion/criterion.h>
#include <string.h>

#include "raft/raft.h"

/* A follower n1 of voters n1..n3 whose log holds no-ops at 1..3 and, at 4,
 * the configuration that adds n4 as a voter, all of term 1. */
static struct raft *follower_with_config_at_4(uint64_t *conf_bytes)
{
    static const uint64_t voters[] = {1, 2, 3};
    static const uint64_t grown[] = {1, 2, 3, 4};
    struct raft_configuration c = {.voters = grown, .n_voters = 4};
    raft_configuration_encode(&c, conf_bytes);
    struct raft_entry log[4] = {
        {.term = 1, .type = RAFT_ENTRY_NOOP},
        {.term = 1, .type = RAFT_ENTRY_NOOP},
        {.term = 1, .type = RAFT_ENTRY_NOOP},
        {.term = 1,
         .type = RAFT_ENTRY_CONFIG,
         .data = conf_bytes,
         .len = raft_configuration_encoded_len(&c)},
    };
    struct raft_durable_state st = {.term = 1, .entries = log, .n_entries = 4};
    struct raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = 1;
    cfg.voters = voters;
    cfg.n_voters = 3;
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&cfg, &st, 0, &r), RAFT_OK);
    cr_assert_eq(raft_configuration_index(r), 4);
    return r;
}

Test(raft_membership_edges,
     a_snapshot_that_keeps_the_log_suffix_keeps_its_configuration_entries)
{
    uint64_t bytes[16];
    struct raft *r = follower_with_config_at_4(bytes);
    /* The leader's snapshot through index 3 matches the follower's entry
     * there: the suffix (index 4, the new configuration) stays, and so
     * does the configuration it holds. */
    static const uint64_t voters[] = {1, 2, 3};
    struct raft_message m = {.type = RAFT_MSG_INSTALL_SNAPSHOT,
                             .from = 2,
                             .to = 1,
                             .term = 1};
    m.install_snapshot.snapshot = (struct raft_snapshot){
        .last_index = 3,
        .last_term = 1,
        .data = "s",
        .len = 1,
        .configuration = {.voters = voters, .n_voters = 3},
    };
    m.install_snapshot.done = true; /* the whole snapshot, one chunk */
    struct raft_update u;
    memset(&u, 0, sizeof u);
    cr_assert_eq(raft_receive(r, 10, &m, &u), RAFT_OK);
    cr_assert_eq(raft_snapshot_index(r), 3);
    cr_assert_eq(raft_last_index(r), 4);
    cr_assert_eq(raft_configuration_index(r), 4);
    struct raft_configuration c;
    raft_get_configuration(r, &c);
    cr_assert_eq(c.n_voters, 4);
    raft_destroy(r);
}

/* A node n3 of voters n3, n4 whose log ends with the joint configuration
 * {n4} / {n3, n4} at 2 and, at 3, its leave for voters {n4}, uncommitted. */
static struct raft *left_out_of_uncommitted(uint64_t *joint, uint64_t *left)
{
    static const uint64_t boot[] = {3, 4};
    static const uint64_t only4[] = {4};
    struct raft_configuration j = {.voters = only4,
                                   .n_voters = 1,
                                   .outgoing = boot,
                                   .n_outgoing = 2,
                                   .auto_leave = true};
    struct raft_configuration l = {.voters = only4, .n_voters = 1};
    raft_configuration_encode(&j, joint);
    raft_configuration_encode(&l, left);
    struct raft_entry log[3] = {
        {.term = 1, .type = RAFT_ENTRY_NOOP},
        {.term = 1,
         .type = RAFT_ENTRY_CONFIG,
         .data = joint,
         .len = raft_configuration_encoded_len(&j)},
        {.term = 1,
         .type = RAFT_ENTRY_CONFIG,
         .data = left,
         .len = raft_configuration_encoded_len(&l)},
    };
    struct raft_durable_state st = {.term = 1, .entries = log, .n_entries = 3};
    struct raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = 3;
    cfg.voters = boot;
    cfg.n_voters = 2;
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&cfg, &st, 0, &r), RAFT_OK);
    cr_assert_not(raft_is_voter(r));
    return r;
}

Test(raft_membership_edges,
     a_server_left_out_of_an_uncommitted_configuration_still_campaigns)
{
    /* Thesis §4.2.2: n4 alone cannot win the joint configuration's old
     * half without n3's vote, and n3's longer log makes it refuse n4; n3
     * must campaign, counting only n4's vote, to commit the leave. */
    uint64_t joint[16], left[16];
    struct raft *r = left_out_of_uncommitted(joint, left);
    struct raft_update u;
    memset(&u, 0, sizeof u);
    cr_assert_eq(raft_campaign(r, 1000, &u), RAFT_OK);
    cr_assert_eq(raft_role(r), RAFT_CANDIDATE);
    cr_assert_eq(u.n_messages, 1);
    cr_assert_eq(u.messages[0].type, RAFT_MSG_REQUEST_VOTE);
    cr_assert_eq(u.messages[0].to, 4);
    /* Its own vote does not count: it leads only with n4's. */
    cr_assert_eq(raft_role(r), RAFT_CANDIDATE);
    raft_destroy(r);
}

Test(raft_membership_edges,
     a_restarted_node_has_room_for_an_older_configuration_a_truncation_restores)
{
    /* n1 restarts with a log holding five voters at 1 and three at 2;
     * a new leader's entry truncates index 2, so the five govern again. */
    static const uint64_t five[] = {1, 2, 3, 4, 5};
    static const uint64_t three[] = {1, 2, 3};
    struct raft_configuration c5 = {.voters = five, .n_voters = 5};
    struct raft_configuration c3 = {.voters = three, .n_voters = 3};
    uint64_t b5[16], b3[16];
    raft_configuration_encode(&c5, b5);
    raft_configuration_encode(&c3, b3);
    struct raft_entry log[2] = {
        {.term = 1,
         .type = RAFT_ENTRY_CONFIG,
         .data = b5,
         .len = raft_configuration_encoded_len(&c5)},
        {.term = 1,
         .type = RAFT_ENTRY_CONFIG,
         .data = b3,
         .len = raft_configuration_encoded_len(&c3)},
    };
    struct raft_durable_state st = {.term = 1, .entries = log, .n_entries = 2};
    struct raft_config cfg;
    raft_config_init(&cfg);
    cfg.id = 1;
    cfg.voters = three;
    cfg.n_voters = 3;
    struct raft *r = NULL;
    cr_assert_eq(raft_create(&cfg, &st, 0, &r), RAFT_OK);
    struct raft_entry noop = {.term = 2, .type = RAFT_ENTRY_NOOP};
    struct raft_message m = {.type = RAFT_MSG_APPEND_ENTRIES,
                             .from = 2,
                             .to = 1,
                             .term = 2};
    m.append_entries.prev_log_index = 1;
    m.append_entries.prev_log_term = 1;
    m.append_entries.entries = &noop;
    m.append_entries.n_entries = 1;
    struct raft_update u;
    memset(&u, 0, sizeof u);
    cr_assert_eq(raft_receive(r, 10, &m, &u), RAFT_OK);
    struct raft_configuration c;
    raft_get_configuration(r, &c);
    cr_assert_eq(raft_configuration_index(r), 1);
    cr_assert_eq(c.n_voters, 5);
    raft_destroy(r);
}
