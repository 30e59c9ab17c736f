/* sim_lin_explain.c: the words of a linearizability report
 * (sim_lin_explain.h). Invariant: the text depends only on the operations
 * given, in their order, never on addresses. */
#include "sim/check/sim_lin_explain.h"

#include "sim/check/sim_lin_key.h"
#include "sim/check/sim_lin_shrink.h"
#include "sim/sim_assert.h"
#include "sim/sim_time_text.h"

/* Above this many operations the explanation lists only the first ones. */
#define SIM_LIN_EXPLAIN_MAX_OPS 40u

/* Strings print bare when they are plain, else quoted and escaped. */
void sim_lin_append_str(GString *out, const char *s)
{
    bool plain = *s != '\0';
    for (const char *p = s; *p != '\0' && plain; p++)
        plain = g_ascii_isgraph(*p) && *p != '"' && *p != '\\';
    if (plain) {
        g_string_append(out, s);
        return;
    }
    char *e = g_strescape(s, NULL);
    g_string_append_printf(out, "\"%s\"", e);
    g_free(e);
}

static void append_window(GString *out, const struct sim_op *o)
{
    g_string_append_c(out, '[');
    sim_time_text_ms(out, o->invoke_us);
    g_string_append(out, ", ");
    if (o->completed)
        sim_time_text_ms(out, sim_lin_return_us(o));
    else
        g_string_append(out, "never completed");
    g_string_append_c(out, ']');
}

/* "set x=1", "delete x", "get x returned 1", "get x found nothing". */
static void append_action(GString *out, const struct sim_op *o)
{
    g_string_append(out, sim_kv_op_name(o->op));
    g_string_append_c(out, ' ');
    sim_lin_append_str(out, o->key);
    if (o->op == SIM_KV_SET) {
        g_string_append_c(out, '=');
        sim_lin_append_str(out, o->value != NULL ? o->value : "");
    } else if (o->op == SIM_KV_GET && o->completed) {
        if (o->found) {
            g_string_append(out, " returned ");
            sim_lin_append_str(out, o->result != NULL ? o->result : "");
        } else {
            g_string_append(out, " found nothing");
        }
    }
}

static void append_op_line(GString *out, const struct sim_op *o)
{
    g_string_append_printf(
        out, "  #%" G_GUINT64_FORMAT " client %" G_GUINT64_FORMAT " ", o->id,
        o->client);
    append_action(out, o);
    g_string_append_c(out, ' ');
    append_window(out, o);
    g_string_append_c(out, '\n');
}

/* "a write of 1" / "a delete of x" for what a read saw. */
static void append_seen(GString *out, const struct sim_op *r)
{
    if (r->found) {
        g_string_append(out, "write of ");
        sim_lin_append_str(out, r->result != NULL ? r->result : "");
    } else {
        g_string_append(out, "delete of ");
        sim_lin_append_str(out, r->key);
    }
}

/* A completed write w2 of another value, finished before r began, such
 * that every source of r's value finished before w2 began or began after r
 * finished; the latest such w2 is the most telling. NULL: none. */
static const struct sim_op *latest_overwrite(const GPtrArray *ops,
                                             const struct sim_op *r)
{
    const struct sim_op *best = NULL;
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_op *w2 = g_ptr_array_index(ops, i);
        if (!sim_lin_is_write(w2) || sim_lin_read_sees(r, w2) ||
            !sim_lin_precedes(w2, r))
            continue;
        bool overwrites_all = true;
        for (guint j = 0; j < ops->len && overwrites_all; j++) {
            const struct sim_op *w = g_ptr_array_index(ops, j);
            if (!sim_lin_is_write(w) || !sim_lin_read_sees(r, w))
                continue;
            bool before = sim_lin_precedes(w, w2);
            bool after = sim_lin_precedes(r, w);
            overwrites_all = before || after;
        }
        if (overwrites_all &&
            (best == NULL || sim_lin_return_us(w2) > sim_lin_return_us(best)))
            best = w2;
    }
    return best;
}

/* Looks for a simple reason why read r cannot be placed: nothing wrote what
 * it saw, that write came only later, or a completed write overwrote every
 * earlier source before r began. Appends it and returns true if found. */
static bool explain_read(GString *out,
                         const GPtrArray *ops,
                         const struct sim_op *r)
{
    const struct sim_op *first_source = NULL;
    bool early_source = !r->found; /* the initial state: absent */
    for (guint i = 0; i < ops->len; i++) {
        const struct sim_op *w = g_ptr_array_index(ops, i);
        if (!sim_lin_is_write(w) || !sim_lin_read_sees(r, w))
            continue;
        if (first_source == NULL)
            first_source = w;
        if (!sim_lin_precedes(r, w))
            early_source = true;
    }
    if (r->found && first_source == NULL) {
        append_action(out, r);
        g_string_append(out, " at ");
        append_window(out, r);
        g_string_append(out, " but no operation wrote that value");
        return true;
    }
    if (!early_source) {
        append_action(out, r);
        g_string_append(out, " at ");
        append_window(out, r);
        g_string_append(out, " but the first ");
        append_seen(out, r);
        g_string_append_printf(out, " (#%" G_GUINT64_FORMAT ") began only at ",
                               first_source->id);
        sim_time_text_ms(out, first_source->invoke_us);
        return true;
    }
    const struct sim_op *best = latest_overwrite(ops, r);
    if (best == NULL)
        return false;
    append_action(out, r);
    g_string_append(out, " at ");
    append_window(out, r);
    g_string_append(out, " but ");
    append_action(out, best);
    g_string_append_printf(out, " (#%" G_GUINT64_FORMAT ") completed at ",
                           best->id);
    sim_time_text_ms(out, sim_lin_return_us(best));
    if (r->found) {
        g_string_append(out, " and no later ");
        append_seen(out, r);
        g_string_append(out, " exists");
    } else {
        g_string_append(out, " and no later delete of ");
        sim_lin_append_str(out, r->key);
        g_string_append(out, " exists");
    }
    return true;
}

void sim_lin_explain_violation(GString *out,
                               const char *key,
                               const GPtrArray *ops,
                               bool shrunk_fully,
                               uint64_t states)
{
    g_string_append(out, "key ");
    sim_lin_append_str(out, key);
    g_string_append_printf(out,
                           ": these %u operations cannot be put in any order "
                           "that respects their times and gives every read "
                           "its result:\n",
                           ops->len);
    for (guint i = 0; i < ops->len && i < SIM_LIN_EXPLAIN_MAX_OPS; i++)
        append_op_line(out, g_ptr_array_index(ops, i));
    if (ops->len > SIM_LIN_EXPLAIN_MAX_OPS)
        g_string_append_printf(out, "  ... and %u more\n",
                               ops->len - SIM_LIN_EXPLAIN_MAX_OPS);
    g_string_append(out, "why: ");
    bool explained = false;
    for (guint i = 0; i < ops->len && !explained; i++) {
        const struct sim_op *r = g_ptr_array_index(ops, i);
        if (r->op == SIM_KV_GET && r->completed)
            explained = explain_read(out, ops, r);
    }
    if (!explained)
        g_string_append(out,
                        "every order consistent with the times leaves some "
                        "read seeing a value the key did not hold then");
    g_string_append_printf(out, " (%" G_GUINT64_FORMAT " search states)",
                           states);
    if (!shrunk_fully)
        g_string_append(out,
                        "; shrinking stopped at its budget, so the set "
                        "may not be minimal");
    g_string_append_c(out, '\n');
}
