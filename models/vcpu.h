/* vcpu.h - executing guest code on a vCPU.
 *
 * A vCPU makes progress on its current task only while it is VH_RUNNING on
 * a pCPU, and only from `seg_start` on (context-switch, migration, wake-up
 * and VM-exit costs push seg_start into the future: a stall). The layer keeps
 * one pending progress event per vCPU for the next milestone of the current
 * task: its work or lock transfer completes, its spin budget runs out, a PLE
 * window expires, or its guest time slice ends while others wait.
 *
 * Rule for every caller: settle a vCPU before changing its current task or
 * that task's activity, arm it afterwards (vcpu_settle / vcpu_arm). */
#ifndef VMSIM_VCPU_H
#define VMSIM_VCPU_H

#include "models/world.h"

/* A spin budget that never runs out. */
#define VCPU_SPIN_INF (INT64_MAX / 4)

/* Charges time since seg_start to the current task's activity. */
void vcpu_settle(world *w, vcpu *vc);
/* (Re)schedules the progress event for the current state. */
void vcpu_arm(world *w, vcpu *vc);
/* 1 if task t is executing: current on a RUNNING vCPU (possibly stalled). */
int vcpu_executing(const task *t);

/* Host scheduler puts vc on pc; progress resumes after `stall` ns (plus a
 * migration penalty when pc differs from the last pCPU). */
void vcpu_sched_in(world *w, vcpu *vc, pcpu *pc, sim_time stall);
/* Host scheduler takes vc off its pCPU, to `hs` (VH_RUNNABLE = preempted,
 * VH_HALTED = blocked). The caller chooses what runs next on the pCPU. */
void vcpu_sched_out(world *w, vcpu *vc, vcpu_hstate hs);

/* A host scheduler queues a woken (halted) vc without running it yet:
 * its halt ends and its wait for a pCPU (steal time) begins. */
void vcpu_make_runnable(world *w, vcpu *vc);

/* The guest halts vc (idle or pv lock wait): the host blocks its thread. */
void vcpu_halt(world *w, vcpu *vc);
/* Wakes a halted vc through the host scheduler after `delay` ns (the kick
 * or IPI delivery). No effect if vc is not halted or a wake is in flight. */
void vcpu_wake(world *w, vcpu *vc, sim_time delay);
/* Delay and stall of waking a halted vCPU from another CPU on this host:
 * kick/IPI delivery (virtual) or 0 (bare metal). */
sim_time vcpu_kick_delay(const world *w);

/* Charges the time since vc's last state change to its current state
 * (running, steal or halted; measurement window only). */
void vcpu_account(world *w, vcpu *vc);
/* Adds a stall of d ns to a running vCPU's current segment (VM exits). */
void vcpu_stall(world *w, vcpu *vc, sim_time d);
/* Resets the PLE window to its base (on schedule-in). */
void vcpu_ple_reset(world *w, vcpu *vc);

#endif
