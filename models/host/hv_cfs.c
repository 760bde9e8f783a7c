/* cfs: Linux CFS as it schedules QEMU vCPU threads (kernel/sched/fair.c,
 * 3.x/4.x), simplified:
 *  - one run queue per pCPU; equal weights, so vruntime is CPU time;
 *  - the current thread runs for its ideal slice max(sched_latency / nr,
 *    min_granularity), then the runnable thread with the least vruntime runs;
 *    the check happens at the pCPU's first scheduler tick after the slice
 *    end (check_preempt_tick runs from the tick), each pCPU's ticks at its
 *    own random phase, so pCPUs do not switch in lockstep (tick_ns = 0
 *    checks exactly at the slice end);
 *  - a waking thread gets vruntime max(own, min_vruntime - latency/2)
 *    (GENTLE_FAIR_SLEEPERS) and preempts the current one if that one's
 *    vruntime is ahead by more than wakeup_granularity;
 *  - wake-up placement: the last pCPU if idle, else an idle pCPU on the same
 *    socket (select_idle_sibling in the LLC), else the last pCPU's queue;
 *    with wake_affine on (off by default), a wake-up a running vCPU issues
 *    (a pv kick, an IPI) starts from the waker's pCPU instead when 4.1's
 *    load rule says so (cfs_affine: only if the wakee's last pCPU holds two
 *    or more threads); a pCPU whose halted vCPU still polls (KVM halt
 *    polling, halt_poll_ns, below) is not idle;
 *  - load balancing: an idle pCPU pulls a waiting thread from the busiest
 *    queue (same socket first); every `balance` ns one pass moves waiting
 *    threads from the busiest to the least busy queue while they differ by
 *    two or more. Migrations pay the NUMA-dependent refill cost in vcpu.c.
 *    cfs with migration_cost_ns > 0 (sysctl_sched_migration_cost, 4.1's
 *    idle_balance and can_migrate_task): a pCPU going idle pulls only if its
 *    average idle period (avg_idle: 1/8 of each new period, sampled when a
 *    thread is woken onto it, capped at twice the cost, starting there) is
 *    at least the cost, and only a thread that last ran at least the cost
 *    ago (task_hot); the periodic pass ignores both;
 *  - directed yield (yield_to): the target runs on its pCPU if its vruntime
 *    is within wakeup_granularity of the leftmost there (the next buddy
 *    rule), and the yielding thread gives way to whatever waits on its own
 *    queue; on the yielder's own pCPU at once, on another one when the
 *    reschedule IPI arrives (resched_curr: host.costs.resched_ipi_ns later,
 *    the rule checked then, the latest buddy set winning; 0 = at once).
 *
 * eevdf: the same queues, ticks, placement and balancing with the policy
 * that replaced CFS's in Linux 6.6 (kernel/sched/fair.c, EEVDF, as of 6.12 to
 * 6.18 with the default features RUN_TO_PARITY, PLACE_LAG, DELAY_DEQUEUE):
 *  - every thread has a virtual deadline, vruntime + base_slice when it is
 *    placed or its deadline is reached (update_deadline); the tick that
 *    finds the deadline reached sets the next one and reschedules;
 *  - a thread is eligible when its vruntime is at most the queue's average
 *    (avg_vruntime, the running thread included); the scheduler runs the
 *    eligible thread with the earliest deadline (pick_eevdf), the running
 *    thread protected until the deadline it had when picked (vprot,
 *    RUN_TO_PARITY) unless it is no longer eligible;
 *  - a thread that blocks keeps its lag (average - vruntime, clamped to
 *    +-max(2 slices, tick)); on wake-up it is placed at average - lag,
 *    scaled by (n + 1) / n (place_entity, PLACE_LAG), deadline one slice on;
 *    a sleeper's negative lag is kept (DELAY_DEQUEUE without the delayed
 *    entity itself: sleeps on a lock are short);
 *  - wake-up preemption (check_preempt_wakeup_fair): the waking thread runs
 *    at once if it is now the pick, i.e. if the running one is past its
 *    deadline or not eligible; no wakeup_granularity;
 *  - yield_to: NEXT_BUDDY is off by default, so the target gets nothing;
 *    the yielding thread's deadline moves one slice on (yield_task_fair) and
 *    it gives way if another thread is then the pick;
 *  - migration keeps lag and relative deadline. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include <stdlib.h>

#include <math.h>
#include <stddef.h>

#include "models/host/hv.h"

/* Parameters (docs/scenario-format.md, hypervisor): the kernel/sched/fair.c
 * defaults of Linux 3.x/4.x - sysctl_sched_latency 6 ms,
 * sysctl_sched_min_granularity 0.75 ms, sysctl_sched_wakeup_granularity
 * 1 ms - each scaled, as the kernel does (SCHED_TUNABLESCALING_LOG), by
 * 1 + ilog2(min(ncpus, 8)) with ncpus the pCPUs in use: 24, 3 and 4 ms on 8
 * or more (MODEL.md section 3). The 4 ms tick is CONFIG_HZ=250 [est]. */
typedef struct cfs_params {
    double latency_ns;     /* sched_latency as given, then scaled (check) */
    double min_gran_ns;    /* min_granularity, likewise */
    double wakeup_gran_ns; /* wakeup_granularity, likewise */
    int scale;             /* scale the three with the CPU count */
    int64_t balance;       /* periodic load-balance interval, ns (0: off) */
    int64_t tick;          /* scheduler tick, ns (0: exact slice ends) */
    sim_time latency, min_gran, wakeup_gran; /* derived: scaled, whole ns */
    double base_slice_ns;  /* eevdf: sysctl_sched_base_slice as given, then scaled */
    sim_time slice;        /* eevdf: derived, scaled, whole ns */
    int eevdf;             /* 1: the eevdf variant (set by its check, in no table) */
    double bg_share;       /* background activity: share of each pCPU it takes */
    double bg_burst_ns;    /* ... in bursts of this mean length */
    int64_t halt_poll;     /* KVM halt polling window, ns (0: off); the cap when adaptive */
    double poll_grow;      /* adaptive halt polling: window growth factor (0: a fixed window) */
    int64_t migration_cost; /* cfs: sysctl_sched_migration_cost, ns (0: idle pulls ungated) */
    int pin;               /* vCPU i of each VM affine to pCPU i mod pCPUs only */
    int affine;            /* cfs: wake_affine towards the waker's pCPU (0: off) */
    int affine_hops;       /* ... for sockets at most this many hops from the wakee's last */
} cfs_params;
VP_FITS(cfs_params);

/* The rows cfs and eevdf share: balancing, the tick, background activity. */
#define CFS_SHARED_PARAMS                                                                          \
    {.key = "balance_ns", .type = VP_INT, .def = 4000000, .lo = 0, .hi = 1e10, .unit = "ns",      \
     .doc = "periodic load-balance interval [est]; 0 disables it",                                 \
     .off = offsetof(cfs_params, balance)},                                                        \
    {.key = "tick_ns", .type = VP_INT, .def = 4000000, .lo = 0, .hi = 1e10, .unit = "ns",         \
     .doc = "the scheduler tick (1/CONFIG_HZ); a slice end (a reached deadline) waits for the "    \
            "next one; 0 = exactly",                                                               \
     .off = offsetof(cfs_params, tick)},                                                           \
    {.key = "background_share", .type = VP_NUM, .def = 0, .lo = 0, .hi = 0.9, .unit = "",         \
     .doc = "the host's own activity (daemons, kernel threads) as a share of each pCPU; 0 = none", \
     .off = offsetof(cfs_params, bg_share)},                                                       \
    {.key = "background_burst_ns", .type = VP_NUM, .def = 100000, .lo = 1, .hi = 1e10,            \
     .unit = "ns", .doc = "mean length of one burst of background activity (exponential) [est]",   \
     .off = offsetof(cfs_params, bg_burst_ns)},                                                    \
    {.key = "halt_poll_ns", .type = VP_INT, .def = 0, .lo = 0, .hi = 1e9, .unit = "ns",           \
     .doc = "KVM halt polling: a halting vCPU's thread polls this long before it blocks, and "     \
            "stops as soon as another thread is runnable on its pCPU (kvm_vcpu_block); the "     \
            "module default was 0 until 4.3 made it 500000 with the adaptive window [src: "     \
            "commit aca6ff29, docs/model.md]; 0 = off",                                       \
     .off = offsetof(cfs_params, halt_poll)},                                                      \
    {.key = "halt_poll_grow", .type = VP_NUM, .def = 0, .lo = 0, .hi = 100, .unit = "factor",     \
     .doc = "0: halt polling with the fixed window halt_poll_ns (Linux 4.0-4.2); > 0: per-vCPU "   \
            "adaptive window as from 4.3 (halt_poll_ns_grow, 2): from 0, grown to 10 us and then " \
            "by this factor after a halt shorter than halt_poll_ns, reset to 0 after a longer one", \
     .off = offsetof(cfs_params, poll_grow)},                                                      \
    {.key = "pin_vcpus", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",                  \
     .doc = "vCPU thread i of every VM may run only on pCPU i mod pCPUs (libvirt <vcpupin>, "      \
            "taskset): wake-ups, idle pulls and balancing never move it; the policy is unchanged " \
            "(the pinned scheduler is round robin instead)",                                      \
     .off = offsetof(cfs_params, pin)}

static const vparam cfs_params_tab[] = {
    {.key = "sched_latency_ns", .type = VP_NUM, .def = 6e6, .lo = 1e3, .hi = 1e10, .unit = "ns",
     .doc = "targeted scheduling period (unscaled kernel value; scaled, see scale_with_cpus)",
     .off = offsetof(cfs_params, latency_ns)},
    {.key = "min_granularity_ns", .type = VP_NUM, .def = 0.75e6, .lo = 1e3, .hi = 1e10, .unit = "ns",
     .doc = "the least a vCPU thread runs before preemption (unscaled)",
     .off = offsetof(cfs_params, min_gran_ns)},
    {.key = "wakeup_granularity_ns", .type = VP_NUM, .def = 1e6, .lo = 0, .hi = 1e10, .unit = "ns",
     .doc = "how far ahead in vruntime a waking thread must be to preempt (unscaled)",
     .off = offsetof(cfs_params, wakeup_gran_ns)},
    {.key = "scale_with_cpus", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "multiply the three values above by 1 + floor(log2(min(ncpus, 8)))",
     .off = offsetof(cfs_params, scale)},
    {.key = "migration_cost_ns", .type = VP_INT, .def = 500000, .lo = 0, .hi = 1e10, .unit = "ns",
     .doc = "sysctl_sched_migration_cost (kernel/sched/fair.c, 500000 [src], not scaled): a pCPU "
            "going idle pulls a waiting thread only if its average idle period is at least this "
            "(idle_balance) and only one that last ran at least this long ago (task_hot); "
            "0 = every idle pCPU pulls at once",
     .off = offsetof(cfs_params, migration_cost)},
    {.key = "wake_affine", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "4.1's wake_affine for the wake-ups a running vCPU issues (a pv kick, an IPI): the "
            "target is the waker's pCPU when 100 (its load + 1) <= 108 (same socket) or 112 "
            "(across sockets) x the load of the wakee's last pCPU, counting runnable threads, "
            "the waker included; then an idle pCPU of the target's socket, else the target's "
            "queue (select_task_rq_fair, wake_affine, select_idle_sibling [src: "
            "kernel/sched/fair.c 3.18-4.2]; docs/model.md); off: the target is always the "
            "wakee's last pCPU",
     .off = offsetof(cfs_params, affine)},
    {.key = "wake_affine_hops", .type = VP_INTV, .def = 1, .lo = 0, .hi = 16, .unit = "hops",
     .doc = "wake_affine applies when the waker's socket is at most this many hops from the "
            "wakee's last one: the sched domains that keep SD_WAKE_AFFINE, those within "
            "RECLAIM_DISTANCE (30) in the host's SLIT [src: kernel/sched/core.c, sd_init]; "
            "1 = one-hop neighbours (SLIT 21 typical), 0 = the socket only [est]",
     .off = offsetof(cfs_params, affine_hops)},
    CFS_SHARED_PARAMS,
};

/* The kernel's scaling factor (SCHED_TUNABLESCALING_LOG), 1 when off. */
static double cfs_factor(const cfs_params *p, const vp_ctx *c)
{
    return p->scale ? 1 + floor(log2(c->npcpus < 8 ? c->npcpus : 8)) : 1;
}

/* The kernel's scaling rule, applied in place. */
static int cfs_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)key;
    (void)why;
    (void)n;
    cfs_params *p = par;
    double factor = cfs_factor(p, c);
    p->latency_ns *= factor;
    p->min_gran_ns *= factor;
    p->wakeup_gran_ns *= factor;
    p->latency = (sim_time)p->latency_ns;
    p->min_gran = (sim_time)p->min_gran_ns;
    p->wakeup_gran = (sim_time)p->wakeup_gran_ns;
    return 0;
}

/* eevdf parameters: sysctl_sched_base_slice 0.70 ms (kernel/sched/fair.c
 * since "sched/fair: Reduce the default slice to avoid tasks getting an extra
 * tick", 6.12 and its stable updates; 0.75 ms in 6.6 to 6.11), scaled like
 * CFS's tunables by 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG: 1.4
 * ms on 2 CPUs, 2.8 ms on 8 or more); tick and balancing as for cfs. */
static const vparam eevdf_params_tab[] = {
    {.key = "base_slice_ns", .type = VP_NUM, .def = 0.7e6, .lo = 1e3, .hi = 1e10, .unit = "ns",
     .doc = "the slice a thread runs before its deadline (unscaled sysctl_sched_base_slice)",
     .off = offsetof(cfs_params, base_slice_ns)},
    {.key = "scale_with_cpus", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "multiply base_slice_ns by 1 + floor(log2(min(ncpus, 8)))",
     .off = offsetof(cfs_params, scale)},
    CFS_SHARED_PARAMS,
};

static int eevdf_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)key;
    (void)why;
    (void)n;
    cfs_params *p = par;
    p->base_slice_ns *= cfs_factor(p, c); /* scaled in place, as cfs_check does */
    p->slice = (sim_time)p->base_slice_ns;
    /* the CFS-only fields keep values that make the shared code harmless */
    p->latency = p->min_gran = p->slice;
    p->wakeup_gran = 0;
    p->eevdf = 1;
    return 0;
}

#define CFS_PAR(w) VP_OF(cfs_params, &(w)->sc->hv.par)
#include "sim/mem.h"

/* Private state: bitmaps of idle pCPUs (nothing running or queued) and of
 * pCPUs with a queue, so placement and pulling need not scan every pCPU. */
typedef struct cfs_state {
    uint64_t *idle;
    uint64_t *queued;
    int words;
} cfs_state;

/* Nothing runs or waits on pc, nor polls there. */
static int cfs_idle_pc(const pcpu *pc) { return !pc->cur && pc->nrq == 0 && !pc->cfs.bg && !pc->cfs.poll; }

static void cfs_mark(world *w, const pcpu *pc)
{
    cfs_state *st = w->hv_state;
    uint64_t bit = 1ull << (pc->id & 63);
    int k = pc->id >> 6;
    if (cfs_idle_pc(pc))
        st->idle[k] |= bit;
    else
        st->idle[k] &= ~bit;
    if (pc->nrq > 0)
        st->queued[k] |= bit;
    else
        st->queued[k] &= ~bit;
}

/* Next set bit of map in [lo, hi), or -1. */
static int cfs_next_bit(const uint64_t *map, int lo, int hi)
{
    while (lo < hi) {
        uint64_t word = map[lo >> 6] >> (lo & 63);
        if (word) {
            int i = lo + __builtin_ctzll(word);
            return i < hi ? i : -1;
        }
        lo = (lo | 63) + 1;
    }
    return -1;
}

/* vc stops running (preempted, yielding or halting). */
static void c_sched_out(world *w, vcpu *vc, vcpu_hstate hs)
{
    vc->cfs.out_at = w->sim.now;
    hv_sched_out(w, vc, hs);
}

static void c_out(world *w, pcpu *pc, vcpu *vc, vcpu_hstate hs)
{
    c_sched_out(w, vc, hs);
    cfs_mark(w, pc);
}

/* The queue's leftmost vCPU is cached (pc->cfs.left): queued vCPUs' vruntimes
 * do not change, so it changes only when a vCPU joins (appended: it
 * becomes leftmost only if strictly smaller) or the leftmost leaves.
 * cq_push and cq_remove change the queue only; the bitmaps (cfs_mark) are
 * the caller's to update before anything can read them - the vCPU layer
 * (hv_sched_in/out) or the end of the scheduler call. */
static void cq_push(pcpu *pc, vcpu *vc)
{
    hq_push(pc, vc);
    if (!pc->cfs.left || vc->cfs.vruntime < pc->cfs.left->cfs.vruntime)
        pc->cfs.left = vc;
}

static void cq_remove(pcpu *pc, vcpu *vc)
{
    hq_remove(pc, vc);
    if (pc->cfs.left == vc) {
        pc->cfs.left = NULL;
        for (vcpu *v = pc->rq_head; v; v = v->hq_next)
            if (!pc->cfs.left || v->cfs.vruntime < pc->cfs.left->cfs.vruntime)
                pc->cfs.left = v;
    }
}

static void c_push(world *w, pcpu *pc, vcpu *vc)
{
    cq_push(pc, vc);
    cfs_mark(w, pc);
}

static void c_remove(world *w, pcpu *pc, vcpu *vc)
{
    cq_remove(pc, vc);
    cfs_mark(w, pc);
}

/* The thread that has pc: the running vCPU, or a halted one still polling. */
static vcpu *c_curr(const pcpu *pc) { return pc->cur ? pc->cur : pc->cfs.poll; }

static void cfs_update(world *w, pcpu *pc)
{
    vcpu *curr = c_curr(pc);
    if (curr) {
        sim_time d = w->sim.now - pc->cfs.exec_start;
        if (d > 0)
            curr->cfs.vruntime += d;
    }
    pc->cfs.exec_start = w->sim.now;
    int64_t m = INT64_MAX;
    if (curr)
        m = curr->cfs.vruntime;
    if (pc->cfs.left && pc->cfs.left->cfs.vruntime < m)
        m = pc->cfs.left->cfs.vruntime;
    if (m != INT64_MAX && m > pc->cfs.min_vr)
        pc->cfs.min_vr = m;
}

static sim_time cfs_slice(const world *w, const pcpu *pc)
{
    int nr = pc->nrq + (pc->cur != NULL);
    sim_time s = nr > 0 ? CFS_PAR(w)->latency / nr : CFS_PAR(w)->latency;
    return s < CFS_PAR(w)->min_gran ? CFS_PAR(w)->min_gran : s;
}

static void cfs_tick(ev_sim *sim, void *ctx, uint64_t arg);

/* eevdf: when the running thread reaches its deadline, in wall time. */
static sim_time ee_deadline_time(const world *w, const pcpu *pc)
{
    const vcpu *c = pc->cur;
    int64_t left = c->cfs.deadline - (c->cfs.vruntime + (w->sim.now - pc->cfs.exec_start));
    return w->sim.now + (left > 0 ? left : 0);
}

static void cfs_arm(world *w, pcpu *pc)
{
    if (pc->cur && pc->nrq > 0) {
        sim_time t = CFS_PAR(w)->eevdf ? ee_deadline_time(w, pc) : pc->since + cfs_slice(w, pc);
        sim_time tick = CFS_PAR(w)->tick;
        if (tick > 0) { /* round up to this pCPU's next tick */
            sim_time k = (t - pc->cfs.tick_phase + tick - 1) / tick;
            t = pc->cfs.tick_phase + (k > 0 ? k : 0) * tick;
        }
        if (ev_time_of(&w->sim, pc->tick) != t)
            pc->tick = ev_reschedule(&w->sim, pc->tick, t, cfs_tick, pc, 0);
    } else if (pc->tick) {
        ev_cancel(&w->sim, pc->tick);
        pc->tick = 0;
    }
}

/* Least vruntime on the queue (first in queue order among equals). */
static vcpu *cfs_pick(pcpu *pc) { return pc->cfs.left; }

/* eevdf: the queue's average vruntime (avg_vruntime; equal weights), the
 * running thread included; min_vruntime for an empty queue. */
static int64_t ee_avg(const pcpu *pc)
{
    __int128 sum = 0;
    int n = 0;
    const vcpu *curr = c_curr(pc);
    if (curr) {
        sum += curr->cfs.vruntime;
        n++;
    }
    for (const vcpu *v = pc->rq_head; v; v = v->hq_next) {
        sum += v->cfs.vruntime;
        n++;
    }
    if (!n)
        return pc->cfs.min_vr;
    /* floor division, so eligibility (vruntime <= average) is exact */
    __int128 q = sum / n;
    if (sum % n != 0 && sum < 0)
        q--;
    return (int64_t)q;
}

/* eevdf: pick_eevdf - the eligible thread with the earliest deadline (queue
 * order among equals); the running one (with_cur) only if eligible, and
 * then it stays while protected (RUN_TO_PARITY: before its deadline) or when
 * no queued thread's deadline is strictly earlier. */
static vcpu *ee_pick(pcpu *pc, int with_cur)
{
    int64_t avg = ee_avg(pc);
    vcpu *cur = with_cur && pc->cur && pc->cur->cfs.vruntime <= avg ? pc->cur : NULL;
    if (cur && cur->cfs.vruntime < cur->cfs.vprot)
        return cur;
    vcpu *best = NULL;
    for (vcpu *v = pc->rq_head; v; v = v->hq_next)
        if (v->cfs.vruntime <= avg && (!best || v->cfs.deadline < best->cfs.deadline))
            best = v;
    if (cur && (!best || cur->cfs.deadline < best->cfs.deadline))
        best = cur;
    if (!best) /* nobody eligible: only by rounding; the least vruntime */
        best = pc->cfs.left ? pc->cfs.left : pc->cur;
    return best;
}

/* eevdf: the lag a thread leaving pc's queue keeps (update_entity_lag):
 * average - vruntime, clamped to +-max(2 slices, tick). */
static int64_t ee_lag(const world *w, const pcpu *pc, const vcpu *vc)
{
    int64_t lag = ee_avg(pc) - vc->cfs.vruntime;
    int64_t lim = 2 * CFS_PAR(w)->slice;
    if (CFS_PAR(w)->tick > lim)
        lim = CFS_PAR(w)->tick;
    return lag > lim ? lim : lag < -lim ? -lim : lag;
}

/* eevdf: places vc, not yet on pc's queue, with lag `lag` (place_entity):
 * vruntime = average - lag x (n + 1) / n over the n threads there. */
static void ee_place(pcpu *pc, vcpu *vc, int64_t lag)
{
    int n = pc->nrq + (pc->cur != NULL);
    if (n > 0 && lag)
        lag = (int64_t)((__int128)lag * (n + 1) / n);
    vc->cfs.vruntime = ee_avg(pc) - lag;
}

/* Halt polling (KVM kvm_vcpu_block, Linux 4.0-4.2): a vCPU that halts
 * keeps its pCPU and polls for a wake-up for up to halt_poll_ns, as long as
 * no other thread is runnable there (single_task_running). While it polls
 * the pCPU is not idle - wake-up placement passes it by, it pulls nothing -
 * and the poller's vruntime grows. A kick or IPI within the window resumes
 * the vCPU in place after a VM entry (vmexit_ns) instead of a wake-up; a
 * thread queued on the pCPU, a background burst or the window's end make it
 * block for good. The vCPU layer sees it halted throughout (its time is
 * halted_ns, not the pCPU's busy time). */
static void cfs_poll_stop(world *w, pcpu *pc)
{
    vcpu *vc = pc->cfs.poll;
    if (!vc)
        return;
    cfs_update(w, pc); /* the poller's vruntime up to now */
    if (CFS_PAR(w)->eevdf)
        vc->cfs.vlag = ee_lag(w, pc, vc);
    if (pc->cfs.poll_ev)
        ev_cancel(&w->sim, pc->cfs.poll_ev);
    pc->cfs.poll_ev = 0;
    pc->cfs.poll = NULL;
    cfs_mark(w, pc);
}

static void cfs_next(world *w, pcpu *pc);

/* The poll window ran out: the poller blocks, the pCPU picks again. */
static void cfs_poll_end(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    pc->cfs.poll_ev = 0;
    cfs_poll_stop(w, pc);
    cfs_next(w, pc);
}

static void cfs_run(world *w, pcpu *pc, vcpu *vc, int from_halt)
{
    pc->cfs.exec_start = w->sim.now;
    vc->cfs.vprot = vc->cfs.deadline; /* eevdf: set_next_entity, RUN_TO_PARITY */
    hv_run_on(w, pc, vc, from_halt);
    cfs_mark(w, pc);
}

/* pc's running vCPU (if any) goes back on its queue and `next`, queued
 * there, runs in its place. The bitmaps are updated once, before next runs
 * (nothing reads them in between). */
static void c_switch(world *w, pcpu *pc, vcpu *next)
{
    vcpu *cur = pc->cur;
    if (cur) {
        c_sched_out(w, cur, VH_RUNNABLE);
        cq_push(pc, cur);
    }
    cq_remove(pc, next);
    cfs_mark(w, pc);
    cfs_run(w, pc, next, 0);
}

/* The running vCPU `self` gives pc to its queue's pick and goes back on the
 * queue behind it (taken off first, so self is not the pick). */
static void c_give_way(world *w, pcpu *pc, vcpu *self)
{
    c_sched_out(w, self, VH_RUNNABLE);
    vcpu *next = cfs_pick(pc);
    cq_remove(pc, next);
    cq_push(pc, self);
    cfs_mark(w, pc);
    cfs_run(w, pc, next, 0);
}

/* eevdf: runs `next` (queued on pc, or pc's running thread: nothing to do)
 * in place of the running thread, which goes back on the queue. */
static void ee_switch(world *w, pcpu *pc, vcpu *next)
{
    vcpu *cur = pc->cur;
    if (next == cur) { /* picked again: protected for its new slice */
        cur->cfs.vprot = cur->cfs.deadline;
        return;
    }
    c_switch(w, pc, next);
}

/* Moves a waiting vCPU from src's queue to dst's, renormalising vruntime. */
static void cfs_migrate(world *w, pcpu *src, pcpu *dst, vcpu *vc)
{
    if (CFS_PAR(w)->eevdf) { /* keeps lag and relative deadline */
        int64_t lag = ee_lag(w, src, vc), rel = vc->cfs.deadline - vc->cfs.vruntime;
        c_remove(w, src, vc);
        cfs_update(w, dst);
        ee_place(dst, vc, lag);
        vc->cfs.deadline = vc->cfs.vruntime + rel;
        c_push(w, dst, vc);
        return;
    }
    c_remove(w, src, vc);
    vc->cfs.vruntime = vc->cfs.vruntime - src->cfs.min_vr + dst->cfs.min_vr;
    c_push(w, dst, vc);
}

/* task_hot (can_migrate_task): vc, waiting, last ran less than the
 * migration cost ago. */
static int cfs_hot(const world *w, const vcpu *vc)
{
    return vc->last_pcpu >= 0 && w->sim.now - vc->cfs.out_at < CFS_PAR(w)->migration_cost;
}

/* The waiting vCPU of pc with the least vruntime that is not cache-hot
 * (first in queue order among equals), or NULL. */
static vcpu *cfs_pick_cold(const world *w, pcpu *pc)
{
    vcpu *best = NULL;
    for (vcpu *v = pc->rq_head; v; v = v->hq_next)
        if (!cfs_hot(w, v) && (!best || v->cfs.vruntime < best->cfs.vruntime))
            best = v;
    return best;
}

/* cfs (not eevdf) with a migration cost: idle pulls follow 4.1's rules. */
static int cfs_migration_gated(const world *w)
{
    return CFS_PAR(w)->migration_cost > 0 && !CFS_PAR(w)->eevdf;
}

/* ttwu_do_wakeup: a thread woken onto pc ends pc's idle period, if one was
 * stamped; avg_idle moves 1/8 of the way to it (update_avg), capped at twice
 * the migration cost (max_idle_balance_cost taken as the cost itself). */
static void cfs_idle_sample(const world *w, pcpu *pc)
{
    if (pc->cfs.idle_stamp < 0)
        return;
    sim_time d = w->sim.now - pc->cfs.idle_stamp, max = 2 * CFS_PAR(w)->migration_cost;
    pc->cfs.avg_idle += (d - pc->cfs.avg_idle) / 8;
    if (pc->cfs.avg_idle > max)
        pc->cfs.avg_idle = max;
    pc->cfs.idle_stamp = -1;
}

/* An idle pCPU pulls a waiting vCPU from the busiest queue (with a
 * migration cost: only a cold one, and none if pc's idle periods are short). */
static int cfs_pull(world *w, pcpu *pc)
{
    if (CFS_PAR(w)->pin) /* nothing may move */
        return 0;
    int gate = cfs_migration_gated(w);
    if (gate) {
        if (pc->cfs.idle_stamp < 0)
            pc->cfs.idle_stamp = w->sim.now;
        if (pc->cfs.avg_idle < CFS_PAR(w)->migration_cost) /* idle_balance's gate */
            return 0;
    }
    cfs_state *st = w->hv_state;
    pcpu *busiest = NULL;
    for (int i = cfs_next_bit(st->queued, 0, w->npcpus); i >= 0;
         i = cfs_next_bit(st->queued, i + 1, w->npcpus)) {
        pcpu *p = &w->pcpus[i];
        if (p == pc || p->nrq == 0)
            continue;
        if (!busiest || p->nrq > busiest->nrq ||
            (p->nrq == busiest->nrq && p->socket == pc->socket && busiest->socket != pc->socket))
            busiest = p;
    }
    if (!busiest)
        return 0;
    vcpu *vc = gate ? cfs_pick_cold(w, busiest) : cfs_pick(busiest);
    if (!vc)
        return 0;
    cfs_update(w, busiest);
    cfs_migrate(w, busiest, pc, vc);
    cfs_arm(w, busiest);
    if (gate)
        pc->cfs.idle_stamp = -1; /* pulled_task */
    return 1;
}

/* pc's current slot is free: run the next, pull one, or go idle. */
static void cfs_next(world *w, pcpu *pc)
{
    if (pc->nrq == 0)
        cfs_pull(w, pc);
    vcpu *next = CFS_PAR(w)->eevdf ? (pc->nrq ? ee_pick(pc, 0) : NULL) : cfs_pick(pc);
    if (next) {
        c_remove(w, pc, next);
        cfs_run(w, pc, next, 0);
    }
    cfs_arm(w, pc);
}

static void cfs_preempt(world *w, pcpu *pc)
{
    vcpu *cur = pc->cur;
    cfs_update(w, pc);
    c_out(w, pc, cur, VH_RUNNABLE);
    c_push(w, pc, cur);
    cfs_next(w, pc);
}

static void cfs_tick(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    pc->tick = 0;
    if (!pc->cur || pc->nrq == 0)
        return;
    if (!CFS_PAR(w)->eevdf) {
        cfs_preempt(w, pc);
        return;
    }
    /* update_curr -> update_deadline: a reached deadline moves one slice on
     * and reschedules; pick_eevdf may keep the same thread */
    cfs_update(w, pc);
    vcpu *cur = pc->cur;
    if (cur->cfs.vruntime >= cur->cfs.deadline) {
        cur->cfs.deadline = cur->cfs.vruntime + CFS_PAR(w)->slice;
        ee_switch(w, pc, ee_pick(pc, 1));
    }
    cfs_arm(w, pc);
}

static void cfs_balance(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    (void)arg;
    world *w = world_of(sim);
    for (int moves = 0; moves < w->npcpus; moves++) {
        pcpu *hi = NULL, *lo = NULL;
        for (int i = 0; i < w->npcpus; i++) {
            pcpu *p = &w->pcpus[i];
            int nr = p->nrq + (c_curr(p) != NULL);
            if (!hi || nr > hi->nrq + (c_curr(hi) != NULL))
                hi = p;
            if (!lo || nr < lo->nrq + (c_curr(lo) != NULL))
                lo = p;
        }
        if (!hi || hi->nrq == 0 || (hi->nrq + (c_curr(hi) != NULL)) - (lo->nrq + (c_curr(lo) != NULL)) < 2)
            break;
        cfs_poll_stop(w, lo); /* a thread queued there ends a poll */
        cfs_update(w, hi);
        cfs_migrate(w, hi, lo, cfs_pick(hi));
        cfs_arm(w, hi);
        if (!lo->cur && !lo->cfs.bg)
            cfs_next(w, lo);
        else
            cfs_arm(w, lo);
    }
    ev_after(&w->sim, CFS_PAR(w)->balance, cfs_balance, NULL, 0);
}

/* Background activity: each pCPU alternates between vCPU threads and bursts
 * of the host's own work (daemons, kernel threads, interrupt work) with
 * exponential lengths (mean background_burst_ns) and gaps chosen so that the
 * bursts take background_share of the pCPU. A burst preempts the running
 * vCPU thread at once (a woken kernel thread or daemon; the preempted thread
 * is runnable: steal); when it ends the policy picks the next thread, which
 * need not be the preempted one - so besides the time it takes, background
 * work reorders the round robin of threads that spin. Draws come from the
 * host's stream, only when background_share > 0. */
static void cfs_bg_end(ev_sim *sim, void *ctx, uint64_t arg);

static void cfs_bg_start(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    cfs_poll_stop(w, pc);
    if (pc->cur) {
        vcpu *cur = pc->cur;
        cfs_update(w, pc);
        c_out(w, pc, cur, VH_RUNNABLE);
        c_push(w, pc, cur);
    }
    pc->cfs.bg = 1;
    cfs_mark(w, pc);
    cfs_arm(w, pc);
    sim_time len = 1 + (sim_time)gsl_ran_exponential(w->rng, CFS_PAR(w)->bg_burst_ns);
    pc->exec_ns += len; /* the burst executes here: the tasks' caches see it */
    ev_after(&w->sim, len, cfs_bg_end, pc, 0);
}

static sim_time cfs_bg_gap(world *w)
{
    const cfs_params *p = CFS_PAR(w);
    return 1 + (sim_time)gsl_ran_exponential(w->rng, p->bg_burst_ns * (1 - p->bg_share) / p->bg_share);
}

static void cfs_bg_end(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    pc->cfs.bg = 0;
    cfs_mark(w, pc);
    cfs_next(w, pc);
    ev_after(&w->sim, cfs_bg_gap(w), cfs_bg_start, pc, 0);
}

static void cfs_init(world *w)
{
    cfs_state *st = vs_xcalloc(1, sizeof(cfs_state));
    st->words = (w->npcpus + 63) / 64;
    st->idle = vs_xcalloc((size_t)st->words, sizeof(uint64_t));
    st->queued = vs_xcalloc((size_t)st->words, sizeof(uint64_t));
    w->hv_state = st;
    for (int i = 0; i < w->npcpus; i++) {
        cfs_mark(w, &w->pcpus[i]);
        w->pcpus[i].cfs.avg_idle = 2 * CFS_PAR(w)->migration_cost; /* sched_init */
        w->pcpus[i].cfs.idle_stamp = -1;
    }
    for (int i = 0; i < w->npcpus; i++) /* from the host stream, in pCPU order */
        w->pcpus[i].cfs.tick_phase =
            CFS_PAR(w)->tick > 0 ? (sim_time)gsl_rng_uniform_int(w->rng, (unsigned long)CFS_PAR(w)->tick) : 0;
    if (CFS_PAR(w)->balance > 0 && !CFS_PAR(w)->pin) /* pinned: nothing to balance */
        ev_after(&w->sim, CFS_PAR(w)->balance, cfs_balance, NULL, 0);
    if (CFS_PAR(w)->bg_share > 0)
        for (int i = 0; i < w->npcpus; i++)
            ev_after(&w->sim, cfs_bg_gap(w), cfs_bg_start, &w->pcpus[i], 0);
}

/* Threads on pc's queue, the running one included (background and a
 * polling halted vCPU count as one each). */
static int cfs_nr(const pcpu *pc) { return (pc->cur != NULL) + pc->nrq + (pc->cfs.bg != 0) + (pc->cfs.poll != NULL); }

/* 4.1's wake_affine (kernel/sched/fair.c, 3.18-4.2) for a wake-up issued
 * on pCPU x by the thread running there, for a wakee that last ran on prev.
 * A kick or an IPI is not a sync wake-up, so x's load keeps the waker:
 * this_load = target_load(x), load = source_load(prev) without the wakee
 * (it was dequeued when it halted), and the move is "balanced" if
 * 100 (this_load + w) <= (100 + (imbalance_pct - 100) / 2) load, w the
 * wakee's weight; imbalance_pct is 117 in the socket's domain (MC,
 * SD_SHARE_PKG_RESOURCES) and 125 in a NUMA one, so 108 and 112. With equal
 * weights and the queues' present lengths standing in for their load
 * averages (wake_idx 0: the runnable load, a simplification of PELT), a
 * wakee whose last pCPU is idle is never moved: only one whose last pCPU
 * has at least two threads while the waker runs alone. wake_wide (the
 * waker wakes many distinct tasks) is not modelled. */
static int cfs_affine(const world *w, const pcpu *x, const pcpu *prev)
{
    const cfs_params *p = CFS_PAR(w);
    if (!p->affine || x == prev)
        return 0;
    int same = x->socket == prev->socket;
    if (!same && w->sc->host.hops[x->socket][prev->socket] > p->affine_hops)
        return 0; /* no common sched domain with SD_WAKE_AFFINE */
    int this_load = cfs_nr(x), load = cfs_nr(prev);
    if (this_load < 1) /* the waker ran there when it woke vc */
        this_load = 1;
    return 100 * (this_load + 1) <= (same ? 108 : 112) * load;
}

static pcpu *cfs_select(world *w, vcpu *vc)
{
    if (CFS_PAR(w)->pin) /* its one allowed pCPU */
        return &w->pcpus[vc->id % w->npcpus];
    pcpu *last = vc->last_pcpu >= 0 ? &w->pcpus[vc->last_pcpu] : &w->pcpus[vc->gid % w->npcpus];
    /* select_idle_sibling(target): target if idle; the wakee's last pCPU if
     * it shares target's socket and is idle; an idle pCPU of target's socket
     * (after target, wrapping); else target's queue. target is the waker's
     * pCPU after an affine decision, else the last one. */
    pcpu *target = last;
    if (vc->last_pcpu >= 0 && vc->waker_pcpu >= 0 && cfs_affine(w, &w->pcpus[vc->waker_pcpu], last))
        target = &w->pcpus[vc->waker_pcpu];
    if (cfs_idle_pc(target))
        return target;
    if (target != last && last->socket == target->socket && cfs_idle_pc(last))
        return last;
    /* idle pCPUs after `target`, wrapping around: same socket first */
    cfs_state *st = w->hv_state;
    int n = w->npcpus, first_any = -1;
    for (int pass = 0; pass < 2; pass++) {
        int lo = pass ? 0 : target->id + 1, hi = pass ? target->id : n;
        for (int i = cfs_next_bit(st->idle, lo, hi); i >= 0; i = cfs_next_bit(st->idle, i + 1, hi)) {
            if (w->pcpus[i].socket == target->socket)
                return &w->pcpus[i];
            if (first_any < 0)
                first_any = i;
        }
    }
    if (vc->last_pcpu < 0 && first_any >= 0) /* first wake: any idle pCPU */
        return &w->pcpus[first_any];
    return target;
}

/* eevdf wake-up: placement with lag, then check_preempt_wakeup_fair. */
static void ee_wake(world *w, vcpu *vc, pcpu *pc)
{
    cfs_update(w, pc);
    ee_place(pc, vc, vc->cfs.vlag);
    vc->cfs.deadline = vc->cfs.vruntime + CFS_PAR(w)->slice;
    if (!pc->cur && !pc->cfs.bg) {
        cfs_run(w, pc, vc, 1);
        cfs_arm(w, pc);
        return;
    }
    hv_make_runnable(w, vc);
    c_push(w, pc, vc);
    if (!pc->cur) /* a background burst has the pCPU: wait for its end */
        return;
    vcpu *cur = pc->cur;
    if (cur->cfs.vruntime >= cur->cfs.deadline) { /* update_curr: slice over, reschedule */
        cur->cfs.deadline = cur->cfs.vruntime + CFS_PAR(w)->slice;
        ee_switch(w, pc, ee_pick(pc, 1));
    } else if (ee_pick(pc, 1) == vc) { /* the wakee is now the pick: preempt */
        ee_switch(w, pc, vc);
    }
    cfs_arm(w, pc);
}

/* Adaptive halt polling (kvm_vcpu_block from 4.3, Wanpeng Li's "KVM: dynamic
 * halt-polling"): after each halt the vCPU's window is left alone if the halt
 * ended inside it, reset to 0 (halt_poll_ns_shrink 0) if the halt lasted
 * longer than the cap halt_poll_ns, and grown (0 -> 10 us, then x grow,
 * capped) if it was shorter than the cap. The kernel measures the halt up
 * to the thread's running again; here up to the wake-up (a queued wakee's
 * wait for its pCPU is not counted). */
static void cfs_poll_adapt(world *w, vcpu *vc)
{
    const cfs_params *p = CFS_PAR(w);
    if (p->poll_grow <= 0 || p->halt_poll <= 0 || vc->last_pcpu < 0)
        return;
    sim_time block = w->sim.now - vc->cfs.halt_at;
    int64_t *win = &vc->cfs.poll_win;
    if (block <= *win)
        return;
    if (*win && block > p->halt_poll)
        *win = 0;
    else if (*win < p->halt_poll && block < p->halt_poll) {
        *win = *win ? (int64_t)((double)*win * p->poll_grow) : 10000;
        if (*win > p->halt_poll)
            *win = p->halt_poll;
    }
}

static void cfs_wake(world *w, vcpu *vc)
{
    cfs_poll_adapt(w, vc);
    pcpu *lp = vc->last_pcpu >= 0 ? &w->pcpus[vc->last_pcpu] : NULL;
    if (lp && lp->cfs.poll == vc) { /* woken within its poll window: resumes in place */
        cfs_update(w, lp);
        ev_cancel(&w->sim, lp->cfs.poll_ev);
        lp->cfs.poll_ev = 0;
        lp->cfs.poll = NULL;
        if (world_measuring(w))
            vc->n_poll++;
        lp->cfs.exec_start = w->sim.now;
        vc->cfs.vprot = vc->cfs.deadline;
        hv_sched_in(w, vc, lp, (sim_time)w->sc->host.vmexit_ns);
        cfs_mark(w, lp);
        cfs_arm(w, lp);
        return;
    }
    pcpu *pc = cfs_select(w, vc);
    if (cfs_migration_gated(w))
        cfs_idle_sample(w, pc);
    cfs_poll_stop(w, pc); /* another vCPU polling there blocks: vc is runnable on its pCPU */
    if (CFS_PAR(w)->eevdf) {
        ee_wake(w, vc, pc);
        return;
    }
    cfs_update(w, pc);
    int64_t floor = pc->cfs.min_vr - CFS_PAR(w)->latency / 2;
    if (vc->last_pcpu >= 0 && vc->last_pcpu != pc->id)
        vc->cfs.vruntime = vc->cfs.vruntime - w->pcpus[vc->last_pcpu].cfs.min_vr + pc->cfs.min_vr;
    if (vc->cfs.vruntime < floor)
        vc->cfs.vruntime = floor;
    if (!pc->cur && !pc->cfs.bg) {
        cfs_run(w, pc, vc, 1);
        cfs_arm(w, pc);
        return;
    }
    hv_make_runnable(w, vc);
    c_push(w, pc, vc);
    if (!pc->cur) /* a background burst has the pCPU: wait for its end */
        return;
    if (pc->cur->cfs.vruntime - vc->cfs.vruntime > CFS_PAR(w)->wakeup_gran)
        c_switch(w, pc, vc);
    cfs_arm(w, pc);
}

static void cfs_block(world *w, vcpu *vc)
{
    pcpu *pc = vc->pc;
    cfs_update(w, pc);
    if (CFS_PAR(w)->eevdf)
        vc->cfs.vlag = ee_lag(w, pc, vc);
    c_out(w, pc, vc, VH_HALTED);
    sim_time win = CFS_PAR(w)->poll_grow > 0 ? vc->cfs.poll_win : CFS_PAR(w)->halt_poll;
    vc->cfs.halt_at = w->sim.now;
    if (win > 0 && pc->nrq == 0 && !pc->cfs.bg) { /* single_task_running */
        pc->cfs.poll = vc;
        pc->cfs.poll_ev = ev_after(&w->sim, win, cfs_poll_end, pc, 0);
        cfs_mark(w, pc);
        cfs_arm(w, pc);
        return;
    }
    cfs_next(w, pc);
}

/* pick_next_entity with `next` as the next buddy on pc: it runs if its
 * vruntime is within wakeup_granularity of the leftmost (the running
 * thread included), unless a background burst has pc. */
static void cfs_buddy_pick(world *w, pcpu *pc, vcpu *next)
{
    cfs_update(w, pc);
    int64_t left = pc->cur ? pc->cur->cfs.vruntime : next->cfs.vruntime;
    if (pc->cfs.left && pc->cfs.left->cfs.vruntime < left)
        left = pc->cfs.left->cfs.vruntime;
    if (!pc->cfs.bg && next->cfs.vruntime - left <= CFS_PAR(w)->wakeup_gran) {
        c_switch(w, pc, next);
        cfs_arm(w, pc);
    }
}

/* The reschedule IPI of a remote yield_to arrived (host.costs.resched_ipi_ns
 * after it): pc's scheduler runs and picks with the latest buddy set, if
 * that one still waits on pc's queue. */
static void cfs_resched(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    vcpu *b = pc->cfs.buddy;
    pc->cfs.resched_ev = 0;
    pc->cfs.buddy = NULL;
    if (b && b->hs == VH_RUNNABLE && b->on_hq && b->hq_pcpu == pc->id)
        cfs_buddy_pick(w, pc, b);
}

/* The yielder's half of a directed yield: yield_task_fair (cfs: the skip
 * buddy, so the leftmost waiting thread runs instead; eevdf: the deadline
 * moves one slice on and the pick runs), when something waits on self's
 * pCPU. */
static void cfs_yield_self(world *w, vcpu *self)
{
    pcpu *sp = self->pc;
    if (!sp || self->hs != VH_RUNNING || sp->nrq == 0)
        return;
    cfs_update(w, sp);
    if (CFS_PAR(w)->eevdf) {
        self->cfs.deadline += CFS_PAR(w)->slice;
        ee_switch(w, sp, ee_pick(sp, 1));
    } else {
        c_give_way(w, sp, self);
    }
    cfs_arm(w, sp);
}

/* yield_to (kernel/sched/core.c) + yield_to_task_fair: the target becomes
 * its queue's "next buddy" and its pCPU is asked to reschedule; the buddy is
 * only picked if that is not too unfair (wakeup_preempt_entity: its
 * vruntime within wakeup_granularity of the leftmost). The yielding thread
 * gives way to whatever else waits on its own queue. */
static int cfs_yield_to(world *w, vcpu *self, vcpu *target)
{
    if (target->hs != VH_RUNNABLE || !target->on_hq)
        return 0;
    if (CFS_PAR(w)->eevdf) { /* no buddy; the yielder's deadline moves on */
        cfs_yield_self(w, self);
        return 1;
    }
    pcpu *tp = &w->pcpus[target->hq_pcpu];
    pcpu *sp = self->pc;
    sim_time ipi = (sim_time)w->sc->host.resched_ipi_ns;
    if (tp != sp && ipi > 0) { /* resched_curr(p_rq): the IPI, then the pick there */
        tp->cfs.buddy = target;
        if (!tp->cfs.resched_ev)
            tp->cfs.resched_ev = ev_after(&w->sim, ipi, cfs_resched, tp, 0);
    } else {
        cfs_buddy_pick(w, tp, target);
    }
    if (sp != tp)
        cfs_yield_self(w, self);
    return 1;
}

static void cfs_destroy(world *w)
{
    cfs_state *st = w->hv_state;
    if (st) {
        free(st->idle);
        free(st->queued);
        free(st);
    }
    w->hv_state = NULL;
}

static const hv_ops hv_cfs_ops = {
    .init = cfs_init,
    .wake = cfs_wake,
    .block = cfs_block,
    .yield_to = cfs_yield_to,
    .yield_self = cfs_yield_self,
    .destroy = cfs_destroy,
};

const variant hv_cfs_variant = {
    .name = "cfs",
    .summary = "Linux CFS on vCPU threads: vruntime, slices, wake-up preemption, balancing",
    .ops = &hv_cfs_ops,
    .params = cfs_params_tab,
    .nparams = (int)(sizeof cfs_params_tab / sizeof cfs_params_tab[0]),
    .size = sizeof(cfs_params),
    .check = cfs_check,
};

const variant hv_eevdf_variant = {
    .name = "eevdf",
    .summary = "Linux 6.6+ EEVDF on vCPU threads: virtual deadlines, eligibility, lag",
    .ops = &hv_cfs_ops,
    .params = eevdf_params_tab,
    .nparams = (int)(sizeof eevdf_params_tab / sizeof eevdf_params_tab[0]),
    .size = sizeof(cfs_params),
    .check = eevdf_check,
};
