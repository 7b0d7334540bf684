/* The first bytes of a TCP direction, in order. Segments land at their
 * offset from the stream's first byte; retransmissions and overlaps only
 * fill what is still missing (the first copy wins), bytes past the cap are
 * dropped, and a segment that would need more than STREAM_MAX_RANGES holes
 * is dropped too (it will be retransmitted, or the stream stays short). */
#include <stdlib.h>
#include <string.h>

#include "flow.h"

/* All streams together hold at most this much: past it, streams stop
 * growing (their dissectors get what is there, then capped at flow end). */
size_t stream_mem, stream_mem_max = STREAM_MEM_MAX;
/* Directions whose dissector was still reading when bytes came past the
 * cap: reported at exit, so that the limit is never silent. */
unsigned long stream_overflows;

static void copy_gaps(struct stream *st, uint32_t s, uint32_t e, const uint8_t *p)
{
	uint32_t cur = s;
	for (uint32_t i = 0; i < st->nr && cur < e; i++) {
		if (st->r[i].e <= cur)
			continue;
		if (st->r[i].s >= e)
			break;
		if (st->r[i].s > cur)
			memcpy(st->buf + cur, p + (cur - s), st->r[i].s - cur);
		cur = st->r[i].e;
	}
	if (cur < e)
		memcpy(st->buf + cur, p + (cur - s), e - cur);
}

/* Merge [s,e) into the range list; false if that needs too many ranges. */
static bool merge_range(struct stream *st, uint32_t s, uint32_t e)
{
	uint32_t i = 0, j;
	while (i < st->nr && st->r[i].e < s)
		i++;
	j = i;
	while (j < st->nr && st->r[j].s <= e) { /* overlapping or adjacent */
		if (st->r[j].s < s) s = st->r[j].s;
		if (st->r[j].e > e) e = st->r[j].e;
		j++;
	}
	uint32_t n = st->nr - (j - i) + 1;
	if (n > STREAM_MAX_RANGES)
		return false;
	memmove(&st->r[i + 1], &st->r[j], (st->nr - j) * sizeof(st->r[0]));
	st->r[i].s = s, st->r[i].e = e;
	st->nr = n;
	return true;
}

/* Would [s,e) fit in the range list? (Same walk as merge_range.) */
static bool fits(const struct stream *st, uint32_t s, uint32_t e)
{
	uint32_t i = 0, j;
	while (i < st->nr && st->r[i].e < s)
		i++;
	j = i;
	while (j < st->nr && st->r[j].s <= e)
		j++;
	return st->nr - (j - i) + 1 <= STREAM_MAX_RANGES;
}

void stream_add(struct stream *st, uint32_t seq, const uint8_t *p, size_t n)
{
	int32_t rel;
	uint32_t s, e;

	if (n == 0)
		return;
	if (!st->base_set) { /* no SYN seen: the first data names byte 0 */
		st->base = seq;
		st->base_set = true;
	}
	rel = (int32_t)(seq - st->base);
	if (rel < 0) { /* starts before byte 0: keep the part after it */
		if ((uint64_t)-(int64_t)rel >= n)
			return;
		p += (uint32_t)-rel;
		n -= (uint32_t)-rel;
		rel = 0;
	}
	s = (uint32_t)rel;
	if (st->cap && !st->cut && !st->overflow && (s >= st->cap || n > st->cap - s)) {
		st->overflow = true;
		stream_overflows++;
	}
	if (s >= st->cap)
		return;
	e = n > st->cap - s ? st->cap : s + (uint32_t)n;
	if (!fits(st, s, e))
		return;
	if (e > st->alloc) {
		uint32_t want = st->alloc ? st->alloc : 2048;
		while (want < e)
			want *= 2;
		if (want > st->cap)
			want = st->cap;
		if (stream_mem + (want - st->alloc) > stream_mem_max)
			return;
		uint8_t *nb = realloc(st->buf, want);
		if (!nb)
			return;
		stream_mem += want - st->alloc;
		st->buf = nb, st->alloc = want;
	}
	copy_gaps(st, s, e, p);
	merge_range(st, s, e);
}

void stream_cut(struct stream *st, uint32_t seq)
{
	int32_t rel;

	if (!st->base_set)
		return;
	rel = (int32_t)(seq - st->base);
	if (rel < 0)
		rel = 0;
	if ((uint32_t)rel < st->cap) {
		st->cap = (uint32_t)rel;
		st->cut = true;
	}
}

void stream_release(struct stream *st)
{
	free(st->buf);
	stream_mem -= st->alloc;
	st->buf = NULL;
	st->alloc = 0;
	st->nr = 0;
}

void stream_free(struct stream *st)
{
	if (st) {
		stream_release(st);
		free(st);
	}
}
