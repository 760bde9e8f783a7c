/* sweep.h - parameter sweeps: `vmsim sweep` (docs/sweep.md).
 *
 * A scenario's "sweep" section names axes (scenario paths and the values to
 * give them) and seeds. The points of a sweep are the cartesian product
 * axes x seeds in CANONICAL ORDER: the first axis varies slowest, the seed
 * fastest, so point p has
 *     combo = p / nseeds, seed index = p % nseeds,
 * and the value indexes of the combo are its mixed-radix digits (last axis
 * least significant). The seeds of one axis combination are consecutive.
 *
 * Running a sweep writes, in the output directory DIR:
 *   sweep.json         what the sweep is (scenario after --set, axes, seeds)
 *   points/NNNNNN.json each finished point's results document, written
 *                      atomically by the worker that ran it, with the point's
 *                      identity under "sweep_point" (what --resume checks)
 *   results.csv        one row per finished point, canonical order
 *   summary.csv        one row per axis combination, seeds aggregated
 * results.csv and summary.csv are rebuilt from points/ only, so they do not
 * depend on the worker count, on the order points ran in, or on how many
 * times the sweep was interrupted and resumed.
 *
 * Scaling out (docs/scaling-out.md): a SHARD I/N runs only the points with
 * p mod N == I - 1; shards may share DIR (each locks its own shard) or use
 * their own, and sweep_merge joins directories of one sweep. Built with
 * `make MPI=1`, an MPI job runs one sweep: rank 0 hands out points and
 * writes the point files the other ranks send back (sweep_mpi.c).
 *
 * Invariants of a sweep_spec filled by sweep_parse: 0 <= naxes <=
 * SWEEP_MAX_AXES; every axis has 1 <= nvalues values with distinct labels;
 * axis names are distinct; 1 <= nseeds, seeds distinct and >= 0;
 * 1 <= npoints = ncombos * nseeds <= max_points <= SWEEP_CAP_POINTS. */
#ifndef VMSIM_SWEEP_H
#define VMSIM_SWEEP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

#define SWEEP_MAX_AXES 16                 /* axes per sweep */
#define SWEEP_DEFAULT_MAX_POINTS 100000   /* sweep.max_points when absent */
#define SWEEP_CAP_POINTS 10000000         /* the largest sweep.max_points accepted */
#define SWEEP_MAX_JOBS 1024               /* -j at most */

/* One axis: a scenario path and its values, or a "set" axis whose labelled
 * values each set several paths. */
typedef struct sweep_axis {
    char *name;     /* column name: "name", else the path (owned) */
    char *path;     /* scenario path set by the axis; NULL for a "set" axis (owned) */
    json_t *values; /* array of nvalues scalars (owned reference) */
    json_t *set;    /* "set" axis: object label -> {path: value}; NULL otherwise (owned) */
    char **labels;  /* nvalues texts of the values as they appear in the CSVs (owned) */
    double *cost;   /* nvalues cost factors: |value| for numbers, 1 otherwise (owned) */
    int nvalues;    /* number of values, >= 1 */
} sweep_axis;

/* A parsed sweep section. */
typedef struct sweep_spec {
    sweep_axis *axes;   /* naxes axes, in document order (owned) */
    int naxes;          /* number of axes, may be 0 when seeds alone vary */
    int64_t *seeds;     /* nseeds seeds (owned) */
    int nseeds;         /* number of seeds, >= 1 */
    int64_t max_points; /* sweep.max_points */
    int64_t ncombos;    /* product of the axes' nvalues (1 without axes) */
    int64_t npoints;    /* ncombos * nseeds */
} sweep_spec;

/* How sweep_run should run. */
typedef struct sweep_opts {
    const char *dir;        /* output directory (created if missing) */
    int jobs;               /* worker processes, 1..SWEEP_MAX_JOBS */
    int resume;             /* continue the sweep already in dir */
    int quiet;              /* no progress output */
    const char *run_cmd;    /* "vmsim run FILE [--set ...]" (shell-quoted), for messages */
    const char *resume_cmd; /* the command line that resumes this sweep, for messages */
    int shard_i;            /* run only points p with p % shard_n == shard_i - 1 ... */
    int shard_n;            /* ... 1 <= shard_i <= shard_n; shard_n 0: every point */
    int mpi;                /* 1: this is rank 0 of an MPI job (VMSIM_MPI builds only) */
} sweep_opts;

/* What sweep_run did. */
typedef struct sweep_outcome {
    int64_t npoints;  /* points of this run: the sweep's, or the shard's */
    int64_t skipped;  /* found finished in dir before this run (--resume) */
    int64_t ran;      /* finished by this run */
    int64_t missing;  /* of npoints, not finished when sweep_run returned */
    int64_t present;  /* point files in dir (all shards): the rows of results.csv */
    int interrupted;  /* stopped by SIGINT or SIGTERM */
    int jobs;         /* workers actually started */
    double wall_s;    /* wall seconds of the run */
} sweep_outcome;

/* Parses and checks the "sweep" section of doc (read from `file`): axes,
 * seeds, max_points, the number of points. Errors name the file and JSON
 * path ("FILE: sweep.axes.host.cores.values: ..."). On success returns 0;
 * free with sweep_free. On failure returns -1 with *sp empty. */
int sweep_parse(json_t *doc, const char *file, sweep_spec *sp, vs_err *err);
/* Frees what sweep_parse allocated and zeroes *sp. Safe on a zeroed spec. */
void sweep_free(sweep_spec *sp);

/* The value index of each axis (vidx[naxes]) and the seed index of point
 * `point` (canonical order, 0 <= point < npoints). Can't fail. */
void sweep_decode(const sweep_spec *sp, int64_t point, int *vidx, int *sidx);
/* The scenario document of one point: a copy of base without "sweep", with
 * the axes' values and the seed set. New reference, or NULL with err filled
 * when a path cannot be set. */
json_t *sweep_point_doc(const sweep_spec *sp, json_t *base, const char *file, int64_t point,
                        vs_err *err);
/* The identity of a point as stored under "sweep_point" in its file:
 * {"index": p, "axes": {NAME: value, ...}, "seed": s}. New reference. */
json_t *sweep_point_id(const sweep_spec *sp, int64_t point);
/* "host.cores=10, lock=ticket, seed=2" into buf. Returns buf. */
const char *sweep_point_desc(const sweep_spec *sp, int64_t point, char *buf, size_t n);
/* Appends the --set options that reproduce point `point` (shell-quoted,
 * each preceded by a space) to buf. Returns buf. */
const char *sweep_point_sets(const sweep_spec *sp, int64_t point, char *buf, size_t n);
/* Validates the scenario of every axis combination with sc_load_doc, before
 * anything runs. On the first bad point returns -1 with err naming the
 * point and its axis values. */
int sweep_check_points(const sweep_spec *sp, json_t *base, const char *file, vs_err *err);
/* Fills order[ncombos] with the axis combinations, most expensive first:
 * cost = product of the axes' cost factors (numeric values), ties in
 * canonical order. Can't fail. */
void sweep_order(const sweep_spec *sp, uint32_t *order);

/* Mean of x[0..n-1] and the half-width of its 95% confidence interval,
 * t(0.975, n-1) * sd / sqrt(n) with the sample sd (n - 1 divisor); the
 * half-width is 0 when n = 1. n must be >= 1. Can't fail. */
void sweep_ci95(const double *x, int n, double *mean, double *half);

/* Runs the sweep into o->dir: checks or creates the directory (an existing
 * sweep there needs o->resume and the same sweep), runs the missing points
 * in o->jobs worker processes, then rebuilds results.csv and summary.csv
 * from the point files (also after an interruption or a failed point).
 * Returns 0 when the points all ran or when interrupted by SIGINT/SIGTERM
 * (out->interrupted set; the finished points are kept). Returns -1 with err
 * filled on bad input (a different sweep in dir: code 2), a point that
 * failed or crashed its worker, or an I/O error (code 1). */
int sweep_run(const sweep_spec *sp, json_t *base, const char *file, const sweep_opts *o,
              sweep_outcome *out, vs_err *err);
/* Rebuilds dir/results.csv and dir/summary.csv from dir/points. *found is
 * the number of finished points found. Returns 0 or -1 with err filled. */
int sweep_collect(const sweep_spec *sp, const char *dir, int64_t *found, vs_err *err);

/* What sweep_merge did. */
typedef struct sweep_merge_outcome {
    int64_t npoints;  /* points in the sweep */
    int64_t had;      /* already in out before the merge */
    int64_t copied;   /* linked or copied into out */
    int64_t missing;  /* in none of the directories */
    int64_t *miss;    /* the missing points, ascending (owned; free with free()) */
} sweep_merge_outcome;

/* Merges the point files of the sweep directories dirs[0..ndirs-1] into out
 * (created if missing; it may be one of dirs or already hold the same
 * sweep): checks that every dirs[i]/sweep.json (and out's, if any) describe
 * the same sweep, hard-links (or copies) every point file out lacks, writes
 * out/sweep.json, and rebuilds out/results.csv and out/summary.csv. Missing
 * points are not an error here: mo lists them. Returns 0, or -1 with err
 * (code 2: not a sweep directory, different sweeps; code 1: I/O). */
int sweep_merge(const char *out, const char *const *dirs, int ndirs, sweep_merge_outcome *mo,
                vs_err *err);

/* The number of processes of the parallel job this process was started in,
 * as the launcher's environment tells it (OMPI_COMM_WORLD_SIZE, PMI_SIZE,
 * MV2_COMM_WORLD_SIZE, or srun's SLURM_STEP_NUM_TASKS), with the variable's
 * name in var; 0 when no launcher started it. Can't fail. */
int sweep_launcher_size(char *var, size_t n);

#ifdef VMSIM_MPI
/* The MPI side of `vmsim sweep` (analysis/sweep_mpi.c, `make MPI=1`).
 * sweep_mpi_begin starts MPI (call it when sweep_launcher_size() > 0),
 * giving this rank and the world size; with one process MPI ends again at
 * once, so the local worker pool may fork. Returns 0, or -1 with err (e.g.
 * launched as K tasks but MPI sees one process). */
int sweep_mpi_begin(int *rank, int *size, vs_err *err);
/* Rank 0 sends text (NULL: it failed, with exit code *code) to every rank;
 * the others receive it. Returns a new string, or NULL with *code set when
 * rank 0 failed. Collective. */
char *sweep_mpi_share(const char *text, int *code);
/* Collective: 1 when ok is non-zero on every rank. After it returns 1 the
 * ranks > 0 call sweep_mpi_worker and rank 0 serves them (sweep_run with
 * opts.mpi, and sweep_mpi_end). */
int sweep_mpi_all_ok(int ok);
/* Ranks > 0: asks rank 0 for points and runs them in-process, sending each
 * point file's text back, until told to stop. Returns 0, or -1 with err on
 * a communication error. */
int sweep_mpi_worker(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                     vs_err *err);
/* Ends MPI. Rank 0 first tells every worker still waiting for a point to
 * stop (once sweep_mpi_all_ok agreed); when workers were left inside a
 * point (interrupted by SIGTERM or a second SIGINT) it aborts the whole job
 * with exit status code instead. Then MPI_Finalize. No-op without MPI. */
void sweep_mpi_end(int code);
#endif

/* Appends s to buf (of size n), single-quoted for sh when it holds
 * anything but [A-Za-z0-9_./=:,+-@%]. Returns buf. */
const char *sweep_shell_quote(char *buf, size_t n, const char *s);

#endif
