/* gnuplot.h - what every figure-drawing command needs from gnuplot:
 * finding it, running it on a script, and writing strings safely into
 * scripts and data files. (The figures themselves stay with their commands:
 * cli/cmd_plot.c, cli/cmd_timeline.c, analysis/validate.c.) */
#ifndef VMSIM_GNUPLOT_H
#define VMSIM_GNUPLOT_H

#include <stdio.h>

/* 1 when prog is an executable file in a directory of $PATH. */
int gp_on_path(const char *prog);
/* Runs gnuplot with args (args[0] = "gnuplot", NULL-terminated) in dir
 * (NULL: the current directory); quiet sends its output to /dev/null.
 * Returns its exit status (127: could not be started, -1: fork failed). */
int gp_run(const char *dir, const char *const *args, int quiet);
/* Writes s as a gnuplot single-quoted string ('' is one quote; line ends
 * become spaces). */
void gp_str(FILE *f, const char *s);
/* Writes s as one cell of a whitespace-separated data file: tabs and line
 * ends become spaces, "-" for an empty string. */
void gp_dat_text(FILE *f, const char *s);

#endif
