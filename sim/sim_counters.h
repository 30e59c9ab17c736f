/* sim_counters.h: the message counters the network keeps and a run reports
 * (sim_get_msg_counters() in sim.h), apart so that the network's header need
 * not include the engine's public one.
 */
#ifndef SIM_COUNTERS_H
#define SIM_COUNTERS_H

#include <stdint.h>

/* One message type's traffic, or all types' (index 0). */
struct sim_msg_counters
{
    uint64_t sent, delivered, dropped, duplicated;
    uint64_t bytes_sent, bytes_delivered;
};

#endif /* SIM_COUNTERS_H */
