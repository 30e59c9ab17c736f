/* test_sim_client_pool.c: the pool's idle clients are reused last in,
 * first out (sim_client.c), so which client serves a request is a
 * function of the run only. */
#include <criterion/criterion.h>

#include "sim/sim.h"

/* The clients of the events of kind in ev[from..n), in order. */
static size_t clients_of(const struct sim_trace_event *ev,
                         size_t from,
                         size_t n,
                         enum sim_trace_kind kind,
                         uint64_t *out,
                         size_t cap)
{
    size_t k = 0;
    for (size_t i = from; i < n; i++)
        if (ev[i].kind == kind) {
            cr_assert_lt(k, cap);
            out[k++] = ev[i].client;
        }
    return k;
}

/* Forty requests at one instant take forty clients; once all have
 * completed, each round of later requests takes the clients that
 * completed last, the last one first, and gives them back in the order
 * they complete again. */
Test(sim_client_pool, idle_clients_are_reused_last_in_first_out)
{
    enum { N = 40 };
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.seed = 5;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_run_until(s, 2000000), SIM_OK);
    /* The idle stack, bottom first, as the completions built it. */
    uint64_t stack[4 * N];
    size_t depth = 0;
    size_t from = sim_trace_len(s);
    uint64_t t = 2000000;
    for (int round = 0; round < 4; round++) {
        int requests = round == 0 ? N : N / 2 + 7 * round;
        for (int i = 0; i < requests; i++) {
            char key[8];
            g_snprintf(key, sizeof key, "k%d", i % 9);
            cr_assert_eq(sim_client_request(s, SIM_KV_SET, key, "v", 0, NULL),
                         SIM_OK);
        }
        uint64_t invoked[4 * N];
        size_t n_inv =
            clients_of(sim_trace_events(s), from, sim_trace_len(s),
                       SIM_TRACE_CLIENT_INVOKE, invoked, 4 * N);
        cr_assert_eq(n_inv, (size_t)requests);
        for (size_t i = 0; i < n_inv; i++) {
            /* The top of the stack, else a new client. */
            if (depth > 0)
                cr_assert_eq(invoked[i], stack[--depth], "round %d request %zu",
                             round, i);
            else
                cr_assert_gt(invoked[i], 0);
        }
        from = sim_trace_len(s);
        t += 3000000;
        cr_assert_eq(sim_run_until(s, t), SIM_OK);
        cr_assert_eq(sim_requests_pending_before(s, t), 0);
        uint64_t done[4 * N];
        size_t n_done =
            clients_of(sim_trace_events(s), from, sim_trace_len(s),
                       SIM_TRACE_CLIENT_COMPLETE, done, 4 * N);
        cr_assert_eq(n_done, (size_t)requests);
        for (size_t i = 0; i < n_done; i++)
            stack[depth++] = done[i];
        from = sim_trace_len(s);
    }
    cr_assert_geq(depth, (size_t)N);
    sim_free(s);
}
