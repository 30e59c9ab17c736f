/* test_sim_standing.c: the standing's version (sim_standing_version())
 * and what is kept while it stays the same: the current leader's memo
 * (sim_current_leader()) and a settle's last judgment (scn_settle.h).
 *
 * Fuzz seeds, whose schedules crash, restart, pause, partition, cut and
 * change the membership, are run with the runner's tick every 250us;
 * at each tick the test reads the engine's public queries and judges two
 * copies of the liveness phase's condition from the settle's time on,
 * one of them with its kept judgment dropped before every judgment. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_error.h"
#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_run.h"
#include "scenarios/lang/scn_settle.h"
#include "sim/sim.h"

#define TICK_US 1000

/* Everything the standing's version covers, as the public queries say. */
struct view
{
    uint32_t n;
    bool alive[SIM_MAX_NODES + 1];
    bool paused[SIM_MAX_NODES + 1];
    enum raft_role role[SIM_MAX_NODES + 1];
    uint64_t term[SIM_MAX_NODES + 1];
    uint64_t leader_of[SIM_MAX_NODES + 1];
    /* Voters, outgoing voters and learners back to back, and counts. */
    uint64_t conf[SIM_MAX_NODES + 1][3 * SIM_MAX_NODES];
    size_t conf_n[SIM_MAX_NODES + 1][3];
    bool connected[SIM_MAX_NODES + 1][SIM_MAX_NODES + 1];
    uint32_t current_leader;
};

struct probe
{
    uint64_t settle_us; /* the settle's time */
    struct scn_settle kept, fresh;
    struct view last;
    uint64_t last_version; /* 0: no view yet */
    uint64_t same, moved;  /* ticks with the version unchanged, moved */
    uint64_t judged, passed_kept, kept_reused;
    /* A third copy, judged only at the ticks where what
     * scn_settle_quiet_until() promised after its last judgment no longer
     * holds (the standing's version or the completed requests moved, or
     * the promised instant came): what the runner's quiet observer skips. */
    struct scn_settle quiet;
    bool quiet_known;
    uint64_t quiet_version, quiet_completed, quiet_until_us;
    uint64_t quiet_skipped;
};

static void read_view(const struct sim *s, struct view *v)
{
    memset(v, 0, sizeof(*v));
    v->n = sim_n_nodes(s);
    for (uint32_t id = 1; id <= v->n; id++) {
        v->alive[id] = sim_alive(s, id);
        v->paused[id] = sim_paused(s, id);
        v->role[id] = sim_role(s, id);
        v->term[id] = sim_term(s, id);
        v->leader_of[id] = sim_leader_of(s, id);
        struct raft_configuration c;
        uint64_t index;
        if (sim_node_config(s, id, &c, &index)) {
            uint64_t *p = v->conf[id];
            memcpy(p, c.voters, c.n_voters * sizeof(*p));
            memcpy(p + c.n_voters, c.outgoing, c.n_outgoing * sizeof(*p));
            memcpy(p + c.n_voters + c.n_outgoing, c.learners,
                   c.n_learners * sizeof(*p));
            v->conf_n[id][0] = c.n_voters;
            v->conf_n[id][1] = c.n_outgoing;
            v->conf_n[id][2] = c.n_learners;
        }
        for (uint32_t to = 1; to <= v->n; to++)
            v->connected[id][to] = sim_connected(s, id, to);
    }
    v->current_leader = sim_current_leader(s);
}

/* Whether a majority of ids[0..n) hears `a` and is heard by it. */
static bool majority_linked(const struct view *v,
                            uint32_t a,
                            const uint64_t *ids,
                            size_t n)
{
    size_t reach = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t b = ids[i];
        if (b < 1 || b > v->n)
            continue;
        reach += b == a || (v->alive[b] && v->connected[a][b] &&
                            v->connected[b][a]);
    }
    return reach >= n / 2 + 1;
}

/* The current leader as sim.h defines it, from the view alone. */
static uint32_t leader_by_definition(const struct view *v)
{
    uint32_t best = 0;
    for (uint32_t a = 1; a <= v->n; a++) {
        if (!v->alive[a] || v->role[a] != RAFT_LEADER)
            continue;
        const uint64_t *voters = v->conf[a];
        const uint64_t *outgoing = voters + v->conf_n[a][0];
        if (!majority_linked(v, a, voters, v->conf_n[a][0]) ||
            (v->conf_n[a][1] &&
             !majority_linked(v, a, outgoing, v->conf_n[a][1])))
            continue;
        if (best == 0 || v->term[a] > v->term[best])
            best = a;
    }
    return best;
}

/* Judges the quiet copy unless its last judgment's promise still holds,
 * and compares it with the copy judged afresh at every tick. */
static void judge_quiet(struct probe *p,
                        const struct sim *s,
                        uint64_t time_us,
                        bool fresh)
{
    uint64_t version = sim_standing_version(s);
    uint64_t completed = sim_requests_completed(s);
    bool quiet;
    if (p->quiet_known && version == p->quiet_version &&
        completed == p->quiet_completed && time_us < p->quiet_until_us) {
        quiet = false; /* the promise: not passed, nothing changed */
        p->quiet_skipped++;
    } else {
        /* What scn_settle_tend() notes when it finds every node up (the
         * probe restarts nothing; the runner's own settle does). */
        bool up = true;
        for (uint32_t id = 1; id <= sim_n_nodes(s); id++)
            up = up && sim_alive(s, id);
        if (up)
            p->quiet.up_standing = version;
        quiet = scn_settle_judge(&p->quiet, s);
        p->quiet_known = !quiet && scn_settle_quiet_until(&p->quiet, s,
                                                          &p->quiet_until_us);
        p->quiet_version = version;
        p->quiet_completed = completed;
    }
    cr_assert_eq(quiet, fresh, "at %" PRIu64, time_us);
    cr_assert_eq(p->quiet.holding, p->fresh.holding, "at %" PRIu64, time_us);
    cr_assert_eq(p->quiet.leader, p->fresh.leader, "at %" PRIu64, time_us);
    cr_assert_eq(p->quiet.term, p->fresh.term, "at %" PRIu64, time_us);
    cr_assert_eq(p->quiet.since_us, p->fresh.since_us, "at %" PRIu64,
                 time_us);
    cr_assert_eq(p->quiet.leader_changes, p->fresh.leader_changes);
}

static void on_tick(struct sim *s, uint64_t time_us, void *ctx)
{
    struct probe *p = ctx;
    struct view v;
    read_view(s, &v);
    cr_assert_eq(v.current_leader, leader_by_definition(&v), "at %" PRIu64,
                 time_us);
    uint64_t version = sim_standing_version(s);
    cr_assert_neq(version, 0);
    if (p->last_version != 0) {
        cr_assert_geq(version, p->last_version);
        if (version == p->last_version) {
            cr_assert(memcmp(&v, &p->last, sizeof(v)) == 0,
                      "at %" PRIu64 ": the standing moved, its version %" PRIu64
                      " did not",
                      time_us, version);
            p->same++;
        } else {
            p->moved++;
        }
    }
    memcpy(&p->last, &v, sizeof(v));
    p->last_version = version;
    if (time_us < p->settle_us)
        return;
    /* The copy judged afresh keeps nothing from its last judgment. */
    p->fresh.kept_standing = 0;
    p->kept_reused += p->kept.kept_standing == version &&
                      p->kept.kept_completed == sim_requests_completed(s);
    bool kept = scn_settle_judge(&p->kept, s);
    bool fresh = scn_settle_judge(&p->fresh, s);
    cr_assert_eq(kept, fresh, "at %" PRIu64, time_us);
    cr_assert_eq(p->kept.holding, p->fresh.holding, "at %" PRIu64, time_us);
    cr_assert_eq(p->kept.leader, p->fresh.leader, "at %" PRIu64, time_us);
    cr_assert_eq(p->kept.term, p->fresh.term, "at %" PRIu64, time_us);
    cr_assert_eq(p->kept.since_us, p->fresh.since_us, "at %" PRIu64, time_us);
    cr_assert_eq(p->kept.leader_changes, p->fresh.leader_changes);
    p->judged++;
    p->passed_kept += kept;
    judge_quiet(p, s, time_us, fresh);
}

/* Runs fuzz seeds first..last of 3 s each with the probe; returns the
 * sums. */
static struct probe run_seeds(uint64_t first, uint64_t last)
{
    struct probe sum = {0};
    struct scn_fuzz_options o;
    scn_fuzz_options_init(&o);
    o.run_us = 3000000;
    for (uint64_t seed = first; seed <= last; seed++) {
        struct scn_scenario *sc = scn_fuzz_generate(seed, &o, NULL);
        struct probe *p = g_new0(struct probe, 1);
        p->settle_us = o.run_us;
        struct scn_settle st = {
            .start_us = o.run_us,
            .end_us = sc->run_us,
            .stable_us = scn_settle_stable_us(sc),
        };
        p->kept = st;
        p->fresh = st;
        p->quiet = st;
        struct scn_run_options ro;
        scn_run_options_init(&ro);
        ro.on_tick = on_tick;
        ro.tick_every_us = TICK_US;
        ro.tick_ctx = p;
        struct scn_run_result *res = NULL;
        cr_assert_eq(scn_run(sc, &ro, &res), SCN_OK);
        cr_assert(res->passed, "seed %" PRIu64, seed);
        scn_run_result_free(res);
        scn_scenario_free(sc);
        sum.same += p->same;
        sum.moved += p->moved;
        sum.judged += p->judged;
        sum.passed_kept += p->passed_kept;
        sum.kept_reused += p->kept_reused;
        sum.quiet_skipped += p->quiet_skipped;
        g_free(p);
    }
    return sum;
}

Test(sim_standing, an_unchanged_standing_version_means_unchanged_answers)
{
    struct probe sum = run_seeds(1, 4);
    /* Most ticks change nothing the version covers; many change some. */
    cr_assert_gt(sum.same, 20000, "%" PRIu64, sum.same);
    cr_assert_gt(sum.moved, 200, "%" PRIu64, sum.moved);
}

Test(sim_standing, the_current_leader_is_its_definition_whatever_the_memo)
{
    /* on_tick compares sim_current_leader() with the definition at every
     * tick: the memo answers when the version is the one it was made at. */
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.seed = 3;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    /* Cut off from both others: no longer the current leader, though the
     * core still leads until it notices. */
    uint32_t a = leader % 3 + 1, b = a % 3 + 1;
    cr_assert_eq(sim_cut(s, leader, a), SIM_OK);
    cr_assert_eq(sim_cut(s, b, leader), SIM_OK);
    cr_assert_eq(sim_role(s, leader), RAFT_LEADER);
    cr_assert_eq(sim_current_leader(s), 0);
    sim_heal(s);
    cr_assert_eq(sim_current_leader(s), leader);
    cr_assert_eq(sim_crash(s, leader), SIM_OK);
    cr_assert_eq(sim_current_leader(s), 0);
    sim_free(s);
    run_seeds(9, 10);
}

Test(sim_standing, a_settle_kept_between_changes_judges_as_one_asked_afresh)
{
    struct probe sum = run_seeds(5, 8);
    /* The condition held at some ticks, and most judgments were kept. */
    cr_assert_gt(sum.passed_kept, 1000, "%" PRIu64, sum.passed_kept);
    cr_assert_gt(sum.kept_reused, sum.judged / 2, "%" PRIu64 " of %" PRIu64,
                 sum.kept_reused, sum.judged);
}

Test(sim_standing, a_settle_left_unjudged_while_quiet_judges_as_one_asked_afresh)
{
    /* scn_settle_quiet_until()'s promise, which lets the runner skip the
     * settle's judgment after most events of the liveness phase: a copy
     * judged only where the promise no longer holds answers, at every
     * tick, as the copy judged afresh; and many ticks were skipped (4,350
     * of 16,004 here: the fuzz load's requests complete through the
     * phase, which ends a promise). */
    struct probe sum = run_seeds(5, 8);
    cr_assert_gt(sum.quiet_skipped, sum.judged / 5,
                 "%" PRIu64 " of %" PRIu64, sum.quiet_skipped, sum.judged);
}
