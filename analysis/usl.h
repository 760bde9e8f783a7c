/* usl.h - Universal Scalability Law fits.
 *
 * Gunther's USL models the throughput X at concurrency N (cores, threads,
 * vCPUs, clients) as
 *
 *     X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))
 *
 * lambda: throughput of one unit (the slope at N = 1),
 * sigma:  contention, the serialised fraction (Amdahl),
 * kappa:  coherency, the cost of pairwise crosstalk; kappa > 0 gives a peak
 *         at N* = sqrt((1 - sigma) / kappa) followed by retrograde scaling.
 *
 * usl_fit minimises the unweighted sum of squared throughput residuals
 * sum_i (X(N_i) - x_i)^2 with GSL's trust-region solver (Levenberg-Marquardt,
 * analytic Jacobian), starting from the linearised fit
 * N/X = 1/lambda + (sigma/lambda)(N - 1) + (kappa/lambda) N (N - 1).
 * It works on x / max(x), so throughputs of any magnitude fit alike.
 *
 * Constraint sigma, kappa >= 0: the solver works on (lambda, s, k) with
 * sigma = s^2 and kappa = k^2, so every iterate is feasible and an optimum
 * on the boundary is reached as s -> 0 or k -> 0 (where the reported value
 * is then ~0). A coefficient whose largest term in the denominator over
 * the data (sigma |N - 1|, kappa |N (N - 1)|) is below 1e-12 is reported as
 * exactly 0: s -> 0 converges only linearly, and such a value cannot be told
 * from 0 in double precision. lambda is free (positive data keep it positive).
 *
 * Standard errors are those of the reported (lambda, sigma, kappa):
 * cov = s2 (J^T J)^-1 with J the Jacobian of the model with respect to
 * (lambda, sigma, kappa) at the optimum and s2 = SS_res / (points - 3) the
 * residual variance (gsl_multifit_nlinear_covar). In the interior this is
 * exactly the delta method applied to the covariance of (lambda, s, k),
 * G C G^T with G = diag(1, 2s, 2k); unlike the literal delta method it
 * stays informative on the boundary, where 2s = 0 would report a standard
 * error of 0 for a parameter the data barely determine. */
#ifndef VMSIM_USL_H
#define VMSIM_USL_H

#include "sim/err.h"

#define USL_MAX_ITER 1000 /* solver iterations before giving up (converged = 0) */
#define USL_MAX_N 1e9     /* largest concurrency N accepted */

typedef struct usl_result {
    double lambda;    /* throughput of one unit, > 0 */
    double sigma;     /* contention coefficient, >= 0 */
    double kappa;     /* coherency coefficient, >= 0 */
    double lambda_se; /* standard error of lambda; NAN when points == 3 */
    double sigma_se;  /* standard error of sigma; NAN when points == 3 */
    double kappa_se;  /* standard error of kappa; NAN when points == 3 */
    double n_star;    /* concurrency N >= 1 of peak throughput: sqrt((1 - sigma) / kappa),
                         raised to 1 if below; INFINITY when kappa <= 0 and sigma < 1;
                         1 when sigma >= 1 (throughput never rises above X(1)) */
    double peak;      /* X(n_star); lambda / sigma (the asymptote) when n_star is
                         infinite, INFINITY when sigma = kappa = 0 too */
    double r2;        /* 1 - SS_res / SS_tot, <= 1; 1 if both are 0, 0 if only SS_tot is */
    double rmse;      /* sqrt(SS_res / points), in throughput units */
    int points;       /* number of points fitted */
    int iterations;   /* solver iterations */
    int converged;    /* 1 when the solver met its tolerances, 0 when it hit USL_MAX_ITER */
} usl_result;

/* Fits the USL to the `count` points (n[i], x[i]). Needs count >= 3, at
 * least 3 distinct n values, every n[i] in [1, USL_MAX_N] (N counts units;
 * with N >= 1 and sigma, kappa >= 0 the denominator is >= 1, so the model is
 * finite everywhere) and every x[i] finite and > 0; otherwise
 * returns -1 with an input error naming the first offending point (0-based
 * index). Returns 0 and fills *out when the solver ran, even if it did not
 * converge (out->converged says so: warn the user). Returns -1 with an
 * internal error if GSL fails. Temporarily disables the GSL error handler
 * (restores it before returning), so it is not thread-safe. */
int usl_fit(const double *n, const double *x, int count, usl_result *out, vs_err *err);

/* The fitted model's throughput at concurrency n. Cannot fail. */
double usl_eval(const usl_result *r, double n);

#endif
