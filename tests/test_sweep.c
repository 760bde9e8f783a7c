/* Sweeps: the sweep section's validation errors, canonical order, the
 * summary statistics, and real sweeps through the CLI ($VMSIM): -j 1 vs
 * -j 2, resume after deleted points, after SIGKILL and after SIGINT, a
 * crashing worker, and vmsim plot. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "analysis/summary.h"
#include "analysis/sweep.h"
#include "config/scenario.h"
#include "sim/fsutil.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- helpers -------------------------------------------------------------- */

static const char *lockloop(void)
{
    return th_src_path("scenarios/micro/lockloop.json");
}

/* lockloop.json with a short run and the given sweep section (JSON text,
 * or NULL for none). */
static json_t *doc_with(const char *sweep)
{
    vs_err err = {0};
    json_t *d = sc_read_json(lockloop(), &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_apply_set(d, "duration_s=0.02", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "warmup_s=0.002", &err), 0);
    if (sweep) {
        json_error_t je;
        json_t *s = json_loads(sweep, 0, &je);
        ck_assert_msg(s != NULL, "bad test JSON: %s: %s", sweep, je.text);
        json_object_set_new(d, "sweep", s);
    }
    return d;
}

/* Parses (and checks every point of) a sweep; returns 0 or -1 with err. */
static int parse_check(const char *sweep, sweep_spec *sp, vs_err *err)
{
    json_t *d = doc_with(sweep);
    int rc = sweep_parse(d, "test.json", sp, err);
    if (rc == 0 && (rc = sweep_check_points(sp, d, "test.json", err)) != 0)
        sweep_free(sp);
    json_decref(d);
    return rc;
}

/* The sweep must be rejected with a message containing every fragment. */
static void expect_error(const char *sweep, const char *frag1, const char *frag2)
{
    sweep_spec sp;
    vs_err err = {0};
    int rc = parse_check(sweep, &sp, &err);
    if (rc == 0)
        sweep_free(&sp);
    ck_assert_msg(rc == -1, "accepted: %s", sweep ? sweep : "(no sweep)");
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, frag1), "message \"%s\" lacks \"%s\"", err.msg, frag1);
    ck_assert_msg(!frag2 || strstr(err.msg, frag2), "message \"%s\" lacks \"%s\"", err.msg, frag2);
}

static int count_points(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/points", dir);
    int n = 0;
    for (int i = 0; i < 100; i++) {
        char q[4300];
        snprintf(q, sizeof q, "%s/%06d.json", p, i);
        n += access(q, F_OK) == 0;
    }
    return n;
}

/* The sweep of the CLI tests: 4 x 2 axis values x 3 seeds. */
#define SMALL_SWEEP                                                                       \
    "sweep={\"axes\": [{\"path\": \"workload.threads\", \"values\": [8, 1, 2, 4]},"      \
    " {\"path\": \"guest.lock.algorithm\", \"name\": \"lock\", \"values\": [\"ticket\", \"mcs\"]}]," \
    " \"seeds\": [1, 2, 3]}"

/* Runs the small sweep into dir with extra options; returns the status. */
static int small_sweep(const char *dir, const char *jobs, int resume, const char *errfile,
                       const char *env)
{
    /* fault injection (env) exists only in the test build of vmsim */
    const char *bin = env ? th_hooks_bin() : th_vmsim_bin();
    const char *args[] = {"sweep", lockloop(), "-o", dir, "-j", jobs, "--quiet",
                          "--set", "duration_s=0.02", "--set", "warmup_s=0.002",
                          "--set", SMALL_SWEEP, resume ? "--resume" : NULL, NULL};
    return th_run(bin, args, errfile, env);
}

/* The larger sweep of the interruption tests (80 points of 0.1 s). */
#define BIG_SWEEP                                                                              \
    "sweep={\"axes\": [{\"path\": \"workload.threads\", \"values\": [8, 6, 4, 2]},"            \
    " {\"path\": \"guest.lock.algorithm\", \"name\": \"lock\", \"values\": [\"ticket\", \"tas\"]}]," \
    " \"seeds\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}"

/* The results of the sweeps in ref and d must be equal (wall-clock columns
 * aside); then removes both directories, errfile, and frees ref and d. */
static void expect_same_results(char *ref, char *d, const char *errfile)
{
    char *a = th_results_sans_wall(ref), *b = th_results_sans_wall(d);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    th_rm_rf(ref);
    th_rm_rf(d);
    remove(errfile);
    free(ref);
    free(d);
}

static pid_t big_sweep(const char *dir, const char *jobs, int resume, const char *errfile)
{
    const char *args[] = {"sweep", lockloop(), "-o", dir, "-j", jobs,
                          "--set", "duration_s=0.1", "--set", "warmup_s=0.002",
                          "--set", BIG_SWEEP, resume ? "--resume" : NULL, NULL};
    return th_spawn(NULL, args, errfile, NULL);
}

/* --- the sweep section ------------------------------------------------------ */

START_TEST(test_validation_errors)
{
    expect_error(NULL, "test.json: sweep: required key missing", NULL);
    expect_error("{}", "empty sweep", NULL);
    expect_error("{\"axes\": []}", "empty sweep", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": []}]}",
                 "test.json: sweep.axes.host.cores.values: expected a non-empty array", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\"}]}",
                 "sweep.axes.host.cores.values: required key missing", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1, {\"a\": 1}]}]}",
                 "sweep.axes.host.cores.values[1]: expected a number, string or boolean", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1, [2]]}]}",
                 "sweep.axes.host.cores.values[1]", "scalar");
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1, 2, 1]}]}",
                 "sweep.axes.host.cores.values[2]: duplicate value \"1\"", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"name\": \"x\", \"values\": [1]},"
                 " {\"path\": \"workload.threads\", \"name\": \"x\", \"values\": [1]}]}",
                 "sweep.axes.x: duplicate axis name", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1]},"
                 " {\"path\": \"host\", \"name\": \"h\", \"values\": [1]}]}",
                 "sweep.axes.h: sets host", "host.cores");
    expect_error("{\"axes\": [{\"path\": \"seed\", \"values\": [1, 2]}]}", "sweep.axes.seed",
                 "sweep.seeds");
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"name\": \"seed\", \"values\": [1]}]}",
                 "\"seed\" is taken by the results", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1, 2, 3]},"
                 " {\"path\": \"workload.threads\", \"values\": [1, 2]}], \"seeds\": [1, 2],"
                 " \"max_points\": 10}",
                 "give 12 points, more than sweep.max_points = 10", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1]}], \"max_points\": 20000000}",
                 "sweep.max_points: expected", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1]}], \"seeds\": [1, -2]}",
                 "sweep.seeds[1]: expected a non-negative integer", NULL);
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"values\": [1]}], \"seeds\": [3, 3]}",
                 "sweep.seeds: duplicate seed 3", NULL);
    expect_error("{\"axis\": [{\"path\": \"host.cores\", \"values\": [1]}]}",
                 "sweep.axis: unknown key", "axes");
    expect_error("{\"axes\": [{\"path\": \"host.cores\", \"value\": [1]}]}",
                 "sweep.axes[0].value: unknown key", NULL);
    expect_error("{\"axes\": [{\"name\": \"k\", \"values\": [\"a\", \"b\"],"
                 " \"set\": {\"a\": {\"host.cores\": 1}}}]}",
                 "sweep.axes.k.set: no entry for value \"b\"", NULL);
    expect_error("{\"axes\": [{\"values\": [\"a\"], \"set\": {\"a\": {\"host.cores\": 1}}}]}",
                 "sweep.axes[0].name: required key missing", NULL);
    expect_error("{\"axes\": [{\"name\": \"k\", \"values\": [\"a\"],"
                 " \"set\": {\"a\": {\"host.cores\": 1}, \"c\": {\"host.cores\": 2}}}]}",
                 "sweep.axes.k.set[\"c\"]: not one of the axis values", NULL);
    /* Paths that do not exist in the scenario: every point is validated. */
    expect_error("{\"axes\": [{\"path\": \"host.coress\", \"values\": [1, 2]}]}",
                 "point 0 (host.coress=1, seed=1) is not a valid scenario",
                 "host.coress: unknown key");
    expect_error("{\"axes\": [{\"path\": \"workload.hold.mean_ns\", \"values\": [100, -1]}]}",
                 "point 1 (workload.hold.mean_ns=-1, seed=1)", "workload.hold.mean_ns");
    expect_error("{\"axes\": [{\"path\": \"vms.count\", \"values\": [1, 2]}]}",
                 "point 1 (vms.count=2, seed=1)", "hypervisor.scheduler");
}
END_TEST

START_TEST(test_set_axis)
{
    sweep_spec sp;
    vs_err err = {0};
    const char *sw =
        "{\"axes\": [{\"path\": \"vms.count\", \"values\": [1, 2]},"
        " {\"name\": \"kernel\", \"values\": [\"4.1-HVM\", \"4.1-PVM\"],"
        "  \"set\": {\"4.1-HVM\": {\"hypervisor.scheduler\": \"cfs\", \"guest.lock.algorithm\": \"ticket\"},"
        "           \"4.1-PVM\": {\"hypervisor.scheduler\": \"cfs\", \"guest.lock.algorithm\": \"pv-ticket\"}}}],"
        " \"seeds\": [7, 9]}";
    ck_assert_msg(parse_check(sw, &sp, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(sp.naxes, 2);
    ck_assert_int_eq(sp.npoints, 8);
    ck_assert_str_eq(sp.axes[1].name, "kernel");
    ck_assert_ptr_null(sp.axes[1].path);
    json_t *base = doc_with(sw);
    json_t *d = sweep_point_doc(&sp, base, "test.json", 7, &err); /* vms 2, PVM, seed 9 */
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_ptr_null(json_object_get(d, "sweep"));
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "vms.count")), 2);
    ck_assert_str_eq(json_string_value(sc_get_path(d, "guest.lock.algorithm")), "pv-ticket");
    ck_assert_str_eq(json_string_value(sc_get_path(d, "hypervisor.scheduler")), "cfs");
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "seed")), 9);
    json_t *id = sweep_point_id(&sp, 7);
    ck_assert_int_eq(json_integer_value(json_object_get(id, "index")), 7);
    ck_assert_str_eq(json_string_value(sc_get_path(id, "axes.kernel")), "4.1-PVM");
    ck_assert_int_eq(json_integer_value(json_object_get(id, "seed")), 9);
    char desc[256], sets[1024] = "";
    ck_assert_str_eq(sweep_point_desc(&sp, 7, desc, sizeof desc),
                     "vms.count=2, kernel=4.1-PVM, seed=9");
    sweep_point_sets(&sp, 7, sets, sizeof sets);
    ck_assert_msg(strstr(sets, " --set vms.count=2") && strstr(sets, "--set guest.lock.algorithm=pv-ticket") &&
                      strstr(sets, " --set seed=9"),
                  "sets: %s", sets);
    json_decref(id);
    json_decref(d);
    json_decref(base);
    sweep_free(&sp);
}
END_TEST

/* --- order and statistics ----------------------------------------------------- */

START_TEST(test_canonical_order)
{
    sweep_spec sp;
    vs_err err = {0};
    ck_assert_msg(parse_check("{\"axes\": [{\"path\": \"workload.threads\", \"values\": [2, 8, 4]},"
                              " {\"path\": \"guest.lock.algorithm\", \"values\": [\"ticket\", \"mcs\"]}],"
                              " \"seeds\": [5, 6]}",
                              &sp, &err) == 0,
                  "%s", err.msg);
    ck_assert_int_eq(sp.ncombos, 6);
    ck_assert_int_eq(sp.npoints, 12);
    /* first axis slowest, seed fastest */
    int p = 0;
    for (int a = 0; a < 3; a++)
        for (int b = 0; b < 2; b++)
            for (int s = 0; s < 2; s++, p++) {
                int v[SWEEP_MAX_AXES], si;
                sweep_decode(&sp, p, v, &si);
                ck_assert_msg(v[0] == a && v[1] == b && si == s, "point %d decodes to %d,%d,%d", p,
                              v[0], v[1], si);
            }
    /* the schedule runs the costly combinations first: threads 8, 4, 2 */
    uint32_t order[6];
    sweep_order(&sp, order);
    static const uint32_t want[6] = {2, 3, 4, 5, 0, 1};
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(order[i], want[i]);
    sweep_free(&sp);
}
END_TEST

START_TEST(test_ci95)
{
    double mean, half;
    /* x = 10, 12, 17: mean 13, sample variance (9 + 1 + 16) / 2 = 13.
     * t(0.975, 2) in closed form (df 2: F(t) = 1/2 + t / (2 sqrt(2 + t^2))):
     * t^2 = 2 * 0.95^2 / (1 - 0.95^2) = 18.512820513, t = 4.302652730.
     * Half-width = t * sqrt(13) / sqrt(3) = 4.302652730 * 2.081665999 = 8.956684. */
    const double x[3] = {10, 12, 17};
    sweep_ci95(x, 3, &mean, &half);
    ck_assert_rel(mean, 13, 1e-15);
    ck_assert_rel(half, 4.302652729749464 * sqrt(13.0 / 3.0), 1e-9);
    ck_assert_rel(half, 8.956684, 1e-6);
    /* n = 2: t(0.975, 1) = tan(0.475 pi) = 12.7062047 */
    const double y[2] = {1, 3};
    sweep_ci95(y, 2, &mean, &half);
    ck_assert_rel(mean, 2, 1e-15);
    ck_assert_rel(half, tan(0.475 * M_PI) * sqrt(2.0) / sqrt(2.0), 1e-9);
    /* n = 1: no interval */
    sweep_ci95(x, 1, &mean, &half);
    ck_assert_rel(mean, 10, 1e-15);
    ck_assert_msg(half == 0, "half %g", half);
}
END_TEST

/* sweep_collect from hand-written point files: metric columns, a workload's
 * "metrics" object, the summary's mean and CI, missing points. */
START_TEST(test_collect_tables)
{
    sweep_spec sp;
    vs_err err = {0};
    ck_assert_msg(parse_check("{\"axes\": [{\"path\": \"workload.threads\", \"name\": \"t\", \"values\": [1, 2]}],"
                              " \"seeds\": [1, 2, 3]}",
                              &sp, &err) == 0,
                  "%s", err.msg);
    char *dir = th_make_tmpdir("sweep"), path[4200];
    snprintf(path, sizeof path, "%s/points", dir);
    ck_assert_int_eq(fsu_mkdirs(path, &err), 0);
    static const double ops[6] = {10, 12, 17, 100, 0, 0};
    for (int p = 0; p < 4; p++) { /* points 4 and 5 missing */
        json_t *r = json_pack(
            "{s:f,s:I,s:f,s:[{s:f},{s:f}],s:[{s:f,s:I,s:f,s:I},{s:f,s:I,s:f,s:I}],"
            "s:{s:f,s:s},s:{s:f,s:f}}",
            "ops_per_s", ops[p], "events", (json_int_t)1000, "simulated_s", 0.02, "vms", "ops_per_s",
            ops[p] / 4, "ops_per_s", ops[p] * 3 / 4, "locks", "wait_ns_mean", 100.0, "acquisitions",
            (json_int_t)1, "acquisitions_per_s", 5.0, "lhp_count", (json_int_t)2, "wait_ns_mean",
            200.0, "acquisitions", (json_int_t)3, "acquisitions_per_s", 7.0, "lhp_count",
            (json_int_t)4, "metrics", "builds_per_hour", 2.0 * p, "unit", "b/h", "wall", "seconds",
            0.5, "events_per_s", 2000.0);
        json_object_set_new(r, "sweep_point", sweep_point_id(&sp, p));
        snprintf(path, sizeof path, "%s/points/%06d.json", dir, p);
        ck_assert_int_eq(json_dump_file(r, path, 0), 0);
        json_decref(r);
    }
    int64_t found;
    ck_assert_msg(sweep_collect(&sp, dir, &found, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(found, 4);
    csv_table t;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.nrows, 4);
    ck_assert_str_eq(t.names[0], "point");
    ck_assert_str_eq(t.names[1], "t");
    ck_assert_str_eq(t.names[2], "seed");
    ck_assert_str_eq(t.names[3], "ops_per_s");
    ck_assert_str_eq(t.names[t.ncols - 2], "wall_s");
    ck_assert_str_eq(t.names[t.ncols - 1], "events_per_s");
    ck_assert_int_ge(csv_col(&t, "builds_per_hour"), 0);
    ck_assert_int_lt(csv_col(&t, "unit"), 0);
    double v;
    ck_assert_int_eq(csv_num(&t, 2, csv_col(&t, "ops_per_s_per_vm"), &v, NULL), 0);
    ck_assert_rel(v, 17.0 / 2, 1e-12);
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "lock_wait_ns_mean"), &v, NULL), 0);
    ck_assert_rel(v, (100.0 * 1 + 200.0 * 3) / 4, 1e-12);
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "lock_acquisitions_per_s"), &v, NULL), 0);
    ck_assert_rel(v, 12, 1e-12);
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "lock_lhp_count"), &v, NULL), 0);
    ck_assert_rel(v, 6, 1e-12);
    ck_assert_int_eq(csv_num(&t, 3, csv_col(&t, "builds_per_hour"), &v, NULL), 0);
    ck_assert_rel(v, 6, 1e-12);
    ck_assert_str_eq(csv_cell(&t, 3, 1), "2");
    ck_assert_str_eq(csv_cell(&t, 3, 2), "1");
    csv_free(&t);
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.nrows, 2);
    ck_assert_str_eq(t.names[0], "t");
    ck_assert_str_eq(t.names[1], "n");
    ck_assert_int_lt(csv_col(&t, "wall_s_mean"), 0);
    ck_assert_int_lt(csv_col(&t, "events_per_s_mean"), 0);
    ck_assert_str_eq(csv_cell(&t, 0, 1), "3");
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "ops_per_s_mean"), &v, NULL), 0);
    ck_assert_rel(v, 13, 1e-11);
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "ops_per_s_ci95"), &v, NULL), 0);
    ck_assert_rel(v, 8.956684, 1e-6);
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "builds_per_hour_mean"), &v, NULL), 0);
    ck_assert_rel(v, 2, 1e-11);
    ck_assert_str_eq(csv_cell(&t, 1, 1), "1"); /* one seed finished */
    ck_assert_int_eq(csv_num(&t, 1, csv_col(&t, "ops_per_s_ci95"), &v, NULL), 0);
    ck_assert_msg(v == 0, "ci with n = 1: %g", v);
    csv_free(&t);
    th_rm_rf(dir);
    free(dir);
    sweep_free(&sp);
}
END_TEST

/* --- real sweeps ------------------------------------------------------------------- */

START_TEST(test_j1_j2_identical)
{
    char *d1 = th_make_tmpdir("sweep"), *d2 = th_make_tmpdir("sweep"), e1[4200], e2[4200], p[4200];
    snprintf(e1, sizeof e1, "%s.err", d1);
    snprintf(e2, sizeof e2, "%s.err", d2);
    ck_assert_int_eq(small_sweep(d1, "1", 0, e1, NULL), 0);
    ck_assert_int_eq(small_sweep(d2, "2", 0, e2, NULL), 0);
    char *r1 = th_results_sans_wall(d1), *r2 = th_results_sans_wall(d2);
    ck_assert_str_eq(r1, r2);
    /* canonical order: point 0..23, first axis in its listed order */
    csv_table t;
    vs_err err = {0};
    snprintf(p, sizeof p, "%s/results.csv", d1);
    ck_assert_msg(csv_read(p, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.nrows, 24);
    for (int r = 0; r < 24; r++) {
        char want[16];
        snprintf(want, sizeof want, "%d", r);
        ck_assert_str_eq(csv_cell(&t, r, 0), want);
        static const char *const threads[] = {"8", "1", "2", "4"};
        ck_assert_str_eq(csv_cell(&t, r, 1), threads[r / 6]);
        ck_assert_str_eq(csv_cell(&t, r, 2), (r / 3) % 2 ? "mcs" : "ticket");
        snprintf(want, sizeof want, "%d", r % 3 + 1);
        ck_assert_str_eq(csv_cell(&t, r, 3), want);
    }
    double ops;
    ck_assert_int_eq(csv_num(&t, 0, csv_col(&t, "ops_per_s"), &ops, NULL), 0);
    ck_assert_msg(ops > 0, "ops_per_s %g", ops);
    csv_free(&t);
    snprintf(p, sizeof p, "%s/summary.csv", d1);
    char *s1 = th_slurp(p);
    snprintf(p, sizeof p, "%s/summary.csv", d2);
    char *s2 = th_slurp(p);
    ck_assert_str_eq(s1, s2);
    snprintf(p, sizeof p, "%s/sweep.json", d1);
    th_expect_file_contains(p, "\"workload.threads\"");
    snprintf(p, sizeof p, "%s/points/000023.json", d1);
    th_expect_file_contains(p, "\"sweep_point\"");
    /* a point file's command line reproduces it with vmsim run */
    th_expect_file_contains(p, "--set workload.threads=4 --set guest.lock.algorithm=mcs --set seed=3");
    free(s1);
    free(s2);
    free(r1);
    free(r2);
    th_rm_rf(d1);
    th_rm_rf(d2);
    remove(e1);
    remove(e2);
    free(d1);
    free(d2);
}
END_TEST

START_TEST(test_resume_after_deleting_points)
{
    char *ref = th_make_tmpdir("sweep"), *d = th_make_tmpdir("sweep"), e[4200], p[4200];
    snprintf(e, sizeof e, "%s.err", d);
    ck_assert_int_eq(small_sweep(ref, "2", 0, e, NULL), 0);
    ck_assert_int_eq(small_sweep(d, "2", 0, e, NULL), 0);
    static const int gone[] = {0, 5, 6, 7, 23};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/points/%06d.json", d, gone[i]);
        ck_assert_int_eq(remove(p), 0);
    }
    /* a leftover temporary of an interrupted write is cleaned up */
    snprintf(p, sizeof p, "%s/points/000006.json.tmp.99999", d);
    FILE *f = fopen(p, "w");
    fputs("{\"trunc", f);
    fclose(f);
    /* without --resume: refused */
    ck_assert_int_eq(small_sweep(d, "2", 0, e, NULL), 2);
    th_expect_file_contains(e, "use --resume");
    ck_assert_int_eq(small_sweep(d, "2", 1, e, NULL), 0);
    ck_assert_int_eq(access(p, F_OK), -1);
    ck_assert_int_eq(count_points(d), 24);
    char *a = th_results_sans_wall(ref), *b = th_results_sans_wall(d);
    ck_assert_str_eq(a, b);
    /* a different sweep in the same directory: refused */
    const char *args[] = {"sweep", lockloop(), "-o", d, "--quiet", "--resume",
                          "--set", "duration_s=0.03", "--set", "warmup_s=0.002",
                          "--set", SMALL_SWEEP, NULL};
    ck_assert_int_eq(th_run(NULL, args, e, NULL), 2);
    th_expect_file_contains(e, "describes a different sweep: scenario.duration_s was 0.02, now 0.03");
    free(a);
    free(b);
    th_rm_rf(ref);
    th_rm_rf(d);
    remove(e);
    free(ref);
    free(d);
}
END_TEST

/* Waits until dir has at least n point files or the child exits. Returns 1
 * when the child is still running. */
static int wait_for_points(pid_t pid, const char *dir, int n)
{
    for (int i = 0; i < 20000; i++) {
        if (count_points(dir) >= n)
            return 1;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return 0;
        th_sleep_ms(1);
    }
    return 1;
}

START_TEST(test_resume_after_sigkill)
{
    char *ref = th_make_tmpdir("sweep"), *d = th_make_tmpdir("sweep"), e[4200];
    snprintf(e, sizeof e, "%s.err", d);
    ck_assert_int_eq(th_wait(big_sweep(ref, "2", 0, e)), 0);
    pid_t pid = big_sweep(d, "2", 0, e);
    if (wait_for_points(pid, d, 5)) {
        kill(-pid, SIGKILL); /* the whole group: the sweep and its workers */
        ck_assert_int_eq(th_wait(pid), 128 + SIGKILL);
    }
    int before = count_points(d);
    ck_assert_int_ge(before, 5);
    int rc = th_wait(big_sweep(d, "2", 1, e));
    char *msg = th_slurp(e);
    ck_assert_msg(rc == 0, "resume: status %d: %s", rc, msg);
    free(msg);
    ck_assert_int_eq(count_points(d), 80);
    expect_same_results(ref, d, e);
}
END_TEST

START_TEST(test_sigint_then_resume)
{
    char *ref = th_make_tmpdir("sweep"), *d = th_make_tmpdir("sweep"), e[4200];
    snprintf(e, sizeof e, "%s.err", d);
    ck_assert_int_eq(th_wait(big_sweep(ref, "1", 0, e)), 0);
    pid_t pid = big_sweep(d, "2", 0, e);
    if (wait_for_points(pid, d, 3)) {
        kill(pid, SIGINT); /* the parent only: it stops handing out points */
        ck_assert_int_eq(th_wait(pid), 130);
        th_expect_file_contains(e, "interrupted");
        th_expect_file_contains(e, "--resume");
        ck_assert_int_lt(count_points(d), 80);
    }
    ck_assert_int_eq(th_wait(big_sweep(d, "2", 1, e)), 0);
    expect_same_results(ref, d, e);
}
END_TEST

START_TEST(test_worker_crash)
{
    char *d = th_make_tmpdir("sweep"), e[4200], p[4200];
    snprintf(e, sizeof e, "%s.err", d);
    ck_assert_int_eq(small_sweep(d, "2", 0, e, "VMSIM_SWEEP_TEST_CRASH=4"), 1);
    th_expect_file_contains(e, "point 4 (workload.threads=8, lock=mcs, seed=2) crashed its worker");
    th_expect_file_contains(e, "vmsim run");
    snprintf(p, sizeof p, "%s/points/000004.json", d);
    ck_assert_int_eq(access(p, F_OK), -1);
    /* without the fault the sweep resumes and completes */
    ck_assert_int_eq(small_sweep(d, "2", 1, e, NULL), 0);
    ck_assert_int_eq(count_points(d), 24);
    th_rm_rf(d);
    remove(e);
    free(d);
}
END_TEST

START_TEST(test_plot)
{
    char *d = th_make_tmpdir("sweep"), e[4200], p[4200];
    snprintf(e, sizeof e, "%s.err", d);
    ck_assert_int_eq(small_sweep(d, "2", 0, e, NULL), 0);
    const char *a1[] = {"plot", d, "--locks", NULL};
    ck_assert_int_eq(th_run(NULL, a1, e, NULL), 0);
    snprintf(p, sizeof p, "%s/plot.gp", d);
    th_expect_file_contains(p, "yerrorbars"); /* the intervals, drawn apart from the lines */
    snprintf(p, sizeof p, "%s/plot.dat", d);
    th_expect_file_contains(p, "# block 1, lock=mcs");
    snprintf(p, sizeof p, "%s/plot-locks.dat", d);
    ck_assert_int_eq(access(p, F_OK), 0);
    if (system("command -v gnuplot >/dev/null 2>&1") == 0) {
        snprintf(p, sizeof p, "%s/plot.png", d);
        ck_assert_int_eq(access(p, F_OK), 0);
        snprintf(p, sizeof p, "%s/plot.svg", d);
        ck_assert_int_eq(access(p, F_OK), 0);
        snprintf(p, sizeof p, "%s/plot-locks.png", d);
        ck_assert_int_eq(access(p, F_OK), 0);
    }
    /* categorical x, other prefix */
    snprintf(p, sizeof p, "%s/figs/lock", d);
    const char *a2[] = {"plot", d, "--x", "lock", "--curve", "workload.threads", "-o", p, NULL};
    ck_assert_int_eq(th_run(NULL, a2, e, NULL), 0);
    snprintf(p, sizeof p, "%s/figs/lock.gp", d);
    th_expect_file_contains(p, "xtic(5)");
    /* errors */
    const char *a3[] = {"plot", d, "--y", "nope", NULL};
    ck_assert_int_eq(th_run(NULL, a3, e, NULL), 2);
    th_expect_file_contains(e, "--y nope: no such column; the columns are: workload.threads, lock, n,");
    snprintf(p, sizeof p, "%s/points", d);
    const char *a4[] = {"plot", p, NULL};
    ck_assert_int_eq(th_run(NULL, a4, e, NULL), 2);
    th_expect_file_contains(e, "summary.csv");
    th_rm_rf(d);
    remove(e);
    free(d);
}
END_TEST

START_TEST(test_cli_usage_errors)
{
    char *d = th_make_tmpdir("sweep"), e[4200];
    snprintf(e, sizeof e, "%s.err", d);
    const char *a1[] = {"sweep", lockloop(), NULL};
    ck_assert_int_eq(th_run(NULL, a1, e, NULL), 2);
    th_expect_file_contains(e, "missing -o DIR");
    const char *a2[] = {"sweep", lockloop(), "-o", d, "-j", "0", NULL};
    ck_assert_int_eq(th_run(NULL, a2, e, NULL), 2);
    th_expect_file_contains(e, "-j 0");
    const char *a3[] = {"sweep", lockloop(), "-o", d, NULL}; /* no sweep section */
    ck_assert_int_eq(th_run(NULL, a3, e, NULL), 2);
    th_expect_file_contains(e, "sweep: required key missing");
    const char *a4[] = {"sweep", "--help", NULL};
    ck_assert_int_eq(th_run(NULL, a4, e, NULL), 0);
    th_rm_rf(d);
    remove(e);
    free(d);
}
END_TEST

/* --- --precision ------------------------------------------------------------------- */

/* Runs the precision sweep (3 thread counts x seeds 1..8) into dir with
 * --precision rel (text) and -j jobs; returns the status. */
static int precision_sweep(const char *dir, const char *rel, const char *jobs, const char *errfile)
{
    const char *args[] = {"sweep", lockloop(), "-o", dir, "-j", jobs, "--quiet",
                          "--set", "duration_s=0.02", "--set", "warmup_s=0.002",
                          "--set",
                          "sweep={\"axes\": [{\"path\": \"workload.threads\", \"values\": [1, 4, 8]}],"
                          " \"seeds\": [1, 2, 3, 4, 5, 6, 7, 8]}",
                          "--precision", rel, "--precision-metric", "ops_per_s", NULL};
    return th_run(th_vmsim_bin(), args, errfile, NULL);
}

/* The ops_per_s of results.csv in dir, per combination: the values in
 * x[combo][seed index], the number of rows in n[combo]. */
static void precision_rows(const char *dir, double x[3][8], int n[3])
{
    char p[4200];
    snprintf(p, sizeof p, "%s/results.csv", dir);
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(p, &t, &err) == 0, "%s", err.msg);
    int col = csv_col(&t, "ops_per_s"), pcol = csv_col(&t, "point");
    ck_assert_int_ge(col, 0);
    ck_assert_int_ge(pcol, 0);
    memset(n, 0, 3 * sizeof(int));
    for (int r = 0; r < t.nrows; r++) {
        double v, pt;
        ck_assert_int_eq(csv_num(&t, r, pcol, &pt, NULL), 0);
        ck_assert_int_eq(csv_num(&t, r, col, &v, NULL), 0);
        int k = (int)pt / 8, s = (int)pt % 8;
        ck_assert_msg(s == n[k], "point %g: combination %d has no seed index %d before it", pt, k,
                      n[k]);
        x[k][s] = v;
        n[k]++;
    }
    csv_free(&t);
}

/* Each combination runs its first 3 seeds, then twice as many while its
 * relative 95 % half-width is above the target: a loose target stops at 3,
 * an impossible one runs all 8 (the cap), one in between splits the
 * combinations exactly by the rule; -j 1 and -j 2 run the same points. */
START_TEST(test_precision)
{
    char *d1 = th_make_tmpdir("prec"), *d2 = th_make_tmpdir("prec"), *d3 = th_make_tmpdir("prec"),
         e[4200];
    snprintf(e, sizeof e, "%s.err", d1);
    double x[3][8];
    int n[3];
    ck_assert_int_eq(precision_sweep(d1, "0.9", "2", e), 0);
    precision_rows(d1, x, n);
    double rel[3], lo = INFINITY, hi = 0;
    for (int k = 0; k < 3; k++) {
        ck_assert_int_eq(n[k], 3);
        double mean, half;
        summ_ci95(x[k], 3, &mean, &half);
        rel[k] = half / fabs(mean);
        lo = rel[k] < lo ? rel[k] : lo;
        hi = rel[k] > hi ? rel[k] : hi;
    }
    ck_assert_msg(hi > 1.05 * lo, "the combinations' widths %g..%g do not differ enough", lo, hi);
    char mid[64];
    snprintf(mid, sizeof mid, "%.17g", sqrt(lo * hi));
    ck_assert_int_eq(precision_sweep(d2, mid, "2", e), 0);
    double y[3][8];
    int m[3];
    precision_rows(d2, y, m);
    for (int k = 0; k < 3; k++) {
        if (rel[k] <= atof(mid))
            ck_assert_msg(m[k] == 3, "combination %d (+-%g) ran %d seeds", k, rel[k], m[k]);
        else
            ck_assert_msg(m[k] >= 6, "combination %d (+-%g) ran only %d seeds", k, rel[k], m[k]);
        for (int s = 0; s < 3; s++) /* the first seeds are the same runs */
            ck_assert(x[k][s] == y[k][s]);
    }
    ck_assert_int_eq(precision_sweep(d3, mid, "1", e), 0);
    char *a = th_results_sans_wall(d2), *b = th_results_sans_wall(d3);
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
    th_rm_rf(d3);
    ck_assert_int_eq(precision_sweep(d3, "1e-12", "2", e), 0);
    precision_rows(d3, y, m);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(m[k], 8);
    /* refused: with --shard, and a target outside (0, 1) */
    const char *args[] = {"sweep", lockloop(), "-o", d1, "--precision", "0.1", "--shard", "1/2",
                          NULL};
    ck_assert_int_eq(th_run(th_vmsim_bin(), args, e, NULL), 2);
    th_expect_file_contains(e, "--shard");
    const char *args2[] = {"sweep", lockloop(), "-o", d1, "--precision", "1.5", NULL};
    ck_assert_int_eq(th_run(th_vmsim_bin(), args2, e, NULL), 2);
    th_expect_file_contains(e, "between 0 and 1");
    th_rm_rf(d1);
    th_rm_rf(d2);
    th_rm_rf(d3);
    remove(e);
    free(d1);
    free(d2);
    free(d3);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("section");
    tcase_add_test(tc, test_validation_errors);
    tcase_add_test(tc, test_set_axis);
    tcase_add_test(tc, test_canonical_order);
    tcase_add_test(tc, test_ci95);
    tcase_add_test(tc, test_collect_tables);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    TCase *cli = tcase_create("cli");
    tcase_add_test(cli, test_j1_j2_identical);
    tcase_add_test(cli, test_resume_after_deleting_points);
    tcase_add_test(cli, test_resume_after_sigkill);
    tcase_add_test(cli, test_sigint_then_resume);
    tcase_add_test(cli, test_worker_crash);
    tcase_add_test(cli, test_plot);
    tcase_add_test(cli, test_cli_usage_errors);
    tcase_add_test(cli, test_precision);
    tcase_set_timeout(cli, 300);
    suite_add_tcase(s, cli);
    return s;
}
