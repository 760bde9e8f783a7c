/* calibrate.c - fitting scenario parameters to a measured CSV (see
 * calibrate.h and docs/calibrate.md).
 *
 * Layout: small helpers; the parameters and their transform; the holdout
 * split; the objective and the Nelder-Mead loop; cross-validation; the
 * terminal table and the documents. */
#include "analysis/calibrate.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/scenario.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

/* --- helpers ------------------------------------------------------------- */

/* 1 and *out when s is a whole finite decimal number. */
static int cal_number(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || strpbrk(s, "xXnNiI"))
        return 0;
    *out = v;
    return 1;
}

/* 1 when two cell texts name the same value: equal text or equal numbers. */
static int cal_same_value(const char *a, const char *b)
{
    double x, y;
    return !strcmp(a, b) || (cal_number(a, &x) && cal_number(b, &y) && x == y);
}

/* A JSON number, or null when it is not finite. */
static json_t *cal_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* A number as the tables show it: 5 significant digits, "-" when missing. */
const char *cal_fmt(double v, char *buf, size_t n)
{
    if (isfinite(v))
        snprintf(buf, n, "%.5g", v);
    else
        snprintf(buf, n, "-");
    return buf;
}

void cal_print_params(FILE *f, const cal_param *ps, int np, const double *start,
                      const double *fitted)
{
    char b[4][64];
    int pw = 9;
    for (int i = 0; i < np; i++)
        if ((int)strlen(ps[i].path) > pw)
            pw = (int)strlen(ps[i].path);
    fprintf(f, "%-*s  %-6s  %-21s  %-22s  %s\n", pw, "parameter", "scale", "bounds", "start",
            "fitted");
    for (int i = 0; i < np; i++) {
        char bounds[96], from[96];
        snprintf(bounds, sizeof bounds, "%s .. %s", cal_fmt(ps[i].lo, b[0], sizeof b[0]),
                 cal_fmt(ps[i].hi, b[1], sizeof b[1]));
        snprintf(from, sizeof from, "%s (%s)", cal_fmt(start[i], b[2], sizeof b[2]),
                 ps[i].start_from);
        fprintf(f, "%-*s  %-6s  %-21s  %-22s  %s\n", pw, ps[i].path,
                ps[i].integer ? (ps[i].log ? "log,int" : "int") : ps[i].log ? "log" : "linear",
                bounds, from, cal_fmt(fitted[i], b[3], sizeof b[3]));
    }
}

/* "a, b, c": the CSV's column names, for messages. */
static const char *cal_colnames(const csv_table *t, char *buf, size_t n)
{
    buf[0] = 0;
    for (int c = 0; c < t->ncols; c++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", c ? ", " : "", t->names[c]);
    }
    return buf;
}

/* The message of a scenario error without its leading "FILE: ". */
static const char *cal_strip_file(const char *msg, const char *file)
{
    size_t fl = strlen(file);
    if (!strncmp(msg, file, fl) && !strncmp(msg + fl, ": ", 2))
        return msg + fl + 2;
    return msg;
}

/* --- parameters ------------------------------------------------------------ */

int cal_parse_param(const char *spec, cal_param *p, vs_err *err)
{
    memset(p, 0, sizeof *p);
    char buf[1200];
    if (strlen(spec) >= sizeof buf)
        return err_input(err, "--param: the spec is too long");
    snprintf(buf, sizeof buf, "%s", spec);
    char *f[6];
    int nf = 0;
    for (char *s = buf;;) {
        if (nf == 6)
            return err_input(err, "--param %s: expected PATH:LO:HI[:log][:START]", spec);
        f[nf++] = s;
        char *c = strchr(s, ':');
        if (!c)
            break;
        *c = 0;
        s = c + 1;
    }
    if (nf < 3 || !f[0][0])
        return err_input(err, "--param %s: expected PATH:LO:HI[:log][:START] (e.g. "
                              "workload.hold.mean_ns:100:10000:log)",
                         spec);
    if (!cal_number(f[1], &p->lo) || !cal_number(f[2], &p->hi))
        return err_input(err, "--param %s: LO and HI must be numbers", spec);
    int scale_seen = 0;
    for (int i = 3; i < nf; i++) {
        if (!strcasecmp(f[i], "log") || !strcasecmp(f[i], "lin")) {
            if (scale_seen || p->start_given)
                return err_input(err, "--param %s: expected PATH:LO:HI[:log][:START]", spec);
            p->log = !strcasecmp(f[i], "log");
            scale_seen = 1;
        } else if (cal_number(f[i], &p->start) && !p->start_given) {
            p->start_given = 1;
        } else {
            return err_input(err, "--param %s: \"%s\" is neither log, lin nor a start value",
                             spec, f[i]);
        }
    }
    if (!(p->lo < p->hi))
        return err_input(err, "--param %s: LO must be less than HI", spec);
    if (p->log && p->lo <= 0)
        return err_input(err, "--param %s: a log parameter needs LO > 0", spec);
    if (p->start_given && !(p->start > p->lo && p->start < p->hi))
        return err_input(err, "--param %s: the start %g is not strictly inside (%g, %g)", spec,
                         p->start, p->lo, p->hi);
    p->path = vs_xstrdup(f[0]);
    p->tlo = p->lo;
    p->thi = p->hi;
    p->start_from = p->start_given ? "given" : "midpoint";
    return 0;
}

void cal_param_free(cal_param *p)
{
    free(p->path);
    memset(p, 0, sizeof *p);
}

/* x's place in [tlo, thi], 0..1, on the parameter's scale. */
static double cal_place(const cal_param *p, double x)
{
    if (p->log)
        return (log(x) - log(p->tlo)) / (log(p->thi) - log(p->tlo));
    return (x - p->tlo) / (p->thi - p->tlo);
}

double cal_to_free(const cal_param *p, double x)
{
    double t = cal_place(p, x);
    if (t <= 0)
        return -INFINITY;
    if (t >= 1)
        return INFINITY;
    return log(t / (1 - t));
}

double cal_from_free(const cal_param *p, double u)
{
    double t = u >= 0 ? 1 / (1 + exp(-u)) : exp(u) / (1 + exp(u));
    double x = p->log ? exp(log(p->tlo) + t * (log(p->thi) - log(p->tlo)))
                      : p->tlo + t * (p->thi - p->tlo);
    if (x < p->tlo)
        x = p->tlo;
    if (x > p->thi)
        x = p->thi;
    if (p->integer) {
        x = round(x);
        x = x < p->lo ? p->lo : x > p->hi ? p->hi : x;
    }
    return x;
}

/* A JSON value for parameter p at x: an integer for an integer parameter. */
static json_t *cal_value(const cal_param *p, double x)
{
    return p->integer ? json_integer((json_int_t)x) : json_real(x);
}

json_t *cal_doc_at(json_t *base, const cal_param *ps, int np, const double *x, vs_err *err)
{
    json_t *d = json_deep_copy(base);
    if (!d) {
        err_internal(err, "out of memory copying the scenario");
        return NULL;
    }
    for (int i = 0; i < np; i++)
        if (sc_set_path(d, ps[i].path, cal_value(&ps[i], x[i]), err)) {
            json_decref(d);
            return NULL;
        }
    return d;
}

/* Validates base (without its sweep section) with path = v. 0 valid, 1 the
 * scenario wants an integer there, -1 another error (in e). */
static int cal_try(json_t *base, const char *file, const char *path, json_t *v, vs_err *e)
{
    json_t *d = json_deep_copy(base);
    json_object_del(d, "sweep");
    int rc = sc_set_path(d, path, v, e) ? -1 : 0;
    scenario sc;
    if (rc == 0) {
        if (sc_load_doc(d, file, &sc, e) == 0)
            scenario_free(&sc);
        else
            rc = strstr(e->msg, "expected an integer") ? 1 : -1;
    }
    json_decref(d);
    return rc;
}

/* Checks one bound or start value; input error naming the parameter. */
static int cal_try_value(json_t *base, const char *file, const cal_param *p, double x,
                         const char *what, vs_err *err)
{
    vs_err e = {0};
    if (cal_try(base, file, p->path, cal_value(p, x), &e) == 0)
        return 0;
    return err_input(err, "--param %s: the scenario cannot take %s %g: %s", p->path, what, x,
                     cal_strip_file(e.msg, file));
}

/* 1 when measured axis column a sets path, a parent or a child of it (a set
 * axis: any path of any of its values). */
static int cal_axis_sets(const val_measured *m, int a, const char *path)
{
    const val_axis *ax = &m->axes[a];
    if (ax->path)
        return sc_paths_overlap(ax->path, path);
    const char *lab, *k;
    json_t *entry, *v;
    json_object_foreach(m->sp.axes[ax->sweep_axis].set, lab, entry) {
        json_object_foreach(entry, k, v) {
            if (sc_paths_overlap(k, path))
                return 1;
        }
    }
    return 0;
}

int cal_check_params(json_t *base, const char *file, const val_measured *m, const char *csv,
                     const char *metric, const char *xcol, cal_param *ps, int np, vs_err *err)
{
    for (int i = 0; i < np; i++) {
        cal_param *p = &ps[i];
        for (int j = 0; j < i; j++)
            if (sc_paths_overlap(p->path, ps[j].path))
                return err_input(err, "--param %s: overlaps --param %s (one value per path)",
                                 p->path, ps[j].path);
        for (int a = 0; a < m->naxes; a++)
            if (cal_axis_sets(m, a, p->path))
                return err_input(err, "--param %s: column \"%s\" of %s sets it too; a parameter "
                                      "cannot be fitted where the measurements set it",
                                 p->path, m->axes[a].name, m->t.path);
        /* LO first: an unknown path fails here, with the loader's suggestion */
        vs_err e = {0};
        int lo_rc = cal_try(base, file, p->path, json_real(p->lo), &e);
        if (lo_rc < 0)
            return err_input(err, "--param %s: the scenario cannot take LO %g: %s", p->path,
                             p->lo, cal_strip_file(e.msg, file));
        double probe = p->lo + (p->hi - p->lo) * 0.41421356;
        if (probe == floor(probe))
            probe += (p->hi - p->lo) * 0.0137;
        if (lo_rc == 0)
            lo_rc = cal_try(base, file, p->path, json_real(probe), &e) == 1;
        if (lo_rc == 1) { /* integers only: the integers of [LO, HI] */
            p->integer = 1;
            p->lo = ceil(p->lo);
            p->hi = floor(p->hi);
            if (!(p->lo < p->hi))
                return err_input(err, "--param %s: the scenario takes integers only, and "
                                      "[LO, HI] holds fewer than two",
                                 p->path);
            p->tlo = p->lo - 0.5;
            p->thi = p->hi + 0.5;
            if (p->log && p->tlo <= 0)
                p->tlo = p->lo / 2;
        }
        if (cal_try_value(base, file, p, p->lo, "LO", err) ||
            cal_try_value(base, file, p, p->hi, "HI", err))
            return -1;
        if (p->start_given) {
            if (p->integer)
                p->start = round(p->start);
            if (!(p->start > p->tlo && p->start < p->thi))
                return err_input(err, "--param %s: the start %g is outside [%g, %g]", p->path,
                                 p->start, p->lo, p->hi);
        } else {
            vs_err pe = {0}; /* the scenario's value, also where its host preset sets it */
            json_t *full = cal_fitted_doc(base, file, NULL, 0, NULL, NULL, &pe);
            json_t *cur = sc_get_path(full ? full : base, p->path);
            double v = cur && json_is_number(cur) ? json_number_value(cur) : NAN;
            json_decref(full);
            if (isfinite(v) && v > p->tlo && v < p->thi && (!p->integer || v == floor(v))) {
                p->start = v;
                p->start_from = "scenario";
            } else {
                p->start = cal_from_free(p, 0); /* the midpoint, geometric for log */
                p->start_from = "midpoint";
            }
        }
        if (cal_try_value(base, file, p, p->start, "the start", err))
            return -1;
    }
    /* every measured row with all parameters at LO, at HI, at the start */
    double *x = vs_xcalloc((size_t)np, sizeof(double));
    static const char *const what[] = {"LO", "HI", "the start"};
    int rc = 0;
    for (int k = 0; k < 3 && !rc; k++) {
        for (int i = 0; i < np; i++)
            x[i] = k == 0 ? ps[i].lo : k == 1 ? ps[i].hi : ps[i].start;
        json_t *d = cal_doc_at(base, ps, np, x, err);
        val_measured mm;
        if (!d || val_measured_read(csv, d, file, metric, xcol, &mm, err)) {
            rc = -1;
            if (d)
                err_prefix(err, "with every --param at %s", what[k]);
        } else {
            val_measured_free(&mm);
        }
        json_decref(d);
    }
    free(x);
    return rc;
}

/* --- the holdout split ----------------------------------------------------- */

int cal_parse_split(const char *spec, cal_split *s, vs_err *err)
{
    memset(s, 0, sizeof *s);
    s->spec = vs_xstrdup(spec);
    if (!strcasecmp(spec, "none")) {
        s->kind = CAL_SPLIT_NONE;
        return 0;
    }
    if (!strncasecmp(spec, "every:", 6)) {
        char *end;
        errno = 0;
        long k = strtol(spec + 6, &end, 10);
        if (!spec[6] || *end || errno || k < 2 || k > CSV_MAX_ROWS) {
            cal_split_free(s);
            return err_input(err, "--holdout %s: every:K needs an integer K from 2 to %d", spec,
                             CSV_MAX_ROWS);
        }
        s->kind = CAL_SPLIT_EVERY;
        s->k = (int)k;
        return 0;
    }
    static const struct {
        const char *op;
        cal_split_kind kind;
    } ops[] = {{">=", CAL_SPLIT_GE}, {"<=", CAL_SPLIT_LE}, {">", CAL_SPLIT_GT},
               {"<", CAL_SPLIT_LT},  {"=", CAL_SPLIT_VALUES}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const char *o = strstr(spec, ops[i].op);
        if (!o)
            continue;
        const char *v = o + strlen(ops[i].op);
        if (o == spec || !*v)
            break;
        s->kind = ops[i].kind;
        s->col = vs_xmalloc((size_t)(o - spec) + 1);
        memcpy(s->col, spec, (size_t)(o - spec));
        s->col[o - spec] = 0;
        if (s->kind != CAL_SPLIT_VALUES) {
            if (!cal_number(v, &s->x)) {
                cal_split_free(s);
                return err_input(err, "--holdout %s: \"%s\" is not a number", spec, v);
            }
            return 0;
        }
        for (const char *p = v;;) {
            size_t l = strcspn(p, ",");
            if (l == 0) {
                cal_split_free(s);
                return err_input(err, "--holdout %s: empty value", spec);
            }
            s->values = vs_xreallocarray(s->values, (size_t)s->nvalues + 1, sizeof(char *));
            char *t = vs_xmalloc(l + 1);
            memcpy(t, p, l);
            t[l] = 0;
            s->values[s->nvalues++] = t;
            if (!p[l])
                break;
            p += l + 1;
        }
        return 0;
    }
    cal_split_free(s);
    return err_input(err, "--holdout %s: expected none, every:K, COL=V[,V...], COL>=X, COL<=X, "
                          "COL>X or COL<X",
                     spec);
}

void cal_split_free(cal_split *s)
{
    for (int i = 0; i < s->nvalues; i++)
        free(s->values[i]);
    free(s->values);
    free(s->col);
    free(s->spec);
    memset(s, 0, sizeof *s);
}

int cal_split_rows(const cal_split *s, const csv_table *t, int *held, vs_err *err)
{
    int col = -1, nheld = 0;
    if (s->col) {
        col = csv_col(t, s->col);
        if (col < 0) {
            char names[2048];
            return err_input(err, "--holdout %s: %s has no column \"%s\" (columns: %s)", s->spec,
                             t->path, s->col, cal_colnames(t, names, sizeof names));
        }
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *c = col >= 0 ? csv_cell(t, r, col) : NULL;
        double v = 0;
        if (s->kind >= CAL_SPLIT_GE && s->kind <= CAL_SPLIT_LT && !cal_number(c, &v))
            return err_input(err, "%s:%d: --holdout %s: column \"%s\" is \"%s\", not a number",
                             t->path, csv_line(t, r), s->spec, s->col, c);
        int h = 0;
        switch (s->kind) {
        case CAL_SPLIT_NONE: h = 0; break;
        case CAL_SPLIT_EVERY: h = (r + 1) % s->k == 0; break;
        case CAL_SPLIT_GE: h = v >= s->x; break;
        case CAL_SPLIT_LE: h = v <= s->x; break;
        case CAL_SPLIT_GT: h = v > s->x; break;
        case CAL_SPLIT_LT: h = v < s->x; break;
        case CAL_SPLIT_VALUES:
            for (int i = 0; i < s->nvalues && !h; i++)
                h = cal_same_value(c, s->values[i]);
            break;
        }
        held[r] = h;
        nheld += h;
    }
    if (s->kind != CAL_SPLIT_NONE && (nheld == 0 || nheld == t->nrows))
        return err_input(err, "--holdout %s holds out %d of the %d rows of %s: the fit part and "
                              "the held-out part each need at least one row",
                         s->spec, nheld, t->nrows, t->path);
    return 0;
}

/* --- the objective and the fit --------------------------------------------- */

int cal_parse_objective(const char *s, cal_objective *out, vs_err *err)
{
    if (!strcasecmp(s, "logrmse"))
        *out = CAL_OBJ_LOGRMSE;
    else if (!strcasecmp(s, "mape"))
        *out = CAL_OBJ_MAPE;
    else if (!strcasecmp(s, "rmse"))
        *out = CAL_OBJ_RMSE;
    else
        return err_input(err, "--objective %s: expected logrmse, mape or rmse", s);
    return 0;
}

const char *cal_objective_name(cal_objective o)
{
    return o == CAL_OBJ_MAPE ? "mape" : o == CAL_OBJ_RMSE ? "rmse" : "logrmse";
}

void cal_part_errors(const val_report *r, const int *held, int part, cal_errors *e)
{
    double *meas = vs_xcalloc((size_t)r->nrows + 1, sizeof(double));
    double *mean = vs_xcalloc((size_t)r->nrows + 1, sizeof(double));
    double *half = vs_xcalloc((size_t)r->nrows + 1, sizeof(double));
    int *skip = vs_xcalloc((size_t)r->nrows + 1, sizeof(int));
    int n = 0, refs = 0;
    double sl = 0;
    e->log_points = 0;
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        if ((held ? held[i] : 0) != part)
            continue;
        if (w->ref) {
            refs++;
            continue;
        }
        meas[n] = w->measured;
        mean[n] = w->mean;
        half[n++] = w->half;
        if (w->measured > 0 && w->mean > 0) {
            double l = log(w->mean / w->measured);
            sl += l * l;
            e->log_points++;
        }
    }
    val_summarize(meas, mean, half, skip, n, &e->s);
    e->s.refs = refs;
    e->logrmse = e->log_points ? sqrt(sl / e->log_points) : NAN;
    free(meas);
    free(mean);
    free(half);
    free(skip);
}

/* The objective of a computed report of the fit rows. *feasible = 0 (and
 * CAL_PENALTY) when a predicted value cannot enter it; input errors for
 * measurements that never can. */
int cal_report_objective(const val_report *r, cal_objective o, double *obj, int *feasible,
                         vs_err *err)
{
    cal_errors e;
    cal_part_errors(r, NULL, 0, &e);
    *feasible = 1;
    if (e.s.points == 0)
        return err_input(err, "%s: the fit rows leave no point to compare (%d reference points "
                              "of --normalize are left out)",
                         r->measured_file, e.s.refs);
    if (o == CAL_OBJ_RMSE) {
        *obj = e.s.rmse;
        return 0;
    }
    if (o == CAL_OBJ_MAPE) {
        if (e.s.mape_points == 0)
            return err_input(err, "%s: --objective mape: every fit row's measured value is 0",
                             r->measured_file);
        *obj = e.s.mape;
        return 0;
    }
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        if (w->ref)
            continue;
        if (!(w->measured > 0))
            return err_input(err, "%s:%d: --objective logrmse needs measured values > 0, found "
                                  "%g (use --objective rmse)",
                             r->measured_file, w->line, w->measured);
        if (!(w->mean > 0))
            *feasible = 0;
    }
    *obj = *feasible ? e.logrmse : CAL_PENALTY;
    return 0;
}

int cal_table_at(const cal_opts *o, const val_measured *m, const cal_param *ps, int np,
                 const double *x, val_report *r, double *obj, int *feasible, int *interrupted,
                 vs_err *err)
{
    memset(r, 0, sizeof *r);
    json_t *doc = cal_doc_at(o->base, ps, np, x, err);
    if (!doc)
        return -1;
    val_report_init(r, m, o->file, o->norm);
    val_run_opts ro = {.dir = o->rundir, .nseeds = o->nseeds, .jobs = o->jobs, .quiet = 1,
                       .run_cmd = o->run_cmd};
    int bad = val_run(m, doc, o->file, &ro, r, err);
    if (bad && ro.interrupted && interrupted)
        *interrupted = 1;
    json_decref(doc);
    if (!bad)
        bad = val_compute(r, err);
    if (!bad && obj)
        bad = cal_report_objective(r, o->objective, obj, feasible, err);
    return bad ? -1 : 0;
}

/* What the GSL callback needs. The callback cannot fail, so a failed
 * evaluation sets `failed` (err holds why) and returns CAL_PENALTY; the
 * loop stops at the next check. */
typedef struct cal_ctx {
    const cal_opts *o;
    const cal_param *ps;
    int np;
    cal_obj_fn fn;     /* the objective of a vector */
    void *arg;         /* its argument */
    cal_fit *f;
    double *x;         /* scratch: the vector being evaluated */
    int failed;        /* an evaluation failed: err is set */
    int exhausted;     /* the evaluation budget is spent */
    vs_err *err;
} cal_ctx;

/* One progress line. */
static void cal_progress(const cal_ctx *c, const cal_eval *ev)
{
    if (c->o->quiet)
        return;
    char line[2048], b[64];
    int l = snprintf(line, sizeof line, "calibrate:%s%s eval %d/%d ", c->o->tag ? " " : "",
                     c->o->tag ? c->o->tag : "", c->f->nhist, c->o->max_evals);
    for (int i = 0; i < c->np && l < (int)sizeof line; i++)
        l += snprintf(line + l, sizeof line - (size_t)l, " %s=%s", c->ps[i].path,
                      cal_fmt(ev->x[i], b, sizeof b));
    if (l < (int)sizeof line)
        snprintf(line + l, sizeof line - (size_t)l, "  %s %s%s",
                 cal_objective_name(c->o->objective), cal_fmt(ev->obj, b, sizeof b),
                 ev->feasible ? "" : " (predictions not comparable: penalty)");
    fprintf(stderr, "%s\n", line);
}

/* 1 when two vectors are the same up to the last bits the logit round
 * trip changes (relative 1e-10), so they need not run twice. */
static int cal_same_vector(const double *a, const double *b, int np)
{
    for (int i = 0; i < np; i++)
        if (fabs(a[i] - b[i]) > 1e-10 * fmax(fabs(a[i]), fabs(b[i])))
            return 0;
    return 1;
}

/* The objective at c->x: from the cache, or by the objective function. */
static double cal_eval_x(cal_ctx *c)
{
    cal_fit *f = c->f;
    for (int h = 0; h < f->nhist; h++)
        if (cal_same_vector(f->hist[h].x, c->x, c->np)) {
            f->hits++;
            return f->hist[h].obj;
        }
    if (c->failed)
        return CAL_PENALTY;
    if (f->nhist >= c->o->max_evals) {
        c->exhausted = 1;
        return CAL_PENALTY;
    }
    int feasible = 0;
    double obj = CAL_PENALTY;
    double *parts = f->nparts ? vs_xcalloc((size_t)f->nparts, sizeof(double)) : NULL;
    if (c->fn(c->arg, c->x, &obj, &feasible, parts, c->err)) {
        free(parts);
        c->failed = 1;
        return CAL_PENALTY;
    }
    if (!feasible)
        obj = CAL_PENALTY;
    f->hist = vs_xreallocarray(f->hist, (size_t)f->nhist + 1, sizeof *f->hist);
    cal_eval *ev = &f->hist[f->nhist++];
    ev->x = vs_xmalloc((size_t)c->np * sizeof(double));
    memcpy(ev->x, c->x, (size_t)c->np * sizeof(double));
    ev->obj = obj;
    ev->feasible = feasible;
    ev->parts = parts;
    f->evals = f->nhist;
    cal_progress(c, ev);
    return obj;
}

/* The GSL objective: maps the free vector u to parameter values. */
static double cal_gsl_f(const gsl_vector *u, void *arg)
{
    cal_ctx *c = arg;
    for (int i = 0; i < c->np; i++)
        c->x[i] = cal_from_free(&c->ps[i], gsl_vector_get(u, (size_t)i));
    return cal_eval_x(c);
}

void cal_fit_free(cal_fit *f)
{
    for (int h = 0; f->hist && h < f->nhist; h++) {
        free(f->hist[h].x);
        free(f->hist[h].parts);
    }
    free(f->hist);
    free(f->start);
    free(f->fitted);
    free(f->held);
    val_report_free(&f->final);
    memset(f, 0, sizeof *f);
}

/* The Nelder-Mead loop over the free variables. */
static void cal_minimise(cal_ctx *c)
{
    cal_fit *f = c->f;
    int np = c->np;
    gsl_vector *u0 = gsl_vector_alloc((size_t)np), *step = gsl_vector_alloc((size_t)np);
    for (int i = 0; i < np; i++) {
        const cal_param *p = &c->ps[i];
        double u = cal_to_free(p, f->start[i]), st = CAL_STEP;
        /* an integer parameter's first step must reach another integer:
         * longer steps, then the other direction (from the upper bound) */
        for (int k = 0; p->integer && k < 40; k++) {
            if (cal_from_free(p, u + st) != f->start[i])
                break;
            st = k == 19 ? -CAL_STEP : st * 1.5;
        }
        gsl_vector_set(u0, (size_t)i, u);
        gsl_vector_set(step, (size_t)i, st);
    }
    gsl_multimin_function fn = {.f = cal_gsl_f, .n = (size_t)np, .params = c};
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, (size_t)np);
    f->stop = "max-iter";
    int st = gsl_multimin_fminimizer_set(s, &fn, u0, step);
    f->size = st ? NAN : gsl_multimin_fminimizer_size(s);
    /* cached evaluations are free; once the simplex has collapsed onto
     * vectors already tried (integer parameters) the iterations stop */
    int idle = 0;
    while (!st && !c->failed && !c->exhausted && f->evals < c->o->max_evals) {
        int before = f->evals;
        st = gsl_multimin_fminimizer_iterate(s);
        f->iters++;
        f->size = gsl_multimin_fminimizer_size(s);
        if (c->failed || c->exhausted)
            break;
        if (st) {
            f->stop = "no progress";
            break;
        }
        idle = f->evals == before ? idle + 1 : 0;
        if (idle >= CAL_IDLE_ITERS) {
            f->stop = "no new vector";
            break;
        }
        if (gsl_multimin_test_size(f->size, c->o->tol) == GSL_SUCCESS) {
            f->stop = "tolerance";
            break;
        }
    }
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(u0);
    gsl_vector_free(step);
}

int cal_search(const cal_opts *o, const cal_param *ps, int np, cal_obj_fn fn, void *arg,
               int nparts, cal_fit *f, vs_err *err)
{
    memset(f, 0, sizeof *f);
    cal_ctx c = {.o = o, .ps = ps, .np = np, .fn = fn, .arg = arg, .f = f, .err = err};
    f->np = np;
    f->nparts = nparts;
    f->start = vs_xcalloc((size_t)np, sizeof(double));
    f->fitted = vs_xcalloc((size_t)np, sizeof(double));
    c.x = vs_xcalloc((size_t)np, sizeof(double));
    for (int i = 0; i < np; i++)
        f->start[i] = ps[i].start;
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    memcpy(c.x, f->start, (size_t)np * sizeof(double));
    cal_eval_x(&c); /* the start first: hist[0] */
    if (!c.failed)
        cal_minimise(&c);
    gsl_set_error_handler(old);
    free(c.x);
    if (c.failed)
        return -1;
    int best = 0;
    for (int h = 1; h < f->nhist; h++)
        if (f->hist[h].obj < f->hist[best].obj)
            best = h;
    memcpy(f->fitted, f->hist[best].x, (size_t)np * sizeof(double));
    f->best = best;
    f->obj_start = f->hist[0].obj;
    f->obj_fitted = f->hist[best].obj;
    return 0;
}

/* cal_run's objective: the fit rows of one measured table. */
typedef struct cal_table_arg {
    const cal_opts *o;
    const cal_param *ps;
    int np;
    const val_measured *mfit; /* the fit rows */
    int *interrupted;
} cal_table_arg;

static int cal_table_fn(void *arg, const double *x, double *obj, int *feasible, double *parts,
                        vs_err *err)
{
    (void)parts;
    cal_table_arg *a = arg;
    val_report r;
    int rc = cal_table_at(a->o, a->mfit, a->ps, a->np, x, &r, obj, feasible, a->interrupted, err);
    val_report_free(&r);
    return rc;
}

int cal_run(const cal_opts *o, const cal_param *ps, int np, const int *held, cal_fit *f,
            int *interrupted, vs_err *err)
{
    memset(f, 0, sizeof *f);
    val_measured mall = {0}, mfit = {0};
    int rc = -1;
    if (val_measured_read(o->csv, o->base, o->file, o->metric, o->xcol, &mall, err))
        goto out;
    int nrows = mall.t.nrows, nheld = 0;
    int *held01 = vs_xcalloc((size_t)nrows, sizeof(int));
    int *keep = vs_xcalloc((size_t)nrows, sizeof(int));
    for (int r = 0; r < nrows; r++) {
        held01[r] = held ? held[r] != 0 : 0;
        keep[r] = !held01[r];
        nheld += held01[r];
    }
    int bad = val_measured_read(o->csv, o->base, o->file, o->metric, o->xcol, &mfit, err) ||
              val_measured_keep(&mfit, keep, err);
    free(keep);
    if (!bad) {
        cal_table_arg a = {.o = o, .ps = ps, .np = np, .mfit = &mfit,
                           .interrupted = interrupted};
        bad = cal_search(o, ps, np, cal_table_fn, &a, 0, f, err);
    }
    f->nrows = nrows;
    f->held = held01;
    f->nheld = nheld;
    f->nfit = nrows - nheld;
    if (bad)
        goto out;
    /* the full comparison at the fit: every row */
    if (cal_table_at(o, &mall, ps, np, f->fitted, &f->final, NULL, NULL, interrupted, err))
        goto out;
    cal_part_errors(&f->final, f->held, 0, &f->fit_err);
    cal_part_errors(&f->final, f->held, 1, &f->held_err);
    rc = 0;
out:
    val_measured_free(&mfit);
    val_measured_free(&mall);
    return rc;
}

/* --- cross-validation ------------------------------------------------------ */

void cal_cv_free(cal_cv *cv)
{
    for (int k = 0; k < cv->nfolds; k++) {
        free(cv->labels[k]);
        if (cv->folds)
            cal_fit_free(&cv->folds[k]);
    }
    free(cv->labels);
    free(cv->folds);
    free(cv->col);
    memset(cv, 0, sizeof *cv);
}

int cal_cv_run(const cal_opts *o, const cal_param *ps, int np, const char *col, cal_cv *cv,
               int *interrupted, vs_err *err)
{
    memset(cv, 0, sizeof *cv);
    csv_table t;
    if (csv_read(o->csv, &t, err))
        return -1;
    int c = csv_col(&t, col), rc = -1;
    int *fold = vs_xcalloc((size_t)t.nrows + 1, sizeof(int)), *held = NULL;
    if (c < 0) {
        char names[2048];
        err_input(err, "--cv %s: %s has no column \"%s\" (columns: %s)", col, t.path, col,
                  cal_colnames(&t, names, sizeof names));
        goto out;
    }
    cv->col = vs_xstrdup(col);
    for (int r = 0; r < t.nrows; r++) {
        const char *v = csv_cell(&t, r, c);
        int k = 0;
        while (k < cv->nfolds && !cal_same_value(cv->labels[k], v))
            k++;
        if (k == cv->nfolds) {
            cv->labels = vs_xreallocarray(cv->labels, (size_t)k + 1, sizeof(char *));
            cv->labels[cv->nfolds++] = vs_xstrdup(v);
        }
        fold[r] = k;
    }
    if (cv->nfolds < 2) {
        err_input(err, "--cv %s: the column has %d value%s in %s; leaving one out needs at least 2",
                  col, cv->nfolds, cv->nfolds == 1 ? "" : "s", t.path);
        goto out;
    }
    cv->folds = vs_xcalloc((size_t)cv->nfolds, sizeof *cv->folds);
    held = vs_xcalloc((size_t)t.nrows + 1, sizeof(int));
    double *meas = vs_xcalloc((size_t)t.nrows + 1, sizeof(double));
    double *mean = vs_xcalloc((size_t)t.nrows + 1, sizeof(double));
    double *half = vs_xcalloc((size_t)t.nrows + 1, sizeof(double));
    int n = 0, refs = 0, bad = 0;
    double sl = 0;
    cv->pooled.log_points = 0;
    for (int k = 0; k < cv->nfolds && !bad; k++) {
        char tag[300];
        snprintf(tag, sizeof tag, "[cv %s=%.200s]", col, cv->labels[k]);
        cal_opts ok = *o;
        ok.tag = tag;
        for (int r = 0; r < t.nrows; r++)
            held[r] = fold[r] == k;
        bad = cal_run(&ok, ps, np, held, &cv->folds[k], interrupted, err);
        if (bad) {
            err_prefix(err, "--cv fold %s=%s", col, cv->labels[k]);
            break;
        }
        const val_report *fr = &cv->folds[k].final;
        for (int r = 0; r < fr->nrows; r++) {
            const val_row *w = &fr->rows[r];
            if (!held[r])
                continue;
            if (w->ref) {
                refs++;
                continue;
            }
            meas[n] = w->measured;
            mean[n] = w->mean;
            half[n++] = w->half;
            if (w->measured > 0 && w->mean > 0) {
                double l = log(w->mean / w->measured);
                sl += l * l;
                cv->pooled.log_points++;
            }
        }
    }
    if (!bad) {
        val_summarize(meas, mean, half, NULL, n, &cv->pooled.s);
        cv->pooled.s.refs = refs;
        cv->pooled.logrmse = cv->pooled.log_points ? sqrt(sl / cv->pooled.log_points) : NAN;
        rc = 0;
    }
    free(meas);
    free(mean);
    free(half);
out:
    free(held);
    free(fold);
    csv_free(&t);
    return rc;
}

/* --- the terminal table ---------------------------------------------------- */

/* One line of errors: "fit       4  4.1%  0.035  12.3  2 of 4". */
static void cal_print_errors(FILE *f, const char *name, int rows, const cal_errors *e)
{
    char b[4][64];
    if (e->s.points == 0) {
        fprintf(f, "  %-9s %5d  %6d  %10s  %11s  %11s  %s\n", name, rows, 0, "-", "-", "-", "-");
        return;
    }
    snprintf(b[3], sizeof b[3], "%d of %d (%.0f%%)", e->s.inside, e->s.points,
             100 * e->s.coverage);
    char mape[64];
    snprintf(mape, sizeof mape, "%s%%", cal_fmt(e->s.mape, b[0], sizeof b[0]));
    fprintf(f, "  %-9s %5d  %6d  %10s  %11s  %11s  %s\n", name, rows, e->s.points, mape,
            cal_fmt(e->logrmse, b[1], sizeof b[1]), cal_fmt(e->s.rmse, b[2], sizeof b[2]), b[3]);
}

/* The header of cal_print_errors' lines. */
static void cal_print_errors_head(FILE *f)
{
    fprintf(f, "  %-9s %5s  %6s  %10s  %11s  %11s  %s\n", "rows", "n", "points", "MAPE",
            "RMS log err", "RMSE", "inside 95% CI");
}

void cal_print(FILE *f, const cal_fit *fit, const cal_param *ps, int np, cal_objective obj)
{
    const val_report *r = &fit->final;
    char b[6][64];
    fprintf(f, "Calibration of %s against %s: metric %s, normalize %s, objective %s\n",
            r->scenario_file, r->measured_file, r->metric, val_norm_name(r->norm),
            cal_objective_name(obj));
    fprintf(f, "Rows: %d fitted, %d held out\n\n", fit->nfit, fit->nheld);
    cal_print_params(f, ps, np, fit->start, fit->fitted);
    fprintf(f, "\n%d evaluations (%d answered from the cache), %d iterations, stopped: %s "
               "(simplex size %s)\n",
            fit->evals, fit->hits, fit->iters, fit->stop, cal_fmt(fit->size, b[0], sizeof b[0]));
    fprintf(f, "objective %s on the fit rows: start %s, fitted %s\n\n", cal_objective_name(obj),
            cal_fmt(fit->obj_start, b[0], sizeof b[0]),
            cal_fmt(fit->obj_fitted, b[1], sizeof b[1]));
    /* the rows */
    int dw = 4;
    for (int i = 0; i < r->nrows; i++)
        if ((int)strlen(r->rows[i].desc) > dw)
            dw = (int)strlen(r->rows[i].desc);
    if (dw > 60)
        dw = 60;
    fprintf(f, "%5s  %-8s  %-*s  %10s  %10s  %23s  %8s  %8s  %s\n", "line", "part", dw, "point",
            "measured", "predicted", "95% CI", "rel err", "log err", "in CI");
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        char ci[96], rel[32], lg[32];
        snprintf(ci, sizeof ci, "%s .. %s", cal_fmt(w->mean - w->half, b[0], sizeof b[0]),
                 cal_fmt(w->mean + w->half, b[1], sizeof b[1]));
        if (isfinite(w->rel_err))
            snprintf(rel, sizeof rel, "%+.1f%%", 100 * w->rel_err);
        else
            snprintf(rel, sizeof rel, "-");
        if (w->measured > 0 && w->mean > 0)
            snprintf(lg, sizeof lg, "%+.4f", log(w->mean / w->measured));
        else
            snprintf(lg, sizeof lg, "-");
        fprintf(f, "%5d  %-8s  %-*.*s  %10s  %10s  %23s  %8s  %8s  %s\n", w->line,
                fit->held[i] ? "held out" : "fit", dw, dw, w->desc,
                cal_fmt(w->measured, b[2], sizeof b[2]), cal_fmt(w->mean, b[3], sizeof b[3]), ci,
                rel, lg, w->ref ? "ref" : w->inside ? "yes" : "no");
    }
    fprintf(f, "\nErrors at the fitted values:\n");
    cal_print_errors_head(f);
    cal_print_errors(f, "fit", fit->nfit, &fit->fit_err);
    cal_print_errors(f, "held out", fit->nheld, &fit->held_err);
}

void cal_cv_print(FILE *f, const cal_cv *cv, const cal_param *ps, int np, cal_objective obj)
{
    char b[6][64];
    fprintf(f, "Leave-one-group-out cross-validation over %s (%d groups): fit on the others, "
               "errors (MAPE, RMS log err, CI) on the group left out\n\n",
            cv->col, cv->nfolds);
    int pw[CAL_MAX_PARAMS];
    fprintf(f, "%-24s  %4s", "left out", "rows");
    for (int i = 0; i < np && i < CAL_MAX_PARAMS; i++) {
        pw[i] = strlen(ps[i].path) > 10 ? (int)strlen(ps[i].path) : 10;
        fprintf(f, "  %*s", pw[i], ps[i].path);
    }
    char head[64];
    snprintf(head, sizeof head, "fit %s", cal_objective_name(obj));
    fprintf(f, "  %5s  %12s  %10s  %11s  %s\n", "evals", head, "MAPE", "RMS log err",
            "inside 95% CI");
    for (int k = 0; k < cv->nfolds; k++) {
        const cal_fit *fd = &cv->folds[k];
        char lab[256], mape[64], in[64];
        snprintf(lab, sizeof lab, "%s=%s", cv->col, cv->labels[k]);
        fprintf(f, "%-24.24s  %4d", lab, fd->nheld);
        for (int i = 0; i < np && i < CAL_MAX_PARAMS; i++)
            fprintf(f, "  %*s", pw[i], cal_fmt(fd->fitted[i], b[0], sizeof b[0]));
        const cal_errors *e = &fd->held_err;
        snprintf(mape, sizeof mape, "%s%s", cal_fmt(e->s.mape, b[1], sizeof b[1]),
                 isfinite(e->s.mape) ? "%" : "");
        if (e->s.points)
            snprintf(in, sizeof in, "%d of %d", e->s.inside, e->s.points);
        else
            snprintf(in, sizeof in, "-");
        fprintf(f, "  %5d  %12s  %10s  %11s  %s\n", fd->evals,
                cal_fmt(fd->obj_fitted, b[2], sizeof b[2]), mape,
                cal_fmt(e->logrmse, b[3], sizeof b[3]), in);
    }
    const cal_errors *p = &cv->pooled;
    fprintf(f, "\npooled over the left-out rows (each predicted by the fit without its group): "
               "%d points, MAPE %s%%, RMS log err %s, RMSE %s, inside the 95%% CI %d of %d\n",
            p->s.points, cal_fmt(p->s.mape, b[0], sizeof b[0]),
            cal_fmt(p->logrmse, b[1], sizeof b[1]), cal_fmt(p->s.rmse, b[2], sizeof b[2]),
            p->s.inside, p->s.points);
}

/* --- documents -------------------------------------------------------------- */

json_t *cal_errors_json(const cal_errors *e)
{
    return json_pack("{s:i,s:i,s:o,s:o,s:o,s:i,s:o,s:i}", "points", e->s.points,
                     "reference_points", e->s.refs, "mape_pct", cal_jnum(e->s.mape),
                     "rms_log_error", cal_jnum(e->logrmse), "rmse", cal_jnum(e->s.rmse),
                     "inside_ci", e->s.inside, "coverage", cal_jnum(e->s.coverage),
                     "log_points", e->log_points);
}

/* {PATH: value} of a vector. */
static json_t *cal_vector_json(const cal_param *ps, int np, const double *x)
{
    json_t *o = json_object();
    for (int i = 0; i < np; i++)
        json_object_set_new(o, ps[i].path, ps[i].integer ? json_integer((json_int_t)x[i])
                                                         : cal_jnum(x[i]));
    return o;
}

json_t *cal_fit_json(const cal_fit *fit, const cal_param *ps, int np)
{
    const val_report *r = &fit->final;
    json_t *params = json_array(), *hist = json_array(), *rows = json_array();
    for (int i = 0; i < np; i++)
        json_array_append_new(
            params, json_pack("{s:s,s:f,s:f,s:s,s:b,s:o,s:s,s:o}", "path", ps[i].path, "lo",
                              ps[i].lo, "hi", ps[i].hi, "scale", ps[i].log ? "log" : "linear",
                              "integer", ps[i].integer, "start", cal_jnum(fit->start[i]),
                              "start_from", ps[i].start_from, "fitted",
                              cal_jnum(fit->fitted[i])));
    for (int h = 0; h < fit->nhist; h++)
        json_array_append_new(hist, json_pack("{s:i,s:o,s:o,s:b}", "eval", h + 1, "values",
                                              cal_vector_json(ps, np, fit->hist[h].x),
                                              "objective", cal_jnum(fit->hist[h].obj),
                                              "feasible", fit->hist[h].feasible));
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        json_t *axes = json_object();
        for (int a = 0; a < r->naxes; a++)
            json_object_set_new(axes, r->axis_names[a], sc_parse_value(w->axis_text[a]));
        double lg = w->measured > 0 && w->mean > 0 ? log(w->mean / w->measured) : NAN;
        json_array_append_new(
            rows, json_pack("{s:i,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:b,s:b}", "line",
                            w->line, "axes", axes, "part", fit->held[i] ? "held_out" : "fit",
                            "measured", cal_jnum(w->measured), "measured_raw",
                            cal_jnum(w->measured_raw), "predicted_mean", cal_jnum(w->mean),
                            "ci_lo", cal_jnum(w->mean - w->half), "ci_hi",
                            cal_jnum(w->mean + w->half), "rel_error", cal_jnum(w->rel_err),
                            "log_error", cal_jnum(lg), "n", w->n_used, "inside_ci", w->inside,
                            "reference", w->ref));
    }
    return json_pack("{s:o,s:i,s:i,s:i,s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "params",
                     params, "rows_fit", fit->nfit, "rows_held_out", fit->nheld, "evaluations",
                     fit->evals, "cache_hits", fit->hits, "iterations", fit->iters,
                     "stop_reason", fit->stop, "simplex_size", cal_jnum(fit->size),
                     "objective_start", cal_jnum(fit->obj_start), "objective_fitted",
                     cal_jnum(fit->obj_fitted), "start", cal_vector_json(ps, np, fit->start),
                     "fitted", cal_vector_json(ps, np, fit->fitted), "history", hist, "errors",
                     json_pack("{s:o,s:o}", "fit", cal_errors_json(&fit->fit_err), "held_out",
                               cal_errors_json(&fit->held_err)),
                     "rows", rows);
}

json_t *cal_cv_json(const cal_cv *cv, const cal_param *ps, int np)
{
    json_t *folds = json_array();
    for (int k = 0; k < cv->nfolds; k++)
        json_array_append_new(folds, json_pack("{s:s,s:o}", "left_out", cv->labels[k],
                                               "calibration", cal_fit_json(&cv->folds[k], ps, np)));
    return json_pack("{s:s,s:o,s:o}", "column", cv->col, "folds", folds, "pooled_held_out",
                     cal_errors_json(&cv->pooled));
}

json_t *cal_fitted_doc(json_t *base, const char *file, const cal_param *ps, int np,
                       const double *x, const char *note, vs_err *err)
{
    json_t *d = cal_doc_at(base, ps, np, x, err);
    if (!d)
        return NULL;
    json_t *host = json_object_get(d, "host");
    json_t *pn = json_is_object(host) ? json_object_get(host, "preset") : NULL;
    if (json_is_string(pn)) { /* merge the preset, as the loader does, so no file is needed */
        char ppath[4096];
        json_t *merged = NULL;
        if (sc_find_preset(file, "hosts", json_string_value(pn), ppath, sizeof ppath, err) ||
            !(merged = sc_read_json(ppath, err))) {
            json_decref(d);
            return NULL;
        }
        if (!json_is_object(merged)) {
            json_decref(merged);
            json_decref(d);
            err_input(err, "%s: expected a host object at the top level", ppath);
            return NULL;
        }
        json_t *over = json_deep_copy(host);
        json_object_del(over, "preset");
        json_object_update_recursive(merged, over);
        json_decref(over);
        json_object_set_new(d, "host", merged);
    }
    if (!json_object_get(d, "name")) { /* the name the original file gave by default */
        const char *b = strrchr(file, '/');
        json_object_set_new(d, "name", json_string(b ? b + 1 : file));
    }
    if (note)
        json_object_set_new(d, "_calibrated", json_string(note));
    return d;
}

int cal_write_json(const char *path, json_t *doc, vs_err *err)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) : NULL;
    if (!text)
        return err_internal(err, "%s: cannot encode the document (out of memory, or text that "
                                 "is not UTF-8)",
                            path);
    size_t l = strlen(text);
    char *t2 = vs_xmalloc(l + 2);
    memcpy(t2, text, l);
    memcpy(t2 + l, "\n", 2);
    free(text);
    int rc = fsu_write_string(path, t2, err);
    free(t2);
    return rc;
}
