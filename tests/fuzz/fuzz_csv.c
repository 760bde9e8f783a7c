/* fuzz_csv.c - libFuzzer harness for the CSV reader and the USL fit behind
 * `vmsim fit`.
 *
 * csv_read takes a path, so the input bytes are put in a memfd (an
 * in-memory file: no disk traffic) and read through /proc/self/fd/N. A
 * table that reads is then used as `vmsim fit` uses it: every cell through
 * csv_num, csv_col_numeric on every column, and when two columns are all
 * numeric, the first as N and the second as X go through usl_fit (when they
 * meet the fit's preconditions, as cli/cmd_fit.c checks them).
 *
 * Besides crashes, hangs and leaks, it aborts when a result breaks csv.h's
 * contract: a table with no column, a row without all its cells, lines not
 * increasing, or an error without a one-line message.
 *
 * Build and run: `make fuzz` (docs/robustness.md). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "analysis/usl.h"

#define FZ_MAX_FIT_ROWS 2000 /* keep one input fast: the fit is iterative */

static int fz_fd = -1;

static void fz_fail(const char *what)
{
    fprintf(stderr, "fuzz_csv: %s\n", what);
    abort();
}

static void fz_check_err(const vs_err *err)
{
    size_t n = strlen(err->msg);
    if (n == 0 || (err->code != VS_EXIT_INPUT && err->code != VS_EXIT_INTERNAL))
        fz_fail("an error without a message or exit code");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)err->msg[i] < 0x20 || err->msg[i] == 0x7f) {
            fprintf(stderr, "fuzz_csv: control character in \"%s\"\n", err->msg);
            abort();
        }
}

/* What cli/cmd_fit.c does with a table: pick two numeric columns, check
 * the values, fit. */
static void fz_fit(const csv_table *t)
{
    int xc = -1, yc = -1;
    for (int k = 0; k < t->ncols; k++)
        if (csv_col_numeric(t, k)) {
            if (xc < 0)
                xc = k;
            else if (yc < 0)
                yc = k;
        }
    if (xc < 0 || yc < 0 || t->nrows > FZ_MAX_FIT_ROWS)
        return;
    double *n = malloc((size_t)(t->nrows + 1) * sizeof *n);
    double *x = malloc((size_t)(t->nrows + 1) * sizeof *x);
    int ok = 1;
    for (int i = 0; i < t->nrows && ok; i++) {
        vs_err e = {0};
        if (csv_num(t, i, xc, &n[i], &e) || csv_num(t, i, yc, &x[i], &e))
            fz_fail("csv_num failed on a column csv_col_numeric accepted");
        ok = n[i] >= 1 && n[i] <= USL_MAX_N && x[i] > 0;
    }
    if (ok) {
        usl_result r;
        vs_err e = {0};
        if (usl_fit(n, x, t->nrows, &r, &e) == 0) {
            if (!(r.lambda == r.lambda) || r.sigma < 0 || r.kappa < 0 || r.points != t->nrows)
                fz_fail("usl_fit returned parameters outside its contract");
        } else {
            fz_check_err(&e);
        }
    }
    free(n);
    free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    if (fz_fd < 0) {
        fz_fd = memfd_create("fuzz_csv", 0);
        if (fz_fd < 0)
            fz_fail("memfd_create failed");
    }
    if (ftruncate(fz_fd, 0) != 0 || pwrite(fz_fd, data, size, 0) != (ssize_t)size)
        fz_fail("cannot fill the memfd");
    snprintf(path, sizeof path, "/proc/self/fd/%d", fz_fd);
    csv_table t;
    vs_err err = {0};
    if (csv_read(path, &t, &err) != 0) {
        fz_check_err(&err);
        if (t.ncols || t.nrows || t.names)
            fz_fail("csv_read failed but left a table behind");
        return 0;
    }
    if (t.ncols < 1 || t.ncols > CSV_MAX_COLS || t.nrows < 0 || t.nrows > CSV_MAX_ROWS)
        fz_fail("table sizes outside csv.h's invariants");
    for (int k = 0; k < t.ncols; k++) {
        if (!t.names[k][0] || csv_col(&t, t.names[k]) != k)
            fz_fail("empty or duplicate column name");
    }
    int prev = t.header_line;
    for (int i = 0; i < t.nrows; i++) {
        if (csv_line(&t, i) <= prev)
            fz_fail("data lines not increasing");
        prev = csv_line(&t, i);
        for (int k = 0; k < t.ncols; k++) {
            double v;
            vs_err e = {0};
            if (!csv_cell(&t, i, k))
                fz_fail("a missing cell");
            if (csv_num(&t, i, k, &v, &e) != 0)
                fz_check_err(&e);
        }
    }
    if (csv_cell(&t, t.nrows, 0) || csv_cell(&t, 0, t.ncols) || csv_cell(&t, -1, 0))
        fz_fail("csv_cell out of range is not NULL");
    fz_fit(&t);
    csv_free(&t);
    return 0;
}
