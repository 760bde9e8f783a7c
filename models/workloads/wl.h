/* wl.h - workloads: what the guest tasks of a VM do.
 *
 * A workload creates its tasks and locks at start and advances a task one
 * step at a time: each step calls exactly one of task_compute, task_lock,
 * task_unlock, task_block or task_exit (models/guest.h) - or none, to be
 * stepped again at once. Variants register in wl_registry[]. */
#ifndef VMSIM_WL_H
#define VMSIM_WL_H

#include "models/world.h"

typedef struct wl_ops {
    const char *name;
    /* Creates tasks and locks of VM v and makes the initial tasks runnable. */
    void (*start)(world *w, vm *v);
    /* Next step of task t. */
    void (*step)(world *w, task *t);
    /* Frees v->wl_state (may be NULL). */
    void (*destroy)(world *w, vm *v);
} wl_ops;

extern const wl_ops *const wl_registry[WL_NKINDS];
/* Name of a workload kind. */
const char *wl_kind_name(wl_kind k);

#endif
