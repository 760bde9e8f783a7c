/* ticket: the native ticket spinlock. FIFO: each waiter spins on the shared
 * lock word until its ticket comes up; release hands the lock to the next
 * ticket. Every waiter polls the same cache line, so the handoff costs a
 * line transfer (by distance) plus coherence_ns per other spinner (the
 * "non-scalable locks" model, Boyd-Wickizer et al., OLS 2012). A waiter whose
 * vCPU is not running when its turn comes holds everyone up (lock-waiter
 * preemption). */
#include "models/locks/lock.h"

static void ticket_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, TASK_SPIN_INF); }

static void ticket_release(world *w, lock *l, task *by)
{
    (void)by;
    task *next = lock_q_pop(l);
    if (next) /* every waiter polls the lock word: the others, and next itself */
        lock_fifo_grant(w, l, next);
}

static const lock_ops lock_ticket_ops = {
    .acquire = ticket_acquire,
    .release = ticket_release,
};

const variant lock_ticket_variant = {
    .name = "ticket",
    .summary = "native FIFO ticket lock; all waiters spin on one line",
    .ops = &lock_ticket_ops,
};
