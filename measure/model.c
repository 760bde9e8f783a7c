/* model.c - the mapping from a measured lock benchmark to a vmsim scenario.
 *
 * THE MAPPING (change it here; docs/validation.md "Measure your own
 * machine" describes it):
 *   - the machine: one host socket with one core per CPU available to the
 *     measurement (affinity mask), the generic-1x2 costs
 *     (scenarios/hosts/generic-1x2.json, inlined so model.json needs no
 *     preset path), host.ghz from /proc/cpuinfo, and host.costs.pause_cycles
 *     from the measured duration of one spin round {load, PAUSE};
 *   - Linux schedules the T lock threads as KVM schedules vCPU threads: one
 *     VM with T vCPUs (axis `threads` sets vms.vcpus; workload.threads 0 =
 *     one lockloop thread per vCPU) under the measured kernel's scheduler:
 *     hypervisor.scheduler "eevdf" for Linux 6.6 and later, "cfs" before
 *     (base_slice_ns from /sys/kernel/debug/sched when readable), the tick
 *     from CONFIG_HZ; no pause-loop exiting in user space
 *     (hypervisor.ple.enabled false); the machine's own activity during the
 *     runs (the median foreign CPU share of the kept runs) as
 *     hypervisor.background_share;
 *   - the workload: lockloop with const think and hold (axis `think_hold`);
 *   - the lock (axis `lock`): guest.lock.algorithm of the same name;
 *     guest.lock.spin_threshold = --spin-threshold for the algorithms that
 *     take it (the pv locks; others reject the key); oticket with the
 *     measured lock's constants, which are the published ones
 *     (spin_max_threshold 2^34, queue_wait 18, wakeup_ncpu 4: the model
 *     lock is the same algorithm); preemptable-ticket's
 *     timeout 2^14 spin rounds per position = 2^14 x the measured round;
 *   - mutex has no model lock: it is left out of the axes (and of
 *     measured.csv).
 * The simulated window is 2 s after 0.2 s of warm-up: the measured rates
 * are per second, so the window length only sets the model's noise. */
#include "measure/model.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "models/locks/lock.h"

void mm_think_hold_label(uint64_t think_ns, uint64_t hold_ns, char *buf, size_t n)
{
    snprintf(buf, n, "%llu/%llu", (unsigned long long)think_ns, (unsigned long long)hold_ns);
}

int mm_modelled(const mr_config *c) { return c->ops->model != NULL; }

/* The model's settings for one lock: the `set` entry of the lock axis. */
static json_t *mm_lock_set(const ml_ops *ops, const mr_machine *m, uint64_t spin_threshold)
{
    json_t *s = json_object();
    json_object_set_new(s, "guest.lock.algorithm", json_string(ops->model));
    /* only the algorithms whose table has it (the pv locks) take it */
    const variant *v = lock_find(ops->model);
    if (v && variant_param(v, "spin_threshold"))
        json_object_set_new(s, "guest.lock.spin_threshold", json_integer((json_int_t)spin_threshold));
    if (!strcmp(ops->model, "oticket")) { /* the measured lock's constants, stated */
        json_object_set_new(s, "guest.lock.spin_max_threshold",
                            json_real(ldexp(1.0, ML_OT_SPIN_MAX_SHIFT)));
        json_object_set_new(s, "guest.lock.queue_wait", json_integer(ML_OT_QUEUE_WAIT));
        json_object_set_new(s, "guest.lock.wakeup_ncpu", json_integer(ML_OT_WAKEUP_NCPU));
    } else if (!strcmp(ops->model, "preemptable-ticket")) {
        double t = (double)ML_PMT_TIMEOUT_SPINS * (m->pause_ns > 0 ? m->pause_ns : 1);
        json_object_set_new(s, "guest.lock.timeout_ns", json_real(round(t)));
    }
    return s;
}

static int mm_has_str(json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), s)) return 1;
    return 0;
}

static int mm_has_int(json_t *arr, json_int_t x)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (json_integer_value(v) == x) return 1;
    return 0;
}

json_t *mm_model_scenario(const mr_machine *m, const mr_config *cfgs, int n,
                          uint64_t spin_threshold, double bg_share)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "name", json_string("measured"));
    json_object_set_new(doc, "description",
                        json_string("Written by vmsim measure: the lock benchmark it ran, as a "
                                    "vmsim scenario (mapping in measure/model.c)."));
    json_object_set_new(doc, "seed", json_integer(1));
    /* 2 s: a collapsed FIFO lock passes a few hundred times a second, and
     * one tick is 4 ms, so shorter windows give the model's mean a wide
     * interval */
    json_object_set_new(doc, "duration_s", json_real(2.0));
    json_object_set_new(doc, "warmup_s", json_real(0.2));

    double ghz = m->cpu_mhz > 100 && m->cpu_mhz < 10000 ? m->cpu_mhz / 1000 : 2.3;
    double pause_cycles = m->pause_ns > 0 ? m->pause_ns * ghz : 10;
    if (pause_cycles < 0.01)
        pause_cycles = 0.01;
    json_t *costs = json_pack(
        "{s:i, s:i, s:i, s:i, s:i, s:f, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}",
        "line_same_core_ns", 15, "line_same_socket_ns", 50, "line_one_hop_ns", 150,
        "line_two_hops_ns", 215, "coherence_ns", 0, "pause_cycles",
        round(pause_cycles * 1000) / 1000, "vmexit_ns", 400, "kick_ns", 1500, "ipi_ns", 1500,
        "wake_ns", 10000, "native_wake_ns", 1000, "ctx_switch_ns", 2000,
        "migrate_same_socket_ns", 2000, "migrate_one_hop_ns", 10000, "migrate_two_hops_ns",
        15000);
    json_t *host = json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:o}", "_comment",
                             "the measured machine: one socket, one core per CPU the "
                             "measurement could use; costs of scenarios/hosts/generic-1x2.json "
                             "except pause_cycles (measured spin round x ghz)",
                             "name", "measured", "sockets", 1, "cores_per_socket",
                             m->ncpu_avail > 0 ? m->ncpu_avail : 1, "smt", 1, "ghz",
                             round(ghz * 1000) / 1000, "costs", costs);
    json_object_set_new(doc, "host", host);

    /* Linux 6.6 replaced CFS's policy by EEVDF (kernel/sched/fair.c): the
     * measured kernel's own scheduler. A base_slice_ns read from
     * /sys/kernel/debug/sched is already scaled by the CPU count. */
    int major = 0, minor = 0, eevdf = sscanf(m->kernel, "%d.%d", &major, &minor) == 2 &&
                                          (major > 6 || (major == 6 && minor >= 6));
    json_t *hv = json_pack("{s:s, s:s, s:{s:b}}", "_comment",
                           eevdf ? "Linux (6.6 or later: EEVDF) schedules the lock threads as KVM "
                                   "schedules vCPU threads; user space has no pause-loop exiting"
                                 : "Linux (before 6.6: CFS) schedules the lock threads as KVM "
                                   "schedules vCPU threads; user space has no pause-loop exiting",
                           "scheduler", eevdf ? "eevdf" : "cfs", "ple", "enabled", 0);
    if (m->hz > 0)
        json_object_set_new(hv, "tick_ns", json_integer(1000000000 / m->hz));
    /* the machine's own activity during the runs (daemons, kernel threads,
     * other processes: the foreign CPU share the runs measured), which takes
     * time from the lock threads and reorders their round robin; its burst
     * length is not measured: background_burst_ns keeps its [est] default,
     * for vmsim calibrate (docs/validation.md) */
    if (bg_share > 0)
        json_object_set_new(hv, "background_share", json_real(round(fmin(bg_share, 0.9) * 1e4) / 1e4));
    if (eevdf && major == 6 && minor < 12) /* before the 0.70 ms default (hv_cfs.c) */
        json_object_set_new(hv, "base_slice_ns", json_real(750000));
    for (int k = 0; eevdf && k < m->nknobs; k++)
        if (!strcmp(m->knob_name[k], "/sys/kernel/debug/sched/base_slice_ns") &&
            atof(m->knob_value[k]) > 0) {
            json_object_set_new(hv, "base_slice_ns", json_real(atof(m->knob_value[k])));
            json_object_set_new(hv, "scale_with_cpus", json_false());
        }
    json_object_set_new(doc, "hypervisor", hv);
    json_object_set_new(doc, "vms", json_pack("{s:i, s:i}", "count", 1, "vcpus", 1));
    json_object_set_new(doc, "guest", json_pack("{s:{s:s}}", "lock", "algorithm", "ticket"));

    /* the axes: the distinct values, in the order first measured */
    json_t *locks = json_array(), *lockset = json_object(), *threads = json_array(),
           *pairs = json_array(), *pairset = json_object();
    const mr_config *first = NULL;
    for (int i = 0; i < n; i++) {
        const mr_config *c = &cfgs[i];
        if (!mm_modelled(c))
            continue;
        if (!first)
            first = c;
        if (!mm_has_str(locks, c->ops->name)) {
            json_array_append_new(locks, json_string(c->ops->name));
            json_object_set_new(lockset, c->ops->name, mm_lock_set(c->ops, m, spin_threshold));
        }
        if (!mm_has_int(threads, c->threads))
            json_array_append_new(threads, json_integer(c->threads));
        char lab[64];
        mm_think_hold_label(c->think_ns, c->hold_ns, lab, sizeof lab);
        if (!mm_has_str(pairs, lab)) {
            json_array_append_new(pairs, json_string(lab));
            json_object_set_new(pairset, lab,
                                json_pack("{s:I, s:I}", "workload.think.mean_ns",
                                          (json_int_t)c->think_ns, "workload.hold.mean_ns",
                                          (json_int_t)c->hold_ns));
        }
    }
    uint64_t th = first ? first->think_ns : 2000, ho = first ? first->hold_ns : 500;
    json_object_set_new(doc, "workload",
                        json_pack("{s:s, s:i, s:{s:s, s:I}, s:{s:s, s:I}}", "type", "lockloop",
                                  "threads", 0, "think", "dist", "const", "mean_ns",
                                  (json_int_t)th, "hold", "dist", "const", "mean_ns",
                                  (json_int_t)ho));
    json_t *axes = json_array();
    if (json_array_size(locks))
        json_array_append_new(axes, json_pack("{s:s, s:o, s:o}", "name", "lock", "values", locks,
                                              "set", lockset));
    else {
        json_decref(locks);
        json_decref(lockset);
    }
    if (json_array_size(threads))
        json_array_append_new(axes, json_pack("{s:s, s:s, s:o}", "name", "threads", "path",
                                              "vms.vcpus", "values", threads));
    else
        json_decref(threads);
    if (json_array_size(pairs))
        json_array_append_new(axes, json_pack("{s:s, s:o, s:o}", "name", "think_hold",
                                              "values", pairs, "set", pairset));
    else {
        json_decref(pairs);
        json_decref(pairset);
    }
    json_object_set_new(doc, "sweep",
                        json_pack("{s:o, s:[i,i,i]}", "axes", axes, "seeds", 1, 2, 3));
    return doc;
}
