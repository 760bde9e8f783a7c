/* results.h - an in-memory table of run results: one row per run, one
 * column per metric (the analysis layer; analysis/metrics.h names the
 * columns, output/tables.h prints them, analysis/summary.h aggregates them).
 *
 * A table is built in three steps, so that the columns are known before the
 * first row: rtab_init (the axes), rtab_note for every results document
 * (collects the numeric keys of their "metrics" objects), rtab_columns, then
 * rtab_add per document. It keeps numbers, not documents.
 *
 * Columns, in order: the registry metrics that are not wall-clock figures,
 * then the "metrics" keys noted (sorted by name; named "metrics.KEY" where
 * KEY collides with a registry metric, a row column or an axis), then the
 * wall-clock metrics. The first nsum columns are the ones a summary
 * aggregates.
 *
 * Invariants after rtab_columns: 0 <= nsum <= ncols; rows are in the order
 * added; val[r * ncols + c] is row r's value of column c, NAN when the
 * document lacks it; vidx[r * naxes + a] < nlabels[a]. */
#ifndef VMSIM_RESULTS_H
#define VMSIM_RESULTS_H

#include <jansson.h>
#include <stdint.h>

#include "analysis/metrics.h"

/* Significant digits of a number in results.csv and summary.csv. */
#define RTAB_CSV_DIGITS 12

/* One column. */
typedef struct rtab_col {
    char *name;            /* column name (owned) */
    const metric_def *m;   /* the registry metric, or NULL for a "metrics" key */
    char *extra;           /* the key in the results' "metrics" object (owned), or NULL */
} rtab_col;

/* A results table. */
typedef struct rtab {
    int naxes;            /* axis columns */
    char **axis_names;    /* naxes names (owned) */
    int *nlabels;         /* naxes: the number of values of each axis (owned) */
    char ***labels;       /* naxes x nlabels[a] value texts as printed (owned) */
    json_t *extras;       /* keys noted so far (owned; NULL after rtab_columns) */
    rtab_col *cols;       /* ncols columns (owned) */
    int ncols;            /* number of columns */
    int nsum;             /* the leading columns a summary aggregates */
    int64_t nrows;        /* rows */
    int64_t cap;          /* rows allocated */
    int64_t *point;       /* nrows point indexes (owned) */
    int64_t *group;       /* nrows group (axis combination) indexes (owned) */
    int64_t *seed;        /* nrows seeds (owned) */
    int *vidx;            /* nrows x naxes value indexes (owned) */
    double *val;          /* nrows x ncols values (owned) */
} rtab;

/* Starts an empty table with naxes axes: names[a] and its nlabels[a] value
 * texts labels[a][k] (all copied). Can't fail (aborts on OOM). */
void rtab_init(rtab *t, int naxes, char *const *names, const int *nlabels,
               char *const *const *labels);
/* Notes the workload metrics of results document res (before rtab_columns). */
void rtab_note(rtab *t, json_t *res);
/* Fixes the columns from the registry and the keys noted. Call once. */
void rtab_columns(rtab *t);
/* Appends the row of one run: its point and group indexes, its axis value
 * indexes vidx[naxes], its seed and its results document. */
void rtab_add(rtab *t, int64_t point, int64_t group, const int *vidx, int64_t seed, json_t *res);
/* The column named name, or -1. */
int rtab_col_index(const rtab *t, const char *name);
/* Row r's value of column c (NAN: missing). */
double rtab_get(const rtab *t, int64_t r, int c);
/* Row r's value of column c as results.csv states it: rounded to
 * RTAB_CSV_DIGITS significant digits (NAN: missing or not finite, an empty
 * cell). Validation compares these, so that it can be redone from the
 * tables alone. */
double rtab_get_csv(const rtab *t, int64_t r, int c);
/* Row r's text of axis a. */
const char *rtab_label(const rtab *t, int64_t r, int a);
/* Frees the table and zeroes it. Safe on a zeroed table. */
void rtab_free(rtab *t);

#endif
