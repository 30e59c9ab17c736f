/* test_scn_parse.c: the scenario parser accepts every statement of the
 * language with its exact meaning, and rejects every invalid input with the
 * exact position and message.
 *
 * Invariant kept by these tests: inputs live in memory (no files), and every
 * rejected input is checked to return no scenario at all.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "tests/support/scn_harness.h"

static const struct scn_step *step_at(const struct scn_scenario *s, guint i)
{
    cr_assert_lt(i, s->steps->len);
    return g_ptr_array_index(s->steps, i);
}

/* The only step of "cluster 5\n" + `statement`. */
static struct scn_scenario *one_step(const char *statement,
                                     const struct scn_step **step)
{
    char *text = g_strdup_printf("cluster 5\n%s\n", statement);
    struct scn_scenario *s = sh_parse(text);

    g_free(text);
    cr_assert_eq(s->steps->len, 1);
    *step = step_at(s, 0);
    return s;
}

static void assert_ref(const struct scn_node_ref *ref,
                       enum scn_ref_kind kind,
                       uint32_t node,
                       bool optional,
                       int32_t slot,
                       int32_t bind_slot)
{
    cr_assert_eq(ref->kind, kind);
    cr_assert_eq(ref->node, node);
    cr_assert_eq(ref->optional, optional);
    cr_assert_eq(ref->slot, slot);
    cr_assert_eq(ref->bind_slot, bind_slot);
}

/* ---- headers ------------------------------------------------------------ */

Test(scn_parse, missing_headers_take_their_defaults)
{
    struct scn_scenario *s = sh_parse("cluster 3\n");

    cr_assert_eq(s->cluster, 3);
    cr_assert_eq(s->seed, 1);
    cr_assert_not(s->has_seed);
    cr_assert_eq(s->run_us, 10000000);
    cr_assert_not(s->has_run);
    cr_assert_str_eq(s->title, "t.scn");
    cr_assert_not(s->has_title);
    cr_assert_eq(s->election_timeout_us_min, 150000);
    cr_assert_eq(s->election_timeout_us_max, 300000);
    cr_assert_eq(s->heartbeat_us, 50000);
    cr_assert_eq(s->delay_us_min, 1000);
    cr_assert_eq(s->delay_us_max, 10000);
    cr_assert_eq(s->drop_ppm, 0);
    cr_assert_eq(s->duplicate_ppm, 0);
    cr_assert_eq(s->reorder_ppm, 0);
    cr_assert_not(s->prevote);
    cr_assert_not(s->checkquorum);
    cr_assert_eq(s->client_timeout_us, 500000);
    cr_assert_eq(s->snapshot_every, 0);
    cr_assert_eq(s->disk_write_us, 100);
    cr_assert_eq(s->disk_sync_us, 900);
    cr_assert_not(s->has_disk_latency);
    cr_assert_eq(s->inits->len, 0);
    cr_assert_eq(s->steps->len, 0);
    cr_assert_eq(s->names->len, 0);
    scn_scenario_free(s);
}

Test(scn_parse, every_header_sets_its_field_and_flag)
{
    struct scn_scenario *s = sh_parse(
        "cluster 7\n"
        "seed 18446744073709551615\n"
        "run 2.5s\n"
        "title \"Split \\\"vote\\\" \\\\ demo\"\n"
        "election-timeout 100ms 200ms\n"
        "heartbeat 20ms\n"
        "delay 0us 3ms\n"
        "drop 5%\n"
        "duplicate 0.125\n"
        "reorder 100%\n"
        "prevote on\n"
        "checkquorum on\n"
        "client-timeout 1s\n"
        "snapshot-every 64\n"
        "snapshot-chunk 4096\n"
        "disk-latency 50us 2ms\n");

    cr_assert_eq(s->cluster, 7);
    cr_assert_eq(s->seed, UINT64_MAX);
    cr_assert(s->has_seed);
    cr_assert_eq(s->run_us, 2500000);
    cr_assert(s->has_run);
    cr_assert_str_eq(s->title, "Split \"vote\" \\ demo");
    cr_assert(s->has_title);
    cr_assert_eq(s->election_timeout_us_min, 100000);
    cr_assert_eq(s->election_timeout_us_max, 200000);
    cr_assert(s->has_election_timeout);
    cr_assert_eq(s->heartbeat_us, 20000);
    cr_assert(s->has_heartbeat);
    cr_assert_eq(s->delay_us_min, 0);
    cr_assert_eq(s->delay_us_max, 3000);
    cr_assert(s->has_delay);
    cr_assert_eq(s->drop_ppm, 50000);
    cr_assert(s->has_drop);
    cr_assert_eq(s->duplicate_ppm, 125000);
    cr_assert(s->has_duplicate);
    cr_assert_eq(s->reorder_ppm, 1000000);
    cr_assert(s->has_reorder);
    cr_assert(s->prevote);
    cr_assert(s->has_prevote);
    cr_assert(s->checkquorum);
    cr_assert(s->has_checkquorum);
    cr_assert_eq(s->client_timeout_us, 1000000);
    cr_assert(s->has_client_timeout);
    cr_assert_eq(s->snapshot_every, 64);
    cr_assert(s->has_snapshot_every);
    cr_assert_eq(s->snapshot_chunk_bytes, 4096);
    cr_assert(s->has_snapshot_chunk);
    cr_assert_eq(s->disk_write_us, 50);
    cr_assert_eq(s->disk_sync_us, 2000);
    cr_assert(s->has_disk_latency);
    scn_scenario_free(s);
}

Test(scn_parse, off_switches_are_recorded_as_given)
{
    struct scn_scenario *s =
        sh_parse("cluster 1\nprevote off\ncheckquorum off\n");

    cr_assert_not(s->prevote);
    cr_assert(s->has_prevote);
    cr_assert_not(s->checkquorum);
    cr_assert(s->has_checkquorum);
    scn_scenario_free(s);
}

Test(scn_parse, one_disk_latency_is_the_time_to_durability)
{
    struct scn_scenario *s = sh_parse("cluster 3\ndisk-latency 4ms\n");

    cr_assert_eq(s->disk_write_us, 0);
    cr_assert_eq(s->disk_sync_us, 4000);
    cr_assert(s->has_disk_latency);
    scn_scenario_free(s);
}

Test(scn_parse, disk_latency_ranges_are_minimum_and_jitter)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3\ndisk-latency 1ms..3ms 10ms\n"
        "disk-latency 2ms..5ms on n3 n1\n");

    cr_assert_eq(s->disk_write_us, 1000);
    cr_assert_eq(s->disk_write_jitter_us, 2000);
    cr_assert_eq(s->disk_sync_us, 10000);
    cr_assert_eq(s->disk_sync_jitter_us, 0);
    cr_assert_eq(s->disks->len, 1);
    const struct scn_disk *d = g_ptr_array_index(s->disks, 0);
    /* One value is the sync time, as in the plain header. */
    cr_assert_eq(d->latency.write_us, 0);
    cr_assert_eq(d->latency.sync_us, 2000);
    cr_assert_eq(d->latency.sync_jitter_us, 3000);
    cr_assert_eq(d->n_nodes, 2);
    cr_assert_eq(d->nodes[0], 3);
    cr_assert_eq(d->nodes[1], 1);
    scn_scenario_free(s);
}

Test(scn_parse, crash_keeping_states_what_survives)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s crash n2", &st);
    cr_assert_eq(st->action.keep, SCN_KEEP_NOTHING);
    scn_scenario_free(s);
    s = one_step("at 1s crash n2 keeping some", &st);
    cr_assert_eq(st->action.keep, SCN_KEEP_SOME);
    scn_scenario_free(s);
    s = one_step("at 1s crash n2 keeping log 3 term 1", &st);
    cr_assert_eq(st->action.keep, SCN_KEEP_COUNTS);
    cr_assert_eq(st->action.keep_log, 3);
    cr_assert_eq(st->action.keep_term, 1);
    scn_scenario_free(s);
}

Test(scn_parse, set_disk_latency_names_its_nodes_or_all)
{
    const struct scn_step *st;
    struct scn_scenario *s =
        one_step("at 1s set disk-latency 1ms 5ms..9ms on n2 leader", &st);
    cr_assert_eq(st->action.kind, SCN_ACT_SET_DISK);
    cr_assert_eq(st->action.disk.write_us, 1000);
    cr_assert_eq(st->action.disk.sync_us, 5000);
    cr_assert_eq(st->action.disk.sync_jitter_us, 4000);
    cr_assert_eq(st->action.nodes.count, 2);
    assert_ref(&st->action.nodes.refs[1], SCN_REF_LEADER, 0, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);
    s = one_step("at 1s set disk-latency 7ms", &st);
    cr_assert_eq(st->action.nodes.count, 0);
    scn_scenario_free(s);
}

Test(scn_parse, when_arms_a_trigger_whose_subject_name_the_action_may_use)
{
    const struct scn_step *st;
    struct scn_scenario *s =
        one_step("at 2s when any as v grants-vote crash v keeping some", &st);
    cr_assert(st->triggered);
    cr_assert_eq(st->when, SCN_WHEN_AT);
    cr_assert_eq(st->time_us, 2000000);
    cr_assert_eq(st->event, SCN_EVENT_GRANTS_VOTE);
    assert_ref(&st->subject, SCN_REF_ANY, 0, false, SCN_NO_SLOT, 0);
    cr_assert_eq(st->action.kind, SCN_ACT_CRASH);
    assert_ref(&st->action.node, SCN_REF_NAME, 0, false, 0, SCN_NO_SLOT);
    cr_assert_str_eq(g_ptr_array_index(s->names, 0), "v");
    scn_scenario_free(s);
    static const char *const events[] = {
        "grants-vote",    "acks-append",       "adopts-term", "sends-snapshot",
        "becomes-leader", "becomes-candidate", "persists",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(events); i++) {
        char *text =
            g_strdup_printf("at 1s when n1 %s pause n1 for 1ms", events[i]);
        s = one_step(text, &st);
        cr_assert_eq(st->event, (enum scn_event)(i + 1));
        cr_assert_str_eq(scn_event_name(st->event), events[i]);
        scn_scenario_free(s);
        g_free(text);
    }
}

Test(scn_parse, bare_word_title_and_cluster_bounds)
{
    struct scn_scenario *s = sh_parse(
        "title leader-crash_v2.1:a\n"
        "cluster 255\n");

    cr_assert_str_eq(s->title, "leader-crash_v2.1:a");
    cr_assert_eq(s->cluster, 255);
    scn_scenario_free(s);
    s = sh_parse("cluster 1\n");
    cr_assert_eq(s->cluster, 1);
    scn_scenario_free(s);
}

Test(scn_parse, init_records_term_vote_and_log_terms)
{
    struct scn_scenario *s = sh_parse(
        "cluster 5\n"
        "init n1 term 3 vote n2 log 1 1 2 3\n"
        "init n4 term 2\n"
        "init n5 term 6 log 6\n"
        "init n3 term 0 log\n");
    const struct scn_init *a;
    const struct scn_init *b;
    const struct scn_init *c;
    const struct scn_init *d;

    cr_assert_eq(s->inits->len, 4);
    a = g_ptr_array_index(s->inits, 0);
    b = g_ptr_array_index(s->inits, 1);
    c = g_ptr_array_index(s->inits, 2);
    d = g_ptr_array_index(s->inits, 3);
    cr_assert_eq(a->node, 1);
    cr_assert_eq(a->term, 3);
    cr_assert_eq(a->vote, 2);
    cr_assert_eq(a->log_len, 4);
    cr_assert_eq(a->log_terms[0], 1);
    cr_assert_eq(a->log_terms[1], 1);
    cr_assert_eq(a->log_terms[2], 2);
    cr_assert_eq(a->log_terms[3], 3);
    cr_assert_eq(a->line, 2);
    cr_assert_eq(b->node, 4);
    cr_assert_eq(b->term, 2);
    cr_assert_eq(b->vote, 0);
    cr_assert_eq(b->log_len, 0);
    cr_assert_null(b->log_terms);
    cr_assert_eq(c->log_len, 1);
    cr_assert_eq(c->log_terms[0], 6);
    cr_assert_eq(d->node, 3);
    cr_assert_eq(d->log_len, 0);
    scn_scenario_free(s);
}

/* ---- numbers ------------------------------------------------------------ */

struct duration_case
{
    char text[32];
    uint64_t us;
};

ParameterizedTestParameters(scn_parse, durations_are_exact_microseconds)
{
    static struct duration_case cases[] = {
        {"0s", 0},
        {"0us", 0},
        {"250us", 250},
        {"150ms", 150000},
        {"1.5s", 1500000},
        {"1.000001s", 1000001},
        {"2.5ms", 2500},
        {"0.001ms", 1},
        {"1.50s", 1500000},
        {"9223372036854775807us", UINT64_C(9223372036854775807)},
        {"9223372036854s", UINT64_C(9223372036854000000)},
    };

    return cr_make_param_array(struct duration_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct duration_case *c,
                  scn_parse,
                  durations_are_exact_microseconds)
{
    char *text = g_strdup_printf(
        "cluster 3\nrun 9223372036854775807us\n"
        "at %s heal\n",
        c->text);
    struct scn_scenario *s = sh_parse(text);

    cr_assert_eq(step_at(s, 0)->time_us, c->us, "%s", c->text);
    scn_scenario_free(s);
    g_free(text);
}

struct ppm_case
{
    char text[16];
    uint32_t ppm;
};

ParameterizedTestParameters(scn_parse, probabilities_are_parts_per_million)
{
    static struct ppm_case cases[] = {
        {"0", 0},           {"1", 1000000},        {"0.05", 50000},
        {"5%", 50000},      {"0.5%", 5000},        {"100%", 1000000},
        {"0%", 0},          {"0.000001", 1},       {"0.0001%", 1},
        {"1.000", 1000000}, {"0.3333330", 333333},
    };

    return cr_make_param_array(struct ppm_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ppm_case *c,
                  scn_parse,
                  probabilities_are_parts_per_million)
{
    char *text = g_strdup_printf("cluster 3\ndrop %s\n", c->text);
    struct scn_scenario *s = sh_parse(text);

    cr_assert_eq(s->drop_ppm, c->ppm, "%s", c->text);
    scn_scenario_free(s);
    g_free(text);
}

/* ---- actions ------------------------------------------------------------ */

Test(scn_parse, crash_restart_timeout_isolate_name_one_node)
{
    static const struct
    {
        const char *text;
        enum scn_action_kind kind;
    } cases[] = {
        {"at 1s crash n2", SCN_ACT_CRASH},
        {"at 1s restart n2", SCN_ACT_RESTART},
        {"at 1s timeout n2", SCN_ACT_TIMEOUT},
        {"at 1s isolate n2", SCN_ACT_ISOLATE},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct scn_step *st;
        struct scn_scenario *s = one_step(cases[i].text, &st);

        cr_assert_eq(st->when, SCN_WHEN_AT);
        cr_assert_eq(st->time_us, 1000000);
        cr_assert_eq(st->end_us, 1000000);
        cr_assert_eq(st->action.kind, cases[i].kind, "%s", cases[i].text);
        assert_ref(&st->action.node, SCN_REF_NODE, 2, false, SCN_NO_SLOT,
                   SCN_NO_SLOT);
        cr_assert_eq(st->line, 2);
        cr_assert_eq(st->column, 1);
        scn_scenario_free(s);
    }
}

Test(scn_parse, pause_takes_a_node_and_a_duration)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 2s pause n3 for 400ms", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_PAUSE);
    assert_ref(&st->action.node, SCN_REF_NODE, 3, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    cr_assert_eq(st->action.duration_us, 400000);
    scn_scenario_free(s);
}

Test(scn_parse, partition_keeps_groups_in_order_with_rest_last)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s partition n1 n2 | n3 | rest", &st);
    const struct scn_action *a = &st->action;

    cr_assert_eq(a->kind, SCN_ACT_PARTITION);
    cr_assert_eq(a->group_count, 3);
    cr_assert_eq(a->groups[0].count, 2);
    assert_ref(&a->groups[0].refs[0], SCN_REF_NODE, 1, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    assert_ref(&a->groups[0].refs[1], SCN_REF_NODE, 2, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    cr_assert_eq(a->groups[1].count, 1);
    assert_ref(&a->groups[1].refs[0], SCN_REF_NODE, 3, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    cr_assert_eq(a->groups[2].count, 1);
    assert_ref(&a->groups[2].refs[0], SCN_REF_REST, 0, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, partition_with_one_group_leaves_the_others_alone)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s partition n1 n2", &st);

    cr_assert_eq(st->action.group_count, 1);
    cr_assert_eq(st->action.groups[0].count, 2);
    scn_scenario_free(s);
}

Test(scn_parse, cut_is_one_way_from_first_to_second)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s cut n4 -> n1", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_CUT);
    assert_ref(&st->action.node, SCN_REF_NODE, 4, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    assert_ref(&st->action.peer, SCN_REF_NODE, 1, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, heal_has_no_operands)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s heal", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_HEAL);
    scn_scenario_free(s);
}

Test(scn_parse, set_changes_one_network_parameter)
{
    static const struct
    {
        const char *text;
        enum scn_action_kind kind;
        uint32_t ppm;
    } cases[] = {
        {"at 1s set drop 0.2", SCN_ACT_SET_DROP, 200000},
        {"at 1s set duplicate 1%", SCN_ACT_SET_DUPLICATE, 10000},
        {"at 1s set reorder 1", SCN_ACT_SET_REORDER, 1000000},
    };
    const struct scn_step *st;
    struct scn_scenario *s;

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        s = one_step(cases[i].text, &st);
        cr_assert_eq(st->action.kind, cases[i].kind);
        cr_assert_eq(st->action.probability_ppm, cases[i].ppm);
        scn_scenario_free(s);
    }
    s = one_step("at 1s set delay 5ms 50ms", &st);
    cr_assert_eq(st->action.kind, SCN_ACT_SET_DELAY);
    cr_assert_eq(st->action.delay_us_min, 5000);
    cr_assert_eq(st->action.delay_us_max, 50000);
    scn_scenario_free(s);
}

Test(scn_parse, client_requests_carry_key_value_and_via)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s client set x 42", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_CLIENT_SET);
    cr_assert_str_eq(st->action.key, "x");
    cr_assert_str_eq(st->action.value, "42");
    cr_assert_not(st->action.has_via);
    scn_scenario_free(s);

    s = one_step("at 1s client set \"a key\" \"\" via n5", &st);
    cr_assert_str_eq(st->action.key, "a key");
    cr_assert_str_eq(st->action.value, "");
    cr_assert(st->action.has_via);
    assert_ref(&st->action.via, SCN_REF_NODE, 5, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);

    s = one_step("at 1s client delete user:1 via leader", &st);
    cr_assert_eq(st->action.kind, SCN_ACT_CLIENT_DELETE);
    cr_assert_str_eq(st->action.key, "user:1");
    cr_assert_null(st->action.value);
    assert_ref(&st->action.via, SCN_REF_LEADER, 0, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);

    s = one_step("at 1s client get via", &st);
    cr_assert_eq(st->action.kind, SCN_ACT_CLIENT_GET);
    cr_assert_str_eq(st->action.key, "via");
    cr_assert_not(st->action.has_via);
    scn_scenario_free(s);
}

Test(scn_parse, load_of_n_writes_counts_requests_instead_of_a_rate)
{
    const struct scn_step *st;
    struct scn_scenario *s =
        one_step("at 1s load 47 writes for 30ms via n2", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_LOAD);
    cr_assert_eq(st->action.count, 47);
    cr_assert_eq(st->action.rate_per_ks, 0);
    cr_assert_eq(st->action.duration_us, 30000);
    cr_assert(st->action.has_via);
    assert_ref(&st->action.via, SCN_REF_NODE, 2, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, load_rate_is_requests_per_thousand_seconds)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s load 200/s for 2s", &st);

    cr_assert_eq(st->action.kind, SCN_ACT_LOAD);
    cr_assert_eq(st->action.rate_per_ks, 200000);
    cr_assert_eq(st->action.duration_us, 2000000);
    cr_assert_not(st->action.has_via);
    scn_scenario_free(s);

    s = one_step("at 1s load 0.5/s for 10ms via follower", &st);
    cr_assert_eq(st->action.rate_per_ks, 500);
    cr_assert_eq(st->action.duration_us, 10000);
    cr_assert(st->action.has_via);
    assert_ref(&st->action.via, SCN_REF_FOLLOWER, 0, false, SCN_NO_SLOT,
               SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, drift_rate_is_parts_per_million)
{
    static const struct
    {
        const char *text;
        uint32_t ppm;
    } cases[] = {
        {"at 1s drift n2 1.5", 1500000}, {"at 1s drift n2 0.8", 800000},
        {"at 1s drift n2 1", 1000000},   {"at 1s drift n2 10", 10000000},
        {"at 1s drift n2 0.000001", 1},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct scn_step *st;
        struct scn_scenario *s = one_step(cases[i].text, &st);

        cr_assert_eq(st->action.kind, SCN_ACT_DRIFT);
        assert_ref(&st->action.node, SCN_REF_NODE, 2, false, SCN_NO_SLOT,
                   SCN_NO_SLOT);
        cr_assert_eq(st->action.rate_ppm, cases[i].ppm, "%s", cases[i].text);
        scn_scenario_free(s);
    }
}

/* ---- node references ---------------------------------------------------- */

Test(scn_parse, dynamic_references_and_their_optional_forms)
{
    static const struct
    {
        const char *text;
        enum scn_ref_kind kind;
        bool optional;
    } cases[] = {
        {"at 1s crash leader", SCN_REF_LEADER, false},
        {"at 1s crash follower", SCN_REF_FOLLOWER, false},
        {"at 1s crash any", SCN_REF_ANY, false},
        {"at 1s crash leader?", SCN_REF_LEADER, true},
        {"at 1s crash follower?", SCN_REF_FOLLOWER, true},
        {"at 1s crash any?", SCN_REF_ANY, true},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct scn_step *st;
        struct scn_scenario *s = one_step(cases[i].text, &st);

        assert_ref(&st->action.node, cases[i].kind, 0, cases[i].optional,
                   SCN_NO_SLOT, SCN_NO_SLOT);
        scn_scenario_free(s);
    }
}

Test(scn_parse, as_binds_names_to_slots_in_file_order)
{
    struct scn_scenario *s = sh_parse(
        "cluster 5\n"
        "at 1s isolate leader as old\n"
        "at 2s crash follower? as victim\n"
        "at 3s partition old n1 | any as other | rest\n"
        "at 4s restart victim\n"
        "at 5s expect no-leader among old other\n");
    const struct scn_step *st;

    cr_assert_eq(s->names->len, 3);
    cr_assert_str_eq(g_ptr_array_index(s->names, 0), "old");
    cr_assert_str_eq(g_ptr_array_index(s->names, 1), "victim");
    cr_assert_str_eq(g_ptr_array_index(s->names, 2), "other");
    st = step_at(s, 0);
    assert_ref(&st->action.node, SCN_REF_LEADER, 0, false, SCN_NO_SLOT, 0);
    st = step_at(s, 1);
    assert_ref(&st->action.node, SCN_REF_FOLLOWER, 0, true, SCN_NO_SLOT, 1);
    st = step_at(s, 2);
    assert_ref(&st->action.groups[0].refs[0], SCN_REF_NAME, 0, false, 0,
               SCN_NO_SLOT);
    assert_ref(&st->action.groups[0].refs[1], SCN_REF_NODE, 1, false,
               SCN_NO_SLOT, SCN_NO_SLOT);
    assert_ref(&st->action.groups[1].refs[0], SCN_REF_ANY, 0, false,
               SCN_NO_SLOT, 2);
    assert_ref(&st->action.groups[2].refs[0], SCN_REF_REST, 0, false,
               SCN_NO_SLOT, SCN_NO_SLOT);
    st = step_at(s, 3);
    assert_ref(&st->action.node, SCN_REF_NAME, 0, false, 1, SCN_NO_SLOT);
    st = step_at(s, 4);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_NO_LEADER);
    cr_assert_eq(st->action.check.nodes.count, 2);
    assert_ref(&st->action.check.nodes.refs[0], SCN_REF_NAME, 0, false, 0,
               SCN_NO_SLOT);
    assert_ref(&st->action.check.nodes.refs[1], SCN_REF_NAME, 0, false, 2,
               SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, a_named_node_may_also_bind_a_name)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s cut n1 as a -> leader as b", &st);

    assert_ref(&st->action.node, SCN_REF_NODE, 1, false, SCN_NO_SLOT, 0);
    assert_ref(&st->action.peer, SCN_REF_LEADER, 0, false, SCN_NO_SLOT, 1);
    cr_assert_eq(s->names->len, 2);
    scn_scenario_free(s);
}

/* ---- windows and order --------------------------------------------------- */

Test(scn_parse, window_forms_set_when_and_both_ends)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3\n"
        "at 1s expect leader\n"
        "at 1s..3s expect leader\n"
        "during 3s..4.5s expect same-leader\n");
    const struct scn_step *st = step_at(s, 0);

    cr_assert_eq(st->when, SCN_WHEN_AT);
    cr_assert_eq(st->time_us, 1000000);
    cr_assert_eq(st->end_us, 1000000);
    cr_assert_eq(st->action.kind, SCN_ACT_EXPECT);
    st = step_at(s, 1);
    cr_assert_eq(st->when, SCN_WHEN_EVENTUALLY);
    cr_assert_eq(st->time_us, 1000000);
    cr_assert_eq(st->end_us, 3000000);
    cr_assert_eq(st->action.kind, SCN_ACT_EXPECT);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_LEADER);
    st = step_at(s, 2);
    cr_assert_eq(st->when, SCN_WHEN_ALWAYS);
    cr_assert_eq(st->time_us, 3000000);
    cr_assert_eq(st->end_us, 4500000);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_SAME_LEADER);
    cr_assert_eq(st->line, 4);
    cr_assert_eq(st->column, 1);
    scn_scenario_free(s);
}

Test(scn_parse, statements_at_equal_times_keep_file_order)
{
    struct scn_scenario *s = sh_parse(
        "cluster 3\n"
        "at 1s crash n3\n"
        "at 1s restart n3\n"
        "at 1s crash n1\n"
        "at 2s heal\n");

    cr_assert_eq(s->steps->len, 4);
    cr_assert_eq(step_at(s, 0)->action.kind, SCN_ACT_CRASH);
    cr_assert_eq(step_at(s, 0)->action.node.node, 3);
    cr_assert_eq(step_at(s, 1)->action.kind, SCN_ACT_RESTART);
    cr_assert_eq(step_at(s, 2)->action.node.node, 1);
    cr_assert_eq(step_at(s, 2)->line, 4);
    cr_assert_eq(step_at(s, 3)->action.kind, SCN_ACT_HEAL);
    scn_scenario_free(s);
}

Test(scn_parse, a_time_equal_to_run_is_inside_the_run)
{
    struct scn_scenario *s =
        sh_parse("cluster 3\nrun 2s\nat 1s..2s expect leader\nat 2s heal\n");

    cr_assert_eq(s->steps->len, 2);
    scn_scenario_free(s);
}

/* ---- checks ------------------------------------------------------------- */

Test(scn_parse, leader_and_no_leader_checks_take_optional_lists)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s expect leader", &st);

    cr_assert_eq(st->action.check.kind, SCN_CHECK_LEADER);
    cr_assert_eq(st->action.check.nodes.count, 0);
    scn_scenario_free(s);

    s = one_step("at 1s expect leader in n1 n2", &st);
    cr_assert_eq(st->action.check.nodes.count, 2);
    cr_assert_eq(st->action.check.nodes.refs[1].node, 2);
    scn_scenario_free(s);

    s = one_step("at 1s expect no-leader", &st);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_NO_LEADER);
    cr_assert_eq(st->action.check.nodes.count, 0);
    scn_scenario_free(s);

    s = one_step("at 1s expect no-leader among n3 rest", &st);
    cr_assert_eq(st->action.check.nodes.count, 2);
    assert_ref(&st->action.check.nodes.refs[1], SCN_REF_REST, 0, false,
               SCN_NO_SLOT, SCN_NO_SLOT);
    scn_scenario_free(s);
}

Test(scn_parse, role_check_names_a_node_and_a_role)
{
    static const struct
    {
        const char *text;
        enum scn_role role;
    } cases[] = {
        {"at 1s expect role n2 follower", SCN_ROLE_FOLLOWER},
        {"at 1s expect role n2 candidate", SCN_ROLE_CANDIDATE},
        {"at 1s expect role n2 leader", SCN_ROLE_LEADER},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct scn_step *st;
        struct scn_scenario *s = one_step(cases[i].text, &st);

        cr_assert_eq(st->action.check.kind, SCN_CHECK_ROLE);
        assert_ref(&st->action.check.node, SCN_REF_NODE, 2, false, SCN_NO_SLOT,
                   SCN_NO_SLOT);
        cr_assert_eq(st->action.check.role, cases[i].role);
        scn_scenario_free(s);
    }
}

struct cmp_case
{
    char op[4];
    enum scn_cmp cmp;
};

ParameterizedTestParameters(scn_parse, term_check_reads_every_operator)
{
    static struct cmp_case cases[] = {
        {"==", SCN_CMP_EQ}, {"!=", SCN_CMP_NE}, {"<", SCN_CMP_LT},
        {"<=", SCN_CMP_LE}, {">", SCN_CMP_GT},  {">=", SCN_CMP_GE},
    };

    return cr_make_param_array(struct cmp_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct cmp_case *c,
                  scn_parse,
                  term_check_reads_every_operator)
{
    char *text = g_strdup_printf("at 1s expect term %s 7", c->op);
    const struct scn_step *st;
    struct scn_scenario *s = one_step(text, &st);

    cr_assert_eq(st->action.check.kind, SCN_CHECK_TERM);
    cr_assert_eq(st->action.check.cmp, c->cmp);
    cr_assert_eq(st->action.check.number, 7);
    scn_scenario_free(s);
    g_free(text);
}

Test(scn_parse, applied_and_completed_compare_counts)
{
    const struct scn_step *st;
    struct scn_scenario *s = one_step("at 1s expect applied >= 10 on all", &st);

    cr_assert_eq(st->action.check.kind, SCN_CHECK_APPLIED);
    cr_assert_eq(st->action.check.cmp, SCN_CMP_GE);
    cr_assert_eq(st->action.check.number, 10);
    cr_assert_eq(st->action.check.scope.kind, SCN_SCOPE_ALL);
    scn_scenario_free(s);

    s = one_step("at 1s expect applied == 0 on majority", &st);
    cr_assert_eq(st->action.check.scope.kind, SCN_SCOPE_MAJORITY);
    cr_assert_eq(st->action.check.scope.nodes.count, 0);
    scn_scenario_free(s);

    s = one_step("at 1s expect applied < 3 on n1 n4", &st);
    cr_assert_eq(st->action.check.scope.kind, SCN_SCOPE_NODES);
    cr_assert_eq(st->action.check.scope.nodes.count, 2);
    cr_assert_eq(st->action.check.scope.nodes.refs[1].node, 4);
    scn_scenario_free(s);

    s = one_step("at 1s expect completed > 99", &st);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_COMPLETED);
    cr_assert_eq(st->action.check.cmp, SCN_CMP_GT);
    cr_assert_eq(st->action.check.number, 99);
    scn_scenario_free(s);
}

Test(scn_parse, value_and_absent_checks_read_keys_and_scopes)
{
    const struct scn_step *st;
    struct scn_scenario *s =
        one_step("at 1s expect value x = \"hello world\" on n2", &st);

    cr_assert_eq(st->action.check.kind, SCN_CHECK_VALUE);
    cr_assert_str_eq(st->action.check.key, "x");
    cr_assert_str_eq(st->action.check.value, "hello world");
    cr_assert_eq(st->action.check.scope.kind, SCN_SCOPE_NODES);
    cr_assert_eq(st->action.check.scope.nodes.refs[0].node, 2);
    scn_scenario_free(s);

    s = one_step("at 1s expect absent k.1 on all", &st);
    cr_assert_eq(st->action.check.kind, SCN_CHECK_ABSENT);
    cr_assert_str_eq(st->action.check.key, "k.1");
    cr_assert_null(st->action.check.value);
    cr_assert_eq(st->action.check.scope.kind, SCN_SCOPE_ALL);
    scn_scenario_free(s);
}

Test(scn_parse, operandless_checks)
{
    static const struct
    {
        const char *text;
        enum scn_check_kind kind;
    } cases[] = {
        {"at 1s expect converged", SCN_CHECK_CONVERGED},
        {"at 1s expect linearizable", SCN_CHECK_LINEARIZABLE},
        {"at 1s expect no-violation", SCN_CHECK_NO_VIOLATION},
        {"during 1s..2s expect converged", SCN_CHECK_CONVERGED},
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const struct scn_step *st;
        struct scn_scenario *s = one_step(cases[i].text, &st);

        cr_assert_eq(st->action.kind, SCN_ACT_EXPECT);
        cr_assert_eq(st->action.check.kind, cases[i].kind);
        scn_scenario_free(s);
    }
}

/* ---- lexical conventions ------------------------------------------------ */

Test(scn_parse, crlf_bom_comments_and_tabs_are_accepted)
{
    const char text[] =
        "\xEF\xBB\xBF# a scenario\r\n"
        "cluster 3   # three nodes\r\n"
        "\r\n"
        "\t\ttitle \"a # not a comment\"\r\n"
        "at\t1s\tcrash\tn1#comment\r\n"
        "   # only a comment\n"
        "at 2s heal";
    struct scn_scenario *s = sh_parse(text);

    cr_assert_eq(s->cluster, 3);
    cr_assert_str_eq(s->title, "a # not a comment");
    cr_assert_eq(s->steps->len, 2);
    cr_assert_eq(step_at(s, 0)->action.node.node, 1);
    cr_assert_eq(step_at(s, 0)->line, 5);
    cr_assert_eq(step_at(s, 1)->line, 7);
    scn_scenario_free(s);
}

Test(scn_parse, columns_count_characters_with_tab_as_one)
{
    char *all = sh_parse_errors("cluster 3\n\tat 1s crash n9\n");

    cr_assert_str_eq(all,
                     "t.scn:2:14: error: node 'n9' is out of range: "
                     "the cluster has 3 nodes (n1..n3)\n");
    g_free(all);
    all = sh_parse_errors("title \"\xC3\xA9t\xC3\xA9\" \"x\"\ncluster 3\n");
    cr_assert_str_eq(all,
                     "t.scn:1:13: error: unexpected quoted string after "
                     "the end of the statement\n");
    g_free(all);
}

Test(scn_parse, empty_and_comment_only_inputs_lack_a_cluster)
{
    char *all = sh_parse_errors("");

    cr_assert_str_eq(all,
                     "t.scn:1:1: error: missing 'cluster N' header: "
                     "every scenario needs one\n");
    g_free(all);
    all = sh_parse_errors("# nothing\n\n");
    cr_assert_str_eq(all,
                     "t.scn:1:1: error: missing 'cluster N' header: "
                     "every scenario needs one\n");
    g_free(all);
}

/* ---- validation: one rule per case -------------------------------------- */

struct bad_case
{
    char text[128];
    char error[256];
};

ParameterizedTestParameters(scn_parse, each_rule_rejects_with_position)
{
    static struct bad_case cases[] = {
        /* statements and headers */
        {"cluster 3\nclustr 3\n",
         "t.scn:2:1: error: unknown statement 'clustr'; did you mean "
         "'cluster'?"},
        {"cluster 3\nfrobnicate\n",
         "t.scn:2:1: error: unknown statement 'frobnicate'"},
        {"cluster 3\ncrash n1\n",
         "t.scn:2:1: error: 'crash' needs a time: write 'at T crash ...'"},
        {"cluster 3\n\"x\"\n",
         "t.scn:2:1: error: expected a statement, found a quoted string"},
        {"cluster 3\nseed 1\nseed 2\n",
         "t.scn:3:1: error: header 'seed' given twice (first at line 2)"},
        {"cluster 3\nat 1s heal\ndrop 0.1\n",
         "t.scn:3:1: error: header 'drop' must come before the first timed "
         "statement (line 2)"},
        {"cluster 0\n",
         "t.scn:1:9: error: cluster size 0 is out of range: it must be 1 to "
         "255"},
        {"cluster 256\n",
         "t.scn:1:9: error: cluster size 256 is out of range: it must be 1 "
         "to 255"},
        {"cluster three\n",
         "t.scn:1:9: error: expected a cluster size, found 'three'"},
        {"cluster 3\nsnapshot-chunk 16777217\n",
         "t.scn:2:16: error: snapshot chunk size 16777217 is out of range: it "
         "must be 0 (the whole snapshot in one message) to 16777216 bytes"},
        {"cluster 3\nsnapshot-chunk 1KiB\n",
         "t.scn:2:16: error: expected a chunk size in bytes, found '1KiB'"},
        {"cluster 3 4\n",
         "t.scn:1:11: error: unexpected '4' after the end of the statement"},
        {"cluster\n",
         "t.scn:1:8: error: expected a cluster size, found the end of the "
         "line"},
        {"cluster 3\nseed 18446744073709551616\n",
         "t.scn:2:6: error: number '18446744073709551616' does not fit in 64 "
         "bits"},
        {"cluster 3\nseed -1\n",
         "t.scn:2:6: error: expected a seed, found '-1'"},
        {"cluster 3\nprevote yes\n",
         "t.scn:2:9: error: 'prevote' is either 'on' or 'off', not 'yes'"},
        {"cluster 3\ncheckquorum of\n",
         "t.scn:2:13: error: 'checkquorum' is either 'on' or 'off', not 'of'; "
         "did you mean 'on'?"},
        {"cluster 3\ntitle a/b\n",
         "t.scn:2:7: error: 'a/b' is not a bare word (letters, digits, _ . : "
         "-); put it in double quotes"},
        /* durations */
        {"cluster 3\nrun 10\n",
         "t.scn:2:5: error: missing unit in duration '10': use us, ms or s"},
        {"cluster 3\nheartbeat 5min\n",
         "t.scn:2:11: error: unknown unit 'min' in duration '5min': use us, "
         "ms or s"},
        {"cluster 3\nheartbeat ms\n",
         "t.scn:2:11: error: expected a heartbeat interval (a number with us, "
         "ms or s), found 'ms'"},
        {"cluster 3\nheartbeat 1..2ms\n",
         "t.scn:2:11: error: expected a heartbeat interval (a number with us, "
         "ms or s), found '1..2ms'"},
        {"cluster 3\nheartbeat 0.5us\n",
         "t.scn:2:11: error: duration '0.5us' is not a whole number of "
         "microseconds"},
        {"cluster 3\nrun 9223372036854775808us\n",
         "t.scn:2:5: error: duration '9223372036854775808us' is too large: "
         "the limit is 9223372036854775807us"},
        {"cluster 3\nrun 99999999999999999999s\n",
         "t.scn:2:5: error: duration '99999999999999999999s' is too large: "
         "the limit is 9223372036854775807us"},
        {"cluster 3\nrun 0s\n",
         "t.scn:2:5: error: a run length must be above 0, found '0s'"},
        {"cluster 3\nelection-timeout 300ms 150ms\n",
         "t.scn:2:18: error: MIN '300ms' is greater than MAX '150ms'"},
        {"cluster 3\ndelay 10ms 1ms\n",
         "t.scn:2:7: error: MIN '10ms' is greater than MAX '1ms'"},
        {"cluster 3\nat 1s set delay 2ms 1ms\n",
         "t.scn:2:17: error: MIN '2ms' is greater than MAX '1ms'"},
        /* probabilities */
        {"cluster 3\ndrop 1.5\n",
         "t.scn:2:6: error: probability '1.5' is out of range: it must be "
         "between 0 and 1"},
        {"cluster 3\ndrop 101%\n",
         "t.scn:2:6: error: probability '101%' is out of range: it must be "
         "between 0% and 100%"},
        {"cluster 3\nduplicate -0.1\n",
         "t.scn:2:11: error: probability '-0.1' is out of range: it must be "
         "between 0 and 1"},
        {"cluster 3\nreorder 0.0000001\n",
         "t.scn:2:9: error: probability '0.0000001' is finer than one part "
         "per million"},
        {"cluster 3\nreorder often\n",
         "t.scn:2:9: error: expected a probability (a decimal in [0, 1] or a "
         "percentage), found 'often'"},
        /* init */
        {"cluster 3\ninit n1 term 2 log 1 3\n",
         "t.scn:2:22: error: log term 3 is above the node's term 2"},
        {"cluster 3\ninit n1 term 5 log 2 1\n",
         "t.scn:2:22: error: log term 1 follows term 2: log terms must not "
         "decrease"},
        {"cluster 3\ninit n1 term 18446744073709551615\n",
         "t.scn:2:14: error: term 18446744073709551615 is too large: a term "
         "must stay below 2^64 - 1 so that a campaign can increment it"},
        {"cluster 3\nrun 9223372036854775807us\nat 1s drift n1 10\n",
         "t.scn:3:16: error: clock rate '10' over a run of "
         "9223372036854775807us would take the node's clock past 2^64 - 1 "
         "us"},
        {"cluster 3\ninit n1 term 1\ninit n1 term 2\n",
         "t.scn:3:6: error: init for 'n1' given twice (first at line 2)"},
        {"cluster 3\ninit n1 term 1 vote n4\n",
         "t.scn:2:21: error: node 'n4' is out of range: the cluster has 3 "
         "nodes (n1..n3)"},
        {"cluster 3\ninit leader term 1\n",
         "t.scn:2:6: error: init needs a node like 'n1', not 'leader'"},
        {"cluster 3\ninit n1 term 1 vote any\n",
         "t.scn:2:21: error: vote needs a node like 'n1', not 'any'"},
        {"cluster 3\ninit n1 trem 1\n",
         "t.scn:2:9: error: expected 'term', found 'trem'"},
        {"init n5 term 1\ncluster 3\n",
         "t.scn:1:6: error: node 'n5' is out of range: the cluster has 3 "
         "nodes (n1..n3)"},
        /* node references */
        {"cluster 5\nat 1s crash n6\n",
         "t.scn:2:13: error: node 'n6' is out of range: the cluster has 5 "
         "nodes (n1..n5)"},
        {"cluster 1\nat 1s crash n2\n",
         "t.scn:2:13: error: node 'n2' is out of range: the cluster has 1 "
         "node (n1)"},
        {"cluster 5\nat 1s crash n0\n",
         "t.scn:2:13: error: node 'n0' does not exist: nodes are numbered "
         "from n1"},
        {"cluster 5\nat 1s crash n01\n",
         "t.scn:2:13: error: malformed node name 'n01': no leading zeros"},
        {"cluster 5\nat 1s crash n99999999999999999999999\n",
         "t.scn:2:13: error: node 'n18446744073709551615' is out of range: "
         "the cluster has 5 nodes (n1..n5)"},
        {"cluster 5\nat 1s crash leadr\n",
         "t.scn:2:13: error: unknown node 'leadr'; did you mean 'leader'?"},
        {"cluster 5\nat 1s crash folower?\n",
         "t.scn:2:13: error: unknown node 'folower?'; did you mean "
         "'follower?'?"},
        {"cluster 5\nat 1s crash old\n",
         "t.scn:2:13: error: unbound name 'old': bind it first with 'REF as "
         "old'"},
        {"cluster 5\nat 1s crash leader as x\nat 2s restart xx\n",
         "t.scn:3:15: error: unknown node 'xx'; did you mean 'x'?"},
        {"cluster 5\nat 1s crash N1\n",
         "t.scn:2:13: error: expected a node, found 'N1'"},
        {"cluster 5\nat 1s crash n1?\n",
         "t.scn:2:13: error: '?' can only follow leader, follower or any, "
         "not 'n1?'"},
        {"cluster 5\nat 1s crash rest\n",
         "t.scn:2:13: error: 'rest' stands for several nodes; one node is "
         "needed here"},
        {"cluster 5\nat 1s partition rest | n1\n",
         "t.scn:2:24: error: 'n1' follows 'rest': 'rest' must be the last "
         "node of a statement"},
        {"cluster 5\nat 1s partition n1 n2 | n2 n3\n",
         "t.scn:2:25: error: node 'n2' is in two partition groups"},
        {"cluster 5\nat 1s partition n1 n1\n",
         "t.scn:2:20: error: 'n1' is named twice"},
        {"cluster 5\nat 1s partition n1 | | n2\n",
         "t.scn:2:22: error: empty partition group"},
        {"cluster 5\nat 1s partition n1 |\n",
         "t.scn:2:21: error: empty partition group"},
        {"cluster 5\nat 1s partition\n",
         "t.scn:2:16: error: expected a node, found the end of the line"},
        {"cluster 5\nat 1s cut n1 -> n1\n",
         "t.scn:2:17: error: cannot cut 'n1' from itself"},
        {"cluster 5\nat 1s cut n1 n2\n",
         "t.scn:2:14: error: expected '->', found 'n2'"},
        {"cluster 5\nat 1s expect leader in n2 n2\n",
         "t.scn:2:27: error: 'n2' is named twice"},
        /* names */
        {"cluster 5\nat 1s crash leader as leader\n",
         "t.scn:2:23: error: name 'leader' is a keyword"},
        {"cluster 5\nat 1s crash leader as majority\n",
         "t.scn:2:23: error: name 'majority' is a keyword"},
        {"cluster 5\nat 1s crash leader as n7\n",
         "t.scn:2:23: error: name 'n7' looks like a node name"},
        {"cluster 5\nat 1s crash leader as Old\n",
         "t.scn:2:23: error: name 'Old' must be a lower-case word: a letter, "
         "then letters, digits or '_'"},
        {"cluster 5\nat 1s crash leader as\n",
         "t.scn:2:22: error: expected a name after 'as', found the end of "
         "the line"},
        {"cluster 5\nat 1s crash leader as x\nat 2s crash any as x\n",
         "t.scn:3:20: error: name 'x' is already bound at line 2"},
        {"cluster 5\nat 1s cut leader as x -> any as x\n",
         "t.scn:2:33: error: name 'x' is already bound in this statement"},
        {"cluster 5\nat 1s cut leader as x -> x\n",
         "t.scn:2:26: error: name 'x' is bound in this same statement; it "
         "can be used from the next statement on"},
        {"cluster 5\nat 1s crash leader as x\nat 2s crash x as y\n",
         "t.scn:3:15: error: 'as' needs a node, leader, follower or any "
         "before it, not 'x'"},
        {"cluster 5\nat 1s expect role leader as x leader\n",
         "t.scn:2:26: error: 'as' cannot bind a name in a check"},
        {"cluster 5\ninit n1 as x term 1\n",
         "t.scn:2:9: error: 'as' cannot bind a name here"},
        /* times and windows */
        {"cluster 3\nat 2s heal\nat 1s heal\n",
         "t.scn:3:4: error: time 1s is before the time of the previous "
         "statement (2s, line 2); statements must be in time order"},
        {"cluster 3\nat 1s..2s expect leader\nat 500ms heal\n",
         "t.scn:3:4: error: time 500ms is before the time of the previous "
         "statement (1s, line 2); statements must be in time order"},
        {"cluster 3\nat 11s heal\n",
         "t.scn:2:4: error: time 11s is after the end of the run (10s); see "
         "'run'"},
        {"cluster 3\nrun 1s\nat 500ms..2s expect leader\n",
         "t.scn:3:4: error: time 2s is after the end of the run (1s); see "
         "'run'"},
        {"cluster 3\nat 3s..2s expect leader\n",
         "t.scn:2:4: error: empty window '3s..2s': the end must be after the "
         "start"},
        {"cluster 3\nat 2s..2s expect leader\n",
         "t.scn:2:4: error: empty window '2s..2s': the end must be after the "
         "start (for one instant, use 'at 2s expect ...')"},
        {"cluster 3\nduring 2s expect converged\n",
         "t.scn:2:8: error: 'during' needs a window 'A..B', found '2s'"},
        {"cluster 3\nat 1s..2s crash n1\n",
         "t.scn:2:11: error: a window 'A..B' only takes 'expect', found "
         "'crash'"},
        {"cluster 3\nat 1s..2 expect leader\n",
         "t.scn:2:8: error: missing unit in duration '2': use us, ms or s"},
        {"cluster 3\nat 1s expect same-leader\n",
         "t.scn:2:1: error: 'same-leader' holds over a window: use 'during "
         "A..B expect same-leader'"},
        {"cluster 3\nat 1s..2s expect same-leader\n",
         "t.scn:2:1: error: 'same-leader' holds over a window: use 'during "
         "A..B expect same-leader'"},
        {"cluster 3\nat soon heal\n",
         "t.scn:2:4: error: expected a time (a number with us, ms or s), "
         "found 'soon'"},
        {"cluster 3\nat 1s\n",
         "t.scn:2:6: error: expected an action, found the end of the line"},
        /* actions */
        {"cluster 3\nat 1s crsh n1\n",
         "t.scn:2:7: error: unknown action 'crsh'; did you mean 'crash'?"},
        {"cluster 3\nat 1s drop 0.1\n",
         "t.scn:2:7: error: 'drop' is a header; to change it at a time, use "
         "'set drop'"},
        {"cluster 3\nat 1s set dorp 0.1\n",
         "t.scn:2:11: error: unknown network parameter 'dorp'; did you mean "
         "'drop'?"},
        {"cluster 3\nat 1s client put x 1\n",
         "t.scn:2:14: error: unknown client request 'put'"},
        {"cluster 3\nat 1s client set x\n",
         "t.scn:2:19: error: expected a value, found the end of the line"},
        {"cluster 3\nat 1s client set x 1 via\n",
         "t.scn:2:25: error: expected a node, found the end of the line"},
        {"cluster 3\nat 1s client set x 1 n1\n",
         "t.scn:2:22: error: unexpected 'n1' after the end of the statement"},
        {"cluster 3\nat 1s client set x a=b\n",
         "t.scn:2:20: error: 'a=b' is not a bare word (letters, digits, _ . : "
         "-); put it in double quotes"},
        {"cluster 3\nat 1s pause n1 for 0ms\n",
         "t.scn:2:20: error: a pause must be above 0, found '0ms'"},
        {"cluster 3\nat 1s pause n1 200ms\n",
         "t.scn:2:16: error: expected 'for', found '200ms'"},
        {"cluster 3\nat 1s load 200 for 1s\n",
         "t.scn:2:12: error: missing '/s' in rate '200': write '200/s' for "
         "requests per second"},
        {"cluster 3\nat 1s load 200/min for 1s\n",
         "t.scn:2:12: error: unknown rate unit '/min' in '200/min': use '/s'"},
        {"cluster 3\nat 1s load 0/s for 1s\n",
         "t.scn:2:12: error: rate '0/s' must be above 0"},
        {"cluster 3\nat 1s load 0.0001/s for 1s\n",
         "t.scn:2:12: error: rate '0.0001/s' is finer than 0.001/s"},
        {"cluster 3\nat 1s load 1000001/s for 1s\n",
         "t.scn:2:12: error: rate '1000001/s' is too high: the limit is "
         "1000000/s"},
        {"cluster 3\nat 1s load fast/s for 1s\n",
         "t.scn:2:12: error: expected a rate like '200/s', found 'fast/s'"},
        {"cluster 3\nat 1s load 0 writes for 1s\n",
         "t.scn:2:12: error: a load of 0 writes: the number must be between 1 "
         "and 1000000"},
        {"cluster 3\nat 1s load 1000001 writes for 1s\n",
         "t.scn:2:12: error: a load of 1000001 writes: the number must be "
         "between 1 and 1000000"},
        {"cluster 3\nat 1s load 2.5 writes for 1s\n",
         "t.scn:2:12: error: expected a number of writes, found '2.5'"},
        {"cluster 3\nat 1s load 20 writes\n",
         "t.scn:2:21: error: expected 'for', found the end of the line"},
        {"cluster 3\nat 1s drift n1 0\n",
         "t.scn:2:16: error: clock rate '0' is out of range: it must be above "
         "0 and at most 10"},
        {"cluster 3\nat 1s drift n1 10.5\n",
         "t.scn:2:16: error: clock rate '10.5' is out of range: it must be "
         "above 0 and at most 10"},
        {"cluster 3\nat 1s drift n1 fast\n",
         "t.scn:2:16: error: expected a clock rate like '1.5', found 'fast'"},
        {"cluster 3\nat 1s heal now\n",
         "t.scn:2:12: error: unexpected 'now' after the end of the "
         "statement"},
        /* checks */
        {"cluster 3\nat 1s expect leadr\n",
         "t.scn:2:14: error: unknown check 'leadr'; did you mean 'leader'?"},
        {"cluster 3\nat 1s expect no-leader in n1\n",
         "t.scn:2:24: error: expected 'among', found 'in'"},
        {"cluster 3\nat 1s expect leader among n1\n",
         "t.scn:2:21: error: expected 'in', found 'among'"},
        {"cluster 3\nat 1s expect role n1 boss\n",
         "t.scn:2:22: error: unknown role 'boss'"},
        {"cluster 3\nat 1s expect term = 3\n",
         "t.scn:2:19: error: expected a comparison (== != < <= > >=), found "
         "'='"},
        {"cluster 3\nat 1s expect applied >= 3\n",
         "t.scn:2:26: error: expected 'on', found the end of the line"},
        {"cluster 3\nat 1s expect applied >= 3 on\n",
         "t.scn:2:29: error: expected all, majority or a list of nodes, "
         "found the end of the line"},
        {"cluster 3\nat 1s expect value x 1 on all\n",
         "t.scn:2:22: error: expected '=', found '1'"},
        {"cluster 3\nat 1s expect completed 3\n",
         "t.scn:2:24: error: expected a comparison (== != < <= > >=), found "
         "'3'"},
        /* triggers, crash survivors, disk timing (extensions) */
        {"cluster 3\nat 1s when n3 grants-votes crash n3\n",
         "t.scn:2:15: error: unknown protocol event 'grants-votes'; did you "
         "mean 'grants-vote'?"},
        {"cluster 3\nat 1s when n3 grants-vote\n",
         "t.scn:2:26: error: expected an action, found the end of the line"},
        {"cluster 3\nat 1s when n3 grants-vote expect leader\n",
         "t.scn:2:27: error: 'when' runs an action; 'expect' cannot follow "
         "it"},
        {"cluster 3\nat 1s when n3 grants-vote settle\n",
         "t.scn:2:27: error: 'when' runs an action; 'settle' cannot follow "
         "it"},
        {"cluster 3\nat 1s when any? grants-vote crash n1\n",
         "t.scn:2:12: error: 'any?' cannot wait: after 'when', 'any' already "
         "means whichever node does it first"},
        {"cluster 3\nat 1s..2s when n3 grants-vote crash n3\n",
         "t.scn:2:11: error: 'when' waits from one time: write 'at T when "
         "...', not a window"},
        {"cluster 3\nat 1s when n3 as x grants-vote crash y\n",
         "t.scn:2:38: error: unbound name 'y': bind it first with 'REF as "
         "y'"},
        {"cluster 3\nat 1s crash n1 keeping all\n",
         "t.scn:2:24: error: expected 'some' or 'log L term T' after "
         "'keeping', found 'all'"},
        {"cluster 3\nat 1s crash n1 keeping log 1\n",
         "t.scn:2:29: error: expected 'term', found the end of the line"},
        {"cluster 3\nat 1s crash n1 keeping log x term 1\n",
         "t.scn:2:28: error: expected a count of log writes, found 'x'"},
        {"cluster 3\nat 1s set disk-latency 3ms..1ms\n",
         "t.scn:2:24: error: disk latency range '3ms..1ms': MIN is greater "
         "than MAX"},
        {"cluster 3\nat 1s set disk-latency 1ms 2ms on\n",
         "t.scn:2:34: error: expected a node, found the end of the line"},
        {"cluster 3\nat 1s disk-latency 1ms\n",
         "t.scn:2:7: error: 'disk-latency' is a header; to change it at a "
         "time, use 'set disk-latency'"},
        {"cluster 3\ndisk-latency 1ms on leader\n",
         "t.scn:2:21: error: a disk-latency header names nodes as nK, not "
         "'leader' (use 'at T set disk-latency' for that)"},
        {"cluster 3\ndisk-latency 1ms on n2\ndisk-latency 2ms on n1 n2\n",
         "t.scn:3:24: error: node 'n2' already has a disk latency (line 2)"},
        {"cluster 3\ndisk-latency 1ms..x 2ms\n",
         "t.scn:2:19: error: expected a disk latency (a number with us, ms or "
         "s), found 'x'"},
        {"cluster 3\ndisk-latency 1ms on n2\ndisk-latency 1ms\n"
         "disk-latency 2ms\n",
         "t.scn:4:1: error: header 'disk-latency' given twice (first at line "
         "3); per node, add 'on NODE...'"},
        /* strings */
        {"cluster 3\ntitle \"abc\n",
         "t.scn:2:7: error: unterminated string: no closing '\"'"},
        {"cluster 3\ntitle \"a\\nb\"\n",
         "t.scn:2:9: error: unknown escape '\\n' in a string; only \\\" and "
         "\\\\ are allowed"},
        {"cluster 3\ntitle \"a\\\n",
         "t.scn:2:9: error: unterminated string: no closing '\"'"},
    };

    return cr_make_param_array(struct bad_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad_case *c,
                  scn_parse,
                  each_rule_rejects_with_position)
{
    char *all = sh_parse_errors(c->text);
    char *expected = g_strdup_printf("%s\n", c->error);

    cr_assert_str_eq(all, expected, "input:\n%sgot:\n%s", c->text, all);
    g_free(expected);
    g_free(all);
}

/* ---- common mistakes name themselves ------------------------------------ */

/* Each message names the mistake made, not a symptom of it: `all` is a
 * check's scope (not an unbound name), `yes` is not a value of an on/off
 * header (not an unknown keyword), and a window split by spaces is one
 * window (not an unknown action '..'). */
Test(scn_parse, common_mistakes_get_a_message_naming_the_mistake)
{
    static const char *const cases[][2] = {
        {"cluster 3\nat 1s crash n1\nat 2s restart all\n",
         "t.scn:3:15: error: 'all' is not a node but the scope of a check "
         "('expect ... on all'); name the nodes instead (nK, leader, any or "
         "a bound name), one statement per node for an action that takes "
         "one\n"},
        {"cluster 3\nat 1s isolate majority\n",
         "t.scn:2:15: error: 'majority' is not a node but the scope of a "
         "check ('expect ... on majority'); name the nodes instead (nK, "
         "leader, any or a bound name), one statement per node for an "
         "action that takes one\n"},
        {"cluster 3\nprevote yes\n",
         "t.scn:2:9: error: 'prevote' is either 'on' or 'off', not 'yes'\n"},
        {"cluster 3\ncheckquorum true\n",
         "t.scn:2:13: error: 'checkquorum' is either 'on' or 'off', not "
         "'true'\n"},
        {"cluster 3\nrun 3s\nat 1s .. 2s expect leader\n",
         "t.scn:3:4: error: a window has no spaces: write 'at 1s..2s'\n"},
        {"cluster 3\nrun 3s\nat 1s ..2s expect leader\n",
         "t.scn:3:4: error: a window has no spaces: write 'at 1s..2s'\n"},
        {"cluster 3\nrun 3s\nduring 1s.. 2s expect leader\n",
         "t.scn:3:8: error: a window has no spaces: write 'during 1s..2s'\n"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *all = sh_parse_errors(cases[i][0]);

        cr_expect_str_eq(all, cases[i][1], "for %s", cases[i][0]);
        g_free(all);
    }
}

/* ---- several errors, bad bytes ------------------------------------------ */

Test(scn_parse, every_error_of_a_file_is_reported_in_order)
{
    char *all = sh_parse_errors(
        "cluster 3\n"
        "seed x\n"
        "at 1s crash n4\n"
        "at 2s heal\n"
        "at 1s restart n1\n"
        "at 3s expct leader\n"
        "drop 2\n");

    cr_assert_str_eq(
        all,
        "t.scn:2:6: error: expected a seed, found 'x'\n"
        "t.scn:3:13: error: node 'n4' is out of range: the cluster has 3 "
        "nodes (n1..n3)\n"
        "t.scn:5:4: error: time 1s is before the time of the previous "
        "statement (2s, line 4); statements must be in time order\n"
        "t.scn:6:7: error: unknown action 'expct'; did you mean 'expect'?\n"
        "t.scn:7:1: error: header 'drop' must come before the first timed "
        "statement (line 3)\n");
    g_free(all);
}

Test(scn_parse, a_bad_run_header_does_not_bound_later_times)
{
    char *all = sh_parse_errors("cluster 3\nrun 30\nat 20s heal\n");

    cr_assert_str_eq(all,
                     "t.scn:2:5: error: missing unit in duration '30': "
                     "use us, ms or s\n");
    g_free(all);
}

Test(scn_parse, a_failed_statement_binds_no_name)
{
    char *all = sh_parse_errors(
        "cluster 3\n"
        "at 1s pause leader as x for soon\n"
        "at 2s restart x\n");

    cr_assert_str_eq(
        all,
        "t.scn:2:29: error: expected a pause (a number with us, ms or s), "
        "found 'soon'\n"
        "t.scn:3:15: error: unbound name 'x': bind it first with 'REF as "
        "x'\n");
    g_free(all);
}

Test(scn_parse, line_longer_than_the_limit_is_rejected)
{
    GString *text = g_string_new("cluster 3\n# ");

    while (text->len < 12 + SCN_LINE_BYTES_MAX) {
        g_string_append_c(text, 'x');
    }
    g_string_append(text, "\nat 1s crash n9\n");
    {
        char *all = sh_parse_errors_len(text->str, text->len);

        cr_assert_str_eq(all,
                         "t.scn:2:1: error: line is 4098 bytes long; the "
                         "limit is 4096 bytes\n"
                         "t.scn:3:13: error: node 'n9' is out of range: the "
                         "cluster has 3 nodes (n1..n3)\n");
        g_free(all);
    }
    g_string_free(text, TRUE);
}

Test(scn_parse, a_line_of_exactly_the_limit_is_accepted)
{
    GString *text = g_string_new("cluster 3\n#");
    struct scn_scenario *s;

    while (text->len < 10 + SCN_LINE_BYTES_MAX) {
        g_string_append_c(text, 'y');
    }
    g_string_append_c(text, '\n');
    s = sh_parse(text->str);
    cr_assert_eq(s->cluster, 3);
    scn_scenario_free(s);
    g_string_free(text, TRUE);
}

Test(scn_parse, malformed_bytes_are_rejected_with_their_position)
{
    static const char nul[] = "cluster 3\nat 1s\0 heal\n";
    char *all = sh_parse_errors_len(nul, sizeof nul - 1);

    cr_assert_str_eq(all, "t.scn:2:6: error: NUL byte in the text\n");
    g_free(all);
    all = sh_parse_errors("cluster 3\n# caf\xC3\xA9 \xFF\n");
    cr_assert_str_eq(all, "t.scn:2:8: error: invalid UTF-8 byte 0xFF\n");
    g_free(all);
    all = sh_parse_errors("cluster 3\ntitle \"\xC3\"\n");
    cr_assert_str_eq(all, "t.scn:2:8: error: invalid UTF-8 byte 0xC3\n");
    g_free(all);
    all = sh_parse_errors("cluster 3\nat 1s\x01heal\n");
    cr_assert_str_eq(all, "t.scn:2:6: error: control character U+0001\n");
    g_free(all);
    all = sh_parse_errors("cluster 3\nseed 1\r\rat 1s heal\n");
    cr_assert_str_eq(all,
                     "t.scn:2:7: error: carriage return inside a "
                     "line\n");
    g_free(all);
}

Test(scn_parse, garbage_input_stops_after_the_error_limit)
{
    GString *text = g_string_new(NULL);
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    const struct scn_diag *last;

    for (unsigned i = 0; i < 3 * SCN_DIAGS_MAX; i++) {
        g_string_append(text, "\xFE\n");
    }
    cr_assert_eq(scn_parse_buffer("g", text->str, text->len, &s, diags),
                 SCN_EINVAL);
    cr_assert_null(s);
    cr_assert_eq(diags->len, SCN_DIAGS_MAX + 1);
    last = g_ptr_array_index(diags, diags->len - 1);
    cr_assert_eq(last->line, 0);
    cr_assert_str_eq(last->message, "too many errors; stopped after 1000");
    g_ptr_array_free(diags, TRUE);
    g_string_free(text, TRUE);
}

Test(scn_parse, input_over_the_size_limit_is_rejected_whole)
{
    size_t len = (size_t)SCN_INPUT_BYTES_MAX + 1;
    char *big = g_malloc(len);
    char *all;

    memset(big, '\n', len);
    all = sh_parse_errors_len(big, len);
    cr_assert_str_eq(all,
                     "t.scn: error: input is 16777217 bytes long; the "
                     "limit is 16777216 bytes\n");
    g_free(all);
    g_free(big);
}

/* ---- files and the errors API ------------------------------------------- */

Test(scn_parse, unreadable_file_is_an_io_error)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = (struct scn_scenario *)&s;
    const struct scn_diag *d;

    cr_assert_eq(scn_parse_file("/nonexistent/x.scn", &s, diags), SCN_EIO);
    cr_assert_null(s);
    cr_assert_eq(diags->len, 1);
    d = g_ptr_array_index(diags, 0);
    cr_assert_str_eq(d->file, "/nonexistent/x.scn");
    cr_assert_eq(d->line, 0);
    cr_assert(g_str_has_prefix(d->message, "cannot read the file: "));
    g_ptr_array_free(diags, TRUE);
}

/* /dev/zero never ends: reading stops one byte past the limit, however the
 * input is made (a device, a FIFO, a pipe). */
Test(scn_parse,
     an_endless_input_is_read_only_up_to_the_size_limit,
     .timeout = 30)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    cr_assert_eq(scn_parse_file("/dev/zero", &s, diags), SCN_EINVAL);
    cr_assert_null(s);
    cr_assert_eq(diags->len, 1);
    const struct scn_diag *d = g_ptr_array_index(diags, 0);
    cr_assert_eq(d->line, 0);
    cr_assert_str_eq(d->message,
                     "input is more than 16777216 bytes long; "
                     "the limit is 16777216 bytes");
    g_ptr_array_free(diags, TRUE);
}

Test(scn_parse, a_directory_is_an_io_error)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    cr_assert_eq(scn_parse_file("/", &s, diags), SCN_EIO);
    const struct scn_diag *d = g_ptr_array_index(diags, 0);
    cr_assert_str_eq(d->message, "cannot read the file: Is a directory");
    g_ptr_array_free(diags, TRUE);
}

Test(scn_parse, file_is_parsed_under_its_path)
{
    char *path = NULL;
    int fd = g_file_open_tmp("scn-XXXXXX.scn", &path, NULL);
    const char text[] = "cluster 2\nat 1s crash n3\n";
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    const struct scn_diag *d;

    cr_assert_geq(fd, 0);
    cr_assert(g_file_set_contents(path, text, sizeof text - 1, NULL));
    close(fd);
    cr_assert_eq(scn_parse_file(path, &s, diags), SCN_EINVAL);
    cr_assert_eq(diags->len, 1);
    d = g_ptr_array_index(diags, 0);
    cr_assert_str_eq(d->file, path);
    cr_assert_eq(d->line, 2);
    cr_assert_eq(d->column, 13);
    remove(path);
    g_free(path);
    g_ptr_array_free(diags, TRUE);
}

Test(scn_parse, diagnostics_print_one_per_line_in_the_required_format)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    const char text[] = "cluster 3\nat 1s crash n4\nbogus\n";
    char *buf = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&buf, &size);

    scn_parse_buffer("dir/x.scn", text, sizeof text - 1, &s, diags);
    scn_diags_add(diags, "y.scn", 7, 0, "whole line");
    scn_diags_print(diags, out);
    fclose(out);
    cr_assert_str_eq(buf,
                     "dir/x.scn:2:13: error: node 'n4' is out of range: the "
                     "cluster has 3 nodes (n1..n3)\n"
                     "dir/x.scn:3:1: error: unknown statement 'bogus'\n"
                     "y.scn:7: error: whole line\n");
    free(buf);
    g_ptr_array_free(diags, TRUE);
}

Test(scn_parse, diagnostics_are_appended_after_existing_ones)
{
    GPtrArray *diags = scn_diags_new();
    struct scn_scenario *s = NULL;
    const struct scn_diag *d;

    scn_diags_add(diags, "earlier.scn", 1, 1, "kept");
    cr_assert_eq(scn_parse_buffer("b.scn", "cluster 0\n", 10, &s, diags),
                 SCN_EINVAL);
    cr_assert_eq(diags->len, 2);
    d = g_ptr_array_index(diags, 0);
    cr_assert_str_eq(d->message, "kept");
    d = g_ptr_array_index(diags, 1);
    cr_assert_str_eq(d->file, "b.scn");
    g_ptr_array_free(diags, TRUE);
}

Test(scn_parse, error_codes_have_names)
{
    cr_assert_str_eq(scn_strerror(SCN_OK), "ok");
    cr_assert_str_eq(scn_strerror(SCN_EINVAL), "invalid scenario");
    cr_assert_str_eq(scn_strerror(SCN_EIO), "cannot read the scenario");
    cr_assert_str_eq(scn_strerror(99), "unknown error");
}

/* ---- mutated inputs -------------------------------------------------------
 */

static uint64_t mutate_next(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(2685821657736338717);
}

Test(scn_parse, mutated_inputs_are_accepted_whole_or_rejected_whole)
{
    static const char base[] =
        "cluster 5\nseed 9\nrun 20s\ntitle \"t \\\"q\\\"\"\ndrop 5%\n"
        "init n1 term 3 vote n2 log 1 2 3\n"
        "at 1s crash leader? as old\n"
        "at 1.5s partition n1 n2 | rest\n"
        "at 2s cut n3 -> old\n"
        "at 2s client set k \"v w\" via any\n"
        "at 2s load 20/s for 1s\n"
        "at 3s..4s expect value k = \"v w\" on majority\n"
        "during 4s..5s expect same-leader\n";
    static const char alphabet[] = " \t\n\r\"\\#|.?nx0159smu%/-=>:";
    uint64_t state = 0x5EED;
    unsigned accepted = 0;

    for (unsigned round = 0; round < 3000; round++) {
        GString *text = g_string_new_len(base, sizeof base - 1);
        GPtrArray *diags = scn_diags_new();
        struct scn_scenario *s = NULL;
        unsigned edits = 1 + (unsigned)(mutate_next(&state) % 4);
        int rc;

        for (unsigned e = 0; e < edits; e++) {
            size_t at = mutate_next(&state) % (text->len + 1);
            uint64_t r = mutate_next(&state);
            char c = (r >> 8) % 4 == 0
                         ? (char)(r >> 16)
                         : alphabet[(r >> 16) % (sizeof alphabet - 1)];

            switch (r % 3) {
            case 0:
                g_string_insert_c(text, (gssize)at, c);
                break;
            case 1:
                if (at < text->len) {
                    g_string_erase(text, (gssize)at, 1);
                }
                break;
            default:
                if (at < text->len) {
                    text->str[at] = c;
                }
                break;
            }
        }
        rc = scn_parse_buffer("m.scn", text->str, text->len, &s, diags);
        if (rc == SCN_OK) {
            GString *printed = g_string_new(NULL);
            struct scn_scenario *back = NULL;
            GPtrArray *diags2 = scn_diags_new();

            accepted++;
            cr_assert_eq(diags->len, 0);
            scn_print(s, printed);
            cr_assert_eq(scn_parse_buffer("p.scn", printed->str, printed->len,
                                          &back, diags2),
                         SCN_OK, "printed text rejected:\n%s", printed->str);
            cr_assert(scn_scenario_equal(s, back));
            scn_scenario_free(back);
            g_ptr_array_free(diags2, TRUE);
            g_string_free(printed, TRUE);
        } else {
            cr_assert_eq(rc, SCN_EINVAL);
            cr_assert_null(s);
            cr_assert_gt(diags->len, 0);
        }
        scn_scenario_free(s);
        g_ptr_array_free(diags, TRUE);
        g_string_free(text, TRUE);
    }
    /* Both outcomes were exercised. */
    cr_assert_gt(accepted, 0);
    cr_assert_lt(accepted, 3000);
}
