/* metrics.h - the one registry of results columns (docs/sweep.md, "results.csv
 * columns").
 *
 * Every column a results table has is either a registry metric, computed
 * from one results document (analysis/report.c) by a rule below, or a
 * numeric key of the document's "metrics" object (workload metrics, found at
 * run time). Adding a column is one line in metric_table[] (metrics.c).
 * The sweep refuses axis names that are taken here (metric_is_taken);
 * validation warns about a measured metric it does not know
 * (metric_known). */
#ifndef VMSIM_METRICS_H
#define VMSIM_METRICS_H

#include <jansson.h>

/* How a metric is computed from one results document. */
typedef enum metric_agg {
    METRIC_VALUE, /* the number at a dotted path */
    METRIC_SUM,   /* sum of a key over the objects of an array */
    METRIC_MEAN,  /* mean of a key over the objects of an array */
    METRIC_WMEAN, /* mean of a key weighted by another key */
} metric_agg;

/* One registry metric. */
typedef struct metric_def {
    const char *name;   /* column name */
    metric_agg agg;     /* how it is computed */
    const char *array;  /* SUM, MEAN, WMEAN: the top-level array ("locks", "vms") */
    const char *key;    /* the number: a dotted path (VALUE) or a key of each element */
    const char *weight; /* WMEAN: the weight key of each element */
    int wall;           /* 1: a wall-clock figure (last columns, never summarised) */
} metric_def;

/* The number of registry metrics, and metric i (0 <= i < metric_count()),
 * in column order. Can't fail. */
int metric_count(void);
const metric_def *metric_get(int i);
/* The value of metric m in results document res; NAN when absent. */
double metric_value(const metric_def *m, json_t *res);
/* The number v holds, NAN when it is not a number (or NULL). */
double metric_num(const json_t *v);
/* 1 when s is the name of a registry metric. */
int metric_is_name(const char *s);
/* 1 when a column of a results table is named s: a registry metric or one
 * of the row columns "point", "seed", "n". */
int metric_is_taken(const char *s);
/* 1 when name is a column vmsim always writes, a key the built-in
 * workloads put in the results' "metrics" object, or "metrics.KEY"; a
 * workload may add others (only used to warn early about a misspelling). */
int metric_known(const char *name);

/* How a column is shown to people (axis labels, captions). The plots
 * multiply a column by `scale` to show it in `unit`. */
typedef struct metric_desc {
    char label[160];  /* "builds per hour per VM", "lock-holder preemption time" */
    const char *unit; /* "ms", "us", "s", "builds/h", "ops/s"; "" for counts and plain numbers */
    double scale;     /* column value x scale = the value in unit */
    int integer;      /* takes integer values only (cores, VMs, threads): integer ticks */
    int nonneg;       /* never negative: intervals are clipped at 0 */
} metric_desc;

/* Describes column `name` of a results or summary table (a `_mean` or
 * `_ci95` suffix is ignored), or a sweep axis (its name or path: "cores",
 * "vms.count"). `workload` ("gmake", "lockloop", "script", "replay", or
 * NULL when unknown) names what one op is, so that throughput reads
 * "builds per hour per VM". Returns 1 when the column is known; 0 with the
 * name itself as the label, scale 1 and no unit. Can't fail. */
int metric_describe(const char *name, const char *workload, metric_desc *d);
/* "label (unit)", or the label alone without a unit, into buf. */
const char *metric_axis_label(const metric_desc *d, char *buf, size_t n);

#endif
