/* calxval.h - one calibration over several datasets and leave-one-dataset-
 * out cross-validation: `vmsim calibrate --dataset ... [--cv-datasets]`
 * (docs/calibrate.md, "Several datasets").
 *
 * A dataset is a scenario and a measured CSV of it (with its own metric and
 * normalisation), compared as `vmsim validate` compares. One parameter
 * vector (cal_param, the same paths) is set in every dataset's scenario; the
 * joint objective is the mean of the per-dataset objectives (each computed
 * over all that dataset's rows as cal_run computes it over its fit rows),
 * so every dataset weighs the same whatever its number of rows. The search
 * is calibrate's (cal_search).
 *
 *   cx_parse_dataset   --dataset [NAME=]SCENARIO:MEASURED.csv[:METRIC[:NORMALIZE]]
 *   cx_load            the scenarios and CSVs, and the parameters checked
 *                      against every dataset
 *   cx_run             a fit on a subset of the datasets, then every dataset
 *                      run and compared at the fitted vector
 *   cx_cv_run          for each dataset: fit on all the others, predict it
 *   cx_print, cx_cv_print, cx_fit_json, cx_cv_json   tables and documents
 *
 * No circularity: a dataset outside the fit's subset is never run during
 * the search (its rows enter no objective); it runs once, at the fitted
 * vector, for the comparison. */
#ifndef VMSIM_CALXVAL_H
#define VMSIM_CALXVAL_H

#include <jansson.h>
#include <stdio.h>

#include "analysis/calibrate.h"
#include "analysis/validate.h"
#include "sim/err.h"

#define CX_MAX_DATASETS 16 /* --dataset at most */
#define CX_MAX_NAME 64     /* a dataset name's length at most */

/* One dataset. Invariants after cx_load: name unique among the datasets,
 * made of [A-Za-z0-9._-]; m holds every row of csv; base is the scenario
 * after --set. */
typedef struct cx_dataset {
    char *spec;       /* the --dataset text (owned) */
    char *name;       /* NAME, or the CSV's base name without ".csv" (owned) */
    char *file;       /* the scenario file (owned) */
    char *csv;        /* the measured CSV (owned) */
    char *metric;     /* METRIC, or NULL: --metric, else validate's default (owned) */
    val_norm norm;    /* NORMALIZE, else --normalize */
    int norm_given;   /* NORMALIZE was in the spec */
    json_t *base;     /* the scenario after --set (owned reference; cx_load) */
    val_measured m;   /* every row of csv (owned; cx_load) */
    char *rundir;     /* its run directory (owned; set by the caller) */
    char *run_cmd;    /* the runs' command_line (owned; set by the caller) */
} cx_dataset;

/* Parses "[NAME=]SCENARIO:MEASURED.csv[:METRIC[:NORMALIZE]]" (an empty
 * METRIC keeps the default: "s.json:m.csv::first"). Paths cannot contain
 * ':'. Syntax only; input errors name the spec. Free with cx_dataset_free. */
int cx_parse_dataset(const char *spec, cx_dataset *d, vs_err *err);
/* Frees a dataset and zeroes it. Safe on a zeroed one. */
void cx_dataset_free(cx_dataset *d);

/* Loads every dataset: reads its scenario and applies the nsets --set
 * overrides (val_load_scenario), takes `metric` and `norm` as defaults for
 * the datasets that give none, reads its CSV (val_measured_read), refuses
 * two datasets of one name, and checks the parameters against each dataset
 * (cal_check_params: paths, bounds, integers, a column setting a parameter).
 * The start of a parameter without a given one is chosen on the first
 * dataset (its scenario's value or the midpoint) and then checked in every
 * other; the integer detection must agree. Input errors name the dataset. */
int cx_load(cx_dataset *ds, int nd, char *const *sets, int nsets, const char *metric,
            val_norm norm, cal_param *ps, int np, vs_err *err);

/* A fit on the datasets with used[d] and every dataset at its result. */
typedef struct cx_fit {
    int nd;             /* datasets */
    int *used;          /* nd: 1 the dataset entered the objective (owned) */
    int nused;          /* datasets used, >= 1 */
    cal_fit search;     /* start, fitted, history (parts[d]: dataset d's objective,
                           NAN when unused) (owned) */
    val_report *final;  /* nd reports at the fitted vector, every row (owned) */
    cal_errors *errs;   /* nd: the errors of every dataset's rows at the fitted vector */
    double *obj;        /* nd: each dataset's objective at the fitted vector */
    cal_errors *errs0;  /* nd: the errors at the start vector, or NULL (owned) */
} cx_fit;

/* Fits the parameters on the datasets with used[d] (used NULL: all) with
 * o's search options (o->file, base, csv, rundir and run_cmd are ignored:
 * each dataset's own are used), then runs every dataset at the fitted vector
 * and, when `at_start`, also at the start vector. Errors: the datasets'
 * (input: a metric missing, logrmse with a measured value <= 0; internal: a
 * failed run), prefixed with the dataset's name; an interruption sets
 * *interrupted (may be NULL). Free f with cx_fit_free, also after failure. */
int cx_run(const cal_opts *o, cx_dataset *ds, int nd, const int *used, const cal_param *ps,
           int np, int at_start, cx_fit *f, int *interrupted, vs_err *err);
/* Frees a cx_fit and zeroes it. Safe on a zeroed one. */
void cx_fit_free(cx_fit *f);
/* The mean over the used datasets of their MAPE (which 0) or RMS log error
 * (which 1) at the fitted vector: the fit-set error, each dataset weighted
 * equally. NAN when a used dataset has none. Can't fail. */
double cx_fit_mean(const cx_fit *f, int which);

/* Leave-one-dataset-out cross-validation: fold k fits on every dataset but
 * k (from the same start) and predicts k. */
typedef struct cx_cv {
    int nfolds;     /* = the number of datasets, >= 2 */
    cx_fit *folds;  /* nfolds fits (owned) */
} cx_cv;

/* Runs the folds (nd >= 2, else an input error). Errors as cx_run's,
 * prefixed with the fold. Free with cx_cv_free, also after failure. */
int cx_cv_run(const cal_opts *o, cx_dataset *ds, int nd, const cal_param *ps, int np, cx_cv *cv,
              int *interrupted, vs_err *err);
/* Frees a cross-validation and zeroes it. Safe on a zeroed one. */
void cx_cv_free(cx_cv *cv);

/* Prints a joint fit: the datasets, the parameters, the search, and each
 * dataset's errors at the fitted vector (and at the start when computed). */
void cx_print(FILE *f, const cx_fit *fit, const cx_dataset *ds, const cal_param *ps, int np,
              cal_objective obj);
/* Prints the cross-validation table: per held-out dataset the values fitted
 * on the others, the fit-set objective and mean errors, and the held-out
 * MAPE and RMS log error; then each fold's error on every dataset. */
void cx_cv_print(FILE *f, const cx_cv *cv, const cx_dataset *ds, const cal_param *ps, int np,
                 cal_objective obj);
/* The datasets as JSON (name, spec, scenario, measured, metric, normalize,
 * rows). New reference. */
json_t *cx_datasets_json(const cx_dataset *ds, int nd);
/* A joint fit as JSON (params, datasets used, history with the per-dataset
 * objectives, each dataset's errors). New reference. */
json_t *cx_fit_json(const cx_fit *fit, const cx_dataset *ds, const cal_param *ps, int np);
/* A cross-validation as JSON: per fold the held-out dataset, the fit and
 * the fit-set and held-out errors. New reference. */
json_t *cx_cv_json(const cx_cv *cv, const cx_dataset *ds, const cal_param *ps, int np);

#endif
