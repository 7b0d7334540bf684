/* Results remembered by their input's bytes (memo.h). */
#include <stdlib.h>
#include <string.h>

#include "memo.h"

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t v;
		memcpy(&v, p + i, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x94d049bb133111ebull;
	return h ^ (h >> 29);
}

static struct memo_slot *slot_of(struct memo *m, const void *key, size_t klen)
{
	if (klen > m->key_max)
		return NULL;
	if (!m->slot && !(m->slot = calloc(m->nslots, sizeof(*m->slot))))
		return NULL;
	return &m->slot[hash_bytes(key, klen) & (m->nslots - 1)];
}

bool memo_get(struct memo *m, const void *key, size_t klen, void *val)
{
	struct memo_slot *s = slot_of(m, key, klen);
	if (!s || !s->blob || s->klen != klen || memcmp(s->blob, key, klen))
		return false;
	memcpy(val, s->blob + klen, m->vsize);
	return true;
}

void memo_put(struct memo *m, const void *key, size_t klen, const void *val)
{
	struct memo_slot *s = slot_of(m, key, klen);
	uint8_t *b;
	if (!s || !(b = malloc(klen + m->vsize)))
		return;
	memcpy(b, key, klen);
	memcpy(b + klen, val, m->vsize);
	free(s->blob);
	s->blob = b, s->klen = klen;
}
