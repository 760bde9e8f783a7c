/* cmd_sweep.c - `vmsim sweep SCENARIO -o DIR [-j N] [--resume] [--set PATH=VALUE]... [--quiet]`:
 * runs every point of the scenario's sweep section in worker processes
 * (analysis/sweep.h, docs/sweep.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/sweep.h"
#include "cli/cmds.h"
#include "config/scenario.h"
#include "sim/err.h"
#include "sim/mem.h"

#define SWEEP_MAX_SETS 256

static const char sweep_usage[] =
    "usage: vmsim sweep SCENARIO -o DIR [-j N] [--resume] [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Runs every point of the scenario's \"sweep\" section (axes x seeds) and writes\n"
    "DIR/results.csv (one row per run), DIR/summary.csv (seeds aggregated: mean and\n"
    "95% confidence half-width), DIR/points/NNNNNN.json (each run's results) and\n"
    "DIR/sweep.json. See docs/sweep.md.\n"
    "\n"
    "  -o DIR            output directory (created if missing)\n"
    "  -j N              worker processes (default: the number of CPUs)\n"
    "  --resume          continue the sweep in DIR, skipping finished points\n"
    "  --set PATH=VALUE  override a scenario value before the sweep applies its\n"
    "                    axes, e.g. --set duration_s=0.5 (repeatable)\n"
    "  -q, --quiet       no progress output\n"
    "\n"
    "Ctrl-C stops handing out points and waits for the running ones (again: stops\n"
    "them); finished points are kept and --resume continues. Exit status: 0 done,\n"
    "2 bad input or usage, 1 internal error or a failed point, 130 interrupted.\n";

/* The parsed command line. */
typedef struct sweep_args {
    const char *file;                /* the scenario */
    const char *dir;                 /* -o */
    const char *jobs_text;           /* -j as given, or NULL */
    int jobs;                        /* -j, or the CPU count */
    int resume;                      /* --resume */
    int quiet;                       /* --quiet */
    int help;                        /* --help */
    char *sets[SWEEP_MAX_SETS];      /* --set assignments (borrowed from argv) */
    int nsets;                       /* number of --set */
} sweep_args;

/* Parses argv (argv[0] is "sweep"); usage errors fill err. */
static int sweep_parse_args(int argc, char **argv, sweep_args *a, vs_err *err)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *val = NULL;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            a->help = 1;
            return 0;
        }
        if (!strcmp(s, "--resume")) {
            a->resume = 1;
            continue;
        }
        if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
            continue;
        }
        if (!strncmp(s, "-j", 2) && s[2]) {
            a->jobs_text = s + 2;
            continue;
        }
        if (!strcmp(s, "-o") || !strcmp(s, "-j") || !strcmp(s, "--jobs") || !strcmp(s, "--set")) {
            if (i + 1 >= argc)
                return err_input(err, "%s needs a value", s);
            val = argv[++i];
            if (!strcmp(s, "-o")) {
                a->dir = val;
            } else if (!strcmp(s, "--set")) {
                if (a->nsets >= SWEEP_MAX_SETS)
                    return err_input(err, "more than %d --set options", SWEEP_MAX_SETS);
                a->sets[a->nsets++] = (char *)val;
            } else {
                a->jobs_text = val;
            }
            continue;
        }
        if (s[0] == '-' && s[1])
            return err_input(err, "unknown option %s (see 'vmsim sweep --help')", s);
        if (a->file)
            return err_input(err, "unexpected argument %s", s);
        a->file = s;
    }
    if (!a->file)
        return err_input(err, "missing SCENARIO");
    if (!a->dir)
        return err_input(err, "missing -o DIR (the output directory)");
    if (!a->dir[0])
        return err_input(err, "-o: empty directory name");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cpus > 0 ? (int)(cpus < SWEEP_MAX_JOBS ? cpus : SWEEP_MAX_JOBS) : 1;
    if (a->jobs_text) {
        char *end;
        long j = strtol(a->jobs_text, &end, 10);
        if (!*a->jobs_text || *end || j < 1 || j > SWEEP_MAX_JOBS)
            return err_input(err, "-j %s: expected a number of workers from 1 to %d", a->jobs_text,
                             SWEEP_MAX_JOBS);
        a->jobs = (int)j;
    }
    return 0;
}

/* "vmsim run FILE --set ..." and the command that resumes the sweep. */
static void sweep_commands(const sweep_args *a, char *run, size_t rn, char *res, size_t resn)
{
    snprintf(run, rn, "vmsim run ");
    sweep_shell_quote(run, rn, a->file);
    snprintf(res, resn, "vmsim sweep ");
    sweep_shell_quote(res, resn, a->file);
    size_t l = strlen(res);
    snprintf(res + l, resn - l, " -o ");
    sweep_shell_quote(res, resn, a->dir);
    if (a->jobs_text) {
        l = strlen(res);
        snprintf(res + l, resn - l, " -j %d", a->jobs);
    }
    l = strlen(res);
    snprintf(res + l, resn - l, " --resume");
    for (int i = 0; i < a->nsets; i++) {
        if (strncmp(a->sets[i], "sweep", 5) || !strchr("=.[", a->sets[i][5])) {
            /* `vmsim run` ignores the sweep section: leave it out */
            l = strlen(run);
            snprintf(run + l, rn - l, " --set ");
            sweep_shell_quote(run, rn, a->sets[i]);
        }
        l = strlen(res);
        snprintf(res + l, resn - l, " --set ");
        sweep_shell_quote(res, resn, a->sets[i]);
    }
    if (a->quiet) {
        l = strlen(res);
        snprintf(res + l, resn - l, " --quiet");
    }
}

int cmd_sweep(int argc, char **argv)
{
    sweep_args a;
    vs_err err = {0};
    if (sweep_parse_args(argc, argv, &a, &err)) {
        fprintf(stderr, "vmsim sweep: %s\n%s", err.msg, sweep_usage);
        return VS_EXIT_INPUT;
    }
    if (a.help) {
        fputs(sweep_usage, stdout);
        return 0;
    }
    json_t *doc = sc_read_json(a.file, &err);
    for (int i = 0; doc && i < a.nsets; i++)
        if (sc_apply_set(doc, a.sets[i], &err)) {
            json_decref(doc);
            doc = NULL;
        }
    if (!doc) {
        fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        return err.code ? err.code : VS_EXIT_INPUT;
    }
    sweep_spec sp;
    if (sweep_parse(doc, a.file, &sp, &err)) {
        json_decref(doc);
        fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        return err.code ? err.code : VS_EXIT_INPUT;
    }
    if (sweep_check_points(&sp, doc, a.file, &err)) {
        sweep_free(&sp);
        json_decref(doc);
        fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        return err.code ? err.code : VS_EXIT_INPUT;
    }
    char run[8192], res[8192];
    sweep_commands(&a, run, sizeof run, res, sizeof res);
    sweep_opts o = {.dir = a.dir, .jobs = a.jobs, .resume = a.resume, .quiet = a.quiet,
                    .run_cmd = run, .resume_cmd = res};
    sweep_outcome out;
    int rc = sweep_run(&sp, doc, a.file, &o, &out, &err);
    int64_t finished = out.npoints - out.missing;
    if (rc) {
        fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        if (out.jobs > 0) /* the failure came while running points */
            fprintf(stderr, "vmsim sweep: %lld of %lld points finished and kept in %s/points; "
                            "after fixing the problem, resume with: %s\n",
                    (long long)finished, (long long)out.npoints, a.dir, res);
        rc = err.code ? err.code : VS_EXIT_INTERNAL;
    } else if (!out.interrupted && out.missing) { /* only if point files vanished meanwhile */
        fprintf(stderr, "vmsim sweep: %lld of %lld point files are missing after the run; "
                        "resume with: %s\n",
                (long long)out.missing, (long long)out.npoints, res);
        rc = VS_EXIT_INTERNAL;
    } else if (out.interrupted) {
        fprintf(stderr, "vmsim sweep: interrupted: %lld of %lld points finished and kept in "
                        "%s/points (tables so far in %s/results.csv); resume with: %s\n",
                (long long)finished, (long long)out.npoints, a.dir, a.dir, res);
        rc = 130;
    } else if (!a.quiet) {
        fprintf(stderr, "sweep: %lld points (%lld run now, %lld found done) in %.1f s; wrote "
                        "%s/results.csv and %s/summary.csv\n",
                (long long)out.npoints, (long long)out.ran, (long long)out.skipped, out.wall_s,
                a.dir, a.dir);
    }
    sweep_free(&sp);
    json_decref(doc);
    return rc;
}
