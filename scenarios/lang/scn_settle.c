/* scn_settle.c: the liveness phase of `settle` (see scn_settle.h).
 *
 * Invariant: while `holding` is set, the condition of scn_settle.h has held
 * after every event since `since_us` with the same leader and term; any
 * event after which it fails, or holds with another leader or term, starts
 * the stretch again.
 */
#include "scenarios/lang/scn_settle.h"

#include <inttypes.h>
#include <string.h>

#include "scenarios/lang/scn_print.h"
#include "scenarios/lang/scn_run.h"
#include "sim/sim_time_text.h"

uint64_t scn_settle_deadline_us(const struct scn_scenario *scenario,
                                const struct scn_step *step)
{
    uint64_t d = step->action.duration_us;
    return step->time_us + (d ? d : scn_settle_bound_us(scenario));
}

/* Keeps the first error of a series of engine calls. */
static void keep_error(int *first, int rc)
{
    if (*first == SIM_OK && rc != SIM_OK)
        *first = rc;
}

/* Marks ids[0..n) that are nodes of `s` in set[]. */
static void mark_ids(const struct sim *s,
                     bool *set,
                     const uint64_t *ids,
                     size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 1 && ids[i] <= sim_n_nodes(s))
            set[ids[i]] = true;
}

/* Which crashed nodes settle restarts: the members of the configuration
 * (sim_cluster_config()), so that a removed node stays down (restarted
 * with a stale configuration it would campaign and disrupt the cluster,
 * thesis §4.2.3); and every voter (of either half) of the configuration
 * of a live voter of it, since that voter needs their votes to be elected:
 * a voter that has not yet received the latest configuration entry still
 * counts a majority of the joint or previous configuration it holds, and
 * the node that entry removes may be the one that must commit it (thesis
 * §4.2.2: it campaigns while the entry is uncommitted). Left down, such a
 * node keeps the cluster leaderless for good (fuzz seed 34729: the leader
 * left a joint configuration for one without itself, reached only a
 * learner and crashed). Every node when none is up to tell the
 * configuration. */
static void restart_set(const struct sim *s, bool *member)
{
    uint32_t n = sim_n_nodes(s);
    bool up = false;
    for (uint32_t id = 1; id <= n && !up; id++)
        up = sim_alive(s, id);
    if (!up) {
        for (uint32_t id = 0; id <= n; id++)
            member[id] = true;
        return;
    }
    sim_cluster_members(s, member);
    bool voter[SIM_MAX_NODES + 1];
    sim_cluster_voters(s, voter);
    struct raft_configuration c;
    sim_cluster_config(s, &c);
    mark_ids(s, voter, c.outgoing, c.n_outgoing);
    for (uint32_t id = 1; id <= n; id++) {
        uint64_t index;
        if (!voter[id] || !sim_node_config(s, id, &c, &index))
            continue;
        mark_ids(s, member, c.voters, c.n_voters);
        mark_ids(s, member, c.outgoing, c.n_outgoing);
    }
}

int scn_settle_start(struct sim *s,
                     const struct scn_scenario *scenario,
                     const struct scn_step *step,
                     struct scn_settle *out)
{
    int rc = SIM_OK;
    sim_heal(s);
    keep_error(&rc, sim_set_drop(s, 0));
    keep_error(&rc, sim_set_duplicate(s, 0));
    keep_error(&rc, sim_set_reorder(s, 0));
    keep_error(&rc, sim_set_delay(s, scenario->delay_us_min,
                                  scenario->delay_us_max));
    uint32_t n = sim_n_nodes(s);
    for (uint32_t id = 1; id <= n; id++)
        if (sim_alive(s, id))
            keep_error(&rc, sim_resume(s, id));
    bool member[SIM_MAX_NODES + 1];
    restart_set(s, member);
    for (uint32_t id = 1; id <= n; id++)
        if (!sim_alive(s, id) && member[id])
            keep_error(&rc, sim_restart(s, id));
    struct sim_disk_latency disk = {
        .write_us_min = scenario->disk_write_us,
        .write_us_max = scenario->disk_write_us,
        .sync_us_min = scenario->disk_sync_us,
        .sync_us_max = scenario->disk_sync_us,
    };
    for (uint32_t id = 1; id <= n; id++) {
        keep_error(&rc, sim_drift(s, id, SCN_PPM_ONE));
        keep_error(&rc, sim_set_disk_latency(s, id, &disk));
    }

    *out = (struct scn_settle){
        .step = step,
        .start_us = step->time_us,
        .end_us = scn_settle_deadline_us(scenario, step),
        .stable_us = scn_settle_stable_us(scenario),
    };
    return rc;
}

/* Whether every node of `s` is up: then settle has nothing to restart. */
static bool all_up(const struct sim *s)
{
    uint32_t n = sim_n_nodes(s);
    for (uint32_t id = 1; id <= n; id++)
        if (!sim_alive(s, id))
            return false;
    return true;
}

int scn_settle_tend(struct sim *s, struct scn_settle *st)
{
    /* restart_set() only reads the run, so with every node up (after most
     * events of the phase) it need not be computed; every node found up
     * stays up while the standing's version stays the same. */
    if (st->done)
        return SIM_OK;
    uint64_t version = sim_standing_version(s);
    if (st->up_standing == version)
        return SIM_OK;
    if (all_up(s)) {
        st->up_standing = version;
        return SIM_OK;
    }
    int rc = SIM_OK;
    bool member[SIM_MAX_NODES + 1];
    restart_set(s, member);
    uint32_t n = sim_n_nodes(s);
    for (uint32_t id = 1; id <= n; id++)
        if (!sim_alive(s, id) && member[id])
            keep_error(&rc, sim_restart(s, id));
    return rc;
}

/* Marks in member[0..n] the nodes that `c` names (voters of both halves
 * and learners): sim_cluster_members() of a cluster whose configuration
 * is c. */
static void mark_members(const struct sim *s,
                         const struct raft_configuration *c,
                         bool *member)
{
    memset(member, 0, (sim_n_nodes(s) + 1) * sizeof(*member));
    mark_ids(s, member, c->voters, c->n_voters);
    mark_ids(s, member, c->outgoing, c->n_outgoing);
    mark_ids(s, member, c->learners, c->n_learners);
}

/* Whether a request issued at or before the start is still pending. Once
 * the clock is past the start, a client found without such a request never
 * has one again (sim_client_pending_before()), so the search resumes from
 * the first client that still had one. */
static bool requests_pending(struct scn_settle *st, const struct sim *s)
{
    if (st->pending_from == UINT32_MAX)
        return false;
    uint32_t id =
        sim_client_pending_before(s, st->start_us + 1, st->pending_from);
    if (sim_now(s) > st->start_us)
        st->pending_from = id != 0 ? id : UINT32_MAX;
    return id != 0;
}

/* settled_leader() asked afresh. */
static uint32_t settled_leader_now(struct scn_settle *st, const struct sim *s)
{
    /* The cheapest part first (a pending request is usually the same
     * client's as after the last event). Every part only reads the run
     * (the pending search remembers where it stopped, true whenever it is
     * asked), so their order changes no answer. */
    if (requests_pending(st, s))
        return 0;
    uint32_t leader = sim_current_leader(s);
    if (leader == 0)
        return 0;
    uint64_t term = sim_term(s, leader);
    uint32_t n = sim_n_nodes(s);
    /* The members of the leader's configuration (what
     * sim_cluster_members() reads when there is a leader): a spare or a
     * removed node hears from no leader. */
    struct raft_configuration c;
    uint64_t index;
    bool member[SIM_MAX_NODES + 1];
    sim_node_config(s, leader, &c, &index);
    mark_members(s, &c, member);
    for (uint32_t id = 1; id <= n; id++)
        if (member[id] && !sim_in_step_with(s, id, leader, term))
            return 0;
    return leader;
}

/* The leader every node is in step with, or 0 when the cluster is not in
 * that state (or requests issued by the start are still pending). The
 * answer after an event past the start is kept: the leader's part reads
 * only what the standing's version covers (sim_current_leader(),
 * sim_term(), sim_node_config(), sim_in_step_with()); a request issued
 * after the start is not asked about, and one issued by it stops being
 * pending only by completing, which sim_requests_completed() counts. So
 * while both numbers are the ones seen, so is the answer. */
static uint32_t settled_leader(struct scn_settle *st, const struct sim *s)
{
    uint64_t version = sim_standing_version(s);
    uint64_t completed = sim_requests_completed(s);
    if (st->kept_standing == version && st->kept_completed == completed)
        return st->kept_leader;
    uint32_t leader = settled_leader_now(st, s);
    if (sim_now(s) > st->start_us) {
        st->kept_standing = version;
        st->kept_completed = completed;
        st->kept_leader = leader;
    }
    return leader;
}

bool scn_settle_judge(struct scn_settle *st, const struct sim *s)
{
    if (st->done)
        return false;
    uint64_t now = sim_now(s);
    uint32_t leader = settled_leader(st, s);
    if (leader == 0) {
        st->holding = false;
        return false;
    }
    uint64_t term = sim_term(s, leader);
    if (!st->holding || st->leader != leader || st->term != term) {
        st->holding = true;
        st->leader = leader;
        st->term = term;
        st->since_us = now;
        st->leader_changes++;
    }
    return now - st->since_us >= st->stable_us;
}

/* See scn_settle.h: whether the next judgments are known in advance. */
bool scn_settle_quiet_until(const struct scn_settle *st,
                            const struct sim *s,
                            uint64_t *until_us)
{
    uint64_t version = sim_standing_version(s);
    /* tend returns at once while every node found up at this version
     * stays so (up_standing); settled_leader() returns the kept leader
     * while the version and the completed requests are those it kept
     * (kept_standing 0: none; versions start at 1), and judge found that
     * very leader a moment ago, so it only compares the time. */
    if (st->done || st->up_standing != version || st->kept_standing == 0 ||
        st->kept_standing != version ||
        st->kept_completed != sim_requests_completed(s) ||
        st->holding != (st->kept_leader != 0) ||
        (st->holding && st->leader != st->kept_leader))
        return false;
    if (!st->holding)
        *until_us = UINT64_MAX;
    else if (st->stable_us > UINT64_MAX - st->since_us)
        *until_us = UINT64_MAX;
    else
        *until_us = st->since_us + st->stable_us;
    return true;
}

/* Appends the first thing that keeps node `id` out of step with `leader`
 * of `term`, or nothing. */
static bool explain_node(const struct sim *s,
                         uint32_t id,
                         uint32_t leader,
                         uint64_t term,
                         GString *out)
{
    if (!sim_alive(s, id)) {
        g_string_append_printf(out, "n%" PRIu32 " is down", id);
    } else if (sim_paused(s, id)) {
        g_string_append_printf(out, "n%" PRIu32 " is paused", id);
    } else if (sim_term(s, id) != term) {
        g_string_append_printf(out, "n%" PRIu32 " is in term %" PRIu64, id,
                               sim_term(s, id));
    } else if (id != leader && sim_leader_of(s, id) != leader) {
        uint64_t l = sim_leader_of(s, id);
        if (l)
            g_string_append_printf(out, "n%" PRIu32 " follows n%" PRIu64, id,
                                   l);
        else
            g_string_append_printf(out, "n%" PRIu32 " knows no leader", id);
    } else {
        return false;
    }
    return true;
}

void scn_settle_explain(const struct scn_settle *st,
                        const struct sim *s,
                        GString *out)
{
    g_string_append(out, "no stable leader within ");
    sim_time_text_duration(out, st->end_us - st->start_us);
    g_string_append(out, " of settling at ");
    sim_time_text_human(out, st->start_us);
    g_string_append(out, ": ");
    uint32_t leader = sim_current_leader(s);
    if (leader == 0) {
        g_string_append_printf(out, "no leader (highest term %" PRIu64 ")",
                               sim_max_term(s));
    } else {
        uint64_t term = sim_term(s, leader);
        g_string_append_printf(out, "n%" PRIu32 " leads term %" PRIu64,
                               leader, term);
        const char *sep = " but ";
        bool member[SIM_MAX_NODES + 1];
        sim_cluster_members(s, member);
        for (uint32_t id = 1; id <= sim_n_nodes(s); id++) {
            if (!member[id])
                continue;
            size_t at = out->len;
            g_string_append(out, sep);
            if (explain_node(s, id, leader, term, out))
                sep = ", ";
            else
                g_string_truncate(out, at);
        }
    }
    uint64_t pending = sim_requests_pending_before(s, st->start_us + 1);
    if (pending) {
        g_string_append_printf(out, "; %" PRIu64 " request%s issued by ",
                               pending, pending == 1 ? "" : "s");
        sim_time_text_human(out, st->start_us);
        g_string_append_printf(out, " still pending");
    }
    if (st->holding) {
        g_string_append(out, "; in step only since ");
        sim_time_text_human(out, st->since_us);
    }
    g_string_append_printf(out, " (%" PRIu64 " leader%s in step since ",
                           st->leader_changes,
                           st->leader_changes == 1 ? "" : "s");
    sim_time_text_human(out, st->start_us);
    g_string_append_c(out, ')');
}
