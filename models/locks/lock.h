/* lock.h - guest spinlocks: one interface, one file per algorithm.
 *
 * An algorithm decides, on each request, whether the task takes the lock
 * now (lock_take) or waits (lock_wait: the task spins on its vCPU; the
 * spinning is a state with a start time, never a loop of events); when a
 * waiter's spin budget runs out (spin_timeout: pv locks halt the vCPU with
 * lock_pv_halt); who gets the lock at release (lock_grant with a transfer
 * cost) and whom to kick (lock_kick). Shared mechanics and all accounting
 * (acquisitions, waits, holds, lock-holder and lock-waiter preemption, spin
 * time, halts, kicks) live in lock.c, so an algorithm file holds only its
 * policy. To add an algorithm: one new file defining a lock_ops and one line
 * in lock_registry[] (registry.c).
 *
 * Layering: only the guest (models/guest.c) calls the lock layer, and a lock
 * changes a task's activity or its vCPU only through the lock_env table the
 * guest installs (w->lenv), which settles and re-arms the vCPU's progress.
 * This header includes only models/world.h: no vCPU, host or guest header.
 *
 * Invariants: at most one of owner/granted is set... except that a granted
 * waiter may exist while owner == NULL only (the lock is "handed over");
 * every queued waiter has act TA_SPIN; the owner has the lock in held[]. */
#ifndef VMSIM_LOCK_H
#define VMSIM_LOCK_H

#include "models/variant.h"
#include "models/world.h"

typedef struct lock_ops {
    int pv;               /* uses halt/kick (only meaningful in a VM) */
    /* After the lock is created: derive per-lock values from the
     * parameters (l->cfg.par), e.g. the spin budget. May be NULL. */
    void (*init)(world *w, lock *l);
    /* The task asks for the lock: call lock_take or queue it with lock_wait. */
    void (*acquire)(world *w, lock *l, task *t);
    /* The owner has just released it (owner is NULL now). */
    void (*release)(world *w, lock *l, task *by);
    /* A waiter's spin budget ran out (may be NULL: budgets are infinite). */
    void (*spin_timeout)(world *w, lock *l, task *t);
    /* A waiter starts executing again (its vCPU was scheduled in, it was
     * switched in by the guest, or it woke from a pv halt: after_halt = 1).
     * May be NULL. */
    void (*resumed)(world *w, lock *l, task *t, int after_halt);
    /* A granted waiter finished taking over the lock (may be NULL). */
    void (*acquired)(world *w, lock *l, task *t);
} lock_ops;

/* The guest services a lock uses; installed by the guest in w->lenv
 * (guest_install, models/guest.h). */
typedef struct lock_env {
    /* Sets waiter t's activity: TA_SPIN with a spin budget of ns, or TA_ACQ
     * with ns of transfer cost. When t executes (and is not pv-halted) its
     * vCPU is settled before and re-armed after. */
    void (*set_activity)(world *w, task *t, task_act act, sim_time ns);
    /* t (in a workload step) starts spinning with a budget of ns: its
     * activity becomes TA_SPIN and its vCPU's PLE window restarts. */
    void (*spin_begins)(world *w, task *t, sim_time ns);
    /* Halts t's vCPU (t->pv_halted is already set: a pv wait). */
    void (*halt)(world *w, task *t);
    /* Wakes halted waiter t's vCPU (a kick); `by` (NULL: nobody) pays the
     * hypercall on a virtual host. */
    void (*kick)(world *w, task *by, task *t);
    /* Charges `by` ns of guest CPU time on a virtual host (work done by a
     * pv lock's code, e.g. scanning the waiting vCPUs), nothing on bare
     * metal. */
    void (*charge)(world *w, task *by, sim_time ns);
} lock_env;

/* The lock algorithms vmsim knows (registry.c): variants whose ops are
 * lock_ops (models/variant.h). The first is the default. */
extern vregistry lock_registry;
/* The algorithm called `name`, or NULL. */
const variant *lock_find(const char *name);

struct lock {
    int id;                /* index in vm->locks */
    char name[CFG_NAME];   /* e.g. "global" */
    const lock_ops *ops;   /* algorithm */
    lock_cfg cfg;          /* its parameters */
    vm *vm;                /* owning VM */
    int kernel;            /* kernel spinlock: waiting and holding disable preemption */
    int irqs_off;          /* kernel spinlock taken with interrupts disabled (spin_lock_irqsave,
                            * or inside local_irq_save): a pv waiter halts with halt(), not
                            * safe_halt(), so only a kick ends its halt, not the guest's tick
                            * (kvm_lock_spinning, kvm_wait; models/guest.c). Set by the
                            * workload through guest_lock_irqs_off; 0 by default */
    task *owner;           /* holder, NULL if free or handed over */
    task *granted;         /* waiter the lock was handed to, taking it over */
    task **q;              /* FIFO of waiters (ring buffer) */
    int qhead, qn, qcap;
    int ticket_next;       /* ticket of the next waiter to queue */
    int ticket_head;       /* ticket of the queue's first waiter */
    int nspin;             /* queued waiters spinning on a running vCPU */
    int slow;              /* pv slow-path flag / _Q_SLOW_VAL */
    int pending;           /* pvqspinlock-hybrid: the queue head is in its active spin loop
                            * with the pending bit set (no stealing) */
    task **uf;             /* pvqspinlock-hybrid: waiters spinning in unfair (steal) mode, not queued */
    int ufn, ufcap;        /* their number, the array's room (allocated by the algorithm's init) */
    sim_time spin_ns;      /* pv: SPIN_THRESHOLD converted to ns (set by ops->init) */
    int last_pcpu;         /* pCPU of the last releaser (handoff distance) */
    sim_time owner_since;  /* when the owner took it */
    gsl_rng *rng;          /* the lock's stream (tas winner choice) */
    /* accounting, measurement window only */
    uint64_t acquisitions;
    stat_acc wait;         /* request -> acquired, ns */
    stat_acc hold;         /* acquired -> released, ns */
    stat_hist wait_hist;   /* log2 histogram of waits */
    uint64_t lhp_n;        /* lock-holder preemptions */
    sim_time lhp_ns;       /* time the holder was not executing */
    sim_time lhp_since;    /* -1 or start of the current LHP */
    uint64_t lwp_n;        /* lock-waiter preemptions */
    sim_time lwp_ns;       /* time from handoff to a non-running waiter until taken */
    sim_time lwp_since;    /* -1 or start of the current LWP */
    int lwp_halted;        /* the current one is a handoff to a pv-halted waiter */
    uint64_t hh_n;         /* handoffs to a waiter halted in a pv wait (not counted as LWP) */
    sim_time hh_ns;        /* time from such a handoff until the waiter took the lock */
    sim_time spin_total;   /* ns waiters spent spinning */
    uint64_t halts, kicks, ple_exits;
};

/* Creates a lock in vm with the VM's lock config. */
lock *lock_new(world *w, vm *v, const char *name, int kernel);
void lock_free(lock *l);

/* --- called by the guest / vCPU layers --------------------------------- */
/* Task t requests l (from a workload step). On return t either owns it
 * (t->act unchanged, TA_NONE) or waits (TA_SPIN). */
void lock_request(world *w, lock *l, task *t);
/* Task t (the owner) releases l. */
void lock_release(world *w, lock *l, task *t);
/* A granted waiter's transfer completed: it owns the lock now. The guest
 * has set t->act to TA_NONE and continues t's workload afterwards. */
void lock_acquired(world *w, task *t);
/* The spin budget of waiter t ran out. */
void lock_spin_timeout(world *w, task *t);
/* Waiter t executes again (after_halt: it had halted in a pv wait). */
void lock_resumed(world *w, task *t, int after_halt);
/* Holder t stops / resumes executing (vCPU preempted or task switched). */
void lock_holder_stopped(world *w, task *t);
void lock_holder_resumed(world *w, task *t);
/* Ends the lock-holder preemption in progress, if any (counted when it
 * ends in the measurement window). */
void lock_end_lhp(world *w, lock *l);
/* Ends the wait of a handoff to a waiter that was not executing, if any:
 * a lock-waiter preemption, or a halted handoff for a pv-halted waiter. */
void lock_end_handoff(world *w, lock *l);
/* Spin time of t's vCPU to charge (measurement window handled by caller). */
void lock_add_spin(lock *l, sim_time ns);
/* Waiter t's vCPU took a PLE exit (counted in the measurement window). */
void lock_ple_exit(world *w, task *t);

/* --- called by algorithms ---------------------------------------------- */
void lock_take(world *w, lock *l, task *t);
/* t waits, spinning with a budget of `budget` ns (TASK_SPIN_INF: forever). */
void lock_wait(world *w, lock *l, task *t, sim_time budget);
/* Hands the lock to waiter t, who takes `cost` ns of its own CPU time to
 * see and take it (it must be executing for that time to pass). */
void lock_grant(world *w, lock *l, task *t, sim_time cost);
/* Halts t's vCPU in a pv wait. */
void lock_pv_halt(world *w, lock *l, task *t);
/* `by` (executing) kicks halted waiter t: by pays the hypercall, t's vCPU
 * is woken. */
void lock_kick(world *w, lock *l, task *by, task *t);
/* Cost for waiter t to see a release by pCPU `from`: a cache-line transfer
 * by distance plus coherence_ns per other spinner polling the same line. */
sim_time lock_handoff_ns(world *w, lock *l, task *t, int spinners);
/* Hands the lock to waiter t of a lock whose waiters all poll one line
 * (ticket family): the transfer costs a line move plus the coherence term
 * for every spinner on that line, t included. */
void lock_fifo_grant(world *w, lock *l, task *t);
/* ns that `iterations` PAUSE spins take on this host (SPIN_THRESHOLD to
 * time), rounded to the nearest ns. */
sim_time lock_spin_iterations_ns(const world *w, double iterations);
/* The `resumed` hook of spin-then-halt locks: a waiter back from a pv
 * halt spins another full budget (l->spin_ns). */
void lock_pv_resumed(world *w, lock *l, task *t, int after_halt);
/* Restarts waiter t's spin budget (after a wake or a re-check). */
void lock_respin(world *w, task *t, sim_time budget);
/* oticket: the per-round spin budget (ns) of a waiter at arrival distance
 * `dist` from the head (1 = next in line): SPIN_MAX_THRESHOLD >> (dist - 1)
 * under TICKET_QUEUE_WAIT, else the stock l->spin_ns. For an oticket lock
 * only. */
sim_time lock_oticket_budget(const world *w, const lock *l, int dist);
/* kvm_unlock_kick's scan (arch/x86/kernel/kvm.c): the VM-wide waiting_cpus
 * mask walked in vCPU order up to the vCPU whose registered waiter is `t`
 * (a pv-halted task), or all of it if t is NULL or not registered. Returns
 * the number of registered vCPUs read: a count of the VM's pvh_bits
 * (models/world.h), O(vCPUs / 64). */
int lock_pv_scan(const lock *l, const task *t);
/* Waiter queue helpers (FIFO ring). */
void lock_q_push(lock *l, task *t);
task *lock_q_pop(lock *l);
task *lock_q_at(const lock *l, int i);
void lock_q_remove_at(lock *l, int i);
/* Puts t back at the head of the queue (a grant taken back). */
void lock_q_push_front(lock *l, task *t);
/* Takes the lock back from a granted waiter that has not taken it yet and
 * returns that waiter to spinning; ends its lock-waiter preemption. */
void lock_revoke(world *w, lock *l);
/* Index of t in a FIFO queue (0 = first), O(1) from ticket numbers;
 * only for locks that pop in order (not after lock_q_remove_at). */
int lock_q_index(const lock *l, const task *t);
/* 1 if nobody owns the lock and it is not being handed over. */
int lock_is_free(const lock *l);
/* FIFO locks: take a free lock with nobody queued, else queue and spin with
 * `budget`. */
void lock_fifo_acquire(world *w, lock *l, task *t, sim_time budget);
/* Number of waiters currently spinning on a running vCPU: the queued ones
 * and pvqspinlock-hybrid's unqueued ones (kept up to date by
 * lock_spin_refresh; O(1)). */
static inline int lock_q_spinners(const lock *l) { return l->nspin; }
/* The same by scanning the queue and the unqueued spinners (for checks). */
int lock_q_spinners_scan(const lock *l);
/* Recounts whether waiter t spins on a running vCPU; call after anything
 * that may change it (activity, pv halt, vCPU or guest switch). */
void lock_spin_refresh(task *t);

#endif
