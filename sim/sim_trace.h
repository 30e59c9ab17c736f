/* sim_trace.h: the canonical event record of a run.
 *
 * Every observable step of a simulation is one struct sim_trace_event, in the
 * order it happened. The trace hash is computed over these records; the JSONL
 * trace (docs/trace-format.md) and the pictures in viz/ are views of them.
 * The sequence number `seq` is dense from 1 and never reused within a run.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "raft/raft.h"
#include "sim/sim_hash.h"

/* A failure report keeps the last SIM_TRACE_RING_EVENTS events before the
 * violation (struct sim_failure), each text cut to SIM_TRACE_TEXT_MAX bytes,
 * the terminating NUL included. */
#define SIM_TRACE_RING_EVENTS 20
#define SIM_TRACE_TEXT_MAX 128

enum sim_trace_kind {
    SIM_TRACE_SEND = 1, /* node -> peer, msg_* fields set */
    SIM_TRACE_DELIVER,  /* message msg_id handed to peer's core */
    SIM_TRACE_DROP,     /* message msg_id lost; text: "random", "cut", "down" */
    SIM_TRACE_DUPLICATE, /* message msg_id will arrive twice; msg_id2 is the
                            copy */
    SIM_TRACE_ROLE,      /* node's role changed to `role` in `term` */
    SIM_TRACE_TERM,      /* node's current term changed to `term` */
    SIM_TRACE_LEADER,    /* node learned leader `peer` (0: none) */
    SIM_TRACE_PERSIST,   /* node wrote: log from `index`, `count` entries */
    SIM_TRACE_SYNC,      /* node's writes up to log `index` are durable */
    SIM_TRACE_COMMIT,    /* node's commit index is now `index` */
    SIM_TRACE_APPLY,     /* node applied entries up to `index` */
    SIM_TRACE_SNAPSHOT,  /* node snapshotted at `index`/`term`; ok: installed
                            from leader */
    SIM_TRACE_CRASH,     /* aux pending batches; index/count log and term
                            writes kept */
    SIM_TRACE_RESTART,
    SIM_TRACE_PAUSE, /* node paused until `aux` (microseconds) */
    SIM_TRACE_RESUME,
    SIM_TRACE_PARTITION, /* text: groups like "n1 n2 | n3 n4 n5"; the same
                            groups as data in group_of */
    SIM_TRACE_CUT,       /* one-way: node -> peer now lost */
    SIM_TRACE_HEAL,      /* every partition and cut removed */
    SIM_TRACE_NET,       /* a network parameter changed; text says which */
    SIM_TRACE_DRIFT,     /* node's clock rate is now aux parts per million */
    SIM_TRACE_CLIENT_INVOKE, /* client `client` request `request`; text: op */
    SIM_TRACE_CLIENT_SEND, /* the request went to `node` (retry or redirect) */
    SIM_TRACE_CLIENT_COMPLETE, /* ok: success; text: result */
    SIM_TRACE_CHECK,     /* an expect check ran; ok: held; text: the check */
    SIM_TRACE_VIOLATION, /* a safety property failed; text: property and detail
                          */
    SIM_TRACE_NOTE,      /* free text, e.g. a skipped action */
    SIM_TRACE_DISK,      /* node's disk timing changed; text says how */
    SIM_TRACE_TIMER,     /* a follower's or candidate's election timer is
                            now due at `aux` (virtual microseconds) */
    SIM_TRACE_PROGRESS,  /* leader `node` now has matchIndex `index` and
                            nextIndex `aux` for follower `peer` */
    SIM_TRACE_LOG,       /* node starts (scenario `init`) with `count`
                            entries from `index`; text: their terms */
    SIM_TRACE_OPERATOR,  /* an operator request's attempt at leader `node`
                            (0: none); ok accepted; count the attempt;
                            request the request; index the configuration
                            entry; peer a transfer's target; text "WHAT:
                            RESULT" (sim_operator_change()) */
    SIM_TRACE_CONFIG,    /* node's latest configuration is now the one of
                            the entry at `index` (term `term`; 0: the
                            bootstrap one; ok: from an installed snapshot);
                            text: "voters n1 n2 | learners n4 | outgoing
                            n1 n3" */
    SIM_TRACE_TRANSFER,  /* leader `node` of `term` hands leadership to
                            `peer`; text: "start", "timeout-now", "done",
                            "abort" */
    SIM_TRACE_KIND_COUNT
};

/* Stable lower-case names ("send", "deliver", ...) used in the JSONL trace. */
const char *sim_trace_kind_name(enum sim_trace_kind kind);

/* One event. Fields a kind does not use are zero. Node ids are 1-based. */
struct sim_trace_event
{
    uint64_t seq;
    uint64_t time_us;
    enum sim_trace_kind kind;
    uint32_t node;
    uint32_t peer;
    /* Messages: a SEND and its DELIVER or DROP share msg_id. */
    uint64_t msg_id;
    uint64_t msg_id2;
    enum raft_message_type msg_type;
    uint64_t term;
    /* Message: prev_log_index (AppendEntries), last_log_index (votes),
     * result index (results), snapshot index. Otherwise per kind above. */
    uint64_t index;
    uint64_t count;  /* entries carried, entries written */
    uint64_t commit; /* AppendEntries: leader_commit */
    uint64_t aux;
    enum raft_role role;
    bool ok; /* granted, success, check held */
    uint64_t client;
    uint64_t request;
    const char *text; /* owned by the trace, NULL when unused */
    /* CHECK: the scenario line of the check (0: none, e.g. a generated
     * scenario's). Outside the trace hash, like the header and footer
     * records, so that a scenario and its printed form hash alike. */
    uint32_t line;
    /* PARTITION: the groups as data, n_group_of entries (one per node):
     * group_of[id - 1] is node id's group, numbered from 1 in the order the
     * text lists the groups, 0 for a node the text leaves out (cut off from
     * every other node). Owned by the trace; NULL in the ring of recent
     * events (sim_tracer_last()). Outside the trace hash: the text, which
     * the hash covers, names the same groups. */
    const uint8_t *group_of;
    uint32_t n_group_of;
};

/* The trace hash of an event (docs/trace-format.md, Hash) is over these
 * fixed-width words, in this order, folded two at a time by sim_hash_pair()
 * (an event's last word, when it has an odd number, by sim_hash_step()):
 *    1 time_us                      7 index
 *    2 node | peer << 32            8 count
 *    3 kind | msg_type << 16 |      9 commit
 *      role << 32 | ok << 48       10 aux
 *    4 msg_id                      11 client
 *    5 msg_id2                     12 request
 *    6 term                        13 the text: 0 if none, else its length
 *                                     + 1, then its bytes as little-endian
 *                                     words, the last one zero-padded
 * Of words 4 to 13, only those the event's kind can carry
 * (sim_trace_kind_words()); seq (word 0) is not folded: an event's place
 * in the fold is its number. Every field is read by value and placed by
 * shifts, so neither the host's byte order nor the struct's padding or
 * pointers enter the hash; the three enums fit their 16 bits (below), and
 * the kind, folded before the words it selects, fixes which follow, so no
 * two events with different fields give the same words. `line` and
 * `group_of` stay outside (above). */
_Static_assert(SIM_TRACE_KIND_COUNT <= 0x10000 && RAFT_MSG_TYPE_COUNT <= 0x10000 &&
                   RAFT_ROLE_COUNT <= 0x10000,
               "the trace hash packs kind, msg_type and role into 16 bits each");

/* Bit i of a mask of words: the trace hash's word i (above). */
#define SIM_TRACE_WORD(i) (1u << (i))
/* Words 4 to 13: every field after the kinds, and the text. */
#define SIM_TRACE_WORDS_ALL 0x3FF0u

/* The words among 4 to 13 that an event of kind k carries. The engine's
 * most frequent kinds, each emitted at one site that sets only these
 * fields and no text, name fewer than all: their other fields are zero
 * (fields a kind does not use are zero, above), so the hash need not fold
 * them, nor the ring of recent events store them (sim_tracer.h). An event
 * of these kinds with any other field or a text is refused where it is
 * recorded (sim_tracer_check_kind()). */
static inline unsigned sim_trace_kind_words(enum sim_trace_kind k)
{
    switch (k) {
    case SIM_TRACE_SEND:
    case SIM_TRACE_DELIVER: /* fill_msg_event(), sim_node.c */
        return SIM_TRACE_WORD(4) | SIM_TRACE_WORD(6) | SIM_TRACE_WORD(7) |
               SIM_TRACE_WORD(8) | SIM_TRACE_WORD(9) | SIM_TRACE_WORD(10);
    case SIM_TRACE_TIMER: /* the deadline */
        return SIM_TRACE_WORD(10);
    case SIM_TRACE_COMMIT: /* term and index */
        return SIM_TRACE_WORD(6) | SIM_TRACE_WORD(7);
    case SIM_TRACE_APPLY: /* index, count and aux */
        return SIM_TRACE_WORD(7) | SIM_TRACE_WORD(8) | SIM_TRACE_WORD(10);
    case SIM_TRACE_SYNC:
    case SIM_TRACE_PROGRESS: /* term, index and aux */
        return SIM_TRACE_WORD(6) | SIM_TRACE_WORD(7) | SIM_TRACE_WORD(10);
    default:
        return SIM_TRACE_WORDS_ALL;
    }
}

/* The kinds for which sim_trace_kind_words() names fewer than all. */
#define SIM_TRACE_KINDS_FEW                                                    \
    (UINT64_C(1) << SIM_TRACE_SEND | UINT64_C(1) << SIM_TRACE_DELIVER |        \
     UINT64_C(1) << SIM_TRACE_TIMER | UINT64_C(1) << SIM_TRACE_COMMIT |        \
     UINT64_C(1) << SIM_TRACE_APPLY | UINT64_C(1) << SIM_TRACE_SYNC |          \
     UINT64_C(1) << SIM_TRACE_PROGRESS)

/* Word 13 and on, into the pairs hp: the text, len being strlen(text). */
static inline void sim_trace_hash_text(struct sim_hash_pairs *hp,
                                       const char *text,
                                       size_t len)
{
    if (!text) {
        sim_hash_pairs_add(hp, 0);
        return;
    }
    sim_hash_pairs_add(hp, len + 1);
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < len; i += 8)
        sim_hash_pairs_add(
            hp, sim_hash_load_le(p + i, len - i < 8 ? len - i : 8));
}

/* Word 2 (the event's nodes) and word 3 (its kinds and flag), as above. */
static inline uint64_t sim_trace_word_nodes(uint32_t node, uint32_t peer)
{
    return (uint64_t)node | (uint64_t)peer << 32;
}

static inline uint64_t sim_trace_word_kinds(enum sim_trace_kind kind,
                                            enum raft_message_type msg_type,
                                            enum raft_role role,
                                            bool ok)
{
    return (uint64_t)kind | (uint64_t)msg_type << 16 | (uint64_t)role << 32 |
           (uint64_t)ok << 48;
}

/* Word w of the hash into the pairs hp when words has it: with words a
 * constant (an event of a constant kind), the test costs nothing. */
#define SIM_TRACE_FOLD(hp, words, i, w)                                        \
    do {                                                                       \
        if ((words) & SIM_TRACE_WORD(i))                                       \
            sim_hash_pairs_add(&(hp), (w));                                    \
    } while (0)

/* Words 1 to 13 of an event whose time_us is given and whose other fields
 * and text (len bytes; NULL: none) are e's, of words 4 to 13 those in
 * words (sim_trace_kind_words(e->kind)), folded into h two at a time (an
 * event's words pair among themselves, never with the next event's).
 * Always inline: an emitter that
 * builds e as a local of a constant kind (sim_tracer_put()) folds its
 * fields from the registers and constants they were computed in, and
 * skips the words its kind does not carry without a test. */
static inline __attribute__((always_inline)) uint64_t
sim_trace_hash_fields(uint64_t h,
                      uint64_t time_us,
                      const struct sim_trace_event *e,
                      const char *text,
                      size_t len,
                      unsigned words)
{
    struct sim_hash_pairs hp = {.h = h};
    sim_hash_pairs_add(&hp, time_us);
    sim_hash_pairs_add(&hp, sim_trace_word_nodes(e->node, e->peer));
    sim_hash_pairs_add(&hp, sim_trace_word_kinds(e->kind, e->msg_type,
                                                 e->role, e->ok));
    SIM_TRACE_FOLD(hp, words, 4, e->msg_id);
    SIM_TRACE_FOLD(hp, words, 5, e->msg_id2);
    SIM_TRACE_FOLD(hp, words, 6, e->term);
    SIM_TRACE_FOLD(hp, words, 7, e->index);
    SIM_TRACE_FOLD(hp, words, 8, e->count);
    SIM_TRACE_FOLD(hp, words, 9, e->commit);
    SIM_TRACE_FOLD(hp, words, 10, e->aux);
    SIM_TRACE_FOLD(hp, words, 11, e->client);
    SIM_TRACE_FOLD(hp, words, 12, e->request);
    if (words & SIM_TRACE_WORD(13))
        sim_trace_hash_text(&hp, text, len);
    return sim_hash_pairs_end(&hp);
}

/* The running state h with event e folded in; text_len is strlen(e->text)
 * (0 without text). */
static inline uint64_t sim_trace_hash_event(uint64_t h,
                                            const struct sim_trace_event *e,
                                            size_t text_len)
{
    return sim_trace_hash_fields(h, e->time_us, e, e->text, text_len,
                                 sim_trace_kind_words(e->kind));
}

/* The running state before the first event. */
#define SIM_TRACE_HASH_START UINT64_C(0x6A09E667F3BCC908)

/* The reported trace hash of `count` events that left the running state h:
 * h folded with the count and finished with a murmur3-style mix. */
static inline uint64_t sim_trace_hash_finish(uint64_t h, uint64_t count)
{
    h = sim_hash_step(h, count);
    h ^= h >> 33;
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    h ^= h >> 33;
    return h;
}

/* Writes one event as one JSON line (docs/trace-format.md). */
void sim_trace_write_jsonl(const struct sim_trace_event *e, FILE *out);

/* Writes s as a JSON string, quoted and escaped. */
void sim_trace_json_string(FILE *out, const char *s);

#endif /* SIM_TRACE_H */
