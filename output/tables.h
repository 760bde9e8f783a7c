/* tables.h - the CSV text of results tables (the output layer):
 * results.csv (one row per run) and summary.csv (one row per group), as
 * docs/sweep.md describes them. Numbers are printed with 12 significant
 * digits; a missing (NAN) or infinite value is an empty cell; texts are
 * quoted by csv_write_text (analysis/csv.h) when they need it. */
#ifndef VMSIM_TABLES_H
#define VMSIM_TABLES_H

#include <stdio.h>

#include "analysis/results.h"
#include "analysis/summary.h"

/* A number cell: %.12g, nothing when x is not finite. */
void tab_num(FILE *f, double x);
/* Writes t as results.csv: header "point,AXES...,seed,COLUMNS..." and one
 * line per row. Errors show in ferror(f). */
void tab_write_results(FILE *f, const rtab *t);
/* Writes s (a summary of t) as summary.csv: header "AXES...,n,C_mean,C_ci95,..."
 * over the summarised columns, one line per summary row. */
void tab_write_summary(FILE *f, const rtab *t, const summary *s);

#endif
