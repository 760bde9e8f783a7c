/* model.h - the vmsim scenario that models a `vmsim measure` matrix
 * (prefix mm_). The one place where a measured configuration is mapped to
 * scenario keys: change the mapping in model.c, nowhere else. */
#ifndef VMSIM_MM_MODEL_H
#define VMSIM_MM_MODEL_H

#include <jansson.h>
#include <stddef.h>

#include "measure/mrun.h"

/* The label of a think/hold pair, as the think_hold axis and the
 * measured.csv column spell it: "2000/500". */
void mm_think_hold_label(uint64_t think_ns, uint64_t hold_ns, char *buf, size_t n);

/* 1 when the configuration's lock has a model lock (mutex has none). */
int mm_modelled(const mr_config *c);

/* A new scenario document (caller owns the reference) with a sweep section
 * whose axes are lock, threads and think_hold, holding exactly the values
 * of the modelled configurations cfgs[0..n-1]. bg_share is the machine's
 * own activity during the runs (the median foreign share of the kept runs),
 * modelled as hypervisor.background_share (0: none). Can't fail (aborts on
 * OOM). */
json_t *mm_model_scenario(const mr_machine *m, const mr_config *cfgs, int n,
                          uint64_t spin_threshold, double bg_share);

#endif
