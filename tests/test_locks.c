/* Lock algorithms on small hand-built cases with exact expectations
 * (script workload: tasks bound to vCPUs, steps at known times). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "models/locks/lock.h"
#include "models/observe.h"
#include "models/run.h"
#include "tests/check_main.h"

/* --- a recording observer ------------------------------------------------ */

typedef struct rec_ev {
    sim_time t;
    obs_kind kind;
    int vm, task, other;
} rec_ev;

typedef struct recorder {
    rec_ev ev[20000];
    int n;
} recorder;

static void rec_fn(world *w, const obs_event *e, void *ctx)
{
    recorder *r = ctx;
    if (r->n >= 20000 || e->kind == OBS_ACT || e->kind == OBS_TASK_IN || e->kind == OBS_TASK_OUT)
        return;
    r->ev[r->n++] = (rec_ev){w->sim.now, e->kind, e->t ? e->t->vm->id : -1, e->t ? e->t->id : -1,
                             e->other ? e->other->id : -1};
}

static int rec_count(const recorder *r, obs_kind k, int task)
{
    int n = 0;
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].kind == k && (task < 0 || r->ev[i].task == task))
            n++;
    return n;
}

/* Time of the nth (0-based) event of kind k for task, -1 if none. */
static sim_time rec_time(const recorder *r, obs_kind k, int task, int nth)
{
    for (int i = 0; i < r->n; i++)
        if (r->ev[i].kind == k && r->ev[i].task == task && nth-- == 0)
            return r->ev[i].t;
    return -1;
}

/* --- running a scenario text --------------------------------------------- */

typedef struct run_out {
    scenario sc;
    world *w;
    json_t *doc;
} run_out;

static void run_text(const char *text, recorder *rec, run_out *o)
{
    json_error_t je;
    o->doc = json_loads(text, 0, &je);
    ck_assert_msg(o->doc != NULL, "bad test JSON: %s at %d:%d", je.text, je.line, je.column);
    vs_err err = {0};
    ck_assert_msg(sc_load_doc(o->doc, "test.json", &o->sc, &err) == 0, "%s", err.msg);
    o->w = world_new(&o->sc);
    if (rec) {
        rec->n = 0;
        o->w->obs = rec_fn;
        o->w->obs_ctx = rec;
    }
    world_run(o->w);
    world_finish(o->w);
}

static void run_free(run_out *o)
{
    world_free(o->w);
    scenario_free(&o->sc);
    json_decref(o->doc);
}

/* A host with round numbers: 2 GHz, PAUSE = 10 cycles (5 ns), no cache or
 * switch costs unless a test sets them, kick 1000 ns, wake 10000 ns. */
#define HOST(cores)                                                                                \
    "\"host\": {\"sockets\": 1, \"cores_per_socket\": " #cores ", \"ghz\": 2.0, \"costs\": {"       \
    "\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"                 \
    "\"line_two_hops_ns\": 0, \"pause_cycles\": 10, \"vmexit_ns\": 0, \"kick_ns\": 1000,"           \
    "\"ipi_ns\": 0, \"wake_ns\": 10000, \"native_wake_ns\": 0, \"ctx_switch_ns\": 0,"               \
    "\"migrate_same_socket_ns\": 0}}"

static recorder rec;

static const char *line_gap_text(const char *lock, const char *extra, int n, int hold, int whold, int gap);

/* Ticket: FIFO. Task 0 holds L 50 us; tasks 1..3 arrive at 1, 2, 3 us. */
static const char *fifo_text(const char *lock, int seed)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": 0.001, \"seed\": %d, " HOST(4) ","
             " \"hypervisor\": {\"scheduler\": \"none\"},"
             " \"guest\": {\"lock\": {\"algorithm\": \"%s\"}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
             "  \"tasks\": ["
             "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 50000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 1, \"start_ns\": 1000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 2, \"start_ns\": 2000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 3, \"start_ns\": 3000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100}, {\"unlock\": \"L\"}]}]}}",
             seed, lock);
    return buf;
}

static void acquire_order(const recorder *r, int *order, int n)
{
    int k = 0;
    for (int i = 0; i < r->n && k < n; i++)
        if (r->ev[i].kind == OBS_ACQUIRE)
            order[k++] = r->ev[i].task;
    ck_assert_int_eq(k, n);
}

START_TEST(test_ticket_fifo)
{
    const char *algos[] = {"ticket", "mcs", "pv-ticket", "pvqspinlock"};
    for (int a = 0; a < 4; a++) {
        run_out o;
        run_text(fifo_text(algos[a], 1), &rec, &o);
        int order[4];
        acquire_order(&rec, order, 4);
        for (int i = 0; i < 4; i++)
            ck_assert_msg(order[i] == i, "%s: acquisition %d went to task %d", algos[a], i, order[i]);
        /* task 0 releases at exactly 50 us, task 1 takes over at once (zero cost) */
        ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 1, 0), 50000);
        run_free(&o);
    }
}
END_TEST

START_TEST(test_tas_not_fifo)
{
    /* tas hands a released lock to a random running spinner: over seeds,
     * some order differs from arrival order. */
    int non_fifo = 0;
    for (int seed = 1; seed <= 20; seed++) {
        run_out o;
        run_text(fifo_text("tas", seed), &rec, &o);
        int order[4];
        acquire_order(&rec, order, 4);
        ck_assert_int_eq(order[0], 0);
        if (order[1] != 1 || order[2] != 2)
            non_fifo++;
        run_free(&o);
    }
    ck_assert_msg(non_fifo > 0, "tas acquired in FIFO order for all 20 seeds");
}
END_TEST

/* pv-ticket in a VM with one pCPU per vCPU: task 0 holds L 100 us, tasks
 * 1 and 2 ask at 1 and 2 us (after their vCPUs woke), spin 2^10 PAUSEs
 * (1024 * 5 ns = 5120 ns) and halt. */
static const char *pv_text(const char *lock, const char *extra)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": 0.002, " HOST(3) ","
             " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"enabled\": false}},"
             " \"guest\": {\"lock\": {\"algorithm\": \"%s\", \"spin_threshold\": 1024 %s}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
             "  \"tasks\": ["
             "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 1, \"start_ns\": 20000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 50000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 2, \"start_ns\": 30000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100}, {\"unlock\": \"L\"}]}]}}",
             lock, extra);
    return buf;
}

START_TEST(test_pv_ticket_halt_and_kick)
{
    run_out o;
    run_text(pv_text("pv-ticket", ""), &rec, &o);
    /* each waiter halts exactly SPIN_THRESHOLD * pause cost after it began waiting */
    for (int t = 1; t <= 2; t++) {
        sim_time w0 = rec_time(&rec, OBS_WAIT, t, 0), h0 = rec_time(&rec, OBS_HALT, t, 0);
        ck_assert_msg(w0 >= 0 && h0 >= 0, "task %d: wait %lld halt %lld", t, (long long)w0, (long long)h0);
        ck_assert_int_eq(h0 - w0, 5120);
    }
    /* task 0 releases: exactly one kick, to task 1 (the next ticket) */
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    int kicks_at_rel0 = 0;
    for (int i = 0; i < rec.n; i++)
        if (rec.ev[i].kind == OBS_KICK && rec.ev[i].t == rel0) {
            kicks_at_rel0++;
            ck_assert_int_eq(rec.ev[i].task, 1);
            ck_assert_int_eq(rec.ev[i].other, 0);
        }
    ck_assert_int_eq(kicks_at_rel0, 1);
    /* the kicked vCPU runs again after exactly kick + wake cost (idle pCPU) */
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 1, 0) - rel0, 1000 + 10000);
    /* task 2 is kicked only when task 1 releases */
    ck_assert_int_eq(rec_count(&rec, OBS_KICK, 2), 1);
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 2, 0), rec_time(&rec, OBS_RELEASE, 1, 0));
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->halts, 2);
    ck_assert_int_eq(l->kicks, 2);
    run_free(&o);
}
END_TEST

/* The guest tick (guest.tick_ns) ends a pv lock wait's halt: pv_text's
 * scenario with a 20 us tick. Task 1 halts about 5 us after it asks and
 * waits about 75 us for task 0's release: each tick in between wakes its
 * vCPU (no kick), it spins another 2^10 round and halts again, so its halts
 * are its tick wake-ups plus at most one. Idle halts have no tick (vCPU 0
 * after its task ends); without the tick: one halt, no tick wake-up. With
 * the tick but the lock taken with interrupts disabled ("irqs_off": the
 * waiter's halt() ignores interrupts): one halt, no tick wake-up either. */
START_TEST(test_guest_tick_wakes_pv_waiter)
{
    for (int k = 0; k < 3; k++) {
        static char text[4096];
        snprintf(text, sizeof text, "%s", pv_text("pv-ticket", ""));
        if (k == 2) { /* the lock is taken with interrupts disabled */
            const char *from = "\"kernel\": true}", *to = "\"kernel\": true, \"irqs_off\": true}";
            char *at = strstr(text, from);
            ck_assert_ptr_nonnull(at);
            memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
            memcpy(at, to, strlen(to));
        }
        if (k) { /* the guest section gains tick_ns */
            char *g = strstr(text, "\"guest\": {");
            ck_assert_ptr_nonnull(g);
            memmove(g + 29, g + 10, strlen(g + 10) + 1);
            memcpy(g + 10, "\"tick_ns\": 20000,  ", 19);
        }
        run_out o;
        run_text(text, &rec, &o);
        const lock *l = o.w->vms[0].locks[0];
        int h1 = rec_count(&rec, OBS_HALT, 1);
        uint64_t t1 = o.w->vms[0].vcpus[1].n_tick, t0 = o.w->vms[0].vcpus[0].n_tick;
        ck_assert_int_eq(l->irqs_off, k == 2);
        if (k == 1) {
            ck_assert_msg(t1 >= 2 && (uint64_t)h1 >= t1 && (uint64_t)h1 <= t1 + 1,
                          "tick 20 us: task 1 halted %d times, %llu tick wake-ups", h1, (unsigned long long)t1);
        } else {
            ck_assert_msg(h1 == 1 && t1 == 0, "%s: task 1 halted %d times, %llu tick wake-ups",
                          k ? "tick, irqs off" : "no tick", h1, (unsigned long long)t1);
        }
        ck_assert_msg(t0 == 0, "the idle vCPU 0 had %llu tick wake-ups", (unsigned long long)t0);
        ck_assert_int_eq(rec_count(&rec, OBS_ACQUIRE, 1), 1);
        ck_assert_int_eq(rec_count(&rec, OBS_ACQUIRE, 2), 1);
        run_free(&o);
    }
}
END_TEST

START_TEST(test_pvqspinlock_double_kick)
{
    run_out o;
    run_text(pv_text("pvqspinlock", ""), &rec, &o);
    /* task 1 (queue head) halts with the lock marked slow; task 2 halts as a node */
    ck_assert_int_eq(rec_time(&rec, OBS_HALT, 1, 0) - rec_time(&rec, OBS_WAIT, 1, 0), 5120);
    ck_assert_int_eq(rec_time(&rec, OBS_HALT, 2, 0) - rec_time(&rec, OBS_WAIT, 2, 0), 5120);
    /* unlock of the slow lock kicks the head */
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 1, 0), rec_time(&rec, OBS_RELEASE, 0, 0));
    /* when task 1 takes the lock it kicks its halted successor at once ... */
    sim_time acq1 = rec_time(&rec, OBS_ACQUIRE, 1, 0);
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 2, 0), acq1);
    /* ... which, woken as head, spins 2^10 again, halts again, and is kicked
     * a second time by task 1's unlock: two kicks for one acquisition */
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 2), 2);
    ck_assert_int_eq(rec_count(&rec, OBS_KICK, 2), 2);
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 2, 1), rec_time(&rec, OBS_RELEASE, 1, 0));
    run_free(&o);
}
END_TEST

/* 4.2: a node still spinning when it becomes head (its predecessor took
 * the lock) starts pv_wait_head's own SPIN_THRESHOLD round: task 2 queues
 * behind halted head task 1 shortly before task 1 is kicked and takes L, and
 * halts exactly 1024 PAUSEs (5120 ns) after that, not after its arrival. */
START_TEST(test_pvqspinlock_head_fresh_round)
{
    run_out o;
    run_text(line_gap_text("pvqspinlock", ", \"spin_threshold\": 1024", 3, 100000, 20000, 44000), &rec, &o);
    sim_time w2 = rec_time(&rec, OBS_WAIT, 2, 0), acq1 = rec_time(&rec, OBS_ACQUIRE, 1, 0);
    ck_assert_msg(w2 < acq1 && acq1 < w2 + 5120, "task 2 must be spinning as a node when task 1 takes L: wait %lld acq %lld",
                  (long long)w2, (long long)acq1);
    ck_assert_int_eq(rec_time(&rec, OBS_HALT, 2, 0) - acq1, 5120);
    run_free(&o);
}
END_TEST

/* pvqspinlock-hybrid (4.14+): task 1 queues as head and halts (pending
 * cleared, _Q_SLOW_VAL); task 2 arrives while the queue exists and pending
 * is clear, so it spins in unfair mode - never halting - and takes the lock
 * the moment task 0 releases it, while the kicked head is still waking:
 * order 0, 2, 1 (4.2's pvqspinlock keeps 0, 1, 2). */
START_TEST(test_pvq_hybrid_steals)
{
    run_out o;
    run_text(pv_text("pvqspinlock-hybrid", ""), &rec, &o);
    int order[3];
    acquire_order(&rec, order, 3);
    ck_assert_int_eq(order[0], 0);
    ck_assert_int_eq(order[1], 2);
    ck_assert_int_eq(order[2], 1);
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    ck_assert_int_eq(rec_time(&rec, OBS_HALT, 1, 0) - rec_time(&rec, OBS_WAIT, 1, 0), 5120);
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 2), 0); /* unfair spinners do not halt */
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 1, 0), rel0);
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 2, 0), rel0);
    /* the head takes the lock as soon as its vCPU runs again (kick + wake) */
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 1, 0), rel0 + 1000 + 10000);
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->kicks, 1);
    ck_assert_int_eq(l->halts, 1);
    run_free(&o);
    run_text(pv_text("pvqspinlock", ""), &rec, &o);
    acquire_order(&rec, order, 3);
    ck_assert_int_eq(order[1], 1);
    run_free(&o);
}
END_TEST

/* A head halted behind a busy pCPU (pinned, vCPUs 1 and 2 share pCPU 1):
 * task 1 halts as head, vCPU 2's long computation takes pCPU 1. Task 0's
 * unlock kicks task 1; without the boost vCPU 1 waits behind vCPU 2 until it
 * finishes (5 ms); with hypervisor.kvm.kick_yield the kicker yields to it
 * and it takes the lock one kick delay after the unlock. */
static const char *boost_text(int kick_yield)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": 0.01, " HOST(2) ","
             " \"hypervisor\": {\"scheduler\": \"pinned\", \"pin\": [0, 1, 1], \"ple\": {\"enabled\": false},"
             "  \"kvm\": {\"kick_yield\": %s}}, \"vms\": {\"count\": 1, \"vcpus\": 3},"
             " \"guest\": {\"lock\": {\"algorithm\": \"pvqspinlock-hybrid\", \"spin_threshold\": 1024}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
             "  \"tasks\": ["
             "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100000}, {\"unlock\": \"L\"},"
             "     {\"compute_ns\": 1000000}]},"
             "   {\"vcpu\": 1, \"steps\": [{\"compute_ns\": 20000}, {\"lock\": \"L\"}, {\"compute_ns\": 100},"
             "     {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 2, \"start_ns\": 1, \"steps\": [{\"compute_ns\": 5000000}]}]}}",
             kick_yield ? "true" : "false");
    return buf;
}

START_TEST(test_kick_yield_boosts_head)
{
    run_out o;
    run_text(boost_text(0), &rec, &o);
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0), acq1 = rec_time(&rec, OBS_ACQUIRE, 1, 0);
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 1), 1);
    ck_assert_msg(acq1 - rel0 > 4000000, "without the boost the head waits for pCPU 1: %lld ns", (long long)(acq1 - rel0));
    ck_assert_int_eq(o.w->vms[0].vcpus[0].n_dy, 0);
    run_free(&o);
    run_text(boost_text(1), &rec, &o);
    rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    ck_assert_int_eq(rec_time(&rec, OBS_KICK, 1, 0), rel0);
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 1, 0), rel0 + 1000);
    ck_assert_int_eq(o.w->vms[0].vcpus[0].n_dy, 1);
    run_free(&o);
}
END_TEST

START_TEST(test_oticket_zero_is_pv_ticket)
{
    /* an overcommitted run: 3 VMs x 4 vCPUs of lockloop on 4 pCPUs, no PLE */
    const char *fmt =
        "{\"duration_s\": 0.05, \"warmup_s\": 0.005, \"seed\": 5, " HOST(4) ","
        " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"enabled\": false}}, \"vms\": {\"count\": 3, \"vcpus\": 4},"
        " \"guest\": {\"lock\": {\"algorithm\": \"%s\", \"spin_threshold\": 4096 %s}},"
        " \"workload\": {\"type\": \"lockloop\", \"kernel_lock\": true,"
        "  \"think\": {\"dist\": \"exp\", \"mean_ns\": 5000}, \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1000}}}";
    char a[4096], b[4096];
    snprintf(a, sizeof a, fmt, "pv-ticket", "");
    snprintf(b, sizeof b, fmt, "oticket-window", ", \"window\": 0, \"kick_ahead\": 0");
    run_out oa, ob;
    run_text(a, NULL, &oa);
    run_text(b, NULL, &ob);
    ck_assert_int_eq(oa.w->sim.processed, ob.w->sim.processed);
    for (int v = 0; v < 3; v++) {
        lock *la = oa.w->vms[v].locks[0], *lb = ob.w->vms[v].locks[0];
        ck_assert_int_eq(la->acquisitions, lb->acquisitions);
        ck_assert_int_eq(la->halts, lb->halts);
        ck_assert_int_eq(la->kicks, lb->kicks);
        ck_assert(la->wait.mean == lb->wait.mean);
        ck_assert(la->halts > 0); /* the case exercises the pv path */
    }
    /* and a real window changes the outcome */
    snprintf(b, sizeof b, fmt, "oticket-window", ", \"window\": 2, \"kick_ahead\": 1");
    run_out oc;
    run_text(b, NULL, &oc);
    ck_assert(oc.w->vms[0].locks[0]->halts != oa.w->vms[0].locks[0]->halts);
    /* the published oticket with no long spinning (queue_wait 1) and the
     * stock kick (wakeup_ncpu 1) is pv-ticket too */
    snprintf(b, sizeof b, fmt, "oticket", ", \"queue_wait\": 1, \"wakeup_ncpu\": 1");
    run_out od;
    run_text(b, NULL, &od);
    ck_assert_int_eq(oa.w->sim.processed, od.w->sim.processed);
    for (int v = 0; v < 3; v++) {
        lock *la = oa.w->vms[v].locks[0], *ld = od.w->vms[v].locks[0];
        ck_assert_int_eq(la->acquisitions, ld->acquisitions);
        ck_assert_int_eq(la->kicks, ld->kicks);
    }
    run_free(&oa);
    run_free(&ob);
    run_free(&oc);
    run_free(&od);
}
END_TEST

/* One VM, one pCPU per vCPU, no PLE: task 0 holds L `hold` ns; tasks
 * 1..n-1 ask at 20 us + gap x i (queue distances 1..n-1 in order; gap 2 us
 * in line_text) and hold it `whold` ns each. */
static const char *line_gap_text(const char *lock, const char *extra, int n, int hold, int whold, int gap)
{
    static char buf[8192];
    int k = snprintf(buf, sizeof buf,
                     "{\"duration_s\": 0.004, \"host\": {\"sockets\": 1, \"cores_per_socket\": %d, \"ghz\": 2.0,"
                     " \"costs\": {\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
                     " \"line_two_hops_ns\": 0, \"pause_cycles\": 10, \"vmexit_ns\": 0, \"kick_ns\": 1000,"
                     " \"ipi_ns\": 0, \"wake_ns\": 10000, \"native_wake_ns\": 0, \"ctx_switch_ns\": 0,"
                     " \"migrate_same_socket_ns\": 0}},"
                     " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"enabled\": false}},"
                     " \"guest\": {\"lock\": {\"algorithm\": \"%s\"%s}},"
                     " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
                     "  \"tasks\": ["
                     "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": %d}, {\"unlock\": \"L\"}]}",
                     n, lock, extra, hold);
    for (int i = 1; i < n; i++)
        k += snprintf(buf + k, sizeof buf - (size_t)k,
                      ", {\"vcpu\": %d, \"start_ns\": %d, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": %d},"
                      " {\"unlock\": \"L\"}]}",
                      i, 20000 + gap * i, whold);
    snprintf(buf + k, sizeof buf - (size_t)k, "]}}");
    return buf;
}

static const char *line_text(const char *lock, const char *extra, int n, int hold, int whold)
{
    return line_gap_text(lock, extra, n, hold, whold, 2000);
}

/* o-ticket's budget by the distance at arrival: with SPIN_MAX_THRESHOLD
 * 8192 and TICKET_QUEUE_WAIT 3, distance 1 spins 8192 PAUSEs (40960 ns),
 * distance 2 4096 (20480 ns), distances 3 and 4 the stock 1024 (5120 ns).
 * After the unlock's kicks a woken waiter spins its full budget again: task
 * 4 (distance 4) halts a second time exactly 5120 ns after its vCPU runs. */
START_TEST(test_oticket_budget_by_distance)
{
    run_out o;
    run_text(line_text("oticket", ", \"spin_threshold\": 1024, \"spin_max_threshold\": 8192, \"queue_wait\": 3", 5,
                       1000000, 10000),
             &rec, &o);
    const sim_time want[] = {0, 40960, 20480, 5120, 5120};
    for (int t = 1; t <= 4; t++) {
        sim_time w0 = rec_time(&rec, OBS_WAIT, t, 0), h0 = rec_time(&rec, OBS_HALT, t, 0);
        ck_assert_msg(w0 >= 0 && h0 >= 0, "task %d: wait %lld halt %lld", t, (long long)w0, (long long)h0);
        ck_assert_msg(h0 - w0 == want[t], "task %d (distance %d) halted after %lld ns, expected %lld", t, t,
                      (long long)(h0 - w0), (long long)want[t]);
    }
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 1, 0) - rel0, 1000 + 10000);
    sim_time h1 = rec_time(&rec, OBS_HALT, 4, 1);
    ck_assert_msg(h1 - rel0 == 1000 + 10000 + 5120, "task 4 halted again %lld ns after the release",
                  (long long)(h1 - rel0));
    run_free(&o);
    /* the published constants: 2^34 >> (dist - 1) below distance 18, 2^15 from there */
    run_text(line_text("oticket", "", 2, 1000, 100), NULL, &o);
    const world *w = o.w;
    const lock *l = w->vms[0].locks[0];
    ck_assert_int_eq(lock_oticket_budget(w, l, 1), lock_spin_iterations_ns(w, 17179869184.0));
    ck_assert_int_eq(lock_oticket_budget(w, l, 2), lock_spin_iterations_ns(w, 8589934592.0));
    ck_assert_int_eq(lock_oticket_budget(w, l, 17), lock_spin_iterations_ns(w, 262144.0));
    ck_assert_int_eq(lock_oticket_budget(w, l, 18), lock_spin_iterations_ns(w, 32768.0));
    ck_assert_int_eq(lock_oticket_budget(w, l, 100), lock_spin_iterations_ns(w, 32768.0));
    run_free(&o);
}
END_TEST

/* o-ticket's unlock kicks tickets head+1 .. head+4, each only if halted on
 * it: the next in line (distance 1) spins 2^20 and never halts, so is not
 * kicked; distances 2-6 halt; the release kicks exactly tasks 2, 3 and 4
 * (head+2 .. head+4), not 5 or 6. */
START_TEST(test_oticket_kick_reach)
{
    run_out o;
    run_text(line_text("oticket", ", \"spin_threshold\": 1024, \"spin_max_threshold\": 1048576, \"queue_wait\": 2", 7,
                       200000, 100),
             &rec, &o);
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 1), 0);
    for (int t = 2; t <= 6; t++)
        ck_assert_int_ge(rec_count(&rec, OBS_HALT, t), 1);
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    int kicked[8] = {0}, n = 0;
    for (int i = 0; i < rec.n; i++)
        if (rec.ev[i].kind == OBS_KICK && rec.ev[i].t == rel0) {
            kicked[rec.ev[i].task]++;
            n++;
        }
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(kicked[2], 1);
    ck_assert_int_eq(kicked[3], 1);
    ck_assert_int_eq(kicked[4], 1);
    run_free(&o);
    /* pv-ticket in the same case kicks only the next ticket */
    run_text(line_text("pv-ticket", ", \"spin_threshold\": 1024", 7, 200000, 100), &rec, &o);
    rel0 = rec_time(&rec, OBS_RELEASE, 0, 0);
    n = 0;
    for (int i = 0; i < rec.n; i++)
        if (rec.ev[i].kind == OBS_KICK && rec.ev[i].t == rel0) {
            ck_assert_int_eq(rec.ev[i].task, 1);
            n++;
        }
    ck_assert_int_eq(n, 1);
    run_free(&o);
}
END_TEST

/* iticket: one threshold per lock, doubled whenever a waiter enters the
 * slow path, read by each round when it starts. Tasks ask 12 us apart:
 * task 1 spins 1024 PAUSEs (5120 ns) and halts (threshold 2048); task 2
 * spins 10240 ns and halts (4096); task 3 spins 20480 ns (then 8192). Tasks
 * that had begun waiting before a doubling keep their round: with asks 2 us
 * apart all three spin 5120 ns. */
START_TEST(test_iticket_doubling)
{
    run_out o;
    run_text(line_gap_text("iticket", ", \"spin_threshold\": 1024", 4, 1000000, 100, 12000), &rec, &o);
    const sim_time want[] = {0, 5120, 10240, 20480};
    for (int t = 1; t <= 3; t++) {
        sim_time d = rec_time(&rec, OBS_HALT, t, 0) - rec_time(&rec, OBS_WAIT, t, 0);
        ck_assert_msg(d == want[t], "task %d halted after %lld ns, expected %lld", t, (long long)d,
                      (long long)want[t]);
    }
    ck_assert_int_eq(o.w->vms[0].locks[0]->spin_ns, 8 * 5120);
    run_free(&o);
    run_text(line_text("iticket", ", \"spin_threshold\": 1024", 4, 1000000, 100), &rec, &o);
    for (int t = 1; t <= 3; t++)
        ck_assert_int_eq(rec_time(&rec, OBS_HALT, t, 0) - rec_time(&rec, OBS_WAIT, t, 0), 5120);
    ck_assert_int_eq(o.w->vms[0].locks[0]->spin_ns, 8 * 5120);
    run_free(&o);
    /* the threshold stops at spin_max_threshold */
    run_text(line_gap_text("iticket", ", \"spin_threshold\": 1024, \"spin_max_threshold\": 2048", 4, 1000000, 100,
                           12000),
             &rec, &o);
    ck_assert_int_eq(o.w->vms[0].locks[0]->spin_ns, 2 * 5120);
    run_free(&o);
}
END_TEST

/* 4.1's slow unlock: kvm_unlock_kick scans waiting_cpus in vCPU order up to
 * the vCPU halted on the next ticket (pv_scan_ns 100 per registered vCPU
 * read, paid by the unlocker with the 1000 ns kick), and the slow flag is
 * cleared only by an acquirer with nobody queued behind it. Tasks 1, 2, 3
 * run on vCPUs 3, 2, 1 and all halt while task 0 holds L: task 0's unlock
 * reads vCPUs 1, 2, 3 (3 scanned), task 1's reads 1, 2 (2), task 2's reads 1
 * (1); task 3 took L with nobody behind it and cleared the flag, so its
 * unlock neither scans nor kicks. Each task's overhead shows in its next
 * 1000 ns computation, measured up to its uncontended lock of M. */
START_TEST(test_pv_ticket_slow_unlock_scan)
{
    static const char *steps = "[{\"lock\": \"L\"}, {\"compute_ns\": %d}, {\"unlock\": \"L\"}, {\"compute_ns\": 1000},"
                               " {\"lock\": \"M\"}, {\"unlock\": \"M\"}]";
    char s0[256], s1[256], text[4096];
    snprintf(s0, sizeof s0, steps, 100000);
    snprintf(s1, sizeof s1, steps, 100);
    snprintf(text, sizeof text,
             "{\"duration_s\": 0.002, \"host\": {\"sockets\": 1, \"cores_per_socket\": 4, \"ghz\": 2.0,"
             " \"costs\": {\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
             " \"line_two_hops_ns\": 0, \"pause_cycles\": 10, \"vmexit_ns\": 0, \"kick_ns\": 1000,"
             " \"pv_scan_ns\": 100, \"ipi_ns\": 0, \"wake_ns\": 10000, \"native_wake_ns\": 0, \"ctx_switch_ns\": 0,"
             " \"migrate_same_socket_ns\": 0}},"
             " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"enabled\": false}},"
             " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\", \"spin_threshold\": 1024}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true},"
             "  {\"name\": \"M\", \"kernel\": true}], \"tasks\": ["
             "   {\"vcpu\": 0, \"steps\": %s},"
             "   {\"vcpu\": 3, \"start_ns\": 22000, \"steps\": %s},"
             "   {\"vcpu\": 2, \"start_ns\": 24000, \"steps\": %s},"
             "   {\"vcpu\": 1, \"start_ns\": 26000, \"steps\": %s}]}}",
             s0, s1, s1, s1);
    run_out o;
    run_text(text, &rec, &o);
    const sim_time want[] = {1000 + 300, 1000 + 200, 1000 + 100, 0};
    for (int t = 0; t <= 3; t++) {
        /* task t's second acquisition is of M */
        sim_time d = rec_time(&rec, OBS_ACQUIRE, t, 1) - rec_time(&rec, OBS_RELEASE, t, 0) - 1000;
        ck_assert_msg(d == want[t], "task %d: unlock overhead %lld ns, expected %lld", t, (long long)d,
                      (long long)want[t]);
    }
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->kicks, 3);
    ck_assert_int_eq(l->slow, 0);
    run_free(&o);
}
END_TEST

/* The slow flag is cleared by an acquirer with nobody queued behind it, not
 * at the next unlock: task 1 halts on L and takes it (after task 0's kick)
 * with nobody behind, clearing the flag; task 2 then queues and spins. Task
 * 1's unlock finds the flag clear: no scan, although waiting_cpus is not
 * empty (task 5 is halted on another lock, M, of the VM). With the flag
 * left set, that unlock would read task 5's vCPU (100 ns). */
START_TEST(test_pv_ticket_flag_cleared_by_acquirer)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"duration_s\": 0.002, \"host\": {\"sockets\": 1, \"cores_per_socket\": 5, \"ghz\": 2.0,"
             " \"costs\": {\"line_same_core_ns\": 0, \"line_same_socket_ns\": 0, \"line_one_hop_ns\": 0,"
             " \"line_two_hops_ns\": 0, \"pause_cycles\": 10, \"vmexit_ns\": 0, \"kick_ns\": 1000,"
             " \"pv_scan_ns\": 100, \"ipi_ns\": 0, \"wake_ns\": 10000, \"native_wake_ns\": 0, \"ctx_switch_ns\": 0,"
             " \"migrate_same_socket_ns\": 0}},"
             " \"hypervisor\": {\"scheduler\": \"cfs\", \"ple\": {\"enabled\": false}},"
             " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\", \"spin_threshold\": 1024}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true},"
             "  {\"name\": \"M\", \"kernel\": true}], \"tasks\": ["
             "   {\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 1, \"start_ns\": 22000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 4000},"
             "     {\"unlock\": \"L\"}, {\"compute_ns\": 1000}, {\"lock\": \"L\"}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 2, \"start_ns\": 0, \"steps\": [{\"lock\": \"M\"}, {\"compute_ns\": 1000000}, {\"unlock\": \"M\"}]},"
             "   {\"vcpu\": 3, \"start_ns\": 30000, \"steps\": [{\"lock\": \"M\"}, {\"compute_ns\": 100}, {\"unlock\": \"M\"}]},"
             "   {\"vcpu\": 4, \"start_ns\": %d, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 100}, {\"unlock\": \"L\"}]}]}}",
             113000);
    run_out o;
    run_text(text, &rec, &o);
    sim_time rel0 = rec_time(&rec, OBS_RELEASE, 0, 0), acq1 = rec_time(&rec, OBS_ACQUIRE, 1, 0);
    sim_time rel1 = rec_time(&rec, OBS_RELEASE, 1, 0), w4 = rec_time(&rec, OBS_WAIT, 4, 0);
    ck_assert_msg(acq1 < w4 && w4 < rel1, "task 4 must queue while task 1 holds L: acq %lld wait %lld rel %lld",
                  (long long)acq1, (long long)w4, (long long)rel1);
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 4), 0); /* it spins */
    ck_assert_int_eq(rec_count(&rec, OBS_HALT, 3), 1); /* registered in waiting_cpus meanwhile */
    ck_assert(rec_time(&rec, OBS_HALT, 3, 0) < rel1 && rel0 < acq1);
    /* task 1's next step after its unlock is 1000 ns with no overhead ... */
    sim_time d = rec_time(&rec, OBS_WAIT, 1, 1) - rel1;
    if (d < 0) /* its second request found L free */
        d = rec_time(&rec, OBS_ACQUIRE, 1, 1) - rel1;
    ck_assert_msg(d == 1000, "task 1: %lld ns from its unlock to its next request, expected 1000", (long long)d);
    run_free(&o);
}
END_TEST

/* Lock-holder preemption, constructed: VM 0's task holds L for 15 ms on a
 * pCPU it shares (pinned, 10 ms slices) with VM 1's CPU hog. The holder is
 * preempted once, for exactly one slice. */
START_TEST(test_lhp_once)
{
    const char *text =
        "{\"duration_s\": 0.1, " HOST(1) ","
        " \"hypervisor\": {\"scheduler\": \"pinned\", \"slice_ns\": 10000000},"
        " \"vms\": [{\"name\": \"a\", \"vcpus\": 1},"
        "  {\"name\": \"b\", \"vcpus\": 1, \"workload\": {\"locks\": [], \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"compute_ns\": 1000000000}]}]}}],"
        " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
        " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
        "  \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 15000000}, {\"unlock\": \"L\"}]}]}}";
    run_out o;
    run_text(text, &rec, &o);
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->lhp_n, 1);
    ck_assert_int_eq(l->lhp_ns, 10000000);
    ck_assert_int_eq(l->lwp_n, 0);
    /* the release happens 15 ms of running + 10 ms preempted after the acquisition */
    ck_assert_int_eq(rec_time(&rec, OBS_RELEASE, 0, 0) - rec_time(&rec, OBS_ACQUIRE, 0, 0), 25000000);
    run_free(&o);
}
END_TEST

/* Lock-waiter preemption, constructed: VM 0 has 2 vCPUs on 2 pCPUs; VM 1's
 * hog (from 2 ms) shares pCPU 1 with VM 0's vCPU 1 (pinned, 10 ms slices).
 * Task A on vCPU 0 holds L 12 ms; task B on vCPU 1 waits from 1 ms; at
 * ~11 ms vCPU 1's slice ends and the hog runs; at ~12 ms A releases to B,
 * who is not running: the lock sits reserved until vCPU 1 runs again at
 * ~21 ms. */
START_TEST(test_lwp_once)
{
    const char *text =
        "{\"duration_s\": 0.1, " HOST(2) ","
        " \"hypervisor\": {\"scheduler\": \"pinned\", \"slice_ns\": 10000000, \"pin\": [[0, 1], [1]]},"
        " \"vms\": [{\"name\": \"a\", \"vcpus\": 2},"
        "  {\"name\": \"b\", \"vcpus\": 1, \"workload\": {\"locks\": [], \"tasks\": [{\"vcpu\": 0, \"start_ns\": 2000000, \"steps\": [{\"compute_ns\": 1000000000}]}]}}],"
        " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
        " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
        "  \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 12000000}, {\"unlock\": \"L\"}]},"
        "   {\"vcpu\": 1, \"start_ns\": 1000000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 1000}, {\"unlock\": \"L\"}]}]}}";
    run_out o;
    run_text(text, &rec, &o);
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->lwp_n, 1);
    sim_time rel = rec_time(&rec, OBS_RELEASE, 0, 0), acq = rec_time(&rec, OBS_ACQUIRE, 1, 0);
    ck_assert_int_eq(l->lwp_ns, acq - rel);
    ck_assert_msg(acq - rel > 5000000, "the waiter took the lock %lld ns after the release", (long long)(acq - rel));
    ck_assert_int_eq(l->lhp_n, 0);
    run_free(&o);
}
END_TEST

/* Pause-loop exiting with a preempted holder: VM 0's task A holds L for
 * 15 ms of CPU on pCPU 0, which it shares (pinned, 10 ms slices) with VM 1's hog;
 * at 10 ms A's vCPU is preempted. Task B on VM 0's vCPU 1 (own pCPU) asks
 * for L at 12 ms and spins; after one PLE window its vCPU exits, and KVM's
 * directed yield picks the preempted vCPU 0, which runs again at once: the
 * lock-holder preemption lasts ~2 ms instead of the hog's 10 ms turn. */
static const char *ple_text(const char *enabled)
{
    static char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"duration_s\": 0.05, " HOST(2) ","
             " \"hypervisor\": {\"scheduler\": \"pinned\", \"slice_ns\": 10000000,"
             "  \"pin\": [[0, 1], [0]], \"ple\": {\"enabled\": %s}},"
             " \"vms\": [{\"name\": \"a\", \"vcpus\": 2},"
             "  {\"name\": \"b\", \"vcpus\": 1, \"workload\": {\"locks\": [], \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"compute_ns\": 1000000000}]}]}}],"
             " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
             "  \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 15000000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 1, \"start_ns\": 12000000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 1000}, {\"unlock\": \"L\"}]}]}}",
             enabled);
    return buf;
}

START_TEST(test_ple_yields_to_preempted_holder)
{
    run_out o;
    run_text(ple_text("false"), &rec, &o);
    ck_assert_int_eq(o.w->vms[0].locks[0]->lhp_n, 1);
    ck_assert_int_eq(o.w->vms[0].locks[0]->lhp_ns, 10000000); /* the hog's whole turn */
    ck_assert_int_eq(rec_count(&rec, OBS_YIELD, -1), 0);
    run_free(&o);

    run_text(ple_text("true"), &rec, &o);
    lock *l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->lhp_n, 1);
    ck_assert_msg(l->lhp_ns < 2100000, "holder preempted %lld ns despite PLE", (long long)l->lhp_ns);
    /* the spinner (task 1, vCPU 1) exited on PLE and yielded to vCPU 0, the holder's */
    int yields = 0;
    for (int i = 0; i < rec.n; i++)
        if (rec.ev[i].kind == OBS_YIELD && rec.ev[i].vm == 0 && rec.ev[i].task == 1)
            yields++;
    ck_assert_int_ge(yields, 1);
    ck_assert_int_ge(o.w->vms[0].vcpus[1].n_dy, 1);
    ck_assert_int_ge(l->ple_exits, 1);
    /* the holder resumed right after the first exit: L is released 15 ms of
     * holding plus ~2 ms preempted after it was taken */
    sim_time held = rec_time(&rec, OBS_RELEASE, 0, 0) - rec_time(&rec, OBS_ACQUIRE, 0, 0);
    ck_assert_msg(held < 17100000, "L held %lld ns", (long long)held);
    run_free(&o);
}
END_TEST

/* The PLE window belongs to the vCPU (arch/x86/kvm/vmx.c since 3.18,
 * "KVM: VMX: dynamise PLE window": grown at every PAUSE-loop exit, reset
 * only when the vCPU is scheduled in). One VM, two vCPUs on their own
 * pCPUs, nothing preempted, so every exit finds no one to yield to. Task B
 * spins ~0.9 ms on L twice, computing between the spins. At 2 GHz the
 * window of 4096 cycles is 2.048 us: the first spin exits after 1, 2, 4,
 * ... windows (8 exits in 0.9 ms); the second spin starts with the grown
 * window (1 exit more). A window that restarted at 4096 with every spin
 * would exit 8 times again. */
START_TEST(test_ple_window_survives_spins)
{
    run_out o;
    run_text("{\"duration_s\": 0.01, " HOST(2) ","
             " \"hypervisor\": {\"scheduler\": \"pinned\", \"pin\": [[0, 1]]},"
             " \"vms\": [{\"name\": \"a\", \"vcpus\": 2}],"
             " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
             " \"workload\": {\"type\": \"script\", \"locks\": [{\"name\": \"L\", \"kernel\": true}],"
             "  \"tasks\": [{\"vcpu\": 0, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 1000000}, {\"unlock\": \"L\"},"
             "     {\"compute_ns\": 10000}, {\"lock\": \"L\"}, {\"compute_ns\": 1000000}, {\"unlock\": \"L\"}]},"
             "   {\"vcpu\": 1, \"start_ns\": 100000, \"steps\": [{\"lock\": \"L\"}, {\"compute_ns\": 1000}, {\"unlock\": \"L\"},"
             "     {\"compute_ns\": 100000}, {\"lock\": \"L\"}, {\"compute_ns\": 1000}, {\"unlock\": \"L\"}]}]}}",
             &rec, &o);
    const vcpu *b = &o.w->vms[0].vcpus[1];
    ck_assert_int_eq(rec_count(&rec, OBS_YIELD, -1), 0);
    int exits = rec_count(&rec, OBS_PLE_EXIT, 1); /* task B; the only VM */
    ck_assert_msg(exits == 9, "%d PAUSE-loop exits of B's vCPU, expected 8 + 1", exits);
    ck_assert_double_eq(b->ple_window, 4096.0 * 512); /* 2^9: never scheduled out */
    run_free(&o);
}
END_TEST

/* preemptable-ticket on the lock-waiter preemption of lwp-ticket.json:
 * ticket order hands L to the descheduled vcpu1 (task 1); the
 * preemptable ticket lock lets the timed-out waiters behind it (tasks 2
 * and 3) take L first, and task 1 gets it when it runs again. */
static void run_teaching(const char *name, const char *algo, recorder *r, run_out *o)
{
    char file[4096];
    const char *src = getenv("VMSIM_SRC");
    snprintf(file, sizeof file, "%s/scenarios/teaching/%s", src ? src : ".", name);
    vs_err err = {0};
    o->doc = sc_read_json(file, &err);
    ck_assert_msg(o->doc != NULL, "%s", err.msg);
    ck_assert_int_eq(sc_set_path(o->doc, "guest.lock.algorithm", json_string(algo), &err), 0);
    ck_assert_msg(sc_load_doc(o->doc, file, &o->sc, &err) == 0, "%s", err.msg);
    o->w = world_new(&o->sc);
    r->n = 0;
    o->w->obs = rec_fn;
    o->w->obs_ctx = r;
    world_run(o->w);
    world_finish(o->w);
}

START_TEST(test_preemptable_ticket_out_of_order)
{
    int order[4], want_ticket[4] = {0, 1, 2, 3}, want_pt[4] = {0, 2, 3, 1};
    run_out o;
    run_teaching("lwp-ticket.json", "ticket", &rec, &o);
    acquire_order(&rec, order, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(order[i], want_ticket[i]);
    sim_time t2_ticket = rec_time(&rec, OBS_ACQUIRE, 2, 0);
    run_free(&o);
    run_teaching("lwp-ticket.json", "preemptable-ticket", &rec, &o);
    acquire_order(&rec, order, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_msg(order[i] == want_pt[i], "acquisition %d went to task %d", i, order[i]);
    /* task 2 takes L as soon as task 0 releases it (one 50 ns line
     * transfer later), ~0.9 ms earlier than in ticket order */
    ck_assert_int_eq(rec_time(&rec, OBS_ACQUIRE, 2, 0) - rec_time(&rec, OBS_RELEASE, 0, 0), 50);
    ck_assert(rec_time(&rec, OBS_ACQUIRE, 2, 0) < t2_ticket - 800000);
    run_free(&o);
}
END_TEST

/* Bare metal, more threads than cores, a user-level (preemptible) lock:
 * the OS preempts holders (lock-holder preemption without a hypervisor);
 * a kernel spinlock (preemption disabled) never is. */
START_TEST(test_os_level_lhp)
{
    const char *fmt =
        "{\"duration_s\": 0.2, \"warmup_s\": 0.01, " HOST(2) ","
        " \"hypervisor\": {\"scheduler\": \"none\"},"
        " \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}, \"slice_ns\": 1000000},"
        " \"workload\": {\"type\": \"lockloop\", \"threads\": 3, \"kernel_lock\": %s,"
        "  \"think\": {\"dist\": \"exp\", \"mean_ns\": 300000}, \"hold\": {\"dist\": \"exp\", \"mean_ns\": 300000}}}";
    char a[4096];
    snprintf(a, sizeof a, fmt, "false");
    run_out o;
    run_text(a, NULL, &o);
    lock *l = o.w->vms[0].locks[0];
    ck_assert_msg(l->lhp_n > 0, "no OS-level lock-holder preemption with 3 threads on 2 cores");
    ck_assert_msg(l->lwp_n > 0, "no OS-level lock-waiter preemption with 3 threads on 2 cores");
    run_free(&o);
    snprintf(a, sizeof a, fmt, "true");
    run_text(a, NULL, &o);
    l = o.w->vms[0].locks[0];
    ck_assert_int_eq(l->lhp_n, 0);
    ck_assert(l->acquisitions > 100);
    run_free(&o);
}
END_TEST

/* With the coherence penalty (non-scalable locks), a contended ticket
 * lock's throughput collapses as cores grow. */
START_TEST(test_coherence_collapse)
{
    double x[3];
    int cores[3] = {4, 16, 48};
    for (int i = 0; i < 3; i++) {
        char text[4096];
        snprintf(text, sizeof text,
                 "{\"duration_s\": 0.05, \"warmup_s\": 0.005,"
                 " \"host\": {\"sockets\": 1, \"cores_per_socket\": %d, \"costs\": {\"line_same_socket_ns\": 50, \"coherence_ns\": 40, \"native_wake_ns\": 0}},"
                 " \"hypervisor\": {\"scheduler\": \"none\"}, \"guest\": {\"lock\": {\"algorithm\": \"ticket\"}},"
                 " \"workload\": {\"type\": \"lockloop\", \"kernel_lock\": true,"
                 "  \"think\": {\"dist\": \"exp\", \"mean_ns\": 20000}, \"hold\": {\"dist\": \"exp\", \"mean_ns\": 500}}}",
                 cores[i]);
        run_out o;
        run_text(text, NULL, &o);
        x[i] = o.w->vms[0].locks[0]->acquisitions / 0.045;
        run_free(&o);
    }
    fprintf(stderr, "coherence: %.0f, %.0f, %.0f acquisitions/s at 4, 16, 48 cores\n", x[0], x[1], x[2]);
    ck_assert(x[1] > x[0]);        /* it scales at first */
    ck_assert(x[2] < 0.8 * x[1]);  /* then collapses */
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("locks");
    TCase *tc = tcase_create("algorithms");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ticket_fifo);
    tcase_add_test(tc, test_tas_not_fifo);
    tcase_add_test(tc, test_pv_ticket_halt_and_kick);
    tcase_add_test(tc, test_guest_tick_wakes_pv_waiter);
    tcase_add_test(tc, test_pvqspinlock_double_kick);
    tcase_add_test(tc, test_pvqspinlock_head_fresh_round);
    tcase_add_test(tc, test_pvq_hybrid_steals);
    tcase_add_test(tc, test_kick_yield_boosts_head);
    tcase_add_test(tc, test_oticket_zero_is_pv_ticket);
    tcase_add_test(tc, test_oticket_budget_by_distance);
    tcase_add_test(tc, test_oticket_kick_reach);
    tcase_add_test(tc, test_iticket_doubling);
    tcase_add_test(tc, test_pv_ticket_slow_unlock_scan);
    tcase_add_test(tc, test_pv_ticket_flag_cleared_by_acquirer);
    tcase_add_test(tc, test_lhp_once);
    tcase_add_test(tc, test_lwp_once);
    tcase_add_test(tc, test_ple_yields_to_preempted_holder);
    tcase_add_test(tc, test_ple_window_survives_spins);
    tcase_add_test(tc, test_preemptable_ticket_out_of_order);
    tcase_add_test(tc, test_os_level_lhp);
    tcase_add_test(tc, test_coherence_collapse);
    suite_add_tcase(s, tc);
    return s;
}
