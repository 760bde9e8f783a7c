/* args.c - the command-line parser (see args.h). */
#include "cli/args.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void args_init(args_parser *p, const char *cmd, const args_opt *opts, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->opts = opts;
    p->argc = argc;
    p->argv = argv;
    p->i = 1;
}

int args_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

/* Fills p->err for an unknown long option `name` (len bytes), with the
 * closest known name when one is near (edit distance <= 2, or a prefix). */
static int args_unknown_long(args_parser *p, const char *name, size_t len)
{
    char typed[64];
    snprintf(typed, sizeof typed, "%.*s", (int)(len < 63 ? len : 63), name);
    const char *best = NULL;
    int bd = 3;
    for (const args_opt *o = p->opts; o->name || o->shrt; o++) {
        if (!o->name)
            continue;
        int d = args_distance(typed, o->name);
        if (d > 2 && len >= 2 && !strncmp(o->name, typed, len))
            d = 2; /* a prefix: "--trace-fr" */
        if (d < bd) {
            bd = d;
            best = o->name;
        }
    }
    if (best)
        snprintf(p->err, sizeof p->err, "unknown option --%s (did you mean --%s?)", typed, best);
    else
        snprintf(p->err, sizeof p->err, "unknown option --%s", typed);
    return ARGS_ERR;
}

/* Takes the value of option o: the rest of the argument (inline, may be
 * NULL) or the next argument. */
static int args_take(args_parser *p, const args_opt *o, const char *inl)
{
    if (inl) {
        p->val = inl;
        return o->id;
    }
    if (p->i >= p->argc) {
        snprintf(p->err, sizeof p->err, "%s needs a value (%s)", p->opt, o->arg);
        return ARGS_ERR;
    }
    p->val = p->argv[p->i++];
    return o->id;
}

/* The next letter of a short-option group. */
static int args_short(args_parser *p)
{
    char c = *p->bundle++;
    if (!*p->bundle)
        p->bundle = NULL;
    snprintf(p->opt, sizeof p->opt, "-%c", c);
    if (c == 'h')
        return ARGS_HELP;
    for (const args_opt *o = p->opts; o->name || o->shrt; o++) {
        if (o->shrt != c)
            continue;
        if (!o->arg) {
            p->val = NULL;
            return o->id;
        }
        const char *inl = p->bundle; /* -oFILE, -j2 */
        p->bundle = NULL;
        return args_take(p, o, inl);
    }
    snprintf(p->err, sizeof p->err, "unknown option -%c", c);
    return ARGS_ERR;
}

int args_next(args_parser *p)
{
    p->val = NULL;
    p->err[0] = 0;
    if (p->bundle)
        return args_short(p);
    if (p->i >= p->argc)
        return ARGS_END;
    const char *a = p->argv[p->i++];
    if (p->operands_only || a[0] != '-' || !a[1]) { /* "x", "", "-" */
        p->val = a;
        return ARGS_POS;
    }
    if (a[1] != '-') {
        p->bundle = a + 1;
        return args_short(p);
    }
    if (!a[2]) { /* "--" */
        p->operands_only = 1;
        return args_next(p);
    }
    const char *name = a + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    snprintf(p->opt, sizeof p->opt, "--%.*s", (int)(len < 70 ? len : 70), name);
    if ((len == 4 && !strncmp(name, "help", 4)) && !eq)
        return ARGS_HELP;
    for (const args_opt *o = p->opts; o->name || o->shrt; o++) {
        if (!o->name || strlen(o->name) != len || strncmp(o->name, name, len))
            continue;
        if (!o->arg) {
            if (eq) {
                snprintf(p->err, sizeof p->err, "%s takes no value", p->opt);
                return ARGS_ERR;
            }
            return o->id;
        }
        return args_take(p, o, eq ? eq + 1 : NULL);
    }
    return args_unknown_long(p, name, len);
}

int args_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "vmsim %s: %s; see 'vmsim %s --help'\n", cmd, msg, cmd);
    return 2;
}

int args_time(const char *s, double bare_ns, double *ns)
{
    if (!s || !*s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || !isfinite(v))
        return -1;
    double unit;
    if (!*end)
        unit = bare_ns;
    else if (!strcmp(end, "ns"))
        unit = 1;
    else if (!strcmp(end, "us"))
        unit = 1e3;
    else if (!strcmp(end, "ms"))
        unit = 1e6;
    else if (!strcmp(end, "s"))
        unit = 1e9;
    else
        return -1;
    *ns = v * unit;
    return 0;
}

int args_int(const char *s, long long lo, long long hi, long long *out)
{
    if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
        return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int args_int_opt(const char *opt, const char *s, int lo, int hi, int *out, vs_err *err)
{
    long long v;
    if (args_int(s, lo, hi, &v))
        return err_input(err, "%s %s: expected an integer from %d to %d", opt, s, lo, hi);
    *out = (int)v;
    return 0;
}

/* The copy of standard input (args_stdin_path), removed at exit. */
static char args_stdin_dir[64], args_stdin_file[96];
static pid_t args_stdin_owner; /* forked workers (which _exit anyway) never remove it */

static void args_stdin_cleanup(void)
{
    if (getpid() != args_stdin_owner)
        return;
    if (args_stdin_file[0])
        unlink(args_stdin_file);
    if (args_stdin_dir[0])
        rmdir(args_stdin_dir);
}

const char *args_stdin_path(const char *name, char *msg, size_t n)
{
    if (args_stdin_file[0])
        return args_stdin_file; /* read once: the same copy again */
    const char *tmp = getenv("TMPDIR");
    snprintf(args_stdin_dir, sizeof args_stdin_dir, "%s/vmsim-stdin.XXXXXX",
             tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(args_stdin_dir)) {
        snprintf(msg, n, "standard input: cannot make a temporary directory: %s", strerror(errno));
        args_stdin_dir[0] = 0;
        return NULL;
    }
    snprintf(args_stdin_file, sizeof args_stdin_file, "%s/%s", args_stdin_dir, name);
    args_stdin_owner = getpid();
    atexit(args_stdin_cleanup);
    FILE *f = fopen(args_stdin_file, "wb");
    int bad = !f;
    char buf[65536];
    size_t k;
    while (!bad && (k = fread(buf, 1, sizeof buf, stdin)) > 0)
        bad = fwrite(buf, 1, k, f) != k;
    bad |= ferror(stdin);
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad) {
        snprintf(msg, n, "standard input: cannot copy to %s: %s", args_stdin_file,
                 strerror(errno ? errno : EIO));
        return NULL;
    }
    return args_stdin_file;
}

const char *args_input(const char *v, const char *name, char *msg, size_t n)
{
    return strcmp(v, "-") ? v : args_stdin_path(name, msg, n);
}
