/* sweep_mpi.c - `vmsim sweep` over the ranks of an MPI job (built only by
 * `make MPI=1`; docs/scaling-out.md).
 *
 * Rank 0 is the master and runs no point itself: it checks the output
 * directory, takes its lock, resumes, and then hands out point indexes on
 * request - most expensive first, from the same queue as the local worker
 * pool (experiment/sweep_run.h) - so a rank that finishes early gets the next point
 * (dynamic load balancing). The other ranks are workers: each runs its
 * points one at a time in-process (the code `vmsim run` uses) and sends the
 * text of the point file back to rank 0, which writes it atomically into
 * DIR/points. Only rank 0 touches DIR, so the workers need no shared
 * filesystem for the output (they need the host presets the scenario
 * names, which vmsim finds beside the scenario, in ./scenarios or in its
 * installed share directory). results.csv and summary.csv are rebuilt from
 * the point files by rank 0 exactly as after a local sweep.
 *
 * Messages, all on MPI_COMM_WORLD:
 *   worker -> 0, SWEEP_TAG_RESULT: a sweep_msg header and NUL-terminated
 *       text: status READY (the first request; no text), OK (text: the
 *       point file) or ERR (text: the error message). Every message is
 *       also the request for the next point.
 *   0 -> worker, SWEEP_TAG_WORK: one int64_t, the next point, or -1: stop.
 * Rank 0 answers before it writes the file it got, so the worker computes
 * while rank 0 does the I/O. Rank 0 waits with MPI_Iprobe and short sleeps
 * rather than a blocking receive, which MPI implementations busy-poll: the
 * master then costs next to no CPU on a node that runs workers too. */
#ifndef VMSIM_MPI
#error "experiment/sweep_mpi.c is built only by 'make MPI=1' (mpicc, -DVMSIM_MPI)"
#endif

#include <mpi.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiment/sweep_mpi.h"

#include "experiment/store.h"
#include "sim/mem.h"

enum { SWEEP_TAG_WORK = 7101, SWEEP_TAG_RESULT = 7102 };
enum { SWEEP_MSG_READY = 0, SWEEP_MSG_OK = 1, SWEEP_MSG_ERR = 2 };

/* The header of a worker's message; the text follows it. */
typedef struct sweep_msg {
    int64_t point; /* the point the message is about; -1 with READY */
    int32_t status;/* SWEEP_MSG_READY, _OK or _ERR */
    int32_t code;  /* ERR: the exit code the error calls for (1 or 2) */
    double wall;   /* OK: the point's wall seconds */
} sweep_msg;

/* This process's MPI state. Invariant: started is 1 between a
 * sweep_mpi_begin that left MPI running and sweep_mpi_end. */
static struct {
    int started;      /* MPI_Init done, MPI_Finalize not yet */
    int rank, size;   /* in MPI_COMM_WORLD */
    int serving;      /* rank 0: the ranks agreed, the workers ask for points */
    uint8_t *stopped; /* rank 0: stopped[r] = 1 once rank r was told to stop */
    int abandoned;    /* rank 0: workers were left running a point (interrupted) */
} sm;

int sweep_mpi_begin(int *rank, int *size, vs_err *err)
{
    char var[64];
    int k = srun_launcher_size(var, sizeof var);
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return err_internal(err, "MPI_Init failed");
    MPI_Comm_rank(MPI_COMM_WORLD, &sm.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &sm.size);
    *rank = sm.rank;
    *size = sm.size;
    if (sm.size == 1) { /* one process: the local worker pool runs, and may fork */
        MPI_Finalize();
        if (k > 1)
            return err_input(err, "started as one of %d processes (%s=%d), but MPI sees one "
                                  "process: start the job with mpirun, or with srun --mpi=pmix "
                                  "(or pmi2)",
                             k, var, k);
        return 0;
    }
    sm.started = 1;
    if (sm.rank == 0)
        sm.stopped = vs_xcalloc((size_t)sm.size, 1);
    return 0;
}

char *sweep_mpi_share(const char *text, int *code)
{
    int hdr[2] = {0, 0}; /* exit code, bytes with the NUL */
    if (sm.rank == 0) {
        size_t l = text ? strlen(text) + 1 : 0;
        if (l > (size_t)2147483647 - 1)
            l = 0;
        hdr[0] = l ? 0 : *code ? *code : VS_EXIT_INPUT;
        hdr[1] = (int)l;
    }
    MPI_Bcast(hdr, 2, MPI_INT, 0, MPI_COMM_WORLD);
    if (hdr[1] == 0) {
        *code = hdr[0];
        return NULL;
    }
    char *buf = vs_xmalloc((size_t)hdr[1]);
    if (sm.rank == 0)
        memcpy(buf, text, (size_t)hdr[1]);
    MPI_Bcast(buf, hdr[1], MPI_CHAR, 0, MPI_COMM_WORLD);
    buf[hdr[1] - 1] = 0;
    return buf;
}

int sweep_mpi_all_ok(int ok)
{
    int mine = ok != 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    sm.serving = all;
    return all;
}

/* Sends a worker message: header and text (NULL: none). */
static int sweep_mpi_send(const sweep_msg *h, const char *text)
{
    size_t tl = text ? strlen(text) + 1 : 0;
    if (sizeof *h + tl > (size_t)2147483647)
        tl = 0; /* cannot happen with results documents; the master reports it */
    char *buf = vs_xmalloc(sizeof *h + tl);
    memcpy(buf, h, sizeof *h);
    if (tl)
        memcpy(buf + sizeof *h, text, tl);
    int rc = MPI_Send(buf, (int)(sizeof *h + tl), MPI_BYTE, 0, SWEEP_TAG_RESULT, MPI_COMM_WORLD);
    free(buf);
    return rc == MPI_SUCCESS ? 0 : -1;
}

int sweep_mpi_worker(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                     vs_err *err)
{
    signal(SIGINT, SIG_IGN); /* as the local workers: rank 0 decides when to stop */
    sweep_msg h = {.point = -1, .status = SWEEP_MSG_READY};
    if (sweep_mpi_send(&h, NULL))
        return err_internal(err, "cannot reach rank 0");
    for (;;) {
        int64_t p;
        if (MPI_Recv(&p, 1, MPI_INT64_T, 0, SWEEP_TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
            MPI_SUCCESS)
            return err_internal(err, "cannot receive a point from rank 0");
        if (p < 0)
            return 0;
        if (p >= sp->npoints)
            return err_internal(err, "rank 0 sent point %lld of a %lld-point sweep", (long long)p,
                                (long long)sp->npoints);
        char *text = NULL;
        vs_err e = {0};
        h = (sweep_msg){.point = p, .status = SWEEP_MSG_OK};
        if (srun_point_text(sp, base, file, run_cmd, p, &text, &h.wall, &e)) {
            h.status = SWEEP_MSG_ERR;
            h.code = e.code ? e.code : VS_EXIT_INTERNAL;
        }
        int bad = sweep_mpi_send(&h, h.status == SWEEP_MSG_OK ? text : e.msg);
        free(text);
        if (bad)
            return err_internal(err, "cannot send point %lld to rank 0", (long long)p);
    }
}

/* --- the master ------------------------------------------------------------- */

static volatile sig_atomic_t sweep_mpi_int, sweep_mpi_term;

static void sweep_mpi_on_signal(int s)
{
    if (s == SIGINT)
        sweep_mpi_int++;
    else
        sweep_mpi_term++;
}

/* The master's state while it runs. */
typedef struct sweep_master {
    const sweep_spec *sp; /* the sweep */
    int64_t *busy;        /* busy[r]: the point rank r runs, or -1 */
    int stopping;         /* 1: no new points */
    int failed;           /* a point failed: err holds the first failure */
    vs_err *err;          /* where the first failure goes */
    const srun_opts *o;   /* options (progress reports) */
} sweep_master;

/* Records the first failure; later ones are only printed. */
static void sweep_master_fail(sweep_master *m, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sweep_master_fail(sweep_master *m, int code, const char *fmt, ...)
{
    char msg[sizeof m->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    m->stopping = 1;
    if (m->failed) {
        char also[sizeof msg + 8];
        snprintf(also, sizeof also, "also: %s", msg);
        srun_note(m->o, also);
        return;
    }
    m->failed = 1;
    m->err->code = code;
    snprintf(m->err->msg, sizeof m->err->msg, "%s", msg);
}

static void sweep_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

int sweep_mpi_master(const sweep_spec *sp, const srun_opts *o, srun_queue *q, uint8_t *done,
                     int64_t *ndone, int64_t total, srun_outcome *out, vs_err *err)
{
    int nworkers = sm.size - 1, live = 0;
    int64_t before = *ndone;
    sweep_master m = {.sp = sp, .err = err, .o = o};
    m.busy = vs_xcalloc((size_t)sm.size, sizeof(int64_t));
    for (int r = 1; r < sm.size; r++) {
        m.busy[r] = -1;
        live += !sm.stopped[r];
    }
    out->jobs = nworkers;
    int shown = total > before;
    if (shown)
        srun_report(o, SRUN_PROG_START, total, before, before, nworkers, "MPI worker rank");

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sweep_mpi_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sweep_mpi_int = sweep_mpi_term = 0;
    int interrupted = 0;
    long nap = 50; /* microseconds; doubles while nothing arrives, up to 20 ms */
    while (live > 0) {
        int running = 0;
        for (int r = 1; r < sm.size; r++)
            running += m.busy[r] >= 0;
        if (sweep_mpi_term || sweep_mpi_int >= 2) {
            interrupted = 1;
            m.stopping = 1;
            if (running) { /* they cannot be stopped mid-point: the job ends (sweep_mpi_end) */
                sm.abandoned = 1;
                break;
            }
        } else if (sweep_mpi_int == 1 && !interrupted) {
            interrupted = 1;
            m.stopping = 1;
            if (running) {
                char msg[128];
                snprintf(msg, sizeof msg, "interrupted; waiting for %d running point%s (Ctrl-C "
                                          "again to stop them now)",
                         running, running == 1 ? "" : "s");
                srun_note(o, msg);
            }
        }
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, SWEEP_TAG_RESULT, MPI_COMM_WORLD, &flag, &st);
        if (!flag) {
            srun_report(o, SRUN_PROG_UPDATE, total, before, *ndone, 0, NULL);
            sweep_sleep_us(nap);
            nap = nap < 20000 ? nap * 2 : 20000;
            continue;
        }
        nap = 50;
        int n = 0, src = st.MPI_SOURCE;
        MPI_Get_count(&st, MPI_BYTE, &n);
        char *buf = vs_xmalloc(n > 0 ? (size_t)n + 1 : 1);
        MPI_Recv(buf, n, MPI_BYTE, src, SWEEP_TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        buf[n > 0 ? n : 0] = 0;
        sweep_msg h = {.point = -1, .status = -1};
        if (n >= (int)sizeof h)
            memcpy(&h, buf, sizeof h);
        const char *text = n > (int)sizeof h ? buf + sizeof h : "";
        int64_t was = m.busy[src];
        int sane = h.status == SWEEP_MSG_READY ? was < 0
                                               : (h.status == SWEEP_MSG_OK ||
                                                  h.status == SWEEP_MSG_ERR) &&
                                                     h.point == was && was >= 0;
        /* answer first: the worker computes while this rank writes */
        int64_t next = m.stopping || !sane ? -1 : srun_queue_next(q);
        MPI_Send(&next, 1, MPI_INT64_T, src, SWEEP_TAG_WORK, MPI_COMM_WORLD);
        m.busy[src] = next;
        if (next < 0) {
            sm.stopped[src] = 1;
            live--;
        }
        if (!sane) {
            sweep_master_fail(&m, VS_EXIT_INTERNAL,
                              "rank %d sent an unexpected message (status %d, point %lld)", src,
                              (int)h.status, (long long)h.point);
        } else if (h.status == SWEEP_MSG_OK) {
            vs_err e = {0};
            if (store_write_point(o->dir, h.point, text, &e)) {
                sweep_master_fail(&m, VS_EXIT_INTERNAL, "%s", e.msg);
            } else if (!store_done(done, h.point)) {
                store_mark(done, h.point);
                (*ndone)++;
            }
        } else if (h.status == SWEEP_MSG_ERR) {
            char msg[sizeof err->msg];
            srun_point_failure(sp, h.point, text[0] ? text : "failed", msg, sizeof msg);
            sweep_master_fail(&m, h.code == VS_EXIT_INPUT ? VS_EXIT_INPUT : VS_EXIT_INTERNAL,
                              "%s (on rank %d)", msg, src);
        }
        free(buf);
        srun_report(o, SRUN_PROG_UPDATE, total, before, *ndone, 0, NULL);
    }
    if (shown)
        srun_report(o, SRUN_PROG_END, total, before, *ndone, nworkers, NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(m.busy);
    out->ran = *ndone - before;
    out->interrupted = interrupted;
    return m.failed ? -1 : 0;
}

void sweep_mpi_end(int code)
{
    if (!sm.started)
        return;
    if (sm.rank == 0) {
        fflush(stdout);
        fflush(stderr);
        if (sm.abandoned) /* workers are inside a point: only ending the job stops them */
            MPI_Abort(MPI_COMM_WORLD, code ? code : VS_EXIT_INTERNAL);
        /* workers the master never served (it failed before its loop) wait
         * for an answer to their first request */
        for (int r = 1; sm.serving && r < sm.size; r++) {
            if (sm.stopped[r])
                continue;
            MPI_Status st;
            int n = 0;
            MPI_Probe(r, SWEEP_TAG_RESULT, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_BYTE, &n);
            char *buf = vs_xmalloc(n > 0 ? (size_t)n : 1);
            MPI_Recv(buf, n, MPI_BYTE, r, SWEEP_TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            free(buf);
            int64_t stop = -1;
            MPI_Send(&stop, 1, MPI_INT64_T, r, SWEEP_TAG_WORK, MPI_COMM_WORLD);
            sm.stopped[r] = 1;
        }
        free(sm.stopped);
        sm.stopped = NULL;
    }
    MPI_Finalize();
    sm.started = 0;
}
