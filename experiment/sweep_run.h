/* sweep_run.h - running a sweep: `vmsim sweep` (docs/sweep.md; the
 * experiment layer).
 *
 * srun_run ties the experiment modules together: it locks the directory
 * (experiment/dirlock.h), checks or creates it and finds the finished
 * points (experiment/store.h), hands the missing points out most expensive
 * first (srun_queue) to forked workers (experiment/pool.h), to the ranks of
 * an MPI job (experiment/sweep_mpi.h), or runs them in this process, and
 * finally rebuilds the tables from the point files: store -> results table
 * (analysis/results.h) -> summary (analysis/summary.h) -> results.csv and
 * summary.csv (output/tables.h). The tables therefore do not depend on the
 * worker count, on the order points ran in, or on how many times the sweep
 * was interrupted and resumed.
 *
 * Progress is reported through a callback the caller owns (the CLI draws
 * the bar, cli/progress.h); the library prints only warnings and the lines
 * of srun_note. */
#ifndef VMSIM_SWEEP_RUN_H
#define VMSIM_SWEEP_RUN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/results.h"
#include "experiment/sweep_spec.h"
#include "sim/err.h"

#define SRUN_MAX_JOBS 1024 /* -j at most */

/* What a progress report says. */
typedef enum srun_prog_kind {
    SRUN_PROG_START,  /* before the first point: total, before, workers, what */
    SRUN_PROG_UPDATE, /* often (every turn of the wait loop): done */
    SRUN_PROG_CLEAR,  /* a message is about to be printed on stderr */
    SRUN_PROG_END,    /* after the last point: done */
} srun_prog_kind;

/* One progress report. */
typedef struct srun_prog {
    srun_prog_kind kind; /* what happened */
    int64_t total;       /* points of this run (the shard's) */
    int64_t before;      /* of them, finished before this run */
    int64_t done;        /* of them, finished now */
    int workers;         /* START: workers that run the points */
    const char *what;    /* START: what a worker is ("worker", "MPI worker rank") */
    int shard_i, shard_n;/* the shard (shard_n 0: none) */
} srun_prog;

/* The caller's progress display; ctx is srun_opts.progress_ctx. */
typedef void (*srun_progress_fn)(void *ctx, const srun_prog *ev);

/* How srun_run should run. */
typedef struct srun_opts {
    const char *dir;        /* output directory (created if missing) */
    int jobs;               /* worker processes, 1..SRUN_MAX_JOBS */
    int resume;             /* continue the sweep already in dir */
    int quiet;              /* the caller shows no progress (kept for callers; unused here) */
    const char *run_cmd;    /* "vmsim run FILE [--set ...]" (shell-quoted), for messages */
    const char *resume_cmd; /* the command line that resumes this sweep, for messages */
    int shard_i;            /* run only points p with p % shard_n == shard_i - 1 ... */
    int shard_n;            /* ... 1 <= shard_i <= shard_n; shard_n 0: every point */
    int mpi;                /* 1: this is rank 0 of an MPI job (VMSIM_MPI builds only) */
    int inprocess;          /* 1: run the points one after another in this process */
    srun_progress_fn progress; /* progress reports, or NULL */
    void *progress_ctx;     /* passed to progress */
    rtab *table;            /* if not NULL: receives the results table of the point files
                               the tables were built from (free with rtab_free) */
    double precision;       /* > 0: seeds per combination until the 95 % half-width of
                               precision_metric is at most this share of its mean (below);
                               0: every seed of the sweep */
    const char *precision_metric; /* the results column judged (NULL: SRUN_PRECISION_METRIC) */
    int min_seeds;          /* seeds every combination runs first (0: SRUN_MIN_SEEDS) */
} srun_opts;

#define SRUN_PRECISION_METRIC "throughput_per_vm"
#define SRUN_MIN_SEEDS 3

/* What a sweep with precision did (srun_outcome.prec). */
typedef struct srun_prec {
    int rounds;           /* rounds of points run (the first: min_seeds per combination) */
    int64_t combos;       /* axis combinations */
    int64_t precise;      /* of them, within the target */
    int64_t capped;       /* of them, not within it after every seed of the sweep */
    int seeds_min, seeds_max; /* seeds a combination ended with, least and most */
    double worst;         /* the largest relative half-width of any combination */
    int64_t worst_combo;  /* the combination it belongs to */
} srun_prec;

/* What srun_run did. */
typedef struct srun_outcome {
    int64_t npoints;  /* points of this run: the sweep's, or the shard's */
    int64_t skipped;  /* found finished in dir before this run (--resume) */
    int64_t ran;      /* finished by this run */
    int64_t missing;  /* of npoints, not finished when srun_run returned */
    int64_t present;  /* point files in dir (all shards): the rows of results.csv */
    int interrupted;  /* stopped by SIGINT or SIGTERM */
    int jobs;         /* workers actually started */
    double wall_s;    /* wall seconds of the run */
    int64_t unselected; /* with precision: points of the sweep never needed (not run) */
    srun_prec prec;   /* with precision: how far it got */
} srun_outcome;

/* Runs the sweep into o->dir: checks or creates the directory (an existing
 * sweep there needs o->resume and the same sweep), runs the missing points
 * (with o->precision > 0, in rounds: first the first min_seeds seeds of
 * every combination; then, while a combination's 95 % confidence
 * half-width of precision_metric exceeds precision x |mean| and the sweep
 * has seeds left, twice as many of its seeds, in the sweep's seed order -
 * so which points run depends only on their results, never on -j or on
 * interruptions; not with shards or MPI),
 * then rebuilds results.csv and summary.csv from the point files (also
 * after an interruption or a failed point). Returns 0 when the points all
 * ran or when interrupted by SIGINT/SIGTERM (out->interrupted set; the
 * finished points are kept). Returns -1 with err filled on bad input (a
 * different sweep in dir: code 2), a point that failed or crashed its
 * worker, or an I/O error (code 1). */
int srun_run(const sweep_spec *sp, json_t *base, const char *file, const srun_opts *o,
             srun_outcome *out, vs_err *err);
/* Rebuilds dir/results.csv and dir/summary.csv from dir/points. *found is
 * the number of finished points found; t (may be NULL) receives the
 * results table. Returns 0 or -1 with err filled. */
int srun_collect(const sweep_spec *sp, const char *dir, int64_t *found, rtab *t, vs_err *err);

/* The points still to hand out, most expensive combination first, the seeds
 * of a combination in order. Invariant: every point returned by
 * srun_queue_next is in the shard, marked in want[] (if given), not marked
 * in done[] at the time of the call, and returned once. */
typedef struct srun_queue {
    const sweep_spec *sp;  /* the sweep */
    const uint8_t *done;   /* bitmap of finished points (borrowed; experiment/store.h) */
    const uint8_t *want;   /* bitmap of the points to run, or NULL: all (borrowed) */
    int shard_i, shard_n;  /* the shard (shard_n 0: all points) */
    uint32_t *order;       /* combinations, most expensive first (owned) */
    int64_t oi;            /* next combination in order */
    int si;                /* next seed index of that combination */
} srun_queue;

/* Fills q for sweep sp and shard I/N. Can't fail (aborts on OOM). */
void srun_queue_init(srun_queue *q, const sweep_spec *sp, int shard_i, int shard_n,
                     const uint8_t *done);
/* The next point to run, or -1 when none is left. */
int64_t srun_queue_next(srun_queue *q);
/* Frees the order. Safe on a zeroed queue. */
void srun_queue_free(srun_queue *q);

/* Runs point p in this process: its results document with "sweep_point",
 * as the text of its point file (output/jsonw.h) in *text (caller frees),
 * and its wall seconds. Returns 0, or -1 with err filled. In test builds
 * (-DVMSIM_TEST_HOOKS) VMSIM_SWEEP_TEST_CRASH=P makes it abort on point P. */
int srun_point_text(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                    int64_t p, char **text, double *wall, vs_err *err);
/* "point P (DESC): MSG" for a failed point into buf. */
void srun_point_failure(const sweep_spec *sp, int64_t p, const char *msg, char *buf, size_t n);
/* Sends one progress report to o->progress (if any). */
void srun_report(const srun_opts *o, srun_prog_kind kind, int64_t total, int64_t before,
                 int64_t done, int workers, const char *what);
/* Prints "vmsim sweep: MSG" on stderr, clearing the progress display first. */
void srun_note(const srun_opts *o, const char *msg);
/* Monotonic seconds. */
double srun_now(void);

/* The number of processes of the parallel job this process was started in,
 * as the launcher's environment tells it (OMPI_COMM_WORLD_SIZE, PMI_SIZE,
 * MV2_COMM_WORLD_SIZE, or srun's SLURM_STEP_NUM_TASKS), with the variable's
 * name in var; 0 when no launcher started it. Can't fail. */
int srun_launcher_size(char *var, size_t n);

#endif
