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

#include <stdbool.h>
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
 * instructions where sim_hash_fold() takes five; the trace hash folds its
 * words two at a time with it (sim_hash_pair()). */
static inline uint64_t sim_hash_step(uint64_t h, uint64_t w)
{
    return (((h << 23) | (h >> 41)) ^ w) * UINT64_C(0x9e3779b97f4a7c15);
}

/* Two words into the trace hash's running state: the step of a
 * (sim_hash_step()) plus b. For a fixed state and b a bijection of a, for
 * a fixed state and a a bijection of b, and for fixed words a bijection of
 * the state, so two equal-length word sequences that differ in one word
 * leave different states (changes of two words can cancel: bit 63 of a
 * with bit 63 of b, or bit 63 of b with bit 22 of the next pair's a). Four
 * instructions for two words where two steps take six; a pair whose b is
 * zero is one step: sim_hash_pair(h, a, 0) == sim_hash_step(h, a). */
static inline uint64_t sim_hash_pair(uint64_t h, uint64_t a, uint64_t b)
{
    return sim_hash_step(h, a) + b;
}

/* A running state that takes words one at a time and folds them two at a
 * time (sim_hash_pair()): a word waits in `held` for the next, and
 * sim_hash_pairs_end() folds a word left waiting paired with zero. Always
 * inline: with a constant number of words (a trace event of a constant
 * kind), which word waits is known where the code is built, and `held`
 * and `holding` live in no memory. */
struct sim_hash_pairs
{
    uint64_t h;
    uint64_t held;
    bool holding;
};

static inline __attribute__((always_inline)) void
sim_hash_pairs_add(struct sim_hash_pairs *p, uint64_t w)
{
    if (p->holding) {
        p->h = sim_hash_pair(p->h, p->held, w);
        p->holding = false;
    } else {
        p->held = w;
        p->holding = true;
    }
}

static inline __attribute__((always_inline)) uint64_t
sim_hash_pairs_end(struct sim_hash_pairs *p)
{
    if (p->holding)
        p->h = sim_hash_step(p->h, p->held);
    p->holding = false;
    return p->h;
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
