/* batches.c - batch means within one run (see batches.h). */
#include "analysis/batches.h"

#include <math.h>
#include <stdlib.h>

#include "analysis/summary.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"

struct batches {
    int n;          /* batches */
    int done;       /* boundaries sampled */
    sim_time start; /* the window's start (warmup) */
    sim_time len;   /* one batch, ns (the last one takes the rounding) */
    double *cum;    /* n: the headline units per VM counted by the end of batch k */
};

/* The headline units of the run so far, per VM: builds for gmake (partial
 * builds counted by CPU time), operations otherwise - those report_build
 * divides by the measured time. */
static double batches_units(const world *w)
{
    double u = 0;
    int tenants = 0;
    for (int i = 0; i < w->nvms; i++) {
        const vm *v = &w->vms[i];
        wl_metrics wm;
        wl_report(v, &wm);
        u += wm.builds ? v->work : (double)v->ops;
        tenants += v->tenants;
    }
    return tenants ? u / tenants : 0;
}

/* 1 when the workloads count builds (builds per hour), 0 (ops per second). */
static int batches_builds(const world *w)
{
    for (int i = 0; i < w->nvms; i++) {
        wl_metrics wm;
        wl_report(&w->vms[i], &wm);
        if (wm.builds)
            return 1;
    }
    return 0;
}

batches *batches_new(const world *w)
{
    if (w->sc->batches < 2)
        return NULL;
    batches *b = vs_xcalloc(1, sizeof *b);
    b->n = w->sc->batches;
    b->start = w->warmup;
    b->len = (w->sim.end - w->warmup) / b->n;
    b->cum = vs_xcalloc((size_t)b->n, sizeof(double));
    return b;
}

sim_time batches_next(const batches *b)
{
    return b->done < b->n - 1 ? b->start + (sim_time)(b->done + 1) * b->len : SIM_TIME_MAX;
}

void batches_sample(batches *b, const world *w)
{
    if (b->done < b->n - 1)
        b->cum[b->done++] = batches_units(w);
}

double batches_report(batches *b, const world *w, json_t *r)
{
    double *x = vs_xcalloc((size_t)b->n, sizeof(double));
    sim_time end = w->sim.now > w->sim.end ? w->sim.end : w->sim.now;
    double now = batches_units(w);
    for (int k = b->done; k < b->n; k++) /* boundaries after an early stop: nothing more came */
        b->cum[k] = now;
    double scale = batches_builds(w) ? 3600 : 1, prev = 0;
    json_t *vals = json_array();
    for (int k = 0; k < b->n; k++) {
        sim_time lo = b->start + (sim_time)k * b->len;
        sim_time hi = k == b->n - 1 ? end : lo + b->len;
        double s = hi > lo ? (double)(hi - lo) / 1e9 : 0;
        x[k] = s > 0 ? (b->cum[k] - prev) / s * scale : 0;
        prev = b->cum[k];
        json_array_append_new(vals, json_real(x[k]));
    }
    double mean, half, lag1 = NAN;
    summ_ci95(x, b->n, &mean, &half);
    if (b->n >= 3) {
        double num = 0, den = 0;
        for (int k = 0; k < b->n; k++) {
            den += (x[k] - mean) * (x[k] - mean);
            if (k > 0)
                num += (x[k] - mean) * (x[k - 1] - mean);
        }
        lag1 = den > 0 ? num / den : 0;
    }
    json_t *o = json_object();
    json_object_set_new(o, "n", json_integer(b->n));
    json_object_set_new(o, "length_s", json_real((double)b->len / 1e9));
    json_object_set_new(o, "throughput_per_vm", vals);
    json_object_set_new(o, "mean", json_real(mean));
    json_object_set_new(o, "ci95", json_real(half));
    json_object_set_new(o, "lag1", isnan(lag1) ? json_null() : json_real(lag1));
    json_object_set_new(r, "batches", o);
    json_t *m = json_object_get(r, "metrics");
    if (m) {
        json_object_set_new(m, "batch_ci95", json_real(half));
        if (!isnan(lag1))
            json_object_set_new(m, "batch_lag1", json_real(lag1));
    }
    free(x);
    batches_free(b);
    return lag1;
}

void batches_free(batches *b)
{
    if (!b)
        return;
    free(b->cum);
    free(b);
}
