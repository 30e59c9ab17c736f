/* scn_trigger.h: the protocol-event triggers of one running scenario
 * (extension `at T when SUBJECT EVENT ACTION`).
 *
 * The runner arms a trigger when its statement's time comes; from then on
 * every trace event the engine emits is matched against the armed triggers
 * (scn_triggers_hear(), from the runner's listener). The first matching
 * event fires a trigger, once: it moves to the fired queue, in the order
 * the events happened (file order for one event), and the runner runs its
 * action from the observer, right after the engine step in which the event
 * happened and before any other event. The trace is the only thing read: a trigger sees
 * what the trace says the node did. A `settle` disarms every trigger still
 * armed (scn_triggers_disarm()): no fault outlives the liveness phase.
 */
#ifndef SCN_TRIGGER_H
#define SCN_TRIGGER_H

#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "sim/sim.h"

struct scn_triggers; /* opaque */

struct scn_triggers *scn_triggers_new(void);
void scn_triggers_free(struct scn_triggers *t);

/* Arms `step` (borrowed while t lives; step->triggered) for `node`, or for
 * any node when node is 0. */
void scn_triggers_arm(struct scn_triggers *t,
                      const struct scn_step *step,
                      uint32_t node);

/* True when `e` is `node` doing `event` (sim_trace.h names the fields). */
bool scn_event_matches(enum scn_event event,
                       uint32_t node,
                       const struct sim_trace_event *e);

/* Fires every armed trigger that `e` matches; true when it fired one (the
 * fired queue grew), the only way the queue grows. */
bool scn_triggers_hear(struct scn_triggers *t, const struct sim_trace_event *e);

/* The trace kinds (bit 1 << kind) an event must be of to fire a trigger
 * now waiting: it grows only when one is armed. */
uint64_t scn_triggers_kinds(const struct scn_triggers *t);

/* Takes the oldest fired trigger not yet taken: its step and the node that
 * did the event. False when there is none. */
bool scn_triggers_take_fired(struct scn_triggers *t,
                             const struct scn_step **step,
                             uint32_t *node);

/* Disarms every trigger armed and not yet fired: none of them fires from
 * now on. `settle` (borrowed while t lives) is the statement that did it.
 * Returns how many were disarmed. */
uint32_t scn_triggers_disarm(struct scn_triggers *t,
                             const struct scn_step *settle);

/* Calls fn(step, settle, ctx) for each armed trigger that never fired, in
 * the order they were armed; settle is the statement that disarmed it, or
 * NULL when it was armed until the end. */
void scn_triggers_each_unfired(const struct scn_triggers *t,
                               void (*fn)(const struct scn_step *step,
                                          const struct scn_step *settle,
                                          void *ctx),
                               void *ctx);

#endif /* SCN_TRIGGER_H */
