#include "sim/rng.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s[4];
} xo_state;

static inline uint64_t xo_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t xo_next(xo_state *st)
{
    uint64_t *s = st->s;
    uint64_t result = xo_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = xo_rotl(s[3], 45);
    return result;
}

static void xo_set(void *vstate, unsigned long seed)
{
    xo_state *st = vstate;
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        st->s[i] = rng_splitmix64(&sm);
}

static unsigned long xo_get(void *vstate) { return (unsigned long)(xo_next(vstate) >> 32); }

/* 53 random bits in [0, 1). */
static double xo_get_double(void *vstate) { return (double)(xo_next(vstate) >> 11) * 0x1.0p-53; }

static const gsl_rng_type xo_type = {"xoshiro256**", 0xffffffffUL, 0, sizeof(xo_state), &xo_set,
                                     &xo_get, &xo_get_double};
const gsl_rng_type *rng_xoshiro = &xo_type;

uint64_t rng_derive(uint64_t seed, const char *identity)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a 64 */
    for (const unsigned char *p = (const unsigned char *)identity; *p; p++) {
        h ^= *p;
        h *= 0x100000001b3ULL;
    }
    uint64_t st = seed ^ rng_splitmix64(&h);
    return rng_splitmix64(&st);
}

gsl_rng *rng_stream(uint64_t seed, const char *identity)
{
    gsl_rng *r = gsl_rng_alloc(rng_xoshiro);
    if (!r) {
        fprintf(stderr, "vmsim: internal error: out of memory (rng)\n");
        exit(1);
    }
    gsl_rng_set(r, (unsigned long)rng_derive(seed, identity));
    return r;
}

gsl_rng *rng_streamf(uint64_t seed, const char *fmt, ...)
{
    char id[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(id, sizeof id, fmt, ap);
    va_end(ap);
    return rng_stream(seed, id);
}
