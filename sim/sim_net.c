/* sim_net.c: message fates, links and message copies. Invariant: link_open
 * always equals "not cut, and (not partitioned or same nonzero group)", and
 * all_open whether every entry of it is 1. */
#include "sim/sim_net.h"
#include "sim/sim_assert.h"

#include <assert.h>
#include <glib.h>
#include <stddef.h>
#include <string.h>

static void recompute_links(struct sim_net *net)
{
    uint32_t n = net->n_nodes;
    bool all_open = true;
    for (uint32_t a = 0; a < n; a++) {
        for (uint32_t b = 0; b < n; b++) {
            size_t i = (size_t)a * n + b;
            bool same = !net->partitioned ||
                        (net->group_of[a] != 0 &&
                         net->group_of[a] == net->group_of[b]) ||
                        a == b;
            net->link_open[i] = same && !net->cut[i];
            all_open = all_open && net->link_open[i];
        }
    }
    net->all_open = all_open;
}

void sim_net_init(struct sim_net *net,
                  uint32_t n_nodes,
                  const struct sim_net_params *p,
                  uint64_t seed)
{
    memset(net, 0, sizeof(*net));
    net->n_nodes = n_nodes;
    size_t links = (size_t)n_nodes * n_nodes;
    net->table = g_malloc(sizeof(struct sim_net_draw_table) +
                          links * sizeof(uint64_t));
    sim_net_set_params(net, p);
    sim_pool_init(&net->msgs, SIM_MSG_POOLED_BYTES,
                  SIM_MSG_POOL_CHUNK_BYTES / SIM_MSG_POOLED_BYTES);
    sim_pool_init(&net->big, SIM_MSG_BIG_BYTES,
                  SIM_MSG_POOL_CHUNK_BYTES / SIM_MSG_BIG_BYTES);
    net->key = sim_rng_key(seed, SIM_STREAM_NETWORK);
    net->table->word_us = 0;
    net->table->word = sim_rng_word(0);
    net->sent = g_new0(struct sim_rng_instant, links);
    for (size_t link = 0; link < links; link++)
        net->table->link_key[link] = sim_rng_key(net->key, link);
    net->group_of = g_new0(uint32_t, n_nodes);
    net->cut = g_new0(uint8_t, (size_t)n_nodes * n_nodes);
    net->link_open = g_new0(uint8_t, (size_t)n_nodes * n_nodes);
    net->next_msg_id = 1;
    recompute_links(net);
}

void sim_net_destroy(struct sim_net *net)
{
    g_free(net->sent);
    g_free(net->table);
    sim_pool_destroy(&net->msgs);
    sim_pool_destroy(&net->big);
    g_free(net->group_of);
    g_free(net->cut);
    g_free(net->link_open);
    memset(net, 0, sizeof(*net));
}

uint64_t sim_net_draw_delay(const struct sim_net_params *p, struct sim_rng *rng)
{
    return sim_rng_range(rng, p->delay_us_min, p->delay_us_max);
}

/* Delay plus, with probability reorder, an extra delay: three draws (the
 * extra's drawn whether or not it counts; its value computed only when
 * it does, and its draws only when `more` says a later draw of the
 * stream is read: the stream is the message's own). The table's
 * thresholds and bounds give exactly the draws and answers of
 * sim_rng_below() and sim_rng_chance() on p. Always inline, so that the
 * stream's state stays in registers. */
static inline __attribute__((always_inline)) uint64_t
draw_delay(const struct sim_net_params *p,
           const struct sim_net_draw_table *t,
           struct sim_rng *rng,
           bool *reordered,
           bool more)
{
    uint64_t d =
        p->delay_us_min + sim_rng_below_t(rng, t->delay_n, t->delay_threshold);
    bool r = sim_rng_chance_k(rng, t->reorder_k);
    *reordered = r;
    if (!r) {
        if (more)
            sim_rng_skip_below_t(rng, t->span, t->span_threshold);
        return d;
    }
    return d + 1 + sim_rng_below_t(rng, t->span, t->span_threshold);
}

/* The copy's delay of a duplicated message, from the stream's state after
 * the message's own draws. Out of line: few messages are duplicated. */
static __attribute__((noinline)) uint64_t
draw_copy_delay(const struct sim_net_params *p,
                const struct sim_net_draw_table *t,
                struct sim_rng rng)
{
    bool r;
    return draw_delay(p, t, &rng, &r, false);
}

/* Whether a probability decides without a draw: sim_rng_chance() reads
 * no random bits for 0 and for SIM_PPM_ONE or more. */
static inline bool ppm_decided(uint32_t ppm)
{
    return ppm == 0 || ppm >= SIM_PPM_ONE;
}

/* Whether a fate's fields after `lost` are decided by the parameters alone:
 * a delay range of one value, no reordering, duplication never or always
 * (then the copy's delay is decided likewise). */
static inline bool rest_decided(const struct sim_net_params *p)
{
    return p->delay_us_max <= p->delay_us_min && p->reorder_ppm == 0 &&
           ppm_decided(p->duplicate_ppm);
}

/* The fate that rest_decided() parameters give whatever the draws' values
 * (`lost` as a decided drop probability gives it), as the draws below
 * compute it. */
static struct sim_net_fate decided_fate(const struct sim_net_params *p)
{
    struct sim_net_fate f = {0};
    f.lost = p->drop_ppm != 0;
    f.delay_us = p->delay_us_min;
    f.reordered = false;
    f.duplicated = p->duplicate_ppm != 0;
    f.copy_delay_us = f.duplicated ? p->delay_us_min : 0;
    return f;
}

/* The key of the stream of the message sent on `link` at now_us, whose
 * instant record is in: the send time's spread word is computed once per
 * instant, for every link (sim_rng_instant_key_spread()). */
static inline uint64_t message_key(struct sim_net_draw_table *t,
                                   size_t link,
                                   struct sim_rng_instant *in,
                                   uint64_t now_us)
{
    if (now_us != t->word_us) {
        t->word_us = now_us;
        t->word = sim_rng_word(now_us);
    }
    return sim_rng_instant_key_spread(t->link_key[link], in, now_us, t->word);
}

/* The fate of parameters that never reorder nor duplicate, from the
 * stream of `key`, if its delay's draw is not rejected (else false, out
 * untouched). The reordering's and the duplication's draws then answer
 * no whatever their values, and no field reads a draw after the second:
 * the loss reads the first (state word 1), the delay the second (word 1
 * after one step: words 0 to 2, sim_rng_out()), unless the second is
 * rejected and the delay reads a later one. So word 3 and the last three
 * draws are not computed. */
static inline __attribute__((always_inline)) bool
draw_delay_only(const struct sim_net_params *p,
                const struct sim_net_draw_table *t,
                uint64_t key,
                struct sim_net_fate *out)
{
    uint64_t s0 = sim_rng_key_word(key, 0), s1 = sim_rng_key_word(key, 1),
             s2 = sim_rng_key_word(key, 2);
    uint64_t x = sim_rng_out(s1 ^ s2 ^ s0);
    if (x < t->delay_threshold)
        return false;
    out->lost = (sim_rng_out(s1) >> 11) < t->drop_k; /* sim_rng_chance_k() */
    out->delay_us = p->delay_us_min + x % t->delay_n;
    out->reordered = false;
    out->duplicated = false;
    out->copy_delay_us = 0;
    return true;
}

/* The fate from the message's whole stream, seeded from its key: five
 * draws, three more when it is duplicated; only the first two when it is
 * never reordered nor duplicated (draw_delay_only()). The state words are
 * computed into a local, which stays in registers. Always inline: the
 * engine's send of a drawn fate (send_drawn() in sim_node.c) then draws in
 * its own frame, with no call and no second frame per message. */
static inline __attribute__((always_inline)) void
draw_all(const struct sim_net_params *p,
         struct sim_net_draw_table *t,
         size_t link,
         struct sim_rng_instant *in,
         uint64_t now_us,
         struct sim_net_fate *out)
{
    uint64_t key = message_key(t, link, in, now_us);
    if (t->delay_only && draw_delay_only(p, t, key, out))
        return;
    struct sim_rng rng = {{sim_rng_key_word(key, 0), sim_rng_key_word(key, 1),
                           sim_rng_key_word(key, 2),
                           sim_rng_key_word(key, 3)}};
    out->lost = sim_rng_chance_k(&rng, t->drop_k);
    /* Never duplicated, the duplication's draw answers no whatever its
     * value: no later draw is read. */
    bool dup = t->duplicate_k != 0;
    out->delay_us = draw_delay(p, t, &rng, &out->reordered, dup);
    out->duplicated = dup && sim_rng_chance_k(&rng, t->duplicate_k);
    out->copy_delay_us = out->duplicated ? draw_copy_delay(p, t, rng) : 0;
}

/* (0 - n) % n: sim_rng_below()'s rejection threshold for n > 0. */
static uint64_t below_threshold(uint64_t n)
{
    return n ? (0 - n) % n : 0;
}

void sim_net_set_params(struct sim_net *net, const struct sim_net_params *p)
{
    net->p = *p;
    struct sim_net_draw_table *t = net->table;
    /* A range of one value: sim_rng_below(1) draws once, for 0. */
    t->delay_n = p->delay_us_max > p->delay_us_min
                     ? p->delay_us_max - p->delay_us_min + 1
                     : 1;
    t->delay_threshold = below_threshold(t->delay_n);
    t->span = 10 * (p->delay_us_max ? p->delay_us_max : 1);
    t->span_threshold = below_threshold(t->span);
    t->drop_k = sim_rng_chance_bound(p->drop_ppm);
    t->reorder_k = sim_rng_chance_bound(p->reorder_ppm);
    t->duplicate_k = sim_rng_chance_bound(p->duplicate_ppm);
    /* A delay range of every 64-bit value draws nothing for the delay. */
    t->delay_only = t->reorder_k == 0 && t->duplicate_k == 0 && t->delay_n != 0;
    t->decided = decided_fate(p);
    net->draws = !rest_decided(p)           ? SIM_NET_DRAWS_ALL
                 : !ppm_decided(p->drop_ppm) ? SIM_NET_DRAWS_LOSS
                 : t->decided.lost || t->decided.duplicated
                     ? SIM_NET_DRAWS_NONE
                     : SIM_NET_DRAWS_PLAIN;
}

/* The stream is the message's own and is dropped after its fate is drawn,
 * so a draw whose value no field of the fate reads need not be computed:
 * with parameters that leave every field decided, no draw is (the rank at
 * the instant still advances, for the messages after it); with only the
 * loss left to chance, only the first draw is, from the one state word it
 * reads. Every field is the one draw_all() gives (tests/test_sim_net_fate.c
 * compares them). */
void sim_net_draw_link(struct sim_net *net,
                       size_t link,
                       uint64_t now_us,
                       struct sim_net_fate *out)
{
    struct sim_rng_instant *in = &net->sent[link];
    assert(now_us >= in->at_us);
    struct sim_net_draw_table *t = net->table;
    if (net->draws == SIM_NET_DRAWS_ALL) {
        draw_all(&net->p, t, link, in, now_us, out);
        return;
    }
    *out = t->decided;
    if (net->draws <= SIM_NET_DRAWS_NONE) {
        (void)sim_rng_instant_rank(in, now_us);
        return;
    }
    /* The first draw's output is a function of state word 1 alone. */
    struct sim_rng first = {
        {0, sim_rng_key_word(message_key(t, link, in, now_us), 1), 0, 0}};
    out->lost = sim_rng_chance_k(&first, t->drop_k);
}

void sim_net_draw(struct sim_net *net,
                  uint32_t from,
                  uint32_t to,
                  uint64_t now_us,
                  struct sim_net_fate *out)
{
    /* 1 <= from, to <= n_nodes, each as one unsigned comparison. */
    assert(from - 1u < net->n_nodes && to - 1u < net->n_nodes);
    sim_net_draw_link(net, sim_net_link(net, from, to), now_us, out);
}

void sim_net_partition(struct sim_net *net, const uint32_t *group_of)
{
    memcpy(net->group_of, group_of, net->n_nodes * sizeof(uint32_t));
    net->partitioned = true;
    recompute_links(net);
}

/* A cut closes its link whatever the partition says, and no other link:
 * only that link's entry changes. */
void sim_net_cut(struct sim_net *net, uint32_t from, uint32_t to)
{
    size_t i = (size_t)(from - 1) * net->n_nodes + (to - 1);
    net->cut[i] = 1;
    net->link_open[i] = 0;
    net->all_open = false;
}

/* No partition and no cut left: every link is open. */
void sim_net_heal(struct sim_net *net)
{
    size_t links = (size_t)net->n_nodes * net->n_nodes;
    net->partitioned = false;
    memset(net->group_of, 0, net->n_nodes * sizeof(uint32_t));
    memset(net->cut, 0, links);
    memset(net->link_open, 1, links);
    net->all_open = true;
}

/* Bytes to round sizes up to, so the entries array after the header stays
 * aligned. */
#define ALIGN_UP(x) (((x) + 15u) & ~(size_t)15u)

/* Ids of an InstallSnapshot's configuration (0 for other messages). */
static size_t snapshot_conf_ids(const struct raft_message *m)
{
    if (m->type != RAFT_MSG_INSTALL_SNAPSHOT)
        return 0;
    const struct raft_configuration *c =
        &m->install_snapshot.snapshot.configuration;
    return c->n_voters + c->n_outgoing + c->n_learners;
}

/* Copies the configuration's ids into ids (room for all of them) and points
 * *dst's arrays there. */
static void copy_snapshot_conf(struct raft_configuration *dst,
                               const struct raft_configuration *src,
                               uint64_t *ids)
{
    *dst = *src;
    const uint64_t *lists[3] = {src->voters, src->outgoing, src->learners};
    size_t counts[3] = {src->n_voters, src->n_outgoing, src->n_learners};
    const uint64_t **outs[3] = {&dst->voters, &dst->outgoing, &dst->learners};
    for (int l = 0; l < 3; l++) {
        *outs[l] = counts[l] ? ids : NULL;
        if (counts[l])
            memcpy(ids, lists[l], counts[l] * sizeof *ids);
        ids += counts[l];
    }
}

/* A block for a copy of `size` bytes: from `pool` when it is given and
 * the copy fits its blocks, else an allocation of its own. */
static struct sim_msg *msg_block(struct sim_pool *pool, size_t size)
{
    struct sim_pool *from;
    struct sim_msg *msg = sim_pool_alloc(pool, size, &from);
    msg->pool = from;
    return msg;
}

/* The pool of net whose blocks a copy of `size` bytes takes (NULL: none
 * is large enough). */
static struct sim_pool *pool_for(struct sim_net *net, size_t size)
{
    return size <= SIM_MSG_POOLED_BYTES ? &net->msgs
           : size <= SIM_MSG_BIG_BYTES  ? &net->big
                                        : NULL;
}

void sim_msg_release_records(struct sim_msg *msg)
{
    const struct raft_append_entries *ae = &msg->m.append_entries;
    for (size_t i = 0; i < ae->n_entries; i++)
        raft_record_release(ae->entries[i].record);
}

void sim_msg_free(struct sim_msg *msg)
{
    if (msg == NULL)
        return;
    if (sim_msg_holds_records(msg))
        sim_msg_release_records(msg);
    sim_pool_free(msg->pool, msg);
}

_Static_assert(sizeof(struct sim_msg) <= SIM_MSG_POOLED_BYTES,
               "a message's header fits a pooled block");

/* The fixed header a message takes on a wire (msg_copy()): the whole
 * wire size of one without entries or snapshot. */
#define HEADER_WIRE_BYTES 48

/* Marks msg, a block of `msgs`, as the copy of a message without entries
 * or snapshot, with the fields msg_copy() sets besides the message
 * itself: its pool and its wire size; the three fields the sender sets
 * (sim_net_msg_copy()) are left as the block had them. */
static inline void header_fields(struct sim_net *net, struct sim_msg *msg)
{
    msg->pool = &net->msgs;
    msg->bytes = HEADER_WIRE_BYTES;
}

/* A pooled block for such a copy, header_fields() set. */
static inline struct sim_msg *header_block(struct sim_net *net)
{
    struct sim_msg *msg = sim_pool_take(&net->msgs);
    header_fields(net, msg);
    return msg;
}

/* Points the copied entries that have no record at their own bytes,
 * copied from the source's to data onwards (NULL for none). */
static void copy_own_bytes(struct raft_entry *entries,
                           size_t n_entries,
                           char *data)
{
    for (size_t i = 0; i < n_entries; i++) {
        if (entries[i].record != NULL)
            continue;
        if (entries[i].len) {
            memcpy(data, entries[i].data, entries[i].len);
            entries[i].data = data;
            data += entries[i].len;
        } else {
            entries[i].data = NULL;
        }
    }
}

/* A copy of m in a block of net's pools (net NULL: of `pool`, when given
 * and the copy fits its blocks). One walk over the entries: it sums the
 * sizes and takes the references to the records (shared, immutable: the
 * copy holds one for each entry that has one); the entries are then copied
 * whole, and a second walk is made only when some entry has bytes of its
 * own (nearly every entry a run sends has a record). */
static struct sim_msg *msg_copy(struct sim_net *net,
                                struct sim_pool *pool,
                                const struct raft_message *m)
{
    size_t head = ALIGN_UP(sizeof(struct sim_msg));
    size_t n_entries = 0;
    size_t data_len = 0;
    size_t n_own = 0; /* entries without a record */
    /* The bytes the message would take on a wire, counted in the same
     * walk: the fixed header, 16 bytes per entry plus its command, and
     * the snapshot's bytes. */
    size_t wire = HEADER_WIRE_BYTES;
    if (m->type == RAFT_MSG_APPEND_ENTRIES) {
        n_entries = m->append_entries.n_entries;
        for (size_t i = 0; i < n_entries; i++) {
            const struct raft_entry *e = &m->append_entries.entries[i];
            wire += 16 + e->len;
            if (e->record != NULL) {
                raft_record_hold(e->record);
            } else {
                data_len += e->len;
                n_own++;
            }
        }
    } else if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
        data_len = m->install_snapshot.snapshot.len;
        wire += data_len;
    }
    /* A snapshot's configuration travels in the same block, first (its ids
     * are aligned there); it is not counted in the wire bytes. */
    size_t conf_size = ALIGN_UP(snapshot_conf_ids(m) * sizeof(uint64_t));
    size_t entries_size =
        ALIGN_UP(n_entries * sizeof(struct raft_entry)) + conf_size;
    size_t size = head + entries_size + data_len;
    struct sim_msg *msg =
        msg_block(net != NULL ? pool_for(net, size) : pool, size);
    char *block = (char *)msg;
    msg->id = 0;
    msg->dest_incarnation = 0;
    msg->promised_index = 0;
    msg->acked_term = 0;
    msg->bytes = (uint32_t)wire;
    msg->m = *m;
    char *data = block + head + entries_size;
    if (m->type == RAFT_MSG_APPEND_ENTRIES) {
        struct raft_entry *entries = NULL;
        if (n_entries) {
            entries = (struct raft_entry *)(void *)(block + head);
            memcpy(entries, m->append_entries.entries,
                   n_entries * sizeof(struct raft_entry));
        }
        if (n_own)
            copy_own_bytes(entries, n_entries, data);
        msg->m.append_entries.entries = entries;
    } else if (m->type == RAFT_MSG_INSTALL_SNAPSHOT) {
        const struct raft_snapshot *snap = &m->install_snapshot.snapshot;
        if (snap->len) {
            memcpy(data, snap->data, snap->len);
            msg->m.install_snapshot.snapshot.data = data;
        } else {
            msg->m.install_snapshot.snapshot.data = NULL;
        }
        copy_snapshot_conf(&msg->m.install_snapshot.snapshot.configuration,
                           &snap->configuration,
                           (uint64_t *)(void *)(block + head));
    }
    return msg;
}

struct sim_msg *sim_msg_copy(const struct raft_message *m)
{
    return msg_copy(NULL, NULL, m);
}

/* Copies m, a message without entries or snapshot, into msg as
 * msg_copy() would copy it, its header alone: the two kinds of nearly
 * every message copy the header and their own member of the union, each
 * in a few vector moves (the whole message takes a loop of word moves);
 * nothing reads the rest of a message's union for its type. */
static inline void copy_header(struct sim_msg *msg,
                               const struct raft_message *m)
{
    switch (m->type) {
    case RAFT_MSG_APPEND_ENTRIES:
        memcpy(&msg->m, m, offsetof(struct raft_message, append_entries));
        msg->m.append_entries = m->append_entries;
        msg->m.append_entries.entries = NULL;
        break;
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        memcpy(&msg->m, m, offsetof(struct raft_message, append_entries));
        msg->m.append_entries_result = m->append_entries_result;
        break;
    default:
        msg->m = *m;
        break;
    }
}

/* Whether m has entries or a snapshot, which msg_copy() copies. */
static inline bool has_body(const struct raft_message *m)
{
    return m->type == RAFT_MSG_INSTALL_SNAPSHOT ||
           (m->type == RAFT_MSG_APPEND_ENTRIES &&
            m->append_entries.n_entries != 0);
}

/* sim_net_msg_copy() of a message with a body, or of any while the pool
 * `msgs` keeps no block (a new one is carved). Out of line: the copy of a
 * header into a kept block then needs no frame. */
static G_GNUC_NO_INLINE struct sim_msg *
msg_copy_rare(struct sim_net *net, const struct raft_message *m)
{
    if (has_body(m))
        return msg_copy(net, NULL, m);
    struct sim_msg *msg = header_block(net);
    copy_header(msg, m);
    return msg;
}

/* A message without entries or snapshot (most) takes the block `msgs`
 * released last, as header_block() would, and is copied by
 * copy_header(); anything else, or any message while `msgs` keeps no
 * block, is msg_copy_rare()'s. */
struct sim_msg *sim_net_msg_copy(struct sim_net *net,
                                 const struct raft_message *m)
{
    if (has_body(m))
        return msg_copy_rare(net, m);
    struct sim_msg *msg = sim_pool_take_kept(&net->msgs);
    if (msg == NULL)
        return msg_copy_rare(net, m);
    header_fields(net, msg);
    copy_header(msg, m);
    return msg;
}

struct sim_msg *sim_msg_clone(const struct sim_msg *msg)
{
    struct sim_msg *copy = msg_copy(NULL, msg->pool, &msg->m);
    copy->id = msg->id;
    copy->dest_incarnation = msg->dest_incarnation;
    copy->promised_index = msg->promised_index;
    copy->acked_term = msg->acked_term;
    return copy;
}
