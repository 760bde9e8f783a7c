/* jsonw.c - the one JSON writer (see jsonw.h). */
#include "output/jsonw.h"

#include <stdlib.h>
#include <string.h>

#include "sim/fsutil.h"
#include "sim/mem.h"

char *jw_text(const json_t *doc)
{
    char *t = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) : NULL;
    if (!t)
        return NULL;
    size_t l = strlen(t);
    char *s = vs_xmalloc(l + 2);
    memcpy(s, t, l);
    memcpy(s + l, "\n", 2);
    free(t);
    return s;
}

int jw_write(const char *path, const json_t *doc, vs_err *err)
{
    char *text = jw_text(doc);
    if (!text)
        return err_internal(err, "%s: cannot encode the document (out of memory, or text that "
                                 "is not UTF-8)",
                            path);
    int rc = fsu_write_string(path, text, err);
    free(text);
    return rc;
}
