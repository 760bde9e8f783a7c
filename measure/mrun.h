/* mrun.h - one real lock measurement, the machine's facts and its noise
 * (prefix mr_).
 *
 * mr_run starts T unpinned threads sharing one ml_lock. Each loops: think
 * (busy-wait think_ns of CLOCK_MONOTONIC time), acquire, hold (busy-wait
 * hold_ns), release. After warmup_s the main thread opens the measurement
 * window for duration_s; every acquisition requested inside it is counted
 * and its wait (request to acquisition) goes into the thread's own
 * log-linear histogram (no sampling, no allocation in the loop). Inside the
 * critical section every thread increments one shared counter without
 * atomics; the run fails if the counter does not equal the number of
 * critical sections (a lock that breaks mutual exclusion is caught). */
#ifndef VMSIM_MRUN_H
#define VMSIM_MRUN_H

#include <stdint.h>

#include "measure/mlock.h"
#include "sim/err.h"

/* Log-linear wait histogram: values 0..15 exactly, then 16 sub-buckets per
 * power of two (6.25 % wide). */
#define MR_HIST 976

/* One configuration to run. */
typedef struct mr_config {
    const ml_ops *ops;       /* the lock */
    int threads;             /* T, 1..ML_MAX_THREADS */
    uint64_t think_ns;       /* busy-wait between release and the next request */
    uint64_t hold_ns;        /* busy-wait inside the critical section */
    uint64_t spin_threshold; /* pv locks: spin rounds before a futex wait */
    double duration_s;       /* the measurement window */
    double warmup_s;         /* before it */
} mr_config;

/* What one run measured (all over the window unless noted). */
typedef struct mr_result {
    double window_s;       /* wall seconds of the window */
    uint64_t acquisitions; /* lock acquisitions requested in the window */
    double ops_per_s;      /* acquisitions / window_s */
    double wait_mean_ns;   /* exact mean wait */
    double wait_p50_ns;    /* median wait (histogram bucket mid-point) */
    double wait_p99_ns;    /* 99th percentile wait (bucket mid-point) */
    double wait_max_ns;    /* largest wait */
    double fairness;       /* min over threads of share x T (1 = perfectly fair) */
    double *shares;        /* T shares of the acquisitions, summing to 1 (owned) */
    int nshares;           /* T */
    uint64_t halts;        /* futex waits in the lock code */
    uint64_t kicks;        /* futex wakes in the lock code */
    uint64_t vol_cs;       /* voluntary context switches of the lock threads */
    uint64_t invol_cs;     /* involuntary context switches */
    double cpu_s;          /* CPU time of the lock threads (user + sys) */
    double user_s, sys_s;  /* the process's user and system time in the window */
    double busy_cpu_s;     /* busy CPU time of the whole machine (/proc/stat) */
    double own_cpu_s;      /* this process's CPU time in the window */
    double foreign_share;  /* (busy - own) / (online CPUs x window_s), in [0, 1] */
} mr_result;

/* Runs c. Returns 0 and fills r (free with mr_result_free), or -1 with err
 * (internal: threads that cannot be created, broken mutual exclusion, or
 * threads still inside the lock 60 s after the window - a hung lock, whose
 * memory is then leaked because its threads still run). */
int mr_run(const mr_config *c, mr_result *r, vs_err *err);
void mr_result_free(mr_result *r);

/* Histogram bucket of a wait in ns, and a bucket's representative value. */
int mr_bucket(uint64_t ns);
double mr_bucket_mid(int b);

/* Machine facts (strings empty / numbers -1 when unknown). */
typedef struct mr_machine {
    int ncpu_online;          /* sysconf(_SC_NPROCESSORS_ONLN) */
    int ncpu_avail;           /* CPUs in this process's affinity mask */
    char kernel[128];         /* uname -r */
    char machine[64];         /* uname -m */
    char cpu_model[256];      /* /proc/cpuinfo "model name" */
    double cpu_mhz;           /* /proc/cpuinfo "cpu MHz" of the first CPU */
    int hz;                   /* CONFIG_HZ */
    char hz_source[128];      /* where hz came from */
    char clocksource[64];     /* current_clocksource */
    char preempt[64];         /* /sys/kernel/debug/sched/preempt, if readable */
    int nknobs;               /* scheduler knobs read */
    char knob_name[64][96];   /* their file names */
    char knob_value[64][64];  /* their contents (first line) */
    double pause_ns;          /* measured ns per spin round {load, PAUSE} */
    double clock_ns;          /* measured ns per clock_gettime(CLOCK_MONOTONIC) */
} mr_machine;

/* Reads every fact it can; never fails (unknown facts stay empty/-1).
 * Measures the PAUSE round and the clock read (about 0.1 s). */
void mr_machine_read(mr_machine *m);

/* Aggregate CPU line of /proc/stat, in seconds. */
typedef struct mr_cpustat {
    double busy_s;  /* user nice system irq softirq steal */
    double idle_s;  /* idle iowait */
} mr_cpustat;
/* Reads /proc/stat; -1 when unreadable. */
int mr_cpustat_read(mr_cpustat *s);
/* Share of the machine idle over the next `seconds` (sleeps); -1 unknown. */
double mr_idle_share(double seconds);

/* CLOCK_MONOTONIC in ns. */
uint64_t mr_now_ns(void);

#endif
