/* sim_kv.c: the replicated key-value state machine.
 *
 * Invariant: `digest` is at all times the wrapping sum, over every live
 * pair in `pairs` (a removed pair the table keeps counts for nothing), of
 * sim_kv_pair_hash(key, value), which each pair caches as its `term`, and
 * `sessions_digest` the wrapping sum, over every session, of its `hash`
 * (sim_kv_session_hash of its fields); every change adjusts them in O(1).
 * `sessions` holds every session once, a small client's at its id (a
 * lookup without a search) and all of them walked by ascending client id
 * (struct sim_kv_session_list), and the pairs'
 * table keeps them in key order, so a snapshot is written in its canonical
 * order without sorting. A client's session holds the highest request id
 * applied for it and the reply it produced; a command whose request id is at
 * most that is answered from the session and changes nothing. `applied` counts
 * the commands that took effect: not session duplicates, not malformed bytes. A
 * decoder (struct sim_kv_decoder) remembers what a command's bytes decode and
 * hash to, for the other nodes that apply the same bytes; it is used only for
 * bytes equal to the ones it decoded, so it changes no result. Through a
 * decoder that shares snapshots, each slot also remembers which state
 * identity (sim_kv_impl.h) its bytes lead to from which, so that machines
 * known to hold one state have their snapshot written once
 * (sim_kv_snapshot.c).
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
 * This file holds the commands and the machine; sim_kv_snapshot.c writes
 * and reads snapshots, and sim_kv_wire.h the formats' primitives.
 */
#include "sim/sim_kv.h"
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"
#include "sim/sim_kv_impl.h"
#include "sim/sim_kv_table.h"
#include "sim/sim_kv_wire.h"

#include <inttypes.h>
#include <string.h>

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
uint64_t sim_kv_pair_hash(const char *key,
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

/* sim_kv_session_hash(s) given seed = session_seed(s->client, s->request),
 * which a command decoded once (struct decoded) carries for every node. */
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

uint64_t sim_kv_session_hash(const struct sim_kv_session *s)
{
    return session_hash_seeded(s, session_seed(s->client, s->request));
}

/* ---- commands ----------------------------------------------------------- */

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
    n += sim_kv_put_varint(out + n, cmd->client);
    n += sim_kv_put_varint(out + n, cmd->request);
    n += sim_kv_put_string(out + n, cmd->key, key_len);
    if (cmd->op == SIM_KV_SET)
        n += sim_kv_put_string(out + n, cmd->value != NULL ? cmd->value : "",
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
    g_byte_array_set_size(
        out, (guint)(start + sim_kv_encoded_max(key_len, value_len)));
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
    struct sim_kv_reader r = {.p = data, .left = len};
    c->value = NULL;
    c->value_len = 0;
    if (data == NULL && len > 0)
        return false;
    if (!sim_kv_get_u8(&r, &c->op) || c->op < SIM_KV_SET || c->op > SIM_KV_GET)
        return false;
    if (!sim_kv_get_varint(&r, &c->client) ||
        !sim_kv_get_varint(&r, &c->request))
        return false;
    if (!sim_kv_get_bytes(&r, &c->key, &c->key_len))
        return false;
    if (c->op == SIM_KV_SET && !sim_kv_get_bytes(&r, &c->value, &c->value_len))
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
    uint64_t pair_term;  /* SET: sim_kv_pair_hash(key, value); else 0 */
    uint64_t seed;       /* client != 0: session_seed(client, request) */
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
    d->pair_term =
        c->op == SIM_KV_SET
            ? sim_kv_pair_hash(c->key, c->key_len, c->value, c->value_len)
            : 0;
    d->seed = c->client != 0 ? session_seed(c->client, c->request) : 0;
    d->have_bare = 0;
    return true;
}

/* Bytes of a command a slot keeps in its own room; a longer one takes a
 * buffer of its own. 96 makes a slot 256 bytes on LP64 (160 without the
 * room), so that finding a slot is a shift. */
#define DECODER_ROOM 96

/* One remembered decoding: a copy of the bytes and what they decoded to
 * (the parts point into the copy). */
struct decoder_slot
{
    /* cap bytes, the first len the command: room, or a buffer owned when
     * a command outgrew it. */
    unsigned char *bytes;
    size_t len, cap;
    bool valid; /* bytes hold a well-formed command decoded into d */
    struct decoded d; /* read only while valid */
    /* A machine whose state identity is `from` reaches `to` by applying
     * these bytes; SLOT_NO_STATE: none since they were copied in. */
    uint64_t from, to;
    unsigned char room[DECODER_ROOM];
};

/* A slot's `from` that no machine's state identity equals. */
#define SLOT_NO_STATE (SIM_KV_STATE_NONE - 1)

/* Slots by log index modulo this: a node applying up to this many entries
 * behind the first one to decode them still finds their decodings. */
#define DECODER_SLOTS 256

struct sim_kv_decoder
{
    struct decoder_slot slot[DECODER_SLOTS];
    /* Whether the machines applying through it have state identities
     * (sim_kv_decoder_share_snapshots()); without, every state is NONE. */
    bool tracking;
    uint64_t states; /* state identities issued: 1 .. states */
    struct sim_kv_snapshot_cache *snapshots; /* owned, NULL until needed */
    /* Every live machine whose state identity this decoder issued (those
     * whose `listed` is this decoder): machines[0..n_machines), borrowed. */
    struct sim_kv **machines;
    size_t n_machines, cap_machines;
    uint64_t copied; /* restores made by copying a listed machine */
};

void sim_kv_decoder_list(struct sim_kv_decoder *dc, struct sim_kv *kv)
{
    if (kv->listed == dc)
        return;
    if (kv->listed != NULL)
        sim_kv_decoder_unlist(kv->listed, kv);
    if (dc->n_machines == dc->cap_machines) {
        dc->cap_machines = dc->cap_machines ? 2 * dc->cap_machines : 8;
        dc->machines =
            g_renew(struct sim_kv *, dc->machines, dc->cap_machines);
    }
    dc->machines[dc->n_machines++] = kv;
    kv->listed = dc;
}

void sim_kv_decoder_unlist(struct sim_kv_decoder *dc, struct sim_kv *kv)
{
    for (size_t i = 0; i < dc->n_machines; i++)
        if (dc->machines[i] == kv) {
            dc->machines[i] = dc->machines[--dc->n_machines];
            kv->listed = NULL;
            return;
        }
    SIM_ASSERT(false, "a machine unlisted from a decoder it is not in");
}

const struct sim_kv *sim_kv_decoder_holder(struct sim_kv_decoder *dc,
                                           uint64_t state,
                                           const struct sim_kv *other_than)
{
    for (size_t i = 0; i < dc->n_machines; i++) {
        const struct sim_kv *m = dc->machines[i];
        if (m != other_than && m->state == state && m->state_of == dc) {
            dc->copied++;
            return m;
        }
    }
    return NULL;
}

uint64_t sim_kv_decoder_copied(const struct sim_kv_decoder *dc)
{
    return dc->copied;
}

void sim_kv_decoder_share_snapshots(struct sim_kv_decoder *dc)
{
    dc->tracking = true;
}

uint64_t sim_kv_decoder_new_state(struct sim_kv_decoder *dc)
{
    return ++dc->states;
}

struct sim_kv_snapshot_cache **sim_kv_decoder_snapshots(
    struct sim_kv_decoder *dc)
{
    return &dc->snapshots;
}

struct sim_kv_decoder *sim_kv_decoder_new(void)
{
    /* Not cleared whole (64 KB): a slot's decoding, bytes and states are
     * read only once it is valid, which decoder_get() makes it. */
    struct sim_kv_decoder *dc = g_new(struct sim_kv_decoder, 1);
    for (size_t i = 0; i < DECODER_SLOTS; i++) {
        struct decoder_slot *sl = &dc->slot[i];
        sl->bytes = sl->room;
        sl->len = 0;
        sl->cap = DECODER_ROOM;
        sl->valid = false;
    }
    dc->tracking = false;
    dc->states = 0;
    dc->snapshots = NULL;
    dc->machines = NULL;
    dc->n_machines = 0;
    dc->cap_machines = 0;
    dc->copied = 0;
    return dc;
}

void sim_kv_decoder_free(struct sim_kv_decoder *dc)
{
    if (dc == NULL)
        return;
    for (size_t i = 0; i < DECODER_SLOTS; i++)
        if (dc->slot[i].bytes != dc->slot[i].room)
            g_free(dc->slot[i].bytes);
    sim_kv_snapshot_cache_free(dc->snapshots);
    /* Machines that outlive their decoder are listed nowhere from now on. */
    for (size_t i = 0; i < dc->n_machines; i++)
        dc->machines[i]->listed = NULL;
    g_free(dc->machines);
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

/* The slot holding the decoding of the len bytes at data, NULL if they are
 * malformed: the hint's slot when it holds these very bytes, else decoded
 * into it. Equal bytes decode equally, so a hit is exactly what decoding
 * would give. */
static struct decoder_slot *decoder_get(struct sim_kv_decoder *dc,
                                        uint64_t hint,
                                        const void *data,
                                        size_t len)
{
    if (data == NULL || len == 0)
        return NULL; /* malformed: a command has at least its op byte */
    struct decoder_slot *sl = &dc->slot[hint % DECODER_SLOTS];
    if (sl->valid && sl->len == len && bytes_equal(sl->bytes, data, len))
        return sl;
    if (len > sl->cap) {
        if (sl->bytes != sl->room)
            g_free(sl->bytes);
        sl->cap = len;
        sl->bytes = g_malloc(sl->cap);
    }
    memcpy(sl->bytes, data, len);
    sl->len = len;
    sl->from = SLOT_NO_STATE;
    sl->valid = decode_command(sl->bytes, len, &sl->d);
    return sl->valid ? sl : NULL;
}

/* ---- the machine -------------------------------------------------------- */

size_t sim_kv_session_room(const char *value, size_t len)
{
    return value != NULL ? len + 1 : 0;
}

void sim_kv_session_init(struct sim_kv_session *s,
                         uint64_t client,
                         const char *value,
                         size_t len,
                         size_t room)
{
    *s = (struct sim_kv_session){.client = client};
    if (room > 0) {
        s->value = s->inline_value;
        s->value_cap = room;
    }
    if (value != NULL) {
        s->has_value = true;
        s->value_len = len;
        memcpy(s->value, value, len);
        s->value[len] = '\0';
    }
}

/* Bytes of the blocks new sessions are carved from. */
#define SIM_KV_SESSION_BLOCK 4096

/* Room for a reply value that a new session gets at least: a later reply
 * value this long needs no allocation of its own. */
#define SESSION_MIN_ROOM 32

char *sim_kv_session_list_block(struct sim_kv_session_list *l, size_t bytes)
{
    char *block = g_malloc(SIM_KV_SESSION_BLOCK_HEAD + bytes);
    memcpy(block, &l->blocks, sizeof l->blocks);
    l->blocks = block;
    return block + SIM_KV_SESSION_BLOCK_HEAD;
}

/* A new session (sim_kv_session_init()) carved from l's last block, or a
 * new block when it has no room left. */
static struct sim_kv_session *session_new(struct sim_kv_session_list *l,
                                          uint64_t client,
                                          const char *value,
                                          size_t len)
{
    size_t room = sim_kv_session_room(value, len);
    if (room < SESSION_MIN_ROOM)
        room = SESSION_MIN_ROOM;
    size_t stride = sim_kv_session_stride(room);
    if (stride > l->free_len) {
        size_t size = MAX(stride, (size_t)SIM_KV_SESSION_BLOCK);
        l->free_at = sim_kv_session_list_block(l, size);
        l->free_len = size;
    }
    struct sim_kv_session *s = (struct sim_kv_session *)(void *)l->free_at;
    l->free_at += stride;
    l->free_len -= stride;
    sim_kv_session_init(s, client, value, len, room);
    return s;
}

static void session_free_value(struct sim_kv_session *s)
{
    /* A restored session without a reply value has no room and no value
     * (NULL): nothing to free. */
    if (s != NULL && s->value != NULL && s->value != s->inline_value)
        g_free(s->value); /* a value outgrew its room */
}

void sim_kv_session_list_clear(struct sim_kv_session_list *l)
{
    for (size_t i = 0; i < l->by_id_end; i++)
        session_free_value(l->by_id[i]);
    for (size_t i = 0; i < l->far_len; i++)
        session_free_value(l->far[i]);
    g_free(l->by_id);
    g_free(l->far);
    for (char *b = l->blocks, *next; b != NULL; b = next) {
        memcpy(&next, b, sizeof next);
        g_free(b);
    }
    memset(l, 0, sizeof(*l));
}

/* The index in l's far sessions of the first whose client is not below
 * client: where it is, or belongs. New clients usually come last. */
static size_t far_find(const struct sim_kv_session_list *l, uint64_t client)
{
    size_t lo = 0, hi = l->far_len;
    if (hi > 0 && l->far[hi - 1]->client < client)
        return hi;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->far[mid]->client < client)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Entries of a session list's first by_id table. */
#define BY_ID_FIRST 256

void sim_kv_session_list_insert(struct sim_kv_session_list *l,
                                struct sim_kv_session *s)
{
    uint64_t client = s->client;
    if (client < SIM_KV_SESSION_DIRECT) {
        if (client >= l->by_id_cap) {
            /* First 256: a run's clients are numbered from 1 and most
             * runs have a few hundred, so the table seldom grows again
             * (from 64 it grew twice in most machines). */
            size_t cap = l->by_id_cap ? l->by_id_cap : BY_ID_FIRST;
            while (cap <= client)
                cap *= 2;
            l->by_id = g_renew(struct sim_kv_session *, l->by_id, cap);
            memset(l->by_id + l->by_id_cap, 0,
                   (cap - l->by_id_cap) * sizeof(*l->by_id));
            l->by_id_cap = cap;
        }
        SIM_ASSERT(l->by_id[client] == NULL,
                   "client %" PRIu64 " has two sessions", client);
        l->by_id[client] = s;
        if (client >= l->by_id_end)
            l->by_id_end = (size_t)client + 1;
        l->len++;
        return;
    }
    size_t at = far_find(l, client);
    SIM_ASSERT(at == l->far_len || l->far[at]->client > client,
               "client %" PRIu64 " has two sessions", client);
    if (l->far_len == l->far_cap) {
        l->far_cap = l->far_cap ? 2 * l->far_cap : 16;
        l->far = g_renew(struct sim_kv_session *, l->far, l->far_cap);
    }
    memmove(l->far + at + 1, l->far + at, (l->far_len - at) * sizeof(*l->far));
    l->far[at] = s;
    l->far_len++;
    l->len++;
}

struct sim_kv *sim_kv_new(void)
{
    struct sim_kv *kv = g_new0(struct sim_kv, 1);
    sim_kv_table_init(&kv->pairs);
    return kv;
}

void sim_kv_free(struct sim_kv *kv)
{
    if (kv == NULL)
        return;
    if (kv->listed != NULL)
        sim_kv_decoder_unlist(kv->listed, kv);
    sim_kv_table_clear(&kv->pairs);
    sim_kv_session_list_clear(&kv->sessions);
    g_free(kv);
}

/* The client's session, NULL if it has none. */
static struct sim_kv_session *session_find(const struct sim_kv_session_list *l,
                                           uint64_t client)
{
    if (client < l->by_id_end)
        return l->by_id[client];
    if (client < SIM_KV_SESSION_DIRECT)
        return NULL;
    size_t at = far_find(l, client);
    return at < l->far_len && l->far[at]->client == client ? l->far[at]
                                                           : NULL;
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
    sim_kv_copy((guint8 *)s->value, value, len);
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
        s = session_find(&kv->sessions, c->client);
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
            s = session_new(&kv->sessions, c->client, value, value_len);
            sim_kv_session_list_insert(&kv->sessions, s);
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
    kv->state = SIM_KV_STATE_NONE; /* no decoder to issue one */
    return apply_decoded(kv, &d, reply);
}

/* step_state() when sl does not remember kv's state: a new identity that
 * sl remembers, unless kv's state is one dc did not issue (stays NONE). */
static void step_state_new(struct sim_kv *kv,
                           struct sim_kv_decoder *dc,
                           struct decoder_slot *sl)
{
    if (!sim_kv_state_known(kv, dc)) {
        kv->state = SIM_KV_STATE_NONE;
        return;
    }
    if (sl->from != kv->state) {
        sl->from = kv->state;
        sl->to = sim_kv_decoder_new_state(dc);
    }
    kv->state = sl->to;
    kv->state_of = dc;
    sim_kv_decoder_list(dc, kv);
}

/* kv's state identity after it applies sl's bytes (sim_kv_impl.h): the
 * one a machine of the same identity reached with them, remembered by sl.
 * The empty state's machines (state_of NULL) take the other path. */
static inline void step_state(struct sim_kv *kv,
                              struct sim_kv_decoder *dc,
                              struct decoder_slot *sl)
{
    if (kv->state == sl->from && kv->state_of == dc)
        kv->state = sl->to;
    else
        step_state_new(kv, dc, sl);
}

bool sim_kv_apply_cached(struct sim_kv *kv,
                         struct sim_kv_decoder *dc,
                         uint64_t hint,
                         const void *data,
                         size_t len,
                         struct sim_kv_reply *reply)
{
    reply_init(reply);
    struct decoder_slot *sl = decoder_get(dc, hint, data, len);
    if (sl == NULL)
        return false;
    if (dc->tracking)
        step_state(kv, dc, sl);
    else
        kv->state = SIM_KV_STATE_NONE;
    return apply_decoded(kv, &sl->d, reply);
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
