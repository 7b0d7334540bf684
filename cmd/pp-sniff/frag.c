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
#include <sys/socket.h>

#include "sniff.h"

#define FRAG_MAX_DGRAM 65535u
#define FRAG_BLOCKS ((FRAG_MAX_DGRAM + 7) / 8)
#define FRAG_MAX_ENTRIES 1024
#define FRAG_MAX_BYTES (16u << 20)
#define FRAG_TIMEOUT_US (30ull * 1000000)
#define FRAG_BUCKETS 1024
#define FRAG_MAX_PARTIAL 64

struct fentry {
	struct fentry *hnext, *older, *newer;
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
	struct fentry *b[FRAG_BUCKETS];
	struct fentry *oldest, *newest;
	size_t n, bytes;
	struct frag_out partial[FRAG_MAX_PARTIAL]; /* dropped, first part kept */
	size_t npartial;
};

struct fragtab *frag_new(void)
{
	return calloc(1, sizeof(struct fragtab));
}

static unsigned bucket(const struct pp_addr *src, const struct pp_addr *dst, uint32_t id)
{
	uint32_t h = id * 2654435761u;
	for (int i = 0; i < 16; i++)
		h = (h ^ src->a[i] ^ (uint32_t)dst->a[i] << 8) * 16777619u;
	return h % FRAG_BUCKETS;
}

static bool bit(const struct fentry *e, uint32_t i) { return e->bits[i / 8] >> (i % 8) & 1; }

static void unlink_entry(struct fragtab *t, struct fentry *e, struct sniff_stats *st, bool dropped)
{
	struct fentry **pp = &t->b[bucket(&e->src, &e->dst, e->id)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->older) e->older->newer = e->newer; else t->oldest = e->newer;
	if (e->newer) e->newer->older = e->older; else t->newest = e->older;
	t->n--;
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
	while (t && t->oldest && t->npartial < FRAG_MAX_PARTIAL)
		unlink_entry(t, t->oldest, st, true);
}

void frag_free(struct fragtab *t, struct sniff_stats *st)
{
	if (!t)
		return;
	while (t->oldest)
		unlink_entry(t, t->oldest, st, true);
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

	/* Age out first, so that a stale datagram never completes late. */
	while (t->oldest && t->oldest->first_us + FRAG_TIMEOUT_US < now_us)
		unlink_entry(t, t->oldest, st, true);

	if (end > FRAG_MAX_DGRAM || (in->more && in->len % 8 != 0 && !in->truncated)) {
		st->malformed++;
		return 0;
	}
	unsigned h = bucket(&in->src, &in->dst, in->id);
	for (e = t->b[h]; e; e = e->hnext)
		if (e->id == in->id && e->keyproto == keyproto && pp_addr_eq(&e->src, &in->src) &&
		    pp_addr_eq(&e->dst, &in->dst))
			break;
	if (!e) {
		while (t->n >= FRAG_MAX_ENTRIES && t->oldest)
			unlink_entry(t, t->oldest, st, true);
		e = calloc(1, sizeof(*e));
		if (!e)
			return 0;
		e->src = in->src, e->dst = in->dst, e->id = in->id, e->keyproto = keyproto;
		e->first_us = now_us;
		e->hnext = t->b[h], t->b[h] = e;
		e->older = t->newest;
		if (t->newest) t->newest->newer = e; else t->oldest = e;
		t->newest = e;
		t->n++;
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
		while (t->bytes + (want - e->alloc) > FRAG_MAX_BYTES && t->oldest != e)
			unlink_entry(t, t->oldest, st, true);
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
