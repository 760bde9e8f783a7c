#include "models/guest.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/locks/lock.h"
#include "models/observe.h"
#include "models/vcpu.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"
#include "sim/rng.h"

task *task_new(world *w, vm *v)
{
    if (v->ntasks == v->cap_tasks) {
        v->cap_tasks = v->cap_tasks ? 2 * v->cap_tasks : 16;
        v->tasks = vs_xreallocarray(v->tasks, (size_t)v->cap_tasks, sizeof(task *));
    }
    task *t = vs_xcalloc(1, sizeof(task));
    t->id = v->ntasks;
    t->vm = v;
    t->act = TA_BLOCK;
    t->affinity = -1;
    t->rng = rng_streamf(w->sc->seed, "vm/%d/task/%d", v->id, t->id);
    v->tasks[v->ntasks++] = t;
    return t;
}

/* --- run queues ---------------------------------------------------------- */

static void rq_push(vcpu *vc, task *t)
{
    t->rq_next = NULL;
    if (vc->rq_tail)
        vc->rq_tail->rq_next = t;
    else
        vc->rq_head = t;
    vc->rq_tail = t;
    vc->nrq++;
    t->on_rq = 1;
    t->vc = vc;
}

static task *rq_pop(vcpu *vc)
{
    task *t = vc->rq_head;
    if (!t)
        return NULL;
    vc->rq_head = t->rq_next;
    if (!vc->rq_head)
        vc->rq_tail = NULL;
    vc->nrq--;
    t->on_rq = 0;
    t->rq_next = NULL;
    return t;
}

/* Removes and returns the first task of vc's queue free to migrate. */
static task *rq_steal(vcpu *vc)
{
    task *prev = NULL;
    for (task *t = vc->rq_head; t; prev = t, t = t->rq_next) {
        if (t->affinity >= 0)
            continue;
        if (prev)
            prev->rq_next = t->rq_next;
        else
            vc->rq_head = t->rq_next;
        if (vc->rq_tail == t)
            vc->rq_tail = prev;
        vc->nrq--;
        t->on_rq = 0;
        t->rq_next = NULL;
        return t;
    }
    return NULL;
}

/* Makes t the current task of vc, whose current slot is free; if vc is
 * running, t resumes (its progress event is armed). */
static void guest_set_current(world *w, vcpu *vc, task *t)
{
    vc->cur = t;
    t->vc = vc;
    t->slice_used = 0;
    lock_spin_refresh(t);
    obs_emit(w, OBS_TASK_IN, vc, t, NULL, NULL, NULL);
    if (vc->hs == VH_RUNNING) {
        vc->seg_start = vc->seg_start > w->sim.now ? vc->seg_start : w->sim.now;
        if (t->nheld)
            lock_holder_resumed(w, t);
        if (t->act == TA_SPIN)
            lock_resumed(w, t, 0);
        vcpu_arm(w, vc);
    }
}

static int rq_steal_ok(const vcpu *vc)
{
    for (const task *t = vc->rq_head; t; t = t->rq_next)
        if (t->affinity < 0)
            return 1;
    return 0;
}

/* vc has no current task: run the next queued one, steal one, or halt. */
static void guest_next(world *w, vcpu *vc)
{
    vc->cur = NULL;
    task *t = rq_pop(vc);
    if (!t) { /* idle balance: steal from the busiest vCPU of the VM */
        vm *v = vc->vm;
        vcpu *busiest = NULL;
        for (int i = 0; i < v->nvcpus; i++) {
            vcpu *c = &v->vcpus[i];
            if (c != vc && c->nrq > 0 && (!busiest || c->nrq > busiest->nrq) && rq_steal_ok(c))
                busiest = c;
        }
        if (busiest)
            t = rq_steal(busiest);
    }
    if (t) {
        guest_set_current(w, vc, t);
        return;
    }
    vcpu_halt(w, vc);
}

void guest_vcpu_resumed(world *w, vcpu *vc)
{
    if (vc->cur)
        vcpu_arm(w, vc);
    else
        guest_next(w, vc);
}

/* Placement of a waking task: its last vCPU if idle, else any idle vCPU
 * (running idle ones first, scanning from the last), else the shortest
 * queue. */
static vcpu *guest_place(vm *v, task *t)
{
    if (t->affinity >= 0)
        return &v->vcpus[t->affinity];
    int n = v->nvcpus, last = t->vc ? t->vc->id : t->id % n;
    vcpu *lv = &v->vcpus[last];
    if (!lv->cur && lv->nrq == 0)
        return lv;
    vcpu *halted = NULL, *best = NULL;
    for (int k = 1; k <= n; k++) {
        vcpu *c = &v->vcpus[(last + k) % n];
        if (!c->cur && c->nrq == 0) {
            if (c->hs != VH_HALTED)
                return c;
            if (!halted)
                halted = c;
        }
        if (!best || c->nrq + (c->cur != NULL) < best->nrq + (best->cur != NULL))
            best = c;
    }
    return halted ? halted : best;
}

void guest_wake_task(world *w, task *t)
{
    vcpu *vc = guest_place(t->vm, t);
    t->act = TA_NONE;
    if (!vc->cur && vc->hs == VH_RUNNING) {
        guest_set_current(w, vc, t);
        return;
    }
    rq_push(vc, t);
    if (!vc->cur && vc->hs == VH_HALTED) {
        vcpu_wake(w, vc, vcpu_kick_delay(w));
    } else if (vc->hs == VH_RUNNING) {
        vcpu_settle(w, vc); /* a slice timer may now be due */
        vcpu_arm(w, vc);
    }
}

/* Switches the current task out (to the queue tail) and the next in. */
static void guest_switch(world *w, vcpu *vc)
{
    task *t = vc->cur;
    vcpu_settle(w, vc);
    if (t->nheld)
        lock_holder_stopped(w, t);
    t->need_resched = 0;
    obs_emit(w, OBS_TASK_OUT, vc, t, NULL, NULL, NULL);
    rq_push(vc, t);
    guest_next(w, vc);
    lock_spin_refresh(t);
}

void guest_slice_expired(world *w, vcpu *vc)
{
    task *t = vc->cur;
    if (t->preempt_count > 0) {
        t->need_resched = 1;
        return;
    }
    guest_switch(w, vc);
}

void guest_work_done(world *w, task *t) { task_continue(w, t); }

void task_continue(world *w, task *t)
{
    const wl_ops *ops = wl_registry[t->vm->cfg.wl.kind];
    for (int guard = 0;; guard++) {
        if (guard > 100000) {
            fprintf(stderr, "vmsim: internal error: workload %s makes no progress\n", ops->name);
            abort();
        }
        t->act = TA_NONE;
        ops->step(w, t);
        if (t->act != TA_NONE)
            break;
    }
    vcpu *vc = t->vc;
    obs_emit(w, OBS_ACT, vc, t, t->wlock, NULL, NULL);
    if (t->act == TA_BLOCK || t->act == TA_DEAD) {
        if (vc && vc->cur == t) {
            t->vc = vc; /* keep as the last vCPU for placement */
            obs_emit(w, OBS_TASK_OUT, vc, t, NULL, NULL, NULL);
            guest_next(w, vc);
        }
        return;
    }
    if (vc && vc->cur == t) {
        if (t->preempt_count == 0 && t->need_resched && vc->nrq > 0) {
            guest_switch(w, vc);
            return;
        }
        vcpu_arm(w, vc);
    }
}

/* --- workload API ---------------------------------------------------------- */

void task_compute(world *w, task *t, sim_time ns)
{
    (void)w;
    t->act = TA_WORK;
    t->left = ns + t->overhead;
    t->overhead = 0;
}

void task_lock(world *w, task *t, lock *l) { lock_request(w, l, t); }

void task_unlock(world *w, task *t, lock *l) { lock_release(w, l, t); }

void task_block(world *w, task *t)
{
    (void)w;
    t->act = TA_BLOCK;
}

void task_exit(world *w, task *t)
{
    (void)w;
    t->act = TA_DEAD;
}

static void task_sleep_done(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    task *t = ctx;
    if (t->act == TA_BLOCK)
        guest_wake_task(world_of(sim), t);
}

void task_sleep(world *w, task *t, sim_time ns)
{
    t->act = TA_BLOCK;
    ev_after(&w->sim, ns, task_sleep_done, t, 0);
}

void task_add_overhead(task *t, sim_time ns) { t->overhead += ns; }
