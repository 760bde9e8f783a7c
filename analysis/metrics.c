/* metrics.c - the registry of results columns (see metrics.h). */
#include "analysis/metrics.h"

#include <math.h>
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
