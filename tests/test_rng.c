/* RNG streams: derivation from (seed, identity), independence of streams,
 * the xoshiro256** generator against a reference implementation, and a
 * uniformity sanity check. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "sim/rng.h"
#include "tests/check_main.h"

#define NDRAW 64

/* The first n raw 32-bit outputs of a fresh stream. */
static void draws(uint64_t seed, const char *id, unsigned long *out, int n)
{
    gsl_rng *r = rng_stream(seed, id);
    for (int i = 0; i < n; i++)
        out[i] = gsl_rng_get(r);
    gsl_rng_free(r);
}

static int same_draws(const unsigned long *a, const unsigned long *b, int n)
{
    for (int i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

START_TEST(test_splitmix_known_answer)
{
    /* splitmix64 seeded with 0 (Vigna's reference splitmix64.c) */
    uint64_t st = 0;
    uint64_t want[] = {0xe220a8397b1dcdafULL, 0x6e789e6aa1b965f4ULL, 0x06c45d188009454fULL};
    for (int i = 0; i < 3; i++) {
        uint64_t got = rng_splitmix64(&st);
        ck_assert_msg(got == want[i], "splitmix64 output %d: %016llx, want %016llx", i,
                      (unsigned long long)got, (unsigned long long)want[i]);
    }
    ck_assert_msg(st == 3 * 0x9e3779b97f4a7c15ULL, "state advanced by the golden gamma");
}
END_TEST

START_TEST(test_derive_pure)
{
    /* a pure function: same inputs, same output, any number of times, in any order */
    uint64_t a = rng_derive(42, "vm/0/vcpu/0");
    for (int i = 0; i < 5; i++) {
        (void)rng_derive((uint64_t)i, "vm/9/vcpu/9");
        ck_assert_msg(rng_derive(42, "vm/0/vcpu/0") == a, "rng_derive changed between calls");
    }
    /* the identity is read, not kept: a copy in another buffer gives the same seed */
    char buf[32];
    strcpy(buf, "vm/0/vcpu/0");
    ck_assert(rng_derive(42, buf) == a);
    strcpy(buf, "something else");
    ck_assert(rng_derive(42, "vm/0/vcpu/0") == a);
}
END_TEST

START_TEST(test_derive_distinct)
{
    /* different identities or seeds give different derived seeds */
    const char *ids[] = {"",          "vm/0/vcpu/0", "vm/0/vcpu/1", "vm/1/vcpu/0", "vm/0/vcpu/10",
                         "vm/10/vcpu/0", "vm/0",     "host/0",      "bench/hold",  "vm/0/vcpu/0 "};
    const int nid = (int)(sizeof ids / sizeof ids[0]);
    uint64_t seeds[] = {0, 1, 2, 42, UINT64_MAX};
    uint64_t got[5 * 10];
    int k = 0;
    for (int s = 0; s < 5; s++)
        for (int i = 0; i < nid; i++)
            got[k++] = rng_derive(seeds[s], ids[i]);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            ck_assert_msg(got[i] != got[j], "derived seeds %d and %d collide (%016llx)", i, j,
                          (unsigned long long)got[i]);
}
END_TEST

START_TEST(test_stream_reproducible)
{
    unsigned long a[NDRAW], b[NDRAW];
    draws(7, "vm/0/vcpu/0", a, NDRAW);
    draws(7, "vm/0/vcpu/0", b, NDRAW);
    ck_assert_msg(same_draws(a, b, NDRAW), "same seed and identity gave different draws");
    /* rng_streamf formats the identity and is the same stream */
    gsl_rng *r = rng_streamf(7, "vm/%d/vcpu/%d", 0, 0);
    for (int i = 0; i < NDRAW; i++)
        ck_assert_uint_eq(gsl_rng_get(r), a[i]);
    gsl_rng_free(r);
    /* gsl_rng_set with the derived seed restarts the stream */
    r = rng_stream(7, "vm/0/vcpu/0");
    for (int i = 0; i < 10; i++)
        gsl_rng_get(r);
    gsl_rng_set(r, (unsigned long)rng_derive(7, "vm/0/vcpu/0"));
    for (int i = 0; i < NDRAW; i++)
        ck_assert_uint_eq(gsl_rng_get(r), a[i]);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_stream_differs)
{
    unsigned long a[NDRAW], b[NDRAW], c[NDRAW];
    draws(7, "vm/0/vcpu/0", a, NDRAW);
    draws(7, "vm/0/vcpu/1", b, NDRAW);
    draws(8, "vm/0/vcpu/0", c, NDRAW);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < NDRAW; i++) {
        same_ab += a[i] == b[i];
        same_ac += a[i] == c[i];
    }
    /* 32-bit outputs: one chance coincidence in 64 is already unlikely */
    ck_assert_msg(same_ab <= 1, "other identity: %d of %d draws equal", same_ab, NDRAW);
    ck_assert_msg(same_ac <= 1, "other seed: %d of %d draws equal", same_ac, NDRAW);
}
END_TEST

START_TEST(test_stream_isolated)
{
    /* the draws of vm/0/vcpu/0 do not depend on other streams being created
     * or drawn from in between */
    unsigned long alone[NDRAW];
    draws(99, "vm/0/vcpu/0", alone, NDRAW);

    gsl_rng *others[8];
    for (int i = 0; i < 4; i++)
        others[i] = rng_streamf(99, "vm/%d/vcpu/%d", i + 1, i);
    gsl_rng *r = rng_stream(99, "vm/0/vcpu/0");
    for (int i = 4; i < 8; i++)
        others[i] = rng_streamf(99, "vm/0/vcpu/%d", i);
    for (int i = 0; i < NDRAW; i++) {
        for (int k = 0; k < 8; k++)
            for (int j = 0; j <= i % 3; j++)
                (void)gsl_rng_uniform(others[k]);
        unsigned long x = gsl_rng_get(r);
        ck_assert_msg(x == alone[i], "draw %d: %lu with other streams active, %lu alone", i, x,
                      alone[i]);
        if (i == NDRAW / 2) { /* a VM added mid-run */
            gsl_rng_free(others[0]);
            others[0] = rng_stream(99, "vm/5/vcpu/0");
        }
    }
    for (int k = 0; k < 8; k++)
        gsl_rng_free(others[k]);
    gsl_rng_free(r);
}
END_TEST

/* Reference xoshiro256** (Blackman & Vigna, xoshiro256starstar.c) seeded
 * with four splitmix64 outputs, as rng.h documents. */
static uint64_t ref_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t ref_next(uint64_t s[4])
{
    const uint64_t result = ref_rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ref_rotl(s[3], 45);
    return result;
}

START_TEST(test_xoshiro_reference)
{
    uint64_t seed = rng_derive(5, "vm/3/vcpu/1"), sm = seed, s[4];
    for (int i = 0; i < 4; i++)
        s[i] = rng_splitmix64(&sm);
    gsl_rng *r = rng_stream(5, "vm/3/vcpu/1");
    ck_assert_str_eq(gsl_rng_name(r), "xoshiro256**");
    ck_assert_uint_eq(gsl_rng_max(r), 0xffffffffUL);
    ck_assert_uint_eq(gsl_rng_min(r), 0);
    for (int i = 0; i < 1000; i++) {
        uint64_t x = ref_next(s);
        if (i % 2 == 0) { /* gsl_rng_get: the high 32 bits */
            unsigned long g = gsl_rng_get(r);
            ck_assert_msg(g == (unsigned long)(x >> 32), "get %d: %lx, want %llx", i, g,
                          (unsigned long long)(x >> 32));
        } else { /* gsl_rng_uniform: the high 53 bits over 2^53 */
            double u = gsl_rng_uniform(r), want = (double)(x >> 11) * 0x1.0p-53;
            ck_assert_msg(u == want, "uniform %d: %.17g, want %.17g", i, u, want);
        }
    }
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_uniform_mean)
{
    const int n = 1000000;
    gsl_rng *r = rng_stream(1, "test/uniform");
    double sum = 0, lo = 1, hi = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(r);
        ck_assert_msg(u >= 0 && u < 1, "uniform draw %.17g outside [0, 1)", u);
        sum += u;
        if (u < lo)
            lo = u;
        if (u > hi)
            hi = u;
    }
    double mean = sum / n, se = sqrt(1.0 / 12.0 / n);
    ck_assert_msg(fabs(mean - 0.5) <= 4 * se, "mean of %d uniforms %.6f, want 0.5 +- %.6f", n,
                  mean, 4 * se);
    ck_assert_msg(lo < 1e-4 && hi > 1 - 1e-4, "range [%g, %g] too narrow", lo, hi);
    /* gsl_rng_uniform_pos never returns 0 */
    for (int i = 0; i < 1000; i++)
        ck_assert(gsl_rng_uniform_pos(r) > 0);
    gsl_rng_free(r);
}
END_TEST

START_TEST(test_uniform_int_range)
{
    gsl_rng *r = rng_stream(2, "test/uniform_int");
    unsigned long ns[] = {1, 2, 7, 10, 64, 1000};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++) {
        unsigned long n = ns[k];
        int seen[1000] = {0};
        int draws_n = (int)(n * 40 + 100);
        for (int i = 0; i < draws_n; i++) {
            unsigned long x = gsl_rng_uniform_int(r, n);
            ck_assert_msg(x < n, "gsl_rng_uniform_int(%lu) gave %lu", n, x);
            seen[x]++;
        }
        for (unsigned long v = 0; v < n; v++)
            ck_assert_msg(seen[v] > 0, "gsl_rng_uniform_int(%lu): %lu never drawn in %d draws", n,
                          v, draws_n);
    }
    /* the full 32-bit range: both halves and extreme tenths show up */
    int low = 0, high = 0;
    for (int i = 0; i < 10000; i++) {
        unsigned long x = gsl_rng_uniform_int(r, 0xffffffffUL);
        low += x < 0x19999999UL;
        high += x > 0xe6666666UL;
    }
    ck_assert_msg(low > 800 && high > 800, "uniform_int(2^32-1): %d low, %d high of 10000", low,
                  high);
    gsl_rng_free(r);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("rng");
    TCase *t = tcase_create("rng");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_splitmix_known_answer);
    tcase_add_test(t, test_derive_pure);
    tcase_add_test(t, test_derive_distinct);
    tcase_add_test(t, test_stream_reproducible);
    tcase_add_test(t, test_stream_differs);
    tcase_add_test(t, test_stream_isolated);
    tcase_add_test(t, test_xoshiro_reference);
    tcase_add_test(t, test_uniform_mean);
    tcase_add_test(t, test_uniform_int_range);
    suite_add_tcase(s, t);
    return s;
}
