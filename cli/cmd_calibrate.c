/* cmd_calibrate.c - `vmsim calibrate SCENARIO --measured FILE.csv --param
 * PATH:LO:HI[:log] ...`: fits scenario parameters to measurements with
 * Nelder-Mead on validate's comparison, holding rows out of the fit or
 * cross-validating over a column (analysis/calibrate.h, docs/calibrate.md);
 * with --dataset (repeatable) one fit over several scenarios and CSVs, and
 * --cv-datasets leaves each dataset out in turn (analysis/calxval.h). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/calibrate.h"
#include "analysis/calxval.h"
#include "analysis/sweep.h"
#include "analysis/validate.h"
#include "cli/args.h"
#include "cli/cmds.h"
#include "sim/err.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define CALIB_MAX_SETS 256

const char calib_usage[] =
    "usage: vmsim calibrate SCENARIO --measured FILE.csv --param PATH:LO:HI[:log][:START]...\n"
    "                       [--metric COLUMN] [--normalize none|first|max] [--x COLUMN]\n"
    "                       [--holdout SPEC | --cv COLUMN] [--objective logrmse|mape|rmse]\n"
    "                       [--max-iter N] [--tol X] [--seeds N] [-o DIR] [-j N]\n"
    "                       [--set PATH=VALUE]... [-q]\n"
    "       vmsim calibrate --dataset [NAME=]SCENARIO:MEASURED.csv[:METRIC[:NORMALIZE]]...\n"
    "                       --param PATH:LO:HI[:log][:START]... [--cv-datasets]\n"
    "                       [--metric COLUMN] [--normalize MODE] [--objective F]\n"
    "                       [--max-iter N] [--tol X] [--seeds N] [-o DIR] [-j N]\n"
    "                       [--set PATH=VALUE]... [-q]\n"
    "\n"
    "Fits scenario parameters to a measured CSV (the CSV of 'vmsim validate'):\n"
    "Nelder-Mead minimises the objective of the predictions against the fit rows,\n"
    "each evaluation running the fit rows as 'vmsim validate' does (same seeds for\n"
    "every vector). Then every row runs at the fitted values and the errors are\n"
    "reported separately for the fit rows and the held-out rows. See\n"
    "docs/calibrate.md.\n"
    "\n"
    "  --param PATH:LO:HI[:log][:START]  a parameter (repeatable, at least one): a\n"
    "                    scenario path as --set takes it, its bounds, log scale,\n"
    "                    and a start strictly inside (default: the scenario's\n"
    "                    value when inside, else the midpoint)\n"
    "  --holdout SPEC    rows held out of the fit: none (default), every:K,\n"
    "                    COL=V[,V...], COL>=X, COL<=X, COL>X, COL<X\n"
    "  --cv COLUMN       leave-one-group-out cross-validation over COLUMN's values,\n"
    "                    then a fit on all rows\n"
    "  --dataset [NAME=]SCENARIO:MEASURED.csv[:METRIC[:NORMALIZE]]\n"
    "                    a dataset of a fit over several (repeatable, instead of\n"
    "                    SCENARIO --measured): the same parameters set in every\n"
    "                    scenario, the objective the mean of the datasets' (each\n"
    "                    weighted equally); METRIC, NORMALIZE default to --metric,\n"
    "                    --normalize; NAME to the CSV's base name\n"
    "  --cv-datasets     leave-one-dataset-out: fit on all datasets but one, predict\n"
    "                    it, for each; then a fit on all\n"
    "  --objective F     logrmse (default: RMS of ln(predicted/measured)), mape, rmse\n"
    "  --max-iter N      simulated evaluations at most (default 40)\n"
    "  --tol X           stop when the simplex is smaller than X in the logit space\n"
    "                    (default 0.001)\n"
    "  --seeds N         seeds 1..N per point (default 3)\n"
    "  -o, --output DIR  write DIR/calibration.json, DIR/fitted.json (with --dataset\n"
    "                    DIR/fitted-NAME.json each); runs in DIR/runs (DIR/runs/NAME)\n"
    "                    (default: no files, runs in a temporary directory)\n"
    "  -j, --jobs N      run each evaluation's points in N worker processes\n"
    "  --metric, --normalize, --x, --set   as for vmsim validate\n"
    "  -q, --quiet       no progress lines on stderr\n"
    "\n"
    "Exit status: 0 done, 2 bad input or usage, 1 internal error or a failed run,\n"
    "130 interrupted.\n";

/* The parsed command line. */
typedef struct calib_args {
    const char *file;                /* the scenario */
    const char *measured;            /* --measured */
    const char *dir;                 /* -o or NULL */
    const char *metric;              /* --metric or NULL */
    const char *xcol;                /* --x or NULL */
    const char *holdout;             /* --holdout or NULL */
    const char *cv;                  /* --cv or NULL */
    cx_dataset ds[CX_MAX_DATASETS];  /* --dataset (owned) */
    int nd;                          /* number of --dataset */
    int cv_datasets;                 /* --cv-datasets */
    cal_param params[CAL_MAX_PARAMS];/* --param (owned paths) */
    int np;                          /* number of --param */
    cal_objective objective;         /* --objective */
    val_norm norm;                   /* --normalize */
    int max_evals;                   /* --max-iter */
    double tol;                      /* --tol */
    int nseeds;                      /* --seeds */
    int jobs;                        /* -j */
    int quiet;                       /* -q */
    int help;                        /* --help */
    char *sets[CALIB_MAX_SETS];      /* --set (borrowed from argv) */
    int nsets;                       /* number of --set */
} calib_args;

enum { CAL_O_MEASURED = 256, CAL_O_METRIC, CAL_O_X, CAL_O_HOLDOUT, CAL_O_CV, CAL_O_PARAM,
       CAL_O_OBJECTIVE, CAL_O_NORMALIZE, CAL_O_MAX_ITER, CAL_O_TOL, CAL_O_SEEDS, CAL_O_SET,
       CAL_O_DATASET, CAL_O_CV_DATASETS };

const args_opt calib_options[] = {
    {"measured", 0, "FILE", CAL_O_MEASURED},
    {"param", 0, "PATH:LO:HI[:log][:START]", CAL_O_PARAM},
    {"metric", 0, "COLUMN", CAL_O_METRIC},
    {"normalize", 0, "MODE", CAL_O_NORMALIZE},
    {"x", 0, "COLUMN", CAL_O_X},
    {"holdout", 0, "SPEC", CAL_O_HOLDOUT},
    {"cv", 0, "COLUMN", CAL_O_CV},
    {"dataset", 0, "[NAME=]SCENARIO:MEASURED.csv[:METRIC[:NORMALIZE]]", CAL_O_DATASET},
    {"cv-datasets", 0, NULL, CAL_O_CV_DATASETS},
    {"objective", 0, "F", CAL_O_OBJECTIVE},
    {"max-iter", 0, "N", CAL_O_MAX_ITER},
    {"tol", 0, "X", CAL_O_TOL},
    {"seeds", 0, "N", CAL_O_SEEDS},
    {"output", 'o', "DIR", 'o'},
    {"jobs", 'j', "N", 'j'},
    {"set", 0, "PATH=VALUE", CAL_O_SET},
    {"quiet", 'q', NULL, 'q'},
    {0, 0, 0, 0},
};

/* Frees the parameters' paths. Safe after a failed parse. */
static void calib_args_free(calib_args *a)
{
    for (int i = 0; i < a->np; i++)
        cal_param_free(&a->params[i]);
    a->np = 0;
    for (int d = 0; d < a->nd; d++)
        cx_dataset_free(&a->ds[d]);
    a->nd = 0;
}

/* Parses the arguments after the command name. Returns 0 (a->help set for
 * --help) or -1 with err; free a with calib_args_free either way. */
static int calib_parse(int argc, char **argv, calib_args *a, vs_err *err)
{
    memset(a, 0, sizeof *a);
    a->max_evals = CAL_DEFAULT_EVALS;
    a->tol = CAL_DEFAULT_TOL;
    a->nseeds = VAL_DEFAULT_SEEDS;
    a->jobs = 1;
    args_parser p;
    args_init(&p, "calibrate", calib_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        const char *v = p.val, *s = p.opt;
        if (id == ARGS_HELP) {
            a->help = 1;
            return 0;
        }
        if (id == ARGS_ERR)
            return err_input(err, "%s", p.err);
        if (id == ARGS_POS) {
            if (a->file)
                return err_input(err, "unexpected argument %s (one SCENARIO)", v);
            if (!(a->file = args_input(v, "stdin.json", err->msg, sizeof err->msg)))
                return err_input(err, "%s", err->msg);
            continue;
        }
        if (v && !v[0])
            return err_input(err, "%s needs a value", s);
        switch (id) {
        case 'q': a->quiet = 1; break;
        case CAL_O_CV_DATASETS: a->cv_datasets = 1; break;
        case CAL_O_DATASET:
            if (a->nd >= CX_MAX_DATASETS)
                return err_input(err, "more than %d --dataset options", CX_MAX_DATASETS);
            if (cx_parse_dataset(v, &a->ds[a->nd], err))
                return -1;
            a->nd++;
            break;
        case CAL_O_MEASURED:
            if (!(a->measured = args_input(v, "stdin.csv", err->msg, sizeof err->msg)))
                return err_input(err, "%s", err->msg);
            break;
        case 'o': a->dir = v; break;
        case CAL_O_METRIC: a->metric = v; break;
        case CAL_O_X: a->xcol = v; break;
        case CAL_O_HOLDOUT: a->holdout = v; break;
        case CAL_O_CV: a->cv = v; break;
        case CAL_O_PARAM:
            if (a->np >= CAL_MAX_PARAMS)
                return err_input(err, "more than %d --param options", CAL_MAX_PARAMS);
            if (cal_parse_param(v, &a->params[a->np], err))
                return -1;
            a->np++;
            break;
        case CAL_O_OBJECTIVE:
            if (cal_parse_objective(v, &a->objective, err))
                return -1;
            break;
        case CAL_O_NORMALIZE:
            if (val_parse_norm(v, &a->norm, err))
                return -1;
            break;
        case CAL_O_MAX_ITER:
            if (args_int_opt("--max-iter", v, 1, CAL_MAX_EVALS, &a->max_evals, err))
                return -1;
            break;
        case CAL_O_TOL: {
            char *end;
            errno = 0;
            a->tol = strtod(v, &end);
            if (*end || errno || !(a->tol > 0) || a->tol > 1e6)
                return err_input(err, "--tol %s: expected a number > 0", v);
            break;
        }
        case CAL_O_SEEDS:
            if (args_int_opt("--seeds", v, 1, VAL_MAX_SEEDS, &a->nseeds, err))
                return -1;
            break;
        case 'j':
            if (args_int_opt("-j", v, 1, SWEEP_MAX_JOBS, &a->jobs, err))
                return -1;
            break;
        case CAL_O_SET:
            if (a->nsets >= CALIB_MAX_SETS)
                return err_input(err, "more than %d --set options", CALIB_MAX_SETS);
            a->sets[a->nsets++] = (char *)v;
            break;
        }
    }
    if (a->nd) {
        if (a->file || a->measured)
            return err_input(err, "--dataset replaces SCENARIO and --measured: give every "
                                  "scenario and CSV as a --dataset");
        if (a->holdout || a->cv || a->xcol)
            return err_input(err, "--%s works on one CSV; with --dataset use --cv-datasets "
                                  "(each CSV's x axis is chosen as validate does)",
                             a->holdout ? "holdout" : a->cv ? "cv" : "x");
        if (a->np == 0)
            return err_input(err, "missing --param PATH:LO:HI[:log] (at least one parameter "
                                  "to fit)");
        if (a->cv_datasets && a->nd < 2)
            return err_input(err, "--cv-datasets needs at least 2 --dataset options, found 1");
        return 0;
    }
    if (a->cv_datasets)
        return err_input(err, "--cv-datasets needs --dataset (at least 2)");
    if (!a->file)
        return err_input(err, "missing SCENARIO");
    if (!a->measured)
        return err_input(err, "missing --measured FILE.csv");
    if (a->np == 0)
        return err_input(err, "missing --param PATH:LO:HI[:log] (at least one parameter to fit)");
    if (a->cv && a->holdout)
        return err_input(err, "--cv and --holdout exclude each other (--cv holds out each group "
                              "in turn)");
    return 0;
}

/* Removes the temporary run directory this command made: its regular
 * files, those of its points/ folder, and the folders. */
static void calib_rm_rundir(const char *dir)
{
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/points", dir);
    const char *dirs[] = {sub, dir};
    for (int k = 0; k < 2; k++) {
        DIR *d = opendir(dirs[k]);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            char p[4500];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", dirs[k], e->d_name);
            if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
                unlink(p);
        }
        closedir(d);
        rmdir(dirs[k]);
    }
}

/* The directory the predictions run in: DIR/runs with -o DIR (DIR made),
 * else a new temporary directory (*tmp set: the caller removes it).
 * Returns 0, or -1 with err filled. */
static int cal_rundir(const char *dir, char *rundir, size_t n, int *tmp, vs_err *err)
{
    if (dir) {
        if (fsu_mkdirs(dir, err))
            return -1;
        snprintf(rundir, n, "%s/runs", dir);
        return 0;
    }
    const char *t = getenv("TMPDIR");
    snprintf(rundir, n, "%s/vmsim-calibrate-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(rundir))
        return err_internal(err, "%s: cannot create a temporary run directory: %s", rundir,
                            strerror(errno));
    *tmp = 1;
    return 0;
}

/* The command: checks everything, fits (and cross-validates), prints,
 * writes. Returns the exit status. */
static int calib_main(int argc, char **argv, calib_args *a, vs_err *err)
{
    int rc = VS_EXIT_OK, interrupted = 0, *held = NULL, tmpdir = 0;
    val_measured m = {0};
    cal_split split = {0};
    cal_fit fit = {0};
    cal_cv cv = {0};
    json_t *doc = val_load_scenario(a->file, a->sets, a->nsets, err), *out = NULL, *fd = NULL;
    char rundir[4200] = "", runcmd[8192], cmdline[8192], path[4300];
    if (!doc || val_measured_read(a->measured, doc, a->file, a->metric, a->xcol, &m, err))
        goto fail;
    const char *metric = m.t.names[m.metric_col];
    if (!val_known_metric(metric) && !a->quiet)
        fprintf(stderr, "vmsim calibrate: warning: \"%s\" is not a results column vmsim always "
                        "writes; it must be one of this workload's metrics\n",
                metric);
    if (cal_check_params(doc, a->file, &m, a->measured, a->metric, a->xcol, a->params, a->np,
                         err))
        goto fail;
    held = vs_xcalloc((size_t)m.t.nrows, sizeof(int));
    if (cal_parse_split(a->holdout ? a->holdout : "none", &split, err) ||
        cal_split_rows(&split, &m.t, held, err))
        goto fail;
    if (cal_rundir(a->dir, rundir, sizeof rundir, &tmpdir, err))
        goto fail;
    cal_opts o = {.file = a->file, .base = doc, .csv = a->measured, .metric = a->metric,
                  .xcol = a->xcol, .norm = a->norm, .objective = a->objective,
                  .nseeds = a->nseeds, .jobs = a->jobs, .max_evals = a->max_evals,
                  .tol = a->tol, .rundir = rundir,
                  .run_cmd = val_run_command(runcmd, sizeof runcmd, a->file, a->sets, a->nsets),
                  .quiet = a->quiet};
    if (a->cv) {
        if (cal_cv_run(&o, a->params, a->np, a->cv, &cv, &interrupted, err))
            goto fail;
        o.tag = "[all rows]";
    }
    if (cal_run(&o, a->params, a->np, a->cv ? NULL : held, &fit, &interrupted, err))
        goto fail;
    if (a->cv) {
        cal_cv_print(stdout, &cv, a->params, a->np, a->objective);
        printf("\nThe fit on all rows:\n\n");
    }
    cal_print(stdout, &fit, a->params, a->np, a->objective);
    if (a->dir) {
        val_command_line(cmdline, sizeof cmdline, argc, argv);
        out = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:i,s:i,s:f,s:f,s:o,s:o,s:o}",
                        "vmsim_version", VMSIM_VERSION, "command_line", cmdline, "scenario_file",
                        a->file, "measured_file", a->measured, "metric", metric, "normalize",
                        val_norm_name(a->norm), "x",
                        fit.final.xname ? json_string(fit.final.xname) : json_null(),
                        "objective", cal_objective_name(a->objective), "seeds", a->nseeds,
                        "max_iter", a->max_evals, "tol", a->tol, "step", CAL_STEP, "holdout",
                        a->cv ? json_null() : json_string(split.spec), "cv",
                        a->cv ? cal_cv_json(&cv, a->params, a->np) : json_null(),
                        "calibration", cal_fit_json(&fit, a->params, a->np));
        snprintf(path, sizeof path, "%s/calibration.json", a->dir);
        if (cal_write_json(path, out, err))
            goto fail;
        char note[8192 + 64];
        snprintf(note, sizeof note, "fitted by: %s", cmdline);
        fd = cal_fitted_doc(doc, a->file, a->params, a->np, fit.fitted, note, err);
        snprintf(path, sizeof path, "%s/fitted.json", a->dir);
        if (!fd || cal_write_json(path, fd, err))
            goto fail;
        if (!a->quiet)
            fprintf(stderr, "calibrate: wrote %s/calibration.json and %s/fitted.json\n", a->dir,
                    a->dir);
    }
    goto done;
fail:
    rc = interrupted ? 130 : err->code ? err->code : VS_EXIT_INPUT;
done:
    if (tmpdir)
        calib_rm_rundir(rundir);
    json_decref(out);
    json_decref(fd);
    cal_fit_free(&fit);
    cal_cv_free(&cv);
    cal_split_free(&split);
    free(held);
    val_measured_free(&m);
    json_decref(doc);
    return rc;
}

/* The command with --dataset: loads and checks every dataset, fits on all
 * (after the folds of --cv-datasets), prints, writes. Returns the exit
 * status. */
static int calib_multi_main(int argc, char **argv, calib_args *a, vs_err *err)
{
    int rc = VS_EXIT_OK, interrupted = 0, tmpdir = 0;
    cx_fit fit = {0};
    cx_cv cv = {0};
    json_t *out = NULL;
    char rundir[4200] = "", cmdline[8192], path[4300];
    if (cx_load(a->ds, a->nd, a->sets, a->nsets, a->metric, a->norm, a->params, a->np, err))
        goto fail;
    for (int d = 0; d < a->nd; d++) {
        const char *metric = a->ds[d].m.t.names[a->ds[d].m.metric_col];
        if (!val_known_metric(metric) && !a->quiet)
            fprintf(stderr, "vmsim calibrate: warning: dataset %s: \"%s\" is not a results "
                            "column vmsim always writes; it must be one of this workload's "
                            "metrics\n",
                    a->ds[d].name, metric);
    }
    if (cal_rundir(a->dir, rundir, sizeof rundir, &tmpdir, err))
        goto fail;
    for (int d = 0; d < a->nd; d++) {
        char buf[8192];
        snprintf(path, sizeof path, "%s/%s", rundir, a->ds[d].name);
        a->ds[d].rundir = vs_xstrdup(path);
        a->ds[d].run_cmd =
            vs_xstrdup(val_run_command(buf, sizeof buf, a->ds[d].file, a->sets, a->nsets));
    }
    cal_opts o = {.objective = a->objective, .nseeds = a->nseeds, .jobs = a->jobs,
                  .max_evals = a->max_evals, .tol = a->tol, .quiet = a->quiet};
    if (a->cv_datasets) {
        if (cx_cv_run(&o, a->ds, a->nd, a->params, a->np, &cv, &interrupted, err))
            goto fail;
        o.tag = "[all datasets]";
    }
    if (cx_run(&o, a->ds, a->nd, NULL, a->params, a->np, 1, &fit, &interrupted, err))
        goto fail;
    if (a->cv_datasets) {
        cx_cv_print(stdout, &cv, a->ds, a->params, a->np, a->objective);
        printf("\nThe fit on all datasets:\n\n");
    }
    cx_print(stdout, &fit, a->ds, a->params, a->np, a->objective);
    if (a->dir) {
        val_command_line(cmdline, sizeof cmdline, argc, argv);
        out = json_pack("{s:s,s:s,s:o,s:s,s:i,s:i,s:f,s:f,s:s,s:o,s:o}", "vmsim_version",
                        VMSIM_VERSION, "command_line", cmdline, "datasets",
                        cx_datasets_json(a->ds, a->nd), "objective",
                        cal_objective_name(a->objective), "seeds", a->nseeds, "max_iter",
                        a->max_evals, "tol", a->tol, "step", CAL_STEP, "weighting",
                        "mean of the datasets' objectives, each dataset weighted equally",
                        "cv_datasets",
                        a->cv_datasets ? cx_cv_json(&cv, a->ds, a->params, a->np) : json_null(),
                        "calibration", cx_fit_json(&fit, a->ds, a->params, a->np));
        snprintf(path, sizeof path, "%s/calibration.json", a->dir);
        if (cal_write_json(path, out, err))
            goto fail;
        char note[8192 + 64];
        snprintf(note, sizeof note, "fitted by: %s", cmdline);
        for (int d = 0; d < a->nd; d++) {
            json_t *fd = cal_fitted_doc(a->ds[d].base, a->ds[d].file, a->params, a->np,
                                        fit.search.fitted, note, err);
            snprintf(path, sizeof path, "%s/fitted-%s.json", a->dir, a->ds[d].name);
            int bad = !fd || cal_write_json(path, fd, err);
            json_decref(fd);
            if (bad)
                goto fail;
        }
        if (!a->quiet)
            fprintf(stderr, "calibrate: wrote %s/calibration.json and %s/fitted-NAME.json\n",
                    a->dir, a->dir);
    }
    goto done;
fail:
    rc = interrupted ? 130 : err->code ? err->code : VS_EXIT_INPUT;
done:
    if (tmpdir) {
        for (int d = 0; d < a->nd; d++)
            if (a->ds[d].rundir)
                calib_rm_rundir(a->ds[d].rundir);
        rmdir(rundir);
    }
    json_decref(out);
    cx_fit_free(&fit);
    cx_cv_free(&cv);
    return rc;
}

int cmd_calibrate(int argc, char **argv)
{
    calib_args a;
    vs_err err = {0};
    if (calib_parse(argc, argv, &a, &err)) {
        calib_args_free(&a);
        return args_usage_error("calibrate", "%s", err.msg);
    }
    if (a.help) {
        fputs(calib_usage, stdout);
        calib_args_free(&a);
        return VS_EXIT_OK;
    }
    int rc = a.nd ? calib_multi_main(argc, argv, &a, &err) : calib_main(argc, argv, &a, &err);
    calib_args_free(&a);
    if (rc != VS_EXIT_OK)
        fprintf(stderr, "vmsim calibrate: %s\n", err.msg);
    else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vmsim calibrate: cannot write the output: %s\n", strerror(errno));
        return VS_EXIT_INTERNAL;
    }
    return rc;
}
