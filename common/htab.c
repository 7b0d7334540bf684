/* The hash table. See htab.h. */
#include "htab.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

char ht_tomb[1];

void ht_init(struct htab *t)
{
	memset(t, 0, sizeof(*t));
}

void ht_free(struct htab *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static void place(struct hslot *s, size_t cap, uint64_t h, void *item)
{
	size_t i = (size_t)h & (cap - 1);
	while (s[i].item)
		i = (i + 1) & (cap - 1);
	s[i].hash = h;
	s[i].item = item;
}

/* To cap slots, dropping the tombstones. */
static void resize(struct htab *t, size_t cap)
{
	struct hslot *s = xcalloc(cap, sizeof(*s));
	for (size_t i = 0; i < t->cap; i++)
		if (t->s[i].item && t->s[i].item != ht_tomb)
			place(s, cap, t->s[i].hash, t->s[i].item);
	free(t->s);
	t->s = s;
	t->cap = cap;
	t->tomb = 0;
}

void ht_put(struct htab *t, uint64_t h, void *item)
{
	if ((t->n + t->tomb + 1) * 2 > t->cap) {
		size_t cap = t->cap ? t->cap : 16;
		/* Grow when live items need it; else the tombstones were the
		 * load, and sweeping them at the same size is enough. */
		while ((t->n + 1) * 4 > cap)
			cap *= 2;
		resize(t, cap);
	}
	place(t->s, t->cap, h, item);
	t->n++;
}

void ht_del_at(struct htab *t, size_t i)
{
	t->s[i].item = ht_tomb;
	t->n--;
	t->tomb++;
}

void *ht_del(struct htab *t, uint64_t h, bool (*eq)(const void *item, const void *key),
             const void *key)
{
	size_t i = ht_find_slot(t, h, eq, key);
	void *it;
	if (i == (size_t)-1)
		return NULL;
	it = t->s[i].item;
	ht_del_at(t, i);
	return it;
}

uint64_t pp_hash(const void *p, size_t n)
{
	/* FNV-1a, then a finaliser: FNV's low bits alone are weak. */
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return pp_hash_u64(h);
}
