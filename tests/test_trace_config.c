/* test_trace_config.c: the trace's `config` and `transfer` events
 * (docs/trace-format.md, sim/sim_observe.c): every node's configuration at
 * time 0 and at each change, and a leadership transfer from start to
 * outcome, observed from the cores alone. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"

static struct sim *new_cluster(uint32_t n)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = n;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    return s;
}

/* The trace alone tells every node's starting configuration: one `config`
 * event per node at time 0, the bootstrap one (index 0), listing the
 * cluster's voters. */
Test(trace_config, every_node_traces_its_bootstrap_configuration_at_time_0)
{
    struct sim *s = new_cluster(3);
    cr_assert_eq(sim_run_until(s, 1000000), SIM_OK);
    const struct sim_trace_event *ev = sim_trace_events(s);
    uint32_t seen[4] = {0};
    for (size_t i = 0; i < sim_trace_len(s); i++) {
        if (ev[i].kind != SIM_TRACE_CONFIG)
            continue;
        cr_assert_eq(ev[i].time_us, 0, "a configuration traced at %llu us",
                     (unsigned long long)ev[i].time_us);
        cr_assert_eq(ev[i].index, 0);
        cr_assert_eq(ev[i].term, 0);
        cr_assert_not(ev[i].ok);
        cr_assert_str_eq(ev[i].text, "voters n1 n2 n3");
        cr_assert(ev[i].node >= 1 && ev[i].node <= 3);
        seen[ev[i].node]++;
    }
    for (uint32_t id = 1; id <= 3; id++)
        cr_assert_eq(seen[id], 1, "n%u traced its configuration %u times", id,
                     seen[id]);
    sim_free(s);
}
