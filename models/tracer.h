/* tracer.h - the timeline of a run as a Chrome trace (Perfetto,
 * chrome://tracing), built by observing the model (models/observe.h).
 *
 * Layout: process 0 "host" with one track per pCPU (which vCPU runs on it);
 * process i+1 per VM with one track per vCPU, whose slices name the state:
 * "running", "holding L", "spinning on L", "taking L", "halted (pv wait on
 * L)", "halted (idle)", "preempted", "PREEMPTED HOLDING L" (lock-holder
 * preemption), "preempted waiting for L", "PREEMPTED, L HANDED TO IT"
 * (lock-waiter preemption); instant events mark kicks, PLE exits, handoffs
 * and halts. Only [from, to) is written (docs/teaching.md). */
#ifndef VMSIM_TRACER_H
#define VMSIM_TRACER_H

#include "models/world.h"
#include "sim/err.h"

typedef struct tracer tracer;

/* Opens `path` (written atomically on close) and attaches to w as its
 * observer. Returns NULL with err filled on failure. */
tracer *tracer_attach(world *w, const char *path, sim_time from, sim_time to, vs_err *err);
/* Ends the open slices at the current time, detaches, writes the file. */
int tracer_close(tracer *tr, world *w, vs_err *err);
/* Detaches and removes the temporary file (error paths). */
void tracer_abort(tracer *tr, world *w);

#endif
