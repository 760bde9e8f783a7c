/* path.h - the path language of --set and sweep axes: "a.b[0].c" or
 * "a.b.0.c" addresses a value in a JSON document. Reading (sc_get_path),
 * writing with objects created on the way (sc_set_path, sc_apply_set), and
 * comparing (sc_norm_path, sc_paths_overlap). Knows nothing of scenarios:
 * any JSON document will do. Errors name the path and what was wrong
 * ("--set vms.5: no such array element (the array has 2)"). */
#ifndef VMSIM_PATH_H
#define VMSIM_PATH_H

#include <jansson.h>
#include <stddef.h>

#include "sim/err.h"

/* Applies one "PATH=VALUE" override to doc. PATH is dotted, array elements
 * by index ("vms.0.vcpus" or "vms[0].vcpus"); missing objects on the way are
 * created. VALUE is parsed as JSON (number, true, "text", [..]) and
 * otherwise taken as a plain string. */
int sc_apply_set(json_t *doc, const char *assignment, vs_err *err);
/* Sets PATH to a JSON value (stolen) - what sc_apply_set does after parsing. */
int sc_set_path(json_t *doc, const char *path, json_t *value, vs_err *err);
/* A VALUE as --set reads it: JSON when it parses (32, 1.5, true, "text",
 * [..]), a plain string otherwise. New reference; NULL if not UTF-8. */
json_t *sc_parse_value(const char *text);
/* "vms[0].vcpus" -> "vms.0.vcpus" into out, so equal paths compare equal. */
void sc_norm_path(const char *p, char *out, size_t n);
/* 1 when setting one path changes what the other sets: equal paths, or one
 * a parent of the other. */
int sc_paths_overlap(const char *a, const char *b);
/* Looks PATH up in doc (borrowed, NULL if absent). */
json_t *sc_get_path(json_t *doc, const char *path);

#endif
