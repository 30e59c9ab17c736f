/* viz_members.h: membership and leadership transfers over time, for the
 * timeline (private to viz/).
 *
 * Folded from the trace's `config`, `transfer`, `role`, `crash` and
 * `restart` events alone (docs/trace-format.md). The cluster's
 * configuration at an instant is that of the live leader of the highest
 * term, else the newest (entry term, then index) among live nodes, as the
 * engine judges it (sim_cluster_config()) up to its tie-breaks; each node's
 * membership strip shows where it stands in that configuration. No cairo
 * here: the drawing of strips and transfers is declared in viz_draw.h.
 */
#ifndef VIZ_MEMBERS_H
#define VIZ_MEMBERS_H

#include <glib.h>

#include "viz/viz.h"

struct viz_member_span
{
    uint64_t t0_us;
    uint64_t t1_us;
    enum viz_member member;
};

enum viz_transfer_outcome {
    VIZ_TRANSFER_RUNNING = 0, /* no outcome when the picture ends */
    VIZ_TRANSFER_DONE,
    VIZ_TRANSFER_ABORT,
};

struct viz_transfer
{
    uint32_t leader;
    uint32_t target;
    uint64_t term;
    uint64_t start_us;
    uint64_t end_us; /* the outcome's instant, or the model's limit */
    enum viz_transfer_outcome outcome;
};

/* A change of the cluster's configuration, for a note above the lanes. */
struct viz_config_note
{
    uint64_t t_us;
    char *text; /* owned: "config: n4 voter, n5 learner" */
};

struct viz_members
{
    uint32_t n;
    bool known;        /* the trace has `config` events */
    bool shown;        /* some span is not VIZ_MEMBER_VOTER */
    GArray **spans;    /* per node 1..n: struct viz_member_span */
    GArray *transfers; /* struct viz_transfer, in start order */
    GArray *notes;     /* struct viz_config_note, in time order */
};

/* Folds run's events up to limit_us into *m (emptied first). */
void viz_members_build(const struct viz_run *run,
                       uint64_t limit_us,
                       struct viz_members *m);
void viz_members_free(struct viz_members *m);

/* Whether any span of kind `member`, or (member == VIZ_MEMBER_COUNT) any
 * transfer, falls in [from_us, to_us]. */
bool viz_members_in_window(const struct viz_members *m,
                           enum viz_member member,
                           uint64_t from_us,
                           uint64_t to_us);

#endif /* VIZ_MEMBERS_H */
