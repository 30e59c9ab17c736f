/* test_scn_parse_member.c: the membership extension of the scenario
 * language (`cluster N spare M`, the operator's actions and the
 * configuration checks) parses to its exact meaning, prints back to the
 * same text, and every misuse is rejected at its position with a message
 * naming it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "scenarios/lang/scn_identity.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_shrink_edit.h"
#include "tests/support/scn_harness.h"

static const struct scn_action *action_at(const struct scn_scenario *s, guint i)
{
    cr_assert_lt(i, s->steps->len);
    return &((const struct scn_step *)g_ptr_array_index(s->steps, i))->action;
}

Test(scn_parse_member, spare_nodes_follow_the_cluster_size)
{
    struct scn_scenario *s = sh_parse("cluster 3 spare 2\nat 1s add n5\n");

    cr_assert_eq(s->cluster, 3);
    cr_assert_eq(s->spare, 2);
    cr_assert_eq(scn_scenario_nodes(s), 5);
    scn_scenario_free(s);
    s = sh_parse("cluster 3\n");
    cr_assert_eq(s->spare, 0);
    scn_scenario_free(s);
}

Test(scn_parse_member, single_changes_are_one_change_with_the_auto_transition)
{
    static const struct
    {
        const char *statement;
        enum scn_change_kind kind;
    } cases[] = {
        {"at 1s add n4", SCN_CHANGE_ADD},
        {"at 1s add n4 as voter", SCN_CHANGE_ADD},
        {"at 1s add n4 as learner", SCN_CHANGE_ADD_LEARNER},
        {"at 1s promote n4", SCN_CHANGE_PROMOTE},
        {"at 1s demote n2", SCN_CHANGE_DEMOTE},
        {"at 1s remove n1", SCN_CHANGE_REMOVE},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text =
            g_strdup_printf("cluster 3 spare 1\n%s\n", cases[i].statement);
        struct scn_scenario *s = sh_parse(text);
        const struct scn_action *a = action_at(s, 0);

        cr_assert_eq(a->kind, SCN_ACT_CHANGE, "%s", cases[i].statement);
        cr_assert_eq(a->change_count, 1);
        cr_assert_eq(a->transition, SCN_TRANSITION_AUTO);
        cr_assert_eq(a->changes[0].kind, cases[i].kind, "%s",
                     cases[i].statement);
        cr_assert_eq(a->changes[0].node.kind, SCN_REF_NODE);
        scn_scenario_free(s);
        g_free(text);
    }
}

Test(scn_parse_member, change_lists_changes_in_order_with_their_transition)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3 spare 2\n"
        "at 1s change joint-explicit add n4, add n5 as learner, remove n1\n"
        "at 2s leave-joint\n"
        "at 3s transfer-leadership to n2\n"
        "at 4s remove leader as old\n"
        "at 5s crash old\n");
    const struct scn_action *a = action_at(s, 0);

    cr_assert_eq(a->kind, SCN_ACT_CHANGE);
    cr_assert_eq(a->transition, SCN_TRANSITION_JOINT_EXPLICIT);
    cr_assert_eq(a->change_count, 3);
    cr_assert_eq(a->changes[0].kind, SCN_CHANGE_ADD);
    cr_assert_eq(a->changes[0].node.node, 4);
    cr_assert_eq(a->changes[1].kind, SCN_CHANGE_ADD_LEARNER);
    cr_assert_eq(a->changes[1].node.node, 5);
    cr_assert_eq(a->changes[2].kind, SCN_CHANGE_REMOVE);
    cr_assert_eq(a->changes[2].node.node, 1);
    cr_assert_eq(action_at(s, 1)->kind, SCN_ACT_LEAVE_JOINT);
    cr_assert_eq(action_at(s, 2)->kind, SCN_ACT_TRANSFER);
    cr_assert_eq(action_at(s, 2)->node.node, 2);
    a = action_at(s, 3);
    cr_assert_eq(a->changes[0].node.kind, SCN_REF_LEADER);
    cr_assert_eq(a->changes[0].node.bind_slot, 0);
    cr_assert_eq(action_at(s, 4)->node.slot, 0);
    scn_scenario_free(s);
}

Test(scn_parse_member, configuration_checks_keep_their_node_lists)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3 spare 2\n"
        "at 1s expect config voters n1 n2 n4 learners n5\n"
        "at 1s expect config voters n1 n2 n3\n"
        "at 1s expect learners none\n"
        "at 1s expect learners n4 n5\n"
        "at 1s expect joint\n"
        "at 1s expect not-joint\n");
    const struct scn_check *c = &action_at(s, 0)->check;

    cr_assert_eq(c->kind, SCN_CHECK_CONFIG);
    cr_assert_eq(c->nodes.count, 3);
    cr_assert_eq(c->nodes.refs[2].node, 4);
    cr_assert_eq(c->learners.count, 1);
    cr_assert_eq(c->learners.refs[0].node, 5);
    cr_assert_eq(action_at(s, 1)->check.learners.count, 0);
    cr_assert_eq(action_at(s, 2)->check.kind, SCN_CHECK_LEARNERS);
    cr_assert_eq(action_at(s, 2)->check.learners.count, 0);
    cr_assert_eq(action_at(s, 3)->check.learners.count, 2);
    cr_assert_eq(action_at(s, 4)->check.kind, SCN_CHECK_JOINT);
    cr_assert_eq(action_at(s, 5)->check.kind, SCN_CHECK_NOT_JOINT);
    scn_scenario_free(s);
}

/* The canonical form: `change` with one automatic change prints alone,
 * `as voter` is the default and is left out. */
Test(scn_parse_member, statements_print_in_canonical_form)
{
    static const char *const cases[][2] = {
        {"at 1s add n4 as voter", "at 1s add n4"},
        {"at 1s change add n4", "at 1s add n4"},
        {"at 1s change add n4 as learner , remove n1",
         "at 1s change add n4 as learner, remove n1"},
        {"at 1s change joint promote n4", "at 1s change joint promote n4"},
        {"at 1s add any? as x as learner", "at 1s add any? as x as learner"},
        {"at 1s transfer-leadership to follower",
         "at 1s transfer-leadership to follower"},
        {"at 1s expect learners none", "at 1s expect learners none"},
        {"at 1s expect config voters n1 n2 learners none",
         "at 1s expect config voters n1 n2"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf("cluster 3 spare 1\n%s\n", cases[i][0]);
        char *want = g_strdup_printf("cluster 3 spare 1\n%s\n", cases[i][1]);
        struct scn_scenario *s = sh_parse(text);
        GString *out = g_string_new(NULL);

        scn_print(s, out);
        cr_assert_str_eq(out->str, want);
        struct scn_scenario *back = sh_parse(out->str);
        cr_assert(scn_scenario_equal(s, back), "%s", out->str);
        scn_scenario_free(back);
        scn_scenario_free(s);
        g_string_free(out, TRUE);
        g_free(text);
        g_free(want);
    }
}

/* Each misuse, with its exact position and message. */
Test(scn_parse_member, each_misuse_is_rejected_at_its_position)
{
    static const char *const cases[][2] = {
        {"cluster 5\nat 1s add n9\n",
         "t.scn:2:11: error: node 'n9' is out of range: the cluster has 5 "
         "nodes (n1..n5)\n"},
        {"cluster 3 spare 2\nat 1s add n6\n",
         "t.scn:2:11: error: node 'n6' is out of range: the cluster has 3 "
         "nodes and 2 spares (n1..n5)\n"},
        {"cluster 3 spare 1\nat 1s expect config voters n1 n5\n",
         "t.scn:2:31: error: node 'n5' is out of range: the cluster has 3 "
         "nodes and 1 spare (n1..n4)\n"},
        {"cluster 3 spare 0\n",
         "t.scn:1:17: error: 'spare' needs at least one node; leave it out for "
         "none\n"},
        {"cluster 200 spare 56\n",
         "t.scn:1:19: error: 200 nodes and 56 spares are too many: at most 255 "
         "nodes in all\n"},
        {"cluster 3 spare\n",
         "t.scn:1:16: error: expected a number of spare nodes, found the end "
         "of the line\n"},
        {"cluster 3 spare 2\ninit n4 term 1\n",
         "t.scn:2:6: error: node 'n4' is a spare: spares start empty and "
         "outside the configuration, so they take no 'init'\n"},
        {"cluster 3 spare 2\nat 1s add n4 as leader\n",
         "t.scn:2:17: error: name 'leader' is a keyword\n"},
        {"cluster 3 spare 2\nat 1s add n4 as\n",
         "t.scn:2:16: error: expected a name after 'as', found the end of the "
         "line\n"},
        {"cluster 3 spare 2\nat 1s change add n4, add n4\n",
         "t.scn:2:26: error: 'n4' is named twice\n"},
        {"cluster 3 spare 2\nat 1s change add n4,\n",
         "t.scn:2:21: error: expected membership change, found the end of the "
         "line\n"},
        {"cluster 3 spare 2\nat 1s change joint\n",
         "t.scn:2:19: error: expected membership change, found the end of the "
         "line\n"},
        {"cluster 3 spare 2\nat 1s change add n4 remove n1\n",
         "t.scn:2:21: error: the changes of 'change' are separated by commas: "
         "write '..., remove ...'\n"},
        {"cluster 3 spare 2\nat 1s change sideways add n4\n",
         "t.scn:2:14: error: unknown membership change 'sideways'\n"},
        {"cluster 3\nat 1s transfer-leadership n2\n",
         "t.scn:2:27: error: expected 'to', found 'n2'\n"},
        {"cluster 3\nat 1s promote\n",
         "t.scn:2:14: error: expected a node, found the end of the line\n"},
        {"cluster 3\nat 1s remove rest\n",
         "t.scn:2:14: error: 'rest' stands for several nodes; one node is "
         "needed here\n"},
        {"cluster 3\nat 1s leave-joint n1\n",
         "t.scn:2:19: error: unexpected 'n1' after the end of the statement\n"},
        {"cluster 3\nrun 3s\nat 1s..2s add n3\n",
         "t.scn:3:11: error: a window 'A..B' only takes 'expect', found "
         "'add'\n"},
        {"cluster 3\nat 1s expect config n1 n2\n",
         "t.scn:2:21: error: expected 'voters', found 'n1'\n"},
        {"cluster 3\nat 1s expect config voters\n",
         "t.scn:2:27: error: expected nodes after 'voters', found the end of "
         "the line\n"},
        {"cluster 3\nat 1s expect config voters n1 learners\n",
         "t.scn:2:39: error: expected nodes or 'none' after 'learners', found "
         "the end of the line\n"},
        {"cluster 3\nat 1s expect learners\n",
         "t.scn:2:22: error: expected nodes or 'none' after 'learners', found "
         "the end of the line\n"},
        {"cluster 3\nat 1s expect config voters n1 n1\n",
         "t.scn:2:31: error: 'n1' is named twice\n"},
        {"cluster 3\nat 1s expect config voters n1 learners n1\n",
         "t.scn:2:40: error: 'n1' is named twice\n"},
        {"cluster 3\nat 1s expect joint n1\n",
         "t.scn:2:20: error: unexpected 'n1' after the end of the statement\n"},
        {"cluster 3\nat 1s client set k a,b\n",
         "t.scn:2:20: error: 'a,' is not a bare word (letters, digits, _ . : "
         "-); put it in double quotes\n"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *all = sh_parse_errors(cases[i][0]);

        cr_expect_str_eq(all, cases[i][1], "for %s", cases[i][0]);
        g_free(all);
    }
}

/* The new keywords are reserved: no `as` name may shadow them. */
Test(scn_parse_member, membership_words_cannot_be_names)
{
    static const char *const words[] = {
        "add",    "promote", "demote",      "remove", "change",
        "joint",  "voter",   "learner",     "config", "learners",
        "voters", "spare",   "leave-joint", "to",     "none",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
        char *text =
            g_strdup_printf("cluster 3\nat 1s crash leader as %s\n", words[i]);
        char *all = sh_parse_errors(text);

        cr_expect(strstr(all, "is a keyword") != NULL ||
                      strstr(all, "must be a lower-case word") != NULL,
                  "%s: %s", words[i], all);
        g_free(all);
        g_free(text);
    }
}

/* The shrinker's node removal (scn_shrink_edit.h) keeps a valid scenario:
 * a request of the removed node alone goes, other changes stay, and spares
 * renumber down with the other nodes and stay spares. */
Test(scn_edit_member, removing_a_node_drops_its_changes_and_keeps_spares)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3 spare 2\n"
        "at 1s add n4\n"
        "at 1s change add n5, remove n2\n"
        "at 2s transfer-leadership to n2\n"
        "at 3s expect config voters n1 n3 n4 n5\n"
        "at 3s expect learners n2\n");
    GString *out = g_string_new(NULL);

    cr_assert(scn_edit_remove_node(s, 2));
    scn_print(s, out);
    cr_assert_str_eq(out->str,
                     "cluster 2 spare 2\n"
                     "at 1s add n3\n"
                     "at 1s add n4\n"
                     "at 3s expect config voters n1 n2 n3 n4\n");
    g_string_truncate(out, 0);
    cr_assert(scn_edit_remove_node(s, 4));
    scn_print(s, out);
    cr_assert_str_eq(out->str,
                     "cluster 2 spare 1\n"
                     "at 1s add n3\n"
                     "at 3s expect config voters n1 n2 n3\n");
    cr_assert_not(scn_edit_remove_node(s, 4), "n4 no longer exists");
    g_string_free(out, TRUE);
    scn_scenario_free(s);
}

/* Statement identities (scn_identity.h) come from the canonical text: two
 * spellings of one request share a key, different requests do not. */
Test(scn_identity_member, keys_follow_the_canonical_text_of_requests)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3 spare 1\n"
        "at 1s add n4\n"
        "at 2s add n4 as learner\n"
        "at 3s promote n4\n"
        "at 4s transfer-leadership to n2\n");
    struct scn_scenario *same = sh_parse(
        "cluster 3 spare 1\n"
        "at 1s change add n4\n"
        "at 2s add n4 as learner\n"
        "at 3s change promote n4\n"
        "at 4s transfer-leadership to n2\n");
    uint64_t a[4], b[4];

    scn_step_draw_keys(s, a);
    scn_step_draw_keys(same, b);
    cr_assert_eq(memcmp(a, b, sizeof(a)), 0);
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            cr_assert_neq(a[i], a[j], "steps %d and %d", i, j);
    scn_scenario_free(s);
    scn_scenario_free(same);
}
