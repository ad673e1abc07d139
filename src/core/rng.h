/* Reproducible random numbers: xoshiro256** seeded through splitmix64.
 * A generator is a plain value (its state can be copied, saved in a checkpoint and restored).
 * rng_seed(seed, stream) gives independent streams for the same seed, so that work split across
 * threads (one stream per record, per row block, ...) draws the same numbers whatever the number of
 * threads. */
#ifndef SCAR_CORE_RNG_H
#define SCAR_CORE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} Rng;

void rng_seed(Rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(Rng *r);
uint32_t rng_below(Rng *r, uint32_t n);      /* uniform in [0, n), unbiased; n > 0 */
float rng_uniform(Rng *r);                   /* [0, 1), 24 random bits */
double rng_uniform_f64(Rng *r);              /* [0, 1), 53 random bits */
double rng_normal(Rng *r);                   /* standard normal (Box-Muller, one draw per call) */
double rng_gumbel(Rng *r);                   /* standard Gumbel: -log(-log U), U in (0, 1) */
void rng_shuffle_int(Rng *r, int *a, int n); /* Fisher-Yates */

#endif
