/* The replay workload and its log parsers (config/buildlog.c,
 * models/workloads/replay.c): tiny hand-written logs on bare metal with all
 * costs 0, whose makespans are computed by hand; graph invariants; every
 * kind of bad log, with messages naming the file and line. Logs go to a
 * mkdtemp directory that is removed afterwards, failures or not. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/buildlog.h"
#include "config/scenario.h"
#include "models/locks/lock.h"
#include "models/run.h"
#include "models/workloads/replay.h"
#include "tests/check_main.h"
#include "tests/harness.h"

#define MS 1000000LL

/* --- temporary files ------------------------------------------------------- */

static char tmpdir[64]; /* made once for the suite (unchecked fixture: the parent process) */

static void tmp_setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/vmsim-replay-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("test_replay: mkdtemp");
        exit(EXIT_FAILURE);
    }
}

/* Removes tmpdir and the logs the tests wrote there (also after failures:
 * it runs in the parent, after every test). */
static void tmp_cleanup(void)
{
    th_rm_flat(tmpdir);
}

/* Writes len bytes (strlen when len < 0) to tmpdir/name; returns the path. */
static const char *tmp_write(const char *name, const char *text, long len)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", p);
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    ck_assert_uint_eq(fwrite(text, 1, n, f), n);
    fclose(f);
    return p;
}

/* --- scenarios ----------------------------------------------------------------- */

/* Bare metal, 2 cores, every cost 0. `wl` is the rest of the workload
 * object after "type": "replay". The scenario "lives" in tmpdir, so log
 * paths are relative to it. */
static json_t *scen(double duration_s, const char *wl)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": %g, \"host\": {\"sockets\": 1, \"cores_per_socket\": 2, \"costs\": {"
             "\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
             "\"line_two_hops_ns\": 0, \"vmexit_ns\": 0, \"kick_ns\": 0, \"ipi_ns\": 0, \"wake_ns\": 0,"
             "\"native_wake_ns\": 0, \"ctx_switch_ns\": 0, \"migrate_same_socket_ns\": 0}},"
             " \"hypervisor\": {\"scheduler\": \"none\"},"
             " \"workload\": {\"type\": \"replay\", %s}}",
             duration_s, wl);
    json_error_t je;
    json_t *d = json_loads(buf, 0, &je);
    ck_assert_msg(d != NULL, "bad test JSON: %s at %d:%d in %s", je.text, je.line, je.column, buf);
    return d;
}

static const char *scen_file(void)
{
    static char f[128];
    snprintf(f, sizeof f, "%s/scenario.json", tmpdir);
    return f;
}

/* Loads; returns sc_load_doc's status with err filled. */
static int load(double duration_s, const char *wl, scenario *sc, vs_err *err)
{
    json_t *d = scen(duration_s, wl);
    memset(err, 0, sizeof *err);
    int rc = sc_load_doc(d, scen_file(), sc, err);
    json_decref(d);
    return rc;
}

typedef struct outcome {
    int nbuilds;          /* finished builds */
    sim_time first;       /* makespan of the first, ns */
    sim_time last;        /* of the last */
    uint64_t ops;         /* whole builds counted */
    double work;          /* fractional builds credited */
    uint64_t lock_acq;    /* acquisitions over the VM's locks */
} outcome;

/* Runs a replay scenario that must load. */
static outcome run(double duration_s, const char *wl)
{
    scenario sc;
    vs_err err;
    ck_assert_msg(load(duration_s, wl, &sc, &err) == 0, "scenario refused: %s", err.msg);
    world *w = world_new(&sc);
    world_run(w);
    world_finish(w);
    outcome o = {0};
    const sim_time *mk;
    o.nbuilds = replay_makespans(&w->vms[0], &mk);
    if (o.nbuilds) {
        o.first = mk[0];
        o.last = mk[o.nbuilds - 1];
    }
    o.ops = w->vms[0].ops;
    o.work = w->vms[0].work;
    for (int k = 0; k < w->vms[0].nlocks; k++)
        o.lock_acq += w->vms[0].locks[k]->acquisitions;
    world_free(w);
    scenario_free(&sc);
    return o;
}

/* One build (repeat false) of `log` at -j `jobs`: its makespan. */
static sim_time makespan(const char *key, const char *log, int jobs)
{
    char wl[512];
    snprintf(wl, sizeof wl, "\"%s\": \"%s\", \"jobs\": %d, \"repeat\": false", key, log, jobs);
    outcome o = run(10, wl);
    ck_assert_int_eq(o.nbuilds, 1);
    ck_assert_int_eq(o.ops, 1);
    ck_assert_rel(o.work, 1.0, 1e-9);
    return o.first;
}

/* --- makespans by hand ---------------------------------------------------------- */

/* a 100 ms, b 50 ms, c 30 ms after a and b:
 * -j1: 100 + 50 + 30 = 180; -j2: a || b, c after a = 100 + 30 = 130. */
static const char ABC[] = "id,cpu_ms,deps\na,100,\nb,50,\nc,30,a b\n";

/* A diamond d -> (e, f) -> g plus an independent h listed last:
 * -j1: 10 + 40 + 20 + 5 + 100 = 175.
 * -j2: d 0-10 || h 0-100 (h is ready at 0; d comes first, h second);
 *      e 10-50 (f waits: both cores busy), f 50-70, g 70-75; h ends at 100 -> 100.
 * -j3: d 0-10 || h 0-100; e 10-50 || f 10-30; g 50-55 -> 100.
 * Without h: -j2 = 10 + max(40, 20) + 5 = 55. */
static const char DIAMOND[] = "# a diamond\nid,cpu_ms,deps\n"
                              "d,10,\ne,40,d\nf,20,d\ng,5,e;f\nh,100,\n";
static const char DIAMOND_NO_H[] = "id,cpu_ms,deps\nd,10,\ne,40,d\nf,20,d\ng,5,e;f\n";

START_TEST(test_csv_makespans)
{
    tmp_write("abc.csv", ABC, -1);
    ck_assert_int_eq(makespan("jobs_csv", "abc.csv", 1), 180 * MS);
    ck_assert_int_eq(makespan("jobs_csv", "abc.csv", 2), 130 * MS);
    tmp_write("diamond.csv", DIAMOND, -1);
    ck_assert_int_eq(makespan("jobs_csv", "diamond.csv", 1), 175 * MS);
    ck_assert_int_eq(makespan("jobs_csv", "diamond.csv", 2), 100 * MS);
    tmp_write("d4.csv", DIAMOND_NO_H, -1);
    ck_assert_int_eq(makespan("jobs_csv", "d4.csv", 1), 75 * MS);
    ck_assert_int_eq(makespan("jobs_csv", "d4.csv", 2), 55 * MS);
    /* "log" with a .csv name is read as CSV too */
    ck_assert_int_eq(makespan("log", "abc.csv", 2), 130 * MS);
}
END_TEST

START_TEST(test_log_order)
{
    /* independent x 10, y 10, z 30 at -j2: in this order z waits for a
     * core: 10 + 30 = 40; listed z first: z || x, then y: max(30, 20) = 30 */
    tmp_write("xyz.csv", "id,cpu_ms,deps\nx,10,\ny,10,\nz,30,\n", -1);
    tmp_write("zxy.csv", "id,cpu_ms,deps\nz,30,\nx,10,\ny,10,\n", -1);
    ck_assert_int_eq(makespan("jobs_csv", "xyz.csv", 2), 40 * MS);
    ck_assert_int_eq(makespan("jobs_csv", "zxy.csv", 2), 30 * MS);
}
END_TEST

/* ninja: a.o 100 ms, b.o logged twice (the later 60 ms counts), app 30 ms
 * and a two-output edge (gen.c + gen.h, one 20 ms job); no dependencies.
 * Jobs by start: a.o (0), gen.c (0, line 3), b.o (5), app (100).
 * -j1: 100 + 20 + 60 + 30 = 210. -j2: a.o 0-100 || gen 0-20, b.o 20-80,
 * app 80-110 -> 110. */
static const char NINJA[] = "# ninja log v5\n"
                            "0\t100\t1795704582406745959\ta.o\t1a2b3c4d5e6f7a8b\n"
                            "0\t20\t0\tgen.c\tffff\n"
                            "0\t20\t0\tgen.h\tffff\n"
                            "0\t50\t0\tb.o\tbeef\n"
                            "5\t65\t0\tb.o\tbeef\n"
                            "100\t130\t0\tapp\t42\n";

START_TEST(test_ninja_makespans)
{
    tmp_write("build.ninja_log", NINJA, -1);
    ck_assert_int_eq(makespan("log", "build.ninja_log", 1), 210 * MS);
    ck_assert_int_eq(makespan("log", "build.ninja_log", 2), 110 * MS);
    /* the graph itself */
    blog_graph *g;
    vs_err err = {0};
    ck_assert_msg(blog_parse("n", NINJA, strlen(NINJA), BLOG_NINJA, &g, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(g->njobs, 4);
    const char *ids[] = {"a.o", "gen.c", "b.o", "app"};
    const sim_time cpu[] = {100 * MS, 20 * MS, 60 * MS, 30 * MS};
    const int lines[] = {2, 3, 6, 7};
    for (int j = 0; j < 4; j++) {
        ck_assert_str_eq(g->jobs[j].id, ids[j]);
        ck_assert_int_eq(g->jobs[j].cpu_ns, cpu[j]);
        ck_assert_int_eq(g->jobs[j].line, lines[j]);
        ck_assert_int_eq(g->jobs[j].ndeps, 0);
    }
    ck_assert_int_eq(g->nedges, 0);
    ck_assert_rel(g->total_cpu_ns, 210e6, 1e-12);
    ck_assert_rel(g->critical_ns, 100e6, 1e-12);
    blog_free(g);
}
END_TEST

START_TEST(test_graph_invariants)
{
    blog_graph *g;
    vs_err err = {0};
    ck_assert_msg(blog_parse("d.csv", DIAMOND, strlen(DIAMOND), BLOG_CSV, &g, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(g->njobs, 5);
    ck_assert_int_eq(g->nedges, 4);
    ck_assert_str_eq(g->jobs[3].id, "g");
    ck_assert_int_eq(g->jobs[3].line, 6);
    ck_assert_int_eq(g->jobs[3].ndeps, 2);
    ck_assert_int_eq(g->jobs[3].deps[0], 1);
    ck_assert_int_eq(g->jobs[3].deps[1], 2);
    ck_assert_int_eq(g->jobs[0].nsucc, 2); /* d -> e, f */
    for (int j = 0; j < g->njobs; j++)     /* succ is exactly the reverse of deps */
        for (int k = 0; k < g->jobs[j].ndeps; k++) {
            int d = g->jobs[j].deps[k], found = 0;
            for (int s = 0; s < g->jobs[d].nsucc; s++)
                found += g->jobs[d].succ[s] == j;
            ck_assert_int_eq(found, 1);
        }
    ck_assert_rel(g->total_cpu_ns, 175e6, 1e-12);
    ck_assert_rel(g->critical_ns, 100e6, 1e-12); /* h alone; the diamond chain is 55 */
    blog_free(g);
    /* fractional milliseconds, CRLF, blanks, comments, forward references */
    const char *t = "# x\r\n id , cpu_ms , deps \r\n\r\nb, 0.5 ,a\r\na,2.25,\r\n";
    ck_assert_msg(blog_parse("t.csv", t, strlen(t), BLOG_CSV, &g, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(g->njobs, 2);
    ck_assert_int_eq(g->jobs[0].cpu_ns, 500000);
    ck_assert_int_eq(g->jobs[1].cpu_ns, 2250000);
    ck_assert_int_eq(g->jobs[0].deps[0], 1);
    ck_assert_rel(g->critical_ns, 2.75e6, 1e-12);
    blog_free(g);
    ck_assert_int_eq(blog_format_of("x/y.CSV"), BLOG_CSV);
    ck_assert_int_eq(blog_format_of("x/.ninja_log"), BLOG_NINJA);
}
END_TEST

START_TEST(test_repeat_and_scale)
{
    tmp_write("abc.csv", ABC, -1);
    /* 1 s of -j2 builds of 130 ms: 7 whole builds (the 7th ends at 0.91 s) */
    outcome o = run(1.0, "\"jobs_csv\": \"abc.csv\", \"jobs\": 2");
    ck_assert_int_eq(o.nbuilds, 7);
    ck_assert_int_eq(o.ops, 7);
    ck_assert_int_eq(o.first, 130 * MS);
    ck_assert_int_eq(o.last, 130 * MS);
    /* build 8 starts at 0.91 s: b (50 ms) is done at 0.96 s, a is not */
    ck_assert_rel(o.work, 7 + 50.0 / 180, 1e-9);
    /* cpu_scale and a spawn delay of 1 ms per job start */
    o = run(10, "\"jobs_csv\": \"abc.csv\", \"jobs\": 2, \"repeat\": false, \"cpu_scale\": 0.5,"
                " \"spawn_delay_ns\": 1000000");
    ck_assert_int_eq(o.first, (1 + 50 + 1 + 15) * MS);
}
END_TEST

START_TEST(test_kernel_sections)
{
    tmp_write("abc.csv", ABC, -1);
    /* a private lock costs CPU time only, and holds count against the
     * job's time: the makespan is exactly the recorded one */
    outcome o = run(10, "\"jobs_csv\": \"abc.csv\", \"jobs\": 2, \"repeat\": false,"
                        " \"kentry\": {\"dist\": \"exp\", \"mean_ns\": 100000},"
                        " \"kernel_locks\": [{\"name\": \"mm\", \"private\": true,"
                        "   \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1000}}]");
    ck_assert_int_eq(o.first, 130 * MS);
    ck_assert_int_eq(o.lock_acq, 0);
    /* a shared one is taken (about 180 ms / 100 us times) and can only
     * make the build longer */
    o = run(10, "\"jobs_csv\": \"abc.csv\", \"jobs\": 2, \"repeat\": false,"
                " \"kernel_locks\": [{\"name\": \"zone\", \"hold\": {\"dist\": \"exp\", \"mean_ns\": 5000}}]");
    ck_assert_int_ge(o.first, 130 * MS);
    ck_assert_int_gt(o.lock_acq, 1000);
    ck_assert_int_eq(o.nbuilds, 1);
}
END_TEST

/* --- bad logs --------------------------------------------------------------------- */

/* Parses text as fmt under the name "t.log"; requires failure and every
 * fragment in the message. */
static void bad_text(const char *text, long len, blog_format fmt, const char *const *frag)
{
    blog_graph *g = (blog_graph *)1;
    vs_err err = {0};
    size_t n = len < 0 ? strlen(text) : (size_t)len;
    ck_assert_msg(blog_parse("t.log", text, n, fmt, &g, &err) == -1, "accepted: %.200s", text);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    for (int i = 0; frag[i]; i++)
        ck_assert_msg(strstr(err.msg, frag[i]) != NULL, "message \"%s\" lacks \"%s\"", err.msg, frag[i]);
}

#define FRAGS(...) ((const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_bad_csv)
{
    bad_text("id,cpu_ms,deps\na,1,c\nb,2,a\nc,3,b\n", -1, BLOG_CSV,
             FRAGS("t.log:", "dependency cycle through job", "needs \"b\" (line 3)"));
    bad_text("id,cpu_ms,deps\nok,1,\na,1,a\n", -1, BLOG_CSV,
             FRAGS("t.log:3: dependency cycle through job \"a\": it depends on itself"));
    bad_text("id,cpu_ms,deps\na,1,\nb,1,a zz\n", -1, BLOG_CSV,
             FRAGS("t.log:3: field 3 (deps): unknown job \"zz\""));
    bad_text("id,cpu_ms,deps\na,1\n", -1, BLOG_CSV,
             FRAGS("t.log:2: expected 3 comma-separated fields", "found 2"));
    bad_text("id,cpu_ms,deps\na,1,,x\n", -1, BLOG_CSV, FRAGS("t.log:2: expected 3", "found 4"));
    bad_text("id,cpu_ms,deps\n,1,\n", -1, BLOG_CSV, FRAGS("t.log:2: field 1 (id)", "found \"\""));
    bad_text("id,cpu_ms,deps\na b,1,\n", -1, BLOG_CSV, FRAGS("t.log:2: field 1 (id)", "found \"a b\""));
    bad_text("id,cpu_ms,deps\na,-5,\n", -1, BLOG_CSV,
             FRAGS("t.log:2: field 2 (cpu_ms): expected a number of milliseconds >= 0", "found \"-5\""));
    bad_text("id,cpu_ms,deps\na,ten,\n", -1, BLOG_CSV, FRAGS("t.log:2: field 2 (cpu_ms)", "found \"ten\""));
    bad_text("id,cpu_ms,deps\na,1e3,\n", -1, BLOG_CSV, FRAGS("t.log:2: field 2 (cpu_ms)", "found \"1e3\""));
    bad_text("id,cpu_ms,deps\na,,\n", -1, BLOG_CSV, FRAGS("t.log:2: field 2 (cpu_ms)", "found \"\""));
    bad_text("id,cpu_ms,deps\na,2000000000,\n", -1, BLOG_CSV, FRAGS("t.log:2:", "at most 1e9 milliseconds"));
    bad_text("id,cpu_ms,deps\na,1,\nb,1,\na,2,\n", -1, BLOG_CSV,
             FRAGS("t.log:4: field 1 (id): duplicate id \"a\" (first defined on line 2)"));
    bad_text("id,cpu_ms,deps\na,1,\nb,1,a;a\n", -1, BLOG_CSV, FRAGS("t.log:3:", "\"a\" is listed twice"));
    bad_text("", 0, BLOG_CSV, FRAGS("t.log: empty log"));
    bad_text("# only a comment\n\n", -1, BLOG_CSV, FRAGS("t.log: empty log"));
    bad_text("id,cpu_ms,deps\n", -1, BLOG_CSV, FRAGS("t.log: empty log: no jobs after the header"));
    bad_text("job,ms,deps\na,1,\n", -1, BLOG_CSV,
             FRAGS("t.log:1: expected the header \"id,cpu_ms,deps\"", "found \"job,ms,deps\""));
    bad_text("id,cpu_ms,deps\na,1,\x01\n", -1, BLOG_CSV, FRAGS("t.log:2:5: binary data (byte 0x01)"));
    bad_text("\x7f" "ELF\x02\x01\x01\x00\x00", 9, BLOG_CSV, FRAGS("t.log:1:1: binary data (byte 0x7f)"));
}
END_TEST

START_TEST(test_bad_ninja)
{
    bad_text("# ninja log v5\n0\t100\t0\ta.o\tab\n200\t150\t0\tb.o\tcd\n", -1, BLOG_NINJA,
             FRAGS("t.log:3: reversed times: end_ms 150 is before start_ms 200"));
    bad_text("# ninja log v5\n0\t100\t0\ta.o\n", -1, BLOG_NINJA,
             FRAGS("t.log:2: expected 5 tab-separated fields", "found 4"));
    bad_text("# ninja log v5\n0 100 0 a.o ab\n", -1, BLOG_NINJA, FRAGS("t.log:2: expected 5", "found 1"));
    bad_text("# ninja log v5\n-3\t100\t0\ta.o\tab\n", -1, BLOG_NINJA,
             FRAGS("t.log:2: field 1 (start_ms): expected a whole number of milliseconds >= 0, found \"-3\""));
    bad_text("# ninja log v5\n0\tx\t0\ta.o\tab\n", -1, BLOG_NINJA, FRAGS("t.log:2: field 2 (end_ms)", "\"x\""));
    bad_text("# ninja log v5\n0\t1\tnow\ta.o\tab\n", -1, BLOG_NINJA, FRAGS("t.log:2: field 3 (mtime)"));
    bad_text("# ninja log v5\n0\t1\t123456789012345678901\ta.o\tab\n", -1, BLOG_NINJA,
             FRAGS("t.log:2: field 3 (mtime): expected an integer"));
    bad_text("# ninja log v5\n0\t1\t0\t\tab\n", -1, BLOG_NINJA, FRAGS("t.log:2: field 4 (output)"));
    bad_text("# ninja log v5\n0\t1\t0\ta.o\txyz\n", -1, BLOG_NINJA,
             FRAGS("t.log:2: field 5 (cmdhash): expected a hexadecimal command hash, found \"xyz\""));
    bad_text("", 0, BLOG_NINJA, FRAGS("t.log: empty log"));
    bad_text("# ninja log v5\n", -1, BLOG_NINJA, FRAGS("t.log: empty log: no entries"));
    bad_text("# ninja log v4\n0\t1\t0\ta\t1\n", -1, BLOG_NINJA,
             FRAGS("t.log:1: expected the header \"# ninja log v5\"", "found \"# ninja log v4\""));
    bad_text("id,cpu_ms,deps\na,1,\n", -1, BLOG_NINJA, FRAGS("t.log:1: expected the header"));
    bad_text("# ninja log v5\n0\t1\t0\ta\x00.o\t1\n", 28, BLOG_NINJA, FRAGS("t.log:2:", "binary data (byte 0x00)"));
}
END_TEST

START_TEST(test_limits)
{
    /* a line of 65537 bytes */
    size_t n = 15 + 65537 + 1;
    char *t = malloc(n + 1);
    memcpy(t, "id,cpu_ms,deps\n", 15);
    memset(t + 15, 'a', 65537);
    t[n - 1] = '\n';
    t[n] = 0;
    bad_text(t, (long)n, BLOG_CSV, FRAGS("t.log:2: line longer than 65536 bytes"));
    free(t);
    /* 10001 dependencies */
    size_t cap = 32 + 10001 * 8;
    t = malloc(cap);
    size_t k = (size_t)snprintf(t, cap, "id,cpu_ms,deps\nx,1,");
    for (int i = 0; i < 10001; i++)
        k += (size_t)snprintf(t + k, cap - k, "d%d ", i);
    bad_text(t, (long)k, BLOG_CSV, FRAGS("t.log:2: field 3 (deps): more than 10000 dependencies"));
    free(t);
    /* 10000 are fine (the limit) until they are resolved */
    t = malloc(cap);
    k = (size_t)snprintf(t, cap, "id,cpu_ms,deps\nx,1,");
    for (int i = 0; i < 10000; i++)
        k += (size_t)snprintf(t + k, cap - k, "d%d ", i);
    bad_text(t, (long)k, BLOG_CSV, FRAGS("t.log:2: field 3 (deps): unknown job \"d0\""));
    free(t);
    /* 1,000,001 jobs */
    cap = 16 + 1000001 * 12;
    t = malloc(cap);
    k = (size_t)snprintf(t, cap, "id,cpu_ms,deps\n");
    for (int i = 0; i <= 1000000; i++)
        k += (size_t)snprintf(t + k, cap - k, "j%d,1,\n", i);
    bad_text(t, (long)k, BLOG_CSV, FRAGS("t.log:1000002: more than 1000000 jobs"));
    free(t);
}
END_TEST

/* Loading a scenario whose log is bad: exit code 2, naming the scenario, the
 * JSON path and the log's file and line. */
static void bad_scen(const char *wl, const char *const *frag)
{
    scenario sc;
    vs_err err;
    ck_assert_msg(load(1, wl, &sc, &err) == -1, "accepted: %s", wl);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    for (int i = 0; frag[i]; i++)
        ck_assert_msg(strstr(err.msg, frag[i]) != NULL, "message \"%s\" lacks \"%s\"", err.msg, frag[i]);
}

START_TEST(test_bad_scenarios)
{
    char file[256];
    snprintf(file, sizeof file, "%s/cycle.csv", tmpdir);
    tmp_write("cycle.csv", "id,cpu_ms,deps\na,1,b\nb,1,a\n", -1);
    bad_scen("\"jobs_csv\": \"cycle.csv\"",
             FRAGS("scenario.json: workload.jobs_csv: ", file, ":2: dependency cycle through job \"a\""));
    tmp_write("junk.ninja_log", "\x89PNG\r\n\x1a\n\x00\x00", 10);
    bad_scen("\"log\": \"junk.ninja_log\"", FRAGS("workload.log: ", "junk.ninja_log:1:1: binary data (byte 0x89)"));
    bad_scen("\"log\": \"missing.ninja_log\"",
             FRAGS("workload.log: ", "missing.ninja_log: cannot open the build log"));
    bad_scen("\"jobs_csv\": \".\"", FRAGS("workload.jobs_csv: ", "not a regular file"));
    char fifo[256]; /* opening a FIFO must not block */
    snprintf(fifo, sizeof fifo, "%s/fifo.csv", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    bad_scen("\"jobs_csv\": \"fifo.csv\"", FRAGS("fifo.csv: not a regular file"));
    tmp_write("abc.csv", ABC, -1);
    bad_scen("\"log\": \"abc.csv\", \"jobs_csv\": \"abc.csv\"", FRAGS("workload: expected exactly one of"));
    bad_scen("\"jobs\": 2", FRAGS("workload: expected exactly one of", "found neither"));
    bad_scen("\"jobs_csv\": \"abc.csv\", \"format\": \"ninja\"", FRAGS("workload.format: expected \"csv\""));
    bad_scen("\"log\": \"abc.csv\", \"format\": \"ninja\"",
             FRAGS("workload.log: ", "abc.csv:1: expected the header \"# ninja log v5\""));
    bad_scen("\"jobs_csv\": \"abc.csv\", \"jobs\": 0", FRAGS("workload.jobs: expected"));
    bad_scen("\"jobs_csv\": \"abc.csv\", \"cpu_scale\": 0", FRAGS("workload.cpu_scale: expected"));
    bad_scen("\"jobs_csv\": \"abc.csv\", \"kentry\": {\"dist\": \"exp\", \"mean_ns\": 1000}",
             FRAGS("workload.kentry: expected no kentry without \"kernel_locks\""));
    bad_scen("\"jobs_csv\": \"abc.csv\", \"compile_jobs\": 3", FRAGS("workload.compile_jobs"));
    tmp_write("zero.csv", "id,cpu_ms,deps\na,0,\n", -1);
    bad_scen("\"jobs_csv\": \"zero.csv\"", FRAGS("workload.jobs_csv: the build takes no time"));
    /* the same zero-time build once, or with a spawn delay, is fine */
    outcome o = run(1, "\"jobs_csv\": \"zero.csv\", \"repeat\": false");
    ck_assert_int_eq(o.nbuilds, 1);
    ck_assert_int_eq(o.first, 0);
    o = run(0.0105, "\"jobs_csv\": \"zero.csv\", \"spawn_delay_ns\": 1000000");
    ck_assert_int_eq(o.first, 1 * MS);
    ck_assert_int_eq(o.nbuilds, 10); /* build k ends at k ms */
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("replay");
    TCase *tc = tcase_create("replay");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, tmp_setup, tmp_cleanup);
    tcase_add_test(tc, test_csv_makespans);
    tcase_add_test(tc, test_log_order);
    tcase_add_test(tc, test_ninja_makespans);
    tcase_add_test(tc, test_graph_invariants);
    tcase_add_test(tc, test_repeat_and_scale);
    tcase_add_test(tc, test_kernel_sections);
    tcase_add_test(tc, test_bad_csv);
    tcase_add_test(tc, test_bad_ninja);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_bad_scenarios);
    suite_add_tcase(s, tc);
    return s;
}
