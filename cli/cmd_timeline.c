/* cmd_timeline.c - `vmsim timeline TRACE.json [-o OUT.png|.svg|.pdf] [--from
 * TIME] [--to TIME] [--tracks PATTERN,...]`: draws the tracks of a trace
 * written by `vmsim run --trace` with gnuplot, one row per track:
 *
 *  - vCPU rows coloured by state (running, holding a lock, spinning, halted,
 *    preempted; dark red = preempted holding a lock or handed one);
 *  - pCPU rows coloured by the vCPU occupying them: one hue per VM, one
 *    shade of it per vCPU, with a legend;
 *  - instant events as markers: handoff, kick, halt, PLE exit, directed
 *    yield.
 *
 * At most TL_MAX_ROWS rows are drawn: --tracks chooses them, and a warning
 * says when rows were left out. Writes OUT.gp and OUT.dat beside the
 * picture so that it can be re-rendered. */
#include <fnmatch.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "cli/cmds.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define TL_MAX_ROWS 512   /* rows drawn at most (the picture's height) */
#define TL_MAX_TRACKS 65536
#define TL_MAX_VMS 256
#define TL_MAX_PATTERNS 32

const char timeline_usage[] =
    "usage: vmsim timeline TRACE.json [-o OUT.png|OUT.svg|OUT.pdf] [--from TIME] [--to TIME]\n"
    "                      [--tracks PATTERN[,PATTERN...]]\n"
    "\n"
    "Draws a trace from 'vmsim run --trace' with gnuplot, one row per track.\n"
    "vCPU rows are coloured by state (running, holding a lock, spinning, halted,\n"
    "preempted; dark red = preempted holding a lock or handed one); pCPU rows by\n"
    "the vCPU on them (a hue per VM, a shade per vCPU); instant events (handoff,\n"
    "kick, halt, PLE exit, directed yield) are markers. TRACE.json - reads\n"
    "standard input. Writes OUT.gp and OUT.dat beside the picture.\n"
    "\n"
    "  -o, --output FILE   the picture (default TRACE.json.png); the extension\n"
    "                      chooses PNG, SVG or PDF\n"
    "  --from TIME, --to TIME\n"
    "                      the window of simulated time: 2ms, 1.5s, 300us, 100ns (a\n"
    "                      bare number is microseconds)\n"
    "  --tracks PATTERNS   draw only the tracks whose process name, thread name or\n"
    "                      \"process/thread\" matches one of the comma-separated shell\n"
    "                      patterns (case-insensitive), e.g. --tracks host,'VM guest*'\n"
    "                      or --tracks 'vcpu[0-3]'. At most 512 rows are drawn; a\n"
    "                      warning names how many were left out.\n";

enum { TL_FROM = 256, TL_TO, TL_TRACKS };

const args_opt timeline_options[] = {
    {"output", 'o', "FILE", 'o'},
    {"from", 0, "TIME", TL_FROM},
    {"to", 0, "TIME", TL_TO},
    {"tracks", 0, "PATTERNS", TL_TRACKS},
    {0, 0, 0, 0},
};

/* One track of the trace (a pid/tid pair). */
typedef struct tl_track {
    long long pid, tid;
    char proc[96];   /* its process's name */
    char thread[96]; /* its own name */
    int row;         /* the row it is drawn in, -1 when not drawn */
} tl_track;

/* The tracks of the trace, in order of appearance. */
typedef struct tl_tracks {
    tl_track *v;
    int n, cap;
} tl_tracks;

/* Instant events: what they are called and how they are drawn. */
static const struct {
    const char *prefix; /* the start of the event's name */
    const char *title;  /* in the legend */
    int pt;             /* gnuplot point type */
    unsigned rgb;       /* colour */
} tl_marks[] = {
    {"handoff", "handoff (lock passed to the next waiter)", 12, 0x000000},
    {"kick", "kick (pv unlock wakes a halted waiter)", 9, 0x6a1b9a},
    {"halt", "halt (pv waiter gives up spinning)", 7, 0x424242},
    {"PLE exit", "PLE exit (long PAUSE loop)", 2, 0xc62828},
    {"directed yield", "directed yield", 11, 0x2e7d32},
};
#define TL_NMARKS ((int)(sizeof tl_marks / sizeof tl_marks[0]))

/* Colour of a vCPU state slice: by category, the two preemption cases darker. */
static unsigned tl_state_color(const char *cat, const char *name)
{
    if (strstr(name, "PREEMPTED"))
        return 0x8e0000;
    if (!strcmp(cat, "holding"))
        return 0x1e88e5;
    if (!strcmp(cat, "spinning"))
        return 0xfb8c00;
    if (!strcmp(cat, "halted"))
        return 0xbdbdbd;
    if (!strcmp(cat, "preempted"))
        return 0xef9a9a;
    return 0x66bb6a; /* running */
}

/* An HSL colour (h in [0, 360), s and l in [0, 1]) as 0xRRGGBB. */
static unsigned tl_hsl(double h, double s, double l)
{
    double c = (1 - fabs(2 * l - 1)) * s, hp = h / 60, x = c * (1 - fabs(fmod(hp, 2) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1)
        r = c, g = x;
    else if (hp < 2)
        r = x, g = c;
    else if (hp < 3)
        g = c, b = x;
    else if (hp < 4)
        g = x, b = c;
    else if (hp < 5)
        r = x, b = c;
    else
        r = c, b = x;
    double m = l - c / 2;
    return (unsigned)lround((r + m) * 255) << 16 | (unsigned)lround((g + m) * 255) << 8 |
           (unsigned)lround((b + m) * 255);
}

/* The colour of vCPU k (of n) of VM number v on a pCPU row: a hue per VM
 * (golden-angle steps, so neighbours differ), light to dark per vCPU. */
static unsigned tl_vcpu_color(int v, int k, int n)
{
    double hue = fmod(210 + 137.508 * v, 360);
    double l = n > 1 ? 0.72 - 0.40 * k / (n - 1) : 0.5;
    return tl_hsl(hue, 0.70, l);
}

/* The index of track pid/tid, appended if new; -1 past TL_MAX_TRACKS. */
static int tl_track_index(tl_tracks *t, long long pid, long long tid)
{
    for (int i = t->n - 1; i >= 0; i--)
        if (t->v[i].pid == pid && t->v[i].tid == tid)
            return i;
    if (t->n >= TL_MAX_TRACKS)
        return -1;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->v = vs_xreallocarray(t->v, (size_t)t->cap, sizeof *t->v);
    }
    t->v[t->n] = (tl_track){pid, tid, "", "", -1};
    snprintf(t->v[t->n].thread, sizeof t->v[t->n].thread, "%lld/%lld", pid, tid);
    return t->n++;
}

/* 1 when track k matches one of the patterns (or there are none). */
static int tl_wanted(const tl_track *k, char **pats, int npats)
{
    if (npats == 0)
        return 1;
    char both[200];
    snprintf(both, sizeof both, "%s/%s", k->proc, k->thread);
    for (int i = 0; i < npats; i++)
        if (!fnmatch(pats[i], k->proc, FNM_CASEFOLD) || !fnmatch(pats[i], k->thread, FNM_CASEFOLD) ||
            !fnmatch(pats[i], both, FNM_CASEFOLD))
            return 1;
    return 0;
}

/* The VMs seen on pCPU rows ("guest/vcpu2" -> VM "guest", vCPU 2): names
 * in order of first appearance and their highest vCPU index. */
typedef struct tl_vms {
    char name[TL_MAX_VMS][64];
    int maxv[TL_MAX_VMS];
    int n;
} tl_vms;

/* Splits a pCPU slice name "VM/vcpuK" into the VM's index in vms (added
 * if new) and K. Returns -1 when the name has another form. */
static int tl_vm_of(tl_vms *vms, const char *name, int *k)
{
    const char *sl = strrchr(name, '/');
    if (!sl || strncmp(sl + 1, "vcpu", 4))
        return -1;
    *k = atoi(sl + 5);
    size_t l = (size_t)(sl - name);
    for (int i = 0; i < vms->n; i++)
        if (strlen(vms->name[i]) == l && !strncmp(vms->name[i], name, l)) {
            if (*k > vms->maxv[i])
                vms->maxv[i] = *k;
            return i;
        }
    if (vms->n >= TL_MAX_VMS)
        return -1;
    snprintf(vms->name[vms->n], sizeof vms->name[0], "%.*s", (int)(l < 63 ? l : 63), name);
    vms->maxv[vms->n] = *k;
    return vms->n++;
}

/* The terminal line for OUT's extension; with a clear message and a
 * fallback when gnuplot lacks the terminal. */
static void tl_terminal(FILE *f, const char *out, int h)
{
    size_t l = strlen(out);
    const char *ext = l > 4 ? out + l - 4 : "";
    if (!strcmp(ext, ".svg")) {
        fprintf(f, "set terminal svg size 1400,%d font 'sans,10'\n", h);
        return;
    }
    if (!strcmp(ext, ".pdf")) {
        const char *probe[] = {"gnuplot", "-e", "set terminal pdfcairo", NULL};
        if (gp_run(NULL, probe, 1) == 0) {
            fprintf(f, "set terminal pdfcairo size 14in,%.2fin font 'sans,8'\n", h / 100.0);
            return;
        }
        fprintf(stderr, "vmsim timeline: gnuplot has no pdfcairo terminal; %s is written as SVG "
                        "(install gnuplot-nox, or convert it)\n",
                out);
        fprintf(f, "set terminal svg size 1400,%d font 'sans,10'\n", h);
        return;
    }
    const char *probe[] = {"gnuplot", "-e", "set terminal pngcairo", NULL};
    int cairo = gp_run(NULL, probe, 1) == 0;
    if (!cairo)
        fprintf(stderr, "vmsim timeline: note: gnuplot has no pngcairo terminal; using png\n");
    fprintf(f, "set terminal %s size 1400,%d font 'sans,10'\n", cairo ? "pngcairo" : "png", h);
}

/* Everything the drawing needs, read from the trace. */
typedef struct tl_ctx {
    const char *in, *out;
    double from, to;   /* window in us, -1 for none */
    char **pats;       /* --tracks patterns */
    int npats;
    tl_tracks tr;
    int nrows;
    tl_vms vms;
    int nmarks[TL_NMARKS]; /* instants per kind in the window */
    double lo, hi;     /* the time range drawn, us */
} tl_ctx;

/* Reads the tracks' names and chooses the rows. */
static void tl_rows(tl_ctx *c, json_t *evs)
{
    char (*pname)[96] = vs_xcalloc(4096, sizeof *pname);
    size_t i;
    json_t *e;
    json_array_foreach(evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        const char *nm = json_string_value(json_object_get(e, "name"));
        if (!ph || !nm || strcmp(ph, "M"))
            continue;
        long long pid = json_integer_value(json_object_get(e, "pid"));
        long long tid = json_integer_value(json_object_get(e, "tid"));
        const char *arg = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
        if (!strcmp(nm, "process_name") && arg && pid >= 0 && pid < 4096)
            snprintf(pname[pid], sizeof pname[pid], "%s", arg);
        if (!strcmp(nm, "thread_name") && arg) {
            int k = tl_track_index(&c->tr, pid, tid);
            if (k >= 0) {
                snprintf(c->tr.v[k].thread, sizeof c->tr.v[k].thread, "%s", arg);
                snprintf(c->tr.v[k].proc, sizeof c->tr.v[k].proc, "%s",
                         pid >= 0 && pid < 4096 ? pname[pid] : "");
            }
        }
    }
    free(pname);
    int wanted = 0;
    for (int k = 0; k < c->tr.n; k++) {
        if (!tl_wanted(&c->tr.v[k], c->pats, c->npats))
            continue;
        wanted++;
        if (c->nrows < TL_MAX_ROWS)
            c->tr.v[k].row = c->nrows++;
    }
    if (wanted > c->nrows)
        fprintf(stderr, "vmsim timeline: warning: %d tracks%s, drawing the first %d (%d left out; "
                        "choose with --tracks, e.g. --tracks host or --tracks 'VM NAME*')\n",
                wanted, c->npats ? " match --tracks" : "", c->nrows, wanted - c->nrows);
}

/* Writes the data: index 0 the slices (t0 t1 row colour), then one index
 * per kind of instant present (t row). */
static int tl_data(tl_ctx *c, json_t *evs, FILE *f)
{
    size_t i;
    json_t *e;
    c->lo = 1e300;
    c->hi = -1e300;
    int any = 0;
    json_array_foreach(evs, i, e) { /* the pCPU rows' VMs, so colours are known */
        const char *cat = json_string_value(json_object_get(e, "cat"));
        const char *nm = json_string_value(json_object_get(e, "name"));
        int k;
        if (cat && nm && !strcmp(cat, "pcpu"))
            tl_vm_of(&c->vms, nm, &k);
    }
    fputs("# slices: start_us end_us row rgb\n", f);
    json_array_foreach(evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        if (!ph || strcmp(ph, "X"))
            continue;
        double ts = json_number_value(json_object_get(e, "ts"));
        double te = ts + json_number_value(json_object_get(e, "dur"));
        if ((c->from >= 0 && te <= c->from) || (c->to >= 0 && ts >= c->to))
            continue;
        ts = c->from >= 0 && ts < c->from ? c->from : ts;
        te = c->to >= 0 && te > c->to ? c->to : te;
        int k = tl_track_index(&c->tr, json_integer_value(json_object_get(e, "pid")),
                               json_integer_value(json_object_get(e, "tid")));
        if (k < 0 || c->tr.v[k].row < 0)
            continue;
        const char *cat = json_string_value(json_object_get(e, "cat"));
        const char *nm = json_string_value(json_object_get(e, "name"));
        cat = cat ? cat : "";
        nm = nm ? nm : "";
        unsigned rgb;
        int v, vk;
        if (!strcmp(cat, "pcpu") && (v = tl_vm_of(&c->vms, nm, &vk)) >= 0)
            rgb = tl_vcpu_color(v, vk, c->vms.maxv[v] + 1);
        else if (!strcmp(cat, "pcpu"))
            rgb = 0x26a69a;
        else
            rgb = tl_state_color(cat, nm);
        fprintf(f, "%.4f %.4f %d %u\n", ts, te, c->tr.v[k].row, rgb);
        any = 1;
        c->lo = ts < c->lo ? ts : c->lo;
        c->hi = te > c->hi ? te : c->hi;
    }
    if (!any)
        fputs("NaN NaN NaN 0\n", f); /* an empty window: an empty block still plots */
    for (int m = 0; m < TL_NMARKS; m++) {
        int n = 0;
        json_array_foreach(evs, i, e) {
            const char *ph = json_string_value(json_object_get(e, "ph"));
            const char *nm = json_string_value(json_object_get(e, "name"));
            if (!ph || strcmp(ph, "i") || !nm ||
                strncmp(nm, tl_marks[m].prefix, strlen(tl_marks[m].prefix)))
                continue;
            double ts = json_number_value(json_object_get(e, "ts"));
            if ((c->from >= 0 && ts < c->from) || (c->to >= 0 && ts >= c->to))
                continue;
            int k = tl_track_index(&c->tr, json_integer_value(json_object_get(e, "pid")),
                                   json_integer_value(json_object_get(e, "tid")));
            if (k < 0 || c->tr.v[k].row < 0)
                continue;
            if (!n)
                fprintf(f, "\n\n# %s: time_us row\n", tl_marks[m].prefix);
            fprintf(f, "%.4f %d\n", ts, c->tr.v[k].row);
            n++;
        }
        c->nmarks[m] = n;
    }
    return 0;
}

/* Writes the gnuplot script. */
static void tl_script(const tl_ctx *c, FILE *f, const char *dat)
{
    double lo = c->lo < c->hi ? c->lo : 0, hi = c->lo < c->hi ? c->hi : 1;
    if (c->from >= 0)
        lo = c->from;
    if (c->to >= 0)
        hi = c->to;
    /* ms when the window is long, so the tick labels stay short */
    double div = hi - lo > 5000 ? 1000 : 1;
    int nkey = 6 + c->vms.n + TL_NMARKS;
    fprintf(f, "# vmsim timeline of %s\n", c->in);
    tl_terminal(f, c->out, 160 + 26 * c->nrows + 18 * ((nkey + 2) / 3));
    fputs("set output ", f);
    gp_str(f, c->out);
    fprintf(f, "\nset xlabel 'simulated time (%s)'\n", div > 1 ? "ms" : "us");
    fprintf(f, "set yrange [%d.7:-0.7]\nset xrange [%.6g:%.6g]\n", c->nrows - 1, lo / div,
            hi / div); /* row 0 (the trace's first track) on top */
    fputs("set style fill solid 1.0 noborder\nset grid x\nset ytics (", f);
    int first = 1;
    for (int k = 0; k < c->tr.n; k++) {
        const tl_track *t = &c->tr.v[k];
        if (t->row < 0)
            continue;
        char lab[200];
        snprintf(lab, sizeof lab, "%s %s", t->proc, t->thread);
        for (char *p = lab; *p; p++)
            if (*p == '"' || *p == '\\')
                *p = '\'';
        fprintf(f, "%s\"%s\" %d", first ? "" : ", ", lab, t->row);
        first = 0;
    }
    fputs(")\nset key outside bottom center horizontal maxcols 3 samplen 1.5 font ',9'\n", f);
    fputs("set title 'vCPU rows: their state; pCPU rows: the vCPU running there (a hue per VM, "
          "darker = higher vCPU number)'\n",
          f);
    fputs("plot ", f);
    gp_str(f, dat);
    fprintf(f, " index 0 using (($1+$2)/2/%g):3:(($2-$1)/2/%g):(0.35):4 with boxxyerror lc rgb "
               "variable notitle",
            div, div);
    static const struct {
        const char *title;
        unsigned rgb;
    } states[] = {{"running", 0x66bb6a},
                  {"holding a lock", 0x1e88e5},
                  {"spinning", 0xfb8c00},
                  {"halted", 0xbdbdbd},
                  {"preempted", 0xef9a9a},
                  {"PREEMPTED holding / handed a lock", 0x8e0000}};
    for (size_t s = 0; s < sizeof states / sizeof states[0]; s++)
        fprintf(f, ", \\\n     NaN with boxes lc rgb '#%06x' title '%s'", states[s].rgb,
                states[s].title);
    for (int v = 0; v < c->vms.n; v++) {
        char t[160];
        int n = c->vms.maxv[v] + 1;
        if (n > 1)
            snprintf(t, sizeof t, "on a pCPU: %s vcpu0 (light) .. vcpu%d (dark)", c->vms.name[v],
                     n - 1);
        else
            snprintf(t, sizeof t, "on a pCPU: %s", c->vms.name[v]);
        fprintf(f, ", \\\n     NaN with boxes lc rgb '#%06x' title ", tl_vcpu_color(v, n / 2, n));
        gp_str(f, t);
    }
    int block = 1;
    for (int m = 0; m < TL_NMARKS; m++) {
        if (!c->nmarks[m])
            continue;
        fputs(", \\\n     ", f);
        gp_str(f, dat);
        fprintf(f, " index %d using ($1/%g):2 with points pt %d ps 1.1 lc rgb '#%06x' title '%s'",
                block++, div, tl_marks[m].pt, tl_marks[m].rgb, tl_marks[m].title);
    }
    fputc('\n', f);
}

/* Splits "a,b,c" (modified in place) into at most TL_MAX_PATTERNS patterns. */
static int tl_patterns(char *s, char **pats)
{
    int n = 0;
    for (char *save = NULL, *p = strtok_r(s, ",", &save); p && n < TL_MAX_PATTERNS;
         p = strtok_r(NULL, ",", &save))
        pats[n++] = p;
    return n;
}

int cmd_timeline(int argc, char **argv)
{
    tl_ctx c = {.from = -1, .to = -1};
    char *patbuf = NULL, *pats[TL_MAX_PATTERNS];
    args_parser p;
    args_init(&p, "timeline", timeline_options, argc, argv);
    int id, rc = 1;
    while ((id = args_next(&p)) != ARGS_END) {
        double ns;
        switch (id) {
        case ARGS_HELP: fputs(timeline_usage, stdout); free(patbuf); return 0;
        case ARGS_ERR: free(patbuf); return args_usage_error("timeline", "%s", p.err);
        case ARGS_POS:
            if (c.in) {
                free(patbuf);
                return args_usage_error("timeline", "unexpected argument %s (one TRACE)", p.val);
            }
            c.in = p.val;
            break;
        case 'o': c.out = p.val; break;
        case TL_TRACKS:
            free(patbuf);
            patbuf = vs_xstrdup(p.val);
            c.npats = tl_patterns(patbuf, pats);
            c.pats = pats;
            if (!c.npats) {
                free(patbuf);
                return args_usage_error("timeline", "--tracks %s: expected patterns", p.val);
            }
            break;
        default:
            if (args_time(p.val, 1e3, &ns) || !(ns >= 0)) {
                free(patbuf);
                return args_usage_error("timeline", "%s %s: expected a simulated time >= 0 (2ms, "
                                                    "300us; a bare number is microseconds)",
                                        p.opt, p.val);
            }
            *(id == TL_FROM ? &c.from : &c.to) = ns / 1e3; /* the trace's unit: us */
        }
    }
    if (!c.in) {
        free(patbuf);
        return args_usage_error("timeline", "missing TRACE.json");
    }
    if (c.to >= 0 && c.to <= c.from) {
        free(patbuf);
        return args_usage_error("timeline", "--to must be after --from");
    }
    char msg[512];
    int from_stdin = !strcmp(c.in, "-");
    if (!(c.in = args_input(c.in, "stdin.json", msg, sizeof msg))) {
        free(patbuf);
        return args_usage_error("timeline", "%s", msg);
    }
    char outbuf[4096];
    if (!c.out) {
        snprintf(outbuf, sizeof outbuf, "%s.png", from_stdin ? "timeline" : c.in);
        c.out = outbuf;
    }
    json_error_t je;
    json_t *doc = json_load_file(c.in, 0, &je);
    json_t *evs = doc ? json_object_get(doc, "traceEvents") : NULL;
    if (!json_is_array(evs)) {
        fprintf(stderr, "vmsim timeline: %s: not a trace (%s)\n", c.in,
                doc ? "no traceEvents array" : je.text);
        json_decref(doc);
        free(patbuf);
        return 2;
    }
    tl_rows(&c, evs);
    if (c.nrows == 0) {
        fprintf(stderr, "vmsim timeline: %s: no track to draw%s\n", c.in,
                c.npats ? " (no track matches --tracks)" : "");
        rc = 2;
        goto out;
    }
    char dat[4200], gp[4200];
    snprintf(dat, sizeof dat, "%s.dat", c.out);
    snprintf(gp, sizeof gp, "%s.gp", c.out);
    fsu_file df, gf;
    vs_err err = {0};
    if (fsu_open(&df, dat, &err))
        goto fail;
    tl_data(&c, evs, df.f);
    if (fsu_commit(&df, &err) || fsu_open(&gf, gp, &err))
        goto fail;
    tl_script(&c, gf.f, dat);
    if (fsu_commit(&gf, &err))
        goto fail;
    if (!gp_on_path("gnuplot")) {
        fprintf(stderr, "vmsim timeline: gnuplot not found; wrote %s and %s (install gnuplot-nox "
                        "and run gnuplot %s)\n",
                gp, dat, gp);
        rc = 0;
        goto out;
    }
    const char *args[] = {"gnuplot", gp, NULL};
    if (gp_run(NULL, args, 0) != 0) {
        fprintf(stderr, "vmsim timeline: gnuplot failed on %s\n", gp);
        goto out;
    }
    fprintf(stderr, "vmsim timeline: wrote %s (%d rows)\n", c.out, c.nrows);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "vmsim timeline: %s\n", err.msg);
    rc = err.code ? err.code : 1;
out:
    json_decref(doc);
    free(c.tr.v);
    free(patbuf);
    return rc;
}
