/* vmsim run / vmsim check. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analysis/runner.h"
#include "cli/cmds.h"
#include "config/scenario.h"
#include "experiment/sweep_spec.h"
#include "models/host/hv.h"
#include "output/jsonw.h"
#include "sim/fsutil.h"

#define MAX_SETS 256

static void run_usage(FILE *f)
{
    fprintf(f, "usage: vmsim run SCENARIO [--seed N] [--set PATH=VALUE]... [-o FILE]\n"
               "  Runs the scenario and writes its results JSON to FILE (atomically) or stdout.\n"
               "  --seed N          override the scenario's seed\n"
               "  --set PATH=VALUE  override any scenario value by JSON path, e.g.\n"
               "                    --set workload.hold.mean_ns=500 --set vms.count=2\n"
               "  -o FILE           write results to FILE instead of stdout\n"
               "  --trace FILE      write the timeline as Chrome Trace Event JSON (open it in\n"
               "                    https://ui.perfetto.dev or chrome://tracing)\n"
               "  --trace-from S, --trace-to S\n"
               "                    keep only simulated seconds [S, S) in the trace\n"
               "  -q, --quiet       no summary line on stderr\n");
}

static void check_usage(FILE *f)
{
    fprintf(f, "usage: vmsim check SCENARIO [--set PATH=VALUE]...\n"
               "  Validates the scenario (with overrides) and exits 0 if it is valid,\n"
               "  2 with a message naming the file and JSON path otherwise.\n");
}

typedef struct run_args {
    const char *file, *out, *seed, *trace, *trace_from, *trace_to;
    char *sets[MAX_SETS + 1];
    int nsets, quiet;
} run_args;

/* Parses the common options; returns 0, or an exit code + 1 (1 = --help). */
static int run_parse(int argc, char **argv, run_args *a, int allow_out, const char *cmd)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h"))
            return 1;
        int runopt = allow_out && (!strcmp(s, "-o") || !strcmp(s, "--trace") ||
                                   !strcmp(s, "--trace-from") || !strcmp(s, "--trace-to"));
        if (!strcmp(s, "--set") || !strcmp(s, "--seed") || runopt) {
            if (i + 1 >= argc) {
                fprintf(stderr, "vmsim %s: %s needs a value\n", cmd, s);
                return 3;
            }
            const char *v = argv[++i];
            if (!strcmp(s, "--set")) {
                if (a->nsets >= MAX_SETS) {
                    fprintf(stderr, "vmsim %s: more than %d --set options\n", cmd, MAX_SETS);
                    return 3;
                }
                a->sets[a->nsets++] = (char *)v;
            } else if (!strcmp(s, "--seed")) {
                a->seed = v;
            } else if (!strcmp(s, "--trace")) {
                a->trace = v;
            } else if (!strcmp(s, "--trace-from")) {
                a->trace_from = v;
            } else if (!strcmp(s, "--trace-to")) {
                a->trace_to = v;
            } else {
                a->out = v;
            }
        } else if (!strcmp(s, "-q") || !strcmp(s, "--quiet")) {
            a->quiet = 1;
        } else if (s[0] == '-' && s[1]) {
            fprintf(stderr, "vmsim %s: unknown option %s\n", cmd, s);
            return 3;
        } else if (!a->file) {
            if (!*s) { /* "" gave ": cannot read: No such file or directory" */
                fprintf(stderr, "vmsim %s: empty SCENARIO file name\n", cmd);
                return 3;
            }
            a->file = s;
        } else {
            fprintf(stderr, "vmsim %s: unexpected argument %s\n", cmd, s);
            return 3;
        }
    }
    if (!a->file) {
        fprintf(stderr, "vmsim %s: missing SCENARIO\n", cmd);
        return 3;
    }
    return 0;
}

/* --seed N becomes one more override, "seed=N" (in buf), after the --set
 * options. Returns 0 (nothing to do without --seed), or -1 with err. */
static int run_seed(run_args *a, char *buf, size_t n, vs_err *err)
{
    if (!a->seed)
        return 0;
    char *end;
    unsigned long long v = strtoull(a->seed, &end, 10);
    if (!*a->seed || *end || a->seed[0] == '-' || v > (unsigned long long)INT64_MAX)
        return err_input(err, "--seed %s: expected a non-negative integer", a->seed);
    snprintf(buf, n, "seed=%llu", v);
    a->sets[a->nsets++] = buf;
    return 0;
}

/* Loads the scenario with --seed and --set applied. */
static int run_load(run_args *a, scenario *sc, vs_err *err)
{
    char seedset[64];
    if (run_seed(a, seedset, sizeof seedset, err))
        return -1;
    int rc = sc_load(a->file, a->sets, a->nsets, sc, err);
    if (a->seed)
        a->nsets--;
    return rc;
}

int cmd_check(int argc, char **argv)
{
    run_args a;
    int p = run_parse(argc, argv, &a, 0, "check");
    if (p == 1) {
        check_usage(stdout);
        return 0;
    }
    if (p) {
        check_usage(stderr);
        return 2;
    }
    scenario sc;
    vs_err err = {0};
    if (run_load(&a, &sc, &err)) {
        fprintf(stderr, "vmsim check: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    printf("%s: valid (%d VM%s, host scheduler %s, %.3f s simulated)\n", a.file, sc.nvms,
           sc.nvms == 1 ? "" : "s", sc.hv.sched->name, sc.duration / 1e9);
    scenario_free(&sc);
    /* a sweep section is checked too: its axes and every point's scenario */
    json_t *doc = sweep_read_doc(a.file, a.sets, a.nsets, &err);
    if (doc && json_object_get(doc, "sweep")) {
        sweep_spec sp;
        int bad = sweep_parse(doc, a.file, &sp, &err) || sweep_check_points(&sp, doc, a.file, &err);
        if (!bad)
            printf("%s: sweep valid (%lld points)\n", a.file, (long long)sp.npoints);
        sweep_free(&sp);
        if (bad) {
            json_decref(doc);
            fprintf(stderr, "vmsim check: %s\n", err.msg);
            return err.code ? err.code : 2;
        }
    }
    json_decref(doc);
    return 0;
}

/* Checks an output path (-o or --trace) before the run and resolves it into
 * buf (fixes from tests/bad-inputs, docs/robustness.md):
 *  - "" is refused: the temporary would be ".tmp.PID" in the current
 *    directory and the rename would fail only after the whole run;
 *  - a symbolic link is followed, so the atomic rename replaces its target
 *    and not the link (as root, -o /dev/stdout replaced the /dev/stdout link
 *    itself with a regular file);
 *  - an existing file that is not a regular file (a FIFO, a terminal, a
 *    device) cannot be replaced atomically: with allow_direct (-o) it is
 *    written directly (*direct = 1), otherwise (--trace) it is refused;
 *  - otherwise the temporary file is created and removed at once, so an
 *    unwritable path fails now (exit 1, as it would after the run) instead
 *    of after a simulation that may take hours.
 * Returns 0, or -1 with err filled. */
static int run_out_path(const char *opt, const char *path, char *buf, size_t n, int allow_direct,
                        int *direct, vs_err *err)
{
    struct stat st;
    *direct = 0;
    if (!*path)
        return err_input(err, "%s: expected a file name, found an empty string", opt);
    if (strlen(path) >= n)
        return err_input(err, "%s: path too long", path);
    snprintf(buf, n, "%s", path);
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL); /* fails for a dangling link: keep path */
        if (real && strlen(real) < n)
            snprintf(buf, n, "%s", real);
        free(real);
    }
    if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
        return err_internal(err, "%s: cannot write: Is a directory", path);
    if (stat(buf, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (allow_direct) {
            *direct = 1;
            return 0;
        }
        return err_input(err, "%s %s: not a regular file (the file is written to a temporary "
                              "beside it and renamed into place: give a file path)",
                         opt, path);
    }
    fsu_file f;
    if (fsu_open(&f, buf, err))
        return -1;
    fsu_abort(&f);
    return 0;
}

/* Writes s to a FIFO, terminal or device in place (see run_out_path). */
static int run_write_direct(const char *path, const char *s, vs_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return err_internal(err, "%s: cannot write: %s", path, strerror(errno));
    int bad = fputs(s, f) < 0 || fflush(f) != 0;
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    return bad ? err_internal(err, "%s: write failed: %s", path, strerror(e ? e : EIO)) : 0;
}

/* The temporary files of this run ("PATH.tmp.PID", the naming of
 * sim/fsutil.h), removed when SIGINT, SIGTERM or SIGHUP stops the run: the
 * trace is streamed into its temporary during the whole run, and a killed
 * run left it behind. (SIGKILL cannot be caught: then the temporary stays,
 * but the final file is never half-written.) */
static char run_tmp[2][4200];

static void run_on_signal(int sig)
{
    for (int i = 0; i < 2; i++)
        if (run_tmp[i][0])
            unlink(run_tmp[i]); /* async-signal-safe, as are signal and raise */
    signal(sig, SIG_DFL);
    raise(sig);
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    int p = run_parse(argc, argv, &a, 1, "run");
    if (p == 1) {
        run_usage(stdout);
        return 0;
    }
    if (p) {
        run_usage(stderr);
        return 2;
    }
    vs_err err = {0};
    char seedset[64];
    if (run_seed(&a, seedset, sizeof seedset, &err)) {
        fprintf(stderr, "vmsim run: %s\n", err.msg);
        return 2;
    }
    json_t *doc = sweep_read_doc(a.file, a.sets, a.nsets, &err);
    if (!doc) {
        fprintf(stderr, "vmsim run: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    char cmdline[4096] = "vmsim";
    for (int i = 0; i < argc; i++) {
        size_t l = strlen(cmdline);
        snprintf(cmdline + l, sizeof cmdline - l, " %s", argv[i]);
    }
    runner_opts ro = {.command_line = cmdline, .trace_path = a.trace};
    const char *tv[2] = {a.trace_from, a.trace_to};
    double *td[2] = {&ro.trace_from_s, &ro.trace_to_s};
    for (int i = 0; i < 2; i++) {
        if (!tv[i])
            continue;
        char *e;
        *td[i] = strtod(tv[i], &e);
        if (!*tv[i] || *e || !(*td[i] >= 0) || *td[i] > 1e6) {
            fprintf(stderr, "vmsim run: --trace-%s %s: expected simulated seconds >= 0\n",
                    i ? "to" : "from", tv[i]);
            json_decref(doc);
            return 2;
        }
    }
    if (ro.trace_to_s > 0 && ro.trace_to_s <= ro.trace_from_s) {
        fprintf(stderr, "vmsim run: --trace-to must be after --trace-from\n");
        json_decref(doc);
        return 2;
    }
    char outbuf[4096], tracebuf[4096];
    int out_direct = 0, trace_direct;
    if ((a.out && run_out_path("-o", a.out, outbuf, sizeof outbuf, 1, &out_direct, &err)) ||
        (a.trace && run_out_path("--trace", a.trace, tracebuf, sizeof tracebuf, 0, &trace_direct, &err))) {
        fprintf(stderr, "vmsim run: %s\n", err.msg);
        json_decref(doc);
        return err.code ? err.code : 2;
    }
    if (a.out && a.trace && !out_direct && !strcmp(outbuf, tracebuf)) {
        /* both would be renamed onto one file: the results replaced the trace */
        fprintf(stderr, "vmsim run: -o and --trace name the same file %s\n", a.out);
        json_decref(doc);
        return 2;
    }
    if (a.out)
        a.out = outbuf;
    if (a.trace)
        ro.trace_path = tracebuf;
    if (a.out && !out_direct)
        snprintf(run_tmp[0], sizeof run_tmp[0], "%s.tmp.%ld", a.out, (long)getpid());
    if (a.trace)
        snprintf(run_tmp[1], sizeof run_tmp[1], "%s.tmp.%ld", ro.trace_path, (long)getpid());
    if (a.out || a.trace) {
        signal(SIGINT, run_on_signal);
        signal(SIGTERM, run_on_signal);
        signal(SIGHUP, run_on_signal);
    }
    json_t *res;
    if (runner_run_doc(doc, a.file, &ro, &res, &err)) {
        json_decref(doc);
        fprintf(stderr, "vmsim run: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    json_decref(doc);
    char *text = jw_text(res); /* round-trip precision: 17 significant digits */
    int rc = 0;
    if (!text) {
        fprintf(stderr, "vmsim run: cannot encode the results (out of memory)\n");
        rc = 1;
    } else if (a.out) {
        if (out_direct ? run_write_direct(a.out, text, &err)
                       : fsu_write_string(a.out, text, &err)) {
            fprintf(stderr, "vmsim run: %s\n", err.msg);
            rc = err.code ? err.code : 1;
        }
    } else if (fputs(text, stdout) < 0 || fflush(stdout) != 0 || ferror(stdout)) {
        /* a full disk behind `> file` lost the results with exit 0 */
        fprintf(stderr, "vmsim run: cannot write the results to standard output: %s\n",
                strerror(errno));
        rc = 1;
    }
    if (!a.quiet && rc == 0) {
        json_t *wall = json_object_get(res, "wall");
        fprintf(stderr, "vmsim run: %s: %.3f s simulated, %lld events in %.3f s wall (%.2f M events/s), %s\n",
                json_string_value(json_object_get(res, "scenario")),
                json_real_value(json_object_get(res, "simulated_s")),
                (long long)json_integer_value(json_object_get(res, "events")),
                json_real_value(json_object_get(wall, "seconds")),
                json_real_value(json_object_get(wall, "events_per_s")) / 1e6,
                json_string_value(json_object_get(res, "stop_reason")));
    }
    free(text);
    json_decref(res);
    return rc;
}
