/* sweep_mpi.h - the MPI side of `vmsim sweep` (experiment/sweep_mpi.c,
 * built by `make MPI=1` only; docs/scaling-out.md). Rank 0 hands out points
 * from the runner's queue and writes the point files the other ranks send
 * back; the tables are rebuilt as after a local sweep. */
#ifndef VMSIM_SWEEP_MPI_H
#define VMSIM_SWEEP_MPI_H

#ifdef VMSIM_MPI
#include <jansson.h>
#include <stdint.h>

#include "experiment/sweep_run.h"
#include "experiment/sweep_spec.h"
#include "sim/err.h"

/* Starts MPI (call it when srun_launcher_size() > 0), giving this rank and
 * the world size; with one process MPI ends again at once, so the local
 * worker pool may fork. Returns 0, or -1 with err (e.g. launched as K tasks
 * but MPI sees one process). */
int sweep_mpi_begin(int *rank, int *size, vs_err *err);
/* Rank 0 sends text (NULL: it failed, with exit code *code) to every rank;
 * the others receive it. Returns a new string, or NULL with *code set when
 * rank 0 failed. Collective. */
char *sweep_mpi_share(const char *text, int *code);
/* Collective: 1 when ok is non-zero on every rank. After it returns 1 the
 * ranks > 0 call sweep_mpi_worker and rank 0 serves them (srun_run with
 * opts.mpi, and sweep_mpi_end). */
int sweep_mpi_all_ok(int ok);
/* Ranks > 0: asks rank 0 for points and runs them in-process, sending each
 * point file's text back, until told to stop. Returns 0, or -1 with err on
 * a communication error. */
int sweep_mpi_worker(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                     vs_err *err);
/* Rank 0 (inside srun_run): hands the points of q to the worker ranks on
 * request and writes the point files they send back, marking done[] and
 * counting *ndone. Stops handing out points on the first failure (err,
 * returns -1) or on SIGINT/SIGTERM (out->interrupted). Fills out->jobs and
 * out->ran. */
int sweep_mpi_master(const sweep_spec *sp, const srun_opts *o, srun_queue *q, uint8_t *done,
                     int64_t *ndone, int64_t total, srun_outcome *out, vs_err *err);
/* Ends MPI. Rank 0 first tells every worker still waiting for a point to
 * stop (once sweep_mpi_all_ok agreed); when workers were left inside a
 * point (interrupted by SIGTERM or a second SIGINT) it aborts the whole job
 * with exit status code instead. Then MPI_Finalize. No-op without MPI. */
void sweep_mpi_end(int code);
#endif

#endif
