/* mem.h - the one allocation path. vs_xmalloc and friends abort with a
 * message on out-of-memory: vmsim bounds every size taken from input before
 * allocating (the CFG_MAX_* limits of models/config.h, checked by
 * config/scenario.c; docs/robustness.md lists them), so exhaustion here is an internal error,
 * never a user-input one. */
#ifndef VMSIM_MEM_H
#define VMSIM_MEM_H

#include <stddef.h>

void *vs_xmalloc(size_t n);
void *vs_xcalloc(size_t n, size_t size);
void *vs_xrealloc(void *p, size_t n);
/* Reallocates an array of `n` elements of `size` bytes; aborts on overflow. */
void *vs_xreallocarray(void *p, size_t n, size_t size);
char *vs_xstrdup(const char *s);

#endif
