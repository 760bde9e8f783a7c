#include "models/tracer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/locks/lock.h"
#include "models/observe.h"
#include "sim/mem.h"
#include "sim/trace.h"

typedef struct seg {
    char name[96];   /* label of the open slice ("" = none) */
    char cat[16];    /* its category */
    sim_time since;  /* when it began */
} seg;

/* What a vCPU's label is made of (tr_label): kept cheaply for every vCPU
 * before the window opens, so that the window starts with the right
 * states without formatting anything before it. */
typedef struct snap {
    vcpu_hstate hs;
    const task *t;      /* current task (NULL: guest idle) */
    const lock *wl;     /* the lock it waits for */
    const lock *held;   /* the first lock it holds (NULL: none) */
    int pv_halted, act, id;
} snap;

/* Phases of a tracer: before the window (snapshots only), inside it
 * (slices and instants), after it (detached: no work at all). */
enum { TR_BEFORE, TR_IN, TR_DONE };

struct tracer {
    trace *t;
    sim_time from, to;  /* the window [from, to) */
    int phase;          /* TR_BEFORE, TR_IN, TR_DONE */
    int npcpus;         /* for the track ids */
    seg *vseg;          /* per global vCPU */
    seg *pseg;          /* per pCPU */
    snap *vsnap;        /* per global vCPU: its state at its last observation */
    const vcpu **pcur;  /* per pCPU: its vCPU at its last change */
};

/* Track ids, unique over the whole trace and starting at 1, as Perfetto
 * wants them (it keys threads by tid alone, and pid/tid 0 are the idle
 * task's): process 1 is the host, process 2 + i VM i; thread 1 + p is
 * pCPU p, thread 1 + npcpus + g the vCPU of global index g. */
#define TR_HOST_PID 1
#define TR_VM_PID(i) (2 + (i))
#define TR_PCPU_TID(p) (1 + (p))
#define TR_VCPU_TID(tr, vc) (1 + (tr)->npcpus + (vc)->gid)

static void tr_snap(const vcpu *vc, snap *s)
{
    const task *t = vc->cur;
    *s = (snap){vc->hs, t, t ? t->wlock : NULL, t && t->nheld ? t->held[0] : NULL,
                t ? t->pv_halted : 0, t ? (int)t->act : 0, t ? t->id : 0};
}

/* The state label of a vCPU in state s. */
static void tr_label(const snap *s, char *name, size_t n, const char **cat)
{
    const char *ln = s->wl ? s->wl->name : s->held ? s->held->name : "";
    switch (s->hs) {
    case VH_HALTED:
        *cat = "halted";
        if (s->t && s->pv_halted)
            snprintf(name, n, "halted (pv wait on %s)", ln);
        else
            snprintf(name, n, "halted (idle)");
        return;
    case VH_RUNNABLE:
        *cat = "preempted";
        if (s->held)
            snprintf(name, n, "PREEMPTED HOLDING %s", s->held->name);
        else if (s->t && s->act == TA_ACQ)
            snprintf(name, n, "PREEMPTED, %s HANDED TO IT", ln);
        else if (s->t && s->act == TA_SPIN)
            snprintf(name, n, "preempted waiting for %s", ln);
        else
            snprintf(name, n, "preempted");
        return;
    case VH_RUNNING:
        break;
    }
    *cat = "running";
    if (!s->t) {
        snprintf(name, n, "idle");
    } else if (s->act == TA_SPIN) {
        *cat = "spinning";
        snprintf(name, n, "spinning on %s", ln);
    } else if (s->act == TA_ACQ) {
        *cat = "spinning";
        snprintf(name, n, "taking %s", ln);
    } else if (s->held) {
        *cat = "holding";
        snprintf(name, n, "holding %s", s->held->name);
    } else {
        snprintf(name, n, "running task %d", s->id);
    }
}

/* Starts vCPU vc's slice in state s at time `at` (closing the open one). */
static void tr_vcpu_state(tracer *tr, const vcpu *vc, const snap *sn, sim_time at)
{
    char name[96];
    const char *cat;
    tr_label(sn, name, sizeof name, &cat);
    seg *s = &tr->vseg[vc->gid];
    if (!strcmp(name, s->name))
        return;
    if (s->name[0] && at > s->since)
        trace_slice(tr->t, TR_VM_PID(vc->vm->id), TR_VCPU_TID(tr, vc), s->name, s->cat, s->since,
                    at, NULL);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->cat, sizeof s->cat, "%s", cat);
    s->since = at;
}

static void tr_vcpu(tracer *tr, world *w, vcpu *vc)
{
    snap sn;
    tr_snap(vc, &sn);
    tr_vcpu_state(tr, vc, &sn, w->sim.now);
}

/* Starts pCPU p's slice showing vCPU cur (NULL: idle) at time `at`. */
static void tr_pcpu_state(tracer *tr, int p, const vcpu *cur, sim_time at)
{
    char name[96] = "";
    if (cur)
        snprintf(name, sizeof name, "%s/vcpu%d", cur->vm->cfg.name, cur->id);
    seg *s = &tr->pseg[p];
    if (!strcmp(name, s->name))
        return;
    if (s->name[0] && at > s->since)
        trace_slice(tr->t, TR_HOST_PID, TR_PCPU_TID(p), s->name, "pcpu", s->since, at, NULL);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->cat, sizeof s->cat, "pcpu");
    s->since = at;
}

/* The pCPU a VCPU_IN or VCPU_OUT of vc concerns: the one it joined, or
 * the one it last ran on (sched_out clears vc->pc after leaving it). pc->cur
 * changes nowhere else, so this is the only pCPU that can have changed. */
static int tr_pcpu_of(const vcpu *vc)
{
    return vc->pc ? vc->pc->id : vc->last_pcpu;
}

static void tr_instant(tracer *tr, world *w, vcpu *vc, const char *fmt, const char *a, int b)
{
    char name[128];
    snprintf(name, sizeof name, fmt, a, b);
    trace_instant(tr->t, TR_VM_PID(vc->vm->id), TR_VCPU_TID(tr, vc), name, "event", w->sim.now,
                  NULL);
}

/* Opens the window: every vCPU and pCPU starts its slice at `from` in
 * the state it had at its last observation before (the event being
 * observed now has not been applied to the snapshots yet). */
static void tr_open(tracer *tr, world *w)
{
    for (int g = 0; g < w->nvcpus; g++)
        tr_vcpu_state(tr, w->all_vcpus[g], &tr->vsnap[g], tr->from);
    for (int p = 0; p < w->npcpus; p++)
        tr_pcpu_state(tr, p, tr->pcur[p], tr->from);
    tr->phase = TR_IN;
}

static void tr_flush(tracer *tr, world *w);

/* The observer. Before the window it only keeps the snapshots of what the
 * event touched (a few stores: no formatting, no output); at the first
 * event in the window it opens it; at the first event at or after its end
 * it writes the open slices and detaches, so the rest of the run costs
 * nothing. Inside, each event updates the tracks it concerns. */
static void tr_observe(world *w, const obs_event *e, void *ctx)
{
    tracer *tr = ctx;
    if (w->sim.now < tr->from) {
        if (e->vc)
            tr_snap(e->vc, &tr->vsnap[e->vc->gid]);
        if (e->t && e->t->vc && e->t->vc != e->vc)
            tr_snap(e->t->vc, &tr->vsnap[e->t->vc->gid]);
        if (e->other && e->other->vc)
            tr_snap(e->other->vc, &tr->vsnap[e->other->vc->gid]);
        if ((e->kind == OBS_VCPU_IN || e->kind == OBS_VCPU_OUT) && tr_pcpu_of(e->vc) >= 0)
            tr->pcur[tr_pcpu_of(e->vc)] = w->pcpus[tr_pcpu_of(e->vc)].cur;
        return;
    }
    if (tr->phase == TR_BEFORE)
        tr_open(tr, w);
    if (w->sim.now >= tr->to) { /* the window is over: everything open ends here */
        tr_flush(tr, w);
        tr->phase = TR_DONE;
        w->obs = NULL;
        w->obs_ctx = NULL;
        return;
    }
    const char *ln = e->l ? e->l->name : "";
    switch (e->kind) {
    case OBS_KICK:
        tr_instant(tr, w, e->vc, "kick (%s) from task %d", ln, e->other ? e->other->id : -1);
        break;
    case OBS_PLE_EXIT:
        tr_instant(tr, w, e->vc, "PLE exit (spinning on %s)%.0d", ln, 0);
        break;
    case OBS_GRANT:
        tr_instant(tr, w, e->vc, "handoff of %s%.0d", ln, 0);
        break;
    case OBS_HALT:
        tr_instant(tr, w, e->vc, "halt (pv wait on %s)%.0d", ln, 0);
        break;
    case OBS_YIELD:
        if (e->other_vc)
            tr_instant(tr, w, e->vc, "directed yield to vcpu%.0s%d", "", e->other_vc->id);
        break;
    default:
        break;
    }
    if (e->vc)
        tr_vcpu(tr, w, e->vc);
    if (e->t && e->t->vc && e->t->vc != e->vc)
        tr_vcpu(tr, w, e->t->vc);
    if (e->other && e->other->vc)
        tr_vcpu(tr, w, e->other->vc);
    if ((e->kind == OBS_VCPU_IN || e->kind == OBS_VCPU_OUT) && tr_pcpu_of(e->vc) >= 0) {
        int p = tr_pcpu_of(e->vc); /* the pCPU it left or joined */
        tr_pcpu_state(tr, p, w->pcpus[p].cur, w->sim.now);
    }
}

tracer *tracer_attach(world *w, const char *path, sim_time from, sim_time to, vs_err *err)
{
    trace *t = trace_open(path, from, to, err);
    if (!t)
        return NULL;
    tracer *tr = vs_xcalloc(1, sizeof(tracer));
    tr->t = t;
    tr->from = from;
    tr->to = to;
    tr->npcpus = w->npcpus;
    tr->vseg = vs_xcalloc((size_t)w->nvcpus, sizeof(seg));
    tr->pseg = vs_xcalloc((size_t)w->npcpus, sizeof(seg));
    tr->vsnap = vs_xcalloc((size_t)w->nvcpus, sizeof(snap));
    tr->pcur = vs_xcalloc((size_t)w->npcpus, sizeof(vcpu *));
    trace_process(t, TR_HOST_PID, "host", 0);
    for (int p = 0; p < w->npcpus; p++) {
        char n[64];
        snprintf(n, sizeof n, "pCPU %d (socket %d)", p, w->pcpus[p].socket);
        trace_thread(t, TR_HOST_PID, TR_PCPU_TID(p), n, p);
        tr->pcur[p] = w->pcpus[p].cur;
    }
    for (int i = 0; i < w->nvms; i++) {
        char n[96];
        snprintf(n, sizeof n, "VM %s (%s)", w->vms[i].cfg.name, w->vms[i].cfg.lock.algo->name);
        trace_process(t, TR_VM_PID(i), n, i + 1);
        for (int k = 0; k < w->vms[i].nvcpus; k++) {
            snprintf(n, sizeof n, "vcpu%d", k);
            trace_thread(t, TR_VM_PID(i), TR_VCPU_TID(tr, &w->vms[i].vcpus[k]), n, k);
        }
    }
    for (int g = 0; g < w->nvcpus; g++)
        tr_snap(w->all_vcpus[g], &tr->vsnap[g]);
    w->obs = tr_observe;
    w->obs_ctx = tr;
    if (w->sim.now >= from) { /* the window opens at once */
        tr->from = w->sim.now;
        tr_open(tr, w);
        tr->from = from;
    }
    return tr;
}

void tracer_set_max_bytes(tracer *tr, uint64_t max_bytes)
{
    trace_set_max_bytes(tr->t, max_bytes);
}


/* Ends every open slice now (the writer clips them to the window). */
static void tr_flush(tracer *tr, world *w)
{
    for (int g = 0; g < w->nvcpus; g++) {
        seg *s = &tr->vseg[g];
        vcpu *vc = w->all_vcpus[g];
        if (s->name[0] && w->sim.now > s->since)
            trace_slice(tr->t, TR_VM_PID(vc->vm->id), TR_VCPU_TID(tr, vc), s->name, s->cat,
                        s->since, w->sim.now, NULL);
    }
    for (int p = 0; p < w->npcpus; p++) {
        seg *s = &tr->pseg[p];
        if (s->name[0] && w->sim.now > s->since)
            trace_slice(tr->t, TR_HOST_PID, TR_PCPU_TID(p), s->name, s->cat, s->since, w->sim.now,
                        NULL);
    }
}

static void tr_free(tracer *tr, world *w)
{
    if (w->obs_ctx == tr) {
        w->obs = NULL;
        w->obs_ctx = NULL;
    }
    free(tr->vseg);
    free(tr->pseg);
    free(tr->vsnap);
    free(tr->pcur);
    free(tr);
}

int tracer_close(tracer *tr, world *w, uint64_t *dropped, sim_time *first, vs_err *err)
{
    if (tr->phase == TR_BEFORE && w->sim.now >= tr->from)
        tr_open(tr, w); /* the window began after the last event */
    if (tr->phase == TR_IN)
        tr_flush(tr, w);
    sim_time f = 0;
    uint64_t d = trace_dropped(tr->t, &f);
    if (dropped)
        *dropped = d;
    if (first)
        *first = f;
    int rc = trace_close(tr->t, err);
    tr_free(tr, w);
    return rc;
}

void tracer_abort(tracer *tr, world *w)
{
    trace_abort(tr->t);
    tr_free(tr, w);
}
