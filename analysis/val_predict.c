/* val_predict.c - the predictions: running the measured points through the
 * sweep runner (experiment/sweep_run.h) and matching its results table to
 * the measured rows, or matching an existing sweep's results.csv (see
 * validate.h); the command-line helpers. */
#include "analysis/val_int.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "experiment/sweep_run.h"
#include "config/scenario.h"
#include "experiment/sweep_spec.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define VAL_POINT_AXIS "measured_point" /* the axes of the sweep of the points */
#define VAL_PARAM_AXIS "param"

/* Removes what an earlier run left in a run directory: the sweep's files
 * and its point files (only names vmsim writes there). */
static int val_clean_rundir(const char *dir, vs_err *err)
{
    char p[VAL_PATH];
    static const char *const files[] = {"sweep.json", "results.csv", "summary.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        if (remove(p) != 0 && errno != ENOENT)
            return err_internal(err, "%s: cannot remove: %s", p, strerror(errno));
    }
    snprintf(p, sizeof p, "%s/points", dir);
    DIR *d = opendir(p);
    if (!d)
        return 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && !rc) {
        const char *s = e->d_name;
        size_t k = strspn(s, "0123456789");
        if (k == 0 || (strcmp(s + k, ".json") && strncmp(s + k, ".json.tmp.", 10)))
            continue;
        char f[VAL_PATH + 300];
        snprintf(f, sizeof f, "%s/%s", p, s);
        if (remove(f) != 0 && errno != ENOENT)
            rc = err_internal(err, "%s: cannot remove: %s", f, strerror(errno));
    }
    closedir(d);
    return rc;
}

/* The parameter axis of a sensitivity run (a new object), or NULL with err:
 * a sweep set axis by name, else a scenario path; every value checked. */
static json_t *val_param_axis(const val_measured *m, json_t *base, const char *file,
                              const char *param, json_t *values, vs_err *err)
{
    size_t nv = json_array_size(values);
    if (nv == 0 || nv > VAL_MAX_VALUES)
        return err_input(err, "--values: expected 1 to %d values", VAL_MAX_VALUES), NULL;
    int sa = m->have_sweep ? val_sweep_axis_of(&m->sp, param) : -1;
    const sweep_axis *sx = sa >= 0 ? &m->sp.axes[sa] : NULL;
    const char *path = sx ? sx->path : param;
    json_t *set = json_object(), *labels = json_array();
    json_t *axis = NULL;
    for (size_t k = 0; k < nv; k++) {
        json_t *v = json_array_get(values, k), *entry;
        char text[VAL_LABEL_MAX + 64];
        if (json_is_string(v))
            snprintf(text, sizeof text, "%s", json_string_value(v));
        else {
            char *d = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
            snprintf(text, sizeof text, "%s", d ? d : "?");
            free(d);
        }
        if (!(json_is_number(v) || json_is_string(v) || json_is_boolean(v)) || !text[0] ||
            strlen(text) > VAL_LABEL_MAX) {
            err_input(err, "--values: \"%s\": expected a number, a string of 1 to %d "
                           "characters or a boolean",
                      text, VAL_LABEL_MAX);
            goto out;
        }
        if (json_object_get(set, text)) {
            err_input(err, "--values: \"%s\" is given twice", text);
            goto out;
        }
        if (sx && !path) {
            int l = val_axis_label(sx, text);
            if (l < 0) {
                char vals[1024];
                err_input(err, "--values: \"%s\" is not a value of the sweep axis %s (values: %s)",
                          text, sx->name, val_axis_values(sx, vals, sizeof vals));
                goto out;
            }
            entry = json_deep_copy(json_object_get(sx->set, sx->labels[l]));
        } else {
            char why[1200];
            if (k == 0 && val_unknown_path(base, file, path, v, why, sizeof why)) {
                err_input(err, "--param %s: neither a scenario path nor an axis of the "
                               "scenario's sweep section [%s]",
                          param, why);
                goto out;
            }
            entry = json_object();
            json_object_set(entry, path, v);
        }
        vs_err e = {0};
        if (val_check_doc(base, file, entry, &e)) {
            json_decref(entry);
            err_input(err, "--values: %s=%s: the scenario cannot take it: %s", param, text,
                      val_strip_file(e.msg, file));
            goto out;
        }
        /* the parameter must not set what a measured column sets */
        const char *pp;
        json_t *pv;
        json_object_foreach(entry, pp, pv) {
            for (int a = 0; a < m->naxes; a++) {
                const char *ap[256];
                int na;
                val_axis_paths(m, a, ap, &na, 256);
                for (int i = 0; i < na; i++)
                    if (sc_paths_overlap(pp, ap[i])) {
                        err_input(err, "--param %s sets %s, which column \"%s\" of %s sets too",
                                  param, pp, m->axes[a].name, m->t.path);
                        json_decref(entry);
                        goto out;
                    }
            }
        }
        json_object_set_new(set, text, entry);
        json_array_append_new(labels, json_string(text));
    }
    axis = json_pack("{s:s,s:O,s:O}", "name", VAL_PARAM_AXIS, "values", labels, "set", set);
out:
    json_decref(set);
    json_decref(labels);
    return axis;
}

/* The index of the metric among the column names names[0..n-1]: NAME,
 * else metrics.NAME; -1 with err (input) naming `where` and listing the
 * columns when neither is there. */
static int val_metric_column(char *const *names, int n, const char *where, const char *metric,
                             vs_err *err)
{
    char alt[1100];
    snprintf(alt, sizeof alt, "metrics.%s", metric);
    for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < n; c++)
            if (!strcmp(names[c], pass ? alt : metric))
                return c;
    char list[4096] = "";
    for (int c = 0; c < n; c++)
        val_cat(list, sizeof list, "%s%s", c ? ", " : "", names[c]);
    return err_input(err, "%s: no column \"%s\": the measured metric is not a result of these "
                          "runs; the columns are: %s",
                     where, metric, list);
}

/* The metric's column in the results table of the runs in dir (whose
 * results.csv has the columns point, the axes, seed, the table's). */
static int val_table_column(const rtab *t, const char *dir, const char *metric, vs_err *err)
{
    int n = 2 + t->naxes + t->ncols, k = 0;
    char **names = vs_xcalloc((size_t)n, sizeof(char *)), where[VAL_PATH];
    names[k++] = "point";
    for (int a = 0; a < t->naxes; a++)
        names[k++] = t->axis_names[a];
    names[k++] = "seed";
    for (int c = 0; c < t->ncols; c++)
        names[k++] = t->cols[c].name;
    snprintf(where, sizeof where, "%s/results.csv", dir);
    int c = val_metric_column(names, n, where, metric, err);
    free(names);
    return c < 0 ? -1 : c - 2 - t->naxes;
}

int val_run(const val_measured *m, json_t *base, const char *file, val_run_opts *o,
            val_report *reps, vs_err *err)
{
    int nr = m->t.nrows, rc = -1, nv = 1;
    int *row_pt = vs_xcalloc((size_t)nr, sizeof(int));
    json_t *keys = json_object(), *labels = json_array(), *setmap = json_object();
    json_t *axes = json_array(), *seeds = json_array(), *sdoc = NULL;
    sweep_spec sp = {0};
    rtab t = {0};
    int npt = 0;
    o->interrupted = 0;
    if (o->nseeds < 1 || o->nseeds > VAL_MAX_SEEDS) {
        err_input(err, "--seeds %d: expected 1 to %d", o->nseeds, VAL_MAX_SEEDS);
        goto out;
    }
    /* The distinct points, labelled by their axis values */
    for (int r = 0; r < nr; r++) {
        char *k = json_dumps(m->sets[r], JSON_SORT_KEYS | JSON_COMPACT);
        json_t *idx = json_object_get(keys, k);
        if (idx) {
            row_pt[r] = (int)json_integer_value(idx);
        } else {
            char lab[2048] = "";
            for (int a = 0; a < m->naxes; a++)
                val_cat(lab, sizeof lab, "%s%s=%s", a ? ", " : "", m->axes[a].name,
                        csv_cell(&m->t, r, m->axes[a].col));
            if (strlen(lab) > VAL_LABEL_MAX || json_object_get(setmap, lab))
                snprintf(lab, sizeof lab, "line %d", csv_line(&m->t, r));
            row_pt[r] = npt++;
            json_object_set_new(keys, k, json_integer(row_pt[r]));
            json_array_append_new(labels, json_string(lab));
            json_object_set(setmap, lab, m->sets[r]);
        }
        free(k);
    }
    if (o->param) {
        json_t *pa = val_param_axis(m, base, file, o->param, o->values, err);
        if (!pa)
            goto out;
        json_array_append_new(axes, pa);
        nv = (int)json_array_size(o->values);
    }
    if (m->naxes > 0)
        json_array_append_new(axes, json_pack("{s:s,s:O,s:O}", "name", VAL_POINT_AXIS, "values",
                                              labels, "set", setmap));
    for (int s = 1; s <= o->nseeds; s++)
        json_array_append_new(seeds, json_integer(s));
    sdoc = json_deep_copy(base);
    json_object_set_new(sdoc, "sweep", json_pack("{s:O,s:O,s:i}", "axes", axes, "seeds", seeds,
                                                 "max_points", SWEEP_CAP_POINTS));
    if (sweep_parse(sdoc, file, &sp, err) || sweep_check_points(&sp, sdoc, file, err))
        goto out;
    if (fsu_mkdirs(o->dir, err) || val_clean_rundir(o->dir, err))
        goto out;
    /* One sweep of the points through the runner: in this process with
     * -j 1, in worker processes with more; its results table stays here. */
    srun_opts so = {.dir = o->dir, .jobs = o->jobs > 1 ? o->jobs : 1, .inprocess = o->jobs <= 1,
                    .quiet = o->quiet, .run_cmd = o->run_cmd, .progress = o->progress,
                    .progress_ctx = o->progress_ctx, .table = &t};
    srun_outcome out;
    int bad = srun_run(&sp, sdoc, file, &so, &out, err);
    if (!bad && out.interrupted) {
        o->interrupted = 1;
        err_internal(err, "interrupted: %lld of %lld runs finished (in %s)",
                     (long long)(out.npoints - out.missing), (long long)out.npoints, o->dir);
        goto out;
    }
    if (bad)
        goto out;
    /* The samples, from the table: a row's value indexes name its parameter
     * value (axis 0 with a parameter) and its measured point (the next axis) */
    char path[VAL_PATH];
    int mc = val_table_column(&t, o->dir, reps[0].metric, err);
    if (mc < 0)
        goto out;
    int kax = o->param ? 0 : -1, pax_i = m->naxes > 0 ? (o->param ? 1 : 0) : -1;
    const sweep_axis *pax = o->param ? &sp.axes[0] : NULL;
    /* samples per (value, point), then copied to every row of the point */
    val_row *acc = vs_xcalloc((size_t)nv * (size_t)npt, sizeof *acc);
    for (int64_t i = 0; i < t.nrows; i++) {
        double v = rtab_get_csv(&t, i, mc); /* the value results.csv states */
        if (isnan(v)) /* a missing value (an empty cell of results.csv) */
            continue;
        int k = kax >= 0 ? t.vidx[i * t.naxes + kax] : 0;
        int p = pax_i >= 0 ? t.vidx[i * t.naxes + pax_i] : 0;
        val_add_sample(&acc[(size_t)k * npt + p], t.seed[i], v);
    }
    int missing = -1;
    for (int k = 0; k < nv && missing < 0; k++)
        for (int r = 0; r < nr; r++) {
            const val_row *a = &acc[(size_t)k * npt + row_pt[r]];
            val_row *w = &reps[k].rows[r];
            if (a->n == 0) {
                missing = r;
                snprintf(path, sizeof path, "%s%s%s", pax ? "param=" : "",
                         pax ? pax->labels[k] : "", pax ? ", " : "");
                break;
            }
            free(w->seeds);
            free(w->samples);
            w->n = 0;
            w->seeds = NULL;
            w->samples = NULL;
            for (int j = 0; j < a->n; j++)
                val_add_sample(w, a->seeds[j], a->samples[j]);
        }
    for (int k = 0; k < nv; k++) {
        free(reps[k].source);
        reps[k].source = vs_xmalloc(strlen(o->dir) + 32);
        sprintf(reps[k].source, "runs in %s", o->dir);
    }
    for (int i = 0; i < nv * npt; i++) {
        free(acc[i].seeds);
        free(acc[i].samples);
    }
    free(acc);
    if (missing >= 0) {
        err_input(err, "%s:%d: no run of %s%s has a value of %s in %s/results.csv (is it a "
                       "metric of this workload?)",
                  m->t.path, csv_line(&m->t, missing), path, reps[0].rows[missing].desc,
                  reps[0].metric, o->dir);
        goto out;
    }
    rc = 0;
out:
    rtab_free(&t);
    sweep_free(&sp);
    json_decref(sdoc);
    json_decref(axes);
    json_decref(seeds);
    json_decref(keys);
    json_decref(labels);
    json_decref(setmap);
    free(row_pt);
    return rc;
}

/* --- predictions: an existing sweep -------------------------------------- */

/* 1 and *seed when text is a seed as results.csv writes it: a decimal
 * integer >= 0 (read as an integer: a seed above 2^53 stays exact). */
static int val_seed_cell(const char *text, int64_t *seed)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (!*text || *end || errno || v < 0)
        return 0;
    *seed = v;
    return 1;
}

int val_from_sweep(const val_measured *m, const char *dir, val_report *r, vs_err *err)
{
    const csv_table *mt = &m->t;
    char path[VAL_PATH], names[2048];
    if (!m->have_sweep)
        return err_input(err, "--sweep %s: the scenario has no sweep section to match %s to", dir,
                         mt->path);
    for (int a = 0; a < m->naxes; a++)
        if (m->axes[a].sweep_axis < 0) {
            names[0] = 0;
            for (int k = 0; k < m->sp.naxes; k++)
                val_cat(names, sizeof names, "%s%s", k ? ", " : "", m->sp.axes[k].name);
            return err_input(err, "%s:%d:%d: column \"%s\" is not an axis of the scenario's "
                                  "sweep (axes: %s), so --sweep %s cannot match it",
                             mt->path, mt->header_line, m->axes[a].col + 1, m->axes[a].name,
                             names, dir);
        }
    for (int k = 0; k < m->sp.naxes; k++) {
        int named = 0;
        for (int a = 0; a < m->naxes; a++)
            named |= m->axes[a].sweep_axis == k;
        if (!named && m->sp.axes[k].nvalues > 1)
            return err_input(err, "%s:%d: the sweep varies %s (%d values) but %s has no column "
                                  "for it; add a column \"%s\"",
                             mt->path, mt->header_line, m->sp.axes[k].name,
                             m->sp.axes[k].nvalues, mt->path, m->sp.axes[k].name);
    }
    snprintf(path, sizeof path, "%s/results.csv", dir);
    struct stat st;
    if (stat(path, &st) != 0)
        return err_input(err, "%s: %s (is %s a directory written by vmsim sweep?)", path,
                         strerror(errno), dir);
    csv_table t;
    if (csv_read(path, &t, err))
        return -1;
    int rc = -1, *cols = vs_xcalloc((size_t)(m->naxes ? m->naxes : 1), sizeof(int));
    int mc = val_metric_column(t.names, t.ncols, t.path, r->metric, err);
    int sc = csv_col(&t, "seed");
    if (mc < 0)
        goto out;
    if (sc < 0) {
        err_input(err, "%s: no column \"seed\": not a vmsim sweep's results", path);
        goto out;
    }
    for (int a = 0; a < m->naxes; a++) {
        const char *an = m->sp.axes[m->axes[a].sweep_axis].name;
        cols[a] = csv_col(&t, an);
        if (cols[a] < 0) {
            err_input(err, "%s: no column \"%s\": not the results of this scenario's sweep", path,
                      an);
            goto out;
        }
    }
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        free(w->seeds);
        free(w->samples);
        w->seeds = NULL;
        w->samples = NULL;
        w->n = 0;
        for (int j = 0; j < t.nrows; j++) {
            int match = 1;
            for (int a = 0; a < m->naxes && match; a++)
                match = val_same_value(w->axis_text[a], csv_cell(&t, j, cols[a]));
            double v;
            int64_t s;
            if (match && csv_cell(&t, j, mc)[0] && !csv_num(&t, j, mc, &v, NULL) &&
                val_seed_cell(csv_cell(&t, j, sc), &s))
                val_add_sample(w, s, v);
        }
        if (w->n == 0) {
            err_input(err, "%s:%d: no finished run in %s with a value of %s matches %s",
                      mt->path, w->line, path, r->metric, w->desc);
            goto out;
        }
    }
    free(r->source);
    r->source = vs_xmalloc(strlen(dir) + 32);
    sprintf(r->source, "sweep in %s", dir);
    rc = 0;
out:
    free(cols);
    csv_free(&t);
    return rc;
}

json_t *val_load_scenario(const char *file, char *const *sets, int nsets, vs_err *err)
{
    return sweep_read_doc(file, sets, nsets, err);
}

const char *val_run_command(char *buf, size_t n, const char *file, char *const *sets, int nsets)
{
    snprintf(buf, n, "vmsim run ");
    sweep_shell_quote(buf, n, file);
    for (int i = 0; i < nsets; i++) {
        if (!strncmp(sets[i], "sweep", 5) && strchr("=.[", sets[i][5]))
            continue; /* `vmsim run` ignores the sweep section */
        val_cat(buf, n, " --set ");
        sweep_shell_quote(buf, n, sets[i]);
    }
    return buf;
}

const char *val_command_line(char *buf, size_t n, int argc, char **argv)
{
    snprintf(buf, n, "vmsim");
    for (int i = 0; i < argc; i++) {
        val_cat(buf, n, " ");
        sweep_shell_quote(buf, n, argv[i]);
    }
    return buf;
}
