/* sim_kv_snapshot.c: the key-value machine's snapshot: written in the
 * machine's canonical order (pairs by key, sessions by client) and read
 * back strictly, so that equal machines have equal snapshots and a
 * restore accepts exactly what a serialisation produces. The format is in
 * sim_kv.c's header comment.
 */
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"
#include "sim/sim_kv.h"
#include "sim/sim_kv_impl.h"
#include "sim/sim_kv_table.h"
#include "sim/sim_kv_wire.h"

#include <string.h>

#define SIM_KV_SNAPSHOT_VERSION 1

static const guint8 snapshot_magic[4] = {'R', 'K', 'V',
                                         SIM_KV_SNAPSHOT_VERSION};

/* A snapshot being written at the end of a byte array: p is where the
 * next byte goes and end where the array's length ends; the array grows
 * as the items need it and is cut to the bytes written at the end. */
struct writer
{
    GByteArray *out;
    guint8 *p, *end;
};

/* Grows w's array so that at least n bytes follow w->p: to twice its
 * length, or more when that is short. */
static void writer_grow(struct writer *w, size_t n)
{
    size_t at = (size_t)(w->p - w->out->data);
    size_t want = at + n;
    size_t grown = 2 * (size_t)w->out->len;
    g_byte_array_set_size(w->out, (guint)(grown > want ? grown : want));
    w->p = w->out->data + at;
    w->end = w->out->data + w->out->len;
}

/* Makes room for n more bytes at w->p. */
static inline void writer_room(struct writer *w, size_t n)
{
    if ((size_t)(w->end - w->p) < n)
        writer_grow(w, n);
}

/* The most bytes one LEB128 integer takes. */
#define VARINT_MAX SIM_KV_VARINT_MAX_BYTES

/* Bytes a snapshot of a pairs and s sessions is first given room for:
 * enough for short keys, values and ids, so that the array seldom grows
 * while it is written. */
#define SNAPSHOT_GUESS(a, s) (32 + 24 * (a) + 8 * (s))

/* Writes session s (client, request, flags, and its value if it has
 * one) from its fields the first time; a session without a value keeps
 * the bytes (when they fit its enc) and is written from them until it
 * applies another request: most sessions are unchanged from one snapshot
 * to the next. */
static inline void put_session(struct writer *w, struct sim_kv_session *s)
{
    writer_room(w, 3 * VARINT_MAX + 1 + s->value_len);
    guint8 *p = w->p;
    if (s->enc_request == s->request && s->enc_len != 0) {
        /* The bytes past enc_len are overwritten or cut. */
        memcpy(p, s->enc, SIM_KV_SESSION_ENC);
        w->p = p + s->enc_len;
        return;
    }
    p += sim_kv_put_varint(p, s->client);
    p += sim_kv_put_varint(p, s->request);
    *p++ = (guint8)((s->found ? 1 : 0) | (s->has_value ? 2 : 0));
    if (s->has_value) {
        p += sim_kv_put_string(p, s->value, s->value_len);
    } else if (p - w->p <= SIM_KV_SESSION_ENC) {
        /* Kept with the bytes after them, which are in room. */
        memcpy(s->enc, w->p, SIM_KV_SESSION_ENC);
        s->enc_len = (uint8_t)(p - w->p);
        s->enc_request = s->request;
    }
    w->p = p;
}

/* The snapshot format: magic, applied index, the pairs by key (key,
 * value), the sessions by client (client, request, flags, value when it
 * has one), both read in the order the machine keeps them in. Written in
 * one pass, each item after asking for the most room it can take. */
void sim_kv_serialize(const struct sim_kv *kv, GByteArray *out)
{
    size_t at = out->len;
    g_byte_array_set_size(
        out, (guint)(at + SNAPSHOT_GUESS(kv->pairs.len, kv->sessions.len)));
    struct writer w = {
        .out = out, .p = out->data + at, .end = out->data + out->len};
    writer_room(&w, sizeof snapshot_magic + 3 * VARINT_MAX);
    memcpy(w.p, snapshot_magic, sizeof snapshot_magic);
    w.p += sizeof snapshot_magic;
    w.p += sim_kv_put_varint(w.p, kv->applied);
    w.p += sim_kv_put_varint(w.p, kv->pairs.len);
    struct sim_kv_pair *const *order = kv->pairs.order;
    for (size_t i = 0, held = kv->pairs.held; i < held; i++) {
        const struct sim_kv_pair *pr = order[i];
        if (!pr->live)
            continue; /* removed, kept for its key's next set */
        writer_room(&w, 2 * VARINT_MAX + pr->key_len + pr->value_len);
        guint8 *p = w.p;
        p += sim_kv_put_string(p, pr->key, pr->key_len);
        p += sim_kv_put_string(p, pr->value, pr->value_len);
        w.p = p;
    }
    writer_room(&w, VARINT_MAX);
    w.p += sim_kv_put_varint(w.p, kv->sessions.len);
    /* The small clients' table upwards (NULL: no session), then the far
     * list, in one loop nest so that put_session() is inlined once. */
    const struct sim_kv_session_list *l = &kv->sessions;
    /* The sessions' kept bytes are a memo, not state: writing them
     * changes nothing a reader of kv sees. */
    struct sim_kv_session *const *part[2] = {l->by_id, l->far};
    size_t part_len[2] = {l->by_id_end, l->far_len};
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < part_len[k]; i++)
            if (part[k][i] != NULL)
                put_session(&w, part[k][i]);
    g_byte_array_set_size(out, (guint)(w.p - out->data));
}

/* Reads the pairs of a snapshot into `pairs` (empty), checking strictly
 * ascending keys; *digest receives their digest. */
static bool restore_pairs(struct sim_kv_reader *r,
                          struct sim_kv_table *pairs,
                          uint64_t *digest)
{
    uint64_t n;
    const struct sim_kv_pair *prev = NULL;
    if (!sim_kv_get_varint(r, &n))
        return false;
    /* A pair takes at least two bytes (two lengths), so a count beyond
     * half the input is malformed and reserves nothing. */
    if (n > r->left / 2)
        return false;
    sim_kv_table_reserve(pairs, (size_t)n);
    /* The keys and values are among the bytes left to read. */
    sim_kv_table_reserve_block(pairs, (size_t)n, r->left);
    for (uint64_t i = 0; i < n; i++) {
        const char *k, *v;
        size_t kn, vn;
        if (!sim_kv_get_bytes(r, &k, &kn) || !sim_kv_get_bytes(r, &v, &vn))
            return false;
        struct sim_kv_pair *p = sim_kv_table_add_last(pairs, k, kn, v, vn);
        /* Prefix words that differ order the keys as strcmp() does
         * (sim_kv_table.h); equal ones leave it to the bytes, which hold
         * no NUL, so memcmp() and the lengths give strcmp()'s order. A
         * pair out of order fails the restore, whose table is then freed
         * unread. */
        if (prev != NULL && p->key_prefix <= prev->key_prefix) {
            if (p->key_prefix < prev->key_prefix)
                return false;
            int c = memcmp(prev->key, k, MIN(prev->key_len, kn));
            if (c > 0 || (c == 0 && prev->key_len >= kn))
                return false;
        }
        p->term = sim_kv_pair_hash(k, kn, v, vn);
        *digest += p->term;
        prev = p;
    }
    return true;
}

/* Reads the sessions of a snapshot into `sessions` (empty), carving them
 * from one block: its size bounds n sessions whose values are at most the
 * `left` bytes still unread (each stride adds under SIM_KV_SESSION_ALIGN to
 * its value's bytes and NUL). *digest receives the sessions' digest. */
static bool restore_sessions(struct sim_kv_reader *r,
                             struct sim_kv_session_list *sessions,
                             uint64_t *digest)
{
    uint64_t n, prev = 0;
    if (!sim_kv_get_varint(r, &n))
        return false;
    /* A session takes at least three bytes (client, request, flags). */
    if (n > r->left / 3)
        return false;
    if (n == 0)
        return true;
    size_t block_size =
        (size_t)n * (sizeof(struct sim_kv_session) + SIM_KV_SESSION_ALIGN) +
        r->left;
    char *block = sim_kv_session_list_block(sessions, block_size);
    size_t used = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t client, request;
        uint8_t flags;
        const char *v = NULL;
        size_t vn = 0;
        if (!sim_kv_get_varint(r, &client) || client <= prev)
            return false;
        if (!sim_kv_get_varint(r, &request) || !sim_kv_get_u8(r, &flags) ||
            flags > 3)
            return false;
        if ((flags & 2) != 0 && !sim_kv_get_bytes(r, &v, &vn))
            return false;
        size_t room = sim_kv_session_room(v, vn);
        size_t stride = sim_kv_session_stride(room);
        SIM_ASSERT(used + stride <= block_size, "session block overrun");
        struct sim_kv_session *s =
            (struct sim_kv_session *)(void *)(block + used);
        used += stride;
        sim_kv_session_init(s, client, v, vn, room);
        s->request = request;
        s->found = (flags & 1) != 0;
        s->hash = sim_kv_session_hash(s);
        *digest += s->hash;
        /* Clients ascend (checked above): the session goes last. */
        sim_kv_session_list_append(sessions, s);
        prev = client;
    }
    return true;
}

bool sim_kv_restore(struct sim_kv *kv, const void *data, size_t len)
{
    struct sim_kv_reader r = {.p = data, .left = len};
    uint64_t applied, digest = 0, sessions_digest = 0;

    if (data == NULL || len < sizeof snapshot_magic ||
        memcmp(data, snapshot_magic, sizeof snapshot_magic) != 0)
        return false;
    r.p += sizeof snapshot_magic;
    r.left -= sizeof snapshot_magic;
    if (!sim_kv_get_varint(&r, &applied))
        return false;

    struct sim_kv_table pairs;
    sim_kv_table_init(&pairs);
    struct sim_kv_session_list sessions = {0};
    if (!restore_pairs(&r, &pairs, &digest) ||
        !restore_sessions(&r, &sessions, &sessions_digest) || r.left != 0)
        goto err_free_tables;

    sim_kv_table_clear(&kv->pairs);
    sim_kv_session_list_clear(&kv->sessions);
    kv->pairs = pairs;
    kv->sessions = sessions;
    kv->applied = applied;
    kv->digest = digest;
    kv->sessions_digest = sessions_digest;
    kv->state = SIM_KV_STATE_NONE; /* sim_kv_restore_shared() finds one */
    return true;

err_free_tables:
    sim_kv_table_clear(&pairs);
    sim_kv_session_list_clear(&sessions);
    return false;
}

/* Makes `sessions` (empty) a copy of src's sessions, carved from one
 * block as a restore's are; *digest receives their digest. */
static void copy_sessions(struct sim_kv_session_list *sessions,
                          const struct sim_kv_session_list *src)
{
    struct sim_kv_session *const *part[2] = {src->by_id, src->far};
    size_t part_len[2] = {src->by_id_end, src->far_len};
    size_t block_size = 0;
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < part_len[k]; i++) {
            const struct sim_kv_session *s = part[k][i];
            if (s != NULL)
                block_size += sim_kv_session_stride(sim_kv_session_room(
                    s->has_value ? s->value : NULL, s->value_len));
        }
    if (block_size == 0)
        return;
    char *block = sim_kv_session_list_block(sessions, block_size);
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < part_len[k]; i++) {
            const struct sim_kv_session *from = part[k][i];
            if (from == NULL)
                continue;
            const char *v = from->has_value ? from->value : NULL;
            size_t vn = from->has_value ? from->value_len : 0;
            size_t room = sim_kv_session_room(v, vn);
            struct sim_kv_session *s = (struct sim_kv_session *)(void *)block;
            block += sim_kv_session_stride(room);
            sim_kv_session_init(s, from->client, v, vn, room);
            s->request = from->request;
            s->found = from->found;
            s->hash = from->hash;
            /* The same fields' kept bytes. */
            s->enc_len = from->enc_len;
            s->enc_request = from->enc_request;
            memcpy(s->enc, from->enc, SIM_KV_SESSION_ENC);
            /* Clients ascend: the session goes last. */
            sim_kv_session_list_append(sessions, s);
        }
}

/* Makes kv hold the state of `from`, a live machine known to hold the
 * state that the len bytes at data (a snapshot of that state) restore
 * to: its live pairs and sessions copied, no byte read but the applied
 * count and the number of pairs, checked against from's. */
static void restore_copy(struct sim_kv *kv,
                         const struct sim_kv *from,
                         const void *data,
                         size_t len)
{
    struct sim_kv_reader r = {.p = (const guint8 *)data + sizeof snapshot_magic,
                              .left = len - sizeof snapshot_magic};
    uint64_t applied, n_pairs;
    bool ok = sim_kv_get_varint(&r, &applied) &&
              sim_kv_get_varint(&r, &n_pairs);
    SIM_ASSERT(ok && applied == from->applied && n_pairs == from->pairs.len,
               "a snapshot's state copied from a machine that does not "
               "hold it");
    struct sim_kv_table pairs;
    sim_kv_table_init(&pairs);
    sim_kv_table_copy_live(&pairs, &from->pairs);
    struct sim_kv_session_list sessions = {0};
    copy_sessions(&sessions, &from->sessions);
    sim_kv_table_clear(&kv->pairs);
    sim_kv_session_list_clear(&kv->sessions);
    kv->pairs = pairs;
    kv->sessions = sessions;
    kv->applied = from->applied;
    kv->digest = from->digest;
    kv->sessions_digest = from->sessions_digest;
}

/* ---- snapshots shared by state ------------------------------------------ */

/* How many snapshots a decoder keeps: the nodes of a run take their
 * snapshots at the same applied indices, close together in time. */
#define SNAPSHOT_CACHE 16

/* The last snapshots written or restored through one decoder, each with
 * the identity of its state (SIM_KV_STATE_NONE: not known yet); replaced
 * in turn. Their bytes are those sim_kv_serialize() writes for the state. */
struct sim_kv_snapshot_cache
{
    struct cached_snapshot
    {
        uint64_t state;
        GByteArray *bytes; /* owned */
    } at[SNAPSHOT_CACHE];
    size_t next; /* the entry replaced next */
};

static struct sim_kv_snapshot_cache *cache_of(struct sim_kv_decoder *dc)
{
    struct sim_kv_snapshot_cache **c = sim_kv_decoder_snapshots(dc);
    if (*c == NULL) {
        *c = g_new0(struct sim_kv_snapshot_cache, 1);
        for (size_t i = 0; i < SNAPSHOT_CACHE; i++) {
            (*c)->at[i].state = SIM_KV_STATE_NONE;
            (*c)->at[i].bytes = g_byte_array_new();
        }
    }
    return *c;
}

void sim_kv_snapshot_cache_free(struct sim_kv_snapshot_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < SNAPSHOT_CACHE; i++)
        g_byte_array_free(c->at[i].bytes, TRUE);
    g_free(c);
}

/* The entry replaced next, emptied, given state. */
static struct cached_snapshot *cache_take(struct sim_kv_snapshot_cache *c,
                                          uint64_t state)
{
    struct cached_snapshot *e = &c->at[c->next];
    c->next = (c->next + 1) % SNAPSHOT_CACHE;
    e->state = state;
    g_byte_array_set_size(e->bytes, 0);
    return e;
}

const GByteArray *sim_kv_serialize_shared(const struct sim_kv *kv,
                                          struct sim_kv_decoder *dc)
{
    struct sim_kv_snapshot_cache *c = cache_of(dc);
    bool known = sim_kv_state_known(kv, dc);
    if (known)
        for (size_t i = 0; i < SNAPSHOT_CACHE; i++)
            if (c->at[i].state == kv->state)
                return c->at[i].bytes;
    struct cached_snapshot *e =
        cache_take(c, known ? kv->state : SIM_KV_STATE_NONE);
    sim_kv_serialize(kv, e->bytes);
    return e->bytes;
}

bool sim_kv_restore_shared(struct sim_kv *kv,
                           struct sim_kv_decoder *dc,
                           const void *data,
                           size_t len)
{
    struct sim_kv_snapshot_cache *c = cache_of(dc);
    struct cached_snapshot *e = NULL;
    for (size_t i = 0; i < SNAPSHOT_CACHE && e == NULL; i++)
        if (c->at[i].bytes->len == len &&
            memcmp(c->at[i].bytes->data, data, len) == 0)
            e = &c->at[i];
    /* Bytes kept here were written from, or restored to, a state of the
     * entry's identity: a live machine of that identity holds the state
     * they restore to (sim_kv_impl.h), and is copied. */
    const struct sim_kv *from =
        e != NULL && e->state != SIM_KV_STATE_NONE &&
                e->state != SIM_KV_STATE_EMPTY
            ? sim_kv_decoder_holder(dc, e->state, kv)
            : NULL;
    if (from != NULL)
        restore_copy(kv, from, data, len);
    else if (!sim_kv_restore(kv, data, len))
        return false;
    if (e == NULL) {
        e = cache_take(c, SIM_KV_STATE_NONE);
        g_byte_array_append(e->bytes, data, (guint)len);
    }
    /* The state these bytes restore to: the one they were written from,
     * or, when that is not known, a new identity for every machine that
     * restores them from now on. */
    if (e->state == SIM_KV_STATE_NONE)
        e->state = sim_kv_decoder_new_state(dc);
    kv->state = e->state;
    kv->state_of = dc;
    sim_kv_decoder_list(dc, kv);
    return true;
}
