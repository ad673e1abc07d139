/* Errors: every fallible function returns 0 on success and -1 on failure, after recording a
 * message with scar_fail(). The message names the file, record or option and what was wrong;
 * the command line prints it and exits non-zero. The buffer is per thread. */
#ifndef SCAR_CORE_ERROR_H
#define SCAR_CORE_ERROR_H

#include <stddef.h>

/* Record a printf-style message; returns -1 so that `return scar_fail(...)` reads naturally. */
int scar_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prefix the current message with more context ("pack.bin: " + "record 7: bad gain"). */
int scar_fail_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *scar_last_error(void);
void scar_clear_error(void);

/* Allocation that never returns NULL: out of memory is reported and the process exits(1),
 * since no layer of an ML training run can do anything useful without its memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Size arithmetic that refuses to overflow (headers with absurd counts). 0 on success. */
int size_mul(size_t a, size_t b, size_t *out);
int size_add(size_t a, size_t b, size_t *out);

#endif
