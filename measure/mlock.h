/* mlock.h - real user-space locks for `vmsim measure` (prefix ml_).
 *
 * The lock algorithms of MODEL.md sections 2 and 2a written for threads of
 * one process with C11 atomics and Linux futexes, so that a real machine
 * can be measured with the same algorithms the simulator models. A "vCPU"
 * of the kernel code is a thread here; a halt is a futex wait on the
 * thread's own kick word and a kick (KVM_HC_KICK_CPU) is an increment of
 * that word plus a futex wake:
 *
 *   halt:  seq = kick; publish "I am halting"; re-check; futex_wait(kick, seq)
 *   kick:  kick++; futex_wake(kick, 1)
 *
 * A kick that lands between the read of seq and the futex wait makes the
 * wait return at once, as KVM's pv_unhalted flag makes a HLT return, so no
 * wake-up is lost. Every futex wait is counted as a halt and every futex
 * wake as a kick, per thread (no shared counters).
 *
 * Algorithms (ml_find names): ticket, tas, mcs, pv-ticket, pvqspinlock,
 * oticket, preemptable-ticket, mutex. Each lives behind ml_ops; adding one
 * is one ops table in mlock.c and one line in its registry.
 *
 * Use: ml_lock_init once, ml_thread_init once per thread (index 0..n-1,
 * before any thread takes the lock), then ml_acquire/ml_release from the
 * thread that owns the ml_thread. A thread holds at most one lock at a time.
 * Invariants: at most one thread is between ml_acquire's return and
 * ml_release; threads[] holds the n registered threads. */
#ifndef VMSIM_MLOCK_H
#define VMSIM_MLOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#define ML_MAX_THREADS 1024
#define ML_LINE 64 /* cache line size used for padding */
/* Linux SPIN_THRESHOLD (arch/x86/include/asm/spinlock.h, qspinlock_paravirt.h). */
#define ML_SPIN_THRESHOLD_DEFAULT (1u << 15)
/* o-ticket constants (Kashyap et al. 2015, fig. 5; MODEL.md 2a). */
#define ML_OT_SPIN_MAX_SHIFT 34     /* SPIN_MAX_THRESHOLD = 2^34 */
#define ML_OT_QUEUE_WAIT 18         /* TICKET_QUEUE_WAIT */
#define ML_OT_WAKEUP_NCPU 4         /* OPPORTUNISTIC_WAKEUP_NCPU */
/* Preemptable ticket (Ouyang & Lange 2013): timeout 2^14 spins per position. */
#define ML_PMT_TIMEOUT_SPINS (1u << 14)

struct ml_thread;

/* An MCS / qspinlock queue node; one per thread. */
typedef struct ml_qnode {
    _Atomic(struct ml_qnode *) next; /* successor in the queue, NULL if none yet */
    atomic_int locked;               /* 1: the predecessor passed headship (or the lock) */
    atomic_int state;                /* pvqspinlock: ML_VCPU_RUNNING or ML_VCPU_HALTED */
    int idx;                         /* owning thread's index */
} ml_qnode;

/* Per-thread lock state: what a vCPU's per-cpu variables hold in the kernel. */
typedef struct ml_thread {
    _Alignas(ML_LINE) atomic_uint kick; /* futex word: incremented by every kick */
    atomic_int waiting;   /* pv-ticket/oticket: in the waiting_cpus mask */
    atomic_uint want;     /* pv-ticket/oticket: the ticket it waits for (klock_waiting.want) */
    int idx;              /* index 0..n-1 */
    uint64_t halts;       /* futex waits issued (halts) */
    uint64_t kicks;       /* futex wakes issued (kicks) */
    _Alignas(ML_LINE) ml_qnode node; /* mcs, pvqspinlock */
} ml_thread;

typedef struct ml_lock ml_lock;

/* One algorithm. */
typedef struct ml_ops {
    const char *name;    /* as on the command line */
    const char *model;   /* the vmsim guest.lock.algorithm it corresponds to, NULL if none */
    int pv;              /* halts and kicks (futex) */
    const char *summary; /* one line for --help */
    void (*acquire)(ml_lock *l, ml_thread *t);
    void (*release)(ml_lock *l, ml_thread *t);
} ml_ops;

/* The lock. Fields used by each algorithm are noted; the rest stay zero. */
struct ml_lock {
    const ml_ops *ops;          /* algorithm */
    uint64_t spin_threshold;    /* pv locks: PAUSE rounds before halting */
    int n;                      /* registered threads */
    ml_thread **threads;        /* n entries (owned array, threads not owned) */
    /* ticket: tail and head; pv-ticket/oticket: head (low 32 bits, bit 0 the
     * slow flag) and tail (high 32 bits) in one word, as arch_spinlock_t. */
    _Alignas(ML_LINE) _Atomic uint64_t word;
    atomic_uint head;           /* ticket, preemptable-ticket: now serving */
    atomic_uint tail;           /* ticket, preemptable-ticket: next ticket */
    atomic_int tas;             /* tas, preemptable-ticket: the test-and-set word */
    /* mcs: the queue tail; pvqspinlock: val (locked byte 0-7, tail 16-31). */
    _Alignas(ML_LINE) _Atomic(ml_qnode *) mcs_tail;
    atomic_uint qval;
    _Atomic(ml_qnode *) hashed; /* pvqspinlock: the node hashed for a slow lock */
    pthread_mutex_t mutex;      /* mutex */
};

/* Registry index of `name`, or -1. */
int ml_find(const char *name);
/* The registry: ml_nops entries. */
extern const ml_ops *const ml_registry[];
extern const int ml_nops;
/* Names of all algorithms, for suggestions; ml_nops entries. */
const char *const *ml_names(void);

/* Initialises lock l for algorithm ops and n threads (1..ML_MAX_THREADS).
 * Returns 0, or -1 when the mutex cannot be initialised. Free with ml_lock_free. */
int ml_lock_init(ml_lock *l, const ml_ops *ops, int n, uint64_t spin_threshold);
void ml_lock_free(ml_lock *l);
/* Registers thread t as index idx (0..n-1) and zeroes its counters. */
void ml_thread_init(ml_lock *l, ml_thread *t, int idx);

static inline void ml_acquire(ml_lock *l, ml_thread *t) { l->ops->acquire(l, t); }
static inline void ml_release(ml_lock *l, ml_thread *t) { l->ops->release(l, t); }

/* One spin round's relaxation: PAUSE on x86, YIELD on arm64. */
static inline void ml_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

/* Duration of one spin round {atomic load, ml_pause} in ns, measured over
 * `rounds` rounds in 64 chunks; the fastest chunk counts, so preemptions do
 * not inflate it. Can't fail. */
double ml_pause_ns(uint64_t rounds);

#endif
