/* test_sim_kv_order.c: the orders the key-value machine keeps so that a
 * snapshot needs no sort: the pairs' table keeps its keys ascending through
 * every add and remove, and a snapshot is byte for byte what sorting a
 * model of the same pairs and sessions by key and by client gives. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim_kv.h"
#include "sim/sim_kv_table.h"
#include "sim/sim_rng.h"

/* A key from a small alphabet with bytes above 0x7f, so that keys share
 * prefixes, one is often a prefix of another, and bytes compare unsigned. */
static void random_key(struct sim_rng *rng, char *key, size_t *len)
{
    static const char alphabet[] = {'a', 'b', 'z', '0', (char)0xe9};
    *len = 1 + sim_rng_below(rng, 4);
    for (size_t i = 0; i < *len; i++)
        key[i] = alphabet[sim_rng_below(rng, sizeof alphabet)];
    key[*len] = '\0';
}

/* A key of 6 to 12 bytes that mostly starts "prefix" and then takes two
 * letters (one above 0x7f), so that many keys share their first eight
 * bytes, the part the table compares as one word, and differ after it. */
static void random_long_key(struct sim_rng *rng, char *key, size_t *len)
{
    static const char alphabet[] = {'p', (char)0xe9};
    *len = 6 + sim_rng_below(rng, 7);
    bool common = sim_rng_below(rng, 4) != 0;
    for (size_t i = 0; i < *len; i++)
        key[i] = common && i < 6 ? "prefix"[i]
                                 : alphabet[sim_rng_below(rng, sizeof alphabet)];
    key[*len] = '\0';
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* order[] holds exactly the table's pairs, live and removed, keys
 * strictly ascending by strcmp: the same sequence as the pairs found by
 * slot, sorted; len counts the live ones. */
static void assert_in_key_order(const struct sim_kv_table *t)
{
    const char **sorted = g_new(const char *, t->held + 1);
    size_t k = 0, live = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i] != NULL) {
            sorted[k++] = t->slots[i]->key;
            live += t->slots[i]->live;
        }
    cr_assert_eq(k, t->held);
    cr_assert_eq(live, t->len);
    cr_assert_leq(2 * t->held, t->cap);
    qsort(sorted, k, sizeof *sorted, compare_strings);
    for (size_t i = 0; i < k; i++) {
        cr_assert_str_eq(t->order[i]->key, sorted[i], "at %zu of %zu", i, k);
        if (i > 0)
            cr_assert_lt(strcmp(t->order[i - 1]->key, t->order[i]->key), 0);
    }
    g_free(sorted);
}

/* Adds and removes keys made by make_key at random for 4000 steps,
 * checking the order after each. */
static void add_and_remove_keys(void (*make_key)(struct sim_rng *, char *,
                                                 size_t *))
{
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    struct sim_rng rng;
    sim_rng_seed_key(&rng, 20261205);
    size_t adds = 0, removes = 0, revives = 0;
    for (int step = 0; step < 4000; step++) {
        char key[16];
        size_t len;
        make_key(&rng, key, &len);
        uint64_t h = sim_kv_key_hash(key, len);
        struct sim_kv_pair *p =
            sim_kv_table_lookup(&t, key, len, h, sim_kv_key_prefix(key, len));
        cr_assert_eq(sim_kv_table_find(&t, key, len, h),
                     p != NULL && p->live ? p : NULL);
        if (p == NULL) {
            p = sim_kv_table_add(&t, key, len, h, "v", 1);
            adds++;
        } else if (!p->live) {
            sim_kv_table_revive(&t, p, "w", 1);
            revives++;
        } else if (sim_rng_below(&rng, 3) == 0) {
            sim_kv_table_remove(&t, p);
            removes++;
        }
        assert_in_key_order(&t);
    }
    cr_assert_gt(adds, 200);
    cr_assert_gt(removes, 100);
    cr_assert_gt(revives, 50);
    cr_assert_gt(t.len, 50);
    sim_kv_table_clear(&t);
}

Test(kv_order, the_pairs_stay_in_ascending_key_order_through_adds_and_removes)
{
    add_and_remove_keys(random_key);
}

Test(kv_order, the_pairs_stay_in_key_order_when_keys_share_their_first_eight_bytes)
{
    add_and_remove_keys(random_long_key);
}

Test(kv_order, keys_with_equal_hashes_are_told_apart_by_their_bytes)
{
    /* Every pair under one hash, so that only the keys' lengths, prefix
     * words and bytes past the eighth tell them apart. */
    static const char *const keys[] = {"ab", "ac", "abcdefgh", "abcdefgi",
                                       "abcdefgh1", "abcdefgh2", "abcdefgh12",
                                       "abcdefgh21"};
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
        sim_kv_table_add(&t, keys[i], strlen(keys[i]), 42, keys[i],
                         strlen(keys[i]));
    for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
        size_t n = strlen(keys[i]);
        struct sim_kv_pair *p =
            sim_kv_table_lookup(&t, keys[i], n, 42, sim_kv_key_prefix(keys[i], n));
        cr_assert_not_null(p);
        cr_assert_str_eq(p->value, keys[i]);
        cr_assert_eq(sim_kv_table_find(&t, keys[i], n, 42), p);
    }
    cr_assert_null(sim_kv_table_find(&t, "abcdefgh3", 9, 42));
    cr_assert_null(sim_kv_table_find(&t, "ad", 2, 42));
    assert_in_key_order(&t);
    sim_kv_table_clear(&t);
}

Test(kv_order, a_removed_key_set_again_revives_its_pair_in_place)
{
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    uint64_t h = sim_kv_key_hash("key", 3), w = sim_kv_key_prefix("key", 3);
    struct sim_kv_pair *p = sim_kv_table_add(&t, "key", 3, h, "abcd", 4);
    sim_kv_table_add(&t, "kez", 3, sim_kv_key_hash("kez", 3), "z", 1);
    sim_kv_table_remove(&t, p);
    cr_assert_null(sim_kv_table_find(&t, "key", 3, h));
    cr_assert_eq(sim_kv_table_lookup(&t, "key", 3, h, w), p);
    cr_assert_eq(t.len, 1);
    cr_assert_eq(t.held, 2);
    struct sim_kv_pair **slots = t.slots, **order = t.order;
    sim_kv_table_revive(&t, p, "xy", 2);
    cr_assert(p->live);
    cr_assert_eq(p->value, p->key + p->key_len + 1, "the value's room kept");
    cr_assert_str_eq(p->value, "xy");
    cr_assert_eq(sim_kv_table_find(&t, "key", 3, h), p);
    cr_assert_eq(t.len, 2);
    cr_assert_eq(t.slots, slots);
    cr_assert_eq(t.order, order);
    assert_in_key_order(&t);
    sim_kv_table_clear(&t);
}

Test(kv_order, removed_pairs_are_freed_before_the_slots_grow)
{
    /* 10,000 keys added and removed one after another beside one live
     * key: the removed pairs are freed whenever the slots fill, so the
     * slots never grow past their first size. */
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    sim_kv_table_add(&t, "kept", 4, sim_kv_key_hash("kept", 4), "v", 1);
    size_t cap = t.cap;
    for (int i = 0; i < 10000; i++) {
        char key[16];
        int n = g_snprintf(key, sizeof key, "gone%05d", i);
        struct sim_kv_pair *p = sim_kv_table_add(
            &t, key, (size_t)n, sim_kv_key_hash(key, (size_t)n), "v", 1);
        sim_kv_table_remove(&t, p);
        cr_assert_leq(2 * t.held, t.cap);
    }
    cr_assert_eq(t.cap, cap);
    cr_assert_eq(t.len, 1);
    cr_assert_not_null(
        sim_kv_table_find(&t, "kept", 4, sim_kv_key_hash("kept", 4)));
    assert_in_key_order(&t);
    sim_kv_table_clear(&t);
}

/* The chunks a table's pool carved (sim_pool.h). */
static size_t pool_chunks(const struct sim_pool *p)
{
    size_t n = 0;
    for (void *c = p->chunks; c != NULL; c = *(void **)c)
        n++;
    return n;
}

Test(kv_order, a_freed_pairs_block_is_reused_and_never_shared)
{
    /* Short pairs take blocks of the table's pool; a removed pair freed
     * when the slots fill gives its block back, and the next pairs take
     * it: 5,000 pairs added and removed beside eight live ones carve no
     * more than the first chunk, and the live pairs keep their bytes. A
     * pair too long for a block is allocated alone. */
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    char key[64], value[64];
    for (int i = 0; i < 8; i++) {
        int n = g_snprintf(key, sizeof key, "live%d", i);
        int m = g_snprintf(value, sizeof value, "value%d", i);
        struct sim_kv_pair *p =
            sim_kv_table_add(&t, key, (size_t)n, sim_kv_key_hash(key, (size_t)n),
                             value, (size_t)m);
        cr_assert_eq(p->home, SIM_KV_PAIR_POOLED);
    }
    for (int i = 0; i < 5000; i++) {
        int n = g_snprintf(key, sizeof key, "gone%05d", i);
        struct sim_kv_pair *p =
            sim_kv_table_add(&t, key, (size_t)n, sim_kv_key_hash(key, (size_t)n),
                             "xxxxxxxxxxxx", 12);
        cr_assert_eq(p->home, SIM_KV_PAIR_POOLED);
        sim_kv_table_remove(&t, p);
        if (i % 97 == 0)
            for (int k = 0; k < 8; k++) {
                int kn = g_snprintf(key, sizeof key, "live%d", k);
                g_snprintf(value, sizeof value, "value%d", k);
                struct sim_kv_pair *live = sim_kv_table_find(
                    &t, key, (size_t)kn, sim_kv_key_hash(key, (size_t)kn));
                cr_assert_not_null(live);
                cr_assert_str_eq(live->value, value);
            }
    }
    cr_assert_eq(pool_chunks(&t.pool), 1, "freed blocks were not reused");
    memset(key, 'L', 60);
    struct sim_kv_pair *alone =
        sim_kv_table_add(&t, key, 60, sim_kv_key_hash(key, 60), "v", 1);
    cr_assert_eq(alone->home, SIM_KV_PAIR_ALONE);
    cr_assert_eq(t.len, 9);
    assert_in_key_order(&t);
    sim_kv_table_clear(&t);
}

Test(kv_order, a_pair_keeps_its_value_in_its_block_until_a_longer_one_moves_it_out)
{
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    struct sim_kv_pair *p =
        sim_kv_table_add(&t, "key", 3, sim_kv_key_hash("key", 3), "abcd", 4);
    const char *block_value = p->key + p->key_len + 1;
    cr_assert_eq(p->value, block_value);
    cr_assert_str_eq(p->value, "abcd");
    sim_kv_pair_set_value(p, "xy", 2); /* fits: stays in the block */
    cr_assert_eq(p->value, block_value);
    cr_assert_str_eq(p->value, "xy");
    cr_assert_eq(p->value_len, 2);
    /* A pair is made with room for a value of 15 bytes: a longer value
     * than the first one up to that needs no buffer of its own. */
    sim_kv_pair_set_value(p, "abcdefghijklmno", 15);
    cr_assert_eq(p->value, block_value);
    cr_assert_str_eq(p->value, "abcdefghijklmno");
    /* Longer than the block's room for a value (at least 16 bytes with
     * the NUL): a buffer of its own. */
    sim_kv_pair_set_value(p, "0123456789abcdef", 16);
    cr_assert_neq(p->value, block_value);
    cr_assert_str_eq(p->value, "0123456789abcdef");
    const char *own = p->value;
    sim_kv_pair_set_value(p, "", 0); /* fits the own buffer: kept */
    cr_assert_eq(p->value, own);
    cr_assert_str_eq(p->value, "");
    cr_assert_str_eq(p->key, "key");
    sim_kv_table_clear(&t);
}

Test(kv_order, reserving_room_for_n_pairs_allocates_nothing_for_n_adds)
{
    struct sim_kv_table t;
    sim_kv_table_init(&t);
    sim_kv_table_reserve(&t, 100);
    struct sim_kv_pair **slots = t.slots, **order = t.order;
    size_t cap = t.cap;
    cr_assert_geq(cap, 200);
    for (int i = 0; i < 100; i++) {
        char key[8];
        int n = g_snprintf(key, sizeof key, "k%03d", i);
        sim_kv_table_add(&t, key, (size_t)n, sim_kv_key_hash(key, (size_t)n),
                         "v", 1);
    }
    cr_assert_eq(t.slots, slots);
    cr_assert_eq(t.order, order);
    cr_assert_eq(t.cap, cap);
    cr_assert_eq(t.len, 100);
    assert_in_key_order(&t);
    for (int i = 0; i < 100; i++) {
        char key[8];
        int n = g_snprintf(key, sizeof key, "k%03d", i);
        cr_assert_not_null(sim_kv_table_find(&t, key, (size_t)n,
                                             sim_kv_key_hash(key, (size_t)n)));
    }
    sim_kv_table_clear(&t);
}

/* ---- a model of the machine and the snapshot written from it by sorting */

struct model_session
{
    uint64_t client, request;
    bool found;
    char *value; /* NULL: no value */
};

static void put_varint(GByteArray *out, uint64_t v)
{
    do {
        guint8 b = (guint8)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b |= 0x80;
        g_byte_array_append(out, &b, 1);
    } while (v != 0);
}

static void put_string(GByteArray *out, const char *s)
{
    put_varint(out, strlen(s));
    g_byte_array_append(out, (const guint8 *)s, (guint)strlen(s));
}

static int compare_sessions(const void *a, const void *b)
{
    const struct model_session *x = *(const struct model_session *const *)a;
    const struct model_session *y = *(const struct model_session *const *)b;
    return (x->client > y->client) - (x->client < y->client);
}

/* The snapshot format of sim_kv.c, each part sorted here: pairs by key,
 * sessions by client. */
static GByteArray *sorted_snapshot(GHashTable *pairs,
                                   GHashTable *sessions,
                                   uint64_t applied)
{
    GByteArray *out = g_byte_array_new();
    g_byte_array_append(out, (const guint8 *)"RKV\1", 4);
    put_varint(out, applied);
    guint n;
    const char **keys = (const char **)g_hash_table_get_keys_as_array(pairs, &n);
    qsort(keys, n, sizeof *keys, compare_strings);
    put_varint(out, n);
    for (guint i = 0; i < n; i++) {
        put_string(out, keys[i]);
        put_string(out, g_hash_table_lookup(pairs, keys[i]));
    }
    g_free(keys);
    n = g_hash_table_size(sessions);
    struct model_session **ss = g_new(struct model_session *, n + 1);
    GHashTableIter it;
    gpointer v;
    guint k = 0;
    g_hash_table_iter_init(&it, sessions);
    while (g_hash_table_iter_next(&it, NULL, &v))
        ss[k++] = v;
    qsort(ss, n, sizeof *ss, compare_sessions);
    put_varint(out, n);
    for (guint i = 0; i < n; i++) {
        put_varint(out, ss[i]->client);
        put_varint(out, ss[i]->request);
        guint8 flags = (ss[i]->found ? 1 : 0) | (ss[i]->value ? 2 : 0);
        g_byte_array_append(out, &flags, 1);
        if (ss[i]->value)
            put_string(out, ss[i]->value);
    }
    g_free(ss);
    return out;
}

static void model_session_free(void *p)
{
    struct model_session *s = p;
    g_free(s->value);
    g_free(s);
}

/* Applies one command to the model as sim_kv does (client > 0). */
static void model_apply(GHashTable *pairs,
                        GHashTable *sessions,
                        uint64_t *applied,
                        const struct sim_kv_command *c)
{
    struct model_session *s = g_hash_table_lookup(sessions, &c->client);
    if (s != NULL && c->request <= s->request)
        return;
    (*applied)++;
    const char *old = g_hash_table_lookup(pairs, c->key);
    bool found = old != NULL;
    char *value = c->op == SIM_KV_GET && old ? g_strdup(old) : NULL;
    if (c->op == SIM_KV_SET)
        g_hash_table_replace(pairs, g_strdup(c->key), g_strdup(c->value));
    else if (c->op == SIM_KV_DELETE)
        g_hash_table_remove(pairs, c->key);
    if (s == NULL) {
        s = g_new0(struct model_session, 1);
        s->client = c->client;
        g_hash_table_insert(sessions, &s->client, s);
    }
    s->request = c->request;
    s->found = found;
    g_free(s->value);
    s->value = value;
}

Test(kv_order, a_snapshot_is_byte_identical_to_the_sorted_one_of_a_model)
{
    struct sim_kv *kv = sim_kv_new();
    GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              g_free);
    GHashTable *sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                                 NULL, model_session_free);
    uint64_t applied = 0, requests[64] = {0};
    struct sim_rng rng;
    sim_rng_seed_key(&rng, 7);
    for (int step = 0; step < 3000; step++) {
        /* Clients in no particular order, some beyond the small-id
         * shortcut; a request id sometimes repeated (a retry). */
        static const uint64_t ids[] = {9, 3, 5000, 1, 70000, 4095, 4096, 2};
        uint32_t which = (uint32_t)sim_rng_below(&rng, 8);
        uint64_t request = requests[which] + sim_rng_below(&rng, 3);
        requests[which] = request > requests[which] ? request : requests[which];
        char key[8], value[16];
        size_t len;
        random_key(&rng, key, &len);
        g_snprintf(value, sizeof value, "v%d", step);
        struct sim_kv_command c = {
            .op = (enum sim_kv_op)(SIM_KV_SET + sim_rng_below(&rng, 3)),
            .client = ids[which],
            .request = request,
            .key = key,
            .value = value,
        };
        if (c.op != SIM_KV_SET)
            c.value = NULL;
        GByteArray *cmd = g_byte_array_new();
        sim_kv_encode(&c, cmd);
        cr_assert(sim_kv_apply(kv, cmd->data, cmd->len, NULL));
        g_byte_array_free(cmd, TRUE);
        model_apply(pairs, sessions, &applied, &c);
        if (step % 50 != 49)
            continue;
        GByteArray *got = g_byte_array_new();
        sim_kv_serialize(kv, got);
        GByteArray *want = sorted_snapshot(pairs, sessions, applied);
        cr_assert_eq(got->len, want->len, "step %d", step);
        cr_assert_eq(memcmp(got->data, want->data, got->len), 0, "step %d",
                     step);
        /* A restored machine keeps both orders: it writes the same bytes. */
        struct sim_kv *back = sim_kv_new();
        cr_assert(sim_kv_restore(back, got->data, got->len));
        GByteArray *again = g_byte_array_new();
        sim_kv_serialize(back, again);
        cr_assert_eq(again->len, got->len);
        cr_assert_eq(memcmp(again->data, got->data, got->len), 0);
        g_byte_array_free(again, TRUE);
        sim_kv_free(back);
        g_byte_array_free(got, TRUE);
        g_byte_array_free(want, TRUE);
    }
    cr_assert_gt(g_hash_table_size(pairs), 30);
    cr_assert_eq(g_hash_table_size(sessions), 8);
    g_hash_table_destroy(pairs);
    g_hash_table_destroy(sessions);
    sim_kv_free(kv);
}

Test(kv_order, pairs_carved_from_a_block_are_removed_and_changed_like_any_other)
{
    /* A restore carves its pairs from one block (sim_kv_table_reserve_block);
     * removing them, growing their values and adding pairs past the block
     * must leave the same table as pairs allocated one by one. */
    struct sim_kv_table carved, alone;
    sim_kv_table_init(&carved);
    sim_kv_table_init(&alone);
    sim_kv_table_reserve_block(&carved, 40, 40 * 8);
    struct sim_kv_table *both[] = {&carved, &alone};
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < 60; i++) { /* 40 fit the block, 20 do not */
            char key[8];
            int n = g_snprintf(key, sizeof key, "k%03d", i);
            sim_kv_table_add(both[t], key, (size_t)n,
                             sim_kv_key_hash(key, (size_t)n), "v", 1);
        }
        for (int i = 0; i < 60; i += 3) {
            char key[8];
            int n = g_snprintf(key, sizeof key, "k%03d", i);
            uint64_t h = sim_kv_key_hash(key, (size_t)n);
            struct sim_kv_pair *p = sim_kv_table_find(both[t], key, (size_t)n, h);
            cr_assert_not_null(p);
            if (i % 2 == 0)
                sim_kv_table_remove(both[t], p);
            else
                sim_kv_pair_set_value(p, "a value longer than the block's", 31);
        }
    }
    size_t in_block = 0;
    for (size_t i = 0; i < carved.held; i++)
        in_block += carved.order[i]->home == SIM_KV_PAIR_IN_BLOCK;
    cr_assert_gt(in_block, 20, "the restored pairs were carved");
    cr_assert_lt(in_block, carved.held, "and the block's overflow allocated");
    cr_assert_eq(carved.len, alone.len);
    cr_assert_eq(carved.held, alone.held);
    for (size_t i = 0; i < carved.held; i++) {
        cr_assert_str_eq(carved.order[i]->key, alone.order[i]->key);
        cr_assert_eq(carved.order[i]->live, alone.order[i]->live);
        if (carved.order[i]->live)
            cr_assert_str_eq(carved.order[i]->value, alone.order[i]->value);
    }
    assert_in_key_order(&carved);
    sim_kv_table_clear(&carved);
    sim_kv_table_clear(&alone);
}

/* A snapshot copies a short key or value as two overlapping words (or
 * half-words): keys and values of every length from 0 to 40 bytes, each
 * byte different from its neighbours, set and read back (a get's value
 * is kept in its client's session), must come out byte for byte as the
 * model's sorted snapshot has them. */
Test(kv_order, a_snapshot_copies_keys_and_values_of_every_length_exactly)
{
    struct sim_kv *kv = sim_kv_new();
    GHashTable *pairs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              g_free);
    GHashTable *sessions = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                                 NULL, model_session_free);
    uint64_t applied = 0;
    for (uint64_t len = 0; len <= 40; len++) {
        char key[48], value[48];
        for (uint64_t i = 0; i <= len; i++) {
            key[i] = (char)('A' + (len + 3 * i) % 26);
            value[i] = (char)('a' + (len + 5 * i) % 26);
        }
        key[len + 1] = '\0'; /* keys of 1 to 41 bytes */
        value[len] = '\0';   /* values of 0 to 40 */
        struct sim_kv_command c[] = {
            {SIM_KV_SET, 1 + len, 1, key, value},
            {SIM_KV_GET, 100 + len, 1, key, NULL},
        };
        for (size_t k = 0; k < 2; k++) {
            GByteArray *cmd = g_byte_array_new();
            sim_kv_encode(&c[k], cmd);
            cr_assert(sim_kv_apply(kv, cmd->data, cmd->len, NULL));
            g_byte_array_free(cmd, TRUE);
            model_apply(pairs, sessions, &applied, &c[k]);
        }
    }
    GByteArray *got = g_byte_array_new();
    sim_kv_serialize(kv, got);
    GByteArray *want = sorted_snapshot(pairs, sessions, applied);
    cr_assert_eq(got->len, want->len);
    cr_assert_eq(memcmp(got->data, want->data, got->len), 0);
    g_byte_array_free(got, TRUE);
    g_byte_array_free(want, TRUE);
    g_hash_table_destroy(pairs);
    g_hash_table_destroy(sessions);
    sim_kv_free(kv);
}
