/* trace.h - a streaming writer of Chrome Trace Event Format JSON.
 *
 * Writes the JSON Object Format
 *
 *   {"traceEvents":[ event, event, ... ],
 *    "displayTimeUnit":"ns",
 *    "otherData":{"generator":"vmsim", "version":..., "window_start_ns":...,
 *                 "window_end_ns":... or null, "events":N}}
 *
 * which opens in https://ui.perfetto.dev and chrome://tracing (see
 * docs/trace.md). One event per line. Every event carries "name", "ph",
 * "ts", "pid" and "tid" (process-wide events - process metadata and
 * counters - use tid 0); "ts" and "dur" are microseconds written as plain
 * decimals with nanosecond precision ("12.345", "12.3", "12"; never an
 * exponent), exact for every sim_time.
 *
 * Window: only events overlapping [t0, t1) are written. A slice is kept if
 * start < t1 and end > t0 and is clipped to [max(start, t0), min(end, t1));
 * a zero-length slice, an instant or a counter sample is kept if
 * t0 <= t < t1. A counter holds its value until its next sample, so for
 * every counter series whose last sample before t0 is not superseded by a
 * sample at exactly t0, that value is repeated at t0 when the trace is
 * closed (the viewer then shows the right value from the window's start).
 * Metadata events are always written.
 *
 * Ordering: events may be written in any timestamp order (the format allows
 * it; viewers sort on load). On one (pid, tid) slices must nest - disjoint
 * or one inside the other - or viewers mis-draw them; clipping preserves
 * nesting. When two nested slices start at the same time (clipping at t0
 * makes that common) write the enclosing one first: chrome://tracing stacks
 * equal-start slices in file order.
 *
 * Strings given as names, categories and series are JSON-escaped (invalid
 * UTF-8 bytes become U+FFFD); args_json is copied verbatim and must be a
 * JSON object text.
 *
 * Cost: the writer streams through stdio (with a 256 KiB buffer) and
 * allocates nothing per event, except one small record per counter series
 * seen before t0. A trace is not thread-safe.
 *
 * Every function taking a `trace *` other than trace_open accepts NULL and
 * then does nothing (trace_close returns 0), so a caller can keep a NULL
 * trace when tracing is off and call the event functions unconditionally.
 *
 * Output is atomic (sim/fsutil.h): events go to "PATH.tmp.PID"; trace_close
 * renames it onto PATH; trace_abort removes it. Write errors (full disk) are
 * sticky and reported by trace_close. */
#ifndef VMSIM_TRACE_H
#define VMSIM_TRACE_H

#include <stdint.h>

#include "sim/err.h"
#include "sim/evq.h"

/* An open trace file; private to trace.c. */
typedef struct trace trace;

/* Opens a trace writing to a temporary file beside `path`, keeping events
 * that overlap [t0, t1) (t1 = SIM_TIME_MAX: no end). Returns NULL and fills
 * err on failure: an input error if t1 < t0, an internal error naming the
 * path if the file cannot be created. Free with trace_close or trace_abort. */
trace *trace_open(const char *path, sim_time t0, sim_time t1, vs_err *err);

/* Names process `pid` ("process_name") and sets its place in the viewer
 * ("process_sort_index", smaller first). name may be NULL: sort index only.
 * Metadata events are written whatever the window. Cannot fail. */
void trace_process(trace *t, int pid, const char *name, int sort_index);

/* Names thread `tid` of process `pid` ("thread_name") and sets its place
 * within the process ("thread_sort_index"). name may be NULL: sort index
 * only. Cannot fail. */
void trace_thread(trace *t, int pid, int tid, const char *name, int sort_index);

/* A complete event ("ph":"X") on (pid, tid) covering [start, end), clipped
 * to the window; dropped if it does not overlap it. cat and args_json may be
 * NULL (omitted). end < start is refused: nothing is written and
 * trace_invalid counts it. */
void trace_slice(trace *t, int pid, int tid, const char *name, const char *cat, sim_time start,
                 sim_time end, const char *args_json);

/* A thread-scoped instant event ("ph":"i", "s":"t") at time `when` on
 * (pid, tid), written if t0 <= when < t1. cat and args_json may be NULL. */
void trace_instant(trace *t, int pid, int tid, const char *name, const char *cat, sim_time when,
                   const char *args_json);

/* A sample of counter `name`, series `series`, of process pid ("ph":"C",
 * "args":{series:value}): the counter holds `value` from `when` until its
 * next sample. Written if t0 <= when < t1; an earlier sample may be carried
 * to t0 (see the window rules above). Perfetto shows each series as a track
 * "name series". A non-finite value is refused and counted by
 * trace_invalid. */
void trace_counter(trace *t, int pid, const char *name, sim_time when, const char *series,
                   double value);

/* Events written so far (metadata included; carried-in counter samples are
 * added by trace_close). 0 for NULL. */
uint64_t trace_events(const trace *t);

/* Limits the file to about max_bytes (0: no limit, the default): once it
 * is reached - checked every 1024 events, so the file may pass it by some
 * 100 KB - every later slice, instant and counter sample is dropped and
 * counted; the file stays valid, and its otherData gains
 * "truncated_at_ns" (the first dropped event's time) and
 * "dropped_events". Metadata is never dropped. */
void trace_set_max_bytes(trace *t, uint64_t max_bytes);

/* Events dropped by the size limit, and (if any and first is not NULL)
 * the time of the first one in *first. 0 for NULL. */
uint64_t trace_dropped(const trace *t, sim_time *first);

/* Calls refused as malformed (slice ending before it starts, non-finite
 * counter value). 0 for NULL. */
uint64_t trace_invalid(const trace *t);

/* Writes the carried-in counter samples and the closing JSON, flushes,
 * fsyncs and renames the file onto its path, and frees t. Returns 0, or -1
 * with err filled (internal error naming the path) if any write failed; the
 * temporary file is then removed and nothing is left at the path. */
int trace_close(trace *t, vs_err *err);

/* Discards the trace: removes the temporary file (the final path is not
 * touched) and frees t. */
void trace_abort(trace *t);

#endif
