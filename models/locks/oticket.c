/* The paravirtual ticket family: pv-ticket, oticket (as published) and the
 * what-ifs oticket-longspin, iticket and oticket-window.
 *
 * pv-ticket (Linux 4.1 on KVM, arch/x86/include/asm/spinlock.h and
 * arch/x86/kernel/kvm.c): a ticket lock whose waiter spins SPIN_THRESHOLD
 * (2^15) PAUSE iterations, then records {lock, ticket}, sets the slow-path
 * flag, re-checks and halts; after any wake-up it spins another round.
 * The flag is cleared only by an acquirer with nobody queued behind it, so
 * under contention it stays set. Unlock with the flag set runs
 * kvm_unlock_kick: it scans the VM-wide waiting_cpus mask (pv_scan_ns per
 * registered vCPU, paid by the unlocker) for the vCPU halted on the next
 * ticket and kicks only that one; a halted waiter further back stays halted
 * until its turn, so each halted next waiter puts its wake-up latency on
 * the critical path.
 *
 * oticket (Kashyap, Min, Kim, APSys 2015 fig. 5; MODEL.md section 2a): the
 * same lock with two changes. (1) The distance to the head is computed once,
 * at arrival (dist = 1 for the next in line), and a waiter with dist <
 * TICKET_QUEUE_WAIT (18) spins SPIN_MAX_THRESHOLD >> (dist - 1) = 2^34 >>
 * (dist - 1) per round instead of 2^15 (the stock 2^15 from 18 on); when a
 * round runs out it takes the stock slow path, and after any wake-up it
 * spins another full round of its own budget. (2) Unlock with the slow flag
 * set kicks tickets head+1 .. head+OPPORTUNISTIC_WAKEUP_NCPU (4), each kick
 * reaching only a vCPU halted on exactly that ticket.
 *
 * oticket-longspin (the paper's "longer spinning"): every waiter spins
 * 2^34 per round; stock unlock. iticket (the paper's adaptive threshold): one
 * threshold per lock, starting at 2^15 and doubled (up to 2^34) whenever a
 * waiter of that lock enters the slow path; each round reads it when it
 * starts; stock unlock.
 *
 * oticket-window (this model's earlier reading of o-ticket, kept as a
 * what-if, not a kernel): waiters within `window` positions of the head at
 * the moment their budget runs out spin again instead of halting, and unlock
 * also kicks the next `kick_ahead` halted waiters. window = 0 and kick_ahead
 * = 0 is exactly pv-ticket. */
#include <math.h>
#include <stddef.h>

#include "models/locks/lock.h"

/* Parameters. SPIN_THRESHOLD = 1 << 15 in Linux 4.1
 * (arch/x86/include/asm/spinlock.h); SPIN_MAX_THRESHOLD 2^34,
 * TICKET_QUEUE_WAIT 18 and OPPORTUNISTIC_WAKEUP_NCPU 4 from the o-ticket
 * paper's figure 5 (MODEL.md section 2a) [src]; oticket-window's window and
 * kick_ahead are this model's [est] (docs/calibration.md). Each variant's
 * table lists only the keys it reads. */
typedef struct pvt_params {
    double spin_threshold;     /* stock PAUSE iterations per round before a waiter halts */
    double spin_max_threshold; /* oticket, longspin, iticket: SPIN_MAX_THRESHOLD */
    int64_t queue_wait;        /* oticket: TICKET_QUEUE_WAIT */
    int64_t wakeup_ncpu;       /* oticket: OPPORTUNISTIC_WAKEUP_NCPU */
    int64_t window;            /* oticket-window: waiters within this distance of the head never halt */
    int64_t kick_ahead;        /* oticket-window: extra halted waiters kicked at unlock */
} pvt_params;
VP_FITS(pvt_params);

#define PVT_SPIN                                                                                   \
    {.key = "spin_threshold", .type = VP_NUM, .def = 32768, .lo = 1, .hi = 1e12, .unit = "PAUSE iterations", .doc = \
     "spins before a waiter halts (SPIN_THRESHOLD = 1 << 15, MODEL.md section 2)", .off = \
     offsetof(pvt_params, spin_threshold)}
#define PVT_SPIN_MAX                                                                               \
    {.key = "spin_max_threshold", .type = VP_NUM, .def = 17179869184.0, .lo = 1, .hi = 1e12,       \
     .unit = "PAUSE iterations",                                                                   \
     .doc = "SPIN_MAX_THRESHOLD = 1 << 34, the longest round (o-ticket paper fig. 5, MODEL.md section 2a) [src]", \
     .off = offsetof(pvt_params, spin_max_threshold)}

static const vparam pvt_params_tab[] = {PVT_SPIN};

static const vparam ot_params_tab[] = {
    PVT_SPIN,
    PVT_SPIN_MAX,
    {.key = "queue_wait", .type = VP_INT, .def = 18, .lo = 1, .hi = 64, .unit = "waiters",
     .doc = "TICKET_QUEUE_WAIT: waiters at arrival distance below this spin spin_max_threshold >> (dist - 1) per round (MODEL.md section 2a) [src]",
     .off = offsetof(pvt_params, queue_wait)},
    {.key = "wakeup_ncpu", .type = VP_INT, .def = 4, .lo = 1, .hi = 1024, .unit = "tickets",
     .doc = "OPPORTUNISTIC_WAKEUP_NCPU: a slow unlock kicks tickets head+1 .. head+this (MODEL.md section 2a) [src]",
     .off = offsetof(pvt_params, wakeup_ncpu)},
};

static const vparam spinmax_params_tab[] = {PVT_SPIN_MAX};

static const vparam it_params_tab[] = {PVT_SPIN, PVT_SPIN_MAX};

static const vparam otw_params_tab[] = {
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

/* oticket-longspin: every round is SPIN_MAX_THRESHOLD long. */
static void pvt_init_long(world *w, lock *l)
{
    l->spin_ns = lock_spin_iterations_ns(w, PVT(l)->spin_max_threshold);
}

static void pvt_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, l->spin_ns); }

/* oticket: the round budget from the distance at arrival (the owner is
 * distance 0, the first queued waiter 1), kept for every later round. */
sim_time lock_oticket_budget(const world *w, const lock *l, int dist)
{
    const pvt_params *p = PVT(l);
    if (dist >= 1 && dist < p->queue_wait)
        return lock_spin_iterations_ns(w, ldexp(p->spin_max_threshold, -(dist - 1)));
    return l->spin_ns;
}

static void ot_acquire(world *w, lock *l, task *t)
{
    if (lock_is_free(l) && l->qn == 0) {
        lock_take(w, l, t);
        return;
    }
    lock_q_push(l, t);
    t->ot.budget = lock_oticket_budget(w, l, l->qn); /* dist = position in the queue */
    lock_wait(w, l, t, t->ot.budget);
}

static void ot_resumed(world *w, lock *l, task *t, int after_halt)
{
    (void)l;
    if (after_halt)
        lock_respin(w, t, t->ot.budget);
}

/* The stock slow path: register {lock, ticket}, set the flag, halt (the
 * re-check cannot succeed here: a waiter whose turn came was granted). */
static void pvt_slow_path(world *w, lock *l, task *t)
{
    l->slow = 1;
    lock_pv_halt(w, l, t);
}

static void pvt_spin_timeout(world *w, lock *l, task *t) { pvt_slow_path(w, l, t); }

/* iticket: entering the slow path doubles the lock's threshold. */
static void it_spin_timeout(world *w, lock *l, task *t)
{
    sim_time max = lock_spin_iterations_ns(w, PVT(l)->spin_max_threshold);
    l->spin_ns = l->spin_ns > max / 2 ? max : 2 * l->spin_ns;
    pvt_slow_path(w, l, t);
}

static void otw_spin_timeout(world *w, lock *l, task *t)
{
    /* position 1 = next in line (the queue excludes the owner) */
    int pos = lock_q_index(l, t) + 1;
    if (pos >= 1 && pos <= PVT(l)->window) {
        lock_respin(w, t, l->spin_ns);
        return;
    }
    pvt_slow_path(w, l, t);
}

/* A queued waiter took the lock: __ticket_check_and_clear_slowpath clears
 * the slow flag only if nobody queued behind it (tail == head + INC), so
 * under sustained contention the flag stays set and every unlock kicks
 * (and scans). */
static void pvt_acquired(world *w, lock *l, task *t)
{
    (void)w;
    (void)t;
    if (l->qn == 0)
        l->slow = 0;
}

/* The i-th ticket after the old head: 0 = the new owner `next`, then the
 * queued waiters; NULL past the last. */
static task *pvt_ticket(const lock *l, task *next, int i) { return i == 0 ? next : lock_q_at(l, i - 1); }

/* kvm_unlock_kick for ticket i: scan waiting_cpus (cost pv_scan_ns per
 * registered vCPU read, charged to the unlocker), kick the waiter if it is
 * registered, i.e. halted on exactly that ticket. Returns the vCPUs read. */
static int pvt_unlock_kick(world *w, lock *l, task *by, task *t)
{
    int reg = t && t->pv_halted;
    int n = lock_pv_scan(l, reg ? t : NULL);
    if (reg)
        lock_kick(w, l, by, t);
    return n;
}

static void pvt_charge_scan(world *w, task *by, int scanned)
{
    w->lenv->charge(w, by, (sim_time)(scanned * w->sc->host.pv_scan_ns + 0.5));
}

/* Unlock (arch_spin_unlock): head += INC hands the lock to the next ticket;
 * if the slow flag was set, kvm_unlock_kick for tickets head+1 ..
 * head+nkick. A flag set with nobody queued cannot happen here (the last
 * acquirer with an empty queue cleared it). */
static void pvt_unlock(world *w, lock *l, task *by, int nkick)
{
    task *next = lock_q_pop(l);
    if (!next) {
        l->slow = 0;
        return;
    }
    lock_fifo_grant(w, l, next);
    if (!l->slow)
        return;
    int scanned = 0;
    for (int i = 0; i < nkick; i++)
        scanned += pvt_unlock_kick(w, l, by, pvt_ticket(l, next, i));
    pvt_charge_scan(w, by, scanned);
}

static void pvt_release(world *w, lock *l, task *by) { pvt_unlock(w, l, by, 1); }

static void ot_release(world *w, lock *l, task *by) { pvt_unlock(w, l, by, (int)PVT(l)->wakeup_ncpu); }

/* oticket-window: the next ticket as stock, then the next kick_ahead halted
 * waiters that no kick has reached yet (one scan each). */
static void otw_release(world *w, lock *l, task *by)
{
    task *next = lock_q_pop(l);
    if (!next) {
        l->slow = 0;
        return;
    }
    lock_fifo_grant(w, l, next);
    if (!l->slow)
        return;
    int scanned = pvt_unlock_kick(w, l, by, next);
    for (int i = 0; i < PVT(l)->kick_ahead && i < l->qn; i++) {
        task *t = lock_q_at(l, i);
        if (t->pv_halted && t->vc->hs == VH_HALTED && !t->vc->wake_pending)
            scanned += pvt_unlock_kick(w, l, by, t);
    }
    pvt_charge_scan(w, by, scanned);
}

static const lock_ops lock_pv_ticket_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
    .acquired = pvt_acquired,
};

static const lock_ops lock_oticket_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = ot_acquire,
    .release = ot_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = ot_resumed,
    .acquired = pvt_acquired,
};

static const lock_ops lock_oticket_longspin_ops = {
    .init = pvt_init_long,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = pvt_spin_timeout,
    .resumed = lock_pv_resumed,
    .acquired = pvt_acquired,
};

static const lock_ops lock_iticket_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = pvt_release,
    .spin_timeout = it_spin_timeout,
    .resumed = lock_pv_resumed,
    .acquired = pvt_acquired,
};

static const lock_ops lock_oticket_window_ops = {
    .init = pvt_init,
    .pv = 1,
    .acquire = pvt_acquire,
    .release = otw_release,
    .spin_timeout = otw_spin_timeout,
    .resumed = lock_pv_resumed,
    .acquired = pvt_acquired,
};

#define NPAR(tab) ((int)(sizeof tab / sizeof tab[0]))

const variant lock_pv_ticket_variant = {
    .name = "pv-ticket",
    .summary = "Linux 4.1 paravirtual ticket lock: spin 2^15, halt, unlock kicks the next ticket",
    .ops = &lock_pv_ticket_ops,
    .params = pvt_params_tab,
    .nparams = NPAR(pvt_params_tab),
    .size = sizeof(pvt_params),
};

const variant lock_oticket_variant = {
    .name = "oticket",
    .summary = "opportunistic ticket as published: spin 2^34 >> (dist - 1) near the head, unlock kicks head+1..head+4",
    .ops = &lock_oticket_ops,
    .params = ot_params_tab,
    .nparams = NPAR(ot_params_tab),
    .size = sizeof(pvt_params),
};

const variant lock_oticket_longspin_variant = {
    .name = "oticket-longspin",
    .summary = "o-ticket paper's longer spinning: every waiter spins 2^34 per round, stock unlock",
    .ops = &lock_oticket_longspin_ops,
    .params = spinmax_params_tab,
    .nparams = NPAR(spinmax_params_tab),
    .size = sizeof(pvt_params),
};

const variant lock_iticket_variant = {
    .name = "iticket",
    .summary = "o-ticket paper's iticket: per-lock threshold from 2^15, doubled at each slow-path entry",
    .ops = &lock_iticket_ops,
    .params = it_params_tab,
    .nparams = NPAR(it_params_tab),
    .size = sizeof(pvt_params),
};

const variant lock_oticket_window_variant = {
    .name = "oticket-window",
    .summary = "what-if: waiters within a window of the head never halt, unlock kicks ahead (not a kernel)",
    .ops = &lock_oticket_window_ops,
    .params = otw_params_tab,
    .nparams = NPAR(otw_params_tab),
    .size = sizeof(pvt_params),
};
