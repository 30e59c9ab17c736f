/* sim_rng.c: xoshiro256** with splitmix64 seeding. Every function is a pure
 * function of the generator state; no global state, no platform calls. */
#include "sim/sim_rng.h"
#include "sim/sim_assert.h"

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
    sim_rng_seed_key(r, seed + (stream + 1) * 0xD1B54A32D192ED03u);
}

/* Two splitmix64 steps: the word is spread before it meets the key, so
 * (key, word) pairs that differ anywhere give unrelated keys. */
static inline uint64_t key_of(uint64_t key, uint64_t word)
{
    uint64_t w = word;
    uint64_t mixed = sim_splitmix64(&w);
    uint64_t k = key ^ mixed;
    return sim_splitmix64(&k);
}

static inline void seed_from_key(struct sim_rng *r, uint64_t key)
{
    uint64_t sm = key;
    for (int i = 0; i < 4; i++)
        r->s[i] = sim_splitmix64(&sm);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* xoshiro's only forbidden state */
}

uint64_t sim_rng_key(uint64_t key, uint64_t word)
{
    return key_of(key, word);
}

void sim_rng_seed_key(struct sim_rng *r, uint64_t key)
{
    seed_from_key(r, key);
}

uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
    if (hi <= lo)
        return lo;
    if (hi - lo == UINT64_MAX)
        return sim_rng_next(r);
    return lo + sim_rng_below(r, hi - lo + 1);
}

