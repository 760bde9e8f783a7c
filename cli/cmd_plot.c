/* cmd_plot.c - `vmsim plot DIR [--x COL] [--y COL] [--curve COL] [--panel COL]
 * [--where COL=VALUE]... [--locks] [-o PREFIX]`: plots a sweep's summary.csv
 * with gnuplot (docs/sweep.md).
 *
 * Writes PREFIX.gp (a self-contained gnuplot script), PREFIX.dat (its data,
 * tab-separated, one gnuplot index block per panel and curve) and, with
 * --locks, PREFIX-locks.dat; then runs gnuplot in PREFIX's directory to
 * render PREFIX.png and PREFIX.svg (and PREFIX-locks.png/.svg). Without
 * gnuplot on PATH the script and data are still written and the command
 * says how to render them. */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "analysis/gnuplot.h"
#include "analysis/metrics.h"
#include "cli/cmds.h"
#include "sim/err.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define PLOT_MAX_WHERE 64
#define PLOT_PATH 4096

const char plot_usage[] =
    "usage: vmsim plot DIR|SUMMARY.csv [--x COLUMN] [--y COLUMN] [--curve COLUMN]\n"
    "                  [--panel COLUMN] [--where COLUMN=VALUE]... [--locks]\n"
    "                  [--workload NAME] [--xlabel TEXT] [--ylabel TEXT] [-o PREFIX[.png|.svg|.pdf]]\n"
    "       vmsim plot --series FILE.csv [-o PREFIX[.png|.svg|.pdf]]\n"
    "\n"
    "Plots DIR/summary.csv (written by vmsim sweep): y against x, one curve per\n"
    "value of --curve, one panel per value of --panel, with 95% t intervals of\n"
    "the mean over the seeds (clipped at 0 for quantities that are never\n"
    "negative; a point of one seed has no interval). Axes carry human labels\n"
    "and units. Writes PREFIX.gp and PREFIX.dat and renders them with gnuplot.\n"
    "\n"
    "  --x COLUMN        x axis (default: the first axis column)\n"
    "  --y COLUMN        y axis (default: by workload, from the point files: gmake\n"
    "                    throughput_per_vm_mean, builds per hour per VM; others\n"
    "                    ops_per_s_per_vm_mean); a COLUMN_mean gets intervals\n"
    "                    from COLUMN_ci95\n"
    "  --curve COLUMN    one curve per value (default: the next axis column;\n"
    "                    \"none\" for a single curve)\n"
    "  --panel COLUMN    one panel per value (default: the next axis column;\n"
    "                    \"none\" for a single panel)\n"
    "  --where COL=VAL   keep only the rows where COL is VAL (repeatable); other\n"
    "                    axes with several values are fixed at their first value\n"
    "  --locks           also PREFIX-locks: lock spin, lock-holder and lock-waiter\n"
    "                    preemption time and the mean wait per point\n"
    "  --workload NAME   what one op is, for the labels (gmake, lockloop, script,\n"
    "                    replay), when DIR has no point files (a bare SUMMARY.csv)\n"
    "  --xlabel TEXT, --ylabel TEXT\n"
    "                    axis labels instead of the built-in ones\n"
    "  --series FILE.csv a run's time series (vmsim run --series) instead of a\n"
    "                    sweep: throughput, vCPUs by state, and lock-holder and\n"
    "                    lock-waiter preemptions against simulated time (default\n"
    "                    PREFIX: FILE without .csv)\n"
    "  -o, --output PREFIX\n"
    "                    output prefix (default: DIR/plot); PREFIX.png, .svg or\n"
    "                    .pdf writes that format only, a PREFIX without one of\n"
    "                    those extensions PNG and SVG\n"
    "\n"
    "Exit status: 0 written (also when gnuplot is missing: a warning says how to\n"
    "render), 2 bad input or usage, 1 internal error or gnuplot failed.\n";

/* The parsed command line. */
typedef struct plot_cfg {
    const char *dir;                     /* the sweep directory */
    const char *x, *y, *curve, *panel;   /* column options, NULL for defaults */
    const char *where[PLOT_MAX_WHERE];   /* --where COL=VALUE */
    int nwhere;                          /* number of --where */
    int locks;                           /* --locks */
    const char *prefix;                  /* -o, or NULL */
    const char *workload;                /* --workload, or NULL: from the point files */
    const char *xlabel, *ylabel;         /* --xlabel, --ylabel, or NULL */
    const char *series;                  /* --series FILE.csv (vmsim run --series), or NULL */
    int help;                            /* --help */
} plot_cfg;

enum { PLOT_X = 256, PLOT_Y, PLOT_CURVE, PLOT_PANEL, PLOT_WHERE, PLOT_LOCKS, PLOT_WORKLOAD,
       PLOT_XLABEL, PLOT_YLABEL, PLOT_SERIES };

const args_opt plot_options[] = {
    {"x", 0, "COLUMN", PLOT_X},
    {"y", 0, "COLUMN", PLOT_Y},
    {"curve", 0, "COLUMN", PLOT_CURVE},
    {"panel", 0, "COLUMN", PLOT_PANEL},
    {"where", 0, "COLUMN=VALUE", PLOT_WHERE},
    {"locks", 0, NULL, PLOT_LOCKS},
    {"workload", 0, "NAME", PLOT_WORKLOAD},
    {"xlabel", 0, "TEXT", PLOT_XLABEL},
    {"ylabel", 0, "TEXT", PLOT_YLABEL},
    {"series", 0, "FILE.csv", PLOT_SERIES},
    {"output", 'o', "PREFIX", 'o'},
    {0, 0, 0, 0},
};

static int plot_args(int argc, char **argv, plot_cfg *o, vs_err *err)
{
    memset(o, 0, sizeof *o);
    args_parser p;
    args_init(&p, "plot", plot_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        const char **dst = NULL;
        switch (id) {
        case ARGS_HELP: o->help = 1; return 0;
        case ARGS_ERR: return err_input(err, "%s", p.err);
        case ARGS_POS:
            if (o->dir)
                return err_input(err, "unexpected argument %s", p.val);
            o->dir = p.val;
            continue;
        case PLOT_LOCKS: o->locks = 1; continue;
        case PLOT_X: dst = &o->x; break;
        case PLOT_Y: dst = &o->y; break;
        case PLOT_CURVE: dst = &o->curve; break;
        case PLOT_PANEL: dst = &o->panel; break;
        case 'o': dst = &o->prefix; break;
        case PLOT_WORKLOAD: dst = &o->workload; break;
        case PLOT_XLABEL: dst = &o->xlabel; break;
        case PLOT_YLABEL: dst = &o->ylabel; break;
        case PLOT_SERIES: dst = &o->series; break;
        case PLOT_WHERE:
            if (o->nwhere >= PLOT_MAX_WHERE)
                return err_input(err, "more than %d --where options", PLOT_MAX_WHERE);
            dst = &o->where[o->nwhere++];
            break;
        }
        if (!p.val[0])
            return err_input(err, "%s needs a value", p.opt);
        *dst = p.val;
    }
    if (o->series && o->dir)
        return err_input(err, "--series plots a run's time series: give it without DIR");
    if (o->series)
        return 0;
    if (!o->dir)
        return err_input(err, "missing DIR (a directory written by vmsim sweep)");
    return 0;
}

/* The column called name, or an input error listing the columns. */
static int plot_col(const csv_table *t, const char *opt, const char *name, int *col, vs_err *err)
{
    *col = csv_col(t, name);
    if (*col >= 0)
        return 0;
    char list[2048] = "";
    for (int c = 0; c < t->ncols; c++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", c ? ", " : "", t->names[c]);
    }
    return err_input(err, "%s: %s %s: no such column; the columns are: %s", t->path, opt, name,
                     list);
}

/* The distinct values of column col over the kept rows, in order of first
 * appearance: *n strings borrowed from the table (array owned by caller). */
static const char **plot_values(const csv_table *t, int col, const char *keep, int *n)
{
    const char **v = vs_xcalloc((size_t)t->nrows + 1, sizeof(char *));
    *n = 0;
    for (int r = 0; r < t->nrows; r++) {
        if (!keep[r])
            continue;
        const char *s = csv_cell(t, r, col);
        int seen = 0;
        for (int k = *n - 1; k >= 0 && !seen; k--)
            seen = !strcmp(v[k], s);
        if (!seen)
            v[(*n)++] = s;
    }
    return v;
}

/* What the script draws. */
typedef struct plot_spec {
    const csv_table *t;   /* summary.csv */
    int xc, yc, ec, nc;   /* x, y, error (ci95) and n columns; ec, nc -1 without */
    int cc, pc;           /* curve and panel columns, -1 for none */
    int xnum;             /* the x column is numeric */
    const char **xs;      /* categorical x: the distinct values */
    int nx;               /* number of xs */
    const char **curves;  /* curve values (one "" when cc < 0) */
    int ncurves;
    const char **panels;  /* panel values (one "" when pc < 0) */
    int npanels;
    int *block;           /* [panel * ncurves + curve]: index in the .dat, -1 when empty */
    int *block_ci;        /* [same]: the block has at least one interval */
    char fixed[1024];     /* "lock=ticket, ..." axes held at one value, for the title */
    const char *base;     /* file name prefix inside the output directory */
    const char *png_term; /* "pngcairo", or "png" without cairo */
    int locks;            /* draw the lock figure */
    int nlock_rows;       /* rows in PREFIX-locks.dat */
    metric_desc xd, yd;   /* how x and y read for people */
    char xlabel[256];     /* the axis labels */
    char ylabel[256];
    int clipped;          /* an interval was clipped at 0 */
    int any_n1;           /* a point has n = 1 (drawn without interval) */
    int any_ci;           /* a point has an interval */
    char xtics[2048];     /* "set xtics ..." for an integer x axis, or "" */
} plot_spec;

/* The terminal line of format fmt ("png", "svg", "pdf") for w x h pixels. */
static void plot_terminal(FILE *f, const plot_spec *s, const char *fmt, int w, int h)
{
    if (!strcmp(fmt, "png"))
        fprintf(f, "set terminal %s noenhanced size %d,%d font 'sans,10'\n", s->png_term, w, h);
    else if (!strcmp(fmt, "pdf"))
        fprintf(f, "set terminal pdfcairo noenhanced size %.2fin,%.2fin font 'sans,8'\n",
                w / 100.0, h / 100.0);
    else
        fprintf(f, "set terminal svg noenhanced size %d,%d font 'sans,10'\n", w, h);
}

/* The caption under the figure: what the bars are. */
static void plot_caption(const plot_spec *s, char *buf, size_t n)
{
    buf[0] = 0;
    if (s->ec < 0)
        return;
    if (!s->any_ci)
        snprintf(buf, n, "one seed per point: no interval (more seeds: vmsim sweep --seeds N)");
    else
        snprintf(buf, n, "bars: 95%% t interval of the mean over the seeds%s%s",
                 s->clipped ? " (clipped at 0: the quantity is never negative)" : "",
                 s->any_n1 ? "; points with n = 1 seed: no interval" : "");
}

/* Writes a gnuplot double-quoted string: line1, and line2 (if not empty)
 * on a second line. */
static void plot_dq(FILE *f, const char *line1, const char *line2)
{
    const char *parts[2] = {line1, line2};
    fputc('"', f);
    for (int k = 0; k < 2; k++) {
        if (k && !line2[0])
            break;
        if (k)
            fputs("\\n", f);
        for (const char *p = parts[k]; *p; p++) {
            if (*p == '"' || *p == '\\')
                fputc('\\', f);
            fputc(*p == '\n' ? ' ' : *p, f);
        }
    }
    fputc('"', f);
}

/* One rendering of the main figure and (with --locks) the lock figure. */
static void plot_body(FILE *f, const plot_spec *s, const char *fmt)
{
    const csv_table *t = s->t;
    int cols = (int)ceil(sqrt((double)s->npanels)), rows = (s->npanels + cols - 1) / cols;
    int w = 760 * cols > 3600 ? 3600 : 760 * cols, h = 500 * rows + 40;
    h = h > 3600 ? 3600 : h;
    plot_terminal(f, s, fmt, w, h);
    fprintf(f, "set output out.'.%s'\n", fmt);
    char title[2048], cap[512];
    snprintf(title, sizeof title, "%s vs %s%s%s", s->yd.label, s->xd.label,
             s->fixed[0] ? ", " : "", s->fixed);
    plot_caption(s, cap, sizeof cap);
    /* the title, with the caption as its second line */
    if (s->npanels > 1)
        fprintf(f, "set multiplot layout %d,%d title ", rows, cols);
    else
        fputs("set title ", f);
    plot_dq(f, title, cap);
    fputc('\n', f);
    fputs("set grid\nset key outside right top vertical Left reverse\n", f);
    if (s->cc >= 0) {
        metric_desc cd;
        metric_describe(t->names[s->cc], NULL, &cd);
        fputs("set key title ", f);
        gp_str(f, cd.label);
        fputc('\n', f);
    }
    fputs("set xlabel ", f);
    gp_str(f, s->xlabel);
    fputs("\nset ylabel ", f);
    gp_str(f, s->ylabel);
    fputc('\n', f);
    /* points inside the frame: a margin around the data */
    if (!s->xnum)
        fprintf(f, "set xrange [-0.5:%d.5]\n", s->nx - 1);
    else
        fputs("set autoscale x\nset offsets graph 0.05, graph 0.05, graph 0.08, 0\n", f);
    if (s->xtics[0])
        fprintf(f, "%s\n", s->xtics);
    if (s->yd.nonneg)
        fputs("set yrange [0:*]\n", f);
    for (int p = 0; p < s->npanels; p++) {
        int any = 0;
        for (int c = 0; c < s->ncurves; c++)
            any |= s->block[p * s->ncurves + c] >= 0;
        if (!any)
            continue;
        if (s->npanels > 1) {
            char pt[1024];
            metric_desc pd;
            metric_describe(t->names[s->pc], NULL, &pd);
            snprintf(pt, sizeof pt, "%s = %s", pd.label, s->panels[p]);
            fputs("set title ", f);
            gp_str(f, pt);
            fputc('\n', f);
        }
        fputs("plot ", f);
        int first = 1;
        for (int c = 0; c < s->ncurves; c++) {
            int b = s->block[p * s->ncurves + c];
            if (b < 0)
                continue;
            if (!first)
                fputs(", \\\n     ", f);
            first = 0;
            fprintf(f, "out_dat index %d using 1:2%s with linespoints lt %d pt %d lw 1.5 ", b,
                    s->xnum ? "" : ":xtic(5)", c + 1, c + 1);
            if (s->cc >= 0) { /* the key's title names the column */
                fputs("title ", f);
                gp_str(f, s->curves[c]);
            } else {
                fputs("notitle", f);
            }
            if (s->block_ci[p * s->ncurves + c]) /* NaN bounds (n = 1) draw no bar */
                fprintf(f, ", \\\n     out_dat index %d using 1:2:3:4 with yerrorbars lt %d "
                           "pt %d notitle",
                        b, c + 1, c + 1);
        }
        fputc('\n', f);
        if (s->npanels > 1 && p == 0)
            fputs("set title ''\n", f);
    }
    if (s->npanels > 1)
        fputs("unset multiplot\n", f);
    fputs("set output\nunset title\nunset xrange\nunset offsets\nset autoscale y\n"
          "set xtics autofreq\nset key notitle\n",
          f);
    if (!s->locks)
        return;
    /* The lock figure: stacked lock time per point, and the mean wait. */
    int lw = 260 + 40 * s->nlock_rows;
    lw = lw < 900 ? 900 : lw > 3600 ? 3600 : lw;
    plot_terminal(f, s, fmt, lw, 900);
    fprintf(f, "set output out.'-locks.%s'\n", fmt);
    fprintf(f, "set xrange [-0.5:%d.5]\n", s->nlock_rows - 1);
    fputs("set multiplot layout 2,1 title 'lock time per point (means over seeds)'\n"
          "set lmargin 12\n"
          "set xtics rotate by -30\n"
          "set xlabel ''\n"
          "set key outside right top vertical\n"
          "set style data histograms\n"
          "set style histogram rowstacked\n"
          "set style fill solid 0.8 border -1\n"
          "set boxwidth 0.75\n"
          "set yrange [0:*]\n"
          "set ylabel 'time in the measured interval (ms)'\n"
          "plot locks_dat using 2:xtic(1) title 'spinning', "
          "'' using 3 title 'lock-holder preempted', "
          "'' using 4 title 'lock-waiter preempted'\n"
          "set ylabel 'mean wait per acquisition (us)'\n"
          "plot locks_dat using 0:5:6:7:xtic(1) with boxerrorbars title 'wait, 95% interval "
          "(clipped at 0)'\n"
          "unset multiplot\n"
          "set output\n"
          "set style data points\n"
          "unset lmargin\n"
          "unset xrange\n"
          "set autoscale y\n"
          "set xtics norotate autofreq\n",
          f);
}

/* Writes the lock data: per kept row, its axis values, spin/LHP/LWP ms and
 * the mean wait with its CI. */
static int plot_locks_data(const csv_table *t, int naxes, const char *keep, const char *path,
                           int *nrows, vs_err *err)
{
    static const char *const need[] = {"lock_spin_ns_mean", "lock_lhp_ns_mean", "lock_lwp_ns_mean",
                                       "lock_wait_ns_mean_mean", "lock_wait_ns_mean_ci95"};
    int col[5];
    for (int i = 0; i < 5; i++)
        if (plot_col(t, "--locks needs column", need[i], &col[i], err))
            return -1;
    fsu_file o;
    if (fsu_open(&o, path, err))
        return -1;
    fputs("# point\tspin_ms\tlhp_ms\tlwp_ms\twait_us_mean\twait_us_low\twait_us_high (95% "
          "interval, clipped at 0)\n",
          o.f);
    *nrows = 0;
    for (int r = 0; r < t->nrows; r++) {
        if (!keep[r])
            continue;
        double v[5];
        int ok = 1;
        for (int i = 0; i < 5 && ok; i++)
            ok = csv_num(t, r, col[i], &v[i], NULL) == 0;
        if (!ok)
            continue;
        for (int a = 0; a < naxes; a++) {
            if (a)
                fputc(' ', o.f);
            gp_dat_text(o.f, csv_cell(t, r, a));
        }
        if (!naxes)
            fputs("all", o.f);
        double lo = v[3] - v[4] > 0 ? v[3] - v[4] : 0;
        fprintf(o.f, "\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\n", v[0] / 1e6, v[1] / 1e6,
                v[2] / 1e6, v[3] / 1e3, lo / 1e3, (v[3] + v[4]) / 1e3);
        (*nrows)++;
    }
    return fsu_commit(&o, err);
}

typedef struct plot_pt {
    double x, y, e;   /* position, value, error half-width (-1: no interval) */
    double n;         /* seeds behind the point (-1 unknown) */
    const char *lab;  /* x label (categorical x) */
} plot_pt;

static int plot_cmp_pt(const void *a, const void *b)
{
    const plot_pt *p = a, *q = b;
    return (p->x > q->x) - (p->x < q->x);
}

/* Writes PREFIX.dat: one index block per non-empty (panel, curve), and
 * fills s->block. */
static int plot_main_data(plot_spec *s, const char *keep, const char *path, vs_err *err)
{
    const csv_table *t = s->t;
    fsu_file o;
    if (fsu_open(&o, path, err))
        return -1;
    plot_pt *pts = vs_xcalloc((size_t)t->nrows + 1, sizeof *pts);
    int nb = 0, rc = 0;
    for (int p = 0; p < s->npanels && !rc; p++)
        for (int c = 0; c < s->ncurves && !rc; c++) {
            int n = 0;
            for (int r = 0; r < t->nrows && !rc; r++) {
                if (!keep[r] || (s->pc >= 0 && strcmp(csv_cell(t, r, s->pc), s->panels[p])) ||
                    (s->cc >= 0 && strcmp(csv_cell(t, r, s->cc), s->curves[c])))
                    continue;
                plot_pt *q = &pts[n];
                if (!csv_cell(t, r, s->yc)[0]) /* no value (no finished seed had one) */
                    continue;
                if (csv_num(t, r, s->yc, &q->y, err) ||
                    (s->xnum && csv_num(t, r, s->xc, &q->x, err))) {
                    rc = -1;
                    break;
                }
                q->e = -1;
                q->n = -1;
                if (s->nc >= 0 && csv_cell(t, r, s->nc)[0] && csv_num(t, r, s->nc, &q->n, err)) {
                    rc = -1;
                    break;
                }
                if (s->ec >= 0 && csv_cell(t, r, s->ec)[0] && csv_num(t, r, s->ec, &q->e, err)) {
                    rc = -1;
                    break;
                }
                if (q->n >= 0 && q->n < 2)
                    q->e = -1; /* one seed: no interval (not a zero-width one) */
                q->lab = csv_cell(t, r, s->xc);
                if (!s->xnum)
                    for (int k = 0; k < s->nx; k++)
                        if (!strcmp(s->xs[k], q->lab))
                            q->x = k;
                n++;
            }
            if (rc || n == 0) {
                s->block[p * s->ncurves + c] = -1;
                continue;
            }
            qsort(pts, (size_t)n, sizeof *pts, plot_cmp_pt);
            fprintf(o.f, "# block %d", nb);
            if (s->pc >= 0)
                fprintf(o.f, ", %s=%s", t->names[s->pc], s->panels[p]);
            if (s->cc >= 0)
                fprintf(o.f, ", %s=%s", t->names[s->cc], s->curves[c]);
            fprintf(o.f, ": %s\t%s x %g (%s)\tlow\thigh\tlabel\tn\n", t->names[s->xc],
                    t->names[s->yc], s->yd.scale, s->yd.unit[0] ? s->yd.unit : "as is");
            int ci = 0;
            for (int k = 0; k < n; k++) {
                double y = pts[k].y * s->yd.scale, e = pts[k].e * s->yd.scale;
                fprintf(o.f, "%.12g\t%.12g\t", pts[k].x, y);
                if (pts[k].e >= 0) {
                    double lo = y - e;
                    if (s->yd.nonneg && lo < 0) {
                        lo = 0;
                        s->clipped = 1;
                    }
                    fprintf(o.f, "%.12g\t%.12g\t", lo, y + e);
                    ci = s->any_ci = 1;
                } else {
                    fputs("NaN\tNaN\t", o.f);
                    if (pts[k].n >= 0 && pts[k].n < 2)
                        s->any_n1 = 1;
                }
                gp_dat_text(o.f, pts[k].lab);
                fprintf(o.f, "\t%g\n", pts[k].n);
            }
            s->block_ci[p * s->ncurves + c] = ci;
            fputs("\n\n", o.f);
            s->block[p * s->ncurves + c] = nb++;
        }
    free(pts);
    if (rc) {
        fsu_abort(&o);
        return -1;
    }
    if (nb == 0) {
        fsu_abort(&o);
        return err_input(err, "%s: no rows with a value of %s to plot", t->path, t->names[s->yc]);
    }
    return fsu_commit(&o, err);
}

/* The directory and the file name of PREFIX. */
static void plot_split(const char *prefix, char *dir, char *base, size_t n)
{
    const char *sl = strrchr(prefix, '/');
    if (sl) {
        snprintf(dir, n, "%.*s", (int)(sl - prefix) ? (int)(sl - prefix) : 1, prefix);
        snprintf(base, n, "%s", sl + 1);
    } else {
        snprintf(dir, n, ".");
        snprintf(base, n, "%s", prefix);
    }
}

/* The workload of the sweep in dir, from its first point file
 * ("gmake", "lockloop", ...), into buf; "" when there is none. */
static const char *plot_workload(const char *dir, char *buf, size_t n)
{
    char pd[PLOT_PATH + 16];
    buf[0] = 0;
    snprintf(pd, sizeof pd, "%s/points", dir);
    DIR *d = opendir(pd);
    if (!d)
        return buf;
    struct dirent *e;
    while ((e = readdir(d)) && !buf[0]) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") || e->d_name[0] == '.')
            continue;
        char f[2 * PLOT_PATH];
        snprintf(f, sizeof f, "%s/%s", pd, e->d_name);
        json_t *doc = json_load_file(f, 0, NULL);
        const char *w = json_string_value(
            json_object_get(json_array_get(json_object_get(doc, "vms"), 0), "workload"));
        if (w)
            snprintf(buf, n, "%s", w);
        json_decref(doc);
    }
    closedir(d);
    return buf;
}

/* The x ticks of an integer axis: at the values when there are few, else
 * at an integer step. Leaves s->xtics empty for another axis. */
static void plot_int_xtics(plot_spec *s, const char *keep)
{
    const csv_table *t = s->t;
    double v[64];
    int nv = 0, many = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (int r = 0; r < t->nrows; r++) {
        double x;
        if (!keep[r] || csv_num(t, r, s->xc, &x, NULL))
            continue;
        if (x != floor(x))
            return; /* not an integer axis after all */
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
        int seen = 0;
        for (int k = 0; k < nv && !seen; k++)
            seen = v[k] == x;
        if (!seen && nv < 64)
            v[nv++] = x;
        else if (!seen)
            many = 1;
    }
    if (nv == 0)
        return;
    if (!many && nv <= 16) {
        size_t l = (size_t)snprintf(s->xtics, sizeof s->xtics, "set xtics (");
        for (int k = 0; k < nv; k++)
            l += (size_t)snprintf(s->xtics + l, sizeof s->xtics - l, "%s%.0f", k ? ", " : "",
                                  v[k]);
        snprintf(s->xtics + l, sizeof s->xtics - l, ")");
        return;
    }
    double step = 1, range = hi - lo; /* 1, 2, 5, 10, 20, 50, ...: at most 12 ticks */
    for (int k = 0; range / step > 12; k++)
        step = (k % 3 == 0 ? 2 : k % 3 == 1 ? 5 : 10) * pow(10, k / 3);
    snprintf(s->xtics, sizeof s->xtics, "set xtics %.0f\nset format x '%%.0f'", step);
}

/* The formats of -o: PREFIX.png, .svg or .pdf is that one format; a
 * PREFIX without one of those extensions gets PNG and SVG. Strips the
 * extension from prefix. */
static int plot_formats(char *prefix, const char **fmts)
{
    size_t l = strlen(prefix);
    static const char *const ext[] = {"png", "svg", "pdf"};
    for (int k = 0; k < 3; k++)
        if (l > 4 && prefix[l - 4] == '.' && !strcmp(prefix + l - 3, ext[k])) {
            prefix[l - 4] = 0;
            fmts[0] = ext[k];
            return 1;
        }
    fmts[0] = "png";
    fmts[1] = "svg";
    return 2;
}

static int plot_main(const plot_cfg *o, vs_err *err)
{
    char path[PLOT_PATH], pdir[PLOT_PATH], base[PLOT_PATH], prefix[PLOT_PATH];
    char sdir[PLOT_PATH], wl[64];
    struct stat st;
    /* DIR (a sweep's directory) or its summary CSV itself */
    if (stat(o->dir, &st) == 0 && S_ISREG(st.st_mode)) {
        snprintf(path, sizeof path, "%s", o->dir);
        plot_split(o->dir, sdir, base, sizeof sdir);
    } else {
        snprintf(path, sizeof path, "%s/summary.csv", o->dir);
        snprintf(sdir, sizeof sdir, "%s", o->dir);
    }
    if (stat(path, &st) != 0)
        return err_input(err, "%s: %s (is %s a directory written by vmsim sweep?)", path,
                         strerror(errno), o->dir);
    const char *workload = o->workload ? o->workload : plot_workload(sdir, wl, sizeof wl);
    if (!workload[0])
        workload = NULL;
    csv_table t;
    if (csv_read(path, &t, err))
        return -1;
    char summary[PLOT_PATH];
    snprintf(summary, sizeof summary, "%s", path);
    int rc = -1, ncol = csv_col(&t, "n");
    char *keep = NULL;
    plot_spec s = {.t = &t, .ec = -1, .cc = -1, .pc = -1, .locks = o->locks, .nc = ncol};
    if (ncol < 0) {
        err_input(err, "%s: no column \"n\": not a vmsim sweep summary", path);
        goto out;
    }
    int naxes = ncol; /* the axis columns come before n */
    if (o->x) {
        if (plot_col(&t, "--x", o->x, &s.xc, err))
            goto out;
    } else if (naxes > 0) {
        s.xc = 0;
    } else {
        err_input(err, "%s: the sweep has no axis columns; give --x COLUMN", path);
        goto out;
    }
    /* the default y: what one reads first for the workload */
    const char *ydef = "ops_per_s_per_vm_mean";
    if (workload && (!strcmp(workload, "gmake") || !strcmp(workload, "replay")))
        ydef = "throughput_per_vm_mean"; /* builds per hour per VM */
    if (!o->y && csv_col(&t, ydef) < 0 && csv_col(&t, "throughput_per_vm_mean") >= 0)
        ydef = "throughput_per_vm_mean";
    if (plot_col(&t, "--y", o->y ? o->y : ydef, &s.yc, err))
        goto out;
    metric_describe(t.names[s.yc], workload, &s.yd);
    metric_describe(t.names[s.xc], workload, &s.xd);
    metric_axis_label(&s.yd, s.ylabel, sizeof s.ylabel);
    metric_axis_label(&s.xd, s.xlabel, sizeof s.xlabel);
    if (o->ylabel)
        snprintf(s.ylabel, sizeof s.ylabel, "%s", o->ylabel);
    if (o->xlabel)
        snprintf(s.xlabel, sizeof s.xlabel, "%s", o->xlabel);
    size_t yl = strlen(t.names[s.yc]);
    if (yl > 5 && !strcmp(t.names[s.yc] + yl - 5, "_mean")) {
        char ename[1100];
        snprintf(ename, sizeof ename, "%.*s_ci95", (int)(yl - 5), t.names[s.yc]);
        s.ec = csv_col(&t, ename);
    }
    /* --curve and --panel: given, "none", or the next unused axis columns */
    const char *copt[2] = {o->curve, o->panel}, *cname[2] = {"--curve", "--panel"};
    int *cdst[2] = {&s.cc, &s.pc};
    for (int k = 0; k < 2; k++) {
        if (copt[k] && !strcmp(copt[k], "none"))
            continue;
        if (copt[k]) {
            if (plot_col(&t, cname[k], copt[k], cdst[k], err))
                goto out;
            continue;
        }
        for (int a = 0; a < naxes && *cdst[k] < 0; a++) {
            int used = a == s.xc || a == s.cc || a == s.pc ||
                       (k == 0 && o->panel && !strcmp(o->panel, t.names[a]));
            if (!used)
                *cdst[k] = a;
        }
    }
    if ((s.cc >= 0 && (s.cc == s.xc || s.cc == s.pc)) || (s.pc >= 0 && s.pc == s.xc)) {
        err_input(err, "--x, --curve and --panel need different columns");
        goto out;
    }
    /* Row selection: --where, then the other axes held at one value. */
    keep = vs_xmalloc((size_t)t.nrows + 1);
    memset(keep, 1, (size_t)t.nrows + 1);
    int held[1000] = {0};
    for (int i = 0; i < o->nwhere; i++) {
        const char *eq = strchr(o->where[i], '=');
        if (!eq || eq == o->where[i]) {
            err_input(err, "--where %s: expected COLUMN=VALUE", o->where[i]);
            goto out;
        }
        char cn[1024];
        snprintf(cn, sizeof cn, "%.*s", (int)(eq - o->where[i]), o->where[i]);
        int c;
        if (plot_col(&t, "--where", cn, &c, err))
            goto out;
        held[c] = 1;
        int any = 0;
        for (int r = 0; r < t.nrows; r++) {
            keep[r] &= !strcmp(csv_cell(&t, r, c), eq + 1);
            any |= keep[r];
        }
        if (!any) {
            err_input(err, "--where %s: no row of %s matches", o->where[i], path);
            goto out;
        }
    }
    char *lock_keep = vs_xmalloc((size_t)t.nrows + 1);
    memcpy(lock_keep, keep, (size_t)t.nrows + 1);
    for (int a = 0; a < naxes; a++) {
        if (a == s.xc || a == s.cc || a == s.pc || held[a])
            continue;
        int n;
        const char **v = plot_values(&t, a, keep, &n);
        if (n > 1) {
            size_t l = strlen(s.fixed);
            snprintf(s.fixed + l, sizeof s.fixed - l, "%s%s=%s", l ? ", " : "", t.names[a], v[0]);
            fprintf(stderr, "vmsim plot: warning: %s has %d values; plotting %s=%s only (choose "
                            "with --where %s=VALUE)\n",
                    t.names[a], n, t.names[a], v[0], t.names[a]);
            const char *first = v[0];
            for (int r = 0; r < t.nrows; r++)
                keep[r] &= !strcmp(csv_cell(&t, r, a), first);
        }
        free(v);
    }
    s.xnum = csv_col_numeric(&t, s.xc);
    s.xs = plot_values(&t, s.xc, keep, &s.nx);
    static const char *const one[] = {""};
    s.curves = s.cc >= 0 ? plot_values(&t, s.cc, keep, &s.ncurves) : NULL;
    s.panels = s.pc >= 0 ? plot_values(&t, s.pc, keep, &s.npanels) : NULL;
    if (s.cc < 0) {
        s.curves = vs_xmalloc(sizeof(char *));
        s.curves[0] = one[0];
        s.ncurves = 1;
    }
    if (s.pc < 0) {
        s.panels = vs_xmalloc(sizeof(char *));
        s.panels[0] = one[0];
        s.npanels = 1;
    }
    s.block = vs_xcalloc((size_t)s.ncurves * (size_t)s.npanels, sizeof(int));
    s.block_ci = vs_xcalloc((size_t)s.ncurves * (size_t)s.npanels, sizeof(int));
    if (s.xnum)
        plot_int_xtics(&s, keep);
    /* Outputs */
    if (o->prefix)
        snprintf(prefix, sizeof prefix, "%s", o->prefix);
    else
        snprintf(prefix, sizeof prefix, "%s/plot", sdir);
    const char *fmts[2];
    int nfmts = plot_formats(prefix, fmts);
    plot_split(prefix, pdir, base, sizeof pdir);
    if (!base[0]) {
        err_input(err, "-o %s: expected a file name prefix, not a directory", prefix);
        goto out2;
    }
    if (fsu_mkdirs(pdir, err))
        goto out2;
    s.base = base;
    snprintf(path, sizeof path, "%s.dat", prefix);
    if (plot_main_data(&s, keep, path, err))
        goto out2;
    if (o->locks) {
        snprintf(path, sizeof path, "%s-locks.dat", prefix);
        if (plot_locks_data(&t, naxes, lock_keep, path, &s.nlock_rows, err))
            goto out2;
    }
    int have = gp_on_path("gnuplot");
    s.png_term = "pngcairo";
    if (have) {
        /* a missing terminal: fall back, and say so */
        const char *probe1[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
        const char *probe2[] = {"gnuplot", "-e", "set terminal pdfcairo", NULL};
        const char *probe3[] = {"gnuplot", "-e", "set terminal svg", NULL};
        for (int k = 0; k < nfmts; k++) {
            if (!strcmp(fmts[k], "png") && gp_run(NULL, probe1, 1) != 0) {
                s.png_term = "png";
                fprintf(stderr, "vmsim plot: note: gnuplot has no pngcairo terminal; using its "
                                "plain png terminal (install gnuplot-nox for cairo)\n");
            } else if (!strcmp(fmts[k], "pdf") && gp_run(NULL, probe2, 1) != 0) {
                fprintf(stderr, "vmsim plot: gnuplot has no pdfcairo terminal; writing SVG "
                                "instead (install gnuplot-nox, or convert the SVG)\n");
                fmts[k] = "svg";
            } else if (!strcmp(fmts[k], "svg") && gp_run(NULL, probe3, 1) != 0) {
                fprintf(stderr, "vmsim plot: gnuplot has no svg terminal; writing PNG instead\n");
                fmts[k] = "png";
            }
        }
        if (nfmts == 2 && !strcmp(fmts[0], fmts[1]))
            nfmts = 1;
    }
    fsu_file g;
    snprintf(path, sizeof path, "%s.gp", prefix);
    if (fsu_open(&g, path, err))
        goto out2;
    fprintf(g.f, "# Written by vmsim plot from %s.\n", summary);
    fprintf(g.f, "# Render: cd ");
    gp_str(g.f, pdir);
    fprintf(g.f, " && gnuplot %s.gp   (writes %s.%s%s%s%s%s)\n", base, base, fmts[0],
            nfmts > 1 ? ", " : "", nfmts > 1 ? base : "", nfmts > 1 ? "." : "",
            nfmts > 1 ? fmts[1] : "");
    if (o->locks)
        fprintf(g.f, "#   and %s-locks.* (the lock figure)\n", base);
    fputs("if (!exists('out')) out = ", g.f);
    gp_str(g.f, base);
    fputs("\nout_dat = ", g.f);
    char dn[PLOT_PATH + 16];
    snprintf(dn, sizeof dn, "%s.dat", base);
    gp_str(g.f, dn);
    fputs("\nlocks_dat = ", g.f);
    snprintf(dn, sizeof dn, "%s-locks.dat", base);
    gp_str(g.f, dn);
    fputs("\nset datafile separator '\\t'\n", g.f);
    for (int k = 0; k < nfmts; k++)
        plot_body(g.f, &s, fmts[k]);
    if (fsu_commit(&g, err))
        goto out2;
    if (!have) {
        fprintf(stderr, "vmsim plot: warning: gnuplot is not on PATH; wrote %s.gp and its data. "
                        "Render with: cd %s && gnuplot %s.gp "
                        "(Debian: apt-get install gnuplot-nox)\n",
                prefix, pdir, base);
        rc = 0;
        goto out2;
    }
    /* Render to temporary names, then rename: the images appear whole. */
    char outvar[PLOT_PATH + 64], tmpbase[PLOT_PATH + 32];
    snprintf(tmpbase, sizeof tmpbase, "%s.tmp.%ld", base, (long)getpid());
    snprintf(outvar, sizeof outvar, "out='%s'", tmpbase);
    char gpname[PLOT_PATH + 8];
    snprintf(gpname, sizeof gpname, "%s.gp", base);
    const char *args[] = {"gnuplot", "-e", outvar, gpname, NULL};
    int gst = gp_run(pdir, args, 0);
    char outs[4][16];
    int nouts = 0;
    for (int k = 0; k < nfmts; k++) {
        snprintf(outs[nouts++], sizeof outs[0], ".%s", fmts[k]);
        if (o->locks)
            snprintf(outs[nouts++], sizeof outs[0], "-locks.%s", fmts[k]);
    }
    char made[512] = "";
    for (int i = 0; i < nouts; i++) {
        char from[2 * PLOT_PATH + 64], to[2 * PLOT_PATH + 64];
        snprintf(from, sizeof from, "%s/%s%s", pdir, tmpbase, outs[i]);
        snprintf(to, sizeof to, "%s%s", prefix, outs[i]);
        if (gst != 0) {
            remove(from);
            continue;
        }
        if (stat(from, &st) != 0)
            continue;
        if (rename(from, to) != 0) {
            err_internal(err, "%s: cannot rename into place: %s", to, strerror(errno));
            goto out2;
        }
        size_t l = strlen(made);
        snprintf(made + l, sizeof made - l, "%s%s%s", l ? ", " : "", base, outs[i]);
    }
    if (gst != 0) {
        err_internal(err, "gnuplot failed (status %d) on %s.gp; the script and data are kept", gst,
                     prefix);
        goto out2;
    }
    fprintf(stderr, "plot: wrote %s (in %s; script %s.gp)\n", made, pdir, base);
    rc = 0;
out2:
    free(lock_keep);
    free(s.xs);
    free(s.curves);
    free(s.panels);
    free(s.block);
    free(s.block_ci);
out:
    free(keep);
    csv_free(&t);
    return rc;
}

/* `vmsim plot --series FILE.csv`: three panels against simulated time -
 * throughput, the vCPUs by state, the lock-holder and lock-waiter
 * preemptions per interval - written as PREFIX.gp and rendered. */
static int plot_series(const plot_cfg *o, vs_err *err)
{
    csv_table t;
    if (csv_read(o->series, &t, err))
        return -1;
    static const char *const need[] = {"time_s", "ops_per_s", "work_per_hour", "running",
                                       "spinning", "halted", "runnable", "lhp", "lwp"};
    int col[9], rc = -1;
    for (int i = 0; i < 9; i++)
        if (plot_col(&t, "--series needs column", need[i], &col[i], err))
            goto out;
    char prefix[PLOT_PATH], pdir[PLOT_PATH], base[PLOT_PATH], path[PLOT_PATH + 16];
    snprintf(prefix, sizeof prefix, "%s", o->prefix ? o->prefix : o->series);
    size_t l = strlen(prefix);
    if (!o->prefix && l > 4 && !strcmp(prefix + l - 4, ".csv"))
        prefix[l - 4] = 0;
    const char *fmts[2];
    int nfmts = plot_formats(prefix, fmts);
    plot_split(prefix, pdir, base, sizeof pdir);
    if (!base[0] || fsu_mkdirs(pdir, err)) {
        if (!base[0])
            err_input(err, "-o %s: expected a file name prefix", prefix);
        goto out;
    }
    /* builds (gmake, replay) are counted whole in ops: show their work per hour */
    int builds = 0;
    for (int r = 0; r < t.nrows; r++) {
        double ops, work;
        if (!csv_num(&t, r, col[1], &ops, NULL) && !csv_num(&t, r, col[2], &work, NULL) &&
            fabs(work - ops * 3600) > 1e-6 * (1 + work))
            builds = 1;
    }
    snprintf(path, sizeof path, "%s.gp", prefix);
    fsu_file g;
    if (fsu_open(&g, path, err))
        goto out;
    char abs_series[PLOT_PATH];
    if (!realpath(o->series, abs_series))
        snprintf(abs_series, sizeof abs_series, "%s", o->series);
    fprintf(g.f, "# Written by vmsim plot --series from %s.\n", o->series);
    fputs("if (!exists('out')) out = ", g.f);
    gp_str(g.f, base);
    fputs("\nsrc = ", g.f);
    gp_str(g.f, abs_series);
    fputs("\nset datafile separator ','\nset datafile commentschars '#'\n", g.f);
    plot_spec ps = {.png_term = "pngcairo"};
    if (gp_on_path("gnuplot")) {
        const char *probe[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
        if (gp_run(NULL, probe, 1) != 0)
            ps.png_term = "png";
    }
    for (int k = 0; k < nfmts; k++) {
        plot_terminal(g.f, &ps, fmts[k], 1000, 900);
        fprintf(g.f, "set output out.'.%s'\n", fmts[k]);
        fputs("set multiplot layout 3,1 title 'the run over time (one point per interval)'\n"
              "set grid\nset key outside right top vertical\nset lmargin 12\nset rmargin 24\n"
              "set yrange [0:*]\nset offsets 0, 0, graph 0.06, 0\nset xlabel ''\n",
              g.f);
        if (builds)
            fputs("set ylabel 'builds per hour, all VMs'\n"
                  "plot src using ($1*1000):4 skip 1 with lines lw 1.5 title 'builds/h'\n",
                  g.f);
        else
            fputs("set ylabel 'operations per second, all VMs'\n"
                  "plot src using ($1*1000):3 skip 1 with lines lw 1.5 title 'ops/s'\n",
                  g.f);
        fputs("set ylabel 'vCPUs'\n"
              "plot src using ($1*1000):5 skip 1 with steps lw 1.5 title 'running', \\\n"
              "     '' using ($1*1000):6 skip 1 with steps lw 1.5 title 'spinning', \\\n"
              "     '' using ($1*1000):7 skip 1 with steps lw 1.5 title 'halted', \\\n"
              "     '' using ($1*1000):8 skip 1 with steps lw 1.5 title 'runnable (waiting)'\n"
              "set xlabel 'simulated time (ms)'\nset ylabel 'per interval'\n"
              "plot src using ($1*1000):9 skip 1 with fsteps lw 1.5 title 'lock-holder preemptions', \\\n"
              "     '' using ($1*1000):10 skip 1 with fsteps lw 1.5 title 'lock-waiter preemptions'\n"
              "unset multiplot\nset output\n",
              g.f);
    }
    if (fsu_commit(&g, err))
        goto out;
    if (!gp_on_path("gnuplot")) {
        fprintf(stderr, "vmsim plot: warning: gnuplot is not on PATH; wrote %s.gp (render with "
                        "cd %s && gnuplot %s.gp)\n",
                prefix, pdir, base);
        rc = 0;
        goto out;
    }
    char gpname[PLOT_PATH + 8];
    snprintf(gpname, sizeof gpname, "%s.gp", base);
    const char *args[] = {"gnuplot", gpname, NULL};
    if (gp_run(pdir, args, 0) != 0) {
        err_internal(err, "gnuplot failed on %s.gp; the script is kept", prefix);
        goto out;
    }
    fprintf(stderr, "plot: wrote %s.%s%s%s (in %s; script %s.gp)\n", base, fmts[0],
            nfmts > 1 ? " and ." : "", nfmts > 1 ? fmts[1] : "", pdir, base);
    rc = 0;
out:
    csv_free(&t);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    plot_cfg o;
    vs_err err = {0};
    if (plot_args(argc, argv, &o, &err)) {
        return args_usage_error("plot", "%s", err.msg);
    }
    if (o.help) {
        fputs(plot_usage, stdout);
        return 0;
    }
    if (o.series ? plot_series(&o, &err) : plot_main(&o, &err)) {
        fprintf(stderr, "vmsim plot: %s\n", err.msg);
        return err.code ? err.code : VS_EXIT_INTERNAL;
    }
    return 0;
}
