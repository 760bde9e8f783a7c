/* buildlog.c - parsers for ninja logs and job CSVs (see buildlog.h).
 *
 * The whole file is read into one buffer that the graph keeps: lines are
 * NUL-split in place and ids point into it, so parsing allocates per job
 * only the job record and its dependency indexes. Every size taken from
 * the input is bounded (buildlog.h) before anything is allocated for it. */
#include "config/buildlog.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/mem.h"

#define BLOG_SHOW 64          /* buffer for a value shown in a message */
#define BLOG_MAX_NINJA_MS 1e15 /* ninja times: a sanity bound far above any real build */

/* --- text helpers ------------------------------------------------------------ */

/* Writes s as it appears in a message into buf: quoted, control bytes and
 * quotes escaped, cut after 40 bytes. Returns buf. Can't fail. */
static const char *blog_show(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    buf[k++] = '"';
    for (size_t i = 0; s[i] && k + 8 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i >= 40) {
            memcpy(buf + k, "...", 3);
            k += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
    }
    buf[k++] = '"';
    buf[k] = 0;
    return buf;
}

/* Strips blanks (space, tab) from both ends of s, in place. */
static char *blog_trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

/* Splits s at every `sep`, in place; stores the first `max` fields in f and
 * returns how many fields there are (possibly more than max). */
static int blog_split(char *s, char sep, char **f, int max)
{
    int n = 0;
    for (;;) {
        char *c = strchr(s, sep);
        if (n < max)
            f[n] = s;
        n++;
        if (!c)
            return n;
        *c = 0;
        s = c + 1;
    }
}

static int blog_isdigit(char c) { return c >= '0' && c <= '9'; }

/* A decimal number of milliseconds ("120", "0.5", ".5", "3.") into ns.
 * Returns 0, -1 if malformed (signs, exponents, words), -2 if above
 * BLOG_MAX_MS. */
static int blog_ms(const char *s, sim_time *ns)
{
    const char *p = s;
    int digits = 0;
    while (blog_isdigit(*p))
        p++, digits++;
    if (*p == '.')
        for (p++; blog_isdigit(*p); p++)
            digits++;
    if (!digits || *p)
        return -1;
    double v = strtod(s, NULL); /* the syntax is checked: no locale or hex surprises */
    if (!(v <= BLOG_MAX_MS))
        return -2;
    *ns = (sim_time)llround(v * 1e6);
    return 0;
}

/* A decimal integer, optionally negative when `sign`, of at most 18 digits.
 * Returns 0 or -1. */
static int blog_int(const char *s, int sign, int64_t *out)
{
    int neg = sign && *s == '-';
    const char *p = s + neg;
    int64_t v = 0;
    int n = 0;
    for (; blog_isdigit(*p); p++, n++)
        if (n < 18)
            v = v * 10 + (*p - '0');
    if (!n || n > 18 || *p)
        return -1;
    *out = neg ? -v : v;
    return 0;
}

/* An integer of any size we do not need the value of (ninja's mtime: ns
 * since the epoch in ninja 1.11, 19 digits): an optional '-', then 1 to 20
 * digits. Returns 0 or -1. */
static int blog_any_int(const char *s)
{
    size_t n = strspn(s + (*s == '-'), "0123456789");
    return n >= 1 && n <= 20 && !s[(*s == '-') + n] ? 0 : -1;
}

/* 1 to 16 hexadecimal digits. Returns 0 or -1. */
static int blog_hex(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int n = 0;
    for (; *s; s++, n++) {
        char c = *s;
        int d = blog_isdigit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (n < 1 || n > 16)
        return -1;
    *out = v;
    return 0;
}

/* --- lines ------------------------------------------------------------------------ */

typedef struct blog_reader {
    const char *name; /* the log, for messages (borrowed) */
    char *p, *end;    /* unread text; *end is writable (the buffer has one spare byte) */
    int line;         /* number of the line last returned */
    vs_err *err;
} blog_reader;

/* The next line, NUL-terminated in place without its "\n" or "\r\n" (and
 * without a UTF-8 byte-order mark on line 1). Returns 1 with *out set, 0 at
 * the end of the text, -1 (err filled) for an over-long line or binary
 * bytes: NUL, control characters other than tab, DEL. */
static int blog_next(blog_reader *r, char **out)
{
    if (r->p >= r->end)
        return 0;
    char *s = r->p, *nl = memchr(s, '\n', (size_t)(r->end - s)), *e = nl ? nl : r->end;
    r->p = nl ? nl + 1 : r->end;
    r->line++;
    if (e - s > BLOG_MAX_LINE)
        return err_input(r->err, "%s:%d: line longer than %d bytes (the limit per line)", r->name,
                         r->line, BLOG_MAX_LINE);
    if (e > s && e[-1] == '\r')
        e--;
    *e = 0;
    if (r->line == 1 && e - s >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
        s += 3;
    for (char *q = s; q < e; q++) {
        unsigned char c = (unsigned char)*q;
        int more = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
                 : c >= 0xf0 && c <= 0xf4 ? 3 : -1; /* UTF-8 continuation bytes */
        for (int k = 1; k <= more; k++)
            if (q + k >= e || ((unsigned char)q[k] & 0xc0) != 0x80)
                more = -1;
        if ((c < 0x20 && c != '\t') || c == 0x7f || more < 0)
            return err_input(r->err, "%s:%d:%d: binary data (byte 0x%02x); expected a text build log "
                                     "(UTF-8)",
                             r->name, r->line, (int)(q - s) + 1, c);
        q += more;
    }
    *out = s;
    return 1;
}

/* --- id lookup: open addressing over an array of names -------------------------- */

typedef struct blog_tab {
    int *slot;    /* index + 1 of a name, 0 = empty */
    size_t cap;   /* slots, a power of two (0 before the first insert) */
    size_t n;     /* names inserted */
} blog_tab;

static uint64_t blog_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Index of `key` among names[], or -1. */
static int blog_tab_find(const blog_tab *t, const char *const *names, const char *key)
{
    if (!t->cap)
        return -1;
    for (size_t i = blog_hash(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        int v = t->slot[i];
        if (!v)
            return -1;
        if (!strcmp(names[v - 1], key))
            return v - 1;
    }
}

static void blog_tab_put(blog_tab *t, const char *const *names, int idx)
{
    size_t i = blog_hash(names[idx]) & (t->cap - 1);
    while (t->slot[i])
        i = (i + 1) & (t->cap - 1);
    t->slot[i] = idx + 1;
}

/* Inserts names[idx] (not present yet), growing the table to stay at most
 * half full. */
static void blog_tab_add(blog_tab *t, const char *const *names, int idx)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t old = t->cap;
        int *os = t->slot;
        t->cap = old ? old * 2 : 64;
        t->slot = vs_xcalloc(t->cap, sizeof(int));
        for (size_t i = 0; i < old; i++)
            if (os[i])
                blog_tab_put(t, names, os[i] - 1);
        free(os);
    }
    blog_tab_put(t, names, idx);
    t->n++;
}

/* --- the graph: dependency pool, cycle check, critical path ------------------------ */

/* Completes g from the jobs' ndeps and the flat dependency indexes dep[]
 * (job j's at dep[off_j], jobs in order): fills the pool with deps and succ
 * lists, rejects cycles (naming a job on one and the chain around it),
 * computes total_cpu_ns and critical_ns. Returns 0 or -1 (err filled). */
static int blog_finish(blog_graph *g, const char *name, const int *dep, vs_err *err)
{
    int n = g->njobs, rc = -1;
    size_t ne = 0;
    for (int j = 0; j < n; j++)
        ne += (size_t)g->jobs[j].ndeps;
    g->nedges = (int)ne;
    g->pool = vs_xcalloc(2 * ne + 1, sizeof(int));
    int *succ = g->pool + ne, *fill = vs_xcalloc((size_t)n, sizeof(int));
    int *indeg = vs_xcalloc((size_t)n, sizeof(int)), *queue = vs_xcalloc((size_t)n, sizeof(int));
    double *ready = vs_xcalloc((size_t)n, sizeof(double));
    if (ne)
        memcpy(g->pool, dep, ne * sizeof(int));
    size_t off = 0;
    for (int j = 0; j < n; j++) {
        blog_job *b = &g->jobs[j];
        b->deps = g->pool + off;
        off += (size_t)b->ndeps;
        for (int k = 0; k < b->ndeps; k++)
            g->jobs[b->deps[k]].nsucc++;
        indeg[j] = b->ndeps;
    }
    off = 0;
    for (int j = 0; j < n; j++) {
        g->jobs[j].succ = succ + off;
        off += (size_t)g->jobs[j].nsucc;
    }
    for (int j = 0; j < n; j++)
        for (int k = 0; k < g->jobs[j].ndeps; k++) {
            int d = g->jobs[j].deps[k];
            succ[(g->jobs[d].succ - succ) + fill[d]++] = j;
        }
    /* Kahn's algorithm; ready[j] = when j can start with unlimited jobs */
    int head = 0, tail = 0;
    g->total_cpu_ns = g->critical_ns = 0;
    for (int j = 0; j < n; j++)
        if (!indeg[j])
            queue[tail++] = j;
    while (head < tail) {
        int j = queue[head++];
        double fin = ready[j] + (double)g->jobs[j].cpu_ns;
        g->total_cpu_ns += (double)g->jobs[j].cpu_ns;
        if (fin > g->critical_ns)
            g->critical_ns = fin;
        for (int k = 0; k < g->jobs[j].nsucc; k++) {
            int s = g->jobs[j].succ[k];
            if (fin > ready[s])
                ready[s] = fin;
            if (--indeg[s] == 0)
                queue[tail++] = s;
        }
    }
    if (tail < n) {
        /* Every job left has a dependency left: following the first one n
         * times from any of them ends on a cycle. */
        int x = 0;
        while (!indeg[x])
            x++;
        for (int i = 0; i < n; i++) {
            int k = 0;
            while (!indeg[g->jobs[x].deps[k]])
                k++;
            x = g->jobs[x].deps[k];
        }
        char chain[600] = "", a[BLOG_SHOW];
        size_t cl = 0;
        int y = x;
        for (int hop = 0; hop < 8; hop++) {
            int k = 0;
            while (!indeg[g->jobs[y].deps[k]])
                k++;
            y = g->jobs[y].deps[k];
            cl += (size_t)snprintf(chain + cl, sizeof chain - cl, " needs %s (line %d)",
                                   blog_show(g->jobs[y].id, a, sizeof a), g->jobs[y].line);
            if (y == x || cl >= sizeof chain - 1)
                break;
            if (hop == 7)
                snprintf(chain + cl, sizeof chain - cl, " needs ...");
        }
        err_input(err, "%s:%d: dependency cycle through job %s:%s", name, g->jobs[x].line,
                  blog_show(g->jobs[x].id, a, sizeof a), chain);
        goto out;
    }
    rc = 0;
out:
    free(fill);
    free(indeg);
    free(queue);
    free(ready);
    return rc;
}

/* --- CSV of jobs --------------------------------------------------------------------- */

static int blog_csv(blog_reader *r, blog_graph *g, vs_err *err)
{
    const char *name = r->name;
    char *line, a[BLOG_SHOW], b[BLOG_SHOW];
    int rc, header = 0, cap = 0, *dep = NULL, *stamp = NULL;
    size_t ntok = 0, captok = 0, *tok0 = NULL;
    char **tok = NULL;
    const char **names = NULL;
    blog_tab tab = {0};
    while ((rc = blog_next(r, &line)) > 0) {
        char *s = blog_trim(line), *f[3];
        if (!*s || *s == '#')
            continue;
        blog_show(s, a, sizeof a);
        int nf = blog_split(s, ',', f, 3);
        if (!header) {
            if (nf != 3 || strcmp(blog_trim(f[0]), "id") || strcmp(blog_trim(f[1]), "cpu_ms") ||
                strcmp(blog_trim(f[2]), "deps")) {
                rc = err_input(err, "%s:%d: expected the header \"id,cpu_ms,deps\", found %s", name,
                               r->line, a);
                break;
            }
            header = 1;
            continue;
        }
        if (nf != 3) {
            rc = err_input(err, "%s:%d: expected 3 comma-separated fields id,cpu_ms,deps (deps may be "
                                "empty, as in \"main.o,120,\"), found %d in %s",
                           name, r->line, nf, a);
            break;
        }
        char *id = blog_trim(f[0]), *ms = blog_trim(f[1]);
        if (!*id || strpbrk(id, " \t;")) {
            rc = err_input(err, "%s:%d: field 1 (id): expected a job id without blanks or ';', found %s",
                           name, r->line, blog_show(id, b, sizeof b));
            break;
        }
        int prev = blog_tab_find(&tab, names, id);
        if (prev >= 0) {
            rc = err_input(err, "%s:%d: field 1 (id): duplicate id %s (first defined on line %d)", name,
                           r->line, blog_show(id, b, sizeof b), g->jobs[prev].line);
            break;
        }
        if (g->njobs >= BLOG_MAX_JOBS) {
            rc = err_input(err, "%s:%d: more than %d jobs (the limit per log)", name, r->line,
                           BLOG_MAX_JOBS);
            break;
        }
        sim_time ns = 0;
        int mrc = blog_ms(ms, &ns);
        if (mrc) {
            rc = err_input(err, "%s:%d: field 2 (cpu_ms): expected %s, found %s", name, r->line,
                           mrc == -1 ? "a number of milliseconds >= 0 (digits and an optional '.')"
                                     : "at most 1e9 milliseconds",
                           blog_show(ms, b, sizeof b));
            break;
        }
        if (g->njobs == cap) {
            cap = cap ? 2 * cap : 64;
            g->jobs = vs_xreallocarray(g->jobs, (size_t)cap, sizeof(blog_job));
            names = vs_xreallocarray(names, (size_t)cap, sizeof(char *));
            tok0 = vs_xreallocarray(tok0, (size_t)cap, sizeof(size_t));
        }
        int j = g->njobs++;
        g->jobs[j] = (blog_job){.id = id, .cpu_ns = ns, .line = r->line};
        names[j] = id;
        tok0[j] = ntok;
        char *save = NULL;
        for (char *t = strtok_r(f[2], " \t;", &save); t; t = strtok_r(NULL, " \t;", &save)) {
            if (g->jobs[j].ndeps == BLOG_MAX_DEPS) {
                rc = err_input(err, "%s:%d: field 3 (deps): more than %d dependencies (the limit per job)",
                               name, r->line, BLOG_MAX_DEPS);
                goto out;
            }
            if (ntok == captok) {
                captok = captok ? 2 * captok : 256;
                tok = vs_xreallocarray(tok, captok, sizeof(char *));
            }
            tok[ntok++] = t;
            g->jobs[j].ndeps++;
        }
        blog_tab_add(&tab, names, j);
    }
    if (rc < 0)
        goto out;
    rc = -1;
    if (!header) {
        err_input(err, "%s: empty log: expected the header \"id,cpu_ms,deps\" and one line per job", name);
        goto out;
    }
    if (!g->njobs) {
        err_input(err, "%s: empty log: no jobs after the header \"id,cpu_ms,deps\"", name);
        goto out;
    }
    /* resolve dependency names; stamp[d] = j + 1 while job j's list is checked */
    dep = vs_xcalloc(ntok + 1, sizeof(int));
    stamp = vs_xcalloc((size_t)g->njobs, sizeof(int));
    for (int j = 0; j < g->njobs; j++)
        for (int k = 0; k < g->jobs[j].ndeps; k++) {
            const char *t = tok[tok0[j] + (size_t)k];
            int d = blog_tab_find(&tab, names, t);
            if (d < 0) {
                err_input(err, "%s:%d: field 3 (deps): unknown job %s (no line defines that id)", name,
                          g->jobs[j].line, blog_show(t, a, sizeof a));
                goto out;
            }
            if (d == j) {
                err_input(err, "%s:%d: dependency cycle through job %s: it depends on itself", name,
                          g->jobs[j].line, blog_show(t, a, sizeof a));
                goto out;
            }
            if (stamp[d] == j + 1) {
                err_input(err, "%s:%d: field 3 (deps): job %s is listed twice", name, g->jobs[j].line,
                          blog_show(t, a, sizeof a));
                goto out;
            }
            stamp[d] = j + 1;
            dep[tok0[j] + (size_t)k] = d;
        }
    rc = blog_finish(g, name, dep, err);
out:
    free(dep);
    free(stamp);
    free(tok);
    free(tok0);
    free(names);
    free(tab.slot);
    return rc;
}

/* --- ninja log ------------------------------------------------------------------------- */

typedef struct blog_entry {
    const char *out;     /* output path (into the text) */
    int64_t start, end;  /* ms since the build started */
    uint64_t hash;       /* command hash */
    int line;            /* line of the entry that counts (the last one) */
} blog_entry;

/* Same edge: start, end and command hash; ties by line. */
static int blog_cmp_edge(const void *pa, const void *pb)
{
    const blog_entry *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

/* Log order of jobs: start time, ties by line. */
static int blog_cmp_start(const void *pa, const void *pb)
{
    const blog_entry *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return (a->line > b->line) - (a->line < b->line);
}

static int blog_ninja(blog_reader *r, blog_graph *g, vs_err *err)
{
    const char *name = r->name;
    char *line, a[BLOG_SHOW];
    int rc = blog_next(r, &line), n = 0, cap = 0;
    blog_entry *ent = NULL;
    const char **names = NULL;
    blog_tab tab = {0};
    if (rc < 0)
        return -1;
    if (rc == 0)
        return err_input(err, "%s: empty log: expected the header \"# ninja log v5\" and one line per "
                              "output built", name);
    {
        int64_t v;
        if (strncmp(line, "# ninja log v", 13) || blog_int(line + 13, 0, &v) || v < 5 || v > 7)
            return err_input(err, "%s:%d: expected the header \"# ninja log v5\" (v5 to v7), found %s",
                             name, r->line, blog_show(line, a, sizeof a));
    }
    static const char *const fields[] = {"start_ms", "end_ms", "mtime", "output", "cmdhash"};
    while ((rc = blog_next(r, &line)) > 0) {
        if (!*line)
            continue;
        char *f[5];
        int nf = blog_split(line, '\t', f, 5), bad = -1;
        if (nf != 5) {
            rc = err_input(err, "%s:%d: expected 5 tab-separated fields start_ms, end_ms, mtime, output, "
                                "cmdhash, found %d",
                           name, r->line, nf);
            break;
        }
        blog_entry e = {.out = f[3], .line = r->line};
        if (blog_int(f[0], 0, &e.start) || e.start > BLOG_MAX_NINJA_MS)
            bad = 0;
        else if (blog_int(f[1], 0, &e.end) || e.end > BLOG_MAX_NINJA_MS)
            bad = 1;
        else if (blog_any_int(f[2]))
            bad = 2;
        else if (!*f[3])
            bad = 3;
        else if (blog_hex(f[4], &e.hash))
            bad = 4;
        if (bad >= 0) {
            static const char *const want[] = {
                "a whole number of milliseconds >= 0", "a whole number of milliseconds >= 0",
                "an integer", "an output path", "a hexadecimal command hash"};
            rc = err_input(err, "%s:%d: field %d (%s): expected %s, found %s", name, r->line, bad + 1,
                           fields[bad], want[bad], blog_show(f[bad], a, sizeof a));
            break;
        }
        if (e.end < e.start) {
            rc = err_input(err, "%s:%d: reversed times: end_ms %lld is before start_ms %lld", name,
                           r->line, (long long)e.end, (long long)e.start);
            break;
        }
        if ((double)(e.end - e.start) > BLOG_MAX_MS) {
            rc = err_input(err, "%s:%d: field 2 (end_ms): a job of %lld ms; at most 1e9 ms per job", name,
                           r->line, (long long)(e.end - e.start));
            break;
        }
        int prev = blog_tab_find(&tab, names, e.out);
        if (prev >= 0) { /* a rebuild of the same output: the later entry counts */
            ent[prev] = e;
            continue;
        }
        if (n >= BLOG_MAX_JOBS) {
            rc = err_input(err, "%s:%d: more than %d jobs (the limit per log)", name, r->line,
                           BLOG_MAX_JOBS);
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            ent = vs_xreallocarray(ent, (size_t)cap, sizeof(blog_entry));
            names = vs_xreallocarray(names, (size_t)cap, sizeof(char *));
        }
        ent[n] = e;
        names[n] = e.out;
        blog_tab_add(&tab, names, n++);
    }
    free(names);
    free(tab.slot);
    if (rc < 0) {
        free(ent);
        return -1;
    }
    if (!n) {
        free(ent);
        return err_input(err, "%s: empty log: no entries after the header", name);
    }
    /* outputs of one edge -> one job, named after the first output logged */
    qsort(ent, (size_t)n, sizeof(blog_entry), blog_cmp_edge);
    int nj = 0;
    for (int i = 0; i < n; i++)
        if (!nj || ent[i].start != ent[nj - 1].start || ent[i].end != ent[nj - 1].end ||
            ent[i].hash != ent[nj - 1].hash)
            ent[nj++] = ent[i];
    qsort(ent, (size_t)nj, sizeof(blog_entry), blog_cmp_start);
    g->njobs = nj;
    g->jobs = vs_xcalloc((size_t)nj, sizeof(blog_job));
    for (int j = 0; j < nj; j++)
        g->jobs[j] = (blog_job){.id = ent[j].out, .cpu_ns = (ent[j].end - ent[j].start) * 1000000,
                                .line = ent[j].line};
    free(ent);
    return blog_finish(g, name, NULL, err);
}

/* --- entry points ------------------------------------------------------------------- */

/* Parses buf (len bytes plus one spare, owned: the graph keeps it). */
static int blog_parse_owned(const char *name, char *buf, size_t len, blog_format f, blog_graph **out,
                            vs_err *err)
{
    blog_graph *g = vs_xcalloc(1, sizeof(blog_graph));
    g->format = f;
    g->text = buf;
    buf[len] = 0;
    blog_reader r = {name, buf, buf + len, 0, err};
    int rc = f == BLOG_CSV ? blog_csv(&r, g, err) : blog_ninja(&r, g, err);
    if (rc) {
        blog_free(g);
        g = NULL;
    }
    *out = g;
    return rc ? -1 : 0;
}

int blog_parse(const char *name, const char *text, size_t len, blog_format f, blog_graph **out,
               vs_err *err)
{
    *out = NULL;
    if (len > BLOG_MAX_FILE)
        return err_input(err, "%s: %zu bytes; build logs of at most %u bytes are read", name, len,
                         BLOG_MAX_FILE);
    char *buf = vs_xmalloc(len + 1);
    memcpy(buf, text, len);
    return blog_parse_owned(name, buf, len, f, out, err);
}

int blog_read(const char *path, blog_format f, blog_graph **out, vs_err *err)
{
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return err_input(err, "%s: cannot open the build log: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        close(fd);
        return err_input(err, "%s: not a regular file; expected a build log", path);
    }
    if (st.st_size > (off_t)BLOG_MAX_FILE) {
        close(fd);
        return err_input(err, "%s: %lld bytes; build logs of at most %u bytes are read", path,
                         (long long)st.st_size, BLOG_MAX_FILE);
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = vs_xmalloc(len + 1);
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != len) {
        free(buf);
        return err_input(err, "%s: read error (%zu of %zu bytes read)", path, got, len);
    }
    return blog_parse_owned(path, buf, len, f, out, err);
}

blog_format blog_format_of(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && !strcasecmp(path + n - 4, ".csv") ? BLOG_CSV : BLOG_NINJA;
}

const char *blog_format_name(blog_format f) { return f == BLOG_CSV ? "csv" : "ninja"; }

