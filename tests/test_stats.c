/* Accumulators: stat_add against a two-pass computation, min/max,
 * stat_merge against adding everything to one accumulator, and the log2
 * histogram's bucket edges. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/rng.h"
#include "sim/stats.h"
#include "tests/check_main.h"

#define N 10000

/* Random data with a large offset (catches the naive sum-of-squares
 * formula's cancellation) and a few outliers. */
static void fill(double *x, int n, uint64_t seed)
{
    gsl_rng *r = rng_stream(seed, "stats/data");
    for (int i = 0; i < n; i++)
        x[i] = 1e6 + gsl_ran_gaussian(r, 50) + (i % 997 == 0 ? gsl_ran_exponential(r, 1e4) : 0);
    gsl_rng_free(r);
}

static void two_pass(const double *x, int n, double *mean, double *var)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i];
    *mean = s / n;
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *var = n > 1 ? ss / (n - 1) : 0;
}

START_TEST(test_empty_and_one)
{
    stat_acc a;
    memset(&a, 0, sizeof a);
    ck_assert_uint_eq(a.n, 0);
    ck_assert_double_eq(stat_var(&a), 0);
    ck_assert_double_eq(stat_sd(&a), 0);
    stat_add(&a, -3.5);
    ck_assert_uint_eq(a.n, 1);
    ck_assert_double_eq(a.mean, -3.5);
    ck_assert_double_eq(a.min, -3.5);
    ck_assert_double_eq(a.max, -3.5);
    ck_assert_double_eq(stat_var(&a), 0); /* n < 2 */
    stat_add(&a, 1.5);
    ck_assert_double_eq(a.mean, -1);
    ck_assert_double_eq(stat_var(&a), 12.5); /* (2.5^2 * 2) / 1 */
    ck_assert_double_eq(a.min, -3.5);
    ck_assert_double_eq(a.max, 1.5);
}
END_TEST

START_TEST(test_add_vs_two_pass)
{
    static double x[N];
    fill(x, N, 1);
    stat_acc a = {0};
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < N; i++) {
        stat_add(&a, x[i]);
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    double m, v;
    two_pass(x, N, &m, &v);
    ck_assert_uint_eq(a.n, N);
    ck_assert_rel(a.mean, m, 1e-12);
    ck_assert_rel(stat_var(&a), v, 1e-9);
    ck_assert_rel(stat_sd(&a), sqrt(v), 1e-9);
    ck_assert_double_eq(a.min, lo);
    ck_assert_double_eq(a.max, hi);
}
END_TEST

START_TEST(test_min_max_order)
{
    /* min and max hold whatever the order: first sample largest, smallest, or middle */
    double seqs[3][5] = {{9, 1, 5, 3, 7}, {1, 9, 5, 3, 7}, {5, 3, 9, 1, 7}};
    for (int s = 0; s < 3; s++) {
        stat_acc a = {0};
        for (int i = 0; i < 5; i++)
            stat_add(&a, seqs[s][i]);
        ck_assert_double_eq(a.min, 1);
        ck_assert_double_eq(a.max, 9);
        ck_assert_double_eq(a.mean, 5);
        ck_assert_double_eq(stat_var(&a), 10);
    }
    stat_acc a = {0}; /* all negative: max must not stick at the initial 0 */
    stat_add(&a, -7);
    stat_add(&a, -2);
    ck_assert_double_eq(a.max, -2);
    ck_assert_double_eq(a.min, -7);
}
END_TEST

START_TEST(test_merge)
{
    static double x[N];
    fill(x, N, 2);
    stat_acc all = {0};
    for (int i = 0; i < N; i++)
        stat_add(&all, x[i]);
    /* split into uneven pieces, including empty ones, and merge */
    int cuts[] = {0, 0, 1, 17, 17, 4000, 9999, N};
    stat_acc merged = {0};
    for (size_t c = 0; c + 1 < sizeof cuts / sizeof cuts[0]; c++) {
        stat_acc part = {0};
        for (int i = cuts[c]; i < cuts[c + 1]; i++)
            stat_add(&part, x[i]);
        stat_merge(&merged, &part);
    }
    ck_assert_uint_eq(merged.n, all.n);
    ck_assert_rel(merged.mean, all.mean, 1e-12);
    ck_assert_rel(stat_var(&merged), stat_var(&all), 1e-9);
    ck_assert_double_eq(merged.min, all.min);
    ck_assert_double_eq(merged.max, all.max);

    /* merging an empty accumulator changes nothing; merging into an empty one copies */
    stat_acc e = {0}, copy = all;
    stat_merge(&copy, &e);
    ck_assert_uint_eq(copy.n, all.n);
    ck_assert_double_eq(copy.mean, all.mean);
    ck_assert_double_eq(copy.m2, all.m2);
    stat_merge(&e, &all);
    ck_assert_uint_eq(e.n, all.n);
    ck_assert_double_eq(e.min, all.min);
    ck_assert_double_eq(e.max, all.max);

    /* a part whose extremes are on the other side */
    stat_acc p = {0}, q = {0}, pq = {0};
    double px[] = {5, 6, 7}, qx[] = {-1, 100};
    for (int i = 0; i < 3; i++) {
        stat_add(&p, px[i]);
        stat_add(&pq, px[i]);
    }
    for (int i = 0; i < 2; i++) {
        stat_add(&q, qx[i]);
        stat_add(&pq, qx[i]);
    }
    stat_merge(&p, &q);
    ck_assert_double_eq(p.min, -1);
    ck_assert_double_eq(p.max, 100);
    ck_assert_rel(p.mean, pq.mean, 1e-15);
    ck_assert_rel(stat_var(&p), stat_var(&pq), 1e-12);
}
END_TEST

START_TEST(test_hist_buckets)
{
    struct {
        uint64_t x;
        int b;
    } cases[] = {
        {0, 0},
        {1, 1},   /* [1, 2) */
        {2, 2},   /* [2, 4) */
        {3, 2},
        {4, 3},   /* [4, 8) */
        {1023, 10},
        {1024, 11},
        {(uint64_t)1 << 61, 62},
        {((uint64_t)1 << 62) - 1, 62},
        {(uint64_t)1 << 62, 63}, /* the last bucket [2^62, 2^63) ... */
        {(uint64_t)1 << 63, 63}, /* ... also takes everything above */
        {UINT64_MAX, 63},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int b = stat_hist_bucket(cases[i].x);
        ck_assert_msg(b == cases[i].b, "bucket of %llu is %d, want %d",
                      (unsigned long long)cases[i].x, b, cases[i].b);
        ck_assert(b >= 0 && b < STAT_HIST_BUCKETS);
    }
    /* every power of two and its neighbours land in the documented bucket */
    for (int k = 1; k < 62; k++) {
        uint64_t p = (uint64_t)1 << k;
        ck_assert_int_eq(stat_hist_bucket(p - 1), k);
        ck_assert_int_eq(stat_hist_bucket(p), k + 1);
        ck_assert_int_eq(stat_hist_bucket(p + 1), k + 1);
    }
}
END_TEST

START_TEST(test_hist_add_top)
{
    stat_hist h;
    memset(&h, 0, sizeof h);
    ck_assert_int_eq(stat_hist_top(&h), -1);
    stat_hist_add(&h, 0);
    ck_assert_int_eq(stat_hist_top(&h), 0);
    stat_hist_add(&h, 3);
    stat_hist_add(&h, 2);
    stat_hist_add(&h, 1024);
    ck_assert_int_eq(stat_hist_top(&h), 11);
    ck_assert_uint_eq(h.bucket[0], 1);
    ck_assert_uint_eq(h.bucket[2], 2);
    ck_assert_uint_eq(h.bucket[11], 1);
    stat_hist_add(&h, UINT64_MAX);
    ck_assert_int_eq(stat_hist_top(&h), 63);
    uint64_t total = 0;
    for (int b = 0; b < STAT_HIST_BUCKETS; b++)
        total += h.bucket[b];
    ck_assert_uint_eq(total, 5);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *t = tcase_create("stats");
    tcase_add_test(t, test_empty_and_one);
    tcase_add_test(t, test_add_vs_two_pass);
    tcase_add_test(t, test_min_max_order);
    tcase_add_test(t, test_merge);
    tcase_add_test(t, test_hist_buckets);
    tcase_add_test(t, test_hist_add_top);
    suite_add_tcase(s, t);
    return s;
}
