/* Theory is a test: the lock loop on bare metal with zero handoff cost is
 * the finite-source machine-repairman queue M/M/1//N (MODEL.md section 5).
 * N threads on N cores, think ~ Exp(T), hold ~ Exp(H), one FIFO lock:
 *   r = H/T, p0 = 1 / sum_{k=0..N} N!/(N-k)! r^k,
 *   X = (1 - p0) / H,  W = N/X - T - H.
 * The simulator must match X within 2 % and W within 5 %. */
#include <jansson.h>
#include <stdio.h>

#include "config/scenario.h"
#include "models/locks/lock.h"
#include "models/run.h"
#include "tests/check_main.h"

typedef struct mr_case {
    int n;
    double t, h;    /* think and hold means, ns */
    double seconds; /* simulated */
    const char *lock;
} mr_case;

static void mr_theory(int n, double t, double h, double *x, double *w)
{
    double r = h / t, sum = 0, term = 1;
    for (int k = 0; k <= n; k++) {
        sum += term;
        term *= (n - k) * r;
    }
    double p0 = 1 / sum;
    *x = (1 - p0) / h; /* per ns */
    *w = n / *x - t - h;
}

/* Runs the lock loop; returns acquisitions per ns and mean wait in ns. */
static void mr_run(const mr_case *c, double *x, double *w, uint64_t *acq)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"duration_s\": %g, \"warmup_s\": %g, \"seed\": 7,"
             " \"host\": {\"sockets\": 1, \"cores_per_socket\": %d, \"costs\": {"
             "  \"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
             "  \"line_two_hops_ns\": 0, \"native_wake_ns\": 0}},"
             " \"hypervisor\": {\"scheduler\": \"none\"},"
             " \"guest\": {\"lock\": {\"algorithm\": \"%s\"}},"
             " \"workload\": {\"type\": \"lockloop\", \"threads\": %d,"
             "  \"think\": {\"dist\": \"exp\", \"mean_ns\": %g},"
             "  \"hold\": {\"dist\": \"exp\", \"mean_ns\": %g}}}",
             c->seconds, c->seconds / 20, c->n, c->lock, c->n, c->t, c->h);
    json_error_t je;
    json_t *doc = json_loads(text, 0, &je);
    ck_assert_msg(doc != NULL, "bad test JSON: %s", je.text);
    scenario sc;
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(doc, "theory.json", &sc, &err) == 0, "%s", err.msg);
    world *wd = world_new(&sc);
    world_run(wd);
    world_finish(wd);
    lock *l = wd->vms[0].locks[0];
    double measured = (double)(wd->sim.now - wd->warmup);
    *x = l->acquisitions / measured;
    *w = l->wait.mean;
    *acq = l->acquisitions;
    world_free(wd);
    scenario_free(&sc);
    json_decref(doc);
}

static const mr_case cases[] = {
    {1, 1000, 1000, 2.0, "ticket"},    /* no contention: W = 0 */
    {2, 5000, 1000, 2.0, "ticket"},    /* light */
    {8, 10000, 1000, 3.0, "ticket"},   /* moderate */
    {8, 1000, 1000, 3.0, "ticket"},    /* heavy: the lock is nearly always busy */
    {32, 20000, 1000, 3.0, "ticket"},  /* many threads, saturated */
    {16, 8000, 1000, 3.0, "mcs"},      /* any FIFO lock with zero cost is the same queue */
};

START_TEST(test_machine_repairman)
{
    const mr_case *c = &cases[_i];
    double x, w, tx, tw;
    uint64_t acq;
    mr_theory(c->n, c->t, c->h, &tx, &tw);
    mr_run(c, &x, &w, &acq);
    fprintf(stderr, "M/M/1//%d T=%g H=%g %s: X sim %.6f theory %.6f /us, W sim %.1f theory %.1f ns (%llu acquisitions)\n",
            c->n, c->t, c->h, c->lock, x * 1e3, tx * 1e3, w, tw, (unsigned long long)acq);
    ck_assert_rel(x, tx, 0.02);
    if (tw < 1.0)
        ck_assert_msg(w < 1.0, "N=1: wait should be 0, got %g ns", w);
    else
        ck_assert_rel(w, tw, 0.05);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("theory");
    TCase *tc = tcase_create("machine-repairman");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_machine_repairman, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}
