/* test_sim_kv_decoder.c: commands decoded once for every node
 * (sim_kv_apply_cached()) leave exactly the state, digests, replies and
 * snapshot bytes that decoding each command afresh (sim_kv_apply()) gives,
 * also when a hint is reused by another command or the bytes are
 * malformed. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_kv.h"
#include "tests/support/kv_commands.h"

/* Two machines, one applying every command afresh and the other through a
 * decoder, must agree after every command: the return value, the reply,
 * both digests and the snapshot bytes. */
struct pair_of_machines
{
    struct sim_kv *fresh, *cached;
    struct sim_kv_decoder *dc;
};

static void both_apply(struct pair_of_machines *m,
                       uint64_t hint,
                       const void *data,
                       size_t len)
{
    struct sim_kv_reply a = {0}, b = {0};
    bool ok_a = sim_kv_apply(m->fresh, data, len, &a);
    bool ok_b = sim_kv_apply_cached(m->cached, m->dc, hint, data, len, &b);
    cr_assert_eq(ok_a, ok_b);
    cr_assert_eq(a.found, b.found);
    cr_assert_eq(a.duplicate, b.duplicate);
    cr_assert_eq(a.value == NULL, b.value == NULL);
    if (a.value != NULL)
        cr_assert_str_eq(a.value, b.value);
    sim_kv_reply_clear(&a);
    sim_kv_reply_clear(&b);
    cr_assert_eq(sim_kv_digest(m->fresh), sim_kv_digest(m->cached));
    cr_assert_eq(sim_kv_state_digest(m->fresh),
                 sim_kv_state_digest(m->cached));
    cr_assert_eq(sim_kv_applied(m->fresh), sim_kv_applied(m->cached));
    GByteArray *sa = g_byte_array_new(), *sb = g_byte_array_new();
    sim_kv_serialize(m->fresh, sa);
    sim_kv_serialize(m->cached, sb);
    cr_assert_eq(sa->len, sb->len);
    cr_assert_eq(memcmp(sa->data, sb->data, sa->len), 0);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
}

static void both_apply_cmd(struct pair_of_machines *m,
                           uint64_t hint,
                           enum sim_kv_op op,
                           uint64_t client,
                           uint64_t request,
                           const char *key,
                           const char *value)
{
    GByteArray *b = kv_encoded(op, client, request, key, value);
    both_apply(m, hint, b->data, b->len);
    g_byte_array_free(b, TRUE);
}

static struct pair_of_machines machines(void)
{
    return (struct pair_of_machines){
        .fresh = sim_kv_new(),
        .cached = sim_kv_new(),
        .dc = sim_kv_decoder_new(),
    };
}

static void machines_free(struct pair_of_machines *m)
{
    sim_kv_free(m->fresh);
    sim_kv_free(m->cached);
    sim_kv_decoder_free(m->dc);
}

Test(kv_decoder, a_different_command_under_a_reused_hint_is_decoded_anew)
{
    struct pair_of_machines m = machines();
    /* Every command under hint 7: each must be compared, not trusted. */
    both_apply_cmd(&m, 7, SIM_KV_SET, 1, 1, "k1", "v1");
    both_apply_cmd(&m, 7, SIM_KV_SET, 1, 2, "k1", "v2");
    both_apply_cmd(&m, 7, SIM_KV_GET, 2, 1, "k1", NULL);
    both_apply_cmd(&m, 7, SIM_KV_SET, 1, 3, "k2", "v2");
    both_apply_cmd(&m, 7, SIM_KV_DELETE, 3, 1, "k1", NULL);
    both_apply_cmd(&m, 7, SIM_KV_GET, 2, 2, "k1", NULL);
    /* Bytes that differ only in their last byte (the value's). */
    both_apply_cmd(&m, 7, SIM_KV_SET, 4, 1, "k3", "va");
    both_apply_cmd(&m, 7, SIM_KV_SET, 4, 2, "k3", "vb");
    cr_assert_str_eq(sim_kv_get(m.cached, "k3"), "vb");
    cr_assert_null(sim_kv_get(m.cached, "k1"));
    machines_free(&m);
}

Test(kv_decoder, a_command_differing_in_any_one_byte_is_decoded_anew)
{
    /* The decoder compares a command's bytes with its copy a word at a
     * time: for every length from 1 to 40 bytes (the value's length
     * varies) and every position, a command that differs from the copy in
     * that byte alone, under the same hint, is not taken for the copy. */
    struct pair_of_machines m = machines();
    for (size_t vlen = 0; vlen <= 34; vlen++) {
        char value[40];
        memset(value, 'a', vlen);
        value[vlen] = '\0';
        GByteArray *b = kv_encoded(SIM_KV_SET, 1, vlen + 1, "k", value);
        for (size_t len = 1; len <= b->len; len++) {
            for (size_t at = 0; at < len; at++) {
                GByteArray *c = g_byte_array_sized_new(b->len);
                g_byte_array_append(c, b->data, (guint)b->len);
                both_apply(&m, 5, b->data, len);
                c->data[at] ^= at + 1 == b->len ? 0x01 : 0x20;
                both_apply(&m, 5, c->data, len);
                g_byte_array_free(c, TRUE);
            }
        }
        g_byte_array_free(b, TRUE);
    }
    machines_free(&m);
}

static void free_bytes(gpointer b)
{
    g_byte_array_free(b, TRUE);
}

Test(kv_decoder, the_same_command_applied_by_every_node_leaves_equal_states)
{
    /* Five nodes apply the same entries under their index as the hint, as
     * the engine does, with retries (duplicates), client 0 and keys that
     * share a slot 256 apart. */
    struct sim_kv *fresh = sim_kv_new();
    struct sim_kv *node[5];
    struct sim_kv_decoder *dc = sim_kv_decoder_new();
    for (int i = 0; i < 5; i++)
        node[i] = sim_kv_new();
    GPtrArray *log = g_ptr_array_new_with_free_func(free_bytes);
    for (uint64_t i = 0; i < 600; i++) {
        char key[16], value[32];
        g_snprintf(key, sizeof(key), "k%u", (unsigned)(i * 7 % 13));
        g_snprintf(value, sizeof(value), "value %u", (unsigned)i);
        enum sim_kv_op op = i % 5 == 0   ? SIM_KV_DELETE
                            : i % 3 == 0 ? SIM_KV_GET
                                         : SIM_KV_SET;
        uint64_t client = i % 11;
        uint64_t request = i / 2 + 1; /* each request id twice: retries */
        g_ptr_array_add(log, kv_encoded(op, client, request, key,
                                    op == SIM_KV_SET ? value : NULL));
    }
    for (size_t i = 0; i < log->len; i++) {
        GByteArray *b = g_ptr_array_index(log, i);
        struct sim_kv_reply want = {0};
        cr_assert(sim_kv_apply(fresh, b->data, b->len, &want));
        /* The nodes apply in turn, lagging behind each other. */
        for (int n = 0; n < 5; n++) {
            size_t at = i >= (size_t)n * 40 ? i - (size_t)n * 40 : SIZE_MAX;
            if (at == SIZE_MAX)
                continue;
            GByteArray *e = g_ptr_array_index(log, at);
            struct sim_kv_reply r = {0};
            cr_assert(sim_kv_apply_cached(node[n], dc, at + 1, e->data, e->len,
                                          &r));
            sim_kv_reply_clear(&r);
        }
        sim_kv_reply_clear(&want);
    }
    for (int n = 0; n < 5; n++) {
        for (size_t at = log->len - (size_t)n * 40; at < log->len; at++) {
            GByteArray *e = g_ptr_array_index(log, at);
            cr_assert(sim_kv_apply_cached(node[n], dc, at + 1, e->data, e->len,
                                          NULL));
        }
        cr_assert_eq(sim_kv_state_digest(node[n]), sim_kv_state_digest(fresh));
        cr_assert_eq(sim_kv_applied(node[n]), sim_kv_applied(fresh));
        sim_kv_free(node[n]);
    }
    g_ptr_array_free(log, TRUE);
    sim_kv_free(fresh);
    sim_kv_decoder_free(dc);
}

Test(kv_decoder, malformed_bytes_are_a_no_op_through_the_decoder_too)
{
    struct pair_of_machines m = machines();
    both_apply_cmd(&m, 3, SIM_KV_SET, 1, 1, "k1", "v1");
    GByteArray *b = kv_encoded(SIM_KV_SET, 1, 2, "k1", "v2");
    /* Truncated under the hint that holds the well-formed command. */
    for (size_t n = 0; n < b->len; n++)
        both_apply(&m, 3, b->data, n);
    both_apply(&m, 3, NULL, 0);
    /* A NUL inside the key. */
    GByteArray *bad = kv_encoded(SIM_KV_SET, 1, 3, "ab", "v3");
    bad->data[5] = 0;
    both_apply(&m, 3, bad->data, bad->len);
    both_apply(&m, 3, bad->data, bad->len);
    both_apply(&m, 3, b->data, b->len);
    cr_assert_str_eq(sim_kv_get(m.cached, "k1"), "v2");
    g_byte_array_free(bad, TRUE);
    g_byte_array_free(b, TRUE);
    machines_free(&m);
}

Test(kv_decoder, one_command_applied_to_different_states_gives_each_its_own)
{
    /* Machine a holds k1 and b does not: the same delete, get and set bytes
     * (one hint) find the key in a only, and each machine must end as a
     * fresh decoding leaves it. */
    struct pair_of_machines a = machines(), b = machines();
    sim_kv_decoder_free(b.dc);
    b.dc = a.dc; /* one decoder, as the nodes of a run share one */
    both_apply_cmd(&a, 1, SIM_KV_SET, 9, 1, "k1", "v1");
    both_apply_cmd(&b, 2, SIM_KV_SET, 9, 1, "k2", "v2");
    static const enum sim_kv_op ops[] = {SIM_KV_GET, SIM_KV_DELETE,
                                         SIM_KV_SET};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        GByteArray *cmd = kv_encoded(ops[i], 5, i + 1, "k1",
                                     ops[i] == SIM_KV_SET ? "v3" : NULL);
        both_apply(&a, 40 + i, cmd->data, cmd->len);
        both_apply(&b, 40 + i, cmd->data, cmd->len);
        g_byte_array_free(cmd, TRUE);
    }
    b.dc = NULL;
    machines_free(&a);
    machines_free(&b);
}

Test(kv_decoder, commands_longer_than_a_slots_room_are_decoded_exactly)
{
    /* A slot keeps a command of up to 96 bytes in its own room and a
     * longer one in a buffer of its own: commands of 1 to 300 bytes of
     * value, long and short ones alternating under one hint and spread
     * over neighbouring hints, decode as they do afresh. */
    struct pair_of_machines m = machines();
    char value[301];
    uint64_t request = 1;
    for (size_t vlen = 0; vlen <= 300; vlen += 7) {
        memset(value, 'a' + (char)(vlen % 26), vlen);
        value[vlen] = '\0';
        for (uint64_t hint = 10; hint < 13; hint++) {
            both_apply_cmd(&m, hint, SIM_KV_SET, 1, request++, "k", value);
            both_apply_cmd(&m, hint, SIM_KV_SET, 2, request++, "k", "v");
            both_apply_cmd(&m, hint, SIM_KV_GET, 3, request++, "k", NULL);
        }
    }
    cr_assert_eq(sim_kv_get(m.cached, "k")[0], 'v');
    machines_free(&m);
}
