/* sim_rng.c: xoshiro256** with splitmix64 seeding. Every function is a pure
 * function of the generator state; no global state, no platform calls. */
#include "sim/sim_rng.h"
#include "sim/sim_assert.h"

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t sim_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
    sim_rng_seed_key(r, seed + (stream + 1) * 0xD1B54A32D192ED03u);
}

uint64_t sim_rng_key(uint64_t key, uint64_t word)
{
    /* Two splitmix64 steps: the word is spread before it meets the key, so
     * (key, word) pairs that differ anywhere give unrelated keys. */
    uint64_t w = word;
    uint64_t mixed = sim_splitmix64(&w);
    uint64_t k = key ^ mixed;
    return sim_splitmix64(&k);
}

void sim_rng_seed_key(struct sim_rng *r, uint64_t key)
{
    uint64_t sm = key;
    for (int i = 0; i < 4; i++)
        r->s[i] = sim_splitmix64(&sm);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* xoshiro's only forbidden state */
}

void sim_rng_seed_instant(struct sim_rng *r,
                          uint64_t base,
                          struct sim_rng_instant *in,
                          uint64_t now_us)
{
    if (now_us != in->at_us) {
        in->at_us = now_us;
        in->rank = 0;
    }
    sim_rng_seed_key(r, sim_rng_key(sim_rng_key(base, now_us), in->rank++));
}

uint64_t sim_rng_next(struct sim_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t sim_rng_below(struct sim_rng *r, uint64_t n)
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

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    if (hi - lo == UINT64_MAX)
        return sim_rng_next(r);
    return lo + sim_rng_below(r, hi - lo + 1);
}

double sim_rng_unit(struct sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

bool sim_rng_chance(struct sim_rng *r, uint32_t ppm)
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
