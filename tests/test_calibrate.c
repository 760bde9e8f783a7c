/* Calibration (analysis/calibrate.h): the logit transforms and their
 * inverse, --param and --holdout parsing, the row split and its refusals,
 * the recovery of a known parameter from "measurements" the simulator made
 * itself (lockloop with workload.hold.mean_ns = 1000), a holdout split
 * reporting both parts, a held-out row never reaching the fit (also not
 * through --normalize first), determinism, leave-one-group-out folds, and the CLI
 * ($VMSIM): outputs and bad inputs. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/calibrate.h"
#include "config/scenario.h"
#include "sim/mem.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- helpers -------------------------------------------------------------- */

static const char *lockloop(void)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/scenarios/micro/lockloop.json", th_src_dir());
    return buf;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* lockloop.json, 20 ms simulated. New reference. */
static json_t *lockloop_doc(void)
{
    vs_err err = {0};
    json_t *d = sc_read_json(lockloop(), &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_apply_set(d, "duration_s=0.02", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "warmup_s=0.002", &err), 0);
    return d;
}

/* Writes DIR/m.csv with threads 2, 5, 8 and the ops_per_s lockloop predicts
 * (mean of seeds 1..2) with workload.hold.mean_ns = hold. */
static void make_measured(const char *dir, double hold)
{
    char csv[4200], rundir[4200];
    snprintf(csv, sizeof csv, "%s/m.csv", dir);
    snprintf(rundir, sizeof rundir, "%s/gen", dir);
    write_file(csv, "workload.threads,ops_per_s\n2,1\n5,1\n8,1\n");
    json_t *d = lockloop_doc();
    vs_err err = {0};
    ck_assert_int_eq(sc_set_path(d, "workload.hold.mean_ns", json_real(hold), &err), 0);
    val_measured m;
    ck_assert_msg(val_measured_read(csv, d, lockloop(), NULL, NULL, &m, &err) == 0, "%s",
                  err.msg);
    val_report r;
    val_report_init(&r, &m, lockloop(), VAL_NORM_NONE);
    val_run_opts o = {.dir = rundir, .nseeds = 2, .jobs = 1, .quiet = 1};
    ck_assert_msg(val_run(&m, d, lockloop(), &o, &r, &err) == 0, "%s", err.msg);
    ck_assert_msg(val_compute(&r, &err) == 0, "%s", err.msg);
    FILE *f = fopen(csv, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "# lockloop at workload.hold.mean_ns = %g, seeds 1..2\nworkload.threads,ops_per_s\n",
            hold);
    for (int i = 0; i < r.nrows; i++)
        fprintf(f, "%s,%.12g\n", r.rows[i].axis_text[0], r.rows[i].mean);
    fclose(f);
    val_report_free(&r);
    val_measured_free(&m);
    json_decref(d);
}

/* The options of a calibration of DIR/m.csv against doc. */
static cal_opts opts_for(json_t *doc, const char *dir, char *csv, char *rundir, int max_evals)
{
    snprintf(csv, 4200, "%s/m.csv", dir);
    snprintf(rundir, 4200, "%s/runs", dir);
    cal_opts o = {.file = lockloop(), .base = doc, .csv = csv, .norm = VAL_NORM_NONE,
                  .objective = CAL_OBJ_LOGRMSE, .nseeds = 2, .jobs = 1,
                  .max_evals = max_evals, .tol = 1e-3, .rundir = rundir, .quiet = 1};
    return o;
}

/* The hold parameter, checked against the scenario and the CSV. */
static void hold_param(const cal_opts *o, const char *spec, cal_param *p)
{
    vs_err err = {0};
    ck_assert_msg(cal_parse_param(spec, p, &err) == 0, "%s", err.msg);
    val_measured m;
    ck_assert_msg(val_measured_read(o->csv, o->base, o->file, NULL, NULL, &m, &err) == 0, "%s",
                  err.msg);
    ck_assert_msg(cal_check_params(o->base, o->file, &m, o->csv, NULL, NULL, p, 1, &err) == 0,
                  "%s", err.msg);
    val_measured_free(&m);
}

/* Runs a command line through /bin/sh; returns its exit status. */
static int sh(const char *cmd)
{
    int st = system(cmd);
    ck_assert_msg(st != -1 && WIFEXITED(st), "%s did not exit", cmd);
    return WEXITSTATUS(st);
}

/* --- transforms ------------------------------------------------------------ */

START_TEST(transform_roundtrip)
{
    cal_param lin = {.lo = 10, .hi = 30, .tlo = 10, .thi = 30};
    cal_param lg = {.lo = 100, .hi = 10000, .tlo = 100, .thi = 10000, .log = 1};
    ck_assert_rel(cal_from_free(&lin, 0), 20, 1e-12);       /* the midpoint */
    ck_assert_rel(cal_from_free(&lg, 0), 1000, 1e-12);      /* the geometric midpoint */
    ck_assert_rel(cal_to_free(&lin, 20) + 1, 1, 1e-12);     /* 0 */
    ck_assert_rel(cal_to_free(&lin, 25), log(3.0), 1e-12);  /* t = 0.75 */
    const double xs[] = {10.001, 11, 17.5, 29.999};
    for (int i = 0; i < 4; i++)
        ck_assert_rel(cal_from_free(&lin, cal_to_free(&lin, xs[i])), xs[i], 1e-9);
    const double ys[] = {100.01, 150, 3333, 9999};
    for (int i = 0; i < 4; i++)
        ck_assert_rel(cal_from_free(&lg, cal_to_free(&lg, ys[i])), ys[i], 1e-9);
    /* every u maps inside the bounds, also far out */
    const double us[] = {-1e6, -800, -40, -1, 0, 1, 40, 800, 1e6};
    for (int i = 0; i < 9; i++) {
        double a = cal_from_free(&lin, us[i]), b = cal_from_free(&lg, us[i]);
        ck_assert_msg(a >= 10 && a <= 30, "u %g -> %g", us[i], a);
        ck_assert_msg(b >= 100 && b <= 10000, "u %g -> %g", us[i], b);
    }
    ck_assert(isinf(cal_to_free(&lin, 10)) && cal_to_free(&lin, 10) < 0);
    ck_assert(isinf(cal_to_free(&lin, 30)) && cal_to_free(&lin, 30) > 0);
    /* monotone */
    ck_assert(cal_from_free(&lg, -0.5) < cal_from_free(&lg, 0.5));
    /* integers: half a unit outside the bounds, every integer reachable, rounded */
    cal_param in = {.lo = 1, .hi = 8, .tlo = 0.5, .thi = 8.5, .integer = 1};
    for (int k = 1; k <= 8; k++) {
        double x = cal_from_free(&in, cal_to_free(&in, k));
        ck_assert_msg(x == k, "integer %d -> %g", k, x);
    }
    ck_assert(cal_from_free(&in, -1e6) == 1 && cal_from_free(&in, 1e6) == 8);
    ck_assert(cal_from_free(&in, 0.1) == floor(cal_from_free(&in, 0.1)));
}
END_TEST

START_TEST(parse_params)
{
    cal_param p;
    vs_err err = {0};
    ck_assert_int_eq(cal_parse_param("workload.hold.mean_ns:100:10000:log:3000", &p, &err), 0);
    ck_assert_str_eq(p.path, "workload.hold.mean_ns");
    ck_assert(p.lo == 100 && p.hi == 10000 && p.log && p.start_given && p.start == 3000);
    ck_assert_str_eq(p.start_from, "given");
    cal_param_free(&p);
    ck_assert_int_eq(cal_parse_param("a.b:0:1", &p, &err), 0);
    ck_assert(!p.log && !p.start_given);
    cal_param_free(&p);
    ck_assert_int_eq(cal_parse_param("a.b:-1:1:0.5", &p, &err), 0);
    ck_assert(!p.log && p.start == 0.5);
    cal_param_free(&p);
    static const char *const bad[][2] = {
        {"a.b:1", "PATH:LO:HI"},          {":1:2", "PATH:LO:HI"},
        {"a.b:x:2", "must be numbers"},   {"a.b:2:1", "LO must be less than HI"},
        {"a.b:1:1", "LO must be less"},   {"a.b:0:5:log", "LO > 0"},
        {"a.b:1:5:9", "strictly inside"}, {"a.b:1:5:1", "strictly inside"},
        {"a.b:1:5:foo", "neither log"},   {"a.b:1:5:log:2:3", "neither log"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        ck_assert_msg(cal_parse_param(bad[i][0], &p, &err) == -1, "accepted %s", bad[i][0]);
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%s: \"%s\" lacks \"%s\"", bad[i][0], err.msg,
                      bad[i][1]);
    }
}
END_TEST

START_TEST(check_params)
{
    char *dir = th_make_fast_tmpdir("calib"), csv[4200], rundir[4200];
    char path[4200];
    snprintf(path, sizeof path, "%s/m.csv", dir);
    write_file(path, "workload.threads,ops_per_s\n2,100\n4,200\n");
    json_t *doc = lockloop_doc();
    cal_opts o = opts_for(doc, dir, csv, rundir, 5);
    cal_param p;
    /* the start from the scenario's value, inside the bounds */
    hold_param(&o, "workload.hold.mean_ns:100:10000:log", &p);
    ck_assert(p.start == 1000 && !p.integer);
    ck_assert_str_eq(p.start_from, "scenario");
    cal_param_free(&p);
    /* outside them: the midpoint */
    hold_param(&o, "workload.hold.mean_ns:2000:8000", &p);
    ck_assert(p.start == 5000);
    ck_assert_str_eq(p.start_from, "midpoint");
    cal_param_free(&p);
    static const char *const bad[][2] = {
        {"workload.hold.mean_nss:1:10", "unknown key"},
        {"workload.hold.mean_ns:-10:10", "cannot take LO -10"},
        {"workload.threads:1:8", "column \"workload.threads\""},
        {"workload.think.mean_ns:1:1e13", "cannot take HI"},
    };
    val_measured m;
    vs_err err = {0};
    ck_assert_int_eq(val_measured_read(csv, doc, lockloop(), NULL, NULL, &m, &err), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        ck_assert_int_eq(cal_parse_param(bad[i][0], &p, &err), 0);
        ck_assert_msg(cal_check_params(doc, lockloop(), &m, csv, NULL, NULL, &p, 1, &err) == -1,
                      "accepted %s", bad[i][0]);
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%s: \"%s\" lacks \"%s\"", bad[i][0], err.msg,
                      bad[i][1]);
        cal_param_free(&p);
    }
    /* two parameters on one path */
    cal_param two[2];
    ck_assert_int_eq(cal_parse_param("workload.hold.mean_ns:1:10", &two[0], &err), 0);
    ck_assert_int_eq(cal_parse_param("workload.hold:1:10", &two[1], &err), 0);
    ck_assert_int_eq(cal_check_params(doc, lockloop(), &m, csv, NULL, NULL, two, 2, &err), -1);
    ck_assert_msg(strstr(err.msg, "overlaps"), "%s", err.msg);
    cal_param_free(&two[0]);
    cal_param_free(&two[1]);
    val_measured_free(&m);
    /* an integer path: found, bounds moved to integers */
    write_file(path, "workload.hold.mean_ns,ops_per_s\n500,100\n");
    ck_assert_int_eq(val_measured_read(csv, doc, lockloop(), NULL, NULL, &m, &err), 0);
    ck_assert_int_eq(cal_parse_param("workload.threads:1.5:8.7:3", &p, &err), 0);
    ck_assert_msg(cal_check_params(doc, lockloop(), &m, csv, NULL, NULL, &p, 1, &err) == 0, "%s",
                  err.msg);
    ck_assert(p.integer && p.lo == 2 && p.hi == 8 && p.start == 3);
    cal_param_free(&p);
    val_measured_free(&m);
    json_decref(doc);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* --- the split ------------------------------------------------------------ */

START_TEST(split_rows)
{
    char *dir = th_make_fast_tmpdir("calib"), path[4200];
    snprintf(path, sizeof path, "%s/m.csv", dir);
    write_file(path, "kernel,vcpus,y\na,32,1\na,48,2\nb,32,3\nb,48,4\nb,60,5\n");
    csv_table t;
    vs_err err = {0};
    ck_assert_int_eq(csv_read(path, &t, &err), 0);
    static const struct {
        const char *spec;
        int held[5];
    } ok[] = {
        {"none", {0, 0, 0, 0, 0}},          {"vcpus>=48", {0, 1, 0, 1, 1}},
        {"vcpus<=32", {1, 0, 1, 0, 0}},     {"vcpus>48", {0, 0, 0, 0, 1}},
        {"vcpus<48", {1, 0, 1, 0, 0}},      {"kernel=b", {0, 0, 1, 1, 1}},
        {"vcpus=60,32.0", {1, 0, 1, 0, 1}}, {"every:2", {0, 1, 0, 1, 0}},
        {"every:5", {0, 0, 0, 0, 1}},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cal_split s;
        int held[5];
        ck_assert_msg(cal_parse_split(ok[i].spec, &s, &err) == 0, "%s", err.msg);
        ck_assert_msg(cal_split_rows(&s, &t, held, &err) == 0, "%s: %s", ok[i].spec, err.msg);
        for (int r = 0; r < 5; r++)
            ck_assert_msg(held[r] == ok[i].held[r], "%s: row %d held %d", ok[i].spec, r,
                          held[r]);
        cal_split_free(&s);
    }
    static const char *const bad_rows[][2] = {
        {"vcpus>=100", "holds out 0 of the 5"}, {"vcpus>0", "holds out 5 of the 5"},
        {"every:6", "holds out 0"},             {"kernel>=1", "not a number"},
        {"cores=4", "no column \"cores\""},
    };
    for (size_t i = 0; i < sizeof bad_rows / sizeof bad_rows[0]; i++) {
        cal_split s;
        int held[5];
        ck_assert_int_eq(cal_parse_split(bad_rows[i][0], &s, &err), 0);
        ck_assert_msg(cal_split_rows(&s, &t, held, &err) == -1, "accepted %s", bad_rows[i][0]);
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
        ck_assert_msg(strstr(err.msg, bad_rows[i][1]), "\"%s\" lacks \"%s\"", err.msg,
                      bad_rows[i][1]);
        cal_split_free(&s);
    }
    static const char *const bad_spec[] = {"every:1", "every:x", "=3", "vcpus>=", "vcpus>=x",
                                           "kernel=a,,b", "vcpus"};
    for (size_t i = 0; i < sizeof bad_spec / sizeof bad_spec[0]; i++) {
        cal_split s;
        ck_assert_msg(cal_parse_split(bad_spec[i], &s, &err) == -1, "accepted %s", bad_spec[i]);
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    }
    csv_free(&t);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* --- fitting ---------------------------------------------------------------- */

/* The hold time of the measurements is found from elsewhere, a holdout
 * split reports both parts, and a repeated calibration is identical. */
START_TEST(recover_hold)
{
    char *dir = th_make_fast_tmpdir("calib"), csv[4200], rundir[4200];
    make_measured(dir, 1000);
    json_t *doc = lockloop_doc();
    cal_opts o = opts_for(doc, dir, csv, rundir, 30);
    cal_param p;
    hold_param(&o, "workload.hold.mean_ns:100:10000:log:3000", &p);
    cal_fit f;
    vs_err err = {0};
    ck_assert_msg(cal_run(&o, &p, 1, NULL, &f, NULL, &err) == 0, "%s", err.msg);
    ck_assert_rel(f.fitted[0], 1000, 0.02);
    ck_assert(f.start[0] == 3000);
    ck_assert(f.evals >= 5 && f.evals <= 30 && f.nhist == f.evals);
    ck_assert(f.obj_fitted < 0.01 && f.obj_start > 0.2);
    ck_assert(f.nfit == 3 && f.nheld == 0 && f.fit_err.s.points == 3);
    ck_assert(f.held_err.s.points == 0);
    ck_assert_rel(f.fit_err.logrmse + 1, f.obj_fitted + 1, 1e-9); /* same rows, same runs */
    for (int h = 0; h < f.nhist; h++) /* bounds hold */
        ck_assert(f.hist[h].x[0] >= 100 && f.hist[h].x[0] <= 10000);
    cal_fit_free(&f);

    /* hold out the 8-thread row: both parts reported, the fit from 2 rows */
    int held[3] = {0, 0, 1};
    o.max_evals = 8;
    cal_fit a, b;
    ck_assert_msg(cal_run(&o, &p, 1, held, &a, NULL, &err) == 0, "%s", err.msg);
    ck_assert(a.nfit == 2 && a.nheld == 1);
    ck_assert(a.fit_err.s.points == 2 && a.held_err.s.points == 1);
    ck_assert(isfinite(a.held_err.logrmse) && isfinite(a.held_err.s.mape));
    ck_assert_int_eq(a.final.nrows, 3);
    ck_assert(a.evals <= 8);
    /* determinism: the same calibration again gives the same numbers */
    ck_assert_msg(cal_run(&o, &p, 1, held, &b, NULL, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(a.nhist, b.nhist);
    for (int h = 0; h < a.nhist; h++) {
        ck_assert(a.hist[h].x[0] == b.hist[h].x[0]);
        ck_assert(a.hist[h].obj == b.hist[h].obj);
    }
    ck_assert(a.fitted[0] == b.fitted[0]);
    ck_assert(a.held_err.logrmse == b.held_err.logrmse);
    json_t *ja = cal_fit_json(&a, &p, 1), *jb = cal_fit_json(&b, &p, 1);
    ck_assert(json_equal(ja, jb));
    ck_assert_int_eq((int)json_array_size(json_object_get(ja, "history")), a.nhist);
    ck_assert_int_eq((int)json_array_size(json_object_get(ja, "rows")), 3);
    json_decref(ja);
    json_decref(jb);
    cal_fit_free(&a);
    cal_fit_free(&b);
    cal_param_free(&p);
    json_decref(doc);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* No circularity: the fit never sees a held-out row, not even through the
 * normalisation. The held-out row is the reference of --normalize first for
 * the whole file (threads 2, the smallest x); changing its measured value
 * tenfold must leave the fit's history unchanged. */
START_TEST(holdout_not_seen)
{
    char *dir = th_make_fast_tmpdir("calib"), csv[4200], rundir[4200];
    make_measured(dir, 1000);
    json_t *doc = lockloop_doc();
    cal_opts o = opts_for(doc, dir, csv, rundir, 6);
    o.norm = VAL_NORM_FIRST;
    cal_param p;
    hold_param(&o, "workload.hold.mean_ns:100:10000:log:3000", &p);
    int held[3] = {1, 0, 0};
    cal_fit a, b;
    vs_err err = {0};
    ck_assert_msg(cal_run(&o, &p, 1, held, &a, NULL, &err) == 0, "%s", err.msg);
    /* the same file with the held-out row's value x10 */
    csv_table t;
    ck_assert_int_eq(csv_read(csv, &t, &err), 0);
    FILE *f = fopen(csv, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "workload.threads,ops_per_s\n");
    for (int r = 0; r < t.nrows; r++) {
        double v;
        ck_assert_int_eq(csv_num(&t, r, 1, &v, NULL), 0);
        fprintf(f, "%s,%.12g\n", csv_cell(&t, r, 0), r == 0 ? 10 * v : v);
    }
    fclose(f);
    csv_free(&t);
    ck_assert_msg(cal_run(&o, &p, 1, held, &b, NULL, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(a.nhist, b.nhist);
    for (int h = 0; h < a.nhist; h++)
        ck_assert_msg(a.hist[h].x[0] == b.hist[h].x[0] && a.hist[h].obj == b.hist[h].obj,
                      "evaluation %d differs: %g %g vs %g %g", h + 1, a.hist[h].x[0],
                      a.hist[h].obj, b.hist[h].x[0], b.hist[h].obj);
    ck_assert(a.fitted[0] == b.fitted[0]);
    /* ... while the final comparison, over all rows, does see it */
    ck_assert(a.final.rows[0].ref && b.final.rows[0].ref);
    ck_assert(a.held_err.s.points == 0 && a.held_err.s.refs == 1);
    ck_assert(a.fit_err.s.mape != b.fit_err.s.mape);
    cal_fit_free(&a);
    cal_fit_free(&b);
    cal_param_free(&p);
    json_decref(doc);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(cross_validation)
{
    char *dir = th_make_fast_tmpdir("calib"), csv[4200], rundir[4200];
    make_measured(dir, 1000);
    json_t *doc = lockloop_doc();
    cal_opts o = opts_for(doc, dir, csv, rundir, 4);
    cal_param p;
    hold_param(&o, "workload.hold.mean_ns:100:10000:log:2000", &p);
    cal_cv cv;
    vs_err err = {0};
    ck_assert_msg(cal_cv_run(&o, &p, 1, "workload.threads", &cv, NULL, &err) == 0, "%s",
                  err.msg);
    ck_assert_int_eq(cv.nfolds, 3);
    ck_assert_str_eq(cv.labels[1], "5");
    for (int k = 0; k < 3; k++) {
        ck_assert(cv.folds[k].nheld == 1 && cv.folds[k].nfit == 2);
        ck_assert(cv.folds[k].held[k] == 1);
        ck_assert(cv.folds[k].evals <= 4);
    }
    ck_assert_int_eq(cv.pooled.s.points, 3);
    ck_assert(isfinite(cv.pooled.logrmse));
    cal_cv_free(&cv);
    /* a column with one value, an unknown one */
    ck_assert_int_eq(cal_cv_run(&o, &p, 1, "nope", &cv, NULL, &err), -1);
    ck_assert_msg(strstr(err.msg, "no column \"nope\""), "%s", err.msg);
    cal_cv_free(&cv);
    cal_param_free(&p);
    json_decref(doc);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* --- the command line ------------------------------------------------------- */

START_TEST(cli_outputs)
{
    char *dir = th_make_fast_tmpdir("calib"), cmd[16384];
    make_measured(dir, 1000);
    snprintf(cmd, sizeof cmd,
             "cd %s && %s calibrate %s --measured m.csv --set duration_s=0.02 --set "
             "warmup_s=0.002 --seeds 2 --param workload.hold.mean_ns:100:10000:log:2500 "
             "--holdout 'workload.threads=8' --max-iter 6 -o out > table.txt 2> progress.txt",
             dir, th_vmsim_bin(), lockloop());
    ck_assert_int_eq(sh(cmd), 0);
    char path[4300];
    json_error_t je;
    snprintf(path, sizeof path, "%s/out/calibration.json", dir);
    json_t *c = json_load_file(path, 0, &je);
    ck_assert_msg(c != NULL, "%s: %s", path, je.text);
    json_t *cal = json_object_get(c, "calibration");
    ck_assert_int_eq(json_integer_value(json_object_get(cal, "rows_fit")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(cal, "rows_held_out")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(cal, "evaluations")), 6);
    json_t *errs = json_object_get(cal, "errors");
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(errs, "held_out"),
                                                        "points")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(c, "holdout")), "workload.threads=8");
    double fitted = json_number_value(
        json_object_get(json_object_get(cal, "fitted"), "workload.hold.mean_ns"));
    json_decref(c);
    /* fitted.json is a scenario run accepts, with the fitted value */
    snprintf(path, sizeof path, "%s/out/fitted.json", dir);
    json_t *fd = json_load_file(path, 0, &je);
    ck_assert_msg(fd != NULL, "%s: %s", path, je.text);
    ck_assert(json_number_value(sc_get_path(fd, "workload.hold.mean_ns")) == fitted);
    ck_assert_ptr_nonnull(json_object_get(fd, "_calibrated"));
    json_decref(fd);
    snprintf(cmd, sizeof cmd, "%s check %s/out/fitted.json > /dev/null", th_vmsim_bin(), dir);
    ck_assert_int_eq(sh(cmd), 0);
    /* the table names both parts; progress lines per evaluation */
    snprintf(cmd, sizeof cmd,
             "grep -q 'held out' %s/table.txt && grep -q '^  fit ' %s/table.txt && "
             "test $(grep -c 'eval ' %s/progress.txt) -eq 6",
             dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(cli_bad_inputs)
{
    char *dir = th_make_fast_tmpdir("calib"), cmd[16384];
    char path[4300];
    snprintf(path, sizeof path, "%s/m.csv", dir);
    write_file(path, "workload.threads,ops_per_s\n2,100\n4,0\n");
    static const char *const bad[][2] = {
        {"--param workload.hold.mean_nss:100:1000", "unknown key"},
        {"--param workload.hold.mean_ns:1000:100", "LO must be less than HI"},
        {"--param workload.hold.mean_ns:0:100:log", "LO > 0"},
        {"--param workload.hold.mean_ns:100:1000:5000", "not strictly inside"},
        {"", "missing --param"},
        {"--param workload.hold.mean_ns:100:1000 --holdout 'workload.threads>=100'", "holds out 0"},
        {"--param workload.hold.mean_ns:100:1000 --holdout workload.threads=2,4", "holds out 2"},
        {"--param workload.hold.mean_ns:100:1000 --holdout foo=1", "no column \"foo\""},
        {"--param workload.threads:1:8", "sets it too"},
        {"--param workload.hold.mean_ns:100:1000 --cv workload.threads --holdout none",
         "exclude each other"},
        {"--param workload.hold.mean_ns:100:1000 --objective foo", "logrmse, mape or rmse"},
        {"--param workload.hold.mean_ns:100:1000 --max-iter 0", "--max-iter 0"},
        {"--param workload.hold.mean_ns:100:1000 --tol -1", "--tol"},
        {"--param workload.hold.mean_ns:100:1000", "needs measured values > 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "cd %s && %s calibrate %s --measured m.csv --set duration_s=0.005 "
                 "--set warmup_s=0 %s -q > out.txt 2> err.txt; rc=$?; "
                 "test $rc -eq 2 && test $(wc -l < err.txt) -eq 1 && grep -qF -- '%s' err.txt",
                 dir, th_vmsim_bin(), lockloop(), bad[i][0], bad[i][1]);
        ck_assert_msg(sh(cmd) == 0, "%s: not refused with one line holding \"%s\"", bad[i][0],
                      bad[i][1]);
    }
    th_rm_rf(dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("calibrate");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, transform_roundtrip);
    tcase_add_test(tc, parse_params);
    tcase_add_test(tc, check_params);
    tcase_add_test(tc, split_rows);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    TCase *fit = tcase_create("fit");
    tcase_add_test(fit, recover_hold);
    tcase_add_test(fit, holdout_not_seen);
    tcase_add_test(fit, cross_validation);
    tcase_add_test(fit, cli_outputs);
    tcase_add_test(fit, cli_bad_inputs);
    tcase_set_timeout(fit, 120);
    suite_add_tcase(s, fit);
    return s;
}
