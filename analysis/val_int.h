/* val_int.h - what the validation modules share (private to
 * analysis/val_*.c and output/val_*.c; the public API is validate.h).
 *
 *   analysis/val_common.c    these helpers, the normalisation names
 *   analysis/val_measured.c  the measured CSV, the report rows
 *   analysis/val_predict.c   the predictions: runs through the sweep runner
 *                            or an existing sweep, matched to the rows
 *   analysis/val_stats.c     normalisation, statistics, summary, USL fits
 *   output/val_report.c      the table, validation.json/.csv, sensitivity
 *   output/val_plot.c        the gnuplot overlay */
#ifndef VMSIM_VAL_INT_H
#define VMSIM_VAL_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/validate.h"

#define VAL_PATH 4400     /* file paths built under the output directory */
#define VAL_LABEL_MAX 256 /* the sweep's limit on a string value */

/* 1 and *out when s is a whole finite decimal number. */
int val_number(const char *s, double *out);
/* 1 when two cell texts name the same value: equal text, or equal numbers
 * ("32" and "32.0"). */
int val_same_value(const char *a, const char *b);
/* The message of a scenario error without its leading "FILE: ". */
const char *val_strip_file(const char *msg, const char *file);
/* Appends printf output to buf (of size n). */
void val_cat(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "a, b, c": the CSV's column names, for messages. Returns buf. */
const char *val_colnames(const csv_table *t, char *buf, size_t n);
/* A copy of the scenario without its sweep section. New reference. */
json_t *val_plain_doc(json_t *base);
/* Validates base (without sweep) with `sets` ({PATH: value}, may be NULL)
 * applied. 0 valid, -1 with e. */
int val_check_doc(json_t *base, const char *file, json_t *sets, vs_err *e);
/* 1 when the scenario has no key at `path` (setting it to `value` fails as
 * "unknown key" at the path or a parent of it, or the path cannot be set);
 * why says so. 0 when it is a scenario path (its value may still be bad). */
int val_unknown_path(json_t *base, const char *file, const char *path, json_t *value, char *why,
                     size_t n);
/* The scenario's sweep axis a column names: by name, else by path; -1. */
int val_sweep_axis_of(const sweep_spec *sp, const char *name);
/* The label of a sweep axis a cell text names (equal text or number), -1. */
int val_axis_label(const sweep_axis *ax, const char *text);
/* "a, b, c": the values of a sweep axis, for messages. Returns buf. */
const char *val_axis_values(const sweep_axis *ax, char *buf, size_t n);
/* 1 for the columns that accompany the metric: NAME_sd, NAME_ci95, ... */
int val_companion(const char *name);
/* The paths measured axis a sets (set axes: every path of every value). */
void val_axis_paths(const val_measured *m, int a, const char **out, int *n, int max);
/* Adds one predicted sample to a row. */
void val_add_sample(val_row *w, int64_t seed, double v);
/* A number as the table shows it: 5 significant digits, "-" when missing. */
const char *val_fmt(double v, char *buf, size_t n);

#endif
