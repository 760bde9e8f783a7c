/* Host schedulers on small worlds with exact expectations: shares of
 * CPU-bound vCPUs, slices, wake-up costs, the credit scheduler's BOOST and
 * rate limit, cosched's gangs; plus invariants every scheduler must keep
 * (time conservation, a second wake-up of a woken vCPU is harmless).
 *
 * Worlds come from scenario JSON built here (sc_load_doc). CPU-bound vCPUs
 * run the lockloop workload with one thread per vCPU and a think time of
 * 1000 s, so they never reach the lock. Probes are events scheduled before
 * the run that read the model (and, where a test says so, kick a vCPU);
 * exact scheduling times come from the observer hook (models/observe.h). */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config/scenario.h"
#include "models/observe.h"
#include "models/host/hv.h"
#include "models/locks/lock.h"
#include "models/run.h"
#include "models/vcpu.h"
#include "tests/check_main.h"

/* A host-scheduler parameter as the model sees it (after scaling). */
#define HVP(w, key) ((sim_time)variant_get((w)->sc->hv.sched, &(w)->sc->hv.par, (key)))

/* The credit scheduler's priorities (vcpu.prio), as in models/host/hv_credit.c
 * (Xen's CSCHED_PRI_TS_*). */
enum { CR_BOOST = 0, CR_UNDER = -1, CR_OVER = -2 };

/* A host with round numbers: costs a test checks exactly are set here. */
#define HOST(cores)                                                                                \
    "\"host\": {\"sockets\": 1, \"cores_per_socket\": " #cores ", \"ghz\": 2.0, \"costs\": {"       \
    "\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"                 \
    "\"line_two_hops_ns\": 0, \"vmexit_ns\": 0, \"kick_ns\": 1000, \"ipi_ns\": 0,"                  \
    "\"wake_ns\": 10000, \"native_wake_ns\": 1000, \"ctx_switch_ns\": 2000,"                        \
    "\"migrate_same_socket_ns\": 0}}"
#define KICK_NS 1000
#define WAKE_NS 10000
#define NATIVE_WAKE_NS 1000

/* Every vCPU runs one thread that computes for 1000 s. */
#define CPU_BOUND                                                                                  \
    "\"workload\": {\"type\": \"lockloop\", \"threads\": 0, \"kernel_lock\": false,"               \
    " \"think\": {\"dist\": \"const\", \"mean_ns\": 1e12}, \"hold\": {\"dist\": \"const\", \"mean_ns\": 0}}"

/* --- building and running -------------------------------------------------- */

typedef struct run {
    json_t *doc;
    scenario sc;
    world *w;
} run;

/* Loads the scenario text (printf format) and builds its world. */
static world *build(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static world *build(run *r, const char *fmt, ...)
{
    static char text[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ck_assert_msg(n > 0 && n < (int)sizeof text, "test scenario text too long");
    json_error_t je;
    r->doc = json_loads(text, 0, &je);
    ck_assert_msg(r->doc != NULL, "bad test JSON: %s at %d:%d in %s", je.text, je.line, je.column, text);
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(r->doc, "test_hostsched.json", &r->sc, &err) == 0, "%s", err.msg);
    r->w = world_new(&r->sc);
    return r->w;
}

static void run_to_end(run *r)
{
    world_run(r->w);
    world_finish(r->w);
}

static void drop(run *r)
{
    world_free(r->w);
    scenario_free(&r->sc);
    json_decref(r->doc);
}

static double window_ns(const world *w) { return (double)(w->sc->duration - w->sc->warmup); }

/* Checks every vCPU's t_run against share x the window, within rel. */
static void check_shares(const world *w, double share, double rel, const char *what)
{
    for (int g = 0; g < w->nvcpus; g++) {
        const vcpu *vc = w->all_vcpus[g];
        double got = (double)vc->t_run / window_ns(w);
        ck_assert_msg(fabs(got - share) <= rel * share,
                      "%s: vm%d vcpu%d ran %.5f of the window, expected %.5f within %.1f%%", what,
                      vc->vm->id, vc->id, got, share, rel * 100);
    }
}

/* Time conservation: each vCPU's run + steal + halt covers the window, the
 * pCPUs were busy exactly as long as vCPUs ran. */
static void check_conservation(const world *w, const char *what)
{
    double ran = 0, busy = 0;
    for (int g = 0; g < w->nvcpus; g++) {
        const vcpu *vc = w->all_vcpus[g];
        ck_assert_msg(vc->t_run + vc->t_steal + vc->t_halt == (sim_time)window_ns(w),
                      "%s: vm%d vcpu%d: run %lld + steal %lld + halt %lld != window %.0f", what,
                      vc->vm->id, vc->id, (long long)vc->t_run, (long long)vc->t_steal,
                      (long long)vc->t_halt, window_ns(w));
        ran += (double)vc->t_run;
    }
    for (int p = 0; p < w->npcpus; p++)
        busy += (double)w->pcpus[p].busy;
    ck_assert_msg(ran == busy, "%s: vCPUs ran %.0f ns but pCPUs were busy %.0f ns", what, ran, busy);
    ck_assert_msg(busy <= w->npcpus * window_ns(w), "%s: pCPUs busy %.0f ns > %d x window", what, busy,
                  w->npcpus);
}

/* --- a probe: an event every `period` ns from `start` ------------------------ */

typedef struct probe probe;
struct probe {
    sim_time period;
    void (*fn)(world *w, probe *p);
    void *ctx;
    char fail[256]; /* first violation seen (asserted after the run) */
};

static void probe_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    probe *p = ctx;
    p->fn(world_of(sim), p);
    if (p->period > 0)
        ev_after(sim, p->period, probe_ev, p, 0);
}

static void probe_start(world *w, probe *p, sim_time start)
{
    p->fail[0] = 0;
    ev_schedule(&w->sim, start, probe_ev, p, 0);
}

/* --- an observer that records scheduling events ------------------------------ */

typedef struct sched_ev {
    sim_time t;
    int in;       /* 1 scheduled in, 0 out */
    int gid;      /* vCPU */
    int pcpu;     /* pCPU (in) or -1 */
    int hs;       /* host state after the event */
    int prio;     /* vc->cr.prio at the event */
    sim_time seg; /* vc->seg_start at the event (in) */
} sched_ev;

typedef struct sched_log {
    sched_ev ev[200000];
    int n;
    /* longest interval a vCPU spent preempted (RUNNABLE) before running
     * again, over intervals starting after the warm-up */
    sim_time out_at[64];
    sim_time max_wait;
} sched_log;

static sched_log slog;

static void log_obs(world *w, const obs_event *e, void *ctx)
{
    sched_log *l = ctx;
    if (e->kind != OBS_VCPU_IN && e->kind != OBS_VCPU_OUT)
        return;
    vcpu *vc = e->vc;
    int in = e->kind == OBS_VCPU_IN;
    if (l->n < (int)(sizeof l->ev / sizeof l->ev[0]))
        l->ev[l->n++] = (sched_ev){w->sim.now, in, vc->gid, in ? vc->pc->id : -1, (int)vc->hs, vc->cr.prio,
                                   vc->seg_start};
    if (vc->gid < 64) {
        if (!in && vc->hs == VH_RUNNABLE)
            l->out_at[vc->gid] = w->sim.now;
        else if (in && l->out_at[vc->gid] >= 0) {
            if (l->out_at[vc->gid] >= w->warmup && w->sim.now - l->out_at[vc->gid] > l->max_wait)
                l->max_wait = w->sim.now - l->out_at[vc->gid];
            l->out_at[vc->gid] = -1;
        } else if (!in)
            l->out_at[vc->gid] = -1;
    }
}

static void log_attach(world *w, sched_log *l)
{
    l->n = 0;
    l->max_wait = 0;
    for (int i = 0; i < 64; i++)
        l->out_at[i] = -1;
    w->obs = log_obs;
    w->obs_ctx = l;
}

/* The nth (0-based) scheduling event of vCPU gid with in == in at or after
 * time `from`; NULL if none. */
static const sched_ev *log_find(const sched_log *l, int gid, int in, sim_time from, int nth)
{
    for (int i = 0; i < l->n; i++)
        if (l->ev[i].gid == gid && l->ev[i].in == in && l->ev[i].t >= from && nth-- == 0)
            return &l->ev[i];
    return NULL;
}

static int log_count(const sched_log *l, int gid, int in)
{
    int n = 0;
    for (int i = 0; i < l->n; i++)
        n += l->ev[i].gid == gid && l->ev[i].in == in;
    return n;
}

/* ============================================================================
 * credit
 * ========================================================================== */

/* Two equal-weight VMs, one CPU-bound vCPU each, on one pCPU: equal shares
 * over a second. The schedule repeats every 120 ms: a vCPU runs two 30 ms
 * slices in a row (UNDER for the first, still UNDER at the accounting that
 * ends it), then waits two. A window that cuts a cycle cannot be fair to 1%
 * (a slice is 3% of a second), so the measured second is 1.08 s = 9
 * cycles. */
START_TEST(test_credit_two_vms_equal)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.18, \"warmup_s\": 0.1, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"credit\"},"
                     " \"vms\": {\"count\": 2, \"vcpus\": 1}, " CPU_BOUND "}");
    run_to_end(&r);
    check_shares(w, 0.5, 0.01, "credit, 2 VMs on 1 pCPU");
    check_conservation(w, "credit, 2 VMs on 1 pCPU");
    drop(&r);
}
END_TEST

/* Two VMs of two CPU-bound vCPUs on two pCPUs: every vCPU gets half a pCPU
 * (same 120 ms cycle on each pCPU). */
START_TEST(test_credit_two_by_two)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.18, \"warmup_s\": 0.1, " HOST(2) ","
                     " \"hypervisor\": {\"scheduler\": \"credit\"},"
                     " \"vms\": {\"count\": 2, \"vcpus\": 2}, " CPU_BOUND "}");
    run_to_end(&r);
    check_shares(w, 0.5, 0.01, "credit, 2x2 vCPUs on 2 pCPUs");
    check_conservation(w, "credit, 2x2 vCPUs on 2 pCPUs");
    drop(&r);
}
END_TEST

/* Three CPU-bound vCPUs on two pCPUs: the pCPU whose vCPU runs OVER steals
 * the UNDER vCPU waiting on the other, so all get 2/3. The schedule repeats
 * every 180 ms; the window is 16 cycles. */
START_TEST(test_credit_steal_balances)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 2.98, \"warmup_s\": 0.1, " HOST(2) ","
                     " \"hypervisor\": {\"scheduler\": \"credit\"},"
                     " \"vms\": {\"count\": 3, \"vcpus\": 1}, " CPU_BOUND "}");
    run_to_end(&r);
    check_shares(w, 2.0 / 3.0, 0.01, "credit, 3 vCPUs on 2 pCPUs");
    check_conservation(w, "credit, 3 vCPUs on 2 pCPUs");
    uint64_t migr = 0;
    for (int g = 0; g < w->nvcpus; g++)
        migr += w->all_vcpus[g]->n_migrate;
    ck_assert_msg(migr > 0, "no vCPU ever moved: nothing was stolen");
    drop(&r);
}
END_TEST

/* A vCPU woken with UNDER runs BOOSTed; the tick after it has run ends
 * the BOOST. Alone on the host it wakes at kick_ns, the first tick is at
 * credit_tick = 10 ms. */
typedef struct boost_seen {
    int at5, at15;
} boost_seen;

static void boost_probe(world *w, probe *p)
{
    boost_seen *b = p->ctx;
    if (w->sim.now < 10 * SIM_MS)
        b->at5 = w->all_vcpus[0]->cr.prio;
    else
        b->at15 = w->all_vcpus[0]->cr.prio;
}

START_TEST(test_credit_boost_ends_at_tick)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.02, " HOST(1) ", \"hypervisor\": {\"scheduler\": \"credit\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 1}, " CPU_BOUND "}");
    boost_seen b = {99, 99};
    probe p5 = {0, boost_probe, &b, ""}, p15 = {0, boost_probe, &b, ""};
    probe_start(w, &p5, 5 * SIM_MS);
    probe_start(w, &p15, 15 * SIM_MS);
    run_to_end(&r);
    ck_assert_int_eq(b.at5, CR_BOOST);
    ck_assert_int_eq(b.at15, CR_UNDER);
    drop(&r);
}
END_TEST

/* BOOST preemption and the rate limit. One pCPU. VM 0's vCPU A is
 * CPU-bound; VM 1's vCPU B computes 12 ms and sleeps 50 ms in a loop, so A
 * spends far more than its half of the credit and runs OVER; VM 1's vCPU C
 * (gid 2) has no task: it stays halted and UNDER until a probe kicks it,
 * then runs BOOSTed for 0 ns (nothing to do) and halts again.
 *  1. C kicked just after A came back on the pCPU (A OVER, has run < 1 ms):
 *     C runs exactly when A has run ratelimit = 1 ms, not before;
 *  2. C kicked while A (OVER) has run more than the rate limit: at once.
 * B's own wake-ups are the natural case 2 (A is preempted at once). */
typedef struct rl_ctx {
    int phase;             /* 0: look for case 1, 1: wait, 2: look for case 2, 3: done */
    sim_time kick1, due1;  /* case 1: kick time, expected run time */
    sim_time kick2;        /* case 2 */
} rl_ctx;

static void rl_probe(world *w, probe *p)
{
    rl_ctx *c = p->ctx;
    pcpu *pc = &w->pcpus[0];
    vcpu *a = w->all_vcpus[0], *idle = w->all_vcpus[2];
    sim_time ran = w->sim.now - pc->since;
    switch (c->phase) {
    case 0:
        if (pc->cur == a && a->cr.prio == CR_OVER && ran < HVP(w, "ratelimit_ns") / 2) {
            c->kick1 = w->sim.now;
            c->due1 = pc->since + HVP(w, "ratelimit_ns");
            vcpu_wake(w, idle, 0);
            c->phase = 1;
        }
        break;
    case 1:
        if (w->sim.now > c->due1 + SIM_MS)
            c->phase = 2;
        break;
    case 2:
        if (pc->cur == a && a->cr.prio == CR_OVER && ran > 2 * HVP(w, "ratelimit_ns")) {
            c->kick2 = w->sim.now;
            vcpu_wake(w, idle, 0);
            c->phase = 3;
        }
        break;
    default:
        break;
    }
}

START_TEST(test_credit_boost_preempts_after_ratelimit)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.5, " HOST(1) ", \"hypervisor\": {\"scheduler\": \"credit\"},"
                     " \"vms\": [{\"vcpus\": 1}, {\"vcpus\": 2, \"workload\": {\"tasks\": [{\"vcpu\": 0,"
                     "   \"repeat\": true, \"steps\": [{\"compute_ns\": 12000000}, {\"sleep_ns\": 50000000}]}]}}],"
                     " \"workload\": {\"type\": \"script\", \"tasks\": [{\"vcpu\": 0,"
                     "   \"steps\": [{\"compute_ns\": 1000000000000}]}]}}");
    ck_assert_int_eq(HVP(w, "ratelimit_ns"), SIM_MS);
    log_attach(w, &slog);
    rl_ctx c = {0};
    probe p = {10 * SIM_US, rl_probe, &c, ""};
    probe_start(w, &p, 100 * SIM_MS);
    run_to_end(&r);
    ck_assert_msg(c.phase == 3, "the probe never found its two cases (phase %d)", c.phase);

    const sched_ev *in1 = log_find(&slog, 2, 1, c.kick1, 0);
    ck_assert_msg(in1 != NULL, "case 1: the kicked vCPU never ran");
    ck_assert_msg(in1->t == c.due1, "case 1: kicked at %lld, ran at %lld, expected %lld (rate limit)",
                  (long long)c.kick1, (long long)in1->t, (long long)c.due1);
    ck_assert_int_eq(in1->prio, CR_BOOST);
    const sched_ev *out1 = log_find(&slog, 0, 0, c.kick1, 0);
    ck_assert_msg(out1 && out1->t == c.due1 && out1->hs == VH_RUNNABLE,
                  "case 1: the OVER vCPU was not preempted at %lld", (long long)c.due1);

    const sched_ev *in2 = log_find(&slog, 2, 1, c.kick2, 0);
    ck_assert_msg(in2 != NULL, "case 2: the kicked vCPU never ran");
    ck_assert_msg(in2->t == c.kick2, "case 2: kicked at %lld, ran at %lld (expected at once)",
                  (long long)c.kick2, (long long)in2->t);
    ck_assert_int_eq(in2->prio, CR_BOOST);
    const sched_ev *out2 = log_find(&slog, 0, 0, c.kick2, 0);
    ck_assert_msg(out2 && out2->t == c.kick2 && out2->hs == VH_RUNNABLE,
                  "case 2: the OVER vCPU was not preempted at once");
    ck_assert_int_eq(log_count(&slog, 2, 1), 2);

    /* B's wake-ups: each preempts A (OVER, running for tens of ms) at once */
    int natural = 0;
    for (int i = 0; i < slog.n; i++) {
        const sched_ev *e = &slog.ev[i];
        if (e->gid != 1 || !e->in || e->t < 100 * SIM_MS)
            continue;
        ck_assert_msg(e->prio == CR_BOOST, "B woke at %lld with priority %d", (long long)e->t, e->prio);
        const sched_ev *o = log_find(&slog, 0, 0, e->t, 0);
        ck_assert_msg(o && o->t == e->t, "B woke at %lld but A was not preempted then", (long long)e->t);
        natural++;
    }
    ck_assert_msg(natural >= 5, "only %d wake-ups of B", natural);
    check_conservation(w, "credit, boost");
    drop(&r);
}
END_TEST

/* ============================================================================
 * cosched
 * ========================================================================== */

/* At a probe, the running vCPUs must all belong to one VM, and (CPU-bound,
 * as many vCPUs per VM as pCPUs) every pCPU must be busy. */
static void gang_probe(world *w, probe *p)
{
    int vm = -1;
    int *slices = p->ctx;
    for (int q = 0; q < w->npcpus; q++) {
        vcpu *vc = w->pcpus[q].cur;
        if (!vc) {
            if (!p->fail[0])
                snprintf(p->fail, sizeof p->fail, "t=%lld: pCPU %d idle", (long long)w->sim.now, q);
            continue;
        }
        if (vm >= 0 && vc->vm->id != vm && !p->fail[0])
            snprintf(p->fail, sizeof p->fail, "t=%lld: vm%d and vm%d run at once", (long long)w->sim.now,
                     vm, vc->vm->id);
        vm = vc->vm->id;
    }
    if (vm >= 0)
        slices[vm]++;
}

START_TEST(test_cosched_gangs)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.02, \"warmup_s\": 0.06, " HOST(2) ","
                     " \"hypervisor\": {\"scheduler\": \"cosched\"},"
                     " \"vms\": {\"count\": 2, \"vcpus\": 2}, " CPU_BOUND "}");
    int seen[2] = {0, 0};
    probe p = {SIM_MS, gang_probe, seen, ""};
    probe_start(w, &p, SIM_MS / 2);
    run_to_end(&r);
    ck_assert_msg(!p.fail[0], "%s", p.fail);
    ck_assert_msg(seen[0] > 400 && seen[1] > 400, "samples: vm0 %d, vm1 %d", seen[0], seen[1]);
    /* 0.96 s = 16 rounds of two 30 ms slices */
    check_shares(w, 0.5, 0.01, "cosched, 2x2 vCPUs on 2 pCPUs");
    check_conservation(w, "cosched, 2x2");
    drop(&r);
}
END_TEST

/* Three 1-vCPU VMs on two pCPUs: the leader's leftover pCPU goes to the
 * next VM (backfill), leadership rotates, each VM runs 2 slices of 3. */
START_TEST(test_cosched_backfill)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.99, \"warmup_s\": 0.09, " HOST(2) ","
                     " \"hypervisor\": {\"scheduler\": \"cosched\"},"
                     " \"vms\": {\"count\": 3, \"vcpus\": 1}, " CPU_BOUND "}");
    run_to_end(&r);
    /* 0.9 s = 10 rounds of three 30 ms slices */
    check_shares(w, 2.0 / 3.0, 0.01, "cosched, 3 VMs on 2 pCPUs");
    check_conservation(w, "cosched, backfill");
    drop(&r);
}
END_TEST

/* A VM with more vCPUs than pCPUs runs in rotating sub-gangs. */
START_TEST(test_cosched_oversized_vm)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.99, \"warmup_s\": 0.09, " HOST(2) ","
                     " \"hypervisor\": {\"scheduler\": \"cosched\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    run_to_end(&r);
    check_shares(w, 2.0 / 3.0, 0.01, "cosched, 3 vCPUs of one VM on 2 pCPUs");
    check_conservation(w, "cosched, oversized");
    drop(&r);
}
END_TEST

/* ============================================================================
 * pinned and cfs (the project's existing schedulers)
 * ========================================================================== */

/* pinned: two CPU-bound vCPUs on one pCPU share it 50/50 and alternate
 * every slice (30 ms): one preemption per slice. */
START_TEST(test_pinned_half_and_slice)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.02, \"warmup_s\": 0.06, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"pinned\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 2}, " CPU_BOUND "}");
    run_to_end(&r);
    check_shares(w, 0.5, 0.01, "pinned, 2 vCPUs on 1 pCPU");
    check_conservation(w, "pinned");
    uint64_t pre = w->all_vcpus[0]->n_preempt + w->all_vcpus[1]->n_preempt;
    double expect = window_ns(w) / (double)HVP(w, "slice_ns");
    ck_assert_msg(fabs((double)pre - expect) <= 1, "%llu preemptions in %.0f ns, expected %.1f (slice %lld)",
                  (unsigned long long)pre, window_ns(w), expect, (long long)HVP(w, "slice_ns"));
    drop(&r);
}
END_TEST

/* cfs: n = 3 equal CPU-bound threads on one pCPU each get 1/3, and none
 * waits longer than sched_latency (6 ms on one CPU) for its turn. With
 * tick_ns = 0 CFS preempts exactly at the slice end (latency / 3 = 2 ms);
 * with the default 4 ms tick (HZ = 250) the slice end is rounded up to the
 * next tick, see test_cfs_three_threads_tick. */
START_TEST(test_cfs_three_threads)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.002, \"warmup_s\": 0.0, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"cfs\", \"tick_ns\": 0},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    ck_assert_int_eq(HVP(w, "sched_latency_ns"), 6 * SIM_MS);
    log_attach(w, &slog);
    run_to_end(&r);
    check_shares(w, 1.0 / 3.0, 0.01, "cfs, 3 threads on 1 pCPU");
    check_conservation(w, "cfs");
    ck_assert_msg(slog.max_wait > 0 && slog.max_wait <= HVP(w, "sched_latency_ns"),
                  "longest wait for a turn %lld ns, sched_latency %lld ns", (long long)slog.max_wait,
                  (long long)HVP(w, "sched_latency_ns"));
    drop(&r);
}
END_TEST

/* The same with the default scheduler tick (4 ms, HZ = 250): shares stay
 * fair, but the slice end (2 ms) is only noticed at the next tick, so in
 * the steady state each thread runs one whole tick and the others wait
 * 2 x 4 ms = 8 ms - longer than sched_latency, as on a real HZ = 250 kernel
 * without hrtick. (At the start the thread whose first run was longest
 * also waits one round more, 16 ms: hence the warm-up.) Checked: the
 * steady-state wait is exactly (n - 1) ticks. */
START_TEST(test_cfs_three_threads_tick)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.308, \"warmup_s\": 0.3, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"cfs\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    ck_assert_int_eq(HVP(w, "tick_ns"), 4 * SIM_MS);
    log_attach(w, &slog);
    run_to_end(&r);
    /* 1.008 s = 84 rounds of three 4 ms ticks */
    check_shares(w, 1.0 / 3.0, 0.01, "cfs (tick), 3 threads on 1 pCPU");
    check_conservation(w, "cfs (tick)");
    ck_assert_int_eq(slog.max_wait, 2 * HVP(w, "tick_ns"));
    drop(&r);
}
END_TEST

/* eevdf without a tick: three CPU-bound threads on one pCPU run one base
 * slice each in turn (0.70 ms on one CPU: the scaling factor is 1), so each
 * waits exactly two slices; shares are fair. */
START_TEST(test_eevdf_three_threads)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.0, \"warmup_s\": 0.1, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"eevdf\", \"tick_ns\": 0},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    ck_assert_int_eq(HVP(w, "base_slice_ns"), 700 * SIM_US);
    log_attach(w, &slog);
    run_to_end(&r);
    check_shares(w, 1.0 / 3.0, 0.01, "eevdf, 3 threads on 1 pCPU");
    check_conservation(w, "eevdf");
    ck_assert_int_eq(slog.max_wait, 2 * 700 * SIM_US);
    drop(&r);
}
END_TEST

/* With the 4 ms tick a reached deadline is noticed at the next tick: each
 * thread runs one tick, and waits two (the same as cfs at HZ = 250); with
 * two pCPUs (scaling factor 2) the slice is 1.4 ms. */
START_TEST(test_eevdf_tick)
{
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.308, \"warmup_s\": 0.3, " HOST(1) ","
                     " \"hypervisor\": {\"scheduler\": \"eevdf\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    log_attach(w, &slog);
    run_to_end(&r);
    check_shares(w, 1.0 / 3.0, 0.01, "eevdf (tick), 3 threads on 1 pCPU");
    ck_assert_int_eq(slog.max_wait, 2 * HVP(w, "tick_ns"));
    drop(&r);
    w = build(&r, "{\"duration_s\": 0.01, " HOST(2) ", \"hypervisor\": {\"scheduler\": \"eevdf\"},"
                  " \"vms\": {\"count\": 1, \"vcpus\": 3}, " CPU_BOUND "}");
    ck_assert_int_eq(HVP(w, "base_slice_ns"), 1400 * SIM_US);
    drop(&r);
}
END_TEST

/* Background activity takes its share of the pCPU from a CPU-bound thread
 * (10 % in 100 us bursts: about 2,000 bursts in 2 s, so the share is within
 * 2 % of 0.9), each burst a preemption; with two threads on one pCPU the
 * bursts add switches on top of the tick's; without it, nothing changes. */
START_TEST(test_background_share)
{
    for (int k = 0; k < 2; k++) {
        const char *sched = k ? "eevdf" : "cfs";
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 2.1, \"warmup_s\": 0.1, " HOST(1) ","
                         " \"hypervisor\": {\"scheduler\": \"%s\", \"background_share\": 0.1,"
                         " \"background_burst_ns\": 100000},"
                         " \"vms\": {\"count\": 1, \"vcpus\": 1}, " CPU_BOUND "}", sched);
        run_to_end(&r);
        vcpu *vc = &w->vms[0].vcpus[0];
        double share = (double)vc->t_run / window_ns(w);
        ck_assert_msg(share > 0.88 && share < 0.92, "%s: running share %.4f with 10 %% background", sched,
                      share);
        ck_assert_msg(vc->n_preempt > 1500 && vc->n_preempt < 2500, "%s: %llu preemptions", sched,
                      (unsigned long long)vc->n_preempt);
        drop(&r);
    }
}
END_TEST

/* KVM halt polling (hypervisor.halt_poll_ns, cfs and eevdf): the script of
 * test_wake_cost - vCPU 1 computes 100 us, sleeps 1 ms (halts), computes
 * 100 us. With a 2 ms poll window the kick arrives while its thread still
 * polls on pCPU 1: it resumes there at the kick, after the VM entry only
 * (vmexit_ns, 0 here) instead of wake_ns, and the poll is counted. With a
 * 0.5 ms window the poll ends first and the wake-up is the ordinary one. */
START_TEST(test_halt_poll_resume)
{
    for (int k = 0; k < 4; k++) {
        const char *sched = k & 1 ? "eevdf" : "cfs";
        int hit = k < 2;
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.01, " HOST(2) ", \"hypervisor\": {\"scheduler\": \"%s\","
                         " \"halt_poll_ns\": %d}, \"vms\": {\"count\": 1, \"vcpus\": 2},"
                         " \"workload\": {\"type\": \"script\", \"tasks\": ["
                         "  {\"vcpu\": 0, \"repeat\": true, \"steps\": [{\"compute_ns\": 1000000}]},"
                         "  {\"vcpu\": 1, \"steps\": [{\"compute_ns\": 100000}, {\"sleep_ns\": 1000000},"
                         "   {\"compute_ns\": 100000}]}]}}",
                         sched, hit ? 2000000 : 500000);
        log_attach(w, &slog);
        run_to_end(&r);
        const sched_ev *out0 = log_find(&slog, 1, 0, 0, 0);
        ck_assert_msg(out0 && out0->hs == VH_HALTED, "%s: vCPU 1 never halted", sched);
        sim_time woken = out0->t + 1000000 + KICK_NS;
        const sched_ev *in1 = log_find(&slog, 1, 1, out0->t, 0);
        ck_assert_msg(in1 && in1->t == woken && in1->pcpu == 1, "%s: back in at %lld on %d, expected %lld on 1",
                      sched, in1 ? (long long)in1->t : -1LL, in1 ? in1->pcpu : -1, (long long)woken);
        sim_time stall = hit ? 0 : WAKE_NS;
        ck_assert_msg(in1->seg == woken + stall, "%s, window %s: resumes %lld after the kick, expected %lld",
                      sched, hit ? "2 ms" : "0.5 ms", (long long)(in1->seg - woken), (long long)stall);
        ck_assert_msg(w->all_vcpus[1]->n_poll == (uint64_t)hit, "%s: %llu successful polls, expected %d", sched,
                      (unsigned long long)w->all_vcpus[1]->n_poll, hit);
        check_conservation(w, sched);
        drop(&r);
    }
}
END_TEST

/* Adaptive halt polling (halt_poll_grow 2, as from Linux 4.3), 500 us cap:
 * vCPU 1 computes 100 us between sleeps of 50, 50, 50, 50, 50, 1000 and
 * 50 us (each halt lasts the sleep + kick_ns). The window starts at 0 and
 * grows after each short halt (10, 20, 40, 80 us), so only the fifth halt
 * ends inside it; the 1 ms halt resets it to 0, so the last one is not
 * polled either and grows it to 10 us again. With the fixed window every
 * halt shorter than 500 us ends in a successful poll: 6. */
START_TEST(test_halt_poll_adaptive)
{
    for (int k = 0; k < 2; k++) {
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.01, " HOST(2) ", \"hypervisor\": {\"scheduler\": \"cfs\","
                         " \"halt_poll_ns\": 500000, \"halt_poll_grow\": %d}, \"vms\": {\"count\": 1, \"vcpus\": 2},"
                         " \"workload\": {\"type\": \"script\", \"tasks\": ["
                         "  {\"vcpu\": 0, \"repeat\": true, \"steps\": [{\"compute_ns\": 1000000}]},"
                         "  {\"vcpu\": 1, \"steps\": [{\"compute_ns\": 100000}, {\"sleep_ns\": 50000},"
                         "   {\"compute_ns\": 100000}, {\"sleep_ns\": 50000}, {\"compute_ns\": 100000},"
                         "   {\"sleep_ns\": 50000}, {\"compute_ns\": 100000}, {\"sleep_ns\": 50000},"
                         "   {\"compute_ns\": 100000}, {\"sleep_ns\": 50000}, {\"compute_ns\": 100000},"
                         "   {\"sleep_ns\": 1000000}, {\"compute_ns\": 100000}, {\"sleep_ns\": 50000},"
                         "   {\"compute_ns\": 100000}]}]}}",
                         k ? 2 : 0);
        run_to_end(&r);
        const vcpu *vc = w->all_vcpus[1];
        uint64_t want = k ? 1 : 6;
        ck_assert_msg(vc->n_poll == want, "%s window: %llu successful polls, expected %llu", k ? "adaptive" : "fixed",
                      (unsigned long long)vc->n_poll, (unsigned long long)want);
        if (k)
            ck_assert_msg(vc->cfs.poll_win == 10000, "adaptive window %lld at the end, expected 10 us",
                          (long long)vc->cfs.poll_win);
        check_conservation(w, "halt_poll_adaptive");
        drop(&r);
    }
}
END_TEST

/* A polling thread gives its pCPU up as soon as another thread is runnable
 * there (single_task_running). One pCPU: vCPU 0 computes 100 us and sleeps
 * 5 ms (it polls, window 10 ms); vCPU 1's task starts at 1 ms (the wake-up
 * reaches the host kick_ns later). The polling pCPU is not idle, so vCPU 1
 * is queued there, the poller blocks and vCPU 1 runs at once (at 1 ms +
 * kick_ns) - not after the window (10.1 ms). vCPU 0's own wake-up then finds the pCPU busy: no
 * successful poll. */
START_TEST(test_halt_poll_yields)
{
    for (int k = 0; k < 2; k++) {
        const char *sched = k ? "eevdf" : "cfs";
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.02, " HOST(1) ", \"hypervisor\": {\"scheduler\": \"%s\","
                         " \"halt_poll_ns\": 10000000}, \"vms\": {\"count\": 1, \"vcpus\": 2},"
                         " \"workload\": {\"type\": \"script\", \"tasks\": ["
                         "  {\"vcpu\": 0, \"steps\": [{\"compute_ns\": 100000}, {\"sleep_ns\": 5000000},"
                         "   {\"compute_ns\": 100000}]},"
                         "  {\"vcpu\": 1, \"start_ns\": 1000000, \"steps\": [{\"compute_ns\": 1000000}]}]}}",
                         sched);
        log_attach(w, &slog);
        run_to_end(&r);
        const sched_ev *in1 = log_find(&slog, 1, 1, 0, 0);
        ck_assert_msg(in1 && in1->t == 1000000 + KICK_NS,
                      "%s: vCPU 1 in at %lld, expected 1 ms + kick_ns (the poller yields)",
                      sched, in1 ? (long long)in1->t : -1LL);
        ck_assert_msg(w->all_vcpus[0]->n_poll == 0, "%s: vCPU 0 polled successfully", sched);
        ck_assert_msg(log_count(&slog, 0, 1) >= 2, "%s: vCPU 0 never ran again", sched);
        check_conservation(w, sched);
        drop(&r);
    }
}
END_TEST

/* ============================================================================
 * every scheduler
 * ========================================================================== */

static const char *const all_hv[] = {"none", "pinned", "cfs", "credit", "cosched", "eevdf"};
#define N_HV ((int)(sizeof all_hv / sizeof all_hv[0]))

/* A halted vCPU kicked on an idle pCPU runs again after exactly the wake-up
 * cost. Two pCPUs; vCPU 0 is CPU-bound; the task on vCPU 1 computes 100 us,
 * sleeps 1 ms (its vCPU halts: nothing else to run), computes 100 us and
 * exits. The wake-up reaches the host kick_ns after the sleep ends (0 on
 * bare metal), the vCPU is scheduled in at once on its idle pCPU, and its
 * guest code resumes wake_ns later (native_wake_ns on bare metal). */
/* CFS's idle pull with a migration cost (sysctl_sched_migration_cost, 4.1's
 * idle_balance and task_hot), on 2 pCPUs, 1 socket, no tick rounding and no
 * periodic balancing. vCPUs 0 and 2 compute forever and start on pCPU 0
 * (vCPU 1 has pCPU 1): vCPU 0 runs its 6 ms slice (12 ms latency / 2),
 * then waits there while vCPU 2 runs its own. vCPU 1 computes 6.2 ms and
 * halts, so pCPU 1 goes idle 0.2 ms after vCPU 0 stopped running. With no
 * migration cost pCPU 1 pulls vCPU 0 at once; with 100 us vCPU 0 is cold
 * (0.2 ms since it ran) and pulled at once too; with the kernel's 500 us it
 * is cache-hot, pCPU 1 stays idle and vCPU 0 runs again on pCPU 0 when
 * vCPU 2's slice ends, 6 ms after it began. */
START_TEST(test_cfs_idle_pull_migration_cost)
{
    static const int cost[] = {0, 100000, 500000};
    for (int k = 0; k < 3; k++) {
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.02, \"warmup_s\": 0.0, " HOST(2) ","
                         " \"hypervisor\": {\"scheduler\": \"cfs\", \"tick_ns\": 0, \"balance_ns\": 0,"
                         " \"migration_cost_ns\": %d}, \"vms\": {\"count\": 1, \"vcpus\": 3},"
                         " \"workload\": {\"type\": \"script\", \"tasks\": ["
                         "  {\"vcpu\": 0, \"repeat\": true, \"steps\": [{\"compute_ns\": 1000000}]},"
                         "  {\"vcpu\": 1, \"steps\": [{\"compute_ns\": 6200000}, {\"sleep_ns\": 1000000000}]},"
                         "  {\"vcpu\": 2, \"repeat\": true, \"steps\": [{\"compute_ns\": 1000000}]}]}}",
                         cost[k]);
        log_attach(w, &slog);
        run_to_end(&r);
        const sched_ev *start0 = log_find(&slog, 0, 1, 0, 0), *out0 = log_find(&slog, 0, 0, 0, 0);
        ck_assert_msg(start0 && start0->pcpu == 0, "cost %d: vCPU 0 did not start on pCPU 0", cost[k]);
        ck_assert_msg(out0 && out0->t == start0->t + 6 * SIM_MS && out0->hs == VH_RUNNABLE,
                      "cost %d: vCPU 0 first switched out at %lld, expected its start + 6 ms, runnable",
                      cost[k], out0 ? (long long)out0->t : -1LL);
        const sched_ev *halt1 = log_find(&slog, 1, 0, 0, 0);
        ck_assert_msg(halt1 && halt1->hs == VH_HALTED, "cost %d: vCPU 1 never halted", cost[k]);
        ck_assert_msg(halt1->t - out0->t > 100000 && halt1->t - out0->t < 500000,
                      "cost %d: vCPU 1 halted %lld ns after vCPU 0 stopped, expected 0.1-0.5 ms", cost[k],
                      (long long)(halt1->t - out0->t));
        const sched_ev *in0 = log_find(&slog, 0, 1, out0->t + 1, 0);
        ck_assert_msg(in0 != NULL, "cost %d: vCPU 0 never ran again", cost[k]);
        sim_time want_t = cost[k] < 200000 ? halt1->t : out0->t + 6 * SIM_MS;
        int want_pc = cost[k] < 200000 ? 1 : 0;
        ck_assert_msg(in0->t == want_t && in0->pcpu == want_pc,
                      "cost %d: vCPU 0 back at %lld on pCPU %d, expected %lld on %d (vCPU 1 halted at %lld)",
                      cost[k], (long long)in0->t, in0->pcpu, (long long)want_t, want_pc, (long long)halt1->t);
        check_conservation(w, "cfs, migration cost");
        drop(&r);
    }
}
END_TEST

/* hypervisor.pin_vcpus: vCPU i of each VM runs only on pCPU i mod pCPUs,
 * under CFS's own rules. Two VMs of three vCPUs on two pCPUs, pv ticket
 * locks on one kernel lock (halts, kicks, wakes, PLE yields): pinned, every
 * schedule-in of vCPU i is on pCPU i mod 2 and none counts a migration;
 * floating, the same run moves vCPUs (so the check can fail). */
START_TEST(test_cfs_pin_vcpus)
{
    for (int pin = 1; pin >= 0; pin--) {
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.05, \"warmup_s\": 0.0, " HOST(2) ","
                         " \"hypervisor\": {\"scheduler\": \"cfs\", \"pin_vcpus\": %s},"
                         " \"vms\": {\"count\": 2, \"vcpus\": 3},"
                         " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\"}},"
                         " \"workload\": {\"type\": \"lockloop\", \"kernel_lock\": true,"
                         "  \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000},"
                         "  \"hold\": {\"dist\": \"exp\", \"mean_ns\": 5000}}}",
                         pin ? "true" : "false");
        log_attach(w, &slog);
        run_to_end(&r);
        int ins = 0, off = 0;
        for (int i = 0; i < slog.n; i++) {
            if (!slog.ev[i].in)
                continue;
            ins++;
            off += slog.ev[i].pcpu != w->all_vcpus[slog.ev[i].gid]->id % 2;
        }
        uint64_t moves = 0;
        for (int i = 0; i < w->nvcpus; i++)
            moves += w->all_vcpus[i]->n_migrate;
        fprintf(stderr, "cfs, pin_vcpus %d: %d schedule-ins, %d off the pinned pCPU, %llu migrations\n", pin,
                ins, off, (unsigned long long)moves);
        ck_assert_int_gt(ins, 100);
        if (pin) {
            ck_assert_int_eq(off, 0);
            ck_assert_int_eq(moves, 0);
        } else {
            ck_assert_int_gt(off, 0);
        }
        check_conservation(w, pin ? "cfs, pinned" : "cfs, floating");
        drop(&r);
    }
}
END_TEST

/* hypervisor.wake_affine (4.1's select_task_rq_fair, wake_affine,
 * select_idle_sibling): a pv kick moves the kicked vCPU towards the kicker
 * only if the kicked one's last pCPU is loaded. Two sockets x 2 cores
 * (pCPUs 0, 1 | 2, 3). vCPU 0 (pCPU 0) holds a kernel lock for 1 ms, then
 * computes on; vCPU 2 (pCPU 2) waits for it, halts after its 2^15 spins and
 * is kicked at the unlock; vCPUs 1 and 3 keep pCPUs 1 and 3 busy; from
 * 0.3 ms vCPU 6 takes the idle pCPU 2 and from 0.5 ms vCPU 10 shares it
 * (the first wake-up of vCPU i goes to pCPU i mod 4 unless another is idle;
 * 150 us slices let both run there before the kick). At the kick the
 * kicker's pCPU has load 1, the kicked one's last pCPU 2: 100 (1 + 1) <= 112
 * x 2, so across the one hop the target is the kicker's pCPU 0 - busy,
 * nothing idle in its socket: it queues there; if vCPU 1 has stopped at
 * 0.7 ms it takes the idle pCPU 1 instead. Off, limited to the socket (hops
 * 0), or with vCPU 10 absent (load 1: 200 > 112), it goes back to pCPU 2.
 * migration_cost_ns 1 s keeps idle pulls from moving vCPU 6 or 10 (hot). */
START_TEST(test_cfs_wake_affine)
{
    static const struct {
        int on, hops, stop1, with10, expect;
    } cases[] = {{0, 1, 0, 1, 2}, {1, 1, 0, 1, 0}, {1, 1, 1, 1, 1}, {1, 0, 0, 1, 2}, {1, 1, 0, 0, 2}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.006, \"warmup_s\": 0.0,"
                         " \"host\": {\"sockets\": 2, \"cores_per_socket\": 2, \"ghz\": 2.0, \"costs\": {"
                         "  \"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
                         "  \"line_two_hops_ns\": 0, \"vmexit_ns\": 0, \"kick_ns\": 1000, \"ipi_ns\": 0,"
                         "  \"wake_ns\": 10000, \"native_wake_ns\": 1000, \"ctx_switch_ns\": 2000}},"
                         " \"hypervisor\": {\"scheduler\": \"cfs\", \"wake_affine\": %s, \"wake_affine_hops\": %d,"
                         "  \"migration_cost_ns\": 1000000000, \"sched_latency_ns\": 100000,"
                         "  \"min_granularity_ns\": 50000, \"tick_ns\": 0},"
                         " \"vms\": {\"count\": 1, \"vcpus\": 11},"
                         " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\"}},"
                         " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
                         "  \"tasks\": ["
                         "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 1000000},"
                         "    {\"unlock\": \"L\"}, {\"compute_ns\": 3000000}]},"
                         "   {\"vcpu\": 1, \"steps\": [{\"compute_ns\": %d}]},"
                         "   {\"vcpu\": 2, \"start_ns\": 10000, \"steps\": [{\"lock\": \"L\"},"
                         "    {\"compute_ns\": 100000}, {\"unlock\": \"L\"}]},"
                         "   {\"vcpu\": 3, \"steps\": [{\"compute_ns\": 5000000}]},"
                         "   {\"vcpu\": 6, \"start_ns\": 300000, \"steps\": [{\"compute_ns\": 5000000}]}%s]}}",
                         cases[k].on ? "true" : "false", cases[k].hops, cases[k].stop1 ? 700000 : 5000000,
                         cases[k].with10
                             ? ", {\"vcpu\": 10, \"start_ns\": 500000, \"steps\": [{\"compute_ns\": 5000000}]}"
                             : "");
        log_attach(w, &slog);
        run_to_end(&r);
        const sched_ev *p6 = log_find(&slog, 6, 1, 0, 0), *p10 = log_find(&slog, 10, 1, 0, 0);
        ck_assert_msg(p6 && p6->pcpu == 2, "case %zu: vCPU 6 did not start on pCPU 2", k);
        ck_assert_msg(!cases[k].with10 || (p10 && p10->pcpu == 2 && p10->t < 1000000),
                      "case %zu: vCPU 10 did not run on pCPU 2 before the kick", k);
        /* vCPU 2 halted long before the unlock at 1 ms: its next schedule-in is the kicked one */
        const sched_ev *in = log_find(&slog, 2, 1, 500000, 0);
        ck_assert_msg(in != NULL, "case %zu: vCPU 2 never woke", k);
        fprintf(stderr, "cfs, wake_affine %d hops %d, vCPU 1 %s, vCPU 10 %s: kicked vCPU 2 in at %lld on pCPU %d\n",
                cases[k].on, cases[k].hops, cases[k].stop1 ? "stops" : "runs", cases[k].with10 ? "there" : "absent",
                (long long)in->t, in->pcpu);
        ck_assert_msg(in->pcpu == cases[k].expect, "case %zu: kicked vCPU 2 on pCPU %d, expected %d", k,
                      in->pcpu, cases[k].expect);
        check_conservation(w, "cfs, wake_affine");
        drop(&r);
    }
}
END_TEST

START_TEST(test_wake_cost)
{
    const char *hv = all_hv[_i];
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.01, " HOST(2) ", \"hypervisor\": {\"scheduler\": \"%s\"},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 2},"
                     " \"workload\": {\"type\": \"script\", \"tasks\": ["
                     "  {\"vcpu\": 0, \"repeat\": true, \"steps\": [{\"compute_ns\": 1000000}]},"
                     "  {\"vcpu\": 1, \"steps\": [{\"compute_ns\": 100000}, {\"sleep_ns\": 1000000},"
                     "   {\"compute_ns\": 100000}]}]}}",
                     hv);
    int native = !vcpu_virtual(w);
    sim_time kick = native ? 0 : KICK_NS, wake = native ? NATIVE_WAKE_NS : WAKE_NS;
    log_attach(w, &slog);
    run_to_end(&r);
    /* first run: woken at t = kick, halts after its first 100 us */
    const sched_ev *in0 = log_find(&slog, 1, 1, 0, 0), *out0 = log_find(&slog, 1, 0, 0, 0);
    ck_assert_msg(in0 && out0, "%s: vCPU 1 never ran and halted", hv);
    ck_assert_msg(in0->t == kick && in0->seg == kick + wake, "%s: first run in at %lld, resumes at %lld",
                  hv, (long long)in0->t, (long long)in0->seg);
    ck_assert_msg(out0->t == kick + wake + 100000 && out0->hs == VH_HALTED, "%s: halted at %lld", hv,
                  (long long)out0->t);
    /* kicked after the sleep: in at once, resumes wake later, runs 100 us */
    sim_time woken = out0->t + 1000000 + kick;
    const sched_ev *in1 = log_find(&slog, 1, 1, out0->t, 0), *out1 = log_find(&slog, 1, 0, out0->t + 1, 0);
    ck_assert_msg(in1 && out1, "%s: vCPU 1 did not run again", hv);
    ck_assert_msg(in1->t == woken, "%s: scheduled in at %lld, expected %lld", hv, (long long)in1->t,
                  (long long)woken);
    ck_assert_msg(in1->pcpu == 1, "%s: woken on pCPU %d, expected the idle pCPU 1", hv, in1->pcpu);
    ck_assert_msg(in1->seg == woken + wake, "%s: guest resumes at %lld, expected %lld (+%lld)", hv,
                  (long long)in1->seg, (long long)(woken + wake), (long long)wake);
    ck_assert_msg(out1->t == woken + wake + 100000, "%s: task finished at %lld, expected %lld", hv,
                  (long long)out1->t, (long long)(woken + wake + 100000));
    check_conservation(w, hv);
    drop(&r);
}
END_TEST

/* A second wake-up of a vCPU that is already woken (waiting for its pCPU)
 * changes nothing: the host scheduler makes a queued woken vCPU
 * VH_RUNNABLE (vcpu_make_runnable), so vcpu_wake filters the second kick.
 * (Before that call existed a queued woken vCPU stayed VH_HALTED, the
 * second kick reached hv->wake again and hq_push linked the vCPU twice,
 * cutting off every vCPU queued behind it.) One pCPU: VM 0's vCPU and VM
 * 1's vCPU 0 are CPU-bound; VM 1's vCPU 1 (gid 2) has no task. A probe kicks
 * it twice, 30 ms apart, in the middle of slices, while both CPU-bound vCPUs
 * are busy; when it runs it halts at once. Both CPU-bound vCPUs must still
 * get half the pCPU, and the kicked one must have waited as RUNNABLE (except
 * under cfs, whose wake-up preemption runs it at once: there the second
 * kick finds it halted again and is an ordinary wake-up). */
static void kick_probe(world *w, probe *p)
{
    (void)p;
    vcpu_wake(w, w->all_vcpus[2], 0);
}

START_TEST(test_double_wake)
{
    const char *hv = all_hv[_i];
    if (!strcmp(hv, "none"))
        return; /* bare metal runs one VM only, and never queues */
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 1.2, \"warmup_s\": 0.0, " HOST(1) ", \"hypervisor\": {\"scheduler\": \"%s\"},"
                     " \"vms\": [{\"vcpus\": 1}, {\"vcpus\": 2, \"workload\": {\"threads\": 1}}],"
                     " " CPU_BOUND "}",
                     hv);
    probe k1 = {0, kick_probe, NULL, ""}, k2 = {0, kick_probe, NULL, ""};
    probe_start(w, &k1, 45 * SIM_MS);
    probe_start(w, &k2, 75 * SIM_MS);
    run_to_end(&r);
    double a = (double)w->all_vcpus[0]->t_run / window_ns(w), b = (double)w->all_vcpus[1]->t_run / window_ns(w);
    ck_assert_msg(fabs(a - 0.5) < 0.05 && fabs(b - 0.5) < 0.05,
                  "%s: after a double wake-up the CPU-bound vCPUs ran %.3f and %.3f of the window", hv, a, b);
    const vcpu *c = w->all_vcpus[2];
    if (strcmp(hv, "cfs") != 0) /* cfs: wake-up preemption runs it at once, no queueing */
        ck_assert_msg(c->t_steal > 0, "%s: the kicked vCPU never waited as runnable", hv);
    ck_assert_msg(c->last_pcpu == 0 && c->hs == VH_HALTED, "%s: the kicked vCPU never ran", hv);
    check_conservation(w, hv);
    drop(&r);
}
END_TEST

/* A pv-lock workload under overcommit with PLE on: every scheduler keeps
 * time conserved and every VM makes progress (exercises wake, block and
 * yield_to together). */
START_TEST(test_overcommit_smoke)
{
    const char *hv = all_hv[_i];
    if (!strcmp(hv, "none"))
        return; /* bare metal runs one VM only */
    run r;
    world *w = build(&r,
                     "{\"duration_s\": 0.3, \"warmup_s\": 0.05, " HOST(4) ", \"hypervisor\": {\"scheduler\": \"%s\","
                     " \"ple\": {\"enabled\": true}}, \"vms\": {\"count\": 3, \"vcpus\": 4},"
                     " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\"}},"
                     " \"workload\": {\"type\": \"lockloop\", \"threads\": 6, \"kernel_lock\": true,"
                     " \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000}, \"hold\": {\"dist\": \"exp\", \"mean_ns\": 2000}}}",
                     hv);
    run_to_end(&r);
    check_conservation(w, hv);
    for (int i = 0; i < w->nvms; i++)
        ck_assert_msg(w->vms[i].ops > 0, "%s: vm%d made no progress", hv, i);
    drop(&r);
}
END_TEST


/* The private-cache refill (host.costs.switch_refill_ns): a task resuming
 * where another context ran since pays it, once per resume. Three CPU-bound
 * vCPUs share one pCPU under cfs: every resume follows another vCPU's turn,
 * so each vCPU's refills equal its preemptions (+-1 at the window's edges),
 * and the work lost is exactly refills x refill: the lock loop's
 * operations (one per 100 us of CPU) fall by that much against a run
 * without refill, within the window's edge. Two vCPUs on two pCPUs never
 * pay it; nor does a guest that time-shares two threads on bare metal
 * escape it (the guest's own switches pay it too). */
#define REFILL_HOST(cores, refill)                                                                 \
    "\"host\": {\"sockets\": 1, \"cores_per_socket\": " #cores ", \"ghz\": 2.0, \"costs\": {"       \
    "\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"                 \
    "\"line_two_hops_ns\": 0, \"vmexit_ns\": 0, \"kick_ns\": 0, \"ipi_ns\": 0, \"wake_ns\": 0,"     \
    "\"native_wake_ns\": 0, \"ctx_switch_ns\": 0, \"migrate_same_socket_ns\": 0,"                   \
    " \"switch_refill_ns\": " #refill "}}"
#define THINK_100US                                                                                \
    "\"workload\": {\"type\": \"lockloop\", \"threads\": %d, \"kernel_lock\": false,"              \
    " \"think\": {\"dist\": \"const\", \"mean_ns\": 100000}, \"hold\": {\"dist\": \"const\", \"mean_ns\": 0}}"
#define REFILL_NS 50000

/* One lock-loop run; `more` adds hypervisor keys (text after a comma, or ""). */
static void refill_run(run *r, const char *host, const char *sched, const char *more, int vcpus,
                       int threads)
{
    build(r,
          "{\"duration_s\": 1.0, \"warmup_s\": 0.1, %s,"
          " \"hypervisor\": {\"scheduler\": \"%s\"%s%s},"
          " \"vms\": {\"count\": 1, \"vcpus\": %d}, " THINK_100US "}",
          host, sched, strcmp(sched, "cfs") ? "" : ", \"tick_ns\": 0", more, vcpus, threads);
    run_to_end(r);
}

/* The operations r1 lost against r0 (one per 100 us of progress) are
 * lost_ns of stall, within the window's edge. */
static void check_ops_lost(const run *r0, const run *r1, double lost_ns, const char *what)
{
    double lost = (double)r0->w->vms[0].ops - (double)r1->w->vms[0].ops;
    double want = lost_ns / 100000.0;
    ck_assert_msg(fabs(lost - want) <= 4, "%s: ops lost %.0f, stall / think = %.1f", what, lost, want);
}

static uint64_t refills(const world *w)
{
    uint64_t n = 0;
    for (int g = 0; g < w->nvcpus; g++)
        n += w->all_vcpus[g]->n_refill;
    return n;
}

START_TEST(test_switch_refill)
{
    run r0, r1;
    refill_run(&r0, REFILL_HOST(1, 0), "cfs", "", 3, 0);
    refill_run(&r1, REFILL_HOST(1, 50000), "cfs", "", 3, 0);
    ck_assert_uint_eq(refills(r0.w), 0);
    uint64_t n = refills(r1.w);
    ck_assert_msg(n > 300, "only %llu refills in 0.9 s of 3 vCPUs on one pCPU", (unsigned long long)n);
    for (int g = 0; g < r1.w->nvcpus; g++) {
        const vcpu *vc = r1.w->all_vcpus[g];
        long long d = (long long)vc->n_refill - (long long)vc->n_preempt;
        ck_assert_msg(d >= -1 && d <= 1, "vcpu%d: %llu refills, %llu preemptions", vc->id,
                      (unsigned long long)vc->n_refill, (unsigned long long)vc->n_preempt);
    }
    check_ops_lost(&r0, &r1, (double)n * REFILL_NS, "3 vCPUs, refills x refill");
    drop(&r0);
    drop(&r1);

    run r2; /* one vCPU per pCPU: nothing else runs there */
    refill_run(&r2, REFILL_HOST(2, 50000), "cfs", "", 2, 0);
    ck_assert_uint_eq(refills(r2.w), 0);
    drop(&r2);

    run r3, r4; /* bare metal, two threads on one CPU: the guest's switches */
    refill_run(&r3, REFILL_HOST(1, 0), "none", "", 1, 2);
    refill_run(&r4, REFILL_HOST(1, 50000), "none", "", 1, 2);
    n = refills(r4.w);
    ck_assert_msg(n > 100, "only %llu refills with two threads time-sharing one CPU",
                  (unsigned long long)n);
    check_ops_lost(&r3, &r4, (double)n * REFILL_NS, "bare metal");
    drop(&r3);
    drop(&r4);
}
END_TEST

/* The refill is bounded by what the others executed: one CPU-bound vCPU
 * alone on its pCPU, interrupted only by background bursts (1 % of the
 * pCPU, 10 us each on average). With a refill of 1 ms, each resume after
 * a burst pays only as long as the burst ran - the burst could not evict
 * more - so the refill time is about the background time, not
 * refills x 1 ms, and the work lost matches it. */
START_TEST(test_switch_refill_bounded)
{
    run r0, r1;
    const char *keys = ", \"background_share\": 0.01, \"background_burst_ns\": 10000";
    refill_run(&r0, REFILL_HOST(1, 0), "cfs", keys, 1, 0);
    refill_run(&r1, REFILL_HOST(1, 1000000), "cfs", keys, 1, 0);
    const vcpu *vc = r1.w->all_vcpus[0];
    double bg = window_ns(r1.w) - (double)vc->t_run; /* the pCPU's time without the vCPU */
    ck_assert_msg(vc->n_refill > 300, "only %llu refills", (unsigned long long)vc->n_refill);
    ck_assert_msg(fabs((double)vc->t_refill - bg) <= 0.05 * bg,
                  "refill %lld ns against %.0f ns of background: the bound is the others' time",
                  (long long)vc->t_refill, bg);
    ck_assert_msg((double)vc->t_refill < 0.05 * (double)vc->n_refill * 1e6,
                  "refill %lld ns for %llu resumes: not bounded", (long long)vc->t_refill,
                  (unsigned long long)vc->n_refill);
    check_ops_lost(&r0, &r1, (double)vc->t_refill, "bounded refill");
    drop(&r0);
    drop(&r1);
}
END_TEST

/* A task that only waits defers the refill (models/guest.c, guest_refill):
 * three vCPUs on one pCPU, one lock-loop thread each, holds of 5 ms under a
 * plain ticket lock (spinners never halt; no PLE): the holder is preempted
 * in its hold and the two waiters are switched in and out while they spin,
 * again and again. A waiter pays nothing at those resumes; what others
 * evicted meanwhile (at most one refill) is paid once, by its next
 * computation outside the lock. So each vCPU pays far fewer refills than it
 * is preempted (without the deferral, one per preemption: test above), no
 * refill is longer than R, and the loop still completes operations. */
START_TEST(test_switch_refill_deferred)
{
    run r;
    build(&r, "{\"duration_s\": 1.0, \"warmup_s\": 0.1, %s,"
              " \"hypervisor\": {\"scheduler\": \"cfs\", \"tick_ns\": 0, \"ple\": {\"enabled\": false}},"
              " \"vms\": {\"count\": 1, \"vcpus\": 3}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
              " \"workload\": {\"type\": \"lockloop\", \"threads\": 3, \"kernel_lock\": true,"
              " \"think\": {\"dist\": \"const\", \"mean_ns\": 100000},"
              " \"hold\": {\"dist\": \"const\", \"mean_ns\": 5000000}}}",
          REFILL_HOST(1, 50000));
    run_to_end(&r);
    uint64_t pre = 0, n = refills(r.w);
    sim_time paid = 0;
    for (int g = 0; g < r.w->nvcpus; g++) {
        pre += r.w->all_vcpus[g]->n_preempt;
        paid += r.w->all_vcpus[g]->t_refill;
    }
    ck_assert_msg(r.w->vms[0].ops > 50, "only %llu operations", (unsigned long long)r.w->vms[0].ops);
    ck_assert_msg(pre > 300, "only %llu preemptions", (unsigned long long)pre);
    ck_assert_msg(n > 0 && 2 * n < pre, "%llu refills for %llu preemptions: waiters paid at resume",
                  (unsigned long long)n, (unsigned long long)pre);
    ck_assert_msg(paid <= (sim_time)n * REFILL_NS, "%lld ns of refill for %llu refills: above R each",
                  (long long)paid, (unsigned long long)n);
    drop(&r);
}
END_TEST

/* A directed yield to a vCPU queued on another pCPU takes effect when the
 * reschedule IPI arrives (resched_curr on the target's run queue:
 * host.costs.resched_ipi_ns later), on the yielder's own pCPU at once. Two
 * pCPUs, two CPU-bound vCPUs queued on each; mid-slice a probe makes pCPU
 * 0's running vCPU yield to the one waiting on pCPU 1: that one runs there
 * exactly resched_ipi_ns later (0: at the same instant), and the yielder
 * gives its own pCPU away at once. */
static struct {
    sim_time at;
    int self, target;
} yprobe;

static void yield_probe(world *w, probe *p)
{
    (void)p;
    vcpu *self = w->pcpus[0].cur, *target = w->pcpus[1].rq_head;
    ck_assert(self && target);
    yprobe.at = w->sim.now;
    yprobe.self = self->gid;
    yprobe.target = target->gid;
    w->hv->yield_to(w, self, target);
}

START_TEST(test_resched_ipi)
{
    static const int ipi[] = {0, 5000};
    for (int k = 0; k < 2; k++) {
        run r;
        world *w = build(&r,
                         "{\"duration_s\": 0.1, \"host\": {\"sockets\": 1, \"cores_per_socket\": 2,"
                         " \"ghz\": 2.0, \"costs\": {\"resched_ipi_ns\": %d}},"
                         " \"hypervisor\": {\"scheduler\": \"cfs\", \"balance_ns\": 0},"
                         " \"vms\": {\"count\": 1, \"vcpus\": 4}, " CPU_BOUND "}",
                         ipi[k]);
        probe p = {.period = 0, .fn = yield_probe};
        probe_start(w, &p, 50001234);
        log_attach(w, &slog);
        run_to_end(&r);
        const sched_ev *in = log_find(&slog, yprobe.target, 1, yprobe.at, 0);
        const sched_ev *out = log_find(&slog, yprobe.self, 0, yprobe.at, 0);
        ck_assert_msg(in && in->pcpu == 1 && in->t == yprobe.at + ipi[k],
                      "resched_ipi_ns %d: the target ran at %lld on pCPU %d, the yield was at %lld", ipi[k],
                      in ? (long long)in->t : -1LL, in ? in->pcpu : -1, (long long)yprobe.at);
        ck_assert_msg(out && out->t == yprobe.at, "the yielder kept its pCPU");
        check_conservation(w, "resched_ipi");
        drop(&r);
    }
}
END_TEST

/* A kernel spinlock's holder defers the refill too (preemption is off in
 * its critical section, which touches the lock and the data it protects):
 * two VMs of 8 vCPUs on 8 pCPUs, 8 threads each taking a kernel ticket
 * lock (1 us holds every 20 us), PLE's directed yields switching vCPUs in
 * and out every few microseconds. Charged at the resume, a 5 us refill
 * as long as the other thread's turn made each preempted holder pay again
 * before its 1 us hold could go on, so holders were preempted 38x as often
 * as without the refill and the loop ran at 29 % of it; deferred, holder
 * preemptions stay within 3x of the run without refill, and the loop keeps
 * more than half its rate (what it loses is the refill its computing
 * threads pay after each unlock). The PLE window is fixed (grow 1, a host
 * before Linux 3.18) so that both runs exit and yield every few
 * microseconds, the regime where the rule matters; with KVM's dynamic
 * window the run without refill settles into rare exits (292 holder
 * preemptions in 1.5 s against 8,580 with the refill, whose switches keep
 * resetting the windows), and the two runs compare regimes, not the rule. */
static uint64_t lhp_total(const world *w)
{
    uint64_t n = 0;
    for (int v = 0; v < w->nvms; v++)
        for (int i = 0; i < w->vms[v].nlocks; i++)
            n += w->vms[v].locks[i]->lhp_n;
    return n;
}

START_TEST(test_switch_refill_holder)
{
    run r[2];
    const char *refill[2] = {"0", "5000"};
    for (int k = 0; k < 2; k++)
        build(&r[k], "{\"duration_s\": 0.3, \"warmup_s\": 0.05,"
                     " \"host\": {\"sockets\": 1, \"cores_per_socket\": 8, \"ghz\": 2.0, \"costs\": {"
                     "\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
                     " \"line_two_hops_ns\": 0, \"vmexit_ns\": 400, \"kick_ns\": 1000, \"ipi_ns\": 0,"
                     " \"wake_ns\": 10000, \"native_wake_ns\": 1000, \"ctx_switch_ns\": 2000,"
                     " \"migrate_same_socket_ns\": 0, \"switch_refill_ns\": %s}},"
                     " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"dy_eligible\": false, \"grow\": 1}},"
                     " \"vms\": {\"count\": 2, \"vcpus\": 8}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
                     " \"workload\": {\"type\": \"lockloop\", \"threads\": 8, \"kernel_lock\": true,"
                     " \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000},"
                     " \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1000}}}",
              refill[k]);
    for (int k = 0; k < 2; k++)
        run_to_end(&r[k]);
    uint64_t l0 = lhp_total(r[0].w), l1 = lhp_total(r[1].w);
    uint64_t o0 = r[0].w->vms[0].ops + r[0].w->vms[1].ops, o1 = r[1].w->vms[0].ops + r[1].w->vms[1].ops;
    ck_assert_msg(l0 > 100, "only %llu holder preemptions without refill", (unsigned long long)l0);
    ck_assert_msg(l1 <= 3 * l0, "%llu holder preemptions with the refill, %llu without: holders pay at resume",
                  (unsigned long long)l1, (unsigned long long)l0);
    ck_assert_msg(2 * o1 > o0, "%llu operations with the refill, %llu without", (unsigned long long)o1,
                  (unsigned long long)o0);
    ck_assert_uint_gt(refills(r[1].w), 0);
    for (int k = 0; k < 2; k++)
        drop(&r[k]);
}
END_TEST

/* Six threads of one VM on six vCPUs and two pCPUs (host preset HOST(2)) in
 * a loop of exponential think and hold times around a kernel ticket lock,
 * with the PLE option `key` of hypervisor.ple false or true, observed by
 * obs (0.3 s, 0.05 s warm-up). */
static void ple_loop_run(run *r, const char *key, int on, double think_ns, double hold_ns, obs_fn obs,
                         void *ctx)
{
    build(r, "{\"duration_s\": 0.3, \"warmup_s\": 0.05, " HOST(2) ","
             " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"%s\": %s}},"
             " \"vms\": {\"count\": 1, \"vcpus\": 6}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
             " \"workload\": {\"type\": \"lockloop\", \"threads\": 6, \"kernel_lock\": true,"
             " \"think\": {\"dist\": \"exp\", \"mean_ns\": %.0f},"
             " \"hold\": {\"dist\": \"exp\", \"mean_ns\": %.0f}}}",
          key, on ? "true" : "false", think_ns, hold_ns);
    r->w->obs = obs;
    r->w->obs_ctx = ctx;
    run_to_end(r);
}

/* The PLE handler's dy_eligible rule (hypervisor.ple.dy_eligible, Linux
 * 3.6, virt/kvm/kvm_main.c): a candidate that is inside its own PAUSE-loop
 * handler - here: descheduled by its own directed yield, and not run since -
 * is eligible only every other time it is examined, starting with "not"
 * (spin_loop.dy_eligible, cleared when a handler ends); a vCPU preempted
 * while it ran or spun in the guest is always eligible. Six vCPUs of one VM
 * on two pCPUs, six threads taking a kernel ticket lock held 200 us: most
 * preempted vCPUs got there by yielding. The observer marks a vCPU "in its
 * handler" when it is switched out at the instant of its own yield, and
 * unmarks it when it runs again; it counts the exits since (each may have
 * examined it), the yields whose target was so marked and, of those, the
 * ones made by the first exit since it was marked - certainly its first
 * examination, which the rule forbids to succeed. Without the rule every
 * exit yields to the first candidate it finds (yields = exits). (The
 * throughput of this loop does not move with the rule: 233 against 242
 * operations at this seed; until 2026-12-03 the model applied it to every
 * vCPU whose guest task was spinning, which is not KVM's test, and gained
 * 1.9x here.) */
typedef struct dy_log {
    sim_time yield_at[64]; /* when vCPU g last yielded (-1: not) */
    int in_handler[64];    /* switched out by its own yield, not run since */
    int looks[64];         /* PAUSE-loop exits since it was marked */
    uint64_t yields, to_handler, first_look;
} dy_log;

static void dy_obs(world *w, const obs_event *e, void *ctx)
{
    dy_log *d = ctx;
    if (!e->vc || e->vc->gid >= 64)
        return;
    int g = e->vc->gid;
    if (e->kind == OBS_VCPU_OUT && d->yield_at[g] == w->sim.now && e->vc->hs == VH_RUNNABLE) {
        d->in_handler[g] = 1;
        d->looks[g] = 0;
    } else if (e->kind == OBS_VCPU_IN) {
        d->in_handler[g] = 0;
    } else if (e->kind == OBS_PLE_EXIT) { /* its walk may examine every marked vCPU */
        for (int i = 0; i < w->nvcpus && i < 64; i++)
            if (d->in_handler[i] && i != g)
                d->looks[i]++;
    } else if (e->kind == OBS_YIELD && e->other_vc && e->other_vc->gid < 64) {
        int c = e->other_vc->gid;
        d->yield_at[g] = w->sim.now;
        d->yields++;
        if (d->in_handler[c]) {
            d->to_handler++;
            if (d->looks[c] == 1) /* this exit is the first that can have seen it */
                d->first_look++;
        }
    }
}

static uint64_t vm_count(const world *w, int dy)
{
    uint64_t n = 0;
    for (int g = 0; g < w->nvcpus; g++)
        n += dy ? w->all_vcpus[g]->n_dy : w->all_vcpus[g]->n_ple;
    return n;
}

START_TEST(test_ple_dy_eligible)
{
    run r[2];
    dy_log d[2];
    for (int k = 0; k < 2; k++) {
        memset(&d[k], 0, sizeof d[k]);
        for (int i = 0; i < 64; i++)
            d[k].yield_at[i] = -1;
        ple_loop_run(&r[k], "dy_eligible", k, 20000, 200000, dy_obs, &d[k]);
    }
    ck_assert_msg(vm_count(r[0].w, 0) > 1000, "only %llu PLE exits", (unsigned long long)vm_count(r[0].w, 0));
    ck_assert_msg(vm_count(r[0].w, 1) == vm_count(r[0].w, 0), "without the rule every exit yields");
    /* without the rule, vCPUs in their own handler are taken like any other */
    ck_assert_msg(d[0].to_handler > 100 && d[0].first_look > 100,
                  "without the rule: %llu of %llu yields to in-handler vCPUs, %llu at the first look",
                  (unsigned long long)d[0].to_handler, (unsigned long long)d[0].yields,
                  (unsigned long long)d[0].first_look);
    /* with it, one is (almost) never taken at the first exit that sees it -
     * 1 against 319 at this seed: the observer also marks a vCPU that a
     * second event switched out at the instant of its own yield - and fewer
     * yields go to in-handler vCPUs (66,753 against 89,360), though they are
     * still taken every other look */
    ck_assert_msg(50 * d[1].first_look < d[0].first_look,
                  "with the rule %llu yields took an in-handler vCPU at its first look, %llu without",
                  (unsigned long long)d[1].first_look, (unsigned long long)d[0].first_look);
    ck_assert_msg(d[1].to_handler > 0 && 10 * d[1].to_handler < 9 * d[0].to_handler,
                  "yields to in-handler vCPUs: %llu with the rule, %llu without",
                  (unsigned long long)d[1].to_handler, (unsigned long long)d[0].to_handler);
    for (int k = 0; k < 2; k++)
        drop(&r[k]);
}
END_TEST

/* The PLE handler's kernel-mode filter (hypervisor.ple.kernel_mode_only,
 * Linux 4.14: kvm_vcpu_on_spin(me, yield_to_kernel_mode) skips a candidate
 * whose preempted_in_kernel is false). Six threads on six vCPUs on two
 * pCPUs alternate 100 us of user-mode think time with a kernel ticket lock
 * held 100 us, so the host preempts vCPUs in both modes. The observer
 * follows each task's mode from its steps alone (kernel from a lock request
 * to the release, user in a computation holding nothing) and records it
 * for each vCPU the host preempts; a directed yield to a vCPU preempted in
 * user mode must happen without the filter and never with it, while yields
 * to vCPUs preempted in the kernel go on. */
typedef struct km_log {
    int kernel[64];        /* task id -> in kernel mode */
    int user_pre[64];      /* vCPU gid -> preempted in user mode */
    uint64_t to_user, to_kernel;
} km_log;

static void km_obs(world *w, const obs_event *e, void *ctx)
{
    (void)w;
    km_log *d = ctx;
    if (e->kind == OBS_ACT && e->t && e->t->id < 64)
        d->kernel[e->t->id] = e->t->act != TA_WORK || e->t->nheld > 0;
    else if (e->kind == OBS_VCPU_OUT && e->vc && e->vc->gid < 64 && e->vc->hs == VH_RUNNABLE)
        d->user_pre[e->vc->gid] = e->t && e->t->id < 64 && !d->kernel[e->t->id];
    else if (e->kind == OBS_YIELD && e->other_vc && e->other_vc->gid < 64) {
        if (d->user_pre[e->other_vc->gid])
            d->to_user++;
        else
            d->to_kernel++;
    }
}

START_TEST(test_ple_kernel_mode_only)
{
    run r[2];
    km_log d[2];
    for (int k = 0; k < 2; k++) {
        memset(&d[k], 0, sizeof d[k]);
        ple_loop_run(&r[k], "kernel_mode_only", k, 100000, 100000, km_obs, &d[k]);
        fprintf(stderr, "ple kernel_mode_only %d: yields to vCPUs preempted in user mode %llu, in kernel mode %llu\n",
                k, (unsigned long long)d[k].to_user, (unsigned long long)d[k].to_kernel);
    }
    ck_assert_msg(d[0].to_user > 100 && d[0].to_kernel > 100,
                  "without the filter: %llu yields to vCPUs preempted in user mode, %llu in kernel mode",
                  (unsigned long long)d[0].to_user, (unsigned long long)d[0].to_kernel);
    ck_assert_msg(d[1].to_user == 0, "with the filter %llu yields went to vCPUs preempted in user mode",
                  (unsigned long long)d[1].to_user);
    ck_assert_msg(d[1].to_kernel > 100, "with the filter only %llu yields to vCPUs preempted in the kernel",
                  (unsigned long long)d[1].to_kernel);
    for (int k = 0; k < 2; k++)
        drop(&r[k]);
}
END_TEST

/* PAUSE-loop exits at CPL 0 only (hypervisor.ple.user_mode false, Intel
 * VT-x: the control is ignored at CPL > 0): four threads on four vCPUs of
 * two pCPUs contend for a user-level ticket lock held 100 us, so waiters
 * spin in user mode and never exit; the same loop around a kernel lock, or
 * with AMD's pause filter (user_mode true), exits thousands of times. */
START_TEST(test_ple_user_mode)
{
    const char *cfg[3][2] = {{"false", "false"}, {"false", "true"}, {"true", "false"}}; /* kernel_lock, user_mode */
    uint64_t exits[3];
    for (int k = 0; k < 3; k++) {
        run r;
        build(&r, "{\"duration_s\": 0.2, \"warmup_s\": 0.05, " HOST(2) ","
                  " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"user_mode\": %s}},"
                  " \"vms\": {\"count\": 1, \"vcpus\": 4}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
                  " \"workload\": {\"type\": \"lockloop\", \"threads\": 4, \"kernel_lock\": %s,"
                  " \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000},"
                  " \"hold\": {\"dist\": \"exp\", \"mean_ns\": 100000}}}",
              cfg[k][1], cfg[k][0]);
        run_to_end(&r);
        exits[k] = vm_count(r.w, 0);
        fprintf(stderr, "ple user_mode %s, kernel_lock %s: %llu PAUSE-loop exits\n", cfg[k][1], cfg[k][0],
                (unsigned long long)exits[k]);
        drop(&r);
    }
    ck_assert_msg(exits[0] == 0, "%llu exits of user-mode spinners on VT-x", (unsigned long long)exits[0]);
    ck_assert_msg(exits[1] > 1000, "only %llu exits with the pause filter", (unsigned long long)exits[1]);
    ck_assert_msg(exits[2] > 1000, "only %llu exits of kernel-mode spinners", (unsigned long long)exits[2]);
}
END_TEST

/* The PLE handler's walk (hypervisor.ple.scan_ns): with as many pCPUs as
 * vCPUs no vCPU is ever preempted, so every PAUSE-loop exit walks the whole
 * VM, yields to no one, and the spinner pays scan_ns per vCPU before it
 * spins again. A fixed window (grow 1, before Linux 3.18) keeps the exits
 * coming; KVM's dynamic one doubles after each such exit and would leave
 * two exits to walk. A waiter in that walk when its ticket comes up takes the
 * lock late, so a lock loop with long waits slows down; 0 (the default)
 * charges nothing. */
START_TEST(test_ple_scan)
{
    run r[2];
    const char *scan[2] = {"0", "20000"};
    for (int k = 0; k < 2; k++) {
        build(&r[k], "{\"duration_s\": 0.3, \"warmup_s\": 0.05, " HOST(4) ","
                     " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"scan_ns\": %s, \"grow\": 1}},"
                     " \"vms\": {\"count\": 1, \"vcpus\": 4}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
                     " \"workload\": {\"type\": \"lockloop\", \"threads\": 4, \"kernel_lock\": true,"
                     " \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000},"
                     " \"hold\": {\"dist\": \"exp\", \"mean_ns\": 50000}}}",
              scan[k]);
        run_to_end(&r[k]);
    }
    uint64_t o0 = r[0].w->vms[0].ops, o1 = r[1].w->vms[0].ops;
    ck_assert_msg(vm_count(r[0].w, 0) > 1000, "only %llu PLE exits", (unsigned long long)vm_count(r[0].w, 0));
    for (int k = 0; k < 2; k++)
        ck_assert_msg(vm_count(r[k].w, 1) == 0, "%llu directed yields with no vCPU preempted",
                      (unsigned long long)vm_count(r[k].w, 1));
    ck_assert_msg(10 * o1 < 9 * o0, "%llu operations with an 80 us walk per exit, %llu without",
                  (unsigned long long)o1, (unsigned long long)o0);
    for (int k = 0; k < 2; k++)
        drop(&r[k]);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("hostsched");
    TCase *cr = tcase_create("credit");
    tcase_set_timeout(cr, 120);
    tcase_add_test(cr, test_credit_two_vms_equal);
    tcase_add_test(cr, test_credit_two_by_two);
    tcase_add_test(cr, test_credit_steal_balances);
    tcase_add_test(cr, test_credit_boost_ends_at_tick);
    tcase_add_test(cr, test_credit_boost_preempts_after_ratelimit);
    suite_add_tcase(s, cr);
    TCase *co = tcase_create("cosched");
    tcase_set_timeout(co, 120);
    tcase_add_test(co, test_cosched_gangs);
    tcase_add_test(co, test_cosched_backfill);
    tcase_add_test(co, test_cosched_oversized_vm);
    suite_add_tcase(s, co);
    TCase *ex = tcase_create("existing");
    tcase_set_timeout(ex, 120);
    tcase_add_test(ex, test_pinned_half_and_slice);
    tcase_add_test(ex, test_cfs_three_threads);
    tcase_add_test(ex, test_cfs_three_threads_tick);
    tcase_add_test(ex, test_cfs_idle_pull_migration_cost);
    tcase_add_test(ex, test_cfs_pin_vcpus);
    tcase_add_test(ex, test_cfs_wake_affine);
    tcase_add_test(ex, test_eevdf_three_threads);
    tcase_add_test(ex, test_eevdf_tick);
    tcase_add_test(ex, test_background_share);
    tcase_add_test(ex, test_halt_poll_resume);
    tcase_add_test(ex, test_halt_poll_yields);
    tcase_add_test(ex, test_halt_poll_adaptive);
    tcase_add_test(ex, test_switch_refill);
    tcase_add_test(ex, test_switch_refill_deferred);
    tcase_add_test(ex, test_switch_refill_holder);
    tcase_add_test(ex, test_resched_ipi);
    tcase_add_test(ex, test_ple_dy_eligible);
    tcase_add_test(ex, test_ple_scan);
    tcase_add_test(ex, test_ple_kernel_mode_only);
    tcase_add_test(ex, test_ple_user_mode);
    tcase_add_test(ex, test_switch_refill_bounded);
    suite_add_tcase(s, ex);
    TCase *all = tcase_create("all");
    tcase_set_timeout(all, 120);
    tcase_add_loop_test(all, test_wake_cost, 0, N_HV);
    tcase_add_loop_test(all, test_double_wake, 0, N_HV);
    tcase_add_loop_test(all, test_overcommit_smoke, 0, N_HV);
    suite_add_tcase(s, all);
    return s;
}
