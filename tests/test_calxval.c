/* Calibration over several datasets (analysis/calxval.h): the --dataset
 * spec, the recovery of a known parameter from two synthetic datasets (two
 * lockloop scenarios that differ in their think time, "measured" by the
 * simulator at workload.hold.mean_ns = 1000), leave-one-dataset-out folds
 * that never see the held-out dataset (a poisoned dataset, made at a hold
 * of 4000 ns, pulls a fit that sees it but not the fold that holds it out,
 * and changing its values leaves that fold's history unchanged), determinism,
 * and the CLI ($VMSIM): outputs and refusals. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/calxval.h"
#include "config/scenario.h"
#include "sim/mem.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- helpers -------------------------------------------------------------- */

static int sh(const char *cmd)
{
    int st = system(cmd);
    ck_assert_msg(st != -1 && WIFEXITED(st), "%s did not exit", cmd);
    return WEXITSTATUS(st);
}

/* Writes DIR/NAME.json: scenarios/micro/lockloop.json, 20 ms simulated,
 * with workload.think.mean_ns = think. */
static void write_scenario(const char *dir, const char *name, double think)
{
    char src[4200], path[4300];
    snprintf(src, sizeof src, "%s/scenarios/micro/lockloop.json", th_src_dir());
    vs_err err = {0};
    json_t *d = sc_read_json(src, &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_apply_set(d, "duration_s=0.02", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "warmup_s=0.002", &err), 0);
    ck_assert_int_eq(sc_set_path(d, "workload.think.mean_ns", json_real(think), &err), 0);
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    ck_assert_int_eq(json_dump_file(d, path, JSON_INDENT(2)), 0);
    json_decref(d);
}

/* Writes DIR/CSV.csv with threads 2, 5, 8 and the ops_per_s that scenario
 * DIR/SCEN.json predicts (mean of seeds 1..2) with hold = hold, times
 * `scale`. */
static void make_measured(const char *dir, const char *scen, const char *csvname, double hold,
                          double scale)
{
    char csv[4200], rundir[4200], file[4200];
    snprintf(csv, sizeof csv, "%s/%s.csv", dir, csvname);
    snprintf(rundir, sizeof rundir, "%s/gen-%s", dir, csvname);
    snprintf(file, sizeof file, "%s/%s.json", dir, scen);
    FILE *f = fopen(csv, "w");
    ck_assert_ptr_nonnull(f);
    fputs("workload.threads,ops_per_s\n2,1\n5,1\n8,1\n", f);
    fclose(f);
    vs_err err = {0};
    json_t *d = sc_read_json(file, &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_set_path(d, "workload.hold.mean_ns", json_real(hold), &err), 0);
    val_measured m;
    ck_assert_msg(val_measured_read(csv, d, file, NULL, NULL, &m, &err) == 0, "%s", err.msg);
    val_report r;
    val_report_init(&r, &m, file, VAL_NORM_NONE);
    val_run_opts o = {.dir = rundir, .nseeds = 2, .jobs = 1, .quiet = 1};
    ck_assert_msg(val_run(&m, d, file, &o, &r, &err) == 0, "%s", err.msg);
    ck_assert_msg(val_compute(&r, &err) == 0, "%s", err.msg);
    f = fopen(csv, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "# %s at hold %g x %g\nworkload.threads,ops_per_s\n", scen, hold, scale);
    for (int i = 0; i < r.nrows; i++)
        fprintf(f, "%s,%.12g\n", r.rows[i].axis_text[0], scale * r.rows[i].mean);
    fclose(f);
    val_report_free(&r);
    val_measured_free(&m);
    json_decref(d);
}

/* Parses "NAME=DIR/SCEN.json:DIR/CSV.csv" into ds[k] with its run dir. */
static void dataset(cx_dataset *ds, int k, const char *dir, const char *name, const char *scen,
                    const char *csv)
{
    char spec[9000];
    snprintf(spec, sizeof spec, "%s=%s/%s.json:%s/%s.csv", name, dir, scen, dir, csv);
    vs_err err = {0};
    ck_assert_msg(cx_parse_dataset(spec, &ds[k], &err) == 0, "%s", err.msg);
    snprintf(spec, sizeof spec, "%s/runs/%s", dir, name);
    ds[k].rundir = vs_xstrdup(spec);
}

static cal_opts search_opts(int max_evals)
{
    cal_opts o = {.objective = CAL_OBJ_LOGRMSE, .nseeds = 2, .jobs = 1, .max_evals = max_evals,
                  .tol = 1e-3, .quiet = 1};
    return o;
}

/* --- the spec ---------------------------------------------------------------- */

START_TEST(parse_dataset)
{
    cx_dataset d;
    vs_err err = {0};
    ck_assert_int_eq(cx_parse_dataset("a/s.json:b/m-1.csv", &d, &err), 0);
    ck_assert_str_eq(d.name, "m-1");
    ck_assert_str_eq(d.file, "a/s.json");
    ck_assert_str_eq(d.csv, "b/m-1.csv");
    ck_assert_ptr_null(d.metric);
    ck_assert(!d.norm_given);
    cx_dataset_free(&d);
    ck_assert_int_eq(cx_parse_dataset("L1=s.json:m.csv::first", &d, &err), 0);
    ck_assert_str_eq(d.name, "L1");
    ck_assert_ptr_null(d.metric);
    ck_assert(d.norm_given && d.norm == VAL_NORM_FIRST);
    cx_dataset_free(&d);
    ck_assert_int_eq(cx_parse_dataset("x.y_z=s.json:m.csv:ops_per_s", &d, &err), 0);
    ck_assert_str_eq(d.metric, "ops_per_s");
    ck_assert(!d.norm_given);
    cx_dataset_free(&d);
    /* '=' after the first ':' is part of a path, not a name */
    ck_assert_int_eq(cx_parse_dataset("s.json:dir=1/m.csv", &d, &err), 0);
    ck_assert_str_eq(d.csv, "dir=1/m.csv");
    ck_assert_str_eq(d.name, "m");
    cx_dataset_free(&d);
    static const char *const bad[][2] = {
        {"s.json", "expected [NAME=]SCENARIO:MEASURED.csv"},
        {":m.csv", "expected [NAME=]SCENARIO"},
        {"s.json:", "expected [NAME=]SCENARIO"},
        {"s.json:m.csv:a:first:x", "paths cannot contain ':'"},
        {"s.json:m.csv:a:fist", "first"},
        {"s.json:m.csv:a:", "empty NORMALIZE"},
        {"a b=s.json:m.csv", "the NAME before '='"},
        {"=s.json:m.csv", "the NAME before '='"},
        {"s.json:dir/.csv", "no usable dataset name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(cx_parse_dataset(bad[i][0], &d, &err) == -1, "%s accepted", bad[i][0]);
        ck_assert_msg(strstr(err.msg, bad[i][1]), "%s: %s", bad[i][0], err.msg);
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
        ck_assert_ptr_null(d.name); /* freed on failure */
    }
}
END_TEST

/* --- fits --------------------------------------------------------------------- */

/* Two datasets made at hold 1000 ns from different scenarios: the joint fit
 * finds the hold from 3000, and a second fit is identical. */
START_TEST(recover_two_datasets)
{
    char *dir = th_make_fast_tmpdir("cx");
    write_scenario(dir, "a", 10000);
    write_scenario(dir, "b", 3000);
    make_measured(dir, "a", "ma", 1000, 1);
    make_measured(dir, "b", "mb", 1000, 1);
    cx_dataset ds[2];
    dataset(ds, 0, dir, "A", "a", "ma");
    dataset(ds, 1, dir, "B", "b", "mb");
    cal_param p;
    vs_err err = {0};
    ck_assert_int_eq(cal_parse_param("workload.hold.mean_ns:100:10000:log:3000", &p, &err), 0);
    ck_assert_msg(cx_load(ds, 2, NULL, 0, NULL, VAL_NORM_NONE, &p, 1, &err) == 0, "%s", err.msg);
    cal_opts o = search_opts(30);
    cx_fit f, g;
    ck_assert_msg(cx_run(&o, ds, 2, NULL, &p, 1, 1, &f, NULL, &err) == 0, "%s", err.msg);
    ck_assert_rel(f.search.fitted[0], 1000, 0.02);
    ck_assert(f.nused == 2 && f.used[0] && f.used[1]);
    ck_assert(f.search.obj_fitted < 0.01 && f.search.obj_start > 0.1);
    /* the joint objective is the mean of the two, each weighted equally */
    const cal_eval *best = &f.search.hist[f.search.best];
    ck_assert_rel(best->obj, (best->parts[0] + best->parts[1]) / 2, 1e-12);
    ck_assert_rel(f.obj[0] + f.obj[1] + 1, best->parts[0] + best->parts[1] + 1, 1e-9);
    ck_assert_int_eq(f.errs[0].s.points, 3);
    ck_assert_int_eq(f.errs[1].s.points, 3);
    ck_assert(f.errs0 && f.errs0[0].logrmse > f.errs[0].logrmse);
    /* determinism */
    ck_assert_msg(cx_run(&o, ds, 2, NULL, &p, 1, 1, &g, NULL, &err) == 0, "%s", err.msg);
    json_t *ja = cx_fit_json(&f, ds, &p, 1), *jb = cx_fit_json(&g, ds, &p, 1);
    ck_assert(json_equal(ja, jb));
    ck_assert_int_eq((int)json_array_size(json_object_get(ja, "history")), f.search.nhist);
    json_decref(ja);
    json_decref(jb);
    cx_fit_free(&f);
    cx_fit_free(&g);
    cal_param_free(&p);
    for (int d = 0; d < 2; d++)
        cx_dataset_free(&ds[d]);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* No circularity: C is made at a hold of 4000 ns, so it pulls any fit that
 * sees it (the fold that holds A out finds 4000). The fold that holds C out
 * finds 1000 from A alone, never runs C during its search (no partial
 * objective), and its history is unchanged when C's values change tenfold. */
START_TEST(fold_excludes_held_out)
{
    char *dir = th_make_fast_tmpdir("cx");
    write_scenario(dir, "a", 10000);
    make_measured(dir, "a", "ma", 1000, 1);
    make_measured(dir, "a", "mc", 4000, 1);
    make_measured(dir, "a", "mc10", 4000, 10);
    cal_param p;
    vs_err err = {0};
    ck_assert_int_eq(cal_parse_param("workload.hold.mean_ns:100:10000:log:2000", &p, &err), 0);
    cal_opts o = search_opts(16);
    cx_cv cv[2];
    cx_fit all;
    for (int k = 0; k < 2; k++) {
        cx_dataset ds[2];
        dataset(ds, 0, dir, "A", "a", "ma");
        dataset(ds, 1, dir, "C", "a", k ? "mc10" : "mc");
        ck_assert_msg(cx_load(ds, 2, NULL, 0, NULL, VAL_NORM_NONE, &p, 1, &err) == 0, "%s",
                      err.msg);
        ck_assert_msg(cx_cv_run(&o, ds, 2, &p, 1, &cv[k], NULL, &err) == 0, "%s", err.msg);
        if (k == 0)
            ck_assert_msg(cx_run(&o, ds, 2, NULL, &p, 1, 0, &all, NULL, &err) == 0, "%s",
                          err.msg);
        for (int d = 0; d < 2; d++)
            cx_dataset_free(&ds[d]);
    }
    ck_assert_int_eq(cv[0].nfolds, 2);
    const cx_fit *fc = &cv[0].folds[1], *fc10 = &cv[1].folds[1];
    ck_assert(fc->used[0] && !fc->used[1] && fc->nused == 1);
    ck_assert_rel(fc->search.fitted[0], 1000, 0.03);
    for (int h = 0; h < fc->search.nhist; h++)
        ck_assert(isnan(fc->search.hist[h].parts[1]) && !isnan(fc->search.hist[h].parts[0]));
    ck_assert_int_eq(fc->search.nhist, fc10->search.nhist);
    for (int h = 0; h < fc->search.nhist; h++)
        ck_assert(fc->search.hist[h].x[0] == fc10->search.hist[h].x[0] &&
                  fc->search.hist[h].obj == fc10->search.hist[h].obj);
    /* the held-out dataset is predicted, badly, at the fold's fit */
    ck_assert(fc->errs[1].s.points == 3 && fc->errs[1].logrmse > 0.3);
    ck_assert(fc10->errs[1].logrmse > fc->errs[1].logrmse);
    ck_assert(fc->errs[0].logrmse < 0.02);
    /* C pulls a fit that sees it: alone to 4000, jointly off 1000 */
    ck_assert_rel(cv[0].folds[0].search.fitted[0], 4000, 0.05);
    ck_assert_msg(all.search.fitted[0] > 990 && all.search.fitted[0] < 4100, "%g",
                  all.search.fitted[0]);
    for (int k = 0; k < 2; k++)
        cx_cv_free(&cv[k]);
    cx_fit_free(&all);
    cal_param_free(&p);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* --- the command line ------------------------------------------------------- */

START_TEST(cli_datasets)
{
    char *dir = th_make_fast_tmpdir("cx"), cmd[16384], path[4300];
    write_scenario(dir, "a", 10000);
    write_scenario(dir, "b", 3000);
    make_measured(dir, "a", "ma", 1000, 1);
    make_measured(dir, "b", "mb", 1000, 1);
    snprintf(cmd, sizeof cmd,
             "cd %s && %s calibrate --dataset A=a.json:ma.csv --dataset b.json:mb.csv::none "
             "--param workload.hold.mean_ns:100:10000:log:2500 --cv-datasets --max-iter 5 "
             "--seeds 2 -o out > table.txt 2> progress.txt",
             dir, th_vmsim_bin());
    ck_assert_int_eq(sh(cmd), 0);
    json_error_t je;
    snprintf(path, sizeof path, "%s/out/calibration.json", dir);
    json_t *c = json_load_file(path, 0, &je);
    ck_assert_msg(c != NULL, "%s: %s", path, je.text);
    json_t *folds = json_object_get(json_object_get(c, "cv_datasets"), "folds");
    ck_assert_int_eq((int)json_array_size(folds), 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(folds, 1), "held_out")),
                     "mb");
    ck_assert_int_eq((int)json_array_size(json_object_get(c, "datasets")), 2);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(json_array_get(folds, 0),
                                                          "held_out_errors"),
                                          "rms_log_error"));
    json_decref(c);
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "%s check %s/out/fitted-%s.json > /dev/null", th_vmsim_bin(),
                 dir, k ? "mb" : "A");
        ck_assert_int_eq(sh(cmd), 0);
    }
    snprintf(cmd, sizeof cmd,
             "grep -q 'Leave-one-dataset-out' %s/table.txt && grep -q '^-mb ' %s/table.txt && "
             "grep -q 'without A' %s/progress.txt && test $(grep -c 'eval ' %s/progress.txt) "
             "-eq 15",
             dir, dir, dir, dir);
    ck_assert_int_eq(sh(cmd), 0);
    static const char *const bad[][2] = {
        {"a.json --dataset a.json:ma.csv", "replaces SCENARIO"},
        {"--dataset a.json:ma.csv --cv-datasets", "at least 2"},
        {"--cv-datasets a.json --measured ma.csv", "needs --dataset"},
        {"--dataset a.json:ma.csv --dataset b.json:mb.csv --holdout every:2", "--holdout works"},
        {"--dataset a.json:ma.csv --dataset a.json:ma.csv", "a second dataset named \"ma\""},
        {"--dataset a.json:nope.csv", "dataset nope"},
        {"--dataset a.json:ma.csv::sideways", "first"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "cd %s && %s calibrate %s --param workload.hold.mean_ns:100:1000 -q "
                 "> out.txt 2> err.txt; rc=$?; test $rc -eq 2 && test $(wc -l < err.txt) -eq 1 "
                 "&& grep -qF -- '%s' err.txt",
                 dir, th_vmsim_bin(), bad[i][0], bad[i][1]);
        ck_assert_msg(sh(cmd) == 0, "%s: not refused with one line holding \"%s\"", bad[i][0],
                      bad[i][1]);
    }
    th_rm_rf(dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("calxval");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, parse_dataset);
    suite_add_tcase(s, tc);
    TCase *fit = tcase_create("fit");
    tcase_add_test(fit, recover_two_datasets);
    tcase_add_test(fit, fold_excludes_held_out);
    tcase_add_test(fit, cli_datasets);
    tcase_set_timeout(fit, 180);
    suite_add_tcase(s, fit);
    return s;
}
