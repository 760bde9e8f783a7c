/* vmsim bench hold: the classic hold model on the engine's event set.
 * P events pending; each fired event schedules one new event at
 * now + Exp(mean 1 us) (integer ns) from one GSL stream. Reports events per
 * second of the loop alone (setup excluded; wall time, and the process's CPU
 * time over the loop as cpu_s, which a loaded machine disturbs less) and peak
 * memory. The same
 * workload as ../shared/bench/pq_baseline.cpp, compared by bench/hold.sh. */
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cmds.h"
#include "sim/evq.h"
#include "sim/rng.h"

typedef struct hold_ctx {
    gsl_rng *r;
} hold_ctx;

static inline sim_time hold_delay(gsl_rng *r)
{
    return (sim_time)(-1000.0 * log1p(-gsl_rng_uniform(r)) + 0.5);
}

static void hold_fire(ev_sim *sim, void *ctx, uint64_t arg)
{
    hold_ctx *h = ctx;
    ev_after(sim, hold_delay(h->r), hold_fire, ctx, arg);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || s[0] == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static void bench_usage(FILE *f)
{
    fprintf(f, "usage: vmsim bench hold [--pending P] [--events E] [--seed S] [--json]\n"
               "  Hold model: P pending events, E events fired, each scheduling one new\n"
               "  event at now + Exp(mean 1 us). Defaults: P 1000, E 10000000.\n");
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "hold") != 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            bench_usage(stdout);
            return 0;
        }
        bench_usage(stderr);
        return 2;
    }
    uint64_t P = 1000, E = 10000000, seed = 1;
    int json = 0;
    for (int i = 2; i < argc; i++) {
        uint64_t *dst = NULL;
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            bench_usage(stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--pending"))
            dst = &P;
        else if (!strcmp(argv[i], "--events"))
            dst = &E;
        else if (!strcmp(argv[i], "--seed"))
            dst = &seed;
        if (!dst || i + 1 >= argc || parse_u64(argv[i + 1], dst)) {
            fprintf(stderr, "vmsim bench: bad option or value near %s\n", argv[i]);
            bench_usage(stderr);
            return 2;
        }
        i++;
    }
    if (P < 1 || P > EV_MAX_PENDING || E < 1 || E > ((uint64_t)1 << 39)) {
        fprintf(stderr, "vmsim bench: --pending must be in [1, %u], --events in [1, 2^39]\n",
                EV_MAX_PENDING);
        return 2;
    }
    ev_sim sim;
    ev_init(&sim, (uint32_t)P);
    hold_ctx h = {rng_stream(seed, "bench/hold")};
    for (uint64_t i = 0; i < P; i++)
        ev_schedule(&sim, hold_delay(h.r), hold_fire, &h, 0);
    sim.budget = E;
    struct timespec a, b, ca, cb;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ca);
    clock_gettime(CLOCK_MONOTONIC, &a);
    ev_run(&sim);
    clock_gettime(CLOCK_MONOTONIC, &b);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cb);
    double dt = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    double cpu = (double)(cb.tv_sec - ca.tv_sec) + (cb.tv_nsec - ca.tv_nsec) / 1e9;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rate = dt > 0 ? sim.processed / dt : 0;
    if (json)
        printf("{\"benchmark\":\"hold\",\"pending\":%llu,\"events\":%llu,\"loop_s\":%.6f,"
               "\"cpu_s\":%.6f,\"events_per_s\":%.0f,\"event_set_bytes\":%llu,"
               "\"peak_rss_kb\":%ld}\n",
               (unsigned long long)P, (unsigned long long)sim.processed, dt, cpu, rate,
               (unsigned long long)ev_bytes(&sim), ru.ru_maxrss);
    else
        printf("RESULT events=%llu loop_s=%.6f cpu_s=%.6f events_per_s=%.0f pending=%u "
               "event_set_bytes=%llu peak_rss_kb=%ld\n",
               (unsigned long long)sim.processed, dt, cpu, rate, ev_pending(&sim),
               (unsigned long long)ev_bytes(&sim), ru.ru_maxrss);
    gsl_rng_free(h.r);
    ev_free(&sim);
    return 0;
}
