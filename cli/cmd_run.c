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
#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/progress.h"
#include "config/scenario.h"
#include "experiment/sweep_spec.h"
#include "models/host/hv.h"
#include "output/jsonw.h"
#include "sim/fsutil.h"

#define MAX_SETS 256

const char run_usage[] =
    "usage: vmsim run SCENARIO [--seed N] [--set PATH=VALUE]... [-o FILE] [-q]\n"
    "                 [--trace FILE [--trace-from TIME] [--trace-to TIME] [--trace-max-mb MB]]\n"
    "\n"
    "Runs the scenario and writes its results JSON to FILE (atomically) or stdout.\n"
    "SCENARIO - reads the scenario from standard input; -o - writes to stdout.\n"
    "\n"
    "  --seed N            override the scenario's seed\n"
    "  --set PATH=VALUE    override any scenario value by JSON path (repeatable),\n"
    "                      e.g. --set workload.hold.mean_ns=500 --set vms.count=2\n"
    "  -o, --output FILE   write results to FILE instead of stdout\n"
    "  --trace FILE        write the timeline as Chrome Trace Event JSON (open it in\n"
    "                      https://ui.perfetto.dev or chrome://tracing)\n"
    "  --trace-from TIME, --trace-to TIME\n"
    "                      keep only simulated time [FROM, TO) in the trace; TIME is\n"
    "                      a number with a unit, 2ms, 1.5s, 300us, 100ns (a bare\n"
    "                      number is seconds)\n"
    "  --trace-max-mb MB   stop writing the trace at about MB megabytes (default 1024;\n"
    "                      0: no limit); the file stays valid, a warning says where it\n"
    "                      was cut\n"
    "  --series FILE.csv   write a time series: per interval the throughput, the\n"
    "                      vCPUs running, spinning, halted and runnable, and the\n"
    "                      lock-holder / lock-waiter preemptions (docs/cli.md)\n"
    "  --interval TIME     the series' interval (default 1ms; 2ms, 500us, 0.01s)\n"
    "  -q, --quiet         no summary line or progress on stderr\n"
    "\n"
    "Exit status: 0 done, 2 bad input or usage, 1 internal error.\n";

const char check_usage[] =
    "usage: vmsim check SCENARIO [--seed N] [--set PATH=VALUE]...\n"
    "\n"
    "Validates the scenario (with overrides, and its sweep section if it has one)\n"
    "without running it; SCENARIO - reads standard input. Exits 0 if it is valid,\n"
    "2 with a message naming the file and JSON path otherwise.\n"
    "\n"
    "  --seed N            override the scenario's seed\n"
    "  --set PATH=VALUE    override any scenario value by JSON path (repeatable)\n";

enum { RUN_SEED = 256, RUN_SET, RUN_TRACE, RUN_TRACE_FROM, RUN_TRACE_TO, RUN_TRACE_MAX,
       RUN_SERIES, RUN_INTERVAL };

/* The default of --trace-max-mb: a trace past it is cut (with a warning). */
#define RUN_TRACE_MAX_MB 1024

const args_opt run_options[] = {
    {"seed", 0, "N", RUN_SEED},
    {"set", 0, "PATH=VALUE", RUN_SET},
    {"output", 'o', "FILE", 'o'},
    {"trace", 0, "FILE", RUN_TRACE},
    {"trace-from", 0, "TIME", RUN_TRACE_FROM},
    {"trace-to", 0, "TIME", RUN_TRACE_TO},
    {"trace-max-mb", 0, "MB", RUN_TRACE_MAX},
    {"series", 0, "FILE.csv", RUN_SERIES},
    {"interval", 0, "TIME", RUN_INTERVAL},
    {"quiet", 'q', NULL, 'q'},
    {0, 0, 0, 0},
};

const args_opt check_options[] = {
    {"seed", 0, "N", RUN_SEED},
    {"set", 0, "PATH=VALUE", RUN_SET},
    {0, 0, 0, 0},
};

typedef struct run_args {
    const char *file, *out, *seed, *trace, *trace_from, *trace_to, *trace_max, *series, *interval;
    char *sets[MAX_SETS + 1];
    int nsets, quiet;
} run_args;

/* Parses the options of run (allow_out) or check; returns 0, 1 for --help,
 * or 2 after printing a usage error. */
static int run_parse(int argc, char **argv, run_args *a, int allow_out, const char *cmd)
{
    memset(a, 0, sizeof *a);
    args_parser p;
    args_init(&p, cmd, allow_out ? run_options : check_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        switch (id) {
        case ARGS_HELP: return 1;
        case ARGS_ERR: return args_usage_error(cmd, "%s", p.err);
        case ARGS_POS:
            if (a->file)
                return args_usage_error(cmd, "unexpected argument %s (one SCENARIO)", p.val);
            if (!*p.val) /* "" gave ": cannot read: No such file or directory" */
                return args_usage_error(cmd, "empty SCENARIO file name");
            char msg[512];
            if (!(a->file = args_input(p.val, "stdin.json", msg, sizeof msg)))
                return args_usage_error(cmd, "%s", msg);
            break;
        case RUN_SET:
            if (a->nsets >= MAX_SETS)
                return args_usage_error(cmd, "more than %d --set options", MAX_SETS);
            a->sets[a->nsets++] = (char *)p.val;
            break;
        case RUN_SEED: a->seed = p.val; break;
        case RUN_TRACE: a->trace = p.val; break;
        case RUN_TRACE_FROM: a->trace_from = p.val; break;
        case RUN_TRACE_TO: a->trace_to = p.val; break;
        case RUN_TRACE_MAX: a->trace_max = p.val; break;
        case RUN_SERIES: a->series = p.val; break;
        case RUN_INTERVAL: a->interval = p.val; break;
        case 'o': a->out = strcmp(p.val, "-") ? p.val : NULL; break;
        case 'q': a->quiet = 1; break;
        }
    }
    if (!a->file)
        return args_usage_error(cmd, "missing SCENARIO");
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

int cmd_check(int argc, char **argv)
{
    run_args a;
    int p = run_parse(argc, argv, &a, 0, "check");
    if (p == 1) {
        fputs(check_usage, stdout);
        return 0;
    }
    if (p)
        return p;
    vs_err err = {0};
    char seedset[64];
    if (run_seed(&a, seedset, sizeof seedset, &err))
        return args_usage_error("check", "%s", err.msg);
    /* one read (standard input can be read once): the scenario, then its sweep */
    json_t *doc = sweep_read_doc(a.file, a.sets, a.nsets, &err);
    if (!doc) {
        fprintf(stderr, "vmsim check: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    scenario sc;
    json_t *copy = json_deep_copy(doc);
    int bad = sc_load_doc(copy, a.file, &sc, &err);
    json_decref(copy);
    if (bad) {
        json_decref(doc);
        fprintf(stderr, "vmsim check: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    printf("%s: valid (%d VM%s, host scheduler %s, %.3f s simulated)\n", a.file, sc.nvms,
           sc.nvms == 1 ? "" : "s", sc.hv.sched->name, sc.duration / 1e9);
    scenario_free(&sc);
    /* a sweep section is checked too: its axes and every point's scenario */
    if (json_object_get(doc, "sweep")) {
        sweep_spec sp;
        bad = sweep_parse(doc, a.file, &sp, &err) || sweep_check_points(&sp, doc, a.file, &err);
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
static char run_tmp[3][4200];

static void run_on_signal(int sig)
{
    for (int i = 0; i < 3; i++)
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
        fputs(run_usage, stdout);
        return 0;
    }
    if (p)
        return p;
    vs_err err = {0};
    char seedset[64];
    if (run_seed(&a, seedset, sizeof seedset, &err))
        return args_usage_error("run", "%s", err.msg);
    const char *tv[2] = {a.trace_from, a.trace_to};
    double tsec[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        double ns;
        if (!tv[i])
            continue;
        if (args_time(tv[i], 1e9, &ns) || !(ns >= 0) || ns > 1e15)
            return args_usage_error("run", "--trace-%s %s: expected a simulated time >= 0 (2ms, "
                                           "1.5s, 300us; a bare number is seconds)",
                                    i ? "to" : "from", tv[i]);
        tsec[i] = ns / 1e9;
    }
    if (a.trace_to && tsec[1] <= tsec[0])
        return args_usage_error("run", "--trace-to must be after --trace-from");
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
    prog_run prog = {0};
    if (!a.quiet) {
        const char *base = strrchr(a.file, '/');
        snprintf(prog.what, sizeof prog.what, "%s", base ? base + 1 : a.file);
        ro.progress = prog_run_report;
        ro.progress_ctx = &prog;
    }
    ro.trace_from_s = tsec[0];
    ro.trace_to_s = tsec[1];
    long long max_mb = RUN_TRACE_MAX_MB;
    if (a.trace_max && args_int(a.trace_max, 0, 1 << 30, &max_mb)) {
        json_decref(doc);
        return args_usage_error("run", "--trace-max-mb %s: expected megabytes, an integer from 0 "
                                       "(no limit) to 2^30",
                                a.trace_max);
    }
    if (a.interval && !a.series) {
        json_decref(doc);
        return args_usage_error("run", "--interval needs --series FILE.csv");
    }
    if (a.series) {
        double ns = 1e6;
        if (a.interval && (args_time(a.interval, 1e9, &ns) || !(ns >= 1000) || ns > 1e15)) {
            json_decref(doc);
            return args_usage_error("run", "--interval %s: expected a time of at least 1us (1ms, "
                                           "500us; a bare number is seconds)",
                                    a.interval);
        }
        ro.series_path = a.series;
        ro.series_interval_ns = (int64_t)ns;
    }
    runner_trace_info tinfo = {0};
    ro.trace_max_bytes = (uint64_t)max_mb << 20;
    ro.trace_info = &tinfo;
    char outbuf[4096], tracebuf[4096], seriesbuf[4096];
    int out_direct = 0, trace_direct, series_direct;
    if ((a.out && run_out_path("-o", a.out, outbuf, sizeof outbuf, 1, &out_direct, &err)) ||
        (a.trace && run_out_path("--trace", a.trace, tracebuf, sizeof tracebuf, 0, &trace_direct, &err)) ||
        (a.series && run_out_path("--series", a.series, seriesbuf, sizeof seriesbuf, 0, &series_direct, &err))) {
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
    if (a.series && ((a.out && !out_direct && !strcmp(outbuf, seriesbuf)) ||
                     (a.trace && !strcmp(tracebuf, seriesbuf)))) {
        fprintf(stderr, "vmsim run: --series names the same file as %s: %s\n",
                a.out && !strcmp(outbuf, seriesbuf) ? "-o" : "--trace", a.series);
        json_decref(doc);
        return 2;
    }
    if (a.out)
        a.out = outbuf;
    if (a.trace)
        ro.trace_path = tracebuf;
    if (a.series) {
        ro.series_path = seriesbuf;
        snprintf(run_tmp[2], sizeof run_tmp[2], "%s.tmp.%ld", seriesbuf, (long)getpid());
    }
    if (a.out && !out_direct)
        snprintf(run_tmp[0], sizeof run_tmp[0], "%s.tmp.%ld", a.out, (long)getpid());
    if (a.trace)
        snprintf(run_tmp[1], sizeof run_tmp[1], "%s.tmp.%ld", ro.trace_path, (long)getpid());
    if (a.out || a.trace || a.series) {
        signal(SIGINT, run_on_signal);
        signal(SIGTERM, run_on_signal);
        signal(SIGHUP, run_on_signal);
    }
    json_t *res;
    int bad = runner_run_doc(doc, a.file, &ro, &res, &err);
    prog_run_end(&prog);
    if (bad) {
        json_decref(doc);
        fprintf(stderr, "vmsim run: %s\n", err.msg);
        return err.code ? err.code : 2;
    }
    json_decref(doc);
    if (tinfo.dropped) /* a warning even with -q: the trace is not what was asked for */
        fprintf(stderr, "vmsim run: warning: the trace reached --trace-max-mb %lld at %.9g s "
                        "simulated; %llu later events were left out (%s is valid and ends "
                        "there). Keep a window with --trace-from/--trace-to, or raise "
                        "--trace-max-mb\n",
                max_mb, tinfo.dropped_from_s, (unsigned long long)tinfo.dropped, a.trace);
    json_t *lag = json_object_get(json_object_get(res, "batches"), "lag1");
    if (json_is_real(lag) && json_real_value(lag) > 0.3) /* the interval would be too narrow */
        fprintf(stderr, "vmsim run: warning: the batch means are correlated (lag-1 "
                        "autocorrelation %.2f > 0.3), so batches.ci95 understates the "
                        "uncertainty: use fewer, longer batches or a longer run\n",
                json_real_value(lag));
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
