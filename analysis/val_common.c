/* val_common.c - helpers the validation modules share (analysis/val_int.h),
 * the normalisation names, and the known metrics. */
#include "analysis/val_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analysis/metrics.h"
#include "config/scenario.h"
#include "sim/mem.h"

/* 1 and *out when s is a whole finite decimal number. */
int val_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || strpbrk(s, "xXnNiI"))
        return 0;
    *out = v;
    return 1;
}

/* 1 when two cell texts name the same value: equal text, or equal numbers
 * ("32" and "32.0"). */
int val_same_value(const char *a, const char *b)
{
    double x, y;
    return !strcmp(a, b) || (val_number(a, &x) && val_number(b, &y) && x == y);
}

/* The message of a scenario error without its leading "FILE: ". */
const char *val_strip_file(const char *msg, const char *file)
{
    size_t fl = strlen(file);
    if (!strncmp(msg, file, fl) && !strncmp(msg + fl, ": ", 2))
        return msg + fl + 2;
    return msg;
}

/* Appends printf output to buf (of size n). */
void val_cat(char *buf, size_t n, const char *fmt, ...)
{
    size_t l = strlen(buf);
    if (l + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + l, n - l, fmt, ap);
    va_end(ap);
}

/* "a, b, c": the CSV's column names, for messages. */
const char *val_colnames(const csv_table *t, char *buf, size_t n)
{
    buf[0] = 0;
    for (int c = 0; c < t->ncols; c++)
        val_cat(buf, n, "%s%s", c ? ", " : "", t->names[c]);
    return buf;
}

/* A copy of the scenario without its sweep section. New reference. */
json_t *val_plain_doc(json_t *base)
{
    json_t *d = json_deep_copy(base);
    if (d)
        json_object_del(d, "sweep");
    return d;
}

/* Applies every {PATH: value} of `sets` to doc. */
static int val_apply(json_t *doc, json_t *sets, vs_err *err)
{
    const char *p;
    json_t *v;
    json_object_foreach(sets, p, v) {
        if (sc_set_path(doc, p, json_deep_copy(v), err))
            return -1;
    }
    return 0;
}

/* Validates base (without sweep) with `sets` applied. 0 valid, -1 with e. */
int val_check_doc(json_t *base, const char *file, json_t *sets, vs_err *e)
{
    json_t *d = val_plain_doc(base);
    if (!d)
        return err_internal(e, "out of memory copying the scenario");
    int bad = sets ? val_apply(d, sets, e) : 0;
    scenario sc;
    if (!bad) {
        bad = sc_load_doc(d, file, &sc, e);
        if (!bad)
            scenario_free(&sc);
    }
    json_decref(d);
    return bad ? -1 : 0;
}

/* 1 when the scenario has no key at `path` (setting it to `value` fails as
 * "unknown key" at the path or a parent of it, or the path cannot be set);
 * why says so. 0 when it is a scenario path (its value may still be bad). */
int val_unknown_path(json_t *base, const char *file, const char *path, json_t *value,
                            char *why, size_t n)
{
    vs_err e = {0};
    json_t *d = val_plain_doc(base);
    int unknown = 0;
    if (sc_set_path(d, path, json_deep_copy(value), &e)) {
        snprintf(why, n, "%s", e.msg);
        unknown = 1;
    } else {
        scenario sc;
        if (sc_load_doc(d, file, &sc, &e) == 0) {
            scenario_free(&sc);
        } else {
            const char *m = val_strip_file(e.msg, file), *uk = strstr(m, ": unknown key");
            char p[1024];
            snprintf(p, sizeof p, "%.*s", uk ? (int)(uk - m) : 0, m);
            if (uk && sc_paths_overlap(p, path)) {
                snprintf(why, n, "%s", m);
                unknown = 1;
            }
        }
    }
    json_decref(d);
    return unknown;
}

/* The scenario's sweep axis a column names: by name, else by path; -1. */
int val_sweep_axis_of(const sweep_spec *sp, const char *name)
{
    for (int a = 0; a < sp->naxes; a++)
        if (!strcmp(sp->axes[a].name, name))
            return a;
    for (int a = 0; a < sp->naxes; a++)
        if (sp->axes[a].path && sc_paths_overlap(sp->axes[a].path, name)) {
            char x[1024], y[1024];
            sc_norm_path(sp->axes[a].path, x, sizeof x);
            sc_norm_path(name, y, sizeof y);
            if (!strcmp(x, y))
                return a;
        }
    return -1;
}

/* The label of a sweep axis a cell text names (equal text or number), -1. */
int val_axis_label(const sweep_axis *ax, const char *text)
{
    for (int k = 0; k < ax->nvalues; k++)
        if (!strcmp(ax->labels[k], text))
            return k;
    for (int k = 0; k < ax->nvalues; k++)
        if (val_same_value(ax->labels[k], text))
            return k;
    return -1;
}

/* "a, b, c": the values of a sweep axis, for messages. */
const char *val_axis_values(const sweep_axis *ax, char *buf, size_t n)
{
    buf[0] = 0;
    for (int k = 0; k < ax->nvalues; k++)
        val_cat(buf, n, "%s%s", k ? ", " : "", ax->labels[k]);
    return buf;
}

/* Columns that accompany the metric: NAME_sd, NAME_ci95, ... */
int val_companion(const char *name)
{
    size_t l = strlen(name);
    return (l > 3 && !strcmp(name + l - 3, "_sd")) || strstr(name, "_ci") != NULL;
}

int val_parse_norm(const char *s, val_norm *out, vs_err *err)
{
    if (!strcasecmp(s, "first"))
        *out = VAL_NORM_FIRST;
    else if (!strcasecmp(s, "max"))
        *out = VAL_NORM_MAX;
    else if (!strcasecmp(s, "none"))
        *out = VAL_NORM_NONE;
    else
        return err_input(err, "--normalize %s: expected first, max or none", s);
    return 0;
}

int val_parse_norm_ref(const char *s, val_norm *out, const char **ref, vs_err *err)
{
    *ref = NULL;
    if (strncasecmp(s, "curve:", 6) != 0)
        return val_parse_norm(s, out, err);
    if (!s[6])
        return err_input(err, "--normalize %s: expected curve:AXIS=VALUE, the series to divide "
                              "by (e.g. curve:kernel=tas)",
                         s);
    *out = VAL_NORM_CURVE;
    *ref = s + 6;
    return 0;
}

const char *val_norm_name(val_norm n)
{
    return n == VAL_NORM_FIRST   ? "first"
           : n == VAL_NORM_MAX   ? "max"
           : n == VAL_NORM_CURVE ? "curve"
                                 : "none";
}

int val_known_metric(const char *name)
{
    return metric_known(name);
}

/* Adds one predicted sample to a row. */
void val_add_sample(val_row *w, int64_t seed, double v)
{
    w->seeds = vs_xreallocarray(w->seeds, (size_t)w->n + 1, sizeof *w->seeds);
    w->samples = vs_xreallocarray(w->samples, (size_t)w->n + 1, sizeof *w->samples);
    w->seeds[w->n] = seed;
    w->samples[w->n] = v;
    w->n++;
}


/* The paths axis a sets (set axes: every path of every value). */
void val_axis_paths(const val_measured *m, int a, const char **out, int *n, int max)
{
    const val_axis *ax = &m->axes[a];
    *n = 0;
    if (ax->path) {
        out[(*n)++] = ax->path;
        return;
    }
    const char *lab, *p;
    json_t *entry, *v;
    json_object_foreach(m->sp.axes[ax->sweep_axis].set, lab, entry) {
        json_object_foreach(entry, p, v) {
            if (*n < max)
                out[(*n)++] = p;
        }
    }
}

