/* vmsim measure: a real multi-threaded lock benchmark on this machine.
 *
 * Runs one configuration (--lock, --threads, --think-ns, --hold-ns; lists
 * allowed: their product) or a matrix (--matrix FILE|default) with
 * repetitions interleaved across configurations (rep 1 of every
 * configuration, then rep 2, ...). Before each run it waits (bounded) for
 * the machine to be quiet; a run during which other processes used more
 * than --max-noise of the CPUs is rejected and repeated (bounded retries).
 * Writes DIR/runs.csv, summary.csv, measured.csv, measured-wait.csv,
 * machine.json, model.json and log.txt after every round (atomically).
 * The locks are measure/mlock.c, one run is measure/mrun.c, the files
 * measure/mout.c and the model mapping measure/model.c. */
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/csv.h"
#include "cli/cmds.h"
#include "config/jsonv.h"
#include "measure/model.h"
#include "measure/mout.h"
#include "measure/mrun.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define ME "vmsim measure: "
#define MX_MAX_CONFIGS 10000
#define MX_MAX_NS 1e9 /* think and hold: at most one second */

static volatile sig_atomic_t mx_stop;
static void mx_on_signal(int sig)
{
    (void)sig;
    mx_stop = 1;
}

const char measure_usage[] =
    "usage: vmsim measure [--lock L[,L...]|all] [--threads N[,N...]] [--think-ns NS] [--hold-ns NS]\n"
    "                     [--matrix FILE|default] [--duration-s S] [--warmup-s S] [--reps N]\n"
    "                     [--spin-threshold N] [--max-noise F] [--retries N] [--quiet-wait-s S]\n"
    "                     [-o DIR] [-q] [--list]\n"
    "\n"
    "A real lock benchmark: T unpinned threads loop think, acquire, hold, release on one\n"
    "lock of this process. Writes DIR (default measure-out): runs.csv, summary.csv,\n"
    "measured.csv and measured-wait.csv (for vmsim validate DIR/model.json), machine.json,\n"
    "model.json, log.txt. Times take a unit (2us, 1.5s, 300ms, 100ns); a bare number is\n"
    "in the option's unit (ns or s).\n"
    "\n"
    "  --lock L[,L...]     lock algorithms (default ticket; all: every one)\n"
    "  --threads N[,N...]  thread counts (default: the CPUs available)\n"
    "  --think-ns NS       busy-wait outside the lock (default 2000 ns)\n"
    "  --hold-ns NS        busy-wait inside the lock (default 500 ns)\n"
    "  --matrix FILE       the configurations (CSV or JSON); default: every lock x\n"
    "                      T in {1..4 x CPUs} x think/hold {2000/500, 20000/2000}\n"
    "  --duration-s S      the measurement window (default 2 s)\n"
    "  --warmup-s S        run before the window opens (default 0.5 s)\n"
    "  --reps N            repetitions per configuration (default 3)\n"
    "  --spin-threshold N  pv locks: spin rounds before a futex wait (default 32768)\n"
    "  --max-noise F       reject a run disturbed by more than F of the CPUs (0.10)\n"
    "  --retries N         attempts after a rejected one (default 3)\n"
    "  --quiet-wait-s S    wait up to S for a quiet machine before each run (10 s)\n"
    "  -o, --output DIR    output directory (default measure-out)\n"
    "  -q, --quiet         no progress on stderr\n"
    "  --list              print the configurations and the estimated time; run nothing\n"
    "\n"
    "docs/cli.md and docs/validation.md describe it.\n";

void measure_help(FILE *f)
{
    fputs(measure_usage, f);
    fprintf(f, "\nLocks:\n");
    for (int i = 0; i < ml_nops; i++)
        fprintf(f, "  %-19s %s\n", ml_registry[i]->name, ml_registry[i]->summary);
}

/* A time option: args_time with unit_ns for a bare number, then the value
 * in that unit must be in [lo, hi] (integral when `integer`). */
static int mx_time(const char *opt, const char *s, double unit_ns, double lo, double hi,
                   int integer, double *out, vs_err *err)
{
    double ns;
    if (args_time(s, unit_ns, &ns) || (integer && ns / unit_ns != floor(ns / unit_ns)) ||
        ns / unit_ns < lo || ns / unit_ns > hi)
        return err_input(err, "%s: expected a time from %.10g to %.10g %s (a unit: 2us, 1.5s), "
                              "found \"%s\"",
                         opt, lo, hi, unit_ns == 1 ? "ns" : "s", s ? s : "");
    *out = ns / unit_ns;
    return 0;
}

/* Parses a number option: finite, in [lo, hi], integral when `integer`. */
static int mx_num(const char *opt, const char *s, double lo, double hi, int integer, double *out,
                  vs_err *err)
{
    char *end;
    double v = s && *s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || !isfinite(v) || (integer && v != floor(v)) || v < lo || v > hi)
        return err_input(err, "%s: expected %s from %.10g to %.10g, found \"%s\"", opt,
                         integer ? "an integer" : "a number", lo, hi, s ? s : "");
    *out = v;
    return 0;
}

/* The lock named s (or an error with a suggestion). */
static const ml_ops *mx_lock(const char *where, const char *s, vs_err *err)
{
    int k = ml_find(s);
    if (k >= 0)
        return ml_registry[k];
    const char *sug = jv_suggest(s, ml_names(), ml_nops);
    char known[512] = "";
    for (int i = 0; i < ml_nops; i++)
        snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                 ml_registry[i]->name);
    if (sug)
        err_input(err, "%s: unknown lock \"%s\" (did you mean \"%s\"?)", where, s, sug);
    else
        err_input(err, "%s: unknown lock \"%s\" (locks: %s)", where, s, known);
    return NULL;
}

/* A growing list of configurations. */
typedef struct mx_list {
    mr_config *v;
    int n, cap;
} mx_list;

static int mx_push(mx_list *l, const ml_ops *ops, int threads, uint64_t think, uint64_t hold,
                   vs_err *err)
{
    if (l->n >= MX_MAX_CONFIGS)
        return err_input(err, "more than %d configurations", MX_MAX_CONFIGS);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = vs_xreallocarray(l->v, (size_t)l->cap, sizeof *l->v);
    }
    mr_config c = {ops, threads, think, hold, 0, 0, 0};
    l->v[l->n++] = c;
    return 0;
}

/* The thread counts of --matrix default: 1..4, the multiples 1, 1.5, 2, 3
 * and 4 of the CPU count and the powers of two, all up to 4 x CPUs. */
static int mx_default_threads(int ncpu, int *out)
{
    int n = 0, max = 4 * ncpu;
    if (max > ML_MAX_THREADS)
        max = ML_MAX_THREADS;
    for (int t = 1; t <= max; t++) {
        int pick = t <= 4 || t == ncpu || 2 * t == 3 * ncpu || t == 2 * ncpu ||
                   t == 3 * ncpu || t == 4 * ncpu || (t & (t - 1)) == 0;
        if (pick)
            out[n++] = t;
    }
    return n;
}

/* One configuration object of a JSON matrix. */
static int mx_json_config(const char *file, json_t *o, size_t i, mx_list *l, vs_err *err)
{
    char where[1200];
    snprintf(where, sizeof where, "%s: configs[%zu]", file, i);
    if (!json_is_object(o))
        return err_input(err, "%s: expected an object {lock, threads, think_ns, hold_ns}", where);
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        if (k[0] == '_' || !strcmp(k, "lock") || !strcmp(k, "threads") || !strcmp(k, "think_ns") ||
            !strcmp(k, "hold_ns"))
            continue;
        return err_input(err, "%s.%s: unknown key (keys: lock, threads, think_ns, hold_ns)", where, k);
    }
    json_t *lk = json_object_get(o, "lock");
    if (!json_is_string(lk))
        return err_input(err, "%s.lock: expected a lock name (string)", where);
    const ml_ops *ops = mx_lock(where, json_string_value(lk), err);
    if (!ops)
        return -1;
    double d[3];
    const char *keys[3] = {"threads", "think_ns", "hold_ns"};
    double hi[3] = {ML_MAX_THREADS, MX_MAX_NS, MX_MAX_NS};
    for (int j = 0; j < 3; j++) {
        json_t *x = json_object_get(o, keys[j]);
        if (!json_is_number(x) || json_number_value(x) != floor(json_number_value(x)) ||
            json_number_value(x) < (j == 0) || json_number_value(x) > hi[j])
            return err_input(err, "%s.%s: expected an integer from %d to %.10g", where, keys[j],
                             j == 0, hi[j]);
        d[j] = json_number_value(x);
    }
    return mx_push(l, ops, (int)d[0], (uint64_t)d[1], (uint64_t)d[2], err);
}

/* A JSON matrix: {"configs": [...]}, a bare array of configurations, or the
 * product form {"locks": [...], "threads": [...], "think_hold": [[T, H], ...]}. */
static int mx_json_matrix(const char *file, mx_list *l, vs_err *err)
{
    json_error_t je;
    json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return err_input(err, "%s:%d:%d: %s", file, je.line, je.column, je.text);
    int rc = 0;
    json_t *cfgs = json_is_array(doc) ? doc : json_object_get(doc, "configs");
    if (cfgs) {
        size_t i;
        json_t *o;
        if (!json_is_array(cfgs))
            rc = err_input(err, "%s: configs: expected an array of configurations", file);
        json_array_foreach(cfgs, i, o) if (!rc) rc = mx_json_config(file, o, i, l, err);
    } else if (json_is_object(doc)) {
        const char *k;
        json_t *v;
        json_object_foreach(doc, k, v) if (!rc && k[0] != '_' && strcmp(k, "locks") &&
                                           strcmp(k, "threads") && strcmp(k, "think_hold"))
            rc = err_input(err, "%s: %s: unknown key (keys: configs, or locks, threads, think_hold)",
                           file, k);
        json_t *lk = json_object_get(doc, "locks"), *th = json_object_get(doc, "threads"),
               *tp = json_object_get(doc, "think_hold");
        if (!rc && (!json_is_array(lk) || !json_is_array(th) || !json_is_array(tp) ||
                    !json_array_size(lk) || !json_array_size(th) || !json_array_size(tp)))
            rc = err_input(err, "%s: expected \"configs\" or the non-empty arrays \"locks\", "
                                "\"threads\" and \"think_hold\"", file);
        size_t a, b, c;
        json_t *x, *y, *z;
        json_array_foreach(lk, a, x) json_array_foreach(th, b, y) json_array_foreach(tp, c, z)
        {
            if (rc)
                break;
            json_t *o = json_pack("{s:O, s:O, s:O?, s:O?}", "lock", x, "threads", y, "think_ns",
                                  json_array_get(z, 0), "hold_ns", json_array_get(z, 1));
            if (!o || json_array_size(z) != 2)
                rc = err_input(err, "%s: think_hold[%zu]: expected [think_ns, hold_ns]", file, c);
            else
                rc = mx_json_config(file, o, l->n, l, err);
            json_decref(o);
        }
    } else {
        rc = err_input(err, "%s: expected a JSON object or array of configurations", file);
    }
    json_decref(doc);
    return rc;
}

/* A CSV matrix: columns lock, threads, think_ns, hold_ns. */
static int mx_csv_matrix(const char *file, mx_list *l, vs_err *err)
{
    csv_table t;
    if (csv_read(file, &t, err))
        return -1;
    const char *need[4] = {"lock", "threads", "think_ns", "hold_ns"};
    int col[4], rc = 0;
    for (int j = 0; j < 4 && !rc; j++)
        if ((col[j] = csv_col(&t, need[j])) < 0)
            rc = err_input(err, "%s:%d: no column \"%s\" (needed: lock, threads, think_ns, hold_ns)",
                           file, t.header_line, need[j]);
    if (!rc && !t.nrows)
        rc = err_input(err, "%s: no configurations", file);
    for (int r = 0; r < t.nrows && !rc; r++) {
        char where[1200];
        snprintf(where, sizeof where, "%s:%d", file, csv_line(&t, r));
        const ml_ops *ops = mx_lock(where, csv_cell(&t, r, col[0]), err);
        double d[3];
        double hi[3] = {ML_MAX_THREADS, MX_MAX_NS, MX_MAX_NS};
        if (!ops) {
            rc = -1;
            break;
        }
        for (int j = 0; j < 3 && !rc; j++) {
            char opt[1300];
            snprintf(opt, sizeof opt, "%s: column %s", where, need[j + 1]);
            rc = mx_num(opt, csv_cell(&t, r, col[j + 1]), j == 0, hi[j], 1, &d[j], err);
        }
        if (!rc)
            rc = mx_push(l, ops, (int)d[0], (uint64_t)d[1], (uint64_t)d[2], err);
    }
    csv_free(&t);
    return rc;
}

static int mx_matrix(const char *spec, int ncpu, mx_list *l, vs_err *err)
{
    if (!strcmp(spec, "default")) {
        int ts[64], nt = mx_default_threads(ncpu, ts);
        static const uint64_t pairs[2][2] = {{2000, 500}, {20000, 2000}};
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < ml_nops; i++)
                for (int t = 0; t < nt; t++)
                    if (mx_push(l, ml_registry[i], ts[t], pairs[p][0], pairs[p][1], err))
                        return -1;
        return 0;
    }
    FILE *f = fopen(spec, "r");
    if (!f)
        return err_input(err, "--matrix %s: cannot open (give a JSON or CSV file, or \"default\")",
                         spec);
    int ch;
    while ((ch = fgetc(f)) == ' ' || ch == '\t' || ch == '\n' || ch == '\r')
        ;
    fclose(f);
    size_t n = strlen(spec);
    int json = ch == '{' || ch == '[' || (n > 5 && !strcmp(spec + n - 5, ".json"));
    return json ? mx_json_matrix(spec, l, err) : mx_csv_matrix(spec, l, err);
}

/* --- the log ------------------------------------------------------------------ */

typedef struct mx_log {
    FILE *f;    /* memory stream */
    char *buf;  /* its text */
    size_t len;
    int quiet;  /* no echo on stderr */
} mx_log;

static void mx_logf(mx_log *lg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mx_logf(mx_log *lg, const char *fmt, ...)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_list ap;
    va_start(ap, fmt);
    char line[2048];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(lg->f, "%s %s\n", stamp, line);
    fflush(lg->f);
    if (!lg->quiet)
        fprintf(stderr, "measure: %s\n", line);
}

/* --- machine.json ------------------------------------------------------------------ */

static json_t *mx_facts(const mr_machine *m, const char *cmdline, json_t *opts)
{
    json_t *knobs = json_object();
    for (int i = 0; i < m->nknobs; i++)
        json_object_set_new(knobs, m->knob_name[i], json_string(m->knob_value[i]));
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    json_object_set_new(o, "vmsim_version", json_string(VMSIM_VERSION));
    json_object_set_new(o, "command_line", json_string(cmdline));
    json_object_set_new(o, "started_utc", json_string(stamp));
    json_object_set_new(o, "cpus_online", json_integer(m->ncpu_online));
    json_object_set_new(o, "cpus_available", json_integer(m->ncpu_avail));
    json_object_set_new(o, "cpu_model", json_string(m->cpu_model));
    json_object_set_new(o, "cpu_mhz", m->cpu_mhz > 0 ? json_real(m->cpu_mhz) : json_null());
    json_object_set_new(o, "arch", json_string(m->machine));
    json_object_set_new(o, "kernel", json_string(m->kernel));
    json_object_set_new(o, "hz", m->hz > 0 ? json_integer(m->hz) : json_null());
    json_object_set_new(o, "hz_source", json_string(m->hz_source));
    json_object_set_new(o, "clocksource", json_string(m->clocksource));
    json_object_set_new(o, "preempt", m->preempt[0] ? json_string(m->preempt) : json_null());
    json_object_set_new(o, "sched_knobs", knobs);
    json_object_set_new(o, "pause_round_ns", json_real(m->pause_ns));
    json_object_set_new(o, "clock_read_ns", json_real(m->clock_ns));
    json_object_set_new(o, "options", json_incref(opts));
    return o;
}

/* --- the command ------------------------------------------------------------------ */

enum {
    OPT_LOCK = 256, OPT_THREADS, OPT_THINK, OPT_HOLD, OPT_DUR, OPT_WARM, OPT_REPS, OPT_SPIN,
    OPT_MATRIX, OPT_NOISE, OPT_RETRIES, OPT_QUIET_WAIT, OPT_LIST
};

const args_opt measure_options[] = {
    {"lock", 0, "L[,L...]", OPT_LOCK},
    {"threads", 0, "N[,N...]", OPT_THREADS},
    {"think-ns", 0, "NS", OPT_THINK},
    {"hold-ns", 0, "NS", OPT_HOLD},
    {"duration-s", 0, "S", OPT_DUR},
    {"warmup-s", 0, "S", OPT_WARM},
    {"reps", 0, "N", OPT_REPS},
    {"spin-threshold", 0, "N", OPT_SPIN},
    {"matrix", 0, "FILE", OPT_MATRIX},
    {"max-noise", 0, "F", OPT_NOISE},
    {"retries", 0, "N", OPT_RETRIES},
    {"quiet-wait-s", 0, "S", OPT_QUIET_WAIT},
    {"list", 0, NULL, OPT_LIST},
    {"output", 'o', "DIR", 'o'},
    {"quiet", 'q', NULL, 'q'},
    {0, 0, 0, 0},
};

typedef struct mx_opts {
    const char *locks, *threads, *matrix, *dir;
    double think, hold, dur, warm, reps, spin, noise, retries, qwait;
    int quiet;
    int list; /* --list: print the configurations, run nothing */
} mx_opts;

/* Waits up to o->qwait s until the idle share over 0.2 s is at least
 * 1 - max_noise; returns the last idle share (-1 unknown or not waited). */
static double mx_quiet(const mx_opts *o, mx_log *lg)
{
    if (o->qwait <= 0)
        return -1;
    double idle = -1, waited = 0;
    while (!mx_stop) {
        idle = mr_idle_share(0.2);
        waited += 0.2;
        if (idle < 0 || idle >= 1 - o->noise)
            return idle;
        if (waited >= o->qwait) {
            mx_logf(lg, "machine not quiet after %.1f s (idle %.0f%% < %.0f%%); running anyway",
                    waited, 100 * idle, 100 * (1 - o->noise));
            return idle;
        }
    }
    return idle;
}

static char *mx_cmdline(int argc, char **argv)
{
    size_t n = 16;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *s = vs_xmalloc(n);
    strcpy(s, "vmsim");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* Parses the options and builds the configuration list: 0, 1 (help
 * printed), -2 (a usage error printed) or -1 with err. */
static int mx_parse(int argc, char **argv, mx_opts *o, mx_list *l, int ncpu, vs_err *err)
{
    int have_single = 0;
    args_parser p;
    args_init(&p, "measure", measure_options, argc, argv);
    int c;
    while ((c = args_next(&p)) != ARGS_END) {
        const char *a = p.val;
        int bad = 0;
        switch (c) {
        case ARGS_HELP:
            measure_help(stdout);
            return 1;
        case ARGS_ERR: return -args_usage_error("measure", "%s", p.err);
        case ARGS_POS:
            return -args_usage_error("measure", "unexpected argument \"%s\"", a);
        case 'q':
            o->quiet = 1;
            break;
        case OPT_LIST:
            o->list = 1;
            break;
        case 'o':
            if (!*a)
                return -args_usage_error("measure", "-o: expected a directory name, found \"\"");
            o->dir = a;
            break;
        case OPT_LOCK: o->locks = a; have_single = 1; break;
        case OPT_THREADS: o->threads = a; have_single = 1; break;
        case OPT_THINK: bad = mx_time("--think-ns", a, 1, 0, MX_MAX_NS, 1, &o->think, err); have_single = 1; break;
        case OPT_HOLD: bad = mx_time("--hold-ns", a, 1, 0, MX_MAX_NS, 1, &o->hold, err); have_single = 1; break;
        case OPT_DUR: bad = mx_time("--duration-s", a, 1e9, 0.01, 3600, 0, &o->dur, err); break;
        case OPT_WARM: bad = mx_time("--warmup-s", a, 1e9, 0, 3600, 0, &o->warm, err); break;
        case OPT_REPS: bad = mx_num("--reps", a, 1, 1000, 1, &o->reps, err); break;
        case OPT_SPIN: bad = mx_num("--spin-threshold", a, 1, 1099511627776.0, 1, &o->spin, err); break;
        case OPT_MATRIX: o->matrix = a; break;
        case OPT_NOISE: bad = mx_num("--max-noise", a, 0, 1, 0, &o->noise, err); break;
        case OPT_RETRIES: bad = mx_num("--retries", a, 0, 100, 1, &o->retries, err); break;
        case OPT_QUIET_WAIT: bad = mx_time("--quiet-wait-s", a, 1e9, 0, 600, 0, &o->qwait, err); break;
        }
        if (bad)
            return -args_usage_error("measure", "%s", err->msg);
    }
    if (o->matrix && have_single)
        return err_input(err, "--matrix replaces --lock, --threads, --think-ns and --hold-ns; "
                              "give one or the other");
    if (o->matrix)
        return mx_matrix(o->matrix, ncpu, l, err);
    /* the product of the --lock and --threads lists */
    char *locks = vs_xstrdup(o->locks ? o->locks : "ticket");
    if (!strcmp(locks, "all")) {
        size_t n = 1;
        for (int i = 0; i < ml_nops; i++)
            n += strlen(ml_registry[i]->name) + 1;
        free(locks);
        locks = vs_xmalloc(n);
        locks[0] = 0;
        for (int i = 0; i < ml_nops; i++)
            strcat(strcat(locks, i ? "," : ""), ml_registry[i]->name);
    }
    int rc = 0;
    int ts[ML_MAX_THREADS], nt = 0;
    if (o->threads) {
        char *tl = vs_xstrdup(o->threads), *save = NULL;
        for (char *t = strtok_r(tl, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
            double v;
            rc = nt >= ML_MAX_THREADS ? err_input(err, "--threads: too many values")
                                      : mx_num("--threads", t, 1, ML_MAX_THREADS, 1, &v, err);
            if (!rc)
                ts[nt++] = (int)v;
        }
        if (!rc && !nt)
            rc = err_input(err, "--threads: expected integers from 1 to %d, found \"%s\"",
                           ML_MAX_THREADS, o->threads);
        free(tl);
    } else {
        ts[nt++] = ncpu > ML_MAX_THREADS ? ML_MAX_THREADS : ncpu;
    }
    char *save = NULL;
    int nl = 0;
    for (char *t = strtok_r(locks, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
        const ml_ops *ops = mx_lock("--lock", t, err);
        nl++;
        if (!ops)
            rc = -1;
        for (int i = 0; i < nt && !rc; i++)
            rc = mx_push(l, ops, ts[i], (uint64_t)o->think, (uint64_t)o->hold, err);
    }
    if (!rc && !nl)
        rc = err_input(err, "--lock: expected a lock name, found \"%s\"", o->locks);
    free(locks);
    return rc;
}

int cmd_measure(int argc, char **argv)
{
    mx_opts o = {NULL, NULL, NULL, "measure-out", 2000, 500, 2, 0.5, 3, 32768, 0.10, 3, 10, 0, 0};
    mx_list l = {0};
    vs_err err = {0};
    mr_machine m;
    /* the CPU count is needed for the defaults; the rest is read after parsing */
    cpu_set_t set;
    int ncpu = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    int prc = mx_parse(argc, argv, &o, &l, ncpu, &err);
    if (prc) {
        free(l.v);
        if (prc > 0)
            return 0;
        if (prc == -2)
            return 2; /* a usage error, printed */
        fprintf(stderr, ME "%s\n", err.msg);
        return err.code ? err.code : 2;
    }
    if (o.list) {
        printf("lock,threads,think_ns,hold_ns\n");
        for (int i = 0; i < l.n; i++)
            printf("%s,%d,%llu,%llu\n", l.v[i].ops->name, l.v[i].threads,
                   (unsigned long long)l.v[i].think_ns, (unsigned long long)l.v[i].hold_ns);
        fprintf(stderr, ME "%d configurations x %d reps: about %.0f s without retries or quiet "
                           "waits\n",
                l.n, (int)o.reps, l.n * o.reps * (o.dur + o.warm + 0.2));
        free(l.v);
        return 0;
    }
    if (fsu_mkdirs(o.dir, &err)) {
        free(l.v);
        fprintf(stderr, ME "%s\n", err.msg);
        return err.code ? err.code : 1;
    }
    char *cmdline = mx_cmdline(argc, argv);
    mx_log lg = {0};
    lg.quiet = o.quiet;
    lg.f = open_memstream(&lg.buf, &lg.len);
    if (!lg.f) {
        fprintf(stderr, ME "out of memory\n");
        free(l.v);
        free(cmdline);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = mx_on_signal;
    struct sigaction old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    mr_machine_read(&m);
    mo_set s = {0};
    s.cfgs = l.v;
    s.ncfg = l.n;
    s.reps = (int)o.reps;
    s.kept = vs_xmalloc((size_t)s.ncfg * (size_t)s.reps * sizeof *s.kept);
    for (int i = 0; i < s.ncfg * s.reps; i++)
        s.kept[i] = -1;
    for (int i = 0; i < s.ncfg; i++) {
        s.cfgs[i].spin_threshold = (uint64_t)o.spin;
        s.cfgs[i].duration_s = o.dur;
        s.cfgs[i].warmup_s = o.warm;
    }
    json_t *opts = json_pack("{s:s?, s:s?, s:s?, s:f, s:f, s:f, s:f, s:i, s:f, s:f, s:i, s:f, s:s}",
                             "matrix", o.matrix, "lock", o.locks, "threads", o.threads, "think_ns",
                             o.think, "hold_ns", o.hold, "duration_s", o.dur, "warmup_s", o.warm,
                             "reps", (int)o.reps, "spin_threshold", o.spin, "max_noise", o.noise,
                             "retries", (int)o.retries, "quiet_wait_s", o.qwait, "dir", o.dir);
    json_t *facts = mx_facts(&m, cmdline, opts);
    mx_logf(&lg, "%s", cmdline);
    mx_logf(&lg, "machine: %s, %d CPUs available (%d online), Linux %s, HZ %d (%s), clocksource %s",
            m.cpu_model[0] ? m.cpu_model : "unknown CPU", m.ncpu_avail, m.ncpu_online, m.kernel,
            m.hz, m.hz_source, m.clocksource[0] ? m.clocksource : "unknown");
    mx_logf(&lg, "one spin round {load, PAUSE} takes %.2f ns: the spin threshold %.0f rounds is "
            "%.1f us; a clock read takes %.1f ns", m.pause_ns, o.spin, o.spin * m.pause_ns / 1000,
            m.clock_ns);
    double est = (double)s.ncfg * s.reps * (o.dur + o.warm + 0.2);
    mx_logf(&lg, "%d configurations x %d reps, about %.0f s without retries or quiet waits",
            s.ncfg, s.reps, est);

    int rc = 0, done = 0, total = s.ncfg * s.reps;
    for (int rep = 1; rep <= s.reps && !rc && !mx_stop; rep++) {
        for (int ci = 0; ci < s.ncfg && !rc && !mx_stop; ci++) {
            const mr_config *c = &s.cfgs[ci];
            char lab[64];
            mm_think_hold_label(c->think_ns, c->hold_ns, lab, sizeof lab);
            int first = s.natt, best = -1;
            for (int at = 1; at <= (int)o.retries + 1 && !mx_stop; at++) {
                mo_attempt a;
                memset(&a, 0, sizeof a);
                a.config = ci;
                a.rep = rep;
                a.attempt = at;
                a.status = MO_REJECTED;
                a.idle_before = mx_quiet(&o, &lg);
                if (mr_run(c, &a.r, &err)) {
                    rc = -1;
                    break;
                }
                int idx = mo_add(&s, &a);
                const mr_result *r = &s.att[idx].r;
                if (best < 0 || r->foreign_share < s.att[best].r.foreign_share)
                    best = idx;
                int ok = r->foreign_share <= o.noise;
                char fx[64] = "n/a (glibc's)";
                if (c->ops->model)
                    snprintf(fx, sizeof fx, "%llu/%llu", (unsigned long long)r->halts,
                             (unsigned long long)r->kicks);
                mx_logf(&lg, "[%d/%d] rep %d %s T=%d %s attempt %d: %.4g acq/s, wait mean %.4g "
                        "ns p99 %.4g ns, fairness %.3f, futex waits/wakes %s, foreign %.1f%%%s",
                        done + 1, total, rep, c->ops->name, c->threads, lab, at, r->ops_per_s,
                        r->wait_mean_ns, r->wait_p99_ns, r->fairness, fx, 100 * r->foreign_share,
                        ok ? "" : at <= (int)o.retries ? " - REJECTED (noise), retrying"
                                                       : " - noisy, retries exhausted");
                if (ok) {
                    s.att[idx].status = MO_OK;
                    s.kept[ci * s.reps + rep - 1] = idx;
                    best = -1;
                    break;
                }
            }
            if (best >= 0 && !rc && s.kept[ci * s.reps + rep - 1] < 0 && s.natt > first &&
                !mx_stop) {
                s.att[best].status = MO_NOISY;
                s.kept[ci * s.reps + rep - 1] = best;
                mx_logf(&lg, "kept the least noisy attempt (foreign %.1f%%) as rep %d",
                        100 * s.att[best].r.foreign_share, rep);
            }
            done++;
        }
        if (!rc && mo_write(o.dir, &s, &m, facts, (uint64_t)o.spin, lg.buf, &err))
            rc = -1;
    }
    if (!rc && mx_stop) {
        mx_logf(&lg, "interrupted: %d of %d runs done; the files hold them", done, total);
        if (mo_write(o.dir, &s, &m, facts, (uint64_t)o.spin, lg.buf, &err))
            rc = -1;
    } else if (!rc) {
        mx_logf(&lg, "done: %d runs (%d attempts); wrote %s/{measured.csv, measured-wait.csv, "
                "summary.csv, runs.csv, machine.json, model.json, log.txt}",
                total, s.natt, o.dir);
        mx_logf(&lg, "compare: vmsim validate %s/model.json --measured %s/measured.csv", o.dir,
                o.dir);
        if (mo_write(o.dir, &s, &m, facts, (uint64_t)o.spin, lg.buf, &err))
            rc = -1;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    int status = rc ? (err.code ? err.code : 1) : mx_stop ? 130 : 0;
    if (rc)
        fprintf(stderr, ME "%s\n", err.msg);
    json_decref(facts);
    json_decref(opts);
    mo_free(&s);
    fclose(lg.f);
    free(lg.buf);
    free(cmdline);
    return status;
}
