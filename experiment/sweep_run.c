/* sweep_run.c - running a sweep (see sweep_run.h and docs/sweep.md).
 *
 * Layout: progress and messages; the queue of points; one point in-process;
 * the pool callbacks; the tables; srun_run; the launcher. */
#include "experiment/sweep_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analysis/runner.h"
#include "analysis/summary.h"
#include "config/scenario.h"
#include "experiment/dirlock.h"
#include "experiment/pool.h"
#include "experiment/store.h"
#include "output/jsonw.h"
#include "output/tables.h"
#include "sim/fsutil.h"
#include "sim/mem.h"
#ifdef VMSIM_MPI
#include "experiment/sweep_mpi.h"
#endif

double srun_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- progress and messages ------------------------------------------------ */

void srun_report(const srun_opts *o, srun_prog_kind kind, int64_t total, int64_t before,
                 int64_t done, int workers, const char *what)
{
    if (!o->progress)
        return;
    srun_prog ev = {.kind = kind, .total = total, .before = before, .done = done,
                    .workers = workers, .what = what, .shard_i = o->shard_i,
                    .shard_n = o->shard_n};
    o->progress(o->progress_ctx, &ev);
}

void srun_note(const srun_opts *o, const char *msg)
{
    srun_report(o, SRUN_PROG_CLEAR, 0, 0, 0, 0, NULL);
    fprintf(stderr, "vmsim sweep: %s\n", msg);
}

/* --- the queue of points ---------------------------------------------------- */

void srun_queue_init(srun_queue *q, const sweep_spec *sp, int shard_i, int shard_n,
                     const uint8_t *done)
{
    *q = (srun_queue){.sp = sp, .done = done, .shard_i = shard_i, .shard_n = shard_n};
    q->order = vs_xcalloc((size_t)sp->ncombos, sizeof(uint32_t));
    sweep_order(sp, q->order);
}

int64_t srun_queue_next(srun_queue *q)
{
    const sweep_spec *sp = q->sp;
    while (q->oi < sp->ncombos) {
        int64_t p = (int64_t)q->order[q->oi] * sp->nseeds + q->si;
        if (++q->si == sp->nseeds) {
            q->si = 0;
            q->oi++;
        }
        if (!store_done(q->done, p) && (!q->want || store_done(q->want, p)) &&
            sweep_in_shard(q->shard_i, q->shard_n, p))
            return p;
    }
    return -1;
}

void srun_queue_free(srun_queue *q)
{
    free(q->order);
    q->order = NULL;
}

/* --- one point ------------------------------------------------------------------ */

int srun_point_text(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                    int64_t p, char **text, double *wall, vs_err *err)
{
    *text = NULL;
#ifdef VMSIM_TEST_HOOKS
    const char *crash = getenv("VMSIM_SWEEP_TEST_CRASH"); /* fault injection for the tests */
    if (crash && *crash && strtoll(crash, NULL, 10) == p)
        abort();
#endif
    json_t *doc = sweep_point_doc(sp, base, file, p, err);
    if (!doc)
        return -1;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s", run_cmd ? run_cmd : "vmsim run");
    sweep_point_sets(sp, p, cmd, sizeof cmd);
    runner_opts ro = {.command_line = cmd};
    json_t *res;
    int bad = runner_run_doc(doc, file, &ro, &res, err);
    json_decref(doc);
    if (bad)
        return -1;
    json_object_set_new(res, "sweep_point", sweep_point_id(sp, p));
    *wall = metric_num(sc_get_path(res, "wall.seconds"));
    *text = jw_text(res);
    json_decref(res);
    if (!*text)
        return err_internal(err, "out of memory writing point %lld", (long long)p);
    return 0;
}

void srun_point_failure(const sweep_spec *sp, int64_t p, const char *msg, char *buf, size_t n)
{
    char desc[1024];
    sweep_point_desc(sp, p, desc, sizeof desc);
    snprintf(buf, n, "point %lld (%s): %s", (long long)p, desc, msg);
}

/* --- the pool callbacks ------------------------------------------------------------ */

/* A running sweep, as the pool callbacks see it (a copy lives in every
 * worker after fork). */
typedef struct srun_ctx {
    const sweep_spec *sp; /* the sweep */
    json_t *base;         /* the scenario after --set */
    const char *file;     /* the scenario file */
    const srun_opts *o;   /* options */
    srun_queue q;         /* the points to hand out */
    uint8_t *done;        /* bitmap of finished points */
    const uint8_t *want;  /* bitmap of the points to run (precision rounds), or NULL: all */
    int64_t ndone;        /* finished points of this run */
    int64_t total;        /* points of this run */
} srun_ctx;

/* Runs point p in this process and writes its file. */
static int srun_cb_run(void *ctx, int64_t p, double *wall, vs_err *err)
{
    srun_ctx *c = ctx;
    char *text;
    if (srun_point_text(c->sp, c->base, c->file, c->o->run_cmd, p, &text, wall, err))
        return -1;
    int bad = store_write_point(c->o->dir, p, text, err);
    free(text);
    return bad;
}

static int64_t srun_cb_next(void *ctx)
{
    return srun_queue_next(&((srun_ctx *)ctx)->q);
}

static void srun_cb_done(void *ctx, int64_t p)
{
    srun_ctx *c = ctx;
    if (!store_done(c->done, p)) {
        store_mark(c->done, p);
        c->ndone++;
    }
}

static void srun_cb_failed(void *ctx, int64_t p, const char *msg, char *buf, size_t n)
{
    srun_point_failure(((srun_ctx *)ctx)->sp, p, msg, buf, n);
}

static void srun_cb_crashed(void *ctx, int64_t p, const char *how, char *buf, size_t n)
{
    srun_ctx *c = ctx;
    char desc[1024], cmd[4096];
    sweep_point_desc(c->sp, p, desc, sizeof desc);
    snprintf(cmd, sizeof cmd, "%s", c->o->run_cmd ? c->o->run_cmd : "vmsim run");
    sweep_point_sets(c->sp, p, cmd, sizeof cmd);
    snprintf(buf, n, "point %lld (%s) crashed its worker (%s); run it alone with: %s",
             (long long)p, desc, how, cmd);
}

static void srun_cb_note(void *ctx, const char *msg)
{
    srun_note(((srun_ctx *)ctx)->o, msg);
}

static void srun_cb_tick(void *ctx)
{
    srun_ctx *c = ctx;
    srun_report(c->o, SRUN_PROG_UPDATE, c->total, 0, c->ndone, 0, NULL);
}

/* Runs the points of this run not marked in done[] (ndone of total are)
 * with o->jobs forked workers, or in this process with o->inprocess. */
static int srun_points(srun_ctx *c, const int locks[2], srun_outcome *out, vs_err *err)
{
    int64_t before = c->ndone, todo = c->total - c->ndone;
    if (todo == 0)
        return 0;
    const srun_opts *o = c->o;
    int nw = o->inprocess ? 1 : o->jobs < todo ? o->jobs : (int)todo;
    int rc = 0;
    srun_queue_init(&c->q, c->sp, o->shard_i, o->shard_n, c->done);
    c->q.want = c->want;
    srun_report(o, SRUN_PROG_START, c->total, before, before, nw, "worker");
    if (o->inprocess) {
        out->jobs = 1;
        for (int64_t p; rc == 0 && (p = srun_queue_next(&c->q)) >= 0;) {
            double wall;
            vs_err e = {0};
            if (srun_cb_run(c, p, &wall, &e)) {
                srun_point_failure(c->sp, p, e.msg, err->msg, sizeof err->msg);
                err->code = e.code == VS_EXIT_INPUT ? VS_EXIT_INPUT : VS_EXIT_INTERNAL;
                rc = -1;
                break;
            }
            srun_cb_done(c, p);
            srun_cb_tick(c);
        }
    } else {
        pool_ops ops = {.run = srun_cb_run, .next = srun_cb_next, .done = srun_cb_done,
                        .failed = srun_cb_failed, .crashed = srun_cb_crashed,
                        .note = srun_cb_note, .tick = srun_cb_tick, .ctx = c, .unit = "point",
                        .close_fds = locks, .nclose = 2};
        pool_result pr;
        rc = pool_run(&ops, nw, &pr, err);
        out->jobs = pr.workers;
        out->interrupted = pr.interrupted;
    }
    srun_report(o, SRUN_PROG_END, c->total, before, c->ndone, nw, NULL);
    srun_queue_free(&c->q);
    out->ran += c->ndone - before;
    return rc;
}

/* --- precision: seeds per combination until the interval is narrow enough ------------ */

/* Marks in want[] the first nsel[k] seeds of every combination k and
 * returns how many points that is; *ndone: of them, finished. */
static int64_t srun_select(const sweep_spec *sp, const int *nsel, const uint8_t *done,
                           uint8_t *want, int64_t *ndone)
{
    memset(want, 0, (size_t)(sp->npoints + 7) / 8);
    int64_t n = 0;
    *ndone = 0;
    for (int64_t k = 0; k < sp->ncombos; k++)
        for (int s = 0; s < nsel[k]; s++) {
            int64_t p = k * sp->nseeds + s;
            store_mark(want, p);
            n++;
            *ndone += store_done(done, p);
        }
    return n;
}

/* After a round: the relative 95 % half-width of the metric over the
 * selected seeds of every combination, from the point files in dir; the
 * combinations still too wide get twice their seeds (at most the sweep's).
 * Returns 1 when some combination got more seeds, 0 when none did, -1 with
 * err filled when the metric is no column of the results. */
static int srun_widen(const sweep_spec *sp, const srun_opts *o, int *nsel, srun_prec *pr,
                      vs_err *err)
{
    const char *metric = o->precision_metric ? o->precision_metric : SRUN_PRECISION_METRIC;
    rtab t;
    int64_t found;
    store_load_table(sp, o->dir, &t, &found);
    int col = rtab_col_index(&t, metric);
    if (col < 0) {
        rtab_free(&t);
        return err_input(err, "--precision-metric %s: the results have no such column (see the "
                              "header of results.csv)", metric);
    }
    double *xs = vs_xcalloc((size_t)sp->nseeds, sizeof(double));
    int more = 0;
    pr->precise = pr->capped = 0;
    pr->seeds_min = sp->nseeds;
    pr->seeds_max = 0;
    pr->worst = 0;
    pr->worst_combo = 0;
    int64_t r = 0;
    for (int64_t k = 0; k < sp->ncombos; k++) {
        int m = 0;
        for (; r < t.nrows && t.group[r] < k; r++)
            ;
        for (; r < t.nrows && t.group[r] == k; r++) {
            double v = rtab_get(&t, r, col);
            if (t.point[r] % sp->nseeds < nsel[k] && !isnan(v))
                xs[m++] = v;
        }
        double mean = NAN, half = NAN, rel = INFINITY;
        if (m >= 2) {
            summ_ci95(xs, m, &mean, &half);
            rel = half == 0 ? 0 : mean != 0 ? half / fabs(mean) : INFINITY;
        }
        if (rel <= o->precision)
            pr->precise++;
        else if (nsel[k] < sp->nseeds) {
            nsel[k] = nsel[k] * 2 < sp->nseeds ? nsel[k] * 2 : sp->nseeds;
            more = 1;
        } else
            pr->capped++;
        if (rel > pr->worst) {
            pr->worst = rel;
            pr->worst_combo = k;
        }
        pr->seeds_min = nsel[k] < pr->seeds_min ? nsel[k] : pr->seeds_min;
        pr->seeds_max = nsel[k] > pr->seeds_max ? nsel[k] : pr->seeds_max;
    }
    free(xs);
    rtab_free(&t);
    return more;
}

/* The rounds of a sweep with precision (see srun_run); want[] is left
 * holding the points the sweep needs. */
static int srun_precise(srun_ctx *c, const int locks[2], uint8_t *want, srun_outcome *out,
                        vs_err *err)
{
    const sweep_spec *sp = c->sp;
    const srun_opts *o = c->o;
    int first = o->min_seeds > 0 ? o->min_seeds : SRUN_MIN_SEEDS;
    if (first > sp->nseeds)
        first = sp->nseeds;
    int *nsel = vs_xcalloc((size_t)sp->ncombos, sizeof(int));
    for (int64_t k = 0; k < sp->ncombos; k++)
        nsel[k] = first;
    out->prec.combos = sp->ncombos;
    int rc = 0;
    for (;;) {
        c->total = srun_select(sp, nsel, c->done, want, &c->ndone);
        c->want = want;
        out->prec.rounds++;
        rc = srun_points(c, locks, out, err);
        if (rc || out->interrupted)
            break;
        int more = srun_widen(sp, o, nsel, &out->prec, err);
        if (more <= 0) {
            rc = more < 0 ? -1 : 0;
            break;
        }
    }
    c->total = srun_select(sp, nsel, c->done, want, &c->ndone);
    out->npoints = c->total;
    out->unselected = sp->npoints - c->total;
    free(nsel);
    c->want = NULL;
    return rc;
}

/* --- the tables -------------------------------------------------------------------- */

int srun_collect(const sweep_spec *sp, const char *dir, int64_t *found, rtab *keep, vs_err *err)
{
    char path[STORE_PATH_MAX];
    rtab t;
    summary s;
    store_load_table(sp, dir, &t, found);
    summ_build(&t, &s);
    fsu_file rf, sf;
    int rc = -1;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (store_open_tmp(&rf, path, err))
        goto out;
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (store_open_tmp(&sf, path, err)) {
        fsu_abort(&rf);
        goto out;
    }
    tab_write_results(rf.f, &t);
    tab_write_summary(sf.f, &t, &s);
    if (fsu_commit(&rf, err)) {
        fsu_abort(&sf);
        goto out;
    }
    rc = fsu_commit(&sf, err);
out:
    summ_free(&s);
    if (keep && rc == 0)
        *keep = t;
    else
        rtab_free(&t);
    return rc;
}

/* --- srun_run ----------------------------------------------------------------------- */

/* The number of points of shard I/N (all points without a shard). */
static int64_t srun_shard_points(const sweep_spec *sp, const srun_opts *o)
{
    if (o->shard_n <= 1)
        return sp->npoints;
    int64_t first = o->shard_i - 1;
    return sp->npoints > first ? (sp->npoints - first - 1) / o->shard_n + 1 : 0;
}

int srun_run(const sweep_spec *sp, json_t *base, const char *file, const srun_opts *o,
             srun_outcome *out, vs_err *err)
{
    memset(out, 0, sizeof *out);
    if (o->table)
        memset(o->table, 0, sizeof *o->table);
    int64_t total = srun_shard_points(sp, o);
    out->npoints = total;
    double t0 = srun_now();
    if (o->shard_n > 0 && (o->shard_i < 1 || o->shard_i > o->shard_n))
        return err_input(err, "shard %d/%d: expected 1 <= I <= N", o->shard_i, o->shard_n);
    if (fsu_mkdirs(o->dir, err))
        return -1;
    int locks[2];
    if (dlock_take(o->dir, o->shard_i, o->shard_n, locks, err))
        return -1;
    if (o->precision > 0 && (o->shard_n > 1 || o->mpi)) {
        dlock_release(locks);
        return err_input(err, "--precision works in one process with -j workers, not with %s",
                         o->mpi ? "MPI" : "--shard");
    }
    uint8_t *done = vs_xcalloc((size_t)(sp->npoints + 7) / 8, 1);
    uint8_t *want = o->precision > 0 ? vs_xcalloc((size_t)(sp->npoints + 7) / 8, 1) : NULL;
    int64_t ndone = 0, found = 0;
    int rc = store_prepare(sp, base, file, o->dir, o->resume, o->shard_i, o->shard_n, done,
                           &ndone, err);
    if (rc == 0) {
        out->skipped = ndone;
        srun_ctx c = {.sp = sp, .base = base, .file = file, .o = o, .done = done,
                      .ndone = ndone, .total = total};
#ifdef VMSIM_MPI
        if (o->mpi) {
            srun_queue q;
            srun_queue_init(&q, sp, o->shard_i, o->shard_n, done);
            int64_t n = ndone;
            rc = sweep_mpi_master(sp, o, &q, done, &n, total, out, err);
            srun_queue_free(&q);
        } else
#endif
            if (want)
            rc = srun_precise(&c, locks, want, out, err);
        else
            rc = srun_points(&c, locks, out, err);
        vs_err e2 = {0};
        if (srun_collect(sp, o->dir, &found, rc ? NULL : o->table, rc ? &e2 : err)) {
            if (rc)
                fprintf(stderr, "vmsim sweep: also: %s\n", e2.msg);
            rc = -1;
        }
        out->present = found;
        char path[STORE_PATH_MAX];
        struct stat st;
        for (int64_t p = o->shard_n > 1 ? o->shard_i - 1 : 0; p < sp->npoints;
             p += o->shard_n > 1 ? o->shard_n : 1) {
            if (want && !store_done(want, p))
                continue; /* not needed for the precision asked */
            store_point_path(o->dir, p, path, sizeof path);
            out->missing += stat(path, &st) != 0;
        }
    } else {
        out->missing = total;
    }
    free(done);
    free(want);
    dlock_release(locks);
    out->wall_s = srun_now() - t0;
    return rc;
}

/* --- the launcher -------------------------------------------------------------------- */

int srun_launcher_size(char *var, size_t n)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE",
                                       "SLURM_STEP_NUM_TASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v)
            continue;
        if (i == 3) { /* srun's job steps only, not the batch script (step ids >= 0xfffffff0) */
            const char *id = getenv("SLURM_STEP_ID");
            if (!id || !*id || strtoull(id, NULL, 10) >= 0xfffffff0ull)
                continue;
        }
        char *end;
        long long k = strtoll(v, &end, 10);
        if (*end || k < 1)
            continue;
        snprintf(var, n, "%s", vars[i]);
        return k > 1000000000 ? 1000000000 : (int)k;
    }
    if (n)
        var[0] = 0;
    return 0;
}
