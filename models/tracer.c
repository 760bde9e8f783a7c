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

struct tracer {
    trace *t;
    seg *vseg;       /* per global vCPU */
    seg *pseg;       /* per pCPU */
};

/* The state label of a vCPU right now. */
static void tr_label(const vcpu *vc, char *name, size_t n, const char **cat)
{
    const task *t = vc->cur;
    const char *ln = t && t->wlock ? t->wlock->name : t && t->nheld ? t->held[0]->name : "";
    switch (vc->hs) {
    case VH_HALTED:
        *cat = "halted";
        if (t && t->pv_halted)
            snprintf(name, n, "halted (pv wait on %s)", ln);
        else
            snprintf(name, n, "halted (idle)");
        return;
    case VH_RUNNABLE:
        *cat = "preempted";
        if (t && t->nheld)
            snprintf(name, n, "PREEMPTED HOLDING %s", t->held[0]->name);
        else if (t && t->act == TA_ACQ)
            snprintf(name, n, "PREEMPTED, %s HANDED TO IT", ln);
        else if (t && t->act == TA_SPIN)
            snprintf(name, n, "preempted waiting for %s", ln);
        else
            snprintf(name, n, "preempted");
        return;
    case VH_RUNNING:
        break;
    }
    *cat = "running";
    if (!t) {
        snprintf(name, n, "idle");
    } else if (t->act == TA_SPIN) {
        *cat = "spinning";
        snprintf(name, n, "spinning on %s", ln);
    } else if (t->act == TA_ACQ) {
        *cat = "spinning";
        snprintf(name, n, "taking %s", ln);
    } else if (t->nheld) {
        *cat = "holding";
        snprintf(name, n, "holding %s", t->held[0]->name);
    } else {
        snprintf(name, n, "running task %d", t->id);
    }
}

static void tr_vcpu(tracer *tr, world *w, vcpu *vc)
{
    char name[96];
    const char *cat;
    tr_label(vc, name, sizeof name, &cat);
    seg *s = &tr->vseg[vc->gid];
    if (!strcmp(name, s->name))
        return;
    if (s->name[0] && w->sim.now > s->since)
        trace_slice(tr->t, vc->vm->id + 1, vc->id, s->name, s->cat, s->since, w->sim.now, NULL);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->cat, sizeof s->cat, "%s", cat);
    s->since = w->sim.now;
}

static void tr_pcpu(tracer *tr, world *w, int p)
{
    pcpu *pc = &w->pcpus[p];
    char name[96] = "";
    if (pc->cur)
        snprintf(name, sizeof name, "%s/vcpu%d", pc->cur->vm->cfg.name, pc->cur->id);
    seg *s = &tr->pseg[p];
    if (!strcmp(name, s->name))
        return;
    if (s->name[0] && w->sim.now > s->since)
        trace_slice(tr->t, 0, p, s->name, "pcpu", s->since, w->sim.now, NULL);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->cat, sizeof s->cat, "pcpu");
    s->since = w->sim.now;
}

static void tr_instant(tracer *tr, world *w, vcpu *vc, const char *fmt, const char *a, int b)
{
    char name[128];
    snprintf(name, sizeof name, fmt, a, b);
    trace_instant(tr->t, vc->vm->id + 1, vc->id, name, "event", w->sim.now, NULL);
}

static void tr_observe(world *w, const obs_event *e, void *ctx)
{
    tracer *tr = ctx;
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
    if (e->kind == OBS_VCPU_IN || e->kind == OBS_VCPU_OUT)
        for (int p = 0; p < w->npcpus; p++) /* the pCPU it left or joined */
            tr_pcpu(tr, w, p);
}

tracer *tracer_attach(world *w, const char *path, sim_time from, sim_time to, vs_err *err)
{
    trace *t = trace_open(path, from, to, err);
    if (!t)
        return NULL;
    tracer *tr = vs_xcalloc(1, sizeof(tracer));
    tr->t = t;
    tr->vseg = vs_xcalloc((size_t)w->nvcpus, sizeof(seg));
    tr->pseg = vs_xcalloc((size_t)w->npcpus, sizeof(seg));
    trace_process(t, 0, "host", 0);
    for (int p = 0; p < w->npcpus; p++) {
        char n[64];
        snprintf(n, sizeof n, "pCPU %d (socket %d)", p, w->pcpus[p].socket);
        trace_thread(t, 0, p, n, p);
    }
    for (int i = 0; i < w->nvms; i++) {
        char n[96];
        snprintf(n, sizeof n, "VM %s (%s)", w->vms[i].cfg.name, w->vms[i].cfg.lock.algo->name);
        trace_process(t, i + 1, n, i + 1);
        for (int k = 0; k < w->vms[i].nvcpus; k++) {
            snprintf(n, sizeof n, "vcpu%d", k);
            trace_thread(t, i + 1, k, n, k);
        }
    }
    w->obs = tr_observe;
    w->obs_ctx = tr;
    for (int g = 0; g < w->nvcpus; g++)
        tr_vcpu(tr, w, w->all_vcpus[g]);
    return tr;
}

static void tr_flush(tracer *tr, world *w)
{
    for (int g = 0; g < w->nvcpus; g++) {
        seg *s = &tr->vseg[g];
        vcpu *vc = w->all_vcpus[g];
        if (s->name[0] && w->sim.now > s->since)
            trace_slice(tr->t, vc->vm->id + 1, vc->id, s->name, s->cat, s->since, w->sim.now, NULL);
    }
    for (int p = 0; p < w->npcpus; p++) {
        seg *s = &tr->pseg[p];
        if (s->name[0] && w->sim.now > s->since)
            trace_slice(tr->t, 0, p, s->name, s->cat, s->since, w->sim.now, NULL);
    }
}

static void tr_free(tracer *tr, world *w)
{
    w->obs = NULL;
    w->obs_ctx = NULL;
    free(tr->vseg);
    free(tr->pseg);
    free(tr);
}

int tracer_close(tracer *tr, world *w, vs_err *err)
{
    tr_flush(tr, w);
    int rc = trace_close(tr->t, err);
    tr_free(tr, w);
    return rc;
}

void tracer_abort(tracer *tr, world *w)
{
    trace_abort(tr->t);
    tr_free(tr, w);
}
