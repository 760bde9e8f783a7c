/* guest.h - the guest OS: tasks on vCPUs.
 *
 * Each vCPU has a FIFO run queue of runnable tasks besides its current one.
 * A task that becomes runnable goes to its last vCPU if that is idle, else
 * to an idle vCPU of the VM, else to the vCPU with the shortest queue. An
 * idle vCPU first steals a queued task from the busiest vCPU of its VM, then
 * halts (HLT); queuing a task on a halted vCPU wakes it with an IPI. Tasks
 * sharing a vCPU are time-sliced round robin (vm_cfg.slice of CPU time);
 * a task holding or waiting for a kernel spinlock is not preemptible (the
 * switch waits until it drops its last one), a user-level lock is.
 *
 * Workloads drive tasks through task_compute (or task_compute_mode) /
 * task_lock / task_unlock / task_block / task_exit from their step function
 * (models/workloads/wl.h).
 *
 * The guest is the one layer that knows both sides of a task: it installs
 * the vcpu_ops table the vCPU layer reports milestones through (work done,
 * transfer done, spin budget out, slice out, execution begins and ends) and
 * the lock_env table through which locks change a task's activity; it alone
 * calls the lock layer. It steps a task's workload through vm->wl_step
 * (installed by world_new), so it includes locks and the vCPU layer (and
 * below) but no workload header. */
#ifndef VMSIM_GUEST_H
#define VMSIM_GUEST_H

#include "models/ipi.h"
#include "models/world.h"

/* Installs the guest's tables (w->vops, w->lenv); call once after
 * vcpu_install, before anything runs. Can't fail. */
void guest_install(world *w);

/* Creates a task in VM v (blocked, on no vCPU). */
task *task_new(world *w, vm *v);
/* Makes a blocked task runnable and places it on a vCPU. */
void guest_wake_task(world *w, task *t);
/* 1 when the guest is the host's own OS (bare metal: no hypervisor, vCPU i
 * is core i), 0 in a VM. */
int guest_bare_metal(const world *w);
/* Creates a lock of VM v with the VM's lock algorithm (kernel: a kernel
 * spinlock, which disables preemption). */
lock *guest_lock_new(world *w, vm *v, const char *name, int kernel);
/* Marks kernel lock l as taken with interrupts disabled (spin_lock_irqsave
 * or inside local_irq_save): its pv waiters halt with halt(), which the
 * guest's timer tick (guest.tick_ns) does not end; returns l. */
lock *guest_lock_irqs_off(lock *l, int irqs_off);

/* --- workload API (call only from a step) ------------------------------ */
/* t computes ns of CPU time: in guest user mode, or in kernel mode inside a
 * kernel spinlock's critical section (the mode is read by
 * hypervisor.ple.kernel_mode_only, vcpu_in_kernel). */
void task_compute(world *w, task *t, sim_time ns);
/* t computes kernel_ns in kernel mode (page faults, system calls outside a
 * spinlock), then user_ns in user mode, as one step. */
void task_compute_mode(world *w, task *t, sim_time user_ns, sim_time kernel_ns);
void task_lock(world *w, task *t, lock *l);
void task_unlock(world *w, task *t, lock *l);
void task_block(world *w, task *t);
/* Blocks t for ns, then makes it runnable again. */
void task_sleep(world *w, task *t, sim_time ns);
void task_exit(world *w, task *t);
/* CPU time the task must additionally spend before its next computation
 * (hypercalls, IPIs it sent). */
void task_add_overhead(task *t, sim_time ns);
/* Prepares VM v for synchronous IPIs (call from the workload's start). */
void guest_ipi_init(world *w, vm *v);
/* t sends a synchronous IPI to the other vCPUs running its VM's tasks and
 * waits for every handler (smp_call_function_many / TLB shootdown;
 * models/ipi.h says how each target and option behaves). */
void task_ipi_many(world *w, task *t, const ipi_opts *o);

#endif
