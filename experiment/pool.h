/* pool.h - a pool of forked worker processes that run numbered tasks (the
 * experiment layer; it knows nothing of sweeps).
 *
 * The parent forks nworkers children, each connected by two pipes: the
 * parent writes "TASK\n" to a free worker, the worker runs ops->run in its
 * own process and answers "ok TASK WALL" or "err TASK CODE MESSAGE". The
 * parent hands out the next task (ops->next) to whichever worker is free and
 * waits in ppoll, so a long task never holds up the others. A worker dies
 * with its parent (PR_SET_PDEATHSIG on Linux) and ignores SIGINT.
 *
 * Signals, while pool_run runs: the first SIGINT stops handing out tasks
 * and lets the running ones finish; a second SIGINT, or SIGTERM, kills the
 * workers at once. Either way pool_run returns with res->interrupted set.
 * A task that fails or crashes its worker stops the handing out too; the
 * first failure goes to err, later ones to ops->note.
 *
 * Invariant: a task is handed to at most one worker; ops->done is called
 * once for every task that finished well. */
#ifndef VMSIM_POOL_H
#define VMSIM_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

/* What the pool runs and whom it tells. ctx is passed to every callback. */
typedef struct pool_ops {
    /* Worker side: runs task (0 or -1 with err); *wall its wall seconds. */
    int (*run)(void *ctx, int64_t task, double *wall, vs_err *err);
    /* Parent: the next task to hand out, or -1 when none is left. */
    int64_t (*next)(void *ctx);
    /* Parent: task finished well. */
    void (*done)(void *ctx, int64_t task);
    /* Parent: the message for a task that failed with msg (into buf). */
    void (*failed)(void *ctx, int64_t task, const char *msg, char *buf, size_t n);
    /* Parent: the message for a task that crashed its worker (how: "killed
     * by signal 6, Aborted"), into buf. */
    void (*crashed)(void *ctx, int64_t task, const char *how, char *buf, size_t n);
    /* Parent: a line for the user ("also: ...", "warning: ...",
     * "interrupted; ..."); may be NULL. */
    void (*note)(void *ctx, const char *msg);
    /* Parent: called once per turn of the wait loop (progress); may be NULL. */
    void (*tick)(void *ctx);
    void *ctx;
    const char *unit;     /* what a task is called in messages ("point") */
    const int *close_fds; /* descriptors the workers close at once (locks), or NULL */
    int nclose;           /* number of close_fds */
} pool_ops;

/* What pool_run did. */
typedef struct pool_result {
    int workers;     /* workers started */
    int interrupted; /* stopped by SIGINT or SIGTERM (or a worker killed by one) */
} pool_result;

/* Runs tasks from ops->next on nworkers (>= 1) forked workers until none is
 * left, a task failed, or a signal stopped it. Returns 0, or -1 with err:
 * a failed or crashed task (err->code from the task, else internal), or no
 * worker could be started. */
int pool_run(const pool_ops *ops, int nworkers, pool_result *res, vs_err *err);

#endif
