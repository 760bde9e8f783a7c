/* progress.h - the progress display of `vmsim sweep`, `validate` and
 * `sensitivity` on stderr (docs/sweep.md, "Progress"): the CLI's side of
 * the runner's progress callback (experiment/sweep_run.h).
 *
 * On a terminal (stderr a tty and TERM set and not "dumb") one redrawn
 * line `sweep [#########.....] 12/48  25%  eta 30 s` at most every 0.2 s,
 * from 2 s on; otherwise (no escape codes) a plain line `sweep: 12/48 done,
 * eta 30 s` at most every 5 seconds (and not in the first 5). */
#ifndef VMSIM_PROGRESS_H
#define VMSIM_PROGRESS_H

#include <stdint.h>

#include "experiment/sweep_run.h"

/* The display's state. Zero it (or use prog_attach) before the first report. */
typedef struct prog_bar {
    int tty;        /* stderr is a terminal: one redrawn line */
    int drawn;      /* a bar is on the terminal line */
    double t0;      /* start of the run */
    double last;    /* last display */
    int64_t total;  /* points of this run (the shard's) */
    int64_t before; /* finished before this run */
} prog_bar;

/* The progress of one `vmsim run`: zero it before the first report. */
typedef struct prog_run {
    int tty;       /* one redrawn line */
    int drawn;     /* a line is on the terminal */
    double t0;     /* wall time of the first report */
    double last;   /* last display */
    char what[64]; /* the scenario's name */
} prog_run;

/* The runner's progress callback (analysis/runner.h): ctx is a prog_run.
 * Shows nothing in the first 2 s (5 s without a terminal). */
void prog_run_report(void *ctx, double done_s, double total_s);
/* Clears the terminal line, if one is drawn. */
void prog_run_end(prog_run *pr);

/* 1 when stderr is a terminal that takes escape codes (TERM not "dumb"). */
int prog_is_terminal(void);
/* The srun_progress_fn: ctx is a prog_bar. */
void prog_report(void *ctx, const srun_prog *ev);
/* Points o's progress at bar unless quiet (then o shows nothing). */
void prog_attach(prog_bar *bar, srun_opts *o, int quiet);

#endif
