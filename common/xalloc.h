/* The allocator wrapper: allocation that cannot fail, for every command.
 *
 * Running out of memory is not something a record stream can recover from,
 * so each of these either succeeds or ends the program through pp_oom(),
 * the one out-of-memory exit ("prog: out of memory", status 1). A size of
 * zero still gives a unique, freeable pointer. Static inline: each is a
 * call and a test. */
#ifndef PP_XALLOC_H
#define PP_XALLOC_H

#include <stdlib.h>
#include <string.h>

/* "prog: out of memory" (and what, when not NULL), exit status 1. */
void pp_oom(const char *what) __attribute__((noreturn, cold));

static inline void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		pp_oom(NULL);
	return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		pp_oom(NULL);
	return p;
}

static inline void *xrealloc(void *old, size_t n)
{
	void *p = realloc(old, n ? n : 1);
	if (!p)
		pp_oom(NULL);
	return p;
}

/* realloc of n elements of size bytes, refusing a product that overflows. */
static inline void *xreallocarray(void *old, size_t n, size_t size)
{
	void *p = reallocarray(old, n ? n : 1, size ? size : 1);
	if (!p)
		pp_oom(NULL);
	return p;
}

static inline char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		pp_oom(NULL);
	return d;
}

/* At most n bytes of s, stopping at a NUL (as strndup). */
static inline char *xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		pp_oom(NULL);
	return d;
}

/* Exactly n bytes of p (NULs included), NUL-terminated. */
static inline char *xmemdup(const void *p, size_t n)
{
	char *d = xmalloc(n + 1);
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

#endif
