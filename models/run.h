/* run.h - building, running and freeing a world from a scenario. */
#ifndef VMSIM_RUN_H
#define VMSIM_RUN_H

#include "models/world.h"

/* Builds the world for scenario sc (borrowed; must outlive the world):
 * topology, VMs, vCPUs, host scheduler, workloads. Can't fail on a
 * validated scenario (aborts on OOM). */
world *world_new(const scenario *sc);
/* Runs to the scenario's end time or event budget. Returns the stop reason. */
ev_stop world_run(world *w);
/* Closes the accounting intervals still open at the end (call once after
 * world_run, before reading metrics). */
void world_finish(world *w);
void world_free(world *w);

#endif
