/* preemptable-ticket (Ouyang & Lange, "Preemptable ticket spinlocks",
 * VEE 2013) - a model of the idea as MODEL.md section 2 states it: a ticket
 * lock whose waiters, after waiting a timeout proportional to their
 * distance from the head (k x timeout_ns for the k-th waiter), may take the
 * lock out of order when it is free - in particular when the ticket order
 * has handed it to a waiter whose vCPU is not running. The passed-over
 * waiter goes back to the head of the queue. Not modelled: the paper's
 * paravirtual variant (a halt after a longer timeout).
 *
 * A timed-out waiter keeps spinning (pt.timed_out = 1); at a release the lock
 * goes to the next ticket if that waiter is executing, otherwise to the
 * first timed-out waiter that is; and a waiter timing out while the lock is
 * reserved for a non-running waiter takes it at once. */
#include <stddef.h>

#include "models/locks/lock.h"

/* Parameters: the timeout unit [est]; Ouyang & Lange describe a timeout
 * proportional to the distance from the head (MODEL.md section 2). */
typedef struct pt_params {
    double timeout_ns; /* timeout per queue position, ns */
} pt_params;
VP_FITS(pt_params);

static const vparam pt_params_tab[] = {
    {.key = "timeout_ns", .type = VP_NUM, .def = 20000, .lo = 1, .hi = 1e12, .unit = "ns",
     .doc = "the k-th waiter may take a free lock out of order after waiting k x timeout_ns [est]",
     .off = offsetof(pt_params, timeout_ns)},
};

static sim_time pt_budget(const lock *l, int pos) { return (sim_time)(pos * VP_OF(pt_params, &l->cfg.par)->timeout_ns); }

static void pt_acquire(world *w, lock *l, task *t)
{
    t->pt.timed_out = 0;
    lock_fifo_acquire(w, l, t, pt_budget(l, l->qn + 1));
}

/* The first timed-out waiter spinning on a running vCPU, or -1. */
static int pt_first_ready(const lock *l)
{
    for (int i = 0; i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->pt.timed_out && t->act == TA_SPIN && !t->pv_halted && task_executing(t))
            return i;
    }
    return -1;
}

static void pt_release(world *w, lock *l, task *by)
{
    (void)by;
    task *next = lock_q_pop(l);
    if (!next)
        return;
    if (!task_executing(next)) {
        int i = pt_first_ready(l);
        if (i >= 0) { /* someone has waited long enough: it takes the lock */
            task *t = lock_q_at(l, i);
            lock_q_remove_at(l, i);
            lock_q_push_front(l, next);
            lock_fifo_grant(w, l, t);
            return;
        }
    }
    lock_fifo_grant(w, l, next);
}

static void pt_spin_timeout(world *w, lock *l, task *t)
{
    t->pt.timed_out = 1;
    lock_respin(w, t, TASK_SPIN_INF);
    task *g = l->granted;
    if (g && g != t && g->left > 0 && !(task_executing(g) && !g->pv_halted)) {
        /* the lock is reserved for a waiter that is not running: take it */
        int i;
        for (i = 0; i < l->qn && lock_q_at(l, i) != t; i++)
            ;
        lock_revoke(w, l);
        lock_q_remove_at(l, i + 1); /* t moved one place back behind g */
        lock_fifo_grant(w, l, t);
    }
}

static const lock_ops lock_preemptable_ticket_ops = {
    .acquire = pt_acquire,
    .release = pt_release,
    .spin_timeout = pt_spin_timeout,
};

const variant lock_preemptable_ticket_variant = {
    .name = "preemptable-ticket",
    .summary = "ticket lock whose waiters may take a free lock out of order after a timeout",
    .ops = &lock_preemptable_ticket_ops,
    .params = pt_params_tab,
    .nparams = (int)(sizeof pt_params_tab / sizeof pt_params_tab[0]),
    .size = sizeof(pt_params),
};
