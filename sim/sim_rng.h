/* sim_rng.h: the engine's own pseudo-random generator.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64. The
 * output depends only on the seed and the number of draws, never on the
 * platform, the C library or GLib, so a seed names one run everywhere.
 * Independent streams are derived from one 64-bit seed by stream number,
 * or, where a draw must not depend on how many draws came before it, from a
 * key: the seed folded with words that name what is drawn for (a message's
 * link and send time, a client request's identity). Keyed streams are what
 * keep a reproducer's later draws in place when an earlier statement is
 * deleted.
 */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stdbool.h>
#include <stdint.h>

/* The independent random streams. Most are keyed, so that a draw depends on
 * what it is for and not on how many draws came before it (deleting one
 * statement of a scenario leaves the draws of the others in place):
 * - NETWORK: each message's fate from (link, send time, its rank among the
 *   link's messages sent at that instant);
 * - CLIENTS: each client request from its own stream, keyed by the draw key
 *   its issuer gives (sim_client_request_keyed); first node, retry nodes,
 *   and its messages' delays come from it;
 * - WORKLOAD: each `load` from its own stream keyed likewise; its k-th
 *   request is a client request keyed by (the load's key, k);
 * - FAULTS: one sequential stream for sim_random_below();
 * - each node's timer seed from (node, start time, rank of the start at that
 *   instant), at its first start and every restart. */
enum sim_stream {
    SIM_STREAM_NETWORK = 0, /* message fates */
    SIM_STREAM_CLIENTS,     /* client requests */
    SIM_STREAM_FAULTS,      /* the host's choices */
    SIM_STREAM_WORKLOAD,    /* `load`: ops and keys */
    SIM_STREAM_COUNT
};

struct sim_rng
{
    uint64_t s[4]; /* never all zero */
};

/* One step of splitmix64: advances *state and returns the next output. */
static inline uint64_t sim_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* Seeds stream number `stream` of the run seeded with `seed`: the four state
 * words are the first four splitmix64 outputs from
 * seed + (stream + 1) * 0xD1B54A32D192ED03. */
void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream);

/* A key for a keyed stream: `key` folded with one more word. Chain it to
 * name a draw by several words: sim_rng_key(sim_rng_key(seed, a), b). A pure
 * function of its arguments, the same on every platform. */
uint64_t sim_rng_key(uint64_t key, uint64_t word);

/* Seeds r from a key made with sim_rng_key(): its four state words are the
 * first four splitmix64 outputs from the key. */
void sim_rng_seed_key(struct sim_rng *r, uint64_t key);

/* Where a keyed draw happens in virtual time: the instant of the last draw
 * and how many draws were made at it, so that the draws of one instant get
 * ranks 0, 1, 2, ... Start zeroed. */
struct sim_rng_instant
{
    uint64_t at_us;
    uint64_t rank; /* draws made at at_us so far */
};

/* splitmix64's output function: the output of the step that leaves the
 * state at z (sim_splitmix64() returns sim_splitmix64_out(state + golden)). */
static inline uint64_t sim_splitmix64_out(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

/* What sim_rng_key() folds in for the word 0, computed once: the rank of
 * the first keyed draw at an instant, nearly every draw's
 * (`the_first_rank_word_is_splitmix_of_zero` checks it). */
#define SIM_RNG_WORD_OF_ZERO 0xe220a8397b1dcdafu

/* Advances the instant record for one keyed draw at now_us and returns the
 * draw's rank among the draws at that instant (0, 1, 2, ...). Calls on one
 * record come with non-decreasing now_us. */
static inline uint64_t sim_rng_instant_rank(struct sim_rng_instant *in,
                                            uint64_t now_us)
{
    if (now_us != in->at_us) {
        in->at_us = now_us;
        in->rank = 0;
    }
    return in->rank++;
}

/* What sim_rng_key() folds into its key for `word`: the word spread by
 * one splitmix64 step. Computed once, it serves every key folded with the
 * same word (the send time of a broadcast's messages, one per link). */
static inline uint64_t sim_rng_word(uint64_t word)
{
    return sim_splitmix64_out(word + 0x9E3779B97F4A7C15u);
}

/* sim_rng_key(key, word) for the spread word w = sim_rng_word(word). */
static inline uint64_t sim_rng_key_spread(uint64_t key, uint64_t w)
{
    return sim_splitmix64_out((key ^ w) + 0x9E3779B97F4A7C15u);
}

/* sim_rng_instant_key() for now_word = sim_rng_word(now_us), computed by
 * the caller once for every base keyed at now_us. */
static inline uint64_t sim_rng_instant_key_spread(uint64_t base,
                                                  struct sim_rng_instant *in,
                                                  uint64_t now_us,
                                                  uint64_t now_word)
{
    uint64_t rank = sim_rng_instant_rank(in, now_us);
    uint64_t word = rank == 0 ? SIM_RNG_WORD_OF_ZERO : sim_rng_word(rank);
    return sim_rng_key_spread(sim_rng_key_spread(base, now_word), word);
}

/* The key of one draw at now_us under `base` (a key), exactly
 * sim_rng_key(sim_rng_key(base, now_us), rank) for the rank
 * sim_rng_instant_rank() gives it, which it advances. */
static inline uint64_t sim_rng_instant_key(uint64_t base,
                                           struct sim_rng_instant *in,
                                           uint64_t now_us)
{
    return sim_rng_instant_key_spread(base, in, now_us, sim_rng_word(now_us));
}

/* State word i (0..3) of sim_rng_seed_key(r, key), each computed alone: a
 * caller that reads only some of the first draws needs only some words
 * (the first draw's output is a function of word 1 alone). The words of
 * one key are never all zero: splitmix64's output function is a bijection
 * that maps only 0 to 0, and words 0 and 1 come from key + golden and
 * key + 2 golden, which cannot both be 0; so sim_rng_seed_key()'s repair
 * of an all-zero state never applies to a key's words. */
static inline uint64_t sim_rng_key_word(uint64_t key, unsigned i)
{
    return sim_splitmix64_out(key + (i + 1) * 0x9E3779B97F4A7C15u);
}

/* Seeds r for one draw at now_us under `base` (a key): from
 * (base, now_us, its rank at now_us), exactly as
 * sim_rng_seed_key(r, sim_rng_key(sim_rng_key(base, now_us), rank)).
 * Calls on one instant record come with non-decreasing now_us. Inline: the
 * network seeds one stream per message. */
static inline void sim_rng_seed_instant(struct sim_rng *r,
                                        uint64_t base,
                                        struct sim_rng_instant *in,
                                        uint64_t now_us)
{
    uint64_t key = sim_rng_instant_key(base, in, now_us);
    /* Unrolled: the compiler keeps a loop here. */
    r->s[0] = sim_rng_key_word(key, 0);
    r->s[1] = sim_rng_key_word(key, 1);
    r->s[2] = sim_rng_key_word(key, 2);
    r->s[3] = sim_rng_key_word(key, 3);
}

/* xoshiro256**'s output for a state whose word 1 is s1: a draw's value
 * reads that one word (sim_rng_next()). After one draw, word 1 is
 * s[1] ^ s[2] ^ s[0] of the state before it: the first two draws of a
 * stream read only its words 0 to 2. */
static inline uint64_t sim_rng_out(uint64_t s1)
{
    uint64_t x = s1 * 5;
    return ((x << 7) | (x >> 57)) * 9;
}

/* The next 64 random bits. Inline, like the draws below: a message's fate
 * takes several. */
static inline uint64_t sim_rng_next(struct sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = sim_rng_out(s[1]);
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform in [0, n) without modulo bias (rejection); 0 if n is 0. */
static inline uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Values below `threshold` would make some residues more likely. */
    uint64_t threshold = (0 - n) % n;
    for (;;) {
        uint64_t x = sim_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

/* Uniform in [lo, hi]; lo if hi <= lo. Always exactly one draw when
 * hi > lo (barring the rare rejection), none otherwise. */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);

/* Uniform in [0, 1) with 53 bits. */
static inline double sim_rng_unit(struct sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* One million parts per million: probability 1. */
#define SIM_PPM_ONE 1000000u

/* True with probability ppm / SIM_PPM_ONE; draws exactly once whatever ppm
 * is, so a stream's later values do not depend on it. */
static inline bool sim_rng_chance(struct sim_rng *r, uint32_t ppm)
{
    /* The same draw and answer as below, without the arithmetic: u is in
     * [0, 1), never below 0 and always below 1. */
    if (ppm == 0 || ppm >= SIM_PPM_ONE) {
        sim_rng_next(r);
        return ppm != 0;
    }
    double u = sim_rng_unit(r);
    return u < (double)ppm / (double)SIM_PPM_ONE;
}

/* The bound of sim_rng_chance(r, ppm) on a draw's top 53 bits, computed
 * once for a probability drawn often: sim_rng_chance_k(r, bound) answers
 * exactly as sim_rng_chance(r, ppm) from the same draw. u = k * 2^-53
 * for the draw's top bits k, and scaling by a power of two is exact, so
 * u < c (c = ppm / SIM_PPM_ONE, as a double) iff k < c * 2^53, iff k is
 * below that product rounded up; 0 never holds, and 2^53 always (u < 1
 * <= c). */
static inline uint64_t sim_rng_chance_bound(uint32_t ppm)
{
    if (ppm == 0)
        return 0;
    if (ppm >= SIM_PPM_ONE)
        return 1ull << 53;
    double y = (double)ppm / (double)SIM_PPM_ONE * 0x1.0p53;
    uint64_t k = (uint64_t)y;
    return (double)k < y ? k + 1 : k;
}

/* sim_rng_chance() with the bound sim_rng_chance_bound() gives: one draw. */
static inline bool sim_rng_chance_k(struct sim_rng *r, uint64_t bound)
{
    return (sim_rng_next(r) >> 11) < bound;
}

/* sim_rng_below(r, n) with its rejection threshold, (0 - n) % n for
 * n > 0, computed once: the same draws and value. */
static inline uint64_t sim_rng_below_t(struct sim_rng *r,
                                       uint64_t n,
                                       uint64_t threshold)
{
    if (n == 0)
        return 0;
    for (;;) {
        uint64_t x = sim_rng_next(r);
        if (x >= threshold)
            return x % n;
    }
}

/* The draws of sim_rng_below_t(r, n, threshold) without its value. */
static inline void sim_rng_skip_below_t(struct sim_rng *r,
                                        uint64_t n,
                                        uint64_t threshold)
{
    if (n == 0)
        return;
    while (sim_rng_next(r) < threshold) {
    }
}

#endif /* SIM_RNG_H */
