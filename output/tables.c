/* tables.c - results.csv and summary.csv text (see tables.h). */
#include "output/tables.h"

#include <math.h>

#include "analysis/csv.h"

void tab_num(FILE *f, double x)
{
    if (!isnan(x) && isfinite(x))
        fprintf(f, "%.*g", RTAB_CSV_DIGITS, x);
}

/* The axis cells of table row r, comma-separated, without a trailing comma. */
static void tab_axes(FILE *f, const rtab *t, int64_t r)
{
    for (int a = 0; a < t->naxes; a++) {
        if (a)
            fputc(',', f);
        csv_write_text(f, rtab_label(t, r, a));
    }
}

void tab_write_results(FILE *f, const rtab *t)
{
    fputs("point", f);
    for (int a = 0; a < t->naxes; a++) {
        fputc(',', f);
        csv_write_text(f, t->axis_names[a]);
    }
    fputs(",seed", f);
    for (int c = 0; c < t->ncols; c++) {
        fputc(',', f);
        csv_write_text(f, t->cols[c].name);
    }
    fputc('\n', f);
    for (int64_t r = 0; r < t->nrows; r++) {
        fprintf(f, "%lld,", (long long)t->point[r]);
        tab_axes(f, t, r);
        fprintf(f, "%s%lld", t->naxes ? "," : "", (long long)t->seed[r]);
        for (int c = 0; c < t->ncols; c++) {
            fputc(',', f);
            tab_num(f, rtab_get(t, r, c));
        }
        fputc('\n', f);
    }
}

void tab_write_summary(FILE *f, const rtab *t, const summary *s)
{
    for (int a = 0; a < t->naxes; a++) {
        if (a)
            fputc(',', f);
        csv_write_text(f, t->axis_names[a]);
    }
    fputs(t->naxes ? ",n" : "n", f);
    for (int c = 0; c < s->nsum; c++) {
        fputc(',', f);
        csv_write_text(f, t->cols[c].name);
        fputs("_mean,", f);
        csv_write_text(f, t->cols[c].name);
        fputs("_ci95", f);
    }
    fputc('\n', f);
    for (int64_t g = 0; g < s->nrows; g++) {
        const summ_row *w = &s->rows[g];
        tab_axes(f, t, w->first);
        fprintf(f, "%s%d", t->naxes ? "," : "", w->k);
        for (int c = 0; c < s->nsum; c++) {
            fputc(',', f);
            tab_num(f, s->mean[(size_t)g * s->nsum + c]);
            fputc(',', f);
            tab_num(f, s->half[(size_t)g * s->nsum + c]);
        }
        fputc('\n', f);
    }
}
