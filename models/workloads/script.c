/* script: hand-written tasks, for tests and teaching. Each task runs its
 * list of steps (compute, lock, unlock, sleep) once, or forever with
 * "repeat", optionally bound to one vCPU and started at a given time. One
 * loop over the steps is one operation. */
#include "models/guest.h"
#include "models/workloads/wl.h"

static void script_begin(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    guest_wake_task(world_of(sim), ctx);
}

static void script_start(world *w, vm *v)
{
    const wl_cfg *c = &v->cfg.wl;
    for (int i = 0; i < c->nlocks; i++)
        guest_lock_irqs_off(guest_lock_new(w, v, c->lock_names[i], c->lock_kernel[i]), c->lock_irqs_off[i]);
    for (int i = 0; i < c->ntasks; i++) {
        task *t = task_new(w, v);
        t->wl_data = i;
        t->phase = 0;
        t->affinity = c->tasks[i].vcpu < v->nvcpus ? c->tasks[i].vcpu : -1;
        if (t->affinity >= 0)
            t->vc = &v->vcpus[t->affinity];
        ev_schedule(&w->sim, c->tasks[i].start, script_begin, t, 0);
    }
}

static void script_step_fn(world *w, task *t)
{
    vm *v = t->vm;
    const script_task *st = &v->cfg.wl.tasks[t->wl_data];
    if (t->phase >= st->nsteps) {
        if (world_measuring(w))
            v->ops++;
        if (!st->repeat) {
            task_exit(w, t);
            return;
        }
        t->phase = 0;
    }
    const script_step *s = &st->steps[t->phase++];
    switch (s->op) {
    case SOP_COMPUTE: task_compute(w, t, s->ns); break;
    case SOP_LOCK: task_lock(w, t, v->locks[s->lock]); break;
    case SOP_UNLOCK: task_unlock(w, t, v->locks[s->lock]); break;
    case SOP_SLEEP: task_sleep(w, t, s->ns); break;
    }
}

static const wl_ops wl_script_ops = {
    .start = script_start,
    .step = script_step_fn,
};

/* Both keys are structured: config/ parses them into wl_cfg (locks,
 * tasks; docs/scenario-format.md). */
static const vparam script_params_tab[] = {
    {.key = "locks", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "at most 32 locks {\"name\", \"kernel\"}"},
    {.key = "tasks", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "1 to 4096 tasks {\"vcpu\", \"start_ns\", \"repeat\", \"steps\"}", .off = 0, .required = 1},
};

const variant wl_script_variant = {
    .name = "script",
    .summary = "hand-written tasks of compute, lock, unlock and sleep steps",
    .ops = &wl_script_ops,
    .params = script_params_tab,
    .nparams = (int)(sizeof script_params_tab / sizeof script_params_tab[0]),
};
