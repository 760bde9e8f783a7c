/* sweep.c - parameter sweeps (see sweep.h and docs/sweep.md).
 *
 * Layout: the sweep section parser; points (canonical order, documents,
 * identities); cost order; statistics; the metric table and the CSV
 * builder; the output directory (sweep.json, resume scan, lock); the worker
 * pool; sweep_run tying them together. */
#include "analysis/sweep.h"
#include "analysis/csv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "analysis/runner.h"
#include "analysis/sweep_int.h"
#include "config/jsonv.h"
#include "config/scenario.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define SWEEP_MAX_NAME 128  /* bytes in an axis name */
#define SWEEP_MAX_LABEL 256 /* bytes in a string value */
#define SWEEP_PATH_MAX 4300 /* file paths built under the output directory */

/* Prints a warning on stderr (the library's only direct output besides the
 * progress display). */
static void sweep_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sweep_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vmsim sweep: warning: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double sweep_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Opens a temporary file beside path, like fsu_open, but named
 * PATH.tmp.HOST.PID: shards on several hosts may write the same file of a
 * shared directory (sweep.json, results.csv) at once, and their pids may
 * coincide. fsu_commit renames it into place. Returns 0 or -1 with err. */
static int sweep_open_tmp(fsu_file *o, const char *path, vs_err *err)
{
    char host[65] = "";
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path)
        return err_input(err, "%s: path too long", path);
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    for (char *h = host; *h; h++)
        if (*h == '/' || *h == '.' || (unsigned char)*h < 0x20)
            *h = '_';
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%s%s%ld", path, host, host[0] ? "." : "",
             (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return err_internal(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* Writes a whole string to path atomically (sweep_open_tmp, fsu_commit). */
static int sweep_write_file(const char *path, const char *text, vs_err *err)
{
    fsu_file o;
    if (sweep_open_tmp(&o, path, err))
        return -1;
    fputs(text, o.f);
    return fsu_commit(&o, err);
}

/* --- the sweep section ---------------------------------------------------- */

/* Column names the results use themselves; an axis may not take them. */
static const char *const sweep_reserved[] = {"point", "seed", "n"};

static int sweep_is_metric_name(const char *s);

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

/* The CSV text of a scalar value: strings as they are, integers in decimal,
 * reals in the shortest form that reads back to the same double. */
static char *sweep_label(const json_t *v)
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
    for (size_t k = 0; k < sizeof sweep_reserved / sizeof sweep_reserved[0]; k++)
        if (!strcmp(ax->name, sweep_reserved[k]) || sweep_is_metric_name(ax->name))
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

/* --- statistics ------------------------------------------------------------- */

void sweep_ci95(const double *x, int n, double *mean, double *half)
{
    *mean = gsl_stats_mean(x, 1, (size_t)n);
    *half = 0;
    if (n > 1)
        *half = gsl_cdf_tdist_Pinv(0.975, n - 1) * gsl_stats_sd_m(x, 1, (size_t)n, *mean) / sqrt(n);
}

/* --- metrics: the results.csv columns ---------------------------------------- */

/* How a metric is computed from one results document. */
typedef enum {
    SM_VALUE, /* the number at a dotted path */
    SM_SUM,   /* sum of a key over the objects of an array */
    SM_MEAN,  /* mean of a key over the objects of an array */
    SM_WMEAN, /* mean of a key weighted by another key */
} sweep_agg;

/* One results.csv column computed from the results document. */
typedef struct sweep_metric {
    const char *name;   /* column name */
    sweep_agg agg;      /* how it is computed */
    const char *array;  /* SM_SUM, SM_MEAN, SM_WMEAN: the top-level array ("locks", "vms") */
    const char *key;    /* the number: a dotted path (SM_VALUE) or a key of each element */
    const char *weight; /* SM_WMEAN: the weight key of each element */
    int wall;           /* 1: a wall-clock figure (last columns, never summarised) */
} sweep_metric;

#define SM_VAL(name, path) {name, SM_VALUE, NULL, path, NULL, 0}
#define SM_LOCKS(name, key) {name, SM_SUM, "locks", key, NULL, 0}
#define SM_VMS(name, key) {name, SM_SUM, "vms", key, NULL, 0}

/* The table of metric columns, in column order. Adding a column is one line
 * here. Workload-specific numbers go in the results' "metrics" object and
 * become columns without touching this table. */
static const sweep_metric sweep_metrics[] = {
    SM_VAL("ops_per_s", "ops_per_s"),
    {"ops_per_s_per_vm", SM_MEAN, "vms", "ops_per_s", NULL, 0},
    SM_VAL("events", "events"),
    SM_VAL("simulated_s", "simulated_s"),
    SM_LOCKS("lock_acquisitions_per_s", "acquisitions_per_s"),
    {"lock_wait_ns_mean", SM_WMEAN, "locks", "wait_ns_mean", "acquisitions", 0},
    SM_LOCKS("lock_lhp_count", "lhp_count"),
    SM_LOCKS("lock_lhp_ns", "lhp_ns"),
    SM_LOCKS("lock_lwp_count", "lwp_count"),
    SM_LOCKS("lock_lwp_ns", "lwp_ns"),
    SM_LOCKS("lock_spin_ns", "spin_ns"),
    SM_LOCKS("lock_halts", "halts"),
    SM_LOCKS("lock_kicks", "kicks"),
    SM_LOCKS("lock_ple_exits", "ple_exits"),
    SM_VMS("vcpu_running_ns", "running_ns"),
    SM_VMS("vcpu_steal_ns", "steal_ns"),
    SM_VMS("vcpu_halted_ns", "halted_ns"),
    SM_VMS("vcpu_spin_ns", "spin_ns"),
    {"wall_s", SM_VALUE, NULL, "wall.seconds", NULL, 1},
    {"events_per_s", SM_VALUE, NULL, "wall.events_per_s", NULL, 1},
};
#define SWEEP_NMETRICS ((int)(sizeof sweep_metrics / sizeof sweep_metrics[0]))

static int sweep_is_metric_name(const char *s)
{
    for (int i = 0; i < SWEEP_NMETRICS; i++)
        if (!strcmp(s, sweep_metrics[i].name))
            return 1;
    return 0;
}

static double sweep_num(const json_t *v)
{
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* The value of metric m in results document res (NAN when absent). */
static double sweep_metric_value(const sweep_metric *m, json_t *res)
{
    if (m->agg == SM_VALUE)
        return sweep_num(sc_get_path(res, m->key));
    json_t *arr = json_object_get(res, m->array), *e;
    if (!json_is_array(arr))
        return NAN;
    double sum = 0, wsum = 0;
    size_t i, n = 0;
    json_array_foreach(arr, i, e) {
        double x = sweep_num(json_object_get(e, m->key));
        if (isnan(x))
            continue;
        double w = m->agg == SM_WMEAN ? sweep_num(json_object_get(e, m->weight)) : 1;
        if (isnan(w))
            continue;
        sum += m->agg == SM_WMEAN ? x * w : x;
        wsum += w;
        n++;
    }
    switch (m->agg) {
    case SM_SUM: return sum;
    case SM_MEAN: return n ? sum / (double)n : NAN;
    case SM_WMEAN: return wsum > 0 ? sum / wsum : 0; /* no acquisitions: no waiting */
    default: return NAN;
    }
}

/* One results.csv column. */
typedef struct sweep_col {
    char *name;              /* column name (owned) */
    const sweep_metric *m;   /* the table metric, or NULL for a "metrics" key */
    char *extra;             /* the key in the results' "metrics" object (owned), or NULL */
} sweep_col;

static double sweep_col_value(const sweep_col *c, json_t *res)
{
    if (c->m)
        return sweep_metric_value(c->m, res);
    return sweep_num(json_object_get(json_object_get(res, "metrics"), c->extra));
}

static int sweep_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The columns: table metrics, then the "metrics" keys found (sorted), then
 * the wall-clock metrics. *nsum is the number of leading columns summarised. */
static sweep_col *sweep_columns(const sweep_spec *sp, json_t *extras, int *ncols, int *nsum)
{
    size_t nx = json_object_size(extras);
    sweep_col *c = vs_xcalloc((size_t)SWEEP_NMETRICS + nx, sizeof *c);
    char **keys = vs_xcalloc(nx ? nx : 1, sizeof(char *));
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(extras, k, v) {
        keys[i++] = (char *)k;
    }
    qsort(keys, nx, sizeof(char *), sweep_cmp_str);
    int n = 0;
    for (int m = 0; m < SWEEP_NMETRICS; m++)
        if (!sweep_metrics[m].wall) {
            c[n].m = &sweep_metrics[m];
            c[n++].name = vs_xstrdup(sweep_metrics[m].name);
        }
    for (i = 0; i < nx; i++) {
        int clash = sweep_is_metric_name(keys[i]);
        for (size_t r = 0; r < sizeof sweep_reserved / sizeof sweep_reserved[0]; r++)
            clash |= !strcmp(keys[i], sweep_reserved[r]);
        for (int a = 0; a < sp->naxes; a++)
            clash |= !strcmp(keys[i], sp->axes[a].name);
        c[n].extra = vs_xstrdup(keys[i]);
        c[n].name = vs_xmalloc(strlen(keys[i]) + 9);
        sprintf(c[n].name, "%s%s", clash ? "metrics." : "", keys[i]);
        n++;
    }
    *nsum = n;
    for (int m = 0; m < SWEEP_NMETRICS; m++)
        if (sweep_metrics[m].wall) {
            c[n].m = &sweep_metrics[m];
            c[n++].name = vs_xstrdup(sweep_metrics[m].name);
        }
    free(keys);
    *ncols = n;
    return c;
}

static void sweep_columns_free(sweep_col *c, int n)
{
    for (int i = 0; i < n; i++) {
        free(c[i].name);
        free(c[i].extra);
    }
    free(c);
}

/* A number cell; empty for a missing value. */
static void sweep_csv_num(FILE *f, double x)
{
    if (!isnan(x) && isfinite(x))
        fprintf(f, "%.12g", x);
}

static void sweep_point_path(const char *dir, int64_t p, char *buf, size_t n)
{
    snprintf(buf, n, "%s/points/%06lld.json", dir, (long long)p);
}

/* Loads the file of point p: 1 with *res a new reference when it exists and
 * belongs to this point, 0 when there is none, -1 when it is unusable (why
 * says so). */
static int sweep_load_point(const sweep_spec *sp, const char *dir, int64_t p, json_t **res,
                            char *why, size_t n)
{
    char path[SWEEP_PATH_MAX];
    struct stat st;
    *res = NULL;
    sweep_point_path(dir, p, path, sizeof path);
    if (stat(path, &st) != 0)
        return 0;
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (!d) {
        snprintf(why, n, "%s: unreadable (%s)", path, je.text);
        return -1;
    }
    json_t *id = sweep_point_id(sp, p);
    int same = json_equal(json_object_get(d, "sweep_point"), id);
    json_decref(id);
    if (!same) {
        json_decref(d);
        snprintf(why, n, "%s: its \"sweep_point\" is not point %lld of this sweep", path,
                 (long long)p);
        return -1;
    }
    *res = d;
    return 1;
}

/* Writes the axis cells of combination c (without a trailing comma). */
static void sweep_csv_axes(FILE *f, const sweep_spec *sp, int64_t point)
{
    int vidx[SWEEP_MAX_AXES], sidx;
    sweep_decode(sp, point, vidx, &sidx);
    for (int a = 0; a < sp->naxes; a++) {
        if (a)
            fputc(',', f);
        csv_write_text(f, sp->axes[a].labels[vidx[a]]);
    }
}

/* Writes the summary.csv row of one combination from its k result rows. */
static void sweep_summary_row(FILE *f, const sweep_spec *sp, int64_t combo, const double *acc,
                              int k, int ncols, int nsum, double *xs)
{
    sweep_csv_axes(f, sp, combo * sp->nseeds);
    fprintf(f, "%s%d", sp->naxes ? "," : "", k);
    for (int c = 0; c < nsum; c++) {
        int m = 0;
        for (int r = 0; r < k; r++)
            if (!isnan(acc[(size_t)r * ncols + c]))
                xs[m++] = acc[(size_t)r * ncols + c];
        double mean = NAN, half = NAN;
        if (m)
            sweep_ci95(xs, m, &mean, &half);
        fputc(',', f);
        sweep_csv_num(f, mean);
        fputc(',', f);
        sweep_csv_num(f, half);
    }
    fputc('\n', f);
}

int sweep_collect(const sweep_spec *sp, const char *dir, int64_t *found, vs_err *err)
{
    char why[SWEEP_PATH_MAX + 200], path[SWEEP_PATH_MAX];
    json_t *res, *extras = json_object();
    *found = 0;
    /* Pass 1: which "metrics" keys exist, so the header can list them. */
    for (int64_t p = 0; p < sp->npoints; p++) {
        int r = sweep_load_point(sp, dir, p, &res, why, sizeof why);
        if (r < 0)
            sweep_warn("%s; left out of the tables", why);
        if (r <= 0)
            continue;
        const char *k;
        json_t *v, *mo = json_object_get(res, "metrics");
        json_object_foreach(mo, k, v) {
            if (json_is_number(v))
                json_object_set_new(extras, k, json_true());
        }
        json_decref(res);
    }
    int ncols, nsum;
    sweep_col *cols = sweep_columns(sp, extras, &ncols, &nsum);
    json_decref(extras);
    fsu_file rf, sf;
    snprintf(path, sizeof path, "%s/results.csv", dir);
    if (sweep_open_tmp(&rf, path, err)) {
        sweep_columns_free(cols, ncols);
        return -1;
    }
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    if (sweep_open_tmp(&sf, path, err)) {
        fsu_abort(&rf);
        sweep_columns_free(cols, ncols);
        return -1;
    }
    /* Headers */
    fputs("point", rf.f);
    for (int a = 0; a < sp->naxes; a++) {
        fputc(',', rf.f);
        csv_write_text(rf.f, sp->axes[a].name);
        if (a)
            fputc(',', sf.f);
        csv_write_text(sf.f, sp->axes[a].name);
    }
    fputs(",seed", rf.f);
    fputs(sp->naxes ? ",n" : "n", sf.f);
    for (int c = 0; c < ncols; c++) {
        fputc(',', rf.f);
        csv_write_text(rf.f, cols[c].name);
        if (c < nsum) {
            fputc(',', sf.f);
            csv_write_text(sf.f, cols[c].name);
            fputs("_mean,", sf.f);
            csv_write_text(sf.f, cols[c].name);
            fputs("_ci95", sf.f);
        }
    }
    fputc('\n', rf.f);
    fputc('\n', sf.f);
    /* Pass 2: rows. The seeds of a combination are consecutive points, so
     * the summary needs one combination's rows at a time. */
    double *acc = vs_xcalloc((size_t)sp->nseeds * (size_t)ncols, sizeof(double));
    double *xs = vs_xcalloc((size_t)sp->nseeds, sizeof(double));
    int k = 0;
    for (int64_t p = 0; p < sp->npoints; p++) {
        if (sweep_load_point(sp, dir, p, &res, why, sizeof why) > 0) {
            int vidx[SWEEP_MAX_AXES], sidx;
            sweep_decode(sp, p, vidx, &sidx);
            fprintf(rf.f, "%lld,", (long long)p);
            sweep_csv_axes(rf.f, sp, p);
            fprintf(rf.f, "%s%lld", sp->naxes ? "," : "", (long long)sp->seeds[sidx]);
            double *row = acc + (size_t)k * ncols;
            for (int c = 0; c < ncols; c++) {
                row[c] = sweep_col_value(&cols[c], res);
                fputc(',', rf.f);
                sweep_csv_num(rf.f, row[c]);
            }
            fputc('\n', rf.f);
            k++;
            (*found)++;
            json_decref(res);
        }
        if ((p + 1) % sp->nseeds == 0 && k > 0) {
            sweep_summary_row(sf.f, sp, p / sp->nseeds, acc, k, ncols, nsum, xs);
            k = 0;
        }
    }
    free(acc);
    free(xs);
    sweep_columns_free(cols, ncols);
    if (fsu_commit(&rf, err)) {
        fsu_abort(&sf);
        return -1;
    }
    return fsu_commit(&sf, err);
}

/* --- the output directory ------------------------------------------------------ */

/* sweep.json: what the sweep is. New reference. */
static json_t *sweep_describe(const sweep_spec *sp, json_t *base, const char *file)
{
    json_t *scn = json_deep_copy(base), *axes = json_array(), *seeds = json_array();
    json_object_del(scn, "sweep");
    for (int a = 0; a < sp->naxes; a++) {
        const sweep_axis *ax = &sp->axes[a];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(ax->name));
        if (ax->path)
            json_object_set_new(o, "path", json_string(ax->path));
        json_object_set_new(o, "values", json_deep_copy(ax->values));
        if (ax->set)
            json_object_set_new(o, "set", json_deep_copy(ax->set));
        json_array_append_new(axes, o);
    }
    for (int s = 0; s < sp->nseeds; s++)
        json_array_append_new(seeds, json_integer((json_int_t)sp->seeds[s]));
    return json_pack("{s:s,s:s,s:I,s:o,s:o,s:o}", "vmsim_version", VMSIM_VERSION, "scenario_file",
                     file, "points", (json_int_t)sp->npoints, "axes", axes, "seeds", seeds,
                     "scenario", scn);
}

/* Finds the first place where a and b differ; writes its JSON path to path
 * (which holds the path so far) and returns 1, or returns 0 when equal. */
static int sweep_json_diff(json_t *a, json_t *b, char *path, size_t n)
{
    size_t l = strlen(path);
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            snprintf(path + l, n - l, "%s%s", l ? "." : "", k);
            if (sweep_json_diff(v, json_object_get(b, k), path, n))
                return 1;
        }
        json_object_foreach(b, k, v) {
            snprintf(path + l, n - l, "%s%s", l ? "." : "", k);
            if (!json_object_get(a, k))
                return 1;
        }
        path[l] = 0;
        return 0;
    }
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(path + l, n - l, "[%zu]", i);
            if (sweep_json_diff(json_array_get(a, i), json_array_get(b, i), path, n))
                return 1;
        }
        path[l] = 0;
        return 0;
    }
    return !json_equal(a, b);
}

/* A short text of a JSON value for messages, in buf. Returns buf. */
static const char *sweep_brief(const json_t *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "absent");
        return buf;
    }
    char *t = json_is_real(v) ? sweep_label(v) : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, n, "%.60s%s", t ? t : "?", t && strlen(t) > 60 ? "..." : "");
    free(t);
    return buf;
}

/* Counts the entries of a directory (0 when it does not exist), and in
 * *mine the point files NNNNNN.json of points of this run (o's shard). */
static int64_t sweep_count_entries(const char *dir, const sweep_spec *sp, const sweep_opts *o,
                                   int64_t *mine)
{
    DIR *d = opendir(dir);
    *mine = 0;
    if (!d)
        return 0;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        char *end;
        long long p = strtoll(e->d_name, &end, 10);
        if (end != e->d_name && !strcmp(end, ".json") && p >= 0 && p < sp->npoints &&
            SWEEP_IN_SHARD(o, p))
            (*mine)++;
    }
    closedir(d);
    return n;
}

/* Compares the sweep descriptions was (from the file `wasf`) and now (from
 * `where`) on the keys that define a sweep: axes, seeds, scenario. Returns
 * 0 when equal, else -1 with err (code 2) naming the first difference;
 * `hint` ends the message. Without wasf the message reads "WHERE describes
 * a different sweep: PATH was A, now B" (resuming). */
static int sweep_same_sweep(json_t *was, json_t *now, const char *wasf, const char *where,
                            const char *hint, vs_err *err)
{
    static const char *const keys[] = {"axes", "seeds", "scenario"};
    for (int i = 0; i < 3; i++) {
        char path[1024], b1[80], b2[80];
        snprintf(path, sizeof path, "%s", keys[i]);
        if (!sweep_json_diff(json_object_get(was, keys[i]), json_object_get(now, keys[i]), path,
                             sizeof path))
            continue;
        sweep_brief(sc_get_path(was, path), b1, sizeof b1);
        sweep_brief(sc_get_path(now, path), b2, sizeof b2);
        if (wasf)
            return err_input(err, "%s and %s describe different sweeps: %s is %s in the first, "
                                  "%s in the second; %s",
                             wasf, where, path, b1, b2, hint);
        return err_input(err, "%s describes a different sweep: %s was %s, now %s; %s", where,
                         path, b1, b2, hint);
    }
    return 0;
}

/* Puts the written temporary tmp at path unless path exists: link() fails
 * on an existing name atomically, also between hosts of a shared
 * filesystem, so of several shards starting at once one creates sweep.json
 * and the others compare theirs with it. Returns 1 when path existed
 * (tmp removed), 0 when tmp is now path, -1 with err. */
static int sweep_create_once(const char *tmp, const char *path, vs_err *err)
{
    if (link(tmp, path) == 0) {
        remove(tmp);
        return 0;
    }
    int e = errno;
    if (e == EEXIST) {
        remove(tmp);
        return 1;
    }
    /* a filesystem without hard links: an atomic replace is the next best */
    if (rename(tmp, path) == 0)
        return 0;
    e = errno;
    remove(tmp);
    return err_internal(err, "%s: cannot create: %s", path, strerror(e));
}

/* Writes dir/sweep.json from desc unless it exists; when it exists (or
 * appears meanwhile), checks it describes the same sweep. Returns 0 or -1
 * with err. */
static int sweep_write_desc(const char *sj, json_t *desc, const char *hint, vs_err *err)
{
    struct stat st;
    if (stat(sj, &st) != 0) {
        char *text = json_dumps(desc, JSON_INDENT(2));
        if (!text)
            return err_internal(err, "out of memory writing %s", sj);
        fsu_file f;
        if (sweep_open_tmp(&f, sj, err)) {
            free(text);
            return -1;
        }
        fputs(text, f.f);
        fputc('\n', f.f);
        free(text);
        /* fsu_commit renames; here the temporary must be linked instead, so
         * commit it under its own name first */
        char tmp[sizeof f.tmp];
        snprintf(tmp, sizeof tmp, "%s", f.tmp);
        snprintf(f.path, sizeof f.path, "%s", tmp);
        if (fsu_commit(&f, err))
            return -1;
        int r = sweep_create_once(tmp, sj, err);
        if (r <= 0)
            return r;
    }
    json_error_t je;
    json_t *old = json_load_file(sj, 0, &je);
    if (!old)
        return err_input(err, "%s: cannot read it: %s", sj, je.text);
    int rc = sweep_same_sweep(old, desc, NULL, sj, hint, err);
    const char *ver = json_string_value(json_object_get(old, "vmsim_version"));
    if (!rc && (!ver || strcmp(ver, VMSIM_VERSION)))
        sweep_warn("%s was written by vmsim %s, this is %s; the model may differ between "
                   "versions",
                   sj, ver ? ver : "?", VMSIM_VERSION);
    json_decref(old);
    return rc;
}

/* Checks dir against the sweep, writes sweep.json, and (with --resume)
 * marks the points of this run already finished in done[]. A shard
 * accepts a directory where other shards work (the same sweep.json, their
 * point files) and leaves their files alone. */
static int sweep_prepare(const sweep_spec *sp, json_t *base, const char *file, const sweep_opts *o,
                         uint8_t *done, int64_t *ndone, vs_err *err)
{
    char sj[SWEEP_PATH_MAX], pdir[SWEEP_PATH_MAX], why[SWEEP_PATH_MAX + 200];
    struct stat st;
    int shard = o->shard_n > 0;
    *ndone = 0;
    snprintf(sj, sizeof sj, "%s/sweep.json", o->dir);
    snprintf(pdir, sizeof pdir, "%s/points", o->dir);
    int have_sj = stat(sj, &st) == 0;
    int64_t mine, nfiles = sweep_count_entries(pdir, sp, o, &mine);
    if (!o->resume && !shard && (have_sj || nfiles > 0))
        return err_input(err, "%s already holds a sweep (%s%lld point files); use --resume to "
                              "continue it, or another -o",
                         o->dir, have_sj ? "sweep.json, " : "", (long long)nfiles);
    if (!o->resume && shard && mine > 0)
        return err_input(err, "%s already holds %lld point files of shard %d/%d; use --resume to "
                              "continue it, or another -o",
                         o->dir, (long long)mine, o->shard_i, o->shard_n);
    if (!have_sj && nfiles > 0)
        return err_input(err, "%s: point files but no sweep.json, so they cannot be matched to "
                              "this sweep; move them away or use another -o",
                         o->dir);
    json_t *desc = sweep_describe(sp, base, file);
    int rc = sweep_write_desc(sj, desc,
                              "resume with the same scenario, --set options and sweep section, "
                              "or use another -o",
                              err);
    json_decref(desc);
    if (rc || fsu_mkdirs(pdir, err))
        return -1;
    if (!o->resume)
        return 0;
    DIR *d = opendir(pdir);
    if (!d)
        return err_internal(err, "%s: cannot list: %s", pdir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long long p = strtoll(e->d_name, &end, 10);
        int numbered = end != e->d_name && p >= 0 && p < sp->npoints;
        if (strstr(e->d_name, ".tmp.")) {
            /* a point interrupted while being written; in a shared
             * directory only this shard's (another may be writing its own) */
            if (!shard || (numbered && SWEEP_IN_SHARD(o, p))) {
                char tp[SWEEP_PATH_MAX + 300];
                snprintf(tp, sizeof tp, "%s/%s", pdir, e->d_name);
                remove(tp);
            }
            continue;
        }
        if (!numbered || strcmp(end, ".json") || !SWEEP_IN_SHARD(o, p))
            continue;
        json_t *res;
        int r = sweep_load_point(sp, o->dir, p, &res, why, sizeof why);
        if (r < 0)
            sweep_warn("%s; the point will run again", why);
        if (r > 0 && !SWEEP_DONE(done, p)) {
            done[p / 8] |= (uint8_t)(1u << (p % 8));
            (*ndone)++;
        }
        json_decref(res);
    }
    closedir(d);
    return 0;
}

/* --- the worker pool ----------------------------------------------------------- */

/* What the workers need (a copy lives in each after fork). */
typedef struct sweep_ctx {
    const sweep_spec *sp; /* the sweep */
    json_t *base;         /* the scenario after --set */
    const char *file;     /* the scenario file */
    const sweep_opts *o;  /* options */
    pid_t parent;         /* the parent's pid, to notice its death */
    const int *lock_fds;  /* the directory locks (-1: none), held by the parent only */
    int nlocks;           /* number of lock_fds */
} sweep_ctx;

/* One worker process as the parent sees it. */
typedef struct sweep_worker {
    pid_t pid;      /* 0 once reaped */
    int task_fd;    /* parent -> worker: "P\n" per point; -1 once closed */
    int res_fd;     /* worker -> parent: result lines; -1 at EOF */
    int64_t point;  /* point in flight, -1 when idle */
    int killed;     /* 1 when the parent sent SIGKILL */
    char buf[2048]; /* partial result line */
    size_t len;     /* bytes in buf */
} sweep_worker;

static int sweep_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

int sweep_point_text(const sweep_spec *sp, json_t *base, const char *file, const char *run_cmd,
                     int64_t p, char **text, double *wall, vs_err *err)
{
    *text = NULL;
    const char *crash = getenv("VMSIM_SWEEP_TEST_CRASH"); /* fault injection for the tests */
    if (crash && *crash && strtoll(crash, NULL, 10) == p)
        abort();
    json_t *doc = sweep_point_doc(sp, base, file, p, err);
    if (!doc)
        return -1;
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s", run_cmd ? run_cmd : "vmsim run");
    sweep_point_sets(sp, p, cmd, sizeof cmd);
    runner_opts ro = {.command_line = cmd};
    json_t *res;
    int bad = runner_run_doc(doc, file, &ro, &res, err);
    json_decref(doc);
    if (bad)
        return -1;
    json_object_set_new(res, "sweep_point", sweep_point_id(sp, p));
    *wall = sweep_num(sc_get_path(res, "wall.seconds"));
    char *t = json_dumps(res, JSON_INDENT(2));
    json_decref(res);
    if (!t)
        return err_internal(err, "out of memory writing point %lld", (long long)p);
    size_t l = strlen(t);
    *text = vs_xmalloc(l + 2);
    memcpy(*text, t, l);
    memcpy(*text + l, "\n", 2);
    free(t);
    return 0;
}

int sweep_write_point(const char *dir, int64_t p, const char *text, vs_err *err)
{
    char path[SWEEP_PATH_MAX];
    sweep_point_path(dir, p, path, sizeof path);
    return sweep_write_file(path, text, err);
}

/* Runs point p in this process and writes its file. */
static int sweep_run_point(const sweep_ctx *c, int64_t p, double *wall, vs_err *err)
{
    char *text;
    if (sweep_point_text(c->sp, c->base, c->file, c->o->run_cmd, p, &text, wall, err))
        return -1;
    int bad = sweep_write_point(c->o->dir, p, text, err);
    free(text);
    return bad;
}

/* The worker: reads point numbers until EOF, runs each, answers with
 * "ok P WALL" or "err P CODE MESSAGE". Never returns. */
static void sweep_worker_main(const sweep_ctx *c, int tfd, int rfd)
{
    sigset_t none;
    sigemptyset(&none);
    signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole group; the parent decides */
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a parent killed with SIGKILL takes its workers along */
#endif
    if (getppid() != c->parent)
        _exit(1);
    char buf[256];
    size_t len = 0;
    for (;;) {
        char *nl = memchr(buf, '\n', len);
        if (!nl) {
            if (len == sizeof buf)
                _exit(1);
            ssize_t r = read(tfd, buf + len, sizeof buf - len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                _exit(0);
            len += (size_t)r;
            continue;
        }
        *nl = 0;
        int64_t p = strtoll(buf, NULL, 10);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, buf + used, len - used);
        len -= used;
        vs_err err = {0};
        double wall = 0;
        char line[1200];
        if (sweep_run_point(c, p, &wall, &err) == 0) {
            snprintf(line, sizeof line, "ok %lld %.6f\n", (long long)p, wall);
        } else {
            for (char *q = err.msg; *q; q++)
                if (*q == '\n')
                    *q = ' ';
            snprintf(line, sizeof line, "err %lld %d %s\n", (long long)p, err.code ? err.code : 1,
                     err.msg);
        }
        if (sweep_write_all(rfd, line, strlen(line)))
            _exit(1);
    }
}

static volatile sig_atomic_t sweep_sig_int, sweep_sig_term;

static void sweep_on_signal(int s)
{
    if (s == SIGINT)
        sweep_sig_int++;
    else
        sweep_sig_term++;
}

static void sweep_fmt_eta(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e8)
        snprintf(buf, n, "?");
    else if (s < 100)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 6000)
        snprintf(buf, n, "%.0f min %02.0f s", floor(s / 60), fmod(s, 60));
    else
        snprintf(buf, n, "%.0f h %02.0f min", floor(s / 3600), floor(fmod(s, 3600) / 60));
}

void sweep_progress_clear(sweep_progress *pr)
{
    if (pr->drawn) {
        fputs("\r\033[K", stderr);
        pr->drawn = 0;
    }
}

void sweep_progress_show(sweep_progress *pr, int64_t done, int force)
{
    double now = sweep_now();
    if (!pr->show || (!force && now - pr->last < (pr->tty ? 0.2 : 5.0)))
        return;
    if (!pr->tty && !force && now - pr->t0 < 5.0)
        return;
    pr->last = now;
    int64_t ran = done - pr->before, left = pr->total - done;
    char eta[64];
    sweep_fmt_eta(eta, sizeof eta, ran > 0 ? (now - pr->t0) / (double)ran * (double)left : -1);
    if (pr->tty) {
        char bar[31];
        int fill = pr->total ? (int)(30 * done / pr->total) : 30;
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r\033[Ksweep [%s] %lld/%lld %3.0f%%  eta %s", bar, (long long)done,
                (long long)pr->total, pr->total ? 100.0 * (double)done / (double)pr->total : 100.0,
                left ? eta : "0 s");
        pr->drawn = 1;
    } else {
        fprintf(stderr, "sweep: %lld/%lld done, eta %s\n", (long long)done, (long long)pr->total,
                left ? eta : "0 s");
    }
    fflush(stderr);
}

void sweep_progress_start(sweep_progress *pr, const sweep_opts *o, int64_t total, int64_t before,
                          int workers, const char *what)
{
    *pr = (sweep_progress){.show = !o->quiet, .tty = isatty(2), .t0 = sweep_now(),
                           .total = total, .before = before};
    if (!pr->show)
        return;
    char shard[64] = "";
    if (o->shard_n > 0)
        snprintf(shard, sizeof shard, " (shard %d/%d)", o->shard_i, o->shard_n);
    if (before)
        fprintf(stderr, "sweep: %lld points%s, %lld already done, %lld to run on %d %s%s\n",
                (long long)total, shard, (long long)before, (long long)(total - before), workers,
                what, workers == 1 ? "" : "s");
    else
        fprintf(stderr, "sweep: %lld points%s to run on %d %s%s\n", (long long)total, shard,
                workers, what, workers == 1 ? "" : "s");
}

void sweep_progress_end(sweep_progress *pr, int64_t done)
{
    if (pr->show && done > pr->before) {
        sweep_progress_show(pr, done, 1);
        if (pr->tty) {
            fputc('\n', stderr);
            pr->drawn = 0;
        }
    }
}

/* --- the queue of points --------------------------------------------------------- */

void sweep_queue_init(sweep_queue *q, const sweep_spec *sp, const sweep_opts *o,
                      const uint8_t *done)
{
    *q = (sweep_queue){.sp = sp, .done = done, .shard_i = o->shard_i, .shard_n = o->shard_n};
    q->order = vs_xcalloc((size_t)sp->ncombos, sizeof(uint32_t));
    sweep_order(sp, q->order);
}

int64_t sweep_queue_next(sweep_queue *q)
{
    const sweep_spec *sp = q->sp;
    while (q->oi < sp->ncombos) {
        int64_t p = (int64_t)q->order[q->oi] * sp->nseeds + q->si;
        if (++q->si == sp->nseeds) {
            q->si = 0;
            q->oi++;
        }
        if (!SWEEP_DONE(q->done, p) && SWEEP_IN_SHARD(q, p))
            return p;
    }
    return -1;
}

void sweep_queue_free(sweep_queue *q)
{
    free(q->order);
    q->order = NULL;
}

void sweep_point_failure(const sweep_spec *sp, int64_t p, const char *msg, char *buf, size_t n)
{
    char desc[1024];
    sweep_point_desc(sp, p, desc, sizeof desc);
    snprintf(buf, n, "point %lld (%s): %s", (long long)p, desc, msg);
}

/* --- the worker pool, continued ---------------------------------------------------- */

/* Pool state shared by the helpers below. */
typedef struct sweep_pool {
    const sweep_ctx *c;   /* what the workers run */
    sweep_worker *w;      /* workers */
    int nw;               /* workers started */
    int alive;            /* workers not yet reaped */
    uint8_t *done;        /* bitmap of finished points */
    int64_t ndone;        /* finished points */
    sweep_queue q;        /* the points to hand out */
    int stopping;         /* 0 running, 1 no new points, 2 workers killed */
    int interrupted;      /* stopped by a signal */
    int failed;           /* a point failed: err holds the first failure */
    vs_err *err;          /* where the first failure goes */
    sweep_progress pr;    /* display */
} sweep_pool;

/* Records the first failure of the sweep; the others are only printed. */
static void sweep_fail(sweep_pool *pl, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sweep_fail(sweep_pool *pl, int code, const char *fmt, ...)
{
    char msg[sizeof pl->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pl->stopping < 1)
        pl->stopping = 1;
    if (pl->failed) {
        sweep_progress_clear(&pl->pr);
        fprintf(stderr, "vmsim sweep: also: %s\n", msg);
        return;
    }
    pl->failed = 1;
    pl->err->code = code;
    snprintf(pl->err->msg, sizeof pl->err->msg, "%s", msg);
}

/* Handles one result line from worker w. */
static void sweep_result_line(sweep_pool *pl, sweep_worker *w, char *line)
{
    const sweep_spec *sp = pl->c->sp;
    char *end;
    int is_ok = !strncmp(line, "ok ", 3), is_err = !strncmp(line, "err ", 4);
    long long p = strtoll(line + (is_ok ? 3 : 4), &end, 10);
    if ((!is_ok && !is_err) || p != w->point) {
        sweep_fail(pl, VS_EXIT_INTERNAL, "a worker sent an unexpected line: %.80s", line);
        return;
    }
    w->point = -1;
    if (is_ok) {
        if (!(pl->done[p / 8] & (1u << (p % 8)))) {
            pl->done[p / 8] |= (uint8_t)(1u << (p % 8));
            pl->ndone++;
        }
        return;
    }
    int code = (int)strtol(end, &end, 10);
    char msg[sizeof pl->err->msg];
    sweep_point_failure(sp, p, *end ? end + 1 : "failed", msg, sizeof msg);
    sweep_fail(pl, code == VS_EXIT_INPUT ? VS_EXIT_INPUT : VS_EXIT_INTERNAL, "%s", msg);
}

/* Worker w's result pipe reached EOF: reap it and judge how it ended. */
static void sweep_reap(sweep_pool *pl, sweep_worker *w)
{
    int st = 0;
    close(w->res_fd);
    w->res_fd = -1;
    if (w->task_fd >= 0) {
        close(w->task_fd);
        w->task_fd = -1;
    }
    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
    pl->alive--;
    if (w->killed || (WIFEXITED(st) && WEXITSTATUS(st) == 0 && w->point < 0))
        return;
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) { /* signalled from outside */
        pl->interrupted = 1;
        if (pl->stopping < 1)
            pl->stopping = 1;
        return;
    }
    char how[128];
    if (sig)
        snprintf(how, sizeof how, "killed by signal %d, %s", sig, strsignal(sig));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
    if (w->point < 0) {
        sweep_fail(pl, VS_EXIT_INTERNAL, "a worker process failed between points (%s)", how);
        return;
    }
    char desc[1024], cmd[4096];
    sweep_point_desc(pl->c->sp, w->point, desc, sizeof desc);
    snprintf(cmd, sizeof cmd, "%s", pl->c->o->run_cmd ? pl->c->o->run_cmd : "vmsim run");
    sweep_point_sets(pl->c->sp, w->point, cmd, sizeof cmd);
    sweep_fail(pl, VS_EXIT_INTERNAL,
               "point %lld (%s) crashed its worker (%s); run it alone with: %s",
               (long long)w->point, desc, how, cmd);
    w->point = -1;
}

/* Reads what worker w sent; handles whole lines, reaps it at EOF. */
static void sweep_read_worker(sweep_pool *pl, sweep_worker *w)
{
    ssize_t r = read(w->res_fd, w->buf + w->len, sizeof w->buf - 1 - w->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        sweep_reap(pl, w);
        return;
    }
    w->len += (size_t)r;
    char *nl;
    while ((nl = memchr(w->buf, '\n', w->len))) {
        *nl = 0;
        sweep_result_line(pl, w, w->buf);
        size_t used = (size_t)(nl - w->buf) + 1;
        memmove(w->buf, w->buf + used, w->len - used);
        w->len -= used;
    }
    if (w->len == sizeof w->buf - 1) { /* no line end in a full buffer: drop it */
        w->len = 0;
        sweep_fail(pl, VS_EXIT_INTERNAL, "a worker sent an overlong line");
    }
}

/* Starts nw workers. Returns the number started (0 with err filled). */
static int sweep_start_workers(sweep_pool *pl, int nw)
{
    pl->w = vs_xcalloc((size_t)nw, sizeof(sweep_worker));
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < nw; i++) {
        int tp[2], rp[2];
        if (pipe(tp) != 0) {
            sweep_warn("cannot create a pipe: %s", strerror(errno));
            break;
        }
        if (pipe(rp) != 0) {
            sweep_warn("cannot create a pipe: %s", strerror(errno));
            close(tp[0]);
            close(tp[1]);
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            sweep_warn("cannot start worker %d: %s", i + 1, strerror(errno));
            close(tp[0]);
            close(tp[1]);
            close(rp[0]);
            close(rp[1]);
            break;
        }
        if (pid == 0) {
            /* the other workers' pipes: their EOF must not wait for us */
            for (int k = 0; k < i; k++) {
                if (pl->w[k].task_fd >= 0)
                    close(pl->w[k].task_fd);
                if (pl->w[k].res_fd >= 0)
                    close(pl->w[k].res_fd);
            }
            close(tp[1]);
            close(rp[0]);
            for (int k = 0; k < pl->c->nlocks; k++) /* the locks die with the parent only */
                if (pl->c->lock_fds[k] >= 0)
                    close(pl->c->lock_fds[k]);
            sweep_worker_main(pl->c, tp[0], rp[1]);
        }
        close(tp[0]);
        close(rp[1]);
        fcntl(tp[1], F_SETFD, FD_CLOEXEC);
        fcntl(rp[0], F_SETFD, FD_CLOEXEC);
        pl->w[i] = (sweep_worker){.pid = pid, .task_fd = tp[1], .res_fd = rp[0], .point = -1};
        pl->nw++;
        pl->alive++;
    }
    if (pl->nw == 0)
        err_internal(pl->err, "could not start any worker process");
    return pl->nw;
}

/* Hands points to idle workers; closes the task pipe of those with nothing
 * left to do, which ends them. */
static void sweep_dispatch(sweep_pool *pl)
{
    for (int i = 0; i < pl->nw; i++) {
        sweep_worker *w = &pl->w[i];
        if (!w->pid || w->point >= 0 || w->task_fd < 0)
            continue;
        int64_t p = pl->stopping ? -1 : sweep_queue_next(&pl->q);
        if (p < 0) {
            close(w->task_fd);
            w->task_fd = -1;
            continue;
        }
        char line[32];
        snprintf(line, sizeof line, "%lld\n", (long long)p);
        w->point = p;
        if (sweep_write_all(w->task_fd, line, strlen(line))) { /* it died: its EOF tells how */
            close(w->task_fd);
            w->task_fd = -1;
        }
    }
}

/* Runs the points of this run (total of them) not marked in done[] with
 * o->jobs workers. */
static int sweep_pool_run(const sweep_ctx *c, uint8_t *done, int64_t ndone, int64_t total,
                          sweep_outcome *out, vs_err *err)
{
    int64_t todo = total - ndone;
    sweep_pool pl = {.c = c, .done = done, .ndone = ndone, .err = err};
    if (todo == 0)
        return 0;
    int nw = c->o->jobs < todo ? c->o->jobs : (int)todo;
    sweep_queue_init(&pl.q, c->sp, c->o, done);

    /* SIGINT and SIGTERM are blocked except inside ppoll, so a signal
     * never slips in between the flag test and the wait. */
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &orig);
    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = sweep_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    sweep_sig_int = sweep_sig_term = 0;

    sweep_progress_start(&pl.pr, c->o, total, ndone, nw, "worker");
    if (sweep_start_workers(&pl, nw) > 0) {
        out->jobs = pl.nw;
        struct pollfd *pfd = vs_xcalloc((size_t)pl.nw, sizeof *pfd);
        int *who = vs_xcalloc((size_t)pl.nw, sizeof(int));
        while (pl.alive > 0) {
            sweep_dispatch(&pl);
            int n = 0;
            for (int i = 0; i < pl.nw; i++)
                if (pl.w[i].res_fd >= 0) {
                    pfd[n] = (struct pollfd){.fd = pl.w[i].res_fd, .events = POLLIN};
                    who[n++] = i;
                }
            struct timespec ts = {0, 200000000};
            int r = n ? ppoll(pfd, (nfds_t)n, &ts, &orig) : 0;
            if ((sweep_sig_term || sweep_sig_int >= 2) && pl.stopping < 2) {
                pl.stopping = 2;
                pl.interrupted = 1;
                for (int i = 0; i < pl.nw; i++)
                    if (pl.w[i].pid) {
                        kill(pl.w[i].pid, SIGKILL);
                        pl.w[i].killed = 1;
                    }
            } else if (sweep_sig_int == 1 && !pl.interrupted) {
                pl.interrupted = 1;
                if (pl.stopping < 1)
                    pl.stopping = 1;
                int busy = 0;
                for (int i = 0; i < pl.nw; i++)
                    busy += pl.w[i].point >= 0;
                sweep_progress_clear(&pl.pr);
                if (busy)
                    fprintf(stderr, "vmsim sweep: interrupted; waiting for %d running point%s "
                                    "(Ctrl-C again to stop them now)\n",
                            busy, busy == 1 ? "" : "s");
            }
            for (int k = 0; r > 0 && k < n; k++)
                if (pfd[k].revents)
                    sweep_read_worker(&pl, &pl.w[who[k]]);
            sweep_progress_show(&pl.pr, pl.ndone, 0);
        }
        free(pfd);
        free(who);
    }
    sweep_progress_end(&pl.pr, pl.ndone);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    free(pl.w);
    sweep_queue_free(&pl.q);
    out->ran = pl.ndone - ndone;
    out->interrupted = pl.interrupted;
    return pl.failed || pl.nw == 0 ? -1 : 0;
}

/* --- sweep_run ------------------------------------------------------------------- */

/* Takes lock `how` (LOCK_EX or LOCK_SH) on path, creating it. A lock held
 * by someone else is an error whose message says `busy`; a filesystem
 * without locks (ENOLCK, ENOSYS, EOPNOTSUPP: e.g. Lustre mounted without
 * -o flock) only a warning. *fd is the descriptor, or -1. */
static int sweep_lock_file(const char *path, int how, const char *busy, int *fd, vs_err *err)
{
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (*fd < 0)
        return err_internal(err, "%s: cannot create: %s", path, strerror(errno));
    if (flock(*fd, how | LOCK_NB) == 0)
        return 0;
    int e = errno;
    if (e == EWOULDBLOCK || e == EAGAIN || e == EINTR) {
        close(*fd);
        *fd = -1;
        return err_input(err, "%s", busy);
    }
    sweep_warn("%s: cannot lock it (%s); make sure no other vmsim sweep uses the directory at the "
               "same time",
               path, strerror(e));
    return 0;
}

/* Locks dir for one run. A whole sweep (or a merge) takes DIR/.lock
 * exclusively. Shard I/N takes DIR/.lock shared and DIR/.lock.shard-I-of-N
 * exclusively: the shards of a sweep share a directory, but not with a
 * whole sweep, nor with a second copy of themselves. fds[0..1] get the
 * descriptors (-1: none). Returns 0 or -1 with err. */
static int sweep_lock_dir(const char *dir, int shard_i, int shard_n, int fds[2], vs_err *err)
{
    char lp[SWEEP_PATH_MAX], busy[SWEEP_PATH_MAX + 100];
    fds[0] = fds[1] = -1;
    snprintf(lp, sizeof lp, "%s/.lock", dir);
    snprintf(busy, sizeof busy, "%s: another vmsim sweep is running in this directory", dir);
    if (sweep_lock_file(lp, shard_n > 0 ? LOCK_SH : LOCK_EX, busy, &fds[0], err))
        return -1;
    if (shard_n == 0)
        return 0;
    snprintf(lp, sizeof lp, "%s/.lock.shard-%d-of-%d", dir, shard_i, shard_n);
    snprintf(busy, sizeof busy, "%s: shard %d/%d is already running in this directory", dir,
             shard_i, shard_n);
    if (sweep_lock_file(lp, LOCK_EX, busy, &fds[1], err)) {
        if (fds[0] >= 0)
            close(fds[0]);
        fds[0] = -1;
        return -1;
    }
    return 0;
}

static void sweep_unlock_dir(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* The number of points of shard I/N (all points without a shard). */
static int64_t sweep_shard_points(const sweep_spec *sp, const sweep_opts *o)
{
    if (o->shard_n <= 1)
        return sp->npoints;
    int64_t first = o->shard_i - 1;
    return sp->npoints > first ? (sp->npoints - first - 1) / o->shard_n + 1 : 0;
}

int sweep_run(const sweep_spec *sp, json_t *base, const char *file, const sweep_opts *o,
              sweep_outcome *out, vs_err *err)
{
    memset(out, 0, sizeof *out);
    int64_t total = sweep_shard_points(sp, o);
    out->npoints = total;
    double t0 = sweep_now();
    if (o->shard_n > 0 && (o->shard_i < 1 || o->shard_i > o->shard_n))
        return err_input(err, "shard %d/%d: expected 1 <= I <= N", o->shard_i, o->shard_n);
    if (fsu_mkdirs(o->dir, err))
        return -1;
    /* One sweep per directory at a time (a second one would race on the
     * point files and delete the first one's temporaries); shards each
     * lock their own part. */
    int locks[2];
    if (sweep_lock_dir(o->dir, o->shard_i, o->shard_n, locks, err))
        return -1;
    uint8_t *done = vs_xcalloc((size_t)(sp->npoints + 7) / 8, 1);
    int64_t ndone = 0, found = 0;
    int rc = sweep_prepare(sp, base, file, o, done, &ndone, err);
    if (rc == 0) {
        out->skipped = ndone;
        sweep_ctx c = {.sp = sp, .base = base, .file = file, .o = o, .parent = getpid(),
                       .lock_fds = locks, .nlocks = 2};
#ifdef VMSIM_MPI
        if (o->mpi) {
            sweep_queue q;
            sweep_queue_init(&q, sp, o, done);
            int64_t n = ndone;
            rc = sweep_mpi_master(sp, o, &q, done, &n, total, out, err);
            sweep_queue_free(&q);
        } else
#endif
            rc = sweep_pool_run(&c, done, ndone, total, out, err);
        vs_err e2 = {0};
        if (sweep_collect(sp, o->dir, &found, rc ? &e2 : err)) {
            if (rc)
                fprintf(stderr, "vmsim sweep: also: %s\n", e2.msg);
            rc = -1;
        }
        out->present = found;
        char path[SWEEP_PATH_MAX];
        struct stat st;
        for (int64_t p = o->shard_n > 1 ? o->shard_i - 1 : 0; p < sp->npoints;
             p += o->shard_n > 1 ? o->shard_n : 1) {
            sweep_point_path(o->dir, p, path, sizeof path);
            out->missing += stat(path, &st) != 0;
        }
    } else {
        out->missing = total;
    }
    free(done);
    sweep_unlock_dir(locks);
    out->wall_s = sweep_now() - t0;
    return rc;
}

/* --- merging directories ------------------------------------------------------------ */

/* Puts a copy of file src at dst atomically: a hard link when the
 * filesystem allows it, else a byte copy. Returns 0 or -1 with err. */
static int sweep_link_or_copy(const char *src, const char *dst, vs_err *err)
{
    fsu_file f;
    if (sweep_open_tmp(&f, dst, err)) /* reserves the temporary's name */
        return -1;
    fclose(f.f);
    f.f = NULL;
    remove(f.tmp);
    if (link(src, f.tmp) == 0) {
        if (rename(f.tmp, dst) == 0)
            return 0;
        int e = errno;
        remove(f.tmp);
        return err_internal(err, "%s: cannot rename into place: %s", dst, strerror(e));
    }
    FILE *in = fopen(src, "rb");
    if (!in)
        return err_internal(err, "%s: cannot read: %s", src, strerror(errno));
    if (sweep_open_tmp(&f, dst, err)) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, r, f.f) != r)
            break;
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        fsu_abort(&f);
        return err_internal(err, "%s: read failed", src);
    }
    return fsu_commit(&f, err);
}

/* Loads dir/sweep.json. New reference, or NULL with err (code 2). */
static json_t *sweep_load_desc(const char *dir, vs_err *err)
{
    char sj[SWEEP_PATH_MAX];
    struct stat st;
    snprintf(sj, sizeof sj, "%s/sweep.json", dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_input(err, "%s: not a directory", dir), NULL;
    if (stat(sj, &st) != 0)
        return err_input(err, "%s: no sweep.json, so not a sweep directory (vmsim sweep -o DIR "
                              "writes one)",
                         dir),
               NULL;
    json_error_t je;
    json_t *d = json_load_file(sj, 0, &je);
    if (!d)
        return err_input(err, "%s: unreadable: %s", sj, je.text), NULL;
    if (!json_is_object(d) || !json_is_object(json_object_get(d, "scenario")) ||
        !json_is_array(json_object_get(d, "axes")) || !json_is_array(json_object_get(d, "seeds")) ||
        !json_is_integer(json_object_get(d, "points"))) {
        json_decref(d);
        return err_input(err, "%s: not a sweep description (expected \"scenario\", \"axes\", "
                              "\"seeds\" and \"points\")",
                         sj),
               NULL;
    }
    return d;
}

/* Rebuilds the sweep_spec a sweep.json describes. Returns 0 or -1. */
static int sweep_spec_of_desc(json_t *desc, const char *where, sweep_spec *sp, vs_err *err)
{
    json_t *doc = json_deep_copy(json_object_get(desc, "scenario"));
    json_object_set_new(doc, "sweep",
                        json_pack("{s:O,s:O,s:I}", "axes", json_object_get(desc, "axes"), "seeds",
                                  json_object_get(desc, "seeds"), "max_points",
                                  (json_int_t)SWEEP_CAP_POINTS));
    int rc = sweep_parse(doc, where, sp, err);
    json_decref(doc);
    if (rc)
        return -1;
    json_int_t np = json_integer_value(json_object_get(desc, "points"));
    if (np != sp->npoints) {
        sweep_free(sp);
        return err_input(err, "%s: \"points\" is %lld, but its axes and seeds give %lld", where,
                         (long long)np, (long long)sp->npoints);
    }
    return 0;
}

int sweep_merge(const char *out, const char *const *dirs, int ndirs, sweep_merge_outcome *mo,
                vs_err *err)
{
    memset(mo, 0, sizeof *mo);
    char sj0[SWEEP_PATH_MAX], sj[SWEEP_PATH_MAX], why[SWEEP_PATH_MAX + 200];
    json_t **descs = vs_xcalloc((size_t)ndirs, sizeof(json_t *));
    int *same = vs_xcalloc((size_t)ndirs, sizeof(int));
    sweep_spec sp = {0};
    int locks[2] = {-1, -1}, rc = -1;
    snprintf(sj0, sizeof sj0, "%s/sweep.json", dirs[0]);
    for (int i = 0; i < ndirs; i++) {
        if (!(descs[i] = sweep_load_desc(dirs[i], err)))
            goto done;
        snprintf(sj, sizeof sj, "%s/sweep.json", dirs[i]);
        if (i > 0 && sweep_same_sweep(descs[0], descs[i], sj0, sj,
                                      "merge only directories of one sweep (the same scenario, "
                                      "--set options and sweep section)",
                                      err))
            goto done;
        const char *v0 = json_string_value(json_object_get(descs[0], "vmsim_version"));
        const char *vi = json_string_value(json_object_get(descs[i], "vmsim_version"));
        if (i > 0 && (!v0 || !vi || strcmp(v0, vi)))
            sweep_warn("%s was written by vmsim %s, %s by vmsim %s; the model may differ between "
                       "versions",
                       sj0, v0 ? v0 : "?", sj, vi ? vi : "?");
    }
    if (sweep_spec_of_desc(descs[0], sj0, &sp, err))
        goto done;
    mo->npoints = sp.npoints;
    if (fsu_mkdirs(out, err) || sweep_lock_dir(out, 0, 0, locks, err))
        goto done;
    char pdir[SWEEP_PATH_MAX];
    snprintf(sj, sizeof sj, "%s/sweep.json", out);
    snprintf(pdir, sizeof pdir, "%s/points", out);
    struct stat st, ost;
    sweep_opts all = {0};
    int64_t mine;
    if (stat(sj, &st) != 0 && sweep_count_entries(pdir, &sp, &all, &mine) > 0) {
        err_input(err, "%s: point files but no sweep.json, so they cannot be matched to this "
                       "sweep; move them away or merge into another directory",
                  out);
        goto done;
    }
    if (stat(sj, &st) == 0) {
        json_t *o = sweep_load_desc(out, err);
        int bad = !o || sweep_same_sweep(descs[0], o, sj0, sj,
                                         "merge into another directory", err);
        json_decref(o);
        if (bad)
            goto done;
    } else if (sweep_write_desc(sj, descs[0], "merge into another directory", err)) {
        goto done;
    }
    if (fsu_mkdirs(pdir, err) || stat(out, &ost) != 0) {
        if (!err->msg[0])
            err_internal(err, "%s: %s", out, strerror(errno));
        goto done;
    }
    for (int i = 0; i < ndirs; i++)
        same[i] = stat(dirs[i], &st) == 0 && st.st_dev == ost.st_dev && st.st_ino == ost.st_ino;
    size_t cap = 0;
    for (int64_t p = 0; p < sp.npoints; p++) {
        json_t *res;
        int r = sweep_load_point(&sp, out, p, &res, why, sizeof why);
        json_decref(res);
        if (r > 0) {
            mo->had++;
            continue;
        }
        if (r < 0)
            sweep_warn("%s; replacing it", why);
        int got = 0;
        for (int i = 0; i < ndirs && !got; i++) {
            if (same[i])
                continue;
            r = sweep_load_point(&sp, dirs[i], p, &res, why, sizeof why);
            json_decref(res);
            if (r < 0)
                sweep_warn("%s; not merged", why);
            if (r <= 0)
                continue;
            char src[SWEEP_PATH_MAX], dst[SWEEP_PATH_MAX];
            sweep_point_path(dirs[i], p, src, sizeof src);
            sweep_point_path(out, p, dst, sizeof dst);
            if (sweep_link_or_copy(src, dst, err))
                goto done;
            mo->copied++;
            got = 1;
        }
        if (!got) {
            if ((size_t)mo->missing == cap) {
                cap = cap ? 2 * cap : 64;
                mo->miss = vs_xreallocarray(mo->miss, cap, sizeof(int64_t));
            }
            mo->miss[mo->missing++] = p;
        }
    }
    int64_t found;
    rc = sweep_collect(&sp, out, &found, err);
done:
    for (int i = 0; i < ndirs; i++)
        json_decref(descs[i]);
    free(descs);
    free(same);
    sweep_free(&sp);
    sweep_unlock_dir(locks);
    return rc;
}

/* --- the launcher -------------------------------------------------------------------- */

int sweep_launcher_size(char *var, size_t n)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE",
                                       "SLURM_STEP_NUM_TASKS"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (!v || !*v)
            continue;
        if (i == 3) { /* srun's job steps only, not the batch script (step ids >= 0xfffffff0) */
            const char *id = getenv("SLURM_STEP_ID");
            if (!id || !*id || strtoull(id, NULL, 10) >= 0xfffffff0ull)
                continue;
        }
        char *end;
        long long k = strtoll(v, &end, 10);
        if (*end || k < 1)
            continue;
        snprintf(var, n, "%s", vars[i]);
        return k > 1000000000 ? 1000000000 : (int)k;
    }
    if (n)
        var[0] = 0;
    return 0;
}
