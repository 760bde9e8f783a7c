/* replay.h - what the replay workload (replay.c) reports beyond vm->ops
 * (whole builds) and vm->work (builds, credited per finished job). */
#ifndef VMSIM_REPLAY_H
#define VMSIM_REPLAY_H

#include "models/world.h"

/* Makespans (ns, start of a build to the end of its last job) of the builds
 * of VM v that started after warm-up and finished, in order. Returns their
 * number and points *out at them (owned by the workload: valid until the
 * world is freed); 0 and NULL for other workloads. Can't fail. */
int replay_makespans(const vm *v, const sim_time **out);

#endif
