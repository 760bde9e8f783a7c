#include "analysis/report.h"

#include "models/host/hv.h"
#include "models/locks/lock.h"
#include "models/workloads/wl.h"

const char *report_stop_name(int stop)
{
    switch ((ev_stop)stop) {
    case EV_STOP_EMPTY: return "no events left";
    case EV_STOP_TIME: return "end time";
    case EV_STOP_BUDGET: return "event budget";
    case EV_STOP_ASKED: return "stopped";
    case EV_STOP_STUCK: return "time stopped advancing";
    }
    return "?";
}

static json_t *report_hist(const stat_hist *h)
{
    json_t *a = json_array();
    int top = stat_hist_top(h);
    for (int b = 0; b <= top; b++) {
        if (!h->bucket[b])
            continue;
        uint64_t lo = b == 0 ? 0 : (uint64_t)1 << (b - 1), hi = b == 0 ? 1 : (uint64_t)1 << b;
        if (b == STAT_HIST_BUCKETS - 1) /* the last bucket is open-ended */
            hi = (uint64_t)INT64_MAX;
        json_array_append_new(a, json_pack("{s:I,s:I,s:I}", "lo_ns", (json_int_t)lo, "hi_ns",
                                           (json_int_t)hi, "count", (json_int_t)h->bucket[b]));
    }
    return a;
}

static json_t *report_lock(const lock *l, double secs)
{
    json_t *o = json_object();
    json_object_set_new(o, "vm", json_string(l->vm->cfg.name));
    json_object_set_new(o, "name", json_string(l->name));
    json_object_set_new(o, "algorithm", json_string(l->cfg.algo->name));
    json_object_set_new(o, "acquisitions", json_integer((json_int_t)l->acquisitions));
    json_object_set_new(o, "acquisitions_per_s", json_real(secs > 0 ? l->acquisitions / secs : 0));
    json_object_set_new(o, "wait_ns_mean", json_real(l->wait.mean));
    json_object_set_new(o, "wait_ns_sd", json_real(stat_sd(&l->wait)));
    json_object_set_new(o, "wait_ns_max", json_real(l->wait.max));
    json_object_set_new(o, "hold_ns_mean", json_real(l->hold.mean));
    json_object_set_new(o, "lhp_count", json_integer((json_int_t)l->lhp_n));
    json_object_set_new(o, "lhp_ns", json_integer((json_int_t)l->lhp_ns));
    json_object_set_new(o, "lwp_count", json_integer((json_int_t)l->lwp_n));
    json_object_set_new(o, "lwp_ns", json_integer((json_int_t)l->lwp_ns));
    json_object_set_new(o, "halted_handoff_count", json_integer((json_int_t)l->hh_n));
    json_object_set_new(o, "halted_handoff_ns", json_integer((json_int_t)l->hh_ns));
    json_object_set_new(o, "spin_ns", json_integer((json_int_t)l->spin_total));
    json_object_set_new(o, "halts", json_integer((json_int_t)l->halts));
    json_object_set_new(o, "kicks", json_integer((json_int_t)l->kicks));
    json_object_set_new(o, "ple_exits", json_integer((json_int_t)l->ple_exits));
    json_object_set_new(o, "wait_hist", report_hist(&l->wait_hist));
    return o;
}

static json_t *report_vcpu(const vcpu *vc)
{
    return json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "id", vc->id, "running_ns",
                     (json_int_t)vc->t_run, "steal_ns", (json_int_t)vc->t_steal, "halted_ns",
                     (json_int_t)vc->t_halt, "spin_ns", (json_int_t)vc->t_spin, "preemptions",
                     (json_int_t)vc->n_preempt, "halts", (json_int_t)vc->n_halt, "kicks",
                     (json_int_t)vc->n_kick, "ple_exits", (json_int_t)vc->n_ple, "directed_yields",
                     (json_int_t)vc->n_dy, "migrations", (json_int_t)vc->n_migrate, "halt_polls",
                     (json_int_t)vc->n_poll, "tick_wakes", (json_int_t)vc->n_tick, "refills",
                     (json_int_t)vc->n_refill, "refill_ns", (json_int_t)vc->t_refill);
}

/* replay: the makespans of the builds that began after warm-up, in
 * seconds (the first 10000 listed; mean, min, max over all; null if none). */
static void report_replay(json_t *vo, const wl_metrics *wm, stat_acc *all)
{
    const sim_time *mk = wm->makespans;
    int n = wm->nmakespans;
    json_t *a = json_array();
    stat_acc st = {0};
    for (int i = 0; i < n; i++) {
        stat_add(&st, (double)mk[i] / 1e9);
        if (i < 10000)
            json_array_append_new(a, json_real((double)mk[i] / 1e9));
    }
    stat_merge(all, &st);
    json_object_set_new(vo, "build_times_s", a);
    json_object_set_new(vo, "build_time_s_mean", n ? json_real(st.mean) : json_null());
    json_object_set_new(vo, "build_time_s_min", n ? json_real(st.min) : json_null());
    json_object_set_new(vo, "build_time_s_max", n ? json_real(st.max) : json_null());
}

json_t *report_build(const world *w, const report_meta *m)
{
    const scenario *sc = w->sc;
    double measured = (double)(w->sim.now - w->warmup) / 1e9;
    if (measured < 0)
        measured = 0;
    json_t *r = json_object();
    json_object_set_new(r, "vmsim_version", json_string(VMSIM_VERSION));
    json_object_set_new(r, "command_line", json_string(m->command_line ? m->command_line : ""));
    json_object_set_new(r, "scenario", json_string(sc->name));
    json_object_set_new(r, "scenario_file", json_string(m->scenario_file ? m->scenario_file : ""));
    json_object_set_new(r, "seed", json_integer((json_int_t)sc->seed));
    json_object_set_new(r, "simulated_s", json_real((double)w->sim.now / 1e9));
    json_object_set_new(r, "warmup_s", json_real((double)w->warmup / 1e9));
    json_object_set_new(r, "measured_s", json_real(measured));
    json_object_set_new(r, "events", json_integer((json_int_t)w->sim.processed));
    json_object_set_new(r, "stop_reason", json_string(m->stop_reason ? m->stop_reason : ""));
    json_object_set_new(r, "host", json_pack("{s:s,s:i,s:i,s:s}", "name", sc->host.name, "pcpus",
                                             w->npcpus, "sockets", sc->host.sockets, "scheduler",
                                             sc->hv.sched->name));
    uint64_t total_ops = 0;
    json_t *vms = json_array(), *locks = json_array();
    stat_acc replay_all = {0}; /* makespans of every replay VM */
    for (int i = 0; i < w->nvms; i++) {
        const vm *v = &w->vms[i];
        total_ops += v->ops;
        json_t *vo = json_object(), *vcs = json_array();
        json_object_set_new(vo, "name", json_string(v->cfg.name));
        json_object_set_new(vo, "vcpus", json_integer(v->nvcpus));
        json_object_set_new(vo, "lock_algorithm", json_string(v->cfg.lock.algo->name));
        json_object_set_new(vo, "workload", json_string(v->cfg.wl.type->name));
        json_object_set_new(vo, "ops", json_integer((json_int_t)v->ops));
        json_object_set_new(vo, "ops_per_s", json_real(measured > 0 ? v->ops / measured : 0));
        json_object_set_new(vo, "tenants", json_integer(v->tenants));
        wl_metrics wm;
        wl_report(v, &wm);
        if (wm.builds) {
            json_object_set_new(vo, "builds", json_real(v->work));
            json_object_set_new(vo, "builds_per_hour", json_real(measured > 0 ? v->work / measured * 3600 : 0));
        }
        if (wm.has_makespans)
            report_replay(vo, &wm, &replay_all);
        if (v->ipi_calls) /* synchronous IPIs (models/ipi.h); absent when none was sent */
            json_object_set_new(
                vo, "ipi",
                json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f}", "calls", (json_int_t)v->ipi_calls, "targets",
                          (json_int_t)v->ipi_targets, "targets_not_running", (json_int_t)v->ipi_late,
                          "skipped_preempted", (json_int_t)v->ipi_skipped, "sched_yields",
                          (json_int_t)v->ipi_yields, "ple_exits", (json_int_t)v->ipi_ple, "wait_ns_mean",
                          v->ipi_wait.mean, "wait_ns_max", v->ipi_wait.max));
        sim_time run = 0, steal = 0, halt = 0, spin = 0;
        for (int k = 0; k < v->nvcpus; k++) {
            const vcpu *vc = &v->vcpus[k];
            run += vc->t_run;
            steal += vc->t_steal;
            halt += vc->t_halt;
            spin += vc->t_spin;
            json_array_append_new(vcs, report_vcpu(vc));
        }
        json_object_set_new(vo, "running_ns", json_integer((json_int_t)run));
        json_object_set_new(vo, "steal_ns", json_integer((json_int_t)steal));
        json_object_set_new(vo, "halted_ns", json_integer((json_int_t)halt));
        json_object_set_new(vo, "spin_ns", json_integer((json_int_t)spin));
        json_object_set_new(vo, "vcpu_detail", vcs);
        json_array_append_new(vms, vo);
        for (int k = 0; k < v->nlocks; k++)
            json_array_append_new(locks, report_lock(v->locks[k], measured));
    }
    /* The headline figure: builds per hour for gmake, operations per second
     * otherwise; per VM = per tenant (bare-metal builds sharing one OS). */
    double thr = 0;
    int tenants = 0, gmake = 0;
    for (int i = 0; i < w->nvms; i++) {
        const vm *v = &w->vms[i];
        tenants += v->tenants;
        wl_metrics wm;
        wl_report(v, &wm);
        if (wm.builds) {
            gmake = 1;
            thr += measured > 0 ? v->work / measured * 3600 : 0;
        } else {
            thr += measured > 0 ? v->ops / measured : 0;
        }
    }
    json_object_set_new(r, "metrics", json_pack("{s:s,s:f,s:f,s:i}", "throughput_unit",
                                                 gmake ? "builds/hour" : "ops/s", "throughput_total", thr,
                                                 "throughput_per_vm", tenants ? thr / tenants : 0.0,
                                                 "tenants", tenants));
    if (replay_all.n) /* a sweep column */
        json_object_set_new(json_object_get(r, "metrics"), "build_time_s_mean", json_real(replay_all.mean));
    json_object_set_new(r, "ops", json_integer((json_int_t)total_ops));
    json_object_set_new(r, "ops_per_s", json_real(measured > 0 ? total_ops / measured : 0));
    json_object_set_new(r, "locks", locks);
    json_object_set_new(r, "vms", vms);
    json_t *pc = json_array();
    for (int i = 0; i < w->npcpus; i++)
        json_array_append_new(pc, json_integer((json_int_t)w->pcpus[i].busy));
    json_object_set_new(r, "pcpu_busy_ns", pc);
    json_object_set_new(r, "wall", json_pack("{s:f,s:f,s:I}", "seconds", m->wall_s, "events_per_s",
                                             m->wall_s > 0 ? w->sim.processed / m->wall_s : 0.0,
                                             "peak_pending_events", (json_int_t)w->sim.peak));
    return r;
}
