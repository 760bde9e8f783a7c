#include "config/jsonv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Copies at most `max` bytes of s into buf (size n) with control characters
 * written as \xHH, so a hostile string ("a\nb", ESC sequences) cannot break
 * the one-line error message. Returns buf. */
static const char *jv_printable(const char *s, size_t max, char *buf, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && i < max && o + 5 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = 0;
    return buf;
}

/* Every message of this file goes through here. Control characters in
 * keys and values (found by tests/fuzz/fuzz_scenario.c) are escaped by
 * err_input itself (sim/err.c), for every module's messages. Returns -1. */
static int jv_err(vs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jv_err(vs_err *err, const char *fmt, ...)
{
    char raw[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    return err_input(err, "%s", raw);
}

int jv_open(jv_obj *o, json_t *v, const char *file, const char *path, vs_err *err)
{
    memset(o, 0, sizeof *o);
    o->file = file;
    o->err = err;
    snprintf(o->path, sizeof o->path, "%s", path);
    o->obj = v;
    if (v && !json_is_object(v)) {
        char d[128];
        return jv_err(err, "%s: %s: expected an object, found %s", file,
                      path[0] ? path : "(top level)", jv_describe(v, d, sizeof d));
    }
    return 0;
}

const char *jv_keypath(const jv_obj *o, const char *key, char *buf, size_t n)
{
    if (o->path[0])
        snprintf(buf, n, "%s.%s", o->path, key);
    else
        snprintf(buf, n, "%s", key);
    return buf;
}

const char *jv_describe(const json_t *v, char *buf, size_t n)
{
    char s[256];
    if (!v) {
        snprintf(buf, n, "nothing");
        return buf;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT: snprintf(buf, n, "an object"); break;
    /* the length tells "[]" from a non-empty array of the wrong shape */
    case JSON_ARRAY:
        snprintf(buf, n, "an array of %zu element%s", json_array_size(v),
                 json_array_size(v) == 1 ? "" : "s");
        break;
    case JSON_STRING:
        snprintf(buf, n, "string \"%s\"", jv_printable(json_string_value(v), 60, s, sizeof s));
        break;
    case JSON_INTEGER: snprintf(buf, n, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: snprintf(buf, n, "%.15g", json_real_value(v)); break;
    case JSON_TRUE: snprintf(buf, n, "true"); break;
    case JSON_FALSE: snprintf(buf, n, "false"); break;
    case JSON_NULL: snprintf(buf, n, "null"); break;
    }
    return buf;
}

int jv_fail(const jv_obj *o, const char *key, const json_t *found, const char *what)
{
    char p[JV_PATH_MAX + 64], d[128];
    return jv_err(o->err, "%s: %s: expected %s, found %s", o->file,
                  jv_keypath(o, key, p, sizeof p), what, jv_describe(found, d, sizeof d));
}

static void jv_mark(jv_obj *o, const char *key)
{
    for (int i = 0; i < o->nknown; i++)
        if (strcmp(o->known[i], key) == 0)
            return;
    if (o->nknown < JV_MAX_KEYS)
        o->known[o->nknown++] = key;
}

json_t *jv_get(jv_obj *o, const char *key)
{
    jv_mark(o, key);
    return json_object_get(o->obj, key);
}

int jv_require(jv_obj *o, const char *key, json_t **out)
{
    *out = jv_get(o, key);
    if (*out)
        return 0;
    char p[JV_PATH_MAX + 64];
    /* a misspelt key present instead? */
    const char *k;
    json_t *v;
    json_object_foreach(o->obj, k, v) {
        const char *one[1] = {key};
        if (jv_suggest(k, one, 1))
            return jv_err(o->err, "%s: %s: required key missing (found \"%s\": did you mean \"%s\"?)",
                          o->file, jv_keypath(o, key, p, sizeof p), k, key);
    }
    return jv_err(o->err, "%s: %s: required key missing", o->file, jv_keypath(o, key, p, sizeof p));
}

static int jv_lookup(jv_obj *o, const char *key, int required, json_t **v)
{
    if (required)
        return jv_require(o, key, v);
    *v = jv_get(o, key);
    return 0;
}

int jv_num(jv_obj *o, const char *key, int required, double def, double lo, double hi, double *out)
{
    json_t *v;
    if (jv_lookup(o, key, required, &v))
        return -1;
    if (!v) {
        *out = def;
        return 0;
    }
    char what[128];
    snprintf(what, sizeof what, "a number in [%g, %g]", lo, hi);
    if (!json_is_number(v))
        return jv_fail(o, key, v, what);
    double x = json_number_value(v);
    if (!isfinite(x) || x < lo || x > hi)
        return jv_fail(o, key, v, what);
    *out = x;
    return 0;
}

int jv_int(jv_obj *o, const char *key, int required, int64_t def, int64_t lo, int64_t hi, int64_t *out)
{
    json_t *v;
    if (jv_lookup(o, key, required, &v))
        return -1;
    if (!v) {
        *out = def;
        return 0;
    }
    char what[128];
    snprintf(what, sizeof what, "an integer in [%lld, %lld]", (long long)lo, (long long)hi);
    int64_t x;
    if (json_is_integer(v)) {
        x = json_integer_value(v);
    } else if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
               fabs(json_real_value(v)) < 9.0e15) {
        x = (int64_t)json_real_value(v); /* 1e6 written as a real is still an integer */
    } else {
        return jv_fail(o, key, v, what);
    }
    if (x < lo || x > hi)
        return jv_fail(o, key, v, what);
    *out = x;
    return 0;
}

int jv_intv(jv_obj *o, const char *key, int required, int def, int lo, int hi, int *out)
{
    int64_t x;
    if (jv_int(o, key, required, def, lo, hi, &x))
        return -1;
    *out = (int)x;
    return 0;
}

int jv_bool(jv_obj *o, const char *key, int def, int *out)
{
    json_t *v = jv_get(o, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_boolean(v))
        return jv_fail(o, key, v, "true or false");
    *out = json_is_true(v);
    return 0;
}

int jv_str(jv_obj *o, const char *key, int required, const char *def, const char **out)
{
    json_t *v;
    if (jv_lookup(o, key, required, &v))
        return -1;
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_string(v))
        return jv_fail(o, key, v, "a string");
    *out = json_string_value(v);
    return 0;
}

int jv_enum(jv_obj *o, const char *key, int required, const char *const *names, int n, int def,
            int *out)
{
    const char *s;
    if (jv_str(o, key, required, NULL, &s))
        return -1;
    if (!s) {
        *out = def;
        return 0;
    }
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    char what[512] = "one of", p[JV_PATH_MAX + 64];
    for (int i = 0; i < n; i++) {
        size_t l = strlen(what);
        snprintf(what + l, sizeof what - l, "%s \"%s\"", i ? "," : "", names[i]);
    }
    const char *sug = jv_suggest(s, names, n);
    return jv_err(o->err, "%s: %s: expected %s, found \"%.60s\"%s%s%s", o->file,
                  jv_keypath(o, key, p, sizeof p), what, s, sug ? " (did you mean \"" : "",
                  sug ? sug : "", sug ? "\"?)" : "");
}

int jv_child(jv_obj *o, const char *key, jv_obj *child, int *present)
{
    char p[JV_PATH_MAX + 64];
    json_t *v = jv_get(o, key);
    if (present)
        *present = v != NULL;
    jv_keypath(o, key, p, sizeof p);
    /* an absent child reads as an empty object: every getter sees defaults */
    return jv_open(child, v, o->file, p, o->err);
}

int jv_done(jv_obj *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(o->obj, key, v) {
        int ok = key[0] == '_'; /* "_comment", "_source": notes, never read */
        for (int i = 0; i < o->nknown && !ok; i++)
            ok = strcmp(o->known[i], key) == 0;
        if (ok)
            continue;
        char p[JV_PATH_MAX + 64], keys[600] = "";
        for (int i = 0; i < o->nknown; i++) {
            size_t l = strlen(keys);
            snprintf(keys + l, sizeof keys - l, "%s%s", i ? ", " : "", o->known[i]);
        }
        const char *sug = jv_suggest(key, o->known, o->nknown);
        if (sug)
            return jv_err(o->err, "%s: %s: unknown key (did you mean \"%s\"?)", o->file,
                          jv_keypath(o, key, p, sizeof p), sug);
        return jv_err(o->err, "%s: %s: unknown key (known here: %s)", o->file,
                      jv_keypath(o, key, p, sizeof p), keys);
    }
    return 0;
}

int jv_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

const char *jv_suggest(const char *s, const char *const *names, int n)
{
    int best = 1 << 30;
    const char *bn = NULL;
    for (int i = 0; i < n; i++) {
        int d = jv_edit_distance(s, names[i]);
        if (d < best) {
            best = d;
            bn = names[i];
        }
    }
    int lim = (int)strlen(s) / 3;
    if (lim < 2)
        lim = 2;
    return best <= lim ? bn : NULL;
}

/* Rewrites control characters in err's message as \xHH. Keys, enum values,
 * VM and lock names and preset names are the user's text and are quoted
 * into messages; a "\n" or an ESC sequence in them must not break the
 * one-line message or the terminal (found by tests/bad-inputs). */
void jv_printable_msg(vs_err *err)
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
