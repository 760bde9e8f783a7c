#include "models/locks/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/observe.h"
#include "models/topo.h"
#include "sim/mem.h"
#include "sim/rng.h"

const variant *lock_find(const char *name) { return vreg_find(&lock_registry, name); }

sim_time lock_spin_iterations_ns(const world *w, double iterations)
{
    return (sim_time)(topo_cycles_ns(&w->sc->host, iterations * w->sc->host.pause_cycles) + 0.5);
}

lock *lock_new(world *w, vm *v, const char *name, int kernel)
{
    if (v->nlocks >= VM_MAX_LOCKS) {
        fprintf(stderr, "vmsim: internal error: more than %d locks in a VM\n", VM_MAX_LOCKS);
        exit(1);
    }
    lock *l = vs_xcalloc(1, sizeof(lock));
    l->id = v->nlocks;
    snprintf(l->name, sizeof l->name, "%s", name);
    l->cfg = v->cfg.lock;
    l->ops = l->cfg.algo->ops;
    l->vm = v;
    l->kernel = kernel;
    l->qcap = v->nvcpus + 8;
    l->q = vs_xcalloc((size_t)l->qcap, sizeof(task *));
    l->last_pcpu = -1;
    l->lhp_since = l->lwp_since = -1;
    l->rng = rng_streamf(w->sc->seed, "vm/%d/lock/%s", v->id, name);
    if (l->ops->init)
        l->ops->init(w, l);
    v->locks[v->nlocks++] = l;
    return l;
}

void lock_free(lock *l)
{
    if (!l)
        return;
    gsl_rng_free(l->rng);
    free(l->uf);
    free(l->q);
    free(l);
}

/* --- queue ----------------------------------------------------------------- */

void lock_q_push(lock *l, task *t)
{
    if (l->qn == l->qcap) { /* more waiters than expected (tasks > vCPUs) */
        int ncap = 2 * l->qcap;
        task **nq = vs_xcalloc((size_t)ncap, sizeof(task *));
        for (int i = 0; i < l->qn; i++)
            nq[i] = l->q[(l->qhead + i) % l->qcap];
        free(l->q);
        l->q = nq;
        l->qhead = 0;
        l->qcap = ncap;
    }
    l->q[(l->qhead + l->qn) % l->qcap] = t;
    l->qn++;
    t->wpos = l->ticket_next++;
}

task *lock_q_pop(lock *l)
{
    if (l->qn == 0)
        return NULL;
    task *t = l->q[l->qhead];
    l->qhead = (l->qhead + 1) % l->qcap;
    l->qn--;
    l->ticket_head++;
    return t;
}

task *lock_q_at(const lock *l, int i) { return i < l->qn ? l->q[(l->qhead + i) % l->qcap] : NULL; }

void lock_q_remove_at(lock *l, int i)
{
    for (int k = i; k < l->qn - 1; k++)
        l->q[(l->qhead + k) % l->qcap] = l->q[(l->qhead + k + 1) % l->qcap];
    l->qn--;
}

void lock_spin_refresh(task *t)
{
    lock *l = t->wlock;
    int now = l && t->act == TA_SPIN && !t->pv_halted && task_executing(t);
    if (now == t->spin_counted)
        return;
    if (t->spin_counted) /* it was counted under the lock it waited for */
        l->nspin--;
    else
        l->nspin++;
    t->spin_counted = now;
}

void lock_q_push_front(lock *l, task *t)
{
    lock_q_push(l, t); /* grows the ring if needed, then rotate it to the front */
    for (int i = l->qn - 1; i > 0; i--)
        l->q[(l->qhead + i) % l->qcap] = l->q[(l->qhead + i - 1) % l->qcap];
    l->q[l->qhead] = t;
}

void lock_revoke(world *w, lock *l)
{
    task *g = l->granted;
    if (!g)
        return;
    lock_end_handoff(w, l);
    l->granted = NULL;
    w->lenv->set_activity(w, g, TA_SPIN, TASK_SPIN_INF);
    lock_q_push_front(l, g);
    lock_spin_refresh(g);
}

int lock_q_spinners_scan(const lock *l)
{
    int n = 0;
    for (int i = 0; i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->act == TA_SPIN && !t->pv_halted && task_executing(t))
            n++;
    }
    for (int i = 0; i < l->ufn; i++) /* pvqspinlock-hybrid's unqueued (unfair) spinners */
        if (l->uf[i]->act == TA_SPIN && task_executing(l->uf[i]))
            n++;
    return n;
}

/* --- accounting ------------------------------------------------------------ */

void lock_add_spin(lock *l, sim_time ns) { l->spin_total += ns; }

void lock_ple_exit(world *w, task *t)
{
    if (world_measuring(w))
        t->wlock->ple_exits++;
}

void lock_holder_stopped(world *w, task *t)
{
    for (int i = 0; i < t->nheld; i++)
        if (t->held[i]->lhp_since < 0)
            t->held[i]->lhp_since = w->sim.now;
}

void lock_end_lhp(world *w, lock *l)
{
    if (l->lhp_since < 0)
        return;
    if (world_measuring(w)) {
        l->lhp_n++;
        l->lhp_ns += world_window(w, l->lhp_since, w->sim.now);
    }
    l->lhp_since = -1;
}

void lock_end_handoff(world *w, lock *l)
{
    if (l->lwp_since < 0)
        return;
    if (world_measuring(w)) {
        if (l->lwp_halted) {
            l->hh_n++;
            l->hh_ns += world_window(w, l->lwp_since, w->sim.now);
        } else {
            l->lwp_n++;
            l->lwp_ns += world_window(w, l->lwp_since, w->sim.now);
        }
    }
    l->lwp_since = -1;
}

void lock_holder_resumed(world *w, task *t)
{
    for (int i = 0; i < t->nheld; i++)
        lock_end_lhp(w, t->held[i]);
}

/* --- mechanics ------------------------------------------------------------- */

void lock_request(world *w, lock *l, task *t)
{
    t->wlock = l;
    t->wait_start = w->sim.now;
    if (l->kernel)
        t->preempt_count++;
    l->ops->acquire(w, l, t);
}

void lock_take(world *w, lock *l, task *t)
{
    l->owner = t;
    l->owner_since = w->sim.now;
    if (t->nheld >= TASK_MAX_HELD) {
        fprintf(stderr, "vmsim: internal error: a task holds more than %d locks\n", TASK_MAX_HELD);
        abort();
    }
    t->held[t->nheld++] = l;
    t->wlock = NULL;
    obs_emit(w, OBS_ACQUIRE, t->vc, t, l, NULL, NULL);
    if (world_measuring(w)) {
        sim_time wait = w->sim.now - t->wait_start;
        l->acquisitions++;
        stat_add(&l->wait, (double)wait);
        stat_hist_add(&l->wait_hist, (uint64_t)wait);
    }
}

void lock_wait(world *w, lock *l, task *t, sim_time budget)
{
    w->lenv->spin_begins(w, t, budget);
    obs_emit(w, OBS_WAIT, t->vc, t, l, NULL, NULL);
    lock_spin_refresh(t);
}

void lock_respin(world *w, task *t, sim_time budget)
{
    w->lenv->set_activity(w, t, TA_SPIN, budget);
}

void lock_grant(world *w, lock *l, task *t, sim_time cost)
{
    int ex = task_executing(t) && !t->pv_halted;
    w->lenv->set_activity(w, t, TA_ACQ, cost);
    l->granted = t;
    lock_spin_refresh(t);
#ifdef VMSIM_CHECKS
    if (l->nspin != lock_q_spinners_scan(l)) {
        fprintf(stderr, "vmsim: check failed: lock %s counts %d spinners, the queue has %d\n", l->name,
                l->nspin, lock_q_spinners_scan(l));
        abort();
    }
#endif
    obs_emit(w, OBS_GRANT, t->vc, t, l, NULL, NULL);
    if (!ex) {
        l->lwp_since = w->sim.now;
        l->lwp_halted = t->pv_halted;
    }
}

void lock_acquired(world *w, task *t)
{
    lock *l = t->wlock;
    lock_end_handoff(w, l);
    l->granted = NULL;
    lock_take(w, l, t);
    if (l->ops->acquired)
        l->ops->acquired(w, l, t);
}

void lock_release(world *w, lock *l, task *t)
{
    int k = -1;
    for (int i = 0; i < t->nheld; i++)
        if (t->held[i] == l)
            k = i;
    if (l->owner != t || k < 0) {
        fprintf(stderr, "vmsim: internal error: task %d releases lock %s it does not hold\n", t->id,
                l->name);
        abort();
    }
    t->held[k] = t->held[--t->nheld];
    if (world_measuring(w))
        stat_add(&l->hold, (double)(w->sim.now - l->owner_since));
    l->owner = NULL;
    l->lhp_since = -1;
    if (t->vc && t->vc->pc)
        l->last_pcpu = t->vc->pc->id;
    if (l->kernel)
        t->preempt_count--;
    obs_emit(w, OBS_RELEASE, t->vc, t, l, NULL, NULL);
    l->ops->release(w, l, t);
}

void lock_spin_timeout(world *w, task *t)
{
    lock *l = t->wlock;
    if (l->ops->spin_timeout)
        l->ops->spin_timeout(w, l, t);
    else
        lock_respin(w, t, TASK_SPIN_INF);
}

void lock_resumed(world *w, task *t, int after_halt)
{
    lock *l = t->wlock;
    if (l->ops->resumed)
        l->ops->resumed(w, l, t, after_halt);
}

void lock_pv_halt(world *w, lock *l, task *t)
{
    t->pv_halted = 1;
    if (t->vc)
        vcpu_pvh_mark(t->vc);
    lock_spin_refresh(t);
    if (world_measuring(w))
        l->halts++;
    obs_emit(w, OBS_HALT, t->vc, t, l, NULL, NULL);
    w->lenv->halt(w, t);
}

void lock_kick(world *w, lock *l, task *by, task *t)
{
    if (world_measuring(w))
        l->kicks++;
    obs_emit(w, OBS_KICK, t->vc, t, l, by, NULL);
    w->lenv->kick(w, by, t);
}

sim_time lock_handoff_ns(world *w, lock *l, task *t, int spinners)
{
    const host_cfg *h = &w->sc->host;
    int to = t->vc->pc ? t->vc->pc->id : t->vc->last_pcpu;
    double c = (l->last_pcpu >= 0 && to >= 0) ? topo_line_ns(w, l->last_pcpu, to)
                                              : h->line_ns[DIST_SAME_SOCKET];
    if (spinners > 1)
        c += h->coherence_ns * (spinners - 1);
    return (sim_time)(c + 0.5);
}

int lock_is_free(const lock *l) { return !l->owner && !l->granted; }

void lock_fifo_acquire(world *w, lock *l, task *t, sim_time budget)
{
    if (lock_is_free(l) && l->qn == 0) {
        lock_take(w, l, t);
        return;
    }
    lock_q_push(l, t);
    lock_wait(w, l, t, budget);
}

int lock_q_index(const lock *l, const task *t)
{
    int i = t->wpos - l->ticket_head;
    return i >= 0 && i < l->qn && lock_q_at(l, i) == t ? i : -1;
}

void lock_fifo_grant(world *w, lock *l, task *t)
{
    /* t may still be counted in nspin (it spins until the grant) */
    lock_grant(w, l, t, lock_handoff_ns(w, l, t, lock_q_spinners(l) - t->spin_counted + 1));
}

/* waiting_cpus is the VM's pvh_bits: the registered vCPUs read are those
 * set in [0, end), end = all, or just past t's vCPU if t is registered. */
int lock_pv_scan(const lock *l, const task *t)
{
    const vm *v = l->vm;
    int end = v->nvcpus; /* vCPUs [0, end) are read */
    if (t && t->pv_halted && t->vc && t->vc->vm == v && t->vc->cur == t)
        end = t->vc->id + 1;
    int n = 0;
    for (int k = 0; k < end >> 6; k++)
        n += __builtin_popcountll(v->pvh_bits[k]);
    if (end & 63)
        n += __builtin_popcountll(v->pvh_bits[end >> 6] & ((1ull << (end & 63)) - 1));
    return n;
}

void lock_pv_resumed(world *w, lock *l, task *t, int after_halt)
{
    if (after_halt)
        lock_respin(w, t, l->spin_ns); /* back in the spin loop for another round */
}
