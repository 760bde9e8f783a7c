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

/* Rewrites control characters in err's message as \xHH. Keys, enum values,
 * VM and lock names and preset names are the user's text and are quoted
 * into messages; a "\n" or an ESC sequence in them must not break the
 * one-line message or the terminal (found by tests/bad-inputs). */
static void sc_printable_msg(vs_err *err)
{
    if (!err)
        return;
    char out[sizeof err->msg];
    size_t o = 0;
    for (size_t i = 0; err->msg[i] && o + 5 < sizeof out; i++) {
        unsigned char c = (unsigned char)err->msg[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = 0;
    memcpy(err->msg, out, o + 1);
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
    const char *name = json_string_value(b), *slash = strrchr(path, '/');
    if (name[0] == '/' || !slash)
        snprintf(bp, sizeof bp, "%s", name);
    else
        snprintf(bp, sizeof bp, "%.*s/%s", (int)(slash - path), path, name);
    if (!sc_is_file(bp) && name[0] != '/') { /* a bundled scenario: "paper/fig1" */
        char ext[4096];
        snprintf(ext, sizeof ext, "%s.json", name);
        if (dd_find(name, bp, sizeof bp) && dd_find(ext, bp, sizeof bp))
            snprintf(bp, sizeof bp, "%.*s/%s", slash ? (int)(slash - path) : 0, path, name);
        if (!slash && !sc_is_file(bp))
            snprintf(bp, sizeof bp, "%s", name);
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

/* The directory part of path (".") into buf. */
static void sc_dirname(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(buf, n, "%.*s", (int)(slash - path), path);
    else
        snprintf(buf, n, ".");
}

/* Replaces the relative file name at doc.key (a string) with the same file
 * seen from the current directory: relative to `file`'s directory. */
static void sc_anchor_path(json_t *obj, const char *key, const char *file)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v) || json_string_value(v)[0] == '/' || !json_string_value(v)[0])
        return;
    char dir[4096], p[8200];
    sc_dirname(file, dir, sizeof dir);
    snprintf(p, sizeof p, "%s/%s", dir, json_string_value(v));
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
        sc_printable_msg(err);
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
        sc_printable_msg(err);
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

/* --- paths -------------------------------------------------------------- */

/* Splits the next path component into buf; returns pointer after it or NULL
 * at the end. Accepts "a.b", "a[0].b", "a.0.b". */
static const char *sc_next_comp(const char *p, char *buf, size_t n, int *is_index)
{
    size_t k = 0;
    *is_index = 0;
    if (*p == '[') {
        p++;
        while (*p && *p != ']' && k + 1 < n)
            buf[k++] = *p++;
        if (*p == ']')
            p++;
        *is_index = 1;
    } else {
        while (*p && *p != '.' && *p != '[' && k + 1 < n)
            buf[k++] = *p++;
    }
    buf[k] = 0;
    if (*p == '.')
        p++;
    return p;
}

static int sc_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

json_t *sc_get_path(json_t *doc, const char *path)
{
    json_t *cur = doc;
    const char *p = path;
    char comp[256];
    while (cur && *p) {
        int idx;
        p = sc_next_comp(p, comp, sizeof comp, &idx);
        if (json_is_array(cur) && sc_all_digits(comp))
            cur = json_array_get(cur, strtoul(comp, NULL, 10));
        else if (json_is_object(cur))
            cur = json_object_get(cur, comp);
        else
            return NULL;
    }
    return cur;
}

int sc_set_path(json_t *doc, const char *path, json_t *value, vs_err *err)
{
    json_t *cur = doc;
    const char *p = path;
    char comp[256], sofar[1024] = "";
    if (!*path) {
        json_decref(value);
        return err_input(err, "--set: empty path");
    }
    for (;;) {
        int idx;
        char parent[1024];
        const char *before = p;
        p = sc_next_comp(p, comp, sizeof comp, &idx);
        if (!comp[0] || (idx && before[strlen(comp) + 1] != ']') ||
            (*p && p[-1] != '.' && *p != '[') || (*p == 0 && p > path && p[-1] == '.')) {
            json_decref(value);
            return err_input(err, "--set %s: malformed path (expected names and [index] separated by dots)",
                             path);
        }
        snprintf(parent, sizeof parent, "%s", sofar[0] ? sofar : "(top level)");
        size_t l = strlen(sofar);
        snprintf(sofar + l, sizeof sofar - l, "%s%s", l ? "." : "", comp);
        int last = *p == 0;
        if (json_is_array(cur)) {
            if (!sc_all_digits(comp) || strtoul(comp, NULL, 10) >= json_array_size(cur)) {
                json_decref(value);
                return err_input(err, "--set %s: %s: no such array element (the array has %zu)",
                                 path, sofar, json_array_size(cur));
            }
            size_t i = strtoul(comp, NULL, 10);
            if (last)
                return json_array_set_new(cur, i, value) ? err_internal(err, "--set failed") : 0;
            cur = json_array_get(cur, i);
        } else if (json_is_object(cur)) {
            if (last)
                return json_object_set_new(cur, comp, value) ? err_input(err, "--set %s: invalid key", path) : 0;
            json_t *next = json_object_get(cur, comp);
            if (!next) {
                next = json_object();
                /* a key that is not UTF-8 fails, and jansson then frees next:
                 * going on used freed memory (found by tests/fuzz/fuzz_scenario.c) */
                if (json_object_set_new(cur, comp, next)) {
                    json_decref(value);
                    return err_input(err, "--set %s: invalid key (not UTF-8)", path);
                }
            }
            cur = next;
        } else {
            json_decref(value);
            return err_input(err, "--set %s: %s is not an object or array", path, parent);
        }
    }
}

static int sc_apply_set_1(json_t *doc, const char *assignment, vs_err *err);

int sc_apply_set(json_t *doc, const char *assignment, vs_err *err)
{
    int rc = sc_apply_set_1(doc, assignment, err);
    if (rc)
        sc_printable_msg(err);
    return rc;
}

static int sc_apply_set_1(json_t *doc, const char *assignment, vs_err *err)
{
    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return err_input(err, "--set %s: expected PATH=VALUE", assignment);
    char path[1024];
    size_t pl = (size_t)(eq - assignment);
    if (pl >= sizeof path)
        return err_input(err, "--set: path too long");
    memcpy(path, assignment, pl);
    path[pl] = 0;
    json_t *v = sc_parse_value(eq + 1);
    if (!v)
        return err_input(err, "--set %s: value is not valid UTF-8", path);
    return sc_set_path(doc, path, v, err);
}

json_t *sc_parse_value(const char *text)
{
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
    return v ? v : json_string(text);
}

void sc_norm_path(const char *p, char *out, size_t n)
{
    size_t k = 0;
    for (; *p && k + 1 < n; p++) {
        if (*p == '[') {
            if (k > 0 && out[k - 1] != '.')
                out[k++] = '.';
        } else if (*p != ']') {
            out[k++] = *p;
        }
    }
    out[k] = 0;
}

int sc_paths_overlap(const char *a, const char *b)
{
    char na[1024], nb[1024];
    sc_norm_path(a, na, sizeof na);
    sc_norm_path(b, nb, sizeof nb);
    size_t la = strlen(na), lb = strlen(nb), l = la < lb ? la : lb;
    return strncmp(na, nb, l) == 0 && (la == lb || (la < lb ? nb[l] : na[l]) == '.');
}

/* --- presets ------------------------------------------------------------ */


int sc_find_preset(const char *file, const char *kind, const char *name, char *buf, size_t n,
                   vs_err *err)
{
    if (strchr(name, '/') || strstr(name, ".json")) { /* a path, relative to the scenario */
        if (name[0] == '/') {
            snprintf(buf, n, "%s", name);
        } else {
            const char *slash = strrchr(file, '/');
            if (slash)
                snprintf(buf, n, "%.*s/%s", (int)(slash - file), file, name);
            else
                snprintf(buf, n, "%s", name);
        }
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

static int sc_dist(jv_obj *parent, const char *key, int required, double def_mean, dist *out)
{
    static const char *const kinds[] = {"const", "exp", "uniform", "lognormal", "gamma", "empirical"};
    jv_obj o;
    int present;
    if (jv_child(parent, key, &o, &present))
        return -1;
    if (!present) {
        if (required) {
            json_t *dummy;
            return jv_require(parent, key, &dummy);
        }
        *out = dist_exp(def_mean);
        return 0;
    }
    int k;
    if (jv_enum(&o, "dist", 1, kinds, 6, 0, &k))
        return -1;
    double mean, lo, hi, cv, shape;
    switch ((dist_kind)k) {
    case DIST_CONST:
    case DIST_EXP:
        if (jv_num(&o, "mean_ns", 1, 0, 0, 1e12, &mean))
            return -1;
        *out = k == DIST_CONST ? dist_const(mean) : dist_exp(mean);
        break;
    case DIST_UNIFORM:
        if (jv_num(&o, "min_ns", 1, 0, 0, 1e12, &lo) || jv_num(&o, "max_ns", 1, 0, 0, 1e12, &hi))
            return -1;
        if (hi < lo)
            return jv_fail(&o, "max_ns", jv_get(&o, "max_ns"), "a number >= min_ns");
        *out = dist_uniform(lo, hi);
        break;
    case DIST_LOGNORMAL:
        if (jv_num(&o, "mean_ns", 1, 0, 1e-3, 1e12, &mean) || jv_num(&o, "cv", 1, 0, 0, 100, &cv))
            return -1;
        *out = dist_lognormal(mean, cv);
        break;
    case DIST_GAMMA:
        if (jv_num(&o, "mean_ns", 1, 0, 1e-3, 1e12, &mean) ||
            jv_num(&o, "shape", 1, 0, 1e-3, 1e6, &shape))
            return -1;
        *out = dist_gamma(mean, shape);
        break;
    case DIST_EMPIRICAL: {
        json_t *vals, *wts = jv_get(&o, "weights");
        if (jv_require(&o, "values_ns", &vals))
            return -1;
        size_t n = json_array_size(vals);
        if (!json_is_array(vals) || n < 1 || n > DIST_MAX_EMPIRICAL)
            return jv_fail(&o, "values_ns", vals, "an array of 1 to 100000 numbers");
        if (wts && (!json_is_array(wts) || json_array_size(wts) != n))
            return jv_fail(&o, "weights", wts, "an array as long as values_ns");
        double *v = vs_xcalloc(n, sizeof(double)), *wv = wts ? vs_xcalloc(n, sizeof(double)) : NULL;
        double tw = 0;
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(vals, i);
            char p[64];
            if (!json_is_number(x) || !(json_number_value(x) >= 0) || json_number_value(x) > 1e12) {
                snprintf(p, sizeof p, "values_ns[%zu]", i);
                free(v);
                free(wv);
                return jv_fail(&o, p, x, "a number in [0, 1e12]");
            }
            v[i] = json_number_value(x);
            if (wv) {
                json_t *y = json_array_get(wts, i);
                if (!json_is_number(y) || !(json_number_value(y) >= 0) || !isfinite(json_number_value(y))) {
                    snprintf(p, sizeof p, "weights[%zu]", i);
                    free(v);
                    free(wv);
                    return jv_fail(&o, p, y, "a number >= 0");
                }
                wv[i] = json_number_value(y);
                tw += wv[i];
            }
        }
        if (wv && !(tw > 0)) {
            free(v);
            free(wv);
            return jv_fail(&o, "weights", wts, "weights with a positive sum");
        }
        *out = dist_empirical(v, wv, (int)n);
        free(v);
        free(wv);
        break;
    }
    }
    if (jv_done(&o)) {
        dist_free(out);
        return -1;
    }
    return 0;
}

static const char *const cost_keys[] = {
    "line_same_core_ns", "line_same_socket_ns", "line_one_hop_ns", "line_two_hops_ns",
};
static const char *const migrate_keys[] = {
    "migrate_same_core_ns", "migrate_same_socket_ns", "migrate_one_hop_ns", "migrate_two_hops_ns",
};

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
        if (sc_find_preset(file, "hosts", json_string_value(pn), ppath, sizeof ppath, err))
            return -1;
        merged = sc_read_json(ppath, err);
        if (!merged)
            return -1;
        if (!json_is_object(merged)) {
            json_decref(merged);
            return err_input(err, "%s: expected a host object at the top level", ppath);
        }
        json_t *over = json_deep_copy(hv);
        json_object_del(over, "preset");
        json_object_update_recursive(merged, over);
        json_decref(over);
        /* a bad value may be the preset's or the scenario's override: name both */
        snprintf(hbuf, sizeof hbuf, "%s (host preset %s)", file, ppath);
        hfile = hbuf;
        /* the host's name is the preset's, however it was named: "x3950-x6"
         * for "x3950-x6", "../hosts/x3950-x6.json" or an absolute path */
        const char *pv = json_string_value(pn), *base = strrchr(pv, '/');
        base = base ? base + 1 : pv;
        size_t bl = strlen(base);
        if (bl > 5 && strcmp(base + bl - 5, ".json") == 0)
            bl -= 5;
        snprintf(h->name, sizeof h->name, "%.*s", (int)bl, base);
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
        jv_intv(&o, "smt", 0, 1, 1, 2, &h->smt) || jv_num(&o, "ghz", 0, 2.0, 0.1, 10, &h->ghz))
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
        jv_num(&c, "ipi_ns", 0, 1500, 0, MAX_COST_NS, &h->ipi_ns) ||
        jv_num(&c, "wake_ns", 0, 10000, 0, MAX_COST_NS, &h->wake_ns) ||
        jv_num(&c, "native_wake_ns", 0, 1000, 0, MAX_COST_NS, &h->native_wake_ns) ||
        jv_num(&c, "ctx_switch_ns", 0, 2000, 0, MAX_COST_NS, &h->ctx_switch_ns) || jv_done(&c))
        return -1;
    return jv_done(&o);
}

static int sc_hv(jv_obj *root, hv_cfg *c, int npcpus)
{
    jv_obj o;
    if (jv_child(root, "hypervisor", &o, NULL))
        return -1;
    const char *names[HV_NKINDS];
    hv_kind kinds[HV_NKINDS];
    for (int i = 0; i < hv_nregistry; i++) {
        names[i] = hv_registry[i].name;
        kinds[i] = hv_registry[i].kind;
    }
    int k;
    if (jv_enum(&o, "scheduler", 0, names, hv_nregistry, 0, &k))
        return -1;
    c->kind = kinds[k];
    /* CFS tunables: kernel/sched/fair.c defaults, scaled by
     * 1 + log2(min(ncpus, 8)) as the kernel does (SCHED_TUNABLESCALING_LOG). */
    double lat, ming, wg, factor = 1 + floor(log2(npcpus < 8 ? npcpus : 8));
    int scale;
    int64_t slice, bal, cs, ct, rl;
    if (jv_num(&o, "sched_latency_ns", 0, 6e6, 1e3, 1e10, &lat) ||
        jv_num(&o, "min_granularity_ns", 0, 0.75e6, 1e3, 1e10, &ming) ||
        jv_num(&o, "wakeup_granularity_ns", 0, 1e6, 0, 1e10, &wg) ||
        jv_bool(&o, "scale_with_cpus", 1, &scale) ||
        jv_int(&o, "balance_ns", 0, 4000000, 0, 10000000000LL, &bal) ||
        jv_int(&o, "tick_ns", 0, 4000000, 0, 10000000000LL, &c->tick) ||
        jv_int(&o, "slice_ns", 0, 30000000, 1000, 10000000000LL, &slice) ||
        jv_int(&o, "credit_slice_ns", 0, 30000000, 1000, 10000000000LL, &cs) ||
        jv_int(&o, "credit_tick_ns", 0, 10000000, 1000, 10000000000LL, &ct) ||
        jv_int(&o, "ratelimit_ns", 0, 1000000, 0, 10000000000LL, &rl))
        return -1;
    if (!scale)
        factor = 1;
    c->latency = (sim_time)(lat * factor);
    c->min_gran = (sim_time)(ming * factor);
    c->wakeup_gran = (sim_time)(wg * factor);
    c->balance = bal;
    c->slice = slice;
    c->credit_slice = cs;
    c->credit_tick = ct;
    c->ratelimit = rl;
    jv_obj p;
    if (jv_child(&o, "ple", &p, NULL))
        return -1;
    /* KVM vmx.c defaults: ple_window 4096, grow 2, max INT_MAX / grow. */
    if (jv_bool(&p, "enabled", 1, &c->ple) ||
        jv_num(&p, "window_cycles", 0, 4096, 1, 1e12, &c->ple_window) ||
        jv_num(&p, "grow", 0, 2, 1, 1000, &c->ple_grow) ||
        jv_num(&p, "window_max_cycles", 0, 1073741823.0, 1, 1e15, &c->ple_window_max) || jv_done(&p))
        return -1;
    if (c->ple_window_max < c->ple_window)
        return jv_fail(&p, "window_max_cycles", jv_get(&p, "window_max_cycles"),
                       "a number >= window_cycles");
    /* pin: [p0, p1, ...] for vCPU i of every VM, or [[...], [...]] per VM */
    json_t *pin = jv_get(&o, "pin");
    c->npin = 0;
    c->pin_per_vm = 0;
    if (pin) {
        if (!json_is_array(pin) || json_array_size(pin) < 1 || json_array_size(pin) > CFG_MAX_VCPUS)
            return jv_fail(&o, "pin", pin, "an array of pCPU indexes (one per vCPU) or one such array per VM");
        c->pin_per_vm = json_is_array(json_array_get(pin, 0));
        size_t nrows = c->pin_per_vm ? json_array_size(pin) : 1;
        for (size_t r = 0; r < nrows; r++) {
            json_t *row = c->pin_per_vm ? json_array_get(pin, r) : pin;
            char rp[64];
            snprintf(rp, sizeof rp, "pin[%zu]", r);
            if (!json_is_array(row) || json_array_size(row) < 1 || json_array_size(row) > CFG_MAX_VCPUS)
                return jv_fail(&o, c->pin_per_vm ? rp : "pin", row, "an array of pCPU indexes, one per vCPU");
            for (size_t i = 0; i < json_array_size(row); i++) {
                json_t *x = json_array_get(row, i);
                char pp[64], what[96];
                if (c->pin_per_vm)
                    snprintf(pp, sizeof pp, "pin[%zu][%zu]", r, i);
                else
                    snprintf(pp, sizeof pp, "pin[%zu]", i);
                snprintf(what, sizeof what, "a pCPU index in [0, %d]", npcpus - 1);
                if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) >= npcpus)
                    return jv_fail(&o, pp, x, what);
                if (c->npin >= (int)(sizeof c->pin / sizeof c->pin[0]))
                    return jv_fail(&o, "pin", pin, "at most 4096 entries");
                c->pin[c->npin++] = (int)json_integer_value(x);
            }
        }
    }
    return jv_done(&o);
}

static int sc_lock(jv_obj *guest, lock_cfg *lc)
{
    jv_obj o;
    if (jv_child(guest, "lock", &o, NULL))
        return -1;
    const char *names[64];
    for (int i = 0; i < lock_nregistry && i < 64; i++)
        names[i] = lock_registry[i].name;
    if (jv_enum(&o, "algorithm", 0, names, lock_nregistry, 0, &lc->algo))
        return -1;
    int64_t win, ka;
    /* SPIN_THRESHOLD = 1 << 15 in Linux 4.1 (arch/x86/include/asm/spinlock.h)
     * and 4.2 (qspinlock_paravirt.h). */
    if (jv_num(&o, "spin_threshold", 0, 32768, 1, 1e12, &lc->spin_threshold))
        return -1;
    int is_ot = strcmp(lock_registry[lc->algo].name, "oticket") == 0;
    if (jv_int(&o, "window", 0, is_ot ? 2 : 0, 0, CFG_MAX_VCPUS, &win) ||
        jv_int(&o, "kick_ahead", 0, is_ot ? 1 : 0, 0, CFG_MAX_VCPUS, &ka))
        return -1;
    if (!is_ot && (win || ka))
        return jv_fail(&o, win ? "window" : "kick_ahead", jv_get(&o, win ? "window" : "kick_ahead"),
                       "0 (window and kick_ahead apply to the oticket algorithm only)");
    lc->window = (int)win;
    lc->kick_ahead = (int)ka;
    /* preemptable-ticket's timeout unit: a waiter k places from the head may
     * take a free lock out of order after k units [est]; Ouyang & Lange,
     * VEE 2013 (MODEL.md section 2) describe a proportional timeout */
    int is_pt = strcmp(lock_registry[lc->algo].name, "preemptable-ticket") == 0;
    json_t *tov = jv_get(&o, "timeout_ns");
    if (tov && !is_pt)
        return jv_fail(&o, "timeout_ns", tov, "no value (timeout_ns applies to preemptable-ticket only)");
    if (jv_num(&o, "timeout_ns", 0, 20000, 1, 1e12, &lc->timeout_ns))
        return -1;
    return jv_done(&o);
}

static int sc_lockloop(jv_obj *wo, wl_cfg *wl)
{
    if (jv_intv(wo, "threads", 0, 0, 0, CFG_MAX_THREADS, &wl->threads) ||
        jv_bool(wo, "kernel_lock", 0, &wl->kernel_lock))
        return -1;
    if (sc_dist(wo, "think", 1, 0, &wl->think) || sc_dist(wo, "hold", 1, 0, &wl->hold))
        return -1;
    /* Both always 0 (a mean of 0 means every draw is 0): an uncontended
     * loop then runs forever at one instant and `vmsim run` hangs
     * (found by tests/bad-inputs/lockloop-zero-time.json). */
    if (dist_mean(&wl->think) <= 0 && dist_mean(&wl->hold) <= 0)
        return err_input(wo->err, "%s: %s: think and hold are both always 0 ns, so a thread would "
                                  "loop without simulated time passing (give one a mean above 0)",
                         wo->file, wo->path);
    return 0;
}

/* One script step: exactly one of compute_ns, sleep_ns, lock, unlock. */
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
                jv_bool(&lo, "kernel", 1, &wl->lock_kernel[i]) || jv_done(&lo))
                return -1;
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

/* gmake defaults: a time-compressed kernel build [est]; the paper
 * scenarios set every value explicitly with its source (docs/calibration.md). */
static const struct {
    const char *name;
    int private_lock;
    double run_weight, fork_weight, hold_ns;
} gm_default_locks[] = {
    {"zone", 0, 0.5, 0.4, 1000},    /* page allocator: faults, exec, exit */
    {"dcache", 0, 0.3, 0.2, 500},   /* path lookup on hot dentries */
    {"tasklist", 0, 0.0, 0.2, 2000},/* fork and exit only */
    {"mm", 1, 0.2, 0.2, 1000},      /* per process: page tables */
};

static int sc_gmake(jv_obj *wo, wl_cfg *wl)
{
    int64_t ss, se, sd;
    if (jv_num(wo, "jobs_per_vcpu", 0, 1.0, 0.01, 64, &wl->jobs_per_vcpu) ||
        jv_intv(wo, "instances", 0, 1, 1, CFG_MAX_VMS, &wl->instances) ||
        jv_intv(wo, "compile_jobs", 0, 200, 1, 1000000, &wl->compile_jobs) ||
        jv_int(wo, "serial_start_ns", 0, 10000000, 0, 1000000000000LL, &ss) ||
        jv_int(wo, "serial_end_ns", 0, 20000000, 0, 1000000000000LL, &se) ||
        jv_intv(wo, "exec_sections", 0, 20, 0, 100000, &wl->exec_sections) ||
        jv_intv(wo, "exit_sections", 0, 10, 0, 100000, &wl->exit_sections) ||
        jv_int(wo, "spawn_delay_ns", 0, 50000, 0, 1000000000000LL, &sd))
        return -1;
    wl->serial_start = ss;
    wl->serial_end = se;
    wl->spawn_delay = sd;
    if (jv_get(wo, "job_cpu")) {
        if (sc_dist(wo, "job_cpu", 1, 0, &wl->job_cpu))
            return -1;
    } else {
        wl->job_cpu = dist_lognormal(20e6, 1.0);
    }
    if (sc_dist(wo, "kentry", 0, 100000, &wl->kentry))
        return -1;
    json_t *kl = jv_get(wo, "kernel_locks");
    if (!kl) {
        wl->nklocks = (int)(sizeof gm_default_locks / sizeof gm_default_locks[0]);
        for (int k = 0; k < wl->nklocks; k++) {
            klock_cfg *c = &wl->klocks[k];
            snprintf(c->name, sizeof c->name, "%s", gm_default_locks[k].name);
            c->private_lock = gm_default_locks[k].private_lock;
            c->run_weight = gm_default_locks[k].run_weight;
            c->fork_weight = gm_default_locks[k].fork_weight;
            c->hold = dist_exp(gm_default_locks[k].hold_ns);
        }
        return 0;
    }
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
            jv_num(&lo, "fork_weight", 0, 0, 0, 1e6, &c->fork_weight))
            return -1;
        if (!name[0] || strlen(name) >= CFG_NAME)
            return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name of 1 to 63 characters");
        snprintf(c->name, sizeof c->name, "%s", name);
        wl->nklocks = (int)i + 1;
        if (sc_dist(&lo, "hold", 1, 0, &c->hold) || jv_done(&lo))
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
    int64_t sd;
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
    if (jv_intv(wo, "jobs", 0, nvcpus, 1, CFG_MAX_THREADS, &wl->make_jobs) ||
        jv_bool(wo, "repeat", 1, &wl->repeat) ||
        jv_int(wo, "spawn_delay_ns", 0, 0, 0, 1000000000000LL, &sd) ||
        jv_num(wo, "cpu_scale", 0, 1.0, 1e-6, 1000, &wl->cpu_scale))
        return -1;
    wl->spawn_delay = sd;
    /* optional kernel sections while a job runs */
    json_t *kl = jv_get(wo, "kernel_locks");
    if (!kl && jv_get(wo, "kentry"))
        return jv_fail(wo, "kentry", jv_get(wo, "kentry"),
                       "no kentry without \"kernel_locks\" (jobs have no kernel sections)");
    if (kl) {
        double tw = 0;
        if (!json_is_array(kl) || json_array_size(kl) < 1 || json_array_size(kl) > CFG_MAX_KLOCKS)
            return jv_fail(wo, "kernel_locks", kl, "an array of 1 to 8 lock classes");
        if (sc_dist(wo, "kentry", 0, 100000, &wl->kentry))
            return -1;
        for (size_t i = 0; i < json_array_size(kl); i++) {
            klock_cfg *c = &wl->klocks[i];
            jv_obj lo;
            char p[JV_PATH_MAX];
            const char *ln;
            snprintf(p, sizeof p, "%s.kernel_locks[%zu]", wo->path, i);
            if (jv_open(&lo, json_array_get(kl, i), wo->file, p, wo->err) ||
                jv_str(&lo, "name", 1, NULL, &ln) || jv_bool(&lo, "private", 0, &c->private_lock) ||
                jv_num(&lo, "weight", 0, 1, 0, 1e6, &c->run_weight))
                return -1;
            if (!ln[0] || strlen(ln) >= CFG_NAME)
                return jv_fail(&lo, "name", jv_get(&lo, "name"), "a name of 1 to 63 characters");
            snprintf(c->name, sizeof c->name, "%s", ln);
            wl->nklocks = (int)i + 1;
            if (sc_dist(&lo, "hold", 1, 0, &c->hold) || jv_done(&lo))
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
    if (wl->repeat && !wl->spawn_delay && wl->graph->total_cpu_ns * wl->cpu_scale < 0.5)
        return err_input(wo->err, "%s: %s: the build takes no time (every job 0 ms, spawn_delay_ns 0); "
                                  "with \"repeat\" it would restart forever at the same instant",
                         wo->file, jv_keypath(wo, key, kp, sizeof kp));
    return 0;
}

static int sc_workload(jv_obj *wo, wl_cfg *wl, int nvcpus)
{
    const char *names[WL_NKINDS];
    for (int i = 0; i < WL_NKINDS; i++)
        names[i] = wl_kind_name((wl_kind)i);
    int k;
    if (jv_enum(wo, "type", 1, names, WL_NKINDS, 0, &k))
        return -1;
    wl->kind = (wl_kind)k;
    int rc = 0;
    switch (wl->kind) {
    case WL_LOCKLOOP: rc = sc_lockloop(wo, wl); break;
    case WL_SCRIPT: rc = sc_script(wo, wl, nvcpus); break;
    case WL_GMAKE: rc = sc_gmake(wo, wl); break;
    case WL_REPLAY: rc = sc_replay(wo, wl, nvcpus); break;
    case WL_NKINDS: break;
    }
    if (rc || jv_done(wo)) {
        wl_cfg_free(wl);
        return -1;
    }
    return 0;
}

/* Parses guest + workload sections (from `doc`, the VM's merged view). */
static int sc_vm(json_t *gdoc, json_t *wdoc, const char *file, const char *gpath, const char *wpath,
                 vm_cfg *v, vs_err *err)
{
    jv_obj g, wo;
    if (gdoc) {
        if (jv_open(&g, gdoc, file, gpath, err))
            return -1;
    } else {
        jv_open(&g, NULL, file, gpath, err);
    }
    int64_t slice;
    if (sc_lock(&g, &v->lock) || jv_int(&g, "slice_ns", 0, 3000000, 1000, 10000000000LL, &slice) ||
        jv_done(&g))
        return -1;
    v->slice = slice;
    if (!wdoc)
        return err_input(err, "%s: %s: required key missing", file, wpath);
    if (jv_open(&wo, wdoc, file, wpath, err))
        return -1;
    return sc_workload(&wo, &v->wl, v->vcpus);
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
    int64_t seed, maxev;
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
        jv_int(&root, "max_events", 0, 0, 0, (int64_t)EV_MAX_SEQ - 1, &maxev))
        goto out;
    if (warm >= dur) {
        jv_fail(&root, "warmup_s", jv_get(&root, "warmup_s"), "a number below duration_s");
        goto out;
    }
    sc->seed = (uint64_t)seed;
    sc->duration = (sim_time)llround(dur * 1e9);
    sc->warmup = (sim_time)llround(warm * 1e9);
    sc->max_events = (uint64_t)maxev;
    jv_get(&root, "host");
    if (sc_host(&root, file, doc, &sc->host, &hostdoc))
        goto out;
    int npcpus = sc->host.cores ? sc->host.cores
                                : sc->host.sockets * sc->host.cores_per_socket * sc->host.smt;
    if (sc_hv(&root, &sc->hv, npcpus))
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
        int bad = sc_vm(g, w, file, gpath, wpath, v, err);
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
    if (sc->hv.kind == HV_NONE && sc->nvms > 1 && !arr && sc->vms[0].wl.kind == WL_GMAKE &&
        sc->vms[0].vcpus <= npcpus) {
        /* Bare metal has one OS: k "VMs" of a build become k concurrent
         * builds (tenants) in it, sharing its cores and kernel locks. */
        for (int i = 1; i < sc->nvms; i++)
            wl_cfg_free(&sc->vms[i].wl);
        sc->vms[0].wl.instances *= sc->nvms;
        sc->nvms = 1;
        total = sc->vms[0].vcpus;
    }
    if (sc->hv.kind == HV_NONE && (sc->nvms != 1 || total > npcpus)) {
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
        if (sc->vms[i].wl.kind == WL_LOCKLOOP)
            threads += sc->vms[i].wl.threads > 0 ? sc->vms[i].wl.threads : sc->vms[i].vcpus;
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
        sc_printable_msg(err);
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
