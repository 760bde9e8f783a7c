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
#include <stddef.h>

#include "models/locks/lock.h"

/* Parameters. SPIN_THRESHOLD = 1 << 15 in Linux 4.1
 * (arch/x86/include/asm/spinlock.h), MODEL.md section 2; oticket's window
 * and kick_ahead are this model's [est] (docs/calibration.md). pv-ticket has
 * only spin_threshold: its window and kick_ahead are 0. */
typedef struct pvt_params {
    double spin_threshold; /* PAUSE iterations before a waiter halts */
    int64_t window;        /* oticket: waiters within this distance of the head never halt */
    int64_t kick_ahead;    /* oticket: extra halted waiters kicked at unlock */
} pvt_params;
VP_FITS(pvt_params);

#define PVT_SPIN                                                                                   \
    {.key = "spin_threshold", .type = VP_NUM, .def = 32768, .lo = 1, .hi = 1e12, .unit = "PAUSE iterations", .doc = \
     "spins before a waiter halts (SPIN_THRESHOLD = 1 << 15, MODEL.md section 2)", .off = \
     offsetof(pvt_params, spin_threshold)}

static const vparam pvt_params_tab[] = {PVT_SPIN};

static const vparam ot_params_tab[] = {
    PVT_SPIN,
    {.key = "window", .type = VP_INT, .def = 2, .lo = 0, .hi = 1024, .unit = "waiters",
     .doc = "waiters within this distance of the head never halt [est]",
     .off = offsetof(pvt_params, window)},
    {.key = "kick_ahead", .type = VP_INT, .def = 1, .lo = 0, .hi = 1024, .unit = "waiters",
     .doc = "extra halted waiters kicked at unlock, ahead of their turn [est]",
     .off = offsetof(pvt_params, kick_ahead)},
};

#define PVT(l) VP_OF(pvt_params, &(l)->cfg.par)

static void pvt_init(world *w, lock *l) { l->spin_ns = lock_spin_iterations_ns(w, PVT(l)->spin_threshold); }

static void pvt_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, l->spin_ns); }

static void pvt_spin_timeout(world *w, lock *l, task *t)
{
    /* position 1 = next in line (the queue excludes the owner) */
    int pos = lock_q_index(l, t) + 1;
    if (pos >= 1 && pos <= PVT(l)->window) {
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
    for (int i = 0; i < PVT(l)->kick_ahead && i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->pv_halted && t->vc->hs == VH_HALTED && !t->vc->wake_pending)
            lock_kick(w, l, by, t);
    }
}

static const lock_ops lock_pv_ticket_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
};

static const lock_ops lock_oticket_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
};

const variant lock_pv_ticket_variant = {
    .name = "pv-ticket",
    .summary = "Linux 4.1 paravirtual ticket lock: spin 2^15, halt, unlock kicks the next ticket",
    .ops = &lock_pv_ticket_ops,
    .params = pvt_params_tab,
    .nparams = (int)(sizeof pvt_params_tab / sizeof pvt_params_tab[0]),
    .size = sizeof(pvt_params),
};

const variant lock_oticket_variant = {
    .name = "oticket",
    .summary = "opportunistic pv ticket: waiters near the head keep spinning, unlock kicks ahead",
    .ops = &lock_oticket_ops,
    .params = ot_params_tab,
    .nparams = (int)(sizeof ot_params_tab / sizeof ot_params_tab[0]),
    .size = sizeof(pvt_params),
};
