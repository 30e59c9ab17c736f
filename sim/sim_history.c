/* sim_history.c: the record of client operations.
 *
 * Invariant: ops[i]->id == i; ids are handed out in invocation order and an
 * operation is completed at most once. Each operation is a separate
 * allocation that also holds its key and value (op->key and op->value point
 * into it; only a GET's result is allocated apart), so the pointers returned
 * by sim_history_op() stay valid until the history is freed.
 */
#include "sim/sim_history.h"
#include "sim/sim_assert.h"

#include <string.h>

struct sim_history
{
    GPtrArray *ops; /* struct sim_op *, owned */
};

const char *sim_kv_op_name(enum sim_kv_op op)
{
    switch (op) {
    case SIM_KV_SET:
        return "set";
    case SIM_KV_DELETE:
        return "delete";
    case SIM_KV_GET:
        return "get";
    }
    return "?";
}

static void op_free(gpointer p)
{
    struct sim_op *op = p;
    g_free(op->result);
    g_free(op);
}

struct sim_history *sim_history_new(void)
{
    struct sim_history *h = g_new0(struct sim_history, 1);
    h->ops = g_ptr_array_new_with_free_func(op_free);
    return h;
}

void sim_history_free(struct sim_history *h)
{
    if (h == NULL)
        return;
    g_ptr_array_free(h->ops, TRUE);
    g_free(h);
}

uint64_t sim_history_invoke(struct sim_history *h,
                            uint64_t client,
                            enum sim_kv_op op,
                            const char *key,
                            const char *value,
                            uint64_t invoke_us)
{
    if (key == NULL)
        key = "";
    if (value == NULL)
        value = "";
    size_t key_size = strlen(key) + 1;
    size_t value_size = op == SIM_KV_SET ? strlen(value) + 1 : 0;
    struct sim_op *o = g_malloc0(sizeof(*o) + key_size + value_size);
    char *text = (char *)(o + 1);
    o->id = h->ops->len;
    o->client = client;
    o->op = op;
    o->key = memcpy(text, key, key_size);
    o->value =
        op == SIM_KV_SET ? memcpy(text + key_size, value, value_size) : NULL;
    o->invoke_us = invoke_us;
    g_ptr_array_add(h->ops, o);
    return o->id;
}

/* An unknown id or a second completion is ignored: the first answer a
 * client accepted is the one the history keeps. */
void sim_history_complete(struct sim_history *h,
                          uint64_t id,
                          uint64_t complete_us,
                          bool found,
                          const char *result)
{
    if (id >= h->ops->len)
        return;
    struct sim_op *o = g_ptr_array_index(h->ops, id);
    if (o->completed)
        return;
    o->completed = true;
    o->complete_us = complete_us;
    if (o->op == SIM_KV_GET) {
        o->found = found;
        o->result = found ? g_strdup(result != NULL ? result : "") : NULL;
    }
}

size_t sim_history_len(const struct sim_history *h)
{
    return h->ops->len;
}

const struct sim_op *sim_history_op(const struct sim_history *h, uint64_t id)
{
    if (id >= h->ops->len)
        return NULL;
    return g_ptr_array_index(h->ops, id);
}
