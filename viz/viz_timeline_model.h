/* viz_timeline_model.h: the timeline's model, the trace folded into
 * arrays (private to viz/; no cairo, so tests read it directly).
 *
 * viz_tl_model_build() folds the events of a run up to a limit in trace
 * order into spans of role, term and liveness per node, commit marks,
 * message arrows, partitions (with the side of each that holds a quorum of
 * the voters) and cuts, client operations and notes, plus the membership
 * and transfers of viz_members.h. Everything is stored in
 * arrays indexed by node or by position, never in hash order, so that the
 * layout and the drawing walk it deterministically. Invariants after a
 * build: each node's spans tile [0, limit_us] in order without overlap
 * (empty spans dropped); every arrow, partition, cut and operation ends at
 * or before limit_us (those still open end there); each partition's
 * verdicts tile its period; notes are in trace order, those of
 * membership, transfers and changes of a partition's majority after the
 * others.
 */
#ifndef VIZ_TIMELINE_MODEL_H
#define VIZ_TIMELINE_MODEL_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/viz.h"
#include "viz/viz_members.h"

enum viz_tl_state {
    NODE_UP = 0,
    NODE_CRASHED,
    NODE_PAUSED,
};

/* A maximal interval during which a node's role, term and state held. */
struct viz_tl_span
{
    uint64_t t0_us;
    uint64_t t1_us;
    enum raft_role role;
    uint64_t term;
    enum viz_tl_state state;
};

/* A node's commit index became value at t_us. */
struct viz_tl_commit
{
    uint64_t t_us;
    uint64_t value;
};

enum viz_tl_fate {
    ARROW_IN_FLIGHT = 0,
    ARROW_DELIVERED,
    ARROW_LOST,
};

struct viz_tl_arrow
{
    uint32_t from;
    uint32_t to;
    enum raft_message_type type;
    uint64_t send_us;
    uint64_t end_us; /* delivery or loss; meaningless in flight */
    enum viz_tl_fate fate;
    bool heartbeat; /* empty AppendEntries or its successful reply */
    bool ok;        /* results: granted or succeeded */
    bool copy;      /* the second copy of a duplicated message */
};

/* While a partition holds, which of its sides holds a quorum of the
 * voters in force (viz_tl_judge_partitions()). */
struct viz_tl_verdict
{
    uint64_t t0_us;
    uint64_t t1_us;
    uint32_t side; /* the side (struct viz_tl_partition) with a quorum; 0:
                      none has one */
};

struct viz_tl_partition
{
    uint64_t t0_us;
    uint64_t t1_us;
    uint32_t *group; /* group[node] for node 1..n, owned; 0: alone */
    uint32_t n_groups;
    /* side[node] for node 1..n, owned, from 1: the node's group, or for a
     * node in no group a side of its own, numbered after the groups in
     * node order. */
    uint32_t *side;
    uint32_t n_sides;
    GArray *verdicts; /* struct viz_tl_verdict, tiling [t0_us, t1_us] in
                         order, adjacent ones differing */
    guint note;       /* index of its note in the model's notes */
};

struct viz_tl_cut
{
    uint64_t t0_us;
    uint64_t t1_us;
    uint32_t from;
    uint32_t to;
};

struct viz_tl_op
{
    uint64_t client;
    uint64_t request;
    uint64_t t0_us;
    uint64_t t1_us;
    bool done;
    bool ok;
    const char *op;     /* borrowed from the trace */
    const char *result; /* borrowed from the trace */
};

struct viz_tl_send
{
    uint64_t t_us;
    uint64_t client;
    uint32_t node;
};

/* In placement order: an earlier kind takes the room first. */
enum viz_tl_note_kind {
    NOTE_VIOLATION = 0,
    NOTE_CHECK_FAILED,
    NOTE_PARTITION,
    NOTE_HEAL,
    NOTE_CUT,
    NOTE_TRANSFER,
    NOTE_CONFIG,
    NOTE_CHECK_HELD,
};

struct viz_tl_note
{
    uint64_t t_us;
    enum viz_tl_note_kind kind;
    char *text; /* owned */
};

struct viz_tl_model
{
    uint32_t n;
    GArray **spans;   /* per node 1..n: struct viz_tl_span */
    GArray **commits; /* per node 1..n: struct viz_tl_commit */
    GArray *arrows;   /* struct viz_tl_arrow, in send order */
    GArray *partitions;
    GArray *cuts;
    GArray *ops;       /* struct viz_tl_op, in invoke order */
    GArray *sends;     /* struct viz_tl_send */
    GArray *notes;     /* struct viz_tl_note, in time order */
    uint64_t *clients; /* distinct client ids, ascending */
    size_t n_clients;
    uint64_t limit_us;          /* every open span ends here */
    struct viz_members members; /* membership and transfers */
};

/* Folds run->events with time <= limit_us into *m (overwritten; free it
 * with viz_tl_model_free()). run is borrowed for the call; the model
 * borrows the events' texts for its own life. */
void viz_tl_model_build(const struct viz_run *run,
                        uint64_t limit_us,
                        struct viz_tl_model *m);

/* Judges every partition of m, whose membership must be built: for each
 * stretch of it, the side holding a quorum of the voters of the cluster's
 * configuration then (viz_members.h; every node a voter before any
 * `config` event), which can still elect a leader and commit (Raft paper
 * §5.2); while that configuration is joint, a quorum of both halves
 * (thesis §4.3). Fills each partition's verdicts, completes its note with
 * the side that can still decide, and notes a change of that side while
 * the partition holds (viz_timeline_sides.c). */
void viz_tl_judge_partitions(struct viz_tl_model *m);

/* Whether node is on the side that holds a quorum in verdict v of p. */
bool viz_tl_in_majority(const struct viz_tl_partition *p,
                        const struct viz_tl_verdict *v,
                        uint32_t node);

/* Frees what *m holds and zeroes it; a no-op on a zeroed model. */
void viz_tl_model_free(struct viz_tl_model *m);

/* The run's end: its end_us, or its last event's time when later. */
uint64_t viz_tl_run_end_us(const struct viz_run *run);

#endif /* VIZ_TIMELINE_MODEL_H */
