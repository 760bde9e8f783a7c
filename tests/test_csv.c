/* CSV reader: accepted syntax, every error class, limits, and random bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/csv.h"
#include "sim/rng.h"
#include "tests/check_main.h"
#include "tests/harness.h"

/* A fresh directory per test program, created and removed in the parent
 * process (unchecked fixture), so a failing test leaves nothing behind. */
static char tmpdir[4096];

static void dir_setup(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/vmsim-test-csv-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        abort();
    }
}

static void dir_teardown(void)
{
    th_rm_flat(tmpdir);
}

/* Writes n bytes to tmpdir/name; returns the path (static buffer). */
static const char *write_bytes(const char *name, const char *data, size_t n)
{
    static char path[8192];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

/* Reads `text` as a file that must fail; checks the message contains
 * `want` and the file name, and that the table is left empty. */
static void expect_error(const char *name, const char *text, size_t n, const char *want)
{
    const char *path = write_bytes(name, text, n);
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == -1, "%s: accepted", name);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, want), "%s: message \"%s\" lacks \"%s\"", name, err.msg, want);
    ck_assert_msg(strstr(err.msg, name), "%s: message \"%s\" lacks the file name", name, err.msg);
    ck_assert_int_eq(t.ncols, 0);
    ck_assert_ptr_null(t.names);
    csv_free(&t);
}

#define EXPECT_ERROR(name, text, want) expect_error(name, text, sizeof(text) - 1, want)

START_TEST(test_good_file)
{
    const char *path = write_text("good.csv", "cores,tput,label\n"
                                              "1,1000,a\n"
                                              "2,1950.5,b\n"
                                              "4,3.7e3,c\n");
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.ncols, 3);
    ck_assert_int_eq(t.nrows, 3);
    ck_assert_int_eq(t.header_line, 1);
    ck_assert_str_eq(t.names[0], "cores");
    ck_assert_str_eq(t.names[2], "label");
    ck_assert_int_eq(csv_col(&t, "tput"), 1);
    ck_assert_int_eq(csv_col(&t, "Tput"), -1);
    ck_assert_str_eq(csv_cell(&t, 2, 2), "c");
    ck_assert_ptr_null(csv_cell(&t, 3, 0));
    ck_assert_ptr_null(csv_cell(&t, 0, 3));
    ck_assert_ptr_null(csv_cell(&t, -1, 0));
    ck_assert_int_eq(csv_line(&t, 1), 3);
    ck_assert_int_eq(csv_line(&t, 3), 0);
    double v;
    ck_assert_int_eq(csv_num(&t, 1, 1, &v, &err), 0);
    ck_assert_double_eq(v, 1950.5);
    ck_assert_int_eq(csv_num(&t, 2, 1, &v, &err), 0);
    ck_assert_double_eq(v, 3700);
    ck_assert(csv_col_numeric(&t, 0) && csv_col_numeric(&t, 1));
    ck_assert(!csv_col_numeric(&t, 2) && !csv_col_numeric(&t, 3));
    csv_free(&t);
    csv_free(&t); /* twice is harmless */
    ck_assert_ptr_null(t.names);
}
END_TEST

START_TEST(test_quotes_spaces_comments_crlf)
{
    const char *path = write_text("mixed.csv", "\xef\xbb\xbf# produced by a benchmark\r\n"
                                               "\r\n"
                                               "  \"N\" , \"a, \"\"b\"\"\",c \r\n"
                                               "# a comment between rows\r\n"
                                               "1, \"2\" ,\"\"\r\n"
                                               "   \t \r\n"
                                               "\"3\",4,\"x,y\"\r\n"
                                               "5,6,");
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.ncols, 3);
    ck_assert_int_eq(t.nrows, 3);
    ck_assert_int_eq(t.header_line, 3);
    ck_assert_str_eq(t.names[0], "N");
    ck_assert_str_eq(t.names[1], "a, \"b\"");
    ck_assert_str_eq(t.names[2], "c");
    ck_assert_str_eq(csv_cell(&t, 0, 1), "2");
    ck_assert_str_eq(csv_cell(&t, 0, 2), "");
    ck_assert_str_eq(csv_cell(&t, 1, 0), "3");
    ck_assert_str_eq(csv_cell(&t, 1, 2), "x,y");
    ck_assert_str_eq(csv_cell(&t, 2, 2), ""); /* trailing comma: empty last field */
    ck_assert_int_eq(csv_line(&t, 0), 5);
    ck_assert_int_eq(csv_line(&t, 1), 7);
    ck_assert_int_eq(csv_line(&t, 2), 8);
    ck_assert_int_eq(csv_col(&t, "a, \"b\""), 1);
    ck_assert(csv_col_numeric(&t, 0) && csv_col_numeric(&t, 1) && !csv_col_numeric(&t, 2));
    csv_free(&t);
}
END_TEST

START_TEST(test_header_only)
{
    const char *path = write_text("header.csv", "n,x\n\n# nothing yet\n");
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.ncols, 2);
    ck_assert_int_eq(t.nrows, 0);
    ck_assert(csv_col_numeric(&t, 0));
    csv_free(&t);
}
END_TEST

START_TEST(test_numbers)
{
    const char *path = write_text("nums.csv", "v\n"
                                              "-1.5e3\n+.5\n7.\n1E-2\n0\n"    /* rows 0-4 good */
                                              "abc\n\"\"\n1e999\nnan\ninf\n" /* rows 5-9 bad */
                                              "0x10\n1e\n.\n1.2.3\n- 1\n");  /* rows 10-14 bad */
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    const double good[] = {-1500, 0.5, 7, 0.01, 0};
    for (int i = 0; i < 5; i++) {
        double v = -99;
        ck_assert_msg(csv_num(&t, i, 0, &v, &err) == 0, "row %d: %s", i, err.msg);
        ck_assert_double_eq(v, good[i]);
    }
    for (int i = 5; i < t.nrows; i++) {
        double v = -99;
        ck_assert_msg(csv_num(&t, i, 0, &v, &err) == -1, "row %d (%s) accepted", i,
                      csv_cell(&t, i, 0));
        ck_assert_int_eq(err.code, VS_EXIT_INPUT);
        ck_assert_double_eq(v, -99);
    }
    ck_assert_int_eq(csv_num(&t, 5, 0, NULL, &err), -1);
    char want[256];
    snprintf(want, sizeof want, "%s:7: column \"v\": expected a number, found \"abc\"", path);
    ck_assert_str_eq(err.msg, want);
    ck_assert_int_eq(csv_num(&t, 7, 0, NULL, &err), -1);
    ck_assert_msg(strstr(err.msg, ":9: column \"v\": expected a finite number, found \"1e999\""),
                  "%s", err.msg);
    double v;
    ck_assert_int_eq(csv_num(&t, 99, 0, &v, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INTERNAL);
    ck_assert_int_eq(csv_num(&t, 0, 1, &v, NULL), -1);
    csv_free(&t);
}
END_TEST

START_TEST(test_errors)
{
    EXPECT_ERROR("fields.csv", "a,b,c\n1,2,3\n\n1,2\n",
                 "fields.csv:4: expected 3 fields (as in the header on line 1), found 2");
    EXPECT_ERROR("fields2.csv", "a,b\n1,2,3\n", ":2: expected 2 fields");
    EXPECT_ERROR("empty.csv", "", "empty file");
    EXPECT_ERROR("comments.csv", "# only\n\n  \r\n#comments\n", "empty file");
    EXPECT_ERROR("dup.csv", "n,x,n\n", ":1: duplicate column name \"n\" (columns 1 and 3)");
    EXPECT_ERROR("noname.csv", "n,,x\n", ":1: column 2 of the header has an empty name");
    EXPECT_ERROR("unterminated.csv", "a,b\n1,\"2\n3\"\n", ":2: field 2: unterminated quoted field");
    EXPECT_ERROR("afterquote.csv", "a,b\n\"1\"x,2\n",
                 ":2: field 1: expected a comma after the closing quote, found \"x\"");
    EXPECT_ERROR("stray.csv", "a,b\n1,2\"\n", ":2: field 2: double quote inside an unquoted field");
    EXPECT_ERROR("nul.csv", "a,b\n1,2\n3,\0\n", ":3: NUL byte at byte 3");
    EXPECT_ERROR("ctrl.csv", "a\x01,b\n", ":1: control character 0x01");
    EXPECT_ERROR("cr.csv", "a,b\r1,2\r", ":1: control character 0x0d");
}
END_TEST

START_TEST(test_missing_and_directory)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/does-not-exist.csv", tmpdir);
    csv_table t;
    vs_err err = {0};
    ck_assert_int_eq(csv_read(path, &t, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "does-not-exist.csv: cannot open: No such file or directory"),
                  "%s", err.msg);
    ck_assert_int_eq(csv_read(tmpdir, &t, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "is a directory"), "%s", err.msg);
    csv_free(&t);
}
END_TEST

START_TEST(test_limits)
{
    /* 64 KiB line: exactly at the limit is fine (even with CRLF), one more is not. */
    size_t n = CSV_MAX_LINE + 16;
    char *buf = malloc(n + 8);
    memcpy(buf, "a\n", 2);
    memset(buf + 2, '7', CSV_MAX_LINE);
    memcpy(buf + 2 + CSV_MAX_LINE, "\r\n", 2);
    const char *path = write_bytes("maxline.csv", buf, 2 + CSV_MAX_LINE + 2);
    csv_table t;
    vs_err err = {0};
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(strlen(csv_cell(&t, 0, 0)), CSV_MAX_LINE);
    csv_free(&t);
    memset(buf + 2, '7', CSV_MAX_LINE + 1);
    expect_error("longline.csv", buf, 2 + CSV_MAX_LINE + 1, ":2: line longer than 65536 bytes");
    memcpy(buf + 2 + CSV_MAX_LINE + 1, "\r\n", 2);
    expect_error("longline2.csv", buf, 2 + CSV_MAX_LINE + 3, ":2: line longer than 65536 bytes");
    free(buf);

    /* 1000 columns are fine, 1001 are not. */
    char *hdr = malloc(16 * (CSV_MAX_COLS + 2));
    size_t o = 0;
    for (int k = 0; k < CSV_MAX_COLS; k++)
        o += (size_t)sprintf(hdr + o, "%sc%d", k ? "," : "", k);
    hdr[o] = '\n';
    path = write_bytes("maxcols.csv", hdr, o + 1);
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.ncols, CSV_MAX_COLS);
    ck_assert_int_eq(csv_col(&t, "c999"), 999);
    csv_free(&t);
    o += (size_t)sprintf(hdr + o, ",c%d\n", CSV_MAX_COLS);
    expect_error("toomanycols.csv", hdr, o, ":1: more than 1000 columns");
    free(hdr);

    /* 1,000,000 data rows are fine, one more is not. */
    size_t rows = CSV_MAX_ROWS + 1, len = 2 + 2 * rows;
    char *big = malloc(len);
    memcpy(big, "n\n", 2);
    for (size_t i = 0; i < rows; i++)
        memcpy(big + 2 + 2 * i, "1\n", 2);
    path = write_bytes("maxrows.csv", big, len - 2);
    ck_assert_msg(csv_read(path, &t, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(t.nrows, CSV_MAX_ROWS);
    ck_assert_int_eq(csv_line(&t, CSV_MAX_ROWS - 1), CSV_MAX_ROWS + 1);
    ck_assert(csv_col_numeric(&t, 0));
    csv_free(&t);
    expect_error("toomanyrows.csv", big, len, ":1000002: more than 1000000 data rows");
    free(big);
}
END_TEST

START_TEST(test_binary_junk)
{
    /* Random bytes, and a valid file with random bytes flipped: always a
     * clean status (an error message when rejected), never a crash. */
    gsl_rng *r = rng_stream(3, "test/csv/junk");
    enum { SIZE = 4096 };
    char *buf = malloc(SIZE);
    for (int i = 0; i < SIZE; i++)
        buf[i] = (char)gsl_rng_uniform_int(r, 256);
    const char *path = write_bytes("junk.bin", buf, SIZE);
    csv_table t;
    vs_err err = {0};
    ck_assert_int_eq(csv_read(path, &t, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "junk.bin:"), "%s", err.msg);

    const char base[] = "n,\"x\",y\r\n# c\n1,2,3\n\"4\",5,6\n7,8,9\n";
    const char alphabet[] = ",\"\r\n#\0 9ax";
    int accepted = 0;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = sizeof base - 1;
        memcpy(buf, base, n);
        int flips = 1 + (int)gsl_rng_uniform_int(r, 4);
        for (int f = 0; f < flips; f++) {
            size_t at = gsl_rng_uniform_int(r, n);
            if (gsl_rng_uniform(r) < 0.5)
                buf[at] = alphabet[gsl_rng_uniform_int(r, sizeof alphabet - 1)];
            else
                buf[at] = (char)gsl_rng_uniform_int(r, 256);
        }
        n = gsl_rng_uniform_int(r, n + 1); /* truncate */
        path = write_bytes("mutant.csv", buf, n);
        err.msg[0] = '\0';
        int rc = csv_read(path, &t, &err);
        if (rc == 0) {
            accepted++;
            for (int i = 0; i < t.nrows; i++)
                for (int k = 0; k < t.ncols; k++) {
                    double v;
                    ck_assert_ptr_nonnull(csv_cell(&t, i, k));
                    csv_num(&t, i, k, &v, &err);
                }
        } else {
            ck_assert_int_eq(rc, -1);
            ck_assert_msg(err.msg[0] != '\0', "rejected without a message");
        }
        csv_free(&t);
    }
    ck_assert_msg(accepted > 0 && accepted < 3000, "accepted %d of 3000 mutants", accepted);
    free(buf);
    gsl_rng_free(r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *su = suite_create("csv");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, test_good_file);
    tcase_add_test(tc, test_quotes_spaces_comments_crlf);
    tcase_add_test(tc, test_header_only);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_missing_and_directory);
    tcase_add_test(tc, test_limits);
    tcase_add_test(tc, test_binary_junk);
    suite_add_tcase(su, tc);
    return su;
}
