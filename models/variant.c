#include "models/variant.h"

#include <math.h>
#include <string.h>

int vreg_count(const vregistry *r)
{
    int n = 0;
    while (n < VREG_MAX && r->v[n])
        n++;
    return n;
}

const variant *vreg_find(const vregistry *r, const char *name)
{
    for (int i = 0; i < VREG_MAX && r->v[i]; i++)
        if (strcmp(r->v[i]->name, name) == 0)
            return r->v[i];
    return NULL;
}

int vreg_add(vregistry *r, const variant *v)
{
    int n = vreg_count(r);
    if (n >= VREG_MAX || vreg_find(r, v->name))
        return -1;
    r->v[n] = v;
    r->v[n + 1] = NULL;
    return 0;
}

const vparam *variant_param(const variant *v, const char *key)
{
    for (int i = 0; v && i < v->nparams; i++)
        if (strcmp(v->params[i].key, key) == 0)
            return &v->params[i];
    return NULL;
}

double variant_get(const variant *v, const vparams *p, const char *key)
{
    const vparam *q = variant_param(v, key);
    if (!q)
        return NAN;
    const unsigned char *at = p->b + q->off;
    switch (q->type) {
    case VP_INT: return (double)*(const int64_t *)(const void *)at;
    case VP_INTV:
    case VP_BOOL: return (double)*(const int *)(const void *)at;
    case VP_NUM: return *(const double *)(const void *)at;
    default: return NAN;
    }
}

void variant_free(const variant *v, vparams *p)
{
    for (int i = 0; v && i < v->nparams; i++)
        if (v->params[i].type == VP_DIST)
            dist_free((dist *)(void *)(p->b + v->params[i].off));
}
