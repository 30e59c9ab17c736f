/* test_sim_trace_hash.c: the trace hash is over an event's fields as the
 * documented fixed-width words (docs/trace-format.md, Hash): a change of any
 * field its kind carries changes it, the fields outside it (seq, line,
 * groups) do not, and the run's reported hash is that fold of its recorded
 * events. */
#include <criterion/criterion.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/sim_trace.h"

/* An event whose every hashed field is set, of a kind that carries them
 * all, so that a flipped bit is never hidden by a field's being unused. */
static struct sim_trace_event full_event(void)
{
    return (struct sim_trace_event){
        .seq = 0x0102030405060708u,
        .time_us = 0x1112131415161718u,
        .kind = SIM_TRACE_OPERATOR,
        .node = 0x21222324u,
        .peer = 0x31323334u,
        .msg_id = 0x4142434445464748u,
        .msg_id2 = 0x5152535455565758u,
        .msg_type = RAFT_MSG_APPEND_ENTRIES,
        .term = 0x6162636465666768u,
        .index = 0x7172737475767778u,
        .count = 0x8182838485868788u,
        .commit = 0x9192939495969798u,
        .aux = 0xa1a2a3a4a5a6a7a8u,
        .role = RAFT_CANDIDATE,
        .ok = true,
        .client = 0xb1b2b3b4b5b6b7b8u,
        .request = 0xc1c2c3c4c5c6c7c8u,
        .text = "a text of nineteen.",
    };
}

static uint64_t hash_of(const struct sim_trace_event *e)
{
    size_t len = e->text ? strlen(e->text) : 0;
    return sim_trace_hash_event(SIM_TRACE_HASH_START, e, len);
}

/* The hash of the base event and of every change of the field under test
 * so far: each change must give a hash different from all of them (the
 * changes of one field differ from each other in one fixed-width word, so
 * they never collide). Changes of two different fields can: flips of bit
 * 63 of both words of a pair, or of bit 63 of a pair's second word and bit
 * 22 of the next, cancel out (docs/trace-format.md), which is why no
 * assertion compares them. */
#define MAX_VARIANTS 128
static uint64_t seen[MAX_VARIANTS];
static size_t n_seen;

static void start_field(const struct sim_trace_event *base)
{
    seen[0] = hash_of(base);
    n_seen = 1;
}

static void expect_new(const struct sim_trace_event *e, const char *what, int bit)
{
    uint64_t h = hash_of(e);
    for (size_t i = 0; i < n_seen; i++)
        cr_assert_neq(h, seen[i], "changing %s (%d) left a hash seen before (%zu)",
                      what, bit, i);
    cr_assert_lt(n_seen, MAX_VARIANTS);
    seen[n_seen++] = h;
}

/* Every bit of each 64-bit field flipped alone. */
#define FLIP64(field)                                                         \
    start_field(&base);                                                       \
    for (int b = 0; b < 64; b++) {                                            \
        struct sim_trace_event e = base;                                      \
        e.field ^= UINT64_C(1) << b;                                          \
        expect_new(&e, #field, b);                                            \
    }
#define FLIP32(field)                                                         \
    start_field(&base);                                                       \
    for (int b = 0; b < 32; b++) {                                            \
        struct sim_trace_event e = base;                                      \
        e.field ^= UINT32_C(1) << b;                                          \
        expect_new(&e, #field, b);                                            \
    }

Test(sim_trace_hash, a_change_of_any_traced_field_changes_the_trace_hash)
{
    const struct sim_trace_event base = full_event();
    FLIP64(time_us);
    FLIP32(node);
    FLIP32(peer);
    FLIP64(msg_id);
    FLIP64(msg_id2);
    FLIP64(term);
    FLIP64(index);
    FLIP64(count);
    FLIP64(commit);
    FLIP64(aux);
    FLIP64(client);
    FLIP64(request);
    /* The enums take each of their other values. */
    start_field(&base);
    for (int k = 1; k < SIM_TRACE_KIND_COUNT; k++) {
        struct sim_trace_event e = base;
        e.kind = (enum sim_trace_kind)k;
        if (e.kind != base.kind)
            expect_new(&e, "kind", k);
    }
    start_field(&base);
    for (int t = 0; t < RAFT_MSG_TYPE_COUNT; t++) {
        struct sim_trace_event e = base;
        e.msg_type = (enum raft_message_type)t;
        if (e.msg_type != base.msg_type)
            expect_new(&e, "msg_type", t);
    }
    start_field(&base);
    for (int r = 0; r < RAFT_ROLE_COUNT; r++) {
        struct sim_trace_event e = base;
        e.role = (enum raft_role)r;
        if (e.role != base.role)
            expect_new(&e, "role", r);
    }
    start_field(&base);
    struct sim_trace_event e = base;
    e.ok = !base.ok;
    expect_new(&e, "ok", 0);
    /* The text: each byte changed, cut short, empty, absent, one longer. */
    char text[64];
    size_t len = strlen(base.text);
    start_field(&base);
    for (size_t i = 0; i < len; i++) {
        memcpy(text, base.text, len + 1);
        text[i] ^= 0x01; /* never a NUL: no byte of the text is 0x01 */
        e = base;
        e.text = text;
        expect_new(&e, "a text byte", (int)i);
    }
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(text, base.text, cut);
        text[cut] = '\0';
        e = base;
        e.text = text;
        expect_new(&e, "the text's length", (int)cut);
    }
    memcpy(text, base.text, len);
    memcpy(text + len, "x", 2);
    e = base;
    e.text = text;
    expect_new(&e, "the text's length", (int)len + 1);
    e = base;
    e.text = NULL;
    expect_new(&e, "the text's presence", 0);
}

Test(sim_trace_hash, seq_line_and_partition_groups_stay_outside_the_trace_hash)
{
    const struct sim_trace_event base = full_event();
    static const uint8_t groups[3] = {1, 1, 2};
    struct sim_trace_event e = base;
    e.seq = 9; /* the event's place in the fold is its number */
    e.line = 42;
    e.group_of = groups;
    e.n_group_of = 3;
    cr_assert_eq(hash_of(&e), hash_of(&base));
}

/* The documented layout, written out independently of sim_trace.h: the
 * words of docs/trace-format.md in order, folded as it says, two at a
 * time, an odd last word alone. */
static uint64_t documented_fold(uint64_t h, const uint64_t *w, size_t n)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    for (size_t i = 0; i < n; i += 2) {
        h = (((h << 23) | (h >> 41)) ^ w[i]) * k;
        if (i + 1 < n)
            h += w[i + 1];
    }
    return h;
}

Test(sim_trace_hash, the_event_hash_folds_the_documented_words_in_order)
{
    const struct sim_trace_event e = full_event();
    const uint64_t words[] = {
        e.time_us,
        (uint64_t)e.node | (uint64_t)e.peer << 32,
        (uint64_t)e.kind | (uint64_t)e.msg_type << 16 |
            (uint64_t)e.role << 32 | (uint64_t)e.ok << 48,
        e.msg_id, e.msg_id2, e.term, e.index, e.count, e.commit, e.aux,
        e.client, e.request,
        strlen(e.text) + 1,
        /* "a text of nineteen." as little-endian words, zero-padded */
        UINT64_C(0x6f20747865742061), UINT64_C(0x6574656e696e2066),
        UINT64_C(0x2e6e65),
    };
    uint64_t h = documented_fold(SIM_TRACE_HASH_START, words,
                                 sizeof(words) / sizeof(words[0]));
    cr_assert_eq(hash_of(&e), h);
}

/* The kinds that carry fewer than all fields, with the fields each carries
 * (docs/trace-format.md, Hash), in word order: their other words and the
 * text word are not folded. */
struct few_kind
{
    enum sim_trace_kind kind;
    bool msg_id, term, index, count, commit, aux;
};
static const struct few_kind few_kinds[] = {
    {SIM_TRACE_SEND, true, true, true, true, true, true},
    {SIM_TRACE_DELIVER, true, true, true, true, true, true},
    {SIM_TRACE_TIMER, false, false, false, false, false, true},
    {SIM_TRACE_COMMIT, false, true, true, false, false, false},
    {SIM_TRACE_APPLY, false, false, true, true, false, true},
    {SIM_TRACE_SYNC, false, true, true, false, false, true},
    {SIM_TRACE_PROGRESS, false, true, true, false, false, true},
};

Test(sim_trace_hash, a_frequent_kind_folds_only_the_documented_words_it_carries)
{
    for (size_t k = 0; k < sizeof(few_kinds) / sizeof(few_kinds[0]); k++) {
        const struct few_kind *f = &few_kinds[k];
        struct sim_trace_event e = {
            .seq = 3,
            .time_us = 0x1112131415161718u,
            .kind = f->kind,
            .node = 2,
            .peer = f->msg_id ? 3 : 0,
            .msg_type = f->msg_id ? RAFT_MSG_APPEND_ENTRIES : (enum raft_message_type)0,
            .ok = f->msg_id,
            .msg_id = f->msg_id ? 0x41u : 0,
            .term = f->term ? 0x61u : 0,
            .index = f->index ? 0x71u : 0,
            .count = f->count ? 0x81u : 0,
            .commit = f->commit ? 0x91u : 0,
            .aux = f->aux ? 0xa1u : 0,
        };
        uint64_t words[9];
        size_t n = 0;
        words[n++] = e.time_us;
        words[n++] = (uint64_t)e.node | (uint64_t)e.peer << 32;
        words[n++] = (uint64_t)e.kind | (uint64_t)e.msg_type << 16 |
                     (uint64_t)e.ok << 48;
        if (f->msg_id)
            words[n++] = e.msg_id;
        if (f->term)
            words[n++] = e.term;
        if (f->index)
            words[n++] = e.index;
        if (f->count)
            words[n++] = e.count;
        if (f->commit)
            words[n++] = e.commit;
        if (f->aux)
            words[n++] = e.aux;
        uint64_t h = documented_fold(SIM_TRACE_HASH_START, words, n);
        cr_assert_eq(hash_of(&e), h, "the %s event's words",
                     sim_trace_kind_name(f->kind));
    }
}

Test(sim_trace_hash, the_run_hash_is_the_fold_of_its_recorded_events)
{
    struct sim_config c;
    sim_config_init(&c);
    c.n_nodes = 3;
    c.seed = 5;
    c.record_events = true;
    struct sim *s = sim_new(&c);
    cr_assert_not_null(s);
    cr_assert_eq(sim_load(s, 20.0, 1000000, 0), SIM_OK);
    sim_note(s, 0, "a note with text");
    cr_assert_eq(sim_run_until(s, 1500000), SIM_OK);
    size_t n = sim_trace_len(s);
    const struct sim_trace_event *ev = sim_trace_events(s);
    cr_assert_gt(n, 100);
    uint64_t h = SIM_TRACE_HASH_START;
    size_t with_text = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = ev[i].text ? strlen(ev[i].text) : 0;
        with_text += ev[i].text != NULL;
        h = sim_trace_hash_event(h, &ev[i], len);
    }
    cr_assert_gt(with_text, 0);
    cr_assert_eq(sim_trace_hash_finish(h, n), sim_trace_hash(s));
    sim_free(s);
}
