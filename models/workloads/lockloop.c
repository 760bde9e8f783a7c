/* lockloop: `threads` tasks, each looping: think ~ think distribution,
 * acquire the VM's one global lock, hold it ~ hold distribution, release.
 * One loop iteration is one operation. With threads <= vCPUs on bare metal,
 * zero handoff cost and exponential think and hold times this is the
 * machine-repairman queue M/M/1//N (docs/model.md, tests/test_theory.c). */
#include "models/guest.h"
#include "models/workloads/wl.h"
#include "sim/dist.h"

enum { LL_THINK, LL_LOCK, LL_HOLD, LL_UNLOCK };

static void lockloop_start(world *w, vm *v)
{
    const wl_cfg *c = &v->cfg.wl;
    guest_lock_new(w, v, "global", c->kernel_lock);
    int n = c->threads > 0 ? c->threads : v->nvcpus;
    for (int i = 0; i < n; i++) {
        task *t = task_new(w, v);
        t->phase = LL_THINK;
        t->vc = &v->vcpus[i % v->nvcpus]; /* start spread one per vCPU */
        guest_wake_task(w, t);
    }
}

static void lockloop_step(world *w, task *t)
{
    vm *v = t->vm;
    const wl_cfg *c = &v->cfg.wl;
    switch (t->phase) {
    case LL_THINK:
        t->phase = LL_LOCK;
        task_compute(w, t, dist_sample(&c->think, t->rng));
        break;
    case LL_LOCK:
        t->phase = LL_HOLD;
        task_lock(w, t, v->locks[0]);
        break;
    case LL_HOLD:
        t->phase = LL_UNLOCK;
        task_compute(w, t, dist_sample(&c->hold, t->rng));
        break;
    case LL_UNLOCK:
        t->phase = LL_THINK;
        task_unlock(w, t, v->locks[0]);
        if (world_measuring(w))
            v->ops++;
        break;
    }
}

const wl_ops wl_lockloop_ops = {
    .name = "lockloop",
    .start = lockloop_start,
    .step = lockloop_step,
    .destroy = NULL,
};
