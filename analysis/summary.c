/* summary.c - statistics over the seeds of a results table (see summary.h). */
#include "analysis/summary.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

void summ_ci95(const double *x, int n, double *mean, double *half)
{
    *mean = gsl_stats_mean(x, 1, (size_t)n);
    *half = 0;
    if (n > 1)
        *half = gsl_cdf_tdist_Pinv(0.975, n - 1) * gsl_stats_sd_m(x, 1, (size_t)n, *mean) / sqrt(n);
}

void summ_build(const rtab *t, summary *s)
{
    memset(s, 0, sizeof *s);
    s->nsum = t->nsum;
    int64_t ngroups = 0;
    for (int64_t r = 0; r < t->nrows; r++)
        ngroups += r == 0 || t->group[r] != t->group[r - 1];
    size_t cells = (size_t)ngroups * (size_t)(t->nsum ? t->nsum : 1);
    s->rows = vs_xcalloc(ngroups ? (size_t)ngroups : 1, sizeof *s->rows);
    s->mean = vs_xcalloc(cells ? cells : 1, sizeof(double));
    s->half = vs_xcalloc(cells ? cells : 1, sizeof(double));
    double *xs = NULL;
    size_t xcap = 0;
    for (int64_t r = 0; r < t->nrows;) {
        summ_row *g = &s->rows[s->nrows];
        g->group = t->group[r];
        g->first = r;
        while (r < t->nrows && t->group[r] == g->group)
            r++;
        g->k = (int)(r - g->first);
        if ((size_t)g->k > xcap) {
            xcap = (size_t)g->k;
            xs = vs_xreallocarray(xs, xcap, sizeof(double));
        }
        for (int c = 0; c < t->nsum; c++) {
            int m = 0;
            for (int j = 0; j < g->k; j++) {
                double v = rtab_get(t, g->first + j, c);
                if (!isnan(v))
                    xs[m++] = v;
            }
            double mean = NAN, half = NAN;
            if (m)
                summ_ci95(xs, m, &mean, &half);
            s->mean[(size_t)s->nrows * t->nsum + c] = mean;
            s->half[(size_t)s->nrows * t->nsum + c] = half;
        }
        s->nrows++;
    }
    free(xs);
}

void summ_free(summary *s)
{
    free(s->rows);
    free(s->mean);
    free(s->half);
    memset(s, 0, sizeof *s);
}
