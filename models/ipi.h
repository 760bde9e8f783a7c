/* ipi.h - synchronous multi-target IPIs: smp_call_function_many and the
 * TLB shootdown built on it (kernel/smp.c, arch/x86/mm/tlb.c), with KVM's
 * two paravirtual shortcuts. Part of the guest layer (models/guest.c calls
 * it; workloads reach it through task_ipi_many, models/guest.h).
 *
 * A sender on vCPU s targets every other vCPU of its VM that has a current
 * task (the process's mm_cpumask; an idle vCPU is in lazy TLB mode and is
 * skipped, as x86 does since 4.19). It pays the send cost (host.costs.ipi_ns
 * of CPU, one PV send-IPI hypercall for the whole mask), then busy-waits in
 * csd_lock_wait (TA_IPI: it burns its vCPU, the host may preempt it, PLE may
 * fire) until every target has run the handler:
 *   - a running target runs it at delivery (ipi_ns after the send), losing
 *     handler_ns of its own time;
 *   - a halted target (a pv lock waiter in HLT) is woken like any IPI and
 *     runs it once the host runs it;
 *   - a preempted (runnable) target runs it only when the host next runs it.
 * Options (the guest kernel's, given by the caller):
 *   - pv_tlb_flush (KVM_FEATURE_PV_TLB_FLUSH, Linux 4.16+, kvm_flush_tlb_others):
 *     a target whose vCPU is preempted is skipped - KVM flushes its TLB at
 *     its next VM entry - so only running and halted targets are waited for;
 *   - pv_sched_yield (KVM_HC_SCHED_YIELD, Linux 5.2+, kvm_smp_send_call_func_ipi):
 *     after sending, the sender yields once to the first preempted target
 *     (kvm_vcpu_yield_to on the host), then waits as usual.
 * The pending handlers of a vCPU are a bitmap of sender vCPUs (a sender
 * waits for one IPI at a time: the wait is non-preemptible), allocated by
 * ipi_vm_init; nothing is allocated per IPI. */
#ifndef VMSIM_IPI_H
#define VMSIM_IPI_H

#include "models/world.h"

typedef struct ipi_opts {
    int pv_tlb_flush;    /* skip preempted targets (they flush at next entry) */
    int pv_sched_yield;  /* yield to the first preempted target after sending */
    sim_time handler_ns; /* CPU time of the handler on each target */
} ipi_opts;

/* Allocates the pending-handler bitmaps of VM v's vCPUs (once, at start;
 * a second call does nothing). */
void ipi_vm_init(world *w, vm *v);
/* Frees them. */
void ipi_vm_free(vm *v);
/* Task t (executing, in a workload step) sends the IPI. With no target t
 * goes on at once (activity TA_NONE, the send cost owed); else it waits in
 * TA_IPI and goes on when the last target acked. */
void ipi_send(world *w, task *t, const ipi_opts *o);
/* vc was scheduled in: it runs the handlers pending on it (each one delays
 * what it was doing by the handler time). Call before vc's task resumes. */
void ipi_vcpu_in(world *w, vcpu *vc);

#endif
