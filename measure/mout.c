/* mout.c - the output files of `vmsim measure` (mout.h). */
#include "measure/mout.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/csv.h"
#include "measure/model.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

int mo_add(mo_set *s, const mo_attempt *a)
{
    if (s->natt == s->catt) {
        s->catt = s->catt ? 2 * s->catt : 64;
        s->att = vs_xreallocarray(s->att, (size_t)s->catt, sizeof *s->att);
    }
    s->att[s->natt] = *a;
    return s->natt++;
}

void mo_free(mo_set *s)
{
    for (int i = 0; i < s->natt; i++)
        mr_result_free(&s->att[i].r);
    free(s->att);
    free(s->kept);
    free(s->cfgs);
    memset(s, 0, sizeof *s);
}

static const char *mo_status(int st)
{
    return st == MO_OK ? "ok" : st == MO_REJECTED ? "rejected" : "noisy-kept";
}

/* A number cell: 12 significant digits, empty when not finite. */
static void mo_num(FILE *f, double x)
{
    if (isfinite(x))
        fprintf(f, "%.12g", x);
}

/* --- per-run figures, by name (the summary's metric list) ----------------- */

typedef struct mo_metric {
    const char *name;
    double (*get)(const mr_result *r, const mr_config *c);
} mo_metric;

static double g_ops(const mr_result *r, const mr_config *c) { (void)c; return r->ops_per_s; }
static double g_wait(const mr_result *r, const mr_config *c) { (void)c; return r->wait_mean_ns; }
static double g_p50(const mr_result *r, const mr_config *c) { (void)c; return r->wait_p50_ns; }
static double g_p99(const mr_result *r, const mr_config *c) { (void)c; return r->wait_p99_ns; }
static double g_fair(const mr_result *r, const mr_config *c) { (void)c; return r->fairness; }
static double mo_rate(double x, const mr_result *r) { return r->window_s > 0 ? x / r->window_s : NAN; }
static double g_halts(const mr_result *r, const mr_config *c)
{
    return c->ops->model ? mo_rate((double)r->halts, r) : NAN;
}
static double g_kicks(const mr_result *r, const mr_config *c)
{
    return c->ops->model ? mo_rate((double)r->kicks, r) : NAN;
}
static double g_vcs(const mr_result *r, const mr_config *c) { (void)c; return mo_rate((double)r->vol_cs, r); }
static double g_ics(const mr_result *r, const mr_config *c) { (void)c; return mo_rate((double)r->invol_cs, r); }
static double g_cpu(const mr_result *r, const mr_config *c) { (void)c; return mo_rate(r->cpu_s, r); }
static double g_noise(const mr_result *r, const mr_config *c) { (void)c; return r->foreign_share; }

static const mo_metric mo_metrics[] = {
    {"ops_per_s", g_ops},          {"lock_wait_ns_mean", g_wait},
    {"wait_ns_p50", g_p50},        {"wait_ns_p99", g_p99},
    {"fairness", g_fair},          {"futex_waits_per_s", g_halts},
    {"futex_wakes_per_s", g_kicks}, {"vol_cs_per_s", g_vcs},
    {"invol_cs_per_s", g_ics},     {"cpus_busy", g_cpu},
    {"foreign_share", g_noise},
};
#define MO_NMETRICS ((int)(sizeof mo_metrics / sizeof mo_metrics[0]))

static int mo_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v[0..n-1] (n >= 1) and returns its median. */
static double mo_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], mo_cmp);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median, min, max and sample sd of metric m over the kept reps of config
 * c; returns how many values (NaN values left out). */
static int mo_stats(const mo_set *s, int c, const mo_metric *m, double *med, double *lo,
                    double *hi, double *sd)
{
    double v[1000];
    int n = 0;
    for (int k = 0; k < s->reps && n < 1000; k++) {
        int a = s->kept[c * s->reps + k];
        if (a < 0)
            continue;
        double x = m->get(&s->att[a].r, &s->cfgs[c]);
        if (isfinite(x))
            v[n++] = x;
    }
    *med = *lo = *hi = *sd = NAN;
    if (!n)
        return 0;
    *med = mo_median(v, n);
    *lo = v[0];
    *hi = v[n - 1];
    double mean = 0, ss = 0;
    for (int i = 0; i < n; i++)
        mean += v[i] / n;
    for (int i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    *sd = n > 1 ? sqrt(ss / (n - 1)) : 0;
    return n;
}

static int mo_nkept(const mo_set *s, int c, int *noisy)
{
    int n = 0;
    *noisy = 0;
    for (int k = 0; k < s->reps; k++) {
        int a = s->kept[c * s->reps + k];
        if (a >= 0) {
            n++;
            *noisy += s->att[a].status == MO_NOISY;
        }
    }
    return n;
}

/* --- the files -------------------------------------------------------------- */

static void mo_runs_csv(FILE *f, const mo_set *s)
{
    fprintf(f, "config,rep,attempt,status,lock,threads,think_ns,hold_ns,spin_threshold,window_s,"
               "acquisitions,ops_per_s,lock_wait_ns_mean,wait_ns_p50,wait_ns_p99,wait_ns_max,"
               "fairness,shares,futex_waits,futex_wakes,futex_waits_per_s,futex_wakes_per_s,"
               "vol_cs,invol_cs,cpu_s,user_s,sys_s,busy_cpu_s,own_cpu_s,foreign_share,"
               "idle_before\n");
    for (int i = 0; i < s->natt; i++) {
        const mo_attempt *a = &s->att[i];
        const mr_config *c = &s->cfgs[a->config];
        const mr_result *r = &a->r;
        fprintf(f, "%d,%d,%d,%s,", a->config, a->rep, a->attempt, mo_status(a->status));
        csv_write_text(f, c->ops->name);
        fprintf(f, ",%d,%llu,%llu,%llu,", c->threads, (unsigned long long)c->think_ns,
                (unsigned long long)c->hold_ns, (unsigned long long)c->spin_threshold);
        mo_num(f, r->window_s);
        fprintf(f, ",%llu,", (unsigned long long)r->acquisitions);
        double row[] = {r->ops_per_s, r->wait_mean_ns, r->wait_p50_ns, r->wait_p99_ns,
                        r->wait_max_ns, r->fairness};
        for (size_t k = 0; k < sizeof row / sizeof row[0]; k++) {
            mo_num(f, row[k]);
            fputc(',', f);
        }
        for (int k = 0; k < r->nshares; k++)
            fprintf(f, "%s%.6g", k ? ";" : "", r->shares[k]);
        fputc(',', f);
        if (c->ops->model) /* mutex: pthread's own futex calls are not counted */
            fprintf(f, "%llu,%llu,", (unsigned long long)r->halts, (unsigned long long)r->kicks);
        else
            fputs(",,", f);
        mo_num(f, g_halts(r, c));
        fputc(',', f);
        mo_num(f, g_kicks(r, c));
        fprintf(f, ",%llu,%llu,", (unsigned long long)r->vol_cs, (unsigned long long)r->invol_cs);
        double tail[] = {r->cpu_s, r->user_s, r->sys_s, r->busy_cpu_s, r->own_cpu_s,
                         r->foreign_share, a->idle_before};
        for (size_t k = 0; k < sizeof tail / sizeof tail[0]; k++) {
            if (k)
                fputc(',', f);
            if (!(tail[k] < 0 && (k == 3 || k == 6))) /* -1: unknown */
                mo_num(f, tail[k]);
        }
        fputc('\n', f);
    }
}

static void mo_summary_csv(FILE *f, const mo_set *s)
{
    fprintf(f, "lock,threads,think_ns,hold_ns,think_hold,reps,noisy_reps");
    for (int m = 0; m < MO_NMETRICS; m++)
        fprintf(f, ",%s_median,%s_min,%s_max,%s_sd", mo_metrics[m].name, mo_metrics[m].name,
                mo_metrics[m].name, mo_metrics[m].name);
    fputc('\n', f);
    for (int c = 0; c < s->ncfg; c++) {
        int noisy, n = mo_nkept(s, c, &noisy);
        if (!n)
            continue;
        const mr_config *cf = &s->cfgs[c];
        char lab[64];
        mm_think_hold_label(cf->think_ns, cf->hold_ns, lab, sizeof lab);
        csv_write_text(f, cf->ops->name);
        fprintf(f, ",%d,%llu,%llu,%s,%d,%d", cf->threads, (unsigned long long)cf->think_ns,
                (unsigned long long)cf->hold_ns, lab, n, noisy);
        for (int m = 0; m < MO_NMETRICS; m++) {
            double med, lo, hi, sd;
            mo_stats(s, c, &mo_metrics[m], &med, &lo, &hi, &sd);
            double v[4] = {med, lo, hi, sd};
            for (int k = 0; k < 4; k++) {
                fputc(',', f);
                mo_num(f, v[k]);
            }
        }
        fputc('\n', f);
    }
}

/* measured.csv (metric index m) for vmsim validate: the axes of model.json,
 * the median over the kept repetitions and its companion NAME_sd. */
static void mo_measured_csv(FILE *f, const mo_set *s, const mr_machine *mach, int m)
{
    const char *name = mo_metrics[m].name;
    fprintf(f, "# vmsim measure on %s (%d CPUs, Linux %s): median over the repetitions of "
               "each configuration;\n# %s_sd is their sample sd; min/max/p99 and the mutex "
               "reference are in summary.csv and runs.csv.\n"
               "# Compare: vmsim validate model.json --measured THIS_FILE\n",
            mach->cpu_model[0] ? mach->cpu_model : "an unknown CPU", mach->ncpu_avail,
            mach->kernel, name);
    int nnoisy = 0;
    for (int c = 0; c < s->ncfg; c++) {
        int noisy;
        mo_nkept(s, c, &noisy);
        nnoisy += mm_modelled(&s->cfgs[c]) && noisy > 0;
    }
    if (nnoisy)
        fprintf(f, "# %d configurations below include repetitions kept although noisy "
                   "(summary.csv noisy_reps)\n", nnoisy);
    fprintf(f, "lock,threads,think_hold,%s,%s_sd\n", name, name);
    for (int c = 0; c < s->ncfg; c++) {
        const mr_config *cf = &s->cfgs[c];
        int noisy;
        if (!mm_modelled(cf) || !mo_nkept(s, c, &noisy))
            continue;
        double med, lo, hi, sd;
        if (!mo_stats(s, c, &mo_metrics[m], &med, &lo, &hi, &sd))
            continue;
        char lab[64];
        mm_think_hold_label(cf->think_ns, cf->hold_ns, lab, sizeof lab);
        csv_write_text(f, cf->ops->name);
        fprintf(f, ",%d,%s,", cf->threads, lab);
        mo_num(f, med);
        fputc(',', f);
        mo_num(f, sd);
        fputc('\n', f);
    }
}

/* Writes what fill() prints into DIR/NAME atomically. */
static int mo_file(const char *dir, const char *name, void (*fill)(FILE *, const void *, int),
                   const void *arg, int iarg, vs_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fsu_file o;
    if (fsu_open(&o, path, err))
        return -1;
    fill(o.f, arg, iarg);
    return fsu_commit(&o, err);
}

typedef struct mo_args {
    const mo_set *s;
    const mr_machine *m;
} mo_args;

static void fill_runs(FILE *f, const void *a, int i) { (void)i; mo_runs_csv(f, ((const mo_args *)a)->s); }
static void fill_summary(FILE *f, const void *a, int i) { (void)i; mo_summary_csv(f, ((const mo_args *)a)->s); }
static void fill_measured(FILE *f, const void *a, int i)
{
    mo_measured_csv(f, ((const mo_args *)a)->s, ((const mo_args *)a)->m, i);
}

static int mo_json_file(const char *dir, const char *name, json_t *doc, vs_err *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
    if (!text)
        return err_internal(err, "%s: out of memory", path);
    size_t l = strlen(text);
    char *t2 = vs_xmalloc(l + 2);
    memcpy(t2, text, l);
    t2[l] = '\n';
    t2[l + 1] = 0;
    free(text);
    int rc = fsu_write_string(path, t2, err);
    free(t2);
    return rc;
}

/* The median foreign CPU share of the kept runs: the machine's own activity
 * while it measured (0 when nothing was kept). */
static double mo_background(const mo_set *s)
{
    double *v = vs_xcalloc((size_t)s->ncfg * (size_t)s->reps + 1, sizeof(double));
    int n = 0;
    for (int i = 0; i < s->ncfg * s->reps; i++)
        if (s->kept[i] >= 0)
            v[n++] = s->att[s->kept[i]].r.foreign_share;
    double med = n ? mo_median(v, n) : 0;
    free(v);
    return med;
}

int mo_write(const char *dir, const mo_set *s, const mr_machine *m, json_t *facts,
             uint64_t spin_threshold, const char *log, vs_err *err)
{
    mo_args a = {s, m};
    if (mo_file(dir, "runs.csv", fill_runs, &a, 0, err) ||
        mo_file(dir, "summary.csv", fill_summary, &a, 0, err) ||
        mo_file(dir, "measured.csv", fill_measured, &a, 0, err) ||
        mo_file(dir, "measured-wait.csv", fill_measured, &a, 1, err) ||
        mo_json_file(dir, "machine.json", facts, err))
        return -1;
    json_t *model = mm_model_scenario(m, s->cfgs, s->ncfg, spin_threshold, mo_background(s));
    int rc = mo_json_file(dir, "model.json", model, err);
    json_decref(model);
    if (rc)
        return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/log.txt", dir);
    return fsu_write_string(path, log ? log : "", err);
}
