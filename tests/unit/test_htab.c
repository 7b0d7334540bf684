/* The shared hash table: lookups among colliding hashes, removal while
 * iterating, growth past tombstones, sets keyed by the hash alone. */
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
		size_t cap0 = t.cap;
		for (int round = 0; round < 20; round++)
			for (int i = 1; i < N; i += 2) {
				uint64_t h = i < 200 ? weak(i) : pp_hash_u64((uint64_t)i);
				if (round % 2 == 0)
					ht_put(&t, h, &items[i]);
				else
					CHECK(ht_del(&t, h, same, &i) == &items[i]);
			}
		CHECK(t.n == N / 2 && t.cap <= 2 * cap0);
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

	CASE("pp_hash: bytes matter, lengths matter");
	CHECK(pp_hash("ab", 2) != pp_hash("ba", 2));
	CHECK(pp_hash("a", 1) != pp_hash("a\0", 2));
	CHECK(pp_hash("", 0) == pp_hash("", 0));
	return check_done("htab");
}
