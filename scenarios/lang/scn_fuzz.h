/* scn_fuzz.h: random scenarios for swarm testing, one per seed.
 *
 * Invariant: a generated scenario is a pure function of (seed, options).
 * Every choice comes from the project's own generator (sim_rng) seeded with
 * the seed alone, never from rand(), GRand, a clock or an address. The
 * scenario names only concrete nodes (never `leader`, `follower`, `any` or
 * `rest`) and carries `seed S` and every header it depends on, so the
 * canonical text scn_print writes for it is a standalone file that replays
 * the same run, event for event, with the same trace hash.
 *
 * Swarm testing: each seed first draws which fault kinds it uses (a random
 * subset of the allowed ones) and how hard each hits, then a schedule of
 * explicit timed statements for that mix. Different seeds stress different
 * corners instead of every seed averaging every fault.
 */
#ifndef SCN_FUZZ_H
#define SCN_FUZZ_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_run.h"

/* The fault kinds a swarm may draw; --faults names them. */
enum scn_fuzz_fault {
    SCN_FUZZ_DROP = 0,  /* message loss (`drop`, `set drop`) */
    SCN_FUZZ_DELAY,     /* a wide delay spread (`delay`, `set delay`) */
    SCN_FUZZ_DUPLICATE, /* duplicated messages */
    SCN_FUZZ_REORDER,   /* reordered messages */
    SCN_FUZZ_PARTITION, /* `partition` and `isolate`, healed later */
    SCN_FUZZ_CUT,       /* one-way `cut`s, healed later */
    SCN_FUZZ_CRASH,     /* `crash`, `restart` later */
    SCN_FUZZ_PAUSE,     /* `pause NODE for D` */
    SCN_FUZZ_DRIFT,     /* `drift NODE RATE`, back to 1 later */
    SCN_FUZZ_DISK,      /* slow disks (`disk-latency`), and per-node
                           slow, jittery ones (`set disk-latency ... on`) */
    SCN_FUZZ_MASS_CRASH,    /* a majority or every node crashes, then
                               restarts one by one */
    SCN_FUZZ_RESTART_STORM, /* a node crashes and restarts again and again */
    SCN_FUZZ_REELECTION, /* long delays while a leader is deposed and then
                            elected again: old-term replies in flight */
    SCN_FUZZ_VOTE_CRASH, /* a voter crashes just after a vote request and
                            restarts before a rival's request */
    SCN_FUZZ_TRIGGER,    /* a node crashes (and restarts at once) or
                            pauses right after a protocol event (`when`) */
    SCN_FUZZ_MEMBERSHIP, /* spare nodes, and the operator's membership
                            changes: add (as voter or learner), promote,
                            demote, remove (the leader too), joint changes
                            and leave-joint (thesis chapter 4) */
    SCN_FUZZ_TRANSFER,   /* `transfer-leadership to NODE` (thesis §3.10) */
    SCN_FUZZ_CHURN,      /* leader churn on its own (`cut` draws it too):
                            two nodes take turns to lead and go mute */
    SCN_FUZZ_FAULT_COUNT
};

/* Every fault kind, as a mask of (1u << kind) bits. */
#define SCN_FUZZ_ALL_FAULTS ((1u << SCN_FUZZ_FAULT_COUNT) - 1u)

/* The smallest and largest run length a campaign accepts. */
#define SCN_FUZZ_RUN_US_MIN UINT64_C(100000)
#define SCN_FUZZ_RUN_US_MAX UINT64_C(3600000000)

struct scn_fuzz_options
{
    uint32_t nodes;  /* cluster size, 1..SCN_CLUSTER_MAX; default 5 */
    uint64_t run_us; /* run length; default 10s */
    uint32_t faults; /* allowed fault kinds (mask); default all */
};

/* Fills *o with the defaults noted above. */
void scn_fuzz_options_init(struct scn_fuzz_options *o);

/* The --faults name of `fault` ("drop", "delay", ...); "?" if out of range.
 */
const char *scn_fuzz_fault_name(enum scn_fuzz_fault fault);

/* Parses a comma-separated list of fault names (borrowed) into *mask. On an
 * unknown or empty name returns false, leaves *mask unchanged and stores in
 * *bad a new string naming the offender (g_free; NULL-able out pointer). */
bool scn_fuzz_faults_parse(const char *list, uint32_t *mask, char **bad);

/* What one seed's swarm drew: the fault kinds on, and their strengths. */
struct scn_fuzz_swarm
{
    bool on[SCN_FUZZ_FAULT_COUNT];
    uint32_t drop_ppm_max;      /* DROP: loss drawn in [0, this] */
    uint64_t delay_us_max;      /* DELAY: the widest spread's maximum */
    uint32_t duplicate_ppm_max; /* DUPLICATE */
    uint32_t reorder_ppm_max;   /* REORDER */
    /* PARTITION and the kinds after it: mean episodes per 10 virtual
     * seconds; 0 when off. */
    uint32_t per_10s[SCN_FUZZ_FAULT_COUNT];
    uint32_t drift_ppm_max; /* DRIFT: how far a clock strays from 1x */
    uint64_t disk_write_us; /* DISK: the header's disk-latency */
    uint64_t disk_sync_us;
    bool prevote;
    bool checkquorum;
    uint64_t snapshot_every; /* 0: never */
    uint32_t snapshot_chunk; /* InstallSnapshot chunk bytes; 0: whole */
    uint32_t load_per_10s;   /* `load` bursts per 10s */
    uint32_t requests;       /* scripted client requests */
    uint32_t timeouts;       /* scripted `timeout NODE` nudges */
    /* The `reads` header: how gets are served (scn_fuzz_gen.c). */
    enum scn_read_mode reads;
    uint64_t lease_drift_bound_us; /* SCN_READ_LEASE only; else 0 */
    /* The `max-uncommitted` header: the leaders' bound on uncommitted
     * command bytes; 0: none. */
    uint64_t max_uncommitted;
    uint32_t spares;         /* MEMBERSHIP: `cluster N spare M`'s M */
};

/* Generates the scenario of `seed` under `options` (borrowed; NULL: the
 * defaults). Returns a new valid scenario (free with scn_scenario_free)
 * whose `seed` header is `seed`; stores its swarm in *swarm_out when not
 * NULL. The same arguments always give a scn_scenario_equal scenario and
 * the same printed text. */
struct scn_scenario *scn_fuzz_generate(uint64_t seed,
                                       const struct scn_fuzz_options *options,
                                       struct scn_fuzz_swarm *swarm_out);

/* The outcome of one seed. */
struct scn_fuzz_verdict
{
    uint64_t seed;
    bool passed;      /* no safety, linearizability, check or action failure */
    bool lin_unknown; /* the linearizability search was inconclusive */
    uint64_t trace_hash;
    uint64_t end_us; /* virtual time the run stopped at */
    uint64_t events;
    /* Failed runs only (NULL otherwise), owned: the property that failed
     * ("leader-completeness", "linearizability"; "check" or "action" for a
     * statement failure, which the generator never means to cause) and the
     * first line of what was found. */
    char *property;
    char *detail;
    uint64_t failed_at_us; /* when the failure was found, or
                              SCN_FUZZ_UNKNOWN_TIME (a crashed process) */
};

/* failed_at_us of a failure whose virtual time is not known. */
#define SCN_FUZZ_UNKNOWN_TIME UINT64_MAX

/* Frees what `v` owns and zeroes it. */
void scn_fuzz_verdict_clear(struct scn_fuzz_verdict *v);

/* Runs `scenario` (borrowed) through scn_run with every safety checker and
 * the linearizability check on, exactly as `raftsim run` does, and
 * overwrites *out (which must own nothing: zeroed or cleared) with the
 * outcome; the caller clears it with scn_fuzz_verdict_clear. Returns
 * SCN_OK, or SCN_EINVAL (and *out untouched) when the engine refused
 * the configuration. */
int scn_fuzz_run(const struct scn_scenario *scenario,
                 struct scn_fuzz_verdict *out);

/* scn_fuzz_run with `budget` (borrowed; NULL: scn_budget_init's defaults)
 * instead of the default budgets: a run it stops fails as "budget". */
int scn_fuzz_run_budget(const struct scn_scenario *scenario,
                        const struct scn_budget *budget,
                        struct scn_fuzz_verdict *out);

/* Appends a standalone reproducer for the failed verdict `v` of `scenario`
 * (both borrowed): a comment header saying how it was found (seed, options,
 * swarm, property) and how to replay it, then the canonical text of the
 * scenario, with no `expect` (the safety checkers fail it by themselves). */
void scn_fuzz_reproducer(const struct scn_scenario *scenario,
                         const struct scn_fuzz_options *options,
                         const struct scn_fuzz_swarm *swarm,
                         const struct scn_fuzz_verdict *v,
                         GString *out);

#endif /* SCN_FUZZ_H */
