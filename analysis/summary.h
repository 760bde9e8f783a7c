/* summary.h - statistics over the seeds of a results table (the analysis
 * layer): per group of rows (one axis combination of a sweep), the mean of
 * every summarised column and the half-width of its 95% confidence
 * interval.
 *
 * Invariants of a summary filled by summ_build: one row per maximal run of
 * consecutive table rows with the same group index, in table order;
 * 1 <= k; mean and half of a column are NAN when no row of the group has a
 * value there, half is 0 when one has. */
#ifndef VMSIM_SUMMARY_H
#define VMSIM_SUMMARY_H

#include <stdint.h>

#include "analysis/results.h"

/* One summary row. */
typedef struct summ_row {
    int64_t group; /* the group index of its table rows */
    int64_t first; /* its first table row */
    int k;         /* its number of table rows */
} summ_row;

/* A summary of a results table. */
typedef struct summary {
    int nsum;       /* summarised columns: the table's first nsum */
    int64_t nrows;  /* rows */
    summ_row *rows; /* nrows rows (owned) */
    double *mean;   /* nrows x nsum means (owned) */
    double *half;   /* nrows x nsum 95% CI half-widths (owned) */
} summary;

/* Mean of x[0..n-1] and the half-width of its 95% confidence interval,
 * t(0.975, n-1) * sd / sqrt(n) with the sample sd (n - 1 divisor); the
 * half-width is 0 when n = 1. n must be >= 1. Can't fail. */
void summ_ci95(const double *x, int n, double *mean, double *half);
/* Summarises t into s (missing values are left out of a column's
 * statistics). Can't fail (aborts on OOM); free with summ_free. */
void summ_build(const rtab *t, summary *s);
/* Frees s and zeroes it. Safe on a zeroed summary. */
void summ_free(summary *s);

#endif
