/* merge.h - `vmsim merge`: joining the directories of one sweep (shards,
 * job arrays; docs/sweep.md "Shards and merging"; the experiment layer). */
#ifndef VMSIM_MERGE_H
#define VMSIM_MERGE_H

#include <stdint.h>

#include "sim/err.h"

/* What merge_dirs did. */
typedef struct merge_outcome {
    int64_t npoints;  /* points in the sweep */
    int64_t had;      /* already in out before the merge */
    int64_t copied;   /* linked or copied into out */
    int64_t missing;  /* in none of the directories */
    int64_t *miss;    /* the missing points, ascending (owned; free with free()) */
} merge_outcome;

/* Merges the point files of the sweep directories dirs[0..ndirs-1] into out
 * (created if missing; it may be one of dirs or already hold the same
 * sweep): checks that every dirs[i]/sweep.json (and out's, if any) describe
 * the same sweep, hard-links (or copies) every point file out lacks, writes
 * out/sweep.json, and rebuilds out/results.csv and out/summary.csv. Missing
 * points are not an error here: mo lists them. Returns 0, or -1 with err
 * (code 2: not a sweep directory, different sweeps; code 1: I/O). */
int merge_dirs(const char *out, const char *const *dirs, int ndirs, merge_outcome *mo,
               vs_err *err);

#endif
