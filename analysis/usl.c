/* usl.c - Universal Scalability Law fit (see usl.h for the model, the
 * constraint and how standard errors are computed). */
#include "analysis/usl.h"

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

/* Solver tolerances: relative step size, scaled gradient, relative cost
 * change (0 disables the last test, which stops too early on flat costs). */
#define USL_XTOL 1e-12
#define USL_GTOL 1e-12
#define USL_FTOL 0.0

/* The data handed to the residual and Jacobian callbacks. */
typedef struct usl_data {
    const double *n; /* concurrency of each point */
    const double *x; /* observed throughput of each point */
    size_t count;    /* number of points */
} usl_data;

/* The denominator 1 + sigma (N - 1) + kappa N (N - 1). */
static double usl_den(double sigma, double kappa, double n)
{
    return 1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0);
}

double usl_eval(const usl_result *r, double n)
{
    return r->lambda * n / usl_den(r->sigma, r->kappa, n);
}

/* Residuals f_i = X(N_i) - x_i for theta = (lambda, s, k). */
static int usl_f(const gsl_vector *th, void *params, gsl_vector *f)
{
    const usl_data *d = params;
    double lambda = gsl_vector_get(th, 0), s = gsl_vector_get(th, 1), k = gsl_vector_get(th, 2);
    for (size_t i = 0; i < d->count; i++) {
        double v = lambda * d->n[i] / usl_den(s * s, k * k, d->n[i]) - d->x[i];
        if (!isfinite(v))
            return GSL_EBADFUNC;
        gsl_vector_set(f, i, v);
    }
    return GSL_SUCCESS;
}

/* Jacobian of the model with respect to (lambda, sigma, kappa) at row i
 * into j[3]. */
static void usl_jac_natural(double lambda, double sigma, double kappa, double n, double j[3])
{
    double den = usl_den(sigma, kappa, n);
    double x = lambda * n / den;
    j[0] = n / den;
    j[1] = -x * (n - 1.0) / den;
    j[2] = -x * n * (n - 1.0) / den;
}

/* Jacobian with respect to theta = (lambda, s, k): chain rule through
 * sigma = s^2, kappa = k^2. */
static int usl_df(const gsl_vector *th, void *params, gsl_matrix *J)
{
    const usl_data *d = params;
    double lambda = gsl_vector_get(th, 0), s = gsl_vector_get(th, 1), k = gsl_vector_get(th, 2);
    for (size_t i = 0; i < d->count; i++) {
        double j[3];
        usl_jac_natural(lambda, s * s, k * k, d->n[i], j);
        gsl_matrix_set(J, i, 0, j[0]);
        gsl_matrix_set(J, i, 1, j[1] * 2.0 * s);
        gsl_matrix_set(J, i, 2, j[2] * 2.0 * k);
    }
    return GSL_SUCCESS;
}

static int usl_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Checks the points; fills err and returns -1 on bad input. */
static int usl_check(const double *n, const double *x, int count, vs_err *err)
{
    if (count < 3)
        return err_input(err, "USL fit: need at least 3 points, got %d", count < 0 ? 0 : count);
    for (int i = 0; i < count; i++) {
        if (!(n[i] >= 1 && n[i] <= USL_MAX_N))
            return err_input(err, "USL fit: point %d: concurrency N must be a number in [1, %g], "
                                  "found %g",
                             i, USL_MAX_N, n[i]);
        if (!isfinite(x[i]) || x[i] <= 0)
            return err_input(err, "USL fit: point %d: throughput must be a finite number > 0, "
                                  "found %g",
                             i, x[i]);
    }
    double *sorted = vs_xmalloc((size_t)count * sizeof *sorted);
    memcpy(sorted, n, (size_t)count * sizeof *sorted);
    qsort(sorted, (size_t)count, sizeof *sorted, usl_cmp_double);
    int distinct = 1;
    for (int i = 1; i < count; i++)
        distinct += sorted[i] != sorted[i - 1];
    free(sorted);
    if (distinct < 3)
        return err_input(err, "USL fit: need at least 3 distinct values of N, found %d", distinct);
    return 0;
}

/* Starting values. First the linearised model
 *     N/X = c0 + c1 (N - 1) + c2 N (N - 1),  lambda = 1/c0, sigma = c1/c0, kappa = c2/c0
 * by linear least squares (exact on noise-free data; columns scaled by the
 * largest N for conditioning). If that gives c0 <= 0 (noise), lambda comes
 * from the points at the smallest N, as X/N there. Either way sigma and kappa
 * are raised to small positive floors: s = 0 or k = 0 would be a stationary
 * point of the squared parametrisation that the solver could not leave. */
static void usl_start(const double *n, const double *x, int count, double th[3])
{
    size_t m = (size_t)count;
    double nmax = 0, nmin = INFINITY;
    for (size_t i = 0; i < m; i++) {
        nmax = fmax(nmax, n[i]);
        nmin = fmin(nmin, n[i]);
    }
    double lambda = NAN, sigma = NAN, kappa = NAN;
    gsl_matrix *A = gsl_matrix_alloc(m, 3);
    gsl_vector *y = gsl_vector_alloc(m), *c = gsl_vector_alloc(3);
    gsl_matrix *cov = gsl_matrix_alloc(3, 3);
    gsl_multifit_linear_workspace *w = gsl_multifit_linear_alloc(m, 3);
    if (A && y && c && cov && w) {
        for (size_t i = 0; i < m; i++) {
            gsl_matrix_set(A, i, 0, 1.0);
            gsl_matrix_set(A, i, 1, (n[i] - 1.0) / nmax);
            gsl_matrix_set(A, i, 2, n[i] * (n[i] - 1.0) / (nmax * nmax));
            gsl_vector_set(y, i, n[i] / x[i]);
        }
        double chisq;
        if (gsl_multifit_linear(A, y, c, cov, &chisq, w) == GSL_SUCCESS) {
            double c0 = gsl_vector_get(c, 0);
            if (c0 > 0 && isfinite(c0)) {
                lambda = 1.0 / c0;
                sigma = gsl_vector_get(c, 1) / nmax / c0;
                kappa = gsl_vector_get(c, 2) / (nmax * nmax) / c0;
            }
        }
    }
    if (w)
        gsl_multifit_linear_free(w);
    gsl_matrix_free(A);
    gsl_matrix_free(cov);
    gsl_vector_free(y);
    gsl_vector_free(c);
    if (!isfinite(lambda) || !isfinite(sigma) || !isfinite(kappa)) {
        double sum = 0;
        int k = 0;
        for (size_t i = 0; i < m; i++)
            if (n[i] == nmin) {
                sum += x[i] / n[i];
                k++;
            }
        lambda = sum / k;
        sigma = kappa = 0;
    }
    double sigma_floor = 1e-4, kappa_floor = 1e-4 / (nmax * nmax);
    th[0] = lambda;
    th[1] = sqrt(fmax(sigma, sigma_floor));
    th[2] = sqrt(fmax(kappa, kappa_floor));
}

/* Snaps sigma and kappa to exactly 0 when their largest contribution to
 * the denominator over the data, sigma |N - 1| or kappa |N (N - 1)|, is
 * below USL_ZERO: with sigma = s^2 the solver only approaches the boundary
 * (s -> 0 converges linearly), and such a value is indistinguishable from 0
 * in double precision anyway. Without the snap, linear data would report a
 * finite n_star of 1e11 instead of INFINITY. */
#define USL_ZERO 1e-12
static void usl_snap(const double *n, int count, usl_result *r)
{
    double a = 0, b = 0;
    for (int i = 0; i < count; i++) {
        a = fmax(a, fabs(n[i] - 1.0));
        b = fmax(b, fabs(n[i] * (n[i] - 1.0)));
    }
    if (r->sigma * a < USL_ZERO)
        r->sigma = 0;
    if (r->kappa * b < USL_ZERO)
        r->kappa = 0;
}

/* Fills the derived fields of r (n_star, peak) from lambda, sigma, kappa.
 * The model is meant for N >= 1 (for sigma > 1 its denominator vanishes
 * between 0 and 1), so the peak is searched over N >= 1. */
static void usl_derive(usl_result *r)
{
    if (r->sigma >= 1.0) {
        r->n_star = 1.0;
        r->peak = r->lambda;
    } else if (r->kappa > 0) {
        r->n_star = fmax(1.0, sqrt((1.0 - r->sigma) / r->kappa));
        r->peak = usl_eval(r, r->n_star);
    } else {
        r->n_star = INFINITY;
        r->peak = r->sigma > 0 ? r->lambda / r->sigma : INFINITY;
    }
}

/* Standard errors of (lambda, sigma, kappa) from the natural-parameter
 * Jacobian and the residual variance. Returns -1 if GSL fails. */
static int usl_stderr(const double *n, int count, double ss_res, usl_result *r)
{
    if (count <= 3) {
        r->lambda_se = r->sigma_se = r->kappa_se = NAN;
        return 0;
    }
    gsl_matrix *J = gsl_matrix_alloc((size_t)count, 3), *cov = gsl_matrix_alloc(3, 3);
    int rc = -1;
    if (J && cov) {
        for (int i = 0; i < count; i++) {
            double j[3];
            usl_jac_natural(r->lambda, r->sigma, r->kappa, n[i], j);
            for (int c = 0; c < 3; c++)
                gsl_matrix_set(J, (size_t)i, (size_t)c, j[c]);
        }
        if (gsl_multifit_nlinear_covar(J, 0.0, cov) == GSL_SUCCESS) {
            double s2 = ss_res / (count - 3);
            r->lambda_se = sqrt(s2 * gsl_matrix_get(cov, 0, 0));
            r->sigma_se = sqrt(s2 * gsl_matrix_get(cov, 1, 1));
            r->kappa_se = sqrt(s2 * gsl_matrix_get(cov, 2, 2));
            rc = 0;
        }
    }
    gsl_matrix_free(J);
    gsl_matrix_free(cov);
    return rc;
}

int usl_fit(const double *n, const double *x, int count, usl_result *out, vs_err *err)
{
    memset(out, 0, sizeof *out);
    if (usl_check(n, x, count, err) < 0)
        return -1;
    gsl_error_handler_t *old_handler = gsl_set_error_handler_off();
    size_t m = (size_t)count;
    /* The fit runs on x / max(x), so that throughputs of any magnitude
     * (1e-300 or 1e300) neither underflow nor overflow when squared; only
     * lambda and the quantities in throughput units scale back. */
    double xscale = 0;
    for (size_t i = 0; i < m; i++)
        xscale = fmax(xscale, x[i]);
    double *xs = vs_xmalloc(m * sizeof *xs);
    for (size_t i = 0; i < m; i++)
        xs[i] = x[i] / xscale;
    x = xs;
    usl_data d = {n, x, m};
    gsl_multifit_nlinear_fdf fdf = {
        .f = usl_f, .df = usl_df, .fvv = NULL, .n = m, .p = 3, .params = &d};
    gsl_multifit_nlinear_parameters par = gsl_multifit_nlinear_default_parameters();
    gsl_multifit_nlinear_workspace *w =
        gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, m, 3);
    int rc = -1;
    if (!w) {
        err_internal(err, "USL fit: cannot allocate the GSL solver for %d points", count);
        goto out;
    }
    double th0[3];
    usl_start(n, x, count, th0);
    gsl_vector_view v0 = gsl_vector_view_array(th0, 3);
    int st = gsl_multifit_nlinear_init(&v0.vector, &fdf, w);
    if (st != GSL_SUCCESS) {
        err_internal(err, "USL fit: solver initialisation failed: %s", gsl_strerror(st));
        goto out;
    }
    int info = 0;
    st = gsl_multifit_nlinear_driver(USL_MAX_ITER, USL_XTOL, USL_GTOL, USL_FTOL, NULL, NULL, &info,
                                     w);
    /* GSL_ENOPROG: no step reduces the cost any further, i.e. the minimum is
     * reached to machine precision (typical on noise-free data). */
    if (st != GSL_SUCCESS && st != GSL_EMAXITER && st != GSL_ENOPROG) {
        err_internal(err, "USL fit: solver failed: %s", gsl_strerror(st));
        goto out;
    }
    const gsl_vector *th = gsl_multifit_nlinear_position(w);
    double s = gsl_vector_get(th, 1), k = gsl_vector_get(th, 2);
    out->lambda = gsl_vector_get(th, 0);
    out->sigma = s * s;
    out->kappa = k * k;
    out->points = count;
    out->iterations = (int)gsl_multifit_nlinear_niter(w);
    out->converged = st != GSL_EMAXITER;
    usl_snap(n, count, out);

    double mean = 0, ss_res = 0, ss_tot = 0;
    for (size_t i = 0; i < m; i++)
        mean += x[i];
    mean /= (double)m;
    for (size_t i = 0; i < m; i++) {
        double r = usl_eval(out, n[i]) - x[i];
        ss_res += r * r;
        ss_tot += (x[i] - mean) * (x[i] - mean);
    }
    out->rmse = sqrt(ss_res / (double)m);
    out->r2 = ss_tot > 0 ? 1.0 - ss_res / ss_tot : (ss_res == 0 ? 1.0 : 0.0);
    usl_derive(out);
    if (usl_stderr(n, count, ss_res, out) < 0) {
        err_internal(err, "USL fit: covariance matrix computation failed");
        goto out;
    }
    out->lambda *= xscale;
    out->lambda_se *= xscale;
    out->peak *= xscale;
    out->rmse *= xscale;
    rc = 0;
out:
    if (w)
        gsl_multifit_nlinear_free(w);
    free(xs);
    gsl_set_error_handler(old_handler);
    if (rc < 0)
        memset(out, 0, sizeof *out);
    return rc;
}
