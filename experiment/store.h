/* store.h - the on-disk point store of a sweep directory (docs/sweep.md,
 * "Output files"; the experiment layer).
 *
 *   DIR/sweep.json          what the sweep is (store_describe); created once,
 *                           then compared by every run, shard and merge
 *   DIR/points/NNNNNN.json  each finished point's results document with its
 *                           identity under "sweep_point" (sweep_point_id)
 *
 * Every file appears atomically: written to PATH.tmp.HOST.PID beside it,
 * fsynced, renamed (or linked) into place, and the directory fsynced, so a
 * crash or power cut never leaves a half-written file and never loses a
 * renamed one. A point file counts as finished when it exists and its
 * "sweep_point" is this sweep's point; --resume (store_prepare) marks those
 * in a bitmap and removes the temporaries of interrupted writes.
 * store_load_table reads the finished points into a results table
 * (analysis/results.h): the tables are always rebuilt from the store. */
#ifndef VMSIM_STORE_H
#define VMSIM_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/results.h"
#include "experiment/sweep_spec.h"
#include "sim/err.h"
#include "sim/fsutil.h"

#define STORE_PATH_MAX 4300 /* file paths built under a sweep directory */

/* The bitmap of finished points: bit p of done[p / 8]. */
static inline int store_done(const uint8_t *done, int64_t p)
{
    return (done[p / 8] >> (p % 8)) & 1u;
}
static inline void store_mark(uint8_t *done, int64_t p)
{
    done[p / 8] |= (uint8_t)(1u << (p % 8));
}

/* Prints "vmsim sweep: warning: ..." on stderr (the store's and the
 * runner's only direct output besides the CLI's progress display). */
void store_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Opens a temporary file beside path, like fsu_open, but named
 * PATH.tmp.HOST.PID: shards on several hosts may write the same file of a
 * shared directory (sweep.json, results.csv) at once, and their pids may
 * coincide. fsu_commit renames it into place. Returns 0 or -1 with err. */
int store_open_tmp(fsu_file *o, const char *path, vs_err *err);
/* Writes a whole string to path atomically (store_open_tmp, fsu_commit). */
int store_write_file(const char *path, const char *text, vs_err *err);
/* DIR/points/NNNNNN.json of point p into buf. */
void store_point_path(const char *dir, int64_t p, char *buf, size_t n);
/* Writes DIR/points/NNNNNN.json atomically. Returns 0 or -1 with err. */
int store_write_point(const char *dir, int64_t p, const char *text, vs_err *err);
/* Loads the file of point p: 1 with *res a new reference when it exists
 * and belongs to this point, 0 when there is none, -1 when it is unusable
 * (why says so). */
int store_load_point(const sweep_spec *sp, const char *dir, int64_t p, json_t **res, char *why,
                     size_t n);
/* Reads every finished point of dir into t (initialised here with the
 * sweep's axes; free with rtab_free), canonical order, the group of a row
 * being its axis combination; *found rows. Unusable point files are left
 * out with a warning. Can't fail otherwise. */
void store_load_table(const sweep_spec *sp, const char *dir, rtab *t, int64_t *found);

/* sweep.json's document: vmsim_version, scenario_file, points, axes,
 * seeds and scenario (base without its sweep section). New reference. */
json_t *store_describe(const sweep_spec *sp, json_t *base, const char *file);
/* Compares the sweep descriptions was (from the file `wasf`) and now (from
 * `where`) on the keys that define a sweep: axes, seeds, scenario. Returns
 * 0 when equal, else -1 with err (code 2) naming the first difference;
 * `hint` ends the message. Without wasf the message reads "WHERE describes
 * a different sweep: PATH was A, now B" (resuming). */
int store_same_sweep(json_t *was, json_t *now, const char *wasf, const char *where,
                     const char *hint, vs_err *err);
/* Writes the sweep.json at sj from desc unless it exists; when it exists
 * (or appears meanwhile: of shards starting at once, one creates it),
 * checks it describes the same sweep. Returns 0 or -1 with err. */
int store_write_desc(const char *sj, json_t *desc, const char *hint, vs_err *err);
/* Loads dir/sweep.json. New reference, or NULL with err (code 2). */
json_t *store_load_desc(const char *dir, vs_err *err);
/* Rebuilds the sweep_spec a sweep.json describes. Returns 0 or -1. */
int store_spec_of_desc(json_t *desc, const char *where, sweep_spec *sp, vs_err *err);
/* Counts the entries of a directory (0 when it does not exist), and in
 * *mine the point files NNNNNN.json of points of shard I/N (0/0: all). */
int64_t store_count_entries(const char *dir, const sweep_spec *sp, int shard_i, int shard_n,
                            int64_t *mine);
/* Checks dir against the sweep, writes sweep.json, and (with resume)
 * marks the points of shard I/N (0/0: all) already finished in done[],
 * counting them in *ndone. A shard accepts a directory where other shards
 * work (the same sweep.json, their point files) and leaves their files
 * alone. Returns 0 or -1 with err (code 2: a different sweep, files
 * without --resume). */
int store_prepare(const sweep_spec *sp, json_t *base, const char *file, const char *dir,
                  int resume, int shard_i, int shard_n, uint8_t *done, int64_t *ndone,
                  vs_err *err);
/* Puts a copy of file src at dst atomically: a hard link when the
 * filesystem allows it, else a byte copy. Returns 0 or -1 with err. */
int store_link_or_copy(const char *src, const char *dst, vs_err *err);

#endif
