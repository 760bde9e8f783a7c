/* val_report.c - the output of a validation: the terminal table,
 * validation.json and validation.csv, and the sensitivity table and files
 * (see analysis/validate.h). */
#include "analysis/val_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csv.h"
#include "config/scenario.h"
#include "output/jsonw.h"
#include "output/tables.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

/* A number as the table shows it: 5 significant digits, "-" when missing. */
const char *val_fmt(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.5g", v);
    return buf;
}

/* The seeds of the rows: "3 seeds" or "2-3 seeds". */
static const char *val_seed_range(const val_report *r, char *buf, size_t n)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < r->nrows; i++) {
        int k = r->rows[i].n;
        lo = i == 0 || k < lo ? k : lo;
        hi = i == 0 || k > hi ? k : hi;
    }
    if (lo == hi)
        snprintf(buf, n, "%d seed%s", lo, lo == 1 ? "" : "s");
    else
        snprintf(buf, n, "%d-%d seeds", lo, hi);
    return buf;
}

#define VAL_TCOLS 64 /* table columns at most (the axes are cut beyond) */

void val_print(FILE *f, const val_report *r)
{
    char b[64], b2[64], seeds[64];
    int raw = r->norm != VAL_NORM_NONE;
    fprintf(f, "Validation of %s against %s: metric %s, normalize %s%s%s%s%s\n", r->scenario_file,
            r->measured_file, r->metric, val_norm_name(r->norm), r->norm_ref ? ":" : "",
            r->norm_ref ? r->norm_ref : "", r->xname ? ", x = " : "", r->xname ? r->xname : "");
    fprintf(f, "Predictions: %s, %s per point\n\n", r->source, val_seed_range(r, seeds,
                                                                                sizeof seeds));
    /* Cells as text first, then column widths */
    int na = r->naxes < VAL_TCOLS - 12 ? r->naxes : VAL_TCOLS - 12;
    int nc = 1 + na + 6 + 2 * raw;
    const char *head[VAL_TCOLS];
    int c = 0;
    head[c++] = "line";
    for (int a = 0; a < na; a++)
        head[c++] = r->axis_names[a];
    head[c++] = "measured";
    head[c++] = "predicted";
    head[c++] = "95% CI";
    head[c++] = "abs err";
    head[c++] = "rel err";
    head[c++] = "in CI";
    if (raw) {
        head[c++] = "measured raw";
        head[c++] = "predicted raw";
    }
    char ***cell = vs_xcalloc((size_t)r->nrows, sizeof(char **));
    int width[VAL_TCOLS];
    for (c = 0; c < nc; c++)
        width[c] = (int)strlen(head[c]);
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        char t[VAL_TCOLS][300];
        c = 0;
        snprintf(t[c++], sizeof t[0], "%d", w->line);
        for (int a = 0; a < na; a++)
            snprintf(t[c++], sizeof t[0], "%s", w->axis_text[a]);
        val_fmt(w->measured, t[c++], sizeof t[0]);
        val_fmt(w->mean, t[c++], sizeof t[0]);
        snprintf(t[c++], sizeof t[0], "%s .. %s", val_fmt(w->mean - w->half, b, sizeof b),
                 val_fmt(w->mean + w->half, b2, sizeof b2));
        val_fmt(w->abs_err, t[c++], sizeof t[0]);
        if (isnan(w->rel_err))
            snprintf(t[c++], sizeof t[0], "-");
        else
            snprintf(t[c++], sizeof t[0], "%+.1f%%", 100 * w->rel_err);
        snprintf(t[c++], sizeof t[0], "%s", w->ref ? "ref" : w->inside ? "yes" : "no");
        if (raw) {
            val_fmt(w->measured_raw, t[c++], sizeof t[0]);
            val_fmt(w->mean_raw, t[c++], sizeof t[0]);
        }
        cell[i] = vs_xcalloc((size_t)nc, sizeof(char *));
        for (c = 0; c < nc; c++) {
            cell[i][c] = vs_xstrdup(t[c]);
            int l = (int)strlen(t[c]);
            width[c] = l > width[c] ? l : width[c];
        }
    }
    for (c = 0; c < nc; c++) {
        int left = c >= 1 && c <= na;
        fprintf(f, "%s%*s", c ? "  " : "", left ? -width[c] : width[c], head[c]);
    }
    fputc('\n', f);
    for (int i = 0; i < r->nrows; i++) {
        for (c = 0; c < nc; c++) {
            /* numbers right-aligned, texts (axes) left-aligned */
            int left = c >= 1 && c <= na;
            fprintf(f, "%s%*s", c ? "  " : "", left ? -width[c] : width[c], cell[i][c]);
            free(cell[i][c]);
        }
        fputc('\n', f);
        free(cell[i]);
    }
    free(cell);
    const val_summary *s = &r->sum;
    fputc('\n', f);
    if (s->points == 0) {
        fprintf(f, "No point to compare (%d reference point%s).\n", s->refs,
                s->refs == 1 ? "" : "s");
    } else {
        fprintf(f, "%d point%s", s->points, s->points == 1 ? "" : "s");
        if (s->refs)
            fprintf(f, " (%d reference point%s of the normalisation left out)", s->refs,
                    s->refs == 1 ? "" : "s");
        fprintf(f, ": MAPE %s%%, RMSE %s, inside the 95%% CI %d of %d (%.0f%%)\n",
                val_fmt(s->mape, b, sizeof b), val_fmt(s->rmse, b2, sizeof b2), s->inside,
                s->points, 100 * s->coverage);
    }
    if (!r->nfits)
        return;
    fprintf(f, "\nUSL fits along %s, X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)):\n",
            r->xname);
    for (int k = 0; k < r->nfits; k++) {
        const val_fit *fit = &r->fits[k];
        fprintf(f, "  %s\n", r->groups[fit->group]);
        for (int s2 = 0; s2 < 2; s2++) {
            fprintf(f, "    %-10s ", s2 ? "predicted" : "measured");
            if (!fit->ok[s2]) {
                fprintf(f, "no fit: %s\n", fit->why[s2]);
                continue;
            }
            const usl_result *u = &fit->r[s2];
            char n1[64];
            if (isfinite(u->n_star))
                snprintf(n1, sizeof n1, "%.4g", u->n_star);
            else
                snprintf(n1, sizeof n1, "inf");
            fprintf(f, "lambda %-10.4g sigma %-10.4g kappa %-10.4g N* %-8s R^2 %.4f%s\n",
                    u->lambda, u->sigma, u->kappa, n1, u->r2,
                    u->converged ? "" : " (did not converge)");
        }
    }
}

/* A JSON number, or null when it is not finite. */
static json_t *val_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *val_summary_json(const val_summary *s)
{
    return json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:i}", "points", s->points, "reference_points",
                     s->refs, "inside_ci", s->inside, "mape_pct", val_jnum(s->mape), "rmse",
                     val_jnum(s->rmse), "coverage", val_jnum(s->coverage), "mape_points",
                     s->mape_points);
}

static json_t *val_usl_json(const val_fit *f, int s)
{
    if (!f->ok[s])
        return json_pack("{s:s}", "error", f->why[s]);
    const usl_result *u = &f->r[s];
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:b}", "lambda",
                     val_jnum(u->lambda), "sigma", val_jnum(u->sigma), "kappa", val_jnum(u->kappa),
                     "lambda_se", val_jnum(u->lambda_se), "sigma_se", val_jnum(u->sigma_se),
                     "kappa_se", val_jnum(u->kappa_se), "n_star", val_jnum(u->n_star), "peak",
                     val_jnum(u->peak), "r2", val_jnum(u->r2), "rmse", val_jnum(u->rmse),
                     "points", u->points, "converged", u->converged);
}

/* One row as JSON; full adds the raw values, the seeds and the samples. */
static json_t *val_row_json(const val_report *r, const val_row *w, int full)
{
    json_t *axes = json_object();
    for (int a = 0; a < r->naxes; a++)
        json_object_set_new(axes, r->axis_names[a], sc_parse_value(w->axis_text[a]));
    json_t *o = json_pack("{s:i,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}", "line",
                          w->line, "axes", axes, "group", r->groups[w->group], "measured",
                          val_jnum(w->measured), "predicted_mean", val_jnum(w->mean),
                          "predicted_sd", val_jnum(w->sd), "ci95_half", val_jnum(w->half), "ci_lo",
                          val_jnum(w->mean - w->half), "ci_hi", val_jnum(w->mean + w->half),
                          "abs_error", val_jnum(w->abs_err), "rel_error", val_jnum(w->rel_err),
                          "inside_ci", w->inside, "reference", w->ref);
    if (!o || !full)
        return o;
    json_object_set_new(o, "x", val_jnum(w->x));
    json_object_set_new(o, "n", json_integer(w->n_used));
    json_object_set_new(o, "measured_raw", val_jnum(w->measured_raw));
    json_object_set_new(o, "predicted_mean_raw", val_jnum(w->mean_raw));
    json_t *sd = json_array(), *sm = json_array();
    for (int j = 0; j < w->n; j++) {
        json_array_append_new(sd, json_integer(w->seeds[j]));
        json_array_append_new(sm, val_jnum(w->samples[j]));
    }
    json_object_set_new(o, "seeds", sd);
    json_object_set_new(o, "samples_raw", sm);
    return o;
}

json_t *val_report_json(const val_report *r)
{
    json_t *rows = json_array(), *fits = json_array();
    for (int i = 0; i < r->nrows; i++)
        json_array_append_new(rows, val_row_json(r, &r->rows[i], 1));
    for (int k = 0; k < r->nfits; k++)
        json_array_append_new(fits, json_pack("{s:s,s:o,s:o}", "group",
                                              r->groups[r->fits[k].group], "measured",
                                              val_usl_json(&r->fits[k], 0), "predicted",
                                              val_usl_json(&r->fits[k], 1)));
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o}", "vmsim_version",
                          VMSIM_VERSION, "scenario_file", r->scenario_file, "measured_file",
                          r->measured_file, "metric", r->metric, "normalize",
                          val_norm_name(r->norm), "x",
                          r->xname ? json_string(r->xname) : json_null(), "predictions",
                          r->source, "summary", val_summary_json(&r->sum), "points", rows, "usl",
                          fits);
    if (o && r->norm_ref) /* the series every row was divided by */
        json_object_set_new(o, "normalize_ref", json_string(r->norm_ref));
    return o;
}

/* A number cell; empty when missing. */
static void val_csv_num(FILE *f, double v)
{
    fputc(',', f);
    tab_num(f, v);
}

int val_write(const val_report *r, const char *dir, const char *command_line, vs_err *err)
{
    char path[VAL_PATH];
    if (fsu_mkdirs(dir, err))
        return -1;
    json_t *doc = val_report_json(r);
    if (doc && command_line)
        json_object_set_new(doc, "command_line", json_string(command_line));
    snprintf(path, sizeof path, "%s/validation.json", dir);
    int bad = jw_write(path, doc, err);
    json_decref(doc);
    if (bad)
        return -1;
    fsu_file o;
    snprintf(path, sizeof path, "%s/validation.csv", dir);
    if (fsu_open(&o, path, err))
        return -1;
    fputs("line", o.f);
    for (int a = 0; a < r->naxes; a++) {
        fputc(',', o.f);
        csv_write_text(o.f, r->axis_names[a]);
    }
    fputs(",measured,predicted_mean,predicted_sd,n,ci95_half,ci_lo,ci_hi,abs_error,rel_error,"
          "inside_ci,reference,measured_raw,predicted_mean_raw\n",
          o.f);
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        fprintf(o.f, "%d", w->line);
        for (int a = 0; a < r->naxes; a++) {
            fputc(',', o.f);
            csv_write_text(o.f, w->axis_text[a]);
        }
        val_csv_num(o.f, w->measured);
        val_csv_num(o.f, w->mean);
        val_csv_num(o.f, w->sd);
        fprintf(o.f, ",%d", w->n_used);
        val_csv_num(o.f, w->half);
        val_csv_num(o.f, w->mean - w->half);
        val_csv_num(o.f, w->mean + w->half);
        val_csv_num(o.f, w->abs_err);
        val_csv_num(o.f, w->rel_err);
        fprintf(o.f, ",%d,%d", w->inside, w->ref);
        val_csv_num(o.f, w->measured_raw);
        val_csv_num(o.f, w->mean_raw);
        fputc('\n', o.f);
    }
    return fsu_commit(&o, err);
}

/* The index of the best report by MAPE (lowest; NAN never wins), -1. */
static int val_best(const val_report *reps, int n)
{
    int best = -1;
    for (int k = 0; k < n; k++)
        if (!isnan(reps[k].sum.mape) && (best < 0 || reps[k].sum.mape < reps[best].sum.mape))
            best = k;
    return best;
}

void val_sens_print(FILE *f, const char *param, char *const *labels, const val_report *reps,
                    int n)
{
    char b[64], b2[64];
    if (n < 1)
        return;
    fprintf(f, "Sensitivity of the validation of %s against %s to %s\n", reps[0].scenario_file,
            reps[0].measured_file, param);
    fprintf(f, "metric %s, normalize %s; predictions: %s\n\n", reps[0].metric,
            val_norm_name(reps[0].norm), reps[0].source);
    int wv = (int)strlen(param);
    for (int k = 0; k < n; k++)
        wv = (int)strlen(labels[k]) > wv ? (int)strlen(labels[k]) : wv;
    fprintf(f, "%-*s  %6s  %10s  %12s  %s\n", wv, param, "points", "MAPE", "RMSE",
            "inside 95% CI");
    int best = val_best(reps, n);
    for (int k = 0; k < n; k++) {
        const val_summary *s = &reps[k].sum;
        char cov[64];
        snprintf(cov, sizeof cov, "%d/%d (%.0f%%)", s->inside, s->points,
                 s->points ? 100 * s->coverage : 0.0);
        snprintf(b, sizeof b, "%s%%", val_fmt(s->mape, b2, sizeof b2));
        fprintf(f, "%-*s  %6d  %10s  %12s  %*s%s\n", wv, labels[k], s->points, b,
                val_fmt(s->rmse, b2, sizeof b2), k == best ? -14 : 0, cov,
                k == best ? "  <- least MAPE" : "");
    }
}

int val_sens_write(const char *dir, const char *param, json_t *values, char *const *labels,
                   const val_report *reps, int n, const char *command_line, vs_err *err)
{
    char path[VAL_PATH];
    if (fsu_mkdirs(dir, err))
        return -1;
    json_t *vals = json_array();
    for (int k = 0; k < n; k++) {
        json_t *rows = json_array();
        for (int i = 0; i < reps[k].nrows; i++)
            json_array_append_new(rows, val_row_json(&reps[k], &reps[k].rows[i], 0));
        json_t *o = json_pack("{s:O,s:s,s:o,s:o}", "value", json_array_get(values, (size_t)k),
                              "label", labels[k], "summary", val_summary_json(&reps[k].sum),
                              "points", rows);
        json_array_append_new(vals, o);
    }
    int best = val_best(reps, n);
    json_t *doc = n < 1 ? NULL
                        : json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "vmsim_version",
                                    VMSIM_VERSION, "scenario_file", reps[0].scenario_file,
                                    "measured_file", reps[0].measured_file, "metric",
                                    reps[0].metric, "normalize", val_norm_name(reps[0].norm),
                                    "param", param, "predictions", reps[0].source, "values", vals,
                                    "best_by_mape",
                                    best >= 0 ? json_string(labels[best]) : json_null());
    if (doc && command_line)
        json_object_set_new(doc, "command_line", json_string(command_line));
    snprintf(path, sizeof path, "%s/sensitivity.json", dir);
    int bad = jw_write(path, doc, err);
    json_decref(doc);
    if (bad)
        return -1;
    fsu_file o;
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    if (fsu_open(&o, path, err))
        return -1;
    csv_write_text(o.f, param);
    fputs(",points,reference_points,mape_pct,rmse,coverage,inside_ci\n", o.f);
    for (int k = 0; k < n; k++) {
        const val_summary *s = &reps[k].sum;
        csv_write_text(o.f, labels[k]);
        fprintf(o.f, ",%d,%d", s->points, s->refs);
        val_csv_num(o.f, s->mape);
        val_csv_num(o.f, s->rmse);
        val_csv_num(o.f, s->coverage);
        fprintf(o.f, ",%d\n", s->inside);
    }
    return fsu_commit(&o, err);
}

