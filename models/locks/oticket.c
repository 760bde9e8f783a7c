/* pv-ticket and oticket.
 *
 * pv-ticket (Linux 4.1 on KVM, arch/x86/include/asm/spinlock.h and
 * arch/x86/kernel/kvm.c): a ticket lock whose waiter spins SPIN_THRESHOLD
 * (2^15) PAUSE iterations, then records {lock, ticket}, sets the slow-path
 * flag and halts. Unlock with the flag set kicks only the vCPU that holds the
 * next ticket, and only if it is halted; a halted waiter further back stays
 * halted until its turn, so each halted next waiter puts its wake-up latency
 * on the critical path.
 *
 * oticket (Kashyap et al., APSys 2015) - a model of the published idea, not
 * its code: waiters within `window` positions of the head keep spinning
 * instead of halting (opportunistic spinning), and unlock also kicks the
 * next `kick_ahead` halted waiters behind the new owner, so their wake-up
 * overlaps earlier critical sections. window = 0 and kick_ahead = 0 is
 * exactly pv-ticket. */
#include "models/locks/lock.h"

static void pvt_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, l->spin_ns); }

static void pvt_spin_timeout(world *w, lock *l, task *t)
{
    /* position 1 = next in line (the queue excludes the owner) */
    int pos = lock_q_index(l, t) + 1;
    if (pos >= 1 && pos <= l->cfg.window) {
        lock_respin(w, t, l->spin_ns);
        return;
    }
    l->slow = 1;
    lock_pv_halt(w, l, t);
}

static void pvt_release(world *w, lock *l, task *by)
{
    task *next = lock_q_pop(l);
    if (!next) {
        l->slow = 0;
        return;
    }
    int halted = next->pv_halted;
    lock_fifo_grant(w, l, next);
    if (halted)
        lock_kick(w, l, by, next);
    for (int i = 0; i < l->cfg.kick_ahead && i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->pv_halted && t->vc->hs == VH_HALTED && !t->vc->wake_pending)
            lock_kick(w, l, by, t);
    }
}

const lock_ops lock_pv_ticket_ops = {
    .name = "pv-ticket",
    .summary = "Linux 4.1 paravirtual ticket lock: spin 2^15, halt, unlock kicks the next ticket",
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
};

const lock_ops lock_oticket_ops = {
    .name = "oticket",
    .summary = "opportunistic pv ticket: waiters near the head keep spinning, unlock kicks ahead",
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
};
