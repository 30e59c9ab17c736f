/* test_viz_timeline_model.c: the trace folded into the timeline's model
 * (viz_timeline_model.c), read directly, without drawing: spans tile the
 * run, partitions take their groups from the event's data, a time-0 term is
 * a lane's starting term, and a message's second fate is a copy.
 */
#include <criterion/criterion.h>

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
