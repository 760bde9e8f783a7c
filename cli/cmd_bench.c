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

#include <stdint.h>

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

const char bench_usage[] =
    "usage: vmsim bench hold [--pending P] [--events E] [--seed S] [--json]\n"
    "\n"
    "Hold model: P pending events, E events fired, each scheduling one new\n"
    "event at now + Exp(mean 1 us). Prints one RESULT line (or JSON).\n"
    "\n"
    "  --pending P         events pending at once (default 1000, 1 to 2^24)\n"
    "  --events E          events fired (default 10000000, 1 to 2^39)\n"
    "  --seed S            the seed of the stream (default 1)\n"
    "  --json              print one JSON object instead of the RESULT line\n";

enum { BENCH_PENDING = 256, BENCH_EVENTS, BENCH_SEED, BENCH_JSON };

const args_opt bench_options[] = {
    {"pending", 0, "P", BENCH_PENDING},
    {"events", 0, "E", BENCH_EVENTS},
    {"seed", 0, "S", BENCH_SEED},
    {"json", 0, NULL, BENCH_JSON},
    {0, 0, 0, 0},
};

int cmd_bench(int argc, char **argv)
{
    uint64_t P = 1000, E = 10000000, seed = 1;
    int json = 0, hold = 0;
    args_parser p;
    args_init(&p, "bench", bench_options, argc, argv);
    int id;
    while ((id = args_next(&p)) != ARGS_END) {
        long long v = 0;
        switch (id) {
        case ARGS_HELP: fputs(bench_usage, stdout); return 0;
        case ARGS_ERR: return args_usage_error("bench", "%s", p.err);
        case ARGS_POS:
            if (hold || strcmp(p.val, "hold"))
                return args_usage_error("bench", "unknown benchmark \"%s\" (there is one: hold)",
                                        p.val);
            hold = 1;
            break;
        case BENCH_JSON: json = 1; break;
        default:
            if (args_int(p.val, 0, INT64_MAX, &v))
                return args_usage_error("bench", "%s %s: expected a non-negative integer", p.opt,
                                        p.val);
            *(id == BENCH_PENDING ? &P : id == BENCH_EVENTS ? &E : &seed) = (uint64_t)v;
        }
    }
    if (!hold)
        return args_usage_error("bench", "missing BENCHMARK (hold)");
    if (P < 1 || P > EV_MAX_PENDING || E < 1 || E > ((uint64_t)1 << 39)) {
        return args_usage_error("bench", "--pending must be in [1, %u], --events in [1, 2^39]",
                                EV_MAX_PENDING);
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
