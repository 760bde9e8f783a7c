/* cosched: gang scheduling of whole VMs, a what-if that none of the real
 * systems in MODEL.md ships (VMware's relaxed co-scheduling and the
 * research gang schedulers are the inspiration, not the model).
 *
 * Time is divided into slices of hv_cfg.slice ns. At the start of each
 * slice the next VM in round-robin order that has a runnable vCPU leads the
 * slice: its gang gets one pCPU per vCPU, vCPU j on pCPU j, and all its
 * runnable vCPUs start at once (all switches of a slice boundary happen in
 * one event, so no instant ever sees two gangs' members mixed on the pCPUs
 * except by backfilling below). The turn then passes to the VM after the
 * leader, whether or not that VM also ran in this slice.
 *
 * Choices (the brief left them open):
 *  - backfilling: when the leader has fewer vCPUs than there are pCPUs, the
 *    leftover pCPUs go to the following VMs in turn order, whole gangs only:
 *    a VM with a runnable vCPU whose vCPUs all fit in what is left gets one
 *    pCPU per vCPU (next pCPUs in index order); one that does not fit is
 *    skipped, never split. With several small VMs the leadership still
 *    rotates by one VM per slice, so every VM leads equally often and runs
 *    in (almost) the same number of slices;
 *  - a gang holds a pCPU for each of its vCPUs, halted or not: a halted
 *    vCPU leaves its pCPU idle (no backfill with other VMs' vCPUs), so a
 *    vCPU that wakes during its VM's slice runs at once on the pCPU held
 *    for it, after the host's wake-up cost; a vCPU whose VM holds no pCPU
 *    waits (runnable) for its VM's next slice;
 *  - a VM with more vCPUs than pCPUs runs as rotating sub-gangs of npcpus
 *    vCPUs: each of its turns takes its runnable vCPUs in order from where
 *    the previous turn stopped, and gives the pCPUs left (if any) to halted
 *    ones;
 *  - work conservation: VMs whose vCPUs are all halted are skipped when
 *    choosing the leader; when every pCPU of the current slice is idle and
 *    some other vCPU is runnable the slice ends at once; when nothing is
 *    runnable at all the scheduler stops and the next wake-up starts a
 *    slice immediately;
 *  - a vCPU that stays on the same pCPU across a slice boundary is not
 *    switched (no context-switch cost); one that moves pays the switch and
 *    the migration refill like any other;
 *  - directed yield (yield_to) always returns 0: a spinning vCPU's gang
 *    siblings already run, so there is nobody to yield to.
 *
 * A woken vCPU that has to wait for its VM's slice is made VH_RUNNABLE
 * (hv_make_runnable: the wait counts as steal time); the private
 * `runnable` flag (woken, not halted since) drives the plans. */
#include <stddef.h>

#include "models/host/hv.h"

/* Parameters (docs/scenario-format.md, hypervisor). */
typedef struct co_params {
    int64_t slice; /* gang time slice, ns */
} co_params;
VP_FITS(co_params);

static const vparam co_params_tab[] = {
    {.key = "slice_ns", .type = VP_INT, .def = 30000000, .lo = 1000, .hi = 1e10, .unit = "ns",
     .doc = "gang time slice: every slice the next VM in turn leads", .off = offsetof(co_params, slice)},
};
#include "sim/mem.h"

#include <stdlib.h>

typedef struct co_state {
    int *held;          /* per pCPU: gid of the vCPU the slice holds it for, -1 none */
    int *want;          /* per pCPU: scratch for the next slice's plan */
    int *slot;          /* per vCPU (gid): pCPU held for it this slice, -1 none */
    unsigned char *runnable; /* per vCPU (gid): woken and not halted since */
    int *rot;           /* per VM: first vCPU of its next turn (VMs larger than the host) */
    int next_vm;        /* the VM whose turn comes next */
    int active;         /* a slice is in progress */
    ev_id timer;        /* end of the current slice */
    ev_id early;        /* pending early end of the slice */
} co_state;

static co_state *co_of(world *w) { return w->hv_state; }

/* 1 if VM v has a runnable (woken, not halted) vCPU. */
static int co_vm_runnable(world *w, const vm *v)
{
    for (int k = 0; k < v->nvcpus; k++)
        if (co_of(w)->runnable[v->vcpus[k].gid])
            return 1;
    return 0;
}

/* 1 if some pCPU runs a vCPU. */
static int co_any_busy(const world *w)
{
    for (int p = 0; p < w->npcpus; p++)
        if (w->pcpus[p].cur)
            return 1;
    return 0;
}

/* 1 if some runnable vCPU is not running. */
static int co_any_waiting(world *w)
{
    for (int g = 0; g < w->nvcpus; g++)
        if (co_of(w)->runnable[g] && w->all_vcpus[g]->hs != VH_RUNNING)
            return 1;
    return 0;
}

/* Plans pCPUs base.. for VM v's gang (at most n of them). */
static void co_place(world *w, vm *v, int base, int n)
{
    co_state *s = co_of(w);
    if (v->nvcpus <= n) {
        for (int j = 0; j < v->nvcpus; j++)
            s->want[base + j] = v->vcpus[j].gid;
        return;
    }
    /* Larger than the host: a sub-gang of n vCPUs, taken in rotation order
     * from where the last turn stopped, runnable ones first (the others
     * get the pCPUs left, to wake into). */
    int nv = v->nvcpus, r = s->rot[v->id], got = 0, next_rot = (r + n) % nv;
    for (int pass = 0; pass < 2 && got < n; pass++)
        for (int j = 0; j < nv && got < n; j++) {
            int k = (r + j) % nv, g = v->vcpus[k].gid;
            if (s->runnable[g] != (pass == 0))
                continue;
            s->want[base + got++] = g;
            if (pass == 0)
                next_rot = (k + 1) % nv;
        }
    s->rot[v->id] = next_rot;
}

static void co_timer(ev_sim *sim, void *ctx, uint64_t arg);

/* Starts a new slice now: plans the gangs, switches out whatever does not
 * stay, switches in the planned runnable vCPUs. `waking` (or NULL) is the
 * vCPU whose wake-up started the slice: it comes from halt. */
static void co_switch(world *w, vcpu *waking)
{
    co_state *s = co_of(w);
    int np = w->npcpus;
    if (s->timer) {
        ev_cancel(&w->sim, s->timer);
        s->timer = 0;
    }
    if (s->early) {
        ev_cancel(&w->sim, s->early);
        s->early = 0;
    }
    for (int p = 0; p < np; p++)
        s->want[p] = -1;
    int leader = -1;
    for (int i = 0; i < w->nvms && leader < 0; i++) {
        int v = (s->next_vm + i) % w->nvms;
        if (co_vm_runnable(w, &w->vms[v]))
            leader = v;
    }
    if (leader >= 0) {
        s->next_vm = (leader + 1) % w->nvms;
        vm *lv = &w->vms[leader];
        int used = lv->nvcpus < np ? lv->nvcpus : np;
        co_place(w, lv, 0, np);
        for (int i = 1; i < w->nvms && used < np; i++) { /* backfill with whole gangs */
            vm *v = &w->vms[(leader + i) % w->nvms];
            if (v->nvcpus <= np - used && co_vm_runnable(w, v)) {
                co_place(w, v, used, np - used);
                used += v->nvcpus;
            }
        }
    }
    /* All switches out before any switch in: a vCPU never runs twice. */
    for (int p = 0; p < np; p++) {
        vcpu *cur = w->pcpus[p].cur;
        if (cur && s->want[p] != cur->gid)
            hv_sched_out(w, cur, VH_RUNNABLE);
    }
    for (int g = 0; g < w->nvcpus; g++)
        s->slot[g] = -1;
    for (int p = 0; p < np; p++) {
        s->held[p] = s->want[p];
        if (s->held[p] >= 0)
            s->slot[s->held[p]] = p;
    }
    s->active = leader >= 0;
    if (!s->active)
        return;
    s->timer = ev_after(&w->sim, VP_OF(co_params, &w->sc->hv.par)->slice, co_timer, NULL, 0);
    /* Switching in may re-enter co_block (a guest with nothing to do halts
     * at once); that only idles the pCPU and may post an early end. */
    for (int p = 0; p < np; p++) {
        int g = s->held[p];
        if (g < 0 || w->pcpus[p].cur || !s->runnable[g])
            continue;
        vcpu *vc = w->all_vcpus[g];
        hv_run_on(w, &w->pcpus[p], vc, vc == waking);
    }
}

static void co_timer(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    (void)arg;
    world *w = world_of(sim);
    co_of(w)->timer = 0;
    co_switch(w, NULL);
}

static void co_early(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    (void)arg;
    world *w = world_of(sim);
    co_of(w)->early = 0;
    if (!co_any_busy(w) && co_any_waiting(w))
        co_switch(w, NULL);
}

static void co_init(world *w)
{
    co_state *s = vs_xcalloc(1, sizeof *s);
    s->held = vs_xcalloc((size_t)w->npcpus, sizeof(int));
    s->want = vs_xcalloc((size_t)w->npcpus, sizeof(int));
    s->slot = vs_xcalloc((size_t)w->nvcpus, sizeof(int));
    s->runnable = vs_xcalloc((size_t)w->nvcpus, 1);
    s->rot = vs_xcalloc((size_t)w->nvms, sizeof(int));
    for (int p = 0; p < w->npcpus; p++)
        s->held[p] = -1;
    for (int g = 0; g < w->nvcpus; g++)
        s->slot[g] = -1;
    w->hv_state = s;
}

static void co_wake(world *w, vcpu *vc)
{
    co_state *s = co_of(w);
    if (s->runnable[vc->gid] || vc->hs == VH_RUNNING)
        return;
    s->runnable[vc->gid] = 1;
    int p = s->slot[vc->gid];
    if (s->active && p >= 0) {
        if (!w->pcpus[p].cur) /* its gang holds a pCPU for it: run at once */
            hv_run_on(w, &w->pcpus[p], vc, 1);
    } else if (!s->active || !co_any_busy(w)) { /* nothing runs: start a slice now */
        co_switch(w, vc);
    }
    if (s->runnable[vc->gid] && vc->hs == VH_HALTED) /* waits for its VM's turn */
        hv_make_runnable(w, vc);
}

static void co_block(world *w, vcpu *vc)
{
    co_state *s = co_of(w);
    s->runnable[vc->gid] = 0;
    hv_sched_out(w, vc, VH_HALTED); /* its pCPU stays held, idle */
    if (!s->early && !co_any_busy(w) && co_any_waiting(w))
        s->early = ev_after(&w->sim, 0, co_early, NULL, 0);
}

static int co_yield_to(world *w, vcpu *self, vcpu *target)
{
    (void)w;
    (void)self;
    (void)target;
    return 0;
}

static void co_destroy(world *w)
{
    co_state *s = w->hv_state;
    if (!s)
        return;
    free(s->held);
    free(s->want);
    free(s->slot);
    free(s->runnable);
    free(s->rot);
    free(s);
    w->hv_state = NULL;
}

static const hv_ops hv_cosched_ops = {
    .init = co_init,
    .wake = co_wake,
    .block = co_block,
    .yield_to = co_yield_to,
    .destroy = co_destroy,
};

const variant hv_cosched_variant = {
    .name = "cosched",
    .summary = "gang scheduling: each slice one VM's vCPUs run together, VMs round robin",
    .ops = &hv_cosched_ops,
    .params = co_params_tab,
    .nparams = (int)(sizeof co_params_tab / sizeof co_params_tab[0]),
    .size = sizeof(co_params),
};
