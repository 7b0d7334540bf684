/* Size-class pool. See pool.h. */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define CLASS 64
#define NCLASS (POOL_MAX / CLASS)
#define SLAB (256 * 1024)

struct block {
	struct block *next;
};

struct slab {
	struct slab *next;
	max_align_t align[];
};

static struct block *free_list[NCLASS];
static struct slab *slabs;
static char *cur, *end; /* the rest of the newest slab */

/* Under AddressSanitizer every block is its own malloc, so that a use
 * after pool_put is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOL_ASAN 1
#endif
#endif
#ifndef POOL_ASAN
#define POOL_ASAN 0
#endif

static inline size_t class_of(size_t n)
{
	return n ? (n - 1) / CLASS : 0;
}

void *pool_get(size_t n)
{
	size_t c, sz;
	struct block *b;
	if (n > POOL_MAX || POOL_ASAN)
		return xmalloc(n);
	c = class_of(n);
	if ((b = free_list[c])) {
		free_list[c] = b->next;
		return b;
	}
	sz = (c + 1) * CLASS;
	if ((size_t)(end - cur) < sz) {
		/* The rest of the old slab is left unused: at most one block
		 * of the largest class per slab. */
		struct slab *s = xmalloc(sizeof(*s) + SLAB);
		s->next = slabs;
		slabs = s;
		cur = (char *)s->align;
		end = cur + SLAB;
	}
	b = (struct block *)cur;
	cur += sz;
	return b;
}

void *pool_zget(size_t n)
{
	void *p = pool_get(n);
	memset(p, 0, n);
	return p;
}

void pool_put(void *p, size_t n)
{
	struct block *b = p;
	size_t c;
	if (!p)
		return;
	if (n > POOL_MAX || POOL_ASAN) {
		free(p);
		return;
	}
	c = class_of(n);
	b->next = free_list[c];
	free_list[c] = b;
}

void pool_free_all(void)
{
	while (slabs) {
		struct slab *s = slabs;
		slabs = s->next;
		free(s);
	}
	memset(free_list, 0, sizeof(free_list));
	cur = end = NULL;
}
