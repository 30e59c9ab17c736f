/* sim_client.c: simulated clients and workloads.
 *
 * Invariants: a client has at most one outstanding request, identified by
 * (client id, request id); a retry repeats the request id, so the state
 * machine's session applies it at most once. Client <-> node messages take
 * the configured delay but are never dropped or partitioned; a request to a
 * crashed node is lost and the client retries after client_timeout_us. At
 * most one timeout event per client is queued. A redirect naming a leader is
 * followed at once unless that node already refused this request at a later
 * term, or at the redirect's term while naming another leader: one term has
 * at most one leader, so a request never bounces between two nodes without a
 * term passing. A node tried earlier without an answer is followed only when
 * a redirect names it at a higher term than the client knew of, so a node
 * that is down costs at most one client timeout per term. A redirect naming
 * the leader that refused the current request for now (busy), in the term
 * it refused it, is followed one heartbeat later, even after the client's
 * timeout took it to that follower: the leader is the one node that can
 * serve it. Idle pool clients
 * are reused
 * last-in first-out, so the pool's behaviour is a function of the run only.
 */
#include <stddef.h>
#include <string.h>

#include "sim/sim_internal.h"
#include "sim/sim_members.h"

#define NO_ID UINT64_MAX

/* The workload's key space. */
#define WORKLOAD_KEYS 8

static struct sim_client *client_at(struct sim *s, uint32_t id)
{
    return &g_array_index(s->clients, struct sim_client, id - 1);
}

/* A client's `refused` array and the first room of its key, value and
 * command buffers are carved from a block that CLIENTS_PER_BLOCK clients
 * of consecutive ids share, in that order, client_stride() bytes a
 * client: the block is the first client's `refused` (id - 1 a multiple of
 * CLIENTS_PER_BLOCK), freed with it. A buffer that outgrows its room is
 * allocated alone, and owned exactly when its capacity exceeds the room
 * (growth only ever makes it larger). */
#define CLIENTS_PER_BLOCK 16
#define KEY_ROOM 16
#define VALUE_ROOM 16
#define CMD_ROOM 64

/* Bytes of a client in its block (a multiple of 8: the next client's
 * `refused` stays aligned). */
static size_t client_stride(const struct sim *s)
{
    return (s->n + 1) * sizeof(uint64_t) + KEY_ROOM + VALUE_ROOM + CMD_ROOM;
}

/* Makes *buf, of *cap bytes, hold at least n bytes (a client's key, value
 * and command buffers serve request after request); room: the bytes the
 * buffer had in the client's block. Returns *buf. */
static void *room_for(void *buf, size_t *cap, size_t n, size_t room)
{
    if (n > *cap) {
        if (*cap > room)
            g_free(buf);
        *cap = n < 32 ? 32 : n;
        buf = g_malloc(*cap);
    }
    return buf;
}

/* Copies the len bytes of the string src and a NUL into *buf, which grows
 * when short, and returns *buf. */
static char *copy_into(char **buf,
                       size_t *cap,
                       size_t room,
                       const char *src,
                       size_t len)
{
    *buf = room_for(*buf, cap, len + 1, room);
    memcpy(*buf, src, len);
    (*buf)[len] = '\0';
    return *buf;
}

void sim_clients_init(struct sim *s)
{
    sim_pool_init(&s->cmsgs, SIM_CMSG_POOLED_BYTES, SIM_CMSG_POOL_CHUNK);
    s->clients = g_array_sized_new(FALSE, TRUE, sizeof(struct sim_client), 256);
    s->requests = g_array_new(FALSE, TRUE, sizeof(struct sim_request_rec));
    s->client_confs = g_new0(struct sim_client_conf, s->n + 1);
}

struct sim_cmsg *sim_cmsg_new(struct sim *s, size_t data_len)
{
    struct sim_pool *pool;
    struct sim_cmsg *cm =
        sim_pool_alloc(&s->cmsgs, sizeof(*cm) + data_len, &pool);
    memset(cm, 0, sizeof(*cm));
    cm->pool = pool;
    return cm;
}

void sim_cmsg_free(struct sim *s, struct sim_cmsg *cm)
{
    (void)s;
    sim_pool_free(cm->pool, cm);
}

void sim_clients_destroy(struct sim *s)
{
    sim_pool_destroy(&s->cmsgs);
    for (guint i = 0; i < s->clients->len; i++) {
        struct sim_client *c = &g_array_index(s->clients, struct sim_client, i);
        if (c->key_cap > KEY_ROOM)
            g_free(c->key_buf);
        if (c->value_cap > VALUE_ROOM)
            g_free(c->value_buf);
        if (c->cmd_cap > CMD_ROOM)
            g_free(c->cmd);
        if (i % CLIENTS_PER_BLOCK == 0)
            g_free(c->refused); /* the block */
    }
    g_array_free(s->clients, TRUE);
    for (guint i = 0; i < s->requests->len; i++)
        g_free(g_array_index(s->requests, struct sim_request_rec, i).result);
    g_array_free(s->requests, TRUE);
    g_free(s->client_confs);
}

static uint32_t new_client(struct sim *s)
{
    struct sim_client c;
    memset(&c, 0, sizeof(c));
    c.id = s->clients->len + 1;
    size_t stride = client_stride(s);
    size_t at = (c.id - 1) % CLIENTS_PER_BLOCK;
    char *room = at == 0 ? g_malloc(CLIENTS_PER_BLOCK * stride)
                         : (char *)client_at(s, c.id - (uint32_t)at)->refused +
                               at * stride;
    c.refused = (uint64_t *)(void *)room;
    memset(c.refused, 0, (s->n + 1) * sizeof(*c.refused));
    c.key_buf = room + (s->n + 1) * sizeof(*c.refused);
    c.key_cap = KEY_ROOM;
    c.value_buf = c.key_buf + KEY_ROOM;
    c.value_cap = VALUE_ROOM;
    c.cmd = (uint8_t *)c.value_buf + VALUE_ROOM;
    c.cmd_cap = CMD_ROOM;
    c.timeout_at_us = UINT64_MAX;
    c.op_id = NO_ID;
    c.handle = NO_ID;
    g_array_append_val(s->clients, c);
    return c.id;
}

/* leader starts an 8-byte word that the 8-byte leader_term after it left
 * half unused: next_idle takes that half, and the record (which
 * sim_memory_bytes() charges per client) keeps its size. */
_Static_assert(offsetof(struct sim_client, leader) % 8 == 0 &&
                   offsetof(struct sim_client, next_idle) ==
                       offsetof(struct sim_client, leader) + 4,
               "a client's link on the idle stack lies in its record's "
               "padding");

/* The idle client last made idle (a new one when none is), off the
 * stack. */
static uint32_t take_idle_client(struct sim *s)
{
    uint32_t id = s->idle_top;
    if (id == 0)
        return new_client(s);
    s->idle_top = client_at(s, id)->next_idle;
    return id;
}

/* Makes c idle: the top of the idle stack. */
static void make_idle(struct sim *s, struct sim_client *c)
{
    c->next_idle = s->idle_top;
    s->idle_top = c->id;
}

static bool tried(const struct sim_client *c, uint32_t node)
{
    return (c->tried[node / 64] >> (node % 64)) & 1u;
}

/* Whether the client should send its request to node: it has not tried it
 * yet, or node is the leader a redirect named and it refused the request
 * before it can have become that leader: at an older term, or at the same
 * term while it knew no leader (a candidate that then won). */
static bool worth_trying(const struct sim_client *c, uint32_t node)
{
    if (!tried(c, node))
        return true;
    uint64_t refused = c->refused[node];
    return node == c->leader && refused != 0 &&
           refused <= 2 * c->leader_term + 1;
}

/* Whether a redirect that just named node as the leader (c->leader_term
 * its term) is news: a term higher than any the client knew a leader in for
 * this request (known_term), where node has not refused the request at that
 * term or later. Such a redirect is followed whatever was tried before: a
 * node that got no answer earlier may have been down then and lead now. */
static bool newly_named(const struct sim_client *c,
                        uint32_t node,
                        uint64_t known_term)
{
    return c->leader_term > known_term &&
           c->refused[node] <= 2 * c->leader_term + 1;
}

static void arm_timeout(struct sim *s, struct sim_client *c)
{
    c->timeout_at_us = s->now_us + s->cfg.client_timeout_us;
    if (!c->timer_pending) {
        c->timer_pending = true;
        sim_push(s, c->timeout_at_us, SIM_EV_CLIENT_TIMEOUT, c->id, 0, NULL);
    }
}

/* Sends the request to node; arm: (re)starts the client timeout. */
static void send_request(struct sim *s,
                         struct sim_client *c,
                         uint32_t node,
                         bool arm)
{
    c->tried[node / 64] |= (uint64_t)1 << (node % 64);
    c->last_node = node;
    sim_emit_fields(s, &(struct sim_trace_event){
                           .kind = SIM_TRACE_CLIENT_SEND,
                           .node = node,
                           .client = c->id,
                           .request = c->request,
                       });

    struct sim_cmsg *cm = sim_cmsg_new(s, c->cmd_len);
    cm->client = c->id;
    cm->node = node;
    cm->request = c->request;
    cm->dest_incarnation = s->nodes[node].incarnation;
    cm->read_mode = c->read_mode;
    cm->len = c->cmd_len;
    memcpy(cm->data, c->cmd, c->cmd_len);
    uint64_t delay = sim_net_draw_delay(&s->net.p, &c->rng);
    s->counters.client_messages++;
    sim_push(s, s->now_us + delay, SIM_EV_CLIENT_REQUEST, node, 0, cm);
    if (arm)
        arm_timeout(s, c);
}

/* Sends the request to node now, superseding any backoff. */
static void send_to(struct sim *s, struct sim_client *c, uint32_t node)
{
    c->retry_node = 0;
    send_request(s, c, node, true);
}

static bool in_set(const struct sim_node_set *set, uint32_t id)
{
    return (set->w[id / 64] >> (id % 64)) & 1u;
}

/* The words of a set that can hold ids 1..s->n. */
static size_t set_words(const struct sim *s)
{
    return s->n / 64 + 1;
}

/* How many ids the first `words` words of set hold (a few: a bit a
 * step). */
static uint64_t set_count(const struct sim_node_set *set, size_t words)
{
    uint64_t k = 0;
    for (size_t i = 0; i < words; i++)
        for (uint64_t w = set->w[i]; w != 0; w &= w - 1)
            k++;
    return k;
}

/* The id of member r (from 0, in id order) of set, which has more. */
static uint32_t nth_in_set(const struct sim_node_set *set, uint64_t r)
{
    for (uint32_t i = 0;; i++) {
        for (uint64_t w = set->w[i]; w != 0; w &= w - 1) {
            if (r-- == 0)
                return i * 64 + (uint32_t)__builtin_ctzll(w);
        }
    }
}

/* A random one of the live members (live: sim_client_live_members()
 * now), preferring ones not tried for this request and other than the
 * last one, then ones other than the last one (forgetting what was
 * tried); 0 if every member is down. Only members of the configuration
 * serve clients: a spare or a removed node would only redirect. The
 * candidates are drawn from in id order. */
static uint32_t pick_member(struct sim *s,
                            struct sim_client *c,
                            const struct sim_node_set *live)
{
    size_t words = set_words(s);
    struct sim_node_set other = *live, fresh;
    other.w[c->last_node / 64] &= ~((uint64_t)1 << (c->last_node % 64));
    for (size_t i = 0; i < words; i++)
        fresh.w[i] = other.w[i] & ~c->tried[i];
    uint64_t k = set_count(&fresh, words);
    if (k > 0)
        return nth_in_set(&fresh, sim_rng_below(&c->rng, k));
    k = set_count(&other, words);
    if (k == 0) {
        other = *live;
        k = set_count(&other, words);
        if (k == 0)
            return 0;
    }
    memset(c->tried, 0, sizeof(c->tried));
    return nth_in_set(&other, sim_rng_below(&c->rng, k));
}

/* The set of the ids sim_cluster_members() marks of the configuration c. */
static void set_of(const struct sim *s,
                   const struct raft_configuration *c,
                   struct sim_node_set *set)
{
    bool member[SIM_MAX_NODES + 1];
    sim_configuration_members(s, c, member);
    memset(set, 0, sizeof(*set));
    for (uint32_t id = 1; id <= s->n; id++)
        set->w[id / 64] |= (uint64_t)member[id] << (id % 64);
}

/* The members of live node a's configuration: read again only when its
 * core is another one or says its configuration may have changed. */
static const struct sim_node_set *node_members(struct sim *s, uint32_t a)
{
    const struct raft *core = s->nodes[a].core;
    struct sim_client_conf *k = &s->client_confs[a];
    uint64_t version = raft_configuration_version(core);
    if (k->version != version || k->incarnation != s->nodes[a].incarnation) {
        struct raft_configuration c;
        raft_get_configuration(core, &c);
        set_of(s, &c, &k->members);
        k->version = version;
        k->incarnation = s->nodes[a].incarnation;
    }
    return &k->members;
}

/* The cluster's configuration (sim_cluster_config()) is a live node's
 * whenever a node is live: the current leader's, else that of the node
 * whose log is the most up to date. So while the configurations of all
 * live nodes have the same members, those are the answer whoever leads,
 * and comparing each node's members, kept from one configuration version
 * of its core to the next, replaces the question of who leads (a
 * majority's links a leader) and whose log is longest; else the cluster
 * is asked. With every node down there is no live member to find.
 *
 * Such an answer reads only the nodes' liveness and each live node's
 * latest configuration, which the standing's version covers
 * (sim_standing_moved(): a crash or start, and every step whose core's
 * configuration version moved): it is kept in client_confs[0] (no node
 * has id 0), members the answer and version the standing's version it
 * was found at, and stands while that version does. An answer that asked
 * the cluster (it read whose log is longest) is not kept. The memo is no
 * part of the run: the answer is the same found or kept. */
void sim_client_live_members(struct sim *s, struct sim_node_set *live)
{
    struct sim_client_conf *memo = &s->client_confs[0];
    if (memo->version == s->standing.version) {
        *live = memo->members;
        return;
    }
    size_t words = set_words(s);
    struct sim_node_set alive = {{0}};
    const struct sim_node_set *first = NULL;
    bool same = true;
    for (uint32_t a = 1; a <= s->n; a++) {
        if (!s->nodes[a].alive)
            continue;
        alive.w[a / 64] |= (uint64_t)1 << (a % 64);
        const struct sim_node_set *m = node_members(s, a);
        if (first == NULL)
            first = m;
        else if (same)
            for (size_t i = 0; same && i < words; i++)
                same = m->w[i] == first->w[i];
    }
    struct sim_node_set asked;
    if (!same) {
        struct raft_configuration c;
        sim_cluster_config(s, &c);
        set_of(s, &c, &asked);
        first = &asked;
    }
    *live = alive;
    for (size_t i = 0; first != NULL && i < words; i++)
        live->w[i] &= first->w[i];
    if (same) {
        memo->members = *live;
        memo->version = s->standing.version;
    }
}

/* pick_member() among the live members now. */
static uint32_t pick_node(struct sim *s, struct sim_client *c)
{
    struct sim_node_set live;
    sim_client_live_members(s, &live);
    return pick_member(s, c, &live);
}

/* Appends the n bytes of the string src to buf at *pos, as many as fit
 * before the terminating NUL (buf has len bytes). */
static void put_n(char *buf, size_t len, size_t *pos, const char *src, size_t n)
{
    size_t room = len - 1 - *pos;
    if (n > room)
        n = room;
    memcpy(buf + *pos, src, n);
    *pos += n;
    buf[*pos] = '\0';
}

static void put(char *buf, size_t len, size_t *pos, const char *src)
{
    put_n(buf, len, pos, src, strlen(src));
}

/* "set KEY VALUE", "get KEY [read-index|lease]", "delete KEY": the trace
 * text of an op (a get through the log names no mode), cut to len - 1
 * bytes, into buf; key_len and value_len are the lengths of c's key and
 * value. Returns the text's length (strlen(buf)). */
static size_t op_text(const struct sim_client *c,
                      size_t key_len,
                      size_t value_len,
                      char *buf,
                      size_t len)
{
    size_t pos = 0;
    put(buf, len, &pos, sim_kv_op_name(c->op));
    put_n(buf, len, &pos, " ", 1);
    put_n(buf, len, &pos, c->key, key_len);
    if (c->op == SIM_KV_SET) {
        put_n(buf, len, &pos, " ", 1);
        put_n(buf, len, &pos, c->value, value_len);
    }
    if (c->read_mode != SIM_READ_LOG) {
        put(buf, len, &pos, " ");
        put(buf, len, &pos, sim_read_mode_name(c->read_mode));
    }
    return pos;
}

/* prefix and the decimal digits of v, zero-padded to `width` characters in
 * all (0: no padding), into buf of len >= 2 bytes, cut to len - 1
 * characters; returns the characters written. */
static size_t format_u64(char *buf,
                       size_t len,
                       char prefix,
                       uint64_t v,
                       size_t width)
{
    if (v < 10 && width <= 2 && len >= 3) { /* a workload key: "k3" */
        buf[0] = prefix;
        buf[1] = (char)('0' + v);
        buf[2] = '\0';
        return 2;
    }
    char digits[24]; /* filled from the end */
    size_t at = sizeof(digits);
    do {
        digits[--at] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = sizeof(digits) - at;
    size_t room = len - 1;
    size_t pos = 0;
    buf[pos++] = prefix;
    size_t pad = width > n + 1 ? width - n - 1 : 0;
    if (pad > room - pos)
        pad = room - pos;
    memset(buf + pos, '0', pad);
    pos += pad;
    if (n > room - pos)
        n = room - pos;
    memcpy(buf + pos, digits + at, n);
    buf[pos + n] = '\0';
    return pos + n;
}

/* The key and (a set's) value of a request, NUL-ended, with their
 * lengths. */
struct op_strings
{
    const char *key;
    size_t key_len;
    const char *value; /* NULL: none (not a set) */
    size_t value_len;
};

/* The strings of a request of op, measured: its key, and a set's value
 * ("" when it has none); any other op's value is dropped. */
static struct op_strings op_strings_of(enum sim_kv_op op,
                                       const char *key,
                                       const char *value)
{
    if (op == SIM_KV_SET && value == NULL)
        value = "";
    if (op != SIM_KV_SET)
        value = NULL;
    return (struct op_strings){
        .key = key,
        .key_len = strlen(key),
        .value = value,
        .value_len = value != NULL ? strlen(value) : 0,
    };
}

/* mode: of a get; SIM_READ_MODE_COUNT for the run's default. kv: as
 * op_strings_of(op, ...) gives them. */
static void issue(struct sim *s,
                  uint32_t id,
                  enum sim_kv_op op,
                  const struct op_strings *kv,
                  enum sim_read_mode mode,
                  uint32_t via,
                  uint64_t draw_key,
                  uint64_t handle)
{
    struct sim_client *c = client_at(s, id);
    if (mode == SIM_READ_MODE_COUNT)
        mode = s->cfg.reads;
    c->read_mode = op == SIM_KV_GET ? mode : SIM_READ_LOG;
    sim_rng_seed_key(&c->rng, sim_rng_key(s->client_key, draw_key));
    c->busy = true;
    c->request++;
    c->invoked_us = s->now_us;
    c->op = op;
    const char *key = kv->key, *value = kv->value;
    size_t key_len = kv->key_len, value_len = kv->value_len;
    c->key = copy_into(&c->key_buf, &c->key_cap, KEY_ROOM, key, key_len);
    c->value = op == SIM_KV_SET ? copy_into(&c->value_buf, &c->value_cap,
                                            VALUE_ROOM, value, value_len)
                                : NULL;
    c->handle = handle;
    c->via = via;
    memset(c->tried, 0, sizeof(c->tried));
    memset(c->refused, 0, (s->n + 1) * sizeof(*c->refused));
    c->busy_node = 0;
    c->busy_term = 0;
    struct sim_kv_command cmd = {
        .op = op,
        .client = c->id,
        .request = c->request,
        .key = c->key,
        .value = c->value,
    };
    c->cmd = room_for(c->cmd, &c->cmd_cap,
                      sim_kv_encoded_max(key_len, value_len), CMD_ROOM);
    c->cmd_len = sim_kv_encode_to(&cmd, key_len, value_len, c->cmd);
    c->op_id = s->history ? sim_history_invoke_n(s->history, c->id, op,
                                                 c->key, key_len, c->value,
                                                 value_len, s->now_us)
                          : NO_ID;
    s->requests_invoked++;

    /* Recorded from the values and the text's length at hand. */
    char text[160];
    size_t text_len = op_text(c, key_len, value_len, text, sizeof(text));
    sim_emit_text(s,
                  &(struct sim_trace_event){
                      .kind = SIM_TRACE_CLIENT_INVOKE,
                      .node = via,
                      .client = c->id,
                      .request = c->request,
                      .aux = c->op_id == NO_ID ? 0 : c->op_id + 1,
                  },
                  text, text_len);

    uint32_t node = via;
    if (node == 0 && c->leader != 0)
        node = c->leader;
    if (node == 0) {
        node = pick_node(s, c);
        if (node == 0)
            node = 1 + (uint32_t)sim_rng_below(&c->rng, s->n);
    }
    send_to(s, c, node);
}

/* The text of the workload's next value, s->workload_values + 1 ("v" and
 * the counter zero-padded to cfg.workload_value_len, which is at most
 * SIM_WORKLOAD_VALUE_MAX, so never cut): the previous value's text
 * incremented in place, as decimal counting carries into the padding
 * zeros, or formatted afresh when there is none or a carry would reach
 * the "v". */
static const char *next_workload_value(struct sim *s)
{
    uint64_t v = ++s->workload_values;
    char *t = s->workload_text;
    size_t i = s->workload_text_value + 1 == v ? s->workload_text_len : 0;
    while (i > 1 && t[i - 1] == '9')
        t[--i] = '0';
    if (i > 1) {
        t[i - 1]++;
    } else {
        s->workload_text_len = format_u64(t, sizeof(s->workload_text), 'v', v,
                                          s->cfg.workload_value_len);
    }
    s->workload_text_value = v;
    return t;
}

/* A random operation from a workload stream (always three draws): *op, and
 * in *kv its key (written into key, of key_size bytes) and the value a set
 * would write (borrowed until the next operation), with their lengths. */
static void random_op(struct sim *s,
                      struct sim_rng *rng,
                      enum sim_kv_op *op,
                      char *key,
                      size_t key_size,
                      struct op_strings *kv)
{
    uint64_t r = sim_rng_below(rng, 100);
    uint64_t k = sim_rng_below(rng, WORKLOAD_KEYS);
    (void)sim_rng_next(rng);
    *op = r < 50 ? SIM_KV_SET : r < 85 ? SIM_KV_GET : SIM_KV_DELETE;
    kv->key = key;
    kv->key_len = format_u64(key, key_size, 'k', k, 0);
    kv->value = next_workload_value(s);
    kv->value_len = s->workload_text_len;
}

/* A random request from client id: op and key from rng (a set when
 * writes_only), its draws keyed by draw_key. */
static void issue_random(struct sim *s,
                         uint32_t id,
                         struct sim_rng *rng,
                         uint64_t draw_key,
                         uint32_t via,
                         bool writes_only)
{
    enum sim_kv_op op;
    char key[32];
    struct op_strings kv;
    random_op(s, rng, &op, key, sizeof(key), &kv);
    if (writes_only)
        op = SIM_KV_SET;
    if (op != SIM_KV_SET) {
        kv.value = NULL;
        kv.value_len = 0;
    }
    issue(s, id, op, &kv, SIM_READ_MODE_COUNT, via, draw_key, NO_ID);
}

/* Tags of the draw keys the engine makes up itself, for requests and loads
 * whose issuer gave none. */
#define KEY_TAG_REQUEST UINT64_C(0x7265717565737400) /* "request" */
#define KEY_TAG_LOAD UINT64_C(0x6c6f616400000000)    /* "load" */
#define KEY_TAG_CLOSED UINT64_C(0x636c6f7365640000)  /* "closed" */
#define KEY_TAG_STALE UINT64_C(0x7374616c65000000)   /* "stale" */

int sim_client_request(struct sim *s,
                       enum sim_kv_op op,
                       const char *key,
                       const char *value,
                       uint32_t via,
                       uint64_t *request_out)
{
    uint64_t draw_key = sim_rng_key(KEY_TAG_REQUEST, s->requests->len);
    return sim_client_request_keyed(s, op, key, value, via, draw_key,
                                    request_out);
}

/* sim_client_request_keyed() with a read mode (SIM_READ_MODE_COUNT: the
 * run's default). */
static int request_keyed(struct sim *s,
                         enum sim_kv_op op,
                         const char *key,
                         const char *value,
                         enum sim_read_mode mode,
                         uint32_t via,
                         uint64_t draw_key,
                         uint64_t *request_out)
{
    if (!key || op < SIM_KV_SET || op > SIM_KV_GET || via > s->n)
        return SIM_EINVAL;
    uint64_t handle = s->requests->len;
    struct sim_request_rec rec = {0};
    g_array_append_val(s->requests, rec);
    if (request_out)
        *request_out = handle;
    struct op_strings kv = op_strings_of(op, key, value);
    issue(s, take_idle_client(s), op, &kv, mode, via, draw_key, handle);
    return SIM_OK;
}

int sim_client_request_keyed(struct sim *s,
                             enum sim_kv_op op,
                             const char *key,
                             const char *value,
                             uint32_t via,
                             uint64_t draw_key,
                             uint64_t *request_out)
{
    return request_keyed(s, op, key, value, SIM_READ_MODE_COUNT, via,
                         draw_key, request_out);
}

int sim_client_read_keyed(struct sim *s,
                          const char *key,
                          enum sim_read_mode mode,
                          uint32_t via,
                          uint64_t draw_key,
                          uint64_t *request_out)
{
    if ((unsigned)mode >= SIM_READ_MODE_COUNT)
        return SIM_EINVAL;
    return request_keyed(s, SIM_KV_GET, key, NULL, mode, via, draw_key,
                         request_out);
}

const char *sim_client_pending_key(const struct sim *s,
                                   uint32_t client,
                                   uint64_t request)
{
    if (client == 0 || client > s->clients->len)
        return NULL;
    const struct sim_client *c =
        &g_array_index(s->clients, struct sim_client, client - 1);
    return c->busy && c->request == request ? c->key : NULL;
}

/* k * 1e9 / rate_per_ks, without overflow for any run shorter than ~500
 * years; or floor(k * span / total) for a counted load (k < total <= 1e6,
 * so k * (span % total) fits). */
static uint64_t arrival_offset_us(const struct sim_load_gen *g, uint64_t k)
{
    if (g->rate_per_ks == 0)
        return k * (g->span_us / g->total) +
               k * (g->span_us % g->total) / g->total;
    uint64_t r = g->rate_per_ks;
    return (k / r) * 1000000000u + (k % r) * 1000000000u / r;
}

int sim_load(struct sim *s,
             double rate_per_s,
             uint64_t duration_us,
             uint32_t via)
{
    return sim_load_keyed(s, rate_per_s, duration_us, via,
                          sim_rng_key(KEY_TAG_LOAD, s->loads->len));
}

int sim_load_keyed(struct sim *s,
                   double rate_per_s,
                   uint64_t duration_us,
                   uint32_t via,
                   uint64_t draw_key)
{
    /* The rate in requests per 1000 s, so that arrival times are integer
     * arithmetic from here on. */
    double rate_per_ks = rate_per_s * 1000.0 + 0.5;
    if (!(rate_per_s > 0) || rate_per_ks >= 1e10 || via > s->n)
        return SIM_EINVAL;
    struct sim_load_gen *g = g_new0(struct sim_load_gen, 1);
    g->key = sim_rng_key(s->workload_key, draw_key);
    sim_rng_seed_key(&g->rng, g->key);
    g->start_us = s->now_us;
    g->rate_per_ks = (uint64_t)rate_per_ks;
    if (g->rate_per_ks == 0)
        g->rate_per_ks = 1;
    /* Arrivals at start + floor(k * 1e9 / rate_per_ks) for k = 0, 1, ...
     * while before start + duration: ceil(duration * rate_per_ks / 1e9). */
    uint64_t r = g->rate_per_ks;
    uint64_t whole = (duration_us / 1000000000u) * r;
    uint64_t rest = (duration_us % 1000000000u) * r;
    g->total = whole + rest / 1000000000u + (rest % 1000000000u != 0);
    g->via = via;
    g_ptr_array_add(s->loads, g);
    if (g->total > 0)
        sim_push(s, s->now_us, SIM_EV_LOAD, 0, 0, g);
    return SIM_OK;
}

int sim_load_writes_keyed(struct sim *s,
                          uint64_t count,
                          uint64_t duration_us,
                          uint32_t via,
                          uint64_t draw_key)
{
    if (count == 0 || count > SIM_LOAD_COUNT_MAX || duration_us == 0 ||
        via > s->n)
        return SIM_EINVAL;
    struct sim_load_gen *g = g_new0(struct sim_load_gen, 1);
    g->key = sim_rng_key(s->workload_key, draw_key);
    sim_rng_seed_key(&g->rng, g->key);
    g->start_us = s->now_us;
    g->span_us = duration_us;
    g->writes_only = true;
    g->total = count;
    g->via = via;
    g_ptr_array_add(s->loads, g);
    sim_push(s, s->now_us, SIM_EV_LOAD, 0, 0, g);
    return SIM_OK;
}

void sim_client_on_load(struct sim *s, const struct sim_event *ev)
{
    struct sim_load_gen *g = ev->ptr;
    issue_random(s, take_idle_client(s), &g->rng,
                 sim_rng_key(g->key, g->issued), g->via, g->writes_only);
    g->issued++;
    if (g->issued < g->total) {
        uint64_t t = g->start_us + arrival_offset_us(g, g->issued);
        sim_push(s, t < s->now_us ? s->now_us : t, SIM_EV_LOAD, 0, 0, g);
    }
}

/* The draw key of a closed-loop client's next request. */
static uint64_t closed_key(const struct sim_client *c)
{
    return sim_rng_key(sim_rng_key(KEY_TAG_CLOSED, c->id), c->request + 1);
}

int sim_load_closed(struct sim *s,
                    uint32_t n_clients,
                    uint64_t until_us,
                    uint32_t via)
{
    if (via > s->n)
        return SIM_EINVAL;
    for (uint32_t i = 0; i < n_clients; i++) {
        uint32_t id = new_client(s);
        struct sim_client *c = client_at(s, id);
        c->closed_loop = true;
        c->closed_until_us = until_us;
        sim_rng_seed_key(
            &c->work_rng,
            sim_rng_key(s->workload_key, sim_rng_key(KEY_TAG_CLOSED, id)));
        issue_random(s, id, &c->work_rng, closed_key(c), via, false);
    }
    return SIM_OK;
}

/* The delay of a node's reply: from the request's stream when it answers
 * the client's current request, else (a late answer the client will ignore)
 * from a stream keyed by the answer alone. */
static uint64_t reply_delay(struct sim *s,
                            struct sim_client *c,
                            uint64_t request,
                            uint32_t node)
{
    if (c->busy && request == c->request)
        return sim_net_draw_delay(&s->net.p, &c->rng);
    uint64_t key = sim_rng_key(s->client_key, KEY_TAG_STALE);
    key = sim_rng_key(key, c->id);
    key = sim_rng_key(key, request);
    key = sim_rng_key(key, node);
    struct sim_rng rng;
    sim_rng_seed_key(&rng, sim_rng_key(key, s->now_us));
    return sim_net_draw_delay(&s->net.p, &rng);
}

/* Sends a node's answer to a client; busy marks a redirect as a refusal
 * for now by a leader (sim_client_reply_busy()). */
static void reply_to(struct sim *s,
                     uint32_t node,
                     uint32_t client,
                     uint64_t request,
                     bool redirect,
                     bool busy,
                     uint32_t leader_hint,
                     uint64_t term,
                     const struct sim_kv_reply *reply)
{
    if (client == 0 || client > s->clients->len)
        return; /* an `init` command, or foreign bytes */
    size_t vlen = reply && reply->value ? reply->value_len + 1 : 0;
    struct sim_cmsg *cm = sim_cmsg_new(s, vlen);
    cm->client = client;
    cm->node = node;
    cm->request = request;
    cm->reply = true;
    cm->redirect = redirect;
    cm->busy = busy;
    cm->leader_hint = leader_hint;
    cm->term = term;
    cm->found = reply && reply->found;
    cm->has_value = vlen > 0;
    cm->len = vlen;
    if (vlen)
        memcpy(cm->data, reply->value, vlen);
    uint64_t delay = reply_delay(s, client_at(s, client), request, node);
    s->counters.client_messages++;
    sim_push(s, s->now_us + delay, SIM_EV_CLIENT_REPLY, client, 0, cm);
}

void sim_client_reply(struct sim *s,
                      uint32_t node,
                      uint32_t client,
                      uint64_t request,
                      bool redirect,
                      uint32_t leader_hint,
                      uint64_t term,
                      const struct sim_kv_reply *reply)
{
    reply_to(s, node, client, request, redirect, false, leader_hint, term,
             reply);
}

void sim_client_reply_busy(struct sim *s,
                           struct sim_node *nd,
                           uint32_t client,
                           uint64_t request)
{
    /* Thesis §3.10: the target of a transfer is about to lead. */
    uint32_t target = (uint32_t)raft_transfer_target(nd->core);
    reply_to(s, nd->id, client, request, true, true, target,
             raft_term(nd->core), NULL);
}

static void complete(struct sim *s,
                     struct sim_client *c,
                     const struct sim_cmsg *cm)
{
    const char *value = cm->has_value ? (const char *)cm->data : NULL;
    bool found = c->op == SIM_KV_GET && cm->found;
    if (s->history && c->op_id != NO_ID)
        sim_history_complete_n(s->history, c->op_id, s->now_us, found,
                               value ? value : "", value ? cm->len - 1 : 0);
    if (c->handle != NO_ID) {
        struct sim_request_rec *rec =
            &g_array_index(s->requests, struct sim_request_rec, c->handle);
        rec->completed = true;
        rec->found = found;
        rec->result = found ? g_strdup(value) : NULL;
    }
    s->requests_completed++;
    s->completed_by_op[c->op]++;

    /* Recorded from the values and the text's length at hand: a value's
     * is the reply's (a string without NUL, sim_kv.h). */
    const char *text = c->op != SIM_KV_GET ? "ok" : found ? value : "absent";
    size_t text_len = c->op != SIM_KV_GET ? 2
                      : !found            ? 6
                      : value             ? cm->len - 1
                                          : 0;
    sim_emit_text(s,
                  &(struct sim_trace_event){
                      .kind = SIM_TRACE_CLIENT_COMPLETE,
                      .node = cm->node,
                      .client = c->id,
                      .request = c->request,
                      .ok = true,
                      .aux = c->op_id == NO_ID ? 0 : c->op_id + 1,
                  },
                  text, text_len);

    c->busy = false;
    c->leader = cm->node;
    c->leader_term = 0;
    c->timeout_at_us = UINT64_MAX;
    c->handle = NO_ID;
    if (c->closed_loop) {
        if (s->now_us < c->closed_until_us) {
            issue_random(s, c->id, &c->work_rng, closed_key(c), c->via,
                         false);
            return;
        }
        c->closed_loop = false;
    }
    make_idle(s, c);
}

/* A leader refused the request for now (RAFT_EBUSY, RAFT_ENOSPC): such a
 * refusal passes within a few heartbeats (a no-op or the entries ahead
 * commit, a transfer ends), so the client asks again one heartbeat
 * interval later instead of waiting for its timeout: at the transfer
 * target the reply names, else at the same node. The retry does not
 * re-arm the client timeout, so a node that keeps refusing (a leader cut
 * off from its majority, at its bound) is left when the timeout expires.
 * Only the answer of the node last asked counts. */
static void retry_later(struct sim *s, struct sim_client *c, uint32_t node)
{
    c->retry_node = node;
    c->retry_at_us = s->now_us + s->cfg.heartbeat_us;
    sim_push(s, c->retry_at_us, SIM_EV_CLIENT_TIMEOUT, c->id, c->request,
             NULL);
}

static void back_off(struct sim *s,
                     struct sim_client *c,
                     const struct sim_cmsg *cm)
{
    if (cm->node != c->last_node)
        return;
    /* Not worth trying at once again in this term (a leader cut off from
     * its majority may refuse for good), but see on_reply. */
    c->refused[cm->node] = 2 * cm->term + 2;
    c->busy_node = cm->node;
    c->busy_term = cm->term;
    retry_later(s, c, cm->leader_hint ? cm->leader_hint : cm->node);
}

void sim_client_on_reply(struct sim *s, const struct sim_event *ev)
{
    struct sim_cmsg *cm = ev->ptr;
    struct sim_client *c = client_at(s, cm->client);
    if (c->busy && cm->request == c->request) {
        if (!cm->redirect) {
            complete(s, c, cm);
        } else if (cm->busy) {
            back_off(s, c, cm);
        } else {
            c->refused[cm->node] = 2 * cm->term + (cm->leader_hint ? 2 : 1);
            if (cm->leader_hint) {
                uint64_t known_term = c->leader_term;
                c->leader = cm->leader_hint;
                c->leader_term = cm->term;
                if (worth_trying(c, cm->leader_hint) ||
                    newly_named(c, cm->leader_hint, known_term))
                    send_to(s, c, cm->leader_hint);
                else if (cm->leader_hint == c->busy_node &&
                         cm->term == c->busy_term)
                    retry_later(s, c, cm->leader_hint); /* still leads */
            }
        }
    }
    sim_cmsg_free(s, cm);
}

/* The backoff after a busy refusal ended: retry at the node it named,
 * unless the client has moved on since (answered, timed out, or refused
 * again later). */
static void retry_after_backoff(struct sim *s,
                                struct sim_client *c,
                                uint64_t request)
{
    uint32_t node = c->retry_node;
    if (!c->busy || c->request != request || node == 0 ||
        s->now_us < c->retry_at_us)
        return;
    c->retry_node = 0;
    if (s->nodes[node].alive)
        send_request(s, c, node, false);
}

void sim_client_on_timeout(struct sim *s, const struct sim_event *ev)
{
    struct sim_client *c = client_at(s, ev->node);
    if (ev->arg != 0) {
        retry_after_backoff(s, c, ev->arg);
        return;
    }
    c->timer_pending = false;
    if (!c->busy || c->timeout_at_us == UINT64_MAX)
        return;
    if (s->now_us < c->timeout_at_us) {
        c->timer_pending = true;
        sim_push(s, c->timeout_at_us, SIM_EV_CLIENT_TIMEOUT, c->id, 0, NULL);
        return;
    }
    uint32_t node = 0;
    /* A leader removed from the configuration (thesis §4.2.2) hears of no
     * successor: ask a member instead of it again. */
    struct sim_node_set live;
    sim_client_live_members(s, &live);
    if (c->leader && worth_trying(c, c->leader) && in_set(&live, c->leader))
        node = c->leader;
    else
        node = pick_member(s, c, &live); /* nothing changed meanwhile */
    if (node == 0) {
        arm_timeout(s, c);
        return;
    }
    send_to(s, c, node);
}

bool sim_request_completed(const struct sim *s, uint64_t request)
{
    if (request >= s->requests->len)
        return false;
    return g_array_index(s->requests, struct sim_request_rec, request)
        .completed;
}

const char *sim_request_result(const struct sim *s, uint64_t request)
{
    if (request >= s->requests->len)
        return NULL;
    return g_array_index(s->requests, struct sim_request_rec, request).result;
}

uint64_t sim_requests_invoked(const struct sim *s)
{
    return s->requests_invoked;
}

uint64_t sim_requests_pending_before(const struct sim *s, uint64_t time_us)
{
    uint64_t n = 0;
    for (guint i = 0; i < s->clients->len; i++) {
        const struct sim_client *c =
            &g_array_index(s->clients, struct sim_client, i);
        n += c->busy && c->invoked_us < time_us;
    }
    return n;
}

uint32_t sim_client_pending_before(const struct sim *s,
                                   uint64_t time_us,
                                   uint32_t from)
{
    for (guint i = from > 0 ? from - 1 : 0; i < s->clients->len; i++) {
        const struct sim_client *c =
            &g_array_index(s->clients, struct sim_client, i);
        if (c->busy && c->invoked_us < time_us)
            return c->id;
    }
    return 0;
}

uint64_t sim_requests_completed(const struct sim *s)
{
    return s->requests_completed;
}

uint64_t sim_requests_completed_op(const struct sim *s, enum sim_kv_op op)
{
    if (op < SIM_KV_SET || op > SIM_KV_GET)
        return 0;
    return s->completed_by_op[op];
}
