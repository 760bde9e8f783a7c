#include "config/params.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/mem.h"

int cfg_dist(jv_obj *parent, const char *key, int required, double def_mean, dist *out)
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

int cfg_params(jv_obj *o, const variant *v, void *base)
{
    unsigned char *b = base;
    for (int i = 0; i < v->nparams; i++) {
        const vparam *q = &v->params[i];
        void *at = b + q->off;
        int rc = 0;
        switch (q->type) {
        case VP_INT:
            rc = jv_int(o, q->key, q->required, (int64_t)q->def, (int64_t)q->lo, (int64_t)q->hi, at);
            break;
        case VP_INTV:
            rc = jv_intv(o, q->key, q->required, (int)q->def, (int)q->lo, (int)q->hi, at);
            break;
        case VP_NUM:
            rc = jv_num(o, q->key, q->required, q->def, q->lo, q->hi, at);
            break;
        case VP_BOOL:
            if (q->required && !jv_get(o, q->key)) {
                json_t *d;
                rc = jv_require(o, q->key, &d);
            } else {
                rc = jv_bool(o, q->key, (int)q->def, at);
            }
            break;
        case VP_DIST:
            if (!jv_get(o, q->key) && !q->required && q->def_cv > 0)
                *(dist *)at = dist_lognormal(q->def, q->def_cv);
            else
                rc = cfg_dist(o, q->key, q->required || jv_get(o, q->key), q->def, at);
            break;
        case VP_CUSTOM:
            break;
        }
        if (rc)
            return -1;
    }
    return 0;
}

int cfg_check(jv_obj *o, const variant *v, void *arg, const vp_ctx *c)
{
    if (!v->check)
        return 0;
    const char *key = NULL;
    char why[512] = "";
    if (v->check(arg, c, &key, why, sizeof why) == 0)
        return 0;
    if (key)
        return jv_fail(o, key, jv_get(o, key), why);
    return err_input(o->err, "%s: %s: %s", o->file, o->path[0] ? o->path : "(top level)", why);
}

int cfg_foreign_keys(jv_obj *o, const vregistry *r, const variant *chosen)
{
    const char *key;
    json_t *val;
    json_object_foreach(o->obj, key, val) {
        int known = key[0] == '_';
        for (int i = 0; i < o->nknown && !known; i++)
            known = strcmp(o->known[i], key) == 0;
        if (known)
            continue;
        char owners[256] = "";
        for (int i = 0; r->v[i]; i++)
            if (r->v[i] != chosen && variant_param(r->v[i], key)) {
                size_t l = strlen(owners);
                snprintf(owners + l, sizeof owners - l, "%s\"%s\"", l ? ", " : "", r->v[i]->name);
            }
        if (!owners[0])
            continue;
        char p[JV_PATH_MAX + 64], sel[JV_PATH_MAX + 64];
        return err_input(o->err, "%s: %s: not a parameter of %s \"%s\" (%s); it applies to %s", o->file,
                         jv_keypath(o, key, p, sizeof p), r->family, chosen->name,
                         jv_keypath(o, r->selector, sel, sizeof sel), owners);
    }
    return 0;
}
