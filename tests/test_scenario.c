/* The scenario loader: good documents load with the documented defaults and
 * values; bad ones fail with code 2 and a message naming the JSON path and
 * what was expected; --set overrides; host presets; reading files.
 * Documents are built in memory and validated as "test.json". */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/report.h"
#include "config/scenario.h"
#include "models/locks/lock.h"
#include "tests/check_main.h"
#include "tests/harness.h"
#include "models/run.h"
#include "models/host/hv.h"
#include "models/workloads/wl.h"

/* Parameters as the loader stored them (models/variant.h). */
#define HVP(sc, key) variant_get((sc).hv.sched, &(sc).hv.par, (key))
#define LKP(v, key) variant_get((v).lock.algo, &(v).lock.par, (key))
#define WLP(v, key) variant_get((v).wl.type, &(v).wl.par, (key))
/* A workload's distribution parameter. */
static const dist *wld(const vm_cfg *v, const char *key)
{
    const vparam *q = variant_param(v->wl.type, key);
    ck_assert_ptr_nonnull(q);
    return (const dist *)(const void *)(v->wl.par.b + q->off);
}

/* A valid scenario: 2 sockets x 4 cores, CFS, two VMs of 4 vCPUs, pv ticket. */
static const char BASE[] =
    "{\"seed\": 7, \"duration_s\": 0.1, \"warmup_s\": 0.01,"
    " \"host\": {\"sockets\": 2, \"cores_per_socket\": 4},"
    " \"hypervisor\": {\"scheduler\": \"cfs\"},"
    " \"vms\": {\"count\": 2, \"vcpus\": 4},"
    " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\"}},"
    " \"workload\": {\"type\": \"lockloop\","
    "   \"think\": {\"dist\": \"exp\", \"mean_ns\": 10000},"
    "   \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1000}}}";

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *d = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    ck_assert_msg(d != NULL, "test document does not parse: %s at %d:%d", je.text, je.line,
                  je.column);
    return d;
}

/* Applies the NULL-terminated overrides (each must apply) to `text` (BASE
 * when NULL) and validates; returns sc_load_doc's status. */
static int load_sets(const char *text, const char *const *sets, const char *file, scenario *sc,
                     vs_err *err)
{
    json_t *d = parse(text ? text : BASE);
    for (int i = 0; sets && sets[i]; i++) {
        vs_err e = {0};
        ck_assert_msg(sc_apply_set(d, sets[i], &e) == 0, "--set %s failed: %s", sets[i], e.msg);
    }
    memset(err, 0, sizeof *err);
    int rc = sc_load_doc(d, file, sc, err);
    json_decref(d);
    return rc;
}

/* Loads and requires success. */
static void load_ok(const char *text, const char *const *sets, scenario *sc)
{
    vs_err err;
    int rc = load_sets(text, sets, "test.json", sc, &err);
    ck_assert_msg(rc == 0, "expected a valid scenario, got: %s", err.msg);
}

#define SETS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- good documents -------------------------------------------------------- */

START_TEST(test_base_defaults)
{
    scenario sc;
    load_ok(NULL, NULL, &sc);
    ck_assert_str_eq(sc.name, "test.json"); /* no "name": the file's base name */
    ck_assert_uint_eq(sc.seed, 7);
    ck_assert_int_eq(sc.duration, 100 * SIM_MS);
    ck_assert_int_eq(sc.warmup, 10 * SIM_MS);
    ck_assert_uint_eq(sc.max_events, 0);
    /* host */
    const host_cfg *h = &sc.host;
    ck_assert_str_eq(h->name, "custom");
    ck_assert_int_eq(h->sockets, 2);
    ck_assert_int_eq(h->cores_per_socket, 4);
    ck_assert_int_eq(h->smt, 1);
    ck_assert_double_eq(h->ghz, 2.0);
    ck_assert_int_eq(h->cores, 0);
    ck_assert_int_eq(h->spread, 0); /* placement "fill" */
    ck_assert_int_eq(h->hops[0][0], 0);
    ck_assert_int_eq(h->hops[0][1], 1);
    ck_assert_int_eq(h->hops[1][0], 1);
    ck_assert_int_eq(h->hops[1][1], 0);
    double line[] = {15, 50, 150, 215}, mig[] = {0, 2000, 10000, 15000};
    for (int k = 0; k < DIST_NCLASS; k++) {
        ck_assert_double_eq(h->line_ns[k], line[k]);
        ck_assert_double_eq(h->migrate_ns[k], mig[k]);
    }
    ck_assert_double_eq(h->coherence_ns, 0);
    ck_assert_double_eq(h->pause_cycles, 10);
    ck_assert_double_eq(h->vmexit_ns, 400);
    ck_assert_double_eq(h->kick_ns, 1500);
    ck_assert_double_eq(h->ipi_ns, 1500);
    ck_assert_double_eq(h->wake_ns, 10000);
    ck_assert_double_eq(h->native_wake_ns, 1000);
    ck_assert_double_eq(h->ctx_switch_ns, 2000);
    /* hypervisor: CFS tunables times 1 + log2(min(8, 8)) = 4 */
    const hv_cfg *hv = &sc.hv;
    ck_assert_str_eq(hv->sched->name, "cfs");
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 24 * SIM_MS);
    ck_assert_int_eq((sim_time)HVP(sc, "min_granularity_ns"), 3 * SIM_MS);
    ck_assert_int_eq((sim_time)HVP(sc, "wakeup_granularity_ns"), 4 * SIM_MS);
    ck_assert_int_eq((sim_time)HVP(sc, "balance_ns"), 4 * SIM_MS);
    /* the other schedulers' defaults, from their tables */
    ck_assert_ptr_null(variant_param(hv->sched, "slice_ns"));
    ck_assert_double_eq(variant_param(vreg_find(&hv_registry, "pinned"), "slice_ns")->def, 30e6);
    ck_assert_double_eq(variant_param(vreg_find(&hv_registry, "credit"), "credit_slice_ns")->def, 30e6);
    ck_assert_double_eq(variant_param(vreg_find(&hv_registry, "credit"), "credit_tick_ns")->def, 10e6);
    ck_assert_double_eq(variant_param(vreg_find(&hv_registry, "credit"), "ratelimit_ns")->def, 1e6);
    ck_assert_int_eq(hv->ple, 1);
    ck_assert_double_eq(hv->ple_window, 4096);
    ck_assert_double_eq(hv->ple_grow, 2);
    ck_assert_double_eq(hv->ple_window_max, 1073741823.0);
    ck_assert_int_eq(hv->npin, 0);
    /* VMs */
    ck_assert_int_eq(sc.nvms, 2);
    for (int i = 0; i < 2; i++) {
        const vm_cfg *v = &sc.vms[i];
        char name[8];
        snprintf(name, sizeof name, "vm%d", i);
        ck_assert_str_eq(v->name, name);
        ck_assert_int_eq(v->vcpus, 4);
        ck_assert_ptr_eq(v->lock.algo, lock_find("pv-ticket"));
        ck_assert_double_eq(LKP(*v, "spin_threshold"), 32768);
        ck_assert_ptr_null(variant_param(v->lock.algo, "window")); /* oticket's only */
        ck_assert_ptr_null(variant_param(v->lock.algo, "kick_ahead"));
        ck_assert_int_eq(v->slice, 3 * SIM_MS);
        ck_assert_str_eq(v->wl.type->name, "lockloop");
        ck_assert_double_eq(WLP(*v, "threads"), 0);
        ck_assert_double_eq(WLP(*v, "kernel_lock"), 0);
        ck_assert_int_eq(wld(v, "think")->kind, DIST_EXP);
        ck_assert_double_eq(dist_mean(wld(v, "think")), 10000);
        ck_assert_double_eq(dist_mean(wld(v, "hold")), 1000);
    }
    scenario_free(&sc);
    ck_assert_ptr_null(sc.vms);
    ck_assert_int_eq(sc.nvms, 0);
}
END_TEST

START_TEST(test_cfs_scaling)
{
    /* factor 1 + floor(log2(min(ncpus, 8))), ncpus = the pCPUs in use */
    struct {
        const char *cores;
        int factor;
    } cases[] = {{"host.cores=1", 1}, {"host.cores=2", 2}, {"host.cores=3", 2},
                 {"host.cores=4", 3}, {"host.cores=7", 3}, {"host.cores=8", 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario sc;
        load_ok(NULL, SETS(cases[i].cores, "vms.count=1", "vms.vcpus=1"), &sc);
        ck_assert_msg((sim_time)HVP(sc, "sched_latency_ns") == 6 * SIM_MS * cases[i].factor, "%s: latency %lld, factor %d",
                      cases[i].cores, (long long)(sim_time)HVP(sc, "sched_latency_ns"), cases[i].factor);
        ck_assert_int_eq((sim_time)HVP(sc, "min_granularity_ns"), 750 * SIM_US * cases[i].factor);
        ck_assert_int_eq((sim_time)HVP(sc, "wakeup_granularity_ns"), 1 * SIM_MS * cases[i].factor);
        scenario_free(&sc);
    }
    /* 16 cores: capped at 8, factor 4 */
    scenario sc;
    load_ok(NULL, SETS("host.cores_per_socket=8"), &sc);
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 24 * SIM_MS);
    scenario_free(&sc);
    /* explicit values are scaled too, unless scale_with_cpus is false */
    load_ok(NULL, SETS("hypervisor.sched_latency_ns=10e6"), &sc);
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 40 * SIM_MS);
    scenario_free(&sc);
    load_ok(NULL, SETS("hypervisor.scale_with_cpus=false"), &sc);
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 6 * SIM_MS);
    ck_assert_int_eq((sim_time)HVP(sc, "min_granularity_ns"), 750 * SIM_US);
    ck_assert_int_eq((sim_time)HVP(sc, "wakeup_granularity_ns"), 1 * SIM_MS);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_vm_array_form)
{
    static const char doc[] =
        "{\"duration_s\": 1, \"host\": {\"sockets\": 1, \"cores_per_socket\": 8},"
        " \"hypervisor\": {\"scheduler\": \"cfs\"},"
        " \"guest\": {\"lock\": {\"algorithm\": \"pv-ticket\", \"spin_threshold\": 1000}},"
        " \"workload\": {\"type\": \"lockloop\", \"threads\": 4,"
        "   \"think\": {\"dist\": \"exp\", \"mean_ns\": 5000},"
        "   \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1000}},"
        " \"vms\": [{\"name\": \"web\", \"vcpus\": 2, \"_comment\": \"per-VM overrides\","
        "            \"guest\": {\"lock\": {\"algorithm\": \"oticket-window\"}, \"slice_ns\": 1000000}},"
        "          {\"vcpus\": \"host\", \"workload\": {\"hold\": {\"dist\": \"const\", "
            "\"mean_ns\": 500}}},"
        "          {}]}";
    scenario sc;
    load_ok(doc, NULL, &sc);
    ck_assert_int_eq(sc.nvms, 3);
    ck_assert_str_eq(sc.hv.sched->name, "cfs");
    ck_assert_str_eq(sc.vms[0].name, "web");
    ck_assert_int_eq(sc.vms[0].vcpus, 2);
    ck_assert_ptr_eq(sc.vms[0].lock.algo, lock_find("oticket-window"));
    ck_assert_double_eq(LKP(sc.vms[0], "spin_threshold"), 1000); /* merged from the shared guest */
    ck_assert_double_eq(LKP(sc.vms[0], "window"), 2);               /* oticket-window defaults */
    ck_assert_double_eq(LKP(sc.vms[0], "kick_ahead"), 1);
    ck_assert_int_eq(sc.vms[0].slice, 1 * SIM_MS);
    ck_assert_int_eq(wld(&sc.vms[0], "hold")->kind, DIST_EXP);
    ck_assert_str_eq(sc.vms[1].name, "vm1");
    ck_assert_int_eq(sc.vms[1].vcpus, 8); /* "host": one per pCPU */
    ck_assert_ptr_eq(sc.vms[1].lock.algo, lock_find("pv-ticket"));
    ck_assert_int_eq(wld(&sc.vms[1], "hold")->kind, DIST_CONST);
    ck_assert_double_eq(dist_mean(wld(&sc.vms[1], "hold")), 500);
    ck_assert_double_eq(dist_mean(wld(&sc.vms[1], "think")), 5000);
    ck_assert_double_eq(WLP(sc.vms[1], "threads"), 4);
    ck_assert_int_eq(sc.vms[2].vcpus, 8); /* vcpus absent: "host" */
    ck_assert_int_eq(sc.vms[2].slice, 3 * SIM_MS);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_count_form_vcpus_host)
{
    scenario sc;
    load_ok(NULL, SETS("vms.vcpus=host"), &sc);
    ck_assert_int_eq(sc.vms[0].vcpus, 8);
    scenario_free(&sc);
    load_ok(NULL, SETS("vms={}"), &sc); /* count 1, vcpus "host" */
    ck_assert_int_eq(sc.nvms, 1);
    ck_assert_int_eq(sc.vms[0].vcpus, 8);
    scenario_free(&sc);
    load_ok(NULL, SETS("host.cores=3", "vms={}"), &sc); /* "host" follows host.cores */
    ck_assert_int_eq(sc.vms[0].vcpus, 3);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_distributions)
{
    scenario sc;
    load_ok(NULL,
            SETS("workload.think={\"dist\": \"uniform\", \"min_ns\": 1000, \"max_ns\": 3000}",
                 "workload.hold={\"dist\": \"lognormal\", \"mean_ns\": 2000, \"cv\": 0.5}"),
            &sc);
    ck_assert_int_eq(wld(&sc.vms[0], "think")->kind, DIST_UNIFORM);
    ck_assert_double_eq(dist_mean(wld(&sc.vms[0], "think")), 2000);
    ck_assert_int_eq(wld(&sc.vms[0], "hold")->kind, DIST_LOGNORMAL);
    ck_assert_double_eq(dist_mean(wld(&sc.vms[0], "hold")), 2000);
    scenario_free(&sc);
    load_ok(NULL,
            SETS("workload.think={\"dist\": \"gamma\", \"mean_ns\": 4000, \"shape\": 2}",
                 "workload.hold={\"dist\": \"empirical\", \"values_ns\": [1000, 3000],"
                 " \"weights\": [3, 1], \"_source\": \"made up\"}"),
            &sc);
    ck_assert_int_eq(wld(&sc.vms[1], "think")->kind, DIST_GAMMA);
    ck_assert_double_eq(wld(&sc.vms[1], "think")->p1, 2);
    ck_assert_int_eq(wld(&sc.vms[1], "hold")->kind, DIST_EMPIRICAL);
    ck_assert_int_eq(wld(&sc.vms[1], "hold")->n, 2);
    ck_assert_double_eq_tol(dist_mean(wld(&sc.vms[1], "hold")), 1500, 1e-9);
    /* each VM owns its own copy of the arrays */
    ck_assert_ptr_ne(wld(&sc.vms[0], "hold")->values, wld(&sc.vms[1], "hold")->values);
    scenario_free(&sc);
    load_ok(NULL,
            SETS("workload.hold={\"dist\": \"empirical\", \"values_ns\": [0, 7]}",
                 "workload.think={\"dist\": \"const\", \"mean_ns\": 0}"),
            &sc);
    ck_assert_double_eq(dist_mean(wld(&sc.vms[0], "hold")), 3.5);
    ck_assert_int_eq(wld(&sc.vms[0], "think")->kind, DIST_CONST);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_misc_good)
{
    scenario sc;
    /* comments at every level, description, sweep, name, integers written as reals */
    static const char doc[] =
        "{\"_comment\": \"top\", \"name\": \"misc\", \"description\": \"d\", \"sweep\": {\"any\": "
            "1},"
        " \"seed\": 1e3, \"duration_s\": 2, \"max_events\": 1000000,"
        " \"host\": {\"_c\": 1, \"name\": \"box\", \"description\": \"x\", \"sockets\": 3,"
        "   \"cores_per_socket\": 2, \"smt\": 2, \"ghz\": 2.3, \"placement\": \"spread\","
        "   \"numa_hops\": [[0, 1, 2], [1, 0, 1], [2, 1, 0]],"
        "   \"costs\": {\"_c\": 1, \"line_two_hops_ns\": 300, \"coherence_ns\": 5}},"
        " \"hypervisor\": {\"_c\": 1, \"scheduler\": \"pinned\", \"pin\": [11, 10, 9],"
        "   \"ple\": {\"_c\": 1, \"enabled\": false, \"window_cycles\": 100}},"
        " \"vms\": {\"_c\": 1, \"vcpus\": 3},"
        " \"guest\": {\"_c\": 1, \"lock\": {\"_c\": 1, \"algorithm\": \"oticket-window\", \"window\": 0,"
        "   \"kick_ahead\": 4}},"
        " \"workload\": {\"_c\": 1, \"type\": \"lockloop\", \"threads\": 6.0, \"kernel_lock\": "
            "true,"
        "   \"think\": {\"_c\": 1, \"dist\": \"exp\", \"mean_ns\": 1},"
        "   \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1}}}";
    load_ok(doc, NULL, &sc);
    ck_assert_str_eq(sc.name, "misc");
    ck_assert_uint_eq(sc.seed, 1000);
    ck_assert_uint_eq(sc.max_events, 1000000);
    ck_assert_int_eq(sc.warmup, 0);
    ck_assert_str_eq(sc.host.name, "box");
    ck_assert_int_eq(sc.host.smt, 2);
    ck_assert_int_eq(sc.host.spread, 1);
    ck_assert_int_eq(sc.host.hops[0][2], 2);
    ck_assert_int_eq(sc.host.hops[2][1], 1);
    ck_assert_double_eq(sc.host.line_ns[DIST_TWO_HOPS], 300);
    ck_assert_double_eq(sc.host.line_ns[DIST_ONE_HOP], 150);
    ck_assert_double_eq(sc.host.coherence_ns, 5);
    ck_assert_str_eq(sc.hv.sched->name, "pinned");
    ck_assert_int_eq(sc.hv.npin, 3);
    ck_assert_int_eq(sc.hv.pin[0], 11);
    ck_assert_int_eq(sc.hv.pin[2], 9);
    ck_assert_int_eq(sc.hv.ple, 0);
    ck_assert_double_eq(sc.hv.ple_window, 100);
    ck_assert_int_eq(sc.nvms, 1);
    ck_assert_double_eq(LKP(sc.vms[0], "window"), 0);
    ck_assert_double_eq(LKP(sc.vms[0], "kick_ahead"), 4);
    ck_assert_double_eq(WLP(sc.vms[0], "threads"), 6);
    ck_assert_double_eq(WLP(sc.vms[0], "kernel_lock"), 1);
    scenario_free(&sc);

    /* bare metal: one VM, at most one vCPU per core */
    load_ok(NULL, SETS("hypervisor.scheduler=none", "vms.count=1", "vms.vcpus=host"), &sc);
    ck_assert_str_eq(sc.hv.sched->name, "none");
    ck_assert_int_eq(sc.vms[0].vcpus, 8);
    scenario_free(&sc);
    /* one pin row per VM */
    load_ok(NULL, SETS("hypervisor.scheduler=pinned",
        "hypervisor.pin=[[0, 1, 2, 3], [7, 6, 5, 4]]"), &sc);
    ck_assert_int_eq(sc.hv.pin_per_vm, 1);
    ck_assert_int_eq(sc.hv.npin, 8);
    ck_assert_int_eq(sc.hv.pin[4], 7);
    scenario_free(&sc);
    load_ok(NULL, SETS("hypervisor.scheduler=pinned", "hypervisor.pin=[3, 2, 1, 0]"), &sc);
    ck_assert_int_eq(sc.hv.pin_per_vm, 0);
    ck_assert_int_eq(sc.hv.npin, 4);
    ck_assert_int_eq(sc.hv.pin[0], 3);
    scenario_free(&sc);
    /* warm-up just below the duration */
    load_ok(NULL, SETS("warmup_s=0.0999"), &sc);
    ck_assert_int_eq(sc.warmup, 99900 * SIM_US);
    scenario_free(&sc);
}
END_TEST

START_TEST(test_script_workload)
{
    scenario sc;
    load_ok(NULL,
            SETS("workload={\"type\": \"script\","
                 " \"locks\": [{\"name\": \"a\", \"kernel\": false}, {\"name\": \"b\"}],"
                 " \"tasks\": [{\"vcpu\": 3, \"start_ns\": 500, \"repeat\": true, \"steps\": ["
                 "   {\"lock\": \"b\"}, {\"lock\": \"a\"}, {\"compute_ns\": 100},"
                 "   {\"unlock\": \"a\"}, {\"unlock\": \"b\"}, {\"sleep_ns\": 50}]},"
                 "   {\"steps\": [{\"compute_ns\": 7}]}]}"),
            &sc);
    const wl_cfg *wl = &sc.vms[1].wl;
    ck_assert_str_eq(wl->type->name, "script");
    ck_assert_int_eq(wl->nlocks, 2);
    ck_assert_str_eq(wl->lock_names[0], "a");
    ck_assert_str_eq(wl->lock_names[1], "b");
    ck_assert_int_eq(wl->lock_kernel[0], 0);
    ck_assert_int_eq(wl->lock_kernel[1], 1); /* "kernel" defaults to true */
    ck_assert_int_eq(wl->ntasks, 2);
    const script_task *t = &wl->tasks[0];
    ck_assert_int_eq(t->vcpu, 3);
    ck_assert_int_eq(t->start, 500);
    ck_assert_int_eq(t->repeat, 1);
    ck_assert_int_eq(t->nsteps, 6);
    ck_assert_int_eq(t->steps[0].op, SOP_LOCK);
    ck_assert_int_eq(t->steps[0].lock, 1);
    ck_assert_int_eq(t->steps[2].op, SOP_COMPUTE);
    ck_assert_int_eq(t->steps[2].ns, 100);
    ck_assert_int_eq(t->steps[3].op, SOP_UNLOCK);
    ck_assert_int_eq(t->steps[3].lock, 0);
    ck_assert_int_eq(t->steps[5].op, SOP_SLEEP);
    ck_assert_int_eq(t->steps[5].ns, 50);
    t = &wl->tasks[1];
    ck_assert_int_eq(t->vcpu, -1); /* any vCPU */
    ck_assert_int_eq(t->start, 0);
    ck_assert_int_eq(t->repeat, 0);
    ck_assert_ptr_ne(sc.vms[0].wl.tasks, sc.vms[1].wl.tasks);
    scenario_free(&sc);
}
END_TEST

/* ---- bad documents ----------------------------------------------------------- */

typedef struct bad_case {
    const char *doc;       /* NULL: BASE */
    const char *sets[4];   /* overrides applied first */
    const char *frags[3];  /* each must occur in the message */
} bad_case;

#define HOST8 "\"host\": {\"sockets\": 2, \"cores_per_socket\": 4}"
#define WL                                                                                 \
    "\"workload\": {\"type\": \"lockloop\", \"think\": {\"dist\": \"exp\", \"mean_ns\": 1},"      \
    " \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1}}"

static const bad_case bad[] = {
    /* unknown keys */
    {NULL, {"duraton_s=1"}, {"test.json: duraton_s: unknown key", "did you mean \"duration_s\""}},
    {NULL, {"workload.hodl.mean_ns=5"}, {"workload.hodl: unknown key", "did you mean \"hold\""}},
    {NULL, {"workload.zzzzzzzzzz=1"},
     {"workload.zzzzzzzzzz: unknown key", "known here: type, threads"}},
    {NULL, {"host.costs.kick_nss=1"},
     {"host.costs.kick_nss: unknown key", "did you mean \"kick_ns\""}},
    {NULL, {"gust.lock.algorithm=mcs"}, {"gust: unknown key", "did you mean \"guest\""}},
    {NULL, {"hypervisor.ple.enable=false"}, {"hypervisor.ple.enable: unknown key", "\"enabled\""}},
    {NULL, {"hypervisor.kvm.kick_yeld=true"}, {"hypervisor.kvm.kick_yeld: unknown key", "\"kick_yield\""}},
    {NULL, {"hypervisor.scheduler=\"none\"", "hypervisor.kvm.kick_yield=true"},
     {"hypervisor.kvm: KVM options apply to a hypervisor", "remove \"kvm\""}},
    {NULL, {"workload={\"type\": \"ebizzy\", \"faults\": 0}"}, {"workload.faults: expected an integer in [1, 1000000], found 0"}},
    {NULL, {"guest.lock.algorithm=\"pvqspinlock-hybrid\"", "guest.lock.window=2"},
     {"guest.lock.window: not a parameter of lock algorithm \"pvqspinlock-hybrid\""}},
    {NULL, {"vms={\"count\": 1, \"vpcus\": 2}"}, {"vms.vpcus: unknown key", "\"vcpus\""}},
    {NULL, {"vms=[{\"vcpu\": 2}]"}, {"vms[0].vcpu: unknown key", "did you mean \"vcpus\""}},
    /* missing keys */
    {"{\"host\": {\"sockets\": 1, \"cores_per_socket\": 1}, " WL "}", {NULL},
     {"test.json: duration_s: required key missing"}},
    {"{\"duration_s\": 1, " WL "}", {NULL}, {"test.json: host: required key missing"}},
    {"{\"duration_s\": 1, " HOST8 "}", {NULL}, {"test.json: workload: required key missing"}},
    {NULL, {"workload.type=\"\""}, {"workload.type: expected one of \"lockloop\"", "found \"\""}},
    {"{\"duration_s\": 1, " HOST8 ", \"workload\": {\"type\": \"lockloop\", \"think\": "
     "{\"dist\": \"exp\", \"mean_ns\": 1}}}",
     {NULL}, {"workload.hold: required key missing"}},
    {"{\"duration_s\": 1, \"host\": {\"sockets\": 2}, " WL "}", {NULL},
     {"host.cores_per_socket: required key missing"}},
    {NULL, {"workload.hold={\"dist\": \"lognormal\", \"mean_ns\": 5000}"},
     {"workload.hold.cv: required key missing"}},
    {NULL, {"workload.hold={\"mean_ns\": 5000}"}, {"workload.hold.dist: required key missing"}},
    /* wrong types */
    {"[1, 2]", {NULL}, {"test.json: (top level): expected an object, found an array"}},
    {NULL, {"duration_s=abc"},
     {"duration_s: expected a number in [1e-09, 1e+06]", "found string \"abc\""}},
    {NULL, {"workload.kernel_lock=1"}, {"workload.kernel_lock: expected true or false, found 1"}},
    {NULL, {"seed=1.5"}, {"seed: expected an integer in [0, 9223372036854775807], found 1.5"}},
    {NULL, {"guest=3"}, {"guest: expected an object, found 3"}},
    {NULL, {"workload=[]"}, {"workload: expected an object, found an array"}},
    {NULL, {"workload.hold=5"}, {"workload.hold: expected an object, found 5"}},
    {NULL, {"host=3"}, {"host: expected an object, found 3"}},
    {NULL, {"name=true"}, {"name: expected a string, found true"}},
    {NULL, {"host.preset=5"}, {"host.preset: expected a preset name or path (string), found 5"}},
    {NULL, {"vms=[{\"vcpus\": 2}, {\"vcpus\": \"many\"}]"},
     {"vms[1].vcpus: expected an integer in [1, 1024], found string \"many\""}},
    {NULL, {"vms=[{\"guest\": 1}]"}, {"vms[0].guest: expected an object, found 1"}},
    /* out-of-range numbers */
    {NULL, {"duration_s=-1"}, {"duration_s: expected a number in [1e-09, 1e+06], found -1"}},
    {NULL, {"duration_s=0"}, {"duration_s: expected a number in [1e-09, 1e+06], found 0"}},
    {NULL, {"duration_s=1e7"}, {"duration_s: expected a number in [1e-09, 1e+06]"}},
    {NULL, {"warmup_s=0.1"}, {"warmup_s: expected a number below duration_s"}},
    {NULL, {"warmup_s=5"}, {"warmup_s: expected a number below duration_s, found 5"}},
    {NULL, {"warmup_s=-0.5"}, {"warmup_s: expected a number in [0, 1e+06], found -0.5"}},
    {NULL, {"seed=-1"}, {"seed: expected an integer in [0, 9223372036854775807], found -1"}},
    {NULL, {"max_events=1099511627776"}, {"max_events: expected an integer in [0, 1099511627775]"}},
    {NULL, {"vms.vcpus=0"}, {"vms.vcpus: expected an integer in [1, 1024], found 0"}},
    {NULL, {"vms=[{\"vcpus\": 0}]"}, {"vms[0].vcpus: expected an integer in [1, 1024], found 0"}},
    {NULL, {"host.sockets=0"}, {"host.sockets: expected an integer in [1, 64], found 0"}},
    {NULL, {"host.cores_per_socket=0"},
     {"host.cores_per_socket: expected an integer in [1, 4096]"}},
    {NULL, {"host.smt=3"}, {"host.smt: expected an integer in [1, 2], found 3"}},
    {NULL, {"host.ghz=0"}, {"host.ghz: expected a number in [0.1, 10], found 0"}},
    {NULL, {"host.cpu_speed=0"}, {"host.cpu_speed: expected a number in [0.05, 20], found 0"}},
    {NULL, {"host.costs.kick_ns=-1"},
     {"host.costs.kick_ns: expected a number in [0, 1e+09], found -1"}},
    {NULL, {"host.costs.line_one_hop_ns=-0.5"},
     {"host.costs.line_one_hop_ns: expected a number in [0, 1e+09]"}},
    {NULL, {"host.costs.pause_cycles=0"},
     {"host.costs.pause_cycles: expected a number in [0.01, 1e+06]"}},
    {NULL, {"host.cores=9"}, {"host.cores: expected an integer in [0, 8], found 9"}},
    {NULL, {"hypervisor.sched_latency_ns=10"},
     {"hypervisor.sched_latency_ns: expected a number in [1000, 1e+10]"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.slice_ns=999"},
     {"hypervisor.slice_ns: expected an integer in [1000, 10000000000], found 999"}},
    {NULL, {"hypervisor.ple.window_cycles=0"},
     {"hypervisor.ple.window_cycles: expected a number in [1, 1e+12]"}},
    {NULL, {"hypervisor.ple.window_max_cycles=100"},
     {"hypervisor.ple.window_max_cycles: expected a number >= window_cycles, found 100"}},
    {NULL, {"guest.lock.spin_threshold=0"},
     {"guest.lock.spin_threshold: expected a number in [1, 1e+12], found 0"}},
    {NULL, {"guest.slice_ns=10"},
     {"guest.slice_ns: expected an integer in [1000, 10000000000], found 10"}},
    /* NUMA hop matrix */
    {NULL, {"host.numa_hops=[[0, 1]]"},
     {"host.numa_hops: expected a square matrix", "one row per socket"}},
    {NULL, {"host.numa_hops=[[0, 1], [1]]"},
     {"host.numa_hops[1]: expected a row with one entry per socket", "square"}},
    {NULL, {"host.numa_hops=[[0, 1], 1]"}, {"host.numa_hops[1]: expected a row", "found 1"}},
    {NULL, {"host.sockets=3", "host.numa_hops=[[0, 1, 2], [1, 0, 1], [1, 1, 0]]"},
     {"host.numa_hops[2][0]: expected a symmetric matrix", "found 1"}},
    {NULL, {"host.numa_hops=[[1, 1], [1, 0]]"},
     {"host.numa_hops[0][0]: expected 0 on the diagonal, found 1"}},
    {NULL, {"host.numa_hops=[[0, 0], [0, 0]]"},
     {"host.numa_hops[0][1]: expected at least 1 off the diagonal, found 0"}},
    {NULL, {"host.numa_hops=[[0, 9], [9, 0]]"},
     {"host.numa_hops[0][1]: expected an integer hop count in [0, 8], found 9"}},
    {NULL, {"host.numa_hops=[[0, 1.5], [1.5, 0]]"},
     {"host.numa_hops[0][1]: expected an integer hop count"}},
    /* enumerations */
    {NULL, {"guest.lock.algorithm=tickets"},
     {"guest.lock.algorithm: expected one of \"ticket\", \"tas\", \"mcs\", \"pv-ticket\", "
      "\"pvqspinlock\", \"oticket\", \"preemptable-ticket\", \"oticket-window\", "
      "\"oticket-longspin\", \"iticket\", \"pvqspinlock-hybrid\", found \"tickets\"",
      "(did you mean \"ticket\"?)"}},
    {NULL, {"guest.lock.algorithm=rwlock"},
     {"guest.lock.algorithm: expected one of", "found \"rwlock\""}},
    {NULL, {"hypervisor.scheduler=xen"},
     {"hypervisor.scheduler: expected one of \"none\", \"pinned\", \"cfs\"", "found \"xen\""}},
    {NULL, {"hypervisor.scheduler=cfss"},
     {"hypervisor.scheduler: expected one of", "did you mean \"cfs\""}},
    {NULL, {"host.placement=scatter"}, {"host.placement: expected one of \"fill\", \"spread\""}},
    {NULL, {"workload.type=kbuild"},
     {"workload.type: expected one of \"lockloop\"", "found \"kbuild\""}},
    {NULL, {"workload.hold.dist=normal"},
     {"workload.hold.dist: expected one of \"const\", \"exp\", \"uniform\", \"lognormal\", "
         "\"gamma\", "
      "\"empirical\", found \"normal\""}},
    /* lock parameters */
    /* a key of another variant is an error naming the variants it applies to */
    {NULL, {"guest.lock.window=3"},
     {"guest.lock.window: not a parameter of lock algorithm \"pv-ticket\" (guest.lock.algorithm); "
      "it applies to \"oticket-window\""}},
    {NULL, {"guest.lock.kick_ahead=0"},
     {"guest.lock.kick_ahead: not a parameter of lock algorithm \"pv-ticket\"", "\"oticket-window\""}},
    {NULL, {"guest.lock.algorithm=ticket", "guest.lock.spin_threshold=100"},
     {"guest.lock.spin_threshold: not a parameter of lock algorithm \"ticket\"",
      "\"pv-ticket\", \"pvqspinlock\", \"oticket\""}},
    {NULL, {"hypervisor.credit_slice_ns=20000000"},
     {"hypervisor.credit_slice_ns: not a parameter of host scheduler \"cfs\" (hypervisor.scheduler); "
      "it applies to \"credit\""}},
    {NULL, {"hypervisor.scheduler=none", "vms.count=1", "hypervisor.ple.enabled=false"},
     {"hypervisor.ple: pause-loop exiting applies to a hypervisor; scheduler \"none\" is bare metal"}},
    {NULL, {"hypervisor.pin=[0, 1]"},
     {"hypervisor.pin: not a parameter of host scheduler \"cfs\"", "it applies to \"pinned\""}},
    {NULL, {"guest.lock.algorithm=pv-ticket", "guest.lock.windwo=1"},
     {"guest.lock.windwo: unknown key"}},
    {NULL, {"guest.lock.algorithm=oticket-window", "guest.lock.window=2000"},
     {"guest.lock.window: expected an integer in [0, 1024], found 2000"}},
    /* cross-section checks */
    {NULL, {"hypervisor.scheduler=none"},
     {"test.json: hypervisor.scheduler: \"none\" (bare metal) runs one",
         "found 2 VMs with 8 vCPUs on 8 cores"}},
    {NULL, {"hypervisor.scheduler=none", "vms.count=1", "vms.vcpus=9"},
     {"hypervisor.scheduler: \"none\" (bare metal)", "found 1 VMs with 9 vCPUs on 8 cores"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[0, 1, 2, 8]"},
     {"hypervisor.pin[3]: expected a pCPU index in [0, 7], found 8"}},
    {NULL, {"hypervisor.scheduler=pinned", "host.cores=2", "hypervisor.pin=[0, 1, 2]"},
     {"hypervisor.pin[2]: expected a pCPU index in [0, 1], found 2"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[0, -1]"},
     {"hypervisor.pin[1]: expected a pCPU index in [0, 7], found -1"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[]"},
     {"hypervisor.pin: expected an array of pCPU indexes", "found an array"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=3"}, {"hypervisor.pin: expected an array of pCPU indexes", "found 3"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[[0, 1, 2, 3]]"},
     {"test.json: hypervisor.pin: 1 rows, but there are 2 VMs (one row per VM)"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[[0, 1, 2, 3], [4, 5, 6]]"},
     {"test.json: hypervisor.pin[1]: 3 entries, but VM vm1 has 4 vCPUs"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[[0, 1, 2, 3], 5]"},
     {"hypervisor.pin[1]: expected an array of pCPU indexes, one per vCPU, found 5"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[[0, 1, 2, 3], [4, 5, 6, 8]]"},
     {"hypervisor.pin[1][3]: expected a pCPU index in [0, 7], found 8"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[0, [1]]"},
     {"hypervisor.pin[1]: expected a pCPU index in [0, 7], found an array"}},
    {NULL, {"hypervisor.scheduler=pinned", "hypervisor.pin=[0, 1]"},
     {"test.json: hypervisor.pin: 2 entries, but VM vm0 has 4 vCPUs"}},
    {NULL, {"host.sockets=64", "host.cores_per_socket=128"},
     {"test.json: host: 8192 hardware threads; at most 4096 are supported"}},
    /* huge counts */
    {NULL, {"vms.count=1000000"}, {"vms.count: expected an integer in [1, 256], found 1000000"}},
    {NULL, {"vms.vcpus=100000"}, {"vms.vcpus: expected an integer in [1, 1024], found 100000"}},
    {NULL, {"workload.threads=1e9"},
     {"workload.threads: expected an integer in [0, 65536], found 1000000000"}},
    {NULL, {"host.cores_per_socket=1e12"},
     {"host.cores_per_socket: expected an integer in [1, 4096]"}},
    {NULL, {"vms.count=256", "vms.vcpus=1024"},
     {"test.json: vms: 262144 vCPUs in all; at most 65536 are supported"}},
    {NULL, {"vms=[]"}, {"vms: expected an array of 1 to 256 VMs"}},
    {NULL, {"workload.think.mean_ns=1e13"},
     {"workload.think.mean_ns: expected a number in [0, 1e+12]"}},
    /* distributions */
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": [1, 2], \"weights\": [0, 0]}"},
     {"workload.hold.weights: expected weights with a positive sum"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": [1, 2], \"weights\": [1, -1]}"},
     {"workload.hold.weights[1]: expected a number >= 0, found -1"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": [1, 2], \"weights\": [1]}"},
     {"workload.hold.weights: expected an array as long as values_ns"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": []}"},
     {"workload.hold.values_ns: expected an array of 1 to 100000 numbers"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": 5}"},
     {"workload.hold.values_ns: expected an array of 1 to 100000 numbers, found 5"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": [1, -5]}"},
     {"workload.hold.values_ns[1]: expected a number in [0, 1e12], found -5"}},
    {NULL, {"workload.hold={\"dist\": \"empirical\", \"values_ns\": [1, \"2\"]}"},
     {"workload.hold.values_ns[1]: expected a number", "found string \"2\""}},
    {NULL, {"workload.hold={\"dist\": \"empirical\"}"},
     {"workload.hold.values_ns: required key missing"}},
    {NULL, {"workload.think={\"dist\": \"uniform\", \"min_ns\": 5, \"max_ns\": 4}"},
     {"workload.think.max_ns: expected a number >= min_ns, found 4"}},
    {NULL, {"workload.hold={\"dist\": \"gamma\", \"mean_ns\": 5, \"shape\": 0}"},
     {"workload.hold.shape: expected a number in [0.001, 1e+06], found 0"}},
    {NULL, {"workload.hold={\"dist\": \"lognormal\", \"mean_ns\": 0, \"cv\": 1}"},
     {"workload.hold.mean_ns: expected a number in [0.001, 1e+12], found 0"}},
    {NULL, {"workload.hold={\"dist\": \"exp\", \"mean_ns\": 5, \"cv\": 1}"},
     {"workload.hold.cv: unknown key"}},
    {NULL, {"workload.hold.mean_ns=-3"},
     {"workload.hold.mean_ns: expected a number in [0, 1e+12], found -3"}},
    /* per-VM overrides report the VM's path */
    {NULL, {"vms=[{\"vcpus\": 2, \"guest\": {\"lock\": {\"algorithm\": \"x\"}}}]"},
     {"vms[0].guest.lock.algorithm: expected one of"}},
    {NULL, {"vms=[{}, {\"workload\": {\"hold\": {\"dist\": \"exp\", \"mean_ns\": -1}}}]"},
     {"vms[1].workload.hold.mean_ns: expected a number in [0, 1e+12], found -1"}},
    /* script workload */
#define SCRIPT(locks, tasks)                                                               \
    "workload={\"type\": \"script\", \"locks\": " locks ", \"tasks\": " tasks "}"
#define LOCK_A "[{\"name\": \"a\", \"kernel\": true}]"
    {NULL, {SCRIPT("[]", "[{\"steps\": [{\"lock\": \"a\"}]}]")},
     {"workload.tasks[0].steps[0].lock: expected a lock declared in the workload's \"locks\" list (none is declared)", "found string \"a\""}},
    {NULL, {SCRIPT(LOCK_A, "[{\"steps\": [{\"lock\": \"b\"}, {\"unlock\": \"b\"}]}]")},
     {"workload.tasks[0].steps[0].lock: expected one of \"a\", found \"b\""}},
    {NULL, {SCRIPT(LOCK_A, "[{\"steps\": [{\"lock\": \"a\"}]}]")},
     {"workload.tasks[0].steps: lock \"a\" is still held after the last step"}},
    {NULL, {SCRIPT(LOCK_A, "[{\"steps\": [{\"lock\": \"a\", \"compute_ns\": 5}]}]")},
     {"workload.tasks[0].steps[0]: expected exactly one of compute_ns, lock, unlock, sleep_ns"}},
    {NULL, {SCRIPT(LOCK_A, "[{\"steps\": [{\"unlock\": \"a\"}]}]")},
     {"workload.tasks[0].steps[0]: unlock of \"a\", which is not held here"}},
    {NULL, {SCRIPT(LOCK_A, "[{\"steps\": [{\"lock\": \"a\"}, {\"lock\": \"a\"}]}]")},
     {"workload.tasks[0].steps[1]: lock \"a\" is already held here"}},
    {NULL, {SCRIPT("[]", "[{\"repeat\": true, \"steps\": [{\"compute_ns\": 0}]}]")},
     {"workload.tasks[0]: a repeating task needs some compute_ns or sleep_ns > 0"}},
    {NULL, {SCRIPT("[]", "[{\"vcpu\": 4, \"steps\": [{\"compute_ns\": 5}]}]")},
     {"workload.tasks[0].vcpu: expected an integer in [-1, 3], found 4"}},
    {NULL, {SCRIPT("[]", "[]")}, {"workload.tasks: expected an array of 1 to 4096 tasks"}},
    {NULL, {SCRIPT("[]", "[{\"steps\": [{}]}]")},
     {"workload.tasks[0].steps[0]: expected one of compute_ns, lock, unlock, sleep_ns"}},
    {NULL, {SCRIPT("[]", "[{\"steps\": [{\"compute_ns\": -1}]}]")},
     {"workload.tasks[0].steps[0].compute_ns: expected an integer in [0, 1000000000000], found "
         "-1"}},
    {NULL, {SCRIPT("[]", "[{\"steps\": []}]")},
     {"workload.tasks[0].steps: expected an array of 1 to 1024 steps"}},
    {NULL, {SCRIPT("[]", "[{\"step\": []}]")}, {"workload.tasks[0].steps: required key missing"}},
    {NULL, {SCRIPT("[{\"name\": \"a\"}, {\"name\": \"a\"}]",
        "[{\"steps\": [{\"compute_ns\": 1}]}]")},
     {"workload.locks[1].name: expected a name not used by another lock"}},
    {NULL, {SCRIPT("[{\"name\": \"\"}]", "[{\"steps\": [{\"compute_ns\": 1}]}]")},
     {"workload.locks[0].name: expected a name of 1 to 63 characters"}},
    {NULL, {SCRIPT("{}", "[{\"steps\": [{\"compute_ns\": 1}]}]")},
     {"workload.locks: expected an array of at most 32 locks"}},
    {NULL, {SCRIPT("[{\"name\": \"u\", \"kernel\": false, \"irqs_off\": true}]", "[{\"steps\": [{\"compute_ns\": 1}]}]")},
     {"workload.locks[0].irqs_off: expected false for a user-level lock", "only a kernel spinlock"}},
    {NULL, {SCRIPT("[]", "[{\"steps\": [{\"compute_ns\": 1}]}]"), "workload.threads=2"},
     {"workload.threads: not a parameter of workload \"script\" (workload.type); it applies to \"lockloop\""}},
    /* presets */
    {NULL, {"host.preset=nosuch"}, {"test.json: hosts preset \"nosuch\" not found"}},
    {NULL, {"host.preset=nosuch.json"}, {"test.json: preset file", "nosuch.json not found"}},
};

START_TEST(test_bad)
{
    const bad_case *c = &bad[_i];
    const char *sets[5] = {0};
    for (int k = 0; k < 4 && c->sets[k]; k++)
        sets[k] = c->sets[k];
    scenario sc;
    vs_err err;
    int rc = load_sets(c->doc, sets, "test.json", &sc, &err);
    const char *what = c->sets[0] ? c->sets[0] : c->doc;
    ck_assert_msg(rc == -1, "case %d (%s): loaded, expected an error", _i, what);
    ck_assert_msg(err.code == VS_EXIT_INPUT, "case %d (%s): code %d, want 2 (%s)", _i, what,
                  err.code, err.msg);
    ck_assert_msg(strncmp(err.msg, "test.json: ", 11) == 0,
        "case %d: message does not name the file: %s",
                  _i, err.msg);
    for (int k = 0; k < 3 && c->frags[k]; k++)
        ck_assert_msg(strstr(err.msg, c->frags[k]) != NULL,
            "case %d (%s):\n  message: %s\n  missing: %s",
                      _i, what, err.msg, c->frags[k]);
    ck_assert_ptr_null(sc.vms); /* nothing left allocated */
    ck_assert_int_eq(sc.nvms, 0);
}
END_TEST

START_TEST(test_too_many_empirical_values)
{
    json_t *d = parse(BASE);
    json_t *vals = json_array();
    for (int i = 0; i <= DIST_MAX_EMPIRICAL; i++)
        json_array_append_new(vals, json_integer(i));
    json_t *hold = json_pack("{s:s,s:o}", "dist", "empirical", "values_ns", vals);
    vs_err err = {0};
    ck_assert_int_eq(sc_set_path(d, "workload.hold", hold, &err), 0);
    scenario sc;
    ck_assert_int_eq(sc_load_doc(d, "test.json", &sc, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg,
        "workload.hold.values_ns: expected an array of 1 to 100000 numbers"),
                  "%s", err.msg);
    /* exactly the limit is fine */
    json_array_remove(vals, 0);
    memset(&err, 0, sizeof err);
    ck_assert_msg(sc_load_doc(d, "test.json", &sc, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(wld(&sc.vms[0], "hold")->n, DIST_MAX_EMPIRICAL);
    scenario_free(&sc);
    json_decref(d);
}
END_TEST

/* ---- --set --------------------------------------------------------------------- */

START_TEST(test_set_values)
{
    json_t *d = parse(BASE);
    vs_err err = {0};
    ck_assert_int_eq(sc_apply_set(d, "duration_s=0.5", &err), 0);
    ck_assert(json_is_real(sc_get_path(d, "duration_s")));
    ck_assert_double_eq(json_real_value(sc_get_path(d, "duration_s")), 0.5);
    ck_assert_int_eq(sc_apply_set(d, "vms.count=3", &err), 0);
    ck_assert(json_is_integer(sc_get_path(d, "vms.count")));
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "vms.count")), 3);
    /* a bare word is a string; quoted JSON strings too */
    ck_assert_int_eq(sc_apply_set(d, "guest.lock.algorithm=oticket", &err), 0);
    ck_assert_str_eq(json_string_value(sc_get_path(d, "guest.lock.algorithm")), "oticket");
    ck_assert_int_eq(sc_apply_set(d, "name=\"two words\"", &err), 0);
    ck_assert_str_eq(json_string_value(sc_get_path(d, "name")), "two words");
    ck_assert_int_eq(sc_apply_set(d, "description=a=b", &err), 0); /* split at the first '=' */
    ck_assert_str_eq(json_string_value(sc_get_path(d, "description")), "a=b");
    ck_assert_int_eq(sc_apply_set(d, "description=", &err), 0); /* empty value: "" */
    ck_assert_str_eq(json_string_value(sc_get_path(d, "description")), "");
    ck_assert_int_eq(sc_apply_set(d, "workload.kernel_lock=true", &err), 0);
    ck_assert(json_is_true(sc_get_path(d, "workload.kernel_lock")));
    ck_assert_int_eq(sc_apply_set(d, "host.numa_hops=[[0,2],[2,0]]", &err), 0);
    ck_assert(json_is_array(sc_get_path(d, "host.numa_hops")));
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "host.numa_hops[1][0]")), 2);
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "host.numa_hops.0.1")), 2);
    /* objects on the way are created */
    ck_assert_int_eq(sc_apply_set(d, "hypervisor.ple.window_cycles=8192", &err), 0);
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "hypervisor.ple.window_cycles")), 8192);
    ck_assert_int_eq(sc_apply_set(d, "host.costs.kick_ns=1e3", &err), 0);
    /* the document still validates, with the new values */
    scenario sc;
    ck_assert_msg(sc_load_doc(d, "test.json", &sc, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(sc.name, "two words");
    ck_assert_int_eq(sc.nvms, 3);
    ck_assert_int_eq(sc.duration, 500 * SIM_MS);
    ck_assert_ptr_eq(sc.vms[2].lock.algo, lock_find("oticket"));
    ck_assert_double_eq(WLP(sc.vms[0], "kernel_lock"), 1);
    ck_assert_double_eq(sc.hv.ple_window, 8192);
    ck_assert_double_eq(sc.host.kick_ns, 1000);
    ck_assert_int_eq(sc.host.hops[0][1], 2);
    scenario_free(&sc);
    json_decref(d);

    /* a fresh path several levels deep */
    d = json_object();
    ck_assert_int_eq(sc_apply_set(d, "a.b.c=1", &err), 0);
    ck_assert(json_is_object(sc_get_path(d, "a.b")));
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "a.b.c")), 1);
    ck_assert_ptr_null(sc_get_path(d, "a.x"));
    ck_assert_ptr_null(sc_get_path(d, "a.b.c.d")); /* through a number */
    json_decref(d);
}
END_TEST

START_TEST(test_set_array_index)
{
    static const char doc[] =
        "{\"duration_s\": 1, \"host\": {\"sockets\": 1, \"cores_per_socket\": 8},"
        " \"hypervisor\": {\"scheduler\": \"pinned\"},"
        " \"workload\": {\"type\": \"lockloop\", \"think\": {\"dist\": \"exp\", \"mean_ns\": 1},"
        "   \"hold\": {\"dist\": \"exp\", \"mean_ns\": 1}},"
        " \"vms\": [{\"vcpus\": 1}, {\"vcpus\": 2}]}";
    json_t *d = parse(doc);
    vs_err err = {0};
    ck_assert_int_eq(sc_apply_set(d, "vms[0].vcpus=3", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "vms.1.vcpus=5", &err), 0);
    ck_assert_int_eq(sc_apply_set(d, "vms[1].guest.lock.algorithm=mcs", &err), 0); /* created */
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "vms[0].vcpus")), 3);
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "vms.1.vcpus")), 5);
    ck_assert_ptr_null(sc_get_path(d, "vms[2]"));
    ck_assert_ptr_null(sc_get_path(d, "vms.x"));
    scenario sc;
    ck_assert_msg(sc_load_doc(d, "test.json", &sc, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(sc.vms[0].vcpus, 3);
    ck_assert_int_eq(sc.vms[1].vcpus, 5);
    ck_assert_ptr_eq(sc.vms[1].lock.algo, lock_find("mcs"));
    ck_assert_ptr_eq(sc.vms[0].lock.algo, lock_find("ticket")); /* the default algorithm */
    scenario_free(&sc);
    /* a whole element replaced */
    ck_assert_int_eq(sc_apply_set(d, "vms[1]={\"name\": \"b\", \"vcpus\": 4}", &err), 0);
    ck_assert_str_eq(json_string_value(sc_get_path(d, "vms[1].name")), "b");
    ck_assert_msg(sc_load_doc(d, "test.json", &sc, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(sc.vms[1].name, "b");
    ck_assert_ptr_eq(sc.vms[1].lock.algo, lock_find("ticket"));
    scenario_free(&sc);
    json_decref(d);
}
END_TEST

START_TEST(test_set_bad_paths)
{
    struct {
        const char *set, *frag;
    } cases[] = {
        {"vms[5].vcpus=1", "--set vms[5].vcpus: vms.5: no such array element (the array has 2)"},
        {"vms.2=1", "no such array element (the array has 2)"},
        {"vms[x].vcpus=1", "vms.x: no such array element"},
        {"duration_s.x=1", "--set duration_s.x: "},
        {"duration_s.x=1", "is not an object or array"},
        {"vms[0].vcpus.n=1", "is not an object or array"},
        {"a..b=1", "--set a..b: malformed path"},
        {".a=1", "--set .a: malformed path"},
        {"a.=1", "--set a.: malformed path"},
        {"vms[0]vcpus=1", "--set vms[0]vcpus: malformed path"},
        {"vms[0=1", "--set vms[0: malformed path"},
        {"=1", "--set =1: expected PATH=VALUE"},
        {"noequals", "--set noequals: expected PATH=VALUE"},
        {"", "expected PATH=VALUE"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *d = parse("{\"duration_s\": 1, \"vms\": [{\"vcpus\": 1}, {\"vcpus\": 2}]}");
        vs_err err = {0};
        int rc = sc_apply_set(d, cases[i].set, &err);
        ck_assert_msg(rc == -1, "--set %s: accepted", cases[i].set);
        ck_assert_msg(err.code == VS_EXIT_INPUT, "--set %s: code %d", cases[i].set, err.code);
        ck_assert_msg(strstr(err.msg, cases[i].frag), "--set %s:\n  message: %s\n  missing: %s",
                      cases[i].set, err.msg, cases[i].frag);
        json_decref(d);
    }
    /* sc_set_path with an empty path releases the value and fails */
    json_t *d = json_object();
    vs_err err = {0};
    ck_assert_int_eq(sc_set_path(d, "", json_integer(1), &err), -1);
    ck_assert_msg(strstr(err.msg, "empty path"), "%s", err.msg);
    json_decref(d);
}
END_TEST

/* ---- presets and files ----------------------------------------------------------- */

START_TEST(test_find_preset)
{
    char file[4096], buf[4096], want[4096];
    vs_err err = {0};
    snprintf(file, sizeof file, "%s/scenarios/micro/lockloop.json", th_src_dir());
    snprintf(want, sizeof want, "%s/scenarios/micro/../hosts/generic-1x2.json", th_src_dir());
    ck_assert_msg(sc_find_preset(file, "hosts", "generic-1x2", buf, sizeof buf, &err) == 0, "%s",
                  err.msg);
    ck_assert_str_eq(buf, want);
    ck_assert(access(buf, R_OK) == 0);
    /* a name with a slash or ".json" is a path relative to the scenario */
    ck_assert_int_eq(sc_find_preset(file, "hosts", "../hosts/generic-1x2.json", buf, sizeof buf,
        &err), 0);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(sc_find_preset(file, "hosts", "generic-1x2.json", buf, sizeof buf, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "preset file") && strstr(err.msg,
        "micro/generic-1x2.json not found"),
                  "%s", err.msg);
    /* an absolute path is used as is */
    char abs[4096];
    ck_assert_ptr_nonnull(realpath(want, abs));
    ck_assert_int_eq(sc_find_preset("x/y.json", "hosts", abs, buf, sizeof buf, &err), 0);
    ck_assert_str_eq(buf, abs);
    /* from deeper directories: up to three levels above the scenario's own */
    char root[64] = "/tmp/vmsim-test-preset-XXXXXX", path[256];
    ck_assert_ptr_nonnull(mkdtemp(root));
    static const char *const dirs[] = {"hosts", "a", "a/b", "a/b/c", "a/b/c/d"};
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        ck_assert_int_eq(mkdir(path, 0700), 0);
    }
    snprintf(path, sizeof path, "%s/hosts/vmsim-test-box.json", root);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(file, sizeof file, "%s/a/b/c/s.json", root); /* hosts/ is three levels up */
    int rc3 = sc_find_preset(file, "hosts", "vmsim-test-box", buf, sizeof buf, &err);
    snprintf(want, sizeof want, "%s/a/b/c/../../../hosts/vmsim-test-box.json", root);
    snprintf(file, sizeof file, "%s/a/b/c/d/s.json", root); /* four: not searched */
    int rc4 = sc_find_preset(file, "hosts", "vmsim-test-box", path, sizeof path, &err);
    unlink(want);
    for (int i = 4; i >= 0; i--) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        rmdir(path);
    }
    rmdir(root);
    ck_assert_int_eq(rc3, 0);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(rc4, -1);
    /* unknown name: the message says where it looked */
    memset(&err, 0, sizeof err);
    ck_assert_int_eq(sc_find_preset("s.json", "hosts", "nosuch", buf, sizeof buf, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "hosts preset \"nosuch\" not found") &&
                      strstr(err.msg, "$VMSIM_DATADIR"),
                  "%s", err.msg);
}
END_TEST

START_TEST(test_find_preset_datadir)
{
    /* a preset found only through $VMSIM_DATADIR */
    char root[64] = "/tmp/vmsim-test-datadir-XXXXXX", dir[128], path[256], buf[4096];
    vs_err err = {0};
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/hosts", root);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/vmsim-test-datadir-box.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    const char *old = getenv("VMSIM_DATADIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("VMSIM_DATADIR", root, 1);
    int rc = sc_find_preset("/nonexistent/dir/s.json", "hosts", "vmsim-test-datadir-box", buf,
                            sizeof buf, &err);
    unsetenv("VMSIM_DATADIR");
    char buf2[4096];
    int rc_unset = sc_find_preset("/nonexistent/dir/s.json", "hosts", "vmsim-test-datadir-box",
                                  buf2, sizeof buf2, NULL);
    if (saved) {
        setenv("VMSIM_DATADIR", saved, 1);
        free(saved);
    }
    unlink(path);
    snprintf(dir, sizeof dir, "%s/hosts", root);
    rmdir(dir);
    rmdir(root);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_str_eq(buf, path);
    ck_assert_int_eq(rc_unset, -1);
}
END_TEST

START_TEST(test_preset_load)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/scenarios/micro/test.json", th_src_dir());
    scenario sc;
    vs_err err;
    int rc = load_sets(NULL,
                       SETS("host={\"preset\": \"generic-1x2\", \"costs\": {\"kick_ns\": 999}}",
                            "vms.vcpus=host"),
                       file, &sc, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_str_eq(sc.host.name, "generic-1x2");
    ck_assert_int_eq(sc.host.sockets, 1);
    ck_assert_int_eq(sc.host.cores_per_socket, 2);
    ck_assert_double_eq(sc.host.ghz, 2.3);
    ck_assert_double_eq(sc.host.kick_ns, 999);   /* the scenario's override */
    ck_assert_double_eq(sc.host.wake_ns, 10000); /* from the preset */
    ck_assert_int_eq(sc.vms[0].vcpus, 2);
    /* 2 cores: CFS factor 1 + log2(2) = 2 */
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 12 * SIM_MS);
    ck_assert_int_eq((sim_time)HVP(sc, "min_granularity_ns"), 1500 * SIM_US);
    ck_assert_int_eq((sim_time)HVP(sc, "wakeup_granularity_ns"), 2 * SIM_MS);
    scenario_free(&sc);
    /* the scenario's host keys override the preset's, nested objects merge */
    rc = load_sets(NULL, SETS("host={\"preset\": \"generic-1x2\", \"cores_per_socket\": 4}"), file,
                   &sc, &err);
    ck_assert_msg(rc == 0, "%s", err.msg);
    ck_assert_int_eq(sc.host.cores_per_socket, 4);
    ck_assert_int_eq(sc.vms[0].vcpus, 4);
    ck_assert_int_eq((sim_time)HVP(sc, "sched_latency_ns"), 18 * SIM_MS); /* 4 cores: factor 3 */
    scenario_free(&sc);
}
END_TEST

START_TEST(test_load_file)
{
    char file[4096];
    snprintf(file, sizeof file, "%s/scenarios/micro/lockloop.json", th_src_dir());
    scenario sc;
    vs_err err = {0};
    char *sets[] = {"duration_s=0.5", "workload.threads=4"};
    ck_assert_msg(sc_load(file, sets, 2, &sc, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(sc.name, "lockloop");
    ck_assert_int_eq(sc.duration, 500 * SIM_MS);
    ck_assert_int_eq(sc.warmup, 100 * SIM_MS);
    ck_assert_str_eq(sc.hv.sched->name, "none");
    ck_assert_int_eq(sc.nvms, 1);
    ck_assert_int_eq(sc.vms[0].vcpus, 8);
    ck_assert_double_eq(WLP(sc.vms[0], "threads"), 4);
    ck_assert_double_eq(sc.host.line_ns[DIST_SAME_SOCKET], 0);
    scenario_free(&sc);
    /* a bad --set fails the load */
    char *bad_set[] = {"workload.hodl=1"};
    ck_assert_int_eq(sc_load(file, bad_set, 1, &sc, &err), -1);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg,
        "lockloop.json: workload.hodl: unknown key (did you mean \"hold\"?)"),
                  "%s", err.msg);
}
END_TEST

/* Writes text to a new temporary file; returns its path in buf. */
static void tmp_file(char *buf, size_t n, const char *text)
{
    snprintf(buf, n, "/tmp/vmsim-test-scenario-XXXXXX");
    int fd = mkstemp(buf);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_read_json_errors)
{
    vs_err err = {0};
    ck_assert_ptr_null(sc_read_json("/nonexistent/s.json", &err));
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    ck_assert_msg(strstr(err.msg, "/nonexistent/s.json: cannot read: No such file or directory"),
                  "%s", err.msg);

    ck_assert_ptr_null(sc_read_json("/tmp", &err));
    ck_assert_msg(strstr(err.msg, "/tmp: not a regular file"), "%s", err.msg);

    char p[64], want[128];
    tmp_file(p, sizeof p, "{\n  \"duration_s\": 1,,\n}\n");
    ck_assert_ptr_null(sc_read_json(p, &err));
    unlink(p);
    ck_assert_int_eq(err.code, VS_EXIT_INPUT);
    snprintf(want, sizeof want, "%s:2:", p); /* file:line:column */
    ck_assert_msg(strstr(err.msg, want) && strstr(err.msg, "invalid JSON"), "%s", err.msg);

    tmp_file(p, sizeof p, "{\"a\": 1, \"a\": 2}");
    ck_assert_ptr_null(sc_read_json(p, &err));
    unlink(p);
    ck_assert_msg(strstr(err.msg, "invalid JSON") && strstr(err.msg, "duplicate"), "%s", err.msg);

    /* 70 levels of nesting */
    char deep[200] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    for (int i = 0; i < 70; i++)
        strcat(deep, "]");
    tmp_file(p, sizeof p, deep);
    ck_assert_ptr_null(sc_read_json(p, &err));
    unlink(p);
    ck_assert_msg(strstr(err.msg, "nested more than 64 levels deep"), "%s", err.msg);

    tmp_file(p, sizeof p, "");
    ck_assert_ptr_null(sc_read_json(p, &err));
    unlink(p);
    ck_assert_msg(strstr(err.msg, "invalid JSON"), "%s", err.msg);

    tmp_file(p, sizeof p, "{\"x\": [1, 2]}");
    json_t *d = sc_read_json(p, &err);
    unlink(p);
    ck_assert_ptr_nonnull(d);
    json_decref(d);
}
END_TEST

/* "base": a scenario merged over another file, relative paths, chains,
 * cycles and missing bases. */
static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

START_TEST(test_base_scenarios)
{
    char dir[] = "/tmp/vmsim-base-XXXXXX", p[5][300];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(mkdir(strcat(strcpy(p[0], dir), "/sub"), 0777), 0);
    snprintf(p[1], sizeof p[1], "%s/base.json", dir);
    snprintf(p[2], sizeof p[2], "%s/sub/derived.json", dir);
    snprintf(p[3], sizeof p[3], "%s/a.json", dir);
    snprintf(p[4], sizeof p[4], "%s/b.json", dir);
    write_text(p[1], "{\"duration_s\": 1, \"seed\": 5, \"host\": {\"sockets\": 1, \"cores_per_socket\": 4,"
                     " \"costs\": {\"kick_ns\": 1000, \"wake_ns\": 5000}},"
                     " \"workload\": {\"type\": \"lockloop\", \"think\": {\"dist\": \"exp\", \"mean_ns\": 100},"
                     " \"hold\": {\"dist\": \"exp\", \"mean_ns\": 10}},"
                     " \"sweep\": {\"axes\": [{\"path\": \"seed\", \"values\": [1, 2]}]}}");
    write_text(p[2], "{\"base\": \"../base.json\", \"seed\": 9, \"host\": {\"costs\": {\"wake_ns\": 7000}},"
                     " \"sweep\": {\"axes\": [{\"path\": \"host.cores\", \"values\": [2]}]}}");
    vs_err err = {0};
    json_t *d = sc_read_json(p[2], &err);
    ck_assert_msg(d != NULL, "%s", err.msg);
    ck_assert_ptr_null(json_object_get(d, "base"));
    ck_assert_int_eq(json_integer_value(json_object_get(d, "seed")), 9);           /* replaced */
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "host.costs.wake_ns")), 7000); /* merged */
    ck_assert_int_eq(json_integer_value(sc_get_path(d, "host.costs.kick_ns")), 1000); /* kept */
    ck_assert_str_eq(json_string_value(sc_get_path(d, "sweep.axes.0.path")), "host.cores"); /* arrays replace */
    ck_assert_int_eq(json_array_size(sc_get_path(d, "sweep.axes")), 1);
    scenario sc;
    ck_assert_msg(sc_load_doc(d, p[2], &sc, &err) == 0, "%s", err.msg);
    ck_assert_int_eq(sc.seed, 9);
    ck_assert(sc.host.wake_ns == 7000 && sc.host.kick_ns == 1000);
    scenario_free(&sc);
    json_decref(d);
    /* a cycle and a missing base are errors naming the files */
    write_text(p[3], "{\"base\": \"b.json\"}");
    write_text(p[4], "{\"base\": \"a.json\"}");
    ck_assert_ptr_null(sc_read_json(p[3], &err));
    ck_assert_msg(strstr(err.msg, "more than 4 levels") != NULL, "message: %s", err.msg);
    write_text(p[4], "{\"base\": \"nothere.json\"}");
    ck_assert_ptr_null(sc_read_json(p[4], &err));
    ck_assert_msg(strstr(err.msg, "b.json: base") && strstr(err.msg, "nothere.json"), "message: %s", err.msg);
    write_text(p[4], "{\"base\": 3}");
    ck_assert_ptr_null(sc_read_json(p[4], &err));
    ck_assert_msg(strstr(err.msg, "base: expected the path of a scenario"), "message: %s", err.msg);
    for (int i = 1; i < 5; i++)
        remove(p[i]);
    rmdir(p[0]);
    rmdir(dir);
}
END_TEST

/* Every error message is one line: control characters are escaped at the
 * root (err_input), whatever module quotes the hostile text. */
START_TEST(test_messages_escape_control_chars)
{
    vs_err err = {0};
    err_input(&err, "k\"%s\": bad", "a\nb\x1b[31m\x7f");
    ck_assert_str_eq(err.msg, "k\"a\\x0ab\\x1b[31m\\x7f\": bad");
    err_prefix(&err, "f\tile");
    ck_assert_str_eq(err.msg, "f\\x09ile: k\"a\\x0ab\\x1b[31m\\x7f\": bad");
}
END_TEST

/* ---- the resolved document ----------------------------------------------------- */

/* The results of running sc, without what names the run (wall time). */
static char *run_results(const scenario *sc)
{
    world *w = world_new(sc);
    world_run(w);
    world_finish(w);
    report_meta m = {0};
    json_t *r = report_build(w, &m);
    json_object_del(r, "wall");
    char *text = json_dumps(r, JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    json_decref(r);
    world_free(w);
    return text;
}

START_TEST(test_resolved_document)
{
    static const struct {
        const char *file, *set1, *set2, *set3;
    } cases[] = {
        {"whatif/oticket.json", "duration_s=0.05", "host.cores=8", "guest.lock.window=1"}, /* base, preset */
        {"traces/replay-vmsim-deps.json", "duration_s=2", "workload.jobs=2", "seed=3"}, /* relative log */
        {"teaching/lhp-pv-ticket.json", "seed=7", "hypervisor.ple.grow=3", "duration_s=0.004"},
        {"paper/fig1.json", "duration_s=0.05", "hypervisor.scheduler=none", "vms.count=2"}, /* tenants */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char file[4096];
        snprintf(file, sizeof file, "%s/scenarios/%s", th_src_dir(), cases[i].file);
        char *sets[] = {(char *)cases[i].set1, (char *)cases[i].set2, (char *)cases[i].set3,
                        (char *)"warmup_s=0"};
        vs_err err = {0};
        json_t *doc = sc_resolved_document(file, sets, 4, &err);
        ck_assert_msg(doc != NULL, "%s: %s", file, err.msg);
        /* self-contained: nothing left to look up */
        ck_assert_ptr_null(json_object_get(doc, "base"));
        ck_assert_ptr_nonnull(json_object_get(doc, "name"));
        json_t *host = json_object_get(doc, "host");
        ck_assert_ptr_null(json_object_get(host, "preset"));
        ck_assert_ptr_nonnull(json_object_get(host, "sockets"));
        json_t *wl = json_object_get(doc, "workload");
        const char *lg = json_string_value(json_object_get(wl, "jobs_csv"));
        ck_assert_msg(!lg || lg[0] == '/', "%s: log %s is not absolute", file, lg);
        /* ... and the same scenario from anywhere */
        scenario a, b;
        ck_assert_msg(sc_load(file, sets, 4, &a, &err) == 0, "%s: %s", file, err.msg);
        ck_assert_msg(sc_load_doc(doc, "/nonexistent/elsewhere.json", &b, &err) == 0, "%s resolved: %s",
                      file, err.msg);
        ck_assert_str_eq(a.name, b.name);
        ck_assert_str_eq(a.host.name, b.host.name);
        char *ra = run_results(&a), *rb = run_results(&b);
        ck_assert_msg(strcmp(ra, rb) == 0, "%s: the resolved document runs differently", file);
        free(ra);
        free(rb);
        scenario_free(&a);
        scenario_free(&b);
        json_decref(doc);
    }
    /* a document that does not validate is not resolved */
    char file[4096], *bad[] = {(char *)"guest.lock.windwo=1"};
    vs_err err = {0};
    snprintf(file, sizeof file, "%s/scenarios/teaching/overcommit.json", th_src_dir());
    ck_assert_ptr_null(sc_resolved_document(file, bad, 1, &err));
    ck_assert_msg(strstr(err.msg, "guest.lock.windwo: unknown key"), "%s", err.msg);
}
END_TEST

static Suite *make_suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *good = tcase_create("good");
    tcase_add_test(good, test_base_defaults);
    tcase_add_test(good, test_base_scenarios);
    tcase_add_test(good, test_messages_escape_control_chars);
    tcase_add_test(good, test_cfs_scaling);
    tcase_add_test(good, test_vm_array_form);
    tcase_add_test(good, test_count_form_vcpus_host);
    tcase_add_test(good, test_distributions);
    tcase_add_test(good, test_misc_good);
    tcase_add_test(good, test_script_workload);
    suite_add_tcase(s, good);
    TCase *badc = tcase_create("bad");
    tcase_add_loop_test(badc, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(badc, test_too_many_empirical_values);
    tcase_set_timeout(badc, 30);
    suite_add_tcase(s, badc);
    TCase *set = tcase_create("set");
    tcase_add_test(set, test_set_values);
    tcase_add_test(set, test_set_array_index);
    tcase_add_test(set, test_set_bad_paths);
    suite_add_tcase(s, set);
    TCase *files = tcase_create("files");
    tcase_add_test(files, test_find_preset);
    tcase_add_test(files, test_resolved_document);
    tcase_add_test(files, test_find_preset_datadir);
    tcase_add_test(files, test_preset_load);
    tcase_add_test(files, test_load_file);
    tcase_add_test(files, test_read_json_errors);
    suite_add_tcase(s, files);
    return s;
}
