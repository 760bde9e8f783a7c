/* merge.c - joining the directories of one sweep (see merge.h). */
#include "experiment/merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "experiment/dirlock.h"
#include "experiment/store.h"
#include "experiment/sweep_run.h"
#include "sim/fsutil.h"
#include "sim/mem.h"

int merge_dirs(const char *out, const char *const *dirs, int ndirs, merge_outcome *mo,
                vs_err *err)
{
    memset(mo, 0, sizeof *mo);
    char sj0[STORE_PATH_MAX], sj[STORE_PATH_MAX], why[STORE_PATH_MAX + 200];
    json_t **descs = vs_xcalloc((size_t)ndirs, sizeof(json_t *));
    int *same = vs_xcalloc((size_t)ndirs, sizeof(int));
    sweep_spec sp = {0};
    int locks[2] = {-1, -1}, rc = -1;
    snprintf(sj0, sizeof sj0, "%s/sweep.json", dirs[0]);
    for (int i = 0; i < ndirs; i++) {
        if (!(descs[i] = store_load_desc(dirs[i], err)))
            goto done;
        snprintf(sj, sizeof sj, "%s/sweep.json", dirs[i]);
        if (i > 0 && store_same_sweep(descs[0], descs[i], sj0, sj,
                                      "merge only directories of one sweep (the same scenario, "
                                      "--set options and sweep section)",
                                      err))
            goto done;
        const char *v0 = json_string_value(json_object_get(descs[0], "vmsim_version"));
        const char *vi = json_string_value(json_object_get(descs[i], "vmsim_version"));
        if (i > 0 && (!v0 || !vi || strcmp(v0, vi)))
            store_warn("%s was written by vmsim %s, %s by vmsim %s; the model may differ between "
                       "versions",
                       sj0, v0 ? v0 : "?", sj, vi ? vi : "?");
    }
    if (store_spec_of_desc(descs[0], sj0, &sp, err))
        goto done;
    mo->npoints = sp.npoints;
    if (fsu_mkdirs(out, err) || dlock_take(out, 0, 0, locks, err))
        goto done;
    char pdir[STORE_PATH_MAX];
    snprintf(sj, sizeof sj, "%s/sweep.json", out);
    snprintf(pdir, sizeof pdir, "%s/points", out);
    struct stat st, ost;
    int64_t mine;
    if (stat(sj, &st) != 0 && store_count_entries(pdir, &sp, 0, 0, &mine) > 0) {
        err_input(err, "%s: point files but no sweep.json, so they cannot be matched to this "
                       "sweep; move them away or merge into another directory",
                  out);
        goto done;
    }
    if (stat(sj, &st) == 0) {
        json_t *o = store_load_desc(out, err);
        int bad = !o || store_same_sweep(descs[0], o, sj0, sj,
                                         "merge into another directory", err);
        json_decref(o);
        if (bad)
            goto done;
    } else if (store_write_desc(sj, descs[0], "merge into another directory", err)) {
        goto done;
    }
    if (fsu_mkdirs(pdir, err) || stat(out, &ost) != 0) {
        if (!err->msg[0])
            err_internal(err, "%s: %s", out, strerror(errno));
        goto done;
    }
    for (int i = 0; i < ndirs; i++)
        same[i] = stat(dirs[i], &st) == 0 && st.st_dev == ost.st_dev && st.st_ino == ost.st_ino;
    size_t cap = 0;
    for (int64_t p = 0; p < sp.npoints; p++) {
        json_t *res;
        int r = store_load_point(&sp, out, p, &res, why, sizeof why);
        json_decref(res);
        if (r > 0) {
            mo->had++;
            continue;
        }
        if (r < 0)
            store_warn("%s; replacing it", why);
        int got = 0;
        for (int i = 0; i < ndirs && !got; i++) {
            if (same[i])
                continue;
            r = store_load_point(&sp, dirs[i], p, &res, why, sizeof why);
            json_decref(res);
            if (r < 0)
                store_warn("%s; not merged", why);
            if (r <= 0)
                continue;
            char src[STORE_PATH_MAX], dst[STORE_PATH_MAX];
            store_point_path(dirs[i], p, src, sizeof src);
            store_point_path(out, p, dst, sizeof dst);
            if (store_link_or_copy(src, dst, err))
                goto done;
            mo->copied++;
            got = 1;
        }
        if (!got) {
            if ((size_t)mo->missing == cap) {
                cap = cap ? 2 * cap : 64;
                mo->miss = vs_xreallocarray(mo->miss, cap, sizeof(int64_t));
            }
            mo->miss[mo->missing++] = p;
        }
    }
    int64_t found;
    rc = srun_collect(&sp, out, &found, NULL, err);
done:
    for (int i = 0; i < ndirs; i++)
        json_decref(descs[i]);
    free(descs);
    free(same);
    sweep_free(&sp);
    dlock_release(locks);
    return rc;
}
