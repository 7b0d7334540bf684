/* TCP stream reassembly: order, overlaps (first copy wins), retransmission,
 * the cap, the bound on holes, sequence wrap-around. */
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pp-sniff/flow.h"
#include "check.h"

static struct stream *mk(uint32_t cap, uint32_t base)
{
	struct stream *st = calloc(1, sizeof(*st));
	st->cap = cap;
	st->base = base;
	st->base_set = true;
	return st;
}

static void add(struct stream *st, uint32_t seq, const char *s)
{
	stream_add(st, seq, (const uint8_t *)s, strlen(s));
}

static int contig_is(struct stream *st, const char *want)
{
	return stream_contig(st) == strlen(want) && memcmp(st->buf, want, strlen(want)) == 0;
}

int main(void)
{
	struct stream *st;

	CASE("in order");
	st = mk(1024, 100);
	add(st, 100, "hello ");
	add(st, 106, "world");
	CHECK(contig_is(st, "hello world"));
	stream_free(st);

	CASE("out of order, then the hole fills");
	st = mk(1024, 1000);
	add(st, 1006, "world");
	CHECK(stream_contig(st) == 0);
	add(st, 1000, "hello ");
	CHECK(contig_is(st, "hello world"));
	CHECK(st->nr == 1);
	stream_free(st);

	CASE("overlap: the first copy wins");
	st = mk(1024, 0);
	add(st, 0, "GET /a");
	add(st, 3, "XXXXXXXX");      /* rewrites 3..5 and extends to 11 */
	CHECK(contig_is(st, "GET /aXXXXX"));
	add(st, 0, "PUT /bYYYYYYZ"); /* a retransmission with other bytes */
	CHECK(contig_is(st, "GET /aXXXXXYZ"));
	stream_free(st);

	CASE("data before byte 0 is cut");
	st = mk(1024, 50);
	add(st, 45, "12345abc");
	CHECK(contig_is(st, "abc"));
	add(st, 10, "old");           /* entirely before the start */
	CHECK(contig_is(st, "abc"));
	stream_free(st);

	CASE("the cap");
	st = mk(8, 0);
	add(st, 0, "0123456789");
	CHECK(contig_is(st, "01234567"));
	add(st, 20, "far");
	CHECK(stream_contig(st) == 8 && st->nr == 1);
	stream_free(st);

	CASE("too many holes: the segment is dropped");
	st = mk(4096, 0);
	for (int i = 0; i < STREAM_MAX_RANGES; i++)
		add(st, (uint32_t)(10 + i * 10), "x");
	CHECK(st->nr == STREAM_MAX_RANGES);
	add(st, 500, "y");            /* would be a 17th range */
	CHECK(st->nr == STREAM_MAX_RANGES);
	add(st, 11, "z");             /* adjacent to a range: fits */
	CHECK(st->nr == STREAM_MAX_RANGES);
	add(st, 0, "0123456789");     /* merges with the first */
	CHECK(stream_contig(st) == 12);
	stream_free(st);

	CASE("sequence numbers wrap");
	st = mk(1024, 0xfffffffcu);
	add(st, 0xfffffffcu, "abcd");
	add(st, 0, "efgh");
	CHECK(contig_is(st, "abcdefgh"));
	stream_free(st);

	CASE("no SYN: the first data names byte 0");
	st = calloc(1, sizeof(*st));
	st->cap = 64;
	add(st, 777, "mid");
	add(st, 780, "stream");
	CHECK(contig_is(st, "midstream"));
	stream_free(st);

	CASE("all streams together are bounded");
	CHECK(stream_mem == 0); /* everything above was freed */
	stream_mem_max = 3000;
	struct stream *a = mk(4096, 0), *b = mk(4096, 0);
	char big[2100];
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	add(a, 0, big);          /* 4096 would pass the limit; 2048 is too small */
	CHECK(stream_contig(a) == 0 && stream_mem == 0);
	add(a, 0, "small");      /* 2048 bytes fit */
	CHECK(stream_contig(a) == 5 && stream_mem == 2048);
	add(b, 0, "other");      /* another 2048 does not */
	CHECK(stream_contig(b) == 0);
	stream_free(a);
	add(b, 0, "other");
	CHECK(stream_contig(b) == 5 && stream_mem == 2048);
	stream_free(b);
	CHECK(stream_mem == 0);
	stream_mem_max = STREAM_MEM_MAX;

	return check_done("test_sniff_stream");
}
