#include "sim/stats.h"

#include <math.h>

void stat_add(stat_acc *a, double x)
{
    if (a->n == 0 || x < a->min)
        a->min = x;
    if (a->n == 0 || x > a->max)
        a->max = x;
    a->n++;
    double d = x - a->mean;
    a->mean += d / (double)a->n;
    a->m2 += d * (x - a->mean);
}

double stat_var(const stat_acc *a) { return a->n < 2 ? 0.0 : a->m2 / (double)(a->n - 1); }

double stat_sd(const stat_acc *a) { return sqrt(stat_var(a)); }

void stat_merge(stat_acc *a, const stat_acc *b)
{
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double n = (double)(a->n + b->n), d = b->mean - a->mean;
    a->m2 += b->m2 + d * d * (double)a->n * (double)b->n / n;
    a->mean += d * (double)b->n / n;
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
    a->n += b->n;
}

int stat_hist_bucket(uint64_t x) { return x == 0 ? 0 : 64 - __builtin_clzll(x) > 63 ? 63 : 64 - __builtin_clzll(x); }

void stat_hist_add(stat_hist *h, uint64_t x) { h->bucket[stat_hist_bucket(x)]++; }

int stat_hist_top(const stat_hist *h)
{
    for (int b = STAT_HIST_BUCKETS - 1; b >= 0; b--)
        if (h->bucket[b])
            return b;
    return -1;
}
