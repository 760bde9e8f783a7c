/* gmake: a parallel build, `make -j J`, in a loop (MOSBENCH gmake builds a
 * Linux kernel over and over and reports builds per hour).
 *
 * One build = a serial start (make reading makefiles, scanning
 * dependencies: one process for serial_start of CPU), then compile_jobs
 * independent compile jobs run at most J at a time, then a serial end (the
 * final link). Each job is a process: exec_sections kernel sections when it
 * starts (fork, exec, page faults), then user computation broken every
 * ~kentry of CPU by a kernel section, then exit_sections at exit. A kernel
 * section takes one kernel spinlock class chosen by weight, holds it ~hold,
 * releases it. A class has instances by its scope: "os" one lock shared by
 * every CPU of the OS (tasklist_lock); "node" one per NUMA node the OS sees,
 * a CPU taking its own node's (zone->lock: one zone per node,
 * include/linux/mmzone.h; a guest sees guest.numa_nodes nodes, one unless
 * QEMU is given -numa, bare metal the sockets its cores span); "build" one
 * per build instance (the hot dentries of that build's source tree);
 * "process" (private) uncontended, CPU time only. When a
 * job exits, make forks the next after spawn_delay. `instances` builds run
 * side by side in the same OS (bare metal hosting several "tenants").
 *
 * Throughput: each stretch of a process's nominal CPU (a kentry interval of
 * a job or a serial phase; task.wl_nominal while it runs) credits its share
 * of its build (CPU / total nominal CPU of that build) when it is done, so
 * builds are counted in fractions as they progress: a window need not hold
 * whole builds nor whole processes, and no cohort of jobs finishing
 * together just inside or just outside the window biases it (crediting at
 * a process's exit did, where collapsed locks stretch a 20 ms job to a
 * large part of the window). vm->work is in builds. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include <stddef.h>
#include <stdio.h>

#include "models/guest.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"
#include "sim/rng.h"

/* Parameters: a time-compressed kernel build [est]; the paper scenarios set
 * every value explicitly with its source (docs/calibration.md). */
typedef struct gm_params {
    double jobs_per_vcpu;  /* make -j = round(jobs_per_vcpu * vCPUs) */
    int instances;         /* concurrent builds in this OS */
    int compile_jobs;      /* compile jobs per build */
    int64_t serial_start;  /* make start-up and dependency scan, one process, ns */
    int64_t serial_end;    /* final link, one process, ns */
    int exec_sections;     /* kernel sections when a job starts (fork, exec, faults) */
    int exit_sections;     /* kernel sections when it exits */
    int64_t spawn_delay;   /* make notices an exit and forks the next job, ns */
    dist job_cpu;          /* CPU time of one compile job outside kernel sections */
    dist kentry;           /* CPU time between two kernel sections of a running job */
} gm_params;
VP_FITS(gm_params);

static const vparam gm_params_tab[] = {
    {.key = "jobs_per_vcpu", .type = VP_NUM, .def = 1.0, .lo = 0.01, .hi = 64, .unit = "",
     .doc = "make -j = round(jobs_per_vcpu x vCPUs)", .off = offsetof(gm_params, jobs_per_vcpu)},
    {.key = "instances", .type = VP_INTV, .def = 1, .lo = 1, .hi = 256, .unit = "builds",
     .doc = "concurrent builds in this OS", .off = offsetof(gm_params, instances)},
    {.key = "compile_jobs", .type = VP_INTV, .def = 200, .lo = 1, .hi = 1e6, .unit = "jobs",
     .doc = "compile jobs per build", .off = offsetof(gm_params, compile_jobs)},
    {.key = "serial_start_ns", .type = VP_INT, .def = 10000000, .lo = 0, .hi = 1e12, .unit = "ns",
     .doc = "start-up and dependency scan, one process", .off = offsetof(gm_params, serial_start)},
    {.key = "serial_end_ns", .type = VP_INT, .def = 20000000, .lo = 0, .hi = 1e12, .unit = "ns",
     .doc = "final link, one process", .off = offsetof(gm_params, serial_end)},
    {.key = "exec_sections", .type = VP_INTV, .def = 20, .lo = 0, .hi = 1e5, .unit = "sections",
     .doc = "kernel sections when a job starts (fork, exec, faults)",
     .off = offsetof(gm_params, exec_sections)},
    {.key = "exit_sections", .type = VP_INTV, .def = 10, .lo = 0, .hi = 1e5, .unit = "sections",
     .doc = "kernel sections when it exits", .off = offsetof(gm_params, exit_sections)},
    {.key = "spawn_delay_ns", .type = VP_INT, .def = 50000, .lo = 0, .hi = 1e12, .unit = "ns",
     .doc = "make notices an exit and forks the next job", .off = offsetof(gm_params, spawn_delay)},
    {.key = "job_cpu", .type = VP_DIST, .def = 20e6, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "CPU time of one job outside kernel sections (default lognormal, cv 1)",
     .off = offsetof(gm_params, job_cpu), .required = 0, .def_cv = 1.0},
    {.key = "kentry", .type = VP_DIST, .def = 100000, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "CPU time between two kernel sections of a running job (default exp)",
     .off = offsetof(gm_params, kentry)},
    {.key = "kernel_locks", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "1 to 8 kernel lock classes (default: zone, dcache, tasklist, mm)"},
};

/* The default kernel lock classes [est]. */
static const struct {
    const char *name;
    int private_lock;
    double run_weight, fork_weight, hold_ns;
} gm_default_locks[] = {
    {"zone", 0, 0.5, 0.4, 1000},    /* page allocator: faults, exec, exit */
    {"dcache", 0, 0.3, 0.2, 500},   /* path lookup on hot dentries */
    {"tasklist", 0, 0.0, 0.2, 2000},/* fork and exit only */
    {"mm", 1, 0.2, 0.2, 1000},      /* per process: page tables */
};

/* Fills the default lock classes when the scenario gives none. */
static int gm_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)c;
    (void)key;
    (void)why;
    (void)n;
    wl_cfg *wl = par;
    if (wl->nklocks > 0)
        return 0;
    wl->nklocks = (int)(sizeof gm_default_locks / sizeof gm_default_locks[0]);
    for (int k = 0; k < wl->nklocks; k++) {
        klock_cfg *kc = &wl->klocks[k];
        snprintf(kc->name, sizeof kc->name, "%s", gm_default_locks[k].name);
        kc->private_lock = gm_default_locks[k].private_lock;
        kc->run_weight = gm_default_locks[k].run_weight;
        kc->fork_weight = gm_default_locks[k].fork_weight;
        kc->hold = dist_exp(gm_default_locks[k].hold_ns);
    }
    return 0;
}

#define GM(v) VP_OF(gm_params, &(v)->cfg.wl.par)

enum { ST_START, ST_COMPILE, ST_END };           /* build stages */
enum {                                           /* process steps */
    P_EXEC_LOCK, P_EXEC_HOLD, P_EXEC_UNLOCK,
    P_RUN, P_RUN_LOCK, P_RUN_HOLD, P_RUN_UNLOCK,
    P_EXIT_LOCK, P_EXIT_HOLD, P_EXIT_UNLOCK, P_DONE
};

typedef struct gm_inst {
    int stage;          /* ST_* */
    int spawned;        /* compile jobs started in this build */
    int done;           /* compile jobs finished */
    int running;        /* processes alive */
    sim_time *cpu;      /* this build's job CPU times (compile_jobs) */
    double total;       /* nominal CPU of this build, ns */
    gsl_rng *rng;       /* the instance's stream (build structure) */
} gm_inst;

typedef struct gm_state {
    int jobs;           /* make -j */
    int ninst;
    gm_inst *inst;
    task *free;         /* finished processes, reused */
    lock **klock[CFG_MAX_KLOCKS]; /* per class its instances (NULL: private), owned */
    int nnodes;         /* NUMA nodes the OS sees */
    int *node_of;       /* nvcpus: the node of each vCPU, owned */
    double run_cum[CFG_MAX_KLOCKS], fork_cum[CFG_MAX_KLOCKS]; /* cumulative weights */
} gm_state;

static void gm_begin_build(world *w, vm *v, int i);

/* Which lock a section takes: by cumulative weight. */
static int gm_pick(const double *cum, int n, gsl_rng *r)
{
    double u = gsl_rng_uniform(r) * cum[n - 1];
    for (int k = 0; k < n; k++)
        if (u < cum[k])
            return k;
    return n - 1;
}

static void gm_spawn_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    guest_wake_task(world_of(sim), ctx);
}

/* Starts a process of instance i with `cpu` of user CPU after `delay`. */
static void gm_spawn(world *w, vm *v, int i, sim_time cpu, sim_time delay)
{
    gm_state *g = v->wl_state;
    task *t = g->free;
    if (t)
        g->free = t->wl_next;
    else
        t = task_new(w, v);
    t->wl_next = NULL;
    t->wl_data = i;
    t->wl_budget = cpu;
    t->wl_nominal = 0;
    t->wl_count = 0;
    t->phase = P_EXEC_LOCK;
    g->inst[i].running++;
    ev_schedule(&w->sim, w->sim.now + delay, gm_spawn_ev, t, 0);
}

static void gm_credit(world *w, vm *v, const gm_inst *in, sim_time cpu)
{
    if (world_measuring(w) && in->total > 0)
        v->work += (double)cpu / in->total;
}

/* A process of instance i finished: advance the build. */
static void gm_process_done(world *w, vm *v, int i)
{
    gm_state *g = v->wl_state;
    gm_inst *in = &g->inst[i];
    in->running--;
    switch (in->stage) {
    case ST_START:
        in->stage = ST_COMPILE;
        for (int k = 0; k < g->jobs && in->spawned < GM(v)->compile_jobs; k++, in->spawned++)
            gm_spawn(w, v, i, in->cpu[in->spawned], GM(v)->spawn_delay);
        break;
    case ST_COMPILE:
        in->done++;
        if (in->spawned < GM(v)->compile_jobs) {
            gm_spawn(w, v, i, in->cpu[in->spawned], GM(v)->spawn_delay);
            in->spawned++;
        } else if (in->done == GM(v)->compile_jobs) {
            in->stage = ST_END;
            gm_spawn(w, v, i, GM(v)->serial_end, GM(v)->spawn_delay);
        }
        break;
    case ST_END:
        if (world_measuring(w))
            v->ops++; /* whole builds */
        gm_begin_build(w, v, i);
        break;
    }
}

static void gm_begin_build(world *w, vm *v, int i)
{
    gm_state *g = v->wl_state;
    gm_inst *in = &g->inst[i];
    in->stage = ST_START;
    in->spawned = in->done = 0;
    in->total = (double)(GM(v)->serial_start + GM(v)->serial_end);
    for (int k = 0; k < GM(v)->compile_jobs; k++) {
        in->cpu[k] = dist_sample(&GM(v)->job_cpu, in->rng);
        in->total += (double)in->cpu[k];
    }
    gm_spawn(w, v, i, GM(v)->serial_start, GM(v)->spawn_delay);
}

/* The NUMA nodes the OS of v sees and each vCPU's node: bare metal sees
 * the sockets of the cores it runs on (vCPU i is core i); a guest sees
 * cfg.numa_nodes nodes (0: as many as the host sockets in use), vCPUs
 * assigned to them in consecutive blocks as QEMU's -numa node,cpus= does. */
static void gm_nodes(world *w, vm *v, gm_state *g)
{
    g->node_of = vs_xcalloc((size_t)v->nvcpus, sizeof(int));
    int want = v->cfg.numa_nodes < 0 ? (guest_bare_metal(w) ? 0 : 1) : v->cfg.numa_nodes;
    int sockets = 0, dense[CFG_MAX_SOCKETS];
    for (int s = 0; s < CFG_MAX_SOCKETS; s++)
        dense[s] = -1;
    for (int i = 0; i < w->npcpus; i++)
        if (dense[w->pcpus[i].socket] < 0)
            dense[w->pcpus[i].socket] = sockets++;
    if (want == 0 && guest_bare_metal(w)) {
        g->nnodes = sockets;
        for (int k = 0; k < v->nvcpus; k++)
            g->node_of[k] = dense[w->pcpus[v->vcpus[k].gid % w->npcpus].socket];
        return;
    }
    g->nnodes = want == 0 ? sockets : want;
    if (g->nnodes > v->nvcpus)
        g->nnodes = v->nvcpus;
    for (int k = 0; k < v->nvcpus; k++)
        g->node_of[k] = (int)((int64_t)k * g->nnodes / v->nvcpus);
}

static void gmake_start(world *w, vm *v)
{
    const wl_cfg *c = &v->cfg.wl;
    gm_state *g = vs_xcalloc(1, sizeof(gm_state));
    v->wl_state = g;
    g->jobs = (int)lround(GM(v)->jobs_per_vcpu * v->nvcpus);
    if (g->jobs < 1)
        g->jobs = 1;
    g->ninst = GM(v)->instances * v->fold; /* k bare-metal "VMs": k x the builds in one OS */
    gm_nodes(w, v, g);
    double rc = 0, fc = 0;
    for (int k = 0; k < c->nklocks; k++) {
        const klock_cfg *kc = &c->klocks[k];
        int n = kc->scope == KS_NODE ? g->nnodes : kc->scope == KS_BUILD ? g->ninst : 1;
        if (kc->scope != KS_PROCESS) {
            g->klock[k] = vs_xcalloc((size_t)n, sizeof(lock *));
            for (int j = 0; j < n; j++) {
                char name[CFG_NAME + 16];
                if (kc->scope == KS_OS)
                    snprintf(name, sizeof name, "%s", kc->name);
                else
                    snprintf(name, sizeof name, "%s/%c%d", kc->name,
                             kc->scope == KS_NODE ? 'n' : 'b', j);
                g->klock[k][j] = guest_lock_irqs_off(guest_lock_new(w, v, name, 1), kc->irqs_off);
            }
        }
        g->run_cum[k] = rc += kc->run_weight;
        g->fork_cum[k] = fc += kc->fork_weight;
    }
    v->tenants = g->ninst;
    g->inst = vs_xcalloc((size_t)g->ninst, sizeof(gm_inst));
    for (int i = 0; i < g->ninst; i++) {
        g->inst[i].cpu = vs_xcalloc((size_t)GM(v)->compile_jobs, sizeof(sim_time));
        g->inst[i].rng = rng_streamf(w->sc->seed, "vm/%d/gmake/%d", v->id, i);
        gm_begin_build(w, v, i);
    }
}

/* The three steps of a kernel section; `cum` chooses the lock. */
static int gm_section(world *w, task *t, const double *cum, int step)
{
    vm *v = t->vm;
    gm_state *g = v->wl_state;
    const wl_cfg *c = &v->cfg.wl;
    switch (step) {
    case 0: {
        int k = t->wl_lock = gm_pick(cum, c->nklocks, t->rng);
        if (g->klock[k]) {
            int j = c->klocks[k].scope == KS_NODE    ? g->node_of[t->vc->id]
                    : c->klocks[k].scope == KS_BUILD ? t->wl_data
                                                     : 0;
            t->wl_inst = j; /* the instance it releases, wherever it runs then */
            task_lock(w, t, g->klock[k][j]);
        }
        return 1;
    }
    case 1:
        task_compute(w, t, dist_sample(&c->klocks[t->wl_lock].hold, t->rng));
        return 2;
    default:
        if (g->klock[t->wl_lock])
            task_unlock(w, t, g->klock[t->wl_lock][t->wl_inst]);
        return 3;
    }
}

static void gmake_step(world *w, task *t)
{
    vm *v = t->vm;
    gm_state *g = v->wl_state;
    switch (t->phase) {
    case P_EXEC_LOCK:
    case P_EXEC_HOLD:
    case P_EXEC_UNLOCK:
        if (t->phase == P_EXEC_LOCK && t->wl_count >= GM(v)->exec_sections) {
            t->phase = P_RUN;
            break;
        }
        if (gm_section(w, t, g->fork_cum, t->phase - P_EXEC_LOCK) == 3) {
            t->wl_count++;
            t->phase = P_EXEC_LOCK;
        } else {
            t->phase++;
        }
        break;
    case P_RUN:
        if (t->wl_budget <= 0) {
            t->wl_count = 0;
            t->phase = P_EXIT_LOCK;
            break;
        }
        {
            sim_time d = dist_sample(&GM(v)->kentry, t->rng);
            if (d > t->wl_budget || d <= 0)
                d = t->wl_budget;
            t->wl_budget -= d;
            t->phase = P_RUN_LOCK;
            t->wl_nominal = d; /* credited when it is done */
            task_compute(w, t, d);
        }
        break;
    case P_RUN_LOCK:
    case P_RUN_HOLD:
    case P_RUN_UNLOCK:
        if (t->phase == P_RUN_LOCK) { /* the stretch of CPU before it is done */
            gm_credit(w, v, &g->inst[t->wl_data], t->wl_nominal);
            t->wl_nominal = 0;
        }
        t->phase = gm_section(w, t, g->run_cum, t->phase - P_RUN_LOCK) == 3 ? P_RUN : t->phase + 1;
        break;
    case P_EXIT_LOCK:
    case P_EXIT_HOLD:
    case P_EXIT_UNLOCK:
        if (t->phase == P_EXIT_LOCK && t->wl_count >= GM(v)->exit_sections) {
            t->phase = P_DONE;
            break;
        }
        if (gm_section(w, t, g->fork_cum, t->phase - P_EXIT_LOCK) == 3) {
            t->wl_count++;
            t->phase = P_EXIT_LOCK;
        } else {
            t->phase++;
        }
        break;
    case P_DONE: {
        int i = t->wl_data;
        task_exit(w, t);
        t->wl_next = g->free; /* reusable once the guest switches it out */
        g->free = t;
        gm_process_done(w, v, i);
        break;
    }
    }
}

static void gmake_destroy(world *w, vm *v)
{
    (void)w;
    gm_state *g = v->wl_state;
    if (!g)
        return;
    for (int i = 0; i < g->ninst; i++) {
        free(g->inst[i].cpu);
        gsl_rng_free(g->inst[i].rng);
    }
    for (int k = 0; k < CFG_MAX_KLOCKS; k++)
        free(g->klock[k]);
    free(g->node_of);
    free(g->inst);
    free(g);
    v->wl_state = NULL;
}

static void gmake_report(const vm *v, wl_metrics *m)
{
    (void)v;
    m->builds = 1;
}

static const wl_ops wl_gmake_ops = {
    .start = gmake_start,
    .step = gmake_step,
    .destroy = gmake_destroy,
    .report = gmake_report,
    .tenants = 1,
};

const variant wl_gmake_variant = {
    .name = "gmake",
    .summary = "a parallel kernel build (make -j) in a loop, kernel sections taking kernel spinlocks",
    .ops = &wl_gmake_ops,
    .params = gm_params_tab,
    .nparams = (int)(sizeof gm_params_tab / sizeof gm_params_tab[0]),
    .size = sizeof(gm_params),
    .check = gm_check,
};
