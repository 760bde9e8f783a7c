#include "models/ipi.h"

#include <stdlib.h>

#include "models/observe.h"
#include "models/vcpu.h"
#include "sim/mem.h"

static int ipi_words(const vm *v) { return (v->nvcpus + 63) / 64; }

void ipi_vm_init(world *w, vm *v)
{
    (void)w;
    for (int k = 0; k < v->nvcpus; k++)
        if (!v->vcpus[k].ipi_pend)
            v->vcpus[k].ipi_pend = vs_xcalloc((size_t)ipi_words(v), sizeof(uint64_t));
}

void ipi_vm_free(vm *v)
{
    for (int k = 0; k < v->nvcpus; k++) {
        free(v->vcpus[k].ipi_pend);
        v->vcpus[k].ipi_pend = NULL;
    }
}

static sim_time ipi_delay(const world *w) { return (sim_time)w->sc->host.ipi_ns; }

/* The last target acked: the sender leaves csd_lock_wait. */
static void ipi_done_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    task *t = ctx;
    int ex = task_executing(t);
    if (ex)
        vcpu_settle(w, t->vc);
    if (world_measuring(w))
        stat_add(&t->vm->ipi_wait, (double)(w->sim.now - t->ipi_start));
    t->act = TA_NONE;
    t->preempt_count--;
    obs_emit(w, OBS_ACT, t->vc, t, NULL, NULL, NULL);
    if (ex)
        vcpu_arm(w, t->vc);
}

/* Running vCPU c runs the handler of sender t's IPI. */
static void ipi_handle(world *w, vcpu *c, task *t)
{
    int s = t->vc->id;
    c->ipi_pend[s >> 6] &= ~(1ull << (s & 63));
    c->ipi_npend--;
    vcpu_stall(w, c, (sim_time)t->ipi_handler);
    vcpu_arm(w, c);
    if (c->seg_start > t->ipi_until)
        t->ipi_until = c->seg_start;
    if (--t->ipi_left == 0)
        ev_schedule(&w->sim, t->ipi_until, ipi_done_ev, t, 0);
}

/* Delivery: every target still running runs the handler now. */
static void ipi_deliver_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    task *t = ctx;
    vm *v = t->vm;
    int s = t->vc->id;
    for (int k = 0; k < v->nvcpus && t->ipi_left > 0; k++) {
        vcpu *c = &v->vcpus[k];
        if (c->hs == VH_RUNNING && (c->ipi_pend[s >> 6] >> (s & 63) & 1))
            ipi_handle(w, c, t);
    }
}

/* pv sched yield: the sender, still waiting, yields to target k. */
static void ipi_yield_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    world *w = world_of(sim);
    task *t = ctx;
    vcpu *c = &t->vm->vcpus[arg];
    if (t->act != TA_IPI || !task_executing(t) || c->hs != VH_RUNNABLE)
        return;
    if (world_measuring(w))
        t->vm->ipi_yields++;
    vcpu_yield_to(w, t->vc, c);
}

void ipi_send(world *w, task *t, const ipi_opts *o)
{
    vm *v = t->vm;
    vcpu *self = t->vc;
    int s = self->id, n = 0, late = 0, skipped = 0, yield_to = -1;
    sim_time at = w->sim.now;
    for (int k = 0; k < v->nvcpus; k++) {
        vcpu *c = &v->vcpus[k];
        if (c == self || !c->cur) /* idle: lazy TLB, not in the mask */
            continue;
        if (o->pv_tlb_flush && c->hs == VH_RUNNABLE && c->preempted) {
            skipped++; /* KVM_VCPU_PREEMPTED: the host flushes at its next entry */
            continue;
        }
        n++;
        c->ipi_pend[s >> 6] |= 1ull << (s & 63);
        c->ipi_npend++;
        if (c->hs != VH_RUNNING)
            late++;
        if (c->hs == VH_HALTED)
            vcpu_wake_from(w, c, ipi_delay(w), self);
        else if (c->hs == VH_RUNNABLE && o->pv_sched_yield && yield_to < 0)
            yield_to = k;
    }
    if (vcpu_virtual(w))
        t->overhead += ipi_delay(w);
    if (world_measuring(w)) {
        v->ipi_calls++;
        v->ipi_targets += (uint64_t)n;
        v->ipi_late += (uint64_t)late;
        v->ipi_skipped += (uint64_t)skipped;
    }
    if (n == 0)
        return;
    t->act = TA_IPI;
    t->ipi_left = n;
    t->ipi_start = at;
    t->ipi_until = at;
    t->ipi_handler = o->handler_ns;
    t->preempt_count++; /* smp_call_function_many runs with preemption off */
    vcpu_ple_restart(w, self);
    ev_schedule(&w->sim, at + ipi_delay(w), ipi_deliver_ev, t, 0);
    if (yield_to >= 0)
        ev_schedule(&w->sim, at, ipi_yield_ev, t, (uint64_t)yield_to);
}

void ipi_vcpu_in(world *w, vcpu *vc)
{
    if (!vc->ipi_npend)
        return;
    vm *v = vc->vm;
    for (int i = 0; i < v->nvcpus && vc->ipi_npend > 0; i++) {
        if (!(vc->ipi_pend[i >> 6] >> (i & 63) & 1))
            continue;
        task *t = v->vcpus[i].cur; /* the sender waits on its vCPU, non-preemptible */
        if (!t || t->act != TA_IPI || w->sim.now < t->ipi_start + ipi_delay(w))
            continue; /* not delivered yet: the delivery event handles it */
        ipi_handle(w, vc, t);
    }
}
