/* test_sim_kv.c: the key-value state machine, its command encoding, sessions,
 * digest and snapshots. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_kv.h"
#include "tests/support/kv_commands.h"

/* Applies one command and returns its reply (caller clears it). */
static struct sim_kv_reply apply(struct sim_kv *kv,
                                 enum sim_kv_op op,
                                 uint64_t client,
                                 uint64_t request,
                                 const char *key,
                                 const char *value)
{
    struct sim_kv_reply r = {0};
    GByteArray *b = kv_encoded(op, client, request, key, value);
    cr_assert(sim_kv_apply(kv, b->data, b->len, &r));
    g_byte_array_free(b, TRUE);
    return r;
}

static void apply_quiet(struct sim_kv *kv,
                        enum sim_kv_op op,
                        uint64_t client,
                        uint64_t request,
                        const char *key,
                        const char *value)
{
    struct sim_kv_reply r = apply(kv, op, client, request, key, value);
    sim_kv_reply_clear(&r);
}

Test(kv_encoding, set_command_round_trips_exactly)
{
    GByteArray *b =
        kv_encoded(SIM_KV_SET, 300, 1ULL << 63, "alpha", "beta gamma");
    struct sim_kv_command cmd;
    char *buf;
    cr_assert(sim_kv_decode(b->data, b->len, &cmd, &buf));
    cr_assert_eq(cmd.op, SIM_KV_SET);
    cr_assert_eq(cmd.client, 300);
    cr_assert_eq(cmd.request, 1ULL << 63);
    cr_assert_str_eq(cmd.key, "alpha");
    cr_assert_str_eq(cmd.value, "beta gamma");

    GByteArray *again = g_byte_array_new();
    sim_kv_encode(&cmd, again);
    cr_assert_eq(again->len, b->len);
    cr_assert_arr_eq(again->data, b->data, b->len);
    g_free(buf);
    g_byte_array_free(again, TRUE);
    g_byte_array_free(b, TRUE);
}

Test(kv_encoding, get_and_delete_round_trip_without_value)
{
    enum sim_kv_op ops[2] = {SIM_KV_GET, SIM_KV_DELETE};
    for (int i = 0; i < 2; i++) {
        GByteArray *b = kv_encoded(ops[i], 0, 0, "", NULL);
        struct sim_kv_command cmd;
        char *buf;
        cr_assert(sim_kv_decode(b->data, b->len, &cmd, &buf));
        cr_assert_eq(cmd.op, ops[i]);
        cr_assert_eq(cmd.client, 0);
        cr_assert_eq(cmd.request, 0);
        cr_assert_str_eq(cmd.key, "");
        cr_assert_null(cmd.value);
        g_free(buf);
        g_byte_array_free(b, TRUE);
    }
}

Test(kv_encoding, encoding_is_compact_for_small_numbers)
{
    /* op, client, request, key length, key, value length, value */
    GByteArray *b = kv_encoded(SIM_KV_SET, 1, 2, "k", "v");
    cr_assert_eq(b->len, 7);
    const guint8 want[7] = {SIM_KV_SET, 1, 2, 1, 'k', 1, 'v'};
    cr_assert_arr_eq(b->data, want, 7);
    g_byte_array_free(b, TRUE);
}

Test(kv_encoding, every_truncation_is_rejected)
{
    GByteArray *b =
        kv_encoded(SIM_KV_SET, 123456789, 987654321, "key", "value");
    for (size_t n = 0; n < b->len; n++) {
        /* A copy of exactly n bytes, so reading past it is caught by ASan. */
        guint8 *copy = g_memdup2(b->data, n > 0 ? n : 1);
        struct sim_kv_command cmd;
        char *buf = (char *)"untouched";
        cr_assert_not(sim_kv_decode(copy, n, &cmd, &buf), "length %zu", n);
        cr_assert_null(buf);
        g_free(copy);
    }
    g_byte_array_free(b, TRUE);
}

Test(kv_encoding, a_nul_anywhere_in_a_key_or_value_is_rejected)
{
    /* Keys and values of 1 to 24 bytes, a NUL put at each byte in turn:
     * the decoder reads them eight bytes at a time. */
    for (size_t n = 1; n <= 24; n++) {
        char text[32];
        memset(text, 'x', n);
        text[n] = '\0';
        GByteArray *b = kv_encoded(SIM_KV_SET, 1, 1, text, text);
        size_t key_at = 4, value_at = key_at + n + 1; /* op client req len */
        struct sim_kv_command cmd;
        char *buf;
        cr_assert(sim_kv_decode(b->data, b->len, &cmd, &buf));
        g_free(buf);
        for (size_t i = 0; i < n; i++) {
            for (int part = 0; part < 2; part++) {
                size_t at = (part == 0 ? key_at : value_at) + i;
                b->data[at] = 0;
                cr_assert_not(sim_kv_decode(b->data, b->len, &cmd, &buf),
                              "length %zu, NUL at %zu", n, at);
                b->data[at] = 'x';
            }
        }
        g_byte_array_free(b, TRUE);
    }
}

Test(kv_encoding, garbage_bytes_are_rejected)
{
    struct sim_kv_command cmd;
    char *buf;
    const guint8 bad_op[] = {0, 0, 0, 1, 'k'};
    const guint8 op_too_big[] = {4, 0, 0, 1, 'k'};
    const guint8 trailing[] = {SIM_KV_GET, 0, 0, 1, 'k', 0};
    const guint8 length_past_end[] = {SIM_KV_GET, 0, 0, 0x7f, 'k'};
    const guint8 huge_length[] = {SIM_KV_GET, 0,    0,    0xff, 0xff, 0xff,
                                  0xff,       0xff, 0xff, 0xff, 0xff, 0x01};
    const guint8 nul_in_key[] = {SIM_KV_GET, 0, 0, 2, 'k', 0};
    const guint8 overlong_varint[] = {SIM_KV_GET, 0x81, 0x00, 0, 1, 'k'};
    const guint8 varint_overflow[] = {SIM_KV_GET, 0xff, 0xff, 0xff, 0xff,
                                      0xff,       0xff, 0xff, 0xff, 0xff,
                                      0x02,       0,    1,    'k'};
    const guint8 get_with_value[] = {SIM_KV_GET, 0, 0, 1, 'k', 1, 'v'};
    const guint8 *cases[] = {bad_op,          op_too_big,      trailing,
                             length_past_end, huge_length,     nul_in_key,
                             overlong_varint, varint_overflow, get_with_value};
    const size_t lens[] = {
        sizeof bad_op,          sizeof op_too_big,      sizeof trailing,
        sizeof length_past_end, sizeof huge_length,     sizeof nul_in_key,
        sizeof overlong_varint, sizeof varint_overflow, sizeof get_with_value};
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        cr_assert_not(sim_kv_decode(cases[i], lens[i], &cmd, &buf), "case %zu",
                      i);
        cr_assert_null(buf);
    }
}

Test(kv_apply, malformed_command_is_a_no_op)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "1");
    uint64_t digest = sim_kv_digest(kv);
    const guint8 junk[] = {9, 9, 9};
    struct sim_kv_reply r = {0};
    cr_assert_not(sim_kv_apply(kv, junk, sizeof junk, &r));
    cr_assert_not(r.found);
    cr_assert_null(r.value);
    cr_assert_eq(sim_kv_digest(kv), digest);
    cr_assert_eq(sim_kv_applied(kv), 1);
    cr_assert_str_eq(sim_kv_get(kv, "x"), "1");
    sim_kv_free(kv);
}

Test(kv_apply, set_get_delete_follow_the_model)
{
    struct sim_kv *kv = sim_kv_new();
    struct sim_kv_reply r = apply(kv, SIM_KV_GET, 1, 1, "x", NULL);
    cr_assert_not(r.found);
    cr_assert_null(r.value);
    sim_kv_reply_clear(&r);

    apply_quiet(kv, SIM_KV_SET, 1, 2, "x", "10");
    r = apply(kv, SIM_KV_GET, 1, 3, "x", NULL);
    cr_assert(r.found);
    cr_assert_str_eq(r.value, "10");
    cr_assert_not(r.duplicate);
    sim_kv_reply_clear(&r);

    r = apply(kv, SIM_KV_DELETE, 1, 4, "x", NULL);
    cr_assert(r.found);
    sim_kv_reply_clear(&r);
    cr_assert_null(sim_kv_get(kv, "x"));
    cr_assert_eq(sim_kv_size(kv), 0);
    cr_assert_eq(sim_kv_applied(kv), 4);
    cr_assert_eq(sim_kv_digest(kv), 0);
    sim_kv_free(kv);
}

Test(kv_apply, a_reply_value_is_borrowed_from_the_machine)
{
    /* No copy is made for a reply: a get's value is the pair's own bytes,
     * a retried get's the session's, each NUL-ended. */
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "ten");
    struct sim_kv_reply r = apply(kv, SIM_KV_GET, 4, 1, "x", NULL);
    cr_assert(r.found);
    cr_assert_eq(r.value, sim_kv_get(kv, "x"));
    cr_assert_str_eq(r.value, "ten");
    sim_kv_reply_clear(&r);
    cr_assert_null(r.value);
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "eleven");
    r = apply(kv, SIM_KV_GET, 4, 1, "x", NULL);
    cr_assert(r.duplicate);
    cr_assert_str_eq(r.value, "ten");
    cr_assert_neq(r.value, sim_kv_get(kv, "x"));
    sim_kv_reply_clear(&r);
    sim_kv_free(kv);
}

Test(kv_apply, a_reply_carries_the_length_of_its_value)
{
    /* The client copies a reply's value by this length: a get's, a retried
     * get's (from the session) and a miss's (none). */
    struct sim_kv *kv = sim_kv_new();
    struct sim_kv_reply r = apply(kv, SIM_KV_GET, 4, 1, "x", NULL);
    cr_assert_eq(r.value_len, 0);
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "twelve");
    r = apply(kv, SIM_KV_GET, 4, 2, "x", NULL);
    cr_assert_eq(r.value_len, strlen("twelve"));
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "seven");
    r = apply(kv, SIM_KV_GET, 4, 2, "x", NULL);
    cr_assert(r.duplicate);
    cr_assert_str_eq(r.value, "twelve");
    cr_assert_eq(r.value_len, strlen("twelve"));
    r = apply(kv, SIM_KV_GET, 4, 3, "x", NULL);
    cr_assert_eq(r.value_len, strlen("seven"));
    sim_kv_reply_clear(&r);
    cr_assert_eq(r.value_len, 0);
    sim_kv_free(kv);
}

Test(kv_sessions, retried_set_is_answered_from_session_and_not_applied)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 7, 1, "x", "a");
    apply_quiet(kv, SIM_KV_SET, 8, 1, "x", "b");
    /* Client 7 retries its request 1: x must stay "b". */
    struct sim_kv_reply r = apply(kv, SIM_KV_SET, 7, 1, "x", "a");
    cr_assert(r.duplicate);
    sim_kv_reply_clear(&r);
    cr_assert_str_eq(sim_kv_get(kv, "x"), "b");
    /* The retry took no effect, so it does not count as applied. */
    cr_assert_eq(sim_kv_applied(kv), 2);
    sim_kv_free(kv);
}

Test(kv_sessions, retried_get_returns_the_first_answer)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "old");
    apply_quiet(kv, SIM_KV_GET, 5, 9, "x", NULL);
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "new");
    struct sim_kv_reply r = apply(kv, SIM_KV_GET, 5, 9, "x", NULL);
    cr_assert(r.duplicate);
    cr_assert(r.found);
    cr_assert_str_eq(r.value, "old");
    sim_kv_reply_clear(&r);
    sim_kv_free(kv);
}

Test(kv_sessions, every_session_keeps_its_own_reply_across_blocks)
{
    /* Sessions are carved side by side from shared blocks: hundreds of
     * clients, each with a reply value of its own length (some longer than
     * a new session's room), are each answered with exactly their first
     * reply when they retry, before and after a snapshot's restore. */
    enum { CLIENTS = 300 };
    struct sim_kv *kv = sim_kv_new();
    char key[16], value[96];
    for (unsigned c = 1; c <= CLIENTS; c++) {
        g_snprintf(key, sizeof key, "k%u", c);
        memset(value, 'a' + (char)(c % 26), sizeof value);
        value[c % 80] = '\0';
        apply_quiet(kv, SIM_KV_SET, 0, 0, key, value);
        apply_quiet(kv, SIM_KV_GET, c, 1, key, NULL);
        apply_quiet(kv, SIM_KV_SET, 0, 0, key, "changed");
    }
    GByteArray *snap = g_byte_array_new();
    sim_kv_serialize(kv, snap);
    struct sim_kv *restored = sim_kv_new();
    cr_assert(sim_kv_restore(restored, snap->data, snap->len));
    struct sim_kv *both[] = {kv, restored};
    for (int i = 0; i < 2; i++) {
        for (unsigned c = 1; c <= CLIENTS; c++) {
            g_snprintf(key, sizeof key, "k%u", c);
            memset(value, 'a' + (char)(c % 26), sizeof value);
            value[c % 80] = '\0';
            struct sim_kv_reply r = apply(both[i], SIM_KV_GET, c, 1, key, NULL);
            cr_assert(r.duplicate);
            cr_assert(r.found);
            cr_assert_str_eq(r.value, value, "client %u", c);
            cr_assert_eq(r.value_len, strlen(value));
            sim_kv_reply_clear(&r);
        }
    }
    g_byte_array_free(snap, TRUE);
    sim_kv_free(restored);
    sim_kv_free(kv);
}

Test(kv_sessions, older_request_is_a_duplicate_too)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 3, 5, "x", "five");
    struct sim_kv_reply r = apply(kv, SIM_KV_DELETE, 3, 4, "x", NULL);
    cr_assert(r.duplicate);
    sim_kv_reply_clear(&r);
    cr_assert_str_eq(sim_kv_get(kv, "x"), "five");
    sim_kv_free(kv);
}

Test(kv_sessions, client_zero_has_no_session)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 0, 1, "x", "a");
    apply_quiet(kv, SIM_KV_SET, 0, 1, "x", "b");
    struct sim_kv_reply r = apply(kv, SIM_KV_DELETE, 0, 1, "x", NULL);
    cr_assert_not(r.duplicate);
    cr_assert(r.found);
    sim_kv_reply_clear(&r);
    cr_assert_null(sim_kv_get(kv, "x"));
    /* No session was recorded: the snapshot lists none. */
    GByteArray *b = g_byte_array_new();
    sim_kv_serialize(kv, b);
    const guint8 want[] = {'R', 'K', 'V', 1, 3, 0, 0};
    cr_assert_eq(b->len, sizeof want);
    cr_assert_arr_eq(b->data, want, sizeof want);
    g_byte_array_free(b, TRUE);
    sim_kv_free(kv);
}

Test(kv_digest, equal_states_built_in_different_orders_have_equal_digests)
{
    struct sim_kv *a = sim_kv_new();
    struct sim_kv *b = sim_kv_new();
    apply_quiet(a, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(a, SIM_KV_SET, 0, 0, "y", "2");
    apply_quiet(a, SIM_KV_SET, 0, 0, "z", "3");

    apply_quiet(b, SIM_KV_SET, 0, 0, "z", "0");
    apply_quiet(b, SIM_KV_SET, 0, 0, "y", "2");
    apply_quiet(b, SIM_KV_SET, 0, 0, "w", "9");
    apply_quiet(b, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(b, SIM_KV_DELETE, 0, 0, "w", NULL);
    apply_quiet(b, SIM_KV_SET, 0, 0, "z", "3");

    cr_assert_eq(sim_kv_digest(a), sim_kv_digest(b));
    cr_assert_neq(sim_kv_digest(a), 0);
    sim_kv_free(a);
    sim_kv_free(b);
}

Test(kv_digest, a_deleted_key_leaves_no_trace_in_the_state)
{
    /* The table keeps a deleted key's pair for its next set: until then
     * the pair is in no look-up, key list, digest or snapshot. */
    struct sim_kv *a = sim_kv_new();
    struct sim_kv *b = sim_kv_new();
    apply_quiet(a, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(a, SIM_KV_SET, 0, 0, "gone", "a long value, moved out");
    apply_quiet(a, SIM_KV_DELETE, 0, 0, "gone", NULL);
    apply_quiet(b, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(b, SIM_KV_GET, 0, 0, "x", NULL);
    apply_quiet(b, SIM_KV_GET, 0, 0, "x", NULL);
    apply_quiet(b, SIM_KV_GET, 0, 0, "x", NULL);
    struct sim_kv_reply r = apply(a, SIM_KV_GET, 0, 0, "gone", NULL);
    cr_assert_not(r.found);
    sim_kv_reply_clear(&r);
    r = apply(a, SIM_KV_DELETE, 0, 0, "gone", NULL);
    cr_assert_not(r.found);
    sim_kv_reply_clear(&r);
    apply_quiet(b, SIM_KV_DELETE, 0, 0, "gone", NULL);
    cr_assert_null(sim_kv_get(a, "gone"));
    cr_assert_eq(sim_kv_size(a), 1);
    GPtrArray *keys = sim_kv_sorted_keys(a);
    cr_assert_eq(keys->len, 1);
    cr_assert_str_eq(g_ptr_array_index(keys, 0), "x");
    g_ptr_array_free(keys, TRUE);
    cr_assert_eq(sim_kv_state_digest(a), sim_kv_state_digest(b));
    GByteArray *sa = g_byte_array_new(), *sb = g_byte_array_new();
    sim_kv_serialize(a, sa);
    sim_kv_serialize(b, sb);
    cr_assert_eq(sa->len, sb->len);
    cr_assert_arr_eq(sa->data, sb->data, sa->len);
    /* Set again, it is a pair like any other. */
    r = apply(a, SIM_KV_SET, 0, 0, "gone", "back");
    cr_assert_not(r.found);
    sim_kv_reply_clear(&r);
    apply_quiet(b, SIM_KV_SET, 0, 0, "gone", "back");
    cr_assert_str_eq(sim_kv_get(a, "gone"), "back");
    cr_assert_eq(sim_kv_size(a), 2);
    cr_assert_eq(sim_kv_state_digest(a), sim_kv_state_digest(b));
    g_byte_array_set_size(sa, 0);
    g_byte_array_set_size(sb, 0);
    sim_kv_serialize(a, sa);
    sim_kv_serialize(b, sb);
    cr_assert_eq(sa->len, sb->len);
    cr_assert_arr_eq(sa->data, sb->data, sa->len);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
}

Test(kv_digest, different_states_have_different_digests)
{
    struct sim_kv *a = sim_kv_new();
    struct sim_kv *b = sim_kv_new();
    struct sim_kv *c = sim_kv_new();
    /* Same strings split differently between key and value. */
    apply_quiet(a, SIM_KV_SET, 0, 0, "ab", "c");
    apply_quiet(b, SIM_KV_SET, 0, 0, "a", "bc");
    apply_quiet(c, SIM_KV_SET, 0, 0, "ab", "d");
    cr_assert_neq(sim_kv_digest(a), sim_kv_digest(b));
    cr_assert_neq(sim_kv_digest(a), sim_kv_digest(c));
    cr_assert_neq(sim_kv_digest(b), sim_kv_digest(c));
    /* Swapped values between two keys. */
    apply_quiet(a, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(a, SIM_KV_SET, 0, 0, "y", "2");
    apply_quiet(c, SIM_KV_SET, 0, 0, "ab", "c");
    apply_quiet(c, SIM_KV_SET, 0, 0, "x", "2");
    apply_quiet(c, SIM_KV_SET, 0, 0, "y", "1");
    cr_assert_neq(sim_kv_digest(a), sim_kv_digest(c));
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_free(c);
}

Test(kv_digest, digest_is_a_stable_function_of_the_pairs)
{
    /* Guards against a hash that changes between builds or platforms:
     * FNV-1a of "x\0001" then sim_hash_mix (the splitmix64 finaliser after
     * the golden-ratio increment), which is this literal everywhere. */
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 0, 0, "x", "1");
    uint64_t h = 0xcbf29ce484222325ULL;
    const unsigned char bytes[3] = {'x', 0, '1'};
    for (int i = 0; i < 3; i++) {
        h ^= bytes[i];
        h *= 0x100000001b3ULL;
    }
    h += 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    h ^= h >> 31;
    cr_assert_eq(h, UINT64_C(0xda13d87b9b3bb910));
    cr_assert_eq(sim_kv_digest(kv), h);
    sim_kv_free(kv);
}

Test(kv_state_digest, sessions_are_part_of_the_state_digest)
{
    /* Equal pairs and applied counts; only client 1's session differs (the
     * request id it remembers, then the reply it remembers). */
    struct sim_kv *a = sim_kv_new();
    struct sim_kv *b = sim_kv_new();
    apply_quiet(a, SIM_KV_SET, 1, 5, "x", "1");
    apply_quiet(b, SIM_KV_SET, 1, 6, "x", "1");
    cr_assert_eq(sim_kv_digest(a), sim_kv_digest(b));
    cr_assert_eq(sim_kv_applied(a), sim_kv_applied(b));
    cr_assert_neq(sim_kv_state_digest(a), sim_kv_state_digest(b));

    struct sim_kv *c = sim_kv_new();
    struct sim_kv *d = sim_kv_new();
    apply_quiet(c, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(c, SIM_KV_GET, 2, 1, "x", NULL); /* remembers "1" */
    apply_quiet(d, SIM_KV_GET, 2, 1, "x", NULL); /* remembers "absent" */
    apply_quiet(d, SIM_KV_SET, 0, 0, "x", "1");
    cr_assert_eq(sim_kv_digest(c), sim_kv_digest(d));
    cr_assert_eq(sim_kv_applied(c), sim_kv_applied(d));
    cr_assert_neq(sim_kv_state_digest(c), sim_kv_state_digest(d));
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_free(c);
    sim_kv_free(d);
}

Test(kv_state_digest, applied_count_is_part_of_the_state_digest)
{
    /* A session-less GET changes nothing but the applied count. */
    struct sim_kv *a = sim_kv_new();
    struct sim_kv *b = sim_kv_new();
    apply_quiet(a, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(b, SIM_KV_SET, 0, 0, "x", "1");
    apply_quiet(b, SIM_KV_GET, 0, 0, "x", NULL);
    cr_assert_eq(sim_kv_digest(a), sim_kv_digest(b));
    cr_assert_neq(sim_kv_applied(a), sim_kv_applied(b));
    cr_assert_neq(sim_kv_state_digest(a), sim_kv_state_digest(b));
    sim_kv_free(a);
    sim_kv_free(b);
}

Test(kv_state_digest, same_commands_give_the_same_state_digest_after_restore)
{
    /* Independent clients interleaved differently, a retry answered from
     * its session, and a restored copy all agree: the digest follows the
     * state, not how it was reached. */
    struct sim_kv *a = sim_kv_new();
    apply_quiet(a, SIM_KV_SET, 3, 1, "k", "v1");
    apply_quiet(a, SIM_KV_GET, 3, 2, "k", NULL);
    apply_quiet(a, SIM_KV_SET, 4, 1, "j", "w");
    apply_quiet(a, SIM_KV_SET, 3, 3, "k", "v2");
    struct sim_kv *b = sim_kv_new();
    apply_quiet(b, SIM_KV_SET, 4, 1, "j", "w");
    apply_quiet(b, SIM_KV_SET, 3, 1, "k", "v1");
    apply_quiet(b, SIM_KV_GET, 3, 2, "k", NULL);
    apply_quiet(b, SIM_KV_SET, 3, 3, "k", "v2");
    apply_quiet(b, SIM_KV_SET, 3, 3, "k", "v2"); /* a retry: no change */
    cr_assert_eq(sim_kv_state_digest(a), sim_kv_state_digest(b));

    GByteArray *bytes = g_byte_array_new();
    sim_kv_serialize(a, bytes);
    struct sim_kv *c = sim_kv_new();
    apply_quiet(c, SIM_KV_SET, 9, 9, "leftover", "gone");
    cr_assert(sim_kv_restore(c, bytes->data, bytes->len));
    cr_assert_eq(sim_kv_state_digest(c), sim_kv_state_digest(a));
    g_byte_array_free(bytes, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_free(c);
}

static struct sim_kv *build_forward(void)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 4, 1, "apple", "red");
    apply_quiet(kv, SIM_KV_SET, 2, 1, "banana", "yellow");
    apply_quiet(kv, SIM_KV_GET, 9, 3, "apple", NULL);
    apply_quiet(kv, SIM_KV_SET, 0, 0, "cherry", "dark");
    apply_quiet(kv, SIM_KV_DELETE, 7, 2, "nothing", NULL);
    return kv;
}

static struct sim_kv *build_backward(void)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_DELETE, 7, 2, "nothing", NULL);
    apply_quiet(kv, SIM_KV_SET, 0, 0, "cherry", "dark");
    apply_quiet(kv, SIM_KV_SET, 4, 1, "apple", "red");
    apply_quiet(kv, SIM_KV_GET, 9, 3, "apple", NULL);
    apply_quiet(kv, SIM_KV_SET, 2, 1, "banana", "yellow");
    return kv;
}

Test(kv_snapshot, serialization_is_byte_identical_regardless_of_order)
{
    struct sim_kv *a = build_forward();
    struct sim_kv *b = build_backward();
    GByteArray *sa = g_byte_array_new();
    GByteArray *sb = g_byte_array_new();
    sim_kv_serialize(a, sa);
    sim_kv_serialize(b, sb);
    cr_assert_eq(sa->len, sb->len);
    cr_assert_arr_eq(sa->data, sb->data, sa->len);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
}

Test(kv_snapshot, restore_round_trips_contents_digest_and_sessions)
{
    struct sim_kv *a = build_forward();
    GByteArray *s = g_byte_array_new();
    sim_kv_serialize(a, s);

    struct sim_kv *b = sim_kv_new();
    apply_quiet(b, SIM_KV_SET, 0, 0, "leftover", "gone");
    cr_assert(sim_kv_restore(b, s->data, s->len));
    cr_assert_eq(sim_kv_digest(b), sim_kv_digest(a));
    cr_assert_eq(sim_kv_size(b), 3);
    cr_assert_eq(sim_kv_applied(b), 5);
    cr_assert_null(sim_kv_get(b, "leftover"));
    cr_assert_str_eq(sim_kv_get(b, "apple"), "red");
    cr_assert_str_eq(sim_kv_get(b, "banana"), "yellow");
    cr_assert_str_eq(sim_kv_get(b, "cherry"), "dark");

    GPtrArray *keys = sim_kv_sorted_keys(b);
    cr_assert_eq(keys->len, 3);
    cr_assert_str_eq(g_ptr_array_index(keys, 0), "apple");
    cr_assert_str_eq(g_ptr_array_index(keys, 1), "banana");
    cr_assert_str_eq(g_ptr_array_index(keys, 2), "cherry");
    g_ptr_array_free(keys, TRUE);

    /* Sessions survived: client 9's GET is answered from memory. */
    struct sim_kv_reply r = apply(b, SIM_KV_GET, 9, 3, "apple", NULL);
    cr_assert(r.duplicate);
    cr_assert(r.found);
    cr_assert_str_eq(r.value, "red");
    sim_kv_reply_clear(&r);
    r = apply(b, SIM_KV_SET, 4, 1, "apple", "green");
    cr_assert(r.duplicate);
    sim_kv_reply_clear(&r);
    cr_assert_str_eq(sim_kv_get(b, "apple"), "red");

    /* And it re-serializes to the same bytes (before these retries the
     * applied count was equal; compare a fresh restore instead). */
    struct sim_kv *c = sim_kv_new();
    cr_assert(sim_kv_restore(c, s->data, s->len));
    GByteArray *s2 = g_byte_array_new();
    sim_kv_serialize(c, s2);
    cr_assert_eq(s2->len, s->len);
    cr_assert_arr_eq(s2->data, s->data, s->len);

    g_byte_array_free(s, TRUE);
    g_byte_array_free(s2, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
    sim_kv_free(c);
}

/* Restored sessions share one block; each must still take a longer reply
 * value, a new client and a later restore like a session of its own. */
Test(kv_snapshot, a_restored_machine_goes_on_exactly_like_the_original)
{
    struct sim_kv *a = build_forward();
    GByteArray *s = g_byte_array_new();
    sim_kv_serialize(a, s);
    struct sim_kv *b = sim_kv_new();
    cr_assert(sim_kv_restore(b, s->data, s->len));
    struct sim_kv *both[] = {a, b};
    for (int i = 0; i < 2; i++) {
        apply_quiet(both[i], SIM_KV_SET, 4, 2, "apple",
                    "a value far longer than red");
        apply_quiet(both[i], SIM_KV_GET, 9, 4, "apple", NULL); /* grows */
        apply_quiet(both[i], SIM_KV_GET, 2, 2, "cherry", NULL);
        apply_quiet(both[i], SIM_KV_GET, 5000, 1, "banana", NULL); /* new */
    }
    cr_assert_eq(sim_kv_state_digest(b), sim_kv_state_digest(a));
    GByteArray *sa = g_byte_array_new(), *sb = g_byte_array_new();
    sim_kv_serialize(a, sa);
    sim_kv_serialize(b, sb);
    cr_assert_eq(sb->len, sa->len);
    cr_assert_arr_eq(sb->data, sa->data, sa->len);
    /* A second restore replaces the block-carved sessions. */
    cr_assert(sim_kv_restore(b, s->data, s->len));
    struct sim_kv_reply r = apply(b, SIM_KV_GET, 9, 3, "apple", NULL);
    cr_assert(r.duplicate);
    cr_assert_str_eq(r.value, "red");
    sim_kv_reply_clear(&r);
    g_byte_array_free(s, TRUE);
    g_byte_array_free(sa, TRUE);
    g_byte_array_free(sb, TRUE);
    sim_kv_free(a);
    sim_kv_free(b);
}

static void assert_restore_rejected(struct sim_kv *kv,
                                    const guint8 *data,
                                    size_t len,
                                    const GByteArray *before)
{
    cr_assert_not(sim_kv_restore(kv, data, len), "length %zu", len);
    GByteArray *after = g_byte_array_new();
    sim_kv_serialize(kv, after);
    cr_assert_eq(after->len, before->len);
    cr_assert_arr_eq(after->data, before->data, before->len);
    g_byte_array_free(after, TRUE);
}

Test(kv_snapshot, restore_rejects_malformed_input_and_leaves_state_unchanged)
{
    struct sim_kv *src = build_forward();
    GByteArray *good = g_byte_array_new();
    sim_kv_serialize(src, good);

    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 11, 1, "mine", "keep");
    uint64_t digest = sim_kv_digest(kv);
    GByteArray *before = g_byte_array_new();
    sim_kv_serialize(kv, before);

    /* Every strict prefix. */
    for (size_t n = 0; n < good->len; n++) {
        guint8 *copy = g_memdup2(good->data, n > 0 ? n : 1);
        assert_restore_rejected(kv, copy, n, before);
        g_free(copy);
    }
    /* Trailing garbage. */
    GByteArray *longer = g_byte_array_new();
    g_byte_array_append(longer, good->data, good->len);
    guint8 extra = 0;
    g_byte_array_append(longer, &extra, 1);
    assert_restore_rejected(kv, longer->data, longer->len, before);
    g_byte_array_free(longer, TRUE);

    /* Wrong magic and wrong version. */
    guint8 *bad = g_memdup2(good->data, good->len);
    bad[0] = 'X';
    assert_restore_rejected(kv, bad, good->len, before);
    bad[0] = 'R';
    bad[3] = 2;
    assert_restore_rejected(kv, bad, good->len, before);
    g_free(bad);

    /* Keys out of order, duplicate keys, sessions out of order, bad flags. */
    const guint8 unsorted[] = {'R', 'K', 'V', 1,   0, 2,   1, 'b',
                               1,   '1', 1,   'a', 1, '2', 0};
    const guint8 dup_key[] = {'R', 'K', 'V', 1,   0, 2,   1, 'a',
                              1,   '1', 1,   'a', 1, '2', 0};
    const guint8 unsorted_sessions[] = {'R', 'K', 'V', 1, 0, 0, 2,
                                        5,   1,   0,   4, 1, 0};
    const guint8 client_zero[] = {'R', 'K', 'V', 1, 0, 0, 1, 0, 1, 0};
    const guint8 bad_flags[] = {'R', 'K', 'V', 1, 0, 0, 1, 3, 1, 4};
    const guint8 nul_value[] = {'R', 'K', 'V', 1, 0, 1, 1, 'a', 1, 0, 0};
    assert_restore_rejected(kv, unsorted, sizeof unsorted, before);
    assert_restore_rejected(kv, dup_key, sizeof dup_key, before);
    assert_restore_rejected(kv, unsorted_sessions, sizeof unsorted_sessions,
                            before);
    assert_restore_rejected(kv, client_zero, sizeof client_zero, before);
    assert_restore_rejected(kv, bad_flags, sizeof bad_flags, before);
    assert_restore_rejected(kv, nul_value, sizeof nul_value, before);

    cr_assert_eq(sim_kv_digest(kv), digest);
    cr_assert_str_eq(sim_kv_get(kv, "mine"), "keep");

    /* The well-formed minimal snapshot is accepted. */
    const guint8 ok[] = {'R', 'K', 'V', 1, 0, 1, 1, 'a', 1, '1', 0};
    cr_assert(sim_kv_restore(kv, ok, sizeof ok));
    cr_assert_str_eq(sim_kv_get(kv, "a"), "1");
    cr_assert_eq(sim_kv_size(kv), 1);

    g_byte_array_free(good, TRUE);
    g_byte_array_free(before, TRUE);
    sim_kv_free(src);
    sim_kv_free(kv);
}

Test(kv_snapshot, a_count_beyond_what_the_bytes_can_hold_is_rejected_unread)
{
    struct sim_kv *kv = sim_kv_new();
    apply_quiet(kv, SIM_KV_SET, 11, 1, "mine", "keep");
    GByteArray *before = g_byte_array_new();
    sim_kv_serialize(kv, before);
    /* 2^40 pairs, then 2^40 sessions, in a few bytes: rejected before any
     * room is made for them (which would exhaust memory). */
    const guint8 many_pairs[] = {'R', 'K', 'V', 1,    0,   0x80, 0x80,
                                 0x80, 0x80, 0x80, 0x20, 1, 'a', 1, '1', 0};
    const guint8 many_sessions[] = {'R', 'K', 'V', 1,    0,    0,   0x80, 0x80,
                                    0x80, 0x80, 0x80, 0x20, 1,   1, 0};
    assert_restore_rejected(kv, many_pairs, sizeof many_pairs, before);
    assert_restore_rejected(kv, many_sessions, sizeof many_sessions, before);
    cr_assert_str_eq(sim_kv_get(kv, "mine"), "keep");
    g_byte_array_free(before, TRUE);
    sim_kv_free(kv);
}

Test(kv_names, op_names_are_stable)
{
    cr_assert_str_eq(sim_kv_op_name(SIM_KV_SET), "set");
    cr_assert_str_eq(sim_kv_op_name(SIM_KV_DELETE), "delete");
    cr_assert_str_eq(sim_kv_op_name(SIM_KV_GET), "get");
}
