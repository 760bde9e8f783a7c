#include "models/host/hv.h"

#include <stddef.h>


extern const hv_ops hv_none_ops, hv_pinned_ops, hv_cfs_ops, hv_credit_ops, hv_cosched_ops;

/* The host schedulers vmsim knows; add a line to add one. */
const hv_reg hv_registry[] = {
    {"none", HV_NONE, &hv_none_ops},
    {"pinned", HV_PINNED, &hv_pinned_ops},
    {"cfs", HV_CFS, &hv_cfs_ops},
    {"credit", HV_CREDIT, &hv_credit_ops},
    {"cosched", HV_COSCHED, &hv_cosched_ops},
};
const int hv_nregistry = (int)(sizeof hv_registry / sizeof hv_registry[0]);

const hv_ops *hv_for(hv_kind kind)
{
    for (int i = 0; i < hv_nregistry; i++)
        if (hv_registry[i].kind == kind)
            return hv_registry[i].ops;
    return NULL;
}

const char *hv_kind_name(hv_kind kind)
{
    for (int i = 0; i < hv_nregistry; i++)
        if (hv_registry[i].kind == kind)
            return hv_registry[i].name;
    return "?";
}

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
    return (sim_time)(w->sc->hv.kind == HV_NONE ? w->sc->host.native_wake_ns : w->sc->host.wake_ns);
}

void hv_run_on(world *w, pcpu *pc, vcpu *vc, int from_halt)
{
    sim_time stall = from_halt ? hv_wake_stall(w) : (sim_time)w->sc->host.ctx_switch_ns;
    hv_sched_in(w, vc, pc, stall);
}
