#include "config/path.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config/jsonv.h"

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
        jv_printable_msg(err);
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
