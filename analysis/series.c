/* series.c - the time series of a run (see series.h). */
#include "analysis/series.h"

#include <stdlib.h>

#include "models/locks/lock.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

/* The counters at the previous sample. */
struct series {
    fsu_file out;
    sim_time interval, last;
    uint64_t ops, lhp, lwp, ple, kicks;
    double work;
};

/* Sums of the cumulative counters over every VM and lock. */
static void series_totals(const world *w, uint64_t *ops, double *work, uint64_t *lhp,
                          uint64_t *lwp, uint64_t *ple, uint64_t *kicks, int *lhp_now,
                          int *lwp_now)
{
    *ops = *lhp = *lwp = *ple = *kicks = 0;
    *work = 0;
    *lhp_now = *lwp_now = 0;
    for (int i = 0; i < w->nvms; i++) {
        const vm *v = &w->vms[i];
        *ops += v->ops;
        *work += v->work;
        for (int k = 0; k < v->nlocks; k++) {
            const lock *l = v->locks[k];
            *lhp += l->lhp_n;
            *lwp += l->lwp_n;
            *ple += l->ple_exits;
            *kicks += l->kicks;
            *lhp_now += l->lhp_since >= 0;
            *lwp_now += l->lwp_since >= 0 && !l->lwp_halted;
        }
    }
}

series *series_open(const char *path, const world *w, sim_time interval, vs_err *err)
{
    series *s = vs_xcalloc(1, sizeof *s);
    if (fsu_open(&s->out, path, err)) {
        free(s);
        return NULL;
    }
    s->interval = interval;
    s->last = w->sim.now;
    int a, b;
    series_totals(w, &s->ops, &s->work, &s->lhp, &s->lwp, &s->ple, &s->kicks, &a, &b);
    fprintf(s->out.f, "# vmsim run --series: one row per %.9g s of simulated time; counts from "
                      "warmup_s = %.9g s on (as in the results), states sampled at time_s\n",
            (double)interval / 1e9, (double)w->warmup / 1e9);
    fputs("time_s,ops,ops_per_s,work_per_hour,running,spinning,halted,runnable,lhp,lwp,lhp_now,"
          "lwp_now,ple_exits,kicks\n",
          s->out.f);
    return s;
}

void series_sample(series *s, const world *w)
{
    sim_time now = w->sim.now;
    if (now <= s->last)
        return;
    uint64_t ops, lhp, lwp, ple, kicks;
    double work;
    int lhp_now, lwp_now, running = 0, spinning = 0, halted = 0, runnable = 0;
    series_totals(w, &ops, &work, &lhp, &lwp, &ple, &kicks, &lhp_now, &lwp_now);
    for (int g = 0; g < w->nvcpus; g++) {
        const vcpu *vc = w->all_vcpus[g];
        switch (vc->hs) {
        case VH_RUNNING:
            running++;
            spinning += vc->cur && ((vc->cur->act == TA_SPIN && !vc->cur->pv_halted) ||
                                    vc->cur->act == TA_IPI); /* csd_lock_wait spins too */
            break;
        case VH_HALTED: halted++; break;
        case VH_RUNNABLE: runnable++; break;
        }
    }
    double dt = (double)(now - s->last) / 1e9;
    fprintf(s->out.f, "%.9g,%llu,%.9g,%.9g,%d,%d,%d,%d,%llu,%llu,%d,%d,%llu,%llu\n",
            (double)now / 1e9, (unsigned long long)(ops - s->ops), (double)(ops - s->ops) / dt,
            (work - s->work) / dt * 3600, running, spinning, halted, runnable,
            (unsigned long long)(lhp - s->lhp), (unsigned long long)(lwp - s->lwp), lhp_now,
            lwp_now, (unsigned long long)(ple - s->ple), (unsigned long long)(kicks - s->kicks));
    s->last = now;
    s->ops = ops;
    s->work = work;
    s->lhp = lhp;
    s->lwp = lwp;
    s->ple = ple;
    s->kicks = kicks;
}

int series_close(series *s, vs_err *err)
{
    int rc = fsu_commit(&s->out, err);
    free(s);
    return rc;
}

void series_abort(series *s)
{
    fsu_abort(&s->out);
    free(s);
}
