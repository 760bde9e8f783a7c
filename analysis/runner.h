/* runner.h - one simulation run, from a scenario document to its results.
 *
 * The single entry point shared by `vmsim run`, sweeps and validation:
 * validate the document, build the world, run it, report. */
#ifndef VMSIM_RUNNER_H
#define VMSIM_RUNNER_H

#include <jansson.h>
#include <stdint.h>

#include "sim/err.h"

/* What became of the trace (runner_opts.trace_info). */
typedef struct runner_trace_info {
    uint64_t dropped;      /* events left out by trace_max_bytes (0: none) */
    double dropped_from_s; /* simulated time of the first one */
} runner_trace_info;

typedef struct runner_opts {
    const char *command_line; /* recorded in the results (may be NULL) */
    const char *trace_path;   /* write a Chrome trace here (NULL: none) */
    double trace_from_s;      /* trace window start, simulated seconds */
    double trace_to_s;        /* trace window end (<= 0: to the end) */
    uint64_t trace_max_bytes; /* stop writing the trace past about this size (0: no limit) */
    runner_trace_info *trace_info; /* filled when given (may be NULL) */
    const char *series_path;  /* write a time series here (NULL: none; analysis/series.h) */
    int64_t series_interval_ns; /* its interval, ns (> 0 with series_path) */
    /* progress (may be NULL): called about every million events with the
     * simulated seconds done and in all. The run is then cut into slices
     * of events, which changes no result (nothing runs between two slices
     * and the clock is not touched). */
    void (*progress)(void *ctx, double done_s, double total_s);
    void *progress_ctx;
} runner_opts;

/* Runs the scenario document `doc` (read from `file`, used for messages and
 * presets; doc is not modified). On success *results is a new reference to
 * the results document. Returns 0, or -1 with err filled (bad input: code 2;
 * an output file that cannot be written: code 1). */
int runner_run_doc(json_t *doc, const char *file, const runner_opts *o, json_t **results,
                   vs_err *err);

#endif
