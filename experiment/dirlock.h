/* dirlock.h - the locks of a sweep directory (docs/sweep.md, DIR/.lock).
 *
 * One sweep per directory at a time: a second one would race on the point
 * files and delete the first one's temporaries. A whole sweep (or a merge)
 * takes DIR/.lock exclusively. Shard I/N takes DIR/.lock shared and
 * DIR/.lock.shard-I-of-N exclusively: the shards of a sweep share a
 * directory, but not with a whole sweep, nor with a second copy of
 * themselves. The locks are flock(2) locks, released when the descriptors
 * close (also when the process dies); a filesystem without locks (Lustre
 * without -o flock) gets a warning instead. */
#ifndef VMSIM_DIRLOCK_H
#define VMSIM_DIRLOCK_H

#include "sim/err.h"

/* Locks dir for one run of shard I/N (shard_n 0: the whole sweep).
 * fds[0..1] get the descriptors (-1: none), which worker processes must
 * close. Returns 0, or -1 with err (input: held by another run). */
int dlock_take(const char *dir, int shard_i, int shard_n, int fds[2], vs_err *err);
/* Releases what dlock_take took. */
void dlock_release(int fds[2]);

#endif
