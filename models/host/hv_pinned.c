/* pinned: vCPU i of every VM is pinned to one pCPU (i mod pCPUs, or the
 * scenario's list); vCPUs sharing a pCPU are time-shared round robin with
 * a fixed slice. A woken vCPU joins the tail of its pCPU's queue (no
 * wake-up preemption). Directed yield moves the target to the front of its
 * queue and preempts whatever runs there. */
#include <stddef.h>

#include "models/host/hv.h"

/* Parameters (docs/scenario-format.md, hypervisor). */
typedef struct pin_params {
    int64_t slice; /* round-robin time slice, ns */
} pin_params;
VP_FITS(pin_params);

static const vparam pin_params_tab[] = {
    {.key = "slice_ns", .type = VP_INT, .def = 30000000, .lo = 1000, .hi = 1e10, .unit = "ns",
     .doc = "round-robin time slice of vCPUs sharing a pCPU", .off = offsetof(pin_params, slice)},
    {.key = "pin", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "pCPU indexes",
     .doc = "where each vCPU runs: [p0, p1, ...] for every VM, or one such list per VM (default: i mod pCPUs)"},
};

static sim_time pin_slice(const world *w) { return VP_OF(pin_params, &w->sc->hv.par)->slice; }

static void pin_tick(ev_sim *sim, void *ctx, uint64_t arg);

static void pin_arm(world *w, pcpu *pc)
{
    if (pc->tick) {
        ev_cancel(&w->sim, pc->tick);
        pc->tick = 0;
    }
    if (pc->cur && pc->nrq > 0)
        pc->tick = ev_schedule(&w->sim, pc->since + pin_slice(w), pin_tick, pc, 0);
}

/* Runs the head of pc's queue (pc idle). */
static void pin_next(world *w, pcpu *pc)
{
    vcpu *next = hq_pop(pc);
    if (next)
        hv_run_on(w, pc, next, 0);
    pin_arm(w, pc);
}

static void pin_tick(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    pc->tick = 0;
    if (!pc->cur || pc->nrq == 0)
        return;
    vcpu *cur = pc->cur;
    hv_sched_out(w, cur, VH_RUNNABLE);
    hq_push(pc, cur);
    pin_next(w, pc);
}

static void pin_init(world *w)
{
    const hv_cfg *c = &w->sc->hv;
    for (int i = 0; i < w->nvcpus; i++) {
        vcpu *vc = w->all_vcpus[i];
        vc->pin.home = c->npin ? c->pin[c->pin_per_vm ? vc->gid : vc->id] : vc->id % w->npcpus;
    }
}

static void pin_wake(world *w, vcpu *vc)
{
    pcpu *pc = &w->pcpus[vc->pin.home];
    if (!pc->cur && pc->nrq == 0) {
        hv_run_on(w, pc, vc, 1);
        pin_arm(w, pc);
        return;
    }
    hv_make_runnable(w, vc);
    hq_push(pc, vc);
    if (!pc->tick)
        pin_arm(w, pc);
}

static void pin_block(world *w, vcpu *vc)
{
    pcpu *pc = vc->pc;
    hv_sched_out(w, vc, VH_HALTED);
    pin_next(w, pc);
}

/* self gives way to what waits on its own pCPU, if anything. */
static void pin_yield_self(world *w, vcpu *self)
{
    pcpu *sp = self->pc;
    if (!sp || sp->nrq == 0 || self->hs != VH_RUNNING)
        return;
    hv_sched_out(w, self, VH_RUNNABLE);
    hq_push(sp, self);
    pin_next(w, sp);
}

static int pin_yield_to(world *w, vcpu *self, vcpu *target)
{
    if (target->hs != VH_RUNNABLE || !target->on_hq)
        return 0;
    pcpu *tp = &w->pcpus[target->hq_pcpu];
    hq_remove(tp, target);
    hq_push_front(tp, target);
    if (tp->cur) { /* preempt whatever runs there, the target goes next */
        vcpu *cur = tp->cur;
        hv_sched_out(w, cur, VH_RUNNABLE);
        hq_push(tp, cur);
        pin_next(w, tp);
    }
    if (self->pc != tp) /* self yields too */
        pin_yield_self(w, self);
    return 1;
}

static void pin_destroy(world *w) { (void)w; }

static const hv_ops hv_pinned_ops = {
    .init = pin_init,
    .wake = pin_wake,
    .block = pin_block,
    .yield_to = pin_yield_to,
    .yield_self = pin_yield_self,
    .destroy = pin_destroy,
};

const variant hv_pinned_variant = {
    .name = "pinned",
    .summary = "vCPU i pinned to pCPU i (or a list), round robin with a fixed slice",
    .ops = &hv_pinned_ops,
    .params = pin_params_tab,
    .nparams = (int)(sizeof pin_params_tab / sizeof pin_params_tab[0]),
    .size = sizeof(pin_params),
};
