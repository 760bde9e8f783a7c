/* Event set: ordering, ties, cancel, randomised against a reference. */
#include <math.h>
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

/* The randomised driver behind the key-form tests: push (with many ties),
 * pop, cancel and reschedule in random order against a reference scanned
 * for the least (time, insertion sequence). `span` picks delays: 0 small
 * (0..49 ns, many ties), 1 up to 2^32 ns now and then (time rebases of the
 * narrow keys), 2 up to 2^40 ns now and then (a switch to wide keys).
 * `wide_at`: the step at which to force wide keys (-1: never); t0, seq0:
 * the clock and the sequence counter to start from. */
typedef struct {
    int rebased;    /* sim.rebases at the end */
    int wide;       /* sim.wide at the end */
    int far_starts; /* sim.far_starts at the end */
} drive_result;

/* The far-tier threshold drive() sets (-1: the default, never reached by its
 * at most 4,000 pending events). */
static int64_t drive_far = -1;

static ref_ev dref[4000];

static sim_time drive_delay(gsl_rng *r, int span)
{
    if (span > 0 && gsl_rng_uniform(r) < 0.05) {
        uint64_t hi = span == 1 ? (uint64_t)1 << 32 : (uint64_t)1 << 40;
        return (sim_time)(gsl_rng_uniform_pos(r) * (double)hi);
    }
    return (sim_time)gsl_rng_uniform_int(r, 50);
}

static drive_result drive(uint64_t seed, int steps, int span, int wide_at, sim_time t0, uint64_t seq0)
{
    gsl_rng *r = rng_stream(seed, "test/evq/drive");
    ev_sim s;
    ev_init(&s, 8);
    if (drive_far >= 0)
        ev_set_far_threshold(&s, (uint32_t)drive_far);
    /* White-box: start the clock at t0 (narrow keys' time origin stays at 0)
     * and the sequence counter at seq0, to reach the narrow keys' limits (as
     * after 2^34 ns or 2^30 insertions) in a short test. */
    s.now = t0;
    s.seq = seq0;
    int n = 0;
    uint64_t seq = 0;
    for (int step = 0; step < steps; step++) {
        if (step == wide_at)
            ev_force_wide(&s);
        double u = gsl_rng_uniform(r);
        if (u < 0.5 && n < 4000) {
            sim_time t = s.now + drive_delay(r, span);
            dref[n] = (ref_ev){t, seq, 0, 1};
            dref[n].id = ev_schedule(&s, t, ref_fire, NULL, seq);
            seq++;
            n++;
        } else if (u < 0.6 && n > 0) {
            int k = (int)gsl_rng_uniform_int(r, (unsigned long)n);
            sim_time t = s.now + drive_delay(r, span);
            ev_id id = ev_reschedule(&s, dref[k].id, t, ref_fire, NULL, seq);
            if (dref[k].live)
                ck_assert(id == dref[k].id);
            dref[k] = (ref_ev){t, seq++, id, 1};
        } else if (u < 0.68 && n > 0) {
            int k = (int)gsl_rng_uniform_int(r, (unsigned long)n);
            ck_assert_int_eq(ev_cancel(&s, dref[k].id), dref[k].live);
            ck_assert_int_eq(ev_time_of(&s, dref[k].id), -1);
            dref[k].live = 0;
        } else {
            int best = -1;
            for (int k = 0; k < n; k++)
                if (dref[k].live && (best < 0 || dref[k].t < dref[best].t ||
                                     (dref[k].t == dref[best].t && dref[k].seq < dref[best].seq)))
                    best = k;
            if (best >= 0)
                ck_assert_int_eq(ev_time_of(&s, dref[best].id), dref[best].t);
            s.budget = s.processed + 1;
            ev_stop st = ev_run(&s);
            if (best < 0) {
                ck_assert_int_eq(st, EV_STOP_EMPTY);
            } else {
                ck_assert_msg(fired_seq == dref[best].seq,
                              "seed %llu step %d: fired seq %llu, want %llu",
                              (unsigned long long)seed, step, (unsigned long long)fired_seq,
                              (unsigned long long)dref[best].seq);
                ck_assert_int_eq(s.now, dref[best].t);
                dref[best].live = 0;
            }
        }
        if (n == 4000 || step % 500 == 0) {
            int j = 0;
            for (int k = 0; k < n; k++)
                if (dref[k].live)
                    dref[j++] = dref[k];
            n = j;
        }
        if (step % 2000 == 0)
            ck_assert(ev_sanity(&s));
    }
    ck_assert(ev_sanity(&s));
    drive_result res = {(int)s.rebases, s.wide, (int)s.far_starts};
    ev_free(&s);
    gsl_rng_free(r);
    return res;
}

START_TEST(test_narrow_keys_against_reference)
{
    /* the default (narrow) keys, many ties */
    for (uint64_t seed = 1; seed <= 4; seed++) {
        drive_result d = drive(seed, 60000, 0, -1, 0, 1);
        ck_assert_int_eq(d.wide, 0);
        ck_assert_int_eq(d.rebased, 0);
    }
}
END_TEST

START_TEST(test_wide_keys_against_reference)
{
    /* wide keys from the start, and a switch with events pending mid-run */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        ck_assert_int_eq(drive(seed, 40000, 0, 0, 0, 1).wide, 1);
        ck_assert_int_eq(drive(seed, 40000, 0, 20000, 0, 1).wide, 1);
    }
}
END_TEST

START_TEST(test_time_rebase_against_reference)
{
    /* from just below 2^34 ns, delays up to 2^32 ns: the time origin of
     * narrow keys moves, keys stay narrow, the order is unchanged */
    int rebased = 0;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        drive_result d = drive(seed, 60000, 1, -1, ((sim_time)1 << 34) - ((sim_time)1 << 31), 1);
        ck_assert_int_eq(d.wide, 0);
        rebased += d.rebased;
    }
    ck_assert_int_gt(rebased, 0);
    /* delays up to 2^40 ns do not fit: the set switches to wide keys */
    for (uint64_t seed = 1; seed <= 4; seed++)
        ck_assert_int_eq(drive(seed, 60000, 2, -1, 0, 1).wide, 1);
}
END_TEST

START_TEST(test_sequence_rebase_against_reference)
{
    /* the sequence counter crosses the narrow rank limit with ties pending */
    uint64_t seq0 = ((uint64_t)1 << EV_RANK_BITS) - 5000;
    int rebased = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        drive_result d = drive(seed, 30000, 0, -1, 0, seq0);
        ck_assert_int_eq(d.wide, 0);
        rebased += d.rebased;
    }
    ck_assert_int_gt(rebased, 0);
}
END_TEST

START_TEST(test_sequence_span_goes_wide)
{
    /* an event pending across 2^29 insertions leaves narrow ranks no room:
     * the set goes wide and the old event still fires in its place */
    ev_sim s;
    ev_init(&s, 4);
    static fired_log l;
    memset(&l, 0, sizeof l);
    ev_schedule(&s, 100, log_fire, &l, 0);          /* seq 1, pending throughout */
    s.seq = ((uint64_t)1 << EV_RANK_BITS) - 2;      /* white-box: 2^30 insertions later */
    for (int i = 1; i <= 4; i++)
        ev_schedule(&s, 100, log_fire, &l, (uint64_t)i); /* same time, later sequence */
    ev_schedule(&s, 50, log_fire, &l, 5);
    ck_assert_int_eq(s.wide, 1);
    ck_assert(ev_sanity(&s));
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    uint64_t want[] = {5, 0, 1, 2, 3, 4};
    ck_assert_int_eq(l.n, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(l.a[i] == want[i], "position %d: fired %llu, want %llu", i,
                      (unsigned long long)l.a[i], (unsigned long long)want[i]);
    ev_free(&s);
}
END_TEST

/* Large P: 300,000 pending events (times with ties), a third cancelled, the
 * rest fired; the firing order must equal the reference sorted by (time,
 * insertion sequence). */
typedef struct {
    sim_time t;
    uint64_t seq;
} big_ref;

static int big_cmp(const void *a, const void *b)
{
    const big_ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

#define BIG_P 300000
static big_ref big[BIG_P];
static ev_id big_id[BIG_P];
static uint64_t big_fired[BIG_P];
static int big_nfired;

static void big_fire(ev_sim *sim, void *ctx, uint64_t arg)
{
    (void)sim;
    (void)ctx;
    big_fired[big_nfired++] = arg;
}

START_TEST(test_large_p_against_sorted_reference)
{
    for (int wide = 0; wide <= 1; wide++) {
        gsl_rng *r = rng_stream(7, "test/evq/big");
        ev_sim s;
        ev_init(&s, 16);
        if (wide)
            ev_force_wide(&s);
        for (int i = 0; i < BIG_P; i++) {
            sim_time t = (sim_time)gsl_rng_uniform_int(r, BIG_P / 4); /* ~4 per instant */
            big[i] = (big_ref){t, (uint64_t)i};
            big_id[i] = ev_schedule(&s, t, big_fire, NULL, (uint64_t)i);
        }
        int kept = 0;
        for (int i = 0; i < BIG_P; i++) {
            if (i % 3 == 1)
                ck_assert_int_eq(ev_cancel(&s, big_id[i]), 1);
            else
                big[kept++] = big[i];
        }
        ck_assert(ev_sanity(&s));
        ck_assert_int_eq(ev_pending(&s), kept);
        qsort(big, (size_t)kept, sizeof big[0], big_cmp);
        big_nfired = 0;
        ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
        ck_assert_int_eq(big_nfired, kept);
        for (int i = 0; i < kept; i++)
            ck_assert_msg(big_fired[i] == big[i].seq, "wide %d, position %d: fired %llu, want %llu",
                          wide, i, (unsigned long long)big_fired[i], (unsigned long long)big[i].seq);
        ck_assert_int_eq(s.wide, wide);
        ev_free(&s);
        gsl_rng_free(r);
    }
}
END_TEST

/* ---- The far tier (ladder above the heap) ---- */

/* The randomised driver with the far tier starting from a few pending
 * events: the same order as the reference, in narrow keys, across rebases
 * (which empty the far tier into the heap) and switches to wide keys. */
START_TEST(test_far_random_against_reference)
{
    int starts = 0;
    int64_t thresholds[] = {0, 8, 100};
    for (int k = 0; k < 3; k++) {
        drive_far = thresholds[k];
        for (uint64_t seed = 1; seed <= 3; seed++) {
            drive_result d = drive(seed, 60000, 0, -1, 0, 1);
            ck_assert_int_eq(d.wide, 0);
            starts += d.far_starts;
        }
        /* time rebases with the far tier on */
        drive_result d = drive(5, 60000, 1, -1, ((sim_time)1 << 34) - ((sim_time)1 << 31), 1);
        ck_assert_int_gt(d.rebased, 0);
        /* sequence rebases */
        d = drive(6, 30000, 0, -1, 0, ((uint64_t)1 << EV_RANK_BITS) - 5000);
        ck_assert_int_gt(d.rebased, 0);
        /* a forced switch to wide keys mid-run, and one by long delays */
        ck_assert_int_eq(drive(7, 40000, 0, 20000, 0, 1).wide, 1);
        ck_assert_int_eq(drive(8, 60000, 2, -1, 0, 1).wide, 1);
    }
    drive_far = -1;
    ck_assert_int_ge(starts, 9);
}
END_TEST

/* Ties across the tiers: events at a few instants, scheduled in a shuffled
 * order of times, fire by time and then insertion order. */
START_TEST(test_far_ties)
{
    ev_sim s;
    ev_init(&s, 4);
    ev_set_far_threshold(&s, 4);
    static fired_log l;
    memset(&l, 0, sizeof l);
    /* 4,000 events over 8 instants: 500 per instant */
    for (int i = 0; i < 4000; i++)
        ev_schedule(&s, (sim_time)((i * 5) % 8) * 1000, log_fire, &l, (uint64_t)i);
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    ck_assert_int_eq(l.n, 4000);
    ck_assert_int_gt(s.far_starts, 0);
    for (int i = 1; i < 4000; i++) {
        ck_assert(l.t[i - 1] <= l.t[i]);
        if (l.t[i - 1] == l.t[i])
            ck_assert(l.a[i - 1] < l.a[i]);
    }
    ev_free(&s);
}
END_TEST

/* Cancel, reschedule and time_of on events in the top, in rung buckets and
 * in the heap, moving events between the tiers both ways. */
START_TEST(test_far_cancel_reschedule)
{
    ev_sim s;
    ev_init(&s, 4);
    ev_set_far_threshold(&s, 16);
    static fired_log l;
    memset(&l, 0, sizeof l);
    ev_id id[1000];
    for (int i = 0; i < 1000; i++)
        id[i] = ev_schedule(&s, (sim_time)(i % 250) * 40 + 7, log_fire, &l, (uint64_t)i);
    s.budget = 1;
    ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET); /* starts the far tier; fires #0 */
    ck_assert_int_eq(s.far, 1);
    ck_assert_int_gt(s.nfar, 800);
    ck_assert(ev_sanity(&s));
    ck_assert_int_eq(l.a[0], 0);
    /* time_of reads far entries */
    for (int i = 1; i < 1000; i++)
        ck_assert_int_eq(ev_time_of(&s, id[i]), (sim_time)(i % 250) * 40 + 7);
    /* cancel every third (far and heap entries alike) */
    int live[1000] = {0};
    for (int i = 1; i < 1000; i++) {
        live[i] = i % 3 != 0;
        if (!live[i])
            ck_assert_int_eq(ev_cancel(&s, id[i]), 1);
    }
    ck_assert(ev_sanity(&s));
    /* reschedule: far to the next instant (into the heap), heap to far, far to far */
    sim_time nt[1000];
    for (int i = 1; i < 1000; i++)
        nt[i] = (sim_time)(i % 250) * 40 + 7;
    for (int i = 1; i < 1000; i += 7) {
        if (!live[i])
            continue;
        nt[i] = i % 2 ? s.now : (sim_time)(997 - i) * 13 + 1;
        ck_assert(ev_reschedule(&s, id[i], nt[i], log_fire, &l, (uint64_t)i) == id[i]);
        ck_assert_int_eq(ev_time_of(&s, id[i]), nt[i]);
    }
    ck_assert(ev_sanity(&s));
    ck_assert_int_eq(ev_pending(&s), 666);
    s.budget = 0;
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    /* the reference: live events by (time, last insertion) */
    ck_assert_int_eq(l.n, 1 + 666);
    for (int j = 2; j < l.n; j++) {
        ck_assert(l.t[j - 1] <= l.t[j]);
        ck_assert_int_eq(l.t[j], nt[l.a[j]]);
    }
    for (int j = 1; j < l.n; j++)
        ck_assert(live[l.a[j]]);
    ev_free(&s);
}
END_TEST

/* Large P through the far tier: 300,000 events with ties, the tier started,
 * then a third cancelled and some rescheduled; order as the sorted reference. */
START_TEST(test_far_large_p_against_sorted_reference)
{
    gsl_rng *r = rng_stream(9, "test/evq/farbig");
    ev_sim s;
    ev_init(&s, 16);
    for (int i = 0; i < BIG_P; i++) {
        sim_time t = (sim_time)gsl_rng_uniform_int(r, BIG_P / 4);
        big[i] = (big_ref){t, (uint64_t)i};
        big_id[i] = ev_schedule(&s, t, big_fire, NULL, (uint64_t)i);
    }
    big_nfired = 0;
    s.budget = 1;
    ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET); /* above EV_FAR_ON: the tier starts */
    ck_assert_int_eq(s.far, 1);
    uint64_t first = big_fired[0];
    int kept = 0;
    uint64_t seq = BIG_P;
    for (int i = 0; i < BIG_P; i++) {
        if ((uint64_t)i == first)
            continue;
        if (i % 3 == 1) {
            ck_assert_int_eq(ev_cancel(&s, big_id[i]), 1);
        } else if (i % 11 == 0) { /* a new time and a fresh sequence */
            sim_time t = s.now + (sim_time)gsl_rng_uniform_int(r, BIG_P / 4);
            ev_reschedule(&s, big_id[i], t, big_fire, NULL, seq);
            big[kept++] = (big_ref){t, seq++};
        } else {
            big[kept++] = big[i];
        }
    }
    ck_assert(ev_sanity(&s));
    ck_assert_int_eq(ev_pending(&s), kept);
    qsort(big, (size_t)kept, sizeof big[0], big_cmp);
    big_nfired = 0;
    s.budget = 0;
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    ck_assert_int_eq(big_nfired, kept);
    for (int i = 0; i < kept; i++)
        ck_assert_msg(big_fired[i] == big[i].seq, "position %d: fired %llu, want %llu", i,
                      (unsigned long long)big_fired[i], (unsigned long long)big[i].seq);
    ev_free(&s);
    gsl_rng_free(r);
}
END_TEST

/* A skewed distribution: most events in one 100 ns window, a few spread over
 * 2^33 ns. Rung 0's buckets are wide, so the crowded one is spread over finer
 * rungs; the order is still the sorted reference's. */
START_TEST(test_far_finer_rungs)
{
    gsl_rng *r = rng_stream(11, "test/evq/skew");
    ev_sim s;
    ev_init(&s, 16);
    ev_set_far_threshold(&s, 64);
    int n = 60000;
    for (int i = 0; i < n; i++) {
        sim_time t = i % 50 == 0 ? (sim_time)(gsl_rng_uniform(r) * (double)((uint64_t)1 << 33))
                                 : 1000 + (sim_time)gsl_rng_uniform_int(r, 100);
        big[i] = (big_ref){t, (uint64_t)i};
        big_id[i] = ev_schedule(&s, t, big_fire, NULL, (uint64_t)i);
    }
    qsort(big, (size_t)n, sizeof big[0], big_cmp);
    big_nfired = 0;
    s.budget = 100;
    ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET);
    ck_assert(ev_sanity(&s));
    s.budget = 0;
    ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY);
    ck_assert_int_gt(s.spawns, 0);
    ck_assert_int_eq(big_nfired, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(big_fired[i] == big[i].seq, "position %d: fired %llu, want %llu", i,
                      (unsigned long long)big_fired[i], (unsigned long long)big[i].seq);
    ck_assert_int_eq(s.wide, 0);
    ev_free(&s);
    gsl_rng_free(r);
}
END_TEST

/* Growth and the steady state: a hold model of 20,000 events grows the pools
 * while warming up and then allocates nothing; the set empties and refills,
 * stopping and restarting the tier. */
static void far_hold(ev_sim *sim, void *ctx, uint64_t arg)
{
    gsl_rng *r = ctx;
    if (arg > 0)
        ev_after(sim, (sim_time)(-1000.0 * log1p(-gsl_rng_uniform(r))), far_hold, ctx, arg - 1);
}

START_TEST(test_far_steady_state_and_cycles)
{
    gsl_rng *r = rng_stream(13, "test/evq/hold");
    ev_sim s;
    ev_init(&s, 64);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 20000; i++)
            ev_after(&s, (sim_time)gsl_rng_uniform_int(r, 5000), far_hold, r, 300);
        s.budget = s.processed + 1000000;
        ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET);
        ck_assert_int_eq(s.far, 1);
        ck_assert(ev_sanity(&s));
        uint32_t nrec = s.nrec, cap = s.cap, chunks = s.chunk_cap, bk = s.bk_cap;
        s.budget = s.processed + 2000000;
        ck_assert_int_eq(ev_run(&s), EV_STOP_BUDGET);
        ck_assert_int_eq(s.nrec, nrec);
        ck_assert_int_eq(s.cap, cap);
        ck_assert_int_eq(s.chunk_cap, chunks);
        ck_assert_int_eq(s.bk_cap, bk);
        ck_assert(ev_sanity(&s));
        s.budget = 0;
        ck_assert_int_eq(ev_run(&s), EV_STOP_EMPTY); /* chains end: the tier stops */
        ck_assert_int_eq(s.far, 0);
        ck_assert_int_eq(ev_pending(&s), 0);
        ck_assert(ev_sanity(&s));
    }
    ck_assert_int_eq(s.far_starts, 3);
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

/* Operations from inside handlers, where ev_cancel parks a heap entry for
 * the handler's next ev_schedule and the fired root's hole stays through
 * cancels and reschedules: each handler cancels, reschedules and schedules
 * at random (a few instants apart, so ties abound), twice in a row at times
 * (a second cancel while one entry is parked), and the firing order is
 * checked against a reference scanned for the least (time, sequence). */
#define HREF_N 600
typedef struct hdrive {
    ev_sim s;
    gsl_rng *r;
    ref_ev ref[HREF_N]; /* one slot per entity: its pending event or not */
    uint64_t seq;       /* the reference's insertion sequence */
    int fired, span;
} hdrive;

static void hd_fire(ev_sim *sim, void *ctx, uint64_t arg);

static sim_time hd_delay(hdrive *h)
{
    if (h->span && gsl_rng_uniform(h->r) < 0.02) /* now and then far ahead (far tier, rebases) */
        return (sim_time)(gsl_rng_uniform_pos(h->r) * (double)((uint64_t)1 << 33));
    return (sim_time)gsl_rng_uniform_int(h->r, 4);
}

/* One random operation on entity k from inside a handler. */
static void hd_op(hdrive *h, int k)
{
    ref_ev *e = &h->ref[k];
    double u = gsl_rng_uniform(h->r);
    if (u < 0.4) {
        ck_assert_int_eq(ev_cancel(&h->s, e->id), e->live);
        ck_assert_int_eq(ev_time_of(&h->s, e->id), -1);
        e->live = 0;
        return;
    }
    sim_time t = h->s.now + hd_delay(h);
    ev_id id = u < 0.7 ? ev_reschedule(&h->s, e->id, t, hd_fire, h, (uint64_t)k)
                       : (ev_cancel(&h->s, e->id), ev_schedule(&h->s, t, hd_fire, h, (uint64_t)k));
    if (u < 0.7 && e->live)
        ck_assert(id == e->id);
    *e = (ref_ev){t, h->seq++, id, 1};
    ck_assert_int_eq(ev_time_of(&h->s, id), t);
}

static void hd_fire(ev_sim *sim, void *ctx, uint64_t arg)
{
    hdrive *h = ctx;
    int best = -1;
    for (int k = 0; k < HREF_N; k++)
        if (h->ref[k].live && (best < 0 || h->ref[k].t < h->ref[best].t ||
                               (h->ref[k].t == h->ref[best].t && h->ref[k].seq < h->ref[best].seq)))
            best = k;
    ck_assert_int_eq((int)arg, best);
    ck_assert_int_eq(sim->now, h->ref[best].t);
    h->ref[best].live = 0;
    h->fired++;
    int ops = (int)gsl_rng_uniform_int(h->r, 5);
    for (int i = 0; i < ops; i++)
        hd_op(h, (int)gsl_rng_uniform_int(h->r, HREF_N));
    if (!h->ref[best].live && gsl_rng_uniform(h->r) < 0.9) /* keep the population up */
        hd_op(h, best);
}

static drive_result hdrive_run(uint64_t seed, int64_t far, int wide, int span, sim_time t0,
                               uint64_t seq0)
{
    static hdrive h;
    memset(&h, 0, sizeof h);
    h.r = rng_stream(seed, "test/evq/handlers");
    h.span = span;
    ev_init(&h.s, 8);
    if (far >= 0)
        ev_set_far_threshold(&h.s, (uint32_t)far);
    if (wide)
        ev_force_wide(&h.s);
    h.s.now = t0; /* white-box, as in drive(): near the narrow keys' limits */
    h.s.seq = seq0;
    for (int k = 0; k < HREF_N; k++) {
        sim_time t = t0 + (sim_time)gsl_rng_uniform_int(h.r, 20);
        h.ref[k] = (ref_ev){t, h.seq++, ev_schedule(&h.s, t, hd_fire, &h, (uint64_t)k), 1};
    }
    h.s.budget = 100000;
    ev_run(&h.s);
    ck_assert(ev_sanity(&h.s));
    ck_assert_int_eq(h.fired, (int)h.s.processed);
    ck_assert_int_gt(h.fired, 1000);
    drive_result res = {(int)h.s.rebases, h.s.wide, (int)h.s.far_starts};
    ev_free(&h.s);
    gsl_rng_free(h.r);
    return res;
}

START_TEST(test_handler_ops_against_reference)
{
    drive_result r = hdrive_run(1, -1, 0, 0, 0, 1); /* narrow keys, heap only */
    ck_assert(!r.wide && r.rebased == 0 && r.far_starts == 0);
    r = hdrive_run(2, -1, 1, 0, 0, 1); /* wide keys */
    ck_assert(r.wide);
    r = hdrive_run(3, 16, 0, 1, 0, 1); /* the far tier, with far-ahead events */
    ck_assert_int_ge(r.far_starts, 1);
    r = hdrive_run(4, -1, 0, 0, ((sim_time)1 << 34) - 100, 1); /* time rebases in handlers */
    ck_assert_int_gt(r.rebased, 0);
    ck_assert(!r.wide);
    r = hdrive_run(5, -1, 0, 0, 0, (1u << 30) - 50000); /* sequence rebases in handlers */
    ck_assert_int_gt(r.rebased, 0);
    ck_assert(!r.wide);
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
    tcase_add_test(tc, test_narrow_keys_against_reference);
    tcase_add_test(tc, test_wide_keys_against_reference);
    tcase_add_test(tc, test_time_rebase_against_reference);
    tcase_add_test(tc, test_sequence_rebase_against_reference);
    tcase_add_test(tc, test_sequence_span_goes_wide);
    tcase_add_test(tc, test_large_p_against_sorted_reference);
    tcase_add_test(tc, test_far_random_against_reference);
    tcase_add_test(tc, test_far_ties);
    tcase_add_test(tc, test_far_cancel_reschedule);
    tcase_add_test(tc, test_far_large_p_against_sorted_reference);
    tcase_add_test(tc, test_far_finer_rungs);
    tcase_add_test(tc, test_far_steady_state_and_cycles);
    tcase_add_test(tc, test_handler_ops_against_reference);
    suite_add_tcase(su, tc);
    return su;
}
