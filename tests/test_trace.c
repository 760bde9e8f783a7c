/* Trace writer: the output parses, every event has the fields its phase
 * needs, window clipping is exact, timestamps round-trip to the nanosecond,
 * strings are escaped, and the output file is atomic. */
#include <check.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/trace.h"
#include "tests/harness.h"
/* ---- helpers ------------------------------------------------------------- */

static char tmpdir[4096];
static char path[4200];

static void make_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/vmsim-trace-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp %s failed", tmpdir);
    snprintf(path, sizeof path, "%s/out.json", tmpdir);
}

/* Number of directory entries in tmpdir other than . and .., and whether
 * one of them is named `only` (when only != NULL). */
static int dir_entries(const char *only, int *found)
{
    DIR *d = opendir(tmpdir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    if (found)
        *found = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        if (only && found && !strcmp(e->d_name, only))
            *found = 1;
    }
    closedir(d);
    return n;
}

static void remove_tmpdir(void)
{
    th_rm_flat(tmpdir);
}

/* The whole file at p (it must exist). */
static char *slurp(const char *p)
{
    char *s = th_slurp(p);
    ck_assert_msg(s != NULL, "cannot open %s", p);
    return s;
}

static json_t *load(const char *p)
{
    json_error_t je;
    json_t *root = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    ck_assert_msg(root != NULL, "%s:%d:%d: %s", p, je.line, je.column, je.text);
    ck_assert(json_is_object(root));
    ck_assert(json_is_array(json_object_get(root, "traceEvents")));
    ck_assert_str_eq(json_string_value(json_object_get(root, "displayTimeUnit")), "ns");
    ck_assert(json_is_object(json_object_get(root, "otherData")));
    return root;
}

/* Microseconds (as parsed) to integer nanoseconds. */
static long long us_to_ns(const json_t *v)
{
    ck_assert_msg(json_is_number(v), "not a number");
    return llround(json_number_value(v) * 1000.0);
}

/* Checks the fields every event needs, and those its phase needs; returns
 * the phase. Timed events must lie within [t0, t1). */
static char check_event(const json_t *ev, sim_time t0, sim_time t1)
{
    ck_assert(json_is_object(ev));
    ck_assert_msg(json_is_string(json_object_get(ev, "name")), "event without name");
    const char *ph = json_string_value(json_object_get(ev, "ph"));
    ck_assert_msg(ph && strlen(ph) == 1, "event without ph");
    ck_assert_msg(json_is_number(json_object_get(ev, "ts")), "event without ts");
    ck_assert_msg(json_is_integer(json_object_get(ev, "pid")), "event without pid");
    ck_assert_msg(json_is_integer(json_object_get(ev, "tid")), "event without tid");
    json_t *args = json_object_get(ev, "args");
    /* range checks in double: exact values are checked separately, and
     * t1 may be SIM_TIME_MAX */
    double ts = json_number_value(json_object_get(ev, "ts")) * 1000.0;
    double lo = (double)t0 - 0.5, hi = (double)t1 + 0.5;
    switch (ph[0]) {
    case 'X': {
        ck_assert_msg(json_is_number(json_object_get(ev, "dur")), "X without dur");
        double dur = json_number_value(json_object_get(ev, "dur")) * 1000.0;
        ck_assert_msg(dur >= 0 && ts >= lo && ts + dur <= hi, "X [%.17g, +%.17g) outside window",
                      ts, dur);
        if (dur == 0)
            ck_assert_msg(ts < (double)t1 - 0.5, "empty X at the window end");
        break;
    }
    case 'i': {
        const char *s = json_string_value(json_object_get(ev, "s"));
        ck_assert_msg(s && (!strcmp(s, "t") || !strcmp(s, "p") || !strcmp(s, "g")),
                      "instant without valid s");
        ck_assert_msg(ts >= lo && ts < (double)t1 - 0.5, "instant at %.17g outside window", ts);
        break;
    }
    case 'M':
        ck_assert_msg(json_is_object(args), "M without args");
        break;
    case 'C': {
        ck_assert_msg(json_is_object(args) && json_object_size(args) >= 1, "C without args");
        const char *k;
        json_t *v;
        json_object_foreach(args, k, v) ck_assert_msg(json_is_number(v), "C series %s", k);
        ck_assert_msg(ts >= lo && ts < (double)t1 - 0.5, "counter at %.17g outside window", ts);
        break;
    }
    default:
        ck_abort_msg("unexpected phase %s", ph);
    }
    return ph[0];
}

/* The n-th (0-based) event with this name and phase, or NULL. */
static json_t *find(json_t *evs, const char *name, char ph, int nth)
{
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev)
    {
        if (!strcmp(json_string_value(json_object_get(ev, "name")), name) &&
            json_string_value(json_object_get(ev, "ph"))[0] == ph && nth-- == 0)
            return ev;
    }
    return NULL;
}

static int count(json_t *evs, const char *name, char ph)
{
    int n = 0;
    while (find(evs, name, ph, n))
        n++;
    return n;
}

#define ck_slice(evs, name, want_ts, want_dur)                                                  \
    do {                                                                                        \
        json_t *ev_ = find(evs, name, 'X', 0);                                                  \
        ck_assert_msg(ev_ != NULL, "slice %s missing", name);                                   \
        ck_assert_int_eq(us_to_ns(json_object_get(ev_, "ts")), want_ts);                        \
        ck_assert_int_eq(us_to_ns(json_object_get(ev_, "dur")), want_dur);                      \
    } while (0)

/* ---- tests --------------------------------------------------------------- */

#define T0 1000
#define T1 5000
#define HOST_NAME "host \"A\"\\\n\tcaf\xc3\xa9 \x01"

START_TEST(test_window_and_fields)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, T0, T1, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);

    trace_process(t, 1, HOST_NAME, 0);
    trace_process(t, 2, "host B", 1);
    trace_thread(t, 1, 10, "vcpu0", 0);
    trace_thread(t, 1, 11, "vcpu1", 1);
    trace_thread(t, 2, 20, "vcpu0", 0);
    trace_thread(t, 2, 21, NULL, 5); /* sort index only */

    /* slices: straddling each edge, covering the window, inside, outside */
    trace_slice(t, 1, 10, "whole", "run", 0, 10000, NULL);
    trace_slice(t, 1, 10, "left", "run", 500, 1500, NULL);
    trace_slice(t, 1, 10, "right", "run", 4500, 6000, "{\"cpu\":3,\"why\":\"x\"}");
    trace_slice(t, 1, 11, "inside", "run", 1234, 2345, NULL);
    trace_slice(t, 1, 11, "before", "run", 0, 1000, NULL);  /* ends at t0: out */
    trace_slice(t, 1, 11, "after", "run", 5000, 6000, NULL); /* starts at t1: out */
    trace_slice(t, 1, 11, "just_in", "run", 999, 1001, NULL);
    trace_slice(t, 1, 11, "just_in_end", "run", 4999, 5001, NULL);
    trace_slice(t, 2, 20, "zero_t0", NULL, 1000, 1000, NULL); /* zero length at t0: in */
    trace_slice(t, 2, 20, "zero_t1", NULL, 5000, 5000, NULL); /* zero length at t1: out */
    trace_slice(t, 2, 20, "late", NULL, 3000, 3500, NULL);
    trace_slice(t, 2, 20, "early", NULL, 2000, 2500, NULL); /* out of order */
    trace_slice(t, 2, 20, "backwards", NULL, 3000, 2000, NULL); /* refused */

    /* instants at and beside the edges */
    trace_instant(t, 1, 10, "i_999", "mark", 999, NULL);
    trace_instant(t, 1, 10, "i_1000", "mark", 1000, "{\"k\":1}");
    trace_instant(t, 1, 10, "i_4999", "mark", 4999, NULL);
    trace_instant(t, 1, 10, "i_5000", "mark", 5000, NULL);

    /* counters: "load" has samples before t0 (the latest is carried to t0),
     * "mem" has one before and one exactly at t0 (no carry-in), "idle" has
     * only an early one (carried), "gone" only after t1 */
    trace_counter(t, 1, "load", 500, "cpu", 1.5);
    trace_counter(t, 1, "load", 800, "cpu", 2.5);
    trace_counter(t, 1, "load", 700, "cpu", 9.0); /* older, out of order: ignored */
    trace_counter(t, 1, "load", 2000, "cpu", 0.1);
    trace_counter(t, 1, "mem", 900, "bytes", 7.0);
    trace_counter(t, 1, "mem", 1000, "bytes", 8.0);
    trace_counter(t, 2, "idle", 10, "frac", 0.25);
    trace_counter(t, 2, "gone", 5000, "x", 1.0);
    trace_counter(t, 2, "load", 1500, "cpu", 1e300); /* same name, other process */
    trace_counter(t, 2, "nan", 1500, "x", NAN);       /* refused */

    ck_assert_int_eq(trace_invalid(t), 2);
    uint64_t before_close = trace_events(t);
    ck_assert_int_eq(trace_close(t, &err), 0);

    int found;
    ck_assert_int_eq(dir_entries("out.json", &found), 1); /* no temporary left */
    ck_assert(found);

    json_t *root = load(path);
    json_t *evs = json_object_get(root, "traceEvents");
    json_t *od = json_object_get(root, "otherData");
    ck_assert_int_eq(json_integer_value(json_object_get(od, "window_start_ns")), T0);
    ck_assert_int_eq(json_integer_value(json_object_get(od, "window_end_ns")), T1);
    ck_assert_int_eq(json_integer_value(json_object_get(od, "events")), json_array_size(evs));

    size_t i;
    json_t *ev;
    int nph[128] = {0};
    json_array_foreach(evs, i, ev) nph[(unsigned char)check_event(ev, T0, T1)]++;
    /* metadata: 2 process names + 2 sort indexes, 3 thread names + 4 */
    ck_assert_int_eq(nph['M'], 4 + 7);
    ck_assert_int_eq(nph['X'], 9);
    ck_assert_int_eq(nph['i'], 2);
    ck_assert_int_eq(nph['C'], 5); /* 3 in the window + 2 carried */
    /* two counters carried in at close (load/cpu of pid 1, idle) */
    ck_assert_int_eq(json_array_size(evs), before_close + 2);

    /* metadata and escaping round-trip */
    json_t *pn = find(evs, "process_name", 'M', 0);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(pn, "args"), "name")),
                     HOST_NAME);
    ck_assert_int_eq(json_integer_value(json_object_get(pn, "pid")), 1);
    json_t *ps = find(evs, "process_sort_index", 'M', 1);
    ck_assert_int_eq(json_integer_value(json_object_get(ps, "pid")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ps, "args"), "sort_index")),
                     1);
    ck_assert_int_eq(count(evs, "thread_name", 'M'), 3);
    json_t *ts5 = find(evs, "thread_sort_index", 'M', 3);
    ck_assert_int_eq(json_integer_value(json_object_get(ts5, "tid")), 21);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ts5, "args"), "sort_index")),
                     5);

    /* clipping, exact to the nanosecond */
    ck_slice(evs, "whole", T0, T1 - T0);
    ck_slice(evs, "left", 1000, 500);
    ck_slice(evs, "right", 4500, 500);
    ck_slice(evs, "inside", 1234, 1111);
    ck_slice(evs, "just_in", 1000, 1);
    ck_slice(evs, "just_in_end", 4999, 1);
    ck_slice(evs, "zero_t0", 1000, 0);
    ck_slice(evs, "late", 3000, 500);
    ck_slice(evs, "early", 2000, 500);
    ck_assert_int_eq(count(evs, "before", 'X'), 0);
    ck_assert_int_eq(count(evs, "after", 'X'), 0);
    ck_assert_int_eq(count(evs, "zero_t1", 'X'), 0);
    ck_assert_int_eq(count(evs, "backwards", 'X'), 0);
    json_t *right = find(evs, "right", 'X', 0);
    ck_assert_str_eq(json_string_value(json_object_get(right, "cat")), "run");
    json_t *rargs = json_object_get(right, "args");
    ck_assert_int_eq(json_integer_value(json_object_get(rargs, "cpu")), 3);
    ck_assert_str_eq(json_string_value(json_object_get(rargs, "why")), "x");
    ck_assert_ptr_null(json_object_get(find(evs, "zero_t0", 'X', 0), "cat"));

    /* instants */
    ck_assert_int_eq(count(evs, "i_999", 'i'), 0);
    ck_assert_int_eq(count(evs, "i_5000", 'i'), 0);
    ck_assert_int_eq(us_to_ns(json_object_get(find(evs, "i_1000", 'i', 0), "ts")), 1000);
    ck_assert_int_eq(us_to_ns(json_object_get(find(evs, "i_4999", 'i', 0), "ts")), 4999);
    ck_assert_int_eq(
        json_integer_value(json_object_get(json_object_get(find(evs, "i_1000", 'i', 0), "args"), "k")),
        1);

    /* counters: values exact, carry-ins at t0 */
    double load1[2] = {NAN, NAN};
    long long load1_ts[2] = {-1, -1};
    int nload1 = 0;
    json_array_foreach(evs, i, ev)
    {
        if (strcmp(json_string_value(json_object_get(ev, "name")), "load") ||
            json_integer_value(json_object_get(ev, "pid")) != 1)
            continue;
        ck_assert_int_lt(nload1, 2);
        load1_ts[nload1] = us_to_ns(json_object_get(ev, "ts"));
        load1[nload1] = json_number_value(json_object_get(json_object_get(ev, "args"), "cpu"));
        nload1++;
    }
    ck_assert_int_eq(nload1, 2);
    for (int k = 0; k < 2; k++) {
        if (load1_ts[k] == 1000)
            ck_assert(load1[k] == 2.5);
        else {
            ck_assert_int_eq(load1_ts[k], 2000);
            ck_assert(load1[k] == 0.1); /* exact round-trip of the double */
        }
    }
    ck_assert_int_ne(load1_ts[0], load1_ts[1]);
    ck_assert_int_eq(count(evs, "mem", 'C'), 1);
    json_t *mem = find(evs, "mem", 'C', 0);
    ck_assert_int_eq(us_to_ns(json_object_get(mem, "ts")), 1000);
    ck_assert(json_number_value(json_object_get(json_object_get(mem, "args"), "bytes")) == 8.0);
    json_t *idle = find(evs, "idle", 'C', 0);
    ck_assert_int_eq(us_to_ns(json_object_get(idle, "ts")), 1000);
    ck_assert_int_eq(json_integer_value(json_object_get(idle, "pid")), 2);
    ck_assert(json_number_value(json_object_get(json_object_get(idle, "args"), "frac")) == 0.25);
    ck_assert_int_eq(count(evs, "gone", 'C'), 0);
    ck_assert_int_eq(count(evs, "nan", 'C'), 0);
    json_t *load2 = NULL;
    for (int k = 0; (ev = find(evs, "load", 'C', k)); k++)
        if (json_integer_value(json_object_get(ev, "pid")) == 2)
            load2 = ev;
    ck_assert_ptr_nonnull(load2);
    ck_assert_int_eq(us_to_ns(json_object_get(load2, "ts")), 1500);
    ck_assert(json_number_value(json_object_get(json_object_get(load2, "args"), "cpu")) == 1e300);

    json_decref(root);
    remove_tmpdir();
}
END_TEST

/* Timestamps are written as exact decimal microseconds: checked on the text
 * (doubles cannot hold every large value) and through the parser. */
START_TEST(test_ts_text_exact)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, 0, SIM_TIME_MAX, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    trace_instant(t, 1, 1, "a", NULL, 12345, NULL);
    trace_instant(t, 1, 1, "b", NULL, 12300, NULL);
    trace_instant(t, 1, 1, "c", NULL, 12000, NULL);
    trace_instant(t, 1, 1, "d", NULL, 7, NULL);
    trace_instant(t, 1, 1, "e", NULL, 0, NULL);
    trace_instant(t, 1, 1, "f", NULL, 123456789012345678LL, NULL);
    trace_slice(t, 1, 1, "g", NULL, 1, SIM_TIME_MAX, NULL); /* no end: unclipped */
    trace_instant(t, 1, 1, "h", NULL, 86400 * SIM_S + 1, NULL); /* a day and 1 ns */
    ck_assert_int_eq(trace_events(t), 8);
    ck_assert_int_eq(trace_close(t, &err), 0);

    char *s = slurp(path);
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"a\",\"ph\":\"i\",\"ts\":12.345,"));
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"b\",\"ph\":\"i\",\"ts\":12.3,"));
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"c\",\"ph\":\"i\",\"ts\":12,"));
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"d\",\"ph\":\"i\",\"ts\":0.007,"));
    ck_assert_ptr_nonnull(strstr(s, "\"name\":\"e\",\"ph\":\"i\",\"ts\":0,"));
    ck_assert_ptr_nonnull(strstr(s, "\"ts\":123456789012345.678,"));
    ck_assert_ptr_nonnull(strstr(s, "\"ts\":0.001,\"dur\":9223372036854775.806,"));
    ck_assert_ptr_nonnull(strstr(s, "\"ts\":86400000000.001,"));
    ck_assert_ptr_null(strstr(s, "e+")); /* never an exponent */
    ck_assert_ptr_nonnull(strstr(s, "\"window_end_ns\":null"));
    free(s);

    json_t *root = load(path);
    json_t *evs = json_object_get(root, "traceEvents");
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) check_event(ev, 0, SIM_TIME_MAX);
    ck_assert_int_eq(us_to_ns(json_object_get(find(evs, "a", 'i', 0), "ts")), 12345);
    ck_assert_int_eq(us_to_ns(json_object_get(find(evs, "d", 'i', 0), "ts")), 7);
    ck_assert_int_eq(us_to_ns(json_object_get(find(evs, "h", 'i', 0), "ts")),
                     86400 * SIM_S + 1);
    json_decref(root);
    remove_tmpdir();
}
END_TEST

/* Invalid UTF-8 and control characters in every string position still give
 * valid JSON (Jansson rejects invalid UTF-8). */
START_TEST(test_escaping)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, 0, SIM_TIME_MAX, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    const char *bad = "a\xff" "b\xc3" "\x28\xed\xa0\x80\xe2\x82\xac\x1f\x7f\"";
    trace_process(t, 1, bad, 0);
    trace_thread(t, 1, 2, bad, 0);
    trace_slice(t, 1, 2, bad, bad, 0, 10, NULL);
    trace_instant(t, 1, 2, bad, bad, 5, NULL);
    trace_counter(t, 1, bad, 5, bad, 1.0);
    trace_slice(t, 1, 2, NULL, NULL, 0, 10, NULL); /* NULL name: "" */
    ck_assert_int_eq(trace_close(t, &err), 0);

    json_t *root = load(path);
    json_t *evs = json_object_get(root, "traceEvents");
    size_t i;
    json_t *ev;
    json_array_foreach(evs, i, ev) check_event(ev, 0, SIM_TIME_MAX);
    /* 0xff -> U+FFFD, lone 0xc3 -> U+FFFD, surrogate bytes -> 3 x U+FFFD,
     * the euro sign kept, 0x1f and quote escaped */
    const char *want = "a\xef\xbf\xbd" "b\xef\xbf\xbd" "(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                       "\xe2\x82\xac\x1f\x7f\"";
    ck_assert_str_eq(json_string_value(json_object_get(find(evs, want, 'X', 0), "cat")), want);
    ck_assert_ptr_nonnull(find(evs, "", 'X', 0));
    json_t *c = find(evs, want, 'C', 0);
    ck_assert_ptr_nonnull(c);
    ck_assert(json_is_number(json_object_get(json_object_get(c, "args"), want)));
    json_decref(root);
    remove_tmpdir();
}
END_TEST

START_TEST(test_abort_leaves_nothing)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, 0, SIM_TIME_MAX, &err);
    ck_assert_msg(t != NULL, "%s", err.msg);
    trace_process(t, 1, "p", 0);
    trace_slice(t, 1, 1, "s", NULL, 0, 10, NULL);
    ck_assert_int_eq(dir_entries(NULL, NULL), 1); /* the temporary */
    trace_abort(t);
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(dir_entries(NULL, NULL), 0);

    /* an existing file at the path is left untouched by an aborted trace */
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    t = trace_open(path, 0, SIM_TIME_MAX, &err);
    ck_assert_ptr_nonnull(t);
    trace_slice(t, 1, 1, "s", NULL, 0, 10, NULL);
    trace_abort(t);
    char *s = slurp(path);
    ck_assert_str_eq(s, "old");
    free(s);
    ck_assert_int_eq(dir_entries(NULL, NULL), 1);
    remove_tmpdir();
}
END_TEST

START_TEST(test_open_errors_and_null)
{
    make_tmpdir();
    vs_err err = {0};
    char bad[4300];
    snprintf(bad, sizeof bad, "%s/no/such/dir/t.json", tmpdir);
    ck_assert_ptr_null(trace_open(bad, 0, SIM_TIME_MAX, &err));
    ck_assert_int_eq(err.code, VS_EXIT_INTERNAL);
    ck_assert_ptr_nonnull(strstr(err.msg, bad));

    memset(&err, 0, sizeof err);
    ck_assert_ptr_null(trace_open(path, 10, 5, &err));
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert(err.msg[0] != 0);
    ck_assert_int_eq(dir_entries(NULL, NULL), 0);

    /* a NULL trace accepts every call */
    trace_process(NULL, 1, "p", 0);
    trace_thread(NULL, 1, 1, "t", 0);
    trace_slice(NULL, 1, 1, "s", NULL, 0, 1, NULL);
    trace_instant(NULL, 1, 1, "i", NULL, 0, NULL);
    trace_counter(NULL, 1, "c", 0, "x", 1.0);
    ck_assert_int_eq(trace_events(NULL), 0);
    ck_assert_int_eq(trace_invalid(NULL), 0);
    ck_assert_int_eq(trace_close(NULL, &err), 0);
    trace_abort(NULL);

    /* an empty window keeps metadata only */
    trace *t = trace_open(path, 100, 100, &err);
    ck_assert_ptr_nonnull(t);
    trace_process(t, 1, "p", 0);
    trace_slice(t, 1, 1, "s", NULL, 0, 1000, NULL);
    trace_slice(t, 1, 1, "z", NULL, 100, 100, NULL);
    trace_instant(t, 1, 1, "i", NULL, 100, NULL);
    trace_counter(t, 1, "c", 50, "x", 1.0);
    trace_counter(t, 1, "c", 100, "x", 1.0);
    ck_assert_int_eq(trace_close(t, &err), 0);
    json_t *root = load(path);
    ck_assert_int_eq(json_array_size(json_object_get(root, "traceEvents")), 2);
    json_decref(root);
    remove_tmpdir();
}
END_TEST

/* Many counter series before t0 grow the carry-in table; each is carried. */
START_TEST(test_many_carried_counters)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, 1000, 2000, &err);
    ck_assert_ptr_nonnull(t);
    char name[32];
    for (int k = 0; k < 300; k++) {
        snprintf(name, sizeof name, "c%d", k);
        trace_counter(t, k % 3, name, 10, "v", k);
        trace_counter(t, k % 3, name, 20 + k, "v", k + 0.5);
        if (k % 2)
            trace_counter(t, k % 3, name, 1000, "v", -k); /* at t0: no carry-in */
    }
    ck_assert_int_eq(trace_close(t, &err), 0);
    json_t *root = load(path);
    json_t *evs = json_object_get(root, "traceEvents");
    ck_assert_int_eq(json_array_size(evs), 300);
    for (int k = 0; k < 300; k++) {
        snprintf(name, sizeof name, "c%d", k);
        json_t *ev = find(evs, name, 'C', 0);
        ck_assert_ptr_nonnull(ev);
        ck_assert_int_eq(count(evs, name, 'C'), 1);
        check_event(ev, 1000, 2000);
        ck_assert_int_eq(us_to_ns(json_object_get(ev, "ts")), 1000);
        ck_assert_int_eq(json_integer_value(json_object_get(ev, "pid")), k % 3);
        double v = json_number_value(json_object_get(json_object_get(ev, "args"), "v"));
        ck_assert(v == (k % 2 ? -k : k + 0.5));
    }
    json_decref(root);
    remove_tmpdir();
}
END_TEST

/* The size limit: the file stops near it, stays valid, and says where it
 * was cut and how much was dropped. */
START_TEST(test_max_bytes)
{
    make_tmpdir();
    vs_err err = {0};
    trace *t = trace_open(path, 0, SIM_TIME_MAX, &err);
    ck_assert_ptr_nonnull(t);
    trace_set_max_bytes(t, 100000);
    trace_thread(t, 1, 1, "vcpu0", 0);
    for (int k = 0; k < 20000; k++)
        trace_slice(t, 1, 1, "running task 1", "running", 1000 * k, 1000 * k + 500, NULL);
    sim_time first = -1;
    uint64_t dropped = trace_dropped(t, &first);
    ck_assert_uint_gt(dropped, 10000);
    ck_assert_int_gt(first, 0);
    ck_assert_int_eq(trace_close(t, &err), 0);
    char *text = slurp(path);
    size_t n = strlen(text);
    ck_assert_msg(n >= 100000 && n < 100000 + 1024 * 200, "size %zu", n);
    free(text);
    json_t *root = load(path);
    json_t *od = json_object_get(root, "otherData");
    ck_assert_int_eq(json_integer_value(json_object_get(od, "dropped_events")), (long long)dropped);
    ck_assert_int_eq(json_integer_value(json_object_get(od, "truncated_at_ns")), first);
    ck_assert_int_eq(json_array_size(json_object_get(root, "traceEvents")) + dropped, 20002);
    json_decref(root);
    remove_tmpdir();
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, test_window_and_fields);
    tcase_add_test(tc, test_ts_text_exact);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_abort_leaves_nothing);
    tcase_add_test(tc, test_open_errors_and_null);
    tcase_add_test(tc, test_many_carried_counters);
    tcase_add_test(tc, test_max_bytes);
    suite_add_tcase(s, tc);
    return s;
}

#include "tests/check_main.h"
