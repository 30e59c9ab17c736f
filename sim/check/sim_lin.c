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

static gint compare_keys(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
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
                             const GPtrArray *all,
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
    for (guint i = 0; i < all->len; i++)
        g_ptr_array_add(sh.cur, g_ptr_array_index(all, i));
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

/* Copies of h's operations (sharing their strings) in which no operation of
 * a client is invoked before an earlier completed operation of the same
 * client returned: a client issues its requests one after another, so its
 * own order is real-time order even where the record says otherwise. Such
 * an operation is moved to start at that return, so it follows it. */
static struct sim_op *client_ordered_copy(const struct sim_history *h)
{
    size_t n = sim_history_len(h);
    struct sim_op *ops = g_new(struct sim_op, n > 0 ? n : 1);
    /* client -> the latest return among its completed operations so far */
    GHashTable *last_end = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (size_t i = 0; i < n; i++) {
        struct sim_op *o = &ops[i];
        *o = *sim_history_op(h, i);
        gpointer latest = g_hash_table_lookup(last_end, &o->client);
        if (latest != NULL) {
            uint64_t end =
                sim_lin_return_us(&ops[GPOINTER_TO_SIZE(latest) - 1]);
            if (end > o->invoke_us)
                o->invoke_us = end;
        }
        if (o->completed &&
            (latest == NULL ||
             sim_lin_return_us(o) >
                 sim_lin_return_us(&ops[GPOINTER_TO_SIZE(latest) - 1])))
            g_hash_table_insert(last_end, &o->client, GSIZE_TO_POINTER(i + 1));
    }
    g_hash_table_destroy(last_end);
    return ops;
}

enum sim_lin_verdict sim_lin_check(const struct sim_history *h,
                                   uint64_t max_states,
                                   struct sim_lin_report *report)
{
    return sim_lin_check_with(h, max_states, SIM_LIN_SEARCH_DEFAULT, report);
}

/* The n operations of ops by key (borrowed), each key's in history order;
 * a GET that never completed constrains nothing and is left out. */
static GHashTable *split_by_key(const struct sim_op *ops, size_t n)
{
    GHashTable *by_key = g_hash_table_new_full(
        g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
    for (size_t i = 0; i < n; i++) {
        const struct sim_op *o = &ops[i];
        if (o->op == SIM_KV_GET && !o->completed)
            continue;
        GPtrArray *list = g_hash_table_lookup(by_key, o->key);
        if (list == NULL) {
            list = g_ptr_array_new();
            g_hash_table_insert(by_key, o->key, list);
        }
        g_ptr_array_add(list, (gpointer)o);
    }
    return by_key;
}

/* The keys of by_key in compare_keys order (never hash-table order). */
static GPtrArray *sorted_keys(GHashTable *by_key)
{
    GPtrArray *keys = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, by_key);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(keys, key);
    g_ptr_array_sort(keys, compare_keys);
    return keys;
}

/* Checks key k's operations (list) into rep; the first key whose search
 * hit the bound is reported in *unknown_key. False on a violation: the
 * search stops there. */
static bool check_one_key(struct sim_lin_report *rep,
                          const char *k,
                          GPtrArray *list,
                          enum sim_lin_search search,
                          uint64_t max_states,
                          const char **unknown_key)
{
    g_ptr_array_sort(list, compare_ops);
    struct sim_lin_key lk;
    sim_lin_key_init(&lk, (const struct sim_op *const *)list->pdata, list->len);
    uint64_t states = 0;
    uint32_t n_prefix = 0;
    enum sim_lin_result r =
        sim_lin_check_key(&lk, search, max_states, &states, &n_prefix);
    rep->states_explored += states;
    if (r == SIM_LIN_RESULT_FAIL) {
        sim_lin_key_clear(&lk);
        report_violation(rep, k, list, n_prefix, search, max_states, states);
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
    GHashTable *by_key = split_by_key(ops, n);
    GPtrArray *keys = sorted_keys(by_key);
    const char *unknown_key = NULL;
    for (guint i = 0; i < keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);
        if (!check_one_key(rep, k, g_hash_table_lookup(by_key, k), search,
                           max_states, &unknown_key))
            break;
    }
    if (rep->verdict == SIM_LIN_OK)
        g_string_append_printf(rep->explanation,
                               "%zu operation%s on %u key%s %s "
                               "linearizable\n",
                               n, n == 1 ? "" : "s", keys->len,
                               keys->len == 1 ? "" : "s",
                               n == 1 ? "is" : "are");
    g_ptr_array_free(keys, TRUE);
    g_hash_table_destroy(by_key);
    g_free(ops);

    enum sim_lin_verdict verdict = rep->verdict;
    sim_lin_report_clear(&local);
    return verdict;
}
