/* report.h - the results document of one run.
 *
 * Turns a finished world's accumulators into a self-describing JSON
 * document: what ran (version, command line, scenario, seed), how long
 * (simulated and measured seconds, events), and per-lock, per-VM and
 * per-vCPU figures. Wall-clock figures sit under "wall" only, so two runs
 * with the same scenario and seed give identical documents apart from it.
 * Schema: docs/results-format.md. */
#ifndef VMSIM_REPORT_H
#define VMSIM_REPORT_H

#include <jansson.h>

#include "models/world.h"

typedef struct report_meta {
    const char *command_line; /* as typed (argv joined) */
    const char *scenario_file;/* path of the scenario */
    double wall_s;            /* wall seconds of the event loop */
    const char *stop_reason;  /* "end time", "event budget", ... */
} report_meta;

/* Builds the results document (new reference). Can't fail. */
json_t *report_build(const world *w, const report_meta *m);
/* Name of an ev_stop reason. */
const char *report_stop_name(int stop);

#endif
