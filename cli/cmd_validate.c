/* cmd_validate.c - `vmsim validate SCENARIO --measured FILE.csv ...`: runs
 * the scenario at every measured point (or reads an existing sweep) and
 * compares: per-point error and 95% CI, MAPE, RMSE, CI coverage, USL fits,
 * an overlay plot (analysis/validate.h, docs/validation.md). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/validate.h"
#include "cli/cmd_validate.h"
#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/progress.h"
#include "sim/err.h"
#include "sim/mem.h"


const char validate_usage[] =
    "usage: vmsim validate SCENARIO --measured FILE.csv [-o DIR] [--metric COLUMN]\n"
    "                      [--seeds N | --sweep DIR] [-j N] [--set PATH=VALUE]...\n"
    "                      [--normalize first|max|none|curve:AXIS=VALUE] [--x COLUMN]\n"
    "                      [--plot | --no-plot] [-q]\n"
    "\n"
    "Compares the scenario's predictions with measurements. The CSV's header names\n"
    "its axes (scenario paths such as vms.vcpus, or axes of the scenario's sweep\n"
    "section such as kernel) and one metric column (a results.csv column of a\n"
    "sweep: throughput_total, ops_per_s, ...). Every row runs with seeds 1..N and\n"
    "is compared with the mean and its 95% confidence interval. See\n"
    "docs/validation.md.\n"
    "\n"
    "  --measured FILE   the measured CSV (required; - reads standard input)\n"
    "  -o, --output DIR          output directory (default validation-out): validation.json,\n"
    "                    validation.csv, overlay.png/.svg, runs/ (the runs, a sweep\n"
    "                    directory, rewritten every time)\n"
    "  --metric COLUMN   the measured column (default: the first column that is\n"
    "                    neither an axis nor *_sd / *_ci*)\n"
    "  --seeds N         seeds per point (default 3: seeds 1..3)\n"
    "  --sweep DIR       take the predictions from the results.csv of a sweep of\n"
    "                    this scenario instead of running\n"
    "  -j, --jobs N      run in N worker processes (default 1: in this process)\n"
    "  --set PATH=VALUE  override a scenario value (repeatable)\n"
    "  --normalize MODE  first: divide each series by its value at its smallest x\n"
    "                    (per seed for the predictions); max: by its largest\n"
    "                    value; curve:AXIS=VALUE: each row by the row of that\n"
    "                    series at the same x (per seed), e.g. curve:kernel=tas\n"
    "                    compares every kernel with tas; none (default)\n"
    "  --x COLUMN        the numeric axis of the series and the USL fits (default:\n"
    "                    the last numeric axis that varies)\n"
    "  --plot            insist on the overlay plot (warn without gnuplot); by\n"
    "                    default it is rendered when gnuplot is on PATH\n"
    "  --no-plot         no overlay files\n"
    "  -q, --quiet       no progress or file messages on stderr\n"
    "\n"
    "Exit status: 0 compared, 2 bad input or usage, 1 internal error or a failed\n"
    "run, 130 interrupted.\n";

/* The parsed command line. */

enum { VAL_MEASURED = 256, VAL_METRIC, VAL_SEEDS, VAL_SET, VAL_NORMALIZE, VAL_X, VAL_SWEEP,
       VAL_PLOT, VAL_NO_PLOT, VAL_PARAM, VAL_VALUES };

#define VAL_COMMON_OPTS                                                                           \
    {"measured", 0, "FILE", VAL_MEASURED}, {"output", 'o', "DIR", 'o'},                           \
        {"metric", 0, "COLUMN", VAL_METRIC}, {"seeds", 0, "N", VAL_SEEDS},                        \
        {"jobs", 'j', "N", 'j'}, {"set", 0, "PATH=VALUE", VAL_SET},                               \
        {"normalize", 0, "MODE", VAL_NORMALIZE}, {"x", 0, "COLUMN", VAL_X},                       \
        {"quiet", 'q', NULL, 'q'}

const args_opt validate_options[] = {
    VAL_COMMON_OPTS,
    {"sweep", 0, "DIR", VAL_SWEEP},
    {"plot", 0, NULL, VAL_PLOT},
    {"no-plot", 0, NULL, VAL_NO_PLOT},
    {0, 0, 0, 0},
};

const args_opt sens_options[] = {
    VAL_COMMON_OPTS,
    {"param", 0, "PATH", VAL_PARAM},
    {"values", 0, "A,B,...", VAL_VALUES},
    {0, 0, 0, 0},
};

int validate_parse(int argc, char **argv, int sensitivity, validate_args *a, vs_err *err)
{
    const char *cmd = sensitivity ? "sensitivity" : "validate";
    memset(a, 0, sizeof *a);
    a->dir = sensitivity ? "sensitivity-out" : "validation-out";
    a->nseeds = VAL_DEFAULT_SEEDS;
    a->jobs = 1;
    args_parser p;
    args_init(&p, cmd, sensitivity ? sens_options : validate_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        const char *v = p.val;
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
            return err_input(err, "%s needs a value", p.opt);
        switch (id) {
        case 'q': a->quiet = 1; break;
        case VAL_PLOT: a->plot = 1; break;
        case VAL_NO_PLOT: a->plot = -1; break;
        case VAL_MEASURED:
            if (!(a->measured = args_input(v, "stdin.csv", err->msg, sizeof err->msg)))
                return err_input(err, "%s", err->msg);
            break;
        case 'o': a->dir = v; break;
        case VAL_METRIC: a->metric = v; break;
        case VAL_SWEEP: a->sweep = v; break;
        case VAL_PARAM: a->param = v; break;
        case VAL_VALUES: a->values = v; break;
        case VAL_X: a->xcol = v; break;
        case VAL_NORMALIZE:
            a->norm_ref = NULL;
            if (sensitivity ? val_parse_norm(v, &a->norm, err)
                            : val_parse_norm_ref(v, &a->norm, &a->norm_ref, err))
                return -1;
            break;
        case VAL_SEEDS:
            if (args_int_opt("--seeds", v, 1, VAL_MAX_SEEDS, &a->nseeds, err))
                return -1;
            a->seeds_given = 1;
            break;
        case 'j':
            if (args_int_opt("-j", v, 1, SRUN_MAX_JOBS, &a->jobs, err))
                return -1;
            break;
        case VAL_SET:
            if (a->nsets >= VALIDATE_MAX_SETS)
                return err_input(err, "more than %d --set options", VALIDATE_MAX_SETS);
            a->sets[a->nsets++] = (char *)v;
            break;
        }
    }
    if (!a->file)
        return err_input(err, "missing SCENARIO");
    if (!a->measured)
        return err_input(err, "missing --measured FILE.csv");
    if (a->sweep && a->seeds_given)
        return err_input(err, "--seeds and --sweep exclude each other (the sweep's seeds are "
                              "used)");
    if (sensitivity && !a->param)
        return err_input(err, "missing --param PATH");
    if (sensitivity && !a->values)
        return err_input(err, "missing --values A,B,...");
    return 0;
}

/* The command; returns the exit status. */
static int validate_main(int argc, char **argv, const validate_args *a, vs_err *err)
{
    json_t *doc = val_load_scenario(a->file, a->sets, a->nsets, err);
    if (!doc)
        return err->code ? err->code : VS_EXIT_INPUT;
    val_measured m;
    val_report r = {0};
    int rc = VS_EXIT_OK;
    if (val_measured_read(a->measured, doc, a->file, a->metric, a->xcol, &m, err)) {
        json_decref(doc);
        return err->code ? err->code : VS_EXIT_INPUT;
    }
    const char *metric = m.t.names[m.metric_col];
    if (!val_known_metric(metric) && !a->quiet)
        fprintf(stderr, "vmsim validate: warning: \"%s\" is not a results column vmsim always "
                        "writes; it must be one of this workload's metrics\n",
                metric);
    val_report_init(&r, &m, a->file, a->norm);
    if (a->norm_ref)
        r.norm_ref = vs_xstrdup(a->norm_ref);
    int bad = val_norm_check(&r, err); /* a bad curve: fails before anything runs */
    if (!bad && a->sweep) {
        bad = val_from_sweep(&m, a->sweep, &r, err);
    } else if (!bad) {
        char rundir[4200], runcmd[8192];
        snprintf(rundir, sizeof rundir, "%s/runs", a->dir);
        val_run_opts o = {.dir = rundir, .nseeds = a->nseeds, .jobs = a->jobs,
                          .quiet = a->quiet,
                          .run_cmd = val_run_command(runcmd, sizeof runcmd, a->file, a->sets,
                                                     a->nsets)};
        prog_bar bar = {0};
        if (!a->quiet) {
            o.progress = prog_report;
            o.progress_ctx = &bar;
        }
        bad = val_run(&m, doc, a->file, &o, &r, err);
        if (bad && o.interrupted)
            rc = 130;
    }
    if (!bad)
        bad = val_compute(&r, err);
    if (!bad) {
        val_print(stdout, &r);
        char cmdline[8192];
        bad = val_write(&r, a->dir, val_command_line(cmdline, sizeof cmdline, argc, argv), err);
    }
    int plotted = 0;
    if (!bad && a->plot >= 0) {
        plotted = val_plot(&r, a->dir, err);
        bad = plotted < 0;
        if (plotted == 0 && a->plot > 0)
            fprintf(stderr, "vmsim validate: warning: gnuplot is not on PATH; wrote %s/overlay.gp "
                            "and overlay.dat. Render with: cd %s && gnuplot overlay.gp (Debian: "
                            "apt-get install gnuplot-nox)\n",
                    a->dir, a->dir);
    }
    if (!bad && !a->quiet)
        fprintf(stderr, "validate: wrote %s/validation.json, %s/validation.csv%s%s%s\n", a->dir,
                a->dir, plotted > 0 ? ", " : "", plotted > 0 ? a->dir : "",
                plotted > 0 ? "/overlay.png and .svg" : "");
    if (bad && rc == VS_EXIT_OK)
        rc = err->code ? err->code : VS_EXIT_INTERNAL;
    val_report_free(&r);
    val_measured_free(&m);
    json_decref(doc);
    return rc;
}

int cmd_validate(int argc, char **argv)
{
    validate_args a;
    vs_err err = {0};
    if (validate_parse(argc, argv, 0, &a, &err)) {
        return args_usage_error("validate", "%s", err.msg);
    }
    if (a.help) {
        fputs(validate_usage, stdout);
        return VS_EXIT_OK;
    }
    int rc = validate_main(argc, argv, &a, &err);
    if (rc != VS_EXIT_OK)
        fprintf(stderr, "vmsim validate: %s\n", err.msg);
    else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vmsim validate: cannot write the output: %s\n", strerror(errno));
        return VS_EXIT_INTERNAL;
    }
    return rc;
}
