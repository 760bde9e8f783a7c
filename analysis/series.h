/* series.h - a time series of one run (`vmsim run --series FILE.csv
 * --interval 1ms`, docs/cli.md): every interval of simulated time, one row
 * of what happened in it and of the state at its end.
 *
 * The runner (analysis/runner.c) runs the world in slices that end at the
 * interval boundaries and calls series_sample after each: the events, their
 * order and every result are those of one uninterrupted run (ev_run stops
 * before the first event after a slice's end, and nothing runs between two
 * slices). A sample at time T counts the events at T.
 *
 * Columns (the counts are those of the results, which count from warmup_s
 * on; the states are sampled from the start):
 *   time_s            end of the interval, simulated seconds
 *   ops, ops_per_s    workload operations completed in the interval (all
 *                     VMs), and per second
 *   work_per_hour     workload units per hour in the interval (gmake: builds,
 *                     counting partial builds by CPU time; others: = ops)
 *   running, spinning, halted, runnable
 *                     vCPUs at the end of the interval on a pCPU, of those
 *                     spinning on a lock, halted, and runnable but waiting
 *                     for a pCPU (preempted / steal)
 *   lhp, lwp          lock-holder and lock-waiter preemptions that ended in
 *                     the interval (all locks; counted at their end, as in the
 *                     results, which also end those still open at the end)
 *   lhp_now, lwp_now  locks whose holder is preempted / handed to a preempted
 *                     waiter at the end of the interval
 *   ple_exits, kicks  pause-loop exits and pv kicks in the interval */
#ifndef VMSIM_SERIES_H
#define VMSIM_SERIES_H

#include "models/world.h"
#include "sim/err.h"

typedef struct series series;

/* Opens path (written atomically when closed); NULL with err on failure. */
series *series_open(const char *path, const world *w, sim_time interval, vs_err *err);
/* Appends the row of the interval ending now (w->sim.now). Can't fail (a
 * write error is reported by series_close). */
void series_sample(series *s, const world *w);
/* Writes the file into place and frees s: 0, or -1 with err. */
int series_close(series *s, vs_err *err);
/* Discards the file and frees s. */
void series_abort(series *s);

#endif
