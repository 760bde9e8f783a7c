/* pvqspinlock: Linux 4.2's paravirtual queued spinlock
 * (kernel/locking/qspinlock_paravirt.h at commit a23db284fe0d).
 *
 * An MCS queue: the head waiter spins on the lock word, the others on their
 * own node. A node spins SPIN_THRESHOLD (2^15) iterations, then marks itself
 * halted and halts (pv_wait_node). The head spins 2^15, hashes lock -> node,
 * sets _Q_SLOW_VAL and halts (pv_wait_head); unlock of a slow lock kicks the
 * head. When the head takes the lock it passes the MCS head to its successor
 * and, in 4.2, kicks it at once if it is halted (pv_kick_node) - inside the
 * new owner's critical section - so one acquisition can cost two kicks. No
 * lock stealing while waiters are queued (4.2 pv mode skips the pending bit).
 * Not modelled as 4.2: kick-only-at-unlock (4.4), stealing and wait-early
 * (4.5). */
#include <stddef.h>

#include "models/locks/lock.h"

/* Parameters: SPIN_THRESHOLD = 1 << 15 in Linux 4.2 qspinlock_paravirt.h
 * (MODEL.md section 2). */
typedef struct pvq_params {
    double spin_threshold; /* PAUSE iterations before a node or the head halts */
} pvq_params;
VP_FITS(pvq_params);

static const vparam pvq_params_tab[] = {
    {.key = "spin_threshold", .type = VP_NUM, .def = 32768, .lo = 1, .hi = 1e12, .unit = "PAUSE iterations",
     .doc = "spins before a queue node or the head halts (SPIN_THRESHOLD = 1 << 15, MODEL.md section 2)",
     .off = offsetof(pvq_params, spin_threshold)},
};

static void pvq_init(world *w, lock *l)
{
    l->spin_ns = lock_spin_iterations_ns(w, VP_OF(pvq_params, &l->cfg.par)->spin_threshold);
}

static void pvq_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, l->spin_ns); }

static void pvq_spin_timeout(world *w, lock *l, task *t)
{
    if (lock_q_at(l, 0) == t)
        l->slow = 1; /* the head: hash the lock, set _Q_SLOW_VAL */
    lock_pv_halt(w, l, t);
}

/* Unlock: a free lock word is taken by the queue head only. */
static void pvq_release(world *w, lock *l, task *by)
{
    int slow = l->slow;
    l->slow = 0;
    task *head = lock_q_at(l, 0);
    if (!head)
        return;
    int halted = head->pv_halted;
    lock_grant(w, l, head, lock_handoff_ns(w, l, head, 1));
    if (slow && halted)
        lock_kick(w, l, by, head);
}

/* The head took the lock: it leaves the queue and makes its successor the
 * new head (its node's `locked` set), kicking it if it halted as a node
 * (pv_kick_node). A successor still spinning on its node leaves pv_wait_node
 * and enters pv_wait_head, whose spin loop is a fresh SPIN_THRESHOLD round
 * on the lock word. */
static void pvq_acquired(world *w, lock *l, task *t)
{
    if (lock_q_at(l, 0) == t)
        lock_q_pop(l);
    task *next = lock_q_at(l, 0);
    if (!next)
        return;
    if (next->pv_halted)
        lock_kick(w, l, t, next);
    else
        lock_respin(w, next, l->spin_ns);
}

static const lock_ops lock_pvqspinlock_ops = {
    .init = pvq_init,
    .pv = 1,
    .acquire = pvq_acquire,
    .release = pvq_release,
    .spin_timeout = pvq_spin_timeout,
    .resumed = lock_pv_resumed,
    .acquired = pvq_acquired,
};

const variant lock_pvqspinlock_variant = {
    .name = "pvqspinlock",
    .summary = "Linux 4.2 paravirtual queued lock: MCS queue, head and nodes halt, double kick",
    .ops = &lock_pvqspinlock_ops,
    .params = pvq_params_tab,
    .nparams = (int)(sizeof pvq_params_tab / sizeof pvq_params_tab[0]),
    .size = sizeof(pvq_params),
};
