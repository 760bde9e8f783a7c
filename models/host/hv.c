#include "models/host/hv.h"

#include <stddef.h>


extern const variant hv_none_variant, hv_pinned_variant, hv_cfs_variant, hv_credit_variant,
    hv_cosched_variant, hv_eevdf_variant;

/* The host schedulers vmsim knows; add a line to add one. The first is the
 * default. */
vregistry hv_registry = {
    "host scheduler",
    "scheduler",
    {&hv_none_variant, &hv_pinned_variant, &hv_cfs_variant, &hv_credit_variant, &hv_cosched_variant,
     &hv_eevdf_variant},
};

void hq_push(pcpu *pc, vcpu *vc)
{
    vc->hq_next = NULL;
    if (pc->rq_tail)
        pc->rq_tail->hq_next = vc;
    else
        pc->rq_head = vc;
    pc->rq_tail = vc;
    pc->nrq++;
    vc->on_hq = 1;
    vc->hq_pcpu = pc->id;
}

void hq_push_front(pcpu *pc, vcpu *vc)
{
    vc->hq_next = pc->rq_head;
    pc->rq_head = vc;
    if (!pc->rq_tail)
        pc->rq_tail = vc;
    pc->nrq++;
    vc->on_hq = 1;
    vc->hq_pcpu = pc->id;
}

vcpu *hq_pop(pcpu *pc)
{
    vcpu *vc = pc->rq_head;
    if (!vc)
        return NULL;
    pc->rq_head = vc->hq_next;
    if (!pc->rq_head)
        pc->rq_tail = NULL;
    pc->nrq--;
    vc->on_hq = 0;
    vc->hq_next = NULL;
    return vc;
}

void hq_remove(pcpu *pc, vcpu *vc)
{
    vcpu **pp = &pc->rq_head, *prev = NULL;
    while (*pp && *pp != vc) {
        prev = *pp;
        pp = &(*pp)->hq_next;
    }
    if (!*pp)
        return;
    *pp = vc->hq_next;
    if (pc->rq_tail == vc)
        pc->rq_tail = prev;
    pc->nrq--;
    vc->on_hq = 0;
    vc->hq_next = NULL;
}

sim_time hv_wake_stall(const world *w)
{
    return (sim_time)(w->hv->native ? w->sc->host.native_wake_ns : w->sc->host.wake_ns);
}

void hv_run_on(world *w, pcpu *pc, vcpu *vc, int from_halt)
{
    sim_time stall = from_halt ? hv_wake_stall(w) : (sim_time)w->sc->host.ctx_switch_ns;
    hv_sched_in(w, vc, pc, stall);
}
