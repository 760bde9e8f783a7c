/* vmsim timeline TRACE.json [-o OUT.png] [--from S] [--to S]: draws the
 * per-vCPU and per-pCPU tracks of a trace written by `vmsim run --trace` as
 * coloured bars with gnuplot (PNG, or SVG when OUT ends in .svg). Writes
 * OUT.gp and OUT.dat beside the picture so it can be re-rendered. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/gnuplot.h"
#include "cli/cmds.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

#define TL_MAX_TRACKS 512

typedef struct tl_track {
    int pid, tid;
    char label[96];
} tl_track;

const char timeline_usage[] =
    "usage: vmsim timeline TRACE.json [-o OUT.png|OUT.svg|OUT.pdf] [--from TIME] [--to TIME]\n"
    "\n"
    "Draws a trace from 'vmsim run --trace' with gnuplot: one row per vCPU and\n"
    "pCPU, bars coloured by state (running, holding a lock, spinning, halted,\n"
    "preempted; dark red = preempted holding a lock or handed one). TRACE.json -\n"
    "reads standard input. Writes OUT.gp and OUT.dat beside the picture.\n"
    "\n"
    "  -o, --output FILE   the picture (default TRACE.json.png); the extension\n"
    "                      chooses PNG, SVG or PDF\n"
    "  --from TIME, --to TIME\n"
    "                      the window of simulated time: 2ms, 1.5s, 300us, 100ns (a\n"
    "                      bare number is microseconds)\n";

enum { TL_FROM = 256, TL_TO };

const args_opt timeline_options[] = {
    {"output", 'o', "FILE", 'o'},
    {"from", 0, "TIME", TL_FROM},
    {"to", 0, "TIME", TL_TO},
    {0, 0, 0, 0},
};

/* Colour of a slice: by category, with the two preemption cases darker. */
static unsigned tl_color(const char *cat, const char *name)
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
    if (!strcmp(cat, "pcpu"))
        return 0x26a69a;
    return 0x66bb6a; /* running */
}

static int tl_track_index(tl_track *tr, int *n, int pid, int tid)
{
    for (int i = 0; i < *n; i++)
        if (tr[i].pid == pid && tr[i].tid == tid)
            return i;
    if (*n >= TL_MAX_TRACKS)
        return -1;
    tr[*n] = (tl_track){pid, tid, ""};
    snprintf(tr[*n].label, sizeof tr[*n].label, "%d/%d", pid, tid);
    return (*n)++;
}

int cmd_timeline(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    double from = -1, to = -1;
    args_parser p;
    args_init(&p, "timeline", timeline_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        double ns;
        switch (id) {
        case ARGS_HELP: fputs(timeline_usage, stdout); return 0;
        case ARGS_ERR: return args_usage_error("timeline", "%s", p.err);
        case ARGS_POS:
            if (in)
                return args_usage_error("timeline", "unexpected argument %s (one TRACE)", p.val);
            in = p.val;
            break;
        case 'o': out = p.val; break;
        default:
            if (args_time(p.val, 1e3, &ns) || !(ns >= 0))
                return args_usage_error("timeline", "%s %s: expected a simulated time >= 0 (2ms, "
                                                    "300us; a bare number is microseconds)",
                                        p.opt, p.val);
            *(id == TL_FROM ? &from : &to) = ns / 1e3; /* the trace's unit: us */
        }
    }
    if (!in)
        return args_usage_error("timeline", "missing TRACE.json");
    char msg[512];
    int from_stdin = !strcmp(in, "-");
    if (!(in = args_input(in, "stdin.json", msg, sizeof msg)))
        return args_usage_error("timeline", "%s", msg);
    char outbuf[4096];
    if (!out) {
        snprintf(outbuf, sizeof outbuf, "%s.png", from_stdin ? "timeline" : in);
        out = outbuf;
    }
    json_error_t je;
    json_t *doc = json_load_file(in, 0, &je);
    json_t *evs = doc ? json_object_get(doc, "traceEvents") : NULL;
    if (!json_is_array(evs)) {
        fprintf(stderr, "vmsim timeline: %s: not a trace (%s)\n", in, doc ? "no traceEvents array" : je.text);
        json_decref(doc);
        return 2;
    }
    static tl_track tracks[TL_MAX_TRACKS];
    char pname[64][96] = {{0}};
    int ntr = 0;
    size_t i;
    json_t *e;
    /* tracks in trace order: host pCPUs first, then VMs */
    json_array_foreach(evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph")), *nm = json_string_value(json_object_get(e, "name"));
        int pid = (int)json_integer_value(json_object_get(e, "pid")), tid = (int)json_integer_value(json_object_get(e, "tid"));
        if (!ph || !nm || strcmp(ph, "M"))
            continue;
        const char *arg = json_string_value(json_object_get(json_object_get(e, "args"), "name"));
        if (!strcmp(nm, "process_name") && arg && pid >= 0 && pid < 64)
            snprintf(pname[pid], sizeof pname[pid], "%s", arg);
        if (!strcmp(nm, "thread_name") && arg) {
            int k = tl_track_index(tracks, &ntr, pid, tid);
            if (k >= 0)
                snprintf(tracks[k].label, sizeof tracks[k].label, "%s %s",
                         pid >= 0 && pid < 64 ? pname[pid] : "", arg);
        }
    }
    char dat[4200], gp[4200];
    snprintf(dat, sizeof dat, "%s.dat", out);
    snprintf(gp, sizeof gp, "%s.gp", out);
    fsu_file df;
    vs_err err = {0};
    if (fsu_open(&df, dat, &err)) {
        fprintf(stderr, "vmsim timeline: %s\n", err.msg);
        json_decref(doc);
        return 1;
    }
    double lo = 1e300, hi = -1e300;
    json_array_foreach(evs, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        if (!ph || strcmp(ph, "X"))
            continue;
        double ts = json_number_value(json_object_get(e, "ts")), dur = json_number_value(json_object_get(e, "dur"));
        double te = ts + dur;
        if (from >= 0 && te <= from)
            continue;
        if (to >= 0 && ts >= to)
            continue;
        if (from >= 0 && ts < from)
            ts = from;
        if (to >= 0 && te > to)
            te = to;
        int k = tl_track_index(tracks, &ntr, (int)json_integer_value(json_object_get(e, "pid")),
                               (int)json_integer_value(json_object_get(e, "tid")));
        if (k < 0)
            continue;
        const char *cat = json_string_value(json_object_get(e, "cat"));
        const char *nm = json_string_value(json_object_get(e, "name"));
        fprintf(df.f, "%.4f %.4f %d %u\n", ts, te, k, tl_color(cat ? cat : "", nm ? nm : ""));
        if (ts < lo)
            lo = ts;
        if (te > hi)
            hi = te;
    }
    if (fsu_commit(&df, &err)) {
        fprintf(stderr, "vmsim timeline: %s\n", err.msg);
        json_decref(doc);
        return 1;
    }
    int svg = strlen(out) > 4 && !strcmp(out + strlen(out) - 4, ".svg");
    fsu_file gf;
    if (fsu_open(&gf, gp, &err)) {
        fprintf(stderr, "vmsim timeline: %s\n", err.msg);
        json_decref(doc);
        return 1;
    }
    fprintf(gf.f, "# vmsim timeline of %s\n", in);
    fprintf(gf.f, "set terminal %s size 1400,%d font 'sans,10'\nset output ", svg ? "svg" : "pngcairo",
            120 + 28 * ntr);
    gp_str(gf.f, out);
    fputc('\n', gf.f);
    fprintf(gf.f, "set xlabel 'simulated time (us)'\nset yrange [-0.7:%d.7] reverse\nset xrange [%g:%g]\n",
            ntr - 1, lo < hi ? lo : 0, lo < hi ? hi : 1);
    fprintf(gf.f, "set style fill solid 1.0 noborder\nunset key\nset grid x\nset ytics (");
    for (int k = 0; k < ntr; k++) {
        char lab[96];
        snprintf(lab, sizeof lab, "%s", tracks[k].label);
        for (char *p = lab; *p; p++)
            if (*p == '"' || *p == '\\')
                *p = '\'';
        fprintf(gf.f, "%s\"%s\" %d", k ? ", " : "", lab, k);
    }
    fprintf(gf.f, ")\n");
    fprintf(gf.f, "set title 'running (green), holding a lock (blue), spinning (orange), halted (grey), "
                  "preempted (pink), PREEMPTED holding / handed a lock (dark red), pCPU busy (teal)'\n");
    fprintf(gf.f, "plot ");
    gp_str(gf.f, dat);
    fprintf(gf.f, " using (($1+$2)/2):3:(($2-$1)/2):(0.35):4 with boxxyerror lc rgb variable\n");
    if (fsu_commit(&gf, &err)) {
        fprintf(stderr, "vmsim timeline: %s\n", err.msg);
        json_decref(doc);
        return 1;
    }
    json_decref(doc);
    if (!gp_on_path("gnuplot")) {
        fprintf(stderr, "vmsim timeline: gnuplot not found; wrote %s and %s (install gnuplot-nox and run gnuplot %s)\n",
                gp, dat, gp);
        return 0;
    }
    const char *args[] = {"gnuplot", gp, NULL};
    if (gp_run(NULL, args, 0) != 0) {
        fprintf(stderr, "vmsim timeline: gnuplot failed on %s\n", gp);
        return 1;
    }
    fprintf(stderr, "vmsim timeline: wrote %s\n", out);
    return 0;
}
