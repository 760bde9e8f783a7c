/* topo.h - the host's hardware topology: which pCPUs are used, where each
 * sits (socket, core), and what moving a cache line or a vCPU between two of
 * them costs. Built from host_cfg (models/config.h); read-only afterwards. */
#ifndef VMSIM_TOPO_H
#define VMSIM_TOPO_H

#include "models/config.h"
#include "models/world.h"

/* Creates w->pcpus from the host config: the first `cores` cores filling
 * sockets in order, or round robin over sockets when `spread`. With SMT the
 * hardware threads of a core are adjacent. Can't fail (input validated). */
void topo_build(world *w, const host_cfg *h);
/* Distance class (DIST_SAME_CORE ... DIST_TWO_HOPS) between two used pCPUs. */
int topo_class(const world *w, int a, int b);
/* Cache-line transfer cost between two used pCPUs, ns. */
double topo_line_ns(const world *w, int a, int b);
/* Cost of the cycles `c` in ns on this host. */
static inline double topo_cycles_ns(const host_cfg *h, double c) { return c / h->ghz; }

#endif
