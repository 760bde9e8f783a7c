/* batches.h - batch means within one run (the scenario's "batches": B,
 * docs/scenario-format.md): the measurement window [warmup_s, duration_s]
 * cut into B equal batches, the headline throughput per VM measured in each,
 * and their mean with a 95 % confidence interval, so one long run gives an
 * interval without paying a warm-up per seed.
 *
 * The runner (analysis/runner.c) runs the world in slices that end at the
 * batch boundaries and calls batches_sample after each; as for the time
 * series, the events, their order and every other result are those of one
 * uninterrupted run. The interval assumes the batch means independent; the
 * lag-1 autocorrelation of the batch means is reported so a user can see
 * when batches are too short for that (a warning above 0.3).
 *
 * Results (batches_report): "batches": {"n", "length_s", "throughput_per_vm"
 * (the B values), "mean", "ci95", "lag1"} and, in "metrics", batch_ci95 and
 * batch_lag1 (sweep columns). */
#ifndef VMSIM_BATCHES_H
#define VMSIM_BATCHES_H

#include <jansson.h>

#include "models/world.h"

typedef struct batches batches;

/* The boundaries for w's scenario (w->sc->batches >= 2); NULL when the
 * scenario has no batches. Aborts on OOM. */
batches *batches_new(const world *w);
/* The end of the next batch still to sample (SIM_TIME_MAX: none left). */
sim_time batches_next(const batches *b);
/* Records the batch ending now (w->sim.now >= batches_next(b)). */
void batches_sample(batches *b, const world *w);
/* Adds "batches" and the two metrics to results r (the last batch ends at
 * the end of the run) and frees b. Returns the lag-1 autocorrelation (NAN
 * with fewer than 3 batches). */
double batches_report(batches *b, const world *w, json_t *r);
/* Frees b (NULL is fine). */
void batches_free(batches *b);

#endif
