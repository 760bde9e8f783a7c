/* store.c - the on-disk point store of a sweep directory (see store.h and
 * docs/sweep.md). */
#include "experiment/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/scenario.h"
#include "output/jsonw.h"
#include "sim/mem.h"

void store_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "vmsim sweep: warning: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Opens a temporary file beside path, like fsu_open, but named
 * PATH.tmp.HOST.PID: shards on several hosts may write the same file of a
 * shared directory (sweep.json, results.csv) at once, and their pids may
 * coincide. fsu_commit renames it into place. Returns 0 or -1 with err. */
int store_open_tmp(fsu_file *o, const char *path, vs_err *err)
{
    char host[65] = "";
    memset(o, 0, sizeof *o);
    if (strlen(path) >= sizeof o->path)
        return err_input(err, "%s: path too long", path);
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    for (char *h = host; *h; h++)
        if (*h == '/' || *h == '.' || (unsigned char)*h < 0x20)
            *h = '_';
    snprintf(o->path, sizeof o->path, "%s", path);
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%s%s%ld", path, host, host[0] ? "." : "",
             (long)getpid());
    o->f = fopen(o->tmp, "w");
    if (!o->f)
        return err_internal(err, "%s: cannot write: %s", path, strerror(errno));
    return 0;
}

/* Writes a whole string to path atomically (store_open_tmp, fsu_commit). */
int store_write_file(const char *path, const char *text, vs_err *err)
{
    fsu_file o;
    if (store_open_tmp(&o, path, err))
        return -1;
    fputs(text, o.f);
    return fsu_commit(&o, err);
}


void store_point_path(const char *dir, int64_t p, char *buf, size_t n)
{
    snprintf(buf, n, "%s/points/%06lld.json", dir, (long long)p);
}

/* Loads the file of point p: 1 with *res a new reference when it exists and
 * belongs to this point, 0 when there is none, -1 when it is unusable (why
 * says so). */
int store_load_point(const sweep_spec *sp, const char *dir, int64_t p, json_t **res,
                            char *why, size_t n)
{
    char path[STORE_PATH_MAX];
    struct stat st;
    *res = NULL;
    store_point_path(dir, p, path, sizeof path);
    if (stat(path, &st) != 0)
        return 0;
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (!d) {
        snprintf(why, n, "%s: unreadable (%s)", path, je.text);
        return -1;
    }
    json_t *id = sweep_point_id(sp, p);
    int same = json_equal(json_object_get(d, "sweep_point"), id);
    json_decref(id);
    if (!same) {
        json_decref(d);
        snprintf(why, n, "%s: its \"sweep_point\" is not point %lld of this sweep", path,
                 (long long)p);
        return -1;
    }
    *res = d;
    return 1;
}


/* sweep.json: what the sweep is. New reference. */
json_t *store_describe(const sweep_spec *sp, json_t *base, const char *file)
{
    json_t *scn = json_deep_copy(base), *axes = json_array(), *seeds = json_array();
    json_object_del(scn, "sweep");
    for (int a = 0; a < sp->naxes; a++) {
        const sweep_axis *ax = &sp->axes[a];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(ax->name));
        if (ax->path)
            json_object_set_new(o, "path", json_string(ax->path));
        json_object_set_new(o, "values", json_deep_copy(ax->values));
        if (ax->set)
            json_object_set_new(o, "set", json_deep_copy(ax->set));
        json_array_append_new(axes, o);
    }
    for (int s = 0; s < sp->nseeds; s++)
        json_array_append_new(seeds, json_integer((json_int_t)sp->seeds[s]));
    return json_pack("{s:s,s:s,s:I,s:o,s:o,s:o}", "vmsim_version", VMSIM_VERSION, "scenario_file",
                     file, "points", (json_int_t)sp->npoints, "axes", axes, "seeds", seeds,
                     "scenario", scn);
}

/* Finds the first place where a and b differ; writes its JSON path to path
 * (which holds the path so far) and returns 1, or returns 0 when equal. */
static int store_json_diff(json_t *a, json_t *b, char *path, size_t n)
{
    size_t l = strlen(path);
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach(a, k, v) {
            snprintf(path + l, n - l, "%s%s", l ? "." : "", k);
            if (store_json_diff(v, json_object_get(b, k), path, n))
                return 1;
        }
        json_object_foreach(b, k, v) {
            snprintf(path + l, n - l, "%s%s", l ? "." : "", k);
            if (!json_object_get(a, k))
                return 1;
        }
        path[l] = 0;
        return 0;
    }
    if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(path + l, n - l, "[%zu]", i);
            if (store_json_diff(json_array_get(a, i), json_array_get(b, i), path, n))
                return 1;
        }
        path[l] = 0;
        return 0;
    }
    return !json_equal(a, b);
}

/* A short text of a JSON value for messages, in buf. Returns buf. */
static const char *store_brief(const json_t *v, char *buf, size_t n)
{
    if (!v) {
        snprintf(buf, n, "absent");
        return buf;
    }
    char *t = json_is_real(v) ? sweep_label(v) : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, n, "%.60s%s", t ? t : "?", t && strlen(t) > 60 ? "..." : "");
    free(t);
    return buf;
}

/* Counts the entries of a directory (0 when it does not exist), and in
 * *mine the point files NNNNNN.json of points of this run (o's shard). */
int64_t store_count_entries(const char *dir, const sweep_spec *sp, int shard_i, int shard_n,
                            int64_t *mine)
{
    DIR *d = opendir(dir);
    *mine = 0;
    if (!d)
        return 0;
    int64_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        n++;
        char *end;
        long long p = strtoll(e->d_name, &end, 10);
        if (end != e->d_name && !strcmp(end, ".json") && p >= 0 && p < sp->npoints &&
            sweep_in_shard(shard_i, shard_n, p))
            (*mine)++;
    }
    closedir(d);
    return n;
}

/* Compares the sweep descriptions was (from the file `wasf`) and now (from
 * `where`) on the keys that define a sweep: axes, seeds, scenario. Returns
 * 0 when equal, else -1 with err (code 2) naming the first difference;
 * `hint` ends the message. Without wasf the message reads "WHERE describes
 * a different sweep: PATH was A, now B" (resuming). */
int store_same_sweep(json_t *was, json_t *now, const char *wasf, const char *where,
                            const char *hint, vs_err *err)
{
    static const char *const keys[] = {"axes", "seeds", "scenario"};
    for (int i = 0; i < 3; i++) {
        char path[1024], b1[80], b2[80];
        snprintf(path, sizeof path, "%s", keys[i]);
        if (!store_json_diff(json_object_get(was, keys[i]), json_object_get(now, keys[i]), path,
                             sizeof path))
            continue;
        store_brief(sc_get_path(was, path), b1, sizeof b1);
        store_brief(sc_get_path(now, path), b2, sizeof b2);
        if (wasf)
            return err_input(err, "%s and %s describe different sweeps: %s is %s in the first, "
                                  "%s in the second; %s",
                             wasf, where, path, b1, b2, hint);
        return err_input(err, "%s describes a different sweep: %s was %s, now %s; %s", where,
                         path, b1, b2, hint);
    }
    return 0;
}

/* Puts the written temporary tmp at path unless path exists: link() fails
 * on an existing name atomically, also between hosts of a shared
 * filesystem, so of several shards starting at once one creates sweep.json
 * and the others compare theirs with it. Returns 1 when path existed
 * (tmp removed), 0 when tmp is now path, -1 with err. */
static int store_create_once(const char *tmp, const char *path, vs_err *err)
{
    if (link(tmp, path) == 0) {
        remove(tmp);
        return fsu_sync_dir(path, err);
    }
    int e = errno;
    if (e == EEXIST) {
        remove(tmp);
        return 1;
    }
    /* a filesystem without hard links: an atomic replace is the next best */
    if (rename(tmp, path) == 0)
        return fsu_sync_dir(path, err);
    e = errno;
    remove(tmp);
    return err_internal(err, "%s: cannot create: %s", path, strerror(e));
}

/* Writes dir/sweep.json from desc unless it exists; when it exists (or
 * appears meanwhile), checks it describes the same sweep. Returns 0 or -1
 * with err. */
int store_write_desc(const char *sj, json_t *desc, const char *hint, vs_err *err)
{
    struct stat st;
    if (stat(sj, &st) != 0) {
        char *text = jw_text(desc);
        if (!text)
            return err_internal(err, "out of memory writing %s", sj);
        fsu_file f;
        if (store_open_tmp(&f, sj, err)) {
            free(text);
            return -1;
        }
        fputs(text, f.f);
        free(text);
        /* fsu_commit renames; here the temporary must be linked instead, so
         * commit it under its own name first */
        char tmp[sizeof f.tmp];
        snprintf(tmp, sizeof tmp, "%s", f.tmp);
        snprintf(f.path, sizeof f.path, "%s", tmp);
        if (fsu_commit(&f, err))
            return -1;
        int r = store_create_once(tmp, sj, err);
        if (r <= 0)
            return r;
    }
    json_error_t je;
    json_t *old = json_load_file(sj, 0, &je);
    if (!old)
        return err_input(err, "%s: cannot read it: %s", sj, je.text);
    int rc = store_same_sweep(old, desc, NULL, sj, hint, err);
    const char *ver = json_string_value(json_object_get(old, "vmsim_version"));
    if (!rc && (!ver || strcmp(ver, VMSIM_VERSION)))
        store_warn("%s was written by vmsim %s, this is %s; the model may differ between "
                   "versions",
                   sj, ver ? ver : "?", VMSIM_VERSION);
    json_decref(old);
    return rc;
}

/* Checks dir against the sweep, writes sweep.json, and (with --resume)
 * marks the points of this run already finished in done[]. A shard
 * accepts a directory where other shards work (the same sweep.json, their
 * point files) and leaves their files alone. */
int store_prepare(const sweep_spec *sp, json_t *base, const char *file, const char *dir,
                  int resume, int shard_i, int shard_n, uint8_t *done, int64_t *ndone,
                  vs_err *err)
{
    char sj[STORE_PATH_MAX], pdir[STORE_PATH_MAX], why[STORE_PATH_MAX + 200];
    struct stat st;
    int shard = shard_n > 0;
    *ndone = 0;
    snprintf(sj, sizeof sj, "%s/sweep.json", dir);
    snprintf(pdir, sizeof pdir, "%s/points", dir);
    int have_sj = stat(sj, &st) == 0;
    int64_t mine, nfiles = store_count_entries(pdir, sp, shard_i, shard_n, &mine);
    if (!resume && !shard && (have_sj || nfiles > 0))
        return err_input(err, "%s already holds a sweep (%s%lld point files); use --resume to "
                              "continue it, or another -o",
                         dir, have_sj ? "sweep.json, " : "", (long long)nfiles);
    if (!resume && shard && mine > 0)
        return err_input(err, "%s already holds %lld point files of shard %d/%d; use --resume to "
                              "continue it, or another -o",
                         dir, (long long)mine, shard_i, shard_n);
    if (!have_sj && nfiles > 0)
        return err_input(err, "%s: point files but no sweep.json, so they cannot be matched to "
                              "this sweep; move them away or use another -o",
                         dir);
    json_t *desc = store_describe(sp, base, file);
    int rc = store_write_desc(sj, desc,
                              "resume with the same scenario, --set options and sweep section, "
                              "or use another -o",
                              err);
    json_decref(desc);
    if (rc || fsu_mkdirs(pdir, err))
        return -1;
    if (!resume)
        return 0;
    DIR *d = opendir(pdir);
    if (!d)
        return err_internal(err, "%s: cannot list: %s", pdir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long long p = strtoll(e->d_name, &end, 10);
        int numbered = end != e->d_name && p >= 0 && p < sp->npoints;
        if (strstr(e->d_name, ".tmp.")) {
            /* a point interrupted while being written; in a shared
             * directory only this shard's (another may be writing its own) */
            if (!shard || (numbered && sweep_in_shard(shard_i, shard_n, p))) {
                char tp[STORE_PATH_MAX + 300];
                snprintf(tp, sizeof tp, "%s/%s", pdir, e->d_name);
                remove(tp);
            }
            continue;
        }
        if (!numbered || strcmp(end, ".json") || !sweep_in_shard(shard_i, shard_n, p))
            continue;
        json_t *res;
        int r = store_load_point(sp, dir, p, &res, why, sizeof why);
        if (r < 0)
            store_warn("%s; the point will run again", why);
        if (r > 0 && !store_done(done, p)) {
            store_mark(done, p);
            (*ndone)++;
        }
        json_decref(res);
    }
    closedir(d);
    return 0;
}


int store_write_point(const char *dir, int64_t p, const char *text, vs_err *err)
{
    char path[STORE_PATH_MAX];
    store_point_path(dir, p, path, sizeof path);
    return store_write_file(path, text, err);
}


/* Puts a copy of file src at dst atomically: a hard link when the
 * filesystem allows it, else a byte copy. Returns 0 or -1 with err. */
int store_link_or_copy(const char *src, const char *dst, vs_err *err)
{
    fsu_file f;
    if (store_open_tmp(&f, dst, err)) /* reserves the temporary's name */
        return -1;
    fclose(f.f);
    f.f = NULL;
    remove(f.tmp);
    if (link(src, f.tmp) == 0) {
        if (rename(f.tmp, dst) == 0)
            return fsu_sync_dir(dst, err);
        int e = errno;
        remove(f.tmp);
        return err_internal(err, "%s: cannot rename into place: %s", dst, strerror(e));
    }
    FILE *in = fopen(src, "rb");
    if (!in)
        return err_internal(err, "%s: cannot read: %s", src, strerror(errno));
    if (store_open_tmp(&f, dst, err)) {
        fclose(in);
        return -1;
    }
    char buf[65536];
    size_t r;
    while ((r = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, r, f.f) != r)
            break;
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        fsu_abort(&f);
        return err_internal(err, "%s: read failed", src);
    }
    return fsu_commit(&f, err);
}

/* Loads dir/sweep.json. New reference, or NULL with err (code 2). */
json_t *store_load_desc(const char *dir, vs_err *err)
{
    char sj[STORE_PATH_MAX];
    struct stat st;
    snprintf(sj, sizeof sj, "%s/sweep.json", dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return err_input(err, "%s: not a directory", dir), NULL;
    if (stat(sj, &st) != 0)
        return err_input(err, "%s: no sweep.json, so not a sweep directory (vmsim sweep -o DIR "
                              "writes one)",
                         dir),
               NULL;
    json_error_t je;
    json_t *d = json_load_file(sj, 0, &je);
    if (!d)
        return err_input(err, "%s: unreadable: %s", sj, je.text), NULL;
    if (!json_is_object(d) || !json_is_object(json_object_get(d, "scenario")) ||
        !json_is_array(json_object_get(d, "axes")) || !json_is_array(json_object_get(d, "seeds")) ||
        !json_is_integer(json_object_get(d, "points"))) {
        json_decref(d);
        return err_input(err, "%s: not a sweep description (expected \"scenario\", \"axes\", "
                              "\"seeds\" and \"points\")",
                         sj),
               NULL;
    }
    return d;
}

/* Rebuilds the sweep_spec a sweep.json describes. Returns 0 or -1. */
int store_spec_of_desc(json_t *desc, const char *where, sweep_spec *sp, vs_err *err)
{
    json_t *doc = json_deep_copy(json_object_get(desc, "scenario"));
    json_object_set_new(doc, "sweep",
                        json_pack("{s:O,s:O,s:I}", "axes", json_object_get(desc, "axes"), "seeds",
                                  json_object_get(desc, "seeds"), "max_points",
                                  (json_int_t)SWEEP_CAP_POINTS));
    int rc = sweep_parse(doc, where, sp, err);
    json_decref(doc);
    if (rc)
        return -1;
    json_int_t np = json_integer_value(json_object_get(desc, "points"));
    if (np != sp->npoints) {
        sweep_free(sp);
        return err_input(err, "%s: \"points\" is %lld, but its axes and seeds give %lld", where,
                         (long long)np, (long long)sp->npoints);
    }
    return 0;
}


void store_load_table(const sweep_spec *sp, const char *dir, rtab *t, int64_t *found)
{
    char why[STORE_PATH_MAX + 200];
    json_t *res;
    *found = 0;
    char *names[SWEEP_MAX_AXES], **labels[SWEEP_MAX_AXES];
    int nlabels[SWEEP_MAX_AXES];
    for (int a = 0; a < sp->naxes; a++) {
        names[a] = sp->axes[a].name;
        nlabels[a] = sp->axes[a].nvalues;
        labels[a] = sp->axes[a].labels;
    }
    rtab_init(t, sp->naxes, names, nlabels, (char *const *const *)labels);
    /* Pass 1: which "metrics" keys exist, so the columns can list them. */
    for (int64_t p = 0; p < sp->npoints; p++) {
        int r = store_load_point(sp, dir, p, &res, why, sizeof why);
        if (r < 0)
            store_warn("%s; left out of the tables", why);
        if (r <= 0)
            continue;
        rtab_note(t, res);
        json_decref(res);
    }
    rtab_columns(t);
    /* Pass 2: the rows, in canonical order. */
    for (int64_t p = 0; p < sp->npoints; p++) {
        if (store_load_point(sp, dir, p, &res, why, sizeof why) <= 0)
            continue;
        int vidx[SWEEP_MAX_AXES], sidx;
        sweep_decode(sp, p, vidx, &sidx);
        rtab_add(t, p, p / sp->nseeds, vidx, sp->seeds[sidx], res);
        (*found)++;
        json_decref(res);
    }
}
