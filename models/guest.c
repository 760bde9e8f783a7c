#include "models/guest.h"

#include <stdio.h>
#include <stdlib.h>

#include "models/ipi.h"
#include "models/locks/lock.h"
#include "models/observe.h"
#include "models/vcpu.h"
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
    t->cache_pc = -1;
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

/* --- a task starts or stops executing ------------------------------------ */

/* The pCPU's execution clock now: exec_ns plus the running vCPU's stretch. */
static sim_time pc_exec_now(const world *w, const pcpu *pc) { return pc->exec_ns + (w->sim.now - pc->since); }

/* t only waits: spins (or is halted) for a lock, takes its line, or waits for IPI acks. */
static int task_waits(const task *t) { return t->act == TA_SPIN || t->act == TA_ACQ || t->act == TA_IPI; }

/* t pays the refill it owes now: returns it, counted on vc (measurement
 * window only), and clears the debt. */
static sim_time refill_take(world *w, task *t, vcpu *vc)
{
    sim_time r = t->refill_due;
    if (vc && world_measuring(w)) {
        vc->n_refill++;
        vc->t_refill += r;
    }
    t->refill_due = 0;
    return r;
}

/* The refill of the private caches (host.costs.switch_refill_ns, R): t,
 * about to execute on its vCPU's pCPU, finds there what others left. On
 * another pCPU than last time it refetches everything: R. On the same one
 * the others can have evicted at most what they could fetch while they
 * executed there since t stopped (d ns: the pCPU's exec_ns clock), at the
 * same rate: min(R, d) - nothing if nothing ran, a full R after a long
 * turn of another vCPU or task (of any VM), or a background burst. A
 * task's first execution pays nothing: a new process's cold start is part
 * of its work. Its progress resumes that much later (called with
 * vc->seg_start >= now).
 *
 * A task that resumes only to wait - spinning for a lock, taking the lock
 * line, or waiting for IPI acks - touches a few lines (its loop, the lock),
 * not the working set it computes with, so the refill is deferred: what
 * others evict meanwhile adds up (still at most R) in refill_due, and it is
 * paid once, as CPU time, by the task's next computation outside any lock
 * (task_compute). A vCPU switched in and out many times while it spins
 * (PAUSE-loop exits, directed yields) thus pays one refill, not one per
 * switch. The same holds inside a kernel spinlock's critical section
 * (preemption off): it touches the lock and the data it protects, whose
 * misses are part of the hold time, so a holder the host preempted resumes
 * its hold at once and pays the deferred refill after the unlock. Charged
 * at the resume, a refill as long as the other thread's turn kept two vCPUs
 * that a directed yield switches back and forth every few microseconds
 * from ever finishing a 1 us hold (docs/calibration.md, "Deferred in a
 * critical section"). */
static void guest_refill(world *w, task *t)
{
    vcpu *vc = t->vc;
    pcpu *pc = vc->pc;
    sim_time r = (sim_time)w->sc->host.switch_refill_ns;
    if (r > 0 && t->cache_pc >= 0) {
        sim_time d = t->refill_due + (pc_exec_now(w, pc) - t->cache_e);
        t->refill_due = t->cache_pc == pc->id && d < r ? d : r;
    }
    t->cache_pc = pc->id;
    if (t->refill_due > 0 && !task_waits(t) && t->preempt_count == 0)
        vc->seg_start += refill_take(w, t, vc);
}

/* t starts executing: its vCPU was scheduled in with t current, or t was
 * switched in on a running vCPU (after_halt: it had halted in a pv wait).
 * Ends the lock-holder preemption of the locks it holds, recounts it as a
 * spinner, and tells the lock it waits for. The caller re-arms the vCPU. */
static void guest_exec_begin(world *w, task *t, int after_halt)
{
    guest_refill(w, t);
    if (t->nheld)
        lock_holder_resumed(w, t);
    lock_spin_refresh(t);
    if (t->act == TA_SPIN)
        lock_resumed(w, t, after_halt);
}

/* t stops executing: its vCPU was scheduled out, or t was switched out
 * (then t is no longer vc->cur). */
static void guest_exec_end(world *w, task *t)
{
    pcpu *pc = t->vc ? t->vc->pc : NULL;
    if (pc) /* switched out by the guest; a vCPU leaving its pCPU set it already (vcpu.c) */
        t->cache_e = pc_exec_now(w, pc);
    lock_spin_refresh(t);
    if (t->nheld)
        lock_holder_stopped(w, t);
}

/* Makes t the current task of vc, whose current slot is free; if vc is
 * running, t resumes (its progress event is armed). */
static void guest_set_current(world *w, vcpu *vc, task *t)
{
    vc->cur = t;
    t->vc = vc;
    vcpu_pvh_mark(vc);
    t->slice_used = 0;
    obs_emit(w, OBS_TASK_IN, vc, t, NULL, NULL, NULL);
    if (vc->hs == VH_RUNNING) {
        vc->seg_start = vc->seg_start > w->sim.now ? vc->seg_start : w->sim.now;
        guest_exec_begin(w, t, 0);
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
    vcpu_pvh_mark(vc);
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

/* vcpu_ops.exec_begins: vc was scheduled in. */
static void guest_vcpu_in(world *w, vcpu *vc)
{
    ipi_vcpu_in(w, vc); /* interrupts first: the handlers pending here */
    task *t = vc->cur;
    if (!t) { /* the idle vCPU runs: find it something to do */
        guest_next(w, vc);
        return;
    }
    int after_halt = t->pv_halted;
    t->pv_halted = 0;
    if (after_halt) /* otherwise its pvh_bits bit is clear already */
        vcpu_pvh_mark(vc);
    guest_exec_begin(w, t, after_halt);
}

/* vcpu_ops.exec_ends: vc was scheduled out. */
static void guest_vcpu_out(world *w, vcpu *vc)
{
    if (vc->cur)
        guest_exec_end(w, vc->cur);
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
    t->need_resched = 0;
    obs_emit(w, OBS_TASK_OUT, vc, t, NULL, NULL, NULL);
    rq_push(vc, t);
    guest_next(w, vc);
    guest_exec_end(w, t);
}

/* vcpu_ops.slice_out */
static void guest_slice_expired(world *w, vcpu *vc)
{
    task *t = vc->cur;
    if (t->preempt_count > 0) {
        t->need_resched = 1;
        return;
    }
    guest_switch(w, vc);
}

/* Runs workload steps for t until it starts an activity that takes time. */
static void task_continue(world *w, task *t)
{
    vm *v = t->vm;
    for (int guard = 0;; guard++) {
        if (guard > 100000) {
            fprintf(stderr, "vmsim: internal error: workload %s makes no progress\n", v->wl_name);
            abort();
        }
        t->act = TA_NONE;
        v->wl_step(w, t);
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

/* --- the vCPU layer's milestones (vcpu_ops) ------------------------------- */

/* A granted waiter took the lock over: it owns it and goes on. */
static void guest_transfer_done(world *w, task *t)
{
    t->act = TA_NONE; /* between steps again */
    lock_acquired(w, t);
    task_continue(w, t);
}

static void guest_spin_out(world *w, task *t) { lock_spin_timeout(w, t); }

static void guest_spun(world *w, task *t, sim_time ns)
{
    (void)w;
    lock_add_spin(t->wlock, ns);
}

static void guest_ple_exit(world *w, task *t)
{
    if (t->act == TA_IPI) {
        if (world_measuring(w))
            t->vm->ipi_ple++;
        return;
    }
    lock_ple_exit(w, t);
}

static const vcpu_ops guest_vcpu_ops = {
    .work_done = task_continue,
    .transfer_done = guest_transfer_done,
    .spin_out = guest_spin_out,
    .slice_out = guest_slice_expired,
    .exec_begins = guest_vcpu_in,
    .exec_ends = guest_vcpu_out,
    .spun = guest_spun,
    .ple_exit = guest_ple_exit,
};

/* --- what the locks may do to a task (lock_env) ---------------------------- */

static void guest_set_activity(world *w, task *t, task_act act, sim_time ns)
{
    int ex = task_executing(t) && !t->pv_halted;
    if (ex)
        vcpu_settle(w, t->vc);
    t->act = act;
    if (act == TA_SPIN)
        t->spin_left = ns;
    else
        t->left = ns;
    if (ex)
        vcpu_arm(w, t->vc);
}

static void guest_spin_begins(world *w, task *t, sim_time ns)
{
    t->act = TA_SPIN;
    t->spin_left = ns;
    int was_halted = t->pv_halted;
    t->pv_halted = 0;
    if (t->vc) {
        if (was_halted) /* otherwise its pvh_bits bit is clear already */
            vcpu_pvh_mark(t->vc);
        vcpu_ple_restart(w, t->vc);
    }
}

/* The guest's timer tick (guest.tick_ns, 1/CONFIG_HZ). A vCPU halted in a
 * pv lock wait is not idle, so NO_HZ_IDLE leaves its tick running, and the
 * halt ends at the next tick if the lock was taken with interrupts enabled
 * (safe_halt in kvm_lock_spinning / kvm_wait): the vCPU is woken through the
 * host (no kick), the waiter finds the lock still taken and spins another
 * round before it halts again (the locks' resumed hook). A waiter of a lock
 * taken with interrupts disabled (lock.irqs_off) halts with halt(), which no
 * interrupt ends: no tick. Idle halts have no tick (NO_HZ_IDLE). Only a vCPU
 * halted in a lock wait has a tick event pending. */
static void guest_tick_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    vcpu *vc = ctx;
    vc->gtick_ev = 0;
    if (vc->hs != VH_HALTED || !vc->cur || !vc->cur->pv_halted || vc->wake_pending)
        return;
    if (vc->cur->wlock && vc->cur->wlock->irqs_off) /* a tick due from an earlier halt: halt() ignores it */
        return;
    if (world_measuring(w))
        vc->n_tick++;
    vcpu_wake(w, vc, 0);
}

lock *guest_lock_irqs_off(lock *l, int irqs_off)
{
    l->irqs_off = l->kernel && irqs_off;
    return l;
}

static void guest_halt(world *w, task *t)
{
    vcpu *vc = t->vc;
    sim_time tick = vc->vm->cfg.tick;
    if (tick > 0 && !vc->gtick_ev && !(t->wlock && t->wlock->irqs_off)) { /* the first tick after now */
        sim_time k = (w->sim.now - vc->gtick_phase) / tick + 1;
        vc->gtick_ev = ev_schedule(&w->sim, vc->gtick_phase + k * tick, guest_tick_ev, vc, 0);
    }
    vcpu_halt(w, vc);
}

static void guest_kick(world *w, task *by, task *t)
{
    if (world_measuring(w))
        t->vc->n_kick++;
    if (by && vcpu_virtual(w))
        task_add_overhead(by, (sim_time)w->sc->host.kick_ns);
    if (by && by->vc && w->sc->hv.kick_yield && vcpu_virtual(w))
        vcpu_wake_yield(w, t->vc, vcpu_kick_delay(w), by->vc); /* queue-head boost */
    else
        vcpu_wake_from(w, t->vc, vcpu_kick_delay(w), by ? by->vc : NULL);
}

static void guest_charge(world *w, task *by, sim_time ns)
{
    if (by && ns > 0 && vcpu_virtual(w))
        task_add_overhead(by, ns);
}

static const lock_env guest_lock_env = {
    .set_activity = guest_set_activity,
    .spin_begins = guest_spin_begins,
    .halt = guest_halt,
    .kick = guest_kick,
    .charge = guest_charge,
};

void guest_install(world *w)
{
    w->vops = &guest_vcpu_ops;
    w->lenv = &guest_lock_env;
}

/* --- workload API ---------------------------------------------------------- */

int guest_bare_metal(const world *w) { return !vcpu_virtual(w); }

lock *guest_lock_new(world *w, vm *v, const char *name, int kernel)
{
    return lock_new(w, v, name, kernel);
}

/* host.cpu_speed: the workloads' CPU times are written for one host (the
 * paper scenarios': x3950-x6); a host that computes s times as fast does the
 * same work in ns / s. Only the work scales - the host's costs (line
 * transfers, exits, switches, refills) are its own - and so does the credit
 * of a workload, which counts nominal work. */
static sim_time task_scaled(const world *w, sim_time ns)
{
    double s = w->sc->host.cpu_speed;
    return s == 1.0 ? ns : (sim_time)((double)ns / s + 0.5);
}

void task_compute_mode(world *w, task *t, sim_time user_ns, sim_time kernel_ns)
{
    t->act = TA_WORK;
    t->work_user = task_scaled(w, user_ns);
    t->left = task_scaled(w, kernel_ns) + t->work_user + t->overhead;
    t->overhead = 0;
    if (t->refill_due > 0 && t->nheld == 0) /* deferred while it waited or held (guest_refill) */
        t->left += refill_take(w, t, t->vc);
}

void task_compute(world *w, task *t, sim_time ns)
{
    if (t->preempt_count > 0) /* inside a kernel spinlock's critical section */
        task_compute_mode(w, t, 0, ns);
    else
        task_compute_mode(w, t, ns, 0);
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
    t->cache_pc = -1; /* a process that reuses the slot starts cold: its cost is in its work */
    t->refill_due = 0;
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

void guest_ipi_init(world *w, vm *v) { ipi_vm_init(w, v); }

void task_ipi_many(world *w, task *t, const ipi_opts *o) { ipi_send(w, t, o); }
