/* params.h - validating a variant's parameters generically from its table
 * (models/variant.h), for every family: lock algorithms, host schedulers,
 * workloads, and PLE.
 *
 * A family's section validator (config/sections.h) picks the variant by
 * its selector key, then: cfg_params reads every table entry (the given
 * value, checked against type and range, or the default) into the
 * variant's struct; the structured VP_CUSTOM keys are parsed by the
 * section itself; cfg_check runs the variant's `check`; cfg_foreign_keys
 * rejects keys that belong to another variant of the family ("credit_slice_ns
 * is a parameter of credit, not of cfs"); jv_done then rejects everything
 * else with a did-you-mean. Error messages name the file and JSON path. */
#ifndef VMSIM_PARAMS_H
#define VMSIM_PARAMS_H

#include "config/jsonv.h"
#include "models/variant.h"
#include "sim/dist.h"

/* Reads the distribution object at parent.key into *out: absent -> the
 * `required` error, or exp(def_mean). 0 or -1 (err filled). */
int cfg_dist(jv_obj *parent, const char *key, int required, double def_mean, dist *out);
/* Reads every parameter of v from o into base (v's struct; VP_CUSTOM keys
 * are left to the caller). On -1 the distributions read so far stay in base
 * (variant_free releases them). */
int cfg_params(jv_obj *o, const variant *v, void *base);
/* Runs v->check(arg, c) and turns a failure into an error at o (or o.key). */
int cfg_check(jv_obj *o, const variant *v, void *arg, const vp_ctx *c);
/* Fails on the first key of o that is not known to o yet but is a
 * parameter of another variant of r than `chosen`. */
int cfg_foreign_keys(jv_obj *o, const vregistry *r, const variant *chosen);

#endif
