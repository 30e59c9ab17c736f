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

/* Request i of round r: a key of 2 to 47 bytes starting with i's two
 * digits, and a value of 0 to 47 bytes, both within and beyond the room a
 * client's key, value and command have in its block (sim_client.c). */
static void round_texts(int i, int r, char *key, char *value)
{
    size_t key_len = 2 + (size_t)(i + 17 * r) % 46;
    size_t value_len = (size_t)(7 * i + 5 * r) % 48;
    g_snprintf(key, 3, "%02d", i);
    memset(key + 2, 'x', key_len - 2);
    key[key_len] = '\0';
    memset(value, 'a' + i % 26, value_len);
    if (value_len > 0)
        value[0] = (char)('0' + r);
    value[value_len] = '\0';
}

Test(sim_client_text, clients_sharing_a_block_keep_their_own_keys_and_values)
{
    /* 48 requests issued at one instant take 48 clients, three blocks of
     * them; each round sets every key again with another length of key
     * and value, sent first to a follower; then gets read every value
     * back. */
    enum { N = 48, ROUNDS = 3 };
    struct sim *s = recording_cluster();
    char key[64], value[64];
    for (int r = 0; r < ROUNDS; r++) {
        uint32_t leader = sim_current_leader(s);
        cr_assert_neq(leader, 0);
        uint32_t via = leader % 3 + 1;
        for (int i = 0; i < N; i++) {
            round_texts(i, r, key, value);
            cr_assert_eq(sim_client_request(s, SIM_KV_SET, key, value, via,
                                            NULL),
                         SIM_OK);
        }
        cr_assert_eq(sim_run_until(s, 2000000 + 2000000 * (uint64_t)(r + 1)),
                     SIM_OK);
        cr_assert_eq(sim_requests_completed(s), (uint64_t)N * (r + 1));
        for (int i = 0; i < N; i++) {
            round_texts(i, r, key, value);
            cr_assert_str_eq(sim_kv_value(s, leader, key), value);
        }
    }
    uint64_t req[N];
    for (int i = 0; i < N; i++) {
        round_texts(i, ROUNDS - 1, key, value);
        cr_assert_eq(sim_client_request(s, SIM_KV_GET, key, NULL, 0, &req[i]),
                     SIM_OK);
    }
    cr_assert_eq(sim_run_until(s, 2000000 + 2000000 * (uint64_t)(ROUNDS + 1)),
                 SIM_OK);
    for (int i = 0; i < N; i++) {
        round_texts(i, ROUNDS - 1, key, value);
        cr_assert(sim_request_completed(s, req[i]));
        if (value[0] != '\0')
            cr_assert_str_eq(sim_request_result(s, req[i]), value);
    }
    sim_free(s);
}

/* The client events a listener heard, with a copy of each text. */
struct heard_client_events
{
    struct sim_trace_event ev[512];
    char *text[512];
    size_t n;
};

static void hear_client_event(struct sim *s,
                              const struct sim_trace_event *e,
                              void *ctx)
{
    struct heard_client_events *h = ctx;
    (void)s;
    cr_assert_lt(h->n, 512);
    h->ev[h->n] = *e;
    h->text[h->n] = e->text ? g_strdup(e->text) : NULL;
    h->n++;
}

/* Every field and the whole text of a client event, as the listener heard
 * it (a) and as the trace recorded it (b). */
static void expect_same_client_event(const struct sim_trace_event *a,
                                     const char *a_text,
                                     const struct sim_trace_event *b)
{
    cr_assert_eq(a->seq, b->seq);
    cr_assert_eq(a->time_us, b->time_us);
    cr_assert_eq(a->kind, b->kind);
    cr_assert_eq(a->node, b->node);
    cr_assert_eq(a->peer, b->peer);
    cr_assert_eq(a->msg_id, b->msg_id);
    cr_assert_eq(a->msg_id2, b->msg_id2);
    cr_assert_eq(a->msg_type, b->msg_type);
    cr_assert_eq(a->term, b->term);
    cr_assert_eq(a->index, b->index);
    cr_assert_eq(a->count, b->count);
    cr_assert_eq(a->commit, b->commit);
    cr_assert_eq(a->aux, b->aux);
    cr_assert_eq(a->role, b->role);
    cr_assert_eq(a->ok, b->ok);
    cr_assert_eq(a->client, b->client);
    cr_assert_eq(a->request, b->request);
    cr_assert_eq(a->line, b->line);
    cr_assert_eq(a_text == NULL, b->text == NULL);
    if (a_text)
        cr_assert_str_eq(a_text, b->text);
}

/* A client's invoke, send and complete events are recorded from the
 * values and the text's length at hand (sim_emit_fields(),
 * sim_emit_text()): the listener hears each with every field and its
 * whole text (an invoke's longer than the ring keeps, a found value, "ok"
 * and "absent"), as the trace records it, and the run's hash is the fold
 * of the recorded events with each text's strlen(). */
Test(sim_client_text, the_client_events_are_heard_and_hashed_as_recorded)
{
    static struct heard_client_events h;
    uint64_t kinds = 1u << SIM_TRACE_CLIENT_INVOKE |
                     1u << SIM_TRACE_CLIENT_SEND |
                     1u << SIM_TRACE_CLIENT_COMPLETE;
    struct sim *s = recording_cluster();
    sim_set_listener(s, hear_client_event, &h);
    sim_set_listener_kinds(s, kinds);
    size_t start = sim_trace_len(s);
    char key[141];
    memset(key, 'k', sizeof(key) - 1);
    key[sizeof(key) - 1] = '\0';
    uint64_t req[8];
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, "k1", "value-one", 1,
                                    &req[0]),
                 SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_SET, key, "v", 2, &req[1]),
                 SIM_OK);
    cr_assert_eq(sim_run_until(s, 3000000), SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_GET, "k1", NULL, 3, &req[2]),
                 SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_GET, "k9", NULL, 0, &req[3]),
                 SIM_OK);
    cr_assert_eq(sim_client_read_keyed(s, "k1", SIM_READ_INDEX, 0, 7,
                                       &req[4]),
                 SIM_OK);
    cr_assert_eq(sim_run_until(s, 4000000), SIM_OK);
    cr_assert_eq(sim_client_request(s, SIM_KV_DELETE, "k1", NULL, 0,
                                    &req[5]),
                 SIM_OK);
    cr_assert_eq(sim_load(s, 40.0, 1000000, 0), SIM_OK);
    cr_assert_eq(sim_run_until(s, 6000000), SIM_OK);
    for (size_t i = 0; i < 6; i++)
        cr_assert(sim_request_completed(s, req[i]));
    cr_assert_str_eq(sim_request_result(s, req[2]), "value-one");
    cr_assert_str_eq(sim_request_result(s, req[4]), "value-one");

    const struct sim_trace_event *ev = sim_trace_events(s);
    size_t n = sim_trace_len(s);
    size_t k = 0, found = 0, absent = 0, long_texts = 0;
    for (size_t i = start; i < n; i++) {
        if ((kinds >> ev[i].kind & 1) == 0)
            continue;
        cr_assert_lt(k, h.n);
        expect_same_client_event(&h.ev[k], h.text[k], &ev[i]);
        if (ev[i].kind == SIM_TRACE_CLIENT_COMPLETE) {
            found += strcmp(ev[i].text, "value-one") == 0;
            absent += strcmp(ev[i].text, "absent") == 0;
        }
        long_texts += ev[i].text && strlen(ev[i].text) >= SIM_TRACE_TEXT_MAX;
        g_free(h.text[k]);
        k++;
    }
    cr_assert_eq(k, h.n);
    cr_assert_geq(found, 2);
    cr_assert_geq(absent, 1);
    cr_assert_geq(long_texts, 1);

    uint64_t hash = SIM_TRACE_HASH_START;
    for (size_t i = 0; i < n; i++)
        hash = sim_trace_hash_event(hash, &ev[i],
                                    ev[i].text ? strlen(ev[i].text) : 0);
    cr_assert_eq(sim_trace_hash_finish(hash, n), sim_trace_hash(s));
    sim_free(s);
}
