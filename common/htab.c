/* The hash table. See htab.h, which says how it grows. */
#include "htab.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xalloc.h"

char ht_tomb[1];

void ht_init(struct htab *t)
{
	memset(t, 0, sizeof(*t));
}

void ht_free(struct htab *t)
{
	free(t->s);
	free(t->old);
	memset(t, 0, sizeof(*t));
}

static void place(struct hslot *s, size_t size, uint64_t h, void *item)
{
	size_t i = (size_t)h & (size - 1);
	while (s[i].item)
		i = (i + 1) & (size - 1);
	s[i].hash = h;
	s[i].item = item;
}

/* Give back the whole pages of old's slots from rel to mig, once there are
 * RELEASE_BYTES of them: nothing reads a moved slot again (htab.h). Only
 * pages inside the block are touched, never malloc's header before it. */
#define RELEASE_BYTES ((size_t)64 << 10)
static void release_moved(struct htab *t)
{
	static uintptr_t page;
	if ((t->mig - t->rel) * sizeof(struct hslot) < RELEASE_BYTES)
		return;
	if (!page)
		page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t lo = ((uintptr_t)(t->old + t->rel) + page - 1) & ~(page - 1);
	uintptr_t hi = (uintptr_t)(t->old + t->mig) & ~(page - 1);
	if (hi > lo) {
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
		t->rel = (hi - (uintptr_t)t->old) / sizeof(struct hslot);
	}
}

/* Move up to k of the old array's slots into the new one; the old array
 * goes once all are moved. */
static void move(struct htab *t, size_t k)
{
	for (; k && t->mig < t->onum; k--, t->mig++) {
		struct hslot *o = &t->old[t->mig];
		if (o->item && o->item != ht_tomb)
			place(t->s, t->ns, o->hash, o->item);
	}
	if (t->mig == t->onum) {
		free(t->old);
		t->old = NULL;
		t->onum = t->mig = t->rel = 0;
		t->cap = t->ns;
	} else {
		release_moved(t);
	}
}

/* A new array for the live items, at most a quarter full; the current
 * one becomes the old array, to be moved by the puts that follow. */
static void grow(struct htab *t)
{
	size_t size = t->ns ? t->ns : 16;
	/* Grow when live items need it; else the tombstones were the load,
	 * and sweeping them at the same size is enough. */
	while (t->n * 4 > size)
		size *= 2;
	if (t->old) /* not reached: see htab.h */
		move(t, SIZE_MAX);
	if (t->ns)
		t->old = t->s, t->onum = t->ns, t->mig = t->rel = 0;
	t->s = xcalloc(size, sizeof(*t->s));
	t->ns = size;
	t->tomb = 0;
	t->cap = t->ns + t->onum;
}

void ht_put(struct htab *t, uint64_t h, void *item)
{
	if (t->old)
		move(t, HT_MOVE_STEP);
	if ((t->n + t->tomb + 1) * 2 > t->ns)
		grow(t);
	place(t->s, t->ns, h, item);
	t->n++;
}

void ht_del_at(struct htab *t, size_t i)
{
	if (i < t->ns) {
		t->s[i].item = ht_tomb;
		t->tomb++;
	} else {
		t->old[i - t->ns].item = ht_tomb;
	}
	t->n--;
}

void *ht_del(struct htab *t, uint64_t h, bool (*eq)(const void *item, const void *key),
             const void *key)
{
	size_t i = ht_find_slot(t, h, eq, key);
	void *it;
	if (i == (size_t)-1)
		return NULL;
	it = ht_at(t, i);
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
