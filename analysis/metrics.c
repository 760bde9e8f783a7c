/* metrics.c - the registry of results columns (see metrics.h). */
#include "analysis/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config/scenario.h"

#define M_VAL(name, path) {name, METRIC_VALUE, NULL, path, NULL, 0}
#define M_LOCKS(name, key) {name, METRIC_SUM, "locks", key, NULL, 0}
#define M_VMS(name, key) {name, METRIC_SUM, "vms", key, NULL, 0}

/* The registry, in column order. Workload-specific numbers go in the
 * results' "metrics" object and become columns without touching it. */
static const metric_def metric_table[] = {
    M_VAL("ops_per_s", "ops_per_s"),
    {"ops_per_s_per_vm", METRIC_MEAN, "vms", "ops_per_s", NULL, 0},
    M_VAL("events", "events"),
    M_VAL("simulated_s", "simulated_s"),
    M_LOCKS("lock_acquisitions_per_s", "acquisitions_per_s"),
    {"lock_wait_ns_mean", METRIC_WMEAN, "locks", "wait_ns_mean", "acquisitions", 0},
    M_LOCKS("lock_lhp_count", "lhp_count"),
    M_LOCKS("lock_lhp_ns", "lhp_ns"),
    M_LOCKS("lock_lwp_count", "lwp_count"),
    M_LOCKS("lock_lwp_ns", "lwp_ns"),
    M_LOCKS("lock_spin_ns", "spin_ns"),
    M_LOCKS("lock_halts", "halts"),
    M_LOCKS("lock_kicks", "kicks"),
    M_LOCKS("lock_ple_exits", "ple_exits"),
    M_VMS("vcpu_running_ns", "running_ns"),
    M_VMS("vcpu_steal_ns", "steal_ns"),
    M_VMS("vcpu_halted_ns", "halted_ns"),
    M_VMS("vcpu_spin_ns", "spin_ns"),
    {"wall_s", METRIC_VALUE, NULL, "wall.seconds", NULL, 1},
    {"events_per_s", METRIC_VALUE, NULL, "wall.events_per_s", NULL, 1},
};
#define METRIC_N ((int)(sizeof metric_table / sizeof metric_table[0]))

/* Column names of a results table's rows themselves. */
static const char *const metric_row_cols[] = {"point", "seed", "n"};

/* Keys the built-in workloads write into the results' "metrics" object
 * (analysis/report.c). */
static const char *const metric_workload_keys[] = {"throughput_total", "throughput_per_vm",
                                                   "tenants"};

int metric_count(void)
{
    return METRIC_N;
}

const metric_def *metric_get(int i)
{
    return &metric_table[i];
}

double metric_num(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

double metric_value(const metric_def *m, json_t *res)
{
    if (m->agg == METRIC_VALUE)
        return metric_num(sc_get_path(res, m->key));
    json_t *arr = json_object_get(res, m->array), *e;
    if (!json_is_array(arr))
        return NAN;
    double sum = 0, wsum = 0;
    size_t i, n = 0;
    json_array_foreach(arr, i, e) {
        double x = metric_num(json_object_get(e, m->key));
        if (isnan(x))
            continue;
        double w = m->agg == METRIC_WMEAN ? metric_num(json_object_get(e, m->weight)) : 1;
        if (isnan(w))
            continue;
        sum += m->agg == METRIC_WMEAN ? x * w : x;
        wsum += w;
        n++;
    }
    switch (m->agg) {
    case METRIC_SUM: return sum;
    case METRIC_MEAN: return n ? sum / (double)n : NAN;
    case METRIC_WMEAN: return wsum > 0 ? sum / wsum : 0; /* no acquisitions: no waiting */
    default: return NAN;
    }
}

int metric_is_name(const char *s)
{
    for (int i = 0; i < METRIC_N; i++)
        if (!strcmp(s, metric_table[i].name))
            return 1;
    return 0;
}

int metric_is_taken(const char *s)
{
    for (size_t k = 0; k < sizeof metric_row_cols / sizeof metric_row_cols[0]; k++)
        if (!strcmp(s, metric_row_cols[k]))
            return 1;
    return metric_is_name(s);
}

int metric_known(const char *name)
{
    if (!strncmp(name, "metrics.", 8) && name[8])
        return 1;
    for (size_t i = 0; i < sizeof metric_workload_keys / sizeof metric_workload_keys[0]; i++)
        if (!strcmp(name, metric_workload_keys[i]))
            return 1;
    return metric_is_name(name);
}

/* Labels and units, for people (metric_describe). "%s" in a label is the
 * workload's noun for one op ("builds", "critical sections"). Kind: 'c' a
 * count (integer totals), 'i' an integer axis, 'r' a non-negative real,
 * 'x' a real of either sign. */
static const struct {
    const char *name, *label, *unit;
    double scale;
    char kind;
} metric_labels[] = {
    {"ops_per_s", "%s per second, all VMs", "", 1, 'r'},
    {"ops_per_s_per_vm", "%s per second per VM", "", 1, 'r'},
    {"events", "events simulated", "", 1, 'c'},
    {"simulated_s", "simulated time", "s", 1, 'r'},
    {"lock_acquisitions_per_s", "lock acquisitions per second", "", 1, 'r'},
    {"lock_wait_ns_mean", "mean lock wait", "us", 1e-3, 'r'},
    {"lock_lhp_count", "lock-holder preemptions", "", 1, 'c'},
    {"lock_lhp_ns", "lock-holder preemption time", "ms", 1e-6, 'r'},
    {"lock_lwp_count", "lock-waiter preemptions", "", 1, 'c'},
    {"lock_lwp_ns", "lock-waiter preemption time", "ms", 1e-6, 'r'},
    {"lock_spin_ns", "time spent spinning on locks", "ms", 1e-6, 'r'},
    {"lock_halts", "pv-lock halts", "", 1, 'c'},
    {"lock_kicks", "pv-lock kicks", "", 1, 'c'},
    {"lock_ple_exits", "pause-loop exits", "", 1, 'c'},
    {"vcpu_running_ns", "vCPU running time, all vCPUs", "s", 1e-9, 'r'},
    {"vcpu_steal_ns", "vCPU steal time (runnable, not running), all vCPUs", "s", 1e-9, 'r'},
    {"vcpu_halted_ns", "vCPU halted time, all vCPUs", "s", 1e-9, 'r'},
    {"vcpu_spin_ns", "vCPU spinning time, all vCPUs", "s", 1e-9, 'r'},
    {"wall_s", "wall-clock time", "s", 1, 'r'},
    {"events_per_s", "events per wall-clock second", "", 1, 'r'},
    {"tenants", "tenants (workload instances)", "", 1, 'c'},
    /* throughput_total and throughput_per_vm: see metric_describe */
    /* sweep axes, by name and by path */
    {"cores", "host cores", "", 1, 'i'},
    {"host.cores", "host cores", "", 1, 'i'},
    {"host.sockets", "sockets", "", 1, 'i'},
    {"vms", "VMs", "", 1, 'i'},
    {"vms.count", "VMs", "", 1, 'i'},
    {"vcpus", "vCPUs per VM", "", 1, 'i'},
    {"vms.vcpus", "vCPUs per VM", "", 1, 'i'},
    {"threads", "threads", "", 1, 'i'},
    {"workload.threads", "threads", "", 1, 'i'},
    {"seed", "seed", "", 1, 'i'},
    {"n", "seeds", "", 1, 'i'},
    {"kernel", "guest kernel", "", 1, 'x'},
    {"lock", "lock algorithm", "", 1, 'x'},
    {"guest.lock.algorithm", "lock algorithm", "", 1, 'x'},
    {"scheduler", "host scheduler", "", 1, 'x'},
    {"hypervisor.scheduler", "host scheduler", "", 1, 'x'},
    {"workload.hold.mean_ns", "mean hold time", "ns", 1, 'r'},
    {"workload.think.mean_ns", "mean think time", "ns", 1, 'r'},
};

int metric_describe(const char *name, const char *workload, metric_desc *d)
{
    char base[128];
    size_t l = strlen(name);
    if (l > 5 && !strcmp(name + l - 5, "_mean"))
        l -= 5;
    else if (l > 5 && !strcmp(name + l - 5, "_ci95"))
        l -= 5;
    snprintf(base, sizeof base, "%.*s", (int)(l < 127 ? l : 127), name);
    int builds = workload && (!strcmp(workload, "gmake") || !strcmp(workload, "replay"));
    const char *noun = builds                                     ? "builds"
                       : workload && !strcmp(workload, "lockloop") ? "critical sections"
                       : workload && !strcmp(workload, "script")   ? "script passes"
                                                                   : "operations";
    *d = (metric_desc){.unit = "", .scale = 1, .nonneg = 1};
    if (!strcmp(base, "throughput_total") || !strcmp(base, "throughput_per_vm")) {
        const char *who = base[11] == 't' ? ", all VMs" : " per VM";
        if (builds)
            snprintf(d->label, sizeof d->label, "builds per hour%s", who);
        else if (workload)
            snprintf(d->label, sizeof d->label, "%s per second%s", noun, who);
        else
            snprintf(d->label, sizeof d->label, "throughput%s (builds/h for gmake, ops/s "
                                                "otherwise)", who);
        return 1;
    }
    for (size_t i = 0; i < sizeof metric_labels / sizeof metric_labels[0]; i++) {
        if (strcmp(base, metric_labels[i].name))
            continue;
        snprintf(d->label, sizeof d->label, metric_labels[i].label, noun);
        d->unit = metric_labels[i].unit;
        d->scale = metric_labels[i].scale;
        d->integer = metric_labels[i].kind == 'i';
        d->nonneg = metric_labels[i].kind != 'x';
        return 1;
    }
    snprintf(d->label, sizeof d->label, "%s", name);
    d->nonneg = 0;
    return 0;
}

const char *metric_axis_label(const metric_desc *d, char *buf, size_t n)
{
    if (d->unit && *d->unit)
        snprintf(buf, n, "%s (%s)", d->label, d->unit);
    else
        snprintf(buf, n, "%s", d->label);
    return buf;
}
