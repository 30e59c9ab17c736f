/* test_sim_client_text.c: a client request's invoke event names the op,
 * the key and a set's value (and a read's mode), cut to the trace text
 * buffer, and the command it sends carries the whole key and value. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"

/* The bytes of the client text buffer (sim_client.c) less its NUL. */
#define INVOKE_TEXT_MAX 159

static struct sim *recording_cluster(void)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.seed = 3;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    return s;
}

/* The text of the invoke event of the request issued last. */
static const char *last_invoke_text(struct sim *s)
{
    const struct sim_trace_event *ev = sim_trace_events(s);
    for (size_t i = sim_trace_len(s); i-- > 0;)
        if (ev[i].kind == SIM_TRACE_CLIENT_INVOKE)
            return ev[i].text;
    cr_assert_fail("no invoke event");
    return NULL;
}

Test(sim_client_text, the_invoke_text_names_the_op_key_value_and_read_mode)
{
    struct sim *s = recording_cluster();
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "k1", "v1", 0, NULL),
                 SIM_OK);
    cr_assert_str_eq(last_invoke_text(s), "set k1 v1");
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "k2", NULL, 0, NULL),
                 SIM_OK);
    cr_assert_str_eq(last_invoke_text(s), "set k2 ");
    cr_assert_eq(sim_client_request(s, SIM_KV_GET, "k1", "ignored", 0, NULL),
                 SIM_OK);
    cr_assert_str_eq(last_invoke_text(s), "get k1");
    cr_assert_eq(sim_client_request(s, SIM_KV_DELETE, "k2", NULL, 0, NULL),
                 SIM_OK);
    cr_assert_str_eq(last_invoke_text(s), "delete k2");
    cr_assert_eq(sim_client_read_keyed(s, "k1", SIM_READ_INDEX, 0, 99, NULL),
                 SIM_OK);
    cr_assert_str_eq(last_invoke_text(s), "get k1 read-index");
    sim_free(s);
}

Test(sim_client_text, a_long_request_is_cut_in_its_text_and_whole_in_its_command)
{
    struct sim *s = recording_cluster();
    char key[121], value[101];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    memset(value, 'v', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    uint64_t req;
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, key, value, 0, &req),
                 SIM_OK);
    char want[512];
    g_snprintf(want, sizeof(want), "set %s %s", key, value);
    want[INVOKE_TEXT_MAX] = '\0';
    cr_assert_str_eq(last_invoke_text(s), want);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    cr_assert(sim_request_completed(s, req));
    uint32_t leader = sim_current_leader(s);
    cr_assert_neq(leader, 0);
    cr_assert_str_eq(sim_kv_value(s, leader, key), value);
    sim_free(s);
}
