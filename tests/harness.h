/* harness.h - helpers the Check suites share (tests/harness.c, linked into
 * every test program): where the sources and the vmsim binaries are,
 * temporary directories, whole files, and running vmsim as a child.
 *
 * Helpers that check something fail the current test with ck_assert (both
 * operands in the message); the others return a status. Strings returned
 * as char * are malloc'ed (caller frees); const char * ones are static. */
#ifndef VMSIM_TEST_HARNESS_H
#define VMSIM_TEST_HARNESS_H

#include <sys/types.h>

/* $VMSIM_SRC, else ".": the source tree (scenarios/, tests/). */
const char *th_src_dir(void);
/* The path of a file under the source tree: th_src_dir()/rel (static
 * buffer, valid until the next call). */
const char *th_src_path(const char *rel);
/* $VMSIM, else SRC/bin/vmsim: the release binary. */
const char *th_vmsim_bin(void);
/* $VMSIM_HOOKS, else SRC/build/tests/vmsim-hooks: vmsim built with the
 * test hooks (-DVMSIM_TEST_HOOKS, e.g. VMSIM_SWEEP_TEST_CRASH). */
const char *th_hooks_bin(void);

/* A new directory /tmp/vmsim-test-TAG-XXXXXX (asserts). */
char *th_make_tmpdir(const char *tag);
/* The same on tmpfs (/dev/shm/vmsim-test-TAG-XXXXXX) when /dev/shm is
 * writable, for tests whose runs fsync every file (asserts). */
char *th_make_fast_tmpdir(const char *tag);
/* Removes the files in dir (not below) and dir itself, without a child
 * process (fit for an unchecked fixture's teardown). */
void th_rm_flat(const char *dir);
/* rm -rf dir. */
void th_rm_rf(const char *dir);
/* The whole file, NUL-terminated, or NULL when it cannot be read. */
char *th_slurp(const char *path);
/* The whole file dir/name (asserts that it exists). */
char *th_slurp_in(const char *dir, const char *name);
/* Writes text to path (asserts). */
void th_write_file(const char *path, const char *text);
/* Asserts that the file at path holds frag. */
void th_expect_file_contains(const char *path, const char *frag);
/* dir/results.csv without its last two columns (wall_s, events_per_s). */
char *th_results_sans_wall(const char *dir);

/* Starts bin (th_vmsim_bin() when NULL) with args (NULL-terminated), in its
 * own process group, stdout to /dev/null and stderr into errfile; env
 * "NAME=VALUE" added when non-NULL. Returns the pid. */
pid_t th_spawn(const char *bin, const char *const *args, const char *errfile, const char *env);
/* The exit status of a child (128 + signal when killed). */
int th_wait(pid_t pid);
/* th_spawn and th_wait. */
int th_run(const char *bin, const char *const *args, const char *errfile, const char *env);
/* Sleeps ms milliseconds. */
void th_sleep_ms(int ms);

#endif
