/* mlock.c - the user-space locks of `vmsim measure` (see mlock.h).
 *
 * Each algorithm follows the kernel source or paper cited in MODEL.md 2/2a
 * as closely as user space allows; the comments name the kernel function a
 * block stands for. Memory orders: acquire on taking, release on handing
 * over, seq_cst wherever the kernel has a full barrier (the halt/kick
 * handshakes). */
#include "measure/mlock.h"

#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sim/mem.h"

enum { ML_VCPU_RUNNING = 0, ML_VCPU_HALTED = 1 };

#define RLX memory_order_relaxed
#define ACQ memory_order_acquire
#define REL memory_order_release
#define SC memory_order_seq_cst

/* --- halt and kick ------------------------------------------------------ */

/* The kick word's value before a halt is prepared; pass it to ml_halt. */
static inline unsigned ml_halt_prepare(ml_thread *t) { return atomic_load_explicit(&t->kick, SC); }

/* Blocks until a kick after ml_halt_prepare returned seq (or a spurious
 * wake-up, as a HLT may return early). Counts one halt. */
static void ml_halt(ml_thread *t, unsigned seq)
{
    t->halts++;
    syscall(SYS_futex, &t->kick, FUTEX_WAIT_PRIVATE, seq, NULL, NULL, 0);
}

/* kvm_kick_cpu: wakes `to` from its current or next ml_halt. `by` counts it. */
static void ml_kick(ml_thread *by, ml_thread *to)
{
    by->kicks++;
    atomic_fetch_add_explicit(&to->kick, 1, SC);
    syscall(SYS_futex, &to->kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* --- ticket ------------------------------------------------------------- */

static void tk_acquire(ml_lock *l, ml_thread *t)
{
    (void)t;
    unsigned my = atomic_fetch_add_explicit(&l->tail, 1, RLX);
    while (atomic_load_explicit(&l->head, ACQ) != my)
        ml_pause();
}

static void tk_release(ml_lock *l, ml_thread *t)
{
    (void)t;
    atomic_fetch_add_explicit(&l->head, 1, REL);
}

/* --- test-and-test-and-set ------------------------------------------------ */

static void tas_acquire(ml_lock *l, ml_thread *t)
{
    (void)t;
    for (;;) {
        while (atomic_load_explicit(&l->tas, RLX))
            ml_pause();
        if (!atomic_exchange_explicit(&l->tas, 1, ACQ))
            return;
    }
}

static void tas_release(ml_lock *l, ml_thread *t)
{
    (void)t;
    atomic_store_explicit(&l->tas, 0, REL);
}

/* --- MCS ---------------------------------------------------------------- */

static void mcs_acquire(ml_lock *l, ml_thread *t)
{
    ml_qnode *n = &t->node;
    atomic_store_explicit(&n->next, NULL, RLX);
    atomic_store_explicit(&n->locked, 0, RLX);
    ml_qnode *prev = atomic_exchange_explicit(&l->mcs_tail, n, SC);
    if (!prev)
        return;
    atomic_store_explicit(&prev->next, n, REL);
    while (!atomic_load_explicit(&n->locked, ACQ))
        ml_pause();
}

static void mcs_release(ml_lock *l, ml_thread *t)
{
    ml_qnode *n = &t->node, *next = atomic_load_explicit(&n->next, ACQ);
    if (!next) {
        ml_qnode *expect = n;
        if (atomic_compare_exchange_strong_explicit(&l->mcs_tail, &expect, NULL, REL, RLX))
            return;
        while (!(next = atomic_load_explicit(&n->next, ACQ)))
            ml_pause();
    }
    atomic_store_explicit(&next->locked, 1, REL);
}

/* --- pv ticket (Linux 4.1 KVM) and o-ticket --------------------------------
 * arch_spinlock_t: head in the low 32 bits of `word` (bit 0 the slow flag,
 * TICKET_SLOWPATH_FLAG), tail in the high 32 bits, TICKET_LOCK_INC 2. The
 * kernel's xadd on the head half is a CAS loop here (C11 has no atomic add
 * on half a word; an add would carry into the tail when head wraps). */
#define PVT_INC 2u
#define PVT_FLAG 1u
#define PVT_TAIL(w) ((uint32_t)((w) >> 32))
#define PVT_HEAD(w) ((uint32_t)(w))

/* kvm_lock_spinning: publish {lock, want}, join waiting_cpus, set the slow
 * flag, full barrier, re-check, halt. */
static void pvt_spinning(ml_lock *l, ml_thread *t, uint32_t want)
{
    atomic_store_explicit(&t->want, want, SC);
    atomic_store_explicit(&t->waiting, 1, SC);
    unsigned seq = ml_halt_prepare(t);
    atomic_fetch_or_explicit(&l->word, PVT_FLAG, SC); /* __ticket_enter_slowpath */
    uint32_t head = PVT_HEAD(atomic_load_explicit(&l->word, SC));
    if ((head & ~PVT_FLAG) != want) /* else TAKEN_SLOW_PICKUP */
        ml_halt(t, seq);
    atomic_store_explicit(&t->waiting, 0, SC);
}

/* __ticket_check_and_clear_slowpath: clear the flag only if no other waiter
 * is queued (tail == head + INC), in one cmpxchg of the whole word. */
static void pvt_clear_slowpath(ml_lock *l, uint32_t head)
{
    if (!(head & PVT_FLAG))
        return;
    uint32_t h = head & ~PVT_FLAG;
    uint64_t old = ((uint64_t)(h + PVT_INC) << 32) | head;
    uint64_t nw = ((uint64_t)(h + PVT_INC) << 32) | h;
    atomic_compare_exchange_strong_explicit(&l->word, &old, nw, SC, RLX);
}

/* arch_spin_lock with a spin budget per round: the stock SPIN_THRESHOLD
 * (pv-ticket) or o-ticket's, from the distance at arrival. */
static void pvt_lock(ml_lock *l, ml_thread *t, int opportunistic)
{
    uint64_t w = atomic_fetch_add_explicit(&l->word, (uint64_t)PVT_INC << 32, ACQ);
    uint32_t my = PVT_TAIL(w), head = PVT_HEAD(w);
    if (head == my) /* likely(inc.head == inc.tail): free, flag clear */
        return;
    uint64_t budget = l->spin_threshold;
    if (opportunistic) {
        /* o-ticket: dist computed once, at arrival; 2^34 >> (dist - 1) near the head. */
        uint32_t dist = (my - (head & ~PVT_FLAG)) / PVT_INC;
        if (dist >= 1 && dist < ML_OT_QUEUE_WAIT)
            budget = (uint64_t)1 << (ML_OT_SPIN_MAX_SHIFT - (dist - 1));
    }
    for (;;) {
        uint64_t count = budget;
        do {
            head = PVT_HEAD(atomic_load_explicit(&l->word, ACQ));
            if ((head & ~PVT_FLAG) == my) {
                pvt_clear_slowpath(l, head);
                return;
            }
            ml_pause();
        } while (--count);
        pvt_spinning(l, t, my);
    }
}

/* kvm_unlock_kick: scan the waiting threads for the one halted on `ticket`. */
static void pvt_unlock_kick(ml_lock *l, ml_thread *by, uint32_t ticket)
{
    for (int i = 0; i < l->n; i++) {
        ml_thread *o = l->threads[i];
        if (o != by && atomic_load_explicit(&o->waiting, SC) &&
            atomic_load_explicit(&o->want, SC) == ticket) {
            ml_kick(by, o);
            return;
        }
    }
}

/* arch_spin_unlock: head += INC; if the flag was set, kick head+1 (and for
 * o-ticket head+2 .. head+4 too, OPPORTUNISTIC_WAKEUP_NCPU in all). */
static void pvt_unlock(ml_lock *l, ml_thread *t, int nkick)
{
    uint64_t old = atomic_load_explicit(&l->word, RLX), nw;
    do
        nw = (old & 0xffffffff00000000ull) | (uint32_t)(PVT_HEAD(old) + PVT_INC);
    while (!atomic_compare_exchange_weak_explicit(&l->word, &old, nw, SC, RLX));
    uint32_t head = PVT_HEAD(old);
    if (!(head & PVT_FLAG))
        return;
    head &= ~PVT_FLAG;
    for (int k = 1; k <= nkick; k++)
        pvt_unlock_kick(l, t, head + (uint32_t)k * PVT_INC);
}

static void pvt_acquire(ml_lock *l, ml_thread *t) { pvt_lock(l, t, 0); }
static void pvt_release(ml_lock *l, ml_thread *t) { pvt_unlock(l, t, 1); }
static void ot_acquire(ml_lock *l, ml_thread *t) { pvt_lock(l, t, 1); }
static void ot_release(ml_lock *l, ml_thread *t) { pvt_unlock(l, t, ML_OT_WAKEUP_NCPU); }

/* --- pvqspinlock (Linux 4.2, qspinlock.c + qspinlock_paravirt.h at a23db284fe0d)
 * qval: locked byte in bits 0-7 (0, _Q_LOCKED_VAL 1, _Q_SLOW_VAL 3), the
 * tail (thread index + 1) in bits 16-31; no pending bit under pv. Byte and
 * half-word accesses of the kernel are CAS loops on the word here. */
#define Q_LOCKED 1u
#define Q_SLOW 3u
#define Q_LOCKMASK 0xffu
#define Q_TAIL_SHIFT 16

static ml_qnode *pvq_node(ml_lock *l, unsigned tail) { return &l->threads[tail - 1]->node; }

/* cmpxchg(&l->locked, from, to) on the locked byte; returns the old byte. */
static unsigned pvq_cmpxchg_locked(ml_lock *l, unsigned from, unsigned to)
{
    unsigned v = atomic_load_explicit(&l->qval, SC);
    while ((v & Q_LOCKMASK) == from)
        if (atomic_compare_exchange_weak_explicit(&l->qval, &v, (v & ~Q_LOCKMASK) | to, SC, SC))
            return from;
    return v & Q_LOCKMASK;
}

/* pv_wait_node: spin on node->locked, then set state halted and halt. */
static void pvq_wait_node(ml_lock *l, ml_thread *t)
{
    ml_qnode *n = &t->node;
    for (;;) {
        for (uint64_t loop = l->spin_threshold; loop; loop--) {
            if (atomic_load_explicit(&n->locked, ACQ))
                return;
            ml_pause();
        }
        unsigned seq = ml_halt_prepare(t);
        atomic_store_explicit(&n->state, ML_VCPU_HALTED, SC); /* smp_store_mb */
        if (!atomic_load_explicit(&n->locked, SC) &&
            atomic_load_explicit(&n->state, SC) == ML_VCPU_HALTED) /* pv_wait(&state, halted) */
            ml_halt(t, seq);
        atomic_store_explicit(&n->state, ML_VCPU_RUNNING, SC);
        /* a spurious wake-up (locked still 0) waits again */
    }
}

/* pv_kick_node: kick the new head if it halted. */
static void pvq_kick_node(ml_lock *l, ml_thread *by, ml_qnode *n)
{
    if (atomic_exchange_explicit(&n->state, ML_VCPU_RUNNING, SC) == ML_VCPU_HALTED)
        ml_kick(by, l->threads[n->idx]);
}

/* pv_wait_head: spin on the locked byte; then state halted, hash once and
 * set _Q_SLOW_VAL, halt until the unlocker kicks. */
static void pvq_wait_head(ml_lock *l, ml_thread *t)
{
    ml_qnode *n = &t->node;
    int hashed = 0;
    for (;;) {
        for (uint64_t loop = l->spin_threshold; loop; loop--) {
            if (!(atomic_load_explicit(&l->qval, ACQ) & Q_LOCKMASK))
                return;
            ml_pause();
        }
        unsigned seq = ml_halt_prepare(t);
        atomic_store_explicit(&n->state, ML_VCPU_HALTED, SC);
        if (!hashed) { /* ONCE */
            hashed = 1;
            atomic_store_explicit(&l->hashed, n, SC); /* pv_hash(lock, pn) */
            if (pvq_cmpxchg_locked(l, Q_LOCKED, Q_SLOW) == 0) {
                /* free and _Q_SLOW_VAL never set: unhash, take it */
                atomic_store_explicit(&l->hashed, NULL, SC);
                return;
            }
        }
        if ((atomic_load_explicit(&l->qval, SC) & Q_LOCKMASK) == Q_SLOW) /* pv_wait(&locked, SLOW) */
            ml_halt(t, seq);
        /* still locked after the wake-up: spurious, spin again */
    }
}

static int pvq_trylock(ml_lock *l)
{
    unsigned z = 0;
    return atomic_load_explicit(&l->qval, RLX) == 0 &&
           atomic_compare_exchange_strong_explicit(&l->qval, &z, Q_LOCKED, ACQ, RLX);
}

static void pvq_acquire(ml_lock *l, ml_thread *t)
{
    if (pvq_trylock(l)) /* queued_spin_lock fast path */
        return;
    /* queued_spin_lock_slowpath under pv: no pending bit, straight to the queue */
    ml_qnode *n = &t->node;
    atomic_store_explicit(&n->next, NULL, RLX);
    atomic_store_explicit(&n->locked, 0, RLX);
    atomic_store_explicit(&n->state, ML_VCPU_RUNNING, RLX); /* pv_init_node */
    if (pvq_trylock(l))
        return;
    unsigned mytail = (unsigned)t->idx + 1;
    unsigned old = atomic_load_explicit(&l->qval, RLX);
    while (!atomic_compare_exchange_weak_explicit(
        &l->qval, &old, (old & 0xffffu) | (mytail << Q_TAIL_SHIFT), SC, RLX))
        ; /* xchg_tail */
    if (old >> Q_TAIL_SHIFT) {
        ml_qnode *prev = pvq_node(l, old >> Q_TAIL_SHIFT);
        atomic_store_explicit(&prev->next, n, REL);
        pvq_wait_node(l, t);
        while (!atomic_load_explicit(&n->locked, ACQ)) /* arch_mcs_spin_lock_contended */
            ml_pause();
    }
    /* we are the head */
    pvq_wait_head(l, t);
    unsigned val;
    while ((val = atomic_load_explicit(&l->qval, ACQ)) & Q_LOCKMASK)
        ml_pause();
    for (;;) { /* claim the lock */
        if ((val >> Q_TAIL_SHIFT) != mytail) {
            atomic_fetch_or_explicit(&l->qval, Q_LOCKED, ACQ); /* set_locked */
            break;
        }
        if (atomic_compare_exchange_weak_explicit(&l->qval, &val, Q_LOCKED, ACQ, RLX))
            return; /* no contention: the queue is empty now */
    }
    ml_qnode *next;
    while (!(next = atomic_load_explicit(&n->next, ACQ)))
        ml_pause();
    atomic_store_explicit(&next->locked, 1, SC); /* arch_mcs_spin_unlock_contended */
    pvq_kick_node(l, t, next);                   /* 4.2: kick the new head at once */
}

/* __pv_queued_spin_unlock */
static void pvq_release(ml_lock *l, ml_thread *t)
{
    if (pvq_cmpxchg_locked(l, Q_LOCKED, 0) == Q_LOCKED)
        return;
    ml_qnode *n = atomic_exchange_explicit(&l->hashed, NULL, SC); /* pv_unhash */
    atomic_fetch_and_explicit(&l->qval, ~Q_LOCKMASK, REL);       /* smp_store_release(locked, 0) */
    if (n && atomic_load_explicit(&n->state, SC) == ML_VCPU_HALTED)
        ml_kick(t, l->threads[n->idx]);
}

/* --- preemptable ticket (Ouyang & Lange, VEE 2013) ---------------------------
 * A ticket orders the waiters; a waiter whose turn came (ticket <= head) or
 * whose timeout 2^14 x (ticket - head) spins ran out (recomputed whenever
 * head moves) competes for the lock by test-and-set on `tas`. Unlock
 * advances head and frees `tas`. */
static void pmt_acquire(ml_lock *l, ml_thread *t)
{
    (void)t;
    unsigned my = atomic_fetch_add_explicit(&l->tail, 1, RLX);
    unsigned seen = atomic_load_explicit(&l->head, ACQ) - 1; /* force a first computation */
    uint64_t left = 0;
    for (;;) {
        unsigned h = atomic_load_explicit(&l->head, ACQ);
        int dist = (int)(my - h);
        if (h != seen) {
            seen = h;
            left = dist > 0 ? (uint64_t)ML_PMT_TIMEOUT_SPINS * (unsigned)dist : 0;
        }
        if ((dist <= 0 || left == 0) && !atomic_load_explicit(&l->tas, RLX) &&
            !atomic_exchange_explicit(&l->tas, 1, ACQ))
            return;
        if (left)
            left--;
        ml_pause();
    }
}

static void pmt_release(ml_lock *l, ml_thread *t)
{
    (void)t;
    atomic_fetch_add_explicit(&l->head, 1, RLX);
    atomic_store_explicit(&l->tas, 0, REL);
}

/* --- pthread mutex (the blocking reference) -------------------------------- */

static void mtx_acquire(ml_lock *l, ml_thread *t)
{
    (void)t;
    pthread_mutex_lock(&l->mutex);
}

static void mtx_release(ml_lock *l, ml_thread *t)
{
    (void)t;
    pthread_mutex_unlock(&l->mutex);
}

/* --- registry ---------------------------------------------------------------- */

static const ml_ops ml_ticket = {"ticket", "ticket", 0, "FIFO ticket lock, spins forever",
                                 tk_acquire, tk_release};
static const ml_ops ml_tas = {"tas", "tas", 0, "test-and-test-and-set, unfair", tas_acquire,
                              tas_release};
static const ml_ops ml_mcs = {"mcs", "mcs", 0, "MCS queue lock, each waiter spins on its node",
                              mcs_acquire, mcs_release};
static const ml_ops ml_pvt = {"pv-ticket", "pv-ticket", 1,
                              "Linux 4.1 pv ticket: spin, flag, futex-wait; unlock kicks head+1",
                              pvt_acquire, pvt_release};
static const ml_ops ml_pvq = {"pvqspinlock", "pvqspinlock", 1,
                              "Linux 4.2 pvqspinlock: MCS nodes and head halt on futexes",
                              pvq_acquire, pvq_release};
static const ml_ops ml_ot = {"oticket", "oticket", 1,
                             "o-ticket: budget 2^34>>(dist-1) near the head; kicks head+1..+4",
                             ot_acquire, ot_release};
static const ml_ops ml_pmt = {"preemptable-ticket", "preemptable-ticket", 0,
                              "ticket order with timeout 2^14 x distance, then test-and-set",
                              pmt_acquire, pmt_release};
static const ml_ops ml_mutex = {"mutex", NULL, 0, "pthread mutex (blocking reference, no model)",
                                mtx_acquire, mtx_release};

const ml_ops *const ml_registry[] = {&ml_ticket, &ml_tas, &ml_mcs, &ml_pvt,
                                     &ml_pvq,    &ml_ot,  &ml_pmt, &ml_mutex};
const int ml_nops = (int)(sizeof ml_registry / sizeof ml_registry[0]);

const char *const *ml_names(void)
{
    static const char *names[sizeof ml_registry / sizeof ml_registry[0]];
    for (int i = 0; i < ml_nops; i++)
        names[i] = ml_registry[i]->name;
    return names;
}

int ml_find(const char *name)
{
    for (int i = 0; i < ml_nops; i++)
        if (!strcmp(name, ml_registry[i]->name))
            return i;
    return -1;
}

int ml_lock_init(ml_lock *l, const ml_ops *ops, int n, uint64_t spin_threshold)
{
    memset(l, 0, sizeof *l);
    l->ops = ops;
    l->n = n;
    l->spin_threshold = spin_threshold ? spin_threshold : 1;
    l->threads = vs_xcalloc((size_t)n, sizeof *l->threads);
    if (pthread_mutex_init(&l->mutex, NULL)) {
        free(l->threads);
        l->threads = NULL;
        return -1;
    }
    return 0;
}

void ml_lock_free(ml_lock *l)
{
    if (!l->threads)
        return;
    pthread_mutex_destroy(&l->mutex);
    free(l->threads);
    l->threads = NULL;
}

void ml_thread_init(ml_lock *l, ml_thread *t, int idx)
{
    memset(t, 0, sizeof *t);
    t->idx = idx;
    t->node.idx = idx;
    l->threads[idx] = t;
}

double ml_pause_ns(uint64_t rounds)
{
    /* 64 short chunks, the fastest one counts: a chunk that was preempted
     * (or whose vCPU the hypervisor descheduled) is slower, never faster. */
    atomic_uint x = 0;
    uint64_t chunk = rounds / 64 ? rounds / 64 : 1;
    double best = 0;
    for (int k = 0; k < 64; k++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (uint64_t i = 0; i < chunk; i++) {
            if (atomic_load_explicit(&x, ACQ) == 1u + (unsigned)i) /* never true */
                break;
            ml_pause();
        }
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) /
                    (double)chunk;
        if (k == 0 || ns < best)
            best = ns;
    }
    return best;
}
