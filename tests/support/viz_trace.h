/* viz_trace.h (tests): hand-built traces for the viz tests.
 *
 * A struct vt_trace grows an array of trace events in time order; vt_run_of()
 * lends it to the pictures as a struct viz_run. No cairo: the model tests use
 * it too.
 */
#ifndef VIZ_TRACE_TEST_H
#define VIZ_TRACE_TEST_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "viz/viz.h"

struct vt_trace
{
    GArray *events;
    uint64_t next_msg;
};

struct vt_trace vt_trace_new(void);

void vt_trace_free(struct vt_trace *t);

/* Appends an event; events must be added in time order. */
struct sim_trace_event *vt_ev(struct vt_trace *t,
                              uint64_t time_us,
                              enum sim_trace_kind kind,
                              uint32_t node);

uint64_t vt_send_msg(struct vt_trace *t,
                     uint64_t time_us,
                     uint32_t from,
                     uint32_t to,
                     enum raft_message_type type,
                     uint64_t count,
                     bool ok);

void vt_fate(struct vt_trace *t,
             uint64_t time_us,
             uint64_t msg_id,
             enum sim_trace_kind kind,
             uint32_t node);

void vt_role(struct vt_trace *t,
             uint64_t time_us,
             uint32_t node,
             enum raft_role r,
             uint64_t term);

/* A partition at time_us: groups[k - 1] is node k's group (0: alone),
 * borrowed for the trace's life; text is for readers only. */
void vt_partition(struct vt_trace *t,
                  uint64_t time_us,
                  const uint8_t *groups,
                  uint32_t n,
                  const char *text);

struct viz_run vt_run_of(const struct vt_trace *t,
                         uint32_t n_nodes,
                         uint64_t end_us);

void vt_client_event(struct vt_trace *t,
                     uint64_t time_us,
                     enum sim_trace_kind kind,
                     uint64_t client,
                     bool ok,
                     const char *text);

/* A trace with a bit of everything, for the byte-level tests. */
struct vt_trace vt_busy_trace(void);

/* The default options, every message drawn. */
struct viz_options vt_all_messages(void);

#endif /* VIZ_TRACE_TEST_H */
