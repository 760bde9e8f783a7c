#include "sim/err.h"

#include <stdio.h>
#include <string.h>

static int err_vset(vs_err *err, int code, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
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
    snprintf(err->msg, sizeof err->msg, "%s: %s", pre, old);
}
