/* The shared hash table: lookups among colliding hashes, removal while
 * iterating, growth past tombstones, sets keyed by the hash alone; its
 * step-by-step growth against a plain array of what should be in it, under
 * random interleavings of put, delete, lookup and iteration, with no put
 * moving more than HT_MOVE_STEP slots. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "htab.h"

struct item {
	int key;
	int val;
};

static bool same(const void *item, const void *key)
{
	return ((const struct item *)item)->key == *(const int *)key;
}

/* A weak hash on purpose: many keys share one, so eq must tell them apart. */
static uint64_t weak(int k)
{
	return (uint64_t)(k % 7);
}

/* xorshift64: the same operations on every run. */
static uint64_t rnd_state;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static uint64_t key_hash(int k, bool weakly)
{
	return weakly ? (uint64_t)(k % 13) * 0x9e3779b97f4a7c15ull : pp_hash_u64((uint64_t)k);
}

/* What a put moved, and whether it grew while the last growth was still
 * being moved (which would move the rest at once: a pause). */
static bool checked_put(struct htab *t, uint64_t h, void *item)
{
	bool ok = true;
	struct hslot *old = t->old, *s = t->s;
	size_t mig = t->mig;
	ht_put(t, h, item);
	if (old && t->old == old)
		ok = t->mig - mig <= HT_MOVE_STEP;
	else if (old && t->s != s)
		ok = false; /* grew again before the old slots were moved */
	return ok;
}

/* Every slot number holds each live item once, and n counts them. */
static bool visits_each_once(const struct htab *t, const struct item *items, const bool *in,
                             int nkeys)
{
	static unsigned char seen[70000];
	size_t live = 0;
	bool ok = true;
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < t->cap; i++) {
		const struct item *it = ht_at(t, i);
		if (!it)
			continue;
		live++;
		int k = (int)(it - items);
		if (k < 0 || k >= nkeys || !in[k] || seen[k]++)
			ok = false;
	}
	return ok && live == t->n;
}

/* Random puts, deletes (by key, by slot, while iterating) and lookups on
 * nkeys keys, checked against in[] after every operation. */
static void random_ops(uint64_t seed, int nkeys, bool weakly)
{
	static struct item items[70000];
	static bool in[70000];
	struct htab t;
	int nin = 0, bad = 0, badmove = 0, badlook = 0, baditer = 0, grew = 0, ops = 40 * nkeys;
	struct hslot *last_s = NULL;

	CASE(weakly ? "random operations, shared hashes" : "random operations");
	rnd_state = seed * 0x2545f4914f6cdd1dull;
	memset(in, 0, sizeof(in));
	ht_init(&t);
	for (int k = 0; k < nkeys; k++)
		items[k] = (struct item){k, -k};
	for (int op = 0; op < ops; op++) {
		int k = (int)(rnd() % (uint64_t)nkeys);
		uint64_t h = key_hash(k, weakly);
		/* Phases that mostly add, then mostly remove, so that the table
		 * grows, sweeps its tombstones, and grows again. */
		bool adding = (op / (2 * nkeys)) % 3 != 2;
		switch (rnd() % 8) {
		case 0: case 1: case 2:
			if (!adding)
				break;
			if (!in[k]) {
				badmove += !checked_put(&t, h, &items[k]);
				in[k] = true, nin++;
			}
			break;
		case 3: case 4:
			if (ht_del(&t, h, same, &k) != (in[k] ? &items[k] : NULL))
				bad++;
			if (in[k])
				in[k] = false, nin--;
			break;
		case 5: {
			size_t i = ht_find_slot(&t, h, same, &k);
			if ((i != (size_t)-1) != in[k] || (i != (size_t)-1 && ht_at(&t, i) != &items[k]))
				bad++;
			else if (i != (size_t)-1 && rnd() % 2) {
				ht_del_at(&t, i);
				in[k] = false, nin--;
			}
			break;
		}
		case 6:
			if (ht_get(&t, h, same, &k) != (in[k] ? &items[k] : NULL))
				badlook++;
			break;
		case 7:
			/* Now and then: iterate, dropping about a third. */
			if (rnd() % 64)
				break;
			for (size_t i = 0; i < t.cap; i++) {
				struct item *it = ht_at(&t, i);
				if (it && rnd() % 3 == 0) {
					ht_del_at(&t, i);
					in[it->key] = false, nin--;
				}
			}
			baditer += !visits_each_once(&t, items, in, nkeys);
			break;
		}
		if (t.n != (size_t)nin)
			bad++;
		if (t.s != last_s)
			grew++, last_s = t.s;
	}
	/* Everything, one last time: each key found exactly when it is in. */
	for (int k = 0; k < nkeys; k++)
		badlook += ht_get(&t, key_hash(k, weakly), same, &k) != (in[k] ? &items[k] : NULL);
	baditer += !visits_each_once(&t, items, in, nkeys);
	CHECK(bad == 0);
	CHECK(badlook == 0);
	CHECK(baditer == 0);
	CHECK(badmove == 0);
	CHECK(grew >= 3); /* growth was exercised */
	CHECK(t.ns <= 16 || t.ns <= 8 * (size_t)nkeys);
	ht_free(&t);
}

/* Growing while old slots remain: lookups find items in either array,
 * iteration with removal visits both, and the old array goes once moved. */
static void grow_while_iterating(void)
{
	enum { M = 50000 };
	static struct item items[M];
	static bool in[M];
	struct htab t;
	int bad = 0, moving = 0, cut = 0;

	CASE("lookups and removal while the old slots are being moved");
	ht_init(&t);
	for (int k = 0; k < M; k++) {
		items[k] = (struct item){k, k};
		ht_put(&t, pp_hash_u64((uint64_t)k), &items[k]);
		in[k] = true;
		if (!t.old)
			continue;
		moving++;
		/* Every item so far, wherever it is. */
		if (k % 997 == 0)
			for (int j = 0; j <= k; j++)
				bad += ht_get(&t, pp_hash_u64((uint64_t)j), same, &j) !=
				       (in[j] ? &items[j] : NULL);
		/* Half way through moving a large table: iterate, removing. */
		if (!cut && t.onum >= 16384 && t.mig >= t.onum / 2) {
			cut = k;
			CHECK(t.cap == t.ns + t.onum && t.mig < t.onum);
			for (size_t i = 0; i < t.cap; i++) {
				struct item *it = ht_at(&t, i);
				if (it && it->key % 3 == 0)
					ht_del_at(&t, i), in[it->key] = false;
			}
			CHECK(visits_each_once(&t, items, in, k + 1));
			CHECK(t.old != NULL); /* removal moved nothing */
		}
	}
	CHECK(bad == 0);
	CHECK(moving > 0 && cut > 0);
	for (int k = 0; k < M; k++)
		bad += ht_get(&t, pp_hash_u64((uint64_t)k), same, &k) != (in[k] ? &items[k] : NULL);
	CHECK(bad == 0);
	/* Enough puts finish the move: the old array is freed. */
	for (int k = 0; k < M && t.old; k++)
		if (!in[k])
			ht_put(&t, pp_hash_u64((uint64_t)k), &items[k]), in[k] = true;
	CHECK(!t.old && t.cap == t.ns);
	ht_free(&t);
}

/* The most a growth ever has to move per put: tombstones sweep a table
 * at the same size while it is a quarter full, then only puts follow. */
static void sweep_then_fill(void)
{
	enum { M = 20000, Q = 1000 };
	static struct item items[M];
	struct htab t;
	int k = 0, badmove = 0, swept = 0;

	CASE("a sweep, then puts only: moved before the next growth");
	ht_init(&t);
	for (; k < Q; k++) {
		items[k] = (struct item){k, k};
		ht_put(&t, pp_hash_u64((uint64_t)k), &items[k]);
	}
	size_t ns = t.ns;
	struct hslot *s = t.s;
	for (; k < M && !swept; k++) {
		items[k] = (struct item){k, k};
		badmove += !checked_put(&t, pp_hash_u64((uint64_t)k), &items[k]);
		int d = k - Q;
		CHECK(ht_del(&t, pp_hash_u64((uint64_t)d), same, &d) == &items[d]);
		swept = t.s != s && t.ns == ns;
		s = t.s, ns = t.ns;
	}
	CHECK(swept && t.old && t.onum == t.ns);
	for (; k < M && t.ns == ns; k++) {
		items[k] = (struct item){k, k};
		badmove += !checked_put(&t, pp_hash_u64((uint64_t)k), &items[k]);
	}
	CHECK(t.ns > ns);
	CHECK(badmove == 0);
	ht_free(&t);
}

int main(void)
{
	struct htab t;
	enum { N = 5000 };
	static struct item items[N];
	int k, seen;

	CASE("empty table");
	ht_init(&t);
	k = 1;
	CHECK(ht_get(&t, 1, same, &k) == NULL);
	CHECK(ht_del(&t, 1, same, &k) == NULL);

	CASE("colliding hashes told apart by eq; growth keeps every item");
	for (int i = 0; i < N; i++) {
		items[i] = (struct item){i, i * 3};
		ht_put(&t, i < 200 ? weak(i) : pp_hash_u64((uint64_t)i), &items[i]);
	}
	CHECK(t.n == N && t.cap >= 2 * N);
	{
		int bad = 0;
		for (int i = 0; i < N; i++) {
			struct item *it = ht_get(&t, i < 200 ? weak(i) : pp_hash_u64((uint64_t)i), same, &i);
			bad += !it || it != &items[i];
		}
		CHECK(bad == 0);
	}
	k = N + 1;
	CHECK(ht_get(&t, weak(k), same, &k) == NULL);

	CASE("removal while iterating visits every item once");
	seen = 0;
	for (size_t i = 0; i < t.cap; i++) {
		struct item *it = ht_at(&t, i);
		if (!it)
			continue;
		seen++;
		if (it->key % 2)
			ht_del_at(&t, i);
	}
	CHECK(seen == N && t.n == N / 2);
	{
		int bad = 0;
		for (int i = 0; i < N; i++) {
			struct item *it = ht_get(&t, i < 200 ? weak(i) : pp_hash_u64((uint64_t)i), same, &i);
			bad += (i % 2) ? it != NULL : it != &items[i];
		}
		CHECK(bad == 0);
	}

	CASE("churn: tombstones do not grow the table without end");
	{
		size_t cap0 = t.ns;
		for (int round = 0; round < 20; round++)
			for (int i = 1; i < N; i += 2) {
				uint64_t h = i < 200 ? weak(i) : pp_hash_u64((uint64_t)i);
				if (round % 2 == 0)
					ht_put(&t, h, &items[i]);
				else
					CHECK(ht_del(&t, h, same, &i) == &items[i]);
			}
		CHECK(t.n == N / 2 && t.ns <= 2 * cap0);
	}
	ht_free(&t);

	CASE("a set of hashes (eq NULL)");
	{
		static char mark;
		struct htab s;
		ht_init(&s);
		for (int i = 0; i < 1000; i++) {
			uint64_t h = pp_hash(&(int){i % 100}, sizeof(int));
			if (!ht_get(&s, h, NULL, NULL))
				ht_put(&s, h, &mark);
		}
		CHECK(s.n == 100);
		ht_free(&s);
	}

	random_ops(1, 64, false);      /* small: many growths and sweeps */
	random_ops(2, 3000, false);
	random_ops(3, 3000, true);     /* hashes shared by many keys */
	random_ops(4, 60000, false);
	grow_while_iterating();
	sweep_then_fill();

	CASE("pp_hash: bytes matter, lengths matter");
	CHECK(pp_hash("ab", 2) != pp_hash("ba", 2));
	CHECK(pp_hash("a", 1) != pp_hash("a\0", 2));
	CHECK(pp_hash("", 0) == pp_hash("", 0));
	return check_done("htab");
}
