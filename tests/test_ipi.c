/* Synchronous multi-target IPIs (models/ipi.h) on a hand-built case with
 * exact expectations, and the ebizzy workload that sends them.
 *
 * The IPI cases use a workload of this file ("ipitest", added to the
 * registry): one VM of 4 vCPUs pinned [0, 1, 1, 0] on 2 pCPUs; task 0 on
 * vCPU 0 computes 15 ms, sends one IPI and records when it may go on; tasks
 * 1 and 2 on vCPUs 1 and 2 (sharing pCPU 1, 10 ms round-robin slices)
 * compute forever; vCPU 3 has no task (idle: lazy TLB, no target). At 15 ms
 * one of vCPUs 1 and 2 runs and the other is preempted. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "models/guest.h"
#include "models/locks/lock.h"
#include "models/observe.h"
#include "models/run.h"
#include "models/workloads/wl.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* --- the test workload ----------------------------------------------------- */

static ipi_opts g_opts;      /* the IPI's options, set by each test */
static sim_time g_sent = -1; /* when task 0 sent it */
static sim_time g_done = -1; /* when task 0 went on after it */
static int g_pre;            /* the target vCPU preempted at the send (1 or 2) */

static void it_start(world *w, vm *v)
{
    guest_ipi_init(w, v);
    for (int i = 0; i < 3; i++) {
        task *t = task_new(w, v);
        t->affinity = i;
        guest_wake_task(w, t);
    }
}

static void it_step(world *w, task *t)
{
    if (t->id != 0) {
        task_compute(w, t, 1000000000);
        return;
    }
    switch (t->phase++) {
    case 0: task_compute(w, t, 15000000); break;
    case 1:
        g_sent = w->sim.now;
        g_pre = t->vm->vcpus[1].hs == VH_RUNNABLE ? 1 : t->vm->vcpus[2].hs == VH_RUNNABLE ? 2 : 0;
        task_ipi_many(w, t, &g_opts);
        break;
    case 2:
        g_done = w->sim.now;
        task_compute(w, t, 1000000);
        break;
    default: task_block(w, t); break;
    }
}

static const wl_ops it_ops = {.start = it_start, .step = it_step};
static const variant it_variant = {.name = "ipitest", .summary = "tests/test_ipi.c: one IPI", .ops = &it_ops};

/* --- observing the vCPUs of the target pCPU ------------------------------ */

static sim_time g_in[3][8]; /* OBS_VCPU_IN times of vCPUs 1 and 2 */
static int g_nin[3];
static int g_yields;

static void ipi_obs(world *w, const obs_event *e, void *ctx)
{
    (void)ctx;
    if (e->kind == OBS_VCPU_IN && e->vc->id >= 1 && e->vc->id <= 2 && g_nin[e->vc->id] < 8)
        g_in[e->vc->id][g_nin[e->vc->id]++] = w->sim.now;
    if (e->kind == OBS_YIELD && w->sim.now == g_sent)
        g_yields++;
}

typedef struct run_out {
    scenario sc;
    world *w;
    json_t *doc;
} run_out;

static void run_text(const char *text, run_out *o)
{
    json_error_t je;
    o->doc = json_loads(text, 0, &je);
    ck_assert_msg(o->doc != NULL, "bad test JSON: %s at %d:%d", je.text, je.line, je.column);
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(o->doc, "test.json", &o->sc, &err) == 0, "%s", err.msg);
    o->w = world_new(&o->sc);
    o->w->obs = ipi_obs;
    world_run(o->w);
    world_finish(o->w);
}

static void run_free(run_out *o)
{
    world_free(o->w);
    scenario_free(&o->sc);
    json_decref(o->doc);
}

static const char *ipi_text(void)
{
    return "{\"duration_s\": 0.05, \"warmup_s\": 0,"
           " \"host\": {\"sockets\": 1, \"cores_per_socket\": 2, \"ghz\": 2.0, \"costs\": {"
           "  \"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0, \"line_two_hops_ns\": 0,"
           "  \"pause_cycles\": 10, \"vmexit_ns\": 0, \"kick_ns\": 1000, \"ipi_ns\": 0, \"wake_ns\": 10000,"
           "  \"native_wake_ns\": 0, \"ctx_switch_ns\": 0, \"migrate_same_socket_ns\": 0}},"
           " \"hypervisor\": {\"scheduler\": \"pinned\", \"slice_ns\": 10000000, \"pin\": [0, 1, 1, 0],"
           "  \"ple\": {\"enabled\": false}},"
           " \"vms\": {\"count\": 1, \"vcpus\": 4},"
           " \"workload\": {\"type\": \"ipitest\"}}";
}

static void run_ipi(int pv_tlb_flush, int pv_sched_yield, run_out *o)
{
    static int added;
    if (!added) {
        ck_assert_int_eq(vreg_add(&wl_registry, &it_variant), 0);
        added = 1;
    }
    g_opts = (ipi_opts){.pv_tlb_flush = pv_tlb_flush, .pv_sched_yield = pv_sched_yield, .handler_ns = 2000};
    g_sent = g_done = -1;
    memset(g_nin, 0, sizeof g_nin);
    g_yields = 0;
    g_pre = 0;
    run_text(ipi_text(), o);
    ck_assert_msg(g_sent > 0 && g_done > 0, "sent %lld done %lld", (long long)g_sent, (long long)g_done);
}

/* The first time vCPU vc was scheduled in at or after t. */
static sim_time first_in_after(int vc, sim_time t)
{
    for (int i = 0; i < g_nin[vc]; i++)
        if (g_in[vc][i] >= t)
            return g_in[vc][i];
    return -1;
}

/* Vanilla: the sender spins until the preempted target runs again (its
 * next slice) and has run the handler; the idle vCPU is no target. */
START_TEST(test_ipi_waits_for_preempted)
{
    run_out o;
    run_ipi(0, 0, &o);
    vm *v = &o.w->vms[0];
    ck_assert_int_eq(v->ipi_calls, 1);
    ck_assert_int_eq(v->ipi_targets, 2); /* vCPU 3 is idle: lazy TLB */
    ck_assert_int_eq(v->ipi_late, 1);
    ck_assert_int_eq(v->ipi_skipped, 0);
    /* one target was preempted at the send (the other ran: 2 targets, 1 late) */
    int p = g_pre;
    ck_assert_msg(p != 0, "no target was preempted at the send");
    sim_time in = first_in_after(p, g_sent);
    ck_assert_int_eq(g_done, in + 2000);
    ck_assert_msg(g_done - g_sent > 1000000, "waited only %lld ns", (long long)(g_done - g_sent));
    /* the sender spun the whole wait: it burnt its vCPU */
    ck_assert_int_ge(v->vcpus[0].t_spin, g_done - g_sent);
    ck_assert_int_eq((long long)v->ipi_wait.mean, g_done - g_sent);
    run_free(&o);
}
END_TEST

/* PV TLB flush: the preempted target is skipped; only the running one is
 * waited for (delivery 0 ns + handler 2 us). */
START_TEST(test_ipi_pv_tlb_flush_skips)
{
    run_out o;
    run_ipi(1, 0, &o);
    vm *v = &o.w->vms[0];
    ck_assert_int_eq(v->ipi_targets, 1);
    ck_assert_int_eq(v->ipi_skipped, 1);
    ck_assert_int_eq(g_done, g_sent + 2000);
    run_free(&o);
}
END_TEST

/* PV sched yield: the sender yields to the preempted target at once, which
 * then runs the handler; the wait is one handler time. */
START_TEST(test_ipi_sched_yield_boosts)
{
    run_out o;
    run_ipi(0, 1, &o);
    vm *v = &o.w->vms[0];
    ck_assert_int_eq(v->ipi_targets, 2);
    ck_assert_int_eq(v->ipi_yields, 1);
    ck_assert_int_eq(g_yields, 1);
    ck_assert_int_eq(g_done, g_sent + 2000);
    ck_assert_int_eq(v->vcpus[0].n_dy, 1);
    run_free(&o);
}
END_TEST

/* --- ebizzy ---------------------------------------------------------------- */

static const char *ez_text(int vms, int pv_tlb_flush, int seed)
{
    static char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": 0.06, \"warmup_s\": 0.01, \"seed\": %d,"
             " \"host\": {\"preset\": \"generic-1x4\"},"
             " \"hypervisor\": {\"scheduler\": \"cfs\"},"
             " \"vms\": {\"count\": %d, \"vcpus\": 4},"
             " \"guest\": {\"lock\": {\"algorithm\": \"pvqspinlock-hybrid\"}},"
             " \"workload\": {\"type\": \"ebizzy\", \"pv_tlb_flush\": %s}}",
             seed, vms, pv_tlb_flush ? "true" : "false");
    return buf;
}

static void ez_run(int vms, int pv, int seed, run_out *o)
{
    json_error_t je;
    o->doc = json_loads(ez_text(vms, pv, seed), 0, &je);
    ck_assert_ptr_nonnull(o->doc);
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(o->doc, th_src_path("scenarios/paper/test.json"), &o->sc, &err) == 0, "%s", err.msg);
    o->w = world_new(&o->sc);
    ck_assert_int_eq(world_run(o->w), EV_STOP_TIME);
    world_finish(o->w);
}

/* One loop = one record = one shootdown, 2 x ceil(128 / 31) zone and
 * 2 x ceil(128 / 15) LRU sections (a thread's loop in progress at either
 * end of the window is the only slack). */
START_TEST(test_ebizzy_loop_counts)
{
    run_out o;
    ez_run(1, 0, 1, &o);
    vm *v = &o.w->vms[0];
    ck_assert_uint_gt(v->ops, 100);
    ck_assert_int_eq(v->nlocks, 2);
    double r = (double)v->ops;
    double th = 8; /* 2 threads per vCPU */
    ck_assert_rel((double)v->ipi_calls, r, 2 * th / r + 1e-9);
    ck_assert_rel((double)v->locks[0]->acquisitions, 10 * r, 20 * th / (10 * r));
    ck_assert_rel((double)v->locks[1]->acquisitions, 18 * r, 36 * th / (18 * r));
    ck_assert_int_eq(v->ntasks, 8);
    /* every shootdown goes to the 3 other vCPUs (all run a thread) */
    ck_assert_uint_eq(v->ipi_targets, 3 * v->ipi_calls);
    run_free(&o);
}
END_TEST

START_TEST(test_ebizzy_deterministic)
{
    run_out a, b;
    ez_run(2, 0, 7, &a);
    ez_run(2, 0, 7, &b);
    ck_assert_uint_eq(a.w->sim.processed, b.w->sim.processed);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(a.w->vms[i].ops, b.w->vms[i].ops);
        ck_assert_uint_eq(a.w->vms[i].ipi_late, b.w->vms[i].ipi_late);
    }
    run_free(&a);
    run_free(&b);
    ez_run(2, 0, 8, &a); /* another seed is another run */
    ez_run(2, 0, 7, &b);
    ck_assert_uint_ne(a.w->sim.processed, b.w->sim.processed);
    run_free(&a);
    run_free(&b);
}
END_TEST

/* Two VMs on the host (2x overcommit): each VM gets less than one alone,
 * shootdowns find preempted targets, and pv TLB flush skips them and waits
 * less. */
START_TEST(test_ebizzy_overcommit)
{
    run_out one, two, pv;
    ez_run(1, 0, 1, &one);
    ez_run(2, 0, 1, &two);
    ez_run(2, 1, 1, &pv);
    ck_assert_uint_lt(two.w->vms[0].ops, one.w->vms[0].ops);
    ck_assert_uint_eq(one.w->vms[0].ipi_skipped, 0);
    ck_assert_uint_gt(two.w->vms[0].ipi_late, 0);
    ck_assert_uint_eq(two.w->vms[0].ipi_skipped, 0);
    ck_assert_uint_gt(pv.w->vms[0].ipi_skipped, 0);
    ck_assert_double_lt(pv.w->vms[0].ipi_wait.mean, two.w->vms[0].ipi_wait.mean);
    run_free(&one);
    run_free(&two);
    run_free(&pv);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("ipi");
    TCase *tc = tcase_create("ipi");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ipi_waits_for_preempted);
    tcase_add_test(tc, test_ipi_pv_tlb_flush_skips);
    tcase_add_test(tc, test_ipi_sched_yield_boosts);
    tcase_add_test(tc, test_ebizzy_loop_counts);
    tcase_add_test(tc, test_ebizzy_deterministic);
    tcase_add_test(tc, test_ebizzy_overcommit);
    suite_add_tcase(s, tc);
    return s;
}
