/* mcs: the MCS queue lock (Mellor-Crummey & Scott, 1991). FIFO like ticket,
 * but each waiter spins on its own queue node, so a handoff is one
 * cache-line transfer to the successor with no coherence penalty. Lock-waiter
 * preemption still stalls the queue. */
#include "models/locks/lock.h"

static void mcs_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, TASK_SPIN_INF); }

static void mcs_release(world *w, lock *l, task *by)
{
    (void)by;
    task *next = lock_q_pop(l);
    if (next)
        lock_grant(w, l, next, lock_handoff_ns(w, l, next, 1));
}

static const lock_ops lock_mcs_ops = {
    .acquire = mcs_acquire,
    .release = mcs_release,
};

const variant lock_mcs_variant = {
    .name = "mcs",
    .summary = "MCS queue lock: FIFO, local spinning, one line transfer per handoff",
    .ops = &lock_mcs_ops,
};
