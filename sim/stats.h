/* stats.h - metric accumulators.
 *
 * stat_acc: count, mean, variance (Welford's online update), min, max.
 * stat_hist: log2 buckets: bucket 0 holds 0, bucket b >= 1 holds values in
 * [2^(b-1), 2^b). Callers exclude the warm-up period by not adding samples
 * before it ends (see world_measuring in models/world.h). */
#ifndef VMSIM_STATS_H
#define VMSIM_STATS_H

#include <stdint.h>

typedef struct stat_acc {
    uint64_t n;   /* samples */
    double mean;  /* running mean */
    double m2;    /* sum of squared deviations */
    double min;   /* smallest sample (0 when n == 0) */
    double max;   /* largest sample (0 when n == 0) */
} stat_acc;

#define STAT_HIST_BUCKETS 64

typedef struct stat_hist {
    uint64_t bucket[STAT_HIST_BUCKETS]; /* counts per log2 bucket */
} stat_hist;

void stat_add(stat_acc *a, double x);
/* Sample variance (n - 1 denominator); 0 when n < 2. */
double stat_var(const stat_acc *a);
double stat_sd(const stat_acc *a);
/* Merges b into a (Chan et al. parallel update). */
void stat_merge(stat_acc *a, const stat_acc *b);

void stat_hist_add(stat_hist *h, uint64_t x);
/* Bucket index of x. */
int stat_hist_bucket(uint64_t x);
/* Index of the last non-empty bucket, -1 if empty. */
int stat_hist_top(const stat_hist *h);

#endif
