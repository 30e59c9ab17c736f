/* test_sim_kv_restore_order.c: a restore reads its pairs in the order a
 * snapshot writes them and adds each last without searching the order,
 * so its own check of the keys' order is all that keeps the table sorted:
 * it must accept exactly the keys in strictly ascending strcmp() order,
 * whether they differ in their first eight bytes (the prefix words decide)
 * or only after them (the bytes decide). The prefix word it compares is
 * read a word at a time and must be the key's first bytes, big-endian. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_kv.h"
#include "sim/sim_kv_table.h"
#include "sim/sim_rng.h"

/* The prefix word as its definition gives it: the first min(8, len)
 * bytes, most significant first, padded with zeros. */
static uint64_t prefix_by_bytes(const char *key, size_t len)
{
    uint64_t w = 0;
    for (size_t i = 0; i < 8; i++)
        w = w << 8 | (i < len ? (unsigned char)key[i] : 0);
    return w;
}

Test(kv_restore_order, a_keys_prefix_word_is_its_first_eight_bytes_big_endian)
{
    struct sim_rng rng;
    sim_rng_seed(&rng, 7, 0);
    /* Every length to 12, the key's end marked so that bytes past it
     * would show. */
    for (size_t len = 0; len <= 12; len++) {
        for (int round = 0; round < 200; round++) {
            char buf[16];
            memset(buf, 0xff, sizeof buf);
            for (size_t i = 0; i < len; i++)
                buf[i] = (char)(1 + sim_rng_below(&rng, 255));
            cr_assert_eq(sim_kv_key_prefix(buf, len),
                         prefix_by_bytes(buf, len), "length %zu", len);
        }
    }
}

/* Appends a length-prefixed string (each under 128 bytes). */
static void put_string(GByteArray *b, const char *s)
{
    guint8 n = (guint8)strlen(s);
    g_byte_array_append(b, &n, 1);
    g_byte_array_append(b, (const guint8 *)s, n);
}

/* A snapshot of the pairs first = "1" and second = "2", in that order,
 * without sessions. */
static GByteArray *two_pairs(const char *first, const char *second)
{
    static const guint8 head[] = {'R', 'K', 'V', 1, 0, 2};
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, head, sizeof head);
    put_string(b, first);
    put_string(b, "1");
    put_string(b, second);
    put_string(b, "2");
    guint8 none = 0;
    g_byte_array_append(b, &none, 1);
    return b;
}

/* A key of 1 to 11 bytes from a few letters (one above 0x7f), mostly
 * starting with seven shared bytes, so that pairs of keys often share
 * their prefix word, one is often a prefix of the other, and bytes
 * compare unsigned. */
static void random_key(struct sim_rng *rng, char *key)
{
    static const char letters[] = {'a', 'b', (char)0xe9};
    size_t len = 1 + sim_rng_below(rng, 11);
    bool shared = sim_rng_below(rng, 3) != 0;
    for (size_t i = 0; i < len; i++)
        key[i] = shared && i < 7 ? "sharedk"[i]
                                 : letters[sim_rng_below(rng, sizeof letters)];
    key[len] = '\0';
}

Test(kv_restore_order, a_restore_takes_keys_in_strictly_ascending_order_only)
{
    struct sim_rng rng;
    sim_rng_seed(&rng, 11, 0);
    int accepted = 0, refused = 0;
    for (int round = 0; round < 4000; round++) {
        char a[16], b[16];
        random_key(&rng, a);
        if (sim_rng_below(&rng, 8) == 0)
            strcpy(b, a); /* the same key twice */
        else
            random_key(&rng, b);
        GByteArray *snap = two_pairs(a, b);
        struct sim_kv *kv = sim_kv_new();
        bool ok = sim_kv_restore(kv, snap->data, snap->len);
        cr_assert_eq(ok, strcmp(a, b) < 0, "'%s' then '%s'", a, b);
        if (ok) {
            accepted++;
            cr_assert_str_eq(sim_kv_get(kv, a), "1");
            cr_assert_str_eq(sim_kv_get(kv, b), "2");
            /* Written back in the order read: the table kept it. */
            GByteArray *again = g_byte_array_new();
            sim_kv_serialize(kv, again);
            cr_assert_eq(again->len, snap->len);
            cr_assert_arr_eq(again->data, snap->data, snap->len);
            g_byte_array_free(again, TRUE);
        } else {
            refused++;
            cr_assert_eq(sim_kv_size(kv), 0);
        }
        sim_kv_free(kv);
        g_byte_array_free(snap, TRUE);
    }
    cr_assert_gt(accepted, 1000);
    cr_assert_gt(refused, 1000);
}
