/* none: bare metal. The one VM's vCPU i is core i; nothing is ever
 * preempted by a host, a halted core (idle) wakes after native_wake_ns. */
#include "models/host/hv.h"

static void none_init(world *w) { (void)w; }

static void none_wake(world *w, vcpu *vc) { hv_run_on(w, &w->pcpus[vc->gid], vc, 1); }

static void none_block(world *w, vcpu *vc) { hv_sched_out(w, vc, VH_HALTED); }

static int none_yield_to(world *w, vcpu *self, vcpu *target)
{
    (void)w;
    (void)self;
    (void)target;
    return 0;
}

static void none_destroy(world *w) { (void)w; }

static const hv_ops hv_none_ops = {
    .native = 1,
    .init = none_init,
    .wake = none_wake,
    .block = none_block,
    .yield_to = none_yield_to,
    .destroy = none_destroy,
};

const variant hv_none_variant = {
    .name = "none",
    .summary = "bare metal: vCPU i is core i, no hypervisor",
    .ops = &hv_none_ops,
};
