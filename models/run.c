#include "models/run.h"

#include <stdlib.h>

#include "models/guest.h"
#include "models/ipi.h"
#include "models/host/hv.h"
#include "models/locks/lock.h"
#include "models/topo.h"
#include "models/vcpu.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"
#include "sim/rng.h"

world *world_new(const scenario *sc)
{
    world *w = vs_xcalloc(1, sizeof(world));
    ev_init(&w->sim, 1024);
    w->sc = sc;
    w->warmup = sc->warmup;
    w->sim.end = sc->duration;
    w->sim.budget = sc->max_events;
    w->rng = rng_stream(sc->seed, "host");
    topo_build(w, &sc->host);
    vcpu_install(w);
    guest_install(w);
    w->hv = sc->hv.sched->ops;
    /* Bare metal runs one OS: k identical VMs of a workload that can host
     * tenants (gmake) become k concurrent builds in it, sharing its cores
     * and kernel locks (the scenario loader only lets such k > 1 through). */
    int fold = w->hv->native && sc->nvms > 1 ? sc->nvms : 1;
    w->nvms = fold > 1 ? 1 : sc->nvms;
    w->vms = vs_xcalloc((size_t)w->nvms, sizeof(vm));
    for (int i = 0; i < w->nvms; i++)
        w->nvcpus += sc->vms[i].vcpus;
    w->all_vcpus = vs_xcalloc((size_t)w->nvcpus, sizeof(vcpu *));
    int g = 0;
    for (int i = 0; i < w->nvms; i++) {
        vm *v = &w->vms[i];
        v->id = i;
        v->cfg = sc->vms[i];
        v->fold = fold;
        v->nvcpus = v->cfg.vcpus;
        v->vcpus = vs_xcalloc((size_t)v->nvcpus, sizeof(vcpu));
        v->pre_bits = vs_xcalloc((size_t)(v->nvcpus + 63) / 64, sizeof(uint64_t));
        v->pvh_bits = vs_xcalloc((size_t)(v->nvcpus + 63) / 64, sizeof(uint64_t));
        v->last_boosted = -1;
        v->tenants = 1;
        for (int k = 0; k < v->nvcpus; k++) {
            vcpu *vc = &v->vcpus[k];
            vc->id = k;
            vc->gid = g;
            vc->vm = v;
            vc->hs = VH_HALTED;
            vc->last_pcpu = -1;
            vc->waker_pcpu = -1;
            vc->rng = rng_streamf(sc->seed, "vm/%d/vcpu/%d", i, k);
            if (v->cfg.tick > 0) /* the vCPU's own stream: nothing else draws from it */
                vc->gtick_phase = (sim_time)gsl_rng_uniform_int(vc->rng, (unsigned long)v->cfg.tick);
            vcpu_ple_reset(w, vc);
            w->all_vcpus[g++] = vc;
        }
    }
    w->hv->init(w);
    for (int i = 0; i < w->nvms; i++) {
        w->vms[i].wl_step = wl_of(&w->vms[i])->step;
        w->vms[i].wl_name = w->vms[i].cfg.wl.type->name;
    }
    for (int i = 0; i < w->nvms; i++)
        wl_of(&w->vms[i])->start(w, &w->vms[i]);
    return w;
}

ev_stop world_run(world *w) { return ev_run_guarded(&w->sim, EV_MAX_SAME_TIME); }

void world_finish(world *w)
{
    for (int g = 0; g < w->nvcpus; g++) {
        vcpu *vc = w->all_vcpus[g];
        vcpu_settle(w, vc);
        vcpu_account(w, vc);
        if (vc->pc)
            vcpu_pcpu_account(w, vc->pc);
    }
    for (int i = 0; i < w->nvms; i++) {
        vm *v = &w->vms[i];
        for (int k = 0; k < v->nlocks; k++) { /* intervals still open at the end */
            lock_end_lhp(w, v->locks[k]);
            lock_end_handoff(w, v->locks[k]);
        }
    }
}

void world_free(world *w)
{
    if (!w)
        return;
    for (int i = 0; i < w->nvms; i++) {
        vm *v = &w->vms[i];
        const wl_ops *ops = wl_of(v);
        if (ops->destroy)
            ops->destroy(w, v);
        for (int k = 0; k < v->nlocks; k++)
            lock_free(v->locks[k]);
        for (int k = 0; k < v->ntasks; k++) {
            gsl_rng_free(v->tasks[k]->rng);
            free(v->tasks[k]);
        }
        free(v->tasks);
        for (int k = 0; k < v->nvcpus; k++)
            gsl_rng_free(v->vcpus[k].rng);
        ipi_vm_free(v);
        free(v->vcpus);
        free(v->pre_bits);
        free(v->pvh_bits);
    }
    w->hv->destroy(w);
    free(w->vms);
    free(w->all_vcpus);
    free(w->pcpus);
    gsl_rng_free(w->rng);
    ev_free(&w->sim);
    free(w);
}
