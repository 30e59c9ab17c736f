/* test_raft_random.c: the safety properties of Figure 3 under random
 * schedules of delivery, loss, duplication, reordering, partitions, crashes,
 * restarts, deferred persistence and compaction.
 *
 * The schedule comes from a generator owned by this file, so every run is the
 * same; a failure names the seed and the step. After every step: Election
 * Safety, Log Matching, Leader Completeness and State Machine Safety, plus
 * the harness's own check that each disk mirrors its core, that a
 * core's progress version moved whenever another server's pair did, and
 * that a leader's commit index is where the commit rule puts it.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/raft_harness.h"

#define NODES 5
#define STEPS 6000
#define SEEDS 64

static uint64_t next_random(uint64_t *state)
{
    *state = *state * 6364136223846793005u + 1442695040888963407u;
    return *state >> 33;
}

/* Every entry any node applied, by index: the one committed history. */
struct truth
{
    struct rh_applied *entries; /* [i - 1] is index i */
    uint64_t *known_in_term;    /* a term by which the entry was committed */
    size_t n;
    size_t checked[NODES + 1]; /* applied entries of each node checked */
};

static void truth_free(struct truth *t)
{
    free(t->entries);
    free(t->known_in_term);
}

/* State Machine Safety (Figure 3): no two nodes apply different entries at
 * one index. */
static void check_applied(struct rh *h,
                          struct truth *t,
                          uint64_t seed,
                          int step)
{
    for (uint64_t id = 1; id <= NODES; id++) {
        struct rh_node *nd = &h->nodes[id];
        if (nd->n_applied < t->checked[id]) {
            t->checked[id] = 0; /* restarted or restored: check again */
        }
        for (size_t k = t->checked[id]; k < nd->n_applied; k++) {
            const struct rh_applied *a = &nd->applied[k];
            cr_assert_eq(a->index, k + 1);
            if (a->index > t->n) {
                cr_assert_eq(a->index, t->n + 1, "seed %llu step %d",
                             (unsigned long long)seed, step);
                t->entries =
                    realloc(t->entries, (t->n + 1) * sizeof *t->entries);
                t->known_in_term = realloc(
                    t->known_in_term, (t->n + 1) * sizeof *t->known_in_term);
                cr_assert_not_null(t->entries);
                cr_assert_not_null(t->known_in_term);
                t->entries[t->n] = *a;
                t->known_in_term[t->n] =
                    nd->core != NULL ? raft_term(nd->core) : a->term;
                t->n++;
                continue;
            }
            cr_assert_eq(memcmp(a, &t->entries[a->index - 1], sizeof *a), 0,
                         "seed %llu step %d: node %llu applied a different "
                         "entry at %llu",
                         (unsigned long long)seed, step, (unsigned long long)id,
                         (unsigned long long)a->index);
        }
        t->checked[id] = nd->n_applied;
    }
}

/* Log Matching (Figure 3): if two logs hold an entry of the same index and
 * term, they are identical up to it. */
static void check_log_matching(struct rh *h, uint64_t seed, int step)
{
    for (uint64_t a = 1; a <= NODES; a++) {
        for (uint64_t b = a + 1; b <= NODES; b++) {
            struct raft *ra = rh_core(h, a);
            struct raft *rb = rh_core(h, b);
            if (ra == NULL || rb == NULL) {
                continue;
            }
            uint64_t from = raft_snapshot_index(ra) > raft_snapshot_index(rb)
                                ? raft_snapshot_index(ra)
                                : raft_snapshot_index(rb);
            uint64_t to = raft_last_index(ra) < raft_last_index(rb)
                              ? raft_last_index(ra)
                              : raft_last_index(rb);
            bool matched = false;
            for (uint64_t i = to; i > from; i--) {
                bool same = raft_term_at(ra, i) == raft_term_at(rb, i);
                if (matched) {
                    cr_assert(same,
                              "seed %llu step %d: nodes %llu and %llu agree "
                              "above %llu but not at it",
                              (unsigned long long)seed, step,
                              (unsigned long long)a, (unsigned long long)b,
                              (unsigned long long)i);
                }
                matched = matched || same;
            }
        }
    }
}

/* Leader Completeness (Figure 3): a leader of a term after the one in which
 * an entry was known committed holds that entry. */
static void check_leader_completeness(struct rh *h,
                                      const struct truth *t,
                                      uint64_t seed,
                                      int step)
{
    for (uint64_t id = 1; id <= NODES; id++) {
        struct raft *r = rh_core(h, id);
        if (r == NULL || raft_role(r) != RAFT_LEADER) {
            continue;
        }
        for (size_t k = 0; k < t->n; k++) {
            uint64_t index = k + 1;
            if (raft_term(r) <= t->known_in_term[k] ||
                index <= raft_snapshot_index(r)) {
                continue;
            }
            cr_assert_eq(raft_term_at(r, index), t->entries[k].term,
                         "seed %llu step %d: leader %llu of term %llu lacks "
                         "committed index %llu",
                         (unsigned long long)seed, step, (unsigned long long)id,
                         (unsigned long long)raft_term(r),
                         (unsigned long long)index);
        }
    }
}

/* What each live core's raft_peer_indexes() reported for every server,
 * under which raft_progress_version(); version 0: not looked at yet. */
struct seen_progress
{
    uint64_t version[NODES + 1];
    uint64_t match[NODES + 1][NODES + 1];
    uint64_t next[NODES + 1][NODES + 1];
};

/* raft_progress_version(): while a core's number stays the same, so does
 * every pair it reports for a server other than itself (a crashed core's
 * successor numbers afresh). */
static void check_progress_version(struct rh *h,
                                   struct seen_progress *seen,
                                   uint64_t seed,
                                   int step)
{
    for (uint64_t id = 1; id <= NODES; id++) {
        struct raft *core = h->nodes[id].core;
        if (core == NULL) {
            seen->version[id] = 0;
            continue;
        }
        uint64_t version = raft_progress_version(core);
        cr_assert_neq(version, 0);
        bool same = version == seen->version[id];
        for (uint64_t peer = 1; peer <= NODES; peer++) {
            uint64_t match, next;
            raft_peer_indexes(core, peer, &match, &next);
            /* The single look-ups are the same answer. */
            cr_assert(raft_match_index(core, peer) == match &&
                          raft_next_index(core, peer) == next,
                      "seed %llu step %d: n%llu's single look-ups for n%llu "
                      "differ from raft_peer_indexes()",
                      (unsigned long long)seed, step, (unsigned long long)id,
                      (unsigned long long)peer);
            if (same && peer != id) {
                cr_assert(match == seen->match[id][peer] &&
                              next == seen->next[id][peer],
                          "seed %llu step %d: n%llu's pair for n%llu moved "
                          "under progress version %llu",
                          (unsigned long long)seed, step,
                          (unsigned long long)id, (unsigned long long)peer,
                          (unsigned long long)version);
            }
            seen->match[id][peer] = match;
            seen->next[id][peer] = next;
        }
        seen->version[id] = version;
    }
}

/* What each live core's log queries answered, under which
 * raft_log_version(); version 0: not looked at yet. self_match is a
 * leader's own match index (what it counts written), when leading. */
struct seen_log
{
    uint64_t version[NODES + 1];
    uint64_t last_index[NODES + 1];
    uint64_t last_term[NODES + 1];
    uint64_t snapshot_index[NODES + 1];
    uint64_t snapshot_term[NODES + 1];
    bool leading[NODES + 1];
    uint64_t self_match[NODES + 1];
};

/* The log keeps the term of its last index (raft_log.h) instead of looking
 * it up: it must be the held last entry's term, or the snapshot's when no
 * entry follows the snapshot, after every append, truncation, compaction
 * and installed snapshot; raft_term_at() of the last index reports it. */
static void check_last_term(struct raft *core,
                            uint64_t last_term,
                            uint64_t seed,
                            int step,
                            uint64_t id)
{
    uint64_t last_index = raft_last_index(core);
    struct raft_entry e;
    uint64_t held = raft_entry_at(core, last_index, &e)
                        ? e.term
                        : raft_snapshot_term(core);
    cr_assert(last_term == held && raft_term_at(core, last_index) == held,
              "seed %llu step %d: n%llu's last term %llu, its last entry's "
              "%llu",
              (unsigned long long)seed, step, (unsigned long long)id,
              (unsigned long long)last_term, (unsigned long long)held);
}

/* raft_log_version(): while a core's number stays the same, so do its
 * log's bounds and, for a leader, its own match index (the core checks
 * the log's order again only when the number moved, so a change of them
 * that does not move it goes unchecked). */
static void check_log_version(struct rh *h,
                              struct seen_log *seen,
                              uint64_t seed,
                              int step)
{
    for (uint64_t id = 1; id <= NODES; id++) {
        struct raft *core = h->nodes[id].core;
        if (core == NULL) {
            seen->version[id] = 0;
            continue;
        }
        uint64_t version = raft_log_version(core);
        cr_assert_neq(version, 0);
        uint64_t last_index = raft_last_index(core);
        uint64_t last_term = raft_last_term(core);
        uint64_t snapshot_index = raft_snapshot_index(core);
        uint64_t snapshot_term = raft_snapshot_term(core);
        bool leading = raft_role(core) == RAFT_LEADER;
        uint64_t self_match = leading ? raft_match_index(core, id) : 0;
        if (version == seen->version[id]) {
            cr_assert(last_index == seen->last_index[id] &&
                          last_term == seen->last_term[id] &&
                          snapshot_index == seen->snapshot_index[id] &&
                          snapshot_term == seen->snapshot_term[id],
                      "seed %llu step %d: n%llu's log moved under log "
                      "version %llu",
                      (unsigned long long)seed, step, (unsigned long long)id,
                      (unsigned long long)version);
            cr_assert(!leading || !seen->leading[id] ||
                          self_match == seen->self_match[id],
                      "seed %llu step %d: leader n%llu's own match index "
                      "moved from %llu to %llu under log version %llu",
                      (unsigned long long)seed, step, (unsigned long long)id,
                      (unsigned long long)seen->self_match[id],
                      (unsigned long long)self_match,
                      (unsigned long long)version);
        }
        check_last_term(core, last_term, seed, step, id);
        seen->version[id] = version;
        seen->last_index[id] = last_index;
        seen->last_term[id] = last_term;
        seen->snapshot_index[id] = snapshot_index;
        seen->snapshot_term[id] = snapshot_term;
        seen->leading[id] = leading;
        seen->self_match[id] = self_match;
    }
}

/* The index a majority of the ids in ids[0 .. n) hold by a leader's
 * reckoning (its own slot: what it reported durable); UINT64_MAX for an
 * empty half, which agrees to anything. */
static uint64_t majority_held(struct raft *core, const uint64_t *ids, size_t n)
{
    uint64_t held[16];
    cr_assert_leq(n, 16);
    if (n == 0) {
        return UINT64_MAX;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t x = raft_match_index(core, ids[i]);
        size_t j = i;
        for (; j > 0 && held[j - 1] < x; j--) {
            held[j] = held[j - 1];
        }
        held[j] = x;
    }
    return held[n / 2];
}

/* The commit rule (Figure 2, "Rules for leaders"; Figure 8) has nothing
 * left to commit when any call of a leader ends: what a majority of each
 * half holds is at most the commit index, or an entry of an older term.
 * The core tries the rule only where what it reads changed, so a change
 * that did not try it shows here. */
static void check_commit_settled(struct rh *h, uint64_t seed, int step)
{
    for (uint64_t id = 1; id <= NODES; id++) {
        struct raft *core = h->nodes[id].core;
        if (core == NULL || raft_role(core) != RAFT_LEADER) {
            continue;
        }
        struct raft_configuration c;
        raft_get_configuration(core, &c);
        uint64_t in = majority_held(core, c.voters, c.n_voters);
        uint64_t out = majority_held(core, c.outgoing, c.n_outgoing);
        uint64_t point = in < out ? in : out;
        cr_assert(point <= raft_commit_index(core) ||
                      raft_term_at(core, point) != raft_term(core),
                  "seed %llu step %d: leader n%llu leaves index %llu of its "
                  "term held by a majority above its commit index %llu",
                  (unsigned long long)seed, step, (unsigned long long)id,
                  (unsigned long long)point,
                  (unsigned long long)raft_commit_index(core));
    }
}

static void random_step(struct rh *h, uint64_t *rng, uint64_t *value)
{
    uint64_t roll = next_random(rng) % 1000;
    uint64_t id = 1 + next_random(rng) % NODES;
    struct rh_node *nd = &h->nodes[id];
    if (roll < 550) {
        /* Mostly one of the three oldest messages that may leave (a network
         * faster than the election timeout, §5.6), sometimes any of them
         * (reordering). */
        size_t ready[3];
        size_t n_ready = 0;
        size_t limit = roll < 450 ? 3 : rh_pending(h);
        size_t pick = 0;
        for (size_t i = 0; i < rh_pending(h); i++) {
            if (!rh_msg_at(h, i)->held) {
                if (n_ready < 3) {
                    ready[n_ready] = i;
                }
                n_ready++;
            }
        }
        if (n_ready > 0) {
            size_t k = (size_t)(next_random(rng) %
                                (n_ready < limit ? n_ready : limit));
            if (k < 3) {
                pick = ready[k];
            } else {
                for (size_t i = 0;; i++) {
                    if (!rh_msg_at(h, i)->held && k-- == 0) {
                        pick = i;
                        break;
                    }
                }
            }
            const struct raft_message *m = &rh_msg_at(h, pick)->m;
            if (h->cut[m->from][m->to]) {
                rh_drop(h, pick);
            } else {
                cr_assert_eq(rh_deliver(h, pick), RAFT_OK);
            }
        }
    } else if (roll < 600) {
        if (rh_pending(h) > 0) {
            rh_drop(h, (size_t)(next_random(rng) % rh_pending(h)));
        }
    } else if (roll < 640) {
        if (rh_pending(h) > 0) {
            rh_duplicate(h, (size_t)(next_random(rng) % rh_pending(h)));
        }
    } else if (roll < 800) {
        rh_advance_to(h, h->now + next_random(rng) % 40);
    } else if (roll < 900) {
        uint64_t leader = rh_leader(h);
        if (leader != 0) {
            cr_assert_eq(rh_propose(h, leader, (*value)++, NULL), RAFT_OK);
        }
    } else if (roll < 905) {
        size_t crashed = 0;
        for (uint64_t k = 1; k <= NODES; k++) {
            crashed += h->nodes[k].core == NULL;
        }
        uint64_t victim = next_random(rng) % 2 ? rh_leader(h) : id;
        if (victim != 0 && h->nodes[victim].core != NULL && crashed < 2) {
            rh_crash(h, victim);
        }
    } else if (roll < 925) {
        for (uint64_t k = 1; k <= NODES; k++) {
            if (h->nodes[k].core == NULL) {
                rh_restart(h, k);
                break;
            }
        }
    } else if (roll < 935) {
        uint64_t other = 1 + next_random(rng) % NODES;
        if (other != id) {
            rh_cut(h, id, other);
        }
    } else if (roll < 950) {
        rh_heal(h);
    } else if (roll < 965) {
        if (nd->core != NULL && nd->n_applied > raft_snapshot_index(nd->core)) {
            cr_assert_eq(rh_compact(h, id, nd->n_applied), RAFT_OK);
        }
    } else if (roll < 990) {
        /* The disk syncs; now and then it switches to syncing later. */
        if (nd->core != NULL) {
            cr_assert_eq(rh_persist(h, id), RAFT_OK);
            nd->persist_deferred = roll < 970;
        }
    } else if (nd->core != NULL) {
        cr_assert_eq(rh_tick(h, id), RAFT_OK);
    }
}

static void run_seed(uint64_t seed)
{
    uint64_t rng = seed;
    struct raft_config c = rh_config(seed * 1000);
    c.pre_vote = seed % 2 == 1;
    c.check_quorum = seed % 4 >= 2;
    c.max_entries_per_message = 1 + (size_t)(seed % 3);
    c.max_inflight = 1 + (size_t)(seed % 4);
    struct rh *h = rh_create(NODES, &c);
    struct truth t;
    memset(&t, 0, sizeof t);
    struct seen_progress seen;
    memset(&seen, 0, sizeof seen);
    struct seen_log seen_log;
    memset(&seen_log, 0, sizeof seen_log);
    uint64_t value = 1;
    for (int step = 0; step < STEPS; step++) {
        random_step(h, &rng, &value);
        cr_assert(rh_election_safety_holds(h), "seed %llu step %d",
                  (unsigned long long)seed, step);
        check_applied(h, &t, seed, step);
        check_log_matching(h, seed, step);
        check_leader_completeness(h, &t, seed, step);
        check_progress_version(h, &seen, seed, step);
        check_log_version(h, &seen_log, seed, step);
        check_commit_settled(h, seed, step);
    }

    /* Liveness once the faults stop: a leader emerges and commits a new
     * value everywhere. */
    rh_heal(h);
    for (uint64_t id = 1; id <= NODES; id++) {
        if (h->nodes[id].core == NULL) {
            rh_restart(h, id);
        }
        cr_assert_eq(rh_persist(h, id), RAFT_OK);
        h->nodes[id].persist_deferred = false;
    }
    rh_run_until(h, h->now + 20000);
    uint64_t leader = rh_leader(h);
    cr_assert_neq(leader, 0, "seed %llu: no leader after healing",
                  (unsigned long long)seed);
    uint64_t index = 0;
    cr_assert_eq(rh_propose(h, leader, 1000000, &index), RAFT_OK);
    rh_run_until(h, h->now + 2000);
    check_applied(h, &t, seed, STEPS);
    for (uint64_t id = 1; id <= NODES; id++) {
        cr_assert_eq(raft_commit_index(rh_core(h, id)), index,
                     "seed %llu node %llu", (unsigned long long)seed,
                     (unsigned long long)id);
        cr_assert_eq(h->nodes[id].n_applied, index);
        cr_assert_eq(h->nodes[id].applied[index - 1].value, 1000000);
    }
    truth_free(&t);
    rh_free(h);
}

Test(raft_random,
     safety_holds_under_random_faults_and_the_cluster_recovers,
     .timeout = 120)
{
    for (uint64_t seed = 1; seed <= SEEDS; seed++) {
        run_seed(seed);
    }
}
