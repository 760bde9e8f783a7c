/* calxval.c - calibration over several datasets and leave-one-dataset-out
 * cross-validation (see calxval.h and docs/calibrate.md).
 *
 * Layout: helpers; the --dataset spec; loading and checking; the joint
 * objective and the fit; the folds; tables; documents. */
#include "analysis/calxval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "sim/mem.h"

/* --- helpers ------------------------------------------------------------- */

static json_t *cx_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}


/* "12.3%" or "-". */
static const char *cx_pct(double v, char *buf, size_t n)
{
    if (isfinite(v))
        snprintf(buf, n, "%.3g%%", v);
    else
        snprintf(buf, n, "-");
    return buf;
}

/* 1 when s is a usable dataset name: [A-Za-z0-9._-], 1..CX_MAX_NAME. */
static int cx_good_name(const char *s, size_t n)
{
    if (n == 0 || n > CX_MAX_NAME || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static char *cx_strndup(const char *s, size_t n)
{
    char *t = vs_xmalloc(n + 1);
    memcpy(t, s, n);
    t[n] = 0;
    return t;
}

/* --- the spec --------------------------------------------------------------- */

int cx_parse_dataset(const char *spec, cx_dataset *d, vs_err *err)
{
    memset(d, 0, sizeof *d);
    const char *rest = spec, *eq = strchr(spec, '='), *colon = strchr(spec, ':');
    if (eq && (!colon || eq < colon)) {
        if (!cx_good_name(spec, (size_t)(eq - spec)))
            return err_input(err, "--dataset %s: the NAME before '=' must be 1 to %d of "
                                  "A-Z a-z 0-9 . _ - (not starting with '.')",
                             spec, CX_MAX_NAME);
        d->name = cx_strndup(spec, (size_t)(eq - spec));
        rest = eq + 1;
    }
    const char *f[4];
    size_t len[4];
    int nf = 0;
    for (const char *s = rest;;) {
        if (nf == 4) {
            cx_dataset_free(d);
            return err_input(err, "--dataset %s: expected [NAME=]SCENARIO:MEASURED.csv"
                                  "[:METRIC[:NORMALIZE]] (paths cannot contain ':')",
                             spec);
        }
        const char *c = strchr(s, ':');
        f[nf] = s;
        len[nf++] = c ? (size_t)(c - s) : strlen(s);
        if (!c)
            break;
        s = c + 1;
    }
    if (nf < 2 || len[0] == 0 || len[1] == 0) {
        cx_dataset_free(d);
        return err_input(err, "--dataset %s: expected [NAME=]SCENARIO:MEASURED.csv"
                              "[:METRIC[:NORMALIZE]] (e.g. L1=scenarios/paper/lkml-2015.json:"
                              "scenarios/paper/lkml-2015-measured.csv::first)",
                         spec);
    }
    d->spec = vs_xstrdup(spec);
    d->file = cx_strndup(f[0], len[0]);
    d->csv = cx_strndup(f[1], len[1]);
    if (nf >= 3 && len[2])
        d->metric = cx_strndup(f[2], len[2]);
    if (nf == 4) {
        if (len[3] == 0) {
            cx_dataset_free(d);
            return err_input(err, "--dataset %s: empty NORMALIZE (none, first or max)", spec);
        }
        char *nm = cx_strndup(f[3], len[3]);
        int bad = val_parse_norm(nm, &d->norm, err);
        free(nm);
        if (bad) {
            err_prefix(err, "--dataset %s", spec);
            cx_dataset_free(d);
            return -1;
        }
        d->norm_given = 1;
    }
    if (!d->name) { /* the CSV's base name without .csv */
        const char *b = strrchr(d->csv, '/');
        b = b ? b + 1 : d->csv;
        size_t n = strlen(b);
        if (n > 4 && !strcmp(b + n - 4, ".csv"))
            n -= 4;
        if (!cx_good_name(b, n)) {
            cx_dataset_free(d);
            return err_input(err, "--dataset %s: the CSV's name is no usable dataset name; "
                                  "give one: NAME=%s",
                             spec, spec);
        }
        d->name = cx_strndup(b, n);
    }
    return 0;
}

void cx_dataset_free(cx_dataset *d)
{
    free(d->spec);
    free(d->name);
    free(d->file);
    free(d->csv);
    free(d->metric);
    free(d->rundir);
    free(d->run_cmd);
    json_decref(d->base);
    val_measured_free(&d->m);
    memset(d, 0, sizeof *d);
}

/* --- loading ----------------------------------------------------------------- */

int cx_load(cx_dataset *ds, int nd, char *const *sets, int nsets, const char *metric,
            val_norm norm, cal_param *ps, int np, vs_err *err)
{
    for (int d = 0; d < nd; d++) {
        cx_dataset *x = &ds[d];
        for (int e = 0; e < d; e++)
            if (!strcmp(ds[e].name, x->name))
                return err_input(err, "--dataset %s: a second dataset named \"%s\" (give "
                                      "each its own NAME=)",
                                 x->spec, x->name);
        if (!x->metric && metric)
            x->metric = vs_xstrdup(metric);
        if (!x->norm_given)
            x->norm = norm;
        if (!(x->base = val_load_scenario(x->file, sets, nsets, err)) ||
            val_measured_read(x->csv, x->base, x->file, x->metric, NULL, &x->m, err)) {
            err_prefix(err, "dataset %s", x->name);
            return -1;
        }
        if (d == 0) {
            if (cal_check_params(x->base, x->file, &x->m, x->csv, x->metric, NULL, ps, np,
                                 err)) {
                err_prefix(err, "dataset %s", x->name);
                return -1;
            }
            continue;
        }
        /* the first dataset's start, checked here; integers must agree */
        cal_param q[CAL_MAX_PARAMS];
        for (int i = 0; i < np; i++) {
            q[i] = ps[i];
            q[i].integer = 0;
            q[i].tlo = q[i].lo;
            q[i].thi = q[i].hi;
            q[i].start_given = 1;
        }
        if (cal_check_params(x->base, x->file, &x->m, x->csv, x->metric, NULL, q, np, err)) {
            err_prefix(err, "dataset %s", x->name);
            return -1;
        }
        for (int i = 0; i < np; i++)
            if (q[i].integer != ps[i].integer)
                return err_input(err, "--param %s: the scenario of dataset %s takes %s there, "
                                      "that of dataset %s %s",
                                 ps[i].path, ds[0].name,
                                 ps[i].integer ? "integers only" : "fractions", x->name,
                                 q[i].integer ? "integers only" : "fractions");
    }
    return 0;
}

/* --- the joint objective and the fit ----------------------------------------- */

/* What the joint objective needs. */
typedef struct cx_arg {
    cal_opts *co;      /* nd per-dataset options (file, base, rundir, norm, ...) */
    cx_dataset *ds;
    int nd;
    const int *used;
    const cal_param *ps;
    int np;
    int *interrupted;
} cx_arg;

static int cx_joint_fn(void *arg, const double *x, double *obj, int *feasible, double *parts,
                       vs_err *err)
{
    cx_arg *a = arg;
    double sum = 0;
    int n = 0;
    *feasible = 1;
    for (int d = 0; d < a->nd; d++) {
        parts[d] = NAN;
        if (!a->used[d])
            continue; /* a held-out dataset never runs during the search */
        val_report r;
        double od = CAL_PENALTY;
        int fe = 0;
        int rc = cal_table_at(&a->co[d], &a->ds[d].m, a->ps, a->np, x, &r, &od, &fe,
                              a->interrupted, err);
        val_report_free(&r);
        if (rc) {
            err_prefix(err, "dataset %s", a->ds[d].name);
            return -1;
        }
        parts[d] = fe ? od : CAL_PENALTY;
        *feasible = *feasible && fe;
        sum += od;
        n++;
    }
    *obj = *feasible && n ? sum / n : CAL_PENALTY;
    return 0;
}

/* The per-dataset options: o with each dataset's file, scenario, rows,
 * normalisation and run directory. */
static cal_opts *cx_opts(const cal_opts *o, const cx_dataset *ds, int nd)
{
    cal_opts *co = vs_xcalloc((size_t)nd, sizeof *co);
    for (int d = 0; d < nd; d++) {
        co[d] = *o;
        co[d].file = ds[d].file;
        co[d].base = ds[d].base;
        co[d].csv = ds[d].csv;
        co[d].metric = ds[d].metric;
        co[d].xcol = NULL;
        co[d].norm = ds[d].norm;
        co[d].rundir = ds[d].rundir;
        co[d].run_cmd = ds[d].run_cmd;
    }
    return co;
}

void cx_fit_free(cx_fit *f)
{
    for (int d = 0; f->final && d < f->nd; d++)
        val_report_free(&f->final[d]);
    free(f->final);
    free(f->used);
    free(f->errs);
    free(f->errs0);
    free(f->obj);
    cal_fit_free(&f->search);
    memset(f, 0, sizeof *f);
}

int cx_run(const cal_opts *o, cx_dataset *ds, int nd, const int *used, const cal_param *ps,
           int np, int at_start, cx_fit *f, int *interrupted, vs_err *err)
{
    memset(f, 0, sizeof *f);
    f->nd = nd;
    f->used = vs_xcalloc((size_t)nd, sizeof(int));
    for (int d = 0; d < nd; d++) {
        f->used[d] = used ? used[d] != 0 : 1;
        f->nused += f->used[d];
    }
    if (f->nused == 0)
        return err_input(err, "no dataset to fit");
    f->final = vs_xcalloc((size_t)nd, sizeof *f->final);
    f->errs = vs_xcalloc((size_t)nd, sizeof *f->errs);
    f->obj = vs_xcalloc((size_t)nd, sizeof(double));
    cal_opts *co = cx_opts(o, ds, nd);
    cx_arg a = {.co = co, .ds = ds, .nd = nd, .used = f->used, .ps = ps, .np = np,
                .interrupted = interrupted};
    int rc = cal_search(o, ps, np, cx_joint_fn, &a, nd, &f->search, err);
    for (int d = 0; d < nd && !rc; d++) { /* every dataset at the fit */
        int fe = 0;
        rc = cal_table_at(&co[d], &ds[d].m, ps, np, f->search.fitted, &f->final[d], &f->obj[d],
                          &fe, interrupted, err);
        if (rc) {
            err_prefix(err, "dataset %s", ds[d].name);
            break;
        }
        cal_part_errors(&f->final[d], NULL, 0, &f->errs[d]);
    }
    if (!rc && at_start) {
        f->errs0 = vs_xcalloc((size_t)nd, sizeof *f->errs0);
        for (int d = 0; d < nd && !rc; d++) {
            val_report r;
            rc = cal_table_at(&co[d], &ds[d].m, ps, np, f->search.start, &r, NULL, NULL,
                              interrupted, err);
            if (rc)
                err_prefix(err, "dataset %s", ds[d].name);
            else
                cal_part_errors(&r, NULL, 0, &f->errs0[d]);
            val_report_free(&r);
        }
    }
    free(co);
    return rc;
}

double cx_fit_mean(const cx_fit *f, int which)
{
    double s = 0;
    for (int d = 0; d < f->nd; d++)
        if (f->used[d])
            s += which ? f->errs[d].logrmse : f->errs[d].s.mape;
    return s / f->nused;
}

/* --- cross-validation --------------------------------------------------------- */

void cx_cv_free(cx_cv *cv)
{
    for (int k = 0; cv->folds && k < cv->nfolds; k++)
        cx_fit_free(&cv->folds[k]);
    free(cv->folds);
    memset(cv, 0, sizeof *cv);
}

int cx_cv_run(const cal_opts *o, cx_dataset *ds, int nd, const cal_param *ps, int np, cx_cv *cv,
              int *interrupted, vs_err *err)
{
    memset(cv, 0, sizeof *cv);
    if (nd < 2)
        return err_input(err, "--cv-datasets needs at least 2 datasets (--dataset), found %d",
                         nd);
    cv->folds = vs_xcalloc((size_t)nd, sizeof *cv->folds);
    cv->nfolds = nd;
    int *used = vs_xcalloc((size_t)nd, sizeof(int)), rc = 0;
    for (int k = 0; k < nd && !rc; k++) {
        char tag[CX_MAX_NAME + 32];
        snprintf(tag, sizeof tag, "[without %s]", ds[k].name);
        cal_opts ok = *o;
        ok.tag = tag;
        for (int d = 0; d < nd; d++)
            used[d] = d != k;
        rc = cx_run(&ok, ds, nd, used, ps, np, 0, &cv->folds[k], interrupted, err);
        if (rc)
            err_prefix(err, "--cv-datasets fold without %s", ds[k].name);
    }
    free(used);
    return rc;
}

/* --- tables -------------------------------------------------------------------- */

static int cx_name_width(const cx_dataset *ds, int nd)
{
    int w = 8;
    for (int d = 0; d < nd; d++)
        if ((int)strlen(ds[d].name) > w)
            w = (int)strlen(ds[d].name);
    return w;
}

void cx_print(FILE *f, const cx_fit *fit, const cx_dataset *ds, const cal_param *ps, int np,
              cal_objective obj)
{
    const cal_fit *s = &fit->search;
    char b[8][64];
    int nw = cx_name_width(ds, fit->nd);
    fprintf(f, "Calibration over %d dataset%s (objective %s: the mean of the datasets' %s, "
               "each weighted equally)\n\n",
            fit->nused, fit->nused == 1 ? "" : "s", cal_objective_name(obj),
            cal_objective_name(obj));
    fprintf(f, "%-*s  %5s  %-9s  %-18s  %s\n", nw, "dataset", "rows", "normalize", "metric",
            "scenario, measured");
    for (int d = 0; d < fit->nd; d++)
        fprintf(f, "%-*s  %5d  %-9s  %-18s  %s, %s%s\n", nw, ds[d].name, ds[d].m.t.nrows,
                val_norm_name(ds[d].norm), fit->final[d].metric ? fit->final[d].metric : "-",
                ds[d].file, ds[d].csv, fit->used[d] ? "" : "  (held out)");
    fputc('\n', f);
    cal_print_params(f, ps, np, s->start, s->fitted);
    fprintf(f, "\n%d evaluations (%d answered from the cache), %d iterations, stopped: %s "
               "(simplex size %s)\n",
            s->evals, s->hits, s->iters, s->stop, cal_fmt(s->size, b[0], sizeof b[0]));
    fprintf(f, "joint objective %s: start %s, fitted %s\n\n", cal_objective_name(obj),
            cal_fmt(s->obj_start, b[0], sizeof b[0]), cal_fmt(s->obj_fitted, b[1], sizeof b[1]));
    fprintf(f, "%-*s  %-8s  %6s  %10s  %9s  %11s  %13s", nw, "dataset", "part", "points",
            cal_objective_name(obj), "MAPE", "RMS log err", "inside 95% CI");
    if (fit->errs0)
        fprintf(f, "  %11s  %13s", "MAPE start", "RMS log start");
    fprintf(f, "\n");
    for (int d = 0; d < fit->nd; d++) {
        const cal_errors *e = &fit->errs[d];
        char in[64];
        snprintf(in, sizeof in, "%d of %d", e->s.inside, e->s.points);
        fprintf(f, "%-*s  %-8s  %6d  %10s  %9s  %11s  %13s", nw, ds[d].name,
                fit->used[d] ? "fit" : "held out", e->s.points,
                cal_fmt(fit->obj[d], b[0], sizeof b[0]), cx_pct(e->s.mape, b[1], sizeof b[1]),
                cal_fmt(e->logrmse, b[2], sizeof b[2]), in);
        if (fit->errs0)
            fprintf(f, "  %11s  %13s", cx_pct(fit->errs0[d].s.mape, b[3], sizeof b[3]),
                    cal_fmt(fit->errs0[d].logrmse, b[4], sizeof b[4]));
        fprintf(f, "\n");
    }
}

void cx_cv_print(FILE *f, const cx_cv *cv, const cx_dataset *ds, const cal_param *ps, int np,
                 cal_objective obj)
{
    char b[8][64];
    int nw = cx_name_width(ds, cv->nfolds);
    fprintf(f, "Leave-one-dataset-out cross-validation (%d datasets): fit on the others, "
               "errors on the one held out\n\n",
            cv->nfolds);
    int pw[CAL_MAX_PARAMS];
    fprintf(f, "%-*s", nw, "held out");
    for (int i = 0; i < np; i++) {
        pw[i] = strlen(ps[i].path) > 10 ? (int)strlen(ps[i].path) : 10;
        fprintf(f, "  %*s", pw[i], ps[i].path);
    }
    char head[64];
    snprintf(head, sizeof head, "fit %s", cal_objective_name(obj));
    fprintf(f, "  %5s  %11s  %9s  %11s  %13s  %16s  %s\n", "evals", head, "fit MAPE",
            "fit RMS log", "held-out MAPE", "held-out RMS log", "inside 95% CI");
    for (int k = 0; k < cv->nfolds; k++) {
        const cx_fit *fd = &cv->folds[k];
        const cal_errors *e = &fd->errs[k];
        fprintf(f, "%-*s", nw, ds[k].name);
        for (int i = 0; i < np; i++)
            fprintf(f, "  %*s", pw[i], cal_fmt(fd->search.fitted[i], b[0], sizeof b[0]));
        char in[64];
        snprintf(in, sizeof in, "%d of %d", e->s.inside, e->s.points);
        fprintf(f, "  %5d  %11s  %9s  %11s  %13s  %16s  %s\n", fd->search.evals,
                cal_fmt(fd->search.obj_fitted, b[1], sizeof b[1]),
                cx_pct(cx_fit_mean(fd, 0), b[2], sizeof b[2]),
                cal_fmt(cx_fit_mean(fd, 1), b[3], sizeof b[3]),
                cx_pct(e->s.mape, b[4], sizeof b[4]), cal_fmt(e->logrmse, b[5], sizeof b[5]), in);
    }
    fprintf(f, "\n(fit MAPE, fit RMS log: the mean over the fold's fit datasets, each weighted "
               "equally)\n\nEach fold's error on every dataset, MAPE / RMS log err (* = the "
               "dataset the fold held out):\n\n");
    int cw = 22;
    fprintf(f, "%-*s", nw + 2, "fold");
    for (int d = 0; d < cv->nfolds; d++)
        fprintf(f, "  %*s", cw, ds[d].name);
    fprintf(f, "\n");
    for (int k = 0; k < cv->nfolds; k++) {
        char lab[CX_MAX_NAME + 16];
        snprintf(lab, sizeof lab, "-%s", ds[k].name);
        fprintf(f, "%-*s", nw + 2, lab);
        for (int d = 0; d < cv->nfolds; d++) {
            const cal_errors *e = &cv->folds[k].errs[d];
            char cell[160];
            snprintf(cell, sizeof cell, "%s%s / %s", d == k ? "*" : "",
                     cx_pct(e->s.mape, b[0], sizeof b[0]), cal_fmt(e->logrmse, b[1], sizeof b[1]));
            fprintf(f, "  %*s", cw, cell);
        }
        fprintf(f, "\n");
    }
}

/* --- documents -------------------------------------------------------------------- */

json_t *cx_datasets_json(const cx_dataset *ds, int nd)
{
    json_t *a = json_array();
    for (int d = 0; d < nd; d++)
        json_array_append_new(
            a, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i}", "name", ds[d].name, "spec",
                         ds[d].spec, "scenario_file", ds[d].file, "measured_file", ds[d].csv,
                         "metric", ds[d].m.t.names ? ds[d].m.t.names[ds[d].m.metric_col] : "",
                         "normalize", val_norm_name(ds[d].norm), "rows", ds[d].m.t.nrows));
    return a;
}

/* {PATH: value} of a vector. */
static json_t *cx_vector_json(const cal_param *ps, int np, const double *x)
{
    json_t *o = json_object();
    for (int i = 0; i < np; i++)
        json_object_set_new(o, ps[i].path, ps[i].integer ? json_integer((json_int_t)x[i])
                                                         : cx_jnum(x[i]));
    return o;
}

/* The rows of one dataset's report at the fit. */
static json_t *cx_rows_json(const val_report *r)
{
    json_t *rows = json_array();
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        double lg = w->measured > 0 && w->mean > 0 ? log(w->mean / w->measured) : NAN;
        json_array_append_new(
            rows, json_pack("{s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:b,s:b}", "line",
                            w->line, "point", w->desc, "measured", cx_jnum(w->measured),
                            "measured_raw", cx_jnum(w->measured_raw), "predicted_mean",
                            cx_jnum(w->mean), "ci_lo", cx_jnum(w->mean - w->half), "ci_hi",
                            cx_jnum(w->mean + w->half), "rel_error", cx_jnum(w->rel_err),
                            "log_error", cx_jnum(lg), "n", w->n_used, "inside_ci", w->inside,
                            "reference", w->ref));
    }
    return rows;
}

json_t *cx_fit_json(const cx_fit *fit, const cx_dataset *ds, const cal_param *ps, int np)
{
    const cal_fit *s = &fit->search;
    json_t *params = json_array(), *hist = json_array(), *per = json_array(),
           *used = json_array();
    for (int i = 0; i < np; i++)
        json_array_append_new(
            params, json_pack("{s:s,s:f,s:f,s:s,s:b,s:o,s:s,s:o}", "path", ps[i].path, "lo",
                              ps[i].lo, "hi", ps[i].hi, "scale", ps[i].log ? "log" : "linear",
                              "integer", ps[i].integer, "start", cx_jnum(s->start[i]),
                              "start_from", ps[i].start_from, "fitted", cx_jnum(s->fitted[i])));
    for (int h = 0; h < s->nhist; h++) {
        json_t *parts = json_object();
        for (int d = 0; d < fit->nd; d++)
            if (fit->used[d])
                json_object_set_new(parts, ds[d].name, cx_jnum(s->hist[h].parts[d]));
        json_array_append_new(hist, json_pack("{s:i,s:o,s:o,s:b,s:o}", "eval", h + 1, "values",
                                              cx_vector_json(ps, np, s->hist[h].x), "objective",
                                              cx_jnum(s->hist[h].obj), "feasible",
                                              s->hist[h].feasible, "datasets", parts));
    }
    for (int d = 0; d < fit->nd; d++) {
        if (fit->used[d])
            json_array_append_new(used, json_string(ds[d].name));
        json_array_append_new(
            per, json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "name", ds[d].name, "part",
                           fit->used[d] ? "fit" : "held_out", "objective", cx_jnum(fit->obj[d]),
                           "errors", cal_errors_json(&fit->errs[d]), "errors_at_start",
                           fit->errs0 ? cal_errors_json(&fit->errs0[d]) : json_null(), "rows",
                           cx_rows_json(&fit->final[d])));
    }
    return json_pack("{s:o,s:o,s:i,s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
                     "datasets_fitted", used, "params", params, "evaluations", s->evals,
                     "cache_hits", s->hits, "iterations", s->iters, "stop_reason", s->stop,
                     "simplex_size", cx_jnum(s->size), "objective_start", cx_jnum(s->obj_start),
                     "objective_fitted", cx_jnum(s->obj_fitted), "fit_mean_mape_pct",
                     cx_jnum(cx_fit_mean(fit, 0)), "fit_mean_rms_log_error",
                     cx_jnum(cx_fit_mean(fit, 1)), "start", cx_vector_json(ps, np, s->start),
                     "fitted", cx_vector_json(ps, np, s->fitted), "history", hist, "per_dataset",
                     per);
}

json_t *cx_cv_json(const cx_cv *cv, const cx_dataset *ds, const cal_param *ps, int np)
{
    json_t *folds = json_array();
    for (int k = 0; k < cv->nfolds; k++) {
        const cx_fit *fd = &cv->folds[k];
        json_array_append_new(
            folds, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "held_out", ds[k].name, "fitted",
                             cx_vector_json(ps, np, fd->search.fitted), "fit_objective",
                             cx_jnum(fd->search.obj_fitted), "fit_mean_mape_pct",
                             cx_jnum(cx_fit_mean(fd, 0)), "fit_mean_rms_log_error",
                             cx_jnum(cx_fit_mean(fd, 1)), "held_out_errors",
                             cal_errors_json(&fd->errs[k]), "calibration",
                             cx_fit_json(fd, ds, ps, np)));
    }
    return json_pack("{s:o}", "folds", folds);
}
