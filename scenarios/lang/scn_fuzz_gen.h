/* scn_fuzz_gen.h: the schedule under construction, shared by the files of
 * the fuzz generator (scn_fuzz.c, scn_fuzz_faults.c); not a public API.
 *
 * Invariant: the plan only ever holds steps that the model says can run:
 * a node is crashed only while up, restarted only while down, paused or
 * nudged only while up; a node reserved until T (a `timeout` planned for
 * T) is not crashed before T. Every draw comes from the generator's one
 * stream `r`, in the order the schedule is built.
 */
#ifndef SCN_FUZZ_GEN_H
#define SCN_FUZZ_GEN_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_sort.h"
#include "sim/sim_rng.h"

/* A node's place in the configuration the operator's requests planned so
 * far lead to (the model assumes they are accepted in order). */
enum scn_fuzz_member {
    SCN_FUZZ_OUTSIDE = 0, /* a spare, or removed */
    SCN_FUZZ_VOTER,
    SCN_FUZZ_LEARNER,
};

/* The generator's state while it plans one seed's schedule. */
struct scn_fuzz_gen
{
    struct sim_rng *r;
    const struct scn_fuzz_options *o;
    /* The scenario being made: its blocks hold the planned steps. */
    struct scn_scenario *sc;
    const struct scn_fuzz_swarm *w;
    /* The steps planned so far, in creation order: key the step's time,
     * item the step (kept in a block of sc, in sc->steps once gen_finish()
     * moves it there).
     * A stable sort by time gives the order (time, creation) the model
     * assumed. */
    struct scn_keyed *plan;
    size_t n_plan, plan_cap;
    uint64_t end_us; /* steps stay strictly before this */
    /* Per node (index id-1): when its restart runs (0: up from the start,
     * UINT64_MAX: never) and until when it is paused. */
    uint64_t *up_at_us;
    uint64_t *paused_until_us;
    /* Until when a planned `timeout` needs the node up: no crash before. */
    uint64_t *reserved_until_us;
    uint32_t *scratch;                   /* n node ids */
    uint64_t delay_us_min, delay_us_max; /* the starting delay */
    /* The starting loss, duplication and reordering probabilities. */
    uint32_t drop_ppm, duplicate_ppm, reorder_ppm;
    /* A leader churn owns the network until then: no other change. */
    uint64_t calm_until_us;
    uint64_t value_seq;
    /* Membership: every node 1..n_all (the cluster and its spares; the
     * arrays above have n_all slots, faults use 1..o->nodes only), its
     * place in the planned configuration, and until when a `change
     * joint-explicit` waits for its `leave-joint`. */
    uint32_t n_all;
    enum scn_fuzz_member *member;
    uint64_t joint_until_us;
};

/* Draws the read mode of `seed`'s swarm into *w (already drawn from the
 * main stream under `o`), from a stream of its own, so that the rest of a
 * seed's schedule does not depend on it, and switches off what a lease read
 * cannot survive (scn_fuzz_gen.c). */
void scn_fuzz_draw_reads(uint64_t seed,
                         const struct scn_fuzz_options *o,
                         struct scn_fuzz_swarm *w);

/* Lease seeds with drift: a node campaigns at time 0, its clock slows to
 * 0.25x, it is isolated, the others elect a successor and take a write, and
 * the isolated node is asked lease gets of the written key while a lease
 * that ignored the drift bound would still run. Drawn from a stream of its
 * own; needs 3 nodes and a faulty part of 2s. */
void scn_fuzz_gen_slow_leader(struct scn_fuzz_gen *g, uint64_t seed);

/* Uniform in [lo, hi]. */
uint64_t scn_fuzz_draw(struct sim_rng *r, uint64_t lo, uint64_t hi);

/* True with probability num/den. */
bool scn_fuzz_coin(struct sim_rng *r, uint64_t num, uint64_t den);

/* A reference to the concrete node `node`. */
struct scn_node_ref scn_fuzz_node(uint32_t node);

/* `prefix` then n in decimal, in a new string ("k3", "v17"): the name of
 * a key or a value, as "%c%" PRIu64 would print it. */
char *scn_fuzz_word(char prefix, uint64_t n);

/* The same word as a's key (`value` false) or value (true), which must be
 * NULL, kept where scn_action_set_text() keeps it (most often in a's
 * room, without a block of its own). */
void scn_fuzz_set_word(struct scn_action *a, bool value, char prefix, uint64_t n);

/* Adds a step of `kind` at `time_us`; returns its action to fill, or NULL
 * (and adds nothing) when time_us is not before the end. */
struct scn_action *scn_fuzz_plan(struct scn_fuzz_gen *g,
                                 uint64_t time_us,
                                 enum scn_action_kind kind);

/* Whether `node` is up (not crashed) at t, by the model. */
bool scn_fuzz_up(const struct scn_fuzz_gen *g, uint32_t node, uint64_t t);

/* How many nodes are down at t. */
uint32_t scn_fuzz_down_count(const struct scn_fuzz_gen *g, uint64_t t);

/* A node uniformly among those that are up at t (and not paused at t when
 * `unpaused`); 0 when there is none. */
uint32_t scn_fuzz_pick_up(struct scn_fuzz_gen *g, uint64_t t, bool unpaused);

/* Milliseconds in [lo_ms, hi_ms] as microseconds. */
uint64_t scn_fuzz_draw_ms(struct scn_fuzz_gen *g, uint64_t lo_ms, uint64_t hi_ms);

/* Burst writes cycle through this many keys (b0..b63): a key is written
 * again only long after its last write completed, so the linearizability
 * check stays cheap, and the key-value state (which every snapshot
 * serializes) stays small. */
#define SCN_FUZZ_BURST_KEYS 64u

/* A burst of `count` scripted writes, to consecutive keys of the cycle,
 * sent to `node` from t, one every `every_us`. */
void scn_fuzz_burst_via(struct scn_fuzz_gen *g,
                        uint64_t t,
                        uint64_t count,
                        uint64_t every_us,
                        uint32_t node);

/* The episodes of scn_fuzz_faults.c, each planned from time t. */
void scn_fuzz_gen_mass_crash(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_restart_storm(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_reelection(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_vote_crash(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_disk(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_trigger(struct scn_fuzz_gen *g, uint64_t t);
/* Leader churn: drawn by `cut` (own false) and as the `churn` kind. */
void scn_fuzz_gen_churn(struct scn_fuzz_gen *g, uint64_t t, bool own);
/* scn_fuzz_member.c */
void scn_fuzz_gen_membership(struct scn_fuzz_gen *g, uint64_t t);
void scn_fuzz_gen_transfer(struct scn_fuzz_gen *g, uint64_t t);

#endif /* SCN_FUZZ_GEN_H */
