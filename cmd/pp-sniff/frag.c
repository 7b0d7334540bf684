/* IPv4 and IPv6 fragment reassembly, bounded in memory and time.
 *
 * A datagram in reassembly keeps its bytes and a bitmap of the 8-byte blocks
 * received (fragment offsets count in 8-byte units). The first copy of a
 * block wins, so overlapping fragments cannot rewrite what arrived first
 * (the "first" policy of RFC 5722 discussions; we keep rather than drop).
 * Limits: FRAG_MAX_ENTRIES datagrams and FRAG_MAX_BYTES of data at once,
 * FRAG_TIMEOUT_US after the first fragment (Linux's ipfrag_time); past
 * either limit the oldest datagram is dropped and its fragments counted.
 *
 * A dropped datagram whose first fragment came is not lost entirely: the
 * bytes from its start up to the first hole are queued as a partial
 * datagram (as tshark dissects what a first fragment holds), at most
 * FRAG_MAX_PARTIAL at a time, for ip.c to hand on, marked as cut. */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "htab.h"
#include "sniff.h"
#include "xalloc.h"

#define FRAG_MAX_DGRAM 65535u
#define FRAG_BLOCKS ((FRAG_MAX_DGRAM + 7) / 8)
#define FRAG_MAX_ENTRIES 1024
#define FRAG_MAX_BYTES (16u << 20)
#define FRAG_TIMEOUT_US (30ull * 1000000)
#define FRAG_MAX_PARTIAL 64

struct fentry {
	TAILQ_ENTRY(fentry) age; /* oldest first */
	uint64_t hash;
	struct pp_addr src, dst;
	uint32_t id;
	uint8_t keyproto;      /* IPv4: part of the key; IPv6: 0 */
	uint8_t proto;
	bool proto_known, total_known, bad;
	uint64_t first_us;
	uint8_t *data;
	size_t alloc, total;
	uint32_t nblocks;      /* blocks received */
	size_t first_len;      /* bytes the offset-0 fragment brought */
	uint32_t npkts;
	uint64_t ip_bytes;
	uint8_t bits[(FRAG_BLOCKS + 7) / 8];
};

struct fragtab {
	struct htab t; /* struct fentry by datagram key */
	TAILQ_HEAD(, fentry) age;
	size_t bytes;
	struct frag_out partial[FRAG_MAX_PARTIAL]; /* dropped, first part kept */
	size_t npartial;
};

/* The key of a datagram: addresses, id, and for IPv4 the protocol. */
struct fkey {
	const struct pp_addr *src, *dst;
	uint32_t id;
	uint8_t keyproto;
};

struct fragtab *frag_new(void)
{
	struct fragtab *t = xcalloc(1, sizeof(struct fragtab));
	ht_init(&t->t);
	TAILQ_INIT(&t->age);
	return t;
}

static uint64_t key_hash(const struct fkey *k)
{
	unsigned char b[2 * 16 + 5];
	memcpy(b, k->src->a, 16);
	memcpy(b + 16, k->dst->a, 16);
	memcpy(b + 32, &k->id, 4);
	b[36] = k->keyproto;
	return pp_hash(b, sizeof(b));
}

static bool same_key(const void *item, const void *key)
{
	const struct fentry *e = item;
	const struct fkey *k = key;
	return e->id == k->id && e->keyproto == k->keyproto && pp_addr_eq(&e->src, k->src) &&
	       pp_addr_eq(&e->dst, k->dst);
}

static bool same_entry(const void *item, const void *key)
{
	return item == key;
}

static bool bit(const struct fentry *e, uint32_t i) { return e->bits[i / 8] >> (i % 8) & 1; }

static void unlink_entry(struct fragtab *t, struct fentry *e, struct sniff_stats *st, bool dropped)
{
	ht_del(&t->t, e->hash, same_entry, e);
	TAILQ_REMOVE(&t->age, e, age);
	t->bytes -= e->alloc;
	if (dropped && st)
		st->frag_dropped += e->npkts;
	if (dropped && e->proto_known && e->data && e->first_len && t->npartial < FRAG_MAX_PARTIAL) {
		/* The part before the first hole: whole blocks, or what the
		 * first fragment brought when it was cut inside a block. */
		uint32_t b = 0;
		while ((size_t)b * 8 < e->alloc && bit(e, b))
			b++;
		size_t len = (size_t)b * 8;
		if (e->first_len > len && e->first_len / 8 <= b)
			len = e->first_len;
		if (len > e->alloc)
			len = e->alloc;
		if (e->total_known && len > e->total)
			len = e->total;
		if (len) {
			struct frag_out *o = &t->partial[t->npartial++];
			memset(o, 0, sizeof(*o));
			o->data = e->data, o->len = len, o->proto = e->proto;
			o->ip_bytes = e->ip_bytes, o->npkts = e->npkts;
			o->partial = true, o->src = e->src, o->dst = e->dst, o->ts_us = e->first_us;
			e->data = NULL;
		}
	}
	free(e->data);
	free(e);
}

int frag_take_partial(struct fragtab *t, struct frag_out *out)
{
	if (!t || !t->npartial)
		return 0;
	*out = t->partial[0];
	memmove(&t->partial[0], &t->partial[1], --t->npartial * sizeof(t->partial[0]));
	return 1;
}

void frag_drop_all(struct fragtab *t, struct sniff_stats *st)
{
	while (t && !TAILQ_EMPTY(&t->age) && t->npartial < FRAG_MAX_PARTIAL)
		unlink_entry(t, TAILQ_FIRST(&t->age), st, true);
}

void frag_free(struct fragtab *t, struct sniff_stats *st)
{
	if (!t)
		return;
	while (!TAILQ_EMPTY(&t->age))
		unlink_entry(t, TAILQ_FIRST(&t->age), st, true);
	ht_free(&t->t);
	while (t->npartial)
		free(t->partial[--t->npartial].data);
	free(t);
}

int frag_add(struct fragtab *t, uint64_t now_us, const struct frag_in *in, struct frag_out *out,
             struct sniff_stats *st)
{
	struct fentry *e;
	uint8_t keyproto = in->src.family == AF_INET ? in->proto : 0;
	size_t end = (size_t)in->off + in->len;
	struct fkey key = {&in->src, &in->dst, in->id, keyproto};
	uint64_t h;

	/* Age out first, so that a stale datagram never completes late. */
	while ((e = TAILQ_FIRST(&t->age)) && e->first_us + FRAG_TIMEOUT_US < now_us)
		unlink_entry(t, e, st, true);

	if (end > FRAG_MAX_DGRAM || (in->more && in->len % 8 != 0 && !in->truncated)) {
		st->malformed++;
		return 0;
	}
	h = key_hash(&key);
	if (!(e = ht_get(&t->t, h, same_key, &key))) {
		while (t->t.n >= FRAG_MAX_ENTRIES && !TAILQ_EMPTY(&t->age))
			unlink_entry(t, TAILQ_FIRST(&t->age), st, true);
		e = calloc(1, sizeof(*e));
		if (!e)
			return 0;
		e->src = in->src, e->dst = in->dst, e->id = in->id, e->keyproto = keyproto;
		e->first_us = now_us;
		e->hash = h;
		ht_put(&t->t, h, e);
		TAILQ_INSERT_TAIL(&t->age, e, age);
	}
	e->npkts++;
	e->ip_bytes += in->ip_bytes;
	if (in->proto_known)
		e->proto = in->proto, e->proto_known = true;
	if (in->truncated)
		e->bad = true; /* a hole that can never be filled */
	if (!in->more) {
		if (e->total_known && e->total != end)
			e->bad = true; /* two different ends */
		e->total = end, e->total_known = true;
	}
	if (e->total_known && end > e->total)
		e->bad = true;
	/* A datagram that cannot complete still keeps its first fragment's
	 * bytes, for the partial datagram it leaves when dropped. */
	if ((e->bad && (in->off != 0 || e->first_len)) || in->len == 0)
		return 0;

	if (end > e->alloc) {
		size_t want = e->alloc * 2 > end ? e->alloc * 2 : end;
		if (want > FRAG_MAX_DGRAM)
			want = FRAG_MAX_DGRAM;
		while (t->bytes + (want - e->alloc) > FRAG_MAX_BYTES && TAILQ_FIRST(&t->age) != e)
			unlink_entry(t, TAILQ_FIRST(&t->age), st, true);
		uint8_t *nd = realloc(e->data, want);
		if (!nd)
			return 0;
		t->bytes += want - e->alloc;
		e->data = nd, e->alloc = want;
	}
	for (uint32_t b = in->off / 8; (size_t)b * 8 < end; b++) {
		if (bit(e, b))
			continue;
		size_t bs = (size_t)b * 8, be = bs + 8 < end ? bs + 8 : end;
		memcpy(e->data + bs, in->data + (bs - in->off), be - bs);
		/* A block counts when whole, or when it ends the datagram; the
		 * piece a snaplen cut leaves may still be filled by another. */
		if (be - bs == 8 || (!in->more && !in->truncated)) {
			e->bits[b / 8] |= (uint8_t)(1u << (b % 8));
			e->nblocks++;
		}
	}
	if (in->off == 0 && !e->first_len)
		e->first_len = in->len;
	if (e->bad)
		return 0;
	if (!e->total_known || !e->proto_known || e->nblocks < (e->total + 7) / 8)
		return 0;
	/* Complete: hand the bytes over. */
	out->data = e->data, out->len = e->total, out->proto = e->proto;
	out->ip_bytes = e->ip_bytes, out->npkts = e->npkts;
	e->data = NULL;
	t->bytes -= e->alloc, e->alloc = 0;
	unlink_entry(t, e, st, false);
	if (!out->data) { /* a zero-length datagram */
		out->data = malloc(1);
		if (!out->data)
			return 0;
	}
	return 1;
}
