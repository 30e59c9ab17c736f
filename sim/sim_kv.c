/* sim_kv.c: the replicated key-value state machine.
 *
 * Invariant: `digest` is at all times the wrapping sum, over every live
 * pair in `pairs` (a removed pair the table keeps counts for nothing), of
 * pair_hash_n(key, value), which each pair caches as its `term`, and `sessions_digest` the wrapping sum,
 * over every session, of its `hash` (session_hash of its fields); every
 * change adjusts them in O(1). `sessions` holds every session once by
 * ascending client id, and the pairs' table keeps them in key order, so a
 * snapshot is written in its canonical order without sorting. A client's
 * session holds the highest request id applied for it and the reply it
 * produced; a command whose request id is at most that is answered from
 * the session and changes nothing. `applied` counts the commands that took
 * effect: not session duplicates, not malformed bytes. A decoder (struct
 * sim_kv_decoder) remembers what a command's bytes decode and hash to, for
 * the other nodes that apply the same bytes; it is used only for bytes
 * equal to the ones it decoded, so it changes no result.
 *
 * Wire formats (all integers are unsigned LEB128, canonical: no redundant
 * trailing zero groups, at most 10 bytes):
 *
 *   command   := op:u8 client request klen key [vlen value]   (value: SET)
 *   snapshot  := "RKV" version:u8(=1) applied
 *                npairs (klen key vlen value)*        keys strictly ascending
 *                nsess  (client request flags:u8 [vlen value])*
 *                                                      clients ascending, > 0
 *   flags: bit 0 = reply.found, bit 1 = a reply value follows.
 *
 * Strings are raw bytes without NUL. Decoders consume the input exactly.
 */
#include "sim/sim_kv.h"
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"
#include "sim/sim_kv_table.h"

#include <inttypes.h>
#include <string.h>

#define SIM_KV_SNAPSHOT_VERSION 1
#define SIM_KV_VARINT_MAX_BYTES 10

struct sim_kv_session
{
    uint64_t client;  /* > 0 */
    uint64_t request; /* highest request id applied */
    bool found;       /* the reply it produced */
    bool has_value;   /* the reply had a value: value[0..value_len) */
    bool in_block;    /* carved from its list's `block`, not allocated alone */
    char *value;      /* value_cap bytes, NUL-ended: inline_value, or owned */
    size_t value_len, value_cap;
    uint64_t hash; /* session_hash() of the fields above */
    char inline_value[]; /* the first reply value, in the session's block */
};

/* Sessions by strictly ascending client id. */
struct session_list
{
    struct sim_kv_session **at; /* len of cap entries, each owned */
    size_t len, cap;
    /* The sessions a restore read, carved from one allocation (owned;
     * NULL if none); later sessions are allocated one by one. */
    char *block;
};

struct sim_kv
{
    struct sim_kv_table pairs; /* owned; each pair's term is its pair_hash */
    struct session_list sessions; /* owned */
    /* A shortcut into `sessions` for small client ids: [client] is that
     * client's session or NULL (not looked up yet). Borrowed pointers,
     * cleared whenever `sessions` is replaced. */
    GPtrArray *session_index;
    uint64_t applied;
    uint64_t digest;          /* of the pairs */
    uint64_t sessions_digest; /* of the sessions */
};

void sim_kv_reply_clear(struct sim_kv_reply *r)
{
    if (r == NULL)
        return;
    r->value = NULL;
    r->value_len = 0;
    r->found = false;
    r->duplicate = false;
}

/* ---- hashing ------------------------------------------------------------ */

#define FNV64_OFFSET 0xcbf29ce484222325ULL
#define FNV64_PRIME 0x100000001b3ULL

static uint64_t fnv1a_bytes(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV64_PRIME;
    }
    return h;
}

/* The byte 0 separates key from value; neither may contain it, so distinct
 * pairs hash distinct byte strings. */
static uint64_t pair_hash_n(const char *key,
                            size_t key_len,
                            const char *value,
                            size_t value_len)
{
    uint64_t h = fnv1a_bytes(FNV64_OFFSET, key, key_len);
    h *= FNV64_PRIME; /* the FNV-1a step for the separator byte 0 */
    h = fnv1a_bytes(h, value, value_len);
    return sim_hash_mix(h);
}


/* The hash of one session: client and request (this seed), then a word
 * with the reply flags and the value's length, then the value eight bytes
 * at a time (the last word zero-padded). The length word makes every
 * session a distinct word sequence. */
static uint64_t session_seed(uint64_t client, uint64_t request)
{
    return sim_hash_fold(sim_hash_mix(client), request);
}

/* session_hash(s) given seed = session_seed(s->client, s->request), which
 * a command decoded once (struct decoded) carries for every node. */
static uint64_t session_hash_seeded(const struct sim_kv_session *s,
                                    uint64_t seed)
{
    size_t n = s->has_value ? s->value_len : 0;
    uint64_t flags = (s->found ? 1u : 0u) | (s->has_value ? 2u : 0u);
    uint64_t h = sim_hash_fold(seed, flags | (uint64_t)n << 2);
    const unsigned char *p = (const unsigned char *)s->value;
    for (; n >= 8; p += 8, n -= 8)
        h = sim_hash_fold(h, sim_hash_load_le(p, 8));
    if (n > 0)
        h = sim_hash_fold(h, sim_hash_load_le(p, n));
    return sim_hash_mix(h);
}

static uint64_t session_hash(const struct sim_kv_session *s)
{
    return session_hash_seeded(s, session_seed(s->client, s->request));
}

/* ---- varints and a bounded reader --------------------------------------- */

struct reader
{
    const unsigned char *p; /* borrowed input */
    size_t left;
};

static bool get_u8(struct reader *r, uint8_t *out)
{
    if (r->left < 1)
        return false;
    *out = r->p[0];
    r->p++;
    r->left--;
    return true;
}

/* Reads a canonical LEB128 value: rejects truncation, more than 64 bits and
 * trailing zero groups (so every value has exactly one encoding). */
static bool get_varint(struct reader *r, uint64_t *out)
{
    if (r->left > 0 && r->p[0] < 0x80) { /* one byte: the common case */
        *out = r->p[0];
        r->p++;
        r->left--;
        return true;
    }
    /* Two bytes (a canonical second byte is nonzero): request ids. */
    if (r->left > 1 && r->p[1] < 0x80 && r->p[1] != 0) {
        *out = (uint64_t)(r->p[0] & 0x7f) | (uint64_t)r->p[1] << 7;
        r->p += 2;
        r->left -= 2;
        return true;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < SIM_KV_VARINT_MAX_BYTES; i++) {
        uint8_t b;
        if (!get_u8(r, &b))
            return false;
        uint64_t group = b & 0x7f;
        if (i == SIM_KV_VARINT_MAX_BYTES - 1 && group > 1)
            return false;
        v |= group << (7 * i);
        if ((b & 0x80) == 0) {
            if (i > 0 && b == 0)
                return false;
            *out = v;
            return true;
        }
    }
    return false;
}

#define ONES_U64 UINT64_C(0x0101010101010101)
#define HIGHS_U64 UINT64_C(0x8080808080808080)

/* Whether the word w holds a zero byte (the classic test: only a zero
 * byte borrows into its own high bit without having it set). */
static bool word_has_zero(uint64_t w)
{
    return ((w - ONES_U64) & ~w & HIGHS_U64) != 0;
}

/* Whether the n bytes at p hold a NUL: eight at a time, the last word
 * ending at the last byte, short runs byte by byte. */
static bool has_nul(const unsigned char *p, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (p[i] == 0)
                return true;
        return false;
    }
    uint64_t w;
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&w, p + i, sizeof w);
        if (word_has_zero(w))
            return true;
    }
    memcpy(&w, p + n - 8, sizeof w);
    return word_has_zero(w);
}

/* Reads a length-prefixed NUL-free string; *s points into the input. */
static bool get_bytes(struct reader *r, const char **s, size_t *n)
{
    uint64_t len;
    if (!get_varint(r, &len) || len > r->left)
        return false;
    if (has_nul(r->p, (size_t)len))
        return false;
    *s = (const char *)r->p;
    *n = (size_t)len;
    r->p += len;
    r->left -= (size_t)len;
    return true;
}

/* ---- commands ----------------------------------------------------------- */

/* Writes v as LEB128 at p; returns the bytes written. */
static size_t write_varint(guint8 *p, uint64_t v)
{
    size_t n = 0;
    do {
        guint8 b = (guint8)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b |= 0x80;
        p[n++] = b;
    } while (v != 0);
    return n;
}

/* Writes a length-prefixed string at p; returns the bytes written. */
static size_t write_string(guint8 *p, const char *s, size_t len)
{
    size_t n = write_varint(p, len);
    memcpy(p + n, s, len);
    return n + len;
}

size_t sim_kv_encoded_max(size_t key_len, size_t value_len)
{
    return 1 + 4 * SIM_KV_VARINT_MAX_BYTES + key_len + value_len;
}

size_t sim_kv_encode_to(const struct sim_kv_command *cmd,
                        size_t key_len,
                        size_t value_len,
                        uint8_t *out)
{
    size_t n = 0;
    out[n++] = (uint8_t)cmd->op;
    n += write_varint(out + n, cmd->client);
    n += write_varint(out + n, cmd->request);
    n += write_string(out + n, cmd->key, key_len);
    if (cmd->op == SIM_KV_SET)
        n += write_string(out + n, cmd->value != NULL ? cmd->value : "",
                          value_len);
    return n;
}

void sim_kv_encode(const struct sim_kv_command *cmd, GByteArray *out)
{
    size_t key_len = strlen(cmd->key);
    size_t value_len =
        cmd->op == SIM_KV_SET && cmd->value != NULL ? strlen(cmd->value) : 0;
    size_t start = out->len;
    /* Grown once to the largest possible size, then cut to the real one. */
    g_byte_array_set_size(out,
                          (guint)(start + sim_kv_encoded_max(key_len, value_len)));
    size_t n = sim_kv_encode_to(cmd, key_len, value_len, out->data + start);
    g_byte_array_set_size(out, (guint)(start + n));
}

/* The parts of a command, validated; key and value point into the input and
 * are not NUL-terminated. */
struct command_parts
{
    uint8_t op;
    uint64_t client, request;
    const char *key, *value;
    size_t key_len, value_len;
};

static bool decode_parts(const void *data, size_t len, struct command_parts *c)
{
    struct reader r = {.p = data, .left = len};
    c->value = NULL;
    c->value_len = 0;
    if (data == NULL && len > 0)
        return false;
    if (!get_u8(&r, &c->op) || c->op < SIM_KV_SET || c->op > SIM_KV_GET)
        return false;
    if (!get_varint(&r, &c->client) || !get_varint(&r, &c->request))
        return false;
    if (!get_bytes(&r, &c->key, &c->key_len))
        return false;
    if (c->op == SIM_KV_SET && !get_bytes(&r, &c->value, &c->value_len))
        return false;
    return r.left == 0;
}

/* The block key, NUL, value, NUL in buf, which has room for it; *cmd's
 * strings point into it. */
static void parts_to_command(const struct command_parts *c,
                             char *buf,
                             struct sim_kv_command *cmd)
{
    memcpy(buf, c->key, c->key_len);
    buf[c->key_len] = '\0';
    char *vbuf = buf + c->key_len + 1;
    if (c->value_len > 0)
        memcpy(vbuf, c->value, c->value_len);
    vbuf[c->value_len] = '\0';

    cmd->op = (enum sim_kv_op)c->op;
    cmd->client = c->client;
    cmd->request = c->request;
    cmd->key = buf;
    cmd->value = c->op == SIM_KV_SET ? vbuf : NULL;
}

bool sim_kv_decode(const void *data,
                   size_t len,
                   struct sim_kv_command *cmd,
                   char **key_buf)
{
    struct command_parts c;
    *key_buf = NULL;
    if (!decode_parts(data, len, &c))
        return false;
    char *buf = g_malloc(c.key_len + c.value_len + 2);
    parts_to_command(&c, buf, cmd);
    *key_buf = buf;
    return true;
}

/* ---- commands decoded once ---------------------------------------------- */

/* A well-formed command with what depends on its bytes alone: its parts,
 * its key's hash and prefix word, for a set the digest term of the pair it
 * writes, and for a session the seed of its session's hash. */
struct decoded
{
    struct command_parts parts;
    uint64_t key_hash;
    uint64_t key_prefix; /* sim_kv_key_prefix(key, key_len) */
    uint64_t pair_term; /* SET: pair_hash_n(key, value); else 0 */
    uint64_t seed;      /* client != 0: session_seed(client, request) */
    /* The session's hash after a reply without a value, by reply.found
     * (bare_hash[found]), once computed: bit `found` of have_bare. */
    uint64_t bare_hash[2];
    unsigned have_bare;
};

static bool decode_command(const void *data, size_t len, struct decoded *d)
{
    struct command_parts *c = &d->parts;
    if (!decode_parts(data, len, c))
        return false;
    d->key_hash = sim_kv_key_hash(c->key, c->key_len);
    d->key_prefix = sim_kv_key_prefix(c->key, c->key_len);
    d->pair_term = c->op == SIM_KV_SET
                       ? pair_hash_n(c->key, c->key_len, c->value, c->value_len)
                       : 0;
    d->seed = c->client != 0 ? session_seed(c->client, c->request) : 0;
    d->have_bare = 0;
    return true;
}

/* One remembered decoding: a copy of the bytes and what they decoded to
 * (the parts point into the copy). */
struct decoder_slot
{
    unsigned char *bytes; /* cap bytes, owned; the first len are the command */
    size_t len, cap;
    bool valid; /* bytes hold a well-formed command decoded into d */
    struct decoded d;
};

/* Slots by log index modulo this: a node applying up to this many entries
 * behind the first one to decode them still finds their decodings. */
#define DECODER_SLOTS 256

struct sim_kv_decoder
{
    struct decoder_slot slot[DECODER_SLOTS];
};

struct sim_kv_decoder *sim_kv_decoder_new(void)
{
    return g_new0(struct sim_kv_decoder, 1);
}

void sim_kv_decoder_free(struct sim_kv_decoder *dc)
{
    if (dc == NULL)
        return;
    for (size_t i = 0; i < DECODER_SLOTS; i++)
        g_free(dc->slot[i].bytes);
    g_free(dc);
}

static uint64_t load_u64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

static uint32_t load_u32(const unsigned char *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

/* Whether the len bytes at a and b are equal: a command's few bytes, read
 * a word at a time, the last word ending at the last byte (overlapping the
 * one before it when len is not a multiple of the word). */
static bool bytes_equal(const unsigned char *a,
                        const unsigned char *b,
                        size_t len)
{
    if (len >= 8) {
        for (size_t i = 0; i + 8 < len; i += 8)
            if (load_u64(a + i) != load_u64(b + i))
                return false;
        return load_u64(a + len - 8) == load_u64(b + len - 8);
    }
    if (len >= 4)
        return load_u32(a) == load_u32(b) &&
               load_u32(a + len - 4) == load_u32(b + len - 4);
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The decoding of the len bytes at data, NULL if they are malformed: the
 * hint's slot when it holds these very bytes, else decoded into it. Equal
 * bytes decode equally, so a hit is exactly what decoding would give. */
static struct decoded *decoder_get(struct sim_kv_decoder *dc,
                                   uint64_t hint,
                                   const void *data,
                                   size_t len)
{
    if (data == NULL || len == 0)
        return NULL; /* malformed: a command has at least its op byte */
    struct decoder_slot *sl = &dc->slot[hint % DECODER_SLOTS];
    if (sl->valid && sl->len == len && bytes_equal(sl->bytes, data, len))
        return &sl->d;
    if (len > sl->cap) {
        g_free(sl->bytes);
        sl->cap = len < 64 ? 64 : len;
        sl->bytes = g_malloc(sl->cap);
    }
    memcpy(sl->bytes, data, len);
    sl->len = len;
    sl->valid = decode_command(sl->bytes, len, &sl->d);
    return sl->valid ? &sl->d : NULL;
}

/* ---- the machine -------------------------------------------------------- */

/* Bytes after a session's header for a reply value of len bytes at value
 * (none: NULL). */
static size_t session_room(const char *value, size_t len)
{
    return value != NULL ? len + 1 : 0;
}

/* Makes s, which has session_room(value, len) bytes after its header, a
 * session of `client` with no request yet, remembering that reply value. */
static void session_init(struct sim_kv_session *s,
                         uint64_t client,
                         const char *value,
                         size_t len)
{
    size_t room = session_room(value, len);
    *s = (struct sim_kv_session){.client = client};
    if (value != NULL) {
        s->has_value = true;
        s->value = s->inline_value;
        s->value_len = len;
        s->value_cap = room;
        memcpy(s->value, value, len);
        s->value[len] = '\0';
    }
}

/* A new session (session_init()) in an allocation of its own. */
static struct sim_kv_session *session_new(uint64_t client,
                                          const char *value,
                                          size_t len)
{
    struct sim_kv_session *s =
        g_malloc(sizeof(*s) + session_room(value, len));
    session_init(s, client, value, len);
    return s;
}

static void session_free(struct sim_kv_session *s)
{
    if (s->value != s->inline_value)
        g_free(s->value);
    if (!s->in_block)
        g_free(s);
}

static void session_list_clear(struct session_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        session_free(l->at[i]);
    g_free(l->at);
    g_free(l->block);
    memset(l, 0, sizeof(*l));
}

/* The index in l of the first session whose client is not below client:
 * where it is, or belongs. New clients usually come last. */
static size_t session_list_find(const struct session_list *l, uint64_t client)
{
    size_t lo = 0, hi = l->len;
    if (hi > 0 && l->at[hi - 1]->client < client)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->at[mid]->client < client)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Adds s (owned from now on), whose client l does not hold, in order. */
static void session_list_insert(struct session_list *l,
                                struct sim_kv_session *s)
{
    size_t at = session_list_find(l, s->client);
    SIM_ASSERT(at == l->len || l->at[at]->client > s->client,
               "client %" PRIu64 " has two sessions", s->client);
    if (l->len == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->at = g_renew(struct sim_kv_session *, l->at, l->cap);
    }
    memmove(l->at + at + 1, l->at + at, (l->len - at) * sizeof(*l->at));
    l->at[at] = s;
    l->len++;
}

struct sim_kv *sim_kv_new(void)
{
    struct sim_kv *kv = g_new0(struct sim_kv, 1);
    sim_kv_table_init(&kv->pairs);
    kv->session_index = g_ptr_array_new();
    return kv;
}

void sim_kv_free(struct sim_kv *kv)
{
    if (kv == NULL)
        return;
    sim_kv_table_clear(&kv->pairs);
    session_list_clear(&kv->sessions);
    g_ptr_array_free(kv->session_index, TRUE);
    g_free(kv);
}

/* Clients below this id are found through session_index. */
#define SESSION_INDEX_MAX 4096

/* Remembers s in the shortcut if its client id is small. */
static void session_index_put(struct sim_kv *kv, struct sim_kv_session *s)
{
    if (s->client >= SESSION_INDEX_MAX)
        return;
    if (s->client >= kv->session_index->len)
        g_ptr_array_set_size(kv->session_index, (guint)s->client + 1);
    g_ptr_array_index(kv->session_index, s->client) = s;
}

/* The client's session, NULL if it has none. */
static struct sim_kv_session *session_find(struct sim_kv *kv, uint64_t client)
{
    if (client < kv->session_index->len) {
        struct sim_kv_session *s = g_ptr_array_index(kv->session_index, client);
        if (s != NULL)
            return s;
    }
    size_t at = session_list_find(&kv->sessions, client);
    if (at == kv->sessions.len || kv->sessions.at[at]->client != client)
        return NULL;
    struct sim_kv_session *s = kv->sessions.at[at];
    session_index_put(kv, s);
    return s;
}

/* The session's remembered reply value: the len bytes at value, or none
 * (value NULL). The buffer is kept and reused when the value fits. */
static void session_set_value(struct sim_kv_session *s,
                              const char *value,
                              size_t len)
{
    s->has_value = value != NULL;
    s->value_len = value != NULL ? len : 0;
    if (value == NULL)
        return;
    if (len + 1 > s->value_cap) {
        if (s->value != s->inline_value)
            g_free(s->value);
        s->value_cap = len + 1;
        s->value = g_malloc(s->value_cap);
    }
    memcpy(s->value, value, len);
    s->value[len] = '\0';
}

/* The pair held for d's key, live or removed, or NULL. */
static struct sim_kv_pair *pair_lookup(const struct sim_kv *kv,
                                       const struct decoded *d)
{
    return sim_kv_table_lookup(&kv->pairs, d->parts.key, d->parts.key_len,
                               d->key_hash, d->key_prefix);
}

/* Sets the command's key to its value; returns whether the key was
 * present. */
static bool pair_set(struct sim_kv *kv, const struct decoded *d)
{
    const struct command_parts *c = &d->parts;
    struct sim_kv_pair *p = pair_lookup(kv, d);
    bool found = p != NULL && p->live;
    if (found) {
        kv->digest -= p->term;
        sim_kv_pair_set_value(p, c->value, c->value_len);
    } else if (p != NULL) {
        sim_kv_table_revive(&kv->pairs, p, c->value, c->value_len);
    } else {
        p = sim_kv_table_add(&kv->pairs, c->key, c->key_len, d->key_hash,
                             c->value, c->value_len);
    }
    p->term = d->pair_term;
    kv->digest += p->term;
    return found;
}

static bool pair_delete(struct sim_kv *kv, const struct decoded *d)
{
    struct sim_kv_pair *p = pair_lookup(kv, d);
    if (p == NULL || !p->live)
        return false;
    kv->digest -= p->term;
    sim_kv_table_remove(&kv->pairs, p);
    return true;
}

/* value: NUL-ended, borrowed from the machine (a pair's or a session's). */
static void reply_fill(struct sim_kv_reply *reply,
                       bool found,
                       const char *value,
                       size_t value_len,
                       bool duplicate)
{
    if (reply == NULL)
        return;
    reply->found = found;
    reply->value = value;
    reply->value_len = value_len;
    reply->duplicate = duplicate;
}

/* Applies the decoded command d; returns whether its key was found, and
 * for a get the stored value in *value (borrowed), else NULL. */
static bool apply_parts(struct sim_kv *kv,
                        const struct decoded *d,
                        const char **value,
                        size_t *value_len)
{
    *value = NULL;
    *value_len = 0;
    switch ((enum sim_kv_op)d->parts.op) {
    case SIM_KV_SET:
        return pair_set(kv, d);
    case SIM_KV_DELETE:
        return pair_delete(kv, d);
    case SIM_KV_GET: {
        const struct sim_kv_pair *p = pair_lookup(kv, d);
        if (p == NULL || !p->live)
            return false;
        *value = p->value;
        *value_len = p->value_len;
        return true;
    }
    }
    return false;
}

static void reply_init(struct sim_kv_reply *reply)
{
    if (reply != NULL) {
        reply->found = false;
        reply->value = NULL;
        reply->value_len = 0;
        reply->duplicate = false;
    }
}

/* The hash of s, the session of d's client after applying d: without a
 * reply value it depends on d and s->found alone, so d keeps it for the
 * other nodes. */
static uint64_t session_hash_after(struct decoded *d,
                                   const struct sim_kv_session *s)
{
    if (s->has_value)
        return session_hash_seeded(s, d->seed);
    unsigned f = s->found ? 1u : 0u;
    if (!(d->have_bare & (1u << f))) {
        d->bare_hash[f] = session_hash_seeded(s, d->seed);
        d->have_bare |= 1u << f;
    }
    return d->bare_hash[f];
}

/* Applies the well-formed command d (sim_kv_apply()). */
static bool apply_decoded(struct sim_kv *kv,
                          struct decoded *d,
                          struct sim_kv_reply *reply)
{
    const struct command_parts *c = &d->parts;
    struct sim_kv_session *s = NULL;
    if (c->client != 0) {
        s = session_find(kv, c->client);
        if (s != NULL && c->request <= s->request) {
            reply_fill(reply, s->found, s->has_value ? s->value : NULL,
                       s->value_len, true);
            return true;
        }
    }

    kv->applied++;
    const char *value;
    size_t value_len;
    bool found = apply_parts(kv, d, &value, &value_len);
    reply_fill(reply, found, value, value_len, false);

    if (c->client != 0) {
        if (s == NULL) {
            s = session_new(c->client, value, value_len);
            session_list_insert(&kv->sessions, s);
            session_index_put(kv, s);
        } else {
            kv->sessions_digest -= s->hash;
            session_set_value(s, value, value_len);
        }
        s->request = c->request;
        s->found = found;
        s->hash = session_hash_after(d, s);
        kv->sessions_digest += s->hash;
    }
    return true;
}

bool sim_kv_apply(struct sim_kv *kv,
                  const void *data,
                  size_t len,
                  struct sim_kv_reply *reply)
{
    reply_init(reply);
    struct decoded d;
    if (!decode_command(data, len, &d))
        return false;
    return apply_decoded(kv, &d, reply);
}

bool sim_kv_apply_cached(struct sim_kv *kv,
                         struct sim_kv_decoder *dc,
                         uint64_t hint,
                         const void *data,
                         size_t len,
                         struct sim_kv_reply *reply)
{
    reply_init(reply);
    struct decoded *d = decoder_get(dc, hint, data, len);
    if (d == NULL)
        return false;
    return apply_decoded(kv, d, reply);
}

const char *sim_kv_get(const struct sim_kv *kv, const char *key)
{
    size_t n = strlen(key);
    const struct sim_kv_pair *p =
        sim_kv_table_find(&kv->pairs, key, n, sim_kv_key_hash(key, n));
    return p != NULL ? p->value : NULL;
}

size_t sim_kv_size(const struct sim_kv *kv)
{
    return kv->pairs.len;
}

uint64_t sim_kv_applied(const struct sim_kv *kv)
{
    return kv->applied;
}

uint64_t sim_kv_digest(const struct sim_kv *kv)
{
    return kv->digest;
}

uint64_t sim_kv_state_digest(const struct sim_kv *kv)
{
    uint64_t h = sim_hash_mix(kv->digest);
    h = sim_hash_mix(h ^ kv->sessions_digest);
    return sim_hash_mix(h ^ kv->applied);
}

GPtrArray *sim_kv_sorted_keys(const struct sim_kv *kv)
{
    GPtrArray *keys = g_ptr_array_sized_new((guint)kv->pairs.len);
    for (size_t i = 0; i < kv->pairs.held; i++)
        if (kv->pairs.order[i]->live)
            g_ptr_array_add(keys, kv->pairs.order[i]->key);
    return keys;
}

static const guint8 snapshot_magic[4] = {'R', 'K', 'V',
                                         SIM_KV_SNAPSHOT_VERSION};

/* Bytes of v as LEB128 (write_varint()). */
static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >>= 7)
        n++;
    return n;
}

/* Bytes of a length-prefixed string of len bytes (write_string()). */
static size_t string_len(size_t len)
{
    return varint_len(len) + len;
}

/* The serialized bytes of the pairs and the sessions (sim_kv_serialize()'s
 * format after the applied count). */
static size_t serial_size(const struct sim_kv *kv)
{
    size_t size = varint_len(kv->pairs.len) + varint_len(kv->sessions.len);
    for (size_t i = 0; i < kv->pairs.held; i++) {
        const struct sim_kv_pair *p = kv->pairs.order[i];
        if (p->live)
            size += string_len(p->key_len) + string_len(p->value_len);
    }
    for (size_t i = 0; i < kv->sessions.len; i++) {
        const struct sim_kv_session *s = kv->sessions.at[i];
        size += varint_len(s->client) + varint_len(s->request) + 1 +
                (s->has_value ? string_len(s->value_len) : 0);
    }
    return size;
}

/* The snapshot format: magic, applied index, the pairs by key (key,
 * value), the sessions by client (client, request, flags, value when it
 * has one), both read in the order the machine keeps them in. Measured
 * first, then written in place. */
void sim_kv_serialize(const struct sim_kv *kv, GByteArray *out)
{
    size_t size =
        sizeof snapshot_magic + varint_len(kv->applied) + serial_size(kv);
    size_t start = out->len;
    g_byte_array_set_size(out, (guint)(start + size));
    guint8 *w = out->data + start;
    memcpy(w, snapshot_magic, sizeof snapshot_magic);
    w += sizeof snapshot_magic;
    w += write_varint(w, kv->applied);
    w += write_varint(w, kv->pairs.len);
    for (size_t i = 0; i < kv->pairs.held; i++) {
        const struct sim_kv_pair *p = kv->pairs.order[i];
        if (!p->live)
            continue; /* removed, kept for its key's next set */
        w += write_string(w, p->key, p->key_len);
        w += write_string(w, p->value, p->value_len);
    }
    w += write_varint(w, kv->sessions.len);
    for (size_t i = 0; i < kv->sessions.len; i++) {
        const struct sim_kv_session *s = kv->sessions.at[i];
        w += write_varint(w, s->client);
        w += write_varint(w, s->request);
        *w++ = (guint8)((s->found ? 1 : 0) | (s->has_value ? 2 : 0));
        if (s->has_value)
            w += write_string(w, s->value, s->value_len);
    }
    SIM_ASSERT(w == out->data + out->len, "snapshot measured %zu bytes, wrote %zu",
               size, (size_t)(w - (out->data + start)));
}

/* Reads the pairs of a snapshot into `pairs` (empty), checking strictly
 * ascending keys; *digest receives their digest. */
static bool restore_pairs(struct reader *r,
                          struct sim_kv_table *pairs,
                          uint64_t *digest)
{
    uint64_t n;
    const struct sim_kv_pair *prev = NULL;
    if (!get_varint(r, &n))
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
        if (!get_bytes(r, &k, &kn) || !get_bytes(r, &v, &vn))
            return false;
        if (prev != NULL) {
            /* Neither holds a NUL, so this is strcmp's order. */
            int c = memcmp(prev->key, k, MIN(prev->key_len, kn));
            if (c > 0 || (c == 0 && prev->key_len >= kn))
                return false;
        }
        struct sim_kv_pair *p =
            sim_kv_table_add(pairs, k, kn, sim_kv_key_hash(k, kn), v, vn);
        p->term = pair_hash_n(k, kn, v, vn);
        *digest += p->term;
        prev = p;
    }
    return true;
}

#define SESSION_ALIGN _Alignof(struct sim_kv_session)

/* Bytes a session with room bytes after its header takes in a block. */
static size_t session_stride(size_t room)
{
    size_t n = sizeof(struct sim_kv_session) + room;
    return (n + SESSION_ALIGN - 1) / SESSION_ALIGN * SESSION_ALIGN;
}

/* Reads the sessions of a snapshot into `sessions` (empty), carving them
 * from one block: its size bounds n sessions whose values are at most the
 * `left` bytes still unread (each stride adds under SESSION_ALIGN to its
 * value's bytes and NUL). *digest receives the sessions' digest. */
static bool restore_sessions(struct reader *r,
                             struct session_list *sessions,
                             uint64_t *digest)
{
    uint64_t n, prev = 0;
    if (!get_varint(r, &n))
        return false;
    /* A session takes at least three bytes (client, request, flags). */
    if (n > r->left / 3)
        return false;
    if (n == 0)
        return true;
    sessions->cap = (size_t)n;
    sessions->at = g_new(struct sim_kv_session *, sessions->cap);
    size_t block_size =
        (size_t)n * (sizeof(struct sim_kv_session) + SESSION_ALIGN) + r->left;
    sessions->block = g_malloc(block_size);
    size_t used = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t client, request;
        uint8_t flags;
        const char *v = NULL;
        size_t vn = 0;
        if (!get_varint(r, &client) || client <= prev)
            return false;
        if (!get_varint(r, &request) || !get_u8(r, &flags) || flags > 3)
            return false;
        if ((flags & 2) != 0 && !get_bytes(r, &v, &vn))
            return false;
        size_t stride = session_stride(session_room(v, vn));
        SIM_ASSERT(used + stride <= block_size, "session block overrun");
        struct sim_kv_session *s =
            (struct sim_kv_session *)(void *)(sessions->block + used);
        used += stride;
        session_init(s, client, v, vn);
        s->in_block = true;
        s->request = request;
        s->found = (flags & 1) != 0;
        s->hash = session_hash(s);
        *digest += s->hash;
        session_list_insert(sessions, s);
        prev = client;
    }
    return true;
}

bool sim_kv_restore(struct sim_kv *kv, const void *data, size_t len)
{
    struct reader r = {.p = data, .left = len};
    uint64_t applied, digest = 0, sessions_digest = 0;

    if (data == NULL || len < sizeof snapshot_magic ||
        memcmp(data, snapshot_magic, sizeof snapshot_magic) != 0)
        return false;
    r.p += sizeof snapshot_magic;
    r.left -= sizeof snapshot_magic;
    if (!get_varint(&r, &applied))
        return false;

    struct sim_kv_table pairs;
    sim_kv_table_init(&pairs);
    struct session_list sessions = {0};
    if (!restore_pairs(&r, &pairs, &digest) ||
        !restore_sessions(&r, &sessions, &sessions_digest) || r.left != 0)
        goto err_free_tables;

    sim_kv_table_clear(&kv->pairs);
    session_list_clear(&kv->sessions);
    kv->pairs = pairs;
    kv->sessions = sessions;
    g_ptr_array_set_size(kv->session_index, 0);
    kv->applied = applied;
    kv->digest = digest;
    kv->sessions_digest = sessions_digest;
    return true;

err_free_tables:
    sim_kv_table_clear(&pairs);
    session_list_clear(&sessions);
    return false;
}
