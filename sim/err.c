#include "sim/err.h"

#include <stdio.h>
#include <string.h>

/* Copies s into dst (size n) with control characters written as \xHH: a
 * message is one line, whatever hostile bytes (file names, JSON keys and
 * values, CSV cells) it quotes. */
static void err_clean(char *dst, size_t n, const char *s)
{
    size_t o = 0;
    for (; *s && o + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(dst + o, n - o, "\\x%02x", c);
        else
            dst[o++] = (char)c;
    }
    dst[o] = 0;
}

static int err_vset(vs_err *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        char raw[sizeof err->msg];
        err->code = code;
        vsnprintf(raw, sizeof raw, fmt, ap);
        err_clean(err->msg, sizeof err->msg, raw);
    }
    return -1;
}

int err_input(vs_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, VS_EXIT_INPUT, fmt, ap);
    va_end(ap);
    return -1;
}

int err_internal(vs_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(err, VS_EXIT_INTERNAL, fmt, ap);
    va_end(ap);
    return -1;
}

void err_prefix(vs_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char pre[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    char raw[sizeof err->msg];
    snprintf(raw, sizeof raw, "%s: %s", pre, old);
    err_clean(err->msg, sizeof err->msg, raw);
}
