/* test_viz_timeline_model.c: the trace folded into the timeline's model
 * (viz_timeline_model.c), read directly, without drawing: spans tile the
 * run, partitions take their groups from the event's data, a time-0 term is
 * a lane's starting term, and a message's second fate is a copy.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tests/support/viz_trace.h"
#include "viz/viz_timeline_model.h"

static const struct viz_tl_span *span(const struct viz_tl_model *m,
                                      uint32_t node,
                                      guint i)
{
    cr_assert_lt(i, m->spans[node]->len);
    return &g_array_index(m->spans[node], struct viz_tl_span, i);
}

Test(viz_timeline_model, each_nodes_spans_tile_the_run_in_order)
{
    struct vt_trace t = vt_trace_new();
    vt_role(&t, 100000, 1, RAFT_CANDIDATE, 1);
    vt_role(&t, 150000, 1, RAFT_LEADER, 1);
    vt_ev(&t, 400000, SIM_TRACE_CRASH, 1);
    vt_ev(&t, 600000, SIM_TRACE_RESTART, 1)->term = 1;
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    cr_assert_eq(m.spans[1]->len, 5);
    uint64_t at = 0;
    for (guint i = 0; i < m.spans[1]->len; i++) {
        cr_assert_eq(span(&m, 1, i)->t0_us, at, "span %u starts late", i);
        cr_assert_gt(span(&m, 1, i)->t1_us, at);
        at = span(&m, 1, i)->t1_us;
    }
    cr_assert_eq(at, 1000000);
    cr_assert_eq(span(&m, 1, 2)->role, RAFT_LEADER);
    cr_assert_eq(span(&m, 1, 3)->state, NODE_CRASHED);
    cr_assert_eq(span(&m, 1, 4)->role, RAFT_FOLLOWER);
    /* A node with no event is one follower span over the whole run. */
    cr_assert_eq(m.spans[2]->len, 1);
    cr_assert_eq(span(&m, 2, 0)->t1_us, 1000000);
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, partition_groups_are_the_events_data)
{
    struct vt_trace t = vt_trace_new();
    struct sim_trace_event *e = vt_ev(&t, 200000, SIM_TRACE_PARTITION, 0);
    static const uint8_t groups[] = {2, 1, 0, 2};
    e->text = "n9 | rest"; /* for readers only */
    e->group_of = groups;
    e->n_group_of = 4;
    vt_ev(&t, 700000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 4, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    cr_assert_eq(m.partitions->len, 1);
    const struct viz_tl_partition *p =
        &g_array_index(m.partitions, struct viz_tl_partition, 0);
    cr_assert_eq(p->n_groups, 2);
    for (uint32_t k = 1; k <= 4; k++)
        cr_assert_eq(p->group[k], groups[k - 1], "n%u", k);
    cr_assert_eq(p->t0_us, 200000);
    cr_assert_eq(p->t1_us, 700000, "the heal ends the partition");
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, a_time_zero_term_event_is_the_lanes_starting_term)
{
    struct vt_trace t = vt_trace_new();
    vt_ev(&t, 0, SIM_TRACE_TERM, 1)->term = 7;
    struct viz_run run = vt_run_of(&t, 1, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    cr_assert_eq(m.spans[1]->len, 1, "no empty span of term 0 before it");
    cr_assert_eq(span(&m, 1, 0)->term, 7);
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, a_second_fate_of_one_message_is_a_copy)
{
    struct vt_trace t = vt_trace_new();
    uint64_t id =
        vt_send_msg(&t, 100000, 1, 2, RAFT_MSG_APPEND_ENTRIES, 1, false);
    vt_fate(&t, 120000, id, SIM_TRACE_DELIVER, 2);
    vt_fate(&t, 130000, id, SIM_TRACE_DROP, 2);
    struct viz_run run = vt_run_of(&t, 2, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    cr_assert_eq(m.arrows->len, 2);
    const struct viz_tl_arrow *a =
        &g_array_index(m.arrows, struct viz_tl_arrow, 0);
    const struct viz_tl_arrow *c =
        &g_array_index(m.arrows, struct viz_tl_arrow, 1);
    cr_assert(a->fate == ARROW_DELIVERED && !a->copy);
    cr_assert(c->fate == ARROW_LOST && c->copy && c->end_us == 130000);
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

/* ---- which side of a partition can still decide --------------------------
 * A side holds a quorum when it has a majority of the voters in force,
 * and while the configuration is joint a majority of both halves (Raft
 * paper §5.2, thesis §4.3). */

/* Every node's `config` event at t_us: the configuration held by entry
 * index (as the engine traces one for every node at time 0). */
static void config_all(struct vt_trace *t,
                       uint64_t t_us,
                       uint32_t n,
                       uint64_t index,
                       const char *text)
{
    for (uint32_t k = 1; k <= n; k++) {
        struct sim_trace_event *e = vt_ev(t, t_us, SIM_TRACE_CONFIG, k);
        e->index = index;
        e->term = index > 0 ? 1 : 0;
        e->text = text;
    }
}

static const struct viz_tl_partition *partition_at(const struct viz_tl_model *m,
                                                   guint i)
{
    cr_assert_lt(i, m->partitions->len);
    return &g_array_index(m->partitions, struct viz_tl_partition, i);
}

static const struct viz_tl_verdict *verdict(const struct viz_tl_partition *p,
                                            guint i)
{
    cr_assert_lt(i, p->verdicts->len);
    return &g_array_index(p->verdicts, struct viz_tl_verdict, i);
}

/* Whether some note's text contains words. */
static bool noted(const struct viz_tl_model *m, const char *words)
{
    for (guint i = 0; i < m->notes->len; i++) {
        if (strstr(g_array_index(m->notes, struct viz_tl_note, i).text,
                   words) != NULL) {
            return true;
        }
    }
    return false;
}

Test(viz_timeline_model,
     timeline_marks_the_side_with_a_quorum_of_voters_as_majority)
{
    /* No `config` event: all five nodes vote; n3 n4 n5 are three of them. */
    struct vt_trace t = vt_trace_new();
    static const uint8_t groups[] = {1, 1, 2, 2, 2};
    vt_partition(&t, 200000, groups, 5, "groups");
    vt_ev(&t, 700000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 5, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    const struct viz_tl_partition *p = partition_at(&m, 0);
    cr_assert_eq(p->verdicts->len, 1);
    const struct viz_tl_verdict *v = verdict(p, 0);
    cr_assert(v->t0_us == 200000 && v->t1_us == 700000);
    cr_assert_eq(v->side, 2, "n3 n4 n5 hold three of five voters");
    for (uint32_t k = 1; k <= 5; k++)
        cr_assert_eq(viz_tl_in_majority(p, v, k), k >= 3, "n%u", k);
    cr_assert(noted(&m, "groups; n3 n4 n5 can elect and commit"),
              "the partition's note names the side that can decide");
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, timeline_counts_only_the_voters_toward_a_quorum)
{
    /* Voters n1 n2 n3, learners n4 n5: the two-node side n1 n2 holds two
     * of three voters, the three-node side n3 n4 n5 only one. */
    struct vt_trace t = vt_trace_new();
    config_all(&t, 0, 5, 0, "voters n1 n2 n3 | learners n4 n5");
    static const uint8_t groups[] = {1, 1, 2, 2, 2};
    vt_partition(&t, 200000, groups, 5, "groups");
    struct viz_run run = vt_run_of(&t, 5, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    const struct viz_tl_partition *p = partition_at(&m, 0);
    cr_assert_eq(p->verdicts->len, 1);
    cr_assert_eq(verdict(p, 0)->side, 1, "n1 n2 hold 2 of the 3 voters");
    cr_assert(noted(&m, "n1 n2 can elect and commit"));
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, timeline_judges_a_joint_partition_by_both_halves)
{
    /* Joint: incoming voters n1 n4 n5, outgoing n1 n2 n3. */
    struct vt_trace t = vt_trace_new();
    config_all(&t, 0, 5, 0, "voters n1 n2 n3");
    config_all(&t, 100000, 5, 2, "voters n1 n4 n5 | outgoing n1 n2 n3");
    /* n1 n4 n5 hold all the incoming voters but one outgoing voter of
     * three: no side decides. */
    static const uint8_t incoming_only[] = {1, 2, 2, 1, 1};
    vt_partition(&t, 200000, incoming_only, 5, "groups");
    /* n1 n2 n4 hold two of three in each half: they decide. */
    static const uint8_t both[] = {1, 1, 2, 1, 2};
    vt_partition(&t, 400000, both, 5, "groups");
    struct viz_run run = vt_run_of(&t, 5, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    cr_assert_eq(verdict(partition_at(&m, 0), 0)->side, 0,
                 "a majority of the incoming half alone is no quorum");
    const struct viz_tl_partition *p = partition_at(&m, 1);
    cr_assert_eq(verdict(p, 0)->side, 1);
    cr_assert(viz_tl_in_majority(p, verdict(p, 0), 4));
    cr_assert_not(viz_tl_in_majority(p, verdict(p, 0), 5));
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, timeline_marks_no_majority_when_no_side_has_a_quorum)
{
    /* Three, two and one (n6 alone, in no group) of six voters: half of
     * them is no majority. */
    struct vt_trace t = vt_trace_new();
    static const uint8_t groups[] = {1, 1, 1, 2, 2, 0};
    vt_partition(&t, 200000, groups, 6, "groups");
    struct viz_run run = vt_run_of(&t, 6, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    const struct viz_tl_partition *p = partition_at(&m, 0);
    cr_assert_eq(p->n_sides, 3, "n6 alone is a side of its own");
    cr_assert_eq(p->side[6], 3);
    cr_assert_eq(p->verdicts->len, 1);
    cr_assert_eq(verdict(p, 0)->side, 0);
    for (uint32_t k = 1; k <= 6; k++)
        cr_assert_not(viz_tl_in_majority(p, verdict(p, 0), k), "n%u", k);
    cr_assert(noted(&m, "groups; no side can elect or commit"));
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}

Test(viz_timeline_model, timeline_rejudges_a_partition_when_the_voters_change)
{
    /* n1 n2 | n3 n4 n5 with voters n1 n2 n3: n1 n2 decide; once n4 and n5
     * join as voters, n3 n4 n5 hold three of five. */
    struct vt_trace t = vt_trace_new();
    config_all(&t, 0, 5, 0, "voters n1 n2 n3");
    static const uint8_t groups[] = {1, 1, 2, 2, 2};
    vt_partition(&t, 200000, groups, 5, "groups");
    config_all(&t, 500000, 5, 3, "voters n1 n2 n3 n4 n5");
    vt_ev(&t, 800000, SIM_TRACE_HEAL, 0);
    struct viz_run run = vt_run_of(&t, 5, 1000000);
    struct viz_tl_model m;
    viz_tl_model_build(&run, 1000000, &m);
    const struct viz_tl_partition *p = partition_at(&m, 0);
    cr_assert_eq(p->verdicts->len, 2);
    cr_assert(verdict(p, 0)->side == 1 && verdict(p, 0)->t0_us == 200000 &&
              verdict(p, 0)->t1_us == 500000);
    cr_assert(verdict(p, 1)->side == 2 && verdict(p, 1)->t0_us == 500000 &&
              verdict(p, 1)->t1_us == 800000);
    cr_assert(noted(&m, "n3 n4 n5 can now elect and commit"));
    viz_tl_model_free(&m);
    vt_trace_free(&t);
}
