/* tracer.h - the timeline of a run as a Chrome trace (Perfetto,
 * chrome://tracing), built by observing the model (models/observe.h).
 *
 * Layout: process 0 "host" with one track per pCPU (which vCPU runs on it);
 * process i+1 per VM with one track per vCPU, whose slices name the state:
 * "running", "holding L", "spinning on L", "taking L", "halted (pv wait on
 * L)", "halted (idle)", "preempted", "PREEMPTED HOLDING L" (lock-holder
 * preemption), "preempted waiting for L", "PREEMPTED, L HANDED TO IT"
 * (lock-waiter preemption); instant events mark kicks, PLE exits, handoffs
 * and halts. Only [from, to) is written (docs/teaching.md).
 *
 * Cost: what the window holds. Before `from` an observed event only
 * copies the touched vCPUs' state (a few words; nothing is formatted or
 * written); the tracer opens the window at the first event in it; at the
 * first event at or after `to` it ends the open slices and detaches, so
 * the rest of the run does no tracing work at all.
 *
 * Track ids are unique over the trace and start at 1 (Perfetto keys
 * threads by tid, and 0 is the idle task's): pid 1 the host, pid 2 + i VM
 * i; tid 1 + p pCPU p, tid 1 + npcpus + g the vCPU of global index g. */
#ifndef VMSIM_TRACER_H
#define VMSIM_TRACER_H

#include <stdint.h>

#include "models/world.h"
#include "sim/err.h"

typedef struct tracer tracer;

/* Opens `path` (written atomically on close) and attaches to w as its
 * observer. Returns NULL with err filled on failure. */
tracer *tracer_attach(world *w, const char *path, sim_time from, sim_time to, vs_err *err);
/* Limits the file to about max_bytes (0: none); see trace_set_max_bytes. */
void tracer_set_max_bytes(tracer *tr, uint64_t max_bytes);
/* Ends the open slices at the current time, detaches, writes the file.
 * dropped and first (may be NULL) receive the number of events the size
 * limit left out and the time of the first of them. */
int tracer_close(tracer *tr, world *w, uint64_t *dropped, sim_time *first, vs_err *err);
/* Detaches and removes the temporary file (error paths). */
void tracer_abort(tracer *tr, world *w);

#endif
