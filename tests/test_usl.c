/* USL fit: exact and noisy recovery, standard errors, boundary cases, errors. */
#include <gsl/gsl_randist.h>
#include <math.h>
#include <string.h>

#include "analysis/usl.h"
#include "sim/rng.h"
#include "tests/check_main.h"

#define NPTS 120

/* X(N) of the model with the given parameters. */
static double model(double lambda, double sigma, double kappa, double n)
{
    return lambda * n / (1 + sigma * (n - 1) + kappa * n * (n - 1));
}

/* Points N = 1..count with x = X(N) (1 + cv * gaussian) from stream `seed`. */
static void synth(double lambda, double sigma, double kappa, double cv, uint64_t seed, double *n,
                  double *x, int count)
{
    gsl_rng *r = rng_stream(seed, "test/usl/noise");
    for (int i = 0; i < count; i++) {
        n[i] = i + 1;
        x[i] = model(lambda, sigma, kappa, n[i]) * (1 + (cv > 0 ? gsl_ran_gaussian(r, cv) : 0));
    }
    gsl_rng_free(r);
}

/* |est - want| <= k * se, printing all numbers. */
#define ck_assert_within_se(name, est, want, se, k)                                               \
    ck_assert_msg(fabs((est) - (want)) <= (k) * (se),                                            \
                  "%s = %.9g, true %.9g: off by %.3g standard errors (se %.3g)", name, est, want, \
                  fabs((est) - (want)) / (se), se)

START_TEST(test_exact_recovery)
{
    double n[NPTS], x[NPTS];
    synth(1000, 0.05, 0.0005, 0, 1, n, x, NPTS);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, NPTS, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.converged, 1);
    ck_assert_int_eq(r.points, NPTS);
    ck_assert_rel(r.lambda, 1000, 1e-9);
    ck_assert_rel(r.sigma, 0.05, 1e-9);
    ck_assert_rel(r.kappa, 0.0005, 1e-9);
    ck_assert_rel(r.n_star, sqrt(0.95 / 0.0005), 1e-9);
    ck_assert_rel(r.peak, model(1000, 0.05, 0.0005, r.n_star), 1e-9);
    ck_assert_msg(r.rmse < 1e-6, "rmse %g", r.rmse);
    ck_assert_msg(r.r2 > 1 - 1e-12, "r2 %.17g", r.r2);
    ck_assert_msg(r.lambda_se < 1e-6 && r.sigma_se < 1e-12 && r.kappa_se < 1e-12,
                  "standard errors %g %g %g", r.lambda_se, r.sigma_se, r.kappa_se);
}
END_TEST

START_TEST(test_noisy_recovery)
{
    double n[NPTS], x[NPTS];
    synth(1000, 0.05, 0.0005, 0.02, 7, n, x, NPTS);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, NPTS, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.converged, 1);
    ck_assert(r.lambda_se > 0 && r.sigma_se > 0 && r.kappa_se > 0);
    ck_assert_within_se("lambda", r.lambda, 1000.0, r.lambda_se, 3);
    ck_assert_within_se("sigma", r.sigma, 0.05, r.sigma_se, 3);
    ck_assert_within_se("kappa", r.kappa, 0.0005, r.kappa_se, 3);
    ck_assert_rel(r.n_star, sqrt((1 - r.sigma) / r.kappa), 1e-12);
    ck_assert_rel(r.peak, usl_eval(&r, r.n_star), 1e-12);
    /* the peak is a maximum of the fitted curve */
    ck_assert(r.peak >= usl_eval(&r, r.n_star * 0.99) && r.peak >= usl_eval(&r, r.n_star * 1.01));
    ck_assert_msg(r.r2 > 0.95 && r.r2 < 1, "r2 %g", r.r2);
}
END_TEST

/* Over many noise draws the true value lies within 1 standard error about
 * 68% of the time and within 2 about 95%: the standard errors are
 * calibrated, neither too small nor too large. Here the noise is additive
 * (the homoscedastic case least squares assumes). With 200 draws the
 * bounds are about 3.5 binomial standard deviations from the nominal rates. */
START_TEST(test_stderr_coverage)
{
    enum { REPS = 200 };
    const double p[3] = {1000, 0.05, 0.0005};
    int in1[3] = {0, 0, 0}, in2[3] = {0, 0, 0};
    double n[NPTS], x[NPTS];
    for (int rep = 0; rep < REPS; rep++) {
        gsl_rng *g = rng_streamf(99, "test/usl/coverage/%d", rep);
        for (int i = 0; i < NPTS; i++) {
            n[i] = i + 1;
            x[i] = model(p[0], p[1], p[2], n[i]) + gsl_ran_gaussian(g, 100);
        }
        gsl_rng_free(g);
        usl_result r;
        vs_err err = {0};
        ck_assert_msg(usl_fit(n, x, NPTS, &r, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.converged, 1);
        const double est[3] = {r.lambda, r.sigma, r.kappa}, se[3] = {r.lambda_se, r.sigma_se,
                                                                     r.kappa_se};
        for (int k = 0; k < 3; k++) {
            in1[k] += fabs(est[k] - p[k]) <= se[k];
            in2[k] += fabs(est[k] - p[k]) <= 2 * se[k];
        }
    }
    for (int k = 0; k < 3; k++) {
        ck_assert_msg(in1[k] >= 0.56 * REPS && in1[k] <= 0.80 * REPS,
                      "parameter %d: %d of %d within 1 standard error", k, in1[k], REPS);
        ck_assert_msg(in2[k] >= 0.89 * REPS, "parameter %d: %d of %d within 2 standard errors", k,
                      in2[k], REPS);
    }
}
END_TEST

START_TEST(test_boundary_sigma_zero)
{
    /* True sigma = 0 on the boundary: reached, not crossed. */
    double n[NPTS], x[NPTS];
    synth(200, 0, 1e-4, 0, 1, n, x, NPTS);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, NPTS, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.converged, 1);
    ck_assert_msg(r.sigma >= 0 && r.sigma < 1e-8, "sigma %g", r.sigma);
    ck_assert_rel(r.lambda, 200, 1e-6);
    ck_assert_rel(r.kappa, 1e-4, 1e-5);
    ck_assert_rel(r.n_star, sqrt((1 - r.sigma) / r.kappa), 1e-12);
}
END_TEST

START_TEST(test_boundary_superlinear)
{
    /* Superlinear scaling: the unconstrained optimum has negative
     * coefficients; the constrained fit stays at >= 0 with finite errors. */
    double n[40], x[40];
    for (int i = 0; i < 40; i++) {
        n[i] = i + 1;
        x[i] = 50 * pow(n[i], 1.1);
    }
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, 40, &r, &err) == 0, "%s", err.msg);
    ck_assert(r.sigma >= 0 && r.kappa >= 0);
    ck_assert_msg(r.sigma < 1e-6, "sigma %g", r.sigma);
    ck_assert(isfinite(r.lambda_se) && isfinite(r.sigma_se) && isfinite(r.kappa_se));
    ck_assert_msg(r.sigma_se > 0, "sigma_se %g: the boundary does not zero the error",
                  r.sigma_se);
}
END_TEST

START_TEST(test_amdahl_kappa_zero)
{
    double n[64], x[64];
    synth(100, 0.1, 0, 0, 1, n, x, 64);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, 64, &r, &err) == 0, "%s", err.msg);
    ck_assert_rel(r.lambda, 100, 1e-6);
    ck_assert_rel(r.sigma, 0.1, 1e-6);
    ck_assert_msg(r.kappa < 1e-10, "kappa %g", r.kappa);
    ck_assert(r.n_star > 1000);

    usl_result m = {.lambda = 100, .sigma = 0.1, .kappa = 0};
    ck_assert_rel(usl_eval(&m, 1), 100, 1e-15);
    ck_assert_rel(usl_eval(&m, 11), 100 * 11 / 2.0, 1e-15);
}
END_TEST

START_TEST(test_three_points)
{
    double n[3] = {1, 4, 16}, x[3];
    for (int i = 0; i < 3; i++)
        x[i] = model(10, 0.1, 0.01, n[i]);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, 3, &r, &err) == 0, "%s", err.msg);
    ck_assert_rel(r.lambda, 10, 1e-7);
    ck_assert_rel(r.sigma, 0.1, 1e-6);
    ck_assert_rel(r.kappa, 0.01, 1e-6);
    ck_assert(isnan(r.lambda_se) && isnan(r.sigma_se) && isnan(r.kappa_se));
}
END_TEST

START_TEST(test_repeated_n)
{
    /* Replicates at each N are fine; the noise-free fit is still exact. */
    double n[30], x[30];
    for (int i = 0; i < 30; i++) {
        n[i] = 1 + i / 3 * 4;
        x[i] = model(500, 0.02, 0.001, n[i]);
    }
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, 30, &r, &err) == 0, "%s", err.msg);
    ck_assert_rel(r.lambda, 500, 1e-8);
    ck_assert_rel(r.sigma, 0.02, 1e-7);
    ck_assert_rel(r.kappa, 0.001, 1e-7);
}
END_TEST

START_TEST(test_errors)
{
    usl_result r;
    vs_err err = {0};
    double n2[] = {1, 2}, x2[] = {1, 2};
    ck_assert_int_eq(usl_fit(n2, x2, 2, &r, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "at least 3 points"), "%s", err.msg);

    double n3[] = {1, 2, 2, 1}, x3[] = {1, 2, 2, 1};
    ck_assert_int_eq(usl_fit(n3, x3, 4, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "3 distinct values of N, found 2"), "%s", err.msg);

    double n4[] = {1, 2, 3, 4}, x4[] = {1, 2, 0, 4};
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "point 2: throughput"), "%s", err.msg);

    x4[2] = -3;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    x4[2] = NAN;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    x4[2] = 3;
    n4[0] = 0;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "point 0: concurrency"), "%s", err.msg);
    n4[0] = -1;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    n4[0] = 0.5; /* N counts units: below 1 the denominator could vanish */
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "point 0: concurrency N must be a number in [1, 1e+09]"), "%s",
                  err.msg);
    n4[0] = 2e9;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    n4[0] = INFINITY;
    ck_assert_int_eq(usl_fit(n4, x4, 4, &r, &err), -1);
    ck_assert_int_eq(usl_fit(n4, x4, 0, &r, &err), -1);
    ck_assert_int_eq(usl_fit(n4, x4, -5, &r, &err), -1);
}
END_TEST

START_TEST(test_extreme_magnitudes)
{
    /* Throughputs near the ends of the double range fit as well as any:
     * the solver works on x / max(x). */
    const double scales[] = {1e-300, 1e-3, 1e300};
    double n[NPTS], x[NPTS];
    for (int s = 0; s < 3; s++) {
        synth(scales[s], 0.05, 0.0005, 0, 1, n, x, NPTS);
        usl_result r;
        vs_err err = {0};
        ck_assert_msg(usl_fit(n, x, NPTS, &r, &err) == 0, "%s", err.msg);
        ck_assert_int_eq(r.converged, 1);
        ck_assert_rel(r.lambda, scales[s], 1e-9);
        ck_assert_rel(r.sigma, 0.05, 1e-9);
        ck_assert_rel(r.kappa, 0.0005, 1e-9);
        ck_assert_rel(r.peak, model(scales[s], 0.05, 0.0005, r.n_star), 1e-9);
        ck_assert(isfinite(r.r2) && isfinite(r.rmse) && isfinite(r.lambda_se));
    }
    /* the largest allowed N */
    double nb[4] = {1, 1e3, 1e6, 1e9}, xb[4];
    for (int i = 0; i < 4; i++)
        xb[i] = model(2, 0.001, 1e-12, nb[i]);
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(nb, xb, 4, &r, &err) == 0, "%s", err.msg);
    ck_assert_rel(r.sigma, 0.001, 1e-6);
    ck_assert_rel(r.kappa, 1e-12, 1e-6);
}
END_TEST

START_TEST(test_flat_and_retrograde_data)
{
    /* Constant throughput (sigma = 1) and strongly retrograde data fit
     * without errors; n_star follows the documented conventions. */
    double n[10], x[10];
    for (int i = 0; i < 10; i++) {
        n[i] = i + 1;
        x[i] = 42;
    }
    usl_result r;
    vs_err err = {0};
    ck_assert_msg(usl_fit(n, x, 10, &r, &err) == 0, "%s", err.msg);
    ck_assert_rel(r.lambda, 42, 1e-6);
    ck_assert_rel(r.sigma, 1, 1e-5);
    ck_assert(r.n_star >= 1);
    ck_assert(isfinite(r.peak));
    for (int i = 0; i < 10; i++)
        x[i] = 100.0 / n[i] / n[i];
    ck_assert_msg(usl_fit(n, x, 10, &r, &err) == 0, "%s", err.msg);
    ck_assert(r.sigma >= 1 || r.kappa > 0);
    ck_assert(r.n_star >= 1 && isfinite(r.peak));
}
END_TEST

static Suite *make_suite(void)
{
    Suite *su = suite_create("usl");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_exact_recovery);
    tcase_add_test(tc, test_noisy_recovery);
    tcase_add_test(tc, test_stderr_coverage);
    tcase_add_test(tc, test_boundary_sigma_zero);
    tcase_add_test(tc, test_boundary_superlinear);
    tcase_add_test(tc, test_amdahl_kappa_zero);
    tcase_add_test(tc, test_three_points);
    tcase_add_test(tc, test_repeated_n);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_extreme_magnitudes);
    tcase_add_test(tc, test_flat_and_retrograde_data);
    suite_add_tcase(su, tc);
    return su;
}
