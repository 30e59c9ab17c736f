/* sim_configs.c: configurations for the checkers (sim_configs.h).
 *
 * Invariant: a sim_configs_log's items have strictly increasing indices,
 * all above base_index. Sets are fixed-size bitmaps: comparisons and quorum
 * counts take no allocation.
 */
#include "sim/check/sim_configs.h"
#include "sim/sim_assert.h"

#include <string.h>

void sim_idset_add(struct sim_idset *s, uint32_t id)
{
    g_return_if_fail(id >= 1 && id <= SIM_CONFIGS_MAX_ID);
    s->w[id / 64] |= UINT64_C(1) << (id % 64);
}

bool sim_idset_has(const struct sim_idset *s, uint32_t id)
{
    if (id < 1 || id > SIM_CONFIGS_MAX_ID)
        return false;
    return (s->w[id / 64] >> (id % 64)) & 1u;
}

/* The ids in a word of a set, counted inline: the bits summed in pairs,
 * then nibbles, then bytes, and the bytes added by one multiplication.
 * Without -mpopcnt GCC's __builtin_popcountll() is a call into its
 * runtime, about twice as many instructions with the call's own. */
static inline uint32_t word_bits(uint64_t w)
{
    w -= (w >> 1) & UINT64_C(0x5555555555555555);
    w = (w & UINT64_C(0x3333333333333333)) +
        ((w >> 2) & UINT64_C(0x3333333333333333));
    w = (w + (w >> 4)) & UINT64_C(0x0f0f0f0f0f0f0f0f);
    return (uint32_t)((w * UINT64_C(0x0101010101010101)) >> 56);
}

/* word_bits(), with most words (a cluster's ids 1..63 fill the first)
 * empty and counted without it. */
static inline uint32_t word_count(uint64_t w)
{
    return w == 0 ? 0 : word_bits(w);
}

uint32_t sim_idset_count(const struct sim_idset *s)
{
    uint32_t n = 0;
    for (int i = 0; i < SIM_CONFIGS_WORDS; i++)
        n += word_count(s->w[i]);
    return n;
}

static bool sim_idset_equal(const struct sim_idset *a,
                            const struct sim_idset *b)
{
    return memcmp(a->w, b->w, sizeof a->w) == 0;
}


/* |a symmetric-difference b|. */
static uint32_t idset_distance(const struct sim_idset *a,
                               const struct sim_idset *b)
{
    uint32_t n = 0;
    for (int i = 0; i < SIM_CONFIGS_WORDS; i++)
        n += word_count(a->w[i] ^ b->w[i]);
    return n;
}

void sim_conf_first(struct sim_conf *c, uint32_t n_voters)
{
    memset(c, 0, sizeof *c);
    for (uint32_t id = 1; id <= n_voters && id <= SIM_CONFIGS_MAX_ID; id++)
        sim_idset_add(&c->voters, id);
}

static bool ids_into(const uint64_t *ids, size_t n, struct sim_idset *out)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 1 || ids[i] > SIM_CONFIGS_MAX_ID)
            return false;
        sim_idset_add(out, (uint32_t)ids[i]);
    }
    return true;
}

bool sim_conf_from(const struct raft_configuration *c,
                     struct sim_conf *out)
{
    struct sim_conf r;
    memset(&r, 0, sizeof r);
    if (!raft_configuration_valid(c) ||
        !ids_into(c->voters, c->n_voters, &r.voters) ||
        !ids_into(c->outgoing, c->n_outgoing, &r.outgoing) ||
        !ids_into(c->learners, c->n_learners, &r.learners))
        return false;
    r.joint = c->n_outgoing > 0;
    *out = r;
    return true;
}

bool sim_conf_decode_bytes(const struct raft_entry *e, struct sim_conf *out)
{
    if (e->type != RAFT_ENTRY_CONFIG || e->len % 8 != 0 || e->len == 0)
        return false;
    uint64_t *ids = g_new(uint64_t, e->len / 8);
    struct raft_configuration c;
    bool ok = raft_configuration_decode(e->data, e->len, ids, &c) &&
              sim_conf_from(&c, out);
    g_free(ids);
    return ok;
}

bool sim_conf_is_voter(const struct sim_conf *c, uint32_t id)
{
    return sim_idset_has(&c->voters, id) || sim_idset_has(&c->outgoing, id);
}

/* Thesis §4.3: a majority of one half; an empty half agrees. One pass
 * over the half's words, counting its members and those of who among
 * them in the words that hold any (a cluster's ids fill the first). */
static inline bool half_quorum(const struct sim_idset *half,
                               const struct sim_idset *who)
{
    uint32_t n = 0, common = 0;
    for (int i = 0; i < SIM_CONFIGS_WORDS; i++) {
        uint64_t h = half->w[i];
        if (h != 0) {
            n += word_bits(h);
            common += word_count(h & who->w[i]);
        }
    }
    return n == 0 || common >= n / 2 + 1;
}

_Static_assert(SIM_CONFIGS_WORDS == 4, "idset_empty() reads four words");

/* Whether s holds no id: its words or'ed, tested once. */
static inline bool idset_empty(const struct sim_idset *s)
{
    return (s->w[0] | s->w[1] | s->w[2] | s->w[3]) == 0;
}

/* The outgoing half, empty unless joint, agrees when empty (half_quorum())
 * and is looked at word by word only when it is not. */
bool sim_conf_quorum(const struct sim_conf *c, const struct sim_idset *who)
{
    return half_quorum(&c->voters, who) &&
           (idset_empty(&c->outgoing) || half_quorum(&c->outgoing, who));
}

uint32_t sim_conf_voters_among(const struct sim_conf *c,
                               const struct sim_idset *who)
{
    uint32_t n = 0;
    for (int i = 0; i < SIM_CONFIGS_WORDS; i++)
        n += word_count((c->voters.w[i] | c->outgoing.w[i]) & who->w[i]);
    return n;
}

bool sim_conf_same_quorums(const struct sim_conf *a,
                                  const struct sim_conf *b)
{
    return a->joint == b->joint && sim_idset_equal(&a->voters, &b->voters) &&
           sim_idset_equal(&a->outgoing, &b->outgoing);
}

bool sim_conf_one_step(const struct sim_conf *from,
                         const struct sim_conf *to)
{
    if (sim_conf_same_quorums(from, to))
        return true;
    if (!from->joint && !to->joint) /* thesis §4.1: one server */
        return idset_distance(&from->voters, &to->voters) <= 1;
    if (!from->joint) /* §4.3: enter C_old,new from C_old */
        return sim_idset_equal(&to->outgoing, &from->voters);
    if (!to->joint) /* §4.3: leave C_old,new for C_new */
        return sim_idset_equal(&to->voters, &from->voters);
    return false;
}

static void describe_set(GString *s, const char *label,
                         const struct sim_idset *set)
{
    if (sim_idset_count(set) == 0)
        return;
    g_string_append_printf(s, "%s%s", s->len ? " " : "", label);
    for (uint32_t id = 1; id <= SIM_CONFIGS_MAX_ID; id++)
        if (sim_idset_has(set, id))
            g_string_append_printf(s, " n%u", id);
}

void sim_conf_describe(const struct sim_conf *c, char *buf, size_t len)
{
    GString *s = g_string_new(NULL);
    describe_set(s, "voters", &c->voters);
    describe_set(s, "outgoing", &c->outgoing);
    describe_set(s, "learners", &c->learners);
    if (s->len == 0)
        g_string_append(s, "no voters");
    g_strlcpy(buf, s->str, len);
    g_string_free(s, TRUE);
}

/* ---- one node's configuration entries ---- */

void sim_configs_log_init(struct sim_configs_log *l, const struct sim_conf *base)
{
    l->items = g_array_new(FALSE, FALSE, sizeof(struct sim_configs_item));
    l->base_index = 0;
    l->base = *base;
}

void sim_configs_log_destroy(struct sim_configs_log *l)
{
    if (l->items != NULL)
        g_array_free(l->items, TRUE);
    l->items = NULL;
}

static const struct sim_configs_item *item(const struct sim_configs_log *l,
                                           guint i)
{
    return &g_array_index(l->items, struct sim_configs_item, i);
}

void sim_configs_log_truncate(struct sim_configs_log *l, uint64_t from)
{
    guint n = l->items->len;
    while (n > 0 && item(l, n - 1)->index >= from)
        n--;
    if (n != l->items->len) /* most writes append after every item */
        g_array_set_size(l->items, n);
}

void sim_configs_log_push(struct sim_configs_log *l,
                          uint64_t index,
                          uint64_t term,
                          const struct sim_conf *c)
{
    assert(index > l->base_index);
    assert(l->items->len == 0 || item(l, l->items->len - 1)->index < index);
    struct sim_configs_item it = {.index = index, .term = term, .config = *c};
    g_array_append_val(l->items, it);
}

void sim_configs_log_insert(struct sim_configs_log *l,
                            uint64_t index,
                            uint64_t term,
                            const struct sim_conf *c)
{
    if (index <= l->base_index)
        return;
    guint n = l->items->len;
    while (n > 0 && item(l, n - 1)->index > index)
        n--;
    if (n > 0 && item(l, n - 1)->index == index)
        return;
    struct sim_configs_item it = {.index = index, .term = term, .config = *c};
    g_array_insert_val(l->items, n, it);
}

const struct sim_conf *sim_configs_log_at(const struct sim_configs_log *l,
                                            uint64_t index,
                                            uint64_t *at)
{
    guint n = l->items->len;
    while (n > 0 && item(l, n - 1)->index > index)
        n--;
    if (n == 0) {
        *at = l->base_index;
        return &l->base;
    }
    *at = item(l, n - 1)->index;
    return &item(l, n - 1)->config;
}

const struct sim_conf *sim_configs_log_latest(const struct sim_configs_log *l,
                                                uint64_t *at)
{
    return sim_configs_log_at(l, UINT64_MAX, at);
}

void sim_configs_log_compact(struct sim_configs_log *l, uint64_t index)
{
    if (index <= l->base_index)
        return;
    uint64_t at = 0;
    l->base = *sim_configs_log_at(l, index, &at);
    guint drop = 0;
    while (drop < l->items->len && item(l, drop)->index <= index)
        drop++;
    g_array_remove_range(l->items, 0, drop);
    l->base_index = index;
}

void sim_configs_log_reset(struct sim_configs_log *l,
                           uint64_t base_index,
                           const struct sim_conf *base)
{
    g_array_set_size(l->items, 0);
    l->base_index = base_index;
    l->base = *base;
}
