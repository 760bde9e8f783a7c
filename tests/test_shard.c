/* Shards and merging: `vmsim sweep --shard I/N` runs exactly its points,
 * three shards in separate directories merged with `vmsim merge` give the
 * local sweep's tables (apart from the wall-clock columns), so do three
 * shards running at once in one shared directory; the directory locks;
 * merge errors (different sweeps, missing points, not a sweep); the
 * refusal to run under an MPI launcher without MPI. Uses $VMSIM. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/sweep.h"
#include "config/scenario.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- helpers -------------------------------------------------------------- */

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static int has_point(const char *dir, int p)
{
    char q[4300];
    snprintf(q, sizeof q, "%s/points/%06d.json", dir, p);
    return access(q, F_OK) == 0;
}

/* The test sweep: lockloop.json with a 2-axis sweep section (3 x 2 values,
 * 2 seeds: 12 points), written as a temporary scenario. */
#define NPOINTS 12
static const char sweep_section[] =
    "{\"axes\": [{\"path\": \"workload.threads\", \"values\": [4, 1, 2]},"
    " {\"path\": \"guest.lock.algorithm\", \"name\": \"lock\", \"values\": [\"ticket\", \"mcs\"]}],"
    " \"seeds\": [1, 2]}";

/* A work directory with the scenario s.json and the error file; freed by
 * ws_done. */
typedef struct ws {
    char *dir;         /* the temporary directory */
    char scn[4200];    /* dir/s.json */
    char err[4200];    /* dir/err.txt: stderr of the last command */
    char sub[8][4200]; /* dir/NAME paths made by ws_path */
    int nsub;          /* used entries of sub */
} ws;

static void ws_init(ws *w)
{
    memset(w, 0, sizeof *w);
    w->dir = th_make_tmpdir("shard");
    snprintf(w->scn, sizeof w->scn, "%s/s.json", w->dir);
    snprintf(w->err, sizeof w->err, "%s/err.txt", w->dir);
    char src[4200];
    snprintf(src, sizeof src, "%s/scenarios/micro/lockloop.json", th_src_dir());
    vs_err err = {0};
    json_t *d = sc_read_json(src, &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    json_error_t je;
    json_t *sw = json_loads(sweep_section, 0, &je);
    ck_assert_msg(sw != NULL, "%s", je.text);
    json_object_set_new(d, "sweep", sw);
    ck_assert_int_eq(json_dump_file(d, w->scn, JSON_INDENT(2)), 0);
    json_decref(d);
}

static const char *ws_path(ws *w, const char *name)
{
    ck_assert_int_lt(w->nsub, 8);
    snprintf(w->sub[w->nsub], sizeof w->sub[0], "%s/%s", w->dir, name);
    return w->sub[w->nsub++];
}

static void ws_done(ws *w)
{
    th_rm_rf(w->dir);
    free(w->dir);
}

/* Starts `vmsim sweep s.json -o dir [--shard shard] [--resume]` with the
 * short run of the tests; duration as --set duration_s. */
static pid_t sweep_spawn(ws *w, const char *dir, const char *shard, int resume,
                         const char *duration, const char *env)
{
    char dset[64];
    snprintf(dset, sizeof dset, "duration_s=%s", duration ? duration : "0.02");
    const char *args[20] = {"sweep", w->scn, "-o", dir, "-j", "2", "--quiet",
                            "--set", dset, "--set", "warmup_s=0.002"};
    int n = 11;
    if (shard) {
        args[n++] = "--shard";
        args[n++] = shard;
    }
    if (resume)
        args[n++] = "--resume";
    args[n] = NULL;
    return th_spawn(NULL, args, w->err, env);
}

static int sweep_cmd(ws *w, const char *dir, const char *shard, int resume)
{
    return th_wait(sweep_spawn(w, dir, shard, resume, NULL, NULL));
}

static void expect_err(ws *w, const char *frag)
{
    th_expect_file_contains(w->err, frag);
}

/* Asserts that dir holds results.csv (sans wall columns), summary.csv and
 * sweep.json equal to ref's. */
static void expect_same_tables(const char *ref, const char *dir)
{
    char *a = th_results_sans_wall(ref), *b = th_results_sans_wall(dir);
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(count_lines(a), NPOINTS + 1);
    free(a);
    free(b);
    const char *names[] = {"summary.csv", "sweep.json"};
    for (int i = 0; i < 2; i++) {
        a = th_slurp_in(ref, names[i]);
        b = th_slurp_in(dir, names[i]);
        ck_assert_msg(!strcmp(a, b), "%s differs between %s and %s", names[i], ref, dir);
        free(a);
        free(b);
    }
}

/* --- tests -------------------------------------------------------------------------- */

START_TEST(test_shards_then_merge)
{
    ws w;
    ws_init(&w);
    const char *ref = ws_path(&w, "local"), *m = ws_path(&w, "merged");
    const char *sd[3] = {ws_path(&w, "s1"), ws_path(&w, "s2"), ws_path(&w, "s3")};
    ck_assert_int_eq(sweep_cmd(&w, ref, NULL, 0), 0);
    for (int i = 0; i < 3; i++) {
        char shard[16];
        snprintf(shard, sizeof shard, "%d/3", i + 1);
        int rc = sweep_cmd(&w, sd[i], shard, 0);
        char *msg = th_slurp(w.err);
        ck_assert_msg(rc == 0, "shard %s: status %d: %s", shard, rc, msg);
        free(msg);
        /* exactly its points: p mod 3 == i */
        for (int p = 0; p < NPOINTS; p++)
            ck_assert_msg(has_point(sd[i], p) == (p % 3 == i), "shard %s, point %d", shard, p);
        /* its tables cover what it holds */
        char *r = th_slurp_in(sd[i], "results.csv");
        ck_assert_int_eq(count_lines(r), NPOINTS / 3 + 1);
        free(r);
    }
    const char *args[] = {"merge", m, sd[0], sd[1], sd[2], NULL};
    ck_assert_int_eq(th_run(NULL, args, w.err, NULL), 0);
    expect_err(&w, "12 merged from 3 directories");
    expect_same_tables(ref, m);
    /* merging again changes nothing */
    ck_assert_int_eq(th_run(NULL, args, w.err, NULL), 0);
    expect_err(&w, "12 already in");
    expect_same_tables(ref, m);
    /* the merged directory is a whole sweep: --resume finds nothing to do */
    ck_assert_int_eq(sweep_cmd(&w, m, NULL, 1), 0);
    expect_same_tables(ref, m);
    ws_done(&w);
}
END_TEST

START_TEST(test_shared_directory)
{
    ws w;
    ws_init(&w);
    const char *ref = ws_path(&w, "local"), *d = ws_path(&w, "shared");
    ck_assert_int_eq(sweep_cmd(&w, ref, NULL, 0), 0);
    /* three shards at once in one directory */
    pid_t pid[3];
    for (int i = 0; i < 3; i++) {
        char shard[16];
        snprintf(shard, sizeof shard, "%d/3", i + 1);
        pid[i] = sweep_spawn(&w, d, shard, 0, NULL, NULL);
    }
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(th_wait(pid[i]), 0);
    for (int p = 0; p < NPOINTS; p++)
        ck_assert_msg(has_point(d, p), "point %d missing", p);
    /* the tables of the last shard to finish may miss points the others
     * wrote after it collected; merging the directory into itself rebuilds */
    const char *args[] = {"merge", d, d, NULL};
    ck_assert_int_eq(th_run(NULL, args, w.err, NULL), 0);
    expect_same_tables(ref, d);
    /* a shard started again without --resume is refused, with it runs nothing */
    ck_assert_int_eq(sweep_cmd(&w, d, "2/3", 0), 2);
    expect_err(&w, "already holds 4 point files of shard 2/3; use --resume");
    ck_assert_int_eq(sweep_cmd(&w, d, "2/3", 1), 0);
    /* a shard of another sweep is refused */
    ck_assert_int_eq(th_wait(sweep_spawn(&w, d, "1/3", 1, "0.03", NULL)), 2);
    expect_err(&w, "describes a different sweep: scenario.duration_s was 0.02, now 0.03");

    /* locks: a running shard locks .lock.shard-I-of-N and shares .lock */
    char lp[4300];
    snprintf(lp, sizeof lp, "%s/.lock.shard-1-of-3", d);
    int fd = open(lp, O_RDWR | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_EX | LOCK_NB), 0);
    ck_assert_int_eq(sweep_cmd(&w, d, "1/3", 1), 2);
    expect_err(&w, "shard 1/3 is already running in this directory");
    ck_assert_int_eq(sweep_cmd(&w, d, "3/3", 1), 0); /* another shard may run */
    close(fd);
    snprintf(lp, sizeof lp, "%s/.lock", d);
    fd = open(lp, O_RDWR | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(flock(fd, LOCK_SH | LOCK_NB), 0); /* as a running shard holds it */
    ck_assert_int_eq(sweep_cmd(&w, d, NULL, 1), 2);     /* no whole sweep beside shards */
    expect_err(&w, "another vmsim sweep is running in this directory");
    ck_assert_int_eq(th_run(NULL, args, w.err, NULL), 2); /* nor a merge into it */
    expect_err(&w, "another vmsim sweep is running in this directory");
    ck_assert_int_eq(sweep_cmd(&w, d, "1/3", 1), 0);
    close(fd);
    expect_same_tables(ref, d);
    ws_done(&w);
}
END_TEST

START_TEST(test_merge_errors)
{
    ws w;
    ws_init(&w);
    const char *s1 = ws_path(&w, "s1"), *s2 = ws_path(&w, "s2"), *other = ws_path(&w, "other");
    const char *m = ws_path(&w, "m"), *m2 = ws_path(&w, "m2"), *m3 = ws_path(&w, "m3");
    ck_assert_int_eq(sweep_cmd(&w, s1, "1/3", 0), 0);
    ck_assert_int_eq(sweep_cmd(&w, s2, "2/3", 0), 0);
    ck_assert_int_eq(th_wait(sweep_spawn(&w, other, "3/3", 0, "0.03", NULL)), 0);
    /* different sweeps */
    const char *a1[] = {"merge", m, s1, s2, other, NULL};
    ck_assert_int_eq(th_run(NULL, a1, w.err, NULL), 2);
    expect_err(&w, "describe different sweeps: scenario.duration_s is 0.02 in the first, 0.03 in "
                   "the second");
    ck_assert_int_eq(access(m, F_OK), -1); /* nothing written */
    /* missing points: listed, exit 1; the merged part is kept */
    const char *a2[] = {"merge", m, s1, s2, NULL};
    ck_assert_int_eq(th_run(NULL, a2, w.err, NULL), 1);
    expect_err(&w, "4 of 12 points are in none of the directories: 2, 5, 8, 11");
    expect_err(&w, "--allow-missing");
    const char *a3[] = {"merge", m2, s1, s2, "--allow-missing", NULL};
    ck_assert_int_eq(th_run(NULL, a3, w.err, NULL), 0);
    expect_err(&w, "warning: 4 of 12 points are in none of the directories");
    char *r = th_slurp_in(m2, "results.csv");
    ck_assert_int_eq(count_lines(r), 8 + 1);
    free(r);
    /* a merge into a directory of another sweep */
    const char *a4[] = {"merge", other, s1, NULL};
    ck_assert_int_eq(th_run(NULL, a4, w.err, NULL), 2);
    expect_err(&w, "describe different sweeps");
    /* not sweep directories */
    const char *a5[] = {"merge", m3, s1, w.dir, NULL};
    ck_assert_int_eq(th_run(NULL, a5, w.err, NULL), 2);
    expect_err(&w, "no sweep.json, so not a sweep directory");
    const char *a6[] = {"merge", m3, w.scn, NULL};
    ck_assert_int_eq(th_run(NULL, a6, w.err, NULL), 2);
    expect_err(&w, "not a directory");
    /* usage */
    const char *a7[] = {"merge", m3, NULL};
    ck_assert_int_eq(th_run(NULL, a7, w.err, NULL), 2);
    expect_err(&w, "missing DIR");
    const char *a8[] = {"merge", m3, s1, "--bogus", NULL};
    ck_assert_int_eq(th_run(NULL, a8, w.err, NULL), 2);
    expect_err(&w, "unknown option --bogus");
    const char *a9[] = {"merge", "--help", NULL};
    ck_assert_int_eq(th_run(NULL, a9, w.err, NULL), 0);
    ws_done(&w);
}
END_TEST

START_TEST(test_shard_usage)
{
    ws w;
    ws_init(&w);
    const char *d = ws_path(&w, "d");
    static const char *const bad[] = {"0/3", "4/3", "3", "1/0", "a/b", "1/3x", "-1/3", "/3", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(sweep_cmd(&w, d, bad[i], 0), 2);
        expect_err(&w, "--shard");
    }
    /* more shards than points: the surplus ones run nothing */
    ck_assert_int_eq(sweep_cmd(&w, d, "13/20", 0), 0);
    ck_assert_int_eq(sweep_cmd(&w, d, "12/20", 0), 0);
    ck_assert_int_eq(has_point(d, 11), 1);
    ck_assert_int_eq(has_point(d, 0), 0);
    ws_done(&w);
}
END_TEST

/* Started by mpirun (here: its environment) a vmsim without MPI refuses to
 * run K copies of the sweep, unless each has its own shard. */
START_TEST(test_launcher_without_mpi)
{
    char var[64];
    unsetenv("OMPI_COMM_WORLD_SIZE");
    unsetenv("PMI_SIZE");
    unsetenv("MV2_COMM_WORLD_SIZE");
    unsetenv("SLURM_STEP_NUM_TASKS");
    ck_assert_int_eq(sweep_launcher_size(var, sizeof var), 0);
    setenv("PMI_SIZE", "4", 1);
    ck_assert_int_eq(sweep_launcher_size(var, sizeof var), 4);
    ck_assert_str_eq(var, "PMI_SIZE");
    unsetenv("PMI_SIZE");
    setenv("SLURM_STEP_NUM_TASKS", "8", 1);
    setenv("SLURM_STEP_ID", "4294967291", 1); /* the batch script: not a launch */
    ck_assert_int_eq(sweep_launcher_size(var, sizeof var), 0);
    setenv("SLURM_STEP_ID", "0", 1);
    ck_assert_int_eq(sweep_launcher_size(var, sizeof var), 8);
    unsetenv("SLURM_STEP_NUM_TASKS");
    unsetenv("SLURM_STEP_ID");
#ifndef VMSIM_MPI
    ws w;
    ws_init(&w);
    const char *d = ws_path(&w, "d");
    ck_assert_int_eq(th_wait(sweep_spawn(&w, d, NULL, 0, NULL, "OMPI_COMM_WORLD_SIZE=2")), 2);
    expect_err(&w, "built without MPI");
    expect_err(&w, "make MPI=1");
    ck_assert_int_eq(access(d, F_OK), -1);
    ck_assert_int_eq(th_wait(sweep_spawn(&w, d, "1/1", 0, NULL, "OMPI_COMM_WORLD_SIZE=2")), 0);
    ck_assert_int_eq(has_point(d, NPOINTS - 1), 1);
    ws_done(&w);
#endif
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("shard");
    TCase *tc = tcase_create("shard");
    tcase_add_test(tc, test_shards_then_merge);
    tcase_add_test(tc, test_shared_directory);
    tcase_add_test(tc, test_merge_errors);
    tcase_add_test(tc, test_shard_usage);
    tcase_add_test(tc, test_launcher_without_mpi);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
    return s;
}
