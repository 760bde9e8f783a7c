/* val_plot.c - the gnuplot overlay of a validation: measured points, the
 * simulated mean with its 95% CI band, the USL fit (see analysis/validate.h). */
#include "analysis/val_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/gnuplot.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

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
             r->norm == VAL_NORM_FIRST   ? " / value at the first point"
             : r->norm == VAL_NORM_MAX   ? " / largest value"
             : r->norm == VAL_NORM_CURVE ? " / same x of the reference series"
                                         : "");
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
        /* under curve: the reference series is 1 everywhere: a fixed range */
        int flat = r->norm == VAL_NORM_CURVE && r->norm_ref && !strcmp(r->groups[g], r->norm_ref);
        fputs(flat ? "set yrange [0:2]\n" : "set autoscale y\n", f);
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

