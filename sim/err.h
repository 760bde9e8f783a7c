/* err.h - errors as values.
 *
 * Functions that can fail on user input return a status (0 ok, -1 failure)
 * and fill a caller-provided vs_err with one human-readable line naming the
 * file, the JSON path and what was expected. `main` decides how to print it
 * and which exit code to use (`code`: 2 bad input, 1 internal error).
 * Control characters in a message are written as \xHH, so quoted input
 * (file names, JSON keys, CSV cells) cannot break the one-line message. */
#ifndef VMSIM_ERR_H
#define VMSIM_ERR_H

#include <stdarg.h>

enum { VS_EXIT_OK = 0, VS_EXIT_INTERNAL = 1, VS_EXIT_INPUT = 2 };

typedef struct vs_err {
    int code;       /* exit code to use: VS_EXIT_INPUT or VS_EXIT_INTERNAL */
    char msg[1024]; /* the message, NUL-terminated; empty when no error */
} vs_err;

/* Sets err (if non-NULL) to a bad-input error; returns -1 so callers can
 * `return err_input(err, ...)`. */
int err_input(vs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same with code VS_EXIT_INTERNAL (out of memory, I/O failure). */
int err_internal(vs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the existing message with "prefix: " (e.g. the file name). */
void err_prefix(vs_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
