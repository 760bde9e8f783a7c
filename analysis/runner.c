#include "analysis/runner.h"

#include <time.h>

#include "analysis/report.h"
#include "analysis/batches.h"
#include "analysis/series.h"
#include "config/scenario.h"
#include "models/run.h"
#include "models/tracer.h"

static double runner_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int runner_run_doc(json_t *doc, const char *file, const runner_opts *o, json_t **results,
                   vs_err *err)
{
    scenario sc;
    *results = NULL;
    if (sc_load_doc(doc, file, &sc, err))
        return -1;
    world *w = world_new(&sc);
    tracer *tr = NULL;
    if (o && o->trace_path) {
        sim_time from = (sim_time)(o->trace_from_s * 1e9);
        sim_time to = o->trace_to_s > 0 ? (sim_time)(o->trace_to_s * 1e9) : SIM_TIME_MAX;
        tr = tracer_attach(w, o->trace_path, from, to, err);
        if (!tr) {
            world_free(w);
            scenario_free(&sc);
            return -1;
        }
        if (o->trace_max_bytes)
            tracer_set_max_bytes(tr, o->trace_max_bytes);
    }
    series *ser = NULL;
    if (o && o->series_path) {
        ser = series_open(o->series_path, w, o->series_interval_ns, err);
        if (!ser) {
            if (tr)
                tracer_abort(tr, w);
            world_free(w);
            scenario_free(&sc);
            return -1;
        }
    }
    batches *bat = batches_new(w);
    double t0 = runner_now();
    ev_stop stop;
    if (ser || bat) {
        /* in slices of simulated time ending at the interval and batch
         * boundaries: ev_run stops before the first event after a slice's
         * end (only while events are pending: an empty queue stops it
         * first), so the events and their order are those of one
         * uninterrupted run */
        sim_time end = w->sim.end, next = ser ? w->sim.now + o->series_interval_ns : SIM_TIME_MAX;
        double end_s = (double)end / 1e9;
        for (;;) {
            sim_time cut = bat && batches_next(bat) < next ? batches_next(bat) : next;
            w->sim.end = cut < end ? cut : end;
            stop = world_run(w);
            if (stop != EV_STOP_TIME || w->sim.end >= end)
                break;
            if (ser && w->sim.end == next) {
                series_sample(ser, w);
                next += o->series_interval_ns;
            }
            if (bat && w->sim.end == batches_next(bat))
                batches_sample(bat, w);
            if (o && o->progress)
                o->progress(o->progress_ctx, (double)w->sim.now / 1e9, end_s);
        }
        w->sim.end = end;
        if (ser)
            series_sample(ser, w); /* the last (maybe shorter) interval */
    } else if (o && o->progress) {
        /* in slices of a million events: ev_run stops at a slice's event
         * budget without touching the clock, so the events, their order and
         * the final time are those of one uninterrupted run. A zero-time
         * loop is caught here, across slices, as world_run catches it. */
        uint64_t budget = w->sim.budget, slice = (uint64_t)1 << 20, stuck = 0;
        double end_s = (double)w->sim.end / 1e9;
        for (;;) {
            sim_time t_before = w->sim.now;
            uint64_t p_before = w->sim.processed, stop_at = p_before + slice;
            w->sim.budget = budget && budget < stop_at ? budget : stop_at;
            stop = world_run(w);
            w->sim.budget = budget;
            o->progress(o->progress_ctx, (double)w->sim.now / 1e9, end_s);
            if (stop != EV_STOP_BUDGET || (budget && w->sim.processed >= budget) ||
                w->sim.processed == p_before)
                break;
            stuck = w->sim.now == t_before ? stuck + (w->sim.processed - p_before) : 0;
            if (stuck >= EV_MAX_SAME_TIME) {
                stop = EV_STOP_STUCK;
                break;
            }
        }
    } else {
        stop = world_run(w);
    }
    double wall = runner_now() - t0;
    world_finish(w);
    if (ser && (stop == EV_STOP_STUCK ? (series_abort(ser), 0) : series_close(ser, err))) {
        if (tr)
            tracer_abort(tr, w);
        batches_free(bat);
        world_free(w);
        scenario_free(&sc);
        return -1;
    }
    if (stop == EV_STOP_STUCK) {
        err_internal(err, "%s: the model fired %llu events in a row at %.9f s without time "
                          "advancing (a zero-time loop); please report this scenario",
                     file, (unsigned long long)EV_MAX_SAME_TIME, (double)w->sim.now / 1e9);
        if (tr)
            tracer_abort(tr, w);
        batches_free(bat);
        world_free(w);
        scenario_free(&sc);
        return -1;
    }
    uint64_t dropped = 0;
    sim_time first = 0;
    if (tr && tracer_close(tr, w, &dropped, &first, err)) {
        batches_free(bat);
        world_free(w);
        scenario_free(&sc);
        return -1;
    }
    if (tr && o->trace_info) {
        o->trace_info->dropped = dropped;
        o->trace_info->dropped_from_s = (double)first / 1e9;
    }
    report_meta m = {o ? o->command_line : NULL, file, wall, report_stop_name(stop)};
    *results = report_build(w, &m);
    if (bat)
        batches_report(bat, w, *results);
    world_free(w);
    scenario_free(&sc);
    return 0;
}
