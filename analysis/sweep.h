/* sweep.h - the sweep API under its former names, for code written against
 * the one-file analysis/sweep.c. New code includes the modules themselves:
 *
 *   experiment/sweep_spec.h  the sweep section and its points   (sweep_)
 *   experiment/store.h       sweep.json and the point files     (store_)
 *   experiment/dirlock.h     the directory locks                (dlock_)
 *   experiment/pool.h        the forked worker pool             (pool_)
 *   experiment/sweep_run.h   running a sweep, the tables        (srun_)
 *   experiment/merge.h       joining sweep directories          (merge_)
 *   experiment/sweep_mpi.h   the MPI side (make MPI=1)          (sweep_mpi_)
 *   analysis/summary.h       mean and 95% CI over seeds         (summ_)
 *
 * The wrappers below only forward. */
#ifndef VMSIM_SWEEP_H
#define VMSIM_SWEEP_H

#include "analysis/summary.h"
#include "experiment/merge.h"
#include "experiment/sweep_mpi.h"
#include "experiment/sweep_run.h"
#include "experiment/sweep_spec.h"

#define SWEEP_MAX_JOBS SRUN_MAX_JOBS

typedef srun_opts sweep_opts;
typedef srun_outcome sweep_outcome;
typedef merge_outcome sweep_merge_outcome;

static inline int sweep_run(const sweep_spec *sp, json_t *base, const char *file,
                            const sweep_opts *o, sweep_outcome *out, vs_err *err)
{
    return srun_run(sp, base, file, o, out, err);
}
static inline int sweep_collect(const sweep_spec *sp, const char *dir, int64_t *found,
                                vs_err *err)
{
    return srun_collect(sp, dir, found, NULL, err);
}
static inline int sweep_merge(const char *out, const char *const *dirs, int ndirs,
                              sweep_merge_outcome *mo, vs_err *err)
{
    return merge_dirs(out, dirs, ndirs, mo, err);
}
static inline void sweep_ci95(const double *x, int n, double *mean, double *half)
{
    summ_ci95(x, n, mean, half);
}
static inline int sweep_launcher_size(char *var, size_t n)
{
    return srun_launcher_size(var, n);
}

#endif
