/* observe.h - a hook for watching a run: the timeline tracer and tests
 * subscribe here; the model never depends on who listens.
 *
 * The model calls obs_emit at every change a viewer may care about. With no
 * observer installed the cost is one predictable branch. Observers must not
 * change the model (they may read anything). */
#ifndef VMSIM_OBSERVE_H
#define VMSIM_OBSERVE_H

#include "models/world.h"

typedef enum obs_kind {
    OBS_VCPU_IN,     /* vc scheduled in on pcpu */
    OBS_VCPU_OUT,    /* vc descheduled (vc->hs says to what) */
    OBS_TASK_IN,     /* t became vc's current task */
    OBS_TASK_OUT,    /* t left vc (switched out, blocked or exited) */
    OBS_ACT,         /* t's activity changed (t->act) */
    OBS_WAIT,        /* t started waiting for l */
    OBS_ACQUIRE,     /* t acquired l */
    OBS_RELEASE,     /* t released l */
    OBS_GRANT,       /* l handed to waiter t (from `other`, the releaser) */
    OBS_HALT,        /* t halted its vCPU waiting for l (pv) */
    OBS_KICK,        /* `other` kicked waiter t of l */
    OBS_PLE_EXIT,    /* vc exited on PLE while t spins on l */
    OBS_YIELD,       /* vc yielded to other_vc (directed yield) */
    OBS_NKINDS
} obs_kind;

typedef struct obs_event {
    obs_kind kind;
    vcpu *vc;        /* the vCPU concerned (may be NULL) */
    task *t;         /* the task concerned (may be NULL) */
    lock *l;         /* the lock concerned (may be NULL) */
    task *other;     /* second task (releaser, kicker) */
    vcpu *other_vc;  /* second vCPU (yield target) */
} obs_event;

typedef void (*obs_fn)(world *w, const obs_event *e, void *ctx);

static inline void obs_emit(world *w, obs_kind k, vcpu *vc, task *t, lock *l, task *other,
                            vcpu *other_vc)
{
    if (w->obs) {
        obs_event e = {k, vc, t, l, other, other_vc};
        w->obs(w, &e, w->obs_ctx);
    }
}

#endif
