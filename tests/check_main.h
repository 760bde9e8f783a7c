/* check_main.h - the main() every Check test program shares.
 *
 * A test file defines `static Suite *make_suite(void)` and then includes this
 * header. The program runs the suite (CK_FORK as configured by the
 * environment) and exits non-zero when a test fails. Helpers print both
 * operands on failure and never compile out. */
#ifndef VMSIM_CHECK_MAIN_H
#define VMSIM_CHECK_MAIN_H

#include <check.h>
#include <math.h>
#include <stdlib.h>

/* |a - b| <= rel * |b|, reporting both numbers. */
#define ck_assert_rel(a, b, rel)                                                                 \
    do {                                                                                         \
        double ck_a_ = (a), ck_b_ = (b), ck_r_ = (rel);                                          \
        ck_assert_msg(fabs(ck_a_ - ck_b_) <= ck_r_ * fabs(ck_b_),                                \
                      "%s = %.9g vs %s = %.9g: relative error %.4g > %.4g", #a, ck_a_, #b, ck_b_, \
                      ck_b_ != 0 ? fabs(ck_a_ - ck_b_) / fabs(ck_b_) : INFINITY, ck_r_);          \
    } while (0)

static Suite *make_suite(void);

int main(void)
{
    SRunner *sr = srunner_create(make_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
