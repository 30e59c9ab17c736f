/* raft_configuration.c: configurations: validity, the entry encoding, owned
 * copies and the per-log history of configuration entries (thesis §4.1).
 *
 * Invariant: every struct raft_conf the core holds is valid (see struct
 * raft_configuration in raft.h), and a history's records are in strictly
 * increasing index order. The encoding is explicit little-endian 64-bit
 * words, so an entry means the same on every host:
 *   word 0: version 1 in bits 0..7, auto_leave in bit 8;
 *   words 1..3: n_voters, n_outgoing, n_learners;
 *   then the ids of voters, outgoing and learners, in that order.
 */
#include <stdlib.h>
#include <string.h>

#include "raft_configuration.h"

#define CONF_VERSION 1u
#define CONF_AUTO_LEAVE 0x100u
#define CONF_HEADER_WORDS 4u

static bool has_duplicate(const uint64_t *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == 0) {
            return true; /* zero is no id: refuse it with the duplicates */
        }
        for (size_t j = 0; j < i; j++) {
            if (ids[j] == ids[i]) {
                return true;
            }
        }
    }
    return false;
}

static bool contains(const uint64_t *ids, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == id) {
            return true;
        }
    }
    return false;
}

bool raft_configuration_valid(const struct raft_configuration *c)
{
    if (c == NULL || c->n_voters == 0 || c->voters == NULL ||
        (c->n_outgoing > 0 && c->outgoing == NULL) ||
        (c->n_learners > 0 && c->learners == NULL)) {
        return false;
    }
    if (c->n_voters > RAFT_CONFIGURATION_MAX ||
        c->n_outgoing > RAFT_CONFIGURATION_MAX ||
        c->n_learners > RAFT_CONFIGURATION_MAX ||
        c->n_voters + c->n_outgoing + c->n_learners > RAFT_CONFIGURATION_MAX) {
        return false;
    }
    if (has_duplicate(c->voters, c->n_voters) ||
        has_duplicate(c->outgoing, c->n_outgoing) ||
        has_duplicate(c->learners, c->n_learners)) {
        return false;
    }
    for (size_t i = 0; i < c->n_learners; i++) {
        if (contains(c->voters, c->n_voters, c->learners[i])) {
            return false;
        }
    }
    return true;
}

size_t raft_configuration_encoded_len(const struct raft_configuration *c)
{
    return 8 * (CONF_HEADER_WORDS + c->n_voters + c->n_outgoing +
                c->n_learners);
}

static void put_word(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint64_t get_word(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

void raft_configuration_encode(const struct raft_configuration *c, void *buf)
{
    assert(raft_configuration_valid(c));
    unsigned char *p = buf;
    put_word(p, CONF_VERSION | (c->auto_leave ? CONF_AUTO_LEAVE : 0));
    put_word(p + 8, c->n_voters);
    put_word(p + 16, c->n_outgoing);
    put_word(p + 24, c->n_learners);
    p += 8 * CONF_HEADER_WORDS;
    const uint64_t *lists[3] = {c->voters, c->outgoing, c->learners};
    size_t counts[3] = {c->n_voters, c->n_outgoing, c->n_learners};
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            put_word(p, lists[l][i]);
            p += 8;
        }
    }
}

/* Reads the header of an encoding: false unless it is well formed and its
 * counts match len. */
static bool read_header(const unsigned char *p,
                        size_t len,
                        uint64_t counts[3],
                        bool *auto_leave)
{
    if (p == NULL || len % 8 != 0 || len < 8 * CONF_HEADER_WORDS ||
        len > 8 * (CONF_HEADER_WORDS + RAFT_CONFIGURATION_MAX)) {
        return false;
    }
    uint64_t flags = get_word(p);
    if ((flags & ~(uint64_t)CONF_AUTO_LEAVE) != CONF_VERSION) {
        return false;
    }
    *auto_leave = (flags & CONF_AUTO_LEAVE) != 0;
    uint64_t total = 0;
    for (int l = 0; l < 3; l++) {
        counts[l] = get_word(p + 8 * (1 + l));
        if (counts[l] > RAFT_CONFIGURATION_MAX) {
            return false;
        }
        total += counts[l];
    }
    return total == len / 8 - CONF_HEADER_WORDS;
}

bool raft_configuration_decode(const void *data,
                               size_t len,
                               uint64_t *ids,
                               struct raft_configuration *out)
{
    uint64_t counts[3];
    bool auto_leave;
    if (!read_header(data, len, counts, &auto_leave)) {
        return false;
    }
    const unsigned char *p = (const unsigned char *)data + 8 * CONF_HEADER_WORDS;
    size_t total = len / 8 - CONF_HEADER_WORDS;
    for (size_t i = 0; i < total; i++) {
        ids[i] = get_word(p + 8 * i);
    }
    struct raft_configuration c = {
        .voters = ids,
        .n_voters = (size_t)counts[0],
        .outgoing = ids + counts[0],
        .n_outgoing = (size_t)counts[1],
        .learners = ids + counts[0] + counts[1],
        .n_learners = (size_t)counts[2],
        .auto_leave = auto_leave,
    };
    if (!raft_configuration_valid(&c)) {
        return false;
    }
    *out = c;
    return true;
}

bool raft_conf_bytes_valid(const void *data, size_t len)
{
    uint64_t ids[RAFT_CONFIGURATION_MAX];
    struct raft_configuration c;
    return raft_configuration_decode(data, len, ids, &c);
}

void raft_conf_view(const struct raft_conf *c, struct raft_configuration *out)
{
    out->voters = c->ids;
    out->n_voters = c->n_voters;
    out->outgoing = c->ids + c->n_voters;
    out->n_outgoing = c->n_outgoing;
    out->learners = c->ids + c->n_voters + c->n_outgoing;
    out->n_learners = c->n_learners;
    out->auto_leave = c->auto_leave;
}

size_t raft_conf_size(const struct raft_conf *c)
{
    return c->n_voters + c->n_outgoing + c->n_learners;
}

int raft_conf_copy(struct raft_conf *out, const struct raft_configuration *c)
{
    assert(raft_configuration_valid(c));
    size_t n = c->n_voters + c->n_outgoing + c->n_learners;
    uint64_t *ids = malloc(n * sizeof *ids);
    if (ids == NULL) {
        return RAFT_ENOMEM;
    }
    memcpy(ids, c->voters, c->n_voters * sizeof *ids);
    if (c->n_outgoing > 0) {
        memcpy(ids + c->n_voters, c->outgoing, c->n_outgoing * sizeof *ids);
    }
    if (c->n_learners > 0) {
        memcpy(ids + c->n_voters + c->n_outgoing, c->learners,
               c->n_learners * sizeof *ids);
    }
    out->ids = ids;
    out->n_voters = c->n_voters;
    out->n_outgoing = c->n_outgoing;
    out->n_learners = c->n_learners;
    out->auto_leave = c->auto_leave;
    return RAFT_OK;
}

int raft_conf_decode(struct raft_conf *out, const void *data, size_t len)
{
    uint64_t ids[RAFT_CONFIGURATION_MAX];
    struct raft_configuration c;
    bool ok = raft_configuration_decode(data, len, ids, &c);
    assert(ok);
    (void)ok;
    return raft_conf_copy(out, &c);
}

void raft_conf_free(struct raft_conf *c)
{
    free(c->ids);
    memset(c, 0, sizeof *c);
}

bool raft_conf_is_voter(const struct raft_conf *c, uint64_t id)
{
    return contains(c->ids, c->n_voters + c->n_outgoing, id);
}

int raft_conf_history_reserve(struct raft_conf_history *h, size_t extra)
{
    if (extra > SIZE_MAX / (2 * sizeof *h->items) - h->n) {
        return RAFT_ENOMEM;
    }
    if (h->n + extra <= h->cap) {
        return RAFT_OK;
    }
    size_t cap = 2 * (h->n + extra);
    struct raft_conf_record *items = realloc(h->items, cap * sizeof *items);
    if (items == NULL) {
        return RAFT_ENOMEM;
    }
    h->items = items;
    h->cap = cap;
    return RAFT_OK;
}

void raft_conf_history_push(struct raft_conf_history *h,
                            uint64_t index,
                            struct raft_conf *conf)
{
    assert(h->n < h->cap);
    assert(h->n == 0 || h->items[h->n - 1].index < index);
    h->items[h->n].index = index;
    h->items[h->n].conf = *conf;
    memset(conf, 0, sizeof *conf);
    h->n++;
    h->version++;
}

void raft_conf_history_truncate(struct raft_conf_history *h, uint64_t from)
{
    while (h->n > 0 && h->items[h->n - 1].index >= from) {
        raft_conf_free(&h->items[--h->n].conf);
        h->version++;
    }
}

void raft_conf_history_compact(struct raft_conf_history *h,
                               uint64_t index,
                               struct raft_conf *at)
{
    size_t drop = 0;
    while (drop < h->n && h->items[drop].index <= index) {
        drop++;
    }
    if (drop == 0) {
        return;
    }
    raft_conf_free(at);
    *at = h->items[drop - 1].conf;
    for (size_t i = 0; i + 1 < drop; i++) {
        raft_conf_free(&h->items[i].conf);
    }
    memmove(h->items, h->items + drop, (h->n - drop) * sizeof *h->items);
    h->n -= drop;
    h->version++;
}

void raft_conf_history_touch(struct raft_conf_history *h)
{
    h->version++;
}

void raft_conf_history_free(struct raft_conf_history *h)
{
    raft_conf_history_truncate(h, 0);
    free(h->items);
    memset(h, 0, sizeof *h);
}
