/* trace.c - Chrome Trace Event Format writer; see trace.h for the format,
 * the window rules and the contracts. */
#include "sim/trace.h"

#include <math.h>
#include <stdio.h>
#include <sys/types.h>
#include <stdlib.h>
#include <string.h>

#include "sim/fsutil.h"
#include "sim/mem.h"

#ifndef VMSIM_VERSION
#define VMSIM_VERSION "unknown"
#endif

/* stdio buffer given to the output stream: few large writes. */
#define TRACE_BUFSZ ((size_t)256 * 1024)

/* The last sample before t0 of one counter series, to be repeated at t0.
 * A slot is empty while key == NULL. */
typedef struct trace_ctr {
    char *key;            /* "name\0series\0", owned; NULL for an empty slot */
    size_t name_len;      /* strlen(name); series starts at key + name_len + 1 */
    uint64_t hash;        /* hash of (pid, name, series) */
    int pid;              /* the counter's process */
    unsigned char pre;    /* a sample before t0 was seen: t and v are valid */
    unsigned char at_t0;  /* a sample at exactly t0 was written: no carry-in */
    sim_time t;           /* time of the latest sample before t0 */
    double v;             /* value of that sample */
} trace_ctr;

/* Invariants: out.f is open until close/abort; buf backs out.f and outlives
 * it; ctr has ctr_cap slots (0 or a power of two), at most half of them used,
 * found by linear probing from hash & (ctr_cap - 1). */
struct trace {
    fsu_file out;      /* the temporary file and the final path */
    char *buf;         /* TRACE_BUFSZ bytes of stdio buffer for out.f */
    sim_time t0;       /* window start (inclusive) */
    sim_time t1;       /* window end (exclusive); SIM_TIME_MAX: none */
    uint64_t events;   /* events written */
    uint64_t invalid;  /* calls refused as malformed */
    trace_ctr *ctr;    /* counter carry-in table */
    size_t ctr_cap;    /* slots in ctr */
    size_t ctr_n;      /* used slots */
    uint64_t max_bytes;  /* trace_set_max_bytes; 0: no limit */
    int full;            /* the limit was reached: events are dropped from then on */
    sim_time full_at;    /* the time of the first dropped event */
    uint64_t dropped;    /* events dropped since */
};

/* How many events pass between two looks at the file's size (ftello costs
 * a system call): the limit is kept to within about this many events. */
#define TRACE_SIZE_EVERY 1024

/* ---- low-level output ---------------------------------------------------- */

static void put_raw(FILE *f, const char *s) { fputs(s, f); }

/* Writes a signed magnitude `mag` (with `neg`) as a decimal integer. */
static void put_mag(FILE *f, int neg, uint64_t mag)
{
    char b[24];
    char *p = b + sizeof b;
    *--p = 0;
    do {
        *--p = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    if (neg)
        *--p = '-';
    fputs(p, f);
}

static void put_int(FILE *f, int64_t v)
{
    /* negate in unsigned arithmetic: exact for INT64_MIN too */
    put_mag(f, v < 0, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

/* Writes `mag` nanoseconds as microseconds: integer part, then up to three
 * fraction digits with trailing zeros trimmed. Never uses an exponent. */
static void put_us_mag(FILE *f, int neg, uint64_t mag)
{
    put_mag(f, neg, mag / 1000);
    unsigned frac = (unsigned)(mag % 1000);
    if (!frac)
        return;
    char d[5] = {'.', (char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                 (char)('0' + frac % 10), 0};
    for (int i = 3; d[i] == '0'; i--)
        d[i] = 0;
    fputs(d, f);
}

static void put_us(FILE *f, sim_time ns)
{
    put_us_mag(f, ns < 0, ns < 0 ? 0 - (uint64_t)ns : (uint64_t)ns);
}

/* Length of the valid UTF-8 sequence starting at p (a byte >= 0x80), or 0
 * if it is invalid: truncated, overlong, a surrogate or above U+10FFFF. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) /* also stops at the NUL */
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* Writes s as a JSON string literal: quotes, backslashes and control
 * characters escaped, invalid UTF-8 bytes replaced by U+FFFD. NULL is
 * written as "". Runs of plain characters go out in one fwrite. */
static void put_str(FILE *f, const char *s)
{
    putc('"', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *run = p;
    while (*p) {
        unsigned c = *p;
        size_t n = 1;
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0x80 && (n = utf8_len(p)) != 0) {
            p += n;
            continue;
        }
        if (p > run)
            fwrite(run, 1, (size_t)(p - run), f);
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputs("\\ufffd", f); /* an invalid UTF-8 byte */
        }
        p++;
        run = p;
    }
    if (p > run)
        fwrite(run, 1, (size_t)(p - run), f);
    putc('"', f);
}

/* Writes a finite double in the shortest of %.15g/%.16g/%.17g that reads
 * back to the same value (%.17g always does). */
static void put_double(FILE *f, double v)
{
    char b[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, v);
        if (prec == 17 || strtod(b, NULL) == v)
            break;
    }
    fputs(b, f);
}

/* Starts an event: separator, then {"name":NAME[,"cat":CAT],"ph":"PH","ts":TS */
static void begin_event(trace *t, const char *name, const char *cat, const char *ph, sim_time ts)
{
    FILE *f = t->out.f;
    put_raw(f, t->events ? ",\n{\"name\":" : "{\"name\":");
    put_str(f, name);
    if (cat) {
        put_raw(f, ",\"cat\":");
        put_str(f, cat);
    }
    put_raw(f, ",\"ph\":\"");
    put_raw(f, ph);
    put_raw(f, "\",\"ts\":");
    put_us(f, ts);
}

/* Writes ,"pid":P,"tid":T */
static void put_ids(FILE *f, int pid, int tid)
{
    put_raw(f, ",\"pid\":");
    put_int(f, pid);
    put_raw(f, ",\"tid\":");
    put_int(f, tid);
}

/* Ends an event with optional verbatim args and counts it; every
 * TRACE_SIZE_EVERY events checks the size limit. */
static void end_event(trace *t, const char *args_json)
{
    FILE *f = t->out.f;
    if (args_json) {
        put_raw(f, ",\"args\":");
        put_raw(f, args_json);
    }
    putc('}', f);
    t->events++;
    if (t->max_bytes && t->events % TRACE_SIZE_EVERY == 0) {
        off_t pos = ftello(f);
        if (pos >= 0 && (uint64_t)pos >= t->max_bytes)
            t->full = 1;
    }
}

/* 1 (and counts it) when the size limit drops the event at `when`. */
static int trace_drop(trace *t, sim_time when)
{
    if (!t->full)
        return 0;
    if (!t->dropped++)
        t->full_at = when;
    return 1;
}

/* A metadata event whose args hold one string or one integer. */
static void meta_str(trace *t, const char *what, int pid, int tid, const char *value)
{
    begin_event(t, what, NULL, "M", 0);
    put_ids(t->out.f, pid, tid);
    put_raw(t->out.f, ",\"args\":{\"name\":");
    put_str(t->out.f, value);
    put_raw(t->out.f, "}");
    end_event(t, NULL);
}

static void meta_int(trace *t, const char *what, int pid, int tid, int value)
{
    begin_event(t, what, NULL, "M", 0);
    put_ids(t->out.f, pid, tid);
    put_raw(t->out.f, ",\"args\":{\"sort_index\":");
    put_int(t->out.f, value);
    put_raw(t->out.f, "}");
    end_event(t, NULL);
}

static void counter_event(trace *t, int pid, const char *name, sim_time when, const char *series,
                          double value)
{
    begin_event(t, name, NULL, "C", when);
    put_ids(t->out.f, pid, 0);
    put_raw(t->out.f, ",\"args\":{");
    put_str(t->out.f, series);
    putc(':', t->out.f);
    put_double(t->out.f, value);
    putc('}', t->out.f);
    end_event(t, NULL);
}

/* ---- counter carry-in table ---------------------------------------------- */

/* FNV-1a over pid, name, a separator and series. */
static uint64_t ctr_hash(int pid, const char *name, const char *series)
{
    uint64_t h = 14695981039346656037ull;
    uint32_t u = (uint32_t)pid;
    for (int i = 0; i < 4; i++) {
        h = (h ^ (u & 0xFF)) * 1099511628211ull;
        u >>= 8;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    h = (h ^ 0xFF) * 1099511628211ull; /* 0xFF never occurs in UTF-8 */
    for (const unsigned char *p = (const unsigned char *)series; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return h;
}

/* Returns the slot of (pid, name, series), inserting an empty record if
 * absent (the table grows by doubling at half load). */
static trace_ctr *ctr_get(trace *t, int pid, const char *name, const char *series)
{
    if (2 * (t->ctr_n + 1) > t->ctr_cap) {
        size_t ncap = t->ctr_cap ? 2 * t->ctr_cap : 16;
        trace_ctr *n = vs_xcalloc(ncap, sizeof *n);
        for (size_t i = 0; i < t->ctr_cap; i++) {
            if (!t->ctr[i].key)
                continue;
            size_t j = t->ctr[i].hash & (ncap - 1);
            while (n[j].key)
                j = (j + 1) & (ncap - 1);
            n[j] = t->ctr[i];
        }
        free(t->ctr);
        t->ctr = n;
        t->ctr_cap = ncap;
    }
    uint64_t h = ctr_hash(pid, name, series);
    size_t nl = strlen(name);
    size_t j = h & (t->ctr_cap - 1);
    for (;; j = (j + 1) & (t->ctr_cap - 1)) {
        trace_ctr *c = &t->ctr[j];
        if (!c->key)
            break;
        if (c->hash == h && c->pid == pid && c->name_len == nl && memcmp(c->key, name, nl) == 0 &&
            strcmp(c->key + nl + 1, series) == 0)
            return c;
    }
    size_t sl = strlen(series);
    trace_ctr *c = &t->ctr[j];
    c->key = vs_xmalloc(nl + sl + 2);
    memcpy(c->key, name, nl + 1);
    memcpy(c->key + nl + 1, series, sl + 1);
    c->name_len = nl;
    c->hash = h;
    c->pid = pid;
    t->ctr_n++;
    return c;
}

static void ctr_free(trace *t)
{
    for (size_t i = 0; i < t->ctr_cap; i++)
        free(t->ctr[i].key);
    free(t->ctr);
    t->ctr = NULL;
    t->ctr_cap = t->ctr_n = 0;
}

/* ---- public API ---------------------------------------------------------- */

trace *trace_open(const char *path, sim_time t0, sim_time t1, vs_err *err)
{
    if (t1 < t0) {
        err_input(err, "%s: trace window end %lld ns is before its start %lld ns", path,
                  (long long)t1, (long long)t0);
        return NULL;
    }
    trace *t = vs_xcalloc(1, sizeof *t);
    if (fsu_open(&t->out, path, err)) {
        free(t);
        return NULL;
    }
    t->buf = vs_xmalloc(TRACE_BUFSZ);
    setvbuf(t->out.f, t->buf, _IOFBF, TRACE_BUFSZ);
    t->t0 = t0;
    t->t1 = t1;
    put_raw(t->out.f, "{\"traceEvents\":[\n");
    return t;
}

void trace_process(trace *t, int pid, const char *name, int sort_index)
{
    if (!t)
        return;
    if (name)
        meta_str(t, "process_name", pid, 0, name);
    meta_int(t, "process_sort_index", pid, 0, sort_index);
}

void trace_thread(trace *t, int pid, int tid, const char *name, int sort_index)
{
    if (!t)
        return;
    if (name)
        meta_str(t, "thread_name", pid, tid, name);
    meta_int(t, "thread_sort_index", pid, tid, sort_index);
}

void trace_slice(trace *t, int pid, int tid, const char *name, const char *cat, sim_time start,
                 sim_time end, const char *args_json)
{
    if (!t)
        return;
    if (end < start) {
        t->invalid++;
        return;
    }
    if (end == start) {
        if (start < t->t0 || start >= t->t1)
            return;
    } else if (start >= t->t1 || end <= t->t0 || t->t0 >= t->t1) {
        return; /* no overlap (an empty window overlaps nothing) */
    }
    sim_time s = start < t->t0 ? t->t0 : start;
    sim_time e = end > t->t1 ? t->t1 : end;
    if (trace_drop(t, s))
        return;
    begin_event(t, name, cat, "X", s);
    put_raw(t->out.f, ",\"dur\":");
    put_us_mag(t->out.f, 0, (uint64_t)e - (uint64_t)s); /* e >= s; exact even if e - s overflows */
    put_ids(t->out.f, pid, tid);
    end_event(t, args_json);
}

void trace_instant(trace *t, int pid, int tid, const char *name, const char *cat, sim_time when,
                   const char *args_json)
{
    if (!t || when < t->t0 || when >= t->t1 || trace_drop(t, when))
        return;
    begin_event(t, name, cat, "i", when);
    put_raw(t->out.f, ",\"s\":\"t\"");
    put_ids(t->out.f, pid, tid);
    end_event(t, args_json);
}

void trace_counter(trace *t, int pid, const char *name, sim_time when, const char *series,
                   double value)
{
    if (!t)
        return;
    if (!isfinite(value)) {
        t->invalid++;
        return;
    }
    if (!name)
        name = "";
    if (!series)
        series = "";
    if (when >= t->t1 || t->t0 >= t->t1) /* after the window, or the window is empty */
        return;
    if (when < t->t0) {
        trace_ctr *c = ctr_get(t, pid, name, series);
        if (!c->pre || when >= c->t) { /* ties: the later call wins, as in a file */
            c->pre = 1;
            c->t = when;
            c->v = value;
        }
        return;
    }
    if (trace_drop(t, when))
        return;
    if (when == t->t0)
        ctr_get(t, pid, name, series)->at_t0 = 1;
    counter_event(t, pid, name, when, series, value);
}

uint64_t trace_events(const trace *t) { return t ? t->events : 0; }

void trace_set_max_bytes(trace *t, uint64_t max_bytes)
{
    if (t)
        t->max_bytes = max_bytes;
}

uint64_t trace_dropped(const trace *t, sim_time *first)
{
    if (t && t->dropped && first)
        *first = t->full_at;
    return t ? t->dropped : 0;
}

uint64_t trace_invalid(const trace *t) { return t ? t->invalid : 0; }

int trace_close(trace *t, vs_err *err)
{
    if (!t)
        return 0;
    for (size_t i = 0; i < t->ctr_cap; i++) {
        const trace_ctr *c = &t->ctr[i];
        if (c->key && c->pre && !c->at_t0)
            counter_event(t, c->pid, c->key, t->t0, c->key + c->name_len + 1, c->v);
    }
    FILE *f = t->out.f;
    put_raw(f, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"vmsim\",\"version\":");
    put_str(f, VMSIM_VERSION);
    put_raw(f, ",\"window_start_ns\":");
    put_int(f, t->t0);
    put_raw(f, ",\"window_end_ns\":");
    if (t->t1 == SIM_TIME_MAX)
        put_raw(f, "null");
    else
        put_int(f, t->t1);
    put_raw(f, ",\"events\":");
    put_mag(f, 0, t->events);
    if (t->dropped) {
        put_raw(f, ",\"truncated_at_ns\":");
        put_int(f, t->full_at);
        put_raw(f, ",\"dropped_events\":");
        put_mag(f, 0, t->dropped);
    }
    put_raw(f, "}}\n");
    int rc = fsu_commit(&t->out, err);
    free(t->buf); /* only now: the stream used it until fclose */
    ctr_free(t);
    free(t);
    return rc;
}

void trace_abort(trace *t)
{
    if (!t)
        return;
    fsu_abort(&t->out);
    free(t->buf);
    ctr_free(t);
    free(t);
}
