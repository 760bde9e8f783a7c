/* sweep_spec.c - the sweep section and its points (see sweep_spec.h and
 * docs/sweep.md).
 *
 * Layout: the sweep section parser; points (canonical order, documents,
 * identities, descriptions, --set reproductions); the cost order. */
#include "experiment/sweep_spec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/metrics.h"
#include "config/jsonv.h"
#include "config/scenario.h"
#include "sim/mem.h"

#define SWEEP_MAX_NAME 128  /* bytes in an axis name */
#define SWEEP_MAX_LABEL 256 /* bytes in a string value */

/* --- the sweep section ---------------------------------------------------- */

json_t *sweep_read_doc(const char *file, char *const *sets, int nsets, vs_err *err)
{
    json_t *doc = sc_read_json(file, err);
    for (int i = 0; doc && i < nsets; i++)
        if (sc_apply_set(doc, sets[i], err)) {
            json_decref(doc);
            doc = NULL;
        }
    return doc;
}

/* 1 when s is 1..max bytes without control characters. */
static int sweep_ok_text(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max || strlen(s) != len)
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

char *sweep_label(const json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        return vs_xstrdup(json_string_value(v));
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        double x = json_real_value(v);
        for (int p = 1; p <= 17; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, x);
            if (strtod(buf, NULL) == x)
                break;
        }
    } else {
        snprintf(buf, sizeof buf, "%s", json_is_true(v) ? "true" : "false");
    }
    return vs_xstrdup(buf);
}

/* Checks a path an axis sets: not the seed, not the sweep section. */
static int sweep_check_target(const char *file, const char *where, const char *path, vs_err *err)
{
    char np[1024];
    sc_norm_path(path, np, sizeof np);
    if (!np[0] || strstr(np, ".."))
        return err_input(err,
                         "%s: %s: \"%s\" is not a scenario path (expected e.g. \"host.cores\")",
                         file, where, path);
    if (!strcmp(np, "seed"))
        return err_input(err, "%s: %s: the seed is not an axis; list the seeds in sweep.seeds",
                         file, where);
    if (!strcmp(np, "sweep") || !strncmp(np, "sweep.", 6))
        return err_input(err, "%s: %s: an axis cannot change the sweep section itself", file,
                         where);
    return 0;
}

/* Parses axis i (json a) into sp->axes[i]. */
static int sweep_parse_axis(const char *file, json_t *a, int i, sweep_spec *sp, vs_err *err)
{
    sweep_axis *ax = &sp->axes[i];
    char where[JV_PATH_MAX + 64], d[128];
    jv_obj o;
    snprintf(where, sizeof where, "sweep.axes[%d]", i);
    if (!a || !json_is_object(a))
        return err_input(err,
                         "%s: %s: expected an axis object {\"path\": ..., \"values\": [...]}, "
                         "found %s",
                         file, where, jv_describe(a, d, sizeof d));
    if (jv_open(&o, a, file, where, err))
        return -1;
    json_t *pv = jv_get(&o, "path"), *nv = jv_get(&o, "name");
    json_t *values = jv_get(&o, "values"), *set = jv_get(&o, "set");
    if (jv_done(&o))
        return -1;
    if (pv && set)
        return err_input(err, "%s: %s: give either \"path\" or \"set\", not both", file, where);
    if (!pv && !set)
        return err_input(err, "%s: %s.path: required key missing (or \"set\" with a \"name\")",
                         file, where);
    if (pv && (!json_is_string(pv) ||
               !sweep_ok_text(json_string_value(pv), json_string_length(pv), 1000)))
        return jv_fail(&o, "path", pv, "a scenario path such as \"host.cores\"");
    if (nv && (!json_is_string(nv) ||
               !sweep_ok_text(json_string_value(nv), json_string_length(nv), SWEEP_MAX_NAME)))
        return jv_fail(&o, "name", nv, "a column name of 1 to 128 printable characters");
    if (set && !nv)
        return err_input(err,
                         "%s: %s.name: required key missing (a \"set\" axis needs a column name)",
                         file, where);
    ax->name = vs_xstrdup(json_string_value(nv ? nv : pv));
    ax->path = pv ? vs_xstrdup(json_string_value(pv)) : NULL;
    /* From here on messages name the axis: sweep.axes.NAME */
    snprintf(o.path, sizeof o.path, "sweep.axes.%s", ax->name);
    snprintf(where, sizeof where, "sweep.axes.%s", ax->name);
    if (ax->path && sweep_check_target(file, where, ax->path, err))
        return -1;
    if (metric_is_taken(ax->name))
        return err_input(err,
                         "%s: %s: the column name \"%s\" is taken by the results; give the "
                         "axis another \"name\"",
                         file, where, ax->name);
    if (!values) {
        json_t *dummy;
        return jv_require(&o, "values", &dummy);
    }
    if (!json_is_array(values) || json_array_size(values) == 0)
        return jv_fail(&o, "values", values, "a non-empty array of numbers, strings or booleans");
    if (json_array_size(values) > SWEEP_CAP_POINTS)
        return jv_fail(&o, "values", values, "at most 10000000 values");
    ax->nvalues = (int)json_array_size(values);
    ax->labels = vs_xcalloc((size_t)ax->nvalues, sizeof(char *));
    ax->cost = vs_xcalloc((size_t)ax->nvalues, sizeof(double));
    ax->values = json_incref(values);
    json_t *seen = json_object(); /* label -> index of its first value */
    int rc = 0;
    for (int k = 0; k < ax->nvalues && !rc; k++) {
        json_t *v = json_array_get(values, (size_t)k);
        char key[64];
        snprintf(key, sizeof key, "values[%d]", k);
        if (!(json_is_number(v) || json_is_string(v) || json_is_boolean(v)))
            rc = jv_fail(&o, key, v, "a number, string or boolean (a scalar)");
        else if (json_is_string(v) &&
                 !sweep_ok_text(json_string_value(v), json_string_length(v), SWEEP_MAX_LABEL))
            rc = jv_fail(&o, key, v, "a string of 1 to 256 printable characters");
        if (rc)
            break;
        ax->labels[k] = sweep_label(v);
        ax->cost[k] = json_is_number(v) ? fabs(json_number_value(v)) : 1;
        json_t *first = json_object_get(seen, ax->labels[k]);
        if (first)
            rc = err_input(err, "%s: %s.%s: duplicate value \"%s\" (also values[%lld])", file,
                           where, key, ax->labels[k], (long long)json_integer_value(first));
        else
            json_object_set_new(seen, ax->labels[k], json_integer(k));
    }
    if (!rc && set) {
        if (!json_is_object(set)) {
            rc = jv_fail(&o, "set", set, "an object mapping each value to {\"PATH\": value, ...}");
        } else {
            const char *lab;
            json_t *entry;
            json_object_foreach(set, lab, entry) {
                if (!json_object_get(seen, lab)) {
                    rc = err_input(err, "%s: %s.set[\"%s\"]: not one of the axis values", file,
                                   where, lab);
                    break;
                }
            }
            for (int k = 0; k < ax->nvalues && !rc; k++) {
                entry = json_object_get(set, ax->labels[k]);
                if (!entry) {
                    rc = err_input(err, "%s: %s.set: no entry for value \"%s\"", file, where,
                                   ax->labels[k]);
                } else if (!json_is_object(entry) || json_object_size(entry) == 0) {
                    rc = err_input(err, "%s: %s.set[\"%s\"]: expected a non-empty object mapping "
                                        "scenario paths to values, found %s",
                                   file, where, ax->labels[k], jv_describe(entry, d, sizeof d));
                } else {
                    const char *p;
                    json_t *pvv;
                    char w2[JV_PATH_MAX + 400];
                    json_object_foreach(entry, p, pvv) {
                        snprintf(w2, sizeof w2, "%s.set[\"%s\"].%s", where, ax->labels[k], p);
                        if ((rc = sweep_check_target(file, w2, p, err)))
                            break;
                    }
                }
            }
            if (!rc)
                ax->set = json_incref(set);
        }
    }
    json_decref(seen);
    return rc;
}

/* Number of paths axis ax sets, and the k-th of them (set axes: the union
 * of their entries' keys, with repeats). */
static void sweep_axis_paths(const sweep_axis *ax, const char **out, int *n, int max)
{
    *n = 0;
    if (ax->path) {
        out[(*n)++] = ax->path;
        return;
    }
    const char *lab, *p;
    json_t *entry, *v;
    json_object_foreach(ax->set, lab, entry) {
        json_object_foreach(entry, p, v) {
            if (*n < max)
                out[(*n)++] = p;
        }
    }
}

static int sweep_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int sweep_parse(json_t *doc, const char *file, sweep_spec *sp, vs_err *err)
{
    memset(sp, 0, sizeof *sp);
    json_t *sw = json_is_object(doc) ? json_object_get(doc, "sweep") : NULL;
    if (!sw)
        return err_input(err, "%s: sweep: required key missing (vmsim sweep needs a \"sweep\" "
                              "section; see docs/sweep.md)",
                         file);
    jv_obj o;
    if (jv_open(&o, sw, file, "sweep", err))
        return -1;
    json_t *axes = jv_get(&o, "axes"), *seeds = jv_get(&o, "seeds");
    if (jv_int(&o, "max_points", 0, SWEEP_DEFAULT_MAX_POINTS, 1, SWEEP_CAP_POINTS,
               &sp->max_points) ||
        jv_done(&o))
        return -1;
    if (axes && (!json_is_array(axes) || json_array_size(axes) > SWEEP_MAX_AXES))
        return jv_fail(&o, "axes", axes, "an array of at most 16 axes");
    if (seeds && (!json_is_array(seeds) || json_array_size(seeds) == 0))
        return jv_fail(&o, "seeds", seeds, "a non-empty array of distinct non-negative integers");
    if (json_array_size(axes) == 0 && !seeds)
        return err_input(err, "%s: sweep: empty sweep: sweep.axes needs at least one axis "
                              "(or sweep.seeds several seeds)",
                         file);
    sp->naxes = (int)json_array_size(axes);
    sp->axes = vs_xcalloc(sp->naxes ? (size_t)sp->naxes : 1, sizeof(sweep_axis));
    for (int i = 0; i < sp->naxes; i++)
        if (sweep_parse_axis(file, json_array_get(axes, (size_t)i), i, sp, err))
            goto fail;
    for (int i = 0; i < sp->naxes; i++)
        for (int j = 0; j < i; j++) {
            if (!strcmp(sp->axes[i].name, sp->axes[j].name)) {
                err_input(err, "%s: sweep.axes.%s: duplicate axis name (axes %d and %d); give one "
                               "of them another \"name\"",
                          file, sp->axes[i].name, j, i);
                goto fail;
            }
            const char *pi[256], *pj[256];
            int ni, nj;
            sweep_axis_paths(&sp->axes[i], pi, &ni, 256);
            sweep_axis_paths(&sp->axes[j], pj, &nj, 256);
            for (int a = 0; a < ni; a++)
                for (int b = 0; b < nj; b++)
                    if (sc_paths_overlap(pi[a], pj[b])) {
                        err_input(err, "%s: sweep.axes.%s: sets %s, which axis %s sets too (%s)",
                                  file, sp->axes[i].name, pi[a], sp->axes[j].name, pj[b]);
                        goto fail;
                    }
        }
    if (seeds) {
        sp->nseeds = (int)json_array_size(seeds);
        if (json_array_size(seeds) > SWEEP_CAP_POINTS) {
            jv_fail(&o, "seeds", seeds, "at most 10000000 seeds");
            goto fail;
        }
        sp->seeds = vs_xcalloc((size_t)sp->nseeds, sizeof(int64_t));
        for (int k = 0; k < sp->nseeds; k++) {
            json_t *s = json_array_get(seeds, (size_t)k);
            if (!json_is_integer(s) || json_integer_value(s) < 0) {
                char key[64];
                snprintf(key, sizeof key, "seeds[%d]", k);
                jv_fail(&o, key, s, "a non-negative integer");
                goto fail;
            }
            sp->seeds[k] = json_integer_value(s);
        }
        int64_t *sorted = vs_xcalloc((size_t)sp->nseeds, sizeof(int64_t));
        memcpy(sorted, sp->seeds, (size_t)sp->nseeds * sizeof(int64_t));
        qsort(sorted, (size_t)sp->nseeds, sizeof(int64_t), sweep_cmp_i64);
        for (int k = 1; k < sp->nseeds; k++)
            if (sorted[k] == sorted[k - 1]) {
                err_input(err, "%s: sweep.seeds: duplicate seed %lld", file, (long long)sorted[k]);
                free(sorted);
                goto fail;
            }
        free(sorted);
    } else { /* the scenario's own seed (default 1) */
        json_t *s = json_object_get(doc, "seed");
        sp->nseeds = 1;
        sp->seeds = vs_xcalloc(1, sizeof(int64_t));
        sp->seeds[0] = json_is_integer(s) && json_integer_value(s) >= 0 ? json_integer_value(s) : 1;
    }
    /* Count the points; the product is bounded before it can overflow. */
    double total = sp->nseeds;
    char shape[512] = "";
    for (int i = 0; i < sp->naxes; i++) {
        total *= sp->axes[i].nvalues;
        size_t l = strlen(shape);
        snprintf(shape + l, sizeof shape - l, "%s%d", i ? " x " : "", sp->axes[i].nvalues);
    }
    if (total > (double)sp->max_points) {
        err_input(err, "%s: sweep: %d axes (%s values) x %d seeds give %.0f points, more than "
                       "sweep.max_points = %lld (raise it, at most %d, or sweep fewer values)",
                  file, sp->naxes, sp->naxes ? shape : "no", sp->nseeds, total,
                  (long long)sp->max_points, SWEEP_CAP_POINTS);
        goto fail;
    }
    sp->ncombos = 1;
    for (int i = 0; i < sp->naxes; i++)
        sp->ncombos *= sp->axes[i].nvalues;
    sp->npoints = sp->ncombos * sp->nseeds;
    return 0;
fail:
    sweep_free(sp);
    return -1;
}

void sweep_free(sweep_spec *sp)
{
    for (int i = 0; i < sp->naxes; i++) {
        sweep_axis *ax = &sp->axes[i];
        for (int k = 0; ax->labels && k < ax->nvalues; k++)
            free(ax->labels[k]);
        free(ax->labels);
        free(ax->cost);
        free(ax->name);
        free(ax->path);
        json_decref(ax->values);
        json_decref(ax->set);
    }
    free(sp->axes);
    free(sp->seeds);
    memset(sp, 0, sizeof *sp);
}

/* --- points --------------------------------------------------------------- */

void sweep_decode(const sweep_spec *sp, int64_t point, int *vidx, int *sidx)
{
    int64_t c = point / sp->nseeds;
    *sidx = (int)(point % sp->nseeds);
    for (int a = sp->naxes - 1; a >= 0; a--) {
        vidx[a] = (int)(c % sp->axes[a].nvalues);
        c /= sp->axes[a].nvalues;
    }
}

json_t *sweep_point_doc(const sweep_spec *sp, json_t *base, const char *file, int64_t point,
                        vs_err *err)
{
    int vidx[SWEEP_MAX_AXES], sidx;
    sweep_decode(sp, point, vidx, &sidx);
    json_t *d = json_deep_copy(base);
    if (!d)
        return err_internal(err, "out of memory copying the scenario"), NULL;
    json_object_del(d, "sweep");
    vs_err e = {0};
    for (int a = 0; a < sp->naxes; a++) {
        const sweep_axis *ax = &sp->axes[a];
        json_t *v = json_array_get(ax->values, (size_t)vidx[a]);
        if (ax->path) {
            if (sc_set_path(d, ax->path, json_deep_copy(v), &e))
                goto bad;
            continue;
        }
        const char *p;
        json_t *pv;
        json_object_foreach(json_object_get(ax->set, ax->labels[vidx[a]]), p, pv) {
            if (sc_set_path(d, p, json_deep_copy(pv), &e))
                goto bad;
        }
        continue;
    bad:
        json_decref(d);
        err_input(err, "%s: sweep.axes.%s = %s: %s", file, ax->name, ax->labels[vidx[a]], e.msg);
        return NULL;
    }
    if (sc_set_path(d, "seed", json_integer(sp->seeds[sidx]), &e)) {
        json_decref(d);
        err_input(err, "%s: sweep.seeds: %s", file, e.msg);
        return NULL;
    }
    return d;
}

json_t *sweep_point_id(const sweep_spec *sp, int64_t point)
{
    int vidx[SWEEP_MAX_AXES], sidx;
    sweep_decode(sp, point, vidx, &sidx);
    json_t *axes = json_object();
    for (int a = 0; a < sp->naxes; a++)
        json_object_set_new(axes, sp->axes[a].name,
                            json_deep_copy(json_array_get(sp->axes[a].values, (size_t)vidx[a])));
    return json_pack("{s:I,s:o,s:I}", "index", (json_int_t)point, "axes", axes, "seed",
                     (json_int_t)sp->seeds[sidx]);
}

const char *sweep_point_desc(const sweep_spec *sp, int64_t point, char *buf, size_t n)
{
    int vidx[SWEEP_MAX_AXES], sidx;
    sweep_decode(sp, point, vidx, &sidx);
    buf[0] = 0;
    for (int a = 0; a < sp->naxes; a++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s=%s, ", sp->axes[a].name, sp->axes[a].labels[vidx[a]]);
    }
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, "seed=%lld", (long long)sp->seeds[sidx]);
    return buf;
}

const char *sweep_shell_quote(char *buf, size_t n, const char *s)
{
    size_t l = strlen(buf);
    int plain = *s != 0;
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_./=:,+-@%";
    for (const char *p = s; *p && plain; p++)
        plain = strchr(safe, *p) != NULL;
    if (plain) {
        snprintf(buf + l, n - l, "%s", s);
        return buf;
    }
    if (l + 1 < n)
        buf[l++] = '\'';
    for (const char *p = s; *p && l + 5 < n; p++) {
        if (*p == '\'') {
            memcpy(buf + l, "'\\''", 4);
            l += 4;
        } else {
            buf[l++] = *p;
        }
    }
    if (l + 1 < n)
        buf[l++] = '\'';
    buf[l < n ? l : n - 1] = 0;
    return buf;
}

/* Appends " --set PATH=VALUE" for one path and JSON value. VALUE is the text
 * sc_apply_set reads back as the same value: JSON, except a string that is
 * not itself valid JSON, which goes as plain text. */
static void sweep_append_set(char *buf, size_t n, const char *path, const json_t *v)
{
    char *text = NULL;
    if (json_is_string(v)) {
        json_t *t = json_loads(json_string_value(v), JSON_DECODE_ANY, NULL);
        if (!t)
            text = vs_xstrdup(json_string_value(v));
        json_decref(t);
    }
    if (!text && json_is_real(v)) { /* shortest text that reads back as the same real */
        char *t = sweep_label(v);
        text = vs_xmalloc(strlen(t) + 3);
        sprintf(text, "%s%s", t, strpbrk(t, ".eE") ? "" : ".0");
        free(t);
    }
    if (!text)
        text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    char *arg = vs_xmalloc(strlen(path) + strlen(text ? text : "") + 2);
    sprintf(arg, "%s=%s", path, text ? text : "");
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, " --set ");
    sweep_shell_quote(buf, n, arg);
    free(arg);
    free(text);
}

const char *sweep_point_sets(const sweep_spec *sp, int64_t point, char *buf, size_t n)
{
    int vidx[SWEEP_MAX_AXES], sidx;
    sweep_decode(sp, point, vidx, &sidx);
    for (int a = 0; a < sp->naxes; a++) {
        const sweep_axis *ax = &sp->axes[a];
        if (ax->path) {
            sweep_append_set(buf, n, ax->path, json_array_get(ax->values, (size_t)vidx[a]));
            continue;
        }
        const char *p;
        json_t *pv;
        json_object_foreach(json_object_get(ax->set, ax->labels[vidx[a]]), p, pv) {
            sweep_append_set(buf, n, p, pv);
        }
    }
    size_t l = strlen(buf);
    snprintf(buf + l, n - l, " --set seed=%lld", (long long)sp->seeds[sidx]);
    return buf;
}

int sweep_check_points(const sweep_spec *sp, json_t *base, const char *file, vs_err *err)
{
    size_t fl = strlen(file);
    for (int64_t c = 0; c < sp->ncombos; c++) {
        int64_t p = c * sp->nseeds;
        json_t *d = sweep_point_doc(sp, base, file, p, err);
        if (!d)
            return -1;
        scenario sc;
        vs_err e = {0};
        int bad = sc_load_doc(d, file, &sc, &e);
        json_decref(d);
        if (!bad) {
            scenario_free(&sc);
            continue;
        }
        char desc[1024];
        const char *m = e.msg;
        if (!strncmp(m, file, fl) && !strncmp(m + fl, ": ", 2)) /* drop the repeated file name */
            m += fl + 2;
        sweep_point_desc(sp, p, desc, sizeof desc);
        return err_input(err, "%s: sweep: point %lld (%s) is not a valid scenario: %s", file,
                         (long long)p, desc, m);
    }
    return 0;
}

/* --- cost order ------------------------------------------------------------ */

typedef struct sweep_rank {
    float logcost; /* sum of log(cost factor) over the axes */
    uint32_t combo;/* combination index */
} sweep_rank;

static int sweep_cmp_rank(const void *a, const void *b)
{
    const sweep_rank *x = a, *y = b;
    if (x->logcost != y->logcost)
        return x->logcost > y->logcost ? -1 : 1; /* most expensive first */
    return (x->combo > y->combo) - (x->combo < y->combo);
}

void sweep_order(const sweep_spec *sp, uint32_t *order)
{
    sweep_rank *r = vs_xcalloc((size_t)sp->ncombos, sizeof *r);
    int digit[SWEEP_MAX_AXES] = {0};
    for (int64_t c = 0; c < sp->ncombos; c++) {
        double lc = 0;
        for (int a = 0; a < sp->naxes; a++) {
            double f = sp->axes[a].cost[digit[a]];
            lc += f > 1e-300 ? log(f) : -690;
        }
        r[c].logcost = (float)lc;
        r[c].combo = (uint32_t)c;
        for (int a = sp->naxes - 1; a >= 0; a--) { /* next combination, last axis fastest */
            if (++digit[a] < sp->axes[a].nvalues)
                break;
            digit[a] = 0;
        }
    }
    qsort(r, (size_t)sp->ncombos, sizeof *r, sweep_cmp_rank);
    for (int64_t c = 0; c < sp->ncombos; c++)
        order[c] = r[c].combo;
    free(r);
}

