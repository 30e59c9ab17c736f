/* sim_kv_wire.h: the byte formats' primitives shared by the key-value
 * machine's commands (sim_kv.c) and snapshots (sim_kv_snapshot.c), whose
 * pairs' table (sim_kv_table.c) copies keys and values with sim_kv_copy()
 * too; private to those three files.
 *
 * Integers are unsigned LEB128, canonical: no redundant trailing zero
 * groups, at most SIM_KV_VARINT_MAX_BYTES bytes; a string is its length
 * and its bytes, which hold no NUL. A reader borrows its input and never
 * reads past `left` bytes.
 */
#ifndef SIM_KV_WIRE_H
#define SIM_KV_WIRE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIM_KV_VARINT_MAX_BYTES 10

struct sim_kv_reader
{
    const unsigned char *p; /* borrowed input */
    size_t left;
};

static inline bool sim_kv_get_u8(struct sim_kv_reader *r, uint8_t *out)
{
    if (r->left < 1)
        return false;
    *out = r->p[0];
    r->p++;
    r->left--;
    return true;
}

/* Reads a canonical LEB128 value: rejects truncation, more than 64 bits and
 * trailing zero groups (so every value has exactly one encoding). */
static inline bool sim_kv_get_varint(struct sim_kv_reader *r, uint64_t *out)
{
    if (r->left > 0 && r->p[0] < 0x80) { /* one byte: the common case */
        *out = r->p[0];
        r->p++;
        r->left--;
        return true;
    }
    /* Two bytes (a canonical second byte is nonzero): request ids. */
    if (r->left > 1 && r->p[1] < 0x80 && r->p[1] != 0) {
        *out = (uint64_t)(r->p[0] & 0x7f) | (uint64_t)r->p[1] << 7;
        r->p += 2;
        r->left -= 2;
        return true;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < SIM_KV_VARINT_MAX_BYTES; i++) {
        uint8_t b;
        if (!sim_kv_get_u8(r, &b))
            return false;
        uint64_t group = b & 0x7f;
        if (i == SIM_KV_VARINT_MAX_BYTES - 1 && group > 1)
            return false;
        v |= group << (7 * i);
        if ((b & 0x80) == 0) {
            if (i > 0 && b == 0)
                return false;
            *out = v;
            return true;
        }
    }
    return false;
}

#define SIM_KV_ONES_U64 UINT64_C(0x0101010101010101)
#define SIM_KV_HIGHS_U64 UINT64_C(0x8080808080808080)

/* Whether the word w holds a zero byte (the classic test: only a zero
 * byte borrows into its own high bit without having it set). */
static inline bool sim_kv_word_has_zero(uint64_t w)
{
    return ((w - SIM_KV_ONES_U64) & ~w & SIM_KV_HIGHS_U64) != 0;
}

/* Whether the n bytes at p hold a NUL: eight at a time, the last word
 * ending at the last byte, short runs byte by byte. */
static inline bool sim_kv_has_nul(const unsigned char *p, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (p[i] == 0)
                return true;
        return false;
    }
    uint64_t w;
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&w, p + i, sizeof w);
        if (sim_kv_word_has_zero(w))
            return true;
    }
    memcpy(&w, p + n - 8, sizeof w);
    return sim_kv_word_has_zero(w);
}

/* Reads a length-prefixed NUL-free string; *s points into the input. */
static inline bool sim_kv_get_bytes(struct sim_kv_reader *r,
                                    const char **s,
                                    size_t *n)
{
    uint64_t len;
    if (!sim_kv_get_varint(r, &len) || len > r->left)
        return false;
    if (sim_kv_has_nul(r->p, (size_t)len))
        return false;
    *s = (const char *)r->p;
    *n = (size_t)len;
    r->p += len;
    r->left -= (size_t)len;
    return true;
}

/* Writes v as LEB128 at p; returns the bytes written. */
static inline size_t sim_kv_put_varint(guint8 *p, uint64_t v)
{
    if (v < 0x80) { /* one byte: lengths, small ids */
        p[0] = (guint8)v;
        return 1;
    }
    size_t n = 0;
    do {
        guint8 b = (guint8)(v & 0x7f);
        v >>= 7;
        if (v != 0)
            b |= 0x80;
        p[n++] = b;
    } while (v != 0);
    return n;
}

/* Copies the n bytes at src to dst (apart): a key or value of 4 to 16
 * bytes, the usual, as two words (or half-words) of which the second ends
 * at the last byte, overlapping the first; 1 to 3 bytes as the first, the
 * middle and the last (some of them the same byte); a longer one with
 * memcpy(). Reads and writes only those n bytes. */
static inline void sim_kv_copy(guint8 *dst, const char *src, size_t n)
{
    if (n >= 8) {
        if (n > 16) {
            memcpy(dst, src, n);
            return;
        }
        uint64_t a, b;
        memcpy(&a, src, 8);
        memcpy(&b, src + n - 8, 8);
        memcpy(dst, &a, 8);
        memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, src + n - 4, 4);
        memcpy(dst, &a, 4);
        memcpy(dst + n - 4, &b, 4);
    } else if (n > 0) {
        guint8 first = (guint8)src[0], mid = (guint8)src[n / 2];
        guint8 last = (guint8)src[n - 1];
        dst[0] = first;
        dst[n / 2] = mid;
        dst[n - 1] = last;
    }
}

/* Writes a length-prefixed string at p; returns the bytes written. */
static inline size_t sim_kv_put_string(guint8 *p, const char *s, size_t len)
{
    size_t n = sim_kv_put_varint(p, len);
    sim_kv_copy(p + n, s, len);
    return n + len;
}

/* Bytes of v as LEB128 (sim_kv_put_varint()). */
static inline size_t sim_kv_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >>= 7)
        n++;
    return n;
}

/* Bytes of a length-prefixed string of len bytes (sim_kv_put_string()). */
static inline size_t sim_kv_string_len(size_t len)
{
    return sim_kv_varint_len(len) + len;
}

#endif /* SIM_KV_WIRE_H */
