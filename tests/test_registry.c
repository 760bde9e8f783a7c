/* The "how to add a lock, a scheduler, a workload" recipes of
 * docs/architecture.md, kept true: this file adds a trivial variant of each
 * family through its registry alone (vreg_add; in the source tree that is
 * the one registry line), loads a scenario that names them, and runs it.
 * Nothing else in vmsim knows these variants: the loader validates their
 * parameters from their tables, rejects their keys under other variants, and
 * the model runs them through the ops tables. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/scenario.h"
#include "models/guest.h"
#include "models/host/hv.h"
#include "models/locks/lock.h"
#include "models/run.h"
#include "models/vcpu.h"
#include "models/workloads/wl.h"
#include "tests/check_main.h"

/* --- a lock: FIFO, a fixed handoff cost ----------------------------------- */

typedef struct fifo_params {
    double handoff_ns; /* cost of every handoff */
} fifo_params;
VP_FITS(fifo_params);

static const vparam fifo_tab[] = {
    {.key = "handoff_ns", .type = VP_NUM, .def = 100, .lo = 0, .hi = 1e9, .unit = "ns",
     .doc = "cost of every handoff", .off = offsetof(fifo_params, handoff_ns)},
};

static void fifo_acquire(world *w, lock *l, task *t) { lock_fifo_acquire(w, l, t, TASK_SPIN_INF); }

static void fifo_release(world *w, lock *l, task *by)
{
    (void)by;
    task *next = lock_q_pop(l);
    if (next)
        lock_grant(w, l, next, (sim_time)VP_OF(fifo_params, &l->cfg.par)->handoff_ns);
}

static const lock_ops fifo_ops = {.acquire = fifo_acquire, .release = fifo_release};

static const variant test_lock = {
    .name = "test-fifo",
    .summary = "FIFO lock with a fixed handoff cost (tests/test_registry.c)",
    .ops = &fifo_ops,
    .params = fifo_tab,
    .nparams = 1,
    .size = sizeof(fifo_params),
};

/* --- a host scheduler: vCPU i on pCPU i mod n, FIFO, never preempts -------- */

static void fh_init(world *w) { (void)w; }

static void fh_wake(world *w, vcpu *vc)
{
    pcpu *pc = &w->pcpus[vc->gid % w->npcpus];
    if (!pc->cur) {
        hv_run_on(w, pc, vc, 1);
        return;
    }
    hv_make_runnable(w, vc);
    hq_push(pc, vc);
}

static void fh_block(world *w, vcpu *vc)
{
    pcpu *pc = vc->pc;
    hv_sched_out(w, vc, VH_HALTED);
    vcpu *next = hq_pop(pc);
    if (next)
        hv_run_on(w, pc, next, 0);
}

static int fh_yield_to(world *w, vcpu *self, vcpu *target)
{
    (void)w;
    (void)self;
    (void)target;
    return 0;
}

static void fh_destroy(world *w) { (void)w; }

static const hv_ops fh_ops = {
    .init = fh_init, .wake = fh_wake, .block = fh_block, .yield_to = fh_yield_to, .destroy = fh_destroy,
};

static const variant test_sched = {
    .name = "test-fifo-host",
    .summary = "vCPU i on pCPU i mod n, FIFO, no preemption (tests/test_registry.c)",
    .ops = &fh_ops,
};

/* --- a workload: every task computes, takes the lock, computes, releases -- */

typedef struct loop_params {
    int64_t work;    /* ns outside the lock */
    int64_t inside;  /* ns inside */
} loop_params;
VP_FITS(loop_params);

static const vparam loop_tab[] = {
    {.key = "work_ns", .type = VP_INT, .def = 5000, .lo = 1, .hi = 1e9, .unit = "ns",
     .doc = "computation outside the lock", .off = offsetof(loop_params, work)},
    {.key = "inside_ns", .type = VP_INT, .def = 1000, .lo = 0, .hi = 1e9, .unit = "ns",
     .doc = "computation inside the lock", .off = offsetof(loop_params, inside)},
};

static void loop_start(world *w, vm *v)
{
    guest_lock_new(w, v, "L", 1);
    for (int i = 0; i < v->nvcpus; i++) {
        task *t = task_new(w, v);
        t->vc = &v->vcpus[i];
        guest_wake_task(w, t);
    }
}

static void loop_step(world *w, task *t)
{
    const loop_params *p = VP_OF(loop_params, &t->vm->cfg.wl.par);
    switch (t->phase++ % 4) {
    case 0: task_compute(w, t, p->work); break;
    case 1: task_lock(w, t, t->vm->locks[0]); break;
    case 2: task_compute(w, t, p->inside); break;
    default:
        task_unlock(w, t, t->vm->locks[0]);
        if (world_measuring(w))
            t->vm->ops++;
    }
}

static const wl_ops loop_ops = {.start = loop_start, .step = loop_step};

static const variant test_wl = {
    .name = "test-loop",
    .summary = "compute, lock, compute, unlock (tests/test_registry.c)",
    .ops = &loop_ops,
    .params = loop_tab,
    .nparams = 2,
    .size = sizeof(loop_params),
};

/* --------------------------------------------------------------------------- */

static void add_variants(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    ck_assert_int_eq(vreg_add(&lock_registry, &test_lock), 0);
    ck_assert_int_eq(vreg_add(&hv_registry, &test_sched), 0);
    ck_assert_int_eq(vreg_add(&wl_registry, &test_wl), 0);
}

/* Loads the scenario text with sets applied; 0 or -1 with err filled. */
static int load(const char *const *sets, int nsets, scenario *sc, vs_err *err)
{
    static const char text[] =
        "{\"duration_s\": 0.01, \"host\": {\"sockets\": 1, \"cores_per_socket\": 4},"
        " \"hypervisor\": {\"scheduler\": \"test-fifo-host\"}, \"vms\": {\"count\": 2, \"vcpus\": 2},"
        " \"guest\": {\"lock\": {\"algorithm\": \"test-fifo\", \"handoff_ns\": 250}},"
        " \"workload\": {\"type\": \"test-loop\", \"work_ns\": 4000}}"; /* one vCPU per pCPU: this host never preempts */
    json_t *doc = json_loads(text, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    for (int i = 0; i < nsets; i++)
        if (sc_apply_set(doc, sets[i], err)) {
            json_decref(doc);
            return -1;
        }
    int rc = sc_load_doc(doc, "registry.json", sc, err);
    json_decref(doc);
    return rc;
}

START_TEST(test_added_variants_run)
{
    add_variants();
    scenario sc;
    vs_err err = {0};
    ck_assert_msg(load(NULL, 0, &sc, &err) == 0, "%s", err.msg);
    ck_assert_ptr_eq(sc.hv.sched, &test_sched);
    ck_assert_ptr_eq(sc.vms[0].lock.algo, &test_lock);
    ck_assert_ptr_eq(sc.vms[0].wl.type, &test_wl);
    ck_assert_double_eq(variant_get(&test_lock, &sc.vms[0].lock.par, "handoff_ns"), 250);
    ck_assert_double_eq(variant_get(&test_wl, &sc.vms[0].wl.par, "work_ns"), 4000);
    ck_assert_double_eq(variant_get(&test_wl, &sc.vms[0].wl.par, "inside_ns"), 1000); /* default */
    world *w = world_new(&sc);
    world_run(w);
    world_finish(w);
    for (int i = 0; i < w->nvms; i++) {
        ck_assert_msg(w->vms[i].ops > 0, "VM %d did no operation", i);
        ck_assert_msg(w->vms[i].locks[0]->acquisitions > 0, "VM %d took no lock", i);
        ck_assert_msg(w->vms[i].locks[0]->wait.max > 0, "VM %d: its two tasks never waited", i);
    }
    world_free(w);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_added_variants_validated)
{
    add_variants();
    static const struct {
        const char *set, *want;
    } cases[] = {
        /* their parameters are checked from their tables */
        {"guest.lock.handoff_ns=-1", "guest.lock.handoff_ns: expected a number in [0, 1e+09], found -1"},
        {"workload.work_ns=0", "workload.work_ns: expected an integer in [1, 1000000000], found 0"},
        /* their keys are errors under other variants, and others' under them */
        {"guest.lock.algorithm=ticket",
         "guest.lock.handoff_ns: not a parameter of lock algorithm \"ticket\" (guest.lock.algorithm); "
         "it applies to \"test-fifo\""},
        {"guest.lock.spin_threshold=10", "guest.lock.spin_threshold: not a parameter of lock algorithm "
                                         "\"test-fifo\""},
        {"hypervisor.tick_ns=1000", "hypervisor.tick_ns: not a parameter of host scheduler \"test-fifo-host\""},
        {"workload.inside_nz=3", "workload.inside_nz: unknown key (did you mean \"inside_ns\"?)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario sc;
        vs_err err = {0};
        const char *sets[] = {cases[i].set};
        ck_assert_msg(load(sets, 1, &sc, &err) != 0, "%s: accepted", cases[i].set);
        ck_assert_msg(strstr(err.msg, cases[i].want), "%s:\n  message: %s\n  missing: %s", cases[i].set,
                      err.msg, cases[i].want);
    }
}
END_TEST

START_TEST(test_registry_shape)
{
    /* every built-in variant: keys distinct, defaults in range, fits its blob */
    const vregistry *regs[] = {&lock_registry, &hv_registry, &wl_registry};
    for (int r = 0; r < 3; r++)
        for (int i = 0; regs[r]->v[i]; i++) {
            const variant *v = regs[r]->v[i];
            ck_assert_msg(v->name && v->summary && v->ops, "%s %d incomplete", regs[r]->family, i);
            ck_assert_msg(v->size <= VP_BYTES, "%s: parameters too large", v->name);
            ck_assert_int_eq(vreg_find(regs[r], v->name) == v, 1);
            for (int k = 0; k < v->nparams; k++) {
                const vparam *q = &v->params[k];
                ck_assert_msg(q->doc && q->doc[0], "%s.%s: no doc line", v->name, q->key);
                ck_assert_msg(variant_param(v, q->key) == q, "%s.%s: key twice", v->name, q->key);
                if ((q->type == VP_INT || q->type == VP_INTV || q->type == VP_NUM) && !q->required &&
                    q->def != 0) /* 0 may mean "derived" (replay jobs) */
                    ck_assert_msg(q->def >= q->lo && q->def <= q->hi, "%s.%s: default %g outside [%g, %g]",
                                  v->name, q->key, q->def, q->lo, q->hi);
            }
        }
    ck_assert_int_eq(vreg_add(&lock_registry, lock_registry.v[0]), -1); /* a name twice */
}
END_TEST

/* --- docs/scenario-format.md documents every table key -------------------- */

/* The text of docs/scenario-format.md from the line starting with `from`
 * to the next line starting with `to` (malloc'd). */
static char *doc_section(const char *from, const char *to)
{
    const char *src = getenv("VMSIM_SRC");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/scenario-format.md", src && *src ? src : ".");
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot read %s", path);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *a = strstr(text, from);
    ck_assert_msg(a != NULL, "%s: no section %s", path, from);
    char *b = strstr(a + strlen(from), to);
    size_t len = b ? (size_t)(b - a) : strlen(a);
    char *out = malloc(len + 1);
    memcpy(out, a, len);
    out[len] = 0;
    return out;
}

/* Every key of every variant of r appears in the section as "`key`" (a
 * table row "| `key` |" where `row`). */
static void check_documented(const vregistry *r, const variant *extra, const char *from, const char *to,
                             int row)
{
    char *sec = doc_section(from, to);
    for (int i = 0; r->v[i] || extra; i++) {
        const variant *v = r->v[i] ? r->v[i] : extra;
        if (!r->v[i])
            extra = NULL;
        if (strstr(v->summary, "tests/test_registry.c"))
            continue; /* this file's own variants */
        char want[128];
        snprintf(want, sizeof want, "\"%s\"", v->name);
        ck_assert_msg(v == extra || !r->v[i] || strstr(sec, want) || !strcmp(v->name, "ple"),
                      "docs/scenario-format.md %s: %s %s is not named", from, r->family, v->name);
        for (int k = 0; k < v->nparams; k++) {
            snprintf(want, sizeof want, row ? "| `%s` |" : "`%s`", v->params[k].key);
            ck_assert_msg(strstr(sec, want) != NULL, "docs/scenario-format.md %s: %s %s's key %s is not documented",
                          from, r->family, v->name, v->params[k].key);
        }
    }
    free(sec);
}

START_TEST(test_docs_cover_tables)
{
    check_documented(&hv_registry, &vcpu_ple_variant, "## hypervisor", "\n## vms", 1);
    check_documented(&hv_registry, &vcpu_kvm_variant, "## hypervisor", "\n## vms", 1);
    check_documented(&lock_registry, NULL, "### guest.lock", "\n## workload", 1);
    check_documented(&wl_registry, NULL, "## workload", "\n## Distributions", 0);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("variants");
    tcase_add_test(tc, test_added_variants_run);
    tcase_add_test(tc, test_added_variants_validated);
    tcase_add_test(tc, test_registry_shape);
    tcase_add_test(tc, test_docs_cover_tables);
    suite_add_tcase(s, tc);
    return s;
}
