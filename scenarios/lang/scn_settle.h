/* scn_settle.h: the `settle` extension statement, the liveness phase.
 *
 * `at T settle [within D]` ends every fault at T and then demands progress.
 * At T, in this order: every `when` trigger still armed is disarmed (the
 * runner does this, scn_triggers_disarm()); every partition and cut heals;
 * drop, duplicate and reorder become 0 and the delay returns to the
 * header's `delay`; every paused node resumes; every crashed node restarts
 * (in id order) that is a member of the configuration
 * (sim_cluster_config()) or a voter that the configuration of one of its
 * live voters names (that voter needs its vote to be elected, thesis
 * §4.2.2); every node when all are down: a removed node nobody needs stays
 * down; during the phase, a node of that set found down after an event (a
 * node added back, a removal undone by a new leader) restarts too
 * (scn_settle_tend()), as no fault outlives T; every clock runs at rate 1
 * again and every disk takes the header's `disk-latency` (without
 * jitter). Then, within D of T (default
 * scn_settle_bound_us()), there must be an instant from which, for
 * scn_settle_stable_us() without a break:
 * - one node leads (sim_current_leader) and keeps the same term;
 * - every member of its configuration (voter or learner; spares and
 *   removed nodes aside) is up, in that term, and knows it as its leader;
 * - every client request issued at or before T has completed.
 * The condition is judged after every event; the statement passes at the
 * first event that completes such a stable stretch and fails at T + D when
 * none was seen. Once the clock is past T, the condition's answer after an
 * event is the last one while no request completed and the cluster's
 * standing (sim_standing_version()) did not move: it is then not asked
 * again. Nothing here reads a clock or draws a random number.
 */
#ifndef SCN_SETTLE_H
#define SCN_SETTLE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "sim/sim.h"

/* One settle statement being judged. */
struct scn_settle
{
    const struct scn_step *step; /* borrowed from the scenario */
    uint64_t start_us;           /* T */
    uint64_t end_us;             /* T + D: the verdict is due by then */
    uint64_t stable_us;          /* how long the condition must hold */
    bool done;                   /* verdict given */
    bool holding;                /* the condition held after the last event */
    uint32_t leader;             /* while holding: the leader */
    uint64_t term;               /* and its term */
    uint64_t since_us;           /* and since when it has held */
    uint64_t leader_changes;     /* leaders (or terms) seen holding */
    /* Clients below this id had no request issued by start_us pending
     * after an event later than start_us, so they never have one again;
     * UINT32_MAX: no client has. 0 until the clock passes start_us. */
    uint32_t pending_from;
    /* The last judgment made after start_us, kept while what it read is
     * unchanged (scn_settle.c, settled_leader()): the standing's version
     * (sim_standing_version()) and the requests completed
     * (sim_requests_completed()) it saw, and the leader it found in step
     * (0: none); kept_standing 0: none kept. */
    uint64_t kept_standing;
    uint64_t kept_completed;
    uint32_t kept_leader;
    /* The standing's version at which every node was last found up (0:
     * none): until it moves, no node went down. */
    uint64_t up_standing;
};

/* When the settle `step` (borrowed) of `scenario` (borrowed) must have held
 * at the latest: its time plus its bound. */
uint64_t scn_settle_deadline_us(const struct scn_scenario *scenario,
                                const struct scn_step *step);

/* Performs the quiet actions of `step` (borrowed) on `s` (borrowed) at its
 * time and fills *out to judge it. Returns SIM_OK, or the first engine
 * error (which the caller reports; *out is filled all the same). */
int scn_settle_start(struct sim *s,
                     const struct scn_scenario *scenario,
                     const struct scn_step *step,
                     struct scn_settle *out);

/* While `st` (borrowed) awaits its verdict, restarts every crashed node
 * of `s` that is a member of the configuration now (the set of
 * scn_settle_start()). Called after every event, before judging. Returns
 * SIM_OK or the first engine error. */
int scn_settle_tend(struct sim *s, struct scn_settle *st);

/* Judges `st` after an event: true when the condition has now held for
 * the whole stable stretch (the statement passed). */
bool scn_settle_judge(struct scn_settle *st, const struct sim *s);

/* Right after scn_settle_tend() and scn_settle_judge() ran on `st` (both
 * borrowed) and it did not pass: whether their answers after a later event
 * are known in advance while sim_standing_version() and
 * sim_requests_completed() stay what they are now (every node up, a
 * judgment kept). Then *until_us is the first instant at which they may
 * differ (the stable stretch complete; UINT64_MAX while no leader is in
 * step): before it, tend restarts nothing and judge changes nothing and
 * answers false, so a caller may skip both. False when it cannot tell. */
bool scn_settle_quiet_until(const struct scn_settle *st,
                            const struct sim *s,
                            uint64_t *until_us);

/* Appends why `st` has not passed, as things stand on `s` (both borrowed):
 * "no stable leader within 3.6s of 10.000s: n2 leads term 9 but n4 knows no
 * leader; 2 requests issued by 10.000s are still pending". */
void scn_settle_explain(const struct scn_settle *st,
                        const struct sim *s,
                        GString *out);

#endif /* SCN_SETTLE_H */
