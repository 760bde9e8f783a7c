#include "config/scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/buildlog.h"
#include "config/datadir.h"
#include "config/jsonv.h"
#include "config/sections.h"
#include "models/host/hv.h"
#include "models/locks/lock.h"
#include "models/workloads/wl.h"
#include "sim/mem.h"

#define SC_MAX_FILE (16u << 20) /* scenario files above 16 MiB are refused */
#define SC_MAX_DEPTH 64         /* nesting deeper than this is refused */
#define MAX_COST_NS 1e9         /* no single cost above one second */
#define MAX_DURATION_S 1e6


static int sc_depth(const json_t *v, int d)
{
    if (d > SC_MAX_DEPTH)
        return d;
    int m = d;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c) {
            int x = sc_depth(c, d + 1);
            if (x > m)
                m = x;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *c;
        json_array_foreach(v, i, c) {
            int x = sc_depth(c, d + 1);
            if (x > m)
                m = x;
        }
    }
    return m;
}

/* Names the encoding of a file that starts with a byte-order mark or looks
 * like UTF-16/32, or returns NULL. Jansson reports these as "unable to
 * decode byte 0xff" or "'[' or '{' expected near '<invisible BOM>'", which
 * does not tell the user what to do. */
static const char *sc_sniff_encoding(const char *path)
{
    unsigned char b[4] = {1, 1, 1, 1};
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
        return "UTF-8 with a byte-order mark (EF BB BF)";
    if (n >= 4 && ((b[0] == 0xff && b[1] == 0xfe && !b[2] && !b[3]) ||
                   (!b[0] && !b[1] && b[2] == 0xfe && b[3] == 0xff)))
        return "UTF-32";
    if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff)))
        return "UTF-16";
    /* "{" or "[" or a blank, then a NUL byte (or the reverse): UTF-16 text */
    if (n >= 2 && ((b[0] && strchr("{[ \t\r\n", b[0]) && !b[1]) ||
                   (!b[0] && b[1] && strchr("{[ \t\r\n", b[1]))))
        return "UTF-16 (no byte-order mark)";
    return NULL;
}

static int sc_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static json_t *sc_read_json_1(const char *path, vs_err *err);

static json_t *sc_read_json_depth(const char *path, int depth, vs_err *err);

json_t *sc_read_json(const char *path, vs_err *err) { return sc_read_json_depth(path, 0, err); }

/* The file `name` names from the file `file` into buf: name itself when it
 * is absolute or file has no directory part, else FILE'S DIR/name. */
static void sc_beside(const char *file, const char *name, char *buf, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (name[0] == '/' || !slash)
        snprintf(buf, n, "%s", name);
    else
        snprintf(buf, n, "%.*s/%s", (int)(slash - file), file, name);
}

/* "base": "other.json" - the document is that file (path relative to this
 * one) with this document's keys merged over it (objects recursively,
 * everything else replaced). Bases may chain, at most 4 deep. */
static json_t *sc_apply_base(json_t *doc, const char *path, int depth, vs_err *err)
{
    json_t *b = json_object_get(doc, "base");
    if (!b)
        return doc;
    if (!json_is_string(b)) {
        char d[128];
        err_input(err, "%s: base: expected the path of a scenario to start from, found %s", path,
                  jv_describe(b, d, sizeof d));
        json_decref(doc);
        return NULL;
    }
    if (depth >= 4) {
        err_input(err, "%s: base: more than 4 levels of base scenarios (a cycle?)", path);
        json_decref(doc);
        return NULL;
    }
    char bp[4096];
    const char *name = json_string_value(b);
    sc_beside(path, name, bp, sizeof bp);
    if (!sc_is_file(bp) && name[0] != '/') { /* a bundled scenario: "paper/fig1" */
        char ext[4096], found[4096];
        snprintf(ext, sizeof ext, "%s.json", name);
        if (dd_find(name, found, sizeof found) == 0 || dd_find(ext, found, sizeof found) == 0)
            snprintf(bp, sizeof bp, "%s", found);
    }
    json_t *base = sc_read_json_depth(bp, depth + 1, err);
    if (!base) {
        err_prefix(err, "%s: base", path);
        json_decref(doc);
        return NULL;
    }
    json_object_del(doc, "base");
    json_object_update_recursive(base, doc);
    json_decref(doc);
    return base;
}

int sc_resolve_file(const char *arg, char *buf, size_t n)
{
    struct stat st;
    snprintf(buf, n, "%s", arg);
    if (stat(arg, &st) == 0 || errno != ENOENT || !*arg)
        return 0;
    size_t l = strlen(arg);
    int has_ext = l >= 5 && strcmp(arg + l - 5, ".json") == 0;
    char tmp[4096];
    if (!has_ext && (size_t)snprintf(tmp, sizeof tmp, "%s.json", arg) < sizeof tmp &&
        sc_is_file(tmp)) {
        snprintf(buf, n, "%s", tmp);
        return 0; /* beside the given path: relative references stay as they are */
    }
    if (arg[0] == '/' || strncmp(arg, "./", 2) == 0 || strncmp(arg, "../", 3) == 0)
        return 0;
    if (dd_find(arg, buf, n) == 0)
        return 1;
    if (!has_ext && (size_t)snprintf(tmp, sizeof tmp, "%s.json", arg) < sizeof tmp &&
        dd_find(tmp, buf, n) == 0)
        return 1;
    snprintf(buf, n, "%s", arg);
    return 0;
}

/* Replaces the relative file name at doc.key (a string) with the same file
 * seen from the current directory: relative to `file`'s directory. */
static void sc_anchor_path(json_t *obj, const char *key, const char *file)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_value(v)[0] == '/' || !json_string_value(v)[0])
        return;
    char p[8200];
    sc_beside(file, json_string_value(v), p, sizeof p);
    json_object_set_new(obj, key, json_string(p));
}

static void sc_anchor_workload(json_t *wl, const char *file)
{
    if (!json_is_object(wl))
        return;
    sc_anchor_path(wl, "log", file);
    sc_anchor_path(wl, "jobs_csv", file);
}

/* A document read from `file` but interpreted as if it were elsewhere (a
 * base merged into another scenario, or a bundled scenario named from
 * anywhere) keeps the meaning of its references: a host preset is looked up
 * from `file` now and replaced by the preset file's absolute path; relative
 * build-log paths are made relative to `file`'s directory. */
static int sc_anchor_refs(json_t *doc, const char *file, vs_err *err)
{
    json_t *host = json_object_get(doc, "host");
    json_t *pn = json_is_object(host) ? json_object_get(host, "preset") : NULL;
    if (json_is_string(pn)) {
        char found[4096], real[PATH_MAX];
        if (sc_find_preset(file, "hosts", json_string_value(pn), found, sizeof found, err))
            return -1;
        json_object_set_new(host, "preset", json_string(realpath(found, real) ? real : found));
    }
    sc_anchor_workload(json_object_get(doc, "workload"), file);
    json_t *vms = json_object_get(doc, "vms"), *vm;
    size_t i;
    if (json_is_array(vms))
        json_array_foreach(vms, i, vm) if (json_is_object(vm))
            sc_anchor_workload(json_object_get(vm, "workload"), file);
    return 0;
}

static json_t *sc_read_json_depth(const char *path, int depth, vs_err *err)
{
    char found[4096];
    int moved = depth == 0 && sc_resolve_file(path, found, sizeof found);
    const char *rpath = depth == 0 ? found : path;
    struct stat st;
    if (depth == 0 && stat(rpath, &st) != 0 && errno == ENOENT) {
        char dirs[4 * 4096];
        dd_describe(dirs, sizeof dirs);
        if (path[0] == '/' || strncmp(path, "./", 2) == 0 || strncmp(path, "../", 3) == 0)
            err_input(err, "%s: cannot read: %s", path, strerror(ENOENT));
        else
            err_input(err, "%s: cannot read: %s (nor is it a bundled scenario in %s)", path,
                      strerror(ENOENT), dirs);
        jv_printable_msg(err);
        return NULL;
    }
    json_t *doc = sc_read_json_1(rpath, err);
    if (doc && json_is_object(doc) && (depth > 0 || moved) && sc_anchor_refs(doc, rpath, err)) {
        json_decref(doc);
        doc = NULL;
    }
    if (doc && json_is_object(doc))
        doc = sc_apply_base(doc, rpath, depth, err);
    if (!doc)
        jv_printable_msg(err);
    return doc;
}

static json_t *sc_read_json_1(const char *path, vs_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        err_input(err, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_input(err, "%s: not a regular file", path);
        return NULL;
    }
    if ((unsigned long long)st.st_size > SC_MAX_FILE) {
        err_input(err, "%s: file too large (%lld bytes, at most %u)", path, (long long)st.st_size,
                  SC_MAX_FILE);
        return NULL;
    }
    json_error_t je;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!doc) {
        const char *enc = sc_sniff_encoding(path);
        if (enc)
            err_input(err, "%s: the file is encoded as %s; save it as UTF-8 without a byte-order mark",
                      path, enc);
        else if (strstr(je.text, "JSON_ALLOW_NUL")) /* jansson names its own flag */
            err_input(err, "%s:%d:%d: invalid JSON: a string holds \\u0000 (a NUL character), "
                           "which scenarios do not allow", path, je.line, je.column);
        else
            err_input(err, "%s:%d:%d: invalid JSON: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    if (sc_depth(doc, 0) > SC_MAX_DEPTH) {
        json_decref(doc);
        err_input(err, "%s: nested more than %d levels deep", path, SC_MAX_DEPTH);
        return NULL;
    }
    return doc;
}

/* --- presets ------------------------------------------------------------ */


int sc_find_preset(const char *file, const char *kind, const char *name, char *buf, size_t n,
                   vs_err *err)
{
    if (strchr(name, '/') || strstr(name, ".json")) { /* a path, relative to the scenario */
        sc_beside(file, name, buf, n);
        if (sc_is_file(buf))
            return 0;
        struct stat st; /* "not found" would mislead for a directory or a device */
        if (stat(buf, &st) == 0)
            return err_input(err, "%s: preset file %s is not a regular file", file, buf);
        return err_input(err, "%s: preset file %s not found", file, buf);
    }
    char dir[4096];
    const char *slash = strrchr(file, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - file), file);
    else
        snprintf(dir, sizeof dir, ".");
    for (int up = 0; up < 4; up++) {
        snprintf(buf, n, "%s/%s/%s.json", dir, kind, name);
        if (sc_is_file(buf))
            return 0;
        size_t l = strlen(dir);
        if (l + 3 >= sizeof dir)
            break;
        strcat(dir, "/..");
    }
    char rel[600];
    snprintf(rel, sizeof rel, "%s/%s.json", kind, name);
    if (dd_find(rel, buf, n) == 0) /* $VMSIM_DATADIR, then vmsim's own data */
        return 0;
    snprintf(buf, n, "scenarios/%s", rel); /* from a source checkout's top */
    if (sc_is_file(buf))
        return 0;
    char dirs[4 * 4096];
    dd_describe(dirs, sizeof dirs);
    return err_input(err, "%s: %s preset \"%s\" not found (looked for %s beside the scenario "
                          "and up to three directories above, in $VMSIM_DATADIR and vmsim's data "
                          "directories (%s), and in ./scenarios)",
                     file, kind, name, rel, dirs);
}

/* --- sections ------------------------------------------------------------- */

static const char *const cost_keys[] = {
    "line_same_core_ns", "line_same_socket_ns", "line_one_hop_ns", "line_two_hops_ns",
};
static const char *const migrate_keys[] = {
    "migrate_same_core_ns", "migrate_same_socket_ns", "migrate_one_hop_ns", "migrate_two_hops_ns",
};

/* The host object hv (with a "preset") as the preset file's host with hv's
 * other keys merged over it: a new reference, or NULL (err filled). The
 * preset's path goes to ppath, the host's default name to name: the
 * preset's, however it was named ("x3950-x6" for "x3950-x6",
 * "../hosts/x3950-x6.json" or an absolute path). */
static json_t *sc_preset_merge(const char *file, json_t *hv, char *ppath, size_t pn_len, char *name,
                               size_t name_len, vs_err *err)
{
    json_t *pn = json_object_get(hv, "preset");
    if (sc_find_preset(file, "hosts", json_string_value(pn), ppath, pn_len, err))
        return NULL;
    json_t *merged = sc_read_json(ppath, err);
    if (!merged)
        return NULL;
    if (!json_is_object(merged)) {
        json_decref(merged);
        err_input(err, "%s: expected a host object at the top level", ppath);
        return NULL;
    }
    json_t *over = json_deep_copy(hv);
    json_object_del(over, "preset");
    json_object_update_recursive(merged, over);
    json_decref(over);
    const char *pv = json_string_value(pn), *base = strrchr(pv, '/');
    base = base ? base + 1 : pv;
    size_t bl = strlen(base);
    if (bl > 5 && strcmp(base + bl - 5, ".json") == 0)
        bl -= 5;
    snprintf(name, name_len, "%.*s", (int)bl, base);
    return merged;
}

static int sc_host(jv_obj *root, const char *file, json_t *doc, host_cfg *h, json_t **merged_out)
{
    vs_err *err = root->err;
    json_t *hv = json_object_get(doc, "host");
    json_t *merged = NULL;
    const char *hfile = file;
    char ppath[4096], hbuf[8300];
    if (hv && json_is_object(hv) && json_object_get(hv, "preset")) {
        json_t *pn = json_object_get(hv, "preset");
        if (!json_is_string(pn))
            return jv_fail(root, "host.preset", pn, "a preset name or path (string)");
        merged = sc_preset_merge(file, hv, ppath, sizeof ppath, h->name, sizeof h->name, err);
        if (!merged)
            return -1;
        /* a bad value may be the preset's or the scenario's override: name both */
        snprintf(hbuf, sizeof hbuf, "%s (host preset %s)", file, ppath);
        hfile = hbuf;
    } else if (hv) {
        merged = json_incref(hv);
    }
    if (!merged) {
        json_t *d;
        return jv_require(root, "host", &d);
    }
    *merged_out = merged; /* the caller frees it after validation (messages borrow keys) */
    jv_obj o;
    if (jv_open(&o, merged, hfile, "host", err))
        return -1;
    jv_get(&o, "preset");
    const char *name;
    if (jv_str(&o, "name", 0, NULL, &name))
        return -1;
    if (name)
        snprintf(h->name, sizeof h->name, "%s", name);
    else if (!h->name[0])
        snprintf(h->name, sizeof h->name, "custom");
    jv_get(&o, "description");
    if (jv_intv(&o, "sockets", 1, 1, 1, CFG_MAX_SOCKETS, &h->sockets) ||
        jv_intv(&o, "cores_per_socket", 1, 1, 1, CFG_MAX_CORES, &h->cores_per_socket) ||
        jv_intv(&o, "smt", 0, 1, 1, 2, &h->smt) || jv_num(&o, "ghz", 0, 2.0, 0.1, 10, &h->ghz) ||
        jv_num(&o, "cpu_speed", 0, 1.0, 0.05, 20, &h->cpu_speed))
        return -1;
    int total = h->sockets * h->cores_per_socket * h->smt;
    if (total > CFG_MAX_CORES)
        return err_input(err, "%s: host: %d hardware threads; at most %d are supported", hfile, total,
                         CFG_MAX_CORES);
    static const char *const placements[] = {"fill", "spread"};
    if (jv_intv(&o, "cores", 0, 0, 0, total, &h->cores) ||
        jv_enum(&o, "placement", 0, placements, 2, 0, &h->spread))
        return -1;
    /* NUMA hops: default 1 between any two sockets */
    json_t *hops = jv_get(&o, "numa_hops");
    for (int a = 0; a < h->sockets; a++)
        for (int b = 0; b < h->sockets; b++)
            h->hops[a][b] = a != b;
    if (hops) {
        if (!json_is_array(hops) || (int)json_array_size(hops) != h->sockets)
            return jv_fail(&o, "numa_hops", hops, "a square matrix (array of arrays) with one row per socket");
        for (int a = 0; a < h->sockets; a++) {
            json_t *row = json_array_get(hops, (size_t)a);
            char p[64];
            snprintf(p, sizeof p, "numa_hops[%d]", a);
            if (!json_is_array(row) || (int)json_array_size(row) != h->sockets)
                return jv_fail(&o, p, row, "a row with one entry per socket (the matrix must be square)");
            for (int b = 0; b < h->sockets; b++) {
                json_t *x = json_array_get(row, (size_t)b);
                snprintf(p, sizeof p, "numa_hops[%d][%d]", a, b);
                if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 8)
                    return jv_fail(&o, p, x, "an integer hop count in [0, 8]");
                h->hops[a][b] = (int)json_integer_value(x);
                if ((a == b) != (h->hops[a][b] == 0))
                    return jv_fail(&o, p, x, a == b ? "0 on the diagonal" : "at least 1 off the diagonal");
            }
        }
        for (int a = 0; a < h->sockets; a++)
            for (int b = 0; b < a; b++)
                if (h->hops[a][b] != h->hops[b][a]) {
                    char p[64], what[96];
                    snprintf(p, sizeof p, "numa_hops[%d][%d]", a, b);
                    snprintf(what, sizeof what, "a symmetric matrix (equal to numa_hops[%d][%d] = %d)", b,
                             a, h->hops[b][a]);
                    return jv_fail(&o, p, json_array_get(json_array_get(hops, (size_t)a), (size_t)b), what);
                }
    }
    jv_obj c;
    if (jv_child(&o, "costs", &c, NULL))
        return -1;
    /* Defaults: mid-points of the ranges in shared MODEL.md section 3 [est];
     * presets cite their own values. */
    static const double line_def[] = {15, 50, 150, 215};
    static const double mig_def[] = {0, 2000, 10000, 15000};
    for (int k = 0; k < DIST_NCLASS; k++)
        if (jv_num(&c, cost_keys[k], 0, line_def[k], 0, MAX_COST_NS, &h->line_ns[k]) ||
            jv_num(&c, migrate_keys[k], 0, mig_def[k], 0, MAX_COST_NS, &h->migrate_ns[k]))
            return -1;
    if (jv_num(&c, "coherence_ns", 0, 0, 0, MAX_COST_NS, &h->coherence_ns) ||
        jv_num(&c, "pause_cycles", 0, 10, 0.01, 1e6, &h->pause_cycles) ||
        jv_num(&c, "vmexit_ns", 0, 400, 0, MAX_COST_NS, &h->vmexit_ns) ||
        jv_num(&c, "kick_ns", 0, 1500, 0, MAX_COST_NS, &h->kick_ns) ||
        jv_num(&c, "pv_scan_ns", 0, 100, 0, MAX_COST_NS, &h->pv_scan_ns) ||
        jv_num(&c, "ipi_ns", 0, 1500, 0, MAX_COST_NS, &h->ipi_ns) ||
        jv_num(&c, "wake_ns", 0, 10000, 0, MAX_COST_NS, &h->wake_ns) ||
        jv_num(&c, "native_wake_ns", 0, 1000, 0, MAX_COST_NS, &h->native_wake_ns) ||
        jv_num(&c, "ctx_switch_ns", 0, 2000, 0, MAX_COST_NS, &h->ctx_switch_ns) ||
        jv_num(&c, "resched_ipi_ns", 0, 0, 0, MAX_COST_NS, &h->resched_ipi_ns) ||
        jv_num(&c, "switch_refill_ns", 0, 0, 0, MAX_COST_NS, &h->switch_refill_ns) || jv_done(&c))
        return -1;
    return jv_done(&o);
}

/* Parses guest + workload sections (from `doc`, the VM's merged view). */
static int sc_vm(json_t *gdoc, json_t *wdoc, const char *file, const char *gpath, const char *wpath,
                 int npcpus, vm_cfg *v, vs_err *err)
{
    jv_obj g, wo;
    if (gdoc) {
        if (jv_open(&g, gdoc, file, gpath, err))
            return -1;
    } else {
        jv_open(&g, NULL, file, gpath, err);
    }
    int64_t slice, tick, nodes = -1;
    if (sec_lock(&g, &v->lock, v->vcpus, npcpus) ||
        jv_int(&g, "slice_ns", 0, 3000000, 1000, 10000000000LL, &slice) ||
        jv_int(&g, "tick_ns", 0, 0, 0, 1000000000LL, &tick))
        return -1;
    json_t *nn = jv_get(&g, "numa_nodes");
    if (nn && json_is_string(nn) && !strcmp(json_string_value(nn), "host"))
        nodes = 0;
    else if (nn && (!json_is_integer(nn) || json_integer_value(nn) < 1 ||
                    json_integer_value(nn) > v->vcpus))
        return jv_fail(&g, "numa_nodes", nn, "an integer from 1 to the vCPU count, or \"host\"");
    else if (nn)
        nodes = json_integer_value(nn);
    if (jv_done(&g))
        return -1;
    v->slice = slice;
    v->tick = tick;
    v->numa_nodes = (int)nodes;
    if (!wdoc)
        return err_input(err, "%s: %s: required key missing", file, wpath);
    if (jv_open(&wo, wdoc, file, wpath, err))
        return -1;
    return sec_workload(&wo, &v->wl, v->vcpus, npcpus);
}

int sc_load_doc(json_t *doc, const char *file, scenario *sc, vs_err *err)
{
    memset(sc, 0, sizeof *sc);
    jv_obj root;
    json_t *hostdoc = NULL;
    int rc = -1;
    if (jv_open(&root, doc, file, "", err))
        return -1;
    const char *name;
    double dur, warm;
    int64_t seed, maxev, nbatch;
    if (jv_str(&root, "name", 0, NULL, &name))
        goto out;
    if (!name) {
        const char *b = strrchr(file, '/');
        name = b ? b + 1 : file;
    }
    snprintf(sc->name, sizeof sc->name, "%s", name);
    jv_get(&root, "description");
    jv_get(&root, "sweep"); /* read by the sweep runner (analysis/sweep.c) */
    if (jv_int(&root, "seed", 0, 1, 0, INT64_MAX, &seed) ||
        jv_num(&root, "duration_s", 1, 0, 1e-9, MAX_DURATION_S, &dur) ||
        jv_num(&root, "warmup_s", 0, 0, 0, MAX_DURATION_S, &warm) ||
        jv_int(&root, "max_events", 0, 0, 0, (int64_t)EV_MAX_SEQ - 1, &maxev) ||
        jv_int(&root, "batches", 0, 0, 0, BATCH_MAX, &nbatch))
        goto out;
    if (nbatch == 1) {
        jv_fail(&root, "batches", jv_get(&root, "batches"), "0 (none) or 2 to 1000 batches");
        goto out;
    }
    if (warm >= dur) {
        jv_fail(&root, "warmup_s", jv_get(&root, "warmup_s"), "a number below duration_s");
        goto out;
    }
    sc->seed = (uint64_t)seed;
    sc->duration = (sim_time)llround(dur * 1e9);
    sc->warmup = (sim_time)llround(warm * 1e9);
    sc->max_events = (uint64_t)maxev;
    sc->batches = (int)nbatch;
    jv_get(&root, "host");
    if (sc_host(&root, file, doc, &sc->host, &hostdoc))
        goto out;
    int npcpus = sc->host.cores ? sc->host.cores
                                : sc->host.sockets * sc->host.cores_per_socket * sc->host.smt;
    if (sec_hypervisor(&root, &sc->hv, npcpus))
        goto out;
    /* VMs: {"count": N, "vcpus": K | "host"} or an array of {"name", "vcpus", "guest", "workload"} */
    json_t *vms = jv_get(&root, "vms"), *guest = jv_get(&root, "guest"), *wl = jv_get(&root, "workload");
    if (guest && !json_is_object(guest)) {
        jv_fail(&root, "guest", guest, "an object");
        goto out;
    }
    if (wl && !json_is_object(wl)) {
        jv_fail(&root, "workload", wl, "an object");
        goto out;
    }
    int count = 1;
    json_t *arr = NULL;
    jv_obj vo;
    int vcpus_host = 1, vcpus = 0;
    if (vms && json_is_array(vms)) {
        arr = vms;
        count = (int)json_array_size(vms);
        if (count < 1 || count > CFG_MAX_VMS) {
            jv_fail(&root, "vms", vms, "an array of 1 to 256 VMs");
            goto out;
        }
    } else {
        if (jv_child(&root, "vms", &vo, NULL) || jv_intv(&vo, "count", 0, 1, 1, CFG_MAX_VMS, &count))
            goto out;
        json_t *vc = jv_get(&vo, "vcpus");
        if (vc && json_is_string(vc) && strcmp(json_string_value(vc), "host") == 0) {
            vcpus_host = 1;
        } else if (vc) {
            vcpus_host = 0;
            if (jv_intv(&vo, "vcpus", 1, 1, 1, CFG_MAX_VCPUS, &vcpus))
                goto out;
        }
        if (jv_done(&vo))
            goto out;
    }
    sc->vms = vs_xcalloc((size_t)count, sizeof(vm_cfg));
    for (int i = 0; i < count; i++) {
        vm_cfg *v = &sc->vms[i];
        json_t *g = guest ? json_deep_copy(guest) : NULL, *w = wl ? json_deep_copy(wl) : NULL;
        char gpath[64] = "guest", wpath[64] = "workload";
        snprintf(v->name, sizeof v->name, "vm%d", i);
        v->vcpus = vcpus_host ? npcpus : vcpus;
        if (arr) {
            jv_obj e;
            char ep[32];
            snprintf(ep, sizeof ep, "vms[%d]", i);
            const char *vn;
            json_t *eg, *ew, *vc;
            int bad = jv_open(&e, json_array_get(arr, (size_t)i), file, ep, err) ||
                      jv_str(&e, "name", 0, NULL, &vn);
            if (!bad) {
                /* a long name was cut to 63 bytes and two VMs could share a
                 * name, which the results (locks[].vm) cannot tell apart */
                if (vn && (!vn[0] || strlen(vn) >= sizeof v->name))
                    bad = jv_fail(&e, "name", jv_get(&e, "name"), "a name of 1 to 63 bytes");
                else if (vn)
                    snprintf(v->name, sizeof v->name, "%s", vn);
                for (int k = 0; !bad && k < i; k++)
                    if (!strcmp(sc->vms[k].name, v->name))
                        bad = err_input(err, "%s: %s.name: expected a name no other VM has, found \"%s\" "
                                             "(the name of vms[%d] too)",
                                        file, ep, v->name, k);
            }
            if (!bad) {
                vc = jv_get(&e, "vcpus");
                if (vc && !(json_is_string(vc) && strcmp(json_string_value(vc), "host") == 0))
                    bad = jv_intv(&e, "vcpus", 1, 1, 1, CFG_MAX_VCPUS, &v->vcpus);
                eg = jv_get(&e, "guest");
                ew = jv_get(&e, "workload");
                if (!bad && eg) { /* per-VM overrides merge over the shared sections */
                    if (!json_is_object(eg))
                        bad = jv_fail(&e, "guest", eg, "an object");
                    else {
                        if (!g)
                            g = json_object();
                        json_object_update_recursive(g, eg);
                        snprintf(gpath, sizeof gpath, "%s.guest", ep);
                    }
                }
                if (!bad && ew) {
                    if (!json_is_object(ew))
                        bad = jv_fail(&e, "workload", ew, "an object");
                    else {
                        if (!w)
                            w = json_object();
                        json_object_update_recursive(w, ew);
                        snprintf(wpath, sizeof wpath, "%s.workload", ep);
                    }
                }
                if (!bad)
                    bad = jv_done(&e);
            }
            if (bad) {
                json_decref(g);
                json_decref(w);
                sc->nvms = i;
                goto out;
            }
        }
        int bad = sc_vm(g, w, file, gpath, wpath, npcpus, v, err);
        json_decref(g);
        json_decref(w);
        if (bad) {
            sc->nvms = i;
            goto out;
        }
        sc->nvms = i + 1;
    }
    if (jv_done(&root))
        goto out;
    /* Cross-section checks */
    int total = 0;
    for (int i = 0; i < sc->nvms; i++)
        total += sc->vms[i].vcpus;
    int native = ((const hv_ops *)sc->hv.sched->ops)->native;
    if (native && sc->nvms > 1 && !arr && wl_of_cfg(&sc->vms[0].wl)->tenants &&
        sc->vms[0].vcpus <= npcpus) {
        /* Bare metal has one OS: k identical "VMs" of a workload that can
         * share one become k tenants of it, which the model folds into one
         * VM (models/run.c). */
        total = sc->vms[0].vcpus;
    } else if (native && (sc->nvms != 1 || total > npcpus)) {
        err_input(err, "%s: hypervisor.scheduler: \"none\" (bare metal) runs one OS with at most one "
                       "CPU per core; found %d VMs with %d vCPUs on %d cores (several VMs of a gmake "
                       "workload become concurrent builds in that OS)",
                  file, sc->nvms, total, npcpus);
        goto out;
    }
    if (sc->hv.npin && sc->hv.pin_per_vm) {
        json_t *pin = json_object_get(json_object_get(doc, "hypervisor"), "pin");
        if ((int)json_array_size(pin) != sc->nvms) {
            err_input(err, "%s: hypervisor.pin: %zu rows, but there are %d VMs (one row per VM)", file,
                      json_array_size(pin), sc->nvms);
            goto out;
        }
        for (int i = 0; i < sc->nvms; i++)
            if ((int)json_array_size(json_array_get(pin, (size_t)i)) != sc->vms[i].vcpus) {
                err_input(err, "%s: hypervisor.pin[%d]: %zu entries, but VM %s has %d vCPUs", file, i,
                          json_array_size(json_array_get(pin, (size_t)i)), sc->vms[i].name,
                          sc->vms[i].vcpus);
                goto out;
            }
    } else if (sc->hv.npin) {
        for (int i = 0; i < sc->nvms; i++)
            if (sc->vms[i].vcpus > sc->hv.npin) {
                err_input(err, "%s: hypervisor.pin: %d entries, but VM %s has %d vCPUs", file,
                          sc->hv.npin, sc->vms[i].name, sc->vms[i].vcpus);
                goto out;
            }
    }
    if (total > 65536) {
        err_input(err, "%s: vms: %d vCPUs in all; at most 65536 are supported", file, total);
        goto out;
    }
    long long threads = 0;
    for (int i = 0; i < sc->nvms; i++)
        if (variant_param(sc->vms[i].wl.type, "threads")) { /* the lock loop's tasks */
            double t = variant_get(sc->vms[i].wl.type, &sc->vms[i].wl.par, "threads");
            threads += t > 0 ? (long long)t : sc->vms[i].vcpus;
        }
    if (threads > CFG_MAX_THREADS) {
        err_input(err, "%s: workload.threads: %lld lock-loop threads over all VMs; at most %d are supported",
                  file, threads, CFG_MAX_THREADS);
        goto out;
    }
    rc = 0;
out:
    json_decref(hostdoc);
    if (rc) {
        scenario_free(sc);
        jv_printable_msg(err);
    }
    return rc;
}

int sc_load(const char *file, char *const *sets, int nsets, scenario *sc, vs_err *err)
{
    json_t *doc = sc_read_json(file, err);
    if (!doc)
        return -1;
    for (int i = 0; i < nsets; i++)
        if (sc_apply_set(doc, sets[i], err)) {
            json_decref(doc);
            return -1;
        }
    int rc = sc_load_doc(doc, file, sc, err);
    json_decref(doc);
    return rc;
}

/* Makes the relative build-log path at obj.key absolute (as seen from
 * file's directory). */
static void sc_absolute_path(json_t *obj, const char *key, const char *file)
{
    sc_anchor_path(obj, key, file);
    json_t *v = json_object_get(obj, key);
    char real[PATH_MAX];
    if (json_is_string(v) && realpath(json_string_value(v), real))
        json_object_set_new(obj, key, json_string(real));
}

json_t *sc_resolved_document(const char *file, char *const *sets, int nsets, vs_err *err)
{
    json_t *doc = sc_read_json(file, err);
    if (!doc)
        return NULL;
    for (int i = 0; i < nsets; i++)
        if (sc_apply_set(doc, sets[i], err)) {
            json_decref(doc);
            return NULL;
        }
    scenario sc;
    if (sc_load_doc(doc, file, &sc, err)) { /* only a valid document is resolved */
        json_decref(doc);
        return NULL;
    }
    char found[4096];
    sc_resolve_file(file, found, sizeof found); /* where relative references point */
    if (!json_object_get(doc, "name"))
        json_object_set_new(doc, "name", json_string(sc.name));
    scenario_free(&sc);
    json_t *hv = json_object_get(doc, "host");
    if (json_is_object(hv) && json_is_string(json_object_get(hv, "preset"))) {
        char ppath[4096], name[CFG_NAME];
        json_t *merged = sc_preset_merge(found, hv, ppath, sizeof ppath, name, sizeof name, err);
        if (!merged) {
            json_decref(doc);
            return NULL;
        }
        if (!json_object_get(merged, "name"))
            json_object_set_new(merged, "name", json_string(name));
        json_object_set_new(doc, "host", merged);
    }
    json_t *wl = json_object_get(doc, "workload"), *vms = json_object_get(doc, "vms"), *vm;
    if (json_is_object(wl)) {
        sc_absolute_path(wl, "log", found);
        sc_absolute_path(wl, "jobs_csv", found);
    }
    size_t i;
    if (json_is_array(vms))
        json_array_foreach(vms, i, vm) {
            json_t *vw = json_object_get(vm, "workload");
            if (json_is_object(vw)) {
                sc_absolute_path(vw, "log", found);
                sc_absolute_path(vw, "jobs_csv", found);
            }
        }
    return doc;
}
