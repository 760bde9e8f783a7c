/* fsutil.h - atomic output files.
 *
 * Results, summaries and traces are never half-written: fsu_open writes to
 * "PATH.tmp.PID" in the same directory; fsu_commit flushes, fsyncs and renames
 * it over PATH and fsyncs the directory; fsu_abort removes it. A full disk or an unwritable directory
 * is reported as an error naming the path, not a crash. */
#ifndef VMSIM_FSUTIL_H
#define VMSIM_FSUTIL_H

#include <stdio.h>

#include "sim/err.h"

typedef struct fsu_file {
    FILE *f;        /* write here */
    char path[4096];/* final path */
    char tmp[4200]; /* temporary path */
} fsu_file;

/* Opens a temporary file beside `path`. On failure fills err (internal
 * error naming the path and errno text) and returns -1. */
int fsu_open(fsu_file *o, const char *path, vs_err *err);
/* Flushes, fsyncs, closes and renames onto the final path, then fsyncs the
 * directory so the rename itself survives a crash. On any failure
 * (e.g. ENOSPC) removes the temporary, fills err and returns -1. */
int fsu_commit(fsu_file *o, vs_err *err);
/* Closes and removes the temporary file. Safe on a closed fsu_file. */
void fsu_abort(fsu_file *o);
/* Fsyncs the directory holding `path` (a file path; "." when it has no
 * slash), after a rename or link put a file there. A filesystem that cannot
 * sync directories (EINVAL, EROFS) is not an error. Returns 0 or -1 with
 * err (internal) naming the directory. */
int fsu_sync_dir(const char *path, vs_err *err);
/* Writes a whole string to `path` atomically. */
int fsu_write_string(const char *path, const char *s, vs_err *err);
/* Creates a directory (and parents) if missing; error if not a directory. */
int fsu_mkdirs(const char *path, vs_err *err);

#endif
