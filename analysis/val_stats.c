/* val_stats.c - the error math of a validation: normalisation, per-row
 * mean and 95% CI, MAPE, RMSE, coverage, USL fits (see validate.h). */
#include "analysis/val_int.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/summary.h"
#include "sim/mem.h"

void val_summarize(const double *measured, const double *mean, const double *half,
                   const int *skip, int n, val_summary *s)
{
    memset(s, 0, sizeof *s);
    double se = 0, ape = 0;
    for (int i = 0; i < n; i++) {
        if (skip && skip[i]) {
            s->refs++;
            continue;
        }
        double d = mean[i] - measured[i];
        s->points++;
        se += d * d;
        s->inside += fabs(d) <= half[i];
        if (measured[i] != 0) {
            ape += fabs(d / measured[i]);
            s->mape_points++;
        }
    }
    s->mape = s->mape_points ? 100 * ape / s->mape_points : NAN;
    s->rmse = s->points ? sqrt(se / s->points) : NAN;
    s->coverage = s->points ? (double)s->inside / s->points : NAN;
}

/* The reference row of every group under FIRST, into ref[ngroups]: the
 * smallest x (the first row in CSV order without an x axis or among equal
 * x). One pass. */
static void val_first_rows(const val_report *r, int *ref)
{
    for (int g = 0; g < r->ngroups; g++)
        ref[g] = -1;
    for (int i = 0; i < r->nrows; i++) {
        int g = r->rows[i].group;
        if (ref[g] < 0 || (!isnan(r->rows[i].x) && r->rows[i].x < r->rows[ref[g]].x))
            ref[g] = i;
    }
}

/* The reference row of every row under CURVE, into ref[nrows]: the row of
 * the group named norm_ref at the same x. Errors name the missing series or
 * row. */
static int val_curve_rows(const val_report *r, int *ref, vs_err *err)
{
    int gref = -1;
    if (!r->norm_ref)
        return err_input(err, "%s: --normalize curve needs the series to divide by "
                              "(curve:AXIS=VALUE)",
                         r->measured_file);
    for (int g = 0; g < r->ngroups && gref < 0; g++)
        if (!strcmp(r->groups[g], r->norm_ref))
            gref = g;
    if (gref < 0) {
        char list[1024] = "";
        for (int g = 0; g < r->ngroups; g++)
            val_cat(list, sizeof list, "%s%s", g ? ", " : "", r->groups[g]);
        return err_input(err, "%s: --normalize curve:%s: no such series; the series are: %s",
                         r->measured_file, r->norm_ref, list);
    }
    if (!r->xname)
        return err_input(err, "%s: --normalize curve:%s needs an x axis (the rows are one series)",
                         r->measured_file, r->norm_ref);
    for (int i = 0; i < r->nrows; i++) {
        ref[i] = r->rows[i].group == gref ? i : -1; /* the reference's rows: their own */
        for (int j = 0; j < r->nrows && ref[i] < 0; j++)
            if (r->rows[j].group == gref && r->rows[j].x == r->rows[i].x)
                ref[i] = j;
        if (ref[i] < 0)
            return err_input(err, "%s:%d: %s: no row of %s at %s = %g to divide by",
                             r->measured_file, r->rows[i].line, r->rows[i].desc, r->norm_ref,
                             r->xname, r->rows[i].x);
    }
    return 0;
}

int val_norm_check(const val_report *r, vs_err *err)
{
    if (r->norm != VAL_NORM_CURVE)
        return 0;
    int *ref = vs_xcalloc((size_t)r->nrows + 1, sizeof(int));
    int rc = val_curve_rows(r, ref, err);
    free(ref);
    return rc;
}

/* What FIRST and CURVE divide by, for messages. */
static const char *val_norm_by(const val_report *r)
{
    return r->norm == VAL_NORM_CURVE ? r->norm_ref : "its first point";
}

/* Normalises the samples of row i into out (its n_used values); rowref[i]
 * is its reference row under FIRST and CURVE. */
static int val_norm_samples(val_report *r, int i, const double *gscale, const int *rowref,
                            double *out, vs_err *err)
{
    val_row *w = &r->rows[i];
    w->n_used = 0;
    if (r->norm != VAL_NORM_FIRST && r->norm != VAL_NORM_CURVE) {
        double d = r->norm == VAL_NORM_MAX ? gscale[w->group] : 1;
        for (int j = 0; j < w->n; j++)
            out[w->n_used++] = w->samples[j] / d;
        return 0;
    }
    const val_row *ref = &r->rows[rowref[i]];
    for (int j = 0; j < w->n; j++)
        for (int k = 0; k < ref->n; k++) {
            if (ref->seeds[k] != w->seeds[j])
                continue;
            if (ref->samples[k] == 0)
                return err_input(err, "%s:%d: cannot normalise %s by %s: the predicted %s is "
                                      "0 there (seed %lld)",
                                 r->measured_file, ref->line, r->groups[w->group], val_norm_by(r),
                                 r->metric,
                                 (long long)ref->seeds[k]);
            out[w->n_used++] = w->samples[j] / ref->samples[k];
            break;
        }
    if (w->n_used == 0)
        return err_input(err, "%s:%d: %s: no seed in common with the reference point (line %d)",
                         r->measured_file, w->line, w->desc, ref->line);
    return 0;
}

/* USL fits of one series; records why a fit does not run. */
static void val_fit_series(const double *x, const double *y, int n, int *ok, usl_result *res,
                           char *why, size_t wn)
{
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = x[j] == x[i];
        distinct += !seen;
    }
    *ok = 0;
    if (distinct < 3) {
        snprintf(why, wn, "%d distinct x values; the fit needs 3", distinct);
        return;
    }
    vs_err e = {0};
    if (usl_fit(x, y, n, res, &e)) {
        snprintf(why, wn, "%s", e.msg);
        return;
    }
    *ok = 1;
    why[0] = 0;
}

static void val_fits(val_report *r)
{
    free(r->fits);
    r->fits = NULL;
    r->nfits = 0;
    if (!r->xname)
        return;
    r->fits = vs_xcalloc((size_t)r->ngroups, sizeof *r->fits);
    double *x = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *y = vs_xcalloc((size_t)r->nrows, sizeof(double));
    for (int g = 0; g < r->ngroups; g++) {
        val_fit *f = &r->fits[r->nfits++];
        f->group = g;
        for (int s = 0; s < 2; s++) {
            int n = 0;
            for (int i = 0; i < r->nrows; i++) {
                const val_row *w = &r->rows[i];
                if (w->group != g)
                    continue;
                int dup = 0; /* predicted: one point per x (rows at one x share the runs) */
                for (int j = 0; s == 1 && j < n && !dup; j++)
                    dup = x[j] == w->x;
                if (dup)
                    continue;
                x[n] = w->x;
                y[n++] = s == 0 ? w->measured : w->mean;
            }
            val_fit_series(x, y, n, &f->ok[s], &f->r[s], f->why[s], sizeof f->why[s]);
        }
    }
    free(x);
    free(y);
}

int val_compute(val_report *r, vs_err *err)
{
    for (int i = 0; i < r->nrows; i++)
        if (r->rows[i].n < 1)
            return err_input(err, "%s:%d: %s: no predicted value", r->measured_file,
                             r->rows[i].line, r->rows[i].desc);
    /* Per group: MAX divides by the largest value, FIRST by the reference row's */
    double *mscale = vs_xcalloc((size_t)r->ngroups + 1, sizeof(double));
    double *pscale = vs_xcalloc((size_t)r->ngroups + 1, sizeof(double));
    double *meas = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *mean = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *half = vs_xcalloc((size_t)r->nrows, sizeof(double));
    int *skip = vs_xcalloc((size_t)r->nrows, sizeof(int));
    int *refs = vs_xcalloc((size_t)r->ngroups + 1, sizeof(int));
    int *rowref = vs_xcalloc((size_t)r->nrows + 1, sizeof(int));
    double *buf = NULL;
    int rc = -1;
    val_first_rows(r, refs);
    for (int i = 0; i < r->nrows; i++)
        rowref[i] = refs[r->rows[i].group];
    if (r->norm == VAL_NORM_CURVE && val_curve_rows(r, rowref, err))
        goto out;
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        w->mean_raw = gsl_stats_mean(w->samples, 1, (size_t)w->n);
        w->ref = 0;
        int g = w->group, first = refs[g] >= 0 && skip[refs[g]] == 0;
        if (first) /* skip[] marks the groups seen so far, at their reference row */
            skip[refs[g]] = 1;
        if (first || w->measured_raw > mscale[g])
            mscale[g] = w->measured_raw;
        if (first || w->mean_raw > pscale[g])
            pscale[g] = w->mean_raw;
    }
    memset(skip, 0, (size_t)r->nrows * sizeof(int));
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        double d = 1;
        if (r->norm == VAL_NORM_MAX) {
            d = mscale[w->group];
            if (d == 0 || pscale[w->group] == 0) {
                err_input(err, "%s: cannot normalise %s by its largest value: it is 0 (%s)",
                          r->measured_file, r->groups[w->group],
                          d == 0 ? "measured" : "predicted");
                goto out;
            }
        } else if (r->norm == VAL_NORM_FIRST || r->norm == VAL_NORM_CURVE) {
            int ref = rowref[i];
            d = r->rows[ref].measured_raw;
            w->ref = ref == i;
            if (d == 0) {
                err_input(err, "%s:%d: cannot normalise %s by %s: the measured value is 0 there",
                          r->measured_file, r->rows[ref].line, r->groups[w->group],
                          val_norm_by(r));
                goto out;
            }
        }
        w->measured = w->measured_raw / d;
    }
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        buf = vs_xreallocarray(buf, (size_t)w->n, sizeof(double));
        if (val_norm_samples(r, i, pscale, rowref, buf, err))
            goto out;
        summ_ci95(buf, w->n_used, &w->mean, &w->half);
        w->sd = w->n_used > 1 ? gsl_stats_sd_m(buf, 1, (size_t)w->n_used, w->mean) : 0;
        w->abs_err = fabs(w->mean - w->measured);
        w->rel_err = w->measured != 0 ? (w->mean - w->measured) / w->measured : NAN;
        w->inside = w->abs_err <= w->half;
        meas[i] = w->measured;
        mean[i] = w->mean;
        half[i] = w->half;
        skip[i] = w->ref;
    }
    val_summarize(meas, mean, half, skip, r->nrows, &r->sum);
    if (r->norm == VAL_NORM_CURVE) { /* ratios between curves are no scaling series */
        free(r->fits);
        r->fits = NULL;
        r->nfits = 0;
    } else {
        val_fits(r);
    }
    rc = 0;
out:
    free(buf);
    free(rowref);
    free(refs);
    free(mscale);
    free(pscale);
    free(meas);
    free(mean);
    free(half);
    free(skip);
    return rc;
}

