/* progress.c - the progress display (see progress.h). */
#include "cli/progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void prog_fmt_eta(char *buf, size_t n, double s)
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

static void prog_clear(prog_bar *pr)
{
    if (pr->drawn) {
        fputs("\r\033[K", stderr);
        pr->drawn = 0;
    }
}

/* Redraws when due (force: now). */
static void prog_show(prog_bar *pr, int64_t done, int force)
{
    double now = srun_now();
    if (!force && now - pr->last < (pr->tty ? 0.2 : 5.0))
        return;
    if (!force && now - pr->t0 < (pr->tty ? 2.0 : 5.0))
        return; /* short runs show no progress */
    pr->last = now;
    int64_t ran = done - pr->before, left = pr->total - done;
    char eta[64];
    prog_fmt_eta(eta, sizeof eta, ran > 0 ? (now - pr->t0) / (double)ran * (double)left : -1);
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

int prog_is_terminal(void)
{
    const char *term = getenv("TERM");
    return isatty(2) && term && *term && strcmp(term, "dumb") != 0;
}

/* "sweep: N points to run on K workers". */
static void prog_start(prog_bar *pr, const srun_prog *ev)
{
    *pr = (prog_bar){.tty = prog_is_terminal(), .t0 = srun_now(), .total = ev->total,
                     .before = ev->before};
    char shard[64] = "";
    if (ev->shard_n > 0)
        snprintf(shard, sizeof shard, " (shard %d/%d)", ev->shard_i, ev->shard_n);
    int w = ev->workers;
    if (ev->before)
        fprintf(stderr, "sweep: %lld points%s, %lld already done, %lld to run on %d %s%s\n",
                (long long)ev->total, shard, (long long)ev->before,
                (long long)(ev->total - ev->before), w, ev->what, w == 1 ? "" : "s");
    else
        fprintf(stderr, "sweep: %lld points%s to run on %d %s%s\n", (long long)ev->total, shard,
                w, ev->what, w == 1 ? "" : "s");
}

void prog_report(void *ctx, const srun_prog *ev)
{
    prog_bar *pr = ctx;
    switch (ev->kind) {
    case SRUN_PROG_START: prog_start(pr, ev); break;
    case SRUN_PROG_UPDATE: prog_show(pr, ev->done, 0); break;
    case SRUN_PROG_CLEAR: prog_clear(pr); break;
    case SRUN_PROG_END:
        if (ev->done > pr->before) {
            prog_show(pr, ev->done, 1);
            if (pr->tty) {
                fputc('\n', stderr);
                pr->drawn = 0;
            }
        }
        break;
    }
}

void prog_attach(prog_bar *bar, srun_opts *o, int quiet)
{
    memset(bar, 0, sizeof *bar);
    o->progress = quiet ? NULL : prog_report;
    o->progress_ctx = quiet ? NULL : bar;
}

void prog_run_report(void *ctx, double done_s, double total_s)
{
    prog_run *pr = ctx;
    double now = srun_now();
    if (pr->t0 == 0) {
        pr->t0 = now;
        pr->tty = prog_is_terminal();
        return;
    }
    if (now - pr->last < (pr->tty ? 0.2 : 5.0) || now - pr->t0 < (pr->tty ? 2.0 : 5.0))
        return;
    pr->last = now;
    double frac = total_s > 0 ? done_s / total_s : 0;
    frac = frac < 0 ? 0 : frac > 1 ? 1 : frac;
    char eta[64];
    prog_fmt_eta(eta, sizeof eta, frac > 0 ? (now - pr->t0) * (1 - frac) / frac : -1);
    if (pr->tty) {
        char bar[31];
        int fill = (int)(30 * frac);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = 0;
        fprintf(stderr, "\r\033[Krun %s [%s] %3.0f%%  %.3g of %.3g s simulated  eta %s",
                pr->what, bar, 100 * frac, done_s, total_s, eta);
        pr->drawn = 1;
    } else {
        fprintf(stderr, "run %s: %.0f%% (%.3g of %.3g s simulated), eta %s\n", pr->what,
                100 * frac, done_s, total_s, eta);
    }
    fflush(stderr);
}

void prog_run_end(prog_run *pr)
{
    if (pr->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        pr->drawn = 0;
    }
}
