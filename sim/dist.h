/* dist.h - the duration distributions scenarios use.
 *
 * Every sample is a non-negative integer number of nanoseconds (the real
 * draw rounded to nearest, clamped at 0). Parameters are plain numbers in ns;
 * the JSON form ({"dist": "exp", "mean_ns": 2000}, ...) is parsed by
 * config/scenario.c, documented in docs/scenario-format.md:
 *   const      mean_ns                    always mean_ns
 *   exp        mean_ns                    exponential
 *   uniform    min_ns, max_ns             uniform on [min, max]
 *   lognormal  mean_ns, cv                lognormal with that mean and
 *                                         coefficient of variation
 *   gamma      mean_ns, shape             gamma with that mean and shape k
 *   empirical  values_ns[], weights[]     one of the values (weights
 *                                         optional, default equal) */
#ifndef VMSIM_DIST_H
#define VMSIM_DIST_H

#include <gsl/gsl_rng.h>

#include "sim/evq.h"

typedef enum dist_kind {
    DIST_CONST,
    DIST_EXP,
    DIST_UNIFORM,
    DIST_LOGNORMAL,
    DIST_GAMMA,
    DIST_EMPIRICAL
} dist_kind;

#define DIST_MAX_EMPIRICAL 100000

typedef struct dist {
    dist_kind kind;
    double mean;    /* mean in ns (all kinds; derived for uniform/empirical) */
    double p1, p2;  /* uniform: min, max; lognormal: mu, sigma; gamma: shape, scale */
    int n;          /* empirical: number of values */
    double *values; /* empirical: values in ns (owned) */
    double *cum;    /* empirical: cumulative weights, cum[n-1] == 1 (owned) */
} dist;

/* Constructors; they validate nothing (the loader does) and can't fail. */
dist dist_const(double v);
dist dist_exp(double mean);
dist dist_uniform(double lo, double hi);
dist dist_lognormal(double mean, double cv);
dist dist_gamma(double mean, double shape);
/* Takes copies of values and weights (weights may be NULL). */
dist dist_empirical(const double *values, const double *weights, int n);
/* A deep copy (empirical arrays duplicated). */
dist dist_copy(const dist *d);
void dist_free(dist *d);

/* One draw in integer ns from stream r. */
sim_time dist_sample(const dist *d, gsl_rng *r);
/* The exact mean of the (unrounded) distribution, ns. */
double dist_mean(const dist *d);
/* Name of the kind as in JSON ("exp", ...). */
const char *dist_kind_name(dist_kind k);

#endif
