/* sections.h - the section validators of a scenario, one file per family:
 * sec_hypervisor.c (host scheduler, PLE, pin), sec_guest.c (the guest's
 * lock), sec_workload.c (workloads). Each picks its variant from the
 * family's registry, validates the variant's parameters from its table
 * (config/params.h) and rejects every key that does not apply, naming its
 * JSON path. config/scenario.c calls them and does the cross-section checks. */
#ifndef VMSIM_SECTIONS_H
#define VMSIM_SECTIONS_H

#include "config/jsonv.h"
#include "models/config.h"

/* root.hypervisor into *c; npcpus: pCPUs in use (CFS scaling, pin range). */
int sec_hypervisor(jv_obj *root, hv_cfg *c, int npcpus);
/* guest.lock into *lc, for a VM of nvcpus vCPUs on npcpus pCPUs. */
int sec_lock(jv_obj *guest, lock_cfg *lc, int nvcpus, int npcpus);
/* The workload object wo into *wl (freed again on failure). */
int sec_workload(jv_obj *wo, wl_cfg *wl, int nvcpus, int npcpus);

#endif
