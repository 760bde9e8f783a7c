/* vcpu.h - executing guest code on a vCPU.
 *
 * A vCPU makes progress on its current task only while it is VH_RUNNING on
 * a pCPU, and only from `seg_start` on (context-switch, migration, wake-up
 * and VM-exit costs push seg_start into the future: a stall). The layer keeps
 * one pending progress event per vCPU for the next milestone of the current
 * task: its work or lock transfer completes, its spin budget runs out, a PLE
 * window expires, or its guest time slice ends while others wait. It also
 * keeps the vCPU's host-facing state (running, runnable, halted; the
 * accounting of each) and PLE.
 *
 * The layer knows tasks only as activities (models/world.h: TA_WORK,
 * TA_SPIN, TA_ACQ, ...): what a milestone means is the business of the
 * layer above, the guest, which installs a vcpu_ops table (w->vops) - as
 * Linux's core scheduler calls its sched_class. Below, it installs the
 * hv_client table through which host schedulers put vCPUs on pCPUs
 * (vcpu_install). Includes: host scheduler, topology, sim; never a lock or a
 * workload.
 *
 * Rule for every caller: settle a vCPU before changing its current task or
 * that task's activity, arm it afterwards (vcpu_settle / vcpu_arm). */
#ifndef VMSIM_VCPU_H
#define VMSIM_VCPU_H

#include "models/variant.h"
#include "models/world.h"

/* A spin budget that never runs out. */
#define VCPU_SPIN_INF TASK_SPIN_INF

/* The milestones a vCPU reports to the layer that runs tasks on it (the
 * guest, models/guest.c). Every hook is called with the vCPU settled; after
 * a milestone hook returns the vCPU re-arms its progress event if nothing
 * else did. */
typedef struct vcpu_ops {
    /* t's computation finished, or t (TA_NONE) has its next step due. */
    void (*work_done)(world *w, task *t);
    /* t's lock transfer (TA_ACQ) finished. */
    void (*transfer_done)(world *w, task *t);
    /* t's spin budget (TA_SPIN) ran out. */
    void (*spin_out)(world *w, task *t);
    /* vc's current task used up its time slice while others wait. */
    void (*slice_out)(world *w, vcpu *vc);
    /* vc was scheduled in: its current task executes again, or, with none,
     * the idle vCPU runs. Called before the vCPU re-arms. */
    void (*exec_begins)(world *w, vcpu *vc);
    /* vc was scheduled out: its current task (if any) stops executing. */
    void (*exec_ends)(world *w, vcpu *vc);
    /* t spun `ns` of the measurement window (accounting; may be 0). */
    void (*spun)(world *w, task *t, sim_time ns);
    /* vc took a PLE exit while its current task t spins (accounting). */
    void (*ple_exit)(world *w, task *t);
} vcpu_ops;

/* The parameters of pause-loop exiting (hypervisor.ple), stored in hv_cfg
 * itself (models/config.h): a parameter table in the variant shape
 * (models/variant.h) that applies to every host scheduler but bare metal. */
extern const variant vcpu_ple_variant;
/* KVM's hypercall options (hypervisor.kvm: kick_yield), stored in hv_cfg
 * like PLE's; they apply to every scheduler but bare metal. */
extern const variant vcpu_kvm_variant;

/* Installs the vCPU layer below the guest: w->hvc, the table host
 * schedulers report through. Can't fail. */
void vcpu_install(world *w);

/* Charges time since seg_start to the current task's activity. */
void vcpu_settle(world *w, vcpu *vc);
/* (Re)schedules the progress event for the current state. */
void vcpu_arm(world *w, vcpu *vc);

/* The guest halts vc (idle or pv lock wait): the host blocks its thread. */
void vcpu_halt(world *w, vcpu *vc);
/* Wakes a halted vc through the host scheduler after `delay` ns (the kick
 * or IPI delivery). No effect if vc is not halted or a wake is in flight. */
void vcpu_wake(world *w, vcpu *vc, sim_time delay);
/* vcpu_wake on behalf of the vCPU `by` (NULL: nobody), whose hypercall or
 * IPI the wake-up is: while by runs, its pCPU is the waker's CPU the host
 * scheduler's wake_affine may move vc towards (vc->waker_pcpu). */
void vcpu_wake_from(world *w, vcpu *vc, sim_time delay, const vcpu *by);
/* vcpu_wake, then, once vc is runnable, the running vCPU `by` (NULL:
 * nobody) yields to it through the host scheduler's directed yield: KVM's
 * KVM_HC_KICK_CPU handler with the queue-head boost (hypervisor.kvm.
 * kick_yield, commit 266e85a5ec91); by is the waker as in vcpu_wake_from. */
void vcpu_wake_yield(world *w, vcpu *vc, sim_time delay, vcpu *by);
/* The guest on running vCPU self asks the host to run target
 * (KVM_HC_SCHED_YIELD -> kvm_vcpu_yield_to): self pays a VM exit; only a
 * runnable (preempted or woken, not running) target can be boosted.
 * Returns 1 if the host scheduler boosted it. Self may be scheduled out on
 * return. */
int vcpu_yield_to(world *w, vcpu *self, vcpu *target);
/* Delay and stall of waking a halted vCPU from another CPU on this host:
 * kick/IPI delivery (virtual) or 0 (bare metal). */
sim_time vcpu_kick_delay(const world *w);
/* 1 when the host is virtual (a hypervisor runs the vCPUs), 0 on bare metal. */
int vcpu_virtual(const world *w);
/* 1 when vc's guest runs in kernel mode (CPL 0) now: idle, waiting for or
 * taking a kernel spinlock, waiting for IPI acks, between steps, or in a
 * computation outside its user-mode tail (task->work_user: the CPU a step
 * owes first - hypercalls sent, a deferred refill - counts as kernel mode);
 * 0 in the user part of a computation or spinning on a user-level lock. A
 * preemption inside a stall (a VM exit, an IPI handler) reads the mode of
 * the work it delays. Read by the PLE handler's kernel-mode filter
 * (hypervisor.ple.kernel_mode_only). */
int vcpu_in_kernel(const vcpu *vc);

/* Charges the time since vc's last state change to its current state
 * (running, steal or halted; measurement window only). */
void vcpu_account(world *w, vcpu *vc);
/* Charges pc with the time since pc->since that its running vCPU executed
 * there (busy: measurement window only; exec_ns, the switch refill's clock:
 * always) and moves `since` to now. */
void vcpu_pcpu_account(world *w, pcpu *pc);
/* Adds a stall of d ns to a running vCPU's current segment (VM exits). */
void vcpu_stall(world *w, vcpu *vc, sim_time d);
/* The PLE window is the vCPU's (arch/x86/kvm/vmx.c since 3.18): grown at
 * each PAUSE-loop exit, reset to its base only when the vCPU is scheduled
 * in (ple_window_shrink 0). vcpu_ple_reset: schedule-in, the base window and
 * a fresh count; vcpu_ple_restart: a new spin loop (or VM entry), counted
 * against the current window, which it leaves as it is. */
void vcpu_ple_reset(world *w, vcpu *vc);
void vcpu_ple_restart(world *w, vcpu *vc);

#endif
