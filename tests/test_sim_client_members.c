/* test_sim_client_members.c: the nodes a client draws from when it sends a
 * request again (sim_client_live_members(), sim_client.c). They are found
 * without asking who leads while the configurations of all live nodes have
 * the same members, each node's members kept from one configuration
 * version of its core to the next, and the answer kept while the
 * standing's version stays; at every step they must be the live nodes
 * among sim_cluster_members(), through membership changes, crashes and
 * restarts, and whether the live nodes agree or not. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_members.h"

static void change(struct sim *s, void *ctx)
{
    const struct raft_change *c = ctx;
    cr_assert_eq(sim_operator_change(s, c, 1, RAFT_TRANSITION_AUTO, NULL, NULL),
                 SIM_OK);
}

static void crash(struct sim *s, void *ctx)
{
    cr_assert_eq(sim_crash(s, (uint32_t)(uintptr_t)ctx), SIM_OK);
}

static void restart(struct sim *s, void *ctx)
{
    cr_assert_eq(sim_restart(s, (uint32_t)(uintptr_t)ctx), SIM_OK);
}

/* How the live nodes' configurations stand now: 0 when they all have the
 * same members, 1 when they do not but the first live node's are the
 * cluster's, 2 when the first live node's are not the cluster's (as when
 * it has yet to hear of a change). */
static int live_disagree(const struct sim *s, uint32_t n, const bool *member)
{
    bool first[SIM_MAX_NODES + 1], other[SIM_MAX_NODES + 1];
    bool any = false;
    int how = 0;
    for (uint32_t a = 1; a <= n; a++) {
        struct raft_configuration c;
        uint64_t index;
        if (!sim_node_config(s, a, &c, &index))
            continue;
        sim_configuration_members(s, &c, any ? other : first);
        if (any && memcmp(first, other, (n + 1) * sizeof(bool)) != 0)
            how = 1;
        any = true;
    }
    if (how == 1 && memcmp(first + 1, member + 1, n * sizeof(bool)) != 0)
        how = 2;
    return how;
}

/* Steps s until until_us, checking the clients' answer at every step;
 * counts the steps at which live_disagree() said each thing. */
static void check_until(struct sim *s,
                        uint32_t n,
                        uint64_t until_us,
                        uint32_t counts[3])
{
    while (sim_now(s) < until_us) {
        cr_assert_eq(sim_step(s), SIM_OK);
        struct sim_node_set live;
        sim_client_live_members(s, &live);
        bool member[SIM_MAX_NODES + 1];
        sim_cluster_members(s, member);
        for (uint32_t id = 1; id <= n; id++) {
            bool want = sim_alive(s, id) && member[id];
            bool got = (live.w[id / 64] >> (id % 64)) & 1u;
            cr_assert_eq(got, want, "n%u at %llu us: %d, the cluster says %d",
                         id, (unsigned long long)sim_now(s), got, want);
        }
        for (uint32_t id = n + 1; id <= SIM_MAX_NODES; id++)
            cr_assert_eq((live.w[id / 64] >> (id % 64)) & 1u, 0);
        counts[live_disagree(s, n, member)]++;
    }
}

Test(sim_client_members,
     the_live_members_a_client_draws_from_are_the_clusters_at_every_step)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 5;
    c.n_voters = 3;
    c.seed = 7;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    static const struct raft_change add4 = {.type = RAFT_ADD_VOTER, .id = 4};
    static const struct raft_change learn5 = {.type = RAFT_ADD_LEARNER,
                                              .id = 5};
    static const struct raft_change remove1 = {.type = RAFT_REMOVE, .id = 1};
    cr_assert_eq(sim_load(s, 50.0, 6000000, 0), SIM_OK);
    /* n1 is down while n4 joins, and learns of it only after its restart:
     * the first live node then lags behind the leader. */
    cr_assert_eq(sim_at(s, 500000, crash, (void *)(uintptr_t)1), SIM_OK);
    cr_assert_eq(sim_at(s, 1000000, change, (void *)&add4), SIM_OK);
    cr_assert_eq(sim_at(s, 1500000, restart, (void *)(uintptr_t)1), SIM_OK);
    cr_assert_eq(sim_at(s, 2000000, crash, (void *)(uintptr_t)2), SIM_OK);
    cr_assert_eq(sim_at(s, 2500000, change, (void *)&learn5), SIM_OK);
    cr_assert_eq(sim_at(s, 3000000, restart, (void *)(uintptr_t)2), SIM_OK);
    cr_assert_eq(sim_at(s, 3500000, change, (void *)&remove1), SIM_OK);
    cr_assert_eq(sim_at(s, 3501000, crash, (void *)(uintptr_t)3), SIM_OK);
    cr_assert_eq(sim_at(s, 4000000, restart, (void *)(uintptr_t)3), SIM_OK);
    uint32_t counts[3] = {0};
    check_until(s, 5, 7000000, counts);
    /* Every way of standing was met. */
    cr_assert_gt(counts[0], 1000);
    cr_assert_gt(counts[1], 0);
    cr_assert_gt(counts[2], 0);
    sim_free(s);
}
