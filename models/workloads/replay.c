/* replay: a recorded build replayed as `make -j J` over its job graph
 * (models/workloads/buildgraph.h, docs/replay.md).
 *
 * A job becomes ready when all its dependencies have finished. While fewer
 * than J jobs run, make starts the ready job that comes first in the log
 * (the lowest index: deterministic). Each job is one process, forked
 * spawn_delay after make decides to run it, that computes the job's recorded
 * time (x cpu_scale) and exits. With kernel_locks, the computation is broken
 * every ~kentry of CPU by a kernel section that takes a lock chosen by weight
 * and holds it ~hold; hold times count against the job's CPU time, so an
 * uncontended job still takes exactly its recorded time. When the last job
 * exits, the build is complete: its makespan (start of the build to the end
 * of its last job) is recorded, and with repeat the next build begins at
 * once.
 *
 * Throughput as in gmake: each finished job credits its share of the
 * build's CPU time to vm->work (in builds), so a measurement window need
 * not hold whole builds; vm->ops counts whole builds. */
#include "models/workloads/replay.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdlib.h>

#include <stddef.h>

#include "models/guest.h"
#include "models/workloads/buildgraph.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"

typedef struct rp_params {
    int jobs;             /* make -j (0 until check: one per vCPU) */
    int repeat;           /* start the build again when it completes */
    int64_t spawn_delay;  /* make decides to run a job -> its process starts, ns */
    double cpu_scale;     /* multiplies every job's CPU time */
    dist kentry;          /* CPU time between two kernel sections (with kernel_locks) */
} rp_params;
VP_FITS(rp_params);

static const vparam rp_params_tab[] = {
    {.key = "log", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "a .ninja_log or jobs CSV, relative to the scenario (one of log, jobs_csv)"},
    {.key = "jobs_csv", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "a jobs CSV with dependencies (one of log, jobs_csv)"},
    {.key = "format", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "\"ninja\" or \"csv\" (default: from the file name)"},
    {.key = "jobs", .type = VP_INTV, .def = 0, .lo = 1, .hi = 65536, .unit = "jobs",
     .doc = "make -j: jobs running at once (default: one per vCPU)", .off = offsetof(rp_params, jobs)},
    {.key = "repeat", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "start the build again when it completes", .off = offsetof(rp_params, repeat)},
    {.key = "spawn_delay_ns", .type = VP_INT, .def = 0, .lo = 0, .hi = 1e12, .unit = "ns",
     .doc = "make decides to run a job -> its process starts", .off = offsetof(rp_params, spawn_delay)},
    {.key = "cpu_scale", .type = VP_NUM, .def = 1.0, .lo = 1e-6, .hi = 1000, .unit = "",
     .doc = "multiplies every job's CPU time", .off = offsetof(rp_params, cpu_scale)},
    {.key = "kentry", .type = VP_DIST, .def = 100000, .lo = 0, .hi = 0, .unit = "ns",
     .doc = "CPU time between two kernel sections (only with kernel_locks)",
     .off = offsetof(rp_params, kentry)},
    {.key = "kernel_locks", .type = VP_CUSTOM, .def = 0, .lo = 0, .hi = 0, .unit = "",
     .doc = "1 to 8 kernel lock classes {name, private, weight, hold}"},
};

static int rp_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)key;
    (void)why;
    (void)n;
    rp_params *p = (rp_params *)(void *)((wl_cfg *)par)->par.b;
    if (p->jobs == 0)
        p->jobs = c->nvcpus;
    return 0;
}

#define RP(v) VP_OF(rp_params, &(v)->cfg.wl.par)

enum { P_RUN, P_LOCK, P_HOLD, P_UNLOCK }; /* process steps */

/* Per VM. Invariants: running <= jobs; a job is in ready[] exactly when
 * waiting[job] == 0 and it has not been started in this build; done counts
 * the jobs of this build that have exited. */
typedef struct rp_state {
    const blog_graph *g;     /* the job graph (borrowed from the scenario) */
    int jobs;                /* make -j */
    sim_time *cpu;           /* per job: CPU time after cpu_scale */
    double total;            /* sum of cpu[], ns */
    int *waiting;            /* per job: dependencies not finished in this build */
    int *ready;              /* min-heap of ready job indexes (log order) */
    int nready;
    int running;             /* processes alive or about to be forked */
    int done;                /* jobs finished in this build */
    sim_time begin;          /* when this build began */
    sim_time *makespans;     /* finished builds that began after warm-up, ns */
    int nmk, capmk;
    task *free;              /* finished processes, reused */
    lock *klock[CFG_MAX_KLOCKS]; /* NULL for private lock classes */
    double cum[CFG_MAX_KLOCKS];  /* cumulative weights */
} rp_state;

/* --- ready jobs: a binary min-heap of indexes ----------------------------- */

static void rp_push(rp_state *s, int j)
{
    int i = s->nready++;
    while (i > 0 && s->ready[(i - 1) / 2] > j) {
        s->ready[i] = s->ready[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    s->ready[i] = j;
}

static int rp_pop(rp_state *s)
{
    int top = s->ready[0], x = s->ready[--s->nready], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= s->nready)
            break;
        if (c + 1 < s->nready && s->ready[c + 1] < s->ready[c])
            c++;
        if (s->ready[c] >= x)
            break;
        s->ready[i] = s->ready[c];
        i = c;
    }
    if (s->nready)
        s->ready[i] = x;
    return top;
}

/* --- make ----------------------------------------------------------------- */

static void rp_spawn_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    guest_wake_task(world_of(sim), ctx);
}

/* Forks processes for ready jobs while fewer than J run. */
static void rp_fill(world *w, vm *v)
{
    rp_state *s = v->wl_state;
    while (s->running < s->jobs && s->nready) {
        int j = rp_pop(s);
        task *t = s->free;
        if (t)
            s->free = t->wl_next;
        else
            t = task_new(w, v);
        t->wl_next = NULL;
        t->wl_data = j;
        t->wl_budget = s->cpu[j];
        t->wl_nominal = s->cpu[j];
        t->phase = P_RUN;
        s->running++;
        ev_schedule(&w->sim, w->sim.now + RP(v)->spawn_delay, rp_spawn_ev, t, 0);
    }
}

static void rp_begin(world *w, vm *v)
{
    rp_state *s = v->wl_state;
    s->begin = w->sim.now;
    s->done = 0;
    s->nready = 0;
    for (int j = 0; j < s->g->njobs; j++)
        if (!(s->waiting[j] = s->g->jobs[j].ndeps))
            rp_push(s, j);
    rp_fill(w, v);
}

/* Job j exited: release its dependents, finish or continue the build. */
static void rp_job_done(world *w, vm *v, int j)
{
    rp_state *s = v->wl_state;
    const blog_job *b = &s->g->jobs[j];
    s->running--;
    s->done++;
    if (world_measuring(w))
        v->work += s->total > 0 ? (double)s->cpu[j] / s->total : 1.0 / s->g->njobs;
    for (int k = 0; k < b->nsucc; k++)
        if (--s->waiting[b->succ[k]] == 0)
            rp_push(s, b->succ[k]);
    if (s->done < s->g->njobs) {
        rp_fill(w, v);
        return;
    }
    if (s->begin >= w->warmup) {
        if (s->nmk == s->capmk) {
            s->capmk = s->capmk ? 2 * s->capmk : 64;
            s->makespans = vs_xreallocarray(s->makespans, (size_t)s->capmk, sizeof(sim_time));
        }
        s->makespans[s->nmk++] = w->sim.now - s->begin;
    }
    if (world_measuring(w))
        v->ops++;
    if (RP(v)->repeat)
        rp_begin(w, v);
}

static void replay_start(world *w, vm *v)
{
    const wl_cfg *c = &v->cfg.wl;
    rp_state *s = vs_xcalloc(1, sizeof(rp_state));
    v->wl_state = s;
    v->tenants = 1;
    s->g = c->graph;
    s->jobs = RP(v)->jobs > 0 ? RP(v)->jobs : v->nvcpus;
    int n = s->g->njobs;
    s->cpu = vs_xcalloc((size_t)n, sizeof(sim_time));
    s->waiting = vs_xcalloc((size_t)n, sizeof(int));
    s->ready = vs_xcalloc((size_t)n, sizeof(int));
    for (int j = 0; j < n; j++) {
        s->cpu[j] = (sim_time)llround((double)s->g->jobs[j].cpu_ns * RP(v)->cpu_scale);
        s->total += (double)s->cpu[j];
    }
    double cum = 0;
    for (int k = 0; k < c->nklocks; k++) {
        s->klock[k] = c->klocks[k].private_lock
                          ? NULL
                          : guest_lock_irqs_off(guest_lock_new(w, v, c->klocks[k].name, 1), c->klocks[k].irqs_off);
        s->cum[k] = cum += c->klocks[k].run_weight;
    }
    rp_begin(w, v);
}

/* --- a job's process ------------------------------------------------------ */

static void rp_exit(world *w, task *t)
{
    vm *v = t->vm;
    rp_state *s = v->wl_state;
    int j = t->wl_data;
    task_exit(w, t);
    t->wl_next = s->free; /* reusable once the guest switches it out */
    s->free = t;
    rp_job_done(w, v, j);
}

static void replay_step(world *w, task *t)
{
    vm *v = t->vm;
    rp_state *s = v->wl_state;
    const wl_cfg *c = &v->cfg.wl;
    switch (t->phase) {
    case P_RUN: {
        if (t->wl_budget <= 0) {
            rp_exit(w, t);
            break;
        }
        sim_time d = t->wl_budget;
        if (c->nklocks) {
            sim_time k = dist_sample(&RP(v)->kentry, t->rng);
            if (k > 0 && k < d)
                d = k;
            t->phase = P_LOCK;
        }
        t->wl_budget -= d;
        task_compute(w, t, d);
        break;
    }
    case P_LOCK: {
        if (t->wl_budget <= 0) {
            rp_exit(w, t);
            break;
        }
        double u = gsl_rng_uniform(t->rng) * s->cum[c->nklocks - 1];
        int k = 0;
        while (k < c->nklocks - 1 && u >= s->cum[k])
            k++;
        t->wl_lock = k;
        t->phase = P_HOLD;
        if (s->klock[k])
            task_lock(w, t, s->klock[k]);
        break;
    }
    case P_HOLD: {
        sim_time h = dist_sample(&c->klocks[t->wl_lock].hold, t->rng);
        if (h > t->wl_budget)
            h = t->wl_budget;
        t->wl_budget -= h;
        t->phase = P_UNLOCK;
        task_compute(w, t, h);
        break;
    }
    default: /* P_UNLOCK */
        t->phase = P_RUN;
        if (s->klock[t->wl_lock])
            task_unlock(w, t, s->klock[t->wl_lock]);
        break;
    }
}

static void replay_destroy(world *w, vm *v)
{
    (void)w;
    rp_state *s = v->wl_state;
    if (!s)
        return;
    free(s->cpu);
    free(s->waiting);
    free(s->ready);
    free(s->makespans);
    free(s);
    v->wl_state = NULL;
}

static const wl_ops wl_replay_ops;

int replay_makespans(const vm *v, const sim_time **out)
{
    const rp_state *s = wl_of(v) == &wl_replay_ops ? v->wl_state : NULL;
    *out = s ? s->makespans : NULL;
    return s ? s->nmk : 0;
}

static void replay_report(const vm *v, wl_metrics *m)
{
    m->builds = 1;
    m->has_makespans = 1;
    m->nmakespans = replay_makespans(v, &m->makespans);
}

static const wl_ops wl_replay_ops = {
    .start = replay_start,
    .step = replay_step,
    .destroy = replay_destroy,
    .report = replay_report,
};

const variant wl_replay_variant = {
    .name = "replay",
    .summary = "a recorded build (ninja log or jobs CSV) replayed as make -j J",
    .ops = &wl_replay_ops,
    .params = rp_params_tab,
    .nparams = (int)(sizeof rp_params_tab / sizeof rp_params_tab[0]),
    .size = sizeof(rp_params),
    .check = rp_check,
};
