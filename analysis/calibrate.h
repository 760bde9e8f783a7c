/* calibrate.h - fitting named scenario parameters to a measured CSV:
 * `vmsim calibrate` (docs/calibrate.md).
 *
 * The objective of a parameter vector is computed exactly as `vmsim
 * validate` compares (analysis/validate.h): the scenario with the vector
 * set runs at the measured points with seeds 1..N (the same seeds for every
 * vector: common random numbers, so the objective is a deterministic
 * function of the vector), and its predictions are compared with the FIT
 * rows alone - the held-out rows are removed from the measured table
 * (val_measured_keep) before anything runs, so neither their values nor
 * their normalisation enter the fit. Derivative-free Nelder-Mead
 * (gsl_multimin_fminimizer_nmsimplex2) minimises it in an unbounded space:
 * every parameter is mapped by the logit of its position in [LO, HI]
 * (linear, or of ln x in [ln LO, ln HI] for a log parameter), so every
 * vector tried lies inside the bounds. Evaluations of a vector already tried
 * are answered from a cache.
 *
 *   cal_parse_param, cal_check_params   --param PATH:LO:HI[:log][:START]
 *   cal_parse_split, cal_split_rows     --holdout SPEC: which rows are held out
 *   cal_search                          the Nelder-Mead search over any
 *                                       objective of a vector (cal_obj_fn)
 *   cal_table_at                        one measured table run and compared
 *                                       at a vector (the objective of cal_run)
 *   cal_run                             one calibration: fit, then the full
 *                                       comparison of every row at the fit
 *   cal_cv_run                          leave-one-group-out cross-validation
 *   cal_print, cal_fit_json, ...        the terminal table and the documents
 *
 * Invariants of a cal_fit after cal_run: 1 <= nhist = evals <= max_evals
 * (once the budget is spent, the minimiser's further requests get
 * CAL_PENALTY and it stops); fitted is the history's vector of
 * least objective (the first of equals); final has one row per measured row,
 * held[r] says which part row r is in. */
#ifndef VMSIM_CALIBRATE_H
#define VMSIM_CALIBRATE_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/csv.h"
#include "analysis/validate.h"
#include "sim/err.h"

#define CAL_MAX_PARAMS 16      /* --param at most */
#define CAL_DEFAULT_EVALS 40   /* --max-iter: simulated evaluations */
#define CAL_MAX_EVALS 100000   /* --max-iter at most */
#define CAL_DEFAULT_TOL 1e-3   /* --tol: simplex size in the free space */
#define CAL_STEP 1.0           /* initial simplex step in the free (logit) space */
#define CAL_IDLE_ITERS 30      /* stop after this many iterations without a new vector */
#define CAL_PENALTY 1e6        /* objective of a vector whose predictions it cannot take */

/* What the fit minimises over the fit rows (reference rows excluded). */
typedef enum cal_objective {
    CAL_OBJ_LOGRMSE, /* sqrt(mean ln(predicted / measured)^2): scale-free (default) */
    CAL_OBJ_MAPE,    /* 100 x mean |predicted - measured| / |measured| */
    CAL_OBJ_RMSE,    /* sqrt(mean (predicted - measured)^2), in the metric's unit */
} cal_objective;

/* One parameter to fit. Invariants after cal_check_params: tlo < start < thi;
 * lo < hi; lo > 0 when log; for an integer parameter lo and hi are the
 * smallest and largest integer allowed and tlo, thi are half a unit outside
 * them, so rounding covers every integer of [lo, hi] evenly. */
typedef struct cal_param {
    char *path;             /* the scenario path, as --set takes it (owned) */
    double lo, hi;          /* the bounds */
    int log;                /* log scale */
    int integer;            /* the scenario takes integers only: values are rounded */
    double tlo, thi;        /* the interval the logit maps (see above) */
    double start;           /* the starting value */
    int start_given;        /* START came from the command line */
    const char *start_from; /* "given", "scenario" (its value) or "midpoint" (static) */
} cal_param;

/* v with 5 significant digits, "-" when not finite, into buf. Returns buf. */
const char *cal_fmt(double v, char *buf, size_t n);
/* The parameter table of a report: path, scale, bounds, start (and where
 * it came from), fitted value, one row per parameter. */
void cal_print_params(FILE *f, const cal_param *ps, int np, const double *start,
                      const double *fitted);
/* Parses "PATH:LO:HI[:log|:lin][:START]" (syntax only: LO < HI, LO > 0 for
 * log, START a number). Errors name the spec. Free with cal_param_free. */
int cal_parse_param(const char *spec, cal_param *p, vs_err *err);
/* Frees p->path. Safe on a zeroed one. */
void cal_param_free(cal_param *p);
/* The free variable of x: logit of x's place in [tlo, thi] (of ln x for
 * log). x must lie strictly inside; +-inf at the bounds. Can't fail. */
double cal_to_free(const cal_param *p, double x);
/* The value of free variable u: inside [tlo, thi] for every finite u,
 * rounded and clamped to [lo, hi] for an integer parameter. Can't fail. */
double cal_from_free(const cal_param *p, double u);

/* Checks the parameters against the scenario `base` (after --set; read
 * from `file`) and the measured table m, the way --set is checked: LO and
 * HI must each make a valid scenario (so an unknown path is refused with the
 * loader's "did you mean"); finds integer parameters (the scenario refuses
 * a fraction with "expected an integer") and moves their bounds to
 * integers; chooses the start when none is given (the scenario's value,
 * also one its host preset sets, when strictly inside the bounds, else the
 * midpoint, geometric for log) and
 * checks a given one lies strictly inside; refuses two parameters on one
 * path and a parameter that a column of the CSV sets; finally every measured
 * row must make a valid scenario with all parameters at LO, at HI and at the
 * start (val_measured_read on `csv` with `metric` and `xcol`). Input errors. */
int cal_check_params(json_t *base, const char *file, const val_measured *m, const char *csv,
                     const char *metric, const char *xcol, cal_param *ps, int np, vs_err *err);
/* A copy of base with every parameter set to x[i] (integers as JSON
 * integers). New reference, or NULL with err (internal). */
json_t *cal_doc_at(json_t *base, const cal_param *ps, int np, const double *x, vs_err *err);

/* Which measured rows are held out of the fit. */
typedef enum cal_split_kind {
    CAL_SPLIT_NONE,   /* "none": every row is fitted */
    CAL_SPLIT_VALUES, /* "COL=V1,V2": rows whose COL equals one of the values */
    CAL_SPLIT_GE,     /* "COL>=X" */
    CAL_SPLIT_LE,     /* "COL<=X" */
    CAL_SPLIT_GT,     /* "COL>X" */
    CAL_SPLIT_LT,     /* "COL<X" */
    CAL_SPLIT_EVERY,  /* "every:K": data rows K, 2K, 3K, ... (1-based, file order) */
} cal_split_kind;

typedef struct cal_split {
    cal_split_kind kind; /* the rule */
    char *spec;          /* the text as given (owned) */
    char *col;           /* the column for VALUES and the comparisons (owned) */
    char **values;       /* nvalues texts for VALUES (owned) */
    int nvalues;         /* number of values */
    double x;            /* the threshold of a comparison */
    int k;               /* EVERY: K >= 2 */
} cal_split;

/* Parses a --holdout SPEC (see cal_split_kind). Free with cal_split_free. */
int cal_parse_split(const char *spec, cal_split *s, vs_err *err);
/* Frees what cal_parse_split allocated and zeroes *s. Safe on a zeroed one. */
void cal_split_free(cal_split *s);
/* Fills held[r] (1 held out, 0 fitted) for every data row of t. Errors
 * (input): an unknown column (listing the columns), a cell that is no
 * number for a comparison, a split (other than none) that leaves the fit
 * part or the held-out part empty. */
int cal_split_rows(const cal_split *s, const csv_table *t, int *held, vs_err *err);

/* How cal_run runs. */
typedef struct cal_opts {
    const char *file;        /* the scenario file */
    json_t *base;            /* the scenario after --set (borrowed) */
    const char *csv;         /* the measured CSV */
    const char *metric;      /* --metric or NULL */
    const char *xcol;        /* --x or NULL */
    val_norm norm;           /* --normalize */
    cal_objective objective; /* --objective */
    int nseeds;              /* seeds 1..nseeds per point */
    int jobs;                /* val_run's -j */
    int max_evals;           /* simulated evaluations at most */
    double tol;              /* stop when the simplex is smaller (free space) */
    const char *rundir;      /* the run directory (rewritten by every evaluation) */
    const char *run_cmd;     /* the runs' command_line */
    int quiet;               /* no progress lines on stderr */
    const char *tag;         /* prefix of the progress lines (a cv fold), or NULL */
} cal_opts;

/* One evaluation: a vector and its objective over the fit rows. */
typedef struct cal_eval {
    double *x;    /* np values (owned) */
    double obj;   /* the objective; CAL_PENALTY when not feasible */
    int feasible; /* the predictions could be compared (logrmse: all > 0) */
    double *parts; /* the cal_fit's nparts partial objectives (one per dataset), or NULL
                      when nparts is 0 (owned) */
} cal_eval;

/* Errors of one part of the rows in the final comparison. */
typedef struct cal_errors {
    val_summary s;   /* MAPE, RMSE, coverage over the part's non-reference rows */
    double logrmse;  /* sqrt(mean ln(predicted / measured)^2); NAN without such rows */
    int log_points;  /* rows in logrmse (measured and predicted > 0) */
} cal_errors;

/* One calibration. */
typedef struct cal_fit {
    int np;               /* parameters */
    double *start;        /* np starting values (owned) */
    double *fitted;       /* np fitted values (owned) */
    double obj_start;     /* objective at the start */
    double obj_fitted;    /* objective at fitted */
    int evals;            /* simulated evaluations (= nhist) */
    int hits;             /* evaluations answered from the cache */
    int iters;            /* minimiser iterations */
    double size;          /* the simplex size at the end (free space) */
    const char *stop;     /* "tolerance", "max-iter", "no new vector" (the simplex
                             only revisits vectors: integers) or "no progress" (static) */
    cal_eval *hist;       /* nhist evaluations in order (owned) */
    int nhist;            /* number of evaluations */
    int best;             /* index in hist of fitted */
    int nparts;           /* partial objectives per evaluation (0 for cal_run) */
    int nrows;            /* measured rows */
    int *held;            /* nrows: 1 held out (owned) */
    int nfit, nheld;      /* rows in each part */
    val_report final;     /* every measured row at fitted (owned) */
    cal_errors fit_err;   /* the fit rows in final */
    cal_errors held_err;  /* the held-out rows in final */
} cal_fit;

/* The objective of the vector x (np values inside the bounds) for
 * cal_search: sets *obj and *feasible (0: the predictions cannot enter the
 * objective; the search then uses CAL_PENALTY) and, when the search was given
 * nparts > 0, parts[0..nparts-1]. Returns 0, or -1 with err (the search
 * stops and fails). */
typedef int (*cal_obj_fn)(void *arg, const double *x, double *obj, int *feasible,
                          double *parts, vs_err *err);
/* Minimises fn from the parameters' starts with Nelder-Mead in the free
 * space under o's max_evals, tol, quiet and tag (progress lines name
 * o->objective); fills f's start, fitted, best, obj_start, obj_fitted,
 * evals, hits, iters, size, stop and history (not the rows). Fails with fn's
 * error. Free f with cal_fit_free, also after failure. */
int cal_search(const cal_opts *o, const cal_param *ps, int np, cal_obj_fn fn, void *arg,
               int nparts, cal_fit *f, vs_err *err);
/* Runs the measured table m with the scenario o->base at x (o's file,
 * rundir, nseeds, jobs, run_cmd, norm) and computes the report r (free it
 * with val_report_free, also after failure); when obj is not NULL also the
 * objective o->objective over r's rows (cal_report_objective). Errors as
 * val_run and val_compute; an interrupted run sets *interrupted (may be
 * NULL). */
int cal_table_at(const cal_opts *o, const val_measured *m, const cal_param *ps, int np,
                 const double *x, val_report *r, double *obj, int *feasible, int *interrupted,
                 vs_err *err);
/* The objective o over every non-reference row of a computed report; sets
 * *feasible = 0 and *obj = CAL_PENALTY when a predicted value cannot enter
 * it (logrmse: a mean <= 0). Input errors when the rows never can give one
 * (no point left, logrmse with a measured value <= 0, ...). */
int cal_report_objective(const val_report *r, cal_objective o, double *obj, int *feasible,
                         vs_err *err);

/* Fits the parameters on the rows with !held[r] (held NULL: all rows) from
 * their start, then runs every row at the fitted vector and fills f. Errors:
 * input (an objective the fit rows cannot give: no point left after
 * normalisation, logrmse with a measured value <= 0, ...) or internal (a
 * failed run); with -j > 1 an interruption is an internal error and sets
 * *interrupted (may be NULL). Free f with cal_fit_free, also after failure. */
int cal_run(const cal_opts *o, const cal_param *ps, int np, const int *held, cal_fit *f,
            int *interrupted, vs_err *err);
/* Frees what cal_run allocated and zeroes *f. Safe on a zeroed one. */
void cal_fit_free(cal_fit *f);
/* The errors of the rows r of a computed report with held[r] == part
 * (held NULL: every row is part 0). Can't fail. */
void cal_part_errors(const val_report *r, const int *held, int part, cal_errors *e);

/* Leave-one-group-out cross-validation over the values of one column. */
typedef struct cal_cv {
    char *col;          /* the column (owned) */
    int nfolds;         /* distinct values, >= 2 */
    char **labels;      /* nfolds values as in the CSV (owned) */
    cal_fit *folds;     /* nfolds fits, fold k holding out value k (owned) */
    cal_errors pooled;  /* every row as predicted by the fold that held it out */
} cal_cv;

/* Runs one calibration per distinct value of column `col` (file order),
 * holding that value's rows out. Errors: an unknown column or fewer than 2
 * values (input), and cal_run's. Free with cal_cv_free, also after failure. */
int cal_cv_run(const cal_opts *o, const cal_param *ps, int np, const char *col, cal_cv *cv,
               int *interrupted, vs_err *err);
/* Frees a cross-validation and zeroes it. Safe on a zeroed one. */
void cal_cv_free(cal_cv *cv);

/* Parses "logrmse", "mape" or "rmse" (any case). */
int cal_parse_objective(const char *s, cal_objective *out, vs_err *err);
/* "logrmse", "mape" or "rmse". Can't fail. */
const char *cal_objective_name(cal_objective o);

/* Prints a calibration: parameters, evaluations, the per-row table, the
 * errors of both parts. Can't fail. */
void cal_print(FILE *f, const cal_fit *fit, const cal_param *ps, int np, cal_objective obj);
/* Prints the cross-validation's summary table. Can't fail. */
void cal_cv_print(FILE *f, const cal_cv *cv, const cal_param *ps, int np, cal_objective obj);
/* A calibration as JSON (params, history, errors, rows). New reference. */
json_t *cal_fit_json(const cal_fit *fit, const cal_param *ps, int np);
/* A cross-validation as JSON. New reference. */
json_t *cal_cv_json(const cal_cv *cv, const cal_param *ps, int np);
/* The errors of a part as JSON. New reference. */
json_t *cal_errors_json(const cal_errors *e);
/* The scenario with the fitted values set, self-contained: base (after
 * --set, sweep section kept) with a host preset merged in and a "_calibrated"
 * comment `note`. New reference, or NULL with err. */
json_t *cal_fitted_doc(json_t *base, const char *file, const cal_param *ps, int np,
                       const double *x, const char *note, vs_err *err);
/* Writes a JSON document atomically, indented, with a final newline. */
int cal_write_json(const char *path, json_t *doc, vs_err *err);

#endif
