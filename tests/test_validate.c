/* Validation against measured runs (analysis/validate.h): MAPE, RMSE and CI
 * coverage on hand-made data, the Student-t CI, both normalisations, the
 * errors of the measured CSV (each naming file, line and column), real
 * in-process runs of the lockloop scenario, a sensitivity run, predictions
 * from an existing sweep, and the CLI ($VMSIM). */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/validate.h"
#include "config/scenario.h"
#include "sim/mem.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- helpers -------------------------------------------------------------- */

static const char *lockloop(void)
{
    return th_src_path("scenarios/micro/lockloop.json");
}

/* lockloop.json, short, with a sweep section: a path axis "lock" and a set
 * axis "size" (threads 2 or 4). New reference. */
static json_t *lockloop_doc(void)
{
    vs_err err = {0};
    json_t *d = sc_read_json(lockloop(), &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_apply_set(d, "duration_s=0.02", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "warmup_s=0.002", &err), 0);
    json_error_t je;
    json_t *s = json_loads("{\"axes\": [{\"path\": \"guest.lock.algorithm\", \"name\": \"lock\", "
                           "\"values\": [\"ticket\", \"mcs\"]}, {\"name\": \"size\", "
                           "\"values\": [\"small\", \"big\"], \"set\": {\"small\": "
                           "{\"workload.threads\": 2}, \"big\": {\"workload.threads\": 4}}}], "
                           "\"seeds\": [1, 2]}",
                           0, &je);
    ck_assert_msg(s != NULL, "%s", je.text);
    json_object_set_new(d, "sweep", s);
    return d;
}

/* Writes the CSV text to DIR/m.csv and reads it against lockloop_doc();
 * returns val_measured_read's status, m filled on success. */
static int read_measured(const char *dir, const char *csv, const char *metric, val_measured *m,
                         vs_err *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/m.csv", dir);
    th_write_file(path, csv);
    json_t *d = lockloop_doc();
    int rc = val_measured_read(path, d, lockloop(), metric, NULL, m, err);
    json_decref(d);
    return rc;
}

/* The CSV must be refused with a message holding every fragment. */
static void expect_error(const char *csv, const char *metric, const char *f1, const char *f2,
                         const char *f3)
{
    char *dir = th_make_tmpdir("validate");
    val_measured m;
    vs_err err = {0};
    int rc = read_measured(dir, csv, metric, &m, &err);
    if (rc == 0)
        val_measured_free(&m);
    th_rm_rf(dir);
    free(dir);
    ck_assert_msg(rc == -1, "accepted: %s", csv);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    const char *f[3] = {f1, f2, f3};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(!f[i] || strstr(err.msg, f[i]), "message \"%s\" lacks \"%s\"", err.msg,
                      f[i]);
}

/* A hand-made report: nrows rows in ngroups groups "g0", "g1", ...; x axis
 * "x". Rows get their samples with add(). */
static void hand_report(val_report *r, int nrows, int ngroups, val_norm norm)
{
    memset(r, 0, sizeof *r);
    r->scenario_file = vs_xstrdup("s.json");
    r->measured_file = vs_xstrdup("m.csv");
    r->metric = vs_xstrdup("y");
    r->xname = vs_xstrdup("x");
    r->source = vs_xstrdup("hand");
    r->norm = norm;
    r->nrows = nrows;
    r->rows = vs_xcalloc((size_t)nrows, sizeof *r->rows);
    r->ngroups = ngroups;
    r->groups = vs_xcalloc((size_t)ngroups, sizeof(char *));
    for (int g = 0; g < ngroups; g++) {
        char b[16];
        snprintf(b, sizeof b, "g%d", g);
        r->groups[g] = vs_xstrdup(b);
    }
    for (int i = 0; i < nrows; i++) {
        r->rows[i].line = i + 2;
        r->rows[i].desc = vs_xstrdup("row");
    }
}

/* Sets row i: group, x, measured and its samples (seeds 1..n). */
static void set_row(val_report *r, int i, int g, double x, double meas, int n, const double *v)
{
    val_row *w = &r->rows[i];
    w->group = g;
    w->x = x;
    w->measured_raw = meas;
    w->n = n;
    w->seeds = vs_xcalloc((size_t)n, sizeof(int64_t));
    w->samples = vs_xcalloc((size_t)n, sizeof(double));
    for (int k = 0; k < n; k++) {
        w->seeds[k] = k + 1;
        w->samples[k] = v[k];
    }
}

/* --- statistics ------------------------------------------------------------ */

START_TEST(summary_exact)
{
    /* errors +1, -2, 0; relative 0.1, 0.1, 0; CIs +-2, +-1, +-0.5 */
    double meas[] = {10, 20, 40, 7}, mean[] = {11, 18, 40, 100}, half[] = {2, 1, 0.5, 0};
    int skip[] = {0, 0, 0, 1};
    val_summary s;
    val_summarize(meas, mean, half, skip, 4, &s);
    ck_assert_int_eq(s.points, 3);
    ck_assert_int_eq(s.refs, 1);
    ck_assert_int_eq(s.inside, 2);
    ck_assert_int_eq(s.mape_points, 3);
    ck_assert_rel(s.mape, 100 * 0.2 / 3, 1e-14);
    ck_assert_rel(s.rmse, sqrt(5.0 / 3), 1e-14);
    ck_assert_rel(s.coverage, 2.0 / 3, 1e-14);
    /* a measured 0 has no relative error; on the CI's edge counts as inside */
    double m2[] = {0, 4}, p2[] = {1, 5}, h2[] = {1, 0.5};
    val_summarize(m2, p2, h2, NULL, 2, &s);
    ck_assert_int_eq(s.points, 2);
    ck_assert_int_eq(s.mape_points, 1);
    ck_assert_rel(s.mape, 25, 1e-14);
    ck_assert_rel(s.rmse, 1, 1e-14);
    ck_assert_int_eq(s.inside, 1);
    /* nothing to compare */
    val_summarize(m2, p2, h2, (int[]){1, 1}, 2, &s);
    ck_assert_int_eq(s.points, 0);
    ck_assert(isnan(s.mape) && isnan(s.rmse) && isnan(s.coverage));
}
END_TEST

START_TEST(ci_student_t_n3)
{
    val_report r;
    vs_err err = {0};
    hand_report(&r, 2, 1, VAL_NORM_NONE);
    set_row(&r, 0, 0, 1, 2.5, 3, (double[]){1, 2, 3});
    set_row(&r, 1, 0, 2, 9, 1, (double[]){7});
    ck_assert_int_eq(val_compute(&r, &err), 0);
    /* t(0.975, 2) in closed form: (2p - 1) / sqrt(2 p (1 - p)) */
    double t2 = 0.95 / sqrt(2 * 0.975 * 0.025);
    ck_assert_rel(t2, 4.302652729749464, 1e-12);
    const val_row *w = &r.rows[0];
    ck_assert_int_eq(w->n_used, 3);
    ck_assert_rel(w->mean, 2, 1e-15);
    ck_assert_rel(w->sd, 1, 1e-15);
    ck_assert_rel(w->half, t2 / sqrt(3), 1e-9);
    ck_assert_rel(w->abs_err, 0.5, 1e-15);
    ck_assert_rel(w->rel_err, -0.2, 1e-15);
    ck_assert_int_eq(w->inside, 1);
    /* one seed: no interval, so only an exact match is inside */
    ck_assert(r.rows[1].half == 0 && r.rows[1].sd == 0 && !r.rows[1].inside);
    ck_assert_int_eq(r.sum.points, 2);
    ck_assert_rel(r.sum.mape, 100 * (0.2 + 2.0 / 9) / 2, 1e-14);
    ck_assert_rel(r.sum.rmse, sqrt((0.25 + 4) / 2), 1e-14);
    ck_assert_rel(r.sum.coverage, 0.5, 1e-15);
    /* two distinct x only: no USL fit, and the report says why */
    ck_assert_int_eq(r.nfits, 1);
    ck_assert(!r.fits[0].ok[0] && strstr(r.fits[0].why[0], "3"));
    val_report_free(&r);
}
END_TEST

/* curve:g1: every row divided by g1's row at the same x, per seed; g1's rows
 * are the references (1, left out); no USL fits of ratios. */
START_TEST(normalize_curve)
{
    val_report r;
    vs_err err = {0};
    hand_report(&r, 4, 2, VAL_NORM_CURVE);
    r.norm_ref = vs_xstrdup("g1");
    set_row(&r, 0, 0, 1, 10, 2, (double[]){20, 40});
    set_row(&r, 1, 0, 2, 6, 2, (double[]){9, 12});
    set_row(&r, 2, 1, 1, 5, 2, (double[]){10, 20});
    set_row(&r, 3, 1, 2, 3, 2, (double[]){3, 6});
    ck_assert_int_eq(val_norm_check(&r, &err), 0);
    ck_assert_int_eq(val_compute(&r, &err), 0);
    ck_assert(!r.rows[0].ref && !r.rows[1].ref && r.rows[2].ref && r.rows[3].ref);
    ck_assert_rel(r.rows[0].measured, 2, 1e-15);
    ck_assert_rel(r.rows[1].measured, 2, 1e-15);
    ck_assert_rel(r.rows[3].measured, 1, 1e-15);
    ck_assert_rel(r.rows[0].mean, 2, 1e-15);   /* 20/10, 40/20 */
    ck_assert_rel(r.rows[1].mean, 2.5, 1e-15); /* 9/3, 12/6 */
    ck_assert_rel(r.rows[3].mean, 1, 1e-15);
    ck_assert_int_eq(r.sum.points, 2);
    ck_assert_int_eq(r.sum.refs, 2);
    ck_assert_rel(r.sum.mape, 12.5, 1e-12);
    ck_assert_int_eq(r.nfits, 0);
    /* no such series: the message lists the series */
    free(r.norm_ref);
    r.norm_ref = vs_xstrdup("g9");
    ck_assert_int_eq(val_norm_check(&r, &err), -1);
    ck_assert_msg(strstr(err.msg, "no such series") && strstr(err.msg, "g0, g1"), "%s", err.msg);
    ck_assert_int_eq(val_compute(&r, &err), -1);
    /* a row at an x the reference lacks */
    free(r.norm_ref);
    r.norm_ref = vs_xstrdup("g1");
    r.rows[1].x = 3;
    ck_assert_int_eq(val_norm_check(&r, &err), -1);
    ck_assert_msg(strstr(err.msg, "m.csv:3:") && strstr(err.msg, "no row of g1 at x = 3"), "%s",
                  err.msg);
    val_report_free(&r);
    /* parsing */
    val_norm n;
    const char *ref = NULL;
    ck_assert_int_eq(val_parse_norm_ref("curve:kernel=tas", &n, &ref, &err), 0);
    ck_assert(n == VAL_NORM_CURVE && ref && !strcmp(ref, "kernel=tas"));
    ck_assert_int_eq(val_parse_norm_ref("first", &n, &ref, &err), 0);
    ck_assert(n == VAL_NORM_FIRST && ref == NULL);
    ck_assert_int_eq(val_parse_norm_ref("curve:", &n, &ref, &err), -1);
    ck_assert_int_eq(val_parse_norm("curve:kernel=tas", &n, &err), -1); /* not for calibrate */
    ck_assert_str_eq(val_norm_name(VAL_NORM_CURVE), "curve");
}
END_TEST

START_TEST(normalize_first)
{
    val_report r;
    vs_err err = {0};
    hand_report(&r, 4, 2, VAL_NORM_FIRST);
    /* group 0: the reference is the smallest x (row 1), not the first row */
    set_row(&r, 0, 0, 2, 10, 2, (double[]){100, 200});
    set_row(&r, 1, 0, 1, 5, 2, (double[]){50, 50});
    set_row(&r, 2, 0, 4, 2.5, 2, (double[]){25, 100});
    set_row(&r, 3, 1, 8, 3, 2, (double[]){6, 6});
    ck_assert_int_eq(val_compute(&r, &err), 0);
    ck_assert(!r.rows[0].ref && r.rows[1].ref && !r.rows[2].ref && r.rows[3].ref);
    ck_assert_rel(r.rows[0].measured, 2, 1e-15);
    ck_assert_rel(r.rows[1].measured, 1, 1e-15);
    ck_assert_rel(r.rows[2].measured, 0.5, 1e-15);
    /* per-seed ratios: {100/50, 200/50} and {25/50, 100/50} */
    ck_assert_rel(r.rows[0].mean, 3, 1e-15);
    ck_assert_rel(r.rows[2].mean, 1.25, 1e-15);
    ck_assert_rel(r.rows[0].mean_raw, 150, 1e-15);
    ck_assert(r.rows[1].mean == 1 && r.rows[1].half == 0 && r.rows[1].inside);
    ck_assert_int_eq(r.sum.points, 2);
    ck_assert_int_eq(r.sum.refs, 2);
    ck_assert_rel(r.sum.mape, 100 * (0.5 + 1.5) / 2, 1e-14);
    /* sd of {2, 4} is sqrt(2); t(0.975, 1) = 12.7062...: inside */
    ck_assert_rel(r.rows[0].sd, sqrt(2), 1e-14);
    ck_assert_int_eq(r.rows[0].inside, 1);
    /* a seed the reference lacks is dropped */
    r.rows[0].seeds[1] = 7;
    ck_assert_int_eq(val_compute(&r, &err), 0);
    ck_assert_int_eq(r.rows[0].n_used, 1);
    ck_assert_rel(r.rows[0].mean, 2, 1e-15);
    /* no seed in common: an error naming the line */
    r.rows[0].seeds[0] = 8;
    ck_assert_int_eq(val_compute(&r, &err), -1);
    ck_assert_msg(strstr(err.msg, "m.csv:2:") && strstr(err.msg, "no seed in common"), "%s",
                  err.msg);
    /* a measured 0 at the reference cannot normalise */
    r.rows[0].seeds[0] = 1;
    r.rows[0].seeds[1] = 2;
    r.rows[1].measured_raw = 0;
    ck_assert_int_eq(val_compute(&r, &err), -1);
    ck_assert_msg(strstr(err.msg, "m.csv:3:") && strstr(err.msg, "first point"), "%s", err.msg);
    val_report_free(&r);
}
END_TEST

START_TEST(normalize_max)
{
    val_report r;
    vs_err err = {0};
    hand_report(&r, 3, 1, VAL_NORM_MAX);
    set_row(&r, 0, 0, 1, 10, 2, (double[]){100, 200});
    set_row(&r, 1, 0, 2, 5, 2, (double[]){50, 50});
    set_row(&r, 2, 0, 3, 2.5, 2, (double[]){25, 100});
    ck_assert_int_eq(val_compute(&r, &err), 0);
    ck_assert_rel(r.rows[0].measured, 1, 1e-15);
    ck_assert_rel(r.rows[1].measured, 0.5, 1e-15);
    ck_assert_rel(r.rows[2].measured, 0.25, 1e-15);
    ck_assert_rel(r.rows[0].mean, 1, 1e-15);
    ck_assert_rel(r.rows[1].mean, 50.0 / 150, 1e-15);
    ck_assert_rel(r.rows[2].mean, 62.5 / 150, 1e-15);
    ck_assert_int_eq(r.sum.refs, 0);
    ck_assert_int_eq(r.sum.points, 3);
    /* three distinct x: both USL fits ran */
    ck_assert_int_eq(r.nfits, 1);
    ck_assert_msg(r.fits[0].ok[0] && r.fits[0].ok[1], "%s / %s", r.fits[0].why[0],
                  r.fits[0].why[1]);
    val_report_free(&r);
}
END_TEST

START_TEST(norm_names)
{
    val_norm n;
    vs_err err = {0};
    ck_assert_int_eq(val_parse_norm("FIRST", &n, &err), 0);
    ck_assert_int_eq(n, VAL_NORM_FIRST);
    ck_assert_int_eq(val_parse_norm("max", &n, &err), 0);
    ck_assert_int_eq(n, VAL_NORM_MAX);
    ck_assert_int_eq(val_parse_norm("none", &n, &err), 0);
    ck_assert_int_eq(n, VAL_NORM_NONE);
    ck_assert_int_eq(val_parse_norm("last", &n, &err), -1);
    ck_assert_msg(strstr(err.msg, "--normalize last"), "%s", err.msg);
    ck_assert_str_eq(val_norm_name(VAL_NORM_FIRST), "first");
    ck_assert(val_known_metric("throughput_total") && val_known_metric("ops_per_s") &&
              val_known_metric("metrics.builds") && !val_known_metric("tput"));
}
END_TEST

/* --- the measured CSV --------------------------------------------------------- */

START_TEST(measured_ok)
{
    char *dir = th_make_tmpdir("validate");
    val_measured m;
    vs_err err = {0};
    int rc = read_measured(dir,
                           "# a comment\n"
                           "lock,size,workload.think.mean_ns,ops_per_s,ops_per_s_sd\n"
                           "ticket,small,5000,100,1\n"
                           "mcs,big,10000,200,2\n",
                           NULL, &m, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(m.naxes, 3);
    ck_assert_int_eq(m.metric_col, 3);
    ck_assert_str_eq(m.axes[0].path, "guest.lock.algorithm"); /* sweep axis by name */
    ck_assert_ptr_null(m.axes[1].path);                       /* set axis */
    ck_assert_str_eq(m.axes[2].path, "workload.think.mean_ns");
    ck_assert_int_eq(m.x, 2); /* the only numeric axis */
    json_t *v = json_object_get(m.sets[1], "workload.threads");
    ck_assert(json_integer_value(v) == 4);
    ck_assert_str_eq(json_string_value(json_object_get(m.sets[1], "guest.lock.algorithm")), "mcs");
    val_report r;
    val_report_init(&r, &m, "lockloop.json", VAL_NORM_NONE);
    ck_assert_int_eq(r.nrows, 2);
    ck_assert_int_eq(r.rows[0].line, 3);
    ck_assert_int_eq(r.ngroups, 2);
    ck_assert_str_eq(r.groups[1], "lock=mcs, size=big");
    ck_assert_str_eq(r.rows[0].desc, "lock=ticket, size=small, workload.think.mean_ns=5000");
    ck_assert(r.rows[1].x == 10000 && r.rows[1].measured_raw == 200);
    val_report_free(&r);
    val_measured_free(&m);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(measured_errors)
{
    /* a missing metric column (named by --metric), or none at all */
    expect_error("lock,ops\nticket,1\n", "ops_per_s", "m.csv:1:", "no column \"ops_per_s\"",
                 "lock, ops");
    expect_error("lock,workload.threads\nticket,2\n", NULL, "m.csv:1:", "no metric column", NULL);
    /* a non-numeric value: line 3, column 2 */
    expect_error("lock,ops_per_s\nticket,1\nmcs,fast\n", NULL, "m.csv:3:2:", "\"ops_per_s\"",
                 "expected a number");
    /* an unknown axis, named by its column */
    expect_error("lock,threadz,ops_per_s\nticket,2,1\n", "ops_per_s", "m.csv:1:2:",
                 "\"threadz\" is neither a scenario path nor an axis", "unknown key");
    /* without --metric a known metric name wins the metric column */
    expect_error("workload.threadz,ops_per_s\n2,1\n", NULL, "m.csv:1:1:", "\"workload.threadz\"",
                 "did you mean \"threads\"");
    /* an axis value the scenario cannot take: path axis, set axis, sweep axis */
    expect_error("workload.threads,ops_per_s\n2,1\n-1,1\n", NULL, "m.csv:3:1:",
                 "column \"workload.threads\"", "cannot take \"-1\"");
    expect_error("lock,ops_per_s\nticket,1\n\nbogus,1\n", NULL, "m.csv:4:1:", "cannot take",
                 "guest.lock.algorithm");
    expect_error("size,ops_per_s\nhuge,1\n", NULL, "m.csv:2:1:", "not a value of the sweep axis",
                 "small, big");
    expect_error("lock,ops_per_s\n,1\n", NULL, "m.csv:2:1:", "empty value", NULL);
    /* the seed, and two columns setting one path */
    expect_error("seed,ops_per_s\n1,1\n", NULL, "m.csv:1:1:", "the seed is not an axis", NULL);
    expect_error("lock,guest.lock.algorithm,ops_per_s\nticket,ticket,1\n", NULL, "m.csv:1:2:",
                 "sets guest.lock.algorithm", NULL);
    /* no data */
    expect_error("lock,ops_per_s\n", NULL, "m.csv", "no data rows", NULL);
}
END_TEST

/* --- real runs --------------------------------------------------------------- */

START_TEST(run_inprocess)
{
    char *dir = th_make_tmpdir("validate"), rundir[4200], path[4300];
    val_measured m;
    vs_err err = {0};
    int rc = read_measured(dir,
                           "workload.threads,lock,ops_per_s\n"
                           "1,ticket,90000\n2,ticket,170000\n4,ticket,300000\n"
                           "4,ticket,310000\n" /* a repeated measurement: same runs */
                           "1,mcs,90000\n2,mcs,170000\n4,mcs,300000\n",
                           NULL, &m, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(m.x, 0);
    val_report r;
    val_report_init(&r, &m, lockloop(), VAL_NORM_FIRST);
    snprintf(rundir, sizeof rundir, "%s/runs", dir);
    val_run_opts o = {.dir = rundir, .nseeds = 2, .jobs = 1, .quiet = 1};
    json_t *d = lockloop_doc();
    rc = val_run(&m, d, lockloop(), &o, &r, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    for (int i = 0; i < r.nrows; i++) {
        ck_assert_int_eq(r.rows[i].n, 2);
        ck_assert(r.rows[i].samples[0] > 0 && r.rows[i].seeds[1] == 2);
    }
    /* rows 2 and 3 share their runs; the two seeds differ */
    ck_assert(r.rows[2].samples[0] == r.rows[3].samples[0]);
    ck_assert(r.rows[2].samples[0] != r.rows[2].samples[1]);
    ck_assert_int_eq(val_compute(&r, &err), 0);
    ck_assert_int_eq(r.ngroups, 2);
    ck_assert_int_eq(r.sum.refs, 2);
    ck_assert_int_eq(r.sum.points, 5);
    ck_assert(r.rows[0].ref && r.rows[0].mean == 1);
    ck_assert(isfinite(r.sum.mape) && isfinite(r.sum.rmse));
    ck_assert_int_eq(r.nfits, 2);
    ck_assert_int_eq(val_write(&r, dir, "vmsim validate test", &err), 0);
    snprintf(path, sizeof path, "%s/validation.json", dir);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    ck_assert_msg(doc != NULL, "%s", je.text);
    ck_assert_int_eq(json_integer_value(sc_get_path(doc, "summary.points")), 5);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "normalize")), "first");
    ck_assert_int_eq(json_array_size(json_object_get(doc, "points")), 7);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "usl")), 2);
    json_decref(doc);
    snprintf(path, sizeof path, "%s/validation.csv", dir);
    csv_table t;
    ck_assert_int_eq(csv_read(path, &t, &err), 0);
    ck_assert_int_eq(t.nrows, 7);
    ck_assert_int_ge(csv_col(&t, "inside_ci"), 0);
    csv_free(&t);
    /* the run directory is a sweep directory */
    snprintf(path, sizeof path, "%s/summary.csv", rundir);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    /* the same validation read back from that sweep's results */
    val_report r2;
    val_report_init(&r2, &m, lockloop(), VAL_NORM_FIRST);
    ck_assert_int_eq(val_compute(&r2, &err), -1); /* no samples yet */
    ck_assert_msg(strstr(err.msg, "no predicted value"), "%s", err.msg);
    val_report_free(&r2);
    /* a metric the runs do not have */
    free(r.metric);
    r.metric = vs_xstrdup("builds_per_fortnight");
    rc = val_run(&m, d, lockloop(), &o, &r, &err);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(strstr(err.msg, "no column \"builds_per_fortnight\""), "%s", err.msg);
    json_decref(d);
    val_report_free(&r);
    val_measured_free(&m);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(sensitivity_values)
{
    char *dir = th_make_tmpdir("validate"), rundir[4200];
    val_measured m;
    vs_err err = {0};
    int rc = read_measured(dir, "workload.threads,ops_per_s\n1,90000\n4,300000\n", NULL, &m, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    json_t *values = json_pack("[i,i]", 500, 2000), *d = lockloop_doc();
    val_report reps[2];
    for (int k = 0; k < 2; k++)
        val_report_init(&reps[k], &m, lockloop(), VAL_NORM_NONE);
    snprintf(rundir, sizeof rundir, "%s/runs", dir);
    val_run_opts o = {.dir = rundir, .nseeds = 1, .jobs = 1, .quiet = 1,
                      .param = "workload.hold.mean_ns", .values = values};
    rc = val_run(&m, d, lockloop(), &o, reps, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(val_compute(&reps[k], &err), 0);
    /* a longer hold: fewer critical sections per second with 4 threads */
    ck_assert(reps[1].rows[1].mean < reps[0].rows[1].mean);
    char *labels[] = {"500", "2000"};
    ck_assert_int_eq(val_sens_write(dir, o.param, values, labels, reps, 2, NULL, &err), 0);
    char path[4300];
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    csv_table t;
    ck_assert_int_eq(csv_read(path, &t, &err), 0);
    ck_assert_int_eq(t.nrows, 2);
    ck_assert_str_eq(t.names[0], "workload.hold.mean_ns");
    csv_free(&t);
    for (int k = 0; k < 2; k++)
        val_report_free(&reps[k]);
    /* a value the scenario cannot take; a parameter that clashes with a column */
    json_t *bad = json_pack("[i,i]", 500, -3);
    val_report_init(&reps[0], &m, lockloop(), VAL_NORM_NONE);
    val_report_init(&reps[1], &m, lockloop(), VAL_NORM_NONE);
    o.values = bad;
    ck_assert_int_eq(val_run(&m, d, lockloop(), &o, reps, &err), -1);
    ck_assert_msg(strstr(err.msg, "--values") && strstr(err.msg, "-3"), "%s", err.msg);
    o.values = values;
    o.param = "workload.threads";
    ck_assert_int_eq(val_run(&m, d, lockloop(), &o, reps, &err), -1);
    ck_assert_msg(strstr(err.msg, "sets workload.threads"), "%s", err.msg);
    o.param = "workload.holdz";
    ck_assert_int_eq(val_run(&m, d, lockloop(), &o, reps, &err), -1);
    ck_assert_msg(strstr(err.msg, "neither a scenario path"), "%s", err.msg);
    for (int k = 0; k < 2; k++)
        val_report_free(&reps[k]);
    json_decref(bad);
    json_decref(values);
    json_decref(d);
    val_measured_free(&m);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

/* --- the CLI ------------------------------------------------------------------ */

/* Runs "vmsim ARGS" (a shell command line) with output to DIR/out, DIR/err;
 * returns the exit status. */
static int run_vmsim(const char *dir, const char *args)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s/out' 2>'%s/err'", th_vmsim_bin(), args, dir, dir);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(cli_validate_and_sweep)
{
    char *dir = th_make_tmpdir("validate"), args[8192], p[4300];
    snprintf(p, sizeof p, "%s/m.csv", dir);
    th_write_file(p, "# measured\nworkload.threads,ops_per_s\n1,90000\n2,170000\n4,300000\n");
    const char *set = "--set duration_s=0.02 --set warmup_s=0.002";
    /* in worker processes */
    snprintf(args, sizeof args, "validate '%s' --measured '%s' -o '%s/v' %s --seeds 2 -j 2 -q "
                                "--no-plot --normalize first",
             lockloop(), p, dir, set);
    int rc = run_vmsim(dir, args);
    snprintf(p, sizeof p, "%s/err", dir);
    char *e = th_slurp(p);
    ck_assert_msg(rc == 0, "status %d: %s", rc, e ? e : "");
    free(e);
    snprintf(p, sizeof p, "%s/out", dir);
    char *out = th_slurp(p);
    ck_assert_msg(out && strstr(out, "MAPE") && strstr(out, "USL fits along workload.threads"),
                  "%s", out ? out : "");
    free(out);
    snprintf(p, sizeof p, "%s/v/validation.csv", dir);
    char *a = th_slurp(p);
    ck_assert_ptr_nonnull(a);
    /* the same from the sweep the first run left, and in this process */
    snprintf(p, sizeof p, "%s/m.csv", dir);
    snprintf(args, sizeof args, "validate '%s' --measured '%s' -o '%s/w' %s --sweep '%s/v/runs' "
                                "-q --no-plot --normalize first",
             lockloop(), p, dir, set, dir);
    ck_assert_int_eq(run_vmsim(dir, args), 2); /* the scenario has no sweep section */
    snprintf(p, sizeof p, "%s/err", dir);
    e = th_slurp(p);
    ck_assert_msg(e && strstr(e, "no sweep section"), "%s", e ? e : "");
    free(e);
    snprintf(p, sizeof p, "%s/m.csv", dir);
    snprintf(args, sizeof args, "validate '%s' --measured '%s' -o '%s/w' %s --seeds 2 -q "
                                "--no-plot --normalize first",
             lockloop(), p, dir, set);
    ck_assert_int_eq(run_vmsim(dir, args), 0);
    snprintf(p, sizeof p, "%s/w/validation.csv", dir);
    char *b = th_slurp(p);
    ck_assert_msg(b && !strcmp(a, b), "-j 2 and in-process differ:\n%s\n%s", a, b ? b : "");
    free(a);
    free(b);
    /* errors: exit 2 with file, line and column */
    snprintf(p, sizeof p, "%s/bad.csv", dir);
    th_write_file(p, "workload.threads,ops_per_s\n1,90000\n2,lots\n");
    snprintf(args, sizeof args, "validate '%s' --measured '%s' -o '%s/x' -q", lockloop(), p, dir);
    ck_assert_int_eq(run_vmsim(dir, args), 2);
    snprintf(p, sizeof p, "%s/err", dir);
    e = th_slurp(p);
    ck_assert_msg(e && strstr(e, "bad.csv:3:2:"), "%s", e ? e : "");
    free(e);
    snprintf(args, sizeof args, "validate '%s' -q", lockloop());
    ck_assert_int_eq(run_vmsim(dir, args), 2);
    snprintf(args, sizeof args, "sensitivity '%s' --measured '%s/m.csv' --param "
                                "workload.hold.mean_ns --values 500,,2 -q",
             lockloop(), dir);
    ck_assert_int_eq(run_vmsim(dir, args), 2);
    ck_assert_int_eq(run_vmsim(dir, "validate --help"), 0);
    ck_assert_int_eq(run_vmsim(dir, "sensitivity --help"), 0);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

START_TEST(from_sweep_matches_axes)
{
    char *dir = th_make_tmpdir("validate"), p[4300], args[8192];
    /* a real sweep of the lockloop_doc() section */
    json_t *d = lockloop_doc();
    snprintf(p, sizeof p, "%s/s.json", dir);
    ck_assert_int_eq(json_dump_file(d, p, JSON_INDENT(2)), 0);
    json_decref(d);
    snprintf(args, sizeof args, "sweep '%s' -o '%s/sw' -j 1 -q", p, dir);
    ck_assert_int_eq(run_vmsim(dir, args), 0);
    /* the set axis by label, the path axis by its path */
    snprintf(p, sizeof p, "%s/m.csv", dir);
    th_write_file(p, "guest.lock.algorithm,size,ops_per_s\nticket,small,1e5\nmcs,big,2e5\n");
    snprintf(p, sizeof p, "%s/s.json", dir);
    json_t *doc = sc_read_json(p, &(vs_err){0});
    ck_assert_ptr_nonnull(doc);
    val_measured m;
    vs_err err = {0};
    char csv[4300], sw[4300];
    snprintf(csv, sizeof csv, "%s/m.csv", dir);
    snprintf(sw, sizeof sw, "%s/sw", dir);
    ck_assert_msg(val_measured_read(csv, doc, p, NULL, NULL, &m, &err) == 0, "%s", err.msg);
    val_report r;
    val_report_init(&r, &m, p, VAL_NORM_NONE);
    ck_assert_msg(val_from_sweep(&m, sw, &r, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(r.rows[0].n, 2);
    ck_assert_int_eq(r.rows[1].n, 2);
    ck_assert_int_eq(val_compute(&r, &err), 0);
    val_report_free(&r);
    val_measured_free(&m);
    /* a sweep axis the CSV does not name */
    th_write_file(csv, "lock,ops_per_s\nticket,1e5\n");
    ck_assert_int_eq(val_measured_read(csv, doc, p, NULL, NULL, &m, &err), 0);
    val_report_init(&r, &m, p, VAL_NORM_NONE);
    ck_assert_int_eq(val_from_sweep(&m, sw, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "varies size") && strstr(err.msg, "m.csv:1"), "%s", err.msg);
    val_report_free(&r);
    val_measured_free(&m);
    /* a column that is no axis of the sweep */
    th_write_file(csv, "lock,size,workload.hold.mean_ns,ops_per_s\nticket,small,1000,1e5\n");
    ck_assert_int_eq(val_measured_read(csv, doc, p, NULL, NULL, &m, &err), 0);
    val_report_init(&r, &m, p, VAL_NORM_NONE);
    ck_assert_int_eq(val_from_sweep(&m, sw, &r, &err), -1);
    ck_assert_msg(strstr(err.msg, "m.csv:1:3:") && strstr(err.msg, "not an axis of the"), "%s",
                  err.msg);
    val_report_free(&r);
    val_measured_free(&m);
    json_decref(doc);
    th_rm_rf(dir);
    free(dir);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("validate");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, summary_exact);
    tcase_add_test(tc, ci_student_t_n3);
    tcase_add_test(tc, normalize_first);
    tcase_add_test(tc, normalize_curve);
    tcase_add_test(tc, normalize_max);
    tcase_add_test(tc, norm_names);
    suite_add_tcase(s, tc);
    TCase *in = tcase_create("input");
    tcase_add_test(in, measured_ok);
    tcase_add_test(in, measured_errors);
    tcase_set_timeout(in, 60);
    suite_add_tcase(s, in);
    TCase *run = tcase_create("runs");
    tcase_add_test(run, run_inprocess);
    tcase_add_test(run, sensitivity_values);
    tcase_add_test(run, cli_validate_and_sweep);
    tcase_add_test(run, from_sweep_matches_axes);
    tcase_set_timeout(run, 300);
    suite_add_tcase(s, run);
    return s;
}
