/* csv.c - the strict CSV reader (see csv.h for the accepted format).
 *
 * The file is read one line at a time into a fixed buffer of CSV_MAX_LINE
 * bytes, so memory is bounded by the limits whatever the input (a 1 GB file
 * without a newline costs one buffer, not 1 GB). Each data line is unquoted
 * straight into the table's text arena; cells are found through per-row
 * offsets, so a cell costs its bytes plus 4 bytes of index. */
#include "analysis/csv.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim/mem.h"

/* Reading state for one file. */
typedef struct csv_rd {
    FILE *f;           /* the open file */
    const char *path;  /* its name, for messages */
    char *buf;         /* the current line, CSV_MAX_LINE + 1 bytes (room for a '\r') */
    size_t len;        /* bytes in buf, line end stripped */
    int line;          /* 1-based number of the line in buf */
    uint32_t *foff;    /* scratch: offsets of the fields of the current line */
    int nfields;       /* number of fields found in the current line */
    size_t used;       /* bytes written by the last csv_split */
} csv_rd;

/* Writes a printable, quoted, possibly truncated rendering of s[0..n) into
 * buf: quotes and backslashes escaped, other non-printable ASCII as \xHH,
 * bytes >= 0x80 kept (UTF-8 text stays readable). Returns buf. */
static const char *csv_quote(const char *s, size_t n, char *buf, size_t cap)
{
    enum { SHOW = 48 };
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < n && i < SHOW && o + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    if (n > SHOW && o + 5 < cap) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* Reads the next line into r->buf. Returns 1 with a line, 0 at end of file,
 * -1 on a too long line (input error) or a read error (internal error). */
static int csv_getline(csv_rd *r, vs_err *err)
{
    size_t n = 0;
    int c = EOF, any = 0;
    if (r->line == INT_MAX) /* blank and comment lines are not limited otherwise */
        return err_input(err, "%s: more than %d lines", r->path, INT_MAX - 1);
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if (n == CSV_MAX_LINE + 1)
            return err_input(err, "%s:%d: line longer than %d bytes", r->path, r->line + 1,
                             CSV_MAX_LINE);
        r->buf[n++] = (char)c;
    }
    if (c == EOF && ferror(r->f))
        return err_internal(err, "%s:%d: read error: %s", r->path, r->line + 1, strerror(errno));
    if (!any)
        return 0;
    r->line++;
    if (n > 0 && r->buf[n - 1] == '\r')
        n--;
    if (n > CSV_MAX_LINE)
        return err_input(err, "%s:%d: line longer than %d bytes", r->path, r->line, CSV_MAX_LINE);
    r->len = n;
    return 1;
}

/* Rejects control bytes in the current line. */
static int csv_check_bytes(const csv_rd *r, vs_err *err)
{
    for (size_t i = 0; i < r->len; i++) {
        unsigned char c = (unsigned char)r->buf[i];
        if (c == 0)
            return err_input(err, "%s:%d: NUL byte at byte %zu of the line (not a text file?)",
                             r->path, r->line, i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return err_input(err, "%s:%d: control character 0x%02x at byte %zu of the line",
                             r->path, r->line, c, i + 1);
    }
    return 0;
}

/* 1 when the current line is blank or a comment. */
static int csv_skippable(const csv_rd *r)
{
    size_t i = 0;
    while (i < r->len && (r->buf[i] == ' ' || r->buf[i] == '\t'))
        i++;
    return i == r->len || r->buf[i] == '#';
}

/* Splits the current line into fields, unquoted and NUL-terminated, written
 * back to back into dst (which must hold 2 * r->len + 2 bytes); field k
 * starts at dst + r->foff[k]. Sets r->nfields and r->used. `want` is the
 * header's field count, 0 while reading the header (for messages only).
 * Returns 0, or -1 with an input error naming the line and field. */
static int csv_split(csv_rd *r, char *dst, int want, vs_err *err)
{
    const char *s = r->buf;
    size_t len = r->len, pos = 0, o = 0;
    int nf = 0;
    for (;;) {
        if (nf == CSV_MAX_COLS) {
            if (want)
                return err_input(err, "%s:%d: more than %d fields (the header has %d)", r->path,
                                 r->line, CSV_MAX_COLS, want);
            return err_input(err, "%s:%d: more than %d columns", r->path, r->line, CSV_MAX_COLS);
        }
        r->foff[nf] = (uint32_t)o;
        while (pos < len && (s[pos] == ' ' || s[pos] == '\t'))
            pos++;
        if (pos < len && s[pos] == '"') { /* quoted field */
            pos++;
            for (;;) {
                if (pos == len)
                    return err_input(err, "%s:%d: field %d: unterminated quoted field", r->path,
                                     r->line, nf + 1);
                if (s[pos] == '"') {
                    if (pos + 1 < len && s[pos + 1] == '"') {
                        dst[o++] = '"';
                        pos += 2;
                        continue;
                    }
                    pos++;
                    break;
                }
                dst[o++] = s[pos++];
            }
            while (pos < len && (s[pos] == ' ' || s[pos] == '\t'))
                pos++;
            if (pos < len && s[pos] != ',') {
                char q[80];
                return err_input(err, "%s:%d: field %d: expected a comma after the closing quote, "
                                      "found %s",
                                 r->path, r->line, nf + 1, csv_quote(s + pos, 1, q, sizeof q));
            }
        } else { /* plain field */
            size_t start = o;
            while (pos < len && s[pos] != ',') {
                if (s[pos] == '"')
                    return err_input(err,
                                     "%s:%d: field %d: double quote inside an unquoted field "
                                     "(quote the whole field and double the quote)",
                                     r->path, r->line, nf + 1);
                dst[o++] = s[pos++];
            }
            while (o > start && (dst[o - 1] == ' ' || dst[o - 1] == '\t'))
                o--;
        }
        dst[o++] = '\0';
        nf++;
        if (pos == len)
            break;
        pos++; /* the comma; a trailing comma makes one more, empty, field */
    }
    r->nfields = nf;
    r->used = o;
    return 0;
}

/* Reads and checks the header line into t->names. */
static int csv_header(csv_rd *r, csv_table *t, vs_err *err)
{
    char *tmp = vs_xmalloc(2 * r->len + 2);
    if (csv_split(r, tmp, 0, err) < 0) {
        free(tmp);
        return -1;
    }
    int nf = r->nfields;
    for (int k = 0; k < nf; k++) {
        const char *name = tmp + r->foff[k];
        if (!name[0]) {
            free(tmp);
            return err_input(err, "%s:%d: column %d of the header has an empty name", r->path,
                             r->line, k + 1);
        }
        for (int j = 0; j < k; j++)
            if (strcmp(name, tmp + r->foff[j]) == 0) {
                char q[128];
                csv_quote(name, strlen(name), q, sizeof q);
                free(tmp);
                return err_input(err, "%s:%d: duplicate column name %s (columns %d and %d)",
                                 r->path, r->line, q, j + 1, k + 1);
            }
    }
    t->names = vs_xcalloc((size_t)nf, sizeof *t->names);
    for (int k = 0; k < nf; k++)
        t->names[k] = vs_xstrdup(tmp + r->foff[k]);
    t->ncols = nf;
    t->header_line = r->line;
    free(tmp);
    return 0;
}

/* Appends the current line as a data row. */
static int csv_row(csv_rd *r, csv_table *t, vs_err *err)
{
    if (t->nrows == CSV_MAX_ROWS)
        return err_input(err, "%s:%d: more than %d data rows", r->path, r->line, CSV_MAX_ROWS);
    size_t need = 2 * r->len + 2;
    if (t->text_cap - t->text_len < need) {
        size_t cap = t->text_cap ? t->text_cap : 4096;
        while (cap - t->text_len < need)
            cap *= 2;
        t->text = vs_xrealloc(t->text, cap);
        t->text_cap = cap;
    }
    if (csv_split(r, t->text + t->text_len, t->ncols, err) < 0)
        return -1;
    if (r->nfields != t->ncols)
        return err_input(err, "%s:%d: expected %d field%s (as in the header on line %d), found %d",
                         r->path, r->line, t->ncols, t->ncols == 1 ? "" : "s", t->header_line,
                         r->nfields);
    if (t->nrows == t->rows_cap) {
        int cap = t->rows_cap ? 2 * t->rows_cap : 64;
        if (cap > CSV_MAX_ROWS)
            cap = CSV_MAX_ROWS;
        t->lines = vs_xreallocarray(t->lines, (size_t)cap, sizeof *t->lines);
        t->row_off = vs_xreallocarray(t->row_off, (size_t)cap, sizeof *t->row_off);
        t->cell_off =
            vs_xreallocarray(t->cell_off, (size_t)cap * (size_t)t->ncols, sizeof *t->cell_off);
        t->rows_cap = cap;
    }
    t->lines[t->nrows] = r->line;
    t->row_off[t->nrows] = t->text_len;
    memcpy(t->cell_off + (size_t)t->nrows * (size_t)t->ncols, r->foff,
           (size_t)t->ncols * sizeof *r->foff);
    t->text_len += r->used;
    t->nrows++;
    return 0;
}

int csv_read(const char *path, csv_table *out, vs_err *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOMEM || errno == EMFILE || errno == ENFILE)
            return err_internal(err, "%s: cannot open: %s", path, strerror(errno));
        return err_input(err, "%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return err_input(err, "%s: is a directory, expected a CSV file", path);
    }
    csv_rd r = {.f = f, .path = path};
    r.buf = vs_xmalloc(CSV_MAX_LINE + 2);
    r.foff = vs_xmalloc((CSV_MAX_COLS + 1) * sizeof *r.foff);
    out->path = vs_xstrdup(path);
    int rc = 0, got;
    while ((got = csv_getline(&r, err)) == 1) {
        if (r.line == 1 && r.len >= 3 && memcmp(r.buf, "\xef\xbb\xbf", 3) == 0) {
            memmove(r.buf, r.buf + 3, r.len - 3); /* UTF-8 byte-order mark */
            r.len -= 3;
        }
        /* a UTF-16 byte-order mark: say so rather than "NUL byte at byte 4"
         * (tests/bad-inputs/utf16le-bom.csv) */
        if (r.line == 1 && r.len >= 2 &&
            (memcmp(r.buf, "\xff\xfe", 2) == 0 || memcmp(r.buf, "\xfe\xff", 2) == 0)) {
            rc = err_input(err, "%s: the file is encoded as UTF-16 (byte-order mark %s); save it "
                                "as UTF-8",
                           path, r.buf[0] == '\xff' ? "FF FE" : "FE FF");
            break;
        }
        if (csv_check_bytes(&r, err) < 0) {
            rc = -1;
            break;
        }
        if (csv_skippable(&r))
            continue;
        if ((out->ncols ? csv_row(&r, out, err) : csv_header(&r, out, err)) < 0) {
            rc = -1;
            break;
        }
    }
    if (got < 0)
        rc = -1;
    if (rc == 0 && out->ncols == 0)
        rc = err_input(err, "%s: empty file: no header line found", path);
    free(r.buf);
    free(r.foff);
    fclose(f);
    if (rc < 0)
        csv_free(out);
    return rc;
}

void csv_free(csv_table *t)
{
    if (!t)
        return;
    if (t->names)
        for (int k = 0; k < t->ncols; k++)
            free(t->names[k]);
    free(t->names);
    free(t->path);
    free(t->lines);
    free(t->row_off);
    free(t->cell_off);
    free(t->text);
    memset(t, 0, sizeof *t);
}

int csv_col(const csv_table *t, const char *name)
{
    for (int k = 0; k < t->ncols; k++)
        if (strcmp(t->names[k], name) == 0)
            return k;
    return -1;
}

const char *csv_cell(const csv_table *t, int row, int col)
{
    if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols)
        return NULL;
    return t->text + t->row_off[row] + t->cell_off[(size_t)row * (size_t)t->ncols + (size_t)col];
}

void csv_keep_rows(csv_table *t, const int *keep)
{
    int n = 0;
    for (int r = 0; r < t->nrows; r++) {
        if (!keep[r])
            continue;
        if (n != r) {
            t->lines[n] = t->lines[r];
            t->row_off[n] = t->row_off[r];
            memmove(t->cell_off + (size_t)n * (size_t)t->ncols,
                    t->cell_off + (size_t)r * (size_t)t->ncols,
                    (size_t)t->ncols * sizeof *t->cell_off);
        }
        n++;
    }
    t->nrows = n;
}

int csv_line(const csv_table *t, int row)
{
    return row >= 0 && row < t->nrows ? t->lines[row] : 0;
}

/* 1 when s is [+-]digits[.digits][(e|E)[+-]digits] with at least one
 * mantissa digit: the only spellings csv_num accepts. */
static int csv_decimal(const char *s)
{
    int digits = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (!digits)
        return 0;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

int csv_num(const csv_table *t, int row, int col, double *out, vs_err *err)
{
    const char *s = csv_cell(t, row, col);
    if (!s)
        return err_internal(err, "%s: cell (row %d, column %d) out of range (%d rows, %d columns)",
                            t->path ? t->path : "?", row, col, t->nrows, t->ncols);
    double v = 0;
    int ok = csv_decimal(s);
    if (ok) {
        char *end;
        errno = 0;
        v = strtod(s, &end);
        ok = *end == '\0' && isfinite(v);
    }
    if (!ok) {
        char q[128], nq[128];
        int finite_issue = csv_decimal(s); /* well-formed but overflows */
        /* the name is quoted like the cell: a tab inside a column name went
         * raw into the message (found by tests/fuzz/fuzz_csv.c) */
        return err_input(err, "%s:%d: column %s: expected a %snumber, found %s", t->path,
                         t->lines[row], csv_quote(t->names[col], strlen(t->names[col]), nq, sizeof nq),
                         finite_issue ? "finite " : "", csv_quote(s, strlen(s), q, sizeof q));
    }
    *out = v;
    return 0;
}

int csv_col_numeric(const csv_table *t, int col)
{
    if (col < 0 || col >= t->ncols)
        return 0;
    for (int i = 0; i < t->nrows; i++) {
        double v;
        if (csv_num(t, i, col, &v, NULL) < 0)
            return 0;
    }
    return 1;
}

void csv_write_text(FILE *f, const char *s)
{
    size_t l = strlen(s);
    int q = strpbrk(s, ",\"") != NULL || s[0] == '#' ||
            (l && (s[0] == ' ' || s[0] == '\t' || s[l - 1] == ' ' || s[l - 1] == '\t'));
    if (!q) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
