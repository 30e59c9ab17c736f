/* test_scn_fuzz.c: the schedule generator and `raftsim fuzz`.
 *
 * Invariant kept by these tests: a seed names one scenario and one run. The
 * generator is checked in process (pure, concrete, round-tripping, replaying
 * to the same trace hash); the command is run as a user would, from the
 * binaries beside the test binary's directory (BUILD/raftsim and the
 * mutant BUILD/mutants/figure8-commit-old-term/raftsim, whose core counts
 * replicas of earlier-term entries towards commitment: see
 * tests/mutants/), with pipes for its output and reproducers written into a
 * fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_fuzz_gen.h"
#include "scenarios/lang/scn_parse.h"
#include "scenarios/lang/scn_print.h"
#include "tests/support/program.h"
#include "tests/support/scn_harness.h"
#include "tests/support/tmp_tree.h"

/* The mutant core that commits earlier-term entries by counting replicas. */
#define FIGURE8_MUTANT "mutants/figure8-commit-old-term/raftsim"

/* A range of that mutant's seeds found to hold violations under
 * `--faults cut` with 5 nodes and 5s runs: seeds 1044 and 1128 fail
 * (Leader Completeness after a Figure 8 schedule); the run takes a fraction of a
 * second. Should an engine change move them, pick a new range with
 * `build/mutants/figure8-commit-old-term/raftsim fuzz --faults cut --time 5s
 * --seeds 3000 --quiet`. */
#define BROKEN_FROM "1040"
#define BROKEN_SEEDS "100"

static struct scn_fuzz_options short_options(void)
{
    struct scn_fuzz_options o;
    scn_fuzz_options_init(&o);
    o.run_us = 3000000;
    return o;
}

Test(fuzz_generator, options_default_to_five_nodes_ten_seconds_every_fault)
{
    struct scn_fuzz_options o;
    scn_fuzz_options_init(&o);
    cr_assert_eq(o.nodes, 5);
    cr_assert_eq(o.run_us, 10000000);
    cr_assert_eq(o.faults, 0x3ffffu);
}

/* Both ways of writing one: a new string, and a step's key and value
 * written where they are kept (scn_fuzz_set_word() counts the digits before
 * it writes them: every count from 1 to 20, at each power of ten and the
 * number before it). */
Test(fuzz_generator, a_key_or_value_name_is_its_letter_and_decimal_number)
{
    static const uint64_t ns[] = {0, 7, 10, 63, 1000, 4294967296, UINT64_MAX};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        char *got = scn_fuzz_word('v', ns[i]);
        char *want = g_strdup_printf("v%" PRIu64, ns[i]);
        cr_assert_str_eq(got, want);
        g_free(got);
        g_free(want);
    }
    /* 0, then 9 and 10, 99 and 100, ... 10^19, and UINT64_MAX. */
    uint64_t some[2 * 20 + 1];
    size_t n = 0;
    some[n++] = 0;
    for (uint64_t ten = 10, d = 1; d < 20; d++, ten *= 10) {
        some[n++] = ten - 1;
        some[n++] = ten;
    }
    some[n++] = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        struct scn_step *st = g_new0(struct scn_step, 1);
        /* The key in the room, the value too unless both are long. */
        scn_fuzz_set_word(&st->action, false, 'b', some[i]);
        scn_fuzz_set_word(&st->action, true, 'v', some[i] / 3);
        char *want = g_strdup_printf("b%" PRIu64, some[i]);
        cr_assert_str_eq(st->action.key, want);
        g_free(want);
        want = g_strdup_printf("v%" PRIu64, some[i] / 3);
        cr_assert_str_eq(st->action.value, want);
        g_free(want);
        scn_step_free(st);
    }
}

/* A key and a value that fit in the action's room are kept there, the rest
 * in blocks of their own: every length of key and value from 0 to 40 reads
 * back as written, the room is never overrun (the bytes after it and the
 * first text stay as they were), and clearing or dropping them frees
 * exactly the blocks (a free of the room would abort). */
Test(fuzz_generator, an_action_keeps_short_texts_in_its_room_and_long_ones_apart)
{
    char text[2][48];
    for (size_t klen = 0; klen <= 40; klen++) {
        for (size_t vlen = 0; vlen <= 40; vlen++) {
            memset(text[0], 'k', sizeof text[0]);
            memset(text[1], 'v', sizeof text[1]);
            text[0][klen] = text[1][vlen] = '\0';
            struct scn_step *st = g_new0(struct scn_step, 1);
            struct scn_action *a = &st->action;
            a->rate_per_ks = 77; /* the field after the room's counts */
            scn_action_set_text(a, false, text[0], klen);
            scn_action_set_text(a, true, text[1], vlen);
            cr_assert_str_eq(a->key, text[0], "key of %zu", klen);
            cr_assert_str_eq(a->value, text[1], "value of %zu after %zu",
                             vlen, klen);
            bool key_in = klen + 1 <= SCN_ACTION_ROOM;
            bool value_in =
                vlen + 1 <= SCN_ACTION_ROOM - (key_in ? klen + 1 : 0);
            cr_assert_eq((a->in_room & SCN_IN_ROOM_KEY) != 0, key_in);
            cr_assert_eq((a->in_room & SCN_IN_ROOM_VALUE) != 0, value_in);
            cr_assert_eq(a->rate_per_ks, 77);
            if ((klen + vlen) % 2) {
                scn_action_drop_texts(a);
                cr_assert_null(a->key);
                cr_assert_null(a->value);
                cr_assert_eq(a->in_room, 0);
                scn_action_set_text(a, false, text[1], vlen);
                cr_assert_str_eq(a->key, text[1]);
            }
            scn_step_free(st);
        }
    }
}

/* Steps made in a scenario's blocks live as long as the scenario, whatever
 * becomes of the others: 300 of them (more than four blocks) among steps
 * of their own, some removed as the shrinker removes them, keep their
 * fields and texts; freeing the scenario frees each block once (a step
 * freed alone, or a block freed twice, would abort). */
Test(fuzz_generator, steps_made_in_blocks_live_and_die_with_their_scenario)
{
    struct scn_scenario *sc = scn_scenario_new("blocks");
    for (uint64_t i = 0; i < 400; i++) {
        struct scn_step *st =
            i % 4 == 3 ? g_new0(struct scn_step, 1) : scn_scenario_new_step(sc);
        cr_assert_eq(st->in_block, i % 4 != 3);
        cr_assert_eq(st->action.key, NULL);
        st->when = SCN_WHEN_AT;
        st->time_us = st->end_us = i;
        st->action.kind = SCN_ACT_CLIENT_SET;
        scn_fuzz_set_word(&st->action, false, 'k', i);
        /* Every fifth value too long for the room. */
        char value[40];
        size_t len = (size_t)snprintf(value, sizeof value, "%s%" PRIu64,
                                      i % 5 ? "v" : "value-of-some-length-", i);
        scn_action_set_text(&st->action, true, value, len);
        g_ptr_array_add(sc->steps, st);
    }
    for (guint i = sc->steps->len; i-- > 0;)
        if (i % 7 == 2)
            g_ptr_array_remove_index(sc->steps, i);
    guint at = 0;
    for (uint64_t i = 0; i < 400; i++) {
        if (i % 7 == 2)
            continue;
        const struct scn_step *st = g_ptr_array_index(sc->steps, at++);
        char want[40];
        cr_assert_eq(st->time_us, i);
        snprintf(want, sizeof want, "k%" PRIu64, i);
        cr_assert_str_eq(st->action.key, want);
        snprintf(want, sizeof want, "%s%" PRIu64,
                 i % 5 ? "v" : "value-of-some-length-", i);
        cr_assert_str_eq(st->action.value, want);
    }
    cr_assert_eq(at, sc->steps->len);
    scn_scenario_free(sc);
}

Test(fuzz_generator, generation_is_a_pure_function_of_the_seed)
{
    struct scn_fuzz_options o = short_options();
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct scn_fuzz_swarm w1, w2;
        struct scn_scenario *a = scn_fuzz_generate(seed, &o, &w1);
        struct scn_scenario *b = scn_fuzz_generate(seed, &o, &w2);
        char *ta = sh_print(a);
        char *tb = sh_print(b);
        cr_assert_str_eq(ta, tb, "seed %" PRIu64, seed);
        cr_assert(scn_scenario_equal(a, b));
        cr_assert_eq(memcmp(&w1, &w2, sizeof(w1)), 0);
        g_free(ta);
        g_free(tb);
        scn_scenario_free(a);
        scn_scenario_free(b);
    }
}

Test(fuzz_generator, different_seeds_give_different_schedules)
{
    struct scn_fuzz_options o = short_options();
    struct scn_scenario *a = scn_fuzz_generate(1, &o, NULL);
    struct scn_scenario *b = scn_fuzz_generate(2, &o, NULL);
    char *ta = sh_print(a);
    char *tb = sh_print(b);
    cr_assert_str_neq(ta, tb);
    g_free(ta);
    g_free(tb);
    scn_scenario_free(a);
    scn_scenario_free(b);
}

Test(fuzz_generator, scenario_carries_its_seed_and_every_drawn_header)
{
    struct scn_fuzz_options o = short_options();
    o.nodes = 7;
    struct scn_fuzz_swarm w;
    struct scn_scenario *sc = scn_fuzz_generate(42, &o, &w);
    cr_assert_eq(sc->cluster, 7);
    cr_assert(sc->has_seed);
    cr_assert_eq(sc->seed, 42);
    cr_assert(sc->has_run);
    /* The faulty part, then the liveness phase up to its bound. */
    cr_assert_eq(sc->run_us, 3000000 + scn_settle_bound_us(sc));
    cr_assert(sc->has_prevote && sc->has_checkquorum && sc->has_delay);
    cr_assert(sc->has_snapshot_every);
    cr_assert_eq(sc->prevote, w.prevote);
    cr_assert_eq(sc->checkquorum, w.checkquorum);
    cr_assert_eq(sc->snapshot_every, w.snapshot_every);
    cr_assert_eq(sc->has_drop, w.on[SCN_FUZZ_DROP]);
    cr_assert_eq(sc->inits->len, 0);
    scn_scenario_free(sc);
}

static bool ref_is_concrete(const struct scn_node_ref *r, uint32_t n)
{
    return r->kind == SCN_REF_NODE && r->node >= 1 && r->node <= n &&
           r->bind_slot == SCN_NO_SLOT && !r->optional;
}

Test(fuzz_generator, schedules_name_concrete_nodes_and_hold_no_expect)
{
    struct scn_fuzz_options o = short_options();
    for (uint64_t seed = 1; seed <= 100; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        cr_assert_eq(sc->names->len, 0);
        uint32_t all = scn_scenario_nodes(sc);
        uint64_t last = 0;
        for (guint i = 0; i < sc->steps->len; i++) {
            const struct scn_step *st = g_ptr_array_index(sc->steps, i);
            const struct scn_action *a = &st->action;
            cr_assert_eq(st->when, SCN_WHEN_AT);
            cr_assert_neq(a->kind, SCN_ACT_EXPECT);
            cr_assert_geq(st->time_us, last);
            last = st->time_us;
            /* Exactly one settle, last, at the end of the faulty part. */
            if (i + 1 == sc->steps->len) {
                cr_assert_eq(a->kind, SCN_ACT_SETTLE);
                cr_assert_eq(st->time_us, o.run_us);
                cr_assert_eq(a->duration_us, scn_settle_bound_us(sc));
                cr_assert_eq(sc->run_us, o.run_us + a->duration_us);
                continue;
            }
            cr_assert_neq(a->kind, SCN_ACT_SETTLE);
            cr_assert_lt(st->time_us, o.run_us);
            switch (a->kind) {
            case SCN_ACT_CRASH:
            case SCN_ACT_RESTART:
            case SCN_ACT_PAUSE:
            case SCN_ACT_TIMEOUT:
            case SCN_ACT_ISOLATE:
            case SCN_ACT_DRIFT:
            case SCN_ACT_TRANSFER:
                cr_assert(ref_is_concrete(&a->node, all));
                break;
            case SCN_ACT_CUT:
                cr_assert(ref_is_concrete(&a->node, all));
                cr_assert(ref_is_concrete(&a->peer, all));
                break;
            case SCN_ACT_PARTITION:
                for (size_t gi = 0; gi < a->group_count; gi++)
                    for (size_t k = 0; k < a->groups[gi].count; k++)
                        cr_assert(ref_is_concrete(&a->groups[gi].refs[k], all));
                break;
            case SCN_ACT_CHANGE:
                for (size_t k = 0; k < a->change_count; k++)
                    cr_assert(ref_is_concrete(&a->changes[k].node, all));
                break;
            default:
                if (a->has_via)
                    cr_assert(ref_is_concrete(&a->via, all));
                break;
            }
        }
        scn_scenario_free(sc);
    }
}

/* Counts the steps of `kind` in `sc`. */
static unsigned count_kind(const struct scn_scenario *sc,
                           enum scn_action_kind kind)
{
    unsigned n = 0;
    for (guint i = 0; i < sc->steps->len; i++)
        n += ((struct scn_step *)sc->steps->pdata[i])->action.kind == kind;
    return n;
}

/* The most nodes down at once in `sc`, replaying its crashes and restarts
 * (each of which must find its node up, resp. down). */
static uint32_t most_down(const struct scn_scenario *sc)
{
    bool down[SCN_CLUSTER_MAX + 1] = {false};
    uint32_t now = 0, most = 0;
    for (guint i = 0; i < sc->steps->len; i++) {
        const struct scn_action *a =
            &((const struct scn_step *)sc->steps->pdata[i])->action;
        if (a->kind != SCN_ACT_CRASH && a->kind != SCN_ACT_RESTART)
            continue;
        bool crash = a->kind == SCN_ACT_CRASH;
        cr_assert_eq(down[a->node.node], !crash, "n%u", a->node.node);
        down[a->node.node] = crash;
        now = crash ? now + 1 : now - 1;
        most = now > most ? now : most;
    }
    return most;
}

Test(fuzz_generator, mass_crashes_take_down_a_majority_or_everyone)
{
    /* The plain crash fault never has more than (N-1)/2 nodes down; a
     * mass crash takes a majority, or the whole cluster, down. */
    struct scn_fuzz_options o = short_options();
    o.faults = 1u << SCN_FUZZ_CRASH;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        cr_assert_leq(most_down(sc), 2);
        scn_scenario_free(sc);
    }
    o.faults = 1u << SCN_FUZZ_MASS_CRASH;
    bool majority = false, everyone = false;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        uint32_t most = most_down(sc);
        majority |= most == 3;
        everyone |= most == 5;
        scn_scenario_free(sc);
    }
    cr_assert(majority && everyone);
}

Test(fuzz_generator, vote_crash_restarts_a_voter_between_two_candidates)
{
    /* The shape of the episode: `timeout x`, then within the delay and
     * sync of a vote `crash v`, `restart v` a few ms later, then
     * `timeout y` for a rival. */
    struct scn_fuzz_options o = short_options();
    o.faults = 1u << SCN_FUZZ_VOTE_CRASH;
    unsigned found = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        GPtrArray *st = sc->steps;
        for (guint i = 0; i + 3 < st->len; i++) {
            const struct scn_step *a = st->pdata[i], *b = st->pdata[i + 1],
                                  *c = st->pdata[i + 2], *d = st->pdata[i + 3];
            if (a->action.kind == SCN_ACT_TIMEOUT &&
                b->action.kind == SCN_ACT_CRASH &&
                c->action.kind == SCN_ACT_RESTART &&
                d->action.kind == SCN_ACT_TIMEOUT &&
                b->action.node.node == c->action.node.node &&
                a->action.node.node != d->action.node.node &&
                c->time_us - b->time_us <= 10000 &&
                b->time_us - a->time_us <= 60000)
                found++;
        }
        scn_scenario_free(sc);
    }
    cr_assert_gt(found, 10, "%u episodes", found);
}

Test(fuzz_generator, fault_list_restricts_the_swarm)
{
    struct scn_fuzz_options o = short_options();
    cr_assert(scn_fuzz_faults_parse("drop,delay", &o.faults, NULL));
    cr_assert_eq(o.faults, (1u << SCN_FUZZ_DROP) | (1u << SCN_FUZZ_DELAY));
    unsigned drops = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct scn_fuzz_swarm w;
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, &w);
        for (unsigned f = SCN_FUZZ_DUPLICATE; f < SCN_FUZZ_FAULT_COUNT; f++)
            cr_assert(!w.on[f]);
        const enum scn_action_kind banned[] = {
            SCN_ACT_CRASH,     SCN_ACT_RESTART,       SCN_ACT_PAUSE,
            SCN_ACT_PARTITION, SCN_ACT_ISOLATE,       SCN_ACT_CUT,
            SCN_ACT_DRIFT,     SCN_ACT_SET_DUPLICATE, SCN_ACT_SET_REORDER,
        };
        for (size_t i = 0; i < G_N_ELEMENTS(banned); i++)
            cr_assert_eq(count_kind(sc, banned[i]), 0, "seed %" PRIu64, seed);
        drops += count_kind(sc, SCN_ACT_SET_DROP);
        scn_scenario_free(sc);
    }
    cr_assert_gt(drops, 0);
}

/* Lease seeds (thesis §6.4.1) keep crashes, which a restarted voter's
 * start-as-contact rule makes safe for the lease, and script no campaign
 * (`timeout`) once anyone may lead: a clock fault no lease survives. */
Test(fuzz_generator, lease_seeds_crash_nodes_but_script_no_campaign)
{
    struct scn_fuzz_options o = short_options();
    unsigned lease_seeds = 0, crashes = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct scn_fuzz_swarm w;
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, &w);
        if (w.reads == SCN_READ_LEASE) {
            lease_seeds++;
            for (guint i = 0; i < sc->steps->len; i++) {
                const struct scn_step *st = g_ptr_array_index(sc->steps, i);
                cr_assert(st->action.kind != SCN_ACT_TIMEOUT ||
                              st->time_us == 0,
                          "seed %" PRIu64, seed);
            }
            crashes += count_kind(sc, SCN_ACT_CRASH);
        }
        scn_scenario_free(sc);
    }
    cr_assert_gt(lease_seeds, 0);
    cr_assert_gt(crashes, 0);
}

/* The bound on uncommitted bytes comes from a stream of its own: half the
 * seeds draw one, a power of two from 256 to 4096 bytes, carried by the
 * scenario's header; a campaign restricted to some fault kinds draws none. */
Test(fuzz_generator, half_the_seeds_bound_uncommitted_bytes)
{
    struct scn_fuzz_options o = short_options();
    unsigned bounded = 0;
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct scn_fuzz_swarm w;
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, &w);
        cr_assert_eq(sc->max_uncommitted, w.max_uncommitted);
        cr_assert_eq(sc->has_max_uncommitted, w.max_uncommitted != 0);
        if (w.max_uncommitted != 0) {
            bounded++;
            uint64_t b = w.max_uncommitted;
            cr_assert(b >= 256 && b <= 4096 && (b & (b - 1)) == 0,
                      "seed %" PRIu64 ": %" PRIu64, seed, b);
        }
        scn_scenario_free(sc);
    }
    cr_assert(bounded >= 15 && bounded <= 45, "%u of 60", bounded);
    cr_assert(scn_fuzz_faults_parse("drop,delay", &o.faults, NULL));
    for (uint64_t seed = 1; seed <= 20; seed++) {
        struct scn_fuzz_swarm w;
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, &w);
        cr_assert_eq(w.max_uncommitted, 0);
        scn_scenario_free(sc);
    }
}

/* Whether a CHANGE step removes a node (alone or in a joint change). */
static bool removes(const struct scn_action *a)
{
    for (size_t k = 0; a->kind == SCN_ACT_CHANGE && k < a->change_count; k++)
        if (a->changes[k].kind == SCN_CHANGE_REMOVE)
            return true;
    return false;
}

Test(fuzz_generator, membership_draws_spares_changes_and_transfers_safely)
{
    struct scn_fuzz_options o = short_options();
    o.faults = (1u << SCN_FUZZ_MEMBERSHIP) | (1u << SCN_FUZZ_TRANSFER);
    unsigned with_spares = 0, changes = 0, transfers = 0, joint = 0;
    unsigned removals = 0;
    for (uint64_t seed = 1; seed <= 200; seed++) {
        struct scn_fuzz_swarm w;
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, &w);
        cr_assert_eq(sc->spare, w.spares);
        if (w.on[SCN_FUZZ_MEMBERSHIP])
            cr_assert(w.prevote || w.checkquorum, "seed %" PRIu64, seed);
        with_spares += sc->spare > 0;
        bool explicit_open = false;
        for (guint i = 0; i < sc->steps->len; i++) {
            const struct scn_action *a =
                &((struct scn_step *)sc->steps->pdata[i])->action;
            changes += a->kind == SCN_ACT_CHANGE;
            transfers += a->kind == SCN_ACT_TRANSFER;
            joint += a->kind == SCN_ACT_CHANGE && a->change_count > 1;
            /* A removed node that never learns it committed, or a spare
             * whose addition a new leader truncated, campaigns: only
             * PreVote or CheckQuorum keep it harmless (§4.2.3). */
            if (a->kind == SCN_ACT_CHANGE || a->kind == SCN_ACT_LEAVE_JOINT)
                cr_assert(w.prevote || w.checkquorum, "seed %" PRIu64, seed);
            removals += removes(a);
            /* leave-joint only after a joint-explicit change. */
            if (a->kind == SCN_ACT_LEAVE_JOINT) {
                cr_assert(explicit_open, "seed %" PRIu64, seed);
                explicit_open = false;
            }
            if (a->kind == SCN_ACT_CHANGE &&
                a->transition == SCN_TRANSITION_JOINT_EXPLICIT)
                explicit_open = true;
        }
        scn_scenario_free(sc);
    }
    cr_assert_gt(with_spares, 50);
    cr_assert_gt(changes, 100);
    cr_assert_gt(transfers, 50);
    cr_assert_gt(joint, 10);
    cr_assert_gt(removals, 20);
}

Test(fuzz_generator, fault_names_parse_and_unknown_ones_are_refused)
{
    uint32_t mask = 7;
    char *bad = NULL;
    cr_assert(scn_fuzz_faults_parse(
        "drop,delay,duplicate,reorder,partition,cut,crash,pause,drift,disk,"
        "mass-crash,restart-storm,reelection,vote-crash,trigger,membership,"
        "transfer,churn",
        &mask, &bad));
    cr_assert_eq(mask, SCN_FUZZ_ALL_FAULTS);
    cr_assert(!scn_fuzz_faults_parse("crash,meteor", &mask, &bad));
    cr_assert_str_eq(bad, "meteor");
    cr_assert_eq(mask, SCN_FUZZ_ALL_FAULTS);
    g_free(bad);
    bad = NULL;
    cr_assert(!scn_fuzz_faults_parse("", &mask, &bad));
    cr_assert_not_null(bad);
    g_free(bad);
    cr_assert_str_eq(scn_fuzz_fault_name(SCN_FUZZ_PAUSE), "pause");
}

Test(fuzz_generator, printed_scenario_round_trips)
{
    struct scn_fuzz_options o = short_options();
    for (uint64_t seed = 1; seed <= 60; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        char *text = sh_print(sc);
        struct scn_scenario *back = sh_parse(text);
        cr_assert(scn_scenario_equal(sc, back), "seed %" PRIu64 ":\n%s", seed,
                  text);
        char *again = sh_print(back);
        cr_assert_str_eq(text, again);
        g_free(again);
        g_free(text);
        scn_scenario_free(back);
        scn_scenario_free(sc);
    }
}

Test(fuzz_generator, printed_scenario_replays_to_the_same_trace_hash)
{
    struct scn_fuzz_options o = short_options();
    for (uint64_t seed = 1; seed <= 25; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        struct scn_fuzz_verdict direct = {0}, replay = {0};
        cr_assert_eq(scn_fuzz_run(sc, &direct), SCN_OK);
        char *text = sh_print(sc);
        struct scn_scenario *back = sh_parse(text);
        cr_assert_eq(scn_fuzz_run(back, &replay), SCN_OK);
        cr_assert_eq(direct.trace_hash, replay.trace_hash, "seed %" PRIu64,
                     seed);
        cr_assert_eq(direct.events, replay.events);
        cr_assert_eq(direct.passed, replay.passed);
        cr_assert(direct.passed, "seed %" PRIu64 ": %s: %s", seed,
                  direct.property, direct.detail);
        cr_assert_eq(direct.seed, seed);
        cr_assert_eq(direct.end_us, sc->run_us);
        scn_fuzz_verdict_clear(&direct);
        scn_fuzz_verdict_clear(&replay);
        g_free(text);
        scn_scenario_free(back);
        scn_scenario_free(sc);
    }
}

Test(fuzz_generator, reproducer_text_parses_to_the_same_scenario)
{
    struct scn_fuzz_options o = short_options();
    struct scn_fuzz_swarm w;
    struct scn_scenario *sc = scn_fuzz_generate(9, &o, &w);
    struct scn_fuzz_verdict v = {0};
    cr_assert_eq(scn_fuzz_run(sc, &v), SCN_OK);
    GString *text = g_string_new(NULL);
    scn_fuzz_reproducer(sc, &o, &w, &v, text);
    cr_assert(g_str_has_prefix(text->str, "# fuzz-9.scn: "));
    char *hash = g_strdup_printf("# Trace hash %016" PRIx64 " ", v.trace_hash);
    cr_assert_not_null(strstr(text->str, hash), "%s", text->str);
    cr_assert_not_null(strstr(text->str,
                              "--seed-from 9 --seeds 1 --nodes 5 "
                              "--time 3s\n"));
    cr_assert_not_null(strstr(text->str, "\nseed 9\n"));
    struct scn_scenario *back = sh_parse(text->str);
    cr_assert(scn_scenario_equal(sc, back));
    cr_assert_eq(count_kind(back, SCN_ACT_EXPECT), 0);
    g_free(hash);
    g_string_free(text, TRUE);
    scn_scenario_free(back);
    scn_fuzz_verdict_clear(&v);
    scn_scenario_free(sc);
}

/* ---- the command --------------------------------------------------------- */

static char *tmp_dir;

static void make_dir(void)
{
    tmp_dir = tmp_tree_make("raftsim-fuzz-XXXXXX");
}

static void remove_dir(void)
{
    tmp_tree_remove(tmp_dir);
}

/* The lines of `out` that start with "seed " (the per-seed verdicts of
 * --verbose), as one string. */
static char *seed_lines(const char *out)
{
    GString *s = g_string_new(NULL);
    char **lines = g_strsplit(out, "\n", -1);
    for (size_t i = 0; lines[i]; i++)
        if (g_str_has_prefix(lines[i], "seed "))
            g_string_append_printf(s, "%s\n", lines[i]);
    g_strfreev(lines);
    return g_string_free(s, FALSE);
}

/* A seed's verdict line from --verbose output, sorted merging of shards. */
static gint compare_seed_lines(gconstpointer a, gconstpointer b)
{
    guint64 x = g_ascii_strtoull(*(char *const *)a + 5, NULL, 10);
    guint64 y = g_ascii_strtoull(*(char *const *)b + 5, NULL, 10);
    return x < y ? -1 : x > y;
}

TestSuite(fuzz_command, .init = make_dir, .fini = remove_dir, .timeout = 120);

Test(fuzz_command, correct_core_passes_a_short_campaign)
{
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "120", "--time", "3s",
                                    "--jobs", "2", "--out", tmp_dir, NULL});
    cr_assert_eq(o.status, 0, "stdout: %s\nstderr: %s", o.out, o.err);
    cr_assert(g_str_has_prefix(o.out,
                               "fuzz: seeds 1..120 (120 to run), 5 "
                               "nodes, 3s each, 2 jobs\n"),
              "%s", o.out);
    cr_assert_not_null(strstr(o.out,
                              "\nPASS 120 seeds run, 120 passed, 0 "
                              "failed, "),
                       "%s", o.out);
    /* 3s of faults and the 4s liveness phase, 120 times. */
    cr_assert_not_null(strstr(o.out, "simulated 840.000s in "), "%s", o.out);
    /* Not a terminal: progress (every 10s of wall time, so present or not
     * depending on the machine and the build) comes as plain lines on
     * stderr, never redrawn in place, and nothing on stdout is redrawn. */
    cr_assert_null(strchr(o.err, '\r'), "%s", o.err);
    cr_assert_null(strchr(o.out, '\r'));
    cr_assert_null(strchr(o.out, '\033'));
    program_outcome_clear(&o);
}

Test(fuzz_command, verdicts_and_hashes_do_not_depend_on_jobs_or_reruns)
{
    const char *base[] = {"fuzz",  "--seeds",      "40",     "--seed-from",
                          "500",   "--time",       "2s",     "--verbose",
                          "--out", NULL /* dir */, "--jobs", NULL /* J */,
                          NULL};
    base[9] = tmp_dir;
    base[11] = "1";
    struct program_outcome one = program_run("raftsim", base);
    struct program_outcome again = program_run("raftsim", base);
    base[11] = "2";
    struct program_outcome two = program_run("raftsim", base);
    cr_assert_eq(one.status, 0, "%s", one.out);
    char *l1 = seed_lines(one.out);
    char *la = seed_lines(again.out);
    char *l2 = seed_lines(two.out);
    cr_assert(g_str_has_prefix(l1, "seed 500 pass trace "), "%s", l1);
    char **split = g_strsplit(l1, "\n", -1);
    cr_assert_eq(g_strv_length(split), 41); /* 40 lines and the empty tail */
    g_strfreev(split);
    cr_assert_str_eq(l1, la);
    cr_assert_str_eq(l1, l2);
    g_free(l1);
    g_free(la);
    g_free(l2);
    program_outcome_clear(&one);
    program_outcome_clear(&again);
    program_outcome_clear(&two);
}

Test(fuzz_command, shards_partition_the_range_and_merge_to_the_whole)
{
    struct program_outcome whole = program_run(
        "raftsim",
        (const char *[]){"fuzz", "--seeds", "30", "--seed-from", "900",
                         "--time", "2s", "--verbose", "--out", tmp_dir, NULL});
    struct program_outcome s1 = program_run(
        "raftsim",
        (const char *[]){"fuzz", "--seeds", "30", "--seed-from", "900",
                         "--time", "2s", "--verbose", "--shard", "1/2",
                         "--jobs", "2", "--out", tmp_dir, NULL});
    struct program_outcome s2 = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "30", "--seed-from",
                                    "900", "--time", "2s", "--verbose",
                                    "--shard", "2/2", "--out", tmp_dir, NULL});
    cr_assert_eq(whole.status, 0);
    cr_assert_eq(s1.status, 0);
    cr_assert_eq(s2.status, 0);
    cr_assert_not_null(strstr(s1.out, "shard 1/2 (15 to run)"), "%s", s1.out);
    char *a = seed_lines(s1.out);
    char *b = seed_lines(s2.out);
    /* Shard 1 holds 900, 902, ...; shard 2 holds 901, 903, ... */
    cr_assert(g_str_has_prefix(a, "seed 900 "), "%s", a);
    cr_assert(g_str_has_prefix(b, "seed 901 "), "%s", b);
    char *joined = g_strconcat(a, b, NULL);
    char **lines = g_strsplit(joined, "\n", -1);
    guint n = g_strv_length(lines) - 1; /* the empty tail */
    cr_assert_eq(n, 30);
    GPtrArray *arr = g_ptr_array_new();
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(arr, lines[i]);
    g_ptr_array_sort(arr, compare_seed_lines);
    GString *merged = g_string_new(NULL);
    for (guint i = 0; i < n; i++)
        g_string_append_printf(merged, "%s\n", (char *)arr->pdata[i]);
    char *w = seed_lines(whole.out);
    cr_assert_str_eq(merged->str, w);
    g_free(w);
    g_string_free(merged, TRUE);
    g_ptr_array_free(arr, TRUE);
    g_strfreev(lines);
    g_free(joined);
    g_free(a);
    g_free(b);
    program_outcome_clear(&whole);
    program_outcome_clear(&s1);
    program_outcome_clear(&s2);
}

Test(fuzz_command, bad_arguments_exit_2)
{
    const char *const cases[][6] = {
        {"fuzz", "--faults", "drop,meteor", NULL},
        {"fuzz", "--shard", "0/2", NULL},
        {"fuzz", "--shard", "3/2", NULL},
        {"fuzz", "--shard", "2", NULL},
        {"fuzz", "--seeds", "0", NULL},
        {"fuzz", "--seeds", "ten", NULL},
        {"fuzz", "--time", "5", NULL},
        {"fuzz", "--nodes", "0", NULL},
        {"fuzz", "--jobs", "0", NULL},
        {"fuzz", "stray", NULL},
        {"fuzz", "--for", "0m", NULL},
        {"fuzz", "--for", "ten", NULL},
        {"fuzz", "--for", "10", NULL},
        {"fuzz", "--max-failures", "0", NULL},
        {"fuzz", "--max-memory", "ten", NULL},
        {"fuzz", "--max-events", "-1", NULL},
        {"fuzz", "--shrink-per-property", "0", NULL},
        {"fuzz", "--shrink-per-property", "two", NULL},
        {"fuzz", "--no-shrink", "--shrink-per-property", "2", NULL},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        struct program_outcome o = program_run("raftsim", cases[i]);
        cr_assert_eq(o.status, 2, "case %zu: %s", i, o.err);
        cr_assert(g_str_has_prefix(o.err, "raftsim fuzz: "), "%s", o.err);
        cr_assert_str_eq(o.out, "");
        program_outcome_clear(&o);
    }
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--faults", "drop,meteor", NULL});
    cr_assert_not_null(strstr(o.err, "unknown fault 'meteor'"), "%s", o.err);
    program_outcome_clear(&o);
}

static void failed_seeds(const char *out, GPtrArray *seeds, GPtrArray *props);

Test(fuzz_command, a_seed_over_its_event_budget_fails_as_budget_and_replays)
{
    /* 500 events is a fraction of any seed: both fail as `budget`, the
     * campaign still runs the second, and each reproducer replays to the
     * same hash and property under the same budget (no warning). */
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "2", "--time", "2s",
                                    "--max-events", "500", "--out", tmp_dir,
                                    NULL});
    cr_assert_eq(o.status, 1, "%s", o.err);
    GPtrArray *seeds = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *props = g_ptr_array_new_with_free_func(g_free);
    failed_seeds(o.out, seeds, props);
    cr_assert_eq(seeds->len, 2, "%s", o.out);
    for (guint i = 0; i < 2; i++)
        cr_assert_str_eq(g_ptr_array_index(props, i), "budget");
    cr_assert_null(strstr(o.out, "warning"), "%s", o.out);
    cr_assert_not_null(strstr(o.out, "2 seeds run, 0 passed, 2 failed"), "%s",
                       o.out);
    g_ptr_array_free(seeds, TRUE);
    g_ptr_array_free(props, TRUE);
    program_outcome_clear(&o);
}

Test(fuzz_command, max_failures_stops_at_the_nth_failure_in_seed_order)
{
    /* The broken core fails at least twice in this range: with
     * --max-failures 1 only the first failure is reported, every seed
     * before it passed, and nothing after it is reported. */
    const char *args[] = {"fuzz",   "--seed-from", BROKEN_FROM, "--seeds",
                          BROKEN_SEEDS, "--time",  "5s",        "--faults",
                          "cut",    "--jobs",      "2",         "--out",
                          tmp_dir,  "--no-shrink", "--verbose", NULL,
                          NULL,     NULL};
    struct program_outcome all = program_run(FIGURE8_MUTANT, args);
    cr_assert_eq(all.status, 1);
    GPtrArray *seeds = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *props = g_ptr_array_new_with_free_func(g_free);
    failed_seeds(all.out, seeds, props);
    cr_assert_geq(seeds->len, 2, "%s", all.out);
    args[15] = "--max-failures";
    args[16] = "1";
    struct program_outcome one = program_run(FIGURE8_MUTANT, args);
    cr_assert_eq(one.status, 1);
    GPtrArray *one_seeds = g_ptr_array_new_with_free_func(g_free);
    failed_seeds(one.out, one_seeds, props);
    cr_assert_eq(one_seeds->len, 1, "%s", one.out);
    cr_assert_str_eq(g_ptr_array_index(one_seeds, 0),
                     g_ptr_array_index(seeds, 0));
    uint64_t first = g_ascii_strtoull(BROKEN_FROM, NULL, 10);
    uint64_t failed = g_ascii_strtoull(g_ptr_array_index(seeds, 0), NULL, 10);
    char *stop = g_strdup_printf("stopped by --max-failures after %" PRIu64
                                 " of %s seeds\n",
                                 failed - first + 1, BROKEN_SEEDS);
    cr_assert_not_null(strstr(one.out, stop), "%s", one.out);
    char *after = g_strdup_printf("\nseed %" PRIu64 " ", failed + 1);
    cr_assert_null(strstr(one.out, after), "%s", one.out);
    g_free(after);
    g_free(stop);
    g_ptr_array_free(one_seeds, TRUE);
    g_ptr_array_free(seeds, TRUE);
    g_ptr_array_free(props, TRUE);
    program_outcome_clear(&one);
    program_outcome_clear(&all);
}

Test(fuzz_command, an_exhausted_wall_time_budget_reports_a_prefix_of_the_seeds)
{
    /* One second of wall time for far more seeds than fit in it: the seeds
     * sent are reported in order, 1..K, and the summary says where it
     * stopped. */
    struct program_outcome o = program_run(
        "raftsim", (const char *[]){"fuzz", "--seeds", "100000", "--time",
                                    "1s", "--for", "1s", "--out", tmp_dir,
                                    "--verbose", NULL});
    cr_assert_eq(o.status, 0, "%s", o.err);
    char **lines = g_strsplit(o.out, "\n", -1);
    uint64_t k = 0;
    for (size_t i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], "seed "))
            continue;
        char *want = g_strdup_printf("seed %" PRIu64 " pass ", k + 1);
        cr_assert(g_str_has_prefix(lines[i], want), "%s", lines[i]);
        g_free(want);
        k++;
    }
    g_strfreev(lines);
    cr_assert_gt(k, 0);
    cr_assert_lt(k, 100000);
    char *stop = g_strdup_printf(
        "fuzz: stopped by --for after %" PRIu64 " of 100000 seeds\n", k);
    cr_assert_not_null(strstr(o.out, stop), "%s", o.out);
    g_free(stop);
    program_outcome_clear(&o);
}

/* The seeds of the "FAIL seed N: PROPERTY at ..." lines of `out`, in order,
 * with their properties. */
static void failed_seeds(const char *out, GPtrArray *seeds, GPtrArray *props)
{
    char **lines = g_strsplit(out, "\n", -1);
    for (size_t i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], "FAIL seed "))
            continue;
        const char *p = lines[i] + strlen("FAIL seed ");
        const char *colon = strstr(p, ": ");
        cr_assert_not_null(colon, "%s", lines[i]);
        const char *at = strstr(colon, " at ");
        cr_assert_not_null(at, "%s", lines[i]);
        g_ptr_array_add(seeds, g_strndup(p, (gsize)(colon - p)));
        g_ptr_array_add(props, g_strndup(colon + 2, (gsize)(at - colon - 2)));
    }
    g_strfreev(lines);
}

Test(fuzz_command, figure8_mutant_is_caught_and_its_reproducer_replays)
{
    struct program_outcome o = program_run(
        FIGURE8_MUTANT,
        (const char *[]){"fuzz", "--seed-from", BROKEN_FROM, "--seeds",
                         BROKEN_SEEDS, "--time", "5s", "--faults", "cut",
                         "--jobs", "2", "--no-shrink", "--out", tmp_dir,
                         NULL});
    cr_assert_eq(o.status, 1, "stdout: %s\nstderr: %s", o.out, o.err);
    cr_assert_null(strstr(o.out, "warning"), "%s", o.out);
    GPtrArray *seeds = g_ptr_array_new_with_free_func(g_free);
    GPtrArray *props = g_ptr_array_new_with_free_func(g_free);
    failed_seeds(o.out, seeds, props);
    /* Found when the range was chosen: 2421 and 2513, both Figure 8. */
    cr_assert_geq(seeds->len, 1, "%s", o.out);
    char *summary = g_strdup_printf("%u passed, %u failed, ", 100u - seeds->len,
                                    seeds->len);
    cr_assert_not_null(strstr(o.out, summary), "%s", o.out);
    for (guint i = 0; i < seeds->len; i++) {
        const char *seed = g_ptr_array_index(seeds, i);
        const char *property = g_ptr_array_index(props, i);
        cr_assert_str_eq(property, "leader-completeness");
        char *base = g_strdup_printf("fuzz-%s.scn", seed);
        char *file = g_build_filename(tmp_dir, base, NULL);
        cr_assert(g_file_test(file, G_FILE_TEST_IS_REGULAR), "%s", file);

        struct program_outcome broken = program_run(
            FIGURE8_MUTANT, (const char *[]){"run", "--quiet", file, NULL});
        cr_assert_eq(broken.status, 1, "%s", broken.out);
        char *expect = g_strdup_printf("safety violation: %s: ", property);
        cr_assert_not_null(strstr(broken.out, expect), "%s", broken.out);

        /* The full report shows the trace hash the file records. */
        char *text = NULL;
        cr_assert(g_file_get_contents(file, &text, NULL, NULL));
        const char *h = strstr(text, "# Trace hash ");
        cr_assert_not_null(h, "%s", text);
        char *hash = g_strndup(h + strlen("# Trace hash "), 16);
        struct program_outcome full =
            program_run(FIGURE8_MUTANT, (const char *[]){"run", file, NULL});
        cr_assert_eq(full.status, 1);
        char *line = g_strdup_printf("Trace hash      %s\n", hash);
        cr_assert_not_null(strstr(full.out, line), "want %s in:\n%s", line,
                           full.out);
        g_free(line);
        program_outcome_clear(&full);

        /* The reproducer records that hash and the build that found it;
         * the correct core runs it differently and says so. */
        char *record = g_strdup_printf("\ntrace-hash %s by \"raftsim ", hash);
        cr_assert_not_null(strstr(text, record), "%s", text);
        g_free(record);
        struct program_outcome fixed = program_run(
            "raftsim", (const char *[]){"run", "--quiet", file, NULL});
        cr_assert_eq(fixed.status, 0, "%s", fixed.out);
        char *pass = g_strdup_printf(
            "PASS %s (trace hash differs from the reproducer's: another "
            "build, or the bug is fixed)\n",
            file);
        cr_assert_str_eq(fixed.out, pass);

        g_free(hash);
        g_free(text);
        g_free(pass);
        g_free(expect);
        program_outcome_clear(&fixed);
        program_outcome_clear(&broken);
        g_free(file);
        g_free(base);
    }
    g_free(summary);
    g_ptr_array_free(seeds, TRUE);
    g_ptr_array_free(props, TRUE);
    program_outcome_clear(&o);
}
