#include "sim/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mem_die(size_t n)
{
    fprintf(stderr, "vmsim: internal error: out of memory allocating %zu bytes\n", n);
    exit(1);
}

void *vs_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        mem_die(n);
    return p;
}

void *vs_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mem_die(n * size);
    return p;
}

void *vs_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        mem_die(n);
    return q;
}

void *vs_xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        mem_die((size_t)-1);
    return vs_xrealloc(p, n * size);
}

char *vs_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = vs_xmalloc(n);
    memcpy(d, s, n);
    return d;
}
