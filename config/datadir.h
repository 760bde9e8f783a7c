/* datadir.h - where vmsim's bundled data (host presets, scenarios) lives.
 *
 * No install path is compiled into the binary. The data directories are
 * found at run time, in this order (only those that exist):
 *   1. $VMSIM_DATADIR, when set and not empty;
 *   2. EXE/../share/vmsim  - an installed vmsim (PREFIX/bin/vmsim and
 *      PREFIX/share/vmsim, whatever PREFIX and DESTDIR were);
 *   3. EXE/../scenarios and EXE/../../scenarios - an uninstalled build in a
 *      source checkout (bin/vmsim, build-asan/bin/vmsim, build/tests/...);
 * where EXE is the directory of the running executable (/proc/self/exe).
 * The functions keep no state: each call looks again. */
#ifndef VMSIM_DATADIR_H
#define VMSIM_DATADIR_H

#include <stddef.h>

#define DD_MAX 4        /* at most this many data directories */
#define DD_PATH 4096    /* the longest data directory path */

/* Fills dirs with the existing data directories in search order and returns
 * how many (0 to DD_MAX). Each is an absolute, canonical path. Cannot fail. */
int dd_dirs(char dirs[DD_MAX][DD_PATH]);
/* Looks for the regular file REL (e.g. "hosts/x3950-x6.json") in the data
 * directories; on success writes its path to buf and returns 0, else -1
 * (buf then holds nothing useful). */
int dd_find(const char *rel, char *buf, size_t n);
/* A one-line list of the data directories searched, for error messages:
 * "/a, /b" or "(none found)". */
void dd_describe(char *buf, size_t n);

#endif
