/* test_scn_identity.c: a statement's random draws depend on the statement,
 * not on how many draws the statements before it made. Deleting one
 * statement of a scenario leaves the others' draws in place: what `any`
 * names, what a `load` requests, the keys of the streams. This is what lets
 * a shrinker delete statements without reshuffling the rest of the run. */
#include <criterion/criterion.h>
#include <string.h>

#include "scenarios/lang/scn_identity.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_run.h"
#include "sim/sim_hash.h"
#include "sim/sim_net.h"
#include "sim/sim_rng.h"
#include "tests/support/scn_harness.h"

/* The header and the statements kept in both versions; EARLY is what the
 * shorter version lacks: a load and an `any` draw before the others. */
#define HEAD \
    "cluster 5\nseed 11\nrun 4s\ndrop 0.05\nreorder 0.1\ndelay 1ms 20ms\n"
#define EARLY                        \
    "at 400ms load 30/s for 500ms\n" \
    "at 600ms pause any for 40ms\n"  \
    "at 700ms timeout any\n"
#define LATER                     \
    "at 1s load 40/s for 1s\n"    \
    "at 2s crash any as victim\n" \
    "at 2s pause any for 30ms\n"  \
    "at 3s restart victim\n"      \
    "at 3s pause any for 20ms\n"

/* What the later statements drew, read from the trace: the op and key of
 * every request of the later load (the keys the load stream picked), and
 * every node a fault named by `any`. */
static char *later_draws(const char *text)
{
    struct scn_scenario *sc = sh_parse(text);
    struct scn_run_options o;
    scn_run_options_init(&o);
    o.record_events = true;
    struct scn_run_result *res = NULL;
    cr_assert_eq(scn_run(sc, &o, &res), SCN_OK);
    GString *out = g_string_new(NULL);
    size_t n = sim_trace_len(res->sim);
    const struct sim_trace_event *ev = sim_trace_events(res->sim);
    for (size_t i = 0; i < n; i++) {
        const struct sim_trace_event *e = &ev[i];
        if (e->time_us < 1000000)
            continue;
        if (e->kind == SIM_TRACE_CLIENT_INVOKE) {
            /* "set k3 v17": the op and key; the value is a counter. */
            const char *sp = strchr(e->text, ' ');
            sp = sp ? strchr(sp + 1, ' ') : NULL;
            size_t len = sp ? (size_t)(sp - e->text) : strlen(e->text);
            g_string_append_printf(out, "%.*s;", (int)len, e->text);
        } else if (e->kind == SIM_TRACE_CRASH || e->kind == SIM_TRACE_PAUSE) {
            g_string_append_printf(out, "%d@%llu:n%u;", (int)e->kind,
                                   (unsigned long long)e->time_us, e->node);
        }
    }
    scn_run_result_free(res);
    scn_scenario_free(sc);
    return g_string_free(out, FALSE);
}

Test(scn_identity, deleting_a_statement_leaves_the_later_draws_unchanged)
{
    /* Several seeds, so that a match is not luck of one draw. */
    for (int seed = 1; seed <= 5; seed++) {
        char *with = g_strdup_printf(HEAD EARLY LATER "# %d\n", seed);
        char *without = g_strdup_printf(HEAD LATER "# %d\n", seed);
        /* The seed line: replace "seed 11" by the loop's seed. */
        char *w = g_strdup(with), *wo = g_strdup(without);
        char *p = strstr(w, "seed 11"), *q = strstr(wo, "seed 11");
        p[5] = q[5] = (char)('0' + seed);
        p[6] = q[6] = ' ';
        char *a = later_draws(w);
        char *b = later_draws(wo);
        cr_assert_gt(strlen(a), 40, "the later statements drew: %s", a);
        cr_assert_str_eq(a, b,
                         "seed %d: with the early statements:\n%s\n"
                         "without them:\n%s",
                         seed, a, b);
        g_free(a);
        g_free(b);
        g_free(w);
        g_free(wo);
        g_free(with);
        g_free(without);
    }
}

Test(scn_identity, a_statement_key_depends_on_its_text_and_rank_only)
{
    struct scn_scenario *full = sh_parse(
        "cluster 3\nat 1s crash any\nat 2s timeout any\nat 2s timeout any\n"
        "at 3s client set x 1\n");
    struct scn_scenario *cut =
        sh_parse("cluster 3\nat 2s timeout any\nat 3s client set x 1\n");
    uint64_t kf[4], kc[2];
    scn_step_draw_keys(full, kf);
    scn_step_draw_keys(cut, kc);
    /* The same statement keeps its key when an earlier one is deleted... */
    cr_assert_eq(kf[1], kc[0]);
    cr_assert_eq(kf[3], kc[1]);
    /* ...and two statements with the same text still draw apart. */
    cr_assert_neq(kf[1], kf[2]);
    cr_assert_neq(kf[0], kf[1]);
    scn_scenario_free(full);
    scn_scenario_free(cut);
}

Test(scn_identity, a_message_fate_depends_only_on_its_link_time_and_rank)
{
    struct sim_net_params p = {
        .delay_us_min = 1000,
        .delay_us_max = 9000,
        .drop_ppm = 300000,
        .duplicate_ppm = 300000,
        .reorder_ppm = 300000,
    };
    struct sim_net quiet, busy;
    sim_net_init(&quiet, 3, &p, 99);
    sim_net_init(&busy, 3, &p, 99);
    /* busy carries other traffic first: on other links, and earlier on
     * the same link. */
    struct sim_net_fate f;
    for (uint64_t t = 0; t < 50; t++) {
        sim_net_draw(&busy, 2, 3, t, &f);
        sim_net_draw(&busy, 1, 2, t, &f);
        sim_net_draw(&busy, 1, 2, t, &f);
    }
    for (int rank = 0; rank < 20; rank++) {
        struct sim_net_fate a, b;
        sim_net_draw(&quiet, 1, 2, 1000, &a);
        sim_net_draw(&busy, 1, 2, 1000, &b);
        cr_assert_eq(a.lost, b.lost);
        cr_assert_eq(a.delay_us, b.delay_us);
        cr_assert_eq(a.reordered, b.reordered);
        cr_assert_eq(a.duplicated, b.duplicated);
        cr_assert_eq(a.copy_delay_us, b.copy_delay_us);
    }
    sim_net_destroy(&quiet);
    sim_net_destroy(&busy);
}

/* Many statements, few texts, each repeated at scattered places: every
 * key is the key that the same text at the same rank has in a scenario of
 * that text alone, repeated, so other texts never shift a rank. */
Test(scn_identity, every_statement_key_is_its_text_and_rank_among_many)
{
    static const char *const texts[] = {
        "at 1s crash any\n", "at 1s restart n1\n", "at 1s client set x 1\n",
        "at 1s client set x 2\n", "at 1s timeout follower\n", "at 1s heal\n",
        "at 1s client get x\n", "at 1s cut n1 -> any\n", "at 1s crash n1\n",
    };
    enum { TEXTS = sizeof texts / sizeof texts[0], STEPS = 90 };
    GString *all = g_string_new("cluster 3\n");
    size_t which[STEPS], rank[STEPS], seen[TEXTS] = {0};
    for (size_t i = 0; i < STEPS; i++) {
        which[i] = (i * 3 + i / 5) % TEXTS; /* every text, scattered */
        rank[i] = seen[which[i]]++;
        g_string_append(all, texts[which[i]]);
    }
    struct scn_scenario *sc = sh_parse(all->str);
    cr_assert_eq(sc->steps->len, STEPS);
    uint64_t keys[STEPS];
    scn_step_draw_keys(sc, keys);
    for (size_t i = 0; i < STEPS; i++) {
        GString *alone = g_string_new("cluster 3\n");
        for (size_t r = 0; r <= rank[i]; r++)
            g_string_append(alone, texts[which[i]]);
        struct scn_scenario *one = sh_parse(alone->str);
        uint64_t *k = g_new(uint64_t, rank[i] + 1);
        scn_step_draw_keys(one, k);
        cr_assert_eq(keys[i], k[rank[i]], "step %zu (%s, rank %zu)", i,
                     texts[which[i]], rank[i]);
        g_free(k);
        scn_scenario_free(one);
        g_string_free(alone, TRUE);
    }
    for (size_t i = 1; i < STEPS; i++) {
        const struct scn_step *st = g_ptr_array_index(sc->steps, i);
        if (scn_step_may_draw(st))
            cr_assert_neq(keys[i], keys[0]);
        else
            cr_assert_eq(keys[i], 0, "step %zu draws nothing", i);
    }
    scn_scenario_free(sc);
    g_string_free(all, TRUE);
}

/* A key is the hash of the statement's printed bytes and its rank: the
 * length, then each 8 bytes as a little-endian word, the last ones
 * zero-padded (computed here byte by byte), for texts of every length
 * from 24 to 48 bytes, so every size of the last word. */
Test(scn_identity, a_statement_key_is_the_hash_of_its_printed_bytes)
{
    for (size_t len = 24; len <= 48; len++) {
        /* "at 1s client set k1 " is 20 bytes; the value fills the rest. */
        GString *line = g_string_new("at 1s client set k1 ");
        while (line->len < len)
            g_string_append_c(line, (char)('a' + line->len % 26));
        char *text = g_strdup_printf("cluster 3\n%s\n%s\n", line->str,
                                     line->str);
        struct scn_scenario *sc = sh_parse(text);
        uint64_t keys[2];
        scn_step_draw_keys(sc, keys);
        uint64_t h = sim_hash_mix(line->len);
        for (size_t at = 0; at < line->len; at += 8) {
            uint64_t w = 0;
            for (size_t b = 0; b < 8 && at + b < line->len; b++)
                w |= (uint64_t)(unsigned char)line->str[at + b] << (8 * b);
            h = sim_hash_fold(h, w);
        }
        h = sim_hash_mix(h);
        cr_assert_eq(keys[0], sim_rng_key(h, 0), "%s", line->str);
        cr_assert_eq(keys[1], sim_rng_key(h, 1), "%s", line->str);
        scn_scenario_free(sc);
        g_free(text);
        g_string_free(line, TRUE);
    }
}

/* Only a statement that may draw is given a key (scn_step_may_draw()):
 * the rank of one that may is counted among the earlier ones with its
 * text, which may draw as it may. The predicate reads only what the text
 * says: the action's kind, a trigger, `any` and `follower`. */
Test(scn_identity, only_a_statement_that_may_draw_has_a_key)
{
    static const struct
    {
        const char *text;
        bool draws;
    } cases[] = {
        {"at 1s heal\n", false},
        {"at 1s set drop 0.1\n", false},
        {"at 1s set delay 1ms 2ms\n", false},
        {"at 1s crash n2\n", false},
        {"at 1s crash any\n", true},
        {"at 1s restart n2\n", false},
        {"at 1s timeout follower\n", true},
        {"at 1s pause n1 for 10ms\n", false},
        {"at 1s pause any for 10ms\n", true},
        {"at 1s drift n3 1.5\n", false},
        {"at 1s isolate n3\n", false},
        {"at 1s cut n1 -> n2\n", false},
        {"at 1s cut n1 -> follower\n", true},
        {"at 1s cut any -> n2\n", true},
        {"at 1s client set x 1 via n1\n", true},
        {"at 1s client get x\n", true},
        {"at 1s load 10/s for 1s\n", true},
        {"at 1s partition n1 | n2 n3\n", true},
        {"at 1s when n1 becomes-leader crash n1\n", true},
        {"at 1s expect leader\n", true},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf("cluster 3\n%s", cases[i].text);
        struct scn_scenario *sc = sh_parse(text);
        const struct scn_step *st = g_ptr_array_index(sc->steps, 0);
        uint64_t key;
        scn_step_draw_keys(sc, &key);
        cr_assert_eq(scn_step_may_draw(st), cases[i].draws, "%s",
                     cases[i].text);
        cr_assert_eq(key != 0, cases[i].draws, "%s", cases[i].text);
        scn_scenario_free(sc);
        g_free(text);
    }
}
