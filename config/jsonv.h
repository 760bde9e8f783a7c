/* jsonv.h - a validating reader over Jansson objects.
 *
 * A jv_obj wraps one JSON object and its path (e.g. "workload.hold"). Each
 * getter looks a key up, checks its type and range, records the key as known,
 * and on failure fills the error with "FILE: PATH.KEY: expected ..., found
 * ...". jv_done then rejects every key of the object that no getter asked for,
 * suggesting the closest known key ("did you mean ..."). All getters return 0
 * on success and -1 on error; a missing optional key leaves *out = default. */
#ifndef VMSIM_JSONV_H
#define VMSIM_JSONV_H

#include <jansson.h>
#include <stdint.h>

#include "sim/err.h"

#define JV_MAX_KEYS 64
#define JV_PATH_MAX 256

typedef struct jv_obj {
    json_t *obj;                    /* the object (borrowed) */
    const char *file;               /* file name for messages (borrowed) */
    vs_err *err;                    /* where errors go */
    char path[JV_PATH_MAX];         /* JSON path of this object, "" at the root */
    const char *known[JV_MAX_KEYS]; /* keys asked for so far (static strings) */
    int nknown;
} jv_obj;

/* Wraps `v` found at `path`; fails if v is not an object. */
int jv_open(jv_obj *o, json_t *v, const char *file, const char *path, vs_err *err);
/* Path of key inside o into buf ("a.b" or "b"); returns buf. */
const char *jv_keypath(const jv_obj *o, const char *key, char *buf, size_t n);
/* Describes a JSON value briefly for messages ("string \"x\"", "-3", ...). */
const char *jv_describe(const json_t *v, char *buf, size_t n);
/* Fails with "PATH.KEY: expected WHAT, found <value>". */
int jv_fail(const jv_obj *o, const char *key, const json_t *found, const char *what);

/* Raw value (may be NULL when absent). Marks key known. */
json_t *jv_get(jv_obj *o, const char *key);
/* A required key missing gives "PATH.KEY: required key missing". */
int jv_require(jv_obj *o, const char *key, json_t **out);

int jv_num(jv_obj *o, const char *key, int required, double def, double lo, double hi, double *out);
int jv_int(jv_obj *o, const char *key, int required, int64_t def, int64_t lo, int64_t hi, int64_t *out);
int jv_intv(jv_obj *o, const char *key, int required, int def, int lo, int hi, int *out);
int jv_bool(jv_obj *o, const char *key, int def, int *out);
/* String value; *out borrowed from the document. */
int jv_str(jv_obj *o, const char *key, int required, const char *def, const char **out);
/* One of names[0..n-1]; *out is its index. */
int jv_enum(jv_obj *o, const char *key, int required, const char *const *names, int n, int def,
            int *out);
/* Child object; *present = 0 (and child wraps an empty object) when absent. */
int jv_child(jv_obj *o, const char *key, jv_obj *child, int *present);
/* Rejects keys no getter asked for. Keys starting with '_' are comments
 * (sources, notes) and always accepted. */
int jv_done(jv_obj *o);

/* Rewrites control characters in err's message as \xHH (user text quoted
 * into a one-line message must not break it or the terminal). */
void jv_printable_msg(vs_err *err);

/* Levenshtein distance, for suggestions. */
int jv_edit_distance(const char *a, const char *b);
/* Closest of names[0..n-1] to s within distance max(2, len/3), or NULL. */
const char *jv_suggest(const char *s, const char *const *names, int n);

#endif
