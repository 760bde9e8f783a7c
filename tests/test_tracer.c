/* The timeline trace of a teaching scenario is valid Chrome Trace Event
 * JSON: every event has the fields its phase requires, slices on a track
 * nest, and the lock-waiter preemption of lwp-ticket.json is on it. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/runner.h"
#include "config/scenario.h"
#include "tests/check_main.h"

static json_t *run_traced(const char *scenario, double from, double to, const char *path)
{
    char file[4096];
    const char *src = getenv("VMSIM_SRC");
    snprintf(file, sizeof file, "%s/%s", src ? src : ".", scenario);
    vs_err err = {0};
    json_t *doc = sc_read_json(file, &err);
    ck_assert_msg(doc != NULL, "%s", err.msg);
    runner_opts o = {.trace_path = path, .trace_from_s = from, .trace_to_s = to};
    json_t *res;
    ck_assert_msg(runner_run_doc(doc, file, &o, &res, &err) == 0, "%s", err.msg);
    json_decref(doc);
    json_t *tr = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    ck_assert_msg(tr != NULL, "trace %s does not parse", path);
    json_decref(res);
    return tr;
}

static void check_fields(json_t *tr, int *nslices, int *lwp_slices, double *min_ts, double *max_end)
{
    json_t *evs = json_object_get(tr, "traceEvents");
    ck_assert(json_is_array(evs));
    ck_assert_str_eq(json_string_value(json_object_get(tr, "displayTimeUnit")), "ns");
    size_t i;
    json_t *e;
    *nslices = *lwp_slices = 0;
    *min_ts = 1e300;
    *max_end = -1;
    json_array_foreach(evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        ck_assert_msg(ph && json_is_string(json_object_get(e, "name")), "event %zu: no name/ph", i);
        ck_assert_msg(json_is_number(json_object_get(e, "ts")), "event %zu: no ts", i);
        ck_assert_msg(json_is_integer(json_object_get(e, "pid")) && json_is_integer(json_object_get(e, "tid")),
                      "event %zu: no pid/tid", i);
        if (!strcmp(ph, "X")) {
            json_t *dur = json_object_get(e, "dur");
            ck_assert_msg(json_is_number(dur) && json_number_value(dur) > 0, "event %zu: bad dur", i);
            double ts = json_number_value(json_object_get(e, "ts"));
            if (ts < *min_ts)
                *min_ts = ts;
            if (ts + json_number_value(dur) > *max_end)
                *max_end = ts + json_number_value(dur);
            (*nslices)++;
            if (strstr(json_string_value(json_object_get(e, "name")), "HANDED TO IT"))
                (*lwp_slices)++;
        } else if (!strcmp(ph, "i")) {
            ck_assert(json_is_string(json_object_get(e, "s")));
        } else if (!strcmp(ph, "M")) {
            ck_assert(json_is_object(json_object_get(e, "args")));
        } else {
            ck_assert_msg(0, "event %zu: unexpected phase %s", i, ph);
        }
    }
}

/* Slices on one (pid, tid) never overlap partially (state slices are
 * sequential). */
static void check_tracks(json_t *tr)
{
    json_t *evs = json_object_get(tr, "traceEvents");
    size_t n = json_array_size(evs);
    for (size_t a = 0; a < n; a++) {
        json_t *x = json_array_get(evs, a);
        if (strcmp(json_string_value(json_object_get(x, "ph")), "X"))
            continue;
        double xs = json_number_value(json_object_get(x, "ts")), xe = xs + json_number_value(json_object_get(x, "dur"));
        for (size_t b = a + 1; b < n; b++) {
            json_t *y = json_array_get(evs, b);
            if (strcmp(json_string_value(json_object_get(y, "ph")), "X") ||
                json_integer_value(json_object_get(x, "pid")) != json_integer_value(json_object_get(y, "pid")) ||
                json_integer_value(json_object_get(x, "tid")) != json_integer_value(json_object_get(y, "tid")))
                continue;
            double ys = json_number_value(json_object_get(y, "ts")), ye = ys + json_number_value(json_object_get(y, "dur"));
            ck_assert_msg(xe <= ys + 1e-9 || ye <= xs + 1e-9, "overlapping slices on pid %lld tid %lld: [%g,%g) [%g,%g)",
                          (long long)json_integer_value(json_object_get(x, "pid")),
                          (long long)json_integer_value(json_object_get(x, "tid")), xs, xe, ys, ye);
        }
    }
}

START_TEST(test_teaching_trace)
{
    char dir[] = "/tmp/vmsim-trace-XXXXXX", path[256];
    ck_assert(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/t.json", dir);
    json_t *tr = run_traced("scenarios/teaching/lwp-ticket.json", 0, 0, path);
    int ns, lwp;
    double lo, hi;
    check_fields(tr, &ns, &lwp, &lo, &hi);
    check_tracks(tr);
    ck_assert(ns > 10);
    ck_assert_int_eq(lwp, 1);
    json_decref(tr);
    /* a window keeps only [1 ms, 2 ms) */
    tr = run_traced("scenarios/teaching/lwp-ticket.json", 0.001, 0.002, path);
    check_fields(tr, &ns, &lwp, &lo, &hi);
    check_tracks(tr);
    ck_assert(lo >= 1000.0 && hi <= 2000.0);
    json_decref(tr);
    remove(path);
    rmdir(dir);
}
END_TEST

START_TEST(test_trace_unwritable)
{
    vs_err err = {0};
    char file[4096];
    const char *src = getenv("VMSIM_SRC");
    snprintf(file, sizeof file, "%s/scenarios/teaching/lwp-ticket.json", src ? src : ".");
    json_t *doc = sc_read_json(file, &err), *res = NULL;
    ck_assert_msg(doc != NULL, "%s", err.msg);
    runner_opts o = {.trace_path = "/nonexistent-dir/t.json"};
    ck_assert_int_eq(runner_run_doc(doc, file, &o, &res, &err), -1);
    ck_assert_ptr_null(res);
    ck_assert_msg(strstr(err.msg, "/nonexistent-dir/t.json") != NULL, "message: %s", err.msg);
    json_decref(doc);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("tracer");
    TCase *tc = tcase_create("trace");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_teaching_trace);
    tcase_add_test(tc, test_trace_unwritable);
    suite_add_tcase(s, tc);
    return s;
}
