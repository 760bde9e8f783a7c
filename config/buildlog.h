/* buildlog.h - recorded builds as job graphs, for the replay workload.
 *
 * Two text formats (docs/replay.md has examples):
 *
 *  - ninja's `.ninja_log`: the header "# ninja log v5" (v6 and v7 headers
 *    are accepted too: every entry line is checked to have the five v5
 *    fields), then one line per output written,
 *    "start_ms TAB end_ms TAB mtime TAB output TAB cmdhash". A later line
 *    for the same output replaces the earlier one (a rebuild); outputs of
 *    one edge (same start, end and cmdhash) form one job, named after its
 *    first output. A job's CPU time is end - start: ninja logs the wall time
 *    of each edge, which is the job's run time only when the build had an
 *    idle core for it (record at -j1 for the least disturbed times). The
 *    log holds no dependencies: every job is independent. Jobs are ordered
 *    by start time, ties by line.
 *
 *  - a CSV of jobs: optional '#' comment and blank lines, the header
 *    "id,cpu_ms,deps", then "ID,MS,DEPS" per job. ID has no blank, ',' or
 *    ';'; MS is a decimal number of milliseconds >= 0; DEPS lists ids
 *    separated by blanks or ';' (may be empty, may name jobs defined further
 *    down). Jobs are ordered as in the file.
 *
 * Invariants of a blog_graph: 1 <= njobs <= BLOG_MAX_JOBS; ids are distinct
 * (CSV) and non-empty; every deps[] entry is a job index other than the
 * job's own, no job lists a dependency twice, the dependencies form no
 * cycle; succ[] are exactly the reverse edges.
 *
 * Logs are UTF-8 text (a CR before each LF is dropped); a NUL, a control
 * character other than tab or invalid UTF-8 is binary junk.
 *
 * Errors name the file and line ("x.csv:7: field 2 (cpu_ms): expected ...,
 * found ...", with a column for binary junk): missing or extra fields,
 * non-numeric, negative or reversed times, duplicate ids, unknown
 * dependencies, cycles (naming a job on it), an empty log, and the limits
 * below. */
#ifndef VMSIM_BUILDLOG_H
#define VMSIM_BUILDLOG_H

#include <stddef.h>

#include "models/workloads/buildgraph.h"
#include "sim/err.h"

#define BLOG_MAX_JOBS 1000000        /* jobs in one log */
#define BLOG_MAX_LINE 65536          /* bytes per line, without the newline */
#define BLOG_MAX_DEPS 10000          /* dependencies of one job */
#define BLOG_MAX_FILE (256u << 20)   /* bytes in one log file */
#define BLOG_MAX_MS 1e9              /* CPU time of one job, ms (about 11.6 days) */

/* Parses `len` bytes of log text in format f; `name` names the log in
 * messages. On success *out is a new graph (blog_free) and 0 is returned;
 * on bad input -1 with err filled (code VS_EXIT_INPUT) and *out NULL. */
int blog_parse(const char *name, const char *text, size_t len, blog_format f, blog_graph **out,
               vs_err *err);
/* Reads and parses the file at path (a missing, unreadable, non-regular or
 * oversized file is bad input). Same contract as blog_parse. */
int blog_read(const char *path, blog_format f, blog_graph **out, vs_err *err);
/* The format a file name suggests: BLOG_CSV for names ending in ".csv"
 * (any case), BLOG_NINJA otherwise. Can't fail. */
blog_format blog_format_of(const char *path);
/* "ninja" or "csv". */
const char *blog_format_name(blog_format f);
/* blog_free (models/workloads/buildgraph.h) frees a graph. */

#endif
