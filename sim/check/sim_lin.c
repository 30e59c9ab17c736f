/* sim_lin.c: the linearizability checker for the key-value history.
 *
 * Keys are independent registers (each operation touches one key), so the
 * history is split per key and each key is checked alone. For one key the
 * search walks the operations' call and return events in time order and
 * linearizes an operation only when a return forces it ("just in time",
 * after Lowe): at the return of an operation o that is not linearized yet,
 * it either linearizes o now or first linearizes some other operation that
 * is open at that moment. A node of the search is (event index, register
 * state, the open operations already linearized). Nodes met at returns are
 * remembered, so none is explored twice (Wing & Gong's search with
 * memoization); a node that used a superset of another's never-completed
 * writes adds nothing and is skipped too.
 *
 * Order in time: an operation follows every operation that completed before
 * it started, or at the instant it started (a closed-loop client starts its
 * next request in the microsecond the previous one completes). Two
 * operations that both begin and end at one instant cannot each follow the
 * other, so those are left concurrent. A client's own operations are
 * ordered by the client: before the search, an operation that a client
 * invoked before its previous one completed is treated as invoked at that
 * completion (see client_ordered_copy()).
 *
 * Invariant of the search: at a node with event index e, every completed
 * operation whose return precedes e is linearized; `open` lists exactly the
 * operations whose call precedes e and whose return (or, for one that never
 * completed, expiry) does not; `lin` and `lin_p` list the open ones already
 * linearized, completed and never completed.
 *
 * Two searches share these nodes and moves. The depth-first one (an explicit
 * stack, as deep as the history is long) finds an order fast when there is
 * one; the breadth-first sweep proves there is none without meeting a node
 * twice. The check runs the first with a small budget, then the second.
 *
 * A violation is shrunk to a small subset that still cannot be linearized,
 * dropping a write only when no remaining read could have read from it;
 * with that rule a subset that cannot be linearized proves that the whole
 * history cannot be either.
 */
#include "sim/check/sim_lin.h"

#include <string.h>

#include "sim/check/sim_lin_explain.h"
#include "sim/check/sim_lin_key.h"
#include "sim/check/sim_lin_search.h"
#include "sim/check/sim_lin_shrink.h"
#include "sim/sim_assert.h"
#include "sim/sim_hash.h"

#define SIM_LIN_DEFAULT_MAX_STATES 1000000u
/* Shrinking stops after this many search states in all, so a report on a
 * huge history stays cheap; the set found so far is then reported. */
#define SIM_LIN_SHRINK_BUDGET 4000000u

const char *sim_lin_verdict_name(enum sim_lin_verdict v)
{
    switch (v) {
    case SIM_LIN_OK:
        return "linearizable";
    case SIM_LIN_VIOLATION:
        return "violation";
    case SIM_LIN_UNKNOWN:
        return "unknown";
    }
    return "?";
}

void sim_lin_report_clear(struct sim_lin_report *r)
{
    if (r == NULL)
        return;
    g_free(r->key);
    if (r->op_ids != NULL)
        g_array_free(r->op_ids, TRUE);
    if (r->explanation != NULL)
        g_string_free(r->explanation, TRUE);
    memset(r, 0, sizeof *r);
}

/* ---- the check ----------------------------------------------------------- */

static gint compare_ops(gconstpointer a, gconstpointer b)
{
    const struct sim_op *x = *(const struct sim_op *const *)a;
    const struct sim_op *y = *(const struct sim_op *const *)b;
    if (x->invoke_us != y->invoke_us)
        return x->invoke_us < y->invoke_us ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}


static uint32_t max_overlap(const struct sim_lin_key *k)
{
    uint32_t open = 0, most = 0;
    for (uint32_t e = 0; e < k->n_events; e++) {
        if (k->events[e].kind != SIM_LIN_CALL) {
            open--;
        } else if (++open > most) {
            most = open;
        }
    }
    return most;
}

static void report_set(struct sim_lin_report *report,
                       enum sim_lin_verdict verdict,
                       const char *key)
{
    report->verdict = verdict;
    g_free(report->key);
    report->key = key != NULL ? g_strdup(key) : NULL;
}

static void report_violation(struct sim_lin_report *report,
                             const char *key,
                             const struct sim_op *const *all,
                             uint32_t n_all,
                             uint32_t n_prefix,
                             enum sim_lin_search search,
                             uint64_t max_states,
                             uint64_t states)
{
    struct sim_lin_shrinker sh = {
        .cur = g_ptr_array_new(),
        .search = search,
        .max_states = max_states,
        .budget = SIM_LIN_SHRINK_BUDGET,
        .n_prefix = n_prefix,
    };
    for (uint32_t i = 0; i < n_all; i++)
        g_ptr_array_add(sh.cur, (gpointer)all[i]);
    bool full = sim_lin_shrink(&sh);

    /* A violation outranks an earlier key's UNKNOWN: replace its text. */
    report_set(report, SIM_LIN_VIOLATION, key);
    g_array_set_size(report->op_ids, 0);
    g_string_truncate(report->explanation, 0);
    for (guint i = 0; i < sh.cur->len; i++) {
        const struct sim_op *o = g_ptr_array_index(sh.cur, i);
        g_array_append_val(report->op_ids, o->id);
    }
    sim_lin_explain_violation(report->explanation, key, sh.cur, full, states);
    g_ptr_array_free(sh.cur, TRUE);
}

static void report_unknown(struct sim_lin_report *report,
                           const char *key,
                           const struct sim_lin_key *k,
                           uint64_t max_states)
{
    report_set(report, SIM_LIN_UNKNOWN, key);
    g_string_append(report->explanation, "key ");
    sim_lin_append_str(report->explanation, key);
    g_string_append_printf(
        report->explanation,
        ": gave up after %" G_GUINT64_FORMAT
        " search states (the bound) on %u operations with up to %u "
        "overlapping; the history is neither shown linearizable nor shown "
        "not to be; raise the bound or shorten the run\n",
        max_states, k->n, max_overlap(k));
}

/* Slots the table of a history's keys starts with: they are few beside
 * its operations, so it doubles when it would be over half full, rather
 * than being made (and cleared) for every operation. */
#define SMALL_TABLE 64

/* The smallest power of two at least 16 and over twice n: a table of
 * that many slots for n entries. */
static size_t table_cap(size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    return cap;
}

/* The latest return among a client's completed operations so far, in the
 * table of client_ordered_copy(): at is 1 + its index (0: none yet). */
struct latest
{
    uint64_t client;
    size_t at;
};

/* client -> its struct latest: indexed by the client itself when the ids
 * are small (a simulation numbers its clients from 1), else by open
 * addressing on the client over twice as many slots as operations;
 * looked up only, never iterated. */
struct latest_table
{
    struct latest *slot;
    size_t mask; /* SIZE_MAX: indexed by the client */
};

/* Clients up to this id beside n operations are indexed directly: a
 * table no larger than the hashed one would be. */
static uint64_t direct_max(size_t n)
{
    return 2 * (uint64_t)n + 64;
}

static void latest_table_init(struct latest_table *t,
                              const struct sim_history *h,
                              size_t n)
{
    uint64_t most = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t c = sim_history_op(h, i)->client;
        most = c > most ? c : most;
    }
    if (most <= direct_max(n)) {
        t->mask = SIZE_MAX;
        t->slot = g_new0(struct latest, (size_t)most + 1);
        return;
    }
    size_t cap = table_cap(n);
    t->mask = cap - 1;
    t->slot = g_new0(struct latest, cap);
}

/* The entry of client: its own, or the empty one where it would go. */
static inline struct latest *latest_of(const struct latest_table *t,
                                       uint64_t client)
{
    if (t->mask == SIZE_MAX)
        return &t->slot[client];
    size_t at = sim_hash_mix(client) & t->mask;
    while (t->slot[at].at != 0 && t->slot[at].client != client)
        at = (at + 1) & t->mask;
    return &t->slot[at];
}

/* Copies of h's operations (sharing their strings) in which no operation of
 * a client is invoked before an earlier completed operation of the same
 * client returned: a client issues its requests one after another, so its
 * own order is real-time order even where the record says otherwise. Such
 * an operation is moved to start at that return, so it follows it. */
static struct sim_op *client_ordered_copy(const struct sim_history *h)
{
    size_t n = sim_history_len(h);
    struct sim_op *ops = g_new(struct sim_op, n > 0 ? n : 1);
    struct latest_table last_end;
    latest_table_init(&last_end, h, n);
    for (size_t i = 0; i < n; i++) {
        struct sim_op *o = &ops[i];
        *o = *sim_history_op(h, i);
        struct latest *e = latest_of(&last_end, o->client);
        if (e->at != 0) {
            uint64_t end = sim_lin_return_us(&ops[e->at - 1]);
            if (end > o->invoke_us)
                o->invoke_us = end;
        }
        if (o->completed &&
            (e->at == 0 ||
             sim_lin_return_us(o) > sim_lin_return_us(&ops[e->at - 1]))) {
            e->client = o->client;
            e->at = i + 1;
        }
    }
    g_free(last_end.slot);
    return ops;
}

enum sim_lin_verdict sim_lin_check(const struct sim_history *h,
                                   uint64_t max_states,
                                   struct sim_lin_report *report)
{
    return sim_lin_check_with(h, max_states, SIM_LIN_SEARCH_DEFAULT, report);
}

/* One key's operations: by_key[first..first + n) of struct by_key. */
struct key_ops
{
    const char *key; /* borrowed */
    /* The key's first eight bytes as a big-endian word, zero-padded: two
     * keys' words compare as the keys do in strcmp's order, unless they
     * are equal (then the rest decides). */
    uint64_t prefix;
    uint32_t first, n;
};

/* The operations by key (borrowed from the copy): keys[0..n_keys) in
 * strcmp order of their names (never a hash table's order), each key's
 * operations in (invoke time, id) order; a GET that never completed
 * constrains nothing and is left out. */
struct by_key
{
    const struct sim_op **ops;
    struct key_ops *keys;
    uint32_t n_keys;
};

static uint64_t key_prefix(const char *key)
{
    uint64_t w = 0;
    for (unsigned i = 0; i < 8 && key[i] != '\0'; i++)
        w |= (uint64_t)(unsigned char)key[i] << (56 - 8 * i);
    return w;
}

/* strcmp()'s order of the two keys' names, their prefix words first. */
static int compare_key_ops(const void *a, const void *b)
{
    const struct key_ops *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return strcmp(x->key, y->key);
}

/* Sorts keys[0..n) by compare_key_ops(), a total order (the names
 * differ), so any sort gives the one result: by insertion when few (a
 * run's keys are some dozens), the words deciding nearly every
 * comparison without a call. */
static void sort_keys(struct key_ops *keys, uint32_t n)
{
    if (n > 128) {
        qsort(keys, n, sizeof keys[0], compare_key_ops);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        struct key_ops k = keys[i];
        uint32_t j = i;
        for (; j > 0 && compare_key_ops(&keys[j - 1], &k) > 0; j--)
            keys[j] = keys[j - 1];
        keys[j] = k;
    }
}

/* Sorts ops[0..n) by compare_ops(), a total order (ids differ): by
 * insertion when short (they come nearly in order: the history is in
 * invoke order), so any sort gives the one result. */
static void sort_ops(const struct sim_op **ops, uint32_t n)
{
    if (n > 64) {
        qsort(ops, n, sizeof ops[0], compare_ops);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        const struct sim_op *o = ops[i];
        uint32_t j = i;
        for (; j > 0 && compare_ops(&ops[j - 1], &o) > 0; j--)
            ops[j] = ops[j - 1];
        ops[j] = o;
    }
}

struct key_slot
{
    uint64_t hash;
    uint32_t id1; /* 1 + the key's number; 0: empty */
};

/* Doubles *slots (*cap of them), keeping every key's slot. */
static void key_slots_grow(struct key_slot **slots, size_t *cap)
{
    struct key_slot *old = *slots;
    size_t old_cap = *cap, mask = 2 * old_cap - 1;
    *cap *= 2;
    *slots = g_new0(struct key_slot, *cap);
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].id1 == 0)
            continue;
        size_t at = old[i].hash & mask;
        while ((*slots)[at].id1 != 0)
            at = (at + 1) & mask;
        (*slots)[at] = old[i];
    }
    g_free(old);
}

/* Numbers each key of the n operations of ops in order of first
 * appearance (key_of[i], or UINT32_MAX for a left-out GET) through an
 * open-addressing table looked up only, never iterated; fills keys[] with
 * each key's name and count. Returns the number of keys. */
static uint32_t number_keys(const struct sim_op *ops,
                            size_t n,
                            uint32_t *key_of,
                            struct key_ops *keys)
{
    size_t cap = SMALL_TABLE;
    struct key_slot *slots = g_new0(struct key_slot, cap);
    uint32_t n_keys = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sim_op *o = &ops[i];
        key_of[i] = UINT32_MAX;
        if (o->op == SIM_KV_GET && !o->completed)
            continue;
        if (2 * ((size_t)n_keys + 1) > cap)
            key_slots_grow(&slots, &cap);
        size_t mask = cap - 1;
        uint64_t h = sim_lin_text_hash(o->key);
        size_t at = h & mask;
        while (slots[at].id1 != 0 &&
               (slots[at].hash != h ||
                strcmp(keys[slots[at].id1 - 1].key, o->key) != 0))
            at = (at + 1) & mask;
        if (slots[at].id1 == 0) {
            slots[at] = (struct key_slot){.hash = h, .id1 = ++n_keys};
            keys[n_keys - 1] =
                (struct key_ops){.key = o->key, .prefix = key_prefix(o->key)};
        }
        key_of[i] = slots[at].id1 - 1;
        keys[key_of[i]].n++;
    }
    g_free(slots);
    return n_keys;
}

static void split_by_key(const struct sim_op *ops, size_t n, struct by_key *b)
{
    uint32_t *key_of = g_new(uint32_t, n > 0 ? n : 1);
    struct key_ops *keys = g_new(struct key_ops, n > 0 ? n : 1);
    uint32_t n_keys = number_keys(ops, n, key_of, keys);
    /* rank[] maps a key's number to its place in name order */
    uint32_t *rank = g_new(uint32_t, n_keys > 0 ? n_keys : 1);
    struct key_ops *sorted = g_new(struct key_ops, n_keys > 0 ? n_keys : 1);
    for (uint32_t k = 0; k < n_keys; k++)
        keys[k].first = k; /* the number, until placed */
    memcpy(sorted, keys, n_keys * sizeof keys[0]);
    sort_keys(sorted, n_keys);
    uint32_t first = 0;
    for (uint32_t r = 0; r < n_keys; r++) {
        rank[sorted[r].first] = r;
        sorted[r].first = first;
        first += sorted[r].n;
        sorted[r].n = 0;
    }
    b->ops = g_new(const struct sim_op *, first > 0 ? first : 1);
    for (size_t i = 0; i < n; i++) {
        if (key_of[i] == UINT32_MAX)
            continue;
        struct key_ops *k = &sorted[rank[key_of[i]]];
        b->ops[k->first + k->n++] = &ops[i];
    }
    for (uint32_t r = 0; r < n_keys; r++)
        sort_ops(b->ops + sorted[r].first, sorted[r].n);
    b->keys = sorted;
    b->n_keys = n_keys;
    g_free(rank);
    g_free(keys);
    g_free(key_of);
}

/* Checks key k's operations (list) into rep, prepared in room; the first
 * key whose search hit the bound is reported in *unknown_key. False on a
 * violation: the search stops there. */
static bool check_one_key(struct sim_lin_report *rep,
                          struct sim_lin_scratch *sc,
                          struct sim_lin_key_room *room,
                          const char *k,
                          const struct sim_op *const *list,
                          uint32_t n,
                          enum sim_lin_search search,
                          uint64_t max_states,
                          const char **unknown_key)
{
    struct sim_lin_key lk;
    sim_lin_key_init_in(&lk, list, n, room);
    uint64_t states = 0;
    uint32_t n_prefix = 0;
    enum sim_lin_result r =
        sim_lin_check_key(sc, &lk, search, max_states, &states, &n_prefix);
    rep->states_explored += states;
    if (r == SIM_LIN_RESULT_FAIL) {
        sim_lin_key_clear(&lk);
        report_violation(rep, k, list, n, n_prefix, search, max_states,
                         states);
        return false;
    }
    if (r == SIM_LIN_RESULT_BOUND && *unknown_key == NULL) {
        *unknown_key = k;
        report_unknown(rep, k, &lk, max_states);
    }
    sim_lin_key_clear(&lk);
    return true;
}

enum sim_lin_verdict sim_lin_check_with(const struct sim_history *h,
                                        uint64_t max_states,
                                        enum sim_lin_search search,
                                        struct sim_lin_report *report)
{
    struct sim_lin_report local = {0};
    struct sim_lin_report *rep = report != NULL ? report : &local;
    if (max_states == 0)
        max_states = SIM_LIN_DEFAULT_MAX_STATES;

    memset(rep, 0, sizeof *rep);
    rep->verdict = SIM_LIN_OK;
    rep->op_ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    rep->explanation = g_string_new(NULL);

    size_t n = sim_history_len(h);
    struct sim_op *ops = client_ordered_copy(h);
    struct by_key b;
    split_by_key(ops, n, &b);
    struct sim_lin_scratch sc = {0};
    struct sim_lin_key_room room = {0};
    const char *unknown_key = NULL;
    for (uint32_t i = 0; i < b.n_keys; i++) {
        const struct key_ops *k = &b.keys[i];
        if (!check_one_key(rep, &sc, &room, k->key, b.ops + k->first, k->n,
                           search, max_states, &unknown_key))
            break;
    }
    sim_lin_key_room_clear(&room);
    sim_lin_scratch_clear(&sc);
    if (rep->verdict == SIM_LIN_OK)
        g_string_append_printf(rep->explanation,
                               "%zu operation%s on %u key%s %s "
                               "linearizable\n",
                               n, n == 1 ? "" : "s", b.n_keys,
                               b.n_keys == 1 ? "" : "s",
                               n == 1 ? "is" : "are");
    g_free(b.keys);
    g_free(b.ops);
    g_free(ops);

    enum sim_lin_verdict verdict = rep->verdict;
    sim_lin_report_clear(&local);
    return verdict;
}
