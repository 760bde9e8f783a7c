/* pvqspinlock-hybrid: the paravirtual queued spinlock of Linux 4.14 and
 * later, hybrid queued/unfair (kernel/locking/qspinlock_paravirt.h after
 * commit 11752adb68a3 "locking/pvqspinlock: Implement hybrid PV
 * queued/unfair locks", on the 4.5 lock stealing of eaff0e7003cc and the
 * 4.6 wait-early of cd0272fab785; kick only at unlock since 4.4).
 *
 * Under pv the pending-bit fast path is skipped; the lock word holds the
 * locked byte, the pending bit and the MCS tail.
 *  - A newcomer (pv_hybrid_queued_unfair_trylock) takes the lock whenever
 *    the locked byte and the pending bit are clear - even with waiters
 *    queued: lock stealing. While waiters are queued and pending is clear it
 *    keeps spinning in that unfair loop (no budget, never halts); it leaves
 *    for the MCS queue when pending is set or the queue empties.
 *  - A queue node spins SPIN_THRESHOLD on its own node, then halts
 *    (pv_wait_node); it halts at once (wait-early) if its predecessor's
 *    vCPU is not running - checked here when it queues.
 *  - The head (pv_wait_head_or_lock) sets the pending bit - no stealing
 *    while it actively spins - and spins SPIN_THRESHOLD trying to take the
 *    lock; then it clears pending, hashes the lock, sets _Q_SLOW_VAL and
 *    halts. Each wake-up starts the loop again (pending set). A head whose
 *    vCPU is preempted in that loop keeps the pending bit set: the lock,
 *    once free, waits for it (lock-waiter preemption).
 *  - Unlock: with pending set the head takes the lock; else the lock is
 *    free for any unfair spinner that runs (one chosen at random from the
 *    lock's stream) and, if the head halted (_Q_SLOW_VAL), the head is
 *    kicked - the lock stays free while its vCPU wakes.
 *  - When the head takes the lock its successor becomes head; a successor
 *    halted as a node is not kicked but marked hashed (pv_kick_node since
 *    4.4: _Q_SLOW_VAL, so the next unlock kicks it); a running successor
 *    starts the head loop (pending set); a preempted one sets it only when
 *    it runs again. */
#include <gsl/gsl_rng.h>
#include <stddef.h>

#include "models/locks/lock.h"
#include "sim/mem.h"

/* Parameters: SPIN_THRESHOLD = 1 << 15, PV_PREV_CHECK_MASK = 0xff in
 * qspinlock_paravirt.h. */
typedef struct pvh_params {
    double spin_threshold; /* PAUSE iterations before a node or the head halts */
    int wait_early;        /* a node whose predecessor is not running halts at once */
    double early_spins;    /* PAUSE iterations before such an early halt */
} pvh_params;
VP_FITS(pvh_params);

static const vparam pvh_params_tab[] = {
    {.key = "spin_threshold", .type = VP_NUM, .def = 32768, .lo = 1, .hi = 1e12, .unit = "PAUSE iterations",
     .doc = "spins before a queue node or the head halts (SPIN_THRESHOLD = 1 << 15)",
     .off = offsetof(pvh_params, spin_threshold)},
    {.key = "wait_early", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "a node whose predecessor's vCPU is not running halts early (pv_wait_early, 4.6+)",
     .off = offsetof(pvh_params, wait_early)},
    {.key = "early_spins", .type = VP_NUM, .def = 256, .lo = 1, .hi = 1e12, .unit = "PAUSE iterations",
     .doc = "spins before an early halt (the predecessor is checked every PV_PREV_CHECK_MASK + 1 = 256)",
     .off = offsetof(pvh_params, early_spins)},
};

#define PVH(l) VP_OF(pvh_params, &(l)->cfg.par)

static void pvh_init(world *w, lock *l)
{
    l->spin_ns = lock_spin_iterations_ns(w, PVH(l)->spin_threshold);
    l->ufcap = l->qcap;
    l->uf = vs_xcalloc((size_t)l->ufcap, sizeof(task *));
}

/* --- the unfair spinners ------------------------------------------------- */

static void uf_push(lock *l, task *t)
{
    if (l->ufn == l->ufcap) { /* more waiters than vCPUs */
        l->ufcap *= 2;
        l->uf = vs_xreallocarray(l->uf, (size_t)l->ufcap, sizeof(task *));
    }
    l->uf[l->ufn++] = t;
}

static int uf_index(const lock *l, const task *t)
{
    for (int i = 0; i < l->ufn; i++)
        if (l->uf[i] == t)
            return i;
    return -1;
}

static void uf_remove_at(lock *l, int i)
{
    for (int k = i; k < l->ufn - 1; k++)
        l->uf[k] = l->uf[k + 1];
    l->ufn--;
}

static int spinning(const task *t) { return t->act == TA_SPIN && !t->pv_halted && task_executing(t); }

/* A free lock with pending clear goes to a running unfair spinner. */
static void pvh_race(world *w, lock *l)
{
    if (!lock_is_free(l) || l->pending)
        return;
    int n = 0;
    for (int i = 0; i < l->ufn; i++)
        n += spinning(l->uf[i]);
    if (n == 0)
        return;
    int pick = (int)gsl_rng_uniform_int(l->rng, (unsigned long)n);
    for (int i = 0; i < l->ufn; i++) {
        task *t = l->uf[i];
        if (spinning(t) && pick-- == 0) {
            uf_remove_at(l, i);
            lock_grant(w, l, t, lock_handoff_ns(w, l, t, n));
            return;
        }
    }
}

/* --- the queue ----------------------------------------------------------- */

/* Head h (executing) enters its active loop: pending set, a fresh round on
 * the lock word; a free lock is its at once. */
static void pvh_head_loop(world *w, lock *l, task *h)
{
    l->pending = 1;
    lock_respin(w, h, l->spin_ns);
    if (lock_is_free(l))
        lock_grant(w, l, h, lock_handoff_ns(w, l, h, 1));
}

/* Queues t. `fresh`: t comes from a workload step (not spinning yet). */
static void pvh_enqueue(world *w, lock *l, task *t, int fresh)
{
    lock_q_push(l, t);
    sim_time budget = l->spin_ns;
    if (l->qn > 1 && PVH(l)->wait_early) {
        task *prev = lock_q_at(l, l->qn - 2);
        if (!task_executing(prev) || prev->pv_halted)
            budget = lock_spin_iterations_ns(w, PVH(l)->early_spins);
    }
    if (fresh)
        lock_wait(w, l, t, budget);
    else
        lock_respin(w, t, budget);
    if (l->qn == 1)
        pvh_head_loop(w, l, t);
}

/* Unfair spinners that run see pending set or the queue empty: they queue. */
static void pvh_uf_to_queue(world *w, lock *l)
{
    for (int i = 0; i < l->ufn;) {
        task *t = l->uf[i];
        if ((l->pending || l->qn == 0) && spinning(t)) {
            uf_remove_at(l, i);
            pvh_enqueue(w, l, t, 0);
        } else {
            i++;
        }
    }
}

/* --- the lock_ops -------------------------------------------------------- */

static void pvh_acquire(world *w, lock *l, task *t)
{
    if (lock_is_free(l) && !l->pending) { /* fast path, or a steal */
        lock_take(w, l, t);
        return;
    }
    if (l->qn > 0 && !l->pending) { /* unfair mode */
        uf_push(l, t);
        lock_wait(w, l, t, TASK_SPIN_INF);
        return;
    }
    pvh_enqueue(w, l, t, 1);
    pvh_uf_to_queue(w, l);
}

static void pvh_release(world *w, lock *l, task *by)
{
    int slow = l->slow;
    l->slow = 0;
    task *h = lock_q_at(l, 0);
    if (h && l->pending) { /* the head's loop takes it (preempted: it waits for the head) */
        lock_grant(w, l, h, lock_handoff_ns(w, l, h, 1));
        return;
    }
    if (h && slow && h->pv_halted)
        lock_kick(w, l, by, h); /* unhash, release, pv_kick: free while it wakes */
    pvh_race(w, l);
}

static void pvh_spin_timeout(world *w, lock *l, task *t)
{
    if (lock_q_at(l, 0) == t) { /* clear pending, hash, _Q_SLOW_VAL, halt */
        l->pending = 0;
        l->slow = 1;
    }
    lock_pv_halt(w, l, t);
}

static void pvh_resumed(world *w, lock *l, task *t, int after_halt)
{
    if (l->granted == t)
        return;
    if (lock_q_at(l, 0) == t) {
        if (after_halt || !l->pending)
            pvh_head_loop(w, l, t);
        else if (lock_is_free(l))
            lock_grant(w, l, t, lock_handoff_ns(w, l, t, 1));
        pvh_uf_to_queue(w, l);
        return;
    }
    int i = uf_index(l, t);
    if (i >= 0) {
        if (lock_is_free(l) && !l->pending) {
            uf_remove_at(l, i);
            lock_grant(w, l, t, lock_handoff_ns(w, l, t, 1));
        } else if (l->pending || l->qn == 0) {
            uf_remove_at(l, i);
            pvh_enqueue(w, l, t, 0);
        }
        return;
    }
    if (after_halt) /* a node woken (not kicked: an interrupt): spins again */
        lock_respin(w, t, l->spin_ns);
}

static void pvh_acquired(world *w, lock *l, task *t)
{
    if (lock_q_at(l, 0) != t)
        return; /* a stealer */
    lock_q_pop(l);
    l->pending = 0;
    task *next = lock_q_at(l, 0);
    if (!next) {
        pvh_uf_to_queue(w, l);
        return;
    }
    if (next->pv_halted)
        l->slow = 1; /* pv_kick_node: hashed, the unlock kicks it */
    else if (task_executing(next))
        pvh_head_loop(w, l, next);
    if (l->pending)
        pvh_uf_to_queue(w, l);
}

static const lock_ops lock_pvh_ops = {
    .init = pvh_init,
    .pv = 1,
    .acquire = pvh_acquire,
    .release = pvh_release,
    .spin_timeout = pvh_spin_timeout,
    .resumed = pvh_resumed,
    .acquired = pvh_acquired,
};

const variant lock_pvqspinlock_hybrid_variant = {
    .name = "pvqspinlock-hybrid",
    .summary = "Linux 4.14+ paravirtual queued lock: stealing while the head is not spinning, wait-early, kick at unlock",
    .ops = &lock_pvh_ops,
    .params = pvh_params_tab,
    .nparams = (int)(sizeof pvh_params_tab / sizeof pvh_params_tab[0]),
    .size = sizeof(pvh_params),
};
