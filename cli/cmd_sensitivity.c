/* cmd_sensitivity.c - `vmsim sensitivity SCENARIO --measured FILE.csv
 * --param PATH --values a,b,c ...`: the validation of `vmsim validate`
 * repeated for every value of one parameter, so that one sees which
 * parameter matters and which value fits best (analysis/validate.h,
 * docs/validation.md). */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/validate.h"
#include "cli/cmd_validate.h"
#include "cli/cmds.h"
#include "cli/progress.h"
#include "sim/err.h"
#include "sim/mem.h"


const char sens_usage[] =
    "usage: vmsim sensitivity SCENARIO --measured FILE.csv --param PATH --values A,B,...\n"
    "                         [--seeds N] [-o DIR] [--metric COLUMN] [-j N]\n"
    "                         [--set PATH=VALUE]... [--normalize first|max|none]\n"
    "                         [--x COLUMN] [-q]\n"
    "\n"
    "Runs the validation of 'vmsim validate' once per value of a parameter (a\n"
    "scenario path, or an axis of the scenario's sweep section) and reports MAPE,\n"
    "RMSE and 95% CI coverage per value, marking the value of least MAPE.\n"
    "Writes DIR/sensitivity.json and DIR/sensitivity.csv (default DIR:\n"
    "sensitivity-out; the runs go to DIR/runs). See docs/validation.md.\n"
    "\n"
    "  --param PATH      the parameter, e.g. hypervisor.ple.window or kernel\n"
    "  --values A,B,...  its values, comma-separated; each is read like a --set\n"
    "                    VALUE (JSON if it parses, else text)\n"
    "  --measured FILE   the measured CSV (required; - reads standard input)\n"
    "  -o, --output DIR  output directory (default sensitivity-out)\n"
    "  -j, --jobs N      run in N worker processes (default 1)\n"
    "  -q, --quiet       no progress or file messages on stderr\n"
    "  --seeds, --metric, --set, --normalize, --x   as for vmsim validate\n"
    "\n"
    "Exit status: 0 done, 2 bad input or usage, 1 internal error or a failed run,\n"
    "130 interrupted.\n";

/* The parsed command line. */
/* Splits "a,b,c" into a JSON array (each value as --set reads it) and its
 * labels (the texts as given, trimmed). */
static int sens_values(const char *text, json_t **values, char ***labels, int *n, vs_err *err)
{
    *values = json_array();
    *labels = NULL;
    *n = 0;
    const char *p = text;
    for (;;) {
        size_t l = strcspn(p, ",");
        const char *s = p, *e = p + l;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e == s)
            return err_input(err, "--values %s: empty value (item %d)", text, *n + 1);
        if (*n >= VAL_MAX_VALUES)
            return err_input(err, "--values: more than %d values", VAL_MAX_VALUES);
        char *lab = vs_xmalloc((size_t)(e - s) + 1);
        memcpy(lab, s, (size_t)(e - s));
        lab[e - s] = 0;
        json_t *v = json_loads(lab, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
        if (!v)
            v = json_string(lab);
        if (!v) {
            free(lab);
            return err_input(err, "--values: a value is not UTF-8");
        }
        json_array_append_new(*values, v);
        *labels = vs_xreallocarray(*labels, (size_t)*n + 1, sizeof(char *));
        (*labels)[(*n)++] = lab;
        if (!p[l])
            break;
        p += l + 1;
    }
    return 0;
}

static int sens_main(int argc, char **argv, const validate_args *a, vs_err *err)
{
    json_t *values = NULL;
    char **labels = NULL;
    int nv = 0, rc = VS_EXIT_OK, bad = 0;
    val_report *reps = NULL;
    val_measured m = {0};
    json_t *doc = NULL;
    if (sens_values(a->values, &values, &labels, &nv, err)) {
        rc = VS_EXIT_INPUT;
        goto out;
    }
    doc = val_load_scenario(a->file, a->sets, a->nsets, err);
    if (!doc || val_measured_read(a->measured, doc, a->file, a->metric, a->xcol, &m, err)) {
        rc = err->code ? err->code : VS_EXIT_INPUT;
        goto out;
    }
    const char *metric = m.t.names[m.metric_col];
    if (!val_known_metric(metric) && !a->quiet)
        fprintf(stderr, "vmsim sensitivity: warning: \"%s\" is not a results column vmsim always "
                        "writes; it must be one of this workload's metrics\n",
                metric);
    reps = vs_xcalloc((size_t)nv, sizeof *reps);
    for (int k = 0; k < nv; k++)
        val_report_init(&reps[k], &m, a->file, a->norm);
    char rundir[4200], runcmd[8192];
    snprintf(rundir, sizeof rundir, "%s/runs", a->dir);
    val_run_opts o = {.dir = rundir, .nseeds = a->nseeds, .jobs = a->jobs, .quiet = a->quiet,
                      .run_cmd = val_run_command(runcmd, sizeof runcmd, a->file, a->sets,
                                                 a->nsets),
                      .param = a->param, .values = values};
    prog_bar bar = {0};
    if (!a->quiet) {
        o.progress = prog_report;
        o.progress_ctx = &bar;
    }
    bad = val_run(&m, doc, a->file, &o, reps, err);
    if (bad && o.interrupted)
        rc = 130;
    for (int k = 0; k < nv && !bad; k++) {
        bad = val_compute(&reps[k], err);
        if (bad)
            err_prefix(err, "%s=%s", a->param, labels[k]);
    }
    if (!bad) {
        val_sens_print(stdout, a->param, labels, reps, nv);
        char cmdline[8192];
        bad = val_sens_write(a->dir, a->param, values, labels, reps, nv,
                             val_command_line(cmdline, sizeof cmdline, argc, argv), err);
    }
    if (!bad && !a->quiet)
        fprintf(stderr, "sensitivity: wrote %s/sensitivity.json and %s/sensitivity.csv\n", a->dir,
                a->dir);
    if (bad && rc == VS_EXIT_OK)
        rc = err->code ? err->code : VS_EXIT_INTERNAL;
out:
    for (int k = 0; reps && k < nv; k++)
        val_report_free(&reps[k]);
    free(reps);
    for (int k = 0; k < nv; k++)
        free(labels[k]);
    free(labels);
    json_decref(values);
    val_measured_free(&m);
    json_decref(doc);
    return rc;
}

int cmd_sensitivity(int argc, char **argv)
{
    validate_args a;
    vs_err err = {0};
    if (validate_parse(argc, argv, 1, &a, &err)) {
        return args_usage_error("sensitivity", "%s", err.msg);
    }
    if (a.help) {
        fputs(sens_usage, stdout);
        return VS_EXIT_OK;
    }
    int rc = sens_main(argc, argv, &a, &err);
    if (rc != VS_EXIT_OK)
        fprintf(stderr, "vmsim sensitivity: %s\n", err.msg);
    else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "vmsim sensitivity: cannot write the output: %s\n", strerror(errno));
        return VS_EXIT_INTERNAL;
    }
    return rc;
}
