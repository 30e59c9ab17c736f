/* sim_tracer.h: the engine's trace sink (private to sim/).
 *
 * Every emitted event gets the next seq, is folded into the 64-bit trace
 * hash, and, when asked, is written into a ring of the last
 * SIM_TRACER_SLOTS events (at least the SIM_TRACE_RING_EVENTS a failure
 * reports; each text cut to SIM_TRACE_TEXT_MAX bytes), kept in memory
 * and/or written as one JSON line. The hash is a function of the events'
 * field values and text contents only; whether the ring is written never
 * changes it, nor anything else of the run.
 */
#ifndef SIM_TRACER_H
#define SIM_TRACER_H

#include <assert.h>
#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/sim_assert.h"
#include "sim/sim_trace.h"

/* The ring's slots: a power of two at least SIM_TRACE_RING_EVENTS, so that
 * event seq lives in slot seq % SIM_TRACER_SLOTS and no position is kept. */
#define SIM_TRACER_SLOTS 32
_Static_assert((SIM_TRACER_SLOTS & (SIM_TRACER_SLOTS - 1)) == 0 &&
                   SIM_TRACER_SLOTS >= SIM_TRACE_RING_EVENTS,
               "the ring's slots are a power of two that holds the events a "
               "failure reports");

/* Bit 63 of a slot's kinds (word 3 uses bits 0 to 48): the slot's text and
 * line are set. */
#define SIM_TRACER_SLOT_TEXT (UINT64_C(1) << 63)

/* One recent event in the ring, as the trace hash's words 1 to 12 (time,
 * nodes, kinds, then the fields in word order; sim_trace.h), which give
 * back every field: an event is stored in the words its hash folds, not
 * field by field. An event recorded through sim_tracer_put() or
 * sim_tracer_put_text() writes of words 4 to 12 only those its kind can
 * carry (sim_trace_kind_words()); the others are stale and read back as
 * zero. text (in the tracer's ring_text) and line are read only
 * under SIM_TRACER_SLOT_TEXT: an event without either writes neither. */
struct sim_tracer_slot
{
    uint64_t time_us;
    uint64_t nodes;
    uint64_t kinds;
    uint64_t msg_id, msg_id2, term, index, count, commit, aux, client, request;
    const char *text;
    uint32_t line;
    /* Unused: a slot of 128 bytes is found from its seq by a mask and one
     * shift (112 bytes took four instructions per event). */
    uint32_t pad[5];
};
_Static_assert(sizeof(struct sim_tracer_slot) == 128,
               "a ring slot is 128 bytes");

struct sim_tracer
{
    uint64_t seq;  /* of the last emitted event */
    uint64_t hash; /* running state; sim_tracer_hash() finalises */
    /* The ring is written, from the first event on: a failure's report or
     * keeping reads it. A campaign that reads neither leaves it (about 20
     * instructions an event of an idle cluster). */
    bool writes_ring;
    /* The kinds (bit 1 << kind) whose events' slots sim_tracer_put()
     * writes: every kind when writes_ring, else those a listener hears
     * (sim_tracer_listen()), which it reads back from the slot. */
    uint64_t slot_kinds;
    /* When writes_ring: the last min(seq, SIM_TRACER_SLOTS) events, event k in
     * slot k % SIM_TRACER_SLOTS, its text (cut to SIM_TRACE_TEXT_MAX
     * bytes) in ring_text of the same slot. */
    struct sim_tracer_slot ring[SIM_TRACER_SLOTS];
    char ring_text[SIM_TRACER_SLOTS][SIM_TRACE_TEXT_MAX];
    /* events or jsonl is set: sim_tracer_keep() has work (one test per
     * event instead of two). */
    size_t keep;
    GArray *events;      /* struct sim_trace_event; NULL when not recording */
    GStringChunk *texts; /* texts of recorded events */
    uint64_t text_bytes; /* bytes of those texts, NULs included */
    FILE *jsonl;         /* borrowed; NULL: none */
};

/* The tracer's size when the memory budgets were set (a ring of 20 whole
 * events and a position), which sim_memory_bytes() charges in place of the
 * tracer's own, so that a memory budget judges every run as it did. */
struct sim_tracer_charged
{
    uint64_t seq, hash;
    struct sim_trace_event ring[SIM_TRACE_RING_EVENTS];
    char ring_text[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX];
    size_t ring_next, keep;
    void *events, *texts;
    uint64_t text_bytes;
    void *jsonl;
};

/* ring: write the ring of recent events (it is written anyway when record
 * or jsonl is set: keeping reads each event back from it). */
void sim_tracer_init(struct sim_tracer *t,
                     bool record,
                     FILE *jsonl,
                     bool ring);

/* A listener hears the kinds in kinds (bit 1 << kind): their slots are
 * written whether or not the ring is. */
void sim_tracer_listen(struct sim_tracer *t, uint64_t kinds);
void sim_tracer_destroy(struct sim_tracer *t);

/* Keeps e in memory and/or writes it as JSON, as the tracer was asked. */
void sim_tracer_keep(struct sim_tracer *t,
                     const struct sim_trace_event *e,
                     size_t text_len);

/* sim_tracer_keep() of the last event, read back from its slot (the events
 * of sim_tracer_put(), which have no text). */
void sim_tracer_keep_last(struct sim_tracer *t);

/* Event seq, which must be one of the last SIM_TRACER_SLOTS of a tracer
 * that writes its ring, or the last event, its slot written for a
 * listener (sim_tracer_listen()), as recorded,
 * into *out (no groups; its text, if any, in the ring until the slot is
 * reused). */
void sim_tracer_event(const struct sim_tracer *t,
                      uint64_t seq,
                      struct sim_trace_event *out);

/* sim_tracer_keep() of the last event, read back from its slot, with its
 * whole text (text_len bytes; NULL: none), which the slot holds cut to
 * SIM_TRACE_TEXT_MAX bytes (the events of sim_tracer_put_text()). */
void sim_tracer_keep_last_text(struct sim_tracer *t,
                               const char *text,
                               size_t text_len);

/* Stops the run when e, of a kind in SIM_TRACE_KINDS_FEW, has a field or
 * a text its kind does not carry: neither the hash nor the ring would
 * have it. */
void sim_tracer_check_kind(const struct sim_trace_event *e);

/* Checks that word i's value w is zero unless words has it (a constant
 * where the event's kind is), which costs nothing for a constant zero: a
 * field that neither the hash nor the ring would have stops the run. */
#define SIM_TRACER_CHECK(words, i, w)                                          \
    SIM_ASSERT(((words) & SIM_TRACE_WORD(i)) || (w) == 0,                     \
               "a trace event's word %d, which its kind does not carry", (i))

/* SIM_TRACER_CHECK() of words 4 to 12 of v: whether or not the ring is
 * written. Always inline (sim_tracer_put()). */
static inline __attribute__((always_inline)) void
sim_tracer_check_words(const struct sim_trace_event *v, unsigned words)
{
    SIM_TRACER_CHECK(words, 4, v->msg_id);
    SIM_TRACER_CHECK(words, 5, v->msg_id2);
    SIM_TRACER_CHECK(words, 6, v->term);
    SIM_TRACER_CHECK(words, 7, v->index);
    SIM_TRACER_CHECK(words, 8, v->count);
    SIM_TRACER_CHECK(words, 9, v->commit);
    SIM_TRACER_CHECK(words, 10, v->aux);
    SIM_TRACER_CHECK(words, 11, v->client);
    SIM_TRACER_CHECK(words, 12, v->request);
}

/* Stores word i's value w into field f of slot e when words has it. */
#define SIM_TRACER_STORE(e, words, i, f, w)                                    \
    do {                                                                       \
        if ((words) & SIM_TRACE_WORD(i))                                      \
            (e)->f = (w);                                                      \
    } while (0)

/* Writes the fields of v at time_us into the slot of event seq, without
 * text or line; of words 4 to 12 only those in words. Always inline
 * (sim_tracer_put()). */
static inline __attribute__((always_inline)) struct sim_tracer_slot *
sim_tracer_slot_fill(struct sim_tracer *t,
                     uint64_t seq,
                     const struct sim_trace_event *v,
                     uint64_t time_us,
                     unsigned words)
{
    struct sim_tracer_slot *e = &t->ring[seq & (SIM_TRACER_SLOTS - 1)];
    e->time_us = time_us;
    e->nodes = sim_trace_word_nodes(v->node, v->peer);
    e->kinds = sim_trace_word_kinds(v->kind, v->msg_type, v->role, v->ok);
    SIM_TRACER_STORE(e, words, 4, msg_id, v->msg_id);
    SIM_TRACER_STORE(e, words, 5, msg_id2, v->msg_id2);
    SIM_TRACER_STORE(e, words, 6, term, v->term);
    SIM_TRACER_STORE(e, words, 7, index, v->index);
    SIM_TRACER_STORE(e, words, 8, count, v->count);
    SIM_TRACER_STORE(e, words, 9, commit, v->commit);
    SIM_TRACER_STORE(e, words, 10, aux, v->aux);
    SIM_TRACER_STORE(e, words, 11, client, v->client);
    SIM_TRACER_STORE(e, words, 12, request, v->request);
    return e;
}

/* Records an event without text or groups whose fields are v's (v->seq,
 * time_us, text, line and group_of ignored), at time_us: the same numbering,
 * hash, ring slot and keeping as sim_tracer_emit(); returns whether the
 * event's slot was written (slot_kinds). The slot is written and the hash
 * folded from v's
 * fields, not read back: always inline, so that the caller's v, a local,
 * lives in registers and its zero fields cost neither a store to clear
 * them first nor an xor. */
static inline __attribute__((always_inline)) bool
sim_tracer_put(struct sim_tracer *t,
               const struct sim_trace_event *v,
               uint64_t time_us)
{
    uint64_t seq = ++t->seq;
    unsigned words = sim_trace_kind_words(v->kind);
    sim_tracer_check_words(v, words);
    t->hash = sim_trace_hash_fields(t->hash, time_us, v, NULL, 0, words);
    if (!(t->slot_kinds >> v->kind & 1))
        return false;
    sim_tracer_slot_fill(t, seq, v, time_us, words);
    if (t->keep)
        sim_tracer_keep_last(t);
    return true;
}

/* Marks slot (event seq's) as having text (text_len bytes, or NULL) and
 * line, the text cut to the ring's buffer, as g_strlcpy would. */
static inline void sim_tracer_slot_text(struct sim_tracer *t,
                                        uint64_t seq,
                                        struct sim_tracer_slot *slot,
                                        const char *text,
                                        size_t text_len,
                                        uint32_t line)
{
    slot->kinds |= SIM_TRACER_SLOT_TEXT;
    slot->text = NULL;
    slot->line = line;
    if (text) {
        char *buf = t->ring_text[seq & (SIM_TRACER_SLOTS - 1)];
        size_t n = text_len < SIM_TRACE_TEXT_MAX - 1 ? text_len
                                                     : SIM_TRACE_TEXT_MAX - 1;
        memcpy(buf, text, n);
        buf[n] = '\0';
        slot->text = buf;
    }
}

/* sim_tracer_put() of an event whose text (NULL: none) and its length
 * (strlen(text)) the caller has: the same numbering, hash, ring slot and
 * keeping as sim_tracer_emit() of v with that text and no line, without
 * the length asked again or the event stored first; returns whether the
 * slot was written (slot_kinds). Always inline, as
 * sim_tracer_put(): each caller has one emitting site. */
static inline __attribute__((always_inline)) bool
sim_tracer_put_text(struct sim_tracer *t,
                    const struct sim_trace_event *v,
                    uint64_t time_us,
                    const char *text,
                    size_t text_len)
{
    uint64_t seq = ++t->seq;
    unsigned words = sim_trace_kind_words(v->kind);
    sim_tracer_check_words(v, words);
    t->hash = sim_trace_hash_fields(t->hash, time_us, v, text, text_len, words);
    if (!(t->slot_kinds >> v->kind & 1))
        return false;
    struct sim_tracer_slot *slot =
        sim_tracer_slot_fill(t, seq, v, time_us, words);
    if (text)
        sim_tracer_slot_text(t, seq, slot, text, text_len, 0);
    if (t->keep)
        sim_tracer_keep_last_text(t, text, text_len);
    return true;
}

/* Assigns e->seq and records e; e->text is copied where kept. Inline: it
 * runs about twice per event (sim_emit()). */
static inline void sim_tracer_emit(struct sim_tracer *t,
                                   struct sim_trace_event *e)
{
    if (SIM_TRACE_KINDS_FEW >> e->kind & 1)
        sim_tracer_check_kind(e);
    size_t text_len = e->text ? strlen(e->text) : 0;
    uint64_t seq = e->seq = ++t->seq;
    t->hash = sim_trace_hash_event(t->hash, e, text_len);

    if (t->writes_ring) {
        struct sim_tracer_slot *slot =
            sim_tracer_slot_fill(t, seq, e, e->time_us, SIM_TRACE_WORDS_ALL);
        if (e->text || e->line)
            sim_tracer_slot_text(t, seq, slot, e->text, text_len, e->line);
        if (t->keep)
            sim_tracer_keep(t, e, text_len);
    }
}

uint64_t sim_tracer_hash(const struct sim_tracer *t);

/* The ring's last min(SIM_TRACE_RING_EVENTS, seq) events, oldest first,
 * into out (texts into text_buf); none when the ring is not written.
 * Returns count. */
size_t sim_tracer_last(const struct sim_tracer *t,
                       struct sim_trace_event out[SIM_TRACE_RING_EVENTS],
                       char text_buf[SIM_TRACE_RING_EVENTS][SIM_TRACE_TEXT_MAX]);

#endif /* SIM_TRACER_H */
