/* scn_shrink_edit.h: the edits the shrinker tries on a scenario (private to
 * scn_shrink.c).
 *
 * Each edit changes a scenario in place and says whether it changed
 * anything. An edit may leave names used but no longer bound (a deleted
 * `as`); the shrinker prints and parses every candidate, and a candidate
 * whose text does not parse is never run.
 */
#ifndef SCN_SHRINK_EDIT_H
#define SCN_SHRINK_EDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"

/* Ends the run at run_us and deletes the steps that would start after it.
 * False when the run already ends there or earlier. */
bool scn_edit_cut_run(struct scn_scenario *sc, uint64_t run_us);

/* Deletes `count` steps from index `first` on. */
void scn_edit_delete_steps(struct scn_scenario *sc, guint first, guint count);

/* The classes of steps the shrinker deletes all at once, before it deletes
 * chunks of the list: a failure often needs none of a whole kind. */
enum scn_edit_class {
    SCN_EDIT_CLASS_NETWORK = 0, /* set drop/duplicate/reorder/delay */
    SCN_EDIT_CLASS_LINKS,       /* partition, isolate, cut, heal */
    SCN_EDIT_CLASS_CRASHES,     /* timed crash and restart, together */
    SCN_EDIT_CLASS_PAUSES,      /* pause */
    SCN_EDIT_CLASS_DRIFT,       /* drift */
    SCN_EDIT_CLASS_DISKS,       /* set disk-latency */
    SCN_EDIT_CLASS_CLIENTS,     /* client requests and loads */
    SCN_EDIT_CLASS_TIMEOUTS,    /* timeout */
    SCN_EDIT_CLASS_MEMBERSHIP,  /* membership requests and leave-joint */
    SCN_EDIT_CLASS_TRANSFERS,   /* transfer-leadership */
    SCN_EDIT_CLASS_TRIGGERED,   /* every `when NODE EVENT` step */
    SCN_EDIT_CLASS_COUNT
};

/* Deletes every step of `class` (a triggered step belongs to the triggered
 * class only; `settle` and checks to none); false when there is none. */
bool scn_edit_delete_class(struct scn_scenario *sc, enum scn_edit_class class);

/* Moves the liveness phase earlier: when the last step is a timed `settle`
 * after `t_us`, deletes the steps from t_us on before it, moves it to t_us
 * and ends the run its bound after (the faulty part becomes shorter).
 * False when there is no such `settle`. */
bool scn_edit_settle_at(struct scn_scenario *sc, uint64_t t_us);

/* The time of the last step when it is a timed `settle`, else 0. */
uint64_t scn_edit_settle_time(const struct scn_scenario *sc);

/* Removes node `node` (a voter 1..cluster when cluster >= 2, or a spare):
 * its init, every step that needs it (an action on it, a check of it
 * alone, a membership request of it alone), its place in partition groups,
 * node lists and membership requests; nodes above it are renumbered one
 * down. */
bool scn_edit_remove_node(struct scn_scenario *sc, uint32_t node);

/* The header simplifications, tried in this order. */
enum scn_edit_header {
    SCN_EDIT_NO_DROP = 0,     /* drop 0 */
    SCN_EDIT_NO_DUPLICATE,    /* duplicate 0 */
    SCN_EDIT_NO_REORDER,      /* reorder 0 */
    SCN_EDIT_CONSTANT_DELAY,  /* delay MIN MIN */
    SCN_EDIT_NO_SNAPSHOTS,    /* snapshot-every 0 */
    SCN_EDIT_PREVOTE_OFF,     /* prevote off */
    SCN_EDIT_CHECKQUORUM_OFF, /* checkquorum off */
    SCN_EDIT_DEFAULT_DISK,    /* the default disk-latency, no per-node one */
    SCN_EDIT_NO_UNCOMMITTED_BOUND, /* max-uncommitted 0 */
    SCN_EDIT_HEADER_COUNT
};

/* Drops every header line that states a default (a run without it is the
 * same run) and the title; false when there is none. */
bool scn_edit_drop_default_headers(struct scn_scenario *sc);

/* Applies one header simplification; false when it changes nothing, or
 * when it would turn off the last of PreVote and CheckQuorum in a scenario
 * that changes the membership (the generator's contract, scn_fuzz.c). */
bool scn_edit_simplify_header(struct scn_scenario *sc,
                              enum scn_edit_header which);

/* Simplifies step `index` one notch: `set delay MIN MAX` to a constant,
 * `set drop/duplicate/reorder P` to 0, a pause or a load half as long (a
 * `load N writes` half the writes over half the time), a
 * load of at most SCN_EDIT_LOAD_EXPLICIT_MAX requests to that many explicit
 * client requests at the same instants. False when the step is as simple as
 * these rules make it. The steps stay in time order. */
bool scn_edit_simplify_step(struct scn_scenario *sc, guint index);

#define SCN_EDIT_LOAD_EXPLICIT_MAX 8u

/* Replaces the run of consecutive client requests that starts at step
 * `index` (the same `via`, more than SCN_EDIT_LOAD_EXPLICIT_MAX of them) by
 * one `load` issuing as many requests over the same span: one statement
 * instead of many, where the failure needs many entries but not which.
 * False when there is no such run at `index`. */
bool scn_edit_requests_to_load(struct scn_scenario *sc, guint index);

/* The requests a merge at `index` would take within `window_us` of it:
 * the step at `index` (a client request or a `load N writes`, through a
 * node or without `via`) and every later such step through the same node
 * that starts within the window, whatever steps lie between. Returns how
 * many there are (0: `index` is not such a step) and, when `members` (a
 * GArray of guint) is not NULL, sets it to their indexes in order. */
guint scn_edit_merge_group(const struct scn_scenario *sc,
                           guint index,
                           uint64_t window_us,
                           GArray *members);

/* Replaces that group, when it has two steps or more, by one `load N
 * writes for D` at the first one's time, N the requests they stand for, D
 * spreading them to about the last one's time: the failure usually needs
 * that many entries through that node, not which ones. False when there is
 * nothing to merge. */
bool scn_edit_merge_requests(struct scn_scenario *sc,
                             guint index,
                             uint64_t window_us);

#endif /* SCN_SHRINK_EDIT_H */
