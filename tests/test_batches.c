/* Batch means (analysis/batches.h): cutting the window into batches changes
 * no other result, the batch values average to the run's throughput, the
 * time series is the same with and without them, and bad batch counts are
 * refused. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analysis/runner.h"
#include "config/scenario.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* lockloop.json, 4 threads on 4 cores, a short run; batches (0: none). */
static json_t *doc_batches(int batches, double dur)
{
    vs_err err = {0};
    json_t *d = sc_read_json(th_src_path("scenarios/micro/lockloop.json"), &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    json_object_set_new(d, "duration_s", json_real(dur));
    json_object_set_new(d, "warmup_s", json_real(0.01));
    if (batches)
        json_object_set_new(d, "batches", json_integer(batches));
    return d;
}

static json_t *run_doc(json_t *d, const char *series)
{
    runner_opts o = {.series_path = series, .series_interval_ns = 7000000};
    json_t *r;
    vs_err err = {0};
    ck_assert_msg(runner_run_doc(d, "batches.json", &o, &r, &err) == 0, "%s", err.msg);
    return r;
}

/* The results without what batches add and without wall-clock fields. */
static char *comparable(json_t *r)
{
    json_t *c = json_deep_copy(r);
    json_object_del(c, "batches");
    json_object_del(c, "wall");
    json_object_del(json_object_get(c, "metrics"), "batch_ci95");
    json_object_del(json_object_get(c, "metrics"), "batch_lag1");
    json_object_del(json_object_get(c, "scenario"), "batches");
    char *s = json_dumps(c, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(c);
    return s;
}

START_TEST(test_batches_change_nothing_else)
{
    char *dir = th_make_tmpdir("batches"), s1[4200], s2[4200];
    snprintf(s1, sizeof s1, "%s/a.csv", dir);
    snprintf(s2, sizeof s2, "%s/b.csv", dir);
    json_t *d0 = doc_batches(0, 0.21), *d5 = doc_batches(5, 0.21);
    json_t *r0 = run_doc(d0, s1), *r5 = run_doc(d5, s2);
    char *c0 = comparable(r0), *c5 = comparable(r5);
    ck_assert_str_eq(c0, c5);
    char *t1 = th_slurp(s1), *t2 = th_slurp(s2);
    ck_assert_str_eq(t1, t2); /* the series is cut at the same points */
    json_t *b = json_object_get(r5, "batches");
    ck_assert_int_eq(json_integer_value(json_object_get(b, "n")), 5);
    ck_assert(fabs(json_real_value(json_object_get(b, "length_s")) - 0.04) < 1e-12);
    json_t *vals = json_object_get(b, "throughput_per_vm");
    ck_assert_int_eq((int)json_array_size(vals), 5);
    double sum = 0;
    for (size_t k = 0; k < 5; k++) {
        double v = json_real_value(json_array_get(vals, k));
        ck_assert_msg(v > 0, "batch %zu: %g", k, v);
        sum += v;
    }
    double thr = json_number_value(json_object_get(r0, "ops_per_s"));
    ck_assert_msg(fabs(sum / 5 - thr) <= 1e-9 * thr, "batch mean %g, run %g", sum / 5, thr);
    ck_assert(fabs(json_real_value(json_object_get(b, "mean")) - sum / 5) <= 1e-9 * thr);
    double ci = json_real_value(json_object_get(b, "ci95"));
    ck_assert_msg(ci > 0 && ci < thr, "ci95 %g", ci);
    ck_assert(json_is_real(json_object_get(json_object_get(r5, "metrics"), "batch_ci95")));
    free(t1);
    free(t2);
    free(c0);
    free(c5);
    json_decref(r0);
    json_decref(r5);
    json_decref(d0);
    json_decref(d5);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(test_batch_errors)
{
    static const int bad[] = {1, -1, 1001};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *d = doc_batches(0, 0.1);
        json_object_set_new(d, "batches", json_integer(bad[i]));
        json_t *r;
        vs_err err = {0};
        runner_opts o = {0};
        ck_assert_int_eq(runner_run_doc(d, "bad.json", &o, &r, &err), -1);
        ck_assert_msg(strstr(err.msg, "batches"), "%s", err.msg);
        ck_assert_int_eq(err.code, 2);
        json_decref(d);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("batches");
    TCase *tc = tcase_create("batches");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_batches_change_nothing_else);
    tcase_add_test(tc, test_batch_errors);
    suite_add_tcase(s, tc);
    return s;
}

