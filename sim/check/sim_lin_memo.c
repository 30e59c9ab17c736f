/* sim_lin_memo.c: the nodes a linearizability search has met
 * (sim_lin_memo.h).
 *
 * Invariant: len <= cap / 2; every node sits in the probe run that starts
 * at slot hash & (cap - 1) and reaches it without crossing an empty slot;
 * no two nodes are equal; a node's sets form an antichain (none contains
 * another).
 */
#include "sim/check/sim_lin_memo.h"

#include <string.h>

#include "sim/sim_assert.h"
#include "sim/sim_hash.h"

#define MEMO_CAP_MIN 64
#define MEMO_BLOCK_BYTES 16384

/* One minimal set of never-completed writes, sorted. */
struct memo_set
{
    struct memo_set *next; /* the node's next set; NULL: last */
    uint32_t n;
    uint32_t ops[];
};

struct sim_lin_memo_node
{
    uint64_t hash;
    uint32_t event;
    int32_t state;
    struct memo_set *sets; /* the antichain, never empty */
    uint32_t n_lin;
    uint32_t lin[]; /* sorted */
};

void sim_lin_memo_init(struct sim_lin_memo *m)
{
    m->cap = MEMO_CAP_MIN;
    m->len = 0;
    m->slots = g_new0(struct sim_lin_memo_node *, m->cap);
    m->blocks = g_ptr_array_new_with_free_func(g_free);
    m->free_at = NULL;
    m->free_len = 0;
    m->first_len = 0;
}

void sim_lin_memo_clear(struct sim_lin_memo *m)
{
    g_free(m->slots);
    g_ptr_array_free(m->blocks, TRUE);
    memset(m, 0, sizeof *m);
}

/* Above this many slots a reset gives the table back: a large key's table
 * is not cleared again for every small key after it. */
#define MEMO_CAP_KEEP 4096

void sim_lin_memo_reset(struct sim_lin_memo *m)
{
    if (m->cap > MEMO_CAP_KEEP) {
        g_free(m->slots);
        m->cap = MEMO_CAP_MIN;
        m->slots = g_new0(struct sim_lin_memo_node *, m->cap);
    } else if (m->len > 0) {
        memset(m->slots, 0, m->cap * sizeof m->slots[0]);
    }
    m->len = 0;
    if (m->blocks->len > 1)
        g_ptr_array_remove_range(m->blocks, 1, m->blocks->len - 1);
    m->free_at = m->blocks->len > 0 ? g_ptr_array_index(m->blocks, 0) : NULL;
    m->free_len = m->blocks->len > 0 ? m->first_len : 0;
}

/* size bytes from the blocks, 8-byte aligned, freed with the memo. */
static void *memo_alloc(struct sim_lin_memo *m, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if (size > m->free_len) {
        size_t block = size > MEMO_BLOCK_BYTES ? size : MEMO_BLOCK_BYTES;
        m->free_at = g_malloc(block);
        m->free_len = block;
        if (m->blocks->len == 0)
            m->first_len = block;
        g_ptr_array_add(m->blocks, m->free_at);
    }
    void *p = m->free_at;
    m->free_at += size;
    m->free_len -= size;
    return p;
}

bool sim_lin_sorted_subset(const uint32_t *a,
                           uint32_t na,
                           const uint32_t *b,
                           uint32_t nb)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < na; i++) {
        while (j < nb && b[j] < a[i])
            j++;
        if (j == nb || b[j] != a[i])
            return false;
        j++;
    }
    return true;
}

static uint64_t node_hash(uint32_t event,
                          int32_t state,
                          const uint32_t *lin,
                          uint32_t n_lin)
{
    uint64_t h = sim_hash_mix((uint64_t)event << 32 | (uint32_t)state);
    for (uint32_t i = 0; i < n_lin; i++)
        h = sim_hash_fold(h, lin[i]);
    return sim_hash_mix(h ^ n_lin);
}

static void place(struct sim_lin_memo_node **slots,
                  size_t cap,
                  struct sim_lin_memo_node *n)
{
    size_t mask = cap - 1;
    size_t i = n->hash & mask;
    while (slots[i] != NULL)
        i = (i + 1) & mask;
    slots[i] = n;
}

static void grow(struct sim_lin_memo *m)
{
    size_t cap = 2 * m->cap;
    struct sim_lin_memo_node **slots = g_new0(struct sim_lin_memo_node *, cap);
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i] != NULL)
            place(slots, cap, m->slots[i]);
    g_free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

/* The node (event, state, lin) of hash h, or NULL. */
static struct sim_lin_memo_node *find(const struct sim_lin_memo *m,
                                      uint64_t h,
                                      uint32_t event,
                                      int32_t state,
                                      const uint32_t *lin,
                                      uint32_t n_lin)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask; m->slots[i] != NULL; i = (i + 1) & mask) {
        const struct sim_lin_memo_node *n = m->slots[i];
        if (n->hash == h && n->event == event && n->state == state &&
            n->n_lin == n_lin &&
            memcmp(n->lin, lin, n_lin * sizeof lin[0]) == 0)
            return m->slots[i];
    }
    return NULL;
}

static struct memo_set *new_set(struct sim_lin_memo *m,
                                const uint32_t *ops,
                                uint32_t n)
{
    struct memo_set *s = memo_alloc(m, sizeof *s + n * sizeof ops[0]);
    s->next = NULL;
    s->n = n;
    if (n > 0)
        memcpy(s->ops, ops, n * sizeof ops[0]);
    return s;
}

bool sim_lin_memo_add(struct sim_lin_memo *m,
                      uint32_t event,
                      int32_t state,
                      const uint32_t *lin,
                      uint32_t n_lin,
                      const uint32_t *lin_p,
                      uint32_t n_p)
{
    uint64_t h = node_hash(event, state, lin, n_lin);
    struct sim_lin_memo_node *n = find(m, h, event, state, lin, n_lin);
    if (n == NULL) {
        if (2 * (m->len + 1) > m->cap)
            grow(m);
        n = memo_alloc(m, sizeof *n + n_lin * sizeof lin[0]);
        *n = (struct sim_lin_memo_node){
            .hash = h, .event = event, .state = state, .n_lin = n_lin};
        if (n_lin > 0)
            memcpy(n->lin, lin, n_lin * sizeof lin[0]);
        n->sets = new_set(m, lin_p, n_p);
        place(m->slots, m->cap, n);
        m->len++;
        return true;
    }
    SIM_ASSERT(n->sets != NULL, "a memo node without a set");
    for (const struct memo_set *s = n->sets; s != NULL; s = s->next)
        if (sim_lin_sorted_subset(s->ops, s->n, lin_p, n_p))
            return false;
    /* Keep the antichain small: the new set replaces its supersets. */
    struct memo_set **link = &n->sets;
    while (*link != NULL) {
        if (sim_lin_sorted_subset(lin_p, n_p, (*link)->ops, (*link)->n))
            *link = (*link)->next;
        else
            link = &(*link)->next;
    }
    struct memo_set *s = new_set(m, lin_p, n_p);
    s->next = n->sets;
    n->sets = s;
    return true;
}
