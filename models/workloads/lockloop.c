/* lockloop: `threads` tasks, each looping: think ~ think distribution,
 * acquire the VM's one global lock, hold it ~ hold distribution, release.
 * One loop iteration is one operation. With threads <= vCPUs on bare metal,
 * zero handoff cost and exponential think and hold times this is the
 * machine-repairman queue M/M/1//N (docs/model.md, tests/test_theory.c). */
#include <stddef.h>
#include <stdio.h>

#include "models/guest.h"
#include "models/workloads/wl.h"
#include "sim/dist.h"

typedef struct ll_params {
    int threads;     /* tasks (0 = one per vCPU) */
    int kernel_lock; /* the lock is a kernel spinlock (disables preemption) */
    dist think;      /* time from a release to the next request */
    dist hold;       /* critical-section length */
} ll_params;
VP_FITS(ll_params);

static const vparam ll_params_tab[] = {
    {.key = "threads", .type = VP_INTV, .def = 0, .lo = 0, .hi = 65536, .unit = "tasks",
     .doc = "threads looping on the lock (0: one per vCPU)", .off = offsetof(ll_params, threads)},
    {.key = "kernel_lock", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "the lock is a kernel spinlock: the guest does not switch a task out from its request to its release",
     .off = offsetof(ll_params, kernel_lock)},
    {.key = "think", .type = VP_DIST, .def = 0, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "time from a release to the next request", .off = offsetof(ll_params, think), .required = 1},
    {.key = "hold", .type = VP_DIST, .def = 0, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "critical-section length", .off = offsetof(ll_params, hold), .required = 1},
};

/* Both always 0 (a mean of 0 means every draw is 0): an uncontended loop
 * would run forever at one instant and `vmsim run` hang (found by
 * tests/bad-inputs/lockloop-zero-time.json). */
static int ll_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)c;
    const ll_params *p = VP_OF(ll_params, &((wl_cfg *)par)->par);
    if (dist_mean(&p->think) <= 0 && dist_mean(&p->hold) <= 0) {
        *key = NULL;
        snprintf(why, n, "think and hold are both always 0 ns, so a thread would loop without simulated "
                         "time passing (give one a mean above 0)");
        return -1;
    }
    return 0;
}

#define LL(v) VP_OF(ll_params, &(v)->cfg.wl.par)

enum { LL_THINK, LL_LOCK, LL_HOLD, LL_UNLOCK };

static void lockloop_start(world *w, vm *v)
{
    const ll_params *c = LL(v);
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
    const ll_params *c = LL(v);
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

static const wl_ops wl_lockloop_ops = {
    .start = lockloop_start,
    .step = lockloop_step,
};

const variant wl_lockloop_variant = {
    .name = "lockloop",
    .summary = "threads loop: think, take the one global lock, hold it, release",
    .ops = &wl_lockloop_ops,
    .params = ll_params_tab,
    .nparams = (int)(sizeof ll_params_tab / sizeof ll_params_tab[0]),
    .size = sizeof(ll_params),
    .check = ll_check,
};
