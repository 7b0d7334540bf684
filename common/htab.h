/* The hash table of every command but pp-join's (for now) and pp-sniff's
 * flows (whose chained table grows a few buckets per new flow, so that no
 * packet waits while a million flows are rehashed; this one grows all at
 * once): open addressing with linear probing over (hash, pointer) slots.
 *
 * The table holds pointers to the caller's items and their 64-bit hashes;
 * items never move, so a pointer to one stays valid while the table grows.
 * Equal hashes are told apart by the caller's eq(item, key) (NULL: the
 * hash alone is the key, for sets of hashes). Removal leaves a tombstone,
 * so removing while iterating is safe; adding while iterating is not (the
 * table may grow). The table grows at half full, tombstones counted.
 *
 *	struct htab t;
 *	ht_init(&t);
 *	if (!(e = ht_get(&t, h, same_key, &key)))
 *		ht_put(&t, h, e = new_entry(&key));
 *	for (size_t i = 0; i < t.cap; i++)
 *		if ((e = ht_at(&t, i)) && stale(e))
 *			ht_del_at(&t, i), free(e);
 */
#ifndef PP_HTAB_H
#define PP_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hslot {
	uint64_t hash;
	void *item; /* NULL: empty; ht_tomb: removed */
};

struct htab {
	struct hslot *s;
	size_t cap, n, tomb; /* cap: 0 or a power of two */
};

extern char ht_tomb[1];

void ht_init(struct htab *t);
/* Frees the slots, not the items. */
void ht_free(struct htab *t);
/* Add item under hash h (no check for an equal one: ht_get first). */
void ht_put(struct htab *t, uint64_t h, void *item);
/* Remove the item at slot i (from ht_at or ht_find_slot). */
void ht_del_at(struct htab *t, size_t i);

/* The item at slot i, or NULL (empty or removed): for iterating. */
static inline void *ht_at(const struct htab *t, size_t i)
{
	void *it = t->s[i].item;
	return it == ht_tomb ? NULL : it;
}

/* Slot of the item with hash h for which eq(item, key) holds, or
 * (size_t)-1. Inline so that eq is inlined too. */
static inline size_t ht_find_slot(const struct htab *t, uint64_t h,
                                  bool (*eq)(const void *item, const void *key), const void *key)
{
	if (!t->cap)
		return (size_t)-1;
	for (size_t i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
		const struct hslot *s = &t->s[i];
		if (!s->item)
			return (size_t)-1;
		if (s->hash == h && s->item != ht_tomb && (!eq || eq(s->item, key)))
			return i;
	}
}

static inline void *ht_get(const struct htab *t, uint64_t h,
                           bool (*eq)(const void *item, const void *key), const void *key)
{
	size_t i = ht_find_slot(t, h, eq, key);
	return i == (size_t)-1 ? NULL : t->s[i].item;
}

/* Remove and return the item that ht_get would find, or NULL. */
void *ht_del(struct htab *t, uint64_t h, bool (*eq)(const void *item, const void *key),
             const void *key);

/* The one hash of bytes and of a 64-bit number (slots are taken from the
 * low bits, so both mix all input bits into them). */
uint64_t pp_hash(const void *p, size_t n);
static inline uint64_t pp_hash_u64(uint64_t x)
{
	/* splitmix64's finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

#endif
