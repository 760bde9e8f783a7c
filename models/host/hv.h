/* hv.h - host schedulers: who runs on which pCPU.
 *
 * A host scheduler sees vCPU threads that are running, runnable or halted,
 * and the topology; it knows nothing of locks, tasks or guests. It is driven
 * by three calls from the vCPU layer above it (wake, block, yield_to) and its
 * own timer events, and acts through hv_sched_in / hv_sched_out /
 * hv_make_runnable, which reach the vCPU layer through the hv_client table
 * that layer installs (models/vcpu.c): this header includes nothing above
 * the topology. Variants (one file each) register in hv_registry[]. */
#ifndef VMSIM_HV_H
#define VMSIM_HV_H

#include "models/variant.h"
#include "models/world.h"

struct hv_ops {
    int native;           /* 1: bare metal (no hypervisor: no PLE, no kick cost) */
    /* After the world is built: allocate state; all vCPUs start halted. */
    void (*init)(world *w);
    /* A halted vCPU becomes runnable. */
    void (*wake)(world *w, vcpu *vc);
    /* A running vCPU halts; the scheduler picks what runs next. */
    void (*block)(world *w, vcpu *vc);
    /* Directed yield (PLE): self gives way to the preempted target.
     * Returns 1 if the target was boosted, 0 if not possible. */
    int (*yield_to)(world *w, vcpu *self, vcpu *target);
    /* Running self yields its pCPU with no target to boost there (the
     * yielder's half of yield_to: the kernel's yield_task_fair, then
     * schedule()): it gives way to what waits on its own queue, if anything.
     * NULL: the scheduler has no such yield. */
    void (*yield_self)(world *w, vcpu *self);
    void (*destroy)(world *w);
};

/* What a host scheduler tells the vCPU layer above it (installed in
 * w->hvc by vcpu_install, models/vcpu.h). */
typedef struct hv_client {
    /* vc runs on pc from now; progress resumes after `stall` ns (plus a
     * migration penalty when pc differs from the last pCPU). */
    void (*sched_in)(world *w, vcpu *vc, pcpu *pc, sim_time stall);
    /* vc leaves its pCPU, to `hs` (VH_RUNNABLE = preempted, VH_HALTED =
     * blocked). The caller chooses what runs next on the pCPU. */
    void (*sched_out)(world *w, vcpu *vc, vcpu_hstate hs);
    /* A woken (halted) vc is queued without running yet: its halt ends and
     * its wait for a pCPU (steal time) begins. */
    void (*make_runnable)(world *w, vcpu *vc);
} hv_client;

static inline void hv_sched_in(world *w, vcpu *vc, pcpu *pc, sim_time stall)
{
    w->hvc->sched_in(w, vc, pc, stall);
}
static inline void hv_sched_out(world *w, vcpu *vc, vcpu_hstate hs) { w->hvc->sched_out(w, vc, hs); }
static inline void hv_make_runnable(world *w, vcpu *vc) { w->hvc->make_runnable(w, vc); }

/* The host schedulers vmsim knows (models/host/hv.c): variants whose ops
 * are hv_ops (models/variant.h). */
extern vregistry hv_registry;

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
