/* validate.c - validation against measured runs (see validate.h and
 * docs/validation.md).
 *
 * Layout: small helpers; reading and checking the measured CSV; the report
 * rows; running the points through the sweep machinery (or reading an
 * existing sweep); statistics, normalisation and USL fits; the terminal
 * table, validation.json/.csv; the gnuplot overlay; sensitivity output. */
#include "analysis/validate.h"

#include <dirent.h>
#include <errno.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "analysis/gnuplot.h"
#include "analysis/runner.h"
#include "config/scenario.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define VAL_PATH 4400       /* file paths built under the output directory */
#define VAL_LABEL_MAX 256   /* the sweep's limit on a string value */
#define VAL_POINT_AXIS "measured_point" /* the synthetic sweep's axes */
#define VAL_PARAM_AXIS "param"

/* --- helpers ------------------------------------------------------------- */

/* 1 and *out when s is a whole finite decimal number. */
static int val_number(const char *s, double *out)
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
static int val_same_value(const char *a, const char *b)
{
    double x, y;
    return !strcmp(a, b) || (val_number(a, &x) && val_number(b, &y) && x == y);
}

/* The message of a scenario error without its leading "FILE: ". */
static const char *val_strip_file(const char *msg, const char *file)
{
    size_t fl = strlen(file);
    if (!strncmp(msg, file, fl) && !strncmp(msg + fl, ": ", 2))
        return msg + fl + 2;
    return msg;
}

/* Appends printf output to buf (of size n). */
static void val_cat(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void val_cat(char *buf, size_t n, const char *fmt, ...)
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
static const char *val_colnames(const csv_table *t, char *buf, size_t n)
{
    buf[0] = 0;
    for (int c = 0; c < t->ncols; c++)
        val_cat(buf, n, "%s%s", c ? ", " : "", t->names[c]);
    return buf;
}

/* A copy of the scenario without its sweep section. New reference. */
static json_t *val_plain_doc(json_t *base)
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
static int val_check_doc(json_t *base, const char *file, json_t *sets, vs_err *e)
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
static int val_unknown_path(json_t *base, const char *file, const char *path, json_t *value,
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
static int val_sweep_axis_of(const sweep_spec *sp, const char *name)
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
static int val_axis_label(const sweep_axis *ax, const char *text)
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
static const char *val_axis_values(const sweep_axis *ax, char *buf, size_t n)
{
    buf[0] = 0;
    for (int k = 0; k < ax->nvalues; k++)
        val_cat(buf, n, "%s%s", k ? ", " : "", ax->labels[k]);
    return buf;
}

/* Columns that accompany the metric: NAME_sd, NAME_ci95, ... */
static int val_companion(const char *name)
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

const char *val_norm_name(val_norm n)
{
    return n == VAL_NORM_FIRST ? "first" : n == VAL_NORM_MAX ? "max" : "none";
}

/* The results.csv columns analysis/sweep.c always writes (sweep_metrics[])
 * and the keys of the results' "metrics" object (analysis/report.c). Only
 * used to warn early about a misspelt metric; the results decide. */
static const char *const val_metric_names[] = {
    "ops_per_s", "ops_per_s_per_vm", "events", "simulated_s", "lock_acquisitions_per_s",
    "lock_wait_ns_mean", "lock_lhp_count", "lock_lhp_ns", "lock_lwp_count", "lock_lwp_ns",
    "lock_spin_ns", "lock_halts", "lock_kicks", "lock_ple_exits", "vcpu_running_ns",
    "vcpu_steal_ns", "vcpu_halted_ns", "vcpu_spin_ns", "wall_s", "events_per_s",
    "throughput_total", "throughput_per_vm", "tenants",
};

int val_known_metric(const char *name)
{
    if (!strncmp(name, "metrics.", 8) && name[8])
        return 1;
    for (size_t i = 0; i < sizeof val_metric_names / sizeof val_metric_names[0]; i++)
        if (!strcmp(name, val_metric_names[i]))
            return 1;
    return 0;
}

/* --- the measured CSV ---------------------------------------------------- */

void val_measured_free(val_measured *m)
{
    for (int a = 0; a < m->naxes; a++) {
        free(m->axes[a].name);
        free(m->axes[a].path);
    }
    free(m->axes);
    for (int r = 0; m->sets && r < m->t.nrows; r++)
        json_decref(m->sets[r]);
    free(m->sets);
    sweep_free(&m->sp);
    csv_free(&m->t);
    memset(m, 0, sizeof *m);
}

int val_measured_keep(val_measured *m, const int *keep, vs_err *err)
{
    int n = 0;
    for (int r = 0; r < m->t.nrows; r++)
        n += keep[r] != 0;
    if (n == 0)
        return err_input(err, "%s: no measured row left", m->t.path);
    n = 0;
    for (int r = 0; r < m->t.nrows; r++) {
        if (keep[r])
            m->sets[n++] = m->sets[r];
        else
            json_decref(m->sets[r]);
    }
    csv_keep_rows(&m->t, keep);
    return 0;
}

/* The paths axis a sets (set axes: every path of every value). */
static void val_axis_paths(const val_measured *m, int a, const char **out, int *n, int max)
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

/* Classifies the columns into axes and the metric. */
static int val_columns(val_measured *m, json_t *base, const char *file, const char *csv,
                       const char *metric, vs_err *err)
{
    const csv_table *t = &m->t;
    char names[2048];
    int want = metric ? csv_col(t, metric) : -1;
    if (metric && want < 0)
        return err_input(err, "%s:%d: no column \"%s\" (the metric given by --metric); the "
                              "columns are: %s",
                         csv, t->header_line, metric, val_colnames(t, names, sizeof names));
    m->axes = vs_xcalloc((size_t)t->ncols, sizeof *m->axes);
    char first_why[1200] = ""; /* why the default metric column is no axis */
    m->metric_col = want;
    for (int c = 0; c < t->ncols; c++) {
        const char *name = t->names[c];
        if (c == want) {
            m->metric_col = c;
            continue;
        }
        int sa = m->have_sweep ? val_sweep_axis_of(&m->sp, name) : -1;
        char np[1024];
        sc_norm_path(name, np, sizeof np);
        if (sa < 0 && val_companion(name))
            continue;
        if (sa < 0 && !strcmp(np, "seed"))
            return err_input(err, "%s:%d:%d: column \"seed\": the seed is not an axis (every "
                                  "point runs seeds 1..N, see --seeds)",
                             csv, t->header_line, c + 1);
        if (sa < 0 && (!strcmp(np, "sweep") || !strncmp(np, "sweep.", 6)))
            return err_input(err, "%s:%d:%d: column \"%s\": an axis cannot set the sweep section",
                             csv, t->header_line, c + 1, name);
        int unknown = 0;
        char why[1200] = "";
        if (sa < 0) {
            json_t *v = sc_parse_value(csv_cell(t, 0, c));
            unknown = !v || val_unknown_path(base, file, name, v, why, sizeof why);
            json_decref(v);
        }
        if (!unknown) {
            val_axis *ax = &m->axes[m->naxes++];
            ax->name = vs_xstrdup(name);
            ax->col = c;
            ax->sweep_axis = sa;
            ax->path = sa < 0 ? vs_xstrdup(name)
                              : m->sp.axes[sa].path ? vs_xstrdup(m->sp.axes[sa].path) : NULL;
            ax->numeric = csv_col_numeric(t, c);
            continue;
        }
        /* Neither an axis nor a companion: the metric, or an unknown axis.
         * Without --metric the first such column is the metric, unless it
         * is an unknown name and a later one is a known metric. */
        int blame = c;
        if (!metric && m->metric_col < 0) {
            m->metric_col = c;
            snprintf(first_why, sizeof first_why, "%s", why);
            continue;
        }
        if (!metric && !val_known_metric(t->names[m->metric_col]) && val_known_metric(name)) {
            blame = m->metric_col;
            m->metric_col = c;
            snprintf(why, sizeof why, "%s", first_why);
        }
        char axes[1024] = "";
        for (int a = 0; a < m->sp.naxes; a++)
            val_cat(axes, sizeof axes, "%s%s", a ? ", " : "", m->sp.axes[a].name);
        return err_input(err,
                         "%s:%d:%d: column \"%s\" is neither a scenario path nor an axis of the "
                         "scenario's sweep section (%s%s) [%s]; the metric is column %d \"%s\"%s",
                         csv, t->header_line, blame + 1, t->names[blame],
                         m->have_sweep ? "axes: " : "it has none", axes, why, m->metric_col + 1,
                         t->names[m->metric_col], metric ? "" : " (choose with --metric)");
    }
    if (m->metric_col < 0)
        return err_input(err, "%s:%d: no metric column: every column is an axis or a companion "
                              "(*_sd, *_ci*) (columns: %s); add one or name it with --metric",
                         csv, t->header_line, val_colnames(t, names, sizeof names));
    /* Two columns setting the same path would silently override each other. */
    for (int a = 0; a < m->naxes; a++)
        for (int b = 0; b < a; b++) {
            const char *pa[256], *pb[256];
            int na, nb;
            val_axis_paths(m, a, pa, &na, 256);
            val_axis_paths(m, b, pb, &nb, 256);
            for (int i = 0; i < na; i++)
                for (int j = 0; j < nb; j++)
                    if (sc_paths_overlap(pa[i], pb[j]))
                        return err_input(err, "%s:%d:%d: column \"%s\" sets %s, which column %d "
                                              "(\"%s\") sets too (%s)",
                                         csv, t->header_line, m->axes[a].col + 1, m->axes[a].name,
                                         pa[i], m->axes[b].col + 1, m->axes[b].name, pb[j]);
        }
    return 0;
}

/* Row r's settings of axis a: a new object {PATH: value}. */
static json_t *val_cell_sets(const val_measured *m, const char *csv, int r, int a, vs_err *err)
{
    const val_axis *ax = &m->axes[a];
    const char *text = csv_cell(&m->t, r, ax->col);
    int line = csv_line(&m->t, r);
    if (!*text)
        return err_input(err, "%s:%d:%d: column \"%s\": empty value", csv, line, ax->col + 1,
                         ax->name),
               NULL;
    if (!ax->path) {
        const sweep_axis *sx = &m->sp.axes[ax->sweep_axis];
        int k = val_axis_label(sx, text);
        if (k < 0) {
            char vals[1024];
            return err_input(err, "%s:%d:%d: column \"%s\": \"%s\" is not a value of the sweep "
                                  "axis %s (values: %s)",
                             csv, line, ax->col + 1, ax->name, text, sx->name,
                             val_axis_values(sx, vals, sizeof vals)),
                   NULL;
        }
        return json_deep_copy(json_object_get(sx->set, sx->labels[k]));
    }
    json_t *v = sc_parse_value(text);
    if (!v)
        return err_input(err, "%s:%d:%d: column \"%s\": the value is not UTF-8", csv, line,
                         ax->col + 1, ax->name),
               NULL;
    json_t *o = json_object();
    json_object_set_new(o, ax->path, v);
    return o;
}

/* Row r's scenario failed: finds the axis value the scenario cannot take
 * alone, else blames the combination. Returns -1. */
static int val_row_error(const val_measured *m, json_t *base, const char *file, const char *csv,
                         int r, json_t **cells, const char *full, vs_err *err)
{
    int line = csv_line(&m->t, r);
    for (int a = 0; a < m->naxes; a++) {
        vs_err e = {0};
        if (val_check_doc(base, file, cells[a], &e) == 0)
            continue;
        const val_axis *ax = &m->axes[a];
        return err_input(err, "%s:%d:%d: column \"%s\": the scenario cannot take \"%s\": %s",
                         csv, line, ax->col + 1, ax->name, csv_cell(&m->t, r, ax->col),
                         val_strip_file(e.msg, file));
    }
    char vals[1024] = "";
    for (int a = 0; a < m->naxes; a++)
        val_cat(vals, sizeof vals, "%scolumn %d %s=%s", a ? ", " : "", m->axes[a].col + 1,
                m->axes[a].name, csv_cell(&m->t, r, m->axes[a].col));
    return err_input(err, "%s:%d: the values together (%s) make an invalid scenario: %s", csv,
                     line, vals, val_strip_file(full, file));
}

int val_measured_read(const char *csv, json_t *base, const char *file, const char *metric,
                      const char *xcol, val_measured *m, vs_err *err)
{
    memset(m, 0, sizeof *m);
    m->metric_col = -1;
    m->x = -1;
    if (csv_read(csv, &m->t, err))
        return -1;
    csv_table *t = &m->t;
    json_t **cells = NULL;
    int rc = -1;
    if (t->nrows == 0) {
        err_input(err, "%s: no data rows after the header (line %d)", csv, t->header_line);
        goto out;
    }
    if (val_check_doc(base, file, NULL, err))
        goto out;
    if (json_object_get(base, "sweep")) {
        if (sweep_parse(base, file, &m->sp, err))
            goto out;
        m->have_sweep = 1;
    }
    if (val_columns(m, base, file, csv, metric, err))
        goto out;
    /* The metric values */
    for (int r = 0; r < t->nrows; r++) {
        double v;
        if (csv_num(t, r, m->metric_col, &v, NULL)) {
            err_input(err, "%s:%d:%d: column \"%s\": expected a number (the measured metric), "
                           "found \"%s\"",
                      csv, csv_line(t, r), m->metric_col + 1, t->names[m->metric_col],
                      csv_cell(t, r, m->metric_col));
            goto out;
        }
    }
    /* The x axis */
    if (xcol) {
        for (int a = 0; a < m->naxes; a++)
            if (!strcmp(m->axes[a].name, xcol))
                m->x = a;
        if (m->x < 0 || !m->axes[m->x].numeric) {
            char nums[1024] = "";
            for (int a = 0; a < m->naxes; a++)
                if (m->axes[a].numeric)
                    val_cat(nums, sizeof nums, "%s%s", nums[0] ? ", " : "", m->axes[a].name);
            err_input(err, "%s:%d: --x %s: not a numeric axis column (numeric axes: %s)", csv,
                      t->header_line, xcol, nums[0] ? nums : "none");
            goto out;
        }
    } else { /* the last numeric axis that varies, else the last numeric one */
        int best = -1, best_varies = 0;
        for (int a = 0; a < m->naxes; a++) {
            if (!m->axes[a].numeric)
                continue;
            int varies = 0;
            for (int r = 1; r < t->nrows && !varies; r++)
                varies = !val_same_value(csv_cell(t, r, m->axes[a].col),
                                         csv_cell(t, 0, m->axes[a].col));
            if (varies || !best_varies) {
                best = a;
                best_varies = varies;
            }
        }
        m->x = best;
    }
    /* Every row's settings, and its scenario validated before anything runs */
    m->sets = vs_xcalloc((size_t)t->nrows, sizeof(json_t *));
    cells = vs_xcalloc((size_t)(m->naxes ? m->naxes : 1), sizeof(json_t *));
    json_t *seen = json_object();
    for (int r = 0; r < t->nrows; r++) {
        m->sets[r] = json_object();
        for (int a = 0; a < m->naxes; a++) {
            json_decref(cells[a]);
            cells[a] = val_cell_sets(m, csv, r, a, err);
            if (!cells[a]) {
                json_decref(seen);
                goto out;
            }
            json_object_update(m->sets[r], cells[a]);
        }
        char *key = json_dumps(m->sets[r], JSON_SORT_KEYS | JSON_COMPACT);
        if (!key) {
            json_decref(seen);
            err_internal(err, "out of memory");
            goto out;
        }
        int dup = json_object_get(seen, key) != NULL;
        json_object_set_new(seen, key, json_true());
        free(key);
        vs_err e = {0};
        if (!dup && val_check_doc(base, file, m->sets[r], &e)) {
            json_decref(seen);
            val_row_error(m, base, file, csv, r, cells, e.msg, err);
            goto out;
        }
    }
    json_decref(seen);
    rc = 0;
out:
    for (int a = 0; cells && a < m->naxes; a++)
        json_decref(cells[a]);
    free(cells);
    if (rc)
        val_measured_free(m);
    return rc;
}

/* --- the report rows ----------------------------------------------------- */

void val_report_init(val_report *r, const val_measured *m, const char *scenario_file,
                     val_norm norm)
{
    const csv_table *t = &m->t;
    memset(r, 0, sizeof *r);
    r->scenario_file = vs_xstrdup(scenario_file);
    r->measured_file = vs_xstrdup(t->path);
    r->metric = vs_xstrdup(t->names[m->metric_col]);
    r->xname = m->x >= 0 ? vs_xstrdup(m->axes[m->x].name) : NULL;
    r->source = vs_xstrdup("");
    r->norm = norm;
    r->naxes = m->naxes;
    r->axis_names = vs_xcalloc((size_t)(m->naxes ? m->naxes : 1), sizeof(char *));
    for (int a = 0; a < m->naxes; a++)
        r->axis_names[a] = vs_xstrdup(m->axes[a].name);
    r->nrows = t->nrows;
    r->rows = vs_xcalloc((size_t)t->nrows, sizeof *r->rows);
    r->groups = vs_xcalloc((size_t)t->nrows, sizeof(char *));
    json_t *gidx = json_object(); /* group description -> index */
    for (int i = 0; i < t->nrows; i++) {
        val_row *w = &r->rows[i];
        char desc[2048] = "", grp[2048] = "";
        w->line = csv_line(t, i);
        w->axis_text = vs_xcalloc((size_t)(m->naxes ? m->naxes : 1), sizeof(char *));
        for (int a = 0; a < m->naxes; a++) {
            const char *text = csv_cell(t, i, m->axes[a].col);
            w->axis_text[a] = vs_xstrdup(text);
            val_cat(desc, sizeof desc, "%s%s=%s", a ? ", " : "", m->axes[a].name, text);
            if (a != m->x && m->x >= 0) /* without x axis the rows are one series */
                val_cat(grp, sizeof grp, "%s%s=%s", grp[0] ? ", " : "", m->axes[a].name, text);
        }
        w->desc = vs_xstrdup(desc[0] ? desc : "(no axes)");
        if (!grp[0])
            snprintf(grp, sizeof grp, "all");
        json_t *g = json_object_get(gidx, grp);
        if (g) {
            w->group = (int)json_integer_value(g);
        } else {
            w->group = r->ngroups;
            r->groups[r->ngroups++] = vs_xstrdup(grp);
            json_object_set_new(gidx, grp, json_integer(w->group));
        }
        w->x = NAN;
        if (m->x >= 0)
            csv_num(t, i, m->axes[m->x].col, &w->x, NULL);
        csv_num(t, i, m->metric_col, &w->measured_raw, NULL);
    }
    json_decref(gidx);
}

void val_report_free(val_report *r)
{
    for (int i = 0; r->rows && i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        for (int a = 0; w->axis_text && a < r->naxes; a++)
            free(w->axis_text[a]);
        free(w->axis_text);
        free(w->desc);
        free(w->seeds);
        free(w->samples);
    }
    free(r->rows);
    for (int a = 0; r->axis_names && a < r->naxes; a++)
        free(r->axis_names[a]);
    free(r->axis_names);
    for (int g = 0; r->groups && g < r->ngroups; g++)
        free(r->groups[g]);
    free(r->groups);
    free(r->fits);
    free(r->scenario_file);
    free(r->measured_file);
    free(r->metric);
    free(r->xname);
    free(r->source);
    memset(r, 0, sizeof *r);
}

/* Adds one predicted sample to a row. */
static void val_add_sample(val_row *w, int64_t seed, double v)
{
    w->seeds = vs_xreallocarray(w->seeds, (size_t)w->n + 1, sizeof *w->seeds);
    w->samples = vs_xreallocarray(w->samples, (size_t)w->n + 1, sizeof *w->samples);
    w->seeds[w->n] = seed;
    w->samples[w->n] = v;
    w->n++;
}

/* --- predictions: running the points ------------------------------------- */

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

/* Runs the sweep's points one after the other in this process, writing the
 * point files a sweep worker would, then the tables. */
static int val_run_inprocess(const sweep_spec *sp, json_t *sdoc, const char *file,
                             const val_run_opts *o, vs_err *err)
{
    char p[VAL_PATH];
    snprintf(p, sizeof p, "%s/points", o->dir);
    if (fsu_mkdirs(p, err))
        return -1;
    int tty = !o->quiet && isatty(2);
    for (int64_t pt = 0; pt < sp->npoints; pt++) {
        if (tty)
            fprintf(stderr, "\rvalidate: run %lld/%lld", (long long)pt + 1,
                    (long long)sp->npoints);
        json_t *doc = sweep_point_doc(sp, sdoc, file, pt, err);
        if (!doc)
            return -1;
        char cmd[8192];
        snprintf(cmd, sizeof cmd, "%s", o->run_cmd ? o->run_cmd : "vmsim run");
        sweep_point_sets(sp, pt, cmd, sizeof cmd);
        runner_opts ro = {.command_line = cmd};
        json_t *res;
        int bad = runner_run_doc(doc, file, &ro, &res, err);
        json_decref(doc);
        if (bad) {
            char desc[1024];
            err_prefix(err, "run %s", sweep_point_desc(sp, pt, desc, sizeof desc));
            return -1;
        }
        json_object_set_new(res, "sweep_point", sweep_point_id(sp, pt));
        char *text = json_dumps(res, JSON_INDENT(2));
        json_decref(res);
        if (!text)
            return err_internal(err, "out of memory writing run %lld", (long long)pt);
        size_t l = strlen(text);
        char *t2 = vs_xmalloc(l + 2);
        memcpy(t2, text, l);
        memcpy(t2 + l, "\n", 2);
        free(text);
        snprintf(p, sizeof p, "%s/points/%06lld.json", o->dir, (long long)pt);
        bad = fsu_write_string(p, t2, err);
        free(t2);
        if (bad)
            return -1;
    }
    if (tty)
        fputc('\n', stderr);
    int64_t found;
    return sweep_collect(sp, o->dir, &found, err);
}

/* The column of the metric in a results.csv: NAME, else metrics.NAME. */
static int val_metric_column(const csv_table *t, const char *metric, vs_err *err)
{
    int c = csv_col(t, metric);
    if (c < 0) {
        char alt[1100];
        snprintf(alt, sizeof alt, "metrics.%s", metric);
        c = csv_col(t, alt);
    }
    if (c >= 0)
        return c;
    char names[4096];
    return err_input(err, "%s: no column \"%s\": the measured metric is not a result of these "
                          "runs; the columns are: %s",
                     t->path, metric, val_colnames(t, names, sizeof names));
}

int val_run(const val_measured *m, json_t *base, const char *file, val_run_opts *o,
            val_report *reps, vs_err *err)
{
    int nr = m->t.nrows, rc = -1, nv = 1;
    int *row_pt = vs_xcalloc((size_t)nr, sizeof(int));
    json_t *keys = json_object(), *labels = json_array(), *setmap = json_object();
    json_t *axes = json_array(), *seeds = json_array(), *sdoc = NULL;
    sweep_spec sp = {0};
    csv_table t = {0};
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
    if (o->jobs <= 1) {
        if (val_run_inprocess(&sp, sdoc, file, o, err))
            goto out;
    } else {
        sweep_opts so = {.dir = o->dir, .jobs = o->jobs, .quiet = o->quiet, .run_cmd = o->run_cmd};
        sweep_outcome out;
        int bad = sweep_run(&sp, sdoc, file, &so, &out, err);
        if (!bad && out.interrupted) {
            o->interrupted = 1;
            err_internal(err, "interrupted: %lld of %lld runs finished (in %s)",
                         (long long)(out.npoints - out.missing), (long long)out.npoints, o->dir);
            goto out;
        }
        if (bad)
            goto out;
    }
    /* The samples, from results.csv */
    char path[VAL_PATH];
    snprintf(path, sizeof path, "%s/results.csv", o->dir);
    if (csv_read(path, &t, err))
        goto out;
    int mc = val_metric_column(&t, reps[0].metric, err);
    int sc = csv_col(&t, "seed");
    int pc = m->naxes > 0 ? csv_col(&t, VAL_POINT_AXIS) : -1;
    int vc = o->param ? csv_col(&t, VAL_PARAM_AXIS) : -1;
    if (mc < 0)
        goto out;
    if (sc < 0 || (m->naxes > 0 && pc < 0) || (o->param && vc < 0)) {
        err_internal(err, "%s: not the results of this validation's runs", path);
        goto out;
    }
    const sweep_axis *pax = o->param ? &sp.axes[0] : NULL;
    const sweep_axis *ptax = m->naxes > 0 ? &sp.axes[o->param ? 1 : 0] : NULL;
    /* samples per (value, point), then copied to every row of the point */
    val_row *acc = vs_xcalloc((size_t)nv * (size_t)npt, sizeof *acc);
    for (int i = 0; i < t.nrows; i++) {
        double v, s;
        if (!csv_cell(&t, i, mc)[0] || csv_num(&t, i, mc, &v, NULL) ||
            csv_num(&t, i, sc, &s, NULL))
            continue;
        int k = pax ? val_axis_label(pax, csv_cell(&t, i, vc)) : 0;
        int p = ptax ? val_axis_label(ptax, csv_cell(&t, i, pc)) : 0;
        if (k < 0 || p < 0)
            continue;
        val_add_sample(&acc[(size_t)k * npt + p], (int64_t)s, v);
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
    csv_free(&t);
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
    int mc = val_metric_column(&t, r->metric, err), sc = csv_col(&t, "seed");
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
            double v, s;
            if (match && csv_cell(&t, j, mc)[0] && !csv_num(&t, j, mc, &v, NULL) &&
                !csv_num(&t, j, sc, &s, NULL))
                val_add_sample(w, (int64_t)s, v);
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

/* --- statistics ---------------------------------------------------------- */

void val_summarize(const double *measured, const double *mean, const double *half,
                   const int *skip, int n, val_summary *s)
{
    memset(s, 0, sizeof *s);
    double se = 0, ape = 0;
    for (int i = 0; i < n; i++) {
        if (skip && skip[i]) {
            s->refs++;
            continue;
        }
        double d = mean[i] - measured[i];
        s->points++;
        se += d * d;
        s->inside += fabs(d) <= half[i];
        if (measured[i] != 0) {
            ape += fabs(d / measured[i]);
            s->mape_points++;
        }
    }
    s->mape = s->mape_points ? 100 * ape / s->mape_points : NAN;
    s->rmse = s->points ? sqrt(se / s->points) : NAN;
    s->coverage = s->points ? (double)s->inside / s->points : NAN;
}

/* The reference row of every group under FIRST, into ref[ngroups]: the
 * smallest x (the first row in CSV order without an x axis or among equal
 * x). One pass. */
static void val_first_rows(const val_report *r, int *ref)
{
    for (int g = 0; g < r->ngroups; g++)
        ref[g] = -1;
    for (int i = 0; i < r->nrows; i++) {
        int g = r->rows[i].group;
        if (ref[g] < 0 || (!isnan(r->rows[i].x) && r->rows[i].x < r->rows[ref[g]].x))
            ref[g] = i;
    }
}

/* Normalises the samples of row i into out (its n_used values). */
static int val_norm_samples(val_report *r, int i, const double *gscale, const int *refs,
                            double *out, vs_err *err)
{
    val_row *w = &r->rows[i];
    w->n_used = 0;
    if (r->norm != VAL_NORM_FIRST) {
        double d = r->norm == VAL_NORM_MAX ? gscale[w->group] : 1;
        for (int j = 0; j < w->n; j++)
            out[w->n_used++] = w->samples[j] / d;
        return 0;
    }
    const val_row *ref = &r->rows[refs[w->group]];
    for (int j = 0; j < w->n; j++)
        for (int k = 0; k < ref->n; k++) {
            if (ref->seeds[k] != w->seeds[j])
                continue;
            if (ref->samples[k] == 0)
                return err_input(err, "%s:%d: cannot normalise %s by its first point: the "
                                      "predicted %s is 0 there (seed %lld)",
                                 r->measured_file, ref->line, r->groups[w->group], r->metric,
                                 (long long)ref->seeds[k]);
            out[w->n_used++] = w->samples[j] / ref->samples[k];
            break;
        }
    if (w->n_used == 0)
        return err_input(err, "%s:%d: %s: no seed in common with the reference point (line %d)",
                         r->measured_file, w->line, w->desc, ref->line);
    return 0;
}

/* USL fits of one series; records why a fit does not run. */
static void val_fit_series(const double *x, const double *y, int n, int *ok, usl_result *res,
                           char *why, size_t wn)
{
    int distinct = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = x[j] == x[i];
        distinct += !seen;
    }
    *ok = 0;
    if (distinct < 3) {
        snprintf(why, wn, "%d distinct x values; the fit needs 3", distinct);
        return;
    }
    vs_err e = {0};
    if (usl_fit(x, y, n, res, &e)) {
        snprintf(why, wn, "%s", e.msg);
        return;
    }
    *ok = 1;
    why[0] = 0;
}

static void val_fits(val_report *r)
{
    free(r->fits);
    r->fits = NULL;
    r->nfits = 0;
    if (!r->xname)
        return;
    r->fits = vs_xcalloc((size_t)r->ngroups, sizeof *r->fits);
    double *x = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *y = vs_xcalloc((size_t)r->nrows, sizeof(double));
    for (int g = 0; g < r->ngroups; g++) {
        val_fit *f = &r->fits[r->nfits++];
        f->group = g;
        for (int s = 0; s < 2; s++) {
            int n = 0;
            for (int i = 0; i < r->nrows; i++) {
                const val_row *w = &r->rows[i];
                if (w->group != g)
                    continue;
                int dup = 0; /* predicted: one point per x (rows at one x share the runs) */
                for (int j = 0; s == 1 && j < n && !dup; j++)
                    dup = x[j] == w->x;
                if (dup)
                    continue;
                x[n] = w->x;
                y[n++] = s == 0 ? w->measured : w->mean;
            }
            val_fit_series(x, y, n, &f->ok[s], &f->r[s], f->why[s], sizeof f->why[s]);
        }
    }
    free(x);
    free(y);
}

int val_compute(val_report *r, vs_err *err)
{
    for (int i = 0; i < r->nrows; i++)
        if (r->rows[i].n < 1)
            return err_input(err, "%s:%d: %s: no predicted value", r->measured_file,
                             r->rows[i].line, r->rows[i].desc);
    /* Per group: MAX divides by the largest value, FIRST by the reference row's */
    double *mscale = vs_xcalloc((size_t)r->ngroups + 1, sizeof(double));
    double *pscale = vs_xcalloc((size_t)r->ngroups + 1, sizeof(double));
    double *meas = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *mean = vs_xcalloc((size_t)r->nrows, sizeof(double));
    double *half = vs_xcalloc((size_t)r->nrows, sizeof(double));
    int *skip = vs_xcalloc((size_t)r->nrows, sizeof(int));
    int *refs = vs_xcalloc((size_t)r->ngroups + 1, sizeof(int));
    double *buf = NULL;
    int rc = -1;
    val_first_rows(r, refs);
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        w->mean_raw = gsl_stats_mean(w->samples, 1, (size_t)w->n);
        w->ref = 0;
        int g = w->group, first = refs[g] >= 0 && skip[refs[g]] == 0;
        if (first) /* skip[] marks the groups seen so far, at their reference row */
            skip[refs[g]] = 1;
        if (first || w->measured_raw > mscale[g])
            mscale[g] = w->measured_raw;
        if (first || w->mean_raw > pscale[g])
            pscale[g] = w->mean_raw;
    }
    memset(skip, 0, (size_t)r->nrows * sizeof(int));
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        double d = 1;
        if (r->norm == VAL_NORM_MAX) {
            d = mscale[w->group];
            if (d == 0 || pscale[w->group] == 0) {
                err_input(err, "%s: cannot normalise %s by its largest value: it is 0 (%s)",
                          r->measured_file, r->groups[w->group],
                          d == 0 ? "measured" : "predicted");
                goto out;
            }
        } else if (r->norm == VAL_NORM_FIRST) {
            int ref = refs[w->group];
            d = r->rows[ref].measured_raw;
            w->ref = ref == i;
            if (d == 0) {
                err_input(err, "%s:%d: cannot normalise %s by its first point: the measured "
                               "value is 0 there",
                          r->measured_file, r->rows[ref].line, r->groups[w->group]);
                goto out;
            }
        }
        w->measured = w->measured_raw / d;
    }
    for (int i = 0; i < r->nrows; i++) {
        val_row *w = &r->rows[i];
        buf = vs_xreallocarray(buf, (size_t)w->n, sizeof(double));
        if (val_norm_samples(r, i, pscale, refs, buf, err))
            goto out;
        sweep_ci95(buf, w->n_used, &w->mean, &w->half);
        w->sd = w->n_used > 1 ? gsl_stats_sd_m(buf, 1, (size_t)w->n_used, w->mean) : 0;
        w->abs_err = fabs(w->mean - w->measured);
        w->rel_err = w->measured != 0 ? (w->mean - w->measured) / w->measured : NAN;
        w->inside = w->abs_err <= w->half;
        meas[i] = w->measured;
        mean[i] = w->mean;
        half[i] = w->half;
        skip[i] = w->ref;
    }
    val_summarize(meas, mean, half, skip, r->nrows, &r->sum);
    val_fits(r);
    rc = 0;
out:
    free(buf);
    free(refs);
    free(mscale);
    free(pscale);
    free(meas);
    free(mean);
    free(half);
    free(skip);
    return rc;
}

/* --- the terminal table -------------------------------------------------- */

/* A number as the table shows it: 5 significant digits, "-" when missing. */
static const char *val_fmt(double v, char *buf, size_t n)
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.5g", v);
    return buf;
}

/* The seeds of the rows: "3 seeds" or "2-3 seeds". */
static const char *val_seed_range(const val_report *r, char *buf, size_t n)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < r->nrows; i++) {
        int k = r->rows[i].n;
        lo = i == 0 || k < lo ? k : lo;
        hi = i == 0 || k > hi ? k : hi;
    }
    if (lo == hi)
        snprintf(buf, n, "%d seed%s", lo, lo == 1 ? "" : "s");
    else
        snprintf(buf, n, "%d-%d seeds", lo, hi);
    return buf;
}

#define VAL_TCOLS 64 /* table columns at most (the axes are cut beyond) */

void val_print(FILE *f, const val_report *r)
{
    char b[64], b2[64], seeds[64];
    int raw = r->norm != VAL_NORM_NONE;
    fprintf(f, "Validation of %s against %s: metric %s, normalize %s%s%s\n", r->scenario_file,
            r->measured_file, r->metric, val_norm_name(r->norm), r->xname ? ", x = " : "",
            r->xname ? r->xname : "");
    fprintf(f, "Predictions: %s, %s per point\n\n", r->source, val_seed_range(r, seeds,
                                                                                sizeof seeds));
    /* Cells as text first, then column widths */
    int na = r->naxes < VAL_TCOLS - 12 ? r->naxes : VAL_TCOLS - 12;
    int nc = 1 + na + 6 + 2 * raw;
    const char *head[VAL_TCOLS];
    int c = 0;
    head[c++] = "line";
    for (int a = 0; a < na; a++)
        head[c++] = r->axis_names[a];
    head[c++] = "measured";
    head[c++] = "predicted";
    head[c++] = "95% CI";
    head[c++] = "abs err";
    head[c++] = "rel err";
    head[c++] = "in CI";
    if (raw) {
        head[c++] = "measured raw";
        head[c++] = "predicted raw";
    }
    char ***cell = vs_xcalloc((size_t)r->nrows, sizeof(char **));
    int width[VAL_TCOLS];
    for (c = 0; c < nc; c++)
        width[c] = (int)strlen(head[c]);
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        char t[VAL_TCOLS][300];
        c = 0;
        snprintf(t[c++], sizeof t[0], "%d", w->line);
        for (int a = 0; a < na; a++)
            snprintf(t[c++], sizeof t[0], "%s", w->axis_text[a]);
        val_fmt(w->measured, t[c++], sizeof t[0]);
        val_fmt(w->mean, t[c++], sizeof t[0]);
        snprintf(t[c++], sizeof t[0], "%s .. %s", val_fmt(w->mean - w->half, b, sizeof b),
                 val_fmt(w->mean + w->half, b2, sizeof b2));
        val_fmt(w->abs_err, t[c++], sizeof t[0]);
        if (isnan(w->rel_err))
            snprintf(t[c++], sizeof t[0], "-");
        else
            snprintf(t[c++], sizeof t[0], "%+.1f%%", 100 * w->rel_err);
        snprintf(t[c++], sizeof t[0], "%s", w->ref ? "ref" : w->inside ? "yes" : "no");
        if (raw) {
            val_fmt(w->measured_raw, t[c++], sizeof t[0]);
            val_fmt(w->mean_raw, t[c++], sizeof t[0]);
        }
        cell[i] = vs_xcalloc((size_t)nc, sizeof(char *));
        for (c = 0; c < nc; c++) {
            cell[i][c] = vs_xstrdup(t[c]);
            int l = (int)strlen(t[c]);
            width[c] = l > width[c] ? l : width[c];
        }
    }
    for (c = 0; c < nc; c++) {
        int left = c >= 1 && c <= na;
        fprintf(f, "%s%*s", c ? "  " : "", left ? -width[c] : width[c], head[c]);
    }
    fputc('\n', f);
    for (int i = 0; i < r->nrows; i++) {
        for (c = 0; c < nc; c++) {
            /* numbers right-aligned, texts (axes) left-aligned */
            int left = c >= 1 && c <= na;
            fprintf(f, "%s%*s", c ? "  " : "", left ? -width[c] : width[c], cell[i][c]);
            free(cell[i][c]);
        }
        fputc('\n', f);
        free(cell[i]);
    }
    free(cell);
    const val_summary *s = &r->sum;
    fputc('\n', f);
    if (s->points == 0) {
        fprintf(f, "No point to compare (%d reference point%s).\n", s->refs,
                s->refs == 1 ? "" : "s");
    } else {
        fprintf(f, "%d point%s", s->points, s->points == 1 ? "" : "s");
        if (s->refs)
            fprintf(f, " (%d reference point%s of the normalisation left out)", s->refs,
                    s->refs == 1 ? "" : "s");
        fprintf(f, ": MAPE %s%%, RMSE %s, inside the 95%% CI %d of %d (%.0f%%)\n",
                val_fmt(s->mape, b, sizeof b), val_fmt(s->rmse, b2, sizeof b2), s->inside,
                s->points, 100 * s->coverage);
    }
    if (!r->nfits)
        return;
    fprintf(f, "\nUSL fits along %s, X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)):\n",
            r->xname);
    for (int k = 0; k < r->nfits; k++) {
        const val_fit *fit = &r->fits[k];
        fprintf(f, "  %s\n", r->groups[fit->group]);
        for (int s2 = 0; s2 < 2; s2++) {
            fprintf(f, "    %-10s ", s2 ? "predicted" : "measured");
            if (!fit->ok[s2]) {
                fprintf(f, "no fit: %s\n", fit->why[s2]);
                continue;
            }
            const usl_result *u = &fit->r[s2];
            char n1[64];
            if (isfinite(u->n_star))
                snprintf(n1, sizeof n1, "%.4g", u->n_star);
            else
                snprintf(n1, sizeof n1, "inf");
            fprintf(f, "lambda %-10.4g sigma %-10.4g kappa %-10.4g N* %-8s R^2 %.4f%s\n",
                    u->lambda, u->sigma, u->kappa, n1, u->r2,
                    u->converged ? "" : " (did not converge)");
        }
    }
}

/* --- validation.json and validation.csv ---------------------------------- */

/* A JSON number, or null when it is not finite. */
static json_t *val_jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *val_summary_json(const val_summary *s)
{
    return json_pack("{s:i,s:i,s:i,s:o,s:o,s:o,s:i}", "points", s->points, "reference_points",
                     s->refs, "inside_ci", s->inside, "mape_pct", val_jnum(s->mape), "rmse",
                     val_jnum(s->rmse), "coverage", val_jnum(s->coverage), "mape_points",
                     s->mape_points);
}

static json_t *val_usl_json(const val_fit *f, int s)
{
    if (!f->ok[s])
        return json_pack("{s:s}", "error", f->why[s]);
    const usl_result *u = &f->r[s];
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:i,s:b}", "lambda",
                     val_jnum(u->lambda), "sigma", val_jnum(u->sigma), "kappa", val_jnum(u->kappa),
                     "lambda_se", val_jnum(u->lambda_se), "sigma_se", val_jnum(u->sigma_se),
                     "kappa_se", val_jnum(u->kappa_se), "n_star", val_jnum(u->n_star), "peak",
                     val_jnum(u->peak), "r2", val_jnum(u->r2), "rmse", val_jnum(u->rmse),
                     "points", u->points, "converged", u->converged);
}

/* One row as JSON; full adds the raw values, the seeds and the samples. */
static json_t *val_row_json(const val_report *r, const val_row *w, int full)
{
    json_t *axes = json_object();
    for (int a = 0; a < r->naxes; a++)
        json_object_set_new(axes, r->axis_names[a], sc_parse_value(w->axis_text[a]));
    json_t *o = json_pack("{s:i,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:b}", "line",
                          w->line, "axes", axes, "group", r->groups[w->group], "measured",
                          val_jnum(w->measured), "predicted_mean", val_jnum(w->mean),
                          "predicted_sd", val_jnum(w->sd), "ci95_half", val_jnum(w->half), "ci_lo",
                          val_jnum(w->mean - w->half), "ci_hi", val_jnum(w->mean + w->half),
                          "abs_error", val_jnum(w->abs_err), "rel_error", val_jnum(w->rel_err),
                          "inside_ci", w->inside, "reference", w->ref);
    if (!o || !full)
        return o;
    json_object_set_new(o, "x", val_jnum(w->x));
    json_object_set_new(o, "n", json_integer(w->n_used));
    json_object_set_new(o, "measured_raw", val_jnum(w->measured_raw));
    json_object_set_new(o, "predicted_mean_raw", val_jnum(w->mean_raw));
    json_t *sd = json_array(), *sm = json_array();
    for (int j = 0; j < w->n; j++) {
        json_array_append_new(sd, json_integer(w->seeds[j]));
        json_array_append_new(sm, val_jnum(w->samples[j]));
    }
    json_object_set_new(o, "seeds", sd);
    json_object_set_new(o, "samples_raw", sm);
    return o;
}

json_t *val_report_json(const val_report *r)
{
    json_t *rows = json_array(), *fits = json_array();
    for (int i = 0; i < r->nrows; i++)
        json_array_append_new(rows, val_row_json(r, &r->rows[i], 1));
    for (int k = 0; k < r->nfits; k++)
        json_array_append_new(fits, json_pack("{s:s,s:o,s:o}", "group",
                                              r->groups[r->fits[k].group], "measured",
                                              val_usl_json(&r->fits[k], 0), "predicted",
                                              val_usl_json(&r->fits[k], 1)));
    return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o,s:s,s:o,s:o,s:o}", "vmsim_version", VMSIM_VERSION,
                     "scenario_file", r->scenario_file, "measured_file", r->measured_file,
                     "metric", r->metric, "normalize", val_norm_name(r->norm), "x",
                     r->xname ? json_string(r->xname) : json_null(), "predictions", r->source,
                     "summary", val_summary_json(&r->sum), "points", rows, "usl", fits);
}

/* A number cell; empty when missing. */
static void val_csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.12g", v);
}

/* Writes a JSON document atomically, indented, with a final newline. */
static int val_write_json(const char *path, json_t *doc, vs_err *err)
{
    char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) : NULL;
    if (!text)
        return err_internal(err, "%s: cannot encode the document (out of memory, or text that "
                                 "is not UTF-8)",
                            path);
    size_t l = strlen(text);
    char *t2 = vs_xmalloc(l + 2);
    memcpy(t2, text, l);
    memcpy(t2 + l, "\n", 2);
    free(text);
    int rc = fsu_write_string(path, t2, err);
    free(t2);
    return rc;
}

int val_write(const val_report *r, const char *dir, const char *command_line, vs_err *err)
{
    char path[VAL_PATH];
    if (fsu_mkdirs(dir, err))
        return -1;
    json_t *doc = val_report_json(r);
    if (doc && command_line)
        json_object_set_new(doc, "command_line", json_string(command_line));
    snprintf(path, sizeof path, "%s/validation.json", dir);
    int bad = val_write_json(path, doc, err);
    json_decref(doc);
    if (bad)
        return -1;
    fsu_file o;
    snprintf(path, sizeof path, "%s/validation.csv", dir);
    if (fsu_open(&o, path, err))
        return -1;
    fputs("line", o.f);
    for (int a = 0; a < r->naxes; a++) {
        fputc(',', o.f);
        csv_write_text(o.f, r->axis_names[a]);
    }
    fputs(",measured,predicted_mean,predicted_sd,n,ci95_half,ci_lo,ci_hi,abs_error,rel_error,"
          "inside_ci,reference,measured_raw,predicted_mean_raw\n",
          o.f);
    for (int i = 0; i < r->nrows; i++) {
        const val_row *w = &r->rows[i];
        fprintf(o.f, "%d", w->line);
        for (int a = 0; a < r->naxes; a++) {
            fputc(',', o.f);
            csv_write_text(o.f, w->axis_text[a]);
        }
        val_csv_num(o.f, w->measured);
        val_csv_num(o.f, w->mean);
        val_csv_num(o.f, w->sd);
        fprintf(o.f, ",%d", w->n_used);
        val_csv_num(o.f, w->half);
        val_csv_num(o.f, w->mean - w->half);
        val_csv_num(o.f, w->mean + w->half);
        val_csv_num(o.f, w->abs_err);
        val_csv_num(o.f, w->rel_err);
        fprintf(o.f, ",%d,%d", w->inside, w->ref);
        val_csv_num(o.f, w->measured_raw);
        val_csv_num(o.f, w->mean_raw);
        fputc('\n', o.f);
    }
    return fsu_commit(&o, err);
}

/* --- the overlay plot ---------------------------------------------------- */

/* A point's label in the data file: its axis values, "a, b". */
static void val_dat_label(FILE *f, const val_report *r, const val_row *w)
{
    char b[2048] = "";
    for (int a = 0; a < r->naxes; a++)
        val_cat(b, sizeof b, "%s%s", a ? ", " : "", w->axis_text[a]);
    gp_dat_text(f, b[0] ? b : w->desc);
}

/* One plotted point of a group. */
typedef struct val_pp {
    double x;          /* position: the x value, or the row's rank without x axis */
    const val_row *w;  /* its row */
} val_pp;

static int val_cmp_pp(const void *a, const void *b)
{
    const val_pp *p = a, *q = b;
    if (p->x != q->x)
        return (p->x > q->x) - (p->x < q->x);
    return (p->w > q->w) - (p->w < q->w);
}

/* Block numbers of a group in overlay.dat: measured, predicted, USL (-1 none). */
typedef struct val_blocks {
    int meas, pred, usl;
} val_blocks;

/* Writes overlay.dat; fills blk[ngroups]. */
static int val_plot_data(const val_report *r, const char *path, val_blocks *blk, vs_err *err)
{
    fsu_file o;
    if (fsu_open(&o, path, err))
        return -1;
    val_pp *pp = vs_xcalloc((size_t)r->nrows, sizeof *pp);
    int nb = 0;
    for (int g = 0; g < r->ngroups; g++) {
        int n = 0;
        for (int i = 0; i < r->nrows; i++)
            if (r->rows[i].group == g) {
                pp[n].x = r->xname ? r->rows[i].x : n;
                pp[n++].w = &r->rows[i];
            }
        qsort(pp, (size_t)n, sizeof *pp, val_cmp_pp);
        fprintf(o.f, "# block %d: %s, measured: x\t%s\tlabel\n", nb, r->groups[g], r->metric);
        for (int k = 0; k < n; k++) {
            fprintf(o.f, "%.12g\t%.12g\t", pp[k].x, pp[k].w->measured);
            val_dat_label(o.f, r, pp[k].w);
            fputc('\n', o.f);
        }
        fputs("\n\n", o.f);
        blk[g].meas = nb++;
        fprintf(o.f, "# block %d: %s, simulated: x\tmean\tci_lo\tci_hi\tlabel\n", nb,
                r->groups[g]);
        for (int k = 0; k < n; k++) {
            if (k && r->xname && pp[k].x == pp[k - 1].x)
                continue; /* rows at one x share their runs */
            const val_row *w = pp[k].w;
            fprintf(o.f, "%.12g\t%.12g\t%.12g\t%.12g\t", pp[k].x, w->mean, w->mean - w->half,
                    w->mean + w->half);
            val_dat_label(o.f, r, w);
            fputc('\n', o.f);
        }
        fputs("\n\n", o.f);
        blk[g].pred = nb++;
        blk[g].usl = -1;
        const val_fit *f = NULL;
        for (int k = 0; k < r->nfits; k++)
            if (r->fits[k].group == g && r->fits[k].ok[0])
                f = &r->fits[k];
        if (f && n > 0) {
            double lo = pp[0].x, hi = pp[n - 1].x;
            fprintf(o.f, "# block %d: %s, USL fit of the measured values: x\tX(x)\n", nb,
                    r->groups[g]);
            for (int k = 0; k <= 200; k++) {
                double x = lo + (hi - lo) * k / 200.0;
                fprintf(o.f, "%.12g\t%.12g\n", x, usl_eval(&f->r[0], x));
            }
            fputs("\n\n", o.f);
            blk[g].usl = nb++;
        }
    }
    free(pp);
    return fsu_commit(&o, err);
}

/* One rendering (png or svg) of the overlay. */
static void val_plot_body(FILE *f, const val_report *r, const val_blocks *blk, const char *ext,
                          int cairo)
{
    int cols = (int)ceil(sqrt((double)r->ngroups)), rows = (r->ngroups + cols - 1) / cols;
    int w = 640 * cols > 3200 ? 3200 : 640 * cols, h = 480 * rows > 3200 ? 3200 : 480 * rows;
    if (r->ngroups == 1) { /* one panel: room for the title */
        w = 900;
        h = 600;
    }
    if (!strcmp(ext, "png"))
        fprintf(f, "set terminal %s noenhanced size %d,%d\n", cairo ? "pngcairo" : "png", w, h);
    else
        fprintf(f, "set terminal svg noenhanced size %d,%d\n", w, h);
    fprintf(f, "set output out.'.%s'\n", ext);
    char title[2048], ylab[1024];
    const char *mf = strrchr(r->measured_file, '/'), *sf = strrchr(r->scenario_file, '/');
    snprintf(title, sizeof title, "%s: measured (%s) vs simulated (%s)", r->metric,
             mf ? mf + 1 : r->measured_file, sf ? sf + 1 : r->scenario_file);
    snprintf(ylab, sizeof ylab, "%s%s", r->metric,
             r->norm == VAL_NORM_FIRST ? " / value at the first point"
             : r->norm == VAL_NORM_MAX ? " / largest value" : "");
    if (r->ngroups > 1) {
        fprintf(f, "set multiplot layout %d,%d title ", rows, cols);
        gp_str(f, title);
        fputc('\n', f);
    }
    fputs("set grid\nset key top right\nset xlabel ", f);
    gp_str(f, r->xname ? r->xname : "measured point");
    fputs("\nset ylabel ", f);
    gp_str(f, ylab);
    fputc('\n', f);
    for (int g = 0; g < r->ngroups; g++) {
        fputs("set title ", f);
        gp_str(f, r->ngroups > 1 ? r->groups[g] : title);
        fputc('\n', f);
        if (!r->xname) {
            int n = 0;
            for (int i = 0; i < r->nrows; i++)
                n += r->rows[i].group == g;
            fprintf(f, "set xrange [-0.5:%d.5]\nset xtics rotate by -20\n", n - 1);
        } else {
            fputs("set autoscale x\nset xtics norotate autofreq\n", f);
        }
        fprintf(f,
                "plot dat index %d using 1:3:4 with filledcurves fc rgb '#9ecae1' fs solid 0.5 "
                "noborder title 'simulated 95%% CI', \\\n"
                "     dat index %d using 1:2:3:4%s with yerrorlines lw 2 pt 6 lc rgb '#08519c' "
                "title 'simulated mean', \\\n",
                blk[g].pred, blk[g].pred, r->xname ? "" : ":xtic(5)");
        if (blk[g].usl >= 0)
            fprintf(f, "     dat index %d using 1:2 with lines dt 2 lw 2 lc rgb '#d62728' title "
                       "'USL fit of measured', \\\n",
                    blk[g].usl);
        fprintf(f, "     dat index %d using 1:2 with points pt 7 ps 1.5 lc rgb 'black' title "
                   "'measured'\n",
                blk[g].meas);
    }
    if (r->ngroups > 1)
        fputs("unset multiplot\n", f);
    fputs("set output\n", f);
}

int val_plot(const val_report *r, const char *dir, vs_err *err)
{
    char path[VAL_PATH];
    if (fsu_mkdirs(dir, err))
        return -1;
    val_blocks *blk = vs_xcalloc((size_t)r->ngroups + 1, sizeof *blk);
    snprintf(path, sizeof path, "%s/overlay.dat", dir);
    if (val_plot_data(r, path, blk, err)) {
        free(blk);
        return -1;
    }
    int have = gp_on_path("gnuplot"), cairo = 1, svg = 1;
    if (have) {
        const char *p1[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
        const char *p2[] = {"gnuplot", "-e", "set terminal svg", NULL};
        cairo = gp_run(NULL, p1, 1) == 0;
        svg = gp_run(NULL, p2, 1) == 0;
    }
    fsu_file g;
    snprintf(path, sizeof path, "%s/overlay.gp", dir);
    if (fsu_open(&g, path, err)) {
        free(blk);
        return -1;
    }
    fprintf(g.f, "# Written by vmsim validate: measured points, the simulated mean with its 95%% "
                 "CI band,\n# and the USL fit of the measured values.\n"
                 "# Render: cd DIR && gnuplot overlay.gp   (writes overlay.png and overlay.svg)\n"
                 "if (!exists('out')) out = 'overlay'\n"
                 "dat = 'overlay.dat'\n"
                 "set datafile separator '\\t'\n");
    val_plot_body(g.f, r, blk, "png", cairo);
    if (svg)
        val_plot_body(g.f, r, blk, "svg", cairo);
    free(blk);
    if (fsu_commit(&g, err))
        return -1;
    if (!have)
        return 0;
    /* Render to temporary names, then rename: the images appear whole. */
    char outvar[128], tmpbase[64];
    snprintf(tmpbase, sizeof tmpbase, "overlay.tmp.%ld", (long)getpid());
    snprintf(outvar, sizeof outvar, "out='%s'", tmpbase);
    const char *args[] = {"gnuplot", "-e", outvar, "overlay.gp", NULL};
    int st = gp_run(dir, args, 0);
    static const char *const exts[] = {".png", ".svg"};
    for (int i = 0; i < 2; i++) {
        char from[VAL_PATH + 128], to[VAL_PATH + 16];
        snprintf(from, sizeof from, "%s/%s%s", dir, tmpbase, exts[i]);
        snprintf(to, sizeof to, "%s/overlay%s", dir, exts[i]);
        struct stat sb;
        if (st != 0 || stat(from, &sb) != 0) {
            remove(from);
            continue;
        }
        if (rename(from, to) != 0)
            return err_internal(err, "%s: cannot rename into place: %s", to, strerror(errno));
    }
    if (st != 0)
        return err_internal(err, "gnuplot failed (status %d) on %s/overlay.gp; the script and "
                                 "data are kept",
                            st, dir);
    return 1;
}

/* --- sensitivity --------------------------------------------------------- */

/* The index of the best report by MAPE (lowest; NAN never wins), -1. */
static int val_best(const val_report *reps, int n)
{
    int best = -1;
    for (int k = 0; k < n; k++)
        if (!isnan(reps[k].sum.mape) && (best < 0 || reps[k].sum.mape < reps[best].sum.mape))
            best = k;
    return best;
}

void val_sens_print(FILE *f, const char *param, char *const *labels, const val_report *reps,
                    int n)
{
    char b[64], b2[64];
    if (n < 1)
        return;
    fprintf(f, "Sensitivity of the validation of %s against %s to %s\n", reps[0].scenario_file,
            reps[0].measured_file, param);
    fprintf(f, "metric %s, normalize %s; predictions: %s\n\n", reps[0].metric,
            val_norm_name(reps[0].norm), reps[0].source);
    int wv = (int)strlen(param);
    for (int k = 0; k < n; k++)
        wv = (int)strlen(labels[k]) > wv ? (int)strlen(labels[k]) : wv;
    fprintf(f, "%-*s  %6s  %10s  %12s  %s\n", wv, param, "points", "MAPE", "RMSE",
            "inside 95% CI");
    int best = val_best(reps, n);
    for (int k = 0; k < n; k++) {
        const val_summary *s = &reps[k].sum;
        char cov[64];
        snprintf(cov, sizeof cov, "%d/%d (%.0f%%)", s->inside, s->points,
                 s->points ? 100 * s->coverage : 0.0);
        snprintf(b, sizeof b, "%s%%", val_fmt(s->mape, b2, sizeof b2));
        fprintf(f, "%-*s  %6d  %10s  %12s  %*s%s\n", wv, labels[k], s->points, b,
                val_fmt(s->rmse, b2, sizeof b2), k == best ? -14 : 0, cov,
                k == best ? "  <- least MAPE" : "");
    }
}

int val_sens_write(const char *dir, const char *param, json_t *values, char *const *labels,
                   const val_report *reps, int n, const char *command_line, vs_err *err)
{
    char path[VAL_PATH];
    if (fsu_mkdirs(dir, err))
        return -1;
    json_t *vals = json_array();
    for (int k = 0; k < n; k++) {
        json_t *rows = json_array();
        for (int i = 0; i < reps[k].nrows; i++)
            json_array_append_new(rows, val_row_json(&reps[k], &reps[k].rows[i], 0));
        json_t *o = json_pack("{s:O,s:s,s:o,s:o}", "value", json_array_get(values, (size_t)k),
                              "label", labels[k], "summary", val_summary_json(&reps[k].sum),
                              "points", rows);
        json_array_append_new(vals, o);
    }
    int best = val_best(reps, n);
    json_t *doc = n < 1 ? NULL
                        : json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o}", "vmsim_version",
                                    VMSIM_VERSION, "scenario_file", reps[0].scenario_file,
                                    "measured_file", reps[0].measured_file, "metric",
                                    reps[0].metric, "normalize", val_norm_name(reps[0].norm),
                                    "param", param, "predictions", reps[0].source, "values", vals,
                                    "best_by_mape",
                                    best >= 0 ? json_string(labels[best]) : json_null());
    if (doc && command_line)
        json_object_set_new(doc, "command_line", json_string(command_line));
    snprintf(path, sizeof path, "%s/sensitivity.json", dir);
    int bad = val_write_json(path, doc, err);
    json_decref(doc);
    if (bad)
        return -1;
    fsu_file o;
    snprintf(path, sizeof path, "%s/sensitivity.csv", dir);
    if (fsu_open(&o, path, err))
        return -1;
    csv_write_text(o.f, param);
    fputs(",points,reference_points,mape_pct,rmse,coverage,inside_ci\n", o.f);
    for (int k = 0; k < n; k++) {
        const val_summary *s = &reps[k].sum;
        csv_write_text(o.f, labels[k]);
        fprintf(o.f, ",%d,%d", s->points, s->refs);
        val_csv_num(o.f, s->mape);
        val_csv_num(o.f, s->rmse);
        val_csv_num(o.f, s->coverage);
        fprintf(o.f, ",%d\n", s->inside);
    }
    return fsu_commit(&o, err);
}

/* --- command-line helpers ---------------------------------------------------------------- */

json_t *val_load_scenario(const char *file, char *const *sets, int nsets, vs_err *err)
{
    json_t *doc = sc_read_json(file, err);
    for (int i = 0; doc && i < nsets; i++)
        if (sc_apply_set(doc, sets[i], err)) {
            json_decref(doc);
            doc = NULL;
        }
    return doc;
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
