/* pool.c - the forked worker pool (see pool.h). */
#include "experiment/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "sim/mem.h"

/* One worker process as the parent sees it. */
typedef struct pool_worker {
    pid_t pid;      /* 0 once reaped */
    int task_fd;    /* parent -> worker: "T\n" per task; -1 once closed */
    int res_fd;     /* worker -> parent: result lines; -1 at EOF */
    int64_t task;   /* task in flight, -1 when idle */
    int killed;     /* 1 when the parent sent SIGKILL */
    char buf[2048]; /* partial result line */
    size_t len;     /* bytes in buf */
} pool_worker;

/* The pool's state during pool_run. */
typedef struct pool {
    const pool_ops *ops; /* what it runs */
    pid_t parent;        /* the parent's pid, for the workers to notice its death */
    pool_worker *w;      /* workers */
    int nw;              /* workers started */
    int alive;           /* workers not yet reaped */
    int stopping;        /* 0 running, 1 no new tasks, 2 workers killed */
    int interrupted;     /* stopped by a signal */
    int failed;          /* a task failed: err holds the first failure */
    vs_err *err;         /* where the first failure goes */
} pool;

static volatile sig_atomic_t pool_sig_int, pool_sig_term;

static void pool_on_signal(int s)
{
    if (s == SIGINT)
        pool_sig_int++;
    else
        pool_sig_term++;
}

/* Tells the user msg through ops->note (printf-style). */
static void pool_note(pool *pl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pool_note(pool *pl, const char *fmt, ...)
{
    char msg[sizeof pl->err->msg + 16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pl->ops->note)
        pl->ops->note(pl->ops->ctx, msg);
}

static int pool_write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The worker: reads task numbers until EOF, runs each, answers with
 * "ok T WALL" or "err T CODE MESSAGE". Never returns. */
static void pool_worker_main(const pool *pl, int tfd, int rfd)
{
    sigset_t none;
    sigemptyset(&none);
    signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the whole group; the parent decides */
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* a parent killed with SIGKILL takes its workers along */
#endif
    if (getppid() != pl->parent)
        _exit(1);
    char buf[256];
    size_t len = 0;
    for (;;) {
        char *nl = memchr(buf, '\n', len);
        if (!nl) {
            if (len == sizeof buf)
                _exit(1);
            ssize_t r = read(tfd, buf + len, sizeof buf - len);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                _exit(0);
            len += (size_t)r;
            continue;
        }
        *nl = 0;
        int64_t t = strtoll(buf, NULL, 10);
        size_t used = (size_t)(nl - buf) + 1;
        memmove(buf, buf + used, len - used);
        len -= used;
        vs_err err = {0};
        double wall = 0;
        char line[1200];
        if (pl->ops->run(pl->ops->ctx, t, &wall, &err) == 0) {
            snprintf(line, sizeof line, "ok %lld %.6f\n", (long long)t, wall);
        } else {
            for (char *q = err.msg; *q; q++)
                if (*q == '\n')
                    *q = ' ';
            snprintf(line, sizeof line, "err %lld %d %s\n", (long long)t, err.code ? err.code : 1,
                     err.msg);
        }
        if (pool_write_all(rfd, line, strlen(line)))
            _exit(1);
    }
}

/* Records the first failure; the others are only told. */
static void pool_fail(pool *pl, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pool_fail(pool *pl, int code, const char *fmt, ...)
{
    char msg[sizeof pl->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pl->stopping < 1)
        pl->stopping = 1;
    if (pl->failed) {
        pool_note(pl, "also: %s", msg);
        return;
    }
    pl->failed = 1;
    pl->err->code = code;
    snprintf(pl->err->msg, sizeof pl->err->msg, "%s", msg);
}

/* Handles one result line from worker w. */
static void pool_result_line(pool *pl, pool_worker *w, char *line)
{
    char *end;
    int is_ok = !strncmp(line, "ok ", 3), is_err = !strncmp(line, "err ", 4);
    long long t = strtoll(line + (is_ok ? 3 : 4), &end, 10);
    if ((!is_ok && !is_err) || t != w->task) {
        pool_fail(pl, VS_EXIT_INTERNAL, "a worker sent an unexpected line: %.80s", line);
        return;
    }
    w->task = -1;
    if (is_ok) {
        pl->ops->done(pl->ops->ctx, t);
        return;
    }
    int code = (int)strtol(end, &end, 10);
    char msg[sizeof pl->err->msg];
    pl->ops->failed(pl->ops->ctx, t, *end ? end + 1 : "failed", msg, sizeof msg);
    pool_fail(pl, code == VS_EXIT_INPUT ? VS_EXIT_INPUT : VS_EXIT_INTERNAL, "%s", msg);
}

/* Worker w's result pipe reached EOF: reap it and judge how it ended. */
static void pool_reap(pool *pl, pool_worker *w)
{
    int st = 0;
    close(w->res_fd);
    w->res_fd = -1;
    if (w->task_fd >= 0) {
        close(w->task_fd);
        w->task_fd = -1;
    }
    while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
    pl->alive--;
    if (w->killed || (WIFEXITED(st) && WEXITSTATUS(st) == 0 && w->task < 0))
        return;
    int sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) { /* signalled from outside */
        pl->interrupted = 1;
        if (pl->stopping < 1)
            pl->stopping = 1;
        return;
    }
    char how[128];
    if (sig)
        snprintf(how, sizeof how, "killed by signal %d, %s", sig, strsignal(sig));
    else
        snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
    if (w->task < 0) {
        pool_fail(pl, VS_EXIT_INTERNAL, "a worker process failed between %ss (%s)",
                  pl->ops->unit, how);
        return;
    }
    char msg[sizeof pl->err->msg];
    pl->ops->crashed(pl->ops->ctx, w->task, how, msg, sizeof msg);
    pool_fail(pl, VS_EXIT_INTERNAL, "%s", msg);
    w->task = -1;
}

/* Reads what worker w sent; handles whole lines, reaps it at EOF. */
static void pool_read_worker(pool *pl, pool_worker *w)
{
    ssize_t r = read(w->res_fd, w->buf + w->len, sizeof w->buf - 1 - w->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        pool_reap(pl, w);
        return;
    }
    w->len += (size_t)r;
    char *nl;
    while ((nl = memchr(w->buf, '\n', w->len))) {
        *nl = 0;
        pool_result_line(pl, w, w->buf);
        size_t used = (size_t)(nl - w->buf) + 1;
        memmove(w->buf, w->buf + used, w->len - used);
        w->len -= used;
    }
    if (w->len == sizeof w->buf - 1) { /* no line end in a full buffer: drop it */
        w->len = 0;
        pool_fail(pl, VS_EXIT_INTERNAL, "a worker sent an overlong line");
    }
}

/* Starts nw workers. Returns the number started (0 with err filled). */
static int pool_start_workers(pool *pl, int nw)
{
    pl->w = vs_xcalloc((size_t)nw, sizeof(pool_worker));
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < nw; i++) {
        int tp[2], rp[2];
        if (pipe(tp) != 0) {
            pool_note(pl, "warning: cannot create a pipe: %s", strerror(errno));
            break;
        }
        if (pipe(rp) != 0) {
            pool_note(pl, "warning: cannot create a pipe: %s", strerror(errno));
            close(tp[0]);
            close(tp[1]);
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            pool_note(pl, "warning: cannot start worker %d: %s", i + 1, strerror(errno));
            close(tp[0]);
            close(tp[1]);
            close(rp[0]);
            close(rp[1]);
            break;
        }
        if (pid == 0) {
            /* the other workers' pipes: their EOF must not wait for us */
            for (int k = 0; k < i; k++) {
                if (pl->w[k].task_fd >= 0)
                    close(pl->w[k].task_fd);
                if (pl->w[k].res_fd >= 0)
                    close(pl->w[k].res_fd);
            }
            close(tp[1]);
            close(rp[0]);
            for (int k = 0; k < pl->ops->nclose; k++) /* the locks die with the parent only */
                if (pl->ops->close_fds[k] >= 0)
                    close(pl->ops->close_fds[k]);
            pool_worker_main(pl, tp[0], rp[1]);
        }
        close(tp[0]);
        close(rp[1]);
        fcntl(tp[1], F_SETFD, FD_CLOEXEC);
        fcntl(rp[0], F_SETFD, FD_CLOEXEC);
        pl->w[i] = (pool_worker){.pid = pid, .task_fd = tp[1], .res_fd = rp[0], .task = -1};
        pl->nw++;
        pl->alive++;
    }
    if (pl->nw == 0)
        err_internal(pl->err, "could not start any worker process");
    return pl->nw;
}

/* Hands tasks to idle workers; closes the task pipe of those with nothing
 * left to do, which ends them. */
static void pool_dispatch(pool *pl)
{
    for (int i = 0; i < pl->nw; i++) {
        pool_worker *w = &pl->w[i];
        if (!w->pid || w->task >= 0 || w->task_fd < 0)
            continue;
        int64_t t = pl->stopping ? -1 : pl->ops->next(pl->ops->ctx);
        if (t < 0) {
            close(w->task_fd);
            w->task_fd = -1;
            continue;
        }
        char line[32];
        snprintf(line, sizeof line, "%lld\n", (long long)t);
        w->task = t;
        if (pool_write_all(w->task_fd, line, strlen(line))) { /* it died: its EOF tells how */
            close(w->task_fd);
            w->task_fd = -1;
        }
    }
}

/* Reacts to SIGINT and SIGTERM counted by the handler. */
static void pool_signals(pool *pl)
{
    if ((pool_sig_term || pool_sig_int >= 2) && pl->stopping < 2) {
        pl->stopping = 2;
        pl->interrupted = 1;
        for (int i = 0; i < pl->nw; i++)
            if (pl->w[i].pid) {
                kill(pl->w[i].pid, SIGKILL);
                pl->w[i].killed = 1;
            }
    } else if (pool_sig_int == 1 && !pl->interrupted) {
        pl->interrupted = 1;
        if (pl->stopping < 1)
            pl->stopping = 1;
        int busy = 0;
        for (int i = 0; i < pl->nw; i++)
            busy += pl->w[i].task >= 0;
        if (busy)
            pool_note(pl, "interrupted; waiting for %d running %s%s (Ctrl-C again to stop them "
                          "now)",
                      busy, pl->ops->unit, busy == 1 ? "" : "s");
    }
}

int pool_run(const pool_ops *ops, int nworkers, pool_result *res, vs_err *err)
{
    pool pl = {.ops = ops, .parent = getpid(), .err = err};
    memset(res, 0, sizeof *res);

    /* SIGINT and SIGTERM are blocked except inside ppoll, so a signal
     * never slips in between the flag test and the wait. */
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &orig);
    struct sigaction sa, old_int, old_term, old_pipe;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pool_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    pool_sig_int = pool_sig_term = 0;

    if (pool_start_workers(&pl, nworkers) > 0) {
        res->workers = pl.nw;
        struct pollfd *pfd = vs_xcalloc((size_t)pl.nw, sizeof *pfd);
        int *who = vs_xcalloc((size_t)pl.nw, sizeof(int));
        while (pl.alive > 0) {
            pool_dispatch(&pl);
            int n = 0;
            for (int i = 0; i < pl.nw; i++)
                if (pl.w[i].res_fd >= 0) {
                    pfd[n] = (struct pollfd){.fd = pl.w[i].res_fd, .events = POLLIN};
                    who[n++] = i;
                }
            struct timespec ts = {0, 200000000};
            int r = n ? ppoll(pfd, (nfds_t)n, &ts, &orig) : 0;
            pool_signals(&pl);
            for (int k = 0; r > 0 && k < n; k++)
                if (pfd[k].revents)
                    pool_read_worker(&pl, &pl.w[who[k]]);
            if (ops->tick)
                ops->tick(ops->ctx);
        }
        free(pfd);
        free(who);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    sigprocmask(SIG_SETMASK, &orig, NULL);
    free(pl.w);
    res->interrupted = pl.interrupted;
    return pl.failed || pl.nw == 0 ? -1 : 0;
}
