/* The gmake model on bare metal with no lock contention scales as its
 * critical path predicts: with constant job times, zero costs and make -j J
 * on J cores, one build takes serial_start + ceil(N / J) * job + serial_end,
 * so builds per hour = 3600 / that. */
#include <jansson.h>
#include <stdio.h>

#include "analysis/report.h"
#include "config/scenario.h"
#include "models/run.h"
#include "tests/check_main.h"

static double gmake_builds_per_hour(int cores, int jobs, double dur_s)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"duration_s\": %.9g, \"seed\": 3,"
             " \"host\": {\"sockets\": 1, \"cores_per_socket\": %d, \"costs\": {\"line_same_core_ns\": 0,"
             "  \"line_same_socket_ns\": 0, \"native_wake_ns\": 0, \"migrate_same_socket_ns\": 0}},"
             " \"hypervisor\": {\"scheduler\": \"none\"},"
             " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
             " \"workload\": {\"type\": \"gmake\", \"compile_jobs\": %d,"
             "  \"job_cpu\": {\"dist\": \"const\", \"mean_ns\": 10000000},"
             "  \"serial_start_ns\": 5000000, \"serial_end_ns\": 7000000,"
             "  \"kentry\": {\"dist\": \"const\", \"mean_ns\": 1000000000000},"
             "  \"exec_sections\": 0, \"exit_sections\": 0, \"spawn_delay_ns\": 0,"
             "  \"kernel_locks\": [{\"name\": \"mm\", \"private\": true, \"run_weight\": 1, \"fork_weight\": 1,"
             "   \"hold\": {\"dist\": \"const\", \"mean_ns\": 0}}]}}",
             dur_s, cores, jobs);
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    ck_assert_msg(doc != NULL, "bad JSON: %s", je.text);
    scenario sc;
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(doc, "gmake.json", &sc, &err) == 0, "%s", err.msg);
    world *w = world_new(&sc);
    world_run(w);
    world_finish(w);
    report_meta m = {0};
    json_t *r = report_build(w, &m);
    double thr = json_real_value(json_object_get(json_object_get(r, "metrics"), "throughput_total"));
    ck_assert_int_eq(json_integer_value(json_object_get(r, "ops")), (json_int_t)w->vms[0].ops);
    json_decref(r);
    world_free(w);
    scenario_free(&sc);
    json_decref(doc);
    return thr;
}

START_TEST(test_critical_path)
{
    static const struct {
        int cores, jobs;
    } cases[] = {{1, 8}, {3, 8}, {4, 8}, {8, 8}, {5, 23}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int j = cases[i].cores, n = cases[i].jobs;
        double build_s = 0.005 + ((n + j - 1) / j) * 0.010 + 0.007;
        /* a whole number of builds: the window ends as the 40th build does */
        double thr = gmake_builds_per_hour(j, n, 40 * build_s);
        double want = 3600.0 / build_s;
        fprintf(stderr, "gmake -j%d, %d jobs: %.2f builds/h, critical path says %.2f\n", j, n, thr, want);
        ck_assert_rel(thr, want, 1e-6);
    }
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("gmake");
    TCase *tc = tcase_create("critical-path");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_critical_path);
    suite_add_tcase(s, tc);
    return s;
}
