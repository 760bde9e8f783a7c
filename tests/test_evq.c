/* Event set: ordering, ties, cancel, randomised against a reference. */
#include <stdlib.h>
#include <string.h>

#include "sim/evq.h"
#include "sim/rng.h"
#include "tests/check_main.h"

typedef struct {
    sim_time t[4096];
    uint64_t a[4096];
    int n;
} fired_log;

static void log_fire(ev_sim *sim, void *ctx, uint64_t arg)
{
    fired_log *l = ctx;
    l->t[l->n] = sim->now;
    l->a[l->n] = arg;
    l->n++;
}

START_TEST(test_order_and_ties)
{
    ev_sim s;
    ev_init(&s, 4);
    static fired_log l;
    memset(&l, 0, sizeof l);
    sim_time times[] = {50, 10, 30, 10, 50, 0, 10, 30};
    for (int i = 0; i < 8; i++)
        ev_schedule(&s, times[i], log_fire, &l, (uint64_t)i);
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    ck_assert_int_eq(l.n, 8);
    /* time order, then insertion order among equal times */
    uint64_t want[] = {5, 1, 3, 6, 2, 7, 0, 4};
    for (int i = 0; i < 8; i++)
        ck_assert_msg(l.a[i] == want[i], "position %d: fired %llu, want %llu", i,
                      (unsigned long long)l.a[i], (unsigned long long)want[i]);
    ev_free(&s);
}
END_TEST

START_TEST(test_cancel)
{
    ev_sim s;
    ev_init(&s, 4);
    static fired_log l;
    memset(&l, 0, sizeof l);
    ev_id a = ev_schedule(&s, 5, log_fire, &l, 1);
    ev_id b = ev_schedule(&s, 6, log_fire, &l, 2);
    ev_id c = ev_schedule(&s, 7, log_fire, &l, 3);
    ck_assert_int_eq(ev_time_of(&s, b), 6);
    ck_assert_int_eq(ev_cancel(&s, b), 1);
    ck_assert_int_eq(ev_cancel(&s, b), 0); /* twice */
    ck_assert_int_eq(ev_cancel(&s, 0), 0);
    ck_assert_int_eq(ev_time_of(&s, b), -1);
    ck_assert(ev_sanity(&s));
    ev_run(&s);
    ck_assert_int_eq(l.n, 2);
    ck_assert_int_eq(l.a[0], 1);
    ck_assert_int_eq(l.a[1], 3);
    /* ids of fired events are stale: cancelling them is a no-op even after
     * their slots are reused */
    ev_id d = ev_schedule(&s, 9, log_fire, &l, 4);
    ck_assert_int_eq(ev_cancel(&s, a), 0);
    ck_assert_int_eq(ev_cancel(&s, c), 0);
    ck_assert_int_eq(ev_time_of(&s, d), 9);
    ev_free(&s);
}
END_TEST

START_TEST(test_end_time_and_budget)
{
    ev_sim s;
    ev_init(&s, 4);
    static fired_log l;
    memset(&l, 0, sizeof l);
    for (int i = 1; i <= 10; i++)
        ev_schedule(&s, i * 10, log_fire, &l, (uint64_t)i);
    s.end = 55;
    ck_assert_int_eq(ev_run(&s), EV_STOP_TIME);
    ck_assert_int_eq(l.n, 5);
    ck_assert_int_eq(s.now, 55);
    s.end = SIM_TIME_MAX;
    s.budget = 7;
    ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET);
    ck_assert_int_eq(l.n, 7);
    ev_free(&s);
}
END_TEST

/* Reference: a plain array scanned for the minimum (time, seq). */
typedef struct {
    sim_time t;
    uint64_t seq;
    ev_id id;
    int live;
} ref_ev;

static ref_ev ref[20000];
static int nref;
static uint64_t fired_seq;

static void ref_fire(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)ctx;
    fired_seq = arg;
}

START_TEST(test_random_against_reference)
{
    gsl_rng *r = rng_stream(42, "test/evq");
    ev_sim s;
    ev_init(&s, 8);
    nref = 0;
    uint64_t seq = 0;
    for (int step = 0; step < 200000; step++) {
        double u = gsl_rng_uniform(r);
        if (u < 0.5 && nref < 20000) { /* insert */
            sim_time t = s.now + (sim_time)gsl_rng_uniform_int(r, 50); /* many ties */
            ref[nref] = (ref_ev){t, seq, 0, 1};
            ref[nref].id = ev_schedule(&s, t, ref_fire, NULL, seq);
            seq++;
            nref++;
        } else if (u < 0.58 && nref > 0) { /* move a random one (reschedule) */
            int k = (int)gsl_rng_uniform_int(r, (unsigned long)nref);
            if (ref[k].live) {
                sim_time t = s.now + (sim_time)gsl_rng_uniform_int(r, 50);
                ck_assert(ev_reschedule(&s, ref[k].id, t, ref_fire, NULL, seq) == ref[k].id);
                ref[k].t = t;
                ref[k].seq = seq++;
            }
        } else if (u < 0.65 && nref > 0) { /* cancel a random one */
            int k = (int)gsl_rng_uniform_int(r, (unsigned long)nref);
            ck_assert_int_eq(ev_cancel(&s, ref[k].id), ref[k].live);
            ref[k].live = 0;
        } else { /* pop one */
            int best = -1;
            for (int k = 0; k < nref; k++)
                if (ref[k].live && (best < 0 || ref[k].t < ref[best].t ||
                                    (ref[k].t == ref[best].t && ref[k].seq < ref[best].seq)))
                    best = k;
            uint64_t before = s.processed;
            s.budget = s.processed + 1;
            ev_stop st = ev_run(&s);
            if (best < 0) {
                ck_assert_int_eq(st, EV_STOP_EMPTY);
                ck_assert_int_eq(s.processed, before);
            } else {
                ck_assert_int_eq(s.processed, before + 1);
                ck_assert_msg(fired_seq == ref[best].seq, "step %d: fired seq %llu, want %llu", step,
                              (unsigned long long)fired_seq, (unsigned long long)ref[best].seq);
                ck_assert_int_eq(s.now, ref[best].t);
                ref[best].live = 0;
            }
        }
        if (nref == 20000 || (step % 1000 == 0)) { /* compact the reference */
            int j = 0;
            for (int k = 0; k < nref; k++)
                if (ref[k].live)
                    ref[j++] = ref[k];
            nref = j;
        }
        if (step % 5000 == 0)
            ck_assert(ev_sanity(&s));
    }
    ck_assert(ev_sanity(&s));
    ev_free(&s);
    gsl_rng_free(r);
}
END_TEST

static void chain(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    if (arg > 0)
        ev_after(sim, 3, chain, NULL, arg - 1);
}

START_TEST(test_pool_reuse_no_growth)
{
    /* A steady state of P pending events never grows the pool. */
    ev_sim s;
    ev_init(&s, 64);
    for (int i = 0; i < 64; i++)
        ev_schedule(&s, i, chain, NULL, 1000);
    uint32_t nrec = s.nrec;
    ev_run(&s);
    ck_assert_int_eq(s.nrec, nrec);
    ck_assert_int_eq(s.processed, 64 * 1001);
    ev_free(&s);
}
END_TEST

static void chain(ev_sim *sim, void *ctx, uint64_t arg);

static void zero_time_loop(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)ctx;
    ev_after(sim, 0, zero_time_loop, NULL, arg);
}

START_TEST(test_stuck_detection)
{
    /* a handler that reschedules itself at the same instant forever is
     * stopped, not looped on */
    ev_sim s;
    ev_init(&s, 4);
    ev_schedule(&s, 5, zero_time_loop, NULL, 0);
    ck_assert_int_eq(ev_run_guarded(&s, 1000000), EV_STOP_STUCK);
    ck_assert_int_eq(s.now, 5);
    ck_assert_int_ge(s.processed, 1000000);
    ck_assert_int_le(s.processed, 1000000 + 1000000 / 8 + 1);
    /* time that advances is never stuck, and the budget still counts */
    ev_free(&s);
    ev_init(&s, 4);
    ev_schedule(&s, 0, chain, NULL, 5000000);
    s.budget = 3000000;
    ck_assert_int_eq(ev_run_guarded(&s, 1000000), EV_STOP_BUDGET);
    ck_assert_int_eq(s.processed, 3000000);
    ck_assert_int_eq(s.budget, 3000000);
    ev_free(&s);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *su = suite_create("evq");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_order_and_ties);
    tcase_add_test(tc, test_cancel);
    tcase_add_test(tc, test_end_time_and_budget);
    tcase_add_test(tc, test_random_against_reference);
    tcase_add_test(tc, test_pool_reuse_no_growth);
    tcase_add_test(tc, test_stuck_detection);
    suite_add_tcase(su, tc);
    return su;
}
