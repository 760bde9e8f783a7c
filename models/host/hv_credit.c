/* credit: the Xen credit scheduler (csched, xen/common/sched_credit.c of
 * Xen 4.x), as a what-if host for the vCPU threads.
 *
 * What it does, as Xen does it:
 *  - one run queue per pCPU, ordered by priority BOOST > UNDER > OVER, FIFO
 *    within a priority (__runq_insert); a vCPU descheduled while runnable
 *    goes to the tail of its priority class, so a waiting vCPU of equal
 *    priority runs next;
 *  - credits: every accounting period (csched_acct, every tslice = 30 ms)
 *    the pCPUs' worth of credit (one period per pCPU) is shared among the
 *    VMs with active vCPUs in proportion to weight x active vCPUs (all
 *    weights are CSCHED_DEFAULT_WEIGHT = 256 here), each VM at most one
 *    period per active vCPU (credit_peak) with the excess passed on to the
 *    VMs after it, a negative system-wide balance raising the next total,
 *    and the VM's share split equally among its active vCPUs. A vCPU's
 *    credit is debited by the CPU time it uses (burn_credits: at each tick
 *    and whenever it is descheduled). After the credit is added, a vCPU is
 *    UNDER if it has credit left and OVER otherwise; credit is bounded
 *    below at minus one period, and a vCPU whose credit exceeds one period
 *    stops being active (stops earning) with its credit halved;
 *  - a vCPU becomes active when a tick finds it running (csched_vcpu_acct);
 *    at that tick a BOOSTed vCPU drops to UNDER;
 *  - wake-up (csched_vcpu_wake): an UNDER vCPU is BOOSTed; it preempts the
 *    running vCPU if its priority is higher (__runq_tickle), subject to the
 *    rate limit: a vCPU that has run less than ratelimit (1 ms) keeps the
 *    pCPU until it has, then the scheduler runs again (csched_schedule);
 *  - time slice 30 ms: at its end the running vCPU is requeued and the head
 *    of the queue runs (which may be the same vCPU, without a switch);
 *  - load balancing (csched_load_balance): when the best local candidate is
 *    OVER or there is none, the pCPU steals a waiting vCPU of strictly
 *    higher priority from a busy peer's queue, peers on the same socket
 *    first;
 *  - directed yield: Xen has none. Its PAUSE-loop exit handler does a plain
 *    SCHEDOP_yield, and a yielding vCPU is requeued behind one vCPU of lower
 *    priority. yield_to models exactly that for the spinning vCPU and
 *    ignores the target: it returns 1 if the spinner gave its pCPU away
 *    (so vcpu.c's PLE loop stops), 0 if it kept it (nothing else to run,
 *    or the rate limit: then, as in Xen, the yield takes effect when the
 *    spinner has run ratelimit).
 *
 * Simplified relative to Xen 4.x:
 *  - priorities change exactly at accounting and ticks; queues are re-sorted
 *    at accounting time (Xen: lazily, at each pCPU's next tick);
 *  - one global tick for all pCPUs at multiples of credit_tick (Xen: one
 *    timer per pCPU, started when the pCPU comes up), and one accounting
 *    timer at multiples of credit_slice (Xen: the master pCPU's timer). At
 *    accounting the running vCPUs' credit is first debited up to now;
 *  - "UNDER if credit > 0": the project's rule; Xen's csched_acct uses
 *    credit >= 0. Credits are kept in ns of CPU time (world.h), exact, where
 *    Xen keeps integer credits, CSCHED_CREDITS_PER_MSEC = 10 (one credit =
 *    100 us) with a residual;
 *  - wake-up placement: the last pCPU if idle, else an idle pCPU on the same
 *    socket, else any idle pCPU, else the last pCPU's queue. Xen queues the
 *    vCPU on its last pCPU and tickles an idle one, which steals it
 *    (_csched_cpu_pick's SMT/socket idleness weighting is not modelled);
 *  - stealing takes BOOST/UNDER vCPUs from any peer before OVER ones (Xen
 *    takes the first peer's best in node order); no cache-hot test
 *    (vcpu_migration_delay defaults to 0 in Xen anyway); no soft affinity;
 *    a running vCPU is never migrated by the tick (csched_vcpu_acct's
 *    _csched_cpu_pick), only queued ones are stolen;
 *  - no caps, parking, tasklets or the CSCHED_MIN_TIMER floor on the rate
 *    limit timer; all weights equal.
 *
 * Constants and their sources (MODEL.md section 3; xen/common/sched_credit.c):
 *  credit_slice 30 ms (CSCHED_DEFAULT_TSLICE_MS, also the accounting
 *  period), credit_tick 10 ms (tslice / CSCHED_TICKS_PER_TSLICE = 3),
 *  ratelimit 1 ms (XEN_SYSCTL_SCHED_RATELIMIT_DEFAULT = 1000 us), weight 256
 *  (CSCHED_DEFAULT_WEIGHT), priorities BOOST 0 > UNDER -1 > OVER -2
 *  (CSCHED_PRI_TS_*; IDLE -64). The three times come from the scenario
 *  (hv_cfg, defaults in config/scenario.c).
 *
 * A woken vCPU that has to wait in a queue is made VH_RUNNABLE
 * (hv_make_runnable: its wait counts as steal time); the private
 * `runnable` flag also makes a second wake-up harmless. */
#include <stddef.h>

#include "models/host/hv.h"

/* Parameters (docs/scenario-format.md, hypervisor): Xen 4.x defaults,
 * CSCHED_DEFAULT_TSLICE_MS = 30 (also the accounting period), tick =
 * tslice / CSCHED_TICKS_PER_TSLICE (3), XEN_SYSCTL_SCHED_RATELIMIT_DEFAULT
 * = 1 ms (MODEL.md section 3). */
typedef struct cr_params {
    int64_t slice;     /* time slice and accounting period, ns */
    int64_t tick;      /* accounting tick, ns */
    int64_t ratelimit; /* minimum run before a wake-up may preempt, ns */
} cr_params;
VP_FITS(cr_params);

static const vparam cr_params_tab[] = {
    {.key = "credit_slice_ns", .type = VP_INT, .def = 30000000, .lo = 1000, .hi = 1e10, .unit = "ns",
     .doc = "time slice and accounting period", .off = offsetof(cr_params, slice)},
    {.key = "credit_tick_ns", .type = VP_INT, .def = 10000000, .lo = 1000, .hi = 1e10, .unit = "ns",
     .doc = "accounting tick", .off = offsetof(cr_params, tick)},
    {.key = "ratelimit_ns", .type = VP_INT, .def = 1000000, .lo = 0, .hi = 1e10, .unit = "ns",
     .doc = "minimum run before a wake-up may preempt", .off = offsetof(cr_params, ratelimit)},
};

#define CR_PAR(w) VP_OF(cr_params, &(w)->sc->hv.par)
#include "sim/mem.h"

#include <stdlib.h>

/* vcpu.prio values: Xen's CSCHED_PRI_TS_*; larger runs first. */
enum { CR_BOOST = 0, CR_UNDER = -1, CR_OVER = -2, CR_IDLE = -64 };
/* CSCHED_DEFAULT_WEIGHT: every VM's weight. */
#define CR_WEIGHT 256

typedef struct cr_vcpu { /* scheduler-private per-vCPU state, by gid */
    int active;          /* on the active list: earns credit at accounting */
    int runnable;        /* woken and not halted since (running or queued) */
    int yielding;        /* requeue behind one lower-priority vCPU */
    sim_time burn_from;  /* running: credit is debited up to here */
} cr_vcpu;

typedef struct cr_state {
    cr_vcpu *v;          /* per vCPU, indexed by gid */
    int64_t balance;     /* credit_balance: active vCPUs' credit after the last accounting */
    ev_id tick, acct;    /* the periodic timers */
} cr_state;

static cr_vcpu *cr_of(world *w, const vcpu *vc) { return &((cr_state *)w->hv_state)->v[vc->gid]; }

/* --- run queues ------------------------------------------------------------ */

/* Inserts vc into pc's queue after every vCPU of equal or higher priority
 * (after one more, of lower priority, if vc is yielding). */
static void cr_insert(world *w, pcpu *pc, vcpu *vc)
{
    vcpu *prev = NULL, *it = pc->rq_head;
    while (it && it->cr.prio >= vc->cr.prio) {
        prev = it;
        it = it->hq_next;
    }
    cr_vcpu *cv = cr_of(w, vc);
    if (cv->yielding && it) {
        prev = it;
        it = it->hq_next;
    }
    cv->yielding = 0;
    if (!prev) {
        hq_push_front(pc, vc);
        return;
    }
    vc->hq_next = it;
    prev->hq_next = vc;
    if (!it)
        pc->rq_tail = vc;
    pc->nrq++;
    vc->on_hq = 1;
    vc->hq_pcpu = pc->id;
}

/* Stable re-sort of pc's queue by priority (after accounting). */
static void cr_sort(world *w, pcpu *pc)
{
    vcpu *list = pc->rq_head;
    pc->rq_head = pc->rq_tail = NULL;
    pc->nrq = 0;
    while (list) {
        vcpu *next = list->hq_next;
        cr_insert(w, pc, list);
        list = next;
    }
}

/* --- credit ---------------------------------------------------------------- */

/* Debits a running vCPU's credit up to now (burn_credits). */
static void cr_burn(world *w, vcpu *vc)
{
    cr_vcpu *cv = cr_of(w, vc);
    if (w->sim.now > cv->burn_from) {
        vc->cr.credit -= w->sim.now - cv->burn_from;
        cv->burn_from = w->sim.now;
    }
}

static void cr_acct(ev_sim *sim, void *ctx, uint64_t arg);
static void cr_tick(ev_sim *sim, void *ctx, uint64_t arg);

/* csched_acct: shares out one period of credit per pCPU. */
static void cr_acct(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    (void)arg;
    world *w = world_of(sim);
    cr_state *s = w->hv_state;
    const int64_t period = CR_PAR(w)->slice; /* credits_per_tslice, in ns */
    s->acct = ev_after(&w->sim, period, cr_acct, NULL, 0);
    for (int p = 0; p < w->npcpus; p++)
        if (w->pcpus[p].cur)
            cr_burn(w, w->pcpus[p].cur);
    int64_t weight_total = 0;
    for (int i = 0; i < w->nvms; i++)
        for (int k = 0; k < w->vms[i].nvcpus; k++)
            weight_total += cr_of(w, &w->vms[i].vcpus[k])->active ? CR_WEIGHT : 0;
    if (weight_total == 0) {
        s->balance = 0;
        return;
    }
    int64_t credit_total = period * w->npcpus, weight_left = weight_total, balance = 0;
    if (s->balance < 0)
        credit_total -= s->balance; /* converge the balance towards 0 */
    for (int i = 0; i < w->nvms; i++) {
        vm *v = &w->vms[i];
        int64_t nact = 0;
        for (int k = 0; k < v->nvcpus; k++)
            nact += cr_of(w, &v->vcpus[k])->active;
        if (nact == 0)
            continue;
        int64_t wv = CR_WEIGHT * nact; /* the VM's weight times its active vCPUs */
        weight_left -= wv;
        /* products in 128 bits: periods up to 10 s on 4096 pCPUs overflow 64 */
        int64_t peak = nact * period;
        if (s->balance < 0)
            peak += (int64_t)(((__int128)-s->balance * wv + weight_total - 1) / weight_total);
        int64_t fair = (int64_t)(((__int128)credit_total * wv + weight_total - 1) / weight_total);
        if (fair >= peak) {
            if (weight_left > 0) /* the others may have what this VM can't use */
                credit_total += (int64_t)(((__int128)(fair - peak) * weight_total + weight_left - 1) /
                                          weight_left);
            fair = peak;
        }
        fair = (fair + nact - 1) / nact; /* per vCPU */
        for (int k = 0; k < v->nvcpus; k++) {
            vcpu *vc = &v->vcpus[k];
            cr_vcpu *cv = cr_of(w, vc);
            if (!cv->active)
                continue;
            vc->cr.credit += fair;
            if (vc->cr.credit > 0) {
                vc->cr.prio = CR_UNDER;
                if (vc->cr.credit > period) { /* upper bound: stops earning, keeps half */
                    cv->active = 0;
                    vc->cr.credit /= 2;
                }
            } else {
                vc->cr.prio = CR_OVER;
                if (vc->cr.credit < -period) /* lower bound */
                    vc->cr.credit = -period;
            }
            balance += vc->cr.credit;
        }
    }
    s->balance = balance;
    for (int p = 0; p < w->npcpus; p++)
        cr_sort(w, &w->pcpus[p]);
}

/* csched_tick on every pCPU: debit the running vCPU, activate it, end its
 * BOOST. */
static void cr_tick(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    (void)arg;
    world *w = world_of(sim);
    cr_state *s = w->hv_state;
    s->tick = ev_after(&w->sim, CR_PAR(w)->tick, cr_tick, NULL, 0);
    for (int p = 0; p < w->npcpus; p++) {
        vcpu *vc = w->pcpus[p].cur;
        if (!vc)
            continue;
        if (vc->cr.prio == CR_BOOST)
            vc->cr.prio = CR_UNDER;
        cr_burn(w, vc);
        cr_of(w, vc)->active = 1;
    }
}

/* --- scheduling -------------------------------------------------------------- */

static void cr_timer(ev_sim *sim, void *ctx, uint64_t arg);

/* Sets pc's scheduler timer to `at` (cancels it if at < 0). */
static void cr_arm(world *w, pcpu *pc, sim_time at)
{
    if (pc->tick) {
        ev_cancel(&w->sim, pc->tick);
        pc->tick = 0;
    }
    if (at >= 0)
        pc->tick = ev_schedule(&w->sim, at, cr_timer, pc, 0);
}

/* Puts vc on idle pc for a fresh slice. The timer is armed first: running
 * vc may re-enter the scheduler at once (a guest with nothing to do halts
 * immediately), and whatever that decides must win. */
static void cr_run(world *w, pcpu *pc, vcpu *vc, int from_halt)
{
    cr_of(w, vc)->burn_from = w->sim.now;
    cr_arm(w, pc, w->sim.now + CR_PAR(w)->slice);
    hv_run_on(w, pc, vc, from_halt);
}

/* Takes the first vCPU of priority > pri waiting on a busy peer's queue,
 * peers on pc's socket first, each scan starting after pc. NULL if none. */
static vcpu *cr_steal_above(world *w, pcpu *pc, int pri)
{
    for (int pass = 0; pass < 2; pass++)
        for (int k = 1; k < w->npcpus; k++) {
            pcpu *p = &w->pcpus[(pc->id + k) % w->npcpus];
            if ((p->socket == pc->socket) != (pass == 0) || !p->cur)
                continue;
            vcpu *vc = p->rq_head; /* sorted: the head is the best */
            if (vc && vc->cr.prio > pri) {
                hq_remove(p, vc);
                return vc;
            }
        }
    return NULL;
}

/* csched_schedule for pc: the current vCPU (if still runnable) competes with
 * the queue; the rate limit protects it. */
static void cr_schedule(world *w, pcpu *pc)
{
    vcpu *cur = pc->cur;
    const cr_params *c = CR_PAR(w);
    if (cur) {
        cr_burn(w, cur);
        sim_time ran = w->sim.now - pc->since;
        if (c->ratelimit > 0 && ran < c->ratelimit) { /* a yield waits for this too */
            cr_arm(w, pc, pc->since + c->ratelimit);
            return;
        }
        cr_insert(w, pc, cur);
    }
    vcpu *next = pc->rq_head;
    if (next)
        hq_remove(pc, next);
    if (!next || next->cr.prio <= CR_OVER) { /* load balance: more urgent work elsewhere? */
        vcpu *s = cr_steal_above(w, pc, CR_OVER);
        if (!s && !next)
            s = cr_steal_above(w, pc, CR_IDLE);
        if (s) {
            if (next)
                cr_insert(w, pc, next);
            next = s;
        }
    }
    if (next == cur) { /* keeps the pCPU: no switch, a fresh slice */
        cr_arm(w, pc, w->sim.now + c->slice);
        return;
    }
    if (cur)
        hv_sched_out(w, cur, VH_RUNNABLE);
    if (next)
        cr_run(w, pc, next, 0);
    else
        cr_arm(w, pc, -1);
}

static void cr_timer(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)arg;
    world *w = world_of(sim);
    pcpu *pc = ctx;
    pc->tick = 0;
    if (pc->cur)
        cr_schedule(w, pc);
}

/* Where a waking vCPU goes: its last pCPU if idle, else an idle pCPU on the
 * same socket, else any idle one, else the last pCPU. */
static pcpu *cr_pick(world *w, vcpu *vc)
{
    pcpu *last = &w->pcpus[vc->last_pcpu >= 0 ? vc->last_pcpu : vc->gid % w->npcpus];
    if (!last->cur && last->nrq == 0)
        return last;
    for (int pass = 0; pass < 2; pass++)
        for (int k = 1; k < w->npcpus; k++) {
            pcpu *p = &w->pcpus[(last->id + k) % w->npcpus];
            if ((p->socket == last->socket) == (pass == 0) && !p->cur && p->nrq == 0)
                return p;
        }
    return last;
}

static void cr_init(world *w)
{
    cr_state *s = vs_xcalloc(1, sizeof *s);
    s->v = vs_xcalloc((size_t)w->nvcpus, sizeof(cr_vcpu));
    w->hv_state = s;
    for (int g = 0; g < w->nvcpus; g++) { /* csched_alloc_vdata: UNDER, no credit */
        w->all_vcpus[g]->cr.prio = CR_UNDER;
        w->all_vcpus[g]->cr.credit = 0;
    }
    s->tick = ev_schedule(&w->sim, CR_PAR(w)->tick, cr_tick, NULL, 0);
    s->acct = ev_schedule(&w->sim, CR_PAR(w)->slice, cr_acct, NULL, 0);
}

static void cr_wake(world *w, vcpu *vc)
{
    cr_vcpu *cv = cr_of(w, vc);
    if (cv->runnable || vc->pc || vc->on_hq) /* already woken */
        return;
    cv->runnable = 1;
    if (vc->cr.prio == CR_UNDER)
        vc->cr.prio = CR_BOOST;
    pcpu *pc = cr_pick(w, vc);
    if (!pc->cur) {
        cr_run(w, pc, vc, 1);
        return;
    }
    hv_make_runnable(w, vc);
    cr_insert(w, pc, vc);
    if (vc->cr.prio > pc->cur->cr.prio) /* tickle: preempt (rate limit permitting) */
        cr_schedule(w, pc);
}

static void cr_block(world *w, vcpu *vc)
{
    pcpu *pc = vc->pc;
    cr_burn(w, vc);
    cr_of(w, vc)->runnable = 0;
    cr_of(w, vc)->yielding = 0;
    hv_sched_out(w, vc, VH_HALTED);
    cr_schedule(w, pc);
}

static int cr_yield_to(world *w, vcpu *self, vcpu *target)
{
    (void)target;
    pcpu *pc = self->pc;
    if (self->hs != VH_RUNNING || !pc)
        return 0;
    cr_of(w, self)->yielding = 1; /* cleared when it is requeued or blocks */
    cr_schedule(w, pc);
    return pc->cur != self;
}

static void cr_destroy(world *w)
{
    cr_state *s = w->hv_state;
    if (!s)
        return;
    free(s->v);
    free(s);
    w->hv_state = NULL;
}

static const hv_ops hv_credit_ops = {
    .init = cr_init,
    .wake = cr_wake,
    .block = cr_block,
    .yield_to = cr_yield_to,
    .destroy = cr_destroy,
};

const variant hv_credit_variant = {
    .name = "credit",
    .summary = "Xen credit scheduler: credits per 30 ms, BOOST/UNDER/OVER queues, rate limit, stealing",
    .ops = &hv_credit_ops,
    .params = cr_params_tab,
    .nparams = (int)(sizeof cr_params_tab / sizeof cr_params_tab[0]),
    .size = sizeof(cr_params),
};
