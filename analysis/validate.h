/* validate.h - validation against measured runs: `vmsim validate` and
 * `vmsim sensitivity` (docs/validation.md).
 *
 * A measured CSV (analysis/csv.h) names its axes in its header. Each axis
 * column is either a scenario path ("host.cores", "vms.vcpus") or the name
 * of an axis of the scenario's "sweep" section ("kernel", "vcpus"; then that
 * axis's path or "set" map applies); one more column holds the measured
 * metric, a results.csv column of a sweep ("throughput_total", "ops_per_s",
 * ...). Columns named *_sd or *_ci* are companions of the metric and are
 * ignored. Every measured row is one point; vmsim predicts it with several
 * seeds and compares:
 *
 *   val_measured_read   reads and checks the CSV against the scenario, and
 *                       validates every point's document (sc_load_doc)
 *   val_report_init     one report row per measured row (inputs only)
 *   val_run             runs the points x seeds through the sweep runner
 *                       (experiment/sweep_run.h) into a run directory and
 *                       fills the rows' samples from its in-memory results
 *                       table; optionally x the values of a parameter
 *   val_from_sweep      or takes the samples from an existing sweep's
 *                       results.csv
 *   val_compute         normalisation, per-point statistics (mean, 95% CI),
 *                       MAPE, RMSE, CI coverage and the USL fits
 *   val_print, val_write, val_plot   the terminal table, validation.json and
 *                       .csv, the gnuplot overlay
 *
 * Invariants of a val_report after val_compute: every row has n >= 1
 * samples; mean, sd, half are finite; groups partition the rows; at most one
 * reference row per group (FIRST normalisation) and reference rows are left
 * out of the summary. */
#ifndef VMSIM_VALIDATE_H
#define VMSIM_VALIDATE_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "analysis/csv.h"
#include "analysis/usl.h"
#include "experiment/sweep_run.h"
#include "experiment/sweep_spec.h"
#include "sim/err.h"

#define VAL_DEFAULT_SEEDS 3 /* seeds 1..3 unless --seeds */
#define VAL_MAX_SEEDS 1000  /* --seeds at most */
#define VAL_MAX_VALUES 1000 /* sensitivity --values at most */

/* How measured and predicted series are scaled before they are compared. */
typedef enum val_norm {
    VAL_NORM_NONE,  /* compare the values as they are */
    VAL_NORM_FIRST, /* divide each group by its value at its smallest x (per seed) */
    VAL_NORM_MAX,   /* divide each group by its largest value (predicted: largest mean) */
    VAL_NORM_CURVE, /* divide each row by the reference group's row at the same x (per seed):
                       ratios between curves; the report's norm_ref names that group */
} val_norm;

/* One axis column of the measured CSV, resolved against the scenario. */
typedef struct val_axis {
    char *name;     /* the column name (owned) */
    int col;        /* its 0-based column in the CSV */
    char *path;     /* the scenario path it sets; NULL when it names a set axis (owned) */
    int sweep_axis; /* the scenario's sweep axis it names (by name or path), -1 if none */
    int numeric;    /* every value in the column is a number */
} val_axis;

/* A measured CSV checked against a scenario. Invariants: 1 <= t.nrows;
 * metric_col is not an axis column; sets[r] is an object (possibly empty)
 * mapping scenario paths to the values row r gives them. */
typedef struct val_measured {
    csv_table t;       /* the CSV (owned) */
    sweep_spec sp;     /* the scenario's sweep section, zeroed when it has none (owned) */
    int have_sweep;    /* the scenario has a sweep section */
    val_axis *axes;    /* naxes axis columns in CSV order (owned) */
    int naxes;         /* number of axis columns, may be 0 */
    int metric_col;    /* the metric column */
    int x;             /* index in axes of the numeric x axis, -1 without one */
    json_t **sets;     /* t.nrows objects {PATH: value} (owned references) */
} val_measured;

/* One measured row and its prediction. */
typedef struct val_row {
    /* inputs (val_report_init, val_run / val_from_sweep) */
    int line;          /* 1-based line in the measured CSV (0 for hand-made rows) */
    char *desc;        /* "kernel=pv-ticket, vcpus=32" (owned) */
    char **axis_text;  /* the row's axis cells, naxes of them (owned) */
    int group;         /* index in the report's groups */
    double x;          /* the x axis value, NAN without x axis */
    double measured_raw; /* the measured value as read */
    int n;             /* number of predicted samples (seeds) */
    int64_t *seeds;    /* n seeds (owned) */
    double *samples;   /* n predicted values, raw (owned) */
    /* outputs (val_compute) */
    double measured;   /* after normalisation */
    double mean_raw;   /* predicted mean before normalisation */
    double mean;       /* predicted mean after normalisation */
    int n_used;        /* samples used: FIRST pairs each seed with the same seed at the
                          reference row and drops seeds the reference lacks */
    double sd;         /* sample sd of the normalised samples (0 when n_used = 1) */
    double half;       /* 95% CI half-width, t(0.975, n_used - 1) sd / sqrt(n_used) */
    double abs_err;    /* |mean - measured| */
    double rel_err;    /* (mean - measured) / measured; NAN when measured is 0 */
    int inside;        /* measured lies in [mean - half, mean + half] */
    int ref;           /* a reference row (FIRST: its group's; CURVE: a row of the reference
                          group): 1 by construction, left out of the summary */
} val_row;

/* USL fits of one group along the x axis. */
typedef struct val_fit {
    int group;         /* index in the report's groups */
    int ok[2];         /* [0] measured, [1] predicted: the fit ran */
    usl_result r[2];   /* the fits where ok */
    char why[2][256];  /* why a fit did not run, where !ok */
} val_fit;

/* The comparison in a few numbers, over the non-reference rows. */
typedef struct val_summary {
    int points;      /* rows compared (reference rows excluded) */
    int refs;        /* reference rows left out */
    int inside;      /* rows whose measured value lies in the predicted 95% CI */
    int mape_points; /* rows with a relative error (measured != 0) */
    double mape;     /* mean |rel_err| x 100, over mape_points; NAN when 0 */
    double rmse;     /* sqrt(mean (mean - measured)^2); NAN when points is 0 */
    double coverage; /* inside / points; NAN when points is 0 */
} val_summary;

/* A validation: rows, groups, fits, summary. */
typedef struct val_report {
    char *scenario_file; /* (owned) */
    char *measured_file; /* (owned) */
    char *metric;        /* the metric's column name (owned) */
    char *xname;         /* the x axis column, NULL without (owned) */
    char *source;        /* where the predictions come from, e.g. "runs in out/runs" (owned) */
    val_norm norm;       /* normalisation */
    char *norm_ref;      /* CURVE: the reference group's description, as in groups[] (owned) */
    int naxes;           /* axis columns */
    char **axis_names;   /* naxes names (owned) */
    val_row *rows;       /* nrows rows, in CSV order (owned) */
    int nrows;           /* number of rows */
    char **groups;       /* ngroups descriptions of the non-x axes' values; "all" when
                            there are no other axes or no x axis (one series) (owned) */
    int ngroups;         /* number of groups, >= 1 when nrows >= 1 */
    val_fit *fits;       /* nfits fits, one per group, when there is an x axis (owned) */
    int nfits;           /* number of fits */
    val_summary sum;     /* the summary */
} val_report;

/* How val_run runs the points. */
typedef struct val_run_opts {
    const char *dir;       /* the run directory (a sweep directory; rewritten) */
    int nseeds;            /* seeds 1..nseeds */
    int jobs;              /* <= 1: in this process; more: the runner's worker processes */
    int quiet;             /* no progress output */
    const char *run_cmd;   /* "vmsim run FILE --set ..." for the points' command_line */
    const char *param;     /* sensitivity: the parameter (scenario path or sweep axis name),
                              or NULL */
    json_t *values;        /* sensitivity: array of the parameter's values (borrowed) */
    int interrupted;       /* out: a worker run was interrupted by SIGINT/SIGTERM */
    srun_progress_fn progress; /* progress reports of the runs, or NULL (cli/progress.h) */
    void *progress_ctx;    /* passed to progress */
} val_run_opts;

/* Parses "first", "max" or "none" (any case). Errors name the option. */
int val_parse_norm(const char *s, val_norm *out, vs_err *err);
/* As val_parse_norm, and also "curve:GROUP" (VAL_NORM_CURVE; *ref points at
 * GROUP inside s, e.g. "kernel=tas"; NULL for the others). */
int val_parse_norm_ref(const char *s, val_norm *out, const char **ref, vs_err *err);
/* Under CURVE, that the report (after val_report_init and norm_ref set) has
 * the series norm_ref, an x axis and a row of it at every row's x, so a bad
 * option fails before anything runs; 0 for the other modes. Input errors
 * name the file, the line and the series. */
int val_norm_check(const val_report *r, vs_err *err);
/* "first", "max", "curve" or "none". Can't fail. */
const char *val_norm_name(val_norm n);

/* 1 when name is a results.csv column vmsim always writes or a key of the
 * results' "metrics" object (or "metrics.KEY"); a workload may add others. */
int val_known_metric(const char *name);

/* Reads the measured CSV at `csv` and checks it against the scenario `base`
 * (after --set; read from `file`): classifies the columns (metric: the
 * column named `metric`, or when NULL the first column that is neither an
 * axis nor a companion), parses every metric and axis value, and validates
 * every row's scenario with sc_load_doc. `xcol` names the x axis (NULL: the
 * last numeric axis with more than one value). Errors (input, code 2) name
 * the file, the line and the column: "m.csv:5:2: column \"vcpus\": ...".
 * On success returns 0; free with val_measured_free. On failure returns -1
 * with *m empty. */
int val_measured_read(const char *csv, json_t *base, const char *file, const char *metric,
                      const char *xcol, val_measured *m, vs_err *err);
/* Frees what val_measured_read allocated and zeroes *m. Safe on a zeroed one. */
void val_measured_free(val_measured *m);
/* Keeps only the measured rows r with keep[r] != 0 (keep has m->t.nrows
 * entries; csv_keep_rows), with their lines and settings, so that a report
 * and val_run see those rows alone (calibration's fit rows). The axes and
 * the x axis stay as val_measured_read chose them for the whole file.
 * Fails (input error, m unchanged) when no row would be left. */
int val_measured_keep(val_measured *m, const int *keep, vs_err *err);

/* Fills r with one row per measured row (line, description, axis cells,
 * group, x, measured value); no samples yet. Free with val_report_free.
 * Can't fail. */
void val_report_init(val_report *r, const val_measured *m, const char *scenario_file,
                     val_norm norm);
/* Frees a report (also a zeroed or a hand-made one whose strings and arrays
 * come from vs_x* allocation) and zeroes it. */
void val_report_free(val_report *r);

/* Runs every distinct measured point with seeds 1..o->nseeds (and, with
 * o->param, once per value of the parameter) into o->dir, a sweep directory
 * (results.csv, summary.csv, points/); then fills the samples of reps[k]
 * (k over the parameter's values, or reps[0] alone), which val_report_init
 * prepared from m. Errors: a parameter or value the scenario cannot take
 * (input), a failed run or an unwritable directory (internal), the metric
 * missing from the results (input, listing the columns). */
int val_run(const val_measured *m, json_t *base, const char *file, val_run_opts *o,
            val_report *reps, vs_err *err);
/* Fills r's samples from the results.csv of the sweep in `dir`, which must
 * have run the scenario's sweep section: every axis column of m must be an
 * axis of that sweep, every other axis of it must have one value, and every
 * measured row must match at least one finished run. */
int val_from_sweep(const val_measured *m, const char *dir, val_report *r, vs_err *err);

/* Normalises, computes every row's statistics, the summary and the USL fits
 * (r->fits, when r->xname is set: one per group; a fit that cannot run is
 * recorded in why, not an error). Fails (input error) when a row has no
 * samples or a normalisation divides by 0. May be called again. */
int val_compute(val_report *r, vs_err *err);
/* The summary of n comparisons: measured[i] against predicted mean[i] +-
 * half[i]; rows with skip[i] != 0 (skip may be NULL) are left out. Can't fail. */
void val_summarize(const double *measured, const double *mean, const double *half,
                   const int *skip, int n, val_summary *s);

/* Prints the table, the summary and the fits. */
void val_print(FILE *f, const val_report *r);
/* Writes dir/validation.json and dir/validation.csv atomically (dir is
 * created if missing). command_line is recorded (may be NULL). */
int val_write(const val_report *r, const char *dir, const char *command_line, vs_err *err);
/* The validation document (new reference), as validation.json holds it. */
json_t *val_report_json(const val_report *r);
/* Writes dir/overlay.gp and dir/overlay.dat and, when gnuplot is on PATH,
 * renders dir/overlay.png and dir/overlay.svg. Returns 1 when rendered, 0
 * when gnuplot is missing (the script stays), -1 with err on failure
 * (gnuplot failing: internal error; the script and data stay). */
int val_plot(const val_report *r, const char *dir, vs_err *err);

/* Sensitivity: prints one line per value of the parameter (MAPE, RMSE,
 * coverage), marking the value of least MAPE. labels[k] names reps[k]. */
void val_sens_print(FILE *f, const char *param, char *const *labels, const val_report *reps,
                    int n);
/* Writes dir/sensitivity.json and dir/sensitivity.csv atomically. */
int val_sens_write(const char *dir, const char *param, json_t *values, char *const *labels,
                   const val_report *reps, int n, const char *command_line, vs_err *err);

/* Command-line helpers shared by cmd_validate.c and cmd_sensitivity.c. */
/* Reads the scenario and applies the --set overrides (new reference, or
 * NULL with err). */
json_t *val_load_scenario(const char *file, char *const *sets, int nsets, vs_err *err);
/* "vmsim run FILE --set ..." (shell-quoted; sweep overrides left out) into
 * buf, for the runs' command_line. Returns buf. */
const char *val_run_command(char *buf, size_t n, const char *file, char *const *sets, int nsets);
/* "vmsim ARGV..." (shell-quoted) into buf. Returns buf. */
const char *val_command_line(char *buf, size_t n, int argc, char **argv);

#endif
