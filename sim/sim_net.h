/* sim_net.h: the simulated network between nodes.
 *
 * Keeps the network parameters, the partition and cut state, the message
 * counters and the network's random key. The fate of a message (lost,
 * delay, duplicated, extra reordering delay) is drawn when it is sent, from a
 * stream keyed by (its link, its send time, its rank among the messages the
 * link carried at that instant): a message's fate does not depend on how many
 * messages went before it, on its link or elsewhere, so a change early in a
 * run does not reshuffle the fates of later messages sent at the same
 * instants. The draws per message are fixed whatever the probabilities are.
 * Whether its link is open is decided by the engine at delivery time
 * (sim_net_link_open). Messages own their payload: one
 * allocation holds the header, the entries and every byte they point to,
 * except the bytes of entries with a shared record, of which the message
 * holds a reference;
 * the network recycles the blocks of small messages (sim_net_msg_free()),
 * which changes no behaviour: nothing reads an address.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "raft/raft.h"
#include "sim/sim_counters.h"
#include "sim/sim_pool.h"
#include "sim/sim_rng.h"

struct sim_net_params
{
    uint64_t delay_us_min;
    uint64_t delay_us_max;
    /* Probabilities in parts per million (SIM_PPM_ONE is certain). */
    uint32_t drop_ppm;
    uint32_t duplicate_ppm;
    uint32_t reorder_ppm; /* extra delay uniform in [1, 10 x delay_us_max] */
};

/* Which draws of a message's fate the parameters leave to chance
 * (sim_net_draw()): none, only the loss, or all of them. With none, the
 * fate is either plain (delivered once, after delay_us_min: a network
 * without faults) or lost or duplicated for certain. */
enum sim_net_fate_draws {
    SIM_NET_DRAWS_PLAIN,
    SIM_NET_DRAWS_NONE,
    SIM_NET_DRAWS_LOSS,
    SIM_NET_DRAWS_ALL,
};

/* The fate of one message, drawn at send time. */
struct sim_net_fate
{
    bool lost;         /* lost by the drop probability */
    uint64_t delay_us; /* one-way delay, reordering extra included */
    bool reordered;
    bool duplicated; /* a copy arrives too, after copy_delay_us */
    uint64_t copy_delay_us;
};

/* What a message's fate draws with, from the parameters (kept by
 * sim_net_set_params()), and the links' keys: one block, outside the
 * engine's record (whose size the memory budget charges). */
struct sim_net_draw_table
{
    /* The delay's draw: sim_rng_below_t(delay_n, delay_threshold) past
     * delay_us_min; delay_n is 1 (one draw, of value 0) when the range
     * holds one value, 0 (no draw) when it is every 64-bit value. */
    uint64_t delay_n, delay_threshold;
    /* The reordering's extra delay: 1 + sim_rng_below_t(span, ...). */
    uint64_t span, span_threshold;
    /* sim_rng_chance_bound() of drop_ppm, reorder_ppm, duplicate_ppm. */
    uint64_t drop_k, reorder_k, duplicate_k;
    /* Never reordered nor duplicated, and a delay drawn: the fate reads
     * only the stream's first two draws (draw_delay_only() in sim_net.c). */
    bool delay_only;
    /* The fate's fields that the parameters decide without a draw (every
     * field but `lost` when only the loss is left to chance, all of them
     * when nothing is). */
    struct sim_net_fate decided;
    /* sim_rng_word(word_us): the send time's spread word, kept for the
     * instant of the last keyed draw (the messages of a broadcast share
     * it). */
    uint64_t word_us, word;
    /* [(from - 1) * n + to - 1]: sim_rng_key(key, link), once. */
    uint64_t link_key[];
};

struct sim_net
{
    uint32_t n_nodes;
    /* What p leaves to chance (enum sim_net_fate_draws), kept by
     * sim_net_set_params(); in the padding before p, so the engine's size,
     * which the memory budget charges, stays the same. */
    uint8_t draws;
    /* Every link open (link_open all 1: no partition or one group, no
     * cut), kept by the changes below; in the same padding. */
    bool all_open;
    struct sim_net_params p; /* change with sim_net_set_params() */
    uint64_t key; /* the run's SIM_STREAM_NETWORK key */
    /* [(from - 1) * n + to - 1]: the link's last send instant and rank. */
    struct sim_rng_instant *sent;
    struct sim_net_draw_table *table; /* owned */
    uint32_t *group_of;   /* [node - 1]; 0: alone (when partitioned) */
    bool partitioned;     /* false: every group is the same */
    uint8_t *cut;         /* [(from - 1) * n + to - 1]: one-way cut */
    uint8_t *link_open;   /* derived from the two above, same indexing */
    uint64_t next_msg_id; /* ids are dense from 1 */
    /* Blocks of SIM_MSG_POOLED_BYTES and of SIM_MSG_BIG_BYTES for
     * message copies (owned, with every block carved from them). */
    struct sim_pool msgs, big;
    /* [type]; [0], the totals, stays zero: sim_get_msg_counters() adds
     * them up when asked. */
    struct sim_msg_counters counters[RAFT_MSG_TYPE_COUNT];
};

/* A message in flight: owns its payload in the same allocation. */
struct sim_msg
{
    uint64_t id;
    uint32_t dest_incarnation; /* lost if the destination restarted since */
    uint32_t bytes;            /* wire size for the byte counters */
    /* sim_persist_promise() when built: the index msg promises its
     * sender holds durably, and the term its sender's log held at the
     * index it acknowledges. */
    uint64_t promised_index, acked_term;
    /* The pool whose block this is (the network's), NULL: an allocation
     * of its own. */
    struct sim_pool *pool;
    struct raft_message m;     /* pointers point into this allocation */
};

/* A network's message copy of at most SIM_MSG_POOLED_BYTES takes a block
 * of exactly that size from the network's pool `msgs`, one of at most
 * SIM_MSG_BIG_BYTES (entries or a snapshot) one of `big`: recycled blocks,
 * carved from chunks of SIM_MSG_POOL_CHUNK_BYTES (sim_pool.h), instead of
 * a fresh allocation; a larger copy is an allocation of its own. */
#define SIM_MSG_POOLED_BYTES 1024u
#define SIM_MSG_BIG_BYTES 4096u
#define SIM_MSG_POOL_CHUNK_BYTES 32768u

void sim_net_init(struct sim_net *net,
                  uint32_t n_nodes,
                  const struct sim_net_params *p,
                  uint64_t seed);
void sim_net_destroy(struct sim_net *net);

/* Draws the fate of one message sent from -> to at now_us, from the stream
 * keyed by (from, to, now_us, rank at now_us): five draws, three more when
 * it is duplicated, of which only those whose values a field reads are
 * computed (the stream is the message's alone). Calls for one link come
 * with non-decreasing now_us. */
void sim_net_draw(struct sim_net *net,
                  uint32_t from,
                  uint32_t to,
                  uint64_t now_us,
                  struct sim_net_fate *out);
/* The index of the link from -> to in the network's per-link tables
 * (1 <= from, to <= n_nodes). */
static inline size_t sim_net_link(const struct sim_net *net,
                                  uint32_t from,
                                  uint32_t to)
{
    return (size_t)(from - 1) * net->n_nodes + (to - 1);
}
/* sim_net_draw() of the link sim_net_link() gives for ids the caller has
 * checked. */
void sim_net_draw_link(struct sim_net *net,
                       size_t link,
                       uint64_t now_us,
                       struct sim_net_fate *out);

/* Whether the parameters make the fate of a message sent on `link` at
 * now_us plain (SIM_NET_DRAWS_PLAIN): then it takes its rank at the
 * instant, as sim_net_draw_link() would, and *delay_us is its delay (the
 * fate's other fields all false or 0); else nothing changes. Inline: the
 * engine asks it of every settled message of a plain fate, which needs no
 * record. */
static inline bool sim_net_draw_plain(struct sim_net *net,
                                      size_t link,
                                      uint64_t now_us,
                                      uint64_t *delay_us)
{
    if (net->draws != SIM_NET_DRAWS_PLAIN)
        return false;
    struct sim_rng_instant *in = &net->sent[link];
    assert(now_us >= in->at_us);
    (void)sim_rng_instant_rank(in, now_us);
    *delay_us = net->p.delay_us_min;
    return true;
}

/* Sets the network's parameters (copied) for the messages sent from now
 * on. */
void sim_net_set_params(struct sim_net *net, const struct sim_net_params *p);

/* A delay uniform in [min, max] from rng (client messages): one draw. */
uint64_t sim_net_draw_delay(const struct sim_net_params *p,
                            struct sim_rng *rng);

/* true if messages from -> to currently pass (partitions and cuts). One
 * test while every link is open (most of a run), the link's entry else. */
static inline bool sim_net_link_open(const struct sim_net *net,
                                     uint32_t from,
                                     uint32_t to)
{
    return net->all_open || net->link_open[sim_net_link(net, from, to)] != 0;
}

/* group_of (copied) as in sim_partition(). */
void sim_net_partition(struct sim_net *net, const uint32_t *group_of);
void sim_net_cut(struct sim_net *net, uint32_t from, uint32_t to);
void sim_net_heal(struct sim_net *net);


/* Copy of m in one allocation (sim_msg_free() to release). An entry with a
 * record (raft.h) is not copied: the message holds a reference to the
 * record and points to its bytes; other entries' bytes are copied. */
struct sim_msg *sim_msg_copy(const struct raft_message *m);
/* The same, in a block of one of net's pools when it fits one: release it
 * with sim_net_msg_free() or sim_msg_free() (the same), before
 * sim_net_destroy(net). Its id, dest_incarnation, promised_index and
 * acked_term are the sender's to set, and may hold anything until then:
 * the engine sets the last two as it takes the copy and the others as the
 * message leaves (sim_node_send_msg()), before anything reads them (four
 * stores a message that the copy would make for nothing). */
struct sim_msg *sim_net_msg_copy(struct sim_net *net,
                                 const struct raft_message *m);
/* Whether msg may hold references to records: an AppendEntries with
 * entries. */
static inline bool sim_msg_holds_records(const struct sim_msg *msg)
{
    return msg->m.type == RAFT_MSG_APPEND_ENTRIES &&
           msg->m.append_entries.n_entries > 0;
}
/* Drops the references msg, an AppendEntries, holds to its entries'
 * records. */
void sim_msg_release_records(struct sim_msg *msg);
/* Releases msg (transferred) and its references to records: a pooled
 * block goes back to its pool. Inline: every delivery ends here. */
static inline void sim_net_msg_free(struct sim_net *net, struct sim_msg *msg)
{
    (void)net; /* the block knows its pool */
    if (sim_msg_holds_records(msg))
        sim_msg_release_records(msg);
    sim_pool_free(msg->pool, msg);
}
/* Releases msg (transferred, NULL: nothing), as sim_net_msg_free(). */
void sim_msg_free(struct sim_msg *msg);
/* Deep copy of another in-flight message (a duplicate), in a block of
 * msg's pool when msg has one (the copy has msg's size). */
struct sim_msg *sim_msg_clone(const struct sim_msg *msg);

#endif /* SIM_NET_H */
