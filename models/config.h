/* config.h - the plain-data description of one run.
 *
 * config/scenario.c fills these structs from a scenario JSON document (units
 * resolved to ns, every value validated); models/ builds the world from them
 * and never reads JSON. What they own is freed here (models/config.c), so
 * models/ needs nothing from config/. Where a default comes from is documented in
 * docs/scenario-format.md and docs/model.md. */
#ifndef VMSIM_CONFIG_H
#define VMSIM_CONFIG_H

#include <stdint.h>

#include "models/variant.h"
#include "sim/dist.h"
#include "sim/evq.h"

#define CFG_MAX_SOCKETS 64
#define CFG_MAX_CORES 4096
#define CFG_MAX_VMS 256
#define CFG_MAX_VCPUS 1024
#define CFG_MAX_THREADS 65536
#define CFG_MAX_LOCKS 32
#define CFG_NAME 64

/* Distance classes between two hardware threads, for cache-line transfer
 * and migration costs. */
enum { DIST_SAME_CORE, DIST_SAME_SOCKET, DIST_ONE_HOP, DIST_TWO_HOPS, DIST_NCLASS };

typedef struct host_cfg {
    char name[CFG_NAME];              /* preset or scenario name of the host */
    int sockets;                      /* sockets (NUMA nodes) */
    int cores_per_socket;             /* physical cores per socket */
    int smt;                          /* hardware threads per core (1 or 2) */
    double ghz;                       /* core clock, for cycle -> ns conversion */
    double cpu_speed;                 /* guest CPU work runs this much faster than the
                                         workload's times say (1 = as written) */
    int hops[CFG_MAX_SOCKETS][CFG_MAX_SOCKETS]; /* interconnect hops between sockets */
    double line_ns[DIST_NCLASS];      /* cache-line transfer cost by distance class */
    double coherence_ns;              /* extra handoff cost per additional spinner on a line */
    double migrate_ns[DIST_NCLASS];   /* cache refill after migrating a vCPU, by distance */
    int cores;                        /* use only this many pCPUs (0 = all) */
    int spread;                       /* 1: take cores round robin over sockets; 0: fill */
    double pause_cycles;              /* cycles one PAUSE spin iteration takes */
    double vmexit_ns;                 /* VM exit + entry */
    double kick_ns;                   /* kick hypercall cost paid by the kicker */
    double pv_scan_ns;                /* pv-ticket unlock: per registered waiter scanned in waiting_cpus */
    double ipi_ns;                    /* guest IPI send cost paid by the sender */
    double wake_ns;                   /* halted vCPU -> running on an idle pCPU */
    double native_wake_ns;            /* idle core woken by an IPI on bare metal */
    double ctx_switch_ns;             /* host context switch between vCPU threads */
    double resched_ipi_ns;            /* a reschedule IPI to another pCPU until its scheduler runs */
    double switch_refill_ns;          /* private-cache refill of a task resuming where another ran */
} host_cfg;

/* The host scheduler and its parameters. The variant's own parameters
 * (slices, CFS tunables, credit periods) are in `par`, defined and defaulted
 * in the scheduler's file (models/host/hv_*.c); PLE is the vCPU layer's
 * (models/vcpu.c) and applies to every scheduler but bare metal. */
typedef struct hv_cfg {
    const variant *sched;     /* host scheduler (models/host/hv.c registry) */
    vparams par;              /* its parameters */
    int ple;                  /* pause-loop exiting enabled */
    double ple_window;        /* cycles of spinning before an exit */
    double ple_grow;          /* window multiplier per exit */
    double ple_window_max;    /* cap on the grown window, cycles */
    int ple_dy;               /* PLE handler skips a candidate spinning itself every other time (dy_eligible) */
    double ple_scan_ns;       /* PLE handler's cost per vCPU examined when no yield follows */
    int ple_kernel_only;      /* PLE handler yields only to vCPUs preempted in guest kernel mode (4.14+) */
    int ple_user;             /* user-mode spinners exit too (AMD pause filter); 0: VT-x, CPL 0 only */
    int kick_yield;           /* KVM_HC_KICK_CPU also yields to the kicked vCPU (queue-head boost) */
    int npin;                 /* pinned: entries in pin[] (0 = vCPU i on pCPU i mod n) */
    int pin_per_vm;           /* pinned: pin[] is indexed by global vCPU (VMs in order) */
    int pin[CFG_MAX_VCPUS * 4]; /* pinned: pCPU of vCPU i (of every VM, or global index) */
} hv_cfg;

/* A guest's spinlock algorithm and its parameters (defined and defaulted
 * in the algorithm's file, models/locks/). */
typedef struct lock_cfg {
    const variant *algo;   /* lock algorithm (models/locks/registry.c) */
    vparams par;           /* its parameters */
} lock_cfg;

#define CFG_MAX_KLOCKS 8

/* How many instances of a kernel lock class an OS has (gmake's
 * kernel_locks[].scope; replay knows only KS_OS and KS_PROCESS). */
typedef enum klock_scope {
    KS_OS,      /* one lock for the whole OS (tasklist_lock) */
    KS_NODE,    /* one per NUMA node the OS sees; a CPU takes its node's (zone->lock) */
    KS_BUILD,   /* one per build instance (the hot dentries of its source tree) */
    KS_PROCESS, /* per process: never contended, modelled as CPU time only */
} klock_scope;

/* gmake, replay: one kernel spinlock class taken in kernel sections. */
typedef struct klock_cfg {
    char name[CFG_NAME];  /* e.g. "zone" */
    int private_lock;     /* per process (scope KS_PROCESS): never contended, CPU time only */
    int scope;            /* klock_scope */
    double run_weight;    /* share of the sections taken while a job runs */
    double fork_weight;   /* share of the sections at exec and exit */
    dist hold;            /* critical-section length */
    int irqs_off;         /* taken with interrupts disabled: a pv halt in its wait is halt(),
                           * which the guest's timer tick does not end (models/locks/lock.h) */
} klock_cfg;

#define CFG_MAX_SCRIPT_TASKS 4096
#define CFG_MAX_SCRIPT_STEPS 1024

typedef enum script_op { SOP_COMPUTE, SOP_LOCK, SOP_UNLOCK, SOP_SLEEP } script_op;

typedef struct script_step {
    script_op op;  /* what to do */
    sim_time ns;   /* compute / sleep: duration */
    int lock;      /* lock / unlock: index in wl_cfg.lock_names */
} script_step;

typedef struct script_task {
    int vcpu;            /* vCPU it is bound to (-1: any) */
    sim_time start;      /* when it becomes runnable */
    int repeat;          /* loop over the steps forever */
    int nsteps;
    script_step *steps;  /* owned */
} script_task;

/* A workload: its variant, its scalar and distribution parameters (`par`,
 * defined in the workload's file, models/workloads/), and the structured
 * values the loader parses for the workloads that declare them (VP_CUSTOM
 * keys: script's locks and tasks, the kernel lock classes of gmake and
 * replay, replay's job graph). */
typedef struct wl_cfg {
    const variant *type;   /* workload (models/workloads/wl.c registry) */
    vparams par;           /* its parameters */
    int nlocks;                            /* script: named locks */
    char lock_names[CFG_MAX_LOCKS][CFG_NAME];
    int lock_kernel[CFG_MAX_LOCKS];        /* script: lock is a kernel spinlock */
    int lock_irqs_off[CFG_MAX_LOCKS];      /* script: ... taken with interrupts disabled */
    int ntasks;                            /* script: tasks */
    script_task *tasks;                    /* script: owned */
    int nklocks;                           /* gmake, replay: kernel lock classes */
    klock_cfg klocks[CFG_MAX_KLOCKS];
    struct blog_graph *graph; /* replay: the recorded job graph, owned (models/workloads/buildgraph.h) */
} wl_cfg;

typedef struct vm_cfg {
    char name[CFG_NAME]; /* VM name */
    int vcpus;           /* vCPU count */
    lock_cfg lock;       /* guest kernel's spinlock algorithm */
    sim_time slice;      /* guest scheduler time slice */
    int numa_nodes;      /* NUMA nodes the guest OS sees: >= 1, or 0 = the host's (the
                            sockets its CPUs span); -1 = default: 0 on bare metal, 1 in a VM */
    sim_time tick;       /* guest timer tick (1/CONFIG_HZ) waking vCPUs halted in a pv lock wait; 0 = none */
    wl_cfg wl;           /* workload */
} vm_cfg;

typedef struct scenario {
    char name[128];       /* scenario name */
    uint64_t seed;        /* master seed */
    sim_time duration;    /* simulated end time */
    sim_time warmup;      /* statistics start here */
    uint64_t max_events;  /* event budget (0 = none) */
#define BATCH_MAX 1000 /* batches at most */
    int batches;          /* batch means: the measurement window in this many equal batches
                             (0: none; analysis/batches.h) */
    host_cfg host;
    hv_cfg hv;
    int nvms;
    vm_cfg *vms;          /* nvms entries, owned */
} scenario;

/* Frees what a workload config owns (distributions, script steps, the job
 * graph) and leaves it empty; freeing twice is fine. Can't fail. */
void wl_cfg_free(wl_cfg *wl);
/* Frees what a scenario owns (vms and their workloads). Can't fail. */
void scenario_free(scenario *sc);

#endif
