/* tas: test-and-set (test-and-test-and-set) spinlock, unfair. A free lock
 * goes to whoever tries first: a new arrival, or at release one of the
 * waiters spinning on a running vCPU, chosen uniformly from the lock's own
 * stream. Waiters that are not running are simply skipped, so there is no
 * lock-waiter preemption - at the price of fairness. */
#include <gsl/gsl_rng.h>

#include "models/locks/lock.h"

static void tas_acquire(world *w, lock *l, task *t)
{
    if (lock_is_free(l)) {
        lock_take(w, l, t);
        return;
    }
    lock_q_push(l, t);
    lock_wait(w, l, t, TASK_SPIN_INF);
}

/* Hands a free lock to a random running spinner, if any. */
static void tas_race(world *w, lock *l)
{
    int n = lock_q_spinners(l);
    if (n == 0 || !lock_is_free(l))
        return;
    int pick = (int)gsl_rng_uniform_int(l->rng, (unsigned long)n);
    for (int i = 0; i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->act == TA_SPIN && !t->pv_halted && task_executing(t) && pick-- == 0) {
            lock_q_remove_at(l, i);
            lock_grant(w, l, t, lock_handoff_ns(w, l, t, n));
            return;
        }
    }
}

static void tas_release(world *w, lock *l, task *by)
{
    (void)by;
    tas_race(w, l);
}

static void tas_resumed(world *w, lock *l, task *t, int after_halt)
{
    (void)t;
    (void)after_halt;
    tas_race(w, l); /* a waiter back on a CPU finds the lock free */
}

static const lock_ops lock_tas_ops = {
    .acquire = tas_acquire,
    .release = tas_release,
    .resumed = tas_resumed,
};

const variant lock_tas_variant = {
    .name = "tas",
    .summary = "unfair test-and-set: a free lock goes to any running spinner",
    .ops = &lock_tas_ops,
};
