/* wl.h - workloads: what the guest tasks of a VM do.
 *
 * A workload creates its tasks and locks at start and advances a task one
 * step at a time: each step calls exactly one of task_compute, task_lock,
 * task_unlock, task_block or task_exit (models/guest.h) - or none, to be
 * stepped again at once. Variants register in wl_registry (wl.c) in the
 * shape of models/variant.h; a workload's parameter table lists its scalar
 * and distribution keys (stored in wl_cfg.par) and, as VP_CUSTOM, the
 * structured keys the loader parses into wl_cfg itself (script tasks,
 * kernel lock classes, replay's log). Its `check` receives the whole
 * wl_cfg. Includes: the guest (and below). */
#ifndef VMSIM_WL_H
#define VMSIM_WL_H

#include "models/variant.h"
#include "models/world.h"

/* What a workload reports beyond vm->ops (operations) for the results. */
typedef struct wl_metrics {
    int builds;                 /* 1: vm->work counts builds (throughput in builds per hour) */
    int has_makespans;          /* 1: the workload measures whole-build makespans */
    int nmakespans;             /* builds begun after warm-up and finished */
    const sim_time *makespans;  /* their makespans, ns, in order (owned by the workload) */
} wl_metrics;

typedef struct wl_ops {
    /* Creates tasks and locks of VM v and makes the initial tasks runnable. */
    void (*start)(world *w, vm *v);
    /* Next step of task t. */
    void (*step)(world *w, task *t);
    /* Frees v->wl_state (may be NULL). */
    void (*destroy)(world *w, vm *v);
    /* Fills *m (zeroed by the caller) for the results (may be NULL: only
     * operations). */
    void (*report)(const vm *v, wl_metrics *m);
    /* 1: k bare-metal "VMs" of this workload may run as k tenants of one OS
     * (its `instances` parameter is multiplied), see models/run.c. */
    int tenants;
} wl_ops;

/* The workloads vmsim knows. */
extern vregistry wl_registry;
/* The ops of a VM's workload. */
static inline const wl_ops *wl_of_cfg(const wl_cfg *c) { return (const wl_ops *)c->type->ops; }
static inline const wl_ops *wl_of(const vm *v) { return wl_of_cfg(&v->cfg.wl); }
/* Fills *m for VM v (zeroes it first). Can't fail. */
void wl_report(const vm *v, wl_metrics *m);

#endif
