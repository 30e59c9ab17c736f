/* test_sim_kv_share.c: snapshots written once for the machines known to
 * hold one state (sim_kv_serialize_shared()): a machine is given another's
 * bytes only when both applied the same commands' bytes through one
 * decoder from states known equal, or restored the same bytes; whatever
 * the machines do, the bytes it is given are the bytes of its own state. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_kv.h"
#include "tests/support/kv_commands.h"

/* A copy of kv's snapshot through dc, checked to be the bytes
 * sim_kv_serialize() writes for kv itself; *shared_with receives the
 * array dc lent (compared by address only). */
static GByteArray *shared_snapshot(const struct sim_kv *kv,
                                   struct sim_kv_decoder *dc,
                                   const GByteArray **shared_with)
{
    const GByteArray *lent = sim_kv_serialize_shared(kv, dc);
    GByteArray *own = g_byte_array_new();
    sim_kv_serialize(kv, own);
    cr_assert_eq(lent->len, own->len);
    cr_assert_eq(memcmp(lent->data, own->data, own->len), 0,
                 "a machine was given bytes of another state");
    if (shared_with != NULL)
        *shared_with = lent;
    return own;
}

/* shared_snapshot() for its checks and the array dc lent only. */
static const GByteArray *lent_snapshot(const struct sim_kv *kv,
                                       struct sim_kv_decoder *dc)
{
    const GByteArray *lent;
    g_byte_array_free(shared_snapshot(kv, dc, &lent), TRUE);
    return lent;
}

static void apply(struct sim_kv *kv,
                  struct sim_kv_decoder *dc,
                  uint64_t hint,
                  enum sim_kv_op op,
                  uint64_t client,
                  uint64_t request,
                  const char *key,
                  const char *value)
{
    GByteArray *b = kv_encoded(op, client, request, key, value);
    struct sim_kv_reply r = {0};
    cr_assert(sim_kv_apply_cached(kv, dc, hint, b->data, b->len, &r));
    sim_kv_reply_clear(&r);
    g_byte_array_free(b, TRUE);
}

static struct sim_kv_decoder *sharing_decoder(void)
{
    struct sim_kv_decoder *dc = sim_kv_decoder_new();
    sim_kv_decoder_share_snapshots(dc);
    return dc;
}

Test(kv_share, machines_that_applied_the_same_commands_share_one_snapshot)
{
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *a = sim_kv_new(), *b = sim_kv_new();
    struct sim_kv *both[2] = {a, b};
    for (size_t m = 0; m < 2; m++)
        for (uint64_t i = 1; i <= 40; i++) {
            char key[8], value[16];
            g_snprintf(key, sizeof key, "k%u", (unsigned)(i % 7));
            g_snprintf(value, sizeof value, "v%u", (unsigned)i);
            apply(both[m], dc, i, SIM_KV_SET, i % 5, i, key, value);
        }
    const GByteArray *sa, *sb;
    GByteArray *ba = shared_snapshot(a, dc, &sa);
    GByteArray *bb = shared_snapshot(b, dc, &sb);
    cr_assert_eq(sa, sb, "b's snapshot was written again");
    g_byte_array_free(ba, TRUE);
    g_byte_array_free(bb, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_decoder_free(dc);
}

Test(kv_share, another_command_under_the_same_hint_leads_to_another_state)
{
    /* As when a faulty core applies different entries at one index: the
     * decoder decodes b's command anew in the slot a's used, and b must not
     * be taken for a, neither then nor after both apply the same command. */
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *a = sim_kv_new(), *b = sim_kv_new();
    apply(a, dc, 1, SIM_KV_SET, 1, 1, "k", "x");
    apply(b, dc, 1, SIM_KV_SET, 1, 1, "k", "y");
    GByteArray *ba = shared_snapshot(a, dc, NULL);
    GByteArray *bb = shared_snapshot(b, dc, NULL);
    cr_assert(ba->len != bb->len || memcmp(ba->data, bb->data, ba->len) != 0);
    apply(a, dc, 2, SIM_KV_GET, 2, 1, "k", NULL);
    apply(b, dc, 2, SIM_KV_GET, 2, 1, "k", NULL);
    (void)lent_snapshot(a, dc);
    (void)lent_snapshot(b, dc);
    /* The same command from a state that differs only in what came
     * before it in the same slot. */
    apply(a, dc, 257, SIM_KV_SET, 3, 1, "j", "z");
    apply(b, dc, 257, SIM_KV_SET, 3, 1, "j", "z");
    (void)lent_snapshot(a, dc);
    (void)lent_snapshot(b, dc);
    g_byte_array_free(ba, TRUE);
    g_byte_array_free(bb, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_decoder_free(dc);
}

Test(kv_share, a_restored_machine_shares_with_the_machine_it_restored_from)
{
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *a = sim_kv_new(), *b = sim_kv_new();
    apply(a, dc, 1, SIM_KV_SET, 1, 1, "k1", "v1");
    apply(a, dc, 2, SIM_KV_SET, 2, 1, "k2", "v2");
    GByteArray *snap = shared_snapshot(a, dc, NULL);
    cr_assert(sim_kv_restore_shared(b, dc, snap->data, snap->len));
    const GByteArray *sa, *sb;
    sa = lent_snapshot(a, dc);
    sb = lent_snapshot(b, dc);
    cr_assert_eq(sa, sb);
    apply(a, dc, 3, SIM_KV_DELETE, 1, 2, "k1", NULL);
    apply(b, dc, 3, SIM_KV_DELETE, 1, 2, "k1", NULL);
    sa = lent_snapshot(a, dc);
    sb = lent_snapshot(b, dc);
    cr_assert_eq(sa, sb);
    /* Restored through a decoder that does not know the bytes, or without
     * one: known to equal no other machine. */
    struct sim_kv *c = sim_kv_new();
    cr_assert(sim_kv_restore(c, snap->data, snap->len));
    apply(c, dc, 3, SIM_KV_DELETE, 1, 2, "k1", NULL);
    const GByteArray *sc;
    sc = lent_snapshot(c, dc);
    cr_assert_neq(sc, sa);
    g_byte_array_free(snap, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_free(c);
    sim_kv_decoder_free(dc);
}

Test(kv_share, a_decoder_that_does_not_share_writes_every_snapshot)
{
    struct sim_kv_decoder *dc = sim_kv_decoder_new();
    struct sim_kv *a = sim_kv_new(), *b = sim_kv_new();
    apply(a, dc, 1, SIM_KV_SET, 1, 1, "k1", "v1");
    apply(b, dc, 1, SIM_KV_SET, 1, 1, "k1", "v1");
    const GByteArray *sa, *sb;
    sa = lent_snapshot(a, dc);
    sb = lent_snapshot(b, dc);
    cr_assert_neq(sa, sb);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_decoder_free(dc);
}

/* Four machines apply one log under its indices, as the nodes of a run:
 * machine 3 applies other commands at some indices (a faulty core), 2
 * lags and sometimes restores 0's latest snapshot, 1 sometimes loses its
 * state and restores its own last snapshot, and each is asked for its
 * snapshot after every command. Every time it must get its own bytes. */
Test(kv_share, every_machine_is_given_the_bytes_of_its_own_state)
{
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *m[4];
    GByteArray *last[4];
    uint64_t at[4] = {0};
    for (int i = 0; i < 4; i++) {
        m[i] = sim_kv_new();
        last[i] = shared_snapshot(m[i], dc, NULL);
    }
    guint32 x = 12345;
    for (uint64_t index = 1; index <= 900; index++) {
        for (int i = 0; i < 4; i++) {
            x = x * 1103515245u + 12345u;
            if (i == 2 && (x >> 16) % 3 == 0)
                continue; /* lags */
            uint64_t n = ++at[i];
            char key[8], value[16];
            unsigned alt = i == 3 && n % 17 == 0 ? 1u : 0u;
            g_snprintf(key, sizeof key, "k%u", (unsigned)(n % 9));
            g_snprintf(value, sizeof value, "v%u", (unsigned)(n + alt));
            enum sim_kv_op op = n % 5 == 0   ? SIM_KV_DELETE
                                : n % 4 == 0 ? SIM_KV_GET
                                             : SIM_KV_SET;
            apply(m[i], dc, n, op, n % 13, n / 2 + 1, key,
                  op == SIM_KV_SET ? value : NULL);
            if (i == 1 && (x >> 16) % 29 == 0) {
                /* Loses its state and restores its last snapshot. */
                sim_kv_free(m[1]);
                m[1] = sim_kv_new();
                cr_assert(sim_kv_restore_shared(m[1], dc, last[1]->data,
                                                last[1]->len));
                at[1] = n - 1; /* applies command n again next */
            }
            if (i == 2 && (x >> 16) % 31 == 0 && at[0] > at[2]) {
                cr_assert(sim_kv_restore_shared(m[2], dc, last[0]->data,
                                                last[0]->len));
                at[2] = at[0];
            }
            g_byte_array_free(last[i], TRUE);
            last[i] = shared_snapshot(m[i], dc, NULL);
        }
    }
    for (int i = 0; i < 4; i++) {
        g_byte_array_free(last[i], TRUE);
        sim_kv_free(m[i]);
    }
    sim_kv_decoder_free(dc);
}

/* Applies one command to a and b without a decoder; their replies must be
 * equal. */
static void apply_both(struct sim_kv *a, struct sim_kv *b, enum sim_kv_op op,
                       uint64_t client, uint64_t request, const char *key,
                       const char *value)
{
    GByteArray *cmd = kv_encoded(op, client, request, key, value);
    struct sim_kv_reply ra = {0}, rb = {0};
    cr_assert(sim_kv_apply(a, cmd->data, cmd->len, &ra));
    cr_assert(sim_kv_apply(b, cmd->data, cmd->len, &rb));
    cr_assert_eq(ra.found, rb.found);
    cr_assert_eq(ra.duplicate, rb.duplicate);
    cr_assert_eq(ra.value_len, rb.value_len);
    if (ra.value != NULL)
        cr_assert_str_eq(ra.value, rb.value);
    sim_kv_reply_clear(&ra);
    sim_kv_reply_clear(&rb);
    g_byte_array_free(cmd, TRUE);
}

/* a and b hold equal states: digests, counts and snapshot bytes. */
static void assert_same_state(const struct sim_kv *a, const struct sim_kv *b)
{
    cr_assert_eq(sim_kv_state_digest(a), sim_kv_state_digest(b));
    cr_assert_eq(sim_kv_digest(a), sim_kv_digest(b));
    cr_assert_eq(sim_kv_applied(a), sim_kv_applied(b));
    cr_assert_eq(sim_kv_size(a), sim_kv_size(b));
    GByteArray *sa = g_byte_array_new(), *sb = g_byte_array_new();
    sim_kv_serialize(a, sa);
    sim_kv_serialize(b, sb);
    cr_assert_eq(sa->len, sb->len);
    cr_assert_eq(memcmp(sa->data, sb->data, sa->len), 0);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
}

Test(kv_share, a_restore_copying_a_live_machine_gives_the_state_its_bytes_give)
{
    /* a's state (removed pairs, sessions with and without reply values,
     * long and short values) is snapshotted; b restores the bytes through
     * the decoder while a lives, so it copies a; c reads the bytes. Both
     * must hold the same state, and stay equal through more commands;
     * once a is freed, d copies b, which restored the same bytes. */
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *a = sim_kv_new();
    uint64_t hint = 1;
    for (uint64_t i = 1; i <= 60; i++) {
        char key[8], value[48];
        g_snprintf(key, sizeof key, "k%u", (unsigned)(i % 13));
        g_snprintf(value, sizeof value, "%0*u", (int)(i % 40) + 1,
                   (unsigned)i);
        enum sim_kv_op op = i % 5 == 0   ? SIM_KV_DELETE
                            : i % 3 == 0 ? SIM_KV_GET
                                         : SIM_KV_SET;
        apply(a, dc, hint++, op, i % 9, i, key,
              op == SIM_KV_SET ? value : NULL);
    }
    apply(a, dc, hint++, SIM_KV_SET, 5000, 1, "far", "client");
    GByteArray *snap = shared_snapshot(a, dc, NULL);
    struct sim_kv *b = sim_kv_new(), *c = sim_kv_new();
    cr_assert(sim_kv_restore_shared(b, dc, snap->data, snap->len));
    cr_assert_eq(sim_kv_decoder_copied(dc), 1, "b did not copy a");
    cr_assert(sim_kv_restore(c, snap->data, snap->len));
    assert_same_state(b, c);
    assert_same_state(a, b);
    sim_kv_free(a);
    struct sim_kv *d = sim_kv_new();
    cr_assert(sim_kv_restore_shared(d, dc, snap->data, snap->len));
    cr_assert_eq(sim_kv_decoder_copied(dc), 2, "d did not copy b");
    assert_same_state(d, c);
    for (uint64_t i = 1; i <= 30; i++) {
        char key[8], value[48];
        g_snprintf(key, sizeof key, "k%u", (unsigned)(i % 17));
        g_snprintf(value, sizeof value, "%0*u", (int)(i % 35) + 1,
                   (unsigned)(i * 7));
        enum sim_kv_op op = i % 4 == 0   ? SIM_KV_DELETE
                            : i % 3 == 0 ? SIM_KV_GET
                                         : SIM_KV_SET;
        const char *v = op == SIM_KV_SET ? value : NULL;
        /* Clients 0 to 8 again: retries of old requests and new ones. */
        apply_both(b, c, op, i % 9, 55 + i % 10, key, v);
        struct sim_kv_reply r = {0};
        GByteArray *cmd = kv_encoded(op, i % 9, 55 + i % 10, key, v);
        cr_assert(sim_kv_apply(d, cmd->data, cmd->len, &r));
        sim_kv_reply_clear(&r);
        g_byte_array_free(cmd, TRUE);
        assert_same_state(b, c);
        assert_same_state(d, c);
    }
    g_byte_array_free(snap, TRUE);
    sim_kv_free(b);
    sim_kv_free(c);
    sim_kv_free(d);
    sim_kv_decoder_free(dc);
}

/* The snapshot bytes of a machine that applies cmds[0..n) from the empty
 * state and writes nothing before: every session written from its
 * fields, none from bytes kept by an earlier snapshot. */
static GByteArray *fresh_snapshot(GByteArray *const *cmds, size_t n)
{
    struct sim_kv *kv = sim_kv_new();
    for (size_t i = 0; i < n; i++)
        cr_assert(sim_kv_apply(kv, cmds[i]->data, cmds[i]->len, NULL));
    GByteArray *b = g_byte_array_new();
    sim_kv_serialize(kv, b);
    sim_kv_free(kv);
    return b;
}

static void assert_bytes(const GByteArray *got, const GByteArray *want)
{
    cr_assert_eq(got->len, want->len);
    cr_assert_eq(memcmp(got->data, want->data, want->len), 0,
                 "a session was written from bytes it no longer has");
}

Test(kv_share, a_session_written_from_its_kept_bytes_is_written_as_its_fields)
{
    /* a snapshots after every command, so that its sessions keep their
     * bytes and most are written from them; each of its snapshots must be
     * the bytes of a machine that wrote nothing before. Clients of one-
     * and two-byte ids (and a far one), request ids of up to three bytes,
     * replies with and without values and found flags that change while
     * the request id grows; b restores a's bytes through the decoder
     * while a lives (so it copies a's sessions and their kept bytes) and
     * goes on with the same commands. */
    enum { N = 240 };
    static const uint64_t clients[] = {1, 7, 127, 128, 300, 4095, 5000};
    GByteArray *cmds[N];
    struct sim_kv_decoder *dc = sharing_decoder();
    struct sim_kv *a = sim_kv_new(), *b = NULL;
    for (size_t i = 0; i < N; i++) {
        char key[8], value[24];
        g_snprintf(key, sizeof key, "k%u", (unsigned)(i % 5));
        g_snprintf(value, sizeof value, "%0*u", (int)(i % 20) + 1,
                   (unsigned)i);
        enum sim_kv_op op = i % 4 == 0   ? SIM_KV_DELETE
                            : i % 3 == 0 ? SIM_KV_GET
                                         : SIM_KV_SET;
        uint64_t client = clients[(i * 3 + i / 7) % G_N_ELEMENTS(clients)];
        /* Request ids grow per client; some jump past two bytes. */
        uint64_t request = i + 1 + (i > N / 2 ? 20000 : 0);
        cmds[i] = kv_encoded(op, client, request, key,
                             op == SIM_KV_SET ? value : NULL);
        cr_assert(sim_kv_apply_cached(a, dc, i + 1, cmds[i]->data,
                                      cmds[i]->len, NULL));
        if (b != NULL)
            cr_assert(sim_kv_apply_cached(b, dc, i + 1, cmds[i]->data,
                                          cmds[i]->len, NULL));
        GByteArray *want = fresh_snapshot(cmds, i + 1);
        GByteArray *got = g_byte_array_new();
        sim_kv_serialize(a, got);
        assert_bytes(got, want);
        if (b != NULL) {
            g_byte_array_set_size(got, 0);
            sim_kv_serialize(b, got);
            assert_bytes(got, want);
        }
        if (i == N / 3) {
            const GByteArray *lent = sim_kv_serialize_shared(a, dc);
            b = sim_kv_new();
            cr_assert(sim_kv_restore_shared(b, dc, lent->data, lent->len));
            cr_assert_eq(sim_kv_decoder_copied(dc), 1, "b did not copy a");
        }
        g_byte_array_free(got, TRUE);
        g_byte_array_free(want, TRUE);
    }
    for (size_t i = 0; i < N; i++)
        g_byte_array_free(cmds[i], TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_decoder_free(dc);
}
