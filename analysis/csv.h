/* csv.h - a small, strict reader for numeric tables in CSV.
 *
 * Format accepted by csv_read:
 *  - The first line that is neither blank nor a comment is the header: one
 *    non-empty, distinct name per column. Every later non-blank, non-comment
 *    line is a data row with exactly as many fields as the header.
 *  - Fields are separated by commas. A field may be enclosed in double
 *    quotes; inside quotes a comma is literal and "" stands for one quote.
 *    A quoted field ends on its line (no embedded newlines). A double quote
 *    inside an unquoted field, or anything but spaces before the next comma
 *    after a closing quote, is an error.
 *  - Spaces and tabs around a field (outside its quotes) are dropped.
 *  - Blank lines (only spaces/tabs) and lines whose first non-blank
 *    character is '#' are ignored. "\r\n" line ends and a leading UTF-8
 *    byte-order mark are tolerated.
 *  - Control bytes (0x00-0x1f except tab, and 0x7f) are errors, so binary
 *    files are rejected at the first such byte with a line number.
 *  - Limits: CSV_MAX_ROWS data rows, CSV_MAX_COLS columns, CSV_MAX_LINE
 *    bytes per line (not counting the line end).
 *
 * Every cell is kept as a string; csv_num parses one as a finite decimal
 * number on demand. Errors are "FILE:LINE: what was expected, found what",
 * LINE being the 1-based line in the file.
 *
 * Invariants of a table filled by csv_read: 1 <= ncols <= CSV_MAX_COLS,
 * 0 <= nrows <= CSV_MAX_ROWS, every row has ncols cells, names are distinct,
 * and lines[] is strictly increasing and greater than header_line. */
#ifndef VMSIM_CSV_H
#define VMSIM_CSV_H

#include <stddef.h>
#include <stdint.h>

#include <stdio.h>

#include "sim/err.h"

#define CSV_MAX_ROWS 1000000 /* data rows (header excluded) */
#define CSV_MAX_COLS 1000    /* columns */
#define CSV_MAX_LINE 65536   /* bytes per line, without "\n" or "\r\n" */

typedef struct csv_table {
    /* public, read-only */
    char *path;      /* file name as given to csv_read, used in messages (owned) */
    int ncols;       /* number of columns, from the header */
    int nrows;       /* number of data rows, header excluded */
    int header_line; /* 1-based file line of the header */
    char **names;    /* ncols column names, NUL-terminated (owned) */
    /* private: use csv_cell / csv_line / csv_num */
    int *lines;         /* nrows: 1-based file line of each data row */
    size_t *row_off;    /* nrows: offset in text of each row's first cell */
    uint32_t *cell_off; /* nrows * ncols: offset of each cell from its row's start */
    char *text;         /* the data cells' text, NUL-terminated strings */
    size_t text_len;    /* bytes of text in use */
    size_t text_cap;    /* bytes allocated for text */
    int rows_cap;       /* rows allocated in lines, row_off and cell_off */
} csv_table;

/* Reads the CSV file at `path` into *out (any previous contents are
 * ignored, not freed). On success returns 0; free with csv_free. On failure
 * returns -1, leaves *out empty (csv_free is then a no-op) and fills err:
 * an input error (missing or unreadable file, a directory, no header,
 * malformed line, wrong field count, duplicate or empty column name, a
 * limit exceeded) names the file and, where there is one, the line; a read
 * error from the OS is an internal error. Never crashes on any bytes. */
int csv_read(const char *path, csv_table *out, vs_err *err);

/* Frees everything csv_read allocated and zeroes *t. Safe on a zeroed or
 * already freed table and on NULL. */
void csv_free(csv_table *t);

/* Index of the column named `name` (exact, case-sensitive match), or -1. */
int csv_col(const csv_table *t, const char *name);

/* The text of cell (row, col), 0-based data row and column; NULL when
 * either is out of range. The string lives as long as the table. */
const char *csv_cell(const csv_table *t, int row, int col);

/* The 1-based file line of data row `row`, or 0 when out of range. */
int csv_line(const csv_table *t, int row);

/* Parses cell (row, col) as a finite decimal number: optional sign, digits
 * with an optional '.', optional exponent (e.g. "-1.5e3"); no hex, inf or
 * nan. Returns 0 and sets *out, or returns -1 and fills err (if non-NULL)
 * with 'FILE:LINE: column "NAME": expected a number, found "TEXT"' (an
 * internal error when row or col is out of range). *out is unchanged on
 * failure. */
int csv_num(const csv_table *t, int row, int col, double *out, vs_err *err);

/* 1 when every data row's cell in `col` parses with csv_num (vacuously
 * true for a table without rows), 0 otherwise or when col is out of range. */
int csv_col_numeric(const csv_table *t, int col);

/* Keeps only the data rows r with keep[r] != 0 (keep has nrows entries),
 * in their order, with their file lines; the others are dropped as if the
 * file had not had them. The invariants still hold (nrows may become 0).
 * Can't fail. */
void csv_keep_rows(csv_table *t, const int *keep);

/* Writes one text cell to f, in double quotes (with quotes doubled) when
 * csv_read would otherwise read it differently: a comma or quote inside,
 * a leading '#', or leading or trailing blanks. Can't fail. */
void csv_write_text(FILE *f, const char *s);

#endif
