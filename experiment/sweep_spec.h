/* sweep_spec.h - the sweep section of a scenario and its points
 * (docs/sweep.md). The experiment layer's vocabulary: what a sweep is, not
 * how it runs (experiment/sweep_run.h) or where its results go
 * (experiment/store.h).
 *
 * A scenario's "sweep" section names axes (scenario paths and the values to
 * give them) and seeds. The points of a sweep are the cartesian product
 * axes x seeds in CANONICAL ORDER: the first axis varies slowest, the seed
 * fastest, so point p has
 *     combo = p / nseeds, seed index = p % nseeds,
 * and the value indexes of the combo are its mixed-radix digits (last axis
 * least significant). The seeds of one axis combination are consecutive.
 *
 * Invariants of a sweep_spec filled by sweep_parse: 0 <= naxes <=
 * SWEEP_MAX_AXES; every axis has 1 <= nvalues values with distinct labels;
 * axis names are distinct and none is taken by a results column
 * (analysis/metrics.h); 1 <= nseeds, seeds distinct and >= 0;
 * 1 <= npoints = ncombos * nseeds <= max_points <= SWEEP_CAP_POINTS. */
#ifndef VMSIM_SWEEP_SPEC_H
#define VMSIM_SWEEP_SPEC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

#define SWEEP_MAX_AXES 16                 /* axes per sweep */
#define SWEEP_DEFAULT_MAX_POINTS 100000   /* sweep.max_points when absent */
#define SWEEP_CAP_POINTS 10000000         /* the largest sweep.max_points accepted */

/* One axis: a scenario path and its values, or a "set" axis whose labelled
 * values each set several paths. */
typedef struct sweep_axis {
    char *name;     /* column name: "name", else the path (owned) */
    char *path;     /* scenario path set by the axis; NULL for a "set" axis (owned) */
    json_t *values; /* array of nvalues scalars (owned reference) */
    json_t *set;    /* "set" axis: object label -> {path: value}; NULL otherwise (owned) */
    char **labels;  /* nvalues texts of the values as they appear in the CSVs (owned) */
    double *cost;   /* nvalues cost factors: |value| for numbers, 1 otherwise (owned) */
    int nvalues;    /* number of values, >= 1 */
} sweep_axis;

/* A parsed sweep section. */
typedef struct sweep_spec {
    sweep_axis *axes;   /* naxes axes, in document order (owned) */
    int naxes;          /* number of axes, may be 0 when seeds alone vary */
    int64_t *seeds;     /* nseeds seeds (owned) */
    int nseeds;         /* number of seeds, >= 1 */
    int64_t max_points; /* sweep.max_points */
    int64_t ncombos;    /* product of the axes' nvalues (1 without axes) */
    int64_t npoints;    /* ncombos * nseeds */
} sweep_spec;

/* 1 when point p belongs to shard I/N: no shard (n <= 1), or
 * p mod n == i - 1. */
static inline int sweep_in_shard(int shard_i, int shard_n, int64_t p)
{
    return shard_n <= 1 || p % shard_n == shard_i - 1;
}

/* Reads the scenario document at file and applies the --set overrides
 * sets[0..nsets-1] in order (sc_apply_set): the document every command
 * that takes a scenario and --set starts from. New reference, or NULL with
 * err filled. */
json_t *sweep_read_doc(const char *file, char *const *sets, int nsets, vs_err *err);

/* Parses and checks the "sweep" section of doc (read from `file`): axes,
 * seeds, max_points, the number of points. Errors name the file and JSON
 * path ("FILE: sweep.axes.host.cores.values: ..."). On success returns 0;
 * free with sweep_free. On failure returns -1 with *sp empty. */
int sweep_parse(json_t *doc, const char *file, sweep_spec *sp, vs_err *err);
/* Frees what sweep_parse allocated and zeroes *sp. Safe on a zeroed spec. */
void sweep_free(sweep_spec *sp);

/* The value index of each axis (vidx[naxes]) and the seed index of point
 * `point` (canonical order, 0 <= point < npoints). Can't fail. */
void sweep_decode(const sweep_spec *sp, int64_t point, int *vidx, int *sidx);
/* The scenario document of one point: a copy of base without "sweep", with
 * the axes' values and the seed set. New reference, or NULL with err filled
 * when a path cannot be set. */
json_t *sweep_point_doc(const sweep_spec *sp, json_t *base, const char *file, int64_t point,
                        vs_err *err);
/* The identity of a point as stored under "sweep_point" in its file:
 * {"index": p, "axes": {NAME: value, ...}, "seed": s}. New reference. */
json_t *sweep_point_id(const sweep_spec *sp, int64_t point);
/* "host.cores=10, lock=ticket, seed=2" into buf. Returns buf. */
const char *sweep_point_desc(const sweep_spec *sp, int64_t point, char *buf, size_t n);
/* Appends the --set options that reproduce point `point` (shell-quoted,
 * each preceded by a space) to buf. Returns buf. */
const char *sweep_point_sets(const sweep_spec *sp, int64_t point, char *buf, size_t n);
/* Validates the scenario of every axis combination with sc_load_doc, before
 * anything runs. On the first bad point returns -1 with err naming the
 * point and its axis values. */
int sweep_check_points(const sweep_spec *sp, json_t *base, const char *file, vs_err *err);
/* Fills order[ncombos] with the axis combinations, most expensive first:
 * cost = product of the axes' cost factors (numeric values), ties in
 * canonical order. Can't fail. */
void sweep_order(const sweep_spec *sp, uint32_t *order);

/* The CSV text of a scalar value: strings as they are, integers in decimal,
 * reals in the shortest form that reads back to the same double. New
 * string (vs_xstrdup; caller frees). */
char *sweep_label(const json_t *v);
/* Appends s to buf (of size n), single-quoted for sh when it holds
 * anything but [A-Za-z0-9_./=:,+-@%]. Returns buf. */
const char *sweep_shell_quote(char *buf, size_t n, const char *s);

#endif
