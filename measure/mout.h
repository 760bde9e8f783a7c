/* mout.h - the results of a `vmsim measure` matrix and their files
 * (prefix mo_).
 *
 * A mo_set holds the configurations, every attempt run (accepted, rejected
 * as noisy, or kept although noisy because the retries ran out) and, per
 * configuration and repetition, which attempt counts. mo_write writes the
 * output directory; every file atomically (sim/fsutil.h), so it can be
 * called after every round and a killed matrix leaves whole files. */
#ifndef VMSIM_MOUT_H
#define VMSIM_MOUT_H

#include <jansson.h>

#include "measure/mrun.h"
#include "sim/err.h"

enum { MO_OK = 0, MO_REJECTED = 1, MO_NOISY = 2 };

/* One run of one configuration. */
typedef struct mo_attempt {
    int config;         /* index in cfgs */
    int rep;            /* repetition, 1-based */
    int attempt;        /* 1-based within the repetition */
    int status;         /* MO_OK, MO_REJECTED or MO_NOISY (kept: retries exhausted) */
    double idle_before; /* idle share of the machine just before it, -1 unknown */
    mr_result r;        /* what it measured (owned) */
} mo_attempt;

/* Invariant: kept[c * reps + k] is -1 or the index of an attempt of
 * configuration c, repetition k + 1, whose status is MO_OK or MO_NOISY. */
typedef struct mo_set {
    mr_config *cfgs; /* the configurations (owned) */
    int ncfg;
    int reps;        /* repetitions per configuration */
    mo_attempt *att; /* every attempt, in run order (owned) */
    int natt, catt;
    int *kept;       /* ncfg x reps (owned) */
} mo_set;

/* Appends an attempt (takes ownership of a->r); returns its index. */
int mo_add(mo_set *s, const mo_attempt *a);
void mo_free(mo_set *s);

/* Writes DIR/runs.csv, summary.csv, measured.csv, measured-wait.csv,
 * machine.json, model.json and log.txt. `facts` is the machine.json object
 * (not consumed). 0, or -1 with err (internal: a file cannot be written). */
int mo_write(const char *dir, const mo_set *s, const mr_machine *m, json_t *facts,
             uint64_t spin_threshold, const char *log, vs_err *err);

#endif
