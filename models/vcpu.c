#include "models/vcpu.h"

#include <stddef.h>
#include <stdio.h>

#include "models/host/hv.h"
#include "models/observe.h"
#include "models/topo.h"

static sim_time ple_ns(const world *w, double cycles)
{
    return (sim_time)(topo_cycles_ns(&w->sc->host, cycles) + 0.5);
}

int vcpu_virtual(const world *w) { return !w->hv->native; }

/* --- PLE parameters (hypervisor.ple): KVM vmx.c defaults, ple_window 4096,
 * ple_window_grow 2, ple_window_max INT_MAX / grow (MODEL.md section 3). -- */

static int vcpu_ple_check(void *par, const vp_ctx *c, const char **key, char *why, size_t n)
{
    (void)c;
    const hv_cfg *h = par;
    if (h->ple_window_max < h->ple_window) {
        *key = "window_max_cycles";
        snprintf(why, n, "a number >= window_cycles");
        return -1;
    }
    return 0;
}

static const vparam vcpu_ple_tab[] = {
    {.key = "enabled", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "pause-loop exiting on", .off = offsetof(hv_cfg, ple)},
    {.key = "window_cycles", .type = VP_NUM, .def = 4096, .lo = 1, .hi = 1e12, .unit = "cycles",
     .doc = "spinning longer than this exits to the host (ple_window)",
     .off = offsetof(hv_cfg, ple_window)},
    {.key = "grow", .type = VP_NUM, .def = 2, .lo = 1, .hi = 1000, .unit = "factor",
     .doc = "the window is multiplied by this at each exit (ple_window_grow)",
     .off = offsetof(hv_cfg, ple_grow)},
    {.key = "window_max_cycles", .type = VP_NUM, .def = 1073741823.0, .lo = 1, .hi = 1e15, .unit = "cycles",
     .doc = "cap on the grown window (ple_window_max = INT_MAX / grow)",
     .off = offsetof(hv_cfg, ple_window_max)},
    {.key = "dy_eligible", .type = VP_BOOL, .def = 1, .lo = 0, .hi = 1, .unit = "",
     .doc = "a candidate that is inside its own PAUSE-loop handler (descheduled by its own "
            "directed yield) is passed over every other time it is examined, the first time "
            "included (kvm_vcpu_eligible_for_directed_yield, Linux 3.6 and later [src]); false: "
            "the handler before it, which takes the first preempted vCPU",
     .off = offsetof(hv_cfg, ple_dy)},
    {.key = "scan_ns", .type = VP_NUM, .def = 0, .lo = 0, .hi = 1e6, .unit = "ns",
     .doc = "the handler's cost per vCPU it examines (kvm_vcpu_on_spin walks the VM's vCPUs in "
            "index order from the last one boosted, reading each one's preempted flag and run "
            "state [src: virt/kvm/kvm_main.c]), charged to the spinner when no yield follows: all "
            "vCPUs when no candidate is found; 0 (the default) = the exit costs vmexit_ns only",
     .off = offsetof(hv_cfg, ple_scan_ns)},
    {.key = "kernel_mode_only", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "the handler passes over a candidate the host preempted while it ran in guest user "
            "mode: kvm_vcpu_on_spin(me, yield_to_kernel_mode), which vmx's handle_pause calls "
            "with true (a PAUSE-loop exit happens only at CPL 0), skips a vCPU whose "
            "preempted_in_kernel is false (CPL > 0 when kvm_arch_vcpu_put saw it preempted) "
            "[src: commit 199b5763d329, Linux 4.14; virt/kvm/kvm_main.c, arch/x86/kvm/x86.c]; "
            "false: the hosts before 4.14, which take any preempted vCPU",
     .off = offsetof(hv_cfg, ple_kernel_only)},
    {.key = "user_mode", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "a vCPU spinning in guest user mode (on a user-level lock) exits too: AMD-V's pause "
            "filter, which counts PAUSEs at any CPL (svm's pause_interception passes "
            "yield_to_kernel_mode = CPL 0 of the spinner); false: Intel VT-x, where PAUSE-loop "
            "exiting is ignored at CPL > 0 (SDM vol. 3, 25.1.3; the comment of vmx's "
            "handle_pause [src]), so only kernel-mode spinners exit",
     .off = offsetof(hv_cfg, ple_user)},
};

const variant vcpu_ple_variant = {
    .name = "ple",
    .summary = "pause-loop exiting (Intel VT-x) with KVM's directed yield",
    .params = vcpu_ple_tab,
    .nparams = (int)(sizeof vcpu_ple_tab / sizeof vcpu_ple_tab[0]),
    .size = sizeof(hv_cfg),
    .check = vcpu_ple_check,
};

/* --- KVM hypercall options (hypervisor.kvm) ------------------------------ */

static const vparam vcpu_kvm_tab[] = {
    {.key = "kick_yield", .type = VP_BOOL, .def = 0, .lo = 0, .hi = 1, .unit = "",
     .doc = "KVM_HC_KICK_CPU also yields the kicker to the kicked vCPU: the queue-head boost of commit "
            "266e85a5ec91 (Linux 5.2 host); off in earlier hosts",
     .off = offsetof(hv_cfg, kick_yield)},
};

const variant vcpu_kvm_variant = {
    .name = "kvm",
    .summary = "KVM hypercall handling options",
    .params = vcpu_kvm_tab,
    .nparams = (int)(sizeof vcpu_kvm_tab / sizeof vcpu_kvm_tab[0]),
    .size = sizeof(hv_cfg),
};

int vcpu_in_kernel(const vcpu *vc)
{
    const task *t = vc->cur;
    if (!t) /* the guest's idle loop */
        return 1;
    switch (t->act) {
    case TA_WORK:
        return !(t->left > 0 && t->left <= t->work_user);
    case TA_SPIN: /* a kernel spinlock's waiter has preemption off; a user lock's has not */
    case TA_ACQ:
        return t->preempt_count > 0;
    default: /* between steps, blocking, waiting for IPI acks: the kernel's paths */
        return 1;
    }
}

void vcpu_settle(world *w, vcpu *vc)
{
    task *t = vc->cur;
    sim_time now = w->sim.now;
    if (vc->hs != VH_RUNNING || !t || now <= vc->seg_start)
        return;
    sim_time e = now - vc->seg_start;
    vc->seg_start = now;
    t->slice_used += e;
    switch (t->act) {
    case TA_WORK:
    case TA_ACQ:
        t->left -= e;
        break;
    case TA_SPIN:
        if (!t->pv_halted) {
            t->spin_left -= e;
            vc->ple_left -= e;
            sim_time win = world_window(w, now - e, now);
            vc->t_spin += win;
            w->vops->spun(w, t, win);
        }
        break;
    case TA_IPI: /* csd_lock_wait: a spin loop PLE sees like any other */
        vc->ple_left -= e;
        vc->t_spin += world_window(w, now - e, now);
        break;
    default:
        break;
    }
}

static void vcpu_progress(ev_sim *sim, void *ctx, uint64_t arg);

/* 1 when a PAUSE-loop exit can end t's current spin on vCPU vc: PLE is on,
 * the host is virtual and t spins - for IPI acks (kernel mode) or on a
 * lock it has not halted for, in kernel mode unless the pause filter also
 * counts user-mode PAUSEs (hypervisor.ple.user_mode). */
static int vcpu_ple_armed(const world *w, const vcpu *vc, const task *t)
{
    const hv_cfg *hc = &w->sc->hv;
    if (!hc->ple || !vcpu_virtual(w))
        return 0;
    if (t->act == TA_IPI)
        return 1;
    return t->act == TA_SPIN && !t->pv_halted && (hc->ple_user || vcpu_in_kernel(vc));
}

static void vcpu_disarm(world *w, vcpu *vc)
{
    if (vc->ev) {
        ev_cancel(&w->sim, vc->ev);
        vc->ev = 0;
    }
}

void vcpu_arm(world *w, vcpu *vc)
{
    task *t = vc->cur;
    if (vc->hs != VH_RUNNING || !t) {
        vcpu_disarm(w, vc);
        return;
    }
    sim_time d = VCPU_SPIN_INF;
    switch (t->act) {
    case TA_NONE: /* its next step is due as soon as it executes */
        d = 0;
        break;
    case TA_WORK:
    case TA_ACQ:
        d = t->left;
        break;
    case TA_SPIN:
        if (!t->pv_halted) {
            d = t->spin_left;
            if (vcpu_ple_armed(w, vc, t) && vc->ple_left < d)
                d = vc->ple_left;
        }
        break;
    case TA_IPI: /* waits for acks (events of models/ipi.c); only PLE is due */
        if (vcpu_ple_armed(w, vc, t))
            d = vc->ple_left;
        break;
    default:
        vcpu_disarm(w, vc);
        return;
    }
    if (vc->nrq > 0 && t->preempt_count == 0) {
        sim_time s = vc->vm->cfg.slice - t->slice_used;
        if (s < d)
            d = s;
    }
    if (d >= VCPU_SPIN_INF) {
        vcpu_disarm(w, vc);
        return;
    }
    if (d < 0)
        d = 0;
    vc->ev = ev_reschedule(&w->sim, vc->ev, vc->seg_start + d, vcpu_progress, vc, 0);
}

/* First set bit of v's preempted bitmap in [lo, hi), or -1. */
static int vm_next_preempted(const vm *v, int lo, int hi)
{
    while (lo < hi) {
        uint64_t word = v->pre_bits[lo >> 6] >> (lo & 63);
        if (word) {
            int i = lo + __builtin_ctzll(word);
            return i < hi ? i : -1;
        }
        lo = (lo | 63) + 1;
    }
    return -1;
}

/* PLE: the spinning vCPU exits; KVM's kvm_vcpu_on_spin looks for a
 * preempted vCPU of the same VM to yield to, round robin from the last one
 * boosted, in two passes, giving up after 3 failed tries. A candidate that
 * is itself inside the handler - descheduled by its own directed yield,
 * spin_loop.in_spin_loop, set at the handler's start and cleared at its
 * end - is eligible only every other time it is examined
 * (kvm_vcpu_eligible_for_directed_yield, Linux 3.6 [src]; a vCPU the host
 * preempted while it spun in the guest is not in the handler and always
 * eligible); the handler's end also clears the exiting vCPU's own
 * dy_eligible. hypervisor.ple.dy_eligible false: the handler before 3.6. */
static void vcpu_ple_exit(world *w, vcpu *vc)
{
    const hv_cfg *hc = &w->sc->hv;
    task *t = vc->cur;
    if (world_measuring(w))
        vc->n_ple++;
    w->vops->ple_exit(w, t);
    vc->ple_window *= hc->ple_grow;
    if (vc->ple_window > hc->ple_window_max)
        vc->ple_window = hc->ple_window_max;
    vc->ple_left = ple_ns(w, vc->ple_window);
    obs_emit(w, OBS_PLE_EXIT, vc, t, t->wlock, NULL, NULL);
    vcpu_stall(w, vc, (sim_time)w->sc->host.vmexit_ns);
    vm *v = vc->vm;
    int start = v->last_boosted, tries = 3;
    int seen = v->nvcpus; /* vCPUs the walk examined: all of them unless it stops early */
    for (int pass = 0; pass < 2; pass++) {
        /* candidates are the preempted vCPUs: walk their bitmap in index
         * order, (start, n) in the first pass and [0, start] in the second */
        int lo = pass ? 0 : start + 1, hi = pass ? start + 1 : v->nvcpus;
        for (int i = vm_next_preempted(v, lo, hi); i >= 0; i = vm_next_preempted(v, i + 1, hi)) {
            vcpu *c = &v->vcpus[i];
            if (c == vc || c->hs != VH_RUNNABLE || !c->preempted)
                continue;
            if (hc->ple_kernel_only && vcpu_in_kernel(vc) && !c->pre_kernel) /* preempted in user mode */
                continue;
            if (hc->ple_dy && c->in_ple) { /* in its own handler's yield */
                int eligible = c->dy_eligible; /* read, then toggled */
                c->dy_eligible = !c->dy_eligible;
                if (!eligible)
                    continue;
            }
            obs_emit(w, OBS_YIELD, vc, t, t->wlock, NULL, c);
            if (w->hv->yield_to(w, vc, c)) {
                v->last_boosted = i;
                if (world_measuring(w))
                    vc->n_dy++;
                if (vc->hs == VH_RUNNING) /* nothing else to run here: the handler ends */
                    vc->dy_eligible = 0;
                else /* switched out inside the handler; it ends at the next schedule-in */
                    vc->in_ple = 1;
                return; /* the walk's cost is not modelled here */
            }
            if (--tries == 0) {
                seen = pass ? v->nvcpus - start + i : i - start;
                goto scanned;
            }
        }
    }
scanned:
    vc->dy_eligible = 0; /* the handler's end: not eligible during the next spin loop */
    /* no yield: the spinner pays the walk before it spins again (nothing
     * when scan_ns is 0, the default, so every number stays as it was) */
    if (hc->ple_scan_ns > 0)
        vcpu_stall(w, vc, (sim_time)(hc->ple_scan_ns * seen));
}

static void vcpu_progress(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)arg;
    vcpu *vc = ctx;
    world *w = world_of(sim);
    vc->ev = 0;
    vcpu_settle(w, vc);
    task *t = vc->cur;
    if (!t || vc->hs != VH_RUNNING)
        return;
    if (t->act == TA_NONE || (t->act == TA_WORK && t->left <= 0)) {
        w->vops->work_done(w, t);
    } else if (t->act == TA_ACQ && t->left <= 0) {
        w->vops->transfer_done(w, t);
    } else if ((t->act == TA_SPIN || t->act == TA_IPI) && vc->ple_left <= 0 && vcpu_ple_armed(w, vc, t)) {
        vcpu_ple_exit(w, vc);
    } else if (t->act == TA_SPIN && !t->pv_halted && t->spin_left <= 0) {
        w->vops->spin_out(w, t);
    } else if (vc->nrq > 0 && t->preempt_count == 0 && t->slice_used >= vc->vm->cfg.slice) {
        w->vops->slice_out(w, vc);
    }
    if (!vc->ev && vc->hs == VH_RUNNING && vc->cur)
        vcpu_arm(w, vc);
}

void vcpu_account(world *w, vcpu *vc)
{
    sim_time d = world_window(w, vc->since, w->sim.now);
    switch (vc->hs) {
    case VH_RUNNING: vc->t_run += d; break;
    case VH_RUNNABLE: vc->t_steal += d; break;
    case VH_HALTED: vc->t_halt += d; break;
    }
    vc->since = w->sim.now;
}

void vcpu_pcpu_account(world *w, pcpu *pc)
{
    pc->busy += world_window(w, pc->since, w->sim.now);
    pc->exec_ns += w->sim.now - pc->since;
    pc->since = w->sim.now;
}

void vcpu_ple_restart(world *w, vcpu *vc) { vc->ple_left = ple_ns(w, vc->ple_window); }

void vcpu_ple_reset(world *w, vcpu *vc)
{
    vc->ple_window = w->sc->hv.ple_window;
    vcpu_ple_restart(w, vc);
}

static void vcpu_sched_in(world *w, vcpu *vc, pcpu *pc, sim_time stall)
{
    vcpu_account(w, vc);
    vc->hs = VH_RUNNING;
    vc->pc = pc;
    pc->cur = vc;
    pc->since = w->sim.now;
    if (vc->last_pcpu >= 0 && vc->last_pcpu != pc->id) {
        stall += (sim_time)w->sc->host.migrate_ns[topo_class(w, vc->last_pcpu, pc->id)];
        if (world_measuring(w))
            vc->n_migrate++;
    }
    vc->last_pcpu = pc->id;
    vc->seg_start = w->sim.now + stall;
    vc->preempted = 0;
    vc->vm->pre_bits[vc->id >> 6] &= ~(1ull << (vc->id & 63));
    if (vc->in_ple) { /* back in its handler, which ends: in_spin_loop and dy_eligible cleared */
        vc->in_ple = 0;
        vc->dy_eligible = 0;
    }
    vcpu_ple_reset(w, vc);
    obs_emit(w, OBS_VCPU_IN, vc, vc->cur, NULL, NULL, NULL);
    task *t = vc->cur;
    w->vops->exec_begins(w, vc);
    if (t)
        vcpu_arm(w, vc);
}

static void vcpu_sched_out(world *w, vcpu *vc, vcpu_hstate hs)
{
    vcpu_settle(w, vc);
    if (vc->ev) {
        ev_cancel(&w->sim, vc->ev);
        vc->ev = 0;
    }
    vcpu_account(w, vc);
    pcpu *pc = vc->pc;
    if (pc) {
        vcpu_pcpu_account(w, pc);
        if (vc->cur) /* it stops executing here (models/guest.c, guest_refill) */
            vc->cur->cache_e = pc->exec_ns;
        pc->cur = NULL;
    }
    vc->pc = NULL;
    vc->hs = hs;
    vc->preempted = hs == VH_RUNNABLE;
    if (vc->preempted) {
        vc->vm->pre_bits[vc->id >> 6] |= 1ull << (vc->id & 63);
        if (w->sc->hv.ple_kernel_only) /* read only by that filter */
            vc->pre_kernel = vcpu_in_kernel(vc); /* kvm_arch_vcpu_put: preempted_in_kernel */
    }
    w->vops->exec_ends(w, vc);
    if (hs == VH_RUNNABLE && world_measuring(w))
        vc->n_preempt++;
    if (hs == VH_HALTED && world_measuring(w))
        vc->n_halt++;
    obs_emit(w, OBS_VCPU_OUT, vc, vc->cur, NULL, NULL, NULL);
}

static void vcpu_make_runnable(world *w, vcpu *vc)
{
    if (vc->hs != VH_HALTED)
        return;
    vcpu_account(w, vc);
    vc->hs = VH_RUNNABLE;
    obs_emit(w, OBS_VCPU_OUT, vc, vc->cur, NULL, NULL, NULL);
}

void vcpu_halt(world *w, vcpu *vc)
{
    if (vc->hs != VH_RUNNING)
        return;
    w->hv->block(w, vc);
}

/* arg: 0, or 1 + the global index of a kicker that yields to vc once it
 * is woken (vcpu_wake_yield: KVM_HC_KICK_CPU's kvm_sched_yield, which runs
 * in the kicker's hypercall right after the wake-up). A vc queued behind
 * another thread is boosted by the directed yield; a vc the wake-up put on
 * an idle pCPU is, when that yield_to runs, enqueued there but not yet
 * running (the idle pCPU still has to take the reschedule IPI and switch
 * to it), so yield_to succeeds as well: the buddy is moot on a queue of one,
 * but the kicker still yields its own pCPU (yield_task_fair, schedule()) to
 * whatever waits there - the scheduler's yield_self. */
static void vcpu_wake_ev(ev_sim *sim, void *ctx, uint64_t arg)
{
    vcpu *vc = ctx;
    world *w = world_of(sim);
    vc->wake_pending = 0;
    int woken = vc->hs == VH_HALTED;
    if (woken)
        w->hv->wake(w, vc);
    vc->waker_pcpu = -1;
    if (arg) {
        vcpu *by = w->all_vcpus[arg - 1];
        if (by == vc || by->hs != VH_RUNNING)
            return;
        if (vc->hs == VH_RUNNABLE) {
            obs_emit(w, OBS_YIELD, by, by->cur, NULL, NULL, vc);
            if (w->hv->yield_to(w, by, vc) && world_measuring(w))
                by->n_dy++;
        } else if (woken && vc->hs == VH_RUNNING && w->hv->yield_self) {
            obs_emit(w, OBS_YIELD, by, by->cur, NULL, NULL, vc);
            w->hv->yield_self(w, by);
            if (world_measuring(w))
                by->n_dy++;
        }
    }
}

/* The wake-up of halted vc by `by` (NULL: nobody) after delay; `yield`:
 * by yields to vc once it is runnable (vcpu_wake_ev's arg). */
static void vcpu_wake_by(world *w, vcpu *vc, sim_time delay, const vcpu *by, int yield)
{
    if (vc->hs != VH_HALTED || vc->wake_pending)
        return;
    vc->wake_pending = 1;
    vc->waker_pcpu = by && by->pc ? by->pc->id : -1;
    ev_after(&w->sim, delay, vcpu_wake_ev, vc, yield && by ? (uint64_t)by->gid + 1 : 0);
}

void vcpu_wake(world *w, vcpu *vc, sim_time delay) { vcpu_wake_by(w, vc, delay, NULL, 0); }

void vcpu_wake_from(world *w, vcpu *vc, sim_time delay, const vcpu *by) { vcpu_wake_by(w, vc, delay, by, 0); }

void vcpu_wake_yield(world *w, vcpu *vc, sim_time delay, vcpu *by) { vcpu_wake_by(w, vc, delay, by, 1); }

int vcpu_yield_to(world *w, vcpu *self, vcpu *target)
{
    if (!vcpu_virtual(w) || self == target || target->hs != VH_RUNNABLE)
        return 0;
    vcpu_stall(w, self, (sim_time)w->sc->host.vmexit_ns); /* the hypercall exits */
    obs_emit(w, OBS_YIELD, self, self->cur, NULL, NULL, target);
    int ok = w->hv->yield_to(w, self, target);
    if (ok && world_measuring(w))
        self->n_dy++;
    return ok;
}

sim_time vcpu_kick_delay(const world *w)
{
    return vcpu_virtual(w) ? (sim_time)w->sc->host.kick_ns : 0;
}

void vcpu_stall(world *w, vcpu *vc, sim_time d)
{
    if (vc->hs != VH_RUNNING)
        return;
    vcpu_settle(w, vc);
    if (vc->seg_start < w->sim.now)
        vc->seg_start = w->sim.now;
    vc->seg_start += d;
}

static const hv_client vcpu_hv_client = {
    .sched_in = vcpu_sched_in,
    .sched_out = vcpu_sched_out,
    .make_runnable = vcpu_make_runnable,
};

void vcpu_install(world *w) { w->hvc = &vcpu_hv_client; }
