/* sweep_int.h - the sweep module's private interface, shared by sweep.c and
 * sweep_mpi.c (built with `make MPI=1` only). No other module includes it.
 *
 * It holds what both ways of running the points need: the queue that hands
 * out points most expensive first (skipping finished points and points of
 * other shards), the progress display, and running one point in-process into
 * the text of its point file. */
#ifndef VMSIM_SWEEP_INT_H
#define VMSIM_SWEEP_INT_H

#include <jansson.h>
#include <stdint.h>

#include "analysis/sweep.h"
#include "sim/err.h"

/* 1 when point p belongs to this run: no shard (shard_n 0), or
 * p mod shard_n == shard_i - 1. */
#define SWEEP_IN_SHARD(o, p) ((o)->shard_n <= 1 || (p) % (o)->shard_n == (o)->shard_i - 1)
#define SWEEP_DONE(done, p) (((done)[(p) / 8] >> ((p) % 8)) & 1u)

/* The points still to hand out, most expensive combination first, the seeds
 * of a combination in order. Invariant: every point returned by
 * sweep_queue_next is in the shard, not marked in done[] at the time of the
 * call, and returned once. */
typedef struct sweep_queue {
    const sweep_spec *sp;  /* the sweep */
    const uint8_t *done;   /* bitmap of finished points (borrowed) */
    int shard_i, shard_n;  /* the shard (shard_n 0: all points) */
    uint32_t *order;       /* combinations, most expensive first (owned) */
    int64_t oi;            /* next combination in order */
    int si;                /* next seed index of that combination */
} sweep_queue;

/* Fills q for sweep sp and its options' shard. Can't fail (aborts on OOM). */
void sweep_queue_init(sweep_queue *q, const sweep_spec *sp, const sweep_opts *o,
                      const uint8_t *done);
/* The next point to run, or -1 when none is left. */
int64_t sweep_queue_next(sweep_queue *q);
/* Frees the order. Safe on a zeroed queue. */
void sweep_queue_free(sweep_queue *q);

/* The progress display on stderr. */
typedef struct sweep_progress {
    int show;       /* 0: quiet */
    int tty;        /* stderr is a terminal: one redrawn line */
    int drawn;      /* a bar is on the terminal line */
    double t0;      /* start of the run */
    double last;    /* last display */
    int64_t total;  /* points of this run (the shard's) */
    int64_t before; /* finished before this run */
} sweep_progress;

/* Starts the display ("sweep: N points to run on K workers"). */
void sweep_progress_start(sweep_progress *pr, const sweep_opts *o, int64_t total, int64_t before,
                          int workers, const char *what);
/* Redraws when due (force: now). */
void sweep_progress_show(sweep_progress *pr, int64_t done, int force);
/* Clears the bar so a message can be printed. */
void sweep_progress_clear(sweep_progress *pr);
/* The final display after the last point. */
void sweep_progress_end(sweep_progress *pr, int64_t done);

/* Monotonic seconds. */
double sweep_now(void);

/* Runs point p in this process: its results document with "sweep_point",
 * as the text of its point file (indented JSON and a newline) in *text
 * (caller frees), and its wall seconds. Returns 0, or -1 with err filled.
 * Honours VMSIM_SWEEP_TEST_CRASH (aborts on that point). */
int sweep_point_text(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                     int64_t p, char **text, double *wall, vs_err *err);
/* Writes DIR/points/NNNNNN.json atomically. Returns 0 or -1 with err. */
int sweep_write_point(const char *dir, int64_t p, const char *text, vs_err *err);
/* "point P (DESC): MSG" for a failed point into buf. */
void sweep_point_failure(const sweep_spec *sp, int64_t p, const char *msg, char *buf, size_t n);

#ifdef VMSIM_MPI
/* Rank 0 of an MPI job: hands the points of q to the worker ranks on
 * request and writes the point files they send back, marking done[] and
 * counting *ndone. Stops handing out points on the first failure (err,
 * returns -1) or on SIGINT/SIGTERM (out->interrupted). Fills out->jobs and
 * out->ran. */
int sweep_mpi_master(const sweep_spec *sp, const sweep_opts *o, sweep_queue *q, uint8_t *done,
                     int64_t *ndone, int64_t total, sweep_outcome *out, vs_err *err);
#endif

#endif
