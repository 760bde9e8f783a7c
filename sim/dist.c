#include "sim/dist.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "sim/mem.h"

dist dist_const(double v) { return (dist){.kind = DIST_CONST, .mean = v}; }

dist dist_exp(double mean) { return (dist){.kind = DIST_EXP, .mean = mean}; }

dist dist_uniform(double lo, double hi)
{
    return (dist){.kind = DIST_UNIFORM, .mean = (lo + hi) / 2, .p1 = lo, .p2 = hi};
}

dist dist_lognormal(double mean, double cv)
{
    double s2 = log1p(cv * cv);
    return (dist){.kind = DIST_LOGNORMAL, .mean = mean, .p1 = log(mean) - s2 / 2, .p2 = sqrt(s2)};
}

dist dist_gamma(double mean, double shape)
{
    return (dist){.kind = DIST_GAMMA, .mean = mean, .p1 = shape, .p2 = mean / shape};
}

dist dist_empirical(const double *values, const double *weights, int n)
{
    dist d = {.kind = DIST_EMPIRICAL, .n = n};
    d.values = vs_xcalloc((size_t)n, sizeof(double));
    d.cum = vs_xcalloc((size_t)n, sizeof(double));
    double tw = 0, acc = 0, m = 0;
    for (int i = 0; i < n; i++)
        tw += weights ? weights[i] : 1.0;
    for (int i = 0; i < n; i++) {
        double w = (weights ? weights[i] : 1.0) / tw;
        d.values[i] = values[i];
        acc += w;
        d.cum[i] = acc;
        m += w * values[i];
    }
    if (n > 0)
        d.cum[n - 1] = 1.0;
    d.mean = m;
    return d;
}

dist dist_copy(const dist *d)
{
    dist c = *d;
    if (d->kind == DIST_EMPIRICAL) {
        c.values = vs_xcalloc((size_t)d->n, sizeof(double));
        c.cum = vs_xcalloc((size_t)d->n, sizeof(double));
        memcpy(c.values, d->values, (size_t)d->n * sizeof(double));
        memcpy(c.cum, d->cum, (size_t)d->n * sizeof(double));
    }
    return c;
}

void dist_free(dist *d)
{
    free(d->values);
    free(d->cum);
    d->values = d->cum = NULL;
}

static sim_time dist_round(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 9.0e18)
        return (sim_time)9000000000000000000LL;
    return (sim_time)(x + 0.5);
}

sim_time dist_sample(const dist *d, gsl_rng *r)
{
    switch (d->kind) {
    case DIST_CONST:
        return dist_round(d->mean);
    case DIST_EXP:
        return dist_round(-d->mean * log1p(-gsl_rng_uniform(r)));
    case DIST_UNIFORM:
        return dist_round(d->p1 + (d->p2 - d->p1) * gsl_rng_uniform(r));
    case DIST_LOGNORMAL:
        return dist_round(gsl_ran_lognormal(r, d->p1, d->p2));
    case DIST_GAMMA:
        return dist_round(gsl_ran_gamma(r, d->p1, d->p2));
    case DIST_EMPIRICAL: {
        double u = gsl_rng_uniform(r);
        int lo = 0, hi = d->n - 1; /* first i with cum[i] > u */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (d->cum[mid] > u)
                hi = mid;
            else
                lo = mid + 1;
        }
        return dist_round(d->values[lo]);
    }
    }
    return 0;
}

double dist_mean(const dist *d) { return d->mean; }

const char *dist_kind_name(dist_kind k)
{
    static const char *names[] = {"const", "exp", "uniform", "lognormal", "gamma", "empirical"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}
