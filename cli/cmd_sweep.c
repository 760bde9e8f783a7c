/* cmd_sweep.c - `vmsim sweep SCENARIO -o DIR [-j N] [--resume] [--shard I/N]
 * [--set PATH=VALUE]... [--quiet]`: runs every point of the scenario's sweep
 * section (or of one shard of it) in worker processes, or, built with
 * `make MPI=1` and started by mpirun/srun, over the ranks of the MPI job
 * (experiment/sweep_run.h, docs/sweep.md, docs/scaling-out.md). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/metrics.h"
#include "cli/args.h"
#include "cli/cmds.h"
#include "cli/progress.h"
#include "experiment/sweep_mpi.h"
#include "experiment/sweep_run.h"
#include "experiment/sweep_spec.h"
#include "config/scenario.h"
#include "sim/err.h"
#include "sim/mem.h"

#define SWEEP_MAX_SETS 256

const char sweep_usage[] =
    "usage: vmsim sweep SCENARIO -o DIR [-j N] [--seeds N] [--resume] [--shard I/N]\n"
    "                   [--precision REL [--precision-metric COLUMN] [--min-seeds K]]\n"
    "                   [--set PATH=VALUE]... [--quiet]\n"
    "\n"
    "Runs every point of the scenario's \"sweep\" section (axes x seeds) and writes\n"
    "DIR/results.csv (one row per run), DIR/summary.csv (seeds aggregated: mean and\n"
    "95% confidence half-width), DIR/points/NNNNNN.json (each run's results) and\n"
    "DIR/sweep.json. See docs/sweep.md.\n"
    "\n"
    "  -o, --output DIR  output directory (created if missing)\n"
    "  -j, --jobs N      worker processes (default: the number of CPUs)\n"
    "  --seeds N         run seeds 1..N (the same as --set 'sweep.seeds=[1,...,N]')\n"
    "  --precision REL   stop adding seeds to a combination once the 95% half-width of\n"
    "                    its metric is at most REL x its mean (e.g. 0.05): first K seeds\n"
    "                    each, then twice as many where needed, up to the sweep's seeds\n"
    "                    (the cap; raise it with --seeds). Not with --shard or MPI\n"
    "  --precision-metric COLUMN\n"
    "                    the results column judged (default throughput_per_vm)\n"
    "  --min-seeds K     the seeds every combination runs first (default 3)\n"
    "  --resume          continue the sweep in DIR, skipping finished points\n"
    "  --shard I/N       run only the points p with p mod N = I - 1 (1 <= I <= N), e.g.\n"
    "                    one job of a job array; join the directories with vmsim merge\n"
    "  --set PATH=VALUE  override a scenario value before the sweep applies its\n"
    "                    axes, e.g. --set duration_s=0.5 (repeatable)\n"
    "  -q, --quiet       no progress output\n"
    "\n"
    "Ctrl-C stops handing out points and waits for the running ones (again: stops\n"
    "them); finished points are kept and --resume continues. Exit status: 0 done,\n"
    "2 bad input or usage, 1 internal error or a failed point, 130 interrupted.\n"
#ifdef VMSIM_MPI
    "\nThis vmsim is built with MPI: under mpirun -np K (K > 1) rank 0 hands the points\n"
    "to the other K - 1 ranks, largest first, and writes the point files and tables\n"
    "(-j is ignored). See docs/scaling-out.md.\n"
#endif
    ;

/* The parsed command line. */
typedef struct sweep_args {
    const char *file;                /* the scenario */
    const char *dir;                 /* -o */
    const char *jobs_text;           /* -j as given, or NULL */
    int jobs;                        /* -j, or the CPU count */
    int resume;                      /* --resume */
    const char *shard_text;          /* --shard as given, or NULL */
    int shard_i, shard_n;            /* --shard I/N; 0/0 without */
    int quiet;                       /* --quiet */
    int help;                        /* --help */
    char *sets[SWEEP_MAX_SETS + 1];  /* --set assignments (borrowed from argv), then --seeds */
    int nsets;                       /* number of --set */
    int nsets_all;                   /* sets in use: nsets, + 1 with --seeds */
    int seeds;                       /* --seeds N, 0 without */
    char *seeds_set;                 /* "sweep.seeds=[1,...,N]" (owned), or NULL */
    const char *precision_text;      /* --precision as given, or NULL */
    double precision;                /* --precision, 0 without */
    const char *precision_metric;    /* --precision-metric, or NULL */
    int min_seeds;                   /* --min-seeds, 0 without */
} sweep_args;

enum { SWEEP_RESUME = 256, SWEEP_SET, SWEEP_SHARD, SWEEP_SEEDS, SWEEP_PRECISION, SWEEP_PMETRIC,
       SWEEP_MINSEEDS };

const args_opt sweep_options[] = {
    {"output", 'o', "DIR", 'o'},
    {"jobs", 'j', "N", 'j'},
    {"seeds", 0, "N", SWEEP_SEEDS},
    {"precision", 0, "REL", SWEEP_PRECISION},
    {"precision-metric", 0, "COLUMN", SWEEP_PMETRIC},
    {"min-seeds", 0, "K", SWEEP_MINSEEDS},
    {"resume", 0, NULL, SWEEP_RESUME},
    {"shard", 0, "I/N", SWEEP_SHARD},
    {"set", 0, "PATH=VALUE", SWEEP_SET},
    {"quiet", 'q', NULL, 'q'},
    {0, 0, 0, 0},
};

/* Parses argv (argv[0] is "sweep"); usage errors fill err. */
static int sweep_parse_args(int argc, char **argv, sweep_args *a, vs_err *err)
{
    memset(a, 0, sizeof *a);
    args_parser p;
    args_init(&p, "sweep", sweep_options, argc, argv);
    int id;
    long long v;
    while ((id = args_next(&p)) != ARGS_END) {
        switch (id) {
        case ARGS_HELP: a->help = 1; return 0;
        case ARGS_ERR: return err_input(err, "%s", p.err);
        case ARGS_POS:
            if (a->file)
                return err_input(err, "unexpected argument %s", p.val);
            if (!(a->file = args_input(p.val, "stdin.json", err->msg, sizeof err->msg)))
                return err_input(err, "%s", err->msg);
            break;
        case SWEEP_RESUME: a->resume = 1; break;
        case 'q': a->quiet = 1; break;
        case 'o': a->dir = p.val; break;
        case 'j': a->jobs_text = p.val; break;
        case SWEEP_SHARD: a->shard_text = p.val; break;
        case SWEEP_SET:
            if (a->nsets >= SWEEP_MAX_SETS)
                return err_input(err, "more than %d --set options", SWEEP_MAX_SETS);
            a->sets[a->nsets++] = (char *)p.val;
            break;
        case SWEEP_SEEDS:
            if (args_int(p.val, 1, 100000, &v))
                return err_input(err, "--seeds %s: expected a number of seeds from 1 to 100000",
                                 p.val);
            a->seeds = (int)v;
            break;
        case SWEEP_PRECISION: {
            char *end;
            double x = strtod(p.val, &end);
            if (!*p.val || *end || !(x > 0 && x < 1))
                return err_input(err, "--precision %s: expected a relative half-width between 0 "
                                      "and 1, e.g. 0.05 for +-5 %%", p.val);
            a->precision_text = p.val;
            a->precision = x;
            break;
        }
        case SWEEP_PMETRIC: a->precision_metric = p.val; break;
        case SWEEP_MINSEEDS:
            if (args_int(p.val, 2, 100000, &v))
                return err_input(err, "--min-seeds %s: expected a number of seeds from 2 to 100000",
                                 p.val);
            a->min_seeds = (int)v;
            break;
        }
    }
    if (a->precision_metric && !metric_known(a->precision_metric))
        return err_input(err, "--precision-metric %s: not a column vmsim writes (see the header "
                              "of results.csv, e.g. throughput_per_vm, ops_per_s)",
                         a->precision_metric);
    if ((a->precision_metric || a->min_seeds) && !a->precision_text)
        return err_input(err, "%s needs --precision", a->precision_metric ? "--precision-metric"
                                                                          : "--min-seeds");
    if (a->precision_text && a->shard_text)
        return err_input(err, "--precision and --shard: a shard cannot judge a combination whose "
                              "seeds other shards run; run the sweep in one process with -j");
    a->nsets_all = a->nsets;
    if (a->seeds) {
        size_t n = 32 + 8 * (size_t)a->seeds, l;
        a->seeds_set = vs_xmalloc(n);
        snprintf(a->seeds_set, n, "sweep.seeds=[");
        for (int k = 1; k <= a->seeds; k++) {
            l = strlen(a->seeds_set);
            snprintf(a->seeds_set + l, n - l, "%s%d", k > 1 ? "," : "", k);
        }
        l = strlen(a->seeds_set);
        snprintf(a->seeds_set + l, n - l, "]");
        a->sets[a->nsets_all++] = a->seeds_set;
    }
    if (!a->file)
        return err_input(err, "missing SCENARIO");
    if (!a->dir)
        return err_input(err, "missing -o DIR (the output directory)");
    if (!a->dir[0])
        return err_input(err, "-o: empty directory name");
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    a->jobs = cpus > 0 ? (int)(cpus < SRUN_MAX_JOBS ? cpus : SRUN_MAX_JOBS) : 1;
    if (a->jobs_text) {
        char *end;
        long j = strtol(a->jobs_text, &end, 10);
        if (!*a->jobs_text || *end || j < 1 || j > SRUN_MAX_JOBS)
            return err_input(err, "-j %s: expected a number of workers from 1 to %d", a->jobs_text,
                             SRUN_MAX_JOBS);
        a->jobs = (int)j;
    }
    if (a->shard_text) {
        const char *t = a->shard_text;
        char *end;
        long long i = -1, n = -1;
        if (*t >= '0' && *t <= '9') {
            i = strtoll(t, &end, 10);
            if (*end == '/' && end[1] >= '0' && end[1] <= '9') {
                n = strtoll(end + 1, &end, 10);
                if (*end)
                    n = -1;
            }
        }
        if (i < 1 || n < 1 || i > n || n > SWEEP_CAP_POINTS)
            return err_input(err,
                             "--shard %s: expected I/N, shard I of N with 1 <= I <= N <= %d "
                             "(e.g. --shard 2/8)",
                             t, SWEEP_CAP_POINTS);
        a->shard_i = (int)i;
        a->shard_n = (int)n;
    }
    return 0;
}

/* "vmsim run FILE --set ..." and the command that resumes the sweep (under
 * "mpirun -np K" when ranks > 1). */
static void sweep_commands(const sweep_args *a, int ranks, char *run, size_t rn, char *res,
                           size_t resn)
{
    snprintf(run, rn, "vmsim run ");
    sweep_shell_quote(run, rn, a->file);
    res[0] = 0;
    if (ranks > 1)
        snprintf(res, resn, "mpirun -np %d ", ranks);
    size_t l0 = strlen(res);
    snprintf(res + l0, resn - l0, "vmsim sweep ");
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
    if (a->shard_n) {
        l = strlen(res);
        snprintf(res + l, resn - l, " --shard %d/%d", a->shard_i, a->shard_n);
    }
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
    if (a->seeds) {
        l = strlen(res);
        snprintf(res + l, resn - l, " --seeds %d", a->seeds);
    }
    if (a->precision_text) {
        l = strlen(res);
        snprintf(res + l, resn - l, " --precision %s", a->precision_text);
        if (a->precision_metric) {
            l = strlen(res);
            snprintf(res + l, resn - l, " --precision-metric ");
            sweep_shell_quote(res, resn, a->precision_metric);
        }
        if (a->min_seeds) {
            l = strlen(res);
            snprintf(res + l, resn - l, " --min-seeds %d", a->min_seeds);
        }
    }
    if (a->quiet) {
        l = strlen(res);
        snprintf(res + l, resn - l, " --quiet");
    }
}

/* The precision line after a sweep with --precision. */
static void sweep_report_precision(const sweep_args *a, const sweep_spec *sp,
                                   const srun_outcome *out)
{
    const srun_prec *pr = &out->prec;
    char desc[1024] = "";
    if (pr->combos > 0)
        sweep_point_desc(sp, pr->worst_combo * sp->nseeds, desc, sizeof desc);
    char *seed = strstr(desc, ", seed=");
    if (seed)
        *seed = 0;
    else if (!strncmp(desc, "seed=", 5))
        desc[0] = 0;
    fprintf(stderr, "sweep: precision %s: %lld of %lld combinations within +-%.3g %% of the "
                    "mean (%d-%d seeds, %d rounds, %lld of %lld points needed); %lld at the cap "
                    "of %d seeds; widest +-%.3g %%%s%s%s\n",
            a->precision_metric ? a->precision_metric : SRUN_PRECISION_METRIC,
            (long long)pr->precise, (long long)pr->combos, 100 * a->precision, pr->seeds_min,
            pr->seeds_max, pr->rounds, (long long)out->npoints,
            (long long)(out->npoints + out->unselected), (long long)pr->capped, sp->nseeds,
            100 * pr->worst, desc[0] ? " (" : "", desc, desc[0] ? ")" : "");
}

/* Reads the scenario, applies --set, parses and checks the sweep. Returns
 * the document (and fills *sp), or NULL with err filled. */
static json_t *sweep_load(const sweep_args *a, sweep_spec *sp, vs_err *err)
{
    json_t *doc = sweep_read_doc(a->file, a->sets, a->nsets_all, err);
    if (!doc)
        return NULL;
    if (sweep_parse(doc, a->file, sp, err)) {
        json_decref(doc);
        return NULL;
    }
    if (sweep_check_points(sp, doc, a->file, err)) {
        sweep_free(sp);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* Prints how sweep_run ended; returns the exit status. */
static int sweep_report(const sweep_args *a, int rc, const srun_outcome *out, const vs_err *err,
                        const char *res)
{
    int64_t finished = out->npoints - out->missing;
    char what[64] = "";
    if (a->shard_n)
        snprintf(what, sizeof what, " of shard %d/%d", a->shard_i, a->shard_n);
    if (rc) {
        fprintf(stderr, "vmsim sweep: %s\n", err->msg);
        if (out->jobs > 0) /* the failure came while running points */
            fprintf(stderr, "vmsim sweep: %lld of %lld points%s finished and kept in %s/points; "
                            "after fixing the problem, resume with: %s\n",
                    (long long)finished, (long long)out->npoints, what, a->dir, res);
        return err->code ? err->code : VS_EXIT_INTERNAL;
    }
    if (!out->interrupted && out->missing) { /* only if point files vanished meanwhile */
        fprintf(stderr, "vmsim sweep: %lld of %lld point files%s are missing after the run; "
                        "resume with: %s\n",
                (long long)out->missing, (long long)out->npoints, what, res);
        return VS_EXIT_INTERNAL;
    }
    if (out->interrupted) {
        fprintf(stderr, "vmsim sweep: interrupted: %lld of %lld points%s finished and kept in "
                        "%s/points (tables so far in %s/results.csv); resume with: %s\n",
                (long long)finished, (long long)out->npoints, what, a->dir, a->dir, res);
        return 130;
    }
    if (!a->quiet && a->shard_n)
        fprintf(stderr, "sweep: shard %d/%d: %lld points (%lld run now, %lld found done) in "
                        "%.1f s; wrote %s/results.csv and %s/summary.csv (%lld points present); "
                        "join the shards with vmsim merge\n",
                a->shard_i, a->shard_n, (long long)out->npoints, (long long)out->ran,
                (long long)out->skipped, out->wall_s, a->dir, a->dir, (long long)out->present);
    else if (!a->quiet)
        fprintf(stderr, "sweep: %lld points (%lld run now, %lld found done) in %.1f s; wrote "
                        "%s/results.csv and %s/summary.csv\n",
                (long long)out->npoints, (long long)out->ran, (long long)out->skipped,
                out->wall_s, a->dir, a->dir);
    return 0;
}

#ifdef VMSIM_MPI
/* `vmsim sweep` as one rank of an MPI job of `ranks` processes. Rank 0
 * reads the scenario and sends it (after --set) to the others, then runs
 * the sweep as the master (sweep_run with o.mpi); the other ranks run the
 * points it hands them. Every rank ends MPI before returning. */
static int sweep_cmd_mpi(const sweep_args *a, int rank, int ranks)
{
    vs_err err = {0};
    sweep_spec sp = {0};
    json_t *doc = NULL;
    char *text = NULL;
    int code = 0, rc;
    if (rank == 0) {
        doc = sweep_load(a, &sp, &err);
        if (doc)
            text = json_dumps(doc, JSON_COMPACT);
        else
            fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        code = doc ? 0 : err.code ? err.code : VS_EXIT_INPUT;
    }
    char *shared = sweep_mpi_share(text, &code);
    free(text);
    if (!shared) {
        if (doc) {
            sweep_free(&sp);
            json_decref(doc);
        }
        sweep_mpi_end(code);
        return code;
    }
    int ok = 1;
    if (rank != 0) { /* the scenario as rank 0 read it: every rank runs the same points */
        json_error_t je;
        doc = json_loads(shared, 0, &je);
        ok = doc && sweep_parse(doc, a->file, &sp, &err) == 0;
        if (!ok)
            fprintf(stderr, "vmsim sweep: rank %d: %s\n", rank, doc ? err.msg : je.text);
    }
    free(shared);
    if (!sweep_mpi_all_ok(ok)) {
        if (ok)
            sweep_free(&sp);
        json_decref(doc);
        sweep_mpi_end(VS_EXIT_INTERNAL);
        return VS_EXIT_INTERNAL;
    }
    char run[8192], res[8192];
    sweep_commands(a, ranks, run, sizeof run, res, sizeof res);
    if (rank == 0) {
        srun_opts o = {.dir = a->dir, .jobs = ranks - 1, .resume = a->resume, .quiet = a->quiet,
                       .run_cmd = run, .resume_cmd = res, .shard_i = a->shard_i,
                       .shard_n = a->shard_n, .mpi = 1};
        prog_bar bar;
        prog_attach(&bar, &o, a->quiet);
        srun_outcome out;
        rc = srun_run(&sp, doc, a->file, &o, &out, &err);
        rc = sweep_report(a, rc, &out, &err, res);
    } else {
        rc = sweep_mpi_worker(&sp, doc, a->file, run, &err);
        if (rc)
            fprintf(stderr, "vmsim sweep: rank %d: %s\n", rank, err.msg);
        rc = rc ? VS_EXIT_INTERNAL : 0;
    }
    sweep_free(&sp);
    json_decref(doc);
    sweep_mpi_end(rc);
    return rc;
}
#endif

static int sweep_cmd(sweep_args *a0);

int cmd_sweep(int argc, char **argv)
{
    sweep_args a;
    vs_err err = {0};
    if (sweep_parse_args(argc, argv, &a, &err)) {
        free(a.seeds_set);
        return args_usage_error("sweep", "%s", err.msg);
    }
    if (a.help) {
        fputs(sweep_usage, stdout);
        return 0;
    }
    int rc = sweep_cmd(&a);
    free(a.seeds_set);
    return rc;
}

/* The command after parsing. */
static int sweep_cmd(sweep_args *a0)
{
    sweep_args a = *a0;
    vs_err err = {0};
    char var[64];
    int launched = srun_launcher_size(var, sizeof var);
#ifdef VMSIM_MPI
    if (launched > 0) {
        int rank, ranks;
        if (sweep_mpi_begin(&rank, &ranks, &err)) {
            fprintf(stderr, "vmsim sweep: %s\n", err.msg);
            return err.code ? err.code : VS_EXIT_INPUT;
        }
        if (ranks > 1 && a.precision > 0) {
            if (rank == 0)
                fprintf(stderr, "vmsim sweep: --precision works in one process with -j workers, "
                                "not under MPI\n");
            sweep_mpi_end(VS_EXIT_INPUT);
            return VS_EXIT_INPUT;
        }
        if (ranks > 1)
            return sweep_cmd_mpi(&a, rank, ranks);
    }
#else
    /* K copies of a sweep started by mpirun or srun would each run every
     * point; a shard per process is intended, though. */
    if (launched > 1 && !a.shard_n) {
        fprintf(stderr,
                "vmsim sweep: started as one of %d processes of a parallel job (%s=%d), but this "
                "vmsim is built without MPI, so each process would run the whole sweep. Rebuild "
                "with 'make MPI=1' (docs/scaling-out.md), give each process its own --shard I/%d, "
                "or start one process (it runs -j worker processes)\n",
                launched, var, launched, launched);
        return VS_EXIT_INPUT;
    }
#endif
    sweep_spec sp;
    json_t *doc = sweep_load(&a, &sp, &err);
    if (!doc) {
        fprintf(stderr, "vmsim sweep: %s\n", err.msg);
        return err.code ? err.code : VS_EXIT_INPUT;
    }
    char run[8192], res[8192];
    sweep_commands(&a, 1, run, sizeof run, res, sizeof res);
    srun_opts o = {.dir = a.dir, .jobs = a.jobs, .resume = a.resume, .quiet = a.quiet,
                   .run_cmd = run, .resume_cmd = res, .shard_i = a.shard_i,
                   .shard_n = a.shard_n, .precision = a.precision,
                   .precision_metric = a.precision_metric, .min_seeds = a.min_seeds};
    prog_bar bar;
    prog_attach(&bar, &o, a.quiet);
    srun_outcome out;
    int rc = srun_run(&sp, doc, a.file, &o, &out, &err);
    rc = sweep_report(&a, rc, &out, &err, res);
    if (rc == 0 && a.precision > 0 && !a.quiet)
        sweep_report_precision(&a, &sp, &out);
    sweep_free(&sp);
    json_decref(doc);
    return rc;
}
