/* The hash table of every command: open addressing with linear probing
 * over (hash, pointer) slots, grown a few slots at a time.
 *
 * The table holds pointers to the caller's items and their 64-bit hashes;
 * items never move, so a pointer to one stays valid while the table grows.
 * Equal hashes are told apart by the caller's eq(item, key) (NULL: the
 * hash alone is the key, for sets of hashes). Removal leaves a tombstone,
 * so removing while iterating is safe; adding while iterating is not (the
 * table may grow, and growing moves slots).
 *
 * Growth. The table grows when half full, tombstones counted, to the
 * smallest power of two at most a quarter full (the same size again when
 * tombstones were the load: that sweeps them). It does not rehash all at
 * once: the old slots stay where they are and each ht_put moves the next
 * HT_MOVE_STEP of them into the new array, so no call waits while a
 * million items are rehashed (pp-sniff's flows: no packet pauses). While
 * old slots remain, a lookup that misses the new array probes the old one
 * too, passing over its moved slots (those below mig) as over tombstones:
 * their bytes are not read, so the moved part of a large old array goes
 * back to the system as the move goes (madvise), and freeing it at the end
 * costs nothing (unmapping 32 MB of touched pages at once took 3 ms).
 * Four moves per put would finish before the new array could fill (it
 * starts at most a quarter full, so a quarter of its size in puts come
 * first, and the old array is no larger); HT_MOVE_STEP is 16, and if it
 * ever had not finished the rest would move then, at once. Only ht_put
 * moves slots: ht_get, ht_find_slot, ht_at and ht_del_at never do, so
 * iterating while looking up or removing stays safe. Memory: 16 bytes a
 * slot, two to four slots an item, plus the old array while it moves.
 *
 * Slot numbers, from ht_find_slot and for ht_at, run from 0 to cap: the
 * new array's slots first, then the old array's while it is being moved.
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
	void *item; /* NULL: empty; ht_tomb: removed (or moved) */
};

struct htab {
	struct hslot *s;   /* where ht_put places items */
	size_t cap;        /* slot numbers: ns, plus onum while old is moved */
	size_t n, tomb;    /* items (in both arrays); tombstones in s */
	size_t ns;         /* s's size: 0 or a power of two */
	struct hslot *old; /* the slots before the last growth, or NULL */
	size_t onum, mig;  /* old's size; its slots below mig are moved */
	size_t rel;        /* old's slots below rel are given back */
};

#define HT_MOVE_STEP 16

extern char ht_tomb[1];

void ht_init(struct htab *t);
/* Frees the slots, not the items. */
void ht_free(struct htab *t);
/* Add item under hash h (no check for an equal one: ht_get first). */
void ht_put(struct htab *t, uint64_t h, void *item);
/* Remove the item at slot i (from ht_at or ht_find_slot). */
void ht_del_at(struct htab *t, size_t i);

/* The item at slot i, or NULL (empty, removed or moved): for iterating. */
static inline void *ht_at(const struct htab *t, size_t i)
{
	void *it;
	if (i < t->ns)
		it = t->s[i].item;
	else if (i - t->ns < t->mig)
		return NULL; /* moved: in s now */
	else
		it = t->old[i - t->ns].item;
	return it == ht_tomb ? NULL : it;
}

/* Index in s (size a power of two) of the item with hash h for which
 * eq(item, key) holds, or (size_t)-1. Slots below from are moved ones:
 * the probe goes on at from when it starts or wraps below it (an item at
 * or above from had no empty slot on its way from its home, and moving
 * makes none above from). */
static inline size_t ht_probe_(const struct hslot *s, size_t size, size_t from, uint64_t h,
                               bool (*eq)(const void *item, const void *key), const void *key)
{
	size_t i0 = (size_t)h & (size - 1), i;
	if (i0 < from)
		i0 = from;
	for (i = i0;;) {
		if (!s[i].item)
			return (size_t)-1;
		if (s[i].hash == h && s[i].item != ht_tomb && (!eq || eq(s[i].item, key)))
			return i;
		if (++i == size)
			i = from;
		if (i == i0)
			return (size_t)-1; /* only moved and full slots */
	}
}

/* Slot of the item with hash h for which eq(item, key) holds, or
 * (size_t)-1. Inline so that eq is inlined too. */
static inline size_t ht_find_slot(const struct htab *t, uint64_t h,
                                  bool (*eq)(const void *item, const void *key), const void *key)
{
	size_t i;
	if (!t->ns)
		return (size_t)-1;
	if ((i = ht_probe_(t->s, t->ns, 0, h, eq, key)) != (size_t)-1)
		return i;
	if (t->old && (i = ht_probe_(t->old, t->onum, t->mig, h, eq, key)) != (size_t)-1)
		return t->ns + i;
	return (size_t)-1;
}

static inline void *ht_get(const struct htab *t, uint64_t h,
                           bool (*eq)(const void *item, const void *key), const void *key)
{
	size_t i = ht_find_slot(t, h, eq, key);
	return i == (size_t)-1 ? NULL : ht_at(t, i);
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
