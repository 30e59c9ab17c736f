/* test_scn_print.c: the printer writes canonical .scn text that parses back
 * to an equal structure, for every statement kind and for generated
 * scenarios such as the fuzzer writes.
 *
 * Invariant kept by these tests: every comparison is exact (whole text or
 * scn_scenario_equal), and the equality itself is shown to tell apart
 * structures that differ in any one field.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "sim/sim_time_text.h"
#include "tests/support/scn_harness.h"

/* Prints `s`, parses the text, and checks the result equals `s` and prints
 * to the same text again. */
static void assert_round_trip(const struct scn_scenario *s)
{
    char *text = sh_print(s);
    struct scn_scenario *back = sh_parse_named("printed.scn", text);
    char *again = sh_print(back);

    cr_assert(scn_scenario_equal(s, back), "not equal after:\n%s", text);
    cr_assert_str_eq(again, text);
    g_free(again);
    scn_scenario_free(back);
    g_free(text);
}

/* ---- number forms ----------------------------------------------------- */

struct duration_case
{
    uint64_t us;
    char text[32];
};

ParameterizedTestParameters(scn_print, durations_use_the_largest_exact_unit)
{
    static struct duration_case cases[] = {
        {0, "0s"},
        {7, "7us"},
        {1500, "1500us"},
        {2000, "2ms"},
        {1500000, "1500ms"},
        {2000000, "2s"},
        {1000001, "1000001us"},
        {UINT64_C(9223372036854775807), "9223372036854775807us"},
        {UINT64_C(9223372036854000000), "9223372036854s"},
    };

    return cr_make_param_array(struct duration_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct duration_case *c,
                  scn_print,
                  durations_use_the_largest_exact_unit)
{
    GString *out = g_string_new(NULL);

    sim_time_text_duration(out, c->us);
    cr_assert_str_eq(out->str, c->text);
    g_string_free(out, TRUE);
}

/* The digits are written two at a time (sim_time_text_digits()): every
 * count of digits from 1 to 20, odd and even, at each power of ten, the
 * number before it and one just after, and numbers whose pairs differ. */
Test(scn_print, decimal_text_is_the_digits_printf_writes)
{
    uint64_t values[3 * 20 + 8] = {0,          1,         9,
                                   10,         99,        1000000,
                                   4294967295, UINT64_MAX};
    size_t n = 8;
    values[n++] = UINT64_MAX - 1;
    for (uint64_t ten = 10, d = 1; d < 20; d++, ten *= 10) {
        values[n++] = ten - 1;
        values[n++] = ten;
        values[n++] = ten + ten / 10 * 2 + 3; /* 13, 123, 1203, ... */
    }
    values[n++] = UINT64_C(12345678901234567890);
    for (size_t i = 0; i < n; i++) {
        GString *out = g_string_new("n");
        sim_time_text_decimal(out, values[i]);
        char *want = g_strdup_printf("n%" G_GUINT64_FORMAT, values[i]);
        cr_assert_str_eq(out->str, want);
        g_free(want);
        g_string_free(out, TRUE);
    }
}

struct ppm_case
{
    uint64_t ppm;
    char text[24];
};

ParameterizedTestParameters(scn_print, ppm_values_are_exact_decimals)
{
    static struct ppm_case cases[] = {
        {0, "0"},         {1, "0.000001"},
        {50000, "0.05"},  {333333, "0.333333"},
        {1000000, "1"},   {1500000, "1.5"},
        {10000000, "10"}, {120000, "0.12"},
    };

    return cr_make_param_array(struct ppm_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct ppm_case *c, scn_print, ppm_values_are_exact_decimals)
{
    GString *out = g_string_new(NULL);

    scn_print_ppm(out, c->ppm);
    cr_assert_str_eq(out->str, c->text);
    g_string_free(out, TRUE);
}

/* The ppm writer without a format string writes what the format did:
 * the integer part, then the fraction's six digits without trailing
 * zeros; and text appended in place across the string's growth is the
 * same wherever the appends cross its allocation. */
Test(scn_print, ppm_values_are_the_decimals_printf_writes)
{
    for (uint64_t ppm = 0; ppm < 3000000; ppm += 7919) {
        GString *out = g_string_sized_new(1);
        scn_print_ppm(out, ppm);
        char frac[8];
        g_snprintf(frac, sizeof frac, "%06" G_GUINT64_FORMAT, ppm % 1000000);
        size_t len = strlen(frac);
        while (len > 0 && frac[len - 1] == '0')
            len--;
        frac[len] = '\0';
        char *want = len ? g_strdup_printf("%" G_GUINT64_FORMAT ".%s",
                                           ppm / 1000000, frac)
                         : g_strdup_printf("%" G_GUINT64_FORMAT,
                                           ppm / 1000000);
        cr_assert_str_eq(out->str, want, "ppm %" G_GUINT64_FORMAT, ppm);
        cr_assert_eq(out->len, strlen(want));
        g_free(want);
        g_string_free(out, TRUE);
    }
}

/* ---- canonical text ----------------------------------------------------- */

Test(scn_print, canonical_text_normalises_every_form)
{
    struct scn_scenario *s = sh_parse_named(
        "in.scn",
        "\xEF\xBB\xBF# comment\r\n"
        "disk-latency 3ms\n"
        "reorder 0.0\n"
        "checkquorum off\n"
        "title \"plain\"\n"
        "cluster 5\n"
        "drop 5%\n"
        "run 20000ms\n"
        "init n2 term 4 vote n1 log 1 2 4\n"
        "at\t0.5s  crash   leader?  as  old\n"
        "at 1500ms client set \"a key\" \"say \\\"hi\\\" \\\\ bye\" via old\n"
        "at 2s load 12.5/s for 1.25s\n"
        "at 2s..3000ms expect value \"a key\" = x on n1 rest\n");
    char *text = sh_print(s);

    cr_assert_str_eq(text,
                     "cluster 5\n"
                     "run 20s\n"
                     "title plain\n"
                     "drop 0.05\n"
                     "reorder 0\n"
                     "checkquorum off\n"
                     "disk-latency 0s 3ms\n"
                     "init n2 term 4 vote n1 log 1 2 4\n"
                     "at 500ms crash leader? as old\n"
                     "at 1500ms client set \"a key\" \"say \\\"hi\\\" \\\\ "
                     "bye\" via old\n"
                     "at 2s load 12.5/s for 1250ms\n"
                     "at 2s..3s expect value \"a key\" = x on n1 rest\n");
    g_free(text);
    scn_scenario_free(s);
}

Test(scn_print, default_headers_are_not_written)
{
    struct scn_scenario *s = sh_parse_named("x.scn", "cluster 3\n");
    char *text = sh_print(s);

    cr_assert_str_eq(text, "cluster 3\n");
    g_free(text);
    scn_scenario_free(s);
}

Test(scn_print, one_step_prints_as_one_line)
{
    struct scn_scenario *s =
        sh_parse_named("x.scn",
                 "cluster 3\nat 1s isolate any as a\nduring 1s..2s expect "
                 "no-leader among a\n");
    GString *out = g_string_new(NULL);

    scn_print_step(s, g_ptr_array_index(s->steps, 0), out);
    cr_assert_str_eq(out->str, "at 1s isolate any as a");
    g_string_truncate(out, 0);
    scn_print_step(s, g_ptr_array_index(s->steps, 1), out);
    cr_assert_str_eq(out->str, "during 1s..2s expect no-leader among a");
    g_string_free(out, TRUE);
    scn_scenario_free(s);
}

/* A key or value is copied into the room left after the text as it is
 * scanned (scn_print.c, print_string()): the same text whatever that room,
 * for bare words that fit, that do not, and strings that must be quoted
 * (the first byte not bare, the last, one in the middle). */
Test(scn_print, a_string_prints_the_same_whatever_room_is_left)
{
    static const char *const lines[] = {
        "at 1s client set k1 v",
        "at 1s client set b12 v345 via n2",
        "at 1s client set key_with.all:the-bare_bytes0123456789 x",
        "at 1s client set \" x\" y",
        "at 1s client set x \"y \"",
        "at 1s client set a \"b\\\"c\"",
        "at 1s client get \"a long key, with spaces, that must be quoted\"",
        "at 1s client delete \"\"",
    };
    for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
        char *text = g_strdup_printf("cluster 3\n%s\n", lines[i]);
        struct scn_scenario *s = sh_parse_named("x.scn", text);
        const struct scn_step *st = g_ptr_array_index(s->steps, 0);
        for (size_t size = 1; size <= 96; size++) {
            for (size_t before = 0; before < 3; before++) {
                GString *out = g_string_sized_new(size);
                g_string_append_len(out, "###", (gssize)before);
                scn_print_step(s, st, out);
                cr_assert_eq(strlen(out->str), out->len);
                cr_assert_str_eq(out->str + before, lines[i],
                                 "room %zu, %zu before", size, before);
                g_string_free(out, TRUE);
            }
        }
        scn_scenario_free(s);
        g_free(text);
    }
}

/* ---- round trip of every statement kind ---------------------------------- */

struct statement_case
{
    char text[96];
};

ParameterizedTestParameters(scn_print, every_statement_round_trips)
{
    static struct statement_case cases[] = {
        {"seed 0"},
        {"seed 18446744073709551615"},
        {"run 1us"},
        {"title \"Figure 7: \\\"(f)\\\"\""},
        {"title \"\""},
        {"title \"caf\xC3\xA9 \\\\o/\""},
        {"election-timeout 1ms 1ms"},
        {"heartbeat 999us"},
        {"delay 0s 0s"},
        {"drop 0.000001"},
        {"duplicate 100%"},
        {"reorder 0.5"},
        {"prevote on"},
        {"checkquorum on"},
        {"client-timeout 2s"},
        {"snapshot-every 0"},
        {"snapshot-chunk 0"},
        {"snapshot-chunk 16777216"},
        {"disk-latency 1us 2us"},
        {"disk-latency 1ms..3ms 10ms..1s"},
        {"disk-latency 0s..1us 2ms"},
        {"disk-latency 5ms on n2"},
        {"disk-latency 1ms 2ms..4ms on n4 n1"},
        {"at 1s crash n1 keeping some"},
        {"at 1s crash leader keeping log 0 term 1"},
        {"at 1s crash any as x keeping log 18446744073709551615 term 0"},
        {"at 1s set disk-latency 1ms 30ms"},
        {"at 1s set disk-latency 0s..2ms 1ms..9ms on n2 leader as l"},
        {"at 1s when n3 grants-vote crash n3"},
        {"at 1s when any as v acks-append crash v keeping log 1 term 0"},
        {"at 1s when leader? adopts-term pause n1 for 5ms"},
        {"at 1s when follower as f sends-snapshot isolate f"},
        {"at 1s when n1 becomes-leader timeout n2"},
        {"at 1s when n2 becomes-candidate restart n3"},
        {"at 1s when any persists set disk-latency 9ms on n1"},
        {"init n3 term 9 log 1 1 9"},
        {"init n1 term 0"},
        {"at 0s crash n1"},
        {"at 1s restart n2"},
        {"at 1s pause any? for 3ms"},
        {"at 1s timeout follower"},
        {"at 1s partition n1 | n2 n3 | rest"},
        {"at 1s partition leader as l follower? as f"},
        {"at 1s isolate leader? as gone"},
        {"at 1s cut n1 -> leader"},
        {"at 1s heal"},
        {"at 1s set drop 0"},
        {"at 1s set duplicate 0.1"},
        {"at 1s set reorder 1"},
        {"at 1s set delay 5ms 5ms"},
        {"at 1s client set k v"},
        {"at 1s client set k \"two words\" via any"},
        {"at 1s client delete k via n4"},
        {"at 1s client get \"\""},
        {"at 1s load 0.001/s for 1us"},
        {"at 1s load 1000000/s for 1s via leader"},
        {"at 1s load 1 writes for 1us"},
        {"at 1s load 1000000 writes for 2s via n3"},
        {"at 1s drift n2 0.8"},
        {"at 1s drift n2 1"},
        {"at 1s expect leader"},
        {"at 1s expect leader in n1 rest"},
        {"at 1s expect no-leader"},
        {"at 1s expect no-leader among n1 n2"},
        {"during 1s..2s expect same-leader"},
        {"at 1s expect role leader? candidate"},
        {"at 1s expect term != 0"},
        {"at 1s expect applied <= 5 on majority"},
        {"at 1s expect applied > 5 on n1 n2 rest"},
        {"at 1s expect value \"=\" = \"|\" on all"},
        {"at 1s expect absent x on any"},
        {"at 1s expect converged"},
        {"at 1s expect completed < 18446744073709551615"},
        {"at 1s expect linearizable"},
        {"at 1s expect no-violation"},
        {"at 1s..9s expect leader in n2"},
        {"during 0s..10s expect converged"},
    };

    return cr_make_param_array(struct statement_case, cases,
                               sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct statement_case *c,
                  scn_print,
                  every_statement_round_trips)
{
    char *text = g_strdup_printf("cluster 4\n%s\n", c->text);
    struct scn_scenario *s = sh_parse_named("x.scn", text);

    cr_assert_eq(
        s->steps->len + s->inits->len +
            (s->has_seed || s->has_run || s->has_title ||
             s->has_election_timeout || s->has_heartbeat || s->has_delay ||
             s->has_drop || s->has_duplicate || s->has_reorder ||
             s->has_prevote || s->has_checkquorum || s->has_client_timeout ||
             s->has_snapshot_every || s->has_snapshot_chunk ||
             s->has_disk_latency) +
            s->disks->len,
        1, "%s did not parse to one statement", c->text);
    assert_round_trip(s);
    scn_scenario_free(s);
    g_free(text);
}

Test(scn_print, names_print_as_bound)
{
    struct scn_scenario *s = sh_parse_named("x.scn",
                                      "cluster 5\n"
                                      "at 1s isolate leader as old\n"
                                      "at 2s cut old -> any as peer_2\n"
                                      "at 3s partition old | peer_2 n1 | rest\n"
                                      "at 4s client get k via peer_2\n"
                                      "at 5s expect role old follower\n");
    char *text = sh_print(s);

    cr_assert_str_eq(text,
                     "cluster 5\n"
                     "at 1s isolate leader as old\n"
                     "at 2s cut old -> any as peer_2\n"
                     "at 3s partition old | peer_2 n1 | rest\n"
                     "at 4s client get k via peer_2\n"
                     "at 5s expect role old follower\n");
    assert_round_trip(s);
    g_free(text);
    scn_scenario_free(s);
}

/* ---- equality can fail ----------------------------------------------------
 */

Test(scn_print, equality_tells_apart_any_changed_field)
{
    const char *text =
        "cluster 3\nseed 5\ninit n1 term 2 log 1 2\n"
        "at 1s client set k v via leader as l\n"
        "at 2s partition l | rest\n"
        "during 2s..3s expect applied >= 1 on n1 n2\n";
    struct scn_scenario *a = sh_parse_named("a.scn", text);
    struct scn_scenario *b = sh_parse_named("b.scn", text);
    struct scn_step *st;
    struct scn_init *in;

    cr_assert(scn_scenario_equal(a, b));
    b->seed = 6;
    cr_assert_not(scn_scenario_equal(a, b));
    b->seed = 5;
    b->has_drop = true;
    cr_assert_not(scn_scenario_equal(a, b));
    b->has_drop = false;
    in = g_ptr_array_index(b->inits, 0);
    in->log_terms[1] = 1;
    cr_assert_not(scn_scenario_equal(a, b));
    in->log_terms[1] = 2;
    st = g_ptr_array_index(b->steps, 0);
    st->action.via.optional = true;
    cr_assert_not(scn_scenario_equal(a, b));
    st->action.via.optional = false;
    g_free(st->action.value);
    st->action.value = g_strdup("w");
    cr_assert_not(scn_scenario_equal(a, b));
    g_free(st->action.value);
    st->action.value = g_strdup("v");
    st->action.count = 3;
    cr_assert_not(scn_scenario_equal(a, b));
    st->action.count = 0;
    st = g_ptr_array_index(b->steps, 1);
    st->action.groups[1].refs[0].kind = SCN_REF_ANY;
    cr_assert_not(scn_scenario_equal(a, b));
    st->action.groups[1].refs[0].kind = SCN_REF_REST;
    st = g_ptr_array_index(b->steps, 2);
    st->end_us++;
    cr_assert_not(scn_scenario_equal(a, b));
    st->end_us--;
    st->action.check.scope.nodes.refs[1].node = 3;
    cr_assert_not(scn_scenario_equal(a, b));
    st->action.check.scope.nodes.refs[1].node = 2;
    g_free(g_ptr_array_index(b->names, 0));
    b->names->pdata[0] = g_strdup("m");
    cr_assert_not(scn_scenario_equal(a, b));
    g_free(g_ptr_array_index(b->names, 0));
    b->names->pdata[0] = g_strdup("l");
    st->line = 99;
    cr_assert(scn_scenario_equal(a, b), "source positions do not count");
    scn_scenario_free(a);
    scn_scenario_free(b);
}

/* ---- generated scenarios ------------------------------------------------- */

/* xorshift64*: a test-local generator so the cases are fixed. */
struct gen
{
    uint64_t state;
    struct scn_scenario *s;
    guint names_before_step; /* names usable by the current step */
};

static uint64_t gen_next(struct gen *g)
{
    g->state ^= g->state >> 12;
    g->state ^= g->state << 25;
    g->state ^= g->state >> 27;
    return g->state * UINT64_C(2685821657736338717);
}

static uint64_t below(struct gen *g, uint64_t n)
{
    return gen_next(g) % n;
}

static const char *const gen_strings[] = {
    "k", "user:1", "a b", "q\"uote", "back\\slash", "", "caf\xC3\xA9", "-",
};

static char *gen_string(struct gen *g)
{
    return g_strdup(gen_strings[below(g, G_N_ELEMENTS(gen_strings))]);
}

static struct scn_node_ref gen_ref(struct gen *g, bool allow_bind)
{
    struct scn_node_ref ref = {.slot = SCN_NO_SLOT, .bind_slot = SCN_NO_SLOT};
    uint64_t pick = below(g, g->names_before_step > 0 ? 5 : 4);

    switch (pick) {
    case 0:
        ref.kind = SCN_REF_NODE;
        ref.node = 1 + (uint32_t)below(g, scn_scenario_nodes(g->s));
        break;
    case 1:
        ref.kind = SCN_REF_LEADER;
        break;
    case 2:
        ref.kind = SCN_REF_FOLLOWER;
        break;
    case 3:
        ref.kind = SCN_REF_ANY;
        break;
    default:
        ref.kind = SCN_REF_NAME;
        ref.slot = (int32_t)below(g, g->names_before_step);
        return ref;
    }
    if (ref.kind != SCN_REF_NODE) {
        ref.optional = below(g, 2) == 0;
    }
    if (allow_bind && below(g, 4) == 0) {
        ref.bind_slot = (int32_t)g->s->names->len;
        g_ptr_array_add(g->s->names,
                        g_strdup_printf("v%u", (unsigned)g->s->names->len));
    }
    return ref;
}

/* Distinct node ids (and optionally `rest` last) for lists. */
static void gen_list(struct gen *g,
                     struct scn_node_list *list,
                     uint32_t *next_node,
                     bool rest)
{
    size_t n = 1 + below(g, 2);

    for (size_t i = 0; i < n && *next_node <= g->s->cluster; i++) {
        struct scn_node_ref ref = {.kind = SCN_REF_NODE,
                                   .node = (*next_node)++,
                                   .slot = SCN_NO_SLOT,
                                   .bind_slot = SCN_NO_SLOT};

        scn_node_list_append(list, &ref);
    }
    if (list->count == 0 || rest) {
        struct scn_node_ref ref = {.kind = SCN_REF_REST,
                                   .slot = SCN_NO_SLOT,
                                   .bind_slot = SCN_NO_SLOT};

        scn_node_list_append(list, &ref);
    }
}

static void gen_scope(struct gen *g, struct scn_scope *scope)
{
    uint32_t next_node = 1;

    scope->kind = (enum scn_scope_kind)(SCN_SCOPE_ALL + below(g, 3));
    if (scope->kind == SCN_SCOPE_NODES) {
        gen_list(g, &scope->nodes, &next_node, below(g, 2) == 0);
    }
}

/* One or two distinct nodes, for configuration checks. */
static void gen_members(struct gen *g,
                        struct scn_node_list *list,
                        uint32_t *next_node)
{
    size_t n = 1 + below(g, 2);

    for (size_t i = 0; i < n; i++) {
        struct scn_node_ref ref = gen_ref(g, false);

        if (ref.kind == SCN_REF_NODE || ref.kind == SCN_REF_NAME) {
            if (*next_node > scn_scenario_nodes(g->s)) {
                ref = (struct scn_node_ref){.kind = SCN_REF_LEADER,
                                            .slot = SCN_NO_SLOT,
                                            .bind_slot = SCN_NO_SLOT};
            } else {
                ref = (struct scn_node_ref){.kind = SCN_REF_NODE,
                                            .node = (*next_node)++,
                                            .slot = SCN_NO_SLOT,
                                            .bind_slot = SCN_NO_SLOT};
            }
        }
        scn_node_list_append(list, &ref);
    }
}

static void gen_check(struct gen *g, struct scn_check *c, bool always)
{
    uint32_t next_node = 1;

    do {
        c->kind = (enum scn_check_kind)(SCN_CHECK_LEADER + below(g, 16));
    } while (c->kind == SCN_CHECK_SAME_LEADER && !always);
    switch (c->kind) {
    case SCN_CHECK_LEADER:
    case SCN_CHECK_NO_LEADER:
        if (below(g, 2) == 0) {
            gen_list(g, &c->nodes, &next_node, below(g, 2) == 0);
        }
        break;
    case SCN_CHECK_ROLE:
        c->node = gen_ref(g, false);
        c->role = (enum scn_role)(SCN_ROLE_FOLLOWER + below(g, 3));
        break;
    case SCN_CHECK_TERM:
    case SCN_CHECK_COMPLETED:
    case SCN_CHECK_APPLIED:
        c->cmp = (enum scn_cmp)(SCN_CMP_EQ + below(g, 6));
        c->number = below(g, 2) == 0 ? gen_next(g) : below(g, 10);
        if (c->kind == SCN_CHECK_APPLIED) {
            gen_scope(g, &c->scope);
        }
        break;
    case SCN_CHECK_VALUE:
    case SCN_CHECK_ABSENT:
        c->key = gen_string(g);
        if (c->kind == SCN_CHECK_VALUE) {
            c->value = gen_string(g);
        }
        gen_scope(g, &c->scope);
        break;
    case SCN_CHECK_CONFIG:
        gen_members(g, &c->nodes, &next_node);
        if (below(g, 2) == 0) {
            gen_members(g, &c->learners, &next_node);
        }
        break;
    case SCN_CHECK_LEARNERS:
        if (below(g, 2) == 0) {
            gen_members(g, &c->learners, &next_node);
        }
        break;
    case SCN_CHECK_SAME_LEADER:
    case SCN_CHECK_CONVERGED:
    case SCN_CHECK_LINEARIZABLE:
    case SCN_CHECK_NO_VIOLATION:
    case SCN_CHECK_JOINT:
    case SCN_CHECK_NOT_JOINT:
        break;
    }
}

/* The changes of a membership request: distinct static nodes. */
static void gen_changes(struct gen *g, struct scn_action *a)
{
    uint32_t next_node = 1;
    bool alone = below(g, 2) == 0;

    a->change_count = alone ? 1 : 1 + below(g, 3);
    a->transition = alone ? SCN_TRANSITION_AUTO
                          : (enum scn_transition)below(g, 3);
    a->changes = g_new0(struct scn_change, a->change_count);
    for (size_t i = 0; i < a->change_count; i++) {
        struct scn_change *c = &a->changes[i];

        c->kind = (enum scn_change_kind)(SCN_CHANGE_ADD + below(g, 5));
        if (below(g, 2) == 0 && next_node <= scn_scenario_nodes(g->s)) {
            c->node = (struct scn_node_ref){.kind = SCN_REF_NODE,
                                            .node = next_node++,
                                            .slot = SCN_NO_SLOT,
                                            .bind_slot = SCN_NO_SLOT};
        } else {
            do {
                c->node = gen_ref(g, false);
            } while (c->node.kind == SCN_REF_NODE);
            if (c->node.kind != SCN_REF_NAME && below(g, 4) == 0) {
                c->node.bind_slot = (int32_t)g->s->names->len;
                g_ptr_array_add(g->s->names, g_strdup_printf(
                                                 "v%u", (unsigned)g->s
                                                            ->names->len));
            }
        }
    }
}

static uint64_t gen_duration(struct gen *g)
{
    static const uint64_t scale[] = {1, 1000, 1000000};

    return (1 + below(g, 2000)) * scale[below(g, 3)];
}

/* A constant or a range, for each of write and sync. */
static void gen_disk_latency(struct gen *g, struct scn_disk_latency *l)
{
    l->write_us = below(g, 3) == 0 ? 0 : gen_duration(g);
    l->write_jitter_us = below(g, 2) == 0 ? 0 : gen_duration(g);
    l->sync_us = below(g, 3) == 0 ? 0 : gen_duration(g);
    l->sync_jitter_us = below(g, 2) == 0 ? 0 : gen_duration(g);
}

static void gen_action(struct gen *g, struct scn_action *a)
{
    uint32_t next_node = 1;

    a->kind = (enum scn_action_kind)(SCN_ACT_CRASH + below(g, 23));
    switch (a->kind) {
    case SCN_ACT_CRASH:
        a->node = gen_ref(g, true);
        a->keep = (enum scn_keep)below(g, 3);
        if (a->keep == SCN_KEEP_COUNTS) {
            a->keep_log = below(g, 2) == 0 ? gen_next(g) : below(g, 4);
            a->keep_term = below(g, 3);
        }
        break;
    case SCN_ACT_SET_DISK:
        gen_disk_latency(g, &a->disk);
        if (below(g, 2) == 0) {
            gen_list(g, &a->nodes, &next_node, false);
        }
        break;
    case SCN_ACT_RESTART:
    case SCN_ACT_TIMEOUT:
    case SCN_ACT_ISOLATE:
        a->node = gen_ref(g, true);
        break;
    case SCN_ACT_PAUSE:
        a->node = gen_ref(g, true);
        a->duration_us = gen_duration(g);
        break;
    case SCN_ACT_DRIFT:
        a->node = gen_ref(g, true);
        a->rate_ppm = 1 + (uint32_t)below(g, SCN_DRIFT_PPM_MAX);
        break;
    case SCN_ACT_PARTITION:
        a->group_count = 1 + below(g, 3);
        a->groups = g_new0(struct scn_node_list, a->group_count);
        for (size_t i = 0; i < a->group_count; i++) {
            gen_list(g, &a->groups[i], &next_node,
                     i + 1 == a->group_count && below(g, 2) == 0);
            if (a->groups[i].refs[a->groups[i].count - 1].kind ==
                SCN_REF_REST) {
                a->group_count = i + 1;
                break;
            }
        }
        break;
    case SCN_ACT_CUT:
        a->node = gen_ref(g, true);
        do {
            a->peer = gen_ref(g, false);
        } while (
            (a->peer.kind == SCN_REF_NODE && a->node.kind == SCN_REF_NODE &&
             a->peer.node == a->node.node) ||
            (a->peer.kind == SCN_REF_NAME && a->node.kind == SCN_REF_NAME &&
             a->peer.slot == a->node.slot));
        break;
    case SCN_ACT_HEAL:
        break;
    case SCN_ACT_SET_DROP:
    case SCN_ACT_SET_DUPLICATE:
    case SCN_ACT_SET_REORDER:
        a->probability_ppm = (uint32_t)below(g, SCN_PPM_ONE + 1);
        break;
    case SCN_ACT_SET_DELAY:
        a->delay_us_min = below(g, 3) == 0 ? 0 : gen_duration(g);
        a->delay_us_max = a->delay_us_min + below(g, 50000);
        break;
    case SCN_ACT_CLIENT_SET:
    case SCN_ACT_CLIENT_DELETE:
    case SCN_ACT_CLIENT_GET:
        a->key = gen_string(g);
        if (a->kind == SCN_ACT_CLIENT_SET) {
            a->value = gen_string(g);
        }
        a->has_via = below(g, 2) == 0;
        if (a->has_via) {
            a->via = gen_ref(g, true);
        }
        break;
    case SCN_ACT_LOAD:
        a->rate_per_ks = 1 + below(g, 1000000000);
        a->duration_us = gen_duration(g);
        a->has_via = below(g, 2) == 0;
        if (a->has_via) {
            a->via = gen_ref(g, true);
        }
        break;
    case SCN_ACT_EXPECT:
        gen_check(g, &a->check, false);
        break;
    case SCN_ACT_SETTLE:
        a->duration_us = below(g, 2) == 0 ? 0 : gen_duration(g);
        break;
    case SCN_ACT_CHANGE:
        gen_changes(g, a);
        break;
    case SCN_ACT_LEAVE_JOINT:
        break;
    case SCN_ACT_TRANSFER:
        a->node = gen_ref(g, true);
        break;
    }
}

static void gen_headers(struct gen *g, struct scn_scenario *s)
{
    s->cluster = 1 + (uint32_t)below(g, 9);
    s->spare = (uint32_t)below(g, 3);
    s->has_seed = below(g, 2) == 0;
    s->seed = s->has_seed ? gen_next(g) : 1;
    if (below(g, 2) == 0) {
        s->has_title = true;
        g_free(s->title);
        s->title = gen_string(g);
    }
    if (below(g, 2) == 0) {
        s->has_election_timeout = true;
        s->election_timeout_us_min = gen_duration(g);
        s->election_timeout_us_max = s->election_timeout_us_min + below(g, 9);
    }
    if (below(g, 2) == 0) {
        s->has_heartbeat = true;
        s->heartbeat_us = gen_duration(g);
    }
    if (below(g, 2) == 0) {
        s->has_delay = true;
        s->delay_us_min = below(g, 1000);
        s->delay_us_max = s->delay_us_min + gen_duration(g);
    }
    s->has_drop = below(g, 2) == 0;
    s->drop_ppm = s->has_drop ? (uint32_t)below(g, SCN_PPM_ONE + 1) : 0;
    s->has_duplicate = below(g, 2) == 0;
    s->duplicate_ppm =
        s->has_duplicate ? (uint32_t)below(g, SCN_PPM_ONE + 1) : 0;
    s->has_reorder = below(g, 2) == 0;
    s->reorder_ppm = s->has_reorder ? (uint32_t)below(g, SCN_PPM_ONE + 1) : 0;
    s->has_prevote = below(g, 2) == 0;
    s->prevote = s->has_prevote && below(g, 2) == 0;
    s->has_checkquorum = below(g, 2) == 0;
    s->checkquorum = s->has_checkquorum && below(g, 2) == 0;
    if (below(g, 2) == 0) {
        s->has_client_timeout = true;
        s->client_timeout_us = gen_duration(g);
    }
    s->has_snapshot_every = below(g, 2) == 0;
    s->snapshot_every = s->has_snapshot_every ? below(g, 1000) : 0;
    s->has_snapshot_chunk = below(g, 2) == 0;
    s->snapshot_chunk_bytes =
        s->has_snapshot_chunk ? (uint32_t)below(g, SCN_SNAPSHOT_CHUNK_MAX + 1)
                              : 0;
    if (below(g, 2) == 0) {
        s->has_disk_latency = true;
        s->disk_write_us = below(g, 5000);
        s->disk_sync_us = below(g, 5000);
        s->disk_write_jitter_us = below(g, 2) == 0 ? 0 : below(g, 5000);
        s->disk_sync_jitter_us = below(g, 2) == 0 ? 0 : below(g, 5000);
    }
    for (uint32_t node = 1; node <= s->cluster; node++) {
        struct scn_disk *d;

        if (below(g, 4) != 0) {
            continue;
        }
        d = g_new0(struct scn_disk, 1);
        gen_disk_latency(g, &d->latency);
        d->n_nodes = 1 + (node < s->cluster && below(g, 2) == 0);
        d->nodes = g_new(uint32_t, d->n_nodes);
        d->nodes[0] = node;
        if (d->n_nodes == 2) {
            d->nodes[1] = ++node;
        }
        g_ptr_array_add(s->disks, d);
    }
    for (uint32_t node = 1; node <= s->cluster; node++) {
        struct scn_init *in;
        uint64_t term = 0;

        if (below(g, 3) != 0) {
            continue;
        }
        in = g_new0(struct scn_init, 1);
        in->node = node;
        in->term = below(g, 6);
        in->vote = (uint32_t)below(g, s->cluster + 1);
        in->log_len = below(g, 5);
        in->log_terms = in->log_len > 0 ? g_new(uint64_t, in->log_len) : NULL;
        for (size_t i = 0; i < in->log_len; i++) {
            term += below(g, in->term - term + 1);
            in->log_terms[i] = term;
        }
        g_ptr_array_add(s->inits, in);
    }
}

static struct scn_scenario *gen_scenario(uint64_t seed)
{
    struct gen g = {.state = seed * UINT64_C(0x9E3779B97F4A7C15) + 1};
    struct scn_scenario *s = scn_scenario_new("gen.scn");
    uint64_t time_us = 0;
    size_t n_steps = below(&g, 16);

    g.s = s;
    gen_headers(&g, s);
    for (size_t i = 0; i < n_steps; i++) {
        struct scn_step *st = g_new0(struct scn_step, 1);
        uint64_t form = below(&g, 4);

        g.names_before_step = s->names->len;
        time_us += below(&g, 3) == 0 ? 0 : gen_duration(&g);
        st->time_us = time_us;
        st->end_us = time_us;
        if (form == 0) {
            st->when = SCN_WHEN_EVENTUALLY;
            st->end_us = time_us + gen_duration(&g);
            st->action.kind = SCN_ACT_EXPECT;
            gen_check(&g, &st->action.check, false);
        } else if (form == 1) {
            st->when = SCN_WHEN_ALWAYS;
            st->end_us = time_us + gen_duration(&g);
            st->action.kind = SCN_ACT_EXPECT;
            gen_check(&g, &st->action.check, true);
        } else {
            st->when = SCN_WHEN_AT;
            st->triggered = below(&g, 3) == 0;
            if (st->triggered) {
                st->subject = gen_ref(&g, true);
                st->subject.optional &= st->subject.kind != SCN_REF_ANY;
                st->event = (enum scn_event)(1 + below(&g, 7));
                g.names_before_step = s->names->len;
            }
            do {
                scn_action_clear(&st->action);
                gen_action(&g, &st->action);
            } while (st->triggered &&
                     (st->action.kind == SCN_ACT_EXPECT ||
                      st->action.kind == SCN_ACT_SETTLE));
        }
        if (st->end_us > s->run_us) {
            s->has_run = true;
            s->run_us = st->end_us;
        }
        g_ptr_array_add(s->steps, st);
    }
    return s;
}

Test(scn_print, generated_scenarios_round_trip)
{
    unsigned kinds_seen = 0;

    for (uint64_t seed = 1; seed <= 400; seed++) {
        struct scn_scenario *s = gen_scenario(seed);

        for (guint i = 0; i < s->steps->len; i++) {
            const struct scn_step *st = g_ptr_array_index(s->steps, i);

            kinds_seen |= 1u << st->action.kind;
        }
        assert_round_trip(s);
        scn_scenario_free(s);
    }
    /* Every action kind was generated at least once. */
    for (unsigned k = SCN_ACT_CRASH; k <= SCN_ACT_EXPECT; k++) {
        cr_assert(kinds_seen & (1u << k), "kind %u never generated", k);
    }
}
