/* sim_hash.h: the simulator's own 64-bit hashing primitives.
 *
 * The trace hash, the safety checkers' digests and the key-value digest are
 * built from these, so they give the same values on every platform and
 * compiler: bytes are read as explicit little-endian words, never in the
 * host's order. They detect accidental differences; they are not meant to
 * resist an adversary. Defined inline: they sit on the per-event hot path.
 */
#ifndef SIM_HASH_H
#define SIM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* The splitmix64 finaliser of x plus the golden-ratio increment: a bijection
 * of 64-bit words that spreads every input bit over the output. */
static inline uint64_t sim_hash_mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* One word into a running hash: for a fixed h a bijection of w, so two
 * equal-length word sequences that differ anywhere leave different states. */
static inline uint64_t sim_hash_fold(uint64_t h, uint64_t w)
{
    h = (h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
    return h ^ (h >> 32);
}

/* One word into the trace hash's running state: the state rotated left by
 * 23 bits, xored with w and multiplied by an odd constant. For a fixed h a
 * bijection of w and for a fixed w a bijection of h, so two equal-length
 * word sequences that differ in one word leave different states (changes
 * of two words can cancel: bit 63 of one word with bit 22 of the next); the
 * rotation carries high bits down into the next multiplication. Three
 * instructions where sim_hash_fold() takes five: it runs four to nine
 * times for each of the frequent trace events (sim_trace_kind_words()),
 * thirteen and more for the others. */
static inline uint64_t sim_hash_step(uint64_t h, uint64_t w)
{
    return (((h << 23) | (h >> 41)) ^ w) * UINT64_C(0x9e3779b97f4a7c15);
}

/* The n <= 8 bytes at p as a little-endian word, zero-padded. */
static inline uint64_t sim_hash_load_le(const unsigned char *p, size_t n)
{
    if (n == 8) {
        return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
               (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
               (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
               (uint64_t)p[7] << 56;
    }
    uint64_t w = 0;
    unsigned shift = 0;
    if (n & 4) {
        w = (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
            (uint64_t)p[3] << 24;
        p += 4;
        shift = 32;
    }
    if (n & 2) {
        w |= ((uint64_t)p[0] | (uint64_t)p[1] << 8) << shift;
        p += 2;
        shift += 16;
    }
    if (n & 1) {
        w |= (uint64_t)p[0] << shift;
    }
    return w;
}

#endif /* SIM_HASH_H */
