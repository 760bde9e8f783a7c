/* rng.h - one GSL random stream per simulated entity.
 *
 * A stream is a gsl_rng of type rng_xoshiro (xoshiro256**, Blackman & Vigna,
 * registered as a GSL generator so every gsl_ran_* distribution works on it).
 * Its 64-bit seed is derived from the scenario seed and the entity's
 * identity string (e.g. "vm/2/vcpu/17") with FNV-1a and splitmix64, so a
 * stream depends only on (seed, identity): adding a VM or a vCPU never
 * changes the draws of any other entity. */
#ifndef VMSIM_RNG_H
#define VMSIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

/* The generator type (full 64-bit seeds, 2^256 - 1 period). */
extern const gsl_rng_type *rng_xoshiro;

/* The 64-bit seed of the stream named `identity` under scenario seed `seed`. */
uint64_t rng_derive(uint64_t seed, const char *identity);
/* A new stream for `identity`; free with gsl_rng_free. Aborts on OOM. */
gsl_rng *rng_stream(uint64_t seed, const char *identity);
/* Same with a printf-formatted identity. */
gsl_rng *rng_streamf(uint64_t seed, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* splitmix64 step: the mixing function used for derivation. */
uint64_t rng_splitmix64(uint64_t *state);

#endif
