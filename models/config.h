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
    int hops[CFG_MAX_SOCKETS][CFG_MAX_SOCKETS]; /* interconnect hops between sockets */
    double line_ns[DIST_NCLASS];      /* cache-line transfer cost by distance class */
    double coherence_ns;              /* extra handoff cost per additional spinner on a line */
    double migrate_ns[DIST_NCLASS];   /* cache refill after migrating a vCPU, by distance */
    int cores;                        /* use only this many pCPUs (0 = all) */
    int spread;                       /* 1: take cores round robin over sockets; 0: fill */
    double pause_cycles;              /* cycles one PAUSE spin iteration takes */
    double vmexit_ns;                 /* VM exit + entry */
    double kick_ns;                   /* kick hypercall cost paid by the kicker */
    double ipi_ns;                    /* guest IPI send cost paid by the sender */
    double wake_ns;                   /* halted vCPU -> running on an idle pCPU */
    double native_wake_ns;            /* idle core woken by an IPI on bare metal */
    double ctx_switch_ns;             /* host context switch between vCPU threads */
} host_cfg;

typedef enum hv_kind { HV_NONE, HV_PINNED, HV_CFS, HV_CREDIT, HV_COSCHED, HV_NKINDS } hv_kind;

typedef struct hv_cfg {
    hv_kind kind;             /* host scheduler */
    sim_time slice;           /* pinned / cosched: round-robin slice */
    sim_time latency;         /* cfs: sched_latency (already scaled) */
    sim_time min_gran;        /* cfs: min_granularity (already scaled) */
    sim_time wakeup_gran;     /* cfs: wakeup_granularity (already scaled) */
    sim_time balance;         /* cfs: periodic load-balance interval */
    sim_time tick;            /* cfs: scheduler tick (1 / CONFIG_HZ); 0 = exact slice ends */
    sim_time credit_slice;    /* credit: time slice */
    sim_time credit_tick;     /* credit: accounting tick */
    sim_time ratelimit;       /* credit: minimum run before preemption */
    int ple;                  /* pause-loop exiting enabled */
    double ple_window;        /* cycles of spinning before an exit */
    double ple_grow;          /* window multiplier per exit */
    double ple_window_max;    /* cap on the grown window, cycles */
    int npin;                 /* pinned: entries in pin[] (0 = vCPU i on pCPU i mod n) */
    int pin_per_vm;           /* pinned: pin[] is indexed by global vCPU (VMs in order) */
    int pin[CFG_MAX_VCPUS * 4]; /* pinned: pCPU of vCPU i (of every VM, or global index) */
} hv_cfg;

typedef struct lock_cfg {
    int algo;              /* index in the lock registry (models/locks/lock.h) */
    double spin_threshold; /* pv: PAUSE iterations before halting (2^15) */
    int window;            /* oticket: waiters within this distance of the head never halt */
    int kick_ahead;        /* oticket: extra halted waiters kicked at unlock */
    double timeout_ns;     /* preemptable-ticket: timeout per queue position, ns */
} lock_cfg;

typedef enum wl_kind { WL_LOCKLOOP, WL_SCRIPT, WL_GMAKE, WL_REPLAY, WL_NKINDS } wl_kind;

#define CFG_MAX_KLOCKS 8

/* gmake: one kernel spinlock class taken in kernel sections. */
typedef struct klock_cfg {
    char name[CFG_NAME];  /* e.g. "zone" */
    int private_lock;     /* per process: never contended, modelled as CPU time only */
    double run_weight;    /* share of the sections taken while a job runs */
    double fork_weight;   /* share of the sections at exec and exit */
    dist hold;            /* critical-section length */
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

typedef struct wl_cfg {
    wl_kind kind;    /* workload type */
    int threads;     /* lockloop: threads (0 = one per vCPU) */
    dist think;      /* lockloop: time between release and next acquire */
    dist hold;       /* lockloop: critical-section length */
    int kernel_lock; /* lockloop: the lock disables preemption (kernel spinlock) */
    int nlocks;                            /* script: named locks */
    char lock_names[CFG_MAX_LOCKS][CFG_NAME];
    int lock_kernel[CFG_MAX_LOCKS];        /* script: lock is a kernel spinlock */
    int ntasks;                            /* script: tasks */
    script_task *tasks;                    /* script: owned */
    /* gmake (models/workloads/gmake.c, docs/model.md) */
    double jobs_per_vcpu;   /* make -j = round(jobs_per_vcpu * vCPUs) */
    int instances;          /* concurrent builds in this OS */
    int compile_jobs;       /* compile jobs per build */
    dist job_cpu;           /* CPU time of one compile job outside kernel sections */
    sim_time serial_start;  /* make start-up and dependency scan, one process */
    sim_time serial_end;    /* final link, one process */
    dist kentry;            /* CPU time between two kernel sections of a running job */
    int exec_sections;      /* kernel sections when a job starts (fork, exec, faults) */
    int exit_sections;      /* kernel sections when it exits */
    sim_time spawn_delay;   /* make notices an exit and forks the next job */
    int nklocks;
    klock_cfg klocks[CFG_MAX_KLOCKS];
    /* replay (models/workloads/replay.c, docs/replay.md); also uses
     * spawn_delay, and kentry and klocks (run_weight) when nklocks > 0 */
    struct blog_graph *graph; /* the recorded job graph, owned (models/workloads/buildgraph.h) */
    int make_jobs;            /* make -j: jobs running at once */
    int repeat;               /* start the build again when it completes */
    double cpu_scale;         /* multiplies every job's CPU time */
} wl_cfg;

typedef struct vm_cfg {
    char name[CFG_NAME]; /* VM name */
    int vcpus;           /* vCPU count */
    lock_cfg lock;       /* guest kernel's spinlock algorithm */
    sim_time slice;      /* guest scheduler time slice */
    wl_cfg wl;           /* workload */
} vm_cfg;

typedef struct scenario {
    char name[128];       /* scenario name */
    uint64_t seed;        /* master seed */
    sim_time duration;    /* simulated end time */
    sim_time warmup;      /* statistics start here */
    uint64_t max_events;  /* event budget (0 = none) */
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
