/* results.c - the in-memory results table (see results.h). */
#include "analysis/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

void rtab_init(rtab *t, int naxes, char *const *names, const int *nlabels,
               char *const *const *labels)
{
    memset(t, 0, sizeof *t);
    t->naxes = naxes;
    size_t na = naxes ? (size_t)naxes : 1;
    t->axis_names = vs_xcalloc(na, sizeof(char *));
    t->nlabels = vs_xcalloc(na, sizeof(int));
    t->labels = vs_xcalloc(na, sizeof(char **));
    for (int a = 0; a < naxes; a++) {
        t->axis_names[a] = vs_xstrdup(names[a]);
        t->nlabels[a] = nlabels[a];
        t->labels[a] = vs_xcalloc((size_t)nlabels[a], sizeof(char *));
        for (int k = 0; k < nlabels[a]; k++)
            t->labels[a][k] = vs_xstrdup(labels[a][k]);
    }
    t->extras = json_object();
}

void rtab_note(rtab *t, json_t *res)
{
    const char *k;
    json_t *v, *mo = json_object_get(res, "metrics");
    json_object_foreach(mo, k, v) {
        if (json_is_number(v))
            json_object_set_new(t->extras, k, json_true());
    }
}

static int rtab_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void rtab_columns(rtab *t)
{
    int nm = metric_count();
    size_t nx = json_object_size(t->extras);
    rtab_col *c = vs_xcalloc((size_t)nm + nx, sizeof *c);
    char **keys = vs_xcalloc(nx ? nx : 1, sizeof(char *));
    const char *k;
    json_t *v;
    size_t i = 0;
    json_object_foreach(t->extras, k, v) {
        keys[i++] = (char *)k;
    }
    qsort(keys, nx, sizeof(char *), rtab_cmp_str);
    int n = 0;
    for (int m = 0; m < nm; m++)
        if (!metric_get(m)->wall) {
            c[n].m = metric_get(m);
            c[n++].name = vs_xstrdup(metric_get(m)->name);
        }
    for (i = 0; i < nx; i++) {
        int clash = metric_is_taken(keys[i]);
        for (int a = 0; a < t->naxes; a++)
            clash |= !strcmp(keys[i], t->axis_names[a]);
        c[n].extra = vs_xstrdup(keys[i]);
        c[n].name = vs_xmalloc(strlen(keys[i]) + 9);
        sprintf(c[n].name, "%s%s", clash ? "metrics." : "", keys[i]);
        n++;
    }
    t->nsum = n;
    for (int m = 0; m < nm; m++)
        if (metric_get(m)->wall) {
            c[n].m = metric_get(m);
            c[n++].name = vs_xstrdup(metric_get(m)->name);
        }
    free(keys);
    json_decref(t->extras);
    t->extras = NULL;
    t->cols = c;
    t->ncols = n;
}

/* The value of column c in results document res. */
static double rtab_col_value(const rtab_col *c, json_t *res)
{
    if (c->m)
        return metric_value(c->m, res);
    return metric_num(json_object_get(json_object_get(res, "metrics"), c->extra));
}

void rtab_add(rtab *t, int64_t point, int64_t group, const int *vidx, int64_t seed, json_t *res)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * (size_t)t->cap : 64;
        t->point = vs_xreallocarray(t->point, cap, sizeof(int64_t));
        t->group = vs_xreallocarray(t->group, cap, sizeof(int64_t));
        t->seed = vs_xreallocarray(t->seed, cap, sizeof(int64_t));
        t->vidx = vs_xreallocarray(t->vidx, cap * (size_t)(t->naxes ? t->naxes : 1), sizeof(int));
        t->val = vs_xreallocarray(t->val, cap * (size_t)(t->ncols ? t->ncols : 1), sizeof(double));
        t->cap = (int64_t)cap;
    }
    int64_t r = t->nrows++;
    t->point[r] = point;
    t->group[r] = group;
    t->seed[r] = seed;
    for (int a = 0; a < t->naxes; a++)
        t->vidx[r * t->naxes + a] = vidx[a];
    for (int c = 0; c < t->ncols; c++)
        t->val[r * t->ncols + c] = rtab_col_value(&t->cols[c], res);
}

int rtab_col_index(const rtab *t, const char *name)
{
    for (int c = 0; c < t->ncols; c++)
        if (!strcmp(t->cols[c].name, name))
            return c;
    return -1;
}

double rtab_get(const rtab *t, int64_t r, int c)
{
    return t->val[r * t->ncols + c];
}

double rtab_get_csv(const rtab *t, int64_t r, int c)
{
    double v = rtab_get(t, r, c);
    if (!isfinite(v))
        return NAN;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*g", RTAB_CSV_DIGITS, v);
    return strtod(buf, NULL);
}

const char *rtab_label(const rtab *t, int64_t r, int a)
{
    return t->labels[a][t->vidx[r * t->naxes + a]];
}

void rtab_free(rtab *t)
{
    for (int a = 0; a < t->naxes; a++) {
        for (int k = 0; t->labels && t->labels[a] && k < t->nlabels[a]; k++)
            free(t->labels[a][k]);
        if (t->labels)
            free(t->labels[a]);
        if (t->axis_names)
            free(t->axis_names[a]);
    }
    free(t->axis_names);
    free(t->nlabels);
    free(t->labels);
    json_decref(t->extras);
    for (int c = 0; c < t->ncols; c++) {
        free(t->cols[c].name);
        free(t->cols[c].extra);
    }
    free(t->cols);
    free(t->point);
    free(t->group);
    free(t->seed);
    free(t->vidx);
    free(t->val);
    memset(t, 0, sizeof *t);
}
