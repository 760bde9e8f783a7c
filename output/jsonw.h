/* jsonw.h - the one JSON writer (the output layer): every results, point,
 * sweep, validation and sensitivity document vmsim writes is indented by 2
 * with a final newline and reals in 17 significant digits, the precision
 * that reads back as the same double (nothing is lost between a run and
 * its file). */
#ifndef VMSIM_JSONW_H
#define VMSIM_JSONW_H

#include <jansson.h>

#include "sim/err.h"

/* The text of doc as vmsim writes it: a new string (caller frees), or NULL
 * when doc is NULL or cannot be encoded (out of memory, text that is not
 * UTF-8). */
char *jw_text(const json_t *doc);
/* Writes doc to path atomically (sim/fsutil.h). Returns 0, or -1 with err
 * (internal) naming the path. */
int jw_write(const char *path, const json_t *doc, vs_err *err);

#endif
