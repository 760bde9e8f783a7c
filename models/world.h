/* world.h - the runtime state of one simulated run and its entities.
 *
 * Layers, bottom up: pCPUs (topology) run vCPUs under a host scheduler
 * (models/host); each vCPU runs the guest tasks its VM's guest scheduler puts
 * on it (models/guest); tasks execute a workload (models/workloads) that
 * takes guest spinlocks (models/locks). On bare metal (host scheduler "none")
 * the one VM's vCPUs are the cores themselves, so the same code runs native.
 *
 * Progress model: a task's activity (computing, spinning, taking over a lock)
 * advances only while its vCPU is RUNNING and the task is that vCPU's
 * current task. Each vCPU has at most one pending "progress" event: the next
 * milestone of its current activity. Whenever anything changes, the vCPU
 * layer first settles (charges elapsed time to the activity) and then
 * re-arms the event (vcpu_settle / vcpu_arm in models/vcpu.h). */
#ifndef VMSIM_WORLD_H
#define VMSIM_WORLD_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

#include "models/config.h"
#include "sim/evq.h"
#include "sim/stats.h"

typedef struct world world;
typedef struct vm vm;
typedef struct vcpu vcpu;
typedef struct task task;
typedef struct pcpu pcpu;
typedef struct lock lock;
struct obs_event;
struct hv_client;
struct vcpu_ops;
struct lock_env;

/* Host-side state of a vCPU thread. */
typedef enum vcpu_hstate { VH_RUNNING, VH_RUNNABLE, VH_HALTED } vcpu_hstate;

/* What a task is doing. */
typedef enum task_act {
    TA_NONE,  /* between steps (never seen by the vCPU layer) */
    TA_WORK,  /* computing: `left` ns of CPU time remain */
    TA_SPIN,  /* waiting for `wlock`, spinning (or halted if `pv_halted`) */
    TA_ACQ,   /* granted `wlock`; `left` ns of transfer cost remain */
    TA_BLOCK, /* blocked (sleeping), not on any run queue */
    TA_DEAD,
    TA_IPI    /* sent a synchronous IPI, spinning until every target acked
               * (`ipi_left`; models/ipi.h); like TA_SPIN it burns the vCPU
               * and PLE can fire, but no lock is involved */
} task_act;

#define TASK_MAX_HELD 8
/* A spin budget (or any duration) that never runs out. */
#define TASK_SPIN_INF (INT64_MAX / 4)

struct task {
    int id;                /* index in vm->tasks */
    vm *vm;                /* owning VM */
    vcpu *vc;              /* vCPU it is queued on or running on (NULL when blocked) */
    task_act act;          /* current activity */
    sim_time left;         /* TA_WORK / TA_ACQ: ns remaining */
    sim_time work_user;    /* TA_WORK: the step's last work_user ns are guest user mode
                            * (the rest, and every other activity, kernel mode) */
    lock *wlock;           /* TA_SPIN / TA_ACQ: the lock waited for */
    int wpos;              /* ticket number in wlock's FIFO queue */
    int spin_counted;      /* counted in wlock->nspin (spinning on a running vCPU) */
    struct {
        int timed_out;     /* preemptable-ticket: waited past its timeout */
    } pt;                  /* lock-algorithm private state of a waiter */
    struct {
        sim_time budget;   /* oticket: spin budget per round, from the distance at arrival */
    } ot;
    int pv_halted;         /* spinning waiter has halted its vCPU (pv wait) */
    sim_time spin_left;    /* ns of spinning before the lock's spin timeout */
    sim_time wait_start;   /* when the current lock request started */
    int preempt_count;     /* > 0: the guest may not switch it out */
    int need_resched;      /* slice expired while non-preemptible */
    sim_time slice_used;   /* guest: CPU time used in the current slice */
    int nheld;             /* locks held */
    int cache_pc;          /* pCPU it last executed on since it started (-1: not yet) */
    sim_time cache_e;      /* that pCPU's exec_ns when it stopped executing there */
    sim_time refill_due;   /* refill owed but deferred while it only waited (models/guest.c) */
    lock *held[TASK_MAX_HELD];
    int on_rq;             /* queued on vc's run queue */
    task *rq_next;         /* run-queue link */
    sim_time overhead;     /* CPU time owed before the next computation (kicks sent) */
    int affinity;          /* vCPU index it must run on, -1 = any */
    sim_time wl_budget;    /* workload-private: CPU time left */
    int wl_count;          /* workload-private counter */
    int wl_lock;           /* workload-private: lock of the current section */
    int wl_inst;           /* workload-private: which instance of that lock */
    sim_time wl_nominal;   /* workload-private: nominal CPU this process stands for */
    task *wl_next;         /* workload-private list link (free lists) */
    int phase;             /* workload-private step counter */
    int wl_data;           /* workload-private */
    int ipi_left;          /* TA_IPI: targets that have not acked yet */
    sim_time ipi_start;    /* TA_IPI: when the IPI was sent */
    sim_time ipi_until;    /* TA_IPI: when the latest handler so far finishes */
    sim_time ipi_handler;  /* TA_IPI: handler CPU time on each target */
    gsl_rng *rng;          /* the task's own stream */
};

struct vcpu {
    int id;                 /* index within its VM */
    int gid;                /* global index over all VMs */
    vm *vm;                 /* owning VM */
    vcpu_hstate hs;         /* host state */
    pcpu *pc;               /* pCPU running it (NULL unless VH_RUNNING) */
    int last_pcpu;          /* pCPU it last ran on (-1 never) */
    task *cur;              /* current guest task, NULL = guest idle */
    task *rq_head, *rq_tail;/* guest run queue of runnable tasks (not cur) */
    int nrq;                /* tasks on the run queue */
    ev_id ev;               /* pending progress event */
    sim_time seg_start;     /* progress of the current segment counts from here */
    sim_time since;         /* when hs last changed (accounting) */
    int preempted;          /* descheduled while runnable (for directed yield) */
    int pre_kernel;         /* when last preempted: in guest kernel mode (CPL 0, vcpu_in_kernel;
                             * recorded only under hypervisor.ple.kernel_mode_only) */
    int dy_eligible;        /* PLE: toggles while in_ple (spin_loop.dy_eligible) */
    int in_ple;             /* PLE: descheduled inside its own exit's handler, by its
                             * directed yield (spin_loop.in_spin_loop) */
    double ple_window;      /* current PLE window, cycles */
    sim_time ple_left;      /* ns of spinning until the next PLE exit */
    int wake_pending;       /* a wake-up is in flight (no double wakes) */
    int waker_pcpu;         /* the pCPU that in-flight wake-up was issued on (a kick's or an
                             * IPI's sender), -1 none: the host's wake_affine (hv_cfs.c) */
    uint64_t *ipi_pend;     /* synchronous IPIs not yet handled here: bit i = the sender
                             * on vCPU i of the VM (models/ipi.c; NULL until the VM sends one) */
    int ipi_npend;          /* bits set in ipi_pend */
    ev_id gtick_ev;         /* guest: the next timer tick while halted in a pv lock wait */
    sim_time gtick_phase;   /* guest: its ticks fall at phase + k x vm tick_ns */
    /* host-scheduler private state, one named part per scheduler */
    struct {
        int64_t vruntime;   /* virtual runtime, ns */
        int64_t deadline;   /* eevdf: virtual deadline, ns of vruntime */
        int64_t vlag;       /* eevdf: lag kept while blocked (average - vruntime) */
        int64_t vprot;      /* eevdf: protected from preemption while vruntime < this */
        int64_t poll_win;   /* KVM adaptive halt polling (4.3+): this vCPU's window, ns */
        sim_time halt_at;   /* when it last halted (adaptive halt polling) */
        sim_time out_at;    /* when it last stopped running (task_hot: p->se.exec_start) */
    } cfs;
    struct {
        int64_t credit;     /* credits, ns of allowance */
        int prio;           /* BOOST/UNDER/OVER */
    } cr;
    struct {
        int home;           /* pCPU index */
    } pin;
    vcpu *hq_next;          /* host run-queue link (shared helpers, hv.h) */
    int on_hq;              /* on a host run queue */
    int hq_pcpu;            /* which pCPU's queue */
    /* accounting (ns and counts, measurement window only) */
    sim_time t_run, t_steal, t_halt, t_spin, t_refill;
    uint64_t n_preempt, n_halt, n_kick, n_ple, n_dy, n_migrate, n_poll, n_tick, n_refill;
    gsl_rng *rng;
};

/* Locks of one VM (or bare-metal OS) at most: the script workload's named
 * locks, or gmake's lock classes times their instances (per NUMA node, per
 * build). */
#define VM_MAX_LOCKS 256

struct vm {
    int id;
    vm_cfg cfg;            /* its configuration (copied) */
    int nvcpus;
    vcpu *vcpus;
    int ntasks, cap_tasks;
    task **tasks;
    int nlocks;
    lock *locks[VM_MAX_LOCKS];
    int last_boosted;      /* PLE directed yield round robin */
    uint64_t *pre_bits;    /* bitmap of vCPUs preempted while runnable (PLE candidates) */
    uint64_t *pvh_bits;    /* bitmap of vCPUs whose current task is pv-halted
                            * (kvm_unlock_kick's waiting_cpus: lock_pv_scan) */
    uint64_t ops;          /* workload operations completed (window) */
    double work;           /* workload units completed (window; gmake: builds) */
    int tenants;           /* independent workload instances (per-tenant figures) */
    int fold;              /* scenario VMs folded into this one OS as tenants (bare metal), else 1 */
    void *wl_state;        /* workload-private */
    /* synchronous IPIs (models/ipi.c), measurement window */
    uint64_t ipi_calls;    /* IPIs sent (one per call, to many targets) */
    uint64_t ipi_targets;  /* targets that had to ack */
    uint64_t ipi_late;     /* targets not running at delivery (preempted or halted) */
    uint64_t ipi_skipped;  /* preempted targets skipped (pv TLB flush) */
    uint64_t ipi_yields;   /* pv sched yield hypercalls to a preempted target */
    uint64_t ipi_ple;      /* PLE exits of senders waiting for acks */
    stat_acc ipi_wait;     /* send -> last ack, ns */
    /* The workload's step function and name, installed by world_new: the
     * guest steps tasks through it without knowing the workloads above it. */
    void (*wl_step)(world *w, task *t);
    const char *wl_name;
};

struct pcpu {
    int id;                /* index among used pCPUs */
    int hw;                /* hardware core index in the full host */
    int socket;            /* NUMA node */
    int core;              /* core index within its socket */
    vcpu *cur;             /* running vCPU or NULL (idle) */
    sim_time exec_ns;      /* time anything executed here since the start, up to `since`
                            * while a vCPU runs (not windowed: the switch refill's clock) */
    vcpu *rq_head, *rq_tail;/* host run queue (scheduler-private use) */
    int nrq;
    ev_id tick;            /* scheduler timer */
    struct {
        int64_t min_vr;        /* the queue's min_vruntime */
        sim_time exec_start;   /* cur's vruntime is charged up to here */
        sim_time tick_phase;   /* this pCPU's scheduler ticks fall at phase + k * tick */
        int bg;                /* a background burst (not a vCPU) occupies the pCPU */
        vcpu *left;            /* first queued vCPU (queue order) with the least vruntime */
        vcpu *poll;            /* a halted vCPU whose thread still polls here (halt_poll_ns) */
        ev_id poll_ev;         /* the end of its poll window */
        vcpu *buddy;           /* yield_to's next buddy, waiting for the reschedule IPI */
        ev_id resched_ev;      /* that IPI's arrival (0: none in flight) */
        sim_time avg_idle;     /* rq->avg_idle: mean idle period (idle_balance's gate) */
        sim_time idle_stamp;   /* rq->idle_stamp: when it last went idle, -1 = not since */
    } cfs;                 /* cfs-private state */
    sim_time since;        /* cur started here (slice accounting) */
    sim_time busy;         /* ns with a vCPU on it (window) */
};

typedef struct hv_ops hv_ops;

struct world {
    ev_sim sim;            /* must stay first: see world_of */
    const scenario *sc;    /* configuration (borrowed) */
    sim_time warmup;       /* statistics count from here */
    int npcpus;
    pcpu *pcpus;
    const hv_ops *hv;      /* host scheduler */
    void *hv_state;        /* its private state */
    int nvms;
    vm *vms;
    int nvcpus;            /* over all VMs */
    vcpu **all_vcpus;
    gsl_rng *rng;          /* world-level stream (host scheduler decisions) */
    void (*obs)(world *w, const struct obs_event *e, void *ctx); /* observer or NULL */
    void *obs_ctx;         /* observer's context */
    /* The seams between the layers, each installed by the layer above
     * (models/run.c calls vcpu_install, then guest_install): */
    const struct hv_client *hvc; /* vCPU layer, told by the host scheduler (models/host/hv.h) */
    const struct vcpu_ops *vops; /* guest, told of vCPU milestones (models/vcpu.h) */
    const struct lock_env *lenv; /* guest services the locks use (models/locks/lock.h) */
};

/* The world an event handler runs in (sim is the world's first member). */
static inline world *world_of(ev_sim *sim) { return (world *)sim; }

/* 1 if task t is executing: current on a RUNNING vCPU (possibly stalled). */
static inline int task_executing(const task *t)
{
    return t->vc && t->vc->cur == t && t->vc->hs == VH_RUNNING;
}

/* Brings vc's bit in its VM's pvh_bits up to date; called wherever vc->cur
 * or a current task's pv_halted changes. */
static inline void vcpu_pvh_mark(vcpu *vc)
{
    uint64_t bit = 1ull << (vc->id & 63), *word = &vc->vm->pvh_bits[vc->id >> 6];
    if (vc->cur && vc->cur->pv_halted)
        *word |= bit;
    else
        *word &= ~bit;
}

/* 1 once the warm-up period is over. */
static inline int world_measuring(const world *w) { return w->sim.now >= w->warmup; }
/* Part of [a, b) after warm-up. */
static inline sim_time world_window(const world *w, sim_time a, sim_time b)
{
    if (a < w->warmup)
        a = w->warmup;
    return b > a ? b - a : 0;
}

#endif
