/* hv.h - host schedulers: who runs on which pCPU.
 *
 * A host scheduler sees vCPU threads that are running, runnable or halted,
 * and the topology; it knows nothing of locks or tasks. It is driven by
 * three calls from the vCPU layer (wake, block, yield_to) and its own timer
 * events, and acts through vcpu_sched_in / vcpu_sched_out. Variants (one file
 * each) register in hv_registry[]. */
#ifndef VMSIM_HV_H
#define VMSIM_HV_H

#include "models/world.h"

struct hv_ops {
    const char *name;
    const char *summary;
    /* After the world is built: allocate state; all vCPUs start halted. */
    void (*init)(world *w);
    /* A halted vCPU becomes runnable. */
    void (*wake)(world *w, vcpu *vc);
    /* A running vCPU halts; the scheduler picks what runs next. */
    void (*block)(world *w, vcpu *vc);
    /* Directed yield (PLE): self gives way to the preempted target.
     * Returns 1 if the target was boosted, 0 if not possible. */
    int (*yield_to)(world *w, vcpu *self, vcpu *target);
    void (*destroy)(world *w);
};

typedef struct hv_reg {
    const char *name;
    hv_kind kind;
    const hv_ops *ops;
} hv_reg;

extern const hv_reg hv_registry[];
extern const int hv_nregistry;
/* The ops for a kind (NULL if not available). */
const hv_ops *hv_for(hv_kind kind);
/* Name of a kind as in scenarios. */
const char *hv_kind_name(hv_kind kind);

/* --- helpers shared by the schedulers ----------------------------------- */
/* Host run queue of a pCPU: FIFO of runnable vCPUs. */
void hq_push(pcpu *pc, vcpu *vc);
void hq_push_front(pcpu *pc, vcpu *vc);
vcpu *hq_pop(pcpu *pc);
void hq_remove(pcpu *pc, vcpu *vc);
/* Puts vc on idle pc: stall = ctx switch, or wake cost if it was halted. */
void hv_run_on(world *w, pcpu *pc, vcpu *vc, int from_halt);
/* The wake-up stall on an idle pCPU for this host (virtual or native). */
sim_time hv_wake_stall(const world *w);

#endif
