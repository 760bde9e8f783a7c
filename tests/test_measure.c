/* Tests of the real locks and the run of `vmsim measure` (measure/).
 *
 * Nothing here asserts a timing: the machine may be loaded by anything.
 * Mutual exclusion: threads loop on one lock until a deadline, each
 * critical section reading a shared counter, pausing and writing it back
 * plus one; the counter must equal the number of critical sections,
 * whatever their number. The pv locks run with a spin threshold of 4 so
 * that their halt and kick paths are taken. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "measure/mlock.h"
#include "measure/model.h"
#include "measure/mrun.h"
#include "tests/check_main.h"

typedef struct mx_thr {
    _Alignas(ML_LINE) ml_thread lt;
    ml_lock *l;
    volatile uint64_t *counter;
    uint64_t deadline;
    uint64_t n;
} mx_thr;

static void *mx_main(void *arg)
{
    mx_thr *t = arg;
    do {
        ml_acquire(t->l, &t->lt);
        uint64_t v = *t->counter;
        for (int i = 0; i < 8; i++)
            ml_pause();
        *t->counter = v + 1;
        ml_release(t->l, &t->lt);
        t->n++;
    } while (mr_now_ns() < t->deadline);
    return NULL;
}

/* Runs `nthreads` threads on lock algorithm k for `ms` ms; checks the count. */
static void mx_exclusion(int k, int nthreads, uint64_t spin, int ms)
{
    ml_lock l;
    ck_assert_int_eq(ml_lock_init(&l, ml_registry[k], nthreads, spin), 0);
    mx_thr *th = aligned_alloc(ML_LINE, sizeof(mx_thr) * (size_t)nthreads);
    ck_assert_ptr_nonnull(th);
    volatile uint64_t counter = 0;
    uint64_t deadline = mr_now_ns() + (uint64_t)ms * 1000000u;
    pthread_t pt[16];
    for (int i = 0; i < nthreads; i++) {
        memset(&th[i], 0, sizeof th[i]);
        ml_thread_init(&l, &th[i].lt, i);
        th[i].l = &l;
        th[i].counter = &counter;
        th[i].deadline = deadline;
    }
    for (int i = 0; i < nthreads; i++)
        ck_assert_int_eq(pthread_create(&pt[i], NULL, mx_main, &th[i]), 0);
    uint64_t sum = 0, halts = 0, kicks = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(pt[i], NULL);
        sum += th[i].n;
        halts += th[i].lt.halts;
        kicks += th[i].lt.kicks;
    }
    ck_assert_msg(counter == sum, "%s, %d threads: counter %llu != %llu critical sections",
                  ml_registry[k]->name, nthreads, (unsigned long long)counter,
                  (unsigned long long)sum);
    ck_assert_uint_ge(sum, (uint64_t)nthreads);
    if (!ml_registry[k]->pv) /* only pv locks halt and kick */
        ck_assert_msg(halts == 0 && kicks == 0, "%s: %llu halts, %llu kicks",
                      ml_registry[k]->name, (unsigned long long)halts, (unsigned long long)kicks);
    free(th);
    ml_lock_free(&l);
}

START_TEST(test_exclusion_every_lock)
{
    int k = _i;
    mx_exclusion(k, 2, 4, 60);
    mx_exclusion(k, 4, 4, 60);
    mx_exclusion(k, 3, ML_SPIN_THRESHOLD_DEFAULT, 40);
}
END_TEST

START_TEST(test_registry)
{
    ck_assert_int_eq(ml_nops, 8);
    const char *want[] = {"ticket", "tas", "mcs", "pv-ticket", "pvqspinlock", "oticket",
                          "preemptable-ticket", "mutex"};
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(ml_find(want[i]), i);
        ck_assert_str_eq(ml_names()[i], want[i]);
    }
    ck_assert_int_eq(ml_find("tiket"), -1);
    ck_assert_ptr_null(ml_registry[ml_find("mutex")]->model);
    ck_assert_str_eq(ml_registry[ml_find("oticket")]->model, "oticket");
}
END_TEST

START_TEST(test_hist_buckets)
{
    for (uint64_t v = 0; v < 16; v++) {
        ck_assert_int_eq(mr_bucket(v), (int)v);
        ck_assert(mr_bucket_mid((int)v) == (double)v);
    }
    int prev = -1;
    for (uint64_t v = 1; v < (1ull << 40); v = v * 5 / 4 + 1) {
        int b = mr_bucket(v);
        ck_assert_int_ge(b, prev);
        ck_assert_int_lt(b, MR_HIST);
        prev = b;
        double mid = mr_bucket_mid(b);
        ck_assert_msg(fabs(mid - (double)v) <= 0.0625 * (double)v + 0.5,
                      "v %llu bucket %d mid %g", (unsigned long long)v, b, mid);
    }
    ck_assert_int_eq(mr_bucket(UINT64_MAX), MR_HIST - 1);
}
END_TEST

/* A tiny run of every lock: schema and invariants, no timing. */
START_TEST(test_run_sanity)
{
    int k = _i;
    mr_config c = {ml_registry[k], 3, 2000, 500, 64, 0.03, 0.005};
    mr_result r;
    vs_err err = {0};
    ck_assert_msg(mr_run(&c, &r, &err) == 0, "%s", err.msg);
    ck_assert(r.window_s > 0);
    ck_assert_int_eq(r.nshares, 3);
    ck_assert(r.ops_per_s >= 0 && r.wait_mean_ns >= 0 && r.wait_p50_ns >= 0 &&
              r.wait_p99_ns >= r.wait_p50_ns && r.wait_max_ns >= r.wait_p99_ns);
    ck_assert(r.foreign_share >= 0);
    if (r.acquisitions) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            ck_assert(r.shares[i] >= 0 && r.shares[i] <= 1);
            sum += r.shares[i];
        }
        ck_assert_rel(sum, 1.0, 1e-9);
        ck_assert(r.fairness >= 0 && r.fairness <= 1 + 1e-9);
        ck_assert(r.wait_mean_ns <= r.wait_max_ns + 1e-9);
    }
    if (!ml_registry[k]->pv)
        ck_assert(r.halts == 0 && r.kicks == 0);
    mr_result_free(&r);
}
END_TEST

START_TEST(test_machine_and_model)
{
    mr_machine m;
    mr_machine_read(&m);
    ck_assert_int_ge(m.ncpu_online, 1);
    ck_assert_int_ge(m.ncpu_avail, 1);
    ck_assert(m.pause_ns > 0);
    ck_assert(mr_idle_share(0.01) <= 1);
    mr_config cf[3] = {
        {ml_registry[ml_find("oticket")], 2, 2000, 500, 32768, 1, 0},
        {ml_registry[ml_find("mutex")], 3, 2000, 500, 32768, 1, 0},
        {ml_registry[ml_find("ticket")], 4, 20000, 2000, 32768, 1, 0},
    };
    json_t *doc = mm_model_scenario(&m, cf, 3, 32768, 0.02);
    json_t *axes = json_object_get(json_object_get(doc, "sweep"), "axes");
    ck_assert_int_eq(json_array_size(axes), 3);
    json_t *locks = json_object_get(json_array_get(axes, 0), "values");
    ck_assert_int_eq(json_array_size(locks), 2); /* mutex left out */
    ck_assert_int_eq(json_array_size(json_object_get(json_array_get(axes, 1), "values")), 2);
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(json_array_get(axes, 2), "values"), 1)),
                     "20000/2000");
    json_decref(doc);
    char lab[64];
    mm_think_hold_label(2000, 500, lab, sizeof lab);
    ck_assert_str_eq(lab, "2000/500");
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("measure");
    TCase *tc = tcase_create("locks");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_registry);
    tcase_add_test(tc, test_hist_buckets);
    tcase_add_loop_test(tc, test_exclusion_every_lock, 0, ml_nops);
    tcase_add_loop_test(tc, test_run_sanity, 0, ml_nops);
    tcase_add_test(tc, test_machine_and_model);
    suite_add_tcase(s, tc);
    return s;
}
