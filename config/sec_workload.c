/* sec_workload.c - the workload section: the variant by "type", its
 * parameters from its table (config/params.h), and the structured values
 * some workloads declare as VP_CUSTOM keys, parsed here into wl_cfg:
 * script's locks and tasks, the kernel lock classes of gmake and replay,
 * replay's log. */
#include "config/sections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/buildlog.h"
#include "config/params.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"

static int sc_script_step(jv_obj *so, const wl_cfg *wl, script_step *st)
{
    static const char *const ops[] = {"compute_ns", "lock", "unlock", "sleep_ns"};
    int found = -1;
    for (int k = 0; k < 4; k++)
        if (json_object_get(so->obj, ops[k])) {
            if (found >= 0)
                return err_input(so->err, "%s: %s: expected exactly one of compute_ns, lock, unlock, "
                                          "sleep_ns in a step, found both %s and %s",
                                 so->file, so->path, ops[found], ops[k]);
            found = k;
        }
    if (found < 0)
        return err_input(so->err, "%s: %s: expected one of compute_ns, lock, unlock, sleep_ns", so->file,
                         so->path);
    st->op = (script_op)found;
    if (found == 0 || found == 3) {
        int64_t ns;
        if (jv_int(so, ops[found], 1, 0, 0, 1000000000000LL, &ns))
            return -1;
        st->ns = ns;
    } else {
        const char *names[CFG_MAX_LOCKS];
        for (int i = 0; i < wl->nlocks; i++)
            names[i] = wl->lock_names[i];
        if (wl->nlocks == 0)
            return jv_fail(so, ops[found], jv_get(so, ops[found]),
                           "a lock declared in the workload's \"locks\" list (none is declared)");
        if (jv_enum(so, ops[found], 1, names, wl->nlocks, 0, &st->lock))
            return -1;
    }
    return jv_done(so);
}

static int sc_script(jv_obj *wo, wl_cfg *wl, int nvcpus)
{
    json_t *locks = jv_get(wo, "locks"), *tasks;
    if (locks) {
        if (!json_is_array(locks) || json_array_size(locks) > CFG_MAX_LOCKS)
            return jv_fail(wo, "locks", locks, "an array of at most 32 locks {\"name\", \"kernel\"}");
        for (size_t i = 0; i < json_array_size(locks); i++) {
            jv_obj lo;
            char p[JV_PATH_MAX];
            const char *name;
            snprintf(p, sizeof p, "%s.locks[%zu]", wo->path, i);
            if (jv_open(&lo, json_array_get(locks, i), wo->file, p, wo->err) ||
                jv_str(&lo, "name", 1, NULL, &name) ||
                jv_bool(&lo, "kernel", 1, &wl->lock_kernel[i]) ||
                jv_bool(&lo, "irqs_off", 0, &wl->lock_irqs_off[i]) || jv_done(&lo))
                return -1;
            if (wl->lock_irqs_off[i] && !wl->lock_kernel[i])
                return jv_fail(&lo, "irqs_off", jv_get(&lo, "irqs_off"),
                               "false for a user-level lock (\"kernel\": false): only a kernel "
                               "spinlock is taken with interrupts disabled");
            if (!name[0] || strlen(name) >= CFG_NAME)
                return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name of 1 to 63 characters");
            for (int k = 0; k < wl->nlocks; k++)
                if (!strcmp(wl->lock_names[k], name))
                    return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name not used by another lock");
            snprintf(wl->lock_names[wl->nlocks++], CFG_NAME, "%s", name);
        }
    }
    if (jv_require(wo, "tasks", &tasks))
        return -1;
    size_t nt = json_array_size(tasks);
    if (!json_is_array(tasks) || nt < 1 || nt > CFG_MAX_SCRIPT_TASKS)
        return jv_fail(wo, "tasks", tasks, "an array of 1 to 4096 tasks");
    wl->tasks = vs_xcalloc(nt, sizeof(script_task));
    for (size_t i = 0; i < nt; i++) {
        script_task *st = &wl->tasks[i];
        wl->ntasks = (int)i + 1;
        jv_obj to;
        char p[JV_PATH_MAX];
        int64_t start;
        snprintf(p, sizeof p, "%s.tasks[%zu]", wo->path, i);
        json_t *steps;
        if (jv_open(&to, json_array_get(tasks, i), wo->file, p, wo->err) ||
            jv_intv(&to, "vcpu", 0, -1, -1, nvcpus - 1, &st->vcpu) ||
            jv_int(&to, "start_ns", 0, 0, 0, 1000000000000000LL, &start) ||
            jv_bool(&to, "repeat", 0, &st->repeat) || jv_require(&to, "steps", &steps))
            return -1;
        st->start = start;
        size_t ns = json_array_size(steps);
        if (!json_is_array(steps) || ns < 1 || ns > CFG_MAX_SCRIPT_STEPS)
            return jv_fail(&to, "steps", steps, "an array of 1 to 1024 steps");
        st->steps = vs_xcalloc(ns, sizeof(script_step));
        st->nsteps = (int)ns;
        int held[CFG_MAX_LOCKS] = {0};
        sim_time total = 0;
        for (size_t k = 0; k < ns; k++) {
            jv_obj so;
            char sp[JV_PATH_MAX];
            snprintf(sp, sizeof sp, "%s.steps[%zu]", p, k);
            if (jv_open(&so, json_array_get(steps, k), wo->file, sp, wo->err) ||
                sc_script_step(&so, wl, &st->steps[k]))
                return -1;
            script_step *s = &st->steps[k];
            total += s->ns;
            if (s->op == SOP_LOCK && held[s->lock]++)
                return err_input(wo->err, "%s: %s: lock \"%s\" is already held here (spinlocks do not nest)",
                                 wo->file, sp, wl->lock_names[s->lock]);
            if (s->op == SOP_UNLOCK && !held[s->lock]--)
                return err_input(wo->err, "%s: %s: unlock of \"%s\", which is not held here", wo->file, sp,
                                 wl->lock_names[s->lock]);
        }
        for (int k = 0; k < wl->nlocks; k++)
            if (held[k])
                return err_input(wo->err, "%s: %s.steps: lock \"%s\" is still held after the last step",
                                 wo->file, p, wl->lock_names[k]);
        if (st->repeat && total == 0)
            return err_input(wo->err, "%s: %s: a repeating task needs some compute_ns or sleep_ns > 0 "
                                      "(it would loop without time passing)", wo->file, p);
        if (jv_done(&to))
            return -1;
    }
    return 0;
}

/* gmake's kernel_locks: the lock classes (without them, gmake's check
 * fills its defaults). */
static int sc_gmake(jv_obj *wo, wl_cfg *wl, int nvcpus)
{
    (void)nvcpus;
    json_t *kl = jv_get(wo, "kernel_locks");
    if (!kl)
        return 0;
    if (!json_is_array(kl) || json_array_size(kl) < 1 || json_array_size(kl) > CFG_MAX_KLOCKS)
        return jv_fail(wo, "kernel_locks", kl, "an array of 1 to 8 lock classes");
    double rw = 0, fw = 0;
    for (size_t i = 0; i < json_array_size(kl); i++) {
        klock_cfg *c = &wl->klocks[i];
        jv_obj lo;
        char p[JV_PATH_MAX];
        const char *name;
        snprintf(p, sizeof p, "%s.kernel_locks[%zu]", wo->path, i);
        if (jv_open(&lo, json_array_get(kl, i), wo->file, p, wo->err) ||
            jv_str(&lo, "name", 1, NULL, &name) || jv_bool(&lo, "private", 0, &c->private_lock) ||
            jv_num(&lo, "run_weight", 0, 0, 0, 1e6, &c->run_weight) ||
            jv_num(&lo, "fork_weight", 0, 0, 0, 1e6, &c->fork_weight) ||
            jv_bool(&lo, "irqs_off", 0, &c->irqs_off))
            return -1;
        static const char *const scopes[] = {"os", "node", "build", "process"};
        int had_scope = jv_get(&lo, "scope") != NULL;
        if (jv_enum(&lo, "scope", 0, scopes, 4, c->private_lock ? KS_PROCESS : KS_OS, &c->scope))
            return -1;
        if (had_scope && c->private_lock && c->scope != KS_PROCESS)
            return jv_fail(&lo, "scope", jv_get(&lo, "scope"),
                           "\"process\" or no scope with \"private\": true (a private lock is "
                           "per process)");
        c->private_lock = c->scope == KS_PROCESS;
        if (!name[0] || strlen(name) >= CFG_NAME)
            return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name of 1 to 63 characters");
        snprintf(c->name, sizeof c->name, "%s", name);
        wl->nklocks = (int)i + 1;
        if (cfg_dist(&lo, "hold", 1, 0, &c->hold) || jv_done(&lo))
            return -1;
        rw += c->run_weight;
        fw += c->fork_weight;
    }
    if (!(rw > 0) || !(fw > 0))
        return jv_fail(wo, "kernel_locks", kl, "run_weight and fork_weight each summing to more than 0");
    return 0;
}

/* replay: a recorded build (config/buildlog.h, docs/replay.md). The log is
 * read here, relative to the scenario file, so a bad log is bad input
 * before anything runs. */
static int sc_replay(jv_obj *wo, wl_cfg *wl, int nvcpus)
{
    static const char *const formats[] = {"ninja", "csv"};
    const char *log, *csv;
    (void)nvcpus;
    if (jv_str(wo, "log", 0, NULL, &log) || jv_str(wo, "jobs_csv", 0, NULL, &csv))
        return -1;
    if (!log == !csv)
        return err_input(wo->err, "%s: %s: expected exactly one of \"log\" (a .ninja_log or a jobs "
                                  "CSV) and \"jobs_csv\", found %s",
                         wo->file, wo->path[0] ? wo->path : "workload", log ? "both" : "neither");
    const char *key = log ? "log" : "jobs_csv", *name = log ? log : csv;
    int fmt = csv ? BLOG_CSV : (int)blog_format_of(log);
    if (jv_enum(wo, "format", 0, formats, 2, fmt, &fmt))
        return -1;
    if (csv && fmt != BLOG_CSV)
        return jv_fail(wo, "format", jv_get(wo, "format"), "\"csv\" (jobs_csv is a CSV of jobs)");
    /* optional kernel sections while a job runs */
    json_t *kl = jv_get(wo, "kernel_locks");
    if (!kl && jv_get(wo, "kentry"))
        return jv_fail(wo, "kentry", jv_get(wo, "kentry"),
                       "no kentry without \"kernel_locks\" (jobs have no kernel sections)");
    if (kl) {
        double tw = 0;
        if (!json_is_array(kl) || json_array_size(kl) < 1 || json_array_size(kl) > CFG_MAX_KLOCKS)
            return jv_fail(wo, "kernel_locks", kl, "an array of 1 to 8 lock classes");
        for (size_t i = 0; i < json_array_size(kl); i++) {
            klock_cfg *c = &wl->klocks[i];
            jv_obj lo;
            char p[JV_PATH_MAX];
            const char *ln;
            snprintf(p, sizeof p, "%s.kernel_locks[%zu]", wo->path, i);
            if (jv_open(&lo, json_array_get(kl, i), wo->file, p, wo->err) ||
                jv_str(&lo, "name", 1, NULL, &ln) || jv_bool(&lo, "private", 0, &c->private_lock) ||
                jv_num(&lo, "weight", 0, 1, 0, 1e6, &c->run_weight) ||
                jv_bool(&lo, "irqs_off", 0, &c->irqs_off))
                return -1;
            if (!ln[0] || strlen(ln) >= CFG_NAME)
                return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name of 1 to 63 characters");
            snprintf(c->name, sizeof c->name, "%s", ln);
            wl->nklocks = (int)i + 1;
            if (cfg_dist(&lo, "hold", 1, 0, &c->hold) || jv_done(&lo))
                return -1;
            tw += c->run_weight;
        }
        if (!(tw > 0))
            return jv_fail(wo, "kernel_locks", kl, "weights summing to more than 0");
    }
    char path[4096], kp[JV_PATH_MAX];
    const char *slash = strrchr(wo->file, '/');
    if (name[0] != '/' && slash)
        snprintf(path, sizeof path, "%.*s/%s", (int)(slash - wo->file), wo->file, name);
    else
        snprintf(path, sizeof path, "%s", name);
    if (blog_read(path, (blog_format)fmt, &wl->graph, wo->err)) {
        err_prefix(wo->err, "%s: %s", wo->file, jv_keypath(wo, key, kp, sizeof kp));
        return -1;
    }
    double repeat = variant_get(wl->type, &wl->par, "repeat"),
           spawn_delay = variant_get(wl->type, &wl->par, "spawn_delay_ns"),
           cpu_scale = variant_get(wl->type, &wl->par, "cpu_scale");
    if (repeat != 0 && spawn_delay == 0 && wl->graph->total_cpu_ns * cpu_scale < 0.5)
        return err_input(wo->err, "%s: %s: the build takes no time (every job 0 ms, spawn_delay_ns 0); "
                                  "with \"repeat\" it would restart forever at the same instant",
                         wo->file, jv_keypath(wo, key, kp, sizeof kp));
    return 0;
}

/* The parsers of structured (VP_CUSTOM) workload keys, by workload. A
 * workload with only scalar and distribution parameters needs none. */
static const struct {
    const char *workload;
    int (*parse)(jv_obj *wo, wl_cfg *wl, int nvcpus);
} sc_custom[] = {
    {"script", sc_script},
    {"gmake", sc_gmake},
    {"replay", sc_replay},
};

int sec_workload(jv_obj *wo, wl_cfg *wl, int nvcpus, int npcpus)
{
    const char *names[VREG_MAX];
    int n = vreg_count(&wl_registry);
    for (int i = 0; i < n; i++)
        names[i] = wl_registry.v[i]->name;
    int k;
    if (jv_enum(wo, "type", 1, names, n, 0, &k))
        return -1;
    wl->type = wl_registry.v[k];
    memset(&wl->par, 0, sizeof wl->par);
    vp_ctx ctx = {.npcpus = npcpus, .nvcpus = nvcpus};
    int rc = cfg_params(wo, wl->type, wl->par.b);
    for (size_t i = 0; !rc && i < sizeof sc_custom / sizeof sc_custom[0]; i++)
        if (!strcmp(sc_custom[i].workload, wl->type->name))
            rc = sc_custom[i].parse(wo, wl, nvcpus);
    if (!rc)
        rc = cfg_check(wo, wl->type, wl, &ctx);
    if (rc || cfg_foreign_keys(wo, &wl_registry, wl->type) || jv_done(wo)) {
        wl_cfg_free(wl);
        return -1;
    }
    return 0;
}
