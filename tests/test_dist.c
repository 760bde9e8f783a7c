/* Distributions: each kind's sample mean against dist_mean, within four
 * standard errors computed from the theoretical variance; samples are never
 * negative; copy and free. Samples are integer ns, so every mean here is at
 * least 1000 ns and rounding (variance 1/12) is negligible but included. */
#include <math.h>
#include <string.h>

#include "sim/dist.h"
#include "sim/rng.h"
#include "tests/check_main.h"

#define NSAMP 200000

/* Draws NSAMP samples of d from a fixed stream; checks they are >= 0 and
 * that their mean is within 4 standard errors of dist_mean (sd from `var`). */
static void check_mean(const char *what, const dist *d, double var)
{
    gsl_rng *r = rng_stream(12345, what);
    double sum = 0;
    sim_time lo = SIM_TIME_MAX, hi = -1;
    for (int i = 0; i < NSAMP; i++) {
        sim_time x = dist_sample(d, r);
        ck_assert_msg(x >= 0, "%s: negative sample %lld", what, (long long)x);
        sum += (double)x;
        if (x < lo)
            lo = x;
        if (x > hi)
            hi = x;
    }
    double mean = sum / NSAMP, se = sqrt((var + 1.0 / 12.0) / NSAMP);
    ck_assert_msg(fabs(mean - dist_mean(d)) <= 4 * se,
                  "%s: sample mean %.3f vs dist_mean %.3f: off by %.2f standard errors (se %.3f)",
                  what, mean, dist_mean(d), fabs(mean - dist_mean(d)) / se, se);
    if (var > 0)
        ck_assert_msg(hi > lo, "%s: all %d samples equal %lld", what, NSAMP, (long long)lo);
    gsl_rng_free(r);
}

START_TEST(test_const)
{
    dist d = dist_const(1234.4);
    ck_assert_double_eq(dist_mean(&d), 1234.4);
    gsl_rng *r = rng_stream(1, "const");
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(dist_sample(&d, r), 1234); /* rounded to nearest */
    d = dist_const(1234.5);
    ck_assert_int_eq(dist_sample(&d, r), 1235);
    d = dist_const(0);
    ck_assert_int_eq(dist_sample(&d, r), 0);
    d = dist_const(-5); /* the loader forbids it; the sampler still clamps at 0 */
    ck_assert_int_eq(dist_sample(&d, r), 0);
    d = dist_const(1e30); /* clamped below SIM_TIME_MAX, never overflowing */
    ck_assert_msg(dist_sample(&d, r) > 0, "huge constant wrapped to %lld",
                  (long long)dist_sample(&d, r));
    gsl_rng_free(r);
    dist_free(&d); /* harmless on a kind that owns nothing */
}
END_TEST

START_TEST(test_exp)
{
    dist d = dist_exp(2000);
    ck_assert_double_eq(dist_mean(&d), 2000);
    check_mean("exp", &d, 2000.0 * 2000.0);
    d = dist_exp(1e6);
    check_mean("exp 1ms", &d, 1e12);
}
END_TEST

START_TEST(test_uniform)
{
    dist d = dist_uniform(1000, 5000);
    ck_assert_double_eq(dist_mean(&d), 3000);
    check_mean("uniform", &d, 4000.0 * 4000.0 / 12);
    /* bounds hold (rounding can reach both ends, never beyond) */
    gsl_rng *r = rng_stream(3, "uniform-bounds");
    for (int i = 0; i < 100000; i++) {
        sim_time x = dist_sample(&d, r);
        ck_assert_msg(x >= 1000 && x <= 5000, "uniform [1000, 5000] gave %lld", (long long)x);
    }
    /* a degenerate interval is a constant */
    d = dist_uniform(2500, 2500);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(dist_sample(&d, r), 2500);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_lognormal)
{
    double m = 5000, cv = 0.8;
    dist d = dist_lognormal(m, cv);
    ck_assert_double_eq(dist_mean(&d), m);
    /* the parameters reproduce the mean and cv: E = exp(mu + s^2/2) */
    ck_assert_rel(exp(d.p1 + d.p2 * d.p2 / 2), m, 1e-12);
    ck_assert_rel(sqrt(exp(d.p2 * d.p2) - 1), cv, 1e-12);
    check_mean("lognormal", &d, (cv * m) * (cv * m));
    d = dist_lognormal(20000, 0.1);
    check_mean("lognormal narrow", &d, 2000.0 * 2000.0);
    d = dist_lognormal(3000, 0); /* cv 0: a constant */
    gsl_rng *r = rng_stream(4, "lognormal-cv0");
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(dist_sample(&d, r), 3000);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_gamma)
{
    dist d = dist_gamma(4000, 2.5);
    ck_assert_double_eq(dist_mean(&d), 4000);
    ck_assert_rel(d.p1 * d.p2, 4000, 1e-12); /* shape * scale */
    check_mean("gamma k=2.5", &d, 4000.0 * 4000.0 / 2.5);
    d = dist_gamma(4000, 0.5); /* shape < 1: GSL's other branch */
    check_mean("gamma k=0.5", &d, 4000.0 * 4000.0 / 0.5);
    d = dist_gamma(1000, 100);
    check_mean("gamma k=100", &d, 1000.0 * 1000.0 / 100);
}
END_TEST

START_TEST(test_empirical_equal)
{
    double v[] = {1000, 2000, 9000, 4000};
    dist d = dist_empirical(v, NULL, 4);
    ck_assert_double_eq_tol(dist_mean(&d), 4000, 1e-9);
    double var = 0;
    for (int i = 0; i < 4; i++)
        var += (v[i] - 4000) * (v[i] - 4000) / 4;
    check_mean("empirical", &d, var);
    /* only the given values, each about a quarter of the time */
    gsl_rng *r = rng_stream(5, "empirical-freq");
    int count[4] = {0};
    for (int i = 0; i < 40000; i++) {
        sim_time x = dist_sample(&d, r);
        int k = -1;
        for (int j = 0; j < 4; j++)
            if (x == (sim_time)v[j])
                k = j;
        ck_assert_msg(k >= 0, "empirical gave %lld, not one of its values", (long long)x);
        count[k]++;
    }
    for (int j = 0; j < 4; j++) /* binomial sd sqrt(40000 * 3/16) = 87 */
        ck_assert_msg(abs(count[j] - 10000) < 400, "value %g drawn %d times of 40000", v[j],
                      count[j]);
    gsl_rng_free(r);
    dist_free(&d);
    ck_assert_ptr_null(d.values);
    ck_assert_ptr_null(d.cum);
    dist_free(&d); /* twice is harmless */
}
END_TEST

START_TEST(test_empirical_weighted)
{
    double v[] = {1000, 3000, 10000, 50000}, w[] = {1, 2, 7, 0};
    dist d = dist_empirical(v, w, 4);
    double m = (1000 * 1 + 3000 * 2 + 10000 * 7) / 10.0;
    ck_assert_double_eq_tol(dist_mean(&d), m, 1e-9);
    ck_assert_double_eq(d.cum[3], 1.0);
    double var = 0;
    for (int i = 0; i < 4; i++)
        var += w[i] / 10 * (v[i] - m) * (v[i] - m);
    check_mean("empirical weighted", &d, var);
    gsl_rng *r = rng_stream(6, "empirical-zero-weight");
    for (int i = 0; i < 100000; i++)
        ck_assert_msg(dist_sample(&d, r) != 50000, "a value with weight 0 was drawn");
    gsl_rng_free(r);
    dist_free(&d);

    /* one value */
    double one = 7777;
    d = dist_empirical(&one, NULL, 1);
    r = rng_stream(6, "empirical-one");
    ck_assert_double_eq(dist_mean(&d), 7777);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(dist_sample(&d, r), 7777);
    gsl_rng_free(r);
    dist_free(&d);
}
END_TEST

START_TEST(test_empirical_copies_inputs)
{
    double v[] = {1000, 2000}, w[] = {1, 3};
    dist d = dist_empirical(v, w, 2);
    v[0] = v[1] = -1; /* the caller's arrays are not kept */
    w[0] = 100;
    ck_assert_double_eq(d.values[0], 1000);
    ck_assert_double_eq_tol(d.cum[0], 0.25, 1e-15);
    ck_assert_double_eq_tol(dist_mean(&d), 1750, 1e-9);
    dist_free(&d);
}
END_TEST

START_TEST(test_copy)
{
    double v[] = {1000, 2000, 3000};
    dist a = dist_empirical(v, NULL, 3);
    dist b = dist_copy(&a);
    ck_assert_ptr_ne(a.values, b.values);
    ck_assert_ptr_ne(a.cum, b.cum);
    ck_assert_int_eq(b.n, 3);
    ck_assert_double_eq(dist_mean(&b), dist_mean(&a));
    /* the copy draws the same sequence from the same stream */
    gsl_rng *ra = rng_stream(8, "copy"), *rb = rng_stream(8, "copy");
    sim_time xa[1000];
    for (int i = 0; i < 1000; i++)
        xa[i] = dist_sample(&a, ra);
    dist_free(&a); /* the copy outlives the original */
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(dist_sample(&b, rb), xa[i]);
    dist_free(&b);
    gsl_rng_free(ra);
    gsl_rng_free(rb);

    /* kinds without arrays copy by value */
    dist g = dist_gamma(5000, 3), h = dist_copy(&g);
    ck_assert_int_eq(h.kind, DIST_GAMMA);
    ck_assert_double_eq(h.p1, g.p1);
    ck_assert_double_eq(h.p2, g.p2);
    ck_assert_ptr_null(h.values);
    dist_free(&h);
}
END_TEST

START_TEST(test_never_negative)
{
    /* small means near 0, where rounding and clamping matter */
    dist ds[] = {dist_exp(0.3), dist_uniform(0, 1), dist_lognormal(0.5, 3), dist_gamma(0.2, 0.01),
                 dist_exp(0), dist_const(0)};
    gsl_rng *r = rng_stream(9, "nonneg");
    for (size_t k = 0; k < sizeof ds / sizeof ds[0]; k++)
        for (int i = 0; i < 20000; i++) {
            sim_time x = dist_sample(&ds[k], r);
            ck_assert_msg(x >= 0, "%s: sample %lld < 0", dist_kind_name(ds[k].kind), (long long)x);
        }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_kind_names)
{
    ck_assert_str_eq(dist_kind_name(DIST_CONST), "const");
    ck_assert_str_eq(dist_kind_name(DIST_EXP), "exp");
    ck_assert_str_eq(dist_kind_name(DIST_UNIFORM), "uniform");
    ck_assert_str_eq(dist_kind_name(DIST_LOGNORMAL), "lognormal");
    ck_assert_str_eq(dist_kind_name(DIST_GAMMA), "gamma");
    ck_assert_str_eq(dist_kind_name(DIST_EMPIRICAL), "empirical");
    ck_assert_str_eq(dist_kind_name((dist_kind)99), "?");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("dist");
    TCase *t = tcase_create("dist");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_const);
    tcase_add_test(t, test_exp);
    tcase_add_test(t, test_uniform);
    tcase_add_test(t, test_lognormal);
    tcase_add_test(t, test_gamma);
    tcase_add_test(t, test_empirical_equal);
    tcase_add_test(t, test_empirical_weighted);
    tcase_add_test(t, test_empirical_copies_inputs);
    tcase_add_test(t, test_copy);
    tcase_add_test(t, test_never_negative);
    tcase_add_test(t, test_kind_names);
    suite_add_tcase(s, t);
    return s;
}
