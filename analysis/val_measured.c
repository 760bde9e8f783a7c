/* val_measured.c - reading the measured CSV and checking it against the
 * scenario; the report rows (see validate.h). */
#include "analysis/val_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "sim/mem.h"

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
    free(r->norm_ref);
    free(r->scenario_file);
    free(r->measured_file);
    free(r->metric);
    free(r->xname);
    free(r->source);
    memset(r, 0, sizeof *r);
}

