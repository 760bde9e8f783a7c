/* variant.h - the one registry shape of every model family with variants:
 * lock algorithms (models/locks/registry.c), host schedulers
 * (models/host/hv.c) and workloads (models/workloads/wl.c).
 *
 * A variant is a name, a one-line summary, its family's ops table, and its
 * parameters: a table of (key, type, default, range, unit, doc line) and the
 * size of the struct, private to the variant's file, they are stored in. The
 * config loader (config/) validates every family generically from these
 * tables - a key no table of the chosen variant lists is an error - and
 * stores the values at the table's offsets in a vparams blob; the variant
 * then derives and cross-checks in `check`. So a variant's defaults sit next
 * to its code and adding one touches one new file and one registry line.
 *
 * Invariants: keys in a table are distinct; def lies in [lo, hi]; every
 * offset + the size of its type fits in `size` <= VP_BYTES. */
#ifndef VMSIM_VARIANT_H
#define VMSIM_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "sim/dist.h"

/* Whether a parameter struct fits the blob: use in every variant file. */
#define VP_FITS(type) _Static_assert(sizeof(type) <= VP_BYTES, #type " is larger than VP_BYTES")

#define VP_BYTES 320   /* room for the largest variant's parameter struct */
#define VP_MAX_PARAMS 32

/* How a parameter is read and stored. */
typedef enum vp_type {
    VP_INT,    /* an integer (a real with no fraction accepted), stored as int64_t */
    VP_INTV,   /* the same, stored as int */
    VP_NUM,    /* a number, stored as double */
    VP_BOOL,   /* true / false, stored as int */
    VP_DIST,   /* a distribution object (sim/dist.h), stored as dist */
    VP_CUSTOM  /* a structured value the loader parses itself (config/); not stored here */
} vp_type;

typedef struct vparam {
    const char *key;   /* JSON key */
    vp_type type;
    double def;        /* default (VP_DIST: the mean of the default distribution) */
    double lo, hi;     /* allowed range (VP_INT, VP_INTV, VP_NUM) */
    const char *unit;  /* "ns", "cycles", "" ... (documentation) */
    const char *doc;   /* one line for docs and `--list` */
    size_t off;        /* where the value is stored in the variant's struct */
    int required;      /* 1: no default, the key must be given */
    double def_cv;     /* VP_DIST: > 0 for a lognormal default with this cv, else exp(def) */
} vparam;

/* A variant's parameters as stored by the loader: raw bytes, aligned for
 * any field, interpreted by the variant's own struct. Zeroed, then every
 * table entry is set (default or given). */
typedef struct vparams {
    _Alignas(max_align_t) unsigned char b[VP_BYTES];
} vparams;

/* What `check` may look at besides the parameters. */
typedef struct vp_ctx {
    int npcpus;  /* pCPUs in use on the host */
    int nvcpus;  /* vCPUs of the VM (locks, workloads; 0 for host schedulers) */
} vp_ctx;

typedef struct variant {
    const char *name;      /* as in scenarios */
    const char *summary;   /* one line for listings and errors */
    const void *ops;       /* the family's ops table (lock_ops, hv_ops, wl_ops) */
    const vparam *params;  /* parameter table (may be NULL when nparams is 0) */
    int nparams;
    size_t size;           /* bytes of the parameter struct (<= VP_BYTES) */
    /* Derives values and checks combinations after every parameter is set.
     * `par` is what the parameters were stored in: the vparams bytes of a
     * lock algorithm or host scheduler, the whole wl_cfg of a workload (its
     * .par holds them; the structured keys are parsed by then), the hv_cfg
     * for PLE. Returns 0, or -1 with `key` set to the parameter at fault (or
     * NULL: the section as a whole) and `why` to what was expected. May be
     * NULL. */
    int (*check)(void *par, const vp_ctx *c, const char **key, char *why, size_t n);
} variant;

#define VREG_MAX 32

/* A family's registry: its variants in order (the first is the default),
 * NULL-terminated. Each family defines one (lock_registry,
 * hv_registry, wl_registry); a test or a plug-in may add to it before any
 * scenario is loaded. */
typedef struct vregistry {
    const char *family;            /* "lock algorithm", "host scheduler", "workload" */
    const char *selector;          /* the JSON key choosing a variant */
    const variant *v[VREG_MAX + 1];/* the variants, NULL after the last */
} vregistry;

/* Number of variants in r. */
int vreg_count(const vregistry *r);
/* The variant of r called name, or NULL. */
const variant *vreg_find(const vregistry *r, const char *name);
/* Appends v to r. Returns 0, or -1 when r is full or has a variant of that
 * name (r unchanged). */
int vreg_add(vregistry *r, const variant *v);
/* Table entry of v for key, or NULL. */
const vparam *variant_param(const variant *v, const char *key);
/* Value of a VP_INT, VP_INTV, VP_NUM or VP_BOOL parameter as stored in p
 * (after `check`, so derived in place where a variant does so); NAN for an
 * unknown key or another type. For tests and listings. */
double variant_get(const variant *v, const vparams *p, const char *key);
/* Frees what p owns (its VP_DIST parameters). NULL v is fine. */
void variant_free(const variant *v, vparams *p);

/* Typed access to a parameter struct. */
#define VP_OF(type, vp) ((const type *)(const void *)(vp)->b)

#endif
