/* cmd_fit.c - `vmsim fit FILE.csv [--x COLUMN] [--y COLUMN] [--json]`:
 * fits the Universal Scalability Law to two columns of a CSV table (see
 * docs/fit.md, analysis/usl.h and analysis/csv.h). */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csv.h"
#include "analysis/usl.h"
#include "cli/cmds.h"
#include "output/jsonw.h"
#include "sim/err.h"
#include "sim/mem.h"

const char fit_usage[] =
    "usage: vmsim fit FILE.csv [--x COLUMN] [--y COLUMN] [--json]\n"
    "\n"
    "Fits the Universal Scalability Law\n"
    "    X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1))\n"
    "to the points of a CSV table with a header line: column x is the\n"
    "concurrency N (cores, threads, clients), column y the throughput X.\n"
    "sigma and kappa are constrained to be >= 0.\n"
    "\n"
    "  --x COLUMN  the concurrency column (default: the first column whose\n"
    "              every value is a number)\n"
    "  --y COLUMN  the throughput column (default: the next such column)\n"
    "  --json      print a JSON object instead of a table\n"
    "  --help      print this help\n"
    "FILE.csv - reads standard input.\n"
    "\n"
    "Exit status: 0 fitted, 2 bad input or usage, 1 internal error.\n";

/* The parsed command line. */
typedef struct fit_cfg {
    const char *file;  /* the CSV file */
    const char *xname; /* --x, or NULL for the default */
    const char *yname; /* --y, or NULL for the default */
    int json;          /* --json given */
    int help;          /* --help given */
} fit_cfg;

enum { FIT_X = 256, FIT_Y, FIT_JSON };

const args_opt fit_options[] = {
    {"x", 0, "COLUMN", FIT_X},
    {"y", 0, "COLUMN", FIT_Y},
    {"json", 0, NULL, FIT_JSON},
    {0, 0, 0, 0},
};

/* Parses argv (argv[0] is "fit"): 0, 1 for --help, or 2 after printing a
 * usage error. */
static int fit_args(int argc, char **argv, fit_cfg *o)
{
    memset(o, 0, sizeof *o);
    args_parser p;
    args_init(&p, "fit", fit_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        switch (id) {
        case ARGS_HELP: o->help = 1; return 1;
        case ARGS_ERR: return args_usage_error("fit", "%s", p.err);
        case FIT_JSON: o->json = 1; break;
        case FIT_X:
        case FIT_Y:
            if (!*p.val)
                return args_usage_error("fit", "%s needs a non-empty column name", p.opt);
            *(id == FIT_X ? &o->xname : &o->yname) = p.val;
            break;
        case ARGS_POS:
            if (o->file)
                return args_usage_error("fit", "one CSV file expected, got '%s' and '%s'",
                                        o->file, p.val);
            if (!*p.val) /* "" gave ": cannot open: No such file or directory" */
                return args_usage_error("fit", "empty CSV file name");
            char msg[512];
            if (!(o->file = args_input(p.val, "stdin.csv", msg, sizeof msg)))
                return args_usage_error("fit", "%s", msg);
            break;
        }
    }
    if (!o->file)
        return args_usage_error("fit", "missing the CSV file");
    return 0;
}

/* Writes "a, b, c" (the column names, shortened past a few) into buf. */
static const char *fit_colnames(const csv_table *t, char *buf, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int k = 0; k < t->ncols && o + 1 < n; k++) {
        if (k == 12) {
            snprintf(buf + o, n - o, ", ... (%d in all)", t->ncols);
            break;
        }
        o += (size_t)snprintf(buf + o, n - o, "%s\"%s\"", k ? ", " : "", t->names[k]);
    }
    return buf;
}

/* Resolves a column given by name; error lists the columns. */
static int fit_named_col(const csv_table *t, const char *opt, const char *name, int *col,
                         vs_err *err)
{
    *col = csv_col(t, name);
    if (*col >= 0)
        return 0;
    char names[512];
    return err_input(err, "%s: %s: no column \"%s\" (columns: %s)", t->path, opt, name,
                     fit_colnames(t, names, sizeof names));
}

/* The first all-numeric column other than `skip`, or -1. */
static int fit_first_numeric(const csv_table *t, int skip)
{
    for (int k = 0; k < t->ncols; k++)
        if (k != skip && csv_col_numeric(t, k))
            return k;
    return -1;
}

/* A hint for the "no two numeric columns" error: the first cell that keeps
 * a column holding some numbers from being all numeric ("nan", "1e400",
 * "0x2"), or "" when there is none. Without it the error did not say which
 * cell was wrong (tests/bad-inputs/nan-cell.csv). */
static const char *fit_hint(const csv_table *t, char *buf, size_t n)
{
    buf[0] = '\0';
    for (int k = 0; k < t->ncols; k++) {
        int bad = -1, good = 0;
        for (int i = 0; i < t->nrows && !(good && bad >= 0); i++) {
            double v;
            if (csv_num(t, i, k, &v, NULL) == 0)
                good = 1;
            else if (bad < 0)
                bad = i;
        }
        if (good && bad >= 0) {
            snprintf(buf, n, "; column \"%s\" is not all numbers: line %d has \"%.40s\"",
                     t->names[k], csv_line(t, bad), csv_cell(t, bad, k));
            break;
        }
    }
    return buf;
}

/* Picks the x and y columns from the options and the table. */
static int fit_columns(const csv_table *t, const fit_cfg *o, int *xc, int *yc, vs_err *err)
{
    *xc = *yc = -1;
    if (o->xname && fit_named_col(t, "--x", o->xname, xc, err) < 0)
        return -1;
    if (o->yname && fit_named_col(t, "--y", o->yname, yc, err) < 0)
        return -1;
    if (*xc < 0)
        *xc = fit_first_numeric(t, *yc);
    if (*yc < 0)
        *yc = fit_first_numeric(t, *xc);
    if (*xc >= 0 && *xc == *yc)
        return err_input(err, "%s: --x and --y name the same column \"%s\"", t->path,
                         t->names[*xc]);
    if (*xc < 0 || *yc < 0) {
        char names[512], hint[160];
        return err_input(err,
                         "%s: no two columns with only numbers to use as x and y (columns: %s)%s; "
                         "name them with --x and --y",
                         t->path, fit_colnames(t, names, sizeof names), fit_hint(t, hint, sizeof hint));
    }
    return 0;
}

/* Reads column col into v[nrows]: concurrencies (is_n) must lie in
 * [1, USL_MAX_N], throughputs must be > 0. */
static int fit_values(const csv_table *t, int col, int is_n, double *v, vs_err *err)
{
    for (int i = 0; i < t->nrows; i++) {
        if (csv_num(t, i, col, &v[i], err) < 0)
            return -1;
        if (is_n ? !(v[i] >= 1 && v[i] <= USL_MAX_N) : !(v[i] > 0))
            return err_input(err, "%s:%d: column \"%s\": expected %s, found \"%s\"", t->path,
                             csv_line(t, i), t->names[col],
                             is_n ? "a concurrency N from 1 to 1e9" : "a throughput > 0",
                             csv_cell(t, i, col));
    }
    return 0;
}

/* A JSON number, or null for a non-finite value (JSON has no inf/nan). */
static json_t *fit_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static int fit_print_json(const csv_table *t, int xc, int yc, const usl_result *r, vs_err *err)
{
    json_t *o = json_object();
    if (!o)
        return err_internal(err, "out of memory building JSON");
    int bad = 0;
    bad |= json_object_set_new(o, "lambda", fit_jnum(r->lambda));
    bad |= json_object_set_new(o, "sigma", fit_jnum(r->sigma));
    bad |= json_object_set_new(o, "kappa", fit_jnum(r->kappa));
    bad |= json_object_set_new(o, "lambda_se", fit_jnum(r->lambda_se));
    bad |= json_object_set_new(o, "sigma_se", fit_jnum(r->sigma_se));
    bad |= json_object_set_new(o, "kappa_se", fit_jnum(r->kappa_se));
    bad |= json_object_set_new(o, "n_star", fit_jnum(r->n_star));
    bad |= json_object_set_new(o, "peak", fit_jnum(r->peak));
    bad |= json_object_set_new(o, "r2", fit_jnum(r->r2));
    bad |= json_object_set_new(o, "rmse", fit_jnum(r->rmse));
    bad |= json_object_set_new(o, "points", json_integer(r->points));
    bad |= json_object_set_new(o, "x", json_string(t->names[xc]));
    bad |= json_object_set_new(o, "y", json_string(t->names[yc]));
    bad |= json_object_set_new(o, "iterations", json_integer(r->iterations));
    bad |= json_object_set_new(o, "converged", json_boolean(r->converged));
    char *s = bad ? NULL : jw_text(o);
    json_decref(o);
    if (!s) /* json_string also fails on names that are not UTF-8 */
        return err_input(err, "%s: cannot encode the result as JSON (column names must be UTF-8)",
                         t->path);
    fputs(s, stdout);
    free(s);
    return 0;
}

/* Formats "value +- se" (or "value +- n/a") into buf. */
static const char *fit_pm(double v, double se, char *buf, size_t n)
{
    if (isfinite(se))
        snprintf(buf, n, "%-12.6g +- %.3g", v, se);
    else
        snprintf(buf, n, "%-12.6g +- n/a (no degrees of freedom left)", v);
    return buf;
}

static void fit_print_table(const csv_table *t, int xc, int yc, const usl_result *r)
{
    char b[128];
    printf("USL fit of %s: N = column \"%s\", X = column \"%s\", %d points\n", t->path,
           t->names[xc], t->names[yc], r->points);
    printf("  lambda  %s\n", fit_pm(r->lambda, r->lambda_se, b, sizeof b));
    printf("  sigma   %s\n", fit_pm(r->sigma, r->sigma_se, b, sizeof b));
    printf("  kappa   %s\n", fit_pm(r->kappa, r->kappa_se, b, sizeof b));
    if (isfinite(r->n_star))
        printf("  N*      %.6g\n", r->n_star);
    else
        printf("  N*      inf (kappa = 0: no retrograde region)\n");
    if (isfinite(r->peak))
        printf("  peak    %.6g%s\n", r->peak, isfinite(r->n_star) ? "" : " (asymptote)");
    else
        printf("  peak    inf (linear scaling)\n");
    printf("  R^2     %.6f\n", r->r2);
    printf("  RMSE    %.6g\n", r->rmse);
}

/* The command without the printing of errors; returns 0 or -1 with err. */
static int fit_run(int argc, char **argv, vs_err *err)
{
    fit_cfg o;
    int pr = fit_args(argc, argv, &o);
    if (pr == 1) {
        fputs(fit_usage, stdout);
        return 0;
    }
    if (pr)
        return -2;
    csv_table t;
    if (csv_read(o.file, &t, err) < 0)
        return -1;
    int xc, yc, rc = -1;
    double *n = vs_xmalloc((size_t)(t.nrows ? t.nrows : 1) * sizeof *n);
    double *x = vs_xmalloc((size_t)(t.nrows ? t.nrows : 1) * sizeof *x);
    usl_result r;
    if (fit_columns(&t, &o, &xc, &yc, err) < 0 || fit_values(&t, xc, 1, n, err) < 0 ||
        fit_values(&t, yc, 0, x, err) < 0)
        goto out;
    if (usl_fit(n, x, t.nrows, &r, err) < 0) {
        err_prefix(err, "%s", t.path);
        goto out;
    }
    if (!r.converged)
        fprintf(stderr,
                "vmsim fit: warning: %s: the fit did not converge in %d iterations; the "
                "parameters are the last iterate (is the data USL-shaped?)\n",
                t.path, r.iterations);
    if (o.json) {
        if (fit_print_json(&t, xc, yc, &r, err) < 0)
            goto out;
    } else {
        fit_print_table(&t, xc, yc, &r);
    }
    rc = 0;
out:
    free(n);
    free(x);
    csv_free(&t);
    return rc;
}

int cmd_fit(int argc, char **argv)
{
    vs_err err = {0};
    int rc = fit_run(argc, argv, &err);
    if (rc == -2)
        return VS_EXIT_INPUT; /* a usage error, printed */
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "vmsim fit: cannot write the output: %s\n", strerror(errno));
        return VS_EXIT_INTERNAL;
    }
    if (rc < 0) {
        fprintf(stderr, "vmsim fit: %s\n", err.msg);
        return err.code == VS_EXIT_INTERNAL ? VS_EXIT_INTERNAL : VS_EXIT_INPUT;
    }
    return VS_EXIT_OK;
}
